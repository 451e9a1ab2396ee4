/*
 * stt_fallback_test.c - stt.fallback: the Deepgram engine with
 * pocketsphinx behind it (stt_fallback.c), against the local peer that
 * speaks Deepgram's protocol (tests/peers/deepgram/listen_peer.py).  A
 * caller's turn (flite speech through mu-law) is still heard, by
 * pocketsphinx, when Deepgram refuses the stream, closes it in the middle
 * of the turn, stalls in the middle of the turn, or answers too slowly;
 * the switch is logged once with the call id, the call's later turns stay
 * on pocketsphinx, and times are on the call's clock.  A healthy (if a
 * little slow) Deepgram keeps the call: its words come through and
 * nothing switches.  Needs python3 with python3-websockets, the openssl
 * CLI and flite; runs offline.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "clock.h"
#include "log.h"
#include "mulaw.h"
#include "stt_engine.h"
#include "stt_fallback.h"
#include "tests/harness/flite_synth.h"
#include "tests/harness/peer_run.h"
#include "tests/harness/unit.h"

#define KEY "fb-test-key"
#define FRAME 160
/* stt.fallback_after_ms in these tests: past the peer's turn end (300 ms
 * endpointing) with room for a loaded host */
#define AFTER_MS 1200
#define MAX_FINALS 8
#define LEAD 4800 /* bytes of silence before the speech: 600 ms */

static const struct stt_engine_ops *ops = &stt_engine_fallback;

struct final {
	char text[256];
	uint32_t start_ms, end_ms;
	uint64_t at_us; /* when it came */
};

static struct {
	pthread_mutex_t mu;
	struct final f[MAX_FINALS];
	int n;
	int started;
} heard;

static struct peer peer;
static uint8_t *turn1, *turn2; /* a caller's turns: silence, speech */
static size_t nturn1, nturn2;
static char log_path[160];
static int saved_err = -1;

static void
on_started(void *arg, uint32_t at_ms)
{
	(void)arg;
	(void)at_ms;
	pthread_mutex_lock(&heard.mu);
	heard.started++;
	pthread_mutex_unlock(&heard.mu);
}

static void
on_stopped(void *arg, uint32_t at_ms, uint32_t dur_ms)
{
	(void)arg;
	(void)at_ms;
	(void)dur_ms;
}

/* Finals with words (the engines also send "" for noise). */
static void
on_result(void *arg, const struct stt_result *r)
{
	struct final *f;

	(void)arg;
	if (!r->final || r->text[0] == '\0')
		return;
	pthread_mutex_lock(&heard.mu);
	if (heard.n < MAX_FINALS) {
		f = &heard.f[heard.n++];
		snprintf(f->text, sizeof(f->text), "%s", r->text);
		f->start_ms = r->start_ms;
		f->end_ms = r->end_ms;
		f->at_us = fd_mono_us();
	}
	pthread_mutex_unlock(&heard.mu);
}

static const struct stt_events events = {on_started, on_stopped, on_result};

/* A turn: LEAD bytes of line silence, then text said by kal. */
static uint8_t *
say(const char *text, size_t *n)
{
	int16_t *pcm;
	uint8_t *u;
	size_t np, i;

	assert_non_null(pcm = flite_synth_8k("kal", text, &np));
	*n = LEAD + np;
	assert_non_null(u = malloc(*n));
	memset(u, FD_ULAW_SILENCE, LEAD);
	for (i = 0; i < np; i++)
		u[LEAD + i] = fd_ulaw_encode(pcm[i]);
	free(pcm);
	return u;
}

/* Feed audio a frame every pace_us, as the gateway would (faster). */
static void
feed(void *st, const uint8_t *a, size_t n, unsigned pace_us)
{
	size_t off, k;

	for (off = 0; off < n; off += k) {
		k = n - off < FRAME ? n - off : FRAME;
		ops->feed(st, a + off, k, fd_mono_us());
		usleep(pace_us);
	}
}

/* Keep the line alive with silence until want finals came (1) or ms
 * passed (0). */
static int
wait_finals(void *st, int want, int ms)
{
	uint8_t sil[FRAME];
	int i, got;

	memset(sil, FD_ULAW_SILENCE, sizeof(sil));
	for (i = 0; i < ms / 20; i++) {
		pthread_mutex_lock(&heard.mu);
		got = heard.n;
		pthread_mutex_unlock(&heard.mu);
		if (got >= want)
			return 1;
		ops->feed(st, sil, sizeof(sil), fd_mono_us());
		usleep(20000);
	}
	return 0;
}

