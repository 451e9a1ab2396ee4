/*
 * ps_lm.h - the language model the pocketsphinx engine decodes with:
 * either the stock generic model or the domain model built from the
 * business config, the extra words file and words the agent hinted.
 * Rebuilds run on a builder thread; each rebuild bumps a generation that
 * the decoder pool picks up between utterances.
 */
#ifndef STT_PS_LM_H
#define STT_PS_LM_H

#include <stddef.h>
#include <libconfig.h>

struct ps_lm_opts {
	const char *kind; /* "domain" or "generic" */
	const char *dict; /* dictionary the decoders use */
	const char *generic; /* stock LM file */
	const char *extra_file; /* names / makes, one per line ("" none) */
};

struct ps_lm;

/* Build the first model now (synchronously). NULL with err on failure. */
struct ps_lm *ps_lm_new(
    const config_t *cfg, const struct ps_lm_opts *o, char *err, size_t errlen);
void ps_lm_free(struct ps_lm *lm);
/* Copy the current model's path; returns its generation. */
unsigned ps_lm_current(struct ps_lm *lm, char *path, size_t len);
/* The dictionary beside domain model lm_path: the whole dictionary's
 * lines for that model's words, for a decoder that loads fast.  0, or -1
 * for the generic model (decoders use the whole dictionary). */
int ps_lm_dict(struct ps_lm *lm, const char *lm_path, char *dict, size_t len);
/* Words the agent expects (names, makes): schedules a rebuild when one is
 * new and pronounceable.  Returns how many were new. */
int ps_lm_add_words(struct ps_lm *lm, const char *const *words, size_t n);
/* Re-read the business and the extra words file; rebuild. */
int ps_lm_reload(struct ps_lm *lm, const config_t *cfg, const char *extra_file);

#endif
