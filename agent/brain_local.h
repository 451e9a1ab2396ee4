/*
 * brain_local.h - pieces shared inside the local brain.  The brain is an
 * explicit state machine: every turn it is in one phase (greeting,
 * verification, intent, slot filling, confirmation, close) given by what
 * it last asked (enum ask, kept in call_state.asked) and serves one task
 * (enum task).  brain_local.c routes each utterance; identity.c verifies
 * callers; booking.c plans, books and moves appointments; appts.c finds
 * the caller's own appointments; orders.c answers repair status and
 * cancels orders; contact.c takes messages, leads and callbacks and hands
 * calls to people; answers.c answers questions from the business config;
 * guard.c refuses injection and social engineering; spoken.c reads phone
 * numbers and codes; outbound.c opens the calls we place (reminders,
 * callbacks, follow-ups, voicemail).  Not for other modules.
 */
#ifndef AGENT_BRAIN_LOCAL_H
#define AGENT_BRAIN_LOCAL_H

#include "brain.h"
#include "speech/datetime.h"
#include "intent.h"
#include "speech/templates.h"

enum phase {
	PH_GREETING = 0,        /* greeted, waiting for the caller */
	PH_VERIFY,              /* establishing who the caller is */
	PH_INTENT,              /* what do they want */
	PH_SLOTS,               /* filling what the task needs */
	PH_CONFIRM,             /* read back, waiting for yes */
	PH_CLOSE,               /* anything else / goodbye */
};

