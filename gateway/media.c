/*
 * media.c - the Twilio Media Streams WebSocket at /twilio/media.
 *
 * Caller side (Twilio -> us): each text frame is parsed by media_msg.c and
 * turned into bus frames for stt-worker, agent and tts-worker: CALL_START,
 * AUDIO_IN, DTMF, MARK and CALL_END.  Garbage is logged with the call id
 * and dropped; a socket that sends MEDIA_MAX_BAD bad messages is closed.
 *
 * Our side (us -> Twilio): the bus thread puts tts-worker's AUDIO_OUT and
 * AUDIO_MARK and the agent's CLEAR, PAUSE, RESUME and HANGUP into the call
 * under gw_lock
 * and wakes lws (once per batch: only when the pending list was empty);
 * on the service thread one sweep timer every PACE_SWEEP_US drives the
 * pacer (pacer.c) of every call that is playing, which emits one 160-byte
 * media message per 20 ms and marks in queue order.  One timer for all
 * calls, not one per call: lws polls every socket each time it wakes, so
 * per-call timers at scattered phases made the cost grow with the square
 * of the number of calls.
 *
 * The per-frame path allocates nothing and builds no JSON: each call keeps
 * its media message prefix (streamSid included) and a small ring of
 * message slots; a frame is the prefix, its base64 written in place and
 * "}}".  What the sweep produced is written at once, outside gw_lock, on
 * the service thread: asking lws for a writable callback first cost two
 * poll-set changes and one more wake per frame.  Only when lws still holds
 * part of an earlier write (lws_partial_buffered) or a message waits do
 * messages stay in the ring until lws says the socket is writable.
 *
 * Nothing the caller says is lost when stt-worker restarts: each call
 * keeps its last seconds of caller audio, numbered (caller_ring.c), and
 * knows from stt-worker's final transcripts up to when its audio is
 * settled.  When a new stt-worker instance hears everyone (gateway.c,
 * media_stt_ready), each call, on this thread and before its next live
 * frame, sends again what came after that point, marked FD_F_REPLAY.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caller_ring.h"
#include "callinfo.h"
#include "clock.h"
#include "gateway.h"
#include "log.h"
#include "media_msg.h"
#include "pacer.h"
#include "twilio.h"

#define MEDIA_MAX_BAD 50        /* bad messages before we hang up */
#define MEDIA_START_TIMEOUT_S 15        /* connected socket must start */
#define CALL_BUCKETS 256
#define TX_MAX 1024             /* messages waiting for a slow socket */
#define TX_SLOT 400             /* message bytes kept inline in a slot (a
				   media message is about 300) */
#define TX_RING0 4              /* slots a call starts with */
#define REPLAY_RUN 25            /* frames per replayed AUDIO_IN (0.5 s) */
#define PACE_SWEEP_US 5000      /* pacer sweep period; the pacer sends a
				   frame up to 2 ms early, so a frame
				   leaves within ~3 ms of its slot */

struct txslot {
	size_t len;
	unsigned char *big;     /* a longer message (LWS_PRE + len), or NULL:
				   it is in buf */
	unsigned char buf[LWS_PRE + TX_SLOT];
};

struct gw_call {
	/* under gw_lock */
	struct gw_call *hnext;          /* registry bucket */
	struct gw_call *pnext;          /* pending work list */
	int registered, pending;
	int want_kick, want_clear, want_close, want_resume;
	int transferred;
	uint64_t stt_settled_us;        /* arrival time up to which stt-worker
					   finished the caller's speech (its
					   last final's speech_end_us) */
	struct pacer pacer;
	/* set at start, then read-only */
	char call_id[FD_CALL_ID_LEN];
	char stream_sid[MEDIA_SID_LEN];
	struct lws *wsi;
	/* service thread only */
	int started, ended, closing;
	int refused;                    /* start without a valid token */
	unsigned bad;
	char *rx;
	size_t rx_len, rx_cap;
	const char *rx_skip;            /* why the message being received is
					   refused, or NULL */
	struct txslot *tx;              /* ring of tx_cap slots */
	size_t tx_cap, tx_head, tx_n;
	int tx_full_logged;
	char media_pre[64 + MEDIA_SID_LEN];     /* media message up to the
						   payload */
	size_t media_pre_len;
	struct gw_call *cnext;          /* closes in one wake */
	struct gw_call *fnext;          /* to flush after a sweep or wake */
	int flushing;
	struct gw_call *pace_next;      /* on the sweep list */
	int pacing;
	uint32_t wait_utt;              /* last utterance timed */
	uint64_t underruns_seen;
	unsigned replayed_gen;          /* stt-worker instance caught up */
	struct cring ring;              /* recent caller audio, numbered */
};

