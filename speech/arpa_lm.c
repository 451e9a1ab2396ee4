/*
 * arpa_lm.c - n-gram counting and interpolated Witten-Bell estimation,
 * written as an ARPA backoff model (see arpa_lm.h).  Pure library code:
 * stt-worker builds its domain model with it, ps8k its corpus model.
 *
 * For a context h with c(h) follower tokens and T(h) distinct followers:
 *   lambda(h) = T(h) / (c(h) + T(h))
 *   p(w|h)    = c(hw) / (c(h) + T(h)) + lambda(h) * p(w|h')
 * where h' drops the oldest word and the unigram level interpolates with a
 * uniform distribution.  A seen n-gram's ARPA entry is p(w|h); the backoff
 * weight of h is lambda(h), which makes unseen words get exactly their
 * interpolated share.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "speech/arpa_lm.h"

#define BOS 0
#define EOS 1

struct ngram {
	int w[ARPA_MAX_ORDER];
	int n; /* 0: empty slot */
	uint32_t count;
	uint32_t fsum; /* tokens following this n-gram */
	uint32_t ftypes; /* distinct words following it */
	double prob;
	double bow;
};

struct arpa_lm {
	int order;
	arpa_known_fn known;
	void *known_arg;
	/* vocabulary: id -> word, and an open hash word -> id + 1 */
	char **words;
	size_t nwords, capwords;
	int *vhash;
	size_t vcap;
	/* n-grams of every order, open addressing */
	struct ngram *tab;
	size_t cap, used;
	size_t skipped;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static uint64_t
hash_ids(const int *w, int n)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)n;
	int i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint64_t)(uint32_t)w[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static int
vocab_find(const struct arpa_lm *lm, const char *w)
{
	size_t i = hash_str(w) & (lm->vcap - 1);

	while (lm->vhash[i]) {
		if (strcmp(lm->words[lm->vhash[i] - 1], w) == 0)
			return lm->vhash[i] - 1;
		i = (i + 1) & (lm->vcap - 1);
	}
	return -1;
}

static int
vocab_rehash(struct arpa_lm *lm, size_t ncap)
{
	int *nh = calloc(ncap, sizeof(*nh));
	size_t k;

	if (nh == NULL)
		return -1;
	free(lm->vhash);
	lm->vhash = nh;
	lm->vcap = ncap;
	for (k = 0; k < lm->nwords; k++) {
		size_t i = hash_str(lm->words[k]) & (ncap - 1);
		while (nh[i])
			i = (i + 1) & (ncap - 1);
		nh[i] = (int)k + 1;
	}
	return 0;
}

static int
vocab_add(struct arpa_lm *lm, const char *w)
{
	int id = vocab_find(lm, w);
	char *dup;

	if (id >= 0)
		return id;
	if (lm->nwords == lm->capwords) {
		size_t nc = lm->capwords ? lm->capwords * 2 : 256;
		char **nw = realloc(lm->words, nc * sizeof(*nw));
		if (nw == NULL)
			return -1;
		lm->words = nw;
		lm->capwords = nc;
	}
	if ((dup = strdup(w)) == NULL)
		return -1;
	lm->words[lm->nwords++] = dup;
	if (lm->nwords * 2 > lm->vcap)
		return vocab_rehash(lm, lm->vcap * 2) == 0 ? (int)lm->nwords - 1
		                                           : -1;
	{
		size_t i = hash_str(w) & (lm->vcap - 1);
		while (lm->vhash[i])
			i = (i + 1) & (lm->vcap - 1);
		lm->vhash[i] = (int)lm->nwords;
	}
	return (int)lm->nwords - 1;
}

static struct ngram *
ng_slot(struct ngram *tab, size_t cap, const int *w, int n)
{
	size_t i = hash_ids(w, n) & (cap - 1);

	while (tab[i].n) {
		if (tab[i].n == n && memcmp(tab[i].w, w, n * sizeof(int)) == 0)
			return &tab[i];
		i = (i + 1) & (cap - 1);
	}
	return &tab[i];
}

static struct ngram *
ng_find(const struct arpa_lm *lm, const int *w, int n)
{
	struct ngram *g = ng_slot(lm->tab, lm->cap, w, n);

	return g->n ? g : NULL;
}

static int
ng_grow(struct arpa_lm *lm)
{
	size_t ncap = lm->cap * 2, i;
	struct ngram *nt = calloc(ncap, sizeof(*nt));

	if (nt == NULL)
		return -1;
	for (i = 0; i < lm->cap; i++)
		if (lm->tab[i].n)
			*ng_slot(nt, ncap, lm->tab[i].w, lm->tab[i].n) =
			    lm->tab[i];
	free(lm->tab);
	lm->tab = nt;
	lm->cap = ncap;
	return 0;
}

static int
ng_count(struct arpa_lm *lm, const int *w, int n)
{
	struct ngram *g;

	if ((lm->used + 1) * 2 > lm->cap && ng_grow(lm) != 0)
		return -1;
	g = ng_slot(lm->tab, lm->cap, w, n);
	if (g->n == 0) {
		memset(g, 0, sizeof(*g));
		memcpy(g->w, w, n * sizeof(int));
		g->n = n;
		lm->used++;
	}
	g->count++;
	return 0;
}

struct arpa_lm *
arpa_new(int order, arpa_known_fn known, void *arg)
{
	struct arpa_lm *lm;

	if (order < 1 || order > ARPA_MAX_ORDER)
		return NULL;
	if ((lm = calloc(1, sizeof(*lm))) == NULL)
		return NULL;
	lm->order = order;
	lm->known = known;
	lm->known_arg = arg;
	lm->vcap = 512;
	lm->cap = 1024;
	lm->vhash = calloc(lm->vcap, sizeof(*lm->vhash));
	lm->tab = calloc(lm->cap, sizeof(*lm->tab));
	if (lm->vhash == NULL || lm->tab == NULL ||
	    vocab_add(lm, "<s>") != BOS || vocab_add(lm, "</s>") != EOS) {
		arpa_free(lm);
		return NULL;
	}
	return lm;
}

void
arpa_free(struct arpa_lm *lm)
{
	size_t i;

	if (lm == NULL)
		return;
	for (i = 0; i < lm->nwords; i++)
		free(lm->words[i]);
	free(lm->words);
	free(lm->vhash);
	free(lm->tab);
	free(lm);
}

/* Count every n-gram (1..order) inside one run of known words. */
static int
count_fragment(struct arpa_lm *lm, const int *ids, int n)
{
	int i, k;

	for (i = 0; i < n; i++)
		for (k = 1; k <= lm->order && i + k <= n; k++)
			if (ng_count(lm, ids + i, k) != 0)
				return -1;
	return 0;
}

int
arpa_add_sentence(struct arpa_lm *lm, const char *text)
{
	int ids[256], nids = 0, kept = 0, first = 1;
	char word[64];
	const char *p = text;

	ids[nids++] = BOS;
	for (;;) {
		size_t len = 0;

		while (*p && !(isalnum((unsigned char)*p) || *p == '\''))
			p++;
		if (*p == '\0')
			break;
		while (*p && (isalnum((unsigned char)*p) || *p == '\'')) {
			if (len + 1 < sizeof(word))
				word[len++] = (char)tolower((unsigned char)*p);
			p++;
		}
		word[len] = '\0';
		/* a leading or trailing quote is punctuation, not a word */
		while (len && word[len - 1] == '\'')
			word[--len] = '\0';
		if (word[0] == '\'')
			memmove(word, word + 1, len--);
		if (len == 0)
			continue;
		if (lm->known && !lm->known(lm->known_arg, word)) {
			/* break the chain: no n-gram spans an unknown word */
			lm->skipped++;
			if (nids > (first ? 1 : 0) &&
			    count_fragment(lm, ids, nids) != 0)
				return -1;
			first = 0;
			nids = 0;
			continue;
		}
		if (nids >= (int)(sizeof(ids) / sizeof(ids[0])) - 1)
			continue; /* absurdly long line: clip */
		if ((ids[nids] = vocab_add(lm, word)) < 0)
			return -1;
		nids++;
		kept++;
	}
	if (kept == 0)
		return 0;
	ids[nids++] = EOS;
	if (count_fragment(lm, ids, nids) != 0)
		return -1;
	return kept;
}

int
arpa_add_file(struct arpa_lm *lm, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[2048];

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (arpa_add_sentence(lm, line) < 0) {
			fclose(f);
			return -1;
		}
	fclose(f);
	return 0;
}

size_t
arpa_vocab_size(const struct arpa_lm *lm)
{
	return lm->nwords;
}

size_t
arpa_skipped(const struct arpa_lm *lm)
{
	return lm->skipped;
}

int
arpa_has_word(const struct arpa_lm *lm, const char *word)
{
	return vocab_find(lm, word) >= 0;
}

/* Interpolated probability of w[n-1] after w[0..n-2] (n >= 1), for any
 * sequence, seen or not. */
static double
prob_of(const struct arpa_lm *lm, const int *w, int n, double nuni,
    double uni_total, double uni_types)
{
	const struct ngram *ctx, *g;
	double lower, denom;

	if (n == 1) {
		g = ng_find(lm, w, 1);
		if (w[0] == BOS)
			return 0;
		return ((g ? g->count : 0) + uni_types / nuni) /
		    (uni_total + uni_types);
	}
	lower = prob_of(lm, w + 1, n - 1, nuni, uni_total, uni_types);
	ctx = ng_find(lm, w, n - 1);
	if (ctx == NULL || ctx->fsum == 0)
		return lower;
	g = ng_find(lm, w, n);
	denom = (double)ctx->fsum + ctx->ftypes;
	return (g ? g->count : 0) / denom + ctx->ftypes / denom * lower;
}

static int
cmp_ngram(const void *a, const void *b)
{
	const struct ngram *x = *(const struct ngram *const *)a;
	const struct ngram *y = *(const struct ngram *const *)b;
	int i;

	if (x->n != y->n)
		return x->n - y->n;
	for (i = 0; i < x->n; i++)
		if (x->w[i] != y->w[i])
			return x->w[i] < y->w[i] ? -1 : 1;
	return 0;
}

static double
log10p(double p)
{
	return p > 0 ? log10(p) : -99.0;
}

int
arpa_write(struct arpa_lm *lm, FILE *out)
{
	struct ngram **list;
	size_t i, k, nlist = 0, per[ARPA_MAX_ORDER + 1] = {0};
	double uni_total = 0, uni_types = 0, nuni;
	int n;

	/* follower statistics of every context */
	for (i = 0; i < lm->cap; i++) {
		lm->tab[i].fsum = lm->tab[i].ftypes = 0;
	}
	for (i = 0; i < lm->cap; i++) {
		struct ngram *g = &lm->tab[i], *ctx;
		if (g->n == 0)
			continue;
		per[g->n]++;
		if (g->n == 1) {
			if (g->w[0] != BOS) {
				uni_total += g->count;
				uni_types++;
			}
			continue;
		}
		if ((ctx = ng_find(lm, g->w, g->n - 1)) != NULL) {
			ctx->fsum += g->count;
			ctx->ftypes++;
		}
	}
	if (uni_types == 0)
		return -1;
	nuni = (double)lm->nwords - 1; /* every word but <s> */
	if ((list = malloc(lm->used * sizeof(*list))) == NULL)
		return -1;
	for (i = 0; i < lm->cap; i++) {
		struct ngram *g = &lm->tab[i];
		if (g->n == 0)
			continue;
		g->prob = prob_of(lm, g->w, g->n, nuni, uni_total, uni_types);
		g->bow = g->n < lm->order && g->fsum
		    ? (double)g->ftypes / ((double)g->fsum + g->ftypes)
		    : 1.0;
		list[nlist++] = g;
	}
	qsort(list, nlist, sizeof(*list), cmp_ngram);

	fprintf(out, "\\data\\\n");
	for (n = 1; n <= lm->order; n++)
		fprintf(out, "ngram %d=%zu\n", n, per[n]);
	for (n = 1, k = 0; n <= lm->order; n++) {
		fprintf(out, "\n\\%d-grams:\n", n);
		for (; k < nlist && list[k]->n == n; k++) {
			const struct ngram *g = list[k];
			fprintf(out, "%.6f", log10p(g->prob));
			for (i = 0; i < (size_t)n; i++)
				fprintf(out, "%c%s", i ? ' ' : '\t',
				    lm->words[g->w[i]]);
			if (n < lm->order)
				fprintf(out, "\t%.6f", log10p(g->bow));
			fputc('\n', out);
		}
	}
	fprintf(out, "\n\\end\\\n");
	free(list);
	return ferror(out) ? -1 : 0;
}

int
arpa_write_file(struct arpa_lm *lm, const char *path)
{
	FILE *f = fopen(path, "w");
	int rv;

	if (f == NULL)
		return -1;
	rv = arpa_write(lm, f);
	if (fclose(f) != 0)
		rv = -1;
	return rv;
}
