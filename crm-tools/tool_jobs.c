/*
 * tool_jobs.c - outbound jobs: the reminder calls, callbacks, lead
 * follow-ups and confirmation texts frontdesk places itself.
 *
 * Appointments keep their jobs by trigger (migrations/010_jobs.sql); the
 * notes tools (take_message with call_back, request_callback,
 * qualify_lead) add theirs through crm_job_note(), due when the business
 * is next open inside the calling window.  The scheduler claims due jobs
 * (jobs_claim), reports that the carrier took a call (job_dialed) and how
 * each attempt ended (job_result); the agent reports the outcome of the
 * conversation through job_result too.  Staff mark a callback returned
 * with callback_done.  All of it is internal: the LLM brain never sees
 * these tools.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crm.h"
#include "crm_util.h"
#include "log.h"

struct fd_outbound crm_out;

static const char *const outcomes[] = {
    "confirmed",
    "rescheduled",
    "cancelled",
    "voicemail",
    "answered",
    "busy",
    "no_answer",
    "failed",
    "sent",
    "wrong_person",
    "talked",
    "delivered",
    "undelivered",
};

static int
outcome_valid(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		if (strcmp(s, outcomes[i]) == 0)
			return 1;
	return 0;
}

int
crm_jobs_sync(struct crm_worker *w, char *err, size_t errlen)
{
	char lead[24], sms[8];
	const char *p[2];
	PGresult *r;

	snprintf(lead, sizeof(lead), "%d", crm_out.reminder_lead_h);
	snprintf(
	    sms, sizeof(sms), "%s", crm_out.sms_enabled ? "true" : "false");
	p[0] = lead;
	p[1] = sms;
	r = PQexecParams(w->pg,
	    "UPDATE outbound_settings SET reminder_lead = "
	    "make_interval(hours => $1::int), sms_enabled = $2::boolean",
	    2, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "outbound settings: %s",
		    PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

long long
crm_job_note(struct crm_ctx *c, const char *kind, const char *ref_col,
    long long ref, long long cust, const char *phone, time_t want,
    const char *detail)
{
	char sql[512], rb[24], cb[24], db[24];
	const char *p[6];
	time_t due;
	long long id = 0;
	int n;

	if (phone == NULL || phone[0] == '\0')
		return 0;
	due = fd_outbound_next_open(
	    &crm_out, &crm_biz, want > c->now ? want : c->now);
	p[0] = kind;
	p[1] = crm_num(rb, ref);
	p[2] = crm_id(cb, cust);
	p[3] = phone;
	p[4] = crm_num(db, (long long)due);
	p[5] = detail;
	/* a repeated request (same note) makes no second job */
	snprintf(sql, sizeof(sql),
	    "INSERT INTO jobs (kind, %s, customer_id, "
	    "phone, due_at, expires_at, detail) SELECT $1, $2, $3, $4, "
	    "to_timestamp($5), to_timestamp($5) + interval '7 days', $6 WHERE "
	    "NOT EXISTS (SELECT 1 FROM jobs WHERE %s = $2) RETURNING id",
	    ref_col, ref_col);
	n = crm_qll(c, sql, 6, p, &id);
	if (n < 0) {
		log_err(c->call_id, "%s job for %s %lld not created: %s", kind,
		    ref_col, ref, c->err);
		c->code = NULL;
		return -1;
	}
	if (n == 1)
		log_info(c->call_id, "%s job %lld due %s", kind, id, p[4]);
	return id;
}

static json_t *
job_by_id(struct crm_ctx *c, long long id)
{
	char ib[24];
	const char *p[1] = {crm_num(ib, id)};
	json_t *j;

	j = crm_qjson(
	    c, "SELECT fd_job_json(j) FROM jobs j WHERE j.id = $1", 1, p);
	if (j != NULL && json_is_null(j)) {
		json_decref(j);
		return crm_fail(c, "not_found", "no job %lld", id);
	}
	return j;
}

static int
need_id(struct crm_ctx *c, const char *key, long long *v)
{
	if (!arg_ll(c, key, v) || *v <= 0) {
		crm_fail(c, "bad_args", "%s must be a positive integer", key);
		return -1;
	}
	return 0;
}

