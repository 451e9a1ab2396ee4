/*
 * llm_http.h - one streaming HTTP POST to an OpenAI-compatible endpoint
 * with libcurl, run on the calling thread (the call's worker) through a
 * curl multi handle polled in short steps: each received byte goes to an
 * SSE parser at once (so a sentence is spoken as soon as it is complete),
 * and between steps a tick callback can speak a filler or abort the turn
 * at its deadline.  Also the retry policy's reading of the answer
 * (status, Retry-After).  Talks to the LLM vendor (or tests/peers/
 * openai_peer.py) over HTTP(S).
 */
#ifndef AGENT_LLM_HTTP_H
#define AGENT_LLM_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "llm_sse.h"

/* Between poll steps: nonzero means the deadline passed (the request is
 * abandoned as LLM_HTTP_TIMEOUT). */
typedef int (*llm_tick_fn)(void *arg);

struct llm_http {
	void *easy; /* CURL *, kept per call to reuse the
				 * connection between turns */
	void *multi; /* CURLM * */
};

struct llm_http_req {
	const char *url; /* .../chat/completions */
	const char *api_key; /* "" for none */
	const char *key_header; /* NULL or "": Authorization: Bearer <key>;
				 * else "<key_header>: <key>" (Azure's
				 * api-key) */
	const char *body;
	int connect_timeout_ms;
	uint64_t deadline_us; /* fd_mono_us() limit for the whole request */
	const char *call_id; /* for logs */
};

enum llm_http_status {
	LLM_HTTP_OK, /* 2xx and the transfer ended cleanly */
	LLM_HTTP_STATUS, /* non-2xx status: see status */
	LLM_HTTP_TRANSPORT, /* connect failure, reset, cut transfer */
	LLM_HTTP_TIMEOUT, /* the deadline passed (or the tick said so) */
	LLM_HTTP_ABORTED, /* the SSE consumer stopped it */
};

struct llm_http_res {
	enum llm_http_status st;
	long status; /* HTTP status, 0 if none */
	double retry_after_s; /* hint from retry-after(-ms), -1 if none */
	int should_retry; /* x-should-retry: 1 true, 0 false, -1 none */
	char error[256]; /* transport error or the error body's message */
	size_t body_bytes; /* bytes of the 2xx body received */
	uint64_t first_byte_us; /* fd_mono_us() of the first body byte */
};

int llm_http_global_init(void);
void llm_http_global_fini(void);
void llm_http_init(struct llm_http *h);
void llm_http_free(struct llm_http *h);
/* POST req->body; a 2xx body is fed to sse as it arrives.  Fills res;
 * returns 0 (even on HTTP errors; see res->st) or -1 if curl could not
 * start at all. */
int llm_http_post(struct llm_http *h, const struct llm_http_req *req,
    struct llm_sse *sse, llm_tick_fn tick, void *tick_arg,
    struct llm_http_res *res);
/* 1 if the failure is worth retrying (429, 408, 409, 5xx, transport). */
int llm_http_retryable(const struct llm_http_res *res);
/* Seconds from a Retry-After value: seconds (float) or an HTTP date; -1 if
 * unparsable. */
double llm_retry_after_parse(const char *v, time_t now);

#endif
