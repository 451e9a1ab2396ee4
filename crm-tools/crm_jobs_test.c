/*
 * crm_jobs_test.c - outbound jobs on the real crm-tools with a private
 * PostgreSQL + Redis (tests/harness/crm_harness.c): a booking makes one reminder at start
 * minus the lead time, a move moves it, a cancel cancels it; a message
 * asking for a call back after hours is due at the next opening; the
 * calling window and consent are respected; two claimers racing never get
 * one job; an expired lease is claimed again with the same attempt and
 * key; busy retries with the configured backoff until the last attempt is
 * final; job_result is idempotent; a confirmed reminder confirms the
 * appointment; staff returning a callback cancels its job.
 * Skips (passing, with a message) only when PostgreSQL cannot be started.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "clock.h"
#include "tests/harness/crm_harness.h"
#include "tests/harness/unit.h"

static struct hx H;
static PGconn *pg;
static char D[16], DM1[16], DP1[16]; /* a Tue-Thu, the days around it */

static json_t *
call_at(const char *now, const char *tool, json_t *args)
{
	return hx_call(&H, "", tool, args, now);
}

/* job_result for attempt of job: outcome, as the gateway or agent reports. */
static json_t *
job_result(const char *now, long long job, int attempt, const char *outcome)
{
	return call_at(now, "job_result",
	    json_pack("{s:I, s:i, s:s}", "job_id", (json_int_t)job, "attempt",
	        attempt, "outcome", outcome));
}

static json_t *
ok_res(json_t *rep)
{
	if (!hx_ok(rep))
		fail();
	return json_object_get(rep, "result");
}

static void
sql(const char *q)
{
	PGresult *r = PQexec(pg, q);

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		fprintf(stderr, "sql %s: %s\n", q, PQresultErrorMessage(r));
	assert_true(PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK);
	PQclear(r);
}

static void
at(char *buf, size_t len, const char *day, const char *hhmm)
{
	snprintf(buf, len, "%sT%s:00", day, hhmm);
}

static void
day_add(const char *day, int n, char *out, size_t len)
{
	char s[32];
	time_t t;
	struct tm tm;

	snprintf(s, sizeof(s), "%sT12:00:00", day);
	assert_int_equal(fd_time_parse(s, &t), 0);
	t = fd_add_days(t, n);
	localtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d", &tm);
}

static int
holiday(const char *d)
{
	return strcmp(d, "2026-12-25") == 0 || strcmp(d, "2027-01-01") == 0 ||
	    strcmp(d, "2026-11-26") == 0;
}

static int
setup(void **state)
{
	char conn[512], s[32];
	time_t t;
	struct tm tm;
	int n;

	(void)state;
	setenv("TZ", "America/New_York", 1);
	tzset();
	for (n = 21;; n++) {
		hx_open_day(n, D, sizeof(D));
		snprintf(s, sizeof(s), "%sT12:00:00", D);
		fd_time_parse(s, &t);
		localtime_r(&t, &tm);
		day_add(D, -1, DM1, sizeof(DM1));
		day_add(D, 1, DP1, sizeof(DP1));
		if (tm.tm_wday >= 2 && tm.tm_wday <= 4 && !holiday(DM1) &&
		    !holiday(DP1))
			break;
	}
	if (hx_test_start(&H, "crm_jobs_test", "jobs",
	        "outbound: { call_from = \"08:00\"; call_until = \"19:00\"; "
	        "max_attempts = 3; retry_backoff_min = [ 10, 30 ]; "
	        "max_concurrent = 100; calls_per_s = 100.0; lease_s = 60; "
	        "sms_enabled = true; reminder_lead_h = 24; };",
	        2, 4) != 0)
		return -1;
	hx_pg_conninfo(&H, conn, sizeof(conn));
	pg = PQconnectdb(conn);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "%s\n", PQerrorMessage(pg));
		return -1;
	}
	sql("SET TimeZone = 'America/New_York'");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	PQfinish(pg);
	hx_stop(&H, getenv("FD_KEEP") != NULL);
	return 0;
}

/* Nothing but the test's own jobs is due. */
static void
clear_jobs(void)
{
	sql("UPDATE jobs SET status = 'cancelled' WHERE status IN ('pending', "
	    "'claimed', 'dialing')");
	sql("UPDATE outbound_settings SET next_call_at = '-infinity'");
}

static json_t *
jobs_of(const char *now, json_t *args)
{
	json_t *rep = call_at(now, "jobs_list", args);
	json_t *l = json_incref(json_object_get(ok_res(rep), "jobs"));

	json_decref(rep);
	return l;
}

