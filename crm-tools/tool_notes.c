/*
 * tool_notes.c - what the receptionist writes down for the staff
 * (take_message, qualify_lead, request_callback), whether a human can take
 * the call (transfer_to_human), the call's outcome, and the VIN decoder
 * (offline checks, then NHTSA vPIC through vpic.c).  Writes carry an idempotency key (the spool id on replay, or the
 * caller's idempotency_key) so a repeated request stores one row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crm.h"
#include "crm_util.h"
#include "log.h"
#include "slots.h"
#include "vin.h"
#include "vpic.h"

static const char *
idem_key(struct crm_ctx *c, char *buf, size_t len)
{
	const char *k = arg_str(c, "idempotency_key");

	if (c->replay && c->spool_key)
		snprintf(buf, len, "spool:%s", c->spool_key);
	else if (k)
		snprintf(buf, len, "key:%.80s", k);
	else
		return NULL;
	return buf;
}

/* One row of what a caller left into `table`: call_sid, customer_id (the
 * caller as identified so far, *who), the columns `cols` with the values
 * `vals` (SQL over $3.., one for each of p[0..n)) and the idempotency key.
 * A retry with the same key finds the row the first one made.  1 with *id
 * set; otherwise the row is not stored (c->code says why when set). */
static int
insert_note(struct crm_ctx *c, const char *table, const char *cols,
    const char *vals, int n, const char *const *p, long long *id,
    long long *who)
{
	char q[512], kb[96], cb[24];
	const char *all[12];
	int i, r, level;

	*who = crm_identity(c, &level);
	all[0] = c->call_id[0] ? c->call_id : NULL;
	all[1] = crm_id(cb, *who);
	for (i = 0; i < n && i < 9; i++)
		all[2 + i] = p[i];
	all[2 + i] = idem_key(c, kb, sizeof(kb));
	snprintf(q, sizeof(q),
	    "INSERT INTO %s (call_sid, customer_id, %s, idem_key) "
	    "VALUES ($1, $2, %s, $%d) ON CONFLICT (idem_key) DO NOTHING "
	    "RETURNING id",
	    table, cols, vals, i + 3);
	if ((r = crm_qll(c, q, i + 3, all, id)) != 0 || all[2 + i] == NULL)
		return r;
	snprintf(q, sizeof(q), "SELECT id FROM %s WHERE idem_key = $1", table);
	return crm_qll(c, q, 1, &all[2 + i], id);
}

static const char *
phone_or_caller(
    struct crm_ctx *c, const char *key, char *out, size_t len, int *bad)
{
	const char *s = arg_str(c, key);

	*bad = 0;
	if (s) {
		if (crm_phone_norm(s, out, len) == 0)
			return out;
		*bad = 1;
		return NULL;
	}
	if (c->from[0]) {
		snprintf(out, len, "%s", c->from);
		return out;
	}
	return NULL;
}

json_t *
tool_take_message(struct crm_ctx *c)
{
	char phone[40];
	const char *name, *msg, *urg, *p[4];
	long long id, who;
	int bad;

	if (crm_call_load(c) != 0)
		return NULL;
	if ((name = arg_need(c, "name", 120)) == NULL ||
	    (msg = arg_need(c, "message", 4000)) == NULL)
		return NULL;
	if ((urg = crm_urgency(arg_str(c, "urgency"))) == NULL)
		return crm_fail(
		    c, "bad_args", "urgency is low, normal or high");
	phone[0] = '\0';
	phone_or_caller(c, "callback_number", phone, sizeof(phone), &bad);
	if (bad)
		return crm_fail(c, "bad_args",
		    "callback_number is not a phone "
		    "number");
	p[0] = name;
	p[1] = phone[0] ? phone : NULL;
	p[2] = msg;
	p[3] = urg;
	if (insert_note(c, "messages", "name, callback_number, body, urgency",
	        "$3, $4, $5, $6", 4, p, &id, &who) != 1)
		return c->code ? NULL : crm_fail(c, "internal", "not stored");
	log_info(c->call_id, "message %lld taken (%s)", id, urg);
	if (arg_bool(c, "call_back", 0))
		crm_job_note(
		    c, "callback", "message_id", id, who, p[1], 0, msg);
	return json_pack("{s:I, s:s, s:s?}", "message_id", (json_int_t)id,
	    "urgency", urg, "callback_number", p[1]);
}

json_t *
tool_qualify_lead(struct crm_ctx *c)
{
	char phone[40];
	const char *name, *need, *contact, *timeline, *urg, *score, *p[6];
	long long id, who;

	if (crm_call_load(c) != 0)
		return NULL;
	if ((name = arg_need(c, "name", 120)) == NULL ||
	    (need = arg_need(c, "need", 2000)) == NULL)
		return NULL;
	if ((contact = arg_str(c, "contact")) == NULL)
		contact = c->from[0] ? c->from : NULL;
	if (contact == NULL)
		return crm_fail(c, "bad_args", "missing argument 'contact'");
	if ((urg = crm_urgency(arg_str(c, "urgency"))) == NULL)
		return crm_fail(
		    c, "bad_args", "urgency is low, normal or high");
	timeline = arg_str(c, "timeline");
	score = crm_lead_score(urg, timeline);
	p[0] = name;
	p[1] = contact;
	p[2] = need;
	p[3] = timeline;
	p[4] = urg;
	p[5] = score;
	if (insert_note(c, "leads",
	        "name, contact, need, timeline, urgency, score",
	        "$3, $4, $5, $6, $7, $8", 6, p, &id, &who) != 1)
		return c->code ? NULL : crm_fail(c, "internal", "not stored");
	log_info(c->call_id, "lead %lld (%s)", id, score);
	if (crm_phone_norm(contact, phone, sizeof(phone)) == 0)
		crm_job_note(
		    c, "lead_followup", "lead_id", id, who, phone, 0, need);
	return json_pack(
	    "{s:I, s:s}", "lead_id", (json_int_t)id, "score", score);
}

