/*
 * agent_session.h - a call's session as JSON, so a restarted agent resumes a
 * call where it was: the brain's call_state (who the caller is, the task,
 * the plan, what was last asked) and the bits of the core a resumed call
 * needs (the next utterance id, the pinned clock, the idle count), and
 * what the brain keeps of its own (the LLM brain's conversation).
 * session_store.c keeps it in Redis (fd:sess:<CallSid>).  Pure data: no
 * process talks to this module.
 */
#ifndef AGENT_SESSION_H
#define AGENT_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "brain.h"

#define SESSION_VERSION 1

struct session_core {
	uint32_t next_utt; /* last utterance id used */
	int64_t clock_offset_us; /* fd_callclock offset */
	int idle_count;
	int64_t heard_end_ms; /* where the last final handled ended */
};

/* The session as a JSON string (malloc'd), or NULL on memory.  brain
 * (may be NULL) is the brain's own data (brain_ops.save), kept as is. */
char *session_encode(const struct call_state *st,
    const struct session_core *core, json_t *brain);
/* Fill st and core from text; the service is looked up by name in b.
 * If brain is not NULL it gets the brain's data (a new reference) or
 * NULL.  -1 with err if text is not a session of this version. */
int session_decode(const char *text, const struct fd_business *b,
    struct call_state *st, struct session_core *core, json_t **brain, char *err,
    size_t errlen);

/* session_store.c: Redis, shared by all workers.  Every call is safe
 * when Redis is down (logged once, retried every few seconds). */
/* addr: "unix:/path" or "host:port"; "" disables. */
void session_store_init(const char *addr, int ttl_s);
void session_store_fini(void);
/* 0 saved, -1 not (down or disabled). */
int session_store_save(const char *call_id, const char *text);
/* The stored session (malloc'd) or NULL (none, down or disabled). */
char *session_store_load(const char *call_id);
void session_store_drop(const char *call_id);

#endif
