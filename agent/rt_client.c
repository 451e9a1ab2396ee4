/*
 * rt_client.c - the Realtime WebSocket connections (rt_client.h): one
 * libwebsockets client context, one service thread, a connection per
 * call.  Worker threads only touch a connection's send queue under the
 * client lock and wake the service thread (lws_cancel_service); the
 * service thread dials, writes the queue in order, reassembles the
 * server's (possibly fragmented) text frames and hands each whole one to
 * the event callback.  A connection is not redialled: a call whose
 * connection fails goes to the local pipeline (rt_call.c), so the reason
 * is reported once as fd.closed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "clock.h"
#include "log.h"
#include "proto/proto.h"
#include "rt_client.h"

#define SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"
#define RX_MAX (1 << 20) /* one server event, bytes */
#define TX_CAP (4 << 20) /* queued bytes per connection */
#define TICK_US 50000

enum rt_state { RS_IDLE, RS_CONNECTING, RS_OPEN, RS_DONE };

struct txmsg {
	struct txmsg *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE bytes, then the text */
};

struct rt_conn {
	struct rt_conn *next;
	char call[FD_CALL_ID_LEN];
	/* under mu */
	enum rt_state st;
	struct lws *wsi;
	struct txmsg *qh, *qt;
	size_t queued;
	int closing; /* rt_conn_close: free once the socket is gone */
	int abort; /* rt_conn_abort: drop the socket now */
	int told; /* fd.closed delivered */
	uint64_t dial_by_us; /* connect timeout */
	/* service thread only */
	char *rx;
	size_t nrx;
	int rx_over;
};

static struct {
	struct rt_client_cfg cfg;
	char host[256], path[512];
	int port, tls;
	rt_event_fn fn;
	struct lws_context *ctx;
	pthread_t thr;
	int thr_started;
	atomic_int stop;
	pthread_mutex_t mu;
	struct rt_conn *conns;
	lws_sorted_usec_list_t tick;
} cl;

static int on_lws(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len);
static void *service_main(void *arg);
static void sweep(void);
static void lost(struct rt_conn *k, const char *why);

