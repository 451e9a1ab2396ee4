/*
 * brain_local.c - the local brain: a rule-based receptionist that needs
 * no outside service.  It reads each caller utterance with the intent
 * scorer and the date/time parser, answers questions from the business
 * config, books through booking.c, takes messages (take_message), offers a
 * person (transfer in hours) and re-prompts what it does not understand.
 * Everything it learns goes into the core's call_state; it acts only
 * through the core's operations (brain.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brain_local.h"
#include "intent.h"
#include "templates.h"
#include "text.h"

static void local_on_utterance(struct brain_call *, const char *, double);

static void
say_tpl(struct brain_call *c, enum tpl_id id, const struct tpl_var *v,
    int close)
{
	char buf[1024];

	tpl_render(id, v, buf, sizeof(buf));
	call_say(c, buf, close);
}

static enum dt_expect
expect_for(int asked)
{
	switch (asked) {
	case ASK_DAY:
		return DT_EXPECT_DATE;
	case ASK_PICK:
		return DT_EXPECT_TIME;
	default:
		return DT_EXPECT_ANY;
	}
}

static int
open_now(struct brain_call *c)
{
	return fd_business_open_at(c->biz, c->core->now(c->core_arg));
}

static void
goodbye(struct brain_call *c)
{
	if (c->st.outcome[0] == '\0')
		call_set_outcome(c, "info_only", "caller ended the call");
	say_tpl(c, T_GOODBYE, NULL, 1);
	c->st.asked = ASK_DONE;
}

static void
anything_else(struct brain_call *c, const char *before)
{
	char buf[1024], tail[256];

	tpl_render(T_ANYTHING_ELSE, NULL, tail, sizeof(tail));
	snprintf(buf, sizeof(buf), "%.700s%s%.300s", before ? before : "",
	    before ? " " : "", tail);
	call_say(c, buf, 0);
	c->st.asked = ASK_ANYTHING_ELSE;
}

static void
start_message(struct brain_call *c)
{
	struct call_state *st = &c->st;
	char comma[80];
	struct tpl_var v[] = { { "comma_name", comma }, { NULL, NULL } };

	if (st->first_name[0] && (st->identity_confirmed ||
	    !st->customer_known)) {
		snprintf(st->msg_name, sizeof(st->msg_name), "%s%s%s",
		    st->first_name, st->last_name[0] ? " " : "",
		    st->last_name);
		snprintf(comma, sizeof(comma), ", %s", st->first_name);
		say_tpl(c, T_MSG_ASK_TEXT, v, 0);
		st->asked = ASK_MSG_TEXT;
		return;
	}
	say_tpl(c, T_MSG_ASK_NAME, NULL, 0);
	call_hint(c, "name", NULL, 0);
	st->asked = ASK_MSG_NAME;
}

static void
take_message(struct brain_call *c, const char *text)
{
	struct call_state *st = &c->st;
	json_t *rep;
	char notes[256], key[96];

	snprintf(key, sizeof(key), "%s-msg", st->call_id);
	rep = call_tool(c, "take_message", json_pack("{s:s, s:s, s:s, s:s}",
	    "name", st->msg_name, "callback_number", st->from, "message", text,
	    "idempotency_key", key));
	if (rep == NULL || !json_is_true(json_object_get(rep, "ok"))) {
		json_decref(rep);
		/* nothing else to fall back on: say so and offer a person */
		call_say(c, "Sorry, I couldn't save your message just now. "
		    "Please call back during business hours.", 0);
		st->asked = ASK_ANYTHING_ELSE;
		return;
	}
	json_decref(rep);
	snprintf(notes, sizeof(notes), "message from %.60s: %.180s",
	    st->msg_name, text);
	call_set_outcome(c, "message_taken", notes);
	say_tpl(c, T_MSG_TAKEN, NULL, 0);
	st->asked = ASK_ANYTHING_ELSE;
}