json_t *
tool_jobs_claim(struct crm_ctx *c)
{
	char tb[24], lb[24], sb[24], cap[24], ib[24], mc[24];
	const char *owner, *p[8];
	long long lim = crm_out.batch, lease = crm_out.lease_s;
	int calls_ok;
	json_t *jobs;

	if ((owner = arg_need(c, "owner", 64)) == NULL)
		return NULL;
	if (arg_ll(c, "limit", &lim) && (lim < 1 || lim > 100))
		return crm_fail(c, "bad_args", "limit is 1..100");
	if (arg_ll(c, "lease_s", &lease) && (lease < 1 || lease > 3600))
		return crm_fail(c, "bad_args", "lease_s is 1..3600");
	calls_ok = fd_outbound_may_call(&crm_out, &crm_biz, c->now);
	p[0] = crm_num(tb, (long long)c->now);
	p[1] = owner;
	p[2] = crm_num(lb, lim);
	p[3] = crm_num(sb, lease);
	p[4] = calls_ok ? "true" : "false";
	p[5] = crm_num(cap, crm_out.max_concurrent);
	p[6] = crm_num(ib, (long long)(1000.0 / crm_out.calls_per_s));
	p[7] = crm_num(mc, crm_out.max_claims);
	jobs = crm_qjson(c,
	    "SELECT coalesce(json_agg(x), '[]') FROM "
	    "fd_jobs_claim(to_timestamp($1), $2, $3::int, $4::int, "
	    "$5::boolean, $6::int, $7::int, $8::int) x",
	    8, p);
	if (jobs == NULL)
		return NULL;
	if (json_array_size(jobs) > 0)
		log_info(c->call_id, "%s claimed %zu job(s)", owner,
		    json_array_size(jobs));
	return json_pack("{s:o, s:b}", "jobs", jobs, "calls_allowed", calls_ok);
}

json_t *
tool_job_dialed(struct crm_ctx *c)
{
	char ib[24], ab[24], tb[24], ob[24];
	const char *p[5];
	long long id, att;
	json_t *j;

	if (need_id(c, "job_id", &id) != 0 || need_id(c, "attempt", &att) != 0)
		return NULL;
	p[0] = crm_num(ib, id);
	p[1] = crm_num(ab, att);
	if (arg_bool(c, "placing", 0)) {
		/* the carrier request is about to go (see 014) */
		j = crm_qjson(c,
		    "UPDATE job_attempts SET placing_at = "
		    "coalesce(placing_at, now()) WHERE job_id = $1 AND attempt "
		    "= $2 RETURNING json_build_object('placing_at', extract("
		    "epoch FROM placing_at)::bigint, 'call_sid', call_sid)",
		    2, p);
		if (j != NULL && json_is_null(j)) {
			json_decref(j);
			return crm_fail(c, "not_found",
			    "no attempt %lld of job "
			    "%lld",
			    att, id);
		}
		return j;
	}
	p[2] = arg_str(c, "call_sid");
	p[3] = crm_num(tb, (long long)c->now);
	p[4] = crm_num(ob, crm_out.call_timeout_s);
	j = crm_qjson(c,
	    "SELECT fd_job_dialed($1, $2, $3, to_timestamp($4), "
	    "$5)",
	    5, p);
	if (j != NULL && json_is_null(j)) {
		json_decref(j);
		return crm_fail(
		    c, "not_found", "no attempt %lld of job %lld", att, id);
	}
	return j;
}

