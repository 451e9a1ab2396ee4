/*
 * turn_end_test.c - the end-of-turn classifier on the hypotheses callers
 * produce: whole answers to the question asked end on the short silence,
 * phrases that stop mid-way wait long, the rest waits the default; the
 * VAD ends an utterance on the silence the engine chose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "turn_end.h"
#include "vad.h"
#include "tests/harness/unit.h"

#define C(e, t) assert_int_equal(turn_end_classify(e, t), TURN_END_COMPLETE)
#define I(e, t) assert_int_equal(turn_end_classify(e, t), TURN_END_INCOMPLETE)
#define U(e, t) assert_int_equal(turn_end_classify(e, t), TURN_END_UNSURE)

static void
test_yesno(void **state)
{
	(void)state;
	/* confirmations closed by their verb or a polite word */
	C(VAD_EXPECT_YESNO, "yes it is");
	C(VAD_EXPECT_YESNO, "yes that's right");
	C(VAD_EXPECT_YESNO, "uh yeah that's correct");
	C(VAD_EXPECT_YESNO, "no i don't");
	C(VAD_EXPECT_YESNO, "no thank you");
	C(VAD_EXPECT_YESNO, "no that's all thank you");
	/* "no thanks, that's all", "okay thanks, bye" */
	U(VAD_EXPECT_YESNO, "no thanks");
	U(VAD_EXPECT_ANY, "okay thanks");
	C(VAD_EXPECT_ANY, "okay thanks bye");
	/* a bare yes or no is often followed by more after a comma, and
	 * so is "yes, please" ("thanks, bye") */
	U(VAD_EXPECT_YESNO, "yes");
	U(VAD_EXPECT_YESNO, "yes please");
	U(VAD_EXPECT_YESNO, "yes please thanks");
	C(VAD_EXPECT_YESNO, "yes please thanks bye");
	U(VAD_EXPECT_YESNO, "no");
	/* "no, that's all. thank you": the thanks may follow */
	U(VAD_EXPECT_YESNO, "no that's all");
	/* going on */
	I(VAD_EXPECT_YESNO, "yes and");
	I(VAD_EXPECT_YESNO, "no but");
	I(VAD_EXPECT_YESNO, "yes um");
	I(VAD_EXPECT_YESNO, "no make it on");
}

static void
test_digits(void **state)
{
	(void)state;
	C(VAD_EXPECT_DIGITS,
	    "five five five one two three four five six seven");
	C(VAD_EXPECT_DIGITS,
	    "my number is triple five one two three double "
	    "four six seven");
	/* ten digits after a one may be an eleven-digit number */
	U(VAD_EXPECT_DIGITS, "one five five five one two three four five six");
	C(VAD_EXPECT_DIGITS,
	    "one five five five one two three four five six seven");
	I(VAD_EXPECT_DIGITS, "my number is five five five");
	I(VAD_EXPECT_DIGITS, "");
	I(VAD_EXPECT_DIGITS,
	    "five five five one two three four five six "
	    "seven and");
}

static void
test_name_date_time(void **state)
{
	(void)state;
	C(VAD_EXPECT_NAME, "robert king");
	C(VAD_EXPECT_NAME, "my name is karen white");
	I(VAD_EXPECT_NAME, "robert");
	I(VAD_EXPECT_NAME, "my name is");
	I(VAD_EXPECT_NAME, "king k i");
	U(VAD_EXPECT_NAME, "it's robert");

	/* "then friday at nine a m, please" */
	U(VAD_EXPECT_DATE, "monday morning");
	U(VAD_EXPECT_DATE, "tuesday at ten a m");
	C(VAD_EXPECT_DATE, "as soon as possible");
	C(VAD_EXPECT_DATE, "wednesday please");
	U(VAD_EXPECT_DATE, "tuesday");
	U(VAD_EXPECT_DATE, "no make it wednesday");
	I(VAD_EXPECT_DATE, "let me think");
	I(VAD_EXPECT_DATE, "next");
	I(VAD_EXPECT_DATE, "tuesday at");

	C(VAD_EXPECT_TIME, "at two p m please");
	C(VAD_EXPECT_TIME, "whenever");
	U(VAD_EXPECT_TIME, "at two p m");
	U(VAD_EXPECT_TIME, "ten");
	I(VAD_EXPECT_TIME, "at");
	I(VAD_EXPECT_TIME, "um");
}

