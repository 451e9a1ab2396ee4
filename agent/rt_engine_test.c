/*
 * rt_engine_test.c - the Realtime engine (agent.engine = "realtime") in
 * the real agent daemon against tests/peers/openai/realtime_peer.py, the
 * test playing the gateway, stt-worker and crm-tools
 * (tests/harness/rt_harness.h).  A booking call with a broken tool call
 * and a booking tried before the read-back (both refused, the model told
 * why), barge-in (CLEAR, response.cancel or not, truncate at the audio the
 * marks say was heard, the record holding the heard part), a yes over
 * a read-back the caller barely heard (no booking), and the
 * fallbacks: a dropped socket, an error event and a silent model each
 * hand the call to the local brain on the pipeline within the turn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "clock.h"
#include "log.h"
#include "tests/harness/rt_harness.h"

#define BOOK_ARGS                                                              \
	"{\\\"service\\\":\\\"oil change\\\",\\\"start\\\":"                   \
	"\\\"2026-11-24T10:00\\\"}"

static struct rth h;
static int h_up;

/* Start the agent and the peer for one test; rth_stop in teardown, also
 * after a failed assertion. */
static void
up(const char *script, const char *extra)
{
	h_up = 1;
	assert_int_equal(rth_start(&h, script, NULL, extra), 0);
}

static int
down(void **state)
{
	(void)state;
	if (h_up)
		rth_stop(&h);
	h_up = 0;
	return 0;
}

/* The tool outputs the peer received, in order, as one string. */
static char *
tool_outputs(struct rth *hh)
{
	json_t *ev = rth_peer_events(hh, "tool_output"), *e;
	size_t i, len = 1;
	char *s;

	json_array_foreach(ev, i, e) len +=
	    strlen(json_string_value(json_object_get(e, "output"))
	            ? json_string_value(json_object_get(e, "output"))
	            : "?") +
	    1;
	s = calloc(1, len);
	json_array_foreach(ev, i, e)
	{
		strcat(s,
		    json_string_value(json_object_get(e, "output"))
		        ? json_string_value(json_object_get(e, "output"))
		        : "?");
		strcat(s, "\n");
	}
	json_decref(ev);
	return s;
}

static int
turn_has(const char *call, const char *role, const char *text)
{
	return rth_count(&h, call, "log_turn", "text", text) > 0 &&
	    rth_count(&h, call, "log_turn", "role", role) > 0;
}

