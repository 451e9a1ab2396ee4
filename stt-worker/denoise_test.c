/*
 * denoise_test.c - the line's noise suppressor (speech/denoise.c) on
 * flite speech through mu-law: a clean line passes almost unchanged, white
 * line noise at 20 and 10 dB SNR comes out well below the speech, the
 * output lags the input by exactly one frame, the noise level it reports
 * is the one added, and a line that gets noisier mid-call is followed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "speech/denoise.h"
#include "tests/harness/flite_synth.h"
#include "tests/harness/unit.h"

#define LEAD 4000 /* half a second of line before the words */

struct rng {
	uint64_t s;
};

static double
gauss(struct rng *r)
{
	double u, v;

	r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
	u = ((r->s >> 11) + 1.0) / 9007199254740994.0;
	r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
	v = (r->s >> 11) / 9007199254740993.0;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* Speech with LEAD samples of silence before it and after it. */
static int16_t *
speech(const char *voice, const char *text, size_t *n)
{
	size_t k;
	int16_t *w = flite_synth_8k(voice, text, &k), *out;

	assert_non_null(w);
	out = calloc(k + 2 * LEAD, sizeof(*out));
	assert_non_null(out);
	memcpy(out + LEAD, w, k * sizeof(*w));
	free(w);
	*n = k + 2 * LEAD;
	return out;
}

/* The mean power of the words (samples LEAD .. n - LEAD). */
static double
word_power(const int16_t *s, size_t n)
{
	double e = 0;
	size_t i;

	for (i = LEAD; i < n - LEAD; i++)
		e += (double)s[i] * s[i];
	return e / (double)(n - 2 * LEAD);
}

/* s plus white noise snr_db below the words' power, from sample `from`
 * on, through mu-law; malloc'd. */
static int16_t *
noisy(const int16_t *s, size_t n, double snr_db, size_t from, uint64_t seed)
{
	struct rng r = {seed};
	double sd = sqrt(word_power(s, n) / pow(10, snr_db / 10)), v;
	int16_t *out = malloc(n * sizeof(*out));
	size_t i;

	assert_non_null(out);
	for (i = 0; i < n; i++) {
		v = s[i] + (i >= from ? sd * gauss(&r) : 0);
		out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
	telephone_ulaw(out, n);
	return out;
}

/* The whole of in through a new suppressor, lined up with in (the frame
 * of delay flushed with silence); malloc'd. */
static int16_t *
run(const int16_t *in, size_t n, struct denoise *d)
{
	int16_t *x = calloc(n + DN_WIN, sizeof(*x));
	int16_t *y = calloc(n + DN_WIN, sizeof(*y));

	assert_non_null(x);
	assert_non_null(y);
	memcpy(x, in, n * sizeof(*x));
	denoise_init(d, 0);
	/* in uneven pieces, as a line's frames need not be hops */
	denoise_run(d, x, y, 37);
	denoise_run(d, x + 37, y + 37, n + DN_WIN - 37);
	memmove(y, y + DN_WIN, n * sizeof(*y));
	free(x);
	return y;
}

/* The SNR of y against the clean reference s over the words, dB. */
static double
snr_db(const int16_t *s, const int16_t *y, size_t n)
{
	double es = 0, ee = 0, e;
	size_t i;

	for (i = LEAD; i < n - LEAD; i++) {
		e = (double)y[i] - s[i];
		es += (double)s[i] * s[i];
		ee += e * e;
	}
	return 10 * log10(es / (ee > 1 ? ee : 1));
}

static void
test_clean_passes(void **state)
{
	struct denoise d;
	size_t n;
	int16_t *s = speech("slt", "six seven zero, my name is steven", &n);
	int16_t *y = run(s, n, &d);
	size_t i;

	(void)state;

	/* the mu-law line alone is clean: the words come through as they
	 * were, to the rounding of the overlap-add */
	for (i = 0; i < n; i++)
		assert_true(abs(y[i] - s[i]) <= 1);
	assert_true(denoise_noise_db(&d) < -70);
	free(s);
	free(y);
}

/* The power of s over [from, to), dB. */
static double
power_db(const int16_t *s, size_t from, size_t to)
{
	double e = 0;
	size_t i;

	for (i = from; i < to; i++)
		e += (double)s[i] * s[i];
	return 10 * log10(e / (double)(to - from) + 1e-3);
}

static void
test_noise_taken_out(void **state)
{
	static const double snrs[] = {20, 10};
	struct denoise d;
	size_t n, k;
	int16_t *s = speech("kal", "five six seven, four four six one", &n);
	int16_t *x, *y;
	double want;

	(void)state;
	for (k = 0; k < 2; k++) {
		x = noisy(s, n, snrs[k], 0, 7 + k);
		y = run(x, n, &d);
		assert_true(fabs(snr_db(s, x, n) - snrs[k]) < 1.5);
		/* the line between words is much quieter than the noise
		 * that came in, down to about the gain floor */
		assert_true(power_db(y, LEAD / 2, LEAD) <
		    power_db(x, LEAD / 2, LEAD) - 7);
		/* the words keep their level */
		assert_true(fabs(power_db(y, LEAD, n - LEAD) -
		                power_db(x, LEAD, n - LEAD)) < 2);
		/* the estimate is the noise added: the words' power less
		 * the SNR */
		want =
		    10 * log10(word_power(s, n) / 32768.0 / 32768.0) - snrs[k];
		assert_true(fabs(denoise_noise_db(&d) - want) < 3);
		free(x);
		free(y);
	}
	free(s);
}

static void
test_delay_one_frame(void **state)
{
	struct denoise d;
	int16_t in[40 * DN_WIN], out[40 * DN_WIN];
	size_t i, first = 0, at = 20 * DN_WIN;

	(void)state;
	/* a tone burst on a silent line comes out DN_WIN samples later */
	memset(in, 0, sizeof(in));
	for (i = at; i < at + 4 * DN_WIN; i++)
		in[i] =
		    (int16_t)(8000 * sin(2 * M_PI * 1000 * (i - at) / 8000));
	denoise_init(&d, 0);
	denoise_run(&d, in, out, 40 * DN_WIN);
	for (i = 0; i < 40 * DN_WIN; i++)
		if (abs(out[i]) > 2000) {
			first = i;
			break;
		}
	assert_true(first >= at + DN_WIN && first <= at + DN_WIN + 4);
	/* and whole: the middle of the burst is the burst */
	assert_true(fabs(power_db(out, at + DN_WIN + 2 * DN_WIN,
	                     at + DN_WIN + 3 * DN_WIN) -
	                power_db(in, at + 2 * DN_WIN, at + 3 * DN_WIN)) < 0.5);
}

static void
test_noise_rises(void **state)
{
	struct denoise d;
	size_t n, i;
	int16_t *s, *x, *y, *w;
	double before, after;

	(void)state;
	/* a quiet line, the words, then a noisy line for the same words
	 * again: the estimate follows the noise up */
	s = speech("awb", "two eight four, nine nine one", &n);
	w = calloc(2 * n, sizeof(*w));
	assert_non_null(w);
	memcpy(w, s, n * sizeof(*s));
	memcpy(w + n, s, n * sizeof(*s));
	x = noisy(w, 2 * n, 15, n, 3);
	for (i = 0; i < n; i++)
		x[i] = w[i];
	y = run(x, n, &d);
	before = denoise_noise_db(&d);
	free(y);
	/* the whole line through one suppressor */
	y = run(x, 2 * n, &d);
	after = denoise_noise_db(&d);
	assert_true(after > before + 20);
	free(s);
	free(w);
	free(x);
	free(y);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean_passes),
	    cmocka_unit_test(test_noise_taken_out),
	    cmocka_unit_test(test_delay_one_frame),
	    cmocka_unit_test(test_noise_rises),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
