/*
 * load.c - --load N: N simultaneous callers through the whole stack
 * (gateway, stt-worker, agent, tts-worker, crm-tools).  Each call is a
 * looping script -- say a line, wait for the reply, say the next -- that
 * hangs up when the test's time is up; calls start spread over the ramp
 * and all hang up together.  Output: calls ok/failed, voice-to-voice
 * p50/p95, outbound underruns and frame jitter p99 as the callers heard
 * them, and the machine's load average (the numbers are only as good as
 * the CPU left over).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "eval.h"
#include "load.h"
#include "scenario.h"
#include "voice.h"

/* Questions any agent answers without ending the call. */
static const char *const lines[] = {
    "What are your hours on Saturday?",
    "Where are you located?",
    "Do you do oil changes?",
};
#define NLINES (sizeof(lines) / sizeof(lines[0]))
#define TURN_S_MIN 3 /* a turn takes at least this long */

struct loader {
	const struct scenario *sc;
	struct call_opts o;
	uint64_t t_start;
	int offset_ms;
	struct call_result r;
};

static struct scenario *load_script(int nturns, char *err, size_t errlen);
static void *load_call(void *arg);
static double loadavg(void);

int
load_gateway_is_loopback(const char *url)
{
	const char *h = strstr(url, "://");
	char host[256];
	size_t n;

	h = h ? h + 3 : url;
	if (*h == '[') {
		n = strcspn(++h, "]");
		return n == 3 && strncmp(h, "::1", 3) == 0;
	}
	n = strcspn(h, ":/?");
	if (n == 0 || n >= sizeof(host))
		return 0;
	memcpy(host, h, n);
	host[n] = '\0';
	return strncmp(host, "127.", 4) == 0 ||
	    strcasecmp(host, "localhost") == 0;
}

int
load_run(const struct call_opts *o, const struct load_opts *lo)
{
	struct loader *ld;
	struct scenario *sc;
	const struct scenario **scs;
	const struct call_result **rs;
	pthread_t *th;
	pthread_attr_t at;
	json_t *out, *fails;
	char err[256];
	double la0 = loadavg();
	size_t i, ok = 0, early = 0;
	int n = lo->calls, rc = 0, total_s = lo->duration_s + lo->ramp_s;
	FILE *f;

	if (!load_gateway_is_loopback(o->gateway)) {
		fprintf(stderr,
		    "callsim: --load only calls a gateway on a "
		    "loopback address, not %s\n",
		    o->gateway);
		return 2;
	}
	if ((sc = load_script(total_s / TURN_S_MIN + 2, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "callsim: load script: %s\n", err);
		return 2;
	}
	ld = calloc((size_t)n, sizeof(*ld));
	th = calloc((size_t)n, sizeof(*th));
	scs = calloc((size_t)n, sizeof(*scs));
	rs = calloc((size_t)n, sizeof(*rs));
	if (ld == NULL || th == NULL || scs == NULL || rs == NULL) {
		fprintf(stderr, "callsim: out of memory\n");
		rc = 2;
		goto out;
	}
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 1u << 20);
	for (i = 0; i < (size_t)n; i++) {
		ld[i].sc = sc;
		ld[i].o = *o;
		ld[i].o.hear = 0;
		ld[i].o.quiet = 1;
		ld[i].t_start = fd_mono_us();
		ld[i].offset_ms = n > 1
		    ? (int)((long)lo->ramp_s * 1000 * (long)i / (n - 1))
		    : 0;
		ld[i].o.duration_ms = total_s * 1000 - ld[i].offset_ms;
		ld[i].o.timeout_ms = ld[i].o.duration_ms + 60000;
		if (pthread_create(&th[i], &at, load_call, &ld[i]) != 0) {
			fprintf(stderr, "callsim: cannot start call %zu\n", i);
			n = (int)i;
			rc = 1;
			break;
		}
	}
	pthread_attr_destroy(&at);
	for (i = 0; i < (size_t)n; i++)
		pthread_join(th[i], NULL);
	fails = json_array();
	for (i = 0; i < (size_t)n; i++) {
		scs[i] = sc;
		rs[i] = &ld[i].r;
		if (ld[i].r.nfail == 0 && ld[i].r.hangup_by[0] == 'c')
			ok++;
		else if (ld[i].r.nfail == 0)
			early++;
		if (ld[i].r.nfail && json_array_size(fails) < 10)
			json_array_append_new(
			    fails, json_string(ld[i].r.failures[0]));
	}
	out = eval_summary(scs, rs, (size_t)n);
	if (out == NULL) {
		rc = 2;
		goto out;
	}
	json_object_set_new(out, "calls_ok", json_integer((json_int_t)ok));
	json_object_set_new(
	    out, "calls_failed", json_integer((json_int_t)((size_t)n - ok)));
	json_object_set_new(
	    out, "calls_ended_by_agent", json_integer((json_int_t)early));
	json_object_set_new(out, "duration_s", json_integer(lo->duration_s));
	json_object_set_new(out, "ramp_s", json_integer(lo->ramp_s));
	json_object_set_new(out, "loadavg_before", json_real(la0));
	json_object_set_new(out, "loadavg_after", json_real(loadavg()));
	json_object_set_new(out, "failures", fails);
	f = lo->report ? fopen(lo->report, "w") : stdout;
	if (f == NULL || json_dumpf(out, f, JSON_INDENT(1)) != 0) {
		fprintf(stderr, "callsim: cannot write %s\n", lo->report);
		rc = 2;
	} else
		fputc('\n', f);
	if (f && f != stdout)
		fclose(f);
	if (rc == 0 && ok != (size_t)n)
		rc = 1;
	json_decref(out);
out:
	for (i = 0; ld && i < (size_t)lo->calls; i++)
		if (ld[i].r.turns)
			call_result_free(&ld[i].r);
	free(ld);
	free(th);
	free(scs);
	free(rs);
	scenario_free(sc);
	return rc;
}

