/*
 * tts_vendor_test.c - the Deepgram Aura and ElevenLabs engines against
 * local HTTPS peers that speak the vendors' wire protocol
 * (tests/peers/deepgram/speak_peer.py, tests/peers/elevenlabs/tts_peer.py):
 * audio reaches the callback in pieces while the body is still coming, a
 * cancel from the callback aborts the transfer at the peer, every failure
 * (401, 429, 500, 422, stall, cut body, refused connection, slow first
 * byte) gives -1 with the vendor's own message, and retries happen only
 * before the first audio.  Needs python3 and the openssl CLI; offline.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "bus.h"
#include "clock.h"
#include "tests/harness/peer_run.h"
#include "speech/tts_engine.h"
#include "tts_http.h"
#include "tests/harness/unit.h"

#define KEY "test-key-123"

struct capture {
	size_t n; /* samples */
	int calls;
	int stop_after; /* cancel after this many callbacks (0 never) */
	int nonzero;
	uint64_t first_us, last_us;
};

static struct peer dg, el;

static int
capture_cb(void *arg, const int16_t *pcm, size_t n)
{
	struct capture *c = arg;
	size_t i;

	c->last_us = fd_mono_us();
	if (c->calls++ == 0)
		c->first_us = c->last_us;
	for (i = 0; i < n; i++)
		c->nonzero += pcm[i] != 0;
	c->n += n;
	return c->stop_after && c->calls >= c->stop_after;
}

/* An engine on the peer at port with extra config lines. */
static void *
engine(const struct tts_engine_ops *ops, const struct peer *p, int port,
    const char *extra)
{
	char text[2048], err[256] = "";
	config_t cfg;
	void *eng = NULL;

	if (extra == NULL)
		extra = "";
	snprintf(text, sizeof(text),
	    "tts: { %s: { base_url = "
	    "\"https://localhost:%d/\"; ca_file = \"%s\"; first_byte_ms = 1500;"
	    " idle_ms = 400; backoff_ms = 30; %s %s }; };",
	    ops->name, port ? port : p->port, p->cert,
	    strstr(extra, "retries") ? "" : "retries = 2;", extra);
	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		printf("config: %s\n", config_error_text(&cfg));
		config_destroy(&cfg);
		return NULL;
	}
	if (ops->init(&cfg, &eng, err, sizeof(err)) != 0)
		printf("init: %s\n", err);
	config_destroy(&cfg);
	return eng;
}

/* engine() made while the vendor's key variable env holds key, then the
 * good key put back. */
static void *
engine_keyed(const struct tts_engine_ops *ops, const struct peer *p,
    const char *env, const char *key)
{
	void *eng;

	setenv(env, key, 1);
	eng = engine(ops, p, 0, NULL);
	setenv(env, KEY, 1);
	return eng;
}

static int
say(const struct tts_engine_ops *ops, void *eng, const char *voice,
    const char *text, struct capture *c, char *err, size_t errlen)
{
	int stop = c->stop_after, rc;

	memset(c, 0, sizeof(*c));
	c->stop_after = stop;
	err[0] = '\0';
	rc = ops->synth(eng, voice, text, capture_cb, c, err, errlen);
	printf("  %-44.44s rc %d, %zu samples in %d pieces %s\n", text, rc,
	    c->n, c->calls, err);
	return rc;
}