static long long
book(const char *phone, const char *first, const char *start)
{
	char now[32];
	json_t *rep;
	long long id;

	at(now, sizeof(now), DM1, "09:00");
	rep = hx_call(&H, "", "book_appointment",
	    json_pack("{s:s, s:s, s:s, "
	              "s:s, s:s}",
	        "service", "oil change", "start", start, "first_name", first,
	        "last_name", "Jobtest", "phone", phone),
	    now);
	id = json_integer_value(json_object_get(ok_res(rep), "appointment_id"));
	json_decref(rep);
	assert_true(id > 0);
	return id;
}

static const char *
js(json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));

	return s ? s : "";
}

/* rep (freed here) is an ok job_result whose job has status (NULL: any)
 * and outcome, and that was (1) or was not (0) a duplicate report. */
static void
job_is(json_t *rep, int duplicate, const char *status, const char *outcome)
{
	json_t *j = json_object_get(ok_res(rep), "job");

	assert_int_equal(
	    json_is_true(json_object_get(ok_res(rep), "duplicate")), duplicate);
	if (status)
		assert_string_equal(js(j, "status"), status);
	assert_string_equal(js(j, "outcome"), outcome);
	json_decref(rep);
}

static long long
ji(json_t *j, const char *k)
{
	return json_integer_value(json_object_get(j, k));
}

static json_t *
claim(const char *now, const char *owner, int limit)
{
	json_t *rep = call_at(now, "jobs_claim",
	    json_pack("{s:s, s:i}", "owner", owner, "limit", limit));
	json_t *l = json_incref(json_object_get(ok_res(rep), "jobs"));

	json_decref(rep);
	return l;
}

static void
test_reminder_follows_the_appointment(void **state)
{
	char start[32], moved[32], want[32], now[32];
	json_t *l, *rep;
	long long id;

	(void)state;
	clear_jobs();
	at(start, sizeof(start), D, "10:00");
	id = book("+15557770001", "Remy", start);
	l = jobs_of(NULL,
	    json_pack("{s:I, s:s}", "appointment_id", (json_int_t)id, "kind",
	        "reminder"));
	assert_int_equal(json_array_size(l), 1);
	at(want, sizeof(want), DM1, "10:00");
	assert_string_equal(js(json_array_get(l, 0), "due_at"), want);
	assert_string_equal(js(json_array_get(l, 0), "status"), "pending");
	json_decref(l);
	/* moved: still one reminder, at the new time */
	at(now, sizeof(now), DM1, "09:30");
	at(moved, sizeof(moved), D, "14:00");
	rep = hx_call(&H, "", "reschedule_appointment",
	    json_pack("{s:I, s:s}", "appointment_id", (json_int_t)id,
	        "new_start", moved),
	    now);
	/* the booking call's identity is gone: staff move it in SQL */
	if (!json_is_true(json_object_get(rep, "ok"))) {
		char q[256];

		snprintf(q, sizeof(q),
		    "UPDATE appointments SET during = "
		    "tstzrange('%s', '%sT14:30:00') WHERE id = %lld",
		    moved, D, id);
		sql(q);
	}
	json_decref(rep);
	l = jobs_of(NULL,
	    json_pack("{s:I, s:s, s:s}", "appointment_id", (json_int_t)id,
	        "kind", "reminder", "status", "pending"));
	assert_int_equal(json_array_size(l), 1);
	at(want, sizeof(want), DM1, "14:00");
	assert_string_equal(js(json_array_get(l, 0), "due_at"), want);
	json_decref(l);
	/* cancelled: no reminder left */
	{
		char q[128];

		snprintf(q, sizeof(q),
		    "UPDATE appointments SET status = "
		    "'cancelled' WHERE id = %lld",
		    id);
		sql(q);
	}
	l = jobs_of(NULL,
	    json_pack("{s:I, s:s, s:s}", "appointment_id", (json_int_t)id,
	        "kind", "reminder", "status", "pending"));
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	l = jobs_of(NULL,
	    json_pack("{s:I, s:s}", "appointment_id", (json_int_t)id, "kind",
	        "reminder"));
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(js(json_array_get(l, 0), "status"), "cancelled");
	json_decref(l);
	/* no texts: the customer never consented to them */
	l = jobs_of(NULL,
	    json_pack("{s:I, s:s}", "appointment_id", (json_int_t)id, "kind",
	        "confirmation_sms"));
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
}

