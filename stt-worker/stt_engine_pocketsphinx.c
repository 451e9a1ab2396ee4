/*
 * stt_engine_pocketsphinx.c - the local speech recognition engine inside
 * stt-worker: per-call energy VAD and endpointing on the bus thread, and
 * a small pool of pocketsphinx decoders on worker threads shared by all
 * calls.
 *
 * feed() runs the VAD on 20 ms frames.  At speech start it opens an
 * utterance segment (pre-roll included) on the stream and reports
 * speech_started at once; later frames are appended until the endpoint.
 * Each worker owns one decoder: it takes the oldest waiting segment of a
 * stream nobody serves, decodes it as audio arrives (interim results every
 * interim_ms), finishes at the endpoint with the final, then releases.
 * Speculative final: final_lead_ms before the endpoint that applies (the
 * short or the long one), the worker runs the decoder's last passes (they
 * cost ~100 ms) while the endpoint silence is still running, and publishes
 * that result at the endpoint; if the caller goes on instead, the segment
 * is decoded again from its start (its audio is all kept): nothing lost.
 * When every decoder is busy, segments wait with their audio: nothing is
 * dropped.  A decoder serves its segment for as long as the caller talks,
 * so the pool grows while a segment has waited GROW_WAIT_US (one decoder
 * loading at a time, up to decoders_max): a waiting turn's partials are
 * stale and its final late.  One mutex guards the queues; decoding runs outside it.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "business.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "mulaw.h"
#include "proto/proto.h"
#include "speech/denoise.h"
#include "speech/ps_decoder.h"
#include "ps_lm.h"
#include "stt_engine.h"
#include "turn_end.h"
#include "vad.h"

#define MAX_DECODERS 64
/* A segment waiting this long for a decoder grows the pool: a moment's
 * wait while another turn ends costs less than a decoder's memory */
#define GROW_WAIT_US 150000

struct seg {
	int16_t *pcm; /* 8 kHz audio of the utterance */
	size_t n, cap;
	size_t done; /* samples a worker has taken */
	int ended; /* endpoint reached: n is final */
	int paused; /* the caller paused at a likely end: the
				   worker may finish the decode early */
	unsigned gen; /* bumped when the caller talks again */
	enum vad_expect expect; /* the hint when the caller began */
	size_t voiced_n; /* samples up to the last voiced frame's end */
	size_t partial_n; /* samples the stream's turn_end class saw */
	int te_final; /* that class is the early final's, not a partial's */
	int discard; /* too short to be speech */
	uint32_t start_ms, end_ms;
	uint64_t speech_end_us;
	uint64_t opened_us; /* queue order across streams */
	struct seg *next;
};

struct worker;

struct ps_stream {
	struct ps_engine *eng;
	char call_id[FD_CALL_ID_LEN];
	const struct stt_events *ev;
	void *arg;
	/* bus thread only */
	struct vad vad;
	int16_t frame[VAD_FRAME];
	size_t nframe;
	struct denoise dn; /* the line's noise suppressor (eng->denoise) */
	uint64_t frame_us; /* the arrival of the frame dn holds back */
	enum vad_expect expect; /* what the agent asked for (its hint) */
	int reported_talking; /* speech_started sent, speech_stopped not */
	struct seg *cur; /* segment being filled, or NULL */
	/* under eng->mu */
	struct seg *head, *tail;
	struct worker *owner;
	int closing;
	int partial_long; /* the partial ends where callers pause */
	enum turn_end te; /* adaptive: the last hypothesis's class */
	int cur_spec; /* bus thread: early final asked for cur */
	/* the owning worker only: this caller's channel estimate, carried
	 * from one utterance to the next on whichever decoder serves it (n
	 * 0: the decoder's telephone start value) */
	struct psd_cmn cmn;
	struct ps_stream *next;
};

struct worker {
	struct ps_engine *eng;
	int id;
	pthread_t th;
	struct ps_dec *dec;
	struct ps_dec *gdec; /* with hint_grammars: an answer's grammar
				   search, fed alongside dec (NULL: the
				   grammar searches the answer again on dec
				   after the model, psd_hinted_pass) */
	int use_g; /* gdec is searching the segment decoded now */
	unsigned lm_gen;
	int16_t *buf;
	size_t cap;
	struct psd_detail det; /* the last final's alternatives and words */
	int16_t *all; /* a hinted segment's whole audio, for the grammar's
				   pass (psd_hinted_pass) */
	size_t allcap;
	unsigned names_gen; /* the known names its name grammar has */
};

/* Names the business knows (the CRM's vocabulary, the agent's hints),
 * for the "name" grammar: lower-case words, each once, sorted. */
#define KNOWN_NAMES_MAX 5000
struct known_names {
	char **w;
	size_t n;
	unsigned gen; /* bumped when a word is added */
};

struct ps_engine {
	struct psd_opts dopts;
	struct vad_cfg vcfg;
	int interim_ms;
	int hint_grammars; /* search an answer to a yes/no, digits, name
				   or spelling question again with its
				   grammar (psd_hinted_pass) */
	int grammar_decoder; /* ... on a decoder of its own, beside the
				   model as the audio comes */
	int final_lead_ms; /* early final this long before the endpoint */
	int adaptive; /* endpoint by turn_end_classify */
	int denoise; /* the line's noise taken out before the VAD */
	double denoise_floor_db; /* the suppressor's gain floor */
	char extra_file[512];
	struct ps_lm *lm;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	struct ps_stream *streams;
	struct known_names names; /* under mu */
	struct worker workers[MAX_DECODERS];
	int nworkers; /* threads started, under mu */
	int maxworkers; /* the pool grows to this many (decoders_max) */
	int nready; /* decoders loaded, under mu */
	int nbusy; /* decoders serving a segment, under mu */
	int loading; /* decoders being loaded, under mu */
};

/* options of the `stt` section this engine reads */
struct ps_cfg {
	char lm[16];
	char front[16];
	char model[256];
	char dict[256];
	char generic_lm[256];
	char extra_file[512];
	char cmn_start[256];
	char search[256];
	char grammar_search[256];
	char names_first[512], names_last[512];
	int decoders, decoders_max;
	double gain;
	int upperf;
	int fast_final;
	int hint_grammars;
	int grammar_decoder;
	int denoise;
	double denoise_floor_db;
	double reject_conf;
	int final_lead_ms;
	int interim_ms;
	int adaptive_endpoint;
	struct vad_cfg v;
};

