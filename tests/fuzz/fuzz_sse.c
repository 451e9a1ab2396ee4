/*
 * fuzz_sse.c - a streamed LLM reply as the LLM brain reads it: bytes cut
 * into chunks anywhere go through the server-sent events parser
 * (agent/llm_sse.c), and each event's data through the Chat Completions
 * chunk reader that assembles sentences and tool calls (agent/llm_reply.c).
 * The first byte chooses the chunk size.  Every sentence delivered must
 * be a NUL-terminated string, every tool call's arguments as long as said.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/llm_reply.h"
#include "agent/llm_sse.h"
#include "fuzz.h"

static void
on_sentence(void *arg, const char *sentence)
{
	size_t *total = arg;

	*total += strlen(sentence);
}

static int
on_event(void *arg, const char *data, size_t len)
{
	struct llm_reply *r = arg;

	if (data[len] != '\0')
		abort();
	return llm_reply_feed(r, data, len) == 0 ? 0 : 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct llm_sse p;
	struct llm_reply r;
	size_t total = 0, off, step, n;
	char *buf;
	int i;

	if (size == 0)
		return 0;
	step = (size_t)(data[0] % 64) + 1;
	data++;
	size--;
	llm_reply_init(&r, on_sentence, &total);
	llm_sse_init(&p, on_event, &r);
	for (off = 0; off < size; off += n) {
		n = size - off < step ? size - off : step;
		/* each chunk in its own buffer of exactly n bytes */
		if ((buf = malloc(n)) == NULL)
			break;
		memcpy(buf, data + off, n);
		i = llm_sse_feed(&p, buf, n);
		free(buf);
		if (i != 0)
			break;
	}
	llm_reply_flush(&r);
	(void)llm_reply_complete(&r);
	for (i = 0; i < r.ncalls; i++)
		if (r.calls[i].args &&
		    strlen(r.calls[i].args) > r.calls[i].args_len)
			abort();
	llm_sse_free(&p);
	llm_reply_free(&r);
	return 0;
}
