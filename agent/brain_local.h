/*
 * brain_local.h - pieces shared inside the local brain: what it last
 * asked, and the booking planner (booking.c) the dialogue (brain_local.c)
 * drives.  Not for other modules.
 */
#ifndef AGENT_BRAIN_LOCAL_H
#define AGENT_BRAIN_LOCAL_H

#include "brain.h"
#include "datetime.h"

enum ask {                      /* stored in call_state.asked */
	ASK_OPEN = 0,           /* "how can I help" */
	ASK_CONFIRM_ID,         /* "Am I speaking with John?" */
	ASK_SERVICE,
	ASK_DAY,
	ASK_PICK,               /* slots offered, or a time asked */
	ASK_NAME,               /* name for the booking */
	ASK_CONFIRM_BOOK,       /* read back, "shall I book it?" */
	ASK_CHANGE,             /* "what would you like to change?" */
	ASK_ANYTHING_ELSE,
	ASK_MSG_OFFER,          /* "would you like me to take a message?" */
	ASK_MSG_NAME,
	ASK_MSG_TEXT,
	ASK_HUMAN_OR_MSG,       /* too many misunderstandings, in hours */
	ASK_DONE,               /* said goodbye */
};

/* Merge a parsed date/time into the plan; 1 if anything changed. */
int booking_apply(struct call_state *st, const struct dt_result *dt);
/* Choose among the offered slots from what the caller said: 1 if chosen. */
int booking_pick(struct call_state *st, const char *text,
    const struct dt_result *dt, int yes);
/* Move the booking on: ask what is missing, offer slots or read back.
 * Speaks and sets st->asked. */
void booking_plan(struct brain_call *c);
/* Book the read-back slot and speak the result. */
void booking_book(struct brain_call *c);
/* First and last name from "my name is John Smith"; 1 if found. */
int parse_name(const char *text, char *first, size_t flen, char *last,
    size_t llen);

#endif
