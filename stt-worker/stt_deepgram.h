/*
 * stt_deepgram.h - what the two halves of the Deepgram streaming engine
 * share: stt_engine_deepgram.c (the ops table, the libwebsockets service
 * thread, connections, audio ring, reconnects) and stt_deepgram_events.c
 * (Deepgram's JSON messages -> utterances -> the ordered queue of
 * stt_events callbacks).  Private to the engine.
 */
#ifndef FD_STT_DEEPGRAM_H
#define FD_STT_DEEPGRAM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "stt_engine.h"

extern const struct stt_engine_ops stt_engine_deepgram;

#define RATE 8000 /* mu-law bytes per second */
#define FRAME_MAX 3200 /* audio bytes per WebSocket frame */
#define RX_MAX 65536 /* longest JSON message accepted */
#define ARRIVALS 4096 /* feed() arrival times kept per stream */
#define HOLD_MAX_US 200000 /* results wait this long for feed() */
#define KW_MAX 2048 /* keywords part of the query */
#define CALL_LEN 64

enum dg_state { ST_IDLE, ST_CONNECTING, ST_OPEN, ST_BACKOFF, ST_FAILED };
enum qtype { Q_STARTED, Q_STOPPED, Q_RESULT };

/* One event waiting for its thread. */
struct qev {
	struct qev *next;
	enum qtype t;
	uint32_t a, b; /* at_ms, dur_ms */
	uint64_t queued_us;
	struct stt_result r;
	char *text;
};

struct dg_eng;

struct dg_stream {
	struct dg_stream *next;
	struct dg_eng *e;
	char call[CALL_LEN];
	const struct stt_events *ev;
	void *arg;
	/* under e->mu */
	enum dg_state st;
	struct lws *wsi;
	int closing; /* stream_close was called */
	int close_sent; /* CloseStream went out */
	uint64_t close_by_us; /* give up waiting for the server */
	uint64_t retry_at_us;
	int backoff_ms;
	char err[256]; /* why the last connection failed */
	int fails; /* connections failed or lost, not by stream_close */
	uint8_t *ring; /* audio not covered by a final result */
	size_t cap;
	uint64_t ring_base; /* stream offset of ring's oldest byte */
	uint64_t fed; /* stream bytes fed so far */
	uint64_t sent; /* next stream offset to send */
	uint64_t conn_base; /* stream offset of this connection's 0 s */
	uint64_t fin_at; /* Finalize after this offset; 0 none */
	uint64_t last_tx_us;
	int lost_logged;
	struct {
		uint64_t off, us;
	} arr[ARRIVALS];
	unsigned arr_head, arr_n;
	char keywords[KW_MAX]; /* "&keywords=..." for the next connection */
	struct qev *qh, *qt;
	/* service thread only */
	unsigned char txbuf[LWS_PRE + FRAME_MAX];
	char *rx;
	size_t nrx;
	int conns; /* connections made */
	char closed_why[300]; /* Deepgram's close frame on this connection */
	int utt_open; /* speech_started queued, final not yet */
	uint32_t utt_start_ms, utt_end_ms;
	uint64_t utt_end_off; /* stream offset of the speech end */
	char *pending; /* is_final pieces of the open utterance */
	double conf_sum;
	int conf_n;
	/* callbacks */
	pthread_mutex_t cb_mu;
	int detached; /* no callbacks any more */
};

struct dg_eng {
	struct lws_context *ctx;
	pthread_t thr;
	int thr_started;
	atomic_int stop;
	pthread_mutex_t mu;
	struct dg_stream *streams;
	lws_sorted_usec_list_t tick;
	/* config */
	char host[128];
	int port, tls;
	char prefix[128]; /* path before /v1/listen */
	char ca_file[256];
	char model[64], language[16];
	int endpointing, utterance_end_ms, smart_format, punctuate;
	int keyword_boost, keepalive_ms, reconnect_min_ms, reconnect_max_ms;
	int close_wait_ms, ring_seconds;
	char auth[300];
};

/* Service thread: one complete text message from Deepgram. */
void dg_on_message(struct dg_stream *s, const char *buf, size_t len);
/* Service thread: results at the head of the queue. */
void dg_deliver_results(struct dg_stream *s);
/* Feed thread: speech_started / speech_stopped at the head of the queue. */
void dg_deliver_feed_events(struct dg_stream *s);
/* Drop every queued event (under e->mu, or when nobody else can look). */
void dg_queue_clear(struct dg_stream *s);

#endif
