/*
 * agent_e2e_test.c - the real agent daemon driven over the bus.  The test
 * plays the gateway, stt-worker and tts-worker (three pub sockets) and
 * crm-tools (a req/rep server recording every tool call), starts
 * build/bin/agent with a config written to a temporary rundir, and checks
 * what the agent publishes: greeting, replies, barge-in (CLEAR and
 * SAY_CANCEL only for real speech), hang-up after the goodbye's last
 * mark, the idle prompts, the call record tools, and the speculative
 * reply (a held SAY on a stable hypothesis, released by the same final,
 * cancelled when the caller goes on or says otherwise, no write tool run
 * on a hypothesis).  With a private
 * redis-server, the agent is killed and restarted mid-call and must
 * resume the call from its session, also with the LLM brain against
 * tests/peers/openai_peer.py (the conversation goes on with the model).
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
#include <pthread.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "tests/harness/llm_peer_util.h"
#include "bus.h"
#include "clock.h"
#include "log.h"
#include "rpc.h"
#include "tests/harness/fake_customer.h"

static char rundir[64], conf_path[128], llm_conf_path[128], agent_bin[512];
static const char *agent_conf; /* the config start_agent uses */
static struct fd_bus gw, stt, tts, out;
static struct fd_rpc_server *crm;
/* recording.disclosure in the agent's config */
#define DISCLOSURE "This call is recorded."
static pid_t agent_pid, redis_pid, peer_pid;
static int peer_port;
static const char *program_path;

static pthread_mutex_t rec_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *records; /* [{tool,args,now,call}] */

static json_t *
crm_handler(void *arg, int worker, const char *call_id, json_t *req)
{
	const char *t = json_string_value(json_object_get(req, "tool"));
	json_t *args = json_object_get(req, "args");

	(void)arg;
	(void)worker;
	pthread_mutex_lock(&rec_mu);
	json_array_append_new(records,
	    json_pack("{s:s, s:O, s:s, s:s}", "tool", t ? t : "", "args", args,
	        "now",
	        json_string_value(json_object_get(req, "now"))
	            ? json_string_value(json_object_get(req, "now"))
	            : "",
	        "call", call_id));
	pthread_mutex_unlock(&rec_mu);
	if (t && strcmp(t, "lookup_customer") == 0)
		return fake_lookup_customer(args);
	if (t && strcmp(t, "find_slots") == 0) {
		/* half-hour starts 08:00-18:00 on the day asked: the `count`
		 * nearest to `near`, or the first `count` */
		const char *d = json_string_value(json_object_get(args, "day"));
		const char *near =
		    json_string_value(json_object_get(args, "near"));
		int count =
		    (int)json_integer_value(json_object_get(args, "count"));
		int hh, mm, at = -1, m, n = 0, lo, hi;
		json_t *slots = json_array();
		char s[32];

		if (count <= 0)
			count = 3;
		if (near && sscanf(near, "%d:%d", &hh, &mm) == 2)
			at = hh * 60 + mm;
		lo = at < 0 ? 8 * 60 : at - (count / 2) * 30;
		if (lo < 8 * 60)
			lo = 8 * 60;
		hi = 18 * 60;
		for (m = lo; d && m < hi && n < count; m += 30, n++) {
			snprintf(
			    s, sizeof(s), "%sT%02d:%02d:00", d, m / 60, m % 60);
			json_array_append_new(
			    slots, json_pack("{s:s}", "start", s));
		}
		return json_pack("{s:b, s:{s:o, s:s?}}", "ok", 1, "result",
		    "slots", slots, "date", d);
	}
	if (t && strcmp(t, "book_appointment") == 0)
		return json_pack("{s:b, s:{s:i, s:s}}", "ok", 1, "result",
		    "appointment_id", 9, "confirmation", "KQ7ZP");
	if (t && strcmp(t, "job_get") == 0)
		return json_pack("{s:b, s:{s:I, s:s, s:s, s:s, s:s, s:i, s:s}}",
		    "ok", 1, "result", "job_id",
		    json_integer_value(json_object_get(args, "job_id")), "kind",
		    "reminder", "to", "+15555550123", "first_name", "John",
		    "service", "oil change", "appointment_id", 9, "start",
		    "2026-11-22T09:00:00");
	return json_pack("{s:b, s:{}}", "ok", 1, "result");
}

/* Tool calls recorded for a call, optionally of one tool. */
static int
count_records(
    const char *call, const char *tool, const char *key, const char *val)
{
	int n;

	pthread_mutex_lock(&rec_mu);
	n = fake_count_tools(records, call, tool, key, val);
	pthread_mutex_unlock(&rec_mu);
	return n;
}

/* Wait (up to 5 s) until n turns whose key (text: what was said,
 * heard_text: what of an agent turn the caller heard) holds text were
 * logged. */
static void
wait_records(const char *call, const char *key, const char *text, int n)
{
	for (int w = 0;
	     w < 100 && count_records(call, "log_turn", key, text) < n; w++)
		fd_sleep_us(50000);
}