static void ps_fini(void *eng);
static int ps_check(const config_t *cfg, char *err, size_t errlen);
static void ps_stream_close(void *stream);
static void *worker_main(void *arg);
static void maybe_grow(struct ps_engine *e, uint64_t now);
static struct ps_dec *open_decoder(
    struct ps_engine *e, const char *lm_path, char *err, size_t errlen);
static int take_config(
    const config_t *cfg, struct ps_cfg *c, char *err, size_t errlen);

static int
ps_init_engine(const config_t *cfg, void **engp, char *err, size_t errlen)
{
	struct ps_engine *e;
	struct ps_lm_opts lo;
	struct ps_cfg c;
	char path[700];
	int i, f;

	if (take_config(cfg, &c, err, errlen) != 0)
		return -1;
	if ((f = psd_front_parse(c.front)) < 0) {
		snprintf(err, errlen,
		    "stt.front: '%s' is not zero, lowpass or "
		    "native8k",
		    c.front);
		return -1;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->cv, NULL);
	psd_defaults(&e->dopts);
	e->dopts.hmm = strdup(c.model);
	e->dopts.dict = strdup(c.dict);
	e->dopts.front = (enum stt_front)f;
	e->dopts.gain = c.gain;
	e->dopts.upperf = c.upperf;
	e->dopts.fast_final = c.fast_final;
	e->hint_grammars = c.hint_grammars;
	e->grammar_decoder = c.grammar_decoder;
	e->dopts.grammars = c.hint_grammars;
	e->dopts.reject_conf = c.reject_conf;
	e->dopts.cmn_start = c.cmn_start[0] ? strdup(c.cmn_start) : NULL;
	e->dopts.search = c.search[0] ? strdup(c.search) : NULL;
	e->dopts.grammar_search = strdup(c.grammar_search);
	if (c.hint_grammars && c.names_first[0] && c.names_last[0]) {
		e->dopts.names_first = strdup(c.names_first);
		e->dopts.names_last = strdup(c.names_last);
	}
	e->vcfg = c.v;
	e->interim_ms = c.interim_ms;
	e->final_lead_ms = c.final_lead_ms;
	e->adaptive = c.adaptive_endpoint;
	e->denoise = c.denoise;
	e->denoise_floor_db = c.denoise_floor_db;
	snprintf(e->extra_file, sizeof(e->extra_file), "%s", c.extra_file);

	lo.kind = c.lm;
	lo.dict = c.dict;
	lo.generic = c.generic_lm;
	lo.extra_file = c.extra_file;
	if ((e->lm = ps_lm_new(cfg, &lo, err, errlen)) == NULL)
		goto fail;
	/*
	 * The first decoder is opened here, so a configuration that cannot
	 * load fails the start; the others open on their own threads and join
	 * the pool when loaded.  A restarted worker is thus ready (and catching
	 * up on the calls it missed) after one model load, not all of them.
	 */
	e->maxworkers =
	    c.decoders_max > c.decoders ? c.decoders_max : c.decoders;
	for (i = 0; i < c.decoders; i++) {
		struct worker *w = &e->workers[i];
		w->eng = e;
		w->id = i;
		if (i == 0) {
			w->lm_gen = ps_lm_current(e->lm, path, sizeof(path));
			if ((w->dec = open_decoder(e, path, err, errlen)) ==
			    NULL)
				goto fail;
		}
		pthread_mutex_lock(&e->mu);
		if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
			pthread_mutex_unlock(&e->mu);
			psd_close(w->dec);
			w->dec = NULL;
			snprintf(err, errlen, "cannot start decoder thread");
			goto fail;
		}
		e->nworkers++;
		if (i == 0)
			e->nready++;
		else
			e->loading++;
		pthread_mutex_unlock(&e->mu);
	}
	log_info(NULL,
	    "pocketsphinx: %d decoders (up to %d), lm %s, front %s, noise "
	    "suppression %s, endpoint %s (%d/%d/%d ms)",
	    c.decoders, e->maxworkers, c.lm, c.front, c.denoise ? "on" : "off",
	    c.adaptive_endpoint ? "adaptive" : "fixed", c.v.short_endpoint_ms,
	    c.v.endpoint_ms, c.v.long_endpoint_ms);
	*engp = e;
	return 0;
fail:
	*engp = NULL;
	e->dopts.lm = NULL;
	ps_fini(e);
	return -1;
}

