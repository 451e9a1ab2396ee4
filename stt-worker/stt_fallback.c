/*
 * stt_fallback.c - a vendor speech recognition engine with the local one
 * behind it, for stt-worker when stt.engine names a vendor (Deepgram) and
 * stt.fallback is on.  Each call runs on the vendor; when the vendor fails
 * that call's stream - it cannot connect or refuses it, closes it
 * mid-stream (the engine's `failed`, or feed returning -1), or gives no
 * final result stt.fallback_after_ms after a turn the caller spoke has
 * ended - the call moves to pocketsphinx within the turn: the audio the
 * vendor has not settled with a final (kept in a per-call ring of
 * stt.fallback_ring_s seconds, with its arrival times) is fed at once to
 * a new pocketsphinx stream, so the words of the turn in progress are
 * heard, and the rest of the call stays there.  The next call tries the
 * vendor again, unless the vendor failed stt.fallback_breaker_calls calls
 * in a row: then new calls open on pocketsphinx for
 * stt.fallback_breaker_s seconds (doubled after each failed retry, up to
 * BREAKER_MAX_S) instead of each paying the vendor's failure, and the
 * first call after that tries it again; a final from the vendor resets
 * the count.
 *
 * Why the call stays on pocketsphinx: the vendor failed it once, and
 * switching engines back and forth would run each turn on a connection
 * that is being re-established; the local engine is already warm.
 *
 * The end of a turn is told by the local energy VAD (vad.c) on the same
 * audio, so a vendor that goes silent is noticed without its help.  This
 * is an ops table over two engines; neither engine knows of it.  Talks
 * to no process itself (the vendor engine talks to the vendor).
 *
 * Threads: feed, hint, finalize and the switch run on stt-worker's
 * thread; the vendor's results arrive on its own thread and only touch
 * the counters under mu.  A vendor stream is closed before the switch
 * reads them, and stream_close guarantees no callback after it returns,
 * so a final is either published by the vendor and settled, or replayed:
 * never both, never neither.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "mulaw.h"
#include "proto/proto.h"
#include "stt_engine.h"
#include "stt_fallback.h"
#include "vad.h"

#define FB_FRAME 160 /* bytes of mu-law per 20 ms */
#define FB_RATE 8000 /* bytes per second */
#define HINT_WORDS 64
/* voiced time a local turn needs before the vendor owes it a final: a
 * short "no" is 200 ms; a cough the vendor rightly ignores is less */
#define WATCH_MIN_SPEECH_MS 200
#define BREAKER_MAX_S 600 /* the longest the vendor is skipped */

struct fb_eng {
	const struct stt_engine_ops *vendor, *local;
	void *veng, *leng; /* leng NULL: no local engine, never switch */
	int after_ms; /* a final is due this long after a turn ended */
	int ring_s; /* seconds of audio kept per call */
	struct vad_cfg vcfg;
	int brk_calls; /* failed calls in a row that skip the vendor (0 never) */
	int brk_s; /* for this long at first */
	/* under bmu: the breaker across calls */
	pthread_mutex_t bmu;
	int fails; /* calls in a row the vendor failed */
	int open_s; /* the period it is skipped for now, 0 closed */
	uint64_t open_until_us; /* new calls skip it until then */
};

struct fb_stream {
	struct fb_eng *e;
	char call[FD_CALL_ID_LEN];
	const struct stt_events *ev;
	void *arg;
	void *vs; /* the vendor's stream; NULL once switched */
	void *ls; /* the local stream; NULL until then */
	int dead; /* neither engine has the call */
	int answered; /* vendor thread: it gave this call a final */
	uint32_t base_ms; /* the local stream's 0 ms on this stream's clock */
	/* under mu: what the vendor's result thread reports */
	pthread_mutex_t mu;
	unsigned vfinals; /* final results the vendor gave */
	uint64_t settled; /* stream offset its latest final ended at */
	/* feed thread only */
	uint8_t *ring; /* the last cap bytes of the call's audio */
	uint64_t *arr; /* arrival time of each frame in ring */
	uint8_t *speech; /* 1: that frame was inside a local turn */
	size_t cap; /* bytes, a whole number of frames */
	uint64_t fed; /* bytes fed so far */
	uint64_t lost_upto; /* end of the newest turn audio the ring lost */
	uint64_t fin_off; /* a key ended the turn here (0 none) */
	struct vad vad;
	int16_t pcm[FB_FRAME];
	int in_utt; /* a local turn is open */
	unsigned new_snap; /* vfinals when the newest local turn began */
	uint64_t new_end_us; /* when it ended, 0 while open or none */
	unsigned w_snap; /* the turn the vendor owes a final for: */
	uint64_t w_due_us; /* vfinals at its onset and when it is due */
	char expect[32]; /* the agent's last hint, for the local stream */
	char *words[HINT_WORDS];
	size_t nwords;
};

