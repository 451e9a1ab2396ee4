/*
 * ps8k.c - whole-utterance decoding of 8 kHz audio on the local engine, for
 * tools that already hold an utterance (callsim hearing the agent, the
 * bench).  Same front end as the streaming engine; the language model is
 * the stock en-us one or built from a corpus file of sentences.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "speech/domain_lm.h"
#include "speech/ps_decoder.h"
#include "stt_engine.h"

struct ps8k {
	struct ps_dec *d;
};

struct ps8k *
ps8k_open(const char *lm_corpus, char *err, size_t errlen)
{
	return ps8k_open_front(lm_corpus, STT_FRONT_ZERO, err, errlen);
}

struct ps8k *
ps8k_open_front(const char *lm_corpus, int front, char *err, size_t errlen)
{
	struct psd_opts o;
	struct ps8k *p;
	char path[] = "/tmp/ps8k-lm-XXXXXX";
	int fd = -1;

	psd_defaults(&o);
	o.front = (enum stt_front)front;
	if (lm_corpus) {
		if ((fd = mkstemp(path)) < 0) {
			snprintf(err, errlen, "cannot create a temporary file");
			return NULL;
		}
		close(fd);
		if (corpus_lm_build(
		        lm_corpus, o.dict, path, NULL, err, errlen) != 0) {
			unlink(path);
			return NULL;
		}
		o.lm = path;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
	} else if ((p->d = psd_open(&o, err, errlen)) == NULL) {
		free(p);
		p = NULL;
	}
	if (lm_corpus)
		unlink(path);
	return p;
}

int
ps8k_decode(struct ps8k *p, const int16_t *pcm, size_t n, char *text,
    size_t len, double *confidence)
{
	double conf;

	if (len)
		text[0] = '\0';
	if (psd_start(p->d) != 0)
		return -1;
	if (psd_feed(p->d, pcm, n) != 0) {
		psd_abort(p->d);
		return -1;
	}
	if (psd_end(p->d, text, len, &conf) != 0)
		return -1;
	if (confidence)
		*confidence = conf;
	return 0;
}

void
ps8k_close(struct ps8k *p)
{
	if (p == NULL)
		return;
	psd_close(p->d);
	free(p);
}