json_t *
tool_job_result(struct crm_ctx *c)
{
	char ib[24], ab[24], tb[24], mb[24], bo[160];
	const char *p[8], *outc, *e;
	long long id, att;
	size_t o = 0;
	json_t *j;
	int i;

	if (need_id(c, "job_id", &id) != 0 ||
	    need_id(c, "attempt", &att) != 0 ||
	    (outc = arg_need(c, "outcome", 32)) == NULL)
		return NULL;
	if (!outcome_valid(outc))
		return crm_fail(c, "bad_args",
		    "outcome is confirmed, "
		    "rescheduled, cancelled, voicemail, wrong_person, talked, "
		    "answered, busy, no_answer, failed, sent, delivered or "
		    "undelivered");
	o += (size_t)snprintf(bo, sizeof(bo), "{");
	for (i = 0; i < crm_out.nbackoff && o < sizeof(bo); i++)
		o += (size_t)snprintf(bo + o, sizeof(bo) - o, "%s%d",
		    i ? "," : "", crm_out.backoff_s[i]);
	if (o < sizeof(bo))
		snprintf(bo + o, sizeof(bo) - o, "}");
	p[0] = crm_num(ib, id);
	p[1] = crm_num(ab, att);
	p[2] = outc;
	p[3] = arg_str(c, "call_sid");
	p[4] = arg_str(c, "detail");
	p[5] = crm_num(tb, (long long)c->now);
	p[6] = crm_num(mb, crm_out.max_attempts);
	p[7] = bo;
	j = crm_qjson(c,
	    "SELECT fd_job_result($1, $2, $3, $4, $5, "
	    "to_timestamp($6), $7, $8::int[])",
	    8, p);
	if (j == NULL)
		return NULL;
	if (json_is_null(j)) {
		json_decref(j);
		return crm_fail(c, "not_found", "no job %lld", id);
	}
	if ((e = json_string_value(json_object_get(j, "error"))) != NULL) {
		json_decref(j);
		return crm_fail(
		    c, "not_found", "job %lld has no attempt %lld", id, att);
	}
	if (!json_is_true(json_object_get(j, "duplicate")))
		log_info(
		    c->call_id, "job %lld attempt %lld: %s", id, att, outc);
	return j;
}

json_t *
tool_job_cancel(struct crm_ctx *c)
{
	char ib[24];
	const char *p[2];
	long long id;
	int n;

	if (need_id(c, "job_id", &id) != 0)
		return NULL;
	p[0] = crm_num(ib, id);
	p[1] = arg_str(c, "reason");
	n = crm_qll(c,
	    "UPDATE jobs SET status = 'cancelled', outcome = "
	    "coalesce($2, 'cancelled_by_staff'), finished_at = now(), "
	    "updated_at = now() WHERE id = $1 AND status IN ('pending', "
	    "'claimed') RETURNING id",
	    2, p, &id);
	if (n < 0)
		return NULL;
	if (n == 0 && c->code == NULL) {
		json_t *j = job_by_id(c, id);

		if (j == NULL)
			return NULL;
		json_object_set_new(j, "not_cancelled", json_true());
		return j;
	}
	return job_by_id(c, id);
}

json_t *
tool_jobs_list(struct crm_ctx *c)
{
	char lb[24], ab[24];
	const char *p[4];
	long long lim = 50, appt = 0;
	json_t *list;

	if (arg_ll(c, "limit", &lim) && (lim < 1 || lim > 1000))
		return crm_fail(c, "bad_args", "limit is 1..1000");
	arg_ll(c, "appointment_id", &appt);
	p[0] = arg_str(c, "status");
	p[1] = arg_str(c, "kind");
	p[2] = crm_num(lb, lim);
	p[3] = crm_id(ab, appt);
	list = crm_qjson(c,
	    "SELECT coalesce(json_agg(fd_job_json(ROW(j.*)::jobs) ORDER BY "
	    "j.due_at, j.id), '[]') FROM (SELECT * FROM jobs WHERE ($1::text "
	    "IS NULL OR status = $1) AND ($2::text IS NULL OR kind = $2) AND "
	    "($4::bigint IS NULL OR appointment_id = $4) ORDER BY due_at, id "
	    "LIMIT $3::int) j",
	    4, p);
	if (list == NULL)
		return NULL;
	return json_pack("{s:o}", "jobs", list);
}

