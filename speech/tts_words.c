/*
 * tts_words.c - English number words without hyphens or "and"
 * ("one hundred forty nine", "twenty fourth"), which is how the speech
 * engines read best.  Talks to no process.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "speech/tts_words.h"
#include "strmap.h"

static const char *const ones[] = {"zero", "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen"};
static const char *const tens[] = {"", "", "twenty", "thirty", "forty", "fifty",
    "sixty", "seventy", "eighty", "ninety"};

/* cardinal word -> ordinal word, where adding "th" is wrong */
static const struct fd_strmap ordinal_irregular[] = {
    {"one", "first"},
    {"two", "second"},
    {"three", "third"},
    {"five", "fifth"},
    {"eight", "eighth"},
    {"nine", "ninth"},
    {"twelve", "twelfth"},
};

static void say_below_thousand(struct sbuf *b, unsigned n);

void
tts_say_number(struct sbuf *b, unsigned long long n)
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
		sbuf_add_word(b, "zero");
		return;
	}
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		if (n >= big[i].v) {
			tts_say_number(b, n / big[i].v);
			sbuf_add_word(b, big[i].name);
			n %= big[i].v;
		}
	}
	if (n > 0)
		say_below_thousand(b, (unsigned)n);
}

void
tts_say_ordinal(struct sbuf *b, unsigned long long n)
{
	struct sbuf t;
	char buf[256], *last;
	const char *irr;
	size_t ll;

	sbuf_init_fixed(&t, buf, sizeof(buf));
	tts_say_number(&t, n);
	last = strrchr(buf, ' ');
	last = last ? last + 1 : buf;
	sbuf_add_word(b, "");
	sbuf_addn(b, buf, (size_t)(last - buf));
	if ((irr = FD_STRMAP_GET(ordinal_irregular, last, 0)) != NULL) {
		sbuf_add(b, irr);
		return;
	}
	ll = strlen(last);
	if (ll > 0 && last[ll - 1] == 'y') { /* twenty -> twentieth */
		sbuf_addn(b, last, ll - 1);
		sbuf_add(b, "ieth");
	} else {
		sbuf_add(b, last);
		sbuf_add(b, "th");
	}
}

void
tts_say_year(struct sbuf *b, int y)
{
	int hi = y / 100, lo = y % 100;

	if (y < 1000 || y > 9999 || (y >= 2000 && y < 2010) || y % 1000 == 0) {
		tts_say_number(b, (unsigned long long)(y < 0 ? 0 : y));
		return;
	}
	tts_say_number(b, (unsigned long long)hi);
	if (lo == 0)
		sbuf_add_word(b, "hundred");
	else if (lo < 10) {
		sbuf_add_word(b, "oh");
		sbuf_add_word(b, ones[lo]);
	} else
		tts_say_number(b, (unsigned long long)lo);
}

void
tts_say_char(struct sbuf *b, char c)
{
	char s[2];

	if (isdigit((unsigned char)c)) {
		sbuf_add_word(b, ones[c - '0']);
		return;
	}
	s[0] = (char)toupper((unsigned char)c);
	s[1] = '\0';
	sbuf_add_word(b, s);
}

static void
say_below_thousand(struct sbuf *b, unsigned n)
{
	if (n >= 100) {
		sbuf_add_word(b, ones[n / 100]);
		sbuf_add_word(b, "hundred");
		n %= 100;
		if (n == 0)
			return;
	}
	if (n < 20) {
		sbuf_add_word(b, ones[n]);
		return;
	}
	sbuf_add_word(b, tens[n / 10]);
	if (n % 10)
		sbuf_add_word(b, ones[n % 10]);
}
