/*
 * stt_engine_deepgram.c - speech recognition by Deepgram's streaming API
 * (protocols.md section 6): one WebSocket per call to
 * wss://{host}/v1/listen?encoding=mulaw&sample_rate=8000&..., caller audio
 * out as binary frames, Results / SpeechStarted / UtteranceEnd / Metadata
 * back as JSON.  Talks only to Deepgram (or a test peer) over TLS.
 *
 * This file holds the connections; stt_deepgram_events.c turns the
 * messages into stt_events callbacks.  One libwebsockets client context
 * and one service thread serve every call.  The stt-worker thread only touches the stream's buffers under the
 * engine lock and wakes the service thread (lws_cancel_service); every lws
 * call is made on the service thread.
 *
 * No audio is lost when the connection drops: the stream keeps a ring of
 * the audio not yet covered by an is_final result (Deepgram's start +
 * duration, on that connection's clock), reconnects with backoff, and sends
 * that audio again first; the new connection's clock starts where the ring
 * starts, so its timestamps are shifted by that much.  Hints become
 * `keywords` (or `keyterm` for nova-3) on the next connection.
 *
 * Callbacks follow stt_engine.h: speech_started / speech_stopped run on the
 * thread that calls feed or finalize, results on the service thread, in
 * the order Deepgram implied (one ordered queue, each side takes its own
 * kind from the head); none runs after stream_close returns.
 *
 * Config (section stt.deepgram): base_url = "wss://api.deepgram.com";
 * model = "nova-2-phonecall"; language = "en"; endpointing = 300 (ms);
 * utterance_end_ms = 1000; smart_format = true; punctuate = true;
 * keyword_boost = 2; keepalive_ms = 4000; reconnect_min_ms = 200;
 * reconnect_max_ms = 5000; close_wait_ms = 2000; ring_seconds = 30;
 * ca_file = "" (tests only; production uses the system CA store).  The key
 * comes only from the environment: DEEPGRAM_API_KEY.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "stt_deepgram.h"

#define SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"
#define TICK_US 50000 /* timers: keepalive, backoff, close */
static int on_lws(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len);
static void *service_main(void *arg);
static void on_tick(lws_sorted_usec_list_t *sul);
static void sweep(struct dg_eng *e);
static void connect_stream(struct dg_eng *e, struct dg_stream *s);
static int write_next(struct dg_stream *s);
static void conn_lost(struct dg_stream *s, const char *why, int permanent);
static void stream_free(struct dg_stream *s);
static int has_pending_tx(const struct dg_stream *s);
static int read_config(
    const config_t *cfg, struct dg_eng *e, char *err, size_t errlen);
static void url_escape(const char *in, char *out, size_t len);
static void lws_to_log(int level, const char *line);

