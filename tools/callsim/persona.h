/*
 * persona.h - a caller who listens: instead of a fixed list of lines, a
 * scenario may give a persona (what the caller wants and how they say
 * each part of it).  After every agent reply callsim hears the reply,
 * recognises what the agent is asking right now (its name, the day, a
 * yes/no read-back, "anything else?") and answers that from the persona's
 * lines, so a flow that asks in another order still gets the right
 * answers.  Pure logic: the hearing and the voice are the caller's.
 */
#ifndef CALLSIM_PERSONA_H
#define CALLSIM_PERSONA_H

#include <stddef.h>

#include <jansson.h>

/* What the agent's reply asks for. */
enum ask {
	ASK_UNKNOWN = 0,
	ASK_OPEN, /* "how can I help you?" */
	ASK_NAME,
	ASK_SPELL,
	ASK_PHONE,
	ASK_SERVICE,
	ASK_DAY,
	ASK_TIME,
	ASK_WHEN, /* day and time in one question */
	ASK_VEHICLE,
	ASK_MESSAGE,
	ASK_CODE, /* confirmation code, VIN digits */
	ASK_CONFIRM, /* a read-back or any yes/no question */
	ASK_ANYTHING_ELSE,
	ASK_REPEAT, /* "are you still there?" */
	ASK_BYE, /* the agent is closing the call */
	ASK_N
};

struct persona {
	json_t *lines; /* ask name ("name", "day", ...) -> line */
	int hangup_after; /* hang up after this many lines, 0 never */
	int correct_once; /* answer the first booking read-back
				   with lines.correct instead of yes */
	int barge_turn; /* say this line over the agent, -1 none */
	/* the appointment the caller wants, as the ear writes the agent
	 * saying it ("january thirteenth", "eleven thirty a m"); empty:
	 * any read-back is agreed to */
	char want_day[48], want_time[48];
};

/* Per call: what the persona has said so far. */
struct persona_state {
	int said; /* lines said */
	int asked[ASK_N]; /* times each ask was answered */
	int corrected, finishing;
	int refused; /* read-backs answered with the caller's own time */
	char last[512];
};

enum persona_act {
	PA_SAY, /* say line */
	PA_HANGUP, /* hang up now */
	PA_WAIT, /* say nothing more; wait for the agent to
				   end the call */
};

/* Parse a "persona" object.  NULL with err on a bad field. */
struct persona *persona_parse(json_t *o, char *err, size_t errlen);
/* The caller wants an appointment on date ("YYYY-MM-DD") at time
 * ("HH:MM"), either NULL: the first booking read back on another day or
 * at another time is answered with the caller's day and time (lines
 * "correct" for a caller who corrects, else "when", "day" or "time"),
 * not with yes.  Once only: the ear mishears the agent too, and a
 * caller who said what they want and hears the same read-back again
 * takes it. */
void persona_want(struct persona *p, const char *date, const char *time);
void persona_free(struct persona *p);
/* The persona's lines: ask name -> text (borrowed). */
json_t *persona_lines(const struct persona *p);

/* The ask in a heard agent reply (lower-case words, as the ear writes
 * them): the one whose cue stands last in the reply, since a reply ends
 * on its question ("... Tuesday at ten. Shall I book that?"). */
enum ask persona_ask(const char *heard);
const char *persona_ask_name(enum ask a);

/* The caller's next move after hearing `heard` (the greeting first).
 * PA_SAY fills line. */
enum persona_act persona_next(const struct persona *p, struct persona_state *st,
    const char *heard, char *line, size_t len);

#endif
