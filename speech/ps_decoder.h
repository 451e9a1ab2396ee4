/*
 * ps_decoder.h - one pocketsphinx decoder fed with 8 kHz telephone audio.
 *
 * Wraps the old (5prealpha) API: configuration, the front end that bridges
 * 8 kHz audio to the 16 kHz model, utterance start/feed/partial/end,
 * confidence, and switching the language model.  Used by the streaming
 * engine's decoder pool and by ps8k.  Not thread-safe: one thread at a time
 * per decoder.
 */
#ifndef STT_PS_DECODER_H
#define STT_PS_DECODER_H

#include <stddef.h>
#include <stdint.h>

/* How 8 kHz audio reaches the model. */
enum stt_front {
	STT_FRONT_ZERO = 0, /* zero insertion to 16 kHz, no low-pass */
	STT_FRONT_LOWPASS, /* interpolation to 16 kHz with a low-pass */
	STT_FRONT_NATIVE8K, /* 8 kHz features: -samprate 8000 -nfft 256 */
};

#define STT_MODEL_DIR "/usr/share/pocketsphinx/model/en-us"

/* The slot grammars' own search settings (psd_opts.grammar_search):
 * fillers and silence likelier, each word costlier than the model's. */
#define PSD_GRAMMAR_SEARCH "-fillprob 0.01 -silprob 0.1 -wip 0.2"

struct psd_opts {
	const char *hmm; /* acoustic model dir */
	const char *dict; /* pronunciation dictionary */
	const char *lm; /* ARPA or binary LM file */
	enum stt_front front;
	double gain; /* zero insertion scale (2 keeps the level) */
	int upperf; /* NATIVE8K filter bank top, Hz */
	int fast_final; /* skip the flat-lexicon and lattice passes
				   at the end of an utterance (-fwdflat no
				   -bestpath no): the final comes sooner */
	int grammars; /* 1: load the hint grammars (psd_hint);
				   sphinxbase's JSGF parser keeps ~88 bytes
				   of each for good, once per decoder */
	double reject_conf; /* psd_hinted_pass: the confidence from
				   which the model's hearing of a yes/no
				   answer outside the grammar is kept;
				   0: built in */
	double names_zipf; /* a listed name of rank r weighs r^-zipf in
				   the "name" grammar; 0 the built-in
				   value, < 0 all names alike */
	const char *word_dict; /* with grammars and a dict of a model's
				   own words: the whole dictionary the
				   grammars' and name lists' words are
				   taken from (NULL: none) */
	const char *names_first, *names_last; /* given names and surnames,
				   one a line ('#' comments): the "name"
				   hint's grammar; NULL for none */
	const char *search; /* pocketsphinx search settings on top of
				   ours, "-name value" pairs separated by
				   blanks (e.g. "-maxhmmpf 3000 -topn 2");
				   NULL or "" for none */
	const char *grammar_search; /* with grammars: pocketsphinx
				   search settings of the digits, spell
				   and name grammars' searches only (the
				   model and the yes/no grammar keep
				   theirs), as in search; NULL the
				   built-in PSD_GRAMMAR_SEARCH, "" none */
	const char *cmn_start; /* the channel estimate (cepstral mean) a
				   caller's first utterance starts from:
				   NULL or "" the telephone value measured
				   for the front end, "model" the model's
				   own (wideband), or 13 numbers "a,b,..." */
};

struct ps_dec;

/* Fill o with the defaults (stock model, zero insertion, gain 2). */
void psd_defaults(struct psd_opts *o);
/* Parse "zero|lowpass|native8k"; -1 if unknown. */
int psd_front_parse(const char *s);
const char *psd_front_name(enum stt_front f);

struct ps_dec *psd_open(const struct psd_opts *o, char *err, size_t errlen);
void psd_close(struct ps_dec *d);
/* Replace the language model (between utterances). 0 or -1. */
int psd_set_lm(struct ps_dec *d, const char *path);
/* Add the words of dictionary file path the decoder does not know yet
 * (between utterances, before the psd_set_lm of a model that has them).
 * 0, or -1 if the file is unreadable or a word could not be added. */
int psd_add_dict(struct ps_dec *d, const char *path);
/* Search the next utterances for what the agent's question asks (its
 * STT_HINT expect): "yesno", "digits" and "spell" (letters, NATO
 * alphabet) a grammar of those answers,
 * "name" one of a given name and a surname from the name lists (when
 * psd_opts has them), any other (or NULL) the language model.  Between utterances; 0 or -1. */
int psd_hint(struct ps_dec *d, const char *expect);
/* Build the "name" grammar again with the n names (lower case) the
 * business knows (the CRM's customers, the agent's hints) as given names
 * and surnames before the lists', each weighing as much as the lists'
 * most frequent.  Between utterances, only when the lists were given;
 * sphinxbase keeps ~88 bytes of every grammar for good, so call it when
 * the names change, not per utterance.  0 or -1. */
