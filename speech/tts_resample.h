/*
 * tts_resample.h - integer-ratio down-sampling of 16-bit PCM (16 kHz or
 * 24/48 kHz engine output down to the 8 kHz telephone rate) through a
 * Kaiser-windowed-sinc low-pass, computed only at the kept output
 * instants.  Streaming: feed chunks of any size, then flush once.
 * Pure computation; used by the TTS engines and their tests.
 */
#ifndef FD_TTS_RESAMPLE_H
#define FD_TTS_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#define TTS_RS_MAX_FACTOR 6
#define TTS_RS_TAPS_PER_FACTOR 32 /* filter length per unit of ratio */
#define TTS_RS_MAX_TAPS (TTS_RS_TAPS_PER_FACTOR * TTS_RS_MAX_FACTOR + 1)
#define TTS_RS_BLOCK 512 /* input samples worked on at once */

struct tts_resampler {
	int factor; /* in_rate / out_rate; 1 = copy */
	int ntaps; /* odd: linear phase, integer group delay */
	int phase; /* input samples until the next kept one */
	int skip; /* output samples still to drop (filter delay) */
	size_t nbuf; /* samples held in buf */
	float taps[TTS_RS_MAX_TAPS];
	float buf[TTS_RS_MAX_TAPS + TTS_RS_BLOCK];
};

/* 0, or -1 if out_rate does not divide in_rate or the ratio is too large. */
int tts_resampler_init(struct tts_resampler *r, int in_rate, int out_rate);
/* Worst-case output count for n input samples (size out for this). */
size_t tts_resample_max_out(const struct tts_resampler *r, size_t n);
/* Filter n samples; returns the number written to out. */
size_t tts_resample(
    struct tts_resampler *r, const int16_t *in, size_t n, int16_t *out);
/* Push the filter's tail out (at most ntaps/factor samples). */
size_t tts_resample_flush(struct tts_resampler *r, int16_t *out);

#endif
