/*
 * callsim - our own caller and carrier.  It speaks Twilio's protocol to the
 * gateway (signed voice webhook, Media Streams WebSocket in real time,
 * REST for transfers and outbound calls) and plays a scripted caller from
 * a scenario file, so the whole stack is tested end to end with no Twilio
 * account.  Talks to: gateway (HTTP + WebSocket), and serves the gateway's
 * Twilio REST calls with --carrier-port.
 *
 *   callsim --scenario F [--json]          one call, exit 1 on a failure
 *   callsim --dir D [--parallel N] [--report FILE]
 *   callsim --carrier-port P [--answer-scenario F]   (alone: serve)
 *   callsim --replay REC.json|DIR [--record DIR]      a recorded caller again
 *   callsim --compare A.json B.json                    two runs side by side
 *   callsim --load N --duration S [--ramp S]           N callers at once
 *   callsim --streams N --duration S [--ramp S]        N bare Media Streams
 */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libwebsockets.h>

#include "cs_call.h"
#include "cs_carrier.h"
#include "cs_http.h"
#include "clock.h"
#include "expect.h"
#include "load.h"
#include "log.h"
#include "record.h"
#include "scenario.h"
#include "eval.h"
#include "voice.h"

struct job {
	char *path;
	struct scenario *sc;
	char err[512]; /* scenario did not load */
	struct call_result r;
	int ran;
};

struct pool {
	struct job *jobs;
	size_t *order; /* jobs by expected length, longest first */
	size_t n, next;
	pthread_mutex_t lock;
	const struct call_opts *o;
};

/* What to do with each call besides checking it. */
struct run_mode {
	int replay; /* inputs are recordings */
	const char *record; /* --record DIR or NULL */
	const char *report; /* --report FILE or NULL */
};

static volatile sig_atomic_t got_signal;

/* --send-garbage alone: malformed messages, then a short normal call. */
static const char garbage_call[] =
    "{\"name\":\"malformed Media Streams "
    "messages, then a short call\",\"caller\":{\"from\":\"+15551230001\"},"
    "\"turns\":[{\"say\":\"Hello?\"},{\"hangup\":true}]}";

static int run_one(const char *path, const struct call_opts *o, int json,
    const struct run_mode *rm);
static int report_one(struct scenario *sc, json_t *script, const char *path,
    const struct call_opts *o, int json, const struct run_mode *rm);
static int run_dir(const char *dir, int parallel, const struct run_mode *rm,
    const struct call_opts *o);
static void save_call(const struct run_mode *rm, const char *path,
    json_t *script, const struct scenario *sc, const struct call_result *r);
