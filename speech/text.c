/*
 * text.c - tokenising, number words and fuzzy word matching for the
 * local brain's reading of transcripts.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech/text.h"

static const char *const units[] = {"zero", "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", NULL};
static const char *const tens[] = {"", "", "twenty", "thirty", "forty", "fifty",
    "sixty", "seventy", "eighty", "ninety", NULL};
static const char *const unit_ord[] = {"zeroth", "first", "second", "third",
    "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", NULL};
static const char *const tens_ord[] = {"", "", "twentieth", "thirtieth", NULL};

static const char *const fillers[] = {
    "um", "uh", "uhm", "umm", "er", "erm", "hmm", "ah", NULL};

static int
is_suffix_ord(const char *s)
{
	return (strncmp(s, "st", 2) == 0 || strncmp(s, "nd", 2) == 0 ||
	           strncmp(s, "rd", 2) == 0 || strncmp(s, "th", 2) == 0) &&
	    !isalpha((unsigned char)s[2]);
}

void
txt_tokenize(const char *s, struct tokens *t)
{
	char buf[1024];
	size_t o = 0;
	const char *p;
	char *tok, *save;

	t->n = 0;
	for (p = s; *p && o + 3 < sizeof(buf); p++) {
		unsigned char c = (unsigned char)*p;

		if (isalpha(c)) {
			buf[o++] = (char)tolower(c);
		} else if (isdigit(c)) {
			buf[o++] = (char)c;
			/* "3pm" -> "3 pm", but "26th" stays one word */
			if (isalpha((unsigned char)p[1]) &&
			    !is_suffix_ord(p + 1))
				buf[o++] = ' ';
		} else if ((c == ':' || c == '/') && p > s &&
		    isdigit((unsigned char)p[-1]) &&
		    isdigit((unsigned char)p[1])) {
			buf[o++] = (char)c;
		} else if (c == '\'') {
			continue; /* "o'clock" -> "oclock" */
		} else if (c == '.' && p > s && isalpha((unsigned char)p[-1]) &&
		    (p[1] == '\0' || isalpha((unsigned char)p[1]) ||
		        isspace((unsigned char)p[1])) &&
		    p - s >= 1 &&
		    (p - s < 2 || !isalpha((unsigned char)p[-2]))) {
			continue; /* "p.m." -> "pm" */
		} else {
			buf[o++] = ' ';
		}
	}
	buf[o] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok && t->n < TXT_MAX_TOK;
	     tok = strtok_r(NULL, " ", &save))
		if (!txt_is(tok, fillers)) /* "um", "uh" carry nothing */
			snprintf(t->w[t->n++], TXT_TOK_LEN, "%s", tok);
}

int
txt_distance(const char *a, const char *b)
{
	int d[32][32], la = (int)strlen(a), lb = (int)strlen(b), i, j;

	if (la > 31)
		la = 31;
	if (lb > 31)
		lb = 31;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

int
txt_fuzzy_eq(const char *heard, const char *word)
{
	size_t n = strlen(word);
	int allow = n >= 8 ? 2 : n >= 5 ? 1 : 0;

	if (strcmp(heard, word) == 0)
		return 1;
	if (allow == 0 || heard[0] != word[0])
		return 0;
	return txt_distance(heard, word) <= allow;
}

static int
index_of(const char *w, const char *const *list)
{
	int i;

	for (i = 0; list[i]; i++)
		if (list[i][0] && strcmp(w, list[i]) == 0)
			return i;
	return -1;
}

int
txt_cardinal(const char *w, int *val)
{
	char *end;
	long v;
	int i;

	if (isdigit((unsigned char)w[0])) {
		v = strtol(w, &end, 10);
		if (*end != '\0' || v > 9999)
			return 0;
		*val = (int)v;
		return 1;
	}
	if ((i = index_of(w, units)) >= 0 || (i = index_of(w, tens) * 10) > 0) {
		*val = i;
		return 1;
	}
	if (strcmp(w, "oh") == 0 || strcmp(w, "o") == 0) {
		*val = 0;
		return 1;
	}
	return 0;
}

int
txt_cardinal_at(const struct tokens *t, int i, int *val)
{
	int a, b;

	if (i >= t->n || strcmp(t->w[i], "oh") == 0 ||
	    !txt_cardinal(t->w[i], &a))
		return 0;
	if (a >= 20 && a < 100 && a % 10 == 0 && i + 1 < t->n &&
	    index_of(t->w[i + 1], units) > 0 &&
	    index_of(t->w[i + 1], units) < 10) {
		b = index_of(t->w[i + 1], units);
		*val = a + b;
		return 2;
	}
	*val = a;
	return 1;
}

int
txt_ordinal_at(const struct tokens *t, int i, int *val)
{
	const char *w;
	char *end;
	long v;
	int k;

	if (i >= t->n)
		return 0;
	w = t->w[i];
	if (isdigit((unsigned char)w[0])) {
		v = strtol(w, &end, 10);
		if (is_suffix_ord(end) && end[2] == '\0' && v >= 1 && v <= 31) {
			*val = (int)v;
			return 1;
		}
		return 0;
	}
	if ((k = index_of(w, unit_ord)) > 0) {
		*val = k;
		return 1;
	}
	if ((k = index_of(w, tens_ord)) > 0) {
		*val = k * 10;
		return 1;
	}
	if ((k = index_of(w, tens)) >= 2 && k <= 3 && i + 1 < t->n) {
		int u = index_of(t->w[i + 1], unit_ord);

		if (u > 0 && u < 10) {
			*val = k * 10 + u;
			return 2;
		}
	}
	return 0;
}

int
txt_is(const char *w, const char *const *list)
{
	return index_of(w, list) >= 0;
}

int
txt_find(const struct tokens *t, int from, const char *const *list)
{
	int i;

	for (i = from < 0 ? 0 : from; i < t->n; i++)
		if (txt_is(t->w[i], list))
			return i;
	return -1;
}

int
txt_has_phrase(const struct tokens *t, const char *phrase)
{
	struct tokens p;
	int i, j;

	txt_tokenize(phrase, &p);
	if (p.n == 0)
		return 0;
	for (i = 0; i + p.n <= t->n; i++) {
		for (j = 0; j < p.n; j++)
			if (!txt_fuzzy_eq(t->w[i + j], p.w[j]))
				break;
		if (j == p.n)
			return 1;
	}
	return 0;
}

int
txt_phrase_at(const struct tokens *t, int i, const char *phrase)
{
	struct tokens p;
	int j;

	txt_tokenize(phrase, &p);
	if (p.n == 0 || i + p.n > t->n)
		return 0;
	for (j = 0; j < p.n; j++)
		if (strcmp(t->w[i + j], p.w[j]) != 0)
			return 0;
	return p.n;
}

int
txt_in_list(const char *list, const char *word, char sep)
{
	size_t n = strlen(word);
	const char *p = list;

	if (n == 0)
		return 0;
	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == sep) &&
		    (p[n] == sep || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}