enum task {                     /* stored in call_state.task */
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

enum ask {                      /* stored in call_state.asked */
	ASK_OPEN = 0,           /* "how can I help" */
	ASK_CONFIRM_ID,         /* "Am I speaking with John?" */
	ASK_WHO,                /* "who am I speaking with?" */
	ASK_VERIFY_PHONE,       /* the phone number on the account */
	ASK_VERIFY_PROOF,       /* name or confirmation code */
	ASK_SERVICE,
	ASK_DAY,
	ASK_PICK,               /* slots offered, or a time asked */
	ASK_NAME,               /* name for the booking */
	ASK_BOOK_PHONE,         /* no usable caller id: number to book under */
	ASK_VEHICLE,            /* which of the customer's vehicles */
	ASK_CONFIRM_BOOK,       /* read back, "shall I book it?" */
	ASK_CHANGE,             /* "what would you like to change?" */
	ASK_APPT_WHICH,         /* which of their appointments */
	ASK_CONFIRM_CANCEL,     /* "cancel your oil change on ...?" */
	ASK_ORDER_NAME,         /* name on the order, to verify */
	ASK_CONFIRM_ORDER,      /* "cancel the order, refund X?" */
	ASK_ANYTHING_ELSE,
	ASK_MSG_OFFER,          /* "would you like me to take a message?" */
	ASK_MSG_NAME,           /* name for a message, lead or callback */
	ASK_MSG_NUMBER_OK,      /* "call you back at 555...?" */
	ASK_MSG_NUMBER,
	ASK_MSG_TEXT,
	ASK_MSG_URGENCY,
	ASK_LEAD_NEED,
	ASK_LEAD_TIMELINE,
	ASK_CALLBACK_OFFER,     /* out of hours: "shall someone call you?" */
	ASK_CALLBACK_WHEN,
	ASK_HUMAN_OR_MSG,       /* too many misunderstandings, in hours */
	ASK_DONE,               /* said goodbye */
	ASK_VERIFY_FACTOR,      /* VIN's last four digits or a code */
	/* outbound calls (outbound.c) */
	ASK_OB_WHO,             /* "May I speak with Maria?" */
	ASK_OB_REMIND,          /* "... tomorrow at 9 AM. Can you make it?" */
	ASK_OB_CHANGE,          /* "move it to another day, or cancel it?" */
	ASK_OB_VM_WAIT,         /* a machine answered: its greeting plays */
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

/* brain_local.c */
enum phase ask_phase(int asked);
const char *ask_name(int asked);
const char *task_name(int task);
void say_tpl(struct brain_call *c, enum tpl_id id, const struct tpl_var *v,
    int close);
/* Say before (may be NULL) and ask whether there is anything else. */
void anything_else(struct brain_call *c, const char *before);
void ask(struct brain_call *c, int asked);    /* set state, log phase */
void goodbye(struct brain_call *c);
int open_now(struct brain_call *c);
/* Route free speech to a task or an answer. */
void general(struct brain_call *c, const struct turn_in *in);
/* Start (or restart) task t; 1 if it is one this brain serves. */
int task_start(struct brain_call *c, int t, const struct turn_in *in);
/* The words name a repair order ("cancel my repair order"). */
int about_order(const char *text);
/* The caller was not understood: re-ask, or after too many in a row
 * offer a person or a message. */
void not_understood(struct brain_call *c, const struct turn_in *in);
/* Ask the pending question again (after answering a side question). */
void reask(struct brain_call *c, const char *before);
/* "49 dollars 95" */
void money_words(int cents, char *buf, size_t len);
/* A tool failed: say so and offer a message. */
void tool_failed(struct brain_call *c);
/* "ok" of a tool reply; code (or "no_reply") into *code. */
int tool_ok(json_t *rep, const char **code);

/* identity.c */
/* 1 if the caller may act for the customer record at the level task t
 * needs; else starts verification (pending_task = t) and returns 0. */
int identity_ready(struct brain_call *c, int t);
/* 1 if the caller has shown they are the customer (PII may be spoken). */
int identity_owner(const struct call_state *st);
void identity_confirm_reply(struct brain_call *c, const struct turn_in *in);
void identity_who_reply(struct brain_call *c, const struct turn_in *in);
void identity_phone_reply(struct brain_call *c, const struct turn_in *in);
void identity_proof_reply(struct brain_call *c, const struct turn_in *in);
void identity_factor_reply(struct brain_call *c, const struct turn_in *in);
void identity_dtmf(struct brain_call *c, const char *digit);
/* Ask an identified caller for a second factor (template id). */
void identity_ask_factor(struct brain_call *c, enum tpl_id id);
/* A phone number did not come through: ask again, up to the limit. */
void identity_phone_again(struct brain_call *c, const struct turn_in *in);
/* verify_caller with a name (and the phone given); 1 verified, 2 only
 * identified (phone + name, a second factor is needed), 0 no, -1 stop
 * (too many attempts or crm-tools failed: already answered). */
int identity_verify(struct brain_call *c, const char *name,
    const char *code);
/* The same with a second factor (a code or a VIN's last digits): a wrong
 * one is 0, and counts toward the attempts. */
int identity_verify_factor(struct brain_call *c, const char *name,
    const char *code, const char *vin);
/* lookup_customer for the verified caller: names and vehicles. */
void identity_load_customer(struct brain_call *c, const char *phone);

/* booking.c */
/* Merge a parsed date/time into the plan; 1 if anything changed. */
int booking_apply(struct call_state *st, const struct dt_result *dt);
/* Choose among the offered slots from what the caller said: 1 if chosen. */
int booking_pick(struct call_state *st, const char *text,
    const struct dt_result *dt, int yes);
/* Move the booking on: ask what is missing, offer slots or read back.
 * Speaks and sets st->asked. */
void booking_plan(struct brain_call *c);
/* Book (or move) the read-back slot and speak the result. */
void booking_book(struct brain_call *c);
/* Forget the plan (service, day, time, offers). */
void booking_reset(struct call_state *st);
/* "for the Accord" said along the way: that vehicle; 1 if it changed. */
int booking_note_vehicle(struct call_state *st, const char *text);
void booking_ask_vehicle(struct brain_call *c);
void booking_vehicle_reply(struct brain_call *c, const struct turn_in *in);
void booking_phone_reply(struct brain_call *c, const struct turn_in *in);
/* First and last name from "my name is John Smith"; 1 if found. */
int parse_name(const char *text, char *first, size_t flen, char *last,
    size_t llen);

/* appts.c */
void appts_start(struct brain_call *c, int task);
/* Appointment i of st->appts is the one to change (st->task says how):
 * ask to confirm a cancel, or plan the move. */
void appts_choose(struct brain_call *c, int i);
void appts_which_reply(struct brain_call *c, const struct turn_in *in);
void appts_cancel_reply(struct brain_call *c, const struct turn_in *in);
/* "your oil change on Tuesday, November 24 at 10 AM" */
void appts_describe(const struct call_appt *a, char *buf, size_t len);

/* orders.c */
void orders_status(struct brain_call *c, const struct turn_in *in);
void orders_cancel_start(struct brain_call *c, const struct turn_in *in);
void orders_name_reply(struct brain_call *c, const struct turn_in *in);
void orders_confirm_reply(struct brain_call *c, const struct turn_in *in);

/* contact.c */
void contact_start(struct brain_call *c, int task, const struct turn_in *in);
void contact_reply(struct brain_call *c, const struct turn_in *in);
void contact_dtmf(struct brain_call *c, const char *digit);
void contact_human(struct brain_call *c);
/* Auto message for the team (booking it could not make). */
void contact_message_for_team(struct brain_call *c, const char *text);

/* outbound.c */
/* On an outbound call: open it (ask for the customer, or leave a
 * voicemail); 1 if it was one. */
int outbound_start(struct brain_call *c);
void outbound_who_reply(struct brain_call *c, const struct turn_in *in);
void outbound_remind_reply(struct brain_call *c, const struct turn_in *in);
void outbound_change_reply(struct brain_call *c, const struct turn_in *in);
/* A machine's greeting went quiet: leave the message. */
void outbound_voicemail(struct brain_call *c);

/* answers.c */
/* Answer a business question (hours, address, services, price); 1 if
 * answered (spoken, the pending question re-asked or "anything else"). */
int answers_side_question(struct brain_call *c, const struct turn_in *in);
void answers_price(struct brain_call *c, const struct fd_service *s);
void answers_language(struct brain_call *c, const struct turn_in *in);

/* guard.c */
enum guard { GUARD_OK = 0, GUARD_INJECTION, GUARD_OTHERS_DATA, GUARD_BULK };
enum guard guard_check(const char *text);
void guard_refuse(struct brain_call *c, enum guard g);

/* spoken.c */
/* Digits said or typed ("five five five one two three", "555-1230",
 * "oh"): up to len-1 digits into out; returns the count. */
int spoken_digits(const char *text, char *out, size_t len);
/* A confirmation code spelt out ("K 7 Q 2 M", "kilo seven"); 1 if a
 * code of 5 letters/digits was found. */
int spoken_code(const char *text, char *out, size_t len);
/* "5551230001" -> "555 123 0001" for reading back. */
void spoken_phone(const char *digits, char *out, size_t len);
/* Normalise a number the caller gave to E.164 (+1 for 10 digits); -1 if
 * it is not a phone number. */
int spoken_e164(const char *digits, char *out, size_t len);

#endif