static void
pub(struct fd_bus *b, int type, const char *call, uint32_t ref, const char *fmt,
    ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_int_equal(
	    fd_bus_publish(b, type, call, ref, buf, strlen(buf)), 0);
}

/* Next frame of type from the agent within ms; other types are skipped
 * unless strict.  Returns its JSON (caller decrefs) and ref. */
static json_t *
expect(int type, int ms, uint32_t *ref, int strict)
{
	uint64_t end = fd_mono_us() + (uint64_t)ms * 1000;
	struct fd_frame f;
	nng_msg *m;
	json_t *j;

	while (fd_mono_us() < end) {
		if (fd_bus_recv(&out, &m, &f, 50) != 0)
			continue;
		j = fd_frame_json(&f);
		if (f.type == type) {
			if (ref)
				*ref = f.ref;
			nng_msg_free(m);
			return j;
		}
		if (strict) {
			char *s = json_dumps(j, JSON_COMPACT);

			fprintf(stderr, "unexpected %s ref %u %s\n",
			    fd_msg_name(f.type), f.ref, s);
			free(s);
			json_decref(j);
			nng_msg_free(m);
			return NULL;
		}
		json_decref(j);
		nng_msg_free(m);
	}
	return NULL;
}

/* The next frame of type, for utterance want_ref, within ms. */
static void
expect_ref(int type, int ms, uint32_t want_ref)
{
	uint32_t ref = 0;
	json_t *j = expect(type, ms, &ref, 0);

	assert_non_null(j);
	assert_int_equal(ref, want_ref);
	json_decref(j);
}

static char said[1024];

/* The next SAY; its text in said[]. */
static uint32_t
expect_say(int ms)
{
	uint32_t ref = 0;
	json_t *j = expect(FD_MSG_SAY, ms, &ref, 0);

	assert_non_null(j);
	snprintf(said, sizeof(said), "%s",
	    json_string_value(json_object_get(j, "text")));
	assert_true(json_is_true(json_object_get(j, "last")));
	json_decref(j);
	printf("  agent (utt %u): %s\n", ref, said);
	return ref;
}

/* tts and gateway: the utterance was synthesised as one segment and
 * played to the end. */
static void
play(const char *call, uint32_t utt)
{
	char name[32];
	int n = count_records(call, "log_turn", "heard_text", "(segment text)");

	snprintf(name, sizeof(name), "u%us0", utt);
	pub(&tts, FD_MSG_AUDIO_MARK, call, utt,
	    "{\"name\":\"%s\",\"seg\":0,\"text\":\"%s\",\"last\":true}", name,
	    "(segment text)");
	pub(&gw, FD_MSG_MARK, call, 0, "{\"name\":\"%s\",\"played\":true}",
	    name);
	/* the three buses are not ordered against each other: wait until
	 * the agent logged the utterance as heard before the caller talks */
	wait_records(call, "heard_text", "(segment text)", n + 1);
}

/* The agent's last utterance u plays to the end: it hangs up, the call
 * ends, and its closing rpc calls land (asynchronously: a loaded machine
 * can take longer than a moment). */
static void
hung_up(const char *call, uint32_t u)
{
	json_t *j;

	play(call, u);
	j = expect(FD_MSG_HANGUP, 1000, NULL, 0);
	assert_non_null(j);
	json_decref(j);
	pub(&gw, FD_MSG_CALL_END, call, 0, "{\"reason\":\"hangup\"}");
	for (int w = 0;
	     w < 100 && count_records(call, "call_end", NULL, NULL) == 0; w++)
		fd_sleep_us(50000);
}

static void
caller_says(const char *call, const char *text)
{
	printf("  caller: %s\n", text);
	pub(&stt, FD_MSG_SPEECH_STARTED, call, 0, "{\"at_ms\":1000}");
	pub(&stt, FD_MSG_SPEECH_STOPPED, call, 0,
	    "{\"at_ms\":2000,\"dur_ms\":1000}");
	pub(&stt, FD_MSG_TRANSCRIPT, call, 0,
	    "{\"text\":\"%s\",\"final\":true,"
	    "\"confidence\":0.9,\"start_ms\":1000,\"end_ms\":2000,"
	    "\"speech_end_us\":%llu}",
	    text, (unsigned long long)fd_mono_us());
}

/* A final heard at start_ms..end_ms of the caller's audio clock. */
static void
caller_says_at(const char *call, const char *text, int start_ms, int end_ms)
{
	printf("  caller (%d-%d ms): %s\n", start_ms, end_ms, text);
	pub(&stt, FD_MSG_TRANSCRIPT, call, 0,
	    "{\"text\":\"%s\",\"final\":true,"
	    "\"confidence\":0.9,\"start_ms\":%d,\"end_ms\":%d,"
	    "\"speech_end_us\":%llu}",
	    text, start_ms, end_ms, (unsigned long long)fd_mono_us());
}

