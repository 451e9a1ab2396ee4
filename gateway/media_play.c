/*
 * media_play.c - our side of a Media Streams call (us -> Twilio): what
 * tts-worker and the agent send a call, paced out as media messages.
 *
 * The bus thread puts tts-worker's AUDIO_OUT and AUDIO_MARK and the
 * agent's CLEAR, PAUSE, RESUME and HANGUP into the call under its shard's
 * lock and wakes the call's service thread (once per batch: only when its
 * shard's pending list was empty); on each service thread one sweep timer
 * every PACE_SWEEP_US drives the pacer (pacer.c) of every call of its
 * shard that is playing, which emits one 160-byte media message per 20 ms
 * and marks in queue order.  One timer for all of a shard's
 * calls, not one per call: lws polls every socket each time it wakes, so
 * per-call timers at scattered phases made the cost grow with the square
 * of the number of calls.  Twilio's mark echoes and the marks a clear
 * dropped go to the agent as MARK.
 *
 * The per-frame path allocates nothing and builds no JSON: each call keeps
 * its media message prefix (streamSid included) and a small ring of
 * message slots; a frame is the prefix, its base64 written in place and
 * "}}".  What the sweep produced is written at once, outside the lock, on
 * the service thread: asking lws for a writable callback first cost two
 * poll-set changes and one more wake per frame.  Only when lws still holds
 * part of an earlier write (lws_partial_buffered) or a message waits do
 * messages stay in the ring until lws says the socket is writable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "gateway.h"
#include "log.h"
#include "media_int.h"
#include "twilio.h"

#define TX_MAX 1024 /* messages waiting for a slow socket */
#define TX_SLOT                                                                \
	400 /* message bytes kept inline in a slot (a
				   media message is about 300) */
#define TX_RING0 4 /* slots a call starts with */
#define PACE_SWEEP_US                                                          \
	5000 /* pacer sweep period; the pacer sends a
				   frame up to 2 ms early, so a frame
				   leaves within ~3 ms of its slot */

struct txslot {
	size_t len;
	unsigned char *big; /* a longer message (LWS_PRE + len), or NULL:
				   it is in buf */
	unsigned char buf[LWS_PRE + TX_SLOT];
};

static void sink_frame(
    void *arg, uint32_t utt, const uint8_t *frame, uint64_t enq_us);
static void sink_mark(void *arg, uint32_t utt, const char *name);
static void sink_mark_dropped(void *arg, uint32_t utt, const char *name);

const struct pacer_sink call_sink = {
    .frame = sink_frame,
    .mark = sink_mark,
    .mark_dropped = sink_mark_dropped,
};

static void tx_text(struct gw_call *c, const char *text, size_t len);
static unsigned char *tx_slot(struct gw_call *c, size_t len);
static void tx_flush(struct gw_call *c);
static void flush_later(struct gw_call *c, struct gw_call **list);
static void arm(struct gw_call *c);

/* Bus thread: frames for a call's outbound side. */

void
media_audio_out(const struct fd_frame *f)
{
	uint64_t now = fd_mono_us(), hop = now > f->ts_us ? now - f->ts_us : 0;
	struct lws_context *ctx;
	struct gw_call *c;
	int rv, wake = 0;

	GW_STAT_ADD(hop_n, 1);
	GW_STAT_ADD(hop_sum_us, hop);
	gw_stat_max(&gw_stats.hop_max_us, hop);
	if ((c = find_play(f->call_id)) == NULL) {
		log_debug(f->call_id,
		    "audio_out utt %u: no live stream, "
		    "dropped",
		    f->ref);
		return;
	}
	rv = pacer_audio(&c->pacer, f->ref, f->payload, f->payload_len, now);
	if (rv == 0) {
		c->want_kick = 1;
		wake = pend_locked(c);
	}
	ctx = c->sh->ctx; /* c is not ours once unlocked */
	pthread_mutex_unlock(&c->sh->mu);
	log_debug(f->call_id, "audio_out utt %u %u bytes, tts->gateway %llu us",
	    f->ref, f->payload_len, (unsigned long long)hop);
	if (rv == 1) {
		GW_STAT_ADD(stale_audio, 1);
		log_debug(
		    f->call_id, "audio_out utt %u is cleared, dropped", f->ref);
	} else if (rv < 0) {
		GW_STAT_ADD(audio_dropped, 1);
		log_warnx(f->call_id,
		    "audio_out utt %u: queue full, %u bytes "
		    "dropped",
		    f->ref, f->payload_len);
	} else if (wake)
		lws_cancel_service(ctx);
}

