/*
 * tts_pipe.h - the path engine PCM takes to the gateway: trim long
 * leading and trailing silence (keeping ~50 ms), cut into 20 ms frames,
 * mu-law encode and hand each frame on as soon as it is full.  Pure
 * computation; tts-worker publishes the frames, tts-bench times them.
 */
#ifndef FD_TTS_PIPE_H
#define FD_TTS_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "mulaw.h"

#define TTS_TRIM_KEEP 400 /* 50 ms at 8 kHz kept around speech */
#define TTS_TRIM_LEVEL 300 /* |sample| above this is speech */
#define TTS_TRIM_HOLD 8000 /* silence held back waiting for speech */

/* Receives one mu-law frame (FD_FRAME_SAMPLES bytes); nonzero stops. */
typedef int (*tts_frame_cb)(void *arg, const uint8_t *ulaw, size_t n);

struct tts_pipe {
	tts_frame_cb on_frame;
	void *arg;
	int speech; /* a sample above the level has been seen */
	int stopped; /* on_frame asked to stop */
	size_t nlead; /* pre-speech samples in lead (ring) */
	size_t lead_at; /* next write position in lead */
	size_t nhold; /* quiet samples after speech, held back */
	size_t nframe; /* samples in frame */
	uint64_t frames; /* frames handed on */
	uint64_t samples_in; /* PCM samples received */
	int16_t lead[TTS_TRIM_KEEP];
	int16_t hold[TTS_TRIM_HOLD];
	int16_t frame[FD_FRAME_SAMPLES];
};

void tts_pipe_init(struct tts_pipe *p, tts_frame_cb on_frame, void *arg);
/* Feed engine PCM (8 kHz); nonzero if on_frame asked to stop. */
int tts_pipe_push(struct tts_pipe *p, const int16_t *pcm, size_t n);
/* End of the segment: the kept tail of silence, then the last frame padded
 * with silence.  Nonzero if on_frame asked to stop. */
int tts_pipe_finish(struct tts_pipe *p);

#endif
