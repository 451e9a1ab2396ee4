/*
 * stt_engine.h - the table every speech-recognition engine fills in.
 * stt-worker picks one by `stt.engine` (pocketsphinx, deepgram).  A stream
 * is one call; the engine reports what it hears through callbacks, which
 * stt-worker turns into SPEECH_STARTED / SPEECH_STOPPED / TRANSCRIPT frames.
 */
#ifndef FD_STT_ENGINE_H
#define FD_STT_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <libconfig.h>

struct stt_result {
	const char *text;
	int final;
	/* an interim that is the speculative final: the decoder's final
	 * passes over everything said so far, while the endpoint silence
	 * runs; the final has these words unless the caller goes on */
	int stable;
	double confidence; /* 0..1 */
	uint32_t start_ms; /* stream audio clock */
	uint32_t end_ms;
	uint64_t speech_end_us; /* fd_mono_us() when speech ended (finals) */
	/* finals and stable interims, when the engine knows them (0: none): alternatives, best
	 * (text) first, and the words of text, each with a confidence 0..1 */
	size_t nalts;
	const char *const *alts;
	const double *alt_conf;
	size_t nwords;
	const char *const *words;
	const double *word_conf;
};

struct stt_events {
	void (*speech_started)(void *arg, uint32_t at_ms);
	void (*speech_stopped)(void *arg, uint32_t at_ms, uint32_t dur_ms);
	void (*result)(void *arg, const struct stt_result *r);
};

struct stt_engine_ops {
	const char *name;
	int (*init)(const config_t *cfg, void **eng, char *err, size_t errlen);
	/* Optional: the checks init makes of the config (values, files,
	 * keys) without loading anything; stt-worker -n runs them.  0 or -1
	 * with err set. */
	int (*check)(const config_t *cfg, char *err, size_t errlen);
	void (*fini)(void *eng);
	void *(*stream_open)(void *eng, const char *call_id,
	    const struct stt_events *ev, void *arg);
	/* mu-law 8 kHz as received from the call; arrival time for latency */
	int (*feed)(
	    void *stream, const uint8_t *ulaw, size_t n, uint64_t arrival_us);
	/* what the agent expects next: "any|date|time|digits|name|yesno|..",
	 * plus words to favour (may be NULL/0) */
	void (*hint)(void *stream, const char *expect, const char *const *words,
	    size_t nwords);
	void (*stream_close)(void *stream);
	/* Optional (may be NULL): end the open utterance now (the caller
	 * pressed a key).  The final result follows through the callbacks. */
	void (*finalize)(void *stream);
	/* Optional: the config changed (SIGHUP); rebuild what depends on it
	 * (the domain language model).  0 or -1. */
	int (*reload)(void *eng, const config_t *cfg);
	/* Optional: words the business's callers will say (customer and
	 * staff names, vehicles) from the CRM; returns how many were new. */
	int (*vocabulary)(void *eng, const char *const *words, size_t n);
	/* Optional: 1 once the vendor's service has failed this stream (it
	 * could not connect, refused it, or closed it mid-stream), with why;
	 * the engine may be retrying meanwhile.  0 while it works.  Any
	 * thread; stt_fallback.c polls it to switch the call to the local
	 * engine. */
	int (*failed)(void *stream, char *why, size_t len);
};

/*
 * Every utterance reads: speech_started (within 1-2 frames of the onset;
 * again after a pause if the caller resumes), speech_stopped, interim
 * results, then exactly one final result, whose text is "" when the sound
 * turned out not to be speech.  An engine that decodes the end of the
 * turn early (pocketsphinx) reports that hearing at once as a stable
 * interim; a speech_started or a plain interim after it means the
 * caller went on (the decoder hears the utterance again).  speech_started and speech_stopped are
 * called on the thread that calls feed/finalize; results come from the
 * engine's own threads.  No callback runs after stream_close returns.
 */
extern const struct stt_engine_ops stt_engine_pocketsphinx;
extern const struct stt_engine_ops stt_engine_deepgram;
const struct stt_engine_ops *stt_engine_find(const char *name);

/*
 * Standalone utterance decoder on the same local engine, for tools that
 * already hold a whole utterance (callsim hearing the agent, benchmarks).
 * lm_corpus: NULL for the stock en-us model, else a text file of sentences
 * to build a domain language model from.
 */
struct ps8k;
struct ps8k *ps8k_open(const char *lm_corpus, char *err, size_t errlen);
/* Decode 8 kHz PCM; text gets the hypothesis ("" if nothing). 0 or -1. */
int ps8k_decode(struct ps8k *d, const int16_t *pcm, size_t n, char *text,
    size_t len, double *confidence);
void ps8k_close(struct ps8k *d);
/* Same as ps8k_open with a chosen front end (enum stt_front in
 * ps_decoder.h: 0 zero insertion, 1 low-pass interpolation, 2 native 8k). */
struct ps8k *ps8k_open_front(
    const char *lm_corpus, int front, char *err, size_t errlen);

#endif
