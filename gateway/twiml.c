/*
 * twiml.c - TwiML building and XML escaping for the gateway's webhooks:
 * the Media Stream, the warm transfer (<Dial> with a whisper to the staff
 * member), and the voicemail box (<Record>).
 */
#include <stdio.h>
#include <string.h>

#include "sbuf.h"
#include "twiml.h"

int
twiml_stream_url(const char *public_url, char *out, size_t cap)
{
	const char *scheme, *rest;
	size_t len;
	int n;

	if (strncmp(public_url, "https://", 8) == 0) {
		scheme = "wss://";
		rest = public_url + 8;
	} else if (strncmp(public_url, "http://", 7) == 0) {
		scheme = "ws://";
		rest = public_url + 7;
	} else
		return -1;
	len = strlen(rest);
	while (len > 0 && rest[len - 1] == '/')
		len--;
	if (len == 0)
		return -1;
	n = snprintf(out, cap, "%s%.*s/twilio/media", scheme, (int)len, rest);
	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

char *
twiml_connect_stream(
    const char *stream_url, const struct twiml_param *params, size_t n)
{
	struct sbuf b;
	size_t i;

	sbuf_init(&b);
	sbuf_add(&b,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<Response><Connect><Stream url=\"");
	sbuf_add_xml(&b, stream_url);
	sbuf_add(&b, "\">");
	for (i = 0; i < n; i++) {
		if (params[i].name == NULL || params[i].value == NULL)
			continue;
		sbuf_add(&b, "<Parameter name=\"");
		sbuf_add_xml(&b, params[i].name);
		sbuf_add(&b, "\" value=\"");
		sbuf_add_xml(&b, params[i].value);
		sbuf_add(&b, "\"/>");
	}
	sbuf_add(&b, "</Stream></Connect></Response>");
	return sbuf_done(&b);
}

char *
twiml_dial(
    const char *to, int timeout_s, const char *action, const char *whisper_url)
{
	struct sbuf b;

	sbuf_init(&b);
	sbuf_add(&b, "<Response><Dial");
	if (timeout_s > 0)
		sbuf_printf(&b, " timeout=\"%d\"", timeout_s);
	if (action) {
		sbuf_add(&b, " action=\"");
		sbuf_add_xml(&b, action);
		sbuf_add(&b, "\" method=\"POST\"");
	}
	sbuf_add(&b, "><Number");
	if (whisper_url) {
		sbuf_add(&b, " url=\"");
		sbuf_add_xml(&b, whisper_url);
		sbuf_add(&b, "\" method=\"POST\"");
	}
	sbuf_add(&b, ">");
	sbuf_add_xml(&b, to);
	sbuf_add(&b, "</Number></Dial></Response>");
	return sbuf_done(&b);
}

char *
twiml_whisper(const char *summary, const char *key_action, int timeout_s)
{
	struct sbuf b;

	sbuf_init(&b);
	sbuf_add(&b,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<Response><Gather numDigits=\"1\" action=\"");
	sbuf_add_xml(&b, key_action);
	sbuf_printf(&b, "\" method=\"POST\" timeout=\"%d\"><Say>", timeout_s);
	sbuf_add_xml(&b, summary);
	sbuf_add(&b,
	    " Press 1 to take the call, or any other key to "
	    "decline.</Say></Gather><Say>No answer, the caller will be "
	    "offered a message.</Say><Hangup/></Response>");
	return sbuf_done(&b);
}

char *
twiml_say(const char *text, int hangup)
{
	struct sbuf b;

	sbuf_init(&b);
	sbuf_add(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>");
	if (text && text[0]) {
		sbuf_add(&b, "<Say>");
		sbuf_add_xml(&b, text);
		sbuf_add(&b, "</Say>");
	}
	if (hangup)
		sbuf_add(&b, "<Hangup/>");
	sbuf_add(&b, "</Response>");
	return sbuf_done(&b);
}

char *
twiml_record(const char *prompt, int max_len_s, const char *action,
    const char *status_cb)
{
	struct sbuf b;

	sbuf_init(&b);
	sbuf_add(&b,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>"
	    "<Say>");
	sbuf_add_xml(&b, prompt);
	sbuf_printf(&b,
	    "</Say><Record maxLength=\"%d\" timeout=\"5\" "
	    "playBeep=\"true\" finishOnKey=\"#\" action=\"",
	    max_len_s);
	sbuf_add_xml(&b, action);
	sbuf_add(&b, "\" method=\"POST\" recordingStatusCallback=\"");
	sbuf_add_xml(&b, status_cb);
	sbuf_add(&b,
	    "\" recordingStatusCallbackEvent=\"completed\" "
	    "recordingStatusCallbackMethod=\"POST\"/><Say>We did not get a "
	    "message. Goodbye.</Say><Hangup/></Response>");
	return sbuf_done(&b);
}
