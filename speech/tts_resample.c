/*
 * tts_resample.c - decimation by an integer factor with an anti-aliasing
 * FIR.  The filter is a windowed sinc (Kaiser, beta 8: about 80 dB of
 * stop-band) cut at 0.45 of the output rate, so for 16 kHz -> 8 kHz the
 * pass band reaches ~3 kHz and everything from ~4.2 kHz up is removed
 * before it could fold back into the telephone band.  Only every factor-th
 * output is computed, which is what a polyphase decimator saves.
 * Talks to no process.
 */
#include <math.h>
#include <string.h>

#include "speech/tts_resample.h"

#define KAISER_BETA 8.0
#define CUTOFF_OF_OUT_NYQUIST 0.9 /* 0.45 * out_rate */

static double bessel_i0(double x);
static int16_t clamp16(float v);

int
tts_resampler_init(struct tts_resampler *r, int in_rate, int out_rate)
{
	double fc, sum = 0, mid, x, w;
	int i;

	memset(r, 0, sizeof(*r));
	if (in_rate <= 0 || out_rate <= 0 || in_rate % out_rate != 0)
		return -1;
	r->factor = in_rate / out_rate;
	if (r->factor > TTS_RS_MAX_FACTOR)
		return -1;
	if (r->factor == 1)
		return 0;
	r->ntaps = TTS_RS_TAPS_PER_FACTOR * r->factor + 1;
	fc = CUTOFF_OF_OUT_NYQUIST * 0.5 /
	    r->factor; /* cycles per input sample */
	mid = (r->ntaps - 1) / 2.0;
	for (i = 0; i < r->ntaps; i++) {
		x = i - mid;
		w = bessel_i0(KAISER_BETA * sqrt(1.0 - (x / mid) * (x / mid))) /
		    bessel_i0(KAISER_BETA);
		r->taps[i] = (float)(w *
		    (x == 0 ? 2 * fc : sin(2 * M_PI * fc * x) / (M_PI * x)));
		sum += r->taps[i];
	}
	for (i = 0; i < r->ntaps; i++) /* unity gain at DC */
		r->taps[i] = (float)(r->taps[i] / sum);
	/* Start with a window of zeros so the first output is centred on
	 * the first input sample once the group delay is dropped. */
	r->nbuf = (size_t)r->ntaps - 1;
	r->skip = (r->ntaps - 1) / 2 / r->factor;
	r->phase = 0;
	return 0;
}

size_t
tts_resample_max_out(const struct tts_resampler *r, size_t n)
{
	return r->factor <= 1 ? n : n / (size_t)r->factor + 1;
}

size_t
tts_resample(struct tts_resampler *r, const int16_t *in, size_t n, int16_t *out)
{
	size_t done = 0, nout = 0, take, i, keep;
	const float *x;
	float acc;
	int k;

	if (r->factor <= 1) {
		memmove(out, in, n * sizeof(*in));
		return n;
	}
	keep = (size_t)r->ntaps - 1;
	while (done < n) {
		take = n - done < TTS_RS_BLOCK ? n - done : TTS_RS_BLOCK;
		for (i = 0; i < take; i++)
			r->buf[r->nbuf + i] = in[done + i];
		r->nbuf += take;
		done += take;
		/* buf[j .. j+ntaps-1] is the window ending at input sample j+keep */
		for (i = (size_t)r->phase; i + keep < r->nbuf;
		     i += (size_t)r->factor) {
			x = r->buf + i;
			acc = 0;
			for (k = 0; k < r->ntaps; k++)
				acc += x[k] * r->taps[k];
			if (r->skip > 0)
				r->skip--;
			else
				out[nout++] = clamp16(acc);
		}
		r->phase = (int)(i - (r->nbuf - keep));
		memmove(r->buf, r->buf + r->nbuf - keep, keep * sizeof(float));
		r->nbuf = keep;
	}
	return nout;
}

size_t
tts_resample_flush(struct tts_resampler *r, int16_t *out)
{
	int16_t zeros[TTS_RS_MAX_TAPS];
	size_t half;

	if (r->factor <= 1)
		return 0;
	half = (size_t)(r->ntaps - 1) / 2;
	memset(zeros, 0, sizeof(zeros));
	return tts_resample(r, zeros, half, out);
}

static double
bessel_i0(double x)
{
	double sum = 1, term = 1, q = x * x / 4;
	int k;

	for (k = 1; k < 50 && term > 1e-12 * sum; k++) {
		term *= q / ((double)k * k);
		sum += term;
	}
	return sum;
}

static int16_t
clamp16(float v)
{
	if (v > 32767.0f)
		return 32767;
	if (v < -32768.0f)
		return -32768;
	return (int16_t)lrintf(v);
}
