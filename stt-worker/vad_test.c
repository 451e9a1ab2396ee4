/*
 * vad_test.c - the VAD/endpointer state machine on synthetic frames (tone
 * bursts and silence): onset within two frames, pre-roll, stopped and
 * endpoint timing, the long endpoint when a pause is likely mid-answer
 * (digits), resuming, noise bursts, forced ends; and the resamplers: zero
 * insertion keeps its mirror image, the interpolator and decimator remove
 * theirs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "speech/resample.h"
#include "vad.h"
#include "tests/harness/unit.h"

static int16_t tone_f[VAD_FRAME], quiet_f[VAD_FRAME];

static void
make_frames(void)
{
	int i;

	for (i = 0; i < VAD_FRAME; i++) {
		tone_f[i] = (int16_t)(6000 * sin(2 * M_PI * 440 * i / 8000.0));
		/* faint line noise, about -66 dBFS */
		quiet_f[i] = (int16_t)((i * 7919 % 31) - 15);
	}
}

/* Feed count frames; returns the first non-NONE event and its frame index
 * (relative to this call) in *at, or NONE. */
static enum vad_event
feed(struct vad *v, const int16_t *f, int count, int *at)
{
	enum vad_event ev, first = VAD_NONE;
	int i;

	*at = -1;
	for (i = 0; i < count; i++) {
		ev = vad_frame(v, f, VAD_FRAME, 1000 + v->frame);
		if (ev != VAD_NONE && first == VAD_NONE) {
			first = ev;
			*at = i;
		}
	}
	return first;
}

static void
setup(struct vad *v)
{
	struct vad_cfg c;

	make_frames();
	vad_defaults(&c);
	vad_init(v, &c);
}

static void
test_onset_and_endpoint(void **state)
{
	struct vad v;
	int at, i;
	enum vad_event ev;

	(void)state;
	setup(&v);
	assert_int_equal(feed(&v, quiet_f, 50, &at), VAD_NONE);
	/* reported on the second tone frame: 20 ms after the onset */
	assert_int_equal(feed(&v, tone_f, 2, &at), VAD_START);
	assert_int_equal(at, 1);
	assert_int_equal(vad_onset_ms(&v), 50 * VAD_FRAME_MS);
	assert_int_equal(feed(&v, tone_f, 38, &at), VAD_NONE);
	/* 200 ms of silence: stopped, then at 400 ms the endpoint */
	assert_int_equal(feed(&v, quiet_f, 10, &at), VAD_STOPPED);
	assert_int_equal(at, 9);
	assert_int_equal(vad_speech_end_ms(&v), 90 * VAD_FRAME_MS);
	assert_int_equal(v.last_voiced_us, 1000 + 89);
	for (i = 0; i < 20; i++)
		if ((ev = vad_frame(&v, quiet_f, VAD_FRAME, 0)) != VAD_NONE)
			break;
	assert_int_equal(ev, VAD_END);
	assert_int_equal(i, 9); /* frame 20 of the silence */
	assert_false(v.in_utt);
}

static void
test_preroll(void **state)
{
	struct vad v;
	int16_t out[VAD_MAX_PREROLL * VAD_FRAME];
	size_t n;
	int at;

	(void)state;
	setup(&v);
	feed(&v, quiet_f, 30, &at);
	assert_int_equal(feed(&v, tone_f, 2, &at), VAD_START);
	n = vad_preroll(&v, out, sizeof(out) / sizeof(out[0]));
	/* 200 ms before the onset and the two onset frames */
	assert_int_equal(n, 12 * VAD_FRAME);
	assert_memory_equal(out, quiet_f, sizeof(quiet_f));
	assert_memory_equal(out + 10 * VAD_FRAME, tone_f, sizeof(tone_f));
	assert_memory_equal(out + 11 * VAD_FRAME, tone_f, sizeof(tone_f));
}

