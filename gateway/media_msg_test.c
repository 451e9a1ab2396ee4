/*
 * media_msg_test.c - parsing Twilio Media Streams messages: every event
 * type when well formed, and each way a message can be wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "media_msg.h"
#include "twilio.h"

static struct media_msg m;
static char err[256];

static int
parse(const char *s)
{
	return media_msg_parse(s, strlen(s), &m, err, sizeof(err));
}

static void
test_valid(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"event\":\"connected\",\"protocol\":\"Call\","
	                       "\"version\":\"1.0.0\"}"),
	    0);
	assert_int_equal(m.event, MEDIA_CONNECTED);

	assert_int_equal(
	    parse("{\"event\":\"start\",\"sequenceNumber\":\"1\","
	          "\"streamSid\":\"MZ1\",\"start\":{\"accountSid\":\"AC1\","
	          "\"streamSid\":\"MZ1\",\"callSid\":\"CA0123456789abcdef\","
	          "\"tracks\":[\"inbound\"],\"customParameters\":{\"From\":"
	          "\"+15551234567\",\"To\":\"+15555550100\",\"now\":"
	          "\"2026-11-23T09:00\",\"n\":5},\"mediaFormat\":{\"encoding\":"
	          "\"audio/x-mulaw\",\"sampleRate\":8000,\"channels\":1}}}"),
	    0);
	assert_int_equal(m.event, MEDIA_START);
	assert_string_equal(m.call_sid, "CA0123456789abcdef");
	assert_string_equal(m.stream_sid, "MZ1");
	assert_string_equal(
	    json_string_value(json_object_get(m.params, "From")),
	    "+15551234567");
	assert_string_equal(json_string_value(json_object_get(m.params, "now")),
	    "2026-11-23T09:00");
	assert_null(json_object_get(m.params, "n")); /* not a string */
	media_msg_clear(&m);

	/* start without top-level streamSid, no customParameters */
	assert_int_equal(parse("{\"event\":\"start\",\"start\":{\"callSid\":"
	                       "\"CA1\",\"streamSid\":\"MZ2\"}}"),
	    0);
	assert_string_equal(m.stream_sid, "MZ2");
	assert_int_equal(json_object_size(m.params), 0);
	media_msg_clear(&m);

	/* 3 bytes 0xff 0x7f 0x00 */
	assert_int_equal(parse("{\"event\":\"media\",\"streamSid\":\"MZ1\","
	                       "\"media\":{\"track\":\"inbound\",\"chunk\":"
	                       "\"2\",\"timestamp\":"
	                       "\"5\",\"payload\":\"/38A\"}}"),
	    0);
	assert_int_equal(m.event, MEDIA_MEDIA);
	assert_true(m.inbound);
	assert_int_equal(m.audio_len, 3);
	assert_int_equal(m.audio[0], 0xff);
	assert_int_equal(m.audio[1], 0x7f);
	assert_int_equal(m.audio[2], 0x00);

	assert_int_equal(
	    parse("{\"event\":\"media\",\"streamSid\":\"MZ1\","
	          "\"media\":{\"track\":\"outbound\",\"payload\":\"/38A\"}}"),
	    0);
	assert_false(m.inbound);

	assert_int_equal(
	    parse("{\"event\":\"dtmf\",\"streamSid\":\"MZ1\","
	          "\"dtmf\":{\"track\":\"inbound_track\",\"digit\":\"#\"}}"),
	    0);
	assert_int_equal(m.event, MEDIA_DTMF);
	assert_string_equal(m.digit, "#");

	assert_int_equal(parse("{\"event\":\"mark\",\"streamSid\":\"MZ1\","
	                       "\"mark\":{\"name\":\"u3s1\"}}"),
	    0);
	assert_int_equal(m.event, MEDIA_MARK);
	assert_string_equal(m.name, "u3s1");

	assert_int_equal(
	    parse("{\"event\":\"stop\",\"streamSid\":\"MZ1\","
	          "\"stop\":{\"accountSid\":\"AC1\",\"callSid\":\"CA1\"}}"),
	    0);
	assert_int_equal(m.event, MEDIA_STOP);
}

