/*
 * gateway.h - what the gateway's files share: its config, counters, the
 * bus, the lws context and the lock that guards every live call.
 *
 * Threads: each service thread owns one lws context (a shard, below) and
 * the sockets and timers in it; the accept thread (gw_accept.c) hands each
 * new connection to a shard; the bus thread feeds calls' queues from
 * agent/tts/scheduler frames; worker threads make rpc calls to crm-tools
 * (HTTP API) and REST calls to the carrier.  Other threads never touch a
 * socket: they change state under gw_lock and wake the call's service
 * thread with lws_cancel_service() on its shard's context.
 */
#ifndef GW_GATEWAY_H
#define GW_GATEWAY_H

#include <pthread.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "bus.h"
#include "proto/proto.h"
#include "rpc.h"

struct gw_cfg {
	char listen_addr[64];
	int listen_port;
	char public_url[512]; /* as configured at Twilio */
	char trusted_proxies[512]; /* their X-Real-IP is the client */
	char auth_token[128]; /* TWILIO_AUTH_TOKEN */
	int validate_signature;
	int allow_test_clock; /* honour FdNow -> <Parameter now> */
	char api_token[272]; /* FRONTDESK_API_TOKEN (admin) */
	char api_tokens[2048]; /* FRONTDESK_API_TOKENS role:token */
	int max_calls;
	int service_threads; /* shards: lws contexts, one thread each */
	char twilio_api_base[256];
	char account_sid[64]; /* TWILIO_ACCOUNT_SID */
	int pace_lead_frames;
	int max_queue_s; /* seconds of audio queued per call */
	char business_phone[64]; /* business.phone: outbound caller id */
	char instance[128]; /* this gateway's name among several */
	int recording; /* recording.enabled: record calls */
	int keep_audio; /* recording.keep_audio: keep the WAVs
					   (off: transcripts only, no audio on
					   disk at all) */
	char recording_dir[512]; /* recording.dir ("" = $FRONTDESK_VAR/
					   recordings); read at start */
	int warm_transfer; /* the staff member hears a summary and
	                                 * takes or declines the call */
	int transfer_ring_s; /* <Dial timeout> of a transfer */
	int voicemail_box; /* every inbound call records a message */
	int voicemail_degraded; /* ... when agent, stt or tts is unheard */
	int voicemail_max_s; /* <Record maxLength> */
};

struct gw_stats {
	uint64_t frames_in; /* media frames from callers */
	uint64_t frames_out; /* 20 ms frames sent to callers */
	uint64_t underruns; /* ticks mid-utterance with no audio */
	uint64_t malformed; /* media messages refused */
	uint64_t calls_total;
	uint64_t calls_rejected; /* over max_calls */
	uint64_t marks_out, marks_echoed, marks_cleared;
	uint64_t clears;
	uint64_t pauses;
	uint64_t stale_audio; /* AUDIO_OUT for cleared utterances */
	uint64_t audio_dropped; /* over the queue limit */
	uint64_t hop_n, hop_sum_us, hop_max_us; /* tts -> gateway bus */
	uint64_t wait_n, wait_sum_us, wait_max_us; /* queued -> first sent */
	uint64_t http_requests;
	uint64_t rpc_timeouts;
};

#define GW_STAT_ADD(f, n) __atomic_add_fetch(&gw_stats.f, (n), __ATOMIC_RELAXED)
#define GW_STAT_GET(f) __atomic_load_n(&gw_stats.f, __ATOMIC_RELAXED)
void gw_stat_max(uint64_t *slot, uint64_t v);

extern struct gw_cfg gw_cfg;
extern struct gw_stats gw_stats;
extern struct fd_bus gw_bus;
extern struct fd_rpc gw_crm;
extern struct lws_context *gw_ctx; /* shard 0's: HTTP */
extern pthread_mutex_t gw_lock; /* the registry of calls, gw_cfg */
extern uint64_t gw_start_us;
/* Which gateway answered a call and which run of it (CALL_START, the call
 * record): set once at start, read by any thread. */
