/*
 * heard.c - normalising transcripts and the in-order word match used by
 * expect.heard_contains.  The recogniser drops and swaps short words, so a
 * phrase counts as heard when the longest common subsequence of its words
 * and a stretch of the heard words (at most HEARD_MAX_GAP longer than the
 * phrase) covers at least 80% of the phrase.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "heard.h"
#include "sbuf.h"

static const char *const ones[] = {"zero", "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen"};
static const char *const tens[] = {"", "", "twenty", "thirty", "forty", "fifty",
    "sixty", "seventy", "eighty", "ninety"};

/* Append a word, a space before it unless it is the first. */
static int
put(struct sbuf *b, const char *w, size_t n)
{
	if (b->len)
		sbuf_addn(b, " ", 1);
	sbuf_addn(b, w, n);
	return b->err ? -1 : 0;
}

static int
put_number(struct sbuf *b, const char *d, size_t n, int after_colon)
{
	int v;
	size_t i;

	if (n > 2) { /* long numbers: digit by digit */
		for (i = 0; i < n; i++)
			if (put(b, ones[d[i] - '0'], strlen(ones[d[i] - '0'])))
				return -1;
		return 0;
	}
	v = n == 2 ? (d[0] - '0') * 10 + d[1] - '0' : d[0] - '0';
	if (after_colon && v == 0) /* "10:00" is said "ten" */
		return 0;
	if (after_colon && n == 2 && v < 10) /* "9:05" -> "oh five" */
		return put(b, "oh", 2) || put(b, ones[v], strlen(ones[v]));
	if (v < 20)
		return put(b, ones[v], strlen(ones[v]));
	if (put(b, tens[v / 10], strlen(tens[v / 10])))
		return -1;
	return v % 10 ? put(b, ones[v % 10], strlen(ones[v % 10])) : 0;
}

char *
heard_normalise(const char *s)
{
	struct sbuf b;
	char word[64];
	size_t n = 0;
	int colon = 0;

	sbuf_init(&b);
	for (;; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\'')
			continue;
		if (isalnum(c) && n < sizeof(word) - 1) {
			/* a letter/digit boundary splits "10am" */
			if (n &&
			    isdigit(c) != isdigit((unsigned char)word[n - 1]))
				goto flush;
			word[n++] = (char)tolower(c);
			continue;
		}
		if (isalnum(c))
			continue; /* absurdly long word: truncate */
	flush:
		if (n) {
			int r = isdigit((unsigned char)word[0])
			    ? put_number(&b, word, n, colon)
			    : put(&b, word, n);
			if (r) {
				sbuf_free(&b);
				return NULL;
			}
			colon = 0;
			n = 0;
		}
		if (isalnum(c)) { /* came from the boundary goto */
			word[n++] = (char)tolower(c);
			continue;
		}
		colon = c == ':';
		if (c == '\0')
			break;
	}
	return sbuf_done(&b);
}

static size_t
split(char *s, char ***words)
{
	size_t n = 0, cap = 0;
	char *tok, *save = NULL, **w = NULL, **nw;

	for (tok = strtok_r(s, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nw = realloc(w, cap * sizeof(*w))) == NULL) {
				free(w);
				*words = NULL;
				return 0;
			}
			w = nw;
		}
		w[n++] = tok;
	}
	*words = w;
	return n;
}

/* Longest common subsequence of the phrase and heard[0..nh). */
static size_t
lcs(char **hw, size_t nh, char **pw, size_t np, size_t *prev, size_t *cur)
{
	size_t i, j, *tmp;

	memset(prev, 0, (np + 1) * sizeof(*prev));
	memset(cur, 0, (np + 1) * sizeof(*cur));
	for (i = 0; i < nh; i++) {
		for (j = 1; j <= np; j++) {
			if (strcmp(hw[i], pw[j - 1]) == 0)
				cur[j] = prev[j - 1] + 1;
			else
				cur[j] =
				    cur[j - 1] > prev[j] ? cur[j - 1] : prev[j];
		}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	return prev[np];
}

int
heard_contains(const char *heard, const char *phrase)
{
	char *h = heard_normalise(heard), *p = heard_normalise(phrase);
	char **hw = NULL, **pw = NULL;
	size_t nh, np, i, win, *prev = NULL, *cur = NULL;
	int match = 0;

	if (h == NULL || p == NULL)
		goto out;
	nh = split(h, &hw);
	np = split(p, &pw);
	if (np == 0) {
		match = 1;
		goto out;
	}
	if (nh == 0)
		goto out;
	prev = calloc(np + 1, sizeof(*prev));
	cur = calloc(np + 1, sizeof(*cur));
	if (prev == NULL || cur == NULL)
		goto out;
	/* the words must also be close together: within a window of the
	 * phrase's length plus HEARD_MAX_GAP words, so "your confirmation
	 * code stays k q seven z p is there" does not hold "your
	 * confirmation code is" */
	win = np + HEARD_MAX_GAP;
	for (i = 0; i < nh && !match; i++)
		match = lcs(hw + i, nh - i < win ? nh - i : win, pw, np, prev,
		            cur) *
		        5 >=
		    np * 4;
out:
	free(prev);
	free(cur);
	free(hw);
	free(pw);
	free(h);
	free(p);
	return match;
}
