/*
 * payload_test.c - every JSON message type read from a good payload, from
 * one with each field missing and with each field of the wrong JSON type,
 * and written back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "payload.h"
#include "tests/harness/unit.h"

/* One good payload per JSON message type, every field present. */
static const struct {
	int type;
	const char *json;
} good[] = {
    {FD_MSG_CALL_START,
        "{\"call_id\":\"CA1\",\"stream_sid\":\"MZ1\","
        "\"from\":\"+15551230001\",\"to\":\"+15555550100\",\"direction\":"
        "\"inbound\",\"now\":\"2026-11-20T09:00:00\",\"params\":{\"a\":\"b\"},"
        "\"gateway\":\"gw1:8080\",\"gateway_boot\":\"b1\",\"job_id\":4,"
        "\"attempt\":1,\"kind\":\"reminder\",\"answered_by\":\"human\"}"},
    {FD_MSG_CALL_END, "{\"reason\":\"hangup\"}"},
    {FD_MSG_CALL_ASSIGN,
        "{\"stt\":\"s1\",\"agent\":\"a1\",\"tts\":\"t1\",\"moved\":true}"},
    {FD_MSG_DTMF, "{\"digit\":\"5\"}"},
    {FD_MSG_MARK, "{\"name\":\"u1s0\",\"played\":true}"},
    {FD_MSG_SPEECH_STARTED, "{\"at_ms\":1000}"},
    {FD_MSG_SPEECH_STOPPED, "{\"at_ms\":1500,\"dur_ms\":500}"},
    {FD_MSG_TRANSCRIPT,
        "{\"text\":\"yes please\",\"final\":true,"
        "\"confidence\":0.5,\"start_ms\":100,\"end_ms\":900,"
        "\"speech_end_us\":123456789,\"nbest\":[{\"text\":\"yes please\","
        "\"confidence\":0.5},{\"text\":\"yes peas\",\"confidence\":0.25}],"
        "\"words\":[{\"word\":\"yes\",\"confidence\":0.75},{\"word\":"
        "\"please\",\"confidence\":0.5}],\"stable\":false}"},
    {FD_MSG_STT_HINT, "{\"expect\":\"yesno\",\"words\":[\"yes\",\"no\"]}"},
    {FD_MSG_SAY,
        "{\"text\":\"Hello.\",\"last\":true,\"voice\":\"slt\","
        "\"hold\":true}"},
    {FD_MSG_AUDIO_MARK,
        "{\"name\":\"u1s0\",\"seg\":0,\"text\":\"Hello.\","
        "\"last\":false}"},
    {FD_MSG_TTS_ERROR, "{\"error\":\"engine down\"}"},
    {FD_MSG_HANGUP, "{\"reason\":\"done\"}"},
    {FD_MSG_TRANSFER, "{\"to\":\"+15555550199\",\"reason\":\"asked\"}"},
    {FD_MSG_OUTBOUND_CALL,
        "{\"to\":\"+15551230001\",\"from\":"
        "\"+15555550100\",\"purpose\":\"reminder\",\"appointment_id\":7,"
        "\"job_id\":12,\"attempt\":2,\"idempotency_key\":\"job-12-2\","
        "\"kind\":\"reminder\"}"},
    {FD_MSG_OUTBOUND_SMS,
        "{\"to\":\"+15551230001\",\"from\":"
        "\"+15555550100\",\"text\":\"Booked.\",\"job_id\":13,\"attempt\":1,"
        "\"idempotency_key\":\"job-13-1\"}"},
    {FD_MSG_OUTBOUND_RESULT,
        "{\"to\":\"+15551230001\",\"call_id\":\"CA2\","
        "\"status\":\"queued\",\"error\":\"x\",\"purpose\":\"reminder\","
        "\"appointment_id\":7,\"job_id\":12,\"attempt\":2,"
        "\"idempotency_key\":\"job-12-2\"}"},
    {FD_MSG_TOOL_REQ,
        "{\"tool\":\"lookup_customer\",\"args\":{\"phone\":"
        "\"+15551230001\"},\"now\":\"2026-11-20T09:00:00\",\"caller\":"
        "\"+15551230001\"}"},
    {FD_MSG_TOOL_REP,
        "{\"ok\":false,\"result\":null,\"code\":\"bad_args\","
        "\"error\":\"phone missing\"}"},
    {FD_MSG_HEARTBEAT,
        "{\"instance\":\"00ff00ff00ff00ff\",\"hears\":true,"
        "\"subs\":3}"},
};

