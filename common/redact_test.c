/*
 * redact_test.c - what redact.h masks (Luhn-valid card numbers written,
 * spaced or spoken, SSN-like numbers, configured regexes) and what it must
 * leave readable (phone numbers, confirmation codes, VINs, times, dates),
 * in text, JSON and log lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "redact.h"
#include "tests/harness/unit.h"

/* s masked: the result (static), checked to mask n things. */
static const char *
masked(const char *s, int n)
{
	static char out[1024];
	int got = redact_buf(s, out, sizeof(out));

	if (got != n)
		print_error(
		    "'%s' -> '%s': %d masked, want %d\n", s, out, got, n);
	assert_int_equal(got, n);
	return out;
}

static void
untouched(const char *s)
{
	assert_string_equal(masked(s, 0), s);
}

static void
test_luhn(void **state)
{
	(void)state;
	assert_true(redact_luhn("4111111111111111", 16));
	assert_true(redact_luhn("5555555555554444", 16));
	assert_true(redact_luhn("378282246310005", 15));
	assert_false(redact_luhn("4111111111111112", 16));
	assert_false(redact_luhn("", 0));
}

static void
test_cards(void **state)
{
	(void)state;
	assert_string_equal(masked("card 4111111111111111 thanks", 1),
	    "card [card ending 1111] thanks");
	assert_string_equal(
	    masked("it's 4111 1111 1111 1111.", 1), "it's [card ending 1111].");
	assert_string_equal(
	    masked("5555-5555-5555-4444", 1), "[card ending 4444]");
	assert_string_equal(masked("amex 3782 822463 10005 ok", 1),
	    "amex [card ending 0005] ok");
	/* spoken, as the recogniser writes it */
	assert_string_equal(
	    masked("my card number is four one one one one "
	           "one one one one one one one one one one one",
	        1),
	    "my card number is [card ending 1111]");
	assert_string_equal(masked("Four One double one, one one one one, "
	                           "triple one one, one one one one please",
	                        1),
	    "[card ending 1111] please");
	/* mixed words and digits */
	assert_string_equal(masked("4111 one one one one 1111 1111 bye", 1),
	    "[card ending 1111] bye");
	/* two cards in one line */
	assert_string_equal(masked("4111111111111111 or 5555555555554444", 2),
	    "[card ending 1111] or [card ending 4444]");
	/* Luhn fails: written without a card cue, not a card number */
	untouched("ref 4111111111111112 please");
	/* ... but spoken (a digit misheard or dropped) or after "card" it
	 * still is one */
	assert_string_equal(masked("my car number is four one one one one one "
	                           "one one one one one one one one lot",
	                        1),
	    "my car number is [card ending 1111] lot");
	assert_string_equal(
	    masked("Visa: 4111 1111 1111 1112", 1), "Visa: [card ending 1112]");
	/* too short, too long */
	untouched("424242424242");
	untouched("41111111111111111111111");
}

static void
test_ssn(void **state)
{
	(void)state;
	assert_string_equal(masked("ssn 123-45-6789", 1), "ssn [ssn]");
	assert_string_equal(masked("it is 123 45 6789", 1), "it is [ssn]");
	assert_string_equal(masked("my social is one two three four five six "
	                           "seven eight nine",
	                        1),
	    "my social is [ssn]");
	assert_string_equal(masked("Social Security number: 123456789", 1),
	    "Social Security number: [ssn]");
	/* nine digits without the cue or the 3-2-4 shape stay */
	untouched("order 123456789 please");
	untouched("one two three four five six seven eight nine");
}

static void
test_needed_numbers_stay(void **state)
{
	(void)state;
	/* phone numbers, written and spoken */
	untouched("call me on 555-123-0001");
	untouched("+1 (555) 123-0001 or 555 123 0002");
	untouched("+15551230001");
	untouched("five five five, one two three, oh oh oh one");
	untouched("my number is double five five one two three four five six "
	          "seven");
	/* confirmation codes and VINs: letters break the digits */
	untouched("confirmation K7Q2M and code AB12CD34");
	untouched("VIN 1HGCM82633A004352");
	untouched("the VIN ends in 4352");
	untouched("one H G C M eight two six three three A zero zero four "
	          "three five two");
	/* times, dates, money */
	untouched("Tuesday 2026-12-08 at 10:30, or 12/08/2026 at 3:15pm");
	untouched("2026-12-08T10:30:00 to 2026-12-08T11:00:00");
	untouched("it was $1234.56 on 12/25");
	untouched("four o'clock on the twenty sixth");
	/* ordinary words that look like digit words */
	untouched("someone wants to book one oil change for two cars");
}