void
media_audio_mark(const struct fd_frame *f)
{
	struct fd_pl_audio_mark am;
	struct gw_call *c;
	struct lws_context *ctx = NULL;
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
	if ((c = find_play(f->call_id)) != NULL) {
		rv = pacer_mark(&c->pacer, f->ref, name, am.last, fd_mono_us());
		if (rv == 0) {
			c->want_kick = 1;
			wake = pend_locked(c);
		}
		ctx = c->sh->ctx;
		pthread_mutex_unlock(&c->sh->mu);
	}
	if (c == NULL)
		log_debug(f->call_id, "audio_mark %s: no live stream", name);
	else if (rv < 0)
		log_err(f->call_id, "audio_mark %s: out of memory", name);
	else if (wake)
		lws_cancel_service(ctx);
	json_decref(j);
}

void
media_clear(const struct fd_frame *f)
{
	struct lws_context *ctx = NULL;
	struct gw_call *c;
	size_t n = 0;

	if ((c = find_play(f->call_id)) != NULL) {
		n = pacer_clear(&c->pacer, f->ref);
		rec_cut(c->rec, fd_mono_us());
		c->want_clear = 1;
		(void)pend_locked(c);
		ctx = c->sh->ctx;
		pthread_mutex_unlock(&c->sh->mu);
	}
	if (c == NULL) {
		log_debug(f->call_id, "clear: no live stream");
		return;
	}
	GW_STAT_ADD(clears, 1);
	log_info(f->call_id, "clear up to utt %u: %zu queued items dropped",
	    f->ref, n);
	lws_cancel_service(ctx);
}

/* The caller may be barging in: Twilio drops what it buffered, we keep
 * what the caller has not heard until the agent says clear or resume. */
void
media_pause(const struct fd_frame *f)
{
	struct lws_context *ctx = NULL;
	struct gw_call *c;
	uint32_t utt = 0;
	size_t n = 0;

	if ((c = find_play(f->call_id)) != NULL) {
		uint64_t now = fd_mono_us();

		n = pacer_pause(&c->pacer, now, &utt);
		rec_cut(c->rec, now);
		c->want_resume = 0;
		c->want_clear = 1;
		(void)pend_locked(c);
		ctx = c->sh->ctx;
		pthread_mutex_unlock(&c->sh->mu);
	}
	if (c == NULL) {
		log_debug(f->call_id, "pause: no live stream");
		return;
	}
	GW_STAT_ADD(pauses, 1);
	log_info(f->call_id, "pause (utt %u playing): %zu unheard frames kept",
	    utt, n);
	lws_cancel_service(ctx);
}

/* Ask the service thread to close the call's stream (close) or resume
 * its playout, and wake it: 0, or -1 (logged) when the call has no live
 * stream. */
static int
want(const struct fd_frame *f, int close, const char *what)
{
	struct lws_context *ctx = NULL;
	struct gw_call *c;

	if ((c = find_play(f->call_id)) != NULL) {
		if (close)
			c->want_close = 1;
		else
			c->want_resume = 1;
		(void)pend_locked(c);
		ctx = c->sh->ctx;
		pthread_mutex_unlock(&c->sh->mu);
	}
	if (c == NULL) {
		log_debug(f->call_id, "%s: no live stream", what);
		return -1;
	}
	lws_cancel_service(ctx);
	return 0;
}

void
media_resume(const struct fd_frame *f)
{
	if (want(f, 0, "resume") == 0)
		log_info(f->call_id, "resume utt %u", f->ref);
}

void
media_hangup(const struct fd_frame *f)
{
	(void)want(f, 1, "hangup");
}

/* Service thread of sh: act on what the bus thread left in its pending
 * calls. */
