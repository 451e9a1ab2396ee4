/*
 * llm_peer_util.h - tests only: start tests/peers/openai_peer.py (the local
 * server speaking OpenAI's Chat Completions SSE) and talk to its control
 * endpoints (/_script, /_reset, /_requests).  Used by brain_llm_test and
 * agent_e2e_test.
 */
#ifndef AGENT_LLM_PEER_UTIL_H
#define AGENT_LLM_PEER_UTIL_H

#include <sys/types.h>
#include <jansson.h>

/* Start the peer on a free port (found beside the test binary argv0 or by
 * $FD_OPENAI_PEER).  0 with *port and *pid, or -1. */
int llm_peer_start(const char *argv0, int *port, pid_t *pid);
void llm_peer_stop(pid_t pid);
/* GET (body NULL) or POST path; the JSON answer or NULL. */
json_t *llm_peer_call(int port, const char *path, const char *body);

#endif
