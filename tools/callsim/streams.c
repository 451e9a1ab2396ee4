/*
 * streams.c - --streams N: how many simultaneous Media Streams the gateway
 * and the bus carry when speech engines are not in the way.  One thread
 * holds N WebSockets to the gateway's /twilio/media (connected, start,
 * then a 20 ms inbound `media` frame each, as Twilio sends); another
 * stands in for the tts-worker: it binds the tts-worker's pub address
 * (the gateway dials it) and keeps every call's outbound queue fed with
 * AUDIO_OUT.  What comes back is timed per stream: gaps > 40 ms between
 * media frames are underruns, |inter-arrival - 20 ms| is jitter.  Run it
 * against a gateway-only stack (no tts-worker bound to that address).
 *
 * Each stream is a call the gateway answered: before the clock starts,
 * callsim posts every stream's signed voice webhook, and each start
 * carries the <Parameter>s of its TwiML (the one-time stream token among
 * them) as customParameters, as Twilio does.  The tokens expire, so the
 * ramp is bounded (STREAMS_MAX_RAMP_S).
 *
 * The WebSockets are callsim's own small client (wsframe.c) on one epoll
 * loop, not lws: lws's client polls every socket on each wake and reads
 * /dev/urandom for every frame's mask, which at a thousand streams on the
 * same two cores cost about as much as the gateway being measured.  Each
 * stream sends on its own 20 ms clock from its start, so the phases are
 * spread as real calls' are; a 20-slot wheel (one slot per millisecond
 * of phase) finds the streams due without walking all of them.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "bus.h"
#include "clock.h"
#include "cs_http.h"
#include "load.h"
#include "mulaw.h"
#include "twilio.h"
#include "cs_twiml.h"
#include "wsframe.h"

#define JIT_BUCKET_US 10 /* histogram resolution */
#define JIT_BUCKETS 20000 /* up to 200 ms */
#define AHEAD_MS 600 /* audio kept queued per call */
#define CHUNK_MS 200 /* one AUDIO_OUT */
#define FEED_DELAY_MS 500 /* after start, before audio */
#define FRAME_US 20000
#define PHASES 20 /* 1 ms slots of the frame clock */
#define MAX_CATCHUP 5 /* frames sent at once when late */
#define RX_CAP 8192
#define TX_CAP 4096
#define MSG_MAX 1024
#define STREAMS_MAX_RAMP_S                                                     \
	60 /* the gateway's stream tokens
					   live 90 s from the webhook */
#define EVENTS 512

enum st_state {
	ST_IDLE,
	ST_CONNECTING,
	ST_UPGRADING,
	ST_OPEN,
	ST_CLOSING,
	ST_DONE
};

struct strm {
	int fd;
	enum st_state state;
	int failed;
	int want_out; /* EPOLLOUT registered */
	int rx_media; /* a fragmented media message */
	char call_sid[40], account_sid[40], stream_sid[40];
	char *params; /* customParameters JSON (the
					   webhook's <Parameter>s) */
	unsigned long seq, chunk;
	uint64_t start_at; /* start sent (mono us), 0 not yet;
					   read by the feeder */
	uint64_t fed_ms; /* AUDIO_OUT published (feeder) */
	uint64_t next_tx; /* next inbound frame due */
	uint64_t last_rx;
	unsigned long run;
	struct strm *wnext; /* same wheel slot */
	uint8_t *rx, *tx;
	size_t rx_len, tx_len;
};

struct streams {
	const struct load_opts *lo;
	struct strm *s;
	int n, ep, next_connect;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char host[256], path[64];
	int port;
	uint64_t t0, measure_from, measure_to, end_at;
	uint64_t wheel_ms; /* last whole ms the wheel passed */
	struct strm *wheel[PHASES];
	int ending; /* feeder: stop (atomic) */
	uint32_t rng;
	double cpu_from, cpu_to; /* own CPU seconds at the window */
	double wcpu_from, wcpu_to; /* the watched process's */
	/* results */
	uint64_t frames_rx, frames_tx, underruns, jit_n, jit_over, tx_dropped;
	uint32_t *hist;
	unsigned connect_fail;
};