static void *worker(void *arg);
static int list_scenarios(const char *dir, char ***paths, size_t *n);
static void on_signal(int sig);
static void lws_log(int level, const char *line);
static const char *default_corpus(void);
static void usage(FILE *f);

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"scenario", required_argument, NULL, 's'},
	    {"dir", required_argument, NULL, 'D'},
	    {"parallel", required_argument, NULL, 'P'},
	    {"report", required_argument, NULL, 'R'},
	    {"json", no_argument, NULL, 'j'},
	    {"gateway", required_argument, NULL, 'g'},
	    {"public-url", required_argument, NULL, 'u'},
	    {"token", required_argument, NULL, 't'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"hangup-timeout", required_argument, NULL, 'H'},
	    {"reply-timeout", required_argument, NULL, 'r'},
	    {"carrier-port", required_argument, NULL, 'c'},
	    {"answer-scenario", required_argument, NULL, 'a'},
	    {"callees", required_argument, NULL, 'E'},
	    {"carrier-log", required_argument, NULL, 'W'},
	    {"corpus", required_argument, NULL, 'C'},
	    {"no-hear", no_argument, NULL, 'N'},
	    {"send-garbage", no_argument, NULL, 'G'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"record", required_argument, NULL, 'O'},
	    {"replay", required_argument, NULL, 'Y'},
	    {"compare", required_argument, NULL, 'K'},
	    {"load", required_argument, NULL, 'L'},
	    {"streams", required_argument, NULL, 'M'},
	    {"duration", required_argument, NULL, 'd'},
	    {"ramp", required_argument, NULL, 'p'},
	    {"tts-pub", required_argument, NULL, 'b'},
	    {"no-inbound", no_argument, NULL, 'I'},
	    {"watch-pid", required_argument, NULL, 'X'},
	    {"cacert", required_argument, NULL, 'A'},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct call_opts o = {"http://127.0.0.1:8080",
	    "https://frontdesk.example.com", NULL, NULL, 180000, 30000, 15000,
	    0, 1, 0, 0, 0, 0, NULL};
	struct run_mode rm = {0, NULL, NULL};
	struct load_opts lo = {0, 0, 0, NULL, NULL, 1, 0};
	const char *scenario = NULL, *dir = NULL, *replay = NULL;
	const char *compare = NULL;
	int streams = 0;
	struct stat st;
	const char *answer = NULL, *corpus = NULL, *callees = NULL;
	const char *carrier_log = NULL;
	struct scenario *answer_sc = NULL;
	int c, json = 0, parallel = 1, carrier_port = 0, rc = 0;
	char err[512];
	unsigned a, f, nreq, ndup, ntext;

	log_init("callsim", LOG_LVL_WARN);
	while ((c = getopt_long(argc, argv,
	            "s:D:P:R:jg:u:t:T:H:r:c:a:E:W:C:NGvhO:Y:K:L:M:d:p:b:IA:X:",
	            lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			scenario = optarg;
			break;
		case 'D':
			dir = optarg;
			break;
		case 'P':
			parallel = atoi(optarg);
			break;
		case 'R':
			rm.report = lo.report = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'g':
			o.gateway = optarg;
			break;
		case 'u':
			o.public_url = optarg;
			break;
		case 't':
			o.token = optarg;
			break;
		case 'T':
			o.timeout_ms = atoi(optarg) * 1000;
			break;
		case 'H':
			o.hangup_timeout_ms = atoi(optarg) * 1000;
			break;
		case 'r':
			o.reply_timeout_ms = atoi(optarg) * 1000;
			break;
		case 'c':
			carrier_port = atoi(optarg);
			break;
		case 'a':
			answer = optarg;
			break;
		case 'E':
			callees = optarg;
			break;
		case 'W':
			carrier_log = optarg;
			break;
		case 'C':
			corpus = optarg;
			break;
		case 'N':
			o.hear = 0;
			break;
		case 'G':
			o.send_garbage = 1;
			break;
		case 'v':
			o.verbose = 1;
			log_init("callsim", LOG_LVL_INFO);
			break;
		case 'O':
			rm.record = optarg;
			break;
		case 'Y':
			replay = optarg;
			break;
		case 'K':
			compare = optarg;
			break;
		case 'L':
			lo.calls = atoi(optarg);
			break;
		case 'M':
			lo.calls = atoi(optarg);
			streams = 1;
			break;
		case 'd':
			lo.duration_s = atoi(optarg);
			break;
		case 'p':
			lo.ramp_s = atoi(optarg);
			break;
		case 'b':
			lo.tts_pub = optarg;
			break;
		case 'I':
			lo.inbound = 0;
			break;
		case 'X':
			lo.watch_pid = atoi(optarg);
			break;
		case 'A':
			o.cacert = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (compare) {
		if (optind + 1 != argc) {
			usage(stderr);
			return 2;
		}
		if (compare_print(
		        stdout, compare, argv[optind], err, sizeof(err)) != 0) {
			fprintf(stderr, "callsim: %s\n", err);
			return 2;
		}
		return 0;
	}
	if (lo.calls &&
	    (lo.calls > 5000 || lo.duration_s <= 0 || lo.ramp_s < 0 ||
	        scenario || dir || replay)) {
		usage(stderr);
		return 2;
	}
	if (optind != argc || (scenario && dir) ||
	    (replay && (scenario || dir)) ||
	    (!scenario && !dir && !replay && !lo.calls && !carrier_port &&
	        !o.send_garbage) ||
	    parallel < 1 || parallel > 64 || o.timeout_ms <= 0 ||
	    o.hangup_timeout_ms < 0 || o.reply_timeout_ms <= 0 ||
	    carrier_port < 0 || carrier_port > 65535) {
		usage(stderr);
		return 2;
	}
	if (o.token == NULL)
		o.token = getenv("TWILIO_AUTH_TOKEN");
	if (o.token && *o.token == '\0')
		o.token = NULL;
	o.api_token = getenv("FRONTDESK_API_TOKEN");
	if (o.cacert == NULL && (o.cacert = getenv("CALLSIM_CACERT")) != NULL &&
	    *o.cacert == '\0')
		o.cacert = NULL;
	http_set_cacert(o.cacert);
	o.record_track = rm.record != NULL;
	if (streams) {
		signal(SIGPIPE, SIG_IGN);
		lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
		return streams_run(&o, &lo);
	}
	if (corpus == NULL)
		corpus = default_corpus();
	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (voice_init(corpus, err, sizeof(err)) != 0) {
		fprintf(stderr, "callsim: voice: %s\n", err);
		return 2;
	}
	/* a listening caller hears the greeting at once: load the ear now,
	 * not on the first call's clock */
	{
		static const int16_t quiet[800];
		char none[8];

		voice_hear(quiet, sizeof(quiet) / sizeof(quiet[0]), NULL, 0,
		    none, sizeof(none));
	}
	if (answer &&
	    (answer_sc = scenario_load(answer, err, sizeof(err))) == NULL) {
		fprintf(stderr, "callsim: %s\n", err);
		rc = 2;
		goto out;
	}
	if (carrier_port &&
	    (carrier_callees(callees, carrier_log, err, sizeof(err)) != 0 ||
	        carrier_start(carrier_port, answer_sc, &o, err, sizeof(err)) !=
	            0)) {
		fprintf(stderr, "callsim: %s\n", err);
		rc = 2;
		goto out;
	}
	if (lo.calls)
		rc = load_run(&o, &lo);
	else if (scenario)
		rc = run_one(scenario, &o, json, &rm);
	else if (dir)
		rc = run_dir(dir, parallel, &rm, &o);
	else if (replay && stat(replay, &st) == 0 && S_ISDIR(st.st_mode)) {
		rm.replay = 1;
		rc = run_dir(replay, parallel, &rm, &o);
	} else if (replay) {
		rm.replay = 1;
		rc = run_one(replay, &o, json, &rm);
	} else if (o.send_garbage)
		rc = report_one(scenario_parse(garbage_call, err, sizeof(err)),
		    NULL, NULL, &o, json, &rm);
	else {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		while (!got_signal)
			pause();
	}
	if (carrier_port) {
		carrier_stop();
		carrier_counts(&a, &f);
		if (a || answer_sc)
			printf(
			    "outbound calls answered: %u, failed: %u\n", a, f);
		carrier_keys(&nreq, &ndup, &ntext);
		if (nreq || ntext)
			printf(
			    "outbound call requests: %u, keys requested more "
			    "than once: %u, texts: %u\n",
			    nreq, ndup, ntext);
		if (ndup && rc == 0)
			rc = 1;
		if (f && rc == 0)
			rc = 1;
	}
out:
	scenario_free(answer_sc);
	voice_fini();
	curl_global_cleanup();
	return rc;
}

static int
run_one(const char *path, const struct call_opts *o, int json,
    const struct run_mode *rm)
{
	struct scenario *sc;
	char err[512];

	sc = rm->replay ? replay_load(path, err, sizeof(err))
	                : scenario_load(path, err, sizeof(err));
	if (sc == NULL) {
		fprintf(stderr, "callsim: %s\n", err);
		return 2;
	}
	return report_one(sc, record_script(path), path, o, json, rm);
}

/* Run sc (freed here, with script), print its result; 1 if it failed. */
static int
report_one(struct scenario *sc, json_t *script, const char *path,
    const struct call_opts *o, int json, const struct run_mode *rm)
{
	struct call_result r;
	char *txt;
	json_t *j;
	int rc;

	if (sc == NULL) {
		json_decref(script);
		return 2;
	}
	call_run(sc, o, NULL, &r);
	save_call(rm, path, script, sc, &r);
	json_decref(script);
	if (rm->report && (j = result_json(sc, &r)) != NULL) {
		if (json_dump_file(j, rm->report, JSON_INDENT(2)) != 0)
			fprintf(
			    stderr, "callsim: cannot write %s\n", rm->report);
		json_decref(j);
	}
	if (json) {
		j = result_json(sc, &r);
		txt = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
		printf("%s\n", txt ? txt : "{}");
		free(txt);
		json_decref(j);
	} else
		result_print(stdout, sc, &r);
	rc = r.nfail ? 1 : 0;
	call_result_free(&r);
	scenario_free(sc);
	return rc;
}

/*
 * A scenario's expected length in ms, to start the long ones first: each
 * turn waits for the agent's reply (~3 s), a line takes ~70 ms a
 * character, a key ~300 ms; a listening caller's turns are not known in
 * advance (counted as eight).
 */
static long
expected_ms(const struct scenario *sc)
{
	long ms = 0;
	size_t i, nt;

	if (sc == NULL)
		return 0;
	nt = sc->persona != NULL && sc->nturns == 0 ? 8 : sc->nturns;
	ms = (long)nt * 3000;
	for (i = 0; i < sc->nturns; i++) {
		const struct turn *t = &sc->turns[i];

		if (t->kind == TURN_SAY && t->text != NULL)
			ms += 70 * (long)strlen(t->text);
		else if (t->kind == TURN_DTMF && t->text != NULL)
			ms += 300 * (long)strlen(t->text);
		else if (t->kind == TURN_WAIT)
			ms += t->wait_ms;
	}
	return ms;
}

static const struct job *sort_jobs; /* run_dir's, for cmp_longer */

static int
cmp_longer(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	long ex = expected_ms(sort_jobs[x].sc),
	     ey = expected_ms(sort_jobs[y].sc);

	if (ex != ey)
		return ex < ey ? 1 : -1;
	return x < y ? -1 : x > y;
}

static int
run_dir(const char *dir, int parallel, const struct run_mode *rm,
    const struct call_opts *o)
{
	struct pool pl;
	pthread_t th[64];
	char **paths = NULL;
	size_t n = 0, i, k, passed = 0;
	const struct scenario **scs;
	const struct call_result **rs;
	int nth, rc;
	json_t *rep, *arr, *sum, *m;
	FILE *f = NULL;

	if (list_scenarios(dir, &paths, &n) != 0 || n == 0) {
		fprintf(stderr, "callsim: no *.json scenarios in %s\n", dir);
		return 2;
	}
	memset(&pl, 0, sizeof(pl));
	pthread_mutex_init(&pl.lock, NULL);
	pl.o = o;
	pl.n = n;
	scs = calloc(n, sizeof(*scs));
	rs = calloc(n, sizeof(*rs));
	if ((pl.jobs = calloc(n, sizeof(*pl.jobs))) == NULL || scs == NULL ||
	    rs == NULL)
		return 2;
	for (i = 0; i < n; i++) {
		pl.jobs[i].path = paths[i];
		pl.jobs[i].sc = rm->replay
		    ? replay_load(
		          paths[i], pl.jobs[i].err, sizeof(pl.jobs[i].err))
		    : scenario_load(
		          paths[i], pl.jobs[i].err, sizeof(pl.jobs[i].err));
	}
	/* the longest calls first, so that N at a time end together */
	if ((pl.order = calloc(n, sizeof(*pl.order))) == NULL)
		return 2;
	for (i = 0; i < n; i++)
		pl.order[i] = i;
	sort_jobs = pl.jobs;
	qsort(pl.order, n, sizeof(*pl.order), cmp_longer);
	nth = parallel < (int)n ? parallel : (int)n;
	for (k = 0; k < (size_t)nth; k++)
		if (pthread_create(&th[k], NULL, worker, &pl) != 0)
			break;
	nth = (int)k;
	if (nth == 0)
		worker(&pl);
	for (k = 0; k < (size_t)nth; k++)
		pthread_join(th[k], NULL);

	printf("\n%-34s %-6s %5s %6s %6s %6s %5s %6s %5s %6s  %s\n", "scenario",
	    "result", "turns", "v2v50", "v2vmax", "1stwd", "misr", "barge",
	    "tools", "hangup", "reason");
	arr = json_array();
	for (i = 0; i < n; i++) {
		struct job *jb = &pl.jobs[i];
		double v[256];
		size_t done = 0, nv = 0;
		long maxlat = -1;
		char barge[16] = "-";
		json_t *x;
		const char *name = strrchr(jb->path, '/')
		    ? strrchr(jb->path, '/') + 1
		    : jb->path;
		if (jb->sc == NULL) {
			printf("%-34.34s %-6s %5s %6s %6s %6s %5s %6s %5s %6s  "
			       "%s\n",
			    name, "FAIL", "-", "-", "-", "-", "-", "-", "-",
			    "-", jb->err);
			json_array_append_new(arr,
			    json_pack("{s:s, s:b, s:s, "
			              "s:[s]}",
			        "name", name, "passed", 0, "reason", jb->err,
			        "failures", jb->err));
			continue;
		}
		scs[i] = jb->sc;
		rs[i] = &jb->r;
		for (k = 0; k < jb->r.nturns; k++) {
			done += jb->r.turns[k].done;
			if (jb->r.turns[k].latency_ms > maxlat)
				maxlat = jb->r.turns[k].latency_ms;
		}
		passed += jb->r.nfail == 0;
		m = eval_call(jb->sc, &jb->r);
		json_array_foreach(json_object_get(m, "v2v_ms"), k,
		    x) if (nv < 256) v[nv++] = json_number_value(x);
		if (json_array_size(json_object_get(m, "bargein_ms")))
			snprintf(barge, sizeof(barge), "%lld",
			    (long long)json_integer_value(json_array_get(
			        json_object_get(m, "bargein_ms"), 0)));
		else if (json_integer_value(json_object_get(m, "bargeins")))
			snprintf(barge, sizeof(barge), "none");
		printf(
		    "%-34.34s %-6s %2zu/%-2zu %6.0f %6ld %6ld %5lld %6s %5lld "
		    "%6s  %s\n",
		    jb->sc->name, jb->r.nfail ? "FAIL" : "pass", done,
		    jb->r.nturns, eval_pct(v, nv, 50), maxlat, jb->r.answer_ms,
		    (long long)json_integer_value(
		        json_object_get(m, "misrecognitions")),
		    barge,
		    (long long)json_integer_value(
		        json_object_get(m, "tool_calls")),
		    jb->r.hangup_by[0] ? jb->r.hangup_by : "-",
		    eval_reason(&jb->r));
		json_decref(m);
		json_array_append_new(arr, result_json(jb->sc, &jb->r));
		if (rm->record) {
			json_t *script = rm->replay
			    ? record_script(jb->path)
			    : json_load_file(jb->path, 0, NULL);
			save_call(rm, jb->path, script, jb->sc, &jb->r);
			json_decref(script);
		}
	}
	printf("scenarios: %zu passed, %zu failed\n", passed, n - passed);
	sum = eval_summary(scs, rs, n);
	if (sum)
		eval_print(stdout, sum);
	rc = passed == n ? 0 : 1;
	if (rm->report) {
		rep = json_pack("{s:o, s:I, s:I, s:O?}", "scenarios", arr,
		    "passed", (json_int_t)passed, "failed",
		    (json_int_t)(n - passed), "summary", sum);
		if (rep == NULL || (f = fopen(rm->report, "w")) == NULL ||
		    json_dumpf(rep, f, JSON_INDENT(2)) != 0) {
			fprintf(
			    stderr, "callsim: cannot write %s\n", rm->report);
			rc = 2;
		}
		if (rep && f) {
			fputc('\n', f);
			fclose(f);
		}
		json_decref(rep);
	} else
		json_decref(arr);
	json_decref(sum);
	for (i = 0; i < n; i++) {
		if (pl.jobs[i].ran)
			call_result_free(&pl.jobs[i].r);
		scenario_free(pl.jobs[i].sc);
		free(paths[i]);
	}
	free(paths);
	free(pl.jobs);
	free(pl.order);
	free(scs);
	free(rs);
	pthread_mutex_destroy(&pl.lock);
	return rc;
}

/* --record: the call's caller track and result under rm->record. */
static void
save_call(const struct run_mode *rm, const char *path, json_t *script,
    const struct scenario *sc, const struct call_result *r)
{
	char name[256], err[512], *dot;
	const char *base;

	if (rm->record == NULL)
		return;
	base = path ? (strrchr(path, '/') ? strrchr(path, '/') + 1 : path)
	            : sc->name;
	snprintf(name, sizeof(name), "%s", base);
	if ((dot = strrchr(name, '.')) != NULL && strcmp(dot, ".json") == 0)
		*dot = '\0';
	if (record_save(rm->record, name, script, sc, r, err, sizeof(err)) != 0)
		fprintf(stderr, "callsim: record: %s\n", err);
}

static void *
worker(void *arg)
{
	struct pool *pl = arg;
	struct job *jb;

	for (;;) {
		pthread_mutex_lock(&pl->lock);
		jb = pl->next < pl->n ? &pl->jobs[pl->order[pl->next++]] : NULL;
		pthread_mutex_unlock(&pl->lock);
		if (jb == NULL)
			return NULL;
		if (jb->sc == NULL)
			continue;
		call_run(jb->sc, pl->o, NULL, &jb->r);
		jb->ran = 1;
		if (pl->o->quiet)
			continue;
		pthread_mutex_lock(&pl->lock);
		fprintf(stderr, "callsim: %s: %s\n", jb->sc->name,
		    jb->r.nfail ? "FAIL" : "pass");
		pthread_mutex_unlock(&pl->lock);
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
list_scenarios(const char *dir, char ***paths, size_t *n)
{
	DIR *d;
	struct dirent *e;
	char **p = NULL, **np;
	size_t len;

	*n = 0;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 ||
		    e->d_name[0] == '.')
			continue;
		if ((np = realloc(p, (*n + 1) * sizeof(*np))) == NULL)
			break;
		p = np;
		if (asprintf(&p[*n], "%s/%s", dir, e->d_name) < 0)
			break;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(p, *n, sizeof(*p), cmp_str);
	*paths = p;
	return 0;
}

/* tools/callsim/heard_corpus.txt beside the source, found from the
 * binary (build/bin/callsim) or the current directory. */
static const char *
default_corpus(void)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			snprintf(path, sizeof(path),
			    "%.*s/../../tools/callsim/"
			    "heard_corpus.txt",
			    PATH_MAX - 64, exe);
			if (access(path, R_OK) == 0)
				return path;
		}
	}
	if (access("tools/callsim/heard_corpus.txt", R_OK) == 0)
		return "tools/callsim/heard_corpus.txt";
	return NULL;
}

