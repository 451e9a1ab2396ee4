/*
 * brain_llm.h - the LLM brain (agent.brain = "llm"): an OpenAI Chat
 * Completions compatible model with tool calling, streamed so each
 * sentence is spoken as soon as it is complete.  Tools run through the
 * core (crm-tools over rpc) after their arguments are validated; when the
 * model cannot be reached the local brain answers the turn.  Config:
 *   agent: { llm: { base_url = "https://api.openai.com/v1";
 *     model = "gpt-4o-mini"; api_key_env = "OPENAI_API_KEY";
 *     temperature = 0.3; max_tokens = 300; turn_timeout_ms = 8000;
 *     first_token_filler_ms = 1200; filler = "One moment while I check.";
 *     history_tokens = 4096; retries = 3; max_tool_rounds = 5;
 *     connect_timeout_ms = 3000; breaker_ms = 15000; instructions = "";
 *     api_key_header = ""; api_version = ""; };
 *   };
 * The key is read from the environment variable named by api_key_env,
 * never from a file, and sent as "Authorization: Bearer <key>", or as
 * "<api_key_header>: <key>" when that is set.  Azure OpenAI: base_url =
 * "https://<resource>.openai.azure.com/openai/deployments/<deployment>",
 * api_version = "2024-10-21" (sent as ?api-version=); api_key_header is
 * then "api-key" unless set.
 */
#ifndef AGENT_BRAIN_LLM_H
#define AGENT_BRAIN_LLM_H

#include <stdint.h>

#include "brain.h"

extern const struct brain_ops brain_llm;

/* How the last turn of a call went (tests, logs). */
struct llm_turn_stats {
	int attempts; /* HTTP requests made */
	int rounds; /* model responses used (tool rounds + 1) */
	int tools_run; /* tool calls executed */
	int tools_refused; /* tool calls answered with a validation error */
	int sentences; /* said from the model */
	int filler; /* the filler was said */
	int fallback; /* the local brain answered */
	uint64_t t0_us; /* turn start, fd_mono_us() */
	uint64_t first_token_us; /* first content delta, 0 none */
	uint64_t first_say_us; /* first sentence said, 0 none */
};

/* The stats of c's last turn; -1 if c is not an LLM brain call. */
int brain_llm_stats(const struct brain_call *c, struct llm_turn_stats *out);

#endif
