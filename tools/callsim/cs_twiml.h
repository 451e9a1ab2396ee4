/*
 * cs_twiml.h - reads the TwiML the gateway answers the voice webhook with:
 * the <Connect><Stream url> to open and its <Parameter>s, or what else the
 * document does (<Say>, <Hangup>, <Dial>).  Pure logic.
 */
#ifndef CALLSIM_TWIML_H
#define CALLSIM_TWIML_H

#include "twilio.h"

struct twiml {
	char *stream_url;       /* <Connect><Stream url>, NULL if none */
	struct fd_form params;  /* <Parameter name value/> in order */
	char *dial;             /* <Dial> number, NULL if none */
	int hangup;             /* <Hangup/> present */
};

/* 0 if body is a <Response> document (fills t), -1 with err otherwise. */
int twiml_parse(const char *body, struct twiml *t, char *err, size_t errlen);
void twiml_free(struct twiml *t);
/* Decode the five XML entities and &#NN; in place. */
void xml_unescape(char *s);

#endif
