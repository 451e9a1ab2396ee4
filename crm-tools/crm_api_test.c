/*
 * crm_api_test.c - what the admin API reads and does, against a real
 * crm-tools, PostgreSQL and Redis (tests/harness/crm_harness.c): seven
 * calls over four days seeded through the agent's own tools (call_begin,
 * take_message, qualify_lead, log_call_outcome, call_end with its
 * latencies), then call_stats over three of the days adds up (the days'
 * calls and bookings, the outcomes, inbound + outbound, each equal to the
 * total) and gives the figures the seed implies, cost included once a
 * calls.cost_usd column exists; list_calls filters and pages them;
 * get_call shows a call's latencies, appointment and message; job_create
 * places a callback, a custom call and a reminder (moving up the one the
 * booking made).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libpq-fe.h>

#include "tests/harness/crm_harness.h"
#include "tests/harness/unit.h"

static struct hx H;
static PGconn *pg;

static const char *
one(const char *q, const char *p1)
{
	static PGresult *r;

	PQclear(r);
	r = PQexecParams(pg, q, p1 ? 1 : 0, NULL, &p1, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK &&
	    PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "sql %s: %s\n", q, PQresultErrorMessage(r));
		fail();
	}
	return PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
}

/* The result of a tool that must succeed (owned). */
static json_t *
ok(const char *cid, const char *tool, json_t *args)
{
	json_t *rep = hx_call(&H, cid, tool, args, NULL), *res;

	if (!hx_ok(rep))
		fail_msg("%s failed", tool);
	res = json_incref(json_object_get(rep, "result"));
	json_decref(rep);
	return res;
}

/* The error code of a tool that must fail. */
static void
fails(const char *tool, json_t *args, const char *code)
{
	json_t *rep = hx_call(&H, NULL, tool, args, NULL);

	if (json_is_true(json_object_get(rep, "ok")) ||
	    strcmp(json_string_value(json_object_get(rep, "code")), code) != 0)
		fail_msg("%s: %s", tool, json_dumps(rep, 0));
	json_decref(rep);
}

static void
done(const char *cid, const char *tool, json_t *args)
{
	json_decref(ok(cid, tool, args));
}

/* A call on a local day at hh:mm, lasting secs (< 0: still going). */
static void
seed_call(const char *sid, const char *dir, const char *from,
    const char *outcome, const char *day, const char *hhmm, int secs,
    json_t *end)
{
	char q[600];

	done(sid, "call_begin",
	    json_pack("{s:s, s:s, s:s}", "from", from, "to", "+15555550100",
	        "direction", dir));
	if (outcome)
		done(sid, "log_call_outcome",
		    json_pack("{s:s}", "outcome", outcome));
	if (end)
		done(sid, "call_end", end);
	snprintf(q, sizeof(q),
	    "UPDATE calls SET started_at = ('%s %s'::"
	    "timestamp AT TIME ZONE 'America/New_York'), ended_at = CASE "
	    "WHEN %d < 0 THEN NULL ELSE ('%s %s'::timestamp AT TIME ZONE "
	    "'America/New_York') + make_interval(secs => %d) END WHERE "
	    "call_sid = $1",
	    day, hhmm, secs, day, hhmm, secs < 0 ? 0 : secs);
	one(q, sid);
}

