/*
 * resample.h - the 8 kHz <-> 16 kHz conversions the recogniser needs.
 *
 * The acoustic model is trained on 16 kHz speech, callers arrive at 8 kHz.
 * Zero insertion (no low-pass) mirrors the 0-4 kHz band into 4-8 kHz, which
 * is what makes the wideband model work on telephone audio; the low-pass
 * interpolator is kept to measure against.  The half-band decimator turns
 * 16 kHz test material into faithful telephone audio.
 */
#ifndef STT_RESAMPLE_H
#define STT_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

/* out gets 2n samples: in[i] * gain, then a zero.  Stateless, so it can run
 * on arbitrary chunks of a stream. */
void stt_up_zero(const int16_t *in, size_t n, int16_t *out, double gain);
/* out gets 2n samples: windowed-sinc interpolation (cut-off 4 kHz) over the
 * whole buffer. */
void stt_up_lowpass(const int16_t *in, size_t n, int16_t *out);
/* 16 kHz -> 8 kHz with a 3.6 kHz low-pass; out gets n/2 samples. */
size_t stt_down_half(const int16_t *in, size_t n, int16_t *out);

#endif
