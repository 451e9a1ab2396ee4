/*
 * crm_tools_test.c - integration test of crm-tools against a real,
 * isolated PostgreSQL + Redis (deploy/datastore.sh with a private rundir,
 * var dir and ports) and the real daemon, driven over rpc like the agent:
 * lookup (uncached, cached), booking, slot_taken with alternatives,
 * idempotent retry, 50 threads racing for one slot, forbidden access to
 * other customers' records, Redis stopped, PostgreSQL stopped (writes
 * spooled, applied once after restart), the call record, callers with no
 * caller ID, deny_caller_id, verify_caller by code alone, and the
 * appointments a call booked or changed in get_call; the call's outcome
 * spooled with its turns and end (in the row after replay, once, also after
 * crm-tools is killed while spooled), the call record answered from the
 * spool while PostgreSQL is down, and a restarted gateway's earlier calls
 * closed as failed; the pool's connections all open at start and take
 * requests in turn.
 * Skips (passing, with a message) only when PostgreSQL cannot be started.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "clock.h"
#include "proto/tool_schema.h"
#include "tests/harness/crm_harness.h"

static struct hx H;
static char D[16]; /* an open weekday three weeks ahead */
static char NOW[32]; /* requests' "now": the evening before-ish */

static json_t *
call(const char *cid, const char *tool, json_t *args)
{
	return hx_call(&H, cid, tool, args, NOW);
}

static int
ok(json_t *rep)
{
	return hx_ok(rep);
}

static const char *
code(json_t *rep)
{
	const char *c = json_string_value(json_object_get(rep, "code"));

	return c ? c : "";
}

static json_t *
res(json_t *rep)
{
	return json_object_get(rep, "result");
}

/* A tool call that must be refused with the error code `want`. */
static void
refused(const char *cid, const char *tool, json_t *args, const char *want)
{
	json_t *r = call(cid, tool, args);

	assert_string_equal(code(r), want);
	json_decref(r);
}

static void
begin(const char *cid, const char *from)
{
	json_t *r = call(cid, "call_begin",
	    json_pack("{s:s, s:s}", "from", from, "to", "+15555550100"));

	assert_true(ok(r));
	json_decref(r);
}

static void
slot(char *buf, size_t len, const char *hhmm)
{
	snprintf(buf, len, "%sT%s", D, hhmm);
}

/* A new call cid from `from` in which a new caller, `name`, books an oil
 * change at hhmm on the test's day: the booking's reply, asserted ok, its
 * appointment id in *id and its code in conf (either may be NULL). */
static json_t *
book_new(const char *cid, const char *from, const char *hhmm, const char *name,
    long long *id, char conf[8])
{
	char start[32];
	json_t *r;

	begin(cid, from);
	slot(start, sizeof(start), hhmm);
	r = call(cid, "book_appointment",
	    json_pack("{s:s, s:s, s:s}", "service", "oil change", "start",
	        start, "name", name));
	assert_true(ok(r));
	if (id != NULL)
		*id = json_integer_value(
		    json_object_get(res(r), "appointment_id"));
	if (conf != NULL)
		snprintf(conf, 8, "%s",
		    json_string_value(json_object_get(res(r), "confirmation")));
	return r;
}

/* One number from the test's own PostgreSQL connection. */
static long long
pg_count(const char *sql)
{
	char conninfo[512];
	long long n = -1;
	PGconn *pg;
	PGresult *r;

	hx_pg_conninfo(&H, conninfo, sizeof(conninfo));
	pg = PQconnectdb(conninfo);
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	r = PQexec(pg, sql);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	else
		fprintf(stderr, "%s: %s\n", sql, PQerrorMessage(pg));
	PQclear(r);
	PQfinish(pg);
	return n;
}

/* The 8 pooled connections open by themselves soon after start, before
 * any call, and requests
 * one after another go round all of them (each connection's last
 * statement is then the vocabulary's): no connection first connects or
 * prepares its statements hundreds of calls in, at a peak of load. */
static void
test_pool_round_robin(void **state)
{
	json_t *r;
	int i;

	(void)state;
	for (i = 0; i < 100 &&
	     pg_count("SELECT count(*) FROM pg_stat_activity "
	              "WHERE application_name = "
	              "'crm-tools'") < 8;
	     i++)
		fd_sleep_us(50000);
	assert_true(pg_count("SELECT count(*) FROM pg_stat_activity WHERE "
	                     "application_name = 'crm-tools'") >= 8);
	for (i = 0; i < 16; i++) {
		r = call("", "vocabulary", json_pack("{s:i}", "limit", 10));
		assert_true(ok(r));
		json_decref(r);
	}
	assert_int_equal(pg_count("SELECT count(*) FROM pg_stat_activity "
	                          "WHERE application_name = 'crm-tools' AND "
	                          "query LIKE '%json_agg(w ORDER BY n)%'"),
	    8);
}

static void
test_lookup(void **state)
{
	json_t *r, *c;

	(void)state;
	begin("CAlook1", "+15551230001");
	r = call("CAlook1", "lookup_customer", json_object());
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "found")));
	assert_true(json_is_false(json_object_get(res(r), "cached")));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "identity")),
	    "caller_id");
	c = json_object_get(res(r), "customer");
	assert_string_equal(
	    json_string_value(json_object_get(c, "last_name")), "Smith");
	assert_int_equal(json_array_size(json_object_get(c, "vehicles")), 2);
	json_decref(r);
	r = call("CAlook1", "lookup_customer",
	    json_pack("{s:s}", "phone", "(555) 123-0001"));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "cached")));
	json_decref(r);
	/* somebody else's number: first name only */
	r = call("CAlook1", "lookup_customer",
	    json_pack("{s:s}", "phone", "+15551230002"));
	assert_true(ok(r));
	assert_null(json_object_get(res(r), "customer"));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "first_name")), "Maria");
	json_decref(r);
	r = call("CAlook1", "lookup_customer",
	    json_pack("{s:s}", "phone", "+15550000000"));
	assert_true(ok(r));
	assert_true(json_is_false(json_object_get(res(r), "found")));
	json_decref(r);
	refused("CAlook1", "lookup_customer",
	    json_pack("{s:s}", "phone", "not a phone"), "bad_args");
}

static void
test_search_and_vin(void **state)
{
	json_t *r, *m;

	(void)state;
	r = call("", "search_customers_by_name",
	    json_pack("{s:s, s:s}", "first", "Jon", "last", "Smyth"));
	assert_true(ok(r));
	m = json_array_get(json_object_get(res(r), "matches"), 0);
	assert_string_equal(
	    json_string_value(json_object_get(m, "first_name")), "John");
	assert_null(json_object_get(m, "last_name"));
	json_decref(r);
	r = call(
	    "", "decode_vin", json_pack("{s:s}", "vin", "1HGCM82633A004352"));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "valid")));
	assert_int_equal(
	    json_integer_value(json_object_get(res(r), "model_year")), 2003);
	json_decref(r);
	r = call("", "list_tools", json_object());
	assert_true(ok(r));
	assert_true(json_array_size(json_object_get(res(r), "tools")) >= 15);
	json_decref(r);
}

static void
test_booking_and_retry(void **state)
{
	char start[32];
	json_t *r, *r2, *sl;
	long long id;
	const char *conf;

	(void)state;
	begin("CAbook1", "+15559990001");
	r = call("CAbook1", "get_available_slots",
	    json_pack("{s:s, s:s}", "date", D, "service", "oil change"));
	assert_true(ok(r));
	sl = json_object_get(res(r), "slots");
	assert_true(json_array_size(sl) >= 10);
	json_decref(r);
	slot(start, sizeof(start), "09:00");
	refused("CAbook1", "book_appointment",
	    json_pack("{s:s, s:s}", "service", "oil change", "start", start),
	    "need_name");
	r = call("CAbook1", "book_appointment",
	    json_pack("{s:s, s:s, s:s, "
	              "s:s, s:s}",
	        "service", "oil change", "start", start, "first_name", "Ann",
	        "last_name", "Lee", "vehicle", "2015 Mazda 3"));
	assert_true(ok(r));
	id = json_integer_value(json_object_get(res(r), "appointment_id"));
	conf = json_string_value(json_object_get(res(r), "confirmation"));
	assert_non_null(conf);
	assert_int_equal(strlen(conf), 5);
	/* the same call retrying the same booking gets the same booking */
	r2 = call("CAbook1", "book_appointment",
	    json_pack("{s:s, s:s, s:s, "
	              "s:s}",
	        "service", "oil", "start", start, "first_name", "Ann",
	        "last_name", "Lee"));
	assert_true(ok(r2));
	assert_int_equal(
	    json_integer_value(json_object_get(res(r2), "appointment_id")), id);
	assert_true(json_is_true(json_object_get(res(r2), "duplicate")));
	json_decref(r2);
	/* an explicit idempotency key works across calls too */
	slot(start, sizeof(start), "11:00");
	r2 = call("CAbook1", "book_appointment",
	    json_pack("{s:s, s:s, s:s}", "service", "tire rotation", "start",
	        start, "idempotency_key", "k-1"));
	assert_true(ok(r2));
	id = json_integer_value(json_object_get(res(r2), "appointment_id"));
	json_decref(r2);
	r2 = call("CAbook1", "book_appointment",
	    json_pack("{s:s, s:s, s:s}", "service", "tire rotation", "start",
	        start, "idempotency_key", "k-1"));
	assert_int_equal(
	    json_integer_value(json_object_get(res(r2), "appointment_id")), id);
	json_decref(r2);
	r2 = call("CAbook1", "get_upcoming_appointments", json_object());
	assert_true(ok(r2));
	assert_int_equal(
	    json_array_size(json_object_get(res(r2), "appointments")), 2);
	json_decref(r2);
	json_decref(r);
}

/* The vocabulary stt-worker asks for: names and vehicles from the CRM,
 * and a version that moves when they change. */
static int
has_word(json_t *rep, const char *w)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(res(rep), "words"), i,
	    v) if (strcmp(json_string_value(v), w) == 0) return 1;
	return 0;
}

static void
test_vocabulary(void **state)
{
	json_t *r, *r2;
	char v1[64], start[32];

	(void)state;
	r = call("", "vocabulary", json_object());
	assert_true(ok(r));
	assert_true(has_word(r, "John Smith"));
	assert_true(has_word(r, "Honda Civic"));
	assert_false(has_word(r, "oil change")); /* from the config */
	snprintf(v1, sizeof(v1), "%s",
	    json_string_value(json_object_get(res(r), "version")));
	json_decref(r);
	r = call("", "vocabulary", json_object());
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "version")), v1);
	assert_false(has_word(r, "Zelda Fitzgerald"));
	json_decref(r);
	begin("CAvocab1", "+15557770123");
	slot(start, sizeof(start), "15:00");
	r2 = call("CAvocab1", "book_appointment",
	    json_pack("{s:s, s:s, s:s, "
	              "s:s}",
	        "service", "oil change", "start", start, "first_name", "Zelda",
	        "last_name", "Fitzgerald"));
	assert_true(ok(r2));
	json_decref(r2);
	r = call("", "vocabulary", json_pack("{s:i}", "limit", 3));
	assert_true(ok(r));
	/* newest first, and a new version */
	assert_true(has_word(r, "Zelda Fitzgerald"));
	assert_int_equal(json_array_size(json_object_get(res(r), "words")), 3);
	assert_string_not_equal(
	    json_string_value(json_object_get(res(r), "version")), v1);
	json_decref(r);
}

