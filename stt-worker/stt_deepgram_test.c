/*
 * stt_deepgram_test.c - the Deepgram streaming engine against a local TLS
 * WebSocket peer that speaks Deepgram's protocol
 * (tests/peers/deepgram/listen_peer.py): interim and final results map to
 * the stt_events callbacks in order and on the right threads, is_final
 * pieces are joined, UtteranceEnd and Finalize end turns, a connection
 * dropped mid-utterance reconnects and re-sends the unsettled audio (the
 * peer counts every byte over both connections and the lost words still
 * arrive, on the stream's clock), hints become keywords, KeepAlives flow
 * during silence, and a bad key is reported clearly.  Needs python3 with
 * python3-websockets and the openssl CLI; runs offline.
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
#include "stt_engine.h"
#include "tests/harness/peer_run.h"
#include "tests/harness/unit.h"

extern const struct stt_engine_ops stt_engine_deepgram;

#define KEY "dg-test-key"
#define FRAME 160
#define MAX_AUDIO (8000 * 20)
#define MAX_EV 256

enum { EV_STARTED, EV_STOPPED, EV_INTERIM, EV_FINAL };

struct ev {
	int type;
	char text[128];
	uint32_t a, b; /* at/dur or start/end ms */
	double conf;
	uint64_t end_us;
	int on_feed_thread;
};

struct rec {
	pthread_mutex_t mu;
	pthread_t feeder;
	struct ev ev[MAX_EV];
	int n, finals;
};

/* The audio of one test and when each frame was fed. */
struct audio {
	uint8_t buf[MAX_AUDIO];
	size_t n;
	uint64_t arr[MAX_AUDIO / FRAME];
	size_t fed;
};

static const struct stt_engine_ops *ops = &stt_engine_deepgram;
static struct peer peer;
static struct audio au;
static struct rec rec;

static void
add(int type, const char *text, uint32_t a, uint32_t b, double conf,
    uint64_t end_us)
{
	struct ev *e;

	pthread_mutex_lock(&rec.mu);
	if (rec.n < MAX_EV) {
		e = &rec.ev[rec.n++];
		e->type = type;
		snprintf(e->text, sizeof(e->text), "%s", text ? text : "");
		e->a = a;
		e->b = b;
		e->conf = conf;
		e->end_us = end_us;
		e->on_feed_thread = pthread_equal(pthread_self(), rec.feeder);
	}
	rec.finals += type == EV_FINAL;
	pthread_mutex_unlock(&rec.mu);
}

static void
on_started(void *arg, uint32_t at_ms)
{
	(void)arg;
	add(EV_STARTED, NULL, at_ms, 0, 0, 0);
}

static void
on_stopped(void *arg, uint32_t at_ms, uint32_t dur_ms)
{
	(void)arg;
	add(EV_STOPPED, NULL, at_ms, dur_ms, 0, 0);
}

static void
on_result(void *arg, const struct stt_result *r)
{
	(void)arg;
	add(r->final ? EV_FINAL : EV_INTERIM, r->text, r->start_ms, r->end_ms,
	    r->confidence, r->speech_end_us);
}

static const struct stt_events events = {on_started, on_stopped, on_result};

/* Audio from a spec like "s300 u1:800 s600": silence / utterance k, ms. */
static void
build(const char *spec)
{
	const char *p = spec;
	int k, ms, used;
	size_t n;

	au.n = au.fed = 0;
	while (*p) {
		if (sscanf(p, " s%d%n", &ms, &used) == 1) {
			k = 0xFF;
		} else if (sscanf(p, " u%d:%d%n", &k, &ms, &used) == 2) {
			;
		} else {
			break;
		}
		p += used;
		n = (size_t)ms * 8;
		assert_true(au.n + n <= MAX_AUDIO);
		memset(au.buf + au.n, k, n);
		au.n += n;
	}
}

/* Feed frames up to byte offset upto, one every pace_us. */
static void
feed_to(void *st, size_t upto, unsigned pace_us)
{
	uint64_t now;

	while (au.fed + FRAME <= upto && au.fed + FRAME <= au.n) {
		now = fd_mono_us();
		au.arr[au.fed / FRAME] = now;
		assert_int_equal(ops->feed(st, au.buf + au.fed, FRAME, now), 0);
		au.fed += FRAME;
		if (pace_us)
			usleep(pace_us);
	}
}

/* Keep the line alive with silence (as a call does) until n finals came. */
static int
wait_finals(void *st, int n, int ms)
{
	uint8_t sil[FRAME];
	int i, got;

	memset(sil, 0xFF, sizeof(sil));
	for (i = 0; i < ms / 20; i++) {
		pthread_mutex_lock(&rec.mu);
		got = rec.finals;
		pthread_mutex_unlock(&rec.mu);
		if (got >= n)
			return 1;
		if (st)
			ops->feed(st, sil, sizeof(sil), fd_mono_us());
		usleep(20000);
	}
	return 0;
}