static void
test_window_consent_and_confirm(void **state)
{
	char start[32], now[32], q[256];
	json_t *l, *j, *rep;
	long long a1, a2, jid, sms;

	(void)state;
	clear_jobs();
	at(start, sizeof(start), D, "11:00");
	a1 = book("+15557770002", "Cora", start);
	at(start, sizeof(start), D, "12:00");
	a2 = book("+15557770003", "Nico", start);
	snprintf(q, sizeof(q),
	    "UPDATE customers SET consent_calls = false "
	    "WHERE phone = '+15557770003'");
	sql(q);
	/* due at 11:00 and 12:00 the day before; at 20:00 no calls */
	at(now, sizeof(now), DM1, "20:00");
	l = claim(now, "t1", 10);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	/* next morning at 07:30, still outside the window */
	at(now, sizeof(now), D, "07:30");
	l = claim(now, "t1", 10);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	/* inside the window: Cora's only; Nico's is cancelled (no consent) */
	at(now, sizeof(now), DM1, "12:30");
	l = claim(now, "t1", 10);
	assert_int_equal(json_array_size(l), 1);
	j = json_array_get(l, 0);
	assert_int_equal(ji(j, "appointment_id"), a1);
	assert_string_equal(js(j, "kind"), "reminder");
	assert_string_equal(js(j, "to"), "+15557770002");
	assert_string_equal(js(j, "first_name"), "Cora");
	assert_string_equal(js(j, "service"), "oil change");
	assert_int_equal(ji(j, "attempt"), 1);
	jid = ji(j, "job_id");
	snprintf(q, sizeof(q), "job-%lld-1", jid);
	assert_string_equal(js(j, "idempotency_key"), q);
	json_decref(l);
	l = jobs_of(NULL, json_pack("{s:I}", "appointment_id", (json_int_t)a2));
	assert_string_equal(js(json_array_get(l, 0), "outcome"), "no_consent");
	json_decref(l);
	/* dialed, answered, confirmed: the appointment is confirmed */
	rep = call_at(now, "job_dialed",
	    json_pack("{s:I, s:i, s:s}", "job_id", (json_int_t)jid, "attempt",
	        1, "call_sid", "CAjob1"));
	assert_string_equal(js(ok_res(rep), "status"), "dialing");
	json_decref(rep);
	rep = job_result(now, jid, 1, "confirmed");
	assert_string_equal(
	    js(json_object_get(ok_res(rep), "job"), "appointment_status"),
	    "confirmed");
	job_is(rep, 0, "done", "confirmed");
	/* the carrier's "completed" after it changes nothing */
	job_is(job_result(now, jid, 1, "answered"), 1, NULL, "confirmed");
	/* the agent's outcomes are known ones (a repeat: a duplicate); an
	 * unknown outcome is refused */
	rep = job_result(now, jid, 1, "wrong_person");
	assert_true(json_is_true(json_object_get(ok_res(rep), "duplicate")));
	json_decref(rep);
	rep = job_result(now, jid, 1, "maybe");
	assert_false(json_is_true(json_object_get(rep, "ok")));
	assert_string_equal(js(rep, "code"), "bad_args");
	json_decref(rep);
	/* texts once the customer consents: a move sends one */
	sql("UPDATE customers SET consent_sms = true WHERE phone = "
	    "'+15557770002'");
	snprintf(q, sizeof(q),
	    "UPDATE appointments SET during = tstzrange("
	    "'%sT15:00:00', '%sT15:30:00') WHERE id = %lld",
	    D, D, a1);
	sql(q);
	l = jobs_of(NULL,
	    json_pack("{s:I, s:s}", "appointment_id", (json_int_t)a1, "kind",
	        "confirmation_sms"));
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(js(json_array_get(l, 0), "event"), "moved");
	sms = ji(json_array_get(l, 0), "job_id");
	json_decref(l);
	/* the text goes out (sent), then its delivery report replaces it */
	snprintf(q, sizeof(q),
	    "UPDATE jobs SET status = 'dialing', attempt = 1 "
	    "WHERE id = %lld; INSERT INTO job_attempts (job_id, attempt) "
	    "VALUES (%lld, 1)",
	    sms, sms);
	sql(q);
	job_is(job_result(now, sms, 1, "sent"), 0, "done", "sent");
	job_is(
	    call_at(now, "job_result",
	        json_pack("{s:I, s:i, s:s, s:s}", "job_id", (json_int_t)sms,
	            "attempt", 1, "outcome", "undelivered", "detail", "30003")),
	    0, "failed", "undelivered");
	/* a late report after the first changes nothing */
	job_is(job_result(now, sms, 1, "delivered"), 1, NULL, "undelivered");
	/* a delivery report naming the call job leaves the call's outcome */
	job_is(job_result(now, jid, 1, "undelivered"), 1, "done", "confirmed");
	snprintf(q, sizeof(q),
	    "SELECT 1 FROM job_attempts WHERE job_id = %lld "
	    "AND attempt = 1 AND outcome = 'confirmed'",
	    jid);
	{
		PGresult *r = PQexec(pg, q);

		assert_int_equal(PQntuples(r), 1);
		PQclear(r);
	}
}

