/*
 * arpa_lm.h - a small n-gram language model builder.
 *
 * Sentences go in, an ARPA text model comes out: interpolated Witten-Bell
 * estimates written in backoff form (the stored probability of a seen
 * n-gram already contains the lower-order share, and the context's backoff
 * weight is its interpolation weight), so every context normalises exactly.
 * Words the recogniser's dictionary does not know are skipped; n-grams never
 * span a skipped word.  Used by stt-worker at start-up and by ps8k.
 */
#ifndef STT_ARPA_LM_H
#define STT_ARPA_LM_H

#include <stddef.h>
#include <stdio.h>

#define ARPA_MAX_ORDER 3

/* 1 if the recogniser can use word (lower case). */
typedef int (*arpa_known_fn)(void *arg, const char *word);

struct arpa_lm;

/* order 1..ARPA_MAX_ORDER; known NULL accepts every word. */
struct arpa_lm *arpa_new(int order, arpa_known_fn known, void *arg);
void arpa_free(struct arpa_lm *lm);
/* Lower-cases and tokenises text (letters, digits and apostrophes make
 * words).  Returns the number of words kept, -1 on memory failure. */
int arpa_add_sentence(struct arpa_lm *lm, const char *text);
/* Add every line of a text file as a sentence. -1 if unreadable. */
int arpa_add_file(struct arpa_lm *lm, const char *path);
/* Estimate and write the model. 0 or -1. */
int arpa_write(struct arpa_lm *lm, FILE *out);
int arpa_write_file(struct arpa_lm *lm, const char *path);

size_t arpa_vocab_size(const struct arpa_lm *lm); /* incl. <s>, </s> */
size_t arpa_skipped(const struct arpa_lm *lm); /* unknown word tokens */
/* 1 if word made it into the vocabulary. */
int arpa_has_word(const struct arpa_lm *lm, const char *word);

#endif