static struct gw_call *buckets[CALL_BUCKETS];
static struct gw_call *pending_head;
static int nstreams;                    /* service thread */
static struct gw_call *pacing_head;     /* service thread: calls playing */
static lws_sorted_usec_list_t pace_sul;
static int pace_armed;
static uint64_t pace_at;                /* when the next sweep is due */
static struct media_msg rx_msg;         /* service thread: one at a time */
/* bumped (atomic) each time a new stt-worker instance hears everyone */
static unsigned stt_gen;

static void sink_frame(void *arg, uint32_t utt, const uint8_t *frame,
    uint64_t enq_us);
static void sink_mark(void *arg, uint32_t utt, const char *name);
static void sink_mark_dropped(void *arg, uint32_t utt, const char *name);

static const struct pacer_sink call_sink = {
	.frame = sink_frame,
	.mark = sink_mark,
	.mark_dropped = sink_mark_dropped,
};

static int on_receive(struct gw_call *c, const char *in, size_t len);
static void tx_text(struct gw_call *c, const char *text, size_t len);
static unsigned char *tx_slot(struct gw_call *c, size_t len);
static void tx_flush(struct gw_call *c);
static void flush_later(struct gw_call *c, struct gw_call **list);
static int on_writeable(struct gw_call *c);
static void handle_text(struct gw_call *c, const char *text, size_t len);
static void end_call(struct gw_call *c, const char *reason);
static void audio_in(struct gw_call *c, const uint8_t *audio, size_t len);
static void replay(struct gw_call *c);
static void call_free(struct gw_call *c);
static void arm(struct gw_call *c);
static void unpace(struct gw_call *c);
static void malformed(struct gw_call *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int
media_callback(struct lws *wsi, enum lws_callback_reasons reason,
    struct gw_conn *conn, void *in, size_t len)
{
	struct gw_call *c = conn ? conn->call : NULL;
	char uri[64] = "";

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0 ||
		    strcmp(uri, "/twilio/media") != 0) {
			log_warnx(NULL, "media: refusing WebSocket on %s",
			    uri);
			return -1;
		}
		if (nstreams >= gw_cfg.max_calls) {
			GW_STAT_ADD(calls_rejected, 1);
			log_warnx(NULL, "media: %d streams open (max_calls), "
			    "refusing another", nstreams);
			return -1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			log_err(NULL, "media: out of memory for a stream");
			return -1;
		}
		c->wsi = wsi;
		cring_init(&c->ring);
		pacer_init(&c->pacer, gw_cfg.pace_lead_frames,
		    (size_t)gw_cfg.max_queue_s * 8000, &call_sink, c);
		conn->call = c;
		nstreams++;
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK,
		    MEDIA_START_TIMEOUT_S);
		log_debug(NULL, "media: stream connected (%d open)", nstreams);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return c ? on_receive(c, in, len) : -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return c ? on_writeable(c) : 0;
	case LWS_CALLBACK_CLOSED:
		if (c == NULL)
			return 0;
		end_call(c, "disconnect");
		call_free(c);
		conn->call = NULL;
		nstreams--;
		return 0;
	default:
		return 0;
	}
}

int
media_active_calls(void)
{
	return nstreams;
}

/* Registry of started calls by call id (gw_lock held). */

static unsigned
bucket_of(const char *id)
{
	unsigned h = 2166136261u;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h % CALL_BUCKETS;
}

static struct gw_call *
find_locked(const char *id)
{
	struct gw_call *c;

	if (id[0] == '\0')
		return NULL;
	for (c = buckets[bucket_of(id)]; c; c = c->hnext)
		if (strcmp(c->call_id, id) == 0)
			return c;
	return NULL;
}

static void
unregister_locked(struct gw_call *c)
{
	struct gw_call **pp;

	if (c->registered) {
		for (pp = &buckets[bucket_of(c->call_id)]; *pp;
		    pp = &(*pp)->hnext)
			if (*pp == c) {
				*pp = c->hnext;
				break;
			}
		c->registered = 0;
	}
	if (c->pending) {
		for (pp = &pending_head; *pp; pp = &(*pp)->pnext)
			if (*pp == c) {
				*pp = c->pnext;
				break;
			}
		c->pending = 0;
	}
}

/* Queue c for the service thread; 1 if the service thread must be woken
 * (the list was empty: otherwise a wake is already on its way). */
static int
pend_locked(struct gw_call *c)
{
	int wake = pending_head == NULL;

	if (c->pending)
		return 0;
	c->pending = 1;
	c->pnext = pending_head;
	pending_head = c;
	return wake;
}

int
media_call_live(const char *call_id)
{
	int live;

	pthread_mutex_lock(&gw_lock);
	live = find_locked(call_id) != NULL;
	pthread_mutex_unlock(&gw_lock);
	return live;
}

void
media_mark_transferred(const char *call_id)
{
	struct gw_call *c;

	pthread_mutex_lock(&gw_lock);
	if ((c = find_locked(call_id)) != NULL)
		c->transferred = 1;
	pthread_mutex_unlock(&gw_lock);
}

