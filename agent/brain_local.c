/*
 * brain_local.c - the local brain: a rule-based receptionist that needs
 * no outside service, written as an explicit state machine.
 *
 * greeting -> verification -> intent -> slot filling -> action ->
 * confirmation -> close.  The state is what the brain last asked
 * (call_state.asked, one row of the table in dlg.c: its phase and the
 * short question to repeat when the caller is not understood) and the
 * task it serves (call_state.task).  Each caller utterance is read once (intent
 * scorer, date/time parser), checked by the guard, then handled by the
 * state it arrives in; anything the state does not expect is routed as
 * free speech, so a caller can change their mind at any point.  Too many
 * misunderstandings in a row end in an offer of a person or a message.
 * The brain acts only through the core's operations (brain.h); everything
 * it learns lives in call_state so a restarted agent can resume the call.
 * This file is the top layer: it routes to the task modules (task_*.c)
 * and registers the routes by which they hand the caller back (dlg.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brain_local.h"
#include "log.h"
#include "speech/text.h"

static const struct turn_in no_turn;

static void local_on_utterance(struct brain_call *, const char *, double);
static void local_general(struct brain_call *, const struct turn_in *);
static int local_task_start(struct brain_call *, int, const struct turn_in *);
static void local_task_keep(struct brain_call *, int, const struct turn_in *);

static const struct dlg_routes local_routes = {
    .general = local_general,
    .task_start = local_task_start,
    .task_keep = local_task_keep,
    .give_up = contact_give_up,
};

static int
local_task_start(struct brain_call *c, int t, const struct turn_in *in)
{
	struct call_state *st = &c->st;

	if (in == NULL)
		in = &no_turn;
	st->misunderstandings = 0;
	switch (t) {
	case TASK_BOOK:
		if (st->task != TASK_BOOK)
			booking_reset(st);
		st->task = TASK_BOOK;
		if (in->ir.service)
			st->service = in->ir.service;
		booking_apply(st, &in->dt);
		booking_note_vehicle(st, in->text ? in->text : st->task_words);
		if (!identity_ready(c, TASK_BOOK))
			return 1;
		booking_plan(c);
		return 1;
	case TASK_RESCHEDULE:
	case TASK_CANCEL:
	case TASK_LIST:
		booking_reset(st);
		if (in->ndt > 0)
			booking_apply(st, &in->dt);
		st->task = t;
		appts_start(c, t);
		return 1;
	case TASK_STATUS:
		st->task = t;
		orders_status(c, in);
		return 1;
	case TASK_ORDER_CANCEL:
		st->task = t;
		orders_cancel_start(c, in);
		return 1;
	case TASK_MESSAGE:
	case TASK_LEAD:
	case TASK_CALLBACK:
		contact_start(c, t, in);
		return 1;
	default:
		return 0;
	}
}

static void
local_task_keep(struct brain_call *c, int t, const struct turn_in *in)
{
	if (t == TASK_BOOK)
		booking_keep(&c->st, in);
}

/* A first turn that carries more than its intent: a new caller's name
 * ("hi, this is Dana Reed, I need ..."), kept for the booking or the
 * message; the hours or the address asked beside a task, answered before
 * the task goes on. */
static void
compound(struct brain_call *c, const struct turn_in *in, enum intent best)
{
	struct call_state *st = &c->st;
	const struct intent_result *ir = &in->ir;
	char first[64], last[64], buf[512];

	if (!identity_owner(st) && (!st->customer_known || st->caller_denied) &&
	    st->first_name[0] == '\0' &&
	    name_in_turn(in->text, first, sizeof(first), last, sizeof(last))) {
		snprintf(st->first_name, sizeof(st->first_name), "%s", first);
		snprintf(st->last_name, sizeof(st->last_name), "%s", last);
		st->name_weak = in->confidence < NAME_CONFIDENCE;
		log_info(
		    st->call_id, "caller introduced themselves in passing");
	}
	if (best == INT_HOURS || best == INT_ADDRESS || best == INT_NONE ||
	    best == INT_PRICE || best == INT_GOODBYE || best == INT_REPEAT)
		return;
	if (ir->scores[INT_HOURS] >= 4) {
		tpl_render(T_HOURS, NULL, buf, sizeof(buf));
		call_say(c, buf, 0);
	} else if (ir->scores[INT_ADDRESS] >= 5) {
		tpl_render(T_ADDRESS, NULL, buf, sizeof(buf));
		call_say(c, buf, 0);
	}
}

