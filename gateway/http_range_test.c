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
check(
    const char *v, uint64_t size, enum http_range want, uint64_t f, uint64_t l)
{
	uint64_t first = 99999, last = 99999;
	enum http_range got = http_range_parse(v, size, &first, &last);

	if (got != want)
		fail_msg("Range '%s' of %llu: got %d, want %d",
		    v ? v : "(none)", (unsigned long long)size, got, want);
	if (want == HTTP_RANGE_OK) {
		assert_int_equal(first, f);
		assert_int_equal(last, l);
	}
}

/* Range value, body size, what it is, and the bytes it names. */
static const struct range_case {
	const char *v;
	uint64_t size;
	enum http_range want;
	uint64_t first, last;
} forms[] =
    {
        {NULL, 1000, HTTP_RANGE_NONE, 0, 0},
        {"bytes=0-", 1000, HTTP_RANGE_OK, 0, 999},
        {"bytes=0-499", 1000, HTTP_RANGE_OK, 0, 499},
        {"bytes=500-", 1000, HTTP_RANGE_OK, 500, 999},
        {"bytes=-200", 1000, HTTP_RANGE_OK, 800, 999},
        {"bytes=999-999", 1000, HTTP_RANGE_OK, 999, 999},
        {"Bytes= 10-20 ", 1000, HTTP_RANGE_OK, 10, 20},
},
  edges[] =
      {
          /* a last past the end is the end; a suffix longer than the body
	 * is all of it */
          {"bytes=900-5000", 1000, HTTP_RANGE_OK, 900, 999},
          {"bytes=-5000", 1000, HTTP_RANGE_OK, 0, 999},
          /* nothing of the body there: 416 */
          {"bytes=1000-", 1000, HTTP_RANGE_BAD, 0, 0},
          {"bytes=1000-2000", 1000, HTTP_RANGE_BAD, 0, 0},
          {"bytes=-0", 1000, HTTP_RANGE_BAD, 0, 0},
          {"bytes=0-", 0, HTTP_RANGE_BAD, 0, 0},
          {"bytes=-10", 0, HTTP_RANGE_BAD, 0, 0},
},
  ignored[] = {
      {"items=0-10", 1000, HTTP_RANGE_NONE, 0, 0},
      {"bytes=0-10,20-30", 1000, HTTP_RANGE_NONE, 0, 0},
      {"bytes=20-10", 1000, HTTP_RANGE_NONE, 0, 0},
      {"bytes=", 1000, HTTP_RANGE_NONE, 0, 0},
      {"bytes=-", 1000, HTTP_RANGE_NONE, 0, 0},
      {"bytes=abc-", 1000, HTTP_RANGE_NONE, 0, 0},
      {"bytes=1-2x", 1000, HTTP_RANGE_NONE, 0, 0},
      {"bytes=99999999999999999999999-", 1000, HTTP_RANGE_NONE, 0, 0},
};

static void
check_all(const struct range_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check(c[i].v, c[i].size, c[i].want, c[i].first, c[i].last);
}

static void
test_forms(void **state)
{
	(void)state;
	check_all(forms, sizeof(forms) / sizeof(forms[0]));
}

static void
test_edges(void **state)
{
	(void)state;
	check_all(edges, sizeof(edges) / sizeof(edges[0]));
}

static void
test_ignored(void **state)
{
	(void)state;
	check_all(ignored, sizeof(ignored) / sizeof(ignored[0]));
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