static void
start_call(const char *call, const char *from)
{
	int i;
	uint32_t ref;
	json_t *j = NULL;

	/* the subscription may take a moment: repeat until greeted */
	for (i = 0; i < 20 && j == NULL; i++) {
		pub(&gw, FD_MSG_CALL_START, call, 0,
		    "{\"call_id\":\"%s\","
		    "\"stream_sid\":\"MZ1\",\"from\":\"%s\",\"to\":"
		    "\"+15555550100\",\"direction\":\"inbound\",\"now\":"
		    "\"2026-11-21T10:00:00\",\"params\":{}}",
		    call, from);
		j = expect(FD_MSG_SAY, 500, &ref, 0);
	}
	assert_non_null(j);
	assert_int_equal(ref, 1);
	snprintf(said, sizeof(said), "%s",
	    json_string_value(json_object_get(j, "text")));
	printf("  agent (utt 1): %s\n", said);
	json_decref(j);
}

static void
test_booking_call(void **state)
{
	const char *call = "CAe2e1";
	uint32_t u;
	uint64_t t0;

	(void)state;
	start_call(call, "+15555550123");
	assert_non_null(strstr(said, "Am I speaking with John?"));
	/* the call is recorded: the greeting says so first */
	assert_true(strncmp(said, DISCLOSURE " ", strlen(DISCLOSURE) + 1) == 0);
	assert_int_equal(
	    count_records(call, "call_begin", "from", "+15555550123"), 1);
	/* two segments, both heard */
	pub(&tts, FD_MSG_AUDIO_MARK, call, 1,
	    "{\"name\":\"u1s0\",\"seg\":0,"
	    "\"text\":\"Thanks for calling.\",\"last\":false}");
	pub(&tts, FD_MSG_AUDIO_MARK, call, 1,
	    "{\"name\":\"u1s1\",\"seg\":1,"
	    "\"text\":\"Am I speaking with John?\",\"last\":true}");
	pub(&gw, FD_MSG_MARK, call, 0, "{\"name\":\"u1s0\",\"played\":true}");
	pub(&gw, FD_MSG_MARK, call, 0, "{\"name\":\"u1s1\",\"played\":true}");
	wait_records(call, "heard_text", "Am I speaking with John?", 1);

	t0 = fd_mono_us();
	caller_says(call, "yes");
	u = expect_say(2000);
	printf(
	    "  reply after %llu us\n", (unsigned long long)(fd_mono_us() - t0));
	assert_int_equal(u, 2);
	assert_non_null(strstr(said, "Hi John"));

	/* a short noise over the agent does not cut it off */
	pub(&stt, FD_MSG_SPEECH_STARTED, call, 0, "{\"at_ms\":3000}");
	pub(&stt, FD_MSG_SPEECH_STOPPED, call, 0,
	    "{\"at_ms\":3100,\"dur_ms\":100}");
	pub(&stt, FD_MSG_TRANSCRIPT, call, 0,
	    "{\"text\":\"uh-huh\","
	    "\"final\":true,\"confidence\":0.5,\"speech_end_us\":1}");
	/* (the audio pauses the moment the caller starts, and plays on) */
	expect_ref(FD_MSG_PAUSE, 1000, 2);
	expect_ref(FD_MSG_RESUME, 1000, 2);
	assert_null(expect(FD_MSG_CLEAR, 500, NULL, 0));
	/* real speech does: PAUSE at once, then CLEAR and SAY_CANCEL for
	 * utt 2 */
	pub(&stt, FD_MSG_SPEECH_STARTED, call, 0, "{\"at_ms\":4000}");
	expect_ref(FD_MSG_PAUSE, 1000, 2);
	assert_null(expect(FD_MSG_RESUME, 200, NULL, 0));
	expect_ref(FD_MSG_CLEAR, 1000, 2);
	expect_ref(FD_MSG_SAY_CANCEL, 500, 2);
	pub(&stt, FD_MSG_SPEECH_STOPPED, call, 0,
	    "{\"at_ms\":6000,\"dur_ms\":2000}");
	pub(&gw, FD_MSG_MARK, call, 0, "{\"name\":\"u2s0\",\"played\":false}");

	caller_says(call, "book an oil change next to say at ten");
	u = expect_say(2000);
	assert_int_equal(u, 3);
	assert_string_equal(said,
	    "Oil change on Tuesday, November 24 at 10 AM "
	    "for John, shall I book it?");
	assert_int_equal(
	    count_records(call, "find_slots", "day", "2026-11-24"), 1);
	/* the question played, the agent still talking: a short "yes" now
	 * answers it (cut, booked), it is not a backchannel to talk over */
	pub(&tts, FD_MSG_AUDIO_MARK, call, u,
	    "{\"name\":\"u%us0\",\"seg\":0,"
	    "\"text\":\"%s\",\"last\":false}",
	    u, said);
	pub(&tts, FD_MSG_AUDIO_MARK, call, u,
	    "{\"name\":\"u%us1\",\"seg\":1,"
	    "\"text\":\"If it's for the other car, just say so.\","
	    "\"last\":true}",
	    u);
	pub(&gw, FD_MSG_MARK, call, 0, "{\"name\":\"u%us0\",\"played\":true}",
	    u);
	pub(&stt, FD_MSG_SPEECH_STARTED, call, 0, "{\"at_ms\":9000}");
	expect_ref(FD_MSG_PAUSE, 1000, u);
	pub(&stt, FD_MSG_SPEECH_STOPPED, call, 0,
	    "{\"at_ms\":9300,\"dur_ms\":300}");
	pub(&stt, FD_MSG_TRANSCRIPT, call, 0,
	    "{\"text\":\"yes\","
	    "\"final\":true,\"confidence\":0.3,\"speech_end_us\":%llu}",
	    (unsigned long long)fd_mono_us());
	expect_ref(FD_MSG_CLEAR, 1000, u);
	u = expect_say(2000);
	assert_non_null(
	    strstr(said, "confirmation code is <spell>KQ7ZP</spell>"));
	assert_int_equal(count_records(call, "book_appointment", "start",
	                     "2026-11-24T10:00"),
	    1);
	play(call, u);
	caller_says(call, "no thanks");
	u = expect_say(2000);
	assert_non_null(strstr(said, "goodbye"));
	/* no hang-up before the goodbye is heard */
	assert_null(expect(FD_MSG_HANGUP, 300, NULL, 0));
	hung_up(call, u);
	assert_int_equal(
	    count_records(call, "log_call_outcome", "outcome", "booked"), 1);
	assert_int_equal(count_records(call, "call_end", NULL, NULL), 1);
	/* the transcript holds what was heard, the caller turns, and not
	 * the utterance that was cut before any of it played */
	assert_int_equal(count_records(call, "log_turn", "heard_text",
	                     "Thanks for calling. Am I speaking with John?"),
	    1);
	/* each agent turn: what it said, and whether the caller cut it */
	assert_int_equal(count_records(call, "log_turn", "text",
	                     "Thanks for calling Otto's Auto, this is Ava"),
	    1);
	assert_int_equal(count_records(call, "log_turn", "text", "Hi John"), 0);
	assert_int_equal(
	    count_records(call, "log_turn", "text", "next to say at ten"), 1);
}

