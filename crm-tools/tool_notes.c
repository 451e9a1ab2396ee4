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

/* INSERT .. ON CONFLICT (idem_key) DO NOTHING RETURNING id, falling back to
 * the row the key already made. */
static int
insert_once(struct crm_ctx *c, const char *table, const char *sql, int n,
    const char *const *p, const char *key, long long *id)
{
	char q[128];
	const char *kp[1] = {key};
	int r;

	if ((r = crm_qll(c, sql, n, p, id)) != 0 || key == NULL)
		return r;
	snprintf(q, sizeof(q), "SELECT id FROM %s WHERE idem_key = $1", table);
	return crm_qll(c, q, 1, kp, id);
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
	char phone[40], kb[96], cb[24];
	const char *name, *msg, *urg, *p[7];
	long long id, who;
	int level, bad;

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
	who = crm_identity(c, &level);
	p[0] = c->call_id[0] ? c->call_id : NULL;
	p[1] = crm_id(cb, who);
	p[2] = name;
	p[3] = phone[0] ? phone : NULL;
	p[4] = msg;
	p[5] = urg;
	p[6] = idem_key(c, kb, sizeof(kb));
	if (insert_once(c, "messages",
	        "INSERT INTO messages (call_sid, "
	        "customer_id, name, callback_number, body, urgency, idem_key) "
	        "VALUES "
	        "($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idem_key) DO "
	        "NOTHING "
	        "RETURNING id",
	        7, p, p[6], &id) != 1)
		return c->code ? NULL : crm_fail(c, "internal", "not stored");
	log_info(c->call_id, "message %lld taken (%s)", id, urg);
	if (arg_bool(c, "call_back", 0))
		crm_job_note(
		    c, "callback", "message_id", id, who, p[3], 0, msg);
	return json_pack("{s:I, s:s, s:s?}", "message_id", (json_int_t)id,
	    "urgency", urg, "callback_number", p[3]);
}

json_t *
tool_qualify_lead(struct crm_ctx *c)
{
	char kb[96], cb[24], phone[40];
	const char *name, *need, *contact, *timeline, *urg, *score, *p[9];
	long long id, who;
	int level;

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
	who = crm_identity(c, &level);
	p[0] = c->call_id[0] ? c->call_id : NULL;
	p[1] = crm_id(cb, who);
	p[2] = name;
	p[3] = contact;
	p[4] = need;
	p[5] = timeline;
	p[6] = urg;
	p[7] = score;
	p[8] = idem_key(c, kb, sizeof(kb));
	if (insert_once(c, "leads",
	        "INSERT INTO leads (call_sid, customer_id, "
	        "name, contact, need, timeline, urgency, score, idem_key) "
	        "VALUES "
	        "($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (idem_key) "
	        "DO "
	        "NOTHING RETURNING id",
	        9, p, p[8], &id) != 1)
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
	char phone[40], kb[96], cb[24], db[24], due_s[32];
	const char *when, *reason, *p[7];
	long long id, who;
	time_t due = 0;
	int level, bad;

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
	who = crm_identity(c, &level);
	p[0] = c->call_id[0] ? c->call_id : NULL;
	p[1] = crm_id(cb, who);
	p[2] = phone;
	p[3] = when;
	p[4] = due ? crm_num(db, (long long)due) : NULL;
	p[5] = reason;
	p[6] = idem_key(c, kb, sizeof(kb));
	if (insert_once(c, "callbacks",
	        "INSERT INTO callbacks (call_sid, "
	        "customer_id, phone, when_text, due_at, reason, idem_key) "
	        "VALUES "
	        "($1, $2, $3, $4, to_timestamp($5::bigint), $6, $7) ON "
	        "CONFLICT "
	        "(idem_key) DO NOTHING RETURNING id",
	        7, p, p[6], &id) != 1)
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
