/*
 * flite_synth.h - telephone-faithful test speech for the recogniser's
 * tests and bench: flite renders text, a proper low-pass takes it to
 * 8 kHz, and a mu-law round trip makes it sound like the line.
 */
#ifndef STT_FLITE_SYNTH_H
#define STT_FLITE_SYNTH_H

#include <stddef.h>
#include <stdint.h>

/* voice: "kal", "slt", "awb", "rms".  Returns malloc'd 8 kHz PCM (*n
 * samples), NULL if the voice is unknown or synthesis failed. */
int16_t *flite_synth_8k(const char *voice, const char *text, size_t *n);
/* The same at another speaking rate: stretch 1 is the voice's own, 1.2
 * is 20 % slower, 0.9 faster. */
int16_t *flite_synth_8k_at(
    const char *voice, const char *text, double stretch, size_t *n);
/* 8 kHz PCM -> mu-law -> PCM, in place. */
void telephone_ulaw(int16_t *pcm, size_t n);
/* Downsample 16 kHz PCM to telephone 8 kHz + mu-law; malloc'd. */
int16_t *telephone_from_16k(const int16_t *pcm, size_t n, size_t *nout);

#endif