static const struct lws_protocols protocols[] = {
    {"openai-realtime", on_lws, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

int
rt_url_parse(const char *url, char *host, size_t hostlen, int *port, char *path,
    size_t pathlen, int *tls, char *err, size_t errlen)
{
	const char *h, *slash, *colon;
	size_t hl;

	if (strncmp(url, "wss://", 6) == 0) {
		*tls = 1;
		*port = 443;
		h = url + 6;
	} else if (strncmp(url, "ws://", 5) == 0) {
		*tls = 0;
		*port = 80;
		h = url + 5;
	} else {
		snprintf(err, errlen, "realtime url must start with wss://");
		return -1;
	}
	slash = strchr(h, '/');
	hl = slash ? (size_t)(slash - h) : strlen(h);
	if ((colon = memchr(h, ':', hl)) != NULL) {
		*port = atoi(colon + 1);
		hl = (size_t)(colon - h);
	}
	if (hl == 0 || hl >= hostlen || *port <= 0 || *port > 65535) {
		snprintf(
		    err, errlen, "realtime url: bad host or port in '%s'", url);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(path, pathlen, "%s", slash ? slash : "/");
	return 0;
}

static void
lws_to_log(int level, const char *line)
{
	(void)level;
	log_warnx(NULL, "realtime lws: %.*s", (int)strcspn(line, "\n"), line);
}

int
rt_client_init(
    const struct rt_client_cfg *cfg, rt_event_fn fn, char *err, size_t errlen)
{
	struct lws_context_creation_info info;
	int rv;

	memset(&cl, 0, sizeof(cl));
	cl.cfg = *cfg;
	cl.fn = fn;
	if (rt_url_parse(cfg->url, cl.host, sizeof(cl.host), &cl.port, cl.path,
	        sizeof(cl.path), &cl.tls, err, errlen) != 0)
		return -1;
	pthread_mutex_init(&cl.mu, NULL);
	lws_set_log_level(LLL_ERR, lws_to_log);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.connect_timeout_secs = (cfg->connect_timeout_ms + 999) / 1000;
	info.timeout_secs = 10;
	if (cl.cfg.ca_file[0])
		info.client_ssl_ca_filepath = cl.cfg.ca_file;
	else if (access(SYSTEM_CA, R_OK) == 0)
		info.client_ssl_ca_filepath = SYSTEM_CA;
	if ((cl.ctx = lws_create_context(&info)) == NULL) {
		snprintf(err, errlen,
		    "realtime: cannot create the WebSocket "
		    "client context");
		pthread_mutex_destroy(&cl.mu);
		return -1;
	}
	if ((rv = pthread_create(&cl.thr, NULL, service_main, NULL)) != 0) {
		snprintf(
		    err, errlen, "realtime: pthread_create: %s", strerror(rv));
		lws_context_destroy(cl.ctx);
		cl.ctx = NULL;
		pthread_mutex_destroy(&cl.mu);
		return -1;
	}
	cl.thr_started = 1;
	return 0;
}

static void
conn_free(struct rt_conn *k)
{
	struct txmsg *m;

	while ((m = k->qh) != NULL) {
		k->qh = m->next;
		free(m);
	}
	free(k->rx);
	free(k);
}

void
rt_client_fini(void)
{
	struct rt_conn *k;

	if (cl.ctx == NULL)
		return;
	atomic_store(&cl.stop, 1);
	lws_cancel_service(cl.ctx);
	if (cl.thr_started)
		pthread_join(cl.thr, NULL);
	lws_context_destroy(cl.ctx);
	cl.ctx = NULL;
	while ((k = cl.conns) != NULL) {
		cl.conns = k->next;
		conn_free(k);
	}
	pthread_mutex_destroy(&cl.mu);
	explicit_bzero(cl.cfg.auth, sizeof(cl.cfg.auth));
}

struct rt_conn *
rt_conn_open(const char *call_id)
{
	struct rt_conn *k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	snprintf(k->call, sizeof(k->call), "%s", call_id);
	k->st = RS_IDLE;
	pthread_mutex_lock(&cl.mu);
	k->next = cl.conns;
	cl.conns = k;
	pthread_mutex_unlock(&cl.mu);
	lws_cancel_service(cl.ctx);
	return k;
}

int
rt_conn_send(struct rt_conn *k, const char *text, size_t len)
{
	struct txmsg *m;
	int rv = -1;

	pthread_mutex_lock(&cl.mu);
	if (k->st != RS_DONE && !k->closing && k->queued + len <= TX_CAP &&
	    (m = malloc(sizeof(*m) + LWS_PRE + len)) != NULL) {
		m->next = NULL;
		m->len = len;
		memcpy(m->buf + LWS_PRE, text, len);
		if (k->qt)
			k->qt->next = m;
		else
			k->qh = m;
		k->qt = m;
		k->queued += len;
		rv = 0;
	}
	pthread_mutex_unlock(&cl.mu);
	if (rv == 0)
		lws_cancel_service(cl.ctx);
	return rv;
}

void
rt_conn_close(struct rt_conn *k)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&cl.mu);
	k->closing = 1;
	pthread_mutex_unlock(&cl.mu);
	lws_cancel_service(cl.ctx);
}

void
rt_conn_abort(struct rt_conn *k)
{
	pthread_mutex_lock(&cl.mu);
	k->abort = 1;
	pthread_mutex_unlock(&cl.mu);
	lws_cancel_service(cl.ctx);
}

/* ---- service thread ---- */

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	sweep();
	lws_sul_schedule(cl.ctx, 0, &cl.tick, on_tick, TICK_US);
}