static void
test_slot_taken(void **state)
{
	char start[32];
	json_t *r, *alt;

	(void)state;
	/* 09:00 has one bay left (Ann took the other) */
	begin("CAtaken1", "+15559990002");
	begin("CAtaken2", "+15559990003");
	slot(start, sizeof(start), "09:00");
	r = call("CAtaken1", "book_appointment",
	    json_pack("{s:s, s:s, s:s}", "service", "oil change", "start",
	        start, "name", "Bob Ray"));
	assert_true(ok(r));
	json_decref(r);
	r = call("CAtaken2", "book_appointment",
	    json_pack("{s:s, s:s, s:s}", "service", "oil change", "start",
	        start, "name", "Cy Dee"));
	assert_string_equal(code(r), "slot_taken");
	alt = json_object_get(r, "alternatives");
	assert_int_equal(json_array_size(alt), 3);
	assert_string_not_equal(
	    json_string_value(json_array_get(alt, 0)), start);
	json_decref(r);
	/* outside hours, in the past */
	slot(start, sizeof(start), "19:00");
	refused("CAtaken2", "book_appointment",
	    json_pack("{s:s, s:s, s:s}", "service", "oil change", "start",
	        start, "name", "Cy Dee"),
	    "outside_hours");
	refused("CAtaken2", "book_appointment",
	    json_pack("{s:s, s:s, s:s}", "service", "oil change", "start",
	        "2020-01-06T09:00", "name", "Cy Dee"),
	    "in_past");
}

/* Somebody the ledger does not know of (staff in the database, another
 * process) takes a bay after crm-tools loaded the day: the booking meets
 * the exclusion constraint, forgets what it knew and books the other bay;
 * the next caller hears the time is taken.  Never two on one bay. */
static void
test_writer_ledger_does_not_know(void **state)
{
	char start[32], cmd[1024];
	json_t *r;

	(void)state;
	begin("CAuw1", "+15559990011");
	begin("CAuw2", "+15559990012");
	slot(start, sizeof(start), "16:00");
	/* the day is in the ledger now, both bays free at 16:00 */
	r = call("CAuw1", "get_available_slots",
	    json_pack("{s:s, s:s}", "date", D, "service", "oil change"));
	assert_true(ok(r));
	json_decref(r);
	snprintf(cmd, sizeof(cmd),
	    "psql -qAt -v ON_ERROR_STOP=1 -c \"INSERT "
	    "INTO appointments (customer_id, service_id, resource_id, during, "
	    "confirmation) SELECT (SELECT min(id) FROM customers), s.id, "
	    "(SELECT min(id) FROM resources WHERE kind = 'bay' AND active), "
	    "tstzrange(timestamp '%s' AT TIME ZONE 'America/New_York', "
	    "timestamp '%s' AT TIME ZONE 'America/New_York' + interval "
	    "'30 min') , 'ZZUW1' FROM services s WHERE s.name = 'oil "
	    "change'\"",
	    start, start);
	assert_int_equal(hx_datastore(&H, cmd), 0);
	r = call("CAuw1", "book_appointment",
	    json_pack("{s:s, s:s, s:s}", "service", "oil change", "start",
	        start, "name", "Una Known"));
	assert_true(ok(r));
	assert_string_not_equal(
	    json_string_value(json_object_get(res(r), "resource")), "Bay 1");
	json_decref(r);
	refused("CAuw2", "book_appointment",
	    json_pack("{s:s, s:s, s:s}", "service", "oil change", "start",
	        start, "name", "Vic Late"),
	    "slot_taken");
}

struct racer {
	int i;
	int ok, taken, cust;
};

/* One racer's booking on call cid: booked, or refused with `refused`. */
static void
race_book(struct racer *rc, const char *cid, json_t *args, const char *refused)
{
	json_t *r = hx_call(&H, cid, "book_appointment", args, NULL);

	rc->ok = json_is_true(json_object_get(r, "ok"));
	rc->taken = !rc->ok && strcmp(code(r), refused) == 0;
	json_decref(r);
}

static void *
race_one(void *arg)
{
	struct racer *rc = arg;
	char cid[32], start[32];

	snprintf(cid, sizeof(cid), "CArace%d", rc->i);
	slot(start, sizeof(start), "14:00");
	race_book(rc, cid,
	    json_pack("{s:s, s:s, s:s, s:s}", "service", "oil change", "start",
	        start, "first_name", "Racer", "last_name", "X"),
	    "slot_taken");
	return NULL;
}

static void
test_race_50(void **state)
{
	struct racer rc[50];
	pthread_t th[50];
	char start[32], cid[32], phone[20];
	int i, oks = 0, taken = 0;

	(void)state;
	/* one of the two bays at 14:00 is taken first: one slot left */
	json_decref(book_new(
	    "CArace_pre", "+15558889999", "14:00", "Pre Booked", NULL, NULL));
	slot(start, sizeof(start), "14:00");
	for (i = 0; i < 50; i++) {
		snprintf(cid, sizeof(cid), "CArace%d", i);
		snprintf(phone, sizeof(phone), "+1555888%04d", i);
		begin(cid, phone);
	}
	for (i = 0; i < 50; i++) {
		rc[i].i = i;
		pthread_create(&th[i], NULL, race_one, &rc[i]);
	}
	for (i = 0; i < 50; i++) {
		pthread_join(th[i], NULL);
		oks += rc[i].ok;
		taken += rc[i].taken;
	}
	fprintf(stderr, "  race: %d booked, %d slot_taken\n", oks, taken);
	assert_int_equal(oks, 1);
	assert_int_equal(taken, 49);
}

/* 40 callers confirm 40 different times at once: the bookings are written
 * in groups (booking_batch.c), every one lands on a bay of its own, and
 * none is lost or doubled. */