/* A struct big enough for any payload struct, suitably aligned. */
union any_pl {
	struct fd_pl_call_start a;
	struct fd_pl_transcript b;
	struct fd_pl_outbound_result c;
	struct fd_pl_tool_req d;
	struct fd_pl_tool_rep e;
	char pad[256];
};

static json_t *
load(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	assert_non_null(j);
	return j;
}

static void
test_every_type_has_a_sample(void **state)
{
	size_t i, n = 0;
	int t;

	(void)state;
	for (t = 1; t < FD_MSG_TYPE_MAX; t++) {
		if (!fd_pl_known(t))
			continue;
		n++;
		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
			if (good[i].type == t)
				break;
		assert_true(i < sizeof(good) / sizeof(good[0]));
	}
	assert_int_equal(n, sizeof(good) / sizeof(good[0]));
	/* audio and ref-only messages carry no JSON */
	assert_false(fd_pl_known(FD_MSG_AUDIO_IN));
	assert_false(fd_pl_known(FD_MSG_CLEAR));
	assert_false(fd_pl_known(FD_MSG_SAY_RELEASE));
	assert_string_equal(fd_msg_name(FD_MSG_SAY_RELEASE), "say_release");
	assert_false(fd_pl_known(FD_MSG_NONE));
	assert_false(fd_pl_known(FD_MSG_TYPE_MAX));
}

/* Read, write back: the same object. */
static void
test_roundtrip(void **state)
{
	union any_pl m;
	char err[128];
	json_t *j, *back;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		j = load(good[i].json);
		assert_int_equal(
		    fd_pl_read(good[i].type, j, &m, err, sizeof(err)), 0);
		back = fd_pl_json(good[i].type, &m, err, sizeof(err));
		assert_non_null(back);
		/* a null result is written as absent */
		if (good[i].type == FD_MSG_TOOL_REP)
			json_object_set_new(back, "result", json_null());
		if (!json_equal(j, back)) {
			char *a = json_dumps(j, JSON_SORT_KEYS);
			char *b = json_dumps(back, JSON_SORT_KEYS);

			print_error(
			    "%s: %s != %s\n", fd_msg_name(good[i].type), a, b);
			free(a);
			free(b);
			fail();
		}
		json_decref(back);
		json_decref(j);
	}
}

/* Each field of each type left out: required ones name themselves. */
static void
test_missing_fields(void **state)
{
	union any_pl m;
	char err[128], want[128];
	const char *key;
	json_t *j, *v;
	size_t i;
	int rc, required;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		json_t *keys = load(good[i].json);

		json_object_foreach(keys, key, v)
		{
			j = load(good[i].json);
			json_object_del(j, key);
			err[0] = '\0';
			rc = fd_pl_read(good[i].type, j, &m, err, sizeof(err));
			snprintf(want, sizeof(want), "%s: %s missing",
			    fd_msg_name(good[i].type), key);
			required = rc != 0;
			if (required)
				assert_string_equal(err, want);
			json_decref(j);
		}
		json_decref(keys);
	}
	/* the fields every consumer relies on are required */
	j = load("{\"final\":true}");
	assert_int_equal(
	    fd_pl_read(FD_MSG_TRANSCRIPT, j, &m, err, sizeof(err)), -1);
	assert_string_equal(err, "transcript: text missing");
	json_decref(j);
	j = load("{}");
	assert_int_equal(fd_pl_read(FD_MSG_DTMF, j, &m, err, sizeof(err)), -1);
	assert_string_equal(err, "dtmf: digit missing");
	assert_int_equal(
	    fd_pl_read(FD_MSG_TOOL_REQ, j, &m, err, sizeof(err)), -1);
	assert_string_equal(err, "tool_req: tool missing");
	json_decref(j);
}

/* Optional fields left out read as their defaults. */
static void
test_optional_defaults(void **state)
{
	struct fd_pl_say say;
	struct fd_pl_call_start cs;
	char err[128];
	json_t *j;

	(void)state;
	j = load("{\"text\":\"Hi.\"}");
	assert_int_equal(fd_pl_read_say(j, &say, err, sizeof(err)), 0);
	assert_string_equal(say.text, "Hi.");
	assert_int_equal(say.last, 0);
	assert_string_equal(say.voice, "");
	assert_int_equal(say.hold, 0);
	json_decref(j);
	j = load("{\"call_id\":\"CA1\",\"stream_sid\":\"MZ1\",\"from\":\"\","
	         "\"to\":\"\",\"direction\":\"inbound\",\"now\":null}");
	assert_int_equal(fd_pl_read_call_start(j, &cs, err, sizeof(err)), 0);
	assert_string_equal(cs.now, "");
	assert_null(cs.params);
	json_decref(j);
}