/* A stable hypothesis of the caller's words (the speculative final)
 * heard at start_ms, the endpoint still pending. */
static void
caller_stable(const char *call, const char *text, int start_ms)
{
	printf("  caller (stable, from %d ms): %s\n", start_ms, text);
	pub(&stt, FD_MSG_SPEECH_STARTED, call, 0, "{\"at_ms\":%d}", start_ms);
	pub(&stt, FD_MSG_TRANSCRIPT, call, 0,
	    "{\"text\":\"%s\",\"final\":false,\"stable\":true,"
	    "\"confidence\":0.9,\"start_ms\":%d,\"end_ms\":%d}",
	    text, start_ms, start_ms + 1000);
}

/* The final of that turn (same audio start). */
static void
caller_final(const char *call, const char *text, int start_ms)
{
	printf("  caller (final, from %d ms): %s\n", start_ms, text);
	pub(&stt, FD_MSG_SPEECH_STOPPED, call, 0,
	    "{\"at_ms\":%d,\"dur_ms\":1000}", start_ms + 1000);
	pub(&stt, FD_MSG_TRANSCRIPT, call, 0,
	    "{\"text\":\"%s\",\"final\":true,"
	    "\"confidence\":0.9,\"start_ms\":%d,\"end_ms\":%d,"
	    "\"speech_end_us\":%llu}",
	    text, start_ms, start_ms + 1000, (unsigned long long)fd_mono_us());
}

/* The next SAY within ms: its ref, text in said[], *held its hold. */
static uint32_t
expect_say_held(int ms, int *held)
{
	uint32_t ref = 0;
	json_t *j = expect(FD_MSG_SAY, ms, &ref, 0);

	assert_non_null(j);
	snprintf(said, sizeof(said), "%s",
	    json_string_value(json_object_get(j, "text")));
	*held = json_is_true(json_object_get(j, "hold"));
	json_decref(j);
	printf("  agent (utt %u%s): %s\n", ref, *held ? ", held" : "", said);
	return ref;
}

/* The speculative reply over the bus.  A hypothesis the final confirms:
 * the reply was sent held (its read-only slot search made once) and the
 * final releases it, with no second SAY and one caller turn logged.  A
 * hypothesis whose reply books: the booking is not made from it, and
 * when the final says otherwise nothing of it plays and nothing is
 * booked. */
