/*
 * tts_normalize.h - rewrite text the way a receptionist would say it
 * before it reaches a speech engine: times, dates, money, phone numbers,
 * codes read character by character, ordinals, abbreviations, and a
 * per-business pronunciation list (tts.pronunciations in the config).
 * Pure functions; used by tts-worker (and callsim if it wants to).
 */
#ifndef FD_TTS_NORMALIZE_H
#define FD_TTS_NORMALIZE_H

#include <stddef.h>
#include <libconfig.h>

/* One "write this as that" pair, matched on whole words, any case. */
struct tts_pron {
	char *text;
	char *say;
};

struct tts_prons {
	struct tts_pron *v;
	size_t n;
};

/*
 * Normalise in into out (always NUL-terminated).  prons may be NULL.
 * Codes can be marked for spelling explicitly: <spell>AB12</spell>.
 * Returns the output length, or -1 if out was too small (out then holds
 * a truncated result).
 */
int tts_normalize(
    const struct tts_prons *prons, const char *in, char *out, size_t outlen);

/* Load tts.pronunciations = ( { text = "..."; say = "..."; }, ... ) from
 * cfg (may be NULL: empty list).  0, or -1 with a message in err. */
int tts_prons_load(
    const config_t *cfg, struct tts_prons *p, char *err, size_t errlen);
void tts_prons_free(struct tts_prons *p);

/* 1 if word (len bytes, without its period) is an abbreviation that is
 * written with a period ("Dr", "St", "Mr", "e.g"): a period after it does
 * not end a sentence. */
int tts_abbrev_is(const char *word, size_t len);

#endif
