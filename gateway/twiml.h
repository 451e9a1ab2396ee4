/*
 * twiml.h - the TwiML documents the gateway hands Twilio: <Connect><Stream>
 * for a call we answer, <Dial> for a transfer.  Pure string building, no
 * I/O, so it is unit tested on its own.
 */
#ifndef GW_TWIML_H
#define GW_TWIML_H

#include <stddef.h>

struct twiml_param {
	const char *name;
	const char *value;      /* NULL: the parameter is left out */
};

/* The Media Stream URL for a public URL: https -> wss, http -> ws, any
 * trailing '/' removed, then "/twilio/media".  -1 if public_url is not
 * http(s) or out is too small. */
int twiml_stream_url(const char *public_url, char *out, size_t cap);

/* <Response><Connect><Stream url=..><Parameter name value/>..</Stream>
 * </Connect></Response>, every value XML-escaped.  Caller frees; NULL on
 * allocation failure. */
char *twiml_connect_stream(const char *stream_url,
    const struct twiml_param *params, size_t n);

/* <Response><Dial>to</Dial></Response>.  Caller frees. */
char *twiml_dial(const char *to);

#endif
