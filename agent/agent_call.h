/*
 * agent_call.h - the agent core's calls: a table of sessions, each with its own
 * queue of events processed in order by one worker at a time (actor
 * style), so a tool call that blocks one call never delays another.
 * agent.c receives frames from the gateway, stt-worker and tts-worker and
 * posts them here; agent_call.c handles them (speech tracking, barge-in,
 * timers, the brain) and publishes SAY, SAY_CANCEL, CLEAR, HANGUP,
 * TRANSFER and STT_HINT; tools go to crm-tools over req/rep.
 */
#ifndef AGENT_CALL_H
#define AGENT_CALL_H

#include <pthread.h>
#include <stdint.h>
#include <nng/nng.h>

#include "brain.h"
#include "bus.h"
#include "clock.h"
#include "rpc.h"

struct agent_cfg {
	char brain[32]; /* agent.brain: "local" */
	int workers; /* threads running calls */
	int tool_timeout_ms; /* per crm-tools request */
	int idle_prompt_ms; /* silence before "are you there?" */
	int idle_hangup_ms; /* silence after the 2nd prompt */
	int bargein_min_speech_ms; /* shorter speech never interrupts */
	int bargein_pause; /* pause playback the moment the caller
	                                 * starts talking, resume if it was a
	                                 * backchannel or a noise */
	int max_misunderstandings; /* then offer a message or a person */
	int session_ttl_s; /* a call without CALL_END is dropped;
	                                 * also the session's Redis TTL */
	char redis[256]; /* agent.redis: session store */
	int hangup_safety_ms; /* hang up even if no mark echoes */
	int recording; /* recording.enabled */
	char disclosure[512]; /* recording.disclosure: said before
					   the greeting when recording ("" =
					   nothing) */
	char engine[16]; /* agent.engine: "pipeline" (stt-worker,
	                                 * brain, tts-worker) or "realtime"
	                                 * (rt_call.h) */
	int speculative; /* agent.speculative: prepare the reply on
	                                 * stt-worker's stable hypothesis
	                                 * (agent_spec.h), brains that can */
};

extern struct agent_cfg agent_cfg;

/* What every call shares. */
struct agent_ctx {
	struct fd_bus *bus;
	struct fd_rpc *rpc;
	const struct brain_ops *brain;
	const struct fd_business *biz;
};

#define UTT_RING 8
#define UTT_MAX_SEG 24
#define CALL_V2V_MAX 64 /* reply latencies kept per call (call_end) */

struct utt {
	uint32_t id; /* 0: slot unused */
	char *text; /* as sent */
	int close; /* the call ends after it */
	int last_seg; /* final segment number, -1 unknown */
	char *segtext[UTT_MAX_SEG]; /* from AUDIO_MARK */
	unsigned char heard[UTT_MAX_SEG]; /* 0 pending, 1 played, 2 not */
	int done; /* finished, cut or failed */
	int interrupted;
	int logged; /* log_turn sent */
	uint64_t sent_us;
	uint64_t est_end_us; /* when it should have been heard */
};

/* The caller turn waiting for log_turn: when it was said (ms since the
 * call started) and the recogniser's confidence (-1: none, DTMF). */
struct caller_turn_info {
	int64_t start_ms, end_ms;
	double confidence;
};

enum end_action { END_NONE = 0, END_HANGUP, END_TRANSFER };

struct event;
struct rt_call;
struct spec;

struct call {
	struct call *next; /* table chain */
	struct call *run_next; /* run queue */
	/* guarded by mu: the queue and the timer the main thread reads */
	pthread_mutex_t mu;
	struct event *qhead, *qtail;
	int scheduled; /* on the run queue or running */
	int tick_pending;
	uint64_t due_us; /* earliest timer, 0 none */

	/* owned by the worker running the call */
	struct agent_ctx *ctx;
	struct brain_call bc;
	char tts[64]; /* cluster mode: the tts-worker instance serving it */
	int64_t heard_end_ms; /* end of the caller audio the last final
	                       * transcript covered (kept in the session: a
	                       * final sent again up to here is dropped) */
	struct fd_callclock clock;
	int started; /* brain on_start done */
	int resuming; /* created by a frame other than
	                                 * CALL_START: try the session store */
	int brain_ran; /* this event reached the brain */
	int finished; /* removed from the table */
	uint32_t next_utt;
	struct utt utts[UTT_RING];
	int caller_speaking;
	uint64_t barge_due_us; /* pending barge-in decision */
	uint32_t paused_utt; /* playback paused while deciding */
	uint64_t paused_us;
	uint64_t idle_due_us;
	uint64_t idle_stt; /* stt-worker instance when the wait
	                                 * began, 0 it was down */
	int idle_count;
	enum end_action end;
	char end_to[40], end_reason[48];
	uint32_t end_utt;
	uint64_t end_due_us; /* safety */
	uint64_t ended_us; /* HANGUP/TRANSFER sent */
	uint64_t latency_from_us; /* speech_end_us of the caller turn */
	int first_word_ms; /* created to the first SAY; -1 none */
	int v2v_ms[CALL_V2V_MAX]; /* each reply: speech end to SAY */
	int nv2v;
	char *caller_turn; /* to log_turn after the reply */
	struct caller_turn_info ct;
	long long tts_chars; /* characters sent to synthesis */
	int disclosed; /* the recording disclosure was said */
	char heard_last[200]; /* the caller's last words: why they
	                                 * want a person (transfer summary) */
	uint64_t created_us;
	struct rt_call *rt; /* the Realtime engine's, or NULL */
	struct spec *spec; /* a reply prepared on a hypothesis, or NULL */
	int nspec, nspec_used; /* speculations run, committed */
};

int calls_start(struct agent_ctx *ctx, int nworkers);
void calls_stop(void);
/* Hand a received frame to its call (creating it on CALL_START); takes
 * ownership of m. */
void calls_post(nng_msg *m, const struct fd_frame *f);
/* Wake calls whose timers are due; the main loop calls this often. */
void calls_tick(void);
int calls_count(void);

/* agent_call.c: handle one event on the worker. */
void call_handle_frame(struct call *c, const struct fd_frame *f);
void call_handle_tick(struct call *c);
uint64_t call_next_due(const struct call *c);
/* calls.c: take the call out of the table (no more events will come). */
void calls_unlink(struct call *c);
/* A Realtime event for a call (rt_client.h); takes text.  Dropped if the
 * call is not live. */
void calls_post_rt(const char *call_id, char *text);
/* Unlink a call that never started and drop later frames for its id. */
void calls_forget(struct call *c);
void call_free(struct call *c);

/* agent_call.c: what the core does for an engine that speaks itself
 * (rt_call.c). */
/* A crm-tools tool on the call's clock; the reply or NULL. */
json_t *call_rpc_tool(struct call *c, const char *name, json_t *args);
/* The same, for a tool whose reply only matters if it failed. */
void call_rpc_log(struct call *c, const char *name, json_t *args);
/* Publish pl (NULL: a type with no payload fields). */
void call_publish(struct call *c, int type, uint32_t ref, const void *pl);
/* Keep the session store current (the call state the engine's tools
 * changed), for an agent that takes the call over after a restart. */
void call_save(struct call *c);
/* Hang up or transfer now (what was said has been heard). */
void call_end_now(
    struct call *c, enum end_action a, const char *to, const char *reason);
/* The engine gave up: the brain on the local pipeline takes the call
 * from its state; pending is a final transcript nobody answered (logged:
 * the record has it already), else the caller is asked to say it
 * again. */
void call_fallback(struct call *c, const char *pending, int logged);

#endif