static void
want_human(struct brain_call *c)
{
	if (open_now(c) && c->biz->transfer_number[0]) {
		say_tpl(c, T_TRANSFER, NULL, 0);
		call_set_outcome(c, "transferred", "caller asked for a person");
		c->core->transfer(c->core_arg, c->biz->transfer_number,
		    "caller_request");
		c->st.asked = ASK_DONE;
		return;
	}
	say_tpl(c, T_HUMAN_CLOSED, NULL, 0);
	call_hint(c, "yesno", NULL, 0);
	c->st.asked = ASK_MSG_OFFER;
}

static void
not_understood(struct brain_call *c, double confidence)
{
	struct call_state *st = &c->st;

	st->misunderstandings++;
	if (st->misunderstandings >= st->max_misunderstandings &&
	    st->max_misunderstandings > 0) {
		st->misunderstandings = 0;
		if (open_now(c)) {
			say_tpl(c, T_TOO_MANY_OPEN, NULL, 0);
			st->asked = ASK_HUMAN_OR_MSG;
		} else {
			say_tpl(c, T_TOO_MANY_CLOSED, NULL, 0);
			st->asked = ASK_MSG_OFFER;
		}
		return;
	}
	/* a mumble gets a short re-prompt; a clear sentence the menu */
	if (confidence < 0.4 || st->asked != ASK_OPEN)
		say_tpl(c, st->asked == ASK_OPEN || st->asked ==
		    ASK_ANYTHING_ELSE ? T_NOT_UNDERSTOOD : T_SAY_AGAIN, NULL, 0);
	else
		say_tpl(c, T_NOT_UNDERSTOOD, NULL, 0);
}

static void
price(struct brain_call *c, const struct fd_service *s)
{
	char p[32], buf[1024], list[512];
	struct tpl_var v[] = { { "service", s ? s->name : "" }, { "price", p },
		{ "services", list }, { NULL, NULL } };
	int i;
	size_t o = 0;

	if (s == NULL) {
		list[0] = '\0';
		for (i = 0; i < c->biz->nservices; i++)
			o += (size_t)snprintf(list + o, o < sizeof(list) ?
			    sizeof(list) - o : 0, "%s%s", i == 0 ? "" :
			    i == c->biz->nservices - 1 ? " and " : ", ",
			    c->biz->services[i].name);
		say_tpl(c, T_PRICE_WHICH, v, 0);
		c->st.asked = ASK_OPEN;
		return;
	}
	if (s->price_cents > 0) {
		if (s->price_cents % 100)
			snprintf(p, sizeof(p), "%d dollars %d", s->price_cents / 100,
			    s->price_cents % 100);
		else
			snprintf(p, sizeof(p), "%d dollars", s->price_cents / 100);
		tpl_render(T_PRICE, v, buf, sizeof(buf));
	} else {
		tpl_render(T_PRICE_QUOTE, v, buf, sizeof(buf));
	}
	anything_else(c, buf);
}

/* Answers that interrupt whatever was being asked; 1 if handled. */
static int
side_question(struct brain_call *c, const struct intent_result *ir)
{
	char buf[512];
	int resume = c->st.asked;

	switch (ir->best) {
	case INT_HOURS:
		tpl_render(T_HOURS, NULL, buf, sizeof(buf));
		break;
	case INT_ADDRESS:
		tpl_render(T_ADDRESS, NULL, buf, sizeof(buf));
		break;
	case INT_PRICE:
		price(c, ir->service ? ir->service : c->st.service);
		return 1;
	default:
		return 0;
	}
	if (resume == ASK_OPEN || resume == ASK_ANYTHING_ELSE ||
	    resume == ASK_CONFIRM_ID) {
		if (c->st.outcome[0] == '\0')
			call_set_outcome(c, "info_only", intent_name(ir->best));
		anything_else(c, buf);
		return 1;
	}
	/* mid-booking: answer, then ask the pending question again */
	snprintf(c->st.last_said, sizeof(c->st.last_said), "%s", buf);
	call_say(c, buf, 0);
	if (c->st.service)
		booking_plan(c);
	return 1;
}