void
media_stt_ready(void)
{
	__atomic_add_fetch(&stt_gen, 1, __ATOMIC_RELEASE);
}

void
media_stt_transcript(const struct fd_frame *f)
{
	struct gw_call *c;
	json_int_t end;
	json_t *j, *v;

	/* interim results change nothing: read only the finals */
	if (memmem(f->payload, f->payload_len, "\"final\":true", 12) == NULL)
		return;
	if ((j = fd_frame_json(f)) == NULL)
		return;
	v = json_object_get(j, "speech_end_us");
	end = json_is_integer(v) ? json_integer_value(v) : 0;
	json_decref(j);
	if (end <= 0)
		return;
	pthread_mutex_lock(&gw_lock);
	if ((c = find_locked(f->call_id)) != NULL &&
	    (uint64_t)end > c->stt_settled_us)
		c->stt_settled_us = (uint64_t)end;
	pthread_mutex_unlock(&gw_lock);
}

/* Bus thread: frames for a call's outbound side. */

void
media_audio_out(const struct fd_frame *f)
{
	uint64_t now = fd_mono_us(), hop = now > f->ts_us ? now - f->ts_us : 0;
	struct gw_call *c;
	int rv, wake = 0;

	GW_STAT_ADD(hop_n, 1);
	GW_STAT_ADD(hop_sum_us, hop);
	gw_stat_max(&gw_stats.hop_max_us, hop);
	pthread_mutex_lock(&gw_lock);
	if ((c = find_locked(f->call_id)) == NULL) {
		pthread_mutex_unlock(&gw_lock);
		log_debug(f->call_id, "audio_out utt %u: no live stream, "
		    "dropped", f->ref);
		return;
	}
	rv = pacer_audio(&c->pacer, f->ref, f->payload, f->payload_len, now);
	if (rv == 0) {
		c->want_kick = 1;
		wake = pend_locked(c);
	}
	pthread_mutex_unlock(&gw_lock);
	log_debug(f->call_id, "audio_out utt %u %u bytes, tts->gateway %llu us",
	    f->ref, f->payload_len, (unsigned long long)hop);
	if (rv == 1) {
		GW_STAT_ADD(stale_audio, 1);
		log_debug(f->call_id, "audio_out utt %u is cleared, dropped",
		    f->ref);
	} else if (rv < 0) {
		GW_STAT_ADD(audio_dropped, 1);
		log_warnx(f->call_id, "audio_out utt %u: queue full, %u bytes "
		    "dropped", f->ref, f->payload_len);
	} else if (wake)
		lws_cancel_service(gw_ctx);
}

void
media_audio_mark(const struct fd_frame *f)
{
	struct fd_pl_audio_mark am;
	struct gw_call *c;
	const char *name;
	json_t *j;
	int rv = 0, wake = 0;

	if ((j = fd_bus_read_audio_mark(f, &am)) == NULL)
		return;
	name = am.name;
	if (name[0] == '\0' || strlen(name) >= 100) {
		log_err(f->call_id, "audio_mark utt %u without a usable name",
		    f->ref);
		json_decref(j);
		return;
	}
	pthread_mutex_lock(&gw_lock);
	if ((c = find_locked(f->call_id)) != NULL) {
		rv = pacer_mark(&c->pacer, f->ref, name, am.last,
		    fd_mono_us());
		if (rv == 0) {
			c->want_kick = 1;
			wake = pend_locked(c);
		}
	}
	pthread_mutex_unlock(&gw_lock);
	if (c == NULL)
		log_debug(f->call_id, "audio_mark %s: no live stream", name);
	else if (rv < 0)
		log_err(f->call_id, "audio_mark %s: out of memory", name);
	else if (wake)
		lws_cancel_service(gw_ctx);
	json_decref(j);
}

void
media_clear(const struct fd_frame *f)
{
	struct gw_call *c;
	size_t n = 0;

	pthread_mutex_lock(&gw_lock);
	if ((c = find_locked(f->call_id)) != NULL) {
		n = pacer_clear(&c->pacer, f->ref);
		c->want_clear = 1;
		(void)pend_locked(c);
	}
	pthread_mutex_unlock(&gw_lock);
	if (c == NULL) {
		log_debug(f->call_id, "clear: no live stream");
		return;
	}
	GW_STAT_ADD(clears, 1);
	log_info(f->call_id, "clear up to utt %u: %zu queued items dropped",
	    f->ref, n);
	lws_cancel_service(gw_ctx);
}

/* The caller may be barging in: Twilio drops what it buffered, we keep
 * what the caller has not heard until the agent says clear or resume. */
