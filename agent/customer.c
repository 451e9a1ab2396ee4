/*
 * customer.c - reading a lookup_customer reply (crm-tools) into the call
 * state: used by the core at call start (caller id) and by the local
 * brain once verify_caller has matched someone.  Talks to no process.
 */
#include <stdio.h>
#include <string.h>

#include "brain.h"
#include "proto/payload.h"

static void
id_str(json_t *v, char *buf, size_t len)
{
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, len, "%s",
		    json_is_string(v) ? json_string_value(v) : "");
}

int
call_read_customer(struct call_state *st, json_t *rep)
{
	json_t *res, *cust, *veh, *v;
	size_t i;

	res = json_object_get(rep, "result");
	if (!json_is_true(json_object_get(rep, "ok")) ||
	    !json_is_true(json_object_get(res, "found")) ||
	    !json_is_object(cust = json_object_get(res, "customer")))
		return 0; /* unknown, or someone else's number: no details */
	id_str(json_object_get(cust, "customer_id"), st->customer_id,
	    sizeof(st->customer_id));
	snprintf(st->first_name, sizeof(st->first_name), "%s",
	    fd_jstr(cust, "first_name"));
	snprintf(st->last_name, sizeof(st->last_name), "%s",
	    fd_jstr(cust, "last_name"));
	st->nvehicles = 0;
	st->vehicle = 0;
	veh = json_object_get(cust, "vehicles");
	json_array_foreach(veh, i, v)
	{
		struct call_vehicle *cv;
		json_t *year = json_object_get(v, "year");

		if (st->nvehicles >= CALL_MAX_VEHICLES)
			break;
		cv = &st->vehicles[st->nvehicles++];
		id_str(
		    json_object_get(v, "vehicle_id"), cv->id, sizeof(cv->id));
		if (json_is_integer(year))
			snprintf(cv->desc, sizeof(cv->desc), "%lld %s %s",
			    (long long)json_integer_value(year),
			    fd_jstr(v, "make"), fd_jstr(v, "model"));
		else
			snprintf(cv->desc, sizeof(cv->desc), "%s %s",
			    fd_jstr(v, "make"), fd_jstr(v, "model"));
	}
	return 1;
}
