/*
 * cs_session.c - one Media Streams WebSocket as Twilio runs it, towards the
 * gateway's /twilio/media.  Everything happens on a 20 ms tick scheduled
 * on an absolute timeline (t0 + k * 20 ms), so the caller's audio and the
 * agent's playout keep real time without drift: each tick sends one
 * inbound `media` frame (speech or line silence), plays 160 bytes of the
 * agent's audio, echoes the marks that became due, and advances the
 * caller's turn-taking.  The carrier REST side (cs_carrier.c) reaches a live
 * session through the registry at the bottom of this file.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "clock.h"
#include "log.h"
#include "mulaw.h"
#include "playout.h"
#include "cs_session.h"
#include "persona.h"
#include "scenario.h"
#include "voice.h"

#define MAX_REPLY_SAMPLES (8000 * 180) /* keep at most 3 min per reply */
#define MAX_PROTO_FAILS 5

enum phase { PH_TURN, PH_SPEAK, PH_DTMF, PH_AFTER, PH_END };
enum carrier_req { REQ_NONE, REQ_TRANSFER, REQ_COMPLETE };

struct outmsg {
	struct outmsg *next;
	int binary;
	size_t len;
	unsigned char buf[]; /* LWS_PRE + len */
};

struct sess {
	const struct session_plan *p;
	struct call_result *r;
	struct lws_context *ctx;
	struct lws *wsi;
	lws_sorted_usec_list_t sul;
	struct outmsg *qh, *qt;
	char *rx;
	size_t rxlen, rxcap;
	struct playout po;
	uint64_t t_begin, t0, next_tick;
	unsigned long tick, seq, chunk;
	int established, closing, done;
	unsigned proto_errs;
	/* the caller */
	enum phase ph;
	size_t turn, pos;
	int entered;
	uint64_t entered_at, until, last_voiced_sent, speech_end;
	int awaiting; /* said something, reply not started */
	uint64_t await_since, reply_start;
	long latency_turn; /* turn whose latency is pending */
	size_t cur_reply;
	/* the agent */
	uint64_t last_voiced_rx, last_voiced_play, voiced_in_end;
	int playing;
	uint64_t seg_start;
	uint64_t media_last; /* arrival of the last media frame */
	unsigned long run_frames; /* media frames since the last mark */
	/* barge-in timing: first voiced frame of a barge-in turn -> clear */
	long barge_turn;
	uint64_t barge_at;
	/* a persona: the next line is worked out (hear the reply, choose,
	 * synthesise) on a thread of its own, off the 20 ms clock; the
	 * caller sends line silence meanwhile, as a person thinking */
	struct persona_state pst;
	struct thought *th;
	/* carrier requests, under reg_lock */
	enum carrier_req req;
	char req_number[64];
	char *req_twiml;
	struct sess *next;
};