static void
test_patterns(void **state)
{
	const char *pats[] = {"acct[ -]?[0-9]{6}", "passw(or)?d:? *[^ ]+"};
	char err[200];

	(void)state;
	assert_int_equal(redact_configure(1, pats, 2, err, sizeof(err)), 0);
	assert_string_equal(
	    masked("my ACCT 123456 and password: hunter2 ok", 2),
	    "my [redacted] and [redacted] ok");
	/* card masking still applies, then the patterns */
	assert_string_equal(masked("acct-654321 and 4111111111111111", 2),
	    "[redacted] and [card ending 1111]");
	/* a bad pattern is refused and the old ones stay */
	pats[0] = "([unclosed";
	assert_int_equal(redact_configure(1, pats, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "redact_patterns[0]"));
	assert_string_equal(masked("acct 111222", 1), "[redacted]");
	/* off: text as it was */
	assert_int_equal(redact_configure(0, NULL, 0, err, sizeof(err)), 0);
	assert_string_equal(masked("4111111111111111", 0), "4111111111111111");
	assert_int_equal(redact_configure(1, NULL, 0, err, sizeof(err)), 0);
}

static void
test_config(void **state)
{
	config_t cfg;
	char err[200];

	(void)state;
	config_init(&cfg);
	assert_int_equal(
	    config_read_string(&cfg,
	        "privacy = { redact = "
	        "true; redact_patterns = [ \"secret-[a-z]+\" ]; };"),
	    CONFIG_TRUE);
	assert_int_equal(redact_load(&cfg, err, sizeof(err)), 0);
	assert_true(redact_enabled());
	assert_string_equal(
	    masked("a secret-word here", 1), "a [redacted] here");
	config_destroy(&cfg);
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg,
	                     "privacy = { "
	                     "redact_patterns = [ \"(\" ]; };"),
	    CONFIG_TRUE);
	assert_int_equal(redact_load(&cfg, err, sizeof(err)), -1);
	config_destroy(&cfg);
	/* no privacy section: on, no patterns */
	config_init(&cfg);
	assert_int_equal(redact_load(&cfg, err, sizeof(err)), 0);
	assert_true(redact_enabled());
	untouched("a secret-word here");
	config_destroy(&cfg);
}

static void
test_json(void **state)
{
	json_t *j;
	char *s;

	(void)state;
	j = json_pack("{s:s, s:I, s:[s, s], s:{s:s}, s:s, s:I}", "message",
	    "card 4111 1111 1111 1111 exp 12/27", "card",
	    (json_int_t)4111111111111111LL, "list", "ssn 123-45-6789",
	    "555-123-0001", "nested", "text",
	    "five five five, one two three, oh oh four two", "callback_number",
	    "+15551230001", "customer_id", (json_int_t)42);
	assert_int_equal(redact_json(j), 3);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s,
	    "{\"callback_number\":\"+15551230001\","
	    "\"card\":\"[card ending 1111]\",\"customer_id\":42,"
	    "\"list\":[\"ssn [ssn]\",\"555-123-0001\"],"
	    "\"message\":\"card [card ending 1111] exp 12/27\","
	    "\"nested\":{\"text\":\"five five five, one two three, oh oh "
	    "four two\"}}");
	free(s);
	json_decref(j);
	/* a spoken one inside an array */
	j = json_pack("[s]",
	    "five five five five five five five five five "
	    "five five five four four four four");
	assert_int_equal(redact_json(j), 1);
	assert_string_equal(
	    json_string_value(json_array_get(j, 0)), "[card ending 4444]");
	json_decref(j);
}

/* A log line as the agent writes it: the card number never reaches the
 * file. */
static void
test_log_line(void **state)
{
	char path[] = "/tmp/redact_test_XXXXXX", buf[512];
	int fd, saved;
	ssize_t n;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	saved = dup(2);
	dup2(fd, 2);
	log_init("redact-test", LOG_LVL_INFO);
	log_info("CA1", "caller: my card is %s, call %s",
	    "four one one one one one one one one one one one one one one one",
	    "555-123-0001");
	log_info("CA2", "call from %s to %s (x+15551230001, +1234567)",
	    "+15551230001", "+447700900123");
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf,
	    "call=CA1 caller: my card is [card ending "
	    "1111], call 555-123-0001\n"));
	assert_null(strstr(buf, "one one one"));
	/* E.164 numbers keep their last four digits in a log line; a
	 * '+' inside a word or too few digits is no phone number */
	assert_non_null(strstr(buf,
	    "call=CA2 call from +*******0001 to +********0123 "
	    "(x+15551230001, +1234567)\n"));
}

UNIT_MAIN(NULL, NULL, cmocka_unit_test(test_luhn), cmocka_unit_test(test_cards),
    cmocka_unit_test(test_ssn), cmocka_unit_test(test_needed_numbers_stay),
    cmocka_unit_test(test_patterns), cmocka_unit_test(test_config),
    cmocka_unit_test(test_json), cmocka_unit_test(test_log_line))