static void
test_speculation(void **state)
{
	const char *call = "CAspec1";
	uint32_t u, ref;
	json_t *j;
	int held;

	(void)state;
	start_call(call, "+15555550123");
	play(call, 1);
	caller_says(call, "yes");
	u = expect_say(2000);
	assert_non_null(strstr(said, "Hi John"));
	play(call, u);

	caller_stable(call, "book an oil change next to say at ten", 5000);
	u = expect_say_held(2000, &held);
	assert_true(held);
	assert_int_equal(u, 3);
	assert_string_equal(said,
	    "Oil change on Tuesday, November 24 at 10 AM "
	    "for John, shall I book it?");
	assert_int_equal(
	    count_records(call, "find_slots", "day", "2026-11-24"), 1);
	/* nothing of it is the caller's turn yet */
	assert_int_equal(
	    count_records(call, "log_turn", "text", "next to say at ten"), 0);
	assert_null(expect(FD_MSG_SAY_RELEASE, 200, NULL, 0));
	caller_final(call, "Book an oil change, next to say at ten.", 5000);
	j = expect(FD_MSG_SAY_RELEASE, 2000, &ref, 0);
	assert_non_null(j);
	json_decref(j);
	assert_int_equal(ref, u);
	/* released once, never said again, the search not made again */
	assert_null(expect(FD_MSG_SAY, 400, NULL, 0));
	assert_int_equal(
	    count_records(call, "find_slots", "day", "2026-11-24"), 1);
	wait_records(call, "text", "next to say at ten", 1);
	assert_int_equal(
	    count_records(call, "log_turn", "text", "next to say at ten"), 1);
	play(call, u);

	/* "yes please" would book: not on a hypothesis */
	caller_stable(call, "yes please", 9000);
	fd_sleep_us(400000);
	assert_int_equal(
	    count_records(call, "book_appointment", NULL, NULL), 0);
	/* whatever it prepared is not played (a held SAY at most) */
	while ((j = expect(FD_MSG_SAY, 100, &ref, 0)) != NULL) {
		assert_true(json_is_true(json_object_get(j, "hold")));
		json_decref(j);
	}
	/* the caller said something else: nothing of it, no booking */
	caller_final(call, "no make it thursday", 9000);
	u = expect_say_held(2000, &held);
	assert_false(held);
	assert_null(strstr(said, "confirmation code"));
	fd_sleep_us(300000);
	assert_int_equal(
	    count_records(call, "book_appointment", NULL, NULL), 0);
	assert_int_equal(
	    count_records(call, "log_turn", "text", "yes please"), 0);
	assert_int_equal(
	    count_records(call, "log_turn", "text", "make it thursday"), 1);
	pub(&gw, FD_MSG_CALL_END, call, 0, "{\"reason\":\"hangup\"}");
}

/* The caller goes on after the hypothesis: what was prepared is
 * cancelled at tts-worker, and the reply answers the whole turn, logged
 * once. */
static void
test_speculation_caller_goes_on(void **state)
{
	const char *call = "CAspec2";
	uint32_t u, held_u, ref;
	json_t *j;
	int held;

	(void)state;
	start_call(call, "+15555550123");
	play(call, 1);
	caller_says(call, "yes");
	u = expect_say(2000);
	play(call, u);

	caller_stable(call, "i'd like to book", 5000);
	held_u = expect_say_held(2000, &held);
	assert_true(held);
	/* the decoder hears more (a partial after the stable hypothesis):
	 * the caller went on, the held reply is cancelled */
	pub(&stt, FD_MSG_TRANSCRIPT, call, 0,
	    "{\"text\":\"i'd like to book an\",\"final\":false,"
	    "\"confidence\":0.5,\"start_ms\":5000,\"end_ms\":6400}");
	j = expect(FD_MSG_SAY_CANCEL, 1000, &ref, 0);
	assert_non_null(j);
	json_decref(j);
	assert_int_equal(ref, held_u);
	/* a pause, a new hypothesis, and the caller goes on again:
	 * SPEECH_STARTED cancels that one */
	pub(&stt, FD_MSG_TRANSCRIPT, call, 0,
	    "{\"text\":\"i'd like to book an oil change\",\"final\":false,"
	    "\"stable\":true,\"confidence\":0.9,\"start_ms\":5000,"
	    "\"end_ms\":6800}");
	held_u = expect_say_held(2000, &held);
	assert_true(held);
	pub(&stt, FD_MSG_SPEECH_STARTED, call, 0, "{\"at_ms\":6200}");
	j = expect(FD_MSG_SAY_CANCEL, 1000, &ref, 0);
	assert_non_null(j);
	json_decref(j);
	assert_int_equal(ref, held_u);
	caller_final(
	    call, "i'd like to book an oil change next to say at ten", 5000);
	u = expect_say_held(2000, &held);
	assert_false(held);
	assert_true(u > held_u);
	assert_string_equal(said,
	    "Oil change on Tuesday, November 24 at 10 AM "
	    "for John, shall I book it?");
	assert_null(expect(FD_MSG_SAY_RELEASE, 300, NULL, 0));
	wait_records(call, "text", "i'd like to book", 1);
	assert_int_equal(
	    count_records(call, "log_turn", "text", "i'd like to book"), 1);
	assert_int_equal(count_records(call, "log_turn", "text",
	                     "i'd like to book an oil change"),
	    1);
	pub(&gw, FD_MSG_CALL_END, call, 0, "{\"reason\":\"hangup\"}");
}

/* "Yes, please" cut at the comma: the "please" right after the yes is
 * part of it (in the transcript, no turn of its own); what is said after
 * the reply is a turn again. */