struct thought {
	const struct scenario *sc;
	struct persona_state *pst;
	size_t turn;
	struct reply_audio reply; /* a copy of the agent's reply */
	pthread_t th;
	atomic_int done;
	enum persona_act act;
	char heard[2048], line[512];
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sess *live;

static int ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len);
static void on_tick(lws_sorted_usec_list_t *sul);
static void caller_step(struct sess *s, uint64_t now, uint8_t *frame);
static void media_timing(struct sess *s, uint64_t now);
static void track_add(struct sess *s, const uint8_t *frame);
static void play_step(struct sess *s, uint64_t now);
static void cutoff_check(struct sess *s);
static void handle_msg(struct sess *s, const char *txt, size_t len);
static void q_raw(struct sess *s, const char *txt, size_t len, int binary);
static void q_text(struct sess *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void q_json(struct sess *s, json_t *j);
static void send_start(struct sess *s);
static void send_garbage(struct sess *s, int after_start);
static void send_stop(struct sess *s);
static void echo_due_marks(struct sess *s);
static void reply_cut(struct sess *s);
static void hang_up(struct sess *s, const char *by);
static void proto_fail(struct sess *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static long ms_of(const struct sess *s, uint64_t t);
static int persona_turn(struct sess *s, uint64_t now);
static void thought_end(struct sess *s);
static void reg_add(struct sess *s);
static void reg_del(struct sess *s);

static const struct lws_protocols protocols[] = {
    {"callsim-twilio", ws_cb, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

void
session_run(const struct session_plan *p, struct call_result *r)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info cc;
	struct sess *s;
	struct outmsg *m;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		call_fail(r, "out of memory");
		return;
	}
	s->p = p;
	s->r = r;
	s->latency_turn = -1;
	s->barge_turn = -1;
	s->awaiting = 1; /* the agent greets first */
	/* a call back from a transfer goes on with the turns left */
	s->turn = p->start_turn;
	s->cur_reply = p->start_turn;
	s->t_begin = fd_mono_us();
	playout_init(&s->po);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	if (p->tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.client_ssl_ca_filepath = p->o->cacert;
	}
	if ((s->ctx = lws_create_context(&info)) == NULL) {
		call_fail(r, "libwebsockets context failed");
		free(s);
		return;
	}
	memset(&cc, 0, sizeof(cc));
	cc.context = s->ctx;
	cc.address = p->host;
	cc.port = p->port;
	cc.path = p->path;
	cc.host = p->host;
	cc.origin = p->host;
	cc.ssl_connection = p->tls ? LCCSCF_USE_SSL : 0;
	cc.local_protocol_name = protocols[0].name;
	cc.userdata = s;
	cc.pwsi = &s->wsi;
	reg_add(s);
	if (lws_client_connect_via_info(&cc) == NULL) {
		call_fail(r, "websocket connect to %s://%s:%d%s failed",
		    p->tls ? "wss" : "ws", p->host, p->port, p->path);
		s->done = 1;
	}
	/* a tick even before the upgrade completes enforces the timeout */
	s->next_tick = fd_mono_us() + 20000;
	lws_sul_schedule(s->ctx, 0, &s->sul, on_tick, 20000);
	while (!s->done)
		if (lws_service(s->ctx, 0) < 0)
			break;
	reg_del(s);
	thought_end(s);
	lws_sul_cancel(&s->sul);
	lws_context_destroy(s->ctx);
	if (s->playing) {
		struct agent_seg *ns =
		    realloc(r->segs, (r->nsegs + 1) * sizeof(*ns));
		if (ns) {
			r->segs = ns;
			ns[r->nsegs].start_ms = ms_of(s, s->seg_start);
			ns[r->nsegs++].end_ms =
			    ms_of(s, s->last_voiced_play) + 20;
		}
	}
	r->duration_ms = s->t0 ? ms_of(s, fd_mono_us()) : 0;
	r->media_tx = (unsigned)s->chunk;
	while ((m = s->qh) != NULL) {
		s->qh = m->next;
		free(m);
	}
	playout_free(&s->po);
	free(s->rx);
	free(s->req_twiml);
	free(s);
}

static int
ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
    size_t len)
{
	struct sess *s = user;
	struct outmsg *m;
	unsigned char **pp, *end;
	char *nb;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (s == NULL || s->p->signature[0] == '\0')
			break;
		pp = (unsigned char **)in;
		end = *pp + len;
		if (lws_add_http_header_by_name(wsi,
		        (const unsigned char *)"x-twilio-signature:",
		        (const unsigned char *)s->p->signature,
		        (int)strlen(s->p->signature), pp, end))
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		s->established = 1;
		s->t0 = fd_mono_us();
		s->await_since = s->t0;
		s->speech_end = s->t0;
		q_text(s,
		    "{\"event\":\"connected\",\"protocol\":\"Call\","
		    "\"version\":\"1.0.0\"}");
		if (s->p->o->send_garbage)
			send_garbage(s, 0);
		send_start(s);
		if (s->p->o->send_garbage)
			send_garbage(s, 1);
		/* restart the clock on the stream's own timeline */
		s->next_tick = s->t0 + 20000;
		lws_sul_schedule(s->ctx, 0, &s->sul, on_tick, 20000);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		call_fail(s->r, "websocket connect to %s://%s:%d%s failed: %s",
		    s->p->tls ? "wss" : "ws", s->p->host, s->p->port,
		    s->p->path, in ? (const char *)in : "unknown error");
		s->done = 1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (lws_frame_is_binary(wsi)) {
			proto_fail(s, "gateway sent a binary frame");
			break;
		}
		if (s->rxlen + len + 1 > s->rxcap) {
			size_t ncap = (s->rxlen + len + 1) * 2;
			if (ncap > (8u << 20) ||
			    (nb = realloc(s->rx, ncap)) == NULL) {
				proto_fail(s, "gateway message too large");
				s->rxlen = 0;
				break;
			}
			s->rx = nb;
			s->rxcap = ncap;
		}
		memcpy(s->rx + s->rxlen, in, len);
		s->rxlen += len;
		if (!lws_is_final_fragment(wsi))
			break;
		s->rx[s->rxlen] = '\0';
		handle_msg(s, s->rx, s->rxlen);
		s->rxlen = 0;
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if ((m = s->qh) != NULL) {
			s->qh = m->next;
			if (s->qh == NULL)
				s->qt = NULL;
			if (lws_write(wsi, m->buf + LWS_PRE, m->len,
			        m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) <
			    (int)m->len) {
				free(m);
				return -1;
			}
			free(m);
		}
		if (s->qh)
			lws_callback_on_writable(wsi);
		else if (s->closing) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
			    (unsigned char *)"caller hung up", 14);
			return -1;
		}
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (!s->closing && s->r->hangup_by[0] == '\0')
			snprintf(
			    s->r->hangup_by, sizeof(s->r->hangup_by), "agent");
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (s->r->hangup_by[0] == '\0')
			snprintf(
			    s->r->hangup_by, sizeof(s->r->hangup_by), "agent");
		s->done = 1;
		s->wsi = NULL;
		break;
	default:
		break;
	}
	return 0;
}

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct sess *s = lws_container_of(sul, struct sess, sul);
	uint64_t now = fd_mono_us(), delay;
	uint8_t frame[FD_FRAME_SAMPLES];
	char b64[FD_FRAME_SAMPLES * 2];
	enum carrier_req req;

	if (s->done)
		return;
	if (now - s->t_begin > (uint64_t)s->p->o->timeout_ms * 1000u &&
	    !s->closing) {
		call_fail(s->r, "call timed out after %d s",
		    s->p->o->timeout_ms / 1000);
		if (s->established)
			hang_up(s, "caller");
		else
			s->done = 1;
	}
	if (s->established && !s->closing) {
		pthread_mutex_lock(&reg_lock);
		req = s->req;
		s->req = REQ_NONE;
		pthread_mutex_unlock(&reg_lock);
		if (req == REQ_TRANSFER) {
			s->r->transferred = 1;
			snprintf(s->r->transfer_to, sizeof(s->r->transfer_to),
			    "%s", s->req_number);
			pthread_mutex_lock(&reg_lock);
			free(s->r->dial_twiml);
			s->r->dial_twiml = s->req_twiml;
			s->req_twiml = NULL;
			pthread_mutex_unlock(&reg_lock);
		}
		if (req != REQ_NONE) /* Twilio ends the stream: stop, close */
			hang_up(s, "agent");
	}
	if (s->established && !s->closing) {
		s->tick++;
		play_step(s, now);
		memset(frame, FD_ULAW_SILENCE, sizeof(frame));
		if (s->p->o->duration_ms > 0 &&
		    (s->ph == PH_TURN || s->ph == PH_AFTER) &&
		    !(s->awaiting && s->reply_start == 0 &&
		        now - s->await_since <
		            (uint64_t)s->p->o->reply_timeout_ms * 1000u) &&
		    now - s->t0 >= (uint64_t)s->p->o->duration_ms * 1000u) {
			/* load runs: time is up between two turns (a reply
			 * still owed is waited for, so it is measured) */
			s->r->cut_short = s->turn < s->p->sc->nturns;
			hang_up(s, "caller");
		} else
			caller_step(s, now, frame);
		if (!s->closing) {
			if (s->p->o->record_track)
				track_add(s, frame);
			fd_b64_encode(frame, sizeof(frame), b64);
			s->chunk++;
			q_text(s,
			    "{\"event\":\"media\",\"sequenceNumber\":\"%lu\","
			    "\"streamSid\":\"%s\",\"media\":{\"track\":"
			    "\"inbound\",\"chunk\":\"%lu\",\"timestamp\":"
			    "\"%lu\",\"payload\":\"%s\"}}",
			    ++s->seq, s->r->stream_sid, s->chunk,
			    (s->chunk - 1) * 20, b64);
		}
	}
	if (s->done)
		return;
	/* absolute schedule; after a long stall skip ahead, don't burst */
	s->next_tick += 20000;
	if (now > s->next_tick + 500000)
		s->next_tick = now + 20000;
	delay = s->next_tick > now ? s->next_tick - now : 0;
	lws_sul_schedule(s->ctx, 0, &s->sul, on_tick, (lws_usec_t)delay);
}

