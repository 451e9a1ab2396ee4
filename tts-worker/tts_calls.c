/*
 * tts_calls.c - calls, their queues of segments, and the worker threads
 * of tts-worker.
 *
 * The main thread owns the table of calls and everything about text as it
 * arrives (splitting, normalising); it appends jobs to a call's queue.  A
 * call with work sits on one ready list; a worker takes the call, runs its
 * first job, and puts the call back at the tail if more is queued, so one
 * call's segments run strictly in order while different calls run on
 * different workers.  Cancels are an atomic "utterances <= n are dead"
 * that the synthesis callback checks on every chunk.  Publishes
 * AUDIO_OUT, AUDIO_MARK (to gateway and agent) and TTS_ERROR (to agent).
 *
 * A held utterance (SAY with hold: the agent's reply prepared on a
 * hypothesis of the caller's words) has its first segment synthesised
 * and everything it would publish kept, in order, on the call; its later
 * segments wait in the queue.  SAY_RELEASE publishes what was kept and
 * lets the rest run; SAY_CANCEL drops it all.  Nothing of a held
 * utterance reaches the gateway or the agent before its release.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "mulaw.h"
#include "tts_cache.h"
#include "tts_calls.h"
#include "speech/tts_pipe.h"
#include "speech/tts_split.h"

#define VOICE_LEN 32
#define TTFA_KEEP 128 /* per-call first-audio times kept for stats */
#define MAX_QUEUED 256 /* segments queued per call before refusing */
#define DRAIN_S 2 /* stop lets queued segments finish this long */

struct job {
	struct job *next;
	uint32_t utt;
	int seg;
	int last; /* final segment of an utterance that ended */
	uint64_t say_us; /* when the utterance's first SAY arrived */
	char voice[VOICE_LEN];
	char *text; /* as the agent wrote it, for the mark */
	char *speak; /* normalised; NULL: a mark without audio */
};

/* What a held utterance would have published. */
struct held_out {
	struct held_out *next;
	int type; /* AUDIO_OUT, AUDIO_MARK or TTS_ERROR */
	int seg, last; /* marks and errors */
	size_t len;
	char *data; /* audio bytes, a mark's text or an error */
};

struct call {
	struct call *next; /* table */
	struct call *rnext; /* ready list */
	char id[FD_CALL_ID_LEN];
	struct job *head, *tail; /* queue, under mu */
	int nqueued;
	int ready; /* on the ready list */
	int busy; /* a worker runs one of its jobs */
	int ended; /* CALL_END: free when no worker holds it */
	atomic_uint cancel_upto; /* utterances <= this are dead */
	atomic_int gone; /* call ended: everything is dead */
	/* the held utterance (0 none) and what it would have published,
	 * under hmu (a worker's publish and a release do not interleave) */
	atomic_uint hold_utt;
	pthread_mutex_t hmu;
	struct held_out *hhead, *htail;
	/* main thread: the utterance being received */
	uint32_t open_utt;
	int open_done; /* its last:true has come */
	int next_seg;
	uint64_t say_us;
	char voice[VOICE_LEN];
	struct tts_splitter sp;
	/* the worker holding the call */
	uint32_t ttfa_utt; /* last utterance whose first audio left */
	unsigned nttfa;
	unsigned ttfa_ms[TTFA_KEEP];
	uint64_t frames;
	uint64_t synth_us;
};

/* One job being synthesised. */
/* After the first frame of a segment (sent alone, at once), frames go to
 * the gateway BATCH_FRAMES at a time: the gateway paces them anyway, and
 * one bus message per 200 ms of audio instead of per 20 ms costs a tenth
 * of the messages, allocations and wake-ups on both sides. */
#define BATCH_FRAMES 10

