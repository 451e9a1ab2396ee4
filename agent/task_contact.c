/*
 * task_contact.c - the local brain's ways of getting a person to the caller:
 * a message (take_message: name, callback number - the caller id offered
 * first and confirmed - the message and its urgency), a sales lead
 * (qualify_lead: name, need, timeline, contact, urgency), a callback
 * (request_callback) and a live transfer (transfer_to_human on
 * crm-tools decides whether the team is there; the core then sends
 * TRANSFER).  Each is slot filling: ask what is missing, then act.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task_contact.h"
#include "log.h"
#include "speech/text.h"
#include "spoken.h"
#include "task_identity.h"

static void next(struct brain_call *);

static int
line_usable(const struct call_state *st)
{
	return !st->caller_blocked && call_party(st)[0] == '+';
}

static void
full_name(const struct call_state *st, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", st->first_name,
	    st->last_name[0] ? " " : "", st->last_name);
}

/* "urgent", "asap", "emergency" -> high; "no rush", "whenever" -> low */
static const char *
urgency_of(const char *text, const struct intent_result *ir)
{
	static const char *const high[] = {"urgent", "urgently", "asap",
	    "emergency", "immediately", "right away", "today", "very",
	    "quickly", "soon", "stranded", "this week", NULL};
	static const char *const low[] = {"no rush", "whenever", "not urgent",
	    "no hurry", "not really", "can wait", "next month", NULL};
	struct tokens t;
	int i;

	txt_tokenize(text, &t);
	for (i = 0; low[i]; i++)
		if (txt_has_phrase(&t, low[i]))
			return "low";
	for (i = 0; high[i]; i++)
		if (txt_has_phrase(&t, high[i]))
			return "high";
	if (ir && ir->pol == POL_YES)
		return "high";
	if (ir && ir->pol == POL_NO)
		return "normal";
	return NULL;
}

void
contact_start(struct brain_call *c, int task, const struct turn_in *in)
{
	struct call_state *st = &c->st;

	if (st->task != task) {
		st->msg_said[0] = '\0';
		st->msg_name[0] = st->msg_number[0] = st->msg_text[0] = '\0';
		st->msg_urgency[0] = '\0';
		st->lead_need[0] = st->lead_timeline[0] = '\0';
	}
	st->task = task;
	st->pending_task = TASK_NONE;
	if (st->msg_name[0] == '\0' && st->first_name[0] &&
	    (identity_owner(st) || !st->customer_known || st->caller_denied))
		full_name(st, st->msg_name, sizeof(st->msg_name));
	/* "I'm interested in buying a used truck for my shop" is the need */
	if (task == TASK_LEAD && in && in->text && intent_words(in->text) >= 5)
		snprintf(st->lead_need, sizeof(st->lead_need), "%s", in->text);
	next(c);
}

static void
act_message(struct brain_call *c)
{
	struct call_state *st = &c->st;
	json_t *rep;
	const char *k;
	char key[96], notes[256], num[64], buf[400];
	struct tpl_var v[] = {{"number", num}, {NULL, NULL}};

	snprintf(key, sizeof(key), "%s-msg", st->call_id);
	rep = call_tool(c, "take_message",
	    json_pack("{s:s, s:s, s:s, s:s, "
	              "s:s}",
	        "name", st->msg_name, "callback_number", st->msg_number,
	        "message", st->msg_text, "urgency",
	        st->msg_urgency[0] ? st->msg_urgency : "normal",
	        "idempotency_key", key));
	if (!tool_ok(rep, &k)) {
		json_decref(rep);
		/* nothing else to fall back on: say so */
		anything_else(c,
		    "Sorry, I couldn't save your message just "
		    "now. Please call back during business hours.");
		return;
	}
	json_decref(rep);
	snprintf(notes, sizeof(notes), "message from %.60s (%s): %.160s",
	    st->msg_name, st->msg_urgency, st->msg_text);
	call_set_outcome(c, "message_taken", notes);
	spoken_phone(st->msg_number, num, sizeof(num));
	tpl_render(T_MSG_TAKEN, v, buf, sizeof(buf));
	anything_else(c, buf);
}

