/*
 * media.c - the Twilio Media Streams WebSocket at /twilio/media: the
 * protocol and the life of a call.
 *
 * Caller side (Twilio -> us): each text frame is parsed by media_msg.c and
 * turned into bus frames for stt-worker, agent and tts-worker: CALL_START,
 * AUDIO_IN (media_replay.c), DTMF, MARK and CALL_END.  Garbage is logged
 * with the call id and dropped; a socket that sends MEDIA_MAX_BAD bad
 * messages is closed.  A stream is only accepted with the one-time token
 * of the voice webhook that announced it (callinfo.c).
 *
 * A started call is in the registry by call id, where the bus thread finds
 * it; it leaves the registry when it ends (stop, hangup, disconnect, too
 * many bad messages) and CALL_END is published once.  Our side of the
 * stream (audio, marks, clear, pause, resume, hangup) is media_play.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callinfo.h"
#include "clock.h"
#include "cluster.h"
#include "gateway.h"
#include "log.h"
#include "strmap.h"
#include "media_int.h"
#include "twilio.h"

#define MEDIA_MAX_BAD 50 /* bad messages before we hang up */
#define MEDIA_START_TIMEOUT_S 15 /* connected socket must start */
#define CALL_BUCKETS 256

static struct gw_call *buckets[CALL_BUCKETS];
static int nstreams; /* atomic: open streams, every shard's */
static __thread struct media_msg rx_msg; /* one at a time per thread */

static int on_receive(struct gw_call *c, const char *in, size_t len);
static void handle_text(struct gw_call *c, const char *text, size_t len);
static void call_free(struct gw_call *c);
static void malformed(struct gw_call *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int
media_callback(struct lws *wsi, enum lws_callback_reasons reason,
    struct gw_conn *conn, void *in, size_t len)
{
	struct gw_call *c = conn ? conn->call : NULL;
	struct gw_shard *sh;
	char uri[64] = "";
	int n;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <=
		        0 ||
		    strcmp(uri, "/twilio/media") != 0) {
			log_warnx(NULL, "media: refusing WebSocket on %s", uri);
			return -1;
		}
		if ((n = __atomic_load_n(&nstreams, __ATOMIC_RELAXED)) >=
		    gw_cfg.max_calls) {
			GW_STAT_ADD(calls_rejected, 1);
			log_warnx(NULL,
			    "media: %d streams open (max_calls), "
			    "refusing another",
			    n);
			return -1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			log_err(NULL, "media: out of memory for a stream");
			return -1;
		}
		c->wsi = wsi;
		c->sh = sh = gw_shard_of(wsi);
		cring_init(&c->ring);
		pacer_init(&c->pacer, gw_cfg.pace_lead_frames,
		    (size_t)gw_cfg.max_queue_s * 8000, &call_sink, c);
		conn->call = c;
		n = __atomic_add_fetch(&nstreams, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&sh->nstreams, 1, __ATOMIC_RELAXED);
		lws_set_timeout(
		    wsi, PENDING_TIMEOUT_USER_OK, MEDIA_START_TIMEOUT_S);
		log_debug(NULL, "media: stream connected (%d open)", n);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return c ? on_receive(c, in, len) : -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return c ? on_writeable(c) : 0;
	case LWS_CALLBACK_CLOSED:
		if (c == NULL)
			return 0;
		sh = c->sh;
		end_call(c, "disconnect");
		call_free(c);
		conn->call = NULL;
		__atomic_sub_fetch(&nstreams, 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&sh->nstreams, 1, __ATOMIC_RELAXED);
		return 0;
	default:
		return 0;
	}
}

int
media_active_calls(void)
{
	return __atomic_load_n(&nstreams, __ATOMIC_RELAXED);
}

/* Registry of started calls by call id (gw_lock held). */

static unsigned
bucket_of(const char *id)
{
	return fd_str_hash(id) % CALL_BUCKETS;
}

struct gw_call *
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

struct gw_call *
find_play(const char *id)
{
	struct gw_call *c;

	pthread_mutex_lock(&gw_lock);
	if ((c = find_locked(id)) != NULL)
		pthread_mutex_lock(&c->sh->mu);
	pthread_mutex_unlock(&gw_lock);
	return c;
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
}

/* c leaves its shard's pending list (its mu held). */
static void
unpend_locked(struct gw_call *c)
{
	struct gw_call **pp;

	if (c->pending) {
		for (pp = &c->sh->pending_head; *pp; pp = &(*pp)->pnext)
			if (*pp == c) {
				*pp = c->pnext;
				break;
			}
		c->pending = 0;
	}
}