/* What init would refuse, found without loading a model (-n). */
static int
ps_check(const config_t *cfg, char *err, size_t errlen)
{
	struct fd_business *biz;
	struct psd_cmn cmn;
	struct ps_cfg c;
	int rv, model;

	if (take_config(cfg, &c, err, errlen) != 0)
		return -1;
	if (psd_front_parse(c.front) < 0) {
		snprintf(err, errlen,
		    "stt.front: '%s' is not zero, lowpass or "
		    "native8k",
		    c.front);
		return -1;
	}
	if (psd_cmn_parse(c.cmn_start, &cmn, &model) != 0) {
		snprintf(err, errlen,
		    "stt.cmn_start: '%s' is not \"model\" "
		    "or a list of numbers",
		    c.cmn_start);
		return -1;
	}
	if (strcmp(c.lm, "domain") != 0 && strcmp(c.lm, "generic") != 0) {
		snprintf(err, errlen,
		    "stt.lm: '%s' is neither domain nor "
		    "generic",
		    c.lm);
		return -1;
	}
	if (access(c.model, R_OK) != 0 || access(c.dict, R_OK) != 0 ||
	    (strcmp(c.lm, "generic") == 0 && access(c.generic_lm, R_OK) != 0) ||
	    (c.extra_file[0] && access(c.extra_file, R_OK) != 0)) {
		snprintf(err, errlen,
		    "stt: cannot read the model, dictionary, "
		    "generic_lm or extra_words_file (%s, %s, %s, %s)",
		    c.model, c.dict, c.generic_lm,
		    c.extra_file[0] ? c.extra_file : "none");
		return -1;
	}
	if (strcmp(c.lm, "domain") != 0)
		return 0;
	/* the domain model is built from the business section */
	if ((biz = malloc(sizeof(*biz))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rv = fd_business_load(cfg, biz, err, errlen);
	free(biz);
	return rv;
}

static void
ps_fini(void *eng)
{
	struct ps_engine *e = eng;
	int i;

	if (e == NULL)
		return;
	pthread_mutex_lock(&e->mu);
	e->stop = 1;
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->mu);
	for (i = 0; i < e->nworkers; i++) {
		pthread_join(e->workers[i].th, NULL);
		psd_close(e->workers[i].dec);
		psd_close(e->workers[i].gdec);
		free(e->workers[i].buf);
		free(e->workers[i].all);
	}
	while (e->streams)
		ps_stream_close(e->streams);
	ps_lm_free(e->lm);
	free((char *)e->dopts.hmm);
	free((char *)e->dopts.dict);
	free((char *)e->dopts.cmn_start);
	free((char *)e->dopts.search);
	free((char *)e->dopts.grammar_search);
	free((char *)e->dopts.names_first);
	free((char *)e->dopts.names_last);
	for (i = 0; i < (int)e->names.n; i++)
		free(e->names.w[i]);
	free(e->names.w);
	pthread_mutex_destroy(&e->mu);
	pthread_cond_destroy(&e->cv);
	free(e);
}

static void *
ps_stream_open(
    void *eng, const char *call_id, const struct stt_events *ev, void *arg)
{
	struct ps_engine *e = eng;
	struct ps_stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->eng = e;
	snprintf(s->call_id, sizeof(s->call_id), "%s", call_id ? call_id : "");
	s->ev = ev;
	s->arg = arg;
	vad_init(&s->vad, &e->vcfg);
	denoise_init(&s->dn, e->denoise_floor_db);
	pthread_mutex_lock(&e->mu);
	s->next = e->streams;
	e->streams = s;
	pthread_mutex_unlock(&e->mu);
	return s;
}

static void
seg_free(struct seg *g)
{
	if (g) {
		free(g->pcm);
		free(g);
	}
}

static void
ps_stream_close(void *stream)
{
	struct ps_stream *s = stream, **pp;
	struct ps_engine *e = s->eng;
	struct seg *g;

	pthread_mutex_lock(&e->mu);
	s->closing = 1;
	pthread_cond_broadcast(&e->cv);
	while (s->owner)
		pthread_cond_wait(&e->cv, &e->mu);
	for (pp = &e->streams; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	while ((g = s->head) != NULL) {
		s->head = g->next;
		seg_free(g);
	}
	pthread_mutex_unlock(&e->mu);
	free(s);
}

/* Append audio to a segment; mu held. */
static int
seg_append(struct seg *g, const int16_t *pcm, size_t n)
{
	if (g->n + n > g->cap) {
		size_t nc = g->cap ? g->cap * 2 : 8000;
		int16_t *np;
		while (nc < g->n + n)
			nc *= 2;
		if ((np = realloc(g->pcm, nc * sizeof(*np))) == NULL)
			return -1;
		g->pcm = np;
		g->cap = nc;
	}
	memcpy(g->pcm + g->n, pcm, n * sizeof(*pcm));
	g->n += n;
	return 0;
}

static void
open_segment(struct ps_stream *s)
{
	struct ps_engine *e = s->eng;
	int16_t pre[VAD_MAX_PREROLL * VAD_FRAME];
	size_t n = vad_preroll(&s->vad, pre, sizeof(pre) / sizeof(pre[0]));
	struct seg *g = calloc(1, sizeof(*g));

	if (g == NULL || seg_append(g, pre, n) != 0) {
		log_warnx(s->call_id, "out of memory: utterance lost");
		seg_free(g);
		s->cur = NULL;
		return;
	}
	g->start_ms = vad_onset_ms(&s->vad);
	g->opened_us = fd_mono_us();
	pthread_mutex_lock(&e->mu);
	/* nothing heard yet: if an answer was asked for, wait for it */
	s->partial_long = vad_answer_incomplete(s->expect, "");
	s->te = turn_end_classify(s->expect, "");
	g->expect = s->expect;
	g->voiced_n = g->n;
	if (s->tail)
		s->tail->next = g;
	else
		s->head = g;
	s->tail = g;
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->mu);
	s->cur = g;
	s->cur_spec = 0;
}

static void
close_segment(struct ps_stream *s, int discard)
{
	struct ps_engine *e = s->eng;
	struct seg *g = s->cur, **pp, *prev = NULL;
	struct stt_result r;
	int dropped = 0;

	s->cur = NULL;
	if (s->reported_talking) {
		s->reported_talking = 0;
		s->ev->speech_stopped(s->arg, vad_speech_end_ms(&s->vad),
		    vad_speech_end_ms(&s->vad) - vad_onset_ms(&s->vad));
	}
	if (g == NULL)
		return;
	pthread_mutex_lock(&e->mu);
	g->ended = 1;
	g->discard = discard;
	g->end_ms = vad_speech_end_ms(&s->vad);
	g->speech_end_us = s->vad.last_voiced_us;
	/* noise nobody has started decoding: answer it here */
	if (discard && !(s->owner && s->head == g)) {
		for (pp = &s->head; *pp; prev = *pp, pp = &(*pp)->next)
			if (*pp == g) {
				*pp = g->next;
				if (s->tail == g)
					s->tail = prev;
				dropped = 1;
				break;
			}
	}
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->mu);
	if (dropped) {
		memset(&r, 0, sizeof(r));
		r.text = "";
		r.final = 1;
		r.start_ms = g->start_ms;
		r.end_ms = g->end_ms;
		r.speech_end_us = g->speech_end_us;
		s->ev->result(s->arg, &r);
		seg_free(g);
	}
}

static void
append_frame(struct ps_stream *s, const int16_t *pcm, size_t n, int voiced)
{
	struct ps_engine *e = s->eng;

	if (s->cur == NULL)
		return;
	pthread_mutex_lock(&e->mu);
	if (seg_append(s->cur, pcm, n) != 0)
		log_warnx(s->call_id, "out of memory: audio lost");
	else if (voiced)
		s->cur->voiced_n = s->cur->n;
	maybe_grow(e, fd_mono_us());
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->mu);
}

/* The caller paused (1) or went on (0): tell the worker. */
static void
set_paused(struct ps_stream *s, int paused)
{
	struct ps_engine *e = s->eng;

	if (s->cur == NULL)
		return;
	pthread_mutex_lock(&e->mu);
	if (!paused && s->cur->paused)
		s->cur->gen++;
	s->cur->paused = paused;
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->mu);
}

