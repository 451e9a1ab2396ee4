/*
 * crm_bench.c - crm-bench: latency of crm-tools' tools as the agent sees
 * them (rpc round trip), printed as JSON: cached and uncached customer
 * lookup, slot search, and booking with 200 requests in flight at once
 * (those also as crm-tools' audit times them, in_crm_tools_p50/p99_ms).
 * Without -a it starts its own isolated datastore + crm-tools
 * (tests/harness/crm_harness.c) and also reports book_200_db_floor:
 * PostgreSQL alone writing the rows of the 200 bookings, one statement per
 * CPU (bench_floor.c), the least any request path on this host can take
 * for the burst.
 *
 *   crm-bench [-a ipc://.../crm-tools.rep] [-n requests] [-j threads]
 *       [-P phase,...]   (only these phases)
 *       [-d days]        (book on the open day this far ahead; default 45)
 *       [-b N]           (the 200 bookings with N in flight; default 200)
 *       [-w N]           (crm-tools workers of its own instance; default 8)
 *       [-t N]           (its rpc threads; default crm.rpc_threads, 32)
 *     -j: requests in flight for the lookups and slot search (default:
 *     one per CPU, so the numbers are a tool's latency, not a run queue's;
 *     lookup_cached_oversubscribed repeats the cached lookup with four per
 *     CPU to show what queueing adds)
 *   crm-bench -a ADDR -c TOOL [-i call_id] [-N now] ['{"arg":..}']
 *     (one call, reply printed: handy to poke a running crm-tools)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_floor.h"
#include "clock.h"
#include "tests/harness/crm_harness.h"
#include "rpc.h"

/* A phase's request i: the call it is made on and the request object. */
typedef json_t *(*build_fn)(int i, char *call, size_t len);

struct phase {
	const char *name;
	int n; /* requests */
	int threads; /* in flight at once */
	int async; /* 1: one thread keeps `threads` requests in
				   flight (as a load generator does); 0: that
				   many client threads each wait for theirs */
	build_fn req;
	void (*setup)(struct hx *h, int i); /* untimed, before the phase */
	int call_base; /* its requests ran on calls base + i: read
				   crm-tools' own audited latency back */
	uint64_t *lat; /* per request, us */
	int next; /* next request index (atomic) */
	int ok, failed, taken;
	struct hx *h;
	pthread_barrier_t go; /* every thread starts at once */
	pthread_mutex_t mu; /* async: completions */
	pthread_cond_t cv;
	int done;
};

static char bench_day[16];
static char distinct_days[5][16]; /* 5 x 40 free slots */
static char warm_day[16];

static json_t *
tool_req(const char *tool, json_t *args)
{
	return json_pack("{s:s, s:o}", "tool", tool, "args", args);
}

static json_t *
lookup_cached(int i, char *call, size_t len)
{
	char phone[40];

	snprintf(call, len, "%s", "");
	snprintf(phone, sizeof(phone), "+155512300%02d", 1 + i % 10);
	return tool_req("lookup_customer", json_pack("{s:s}", "phone", phone));
}

/* A tool that touches neither PostgreSQL nor Redis: what the rpc round
 * trip and the request path cost on their own. */
static json_t *
rpc_floor(int i, char *call, size_t len)
{
	(void)i;
	snprintf(call, len, "%s", "");
	return tool_req(
	    "transfer_to_human", json_pack("{s:s}", "reason", "bench"));
}

static json_t *
lookup_uncached(int i, char *call, size_t len)
{
	char phone[40];

	/* a number nobody looked up yet: Redis misses, PostgreSQL answers */
	snprintf(call, len, "%s", "");
	snprintf(phone, sizeof(phone), "+1555%03d%04d",
	    (int)(getpid() % 900) + 100, i);
	return tool_req("lookup_customer", json_pack("{s:s}", "phone", phone));
}

static json_t *
slot_search(int i, char *call, size_t len)
{
	char day[16];

	snprintf(call, len, "%s", "");
	hx_open_day(1 + i % 20, day, sizeof(day));
	return tool_req("get_available_slots",
	    json_pack("{s:s, s:s}", "date", day, "service",
	        i % 2 ? "oil change" : "diagnostic"));
}

/* The calls the bookings happen in were answered before: call_begin is
 * not part of a booking's latency. */