static void
test_callback_after_hours(void **state)
{
	char now[32], want[32];
	json_t *rep, *l;
	long long mid;

	(void)state;
	clear_jobs();
	at(now, sizeof(now), D, "20:30");
	rep = call_at(now, "take_message",
	    json_pack("{s:s, s:s, s:s, s:b}", "name", "Ada Late",
	        "callback_number", "+15557770010", "message",
	        "please call me about the brakes", "call_back", 1));
	mid = ji(ok_res(rep), "message_id");
	json_decref(rep);
	l = jobs_of(NULL,
	    json_pack("{s:s, s:s}", "kind", "callback", "status", "pending"));
	assert_int_equal(json_array_size(l), 1);
	at(want, sizeof(want), DP1, "08:00");
	assert_string_equal(js(json_array_get(l, 0), "due_at"), want);
	assert_string_equal(js(json_array_get(l, 0), "to"), "+15557770010");
	assert_string_equal(js(json_array_get(l, 0), "detail"),
	    "please call me about the brakes");
	json_decref(l);
	/* not before the opening */
	at(now, sizeof(now), DP1, "07:59");
	l = claim(now, "t1", 5);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	/* staff called back first: the job is moot */
	rep = call_at(now, "callback_done",
	    json_pack("{s:I}", "message_id", (json_int_t)mid));
	assert_int_equal(
	    json_array_size(json_object_get(ok_res(rep), "cancelled")), 1);
	json_decref(rep);
	at(now, sizeof(now), DP1, "08:01");
	l = claim(now, "t1", 5);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	/* a callback asked for a time inside hours is due then */
	at(now, sizeof(now), D, "15:00");
	at(want, sizeof(want), DP1, "12:00");
	rep = call_at(now, "request_callback",
	    json_pack("{s:s, s:s, s:s}", "phone", "+15557770011", "when", want,
	        "reason", "quote"));
	ok_res(rep);
	json_decref(rep);
	l = jobs_of(NULL,
	    json_pack("{s:s, s:s}", "kind", "callback", "status", "pending"));
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(js(json_array_get(l, 0), "due_at"), want);
	json_decref(l);
}

#define NRACE 40

struct racer {
	const char *now;
	long long got[NRACE];
	int n;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	json_t *l, *j;
	size_t i;

	for (;;) {
		l = hx_call(&H, "", "jobs_claim",
		    json_pack("{s:s, s:i}", "owner", r == NULL ? "x" : "racer",
		        "limit", 3),
		    r->now);
		j = json_object_get(json_object_get(l, "result"), "jobs");
		if (json_array_size(j) == 0) {
			json_decref(l);
			return NULL;
		}
		for (i = 0; i < json_array_size(j) && r->n < NRACE; i++)
			r->got[r->n++] = ji(json_array_get(j, i), "job_id");
		json_decref(l);
	}
}

static void
test_two_claimers(void **state)
{
	char now[32], when[32], ph[16];
	struct racer a, b;
	pthread_t ta, tb;
	json_t *rep;
	int i, k;

	(void)state;
	clear_jobs();
	at(now, sizeof(now), D, "09:00");
	at(when, sizeof(when), DP1, "09:00");
	for (i = 0; i < NRACE; i++) {
		snprintf(ph, sizeof(ph), "+1555777%04d", 100 + i);
		rep = call_at(now, "request_callback",
		    json_pack("{s:s, s:s, "
		              "s:s}",
		        "phone", ph, "when", when, "reason", "race"));
		ok_res(rep);
		json_decref(rep);
	}
	at(now, sizeof(now), DP1, "10:00");
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.now = b.now = now;
	pthread_create(&ta, NULL, race, &a);
	pthread_create(&tb, NULL, race, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.n + b.n, NRACE);
	for (i = 0; i < a.n; i++)
		for (k = 0; k < b.n; k++)
			assert_true(a.got[i] != b.got[k]);
	for (i = 0; i < a.n; i++)
		for (k = i + 1; k < a.n; k++)
			assert_true(a.got[i] != a.got[k]);
}