static const struct lws_protocols protocols[] = {
    {"deepgram", on_lws, 0, RX_MAX, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static int
dg_init(const config_t *cfg, void **engp, char *err, size_t errlen)
{
	struct lws_context_creation_info info;
	struct dg_eng *e;
	const char *key;
	int rv;

	if ((key = getenv("DEEPGRAM_API_KEY")) == NULL || key[0] == '\0') {
		snprintf(err, errlen, "deepgram: DEEPGRAM_API_KEY is not set");
		return -1;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (read_config(cfg, e, err, errlen) != 0) {
		free(e);
		return -1;
	}
	if ((size_t)snprintf(e->auth, sizeof(e->auth), "Token %s", key) >=
	    sizeof(e->auth)) {
		snprintf(err, errlen, "deepgram: DEEPGRAM_API_KEY is too long");
		free(e);
		return -1;
	}
	pthread_mutex_init(&e->mu, NULL);
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_to_log);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.user = e;
	info.connect_timeout_secs = 5;
	info.timeout_secs = 10;
	if (e->ca_file[0])
		info.client_ssl_ca_filepath = e->ca_file;
	else if (access(SYSTEM_CA, R_OK) == 0)
		info.client_ssl_ca_filepath = SYSTEM_CA;
	if ((e->ctx = lws_create_context(&info)) == NULL) {
		snprintf(err, errlen,
		    "deepgram: cannot create the WebSocket "
		    "client context");
		goto fail;
	}
	if ((rv = pthread_create(&e->thr, NULL, service_main, e)) != 0) {
		snprintf(
		    err, errlen, "deepgram: pthread_create: %s", strerror(rv));
		goto fail;
	}
	e->thr_started = 1;
	*engp = e;
	return 0;
fail:
	if (e->ctx)
		lws_context_destroy(e->ctx);
	pthread_mutex_destroy(&e->mu);
	explicit_bzero(e->auth, sizeof(e->auth));
	free(e);
	return -1;
}

static void
dg_fini(void *eng)
{
	struct dg_eng *e = eng;
	struct dg_stream *s;

	if (e == NULL)
		return;
	atomic_store(&e->stop, 1);
	lws_cancel_service(e->ctx);
	if (e->thr_started)
		pthread_join(e->thr, NULL);
	/* closes what is still open; CLOSED callbacks run on this thread */
	lws_context_destroy(e->ctx);
	while ((s = e->streams) != NULL) {
		e->streams = s->next;
		stream_free(s);
	}
	pthread_mutex_destroy(&e->mu);
	explicit_bzero(e->auth, sizeof(e->auth));
	free(e);
}

static void *
dg_open(void *eng, const char *call_id, const struct stt_events *ev, void *arg)
{
	struct dg_eng *e = eng;
	struct dg_stream *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->cap = (size_t)e->ring_seconds * RATE;
	if ((s->ring = malloc(s->cap)) == NULL) {
		free(s);
		return NULL;
	}
	s->e = e;
	snprintf(s->call, sizeof(s->call), "%s", call_id ? call_id : "");
	s->ev = ev;
	s->arg = arg;
	s->st = ST_IDLE;
	s->backoff_ms = e->reconnect_min_ms;
	pthread_mutex_init(&s->cb_mu, NULL);
	pthread_mutex_lock(&e->mu);
	s->next = e->streams;
	e->streams = s;
	pthread_mutex_unlock(&e->mu);
	lws_cancel_service(e->ctx);
	return s;
}

static int
dg_feed(void *stream, const uint8_t *ulaw, size_t n, uint64_t arrival_us)
{
	struct dg_stream *s = stream;
	struct dg_eng *e = s->e;
	size_t i, at, take;
	int rc = 0, log_lost = 0;

	dg_deliver_feed_events(s);
	pthread_mutex_lock(&e->mu);
	if (s->st == ST_FAILED)
		rc = -1; /* conn_lost said why, once */
	if (n > 0) {
		i = s->arr_head;
		s->arr[i].off = s->fed;
		s->arr[i].us = arrival_us ? arrival_us : fd_mono_us();
		s->arr_head = (i + 1) % ARRIVALS;
		if (s->arr_n < ARRIVALS)
			s->arr_n++;
	}
	/* append to the ring; if it is full the oldest audio goes */
	while (n > 0) {
		at = (size_t)(s->fed % s->cap);
		take = s->cap - at < n ? s->cap - at : n;
		memcpy(s->ring + at, ulaw, take);
		s->fed += take;
		ulaw += take;
		n -= take;
	}
	if (s->fed - s->ring_base > s->cap) {
		s->ring_base = s->fed - s->cap;
		if (!s->lost_logged)
			log_lost = s->lost_logged = 1;
	}
	pthread_mutex_unlock(&e->mu);
	if (log_lost)
		log_warnx(s->call,
		    "deepgram: no final result for %d s; a "
		    "reconnect now would lose the oldest audio",
		    e->ring_seconds);
	lws_cancel_service(e->ctx);
	return rc;
}

static void
dg_hint(
    void *stream, const char *expect, const char *const *words, size_t nwords)
{
	struct dg_stream *s = stream;
	char kw[KW_MAX] = "", esc[192];
	const char *name =
	    strncmp(s->e->model, "nova-3", 6) == 0 ? "keyterm" : "keywords";
	size_t i, l = 0;
	int w;

	(void)expect;
	for (i = 0; i < nwords && words && words[i]; i++) {
		url_escape(words[i], esc, sizeof(esc));
		if (esc[0] == '\0')
			continue;
		if (strcmp(name, "keywords") == 0 && s->e->keyword_boost > 0)
			w = snprintf(kw + l, sizeof(kw) - l, "&%s=%s:%d", name,
			    esc, s->e->keyword_boost);
		else
			w = snprintf(
			    kw + l, sizeof(kw) - l, "&%s=%s", name, esc);
		if (w < 0 || (size_t)w >= sizeof(kw) - l) {
			kw[l] = '\0';
			break;
		}
		l += (size_t)w;
	}
	pthread_mutex_lock(&s->e->mu);
	snprintf(s->keywords, sizeof(s->keywords), "%s", kw);
	pthread_mutex_unlock(&s->e->mu);
}

static void
dg_finalize(void *stream)
{
	struct dg_stream *s = stream;

	dg_deliver_feed_events(s);
	pthread_mutex_lock(&s->e->mu);
	s->fin_at = s->fed ? s->fed : 1;
	pthread_mutex_unlock(&s->e->mu);
	lws_cancel_service(s->e->ctx);
}

static void
dg_close(void *stream)
{
	struct dg_stream *s = stream;
	struct dg_eng *e;

	if (s == NULL)
		return;
	e = s->e;
	pthread_mutex_lock(&s->cb_mu);
	s->detached = 1;
	pthread_mutex_unlock(&s->cb_mu);
	pthread_mutex_lock(&e->mu);
	s->closing = 1;
	s->close_by_us = fd_mono_us() + (uint64_t)e->close_wait_ms * 1000;
	dg_queue_clear(s);
	pthread_mutex_unlock(&e->mu);
	lws_cancel_service(e->ctx);
}

/* Whether Deepgram has failed this stream: a connection that could not
 * be made, was refused or was lost while the stream was open. */
static int
dg_failed(void *stream, char *why, size_t len)
{
	struct dg_stream *s = stream;
	int failed;

	pthread_mutex_lock(&s->e->mu);
	failed = s->fails > 0;
	if (failed && why && len)
		snprintf(why, len, "%s", s->err);
	pthread_mutex_unlock(&s->e->mu);
	return failed;
}

/* What dg_init would refuse, without connecting (-n). */
static int
dg_check(const config_t *cfg, char *err, size_t errlen)
{
	const char *key = getenv("DEEPGRAM_API_KEY");
	struct dg_eng *e;
	int rv;

	if (key == NULL || key[0] == '\0') {
		snprintf(err, errlen, "deepgram: DEEPGRAM_API_KEY is not set");
		return -1;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rv = read_config(cfg, e, err, errlen);
	free(e);
	return rv;
}

/* An ops table reads best packed, a few members a line. */
/* clang-format off */
const struct stt_engine_ops stt_engine_deepgram = {
	.name = "deepgram", .init = dg_init, .check = dg_check, .fini = dg_fini,
	.stream_open = dg_open, .feed = dg_feed, .hint = dg_hint,
	.stream_close = dg_close, .finalize = dg_finalize, .failed = dg_failed,
};
/* clang-format on */

/* ---- service thread ---- */

static void *
service_main(void *arg)
{
	struct dg_eng *e = arg;

	lws_sul_schedule(e->ctx, 0, &e->tick, on_tick, TICK_US);
	while (!atomic_load(&e->stop))
		if (lws_service(e->ctx, 0) < 0)
			break;
	lws_sul_cancel(&e->tick);
	return NULL;
}

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct dg_eng *e = lws_container_of(sul, struct dg_eng, tick);

	sweep(e);
	lws_sul_schedule(e->ctx, 0, &e->tick, on_tick, TICK_US);
}

/* Everything that time or another thread may have made due: connect,
 * write, give up on a close, free closed streams, deliver results. */
static void
sweep(struct dg_eng *e)
{
	struct dg_stream *s, **sp, *dead = NULL, *first;
	struct dg_stream *dial[64];
	size_t ndial = 0, i;
	uint64_t now = fd_mono_us();

	pthread_mutex_lock(&e->mu);
	for (sp = &e->streams; (s = *sp) != NULL;) {
		if (s->closing && s->wsi == NULL && s->st != ST_CONNECTING) {
			*sp = s->next;
			s->next = dead;
			dead = s;
			continue;
		}
		sp = &s->next;
		if (s->closing) {
			if (s->wsi && now > s->close_by_us)
				lws_set_timeout(s->wsi,
				    PENDING_TIMEOUT_CLOSE_SEND,
				    LWS_TO_KILL_ASYNC);
			else if (s->wsi && s->st == ST_OPEN &&
			    has_pending_tx(s))
				lws_callback_on_writable(s->wsi);
			continue;
		}
		if ((s->st == ST_IDLE ||
		        (s->st == ST_BACKOFF && now >= s->retry_at_us)) &&
		    ndial < sizeof(dial) / sizeof(dial[0])) {
			s->st = ST_CONNECTING;
			dial[ndial++] = s;
		} else if (s->st == ST_OPEN && s->wsi && has_pending_tx(s)) {
			lws_callback_on_writable(s->wsi);
		}
	}
	first = e->streams;
	pthread_mutex_unlock(&e->mu);
	while ((s = dead) != NULL) {
		dead = s->next;
		stream_free(s);
	}
	/* lws may call back into conn_lost from inside: not under e->mu */
	for (i = 0; i < ndial; i++)
		connect_stream(e, dial[i]);
	/* only this thread unlinks streams, so the list from first is stable */
	for (s = first; s; s = s->next)
		dg_deliver_results(s);
}

/* Service thread, not under e->mu; s->st is already ST_CONNECTING. */
static void
connect_stream(struct dg_eng *e, struct dg_stream *s)
{
	struct lws_client_connect_info ci;
	char path[512 + KW_MAX];
	struct lws *wsi;

	pthread_mutex_lock(&e->mu);
	snprintf(path, sizeof(path),
	    "%s/v1/listen?model=%s&language=%s"
	    "&encoding=mulaw&sample_rate=8000&channels=1&interim_results=true"
	    "&endpointing=%d&utterance_end_ms=%d&vad_events=true"
	    "&smart_format=%s&punctuate=%s%s",
	    e->prefix, e->model, e->language, e->endpointing,
	    e->utterance_end_ms, e->smart_format ? "true" : "false",
	    e->punctuate ? "true" : "false", s->keywords);
	s->conns++;
	pthread_mutex_unlock(&e->mu);
	memset(&ci, 0, sizeof(ci));
	ci.context = e->ctx;
	ci.address = e->host;
	ci.port = e->port;
	ci.ssl_connection = e->tls ? LCCSCF_USE_SSL : 0;
	ci.path = path;
	ci.host = e->host;
	ci.origin = e->host;
	ci.protocol = NULL;
	ci.local_protocol_name = "deepgram";
	ci.ietf_version_or_minus_one = -1;
	ci.opaque_user_data = s;
	log_debug(s->call, "deepgram: connecting (%d) to %s:%d", s->conns,
	    e->host, e->port);
	wsi = lws_client_connect_via_info(&ci);
	pthread_mutex_lock(&e->mu);
	if (wsi != NULL) {
		s->wsi = wsi;
	} else if (s->st == ST_CONNECTING) {
		/* failed before any callback could say so */
		s->fails++;
		snprintf(s->err, sizeof(s->err), "cannot connect to %s:%d",
		    e->host, e->port);
		s->st = ST_BACKOFF;
		s->retry_at_us = fd_mono_us() + (uint64_t)s->backoff_ms * 1000;
		s->backoff_ms = s->backoff_ms * 2 > e->reconnect_max_ms
		    ? e->reconnect_max_ms
		    : s->backoff_ms * 2;
	}
	pthread_mutex_unlock(&e->mu);
}

static int
on_lws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
    size_t len)
{
	struct dg_stream *s = lws_get_opaque_user_data(wsi);
	struct dg_eng *e;
	unsigned char **p, *end;
	char why[300], hdr[200];
	int status, close_now;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		e = lws_context_user(lws_get_context(wsi));
		if (e && !atomic_load(&e->stop))
			sweep(e);
		return 0;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (s == NULL)
			return 0;
		p = (unsigned char **)in;
		end = *p + len;
		if (lws_add_http_header_by_name(wsi,
		        (const unsigned char *)"authorization:",
		        (const unsigned char *)s->e->auth,
		        (int)strlen(s->e->auth), p, end))
			return -1;
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (s == NULL)
			return -1;
		e = s->e;
		pthread_mutex_lock(&e->mu);
		close_now = s->closing;
		s->st = ST_OPEN;
		s->conn_base = s->ring_base;
		if (s->conns > 1)
			log_info(s->call,
			    "deepgram: connected again; sending "
			    "%.2f s of audio again",
			    (s->fed - s->ring_base) / (double)RATE);
		s->sent = s->ring_base;
		s->close_sent = 0;
		s->last_tx_us = fd_mono_us();
		pthread_mutex_unlock(&e->mu);
		s->nrx = 0;
		s->closed_why[0] = '\0';
		log_debug(s->call, "deepgram: connected");
		if (close_now)
			return -1;
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (s == NULL)
			return 0;
		status = (int)lws_http_client_http_response(wsi);
		hdr[0] = '\0';
		if (lws_hdr_custom_copy(wsi, hdr, sizeof(hdr), "dg-error:", 9) <
		    0)
			hdr[0] = '\0';
		if (status >= 400)
			snprintf(why, sizeof(why), "refused with HTTP %d%s%s",
			    status, hdr[0] ? ": " : "", hdr);
		else
			snprintf(why, sizeof(why), "cannot connect: %s",
			    in ? (const char *)in : "unknown error");
		if (status == 401 || status == 403)
			strncat(why, " (check DEEPGRAM_API_KEY)",
			    sizeof(why) - strlen(why) - 1);
		conn_lost(s, why,
		    status == 400 || status == 401 || status == 402 ||
		        status == 403);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (s == NULL)
			return 0;
		if (lws_frame_is_binary(wsi))
			return 0; /* Deepgram sends none on this channel */
		if (s->nrx + len > RX_MAX) {
			log_warnx(s->call,
			    "deepgram: message over %d bytes "
			    "dropped",
			    RX_MAX);
			s->nrx = RX_MAX + 1;
		} else {
			char *nb = realloc(s->rx, s->nrx + len + 1);
			if (nb == NULL) {
				s->nrx = RX_MAX + 1;
			} else {
				s->rx = nb;
				memcpy(s->rx + s->nrx, in, len);
				s->nrx += len;
			}
		}
		if (lws_is_final_fragment(wsi) &&
		    lws_remaining_packet_payload(wsi) == 0) {
			if (s->nrx <= RX_MAX) {
				s->rx[s->nrx] = '\0';
				dg_on_message(s, s->rx, s->nrx);
			}
			s->nrx = 0;
		}
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (s == NULL)
			return -1;
		return write_next(s);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (s == NULL || len < 2)
			return 0;
		snprintf(why, sizeof(why), "closed by Deepgram: %u %.*s",
		    ((const unsigned char *)in)[0] << 8 |
		        ((const unsigned char *)in)[1],
		    (int)(len - 2) > 200 ? 200 : (int)(len - 2),
		    (const char *)in + 2);
		if (!s->closing)
			log_warnx(s->call, "deepgram: %s", why);
		snprintf(s->closed_why, sizeof(s->closed_why), "%s", why);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (s == NULL)
			return 0;
		conn_lost(s,
		    s->closed_why[0] ? s->closed_why : "connection closed", 0);
		s->closed_why[0] = '\0';
		return 0;
	default:
		return 0;
	}
}

