/*
 * text.h - the small text toolkit the local brain reads transcripts with:
 * tokenising (lower case, "3pm" -> "3 pm", "p.m." -> "pm"), number words,
 * ordinals and a bounded edit distance for fuzzy matching of words that a
 * speech recogniser gets slightly wrong.  No process talks to this module.
 */
#ifndef AGENT_TEXT_H
#define AGENT_TEXT_H

#include <stddef.h>

#define TXT_MAX_TOK 64
#define TXT_TOK_LEN 24

struct tokens {
	int n;
	char w[TXT_MAX_TOK][TXT_TOK_LEN];
};

/* Split s into lower-case words; extra words beyond TXT_MAX_TOK are dropped. */
void txt_tokenize(const char *s, struct tokens *t);
/* Levenshtein distance of two short words (longer inputs are cut at 31). */
int txt_distance(const char *a, const char *b);
/* 1 if heard is word, or close enough for its length (one edit from five
 * letters on, two from eight on). */
int txt_fuzzy_eq(const char *heard, const char *word);
/* "ten" / "10" -> 10 (0..99 in words and digits); 1 on success. */
int txt_cardinal(const char *w, int *val);
/* Cardinal read at t->w[i], joining "twenty five": returns tokens used. */
int txt_cardinal_at(const struct tokens *t, int i, int *val);
/* "26th", "sixth", "twenty sixth" at t->w[i]: returns tokens used (0: none). */
int txt_ordinal_at(const struct tokens *t, int i, int *val);
/* 1 if word w is one of the NULL-terminated list. */
int txt_is(const char *w, const char *const *list);
/* 1 if `word` is one of the items of `list`, items separated by `sep`
 * ("tagalog filipino" with ' ', "a,b,c" with ','). */
int txt_in_list(const char *list, const char *word, char sep);
/* Index of the first token at or after from that is in list, or -1. */
int txt_find(const struct tokens *t, int from, const char *const *list);
/* 1 if the phrase (space separated words) appears in t, fuzzily per word. */
int txt_has_phrase(const struct tokens *t, const char *phrase);
/* The phrase's words exactly at t->w[i] on: returns tokens used (0: not
 * there). */
int txt_phrase_at(const struct tokens *t, int i, const char *phrase);

#endif