static void
local_general(struct brain_call *c, const struct turn_in *in)
{
	const struct intent_result *ir = &in->ir;
	enum intent best = ir->best;

	/* "cancel" outweighs the order words that come with it */
	if (ir->scores[INT_CANCEL] >= 5 &&
	    (best == INT_STATUS || best == INT_LIST))
		best = INT_CANCEL;
	/* "what about the 26th?" right after the hours */
	if (best == INT_NONE && in->ndt > 0 && in->dt.has_date &&
	    c->st.last_intent == INT_HOURS) {
		struct turn_in h = *in;

		h.ir.best = INT_HOURS;
		if (answers_side_question(c, &h))
			return;
	}
	/* "which service would you like a price for?" - "the oil change" */
	if (c->st.last_intent == INT_PRICE && ir->service && in->ndt == 0 &&
	    (best == INT_BOOK || best == INT_NONE) && ir->score <= 3) {
		answers_price(c, ir->service);
		return;
	}
	if (best != INT_NONE)
		c->st.last_intent = best;
	compound(c, in, best);
	switch (best) {
	case INT_BOOK:
		local_task_start(c, TASK_BOOK, in);
		return;
	case INT_RESCHEDULE:
		local_task_start(c, TASK_RESCHEDULE, in);
		return;
	case INT_CANCEL:
		local_task_start(c,
		    about_order(in->text) ? TASK_ORDER_CANCEL : TASK_CANCEL,
		    in);
		return;
	case INT_LIST:
		local_task_start(c, TASK_LIST, in);
		return;
	case INT_STATUS:
		local_task_start(c, TASK_STATUS, in);
		return;
	case INT_MESSAGE:
		local_task_start(c, TASK_MESSAGE, in);
		return;
	case INT_CALLBACK:
		local_task_start(c, TASK_CALLBACK, in);
		return;
	case INT_LEAD:
		local_task_start(c, TASK_LEAD, in);
		return;
	case INT_HUMAN:
		contact_human(c);
		return;
	case INT_LANGUAGE:
		answers_language(c, in);
		return;
	case INT_GOODBYE:
		goodbye(c);
		return;
	default:
		break;
	}
	if (answers_side_question(c, in))
		return;
	/* a day or time on its own: they want to come in */
	if (in->ndt > 0) {
		local_task_start(c, TASK_BOOK, in);
		return;
	}
	not_understood(c, in);
}

static void
on_confirm_book(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	const struct intent_result *ir = &in->ir;

	/* "move that one (to Friday)": the one booked already moves */
	if (booking_move_instead(c, in))
		return;
	/* "no, make it Wednesday": a correction re-plans */
	if (in->ndt > 0 ||
	    (ir->service && ir->service != st->service &&
	        st->task == TASK_BOOK)) {
		if (ir->service && st->task == TASK_BOOK)
			st->service = ir->service;
		booking_apply(st, &in->dt);
		st->chosen[0] = '\0';
		booking_plan(c);
		return;
	}
	/* "the Accord" / "yes, for the Accord" */
	if (st->task == TASK_BOOK && booking_note_vehicle(st, in->text) &&
	    ir->pol != POL_YES) {
		booking_plan(c);
		return;
	}
	/* "no, the name is wrong": spelled, then read back again */
	if (ir->pol != POL_YES && !identity_owner(st) && about_name(in->text)) {
		ask_spell(c, "Sorry about that.");
		return;
	}
	if (ir->pol == POL_YES) {
		if (!weak_yes(c, in, "Shall I book it?"))
			booking_book(c);
		return;
	}
	/* "no that's right" at 0.07: a no heard that weakly is asked
	 * again, not taken as the end of the booking or of the call */
	if (ir->pol == POL_NO && in->confidence < WEAK_YES_CONFIDENCE &&
	    !st->yes_checked) {
		st->yes_checked = 1;
		say_tpl(c, T_YES_OR_NO, NULL, 0);
		call_hint(c, "yesno", NULL, 0);
		return;
	}
	if (ir->pol == POL_NO && ir->best == INT_GOODBYE && ir->score >= 3) {
		/* "no, that's all, bye": they are leaving */
		booking_reset(st);
		goodbye(c);
		return;
	}
	if (ir->pol == POL_NO) {
		say_tpl(c, T_WHAT_CHANGE, NULL, 0);
		ask(c, ASK_CHANGE);
		return;
	}
	if (ir->best != INT_NONE && ir->best != INT_BOOK &&
	    ir->best != INT_RESCHEDULE) {
		local_general(c, in);
		return;
	}
	say_tpl(c, T_YES_OR_NO, NULL, 0);
	call_hint(c, "yesno", NULL, 0);
}

