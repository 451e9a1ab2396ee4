/*
 * intent.h - what a caller wants, scored from keywords and phrases that
 * survive recognition errors ("book an oil change next to say at ten"),
 * plus the service they name, matched fuzzily against the business's
 * services and aliases (common/business.h).  Used by the local brain and
 * by the agent core (backchannels during barge-in); talks to no process.
 */
#ifndef AGENT_INTENT_H
#define AGENT_INTENT_H

#include "business.h"

enum intent {
	INT_NONE = 0,
	INT_BOOK, /* make an appointment */
	INT_RESCHEDULE, /* move an existing one */
	INT_CANCEL, /* cancel an existing one */
	INT_HOURS, /* when are you open */
	INT_ADDRESS, /* where are you */
	INT_PRICE, /* how much is */
	INT_HUMAN, /* a person, please */
	INT_MESSAGE, /* leave a message */
	INT_GOODBYE, /* that's all, bye */
	INT_REPEAT, /* say that again */
	INT_CALLBACK, /* call me back */
	INT_STATUS, /* where is my car, when will it be ready */
	INT_LIST, /* what appointments do I have */
	INT_LEAD, /* buying, a quote, fleet: a sales lead */
	INT_SERVICES, /* what do you do */
	INT_LANGUAGE, /* do you speak Spanish */
	INT_COUNT
};

enum polarity { POL_NONE = 0, POL_YES, POL_NO };

struct intent_result {
	enum intent best; /* INT_NONE if nothing scored */
	int score; /* best's score */
	int scores[INT_COUNT];
	enum polarity pol; /* yes / no words, first one wins */
	const struct fd_service *service; /* named service, or NULL */
	int thanks; /* "thank you" somewhere */
};

/* Read one caller utterance. b may be NULL (no service matching). */
void intent_read(
    const char *text, const struct fd_business *b, struct intent_result *r);
/* The service named in text (fuzzy), or NULL. */
const struct fd_service *intent_service(
    const char *text, const struct fd_business *b);
/* 1 if text is only a backchannel or noise ("uh-huh", "okay", "yeah"):
 * said over the agent, it must not interrupt. */
int intent_backchannel(const char *text);
int intent_yes_no_question(const char *text);
/* Number of words in text, fillers not counted. */
int intent_words(const char *text);
/* 1 if text is only thanks or a please ("please", "thank you very
 * much"): what a caller adds after an answer, and no answer itself. */
int intent_courtesy(const char *text);
const char *intent_name(enum intent i);

#endif