static void
test_trailing_please(void **state)
{
	const char *call = "CAe2eplease";
	uint32_t u;

	(void)state;
	start_call(call, "+15555550123");
	play(call, 1);
	caller_says_at(call, "yes", 4000, 4400);
	u = expect_say(2000);
	assert_non_null(strstr(said, "Hi John"));
	caller_says_at(call, "please", 5000, 5400);
	assert_null(expect(FD_MSG_SAY, 700, NULL, 0));
	play(call, u);
	wait_records(call, "text", "please", 1);
	assert_int_equal(count_records(call, "log_turn", "text", "please"), 1);
	caller_says_at(call, "what are your hours", 9000, 10000);
	expect_say(2000);
	assert_non_null(strstr(said, "open"));
	pub(&gw, FD_MSG_CALL_END, call, 0, "{\"reason\":\"hangup\"}");
}

static void
test_idle_call(void **state)
{
	const char *call = "CAe2e2";
	uint32_t u;
	json_t *j;

	(void)state;
	start_call(call, "+15555550999");
	assert_non_null(strstr(said, "How can I help"));
	play(call, 1);
	u = expect_say(3000);
	assert_string_equal(said, "Are you still there?");
	play(call, u);
	u = expect_say(3000);
	assert_non_null(strstr(said, "can't hear you"));
	play(call, u);
	u = expect_say(3000);
	assert_non_null(strstr(said, "Goodbye"));
	play(call, u);
	j = expect(FD_MSG_HANGUP, 1000, NULL, 0);
	assert_non_null(j);
	json_decref(j);
	pub(&gw, FD_MSG_CALL_END, call, 0, "{\"reason\":\"hangup\"}");
	fd_sleep_us(300000);
	assert_int_equal(
	    count_records(call, "log_call_outcome", "outcome", "abandoned"), 1);
}

/* A reminder call a machine answered: the core reads the job, the
 * message is left once the greeting ended, the call hangs up, and the
 * core reports job_result voicemail beside the call's outcome. */
static void
test_outbound_voicemail(void **state)
{
	const char *call = "CAe2eob";
	uint32_t ref = 0;
	json_t *j = NULL;
	int i;

	(void)state;
	for (i = 0; i < 20 && j == NULL; i++) {
		pub(&gw, FD_MSG_CALL_START, call, 0,
		    "{\"call_id\":\"%s\","
		    "\"stream_sid\":\"MZ2\",\"from\":\"+15555550100\",\"to\":"
		    "\"+15555550123\",\"direction\":\"outbound-api\",\"now\":"
		    "\"2026-11-21T10:00:00\",\"params\":{},\"job_id\":41,"
		    "\"attempt\":2,\"kind\":\"reminder\",\"answered_by\":"
		    "\"machine_end_beep\"}",
		    call);
		j = expect(FD_MSG_SAY, 500, &ref, 0);
	}
	assert_non_null(j);
	snprintf(said, sizeof(said), "%s",
	    json_string_value(json_object_get(j, "text")));
	json_decref(j);
	printf("  agent (utt %u): %s\n", ref, said);
	assert_non_null(strstr(said,
	    "Hi John, this is Ava from Otto's Auto "
	    "with a reminder about your oil change tomorrow at 9 AM."));
	/* the customer is the number we rang */
	assert_int_equal(
	    count_records(call, "lookup_customer", "phone", "+15555550123"), 1);
	assert_int_equal(
	    count_records(call, "call_begin", "direction", "outbound-api"), 1);
	assert_int_equal(count_records(call, "job_get", NULL, NULL), 1);
	hung_up(call, ref);
	assert_int_equal(
	    count_records(call, "job_result", "outcome", "voicemail"), 1);
	assert_int_equal(
	    count_records(call, "job_result", "call_sid", call), 1);
	assert_int_equal(count_records(call, "log_call_outcome", "outcome",
	                     "voicemail_left"),
	    1);
}

/* The agent's config at path; brain is the agent settings that differ. */
static void
write_conf(const char *path, const char *brain)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f,
	    "log: { level = \"info\"; };\nbus: { rundir = \"%s\"; };\n"
	    "business: { name = \"Otto's Auto\"; persona = \"Ava\"; timezone = "
	    "\"America/New_York\"; services = ( { name = \"oil change\"; "
	    "duration = 30; aliases = [\"oil\"]; } ); };\n"
	    "agent: { %s workers = 2; idle_prompt_ms = 1000; "
	    "idle_hangup_ms = 1000; hangup_safety_ms = 3000; "
	    "bargein_min_speech_ms = 250; };\n"
	    "recording: { disclosure = \"" DISCLOSURE "\"; };\n",
	    rundir, brain);
	fclose(f);
}

static void
start_agent(void)
{
	if ((agent_pid = fork()) == 0) {
		execl(agent_bin, "agent", "-f", agent_conf, (char *)NULL);
		_exit(127);
	}
	fd_sleep_us(1000000); /* both ways subscribed */
}

/* The agent dies (sig) once the last turn's session is saved (just after
 * its SAY), and a new one starts. */
static void
restart_agent(int sig)
{
	int st;

	fd_sleep_us(200000);
	kill(agent_pid, sig);
	waitpid(agent_pid, &st, 0);
	start_agent();
}