static void
on_change(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	const struct intent_result *ir = &in->ir;
	struct tokens t;
	static const char *const dayw[] = {"day", "date", NULL};
	static const char *const timew[] = {"time", "hour", NULL};
	static const char *const servw[] = {"service", NULL};
	static const char *const carw[] = {"car", "vehicle", "truck", NULL};

	txt_tokenize(in->text, &t);
	st->chosen[0] = '\0';
	if (st->task == TASK_BOOK && !identity_owner(st) &&
	    about_name(in->text)) {
		st->spell_for = ASK_CONFIRM_BOOK;
		ask_spell(c, NULL);
		return;
	}
	if (st->task == TASK_BOOK && identity_owner(st) &&
	    booking_note_vehicle(st, in->text)) {
		booking_plan(c);
		return;
	}
	if (in->ndt > 0 || (ir->service && st->task == TASK_BOOK)) {
		if (ir->service && st->task == TASK_BOOK)
			st->service = ir->service;
		booking_apply(st, &in->dt);
		booking_plan(c);
		return;
	}
	if (txt_find(&t, 0, dayw) >= 0) {
		st->have_day = 0;
		st->have_time = 0;
		booking_plan(c);
		return;
	}
	if (txt_find(&t, 0, timew) >= 0) {
		st->have_time = 0;
		st->part = DT_PART_NONE;
		booking_plan(c);
		return;
	}
	if (txt_find(&t, 0, servw) >= 0 && st->task == TASK_BOOK) {
		st->service = NULL;
		booking_plan(c);
		return;
	}
	if (txt_find(&t, 0, carw) >= 0 && st->nvehicles > 1 &&
	    identity_owner(st)) {
		booking_ask_vehicle(c);
		return;
	}
	if (ir->best == INT_GOODBYE) {
		booking_reset(st);
		goodbye(c); /* "no, that's all" */
		return;
	}
	if (ir->pol == POL_NO) {
		char ok[128];

		tpl_render(T_KEEP_IT, NULL, ok, sizeof(ok));
		booking_reset(st);
		anything_else(c,
		    st->task == TASK_RESCHEDULE ? ok
		                                : "Okay, I won't book it.");
		return;
	}
	local_general(c, in);
}

static void
on_anything_else(struct brain_call *c, const struct turn_in *in)
{
	const struct intent_result *ir = &in->ir;

	if (ir->best == INT_NONE && in->ndt == 0 && ir->pol == POL_NO) {
		goodbye(c);
	} else if (ir->best == INT_NONE && in->ndt == 0 && ir->pol == POL_YES) {
		say_tpl(c, T_WHAT_ELSE, NULL, 0);
		ask(c, ASK_OPEN);
	} else if (ir->best == INT_NONE && in->ndt == 0 && ir->thanks) {
		goodbye(c);
	} else {
		local_general(c, in);
	}
}

static void confirm_human(struct brain_call *c, int asked);

/* An answer to an offer of a person too weak to transfer on: heard
 * below WEAK_YES_CONFIDENCE, or below WEAK_CONFIDENCE without a word as
 * plain as "person" ("a mechanic" at 0.09 is confirmed, "yes, a person,
 * please" at 0.28 is not). */
static int
weak_offer_answer(const struct turn_in *in)
{
	return in->confidence < WEAK_YES_CONFIDENCE ||
	    (in->confidence < WEAK_CONFIDENCE &&
	        (in->ir.best != INT_HUMAN || in->ir.score < 4));
}