/* Is it this turn's moment to act? */
static int
turn_ready(struct sess *s, const struct turn *t, uint64_t now)
{
	const struct call_opts *o = s->p->o;
	uint64_t idle = SIM_IDLE_MS * 1000u, base;

	if (s->awaiting && s->reply_start == 0) {
		if (now - s->await_since <
		    (uint64_t)o->reply_timeout_ms * 1000u)
			return 0;
		if (s->turn == 0)
			call_fail(s->r,
			    "no greeting from the agent within %d ms",
			    o->reply_timeout_ms);
		else
			call_fail(s->r,
			    "turn %zu: no reply from the agent "
			    "within %d ms",
			    s->turn, o->reply_timeout_ms);
		s->awaiting = 0;
		return 1;
	}
	if (t->barge_in) {
		base = s->awaiting ? s->reply_start
		    : s->playing   ? s->seg_start
		                   : 0;
		if (base == 0)
			return now - s->entered_at >
			    (uint64_t)o->reply_timeout_ms * 1000u;
		if (now < base + SIM_BARGE_MS * 1000u)
			return 0;
		s->awaiting = 0;
		return 1;
	}
	if (s->voiced_in_end > s->po.out_total ||
	    now - s->last_voiced_rx < idle || now - s->last_voiced_play < idle)
		return 0;
	s->awaiting = 0;
	return 1;
}