struct run {
	struct call *c;
	struct job *j;
	struct tts_pipe pipe;
	uint64_t frames; /* of this segment */
	uint8_t *rec; /* with a cache: every frame made, to keep */
	size_t nrec, caprec;
	int rec_lost; /* a frame could not be recorded: keep nothing */
	size_t nbatch; /* bytes waiting in batch */
	uint8_t batch[BATCH_FRAMES * FD_FRAME_SAMPLES];
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct call *calls; /* main thread */
static struct call *ready_head, *ready_tail;
static int stopping; /* workers leave at once */
static int draining; /* workers finish what is queued */
static int nrunning; /* workers not yet left, under mu */
static unsigned ndrained; /* segments finished while draining */
static pthread_t *threads;
static int nthreads;
static struct fd_bus *bus;
static const struct tts_engine_ops *ops;
static void *eng;
static const struct tts_engine_ops *fb_ops; /* NULL: no fallback */
static void *fb_eng;
static const struct tts_prons *prons; /* main thread */
static struct tts_cache *cache; /* NULL: none */
static char cache_tag[64]; /* the engine's settings, part of the key */

static void *worker_main(void *arg);
static void run_job(struct call *c, struct job *j);
static int replay(struct run *r);
static void record(struct run *r, const uint8_t *ulaw, size_t n);
static int on_pcm(void *arg, const int16_t *pcm, size_t n);
static int on_frame(void *arg, const uint8_t *ulaw, size_t n);
static void flush_batch(struct run *r);
static int dead(struct call *c, uint32_t utt);
static void send_audio(struct call *c, uint32_t utt, const void *a, size_t n);
static void send_mark(
    struct call *c, uint32_t utt, int seg, const char *text, int last);
static void send_error(
    struct call *c, uint32_t utt, int seg, const char *error);
static void publish_audio(
    struct call *c, uint32_t utt, const uint8_t *a, size_t n);
static void publish_mark(struct call *c, const struct job *j);
static int keep_held(struct call *c, uint32_t utt, int type, int seg, int last,
    const void *data, size_t len);
static void held_free(struct call *c);
static void publish_error(
    struct call *c, const struct job *j, const char *error);
static struct call *call_find(const char *id);
static struct call *call_new(const char *id);
static void call_free(struct call *c);
static void ready_push(struct call *c);
static void enqueue(struct call *c, char *text, int last);
static void close_utterance(struct call *c, int last);
static void drop_queued(struct call *c, uint32_t upto);
static void job_free(struct job *j);
static int cmp_uint(const void *a, const void *b);

int
tts_calls_start(struct fd_bus *b, const struct tts_engine_ops *o, void *e,
    int nworkers, const struct tts_prons *p)
{
	int i, rv;

	bus = b;
	ops = o;
	eng = e;
	prons = p;
	stopping = draining = 0;
	ndrained = 0;
	if ((threads = calloc((size_t)nworkers, sizeof(*threads))) == NULL)
		return -1;
	for (i = 0; i < nworkers; i++) {
		pthread_mutex_lock(&mu);
		nrunning++;
		pthread_mutex_unlock(&mu);
		if ((rv = pthread_create(
		         &threads[i], NULL, worker_main, NULL)) != 0) {
			log_err(NULL, "worker thread: %s", strerror(rv));
			pthread_mutex_lock(&mu);
			nrunning--;
			pthread_mutex_unlock(&mu);
			break;
		}
		nthreads++;
	}
	return nthreads > 0 ? 0 : -1;
}

void
tts_calls_stop(void)
{
	struct call *c;
	struct timespec until;
	unsigned cut = 0;
	int i;

	/* the sentences already sent to us are finished and published with
	 * their marks, so the caller hears them out and the agent sees where
	 * the utterance ended; only what is still queued after DRAIN_S is
	 * cut */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += DRAIN_S;
	pthread_mutex_lock(&mu);
	draining = 1;
	pthread_cond_broadcast(&cv);
	while (nrunning > 0 && pthread_cond_timedwait(&cv, &mu, &until) == 0)
		;
	stopping = 1;
	for (c = calls; c; c = c->next) {
		cut += (unsigned)c->nqueued + (unsigned)c->busy;
		atomic_store(&c->gone, 1);
	}
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	log_info(NULL,
	    "stopping: %u segment(s) finished while draining, %u "
	    "cut",
	    ndrained, cut);
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	threads = NULL;
	nthreads = 0;
	/* ended calls still waiting on the ready list are in no table */
	while ((c = ready_head) != NULL) {
		ready_head = c->rnext;
		if (c->ended)
			call_free(c);
	}
	while ((c = calls) != NULL) {
		calls = c->next;
		call_free(c);
	}
	ready_head = ready_tail = NULL;
}

void
tts_calls_set_fallback(const struct tts_engine_ops *o, void *e)
{
	fb_ops = o;
	fb_eng = e;
}

void
tts_calls_set_cache(struct tts_cache *c, const char *tag)
{
	cache = c;
	snprintf(cache_tag, sizeof(cache_tag), "%s", tag ? tag : "");
}

void
tts_calls_set_prons(const struct tts_prons *p)
{
	prons = p;
}

int
tts_calls_count(void)
{
	struct call *c;
	int n = 0;

	for (c = calls; c; c = c->next)
		n++;
	return n;
}

void
tts_call_start(const char *call_id)
{
	if (call_id[0] == '\0') {
		log_warnx(NULL, "call_start without a call id, ignored");
		return;
	}
	if (call_find(call_id)) {
		log_warnx(call_id, "call_start for a call already known");
		return;
	}
	if (call_new(call_id) == NULL)
		log_err(call_id, "out of memory for the call");
	else
		log_debug(call_id, "call started");
}

void
tts_call_end(const char *call_id, const char *reason)
{
	struct call **pp, *c;

	for (pp = &calls; (c = *pp) != NULL; pp = &c->next)
		if (strcmp(c->id, call_id) == 0)
			break;
	if (c == NULL) {
		log_debug(call_id, "call_end for an unknown call");
		return;
	}
	*pp = c->next;
	log_debug(call_id, "call ended (%s)", reason ? reason : "?");
	atomic_store(&c->gone, 1);
	pthread_mutex_lock(&mu);
	drop_queued(c, UINT32_MAX);
	c->ended = 1;
	if (!c->busy && !c->ready)
		call_free(c);
	/* else the worker holding it, or popping it, frees it */
	pthread_mutex_unlock(&mu);
}

void
tts_say(const char *call_id, uint32_t utt, const char *text, int last,
    const char *voice, uint64_t recv_us)
{
	struct call *c;
	char *seg, *held = NULL;

	if (call_id[0] == '\0' || utt == 0) {
		log_warnx(call_id,
		    "say without a call id or utterance id, "
		    "ignored");
		return;
	}
	if ((c = call_find(call_id)) == NULL) {
		/* we may have started after the call did */
		log_warnx(call_id, "say for a call we did not see start");
		if ((c = call_new(call_id)) == NULL) {
			log_err(call_id, "out of memory for the call");
			return;
		}
	}
	if (utt <= atomic_load(&c->cancel_upto)) {
		log_debug(
		    call_id, "say for cancelled utterance %u dropped", utt);
		return;
	}
	if (utt < c->open_utt || (utt == c->open_utt && c->open_done)) {
		log_warnx(call_id,
		    "say for utterance %u after it ended, ignored", utt);
		return;
	}
	if (utt != c->open_utt) {
		if (c->open_utt && !c->open_done) {
			log_warnx(call_id,
			    "utterance %u started before %u ended", utt,
			    c->open_utt);
			close_utterance(c, 0);
		}
		c->open_utt = utt;
		c->open_done = 0;
		c->next_seg = 1;
		c->say_us = recv_us;
		c->voice[0] = '\0';
		tts_split_init(&c->sp);
	}
	if (voice && voice[0])
		snprintf(c->voice, sizeof(c->voice), "%s", voice);
	if (tts_split_feed(&c->sp, text ? text : "") != 0) {
		log_err(call_id, "out of memory for utterance %u", utt);
		return;
	}
	/* when the utterance ends here, hold back its final segment so it
	 * can carry last */
	while ((seg = tts_split_next(&c->sp, last)) != NULL) {
		if (!last)
			enqueue(c, seg, 0);
		else {
			if (held)
				enqueue(c, held, 0);
			held = seg;
		}
	}
	if (held)
		enqueue(c, held, 1);
	if (last) {
		if (!held)
			close_utterance(c, 1);
		c->open_done = 1;
		tts_split_free(&c->sp);
	}
}

void
tts_say_cancel(const char *call_id, uint32_t utt)
{
	struct call *c;
	unsigned old;

	if ((c = call_find(call_id)) == NULL) {
		log_debug(call_id, "say_cancel for an unknown call");
		return;
	}
	old = atomic_load(&c->cancel_upto);
	while (utt > old &&
	    !atomic_compare_exchange_weak(&c->cancel_upto, &old, utt))
		;
	pthread_mutex_lock(&mu);
	drop_queued(c, utt);
	pthread_mutex_unlock(&mu);
	pthread_mutex_lock(&c->hmu);
	if (atomic_load(&c->hold_utt) && atomic_load(&c->hold_utt) <= utt) {
		atomic_store(&c->hold_utt, 0);
		held_free(c);
	}
	pthread_mutex_unlock(&c->hmu);
	if (c->open_utt && c->open_utt <= utt && !c->open_done) {
		c->open_done = 1;
		tts_split_free(&c->sp);
	}
	log_info(call_id, "cancelled utterances up to %u", utt);
}

int
tts_call_held(const char *call_id)
{
	struct held_out *h;
	struct call *c;
	int n = 0;

	if ((c = call_find(call_id)) == NULL)
		return 0;
	pthread_mutex_lock(&c->hmu);
	for (h = c->hhead; h; h = h->next)
		n++;
	pthread_mutex_unlock(&c->hmu);
	return n;
}

void
tts_say_hold(const char *call_id, uint32_t utt)
{
	struct call *c;

	if (call_id[0] == '\0' || utt == 0)
		return;
	if ((c = call_find(call_id)) == NULL &&
	    (c = call_new(call_id)) == NULL) {
		log_err(call_id, "out of memory for the call");
		return;
	}
	/* only an utterance not begun yet can be held */
	if (utt <= c->open_utt || utt <= atomic_load(&c->cancel_upto)) {
		log_warnx(call_id,
		    "hold for utterance %u, which has begun or was "
		    "cancelled: ignored",
		    utt);
		return;
	}
	pthread_mutex_lock(&c->hmu);
	held_free(c);
	atomic_store(&c->hold_utt, utt);
	pthread_mutex_unlock(&c->hmu);
	log_debug(call_id, "utterance %u held", utt);
}

void
tts_say_release(const char *call_id, uint32_t utt)
{
	struct held_out *h;
	struct call *c;
	int n = 0;

	if ((c = call_find(call_id)) == NULL) {
		log_debug(call_id, "say_release for an unknown call");
		return;
	}
	pthread_mutex_lock(&c->hmu);
	if (utt == 0 || atomic_load(&c->hold_utt) != utt) {
		pthread_mutex_unlock(&c->hmu);
		log_warnx(
		    call_id, "say_release for utterance %u, not held", utt);
		return;
	}
	/* what it published so far, in order, before anything newer */
	for (h = c->hhead; h; h = h->next, n++)
		if (h->type == FD_MSG_AUDIO_OUT)
			send_audio(c, utt, h->data, h->len);
		else if (h->type == FD_MSG_AUDIO_MARK)
			send_mark(c, utt, h->seg, h->data, h->last);
		else
			send_error(c, utt, h->seg, h->data);
	held_free(c);
	atomic_store(&c->hold_utt, 0);
	pthread_mutex_unlock(&c->hmu);
	/* its later segments may run now */
	pthread_mutex_lock(&mu);
	if (c->head && !c->busy && !c->ready)
		ready_push(c);
	pthread_mutex_unlock(&mu);
	log_info(call_id, "utterance %u released (%d messages held)", utt, n);
}

/* ---- worker side ---- */

static void *
worker_main(void *arg)
{
	struct call *c;
	struct job *j;

	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (!stopping && !draining && ready_head == NULL)
			pthread_cond_wait(&cv, &mu);
		/* draining: leave once nothing is ready (a call another
		 * worker holds comes back to that worker) */
		if (stopping || ready_head == NULL)
			break;
		c = ready_head;
		ready_head = c->rnext;
		if (ready_head == NULL)
			ready_tail = NULL;
		c->ready = 0;
		if (c->ended) {
			call_free(c);
			continue;
		}
		if ((j = c->head) == NULL)
			continue;
		/* a held utterance: its first segment only, until release */
		if (j->seg > 1 && j->utt == atomic_load(&c->hold_utt) &&
		    !dead(c, j->utt))
			continue;
		c->head = j->next;
		if (c->head == NULL)
			c->tail = NULL;
		c->nqueued--;
		c->busy = 1;
		pthread_mutex_unlock(&mu);

		run_job(c, j);
		job_free(j);

		pthread_mutex_lock(&mu);
		c->busy = 0;
		if (draining)
			ndrained++;
		if (c->ended)
			call_free(c);
		else if (c->head)
			ready_push(c);
	}
	nrunning--;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void
run_job(struct call *c, struct job *j)
{
	struct run *r;
	char err[256];
	uint64_t t0;
	int rc = 0;

	if (dead(c, j->utt))
		return;
	if (j->speak && j->speak[0]) {
		if ((r = malloc(sizeof(*r))) == NULL) {
			publish_error(c, j, "out of memory");
			return;
		}
		memset(r, 0, sizeof(*r));
		r->c = c;
		r->j = j;
		tts_pipe_init(&r->pipe, on_frame, r);
		t0 = fd_mono_us();
		if (replay(r)) {
			c->synth_us += fd_mono_us() - t0;
			log_debug(c->id,
			    "u%us%d: %llu frames from the cache: %s", j->utt,
			    j->seg, (unsigned long long)r->frames, j->speak);
			free(r);
			if (!dead(c, j->utt))
				publish_mark(c, j);
			return;
		}
		err[0] = '\0';
		rc = ops->synth(
		    eng, j->voice, j->speak, on_pcm, r, err, sizeof(err));
		if (rc == 0 && !tts_pipe_finish(&r->pipe)) {
			flush_batch(r);
			/* the engine's whole segment, not cut by a cancel */
			if (!r->rec_lost && !dead(c, j->utt))
				tts_cache_put(cache, cache_tag,
				    j->voice[0] ? j->voice : NULL, j->speak,
				    r->rec, r->nrec);
		}
		free(r->rec);
		r->rec = NULL;
		r->rec_lost = 1; /* a fallback's audio is not the engine's */
		/* the vendor failed before the caller heard any of the
		 * segment: the local engine says it, in this turn */
		if (rc < 0 && fb_ops && r->frames == 0 && !dead(c, j->utt)) {
			log_warnx(c->id,
			    "u%us%d: %s failed (%s), spoken with "
			    "%s",
			    j->utt, j->seg, ops->name, err, fb_ops->name);
			tts_pipe_init(&r->pipe, on_frame, r);
			err[0] = '\0';
			rc = fb_ops->synth(fb_eng, NULL, j->speak, on_pcm, r,
			    err, sizeof(err));
			if (rc == 0)
				tts_pipe_finish(&r->pipe);
		}
		flush_batch(r);
		c->synth_us += fd_mono_us() - t0;
		log_debug(c->id, "u%us%d: %llu frames in %.1f ms: %s", j->utt,
		    j->seg, (unsigned long long)r->pipe.frames,
		    (fd_mono_us() - t0) / 1e3, j->speak);
		free(r);
		if (rc < 0) {
			log_err(c->id, "u%us%d: synthesis failed: %s", j->utt,
			    j->seg, err);
			if (!dead(c, j->utt))
				publish_error(c, j, err);
		}
	}
	/* the mark goes even after an error so the agent still sees where
	 * the utterance ends */
	if (!dead(c, j->utt))
		publish_mark(c, j);
}

/* A cached segment's frames published as the engine's would be: 1 if
 * the cache had it (all of it sent, or the utterance died meanwhile). */
static int
replay(struct run *r)
{
	uint8_t *data;
	size_t n, i;

	if (!tts_cache_get(cache, cache_tag,
	        r->j->voice[0] ? r->j->voice : NULL, r->j->speak, &data, &n))
		return 0;
	r->rec_lost = 1; /* kept already */
	for (i = 0; i + FD_FRAME_SAMPLES <= n; i += FD_FRAME_SAMPLES)
		if (on_frame(r, data + i, FD_FRAME_SAMPLES) != 0)
			break;
	flush_batch(r);
	free(data);
	return 1;
}

/* Keep a frame the engine made, for the cache. */
static void
record(struct run *r, const uint8_t *ulaw, size_t n)
{
	size_t nc;
	uint8_t *nb;