static void
heard_reset(void)
{
	pthread_mutex_lock(&heard.mu);
	heard.n = heard.started = 0;
	pthread_mutex_unlock(&heard.mu);
}

static void
heard_dump(void)
{
	int i;

	for (i = 0; i < heard.n; i++)
		printf("  final %5u-%5u ms: %s\n", heard.f[i].start_ms,
		    heard.f[i].end_ms, heard.f[i].text);
}

/* stderr (the log) into a file while a test runs. */
static void
capture_begin(void)
{
	int fd;

	fflush(stderr);
	saved_err = dup(2);
	assert_true(
	    (fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	dup2(fd, 2);
	close(fd);
}

/* The log written since capture_begin (caller frees); echoed. */
static char *
capture_end(void)
{
	char *text;
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	saved_err = -1;
	assert_non_null(f = fopen(log_path, "r"));
	assert_non_null(text = calloc(1, 65536));
	n = fread(text, 1, 65535, f);
	fclose(f);
	text[n] = '\0';
	printf("%s", text);
	return text;
}

/* How many lines of log hold both a and b. */
static int
lines_with(const char *log, const char *a, const char *b)
{
	const char *p = log, *nl;
	int n = 0;

	while (*p) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (memmem(p, (size_t)(nl - p), a, strlen(a)) &&
		    memmem(p, (size_t)(nl - p), b, strlen(b)))
			n++;
		p = *nl ? nl + 1 : nl;
	}
	return n;
}

static void
start_peer(const char *const *args)
{
	const char *all[20] = {"--api-key", KEY};
	size_t i;

	for (i = 0; args[i] && i + 3 < sizeof(all) / sizeof(all[0]); i++)
		all[i + 2] = args[i];
	all[i + 2] = NULL;
	peer_stop(&peer);
	peer_log_clear(&peer);
	assert_int_equal(peer_start(&peer, "deepgram/listen_peer.py", all), 0);
}

/* The fallback engine on the peer, with more stt settings in extra. */
static void *
engine_with(const char *extra)
{
	char text[1024], err[256] = "";
	config_t cfg;
	void *eng = NULL;

	snprintf(text, sizeof(text),
	    "stt: { engine = \"deepgram\"; decoders = 1; "
	    "fallback_after_ms = %d; fallback_ring_s = 20; %s deepgram: { "
	    "base_url = \"wss://localhost:%d\"; ca_file = \"%s\"; "
	    "reconnect_min_ms = 50; close_wait_ms = 300; }; };",
	    AFTER_MS, extra, peer.port, peer.cert);
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg, text), CONFIG_TRUE);
	if (ops->init(&cfg, &eng, err, sizeof(err)) != 0)
		fail_msg("init: %s", err);
	config_destroy(&cfg);
	return eng;
}

static void *
engine(void)
{
	return engine_with("");
}