json_t *
tool_job_get(struct crm_ctx *c)
{
	char ib[24];
	const char *p[1];
	long long id;
	json_t *j, *att;

	if (need_id(c, "job_id", &id) != 0)
		return NULL;
	if ((j = job_by_id(c, id)) == NULL)
		return NULL;
	p[0] = crm_num(ib, id);
	att = crm_qjson(c,
	    "SELECT coalesce(json_agg(json_build_object("
	    "'attempt', attempt, 'claimed_by', claimed_by, 'claimed_at', "
	    "fd_local(claimed_at), 'call_sid', call_sid, 'dialed_at', "
	    "fd_local(dialed_at), 'placing_at', extract(epoch FROM placing_at)"
	    "::bigint, 'outcome', outcome, 'detail', detail, "
	    "'finished_at', fd_local(finished_at)) ORDER BY attempt), '[]') "
	    "FROM job_attempts WHERE job_id = $1",
	    1, p);
	if (att == NULL) {
		json_decref(j);
		return NULL;
	}
	json_object_set_new(j, "attempts", att);
	return j;
}

/* Staff returned the call: the callback jobs of that note are moot. */
json_t *
tool_callback_done(struct crm_ctx *c)
{
	char ib[24];
	const char *p[2], *col;
	long long id;
	json_t *list;

	if (arg_ll(c, "job_id", &id))
		col = "id";
	else if (arg_ll(c, "callback_id", &id))
		col = "callback_id";
	else if (arg_ll(c, "message_id", &id))
		col = "message_id";
	else
		return crm_fail(c, "bad_args",
		    "give job_id, callback_id or "
		    "message_id");
	p[0] = crm_num(ib, id);
	p[1] = arg_str(c, "note");
	if (strcmp(col, "id") == 0)
		list = crm_qjson(c,
		    "WITH u AS (UPDATE jobs SET status = "
		    "'cancelled', outcome = 'returned_by_staff', last_error = "
		    "$2, "
		    "finished_at = now(), updated_at = now() WHERE id = $1 AND "
		    "kind = 'callback' AND status IN ('pending', 'claimed') "
		    "RETURNING *) SELECT "
		    "coalesce(json_agg(fd_job_json(ROW(u.*)::jobs)), '[]') "
		    "FROM u",
		    2, p);
	else if (strcmp(col, "callback_id") == 0)
		list = crm_qjson(c,
		    "WITH u AS (UPDATE jobs SET status = "
		    "'cancelled', outcome = 'returned_by_staff', last_error = "
		    "$2, "
		    "finished_at = now(), updated_at = now() WHERE callback_id "
		    "= "
		    "$1 AND kind = 'callback' AND status IN ('pending', "
		    "'claimed') RETURNING *), cb AS (UPDATE callbacks SET "
		    "status "
		    "= 'done' WHERE id = $1) SELECT coalesce(json_agg("
		    "fd_job_json(ROW(u.*)::jobs)), '[]') FROM u",
		    2, p);
	else
		list = crm_qjson(c,
		    "WITH u AS (UPDATE jobs SET status = "
		    "'cancelled', outcome = 'returned_by_staff', last_error = "
		    "$2, "
		    "finished_at = now(), updated_at = now() WHERE message_id "
		    "= "
		    "$1 AND kind = 'callback' AND status IN ('pending', "
		    "'claimed') RETURNING *), m AS (UPDATE messages SET status "
		    "= 'done' WHERE id = $1) SELECT coalesce(json_agg("
		    "fd_job_json(ROW(u.*)::jobs)), '[]') FROM u",
		    2, p);
	if (list == NULL)
		return NULL;
	log_info(c->call_id,
	    "callback %s %lld returned by staff (%zu job(s) "
	    "cancelled)",
	    col, id, json_array_size(list));
	return json_pack("{s:o}", "cancelled", list);
}

/*
 * Staff place a call now (the admin API's POST /api/v1/calls): purpose
 * "reminder" of appointment_id (its live reminder job is made due now, or
 * a new one made), "callback" to phone (text: what about, optional) or
 * "custom" to phone with text, the purpose the agent speaks of.  Callback
 * and custom are callback jobs (the agent returns the call, detail =
 * text).  The scheduler claims it like any due job, inside the calling
 * window.  Returns the job (and created: false when a live reminder was
 * moved up instead); outbound_disabled while outbound.enabled is off.
 */