/* A stable interim (the speculative final) and a held SAY read as such;
 * a transcript without the flag is not stable. */
static void
test_speculative_flags(void **state)
{
	struct fd_pl_transcript t;
	struct fd_pl_say say;
	char err[128];
	json_t *j;

	(void)state;
	j = load("{\"text\":\"tuesday at ten\",\"final\":false,"
	         "\"confidence\":0.8,\"start_ms\":100,\"stable\":true}");
	assert_int_equal(fd_pl_read_transcript(j, &t, err, sizeof(err)), 0);
	assert_int_equal(t.stable, 1);
	assert_int_equal(t.final, 0);
	assert_string_equal(t.text, "tuesday at ten");
	json_decref(j);
	j = load("{\"text\":\"x\",\"final\":true,\"confidence\":0.8}");
	assert_int_equal(fd_pl_read_transcript(j, &t, err, sizeof(err)), 0);
	assert_int_equal(t.stable, 0);
	json_decref(j);
	j = load("{\"text\":\"x\",\"final\":false,\"confidence\":0.8,"
	         "\"stable\":\"yes\"}");
	assert_int_equal(fd_pl_read_transcript(j, &t, err, sizeof(err)), -1);
	assert_string_equal(err, "transcript: stable must be true or false");
	json_decref(j);
	j = load("{\"text\":\"Sure.\",\"last\":true,\"hold\":true}");
	assert_int_equal(fd_pl_read_say(j, &say, err, sizeof(err)), 0);
	assert_int_equal(say.hold, 1);
	json_decref(j);
}

/* Each field of each type given a value of the wrong JSON type. */
static void
test_mistyped_fields(void **state)
{
	static const char *const wrong[] = {"\"x\"", "7", "true", "{}", "[]"};
	union any_pl m;
	char err[128], want[160];
	const char *key;
	json_t *j, *v, *keys;
	size_t i, w, refused, tried;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		keys = load(good[i].json);
		json_object_foreach(keys, key, v)
		{
			refused = tried = 0;
			for (w = 0; w < sizeof(wrong) / sizeof(wrong[0]); w++) {
				json_t *bad =
				    json_loads(wrong[w], JSON_DECODE_ANY, NULL);

				if (json_is_null(v) ||
				    (json_typeof(bad) == json_typeof(v)) ||
				    (json_is_boolean(bad) &&
				        json_is_boolean(v)) ||
				    (json_is_number(v) &&
				        json_is_integer(bad))) {
					json_decref(bad);
					continue;
				}
				tried++;
				j = load(good[i].json);
				json_object_set_new(j, key, bad);
				err[0] = '\0';
				if (fd_pl_read(good[i].type, j, &m, err,
				        sizeof(err)) != 0) {
					snprintf(want, sizeof(want),
					    "%s: %s must"
					    " be",
					    fd_msg_name(good[i].type), key);
					assert_memory_equal(
					    err, want, strlen(want));
					refused++;
				}
				json_decref(j);
			}
			/* every typed field refuses every other type */
			assert_int_equal(refused, tried);
		}
		json_decref(keys);
	}
	j = load("{\"text\":7,\"final\":true}");
	assert_int_equal(
	    fd_pl_read(FD_MSG_TRANSCRIPT, j, &m, err, sizeof(err)), -1);
	assert_string_equal(err, "transcript: text must be a string");
	json_decref(j);
	/* not an object at all */
	j = json_loads("[1]", 0, NULL);
	assert_int_equal(fd_pl_read(FD_MSG_DTMF, j, &m, err, sizeof(err)), -1);
	assert_string_equal(err, "dtmf: payload is not a JSON object");
	json_decref(j);
}

/* The n-best list and the word confidences: each member checked, on
 * read and on write. */
