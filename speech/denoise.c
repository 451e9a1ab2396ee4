/*
 * denoise.c - the line's noise taken out before recognition (see
 * denoise.h).  Library code for stt-worker's engine and stt-bench; talks
 * to no process.
 *
 * Each 10 ms hop, the last 20 ms of input are windowed (square root of a
 * periodic Hann window, so that analysis and synthesis windows together
 * overlap-add to one at half overlap) and taken to the frequency domain
 * by a plain 160-point DFT (81 bins of 50 Hz; at 100 windows a second the
 * O(N^2) transform is a few million multiplications a second per call,
 * and it needs no FFT library).  Per bin:
 *
 * - the noise power is the mean of the first windows (the line before the
 *   caller talks), then follows windows whose total power is within 3 dB
 *   of the noise (the pauses), and any bin that falls below it; when no
 *   pause has come for 1.5 s the noise may have risen, and the minimum of
 *   the smoothed power over the last half second lifts it;
 * - the gain is Wiener's, xi / (1 + xi), from the decision-directed a
 *   priori SNR xi (Ephraim and Malah's smoothing of the last window's
 *   clean estimate with this window's excess power), never below the
 *   floor: a floor keeps the residual noise steady instead of the tonal
 *   "musical" bursts that full subtraction leaves, which the recogniser
 *   would hear as sounds.
 */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "speech/denoise.h"

#define DN_INIT 10 /* windows averaged for the first estimate */
#define DN_NOISE_SNR 2.0f /* a window this close to the noise is noise */
#define DN_ALPHA 0.9f /* the noise estimate's smoothing */
#define DN_DD 0.98f /* decision-directed smoothing */
#define DN_SPAN 50 /* windows of a minimum-statistics span */
#define DN_STALE 100 /* windows without a pause: the noise may have risen */
#define DN_RISE                                                                \
	4.0f /* ... and a minimum this far over the noise is a
			  noisier line */
#define DN_MIN_BIAS                                                            \
	1.5f /* a minimum of the smoothed power under-reads the
				 mean noise by about this much */
#define DN_FLOOR_DB -10.0
#define DN_CLEAN_DB -60.0 /* a line whose noise is below this is clean */

static float win[DN_WIN]; /* sqrt periodic Hann */
static float cs[DN_WIN], sn[DN_WIN]; /* cos, sin of 2 pi i / DN_WIN */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void
tables(void)
{
	int i;

	for (i = 0; i < DN_WIN; i++) {
		win[i] = (float)sqrt(0.5 - 0.5 * cos(2 * M_PI * i / DN_WIN));
		cs[i] = (float)cos(2 * M_PI * i / DN_WIN);
		sn[i] = (float)sin(2 * M_PI * i / DN_WIN);
	}
}

void
denoise_init(struct denoise *d, double floor_db)
{
	int k;

	pthread_once(&tables_once, tables);
	memset(d, 0, sizeof(*d));
	if (floor_db >= 0)
		floor_db = DN_FLOOR_DB;
	d->floor_gain = (float)pow(10.0, floor_db / 20.0);
	for (k = 0; k < DN_BINS; k++)
		d->smin[k] = d->smin1[k] = d->smin2[k] = d->snext[k] = 1e30f;
}

/* The noise power of bin k as the gains use it: a digitally silent line
 * still has a floor. */
static float
noise_at(const struct denoise *d, int k)
{
	return d->noise[k] > 1.0f ? d->noise[k] : 1.0f;
}

/* Follow the noise in this window's power p (see the top of the file). */
static void
track_noise(struct denoise *d, const float *p)
{
	float sp = 0, sn_ = 0, sm = 0;
	int k;

	if (d->frames < DN_INIT) {
		for (k = 0; k < DN_BINS; k++)
			d->noise[k] = (d->noise[k] * (float)d->frames + p[k]) /
			    (float)(d->frames + 1);
		return;
	}
	for (k = 0; k < DN_BINS; k++) {
		sp += p[k];
		sn_ += noise_at(d, k);
		d->smooth[k] = 0.8f * d->smooth[k] + 0.2f * p[k];
		if (d->smooth[k] < d->snext[k])
			d->snext[k] = d->smooth[k];
	}
	if (++d->span == DN_SPAN) {
		/* the minimum over this span and the two before it */
		for (k = 0; k < DN_BINS; k++) {
			d->smin[k] = d->snext[k];
			if (d->smin1[k] < d->smin[k])
				d->smin[k] = d->smin1[k];
			if (d->smin2[k] < d->smin[k])
				d->smin[k] = d->smin2[k];
			d->smin2[k] = d->smin1[k];
			d->smin1[k] = d->snext[k];
			d->snext[k] = 1e30f;
		}
		d->span = 0;
	}
	if (sp < DN_NOISE_SNR * sn_) {
		d->quiet_run = 0;
		for (k = 0; k < DN_BINS; k++)
			d->noise[k] =
			    DN_ALPHA * d->noise[k] + (1 - DN_ALPHA) * p[k];
		return;
	}
	for (k = 0; k < DN_BINS; k++)
		if (p[k] < d->noise[k])
			d->noise[k] =
			    DN_ALPHA * d->noise[k] + (1 - DN_ALPHA) * p[k];
	if (++d->quiet_run < DN_STALE)
		return;
	/* no pause for a long time: if even the quietest moments of the
	 * last 1.5 s are well over the noise, in all bands, the line got
	 * noisier (words leave gaps: their minimum stays near the noise) */
	for (k = 0; k < DN_BINS; k++)
		sm += d->smin[k] < 1e29f ? d->smin[k] : 0;
	if (sm > DN_RISE * sn_)
		for (k = 0; k < DN_BINS; k++)
			if (d->smin[k] < 1e29f &&
			    DN_MIN_BIAS * d->smin[k] > d->noise[k])
				d->noise[k] = DN_MIN_BIAS * d->smin[k];
	d->quiet_run = 0;
}

