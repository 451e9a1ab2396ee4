/*
 * spoken_test.c - phone numbers and confirmation codes as recognisers
 * write them, and their spoken and E.164 forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/spoken.h"
#include "tests/harness/unit.h"

static void
test_digits(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"five five five one two three zero zero zero one", "5551230001"},
	    {"555-123-0001", "5551230001"},
	    {"(555) 123 0001", "5551230001"},
	    {"my number is 555 123 oh oh oh one", "5551230001"},
	    {"five five five double two three four four four four",
	        "5552234444"},
	    {"triple five one two three four five six seven", "5551234567"},
	    {"five fifty five one two three", "555123"},
	    {"it's two one two five five five oh one nine nine", "2125550199"},
	    {"order one zero zero one", "1001"},
	    {"RO-1002", "1002"},
	    {"I don't know it", ""},
	    {"", ""},
	};
	char out[24];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		spoken_digits(cases[i].in, out, sizeof(out));
		if (strcmp(out, cases[i].out) != 0)
			fprintf(stderr, "\"%s\": got %s want %s\n", cases[i].in,
			    out, cases[i].out);
		assert_string_equal(out, cases[i].out);
	}
	/* never past the buffer */
	assert_int_equal(
	    spoken_digits("1234567890123456789012345678", out, 8), 7);
}

static void
test_codes(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"K7Q2M", "K7Q2M"},
	    {"k 7 q 2 m", "K7Q2M"},
	    {"it's k seven q two m", "K7Q2M"},
	    {"kilo seven quebec two mike", "K7Q2M"},
	    {"kay seven queue two em", "K7Q2M"},
	    {"my code is a c d 3 4", "ACD34"},
	    {"the code is h x four t r", "HX4TR"},
	};
	char out[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out[0] = '\0';
		if (!spoken_code(cases[i].in, out, sizeof(out)) ||
		    strcmp(out, cases[i].out) != 0)
			fprintf(stderr, "\"%s\": got %s want %s\n", cases[i].in,
			    out, cases[i].out);
		assert_string_equal(out, cases[i].out);
	}
	assert_false(spoken_code("john smith", out, sizeof(out)));
	assert_false(spoken_code("k 7", out, sizeof(out)));
	assert_false(spoken_code("yes please", out, sizeof(out)));
}

static void
test_forms(void **state)
{
	char out[64];

	(void)state;
	spoken_phone("+15551230001", out, sizeof(out));
	assert_string_equal(out, "<spell>555-123-0001</spell>");
	spoken_phone("5551230001", out, sizeof(out));
	assert_string_equal(out, "<spell>555-123-0001</spell>");
	assert_int_equal(spoken_e164("5551230001", out, sizeof(out)), 0);
	assert_string_equal(out, "+15551230001");
	assert_int_equal(spoken_e164("15551230001", out, sizeof(out)), 0);
	assert_string_equal(out, "+15551230001");
	assert_int_equal(spoken_e164("555123", out, sizeof(out)), -1);
	assert_int_equal(spoken_e164("0551230001", out, sizeof(out)), -1);
}

/* A surname spelled: letters, letter names, the radio alphabet, "as
 * in", "double". */
static void
test_letters(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(spoken_letters("s m i t h", out, sizeof(out)), 5);
	assert_string_equal(out, "Smith");
	assert_int_equal(spoken_letters("bravo romeo oscar whiskey november",
	                     out, sizeof(out)),
	    5);
	assert_string_equal(out, "Brown");
	/* a stretched vowel heard as a letter between radio words */
	spoken_letters(
	    "bravo o romeo o oscar whiskey november", out, sizeof(out));
	assert_string_equal(out, "Brown");
	spoken_letters("it's w as in william y double t", out, sizeof(out));
	assert_string_equal(out, "Wytt");
	spoken_letters("double you aitch eye tee ee", out, sizeof(out));
	assert_string_equal(out, "White");
	assert_int_equal(spoken_letters("no thanks", out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

UNIT_MAIN(NULL, NULL, cmocka_unit_test(test_letters),
    cmocka_unit_test(test_digits), cmocka_unit_test(test_codes),
    cmocka_unit_test(test_forms), )
