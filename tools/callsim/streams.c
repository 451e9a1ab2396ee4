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
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "bus.h"
#include "clock.h"
#include "load.h"
#include "log.h"
#include "mulaw.h"
#include "twilio.h"

#define JIT_BUCKET_US 10                /* histogram resolution */
#define JIT_BUCKETS 20000               /* up to 200 ms */
#define AHEAD_MS 600                    /* audio kept queued per call */
#define CHUNK_MS 200                    /* one AUDIO_OUT */
#define FEED_DELAY_MS 500               /* after start, before audio */
#define MSG_MAX 512

struct strm {
	struct lws *wsi;
	char call_sid[40], account_sid[40], stream_sid[40];
	int state;                      /* 0 idle, 1 connecting, 2 open,
					   3 closing, 4 done */
	int sent_hello;                 /* 0 none, 1 connected, 2 start */
	unsigned media_due;             /* inbound frames owed */
	unsigned long seq, chunk;
	uint64_t start_at;              /* start sent (mono us), 0 not yet */
	uint64_t fed_ms;                /* AUDIO_OUT published (publisher) */
	uint64_t last_rx;
	unsigned long run;
	int failed;
};

struct streams {
	const struct call_opts *o;
	const struct load_opts *lo;
	struct lws_context *ctx;
	lws_sorted_usec_list_t sul;
	struct strm *s;
	int n;
	char host[256], path[64];
	int port;
	uint64_t t0, measure_from, measure_to, end_at, next_tick;
	int ending, quit;
	pthread_mutex_t lock;           /* start_at / state for the feeder */
	/* results (service thread) */
	uint64_t frames_rx, frames_tx, underruns, jit_n;
	uint32_t *hist;
	uint64_t jit_over;
	unsigned connect_fail;
};

static int st_cb(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len);
static void st_tick(lws_sorted_usec_list_t *sul);
static void *feeder(void *arg);
static double hist_pct(const struct streams *S, double p);
static int hostport(const char *url, char *host, size_t hlen, int *port);

static struct streams *S_;      /* the lws callback's way back */