static int
setup(void **state)
{
	(void)state;
	pthread_mutex_init(&heard.mu, NULL);
	setenv("DEEPGRAM_API_KEY", KEY, 1);
	unsetenv("FRONTDESK_STT_ENGINE");
	log_init("stt_fallback_test",
	    getenv("FD_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	if (peer_tls_init(&peer) != 0)
		return -1;
	snprintf(log_path, sizeof(log_path), "%s/stderr.log", peer.dir);
	turn1 = say(
	    "i would like to book an oil change next tuesday at ten", &nturn1);
	turn2 = say("yes that's right", &nturn2);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	peer_stop(&peer);
	peer_tls_fini(&peer);
	free(turn1);
	free(turn2);
	return 0;
}

/* The first turn as pocketsphinx hears it: its words, not the vendor's,
 * on the call's clock (the speech begins after LEAD). */
static void
assert_turn1_local(const struct final *f)
{
	/* the words before the vendor failed too */
	assert_non_null(strstr(f->text, "book"));
	assert_non_null(strstr(f->text, "oil change"));
	assert_non_null(strstr(f->text, "tuesday"));
	assert_null(strstr(f->text, "vendor"));
	assert_in_range(f->start_ms, LEAD / 8 - 250, LEAD / 8 + 700);
	assert_in_range(f->end_ms, (LEAD + nturn1 / 2) / 8, nturn1 / 8 + 500);
}

/* The peer started with args, a new engine and a stream for call_id,
 * with the log captured from here on and nothing heard yet. */
static void *
call_open(const char *const *args, const char *call_id, void **eng)
{
	void *st;

	start_peer(args);
	assert_non_null(*eng = engine());
	heard_reset();
	capture_begin();
	assert_non_null(st = ops->stream_open(*eng, call_id, &events, NULL));
	return st;
}

/* The stream and engine closed: the log captured since call_open. */
static char *
call_close(void *eng, void *st)
{
	char *log;

	ops->stream_close(st);
	ops->fini(eng);
	log = capture_end();
	heard_dump();
	return log;
}

/* Deepgram refuses every connection (HTTP 503): the call's turns are
 * heard by pocketsphinx from the start. */
static void
test_refused(void **state)
{
	static const char *const args[] = {"--refuse", "503", NULL};
	void *eng, *st;
	char *log, *plog;

	(void)state;
	st = call_open(args, "CAfbrefused", &eng);
	feed(st, turn1, nturn1, 5000);
	wait_finals(st, 1, 8000);
	log = call_close(eng, st);
	assert_int_equal(heard.n, 1);
	assert_turn1_local(&heard.f[0]);
	assert_int_equal(lines_with(log, "call=CAfbrefused ",
	                     "switching the call to pocketsphinx"),
	    1);
	assert_int_equal(lines_with(log, "switching the call to pocketsphinx",
	                     "refused with HTTP 503"),
	    1);
	free(log);
	plog = peer_log_read(&peer);
	assert_non_null(strstr(plog, "rejected 503"));
	free(plog);
}

/* Deepgram refuses the first two calls (HTTP 503) and the breaker opens
 * after two: the third call is heard by pocketsphinx without dialling
 * Deepgram at all; once fallback_breaker_s has passed, the next call
 * tries Deepgram again, is served by it, and the breaker closes. */
static void
test_breaker(void **state)
{
	static const char *const args[] = {"--refuse", "503", "--refuse-first",
	    "2", "--in-order", "--script", "vendor words", NULL};
	static const char *const ids[] = {
	    "CAbrk1", "CAbrk2", "CAbrk3", "CAbrk4"};
	void *eng, *st;
	char *log, *plog, *p;
	int i, conns = 0;

	(void)state;
	/* the skip and the recovery are info lines */
	log_init("stt_fallback_test", LOG_LVL_INFO);
	start_peer(args);
	assert_non_null(
	    eng = engine_with(
	        "fallback_breaker_calls = 2; fallback_breaker_s = 1;"));
	capture_begin();
	for (i = 0; i < 4; i++) {
		if (i == 3)
			usleep(1200000);
		heard_reset();
		assert_non_null(
		    st = ops->stream_open(eng, ids[i], &events, NULL));
		feed(st, turn2, nturn2, 5000);
		wait_finals(st, 1, 8000);
		ops->stream_close(st);
		assert_int_equal(heard.n, 1);
		assert_non_null(
		    strstr(heard.f[0].text, i < 3 ? "yes" : "vendor words"));
	}
	ops->fini(eng);
	log = capture_end();
	log_init("stt_fallback_test",
	    getenv("FD_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	assert_int_equal(lines_with(log, "switching the call to pocketsphinx",
	                     "refused with HTTP 503"),
	    2);
	assert_int_equal(lines_with(log, "call=CAbrk1 ", "calls in a row"), 0);
	assert_int_equal(lines_with(log, "call=CAbrk2 ",
	                     "failed 2 calls in a row: new calls go to "
	                     "pocketsphinx for 1 s"),
	    1);
	assert_int_equal(
	    lines_with(log, "call=CAbrk3 ", "is failing calls: the call"), 1);
	assert_int_equal(
	    lines_with(log, "call=CAbrk4 ", "answers again: new calls"), 1);
	free(log);
	/* Deepgram saw calls 1, 2 (refused) and 4, never call 3 */
	plog = peer_log_read(&peer);
	for (p = plog; (p = strstr(p, "\"conn\": ")) != NULL; p++)
		conns++;
	printf("  peer: %s", plog);
	assert_int_equal(conns, 3);
	free(plog);
}

/* Deepgram closes the stream (1011) a second into the caller's first
 * turn: the whole turn is heard by pocketsphinx from the audio kept, and
 * so is the next turn; the engine does not go back to Deepgram. */
static void
test_closed_mid_turn(void **state)
{
	static const char *const args[] = {"--in-order", "--script",
	    "vendor words|vendor more", "--fault", "close", "--fault-utt", "1",
	    "--fault-after", "8000", NULL};
	void *eng, *st;
	char *log, *line;

	(void)state;
	st = call_open(args, "CAfbclosed", &eng);
	feed(st, turn1, nturn1, 10000);
	wait_finals(st, 1, 8000);
	feed(st, turn2, nturn2, 10000);
	wait_finals(st, 2, 8000);
	log = call_close(eng, st);
	assert_int_equal(heard.n, 2);
	assert_turn1_local(&heard.f[0]);
	assert_non_null(strstr(heard.f[1].text, "yes"));
	assert_true(heard.f[1].start_ms > heard.f[0].end_ms);
	assert_int_equal(lines_with(log, "call=CAfbclosed ",
	                     "switching the call to pocketsphinx"),
	    1);
	assert_int_equal(lines_with(log, "switching the call to pocketsphinx",
	                     "(closed by Deepgram: 1011 NET-0000)"),
	    1);
	free(log);
	/* one connection, closed by the peer; none after it */
	line = peer_log_read(&peer);
	printf("  peer: %s", line);
	assert_non_null(strstr(line, "\"end\": \"closed 1011\""));
	assert_null(strstr(line, "{\"conn\": 2,"));
	free(line);
}

/* Deepgram stops answering a second into the turn (it still takes the
 * audio), or answers everything 3 s late: AFTER_MS after the turn ended
 * without a final, pocketsphinx hears it. */
static void
test_stalled_or_slow(void **state)
{
	static const char *const stall[] = {"--in-order", "--script",
	    "vendor words", "--fault", "stall", "--fault-utt", "1",
	    "--fault-after", "8000", NULL};
	static const char *const slow[] = {"--in-order", "--script",
	    "vendor words", "--slow-ms", "3000", NULL};
	const char *const *const modes[] = {stall, slow};
	const char *const ids[] = {"CAfbstall", "CAfbslow"};
	uint64_t spoken_us;
	void *eng, *st;
	char *log, want[64], why[64];
	int m;

	(void)state;
	for (m = 0; m < 2; m++) {
		st = call_open(modes[m], ids[m], &eng);
		feed(st, turn1, nturn1, 10000);
		spoken_us = fd_mono_us();
		wait_finals(st, 1, 8000);
		log = call_close(eng, st);
		assert_int_equal(heard.n, 1);
		assert_turn1_local(&heard.f[0]);
		/* it waited for Deepgram first */
		assert_true(heard.f[0].at_us - spoken_us >= AFTER_MS * 1000);
		snprintf(want, sizeof(want), "call=%s ", ids[m]);
		assert_int_equal(
		    lines_with(log, want, "switching the call to pocketsphinx"),
		    1);
		snprintf(why, sizeof(why), "no final result %d ms", AFTER_MS);
		assert_int_equal(lines_with(log, want, why), 1);
		free(log);
	}
}

/* A healthy Deepgram, 100 ms slow on every message: its words are the
 * call's, nothing switches, pocketsphinx hears nothing. */
static void
test_healthy_not_switched(void **state)
{
	static const char *const args[] = {"--in-order", "--script",
	    "vendor heard this|vendor heard more", "--slow-ms", "100", NULL};
	void *eng, *st;
	char *log;

	(void)state;
	st = call_open(args, "CAfbhealthy", &eng);
	feed(st, turn1, nturn1, 20000);
	wait_finals(st, 1, 5000);
	/* well past the deadline: nothing else comes */
	wait_finals(st, 99, 2 * AFTER_MS + 1000);
	log = call_close(eng, st);
	assert_true(heard.n >= 1);
	assert_string_equal(heard.f[0].text, "vendor heard this");
	assert_int_equal(lines_with(log, "call=CAfbhealthy ", "switching"), 0);
	assert_int_equal(lines_with(log, "stt:", "failed"), 0);
	free(log);
}

UNIT_MAIN(setup, teardown, cmocka_unit_test(test_refused),
    cmocka_unit_test(test_breaker), cmocka_unit_test(test_closed_mid_turn),
    cmocka_unit_test(test_stalled_or_slow),
    cmocka_unit_test(test_healthy_not_switched), )