static void
test_booking(void **state)
{
	static const char script[] =
	    "{\"transcripts\": ["
	    "\"I'd like an oil change on Tuesday at ten\", \"Yes, please.\"],"
	    "\"responses\": ["
	    "{\"say\": \"Thanks for calling Otto's Auto, this is Ava. How can "
	    "I "
	    "help?\"},"
	    "{\"calls\": [{\"name\": \"find_slots\", \"arguments\": "
	    "\"{\\\"service\\\": \\\"oil change\\\", \\\"day\\\": \"}]},"
	    "{\"calls\": [{\"name\": \"book_appointment\", \"arguments\": "
	    "\"" BOOK_ARGS "\"}]},"
	    "{\"say\": \"Oil change on Tuesday, November 24 at 10 AM. Shall I "
	    "book it?\"},"
	    "{\"calls\": [{\"name\": \"book_appointment\", \"arguments\": "
	    "\"" BOOK_ARGS "\"}]},"
	    "{\"say\": \"You are booked, your code is KQ7ZP. Goodbye!\", "
	    "\"calls\": [{\"name\": \"end_call\", \"arguments\": \"{}\"}]}]}";
	const char *call = "CArt1";
	json_t *ev;
	char *outs;
	int i;

	(void)state;
	up(script, "");
	assert_int_equal(rth_call(&h, call, "+15555550123", 8000), 0);
	/* the greeting: audio for utterance 1 with marks, heard whole */
	assert_true(rth_wait_count(&h, call, "log_turn", "text",
	                "How can I help?", 1, 5000) == 1);
	assert_true(rth_audio_bytes(&h, 1) > 8000);
	/* the session the model was given: flat tools from the schema
	 * table, the caller's state in the instructions */
	ev = rth_peer_events(&h, "session.update");
	assert_true(json_array_size(ev) >= 1);
	assert_true(json_is_true(json_object_get(json_array_get(ev, 0), "ok")));
	assert_true(json_array_size(
	                json_object_get(json_array_get(ev, 0), "tools")) > 10);
	json_decref(ev);

	rth_speak(&h, call, 800, 600, 300, NULL);
	/* broken arguments, then a booking before any read-back: refused,
	 * the model told why; then the read-back, the yes, the booking */
	assert_true(rth_wait_count(&h, call, "log_turn", "text",
	                "Shall I book it?", 1, 8000) == 1);
	assert_int_equal(
	    rth_count(&h, call, "book_appointment", NULL, NULL), 0);
	assert_int_equal(rth_count(&h, call, "find_slots", NULL, NULL), 0);
	rth_speak(&h, call, 600, 600, 300, NULL);
	assert_int_equal(rth_wait_count(&h, call, "book_appointment", "start",
	                     "2026-11-24T10:00", 1, 8000),
	    1);
	/* the goodbye plays, then the agent hangs up */
	for (i = 0; i < 200 && rth_wait_frame(&h, FD_MSG_HANGUP, 0, 0, 50) < 0;
	     i++)
		;
	assert_true(rth_wait_frame(&h, FD_MSG_HANGUP, 0, 0, 100) >= 0);
	rth_call_end(&h, call);
	assert_int_equal(
	    rth_wait_count(&h, call, "call_end", NULL, NULL, 1, 5000), 1);
	outs = tool_outputs(&h);
	printf("  tool outputs:\n%s", outs);
	assert_non_null(strstr(outs, "bad_args"));
	assert_non_null(strstr(outs, "confirm_first"));
	assert_non_null(strstr(outs, "KQ7ZP"));
	free(outs);
	/* the record: caller turns from the model's transcription, the
	 * agent's from its transcripts, the outcome, the cost */
	assert_true(turn_has(call, "caller", "oil change on Tuesday at ten"));
	assert_true(turn_has(call, "caller", "Yes, please."));
	assert_int_equal(
	    rth_count(&h, call, "log_turn", "text", "your code is KQ7ZP"), 1);
	assert_int_equal(
	    rth_count(&h, call, "log_call_outcome", "outcome", "booked"), 1);
	assert_int_equal(rth_count(&h, call, "log_turn", "text",
	                     "realtime usage: 6 responses"),
	    1);
	assert_int_equal(
	    rth_count(&h, call, "log_turn", "text", "cost USD"), 1);
	/* nothing went to tts-worker: the model spoke */
	assert_int_equal(rth_wait_frame(&h, FD_MSG_SAY, 0, 0, 0), -1);
}