static void
turn_finished(struct sess *s, uint64_t now)
{
	struct turn_result *tr = &s->r->turns[s->turn];

	s->speech_end = s->last_voiced_sent ? s->last_voiced_sent : now;
	tr->end_ms = ms_of(s, s->speech_end);
	tr->frame1 = s->chunk + 1; /* this tick's frame is the last */
	tr->done = 1;
	s->awaiting = 1;
	s->await_since = now;
	s->reply_start = 0;
	s->latency_turn = (long)s->turn;
	s->turn++;
	s->entered = 0;
	s->ph = PH_TURN;
}

static void
caller_step(struct sess *s, uint64_t now, uint8_t *frame)
{
	const struct scenario *sc = s->p->sc;
	const struct turn *t;
	size_t n;

	if (s->ph == PH_TURN) {
		if (s->turn >= sc->nturns) {
			s->ph = PH_AFTER;
			s->until =
			    now + (uint64_t)s->p->o->hangup_timeout_ms * 1000u;
			return;
		}
		t = &sc->turns[s->turn];
		if (!s->entered) {
			s->entered = 1;
			s->entered_at = now;
			if (t->kind == TURN_WAIT)
				s->until = now + (uint64_t)t->wait_ms * 1000u;
		}
		if (t->kind == TURN_WAIT) {
			if (now >= s->until) {
				s->r->turns[s->turn].done = 1;
				s->turn++;
				s->entered = 0;
			}
			return;
		}
		if (!turn_ready(s, t, now))
			return;
		if (sc->persona && persona_turn(s, now) != 1)
			return;
		s->r->turns[s->turn].start_ms = ms_of(s, now);
		s->r->turns[s->turn].frame0 = s->r->turns[s->turn].frame1 =
		    s->chunk;
		if (t->barge_in) {
			s->barge_turn = (long)s->turn;
			s->barge_at = 0;
		}
		s->last_voiced_sent = 0;
		s->pos = 0;
		if (t->kind == TURN_HANGUP) {
			s->r->turns[s->turn].done = 1;
			s->r->turns[s->turn].end_ms = ms_of(s, now);
			s->turn++;
			hang_up(s, "caller");
			return;
		}
		s->cur_reply = s->turn + 1;
		if (s->p->o->verbose)
			log_info(s->r->call_sid, "turn %zu %s: %s", s->turn,
			    turn_kind_name(t->kind),
			    t->text ? t->text : s->r->turns[s->turn].said);
		if (t->kind == TURN_DTMF) {
			s->ph = PH_DTMF;
			s->until = now;
		} else
			s->ph = PH_SPEAK;
	}
	t = &sc->turns[s->turn < sc->nturns ? s->turn : 0];
	switch (s->ph) {
	case PH_SPEAK:
		n = s->p->speech_n[s->turn] - s->pos;
		if (n > FD_FRAME_SAMPLES)
			n = FD_FRAME_SAMPLES;
		memcpy(frame, s->p->speech[s->turn] + s->pos, n);
		if (voice_frame_voiced(frame, FD_FRAME_SAMPLES)) {
			s->last_voiced_sent = now;
			if (s->barge_turn == (long)s->turn && s->barge_at == 0)
				s->barge_at = now;
		}
		s->pos += n;
		if (s->pos >= s->p->speech_n[s->turn])
			turn_finished(s, now);
		break;
	case PH_DTMF:
		if (now < s->until)
			break;
		q_text(s,
		    "{\"event\":\"dtmf\",\"streamSid\":\"%s\","
		    "\"sequenceNumber\":\"%lu\",\"dtmf\":{\"track\":"
		    "\"inbound_track\",\"digit\":\"%c\"}}",
		    s->r->stream_sid, ++s->seq, t->text[s->pos]);
		s->last_voiced_sent = now;
		s->until = now + SIM_DTMF_GAP_MS * 1000u;
		if (t->text[++s->pos] == '\0')
			turn_finished(s, now);
		break;
	case PH_AFTER:
		if (now >= s->until)
			hang_up(s, "caller");
		break;
	default:
		break;
	}
}

static void
play_step(struct sess *s, uint64_t now)
{
	struct reply_audio *ra = &s->p->replies[s->cur_reply];
	uint8_t buf[FD_FRAME_SAMPLES];
	struct agent_seg *ns;
	size_t n;
	int16_t *np;

	if ((n = playout_play(&s->po, buf)) > 0) {
		if (voice_frame_voiced(buf, n)) {
			s->last_voiced_play = now;
			if (!s->playing) {
				s->playing = 1;
				s->seg_start = now;
			}
			cutoff_check(s);
		}
		if (ra->n + n > ra->cap && ra->n + n <= MAX_REPLY_SAMPLES) {
			size_t ncap = ra->cap ? ra->cap * 2 : 8000 * 10;
			if ((np = realloc(ra->pcm, ncap * sizeof(*np))) !=
			    NULL) {
				ra->pcm = np;
				ra->cap = ncap;
			}
		}
		if (ra->n + n <= ra->cap) {
			fd_ulaw_decode_buf(buf, ra->pcm + ra->n, n);
			ra->n += n;
		}
	}
	if (s->playing && now - s->last_voiced_play > 300000) {
		s->playing = 0;
		if ((ns = realloc(s->r->segs,
		         (s->r->nsegs + 1) * sizeof(*ns))) != NULL) {
			s->r->segs = ns;
			ns[s->r->nsegs].start_ms = ms_of(s, s->seg_start);
			ns[s->r->nsegs++].end_ms =
			    ms_of(s, s->last_voiced_play) + 20;
		}
	}
	echo_due_marks(s);
}