void
media_pause(const struct fd_frame *f)
{
	struct gw_call *c;
	uint32_t utt = 0;
	size_t n = 0;

	pthread_mutex_lock(&gw_lock);
	if ((c = find_locked(f->call_id)) != NULL) {
		n = pacer_pause(&c->pacer, fd_mono_us(), &utt);
		c->want_resume = 0;
		c->want_clear = 1;
		(void)pend_locked(c);
	}
	pthread_mutex_unlock(&gw_lock);
	if (c == NULL) {
		log_debug(f->call_id, "pause: no live stream");
		return;
	}
	GW_STAT_ADD(pauses, 1);
	log_info(f->call_id, "pause (utt %u playing): %zu unheard frames kept",
	    utt, n);
	lws_cancel_service(gw_ctx);
}

void
media_resume(const struct fd_frame *f)
{
	struct gw_call *c;

	pthread_mutex_lock(&gw_lock);
	if ((c = find_locked(f->call_id)) != NULL) {
		c->want_resume = 1;
		(void)pend_locked(c);
	}
	pthread_mutex_unlock(&gw_lock);
	if (c == NULL) {
		log_debug(f->call_id, "resume: no live stream");
		return;
	}
	log_info(f->call_id, "resume utt %u", f->ref);
	lws_cancel_service(gw_ctx);
}

void
media_hangup(const struct fd_frame *f)
{
	struct gw_call *c;

	pthread_mutex_lock(&gw_lock);
	if ((c = find_locked(f->call_id)) != NULL) {
		c->want_close = 1;
		(void)pend_locked(c);
	}
	pthread_mutex_unlock(&gw_lock);
	if (c == NULL) {
		log_debug(f->call_id, "hangup: no live stream");
		return;
	}
	lws_cancel_service(gw_ctx);
}

/* Service thread: act on what the bus thread left in pending calls. */
void
media_on_wake(void)
{
	struct gw_call *c, *next, *closes = NULL, *flush = NULL;
	char msg[160];
	int n;

	pthread_mutex_lock(&gw_lock);
	for (c = pending_head, pending_head = NULL; c; c = next) {
		next = c->pnext;
		c->pending = 0;
		flush_later(c, &flush);
		if (c->want_clear) {
			/* after whatever is already on its way, before any
			 * audio of a later utterance */
			c->want_clear = 0;
			n = snprintf(msg, sizeof(msg),
			    "{\"event\":\"clear\",\"streamSid\":\"%s\"}",
			    c->stream_sid);
			tx_text(c, msg, (size_t)n);
		}
		if (c->want_resume) {
			c->want_resume = 0;
			c->want_kick = 0;
			if (pacer_resume(&c->pacer, fd_mono_us()))
				arm(c);
		}
		if (c->want_kick) {
			c->want_kick = 0;
			if (pacer_kick(&c->pacer, fd_mono_us()))
				arm(c);
		}
		if (c->want_close) {
			c->want_close = 0;
			c->cnext = closes;
			closes = c;
		}
	}
	pthread_mutex_unlock(&gw_lock);
	for (c = flush; c; c = next) {
		next = c->fnext;
		c->flushing = 0;
		tx_flush(c);
	}
	for (c = closes; c; c = c->cnext) {
		end_call(c, "hangup");
		c->closing = 1;
		lws_callback_on_writable(c->wsi);
	}
}

/* The pacing sweep (service thread): tick every playing call whose next
 * frame is due, drop the ones that went idle. */
static void
pace_sweep(lws_sorted_usec_list_t *sul)
{
	struct gw_call *c, **pp, *flush = NULL, *next;
	uint64_t now = fd_mono_us(), u, under = 0;
	int again;

	(void)sul;
	pace_armed = 0;
	/* one lock for the whole sweep: a tick that is not due costs a
	 * compare, and the bus thread waits at most one sweep */
	pthread_mutex_lock(&gw_lock);
	for (pp = &pacing_head; (c = *pp) != NULL;) {
		again = pacer_tick(&c->pacer, now);
		u = c->pacer.underruns - c->underruns_seen;
		c->underruns_seen = c->pacer.underruns;
		if (u) {
			under += u;
			log_debug(c->call_id, "underrun: no audio for a tick "
			    "mid-utterance");
		}
		if (c->tx_n > 0)
			flush_later(c, &flush);
		if (again) {
			pp = &c->pace_next;
			continue;
		}
		*pp = c->pace_next;
		c->pacing = 0;
	}
	pthread_mutex_unlock(&gw_lock);
	if (under)
		GW_STAT_ADD(underruns, under);
	for (c = flush; c; c = next) {
		next = c->fnext;
		c->flushing = 0;
		tx_flush(c);
	}
	if (pacing_head && !pace_armed) {
		/* on a fixed grid, not PACE_SWEEP_US after this one: a call's
		 * 20 ms slots then keep their place among the sweeps, and its
		 * frames leave at a steady offset */
		now = fd_mono_us();
		while (pace_at <= now)
			pace_at += PACE_SWEEP_US;
		pace_armed = 1;
		lws_sul_schedule(gw_ctx, 0, &pace_sul, pace_sweep,
		    (lws_usec_t)(pace_at - now));
	}
}

