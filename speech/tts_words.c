/*
 * tts_words.c - English number words without hyphens or "and"
 * ("one hundred forty nine", "twenty fourth"), which is how the speech
 * engines read best.  Talks to no process.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "speech/tts_words.h"

static const char *const ones[] = {"zero", "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen"};
static const char *const tens[] = {"", "", "twenty", "thirty", "forty", "fifty",
    "sixty", "seventy", "eighty", "ninety"};

/* cardinal word -> ordinal word, where adding "th" is wrong */
static const struct {
	const char *c, *o;
} ordinal_irregular[] = {
    {"one", "first"},
    {"two", "second"},
    {"three", "third"},
    {"five", "fifth"},
    {"eight", "eighth"},
    {"nine", "ninth"},
    {"twelve", "twelfth"},
};

static void say_below_thousand(struct tts_sb *b, unsigned n);

void
tts_sb_init(struct tts_sb *b, char *buf, size_t cap)
{
	b->p = buf;
	b->cap = cap;
	b->len = 0;
	b->grow = 0;
	b->over = 0;
	if (cap > 0)
		buf[0] = '\0';
}

void
tts_sb_init_grow(struct tts_sb *b)
{
	memset(b, 0, sizeof(*b));
	b->grow = 1;
}

void
tts_sb_put(struct tts_sb *b, const char *s, size_t n)
{
	size_t ncap;
	char *np;

	if (b->len + n + 1 > b->cap) {
		if (!b->grow) {
			b->over = 1;
			if (b->cap == 0)
				return;
			n = b->cap - 1 - b->len;
		} else {
			ncap = b->cap ? b->cap : 64;
			while (ncap < b->len + n + 1)
				ncap *= 2;
			if ((np = realloc(b->p, ncap)) == NULL) {
				b->over = 1;
				return;
			}
			b->p = np;
			b->cap = ncap;
		}
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
tts_sb_puts(struct tts_sb *b, const char *s)
{
	tts_sb_put(b, s, strlen(s));
}

void
tts_sb_word(struct tts_sb *b, const char *w)
{
	if (b->len > 0 &&
	    (isalnum((unsigned char)b->p[b->len - 1]) ||
	        strchr(",.;:!?'", b->p[b->len - 1])))
		tts_sb_put(b, " ", 1);
	tts_sb_puts(b, w);
}

void
tts_say_number(struct tts_sb *b, unsigned long long n)
{
	static const struct {
		unsigned long long v;
		const char *name;
	} big[] = {
	    {1000000000000ULL, "trillion"},
	    {1000000000ULL, "billion"},
	    {1000000ULL, "million"},
	    {1000ULL, "thousand"},
	};
	size_t i;

	if (n == 0) {
		tts_sb_word(b, "zero");
		return;
	}
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		if (n >= big[i].v) {
			tts_say_number(b, n / big[i].v);
			tts_sb_word(b, big[i].name);
			n %= big[i].v;
		}
	}
	if (n > 0)
		say_below_thousand(b, (unsigned)n);
}

void
tts_say_ordinal(struct tts_sb *b, unsigned long long n)
{
	struct tts_sb t;
	char buf[256], *last;
	size_t i, ll;

	tts_sb_init(&t, buf, sizeof(buf));
	tts_say_number(&t, n);
	last = strrchr(buf, ' ');
	last = last ? last + 1 : buf;
	tts_sb_word(b, "");
	tts_sb_put(b, buf, (size_t)(last - buf));
	for (i = 0;
	     i < sizeof(ordinal_irregular) / sizeof(ordinal_irregular[0]);
	     i++) {
		if (strcmp(last, ordinal_irregular[i].c) == 0) {
			tts_sb_puts(b, ordinal_irregular[i].o);
			return;
		}
	}
	ll = strlen(last);
	if (ll > 0 && last[ll - 1] == 'y') { /* twenty -> twentieth */
		tts_sb_put(b, last, ll - 1);
		tts_sb_puts(b, "ieth");
	} else {
		tts_sb_puts(b, last);
		tts_sb_puts(b, "th");
	}
}

void
tts_say_year(struct tts_sb *b, int y)
{
	int hi = y / 100, lo = y % 100;

	if (y < 1000 || y > 9999 || (y >= 2000 && y < 2010) || y % 1000 == 0) {
		tts_say_number(b, (unsigned long long)(y < 0 ? 0 : y));
		return;
	}
	tts_say_number(b, (unsigned long long)hi);
	if (lo == 0)
		tts_sb_word(b, "hundred");
	else if (lo < 10) {
		tts_sb_word(b, "oh");
		tts_sb_word(b, ones[lo]);
	} else
		tts_say_number(b, (unsigned long long)lo);
}

void
tts_say_char(struct tts_sb *b, char c)
{
	char s[2];

	if (isdigit((unsigned char)c)) {
		tts_sb_word(b, ones[c - '0']);
		return;
	}
	s[0] = (char)toupper((unsigned char)c);
	s[1] = '\0';
	tts_sb_word(b, s);
}

static void
say_below_thousand(struct tts_sb *b, unsigned n)
{
	if (n >= 100) {
		tts_sb_word(b, ones[n / 100]);
		tts_sb_word(b, "hundred");
		n %= 100;
		if (n == 0)
			return;
	}
	if (n < 20) {
		tts_sb_word(b, ones[n]);
		return;
	}
	tts_sb_word(b, tens[n / 10]);
	if (n % 10)
		tts_sb_word(b, ones[n % 10]);
}