	if (cache == NULL || r->rec_lost)
		return;
	if (r->nrec + n > r->caprec) {
		nc = r->caprec ? r->caprec * 2 : 50 * FD_FRAME_SAMPLES;
		while (nc < r->nrec + n)
			nc *= 2;
		if ((nb = realloc(r->rec, nc)) == NULL) {
			r->rec_lost = 1;
			return;
		}
		r->rec = nb;
		r->caprec = nc;
	}
	memcpy(r->rec + r->nrec, ulaw, n);
	r->nrec += n;
}

static int
on_pcm(void *arg, const int16_t *pcm, size_t n)
{
	struct run *r = arg;

	if (dead(r->c, r->j->utt))
		return 1;
	return tts_pipe_push(&r->pipe, pcm, n);
}

/* Send what waits in the batch (before the segment's mark). */
static void
flush_batch(struct run *r)
{
	if (r->nbatch == 0 || dead(r->c, r->j->utt)) {
		r->nbatch = 0;
		return;
	}
	publish_audio(r->c, r->j->utt, r->batch, r->nbatch);
	r->nbatch = 0;
}

static int
on_frame(void *arg, const uint8_t *ulaw, size_t n)
{
	struct run *r = arg;
	struct call *c = r->c;
	unsigned ms;

	if (dead(c, r->j->utt))
		return 1;
	record(r, ulaw, n);
	if (r->frames == 0 && r->j->seg == 1 && r->j->say_us &&
	    fd_mono_us() >= r->j->say_us)
		fd_metrics_observe(
		    FD_H_TTS, (fd_mono_us() - r->j->say_us) / 1e6);
	if (r->frames++ == 0 || n > sizeof(r->batch)) {
		/* the first frame leaves alone: it starts playback */
		publish_audio(c, r->j->utt, ulaw, n);
	} else {
		if (r->nbatch + n > sizeof(r->batch))
			flush_batch(r);
		memcpy(r->batch + r->nbatch, ulaw, n);
		r->nbatch += n;
		if (r->nbatch == sizeof(r->batch))
			flush_batch(r);
	}
	c->frames++;
	if (c->ttfa_utt != r->j->utt) {
		c->ttfa_utt = r->j->utt;
		ms = (unsigned)((fd_mono_us() - r->j->say_us) / 1000);
		if (c->nttfa < TTFA_KEEP)
			c->ttfa_ms[c->nttfa++] = ms;
		log_info(c->id, "utt %u: first audio %u ms after say",
		    r->j->utt, ms);
	}
	return 0;
}

static int
dead(struct call *c, uint32_t utt)
{
	return atomic_load(&c->gone) || utt <= atomic_load(&c->cancel_upto);
}

/* The publishers below send at once, or keep what a held utterance
 * would send (keep_held). */
static void
send_audio(struct call *c, uint32_t utt, const void *a, size_t n)
{
	int rv;

	if ((rv = fd_bus_publish(bus, FD_MSG_AUDIO_OUT, c->id, utt, a, n)) != 0)
		log_warnx(c->id, "publish audio_out: %s", nng_strerror(rv));
}

static void
send_mark(struct call *c, uint32_t utt, int seg, const char *text, int last)
{
	struct fd_pl_audio_mark m = {.seg = seg, .text = text, .last = last};
	char name[32];
	int rv;

	snprintf(name, sizeof(name), "u%us%d", utt, seg);
	m.name = name;
	if ((rv = fd_bus_publish_audio_mark(bus, c->id, utt, &m)) != 0)
		log_warnx(c->id, "publish audio_mark: %s", nng_strerror(rv));
}

static void
send_error(struct call *c, uint32_t utt, int seg, const char *error)
{
	struct fd_pl_tts_error m = {
	    .error = error[0] ? error : "synthesis failed", .seg = seg};

	fd_bus_publish_tts_error(bus, c->id, utt, &m);
}

static void
publish_audio(struct call *c, uint32_t utt, const uint8_t *a, size_t n)
{
	if (!keep_held(c, utt, FD_MSG_AUDIO_OUT, 0, 0, a, n))
		send_audio(c, utt, a, n);
	pthread_mutex_unlock(&c->hmu);
}

static void
publish_mark(struct call *c, const struct job *j)
{
	const char *text = j->text ? j->text : "";

	if (!keep_held(c, j->utt, FD_MSG_AUDIO_MARK, j->seg, j->last, text,
	        strlen(text) + 1))
		send_mark(c, j->utt, j->seg, j->text, j->last);
	pthread_mutex_unlock(&c->hmu);
}

static void
publish_error(struct call *c, const struct job *j, const char *error)
{
	if (!keep_held(c, j->utt, FD_MSG_TTS_ERROR, j->seg, 0, error,
	        strlen(error) + 1))
		send_error(c, j->utt, j->seg, error);
	pthread_mutex_unlock(&c->hmu);
}

/* With c->hmu taken (the caller unlocks it after sending): 1 if utt is
 * held and a copy of what it would publish was kept, 0 to send it now. */
static int
keep_held(struct call *c, uint32_t utt, int type, int seg, int last,
    const void *data, size_t len)
{
	struct held_out *h;

	pthread_mutex_lock(&c->hmu);
	if (utt != atomic_load(&c->hold_utt))
		return 0;
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->data = malloc(len ? len : 1)) == NULL) {
		free(h);
		log_err(c->id, "u%u: out of memory holding its output", utt);
		return 1;
	}
	memcpy(h->data, data, len);
	h->type = type;
	h->seg = seg;
	h->last = last;
	h->len = len;
	if (c->htail)
		c->htail->next = h;
	else
		c->hhead = h;
	c->htail = h;
	return 1;
}