/* The agent's voice is heard while the caller is in the middle of a
 * turn: it began speaking (a voiced frame of this turn went out) and has
 * more of the turn's audio to send.  A barge-in turn talks over the agent
 * on purpose and is not counted. */
static void
cutoff_check(struct sess *s)
{
	const struct scenario *sc = s->p->sc;
	const uint8_t *a;
	size_t pos, n, left;

	if (s->ph != PH_SPEAK || s->turn >= sc->nturns ||
	    sc->turns[s->turn].barge_in || s->last_voiced_sent == 0 ||
	    s->r->turns[s->turn].cutoff)
		return;
	/* only the turn's trailing silence is left: the caller is done */
	a = s->p->speech[s->turn];
	n = s->p->speech_n[s->turn];
	for (pos = s->pos; pos < n; pos += FD_FRAME_SAMPLES) {
		left = n - pos < FD_FRAME_SAMPLES ? n - pos : FD_FRAME_SAMPLES;
		if (voice_frame_voiced(a + pos, left))
			break;
	}
	if (pos >= n)
		return;
	if (s->p->o->verbose)
		log_info(s->r->call_sid,
		    "turn %zu: agent spoke over the caller", s->turn);
	s->r->turns[s->turn].cutoff = 1;
}

static void
handle_msg(struct sess *s, const char *txt, size_t len)
{
	json_error_t je;
	json_t *j, *v;
	const char *ev, *sid, *payload, *name;
	uint8_t *audio;
	long n;
	size_t i, plen;
	uint64_t now = fd_mono_us();
	int voiced = 0;

	if ((j = json_loadb(txt, len, 0, &je)) == NULL) {
		proto_fail(s, "gateway sent bad JSON: %.60s", txt);
		return;
	}
	ev = json_string_value(json_object_get(j, "event"));
	sid = json_string_value(json_object_get(j, "streamSid"));
	if (ev == NULL) {
		proto_fail(s, "gateway message without event: %.60s", txt);
		goto out;
	}
	if (sid == NULL || strcmp(sid, s->r->stream_sid) != 0) {
		proto_fail(s, "gateway %s with streamSid %s, want %s", ev,
		    sid ? sid : "(none)", s->r->stream_sid);
		goto out;
	}
	if (strcmp(ev, "media") == 0) {
		v = json_object_get(j, "media");
		payload = json_string_value(json_object_get(v, "payload"));
		if (payload == NULL) {
			proto_fail(s, "gateway media without media.payload");
			goto out;
		}
		plen = strlen(payload);
		if ((audio = malloc(plen / 4 * 3 + 3)) == NULL)
			goto out;
		n = fd_b64_decode(payload, plen, audio, plen / 4 * 3 + 3);
		if (n < 0) {
			proto_fail(s, "gateway media payload is not base64");
			free(audio);
			goto out;
		}
		s->r->media_rx++;
		media_timing(s, now);
		if (playout_push(&s->po, audio, (size_t)n) != 0)
			log_warnx(s->r->call_sid, "playout: out of memory");
		for (i = 0; i < (size_t)n && !voiced; i += FD_FRAME_SAMPLES)
			voiced = voice_frame_voiced(audio + i,
			    (size_t)n - i < FD_FRAME_SAMPLES
			        ? (size_t)n - i
			        : FD_FRAME_SAMPLES);
		free(audio);
		if (!voiced)
			goto out;
		s->last_voiced_rx = now;
		s->voiced_in_end = s->po.in_total;
		if (s->r->answer_ms < 0)
			s->r->answer_ms = ms_of(s, now);
		if (s->awaiting && s->reply_start == 0 && now > s->speech_end) {
			s->reply_start = now;
			if (s->latency_turn >= 0)
				s->r->turns[s->latency_turn].latency_ms =
				    (long)((now - s->speech_end) / 1000u);
			s->latency_turn = -1;
		}
	} else if (strcmp(ev, "mark") == 0) {
		name = json_string_value(
		    json_object_get(json_object_get(j, "mark"), "name"));
		if (name == NULL) {
			proto_fail(s, "gateway mark without mark.name");
			goto out;
		}
		if (playout_mark(&s->po, name) != 0)
			log_warnx(s->r->call_sid, "mark: out of memory");
		s->run_frames = 0;
		echo_due_marks(s);
	} else if (strcmp(ev, "clear") == 0) {
		s->r->clears++;
		s->run_frames = 0;
		if (s->barge_turn >= 0 && s->barge_at && now > s->barge_at) {
			s->r->turns[s->barge_turn].bargein_ms =
			    (long)((now - s->barge_at) / 1000u);
			s->barge_turn = -1;
		}
		playout_clear(&s->po);
		reply_cut(s);
		echo_due_marks(s);
	} else
		proto_fail(s, "gateway sent unknown event \"%s\"", ev);
out:
	json_decref(j);
}