/* Queue c for its service thread; 1 if that thread must be woken (its
 * list was empty: otherwise a wake is already on its way). */
int
pend_locked(struct gw_call *c)
{
	int wake = c->sh->pending_head == NULL;

	if (c->pending)
		return 0;
	c->pending = 1;
	c->pnext = c->sh->pending_head;
	c->sh->pending_head = c;
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

/* Incoming messages (service thread). */

static int
on_receive(struct gw_call *c, const char *in, size_t len)
{
	int final = lws_is_final_fragment(c->wsi);

	if (lws_frame_is_binary(c->wsi))
		c->rx_skip = "binary frame";
	if (c->rx_skip == NULL && c->rx_len == 0 && final) {
		handle_text(c, in, len); /* the usual case: one frame */
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
		log_err(c->call_id,
		    "media: %u malformed messages, closing the "
		    "stream",
		    c->bad);
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

/* Cluster mode: c's CALL_START payload, encoded once, and the agent it
 * goes to, kept so that an agent the call moves to without a session
 * can start it (media_agent_moved).  Returns the payload (c's until the
 * call is freed, on this thread), or NULL if it could not be kept. */
static const char *
keep_start(struct gw_call *c, const struct fd_pl_call_start *cs)
{
	char err[160];
	json_t *j;
	char *s = NULL;

	if ((j = fd_pl_json(FD_MSG_CALL_START, cs, err, sizeof(err))) != NULL)
		s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL) {
		log_warnx(c->call_id, "media: call_start not kept: %s",
		    j ? "out of memory" : err);
		return NULL;
	}
	pthread_mutex_lock(&gw_lock);
	c->start_pl = s;
	fd_cluster_owner(c->call_id, FD_D_AGENT, c->agent, sizeof(c->agent));
	pthread_mutex_unlock(&gw_lock);
	return s;
}

/* Cluster thread, after CALL_ASSIGN moved calls: each call of this
 * gateway whose agent changed has its CALL_START sent again, marked
 * FD_F_REPLAY.  An agent that resumed the call from its session ignores
 * it; one that found no session starts the call from it. */
void
media_agent_moved(void)
{
	struct resend {
		char id[FD_CALL_ID_LEN];
		char *pl;
	} *rs = NULL, *grown;
	char now[FD_CLUSTER_NAME_LEN];
	struct fd_frame h;
	struct gw_call *c;
	size_t i, n = 0, cap = 0;

	pthread_mutex_lock(&gw_lock);
	for (i = 0; i < CALL_BUCKETS; i++)
		for (c = buckets[i]; c; c = c->hnext) {
			if (c->start_pl == NULL ||
			    fd_cluster_owner(c->call_id, FD_D_AGENT, now,
			        sizeof(now)) != 0 ||
			    now[0] == '\0' || strcmp(now, c->agent) == 0)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				if ((grown = realloc(rs, cap * sizeof(*rs))) ==
				    NULL)
					break;
				rs = grown;
			}
			if ((rs[n].pl = strdup(c->start_pl)) == NULL)
				break;
			memcpy(rs[n].id, c->call_id, sizeof(rs[n].id));
			memcpy(c->agent, now, sizeof(c->agent));
			n++;
		}
	pthread_mutex_unlock(&gw_lock);
	for (i = 0; i < n; i++) {
		memset(&h, 0, sizeof(h));
		h.type = FD_MSG_CALL_START;
		h.flags = FD_F_REPLAY;
		memcpy(h.call_id, rs[i].id, sizeof(h.call_id));
		if (fd_bus_publish_hdr(
		        &gw_bus, &h, rs[i].pl, strlen(rs[i].pl)) != 0)
			log_warnx(
			    h.call_id, "media: call_start not sent again");
		else
			log_info(h.call_id,
			    "call_start sent again to the "
			    "call's new agent");
		free(rs[i].pl);
	}
	free(rs);
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
	const char *token, *from, *to, *dir, *now, *kept = NULL;
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
		snprintf(
		    c->stream_sid, sizeof(c->stream_sid), "%s", m->stream_sid);
		c->media_pre_len =
		    (size_t)snprintf(c->media_pre, sizeof(c->media_pre),
		        "{\"event\":\"media\",\"streamSid\":"
		        "\"%s\",\"media\":{\"payload\":\"",
		        c->stream_sid);
		if (gw_cfg.recording && gw_cfg.keep_audio)
			c->rec = rec_open(c->call_id, fd_mono_us());
		c->hnext = buckets[bucket_of(c->call_id)];
		buckets[bucket_of(c->call_id)] = c;
		c->registered = 1;
	}
	pthread_mutex_unlock(&gw_lock);
	if (dup) {
		malformed(
		    c, "start for call %s which already streams", m->call_sid);
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
	cs = (struct fd_pl_call_start){.call_id = c->call_id,
	    .stream_sid = c->stream_sid,
	    .from = from,
	    .to = to,
	    .direction = dir,
	    .params = params,
	    .gateway = gw_instance,
	    .gateway_boot = gw_boot};
	if (now && now[0]) {
		if (!gw_cfg.allow_test_clock)
			log_warnx(c->call_id,
			    "media: 'now' parameter ignored "
			    "(allow_test_clock is off)");
		else if (fd_time_parse(now, &t) != 0)
			log_warnx(c->call_id,
			    "media: bad 'now' parameter "
			    "'%.40s' ignored",
			    now);
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
	/* in a cluster: which stt-worker, agent and tts-worker serve it,
	 * and the CALL_START kept for an agent the call may move to */
	if (fd_cluster_on()) {
		fd_cluster_assign(&gw_bus, c->call_id);
		kept = keep_start(c, &cs);
	}
	if (kept)
		fd_bus_publish(&gw_bus, FD_MSG_CALL_START, c->call_id, 0, kept,
		    strlen(kept));
	else
		fd_bus_publish_call_start(&gw_bus, c->call_id, 0, &cs);
	json_decref(params);
	log_info(c->call_id, "stream %s started: %s call from %s to %s%s%s",
	    c->stream_sid, dir, from[0] ? from : "?", to[0] ? to : "?",
	    pinned ? ", clock pinned to " : "", pinned ? now : "");
	if (ci.job_id > 0)
		log_info(c->call_id,
		    "outbound call of job %lld attempt %lld "
		    "(%s), answered by %s",
		    (long long)ci.job_id, (long long)ci.attempt,
		    ci.kind[0] ? ci.kind : "?",
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
		return; /* after stop/hangup nothing matters */
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
			break; /* our own audio echoed: not for stt */
		GW_STAT_ADD(frames_in, 1);
		if (c->replayed_gen !=
		    __atomic_load_n(&stt_gen, __ATOMIC_ACQUIRE))
			replay(c);
		audio_in(c, m->audio, m->audio_len);
		break;
	case MEDIA_DTMF:
		fd_bus_publish_dtmf(&gw_bus, c->call_id, 0,
		    &(struct fd_pl_dtmf){.digit = m->digit});
		log_info(c->call_id, "dtmf %s", m->digit);
		break;
	case MEDIA_MARK:
		pthread_mutex_lock(&c->sh->mu);
		played = pacer_echo(&c->pacer, m->name, &utt);
		pthread_mutex_unlock(&c->sh->mu);
		if (played == -2) {
			/* the clear of a pause: the mark is queued again */
			log_debug(
			    c->call_id, "mark %s echoed by a pause", m->name);
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

/* Publish CALL_END once and stop feeding the call. */
void
end_call(struct gw_call *c, const char *reason)
{
	struct rec *rec;

	if (!c->started || c->ended)
		return;
	c->ended = 1;
	pthread_mutex_lock(&gw_lock);
	unregister_locked(c);
	pthread_mutex_unlock(&gw_lock);
	/* a bus thread that found c before waits for the lock */
	pthread_mutex_lock(&c->sh->mu);
	unpend_locked(c);
	pacer_free(&c->pacer);
	rec = c->rec;
	c->rec = NULL;
	pthread_mutex_unlock(&c->sh->mu);
	rec_close(rec, fd_mono_us());
	unpace(c);
	fd_bus_publish_call_end(
	    &gw_bus, c->call_id, 0, &(struct fd_pl_call_end){.reason = reason});
	fd_cluster_release(c->call_id);
	log_info(c->call_id, "call ended (%s)", reason);
}

static void
call_free(struct gw_call *c)
{
	pthread_mutex_lock(&gw_lock);
	unregister_locked(c);
	free(c->start_pl);
	c->start_pl = NULL;
	pthread_mutex_unlock(&gw_lock);
	pthread_mutex_lock(&c->sh->mu);
	unpend_locked(c);
	pacer_free(&c->pacer);
	pthread_mutex_unlock(&c->sh->mu);
	unpace(c);
	while (c->tx_n > 0)
		tx_pop(c);
	free(c->tx);
	free(c->rx);
	free(c);
}