/* Offers of a message, a person or a callback. 0: not understood. */
static int
on_offer(struct brain_call *c, const struct turn_in *in)
{
	const struct intent_result *ir = &in->ir;
	int a = c->st.asked;

	if (a == ASK_CALLBACK_OFFER &&
	    (ir->pol == POL_YES || ir->best == INT_CALLBACK)) {
		contact_start(c, TASK_CALLBACK, in);
	} else if (ir->best == INT_MESSAGE ||
	    ((a == ASK_MSG_OFFER) && ir->pol == POL_YES &&
	        ir->best == INT_NONE)) {
		contact_start(c, TASK_MESSAGE, in);
	} else if (a == ASK_HUMAN_OR_MSG &&
	    (ir->best == INT_HUMAN ||
	        (ir->pol == POL_YES && ir->best == INT_NONE))) {
		/* the person was offered, but a transfer on a weak hearing
		 * is still confirmed first */
		if (weak_offer_answer(in))
			confirm_human(c, a);
		else
			contact_human(c);
	} else if (ir->best != INT_NONE && ir->best != INT_GOODBYE) {
		local_general(c, in);
	} else if (ir->pol == POL_NO || ir->best == INT_GOODBYE) {
		char ok[64];

		tpl_render(T_NO_PROBLEM, NULL, ok, sizeof(ok));
		anything_else(c, ok);
	} else {
		return 0;
	}
	return 1;
}

static void
local_on_start(struct brain_call *c)
{
	struct call_state *st = &c->st;
	struct tpl_var v[] = {{"name", st->first_name}, {NULL, NULL}};

	if (outbound_start(c))
		return;
	if (st->customer_known && st->first_name[0]) {
		say_tpl(c, T_GREETING_KNOWN, v, 0);
		call_hint(c, "yesno", NULL, 0);
		ask(c, ASK_CONFIRM_ID);
	} else {
		say_tpl(c, T_GREETING, NULL, 0);
		ask(c, ASK_OPEN);
	}
}

/* States where the caller dictates free text: no routing on keywords. */
static int
free_text(int a)
{
	return a == ASK_MSG_TEXT || a == ASK_LEAD_NEED ||
	    a == ASK_LEAD_TIMELINE || a == ASK_CALLBACK_WHEN;
}

/* A fragment that answers nothing ("please" cut off a "yes, please" by
 * the recogniser, "thanks" after an answer): no reply at all. */
static int
fragment(const char *text, int asked)
{
	static const char *const fill[] = {"please", "so", "and", "then",
	    "well", "oh", "hmm", "um", "uh", "er", NULL};
	static const char *const thanks[] = {"thanks", "thank", "you", NULL};
	struct tokens t;
	int i, nthanks = 0;

	txt_tokenize(text, &t);
	if (t.n == 0)
		return 1;
	for (i = 0; i < t.n; i++) {
		if (txt_is(t.w[i], thanks))
			nthanks++;
		else if (!txt_is(t.w[i], fill))
			return 0;
	}
	/* "thank you" is how some say goodbye */
	return nthanks == 0 || asked != ASK_ANYTHING_ELSE;
}

/* "never mind", "no, forget it": said with a goodbye, nothing to keep. */
static int
dismissal(const char *text)
{
	static const char *const w[] = {"oh", "never", "mind", "forget", "it",
	    "no", "nothing", "nope", "actually", "thats", "that", "fine", "ok",
	    "okay", "all", "well", "um", "uh", "sorry", NULL};
	struct tokens t;
	int i;

	txt_tokenize(text, &t);
	for (i = 0; i < t.n; i++)
		if (!txt_is(t.w[i], w))
			return 0;
	return 1;
}

/* Read an utterance once: intent scores and the dates and times in it,
 * read as the pending question expects them. */
static void
read_turn(struct brain_call *c, const char *text, double confidence, int asked,
    struct turn_in *in)
{
	memset(in, 0, sizeof(*in));
	in->text = text;
	in->confidence = confidence;
	intent_read(text, c->biz, &in->ir);
	in->ndt = dt_parse(text, c->core->now(c->core_arg),
	    asked == ASK_DAY        ? DT_EXPECT_DATE
	        : asked == ASK_PICK ? DT_EXPECT_TIME
	                            : DT_EXPECT_ANY,
	    &in->dt);
}

/* States whose answer is a name: a name heard as "a human" is no
 * request for one. */
static int
name_answer(int asked)
{
	return asked == ASK_WHO || asked == ASK_NAME || asked == ASK_MSG_NAME ||
	    asked == ASK_VERIFY_PROOF || asked == ASK_ORDER_NAME ||
	    asked == ASK_SPELL_LAST;
}

/* A transfer asked for on a weak match: in a name's place, one word
 * ("human", "a person") heard with low confidence (the utterance's or
 * the word's own) where no person was offered, or a weak answer where
 * one was (weak_offer_answer).  It is confirmed before anyone is
 * called. */