static void
test_requests(void **state)
{
	(void)state;
	C(VAD_EXPECT_ANY, "i want to speak to a real person");
	C(VAD_EXPECT_ANY, "i'd like to leave a message");
	C(VAD_EXPECT_ANY, "is my car ready");
	C(VAD_EXPECT_ANY, "what are your hours on saturday");
	C(VAD_EXPECT_ANY, "where are you located");
	C(VAD_EXPECT_ANY, "do you do oil changes");
	U(VAD_EXPECT_ANY, "can i come in on monday");
	C(VAD_EXPECT_ANY, "when will my car be ready");
	C(VAD_EXPECT_ANY,
	    "i need an oil change on monday november thirtieth "
	    "at ten a m");
	C(VAD_EXPECT_ANY, "no that's all thank you");
	C(VAD_EXPECT_SERVICE, "i need a tire rotation please");
	/* a day last: its time often follows after a comma */
	U(VAD_EXPECT_ANY, "i need an oil change on monday");
	/* a verb awaiting its object */
	U(VAD_EXPECT_ANY, "i want to cancel");
	U(VAD_EXPECT_ANY, "hi");
	U(VAD_EXPECT_ANY, "");
	I(VAD_EXPECT_ANY, "i'd like to book a");
	I(VAD_EXPECT_ANY, "i need");
	I(VAD_EXPECT_ANY, "um");
	I(VAD_EXPECT_ANY, "my check engine light is on and");
	I(VAD_EXPECT_ANY, "my number is five five five");
	I(VAD_EXPECT_ANY, "can i");
}

static void
test_silence(void **state)
{
	struct vad_cfg c;
	struct vad v;
	int16_t tone[VAD_FRAME], quiet[VAD_FRAME];
	int i, n;

	(void)state;
	vad_defaults(&c);
	c.short_endpoint_ms = 160;
	c.endpoint_ms = 400;
	c.long_endpoint_ms = 1000;
	assert_int_equal(
	    turn_end_silence_ms(&c, VAD_EXPECT_YESNO, "yes it is"), 160);
	assert_int_equal(turn_end_silence_ms(&c, VAD_EXPECT_YESNO, "yes"), 400);
	assert_int_equal(
	    turn_end_silence_ms(&c, VAD_EXPECT_ANY, "i'd like a"), 1000);
	assert_string_equal(turn_end_name(TURN_END_COMPLETE), "complete");

	/* the VAD ends the utterance on the silence the engine chose: a
	 * whole answer after 160 ms, while the long flag wins over it */
	for (i = 0; i < VAD_FRAME; i++) {
		tone[i] = (int16_t)(6000 * sin(2 * M_PI * 440 * i / 8000.0));
		quiet[i] = (int16_t)(i % 2 ? 8 : -8);
	}
	vad_init(&v, &c);
	for (i = 0; i < 10; i++)
		vad_frame(&v, quiet, VAD_FRAME, 0);
	for (i = 0; i < 20; i++)
		vad_frame(&v, tone, VAD_FRAME, 0);
	v.short_pause = 1;
	assert_int_equal(vad_endpoint_ms(&v), 160);
	for (n = 1; n < 20 && vad_frame(&v, quiet, VAD_FRAME, 0) != VAD_END;
	     n++)
		;
	assert_int_equal(n * VAD_FRAME_MS, 160);
	v.long_pause = 1;
	assert_int_equal(vad_endpoint_ms(&v), 1000);
	v.long_pause = v.short_pause = 0;
	assert_int_equal(vad_endpoint_ms(&v), 400);
}

UNIT_MAIN(NULL, NULL, cmocka_unit_test(test_yesno),
    cmocka_unit_test(test_digits), cmocka_unit_test(test_name_date_time),
    cmocka_unit_test(test_requests), cmocka_unit_test(test_silence), )
