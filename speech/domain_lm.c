/*
 * domain_lm.c - corpus + dictionary + n-gram builder -> ARPA file (see
 * domain_lm.h).  Library code; talks to no process.
 */
#include <stdio.h>
#include <string.h>

#include "speech/arpa_lm.h"
#include "speech/dict_words.h"
#include "speech/domain_corpus.h"
#include "speech/domain_lm.h"

struct sink {
	struct arpa_lm *lm;
	size_t n;
};

static int
add(void *arg, const char *sentence)
{
	struct sink *s = arg;

	s->n++;
	return arpa_add_sentence(s->lm, sentence) < 0 ? -1 : 0;
}

int
domain_lm_build(const struct fd_business *b, const char *const *extra,
    size_t nextra, const char *corpus_file, struct dict_words *dict,
    const char *out_path, struct domain_lm_info *info, char *err, size_t errlen)
{
	struct sink s = {NULL, 0};
	int rv = -1;

	if ((s.lm = arpa_new(3, dict_words_has, dict)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (b && domain_corpus(b, extra, nextra, add, &s) != 0) {
		snprintf(err, errlen, "out of memory building the corpus");
		goto out;
	}
	if (corpus_file && arpa_add_file(s.lm, corpus_file) != 0) {
		snprintf(err, errlen, "cannot read corpus %s", corpus_file);
		goto out;
	}
	if (arpa_vocab_size(s.lm) <= 2) {
		snprintf(
		    err, errlen, "corpus has no word the dictionary knows");
		goto out;
	}
	if (arpa_write_file(s.lm, out_path) != 0) {
		snprintf(err, errlen, "cannot write %s", out_path);
		goto out;
	}
	if (info) {
		info->sentences = s.n;
		info->vocab = arpa_vocab_size(s.lm);
		info->skipped = arpa_skipped(s.lm);
	}
	rv = 0;
out:
	arpa_free(s.lm);
	return rv;
}

int
corpus_lm_build(const char *corpus_file, const char *dict_path,
    const char *out_path, struct domain_lm_info *info, char *err, size_t errlen)
{
	struct dict_words *dict;
	int rv;

	if ((dict = dict_words_load(dict_path)) == NULL) {
		snprintf(err, errlen, "cannot read dictionary %s", dict_path);
		return -1;
	}
	rv = domain_lm_build(
	    NULL, NULL, 0, corpus_file, dict, out_path, info, err, errlen);
	dict_words_free(dict);
	return rv;
}