void
media_on_wake(struct gw_shard *sh)
{
	struct gw_call *c, *next, *closes = NULL, *flush = NULL;
	char msg[160];
	int n;

	pthread_mutex_lock(&sh->mu);
	for (c = sh->pending_head, sh->pending_head = NULL; c; c = next) {
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
	pthread_mutex_unlock(&sh->mu);
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

/* The pacing sweep (a shard's service thread): tick every playing call
 * of the shard whose next frame is due, drop the ones that went idle. */
static void
pace_sweep(lws_sorted_usec_list_t *sul)
{
	struct gw_shard *sh = lws_container_of(sul, struct gw_shard, pace_sul);
	struct gw_call *c, **pp, *flush = NULL, *next;
	uint64_t now = fd_mono_us(), u, under = 0;
	int again;

	sh->pace_armed = 0;
	/* one lock for the whole sweep: a tick that is not due costs a
	 * compare, and the bus thread waits at most one sweep (of this
	 * shard's calls: the other shards sweep meanwhile) */
	pthread_mutex_lock(&sh->mu);
	for (pp = &sh->pacing_head; (c = *pp) != NULL;) {
		again = pacer_tick(&c->pacer, now);
		u = c->pacer.underruns - c->underruns_seen;
		c->underruns_seen = c->pacer.underruns;
		if (u) {
			under += u;
			log_debug(c->call_id,
			    "underrun: no audio for a tick "
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
	pthread_mutex_unlock(&sh->mu);
	if (under)
		GW_STAT_ADD(underruns, under);
	for (c = flush; c; c = next) {
		next = c->fnext;
		c->flushing = 0;
		tx_flush(c);
	}
	if (sh->pacing_head && !sh->pace_armed) {
		/* on a fixed grid, not PACE_SWEEP_US after this one: a call's
		 * 20 ms slots then keep their place among the sweeps, and its
		 * frames leave at a steady offset */
		now = fd_mono_us();
		while (sh->pace_at <= now)
			sh->pace_at += PACE_SWEEP_US;
		sh->pace_armed = 1;
		lws_sul_schedule(sh->ctx, 0, &sh->pace_sul, pace_sweep,
		    (lws_usec_t)(sh->pace_at - now));
	}
}

/* c has audio to pace: put it on its shard's sweep list. */
static void
arm(struct gw_call *c)
{
	struct gw_shard *sh = c->sh;

	if (!c->pacing) {
		c->pacing = 1;
		c->pace_next = sh->pacing_head;
		sh->pacing_head = c;
	}
	if (!sh->pace_armed) {
		sh->pace_armed = 1;
		sh->pace_at = fd_mono_us() + PACE_SWEEP_US;
		lws_sul_schedule(
		    sh->ctx, 0, &sh->pace_sul, pace_sweep, PACE_SWEEP_US);
	}
}

/* c ends: off the sweep list. */
void
unpace(struct gw_call *c)
{
	struct gw_call **pp;

	if (!c->pacing)
		return;
	for (pp = &c->sh->pacing_head; *pp; pp = &(*pp)->pace_next)
		if (*pp == c) {
			*pp = c->pace_next;
			break;
		}
	c->pacing = 0;
}

/* Pacer sink: called with the shard's mu held.  frame and mark only from the
 * service thread (kick, tick); mark_dropped from any thread. */

static void
sink_frame(void *arg, uint32_t utt, const uint8_t *frame, uint64_t enq_us)
{
	struct gw_call *c = arg;
	unsigned char *p;
	size_t n;
	uint64_t wait, now = fd_mono_us();

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
	/* the caller hears it once what went before it has played (the
	 * pacer's model, updated after this call) */
	rec_agent(c->rec,
	    c->pacer.play_end_us > now ? c->pacer.play_end_us : now, frame,
	    now);
	if (utt != c->wait_utt) {
		/* first frame of an utterance: how long it sat queued */
		c->wait_utt = utt;
		wait = now - enq_us;
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

void
publish_mark(const char *call_id, uint32_t utt, const char *name, int played)
{
	struct fd_pl_mark m = {.name = name, .played = played};

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
			log_warnx(c->call_id,
			    "media: socket not draining, "
			    "dropping outgoing messages");
		c->tx_full_logged = 1;
		return NULL;
	}
	if (c->tx_n == c->tx_cap) {
		ncap = c->tx_cap ? c->tx_cap * 2 : TX_RING0;
		if ((nt = malloc(ncap * sizeof(*nt))) == NULL) {
			log_err(c->call_id,
			    "media: out of memory, message "
			    "dropped");
			return NULL;
		}
		for (i = 0; i < c->tx_n; i++) /* unwrap into the new ring */
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

void
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

int
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
