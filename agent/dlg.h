/*
 * dlg.h - the bottom layer of the local brain: the dialogue primitives
 * every task module and the dispatcher use.  The brain is an explicit
 * state machine: every turn it is in one phase (greeting, verification,
 * intent, slot filling, confirmation, close) given by what it last asked
 * (enum ask, kept in call_state.asked) and serves one task (enum task).
 * Here are those states, asking and saying (say_tpl, ask, reask,
 * not_understood, anything_else, goodbye), crm-tools replies (tool_ok,
 * tool_failed) and the small readers and writers of words the tasks
 * share.
 *
 * The layers, each using only those below it:
 *   brain_local.c   routes each utterance by state and intent
 *   task_*.c        one task each (task_<name>.h); task_identity is
 *                   below the tasks that need a verified caller,
 *                   task_booking below task_appts and task_answers
 *   dlg.c, spoken.c this layer
 * A task that hands the caller to free-speech routing or to another task
 * calls general() / task_start() here, which go through the routes the
 * dispatcher registered (dlg_set_routes), never up an include.
 * scripts/check-layers.sh keeps the includes so.  Not for other modules.
 */
#ifndef AGENT_DLG_H
#define AGENT_DLG_H

#include "brain.h"
#include "speech/datetime.h"
#include "intent.h"
#include "speech/templates.h"

/* Below this utterance confidence a one-word request for a person is
 * confirmed first; below NAME_CONFIDENCE a name is spelled back. */
#define WEAK_CONFIDENCE 0.3
#define NAME_CONFIDENCE 0.5

enum phase {
	PH_GREETING = 0, /* greeted, waiting for the caller */
	PH_VERIFY, /* establishing who the caller is */
	PH_INTENT, /* what do they want */
	PH_SLOTS, /* filling what the task needs */
	PH_CONFIRM, /* read back, waiting for yes */
	PH_CLOSE, /* anything else / goodbye */
};

enum task { /* stored in call_state.task */
	TASK_NONE = 0,
	TASK_BOOK,
	TASK_RESCHEDULE,
	TASK_CANCEL,
	TASK_LIST,
	TASK_STATUS,
	TASK_ORDER_CANCEL,
	TASK_MESSAGE,
	TASK_LEAD,
	TASK_CALLBACK,
	TASK_COUNT
};

enum ask { /* stored in call_state.asked */
	ASK_OPEN = 0, /* "how can I help" */
	ASK_CONFIRM_ID, /* "Am I speaking with John?" */
	ASK_WHO, /* "who am I speaking with?" */
	ASK_VERIFY_PHONE, /* the phone number on the account */
	ASK_VERIFY_PROOF, /* name or confirmation code */
	ASK_SERVICE,
	ASK_DAY,
	ASK_PICK, /* slots offered, or a time asked */
	ASK_NAME, /* name for the booking */
	ASK_BOOK_PHONE, /* no usable caller id: number to book under */
	ASK_VEHICLE, /* which of the customer's vehicles */
	ASK_CONFIRM_BOOK, /* read back, "shall I book it?" */
	ASK_CHANGE, /* "what would you like to change?" */
	ASK_APPT_WHICH, /* which of their appointments */
	ASK_CONFIRM_CANCEL, /* "cancel your oil change on ...?" */
	ASK_ORDER_NAME, /* name on the order, to verify */
	ASK_CONFIRM_ORDER, /* "cancel the order, refund X?" */
	ASK_ANYTHING_ELSE,
	ASK_MSG_OFFER, /* "would you like me to take a message?" */
	ASK_MSG_NAME, /* name for a message, lead or callback */
	ASK_MSG_NUMBER_OK, /* "call you back at 555...?" */
	ASK_MSG_NUMBER,
	ASK_MSG_TEXT,
	ASK_MSG_URGENCY,
	ASK_LEAD_NEED,
	ASK_LEAD_TIMELINE,
	ASK_CALLBACK_OFFER, /* out of hours: "shall someone call you?" */
	ASK_CALLBACK_WHEN,
	ASK_HUMAN_OR_MSG, /* too many misunderstandings, in hours */
	ASK_DONE, /* said goodbye */
	ASK_VERIFY_FACTOR, /* VIN's last four digits or a code */
	/* outbound calls (task_outbound.c) */
	ASK_OB_WHO, /* "May I speak with Maria?" */
	ASK_OB_REMIND, /* "... tomorrow at 9 AM. Can you make it?" */
	ASK_OB_CHANGE, /* "move it to another day, or cancel it?" */
	ASK_OB_VM_WAIT, /* a machine answered: its greeting plays */
	ASK_CONFIRM_HUMAN, /* "a person?" heard weakly: yes or no */
	ASK_SPELL_LAST, /* "Could you spell your last name for me?" */
	ASK_COUNT
};

/* What the brain read in one utterance. */
struct turn_in {
	const char *text;
	double confidence;
	struct intent_result ir;
	struct dt_result dt;
	int ndt;
};

