/*
 * http_range_test.c - the Range forms a browser sends, the edges of a
 * body, and what is ignored (whole body) or refused (416).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http_range.h"

static void
check(const char *v, uint64_t size, enum http_range want, uint64_t f,
    uint64_t l)
{
	uint64_t first = 99999, last = 99999;
	enum http_range got = http_range_parse(v, size, &first, &last);

	if (got != want)
		fail_msg("Range '%s' of %llu: got %d, want %d", v ? v : "(none)",
		    (unsigned long long)size, got, want);
	if (want == HTTP_RANGE_OK) {
		assert_int_equal(first, f);
		assert_int_equal(last, l);
	}
}

static void
test_forms(void **state)
{
	(void)state;
	check(NULL, 1000, HTTP_RANGE_NONE, 0, 0);
	check("bytes=0-", 1000, HTTP_RANGE_OK, 0, 999);
	check("bytes=0-499", 1000, HTTP_RANGE_OK, 0, 499);
	check("bytes=500-", 1000, HTTP_RANGE_OK, 500, 999);
	check("bytes=-200", 1000, HTTP_RANGE_OK, 800, 999);
	check("bytes=999-999", 1000, HTTP_RANGE_OK, 999, 999);
	check("Bytes= 10-20 ", 1000, HTTP_RANGE_OK, 10, 20);
}

static void
test_edges(void **state)
{
	(void)state;
	/* a last past the end is the end; a suffix longer than the body
	 * is all of it */
	check("bytes=900-5000", 1000, HTTP_RANGE_OK, 900, 999);
	check("bytes=-5000", 1000, HTTP_RANGE_OK, 0, 999);
	/* nothing of the body there: 416 */
	check("bytes=1000-", 1000, HTTP_RANGE_BAD, 0, 0);
	check("bytes=1000-2000", 1000, HTTP_RANGE_BAD, 0, 0);
	check("bytes=-0", 1000, HTTP_RANGE_BAD, 0, 0);
	check("bytes=0-", 0, HTTP_RANGE_BAD, 0, 0);
	check("bytes=-10", 0, HTTP_RANGE_BAD, 0, 0);
}

static void
test_ignored(void **state)
{
	(void)state;
	check("items=0-10", 1000, HTTP_RANGE_NONE, 0, 0);
	check("bytes=0-10,20-30", 1000, HTTP_RANGE_NONE, 0, 0);
	check("bytes=20-10", 1000, HTTP_RANGE_NONE, 0, 0);
	check("bytes=", 1000, HTTP_RANGE_NONE, 0, 0);
	check("bytes=-", 1000, HTTP_RANGE_NONE, 0, 0);
	check("bytes=abc-", 1000, HTTP_RANGE_NONE, 0, 0);
	check("bytes=1-2x", 1000, HTTP_RANGE_NONE, 0, 0);
	check("bytes=99999999999999999999999-", 1000, HTTP_RANGE_NONE, 0, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