static int
setup(void **state)
{
	char conn[512];

	(void)state;
	/* job_create refuses while nothing would place the call */
	if (hx_test_start(&H, "crm_api_test", "api",
	        "outbound: { enabled = true; };\n", 2, 4) != 0)
		return -1;
	hx_pg_conninfo(&H, conn, sizeof(conn));
	pg = PQconnectdb(conn);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "%s\n", PQerrorMessage(pg));
		return -1;
	}
	/* A books (a customer of its own), B leaves a message, C is an
	 * outbound call transferred, D ends with no outcome, E is a lead,
	 * F is still going; G is after the range */
	seed_call("CAapiA", "inbound", "+15557770001", "booked", "2026-10-05",
	    "09:15", 120,
	    json_pack("{s:s, s:i, s:[i, i]}", "reason", "hangup",
	        "first_word_ms", 800, "v2v_ms", 900, 1100));
	seed_call("CAapiB", "inbound", "+15557770002", NULL, "2026-10-05",
	    "11:00", 60, NULL);
	done("CAapiB", "take_message",
	    json_pack("{s:s, s:s}", "name", "Bo Brown", "message",
	        "call me about the brakes"));
	done("CAapiB", "log_call_outcome",
	    json_pack("{s:s}", "outcome", "message_taken"));
	done("CAapiB", "call_end", json_pack("{s:s}", "reason", "hangup"));
	one("UPDATE calls SET ended_at = started_at + interval '60 s' WHERE "
	    "call_sid = $1",
	    "CAapiB");
	seed_call("CAapiC", "outbound-api", "+15555550100", "transferred",
	    "2026-10-06", "10:00", 90,
	    json_pack("{s:s, s:i, s:[i]}", "reason", "transfer",
	        "first_word_ms", 1200, "v2v_ms", 1500));
	seed_call("CAapiD", "inbound", "+15557770004", NULL, "2026-10-06",
	    "16:30", 30, json_pack("{s:s}", "reason", "hangup"));
	seed_call("CAapiE", "inbound", "+15557770005", NULL, "2026-10-07",
	    "08:05", 200, NULL);
	done("CAapiE", "qualify_lead",
	    json_pack("{s:s, s:s, s:s}", "name", "Eve Early", "need",
	        "a fleet of six vans serviced", "contact", "+15557770005"));
	done("CAapiE", "log_call_outcome",
	    json_pack("{s:s}", "outcome", "lead"));
	seed_call("CAapiF", "inbound", "+15557770006", NULL, "2026-10-07",
	    "17:59", -1, NULL);
	seed_call("CAapiG", "inbound", "+15557770007", "booked", "2026-10-09",
	    "10:00", 60, json_pack("{s:s}", "reason", "hangup"));
	/* A's booking, by a customer whose name the list search finds */
	one("INSERT INTO customers (first_name, last_name, phone) VALUES "
	    "('Zelda', 'Quint', '+15557770001')",
	    NULL);
	one("UPDATE calls SET caller_customer_id = (SELECT id FROM customers "
	    "WHERE phone = '+15557770001') WHERE call_sid = $1",
	    "CAapiA");
	one("INSERT INTO appointments (customer_id, service_id, resource_id, "
	    "during, source_call_sid, confirmation) SELECT cu.id, (SELECT "
	    "min(id) FROM services WHERE active), (SELECT min(id) FROM "
	    "resources WHERE active), tstzrange('2026-10-08 09:00-04', "
	    "'2026-10-08 09:30-04'), $1, 'ZQAPI1' FROM customers cu WHERE "
	    "cu.phone = '+15557770001'",
	    "CAapiA");
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

static long long
num(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer: %s", k, json_dumps(o, 0));
	return (long long)json_integer_value(v);
}

static json_t *
stats(void)
{
	return ok(NULL, "call_stats",
	    json_pack("{s:s, s:s}", "from", "2026-10-05", "to", "2026-10-07"));
}

/* The parts add up to the whole, and each is what the seed says. */
static void
test_stats_add_up(void **state)
{
	json_t *s = stats(), *d, *v;
	long long calls, sum = 0, in = 0, out = 0, book = 0;
	const char *k;
	size_t i;

	(void)state;
	calls = num(s, "calls");
	assert_int_equal(calls, 6);
	assert_int_equal(json_array_size(json_object_get(s, "per_day")), 3);
	json_array_foreach(json_object_get(s, "per_day"), i, d)
	{
		sum += num(d, "calls");
		in += num(d, "inbound");
		out += num(d, "outbound");
		book += num(d, "bookings");
		assert_int_equal(num(d, "calls"), 2);
	}
	assert_int_equal(sum, calls);
	assert_int_equal(in, num(s, "inbound"));
	assert_int_equal(out, num(s, "outbound"));
	assert_int_equal(num(s, "inbound") + num(s, "outbound"), calls);
	assert_int_equal(book, num(s, "bookings"));
	assert_int_equal(num(s, "outbound"), 1);
	sum = 0;
	json_object_foreach(json_object_get(s, "outcomes"), k, v) sum +=
	    (long long)json_integer_value(v);
	assert_int_equal(sum, calls);
	assert_int_equal(num(json_object_get(s, "outcomes"), "booked"), 1);
	assert_int_equal(num(json_object_get(s, "outcomes"), "in_progress"), 1);
	assert_int_equal(num(json_object_get(s, "outcomes"), "none"), 1);
	assert_int_equal(num(s, "bookings"), 1);
	assert_int_equal(num(s, "leads"), 1);
	assert_int_equal(num(s, "messages"), 1);
	assert_int_equal(num(s, "transfers"), 1);
	assert_float_equal(
	    json_number_value(json_object_get(s, "transfer_rate_pct")), 16.7,
	    0.01);
	/* ended calls: 120, 60, 90, 30, 200 s */
	assert_float_equal(
	    json_number_value(json_object_get(s, "avg_duration_s")), 100.0,
	    0.01);
	assert_int_equal(num(s, "v2v_ms_p50"), 1100);
	assert_int_equal(num(s, "first_word_ms_p50"), 1000);
	assert_int_equal(
	    num(json_array_get(json_object_get(s, "per_day"), 0), "v2v_ms_p50"),
	    1000);
	assert_true(json_is_null(json_object_get(
	    json_array_get(json_object_get(s, "per_day"), 2), "v2v_ms_p95")));
	assert_float_equal(
	    json_number_value(json_object_get(s, "cost_total_usd")), 0, 1e-9);
	json_decref(s);

	/* a cost column (the records' migration adds it): read at once */
	one("ALTER TABLE calls ADD COLUMN IF NOT EXISTS cost_usd numeric",
	    NULL);
	one("UPDATE calls SET cost_usd = 0.12 WHERE call_sid = $1", "CAapiA");
	one("UPDATE calls SET cost_usd = 0.30 WHERE call_sid = $1", "CAapiC");
	s = stats();
	assert_float_equal(
	    json_number_value(json_object_get(s, "cost_total_usd")), 0.42,
	    1e-9);
	assert_float_equal(
	    json_number_value(json_object_get(s, "cost_per_call_usd")), 0.07,
	    1e-9);
	json_decref(s);

	fails("call_stats",
	    json_pack("{s:s, s:s}", "from", "2026-10-07", "to", "2026-10-05"),
	    "bad_args");
	fails("call_stats",
	    json_pack("{s:s, s:s}", "from", "2025-01-01", "to", "2026-10-05"),
	    "bad_args");
	fails(
	    "call_stats", json_pack("{s:s}", "from", "2026-02-30"), "bad_args");
}