static void
test_lease_and_retries(void **state)
{
	char now[32], key[32];
	json_t *l, *rep, *j;
	long long jid;
	time_t t0;

	(void)state;
	clear_jobs();
	at(now, sizeof(now), D, "09:00");
	rep = call_at(now, "request_callback",
	    json_pack(
	        "{s:s, s:s}", "phone", "+15557770200", "reason", "lease"));
	ok_res(rep);
	json_decref(rep);
	at(now, sizeof(now), D, "10:00");
	fd_time_parse(now, &t0);
	l = claim(now, "dead", 5);
	assert_int_equal(json_array_size(l), 1);
	jid = ji(json_array_get(l, 0), "job_id");
	assert_int_equal(ji(json_array_get(l, 0), "attempt"), 1);
	json_decref(l);
	/* within the lease nobody else gets it */
	fd_time_fmt(t0 + 30, now, sizeof(now));
	l = claim(now, "alive", 5);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	/* the claimer died: after the lease, the same job and attempt */
	fd_time_fmt(t0 + 61, now, sizeof(now));
	l = claim(now, "alive", 5);
	assert_int_equal(json_array_size(l), 1);
	j = json_array_get(l, 0);
	assert_int_equal(ji(j, "job_id"), jid);
	assert_int_equal(ji(j, "attempt"), 1);
	assert_int_equal(ji(j, "claims"), 2);
	snprintf(key, sizeof(key), "job-%lld-1", jid);
	assert_string_equal(js(j, "idempotency_key"), key);
	assert_string_equal(js(j, "claimed_by"), "alive");
	json_decref(l);
	/* busy: pending again 10 minutes later, attempt 2 */
	rep = job_result(now, jid, 1, "busy");
	assert_string_equal(
	    js(json_object_get(ok_res(rep), "job"), "status"), "pending");
	json_decref(rep);
	/* the same result again: a duplicate, nothing changes */
	rep = job_result(now, jid, 1, "busy");
	assert_true(json_is_true(json_object_get(ok_res(rep), "duplicate")));
	assert_int_equal(ji(json_object_get(ok_res(rep), "job"), "attempt"), 1);
	json_decref(rep);
	fd_time_fmt(t0 + 61 + 9 * 60, now, sizeof(now));
	l = claim(now, "alive", 5);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	fd_time_fmt(t0 + 61 + 10 * 60 + 1, now, sizeof(now));
	l = claim(now, "alive", 5);
	assert_int_equal(json_array_size(l), 1);
	assert_int_equal(ji(json_array_get(l, 0), "attempt"), 2);
	snprintf(key, sizeof(key), "job-%lld-2", jid);
	assert_string_equal(js(json_array_get(l, 0), "idempotency_key"), key);
	json_decref(l);
	rep = job_result(now, jid, 2, "no_answer");
	assert_string_equal(
	    js(json_object_get(ok_res(rep), "job"), "status"), "pending");
	json_decref(rep);
	/* the second wait is 30 minutes */
	fd_time_fmt(t0 + 61 + 10 * 60 + 1 + 29 * 60, now, sizeof(now));
	l = claim(now, "alive", 5);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	fd_time_fmt(t0 + 61 + 10 * 60 + 1 + 30 * 60 + 1, now, sizeof(now));
	l = claim(now, "alive", 5);
	assert_int_equal(json_array_size(l), 1);
	assert_int_equal(ji(json_array_get(l, 0), "attempt"), 3);
	json_decref(l);
	/* the third and last attempt busy: final */
	rep = job_result(now, jid, 3, "busy");
	j = json_object_get(ok_res(rep), "job");
	assert_string_equal(js(j, "status"), "done");
	assert_string_equal(js(j, "outcome"), "busy");
	json_decref(rep);
	rep = call_at(
	    now, "job_get", json_pack("{s:I}", "job_id", (json_int_t)jid));
	assert_int_equal(
	    json_array_size(json_object_get(ok_res(rep), "attempts")), 3);
	json_decref(rep);
	fd_time_fmt(t0 + 86400, now, sizeof(now));
	l = claim(now, "alive", 5);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	/* bad input is refused clearly */
	rep = job_result(now, jid, 3, "maybe");
	assert_string_equal(js(rep, "code"), "bad_args");
	json_decref(rep);
	rep = job_result(now, jid, 9, "busy");
	assert_string_equal(js(rep, "code"), "not_found");
	json_decref(rep);
}

UNIT_MAIN(setup, teardown,
    cmocka_unit_test(test_reminder_follows_the_appointment),
    cmocka_unit_test(test_window_consent_and_confirm),
    cmocka_unit_test(test_callback_after_hours),
    cmocka_unit_test(test_two_claimers),
    cmocka_unit_test(test_lease_and_retries), )
