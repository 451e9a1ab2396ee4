/*
 * tool_appointments.c - the caller's booked appointments:
 * get_upcoming_appointments, cancel_appointment and
 * reschedule_appointment, each only on the verified caller's own record.
 * A move takes the same quarter-hour bay locks as a booking and retries a
 * lost race.  Runs in crm-tools; writes PostgreSQL, tells the bay ledger
 * which days changed and pushes the change to the external calendar
 * (calsync).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "booking.h"
#include "calsync.h"
#include "clock.h"
#include "crm.h"
#include "crm_util.h"
#include "log.h"
#include "ledger.h"

json_t *
appointment_by(struct crm_ctx *c, const char *where, const char *val)
{
	char sql[1024];
	const char *p[1] = {val};

	snprintf(
	    sql, sizeof(sql), "SELECT " APPT_JSON APPT_FROM "WHERE %s", where);
	return crm_qjson(c, sql, 1, p);
}

json_t *
with_calendar(struct crm_ctx *c, json_t *appt, long long id)
{
	json_t *cal;

	if (appt == NULL || json_is_null(appt) ||
	    (cal = calsync_now(c, id)) == NULL)
		return appt;
	json_object_set_new(appt, "calendar", cal);
	return appt;
}

json_t *
tool_get_upcoming_appointments(struct crm_ctx *c)
{
	char cb[24], nb[24];
	const char *p[2];
	long long who, want;
	json_t *list;
	int level;

	if (crm_call_load(c) != 0)
		return NULL;
	who = crm_identity(c, &level);
	if (who == 0)
		return crm_fail(c, "forbidden",
		    "the caller is not identified: "
		    "lookup_customer or verify_caller first");
	if (arg_ll(c, "customer_id", &want) && want != who)
		return crm_fail(c, "forbidden",
		    "this record does not belong "
		    "to the caller");
	if (level < CRM_CALLER_ID)
		return crm_fail(c, "verification_required",
		    "appointments "
		    "are read only to a verified caller: verify_caller with a "
		    "second factor (vin_last or a confirmation code)");
	p[0] = crm_num(cb, who);
	p[1] = crm_num(nb, (long long)c->now);
	list = crm_qjson(c,
	    "SELECT coalesce(json_agg(" APPT_JSON
	    " ORDER BY lower(a.during)), '[]')" APPT_FROM "WHERE a.customer_id "
	    "= $1 AND a.status IN " ACTIVE " AND upper(a.during) > "
	    "to_timestamp($2)",
	    2, p);
	if (list == NULL)
		return NULL;
	return json_pack(
	    "{s:I, s:o}", "customer_id", (json_int_t)who, "appointments", list);
}

/* The appointment an argument names (id or confirmation), checked to be
 * the caller's.  Returns its JSON or NULL. */
static json_t *
own_appointment(struct crm_ctx *c)
{
	char ib[24], code[CRM_CONF_LEN + 1];
	const char *conf = arg_str(c, "confirmation");
	long long id;
	json_t *appt;

	if (crm_call_load(c) != 0)
		return NULL;
	if (arg_ll(c, "appointment_id", &id))
		appt = appointment_by(c, "a.id = $1", crm_num(ib, id));
	else if (conf && crm_conf_valid(conf)) {
		crm_conf_norm(conf, code);
		appt = appointment_by(c, "a.confirmation = $1", code);
	} else
		return crm_fail(c, "bad_args",
		    "give appointment_id or "
		    "confirmation");
	return crm_own_record(c, appt, CRM_CALLER_ID, "no such appointment");
}

json_t *
tool_cancel_appointment(struct crm_ctx *c)
{
	char ib[24];
	const char *p[2];
	json_t *appt;
	long long id;
	time_t at;
	int n;

	if ((appt = own_appointment(c)) == NULL)
		return NULL;
	id = json_integer_value(json_object_get(appt, "appointment_id"));
	if (strcmp(json_string_value(json_object_get(appt, "status")),
	        "cancelled") == 0) {
		json_object_set_new(appt, "already_cancelled", json_true());
		return appt;
	}
	if (fd_time_parse(
	        json_string_value(json_object_get(appt, "start")), &at) != 0)
		at = 0;
	json_decref(appt);
	p[0] = crm_num(ib, id);
	p[1] = arg_str(c, "reason");
	n = crm_qll(c,
	    "UPDATE appointments SET status = 'cancelled', "
	    "cancel_reason = $2, updated_at = now() WHERE id = $1 AND status "
	    "IN " ACTIVE " RETURNING id",
	    2, p, &id);
	if (n < 0)
		return NULL;
	if (n == 0)
		return crm_fail(c, "not_cancellable",
		    "the appointment is no "
		    "longer active");
	if (at != 0)
		ledger_forget(at);
	else
		ledger_forget_all();
	log_info(c->call_id, "cancelled appointment %lld", id);
	return with_calendar(c, appointment_by(c, "a.id = $1", ib), id);
}