static int
weak_human(const struct brain_call *c, const struct turn_in *in, int asked)
{
	static const char *const cue[] = {"human", "person", "someone",
	    "somebody", "representative", "operator", "agent", "manager",
	    "receptionist", NULL};
	double wc;
	int i;

	if (name_answer(asked))
		return 1;
	if (asked == ASK_CONFIRM_HUMAN)
		return 0;
	if (asked == ASK_HUMAN_OR_MSG || asked == ASK_CALLBACK_OFFER)
		return weak_offer_answer(in);
	/* a request as plain as "can I speak to a person" stands */
	if (in->ir.score > 4)
		return 0;
	/* one word asking for a person, heard unsure */
	for (i = 0; cue[i]; i++)
		if ((wc = call_word_confidence(c, cue[i])) >= 0 &&
		    wc < WEAK_CONFIDENCE)
			return 1;
	return in->confidence < WEAK_CONFIDENCE;
}

/* A name where one is asked ("Mary a human"): the name's question
 * takes it, whatever words came with it. */
static int
gives_name(const struct turn_in *in, int asked)
{
	char first[64], last[64];

	return name_answer(asked) && asked != ASK_SPELL_LAST &&
	    parse_name(in->text, first, sizeof(first), last, sizeof(last)) &&
	    !name_implausible(first, NULL);
}

static void
confirm_human(struct brain_call *c, int asked)
{
	c->st.after_human = asked;
	call_say(c,
	    "Just to check, would you like me to connect you with a "
	    "person? Please say yes or no.",
	    0);
	call_hint(c, "yesno", NULL, 0);
	ask(c, ASK_CONFIRM_HUMAN);
}

/* "Would you like me to connect you with a person?" */
static void
on_confirm_human(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;

	if (in->ir.pol == POL_YES ||
	    (in->ir.best == INT_HUMAN && in->ir.pol != POL_NO)) {
		contact_human(c);
		return;
	}
	if (in->ir.pol == POL_NO) {
		ask(c, st->after_human);
		if (name_answer(st->after_human))
			call_hint(c, "name", NULL, 0);
		reask(c, "Okay.");
		return;
	}
	if (in->ir.best != INT_NONE) {
		ask(c, st->after_human);
		local_general(c, in);
		return;
	}
	say_tpl(c, T_YES_OR_NO, NULL, 0);
	call_hint(c, "yesno", NULL, 0);
}

/* What wins in any state: the guard, "a person please", "say that
 * again".  1 if one of them answered the turn. */
static int
overrides(struct brain_call *c, const struct turn_in *in, int asked)
{
	struct call_state *st = &c->st;
	enum guard g;

	/* no instruction in speech outranks the rules below */
	/* a message said with the name goes to the team as said */
	if ((g = guard_check(in->text)) != GUARD_OK && asked != ASK_MSG_TEXT &&
	    !(asked == ASK_MSG_NAME && st->task == TASK_MESSAGE)) {
		guard_refuse(c, g);
		return 1;
	}
	if (in->ir.best == INT_HUMAN && in->ir.score >= 3 &&
	    !free_text(asked) && !gives_name(in, asked)) {
		st->misunderstandings = 0;
		if (weak_human(c, in, asked)) {
			confirm_human(c, asked);
			return 1;
		}
		contact_human(c);
		return 1;
	}
	if (in->ir.best == INT_REPEAT && in->ir.score >= 4 &&
	    st->last_said[0]) {
		char again[1024];

		snprintf(again, sizeof(again), "%s", st->last_said);
		call_say(c, again, 0);
		return 1;
	}
	return 0;
}

/* "Which service do you need?"  0: not understood. */
static int
on_service(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;

	if (in->ir.service) {
		st->service = in->ir.service;
		booking_apply(st, &in->dt);
		if (identity_owner(st))
			booking_note_vehicle(st, in->text);
		booking_plan(c);
	} else if (in->ir.best != INT_NONE && in->ir.best != INT_BOOK) {
		local_general(c, in);
	} else {
		return 0;
	}
	return 1;
}

