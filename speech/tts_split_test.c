/*
 * tts_split_test.c - segmenting whole replies and streamed fragments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "speech/tts_split.h"
#include "tests/harness/unit.h"

/* Feed the fragments (NULL-terminated), the last one final; collect the
 * segments joined by '|'. */
static void
run(const char *const *frags, char *out, size_t outlen)
{
	struct tts_splitter s;
	char *seg;
	int i, final;

	out[0] = '\0';
	tts_split_init(&s);
	for (i = 0; frags[i]; i++) {
		final = frags[i + 1] == NULL;
		assert_int_equal(tts_split_feed(&s, frags[i]), 0);
		while ((seg = tts_split_next(&s, final)) != NULL) {
			if (out[0])
				strncat(out, "|", outlen - strlen(out) - 1);
			strncat(out, seg, outlen - strlen(out) - 1);
			free(seg);
		}
	}
	assert_int_equal(s.len, 0);
	tts_split_free(&s);
}

#define CHECK(want, ...)                                                       \
	do {                                                                   \
		const char *const f_[] = {__VA_ARGS__, NULL};                  \
		char o_[1024];                                                 \
		run(f_, o_, sizeof(o_));                                       \
		assert_string_equal(o_, want);                                 \
	} while (0)

static void
test_whole(void **state)
{
	(void)state;
	CHECK("Hello.", "Hello.");
	CHECK("Sure,|I can help.|What day works for you?",
	    "Sure, I can help. What day works for you?");
	CHECK("Thank you for calling Otto's Auto.|How can I help?",
	    "Thank you for calling Otto's Auto. How can I help?");
	CHECK("Dr. Smith can see you at 10:30 on Tuesday.|It costs $49.95.",
	    "Dr. Smith can see you at 10:30 on Tuesday. It costs $49.95.");
	CHECK("That's 1,200 miles.", "That's 1,200 miles.");
	CHECK("Great!|See you then.", "Great! See you then.");
	CHECK("Really?!|Yes.", "Really?! Yes.");
	CHECK("See you at 9 a.m. on Monday.", "See you at 9 a.m. on Monday.");
	CHECK("He said \"hi.\"|Then left.", "He said \"hi.\" Then left.");
	CHECK("line one|line two", "line one\nline two");
	CHECK("no punctuation at all", "no punctuation at all");
	CHECK("", "   ");
}

static void
test_clauses(void **state)
{
	(void)state;
	/* only the first segment is cut at a clause */
	CHECK("Okay,|so the oil change is done, and the car is ready.",
	    "Okay, so the oil change is done, and the car is ready.");
	CHECK("Note:|we close early.", "Note: we close early.");
	/* a long sentence is cut at its last clause before the limit */
	CHECK(
	    "First.|We have openings on Monday morning, Tuesday afternoon, "
	    "Wednesday all day, Thursday before noon, Friday after three, and "
	    "Saturday morning,|or next week on any day you like, or the week "
	    "after that.",
	    "First. We have openings on Monday morning, Tuesday afternoon, "
	    "Wednesday all day, Thursday before noon, Friday after three, and "
	    "Saturday morning, or next week on any day you like, or the week "
	    "after that.");
}

static void
test_fragments(void **state)
{
	(void)state;
	CHECK("Sure,|I can book that.|It will be $49.95.", "Sure", ", I can",
	    " book that.", " It will be $49.", "95.");
	CHECK("Dr. Smith is in.", "Dr.", " Smith is in.");
	CHECK("That's 1,200.", "That's 1,", "200.");
	CHECK("At 10:30.", "At 10:", "30.");
	CHECK("Hi.|Bye.", "Hi.", " Bye.");
	CHECK("Yes.", "Yes.", "");
}

static void
test_early_segment(void **state)
{
	struct tts_splitter s;
	char *seg;

	(void)state;
	tts_split_init(&s);
	tts_split_feed(&s, "Sure");
	assert_null(tts_split_next(&s, 0));
	tts_split_feed(&s, ", let me check");
	seg = tts_split_next(&s, 0);
	assert_string_equal(seg, "Sure,");
	free(seg);
	assert_null(tts_split_next(&s, 0));
	tts_split_feed(&s, " that.");
	seg = tts_split_next(&s, 0); /* a period ending the fragment */
	assert_string_equal(seg, "let me check that.");
	free(seg);
	tts_split_feed(&s, " Dr.");
	assert_null(tts_split_next(&s, 0));
	seg = tts_split_next(&s, 1);
	assert_string_equal(seg, "Dr.");
	free(seg);
	tts_split_free(&s);
}

static void
test_no_boundary(void **state)
{
	struct tts_splitter s;
	char text[1000], *seg;
	int i;

	(void)state;
	for (i = 0; i < 99; i++)
		memcpy(text + i * 10, "blah blah ", 10);
	text[990] = '\0';
	tts_split_init(&s);
	tts_split_feed(&s, text);
	seg = tts_split_next(&s, 0);
	assert_non_null(seg);
	assert_true(strlen(seg) <= TTS_SPLIT_MAX + 1);
	free(seg);
	tts_split_free(&s);
}

UNIT_MAIN(NULL, NULL, cmocka_unit_test(test_whole),
    cmocka_unit_test(test_clauses), cmocka_unit_test(test_fragments),
    cmocka_unit_test(test_early_segment), cmocka_unit_test(test_no_boundary), )
