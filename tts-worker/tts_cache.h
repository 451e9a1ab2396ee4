/*
 * tts_cache.h - a bounded cache of synthesised segments in tts-worker:
 * the 20 ms mu-law frames a segment came out as, keyed by the engine's
 * settings, the voice and the normalised text.  The agent's fixed lines
 * (the greeting, "anything else?", the hours) are said on every call;
 * a hit replays their frames instead of synthesising them again.
 * Thread-safe; talks to no process.
 */
#ifndef FD_TTS_CACHE_H
#define FD_TTS_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct tts_cache;

/* A cache holding at most max_bytes of audio (entries and keys counted);
 * a segment larger than an eighth of it is never kept.  NULL: out of
 * memory, or max_bytes 0 (no cache: every call below accepts NULL). */
struct tts_cache *tts_cache_new(size_t max_bytes);
void tts_cache_free(struct tts_cache *c);

/* A copy of the frames kept for (tag, voice, text), in *data (malloc'd,
 * the caller frees) and *n bytes: 1 on a hit, 0 on a miss or out of
 * memory.  tag: the engine's settings that shape its output (engine,
 * rate); voice NULL is the engine's default voice. */
int tts_cache_get(struct tts_cache *c, const char *tag, const char *voice,
    const char *text, uint8_t **data, size_t *n);
/* Keep a copy of n bytes for the key (replacing what it held), evicting
 * the least recently used entries to stay within the bound. */
void tts_cache_put(struct tts_cache *c, const char *tag, const char *voice,
    const char *text, const uint8_t *data, size_t n);
/* Hits, misses and bytes kept so far (any pointer may be NULL). */
void tts_cache_stats(
    struct tts_cache *c, uint64_t *hits, uint64_t *misses, size_t *bytes);

#endif
