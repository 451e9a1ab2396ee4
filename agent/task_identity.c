/*
 * task_identity.c - who the caller is, for the local brain.  A caller-id match
 * is only a guess until the caller says yes to "Am I speaking with John?";
 * a "no" drops that identity for good (caller_denied, and deny_caller_id
 * so crm-tools drops it too): the brain asks who is calling, a booking
 * then creates a new customer under their name, and anything on a
 * customer record needs verify_caller (crm-tools) with the account's phone
 * number and the caller's name or a booking's confirmation code.  Callers
 * with an unknown or blocked number verify the same way, but their phone
 * number and name only identify them (anyone may know both): that is
 * enough to hear whether their car is ready, and for anything else the
 * brain asks for a second factor, the last four digits of a VIN on file
 * (keyed or said) or a confirmation code.  A caller without one gets the
 * offer of a message, and no details.  Three failed attempts (crm-tools
 * counts them, wrong second factors too) end in an offer of a message.
 * Only an established owner ever hears a record's details
 * (identity_owner); crm-tools enforces the same levels on every tool.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task_identity.h"
#include "log.h"
#include "spoken.h"
#include "speech/text.h"

int
identity_owner(const struct call_state *st)
{
	return st->verified ||
	    (st->customer_known && st->identity_confirmed &&
	        !st->caller_denied);
}

static void
ask_phone(struct brain_call *c, enum tpl_id id)
{
	c->st.keyed[0] = '\0';
	say_tpl(c, id, NULL, 0);
	call_hint(c, "digits", NULL, 0);
	ask(c, ASK_VERIFY_PHONE);
}

int
identity_ready(struct brain_call *c, int t)
{
	struct call_state *st = &c->st;
	struct tpl_var v[] = {{"name", st->first_name}, {NULL, NULL}};

	if (identity_owner(st))
		return 1;
	/* phone + name: a repair's stage, nothing more without a factor */
	if (st->identified && t == TASK_STATUS)
		return 1;
	if (st->identified) {
		st->pending_task = t;
		identity_ask_factor(c, T_VERIFY_FACTOR);
		return 0;
	}
	/* a booking needs no more than crm-tools' caller-id level: a known
	 * caller who goes straight to it is booked (nothing from the record
	 * is read out until they confirm who they are) */
	if (t == TASK_BOOK)
		return 1;
	if (st->customer_known && !st->caller_denied) {
		/* they skipped "Am I speaking with John?" */
		st->pending_task = t;
		say_tpl(c, T_CONFIRM_ID_FIRST, v, 0);
		call_hint(c, "yesno", NULL, 0);
		ask(c, ASK_CONFIRM_ID);
		return 0;
	}
	st->pending_task = t;
	ask_phone(c, T_VERIFY_PHONE);
	return 0;
}

void
identity_ask_factor(struct brain_call *c, enum tpl_id id)
{
	c->st.keyed[0] = '\0';
	say_tpl(c, id, NULL, 0);
	call_hint(c, "digits", NULL, 0);
	ask(c, ASK_VERIFY_FACTOR);
}

static void
resume(struct brain_call *c)
{
	struct call_state *st = &c->st;
	int t = st->pending_task;

	st->pending_task = TASK_NONE;
	if (t == TASK_NONE || !task_start(c, t, NULL)) {
		say_tpl(c, T_HOW_HELP, NULL, 0);
		ask(c, ASK_OPEN);
	}
}

static int
task_of(const struct intent_result *ir)
{
	switch (ir->best) {
	case INT_BOOK:
		return TASK_BOOK;
	case INT_RESCHEDULE:
		return TASK_RESCHEDULE;
	case INT_CANCEL:
		return TASK_CANCEL;
	case INT_LIST:
		return TASK_LIST;
	case INT_STATUS:
		return TASK_STATUS;
	default:
		return TASK_NONE;
	}
}

/* Stop using the caller-id customer: nothing of theirs stays, here or in
 * crm-tools (a booking by name then makes a new customer, never theirs). */
static void
drop_identity(struct brain_call *c)
{
	struct call_state *st = &c->st;
	json_t *rep;
	const char *k;

	rep = call_tool(c, "deny_caller_id", json_object());
	if (!tool_ok(rep, &k))
		log_warnx(st->call_id,
		    "deny_caller_id failed (%s): the caller "
		    "stays unverified here",
		    k);
	json_decref(rep);
	brain_forget_caller(c);
}