json_t *
tool_request_callback(struct crm_ctx *c)
{
	char phone[40], db[24], due_s[32];
	const char *when, *reason, *p[4];
	long long id, who;
	time_t due = 0;
	int bad;

	if (crm_call_load(c) != 0)
		return NULL;
	if (phone_or_caller(c, "phone", phone, sizeof(phone), &bad) == NULL)
		return crm_fail(c, "bad_args",
		    bad ? "phone is not a phone "
		          "number"
		        : "no phone given and no caller ID");
	if ((reason = arg_str(c, "reason")) == NULL)
		reason = "";
	when = arg_str(c, "when");
	if (when && crm_parse_instant(when, &due) != 0 &&
	    crm_parse_day(when, c->now, &due) != 0)
		due = 0; /* free text such as "after lunch" */
	p[0] = phone;
	p[1] = when;
	p[2] = due ? crm_num(db, (long long)due) : NULL;
	p[3] = reason;
	if (insert_note(c, "callbacks", "phone, when_text, due_at, reason",
	        "$3, $4, to_timestamp($5::bigint), $6", 4, p, &id, &who) != 1)
		return c->code ? NULL : crm_fail(c, "internal", "not stored");
	log_info(c->call_id, "callback %lld requested", id);
	crm_job_note(c, "callback", "callback_id", id, who, phone, due, reason);
	due_s[0] = '\0';
	if (due)
		fd_time_fmt(due, due_s, sizeof(due_s));
	return json_pack("{s:I, s:s, s:s?, s:s?}", "callback_id",
	    (json_int_t)id, "phone", phone, "when", when, "due_at",
	    due ? due_s : NULL);
}

json_t *
tool_transfer_to_human(struct crm_ctx *c)
{
	char next[32];
	time_t day, open, close;
	int avail, i;
	json_t *res;

	avail =
	    fd_business_open_at(&crm_biz, c->now) && crm_biz.transfer_number[0];
	res = json_pack(
	    "{s:b, s:s?}", "available", avail, "reason", arg_str(c, "reason"));
	if (avail) {
		json_object_set_new(
		    res, "number", json_string(crm_biz.transfer_number));
		return res;
	}
	/* when staff will be there next */
	day = fd_day_start(c->now);
	for (i = 0; i <= 14; i++) {
		if (slots_day_window(
		        &crm_biz, fd_add_days(day, i), &open, &close) == 0 &&
		    open > c->now) {
			fd_time_fmt(open, next, sizeof(next));
			json_object_set_new(
			    res, "next_open", json_string(next));
			break;
		}
	}
	json_object_set_new(
	    res, "suggest", json_string("take_message or request_callback"));
	return res;
}

json_t *
tool_log_call_outcome(struct crm_ctx *c)
{
	const char *outcome, *p[3];
	PGresult *r;

	if (c->call_id[0] == '\0')
		return crm_fail(c, "bad_request",
		    "log_call_outcome needs a "
		    "call id");
	if ((outcome = arg_need(c, "outcome", 40)) == NULL)
		return NULL;
	if (crm_call_load(c) != 0)
		return NULL;
	p[0] = c->call_id;
	p[1] = outcome;
	p[2] = arg_str(c, "notes");
	if ((r = crm_q(c,
	         "UPDATE calls SET outcome = $2, notes = "
	         "coalesce($3, notes) WHERE call_sid = $1",
	         3, p)) == NULL)
		return NULL;
	if (atoi(PQcmdTuples(r)) == 0)
		log_warnx(c->call_id, "call outcome %s: no such call", outcome);
	else
		log_info(c->call_id, "call outcome %s", outcome);
	PQclear(r);
	return json_pack(
	    "{s:s, s:s}", "call_sid", c->call_id, "outcome", outcome);
}

json_t *
tool_decode_vin(struct crm_ctx *c)
{
	struct vin_info vi;
	const char *vin;
	char exp[2];
	json_t *res, *errs;

	if ((vin = arg_need(c, "vin", 40)) == NULL)
		return NULL;
	vin_decode(vin, &vi);
	errs = json_array();
	if (strlen(vi.vin) != 17)
		json_array_append_new(errs,
		    json_string("a VIN has 17 "
		                "characters"));
	else if (!vi.valid_chars)
		json_array_append_new(errs,
		    json_string("invalid character "
		                "(I, O and Q never appear)"));
	else if (!vi.check_ok)
		json_array_append_new(errs,
		    json_string("check digit does not "
		                "match"));
	if (vi.valid_chars && vi.year == 0)
		json_array_append_new(errs,
		    json_string("position 10 is not a "
		                "model year code"));
	exp[0] = vi.check_expected;
	exp[1] = '\0';
	res = json_pack("{s:s, s:b, s:b, s:s?, s:s?, s:s?, s:s?, s:o}", "vin",
	    vi.vin, "valid", vi.valid_chars && vi.check_ok, "check_ok",
	    vi.check_ok, "check_expected", vi.check_expected ? exp : NULL,
	    "wmi", vi.wmi[0] ? vi.wmi : NULL, "manufacturer", vi.manufacturer,
	    "region", vi.region, "errors", errs);
	json_object_set_new(
	    res, "model_year", vi.year ? json_integer(vi.year) : json_null());
	vpic_decode(c, &vi, res);
	return res;
}