static void
rec_reset(void)
{
	pthread_mutex_lock(&rec.mu);
	rec.n = rec.finals = 0;
	rec.feeder = pthread_self();
	pthread_mutex_unlock(&rec.mu);
}

static void
rec_dump(void)
{
	static const char *const names[] = {
	    "started", "stopped", "interim", "final"};
	int i;

	for (i = 0; i < rec.n; i++)
		printf("  %-7s %5u %5u %s%s\n", names[rec.ev[i].type],
		    rec.ev[i].a, rec.ev[i].b, rec.ev[i].text,
		    rec.ev[i].on_feed_thread ? "  (feed thread)" : "");
}

/* The i-th final. */
static const struct ev *
final_no(int i)
{
	int k;

	for (k = 0; k < rec.n; k++)
		if (rec.ev[k].type == EV_FINAL && i-- == 0)
			return &rec.ev[k];
	return NULL;
}

static void *
engine(const char *extra)
{
	char text[1024], err[256] = "";
	config_t cfg;
	void *eng = NULL;

	snprintf(text, sizeof(text),
	    "stt: { deepgram: { base_url = "
	    "\"wss://localhost:%d\"; ca_file = \"%s\"; reconnect_min_ms = 50; "
	    "close_wait_ms = 1000; %s }; };",
	    peer.port, peer.cert, extra ? extra : "");
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg, text), CONFIG_TRUE);
	if (ops->init(&cfg, &eng, err, sizeof(err)) != 0)
		printf("init: %s\n", err);
	config_destroy(&cfg);
	return eng;
}

static void
start_peer(const char *a0, const char *a1, const char *a2, const char *a3,
    const char *a4)
{
	const char *args[12] = {"--api-key", KEY, a0, a1, a2, a3, a4, NULL};

	peer_stop(&peer);
	peer_log_clear(&peer);
	assert_int_equal(peer_start(&peer, "deepgram/listen_peer.py", args), 0);
}

/* The peer's log line for connection n (1-based), NULL if none yet. */
static char *
conn_line(int n)
{
	char *log = peer_log_read(&peer), *line, *save = NULL, *out = NULL;
	char want[32];

	snprintf(want, sizeof(want), "{\"conn\": %d,", n);
	for (line = strtok_r(log, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, want, strlen(want)) == 0)
			out = strdup(line);
	free(log);
	return out;
}

static char *
wait_conn_line(int n, int ms)
{
	char *l;
	int i;

	for (i = 0; i < ms / 20; i++) {
		if ((l = conn_line(n)) != NULL)
			return l;
		usleep(20000);
	}
	return NULL;
}

static long
json_num(const char *line, const char *key)
{
	char want[64];
	const char *p;

	snprintf(want, sizeof(want), "\"%s\": ", key);
	if ((p = strstr(line, want)) == NULL)
		return -1;
	return strtol(p + strlen(want), NULL, 10);
}

