/*
 * agent_voice.h - the agent's side of the line, offline: a reply goes
 * through the tts-worker's own steps (tts_split into segments,
 * tts_normalize with the config's pronunciations, the flite engine with
 * tts.voice at 8 kHz, tts_pipe's silence trim and 20 ms mu-law frames),
 * so the audio is what callsim receives on the Media Stream, with a mark
 * position after every segment.  For callsim-hearbench; talks to no
 * process.
 */
#ifndef CALLSIM_AGENT_VOICE_H
#define CALLSIM_AGENT_VOICE_H

#include <stddef.h>
#include <stdint.h>
#include <libconfig.h>

struct agent_audio {
	uint8_t *ulaw; /* mu-law 8 kHz, whole 160-byte frames */
	size_t n, cap;
	size_t *marks; /* byte offsets where a segment ended */
	size_t nmarks, mcap;
	char *spoken; /* the normalised text of every segment */
};

/* cfg: tts.voice, tts.rate (NULL: defaults).  The pronunciations are
 * agent_lines_init's. */
int agent_voice_init(const config_t *cfg, char *err, size_t errlen);
void agent_voice_fini(void);
/* Append the reply text to a.  0, or -1 with err. */
int agent_voice_say(
    const char *text, struct agent_audio *a, char *err, size_t errlen);
/* A mark position at the end of what a holds (a clear).  0 or -1. */
int agent_audio_cut(struct agent_audio *a);
void agent_audio_free(struct agent_audio *a);

#endif
