/*
 * tts_calls.h - tts-worker's per-call work: SAY text is split into
 * segments, normalised and queued per call; a pool of worker threads
 * synthesises the queues (one call at a time per thread, calls in
 * parallel) and publishes AUDIO_OUT frames, AUDIO_MARKs and TTS_ERRORs.
 * All functions except the workers' are called from the main thread.
 */
#ifndef FD_TTS_CALLS_H
#define FD_TTS_CALLS_H

#include <stdint.h>

#include "bus.h"
#include "speech/tts_engine.h"
#include "speech/tts_normalize.h"

/* Start nworkers threads synthesising with ops/eng and publishing on bus.
 * prons is used (not copied) until tts_calls_set_prons or stop. */
int tts_calls_start(struct fd_bus *bus, const struct tts_engine_ops *ops,
    void *eng, int nworkers, const struct tts_prons *prons);
/* Let the workers finish the segments queued (up to a few seconds),
 * cancel the rest, join the workers, free every call. */
void tts_calls_stop(void);
void tts_calls_set_prons(const struct tts_prons *prons);
/* Keep synthesised segments in cache (NULL: none; used, not owned, until
 * stop) under tag, the engine's settings that shape its output. */
struct tts_cache;
void tts_calls_set_cache(struct tts_cache *cache, const char *tag);
/* An engine that speaks a segment the main engine failed on before any of
 * its audio left (a vendor down, refusing or timing out), or NULL. */
void tts_calls_set_fallback(const struct tts_engine_ops *ops, void *eng);

void tts_call_start(const char *call_id);
void tts_call_end(const char *call_id, const char *reason);
/* A SAY: text for utterance utt (more may follow unless last); voice may
 * be NULL.  recv_us: fd_mono_us() when the frame arrived. */
void tts_say(const char *call_id, uint32_t utt, const char *text, int last,
    const char *voice, uint64_t recv_us);
/* Drop utterances <= utt: queued work goes, synthesis in flight stops
 * (and a held one's output is dropped). */
void tts_say_cancel(const char *call_id, uint32_t utt);
/* Hold utterance utt (not begun yet; called before its first tts_say):
 * its first segment is synthesised, but nothing it publishes leaves and
 * its later segments wait, until tts_say_release(utt) (which publishes
 * what was kept, in order, and lets the rest run) or a cancel. */
void tts_say_hold(const char *call_id, uint32_t utt);
void tts_say_release(const char *call_id, uint32_t utt);

/* Calls known, for tests and logs. */
int tts_calls_count(void);
/* Messages a call's held utterance keeps now (0: none or no call). */
int tts_call_held(const char *call_id);

#endif
