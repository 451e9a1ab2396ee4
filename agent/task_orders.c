/*
 * task_orders.c - repair orders for the local brain: "where is my car", "when
 * will it be ready" (vehicle_status on crm-tools) and cancelling an order
 * with its refund (cancel_order).  Status is read out only to the
 * established owner; a cancellation moves money, so crm-tools needs
 * verify_caller first: the brain asks for the name on the order and
 * states the refund the order's stage allows before it acts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task_orders.h"
#include "spoken.h"
#include "task_identity.h"
#include "proto/payload.h"

/* "RO-1001", "order 1001", "one zero zero one": the order's number. */
static int
order_in(const char *text, char *out, size_t len)
{
	char digits[16];

	if (spoken_digits(text, digits, sizeof(digits)) < 3)
		return 0;
	snprintf(out, len, "RO-%s", digits);
	return 1;
}

/* vehicle_status; NULL (already answered) unless ok. */
static json_t *
status(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	json_t *args = json_object(), *rep;
	const char *k;
	char ord[24], buf[256];

	if (in && in->text && order_in(in->text, ord, sizeof(ord)))
		json_object_set_new(args, "order", json_string(ord));
	rep = call_tool(c, "vehicle_status", args);
	if (tool_ok(rep, &k))
		return rep;
	json_decref(rep);
	if (strcmp(k, "not_found") == 0) {
		tpl_render(T_NO_ORDER, NULL, buf, sizeof(buf));
		if (st->outcome[0] == '\0')
			call_set_outcome(c, "status_given", "no open order");
		anything_else(c, buf);
	} else if (strcmp(k, "forbidden") == 0) {
		tpl_render(T_GUARD_PRIVACY, NULL, buf, sizeof(buf));
		anything_else(c, buf);
	} else {
		tool_failed(c);
	}
	return NULL;
}

void
orders_status(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	json_t *rep, *res;
	char when[96], buf[512], notes[256];
	const char *stage;
	struct tpl_var v[] = {
	    {"vehicle", ""}, {"stage", ""}, {"when", when}, {NULL, NULL}};

	st->task = TASK_STATUS;
	if (!identity_ready(c, TASK_STATUS))
		return;
	if ((rep = status(c, in)) == NULL)
		return;
	res = json_object_get(rep, "result");
	snprintf(st->order, sizeof(st->order), "%s", fd_jstr(res, "number"));
	v[0].val = *fd_jstr(res, "vehicle") ? fd_jstr(res, "vehicle") : "car";
	v[1].val = *fd_jstr(res, "stage_label") ? fd_jstr(res, "stage_label")
	                                        : fd_jstr(res, "stage");
	stage = fd_jstr(res, "stage");
	when_words(c, fd_jstr(res, "expected_ready"), when, sizeof(when));
	tpl_render(when[0] && strcmp(stage, "ready") != 0 &&
	            strcmp(stage, "completed") != 0 &&
	            strcmp(stage, "cancelled") != 0
	        ? T_STATUS_READY_BY
	        : T_STATUS,
	    v, buf, sizeof(buf));
	snprintf(notes, sizeof(notes), "%s: %s", st->order, stage);
	call_set_outcome(c, "status_given", notes);
	json_decref(rep);
	anything_else(c, buf);
}

static void
confirm(struct brain_call *c, const char *vehicle)
{
	struct call_state *st = &c->st;
	char refund[48];
	struct tpl_var v[] = {{"order", st->order}, {"vehicle", vehicle},
	    {"refund", refund}, {NULL, NULL}};

	money_words(st->order_refund_cents, refund, sizeof(refund));
	say_tpl(c, T_ORDER_CONFIRM, v, 0);
	call_hint(c, "yesno", NULL, 0);
	ask(c, ASK_CONFIRM_ORDER);
}