/* c has audio to pace: put it on the sweep list. */
static void
arm(struct gw_call *c)
{
	if (!c->pacing) {
		c->pacing = 1;
		c->pace_next = pacing_head;
		pacing_head = c;
	}
	if (!pace_armed) {
		pace_armed = 1;
		pace_at = fd_mono_us() + PACE_SWEEP_US;
		lws_sul_schedule(gw_ctx, 0, &pace_sul, pace_sweep,
		    PACE_SWEEP_US);
	}
}

/* c ends: off the sweep list. */
static void
unpace(struct gw_call *c)
{
	struct gw_call **pp;

	if (!c->pacing)
		return;
	for (pp = &pacing_head; *pp; pp = &(*pp)->pace_next)
		if (*pp == c) {
			*pp = c->pace_next;
			break;
		}
	c->pacing = 0;
}

/* Pacer sink: called with gw_lock held.  frame and mark only from the
 * service thread (kick, tick); mark_dropped from any thread. */

static void
sink_frame(void *arg, uint32_t utt, const uint8_t *frame, uint64_t enq_us)
{
	struct gw_call *c = arg;
	unsigned char *p;
	size_t n;
	uint64_t wait;

	/* {"event":"media","streamSid":"MZ...","media":{"payload":"..."}} */
	if ((p = tx_slot(c, c->media_pre_len + 4 * PACER_FRAME / 3 + 8)) !=
	    NULL) {
		memcpy(p, c->media_pre, c->media_pre_len);
		n = c->media_pre_len;
		n += fd_b64_encode(frame, PACER_FRAME, (char *)p + n);
		memcpy(p + n, "\"}}", 3);
		c->tx[(c->tx_head + c->tx_n - 1) % c->tx_cap].len = n + 3;
	}
	GW_STAT_ADD(frames_out, 1);
	if (utt != c->wait_utt) {
		/* first frame of an utterance: how long it sat queued */
		c->wait_utt = utt;
		wait = fd_mono_us() - enq_us;
		GW_STAT_ADD(wait_n, 1);
		GW_STAT_ADD(wait_sum_us, wait);
		gw_stat_max(&gw_stats.wait_max_us, wait);
		log_debug(c->call_id, "utt %u first frame out, queued %llu us",
		    utt, (unsigned long long)wait);
	}
}

static void
sink_mark(void *arg, uint32_t utt, const char *name)
{
	struct gw_call *c = arg;
	json_t *j;
	char *s;

	j = json_pack("{s:s, s:s, s:{s:s}}", "event", "mark", "streamSid",
	    c->stream_sid, "mark", "name", name);
	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL) {
		log_err(c->call_id, "mark %s: out of memory", name);
		json_decref(j);
		return;
	}
	tx_text(c, s, strlen(s));
	free(s);
	json_decref(j);
	GW_STAT_ADD(marks_out, 1);
	log_debug(c->call_id, "mark %s (utt %u) sent", name, utt);
}

static void
publish_mark(const char *call_id, uint32_t utt, const char *name, int played)
{
	struct fd_pl_mark m = { .name = name, .played = played };

	fd_bus_publish_mark(&gw_bus, call_id, utt, &m);
}

static void
sink_mark_dropped(void *arg, uint32_t utt, const char *name)
{
	struct gw_call *c = arg;

	GW_STAT_ADD(marks_cleared, 1);
	publish_mark(c->call_id, utt, name, 0);
}

/* Outgoing messages (service thread). */

/* A new slot at the ring's tail for a message of len bytes: where to
 * write it (LWS_PRE bytes of room before), its len already set.  NULL if
 * the call is closing or its socket has not drained TX_MAX messages. */
static unsigned char *
tx_slot(struct gw_call *c, size_t len)
{
	struct txslot *t, *nt;
	size_t i, ncap;

	if (c->closing || c->ended)
		return NULL;
	if (c->tx_n >= TX_MAX) {
		if (!c->tx_full_logged)
			log_warnx(c->call_id, "media: socket not draining, "
			    "dropping outgoing messages");
		c->tx_full_logged = 1;
		return NULL;
	}
	if (c->tx_n == c->tx_cap) {
		ncap = c->tx_cap ? c->tx_cap * 2 : TX_RING0;
		if ((nt = malloc(ncap * sizeof(*nt))) == NULL) {
			log_err(c->call_id, "media: out of memory, message "
			    "dropped");
			return NULL;
		}
		for (i = 0; i < c->tx_n; i++)   /* unwrap into the new ring */
			nt[i] = c->tx[(c->tx_head + i) % c->tx_cap];
		free(c->tx);
		c->tx = nt;
		c->tx_cap = ncap;
		c->tx_head = 0;
	}
	t = &c->tx[(c->tx_head + c->tx_n) % c->tx_cap];
	t->len = len;
	t->big = NULL;
	if (len > TX_SLOT && (t->big = malloc(LWS_PRE + len)) == NULL) {
		log_err(c->call_id, "media: out of memory, message dropped");
		return NULL;
	}
	c->tx_n++;
	return (t->big ? t->big : t->buf) + LWS_PRE;
}