/* Kill the agent mid-call (sig) and start a new one: the call goes on. */
static void
restart_mid_call(int sig)
{
	const char *call = sig == SIGKILL ? "CAe2e3" : "CAe2e4";
	uint32_t u;

	start_call(call, "+15555550123");
	play(call, 1);
	caller_says(call, "yes");
	u = expect_say(2000);
	play(call, u);
	caller_says(call, "I need an oil change");
	u = expect_say(2000);
	assert_int_equal(u, 3);
	assert_non_null(strstr(said, "What day"));
	play(call, u);
	restart_agent(sig);
	/* the new agent knows nothing of the call but its session */
	caller_says(call, "next tuesday at ten");
	u = expect_say(3000);
	assert_int_equal(u, 4);
	assert_string_equal(said,
	    "Oil change on Tuesday, November 24 at 10 AM "
	    "for John, shall I book it?");
	play(call, u);
	caller_says(call, "yes");
	u = expect_say(2000);
	assert_non_null(strstr(said, "<spell>KQ7ZP</spell>"));
	assert_int_equal(count_records(call, "book_appointment", "start",
	                     "2026-11-24T10:00"),
	    1);
	pub(&gw, FD_MSG_CALL_END, call, 0, "{\"reason\":\"hangup\"}");
	fd_sleep_us(300000);
	assert_int_equal(count_records(call, "call_end", NULL, NULL), 1);
	assert_int_equal(
	    count_records(call, "log_call_outcome", "outcome", "booked"), 1);
	/* only one call_begin: the resumed call is the same call */
	assert_int_equal(count_records(call, "call_begin", NULL, NULL), 1);
}

static void
test_restart_resumes_call(void **state)
{
	(void)state;
	if (redis_pid <= 0)
		skip();
	restart_mid_call(SIGKILL); /* a crash */
	restart_mid_call(SIGTERM); /* a deploy */
}

/* ---- the LLM brain across a restart ---- */

/* A control request to openai_peer.py; its JSON answer or NULL. */
static json_t *
peer(const char *path, const char *body)
{
	return llm_peer_call(peer_port, path, body);
}

/* Start the peer; 0 if it answers on peer_port. */
static int
start_peer(void)
{
	return llm_peer_start(program_path, &peer_port, &peer_pid);
}

static void
switch_agent(const char *conf)
{
	int st;

	kill(agent_pid, SIGTERM);
	waitpid(agent_pid, &st, 0);
	agent_conf = conf;
	start_agent();
}

/* brain = "llm": the agent crashes after the model's first answer; the
 * new agent sends the model the whole conversation, not the local brain
 * a caller's words out of context. */
static void
test_llm_restart_resumes_call(void **state)
{
	const char *call = "CAe2e5";
	json_t *reqs, *msgs;
	char *all, brain[256];
	uint32_t u;

	(void)state;
	if (redis_pid <= 0 || start_peer() != 0)
		skip();
	snprintf(brain, sizeof(brain),
	    "brain = \"llm\"; llm: { base_url = "
	    "\"http://127.0.0.1:%d/v1\"; model = \"peer-model\"; "
	    "first_token_filler_ms = 0; breaker_ms = 0; retries = 1; };",
	    peer_port);
	write_conf(llm_conf_path, brain);
	switch_agent(llm_conf_path);
	json_decref(peer("/_script",
	    "{\"responses\":["
	    "{\"content\":\"Hi John, what can I do for you?\"},"
	    "{\"content\":\"Sure, which day suits you for the oil "
	    "change?\"}]}"));
	start_call(call, "+15555550123");
	assert_non_null(strstr(said, "Am I speaking with John?"));
	play(call, 1);
	/* the LLM brain does not speculate: a stable hypothesis makes no
	 * SAY and no request to the model (two in all, below) */
	caller_stable(call, "yes it is", 1000);
	assert_null(expect(FD_MSG_SAY, 400, NULL, 0));
	caller_says(call, "yes it is");
	u = expect_say(5000);
	assert_int_equal(u, 2);
	assert_string_equal(said, "Hi John, what can I do for you?");
	play(call, u);
	restart_agent(SIGKILL);
	caller_says(call, "I need an oil change");
	u = expect_say(5000);
	assert_int_equal(u, 3);
	assert_string_equal(said,
	    "Sure, which day suits you for the oil "
	    "change?");
	reqs = peer("/_requests", NULL);
	assert_non_null(reqs);
	assert_int_equal(json_array_size(json_object_get(reqs, "requests")), 2);
	msgs = json_object_get(
	    json_object_get(
	        json_array_get(json_object_get(reqs, "requests"), 1), "body"),
	    "messages");
	all = json_dumps(msgs, JSON_COMPACT);
	assert_non_null(all);
	assert_non_null(strstr(all, "Am I speaking with John?"));
	assert_non_null(strstr(all, "yes it is"));
	assert_non_null(strstr(all, "Hi John, what can I do for you?"));
	assert_non_null(strstr(all, "I need an oil change"));
	free(all);
	json_decref(reqs);
	pub(&gw, FD_MSG_CALL_END, call, 0, "{\"reason\":\"hangup\"}");
	for (int w = 0;
	     w < 100 && count_records(call, "call_end", NULL, NULL) == 0; w++)
		fd_sleep_us(50000);
	assert_int_equal(count_records(call, "call_end", NULL, NULL), 1);
	assert_int_equal(count_records(call, "call_begin", NULL, NULL), 1);
	switch_agent(conf_path);
}