/* Outbound pacing as the caller sees it: frames of one segment (between
 * marks) should arrive every 20 ms.  The first two of a run come at once
 * (the gateway's lead) and are not timed for jitter. */
static void
media_timing(struct sess *s, uint64_t now)
{
	struct call_result *r = s->r;
	uint64_t gap = now - s->media_last;
	uint32_t *nj;

	if (s->run_frames > 0 && gap > 1000000)
		s->run_frames = 0; /* a new utterance, not a gap */
	if (s->run_frames > 0 && gap > UNDERRUN_GAP_US)
		r->underruns++;
	if (s->run_frames >= 2) {
		if (r->njitter == r->jitter_cap) {
			size_t ncap = r->jitter_cap ? r->jitter_cap * 2 : 1024;
			if ((nj = realloc(r->jitter_us, ncap * sizeof(*nj))) !=
			    NULL) {
				r->jitter_us = nj;
				r->jitter_cap = ncap;
			}
		}
		if (r->njitter < r->jitter_cap)
			r->jitter_us[r->njitter++] =
			    (uint32_t)(gap > 20000 ? gap - 20000 : 20000 - gap);
	}
	s->run_frames++;
	s->media_last = now;
}

/* --record: the caller's side of the line, one frame per tick. */
static void
track_add(struct sess *s, const uint8_t *frame)
{
	struct call_result *r = s->r;
	uint8_t *nt;
	size_t ncap;

	if (r->track_n + FD_FRAME_SAMPLES > r->track_cap) {
		ncap = r->track_cap ? r->track_cap * 2 : 8000 * 60;
		if ((nt = realloc(r->track, ncap)) == NULL)
			return;
		r->track = nt;
		r->track_cap = ncap;
	}
	memcpy(r->track + r->track_n, frame, FD_FRAME_SAMPLES);
	r->track_n += FD_FRAME_SAMPLES;
}

static void
echo_due_marks(struct sess *s)
{
	char name[PLAYOUT_MARK_NAME], seq[24];
	json_t *j;

	while (playout_due_mark(&s->po, name, sizeof(name))) {
		reply_cut(s);
		s->r->marks_echoed++;
		snprintf(seq, sizeof(seq), "%lu", ++s->seq);
		j = json_pack("{s:s, s:s, s:s, s:{s:s}}", "event", "mark",
		    "sequenceNumber", seq, "streamSid", s->r->stream_sid,
		    "mark", "name", name);
		if (j)
			q_json(s, j);
	}
}

/* Everything played so far into this reply ends a piece: the next audio
 * is another TTS segment (or comes after a clear). */
static void
reply_cut(struct sess *s)
{
	struct reply_audio *ra = &s->p->replies[s->cur_reply];
	size_t *nc, ncap;

	if (ra->n == 0 || (ra->ncuts && ra->cuts[ra->ncuts - 1] >= ra->n))
		return;
	if (ra->ncuts == ra->ccap) {
		ncap = ra->ccap ? ra->ccap * 2 : 16;
		if ((nc = realloc(ra->cuts, ncap * sizeof(*nc))) == NULL)
			return; /* heard as one piece: still heard */
		ra->cuts = nc;
		ra->ccap = ncap;
	}
	ra->cuts[ra->ncuts++] = ra->n;
}

static void
send_start(struct sess *s)
{
	json_t *j, *cp;
	size_t i;
	char seq[24];

	if ((cp = json_object()) == NULL)
		return;
	for (i = 0; i < s->p->params->n; i++)
		json_object_set_new(cp, s->p->params->kv[i].key,
		    json_string(s->p->params->kv[i].val));
	snprintf(seq, sizeof(seq), "%lu", ++s->seq);
	j = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:[s], s:o, "
	              "s:{s:s, s:i, s:i}}}",
	    "event", "start", "sequenceNumber", seq, "streamSid",
	    s->r->stream_sid, "start", "accountSid", s->r->account_sid,
	    "streamSid", s->r->stream_sid, "callSid", s->r->call_sid, "tracks",
	    "inbound", "customParameters", cp, "mediaFormat", "encoding",
	    "audio/x-mulaw", "sampleRate", 8000, "channels", 1);
	if (j)
		q_json(s, j);
}