/* One frame: audio first, then Finalize, KeepAlive or CloseStream. */
static int
write_next(struct dg_stream *s)
{
	struct dg_eng *e = s->e;
	unsigned char *buf = s->txbuf + LWS_PRE;
	const char *msg = NULL;
	size_t n = 0, at, take;
	uint64_t now = fd_mono_us();
	int more;

	pthread_mutex_lock(&e->mu);
	if (s->sent < s->ring_base) {
		log_warnx(s->call, "deepgram: %.2f s of audio lost (ring full)",
		    (s->ring_base - s->sent) / (double)RATE);
		s->sent = s->ring_base;
	}
	if (s->sent < s->fed) {
		n = s->fed - s->sent > FRAME_MAX ? FRAME_MAX
		                                 : (size_t)(s->fed - s->sent);
		if (s->fin_at && s->fin_at > s->sent && s->fin_at - s->sent < n)
			n = (size_t)(s->fin_at - s->sent);
		at = (size_t)(s->sent % s->cap);
		take = s->cap - at < n ? s->cap - at : n;
		memcpy(buf, s->ring + at, take);
		memcpy(buf + take, s->ring, n - take);
		s->sent += n;
	} else if (s->fin_at && s->fin_at <= s->sent) {
		msg = "{\"type\":\"Finalize\"}";
		s->fin_at = 0;
	} else if (s->closing && !s->close_sent) {
		msg = "{\"type\":\"CloseStream\"}";
		s->close_sent = 1;
	} else if (!s->close_sent &&
	    now - s->last_tx_us >= (uint64_t)e->keepalive_ms * 1000) {
		msg = "{\"type\":\"KeepAlive\"}";
	}
	if (n > 0 || msg)
		s->last_tx_us = now;
	more = has_pending_tx(s);
	pthread_mutex_unlock(&e->mu);
	if (msg) {
		n = strlen(msg);
		memcpy(buf, msg, n);
		if (lws_write(s->wsi, buf, n, LWS_WRITE_TEXT) < (int)n)
			return -1;
		log_debug(s->call, "deepgram: sent %s", msg);
	} else if (n > 0 &&
	    lws_write(s->wsi, buf, n, LWS_WRITE_BINARY) < (int)n) {
		return -1;
	}
	if (more)
		lws_callback_on_writable(s->wsi);
	return 0;
}