static void
act_lead(struct brain_call *c)
{
	struct call_state *st = &c->st;
	json_t *rep;
	const char *k, *urg;
	char notes[256], num[64], buf[400];
	struct tpl_var v[] = {{"number", num}, {NULL, NULL}};

	urg = urgency_of(st->lead_timeline, NULL);
	rep = call_tool(c, "qualify_lead",
	    json_pack("{s:s, s:s, s:s, s:s, "
	              "s:s}",
	        "name", st->msg_name, "need", st->lead_need, "contact",
	        st->msg_number, "timeline", st->lead_timeline, "urgency",
	        urg ? urg : "normal"));
	if (!tool_ok(rep, &k)) {
		json_decref(rep);
		tool_failed(c);
		return;
	}
	snprintf(notes, sizeof(notes), "lead %.60s (%s): %.120s", st->msg_name,
	    json_string_value(
	        json_object_get(json_object_get(rep, "result"), "score"))
	        ? json_string_value(
	              json_object_get(json_object_get(rep, "result"), "score"))
	        : "?",
	    st->lead_need);
	json_decref(rep);
	call_set_outcome(c, "lead", notes);
	spoken_phone(st->msg_number, num, sizeof(num));
	tpl_render(T_LEAD_TAKEN, v, buf, sizeof(buf));
	anything_else(c, buf);
}

static void
act_callback(struct brain_call *c)
{
	struct call_state *st = &c->st;
	json_t *rep;
	const char *k;
	char notes[256], num[64], when[140], buf[400];
	struct tpl_var v[] = {{"number", num}, {"when", when}, {NULL, NULL}};

	rep = call_tool(c, "request_callback",
	    json_pack("{s:s, s:s, s:s}", "reason",
	        st->msg_text[0] ? st->msg_text
	                        : "caller asked for a "
	                          "callback",
	        "phone", st->msg_number, "when", st->lead_timeline));
	if (!tool_ok(rep, &k)) {
		json_decref(rep);
		tool_failed(c);
		return;
	}
	json_decref(rep);
	snprintf(notes, sizeof(notes), "callback for %.60s at %s, %.100s",
	    st->msg_name, st->msg_number, st->lead_timeline);
	call_set_outcome(c, "callback_requested", notes);
	spoken_phone(st->msg_number, num, sizeof(num));
	/* the caller's words, trimmed: "tomorrow morning" */
	snprintf(when, sizeof(when), "%s",
	    st->lead_timeline[0] ? st->lead_timeline : "as soon as they can");
	tpl_render(T_CALLBACK_DONE, v, buf, sizeof(buf));
	anything_else(c, buf);
}

/* Ask for what is missing, in order; act when nothing is. */
static void
next(struct brain_call *c)
{
	struct call_state *st = &c->st;
	char num[64], comma[80];
	struct tpl_var v[] = {
	    {"number", num}, {"comma_name", comma}, {NULL, NULL}};

	snprintf(comma, sizeof(comma), "%s%s",
	    st->first_name[0] && st->msg_name[0] ? ", " : "",
	    st->msg_name[0] ? st->first_name : "");
	if (st->msg_name[0] == '\0') {
		say_tpl(c,
		    st->task == TASK_LEAD ? T_LEAD_ASK_NAME : T_MSG_ASK_NAME,
		    NULL, 0);
		call_hint(c, "name", NULL, 0);
		ask(c, ASK_MSG_NAME);
		return;
	}
	if (st->task == TASK_LEAD && st->lead_need[0] == '\0') {
		say_tpl(c, T_LEAD_NEED, v, 0);
		ask(c, ASK_LEAD_NEED);
		return;
	}
	if (st->task == TASK_LEAD && st->lead_timeline[0] == '\0') {
		say_tpl(c, T_LEAD_TIMELINE, NULL, 0);
		ask(c, ASK_LEAD_TIMELINE);
		return;
	}
	if (st->msg_number[0] == '\0') {
		st->keyed[0] = '\0';
		if (line_usable(st)) {
			spoken_phone(call_party(st), num, sizeof(num));
			say_tpl(c, T_MSG_NUMBER_OK, v, 0);
			call_hint(c, "yesno", NULL, 0);
			ask(c, ASK_MSG_NUMBER_OK);
		} else {
			say_tpl(c, T_MSG_ASK_NUMBER, NULL, 0);
			call_hint(c, "digits", NULL, 0);
			ask(c, ASK_MSG_NUMBER);
		}
		return;
	}
	switch (st->task) {
	case TASK_MESSAGE:
		if (st->msg_text[0] == '\0') {
			say_tpl(c, T_MSG_ASK_TEXT, v, 0);
			ask(c, ASK_MSG_TEXT);
			return;
		}
		if (st->msg_urgency[0] == '\0') {
			say_tpl(c, T_MSG_URGENCY, NULL, 0);
			call_hint(c, "yesno", NULL, 0);
			ask(c, ASK_MSG_URGENCY);
			return;
		}
		act_message(c);
		return;
	case TASK_LEAD:
		act_lead(c);
		return;
	case TASK_CALLBACK:
		if (st->lead_timeline[0] == '\0') {
			say_tpl(c, T_CALLBACK_WHEN, NULL, 0);
			call_hint(c, "date", NULL, 0);
			ask(c, ASK_CALLBACK_WHEN);
			return;
		}
		act_callback(c);
		return;
	default:
		anything_else(c, NULL);
		return;
	}
}