static void
test_unknown_brain_exits_78(void **state)
{
	char path[160];
	FILE *f;
	pid_t p;
	int st;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.conf", rundir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
	    "bus: { rundir = \"%s/bad\"; };\nagent: { brain = "
	    "\"nope\"; };\n",
	    rundir);
	fclose(f);
	if ((p = fork()) == 0) {
		execl(agent_bin, "agent", "-f", path, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 78);
}

static int
setup(void **state)
{
	char addr[160], *slash;
	const char *a;
	static const int types[] = {FD_MSG_SAY, FD_MSG_SAY_CANCEL,
	    FD_MSG_SAY_RELEASE, FD_MSG_STT_HINT, FD_MSG_CLEAR, FD_MSG_PAUSE,
	    FD_MSG_RESUME, FD_MSG_HANGUP, FD_MSG_TRANSFER};

	(void)state;
	log_init("agent_e2e_test", LOG_LVL_WARN);
	records = json_array();
	snprintf(rundir, sizeof(rundir), "/tmp/fd-agent-XXXXXX");
	assert_non_null(mkdtemp(rundir));
	snprintf(conf_path, sizeof(conf_path), "%s/agent.conf", rundir);
	write_conf(conf_path, "brain = \"local\";");
	agent_conf = conf_path;
	/* the same with the LLM brain is written once openai_peer.py runs */
	snprintf(llm_conf_path, sizeof(llm_conf_path), "%s/llm.conf", rundir);
	setenv("TZ", "America/New_York", 1);
	tzset();

	snprintf(addr, sizeof(addr), "ipc://%s/crm-tools.rep", rundir);
	assert_non_null(crm = fd_rpc_serve(addr, 2, crm_handler, NULL));
	snprintf(addr, sizeof(addr), "ipc://%s/gateway.pub", rundir);
	assert_int_equal(fd_bus_open_addrs(&gw, addr, NULL, 0, NULL, 0), 0);
	snprintf(addr, sizeof(addr), "ipc://%s/stt-worker.pub", rundir);
	assert_int_equal(fd_bus_open_addrs(&stt, addr, NULL, 0, NULL, 0), 0);
	snprintf(addr, sizeof(addr), "ipc://%s/tts-worker.pub", rundir);
	assert_int_equal(fd_bus_open_addrs(&tts, addr, NULL, 0, NULL, 0), 0);
	snprintf(addr, sizeof(addr), "ipc://%s/agent.pub", rundir);
	a = addr;
	assert_int_equal(fd_bus_open_addrs(&out, NULL, &a, 1, types,
	                     sizeof(types) / sizeof(types[0])),
	    0);

	/* build/test/agent_e2e_test -> build/bin/agent */
	if ((a = getenv("AGENT_BIN")) != NULL) {
		snprintf(agent_bin, sizeof(agent_bin), "%s", a);
	} else {
		snprintf(agent_bin, sizeof(agent_bin), "%s", program_path);
		if ((slash = strstr(agent_bin, "/test/")) != NULL)
			snprintf(slash,
			    sizeof(agent_bin) - (size_t)(slash - agent_bin),
			    "/bin/agent");
	}
	/* a private Redis for the sessions, when there is one */
	if (access("/usr/bin/redis-server", X_OK) == 0 &&
	    (redis_pid = fork()) == 0) {
		char sock[128];

		snprintf(sock, sizeof(sock), "%s/redis.sock", rundir);
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execl("/usr/bin/redis-server", "redis-server", "--port", "0",
		    "--unixsocket", sock, "--save", "", "--appendonly", "no",
		    "--dir", rundir, "--loglevel", "warning", (char *)NULL);
		_exit(127);
	}
	fd_sleep_us(200000);
	start_agent();
	return 0;
}

static int
teardown(void **state)
{
	int st;
	char cmd[128];

	(void)state;
	kill(agent_pid, SIGTERM);
	waitpid(agent_pid, &st, 0);
	if (peer_pid > 0) {
		llm_peer_stop(peer_pid);
	}
	if (redis_pid > 0) {
		int rst;

		kill(redis_pid, SIGTERM);
		waitpid(redis_pid, &rst, 0);
	}
	fd_bus_close(&gw);
	fd_bus_close(&stt);
	fd_bus_close(&tts);
	fd_bus_close(&out);
	fd_rpc_server_stop(crm);
	json_decref(records);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", rundir);
	if (system(cmd) != 0)
		return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_booking_call),
	    cmocka_unit_test(test_trailing_please),
	    cmocka_unit_test(test_speculation),
	    cmocka_unit_test(test_speculation_caller_goes_on),
	    cmocka_unit_test(test_idle_call),
	    cmocka_unit_test(test_outbound_voicemail),
	    cmocka_unit_test(test_restart_resumes_call),
	    cmocka_unit_test(test_llm_restart_resumes_call),
	    cmocka_unit_test(test_unknown_brain_exits_78),
	};

	(void)argc;
	program_path = argv[0];
	return cmocka_run_group_tests(tests, setup, teardown);
}