static char GD[16];

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (n < 0 || (buf = calloc(1, (size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

static void *
group_one(void *arg)
{
	struct racer *rc = arg;
	char cid[32], start[32];
	json_t *r;

	snprintf(cid, sizeof(cid), "CAgrp%d", rc->i);
	snprintf(start, sizeof(start), "%sT%02d:%02d", GD, 8 + rc->i % 100 / 4,
	    (rc->i % 100 / 2 % 2) * 30);
	r = hx_call(&H, cid, "book_appointment",
	    json_pack("{s:s, s:s, s:s, "
	              "s:s}",
	        "service", "oil change", "start", start, "first_name", "Group",
	        "last_name", "Caller"),
	    NULL);
	rc->ok = ok(r);
	rc->taken = rc->ok
	    ? (int)json_integer_value(json_object_get(res(r), "appointment_id"))
	    : 0;
	rc->cust = rc->ok
	    ? (int)json_integer_value(json_object_get(res(r), "customer_id"))
	    : 0;
	json_decref(r);
	return NULL;
}

/* Caller i of the group test is a new customer: their call knows them by
 * caller ID, and a lookup of their number (a miss cached before the
 * booking) finds them. */
static void
group_customer(int i, int cust)
{
	char cid[32], phone[20];
	json_t *r, *cu;

	snprintf(cid, sizeof(cid), "CAgrp%d", i);
	snprintf(phone, sizeof(phone), "+1555444%04d", i);
	r = call("", "get_call", json_pack("{s:s}", "call_sid", cid));
	assert_true(ok(r));
	cu = json_object_get(res(r), "customer");
	assert_int_equal(
	    json_integer_value(json_object_get(cu, "customer_id")), cust);
	assert_string_equal(
	    json_string_value(json_object_get(cu, "identity")), "caller_id");
	assert_string_equal(
	    json_string_value(json_object_get(cu, "phone")), phone);
	json_decref(r);
	r = call("", "lookup_customer", json_pack("{s:s}", "phone", phone));
	assert_true(ok(r));
	assert_int_equal(
	    json_integer_value(json_object_get(res(r), "customer_id")), cust);
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "first_name")), "Group");
	json_decref(r);
}

static void
test_group_commit(void **state)
{
	struct racer rc[40];
	pthread_t th[40];
	char cid[32], phone[20], *log = NULL;
	json_t *r;
	size_t i, k;
	int oks = 0, round, grouped = 0, ids[40], custs[40];

	(void)state;
	/* the 20 half hours of the day from 08:00, two bays each; a round on
	 * a day of its own until some bookings were written as a group (40
	 * threads on two cores all but always overlap; three tries) */
	for (round = 0; round < 3 && !grouped; round++) {
		hx_open_day(30 + round, GD, sizeof(GD));
		for (i = 0; i < 40; i++) {
			snprintf(cid, sizeof(cid), "CAgrp%zu", i + 100 * round);
			snprintf(phone, sizeof(phone), "+1555444%04zu",
			    i + 100 * round);
			begin(cid, phone);
			/* nobody has the number yet (the miss is cached) */
			r = call("", "lookup_customer",
			    json_pack("{s:s}", "phone", phone));
			assert_true(ok(r));
			assert_true(
			    json_is_false(json_object_get(res(r), "found")));
			json_decref(r);
		}
		for (i = 0; i < 40; i++) {
			rc[i].i = (int)i + 100 * round;
			pthread_create(&th[i], NULL, group_one, &rc[i]);
		}
		for (i = 0, oks = 0; i < 40; i++) {
			pthread_join(th[i], NULL);
			oks += rc[i].ok;
			ids[i] = rc[i].taken;
			custs[i] = rc[i].cust;
		}
		assert_int_equal(oks, 40);
		/* 40 different appointments, two per start on two bays, for
		 * 40 new customers, each their own call's caller */
		for (i = 0; i < 40; i++) {
			for (k = i + 1; k < 40; k++) {
				assert_int_not_equal(ids[i], ids[k]);
				assert_int_not_equal(custs[i], custs[k]);
			}
			group_customer((int)i + 100 * round, custs[i]);
		}
		/* and the day is full: both bays, every half hour */
		r = call("", "get_available_slots",
		    json_pack(
		        "{s:s, s:s}", "date", GD, "service", "oil change"));
		assert_true(ok(r));
		assert_int_equal(
		    json_integer_value(json_object_get(res(r), "total_free")),
		    0);
		json_decref(r);
		fprintf(stderr, "  group round %d: 40 booked, the day full\n",
		    round);
		free(log);
		log = slurp(H.log);
		grouped = log && strstr(log, "booking group of") != NULL;
	}
	assert_true(grouped);
	/* new callers' customers were made by the groups, with the bookings */
	{
		const char *at = log;
		int n, w, m, made = 0;

		while ((at = strstr(at, "booking group of ")) != NULL) {
			if (sscanf(at,
			        "booking group of %d: %d written, %d new", &n,
			        &w, &m) == 3)
				made += m;
			at++;
		}
		assert_true(made > 0);
	}
	free(log);
}

/* Two new callers on two calls give the same phone at the same moment:
 * one gets a new customer with it, the other is told the number is
 * somebody's (their name differs), whether or not they met in a group. */
static char CD[16];

static void *
clash_one(void *arg)
{
	struct racer *rc = arg;
	char cid[32], start[32], phone[20];

	snprintf(cid, sizeof(cid), "CAclash%d", rc->i);
	snprintf(phone, sizeof(phone), "+1555446%04d", rc->i / 2);
	snprintf(start, sizeof(start), "%sT%02d:%02d", CD, 8 + rc->i / 4,
	    (rc->i / 2 % 2) * 30);
	race_book(rc, cid,
	    json_pack("{s:s, s:s, s:s, s:s, s:s}", "service", "oil change",
	        "start", start, "first_name", rc->i % 2 ? "Sam" : "Pat",
	        "last_name", "Clash", "phone", phone),
	    "forbidden");
	return NULL;
}

static void
test_new_callers_one_phone(void **state)
{
	struct racer rc[20];
	pthread_t th[20];
	char cid[32], from[20], phone[20];
	json_t *r;
	int i, won;

	(void)state;
	hx_open_day(33, CD, sizeof(CD));
	for (i = 0; i < 20; i++) {
		snprintf(cid, sizeof(cid), "CAclash%d", i);
		snprintf(from, sizeof(from), "+1555447%04d", i);
		begin(cid, from);
		rc[i].i = i;
	}
	for (i = 0; i < 20; i++)
		pthread_create(&th[i], NULL, clash_one, &rc[i]);
	for (i = 0; i < 20; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 20; i += 2) {
		/* one of the pair booked, the other was refused */
		assert_int_equal(rc[i].ok + rc[i + 1].ok, 1);
		assert_int_equal(rc[i].taken + rc[i + 1].taken, 1);
		won = rc[i].ok ? i : i + 1;
		snprintf(phone, sizeof(phone), "+1555446%04d", i / 2);
		r = call(
		    "", "lookup_customer", json_pack("{s:s}", "phone", phone));
		assert_true(ok(r));
		assert_string_equal(
		    json_string_value(json_object_get(res(r), "first_name")),
		    won % 2 ? "Sam" : "Pat");
		json_decref(r);
	}
}

/* One table of schemas (proto/tool_schema.c): every tool crm-tools runs
 * has an entry that parses, every entry is a tool crm-tools runs, and a
 * request missing a required field or with a field of the wrong type is
 * refused with bad_args naming the field before the tool runs. */
static void
test_tool_schemas(void **state)
{
	json_t *r, *t;
	size_t i;
	int n = 0;

	(void)state;
	begin("CAschema", "+15551230001");
	r = call("CAschema", "list_tools", json_pack("{s:b}", "all", 1));
	assert_true(ok(r));
	json_array_foreach(json_object_get(res(r), "tools"), i, t)
	{
		const char *name =
		    json_string_value(json_object_get(t, "name"));

		if (fd_tool_schema_find(name) == NULL ||
		    !json_is_object(json_object_get(t, "parameters")))
			fail_msg("crm-tools runs %s without a schema", name);
		n++;
	}
	json_decref(r);
	assert_int_equal(n, fd_ntool_schemas);
	for (i = 0; i < (size_t)fd_ntool_schemas; i++) {
		json_t *d = fd_tool_schema_json(&fd_tool_schemas[i]);

		if (!json_is_object(json_object_get(d, "parameters")))
			fail_msg("%s: schema is not JSON with parameters",
			    fd_tool_schemas[i].name);
		json_decref(d);
	}
	/* missing: book_appointment's start */
	r = call("CAschema", "book_appointment",
	    json_pack("{s:s}", "service", "oil change"));
	assert_string_equal(code(r), "bad_args");
	assert_non_null(
	    strstr(json_string_value(json_object_get(r, "error")), "'start'"));
	json_decref(r);
	/* mistyped: a vehicle_id that is not an integer, a boolean count */
	r = call("CAschema", "book_appointment",
	    json_pack("{s:s, s:s, s:[]}", "service", "oil change", "start",
	        "2030-01-07T10:00", "vehicle_id"));
	assert_string_equal(code(r), "bad_args");
	assert_non_null(strstr(json_string_value(json_object_get(r, "error")),
	    "'vehicle_id' must be an integer"));
	json_decref(r);
	r = call("CAschema", "find_slots",
	    json_pack("{s:s, s:b}", "service", "oil change", "count", 1));
	assert_string_equal(code(r), "bad_args");
	assert_non_null(
	    strstr(json_string_value(json_object_get(r, "error")), "'count'"));
	json_decref(r);
	/* nothing was booked by the refused requests */
	r = call("CAschema", "get_upcoming_appointments", json_object());
	assert_true(ok(r));
	json_decref(r);
}

static void
test_forbidden(void **state)
{
	json_t *r;
	long long maria_appt;

	(void)state;
	/* Maria's call sees her appointment */
	begin("CAmaria", "+15551230002");
	r = call("CAmaria", "get_upcoming_appointments", json_object());
	assert_true(ok(r));
	assert_true(
	    json_array_size(json_object_get(res(r), "appointments")) >= 1);
	maria_appt = json_integer_value(json_object_get(
	    json_array_get(json_object_get(res(r), "appointments"), 0),
	    "appointment_id"));
	json_decref(r);
	/* John's call cannot touch it, whatever the arguments say */
	begin("CAjohn", "+15551230001");
	refused("CAjohn", "cancel_appointment",
	    json_pack("{s:I}", "appointment_id", (json_int_t)maria_appt),
	    "forbidden");
	refused("CAjohn", "reschedule_appointment",
	    json_pack("{s:I, s:s}", "appointment_id", (json_int_t)maria_appt,
	        "new_start", "2030-01-07T10:00"),
	    "forbidden");
	refused("CAjohn", "get_upcoming_appointments",
	    json_pack("{s:i}", "customer_id", 2), "forbidden");
	refused("CAjohn", "vehicle_status",
	    json_pack("{s:s}", "order", "RO-1002"), "forbidden");
	/* an anonymous caller gets nothing */
	begin("CAanon", "+15557770000");
	refused("CAanon", "vehicle_status", json_object(), "forbidden");
	/* his own order: fine; cancelling it needs verification */
	r = call("CAjohn", "vehicle_status", json_object());
	assert_true(ok(r));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "number")), "RO-1001");
	json_decref(r);
	refused("CAjohn", "cancel_order",
	    json_pack("{s:s}", "order", "RO-1001"), "verification_required");
	r = call("CAjohn", "verify_caller",
	    json_pack("{s:s}", "name", "John Smith"));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "verified")));
	json_decref(r);
	r = call(
	    "CAjohn", "cancel_order", json_pack("{s:s}", "order", "RO-1001"));
	assert_string_equal(code(r), "not_cancellable"); /* in repair */
	json_decref(r);
	/* Linda's order is only checked in: full refund of the deposit */
	begin("CAlinda", "+15551230006");
	r = call("CAlinda", "verify_caller",
	    json_pack("{s:s}", "name", "Linda Jonez"));
	assert_true(ok(r));
	json_decref(r);
	r = call(
	    "CAlinda", "cancel_order", json_pack("{s:s}", "order", "ro 1006"));
	assert_true(ok(r));
	assert_int_equal(
	    json_integer_value(json_object_get(res(r), "refund_cents")), 5000);
	json_decref(r);
	/* a name is no proof for an id a name search hands out: with
	 * customer_id only a confirmation code verifies */
	begin("CAbyid", "+15559990042");
	refused("CAbyid", "verify_caller",
	    json_pack("{s:i, s:s}", "customer_id", 1, "name", "John Smith"),
	    "bad_args");
	refused(
	    "CAbyid", "get_upcoming_appointments", json_object(), "forbidden");
	/* wrong name: not verified */
	begin("CAwrong", "+15551230003");
	r = call("CAwrong", "verify_caller",
	    json_pack("{s:s}", "name", "Peter Parker"));
	assert_true(ok(r));
	assert_true(json_is_false(json_object_get(res(r), "verified")));
	json_decref(r);
}

static void
test_cancel_reschedule(void **state)
{
	char start[32];
	json_t *r;
	long long id;
	const char *conf;

	(void)state;
	begin("CAresch", "+15559990010");
	slot(start, sizeof(start), "15:00");
	r = call("CAresch", "book_appointment",
	    json_pack("{s:s, s:s, s:s}", "service", "diagnostic", "start",
	        start, "name", "Rita Moss"));
	assert_true(ok(r));
	id = json_integer_value(json_object_get(res(r), "appointment_id"));
	conf = json_string_value(json_object_get(res(r), "confirmation"));
	slot(start, sizeof(start), "16:00");
	json_t *r2 = call("CAresch", "reschedule_appointment",
	    json_pack("{s:s, s:s}", "confirmation", conf, "new_start", start));
	assert_true(ok(r2));
	assert_int_equal(
	    json_integer_value(json_object_get(res(r2), "appointment_id")), id);
	assert_string_equal(
	    json_string_value(json_object_get(res(r2), "confirmation")), conf);
	json_decref(r2);
	r2 = call("CAresch", "cancel_appointment",
	    json_pack("{s:I, s:s}", "appointment_id", (json_int_t)id, "reason",
	        "changed plans"));
	assert_true(ok(r2));
	assert_string_equal(
	    json_string_value(json_object_get(res(r2), "status")), "cancelled");
	json_decref(r2);
	json_decref(r);
}