json_t *
tool_reschedule_appointment(struct crm_ctx *c)
{
	char ib[24], sb[24], eb[24], q0[24], q1[24];
	const char *ns, *p[5], *st;
	time_t start, old_start, old_end;
	json_t *appt;
	long long id;
	int dur_s, attempt, n;

	if ((ns = arg_need(c, "new_start", 32)) == NULL)
		return NULL;
	if (crm_parse_instant(ns, &start) != 0)
		return crm_fail(c, "bad_args",
		    "new_start '%.32s' is not "
		    "YYYY-MM-DDTHH:MM",
		    ns);
	if ((appt = own_appointment(c)) == NULL)
		return NULL;
	id = json_integer_value(json_object_get(appt, "appointment_id"));
	st = json_string_value(json_object_get(appt, "status"));
	if (strcmp(st, "booked") != 0 && strcmp(st, "confirmed") != 0) {
		json_decref(appt);
		return crm_fail(c, "not_active", "the appointment is %s", st);
	}
	if (fd_time_parse(json_string_value(json_object_get(appt, "start")),
	        &old_start) != 0 ||
	    fd_time_parse(json_string_value(json_object_get(appt, "end")),
	        &old_end) != 0) {
		json_decref(appt);
		return crm_fail(c, "internal", "bad stored time");
	}
	json_decref(appt);
	dur_s = (int)(old_end - old_start);
	if (check_start(c, start, dur_s, id) != 0)
		return NULL;
	for (attempt = 0; attempt < 8; attempt++) {
		p[0] = crm_num(ib, id);
		p[1] = crm_num(sb, (long long)start);
		p[2] = crm_num(eb, (long long)start + dur_s);
		p[3] = crm_num(q0, (long long)(start / LOCK_QUARTER));
		p[4] = crm_num(
		    q1, (long long)((start + dur_s - 1) / LOCK_QUARTER));
		/* the quarter-hour locks book_appointment takes */
		n = crm_qll(c,
		    "WITH lk AS (" BAY_LOCKS("$4",
		        "$5") ") UPDATE appointments "
		              "a SET during = "
		              "tstzrange(to_timestamp($2), to_timestamp($3)), "
		              "resource_id "
		              "= f.id, updated_at = now() FROM lk, (SELECT "
		              "r.id FROM resources "
		              "r WHERE r.active AND r.kind = 'bay' AND NOT "
		              "EXISTS (SELECT 1 "
		              "FROM appointments b WHERE b.resource_id = r.id "
		              "AND b.id <> "
		              "$1 AND b.status IN " ACTIVE " AND b.during && "
		              "tstzrange(to_timestamp($2), to_timestamp($3))) "
		              "ORDER BY "
		              "(r.id = (SELECT resource_id FROM appointments "
		              "WHERE id = "
		              "$1)) DESC, r.id LIMIT 1) f WHERE a.id = $1 AND "
		              "a.status IN " ACTIVE " RETURNING a.id",
		    5, p, &id);
		if (n == 1)
			break;
		if (n == 0)
			return fail_with_alternatives(c, "slot_taken", start,
			    dur_s, id, "that time is taken");
		if (strcmp(c->sqlstate, "23P01") != 0 &&
		    strcmp(c->sqlstate, "40P01") != 0)
			return NULL; /* not a lost race: a real error */
	}
	if (attempt == 8)
		return fail_with_alternatives(
		    c, "slot_taken", start, dur_s, id, "that time is taken");
	c->code = NULL;
	ledger_forget(old_start);
	ledger_forget(start);
	log_info(c->call_id, "rescheduled appointment %lld", id);
	if ((appt = appointment_by(c, "a.id = $1", ib)) != NULL &&
	    !json_is_null(appt)) {
		char was[32];

		fd_time_fmt(old_start, was, sizeof(was));
		json_object_set_new(appt, "previous_start", json_string(was));
	}
	return with_calendar(c, appt, id);
}
