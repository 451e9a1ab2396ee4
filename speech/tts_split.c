/*
 * tts_split.c - sentence and clause boundaries for incremental text.
 * A boundary is punctuation followed by white space.  At the very end of
 * the text received so far a period is trusted only when the fragment
 * cannot continue a number or an abbreviation ("$49." may become "$49.95",
 * "Dr." is followed by a name), and a comma only when it does not follow a
 * digit ("1," may become "1,200").  Talks to no process.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "speech/tts_normalize.h"
#include "speech/tts_split.h"

static size_t find_cut(const struct tts_splitter *s, int final);
static int sentence_end_at(const char *b, size_t len, size_t i, int final);
static int clause_end_at(const char *b, size_t len, size_t i, int final);
static int ends_in_abbrev(const char *b, size_t i);

void
tts_split_init(struct tts_splitter *s)
{
	memset(s, 0, sizeof(*s));
}

int
tts_split_feed(struct tts_splitter *s, const char *text)
{
	size_t n = strlen(text), ncap;
	char *nb;

	if (s->len + n + 1 > s->cap) {
		ncap = s->cap ? s->cap : 256;
		while (ncap < s->len + n + 1)
			ncap *= 2;
		if ((nb = realloc(s->buf, ncap)) == NULL)
			return -1;
		s->buf = nb;
		s->cap = ncap;
	}
	memcpy(s->buf + s->len, text, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return 0;
}

char *
tts_split_next(struct tts_splitter *s, int final)
{
	size_t cut, a, e;
	char *seg;

	for (;;) {
		if (s->len == 0)
			return NULL;
		cut = find_cut(s, final);
		if (cut == 0)
			return NULL;
		for (a = 0; a < cut && isspace((unsigned char)s->buf[a]); a++)
			;
		for (e = cut; e > a && isspace((unsigned char)s->buf[e - 1]);
		     e--)
			;
		seg = e > a ? strndup(s->buf + a, e - a) : NULL;
		memmove(s->buf, s->buf + cut, s->len - cut + 1);
		s->len -= cut;
		if (e > a) {
			if (seg == NULL)
				return NULL;
			s->nseg++;
			return seg;
		}
	}
}

void
tts_split_free(struct tts_splitter *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/* Length of the next segment (through its punctuation), 0 if none yet. */
static size_t
find_cut(const struct tts_splitter *s, int final)
{
	const char *b = s->buf;
	size_t i, clause = 0, space = 0, start;

	for (start = 0; start < s->len && isspace((unsigned char)b[start]);
	     start++)
		;
	for (i = start; i < s->len; i++) {
		if (b[i] == '\n' && i > start)
			return i + 1;
		if (sentence_end_at(b, s->len, i, final)) {
			while (i + 1 < s->len && strchr(".!?\"')", b[i + 1]))
				i++;
			return i + 1;
		}
		if (clause_end_at(b, s->len, i, final)) {
			if (s->nseg == 0)
				return i +
				    1; /* first audio as early as possible */
			clause = i + 1;
		}
		if (b[i] == ' ')
			space = i;
		if (i - start >= TTS_SPLIT_LONG && clause > 0)
			return clause;
		if (i - start >= TTS_SPLIT_MAX && space > start)
			return space;
	}
	return final ? s->len : 0;
}

static int
sentence_end_at(const char *b, size_t len, size_t i, int final)
{
	size_t j = i + 1;

	if (b[i] != '.' && b[i] != '!' && b[i] != '?')
		return 0;
	while (j < len && strchr(".!?\"')", b[j]))
		j++;
	if (j < len)
		return isspace((unsigned char)b[j]) &&
		    !(b[i] == '.' && ends_in_abbrev(b, i));
	/* at the end of what has arrived so far */
	if (final)
		return 0; /* the caller takes the whole rest */
	if (b[i] != '.')
		return 1;
	if (i > 0 && isdigit((unsigned char)b[i - 1]))
		return 0;
	return !ends_in_abbrev(b, i);
}

static int
clause_end_at(const char *b, size_t len, size_t i, int final)
{
	if (b[i] != ',' && b[i] != ';' && b[i] != ':')
		return 0;
	if (i + 1 < len)
		return b[i + 1] == ' ';
	if (final)
		return 0;
	return i > 0 && !isdigit((unsigned char)b[i - 1]);
}

/* The word ending at the period b[i] is an abbreviation or an initial. */
static int
ends_in_abbrev(const char *b, size_t i)
{
	size_t s = i;

	while (s > 0 &&
	    (isalpha((unsigned char)b[s - 1]) ||
	        (b[s - 1] == '.' && s >= 2 &&
	            isalpha((unsigned char)b[s - 2]))))
		s--;
	if (s == i)
		return 0;
	return tts_abbrev_is(b + s, i - s);
}
