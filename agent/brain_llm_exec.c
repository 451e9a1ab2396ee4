/*
 * brain_llm_exec.c - the LLM brain's tool calls.  Each call the model
 * makes is checked before anything runs: the name must be in the
 * catalogue (internal crm-tools tools never are), the arguments must be a
 * JSON object that satisfies the tool's schema (types, required fields,
 * enums, date/time/phone formats).  A refused call is answered to the
 * model as {ok:false,code:bad_args|unknown_tool,error} so it can correct
 * itself; nothing reaches crm-tools.  Allowed calls run through the core
 * (crm-tools over rpc, on the call's clock) and their reply, including
 * crm-tools' own errors such as forbidden, goes back to the model as is.
 * What the tools establish (slots offered, booking, verification,
 * outcome) is written into the core's call_state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brain_llm_int.h"
#include "speech/datetime.h"
#include "llm_history.h"
#include "proto/tool_schema.h"
#include "log.h"

#define RESULT_MAX 8000 /* characters of a tool result sent back */

json_t *
llm_assistant_msg(const struct llm_reply *r)
{
	json_t *m, *calls;
	int i;

	m = json_pack("{s:s}", "role", "assistant");
	if (m == NULL)
		return NULL;
	if (r->len > 0)
		json_object_set_new(
		    m, "content", json_stringn(r->text, r->len));
	else
		json_object_set_new(m, "content", json_null());
	if (r->ncalls == 0)
		return m;
	calls = json_array();
	for (i = 0; i < r->ncalls; i++) {
		const struct llm_toolcall *tc = &r->calls[i];

		json_array_append_new(calls,
		    json_pack("{s:s, s:s, s:{s:s, "
		              "s:s}}",
		        "id", tc->id, "type", "function", "function", "name",
		        tc->name[0] ? tc->name : "unnamed", "arguments",
		        tc->too_long ? "{}" : tc->args));
	}
	json_object_set_new(m, "tool_calls", calls);
	return m;
}

static json_t *
fail(const char *code, const char *fmt, const char *a, const char *b)
{
	char err[512];

	snprintf(err, sizeof(err), fmt, a, b);
	return json_pack(
	    "{s:b, s:s, s:s}", "ok", 0, "code", code, "error", err);
}

/* The idempotency key of a write: the same arguments on this call give
 * the same key, so a repeated call cannot book twice. */
