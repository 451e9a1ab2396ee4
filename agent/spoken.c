/*
 * spoken.c - phone numbers and confirmation codes as callers say them and
 * recognisers write them: "five five five, one two three, oh oh oh one",
 * "555-123-0001", "double five", "K 7 Q 2 M", "kilo seven queue two em".
 * Pure functions used by the local brain; talks to no process.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "redact.h"
#include "spoken.h"
#include "speech/text.h"

/* One spoken digit word ("oh" is zero; "to", "for" are 2 and 4 here, the
 * caller decides when they count); -1 if not one. */
static int
digit_word(const char *w)
{
	if (strcmp(w, "to") == 0 || strcmp(w, "too") == 0)
		return 2;
	if (strcmp(w, "for") == 0)
		return 4;
	return fd_digit_word(w, strlen(w));
}

static void
put(char *out, size_t len, size_t *o, char ch)
{
	if (*o + 1 < len)
		out[(*o)++] = ch;
}

int
spoken_digits(const char *text, char *out, size_t len)
{
	struct tokens t;
	size_t o = 0;
	int i, k, d, rep, v, used;

	if (len == 0)
		return 0;
	txt_tokenize(text ? text : "", &t);
	for (i = 0; i < t.n; i++) {
		const char *w = t.w[i];

		rep = strcmp(w, "double") == 0 ? 2
		    : strcmp(w, "triple") == 0 ? 3
		                               : 1;
		if (rep > 1 && i + 1 < t.n &&
		    (d = digit_word(t.w[i + 1])) >= 0) {
			for (k = 0; k < rep; k++)
				put(out, len, &o, (char)('0' + d));
			i++;
			continue;
		}
		if (isdigit((unsigned char)w[0])) {
			for (; *w; w++)
				if (isdigit((unsigned char)*w))
					put(out, len, &o, *w);
			continue;
		}
		/* "to"/"for" only count between other digits */
		if ((d = digit_word(w)) >= 0 &&
		    (strlen(w) > 3 || strcmp(w, "one") == 0 ||
		        strcmp(w, "two") == 0 || strcmp(w, "six") == 0 ||
		        strcmp(w, "oh") == 0 || (o > 0 && i + 1 < t.n))) {
			put(out, len, &o, (char)('0' + d));
			continue;
		}
		/* "fifty five", "twelve": two digits */
		if ((used = txt_cardinal_at(&t, i, &v)) > 0 && v >= 10) {
			put(out, len, &o, (char)('0' + v / 10));
			put(out, len, &o, (char)('0' + v % 10));
			i += used - 1;
		}
	}
	out[o] = '\0';
	return (int)o;
}

struct letter {
	const char *word;
	char ch;
};

/* Letter names and what recognisers write for them. */
static const struct letter letters[] = {
    {"alpha", 'A'},
    {"bravo", 'B'},
    {"charlie", 'C'},
    {"delta", 'D'},
    {"echo", 'E'},
    {"foxtrot", 'F'},
    {"golf", 'G'},
    {"hotel", 'H'},
    {"juliet", 'J'},
    {"kilo", 'K'},
    {"lima", 'L'},
    {"mike", 'M'},
    {"november", 'N'},
    {"papa", 'P'},
    {"quebec", 'Q'},
    {"romeo", 'R'},
    {"sierra", 'S'},
    {"tango", 'T'},
    {"uniform", 'U'},
    {"victor", 'V'},
    {"whiskey", 'W'},
    {"xray", 'X'},
    {"yankee", 'Y'},
    {"zulu", 'Z'},
    {"see", 'C'},
    {"sea", 'C'},
    {"cee", 'C'},
    {"dee", 'D'},
    {"ee", 'E'},
    {"eff", 'F'},
    {"gee", 'G'},
    {"aitch", 'H'},
    {"jay", 'J'},
    {"kay", 'K'},
    {"em", 'M'},
    {"en", 'N'},
    {"pea", 'P'},
    {"pee", 'P'},
    {"queue", 'Q'},
    {"cue", 'Q'},
    {"are", 'R'},
    {"tea", 'T'},
    {"tee", 'T'},
    {"you", 'U'},
    {"vee", 'V'},
    {"ex", 'X'},
    {"why", 'Y'},
    {"zee", 'Z'},
    {"zed", 'Z'},
    {"bee", 'B'},
    {NULL, 0},
};

int
spoken_code(const char *text, char *out, size_t len)
{
	struct tokens t;
	char buf[64];
	size_t o = 0, n;
	int i, k, d;

	txt_tokenize(text ? text : "", &t);
	for (i = 0; i < t.n; i++) {
		const char *w = t.w[i];

		n = strlen(w);
		if (n == 1 && isalpha((unsigned char)w[0]) && w[0] != 'i') {
			put(buf, sizeof(buf), &o,
			    (char)toupper((unsigned char)w[0]));
			continue;
		}
		if (isdigit((unsigned char)w[0]) ||
		    (n <= 5 && n >= 2 && strpbrk(w, "0123456789"))) {
			for (; *w; w++)
				if (isalnum((unsigned char)*w))
					put(buf, sizeof(buf), &o,
					    (char)toupper((unsigned char)*w));
			continue;
		}
		if ((d = digit_word(w)) >= 0 && strcmp(w, "to") != 0 &&
		    strcmp(w, "for") != 0 && strcmp(w, "o") != 0) {
			put(buf, sizeof(buf), &o, (char)('0' + d));
			continue;
		}
		for (k = 0; letters[k].word; k++)
			if (strcmp(w, letters[k].word) == 0) {
				put(buf, sizeof(buf), &o, letters[k].ch);
				break;
			}
		if (letters[k].word == NULL && o > 0 && o < 5)
			o = 0; /* a word between: not one code */
	}
	buf[o] = '\0';
	if (o < 5)
		return 0;
	/* "it's a K7Q2M": the code is the last five */
	snprintf(out, len, "%s", buf + o - 5);
	return 1;
}

