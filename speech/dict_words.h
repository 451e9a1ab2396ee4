/*
 * dict_words.h - the set of words a pronunciation dictionary knows, so the
 * language model builder only keeps words the decoder can say.
 */
#ifndef STT_DICT_WORDS_H
#define STT_DICT_WORDS_H

#include <stddef.h>

struct dict_words;

/* Load a CMU-style dictionary ("word(2)  PH ON ES").  NULL if unreadable. */
struct dict_words *dict_words_load(const char *path);
/* An empty set, and adding a word to it (0, or -1 out of memory). */
struct dict_words *dict_words_new(void);
int dict_words_add(struct dict_words *d, const char *word);
/* Copy the lines of dictionary src whose head word is in keep (every
 * pronunciation of it) to dst.  0, or -1 if a file fails. */
int dict_words_filter(
    const char *src, const struct dict_words *keep, const char *dst);
void dict_words_free(struct dict_words *d);
size_t dict_words_count(const struct dict_words *d);
/* 1 if word (lower case) is in the dictionary; an arpa_known_fn. */
int dict_words_has(void *d, const char *word);

#endif