static void
idem_key(const char *call_id, const char *tool, const json_t *args, char *out,
    size_t len)
{
	char *s = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t h = 1469598103934665603ull;
	const char *p;

	for (p = s ? s : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	free(s);
	snprintf(
	    out, len, "%s-%s-%016llx", call_id, tool, (unsigned long long)h);
}

static void
strip_nulls(json_t *args)
{
	const char *key;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(args, tmp, key, v) if (json_is_null(v))
	    json_object_del(args, key);
}

static void
outcome(struct brain_call *c, const char *what, const char *notes, int weak)
{
	if (weak && c->st.outcome[0])
		return;
	call_set_outcome(c, what, notes);
}

/* Copy the string argument key into buf, if there is one. */
static void
keep(char *buf, size_t len, const json_t *args, const char *key)
{
	const char *v = json_string_value(json_object_get(args, key));

	if (v)
		snprintf(buf, len, "%s", v);
}

/* Remember what a successful crm-tools call established. */
static void
learn(struct llm_call *lc, const char *tool, const json_t *args,
    const json_t *res)
{
	struct brain_call *c = lc->bc;
	struct call_state *st = &c->st;
	const char *s;
	char notes[256];
	json_t *v;
	size_t i;
	time_t day;
	int minute;

	if (strcmp(tool, "get_available_slots") == 0 ||
	    strcmp(tool, "find_slots") == 0) {
		const struct fd_service *svc = fd_business_service(c->biz,
		    json_string_value(json_object_get(args, "service")));

		if (svc)
			st->service = svc;
		st->noffered = 0;
		/* get_available_slots lists strings, find_slots {start,end} */
		json_array_foreach(json_object_get(res, "slots"), i, v)
		{
			const char *sl = json_is_string(v)
			    ? json_string_value(v)
			    : json_string_value(json_object_get(v, "start"));

			if (sl && st->noffered < CALL_MAX_OFFER)
				snprintf(st->offered[st->noffered++],
				    sizeof(st->offered[0]), "%s", sl);
		}
		if (st->noffered > 0 &&
		    dt_parse_slot(st->offered[0], &day, &minute) == 0) {
			st->day = day;
			st->have_day = 1;
		}
		if ((s = json_string_value(json_object_get(args, "after"))) &&
		    strlen(s) == 5 && s[2] == ':') {
			st->have_time = 1;
			st->minute = atoi(s) * 60 + atoi(s + 3);
			st->time_rel = DT_AFTER;
		}
	} else if (strcmp(tool, "book_appointment") == 0) {
		const struct fd_service *svc = fd_business_service(c->biz,
		    json_string_value(json_object_get(args, "service")));

		if (svc)
			st->service = svc;
		st->bookings++;
		snprintf(st->chosen, sizeof(st->chosen), "%s",
		    json_string_value(json_object_get(args, "start")));
		v = json_object_get(res, "appointment_id");
		if (json_is_integer(v))
			snprintf(st->appointment_id, sizeof(st->appointment_id),
			    "%lld", (long long)json_integer_value(v));
		else if (json_is_string(v))
			snprintf(st->appointment_id, sizeof(st->appointment_id),
			    "%s", json_string_value(v));
		if ((s = json_string_value(
		         json_object_get(res, "confirmation"))) != NULL)
			snprintf(st->confirmation, sizeof(st->confirmation),
			    "%s", s);
		snprintf(notes, sizeof(notes), "%.60s at %.20s",
		    json_string_value(json_object_get(args, "service")),
		    st->chosen);
		outcome(c, "booked", notes, 0);
	} else if (strcmp(tool, "reschedule_appointment") == 0) {
		outcome(c, "rescheduled",
		    json_string_value(json_object_get(args, "new_start")), 0);
	} else if (strcmp(tool, "cancel_appointment") == 0) {
		outcome(c, "cancelled", "appointment cancelled", 0);
	} else if (strcmp(tool, "take_message") == 0) {
		keep(st->msg_name, sizeof(st->msg_name), args, "name");
		keep(st->msg_number, sizeof(st->msg_number), args,
		    "callback_number");
		keep(st->msg_text, sizeof(st->msg_text), args, "message");
		keep(st->msg_urgency, sizeof(st->msg_urgency), args, "urgency");
		snprintf(notes, sizeof(notes), "message from %.60s: %.160s",
		    json_string_value(json_object_get(args, "name")),
		    json_string_value(json_object_get(args, "message")));
		outcome(c, "message_taken", notes, 0);
	} else if (strcmp(tool, "request_callback") == 0) {
		keep(st->msg_number, sizeof(st->msg_number), args, "phone");
		outcome(c, "callback_requested",
		    json_string_value(json_object_get(args, "reason")), 0);
	} else if (strcmp(tool, "qualify_lead") == 0) {
		keep(st->msg_name, sizeof(st->msg_name), args, "name");
		keep(st->lead_need, sizeof(st->lead_need), args, "need");
		keep(st->lead_timeline, sizeof(st->lead_timeline), args,
		    "timeline");
		outcome(c, "lead",
		    json_string_value(json_object_get(args, "need")), 0);
	} else if (strcmp(tool, "vehicle_status") == 0) {
		outcome(c, "status_given", "vehicle status", 1);
	}
}

/* verify_caller matched: the call is that customer's (for an unknown
 * caller, the one of the account phone given). */
static void
verified(struct llm_call *lc, const json_t *args, const json_t *res)
{
	struct call_state *st = &lc->bc->st;
	const json_t *id = json_object_get(res, "customer_id");
	const char *phone = json_string_value(json_object_get(args, "phone"));

	st->identity_confirmed = 1;
	st->verified = 1;
	lc->verified = 1;
	if (json_is_integer(id))
		snprintf(st->customer_id, sizeof(st->customer_id), "%lld",
		    (long long)json_integer_value(id));
	if (phone)
		snprintf(
		    st->verify_phone, sizeof(st->verify_phone), "%s", phone);
}

/* verify_caller matched the name and account phone but had no second
 * factor: the prompt says what the caller may hear until they give one. */
static void
identified(struct llm_call *lc, const json_t *args, const json_t *res)
{
	struct call_state *st = &lc->bc->st;
	const json_t *id = json_object_get(res, "customer_id");
	const char *phone = json_string_value(json_object_get(args, "phone"));

	st->identified = 1;
	if (json_is_integer(id))
		snprintf(st->customer_id, sizeof(st->customer_id), "%lld",
		    (long long)json_integer_value(id));
	if (phone)
		snprintf(
		    st->verify_phone, sizeof(st->verify_phone), "%s", phone);
}

static json_t *
run_crm(struct llm_call *lc, const struct llm_tool *t, json_t *args)
{
	struct brain_call *c = lc->bc;
	json_t *rep, *res;
	char key[160];

	if (strcmp(t->crm_name, "book_appointment") == 0 ||
	    strcmp(t->crm_name, "take_message") == 0) {
		idem_key(c->st.call_id, t->crm_name, args, key, sizeof(key));
		json_object_set_new(args, "idempotency_key", json_string(key));
	}
	json_incref(args);
	rep = call_tool(c, t->crm_name, args);
	if (rep == NULL) {
		json_decref(args);
		return fail("unavailable",
		    "%s%sthe system did not answer; "
		    "tell the caller and offer to take a message",
		    "", "");
	}
	res = json_object_get(rep, "result");
	if (json_is_true(json_object_get(rep, "ok"))) {
		if (t->kind == LLM_T_TRANSFER &&
		    json_is_true(json_object_get(res, "available")) &&
		    json_string_value(json_object_get(res, "number")))
			snprintf(lc->transfer_to, sizeof(lc->transfer_to), "%s",
			    json_string_value(json_object_get(res, "number")));
		else if (t->kind == LLM_T_VERIFY &&
		    json_is_true(json_object_get(res, "verified")))
			verified(lc, args, res);
		else if (t->kind == LLM_T_VERIFY &&
		    json_is_true(json_object_get(res, "identified")))
			identified(lc, args, res);
		else if (t->kind == LLM_T_DENY) {
			brain_forget_caller(c);
			c->st.verified = 0;
			lc->verified = 0;
			/* on a call we placed: nobody to talk to about it */
			if (call_outbound(&c->st))
				call_job_outcome(c, "wrong_person",
				    "not the "
				    "customer (model)");
		} else
			learn(lc, t->crm_name, args, res);
	}
	json_decref(args);
	return rep;
}

/* Tools that change the caller's bookings or orders. */
static int
commits(const char *crm_name)
{
	static const char *const w[] = {"book_appointment",
	    "reschedule_appointment", "cancel_appointment", "cancel_order",
	    NULL};
	int i;

	for (i = 0; crm_name && w[i]; i++)
		if (strcmp(crm_name, w[i]) == 0)
			return 1;
	return 0;
}

/* One call: the JSON answer for the model. */
static json_t *
run_one(struct llm_call *lc, const struct llm_catalog *cat,
    const struct llm_toolcall *tc)
{
	struct brain_call *c = lc->bc;
	const struct llm_tool *t;
	json_t *args, *rep;
	char err[384];

	if ((t = llm_catalog_find(cat, tc->name)) == NULL) {
		log_warnx(
		    c->st.call_id, "llm called unknown tool '%.64s'", tc->name);
		lc->stats.tools_refused++;
		return fail("unknown_tool", "there is no tool named '%.64s'%s",
		    tc->name, "; use only the tools provided");
	}
	if (tc->too_long) {
		lc->stats.tools_refused++;
		return fail("bad_args", "%s%sarguments too long", "", "");
	}
	if ((args = fd_args_parse(tc->args, err, sizeof(err))) == NULL ||
	    fd_schema_check(t->check, args, err, sizeof(err)) != 0) {
		log_info(c->st.call_id, "llm tool %s refused: %s (%.200s)",
		    t->name, err, tc->args);
		json_decref(args);
		lc->stats.tools_refused++;
		return fail("bad_args",
		    "%s%s; nothing was done, fix the "
		    "arguments and call again",
		    err, "");
	}
	if (!lc->caller_yes && lc->yes_weak && commits(t->crm_name)) {
		/* the same check the local brain makes (weak_yes) */
		log_info(c->st.call_id,
		    "llm tool %s refused: the caller's yes was heard weakly",
		    t->name);
		json_decref(args);
		lc->stats.tools_refused++;
		c->st.yes_checked = 1;
		return fail("confirm_again", "%s%s",
		    "nothing was done: the caller's yes was heard unclearly; "
		    "ask them once more to say yes or no, and call this "
		    "again once they say yes",
		    "");
	}
	if (!lc->caller_yes && commits(t->crm_name)) {
		/* the read-back the local brain always does: a booking, a
		 * move or a cancel runs on the caller's own yes */
		log_info(c->st.call_id,
		    "llm tool %s refused: the caller has "
		    "not confirmed (%.200s)",
		    t->name, tc->args);
		json_decref(args);
		lc->stats.tools_refused++;
		return fail("confirm_first", "%s%s",
		    "nothing was done: read "
		    "the details back to the caller (service, day and time, "
		    "or which order) and ask them to confirm; call this again "
		    "once they say yes",
		    "");
	}
	strip_nulls(args);
	if (commits(t->crm_name))
		c->st.yes_checked = 0; /* the next read-back's yes is its own */
	lc->stats.tools_run++;
	log_info(c->st.call_id, "llm tool %s %.300s", t->name, tc->args);
	switch (t->kind) {
	case LLM_T_OUTCOME:
		call_set_outcome(c,
		    json_string_value(json_object_get(args, "outcome")),
		    json_string_value(json_object_get(args, "notes")));
		json_decref(args);
		return json_pack("{s:b, s:{}}", "ok", 1, "result");
	case LLM_T_END:
		lc->end_call = 1;
		json_decref(args);
		return json_pack(
		    "{s:b, s:{s:b}}", "ok", 1, "result", "ending", 1);
	case LLM_T_VERIFY:
		/* only name, phone, confirmation and VIN digits reach
		 * verify_caller, which checks them against the caller ID's
		 * customer, or the customer of the account phone given
		 * (never an id) */
		rep = json_pack("{s:O*, s:O*, s:O*, s:O*}", "name",
		    json_object_get(args, "name"), "phone",
		    json_object_get(args, "phone"), "confirmation",
		    json_object_get(args, "confirmation"), "vin_last",
		    json_object_get(args, "vin_last"));
		json_decref(args);
		return run_crm(lc, t, rep);
	default:
		return run_crm(lc, t, args);
	}
}

static json_t *
tool_msg(const char *id, json_t *ans)
{
	char *s = ans ? json_dumps(ans, JSON_COMPACT) : NULL;
	json_t *m;

	if (s == NULL) {
		json_decref(ans);
		return json_pack("{s:s, s:s, s:s}", "role", "tool",
		    "tool_call_id", id, "content",
		    "{\"ok\":false,\"code\":"
		    "\"internal\",\"error\":\"no result\"}");
	}
	if (strlen(s) > RESULT_MAX) {
		char *big = s;

		json_t *t;
		size_t k = RESULT_MAX;

		while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--; /* not inside a UTF-8 sequence */
		s[k] = '\0';
		t = json_pack("{s:b, s:b, s:s}", "ok",
		    json_is_true(json_object_get(ans, "ok")), "truncated", 1,
		    "partial", big);
		s = t ? json_dumps(t, JSON_COMPACT) : NULL;
		json_decref(t);
		free(big);
	}
	json_decref(ans);
	m = json_pack("{s:s, s:s, s:s}", "role", "tool", "tool_call_id", id,
	    "content", s ? s : "{}");
	free(s);
	return m;
}

void
llm_exec_calls(
    struct llm_call *lc, const struct llm_catalog *cat, struct llm_reply *r)
{
	int i;

	for (i = 0; i < r->ncalls; i++)
		if (r->calls[i].id[0] == '\0')
			snprintf(r->calls[i].id, sizeof(r->calls[i].id),
			    "call_fd%d_%d", lc->stats.rounds, i);
	llm_history_add(lc->hist, llm_assistant_msg(r));
	for (i = 0; i < r->ncalls; i++)
		llm_history_add(lc->hist,
		    tool_msg(r->calls[i].id, run_one(lc, cat, &r->calls[i])));
}