static void
test_digits_pause(void **state)
{
	struct vad v;
	int at;

	(void)state;
	setup(&v);
	feed(&v, quiet_f, 10, &at);
	assert_int_equal(feed(&v, tone_f, 20, &at), VAD_START);
	/* "five five five" ... the engine saw a digit at the end */
	assert_true(vad_ends_mid_answer("my number is five five five"));
	assert_true(vad_ends_mid_answer("it's uh"));
	assert_false(vad_ends_mid_answer("yes that's right"));
	assert_false(vad_ends_mid_answer(""));
	assert_true(vad_ends_mid_answer("book it on the"));
	/* complete answers that end in a small word */
	assert_false(vad_ends_mid_answer("yes it is"));
	assert_false(vad_ends_mid_answer("what is it for"));
	v.long_pause = 1;
	/* a 700 ms pause is not the end when digits are being read */
	assert_int_equal(feed(&v, quiet_f, 35, &at), VAD_STOPPED);
	assert_true(v.in_utt);
	/* the caller goes on: same utterance, speech reported again */
	assert_int_equal(feed(&v, tone_f, 10, &at), VAD_RESUME);
	assert_int_equal(at, 1);
	/* then a long silence ends it at long_endpoint_ms */
	assert_int_equal(feed(&v, quiet_f, 49, &at), VAD_STOPPED);
	assert_true(v.in_utt);
	assert_int_equal(feed(&v, quiet_f, 1, &at), VAD_END);
	/* without the flag the same 700 ms pause would have ended it */
	setup(&v);
	feed(&v, quiet_f, 10, &at);
	feed(&v, tone_f, 20, &at);
	feed(&v, quiet_f, 35, &at);
	assert_false(v.in_utt);
}

static void
test_noise_and_force(void **state)
{
	struct vad v;
	int at;

	(void)state;
	setup(&v);
	feed(&v, quiet_f, 10, &at);
	/* one loud frame is not speech */
	assert_int_equal(feed(&v, tone_f, 1, &at), VAD_NONE);
	assert_int_equal(feed(&v, quiet_f, 5, &at), VAD_NONE);
	/* three frames (60 ms) start an utterance, but it is discarded */
	assert_int_equal(feed(&v, tone_f, 3, &at), VAD_START);
	feed(&v, quiet_f, 10, &at);
	assert_int_equal(feed(&v, quiet_f, 10, &at), VAD_DISCARD);
	/* a key press ends an utterance at once */
	assert_int_equal(vad_force_end(&v), VAD_NONE);
	feed(&v, tone_f, 20, &at);
	assert_true(v.in_utt);
	assert_int_equal(vad_force_end(&v), VAD_END);
	assert_false(v.in_utt);
	/* a click during a pause does not reset the endpoint timer */
	setup(&v);
	feed(&v, tone_f, 20, &at);
	feed(&v, quiet_f, 12, &at);
	feed(&v, tone_f, 1, &at);
	assert_int_equal(feed(&v, quiet_f, 7, &at), VAD_END);
}

static void
test_noise_floor(void **state)
{
	struct vad v;
	int16_t hum[VAD_FRAME];
	int at, i;

	(void)state;
	setup(&v);
	/* steady -35 dBFS hum is above start_db but is the floor: no speech
	 * once the floor has been learnt */
	for (i = 0; i < VAD_FRAME; i++)
		hum[i] = (int16_t)(800 * sin(2 * M_PI * 120 * i / 8000.0));
	feed(&v, quiet_f, 25, &at);
	feed(&v, hum, 1, &at);
	v.in_utt = 0;
	v.floor_db = vad_frame_db(hum, VAD_FRAME);
	assert_int_equal(feed(&v, hum, 50, &at), VAD_NONE);
	/* speech well over the hum still starts */
	assert_int_equal(feed(&v, tone_f, 2, &at), VAD_START);
}

static double
goertzel(const int16_t *x, size_t n, double f, double fs)
{
	double w = 2 * M_PI * f / fs, c = 2 * cos(w), s0, s1 = 0, s2 = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		s0 = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return sqrt(s1 * s1 + s2 * s2 - c * s1 * s2);
}

static void
test_upsample(void **state)
{
	int16_t in[800], out[1600];
	double base, image;
	size_t i;

	(void)state;
	for (i = 0; i < 800; i++)
		in[i] = (int16_t)(8000 * sin(2 * M_PI * 1000 * i / 8000.0));
	stt_up_zero(in, 800, out, 2.0);
	for (i = 0; i < 800; i++) {
		assert_int_equal(out[2 * i], in[i] * 2);
		assert_int_equal(out[2 * i + 1], 0);
	}
	/* zero insertion: the 1 kHz tone has a full-size mirror at 7 kHz */
	base = goertzel(out, 1600, 1000, 16000);
	image = goertzel(out, 1600, 7000, 16000);
	assert_true(fabs(20 * log10(image / base)) < 0.5);
	/* the interpolator keeps the tone and removes the mirror */
	stt_up_lowpass(in, 800, out);
	base = goertzel(out + 100, 1400, 1000, 16000);
	image = goertzel(out + 100, 1400, 7000, 16000);
	assert_true(20 * log10(image / base) < -40);
	/* and keeps the level */
	assert_true(
	    fabs(base - goertzel(in + 50, 700, 1000, 8000) * 2) / base < 0.05);
}

