/*
 * crm_test.c - unit tests for crm-tools' pure logic: free-slot arithmetic,
 * VIN check digit and model year, confirmation codes, phone and name
 * parsing, dates relative to "now", urgency words and lead scores.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "business.h"
#include "clock.h"
#include "crm-tools/crm_util.h"
#include "crm-tools/slots.h"
#include "crm-tools/vin.h"
#include "crm-tools/ledger.h"
#include "tests/harness/unit.h"

static time_t
at(const char *s)
{
	time_t t;

	assert_int_equal(fd_time_parse(s, &t), 0);
	return t;
}

static void
test_slots_free_basic(void **state)
{
	time_t open = at("2026-11-23T08:00"), close = at("2026-11-23T10:00");
	time_t out[16];
	struct slot_busy busy[] = {
	    {0, at("2026-11-23T08:30"), at("2026-11-23T09:30")},
	    {1, at("2026-11-23T08:30"), at("2026-11-23T09:00")},
	};
	int n;

	(void)state;
	/* one bay: 08:00 only (08:30..09:30 busy), then 09:30 */
	n = slots_free(open, close, 1800, 1800, 1, busy, 2, 0, out, 16);
	assert_int_equal(n, 2);
	assert_true(out[0] == open);
	assert_true(out[1] == at("2026-11-23T09:30"));
	/* two bays: 08:30 is free on neither, 09:00 free on bay 1 */
	n = slots_free(open, close, 1800, 1800, 2, busy, 2, 0, out, 16);
	assert_int_equal(n, 3);
	assert_true(out[1] == at("2026-11-23T09:00"));
	/* a 60-minute job must end by closing time */
	n = slots_free(open, close, 1800, 3600, 2, NULL, 0, 0, out, 16);
	assert_int_equal(n, 3);
	assert_true(out[2] == at("2026-11-23T09:00"));
	/* nothing in the past */
	n = slots_free(open, close, 1800, 1800, 2, NULL, 0,
	    at("2026-11-23T09:10"), out, 16);
	assert_int_equal(n, 1);
	assert_true(out[0] == at("2026-11-23T09:30"));
}

static void
test_slots_adjacent_not_overlapping(void **state)
{
	struct slot_busy b = {
	    0, at("2026-11-23T09:00"), at("2026-11-23T09:30")};
	int r = -1;

	(void)state;
	/* [08:30,09:00) touches but does not overlap [09:00,09:30) */
	assert_int_equal(
	    slots_fits(at("2026-11-23T08:30"), 1800, 1, &b, 1, &r), 1);
	assert_int_equal(r, 0);
	assert_int_equal(
	    slots_fits(at("2026-11-23T08:45"), 1800, 1, &b, 1, &r), 0);
	assert_int_equal(
	    slots_fits(at("2026-11-23T09:30"), 1800, 1, &b, 1, &r), 1);
}

static void
test_slots_nearest(void **state)
{
	time_t s[5] = {100, 200, 300, 400, 500}, out[3];
	int n;

	(void)state;
	n = slots_nearest(s, 5, 310, out, 3);
	assert_int_equal(n, 3);
	assert_true(out[0] == 200 && out[1] == 300 && out[2] == 400);
	n = slots_nearest(s, 5, 0, out, 3);
	assert_true(n == 3 && out[0] == 100 && out[2] == 300);
	n = slots_nearest(s, 2, 1000, out, 3);
	assert_true(n == 2 && out[0] == 100 && out[1] == 200);
	/* a tie prefers the earlier slot */
	n = slots_nearest(s, 5, 250, out, 1);
	assert_true(n == 1 && out[0] == 200);
}

static void
test_day_window(void **state)
{
	struct fd_business b;
	char err[128];
	time_t o, c;

	(void)state;
	assert_int_equal(fd_business_load(NULL, &b, err, sizeof(err)), 0);
	snprintf(b.holidays[0], 11, "2026-11-26");
	b.nholidays = 1;
	assert_int_equal(
	    slots_day_window(&b, at("2026-11-23T12:00"), &o, &c), 0);
	assert_true(o == at("2026-11-23T08:00") && c == at("2026-11-23T18:00"));
	assert_int_equal(
	    slots_day_window(&b, at("2026-11-28T12:00"), &o, &c), 0);
	assert_true(o == at("2026-11-28T09:00") && c == at("2026-11-28T13:00"));
	assert_int_equal(
	    slots_day_window(&b, at("2026-11-22T12:00"), &o, &c), -1);
	assert_int_equal(
	    slots_day_window(&b, at("2026-11-26T12:00"), &o, &c), -1);
}

