/*
 * tts_engine.h - the table every speech-synthesis engine fills in.
 * tts-worker picks one by `tts.engine` (flite, deepgram, elevenlabs);
 * callsim uses the flite one to speak the caller's lines.
 */
#ifndef FD_TTS_ENGINE_H
#define FD_TTS_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <libconfig.h>

/* Receives 8 kHz mono 16-bit PCM as it is produced; return nonzero to
 * cancel the synthesis (barge-in). */
typedef int (*tts_pcm_cb)(void *arg, const int16_t *pcm, size_t n);

struct tts_engine_ops {
	const char *name;
	/* cfg may be NULL (defaults). */
	int (*init)(const config_t *cfg, void **eng, char *err, size_t errlen);
	void (*fini)(void *eng);
	/* Synthesise text with voice (NULL/"" = engine default).  Thread-safe
	 * across different calls.  0, 1 if cancelled by cb, -1 on error. */
	int (*synth)(void *eng, const char *voice, const char *text,
	    tts_pcm_cb cb, void *arg, char *err, size_t errlen);
};

extern const struct tts_engine_ops tts_engine_flite;
/* Find an engine by name, NULL if unknown. */
const struct tts_engine_ops *tts_engine_find(const char *name);

#endif