static void
test_transcript_members(void **state)
{
	static const struct {
		const char *extra;
		const char *err;
	} bad[] = {
	    {"\"nbest\":[7]", "transcript: nbest[0] must be an object"},
	    {"\"nbest\":[{\"confidence\":0.5}]",
	        "transcript: nbest[0].text must be a string"},
	    {"\"nbest\":[{\"text\":\"a\",\"confidence\":0.5},{\"text\":"
	     "7,\"confidence\":0.5}]",
	        "transcript: nbest[1].text must be a string"},
	    {"\"nbest\":[{\"text\":\"a\"}]",
	        "transcript: nbest[0].confidence must be a number from 0 to 1"},
	    {"\"nbest\":[{\"text\":\"a\",\"confidence\":\"high\"}]",
	        "transcript: nbest[0].confidence must be a number from 0 to 1"},
	    {"\"words\":[{\"word\":\"a\",\"confidence\":1.5}]",
	        "transcript: words[0].confidence must be a number from 0 to 1"},
	    {"\"words\":[{\"text\":\"a\",\"confidence\":0.5}]",
	        "transcript: words[0].word must be a string"},
	    {"\"nbest\":[{\"text\":\"a\",\"confidence\":0.5},{\"text\":"
	     "\"b\",\"confidence\":0.5},{\"text\":\"c\",\"confidence\":"
	     "0.5},{\"text\":\"d\",\"confidence\":0.5}]",
	        "transcript: nbest has more than 3 members"},
	};
	struct fd_pl_transcript t;
	char buf[512], err[128];
	json_t *j;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf),
		    "{\"text\":\"a\",\"final\":true,"
		    "\"confidence\":0.5,%s}",
		    bad[i].extra);
		j = load(buf);
		err[0] = '\0';
		assert_int_equal(
		    fd_pl_read_transcript(j, &t, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].err);
		json_decref(j);
	}
	/* absent: NULL; a writer cannot send a bad member either */
	j = load("{\"text\":\"a\",\"final\":true,\"confidence\":0.5}");
	assert_int_equal(fd_pl_read_transcript(j, &t, err, sizeof(err)), 0);
	assert_null(t.nbest);
	assert_null(t.words);
	json_decref(j);
	memset(&t, 0, sizeof(t));
	t.text = "a";
	t.words = load("[{\"word\":\"a\",\"confidence\":-1}]");
	assert_null(fd_pl_json_transcript(&t, err, sizeof(err)));
	assert_string_equal(err,
	    "transcript: words[0].confidence must be a "
	    "number from 0 to 1");
	json_decref(t.words);
}

/* A frame's payload read in one call; bad JSON and wrong types fail. */
static void
test_frame(void **state)
{
	struct fd_frame f;
	struct fd_pl_dtmf d;
	struct fd_pl_mark mk;
	char err[128];
	json_t *j;
	const char *pl = "{\"digit\":\"7\"}";

	(void)state;
	memset(&f, 0, sizeof(f));
	f.type = FD_MSG_DTMF;
	f.payload = (const uint8_t *)pl;
	f.payload_len = (uint32_t)strlen(pl);
	j = fd_pl_frame_dtmf(&f, &d, err, sizeof(err));
	assert_non_null(j);
	assert_string_equal(d.digit, "7");
	json_decref(j);
	/* the typed reader refuses a frame of another type */
	assert_null(fd_pl_frame_mark(&f, &mk, err, sizeof(err)));
	f.payload = (const uint8_t *)"{\"digit\":";
	f.payload_len = 9;
	assert_null(fd_pl_frame_dtmf(&f, &d, err, sizeof(err)));
	assert_memory_equal(err, "dtmf: bad JSON", 14);
	f.payload = NULL;
	f.payload_len = 0;
	assert_null(fd_pl_frame_dtmf(&f, &d, err, sizeof(err)));
	assert_string_equal(err, "dtmf: empty payload");
	f.type = FD_MSG_AUDIO_IN;
	assert_null(fd_pl_frame(&f, &d, err, sizeof(err)));
}

/* Writing refuses a struct without a required string. */
static void
test_write_required(void **state)
{
	struct fd_pl_transfer t = {.to = NULL, .reason = "x"};
	struct fd_pl_hangup h = {.reason = NULL};
	char err[128];
	json_t *j;

	(void)state;
	assert_null(fd_pl_json_transfer(&t, err, sizeof(err)));
	assert_string_equal(err, "transfer: to missing");
	j = fd_pl_json_hangup(&h, err, sizeof(err));
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 0);
	json_decref(j);
}

UNIT_MAIN(NULL, NULL, cmocka_unit_test(test_every_type_has_a_sample),
    cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_missing_fields),
    cmocka_unit_test(test_optional_defaults),
    cmocka_unit_test(test_speculative_flags),
    cmocka_unit_test(test_mistyped_fields),
    cmocka_unit_test(test_transcript_members), cmocka_unit_test(test_frame),
    cmocka_unit_test(test_write_required), )