static void
test_barge_in(void **state)
{
	static const char script[] =
	    "{\"transcripts\": [\"wait, what are "
	    "your hours\"], \"responses\": ["
	    "{\"say\": \"Thanks for calling Otto's Auto. We do oil changes, "
	    "brakes, tires, alignments, diagnostics and inspections, and we "
	    "are open six days a week with loaners for longer jobs.\"},"
	    "{\"say\": \"We are open eight to six on weekdays.\"}]}";
	const char *call = "CArt2";
	json_t *ev, *t;
	char m[64];
	int i, clear, turns;

	(void)state;
	up(script, "mark_ms = 400;");
	/* Twilio plays only the first two marks (800 ms) before the caller
	 * talks */
	pthread_mutex_lock(&h.mu);
	h.echo = 0;
	pthread_mutex_unlock(&h.mu);
	assert_int_equal(rth_call(&h, call, "+15555550999", 8000), 0);
	for (i = 0; i < 100; i++) {
		pthread_mutex_lock(&h.mu);
		turns = (int)json_array_size(h.held);
		pthread_mutex_unlock(&h.mu);
		if (turns >= 6)
			break;
		fd_sleep_us(20000);
	}
	for (i = 0; i < 2; i++) {
		snprintf(
		    m, sizeof(m), "{\"name\":\"u1s%d\",\"played\":true}", i);
		fd_bus_publish(&h.gw, FD_MSG_MARK, call, 0, m, strlen(m));
	}
	fd_sleep_us(200000);
	rth_speak(&h, call, 600, 600, 300, NULL);
	/* the gateway is told to clear utterance 1 */
	clear = rth_wait_frame(&h, FD_MSG_CLEAR, 1, 0, 3000);
	assert_true(clear >= 0);
	/* Twilio echoes what it dropped as not played */
	pthread_mutex_lock(&h.mu);
	json_array_remove(h.held, 0);
	json_array_remove(h.held, 0);
	pthread_mutex_unlock(&h.mu);
	rth_release_marks(&h, call, 0);
	/* the model's item is cut where the caller stopped hearing it */
	for (i = 0; i < 100; i++) {
		ev = rth_peer_events(&h, "truncate");
		if (json_array_size(ev) > 0)
			break;
		json_decref(ev);
		ev = NULL;
		fd_sleep_us(30000);
	}
	assert_non_null(ev);
	t = json_array_get(ev, 0);
	assert_int_equal(
	    json_integer_value(json_object_get(t, "audio_end_ms")), 800);
	assert_true(json_integer_value(json_object_get(t, "audio_ms")) > 800);
	json_decref(ev);
	/* the record: only the part heard, marked as not heard whole */
	/* (800 of 11 600 ms: 2 of its 27 words) */
	assert_true(rth_wait_count(&h, call, "log_turn", "text", "Thanks for",
	                1, 3000) == 1);
	assert_int_equal(
	    rth_count(&h, call, "log_turn", "text", "Thanks for calling"), 0);
	assert_int_equal(
	    rth_count(&h, call, "log_turn", "text", "loaners for longer jobs"),
	    0);
	/* and the answer to what the caller said instead */
	assert_true(rth_wait_count(&h, call, "log_turn", "text", "eight to six",
	                1, 5000) == 1);
	assert_true(turn_has(call, "caller", "what are your hours"));
	rth_call_end(&h, call);
	assert_int_equal(
	    rth_wait_count(&h, call, "call_end", NULL, NULL, 1, 5000), 1);
}

/* A yes said over a read-back the caller barely heard confirms
 * nothing: the booking the model then tries is refused. */
static void
test_yes_over_readback(void **state)
{
	static const char script[] =
	    "{\"transcripts\": [\"book an oil "
	    "change Tuesday at ten\", \"Yes.\"], \"responses\": ["
	    "{\"say\": \"Hi, how can I help?\"},"
	    "{\"say\": \"Oil change on Tuesday, November 24 at 10 AM for "
	    "your 2019 Honda Civic. Shall I book it?\"},"
	    "{\"calls\": [{\"name\": \"book_appointment\", \"arguments\": "
	    "\"" BOOK_ARGS "\"}]},"
	    "{\"say\": \"Sorry, let me read that back again.\"}]}";
	const char *call = "CArt6";
	char m[64], *outs;
	int i, n;

	(void)state;
	up(script, "");
	assert_int_equal(rth_call(&h, call, "+15555550123", 8000), 0);
	assert_true(rth_wait_count(&h, call, "log_turn", "text",
	                "how can I help", 1, 5000) == 1);
	/* the read-back: only its first mark (400 ms) is heard */
	pthread_mutex_lock(&h.mu);
	h.echo = 0;
	pthread_mutex_unlock(&h.mu);
	rth_speak(&h, call, 600, 600, 300, NULL);
	for (i = 0, n = 0; i < 150 && n < 4; i++) {
		pthread_mutex_lock(&h.mu);
		n = (int)json_array_size(h.held);
		pthread_mutex_unlock(&h.mu);
		fd_sleep_us(20000);
	}
	snprintf(m, sizeof(m), "{\"name\":\"u2s0\",\"played\":true}");
	fd_bus_publish(&h.gw, FD_MSG_MARK, call, 0, m, strlen(m));
	fd_sleep_us(200000);
	rth_speak(&h, call, 400, 600, 300, NULL);
	assert_true(rth_wait_frame(&h, FD_MSG_CLEAR, 2, 0, 3000) >= 0);
	pthread_mutex_lock(&h.mu);
	json_array_remove(h.held, 0);
	pthread_mutex_unlock(&h.mu);
	rth_release_marks(&h, call, 0);
	assert_true(rth_wait_count(&h, call, "log_turn", "text",
	                "read that back again", 1, 8000) == 1);
	assert_int_equal(
	    rth_count(&h, call, "book_appointment", NULL, NULL), 0);
	outs = tool_outputs(&h);
	assert_non_null(strstr(outs, "confirm_first"));
	free(outs);
	rth_call_end(&h, call);
	assert_int_equal(
	    rth_wait_count(&h, call, "call_end", NULL, NULL, 1, 5000), 1);
}