/* 1 if the caller answered "Am I speaking with John?" with their name
 * ("this is John", "John Smith", "speaking") and no "not": a yes. */
static int
names_self(const struct call_state *st, const char *text)
{
	static const char *const nots[] = {
	    "not", "no", "isn't", "he's", "she's", "his", "her", NULL};
	static const char *const selves[] = {"speaking", NULL};
	struct tokens t;
	char first[64];
	int i, named = 0;

	for (i = 0; st->first_name[i] && i < (int)sizeof(first) - 1; i++)
		first[i] = (char)tolower((unsigned char)st->first_name[i]);
	first[i] = '\0';
	txt_tokenize(text ? text : "", &t);
	for (i = 0; i < t.n; i++) {
		if (txt_is(t.w[i], nots))
			return 0;
		if (txt_is(t.w[i], selves) ||
		    (first[0] && txt_fuzzy_eq(t.w[i], first)))
			named = 1;
	}
	return named;
}

void
identity_confirm_reply(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	struct tpl_var v[] = {{"name", st->first_name}, {NULL, NULL}};
	int t;

	if (in->ir.pol == POL_NO) {
		drop_identity(c);
		/* "no, this is his wife, I need an oil change": keep the ask */
		if ((t = task_of(&in->ir)) != TASK_NONE) {
			st->pending_task = t;
			task_keep(c, t, in);
		}
		log_info(st->call_id, "caller is not the caller-id customer");
		say_tpl(c, T_ASK_WHO, NULL, 0);
		call_hint(c, "name", NULL, 0);
		ask(c, ASK_WHO);
		return;
	}
	if (in->ir.pol == POL_YES ||
	    (in->ir.pol == POL_NONE && names_self(st, in->text))) {
		st->identity_confirmed = 1;
		if (st->pending_task != TASK_NONE) {
			resume(c);
			return;
		}
		ask(c, ASK_OPEN);
		if (in->ir.best != INT_NONE || in->ndt > 0) {
			general(c, in);
			return;
		}
		say_tpl(c, T_GREET_CONFIRMED, v, 0);
		return;
	}
	if (in->ir.best != INT_NONE || in->ndt > 0) {
		/* straight to business: tasks on the record ask again */
		ask(c, ASK_OPEN);
		general(c, in);
		return;
	}
	not_understood(c, in);
}

void
identity_who_reply(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	char first[64], last[64];
	struct tpl_var v[] = {{"name", st->first_name}, {NULL, NULL}};

	if (in->ir.best != INT_NONE && in->ir.score >= 4 &&
	    in->ir.best != INT_BOOK && in->ir.best != INT_HUMAN) {
		general(c, in);
		return;
	}
	if (!parse_name(in->text, first, sizeof(first), last, sizeof(last))) {
		not_understood(c, in);
		return;
	}
	if (!name_check(c, in, first, last, 0))
		return;
	snprintf(st->first_name, sizeof(st->first_name), "%s", first);
	snprintf(st->last_name, sizeof(st->last_name), "%s", last);
	if (st->pending_task != TASK_NONE) {
		resume(c);
		return;
	}
	say_tpl(c, T_WHO_THANKS, v, 0);
	ask(c, ASK_OPEN);
}

/* The name as said, kept for an identified caller (no record is read). */
static void
said_name(struct call_state *st, const char *name)
{
	const char *sp;

	if (name == NULL || name[0] == '\0' || st->first_name[0])
		return;
	if ((sp = strchr(name, ' ')) == NULL) {
		snprintf(st->last_name, sizeof(st->last_name), "%s", name);
		return;
	}
	snprintf(st->first_name, sizeof(st->first_name), "%.*s",
	    (int)(sp - name), name);
	snprintf(st->last_name, sizeof(st->last_name), "%s", sp + 1);
}

int
identity_verify(struct brain_call *c, const char *name, const char *code)
{
	return identity_verify_factor(c, name, code, NULL);
}

int
identity_verify_factor(
    struct brain_call *c, const char *name, const char *code, const char *vin)
{
	struct call_state *st = &c->st;
	json_t *args, *rep, *res;
	const char *k;
	int factor = (code && code[0]) || (vin && vin[0]);