static json_t *
list(json_t *args)
{
	return ok(NULL, "list_calls", args);
}

static void
test_list_filters(void **state)
{
	json_t *r;

	(void)state;
	r = list(
	    json_pack("{s:s, s:s}", "from", "2026-10-05", "to", "2026-10-07"));
	assert_int_equal(num(r, "total"), 6);
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(r, "calls"), 0), "call_sid")),
	    "CAapiF");
	assert_true(json_is_null(json_object_get(r, "next")));
	json_decref(r);
	r = list(json_pack("{s:s, s:s, s:i, s:i}", "from", "2026-10-05", "to",
	    "2026-10-07", "limit", 4, "offset", 0));
	assert_int_equal(json_array_size(json_object_get(r, "calls")), 4);
	assert_int_equal(num(r, "next"), 4);
	json_decref(r);
	r = list(json_pack("{s:s, s:s, s:i, s:i}", "from", "2026-10-05", "to",
	    "2026-10-07", "limit", 4, "offset", 4));
	assert_int_equal(json_array_size(json_object_get(r, "calls")), 2);
	assert_true(json_is_null(json_object_get(r, "next")));
	json_decref(r);
	r = list(json_pack("{s:s}", "direction", "outbound"));
	assert_int_equal(num(r, "total"), 1);
	json_decref(r);
	r = list(json_pack("{s:s}", "outcome", "booked"));
	assert_int_equal(num(r, "total"), 2);
	json_decref(r);
	r = list(
	    json_pack("{s:s, s:s}", "outcome", "booked", "to", "2026-10-07"));
	assert_int_equal(num(r, "total"), 1);
	json_decref(r);
	/* a caller by the digits of their number, or their name */
	r = list(json_pack("{s:s}", "q", "(555) 777-0005"));
	assert_int_equal(num(r, "total"), 1);
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(r, "calls"), 0), "call_sid")),
	    "CAapiE");
	json_decref(r);
	r = list(json_pack("{s:s}", "q", "zelda"));
	assert_int_equal(num(r, "total"), 1);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(r, "calls"), 0),
	                        "customer_name")),
	    "Zelda Quint");
	json_decref(r);
	/* quotes and wildcards are text, nothing more */
	r = list(json_pack("{s:s}", "q", "%' OR 1=1 --"));
	assert_int_equal(num(r, "total"), 0);
	json_decref(r);
	fails("list_calls", json_pack("{s:s}", "direction", "sideways"),
	    "bad_args");
	fails(
	    "list_calls", json_pack("{s:s}", "from", "2026-02-30"), "bad_args");
	fails("list_calls", json_pack("{s:i}", "limit", 501), "bad_args");
}

