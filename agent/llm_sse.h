/*
 * llm_sse.h - an incremental parser for text/event-stream (server-sent
 * events) as the LLM vendor streams them: bytes arrive in chunks cut
 * anywhere (inside a line, inside a CRLF), "data:" lines of one event are
 * joined with "\n", ":" lines are keep-alive comments, and a blank line
 * delivers the event.  Used by the LLM brain's HTTP layer; talks to no
 * process itself.
 */
#ifndef AGENT_LLM_SSE_H
#define AGENT_LLM_SSE_H

#include <stddef.h>

#define LLM_SSE_MAX_EVENT (1u << 20) /* a longer event is dropped */

/* One complete event's data (NUL-terminated, len without the NUL).
 * Returns 0 to go on, nonzero to stop the parser (sticky). */
typedef int (*llm_sse_event_fn)(void *arg, const char *data, size_t len);

struct llm_sse {
	char *line; /* the line being received */
	size_t linelen, linecap;
	char *data; /* data of the event being received */
	size_t datalen, datacap;
	int have_data; /* a data: field was seen (even empty) */
	int skip_lf; /* last byte was CR: a following LF ends nothing */
	int overflow; /* current event too long: being dropped */
	int stopped; /* the callback asked to stop */
	unsigned long events; /* delivered */
	unsigned long comments; /* keep-alives seen */
	llm_sse_event_fn fn;
	void *arg;
};

void llm_sse_init(struct llm_sse *p, llm_sse_event_fn fn, void *arg);
/* Feed len bytes; -1 on out of memory or after the callback stopped. */
int llm_sse_feed(struct llm_sse *p, const char *buf, size_t len);
/* Forget a partly received event (a new response starts). */
void llm_sse_reset(struct llm_sse *p);
void llm_sse_free(struct llm_sse *p);

#endif
