/*
 * cs_twiml.h - reads the TwiML the gateway answers the voice webhook with:
 * the <Connect><Stream url> to open and its <Parameter>s, or what else the
 * document does (<Say>, <Hangup>, <Dial> with its action and whisper
 * <Number url>, <Gather>, <Record>).  Pure logic.
 */
#ifndef CALLSIM_TWIML_H
#define CALLSIM_TWIML_H

#include "twilio.h"

struct twiml {
	char *stream_url; /* <Connect><Stream url>, NULL if none */
	struct fd_form params; /* <Parameter name value/> in order */
	char *dial; /* <Dial> number, NULL if none */
	char *dial_action; /* <Dial action>, NULL if none */
	int dial_timeout_s; /* <Dial timeout>, 30 if not given */
	char *number_url; /* <Number url>: the whisper, NULL if none */
	char *gather_action; /* <Gather action>, NULL if no <Gather> */
	char *say; /* every <Say>'s text, joined by " " */
	int record; /* <Record> present */
	char *record_action; /* its action */
	char *record_cb; /* its recordingStatusCallback */
	int record_max_s; /* its maxLength (3600 if not given) */
	int hangup; /* <Hangup/> present */
};

/* 0 if body is a <Response> document (fills t), -1 with err otherwise. */
int twiml_parse(const char *body, struct twiml *t, char *err, size_t errlen);
void twiml_free(struct twiml *t);
/* Decode the five XML entities and &#NN; in place. */
void xml_unescape(char *s);

#endif