static void
test_drill_down(void **state)
{
	json_t *c, *a;

	(void)state;
	c = ok(NULL, "get_call", json_pack("{s:s}", "call_sid", "CAapiA"));
	assert_int_equal(num(c, "first_word_ms"), 800);
	assert_int_equal(json_array_size(json_object_get(c, "v2v_ms")), 2);
	assert_int_equal(num(c, "duration_s"), 120);
	a = json_array_get(json_object_get(c, "appointments"), 0);
	assert_string_equal(
	    json_string_value(json_object_get(a, "confirmation")), "ZQAPI1");
	assert_string_equal(
	    json_string_value(json_object_get(a, "source_call_sid")), "CAapiA");
	assert_true(json_is_integer(json_object_get(a, "customer_id")));
	json_decref(c);
	c = ok(NULL, "get_call", json_pack("{s:s}", "call_sid", "CAapiB"));
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(c, "messages"), 0), "body")),
	    "call me about the brakes");
	assert_string_equal(
	    json_string_value(json_object_get(c, "outcome")), "message_taken");
	json_decref(c);
	c = ok(NULL, "get_call", json_pack("{s:s}", "call_sid", "CAapiE"));
	assert_int_equal(json_array_size(json_object_get(c, "leads")), 1);
	json_decref(c);
}

static void
test_job_create(void **state)
{
	json_t *j;
	char appt[24], trig[24];

	(void)state;
	j = ok(NULL, "job_create",
	    json_pack("{s:s, s:s}", "purpose", "callback", "phone",
	        "(555) 123-0077"));
	assert_string_equal(
	    json_string_value(json_object_get(j, "kind")), "callback");
	assert_string_equal(
	    json_string_value(json_object_get(j, "to")), "+15551230077");
	assert_string_equal(
	    json_string_value(json_object_get(j, "status")), "pending");
	assert_true(json_is_true(json_object_get(j, "created")));
	json_decref(j);
	j = ok(NULL, "job_create",
	    json_pack("{s:s, s:s, s:s}", "purpose", "custom", "phone",
	        "+15551230078", "text", "your parts are in"));
	assert_string_equal(json_string_value(json_object_get(j, "detail")),
	    "your parts are in");
	assert_string_equal(one("SELECT (due_at <= now())::text FROM jobs "
	                        "WHERE phone = $1",
	                        "+15551230078"),
	    "true");
	json_decref(j);
	fails("job_create",
	    json_pack(
	        "{s:s, s:s}", "purpose", "custom", "phone", "+15551230078"),
	    "bad_args");
	fails("job_create",
	    json_pack("{s:s, s:s}", "purpose", "callback", "phone", "call me"),
	    "bad_args");
	fails("job_create", json_pack("{s:s}", "purpose", "party"), "bad_args");
	/* a reminder of an appointment next month: the booking's reminder,
	 * due a day before, is moved up to now */
	snprintf(appt, sizeof(appt), "%s",
	    one("INSERT INTO appointments "
	        "(customer_id, service_id, resource_id, during, confirmation) "
	        "SELECT cu.id, (SELECT min(id) FROM services WHERE active), "
	        "(SELECT min(id) FROM resources WHERE active), tstzrange(now() "
	        "+ "
	        "interval '30 days', now() + interval '30 days 30 min'), "
	        "'ZQAPI2' "
	        "FROM customers cu WHERE cu.phone = $1 RETURNING id",
	        "+15557770001"));
	snprintf(trig, sizeof(trig), "%s",
	    one("SELECT id FROM jobs WHERE "
	        "appointment_id = $1 AND kind = 'reminder'",
	        appt));
	assert_true(trig[0] != '\0');
	j = ok(NULL, "job_create",
	    json_pack("{s:s, s:I}", "purpose", "reminder", "appointment_id",
	        (json_int_t)atoll(appt)));
	assert_int_equal(num(j, "job_id"), atoll(trig));
	assert_true(json_is_false(json_object_get(j, "created")));
	assert_string_equal(one("SELECT (due_at <= now())::text FROM jobs "
	                        "WHERE id = $1",
	                        trig),
	    "true");
	json_decref(j);
	/* A's booking is in the past: nothing to remind of */
	fails("job_create",
	    json_pack("{s:s, s:I}", "purpose", "reminder", "appointment_id",
	        (json_int_t)atoll(
	            one("SELECT id FROM "
	                "appointments WHERE confirmation = 'ZQAPI1'",
	                NULL))),
	    "bad_args");
	fails("job_create",
	    json_pack(
	        "{s:s, s:i}", "purpose", "reminder", "appointment_id", 999999),
	    "not_found");
}

UNIT_MAIN(setup, teardown, cmocka_unit_test(test_stats_add_up),
    cmocka_unit_test(test_list_filters), cmocka_unit_test(test_drill_down),
    cmocka_unit_test(test_job_create), )