static void
tx_pop(struct gw_call *c)
{
	free(c->tx[c->tx_head].big);
	c->tx[c->tx_head].big = NULL;
	c->tx_head = (c->tx_head + 1) % c->tx_cap;
	c->tx_n--;
}

/* Queue one message; it goes out with the next tx_flush. */
static void
tx_text(struct gw_call *c, const char *text, size_t len)
{
	unsigned char *p;

	if ((p = tx_slot(c, len)) != NULL)
		memcpy(p, text, len);
}

/* c has messages queued: flush it once the lock is released. */
static void
flush_later(struct gw_call *c, struct gw_call **list)
{
	if (c->flushing)
		return;
	c->flushing = 1;
	c->fnext = *list;
	*list = c;
}

/* Write what is queued, in order, while lws holds nothing back; what
 * remains waits for a writable callback.  A failed write closes the
 * socket from that callback. */
static void
tx_flush(struct gw_call *c)
{
	struct txslot *t;
	int n;

	while (c->tx_n > 0 && !c->closing) {
		if (lws_partial_buffered(c->wsi)) {
			lws_callback_on_writable(c->wsi);
			return;
		}
		t = &c->tx[c->tx_head];
		n = lws_write(c->wsi, (t->big ? t->big : t->buf) + LWS_PRE,
		    t->len, LWS_WRITE_TEXT);
		tx_pop(c);
		if (n < 0) {
			log_warnx(c->call_id, "media: write failed, closing");
			c->closing = 1;
			lws_callback_on_writable(c->wsi);
			return;
		}
	}
	c->tx_full_logged = 0;
}

static int
on_writeable(struct gw_call *c)
{
	if (c->closing) {
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL,
		    (unsigned char *)"hangup", 6);
		return -1;
	}
	tx_flush(c);
	return 0;
}

/* Incoming messages (service thread). */

static int
on_receive(struct gw_call *c, const char *in, size_t len)
{
	int final = lws_is_final_fragment(c->wsi);

	if (lws_frame_is_binary(c->wsi))
		c->rx_skip = "binary frame";
	if (c->rx_skip == NULL && c->rx_len == 0 && final) {
		handle_text(c, in, len);        /* the usual case: one frame */
	} else {
		if (c->rx_skip == NULL && c->rx_len + len > MEDIA_MAX_MSG)
			c->rx_skip = "oversized message";
		if (c->rx_skip == NULL && c->rx_len + len > c->rx_cap) {
			size_t ncap = c->rx_cap ? c->rx_cap : 8192;
			char *nrx;

			while (ncap < c->rx_len + len)
				ncap *= 2;
			if ((nrx = realloc(c->rx, ncap)) == NULL)
				c->rx_skip = "out of memory";
			else {
				c->rx = nrx;
				c->rx_cap = ncap;
			}
		}
		if (c->rx_skip == NULL) {
			memcpy(c->rx + c->rx_len, in, len);
			c->rx_len += len;
		}
		if (!final)
			return 0;
		if (c->rx_skip)
			malformed(c, "%s", c->rx_skip);
		else
			handle_text(c, c->rx, c->rx_len);
		c->rx_len = 0;
		c->rx_skip = NULL;
	}
	if (c->refused) {
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
		    (unsigned char *)"unauthorized", 12);
		return -1;
	}
	if (c->bad >= MEDIA_MAX_BAD) {
		log_err(c->call_id, "media: %u malformed messages, closing the "
		    "stream", c->bad);
		end_call(c, "error");
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
		    (unsigned char *)"malformed", 9);
		return -1;
	}
	return 0;
}

static void
malformed(struct gw_call *c, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	c->bad++;
	GW_STAT_ADD(malformed, 1);
	log_warnx(c->call_id, "media: dropped malformed message (%u): %s",
	    c->bad, why);
}

/*
 * The stream must be one the voice webhook answered: its start brings the
 * one-time token the TwiML carried, which is checked and used up here.
 * Anything else is refused (c->refused: on_receive closes the socket)
 * before a daemon hears of it.  Who calls, to whom and which way is what
 * the signed webhook said; customParameters cannot change it.
 */
