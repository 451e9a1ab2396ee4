/*
 * rt_harness.h - tests and bench only: the real agent daemon with
 * agent.engine = "realtime" against tests/peers/openai/realtime_peer.py.
 * The harness plays the gateway (CALL_START, AUDIO_IN, MARK echoes of
 * the agent's AUDIO_MARKs, as Twilio would once the audio played),
 * stt-worker (final transcripts) and crm-tools (a req/rep server that
 * records every tool call and answers the booking tools), and records
 * every frame the agent publishes.  Used by agent/rt_engine_test.c and
 * bench/rt_bench.c.
 */
#ifndef FD_RT_HARNESS_H
#define FD_RT_HARNESS_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "bus.h"
#include "rpc.h"
#include "tests/harness/peer_run.h"

#define RTH_MAX_FRAMES 20000

struct rth_frame {
	int type;
	uint32_t ref;
	uint64_t at_us; /* received, fd_mono_us() */
	size_t len; /* payload bytes */
	json_t *json; /* JSON payloads, else NULL */
};

struct rth {
	char rundir[64];
	char conf[128];
	char script[128];
	struct peer peer;
	pid_t agent;
	struct fd_bus gw, stt, out;
	struct fd_rpc_server *crm;
	pthread_t reader;
	int stop; /* atomic */
	pthread_mutex_t mu;
	json_t *records; /* [{tool,args,call}] */
	struct rth_frame *frames;
	int nframes;
	int echo; /* echo marks: 1 played, 0 hold them */
	json_t *held; /* marks not echoed yet (names) */
	uint32_t frame_no; /* AUDIO_IN numbering */
	int pace_us; /* between AUDIO_IN frames (2000;
	                                 * 20000 is the line's own pace) */
};

/* agent.idle_prompt_ms and idle_hangup_ms for the next rth_start
 * (default 30000: no idle prompt in a test that does not ask for one). */
extern int rth_idle_ms;

/* Write the peer's script, start the peer (extra args NULL-terminated,
 * may be NULL), write the agent's config (extra: more agent.realtime
 * settings, may be "") and start the agent.  0, or -1. */
int rth_start(struct rth *h, const char *script_json,
    const char *const *peer_args, const char *extra);
void rth_stop(struct rth *h);

/* CALL_START for call from a number; waits until the agent greets
 * (its first AUDIO_OUT).  0, or -1 if no audio came in timeout_ms. */
int rth_call(struct rth *h, const char *call, const char *from, int timeout_ms);
/* The caller talks for speech_ms then is quiet for quiet_ms, as 20 ms
 * AUDIO_IN frames sent quickly.  *trigger_us (may be NULL): when the
 * frame that ended silence_ms of quiet was published. */
void rth_speak(struct rth *h, const char *call, int speech_ms, int quiet_ms,
    int silence_ms, uint64_t *trigger_us);
/* stt-worker's final transcript of text. */
void rth_stt_final(struct rth *h, const char *call, const char *text);
void rth_call_end(struct rth *h, const char *call);
/* Echo the marks held so far (played or not) and go back to echo. */
void rth_release_marks(struct rth *h, const char *call, int played);

/* Frames of type (ref 0: any) from index from on; the index of the
 * first one at or after from within timeout_ms, or -1. */
int rth_wait_frame(
    struct rth *h, int type, uint32_t ref, int from, int timeout_ms);
int rth_nframes(struct rth *h);
/* A copy of frame i's fields (json borrowed: valid until rth_stop). */
struct rth_frame rth_frame_at(struct rth *h, int i);
/* Audio bytes the agent sent for utterance ref. */
size_t rth_audio_bytes(struct rth *h, uint32_t ref);

/* Tool calls recorded for call (tool; key/val: an argument containing
 * val, or NULL). */
int rth_count(struct rth *h, const char *call, const char *tool,
    const char *key, const char *val);
/* Wait until rth_count reaches n, up to timeout_ms; the count. */
int rth_wait_count(struct rth *h, const char *call, const char *tool,
    const char *key, const char *val, int n, int timeout_ms);
/* The peer's log lines with "ev" == ev, as a new array. */
json_t *rth_peer_events(struct rth *h, const char *ev);

#endif
