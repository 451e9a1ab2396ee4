/*
 * vad.h - energy voice activity detection and endpointing on 20 ms frames
 * of 8 kHz audio, one per call.  Decides when the caller starts talking
 * (within start_frames frames: this drives barge-in), pauses, resumes, and
 * when the utterance is over (endpoint), with a longer endpoint when the
 * caller is likely mid-answer (reading digits, saying a date or a name).
 * Keeps a short pre-roll so the first phoneme reaches the decoder.
 * Pure state machine: the pocketsphinx engine drives it, tests feed it.
 */
#ifndef STT_VAD_H
#define STT_VAD_H

#include <stddef.h>
#include <stdint.h>

#define VAD_FRAME 160 /* samples per frame, 20 ms at 8 kHz */
#define VAD_FRAME_MS 20
#define VAD_MAX_PREROLL 32 /* frames */

struct vad_cfg {
	double start_db; /* frame level (dBFS) that can start speech */
	double stop_db; /* below this a frame counts as silence */
	double snr_db; /* and start needs this much over the noise
	                         * floor (0 = fixed thresholds only) */
	int start_frames; /* consecutive loud frames to declare speech */
	int min_speech_ms; /* voiced time below this is noise */
	int stopped_ms; /* silence before SPEECH_STOPPED */
	int endpoint_ms; /* silence that ends an utterance */
	int long_endpoint_ms; /* the same when a pause is likely mid-answer */
	int short_endpoint_ms; /* the same when the answer is whole */
	int preroll_ms; /* audio kept from before the onset */
	int max_utt_ms; /* an utterance is cut here */
};

enum vad_event {
	VAD_NONE = 0,
	VAD_START, /* speech began: a new utterance */
	VAD_RESUME, /* speech again after VAD_STOPPED, same utt */
	VAD_STOPPED, /* speech paused (not yet the endpoint) */
	VAD_END, /* endpoint: the utterance is complete */
	VAD_DISCARD, /* endpoint, but too short to be speech */
};

struct vad {
	struct vad_cfg cfg;
	int in_utt; /* between START and END/DISCARD */
	int talking; /* in_utt and not paused */
	int loud_run; /* consecutive frames over the start level */
	int silence_run; /* consecutive silent frames in an utterance */
	int voiced; /* voiced frames in this utterance */
	int long_pause; /* set by the engine: use long_endpoint_ms */
	int short_pause; /* set by the engine: use short_endpoint_ms
				   (long_pause wins) */
	uint32_t frame; /* frames seen (the stream's audio clock) */
	uint32_t onset; /* first frame of the utterance */
	uint32_t last_voiced; /* last voiced frame */
	uint64_t last_voiced_us; /* its arrival time */
	double floor_db; /* noise floor estimate */
	double level_db; /* last frame's level */
	int16_t ring[VAD_MAX_PREROLL][VAD_FRAME];
	uint32_t ring_n; /* frames ever pushed into the ring */
};

/* Defaults: start -40 dBFS, stop -47, snr 10, start 2 frames, min speech
 * 120 ms, stopped 200 ms, endpoint 400 / long 1000 / short 180 ms,
 * pre-roll 200 ms, max 15 s. */
void vad_defaults(struct vad_cfg *c);
void vad_init(struct vad *v, const struct vad_cfg *c);
/* Process one frame (n <= VAD_FRAME samples, arriving at arrival_us). */
enum vad_event vad_frame(
    struct vad *v, const int16_t *pcm, size_t n, uint64_t arrival_us);
/* End the current utterance now (DTMF, call end): END, DISCARD, or NONE
 * when no utterance is open. */
enum vad_event vad_force_end(struct vad *v);
/* After VAD_START: the pre-roll and onset frames, oldest first, into out
 * (cap samples). Returns the sample count. */
size_t vad_preroll(const struct vad *v, int16_t *out, size_t cap);

/* 1 if a (partial) hypothesis ends where callers pause mid-answer: a
 * digit word, "and", "uh", "on the": the engine then sets long_pause. */
int vad_ends_mid_answer(const char *text);

/* What the agent's last question asks for (its STT hint). */
enum vad_expect {
	VAD_EXPECT_ANY = 0,
	VAD_EXPECT_DATE,
	VAD_EXPECT_NAME,
	VAD_EXPECT_DIGITS,
	VAD_EXPECT_YESNO,
	VAD_EXPECT_SPELL,
	VAD_EXPECT_TIME, /* the decoder searches these with the LM */
	VAD_EXPECT_SERVICE
};
enum vad_expect vad_expect_parse(const char *s);
/* The hint's name as the decoder takes it (psd_hint): "any", "date"... */
const char *vad_expect_name(enum vad_expect e);
/* 1 while a (partial) hypothesis does not yet hold what was asked for: no
 * day or date word for a date, one word for a full name or a spelled
 * letter last, fewer than ten digits for a number.  Until then a pause is
 * the caller thinking, so the engine keeps the long endpoint; once the
 * answer is there the turn ends at the normal one. */
int vad_answer_incomplete(enum vad_expect e, const char *text);

/* The silence that ends the utterance now (long_pause, short_pause or
 * the default), ms. */
int vad_endpoint_ms(const struct vad *v);

/* Stream clock helpers, ms. */
uint32_t vad_onset_ms(const struct vad *v);
uint32_t vad_speech_end_ms(const struct vad *v); /* after last voiced */
double vad_frame_db(const int16_t *pcm, size_t n);

#endif