static void
on_start(struct gw_call *c, struct media_msg *m)
{
	const char *token, *from, *to, *dir, *now;
	enum callinfo_refusal why;
	struct fd_pl_call_start cs;
	struct callinfo ci;
	time_t t;
	json_t *params;
	int dup, pinned = 0;

	token = json_string_value(json_object_get(m->params, CALLINFO_PARAM));
	if ((why = callinfo_take(m->call_sid, token, &ci, fd_mono_us())) !=
	    CALLINFO_OK) {
		log_warnx(m->call_sid, "media: stream %s refused: %s",
		    m->stream_sid, callinfo_refusal_str(why));
		c->refused = 1;
		return;
	}
	pthread_mutex_lock(&gw_lock);
	if ((dup = find_locked(m->call_sid) != NULL) == 0) {
		snprintf(c->call_id, sizeof(c->call_id), "%s", m->call_sid);
		snprintf(c->stream_sid, sizeof(c->stream_sid), "%s",
		    m->stream_sid);
		c->media_pre_len = (size_t)snprintf(c->media_pre,
		    sizeof(c->media_pre), "{\"event\":\"media\",\"streamSid\":"
		    "\"%s\",\"media\":{\"payload\":\"", c->stream_sid);
		c->hnext = buckets[bucket_of(c->call_id)];
		buckets[bucket_of(c->call_id)] = c;
		c->registered = 1;
	}
	pthread_mutex_unlock(&gw_lock);
	if (dup) {
		malformed(c, "start for call %s which already streams",
		    m->call_sid);
		return;
	}
	c->started = 1;
	/* the stt-worker of now hears this CALL_START: nothing to catch up */
	c->replayed_gen = __atomic_load_n(&stt_gen, __ATOMIC_ACQUIRE);
	lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
	GW_STAT_ADD(calls_total, 1);
	from = ci.from;
	to = ci.to;
	dir = ci.direction[0] ? ci.direction : "inbound";
	now = json_string_value(json_object_get(m->params, "now"));
	/* params as Twilio delivered them, less the token, with the
	 * webhook's identity in place of whatever the stream claimed */
	if ((params = json_deep_copy(m->params)) != NULL) {
		json_object_del(params, CALLINFO_PARAM);
		json_object_set_new(params, "From", json_string(from));
		json_object_set_new(params, "To", json_string(to));
		json_object_set_new(params, "Direction", json_string(dir));
	}
	if (params == NULL) {
		log_err(c->call_id, "media: out of memory for call_start");
		return;
	}
	cs = (struct fd_pl_call_start){ .call_id = c->call_id,
	    .stream_sid = c->stream_sid, .from = from, .to = to,
	    .direction = dir, .params = params, .gateway = gw_instance,
	    .gateway_boot = gw_boot };
	if (now && now[0]) {
		if (!gw_cfg.allow_test_clock)
			log_warnx(c->call_id, "media: 'now' parameter ignored "
			    "(allow_test_clock is off)");
		else if (fd_time_parse(now, &t) != 0)
			log_warnx(c->call_id, "media: bad 'now' parameter "
			    "'%.40s' ignored", now);
		else {
			cs.now = now;
			pinned = 1;
		}
	}
	/* the job of an outbound call, as the signed webhook named it */
	if (ci.job_id > 0) {
		cs.job_id = ci.job_id;
		cs.attempt = ci.attempt;
		cs.kind = ci.kind;
		cs.answered_by = ci.answered_by;
	}
	fd_bus_publish_call_start(&gw_bus, c->call_id, 0, &cs);
	json_decref(params);
	log_info(c->call_id, "stream %s started: %s call from %s to %s%s%s",
	    c->stream_sid, dir, from[0] ? from : "?", to[0] ? to : "?",
	    pinned ? ", clock pinned to " : "", pinned ? now : "");
	if (ci.job_id > 0)
		log_info(c->call_id, "outbound call of job %lld attempt %lld "
		    "(%s), answered by %s", (long long)ci.job_id,
		    (long long)ci.attempt, ci.kind[0] ? ci.kind : "?",
		    ci.answered_by[0] ? ci.answered_by : "?");
}

static void
handle_text(struct gw_call *c, const char *text, size_t len)
{
	struct media_msg *m = &rx_msg;
	char err[200];
	uint32_t utt = 0;
	int played;

	if (c->ended || c->closing || c->refused)
		return;         /* after stop/hangup nothing matters */
	if (media_msg_parse(text, len, m, err, sizeof(err)) != 0) {
		malformed(c, "%s", err);
		return;
	}
	if (m->event == MEDIA_CONNECTED) {
		log_debug(c->call_id, "media: connected");
		goto out;
	}
	if (m->event == MEDIA_START) {
		if (c->started)
			malformed(c, "second start");
		else
			on_start(c, m);
		goto out;
	}
	if (!c->started) {
		malformed(c, "%s before start", media_event_name(m->event));
		goto out;
	}
	if (strcmp(m->stream_sid, c->stream_sid) != 0) {
		malformed(c, "%s for stream %s, not %s",
		    media_event_name(m->event), m->stream_sid, c->stream_sid);
		goto out;
	}
	switch (m->event) {
	case MEDIA_MEDIA:
		if (!m->inbound)
			break;          /* our own audio echoed: not for stt */
		GW_STAT_ADD(frames_in, 1);
		if (c->replayed_gen != __atomic_load_n(&stt_gen,
		    __ATOMIC_ACQUIRE))
			replay(c);
		audio_in(c, m->audio, m->audio_len);
		break;
	case MEDIA_DTMF:
		fd_bus_publish_dtmf(&gw_bus, c->call_id, 0,
		    &(struct fd_pl_dtmf){ .digit = m->digit });
		log_info(c->call_id, "dtmf %s", m->digit);
		break;
	case MEDIA_MARK:
		pthread_mutex_lock(&gw_lock);
		played = pacer_echo(&c->pacer, m->name, &utt);
		pthread_mutex_unlock(&gw_lock);
		if (played == -2) {
			/* the clear of a pause: the mark is queued again */
			log_debug(c->call_id, "mark %s echoed by a pause",
			    m->name);
			break;
		}
		if (played < 0)
			log_warnx(c->call_id, "media: echo of unknown mark %s",
			    m->name);
		GW_STAT_ADD(marks_echoed, 1);
		publish_mark(c->call_id, utt, m->name, played != 0);
		log_debug(c->call_id, "mark %s echoed (%s)", m->name,
		    played ? "played" : "cleared");
		break;
	case MEDIA_STOP:
		pthread_mutex_lock(&gw_lock);
		played = c->transferred;
		pthread_mutex_unlock(&gw_lock);
		end_call(c, played ? "transfer" : "stop");
		break;
	default:
		break;
	}
out:
	media_msg_clear(m);
}

