/*
 * llm_sse.c - server-sent events, parsed byte by byte so a chunk may end
 * anywhere: in a field name, in a value, between CR and LF.  Only the
 * "data" field matters to the LLM brain; "event", "id" and "retry" are
 * read and ignored, comments are counted (keep-alives).  An event is
 * delivered on the blank line that ends it; an event cut off by the end
 * of the stream is never delivered (the caller sees no [DONE] and treats
 * the stream as truncated).
 */
#include <stdlib.h>
#include <string.h>

#include "llm_sse.h"

static int
grow(char **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 256;
	char *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if ((p = realloc(*buf, n)) == NULL)
		return -1;
	*buf = p;
	*cap = n;
	return 0;
}

void
llm_sse_init(struct llm_sse *p, llm_sse_event_fn fn, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->fn = fn;
	p->arg = arg;
}

void
llm_sse_reset(struct llm_sse *p)
{
	p->linelen = 0;
	p->datalen = 0;
	p->have_data = 0;
	p->skip_lf = 0;
	p->overflow = 0;
	p->stopped = 0;
}

void
llm_sse_free(struct llm_sse *p)
{
	free(p->line);
	free(p->data);
	p->line = p->data = NULL;
	p->linecap = p->datacap = 0;
	llm_sse_reset(p);
}

static int
dispatch(struct llm_sse *p)
{
	if (p->have_data && !p->overflow) {
		if (p->datalen > 0) /* the last data line's "\n" */
			p->datalen--;
		p->data[p->datalen] = '\0';
		p->events++;
		if (p->fn(p->arg, p->data, p->datalen) != 0)
			p->stopped = 1;
	}
	p->datalen = 0;
	p->have_data = 0;
	p->overflow = 0;
	return 0;
}

/* One whole line (without its end), NUL-terminated in p->line. */
static int
line(struct llm_sse *p)
{
	char *v, *colon;
	size_t vlen;

	if (p->linelen == 0)
		return dispatch(p);
	if (p->line[0] == ':') {
		p->comments++;
		return 0;
	}
	if ((colon = memchr(p->line, ':', p->linelen)) != NULL) {
		*colon = '\0';
		v = colon + 1;
		if (*v == ' ')
			v++;
	} else {
		v = p->line + p->linelen;
	}
	if (strcmp(p->line, "data") != 0)
		return 0; /* event, id, retry: not used */
	vlen = strlen(v);
	p->have_data = 1;
	if (p->overflow || p->datalen + vlen + 2 > LLM_SSE_MAX_EVENT) {
		p->overflow = 1;
		return 0;
	}
	if (grow(&p->data, &p->datacap, p->datalen + vlen + 2) != 0)
		return -1;
	memcpy(p->data + p->datalen, v, vlen);
	p->datalen += vlen;
	p->data[p->datalen++] = '\n';
	return 0;
}

int
llm_sse_feed(struct llm_sse *p, const char *buf, size_t len)
{
	size_t i;
	char ch;

	for (i = 0; i < len; i++) {
		if (p->stopped)
			return -1;
		ch = buf[i];
		if (ch == '\n' && p->skip_lf) {
			p->skip_lf = 0;
			continue;
		}
		p->skip_lf = 0;
		if (ch == '\r' || ch == '\n') {
			p->skip_lf = ch == '\r';
			if (grow(&p->line, &p->linecap, p->linelen + 1) != 0)
				return -1;
			p->line[p->linelen] = '\0';
			if (line(p) != 0)
				return -1;
			p->linelen = 0;
			continue;
		}
		if (p->linelen + 2 > LLM_SSE_MAX_EVENT) {
			p->overflow = 1; /* keep reading to the line end */
			continue;
		}
		if (grow(&p->line, &p->linecap, p->linelen + 2) != 0)
			return -1;
		p->line[p->linelen++] = ch;
	}
	return p->stopped ? -1 : 0;
}