static void *
service_main(void *arg)
{
	(void)arg;
	lws_sul_schedule(cl.ctx, 0, &cl.tick, on_tick, TICK_US);
	while (!atomic_load(&cl.stop))
		if (lws_service(cl.ctx, 0) < 0)
			break;
	lws_sul_cancel(&cl.tick);
	return NULL;
}

static void
deliver(struct rt_conn *k, const char *text, size_t len)
{
	char *s = malloc(len + 1);

	if (s == NULL) {
		log_warnx(k->call, "realtime: out of memory, event dropped");
		return;
	}
	memcpy(s, text, len);
	s[len] = '\0';
	cl.fn(k->call, s, len);
}

static void
dial(struct rt_conn *k)
{
	struct lws_client_connect_info ci;
	struct lws *wsi;

	memset(&ci, 0, sizeof(ci));
	ci.context = cl.ctx;
	ci.address = cl.host;
	ci.port = cl.port;
	ci.ssl_connection = cl.tls ? LCCSCF_USE_SSL : 0;
	ci.path = cl.path;
	ci.host = cl.host;
	ci.origin = cl.host;
	ci.local_protocol_name = "openai-realtime";
	ci.ietf_version_or_minus_one = -1;
	ci.opaque_user_data = k;
	log_debug(k->call, "realtime: connecting to %s:%d", cl.host, cl.port);
	wsi = lws_client_connect_via_info(&ci);
	pthread_mutex_lock(&cl.mu);
	if (wsi != NULL)
		k->wsi = wsi;
	pthread_mutex_unlock(&cl.mu);
	if (wsi == NULL)
		lost(k, "cannot connect");
}

/* What another thread or the clock made due: dial, write, time out,
 * close, free. */
static void
sweep(void)
{
	struct rt_conn *k, **kp, *dead = NULL, *todial[64], *tokill[64];
	size_t nd = 0, nk = 0, i;
	uint64_t now = fd_mono_us();

	pthread_mutex_lock(&cl.mu);
	for (kp = &cl.conns; (k = *kp) != NULL;) {
		if (k->closing && k->wsi == NULL && k->st != RS_CONNECTING) {
			*kp = k->next;
			k->next = dead;
			dead = k;
			continue;
		}
		kp = &k->next;
		if ((k->closing || k->abort) && k->wsi) {
			if (nk < 64)
				tokill[nk++] = k;
			continue;
		}
		if (k->st == RS_IDLE && !k->closing && nd < 64) {
			k->st = RS_CONNECTING;
			k->dial_by_us =
			    now + (uint64_t)cl.cfg.connect_timeout_ms * 1000;
			todial[nd++] = k;
		} else if (k->st == RS_CONNECTING && k->wsi &&
		    now > k->dial_by_us && nk < 64) {
			k->abort = 1;
			tokill[nk++] = k;
		} else if (k->st == RS_OPEN && k->wsi && k->qh) {
			lws_callback_on_writable(k->wsi);
		}
	}
	pthread_mutex_unlock(&cl.mu);
	while ((k = dead) != NULL) {
		dead = k->next;
		conn_free(k);
	}
	for (i = 0; i < nk; i++)
		lws_set_timeout(tokill[i]->wsi, PENDING_TIMEOUT_CLOSE_SEND,
		    LWS_TO_KILL_ASYNC);
	for (i = 0; i < nd; i++)
		dial(todial[i]);
}

/* The socket is gone or never came: say so once. */
static void
lost(struct rt_conn *k, const char *why)
{
	char ev[400];
	int tell;

	pthread_mutex_lock(&cl.mu);
	k->wsi = NULL;
	k->st = RS_DONE;
	tell = !k->told && !k->closing;
	k->told = 1;
	pthread_mutex_unlock(&cl.mu);
	log_debug(k->call, "realtime: connection gone: %s%s", why,
	    tell ? "" : " (not told)");
	if (!tell)
		return;
	snprintf(
	    ev, sizeof(ev), "{\"type\":\"fd.closed\",\"reason\":\"%s\"}", why);
	deliver(k, ev, strlen(ev));
}