static int
set_number(struct call_state *st, const char *text)
{
	char digits[24];

	if (spoken_digits(text, digits, sizeof(digits)) < 7)
		return 0;
	return spoken_e164(digits, st->msg_number, sizeof(st->msg_number)) == 0;
}

void
contact_reply(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	char first[64], last[64];
	const char *u;

	switch (st->asked) {
	case ASK_MSG_NAME:
		if (in->ir.best != INT_NONE && in->ir.score >= 4 &&
		    in->ir.best != INT_MESSAGE && in->ir.best != INT_LEAD &&
		    in->ir.best != INT_CALLBACK && in->ir.best != INT_HUMAN) {
			general(c, in);
			return;
		}
		if (!parse_name(
		        in->text, first, sizeof(first), last, sizeof(last))) {
			not_understood(c, in);
			return;
		}
		/* the whole message in the same breath as the name */
		if (st->task == TASK_MESSAGE && st->msg_text[0] == '\0' &&
		    intent_words(in->text) >= 8)
			snprintf(
			    st->msg_text, sizeof(st->msg_text), "%s", in->text);
		if (!name_check(c, in, first, last, 0))
			return;
		if (st->first_name[0] == '\0' || !identity_owner(st)) {
			snprintf(st->first_name, sizeof(st->first_name), "%s",
			    first);
			snprintf(
			    st->last_name, sizeof(st->last_name), "%s", last);
		}
		snprintf(st->msg_name, sizeof(st->msg_name), "%s%s%s", first,
		    last[0] ? " " : "", last);
		break;
	case ASK_MSG_NUMBER_OK:
		if (set_number(st, in->text))
			break;
		if (in->ir.pol == POL_YES) {
			snprintf(st->msg_number, sizeof(st->msg_number),
			    "%.23s", call_party(st));
		} else if (in->ir.pol == POL_NO) {
			st->keyed[0] = '\0';
			say_tpl(c, T_MSG_ASK_NUMBER, NULL, 0);
			call_hint(c, "digits", NULL, 0);
			ask(c, ASK_MSG_NUMBER);
			return;
		} else {
			not_understood(c, in);
			return;
		}
		break;
	case ASK_MSG_NUMBER:
		if (!set_number(st, in->text)) {
			identity_phone_again(c, in);
			return;
		}
		break;
	case ASK_MSG_TEXT:
		snprintf(st->msg_text, sizeof(st->msg_text), "%s", in->text);
		/* "it's urgent" said in the message needs no question */
		if ((u = urgency_of(in->text, NULL)) != NULL)
			snprintf(
			    st->msg_urgency, sizeof(st->msg_urgency), "%s", u);
		break;
	case ASK_MSG_URGENCY:
		if ((u = urgency_of(in->text, &in->ir)) == NULL) {
			not_understood(c, in);
			return;
		}
		snprintf(st->msg_urgency, sizeof(st->msg_urgency), "%s", u);
		break;
	case ASK_LEAD_NEED:
		snprintf(st->lead_need, sizeof(st->lead_need), "%s", in->text);
		break;
	case ASK_LEAD_TIMELINE:
	case ASK_CALLBACK_WHEN:
		snprintf(st->lead_timeline, sizeof(st->lead_timeline), "%s",
		    in->text);
		break;
	default:
		break;
	}
	next(c);
}