static const struct lws_protocols st_protocols[] = {
	{ "callsim-streams", st_cb, 0, 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int
streams_run(const struct call_opts *o, const struct load_opts *lo)
{
	struct lws_context_creation_info info;
	struct streams S;
	pthread_t fth;
	char addr[512];
	const char *rd;
	json_t *out;
	uint64_t expect;
	int i, rc = 0, connected = 0;
	FILE *f;

	if (!load_gateway_is_loopback(o->gateway)) {
		fprintf(stderr, "callsim: --streams only connects to a gateway "
		    "on a loopback address, not %s\n", o->gateway);
		return 2;
	}
	memset(&S, 0, sizeof(S));
	S.o = o;
	S.lo = lo;
	S.n = lo->calls;
	if (hostport(o->gateway, S.host, sizeof(S.host), &S.port) != 0) {
		fprintf(stderr, "callsim: bad --gateway %s\n", o->gateway);
		return 2;
	}
	snprintf(S.path, sizeof(S.path), "/twilio/media");
	if ((S.s = calloc((size_t)S.n, sizeof(*S.s))) == NULL ||
	    (S.hist = calloc(JIT_BUCKETS, sizeof(*S.hist))) == NULL) {
		free(S.s);
		return 2;
	}
	for (i = 0; i < S.n; i++) {
		call_sid_make("CA", S.s[i].call_sid);
		call_sid_make("AC", S.s[i].account_sid);
		call_sid_make("MZ", S.s[i].stream_sid);
	}
	if (lo->tts_pub == NULL) {
		rd = getenv("FRONTDESK_RUNDIR");
		snprintf(addr, sizeof(addr), "ipc://%s/tts-worker.pub", rd ? rd :
		    "/tmp/frontdesk");
	} else
		snprintf(addr, sizeof(addr), "%s", lo->tts_pub);
	pthread_mutex_init(&S.lock, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = st_protocols;
	info.gid = -1;
	info.uid = -1;
	if ((S.ctx = lws_create_context(&info)) == NULL) {
		fprintf(stderr, "callsim: libwebsockets context failed\n");
		rc = 2;
		goto out;
	}
	S_ = &S;
	S.t0 = fd_mono_us();
	/* measure once every stream is up and its queue has settled */
	S.measure_from = S.t0 + ((uint64_t)lo->ramp_s + 2) * 1000000;
	S.measure_to = S.measure_from + (uint64_t)lo->duration_s * 1000000;
	S.end_at = S.measure_to + 1000000;
	{
		struct fd_bus *bus = calloc(1, sizeof(*bus));
		int rv;

		if (bus == NULL || (rv = fd_bus_open_addrs(bus, addr, NULL, 0,
		    NULL, 0)) != 0) {
			fprintf(stderr, "callsim: cannot bind %s (is a "
			    "tts-worker running on it?)\n", addr);
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
	}
	S.next_tick = S.t0 + 20000;
	lws_sul_schedule(S.ctx, 0, &S.sul, st_tick, 20000);
	while (!S.quit)
		if (lws_service(S.ctx, 0) < 0)
			break;
	pthread_mutex_lock(&S.lock);
	S.ending = 2;
	pthread_mutex_unlock(&S.lock);
	pthread_join(fth, NULL);
	lws_sul_cancel(&S.sul);
	lws_context_destroy(S.ctx);
	S.ctx = NULL;
	for (i = 0; i < S.n; i++)
		connected += !S.s[i].failed && S.s[i].start_at != 0;
	expect = (uint64_t)connected * (uint64_t)lo->duration_s * 50;
	out = json_pack("{s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:f, s:f, s:f, "
	    "s:f, s:b}",
	    "streams", S.n, "streams_ok", connected,
	    "streams_failed", S.n - connected, "duration_s", lo->duration_s,
	    "frames_rx", (json_int_t)S.frames_rx,
	    "frames_tx", (json_int_t)S.frames_tx,
	    "underruns", (json_int_t)S.underruns,
	    "rx_frames_pct", expect ? 100.0 * (double)S.frames_rx /
	    (double)expect : 0.0,
	    "jitter_ms_p50", hist_pct(&S, 50),
	    "jitter_ms_p99", hist_pct(&S, 99),
	    "jitter_ms_p999", hist_pct(&S, 99.9),
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
	if (S.ctx)
		lws_context_destroy(S.ctx);
	pthread_mutex_destroy(&S.lock);
	free(S.s);
	free(S.hist);
	return rc;
}

/* Every 20 ms: open the streams whose ramp time has come, owe each open
 * stream one inbound frame, and end everything when time is up. */
static void
st_tick(lws_sorted_usec_list_t *sul)
{
	struct streams *S = lws_container_of(sul, struct streams, sul);
	struct lws_client_connect_info cc;
	uint64_t now = fd_mono_us(), due;
	int i, live = 0;

	for (i = 0; i < S->n; i++) {
		struct strm *s = &S->s[i];
		due = S->t0 + (S->n > 1 ? (uint64_t)S->lo->ramp_s * 1000000u *
		    (uint64_t)i / (uint64_t)(S->n - 1) : 0);
		if (s->state == 0 && now >= due && now < S->end_at) {
			memset(&cc, 0, sizeof(cc));
			cc.context = S->ctx;
			cc.address = S->host;
			cc.port = S->port;
			cc.path = S->path;
			cc.host = S->host;
			cc.origin = S->host;
			cc.local_protocol_name = st_protocols[0].name;
			cc.userdata = s;
			cc.pwsi = &s->wsi;
			s->state = 1;
			if (lws_client_connect_via_info(&cc) == NULL) {
				s->failed = 1;
				s->state = 4;
			}
		}
		if (s->state == 2 && now >= S->end_at) {
			s->state = 3;
			lws_callback_on_writable(s->wsi);
		} else if (s->state == 2 && S->lo->inbound && s->sent_hello == 2) {
			if (s->media_due < 5)
				s->media_due++;
			lws_callback_on_writable(s->wsi);
		}
		live += s->state == 1 || s->state == 2 || s->state == 3;
	}
	if (now >= S->end_at && live == 0) {
		S->quit = 1;
		lws_cancel_service(S->ctx);
		return;
	}
	if (now > S->end_at + 10000000) {       /* stragglers: give up */
		S->quit = 1;
		lws_cancel_service(S->ctx);
		return;
	}
	S->next_tick += 20000;
	if (now > S->next_tick + 200000)
		S->next_tick = now + 20000;
	lws_sul_schedule(S->ctx, 0, &S->sul, st_tick, S->next_tick > now ?
	    (lws_usec_t)(S->next_tick - now) : 0);
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

static int
st_write(struct strm *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
st_write(struct strm *s, const char *fmt, ...)
{
	unsigned char buf[LWS_PRE + MSG_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf((char *)buf + LWS_PRE, MSG_MAX, fmt, ap);
	va_end(ap);
	if (n <= 0 || n >= MSG_MAX)
		return -1;
	return lws_write(s->wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) <
	    n ? -1 : 0;
}

static int
st_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct streams *S = S_;
	struct strm *s = user;
	static const char silence_b64[] = "////////////////////////////////"
	    "////////////////////////////////////////////////////////////////"
	    "////////////////////////////////////////////////////////////////"
	    "////////////////////////////////////////////////////////////////"
	    "////////////////////////";   /* 160 x 0xff */

	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		s->state = 2;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		s->failed = 1;
		s->state = 4;
		S->connect_fail++;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (len > 20 && memmem(in, len < 40 ? len : 40,
		    "\"event\":\"media\"", 15) != NULL)
			rx_media(S, s, fd_mono_us());
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (s->state == 3) {
			st_write(s, "{\"event\":\"stop\",\"sequenceNumber\":"
			    "\"%lu\",\"streamSid\":\"%s\",\"stop\":{"
			    "\"accountSid\":\"%s\",\"callSid\":\"%s\"}}",
			    ++s->seq, s->stream_sid, s->account_sid,
			    s->call_sid);
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
			    (unsigned char *)"done", 4);
			return -1;
		}
		if (s->sent_hello == 0) {
			s->sent_hello = 1;
			if (st_write(s, "{\"event\":\"connected\",\"protocol\":"
			    "\"Call\",\"version\":\"1.0.0\"}") != 0)
				return -1;
			lws_callback_on_writable(wsi);
			break;
		}
		if (s->sent_hello == 1) {
			s->sent_hello = 2;
			if (st_write(s, "{\"event\":\"start\",\"sequenceNumber\":"
			    "\"%lu\",\"streamSid\":\"%s\",\"start\":{"
			    "\"accountSid\":\"%s\",\"streamSid\":\"%s\","
			    "\"callSid\":\"%s\",\"tracks\":[\"inbound\"],"
			    "\"customParameters\":{\"From\":\"+15550008888\"},"
			    "\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\","
			    "\"sampleRate\":8000,\"channels\":1}}}", ++s->seq,
			    s->stream_sid, s->account_sid, s->stream_sid,
			    s->call_sid) != 0)
				return -1;
			pthread_mutex_lock(&S->lock);
			s->start_at = fd_mono_us();
			pthread_mutex_unlock(&S->lock);
			break;
		}
		if (s->media_due > 0) {
			s->media_due--;
			s->chunk++;
			S->frames_tx++;
			if (st_write(s, "{\"event\":\"media\",\"sequenceNumber\":"
			    "\"%lu\",\"streamSid\":\"%s\",\"media\":{\"track\":"
			    "\"inbound\",\"chunk\":\"%lu\",\"timestamp\":"
			    "\"%lu\",\"payload\":\"%s\"}}", ++s->seq,
			    s->stream_sid, s->chunk, (s->chunk - 1) * 20,
			    silence_b64) != 0)
				return -1;
			if (s->media_due)
				lws_callback_on_writable(wsi);
		}
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (s) {
			if (s->state != 3)
				s->failed = s->state != 4 ? 1 : s->failed;
			s->state = 4;
			s->wsi = NULL;
		}
		break;
	default:
		break;
	}
	return 0;
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
	int i, ending = 0;
	size_t k;

	for (k = 0; k < sizeof(chunk); k++)     /* a 500 Hz-ish buzz */
		chunk[k] = fd_ulaw_encode((int16_t)((k / 8) % 2 ? 6000 :
		    -6000));
	while (!ending) {
		now = fd_mono_us();
		for (i = 0; i < S->n; i++) {
			struct strm *s = &S->s[i];
			pthread_mutex_lock(&S->lock);
			since = s->start_at;
			ending = S->ending;
			pthread_mutex_unlock(&S->lock);
			if (since == 0 || now < since + FEED_DELAY_MS * 1000u)
				continue;
			while (s->fed_ms < (now - since) / 1000 -
			    FEED_DELAY_MS + AHEAD_MS) {
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

static int
hostport(const char *url, char *host, size_t hlen, int *port)
{
	const char *p = strstr(url, "://"), *end, *colon;
	size_t n;

	*port = 80;
	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?");
	colon = memchr(p, ':', (size_t)(end - p));
	n = (size_t)((colon ? colon : end) - p);
	if (n == 0 || n >= hlen)
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	if (colon && (*port = atoi(colon + 1)) <= 0)
		return -1;
	return 0;
}