static void
test_notes_and_call_record(void **state)
{
	json_t *r, *g;

	(void)state;
	begin("CArec", "+15551230004");
	r = call("CArec", "log_turn",
	    json_pack("{s:s, s:s}", "role", "caller", "text",
	        "Hi, is my truck ready?"));
	assert_true(ok(r));
	json_decref(r);
	r = call("CArec", "log_turn",
	    json_pack("{s:s, s:s, s:b}", "role", "agent", "text",
	        "Let me check.", "heard", 0));
	json_decref(r);
	r = call("CArec", "take_message",
	    json_pack("{s:s, s:s, s:s}", "name", "Patricia", "message",
	        "call me about the quote", "urgency", "urgent"));
	assert_true(ok(r));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "urgency")), "high");
	json_decref(r);
	r = call("CArec", "request_callback",
	    json_pack("{s:s, s:s}", "when", "tomorrow", "reason", "quote"));
	assert_true(ok(r));
	json_decref(r);
	r = call("CArec", "qualify_lead",
	    json_pack("{s:s, s:s, s:s}", "name", "Patricia", "need",
	        "new truck", "timeline", "this week"));
	assert_true(ok(r));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "score")), "hot");
	json_decref(r);
	r = call("CArec", "log_call_outcome",
	    json_pack("{s:s}", "outcome", "message_taken"));
	assert_true(ok(r));
	json_decref(r);
	r = call("CArec", "call_end", json_pack("{s:s}", "reason", "hangup"));
	assert_true(ok(r));
	json_decref(r);
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CArec"));
	assert_true(ok(r));
	g = res(r);
	assert_int_equal(json_array_size(json_object_get(g, "turns")), 2);
	assert_true(json_is_false(json_object_get(
	    json_array_get(json_object_get(g, "turns"), 1), "heard")));
	assert_true(json_array_size(json_object_get(g, "tool_calls")) >= 4);
	assert_string_equal(
	    json_string_value(json_object_get(g, "outcome")), "message_taken");
	assert_non_null(json_object_get(g, "ended_at"));
	/* the record's times are instants: ISO 8601 with the offset */
	{
		const char *st =
		    json_string_value(json_object_get(g, "started_at"));
		const char *at = json_string_value(json_object_get(
		    json_array_get(json_object_get(g, "turns"), 0), "at"));

		assert_non_null(st);
		assert_non_null(at);
		assert_int_equal(strlen(st), 25);
		assert_true(st[19] == '-' || st[19] == '+');
		assert_true(st[22] == ':' && st[10] == 'T');
		assert_int_equal(strlen(at), 25);
	}
	json_decref(r);
	r = call("", "list_calls", json_pack("{s:i}", "limit", 5));
	assert_true(ok(r));
	assert_int_equal(json_array_size(json_object_get(res(r), "calls")), 5);
	json_decref(r);
}

static void
test_redis_down(void **state)
{
	char start[32];
	json_t *r;
	int i, cached = 0;

	(void)state;
	assert_int_equal(hx_datastore(&H, "stop redis"), 0);
	begin("CAnoredis", "+15551230007");
	r = call("CAnoredis", "lookup_customer", json_object());
	assert_true(ok(r));
	assert_true(json_is_false(json_object_get(res(r), "cached")));
	json_decref(r);
	slot(start, sizeof(start), "10:30");
	r = call("CAnoredis", "book_appointment",
	    json_pack("{s:s, s:s}", "service", "oil change", "start", start));
	assert_true(ok(r));
	json_decref(r);
	assert_int_equal(hx_datastore(&H, "start"), 0);
	/* back within the reconnect interval: cached again */
	for (i = 0; i < 80 && !cached; i++) {
		r = call("CAnoredis", "lookup_customer", json_object());
		cached = json_is_true(json_object_get(res(r), "cached"));
		json_decref(r);
		if (!cached)
			fd_sleep_us(100000);
	}
	assert_true(cached);
}

static void
test_pg_down_spool(void **state)
{
	char start[32], conf[8];
	json_t *r, *g, *ap;
	int i, done = 0;

	(void)state;
	begin("CAspool", "+15551230008");
	assert_int_equal(hx_datastore(&H, "stop pg"), 0);
	refused("CAspool", "lookup_customer", json_object(), "db_unavailable");
	r = call("CAspool", "take_message",
	    json_pack(
	        "{s:s, s:s}", "name", "Liz", "message", "please call back"));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "spooled")));
	json_decref(r);
	slot(start, sizeof(start), "16:30");
	r = call("CAspool", "book_appointment",
	    json_pack("{s:s, s:s}", "service", "oil change", "start", start));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "spooled")));
	snprintf(conf, sizeof(conf), "%s",
	    json_string_value(json_object_get(res(r), "confirmation")));
	json_decref(r);
	r = call("CAspool", "log_turn",
	    json_pack("{s:s, s:s}", "role", "caller", "text", "thanks"));
	assert_true(ok(r));
	json_decref(r);
	assert_int_equal(hx_datastore(&H, "start"), 0);
	for (i = 0; i < 100 && !done; i++) {
		fd_sleep_us(100000);
		r = call(
		    "", "get_call", json_pack("{s:s}", "call_sid", "CAspool"));
		ap = json_object_get(res(r), "appointments");
		done = json_array_size(ap) == 1 &&
		    json_array_size(json_object_get(res(r), "turns")) == 1;
		if (done)
			assert_string_equal(
			    json_string_value(json_object_get(
			        json_array_get(ap, 0), "confirmation")),
			    conf);
		json_decref(r);
	}
	assert_true(done);
	/* exactly once: a second replay pass would not add anything */
	fd_sleep_us(1500000);
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CAspool"));
	g = res(r);
	assert_int_equal(
	    json_array_size(json_object_get(g, "appointments")), 1);
	assert_int_equal(json_array_size(json_object_get(g, "turns")), 1);
	json_decref(r);
}

/* A caller ID that is no phone number is no caller ID: kept on the call
 * record, but a booking takes the phone the caller says. */
static void
test_no_caller_id(void **state)
{
	static const char *const froms[] = {
	    "anonymous", "", "Restricted", "client:alice"};
	static const char *const at[] = {"12:30", "13:30", "15:30", "17:00"};
	char cid[32], start[32], phone[20];
	json_t *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(froms) / sizeof(froms[0]); i++) {
		snprintf(cid, sizeof(cid), "CAnocid%zu", i);
		snprintf(phone, sizeof(phone), "(555) 771-00%02zu", i);
		r = call(
		    cid, "call_begin", json_pack("{s:s}", "from", froms[i]));
		assert_true(ok(r));
		assert_true(
		    json_is_false(json_object_get(res(r), "known_caller")));
		assert_true(
		    json_is_false(json_object_get(res(r), "caller_id")));
		json_decref(r);
		r = call(cid, "lookup_customer", json_object());
		assert_string_equal(code(r), "bad_args");
		json_decref(r);
		slot(start, sizeof(start), at[i]);
		r = call(cid, "book_appointment",
		    json_pack("{s:s, s:s, s:s}", "service", "oil change",
		        "start", start, "name", "Nora Quinn"));
		assert_string_equal(code(r), "bad_args"); /* ask the phone */
		json_decref(r);
		r = call(cid, "book_appointment",
		    json_pack("{s:s, s:s, s:s, "
		              "s:s}",
		        "service", "tire rotation", "start", start, "name",
		        "Nora Quinn", "phone", phone));
		assert_true(ok(r));
		json_decref(r);
		r = call("", "get_call", json_pack("{s:s}", "call_sid", cid));
		assert_true(ok(r));
		if (froms[i][0])
			assert_string_equal(
			    json_string_value(json_object_get(res(r), "from")),
			    froms[i]);
		assert_string_equal(
		    json_string_value(json_object_get(
		        json_object_get(res(r), "customer"), "phone")),
		    i == 0       ? "+15557710000"
		        : i == 1 ? "+15557710001"
		        : i == 2 ? "+15557710002"
		                 : "+15557710003");
		json_decref(r);
	}
	/* a said number that is already a customer's: with the wrong name
	 * forbidden; with the right one the call is identified as them, and
	 * their record takes a second factor */
	begin("CAnocid_m", "anonymous");
	slot(start, sizeof(start), "17:30");
	refused("CAnocid_m", "book_appointment",
	    json_pack("{s:s, s:s, s:s, "
	              "s:s}",
	        "service", "oil change", "start", start, "name", "Peter Parker",
	        "phone", "+15551230009"),
	    "forbidden");
	refused("CAnocid_m", "book_appointment",
	    json_pack("{s:s, s:s, s:s, "
	              "s:s}",
	        "service", "oil change", "start", start, "name",
	        "David Martinez", "phone", "555 123 0009"),
	    "verification_required");
	r = call("CAnocid_m", "verify_caller",
	    json_pack("{s:s, s:s, s:s}", "phone", "555 123 0009", "name",
	        "David Martinez", "vin_last", "090123"));
	assert_true(json_is_true(json_object_get(res(r), "verified")));
	json_decref(r);
	r = call("CAnocid_m", "book_appointment",
	    json_pack("{s:s, s:s, s:s, "
	              "s:s}",
	        "service", "oil change", "start", start, "name",
	        "David Martinez", "phone", "555 123 0009"));
	assert_true(ok(r));
	assert_int_equal(
	    json_integer_value(json_object_get(res(r), "customer_id")), 9);
	json_decref(r);
}

/* "No, I'm not John": the caller ID stops counting, a booking makes a new
 * customer, and only verify_caller gives an identity back. */
static void
test_deny_caller_id(void **state)
{
	char start[32];
	json_t *r, *cu;
	long long mary;

	(void)state;
	begin("CAdeny", "+15551230001");
	r = call("CAdeny", "deny_caller_id", json_object());
	assert_true(ok(r));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "identity")), "none");
	json_decref(r);
	refused(
	    "CAdeny", "get_upcoming_appointments", json_object(), "forbidden");
	r = call("CAdeny", "lookup_customer", json_object());
	assert_true(ok(r));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "identity")), "none");
	json_decref(r);
	slot(start, sizeof(start), "12:00");
	refused("CAdeny", "book_appointment",
	    json_pack("{s:s, s:s}", "service", "oil change", "start", start),
	    "need_name");
	/* even John's own name makes a new record on this call */
	r = call("CAdeny", "book_appointment",
	    json_pack("{s:s, s:s, s:s, "
	              "s:s}",
	        "service", "oil change", "start", start, "first_name", "Mary",
	        "last_name", "Smith"));
	assert_true(ok(r));
	mary = json_integer_value(json_object_get(res(r), "customer_id"));
	assert_true(mary != 1);
	json_decref(r);
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CAdeny"));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "caller_id_denied")));
	cu = json_object_get(res(r), "customer");
	assert_int_equal(
	    json_integer_value(json_object_get(cu, "customer_id")), mary);
	assert_true(json_is_null(json_object_get(cu, "phone")));
	json_decref(r);
	/* call_begin again does not bring John back */
	begin("CAdeny", "+15551230001");
	r = call("CAdeny", "vehicle_status", json_object());
	assert_string_equal(code(r), "not_found"); /* Mary has no order */
	json_decref(r);
	/* with a phone of her own, a second caller gets it */
	begin("CAdeny2", "+15551230001");
	r = call("CAdeny2", "deny_caller_id", json_object());
	assert_true(ok(r));
	json_decref(r);
	r = call("CAdeny2", "book_appointment",
	    json_pack("{s:s, s:s, s:s, "
	              "s:s}",
	        "service", "tire rotation", "start", start, "name", "Tom Smith",
	        "phone", "+15557720000"));
	assert_true(ok(r));
	assert_true(
	    json_integer_value(json_object_get(res(r), "customer_id")) != 1);
	json_decref(r);
	/* the shared phone is John's: given explicitly, still not him */
	begin("CAdeny3", "+15551230001");
	json_decref(call("CAdeny3", "deny_caller_id", json_object()));
	slot(start, sizeof(start), "13:00");
	r = call("CAdeny3", "book_appointment",
	    json_pack("{s:s, s:s, s:s, "
	              "s:s}",
	        "service", "diagnostic", "start", start, "name", "John Smith",
	        "phone", "+15551230001"));
	assert_true(ok(r));
	assert_true(
	    json_integer_value(json_object_get(res(r), "customer_id")) != 1);
	json_decref(r);
	/* verify_caller still works after the denial: her number and
	 * name identify her, the last digits of her VIN verify */
	r = call("CAdeny3", "verify_caller",
	    json_pack(
	        "{s:s, s:s}", "phone", "+15551230002", "name", "Maria Garcia"));
	assert_true(ok(r));
	assert_true(json_is_false(json_object_get(res(r), "verified")));
	assert_true(json_is_true(json_object_get(res(r), "identified")));
	json_decref(r);
	r = call("CAdeny3", "verify_caller",
	    json_pack("{s:s, s:s, s:s}", "phone", "+15551230002", "name",
	        "Maria Garcia", "vin_last", "3456"));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "verified")));
	json_decref(r);
}