static void *
load_call(void *arg)
{
	struct loader *ld = arg;
	uint64_t at = ld->t_start + (uint64_t)ld->offset_ms * 1000u;

	if (fd_mono_us() < at)
		fd_sleep_us(at - fd_mono_us());
	call_run(ld->sc, &ld->o, NULL, &ld->r);
	return NULL;
}

/* The looping caller, its lines synthesised once for every call. */
static struct scenario *
load_script(int nturns, char *err, size_t errlen)
{
	uint8_t *audio[NLINES];
	size_t alen[NLINES], i;
	struct scenario *sc;
	json_t *j, *turns;
	char *text;

	turns = json_array();
	for (i = 0; turns && i < (size_t)nturns; i++)
		json_array_append_new(
		    turns, json_pack("{s:s}", "say", lines[i % NLINES]));
	j = json_pack("{s:s, s:{s:s}, s:o}", "name", "load", "caller", "from",
	    "+15550009999", "turns", turns);
	text = j ? json_dumps(j, 0) : NULL;
	json_decref(j);
	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sc = scenario_parse(text, err, errlen);
	free(text);
	if (sc == NULL)
		return NULL;
	memset(audio, 0, sizeof(audio));
	for (i = 0; i < NLINES; i++)
		if (voice_say(sc->voice, lines[i], &audio[i], &alen[i], err,
		        errlen) != 0)
			goto fail;
	for (i = 0; i < sc->nturns; i++) {
		if ((sc->turns[i].audio = malloc(alen[i % NLINES])) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		memcpy(sc->turns[i].audio, audio[i % NLINES], alen[i % NLINES]);
		sc->turns[i].audio_n = alen[i % NLINES];
	}
	for (i = 0; i < NLINES; i++)
		free(audio[i]);
	return sc;
fail:
	for (i = 0; i < NLINES; i++)
		free(audio[i]);
	scenario_free(sc);
	return NULL;
}

static double
loadavg(void)
{
	double la = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &la) != 1)
			la = -1;
		fclose(f);
	}
	return la;
}