/* Malformed traffic a gateway must shrug off (--send-garbage). */
static void
send_garbage(struct sess *s, int after_start)
{
	static const uint8_t bin[] = {0x00, 0xff, 0x13, 0x37};
	/* once the stream started: events with its sequence numbers, each
	 * wrong in its own way (sid NULL: the stream's own) */
	static const struct {
		const char *event, *sid, *rest;
	} bad[] = {
	    {"media", NULL,
	        ",\"media\":{\"track\":\"inbound\",\"chunk\":\"x\","
	        "\"timestamp\":\"y\",\"payload\":\"@@notbase64@@\"}}"},
	    {"media", NULL, ",\"media\":{\"payload\":\"/w==\"}}"},
	    {"media", NULL, "}"},
	    {"media", NULL, ",\"media\":{\"payload\":12345}}"},
	    {"dtmf", NULL, ",\"dtmf\":{}}"},
	    {"mark", NULL, ",\"mark\":{\"name\":\"never-sent\"}}"},
	    {"media", "MZ00000000000000000000000000000000",
	        ",\"media\":{\"payload\":\"//////////8=\"}}"},
	    {"surprise", NULL, "}"},
	};
	const char *sid = s->r->stream_sid;
	size_t i;

	if (!after_start) {
		q_text(s, "this is not json");
		q_text(s, "{\"event\":\"media\",\"media\":{\"payload\":");
		q_text(s, "{\"no_event\":true}");
		q_text(s, "[1,2,3]");
		q_text(s, "{\"event\":42}");
		q_text(s,
		    "{\"event\":\"media\",\"sequenceNumber\":\"0\","
		    "\"streamSid\":\"%s\",\"media\":{\"track\":\"inbound\","
		    "\"chunk\":\"0\",\"timestamp\":\"0\",\"payload\":"
		    "\"//////////8=\"}}",
		    sid);
		q_text(s,
		    "{\"event\":\"mark\",\"streamSid\":\"%s\","
		    "\"mark\":{\"name\":\"before-start\"}}",
		    sid);
		q_raw(s, (const char *)bin, sizeof(bin), 1);
		return;
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		q_text(s,
		    "{\"event\":\"%s\",\"sequenceNumber\":\"%lu\","
		    "\"streamSid\":\"%s\"%s",
		    bad[i].event, ++s->seq, bad[i].sid ? bad[i].sid : sid,
		    bad[i].rest);
}

static void
send_stop(struct sess *s)
{
	q_text(s,
	    "{\"event\":\"stop\",\"sequenceNumber\":\"%lu\","
	    "\"streamSid\":\"%s\",\"stop\":{\"accountSid\":\"%s\","
	    "\"callSid\":\"%s\"}}",
	    ++s->seq, s->r->stream_sid, s->r->account_sid, s->r->call_sid);
}

/* End the stream as Twilio does: `stop`, then close the socket. */
static void
hang_up(struct sess *s, const char *by)
{
	if (s->closing)
		return;
	if (s->r->hangup_by[0] == '\0')
		snprintf(s->r->hangup_by, sizeof(s->r->hangup_by), "%s", by);
	send_stop(s);
	s->closing = 1;
	s->ph = PH_END;
}

static void
q_raw(struct sess *s, const char *txt, size_t len, int binary)
{
	struct outmsg *m;

	if (s->wsi == NULL || (m = malloc(sizeof(*m) + LWS_PRE + len)) == NULL)
		return;
	m->next = NULL;
	m->binary = binary;
	m->len = len;
	memcpy(m->buf + LWS_PRE, txt, len);
	if (s->qt)
		s->qt->next = m;
	else
		s->qh = m;
	s->qt = m;
	lws_callback_on_writable(s->wsi);
}

static void
q_text(struct sess *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(buf))
		q_raw(s, buf, (size_t)n, 0);
}

static void
q_json(struct sess *s, json_t *j)
{
	char *txt = json_dumps(j, JSON_COMPACT);

	if (txt)
		q_raw(s, txt, strlen(txt), 0);
	free(txt);
	json_decref(j);
}

static void
proto_fail(struct sess *s, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx(s->r->call_sid, "%s", buf);
	if (++s->proto_errs <= MAX_PROTO_FAILS)
		call_fail(s->r, "protocol: %s", buf);
}

static long
ms_of(const struct sess *s, uint64_t t)
{
	return t > s->t0 ? (long)((t - s->t0) / 1000u) : 0;
}

static void
reg_add(struct sess *s)
{
	pthread_mutex_lock(&reg_lock);
	s->next = live;
	live = s;
	pthread_mutex_unlock(&reg_lock);
}

