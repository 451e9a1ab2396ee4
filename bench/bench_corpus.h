/*
 * bench_corpus.h - the fixed in-domain receptionist utterances the bench
 * (and the recognition test) speak with flite, with the slots each one
 * carries, plus word error rate and slot scoring.
 */
#ifndef STT_BENCH_CORPUS_H
#define STT_BENCH_CORPUS_H

#include <stddef.h>
#include <stdint.h>

enum bench_slot {
	SLOT_SERVICE,
	SLOT_DATE,
	SLOT_TIME,
	SLOT_DIGITS,
	SLOT_NAME,
	SLOT_MAX
};

struct bench_utt {
	const char *text;
	const char *slot[SLOT_MAX]; /* words that must appear, or NULL */
};

/* One spoken utterance: 8 kHz telephone PCM and what was said. */
struct bench_clip {
	int16_t *pcm;
	size_t n;
	const char *ref;
	const struct bench_utt *utt; /* NULL for human clips */
	const char *voice;
};

extern const struct bench_utt bench_utts[];
extern const size_t bench_nutts;
extern const char *const bench_slot_names[SLOT_MAX];

/* Word edit distance between ref and hyp; *nref gets ref's word count. */
size_t wer_errors(const char *ref, const char *hyp, size_t *nref);
/* 1 if the words of slot appear consecutively in hyp. */
int slot_found(const char *hyp, const char *slot);

#endif