/* From another number a customer's phone and name only identify the
 * caller: the repair stage, and no more.  Listing, cancelling, moving
 * and booking on the record need a second factor (a VIN's last digits or
 * a confirmation code); a wrong one counts toward the lockout; the caller
 * ID on file is enough. */
static void
test_identified_needs_second_factor(void **state)
{
	char start[32], moved[32];
	json_t *r, *cust;
	long long appt;
	int i;

	(void)state;
	begin("CAjs_own", "+15551230001");
	slot(start, sizeof(start), "11:30");
	slot(moved, sizeof(moved), "12:30");
	r = call("CAjs_own", "book_appointment",
	    json_pack("{s:s, s:s, s:s}", "service", "diagnostic", "start",
	        start, "vehicle", "2003 Honda Accord"));
	if (strcmp(code(r), "slot_taken") == 0) {
		/* earlier tests filled the day: the nearest free start */
		snprintf(start, sizeof(start), "%s",
		    json_string_value(
		        json_array_get(json_object_get(r, "alternatives"), 0)));
		json_decref(r);
		r = call("CAjs_own", "book_appointment",
		    json_pack("{s:s, s:s, "
		              "s:s}",
		        "service", "diagnostic", "start", start, "vehicle",
		        "2003 Honda Accord"));
	}
	assert_true(ok(r));
	appt = json_integer_value(json_object_get(res(r), "appointment_id"));
	json_decref(r);
	/* the caller ID on file is enough to list them */
	r = call("CAjs_own", "get_upcoming_appointments", json_object());
	assert_true(ok(r));
	json_decref(r);

	begin("CAjs_other", "+15559990077");
	r = call("CAjs_other", "verify_caller",
	    json_pack(
	        "{s:s, s:s}", "phone", "555-123-0001", "name", "John Smith"));
	assert_true(ok(r));
	assert_true(json_is_false(json_object_get(res(r), "verified")));
	assert_true(json_is_true(json_object_get(res(r), "identified")));
	assert_null(json_object_get(res(r), "attempts_left"));
	json_decref(r);
	refused("CAjs_other", "cancel_appointment",
	    json_pack("{s:I}", "appointment_id", (json_int_t)appt),
	    "verification_required");
	refused("CAjs_other", "cancel_appointment",
	    json_pack("{s:s}", "confirmation", "JSDG7"),
	    "verification_required");
	refused("CAjs_other", "reschedule_appointment",
	    json_pack("{s:I, s:s}", "appointment_id", (json_int_t)appt,
	        "new_start", moved),
	    "verification_required");
	refused("CAjs_other", "get_upcoming_appointments", json_object(),
	    "verification_required");
	refused("CAjs_other", "book_appointment",
	    json_pack("{s:s, s:s}", "service", "oil change", "start", moved),
	    "verification_required");
	/* his record (VINs among it) stays closed */
	r = call("CAjs_other", "lookup_customer",
	    json_pack("{s:s}", "phone", "+15551230001"));
	assert_true(ok(r));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "identity")),
	    "identified");
	assert_null(json_object_get(res(r), "customer"));
	json_decref(r);
	/* whether the car is ready: yes; plate and money: no */
	r = call("CAjs_other", "vehicle_status", json_object());
	assert_true(ok(r));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "number")), "RO-1001");
	assert_non_null(json_object_get(res(r), "stage_label"));
	assert_null(json_object_get(res(r), "plate"));
	assert_null(json_object_get(res(r), "price_cents"));
	json_decref(r);
	/* a wrong factor counts */
	r = call("CAjs_other", "verify_caller",
	    json_pack("{s:s, s:s, s:s}", "phone", "+15551230001", "name",
	        "John Smith", "vin_last", "1111"));
	assert_true(ok(r));
	assert_true(json_is_false(json_object_get(res(r), "verified")));
	assert_int_equal(
	    json_integer_value(json_object_get(res(r), "attempts_left")), 2);
	json_decref(r);
	refused("CAjs_other", "cancel_appointment",
	    json_pack("{s:I}", "appointment_id", (json_int_t)appt),
	    "verification_required");
	/* a VIN's digits alone are no proof: they go with the name */
	refused("CAjs_other", "verify_caller",
	    json_pack(
	        "{s:s, s:s}", "phone", "+15551230001", "vin_last", "4352"),
	    "bad_args");
	/* the Accord's last four digits, as keyed */
	r = call("CAjs_other", "verify_caller",
	    json_pack("{s:s, s:s, s:s}", "phone", "+15551230001", "name",
	        "John Smith", "vin_last", "4352"));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "verified")));
	json_decref(r);
	r = call("CAjs_other", "lookup_customer",
	    json_pack("{s:s}", "phone", "+15551230001"));
	assert_non_null(cust = json_object_get(res(r), "customer"));
	assert_int_equal(json_array_size(json_object_get(cust, "vehicles")), 2);
	json_decref(r);
	r = call("CAjs_other", "cancel_appointment",
	    json_pack("{s:I}", "appointment_id", (json_int_t)appt));
	assert_true(ok(r));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "status")), "cancelled");
	json_decref(r);

	/* a booking with his phone and name is no proof either */
	begin("CAjs_book", "+15559990078");
	refused("CAjs_book", "book_appointment",
	    json_pack("{s:s, s:s, s:s, "
	              "s:s}",
	        "service", "oil change", "start", moved, "name", "John Smith",
	        "phone", "+15551230001"),
	    "verification_required");
	refused("CAjs_book", "get_upcoming_appointments", json_object(),
	    "verification_required");

	/* three wrong factors lock verification, the right one too after */
	begin("CAjs_lock", "+15559990079");
	for (i = 0; i < 3; i++) {
		r = call("CAjs_lock", "verify_caller",
		    json_pack("{s:s, s:s, "
		              "s:s}",
		        "phone", "+15551230001", "name", "John Smith",
		        "vin_last", "0000"));
		assert_true(ok(r));
		assert_int_equal(json_integer_value(
		                     json_object_get(res(r), "attempts_left")),
		    2 - i);
		json_decref(r);
	}
	refused("CAjs_lock", "verify_caller",
	    json_pack("{s:s, s:s, s:s}", "phone", "+15551230001", "name",
	        "John Smith", "vin_last", "4352"),
	    "too_many_attempts");
}

/* verify_caller with a confirmation code only: the code's owner. */
static void
test_verify_by_code(void **state)
{
	char conf[8];
	json_t *r;
	long long owner;
	int i;

	(void)state;
	r = book_new(
	    "CAcode_b", "+15559990020", "13:00", "Gil Ward", NULL, conf);
	owner = json_integer_value(json_object_get(res(r), "customer_id"));
	json_decref(r);
	/* from another phone (a known customer's) and from no caller ID */
	begin("CAcode_v", "+15551230003");
	begin("CAcode_a", "anonymous");
	for (i = 0; i < 2; i++) {
		const char *cid = i ? "CAcode_a" : "CAcode_v";

		r = call(cid, "verify_caller",
		    json_pack("{s:s}", "confirmation", conf));
		assert_true(ok(r));
		assert_true(json_is_true(json_object_get(res(r), "verified")));
		assert_int_equal(
		    json_integer_value(json_object_get(res(r), "customer_id")),
		    owner);
		json_decref(r);
		r = call(cid, "get_upcoming_appointments", json_object());
		assert_true(ok(r));
		assert_int_equal(
		    json_integer_value(json_object_get(res(r), "customer_id")),
		    owner);
		json_decref(r);
	}
	/* wrong codes count toward the limit */
	begin("CAcode_x", "anonymous");
	for (i = 0; i < 3; i++) {
		r = call("CAcode_x", "verify_caller",
		    json_pack(
		        "{s:s}", "confirmation", i == 1 ? "nope" : "ZZZZZ"));
		assert_true(ok(r));
		assert_true(json_is_false(json_object_get(res(r), "verified")));
		assert_int_equal(json_integer_value(
		                     json_object_get(res(r), "attempts_left")),
		    2 - i);
		json_decref(r);
	}
	refused("CAcode_x", "verify_caller",
	    json_pack("{s:s}", "confirmation", conf), "too_many_attempts");
}

/* get_call lists what the call booked and what it changed. */
static void
test_call_appointments(void **state)
{
	char start[32], conf[8];
	json_t *r, *ap, *a;
	long long id;
	size_t i;
	int seen = 0;

	(void)state;
	json_decref(book_new(
	    "CAtouch_b", "+15559990030", "08:00", "Hal Ives", &id, conf));
	/* a later call from the same phone moves it, then cancels it */
	begin("CAtouch_c", "+15559990030");
	slot(start, sizeof(start), "08:30");
	r = call("CAtouch_c", "reschedule_appointment",
	    json_pack("{s:s, s:s}", "confirmation", conf, "new_start", start));
	assert_true(ok(r));
	json_decref(r);
	r = call("CAtouch_c", "cancel_appointment",
	    json_pack("{s:I}", "appointment_id", (json_int_t)id));
	assert_true(ok(r));
	json_decref(r);
	r = call("CAtouch_c", "cancel_appointment",
	    json_pack("{s:I}", "appointment_id", (json_int_t)id));
	assert_true(ok(r)); /* already cancelled: no change */
	json_decref(r);
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CAtouch_c"));
	assert_true(ok(r));
	ap = json_object_get(res(r), "appointments");
	assert_int_equal(json_array_size(ap), 1);
	a = json_array_get(ap, 0);
	assert_int_equal(json_integer_value(json_object_get(a, "id")), id);
	assert_string_equal(
	    json_string_value(json_object_get(a, "status")), "cancelled");
	assert_string_equal(
	    json_string_value(json_object_get(a, "start")) + 11, "08:30:00");
	assert_int_equal(json_array_size(json_object_get(a, "on_call")), 2);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(a, "on_call"), 0)),
	    "rescheduled");
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(a, "on_call"), 1)),
	    "cancelled");
	json_decref(r);
	/* the booking call shows it too, with its current state */
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CAtouch_b"));
	ap = json_object_get(res(r), "appointments");
	for (i = 0; i < json_array_size(ap); i++) {
		a = json_array_get(ap, i);
		if (json_integer_value(json_object_get(a, "id")) != id)
			continue;
		seen = 1;
		assert_string_equal(
		    json_string_value(json_object_get(a, "status")),
		    "cancelled");
		assert_string_equal(json_string_value(json_array_get(
		                        json_object_get(a, "on_call"), 0)),
		    "booked");
	}
	assert_true(seen);
	json_decref(r);
}