/* Drop what was held; c->hmu held. */
static void
held_free(struct call *c)
{
	struct held_out *h;

	while ((h = c->hhead) != NULL) {
		c->hhead = h->next;
		free(h->data);
		free(h);
	}
	c->htail = NULL;
}

/* ---- calls and queues ---- */

static struct call *
call_find(const char *id)
{
	struct call *c;

	for (c = calls; c; c = c->next)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

static struct call *
call_new(const char *id)
{
	struct call *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	snprintf(c->id, sizeof(c->id), "%s", id);
	atomic_init(&c->cancel_upto, 0);
	atomic_init(&c->gone, 0);
	atomic_init(&c->hold_utt, 0);
	pthread_mutex_init(&c->hmu, NULL);
	c->next = calls;
	calls = c;
	return c;
}

/* Under mu, or at stop with no workers left. */
static void
call_free(struct call *c)
{
	unsigned p50 = 0, p95 = 0, max = 0;

	if (c->nttfa > 0) {
		qsort(c->ttfa_ms, c->nttfa, sizeof(c->ttfa_ms[0]), cmp_uint);
		p50 = c->ttfa_ms[c->nttfa / 2];
		p95 = c->ttfa_ms[(c->nttfa * 95) / 100 < c->nttfa
		        ? (c->nttfa * 95) / 100
		        : c->nttfa - 1];
		max = c->ttfa_ms[c->nttfa - 1];
		log_info(c->id,
		    "tts: %u utterances, %.1f s of audio in %.1f s "
		    "of synthesis, first audio p50 %u ms p95 %u ms max %u ms",
		    c->nttfa, c->frames * 0.02, c->synth_us / 1e6, p50, p95,
		    max);
	}
	drop_queued(c, UINT32_MAX);
	tts_split_free(&c->sp);
	held_free(c);
	pthread_mutex_destroy(&c->hmu);
	free(c);
}

static void
ready_push(struct call *c)
{
	c->rnext = NULL;
	if (ready_tail)
		ready_tail->rnext = c;
	else
		ready_head = c;
	ready_tail = c;
	c->ready = 1;
	pthread_cond_signal(&cv);
}

/* Queue one segment of the open utterance (takes text). */
static void
enqueue(struct call *c, char *text, int last)
{
	struct job *j;
	size_t cap;
	int n;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		log_err(c->id, "out of memory, segment dropped");
		free(text);
		return;
	}
	j->utt = c->open_utt;
	j->seg = c->next_seg++;
	j->last = last;
	j->say_us = c->say_us;
	snprintf(j->voice, sizeof(j->voice), "%s", c->voice);
	j->text = text;
	if (text) {
		for (cap = strlen(text) * 8 + 64;; cap *= 4) {
			free(j->speak);
			if ((j->speak = malloc(cap)) == NULL)
				break;
			if ((n = tts_normalize(prons, text, j->speak, cap)) >=
			    0)
				break;
		}
		if (j->speak == NULL) {
			log_err(c->id, "out of memory, segment dropped");
			job_free(j);
			return;
		}
		log_debug(c->id, "u%us%d queued: \"%s\" -> \"%s\"", j->utt,
		    j->seg, text, j->speak);
	}
	pthread_mutex_lock(&mu);
	if (c->nqueued >= MAX_QUEUED) {
		pthread_mutex_unlock(&mu);
		log_err(c->id, "u%us%d: %d segments already queued, dropped",
		    j->utt, j->seg, MAX_QUEUED);
		job_free(j);
		return;
	}
	if (c->tail)
		c->tail->next = j;
	else
		c->head = j;
	c->tail = j;
	c->nqueued++;
	if (!c->busy && !c->ready)
		ready_push(c);
	pthread_mutex_unlock(&mu);
}

/* The open utterance ends with nothing new to say: flush what the
 * splitter holds; with last, make sure some segment carries last (the
 * queued tail if it is still waiting, else an empty mark). */
static void
close_utterance(struct call *c, int last)
{
	struct job *t;
	char *seg;
	int marked = 0;

	while ((seg = tts_split_next(&c->sp, 1)) != NULL)
		enqueue(c, seg, 0);
	tts_split_free(&c->sp);
	c->open_done = 1;
	if (!last)
		return;
	pthread_mutex_lock(&mu);
	t = c->tail;
	if (t && t->utt == c->open_utt) {
		t->last = 1;
		marked = 1;
	}
	pthread_mutex_unlock(&mu);
	if (!marked)
		enqueue(c, NULL, 1);
}

/* Under mu. */
static void
drop_queued(struct call *c, uint32_t upto)
{
	struct job **pp = &c->head, *j;

	c->tail = NULL;
	while ((j = *pp) != NULL) {
		if (j->utt <= upto) {
			*pp = j->next;
			c->nqueued--;
			job_free(j);
		} else {
			c->tail = j;
			pp = &j->next;
		}
	}
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->text);
	free(j->speak);
	free(j);
}

static int
cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}
