/*
 * llm_prompt.h - what the LLM is told besides the conversation: the
 * system prompt (persona with the AI disclosure, the business facts from
 * the config, the rules of the phone) and, before every request, a short
 * "call state" message built from the core's call_state: the time on the
 * call's clock, who the caller is and whether that is verified, the
 * booking being planned, what was booked.  Authorisation is not here:
 * crm-tools enforces it whatever the model is told.  Talks to no process.
 */
#ifndef AGENT_LLM_PROMPT_H
#define AGENT_LLM_PROMPT_H

#include <stddef.h>
#include <time.h>

#include "brain.h"

/* The system prompt for business b with extra (config, may be ""). */
char *llm_prompt_system(const struct fd_business *b, const char *extra);
/* The call state at now, as text; verified: verify_caller succeeded. */
char *llm_prompt_state(const struct call_state *st, const struct fd_business *b,
    time_t now, int verified);

#endif
