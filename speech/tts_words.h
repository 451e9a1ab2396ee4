/*
 * tts_words.h - numbers, ordinals, years and single characters as English
 * words, appended to a string buffer (common/sbuf.h).  The building
 * blocks of tts_normalize.c.  Pure functions.
 */
#ifndef FD_TTS_WORDS_H
#define FD_TTS_WORDS_H

#include "sbuf.h"

void tts_say_number(struct sbuf *b, unsigned long long n);
void tts_say_ordinal(struct sbuf *b, unsigned long long n);
void tts_say_year(struct sbuf *b, int year);
/* A digit as a word ("zero".."nine"), a letter as itself in capitals. */
void tts_say_char(struct sbuf *b, char c);

#endif