void
contact_heard(struct brain_call *c, const char *text)
{
	struct call_state *st = &c->st;
	size_t n = strlen(st->msg_said);

	if (n + 2 < sizeof(st->msg_said))
		snprintf(st->msg_said + n, sizeof(st->msg_said) - n, "%s%s",
		    n ? " / " : "", text);
}

int
contact_pending(struct brain_call *c)
{
	int t = c->st.task;

	return t == TASK_MESSAGE || t == TASK_LEAD || t == TASK_CALLBACK;
}

/* take_message with what a message, lead or callback had reached, marked
 * incomplete for the person who reads it; 0 on success. */
static int
save_incomplete(struct brain_call *c, const char *why)
{
	struct call_state *st = &c->st;
	char name[128], text[1400], key[96], notes[256];
	const char *num = st->msg_number;
	json_t *args, *rep;
	const char *k;
	int ok;

	if (st->msg_name[0])
		snprintf(name, sizeof(name), "%s", st->msg_name);
	else if (st->first_name[0])
		full_name(st, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "unknown caller");
	if (num[0] == '\0' && line_usable(st))
		num = call_party(st);
	snprintf(text, sizeof(text),
	    "INCOMPLETE (%s) %s%s%.300s%s%.120s%s"
	    "%.120s%s%.300s",
	    why,
	    st->task == TASK_CALLBACK   ? "asked for a callback"
	        : st->task == TASK_LEAD ? "sales enquiry"
	                                : "message",
	    st->msg_text[0] ? ": " : "", st->msg_text,
	    st->lead_need[0] ? "; needs: " : "", st->lead_need,
	    st->lead_timeline[0] ? "; when: " : "", st->lead_timeline,
	    st->msg_said[0] ? "; the caller said: " : "", st->msg_said);
	/* its own key: a message finished earlier on the call has "-msg" */
	snprintf(key, sizeof(key), "%s-msg-incomplete", st->call_id);
	args = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "message", text,
	    "urgency", st->msg_urgency[0] ? st->msg_urgency : "normal",
	    "idempotency_key", key);
	if (args == NULL)
		return -1;
	if (num[0] == '+')
		json_object_set_new(args, "callback_number", json_string(num));
	if (st->task == TASK_CALLBACK)
		json_object_set_new(args, "call_back", json_true());
	rep = call_tool(c, "take_message", args);
	ok = tool_ok(rep, &k);
	if (!ok)
		log_warnx(st->call_id, "incomplete %s not saved: %s",
		    task_name(st->task), k);
	json_decref(rep);
	if (!ok)
		return -1;
	log_info(st->call_id, "incomplete %s saved as a message (%s)",
	    task_name(st->task), why);
	snprintf(notes, sizeof(notes), "incomplete %s from %.60s: %.150s",
	    task_name(st->task), name, text);
	/* a callback asked for is one, however little of it was said */
	call_set_outcome(c,
	    st->task == TASK_CALLBACK ? "callback_requested" : "message_taken",
	    notes);
	st->task = TASK_NONE;
	return 0;
}

int
contact_leave(struct brain_call *c)
{
	struct call_state *st = &c->st;

	if (!contact_pending(c))
		return 0;
	if (st->msg_number[0] == '\0' && line_usable(st) && st->msg_name[0] &&
	    st->asked != ASK_MSG_NUMBER)
		snprintf(st->msg_number, sizeof(st->msg_number), "%.23s",
		    call_party(st));
	if (st->msg_name[0] && st->msg_number[0]) {
		if (st->task == TASK_MESSAGE && st->msg_text[0]) {
			if (st->msg_urgency[0] == '\0')
				snprintf(st->msg_urgency,
				    sizeof(st->msg_urgency), "normal");
			act_message(c);
			return 1;
		}
		if (st->task == TASK_CALLBACK) {
			act_callback(c);
			return 1;
		}
		if (st->task == TASK_LEAD && st->lead_need[0]) {
			act_lead(c);
			return 1;
		}
	}
	save_incomplete(c, "the caller said goodbye before it was finished");
	goodbye(c);
	return 1;
}

int
contact_give_up(struct brain_call *c)
{
	struct call_state *st = &c->st;

	if (!contact_pending(c))
		return 0;
	if (st->msg_name[0] && st->msg_number[0] && st->task == TASK_MESSAGE &&
	    st->msg_text[0]) {
		if (st->msg_urgency[0] == '\0')
			snprintf(
			    st->msg_urgency, sizeof(st->msg_urgency), "normal");
		act_message(c);
		return 1;
	}
	if (save_incomplete(c, "the caller could not be understood") != 0)
		return 0;
	anything_else(c,
	    "I'm sorry, I couldn't catch all of that, but I've passed on "
	    "what you told me and someone from our team will get back to "
	    "you.");
	return 1;
}