static void
test_vin(void **state)
{
	struct vin_info vi;

	(void)state;
	assert_int_equal(vin_decode("1HGCM82633A004352", &vi), 0);
	assert_int_equal(vi.check_expected, '3');
	assert_int_equal(vi.year, 2003);
	assert_string_equal(vi.manufacturer, "Honda");
	/* lower case and spaces are fine */
	assert_int_equal(vin_decode(" 5yj3e1ea5nf156789 ", &vi), 0);
	assert_int_equal(vi.year, 2022);
	assert_string_equal(vi.manufacturer, "Tesla");
	/* check digit X */
	assert_int_equal(vin_decode("4T1B11HKXLU023456", &vi), 0);
	assert_int_equal(vi.year, 2020);
	/* one character changed */
	assert_int_equal(vin_decode("1HGCM82633A004353", &vi), -1);
	assert_int_equal(vi.check_ok, 0);
	/* I, O, Q are never used; wrong length */
	assert_int_equal(vin_decode("1HGCM82633A00435O", &vi), -1);
	assert_int_equal(vi.valid_chars, 0);
	assert_int_equal(vin_decode("1HGCM8263", &vi), -1);
	assert_int_equal(vin_value('I'), -1);
	assert_int_equal(vin_value('Z'), 9);
	assert_int_equal(vin_model_year('A', '5'), 1980);
	assert_int_equal(vin_model_year('A', 'C'), 2010);
	assert_int_equal(vin_model_year('9', '1'), 2009);
	assert_int_equal(vin_model_year('U', 'C'), 0);
}

static void
test_conf_codes(void **state)
{
	char a[CRM_CONF_LEN + 1], b[CRM_CONF_LEN + 1];
	int i, j, same = 0;

	(void)state;
	for (i = 0; i < 1000; i++) {
		crm_conf_code(a);
		assert_int_equal(strlen(a), CRM_CONF_LEN);
		assert_true(crm_conf_valid(a));
		assert_true(a[0] >= 'A' && a[0] <= 'Z');
		for (j = 0; j < CRM_CONF_LEN; j++)
			assert_null(strchr("01OILB8S5", a[j]));
		crm_conf_code(b);
		same += strcmp(a, b) == 0;
	}
	assert_true(same < 2);
	assert_false(crm_conf_valid("AB1"));
	assert_false(crm_conf_valid("AB-12"));
	crm_conf_norm("k7q2m", a);
	assert_string_equal(a, "K7Q2M");
}