int psd_set_names(struct ps_dec *d, const char *const *words, size_t n);
/* Start an utterance.  pocketsphinx's live cepstral mean (the channel
 * estimate) carries over from whatever this decoder heard last. */
int psd_start(struct ps_dec *d);
/* The channel estimate after an utterance, to start the next one of the
 * same caller from (a pooled decoder serves every call in turn). */
#define PSD_CMN_MAX 16
struct psd_cmn {
	int n; /* 0: none yet */
	float v[PSD_CMN_MAX];
};
/* Start an utterance as a new stream (pocketsphinx's noise estimate
 * restarts) whose channel estimate is `prior`, or the decoder's start
 * value (cmn_start) when NULL or empty: what the decoder heard before
 * plays no part. */
int psd_start_from(struct ps_dec *d, const struct psd_cmn *prior);
/* The estimate now (after psd_end: updated with that utterance). */
void psd_cmn_get(struct ps_dec *d, struct psd_cmn *out);
/* Parse a cmn_start value into out (out->n 0: the telephone default).
 * 0, or -1 if it is neither empty, "model" nor a list of numbers. */
int psd_cmn_parse(const char *s, struct psd_cmn *out, int *model);
/* Feed 8 kHz PCM. 0 or -1. */
int psd_feed(struct ps_dec *d, const int16_t *pcm, size_t n);
/* The current partial hypothesis ("" if none); valid until the next call. */
const char *psd_partial(struct ps_dec *d);
/* End the utterance; text gets the hypothesis, conf 0..1. 0 or -1. */
int psd_end(struct ps_dec *d, char *text, size_t len, double *conf);
/* What else the last utterance could have been, and how sure each word
 * of the best hypothesis is (lattice posteriors).  Read after psd_end. */
#define PSD_NBEST 3
#define PSD_WORDS 32
struct psd_detail {
	int nalts; /* alternatives, best (the text) first */
	char alt[PSD_NBEST][256];
	const char *alt_p[PSD_NBEST]; /* alt[i], for arrays of strings */
	double alt_conf[PSD_NBEST]; /* 0..1 */
	int nwords;
	char word[PSD_WORDS][32];
	const char *word_p[PSD_WORDS];
	double word_conf[PSD_WORDS]; /* 0..1 */
};
/* Fill out from the utterance psd_end just ended (best's conf is its
 * utterance confidence); nothing when there was no hypothesis. */
void psd_detail(struct ps_dec *d, double conf, struct psd_detail *out);
/* The hinted second pass.  The language model is searched first, as the
 * audio comes (its partials drive the endpointing); when the agent's
 * question has a grammar of answers (psd_has_grammar), the whole
 * utterance is then searched again with it, from the same channel
 * estimate `prior` the first pass started from.  The grammar's answer
 * replaces the model's (text, conf, det) unless the model heard, surely
 * enough (confidence >= psd_opts.reject_conf for a yes/no, a fixed higher
 * bar for the others), an answer the grammar has no words for: for a
 * yes/no any word outside the grammar's, and however unsure the model
 * is when its hearing begins with a yes or a no (a "no" with a
 * correction after it: the grammar would drop the correction), for the
 * others at least half of its words.  A grammar
 * forces every answer into its phrases ("can I do Thursday instead" comes
 * out as a yes or a no); the model is the way out.  Call after psd_end
 * and psd_detail of the first pass; the decoder is back on the model
 * after.  1 the grammar's answer was taken, 0 the model's kept, -1 error;
 * info (if not NULL) gets both hearings. */
struct psd_pass_info {
	char model[256], grammar[256]; /* what each search heard */
	double model_conf;
	int words, foreign; /* the model's words, those not in the grammar */
};
/* The polarity of an answer as the agent reads it: 1 a yes, -1 a no
 * ("no", "not", "that's it"...: the first cue from the left decides), 0
 * neither.  A yes/no grammar's yes is never taken over the model's no. */
int psd_polarity(const char *text);
int psd_has_grammar(struct ps_dec *d, const char *expect);
int psd_hinted_pass(struct ps_dec *d, const char *expect,
    const struct psd_cmn *prior, const int16_t *pcm, size_t n, char *text,
    size_t len, double *conf, struct psd_detail *det,
    struct psd_pass_info *info);
/* The same choice when the grammar searched the answer on a decoder of
 * its own, g, fed the same audio from the same channel estimate as the
 * model as it came (psd_hint(g, expect), psd_start_from, psd_feed):
 * ends g's utterance and takes its hearing or keeps the model's (text,
 * conf, det, after the model's psd_end and psd_detail).  Only g's end
 * waits for the final.  1 taken, 0 kept, -1 error (the model's kept). */
int psd_hinted_take(struct ps_dec *g, const char *expect, char *text,
    size_t len, double *conf, struct psd_detail *det,
    struct psd_pass_info *info);
/* End the utterance and throw the result away (call ended). */
void psd_abort(struct ps_dec *d);
/* 1 if word has a pronunciation. */
int psd_knows(struct ps_dec *d, const char *word);

#endif
