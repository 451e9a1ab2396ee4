/*
 * domain_corpus.h - the sentences a caller to this business is likely to
 * say, generated from the business config (services and their aliases,
 * persona, name, hours) and extra words (customer names, vehicle makes):
 * bookings, reschedules, cancellations, dates, times, phone numbers,
 * yes/no, names, and the usual receptionist questions.  stt-worker builds
 * its domain language model from them.
 */
#ifndef STT_DOMAIN_CORPUS_H
#define STT_DOMAIN_CORPUS_H

#include <stddef.h>

#include "business.h"

/* Receives one sentence (lower case words); non-zero stops generation. */
typedef int (*corpus_sink)(void *arg, const char *sentence);

/* Generate the corpus.  extra: names or phrases to weave into name and
 * vehicle sentences (may be NULL/0).  Deterministic. 0, or the sink's
 * non-zero value. */
int domain_corpus(const struct fd_business *b, const char *const *extra,
    size_t nextra, corpus_sink sink, void *arg);

/* Spell 0..9999 the way people say it ("twenty six", "twelve hundred",
 * "two thousand nineteen").  Returns out. */
char *stt_num_words(int n, char *out, size_t len);
/* "first" .. "thirty first". */
char *stt_ordinal_words(int n, char *out, size_t len);

/* Read a word list (one entry per line, '#' comments) into a NULL-terminated
 * array; *n gets the count.  NULL if unreadable. */
char **stt_word_list_read(const char *path, size_t *n);
void stt_word_list_free(char **list);

#endif
