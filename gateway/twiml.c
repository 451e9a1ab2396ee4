/*
 * twiml.c - TwiML building and XML escaping for the gateway's webhooks.
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
twiml_connect_stream(const char *stream_url, const struct twiml_param *params,
    size_t n)
{
	struct sbuf b;
	size_t i;

	sbuf_init(&b);
	sbuf_add(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
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
twiml_dial(const char *to)
{
	struct sbuf b;

	sbuf_init(&b);
	sbuf_add(&b, "<Response><Dial>");
	sbuf_add_xml(&b, to);
	sbuf_add(&b, "</Dial></Response>");
	return sbuf_done(&b);
}