/* The connection is gone (or never came): back off and try again, unless
 * the stream is closing or the failure will not go away by itself. */
static void
conn_lost(struct dg_stream *s, const char *why, int permanent)
{
	struct dg_eng *e = s->e;
	int was_open, closing;

	pthread_mutex_lock(&e->mu);
	was_open = s->st == ST_OPEN;
	closing = s->closing;
	s->wsi = NULL;
	if (!closing && !atomic_load(&e->stop)) {
		s->fails++;
		snprintf(s->err, sizeof(s->err), "%s", why);
	}
	if (closing) {
		s->st = ST_IDLE;
	} else if (permanent) {
		s->st = ST_FAILED;
	} else {
		s->st = ST_BACKOFF;
		if (was_open)
			s->backoff_ms = e->reconnect_min_ms;
		s->retry_at_us = fd_mono_us() + (uint64_t)s->backoff_ms * 1000;
		s->backoff_ms = s->backoff_ms * 2 > e->reconnect_max_ms
		    ? e->reconnect_max_ms
		    : s->backoff_ms * 2;
	}
	pthread_mutex_unlock(&e->mu);
	if (closing || atomic_load(&e->stop))
		log_debug(s->call, "deepgram: closed");
	else if (permanent)
		log_err(s->call, "deepgram: %s; not retrying", why);
	else
		log_warnx(s->call, "deepgram: %s; reconnecting", why);
}