int
contact_salvage(struct brain_call *c, const char *reason)
{
	char why[96];

	if (!contact_pending(c))
		return 0;
	snprintf(why, sizeof(why),
	    "the call ended before it was finished: "
	    "%.40s",
	    reason);
	return save_incomplete(c, why) == 0;
}

void
contact_dtmf(struct brain_call *c, const char *digit)
{
	struct call_state *st = &c->st;
	size_t n = strlen(st->keyed);

	if (digit[0] >= '0' && digit[0] <= '9' && n + 1 < sizeof(st->keyed)) {
		st->keyed[n++] = digit[0];
		st->keyed[n] = '\0';
	}
	if (digit[0] != '#' && !(n == 10 && st->keyed[0] != '1') && n != 11)
		return;
	if (spoken_e164(st->keyed, st->msg_number, sizeof(st->msg_number)) !=
	    0) {
		st->msg_number[0] = '\0';
		st->keyed[0] = '\0';
		say_tpl(c, T_PHONE_AGAIN, NULL, 0);
		return;
	}
	st->keyed[0] = '\0';
	next(c);
}

void
contact_message_for_team(struct brain_call *c, const char *text)
{
	struct call_state *st = &c->st;

	st->task = TASK_MESSAGE;
	full_name(st, st->msg_name, sizeof(st->msg_name));
	snprintf(st->msg_text, sizeof(st->msg_text), "%s", text);
	snprintf(
	    st->msg_number, sizeof(st->msg_number), "%s", st->verify_phone);
	snprintf(st->msg_urgency, sizeof(st->msg_urgency), "normal");
}

/* "Monday at 8 AM" from "2026-11-23T08:00:00" */
static void
next_open_words(struct brain_call *c, const char *iso, char *buf, size_t len)
{
	if (iso == NULL || when_words(c, iso, buf, len) != 0)
		tpl_render(T_HOURS, NULL, buf, len);
}

void
contact_human(struct brain_call *c)
{
	struct call_state *st = &c->st;
	json_t *rep, *res;
	const char *k, *num = NULL;
	char next_s[128];
	struct tpl_var v[] = {{"next", next_s}, {NULL, NULL}};
	int avail;

	st->misunderstandings = 0;
	rep = call_tool(c, "transfer_to_human",
	    json_pack("{s:s}", "reason",
	        st->task != TASK_NONE ? task_name(st->task)
	                              : "caller request"));
	res = json_object_get(rep, "result");
	if (tool_ok(rep, &k)) {
		avail = json_is_true(json_object_get(res, "available"));
		num = json_string_value(json_object_get(res, "number"));
	} else {
		/* crm-tools is away: decide from the config */
		avail = open_now(c) && c->biz->transfer_number[0];
	}
	if (num == NULL || num[0] == '\0')
		num = c->biz->transfer_number;
	if (avail && num[0]) {
		say_tpl(c, T_TRANSFER, NULL, 0);
		call_set_outcome(c, "transferred", "caller asked for a person");
		c->core->transfer(c->core_arg, num, "caller_request");
		json_decref(rep);
		ask(c, ASK_DONE);
		return;
	}
	next_open_words(c, json_string_value(json_object_get(res, "next_open")),
	    next_s, sizeof(next_s));
	json_decref(rep);
	say_tpl(c, T_CALLBACK_OFFER, v, 0);
	call_hint(c, "yesno", NULL, 0);
	st->task = TASK_NONE;
	ask(c, ASK_CALLBACK_OFFER);
}

void
contact_transfer_back(struct brain_call *c, const char *result)
{
	struct call_state *st = &c->st;
	char notes[96];

	snprintf(notes, sizeof(notes), "transfer not taken (%s)", result);
	call_set_outcome(c, "other", notes);
	say_tpl(c,
	    strcmp(result, "declined") == 0 ? T_XFER_DECLINED
	                                    : T_XFER_NO_ANSWER,
	    NULL, 0);
	st->misunderstandings = 0;
	contact_start(c, TASK_MESSAGE, NULL);
}
