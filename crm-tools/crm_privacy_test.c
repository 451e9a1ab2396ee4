/*
 * crm_privacy_test.c - against a real crm-tools, PostgreSQL and Redis
 * (tests/harness/crm_harness.c): a card number read out in a transcript
 * turn, a message and call notes is stored masked in each row, in the
 * tool_calls audit and in crm-tools' log, while the phone number beside it
 * stays; retention_sweep deletes the calls older than its cutoff with their
 * turns, audit rows and recording file, keeps the newer ones, and get_call
 * then answers not_found.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <libpq-fe.h>

#include "clock.h"
#include "tests/harness/crm_harness.h"
#include "tests/harness/unit.h"

#define SPOKEN_CARD                                                            \
	"four one one one one one one one one one one one one "                \
	"one one one"

static struct hx H;
static PGconn *pg;

static json_t *
ok_res(json_t *rep)
{
	if (!hx_ok(rep))
		fail();
	return json_object_get(rep, "result");
}

static void
tool_ok(const char *cid, const char *tool, json_t *args)
{
	json_t *rep = hx_call(&H, cid, tool, args, NULL);

	ok_res(rep);
	json_decref(rep);
}

/* The first column of the first row of q with one parameter, or "" (the
 * result is kept until the next call). */
static const char *
one(const char *q, const char *p1)
{
	static PGresult *r;

	PQclear(r);
	r = PQexecParams(pg, q, p1 ? 1 : 0, NULL, &p1, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "sql %s: %s\n", q, PQresultErrorMessage(r));
		fail();
	}
	return PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
}

static void
sql(const char *q)
{
	PGresult *r = PQexec(pg, q);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fprintf(stderr, "sql %s: %s\n", q, PQresultErrorMessage(r));
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
}

static void
no_card(const char *what, const char *s)
{
	if (strstr(s, "4111") && !strstr(s, "[card ending 1111]"))
		fprintf(stderr, "  %s holds the card number: %s\n", what, s);
	if (strstr(s, "4111 1111") || strstr(s, "4111111111111111") ||
	    strstr(s, "one one one one one"))
		fprintf(stderr, "  %s holds the card number: %s\n", what, s);
	assert_null(strstr(s, "4111111111111111"));
	assert_null(strstr(s, "4111 1111"));
	assert_null(strstr(s, "one one one one one"));
}

static void
test_card_number_stored_masked(void **state)
{
	const char *sid = "CAprivacy0000000000000000000001";
	char *log, cmd[600];
	FILE *f;
	size_t n;
	int i;

	(void)state;
	tool_ok(sid, "call_begin",
	    json_pack(
	        "{s:s, s:s}", "from", "+15555550142", "to", "+15555550100"));
	tool_ok(sid, "log_turn",
	    json_pack("{s:s, s:s}", "role", "caller", "text",
	        "my card number is " SPOKEN_CARD " call me on five five "
	        "five, one two three, oh oh four two"));
	tool_ok(sid, "take_message",
	    json_pack("{s:s, s:s}", "name", "Pat Doe", "message",
	        "charge card 4111 1111 1111 1111 and call "
	        "555-123-0042 about the VIN 1HGCM82633A004352"));
	tool_ok(sid, "log_call_outcome",
	    json_pack("{s:s, s:s}", "outcome", "message", "notes",
	        "ssn 123-45-6789 given, card 4111111111111111"));

	/* each stored row: masked, the rest intact */
	assert_string_equal(one("SELECT text FROM call_turns WHERE call_sid = "
	                        "$1 AND role = 'caller'",
	                        sid),
	    "my card number is [card ending "
	    "1111] call me on five five five, one two three, oh oh four two");
	assert_string_equal(
	    one("SELECT body FROM messages WHERE call_sid = $1", sid),
	    "charge card [card ending 1111] and call 555-123-0042 about "
	    "the VIN 1HGCM82633A004352");
	assert_string_equal(
	    one("SELECT notes FROM calls WHERE call_sid = $1", sid),
	    "ssn [ssn] given, card [card ending 1111]");

	/* the audit rows are written after the replies: wait for them */
	for (i = 0; i < 100; i++) {
		if (atoi(one("SELECT count(*) FROM tool_calls WHERE call_sid = "
		             "$1 AND tool IN ('log_turn', 'take_message', "
		             "'log_call_outcome')",
		        sid)) == 3)
			break;
		usleep(50 * 1000);
	}
	assert_int_equal(
	    atoi(one("SELECT count(*) FROM tool_calls WHERE "
	             "call_sid = $1 AND tool IN ('log_turn', 'take_message', "
	             "'log_call_outcome')",
	        sid)),
	    3);
	no_card("tool_calls",
	    one("SELECT string_agg(args::text || "
	        "coalesce(result::text, ''), ' ') FROM tool_calls WHERE "
	        "call_sid "
	        "= $1",
	        sid));
	assert_non_null(strstr(one("SELECT args->>'text' FROM tool_calls WHERE "
	                           "call_sid = $1 AND tool = 'log_turn'",
	                           sid),
	    "[card ending 1111]"));
	assert_non_null(
	    strstr(one("SELECT args->>'message' FROM tool_calls "
	               "WHERE call_sid = $1 AND tool = 'take_message'",
	               sid),
	        "555-123-0042"));

	/* and nothing else on disk has it: crm-tools' log, the database
	 * files are checked by grep over the whole instance */
	snprintf(cmd, sizeof(cmd), "cat '%s'", H.log);
	assert_non_null(f = popen(cmd, "r"));
	assert_non_null(log = malloc(1 << 20));
	n = fread(log, 1, (1 << 20) - 1, f);
	log[n] = '\0';
	pclose(f);
	no_card("crm-tools log", log);
	free(log);
}