static void
reg_del(struct sess *s)
{
	struct sess **pp;

	pthread_mutex_lock(&reg_lock);
	for (pp = &live; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	pthread_mutex_unlock(&reg_lock);
}

static int
carrier_request(const char *call_sid, enum carrier_req req, const char *number,
    const char *twiml)
{
	struct sess *s;
	int found = -1;

	pthread_mutex_lock(&reg_lock);
	for (s = live; s; s = s->next)
		if (strcmp(s->r->call_sid, call_sid) == 0) {
			s->req = req;
			snprintf(s->req_number, sizeof(s->req_number), "%s",
			    number ? number : "");
			free(s->req_twiml);
			s->req_twiml = twiml ? strdup(twiml) : NULL;
			found = 0;
			break;
		}
	pthread_mutex_unlock(&reg_lock);
	return found;
}

int
call_transfer(const char *call_sid, const char *number, const char *twiml)
{
	return carrier_request(call_sid, REQ_TRANSFER, number, twiml);
}

int
call_complete(const char *call_sid)
{
	return carrier_request(call_sid, REQ_COMPLETE, NULL, NULL);
}

static void *
think(void *arg)
{
	struct thought *t = arg;

	voice_hear(t->reply.pcm, t->reply.n, t->reply.cuts, t->reply.ncuts,
	    t->heard, sizeof(t->heard));
	t->act = persona_next(
	    t->sc->persona, t->pst, t->heard, t->line, sizeof(t->line));
	atomic_store(&t->done, 1);
	return NULL;
}

static void
thought_end(struct sess *s)
{
	struct thought *t = s->th;

	if (t == NULL)
		return;
	pthread_join(t->th, NULL);
	free(t->reply.pcm);
	free(t->reply.cuts);
	free(t);
	s->th = NULL;
}

/* A persona's turn, once the agent has finished its reply: 0 while the
 * caller is still thinking, 1 when the turn's speech is ready to send, 2
 * when the caller is done (hung up, or waits for the agent to end). */
static int
persona_turn(struct sess *s, uint64_t now)
{
	const struct reply_audio *ra = &s->p->replies[s->turn];
	struct turn_result *tr = &s->r->turns[s->turn];
	struct thought *t = s->th;
	char cue[2200];
	uint8_t *a;
	size_t i;

	if (t == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL ||
		    (ra->n &&
		        (t->reply.pcm = malloc(ra->n * sizeof(*ra->pcm))) ==
		            NULL) ||
		    (ra->ncuts &&
		        (t->reply.cuts = malloc(
		             ra->ncuts * sizeof(*ra->cuts))) == NULL)) {
			if (t)
				free(t->reply.pcm);
			free(t);
			call_fail(s->r, "out of memory");
			hang_up(s, "caller");
			return 2;
		}
		if (ra->n)
			memcpy(t->reply.pcm, ra->pcm, ra->n * sizeof(*ra->pcm));
		if (ra->ncuts)
			memcpy(t->reply.cuts, ra->cuts,
			    ra->ncuts * sizeof(*ra->cuts));
		t->reply.n = ra->n;
		t->reply.ncuts = ra->ncuts;
		t->sc = s->p->sc;
		t->pst = &s->pst;
		t->turn = s->turn;
		if (pthread_create(&t->th, NULL, think, t) != 0) {
			free(t->reply.pcm);
			free(t->reply.cuts);
			free(t);
			call_fail(s->r, "persona: no thread");
			hang_up(s, "caller");
			return 2;
		}
		s->th = t;
		return 0;
	}
	if (!atomic_load(&t->done))
		return 0;
	snprintf(cue, sizeof(cue), "[%s] %s",
	    persona_ask_name(persona_ask(t->heard)), t->heard);
	free(tr->cue);
	tr->cue = strdup(cue);
	switch (t->act) {
	case PA_SAY:
		for (i = 0;
		     i < s->p->nlines && strcmp(s->p->lines[i].text, t->line);
		     i++)
			;
		if (i == s->p->nlines ||
		    (a = malloc(s->p->lines[i].n)) == NULL) {
			call_fail(s->r, "persona: cannot say \"%s\"", t->line);
			thought_end(s);
			hang_up(s, "caller");
			return 2;
		}
		memcpy(a, s->p->lines[i].audio, s->p->lines[i].n);
		free(s->p->speech[s->turn]);
		s->p->speech[s->turn] = a;
		s->p->speech_n[s->turn] = s->p->lines[i].n;
		free(tr->said);
		tr->said = strdup(t->line);
		thought_end(s);
		return 1;
	case PA_HANGUP:
		thought_end(s);
		tr->done = 1;
		tr->start_ms = tr->end_ms = ms_of(s, now);
		free(tr->said);
		tr->said = strdup("(hangs up)");
		s->turn++;
		hang_up(s, "caller");
		return 2;
	case PA_WAIT:
	default:
		thought_end(s);
		s->ph = PH_AFTER;
		s->until = now + (uint64_t)s->p->o->hangup_timeout_ms * 1000u;
		return 2;
	}
}
