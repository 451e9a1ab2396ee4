/*
 * domain_lm.h - build the business's domain language model file: the
 * generated receptionist corpus (domain_corpus.h) plus extra words, cut to
 * the dictionary, estimated by arpa_lm.  stt-worker calls it at start and
 * on rebuild; the tests and the bench call it too.
 */
#ifndef STT_DOMAIN_LM_H
#define STT_DOMAIN_LM_H

#include <stddef.h>

#include "business.h"

struct domain_lm_info {
	size_t sentences;
	size_t vocab; /* words kept, incl. <s> </s> */
	size_t skipped; /* word tokens the dictionary lacks */
};

struct dict_words;

/* Write an ARPA trigram model to out_path. extra may be NULL/0; corpus_file
 * (NULL for none) adds one sentence per line; dict is the decoder's
 * dictionary (dict_words.h).  0, or -1 with err. */
int domain_lm_build(const struct fd_business *b, const char *const *extra,
    size_t nextra, const char *corpus_file, struct dict_words *dict,
    const char *out_path, struct domain_lm_info *info, char *err,
    size_t errlen);

/* Build an ARPA model from a text file of sentences only (ps8k). */
int corpus_lm_build(const char *corpus_file, const char *dict_path,
    const char *out_path, struct domain_lm_info *info, char *err,
    size_t errlen);

#endif