static void
test_phone(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(crm_phone_norm("(555) 123-0001", out, sizeof(out)), 0);
	assert_string_equal(out, "+15551230001");
	assert_int_equal(crm_phone_norm("1 555 123 0001", out, sizeof(out)), 0);
	assert_string_equal(out, "+15551230001");
	assert_int_equal(
	    crm_phone_norm("+44 20 7946 0958", out, sizeof(out)), 0);
	assert_string_equal(out, "+442079460958");
	assert_int_equal(crm_phone_norm("12345", out, sizeof(out)), -1);
	assert_int_equal(crm_phone_norm("555-CALL-NOW", out, sizeof(out)), -1);
	assert_int_equal(crm_phone_norm("'; DROP TABLE", out, sizeof(out)), -1);
	assert_int_equal(crm_phone_norm("+0123456789", out, sizeof(out)), -1);
	/* caller IDs: only real numbers count */
	assert_int_equal(crm_caller_id("+15551230001", out, sizeof(out)), 0);
	assert_string_equal(out, "+15551230001");
	assert_int_equal(crm_caller_id("anonymous", out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(crm_caller_id("", out, sizeof(out)), -1);
	assert_int_equal(crm_caller_id("Restricted", out, sizeof(out)), -1);
	assert_int_equal(crm_caller_id("client:alice", out, sizeof(out)), -1);
	assert_int_equal(crm_caller_id("+266696687", out, sizeof(out)), -1);
	assert_int_equal(crm_caller_id(NULL, out, sizeof(out)), -1);
}

static void
test_names_and_words(void **state)
{
	char f[40], l[40];

	(void)state;
	crm_name_split("  Mary Ann Smith ", f, sizeof(f), l, sizeof(l));
	assert_string_equal(f, "Mary Ann");
	assert_string_equal(l, "Smith");
	crm_name_split("Cher", f, sizeof(f), l, sizeof(l));
	assert_string_equal(f, "Cher");
	assert_string_equal(l, "");
	assert_string_equal(crm_urgency(NULL), "normal");
	assert_string_equal(crm_urgency("URGENT"), "high");
	assert_string_equal(crm_urgency("low"), "low");
	assert_null(crm_urgency("whatever-else"));
	assert_string_equal(crm_lead_score("high", NULL), "hot");
	assert_string_equal(crm_lead_score("normal", "this week"), "hot");
	assert_string_equal(
	    crm_lead_score("normal", "in a couple of months"), "warm");
	assert_string_equal(crm_lead_score("low", "just looking"), "cold");
	crm_like_escape("50%_a\\", f, sizeof(f));
	assert_string_equal(f, "50\\%\\_a\\\\");
}

static void
test_dates(void **state)
{
	time_t now = at("2026-11-21T15:00"), d; /* a Saturday */

	(void)state;
	assert_int_equal(crm_parse_day("today", now, &d), 0);
	assert_true(d == at("2026-11-21"));
	assert_int_equal(crm_parse_day("Tomorrow", now, &d), 0);
	assert_true(d == at("2026-11-22"));
	assert_int_equal(crm_parse_day("monday", now, &d), 0);
	assert_true(d == at("2026-11-23"));
	assert_int_equal(crm_parse_day("sat", now, &d), 0);
	assert_true(d == at("2026-11-28")); /* the next one, not today */
	assert_int_equal(crm_parse_day("2026-12-01", now, &d), 0);
	assert_int_equal(crm_parse_day("2026-02-31", now, &d), -1);
	assert_int_equal(crm_parse_day("next blue moon", now, &d), -1);
	assert_int_equal(crm_parse_instant("2026-11-23T09:30", &d), 0);
	assert_true(d == at("2026-11-23T09:30"));
	assert_int_equal(crm_parse_instant("2026-11-23", &d), -1);
	assert_int_equal(crm_parse_instant("9:30", &d), -1);
	/* DST: adding days keeps the wall clock */
	d = fd_add_days(at("2026-10-31T09:00"), 2);
	assert_true(d == at("2026-11-02T09:00"));
}

/* The ledger's loader in the tests: what "PostgreSQL" holds, and how often
 * it was asked. */
struct fake_db {
	struct ledger_slot rows[8];
	int n, loads;
};

static int
fake_load(void *arg, time_t from, time_t to, struct ledger_slot *out, int max)
{
	struct fake_db *db = arg;
	int i, n = 0;

	db->loads++;
	for (i = 0; i < db->n && n < max; i++)
		if (db->rows[i].start < to && db->rows[i].end > from)
			out[n++] = db->rows[i];
	return n;
}

static void
test_ledger_claims(void **state)
{
	struct fake_db db = {.n = 1, .rows = {{0, 0, 0, 7, 0, 0}}};
	struct ledger_claim a, b, c;
	struct slot_busy busy[8];
	time_t t9 = at("2026-12-01T09:00"), t930 = at("2026-12-01T09:30");
	uint64_t k = ledger_key("call:CA1:1:9");

	(void)state;
	ledger_init(60000, 3);
	db.rows[0].start = t9; /* bay 0 booked 09:00-09:30 */
	db.rows[0].end = t930;
	/* the lowest free bay; a second request the next one; then none */
	assert_int_equal(
	    ledger_claim(t9, t930, k, fake_load, &db, &a), LEDGER_CLAIMED);
	assert_int_equal(a.res, 1);
	assert_int_equal(
	    ledger_claim(t9, t930, 0, fake_load, &db, &b), LEDGER_CLAIMED);
	assert_int_equal(b.res, 2);
	assert_int_equal(
	    ledger_claim(t9 + 600, t930 + 600, 0, fake_load, &db, &c),
	    LEDGER_TAKEN);
	/* the same request again finds its own claim */
	assert_int_equal(
	    ledger_claim(t9, t930, k, fake_load, &db, &c), LEDGER_OWN);
	assert_int_equal(db.loads, 1); /* the day was loaded once */
	/* claims in flight are busy for the slot search too */
	assert_int_equal(
	    ledger_busy(t9 - 3600, t9 + 7200, 0, busy, 8, fake_load, &db), 3);
	assert_int_equal(
	    ledger_busy(t9 - 3600, t9 + 7200, 7, busy, 8, fake_load, &db),
	    2); /* except appointment 7 */
	/* a dropped claim frees its bay, a settled one stays held */
	ledger_settle(&b, 0, 0);
	ledger_settle(&a, 41, 1);
	assert_int_equal(
	    ledger_claim(t9, t930, 0, fake_load, &db, &b), LEDGER_CLAIMED);
	assert_int_equal(b.res, 2);
	/* a reload (forget) keeps the claim in flight: bay 2 stays held even
	 * though the database does not show it yet */
	ledger_forget(t9);
	assert_int_equal(ledger_claim(t9, t930, 0, fake_load, &db, &c),
	    LEDGER_CLAIMED); /* bay 1: 41 is not in db */
	assert_int_equal(c.res, 1);
	assert_int_equal(db.loads, 2);
	ledger_settle(&b, 0, 0);
	ledger_settle(&c, 0, 0);
	/* an adjacent slot does not collide */
	assert_int_equal(ledger_claim(t930, t930 + 1800, 0, fake_load, &db, &c),
	    LEDGER_CLAIMED);
	assert_int_equal(c.res, 0);
	ledger_settle(&c, 0, 0);
	ledger_forget_all();
}

static void
test_ledger_ttl_and_errors(void **state)
{
	struct fake_db db = {.n = 0};
	struct ledger_claim a;
	time_t t9 = at("2026-12-02T09:00");

	(void)state;
	/* ttl 0: every use reloads, so another writer is seen at once */
	ledger_init(0, 1);
	assert_int_equal(
	    ledger_claim(t9, t9 + 1800, 0, fake_load, &db, &a), LEDGER_CLAIMED);
	ledger_settle(&a, 0, 0);
	db.rows[0] = (struct ledger_slot){0, t9, t9 + 1800, 9, 0, 0};
	db.n = 1;
	assert_int_equal(
	    ledger_claim(t9, t9 + 1800, 0, fake_load, &db, &a), LEDGER_TAKEN);
	assert_int_equal(db.loads, 2);
	/* no bays known (database not ready yet): PostgreSQL decides */
	ledger_init(60000, 0);
	assert_int_equal(
	    ledger_claim(t9, t9 + 1800, 0, fake_load, &db, &a), LEDGER_ERROR);
	assert_true(ledger_key("a") != ledger_key("b"));
	assert_true(ledger_key(NULL) == 0 && ledger_key("") == 0);
	ledger_init(60000, 2);
}

/* A slow loader: eight threads wanting the same day at once cause one
 * load, not eight (the losers of a race all want the next days). */
static int
slow_load(void *arg, time_t from, time_t to, struct ledger_slot *out, int max)
{
	usleep(50000);
	return fake_load(arg, from, to, out, max);
}

static struct fake_db shared_db;

static void *
want_day(void *arg)
{
	struct slot_busy busy[8];
	time_t t = *(time_t *)arg;

	return (void *)(long)ledger_busy(
	    t, t + 3600, 0, busy, 8, slow_load, &shared_db);
}

static void
test_ledger_loads_once(void **state)
{
	pthread_t th[8];
	time_t t = at("2026-12-03T09:00");
	void *rv;
	int i;

	(void)state;
	ledger_init(60000, 2);
	memset(&shared_db, 0, sizeof(shared_db));
	for (i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&th[i], NULL, want_day, &t), 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(th[i], &rv), 0);
		assert_int_equal((long)rv, 0);
	}
	assert_int_equal(shared_db.loads, 1);
}

