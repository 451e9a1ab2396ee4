/*
 * ps_lm.c - domain language model life cycle for the pocketsphinx engine
 * (see ps_lm.h).  Runs inside stt-worker: built at start, rebuilt on a
 * builder thread after SIGHUP or when the agent hints new words.  Model
 * files live in a private temporary directory, removed at exit.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "business.h"
#include "speech/dict_words.h"
#include "speech/domain_corpus.h"
#include "speech/domain_lm.h"
#include "log.h"
#include "ps_lm.h"

#define MAX_EXTRA 4096

struct ps_lm {
	int domain; /* 0: generic file, no rebuilds */
	char generic[512];
	char dir[64]; /* temporary directory */
	char dict_path[512]; /* the whole dictionary */
	struct dict_words *dict;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t builder;
	int have_builder;
	int stop;
	int dirty; /* a rebuild is wanted */
	unsigned gen;
	char path[700]; /* current model */
	struct fd_business biz;
	char **extra; /* file words + hinted words */
	size_t nextra;
};

static int build(struct ps_lm *lm, char *err, size_t errlen);
static int write_dict(struct ps_lm *lm, const char *arpa, const char *dict);
static void *builder_main(void *arg);

struct ps_lm *
ps_lm_new(
    const config_t *cfg, const struct ps_lm_opts *o, char *err, size_t errlen)
{
	struct ps_lm *lm = calloc(1, sizeof(*lm));
	char **words;
	size_t n, i;

	if (lm == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&lm->mu, NULL);
	pthread_cond_init(&lm->cv, NULL);
	snprintf(lm->generic, sizeof(lm->generic), "%s", o->generic);
	if (strcmp(o->kind, "generic") == 0) {
		snprintf(lm->path, sizeof(lm->path), "%s", o->generic);
		return lm;
	}
	if (strcmp(o->kind, "domain") != 0) {
		snprintf(err, errlen,
		    "stt.lm: '%s' is neither domain nor "
		    "generic",
		    o->kind);
		goto fail;
	}
	lm->domain = 1;
	snprintf(lm->dict_path, sizeof(lm->dict_path), "%s", o->dict);
	if (fd_business_load(cfg, &lm->biz, err, errlen) != 0)
		goto fail;
	if ((lm->dict = dict_words_load(o->dict)) == NULL) {
		snprintf(err, errlen, "cannot read dictionary %s", o->dict);
		goto fail;
	}
	if ((lm->extra = calloc(MAX_EXTRA, sizeof(*lm->extra))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (o->extra_file && o->extra_file[0]) {
		if ((words = stt_word_list_read(o->extra_file, &n)) == NULL) {
			snprintf(err, errlen,
			    "stt.extra_words_file: cannot "
			    "read %s",
			    o->extra_file);
			goto fail;
		}
		for (i = 0; i < n && lm->nextra < MAX_EXTRA; i++)
			lm->extra[lm->nextra++] = strdup(words[i]);
		stt_word_list_free(words);
	}
	snprintf(lm->dir, sizeof(lm->dir), "/tmp/stt-lm-XXXXXX");
	if (mkdtemp(lm->dir) == NULL) {
		lm->dir[0] = '\0';
		snprintf(err, errlen, "cannot create a temporary directory");
		goto fail;
	}
	if (build(lm, err, errlen) != 0)
		goto fail;
	if (pthread_create(&lm->builder, NULL, builder_main, lm) != 0) {
		snprintf(err, errlen, "cannot start the model builder");
		goto fail;
	}
	lm->have_builder = 1;
	return lm;
fail:
	ps_lm_free(lm);
	return NULL;
}

void
ps_lm_free(struct ps_lm *lm)
{
	char path[700];
	unsigned g;
	size_t i;

	if (lm == NULL)
		return;
	if (lm->have_builder) {
		pthread_mutex_lock(&lm->mu);
		lm->stop = 1;
		pthread_cond_broadcast(&lm->cv);
		pthread_mutex_unlock(&lm->mu);
		pthread_join(lm->builder, NULL);
	}
	if (lm->dir[0]) {
		for (g = lm->gen > 2 ? lm->gen - 2 : 0; g <= lm->gen; g++) {
			snprintf(path, sizeof(path), "%s/domain-%u.arpa",
			    lm->dir, g);
			unlink(path);
			snprintf(path, sizeof(path), "%s/domain-%u.dict",
			    lm->dir, g);
			unlink(path);
		}
		rmdir(lm->dir);
	}
	for (i = 0; i < lm->nextra; i++)
		free(lm->extra[i]);
	free(lm->extra);
	dict_words_free(lm->dict);
	pthread_mutex_destroy(&lm->mu);
	pthread_cond_destroy(&lm->cv);
	free(lm);
}

unsigned
ps_lm_current(struct ps_lm *lm, char *path, size_t len)
{
	unsigned g;

	pthread_mutex_lock(&lm->mu);
	snprintf(path, len, "%s", lm->path);
	g = lm->gen;
	pthread_mutex_unlock(&lm->mu);
	return g;
}

int
ps_lm_dict(struct ps_lm *lm, const char *lm_path, char *dict, size_t len)
{
	size_t n = strlen(lm_path);

	if (!lm->domain || n < 5 || strcmp(lm_path + n - 5, ".arpa") != 0 ||
	    n + 1 > len)
		return -1;
	snprintf(dict, len, "%.*s.dict", (int)(n - 5), lm_path);
	return 0;
}

/* 1 if every word of the phrase is pronounceable. */
static int
sayable(struct ps_lm *lm, const char *phrase)
{
	char w[64];
	size_t len;
	int any = 0;

	while (*phrase) {
		while (*phrase &&
		    !(isalnum((unsigned char)*phrase) || *phrase == '\''))
			phrase++;
		for (len = 0; *phrase &&
		     (isalnum((unsigned char)*phrase) || *phrase == '\'');
		     phrase++)
			if (len + 1 < sizeof(w))
				w[len++] =
				    (char)tolower((unsigned char)*phrase);
		w[len] = '\0';
		if (len == 0)
			break;
		if (!dict_words_has(lm->dict, w))
			return 0;
		any = 1;
	}
	return any;
}

int
ps_lm_add_words(struct ps_lm *lm, const char *const *words, size_t n)
{
	size_t i, k;
	int added = 0;

	if (!lm->domain)
		return 0;
	pthread_mutex_lock(&lm->mu);
	for (i = 0; i < n && lm->nextra < MAX_EXTRA; i++) {
		for (k = 0; k < lm->nextra; k++)
			if (strcasecmp(lm->extra[k], words[i]) == 0)
				break;
		if (k < lm->nextra || !sayable(lm, words[i]))
			continue;
		if ((lm->extra[lm->nextra] = strdup(words[i])) == NULL)
			break;
		lm->nextra++;
		added++;
	}
	if (added) {
		lm->dirty = 1;
		pthread_cond_broadcast(&lm->cv);
	}
	pthread_mutex_unlock(&lm->mu);
	return added;
}

int
ps_lm_reload(struct ps_lm *lm, const config_t *cfg, const char *extra_file)
{
	struct fd_business b;
	char err[256], **words = NULL;
	size_t n = 0;

	if (!lm->domain)
		return 0;
	if (fd_business_load(cfg, &b, err, sizeof(err)) != 0) {
		log_warnx(NULL, "domain lm: keeping the old model: %s", err);
		return -1;
	}
	if (extra_file && extra_file[0] &&
	    (words = stt_word_list_read(extra_file, &n)) == NULL)
		log_warnx(NULL, "domain lm: cannot read %s", extra_file);
	pthread_mutex_lock(&lm->mu);
	lm->biz = b;
	pthread_mutex_unlock(&lm->mu);
	if (words)
		ps_lm_add_words(lm, (const char *const *)words, n);
	stt_word_list_free(words);
	pthread_mutex_lock(&lm->mu);
	lm->dirty = 1;
	pthread_cond_broadcast(&lm->cv);
	pthread_mutex_unlock(&lm->mu);
	return 0;
}

/* Build generation gen+1 and publish it.  The builder thread is the only
 * writer after start-up, so the extra list is copied under the lock and
 * built from outside it. */
static int
build(struct ps_lm *lm, char *err, size_t errlen)
{
	struct domain_lm_info info;
	struct fd_business b;
	char path[700], old[700], dict[700], **extra;
	size_t n, i;
	unsigned g;
	int rv;

	pthread_mutex_lock(&lm->mu);
	b = lm->biz;
	n = lm->nextra;
	g = lm->gen + 1;
	extra = calloc(n + 1, sizeof(*extra));
	for (i = 0; extra && i < n; i++)
		extra[i] = strdup(lm->extra[i]);
	lm->dirty = 0;
	pthread_mutex_unlock(&lm->mu);
	if (extra == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/domain-%u.arpa", lm->dir, g);
	rv = domain_lm_build(&b, (const char *const *)extra, n, NULL, lm->dict,
	    path, &info, err, errlen);
	for (i = 0; i < n; i++)
		free(extra[i]);
	free(extra);
	if (rv != 0)
		return -1;
	ps_lm_dict(lm, path, dict, sizeof(dict));
	if (write_dict(lm, path, dict) != 0) {
		snprintf(err, errlen, "cannot write %s", dict);
		return -1;
	}
	pthread_mutex_lock(&lm->mu);
	snprintf(lm->path, sizeof(lm->path), "%s", path);
	lm->gen = g;
	pthread_mutex_unlock(&lm->mu);
	/* two generations back nobody can still be loading */
	if (g > 2) {
		snprintf(old, sizeof(old), "%s/domain-%u.arpa", lm->dir, g - 2);
		unlink(old);
		snprintf(old, sizeof(old), "%s/domain-%u.dict", lm->dir, g - 2);
		unlink(old);
	}
	log_info(NULL,
	    "domain lm %u: %zu sentences, %zu words, %zu extra, "
	    "%zu unknown tokens skipped",
	    g, info.sentences, info.vocab, n, info.skipped);
	return 0;
}

static void *
builder_main(void *arg)
{
	struct ps_lm *lm = arg;
	char err[256];

	pthread_mutex_lock(&lm->mu);
	while (!lm->stop) {
		if (!lm->dirty) {
			pthread_cond_wait(&lm->cv, &lm->mu);
			continue;
		}
		pthread_mutex_unlock(&lm->mu);
		if (build(lm, err, sizeof(err)) != 0)
			log_warnx(NULL,
			    "domain lm rebuild failed, keeping "
			    "the old model: %s",
			    err);
		pthread_mutex_lock(&lm->mu);
	}
	pthread_mutex_unlock(&lm->mu);
	return NULL;
}

/*
 * The dictionary beside a model: the lines of the whole dictionary for the
 * words of the model's unigrams.  A decoder loaded with it starts in a
 * fraction of the time: pocketsphinx maps every dictionary word into the
 * model's word table (a hash sized for the model's few hundred words), so
 * a decoder with the whole dictionary spends most of its load on 134,000
 * inserts into a table of a few hundred buckets, and the n-gram search
 * can only ever recognise the model's words anyway.
 */
static int
write_dict(struct ps_lm *lm, const char *arpa, const char *dict)
{
	struct dict_words *keep;
	char line[512], *w, *e;
	int in1 = 0, rv = -1;
	FILE *f;

	if ((f = fopen(arpa, "r")) == NULL)
		return -1;
	if ((keep = dict_words_new()) == NULL) {
		fclose(f);
		return -1;
	}
	/* "\1-grams:" then "logprob word [backoff]" lines up to "\2-grams:"
	 * or "\end\" */
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '\\') {
			if (in1)
				break;
			in1 = strncmp(line, "\\1-grams:", 9) == 0;
			continue;
		}
		if (!in1 || strtok_r(line, " \t\n", &e) == NULL ||
		    (w = strtok_r(NULL, " \t\n", &e)) == NULL)
			continue;
		if (dict_words_add(keep, w) != 0)
			goto out;
	}
	rv = dict_words_filter(lm->dict_path, keep, dict);
out:
	fclose(f);
	dict_words_free(keep);
	return rv;
}
