/*
 * tts_resample_test.c - the 16 kHz -> 8 kHz decimator keeps the voice
 * band and removes what would alias; the output pipe trims silence and
 * frames without gaps.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "speech/tts_pipe.h"
#include "speech/tts_resample.h"
#include "tests/harness/unit.h"

#define IN_RATE 16000
#define N_IN 16000

/* RMS of the output for a tone of f Hz at amplitude 10000, fed in uneven
 * chunks, skipping the edges. */
static double
tone_rms(double f, int rate_in, int rate_out, size_t *nout_total)
{
	struct tts_resampler r;
	int16_t *in, *out;
	size_t i, n = 0, at = 0, take, lo, hi;
	double sum = 0;

	assert_int_equal(tts_resampler_init(&r, rate_in, rate_out), 0);
	in = malloc(N_IN * sizeof(*in));
	out = malloc((N_IN + 256) * sizeof(*out));
	for (i = 0; i < N_IN; i++)
		in[i] = (int16_t)lrint(10000 * sin(2 * M_PI * f * i / rate_in));
	while (at < N_IN) {
		take = 1 + (at * 7) % 333; /* odd chunk sizes */
		if (take > N_IN - at)
			take = N_IN - at;
		n += tts_resample(&r, in + at, take, out + n);
		at += take;
	}
	n += tts_resample_flush(&r, out + n);
	*nout_total = n;
	lo = n / 10;
	hi = n - n / 10;
	for (i = lo; i < hi; i++)
		sum += (double)out[i] * out[i];
	free(in);
	free(out);
	return sqrt(sum / (double)(hi - lo));
}

static void
test_passband(void **state)
{
	double ref = 10000 / sqrt(2), db;
	size_t n;

	(void)state;
	db = 20 * log10(tone_rms(1000, IN_RATE, 8000, &n) / ref);
	assert_int_equal(n, N_IN / 2); /* exact length, delay removed */
	assert_true(fabs(db) < 0.2);
	db = 20 * log10(tone_rms(2500, IN_RATE, 8000, &n) / ref);
	assert_true(fabs(db) < 1.0);
}

static void
test_stopband(void **state)
{
	double ref = 10000 / sqrt(2), db;
	size_t n;

	(void)state;
	db = 20 * log10(tone_rms(6000, IN_RATE, 8000, &n) / ref + 1e-9);
	assert_true(db < -40);
	db = 20 * log10(tone_rms(4600, IN_RATE, 8000, &n) / ref + 1e-9);
	assert_true(db < -40);
	/* 48 kHz -> 8 kHz too */
	db = 20 * log10(tone_rms(10000, 48000, 8000, &n) / ref + 1e-9);
	assert_true(db < -40);
}

static void
test_alignment(void **state)
{
	struct tts_resampler r;
	int16_t in[64] = {0}, out[64 + TTS_RS_MAX_TAPS];
	size_t n, i, peak = 0;

	(void)state;
	/* an impulse at input 20 comes out at output 10 */
	in[20] = 20000;
	tts_resampler_init(&r, 16000, 8000);
	n = tts_resample(&r, in, 64, out);
	n += tts_resample_flush(&r, out + n);
	assert_int_equal(n, 32);
	for (i = 0; i < n; i++)
		if (abs(out[i]) > abs(out[peak]))
			peak = i;
	assert_int_equal(peak, 10);
}

static void
test_bad_rates(void **state)
{
	struct tts_resampler r;
	int16_t in[10] = {1, 2, 3}, out[10];

	(void)state;
	assert_int_equal(tts_resampler_init(&r, 22050, 8000), -1);
	assert_int_equal(tts_resampler_init(&r, 96000, 8000), -1);
	assert_int_equal(tts_resampler_init(&r, 8000, 8000), 0);
	assert_int_equal(tts_resample(&r, in, 10, out), 10);
	assert_int_equal(out[2], 3);
	assert_int_equal(tts_resample_flush(&r, out), 0);
}

/* ---- output pipe ---- */

struct sink {
	size_t frames;
	int16_t pcm[40000];
	int stop_after;
};

static int
collect(void *arg, const uint8_t *ulaw, size_t n)
{
	struct sink *s = arg;

	assert_int_equal(n, FD_FRAME_SAMPLES);
	fd_ulaw_decode_buf(ulaw, s->pcm + s->frames * n, n);
	s->frames++;
	return s->stop_after && (int)s->frames >= s->stop_after;
}

static void
test_pipe_trim(void **state)
{
	static struct sink s;
	struct tts_pipe p;
	int16_t pcm[16000];
	size_t i;

	(void)state;
	/* 0.5 s quiet, 0.3 s tone, 0.1 s pause, 0.3 s tone, 0.8 s quiet */
	memset(pcm, 0, sizeof(pcm));
	for (i = 4000; i < 6400; i++)
		pcm[i] = (int16_t)(8000 * sin(i * 0.7));
	for (i = 7200; i < 9600; i++)
		pcm[i] = (int16_t)(8000 * sin(i * 0.7));
	for (i = 0; i < 16000; i += 40)
		pcm[i] += 30; /* low noise is still silence */
	memset(&s, 0, sizeof(s));
	tts_pipe_init(&p, collect, &s);
	for (i = 0; i < 16000; i += 123)
		tts_pipe_push(&p, pcm + i, 16000 - i < 123 ? 16000 - i : 123);
	tts_pipe_finish(&p);
	/* 50 ms + 300 + 100 + 300 + 50 ms = 6400 samples = 40 frames */
	assert_int_equal(s.frames, 40);
	/* the first loud sample sits 50 ms in */
	for (i = 0; i < 6400 && abs(s.pcm[i]) <= TTS_TRIM_LEVEL; i++)
		;
	assert_true(i >= 395 && i <= 405);
	assert_int_equal(p.samples_in, 16000);
}

static void
test_pipe_stop(void **state)
{
	static struct sink s;
	struct tts_pipe p;
	int16_t pcm[3200];
	size_t i;

	(void)state;
	for (i = 0; i < 3200; i++)
		pcm[i] = (int16_t)(8000 * sin(i * 0.3));
	memset(&s, 0, sizeof(s));
	s.stop_after = 3;
	tts_pipe_init(&p, collect, &s);
	assert_int_equal(tts_pipe_push(&p, pcm, 3200), 1);
	assert_int_equal(s.frames, 3);
	assert_int_equal(tts_pipe_finish(&p), 1);
	assert_int_equal(s.frames, 3);
}

static void
test_pipe_all_quiet(void **state)
{
	static struct sink s;
	struct tts_pipe p;
	int16_t pcm[8000] = {0};

	(void)state;
	memset(&s, 0, sizeof(s));
	tts_pipe_init(&p, collect, &s);
	tts_pipe_push(&p, pcm, 8000);
	tts_pipe_finish(&p);
	assert_int_equal(s.frames, 0);
}

UNIT_MAIN(NULL, NULL, cmocka_unit_test(test_passband),
    cmocka_unit_test(test_stopband), cmocka_unit_test(test_alignment),
    cmocka_unit_test(test_bad_rates), cmocka_unit_test(test_pipe_trim),
    cmocka_unit_test(test_pipe_stop), cmocka_unit_test(test_pipe_all_quiet), )