/* One window: d->in to the frequency domain, the gains, back, and its
 * share overlap-added into d->ola; the first DN_HOP samples of d->ola are
 * then complete and move to d->out. */
static void
hop(struct denoise *d)
{
	float x[DN_WIN], re[DN_BINS], im[DN_BINS], p[DN_BINS], g, gamma, xi;
	float y, v;
	int n, k, clean;

	for (n = 0; n < DN_WIN; n++)
		x[n] = d->in[n] * win[n];
	for (k = 0; k < DN_BINS; k++) {
		float r = 0, i = 0;
		for (n = 0; n < DN_WIN; n++) {
			int a = (k * n) % DN_WIN;
			r += x[n] * cs[a];
			i -= x[n] * sn[a];
		}
		re[k] = r;
		im[k] = i;
		p[k] = r * r + i * i;
	}
	track_noise(d, p);
	d->frames++;
	/* a quiet line is left as it is: there is nothing to take out, and
	 * the gains would only bend the words */
	clean = denoise_noise_db(d) < DN_CLEAN_DB;
	for (k = 0; k < DN_BINS && !clean; k++) {
		float nz = noise_at(d, k);
		gamma = p[k] / nz;
		xi = DN_DD * d->prev[k] / nz +
		    (1 - DN_DD) * (gamma > 1 ? gamma - 1 : 0);
		g = xi / (1 + xi);
		if (g < d->floor_gain)
			g = d->floor_gain;
		d->prev[k] = g * g * p[k];
		re[k] *= g;
		im[k] *= g;
	}
	/* the inverse of a real signal's spectrum: bins 1..79 stand for
	 * their mirror images too */
	for (n = 0; n < DN_WIN; n++) {
		y = re[0] + ((n & 1) ? -re[DN_BINS - 1] : re[DN_BINS - 1]);
		for (k = 1; k < DN_BINS - 1; k++) {
			int a = (k * n) % DN_WIN;
			y += 2 * (re[k] * cs[a] - im[k] * sn[a]);
		}
		d->ola[n] += y / DN_WIN * win[n];
	}
	for (n = 0; n < DN_HOP; n++) {
		v = d->ola[n];
		d->out[n] = (int16_t)(v > 32767 ? 32767
		        : v < -32768            ? -32768
		                                : lrintf(v));
	}
	memmove(d->ola, d->ola + DN_HOP, (DN_WIN - DN_HOP) * sizeof(float));
	memset(d->ola + DN_WIN - DN_HOP, 0, DN_HOP * sizeof(float));
	d->nout = DN_HOP;
	d->pos = 0;
}

void
denoise_run(struct denoise *d, const int16_t *in, int16_t *out, size_t n)
{
	size_t i;
	int16_t s;

	for (i = 0; i < n; i++) {
		s = in[i];
		/* a sample out for each in: the last hop's output */
		out[i] = d->pos < d->nout ? d->out[d->pos++] : 0;
		d->in[DN_WIN - DN_HOP + d->nin] = (float)s;
		if (++d->nin == DN_HOP) {
			d->nin = 0;
			hop(d);
			memmove(d->in, d->in + DN_HOP,
			    (DN_WIN - DN_HOP) * sizeof(float));
		}
	}
}

double
denoise_noise_db(const struct denoise *d)
{
	double e = 0;
	int k;

	if (d->frames == 0)
		return -100;
	for (k = 0; k < DN_BINS; k++)
		e += (k == 0 || k == DN_BINS - 1 ? 1 : 2) * d->noise[k];
	/* Parseval over the window, whose squares sum to DN_WIN / 2 */
	e /= (double)DN_WIN * (DN_WIN / 2.0) * 32768.0 * 32768.0;
	return e > 1e-10 ? 10 * log10(e) : -100;
}
