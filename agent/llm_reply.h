/*
 * llm_reply.h - one streamed Chat Completions response put back together:
 * the text, cut into sentences as soon as each one is complete (so the
 * first can be spoken while the model is still writing the rest), and
 * the tool calls, assembled by index from their fragments (id and name in
 * the first, arguments concatenated across the rest).  Fed the data of
 * each server-sent event; talks to no process itself.
 */
#ifndef AGENT_LLM_REPLY_H
#define AGENT_LLM_REPLY_H

#include <stddef.h>

#define LLM_MAX_CALLS 8 /* tool calls in one response */
#define LLM_MAX_ARGS (64 * 1024) /* arguments of one call */
#define LLM_SENTENCE_SOFT 160 /* then cut at a comma */

struct llm_toolcall {
	int index; /* the stream's index */
	char id[96];
	char name[72];
	char *args; /* concatenated, NUL-terminated */
	size_t args_len;
	int too_long; /* args over LLM_MAX_ARGS: dropped */
};

/* A complete sentence, trimmed and cleaned for speech. */
typedef void (*llm_sentence_fn)(void *arg, const char *sentence);

struct llm_reply {
	char *text; /* all content so far */
	size_t len, cap;
	size_t cut; /* text before this was sentenced */
	struct llm_toolcall calls[LLM_MAX_CALLS];
	int ncalls;
	char finish[24]; /* finish_reason, "" until given */
	int done; /* data: [DONE] */
	int chunks; /* chunks parsed */
	int bad_chunks; /* data that was not a chunk */
	int sentences; /* delivered */
	int first_content; /* some content has arrived */
	char error[256]; /* an error object in the stream */
	long prompt_tokens, completion_tokens;
	llm_sentence_fn on_sentence;
	void *arg;
};

void llm_reply_init(struct llm_reply *r, llm_sentence_fn fn, void *arg);
void llm_reply_free(struct llm_reply *r);
/* One event's data: a chunk, [DONE] or an error.  0, or -1 on memory. */
int llm_reply_feed(struct llm_reply *r, const char *data, size_t len);
/* Append content (what a chunk's delta.content does); sentences complete
 * in it are delivered at once. */
int llm_reply_text(struct llm_reply *r, const char *s, size_t n);
/* The stream ended normally: deliver what is left as a last sentence. */
void llm_reply_flush(struct llm_reply *r);
/* The stream finished (a finish_reason or [DONE] arrived). */
int llm_reply_complete(const struct llm_reply *r);

/* Length of the first complete sentence in s (0: none yet).  more: text
 * may still follow, so a stop at the very end is not yet a boundary. */
size_t llm_sentence_end(const char *s, size_t len, int more);
/* Make text speakable into out: markdown marks dropped, spaces folded,
 * trimmed. */
void llm_speakable(const char *s, size_t len, char *out, size_t outlen);

#endif