/* How the dispatcher above routes the caller; registered once. */
struct dlg_routes {
	/* Route free speech to a task or an answer. */
	void (*general)(struct brain_call *c, const struct turn_in *in);
	/* Start (or restart) task t; 1 if it is one the brain serves. */
	int (*task_start)(
	    struct brain_call *c, int t, const struct turn_in *in);
	/* Keep what the caller asked for task t (pending_task), to start
	 * it once they are verified. */
	void (*task_keep)(
	    struct brain_call *c, int t, const struct turn_in *in);
	/* Before the misunderstanding ladder gives up on the task under
	 * way: finish or save what the caller gave for it (a message, a
	 * callback); 1 if that took the turn.  NULL: nothing to keep. */
	int (*give_up)(struct brain_call *c);
};
void dlg_set_routes(const struct dlg_routes *r);
/* The registered routes. */
void general(struct brain_call *c, const struct turn_in *in);
int task_start(struct brain_call *c, int t, const struct turn_in *in);
void task_keep(struct brain_call *c, int t, const struct turn_in *in);

enum phase ask_phase(int asked);
const char *ask_name(int asked);
const char *task_name(int task);
void say_tpl(
    struct brain_call *c, enum tpl_id id, const struct tpl_var *v, int close);
/* Say before (may be NULL) and ask whether there is anything else. */
void anything_else(struct brain_call *c, const char *before);
void ask(struct brain_call *c, int asked); /* set state, log phase */
void goodbye(struct brain_call *c);
int open_now(struct brain_call *c);
/* The caller was not understood: re-ask, or after too many in a row
 * offer a person or a message. */
/* A yes that would book or cancel heard below WEAK_YES_CONFIDENCE: the
 * caller is asked once more for a plain yes or no (question: "Shall I
 * book it?"); 1 if asked.  The answer to that is taken as heard. */
int weak_yes(
    struct brain_call *c, const struct turn_in *in, const char *question);
void not_understood(struct brain_call *c, const struct turn_in *in);
/* Ask the pending question again (after answering a side question). */
void reask(struct brain_call *c, const char *before);
/* A tool failed: say so and offer a message. */
void tool_failed(struct brain_call *c);
/* "ok" of a tool reply; code (or "no_reply") into *code. */
int tool_ok(json_t *rep, const char **code);
/* A key pressed while a phone number (or, at ASK_VERIFY_FACTOR, a VIN's
 * last digits) is asked: collects it in call_state.keyed; 1 when the
 * number is complete, then digits holds it, in is a turn of those
 * digits and the keyed buffer is empty. */
int keyed_turn(struct brain_call *c, const char *digit, char *digits,
    size_t len, struct turn_in *in);

/* The words name a repair order ("cancel my repair order"). */
int about_order(const char *text);
/* A goodbye said in passing ("yes ... bye", "thanks, bye", "the car is
 * ready? ok bye"): 1 if text holds one; rest gets the words around it
 * without the goodbye and the thanks beside it ("yes", or "" when the
 * turn was only a farewell). */
int goodbye_split(const char *text, char *rest, size_t len);
/* A name introduced in passing ("hi, this is Dana Reed, I need an oil
 * change", "my name is Dana"): first (and last, may be "") from the
 * words after the introduction; 1 if found. */
int name_in_turn(
    const char *text, char *first, size_t flen, char *last, size_t llen);
/* A name as heard that cannot be one ("a human", "that", "the"): a word
 * of everyday speech stands where the name should be. */
int name_implausible(const char *first, const char *last);
/* A name the caller gave (parse_name) at the pending question: 1 to take
 * it (call_state.name_weak set when heard weakly, so it is spelled back);
 * 0 when it cannot be a name and the caller was asked to spell the last
 * name (first name kept) or to say it again.  Not strict (a message's
 * name, a name checked against the record anyway): only a last name that
 * cannot be one is asked to be spelled. */
int name_check(struct brain_call *c, const struct turn_in *in,
    const char *first, const char *last, int strict);
/* Ask the caller to spell their last name; the spelling answers the
 * pending question (call_state.spell_for). */
void ask_spell(struct brain_call *c, const char *before);
/* The words ask about the name ("no, the name is wrong", "let me spell
 * it"). */
int about_name(const char *text);
/* get_upcoming_appointments into call_state.appts; -1 if crm-tools
 * failed or refused. */
int appts_fetch(struct brain_call *c);
/* "49 dollars 95" */
void money_words(int cents, char *buf, size_t len);
/* "today at 5 PM", "tomorrow at 5 PM", "on Tuesday, November 24 at 5 PM"
 * from "2026-11-24T17:00:00"; -1 (buf empty) if iso is no time. */
int when_words(struct brain_call *c, const char *iso, char *buf, size_t len);
/* The business's services as spoken: "oil change, tire rotation and
 * brake inspection". */
void services_list(const struct fd_business *b, char *buf, size_t len);
/* First and last name from "my name is John Smith"; 1 if found. */
int parse_name(
    const char *text, char *first, size_t flen, char *last, size_t llen);
/* "your oil change on Tuesday, November 24 at 10 AM" */
void appts_describe(const struct call_appt *a, char *buf, size_t len);

#endif