static void
on_frame(struct ps_stream *s, const int16_t *pcm, uint64_t arrival_us)
{
	struct ps_engine *e = s->eng;
	enum vad_event ev;
	uint32_t at;
	int voiced, complete;

	pthread_mutex_lock(&e->mu);
	/* a partial that heard the turn to its last voiced frame calls it
	 * complete: the early final starts at once, and the short endpoint
	 * applies once the early final (the decoder's better passes) says
	 * so too */
	complete = e->adaptive && s->te == TURN_END_COMPLETE && s->cur &&
	    s->cur->partial_n >= s->cur->voiced_n;
	if (e->adaptive) {
		s->vad.long_pause = s->te == TURN_END_INCOMPLETE;
		s->vad.short_pause = complete && s->cur->te_final;
	} else
		s->vad.long_pause = s->partial_long;
	pthread_mutex_unlock(&e->mu);
	ev = vad_frame(&s->vad, pcm, VAD_FRAME, arrival_us);
	voiced = s->vad.in_utt && s->vad.silence_run == 0;
	switch (ev) {
	case VAD_START:
		open_segment(s);
		s->reported_talking = 1;
		s->ev->speech_started(s->arg, vad_onset_ms(&s->vad));
		break;
	case VAD_RESUME:
		s->cur_spec = 0;
		set_paused(s, 0);
		append_frame(s, pcm, VAD_FRAME, 1);
		at = (s->vad.frame - (uint32_t)s->vad.cfg.start_frames) *
		    VAD_FRAME_MS;
		s->reported_talking = 1;
		s->ev->speech_started(s->arg, at);
		break;
	case VAD_STOPPED:
		append_frame(s, pcm, VAD_FRAME, 0);
		s->reported_talking = 0;
		s->ev->speech_stopped(s->arg, vad_speech_end_ms(&s->vad),
		    vad_speech_end_ms(&s->vad) - vad_onset_ms(&s->vad));
		break;
	case VAD_END:
	case VAD_DISCARD:
		if (e->adaptive && ev == VAD_END)
			log_info(s->call_id,
			    "turn ends after %d ms of silence (%s)",
			    vad_endpoint_ms(&s->vad),
			    s->vad.long_pause        ? "incomplete"
			        : s->vad.short_pause ? "complete"
			                             : "default");
		close_segment(s, ev == VAD_DISCARD);
		break;
	case VAD_NONE:
		if (!s->vad.in_utt)
			break;
		/* speech again before the caller was reported paused: a
		 * final begun early would miss it */
		if (voiced && s->cur_spec) {
			s->cur_spec = 0;
			set_paused(s, 0);
		}
		append_frame(s, pcm, VAD_FRAME, voiced);
		break;
	}
	/* final_lead_ms before the endpoint that applies now: finish the
	 * decode early (the long endpoint may have become the short one).
	 * Fixed endpoints wait for speech_stopped; the adaptive one may be
	 * shorter than that. */
	if (s->cur && s->vad.in_utt && s->vad.silence_run > 0 &&
	    (e->adaptive || !s->vad.talking) && !s->cur_spec &&
	    s->vad.silence_run * VAD_FRAME_MS >=
	        (complete ? s->vad.cfg.short_endpoint_ms
	                  : vad_endpoint_ms(&s->vad)) -
	            e->final_lead_ms) {
		s->cur_spec = 1;
		set_paused(s, 1);
	}
}

static int
ps_feed(void *stream, const uint8_t *ulaw, size_t n, uint64_t arrival_us)
{
	struct ps_stream *s = stream;
	struct ps_engine *e = s->eng;
	uint64_t at;
	size_t i;

	for (i = 0; i < n; i++) {
		s->frame[s->nframe++] = fd_ulaw_decode(ulaw[i]);
		if (s->nframe < VAD_FRAME)
			continue;
		s->nframe = 0;
		if (!e->denoise) {
			on_frame(s, s->frame, arrival_us);
			continue;
		}
		/* the suppressor gives back the frame before this one,
		 * cleaned: it is stamped with that frame's arrival, so the
		 * turn's latency counts the frame it held back */
		denoise_run(&s->dn, s->frame, s->frame, VAD_FRAME);
		at = s->frame_us ? s->frame_us : arrival_us;
		s->frame_us = arrival_us;
		on_frame(s, s->frame, at);
	}
	return 0;
}