/* The model fails on the caller's first turn (how: the script's second
 * response); stt-worker heard the caller (stt_text, or NULL).  The local
 * brain answers within the turn. */
static void
fallback(
    const char *how, const char *call, const char *stt_text, const char *want)
{
	char script[512];
	int say;
	struct rth_frame f;
	uint64_t t0;

	snprintf(script, sizeof(script),
	    "{\"transcripts\": [\"what are your "
	    "hours\"], \"responses\": [{\"say\": \"Thanks for calling, how "
	    "can I help?\"}, %s]}",
	    how);
	up(script, "");
	assert_int_equal(rth_call(&h, call, "+15555550999", 8000), 0);
	assert_true(rth_wait_count(&h, call, "log_turn", "text",
	                "how can I help", 1, 5000) == 1);
	if (stt_text)
		rth_stt_final(&h, call, stt_text);
	t0 = fd_mono_us();
	rth_speak(&h, call, 600, 600, 300, NULL);
	say = rth_wait_frame(&h, FD_MSG_SAY, 0, 0, 8000);
	assert_true(say >= 0);
	f = rth_frame_at(&h, say);
	printf("  %s: the pipeline says after %llu ms: %s\n", how,
	    (unsigned long long)((f.at_us - t0) / 1000),
	    json_string_value(json_object_get(f.json, "text")));
	assert_non_null(
	    strstr(json_string_value(json_object_get(f.json, "text")), want));
	/* the model's audio stopped: nothing after the pipeline took over */
	assert_int_equal(rth_wait_frame(&h, FD_MSG_AUDIO_OUT, 0, say, 300), -1);
	rth_call_end(&h, call);
	assert_int_equal(
	    rth_wait_count(&h, call, "call_end", NULL, NULL, 1, 5000), 1);
	if (stt_text)
		assert_int_equal(
		    rth_count(&h, call, "log_turn", "text", stt_text), 1);
}

static void
test_fallback_drop(void **state)
{
	(void)state;
	/* the socket drops: what stt-worker heard is answered */
	fallback("{\"drop\": true}", "CArt3", "what are your hours", "open");
}

static void
test_fallback_error(void **state)
{
	(void)state;
	/* an error event, nothing from stt-worker: asked again */
	fallback("{\"error\": \"The server had an error\"}", "CArt4", NULL,
	    "say that again");
}

static void
test_fallback_silent(void **state)
{
	(void)state;
	fallback("{\"silent\": true}", "CArt5", "what are your hours", "open");
}

/* A silent caller: once the greeting is heard and the idle timer runs
 * out, the model is asked (a system message) whether the caller is
 * there, twice; the third time for its goodbye, after which the agent
 * hangs up by itself (the model never calls end_call) and the call is
 * abandoned. */