/* How many audit rows of tool a call record lists. */
static int
audited(json_t *g, const char *tool)
{
	json_t *tc = json_object_get(g, "tool_calls");
	size_t i;
	int n = 0;

	for (i = 0; i < json_array_size(tc); i++)
		if (strcmp(json_string_value(
		               json_object_get(json_array_get(tc, i), "tool")),
		        tool) == 0)
			n++;
	return n;
}

/* The end of a call while PostgreSQL is down: turn, outcome and end go to
 * the spool, one after the other. */
static void
end_spooled(const char *cid, const char *outcome)
{
	json_t *r;

	r = call(cid, "log_turn",
	    json_pack(
	        "{s:s, s:s}", "role", "caller", "text", "that's all, bye"));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "spooled")));
	json_decref(r);
	r = call(cid, "log_call_outcome",
	    json_pack("{s:s, s:s}", "outcome", outcome, "notes",
	        "said while the database was down"));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "spooled")));
	json_decref(r);
	r = call(cid, "call_end", json_pack("{s:s}", "reason", "hangup"));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "spooled")));
	json_decref(r);
}

/* Poll get_call until the outcome is in the database record (not
 * pending); returns the record (owned) or NULL after 10 s. */
static json_t *
wait_written(const char *cid, const char *outcome)
{
	json_t *r;
	const char *o;
	int i;

	for (i = 0; i < 100; i++) {
		r = call("", "get_call", json_pack("{s:s}", "call_sid", cid));
		o = json_string_value(json_object_get(res(r), "outcome"));
		if (ok(r) && o && strcmp(o, outcome) == 0 &&
		    json_object_get(res(r), "pending") == NULL &&
		    json_object_get(res(r), "ended_at") != NULL &&
		    audited(res(r), "log_call_outcome") > 0)
			return r;
		json_decref(r);
		fd_sleep_us(100000);
	}
	return NULL;
}

static void
test_pg_down_outcome(void **state)
{
	json_t *r, *g, *calls;
	size_t i;
	int seen = 0;

	(void)state;
	begin("CAoutc", "+15551230004");
	assert_int_equal(hx_datastore(&H, "stop pg"), 0);
	end_spooled("CAoutc", "message_taken");
	/* a call that began during the outage: all of it is in the spool */
	r = call("CAoutc2", "call_begin",
	    json_pack(
	        "{s:s, s:s}", "from", "+15551239911", "to", "+15555550100"));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "spooled")));
	json_decref(r);
	end_spooled("CAoutc2", "info_only");

	/* the record during the outage: what crm-tools holds, pending */
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CAoutc"));
	assert_true(ok(r));
	g = res(r);
	assert_true(json_is_true(json_object_get(g, "pending")));
	assert_string_equal(
	    json_string_value(json_object_get(g, "outcome")), "message_taken");
	assert_string_equal(
	    json_string_value(json_object_get(g, "end_reason")), "hangup");
	assert_int_equal(json_array_size(json_object_get(g, "turns")), 1);
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(g, "turns"), 0), "text")),
	    "that's all, bye");
	json_decref(r);
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CAoutc2"));
	assert_true(ok(r));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "from")), "+15551239911");
	assert_non_null(
	    json_string_value(json_object_get(res(r), "started_at")));
	json_decref(r);
	/* nothing known about it: a clear db_unavailable */
	refused("", "get_call", json_pack("{s:s}", "call_sid", "CAnever"),
	    "db_unavailable");
	r = call("", "list_calls", json_pack("{s:i}", "limit", 10));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "pending")));
	calls = json_object_get(res(r), "calls");
	for (i = 0; i < json_array_size(calls); i++)
		if (strcmp(json_string_value(json_object_get(
		               json_array_get(calls, i), "call_sid")),
		        "CAoutc2") == 0)
			seen = 1;
	assert_true(seen);
	json_decref(r);

	assert_int_equal(hx_datastore(&H, "start"), 0);
	/* the call's next write goes after its spooled ones, whether or not
	 * the replay has run yet */
	r = call("CAoutc2", "log_turn",
	    json_pack(
	        "{s:s, s:s}", "role", "system", "text", "after the outage"));
	assert_true(ok(r));
	json_decref(r);
	r = wait_written("CAoutc", "message_taken");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(res(r), "notes")),
	    "said while the database was down");
	json_decref(r);
	r = wait_written("CAoutc2", "info_only");
	assert_non_null(r);
	assert_int_equal(json_array_size(json_object_get(res(r), "turns")), 2);
	json_decref(r);
	/* exactly once: no second replay adds a turn or an audit row */
	fd_sleep_us(1500000);
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CAoutc"));
	g = res(r);
	assert_int_equal(json_array_size(json_object_get(g, "turns")), 1);
	assert_int_equal(audited(g, "log_call_outcome"), 1);
	assert_int_equal(audited(g, "call_end"), 1);
	json_decref(r);
}

/* crm-tools dies with the writes in its spool: the next one applies them. */
static void
test_spool_survives_kill(void **state)
{
	json_t *r, *g;

	(void)state;
	begin("CAkilled", "+15551230005");
	assert_int_equal(hx_datastore(&H, "stop pg"), 0);
	end_spooled("CAkilled", "callback_requested");
	kill(H.daemon, SIGKILL);
	assert_int_equal(waitpid(H.daemon, NULL, 0), H.daemon);
	H.daemon = 0;
	assert_int_equal(hx_datastore(&H, "start"), 0);
	assert_int_equal(hx_daemon_start(&H, 2, 8), 0);
	r = wait_written("CAkilled", "callback_requested");
	assert_non_null(r);
	json_decref(r);
	fd_sleep_us(1500000);
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CAkilled"));
	assert_true(ok(r));
	g = res(r);
	assert_int_equal(json_array_size(json_object_get(g, "turns")), 1);
	assert_int_equal(audited(g, "log_call_outcome"), 1);
	assert_string_equal(
	    json_string_value(json_object_get(g, "end_reason")), "hangup");
	json_decref(r);
}

static void
begin_on(const char *cid, const char *gw, const char *boot)
{
	json_t *r = call(cid, "call_begin",
	    json_pack("{s:s, s:s, s:s, s:s}", "from", "+15551230006", "to",
	        "+15555550100", "gateway", gw, "gateway_boot", boot));

	assert_true(ok(r));
	json_decref(r);
}

/* A gateway restarted: its earlier run's open calls close as failed with
 * what was said; its new run's calls, ended calls and other gateways'
 * calls are left alone. */
static void
test_gateway_restarted(void **state)
{
	json_t *r, *g, *closed;

	(void)state;
	begin_on("CAgwold", "gw-a", "run1");
	begin_on("CAgwdone", "gw-a", "run1");
	begin_on("CAgwnew", "gw-a", "run2");
	begin_on("CAgwother", "gw-b", "run1");
	r = call("CAgwold", "log_turn",
	    json_pack(
	        "{s:s, s:s}", "role", "caller", "text", "I need new brakes"));
	json_decref(r);
	r = call(
	    "CAgwdone", "call_end", json_pack("{s:s}", "reason", "hangup"));
	json_decref(r);
	r = call("", "gateway_restarted",
	    json_pack("{s:s, s:s}", "gateway", "gw-a", "boot", "run2"));
	assert_true(ok(r));
	closed = json_object_get(res(r), "closed");
	assert_int_equal(json_array_size(closed), 1);
	assert_string_equal(
	    json_string_value(json_array_get(closed, 0)), "CAgwold");
	json_decref(r);
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CAgwold"));
	g = res(r);
	assert_string_equal(
	    json_string_value(json_object_get(g, "outcome")), "failed");
	assert_string_equal(json_string_value(json_object_get(g, "end_reason")),
	    "gateway_restart");
	assert_true(json_is_string(json_object_get(g, "ended_at")));
	assert_int_equal(json_array_size(json_object_get(g, "turns")), 1);
	json_decref(r);
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CAgwnew"));
	assert_true(json_is_null(json_object_get(res(r), "ended_at")));
	json_decref(r);
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CAgwother"));
	assert_true(json_is_null(json_object_get(res(r), "ended_at")));
	json_decref(r);
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CAgwdone"));
	assert_true(json_is_null(json_object_get(res(r), "outcome")));
	json_decref(r);
	/* asked again (the gateway retrying): nothing more to close */
	r = call("", "gateway_restarted",
	    json_pack("{s:s, s:s}", "gateway", "gw-a", "boot", "run2"));
	assert_true(ok(r));
	assert_int_equal(json_array_size(json_object_get(res(r), "closed")), 0);
	json_decref(r);
}

/* The refund rule comes from the config: crm.cancel_refund_pct. */
static void
test_refund_rule_from_config(void **state)
{
	json_t *r, *o;

	(void)state;
	assert_int_equal(hx_daemon_stop(&H), 0);
	snprintf(H.crm_extra, sizeof(H.crm_extra),
	    "cancel_refund_pct = { "
	    "received = 80; in_repair = 10; };");
	assert_int_equal(hx_daemon_start(&H, 2, 8), 0);
	begin("CArefund", "+15551230001");
	r = call("CArefund", "vehicle_status",
	    json_pack("{s:s}", "order", "RO-1001"));
	assert_true(ok(r));
	o = res(r);
	assert_string_equal(
	    json_string_value(json_object_get(o, "stage")), "in_repair");
	assert_true(json_is_true(json_object_get(o, "cancellable")));
	assert_int_equal(
	    json_integer_value(json_object_get(o, "refund_if_cancelled_cents")),
	    json_integer_value(json_object_get(o, "deposit_cents")) / 10);
	json_decref(r);
	/* without the setting: the default rule, in repair is too late */
	assert_int_equal(hx_daemon_stop(&H), 0);
	H.crm_extra[0] = '\0';
	assert_int_equal(hx_daemon_start(&H, 2, 8), 0);
	r = call("CArefund", "vehicle_status",
	    json_pack("{s:s}", "order", "RO-1001"));
	assert_true(ok(r));
	assert_true(json_is_false(json_object_get(res(r), "cancellable")));
	json_decref(r);
}

