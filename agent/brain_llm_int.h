/*
 * brain_llm_int.h - what the LLM brain's files share (brain_llm.c runs
 * turns and requests, brain_llm_exec.c runs the model's tool calls).  Not
 * for other modules.
 */
#ifndef AGENT_BRAIN_LLM_INT_H
#define AGENT_BRAIN_LLM_INT_H

#include <jansson.h>

#include "brain_llm.h"
#include "llm_http.h"
#include "llm_reply.h"
#include "llm_sse.h"
#include "llm_tools.h"

struct llm_cfg {
	char base_url[256];
	char model[96];
	char api_key_env[64];
	char api_key[256]; /* from the environment */
	char api_key_header[48]; /* "" Bearer; Azure: "api-key" */
	char api_version[32]; /* Azure: ?api-version=... */
	char filler[160];
	char instructions[2048]; /* appended to the system prompt */
	double temperature;
	int max_tokens;
	int turn_timeout_ms;
	int first_token_filler_ms;
	int history_tokens;
	int retries;
	int max_tool_rounds;
	int connect_timeout_ms;
	int breaker_ms; /* skip the model this long after a
					 * turn it could not answer; 0 off */
};

extern struct llm_cfg llm_cfg;

struct llm_call {
	struct brain_call *bc;
	json_t *hist; /* the conversation (llm_history.h) */
	struct llm_http http;
	struct llm_sse sse;
	struct llm_reply *cur; /* the response being streamed */
	int fallback_logged;
	int local_last; /* the local brain spoke last */
	int verified; /* verify_identity succeeded */
	int caller_yes; /* the caller's last words: a yes */
	int yes_weak; /* ... heard too weakly to commit on */
	int asked_again; /* this turn asked them to repeat */
	/* the turn */
	uint64_t filler_due_us;
	uint64_t deadline_us;
	int said; /* utterances said this turn */
	int attempt_said; /* sentences said by this attempt */
	int content; /* some content arrived this turn */
	int end_call; /* end_call was called */
	char transfer_to[40]; /* transfer_to_human said available */
	struct llm_turn_stats stats;
};

/* Run the tool calls of r: each validated, run or refused, and answered
 * with one tool message appended to lc->hist. */
void llm_exec_calls(
    struct llm_call *lc, const struct llm_catalog *cat, struct llm_reply *r);
/* The assistant message of r (content said, tool calls) or NULL. */
json_t *llm_assistant_msg(const struct llm_reply *r);

#endif
