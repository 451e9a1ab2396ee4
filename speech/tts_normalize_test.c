/*
 * tts_normalize_test.c - the normaliser on the things a receptionist
 * says: times, dates, money, phone numbers, codes, abbreviations, and the
 * business's pronunciation list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "speech/tts_normalize.h"
#include "speech/tts_words.h"
#include "tests/harness/unit.h"

static const struct {
	const char *in, *want;
} cases[] = {
    /* times */
    {"10:30", "ten thirty"},
    {"9:00", "nine o'clock"},
    {"2:05 pm", "two oh five p m"},
    {"2:05pm", "two oh five p m"},
    {"at 9am.", "at nine a m."},
    {"at 9 a.m. on Monday", "at nine a m on Monday"},
    {"We close at 5 p.m.", "We close at five p m."},
    {"11:45 AM", "eleven forty five a m"},
    {"12:00 pm", "twelve p m"},
    {"14:30", "fourteen thirty"},
    {"17:00", "seventeen hundred"},
    {"open 9-5", "open nine to five"},
    /* dates */
    {"2026-11-24", "Tuesday, November twenty fourth"},
    {"on 2026-01-01.", "on Thursday, January first."},
    {"Tuesday, November 24", "Tuesday, November twenty fourth"},
    {"Nov. 3rd", "November third"},
    {"November 24, 2026", "November twenty fourth, twenty twenty six"},
    {"March 2", "March second"},
    {"11/24/2026", "November twenty fourth, twenty twenty six"},
    {"on 12/1", "on December first"},
    {"1/2 cup", "one/two cup"},
    /* money */
    {"$49.95", "forty nine dollars and ninety five cents"},
    {"$1", "one dollar"},
    {"$0.50", "fifty cents"},
    {"$0.01", "one cent"},
    {"$1,200", "one thousand two hundred dollars"},
    {"$49.00.", "forty nine dollars."},
    {"$3.5", "three dollars and fifty cents"},
    {"$2 million", "two million dollars"},
    {"It's $120 for the oil change.",
        "It's one hundred twenty dollars for the oil change."},
    /* phone numbers */
    {"+1 555-555-0100", "five five five, five five five, zero one zero zero"},
    {"5555550100", "five five five, five five five, zero one zero zero"},
    {"(555) 555-0100", "five five five, five five five, zero one zero zero"},
    {"555.555.0100", "five five five, five five five, zero one zero zero"},
    {"+15555550100", "five five five, five five five, zero one zero zero"},
    {"call 555-0100.", "call five five five, zero one zero zero."},
    {"1-800-555-0100",
        "one, eight zero zero, five five five, zero one zero zero"},
    /* codes and VINs */
    {"FD-7K2Q", "F D, seven K two Q"},
    {"code AB12CD.", "code A B one two C D."},
    {"1HGCM82633A004352",
        "one H G, C M eight two six three, three A zero zero four three five "
        "two"},
    {"<spell>ottos</spell>", "O T T O S"},
    {"<spell>AB-12</spell>", "A B, one two"},
    {"USA", "USA"},
    /* ordinals and numbers */
    {"1st", "first"},
    {"the 22nd", "the twenty second"},
    {"3rd", "third"},
    {"24th", "twenty fourth"},
    {"100th", "one hundredth"},
    {"12th", "twelfth"},
    {"42", "forty two"},
    {"1,234,567",
        "one million two hundred thirty four thousand five hundred sixty "
        "seven"},
    {"3.5", "three point five"},
    {"50%", "fifty percent"},
    {"#4", "number four"},
    {"in 2026", "in twenty twenty six"},
    {"zip 90210", "zip nine zero two one zero"},
    {"0", "zero"},
    {"1000", "one thousand"},
    {"2 to 3 days", "two to three days"},
    {"4x4", "4x4"},
    /* abbreviations */
    {"Dr. Smith", "Doctor Smith"},
    {"Dr Smith", "Doctor Smith"},
    {"12 Elm Dr.", "twelve Elm Drive."},
    {"St. Louis", "Saint Louis"},
    {"on Main St. today", "on Main Street today"},
    {"Mr. and Mrs. Jones", "Mister and Missus Jones"},
    {"e.g. brakes", "for example brakes"},
    {"No. 5", "number five"},
    {"No. I can't", "No. I can't"},
    {"Tools & parts", "Tools and parts"},
    {"Hello. How are you?", "Hello. How are you?"},
    /* typography and markdown from an LLM */
    {"It\xe2\x80\x99s **ready**", "It's ready"},
    {"", ""},
};

