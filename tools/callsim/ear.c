/*
 * ear.c - callsim's recogniser (see ear.h) on pocketsphinx's old API.
 * The model's feat.params asks for batch CMN; fed in pieces the decoder
 * falls back to a live mean that drifts with everything decoded before,
 * so the same reply can be heard differently from one call to the next.
 * Here the live mean is put back to the model's start value before each
 * utterance (or, for comparison, a full utterance goes in at once for a
 * batch mean over it alone; worse on the first words of short pieces).
 * Talks to no process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pocketsphinx.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/err.h>
#include <sphinxbase/feat.h>

#include "ear.h"
#include "speech/domain_lm.h"
#include "speech/ps_decoder.h"
#include "speech/resample.h"

#define MIN_PIECE 1600 /* 200 ms at 8 kHz */

struct ear {
	ps_decoder_t *ps;
	cmd_ln_t *cfg;
	enum ear_cmn cmn;
	size_t pad; /* 8 kHz samples of quiet each side */
	mfcc_t *mean0; /* the live mean as the model starts it */
	int16_t *buf; /* 16 kHz scratch */
	size_t cap;
};

struct ear *
ear_open(
    const char *corpus, enum ear_cmn cmn, int pad_ms, char *err, size_t errlen)
{
	struct psd_opts o;
	struct ear *e;
	char path[] = "/tmp/callsim-lm-XXXXXX";
	feat_t *f;
	int fd;

	psd_defaults(&o);
	if (corpus) {
		if ((fd = mkstemp(path)) < 0) {
			snprintf(err, errlen, "cannot create a temporary file");
			return NULL;
		}
		close(fd);
		if (corpus_lm_build(corpus, o.dict, path, NULL, err, errlen) !=
		    0) {
			unlink(path);
			return NULL;
		}
		o.lm = path;
	}
	err_set_logfp(NULL);
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	e->cmn = cmn;
	e->pad = pad_ms > 0 ? (size_t)pad_ms * 8 : 0;
	e->cfg = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", o.hmm, "-dict",
	    o.dict, "-lm", o.lm, "-samprate", "16000", "-fwdflat", "yes",
	    "-bestpath", "yes", NULL);
	if (e->cfg == NULL) {
		snprintf(err, errlen, "pocketsphinx: bad configuration");
		goto fail;
	}
	if ((e->ps = ps_init(e->cfg)) == NULL) {
		snprintf(err, errlen,
		    "pocketsphinx: cannot load model %s "
		    "(lm %s)",
		    o.hmm, o.lm);
		goto fail;
	}
	f = ps_get_feat(e->ps);
	if ((e->mean0 = calloc(
	         (size_t)f->cmn_struct->veclen, sizeof(*e->mean0))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	cmn_live_get(f->cmn_struct, e->mean0);
	if (corpus)
		unlink(path);
	return e;
fail:
	if (corpus)
		unlink(path);
	ear_close(e);
	return NULL;
}

int
ear_decode(struct ear *e, const int16_t *pcm, size_t n, char *text, size_t len)
{
	const char *h;
	int16_t *nb;
	int32 score;
	int full = e->cmn == EAR_CMN_BATCH;
	size_t total = 2 * (n + 2 * e->pad), i;
	unsigned r = 12345;

	if (len)
		text[0] = '\0';
	if (n == 0)
		return 0;
	if (total > e->cap) {
		if ((nb = realloc(e->buf, total * sizeof(*nb))) == NULL)
			return -1;
		e->buf = nb;
		e->cap = total;
	}
	/* quiet as a line has it: a little noise, not digital zero */
	for (i = 0; i < 2 * e->pad; i++) {
		r = r * 1103515245u + 12345u;
		e->buf[i] = e->buf[total - 1 - i] =
		    (int16_t)((int)(r >> 16 & 7) - 4);
	}
	stt_up_zero(pcm, n, e->buf + 2 * e->pad, 2.0);
	if (e->cmn == EAR_CMN_RESET)
		cmn_live_set(ps_get_feat(e->ps)->cmn_struct, e->mean0);
	if (ps_start_utt(e->ps) != 0)
		return -1;
	if (ps_process_raw(e->ps, e->buf, total, FALSE, full) < 0) {
		ps_end_utt(e->ps);
		return -1;
	}
	if (ps_end_utt(e->ps) < 0)
		return -1;
	if ((h = ps_get_hyp(e->ps, &score)) != NULL && len)
		snprintf(text, len, "%s", h);
	return 0;
}

int
ear_hear(struct ear *e, const int16_t *pcm, size_t n, const size_t *cuts,
    size_t ncuts, char *text, size_t len)
{
	char piece[2048];
	size_t start = 0, end, k = 0, o = 0;
	int r = 0;

	if (len == 0)
		return 0;
	text[0] = '\0';
	while (r == 0 && start < n) {
		end = start;
		do {
			while (k < ncuts && cuts[k] <= end)
				k++;
			end = k < ncuts && cuts[k] < n ? cuts[k] : n;
		} while (end < n && end - start < MIN_PIECE);
		r = ear_decode(
		    e, pcm + start, end - start, piece, sizeof(piece));
		if (r == 0 && piece[0] && o + 1 < len) {
			o += (size_t)snprintf(
			    text + o, len - o, "%s%s", o ? " " : "", piece);
			if (o >= len)
				o = len - 1;
		}
		start = end;
	}
	return r;
}

void
ear_close(struct ear *e)
{
	if (e == NULL)
		return;
	if (e->ps)
		ps_free(e->ps);
	if (e->cfg)
		cmd_ln_free_r(e->cfg);
	free(e->mean0);
	free(e->buf);
	free(e);
}