static void
book_call(struct hx *h, int i)
{
	char call[40], phone[40];

	snprintf(call, sizeof(call), "CAbench%d_%d", (int)getpid(), i);
	snprintf(phone, sizeof(phone), "+1555%03d%04d",
	    (int)(getpid() % 900) + 100, 5000 + i);
	json_decref(hx_call(h, call, "call_begin",
	    json_pack("{s:s, s:s}", "from", phone, "to", "+15555550100"),
	    NULL));
}

/* Book slot `slot` of `day` (20 half-hour starts from 08:00 x 2 bays) on
 * call i. */
static json_t *
book_slot(int i, const char *day, int slot, char *call, size_t len)
{
	char start[32];

	snprintf(call, len, "CAbench%d_%d", (int)getpid(), i);
	snprintf(start, sizeof(start), "%sT%02d:%02d", day, 8 + slot / 2,
	    (slot % 2) * 30);
	return tool_req("book_appointment",
	    json_pack("{s:s, s:s, s:s, s:s}", "service", "oil change", "start",
	        start, "first_name", "Bench", "last_name", "Caller"));
}

/* The race: 200 callers for the 40 bookings of one day (ten per start
 * time), so 40 win and 160 hear the time is taken, with alternatives. */
static json_t *
book(int i, char *call, size_t len)
{
	return book_slot(i, bench_day, i % 20, call, len);
}

/* 200 callers who all get their booking: a free slot each, five days. */
static json_t *
book_distinct(int i, char *call, size_t len)
{
	return book_slot(
	    1000 + i, distinct_days[i / 40], (i % 40) / 2, call, len);
}

static void
book_distinct_call(struct hx *h, int i)
{
	book_call(h, 1000 + i);
}

/* A running crm-tools has its statements prepared on every connection:
 * book on another day first, 16 at a time so every pooled connection
 * serves some, untimed. */
static json_t *
warm_book(int i, char *call, size_t len)
{
	return book_slot(2000 + i, warm_day, i % 20, call, len);
}

static void
warm_call(struct hx *h, int i)
{
	book_call(h, 2000 + i);
}

/* Count request i's reply (NULL: the rpc failed) and its latency. */
static void
judged(struct phase *p, int i, uint64_t us, json_t *rep)
{
	const char *code = json_string_value(json_object_get(rep, "code"));

	p->lat[i] = us;
	if (json_is_true(json_object_get(rep, "ok")))
		__atomic_fetch_add(&p->ok, 1, __ATOMIC_RELAXED);
	else if (code && strcmp(code, "slot_taken") == 0)
		__atomic_fetch_add(&p->taken, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&p->failed, 1, __ATOMIC_RELAXED);
}

/* A phase runs when -P is absent or one of its comma-separated words is
 * part of the phase's name. */
static int
wanted(const char *only, const char *name)
{
	char w[64];
	size_t n;

	while (only && *only) {
		n = strcspn(only, ",");
		snprintf(w, sizeof(w), "%.*s", (int)n, only);
		if (n && strstr(name, w) != NULL)
			return 1;
		only += n + (only[n] == ',');
	}
	return only == NULL;
}

static void *
phase_thread(void *arg)
{
	struct phase *p = arg;
	char call[40];
	json_t *req, *rep;
	uint64_t t0;
	int i;

	pthread_barrier_wait(&p->go);
	while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->n) {
		req = p->req(i, call, sizeof(call));
		t0 = fd_mono_us();
		if (fd_rpc_call(&p->h->rpc, call, req, &rep, 10000) != 0)
			rep = NULL;
		judged(p, i, fd_mono_us() - t0, rep);
		json_decref(rep);
		json_decref(req);
	}
	return NULL;
}

/* The async driver: request i in flight, its reply back on an nng thread
 * issues the next. */
struct inflight {
	struct phase *p;
	int i;
	uint64_t t0;
};

static void issue(struct inflight *f);