/* A window of days in memory: the full morning is passed over, the
 * holiday and Sunday reported, the later start wins a tie. */
static void
test_slots_search(void **state)
{
	struct fd_business b;
	struct slots_query q;
	struct slots_found f;
	char err[128];
	struct slot_busy busy[] = {
	    {0, at("2026-11-23T08:00"), at("2026-11-23T09:00")},
	    {1, at("2026-11-23T08:00"), at("2026-11-23T09:00")},
	    {0, at("2026-11-23T10:00"), at("2026-11-23T10:30")},
	    {1, at("2026-11-23T10:00"), at("2026-11-23T10:30")},
	};

	(void)state;
	assert_int_equal(fd_business_load(NULL, &b, err, sizeof(err)), 0);
	snprintf(b.holidays[0], 11, "2026-11-26");
	b.nholidays = 1;
	memset(&q, 0, sizeof(q));
	q.from = at("2026-11-23T00:00");
	q.days = 2;
	q.dur_s = q.step_s = 1800;
	q.nres = 2;
	q.after_min = 0;
	q.before_min = 540;
	q.count = 5;
	assert_int_equal(slots_search(&b, &q, busy, 4, &f), 0);
	assert_int_equal(f.nfull, 1);
	assert_true(f.full[0] == at("2026-11-23T00:00"));
	assert_int_equal(f.n, 2);
	assert_true(f.start[0] == at("2026-11-24T08:00"));
	assert_true(f.start[1] == at("2026-11-24T08:30"));
	/* relaxed: the day's other starts */
	q.relax = 1;
	q.count = 2;
	assert_int_equal(slots_search(&b, &q, busy, 4, &f), 0);
	assert_int_equal(f.relaxed, 1);
	assert_true(f.start[0] == at("2026-11-23T09:00"));
	assert_true(f.start[1] == at("2026-11-23T09:30"));
	/* nearest a taken 10:00 */
	q.relax = 0;
	q.before_min = 1440;
	q.pick = SLOTS_NEAREST;
	q.near_min = 600;
	q.count = 3;
	assert_int_equal(slots_search(&b, &q, busy, 4, &f), 0);
	assert_int_equal(f.n, 3);
	assert_true(f.start[0] == at("2026-11-23T09:30"));
	assert_true(f.start[1] == at("2026-11-23T10:30"));
	assert_true(f.start[2] == at("2026-11-23T11:00"));
	/* from Thursday the holiday: it and Sunday closed, spread on Friday */
	q.from = at("2026-11-26T10:00");
	q.days = 7;
	q.pick = SLOTS_SPREAD;
	assert_int_equal(slots_search(&b, &q, busy, 4, &f), 0);
	assert_int_equal(f.nclosed, 1);
	assert_true(f.closed[0] == at("2026-11-26T00:00"));
	assert_true(f.start[0] == at("2026-11-27T08:00"));
	assert_true(f.start[1] == at("2026-11-27T13:00"));
	assert_true(f.start[2] == at("2026-11-27T17:30"));
	assert_int_equal(f.day_total, 20);
}

UNIT_MAIN(unit_tz_new_york, NULL, cmocka_unit_test(test_slots_free_basic),
    cmocka_unit_test(test_slots_adjacent_not_overlapping),
    cmocka_unit_test(test_slots_nearest), cmocka_unit_test(test_day_window),
    cmocka_unit_test(test_vin), cmocka_unit_test(test_conf_codes),
    cmocka_unit_test(test_phone), cmocka_unit_test(test_names_and_words),
    cmocka_unit_test(test_dates), cmocka_unit_test(test_ledger_claims),
    cmocka_unit_test(test_ledger_ttl_and_errors),
    cmocka_unit_test(test_ledger_loads_once),
    cmocka_unit_test(test_slots_search), )