/* Letter names only said when spelling: a plain "a", "i", "oh" or
 * "india" is a letter here, not in a confirmation code. */
static const struct letter spelling[] = {
    {"india", 'I'},
    {"oscar", 'O'},
    {"eye", 'I'},
    {"oh", 'O'},
    {"o", 'O'},
    {"ay", 'A'},
    {"eh", 'A'},
    {"el", 'L'},
    {"ell", 'L'},
    {"ess", 'S'},
    {"es", 'S'},
    {"alfa", 'A'},
    {"juliett", 'J'},
    {"x", 'X'},
    {"whisky", 'W'},
    {"be", 'B'},
    {"wye", 'Y'},
    {"tee", 'T'},
    {NULL, 0},
};

static char
letter_of(const char *w)
{
	int k;

	if (strlen(w) == 1 && isalpha((unsigned char)w[0]))
		return (char)toupper((unsigned char)w[0]);
	for (k = 0; letters[k].word; k++)
		if (strcmp(w, letters[k].word) == 0)
			return letters[k].ch;
	for (k = 0; spelling[k].word; k++)
		if (strcmp(w, spelling[k].word) == 0)
			return spelling[k].ch;
	return 0;
}

/* 1 if w is a word of the radio alphabet. */
static int
radio_word(const char *w)
{
	int k;

	if (strcmp(w, "india") == 0 || strcmp(w, "oscar") == 0 ||
	    strcmp(w, "alfa") == 0 || strcmp(w, "juliett") == 0 ||
	    strcmp(w, "whisky") == 0)
		return 1;
	for (k = 0; letters[k].word && strcmp(letters[k].word, "see") != 0; k++)
		if (strcmp(w, letters[k].word) == 0)
			return 1;
	return 0;
}

int
spoken_letters(const char *text, char *out, size_t len)
{
	struct tokens t;
	char buf[64], ch;
	size_t o = 0;
	int i, twice = 0, radio = 0;

	txt_tokenize(text ? text : "", &t);
	for (i = 0; i < t.n; i++)
		radio += radio_word(t.w[i]);
	for (i = 0; i < t.n; i++) {
		const char *w = t.w[i];

		/* spelled in the radio alphabet, a lone letter between two
		 * words is the tail of one ("bravo o romeo") */
		if (radio >= 2 && !radio_word(w) && strcmp(w, "double") != 0)
			continue;

		/* "S as in Sam": the letter before counts, the example not */
		if (strcmp(w, "as") == 0 && i + 1 < t.n &&
		    strcmp(t.w[i + 1], "in") == 0) {
			i += 2;
			continue;
		}
		if (strcmp(w, "double") == 0) {
			/* "double you" is W, "double T" two Ts */
			if (i + 1 < t.n && strcmp(t.w[i + 1], "you") == 0) {
				put(buf, sizeof(buf), &o, 'W');
				i++;
			} else {
				twice = 1;
			}
			continue;
		}
		if ((ch = letter_of(w)) == 0)
			continue;
		put(buf, sizeof(buf), &o, ch);
		if (twice)
			put(buf, sizeof(buf), &o, ch);
		twice = 0;
	}
	buf[o] = '\0';
	if (o == 0) {
		if (len)
			out[0] = '\0';
		return 0;
	}
	for (i = 1; buf[i]; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	snprintf(out, len, "%s", buf);
	return (int)o;
}

void
spoken_phone(const char *digits, char *out, size_t len)
{
	char d[24];
	size_t n = 0;
	const char *p;

	for (p = digits; *p && n + 1 < sizeof(d); p++)
		if (isdigit((unsigned char)*p))
			d[n++] = *p;
	d[n] = '\0';
	p = d;
	if (n == 11 && d[0] == '1') {
		p++;
		n--;
	}
	if (n == 10)
		snprintf(
		    out, len, "<spell>%.3s-%.3s-%.4s</spell>", p, p + 3, p + 6);
	else
		snprintf(out, len, "<spell>%s</spell>", p);
}

int
spoken_e164(const char *digits, char *out, size_t len)
{
	char d[24];
	size_t n = 0;
	const char *p;

	for (p = digits; *p && n + 1 < sizeof(d); p++)
		if (isdigit((unsigned char)*p))
			d[n++] = *p;
	d[n] = '\0';
	if (n == 10 && d[0] != '0' && d[0] != '1')
		return snprintf(out, len, "+1%s", d) < (int)len ? 0 : -1;
	if (n == 11 && d[0] == '1')
		return snprintf(out, len, "+%s", d) < (int)len ? 0 : -1;
	return -1;
}
