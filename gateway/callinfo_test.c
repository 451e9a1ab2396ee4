/*
 * callinfo_test.c - the one-time stream tokens the voice webhook mints:
 * what a token looks like, that it opens one stream of its own call once,
 * within its lifetime, and nothing else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "callinfo.h"
#include "tests/harness/unit.h"

#define SEC 1000000ull
/* each test starts far after the last one, so what it left has expired */
#define EPOCH(n) ((uint64_t)(n)*1000000ull * SEC)

static const char sid_a[] = "CA0000000000000000000000000000000a";
static const char sid_b[] = "CA0000000000000000000000000000000b";
static const char sid_c[] = "CA0000000000000000000000000000000c";

static void
test_mint(void **state)
{
	char t1[CALLINFO_TOKEN_LEN], t2[CALLINFO_TOKEN_LEN];
	size_t i;

	(void)state;
	assert_int_equal(callinfo_put(sid_a, "+15551230001", "+15555550100",
	                     "inbound", EPOCH(1), t1),
	    0);
	assert_int_equal(strlen(t1), CALLINFO_TOKEN_LEN - 1);
	for (i = 0; t1[i]; i++)
		assert_non_null(strchr("0123456789abcdef", t1[i]));
	assert_int_equal(callinfo_put(sid_b, "+15551230002", "+15555550100",
	                     "inbound", EPOCH(1), t2),
	    0);
	assert_string_not_equal(t1, t2);
	/* no sid, no token */
	assert_int_equal(
	    callinfo_put("", "+1", "+2", "inbound", EPOCH(1), t2), -1);
	assert_string_equal(t2, "");
}

static void
test_take_once(void **state)
{
	char tok[CALLINFO_TOKEN_LEN];
	struct callinfo ci;

	(void)state;
	assert_int_equal(callinfo_put(sid_a, "+15551230001", "+15555550100",
	                     "outbound-api", EPOCH(2), tok),
	    0);
	memset(&ci, 0, sizeof(ci));
	assert_int_equal(
	    callinfo_take(sid_a, tok, &ci, EPOCH(2) + SEC), CALLINFO_OK);
	assert_string_equal(ci.sid, sid_a);
	assert_string_equal(ci.from, "+15551230001");
	assert_string_equal(ci.to, "+15555550100");
	assert_string_equal(ci.direction, "outbound-api");
	/* used: a replay finds nothing */
	assert_int_equal(callinfo_take(sid_a, tok, &ci, EPOCH(2) + 2 * SEC),
	    CALLINFO_UNKNOWN);
}

static void
test_wrong_token(void **state)
{
	char tok[CALLINFO_TOKEN_LEN], bad[CALLINFO_TOKEN_LEN];
	struct callinfo ci;

	(void)state;
	assert_int_equal(callinfo_put(sid_a, "+15551230001", "+15555550100",
	                     "inbound", EPOCH(3), tok),
	    0);
	assert_int_equal(
	    callinfo_take(sid_a, NULL, &ci, EPOCH(3)), CALLINFO_BAD_TOKEN);
	assert_int_equal(
	    callinfo_take(sid_a, "", &ci, EPOCH(3)), CALLINFO_BAD_TOKEN);
	/* one character off, at either end */
	memcpy(bad, tok, sizeof(bad));
	bad[0] = bad[0] == 'a' ? 'b' : 'a';
	assert_int_equal(
	    callinfo_take(sid_a, bad, &ci, EPOCH(3)), CALLINFO_BAD_TOKEN);
	memcpy(bad, tok, sizeof(bad));
	bad[CALLINFO_TOKEN_LEN - 2] =
	    bad[CALLINFO_TOKEN_LEN - 2] == 'a' ? 'b' : 'a';
	assert_int_equal(
	    callinfo_take(sid_a, bad, &ci, EPOCH(3)), CALLINFO_BAD_TOKEN);
	/* a prefix, and the token with more after it */
	memcpy(bad, tok, sizeof(bad));
	bad[20] = '\0';
	assert_int_equal(
	    callinfo_take(sid_a, bad, &ci, EPOCH(3)), CALLINFO_BAD_TOKEN);
	{
		char longer[CALLINFO_TOKEN_LEN + 1];

		snprintf(longer, sizeof(longer), "%s0", tok);
		assert_int_equal(callinfo_take(sid_a, longer, &ci, EPOCH(3)),
		    CALLINFO_BAD_TOKEN);
	}
	/* wrong guesses do not spend the call's token */
	assert_int_equal(
	    callinfo_take(sid_a, tok, &ci, EPOCH(3) + SEC), CALLINFO_OK);
	assert_string_equal(ci.from, "+15551230001");
}