static void
test_downsample(void **state)
{
	int16_t in[3200], out[1600];
	double pass, stop;
	size_t i, n;

	(void)state;
	for (i = 0; i < 3200; i++)
		in[i] = (int16_t)(8000 * sin(2 * M_PI * 1000 * i / 16000.0));
	n = stt_down_half(in, 3200, out);
	assert_int_equal(n, 1600);
	pass = goertzel(out + 50, 1500, 1000, 8000);
	for (i = 0; i < 3200; i++)
		in[i] = (int16_t)(8000 * sin(2 * M_PI * 6000 * i / 16000.0));
	stt_down_half(in, 3200, out);
	/* 6 kHz would alias to 2 kHz; the low-pass must remove it */
	stop = goertzel(out + 50, 1500, 2000, 8000);
	assert_true(20 * log10(stop / pass) < -40);
	assert_true(fabs(pass / (8000 * 1500 / 2.0) - 1) < 0.05);
}

static void
test_answer_incomplete(void **state)
{
	(void)state;
	/* nothing asked: never waits longer for content */
	assert_false(vad_answer_incomplete(VAD_EXPECT_ANY, ""));
	assert_false(vad_answer_incomplete(VAD_EXPECT_ANY, "uh well"));
	/* a date: until a day or date word is there */
	assert_int_equal(vad_expect_parse("date"), VAD_EXPECT_DATE);
	assert_true(vad_answer_incomplete(VAD_EXPECT_DATE, ""));
	assert_true(vad_answer_incomplete(VAD_EXPECT_DATE, "let me think"));
	assert_false(
	    vad_answer_incomplete(VAD_EXPECT_DATE, "next tuesday at ten"));
	assert_false(vad_answer_incomplete(VAD_EXPECT_DATE, "december third"));
	assert_false(
	    vad_answer_incomplete(VAD_EXPECT_DATE, "whatever is soonest"));
	/* a name: first and last, not mid-spelling */
	assert_true(vad_answer_incomplete(VAD_EXPECT_NAME, "john"));
	assert_false(vad_answer_incomplete(VAD_EXPECT_NAME, "john smith"));
	assert_true(vad_answer_incomplete(VAD_EXPECT_NAME, "smith s m"));
	/* a phone number: ten digits, "double" counting two */
	assert_int_equal(vad_expect_parse("digits"), VAD_EXPECT_DIGITS);
	assert_true(vad_answer_incomplete(
	    VAD_EXPECT_DIGITS, "five five five one two three"));
	assert_false(vad_answer_incomplete(VAD_EXPECT_DIGITS,
	    "five five five one two three four five six seven"));
	assert_false(vad_answer_incomplete(VAD_EXPECT_DIGITS,
	    "triple five one two three double four six seven"));
	/* a yes or no: one word is the whole answer (the decoder's search
	 * follows it, psd_hint, by its name) */
	assert_int_equal(vad_expect_parse("yesno"), VAD_EXPECT_YESNO);
	assert_false(vad_answer_incomplete(VAD_EXPECT_YESNO, ""));
	assert_string_equal(vad_expect_name(VAD_EXPECT_YESNO), "yesno");
	assert_string_equal(
	    vad_expect_name(vad_expect_parse("digits")), "digits");
	assert_string_equal(
	    vad_expect_name(vad_expect_parse("service")), "any");
	assert_int_equal(vad_expect_parse(NULL), VAD_EXPECT_ANY);
}

UNIT_MAIN(NULL, NULL, cmocka_unit_test(test_onset_and_endpoint),
    cmocka_unit_test(test_preroll), cmocka_unit_test(test_digits_pause),
    cmocka_unit_test(test_answer_incomplete),
    cmocka_unit_test(test_noise_and_force), cmocka_unit_test(test_noise_floor),
    cmocka_unit_test(test_upsample), cmocka_unit_test(test_downsample), )
