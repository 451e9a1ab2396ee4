/*
 * arpa_lm_test.c - the n-gram builder: every context's distribution sums
 * to one when read back as an ARPA backoff model, backoff weights are the
 * Witten-Bell interpolation weights, unknown words are skipped without
 * joining their neighbours; number spelling; the domain corpus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "speech/arpa_lm.h"
#include "business.h"
#include "speech/domain_corpus.h"
#include "tests/harness/unit.h"

/* A tiny ARPA reader: enough to query the model back. */
struct entry {
	int n;
	char w[3][32];
	double lp, lbow;
};

struct model {
	struct entry *e;
	size_t n;
	char vocab[512][32];
	size_t nv;
};

static void
read_model(FILE *f, struct model *m)
{
	char line[512];
	int order = 0;

	memset(m, 0, sizeof(*m));
	m->e = calloc(20000, sizeof(*m->e));
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		struct entry *e;
		int k;
		char *tok, *save;

		if (sscanf(line, "\\%d-grams:", &order) == 1)
			continue;
		if (order == 0 || line[0] == '\n' || line[0] == '\\')
			continue;
		assert_true(m->n < 20000);
		e = &m->e[m->n++];
		e->n = order;
		tok = strtok_r(line, " \t\n", &save);
		e->lp = atof(tok);
		for (k = 0; k < order; k++) {
			tok = strtok_r(NULL, " \t\n", &save);
			assert_non_null(tok);
			snprintf(e->w[k], 32, "%s", tok);
		}
		tok = strtok_r(NULL, " \t\n", &save);
		e->lbow = tok ? atof(tok) : 0;
		if (order == 1 && strcmp(e->w[0], "<s>") != 0)
			snprintf(m->vocab[m->nv++], 32, "%s", e->w[0]);
	}
}

static const struct entry *
lookup(const struct model *m, const char *const *w, int n)
{
	size_t i;
	int k;

	for (i = 0; i < m->n; i++) {
		if (m->e[i].n != n)
			continue;
		for (k = 0; k < n && strcmp(m->e[i].w[k], w[k]) == 0; k++)
			;
		if (k == n)
			return &m->e[i];
	}
	return NULL;
}

/* log10 p(w[n-1] | w[0..n-2]) by the ARPA backoff rule */
static double
lprob(const struct model *m, const char *const *w, int n)
{
	const struct entry *e = lookup(m, w, n), *ctx;

	if (e)
		return e->lp;
	assert_true(n > 1);
	ctx = lookup(m, w, n - 1);
	return (ctx ? ctx->lbow : 0) + lprob(m, w + 1, n - 1);
}

static FILE *
build(const char *const *sent, size_t n, arpa_known_fn known, size_t *skip,
    int order)
{
	struct arpa_lm *lm = arpa_new(order, known, NULL);
	FILE *f = tmpfile();
	size_t i;

	assert_non_null(lm);
	assert_non_null(f);
	for (i = 0; i < n; i++)
		assert_true(arpa_add_sentence(lm, sent[i]) >= 0);
	assert_int_equal(arpa_write(lm, f), 0);
	if (skip)
		*skip = arpa_skipped(lm);
	arpa_free(lm);
	return f;
}

static const char *const corpus[] = {
    "book an oil change next tuesday at ten",
    "book a tire rotation on friday",
    "I'd like an oil change",
    "my number is five five five one two",
    "yes that's right",
    "yes please",
    "no",
    "yes",
    "can I book an appointment on tuesday at ten thirty",
};

static void
check_sums(const struct model *m, int order)
{
	size_t i, v;

	/* unigram distribution */
	{
		double s = 0;
		for (v = 0; v < m->nv; v++) {
			const char *w[1] = {m->vocab[v]};
			s += pow(10, lprob(m, w, 1));
		}
		assert_true(fabs(s - 1) < 1e-4);
	}
	/* every context that appears as an (n-1)-gram */
	for (i = 0; i < m->n; i++) {
		const struct entry *c = &m->e[i];
		double s = 0;
		if (c->n >= order || strcmp(c->w[c->n - 1], "</s>") == 0)
			continue;
		for (v = 0; v < m->nv; v++) {
			const char *w[3];
			int k;
			for (k = 0; k < c->n; k++)
				w[k] = c->w[k];
			w[c->n] = m->vocab[v];
			s += pow(10, lprob(m, w, c->n + 1));
		}
		if (fabs(s - 1) > 1e-3)
			fail_msg("context '%s %s' sums to %f", c->w[0],
			    c->n > 1 ? c->w[1] : "", s);
	}
}

static void
test_normalises(void **state)
{
	struct model m;
	FILE *f;
	int order;

	(void)state;
	for (order = 1; order <= 3; order++) {
		f = build(corpus, sizeof(corpus) / sizeof(corpus[0]), NULL,
		    NULL, order);
		read_model(f, &m);
		assert_true(m.nv > 20);
		check_sums(&m, order);
		free(m.e);
		fclose(f);
	}
}