static void
test_wrong_call(void **state)
{
	char ta[CALLINFO_TOKEN_LEN], tb[CALLINFO_TOKEN_LEN];
	struct callinfo ci;

	(void)state;
	assert_int_equal(callinfo_put(sid_a, "+15551230001", "+15555550100",
	                     "inbound", EPOCH(4), ta),
	    0);
	assert_int_equal(callinfo_put(sid_b, "+15551230010", "+15555550100",
	                     "inbound", EPOCH(4), tb),
	    0);
	/* a's token on b's call (the forged-caller case) */
	assert_int_equal(
	    callinfo_take(sid_b, ta, &ci, EPOCH(4)), CALLINFO_BAD_TOKEN);
	/* a call no webhook announced */
	assert_int_equal(
	    callinfo_take(sid_c, ta, &ci, EPOCH(4)), CALLINFO_UNKNOWN);
	assert_int_equal(
	    callinfo_take("", ta, &ci, EPOCH(4)), CALLINFO_UNKNOWN);
	/* both still open their own streams, with their own callers */
	assert_int_equal(callinfo_take(sid_b, tb, &ci, EPOCH(4)), CALLINFO_OK);
	assert_string_equal(ci.from, "+15551230010");
	assert_int_equal(callinfo_take(sid_a, ta, &ci, EPOCH(4)), CALLINFO_OK);
	assert_string_equal(ci.from, "+15551230001");
}

static void
test_expiry(void **state)
{
	char ta[CALLINFO_TOKEN_LEN], tb[CALLINFO_TOKEN_LEN];
	struct callinfo ci;

	(void)state;
	assert_int_equal(
	    callinfo_put(sid_a, "+15551230001", "", "", EPOCH(5), ta), 0);
	assert_int_equal(
	    callinfo_put(sid_b, "+15551230002", "", "", EPOCH(5), tb), 0);
	/* just in time */
	assert_int_equal(
	    callinfo_take(sid_a, ta, &ci, EPOCH(5) + CALLINFO_TTL_US),
	    CALLINFO_OK);
	/* too late, and then gone */
	assert_int_equal(
	    callinfo_take(sid_b, tb, &ci, EPOCH(5) + CALLINFO_TTL_US + 1),
	    CALLINFO_EXPIRED);
	assert_int_equal(
	    callinfo_take(sid_b, tb, &ci, EPOCH(5) + CALLINFO_TTL_US + 2),
	    CALLINFO_UNKNOWN);
}

static void
test_second_webhook_replaces(void **state)
{
	char t1[CALLINFO_TOKEN_LEN], t2[CALLINFO_TOKEN_LEN];
	struct callinfo ci;

	(void)state;
	assert_int_equal(
	    callinfo_put(sid_a, "+15551230001", "", "inbound", EPOCH(6), t1),
	    0);
	assert_int_equal(callinfo_put(sid_a, "+15551230001", "", "inbound",
	                     EPOCH(6) + SEC, t2),
	    0);
	assert_int_equal(
	    callinfo_take(sid_a, t1, &ci, EPOCH(6) + SEC), CALLINFO_BAD_TOKEN);
	assert_int_equal(
	    callinfo_take(sid_a, t2, &ci, EPOCH(6) + SEC), CALLINFO_OK);
	assert_int_equal(
	    callinfo_take(sid_a, t2, &ci, EPOCH(6) + SEC), CALLINFO_UNKNOWN);
}

/* More calls waiting for their stream than the table holds: an expired
 * entry's slot is taken first, then the oldest waiting call's. */
static void
test_full_table(void **state)
{
	enum { N = 2048 };
	static char toks[N + 2][CALLINFO_TOKEN_LEN];
	char sid[FD_CALL_ID_LEN];
	uint64_t t0 = EPOCH(7);
	struct callinfo ci;
	int i;

	(void)state;
	/* call 0 at t0, calls 1..N-1 half a lifetime later */
	for (i = 0; i < N; i++) {
		snprintf(sid, sizeof(sid), "CA%032d", i + 100);
		assert_int_equal(
		    callinfo_put(sid, "+1", "+2", "inbound",
		        i ? t0 + CALLINFO_TTL_US / 2 : t0, toks[i]),
		    0);
	}
	/* call N when call 0 has expired: it takes call 0's place */
	snprintf(sid, sizeof(sid), "CA%032d", N + 100);
	assert_int_equal(callinfo_put(sid, "+1", "+2", "inbound",
	                     t0 + CALLINFO_TTL_US + 1, toks[N]),
	    0);
	/* call N+1 into a full table of live calls: call 1 (oldest) goes */
	snprintf(sid, sizeof(sid), "CA%032d", N + 101);
	assert_int_equal(callinfo_put(sid, "+1", "+2", "inbound",
	                     t0 + CALLINFO_TTL_US + 2, toks[N + 1]),
	    0);
	snprintf(sid, sizeof(sid), "CA%032d", 100);
	assert_int_equal(
	    callinfo_take(sid, toks[0], &ci, t0 + CALLINFO_TTL_US + 3),
	    CALLINFO_UNKNOWN);
	snprintf(sid, sizeof(sid), "CA%032d", 101);
	assert_int_equal(
	    callinfo_take(sid, toks[1], &ci, t0 + CALLINFO_TTL_US + 3),
	    CALLINFO_UNKNOWN);
	for (i = 2; i < N + 2; i++) {
		snprintf(sid, sizeof(sid), "CA%032d", i + 100);
		assert_int_equal(
		    callinfo_take(sid, toks[i], &ci, t0 + CALLINFO_TTL_US + 3),
		    CALLINFO_OK);
	}
}

UNIT_MAIN(NULL, NULL, cmocka_unit_test(test_mint),
    cmocka_unit_test(test_take_once), cmocka_unit_test(test_wrong_token),
    cmocka_unit_test(test_wrong_call), cmocka_unit_test(test_expiry),
    cmocka_unit_test(test_second_webhook_replaces),
    cmocka_unit_test(test_full_table), )
