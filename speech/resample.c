/*
 * resample.c - 8k/16k conversions for the recogniser (see resample.h).
 * Pure functions; no process talks to this file directly.
 */
#include <math.h>

#include "speech/resample.h"

#define TAPS 63 /* odd, linear phase */

static int16_t
clip16(double v)
{
	if (v > 32767.0)
		return 32767;
	if (v < -32768.0)
		return -32768;
	return (int16_t)lrint(v);
}

/* Hann-windowed sinc low-pass at fc (fraction of the sample rate). */
static void
design(double *h, double fc, double gain)
{
	int i, m = TAPS / 2;
	double sum = 0;

	for (i = 0; i < TAPS; i++) {
		double x = i - m;
		double s =
		    x == 0 ? 2 * fc : sin(2 * M_PI * fc * x) / (M_PI * x);
		double w = 0.5 - 0.5 * cos(2 * M_PI * i / (TAPS - 1));
		h[i] = s * w;
		sum += h[i];
	}
	for (i = 0; i < TAPS; i++)
		h[i] *= gain / sum;
}

void
stt_up_zero(const int16_t *in, size_t n, int16_t *out, double gain)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = clip16(in[i] * gain);
		out[2 * i + 1] = 0;
	}
}

void
stt_up_lowpass(const int16_t *in, size_t n, int16_t *out)
{
	double h[TAPS];
	size_t i, len = 2 * n;
	int k, m = TAPS / 2;

	/* gain 2 restores the level lost to the inserted zeros */
	design(h, 0.25, 2.0);
	for (i = 0; i < len; i++) {
		double acc = 0;
		for (k = 0; k < TAPS; k++) {
			long j = (long)i + m - k;
			/* only even positions of the zero-stuffed signal are
			 * non-zero */
			if (j < 0 || j >= (long)len || (j & 1))
				continue;
			acc += h[k] * in[j / 2];
		}
		out[i] = clip16(acc);
	}
}

size_t
stt_down_half(const int16_t *in, size_t n, int16_t *out)
{
	double h[TAPS];
	size_t i, nout = n / 2;
	int k, m = TAPS / 2;

	design(h, 3600.0 / 16000.0, 1.0);
	for (i = 0; i < nout; i++) {
		double acc = 0;
		for (k = 0; k < TAPS; k++) {
			long j = (long)(2 * i) + m - k;
			if (j >= 0 && j < (long)n)
				acc += h[k] * in[j];
		}
		out[i] = clip16(acc);
	}
	return nout;
}