/* ---- helpers ---- */

static void
stream_free(struct dg_stream *s)
{
	dg_queue_clear(s);
	pthread_mutex_destroy(&s->cb_mu);
	free(s->pending);
	free(s->rx);
	free(s->ring);
	free(s);
}

/* Under e->mu. */
static int
has_pending_tx(const struct dg_stream *s)
{
	return s->sent < s->fed || (s->fin_at && s->fin_at <= s->sent) ||
	    (s->closing && !s->close_sent) ||
	    (!s->close_sent &&
	        fd_mono_us() - s->last_tx_us >=
	            (uint64_t)s->e->keepalive_ms * 1000);
}

static int
read_config(const config_t *cfg, struct dg_eng *e, char *err, size_t errlen)
{
	char url[512];
	const struct fd_cfg_opt opts[] = {
	    {"stt.deepgram.base_url", FD_CFG_STR, url, sizeof(url),
	        "wss://api.deepgram.com", 0, 0, NULL},
	    {"stt.deepgram.ca_file", FD_CFG_STR, e->ca_file, sizeof(e->ca_file),
	        "", 0, 0, NULL},
	    {"stt.deepgram.model", FD_CFG_STR, e->model, sizeof(e->model),
	        "nova-2-phonecall", 0, 0, NULL},
	    {"stt.deepgram.language", FD_CFG_STR, e->language,
	        sizeof(e->language), "en", 0, 0, NULL},
	    {"stt.deepgram.endpointing", FD_CFG_INT, &e->endpointing, 0, "300",
	        10, 10000, NULL},
	    {"stt.deepgram.utterance_end_ms", FD_CFG_INT, &e->utterance_end_ms,
	        0, "1000", 1000, 5000, NULL},
	    {"stt.deepgram.smart_format", FD_CFG_BOOL, &e->smart_format, 0,
	        "true", 0, 0, NULL},
	    {"stt.deepgram.punctuate", FD_CFG_BOOL, &e->punctuate, 0, "true", 0,
	        0, NULL},
	    {"stt.deepgram.keyword_boost", FD_CFG_INT, &e->keyword_boost, 0,
	        "2", 0, 10, NULL},
	    {"stt.deepgram.keepalive_ms", FD_CFG_INT, &e->keepalive_ms, 0,
	        "4000", 100, 9000, NULL},
	    {"stt.deepgram.reconnect_min_ms", FD_CFG_INT, &e->reconnect_min_ms,
	        0, "200", 10, 600000, NULL},
	    {"stt.deepgram.reconnect_max_ms", FD_CFG_INT, &e->reconnect_max_ms,
	        0, "5000", 10, 600000, NULL},
	    {"stt.deepgram.close_wait_ms", FD_CFG_INT, &e->close_wait_ms, 0,
	        "2000", 0, 600000, NULL},
	    {"stt.deepgram.ring_seconds", FD_CFG_INT, &e->ring_seconds, 0, "30",
	        5, 600, NULL},
	};
	const char *h, *slash, *colon;
	size_t hl;

	if (fd_cfg_apply(cfg, opts, FD_CFG_N(opts), err, errlen) != 0)
		return -1;

	if (strncmp(url, "wss://", 6) == 0) {
		e->tls = 1;
		e->port = 443;
		h = url + 6;
	} else if (strncmp(url, "ws://", 5) == 0) {
		e->port = 80;
		h = url + 5;
	} else {
		snprintf(err, errlen,
		    "stt.deepgram.base_url must start with "
		    "wss://");
		return -1;
	}
	slash = strchr(h, '/');
	hl = slash ? (size_t)(slash - h) : strlen(h);
	colon = memchr(h, ':', hl);
	if (colon) {
		e->port = atoi(colon + 1);
		hl = (size_t)(colon - h);
	}
	if (hl == 0 || hl >= sizeof(e->host) || e->port <= 0 ||
	    e->port > 65535) {
		snprintf(err, errlen,
		    "stt.deepgram.base_url: bad host or port "
		    "in '%s'",
		    url);
		return -1;
	}
	memcpy(e->host, h, hl);
	e->host[hl] = '\0';
	snprintf(e->prefix, sizeof(e->prefix), "%s", slash ? slash : "");
	hl = strlen(e->prefix);
	while (hl > 0 && e->prefix[hl - 1] == '/')
		e->prefix[--hl] = '\0';
	if (strspn(e->model, "abcdefghijklmnopqrstuvwxyz0123456789-_.") !=
	        strlen(e->model) ||
	    strspn(e->language,
	        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") !=
	        strlen(e->language)) {
		snprintf(err, errlen, "stt.deepgram: bad model or language");
		return -1;
	}
	if (e->reconnect_max_ms < e->reconnect_min_ms) {
		snprintf(err, errlen,
		    "stt.deepgram: reconnect_max_ms is below reconnect_min_ms");
		return -1;
	}
	return 0;
}

/* Percent-encode for a query value. */
static void
url_escape(const char *in, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	unsigned char c;

	for (; *in && o + 4 < len; in++) {
		c = (unsigned char)*in;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~' || c == '\'') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

static void
lws_to_log(int level, const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	if (level & LLL_ERR)
		log_warnx(NULL, "deepgram: lws: %.*s", (int)n, line);
	else
		log_debug(NULL, "deepgram: lws: %.*s", (int)n, line);
}
