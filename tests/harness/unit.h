/*
 * unit.h - the main() every cmocka unit test binary has: run one group of
 * tests, with the group's setup and teardown (NULL for none), and exit
 * with the number that failed.  A *_test.c includes it after <cmocka.h>
 * and ends with UNIT_MAIN(setup, teardown, cmocka_unit_test(...), ...).
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdlib.h>
#include <time.h>

/* A group setup for tests whose times are the shop's local ones: the
 * process runs in America/New_York, as the test configs' shop does. */
static inline int
unit_tz_new_york(void **state)
{
	(void)state;
	setenv("TZ", "America/New_York", 1);
	tzset();
	return 0;
}

#define UNIT_MAIN(setup, teardown, ...)                                        \
	int main(void)                                                         \
	{                                                                      \
		const struct CMUnitTest tests[] = {__VA_ARGS__};               \
		return cmocka_run_group_tests(tests, setup, teardown);         \
	}

#endif