/* Where w is or would go in the sorted known names. */
static size_t
known_names_at(const struct known_names *k, const char *w)
{
	size_t lo = 0, hi = k->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (strcmp(k->w[mid], w) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Add the words of entries (names, "John Smith") to the known names
 * when a name grammar is searched; mu held.  How many were new. */
static int
known_names_add(struct ps_engine *e, const char *const *entries, size_t n)
{
	struct known_names *k = &e->names;
	char w[48], **nw;
	const char *p;
	size_t i, j, l;
	int added = 0;

	if (e->dopts.names_first == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		for (p = entries[i]; *p;) {
			p += strspn(p, " \t");
			if ((l = strcspn(p, " \t")) == 0)
				break;
			if (l < sizeof(w)) {
				for (j = 0; j < l; j++)
					w[j] =
					    (char)tolower((unsigned char)p[j]);
				w[l] = '\0';
				j = known_names_at(k, w);
				if ((j == k->n || strcmp(k->w[j], w) != 0) &&
				    k->n < KNOWN_NAMES_MAX &&
				    (nw = realloc(k->w,
				         (k->n + 1) * sizeof(*nw))) != NULL) {
					k->w = nw;
					memmove(k->w + j + 1, k->w + j,
					    (k->n - j) * sizeof(*nw));
					if ((k->w[j] = strdup(w)) != NULL) {
						k->n++;
						added++;
					} else
						memmove(k->w + j, k->w + j + 1,
						    (k->n - j) * sizeof(*nw));
				}
			}
			p += l;
		}
	}
	if (added)
		k->gen++;
	return added;
}

/* Between utterances: the name grammar with the known names, when they
 * changed.  mu not held. */
static void
refresh_names(struct worker *w)
{
	struct ps_engine *e = w->eng;
	const char **list = NULL;
	unsigned gen;
	size_t i, n;

	pthread_mutex_lock(&e->mu);
	gen = e->names.gen;
	n = e->names.n;
	if (gen != w->names_gen && n > 0 &&
	    (list = malloc(n * sizeof(*list))) != NULL)
		for (i = 0; i < n; i++)
			list[i] = strdup(e->names.w[i]);
	pthread_mutex_unlock(&e->mu);
	if (list == NULL)
		return;
	if (psd_set_names(w->dec, list, n) != 0 ||
	    (w->gdec && psd_set_names(w->gdec, list, n) != 0))
		log_warnx(NULL,
		    "decoder %d: cannot build the name grammar with %zu "
		    "known names",
		    w->id, n);
	w->names_gen = gen;
	for (i = 0; i < n; i++)
		free((char *)list[i]);
	free(list);
}

static void
ps_hint(
    void *stream, const char *expect, const char *const *words, size_t nwords)
{
	struct ps_stream *s = stream;
	struct ps_engine *e = s->eng;
	int added;

	pthread_mutex_lock(&e->mu);
	s->expect = vad_expect_parse(expect);
	if (words && nwords)
		known_names_add(e, words, nwords);
	pthread_mutex_unlock(&e->mu);
	if (words && nwords &&
	    (added = ps_lm_add_words(e->lm, words, nwords)) > 0)
		log_info(s->call_id,
		    "hint: %d new words, rebuilding the "
		    "domain lm",
		    added);
}

static void
ps_finalize(void *stream)
{
	struct ps_stream *s = stream;
	enum vad_event ev = vad_force_end(&s->vad);

	if (ev == VAD_END || ev == VAD_DISCARD)
		close_segment(s, ev == VAD_DISCARD);
}

static int
ps_reload(void *eng, const config_t *cfg)
{
	struct ps_engine *e = eng;

	return ps_lm_reload(e->lm, cfg, e->extra_file);
}

static int
ps_vocabulary(void *eng, const char *const *words, size_t n)
{
	struct ps_engine *e = eng;

	pthread_mutex_lock(&e->mu);
	known_names_add(e, words, n);
	pthread_mutex_unlock(&e->mu);
	return ps_lm_add_words(e->lm, words, n);
}

/* An ops table reads best packed, a few members a line. */
/* clang-format off */
const struct stt_engine_ops stt_engine_pocketsphinx = {
	.name = "pocketsphinx", .init = ps_init_engine, .check = ps_check,
	.fini = ps_fini, .stream_open = ps_stream_open, .feed = ps_feed,
	.hint = ps_hint, .stream_close = ps_stream_close,
	.finalize = ps_finalize, .reload = ps_reload,
	.vocabulary = ps_vocabulary,
};
/* clang-format on */

/* --- worker side ------------------------------------------------------ */

/* The oldest segment whose stream no worker serves; mu held. */
static struct ps_stream *
next_stream(struct ps_engine *e)
{
	struct ps_stream *s, *best = NULL;

	for (s = e->streams; s; s = s->next)
		if (!s->owner && !s->closing && s->head &&
		    (best == NULL ||
		        s->head->opened_us < best->head->opened_us))
			best = s;
	return best;
}

static void
emit(struct ps_stream *s, struct seg *g, const char *text, int final,
    double conf, const struct psd_detail *det)
{
	struct stt_result r;

	memset(&r, 0, sizeof(r));
	/* a detail without final: the speculative final, now */
	r.stable = !final && det != NULL;
	if (det) {
		r.nalts = (size_t)det->nalts;
		r.alts = det->alt_p;
		r.alt_conf = det->alt_conf;
		r.nwords = (size_t)det->nwords;
		r.words = det->word_p;
		r.word_conf = det->word_conf;
	}
	r.text = text;
	r.final = final;
	r.confidence = conf;
	r.start_ms = g->start_ms;
	r.end_ms = final ? g->end_ms : g->start_ms + (uint32_t)(g->done / 8);
	r.speech_end_us = final ? g->speech_end_us : 0;
	s->ev->result(s->arg, &r);
}

/* A copy of the whole audio of segment g (all of it taken) into w->all
 * when its hint has a grammar, and the caller's channel estimate before
 * it; mu held.  The samples copied (0: no grammar's pass). */
static size_t
take_all(
    struct worker *w, struct ps_stream *s, struct seg *g, struct psd_cmn *prior)
{
	int16_t *nb;

	if (!w->eng->hint_grammars ||
	    !psd_has_grammar(w->dec, vad_expect_name(g->expect)) || g->n == 0)
		return 0;
	if (g->n > w->allcap) {
		if ((nb = realloc(w->all, g->n * sizeof(*nb))) == NULL) {
			log_warnx(s->call_id,
			    "out of memory: the answer is "
			    "searched with the model alone");
			return 0;
		}
		w->all = nb;
		w->allcap = g->n;
	}
	memcpy(w->all, g->pcm, g->n * sizeof(*w->all));
	*prior = s->cmn;
	return g->n;
}

/* One line for a hinted answer: which hearing was taken and why, or that
 * the grammar's search failed (rc < 0; the model's text stands). */
static void
log_hinted(const struct worker *w, const struct ps_stream *s,
    const struct seg *g, int rc, const struct psd_pass_info *info)
{
	if (rc < 0)
		log_warnx(s->call_id,
		    "decoder %d: the %s grammar's search failed", w->id,
		    vad_expect_name(g->expect));
	else
		log_debug(s->call_id,
		    "%s answer: model \"%s\" (%.2f, %d of %d words not the "
		    "grammar's), grammar \"%s\": the %s's taken",
		    vad_expect_name(g->expect), info->model, info->model_conf,
		    info->foreign, info->words, info->grammar,
		    rc ? "grammar" : "model");
}

/* The grammar's pass over an answer the model has just heard (text,
 * conf, w->det); mu not held. */
static void
hinted_pass(struct worker *w, struct ps_stream *s, struct seg *g,
    const struct psd_cmn *prior, size_t nall, char *text, size_t len,
    double *conf)
{
	struct psd_pass_info info;
	int rc;

	if (nall == 0)
		return;
	rc = psd_hinted_pass(w->dec, vad_expect_name(g->expect), prior, w->all,
	    nall, text, len, conf, &w->det, &info);
	log_hinted(w, s, g, rc, &info);
}

/* The grammar's search of an answer beside the model's (w->gdec): ended
 * with the model's, one or the other taken; mu not held. */
static void
grammar_take(struct worker *w, struct ps_stream *s, struct seg *g, char *text,
    size_t len, double *conf)
{
	struct psd_pass_info info;
	int rc;

	w->use_g = 0;
	rc = psd_hinted_take(w->gdec, vad_expect_name(g->expect), text, len,
	    conf, &w->det, &info);
	log_hinted(w, s, g, rc, &info);
}

/* The utterance's final: the model's last passes, then the hint's
 * grammar beside it (w->use_g) or after it over the audio taken; mu not
 * held. */
static void
final_text(struct worker *w, struct ps_stream *s, struct seg *g,
    const struct psd_cmn *prior, size_t nall, char *text, size_t len,
    double *conf)
{
	psd_end(w->dec, text, len, conf);
	psd_detail(w->dec, *conf, &w->det);
	if (w->use_g)
		grammar_take(w, s, g, text, len, conf);
	else
		hinted_pass(w, s, g, prior, nall, text, len, conf);
}

/* Start the grammar's search of segment g beside the model's when its
 * hint has a grammar and the worker a decoder for it; mu not held. */
static void
grammar_start(struct worker *w, struct ps_stream *s, struct seg *g)
{
	const char *expect = vad_expect_name(g->expect);

	w->use_g = w->gdec && psd_has_grammar(w->gdec, expect);
	if (w->use_g &&
	    (psd_hint(w->gdec, expect) != 0 ||
	        psd_start_from(w->gdec, &s->cmn) != 0)) {
		log_warnx(s->call_id, "decoder %d: cannot start the %s grammar",
		    w->id, expect);
		psd_abort(w->gdec);
		w->use_g = 0;
	}
}

/* Decode one segment as its audio arrives; mu held on entry and exit. */
static void
decode_segment(struct worker *w, struct ps_stream *s, struct seg *g)
{
	struct ps_engine *e = w->eng;
	size_t fed = 0, avail, interim = (size_t)e->interim_ms * 8;
	char text[1024], last[1024] = "";
	const char *part;
	double conf;
	int started = 0, ended, spec = 0, stale;
	unsigned spec_gen = 0;
	size_t done_at;
	struct psd_cmn prior;
	size_t nall = 0;

	for (;;) {
		if (s->closing || g->discard || e->stop)
			break;
		if (spec && g->gen != spec_gen) {
			/* the caller went on: decode it all again */
			spec = 0;
			g->done = 0;
			g->partial_n = 0;
			g->te_final = 0;
			fed = 0;
			log_debug(s->call_id,
			    "caller went on after a "
			    "speculative final: decoding again");
			continue;
		}
		if (spec && g->ended) {
			pthread_mutex_unlock(&e->mu);
			psd_cmn_get(w->dec, &s->cmn);
			emit(s, g, text, 1, conf, &w->det);
			log_debug(s->call_id,
			    "final (early) \"%s\" conf %.2f "
			    "(%u-%u ms)",
			    text, conf, g->start_ms, g->end_ms);
			pthread_mutex_lock(&e->mu);
			return;
		}
		avail = g->n - g->done;
		if (!spec && started && avail == 0 && g->paused && !g->ended) {
			/* everything said so far is in: finish now */
			spec = 1;
			spec_gen = g->gen;
			started = 0;
			nall = w->use_g ? 0 : take_all(w, s, g, &prior);
			pthread_mutex_unlock(&e->mu);
			final_text(
			    w, s, g, &prior, nall, text, sizeof(text), &conf);
			pthread_mutex_lock(&e->mu);
			/* the final passes hear better than a partial */
			if (e->adaptive && g->gen == spec_gen) {
				s->te = turn_end_classify(s->expect, text);
				g->partial_n = g->done;
				g->te_final = 1;
			}
			/* the agent may prepare its reply on it: the final
			 * repeats it unless the caller goes on, and then the
			 * decode starts again (its partials come first) */
			if (g->gen == spec_gen && text[0]) {
				pthread_mutex_unlock(&e->mu);
				emit(s, g, text, 0, conf, &w->det);
				pthread_mutex_lock(&e->mu);
			}
			continue;
		}
		if (spec || (avail == 0 && !g->ended)) {
			pthread_cond_wait(&e->cv, &e->mu);
			continue;
		}
		if (avail > w->cap) {
			int16_t *nb = realloc(w->buf, avail * sizeof(*nb));
			if (nb == NULL) {
				log_warnx(s->call_id, "out of memory");
				g->discard = 1;
				break;
			}
			w->buf = nb;
			w->cap = avail;
		}
		memcpy(w->buf, g->pcm + g->done, avail * sizeof(*w->buf));
		g->done += avail;
		ended = g->ended && g->done == g->n;
		done_at = g->done;
		/* the caller fell silent after words no hypothesis has
		 * heard yet: look now, the endpoint may be near */
		stale = e->adaptive && g->partial_n < g->voiced_n &&
		    g->done >= g->voiced_n + 2 * VAD_FRAME;
		/* the audio again for the grammar after the model, unless
		 * the grammar hears it beside the model */
		nall = ended &&
		        !(started ? w->use_g
		                  : w->gdec &&
		                    psd_has_grammar(
		                        w->gdec, vad_expect_name(g->expect)))
		    ? take_all(w, s, g, &prior)
		    : 0;
		pthread_mutex_unlock(&e->mu);

		/* the model first, whatever was asked: its partials drive the
		 * endpoint; a grammar searches the answer again at the end */
		if (!started) {
			psd_hint(w->dec, NULL);
			grammar_start(w, s, g);
		}
		if (!started && psd_start_from(w->dec, &s->cmn) != 0)
			log_warnx(
			    s->call_id, "decoder %d: cannot start", w->id);
		started = 1;
		if (avail && psd_feed(w->dec, w->buf, avail) != 0)
			log_warnx(s->call_id, "decoder %d: feed failed", w->id);
		if (avail && w->use_g &&
		    psd_feed(w->gdec, w->buf, avail) != 0) {
			log_warnx(s->call_id,
			    "decoder %d: the grammar's feed failed", w->id);
			psd_abort(w->gdec);
			w->use_g = 0;
		}
		fed += avail;
		if (ended) {
			final_text(
			    w, s, g, &prior, nall, text, sizeof(text), &conf);
			psd_cmn_get(w->dec, &s->cmn);
			emit(s, g, text, 1, conf, &w->det);
			log_debug(s->call_id,
			    "final \"%s\" conf %.2f (%u-%u ms)", text, conf,
			    g->start_ms, g->end_ms);
			pthread_mutex_lock(&e->mu);
			return;
		}
		if (fed >= interim || stale) {
			fed = 0;
			part = psd_partial(w->dec);
			if (*part && strcmp(part, last) != 0) {
				snprintf(last, sizeof(last), "%s", part);
				emit(s, g, last, 0, 0, NULL);
			}
			pthread_mutex_lock(&e->mu);
			s->partial_long = vad_ends_mid_answer(last) ||
			    vad_answer_incomplete(s->expect, last);
			if (e->adaptive) {
				s->te = turn_end_classify(s->expect, last);
				g->partial_n = done_at;
				g->te_final = 0;
			}
			continue;
		}
		pthread_mutex_lock(&e->mu);
	}
	/* call ended, or noise */
	if (started) {
		pthread_mutex_unlock(&e->mu);
		psd_abort(w->dec);
		if (w->use_g)
			psd_abort(w->gdec);
		w->use_g = 0;
		pthread_mutex_lock(&e->mu);
	}
	if (g->discard && !s->closing) {
		pthread_mutex_unlock(&e->mu);
		emit(s, g, "", 1, 0, NULL);
		pthread_mutex_lock(&e->mu);
	}
}

/* A decoder for model lm_path.  A domain model's decoder loads the
 * dictionary beside it (its words only: it loads in a fraction of the
 * time); the hint grammars' words that are not the model's are looked up
 * in the whole dictionary. */
static struct ps_dec *
open_decoder(struct ps_engine *e, const char *lm_path, char *err, size_t errlen)
{
	struct psd_opts o = e->dopts;
	char dict[700];

	o.lm = lm_path;
	if (ps_lm_dict(e->lm, lm_path, dict, sizeof(dict)) == 0) {
		o.word_dict = e->dopts.dict;
		o.dict = dict;
	}
	return psd_open(&o, err, errlen);
}

/* Between utterances: pick up a rebuilt language model (and the words of
 * it a decoder with a model's own dictionary lacks). mu not held.  1 if
 * it did. */
static int
refresh_lm(struct worker *w)
{
	char path[700], dict[700];
	unsigned g = ps_lm_current(w->eng->lm, path, sizeof(path));
	struct ps_dec *both[2] = {w->dec, w->gdec};
	int i;

	if (g == w->lm_gen)
		return 0;
	/* the grammar's decoder too: the model's new words (names) are
	 * words its name grammar may take */
	for (i = 0; i < 2 && both[i]; i++) {
		if (ps_lm_dict(w->eng->lm, path, dict, sizeof(dict)) == 0 &&
		    psd_add_dict(both[i], dict) != 0)
			log_warnx(NULL,
			    "decoder %d: cannot add the words of %s", w->id,
			    dict);
		if (psd_set_lm(both[i], path) != 0)
			log_warnx(NULL,
			    "decoder %d: cannot load %s, keeping the old "
			    "model",
			    w->id, path);
	}
	w->lm_gen = g;
	return 1;
}

/* The decoder an answer's grammar searches it on beside the model, on its
 * worker's thread; without it the grammar searches the answer after the
 * model, on the model's decoder. */
static void
open_grammar_decoder(struct worker *w)
{
	char path[700], err[256];
	unsigned g = ps_lm_current(w->eng->lm, path, sizeof(path));

	if ((w->gdec = open_decoder(w->eng, path, err, sizeof(err))) == NULL) {
		log_warnx(NULL,
		    "decoder %d: no grammar decoder (%s): answers are "
		    "searched again after the model",
		    w->id, err);
		return;
	}
	/* it loaded the model refresh_lm picks up next, if newer */
	if (g != w->lm_gen)
		w->lm_gen = g - 1;
}

/* A decoder past the first, opened on its worker's thread: the engine's
 * options are read only, the model path is this thread's own. */
static int
open_late(struct worker *w)
{
	char path[700], err[256];

	w->lm_gen = ps_lm_current(w->eng->lm, path, sizeof(path));
	if ((w->dec = open_decoder(w->eng, path, err, sizeof(err))) == NULL) {
		log_warnx(NULL, "decoder %d: %s (serving with fewer decoders)",
		    w->id, err);
		return -1;
	}
	log_info(NULL, "decoder %d loaded", w->id);
	return 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct ps_engine *e = w->eng;
	struct ps_stream *s;
	struct seg *g;

	if (w->dec == NULL && open_late(w) != 0) {
		pthread_mutex_lock(&e->mu);
		/* no memory for more: the pool stays as it is */
		e->loading--;
		e->maxworkers = e->nworkers;
		pthread_mutex_unlock(&e->mu);
		return NULL;
	}
	if (e->hint_grammars && e->grammar_decoder)
		open_grammar_decoder(w);
	pthread_mutex_lock(&e->mu);
	if (w->id > 0) {
		e->loading--;
		e->nready++;
		/* segments may still outnumber the decoders */
		maybe_grow(e, fd_mono_us());
	}
	while (!e->stop) {
		if ((s = next_stream(e)) == NULL) {
			pthread_mutex_unlock(&e->mu);
			/* a rebuilt model may bring names the dictionary
			 * lacked when the name grammar was last built */
			if (refresh_lm(w))
				w->names_gen--;
			refresh_names(w);
			pthread_mutex_lock(&e->mu);
			if (!e->stop && next_stream(e) == NULL)
				pthread_cond_wait(&e->cv, &e->mu);
			continue;
		}
		s->owner = w;
		e->nbusy++;
		g = s->head;
		decode_segment(w, s, g);
		e->nbusy--;
		/* the stream stays while it has an owner, so g is still its
		 * head unless the stream is closing */
		if (s->head == g) {
			s->head = g->next;
			if (s->tail == g)
				s->tail = NULL;
			seg_free(g);
		}
		s->owner = NULL;
		pthread_cond_broadcast(&e->cv);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

/* A segment has waited GROW_WAIT_US with every loaded decoder busy:
 * start one more (its thread loads it, ~0.1 s), one at a time, up to
 * maxworkers; mu held.  Decoders stay once loaded. */
static void
maybe_grow(struct ps_engine *e, uint64_t now)
{
	struct ps_stream *s;
	struct worker *w;
	int waiting = 0;

	if (e->stop || e->loading > 0 || e->nworkers >= e->maxworkers ||
	    e->nbusy < e->nready)
		return;
	for (s = e->streams; s; s = s->next)
		if (!s->owner && !s->closing && s->head &&
		    now >= s->head->opened_us + GROW_WAIT_US)
			waiting++;
	if (waiting == 0)
		return;
	w = &e->workers[e->nworkers];
	w->eng = e;
	w->id = e->nworkers;
	if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
		log_warnx(NULL,
		    "cannot start decoder thread %d: the pool stays at %d",
		    w->id, e->nworkers);
		e->maxworkers = e->nworkers;
		return;
	}
	e->nworkers++;
	e->loading++;
	log_info(
	    NULL, "%d segment(s) waiting: decoder %d loading", waiting, w->id);
}

static int
take_config(const config_t *cfg, struct ps_cfg *c, char *err, size_t errlen)
{
	const struct fd_cfg_opt opts[] = {
	    {"stt.lm", FD_CFG_STR, c->lm, sizeof(c->lm), "domain", 0, 0, NULL},
	    {"stt.front", FD_CFG_STR, c->front, sizeof(c->front), "zero", 0, 0,
	        NULL},
	    {"stt.model", FD_CFG_STR, c->model, sizeof(c->model),
	        STT_MODEL_DIR "/en-us", 0, 0, NULL},
	    {"stt.dict", FD_CFG_STR, c->dict, sizeof(c->dict),
	        STT_MODEL_DIR "/cmudict-en-us.dict", 0, 0, NULL},
	    {"stt.generic_lm", FD_CFG_STR, c->generic_lm, sizeof(c->generic_lm),
	        STT_MODEL_DIR "/en-us.lm.bin", 0, 0, NULL},
	    {"stt.extra_words_file", FD_CFG_STR, c->extra_file,
	        sizeof(c->extra_file), "", 0, 0, NULL},
	    {"stt.decoders", FD_CFG_INT, &c->decoders, 0, "2", 1, MAX_DECODERS,
	        "FRONTDESK_STT_DECODERS"},
	    {"stt.decoders_max", FD_CFG_INT, &c->decoders_max, 0, "2", 1,
	        MAX_DECODERS, "FRONTDESK_STT_DECODERS_MAX"},
	    {"stt.gain", FD_CFG_DOUBLE, &c->gain, 0, "2.0", 0.1, 16, NULL},
	    {"stt.upperf", FD_CFG_INT, &c->upperf, 0, "3500", 1000, 4000, NULL},
	    {"stt.cmn_start", FD_CFG_STR, c->cmn_start, sizeof(c->cmn_start),
	        "", 0, 0, NULL},
	    {"stt.search", FD_CFG_STR, c->search, sizeof(c->search), "", 0, 0,
	        "FRONTDESK_STT_SEARCH"},
	    {"stt.grammar_search", FD_CFG_STR, c->grammar_search,
	        sizeof(c->grammar_search), PSD_GRAMMAR_SEARCH, 0, 0, NULL},
	    {"stt.names_first", FD_CFG_STR, c->names_first,
	        sizeof(c->names_first), "", 0, 0, NULL},
	    {"stt.names_last", FD_CFG_STR, c->names_last, sizeof(c->names_last),
	        "", 0, 0, NULL},
	    {"stt.fast_final", FD_CFG_BOOL, &c->fast_final, 0, "false", 0, 0,
	        NULL},
	    {"stt.hint_grammars", FD_CFG_BOOL, &c->hint_grammars, 0, "false", 0,
	        0, NULL},
	    {"stt.grammar_decoder", FD_CFG_BOOL, &c->grammar_decoder, 0, "true",
	        0, 0, NULL},
	    {"stt.reject_conf", FD_CFG_DOUBLE, &c->reject_conf, 0, "0", 0, 1,
	        NULL},
	    {"stt.final_lead_ms", FD_CFG_INT, &c->final_lead_ms, 0, "200", 0,
	        2000, NULL},
	    {"stt.interim_ms", FD_CFG_INT, &c->interim_ms, 0, "120", 60, 5000,
	        NULL},
	    {"stt.vad_start_db", FD_CFG_DOUBLE, &c->v.start_db, 0, "-40", -90,
	        -1, NULL},
	    {"stt.vad_stop_db", FD_CFG_DOUBLE, &c->v.stop_db, 0, "-47", -95, -1,
	        NULL},
	    {"stt.vad_snr_db", FD_CFG_DOUBLE, &c->v.snr_db, 0, "10", 0, 40,
	        NULL},
	    {"stt.vad_start_frames", FD_CFG_INT, &c->v.start_frames, 0, "2", 1,
	        10, NULL},
	    {"stt.min_speech_ms", FD_CFG_INT, &c->v.min_speech_ms, 0, "120", 0,
	        2000, NULL},
	    {"stt.stopped_ms", FD_CFG_INT, &c->v.stopped_ms, 0, "200", 20, 5000,
	        NULL},
	    {"stt.endpoint_ms", FD_CFG_INT, &c->v.endpoint_ms, 0, "400", 100,
	        5000, NULL},
	    {"stt.long_endpoint_ms", FD_CFG_INT, &c->v.long_endpoint_ms, 0,
	        "1000", 100, 10000, NULL},
	    {"stt.short_endpoint_ms", FD_CFG_INT, &c->v.short_endpoint_ms, 0,
	        "180", 60, 5000, NULL},
	    {"stt.adaptive_endpoint", FD_CFG_BOOL, &c->adaptive_endpoint, 0,
	        "true", 0, 0, NULL},
	    {"stt.denoise", FD_CFG_BOOL, &c->denoise, 0, "false", 0, 0, NULL},
	    {"stt.denoise_floor_db", FD_CFG_DOUBLE, &c->denoise_floor_db, 0,
	        "-10", -40, -1, NULL},
	    {"stt.preroll_ms", FD_CFG_INT, &c->v.preroll_ms, 0, "200", 0, 500,
	        NULL},
	    {"stt.max_utterance_ms", FD_CFG_INT, &c->v.max_utt_ms, 0, "15000",
	        1000, 60000, NULL},
	};

	memset(c, 0, sizeof(*c));
	return fd_cfg_apply(cfg, opts, FD_CFG_N(opts), err, errlen);
}