/* One queued frame out. */
static int
write_next(struct rt_conn *k)
{
	struct txmsg *m;
	int more, rv = 0;

	pthread_mutex_lock(&cl.mu);
	if ((m = k->qh) != NULL) {
		k->qh = m->next;
		if (k->qh == NULL)
			k->qt = NULL;
		k->queued -= m->len;
	}
	more = k->qh != NULL;
	pthread_mutex_unlock(&cl.mu);
	if (m == NULL)
		return 0;
	if (lws_write(k->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) <
	    (int)m->len)
		rv = -1;
	free(m);
	if (rv == 0 && more)
		lws_callback_on_writable(k->wsi);
	return rv;
}

static void
received(struct rt_conn *k, struct lws *wsi, const void *in, size_t len)
{
	char *nb;

	if (k->rx_over || k->nrx + len > RX_MAX) {
		k->rx_over = 1;
	} else if ((nb = realloc(k->rx, k->nrx + len + 1)) == NULL) {
		k->rx_over = 1;
	} else {
		k->rx = nb;
		memcpy(k->rx + k->nrx, in, len);
		k->nrx += len;
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return;
	if (k->rx_over)
		log_warnx(k->call,
		    "realtime: server event over %d bytes "
		    "dropped",
		    RX_MAX);
	else if (!lws_frame_is_binary(wsi))
		deliver(k, k->rx, k->nrx);
	k->nrx = 0;
	k->rx_over = 0;
}

static int
on_lws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
    size_t len)
{
	struct rt_conn *k = lws_get_opaque_user_data(wsi);
	unsigned char **p, *end;
	char why[300];
	int status, stop;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (!atomic_load(&cl.stop))
			sweep();
		return 0;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (k == NULL)
			return 0;
		p = (unsigned char **)in;
		end = *p + len;
		if (lws_add_http_header_by_name(wsi,
		        (const unsigned char *)"authorization:",
		        (const unsigned char *)cl.cfg.auth,
		        (int)strlen(cl.cfg.auth), p, end))
			return -1;
		if (cl.cfg.beta &&
		    lws_add_http_header_by_name(wsi,
		        (const unsigned char *)"openai-beta:",
		        (const unsigned char *)"realtime=v1", 11, p, end))
			return -1;
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (k == NULL)
			return -1;
		pthread_mutex_lock(&cl.mu);
		k->st = RS_OPEN;
		stop = k->closing || k->abort;
		pthread_mutex_unlock(&cl.mu);
		if (stop)
			return -1;
		deliver(k, "{\"type\":\"fd.open\"}", 18);
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (k == NULL)
			return 0;
		status = (int)lws_http_client_http_response(wsi);
		if (status >= 400)
			snprintf(why, sizeof(why), "refused with HTTP %d%s",
			    status,
			    status == 401 || status == 403
			        ? " (check the API key)"
			        : "");
		else
			snprintf(why, sizeof(why), "cannot connect: %.200s",
			    in ? (const char *)in : "unknown error");
		for (char *q = why; *q; q++)
			if (*q == '"' || *q == '\\' || (unsigned char)*q < 32)
				*q = ' ';
		lost(k, why);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (k != NULL)
			received(k, wsi, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (k == NULL)
			return -1;
		pthread_mutex_lock(&cl.mu);
		stop = k->closing || k->abort;
		pthread_mutex_unlock(&cl.mu);
		return stop ? -1 : write_next(k);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (k != NULL && len >= 2)
			log_info(k->call,
			    "realtime: closed by the server: %u "
			    "%.*s",
			    ((const unsigned char *)in)[0] << 8 |
			        ((const unsigned char *)in)[1],
			    (int)(len - 2) > 200 ? 200 : (int)(len - 2),
			    (const char *)in + 2);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (k != NULL)
			lost(k,
			    k->abort ? "connection aborted"
			             : "connection closed");
		return 0;
	default:
		return 0;
	}
}
