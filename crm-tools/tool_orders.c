/*
 * tool_orders.c - repair orders: "where is my car" (vehicle_status) and
 * cancel_order, whose deposit refund follows the order_stages table
 * (full before parts are ordered, half while waiting for parts, none once
 * the work started).  Both act only on the caller's own orders; cancelling
 * moves money, so it needs a caller verified by verify_caller.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "log.h"

#define ORDER_JSON                                                             \
	"json_build_object('order_id', o.id, 'number', o.number, "             \
	"'customer_id', o.customer_id, 'vehicle', concat_ws(' ', v.year, "     \
	"v.make, v.model), 'plate', v.plate, 'description', o.description, "   \
	"'stage', o.stage, 'stage_label', st.label, 'expected_ready', "        \
	"fd_local(o.expected_ready), 'price_cents', o.price_cents, "           \
	"'deposit_cents', o.deposit_cents, 'balance_cents', o.price_cents - "  \
	"o.deposit_cents, 'refund_cents', o.refund_cents, 'cancellable', "     \
	"st.cancellable, 'refund_if_cancelled_cents', CASE WHEN "              \
	"st.cancellable "                                                      \
	"THEN o.deposit_cents * st.refund_pct / 100 ELSE 0 END, "              \
	"'updated_at', "                                                       \
	"fd_local(o.updated_at))"
#define ORDER_FROM                                                             \
	" FROM orders o JOIN order_stages st ON st.stage = o.stage "           \
	"LEFT JOIN vehicles v ON v.id = o.vehicle_id "

/* The order an argument names: "RO-1001", "ro1001", "1001" or an id. */
static json_t *
order_named(struct crm_ctx *c, const char *name)
{
	char num[32], digits[24];
	const char *p[2];
	size_t i, n = 0;

	for (i = 0; name[i] && n < sizeof(digits) - 1; i++)
		if (isdigit((unsigned char)name[i]))
			digits[n++] = name[i];
	digits[n] = '\0';
	if (n == 0 || n > 12)
		return crm_fail(c, "bad_args",
		    "'%.32s' is not an order "
		    "number",
		    name);
	snprintf(num, sizeof(num), "RO-%s", digits);
	p[0] = num;
	p[1] = digits;
	return crm_qjson(c,
	    "SELECT " ORDER_JSON ORDER_FROM "WHERE o.number = "
	    "$1 OR o.id = $2::bigint ORDER BY (o.number = $1) DESC LIMIT 1",
	    2, p);
}

static json_t *
own_order(struct crm_ctx *c, int min_level)
{
	const char *name = arg_str(c, "order");
	char ib[24], nb[24];
	const char *p[1];
	long long id, who;
	json_t *o;
	int level;

	if (name == NULL && arg_ll(c, "order_id", &id))
		name = crm_num(nb, id);
	who = crm_identity(c, &level);
	if (name != NULL) {
		o = order_named(c, name);
	} else if (arg_ll(c, "appointment_id", &id)) {
		p[0] = crm_num(ib, id);
		o = crm_qjson(c,
		    "SELECT " ORDER_JSON ORDER_FROM "WHERE "
		    "o.appointment_id = $1",
		    1, p);
	} else if (who == 0) {
		return crm_fail(c, "forbidden",
		    "the caller is not identified: "
		    "lookup_customer or verify_caller first, or ask for the "
		    "order number");
	} else {
		/* the caller's latest open order, else their latest */
		p[0] = crm_num(ib, who);
		o = crm_qjson(c,
		    "SELECT " ORDER_JSON ORDER_FROM "WHERE "
		    "o.customer_id = $1 ORDER BY (o.stage IN ('completed', "
		    "'cancelled')), o.created_at DESC LIMIT 1",
		    1, p);
	}
	return crm_own_record(c, o, min_level, "no such repair order");
}

json_t *
tool_vehicle_status(struct crm_ctx *c)
{
	static const char *const closed[] = {"plate", "description",
	    "price_cents", "deposit_cents", "balance_cents", "refund_cents",
	    "cancellable", "refund_if_cancelled_cents"};
	json_t *o;
	size_t i;
	int level;

	if (crm_call_load(c) != 0)
		return NULL;
	if ((o = own_order(c, CRM_IDENTIFIED)) == NULL)
		return NULL;
	(void)crm_identity(c, &level);
	if (level < CRM_CALLER_ID) {
		/* identified by phone and name only: whether the car is
		 * ready, nothing that needs proof (plate, work, money) */
		for (i = 0; i < sizeof(closed) / sizeof(closed[0]); i++)
			json_object_del(o, closed[i]);
		json_object_set_new(o, "limited",
		    json_string(
		        "identified by "
		        "phone and name only: verify with a second factor for "
		        "the rest"));
	}
	return o;
}

json_t *
tool_cancel_order(struct crm_ctx *c)
{
	char ib[24];
	const char *p[2], *stage;
	json_t *o, *res;
	long long id, refund;
	int n;

	if (crm_call_load(c) != 0)
		return NULL;
	if (arg_str(c, "order") == NULL && !arg_ll(c, "order_id", &id))
		return crm_fail(c, "bad_args", "give the order number");
	if ((o = own_order(c, CRM_VERIFIED)) == NULL)
		return NULL;
	id = json_integer_value(json_object_get(o, "order_id"));
	stage = json_string_value(json_object_get(o, "stage"));
	if (!json_is_true(json_object_get(o, "cancellable"))) {
		crm_fail(c, "not_cancellable",
		    "the order cannot be cancelled "
		    "now: the car is %s",
		    json_string_value(json_object_get(o, "stage_label")));
		json_decref(o);
		return NULL;
	}
	p[0] = crm_num(ib, id);
	p[1] = stage;
	/* the stage is re-checked in the UPDATE: it may have moved on */
	n = crm_qll(c,
	    "UPDATE orders o SET stage = 'cancelled', refund_cents "
	    "= o.deposit_cents * st.refund_pct / 100, cancelled_at = now(), "
	    "updated_at = now() FROM order_stages st WHERE st.stage = o.stage "
	    "AND o.id = $1 AND o.stage = $2 AND st.cancellable RETURNING "
	    "o.refund_cents",
	    2, p, &refund);
	if (n < 0) {
		json_decref(o);
		return NULL;
	}
	if (n == 0) {
		json_decref(o);
		return crm_fail(c, "not_cancellable",
		    "the order changed stage "
		    "meanwhile; it cannot be cancelled now");
	}
	log_info(c->call_id,
	    "order %lld cancelled in stage %s, refund %lld "
	    "cents",
	    id, stage, refund);
	res = json_pack("{s:I, s:O, s:b, s:s, s:I, s:O}", "order_id",
	    (json_int_t)id, "number", json_object_get(o, "number"), "cancelled",
	    1, "previous_stage", stage, "refund_cents", (json_int_t)refund,
	    "deposit_cents", json_object_get(o, "deposit_cents"));
	json_decref(o);
	return res;
}