static int
setup(void **state)
{
	(void)state;
	pthread_mutex_init(&rec.mu, NULL);
	setenv("DEEPGRAM_API_KEY", KEY, 1);
	log_init("stt_deepgram_test",
	    getenv("FD_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	return peer_tls_init(&peer);
}

static int
teardown(void **state)
{
	(void)state;
	peer_tls_fini(&peer);
	return 0;
}

/* Interims, finals, SpeechStarted and speech_stopped in order, on the
 * right threads, with times on the stream's clock. */
static void
test_results(void **state)
{
	const struct ev *f0, *f1;
	void *eng, *st;
	char *line;
	int i, interims = 0, k;

	(void)state;
	start_peer("--script", "Hello there.|Book an oil change, please.", NULL,
	    NULL, NULL);
	assert_non_null(eng = engine(NULL));
	rec_reset();
	build("s300 u1:800 s600 u2:1200 s1500");
	assert_non_null(st = ops->stream_open(eng, "CAtest1", &events, NULL));
	feed_to(st, au.n, 4000);
	assert_true(wait_finals(st, 2, 5000));
	rec_dump();
	assert_non_null(f0 = final_no(0));
	assert_non_null(f1 = final_no(1));
	assert_string_equal(f0->text, "Hello there.");
	assert_string_equal(f1->text, "Book an oil change, please.");
	assert_in_range(f0->a, 280, 320); /* start_ms */
	assert_in_range(f0->b, 1080, 1120); /* end_ms */
	assert_in_range(f1->a, 1680, 1720);
	assert_in_range(f1->b, 2880, 2920);
	assert_true(f0->conf > 0.9 && f0->conf < 0.95);
	/* speech ended with the frame that arrived at 1100 ms */
	k = 1100 * 8 / FRAME;
	assert_true(f0->end_us == au.arr[k] || f0->end_us == au.arr[k - 1]);
	/* started ... interims ... stopped, final; twice */
	assert_int_equal(rec.ev[0].type, EV_STARTED);
	assert_in_range(rec.ev[0].a, 280, 320);
	for (i = 0; i < rec.n; i++) {
		if (rec.ev[i].type == EV_INTERIM) {
			interims++;
			assert_false(rec.ev[i].on_feed_thread);
		}
		if (rec.ev[i].type == EV_STARTED ||
		    rec.ev[i].type == EV_STOPPED)
			assert_true(rec.ev[i].on_feed_thread);
		if (rec.ev[i].type == EV_FINAL) {
			assert_false(rec.ev[i].on_feed_thread);
			assert_int_equal(rec.ev[i - 1].type, EV_STOPPED);
			assert_int_equal(rec.ev[i - 1].a, rec.ev[i].b);
		}
	}
	assert_true(interims >= 2);
	ops->stream_close(st);
	/* CloseStream went out after the last audio; nothing was lost */
	assert_non_null(line = wait_conn_line(1, 3000));
	printf("  peer: %s\n", line);
	assert_non_null(strstr(line, "\"closestream\": true"));
	assert_int_equal(json_num(line, "bytes") % FRAME, 0);
	assert_true(json_num(line, "bytes") >= (long)au.n);
	assert_non_null(strstr(line, "\"encoding\": \"mulaw\""));
	assert_non_null(strstr(line, "\"sample_rate\": \"8000\""));
	assert_non_null(strstr(line, "\"channels\": \"1\""));
	assert_non_null(strstr(line, "\"interim_results\": \"true\""));
	assert_non_null(strstr(line, "\"endpointing\": \"300\""));
	assert_non_null(strstr(line, "\"utterance_end_ms\": \"1000\""));
	assert_non_null(strstr(line, "\"vad_events\": \"true\""));
	assert_non_null(strstr(line, "\"smart_format\": \"true\""));
	assert_non_null(strstr(line, "\"punctuate\": \"true\""));
	assert_null(strstr(line, "keywords"));
	free(line);
	ops->fini(eng);
}

/* is_final pieces are joined; UtteranceEnd ends the turn when no
 * speech_final comes; Finalize ends one at once. */
static void
test_pieces_and_finalize(void **state)
{
	const struct ev *f;
	void *eng, *st;

	(void)state;
	start_peer("--script", "one two three four|five six", "--split-final",
	    "--no-speech-final", NULL);
	assert_non_null(eng = engine(NULL));
	rec_reset();
	build("s200 u1:1600 s1400 u2:600");
	assert_non_null(st = ops->stream_open(eng, "CAtest2", &events, NULL));
	feed_to(st, au.n, 2000);
	assert_true(wait_finals(NULL, 1, 2000));
	/* u2 is still being spoken: the caller pressed a key */
	ops->finalize(st);
	assert_true(wait_finals(NULL, 2, 2000));
	/* speech_stopped of the second one waits for the feed thread */
	wait_finals(st, 3, 100);
	rec_dump();
	assert_non_null(f = final_no(0));
	assert_string_equal(f->text, "one two three four");
	assert_in_range(f->a, 180, 220);
	assert_in_range(f->b, 1780, 1820);
	assert_non_null(f = final_no(1));
	assert_string_equal(f->text, "five six");
	ops->stream_close(st);
	ops->fini(eng);
}

/* The connection drops in the middle of the second utterance: the engine
 * reconnects, sends the unsettled audio again, and the second utterance
 * arrives once, on the stream's clock; the hint became keywords. */
static void
test_reconnect(void **state)
{
	static const char *const words[] = {"Otto", "oil change"};
	const struct ev *f;
	char *l1, *l2;
	long b1, b2;
	void *eng, *st;
	int i, started = 0;

	(void)state;
	start_peer("--script", "First part.|Second part here.", "--drop-after",
	    "16000", NULL);
	assert_non_null(eng = engine(NULL));
	rec_reset();
	build("s200 u1:600 s800 u2:1200 s1500");
	assert_non_null(st = ops->stream_open(eng, "CAtest3", &events, NULL));
	/* near real time so audio keeps coming while the line is down */
	feed_to(st, 8000, 5000);
	/* the agent expects a service now: keywords from the next connection */
	ops->hint(st, "service", words, 2);
	feed_to(st, au.n, 5000);
	assert_true(wait_finals(st, 2, 5000));
	rec_dump();
	assert_non_null(f = final_no(0));
	assert_string_equal(f->text, "First part.");
	assert_non_null(f = final_no(1));
	assert_string_equal(f->text, "Second part here.");
	/* the second connection's clock starts at the resent audio */
	assert_in_range(f->a, 1580, 1620);
	assert_in_range(f->b, 2780, 2820);
	assert_null(final_no(2));
	for (i = 0; i < rec.n; i++)
		started += rec.ev[i].type == EV_STARTED;
	assert_int_equal(started, 2);
	ops->stream_close(st);
	assert_non_null(l1 = wait_conn_line(1, 2000));
	assert_non_null(l2 = wait_conn_line(2, 3000));
	printf("  peer: %s\n  peer: %s\n", l1, l2);
	assert_non_null(strstr(l1, "\"end\": \"dropped\""));
	assert_null(strstr(l1, "keywords"));
	assert_non_null(
	    strstr(l2, "\"keywords\": [\"Otto:2\", \"oil change:2\"]"));
	assert_non_null(strstr(l2, "\"closestream\": true"));
	b1 = json_num(l1, "bytes");
	b2 = json_num(l2, "bytes");
	/* every byte after the last settled point (1.6 s, before the drop at
	 * 2 s) went out again on the second connection */
	assert_true(b1 >= 16000);
	assert_true(b2 >= (long)au.fed - 1600 * 8);
	assert_true(b1 + b2 >= (long)au.fed);
	free(l1);
	free(l2);
	ops->fini(eng);
}

/* No audio for a while: KeepAlives keep the socket (idle close 1.2 s). */
static void
test_keepalive(void **state)
{
	char *line;
	void *eng, *st;

	(void)state;
	start_peer("--idle-close-ms", "1200", NULL, NULL, NULL);
	assert_non_null(eng = engine("keepalive_ms = 300;"));
	rec_reset();
	build("s400 s200");
	assert_non_null(st = ops->stream_open(eng, "CAtest4", &events, NULL));
	feed_to(st, 3200, 0);
	usleep(2500000);
	feed_to(st, au.n, 0);
	ops->stream_close(st);
	assert_non_null(line = wait_conn_line(1, 3000));
	printf("  peer: %s\n", line);
	assert_true(json_num(line, "keepalives") >= 5);
	assert_non_null(strstr(line, "\"end\": \"closestream\""));
	assert_int_equal(json_num(line, "bytes"), (long)au.n);
	free(line);
	assert_null(conn_line(2));
	ops->fini(eng);
}

/* Broken messages and a slow server change nothing. */
static void
test_malformed_slow(void **state)
{
	const struct ev *f;
	void *eng, *st;

	(void)state;
	start_peer(
	    "--script", "Hello there.", "--malformed", "--slow-ms", "30");
	assert_non_null(eng = engine(NULL));
	rec_reset();
	build("s200 u1:600 s800");
	assert_non_null(st = ops->stream_open(eng, "CAtest5", &events, NULL));
	feed_to(st, au.n, 2000);
	assert_true(wait_finals(st, 1, 5000));
	assert_non_null(f = final_no(0));
	assert_string_equal(f->text, "Hello there.");
	ops->stream_close(st);
	ops->fini(eng);
}

/* A wrong key: HTTP 401 at the handshake, said clearly, not retried. */
static void
test_bad_auth(void **state)
{
	char logf[160], *text, *line;
	void *eng, *st;
	int fd, saved, i, rc = 0;
	FILE *f;
	long n;

	(void)state;
	start_peer(NULL, NULL, NULL, NULL, NULL);
	setenv("DEEPGRAM_API_KEY", "wrong", 1);
	assert_non_null(eng = engine(NULL));
	setenv("DEEPGRAM_API_KEY", KEY, 1);
	snprintf(logf, sizeof(logf), "%s/stderr.log", peer.dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	build("s2000");
	assert_non_null(st = ops->stream_open(eng, "CAtest6", &events, NULL));
	for (i = 0; i < 100 && rc == 0; i++) {
		rc = ops->feed(st, au.buf, FRAME, fd_mono_us());
		usleep(20000);
	}
	usleep(300000);
	ops->stream_close(st);
	ops->fini(eng);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(logf, "r");
	assert_non_null(f);
	text = calloc(1, 65536);
	n = (long)fread(text, 1, 65535, f);
	fclose(f);
	unlink(logf);
	printf("%.*s", (int)n, text);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(text,
	    "call=CAtest6 deepgram: refused with HTTP "
	    "401: Invalid credentials. (check DEEPGRAM_API_KEY)"));
	free(text);
	line = peer_log_read(&peer);
	assert_non_null(strstr(line, "rejected 401"));
	assert_null(strstr(strstr(line, "rejected 401") + 1, "rejected 401"));
	free(line);
}

UNIT_MAIN(setup, teardown, cmocka_unit_test(test_results),
    cmocka_unit_test(test_pieces_and_finalize),
    cmocka_unit_test(test_reconnect), cmocka_unit_test(test_keepalive),
    cmocka_unit_test(test_malformed_slow), cmocka_unit_test(test_bad_auth), )
