/*
 * voice.h - the caller's mouth and ears: speaks scenario lines through the
 * tts-worker's flite engine (8 kHz PCM -> mu-law, as a phone sends it) and
 * transcribes the agent's replies with ear.c (the local engine's model)
 * over a language model built from heard_corpus.txt.
 * Shared by every call in the process; each function is thread-safe.
 */
#ifndef CALLSIM_VOICE_H
#define CALLSIM_VOICE_H

#include <stddef.h>
#include <stdint.h>

/* corpus: LM corpus for hearing (NULL: stock model). */
int voice_init(const char *corpus, char *err, size_t errlen);
void voice_fini(void);
/* Synthesise text as mu-law 8 kHz into a malloc'd buffer (*out, *n; a
 * whole number of 160-byte frames).  0 or -1 with err. */
int voice_say(const char *voice, const char *text, uint8_t **out, size_t *n,
    char *err, size_t errlen);
/* Transcribe 8 kHz PCM into text ("" if nothing).  cuts (ascending
 * offsets, may be NULL/0) split it into pieces heard one by one (the
 * agent's TTS segments) and joined with spaces.  0 or -1. */
int voice_hear(const int16_t *pcm, size_t n, const size_t *cuts, size_t ncuts,
    char *text, size_t len);
/* Put the caller's audio (mu-law, whole frames) through a telephone line:
 * speaking rate, level, white noise at an SNR, lost frames (line silence),
 * drawn from seed so a scenario sounds the same every run.  *u and *n
 * may be replaced.  0 or -1 (out of memory). */
struct line_cond;
int voice_line(
    const struct line_cond *l, unsigned seed, uint8_t **u, size_t *n);
/* 1 if a mu-law frame carries speech rather than line silence. */
int voice_frame_voiced(const uint8_t *ulaw, size_t n);

#endif