json_t *
tool_job_create(struct crm_ctx *c)
{
	char ab[24], nb[24], ph[40];
	const char *purpose, *text, *phone, *p[3];
	long long appt = 0, id = 0;
	int created = 1, n;
	json_t *j;

	if ((purpose = arg_need(c, "purpose", 16)) == NULL)
		return NULL;
	if (!crm_out.enabled)
		return crm_fail(c, "outbound_disabled",
		    "outbound calls are off "
		    "(outbound.enabled = false): nothing would place this "
		    "call");
	text = arg_str(c, "text");
	if (text && strlen(text) > 500)
		return crm_fail(
		    c, "bad_args", "text is at most 500 characters");
	p[1] = crm_num(nb, (long long)c->now);
	if (strcmp(purpose, "reminder") == 0) {
		if (need_id(c, "appointment_id", &appt) != 0)
			return NULL;
		p[0] = crm_num(ab, appt);
		if ((n = crm_qll(c,
		         "SELECT CASE WHEN status NOT IN ('booked', "
		         "'confirmed') THEN -1 WHEN lower(during) <= "
		         "to_timestamp($2) "
		         "THEN -2 ELSE 1 END FROM appointments WHERE id = $1",
		         2, p, &id)) < 0)
			return NULL;
		if (n == 0)
			return crm_fail(
			    c, "not_found", "no appointment %lld", appt);
		if (id < 0)
			return crm_fail(c, "bad_args", "appointment %lld is %s",
			    appt,
			    id == -1 ? "not booked (cancelled or done)"
			             : "in the past");
		/* the trigger's reminder, if still waiting, is placed now */
		if ((n = crm_qll(c,
		         "UPDATE jobs SET due_at = to_timestamp($2), "
		         "updated_at = now() WHERE appointment_id = $1 AND "
		         "kind = "
		         "'reminder' AND status = 'pending' RETURNING id",
		         2, p, &id)) < 0)
			return NULL;
		if (n == 0 &&
		    (n = crm_qll(c,
		         "SELECT id FROM jobs WHERE "
		         "appointment_id = $1 AND kind = 'reminder' AND status "
		         "IN "
		         "('claimed', 'dialing') AND $2::bigint > 0",
		         2, p, &id)) < 0)
			return NULL;
		if (n == 1)
			created = 0;
		else if (crm_qll(c,
		             "INSERT INTO jobs (kind, due_at, expires_at, "
		             "customer_id, appointment_id, detail) SELECT "
		             "'reminder', "
		             "to_timestamp($2), lower(a.during), "
		             "a.customer_id, a.id, "
		             "'placed by staff' FROM appointments a WHERE a.id "
		             "= $1 "
		             "RETURNING id",
		             2, p, &id) != 1)
			return NULL;
	} else if (strcmp(purpose, "callback") == 0 ||
	    strcmp(purpose, "custom") == 0) {
		if ((phone = arg_need(c, "phone", 40)) == NULL)
			return NULL;
		if (crm_phone_norm(phone, ph, sizeof(ph)) != 0)
			return crm_fail(c, "bad_args",
			    "phone is not a phone "
			    "number: %.40s",
			    phone);
		if (strcmp(purpose, "custom") == 0 && text == NULL)
			return crm_fail(c, "bad_args",
			    "a custom call needs text: "
			    "what the call is about");
		p[0] = ph;
		p[2] = text ? text : "returning your call";
		if (crm_qll(c,
		        "INSERT INTO jobs (kind, due_at, expires_at, "
		        "customer_id, phone, detail) VALUES ('callback', "
		        "to_timestamp($2), to_timestamp($2) + interval '1 "
		        "day', "
		        "(SELECT id FROM customers WHERE phone = $1 LIMIT 1), "
		        "$1, "
		        "$3) RETURNING id",
		        3, p, &id) != 1)
			return NULL;
	} else
		return crm_fail(c, "bad_args",
		    "purpose is reminder, callback or "
		    "custom");
	log_info(c->call_id, "staff placed a %s call: job %lld%s", purpose, id,
	    created ? "" : " (the appointment's reminder, moved up)");
	if ((j = job_by_id(c, id)) == NULL)
		return NULL;
	json_object_set_new(j, "created", json_boolean(created));
	return j;
}