/* A call's record beyond its words: each turn's times, confidence and
 * barge-in with what was heard; the recording the gateway reports (not
 * for a path that is not an absolute .wav, nor for a call with no
 * record); the cost at the configured prices, vendor engines priced and
 * local ones free, fixed by the first call_end. */
static void
test_call_cost_and_recording(void **state)
{
	json_t *r, *g, *t, *cost, *rec;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		const char *cid = i == 0 ? "CAcost1" : "CAcost2";

		assert_int_equal(hx_daemon_stop(&H), 0);
		/* first vendor STT and the LLM brain, then all local */
		snprintf(H.conf_extra, sizeof(H.conf_extra),
		    "pricing = { "
		    "telephony_per_min = 0.01; stt_per_min = 0.006; "
		    "tts_per_1k_chars = 0.03; llm_per_1k_tokens = 0.002; };\n"
		    "%s",
		    i == 0 ? "stt = { engine = \"deepgram\"; };\n"
		             "agent = { brain = \"llm\"; };"
		           : "");
		assert_int_equal(hx_daemon_start(&H, 2, 8), 0);
		begin(cid, "+15551230077");
		r = call(cid, "log_turn",
		    json_pack("{s:s, s:s, s:i, s:i, s:f}", "role", "caller",
		        "text", "When are you open?", "start_ms", 1200,
		        "end_ms", 2300, "confidence", 0.82));
		assert_true(ok(r));
		json_decref(r);
		r = call(cid, "log_turn",
		    json_pack("{s:s, s:s, s:b, s:i, s:i, "
		              "s:b, s:s}",
		        "role", "agent", "text",
		        "We are open eight to "
		        "six. Saturdays nine to one.",
		        "heard", 0, "start_ms", 2900, "end_ms", 4100,
		        "barged_in", 1, "heard_text",
		        "We are open "
		        "eight to six."));
		assert_true(ok(r));
		json_decref(r);
		r = call(cid, "call_recording",
		    json_pack("{s:s, s:f, s:I}", "path", "/tmp/../etc/x.wav",
		        "duration_s", 3.0, "bytes", (json_int_t)1000));
		assert_string_equal(code(r), "bad_args");
		json_decref(r);
		r = call("CAnosuchcall", "call_recording",
		    json_pack("{s:s, s:f, "
		              "s:I}",
		        "path", "/var/rec/CAnosuchcall.wav", "duration_s", 3.0,
		        "bytes", (json_int_t)1000));
		assert_string_equal(code(r), "not_found");
		json_decref(r);
		r = call(cid, "call_recording",
		    json_pack("{s:s, s:f, s:I}", "path", "/var/rec/x.wav",
		        "duration_s", 95.5, "bytes", (json_int_t)3056044));
		assert_true(ok(r));
		json_decref(r);
		r = call(cid, "call_end",
		    json_pack("{s:s, s:i, s:i}", "reason", "hangup",
		        "tts_chars", 2000, "llm_tokens", 5000));
		assert_true(ok(r));
		json_decref(r);
		/* a second call_end changes nothing */
		r = call(cid, "call_end",
		    json_pack("{s:s, s:i, s:i}", "reason", "hangup",
		        "tts_chars", 9999, "llm_tokens", 9999));
		json_decref(r);
		r = call("", "get_call", json_pack("{s:s}", "call_sid", cid));
		assert_true(ok(r));
		g = res(r);
		t = json_object_get(g, "turns");
		assert_int_equal(json_array_size(t), 2);
		assert_int_equal(json_integer_value(json_object_get(
		                     json_array_get(t, 0), "start_ms")),
		    1200);
		assert_int_equal(json_integer_value(json_object_get(
		                     json_array_get(t, 0), "end_ms")),
		    2300);
		assert_true(json_real_value(json_object_get(
		                json_array_get(t, 0), "confidence")) > 0.819);
		assert_true(json_is_null(
		    json_object_get(json_array_get(t, 0), "heard_text")));
		assert_true(json_is_true(
		    json_object_get(json_array_get(t, 1), "barged_in")));
		assert_string_equal(json_string_value(json_object_get(
		                        json_array_get(t, 1), "heard_text")),
		    "We are open eight "
		    "to six.");
		assert_true(json_is_null(
		    json_object_get(json_array_get(t, 1), "confidence")));
		rec = json_object_get(g, "recording");
		assert_string_equal(
		    json_string_value(json_object_get(rec, "url")),
		    i == 0 ? "/api/v1/calls/CAcost1/recording.wav"
		           : "/api/v1/calls/CAcost2/recording.wav");
		assert_int_equal(
		    json_integer_value(json_object_get(rec, "bytes")), 3056044);
		assert_true(json_number_value(
		                json_object_get(rec, "duration_s")) == 95.5);
		/* call_recording is not one of the call's tool calls */
		cost = json_object_get(g, "cost");
		assert_non_null(cost);
		assert_int_equal(
		    (int)json_number_value(json_object_get(cost, "tts_chars")),
		    2000);
		assert_int_equal(
		    (int)json_number_value(json_object_get(cost, "llm_tokens")),
		    5000);
		/* the call lasted under a minute: one telephony minute */
		assert_true(json_number_value(
		                json_object_get(cost, "telephony_min")) == 1);
		assert_true(json_number_value(json_object_get(
		                cost, "telephony_usd")) == 0.01);
		/* TTS stays flite (local) in both: free */
		assert_true(
		    json_number_value(json_object_get(cost, "tts_usd")) == 0);
		if (i == 0) {
			assert_true(json_number_value(json_object_get(
			                cost, "llm_usd")) == 0.01);
			/* deepgram: by the seconds of the call */
			assert_true(fabs(json_number_value(
			                     json_object_get(cost, "stt_usd")) -
			                json_number_value(
			                    json_object_get(cost, "stt_s")) /
			                    60 * 0.006) < 0.0001);
		} else {
			assert_true(json_number_value(
			                json_object_get(cost, "llm_usd")) == 0);
			assert_true(json_number_value(
			                json_object_get(cost, "stt_usd")) == 0);
		}
		assert_true(
		    fabs(json_number_value(json_object_get(cost, "total_usd")) -
		        json_number_value(
		            json_object_get(cost, "telephony_usd")) -
		        json_number_value(json_object_get(cost, "stt_usd")) -
		        json_number_value(json_object_get(cost, "llm_usd"))) <
		    0.0002);
		json_decref(r);
	}
	assert_int_equal(hx_daemon_stop(&H), 0);
	H.conf_extra[0] = '\0';
	assert_int_equal(hx_daemon_start(&H, 2, 8), 0);
}

/* find_slots at a pinned clock before the other tests' days (and the
 * demo data's): Wednesday 2026-11-25 07:00; Thursday is Thanksgiving,
 * Saturday opens 09:00-13:00, Sunday is closed. */
#define FS_NOW "2026-11-25T07:00:00"

static json_t *
fs(json_t *args)
{
	return hx_call(&H, "", "find_slots", args, FS_NOW);
}

/* The starts of a find_slots result joined by spaces, "HH:MM" each
 * prefixed by its day "MM-DD". */
static const char *
starts(json_t *r)
{
	static char buf[256];
	json_t *v;
	size_t i, o = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(res(r), "slots"), i, v)
	{
		const char *s = json_string_value(json_object_get(v, "start"));

		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%.5s %.5s",
		    i ? " " : "", s + 5, s + 11);
	}
	return buf;
}

/* The last find_slots log line says how many queries it sent. */
static int
last_search_queries(void)
{
	char line[512], last[512] = "";
	const char *q;
	FILE *f = fopen(H.log, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "find_slots "))
			snprintf(last, sizeof(last), "%s", line);
	fclose(f);
	q = strstr(last, " queries");
	assert_non_null(q);
	while (q > last && q[-1] >= '0' && q[-1] <= '9')
		q--;
	return atoi(q);
}

static void
fs_bad(json_t *args, const char *want)
{
	json_t *r = fs(args);

	assert_string_equal(code(r), want);
	json_decref(r);
}

static void
fs_book(const char *cid, const char *service, const char *start)
{
	json_t *r = hx_call(&H, cid, "book_appointment",
	    json_pack("{s:s, s:s, "
	              "s:s, s:s}",
	        "service", service, "start", start, "first_name", "Slot",
	        "last_name", "Filler"),
	    FS_NOW);

	assert_true(ok(r));
	json_decref(r);
}