static int read_config(
    const config_t *cfg, struct fb_eng *e, char *err, size_t errlen);
static void check_vendor(struct fb_stream *s, int feed_rc);
static void switch_to_local(struct fb_stream *s, const char *why);
static void replay(struct fb_stream *s, uint64_t from, uint64_t to);
static void ring_put(struct fb_stream *s, const uint8_t *a, size_t n,
    uint64_t arrival_us, unsigned vfinals, uint64_t settled);
static void vad_step(struct fb_stream *s, enum vad_event ev, unsigned vfinals);
static void ring_free(struct fb_stream *s);
static int breaker_skips(struct fb_eng *e);
static void breaker_failed(struct fb_eng *e, const char *call);
static void breaker_answered(struct fb_eng *e, const char *call);
static void hint_free(struct fb_stream *s);
static void v_started(void *arg, uint32_t at_ms);
static void v_stopped(void *arg, uint32_t at_ms, uint32_t dur_ms);
static void v_result(void *arg, const struct stt_result *r);
static void l_started(void *arg, uint32_t at_ms);
static void l_stopped(void *arg, uint32_t at_ms, uint32_t dur_ms);
static void l_result(void *arg, const struct stt_result *r);

static const struct stt_events vendor_events = {v_started, v_stopped, v_result};
static const struct stt_events local_events = {l_started, l_stopped, l_result};

static int
fb_init(const config_t *cfg, void **engp, char *err, size_t errlen)
{
	struct fb_eng *e;
	char lerr[256];

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (read_config(cfg, e, err, errlen) != 0 ||
	    e->vendor->init(cfg, &e->veng, err, errlen) != 0) {
		free(e);
		return -1;
	}
	pthread_mutex_init(&e->bmu, NULL);
	/* a local engine that cannot start leaves the vendor alone, as
	 * before the fallback existed: the calls still have the vendor */
	if (e->local->init(cfg, &e->leng, lerr, sizeof(lerr)) != 0) {
		log_warnx(NULL, "stt: no %s fallback for %s: %s",
		    e->local->name, e->vendor->name, lerr);
		e->leng = NULL;
	} else
		log_info(NULL,
		    "stt: %s, and %s for a call %s fails (no final "
		    "%d ms after a turn; %d s of audio kept)",
		    e->vendor->name, e->local->name, e->vendor->name,
		    e->after_ms, e->ring_s);
	*engp = e;
	return 0;
}

static int
fb_check(const config_t *cfg, char *err, size_t errlen)
{
	struct fb_eng e;

	memset(&e, 0, sizeof(e));
	if (read_config(cfg, &e, err, errlen) != 0)
		return -1;
	if (e.vendor->check && e.vendor->check(cfg, err, errlen) != 0)
		return -1;
	return e.local->check ? e.local->check(cfg, err, errlen) : 0;
}

static void
fb_fini(void *eng)
{
	struct fb_eng *e = eng;

	if (e == NULL)
		return;
	e->vendor->fini(e->veng);
	if (e->leng)
		e->local->fini(e->leng);
	pthread_mutex_destroy(&e->bmu);
	free(e);
}