/* Lines of the peer's log that contain every needle (NULL-terminated). */
static int
log_count(const struct peer *p, ...)
{
	char *log = peer_log_read(p), *line, *save = NULL;
	const char *needle;
	va_list ap;
	int n = 0, ok;

	for (line = strtok_r(log, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		ok = 1;
		va_start(ap, p);
		while ((needle = va_arg(ap, const char *)) != NULL)
			if (strstr(line, needle) == NULL)
				ok = 0;
		va_end(ap);
		n += ok;
	}
	free(log);
	return n;
}

/* Wait up to ms for a log line with the needles. */
static int
log_wait(const struct peer *p, int ms, const char *a, const char *b)
{
	int i;

	for (i = 0; i < ms / 20; i++) {
		if (log_count(p, a, b, (const char *)NULL) > 0)
			return 1;
		usleep(20000);
	}
	return 0;
}

/* Wait up to ms until exactly n lines have the needle; the count. */
static int
log_wait_n(const struct peer *p, int ms, int n, const char *a)
{
	int i, got = 0;

	for (i = 0; i < ms / 20; i++) {
		if ((got = log_count(p, a, (const char *)NULL)) >= n)
			break;
		usleep(20000);
	}
	return got;
}

static int
setup(void **state)
{
	static const char *const dg_args[] = {"--api-key", KEY, NULL};
	static const char *const el_args[] = {"--api-key", KEY, NULL};

	(void)state;
	setenv("DEEPGRAM_API_KEY", KEY, 1);
	setenv("ELEVENLABS_API_KEY", KEY, 1);
	if (peer_tls_init(&dg) != 0 || peer_tls_init(&el) != 0)
		return -1;
	if (peer_start(&dg, "deepgram/speak_peer.py", dg_args) != 0 ||
	    peer_start(&el, "elevenlabs/tts_peer.py", el_args) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	peer_tls_fini(&dg);
	peer_tls_fini(&el);
	return 0;
}

static void
test_find(void **state)
{
	(void)state;
	assert_ptr_equal(tts_engine_find("deepgram"), &tts_engine_deepgram);
	assert_ptr_equal(tts_engine_find("elevenlabs"), &tts_engine_elevenlabs);
}

/* Audio arrives piece by piece, the first piece long before the end. */
static void
test_dg_streams(void **state)
{
	const struct tts_engine_ops *ops = &tts_engine_deepgram;
	struct capture c = {0};
	char err[512];
	uint64_t t0;
	void *eng;

	(void)state;
	assert_non_null(eng = engine(ops, &dg, 0, NULL));
	peer_log_clear(&dg);
	t0 = fd_mono_us();
	assert_int_equal(say(ops, eng, NULL, "Hello there. [bytes:8000]", &c,
	                     err, sizeof(err)),
	    0);
	assert_int_equal(c.n, 8000);
	assert_int_equal(c.nonzero, 8000);
	assert_true(c.calls >= 10);
	/* 25 chunks 20 ms apart: the first is heard ~400 ms before the last */
	printf("  first audio after %.0f ms, last after %.0f ms\n",
	    (c.first_us - t0) / 1e3, (c.last_us - t0) / 1e3);
	assert_true(c.last_us - c.first_us > 250000);
	assert_true(log_wait(&dg, 2000, "\"outcome\": \"complete\"",
	    "\"model\": \"aura-asteria-en\""));
	assert_int_equal(
	    log_count(&dg, "\"encoding\": \"mulaw\"",
	        "\"sample_rate\": \"8000\"", "\"container\": \"none\"", NULL),
	    1);
	/* a SAY voice naming an Aura model picks that model */
	assert_int_equal(say(ops, eng, "aura-luna-en", "Bye. [bytes:800]", &c,
	                     err, sizeof(err)),
	    0);
	assert_true(log_wait(&dg, 2000, "\"model\": \"aura-luna-en\"", "Bye."));
	/* a flite voice name does not */
	assert_int_equal(
	    say(ops, eng, "slt", "Hi. [bytes:800]", &c, err, sizeof(err)), 0);
	assert_true(
	    log_wait(&dg, 2000, "\"model\": \"aura-asteria-en\"", "Hi."));
	ops->fini(eng);
}

/* The callback's nonzero return stops the transfer at once. */
static void
test_dg_cancel(void **state)
{
	const struct tts_engine_ops *ops = &tts_engine_deepgram;
	struct capture c = {.stop_after = 3};
	char err[512];
	uint64_t t0, ms;
	void *eng;

	(void)state;
	assert_non_null(eng = engine(ops, &dg, 0, NULL));
	peer_log_clear(&dg);
	t0 = fd_mono_us();
	assert_int_equal(say(ops, eng, NULL, "A long one. [bytes:80000]", &c,
	                     err, sizeof(err)),
	    1);
	ms = (fd_mono_us() - t0) / 1000;
	assert_int_equal(c.calls, 3);
	assert_true(ms < 1000);
	/* the peer saw the connection go (80000 bytes would take 5 s) */
	assert_true(
	    log_wait(&dg, 3000, "\"outcome\": \"aborted\"", "long one"));
	ops->fini(eng);
}

/* say() of text fails with an error containing want. */
static void
say_fails(const struct tts_engine_ops *ops, void *eng, struct capture *c,
    const char *text, const char *want)
{
	char err[512];

	assert_int_equal(say(ops, eng, NULL, text, c, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\", want \"%s\"", err, want);
}

static void
test_dg_errors(void **state)
{
	const struct tts_engine_ops *ops = &tts_engine_deepgram;
	struct capture c = {0};
	char err[512];
	void *eng;

	(void)state;
	/* a wrong key: 401 with Deepgram's message, not retried */
	assert_non_null(
	    eng = engine_keyed(ops, &dg, "DEEPGRAM_API_KEY", "wrong-key"));
	peer_log_clear(&dg);
	say_fails(ops, eng, &c, "Hello.",
	    "deepgram: HTTP 401: Invalid credentials. "
	    "(INVALID_AUTH)");
	assert_int_equal(c.n, 0);
	assert_true(log_wait(&dg, 2000, "\"status\": 401", "Hello."));
	assert_int_equal(log_count(&dg, "Hello.", NULL), 1);
	ops->fini(eng);

	assert_non_null(eng = engine(ops, &dg, 0, NULL));
	peer_log_clear(&dg);
	/* 429 and 500 are retried (3 attempts), then reported */
	say_fails(ops, eng, &c, "[status:429] busy",
	    "HTTP 429: Too many requests. Please try "
	    "again later. (TOO_MANY_REQUESTS) (after 3 attempts)");
	say_fails(ops, eng, &c, "[status:500] broken",
	    "HTTP 500: Internal server error.");
	assert_int_equal(log_wait_n(&dg, 2000, 3, "\"status\": 429"), 3);
	assert_int_equal(log_wait_n(&dg, 2000, 3, "\"status\": 500"), 3);
	/* a 400 is the request's fault: no retry */
	say_fails(ops, eng, &c, "[status:400] bad", "HTTP 400: Bad Request");
	assert_true(log_wait(&dg, 2000, "\"status\": 400", "bad"));
	assert_int_equal(log_count(&dg, "\"status\": 400", NULL), 1);
	/* a failure before the first byte is retried and then succeeds */
	assert_int_equal(
	    say(ops, eng, NULL, "[fail-once:503] again [bytes:1600]", &c, err,
	        sizeof(err)),
	    0);
	assert_int_equal(c.n, 1600);
	/* the body cut short after audio went out: an error, no retry */
	peer_log_clear(&dg);
	assert_int_equal(
	    say(ops, eng, NULL, "[cut] [bytes:8000]", &c, err, sizeof(err)),
	    -1);
	assert_int_equal(c.n, 4000);
	assert_non_null(strstr(err, "audio cut after 0.50 s"));
	assert_true(log_wait(&dg, 2000, "\"outcome\": \"cut\"", "cut"));
	assert_int_equal(log_count(&dg, "cut", NULL), 1);
	ops->fini(eng);
}

static void
test_dg_timeouts(void **state)
{
	const struct tts_engine_ops *ops = &tts_engine_deepgram;
	struct capture c = {0};
	char err[512];
	uint64_t t0;
	void *eng;

	(void)state;
	assert_non_null(eng = engine(ops, &dg, 0, "retries = 0;"));
	/* audio starts, then the vendor goes quiet */
	t0 = fd_mono_us();
	say_fails(ops, eng, &c, "[stall] [bytes:8000]",
	    "audio stalled: nothing for 400 ms after");
	assert_true(c.n > 0 && c.n < 8000);
	assert_true(fd_mono_us() - t0 < 2500000);
	/* no answer at all within first_byte_ms */
	t0 = fd_mono_us();
	say_fails(ops, eng, &c, "[wait:2500] slow",
	    "no audio within 1500 ms (first_byte_ms)");
	assert_true(fd_mono_us() - t0 < 2600000);
	ops->fini(eng);
	/* nobody listening: retried, then a clear message */
	assert_non_null(eng = engine(ops, &dg, fd_free_port(), NULL));
	assert_int_equal(
	    say(ops, eng, NULL, "Hello.", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "deepgram: Couldn't connect to server"));
	assert_non_null(strstr(err, "(after 3 attempts)"));
	ops->fini(eng);
}

static void
test_el_streams(void **state)
{
	const struct tts_engine_ops *ops = &tts_engine_elevenlabs;
	struct capture c = {0};
	char err[512];
	void *eng;

	(void)state;
	assert_non_null(
	    eng = engine(ops, &el, 0,
	        "voice_id = \"pNInz6obpgDQGcFmaJgB\"; stability = 0.4; "
	        "use_speaker_boost = true;"));
	peer_log_clear(&el);
	assert_int_equal(say(ops, eng, NULL, "Good morning. [bytes:8000]", &c,
	                     err, sizeof(err)),
	    0);
	assert_int_equal(c.n, 8000);
	assert_true(c.calls >= 10);
	assert_true(c.last_us - c.first_us > 250000);
	assert_true(log_wait(&el, 2000, "\"outcome\": \"complete\"",
	    "\"voice_id\": \"pNInz6obpgDQGcFmaJgB\""));
	assert_int_equal(
	    log_count(&el, "\"output_format\": \"ulaw_8000\"",
	        "\"model_id\": \"eleven_flash_v2_5\"", "\"stability\": 0.4",
	        "\"use_speaker_boost\": true", NULL),
	    1);
	/* cancel */
	c.stop_after = 2;
	assert_int_equal(say(ops, eng, "21m00Tcm4TlvDq8ikWAM",
	                     "Stop me. [bytes:80000]", &c, err, sizeof(err)),
	    1);
	assert_int_equal(c.calls, 2);
	assert_true(log_wait(&el, 3000, "\"outcome\": \"aborted\"",
	    "\"voice_id\": \"21m00Tcm4TlvDq8ikWAM\""));
	ops->fini(eng);
}

static void
test_el_errors(void **state)
{
	const struct tts_engine_ops *ops = &tts_engine_elevenlabs;
	struct capture c = {0};
	char err[512];
	void *eng;

	(void)state;
	assert_non_null(
	    eng = engine_keyed(ops, &el, "ELEVENLABS_API_KEY", "nope"));
	say_fails(ops, eng, &c, "Hello.",
	    "elevenlabs: HTTP 401: Invalid API key "
	    "(invalid_api_key)");
	ops->fini(eng);
	assert_non_null(eng = engine(ops, &el, 0, "retries = 1;"));
	say_fails(ops, eng, &c, "[status:429] x",
	    "HTTP 429: Too many concurrent requests "
	    "for your subscription. (too_many_concurrent_requests) (after 2 "
	    "attempts)");
	say_fails(ops, eng, &c, "[status:500] x",
	    "HTTP 500: An internal error occurred.");
	say_fails(ops, eng, &c, "[status:422] x", "HTTP 422: field required");
	assert_int_equal(
	    say(ops, eng, NULL, "[cut] [bytes:1600]", &c, err, sizeof(err)),
	    -1);
	assert_int_equal(c.n, 800);
	ops->fini(eng);
}

static void
test_init_errors(void **state)
{
	char err[256] = "";
	config_t cfg;
	void *eng = NULL;

	(void)state;
	unsetenv("DEEPGRAM_API_KEY");
	assert_int_equal(
	    tts_engine_deepgram.init(NULL, &eng, err, sizeof(err)), -1);
	assert_string_equal(err, "deepgram: DEEPGRAM_API_KEY is not set");
	setenv("DEEPGRAM_API_KEY", KEY, 1);
	unsetenv("ELEVENLABS_API_KEY");
	assert_int_equal(
	    tts_engine_elevenlabs.init(NULL, &eng, err, sizeof(err)), -1);
	assert_string_equal(err, "elevenlabs: ELEVENLABS_API_KEY is not set");
	setenv("ELEVENLABS_API_KEY", KEY, 1);
	config_init(&cfg);
	config_read_string(&cfg,
	    "tts: { elevenlabs: { voice_id = \"a/b\"; };"
	    " deepgram: { idle_ms = 5; }; };");
	assert_int_equal(
	    tts_engine_elevenlabs.init(&cfg, &eng, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a voice id"));
	assert_int_equal(
	    tts_engine_deepgram.init(&cfg, &eng, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tts.deepgram: timeouts"));
	config_destroy(&cfg);
	/* defaults without any config */
	assert_int_equal(
	    tts_engine_deepgram.init(NULL, &eng, err, sizeof(err)), 0);
	tts_engine_deepgram.fini(eng);
}

static void
test_error_text(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(
	    tts_http_error_text(
	        "{\"err_code\":\"INVALID_AUTH\","
	        "\"err_msg\":\"Invalid credentials.\",\"request_id\":\"x\"}",
	        out, sizeof(out)),
	    0);
	assert_string_equal(out, "Invalid credentials. (INVALID_AUTH)");
	assert_int_equal(
	    tts_http_error_text(
	        "{\"detail\":{\"status\":"
	        "\"quota_exceeded\",\"message\":\"Out of credits\"}}",
	        out, sizeof(out)),
	    0);
	assert_string_equal(out, "Out of credits (quota_exceeded)");
	assert_int_equal(tts_http_error_text("{\"detail\":[{\"loc\":[\"body\"],"
	                                     "\"msg\":\"field required\"}]}",
	                     out, sizeof(out)),
	    0);
	assert_string_equal(out, "field required");
	assert_int_equal(tts_http_error_text("{\"error\":{\"message\":\"m\"}}",
	                     out, sizeof(out)),
	    0);
	assert_string_equal(out, "m");
	assert_int_equal(
	    tts_http_error_text("<html>502</html>", out, sizeof(out)), -1);
	assert_int_equal(
	    tts_http_error_text("{\"x\":1}", out, sizeof(out)), -1);
}

UNIT_MAIN(setup, teardown, cmocka_unit_test(test_find),
    cmocka_unit_test(test_error_text), cmocka_unit_test(test_init_errors),
    cmocka_unit_test(test_dg_streams), cmocka_unit_test(test_dg_cancel),
    cmocka_unit_test(test_dg_errors), cmocka_unit_test(test_dg_timeouts),
    cmocka_unit_test(test_el_streams), cmocka_unit_test(test_el_errors), )