static void
start_booking(struct brain_call *c, const struct intent_result *ir,
    const struct dt_result *dt)
{
	if (ir->service)
		c->st.service = ir->service;
	booking_apply(&c->st, dt);
	booking_plan(c);
}

/* Free speech: what does the caller want? */
static void
general(struct brain_call *c, const char *text, double confidence,
    const struct intent_result *ir, const struct dt_result *dt, int ndt)
{
	(void)text;
	switch (ir->best) {
	case INT_BOOK:
		start_booking(c, ir, dt);
		return;
	case INT_RESCHEDULE:
	case INT_CANCEL:
		say_tpl(c, T_CHANGE_EXISTING, NULL, 0);
		c->st.asked = ASK_HUMAN_OR_MSG;
		return;
	case INT_MESSAGE:
		start_message(c);
		return;
	case INT_HUMAN:
		want_human(c);
		return;
	case INT_GOODBYE:
		goodbye(c);
		return;
	default:
		break;
	}
	if (side_question(c, ir))
		return;
	/* a day or time on its own, or a service already chosen */
	if (ndt > 0 && (c->st.service || ir->service)) {
		start_booking(c, ir, dt);
		return;
	}
	if (ndt > 0) {
		booking_apply(&c->st, dt);
		booking_plan(c);
		return;
	}
	not_understood(c, confidence);
}

static void
on_confirm_id(struct brain_call *c, const char *text, double confidence,
    const struct intent_result *ir, const struct dt_result *dt, int ndt)
{
	struct call_state *st = &c->st;
	struct tpl_var v[] = { { "name", st->first_name }, { NULL, NULL } };

	if (ir->pol == POL_NO) {
		st->identity_confirmed = 0;
		st->first_name[0] = st->last_name[0] = '\0';
		st->customer_known = 0;
		if (ir->best != INT_NONE || ndt > 0) {
			st->asked = ASK_OPEN;
			general(c, text, confidence, ir, dt, ndt);
			return;
		}
		say_tpl(c, T_GREET_NOT_THEM, NULL, 0);
		st->asked = ASK_OPEN;
		return;
	}
	if (ir->pol == POL_YES)
		st->identity_confirmed = 1;
	st->asked = ASK_OPEN;
	if (ir->best != INT_NONE || ndt > 0) {
		general(c, text, confidence, ir, dt, ndt);
		return;
	}
	if (ir->pol == POL_YES) {
		say_tpl(c, T_GREET_CONFIRMED, v, 0);
		return;
	}
	not_understood(c, confidence);
}

static void
on_confirm_book(struct brain_call *c, const char *text, double confidence,
    const struct intent_result *ir, const struct dt_result *dt, int ndt)
{
	struct call_state *st = &c->st;

	/* "no, make it Wednesday": a correction re-plans */
	if (ndt > 0 || (ir->service && ir->service != st->service)) {
		if (ir->service)
			st->service = ir->service;
		booking_apply(st, dt);
		st->chosen[0] = '\0';
		booking_plan(c);
		return;
	}
	if (ir->pol == POL_YES) {
		booking_book(c);
		return;
	}
	if (ir->pol == POL_NO) {
		say_tpl(c, T_WHAT_CHANGE, NULL, 0);
		st->asked = ASK_CHANGE;
		return;
	}
	if (ir->best != INT_NONE && ir->best != INT_BOOK) {
		general(c, text, confidence, ir, dt, ndt);
		return;
	}
	say_tpl(c, T_YES_OR_NO, NULL, 0);
	call_hint(c, "yesno", NULL, 0);
}