static void
test_find_slots(void **state)
{
	json_t *r, *cd;
	uint64_t t0, one_us, per_day_us;
	int i;

	(void)state;
	/* the first search over days nobody read: one query for all 14 */
	r = fs(json_pack("{s:s}", "service", "oil change"));
	assert_true(ok(r));
	assert_string_equal(starts(r), "11-25 08:00 11-25 08:30 11-25 09:00");
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "date")), "2026-11-25");
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(res(r), "slots"), 0), "end")),
	    "2026-11-25T08:30:00");
	json_decref(r);
	assert_int_equal(last_search_queries(), 1);
	/* from the holiday: passed over, with the reason */
	r = fs(json_pack("{s:s, s:s, s:i, s:i}", "service", "oil", "day",
	    "2026-11-26", "days", 2, "count", 1));
	assert_true(ok(r));
	assert_string_equal(starts(r), "11-27 08:00");
	cd = json_object_get(res(r), "closed_days");
	assert_int_equal(json_array_size(cd), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(cd, 0), "date")),
	    "2026-11-26");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(cd, 0), "reason")),
	    "holiday");
	json_decref(r);
	/* Saturday's short afternoon, closed Sunday, then Monday */
	r = fs(json_pack("{s:s, s:s, s:i, s:s}", "service", "oil change", "day",
	    "2026-11-28", "days", 3, "part_of_day", "afternoon"));
	assert_true(ok(r));
	assert_string_equal(starts(r), "11-28 12:00 11-28 12:30 11-30 12:00");
	cd = json_object_get(res(r), "closed_days");
	assert_int_equal(json_array_size(cd), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(cd, 0), "reason")),
	    "closed_weekday");
	json_decref(r);
	assert_true(last_search_queries() <= 1);
	/* Monday before 09:00 fully booked (two bays), 10:00 too */
	begin("CAfs1", "+15559990071");
	fs_book("CAfs1", "oil change", "2026-11-30T08:00");
	fs_book("CAfs1", "tire rotation", "2026-11-30T08:00");
	fs_book("CAfs1", "oil change", "2026-11-30T08:30");
	fs_book("CAfs1", "tire rotation", "2026-11-30T08:30");
	fs_book("CAfs1", "oil change", "2026-11-30T10:00");
	fs_book("CAfs1", "tire rotation", "2026-11-30T10:00");
	r = fs(json_pack("{s:s, s:s, s:i, s:s, s:i}", "service", "oil change",
	    "day", "monday", "days", 2, "before", "09:00", "count", 5));
	assert_true(ok(r));
	assert_string_equal(starts(r), "12-01 08:00 12-01 08:30");
	assert_string_equal(json_string_value(json_array_get(
	                        json_object_get(res(r), "full_days"), 0)),
	    "2026-11-30");
	json_decref(r);
	/* relaxed: the full morning gives way to the day's other starts */
	r = fs(json_pack("{s:s, s:s, s:s, s:b}", "service", "oil change", "day",
	    "2026-11-30", "before", "09:00", "relax", 1));
	assert_true(ok(r));
	assert_string_equal(starts(r), "11-30 09:00 11-30 09:30 11-30 10:30");
	assert_true(json_is_true(json_object_get(res(r), "relaxed")));
	json_decref(r);
	/* nearest to a taken 10:00: ties go to the later start */
	r = fs(json_pack("{s:s, s:s, s:s}", "service", "oil change", "day",
	    "2026-11-30", "near", "10:00"));
	assert_true(ok(r));
	assert_string_equal(starts(r), "11-30 09:30 11-30 10:30 11-30 11:00");
	json_decref(r);
	/* a 60-minute service needs both halves free */
	r = fs(json_pack("{s:s, s:s, s:s, s:i}", "service", "diagnostic", "day",
	    "2026-11-30", "after", "09:00", "count", 2));
	assert_true(ok(r));
	assert_string_equal(starts(r), "11-30 09:00 11-30 10:30");
	json_decref(r);
	/* spread over a free day; count; exclude; after */
	r = fs(json_pack("{s:s, s:s, s:s}", "service", "oil change", "day",
	    "2026-12-01", "pick", "spread"));
	assert_string_equal(starts(r), "12-01 08:00 12-01 13:00 12-01 17:30");
	json_decref(r);
	r = fs(json_pack("{s:s, s:s, s:i, s:[s]}", "service", "oil change",
	    "day", "2026-12-01", "count", 2, "exclude", "2026-12-01T08:00"));
	assert_string_equal(starts(r), "12-01 08:30 12-01 09:00");
	json_decref(r);
	r = fs(json_pack("{s:s, s:s, s:s, s:i}", "service", "oil change", "day",
	    "2026-12-01", "after", "16:00", "count", 10));
	assert_string_equal(starts(r),
	    "12-01 16:00 12-01 16:30 12-01 17:00 "
	    "12-01 17:30");
	json_decref(r);
	r = fs(json_pack("{s:s, s:s, s:i, s:i}", "service", "oil change",
	    "from", "2026-12-01T17:00", "days", 2, "count", 4));
	assert_string_equal(starts(r),
	    "12-01 17:00 12-01 17:30 12-02 08:00 "
	    "12-02 08:30");
	json_decref(r);
	/* bad arguments */
	fs_bad(json_object(), "bad_args");
	fs_bad(json_pack("{s:s}", "service", "car wash"), "unknown_service");
	fs_bad(json_pack("{s:s, s:s}", "service", "oil", "part_of_day", "noon"),
	    "bad_args");
	fs_bad(json_pack("{s:s, s:s}", "service", "oil", "after", "25:00"),
	    "bad_args");
	fs_bad(
	    json_pack("{s:s, s:s}", "service", "oil", "near", "9"), "bad_args");
	fs_bad(json_pack("{s:s, s:s, s:s}", "service", "oil", "after", "15:00",
	           "before", "14:00"),
	    "bad_args");
	fs_bad(
	    json_pack("{s:s, s:i}", "service", "oil", "count", 0), "bad_args");
	fs_bad(
	    json_pack("{s:s, s:i}", "service", "oil", "count", 11), "bad_args");
	fs_bad(
	    json_pack("{s:s, s:i}", "service", "oil", "days", 61), "bad_args");
	fs_bad(json_pack("{s:s, s:s, s:s}", "service", "oil", "day", "monday",
	           "from", "2027-01-04T09:00"),
	    "bad_args");
	fs_bad(json_pack("{s:s, s:s}", "service", "oil", "day", "someday"),
	    "bad_args");
	fs_bad(json_pack("{s:s, s:s}", "service", "oil", "pick", "nearest"),
	    "bad_args");
	fs_bad(json_pack("{s:s, s:s}", "service", "oil", "exclude",
	           "2026-12-01T08:00"),
	    "bad_args");
	fs_bad(
	    json_pack("{s:s, s:[s]}", "service", "oil", "exclude", "tomorrow"),
	    "bad_args");
	/* what the search replaces: a day at a time over a fortnight
	 * (printed, not asserted: timings belong to make bench) */
	t0 = fd_mono_us();
	r = fs(json_pack("{s:s, s:s, s:i, s:s}", "service", "oil", "day",
	    "2027-01-11", "days", 14, "after", "17:30"));
	one_us = fd_mono_us() - t0;
	assert_true(ok(r));
	json_decref(r);
	t0 = fd_mono_us();
	for (i = 0; i < 14; i++) {
		char day[16];
		time_t d;

		fd_time_parse("2027-01-25", &d);
		fd_time_fmt(fd_add_days(d, i), day, sizeof(day));
		day[10] = '\0';
		r = hx_call(&H, "", "get_available_slots",
		    json_pack("{s:s, "
		              "s:s, s:s}",
		        "service", "oil", "date", day, "after", "17:30"),
		    FS_NOW);
		assert_true(ok(r));
		json_decref(r);
	}
	per_day_us = fd_mono_us() - t0;
	printf("  find_slots over 14 days: 1 rpc, %llu us; get_available_slots "
	       "a day at a time: 14 rpcs, %llu us\n",
	    (unsigned long long)one_us, (unsigned long long)per_day_us);
}

/* A call we placed: the number we rang stands in for the caller ID (the
 * business's own number, `from`, identifies nobody); deny_caller_id drops
 * it as on an inbound call; inbound calls still go by `from`. */
static void
test_outbound_callee_identity(void **state)
{
	json_t *r, *c;

	(void)state;
	r = call("CAob1", "call_begin",
	    json_pack("{s:s, s:s, s:s}", "from", "+15555550100", "to",
	        "+15551230001", "direction", "outbound-api"));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "known_caller")));
	assert_int_equal(
	    json_integer_value(json_object_get(res(r), "customer_id")), 1);
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "first_name")), "John");
	json_decref(r);
	r = call("CAob1", "lookup_customer", json_object());
	assert_true(ok(r));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "identity")),
	    "caller_id");
	c = json_object_get(res(r), "customer");
	assert_string_equal(
	    json_string_value(json_object_get(c, "last_name")), "Smith");
	json_decref(r);
	r = call("CAob1", "get_upcoming_appointments", json_object());
	assert_true(ok(r));
	assert_int_equal(
	    json_integer_value(json_object_get(res(r), "customer_id")), 1);
	json_decref(r);
	r = call("", "get_call", json_pack("{s:s}", "call_sid", "CAob1"));
	assert_true(ok(r));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "direction")),
	    "outbound");
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "from")), "+15555550100");
	json_decref(r);
	/* someone else answered */
	r = call("CAob1", "deny_caller_id", json_object());
	assert_true(ok(r));
	json_decref(r);
	r = call("CAob1", "get_upcoming_appointments", json_object());
	assert_false(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	r = call("CAob1", "lookup_customer",
	    json_pack("{s:s}", "phone", "+15551230001"));
	assert_true(ok(r));
	assert_null(json_object_get(res(r), "customer"));
	json_decref(r);

	/* inbound from Maria to John's number: Maria, as before */
	r = call("CAob2", "call_begin",
	    json_pack(
	        "{s:s, s:s}", "from", "+15551230002", "to", "+15551230001"));
	assert_true(ok(r));
	assert_int_equal(
	    json_integer_value(json_object_get(res(r), "customer_id")), 2);
	json_decref(r);
	/* an outbound call to a number nobody has: nobody */
	r = call("CAob3", "call_begin",
	    json_pack("{s:s, s:s, s:s}", "from", "+15551230001", "to",
	        "+15559990000", "direction", "outbound-api"));
	assert_true(ok(r));
	assert_true(json_is_false(json_object_get(res(r), "known_caller")));
	json_decref(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pool_round_robin),
	    cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_tool_schemas),
	    cmocka_unit_test(test_search_and_vin),
	    cmocka_unit_test(test_booking_and_retry),
	    cmocka_unit_test(test_vocabulary),
	    cmocka_unit_test(test_slot_taken),
	    cmocka_unit_test(test_race_50),
	    cmocka_unit_test(test_group_commit),
	    cmocka_unit_test(test_new_callers_one_phone),
	    cmocka_unit_test(test_forbidden),
	    cmocka_unit_test(test_cancel_reschedule),
	    cmocka_unit_test(test_notes_and_call_record),
	    cmocka_unit_test(test_no_caller_id),
	    cmocka_unit_test(test_deny_caller_id),
	    cmocka_unit_test(test_verify_by_code),
	    cmocka_unit_test(test_identified_needs_second_factor),
	    cmocka_unit_test(test_call_appointments),
	    cmocka_unit_test(test_redis_down),
	    cmocka_unit_test(test_writer_ledger_does_not_know),
	    cmocka_unit_test(test_pg_down_spool),
	    cmocka_unit_test(test_pg_down_outcome),
	    cmocka_unit_test(test_spool_survives_kill),
	    cmocka_unit_test(test_gateway_restarted),
	    cmocka_unit_test(test_refund_rule_from_config),
	    cmocka_unit_test(test_call_cost_and_recording),
	    cmocka_unit_test(test_find_slots),
	    cmocka_unit_test(test_outbound_callee_identity),
	};
	char err[256];
	time_t t;
	int rv;

	setenv("TZ", "America/New_York", 1);
	tzset();
	hx_open_day(21, D, sizeof(D));
	t = time(NULL);
	fd_time_fmt(t, NOW, sizeof(NOW));
	if (hx_datastore_start(&H, "test", err, sizeof(err)) != 0) {
		char cmd[400];

		printf(
		    "crm_tools_test: SKIP: cannot start PostgreSQL: %s\n", err);
		snprintf(
		    cmd, sizeof(cmd), "tail -3 '%s/datastore.log'", H.base);
		if (system(cmd) != 0)
			printf("(no datastore log)\n");
		printf("[  PASSED  ] 0 test(s).\n");
		hx_stop(&H, 0);
		return 0;
	}
	if (hx_daemon_start(&H, 2, 8) != 0) {
		fprintf(stderr,
		    "crm_tools_test: crm-tools did not start; log "
		    "in %s\n",
		    H.log);
		hx_stop(&H, 1);
		return 1;
	}
	rv = cmocka_run_group_tests(tests, NULL, NULL);
	/* a clean exit (under SAN=1: no leak, no bad access reported) */
	if (hx_daemon_stop(&H) != 0)
		rv = 1;
	hx_stop(&H, rv != 0 || getenv("HX_KEEP") != NULL);
	if (rv != 0)
		fprintf(stderr, "crm_tools_test: files kept in %s\n", H.base);
	return rv;
}