static void
on_signal(int sig)
{
	got_signal = sig;
}

static void
lws_log(int level, const char *line)
{
	size_t n = strlen(line);

	if (n && line[n - 1] == '\n')
		n--;
	if (level & LLL_ERR)
		log_err(NULL, "lws: %.*s", (int)n, line);
	else
		log_info(NULL, "lws: %.*s", (int)n, line);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: callsim --scenario FILE [--json] [--send-garbage]\n"
	    "       callsim --send-garbage            (built-in short call)\n"
	    "       callsim --dir DIR [--parallel N] [--report FILE]\n"
	    "       callsim --carrier-port PORT [--answer-scenario FILE]\n"
	    "       callsim --replay REC.json|DIR [--record DIR] [--json] "
	    "[--report F]\n"
	    "       callsim --compare A.json B.json\n"
	    "       callsim --load N --duration S [--ramp S] [--report F]\n"
	    "       callsim --streams N --duration S [--ramp S] [--tts-pub "
	    "ADDR]\n"
	    "                [--no-inbound] [--watch-pid PID] [--report F]\n"
	    "options:\n"
	    "  --gateway URL         gateway base URL (http://127.0.0.1:8080); "
	    "https://\n"
	    "                        (a TLS terminator in front) streams over "
	    "wss://\n"
	    "  --cacert FILE         trust these CAs (PEM) for https/wss "
	    "($CALLSIM_CACERT)\n"
	    "  --public-url URL      URL Twilio would sign "
	    "(https://frontdesk.example.com)\n"
	    "  --token TOKEN         auth token for X-Twilio-Signature "
	    "($TWILIO_AUTH_TOKEN)\n"
	    "  --timeout S           whole-call limit (180)\n"
	    "  --hangup-timeout S    wait for the agent to hang up after the "
	    "last turn (30)\n"
	    "  --reply-timeout S     wait for a reply to each turn (15)\n"
	    "  --carrier-port PORT   also serve Twilio REST (transfers, "
	    "outbound calls)\n"
	    "  --answer-scenario F   callee scenario for outbound calls\n"
	    "  --callees FILE        callee per number: JSON number -> "
	    "{answer: human|\n"
	    "                        machine|busy|no-answer|fail|fax, "
	    "scenario, greeting_ms,\n"
	    "                        ring_ms, answer_after}; \"*\" for any "
	    "other number\n"
	    "  --carrier-log FILE    one JSON line per REST request and per "
	    "call's end\n"
	    "  --corpus FILE         LM corpus for hearing "
	    "(tools/callsim/heard_corpus.txt)\n"
	    "  --no-hear             do not transcribe the agent\n"
	    "  --send-garbage        send malformed Media Streams messages "
	    "first\n"
	    "  --verbose             log the call as it happens\n"
	    "  --record DIR          save each call: DIR/NAME.ulaw (caller "
	    "track) + .json\n"
	    "  --tts-pub ADDR        --streams: publish AUDIO_OUT here (the "
	    "gateway dials\n"
	    "                        the tts-worker's pub: "
	    "ipc://$FRONTDESK_RUNDIR/tts-worker.pub)\n"
	    "  --no-inbound          --streams: send no caller audio\n"
	    "  --watch-pid PID       --streams: also report PID's CPU (the "
	    "gateway's)\n"
	    "                        over the measured window "
	    "(watched_cpu_pct)\n"
	    "env: TWILIO_AUTH_TOKEN, FRONTDESK_API_TOKEN (Bearer for "
	    "/api/v1/calls)\n"
	    "exit: 0 all expectations held, 1 a failure, 2 usage or bad "
	    "scenario\n");
}