/* "What day?" or slots offered / "what time?".  0: not understood. */
static int
on_day_or_pick(struct brain_call *c, const struct turn_in *in, int asked)
{
	struct call_state *st = &c->st;

	if (in->ir.service && in->ir.service != st->service &&
	    st->task == TASK_BOOK)
		st->service = in->ir.service;
	/* "Monday at ten, for the Accord" */
	if (st->task == TASK_BOOK && identity_owner(st))
		booking_note_vehicle(st, in->text);
	if (asked == ASK_PICK &&
	    booking_pick(st, in->text, &in->dt, in->ir.pol == POL_YES)) {
		booking_plan(c);
	} else if (in->ndt > 0 || (in->ir.service && st->task == TASK_BOOK)) {
		booking_apply(st, &in->dt);
		/* once: a second time alone takes the first day with room
		 * (a misunderstanding counted keeps the count from resetting) */
		if (asked == ASK_DAY && st->task == TASK_BOOK &&
		    st->misunderstandings == 0 && booking_day_missing(c)) {
			st->misunderstandings++;
			return 1;
		}
		booking_plan(c);
	} else if (in->ir.best != INT_NONE && in->ir.best != INT_BOOK &&
	    in->ir.best != INT_RESCHEDULE) {
		local_general(c, in);
	} else if (in->ir.pol == POL_NO && asked == ASK_PICK) {
		st->have_time = 0;
		st->have_day = 0;
		st->noffered = 0;
		call_say(
		    c, "No problem. What other day would work for you?", 0);
		ask(c, ASK_DAY);
	} else if (in->ir.pol == POL_YES && asked == ASK_PICK &&
	    st->noffered > 1) {
		call_say(c, "Which time would you like?", 0);
	} else {
		return 0;
	}
	return 1;
}

/* The name for a booking.  0: not understood. */
static int
on_name(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	char first[64], last[64];

	/* "a human" in a name is no request: the override asked that */
	if (in->ir.best != INT_NONE && in->ir.best != INT_BOOK &&
	    in->ir.best != INT_HUMAN && in->ir.score >= 4) {
		local_general(c, in);
	} else if (parse_name(
	               in->text, first, sizeof(first), last, sizeof(last))) {
		if (!name_check(c, in, first, last, 1))
			return 1;
		/* "Smith" after "And your last name?" */
		if (st->first_name[0] && st->last_name[0] == '\0' &&
		    last[0] == '\0') {
			snprintf(
			    st->last_name, sizeof(st->last_name), "%s", first);
		} else {
			snprintf(st->first_name, sizeof(st->first_name), "%s",
			    first);
			snprintf(
			    st->last_name, sizeof(st->last_name), "%s", last);
		}
		booking_plan(c);
	} else {
		return 0;
	}
	return 1;
}

/* "Could you spell your last name for me?": the spelling answers the
 * question the name was asked for.  0: not understood. */
static int reply(struct brain_call *c, const struct turn_in *in, int asked);

static int
on_spell(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	char last[64], name[160];
	struct turn_in again;
	int back = st->spell_for;

	if (spoken_letters(in->text, last, sizeof(last)) < 2) {
		if (in->ir.best != INT_NONE && in->ir.score >= 4 &&
		    in->ir.best != INT_BOOK) {
			local_general(c, in);
			return 1;
		}
		return 0;
	}
	log_info(st->call_id, "last name spelled: %s", last);
	st->name_weak = 0;
	st->name_spelled = 1;
	snprintf(st->last_name, sizeof(st->last_name), "%s", last);
	if (back == ASK_CONFIRM_BOOK || back == ASK_CHANGE ||
	    st->first_name[0] == '\0') {
		booking_plan(c);
		return 1;
	}
	/* the question the name answers, as if said whole */
	snprintf(name, sizeof(name), "%s %s", st->first_name, last);
	memset(&again, 0, sizeof(again));
	again.text = name;
	again.confidence = 1.0;
	ask(c, back);
	return reply(c, &again, back);
}

/* Hand the turn to whatever the pending question belongs to.  0: the
 * caller was not understood. */
