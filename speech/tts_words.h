/*
 * tts_words.h - numbers, ordinals, years and single characters as English
 * words, appended to a bounded (or growing) string buffer.  The building
 * blocks of tts_normalize.c.  Pure functions.
 */
#ifndef FD_TTS_WORDS_H
#define FD_TTS_WORDS_H

#include <stddef.h>

struct tts_sb {
	char *p;
	size_t len;
	size_t cap;
	int grow; /* p is malloc'd and may be realloc'd */
	int over; /* something did not fit (or no memory) */
};

void tts_sb_init(struct tts_sb *b, char *buf, size_t cap);
/* A growing buffer; p is NULL until the first byte.  free(b->p) after. */
void tts_sb_init_grow(struct tts_sb *b);
void tts_sb_put(struct tts_sb *b, const char *s, size_t n);
void tts_sb_puts(struct tts_sb *b, const char *s);
/* Append a word, with a space before it unless at the start or after
 * whitespace. */
void tts_sb_word(struct tts_sb *b, const char *w);

void tts_say_number(struct tts_sb *b, unsigned long long n);
void tts_say_ordinal(struct tts_sb *b, unsigned long long n);
void tts_say_year(struct tts_sb *b, int year);
/* A digit as a word ("zero".."nine"), a letter as itself in capitals. */
void tts_say_char(struct tts_sb *b, char c);

#endif
