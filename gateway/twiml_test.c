/*
 * twiml_test.c - the TwiML the voice webhook answers with: stream URL
 * derivation, <Parameter>s, XML escaping, <Dial>.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sbuf.h"
#include "twiml.h"

static void
test_stream_url(void **state)
{
	char u[128];

	(void)state;
	assert_int_equal(
	    twiml_stream_url("https://fd.example.com", u, sizeof(u)), 0);
	assert_string_equal(u, "wss://fd.example.com/twilio/media");
	assert_int_equal(
	    twiml_stream_url("https://fd.example.com:8443/x//", u, sizeof(u)),
	    0);
	assert_string_equal(u, "wss://fd.example.com:8443/x/twilio/media");
	assert_int_equal(
	    twiml_stream_url("http://127.0.0.1:8080", u, sizeof(u)), 0);
	assert_string_equal(u, "ws://127.0.0.1:8080/twilio/media");
	assert_int_equal(twiml_stream_url("ftp://x", u, sizeof(u)), -1);
	assert_int_equal(twiml_stream_url("https://", u, sizeof(u)), -1);
	assert_int_equal(twiml_stream_url("https://a.example.com", u, 10), -1);
}

static void
test_connect_stream(void **state)
{
	struct twiml_param p[] = {
	    {"From", "+15551234567"},
	    {"To", "+15555550100"},
	    {"Direction", "inbound"},
	    {"skipped", NULL},
	    {"now", "2026-11-23T09:00"},
	};
	char *x;

	(void)state;
	x = twiml_connect_stream("wss://h/twilio/media", p, 5);
	assert_non_null(x);
	assert_string_equal(x,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<Response><Connect><Stream url=\"wss://h/twilio/media\">"
	    "<Parameter name=\"From\" value=\"+15551234567\"/>"
	    "<Parameter name=\"To\" value=\"+15555550100\"/>"
	    "<Parameter name=\"Direction\" value=\"inbound\"/>"
	    "<Parameter name=\"now\" value=\"2026-11-23T09:00\"/>"
	    "</Stream></Connect></Response>");
	free(x);
	x = twiml_connect_stream("wss://h/m", NULL, 0);
	assert_non_null(x);
	assert_non_null(strstr(x, "<Stream url=\"wss://h/m\"></Stream>"));
	free(x);
}

static void
test_escaping(void **state)
{
	struct twiml_param p[] = {
	    {"From", "\"><Hangup/><x a='1' & b"},
	    {"To", "ctl\x01\x1f\ttab\nnl"},
	};
	struct sbuf b;
	char *x;

	(void)state;
	x = twiml_connect_stream("wss://h/m?a=1&b=2", p, 2);
	assert_non_null(x);
	assert_non_null(strstr(x, "url=\"wss://h/m?a=1&amp;b=2\""));
	assert_non_null(strstr(x,
	    "value=\"&quot;&gt;&lt;Hangup/&gt;&lt;x "
	    "a=&apos;1&apos; &amp; b\""));
	assert_null(strstr(x, "<Hangup/>"));
	/* control characters XML 1.0 forbids are dropped, tab/LF kept */
	assert_non_null(strstr(x, "value=\"ctl\ttab\nnl\""));
	free(x);

	x = twiml_dial("+1 (555) <0111> & co", 0, NULL, NULL);
	assert_string_equal(x,
	    "<Response><Dial><Number>+1 (555) &lt;0111&gt; "
	    "&amp; co</Number></Dial></Response>");
	free(x);

	sbuf_init(&b);
	sbuf_add_urlenc(&b, "a b+c/ü~");
	x = sbuf_done(&b);
	assert_string_equal(x, "a%20b%2Bc%2F%C3%BC~");
	free(x);
	sbuf_init(&b);
	x = sbuf_done(&b);
	assert_string_equal(x, "");
	free(x);
}

/* The warm transfer: the <Dial> with its action and whisper, the
 * whisper's <Gather>, and the short answers. */
static void
test_warm_transfer(void **state)
{
	char *x;

	(void)state;
	x = twiml_dial("+15555550111", 20, "https://h/twilio/dial-action",
	    "https://h/twilio/whisper?parent=CA1&x=2");
	assert_string_equal(x,
	    "<Response><Dial timeout=\"20\" action=\""
	    "https://h/twilio/dial-action\" method=\"POST\"><Number url=\""
	    "https://h/twilio/whisper?parent=CA1&amp;x=2\" method=\"POST\">"
	    "+15555550111</Number></Dial></Response>");
	free(x);
	x = twiml_whisper("Call from Maria <Lopez> about brakes.",
	    "https://h/twilio/whisper-key?parent=CA1", 6);
	assert_non_null(x);
	assert_non_null(strstr(x,
	    "<Gather numDigits=\"1\" action=\""
	    "https://h/twilio/whisper-key?parent=CA1\" method=\"POST\" "
	    "timeout=\"6\"><Say>Call from Maria &lt;Lopez&gt; about brakes. "
	    "Press 1 to take the call"));
	/* no key: the staff leg hangs up, the caller is not bridged */
	assert_non_null(strstr(x, "</Gather><Say>"));
	assert_non_null(strstr(x, "<Hangup/></Response>"));
	free(x);
	x = twiml_say(NULL, 0);
	assert_string_equal(x,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<Response></Response>");
	free(x);
	x = twiml_say("Bye & thanks", 1);
	assert_non_null(strstr(x,
	    "<Response><Say>Bye &amp; thanks</Say>"
	    "<Hangup/></Response>"));
	free(x);
}

static void
test_record(void **state)
{
	char *x;

	(void)state;
	x = twiml_record("Leave a message.", 120,
	    "https://h/twilio/"
	    "record-done",
	    "https://h/twilio/recording?a=1&b=2");
	assert_non_null(x);
	assert_non_null(strstr(x,
	    "<Say>Leave a message.</Say><Record "
	    "maxLength=\"120\" timeout=\"5\" playBeep=\"true\" "
	    "finishOnKey=\"#\" action=\"https://h/twilio/record-done\" "
	    "method=\"POST\" recordingStatusCallback=\"https://h/twilio/"
	    "recording?a=1&amp;b=2\" recordingStatusCallbackEvent=\""
	    "completed\""));
	assert_non_null(strstr(x, "<Hangup/></Response>"));
	free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stream_url),
	    cmocka_unit_test(test_connect_stream),
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_warm_transfer),
	    cmocka_unit_test(test_record),
	};
	return cmocka_run_group_tests_name("gateway_twiml", tests, NULL, NULL);
}
