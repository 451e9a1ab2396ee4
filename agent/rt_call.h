/*
 * rt_call.h - the speech-to-speech engine (agent.engine = "realtime"):
 * a call runs on OpenAI's Realtime API instead of stt-worker + brain +
 * tts-worker.  The engine lives in the agent beside the brains, so the
 * call keeps the core's session, tools, records and end-of-call handling;
 * the gateway and the message types are unchanged: the agent hears the
 * gateway's AUDIO_IN and publishes AUDIO_OUT / AUDIO_MARK (ref = utterance
 * id, marks "u<utt>s<seg>") as tts-worker would, and CLEAR on barge-in.
 *
 * Tools go through the LLM brain's executor (brain_llm_exec.c): the same
 * catalogue from proto/tool_schema.c, the same argument checks, the same
 * crm-tools authorisation, and the same read-back rule (a booking, move
 * or cancel runs only on the caller's own yes, read from the Realtime
 * transcript of the caller's last turn).  When the vendor fails mid-call
 * (the socket drops, an error event, no response in time) the call goes
 * to the configured brain on the local pipeline for good, from the
 * session state the engine kept.  Config: agent.realtime (README.md).
 */
#ifndef AGENT_RT_CALL_H
#define AGENT_RT_CALL_H

#include <libconfig.h>

#include "agent_call.h"

/* Read agent.realtime and start the client; 0, or -1 with err. */
int rt_engine_init(
    const config_t *cfg, const struct fd_business *b, char *err, size_t errlen);
/* Only check agent.realtime (-n, SIGHUP). */
int rt_engine_check(const config_t *cfg, char *err, size_t errlen);
void rt_engine_fini(void);

/* The call has started (customer looked up): connect and let the model
 * greet.  0 if the engine took the call, -1 to run the pipeline. */
int rt_call_start(struct call *c);
/* 1 while the engine (not the pipeline) serves c. */
int rt_call_active(const struct call *c);
/* Caller audio (raw mu-law) from AUDIO_IN. */
void rt_call_audio(struct call *c, const struct fd_frame *f);
/* A server event or a connection event (rt_client.h); takes text. */
void rt_call_event(struct call *c, char *text);
/* A MARK echo; 1 if it was one of the engine's utterances. */
int rt_call_mark(struct call *c, const struct fd_pl_mark *m);
/* A final stt-worker transcript while the engine serves (kept for a
 * fallback: what the caller said that the vendor never answered). */
void rt_call_stt_final(struct call *c, const struct fd_pl_transcript *m);
/* A key press: told to the model as the caller's turn. */
void rt_call_dtmf(struct call *c, const char *digit);
/* Timers: the response timeout, deferred tool calls. */
void rt_call_tick(struct call *c);
uint64_t rt_call_due(const struct call *c);
/* The call ends: log what is unlogged and the usage, close. */
void rt_call_end(struct call *c);
void rt_call_free(struct call *c);

#endif