static void
test_retention(void **state)
{
	const char *old = "CAprivacyold000000000000000001";
	const char *recent = "CAprivacynew000000000000000001";
	char rec[400], before[32];
	json_t *rep, *r;

	(void)state;
	tool_ok(old, "call_begin", json_pack("{s:s}", "from", "+15555550143"));
	tool_ok(old, "log_turn",
	    json_pack(
	        "{s:s, s:s}", "role", "caller", "text", "hello from long ago"));
	tool_ok(
	    recent, "call_begin", json_pack("{s:s}", "from", "+15555550144"));
	tool_ok(recent, "log_turn",
	    json_pack(
	        "{s:s, s:s}", "role", "caller", "text", "hello from today"));
	/* the old call started 100 days ago and has a recording on disk */
	snprintf(rec, sizeof(rec), "%s/old-recording.wav", H.base);
	assert_int_equal(system("true"), 0);
	{
		FILE *f = fopen(rec, "w");

		assert_non_null(f);
		fputs("RIFF", f);
		fclose(f);
	}
	sql("ALTER TABLE calls ADD COLUMN IF NOT EXISTS recording_path text");
	one("UPDATE calls SET started_at = now() - interval '100 days' WHERE "
	    "call_sid = $1 RETURNING 1",
	    old);
	{
		const char *p[2] = {rec, old};
		PGresult *x = PQexecParams(pg,
		    "UPDATE calls SET recording_path "
		    "= $1 WHERE call_sid = $2",
		    2, NULL, p, NULL, NULL, 0);

		assert_int_equal(PQresultStatus(x), PGRES_COMMAND_OK);
		PQclear(x);
	}
	/* let the audit rows of both calls land before the sweep */
	rep = hx_call(
	    &H, recent, "get_call", json_pack("{s:s}", "call_sid", old), NULL);
	ok_res(rep);
	json_decref(rep);

	fd_time_fmt(time(NULL) - 90 * 86400, before, sizeof(before));
	rep = hx_call(&H, NULL, "retention_sweep",
	    json_pack("{s:s, s:i}", "before", before, "batch", 1), NULL);
	r = ok_res(rep);
	assert_int_equal(json_integer_value(json_object_get(r, "calls")), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "turns")), 1);
	assert_true(json_integer_value(json_object_get(r, "tool_calls")) >= 2);
	assert_int_equal(
	    json_integer_value(json_object_get(r, "recordings")), 1);
	json_decref(rep);
	assert_int_equal(access(rec, F_OK), -1);

	/* gone from the record and the API; the recent call is whole */
	rep = hx_call(
	    &H, NULL, "get_call", json_pack("{s:s}", "call_sid", old), NULL);
	assert_false(json_is_true(json_object_get(rep, "ok")));
	assert_string_equal(
	    json_string_value(json_object_get(rep, "code")), "not_found");
	json_decref(rep);
	assert_string_equal(one("SELECT count(*) FROM call_turns WHERE "
	                        "call_sid = $1",
	                        old),
	    "0");
	assert_string_equal(one("SELECT count(*) FROM tool_calls WHERE "
	                        "call_sid = $1",
	                        old),
	    "0");
	rep = hx_call(
	    &H, NULL, "get_call", json_pack("{s:s}", "call_sid", recent), NULL);
	r = ok_res(rep);
	assert_int_equal(json_array_size(json_object_get(r, "turns")), 1);
	json_decref(rep);
	assert_int_equal(atoi(one("SELECT count(*) FROM tool_calls WHERE "
	                          "call_sid = $1",
	                     recent)) >= 2,
	    1);

	/* a second sweep finds nothing; a bad cutoff is refused */
	rep = hx_call(&H, NULL, "retention_sweep",
	    json_pack("{s:s}", "before", before), NULL);
	r = ok_res(rep);
	assert_int_equal(json_integer_value(json_object_get(r, "calls")), 0);
	json_decref(rep);
	rep = hx_call(&H, NULL, "retention_sweep",
	    json_pack("{s:s}", "before", "last tuesday"), NULL);
	assert_string_equal(
	    json_string_value(json_object_get(rep, "code")), "bad_args");
	json_decref(rep);
}

static int
setup(void **state)
{
	char conn[512];

	(void)state;
	if (hx_test_start(&H, "crm_privacy_test", "privacy", NULL, 2, 4) != 0)
		return -1;
	hx_pg_conninfo(&H, conn, sizeof(conn));
	pg = PQconnectdb(conn);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "%s\n", PQerrorMessage(pg));
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	one("SELECT 1", NULL);
	PQfinish(pg);
	hx_stop(&H, getenv("FD_KEEP") != NULL);
	return 0;
}

UNIT_MAIN(setup, teardown, cmocka_unit_test(test_card_number_stored_masked),
    cmocka_unit_test(test_retention), )