extern char gw_instance[128];
extern char gw_boot[48];

/*
 * A shard: one lws context and the thread that services it.  Shard 0 is
 * the main thread's and serves HTTP and Media Streams; the others get only
 * connections whose first bytes are a WebSocket upgrade to /twilio/media
 * (gw_accept.c), so http.c runs on the main thread alone.  A call stays on
 * its shard: its pacing, writes and pending work are that thread's.
 */
#define GW_SHARDS_MAX 16
#define GW_ADOPT_MAX 1024 /* accepted sockets waiting for a shard */
struct gw_shard {
	int idx;
	struct lws_context *ctx;
	struct lws_vhost *vh;
	pthread_t thr;
	int nstreams; /* atomic: its open streams */
	pthread_mutex_t mu; /* its calls' queues, their pending work */
	/* under mu */
	struct gw_call *pending_head; /* calls with work from other threads */
	/* its service thread only */
	struct gw_call *pacing_head; /* calls playing */
	lws_sorted_usec_list_t pace_sul;
	int pace_armed;
	uint64_t pace_at; /* when the next sweep is due */
	/* sockets accepted for this shard, adopted on its thread */
	pthread_mutex_t adopt_mu;
	int adopt[GW_ADOPT_MAX];
	int nadopt;
};
extern struct gw_shard gw_shards[GW_SHARDS_MAX];
extern int gw_nshards;
/* The shard whose context wsi is in. */
struct gw_shard *gw_shard_of(struct lws *wsi);

/* gw_accept.c: the listening socket and the thread that sorts accepted
 * connections onto shards */
int accept_listen(const char *addr, int port, char *err, size_t errlen);
int accept_start(void);
void accept_stop(void);
/* Service thread of sh: adopt the sockets handed to it. */
void accept_adopt(struct gw_shard *sh);

/* Per-connection user data of the one lws protocol. */
struct http_req;
struct gw_call;
struct gw_conn {
	struct http_req *req; /* HTTP transactions */
	struct gw_call *call; /* the media WebSocket */
};

/* http.c */
int http_callback(struct lws *wsi, enum lws_callback_reasons reason,
    struct gw_conn *conn, void *in, size_t len);
void http_on_wake(void);
int http_start(void);
void http_stop(void);

/* media.c (the stream and its call), media_play.c (our side: audio,
 * marks, clear, pause, resume, hangup), media_replay.c (caller audio) */
int media_callback(struct lws *wsi, enum lws_callback_reasons reason,
    struct gw_conn *conn, void *in, size_t len);
void media_on_wake(struct gw_shard *sh);
int media_active_calls(void);
/* From the bus thread. */
void media_audio_out(const struct fd_frame *f);
void media_audio_mark(const struct fd_frame *f);
void media_clear(const struct fd_frame *f);
void media_pause(const struct fd_frame *f);
void media_resume(const struct fd_frame *f);
void media_hangup(const struct fd_frame *f);
/* A new stt-worker instance hears the gateway and the agent (bus
 * thread): every live call sends it again what it missed. */
void media_stt_ready(void);
/* Cluster thread: calls whose agent moved get their CALL_START again. */
void media_agent_moved(void);
/* stt-worker's TRANSCRIPT (bus thread): a final settles the caller's
 * audio up to its speech end. */
void media_stt_transcript(const struct fd_frame *f);
/* 1 if call_id has a live stream (any thread). */
int media_call_live(const char *call_id);
/* A transfer succeeded: the coming stop ends the call as "transfer". */
void media_mark_transferred(const char *call_id);

/* dashboard.c: the dashboard's files, linked in at build time */
struct dashboard_file {
	const char *ctype;
	const char *body; /* read-only data: never freed */
	size_t len;
};
/* 0 and the file served at path ("/", "/static/app.js"), or -1. */
int dashboard_file(const char *path, struct dashboard_file *f);
/* 1 if path is the dashboard's (the page or /static/...). */
int dashboard_path(const char *path);

#endif