/* Publish the caller's audio as AUDIO_IN, CRING_FRAME bytes a frame, each
 * numbered and kept in the call's ring. */
static void
audio_in(struct gw_call *c, const uint8_t *audio, size_t len)
{
	struct fd_frame h;
	size_t n;

	memset(&h, 0, sizeof(h));
	h.type = FD_MSG_AUDIO_IN;
	memcpy(h.call_id, c->call_id, sizeof(h.call_id));
	for (; len > 0; audio += n, len -= n) {
		n = len < CRING_FRAME ? len : CRING_FRAME;
		h.ts_us = fd_mono_us();
		h.ref = cring_push(&c->ring, audio, n, h.ts_us);
		fd_bus_publish_hdr(&gw_bus, &h, audio, n);
	}
}

/* A new stt-worker instance hears everyone: send it again, ahead of the
 * next live frame, the caller audio its predecessor had not finished
 * (every frame after the last final transcript's speech end), in runs
 * marked FD_F_REPLAY with their original numbers and arrival times.
 * stt-worker drops the frames it already has. */
static void
replay(struct gw_call *c)
{
	uint8_t buf[REPLAY_RUN * CRING_FRAME];
	const struct cring_slot *first;
	struct fd_frame h;
	uint64_t after, now = fd_mono_us();
	size_t pos, start, n;
	int gap;

	c->replayed_gen = __atomic_load_n(&stt_gen, __ATOMIC_ACQUIRE);
	pthread_mutex_lock(&gw_lock);
	after = c->stt_settled_us;
	pthread_mutex_unlock(&gw_lock);
	start = pos = cring_since(&c->ring, after, &gap);
	if ((first = cring_at(&c->ring, pos)) == NULL)
		return;
	memset(&h, 0, sizeof(h));
	h.type = FD_MSG_AUDIO_IN;
	h.flags = FD_F_REPLAY;
	memcpy(h.call_id, c->call_id, sizeof(h.call_id));
	while ((n = cring_run(&c->ring, &pos, REPLAY_RUN, buf, &h.ref,
	    &h.ts_us)) > 0)
		fd_bus_publish_hdr(&gw_bus, &h, buf, n);
	log_info(c->call_id, "replay to the new stt-worker: frames %u-%u "
	    "(%.1f s, from %.1f s ago)", first->ref,
	    cring_at(&c->ring, pos - 1)->ref, (pos - start) * 0.02,
	    (now - first->ts_us) / 1e6);
	if (gap)
		log_warnx(c->call_id, "replay: caller audio older than %d s "
		    "is gone, stt-worker may have missed some",
		    CRING_FRAMES / 50);
}

/* Publish CALL_END once and stop feeding the call. */
static void
end_call(struct gw_call *c, const char *reason)
{
	if (!c->started || c->ended)
		return;
	c->ended = 1;
	pthread_mutex_lock(&gw_lock);
	unregister_locked(c);
	pacer_free(&c->pacer);
	pthread_mutex_unlock(&gw_lock);
	unpace(c);
	fd_bus_publish_call_end(&gw_bus, c->call_id, 0,
	    &(struct fd_pl_call_end){ .reason = reason });
	log_info(c->call_id, "call ended (%s)", reason);
}

static void
call_free(struct gw_call *c)
{
	pthread_mutex_lock(&gw_lock);
	unregister_locked(c);
	pacer_free(&c->pacer);
	pthread_mutex_unlock(&gw_lock);
	unpace(c);
	while (c->tx_n > 0)
		tx_pop(c);
	free(c->tx);
	free(c->rx);
	free(c);
}
