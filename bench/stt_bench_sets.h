/*
 * stt_bench_sets.h - the bench's hinted answer sets: yes/no answers,
 * digit strings and full names, spoken by the four flite voices at two
 * rates through 8 kHz mu-law, clean and with line noise, each decoded
 * with the hint the agent sends for that question and scored the way the
 * agent reads the answer.
 */
#ifndef STT_BENCH_SETS_H
#define STT_BENCH_SETS_H

#include <jansson.h>

struct bench_sets_opts {
	const char *lm; /* the domain LM file */
	int quick; /* a few items of the held-out split only */
	int off_only; /* the answers that are neither yes nor no only */
	int heldout_only; /* the held-out split only (all of it) */
	int dev_only; /* the dev split only */
	int snr10; /* each item at 10 dB SNR too ("noise_10db") */
	int denoise; /* the line's noise taken out first (stt.denoise) */
	double denoise_floor_db; /* its gain floor (stt.denoise_floor_db) */
	const char *only; /* "yesno", "digits" or "name": that set only */
	int hints; /* 0: decode every set on the LM alone */
	int verbose; /* every hypothesis on stderr */
	double reject_conf; /* psd_opts.reject_conf (0: built in) */
	double names_zipf; /* psd_opts.names_zipf (0: built in) */
	int pad_ms; /* line silence before each clip (twice as much after):
		       the VAD's pre-roll and the endpoint's silence */
	/* the "name" grammar's lists (NULL: the bench's own name lists,
	 * which hold every name the sets say) */
	const char *names_first, *names_last;
	/* the slot grammars' search settings (stt.grammar_search; NULL the
	 * built-in default) */
	const char *grammar_search;
};

/* Decode both splits (seed 1 dev, seed 2 held-out); returns
 * {"dev": {...}, "heldout": {...}} with per-set accuracy, and the share
 * of answers that are neither yes nor no read as one
 * ("off_grammar_yesno_dev", "off_grammar_yesno"). */
json_t *bench_sets(const struct bench_sets_opts *o);

#endif