static void
test_cases(void **state)
{
	char out[512];
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(
		    tts_normalize(NULL, cases[i].in, out, sizeof(out)) >= 0);
		if (strcmp(out, cases[i].want) != 0) {
			printf("  '%s'\n    got  '%s'\n    want '%s'\n",
			    cases[i].in, out, cases[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_prons(void **state)
{
	struct tts_pron v[] = {
	    {"Otto's", "Ottos"},
	    {"Otto", "Otto"},
	    {"VW", "vee dub"},
	};
	struct tts_prons p = {v, 3};
	char out[256];

	(void)state;
	tts_normalize(
	    &p, "Thank you for calling Otto's Auto.", out, sizeof(out));
	assert_string_equal(out, "Thank you for calling Ottos Auto.");
	tts_normalize(&p, "OTTO'S and vw and VWs", out, sizeof(out));
	assert_string_equal(out, "Ottos and vee dub and VWs");
}

static void
test_prons_config(void **state)
{
	config_t cfg;
	struct tts_prons p;
	char err[128], out[128];

	(void)state;
	config_init(&cfg);
	assert_true(
	    config_read_string(&cfg,
	        "tts: { pronunciations = ( { text = \"Otto's\"; say = "
	        "\"Ottos\"; },"
	        " { text = \"Nguyen\"; say = \"Win\"; } ); };") == CONFIG_TRUE);
	assert_int_equal(tts_prons_load(&cfg, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 2);
	tts_normalize(&p, "Otto's, Dr. Nguyen", out, sizeof(out));
	assert_string_equal(out, "Ottos, Doctor Win");
	tts_prons_free(&p);
	config_destroy(&cfg);

	config_init(&cfg);
	config_read_string(
	    &cfg, "tts: { pronunciations = ( { text = \"x\"; } ); };");
	assert_int_equal(tts_prons_load(&cfg, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "entry 1"));
	config_destroy(&cfg);
	assert_int_equal(tts_prons_load(NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 0);
}

static void
test_truncation(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(
	    tts_normalize(NULL, "$1,234,567.89", out, sizeof(out)), -1);
	assert_int_equal(strlen(out), 7);
}

static void
test_words(void **state)
{
	char buf[256];
	struct sbuf b;

	(void)state;
	sbuf_init_fixed(&b, buf, sizeof(buf));
	tts_say_year(&b, 1905);
	assert_string_equal(buf, "nineteen oh five");
	sbuf_init_fixed(&b, buf, sizeof(buf));
	tts_say_year(&b, 2005);
	assert_string_equal(buf, "two thousand five");
	sbuf_init_fixed(&b, buf, sizeof(buf));
	tts_say_year(&b, 1900);
	assert_string_equal(buf, "nineteen hundred");
	sbuf_init_fixed(&b, buf, sizeof(buf));
	tts_say_ordinal(&b, 20);
	assert_string_equal(buf, "twentieth");
	sbuf_init_fixed(&b, buf, sizeof(buf));
	tts_say_ordinal(&b, 1000001);
	assert_string_equal(buf, "one million first");
	sbuf_init_fixed(&b, buf, sizeof(buf));
	tts_say_number(&b, 115);
	assert_string_equal(buf, "one hundred fifteen");
}

static void
test_abbrev_is(void **state)
{
	(void)state;
	assert_true(tts_abbrev_is("Dr", 2));
	assert_true(tts_abbrev_is("e.g", 3));
	assert_true(tts_abbrev_is("J", 1));
	assert_false(tts_abbrev_is("Hello", 5));
}

UNIT_MAIN(NULL, NULL, cmocka_unit_test(test_cases),
    cmocka_unit_test(test_prons), cmocka_unit_test(test_prons_config),
    cmocka_unit_test(test_truncation), cmocka_unit_test(test_words),
    cmocka_unit_test(test_abbrev_is), )
