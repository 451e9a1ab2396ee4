/*
 * tts_split.h - cut text that may arrive in fragments (an LLM streaming
 * a reply) into segments to synthesise one by one: sentences, and for the
 * first segment of an utterance also clauses, so the first audio can leave
 * as early as possible.  "Dr. Smith", "10:30", "$49.95" and "1,200" are
 * never cut.  Pure; used by tts-worker.
 */
#ifndef FD_TTS_SPLIT_H
#define FD_TTS_SPLIT_H

#include <stddef.h>

#define TTS_SPLIT_LONG 160 /* a sentence longer than this is cut at clauses */
#define TTS_SPLIT_MAX 400 /* no boundary at all: cut at a space */

struct tts_splitter {
	char *buf; /* text received and not yet handed out */
	size_t len;
	size_t cap;
	int nseg; /* segments handed out so far */
};

void tts_split_init(struct tts_splitter *s);
/* Append a fragment; -1 if out of memory. */
int tts_split_feed(struct tts_splitter *s, const char *text);
/* The next complete segment (malloc'd, trimmed, never empty) or NULL.
 * final: no more text will come, so the rest is a segment too. */
char *tts_split_next(struct tts_splitter *s, int final);
void tts_split_free(struct tts_splitter *s);

#endif