static void
landed(void *arg, int rv, json_t *rep)
{
	struct inflight *f = arg;
	struct phase *p = f->p;

	judged(p, f->i, fd_mono_us() - f->t0, rv == 0 ? rep : NULL);
	json_decref(rep);
	/* the next request before this one counts as done: once the last
	 * is counted, run_async frees f and the phase may end */
	issue(f);
	pthread_mutex_lock(&p->mu);
	if (++p->done == p->n)
		pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void
issue(struct inflight *f)
{
	struct phase *p = f->p;
	char call[40];
	json_t *req;
	int rv;

	while (
	    (f->i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->n) {
		req = p->req(f->i, call, sizeof(call));
		f->t0 = fd_mono_us();
		rv = fd_rpc_call_async(&p->h->rpc, call, req, 10000, landed, f);
		json_decref(req);
		if (rv == 0)
			return;
		landed(f, rv, NULL);
		return;
	}
}

/* Every request of the phase with p->threads in flight from this thread;
 * back when all have landed. */
static void
run_async(struct phase *p)
{
	struct inflight *f = calloc((size_t)p->threads, sizeof(*f));
	int i;

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (i = 0; i < p->threads; i++) {
		f[i].p = p;
		issue(&f[i]);
	}
	pthread_mutex_lock(&p->mu);
	while (p->done < p->n)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(f);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The booking's latency inside crm-tools (request parsed to reply
 * built, as its tool_calls audit has it): the round trip minus the time
 * spent in the rpc transport and queued for a worker.  Untimed, after the
 * phase, through get_call. */
static void
audited(struct hx *h, struct phase *p, json_t *o)
{
	uint64_t *lat = calloc((size_t)p->n, sizeof(uint64_t));
	char call[40];
	json_t *rep, *tc, *t;
	size_t k;
	int i, n = 0;

	if (lat == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		snprintf(call, sizeof(call), "CAbench%d_%d", (int)getpid(),
		    p->call_base + i);
		rep = hx_call(h, "", "get_call",
		    json_pack("{s:s}", "call_sid", call), NULL);
		tc = json_object_get(
		    json_object_get(rep, "result"), "tool_calls");
		json_array_foreach(tc, k, t)
		{
			const char *name =
			    json_string_value(json_object_get(t, "tool"));

			if (name && strcmp(name, "book_appointment") == 0) {
				lat[n++] = (uint64_t)json_integer_value(
				    json_object_get(t, "latency_us"));
				break;
			}
		}
		json_decref(rep);
	}
	if (n > 0) {
		qsort(lat, (size_t)n, sizeof(uint64_t), cmp_u64);
		json_object_set_new(
		    o, "in_crm_tools_p50_ms", json_real(lat[n / 2] / 1000.0));
		json_object_set_new(o, "in_crm_tools_p99_ms",
		    json_real(
		        lat[(n * 99) / 100 >= n ? n - 1 : (n * 99) / 100] /
		        1000.0));
		json_object_set_new(o, "in_crm_tools_n", json_integer(n));
	}
	free(lat);
}

/* Host CPU time spent (every process: client, crm-tools, PostgreSQL,
 * Redis) since boot, in ms, from /proc/stat; -1 if unreadable. */
static double
host_busy_ms(void)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (f == NULL)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return -1;
	/* user nice system [idle iowait] irq softirq steal */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1000.0 /
	    (double)sysconf(_SC_CLK_TCK);
}

/* With CRM_BENCH_PERF_CTL naming the control fifo of a `perf record -D -1
 * --control fifo:...`, perf samples only while a phase runs (not its
 * untimed setup or audit reads). */
static void
perf_ctl(const char *cmd)
{
	const char *path = getenv("CRM_BENCH_PERF_CTL");
	FILE *f;

	if (path == NULL || *path == '\0' || (f = fopen(path, "w")) == NULL)
		return;
	fprintf(f, "%s\n", cmd);
	fclose(f);
}

static json_t *
run_phase(struct hx *h, struct phase *p)
{
	double cpu0, cpu1;
	pthread_t *th;
	uint64_t t0, wall;
	int i;

	p->h = h;
	p->lat = calloc((size_t)p->n, sizeof(uint64_t));
	th = calloc((size_t)p->threads, sizeof(pthread_t));
	for (i = 0; p->setup && i < p->n; i++)
		p->setup(h, i);
	perf_ctl("enable");
	cpu0 = host_busy_ms();
	if (p->async) {
		t0 = fd_mono_us();
		run_async(p);
	} else {
		pthread_barrier_init(&p->go, NULL, (unsigned)p->threads + 1);
		for (i = 0; i < p->threads; i++)
			pthread_create(&th[i], NULL, phase_thread, p);
		pthread_barrier_wait(&p->go);
		t0 = fd_mono_us();
		for (i = 0; i < p->threads; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&p->go);
	}
	wall = fd_mono_us() - t0;
	cpu1 = host_busy_ms();
	perf_ctl("disable");
	qsort(p->lat, (size_t)p->n, sizeof(uint64_t), cmp_u64);
	json_t *o = json_pack("{s:i, s:i, s:f, s:f, s:f, s:f, s:i, s:i}", "n",
	    p->n, "concurrency", p->threads, "p50_ms",
	    p->lat[p->n / 2] / 1000.0, "p99_ms",
	    p->lat[(p->n * 99) / 100 >= p->n ? p->n - 1 : (p->n * 99) / 100] /
	        1000.0,
	    "max_ms", p->lat[p->n - 1] / 1000.0, "rps", p->n / (wall / 1e6),
	    "ok", p->ok, "failed", p->failed);
	json_object_set_new(
	    o, "client", json_string(p->async ? "async" : "threads"));
	/* what one request costs the whole host (jiffy resolution: a short
	 * phase reads coarse) */
	if (cpu0 >= 0 && cpu1 >= cpu0)
		json_object_set_new(o, "host_cpu_us_per_request",
		    json_real((cpu1 - cpu0) * 1000.0 / p->n));
	if (p->taken)
		json_object_set_new(o, "slot_taken", json_integer(p->taken));
	if (p->setup == book_call || p->setup == book_distinct_call)
		audited(h, p, o);
	free(p->lat);
	free(th);
	return o;
}

static int
one_call(const char *addr, const char *call, const char *tool, const char *args,
    const char *now)
{
	struct hx h;
	json_error_t je;
	json_t *a, *rep;
	char *s;

	memset(&h, 0, sizeof(h));
	if (fd_rpc_open(&h.rpc, addr) != 0) {
		fprintf(stderr, "cannot open %s\n", addr);
		return 1;
	}
	if ((a = json_loads(args ? args : "{}", 0, &je)) == NULL) {
		fprintf(stderr, "args: %s\n", je.text);
		return 1;
	}
	rep = hx_call(&h, call, tool, a, now);
	s = json_dumps(rep, JSON_INDENT(2));
	printf("%s\n", s);
	free(s);
	json_decref(rep);
	fd_rpc_close(&h.rpc);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *addr = NULL, *tool = NULL, *call = "", *now = NULL;
	const char *only = NULL;
	struct phase ph[9];
	struct hx h;
	char err[256], *s;
	json_t *out, *res;
	int ch, n = 1000, i, k, day_ahead = 45, book_inflight = 200;
	int workers = 8, rpc_threads = 0;
	int j = (int)sysconf(_SC_NPROCESSORS_ONLN);
	size_t o;
	/* each option and where its value goes: a string, or a number */
	const struct {
		int ch;
		const char **str;
		int *num;
	} opts[] = {
	    {'a', &addr, NULL},
	    {'c', &tool, NULL},
	    {'i', &call, NULL},
	    {'N', &now, NULL},
	    {'P', &only, NULL},
	    {'n', NULL, &n},
	    {'j', NULL, &j},
	    {'d', NULL, &day_ahead},
	    {'b', NULL, &book_inflight},
	    {'w', NULL, &workers},
	    {'t', NULL, &rpc_threads},
	};

	setenv("TZ", "America/New_York", 0);
	tzset();
	while ((ch = getopt(argc, argv, "a:n:j:c:i:N:P:d:b:w:t:")) != -1) {
		for (o = 0; o < sizeof(opts) / sizeof(opts[0]); o++)
			if (opts[o].ch == ch)
				break;
		if (o == sizeof(opts) / sizeof(opts[0])) {
			fprintf(stderr,
			    "usage: crm-bench [-a addr] [-n N] "
			    "[-j threads] [-P phase,..] [-d days] [-b N] [-w "
			    "N] [-t N] | -a "
			    "addr -c "
			    "tool "
			    "[-i call] [-N now] "
			    "[args-json]\n");
			return 2;
		}
		if (opts[o].str)
			*opts[o].str = optarg;
		else
			*opts[o].num = atoi(optarg);
	}
	if (tool)
		return one_call(
		    addr ? addr : "ipc:///tmp/frontdesk/crm-tools.rep", call,
		    tool, optind < argc ? argv[optind] : NULL, now);
	if (n < 10)
		n = 10;
	if (j < 1)
		j = 1;
	memset(&h, 0, sizeof(h));
	if (addr) {
		if (fd_rpc_open(&h.rpc, addr) != 0)
			return 1;
	} else {
		if (hx_datastore_start(&h, "bench", err, sizeof(err)) != 0) {
			fprintf(stderr, "crm-bench: %s\n", err);
			hx_stop(&h, 1);
			return 1;
		}
		if (rpc_threads > 0)
			snprintf(h.crm_extra, sizeof(h.crm_extra),
			    "rpc_threads = %d;", rpc_threads);
		if (hx_daemon_start(&h, 2, workers) != 0) {
			fprintf(stderr,
			    "crm-bench: crm-tools did not start "
			    "(see %s)\n",
			    h.log);
			hx_stop(&h, 1);
			return 1;
		}
	}
	hx_open_day(day_ahead, bench_day, sizeof(bench_day));
	hx_open_day(day_ahead - 3, warm_day, sizeof(warm_day));
	for (i = 0, k = day_ahead + 1; i < 5; i++) {
		do
			hx_open_day(k++, distinct_days[i], 16);
		while (strcmp(distinct_days[i],
		           i ? distinct_days[i - 1] : bench_day) == 0);
	}
	/* warm the cache for the cached phase */
	for (i = 0; i < 10; i++) {
		char c[40];
		json_t *req = lookup_cached(i, c, sizeof(c)), *rep = NULL;

		if (fd_rpc_call(&h.rpc, c, req, &rep, 10000) == 0)
			json_decref(rep);
		json_decref(req);
	}
	memset(ph, 0, sizeof(ph));
	ph[0] = (struct phase){.name = "lookup_cached",
	    .n = n,
	    .threads = j,
	    .req = lookup_cached};
	ph[1] = (struct phase){.name = "lookup_uncached",
	    .n = n,
	    .threads = j,
	    .req = lookup_uncached};
	ph[2] = (struct phase){.name = "slot_search",
	    .n = n / 2,
	    .threads = j,
	    .req = slot_search};
	ph[3] = (struct phase){.name = "book_200_concurrent",
	    .n = 200,
	    .threads = book_inflight < 1 ? 1
	        : book_inflight > 200    ? 200
	                                 : book_inflight,
	    .async = 1,
	    .req = book,
	    .setup = book_call};
	ph[4] = (struct phase){.name = "book_200_distinct",
	    .n = 200,
	    .threads = ph[3].threads,
	    .async = 1,
	    .req = book_distinct,
	    .setup = book_distinct_call,
	    .call_base = 1000};
	ph[5] = (struct phase){.name = "lookup_cached_oversubscribed",
	    .n = n,
	    .threads = 4 * (int)j,
	    .req = lookup_cached};
	ph[6] = (struct phase){
	    .name = "rpc_floor", .n = n, .threads = (int)j, .req = rpc_floor};
	ph[7] = (struct phase){.name = "rpc_floor_200",
	    .n = n,
	    .threads = 200,
	    .async = 1,
	    .req = rpc_floor};
	ph[8] = (struct phase){.name = "rpc_floor_200_threads",
	    .n = n,
	    .threads = 200,
	    .req = rpc_floor};
	/* either booking phase alone runs on warmed connections too */
	if (wanted(only, "book_200_concurrent") ||
	    wanted(only, "book_200_distinct")) {
		struct phase w = {.name = "warm",
		    .n = 40,
		    .threads = 16,
		    .req = warm_book,
		    .setup = warm_call};

		json_decref(run_phase(&h, &w));
	}
	res = json_object();
	for (i = 0; i < 9; i++)
		if (wanted(only, ph[i].name))
			json_object_set_new(
			    res, ph[i].name, run_phase(&h, &ph[i]));
	/* what PostgreSQL alone needs for the 200 bookings' rows (its own
	 * datastore only: it writes, then rolls back) */
	if (addr == NULL && wanted(only, "book_200_distinct")) {
		char ci[512];
		long long day = (long long)(time(NULL) / 86400 + 400) * 86400;

		snprintf(ci, sizeof(ci),
		    "host=%s port=%d dbname=frontdesk "
		    "user=frontdesk",
		    h.rundir, h.pg_port);
		json_object_set_new(res, "book_200_db_floor_1conn",
		    bench_db_floor(ci, 200, 1, 5, day));
		json_object_set_new(res, "book_200_db_floor",
		    bench_db_floor(ci, 200,
		        j > FLOOR_MAX_CONNS ? FLOOR_MAX_CONNS : (int)j, 5,
		        day));
	}
	out = json_pack("{s:o}", "crm_tools", res);
	s = json_dumps(out, JSON_INDENT(2) | JSON_REAL_PRECISION(4));
	printf("%s\n", s);
	free(s);
	json_decref(out);
	if (addr)
		fd_rpc_close(&h.rpc);
	else
		hx_stop(&h, 0);
	return 0;
}