static int
reply(struct brain_call *c, const struct turn_in *in, int asked)
{
	switch (asked) {
	case ASK_CONFIRM_ID:
		identity_confirm_reply(c, in);
		break;
	case ASK_OB_WHO:
		outbound_who_reply(c, in);
		break;
	case ASK_OB_REMIND:
		outbound_remind_reply(c, in);
		break;
	case ASK_OB_CHANGE:
		outbound_change_reply(c, in);
		break;
	case ASK_WHO:
		identity_who_reply(c, in);
		break;
	case ASK_VERIFY_PHONE:
		identity_phone_reply(c, in);
		break;
	case ASK_VERIFY_PROOF:
		identity_proof_reply(c, in);
		break;
	case ASK_VERIFY_FACTOR:
		identity_factor_reply(c, in);
		break;
	case ASK_SERVICE:
		return on_service(c, in);
	case ASK_DAY:
	case ASK_PICK:
		return on_day_or_pick(c, in, asked);
	case ASK_NAME:
		return on_name(c, in);
	case ASK_BOOK_PHONE:
		booking_phone_reply(c, in);
		break;
	case ASK_VEHICLE:
		booking_vehicle_reply(c, in);
		break;
	case ASK_CONFIRM_BOOK:
		on_confirm_book(c, in);
		break;
	case ASK_CHANGE:
		on_change(c, in);
		break;
	case ASK_APPT_WHICH:
		appts_which_reply(c, in);
		break;
	case ASK_CONFIRM_CANCEL:
		appts_cancel_reply(c, in);
		break;
	case ASK_ORDER_NAME:
		orders_name_reply(c, in);
		break;
	case ASK_CONFIRM_ORDER:
		orders_confirm_reply(c, in);
		break;
	case ASK_ANYTHING_ELSE:
		on_anything_else(c, in);
		break;
	case ASK_CONFIRM_HUMAN:
		on_confirm_human(c, in);
		break;
	case ASK_SPELL_LAST:
		return on_spell(c, in);
	case ASK_MSG_OFFER:
	case ASK_HUMAN_OR_MSG:
	case ASK_CALLBACK_OFFER:
		return on_offer(c, in);
	case ASK_MSG_NAME:
	case ASK_MSG_NUMBER_OK:
	case ASK_MSG_NUMBER:
	case ASK_MSG_TEXT:
	case ASK_MSG_URGENCY:
	case ASK_LEAD_NEED:
	case ASK_LEAD_TIMELINE:
	case ASK_CALLBACK_WHEN:
		contact_reply(c, in);
		break;
	default:
		local_general(c, in);
		break;
	}
	return 1;
}

/* The caller said goodbye and nothing else: a message or callback under
 * way is finished with what it has (or saved as incomplete); a read-back
 * not yet agreed to is not booked. */
static void
leave(struct brain_call *c)
{
	struct call_state *st = &c->st;

	if (contact_leave(c))
		return;
	if (st->asked == ASK_CONFIRM_BOOK && st->task == TASK_BOOK) {
		char notes[256];

		/* not booked without a yes, but what was read back stays in
		 * the call's notes for the team to follow up */
		snprintf(notes, sizeof(notes),
		    "the caller left at the booking read-back without a clear "
		    "yes; not booked: %.60s at %.20s",
		    st->service ? st->service->name : "a service", st->chosen);
		call_set_outcome(c, "info_only", notes);
		booking_reset(st);
		anything_else(c, "Okay, I haven't booked anything.");
		return;
	}
	goodbye(c);
}

/* A goodbye at a booking's read-back after words that are neither yes
 * nor no ("that thanks bye": a yes the recogniser lost, or not): asked
 * once before the caller goes rather than dropped or booked. */
static int
unclear_before_bye(struct brain_call *c, const char *rest)
{
	static const char *const away[] = {
	    "never", "forget", "nothing", "nope", "cancel", "no", NULL};
	struct call_state *st = &c->st;
	struct intent_result ir;
	struct tokens t;
	int i;

	if (st->asked != ASK_CONFIRM_BOOK || st->task != TASK_BOOK ||
	    rest[0] == '\0' || st->yes_checked)
		return 0;
	intent_read(rest, c->biz, &ir);
	if (ir.pol != POL_NONE)
		return 0;
	txt_tokenize(rest, &t);
	for (i = 0; i < t.n; i++)
		if (txt_is(t.w[i], away))
			return 0;
	st->yes_checked = 1;
	call_say(c,
	    "Sorry, before you go: shall I book it? Please say yes or no.", 0);
	call_hint(c, "yesno", NULL, 0);
	return 1;
}