static void
on_change(struct brain_call *c, const char *text, double confidence,
    const struct intent_result *ir, const struct dt_result *dt, int ndt)
{
	struct call_state *st = &c->st;
	struct tokens t;
	static const char *const dayw[] = { "day", "date", NULL };
	static const char *const timew[] = { "time", "hour", NULL };
	static const char *const servw[] = { "service", NULL };

	txt_tokenize(text, &t);
	st->chosen[0] = '\0';
	if (ndt > 0 || ir->service) {
		if (ir->service)
			st->service = ir->service;
		booking_apply(st, dt);
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
	if (txt_find(&t, 0, servw) >= 0) {
		st->service = NULL;
		booking_plan(c);
		return;
	}
	if (ir->pol == POL_NO || ir->best == INT_GOODBYE) {
		call_say(c, "Okay, I won't book it.", 0);
		anything_else(c, NULL);
		return;
	}
	general(c, text, confidence, ir, dt, ndt);
}

static void
local_on_start(struct brain_call *c)
{
	struct tpl_var v[] = { { "name", c->st.first_name }, { NULL, NULL } };

	if (c->st.customer_known && c->st.first_name[0]) {
		say_tpl(c, T_GREETING_KNOWN, v, 0);
		call_hint(c, "yesno", NULL, 0);
		c->st.asked = ASK_CONFIRM_ID;
	} else {
		say_tpl(c, T_GREETING, NULL, 0);
		c->st.asked = ASK_OPEN;
	}
}

static void
local_on_utterance(struct brain_call *c, const char *text, double confidence)
{
	struct call_state *st = &c->st;
	struct intent_result ir;
	struct dt_result dt;
	int ndt, asked = st->asked, understood = 1;

	intent_read(text, c->biz, &ir);
	ndt = dt_parse(text, c->core->now(c->core_arg), expect_for(asked), &dt);
	if (asked == ASK_DONE)
		return;
	/* wherever we are, these win */
	if (ir.best == INT_HUMAN && ir.score >= 3 && asked != ASK_MSG_TEXT) {
		st->misunderstandings = 0;
		want_human(c);
		return;
	}
	if (ir.best == INT_REPEAT && ir.score >= 4 && st->last_said[0]) {
		char again[1024];

		snprintf(again, sizeof(again), "%s", st->last_said);
		call_say(c, again, 0);
		return;
	}
	switch (asked) {
	case ASK_CONFIRM_ID:
		on_confirm_id(c, text, confidence, &ir, &dt, ndt);
		break;
	case ASK_SERVICE:
		if (ir.service) {
			st->service = ir.service;
			booking_apply(st, &dt);
			booking_plan(c);
		} else if (ir.best != INT_NONE && ir.best != INT_BOOK) {
			general(c, text, confidence, &ir, &dt, ndt);
		} else {
			understood = 0;
		}
		break;
	case ASK_DAY:
	case ASK_PICK:
		if (ir.service && ir.service != st->service)
			st->service = ir.service;
		if (asked == ASK_PICK && booking_pick(st, text, &dt,
		    ir.pol == POL_YES)) {
			booking_plan(c);
		} else if (ndt > 0 || ir.service) {
			booking_apply(st, &dt);
			booking_plan(c);
		} else if (ir.best != INT_NONE && ir.best != INT_BOOK) {
			general(c, text, confidence, &ir, &dt, ndt);
		} else if (ir.pol == POL_NO && asked == ASK_PICK) {
			st->have_time = 0;
			st->have_day = 0;
			st->noffered = 0;
			call_say(c, "No problem. What other day would work "
			    "for you?", 0);
			st->asked = ASK_DAY;
		} else if (ir.pol == POL_YES && asked == ASK_PICK &&
		    st->noffered > 1) {
			call_say(c, "Which time would you like?", 0);
		} else {
			understood = 0;
		}
		break;
	case ASK_NAME:
		if (ir.best != INT_NONE && ir.best != INT_BOOK && ir.score >= 4) {
			general(c, text, confidence, &ir, &dt, ndt);
		} else if (parse_name(text, st->first_name,
		    sizeof(st->first_name), st->last_name,
		    sizeof(st->last_name))) {
			booking_plan(c);
		} else {
			understood = 0;
		}
		break;
	case ASK_CONFIRM_BOOK:
		on_confirm_book(c, text, confidence, &ir, &dt, ndt);
		break;
	case ASK_CHANGE:
		on_change(c, text, confidence, &ir, &dt, ndt);
		break;
	case ASK_ANYTHING_ELSE:
		if (ir.best == INT_NONE && ndt == 0 && ir.pol == POL_NO)
			goodbye(c);
		else if (ir.best == INT_NONE && ndt == 0 && ir.pol == POL_YES) {
			say_tpl(c, T_WHAT_ELSE, NULL, 0);
			st->asked = ASK_OPEN;
		} else if (ir.best == INT_NONE && ndt == 0 && ir.thanks)
			goodbye(c);
		else
			general(c, text, confidence, &ir, &dt, ndt);
		break;
	case ASK_MSG_OFFER:
	case ASK_HUMAN_OR_MSG:
		if (ir.best == INT_MESSAGE || (ir.pol == POL_YES &&
		    asked == ASK_MSG_OFFER))
			start_message(c);
		else if (ir.best == INT_BOOK)
			general(c, text, confidence, &ir, &dt, ndt);
		else if (ir.pol == POL_NO || ir.best == INT_GOODBYE)
			anything_else(c, "No problem.");
		else if (ir.best != INT_NONE)
			general(c, text, confidence, &ir, &dt, ndt);
		else
			understood = 0;
		break;
	case ASK_MSG_NAME:
		if (parse_name(text, st->first_name, sizeof(st->first_name),
		    st->last_name, sizeof(st->last_name))) {
			start_message(c);
		} else {
			understood = 0;
		}
		break;
	case ASK_MSG_TEXT:
		take_message(c, text);
		break;
	default:
		general(c, text, confidence, &ir, &dt, ndt);
		break;
	}
	if (!understood)
		not_understood(c, confidence);
	else if (st->asked != ASK_OPEN || asked != ASK_OPEN)
		st->misunderstandings = 0;
}

static void
local_on_dtmf(struct brain_call *c, const char *digit)
{
	if (strcmp(digit, "0") == 0) {
		want_human(c);
		return;
	}
	if (c->st.asked == ASK_CONFIRM_BOOK || c->st.asked == ASK_CONFIRM_ID ||
	    c->st.asked == ASK_MSG_OFFER || c->st.asked == ASK_ANYTHING_ELSE) {
		if (strcmp(digit, "1") == 0)
			local_on_utterance(c, "yes", 1.0);
		else if (strcmp(digit, "2") == 0)
			local_on_utterance(c, "no", 1.0);
	}
}

static void
local_on_idle(struct brain_call *c, int count)
{
	if (c->st.asked == ASK_DONE)
		return;
	if (count <= 1) {
		say_tpl(c, T_IDLE_1, NULL, 0);
	} else if (count == 2) {
		say_tpl(c, T_IDLE_2, NULL, 0);
	} else {
		if (c->st.outcome[0] == '\0')
			call_set_outcome(c, "abandoned", "caller went silent");
		say_tpl(c, T_IDLE_BYE, NULL, 1);
		c->st.asked = ASK_DONE;
	}
}

static int
local_init(const config_t *cfg, const struct fd_business *b, char *err,
    size_t errlen)
{
	return tpl_init(b, cfg, err, errlen);
}

static void
local_fini(void)
{
	tpl_free();
}

const struct brain_ops brain_local = {
	.name = "local",
	.init = local_init,
	.fini = local_fini,
	.on_start = local_on_start,
	.on_utterance = local_on_utterance,
	.on_dtmf = local_on_dtmf,
	.on_idle = local_on_idle,
	.free = NULL,
};