static void
test_full_frame(void **state)
{
	char msg[512];

	(void)state;
	/* a real 20 ms frame: 160 bytes = 216 base64 characters */
	memset(msg, 0, sizeof(msg));
	strcpy(msg,
	    "{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	    "{\"payload\":\"");
	for (int i = 0; i < 216; i++)
		strcat(msg, "/");
	strcat(msg, "\"}}");
	assert_int_equal(parse(msg), 0);
	assert_int_equal(m.audio_len, 162); /* 216 chars, no padding */
}

static void
expect_bad(const char *s, const char *why)
{
	int rv = media_msg_parse(s, strlen(s), &m, err, sizeof(err));

	if (rv != -1)
		fail_msg("accepted: %s", s);
	if (strstr(err, why) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", s, err, why);
	assert_null(m.params);
}

static void
test_malformed(void **state)
{
	char *big;

	(void)state;
	expect_bad("", "bad JSON");
	expect_bad("{", "bad JSON");
	expect_bad("not json", "bad JSON");
	expect_bad("[1,2]", "not a JSON object");
	expect_bad("\"str\"", "bad JSON");
	expect_bad("{}", "no event");
	expect_bad("{\"event\":5}", "no event");
	expect_bad(
	    "{\"event\":\"bogus\",\"streamSid\":\"MZ1\"}", "unknown event");
	expect_bad("{\"event\":\"media\",\"event\":\"stop\"}", "bad JSON");
	/* streamSid */
	expect_bad("{\"event\":\"media\",\"media\":{\"payload\":\"/38A\"}}",
	    "missing streamSid");
	expect_bad("{\"event\":\"media\",\"streamSid\":7,\"media\":"
	           "{\"payload\":\"/38A\"}}",
	    "bad streamSid");
	expect_bad("{\"event\":\"media\",\"streamSid\":\"MZ\\\"x\",\"media\":"
	           "{\"payload\":\"/38A\"}}",
	    "bad streamSid");
	expect_bad("{\"event\":\"stop\",\"streamSid\":\"\"}", "bad streamSid");
	/* start */
	expect_bad(
	    "{\"event\":\"start\",\"streamSid\":\"MZ1\"}", "no start object");
	expect_bad("{\"event\":\"start\",\"streamSid\":\"MZ1\",\"start\":[]}",
	    "no start object");
	expect_bad("{\"event\":\"start\",\"streamSid\":\"MZ1\",\"start\":{}}",
	    "callSid");
	expect_bad("{\"event\":\"start\",\"streamSid\":\"MZ1\",\"start\":"
	           "{\"callSid\":\"CA../../etc\"}}",
	    "callSid");
	expect_bad(
	    "{\"event\":\"start\",\"streamSid\":\"MZ1\",\"start\":"
	    "{\"callSid\":\"CA0123456789012345678901234567890123456789\"}}",
	    "callSid");
	expect_bad("{\"event\":\"start\",\"start\":{\"callSid\":\"CA1\"}}",
	    "streamSid");
	expect_bad("{\"event\":\"start\",\"streamSid\":\"MZ1\",\"start\":"
	           "{\"callSid\":\"CA1\",\"customParameters\":\"x\"}}",
	    "customParameters");
	expect_bad("{\"event\":\"start\",\"streamSid\":\"MZ1\",\"start\":"
	           "{\"callSid\":\"CA1\",\"mediaFormat\":{\"encoding\":\"audio/"
	           "l16\"}}}",
	    "mediaFormat");
	expect_bad(
	    "{\"event\":\"start\",\"streamSid\":\"MZ1\",\"start\":"
	    "{\"callSid\":\"CA1\",\"mediaFormat\":{\"sampleRate\":16000}}}",
	    "mediaFormat");
	/* media */
	expect_bad(
	    "{\"event\":\"media\",\"streamSid\":\"MZ1\"}", "no media object");
	expect_bad("{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":{}}",
	    "missing payload");
	expect_bad("{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	           "{\"payload\":42}}",
	    "missing payload");
	expect_bad("{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	           "{\"payload\":\"\"}}",
	    "payload of 0");
	expect_bad("{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	           "{\"payload\":\"/38\"}}",
	    "base64");
	expect_bad("{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	           "{\"payload\":\"/3*A\"}}",
	    "base64");
	expect_bad("{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	           "{\"payload\":\"/38A\",\"track\":1}}",
	    "track");
	/* dtmf */
	expect_bad("{\"event\":\"dtmf\",\"streamSid\":\"MZ1\"}", "digit");
	expect_bad("{\"event\":\"dtmf\",\"streamSid\":\"MZ1\",\"dtmf\":"
	           "{\"digit\":\"12\"}}",
	    "digit");
	expect_bad("{\"event\":\"dtmf\",\"streamSid\":\"MZ1\",\"dtmf\":"
	           "{\"digit\":\"x\"}}",
	    "digit");
	/* mark */
	expect_bad("{\"event\":\"mark\",\"streamSid\":\"MZ1\"}", "name");
	expect_bad("{\"event\":\"mark\",\"streamSid\":\"MZ1\",\"mark\":"
	           "{\"name\":\"\"}}",
	    "name");
	expect_bad("{\"event\":\"mark\",\"streamSid\":\"MZ1\",\"mark\":"
	           "{\"name\":[1]}}",
	    "name");

	/* oversized: refused before parsing */
	big = malloc(MEDIA_MAX_MSG + 2);
	assert_non_null(big);
	memset(big, ' ', MEDIA_MAX_MSG + 1);
	big[MEDIA_MAX_MSG + 1] = '\0';
	expect_bad(big, "too large");
	free(big);
	/* media payload larger than we accept */
	big = malloc(8000);
	assert_non_null(big);
	strcpy(big,
	    "{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	    "{\"payload\":\"");
	for (int i = 0; i < 6000; i++)
		strcat(big, "A");
	strcat(big, "\"}}");
	expect_bad(big, "payload of 6000");
	free(big);
	/* embedded NUL: the declared length covers bytes after it */
	assert_int_equal(media_msg_parse("{\"event\":\"stop\"}\0garbage", 24,
	                     &m, err, sizeof(err)),
	    -1);
}

/* Media messages the scanner takes and ones it hands to jansson must
 * come out the same; errors must still be errors. */
static void
test_fast_path_agrees(void **state)
{
	static const struct {
		const char *msg;
		int ok, inbound;
		size_t len;
	} cases[] = {
	    /* Twilio's shape, with whitespace: fast path */
	    {"{ \"event\" : \"media\", \"sequenceNumber\": \"3\", \"media\": "
	     "{\"track\": \"inbound\", \"chunk\": \"1\", \"timestamp\": "
	     "\"5\", \"payload\": \"/38A\"}, \"streamSid\": \"MZ1\" }\n",
	        0, 1, 3},
	    /* no track: inbound */
	    {"{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	     "{\"payload\":\"/38A\"}}",
	        0, 1, 3},
	    {"{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	     "{\"track\":\"outbound\",\"payload\":\"/38A\"}}",
	        0, 0, 3},
	    /* an escape, an unknown key, a number: jansson's job, still ok */
	    {"{\"event\":\"media\",\"streamSid\":\"MZ\\u0031\",\"media\":"
	     "{\"payload\":\"/38A\"}}",
	        0, 1, 3},
	    {"{\"event\":\"media\",\"extra\":\"x\",\"streamSid\":\"MZ1\","
	     "\"media\":{\"payload\":\"/38A\"}}",
	        0, 1, 3},
	    {"{\"event\":\"media\",\"sequenceNumber\":3,\"streamSid\":"
	     "\"MZ1\",\"media\":{\"payload\":\"/38A\"}}",
	        0, 1, 3},
	    /* errors either way */
	    {"{\"event\":\"media\",\"streamSid\":\"MZ1\",\"streamSid\":"
	     "\"MZ1\",\"media\":{\"payload\":\"/38A\"}}",
	        -1, 0, 0},
	    {"{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	     "{\"payload\":\"/38A\",\"payload\":\"/38A\"}}",
	        -1, 0, 0},
	    {"{\"event\":\"media\",\"streamSid\":\"MZ 1\",\"media\":"
	     "{\"payload\":\"/38A\"}}",
	        -1, 0, 0},
	    {"{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	     "{\"payload\":\"/38\"}}",
	        -1, 0, 0},
	    {"{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	     "{\"payload\":\"/3=A\"}}",
	        -1, 0, 0},
	    {"{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	     "{\"payload\":\"/38*\"}}",
	        -1, 0, 0},
	    {"{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	     "{\"payload\":\"/3\\\"A\"}}",
	        -1, 0, 0},
	    /* an escaped slash is still base64 once unescaped */
	    {"{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	     "{\"payload\":\"\\/38A\"}}",
	        0, 1, 3},
	    {"{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	     "{\"payload\":\"/38A\"}} x",
	        -1, 0, 0},
	    {"{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":"
	     "{\"payload\":\"/38A\"}",
	        -1, 0, 0},
	    {"{\"event\":\"media\",\"streamSid\":\"MZ1\"}", -1, 0, 0},
	    {"{\"event\":\"media\",\"media\":{\"payload\":\"/38A\"}}", -1, 0,
	        0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rv = parse(cases[i].msg);
		if (rv != cases[i].ok)
			fail_msg("case %zu: rv %d (%s)", i, rv, err);
		if (rv != 0)
			continue;
		assert_int_equal(m.event, MEDIA_MEDIA);
		assert_string_equal(m.stream_sid, "MZ1");
		assert_int_equal(m.inbound, cases[i].inbound);
		assert_int_equal(m.audio_len, cases[i].len);
		assert_int_equal(m.audio[0], 0xff);
		assert_int_equal(m.audio[2], 0x00);
		media_msg_clear(&m);
	}
}

/* The scanner's base64 against common/twilio.c's on every length 0..200
 * and both paddings. */
static void
test_fast_b64(void **state)
{
	uint8_t raw[200], want[200];
	char b64[300], msg[512];
	size_t n, i;
	long k;

	(void)state;
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 37 + 11);
	for (n = 1; n <= sizeof(raw); n++) {
		fd_b64_encode(raw, n, b64);
		k = fd_b64_decode(b64, strlen(b64), want, sizeof(want));
		assert_int_equal(k, (long)n);
		snprintf(msg, sizeof(msg),
		    "{\"event\":\"media\",\"streamSid\":"
		    "\"MZ1\",\"media\":{\"payload\":\"%s\"}}",
		    b64);
		assert_int_equal(parse(msg), 0);
		assert_int_equal(m.audio_len, n);
		assert_memory_equal(m.audio, want, n);
		media_msg_clear(&m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_full_frame),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_fast_path_agrees),
	    cmocka_unit_test(test_fast_b64),
	};
	return cmocka_run_group_tests_name("gateway_media", tests, NULL, NULL);
}