static void connect_due(struct streams *S, uint64_t now);
static void send_due(struct streams *S, uint64_t now);
static void on_event(struct streams *S, struct strm *s, uint32_t ev);
static void finish(struct streams *S, struct strm *s, int failed);
static void *feeder(void *arg);
static double hist_pct(const struct streams *S, double p);
static double cpu_seconds(void);
static double pid_cpu_seconds(int pid);
static int announce(const struct call_opts *o, struct strm *s);

static struct streams *S_; /* the feeder's way in */

int
streams_run(const struct call_opts *o, const struct load_opts *lo)
{
	struct epoll_event evs[EVENTS];
	struct addrinfo hints, *ai = NULL;
	struct streams S;
	struct fd_bus *bus = NULL;
	pthread_t fth;
	char addr[512], port[16];
	const char *rd;
	json_t *out;
	uint64_t expect, now;
	int i, k, rc = 0, connected = 0, live, closing = 0, feeding = 0;
	FILE *f;

	if (!load_gateway_is_loopback(o->gateway)) {
		fprintf(stderr,
		    "callsim: --streams only connects to a gateway "
		    "on a loopback address, not %s\n",
		    o->gateway);
		return 2;
	}
	if (lo->ramp_s > STREAMS_MAX_RAMP_S) {
		fprintf(stderr,
		    "callsim: --streams takes --ramp up to %d s "
		    "(stream tokens expire)\n",
		    STREAMS_MAX_RAMP_S);
		return 2;
	}
	memset(&S, 0, sizeof(S));
	S.lo = lo;
	S.n = lo->calls;
	S.ep = -1;
	if (http_split_hostport(o->gateway, S.host, sizeof(S.host), &S.port) !=
	    0) {
		fprintf(stderr, "callsim: bad --gateway %s\n", o->gateway);
		return 2;
	}
	snprintf(S.path, sizeof(S.path), "/twilio/media");
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", S.port);
	if (getaddrinfo(S.host, port, &hints, &ai) != 0 || ai == NULL ||
	    ai->ai_addrlen > sizeof(S.addr)) {
		fprintf(stderr, "callsim: cannot resolve %s\n", S.host);
		if (ai)
			freeaddrinfo(ai);
		return 2;
	}
	memcpy(&S.addr, ai->ai_addr, ai->ai_addrlen);
	S.addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	if ((S.s = calloc((size_t)S.n, sizeof(*S.s))) == NULL ||
	    (S.hist = calloc(JIT_BUCKETS, sizeof(*S.hist))) == NULL ||
	    (S.ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		fprintf(stderr, "callsim: out of memory or descriptors\n");
		rc = 2;
		goto out;
	}
	for (i = 0; i < S.n; i++) {
		S.s[i].fd = -1;
		call_sid_make("CA", S.s[i].call_sid);
		call_sid_make("AC", S.s[i].account_sid);
		call_sid_make("MZ", S.s[i].stream_sid);
	}
	for (i = 0; i < S.n; i++)
		if (announce(o, &S.s[i]) != 0) {
			rc = 2;
			goto out;
		}
	S.rng = (uint32_t)fd_mono_us() | 1;
	if (lo->tts_pub == NULL) {
		rd = getenv("FRONTDESK_RUNDIR");
		snprintf(addr, sizeof(addr), "ipc://%s/tts-worker.pub",
		    rd ? rd : "/tmp/frontdesk");
	} else
		snprintf(addr, sizeof(addr), "%s", lo->tts_pub);
	S_ = &S;
	S.t0 = fd_mono_us();
	/* measure once every stream is up and its queue has settled */
	S.measure_from = S.t0 + ((uint64_t)lo->ramp_s + 2) * 1000000;
	S.measure_to = S.measure_from + (uint64_t)lo->duration_s * 1000000;
	S.end_at = S.measure_to + 1000000;
	S.wheel_ms = S.t0 / 1000;
	if ((bus = calloc(1, sizeof(*bus))) == NULL ||
	    fd_bus_open_addrs(bus, addr, NULL, 0, NULL, 0) != 0) {
		fprintf(stderr,
		    "callsim: cannot bind %s (is a tts-worker "
		    "running on it?)\n",
		    addr);
		free(bus);
		rc = 2;
		goto out;
	}
	if (pthread_create(&fth, NULL, feeder, bus) != 0) {
		fd_bus_close(bus);
		free(bus);
		rc = 2;
		goto out;
	}
	feeding = 1;
	for (;;) {
		now = fd_mono_us();
		connect_due(&S, now);
		if (lo->inbound)
			send_due(&S, now);
		if (S.cpu_from == 0 && now >= S.measure_from) {
			S.cpu_from = cpu_seconds();
			S.wcpu_from = pid_cpu_seconds(lo->watch_pid);
		}
		if (S.cpu_to == 0 && now >= S.measure_to) {
			S.cpu_to = cpu_seconds();
			S.wcpu_to = pid_cpu_seconds(lo->watch_pid);
		}
		if (now >= S.end_at && !closing) {
			/* hang up: stop, then a close frame, then wait for
			 * the gateway's close */
			closing = 1;
			for (i = 0; i < S.n; i++)
				if (S.s[i].state == ST_OPEN)
					on_event(&S, &S.s[i], 0);
		}
		for (i = 0, live = 0; closing && i < S.n; i++)
			live +=
			    S.s[i].state != ST_IDLE && S.s[i].state != ST_DONE;
		if (closing && (live == 0 || now > S.end_at + 10000000))
			break;
		k = epoll_wait(S.ep, evs, EVENTS, 1);
		for (i = 0; i < k; i++)
			on_event(&S, evs[i].data.ptr, evs[i].events);
	}
	__atomic_store_n(&S.ending, 1, __ATOMIC_RELEASE);
	pthread_join(fth, NULL);
	feeding = 0;
	for (i = 0; i < S.n; i++) {
		connected += !S.s[i].failed && S.s[i].start_at != 0;
		if (S.s[i].fd >= 0)
			close(S.s[i].fd);
		free(S.s[i].rx);
		free(S.s[i].tx);
		free(S.s[i].params);
		S.s[i].params = NULL;
	}
	expect = (uint64_t)connected * (uint64_t)lo->duration_s * 50;
	if (S.cpu_to == 0)
		S.cpu_to = cpu_seconds();
	out = json_pack("{s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:f, s:f, "
	                "s:f, s:f, s:f, s:f, s:f, s:b}",
	    "streams", S.n, "streams_ok", connected, "streams_failed",
	    S.n - connected, "duration_s", lo->duration_s, "frames_rx",
	    (json_int_t)S.frames_rx, "frames_tx", (json_int_t)S.frames_tx,
	    "frames_tx_dropped", (json_int_t)S.tx_dropped, "underruns",
	    (json_int_t)S.underruns, "rx_frames_pct",
	    expect ? 100.0 * (double)S.frames_rx / (double)expect : 0.0,
	    "jitter_ms_p50", hist_pct(&S, 50), "jitter_ms_p99",
	    hist_pct(&S, 99), "jitter_ms_p999", hist_pct(&S, 99.9),
	    "callsim_cpu_pct",
	    lo->duration_s > 0
	        ? 100.0 * (S.cpu_to - S.cpu_from) / lo->duration_s
	        : 0.0,
	    "callsim_cpu_ms_per_stream_s",
	    lo->duration_s > 0 && connected > 0
	        ? 1000.0 * (S.cpu_to - S.cpu_from) / lo->duration_s / connected
	        : 0.0,
	    "watched_cpu_pct",
	    lo->duration_s > 0 && S.wcpu_to >= S.wcpu_from && lo->watch_pid
	        ? 100.0 * (S.wcpu_to - S.wcpu_from) / lo->duration_s
	        : -1.0,
	    "inbound", lo->inbound);
	f = lo->report ? fopen(lo->report, "w") : stdout;
	if (out == NULL || f == NULL || json_dumpf(out, f, JSON_INDENT(1))) {
		fprintf(stderr, "callsim: cannot write the report\n");
		rc = 2;
	} else
		fputc('\n', f);
	if (f && f != stdout)
		fclose(f);
	json_decref(out);
	if (rc == 0 && connected < S.n)
		rc = 1;
out:
	if (feeding) {
		__atomic_store_n(&S.ending, 1, __ATOMIC_RELEASE);
		pthread_join(fth, NULL);
	}
	if (S.ep >= 0)
		close(S.ep);
	for (i = 0; S.s && i < S.n; i++)
		free(S.s[i].params);
	free(S.s);
	free(S.hist);
	return rc;
}

/* Open the streams whose ramp time has come (they start in order). */
static void
connect_due(struct streams *S, uint64_t now)
{
	struct epoll_event ev;
	struct strm *s;
	uint64_t due;
	int one = 1;

	while (S->next_connect < S->n && now < S->end_at) {
		due = S->t0 +
		    (S->n > 1 ? (uint64_t)S->lo->ramp_s * 1000000u *
		                (uint64_t)S->next_connect / (uint64_t)(S->n - 1)
		              : 0);
		if (now < due)
			return;
		s = &S->s[S->next_connect++];
		s->state = ST_CONNECTING;
		s->rx = malloc(RX_CAP);
		s->tx = malloc(TX_CAP);
		if (s->rx == NULL || s->tx == NULL ||
		    (s->fd = socket(S->addr.ss_family,
		         SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
			S->connect_fail++;
			finish(S, s, 1);
			continue;
		}
		setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(s->fd, (struct sockaddr *)&S->addr, S->addrlen) !=
		        0 &&
		    errno != EINPROGRESS) {
			S->connect_fail++;
			finish(S, s, 1);
			continue;
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLOUT;
		ev.data.ptr = s;
		s->want_out = 1;
		if (epoll_ctl(S->ep, EPOLL_CTL_ADD, s->fd, &ev) != 0) {
			S->connect_fail++;
			finish(S, s, 1);
		}
	}
}

static void
want_out(struct streams *S, struct strm *s, int on)
{
	struct epoll_event ev;

	if (s->want_out == on || s->fd < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	ev.data.ptr = s;
	if (epoll_ctl(S->ep, EPOLL_CTL_MOD, s->fd, &ev) == 0)
		s->want_out = on;
}

/* Bytes to the socket, the rest kept for EPOLLOUT; -1 if the socket
 * failed, 1 if the backlog is full and the bytes were dropped. */
static int
out_bytes(struct streams *S, struct strm *s, const void *buf, size_t len)
{
	ssize_t n = 0;

	if (s->tx_len == 0) {
		n = send(s->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n < 0)
			n = 0;
		if ((size_t)n == len)
			return 0;
	}
	if (s->tx_len + len - (size_t)n > TX_CAP)
		return 1;
	memcpy(s->tx + s->tx_len, (const char *)buf + n, len - (size_t)n);
	s->tx_len += len - (size_t)n;
	want_out(S, s, 1);
	return 0;
}

/* One masked text message; the close frame when op is WS_OP_CLOSE. */
static int
out_msg(struct streams *S, struct strm *s, int op, const char *text, size_t len)
{
	uint8_t frame[WS_HDR_MAX + MSG_MAX];
	long n;

	S->rng ^= S->rng << 13; /* xorshift32: masks need not be
					   secret here, only present */
	S->rng ^= S->rng >> 17;
	S->rng ^= S->rng << 5;
	if ((n = ws_frame_masked(frame, sizeof(frame), op, text, len, S->rng)) <
	    0)
		return -1;
	return out_bytes(S, s, frame, (size_t)n);
}

static char *
put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *
put_ulong(char *p, unsigned long v)
{
	char d[24];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = d[--n];
	return p;
}

/* An inbound media frame of silence, as Twilio words it. */
static int
send_media(struct streams *S, struct strm *s)
{
	static const char silence_b64[] =
	    "////////////////////////////////"
	    "////////////////////////////////////////////////////////////////"
	    "////////////////////////////////////////////////////////////////"
	    "////////////////////////////////////////////////////////////////"
	    "////////////////////////"; /* 160 x 0xff */
	char msg[MSG_MAX], *p = msg;

	s->chunk++;
	p = put_str(p, "{\"event\":\"media\",\"sequenceNumber\":\"");
	p = put_ulong(p, ++s->seq);
	p = put_str(p, "\",\"streamSid\":\"");
	p = put_str(p, s->stream_sid);
	p = put_str(p, "\",\"media\":{\"track\":\"inbound\",\"chunk\":\"");
	p = put_ulong(p, s->chunk);
	p = put_str(p, "\",\"timestamp\":\"");
	p = put_ulong(p, (s->chunk - 1) * 20);
	p = put_str(p, "\",\"payload\":\"");
	p = put_str(p, silence_b64);
	p = put_str(p, "\"}}");
	S->frames_tx++;
	return out_msg(S, s, WS_OP_TEXT, msg, (size_t)(p - msg));
}

/* Every whole millisecond passed: the streams whose frame clock has that
 * phase send what is due. */
static void
send_due(struct streams *S, uint64_t now)
{
	struct strm *s, **pp;
	uint64_t ms, end_ms = now / 1000;
	int k, rv = 0;

	if (end_ms > S->wheel_ms + PHASES)
		S->wheel_ms = end_ms - PHASES;
	for (ms = S->wheel_ms + 1; ms < end_ms; ms++) {
		for (pp = &S->wheel[ms % PHASES]; (s = *pp) != NULL;) {
			if (s->state != ST_OPEN) {
				*pp = s->wnext; /* off the wheel */
				continue;
			}
			if (now > s->next_tx + MAX_CATCHUP * FRAME_US)
				s->next_tx +=
				    (now - s->next_tx) / FRAME_US * FRAME_US -
				    MAX_CATCHUP * FRAME_US;
			for (k = 0, rv = 0;
			     s->next_tx <= now && k < MAX_CATCHUP; k++) {
				s->next_tx += FRAME_US;
				if ((rv = send_media(S, s)) < 0)
					break;
				S->tx_dropped += rv == 1;
			}
			if (rv < 0) {
				finish(S, s, 1);
				*pp = s->wnext;
				continue;
			}
			pp = &s->wnext;
		}
	}
	S->wheel_ms = end_ms - 1;
}

static void
rx_media(struct streams *S, struct strm *s, uint64_t now)
{
	uint64_t gap = now - s->last_rx, j;

	S->frames_rx += now >= S->measure_from && now < S->measure_to;
	if (s->run > 0 && gap > 1000000)
		s->run = 0;
	if (now >= S->measure_from && now < S->measure_to) {
		if (s->run > 0 && gap > UNDERRUN_GAP_US)
			S->underruns++;
		if (s->run >= 2) {
			j = gap > 20000 ? gap - 20000 : 20000 - gap;
			if (j / JIT_BUCKET_US < JIT_BUCKETS)
				S->hist[j / JIT_BUCKET_US]++;
			else
				S->jit_over++;
			S->jit_n++;
		}
	}
	s->run++;
	s->last_rx = now;
}

/* Upgraded: Twilio's connected and start, and onto the frame clock. */
static int
on_open(struct streams *S, struct strm *s, uint64_t now)
{
	char msg[MSG_MAX];
	int n;

	s->state = ST_OPEN;
	n = snprintf(msg, sizeof(msg),
	    "{\"event\":\"connected\",\"protocol\":"
	    "\"Call\",\"version\":\"1.0.0\"}");
	if (out_msg(S, s, WS_OP_TEXT, msg, (size_t)n) != 0)
		return -1;
	n = snprintf(msg, sizeof(msg),
	    "{\"event\":\"start\",\"sequenceNumber\":"
	    "\"%lu\",\"streamSid\":\"%s\",\"start\":{"
	    "\"accountSid\":\"%s\",\"streamSid\":\"%s\","
	    "\"callSid\":\"%s\",\"tracks\":[\"inbound\"],"
	    "\"customParameters\":%s,"
	    "\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\","
	    "\"sampleRate\":8000,\"channels\":1}}}",
	    ++s->seq, s->stream_sid, s->account_sid, s->stream_sid, s->call_sid,
	    s->params);
	if (n <= 0 || n >= (int)sizeof(msg) ||
	    out_msg(S, s, WS_OP_TEXT, msg, (size_t)n) != 0)
		return -1;
	__atomic_store_n(&s->start_at, now, __ATOMIC_RELEASE);
	s->next_tx = now + FRAME_US;
	s->wnext = S->wheel[(s->next_tx / 1000) % PHASES];
	S->wheel[(s->next_tx / 1000) % PHASES] = s;
	return 0;
}

/* Frames the gateway sent: media are timed, pings answered. */
static int
on_frames(struct streams *S, struct strm *s, uint64_t now)
{
	struct ws_hdr h;
	size_t off = 0, i;
	uint8_t *pl;
	int rv;

	while ((rv = ws_parse_hdr(s->rx + off, s->rx_len - off, &h)) == 1) {
		if (h.hlen + h.len > RX_CAP)
			return -1; /* nothing we expect is that big */
		if (s->rx_len - off < h.hlen + h.len)
			break;
		pl = s->rx + off + h.hlen;
		if (h.masked)
			for (i = 0; i < h.len; i++)
				pl[i] ^= h.mask[i & 3];
		switch (h.op) {
		case WS_OP_TEXT:
			s->rx_media = h.len > 20 &&
			    memmem(pl, h.len < 40 ? h.len : 40,
			        "\"event\":\"media\"", 15) != NULL;
			/* FALLTHROUGH */
		case WS_OP_CONT:
			if (h.fin && s->rx_media)
				rx_media(S, s, now);
			if (h.fin)
				s->rx_media = 0;
			break;
		case WS_OP_PING:
			if (s->state == ST_OPEN &&
			    out_msg(S, s, WS_OP_PONG, (const char *)pl,
			        (size_t)h.len) < 0)
				return -1;
			break;
		case WS_OP_CLOSE:
			return s->state == ST_CLOSING ? 1 : -1;
		default:
			break;
		}
		off += h.hlen + (size_t)h.len;
	}
	if (rv < 0)
		return -1;
	memmove(s->rx, s->rx + off, s->rx_len - off);
	s->rx_len -= off;
	return 0;
}

/* The upgrade answer: up to the blank line; what follows is frames. */
static int
on_upgrade(struct streams *S, struct strm *s, uint64_t now)
{
	uint8_t *end = memmem(s->rx, s->rx_len, "\r\n\r\n", 4);
	size_t head;

	if (end == NULL)
		return s->rx_len >= RX_CAP ? -1 : 0;
	head = (size_t)(end + 4 - s->rx);
	if (!ws_upgrade_ok((const char *)s->rx, head))
		return -1;
	memmove(s->rx, s->rx + head, s->rx_len - head);
	s->rx_len -= head;
	if (on_open(S, s, now) != 0)
		return -1;
	return on_frames(S, s, now);
}

/* One socket's readiness (ev 0: time to hang up). */
static void
on_event(struct streams *S, struct strm *s, uint32_t ev)
{
	static const char stop_fmt[] =
	    "{\"event\":\"stop\",\"sequenceNumber\":"
	    "\"%lu\",\"streamSid\":\"%s\",\"stop\":{\"accountSid\":\"%s\","
	    "\"callSid\":\"%s\"}}";
	char req[1024], key[32], msg[MSG_MAX];
	uint8_t raw[16];
	uint64_t now;
	socklen_t sl = sizeof(int);
	ssize_t n;
	int err = 0, rv = 0, i;

	if (ev == 0) {
		n = snprintf(msg, sizeof(msg), stop_fmt, ++s->seq,
		    s->stream_sid, s->account_sid, s->call_sid);
		s->state = ST_CLOSING;
		if (out_msg(S, s, WS_OP_TEXT, msg, (size_t)n) < 0 ||
		    out_msg(S, s, WS_OP_CLOSE,
		        "\x03\xe8"
		        "done",
		        6) < 0)
			finish(S, s, 0);
		return;
	}
	if (s->state == ST_CONNECTING) {
		if ((ev & (EPOLLERR | EPOLLHUP)) ||
		    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0 ||
		    err != 0) {
			S->connect_fail++;
			finish(S, s, 1);
			return;
		}
		for (i = 0; i < 16; i++) {
			S->rng ^= S->rng << 13;
			S->rng ^= S->rng >> 17;
			S->rng ^= S->rng << 5;
			raw[i] = (uint8_t)S->rng;
		}
		fd_b64_encode(raw, sizeof(raw), key);
		s->state = ST_UPGRADING;
		want_out(S, s, 0);
		if ((n = ws_upgrade_request(req, sizeof(req), S->host, S->port,
		         S->path, key)) < 0 ||
		    out_bytes(S, s, req, (size_t)n) != 0)
			finish(S, s, 1);
		return;
	}
	if ((ev & EPOLLOUT) && s->tx_len > 0) {
		n = send(s->fd, s->tx, s->tx_len, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			finish(S, s, s->state != ST_CLOSING);
			return;
		}
		if (n > 0) {
			memmove(s->tx, s->tx + n, s->tx_len - (size_t)n);
			s->tx_len -= (size_t)n;
		}
		if (s->tx_len == 0)
			want_out(S, s, 0);
	}
	if (!(ev & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		return;
	n = recv(s->fd, s->rx + s->rx_len, RX_CAP - s->rx_len, 0);
	now = fd_mono_us();
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* the gateway went away: fine only once we hung up */
		finish(S, s, s->state != ST_CLOSING);
		return;
	}
	s->rx_len += (size_t)n;
	rv = s->state == ST_UPGRADING ? on_upgrade(S, s, now)
	                              : on_frames(S, s, now);
	if (rv != 0)
		finish(S, s, rv < 0 && s->state != ST_CLOSING);
}

static void
finish(struct streams *S, struct strm *s, int failed)
{
	if (s->fd >= 0) {
		epoll_ctl(S->ep, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
		s->fd = -1;
	}
	s->failed |= failed;
	s->state = ST_DONE;
}

/* The stand-in tts-worker: keep AHEAD_MS of audio queued at the gateway
 * for every started stream, CHUNK_MS per AUDIO_OUT, one long utterance. */
static void *
feeder(void *arg)
{
	struct fd_bus *bus = arg;
	struct streams *S = S_;
	uint8_t chunk[CHUNK_MS * 8];
	uint64_t now, since;
	int i;
	size_t k;

	for (k = 0; k < sizeof(chunk); k++) /* a 500 Hz-ish buzz */
		chunk[k] =
		    fd_ulaw_encode((int16_t)((k / 8) % 2 ? 6000 : -6000));
	while (!__atomic_load_n(&S->ending, __ATOMIC_ACQUIRE)) {
		now = fd_mono_us();
		for (i = 0; i < S->n; i++) {
			struct strm *s = &S->s[i];

			since = __atomic_load_n(&s->start_at, __ATOMIC_ACQUIRE);
			if (since == 0 || now < since + FEED_DELAY_MS * 1000u)
				continue;
			while (s->fed_ms <
			    (now - since) / 1000 - FEED_DELAY_MS + AHEAD_MS) {
				fd_bus_publish(bus, FD_MSG_AUDIO_OUT,
				    s->call_sid, 1, chunk, sizeof(chunk));
				s->fed_ms += CHUNK_MS;
			}
		}
		fd_sleep_us(50000);
	}
	fd_bus_close(bus);
	free(bus);
	return NULL;
}

static double
hist_pct(const struct streams *S, double p)
{
	uint64_t want, acc = 0;
	size_t i;

	if (S->jit_n == 0)
		return -1;
	want = (uint64_t)((double)S->jit_n * p / 100.0 + 0.5);
	if (want < 1)
		want = 1;
	for (i = 0; i < JIT_BUCKETS; i++) {
		acc += S->hist[i];
		if (acc >= want)
			return (double)(i * JIT_BUCKET_US) / 1000.0;
	}
	return (double)(JIT_BUCKETS * JIT_BUCKET_US) / 1000.0;
}

/* This process's user + system CPU so far. */
static double
cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* pid's user + system CPU so far (0 when it cannot be read). */
static double
pid_cpu_seconds(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	long tck = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;

	if (pid <= 0 || tck <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* fields 14 and 15, counted after the ")" that ends the name */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1,
	        " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
	        &st) != 2)
		return 0;
	return (double)(ut + st) / (double)tck;
}

/* The stream's call, as Twilio places it: the signed voice webhook, and
 * the TwiML's <Parameter>s kept for the start message. */
static int
announce(const struct call_opts *o, struct strm *s)
{
	struct fd_form f = {NULL, 0};
	struct twiml tw;
	char pub[1024], err[512];
	json_t *cp = NULL;
	size_t i;
	int rv = -1;

	snprintf(pub, sizeof(pub), "%s/twilio/voice", o->public_url);
	memset(&tw, 0, sizeof(tw));
	if (call_form_voice(&f, s->call_sid, s->account_sid, "+15550008888",
	        "+15555550100", "inbound") != 0) {
		fprintf(stderr, "callsim: out of memory\n");
		goto out;
	}
	if (call_webhook(o, pub, &f, &tw, err, sizeof(err)) != 0) {
		fprintf(stderr, "callsim: %s\n", err);
		goto out;
	}
	if ((cp = json_object()) == NULL)
		goto out;
	for (i = 0; i < tw.params.n; i++)
		json_object_set_new(
		    cp, tw.params.kv[i].key, json_string(tw.params.kv[i].val));
	if ((s->params = json_dumps(cp, JSON_COMPACT)) == NULL ||
	    strlen(s->params) > MSG_MAX / 2) {
		fprintf(stderr,
		    "callsim: the webhook's <Parameter>s do not "
		    "fit a start message\n");
		goto out;
	}
	rv = 0;
out:
	json_decref(cp);
	twiml_free(&tw);
	fd_form_free(&f);
	return rv;
}