static void *
fb_open(void *eng, const char *call_id, const struct stt_events *ev, void *arg)
{
	struct fb_eng *e = eng;
	struct fb_stream *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->e = e;
	snprintf(s->call, sizeof(s->call), "%s", call_id ? call_id : "");
	s->ev = ev;
	s->arg = arg;
	pthread_mutex_init(&s->mu, NULL);
	if (e->leng && breaker_skips(e)) {
		if ((s->ls = e->local->stream_open(
		         e->leng, call_id, &local_events, s)) == NULL)
			goto fail;
		log_info(s->call,
		    "stt: %s is failing calls: the call is heard by %s",
		    e->vendor->name, e->local->name);
		return s;
	}
	if (e->leng) {
		s->cap = (size_t)e->ring_s * FB_RATE;
		s->ring = malloc(s->cap);
		s->arr = calloc(s->cap / FB_FRAME, sizeof(*s->arr));
		s->speech = calloc(s->cap / FB_FRAME, 1);
		if (s->ring == NULL || s->arr == NULL || s->speech == NULL)
			goto fail;
		vad_init(&s->vad, &e->vcfg);
	}
	if ((s->vs = e->vendor->stream_open(
	         e->veng, call_id, &vendor_events, s)) != NULL)
		return s;
	if (e->leng == NULL)
		goto fail;
	/* no vendor stream at all: the call is the local engine's */
	breaker_failed(e, s->call);
	ring_free(s);
	if ((s->ls = e->local->stream_open(
	         e->leng, call_id, &local_events, s)) == NULL)
		goto fail;
	log_warnx(s->call, "stt: no %s stream opens: the call is heard by %s",
	    e->vendor->name, e->local->name);
	return s;
fail:
	ring_free(s);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return NULL;
}

static int
fb_feed(void *stream, const uint8_t *ulaw, size_t n, uint64_t arrival_us)
{
	struct fb_stream *s = stream;
	unsigned vfinals;
	uint64_t settled;
	int rc;

	if (s->ls)
		return s->e->local->feed(s->ls, ulaw, n, arrival_us);
	if (s->dead)
		return -1;
	if (s->ring) {
		pthread_mutex_lock(&s->mu);
		vfinals = s->vfinals;
		settled = s->settled;
		pthread_mutex_unlock(&s->mu);
		ring_put(s, ulaw, n, arrival_us, vfinals, settled);
	}
	rc = s->e->vendor->feed(s->vs, ulaw, n, arrival_us);
	if (s->ring)
		check_vendor(s, rc);
	return s->dead || (rc != 0 && s->ls == NULL) ? -1 : 0;
}

static void
fb_hint(
    void *stream, const char *expect, const char *const *words, size_t nwords)
{
	struct fb_stream *s = stream;
	size_t i;

	if (s->ls) {
		s->e->local->hint(s->ls, expect, words, nwords);
		return;
	}
	if (s->dead)
		return;
	/* kept for a local stream opened later in the call */
	hint_free(s);
	snprintf(s->expect, sizeof(s->expect), "%s", expect ? expect : "any");
	for (i = 0; words && i < nwords && i < HINT_WORDS; i++)
		if (words[i] && (s->words[s->nwords] = strdup(words[i])))
			s->nwords++;
	s->e->vendor->hint(s->vs, expect, words, nwords);
}

static void
fb_finalize(void *stream)
{
	struct fb_stream *s = stream;
	unsigned vfinals;

	if (s->ls) {
		if (s->e->local->finalize)
			s->e->local->finalize(s->ls);
		return;
	}
	if (s->dead)
		return;
	if (s->e->vendor->finalize)
		s->e->vendor->finalize(s->vs);
	if (s->ring) {
		/* the turn ends here for the vendor's deadline too */
		s->fin_off = s->fed ? s->fed : 1;
		pthread_mutex_lock(&s->mu);
		vfinals = s->vfinals;
		pthread_mutex_unlock(&s->mu);
		vad_step(s, vad_force_end(&s->vad), vfinals);
	}
}