static void
local_on_utterance(struct brain_call *c, const char *text, double confidence)
{
	struct call_state *st = &c->st;
	struct turn_in in;
	int asked = st->asked, before = st->misunderstandings;
	char rest[512];

	/* an answering machine's greeting is no conversation */
	if (asked == ASK_DONE || asked == ASK_OB_VM_WAIT)
		return;
	/* "yes ... bye", "thanks, bye": the goodbye is no part of the
	 * answer; what the answer agrees to is done, then the call ends */
	if (goodbye_split(text, rest, sizeof(rest))) {
		st->leaving = 1;
		log_info(st->call_id, "goodbye in passing; the answer: \"%s\"",
		    rest);
		if (unclear_before_bye(c, rest))
			return;
		if (intent_words(rest) == 0 || fragment(rest, ASK_OPEN) ||
		    dismissal(rest) ||
		    (asked == ASK_ANYTHING_ELSE && !contact_pending(c))) {
			leave(c);
			return;
		}
		text = rest;
	}
	if (!free_text(asked) && fragment(text, asked))
		return;
	/* what is said towards a message is kept, whatever it fills */
	if (contact_pending(c))
		contact_heard(c, text);
	read_turn(c, text, confidence, asked, &in);
	if (overrides(c, &in, asked))
		return;
	if (!reply(c, &in, asked))
		not_understood(c, &in);
	else if (st->misunderstandings == before &&
	    (st->asked != ASK_OPEN || asked != ASK_OPEN))
		st->misunderstandings = 0;
}

/* The caller hung up (or was cut off) before the call was closed: a
 * message or callback under way is saved; every call ends with an
 * outcome, and one that reached none says in its notes what the caller
 * was after, for the person who reads the call log. */
static void
local_on_end(struct brain_call *c, const char *reason)
{
	struct call_state *st = &c->st;
	char notes[256];

	if (st->asked == ASK_DONE)
		return;
	if (contact_salvage(c, reason) || st->outcome[0])
		return;
	snprintf(notes, sizeof(notes),
	    "the call ended (%.40s) before anything was done%s%s%s%.60s%s%.60s",
	    reason, st->task != TASK_NONE ? "; the caller wanted: " : "",
	    st->task != TASK_NONE ? task_name(st->task) : "",
	    st->service ? " " : "", st->service ? st->service->name : "",
	    st->chosen[0] ? " at " : "", st->chosen);
	call_set_outcome(c, "abandoned", notes);
}

static void
local_on_dtmf(struct brain_call *c, const char *digit)
{
	int a = c->st.asked;

	if (a == ASK_BOOK_PHONE) {
		booking_dtmf(c, digit);
		return;
	}
	if (a == ASK_VERIFY_PHONE || a == ASK_VERIFY_FACTOR) {
		identity_dtmf(c, digit);
		return;
	}
	if (a == ASK_MSG_NUMBER) {
		contact_dtmf(c, digit);
		return;
	}
	if (strcmp(digit, "0") == 0) {
		contact_human(c);
		return;
	}
	if (strcmp(digit, "1") == 0)
		local_on_utterance(c, "yes", 1.0);
	else if (strcmp(digit, "2") == 0)
		local_on_utterance(c, "no", 1.0);
}

static void
local_on_idle(struct brain_call *c, int count)
{
	if (c->st.asked == ASK_DONE)
		return;
	if (c->st.asked == ASK_OB_VM_WAIT) {
		outbound_voicemail(c);
		return;
	}
	if (count <= 1) {
		say_tpl(c, T_IDLE_1, NULL, 0);
	} else if (count == 2) {
		say_tpl(c, T_IDLE_2, NULL, 0);
	} else {
		if (c->st.outcome[0] == '\0')
			call_set_outcome(c, "abandoned", "caller went silent");
		say_tpl(c, T_IDLE_BYE, NULL, 1);
		ask(c, ASK_DONE);
	}
}

static int
local_init(
    const config_t *cfg, const struct fd_business *b, char *err, size_t errlen)
{
	dlg_set_routes(&local_routes);
	return tpl_init(b, cfg, err, errlen);
}

static void
local_fini(void)
{
	tpl_free();
}

/* An ops table reads best packed, a few members a line. */
/* clang-format off */
const struct brain_ops brain_local = {
	.name = "local", .init = local_init, .fini = local_fini,
	.on_start = local_on_start, .on_utterance = local_on_utterance,
	.on_dtmf = local_on_dtmf, .on_idle = local_on_idle,
	.on_transfer_back = contact_transfer_back, .on_end = local_on_end,
	.speculative = 1,
};
/* clang-format on */