static void
test_backoff_weights(void **state)
{
	static const char *const s[] = {"a b", "a c", "a b"};
	const char *ab[2] = {"a", "b"}, *a[1] = {"a"};
	const struct entry *e;
	struct model m;
	FILE *f = build(s, 3, NULL, NULL, 3);

	(void)state;
	read_model(f, &m);
	/* "a" is followed by 3 tokens of 2 types: lambda = 2 / (3 + 2) */
	e = lookup(&m, a, 1);
	assert_non_null(e);
	assert_true(fabs(e->lbow - log10(2.0 / 5)) < 1e-5);
	/* p(b|a) = 2/5 + lambda * p(b), p(b) = (2 + T/V) / (N + T) with
	 * N = 6 tokens (a, b, c, </s>), T = V = 4 types */
	e = lookup(&m, ab, 2);
	assert_non_null(e);
	assert_true(fabs(pow(10, e->lp) -
	                (2.0 / 5 + 2.0 / 5 * (2 + 1.0) / (9 + 4))) < 1e-5);
	free(m.e);
	fclose(f);
}

static int
known(void *arg, const char *w)
{
	(void)arg;
	return strcmp(w, "zzyzx") != 0;
}

static void
test_unknown_skipped(void **state)
{
	static const char *const s[] = {"call zzyzx now", "zzyzx", "call me"};
	const char *call_now[2] = {"call", "now"}, *now[1] = {"now"},
	           *bos_now[2] = {"<s>", "now"}, *z[1] = {"zzyzx"};
	struct model m;
	size_t skip;
	FILE *f = build(s, 3, known, &skip, 3);

	(void)state;
	read_model(f, &m);
	assert_int_equal(skip, 2);
	assert_null(lookup(&m, z, 1));
	assert_non_null(lookup(&m, now, 1));
	/* no n-gram bridges the gap, nor pretends "now" starts a sentence */
	assert_null(lookup(&m, call_now, 2));
	assert_null(lookup(&m, bos_now, 2));
	check_sums(&m, 3);
	free(m.e);
	fclose(f);
}

static void
test_numbers(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(stt_num_words(7, b, sizeof(b)), "seven");
	assert_string_equal(stt_num_words(26, b, sizeof(b)), "twenty six");
	assert_string_equal(stt_num_words(300, b, sizeof(b)), "three hundred");
	assert_string_equal(
	    stt_num_words(1200, b, sizeof(b)), "twelve hundred");
	assert_string_equal(
	    stt_num_words(2005, b, sizeof(b)), "two thousand five");
	assert_string_equal(
	    stt_num_words(2019, b, sizeof(b)), "twenty nineteen");
	assert_string_equal(
	    stt_num_words(1905, b, sizeof(b)), "nineteen oh five");
	assert_string_equal(stt_ordinal_words(3, b, sizeof(b)), "third");
	assert_string_equal(stt_ordinal_words(20, b, sizeof(b)), "twentieth");
	assert_string_equal(
	    stt_ordinal_words(26, b, sizeof(b)), "twenty sixth");
	assert_string_equal(
	    stt_ordinal_words(31, b, sizeof(b)), "thirty first");
}

struct seen {
	size_t n;
	int oil, cancel, persona, extra, upper;
};

static int
collect(void *arg, const char *s)
{
	struct seen *c = arg;
	const char *p;

	c->n++;
	c->oil += strstr(s, "oil change") != NULL;
	c->cancel += strstr(s, "cancel my appointment") != NULL;
	c->persona += strstr(s, "ava") != NULL;
	c->extra += strstr(s, "zanzibar motors") != NULL;
	for (p = s; *p; p++)
		c->upper += *p >= 'A' && *p <= 'Z';
	return 0;
}

static void
test_domain_corpus(void **state)
{
	static const char *const extra[] = {"Zanzibar Motors"};
	struct fd_business b;
	struct seen c = {0};
	char err[128];

	(void)state;
	assert_int_equal(fd_business_load(NULL, &b, err, sizeof(err)), 0);
	assert_int_equal(domain_corpus(&b, extra, 1, collect, &c), 0);
	assert_true(c.n > 1000);
	assert_true(c.oil > 5);
	assert_true(c.cancel > 0);
	assert_true(c.persona > 0);
	assert_true(c.extra > 0);
	assert_int_equal(c.upper, 0);
}

UNIT_MAIN(NULL, NULL, cmocka_unit_test(test_normalises),
    cmocka_unit_test(test_backoff_weights),
    cmocka_unit_test(test_unknown_skipped), cmocka_unit_test(test_numbers),
    cmocka_unit_test(test_domain_corpus), )
