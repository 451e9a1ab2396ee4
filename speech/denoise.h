/*
 * denoise.h - a streaming noise suppressor for 8 kHz telephone audio, run
 * on a caller's line before the VAD and the recogniser.
 *
 * The acoustic model was trained on clean wideband speech: steady line
 * noise 20 dB below the voice fills the upper telephone band, where the
 * fricatives of "six", "seven" and "zero" live, and the model hears them
 * as other digits.  The suppressor estimates the line's noise spectrum
 * from the frames between words and takes it out of each 20 ms window
 * with a Wiener gain (decision-directed a priori SNR, a floor on the
 * gain), overlap-added at a 10 ms hop.  Output lags input by DN_WIN
 * samples (one 20 ms frame); a line whose noise is below -60 dBFS is
 * clean and passes unchanged.
 */
#ifndef SPEECH_DENOISE_H
#define SPEECH_DENOISE_H

#include <stddef.h>
#include <stdint.h>

#define DN_WIN 160 /* analysis window, samples (20 ms) */
#define DN_HOP 80 /* hop, samples (10 ms): also the output's delay */
#define DN_BINS (DN_WIN / 2 + 1)

struct denoise {
	float in[DN_WIN]; /* the last DN_WIN input samples */
	size_t nin; /* input samples since the last hop */
	float ola[DN_WIN]; /* overlap-add of the windows processed */
	int16_t out[DN_HOP]; /* output ready, not yet taken */
	size_t nout; /* samples in out */
	size_t pos; /* of them already taken */
	float noise[DN_BINS]; /* the noise power per bin */
	float prev[DN_BINS]; /* last window's clean power estimate */
	float smin[DN_BINS]; /* minimum of the smoothed power, 1.5 s */
	float smin1[DN_BINS], smin2[DN_BINS]; /* ... of the last two spans */
	float snext[DN_BINS]; /* ... of the span being gathered */
	float smooth[DN_BINS]; /* smoothed power */
	unsigned frames; /* windows processed */
	unsigned quiet_run; /* windows since a window was noise */
	unsigned span; /* windows into the minimum's span */
	float floor_gain; /* the least a bin is let through */
};

/* A suppressor for a new line (floor_db: the gain floor in dB, < 0, e.g.
 * -20; 0 for the built-in value). */
void denoise_init(struct denoise *d, double floor_db);
/* Feed n samples; out gets n samples, the input of DN_WIN samples before
 * with the noise taken out (the first DN_WIN are silence).  in and out
 * may be the same buffer. */
void denoise_run(struct denoise *d, const int16_t *in, int16_t *out, size_t n);
/* The line's noise level estimated so far, dB of full scale (-100 when
 * nothing was heard). */
double denoise_noise_db(const struct denoise *d);

#endif