static void
test_idle(void **state)
{
	static const char script[] =
	    "{\"transcripts\": [], \"responses\": ["
	    "{\"say\": \"Thanks for calling. How can I help?\"},"
	    "{\"say\": \"Are you still there?\"},"
	    "{\"say\": \"Hello, are you still there?\"},"
	    "{\"say\": \"I will let you go. Goodbye!\"}]}";
	const char *call = "CArt6";
	json_t *ev, *e;
	size_t i;
	int n = 0, k;

	(void)state;
	rth_idle_ms = 1000;
	up(script, "");
	rth_idle_ms = 30000;
	assert_int_equal(rth_call(&h, call, "+15555550777", 8000), 0);
	assert_int_equal(rth_wait_count(&h, call, "log_turn", "text",
	                     "Hello, are you still there?", 1, 15000),
	    1);
	for (k = 0; k < 300 && rth_wait_frame(&h, FD_MSG_HANGUP, 0, 0, 50) < 0;
	     k++)
		;
	assert_true(rth_wait_frame(&h, FD_MSG_HANGUP, 0, 0, 100) >= 0);
	assert_int_equal(
	    rth_count(&h, call, "log_turn", "text", "Are you still there?"), 1);
	assert_int_equal(
	    rth_count(&h, call, "log_turn", "text", "Goodbye!"), 1);
	/* the model was told three times, as the system */
	ev = rth_peer_events(&h, "message");
	json_array_foreach(ev, i, e)
	{
		char *c = json_dumps(json_object_get(e, "content"), 0);

		n += c && strstr(c, "said nothing") != NULL;
		free(c);
	}
	json_decref(ev);
	assert_int_equal(n, 3);
	/* nothing went to tts-worker, no fallback */
	assert_int_equal(rth_wait_frame(&h, FD_MSG_SAY, 0, 0, 0), -1);
	rth_call_end(&h, call);
	assert_int_equal(
	    rth_wait_count(&h, call, "call_end", NULL, NULL, 1, 5000), 1);
	assert_int_equal(
	    rth_count(&h, call, "log_call_outcome", "outcome", "abandoned"), 1);
}

/* The model's stream stalls for a second after a reply's first delta:
 * nothing of the reply goes out until its lead (lead_ms, 600) has come,
 * so the caller hears a later start, not a sentence cut by a silence. */
static void
test_lead(void **state)
{
	static const char script[] =
	    "{\"transcripts\": [], \"responses\": ["
	    "{\"say\": \"Thanks for calling Otto's Auto, how can I help?\", "
	    "\"stall_ms\": 1000}]}";
	int first;
	size_t got;

	(void)state;
	up(script, "");
	assert_int_equal(rth_call(&h, "CArt7", "+15555550778", 8000), 0);
	first = rth_wait_frame(&h, FD_MSG_AUDIO_OUT, 1, 0, 8000);
	assert_true(first >= 0);
	fd_sleep_us(100000);
	got = rth_audio_bytes(&h, 1);
	printf("  100 ms after the first AUDIO_OUT: %zu bytes (%zu ms)\n", got,
	    got / 8);
	assert_true(got >= 600 * 8);
	rth_call_end(&h, "CArt7");
}

/* -n: the engine needs its key and a sane url. */
static void
test_config_checked(void **state)
{
	char dir[] = "/tmp/fd-rtc-XXXXXX", path[96], exe[512], *s;
	FILE *f;
	pid_t p;
	int st;
	ssize_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	s = strrchr(exe, '/');
	snprintf(s, sizeof(exe) - (size_t)(s - exe), "/bin/agent");
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
	    "bus: { rundir = \"%s\"; };\nagent: { engine = "
	    "\"realtime\"; realtime: { url = \"http://x\"; }; };\n",
	    dir);
	fclose(f);
	if ((p = fork()) == 0) {
		setenv("OPENAI_API_KEY", "k", 1);
		execl(exe, "agent", "-n", "-f", path, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 78);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_checked),
	    cmocka_unit_test_teardown(test_booking, down),
	    cmocka_unit_test_teardown(test_barge_in, down),
	    cmocka_unit_test_teardown(test_yes_over_readback, down),
	    cmocka_unit_test_teardown(test_fallback_drop, down),
	    cmocka_unit_test_teardown(test_fallback_error, down),
	    cmocka_unit_test_teardown(test_fallback_silent, down),
	    cmocka_unit_test_teardown(test_idle, down),
	    cmocka_unit_test_teardown(test_lead, down),
	};

	log_init("rt_engine_test", LOG_LVL_WARN);
	if (getenv("RT_TEST_ONLY")) /* one test by name, while debugging */
		cmocka_set_test_filter(getenv("RT_TEST_ONLY"));
	setenv("TZ", "America/New_York", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