void
orders_cancel_start(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	json_t *rep, *res;
	char buf[512];
	struct tpl_var v[] = {{"vehicle", ""}, {"stage", ""}, {NULL, NULL}};

	st->task = TASK_ORDER_CANCEL;
	if (!identity_ready(c, TASK_ORDER_CANCEL))
		return;
	if ((rep = status(c, in)) == NULL)
		return;
	res = json_object_get(rep, "result");
	snprintf(st->order, sizeof(st->order), "%s", fd_jstr(res, "number"));
	v[0].val = *fd_jstr(res, "vehicle") ? fd_jstr(res, "vehicle") : "car";
	v[1].val = fd_jstr(res, "stage_label");
	if (!json_is_true(json_object_get(res, "cancellable"))) {
		tpl_render(T_ORDER_NOT_CANCELLABLE, v, buf, sizeof(buf));
		json_decref(rep);
		anything_else(c, buf);
		return;
	}
	st->order_refund_cents = (int)json_integer_value(
	    json_object_get(res, "refund_if_cancelled_cents"));
	snprintf(st->order_vehicle, sizeof(st->order_vehicle), "%s", v[0].val);
	json_decref(rep);
	if (!st->verified) {
		say_tpl(c, T_ORDER_ASK_NAME, NULL, 0);
		call_hint(c, "name", NULL, 0);
		ask(c, ASK_ORDER_NAME);
		return;
	}
	confirm(c, st->order_vehicle);
}

void
orders_name_reply(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	char first[64], last[64], name[136];
	int r;

	if (in->ir.best != INT_NONE && in->ir.score >= 4) {
		general(c, in);
		return;
	}
	if (!parse_name(in->text, first, sizeof(first), last, sizeof(last))) {
		not_understood(c, in);
		return;
	}
	snprintf(name, sizeof(name), "%s%s%s", first, last[0] ? " " : "", last);
	if ((r = identity_verify(c, name, NULL)) < 0)
		return;
	if (r == 2) {
		/* a name is no proof without the caller ID: a second factor */
		st->pending_task = TASK_ORDER_CANCEL;
		identity_ask_factor(c, T_VERIFY_FACTOR);
		return;
	}
	if (r == 0) {
		say_tpl(c, T_ORDER_NAME_BAD, NULL, 0);
		call_hint(c, "name", NULL, 0);
		return;
	}
	confirm(c, st->order_vehicle);
}

void
orders_confirm_reply(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	json_t *rep, *res;
	const char *k;
	char refund[48], buf[400], notes[256];
	struct tpl_var v[] = {
	    {"order", st->order}, {"refund", refund}, {NULL, NULL}};

	if (in->ir.pol == POL_NO && in->ir.best == INT_GOODBYE) {
		goodbye(c); /* "no, that's all" */
		return;
	}
	if (in->ir.pol == POL_NO) {
		tpl_render(T_KEEP_IT, NULL, buf, sizeof(buf));
		anything_else(c, buf);
		return;
	}
	if (in->ir.pol != POL_YES) {
		if (in->ir.best != INT_NONE && in->ir.best != INT_CANCEL)
			general(c, in);
		else
			not_understood(c, in);
		return;
	}
	rep = call_tool(c, "cancel_order",
	    json_pack("{s:s, s:s}", "order", st->order, "reason",
	        "caller cancelled by phone"));
	if (!tool_ok(rep, &k)) {
		json_decref(rep);
		if (strcmp(k, "not_cancellable") == 0) {
			struct tpl_var nv[] = {{"vehicle", st->order_vehicle},
			    {"stage", "too far along"}, {NULL, NULL}};

			tpl_render(
			    T_ORDER_NOT_CANCELLABLE, nv, buf, sizeof(buf));
			anything_else(c, buf);
		} else if (strcmp(k, "forbidden") == 0 ||
		    strcmp(k, "verification_required") == 0) {
			tpl_render(T_GUARD_PRIVACY, NULL, buf, sizeof(buf));
			anything_else(c, buf);
		} else {
			tool_failed(c);
		}
		return;
	}
	res = json_object_get(rep, "result");
	money_words(
	    (int)json_integer_value(json_object_get(res, "refund_cents")),
	    refund, sizeof(refund));
	tpl_render(T_ORDER_CANCELLED, v, buf, sizeof(buf));
	snprintf(notes, sizeof(notes), "order %s cancelled, refund %s",
	    st->order, refund);
	call_set_outcome(c, "cancelled", notes);
	json_decref(rep);
	anything_else(c, buf);
}
