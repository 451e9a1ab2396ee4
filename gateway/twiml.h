/*
 * twiml.h - the TwiML documents the gateway hands Twilio: <Connect><Stream>
 * for a call we answer, <Dial> for a transfer (with its whisper), <Record>
 * for the voicemail box.  Pure string building, no
 * I/O, so it is unit tested on its own.
 */
#ifndef GW_TWIML_H
#define GW_TWIML_H

#include <stddef.h>

struct twiml_param {
	const char *name;
	const char *value; /* NULL: the parameter is left out */
};

/* The Media Stream URL for a public URL: https -> wss, http -> ws, any
 * trailing '/' removed, then "/twilio/media".  -1 if public_url is not
 * http(s) or out is too small. */
int twiml_stream_url(const char *public_url, char *out, size_t cap);

/* <Response><Connect><Stream url=..><Parameter name value/>..</Stream>
 * </Connect></Response>, every value XML-escaped.  Caller frees; NULL on
 * allocation failure. */
char *twiml_connect_stream(
    const char *stream_url, const struct twiml_param *params, size_t n);

/* A transfer: <Response><Dial timeout action><Number url>to</Number>
 * </Dial></Response>.  timeout_s <= 0, action or whisper_url NULL leave
 * that attribute out.  whisper_url is the TwiML the staff member hears
 * before being bridged (twiml_whisper); action is where the carrier
 * reports how the <Dial> ended (DialCallStatus).  Caller frees. */
char *twiml_dial(
    const char *to, int timeout_s, const char *action, const char *whisper_url);
/* What the staff member hears on answering: the summary, then "press 1
 * to take the call"; the key goes to key_action; no key within timeout_s
 * hangs up the staff leg, so the caller is not bridged.  Caller frees. */
char *twiml_whisper(const char *summary, const char *key_action, int timeout_s);
/* <Response>[<Say>text</Say>][<Hangup/>]</Response>; an empty document
 * ends the whisper and bridges.  Caller frees. */
char *twiml_say(const char *text, int hangup);
/* The voicemail box: <Say>prompt</Say><Record maxLength action
 * recordingStatusCallback> then a goodbye if nothing was recorded.
 * Caller frees. */
char *twiml_record(const char *prompt, int max_len_s, const char *action,
    const char *status_cb);

#endif