	args = json_object();
	if (st->verify_phone[0])
		json_object_set_new(
		    args, "phone", json_string(st->verify_phone));
	if (name && name[0])
		json_object_set_new(args, "name", json_string(name));
	if (code && code[0])
		json_object_set_new(args, "confirmation", json_string(code));
	if (vin && vin[0])
		json_object_set_new(args, "vin_last", json_string(vin));
	rep = call_tool(c, "verify_caller", args);
	if (!tool_ok(rep, &k)) {
		json_decref(rep);
		if (strcmp(k, "too_many_attempts") == 0) {
			say_tpl(c, T_VERIFY_LOCKED, NULL, 0);
			call_hint(c, "yesno", NULL, 0);
			st->task = TASK_NONE;
			st->pending_task = TASK_NONE;
			ask(c, ASK_MSG_OFFER);
		} else {
			tool_failed(c);
		}
		return -1;
	}
	res = json_object_get(rep, "result");
	if (!factor && json_is_true(json_object_get(res, "identified"))) {
		st->identified = 1;
		if (json_is_integer(json_object_get(res, "customer_id")))
			snprintf(st->customer_id, sizeof(st->customer_id),
			    "%lld",
			    (long long)json_integer_value(
			        json_object_get(res, "customer_id")));
		said_name(st, name);
		json_decref(rep);
		log_info(st->call_id,
		    "caller identified as customer %s (no "
		    "second factor yet)",
		    st->customer_id);
		return 2;
	}
	if (!json_is_true(json_object_get(res, "verified"))) {
		json_t *left = json_object_get(res, "attempts_left");
		int none_left =
		    json_is_integer(left) && json_integer_value(left) <= 0;

		st->verify_failed++;
		json_decref(rep);
		log_info(st->call_id, "verify_caller: no match (%d)",
		    st->verify_failed);
		if (none_left) {
			say_tpl(c, T_VERIFY_LOCKED, NULL, 0);
			call_hint(c, "yesno", NULL, 0);
			st->task = TASK_NONE;
			st->pending_task = TASK_NONE;
			ask(c, ASK_MSG_OFFER);
			return -1;
		}
		return 0;
	}
	st->verified = 1;
	st->identified = 0;
	if (json_is_integer(json_object_get(res, "customer_id")))
		snprintf(st->customer_id, sizeof(st->customer_id), "%lld",
		    (long long)json_integer_value(
		        json_object_get(res, "customer_id")));
	json_decref(rep);
	log_info(
	    st->call_id, "caller verified as customer %s", st->customer_id);
	identity_load_customer(c, st->verify_phone);
	return 1;
}

void
identity_load_customer(struct brain_call *c, const char *phone)
{
	json_t *args, *rep;

	/* no number and no caller id (a code alone verified them):
	 * lookup_customer has nothing to look up */
	if ((phone == NULL || phone[0] == '\0') && c->st.caller_blocked)
		return;
	args = json_object();
	if (phone && phone[0])
		json_object_set_new(args, "phone", json_string(phone));
	rep = call_tool(c, "lookup_customer", args);
	if (rep)
		call_read_customer(&c->st, rep);
	json_decref(rep);
}

static void
full_name(const struct call_state *st, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", st->first_name,
	    st->last_name[0] ? " " : "", st->last_name);
}

/* After a verification attempt: go on, ask again, or stop. */
static void
after_verify(struct brain_call *c, int r)
{
	struct call_state *st = &c->st;
	struct tpl_var v[] = {{"name", st->first_name}, {NULL, NULL}};

	if (r < 0)
		return;
	if (r == 0) {
		st->verify_phone[0] = '\0';
		ask_phone(c, T_VERIFY_FAILED);
		return;
	}
	if (r == 2 && st->pending_task != TASK_STATUS) {
		identity_ask_factor(c, T_VERIFY_FACTOR);
		return;
	}
	say_tpl(c, T_VERIFIED, v, 0);
	resume(c);
}

