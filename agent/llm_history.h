/*
 * llm_history.h - the conversation the LLM sees, and keeping it inside a
 * token budget.  Messages are Chat Completions objects (role user,
 * assistant with or without tool_calls, tool).  Trimming drops whole
 * turns, oldest first: a turn starts at a user message and holds every
 * assistant and tool message up to the next one, so an assistant's
 * tool_calls never lose their tool results.  The system prompt and the
 * call state are not stored here: the brain puts them in front of every
 * request, so they are never trimmed.  Talks to no process.
 */
#ifndef AGENT_LLM_HISTORY_H
#define AGENT_LLM_HISTORY_H

#include <stddef.h>
#include <jansson.h>

/* ~4 characters a token, plus a few for each message's framing. */
size_t llm_tokens_estimate(const json_t *msg);

/* Append a message (stolen); 0, or -1 on memory. */
int llm_history_add(json_t *hist, json_t *msg);
/* Drop the oldest turns until the history's estimate plus fixed (the
 * system and state messages) fits budget; the last turn is always kept.
 * Returns the number of messages dropped. */
size_t llm_history_trim(json_t *hist, size_t budget, size_t fixed);
/* The estimate of a whole array of messages. */
size_t llm_history_tokens(const json_t *hist);

#endif
