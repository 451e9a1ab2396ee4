/*
 * lang.c - language names and the business's languages (see lang.h).
 * One table: the ISO 639-1 code, the English name, and the words a
 * recogniser writes for it (the language's own name without accents).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lang.h"
#include "speech/text.h"

struct lang {
	const char *code;
	const char *name;
	const char *words; /* space separated, lower case */
};

static const struct lang langs[] = {
    {"en", "English", "english"},
    {"es", "Spanish", "spanish espanol castellano"},
    {"fr", "French", "french francais"},
    {"de", "German", "german deutsch"},
    {"it", "Italian", "italian italiano"},
    {"pt", "Portuguese", "portuguese portugues"},
    {"zh", "Chinese", "chinese mandarin cantonese"},
    {"vi", "Vietnamese", "vietnamese"},
    {"ko", "Korean", "korean"},
    {"ja", "Japanese", "japanese"},
    {"tl", "Tagalog", "tagalog filipino"},
    {"ar", "Arabic", "arabic"},
    {"ru", "Russian", "russian"},
    {"pl", "Polish", "polish"},
    {"hi", "Hindi", "hindi"},
    {"ht", "Haitian Creole", "creole"},
};
#define NLANGS (sizeof(langs) / sizeof(langs[0]))

const char *
lang_named(const char *text)
{
	struct tokens t;
	size_t k;
	int i;

	txt_tokenize(text ? text : "", &t);
	for (i = 0; i < t.n; i++)
		for (k = 0; k < NLANGS; k++)
			if (txt_in_list(langs[k].words, t.w[i], ' '))
				return langs[k].name;
	return NULL;
}

/* The table entry of one item of business.languages, or NULL. */
static const struct lang *
lang_of(const char *item)
{
	size_t k;

	for (k = 0; k < NLANGS; k++)
		if (strcasecmp(item, langs[k].code) == 0 ||
		    strcasecmp(item, langs[k].name) == 0)
			return &langs[k];
	return NULL;
}

/* The business's languages, in the order listed; their count. */
static int
listed(const struct fd_business *b, const struct lang **out, int max)
{
	char buf[sizeof(b->languages)], *save = NULL, *item;
	const struct lang *l;
	int n = 0, i;

	snprintf(buf, sizeof(buf), "%s", b->languages);
	for (item = strtok_r(buf, ", ;/", &save); item && n < max;
	     item = strtok_r(NULL, ", ;/", &save)) {
		if ((l = lang_of(item)) == NULL)
			continue;
		for (i = 0; i < n && out[i] != l; i++)
			;
		if (i == n)
			out[n++] = l;
	}
	return n;
}

int
lang_spoken(const struct fd_business *b, const char *name)
{
	const struct lang *l[NLANGS];
	int i, n = listed(b, l, (int)NLANGS);

	if (n == 0) /* nothing we know: this line is English */
		return name && strcmp(name, "English") == 0;
	for (i = 0; i < n; i++)
		if (name && strcmp(l[i]->name, name) == 0)
			return 1;
	return 0;
}

void
lang_list(const struct fd_business *b, char *buf, size_t len)
{
	const struct lang *l[NLANGS];
	int i, n = listed(b, l, (int)NLANGS);
	size_t o = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (n == 0) {
		snprintf(buf, len, "English");
		return;
	}
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s",
		    i == 0           ? ""
		        : i == n - 1 ? " and "
		                     : ", ",
		    l[i]->name);
}