static void
fb_close(void *stream)
{
	struct fb_stream *s = stream;

	if (s == NULL)
		return;
	if (s->vs)
		s->e->vendor->stream_close(s->vs);
	if (s->ls)
		s->e->local->stream_close(s->ls);
	ring_free(s);
	hint_free(s);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static int
fb_reload(void *eng, const config_t *cfg)
{
	struct fb_eng *e = eng;
	int rv = 0;

	if (e->vendor->reload && e->vendor->reload(e->veng, cfg) != 0)
		rv = -1;
	if (e->leng && e->local->reload && e->local->reload(e->leng, cfg) != 0)
		rv = -1;
	return rv;
}

static int
fb_vocabulary(void *eng, const char *const *words, size_t n)
{
	struct fb_eng *e = eng;
	int added = 0;

	if (e->vendor->vocabulary)
		added += e->vendor->vocabulary(e->veng, words, n);
	if (e->leng && e->local->vocabulary)
		added += e->local->vocabulary(e->leng, words, n);
	return added;
}

/* An ops table reads best packed, a few members a line. */
/* clang-format off */
const struct stt_engine_ops stt_engine_fallback = {
	.name = "fallback", .init = fb_init, .check = fb_check,
	.fini = fb_fini, .stream_open = fb_open, .feed = fb_feed,
	.hint = fb_hint, .stream_close = fb_close, .finalize = fb_finalize,
	.reload = fb_reload, .vocabulary = fb_vocabulary,
};
/* clang-format on */

/* ---- the switch ---- */

/* After each feed: has the vendor failed this call, or let a turn go
 * unanswered past its time? */
static void
check_vendor(struct fb_stream *s, int feed_rc)
{
	const struct stt_engine_ops *v = s->e->vendor;
	char why[300];
	unsigned vfinals;
	uint64_t now;

	why[0] = '\0';
	if ((v->failed && v->failed(s->vs, why, sizeof(why))) || feed_rc != 0) {
		switch_to_local(s, why[0] ? why : "its stream failed");
		return;
	}
	pthread_mutex_lock(&s->mu);
	vfinals = s->vfinals;
	pthread_mutex_unlock(&s->mu);
	if (s->w_due_us && vfinals != s->w_snap) {
		/* answered; a later turn that ended meanwhile is owed its
		 * own final if none came since it began */
		s->w_due_us = 0;
		if (!s->in_utt && s->new_end_us && vfinals == s->new_snap) {
			s->w_snap = s->new_snap;
			s->w_due_us =
			    s->new_end_us + (uint64_t)s->e->after_ms * 1000;
		}
	}
	now = fd_mono_us();
	if (s->w_due_us && now >= s->w_due_us) {
		snprintf(why, sizeof(why),
		    "no final result %d ms after the caller's turn ended",
		    s->e->after_ms);
		switch_to_local(s, why);
	}
}

/* Close the vendor's stream and hear the call on the local engine from
 * the vendor's last final on. */
static void
switch_to_local(struct fb_stream *s, const char *why)
{
	struct fb_eng *e = s->e;
	const char *const *words = (const char *const *)s->words;
	uint64_t settled, from, oldest;
	int fin;

	/* no vendor callback after this: settled is final */
	e->vendor->stream_close(s->vs);
	s->vs = NULL;
	if (!s->answered)
		breaker_failed(e, s->call);
	pthread_mutex_lock(&s->mu);
	settled = s->settled;
	pthread_mutex_unlock(&s->mu);
	oldest = s->fed > s->cap ? s->fed - s->cap : 0;
	oldest += (FB_FRAME - oldest % FB_FRAME) % FB_FRAME;
	from = settled - settled % FB_FRAME;
	if (from < oldest)
		from = oldest;
	if (from > s->fed)
		from = s->fed - s->fed % FB_FRAME;
	s->base_ms = (uint32_t)(from * 1000 / FB_RATE);
	if ((s->ls = e->local->stream_open(
	         e->leng, s->call, &local_events, s)) == NULL) {
		log_err(s->call,
		    "stt: %s failed (%s) and no %s stream opens: the "
		    "call is not transcribed",
		    e->vendor->name, why, e->local->name);
		s->dead = 1;
		ring_free(s);
		return;
	}
	log_warnx(s->call,
	    "stt: %s failed (%s): switching the call to %s, hearing "
	    "its last %.2f s again",
	    e->vendor->name, why, e->local->name,
	    (double)(s->fed - from) / FB_RATE);
	if (s->lost_upto > settled)
		log_warnx(s->call,
		    "stt: up to %.2f s of the caller's speech was older "
		    "than stt.fallback_ring_s and is not heard again",
		    (double)(s->lost_upto - settled) / FB_RATE);
	if (s->expect[0])
		e->local->hint(
		    s->ls, s->expect, s->nwords ? words : NULL, s->nwords);
	/* a key pressed since the vendor's last final ended a turn there */
	fin = s->fin_off > settled && s->fin_off > from &&
	    e->local->finalize != NULL;
	replay(s, from, fin ? s->fin_off : s->fed);
	if (fin) {
		e->local->finalize(s->ls);
		replay(s, s->fin_off, s->fed);
	}
	ring_free(s);
}

/* Feed the local stream the ring's audio [from, to), frame by frame,
 * with the times it arrived. */
static void
replay(struct fb_stream *s, uint64_t from, uint64_t to)
{
	size_t nframes = s->cap / FB_FRAME, n;
	uint64_t off;

	for (off = from; off < to; off += n) {
		n = FB_FRAME - (size_t)(off % FB_FRAME);
		if (n > to - off)
			n = (size_t)(to - off);
		s->e->local->feed(s->ls, s->ring + off % s->cap, n,
		    s->arr[(off / FB_FRAME) % nframes]);
	}
}

/* ---- the ring and the local VAD ---- */

static void
ring_put(struct fb_stream *s, const uint8_t *a, size_t n, uint64_t arrival_us,
    unsigned vfinals, uint64_t settled)
{
	size_t nframes = s->cap / FB_FRAME, take, k, i;
	uint64_t f;

	while (n > 0) {
		k = (size_t)(s->fed % FB_FRAME);
		take = FB_FRAME - k < n ? FB_FRAME - k : n;
		f = s->fed / FB_FRAME;
		if (k == 0) {
			/* the frame this one replaces: turn audio the vendor
			 * has not settled cannot be heard again */
			if (f >= nframes && s->speech[f % nframes] &&
			    (f - nframes + 1) * FB_FRAME > settled)
				s->lost_upto = (f - nframes + 1) * FB_FRAME;
			s->arr[f % nframes] = arrival_us;
			s->speech[f % nframes] = 0;
		}
		memcpy(s->ring + s->fed % s->cap, a, take);
		for (i = 0; i < take; i++)
			s->pcm[k + i] = fd_ulaw_decode(a[i]);
		s->fed += take;
		a += take;
		n -= take;
		if (k + take == FB_FRAME) {
			vad_step(s,
			    vad_frame(&s->vad, s->pcm, FB_FRAME, arrival_us),
			    vfinals);
			s->speech[f % nframes] = (uint8_t)s->vad.in_utt;
		}
	}
}

/* A local turn began or ended: the vendor owes a final for a turn from
 * after_ms after it ended, unless one came since the turn began. */
static void
vad_step(struct fb_stream *s, enum vad_event ev, unsigned vfinals)
{
	switch (ev) {
	case VAD_START:
		s->in_utt = 1;
		s->new_snap = vfinals;
		s->new_end_us = 0;
		break;
	case VAD_END:
		s->in_utt = 0;
		s->new_end_us = fd_mono_us();
		if (s->w_due_us == 0) {
			s->w_snap = s->new_snap;
			s->w_due_us =
			    s->new_end_us + (uint64_t)s->e->after_ms * 1000;
		}
		break;
	case VAD_DISCARD:
		s->in_utt = 0;
		break;
	default:
		break;
	}
}

static void
ring_free(struct fb_stream *s)
{
	free(s->ring);
	free(s->arr);
	free(s->speech);
	s->ring = NULL;
	s->arr = NULL;
	s->speech = NULL;
}

static void
hint_free(struct fb_stream *s)
{
	while (s->nwords > 0)
		free(s->words[--s->nwords]);
	s->expect[0] = '\0';
}

/* ---- what each engine hears, passed on ---- */

static void
v_started(void *arg, uint32_t at_ms)
{
	struct fb_stream *s = arg;

	s->ev->speech_started(s->arg, at_ms);
}

static void
v_stopped(void *arg, uint32_t at_ms, uint32_t dur_ms)
{
	struct fb_stream *s = arg;

	s->ev->speech_stopped(s->arg, at_ms, dur_ms);
}

/* The vendor's thread: a final settles the audio up to its end. */
static void
v_result(void *arg, const struct stt_result *r)
{
	struct fb_stream *s = arg;
	uint64_t end = (uint64_t)r->end_ms * FB_RATE / 1000;

	if (r->final) {
		if (!s->answered) {
			s->answered = 1;
			breaker_answered(s->e, s->call);
		}
		pthread_mutex_lock(&s->mu);
		s->vfinals++;
		if (end > s->settled)
			s->settled = end;
		pthread_mutex_unlock(&s->mu);
	}
	s->ev->result(s->arg, r);
}

static void
l_started(void *arg, uint32_t at_ms)
{
	struct fb_stream *s = arg;

	s->ev->speech_started(s->arg, at_ms + s->base_ms);
}

static void
l_stopped(void *arg, uint32_t at_ms, uint32_t dur_ms)
{
	struct fb_stream *s = arg;

	s->ev->speech_stopped(s->arg, at_ms + s->base_ms, dur_ms);
}

/* The local engine's times count from the first replayed frame. */
static void
l_result(void *arg, const struct stt_result *r)
{
	struct fb_stream *s = arg;
	struct stt_result x = *r;

	x.start_ms += s->base_ms;
	x.end_ms += s->base_ms;
	s->ev->result(s->arg, &x);
}

/* ---- the breaker ---- */

/* Whether a new call skips the vendor now. */
static int
breaker_skips(struct fb_eng *e)
{
	int skip;

	pthread_mutex_lock(&e->bmu);
	skip = e->open_until_us && fd_mono_us() < e->open_until_us;
	pthread_mutex_unlock(&e->bmu);
	return skip;
}

/* The vendor failed a call before giving it any final. */
static void
breaker_failed(struct fb_eng *e, const char *call)
{
	pthread_mutex_lock(&e->bmu);
	e->fails++;
	if (e->brk_calls > 0 && e->fails >= e->brk_calls) {
		e->open_s = e->open_s == 0          ? e->brk_s
		    : e->open_s * 2 > BREAKER_MAX_S ? BREAKER_MAX_S
		                                    : e->open_s * 2;
		e->open_until_us = fd_mono_us() + (uint64_t)e->open_s * 1000000;
		log_warnx(call,
		    "stt: %s failed %d calls in a row: new calls go to %s "
		    "for %d s",
		    e->vendor->name, e->fails, e->local->name, e->open_s);
	}
	pthread_mutex_unlock(&e->bmu);
}

/* The vendor gave a call a final: it works, new calls use it. */
static void
breaker_answered(struct fb_eng *e, const char *call)
{
	pthread_mutex_lock(&e->bmu);
	if (e->open_s)
		log_info(call, "stt: %s answers again: new calls use it",
		    e->vendor->name);
	e->fails = e->open_s = 0;
	e->open_until_us = 0;
	pthread_mutex_unlock(&e->bmu);
}

/* ---- config ---- */

static int
read_config(const config_t *cfg, struct fb_eng *e, char *err, size_t errlen)
{
	char name[32];
	const struct fd_cfg_opt opts[] = {
	    {"stt.engine", FD_CFG_STR, name, sizeof(name), "pocketsphinx", 0, 0,
	        "FRONTDESK_STT_ENGINE"},
	    {"stt.fallback_after_ms", FD_CFG_INT, &e->after_ms, 0, "2000", 300,
	        30000, NULL},
	    {"stt.fallback_ring_s", FD_CFG_INT, &e->ring_s, 0, "30", 5, 300,
	        NULL},
	    {"stt.fallback_breaker_calls", FD_CFG_INT, &e->brk_calls, 0, "3", 0,
	        100, NULL},
	    {"stt.fallback_breaker_s", FD_CFG_INT, &e->brk_s, 0, "30", 1,
	        BREAKER_MAX_S, NULL},
	};

	if (fd_cfg_apply(cfg, opts, FD_CFG_N(opts), err, errlen) != 0)
		return -1;
	e->local = &stt_engine_pocketsphinx;
	if ((e->vendor = stt_engine_find(name)) == NULL ||
	    e->vendor == e->local) {
		snprintf(err, errlen,
		    "stt.fallback: '%s' is not a vendor engine "
		    "(deepgram)",
		    name);
		return -1;
	}
	vad_defaults(&e->vcfg);
	e->vcfg.min_speech_ms = WATCH_MIN_SPEECH_MS;
	return 0;
}
