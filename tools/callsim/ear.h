/*
 * ear.h - callsim's speech recogniser for the agent's audio: the local
 * engine's model and 8 kHz front end (zero insertion to 16 kHz, as
 * stt-worker's ps8k) on a language model built from a corpus.  Every
 * utterance starts from the model's own cepstral mean, so what callsim
 * hears from some audio does not depend on what it heard before (ps8k's
 * live mean carries over from one utterance to the next).  Not
 * thread-safe: one caller at a time per ear.
 */
#ifndef CALLSIM_EAR_H
#define CALLSIM_EAR_H

#include <stddef.h>
#include <stdint.h>

/* How the cepstral mean is found for an utterance. */
enum ear_cmn {
	EAR_CMN_BATCH = 0, /* over the whole utterance (feat.params') */
	EAR_CMN_RESET, /* live, from the model's -cmninit each time:
				   best on short pieces (callsim uses it) */
	EAR_CMN_CARRY, /* live, carried over (what ps8k does) */
};

struct ear;

/* corpus: text file of sentences for the LM (NULL: stock en-us LM).
 * pad_ms: quiet put before and after every utterance (the agent's audio
 * starts 50 ms before its first word; the model wants more). */
struct ear *ear_open(
    const char *corpus, enum ear_cmn cmn, int pad_ms, char *err, size_t errlen);
/* Decode 8 kHz PCM; text gets the hypothesis ("" if none).  0 or -1. */
int ear_decode(
    struct ear *e, const int16_t *pcm, size_t n, char *text, size_t len);
/* A reply cut into pieces at cuts (ascending offsets into pcm, may be
 * NULL/0: one piece), each decoded alone and the texts joined with
 * spaces, so no phrase is lost across pieces and no piece's words bleed
 * into the next.  A piece under 200 ms goes with the next.  0 or -1. */
int ear_hear(struct ear *e, const int16_t *pcm, size_t n, const size_t *cuts,
    size_t ncuts, char *text, size_t len);
void ear_close(struct ear *e);

#endif