/* "I don't have it": no details, and the team can call them back. */
static void
no_factor(struct brain_call *c)
{
	struct call_state *st = &c->st;

	log_info(st->call_id, "caller has no second factor");
	st->task = TASK_NONE;
	st->pending_task = TASK_NONE;
	say_tpl(c, T_VERIFY_NO_FACTOR, NULL, 0);
	call_hint(c, "yesno", NULL, 0);
	ask(c, ASK_MSG_OFFER);
}

void
identity_factor_reply(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	struct tpl_var v[] = {{"name", st->first_name}, {NULL, NULL}};
	char digits[24], code[16], name[136];
	size_t i;
	int n, r, alpha = 0;

	n = spoken_digits(in->text, digits, sizeof(digits));
	if (spoken_code(in->text, code, sizeof(code)))
		for (i = 0; code[i]; i++)
			alpha |= !isdigit((unsigned char)code[i]);
	full_name(st, name, sizeof(name));
	if (alpha) {
		/* letters in it: a booking's confirmation code */
		r = identity_verify_factor(c, name, code, NULL);
	} else if (n >= 4 && n <= 17) {
		r = identity_verify_factor(c, name, NULL, digits);
	} else if (in->ir.pol == POL_NO || strstr(in->text, "don't") ||
	    strstr(in->text, "do not") || strstr(in->text, "not sure")) {
		no_factor(c);
		return;
	} else if (in->ir.best != INT_NONE && in->ir.score >= 4) {
		st->pending_task = TASK_NONE;
		general(c, in);
		return;
	} else {
		not_understood(c, in);
		return;
	}
	if (r < 0)
		return;
	if (r != 1) {
		identity_ask_factor(c, T_VERIFY_FACTOR_BAD);
		return;
	}
	say_tpl(c, T_VERIFIED, v, 0);
	resume(c);
}

void
identity_phone_again(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;

	st->keyed[0] = '\0';
	if (st->misunderstandings + 1 >= st->max_misunderstandings) {
		not_understood(c, in); /* the limit: a person or a message */
		return;
	}
	st->misunderstandings++;
	say_tpl(c, T_PHONE_AGAIN, NULL, 0);
	call_hint(c, "digits", NULL, 0);
}

static void
got_phone(struct brain_call *c, const char *digits, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	char name[136];

	if (spoken_e164(digits, st->verify_phone, sizeof(st->verify_phone)) !=
	    0) {
		st->verify_phone[0] = '\0';
		identity_phone_again(c, in);
		return;
	}
	/* the name is already known when they told us who they are */
	if (st->caller_denied && st->first_name[0] && st->last_name[0]) {
		full_name(st, name, sizeof(name));
		after_verify(c, identity_verify(c, name, NULL));
		return;
	}
	say_tpl(c, T_VERIFY_PROOF, NULL, 0);
	call_hint(c, "name", NULL, 0);
	ask(c, ASK_VERIFY_PROOF);
}

void
identity_phone_reply(struct brain_call *c, const struct turn_in *in)
{
	char digits[24];
	int n = spoken_digits(in->text, digits, sizeof(digits));

	if (n < 7 && in->ir.best != INT_NONE && in->ir.score >= 4) {
		c->st.pending_task = TASK_NONE;
		general(c, in);
		return;
	}
	if (n == 0) {
		not_understood(c, in);
		return;
	}
	got_phone(c, digits, in);
}

void
identity_proof_reply(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	char code[16], first[64], last[64], name[136];

	if (spoken_code(in->text, code, sizeof(code))) {
		after_verify(c, identity_verify(c, NULL, code));
		return;
	}
	if (in->ir.best != INT_NONE && in->ir.score >= 4) {
		st->pending_task = TASK_NONE;
		general(c, in);
		return;
	}
	if (!parse_name(in->text, first, sizeof(first), last, sizeof(last))) {
		not_understood(c, in);
		return;
	}
	snprintf(name, sizeof(name), "%s%s%s", first, last[0] ? " " : "", last);
	after_verify(c, identity_verify(c, name, NULL));
}

/* Keyed digits: '#' or a full number ends the entry. */
void
identity_dtmf(struct brain_call *c, const char *digit)
{
	char digits[24];
	struct turn_in in;

	if (!keyed_turn(c, digit, digits, sizeof(digits), &in))
		return;
	if (c->st.asked == ASK_VERIFY_FACTOR) {
		identity_factor_reply(c, &in);
		return;
	}
	got_phone(c, digits, &in);
}
