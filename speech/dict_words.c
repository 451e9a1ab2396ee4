/*
 * dict_words.c - a hash set of dictionary head words (see dict_words.h).
 * Library code; talks to no process.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech/dict_words.h"

struct dict_words {
	char **slot; /* open addressing, NULL = empty */
	size_t cap, n;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static char **
find(const struct dict_words *d, const char *w)
{
	size_t i = hash_str(w) & (d->cap - 1);

	while (d->slot[i] && strcmp(d->slot[i], w) != 0)
		i = (i + 1) & (d->cap - 1);
	return &d->slot[i];
}

static int
grow(struct dict_words *d)
{
	struct dict_words nd = {NULL, d->cap * 2, d->n};
	size_t i;

	if ((nd.slot = calloc(nd.cap, sizeof(*nd.slot))) == NULL)
		return -1;
	for (i = 0; i < d->cap; i++)
		if (d->slot[i])
			*find(&nd, d->slot[i]) = d->slot[i];
	free(d->slot);
	*d = nd;
	return 0;
}

struct dict_words *
dict_words_new(void)
{
	struct dict_words *d;

	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->slot = calloc(d->cap = 1 << 16, sizeof(char *))) == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

int
dict_words_add(struct dict_words *d, const char *word)
{
	char **s;

	if ((d->n + 1) * 2 > d->cap && grow(d) != 0)
		return -1;
	s = find(d, word);
	if (*s == NULL) {
		if ((*s = strdup(word)) == NULL)
			return -1;
		d->n++;
	}
	return 0;
}

/* The head word of a dictionary line, cut in place ("word(2)  PH ..." ->
 * "word"); NULL for a line without one. */
static char *
head_word(char *line)
{
	char *e = line;

	while (*e && !isspace((unsigned char)*e) && *e != '(')
		e++;
	if (e == line)
		return NULL;
	*e = '\0';
	return line;
}

struct dict_words *
dict_words_load(const char *path)
{
	struct dict_words *d;
	char line[512], *w;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if ((d = dict_words_new()) == NULL) {
		fclose(f);
		return NULL;
	}
	while (fgets(line, sizeof(line), f))
		if ((w = head_word(line)) != NULL && dict_words_add(d, w) != 0)
			break;
	fclose(f);
	return d;
}

int
dict_words_filter(
    const char *src, const struct dict_words *keep, const char *dst)
{
	char line[512], head[512], *w;
	FILE *in, *out;
	int rv;

	if ((in = fopen(src, "r")) == NULL)
		return -1;
	if ((out = fopen(dst, "w")) == NULL) {
		fclose(in);
		return -1;
	}
	while (fgets(line, sizeof(line), in)) {
		memcpy(head, line, sizeof(head));
		if ((w = head_word(head)) != NULL && *find(keep, w) != NULL)
			fputs(line, out);
	}
	rv = ferror(in) ? -1 : 0;
	fclose(in);
	return fclose(out) == 0 ? rv : -1;
}

void
dict_words_free(struct dict_words *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->cap; i++)
		free(d->slot[i]);
	free(d->slot);
	free(d);
}

size_t
dict_words_count(const struct dict_words *d)
{
	return d->n;
}

int
dict_words_has(void *arg, const char *word)
{
	const struct dict_words *d = arg;

	return *find(d, word) != NULL;
}
