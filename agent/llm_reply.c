/*
 * llm_reply.c - assembling one streamed response (see llm_reply.h).
 *
 * Sentences: a stop (. ! ?) ends a sentence when whitespace follows and
 * the next word does not start in lower case, and a "." after a title
 * (Dr, Mr, St..) or a single capital (an initial) does not.  A newline
 * ends one too.  A sentence running past LLM_SENTENCE_SOFT characters is
 * cut at its last comma so speech can start.  The boundary needs the
 * character after the stop, so a reply ending in "." is delivered by
 * llm_reply_flush when the stream finishes.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "llm_reply.h"

static const char *const titles[] = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "jr",
    "sr",
    "vs",
    "etc",
    "no",
    "approx",
    "ave",
    "blvd",
    "rd",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
    "mt",
    "ft",
    NULL,
};

void
llm_reply_init(struct llm_reply *r, llm_sentence_fn fn, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->on_sentence = fn;
	r->arg = arg;
}

void
llm_reply_free(struct llm_reply *r)
{
	int i;

	free(r->text);
	for (i = 0; i < r->ncalls; i++)
		free(r->calls[i].args);
	memset(r, 0, sizeof(*r));
}

int
llm_reply_complete(const struct llm_reply *r)
{
	return r->done || r->finish[0] != '\0';
}

/* The word before s[dot] is a title or an initial. */
static int
after_title(const char *s, size_t dot)
{
	size_t b = dot, n;
	char w[8];
	int i;

	while (b > 0 && (isalpha((unsigned char)s[b - 1]) || s[b - 1] == '.'))
		b--;
	n = dot - b;
	if (n == 0)
		return 0;
	if (n == 1 && isupper((unsigned char)s[b]))
		return 1;
	if (n >= sizeof(w))
		return 0;
	for (i = 0; i < (int)n; i++)
		w[i] = (char)tolower((unsigned char)s[b + (size_t)i]);
	w[n] = '\0';
	for (i = 0; titles[i]; i++)
		if (strcmp(w, titles[i]) == 0)
			return 1;
	return 0;
}

static int
closer(char ch)
{
	return ch == '"' || ch == '\'' || ch == ')' || ch == ']';
}

size_t
llm_sentence_end(const char *s, size_t len, int more)
{
	size_t i, j, k, comma = 0;
	int words = 0;

	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!isspace((unsigned char)ch))
			words = 1;
		if (ch == '\n' && words)
			return i + 1;
		if (ch == ',' || ch == ';')
			comma = i + 1;
		if (ch != '.' && ch != '!' && ch != '?')
			continue;
		j = i + 1;
		while (j < len &&
		    (s[j] == '.' || s[j] == '!' || s[j] == '?' || closer(s[j])))
			j++;
		if (j == len)
			return more ? 0 : j;
		if (!isspace((unsigned char)s[j]))
			continue; /* 49.95, a.m, 3.5 */
		for (k = j; k < len && isspace((unsigned char)s[k]); k++)
			;
		if (ch == '.' && k < len && islower((unsigned char)s[k]))
			continue; /* "approx. five" */
		if (ch == '.' && after_title(s, i)) {
			/* "Dr. Lee", but "at 10 a.m. Does" ends */
			if (k == len || !isupper((unsigned char)s[k]) ||
			    (i >= 1 && strncasecmp(s + i - 1, "m.", 2) != 0))
				continue;
		}
		return j;
	}
	if (more && len > LLM_SENTENCE_SOFT && comma > 0)
		return comma;
	return 0;
}

void
llm_speakable(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;
	int space = 1;

	if (outlen == 0)
		return;
	for (i = 0; i < len && o + 1 < outlen; i++) {
		char ch = s[i];

		if (ch == '*' || ch == '#' || ch == '`' || ch == '_')
			continue;
		if (isspace((unsigned char)ch)) {
			if (!space)
				out[o++] = ' ';
			space = 1;
			continue;
		}
		/* a list bullet at the start */
		if (o == 0 && (ch == '-' || ch == '>') && i + 1 < len &&
		    s[i + 1] == ' ')
			continue;
		out[o++] = ch;
		space = 0;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static void
deliver(struct llm_reply *r, size_t end)
{
	char buf[2048];
	size_t n = end - r->cut;

	llm_speakable(r->text + r->cut, n, buf, sizeof(buf));
	r->cut = end;
	if (buf[0] == '\0')
		return;
	r->sentences++;
	if (r->on_sentence)
		r->on_sentence(r->arg, buf);
}

int
llm_reply_text(struct llm_reply *r, const char *s, size_t n)
{
	size_t end;

	if (n == 0)
		return 0;
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 512;
		char *p;

		while (cap < r->len + n + 1)
			cap *= 2;
		if ((p = realloc(r->text, cap)) == NULL)
			return -1;
		r->text = p;
		r->cap = cap;
	}
	memcpy(r->text + r->len, s, n);
	r->len += n;
	r->text[r->len] = '\0';
	r->first_content = 1;
	while (
	    (end = llm_sentence_end(r->text + r->cut, r->len - r->cut, 1)) > 0)
		deliver(r, r->cut + end);
	return 0;
}

void
llm_reply_flush(struct llm_reply *r)
{
	size_t end;

	while (r->cut < r->len &&
	    (end = llm_sentence_end(r->text + r->cut, r->len - r->cut, 0)) > 0)
		deliver(r, r->cut + end);
	if (r->cut < r->len)
		deliver(r, r->len);
}

static struct llm_toolcall *
call_slot(struct llm_reply *r, int index)
{
	struct llm_toolcall *tc;
	int i;

	for (i = 0; i < r->ncalls; i++)
		if (r->calls[i].index == index)
			return &r->calls[i];
	if (r->ncalls >= LLM_MAX_CALLS)
		return NULL;
	tc = &r->calls[r->ncalls++];
	memset(tc, 0, sizeof(*tc));
	tc->index = index;
	if ((tc->args = calloc(1, 1)) == NULL) {
		r->ncalls--;
		return NULL;
	}
	return tc;
}

static void
append_str(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);

	if (n + 1 < cap)
		snprintf(dst + n, cap - n, "%s", s);
}

static int
tool_fragment(struct llm_reply *r, json_t *frag, size_t pos)
{
	struct llm_toolcall *tc;
	json_t *idx = json_object_get(frag, "index");
	json_t *fn = json_object_get(frag, "function");
	const char *id = json_string_value(json_object_get(frag, "id"));
	const char *name = json_string_value(json_object_get(fn, "name"));
	const char *args = json_string_value(json_object_get(fn, "arguments"));
	size_t n;
	char *p;

	tc = call_slot(
	    r, json_is_integer(idx) ? (int)json_integer_value(idx) : (int)pos);
	if (tc == NULL)
		return 0; /* too many calls: ignored */
	if (id && id[0] && tc->id[0] == '\0')
		snprintf(tc->id, sizeof(tc->id), "%s", id);
	/* the name comes whole in the first fragment; some servers repeat
	 * it, a few stream it in pieces */
	if (name && name[0] && strcmp(tc->name, name) != 0)
		append_str(tc->name, sizeof(tc->name), name);
	if (args == NULL || (n = strlen(args)) == 0 || tc->too_long)
		return 0;
	if (tc->args_len + n > LLM_MAX_ARGS) {
		tc->too_long = 1;
		return 0;
	}
	if ((p = realloc(tc->args, tc->args_len + n + 1)) == NULL)
		return -1;
	memcpy(p + tc->args_len, args, n + 1);
	tc->args = p;
	tc->args_len += n;
	return 0;
}

int
llm_reply_feed(struct llm_reply *r, const char *data, size_t len)
{
	json_t *j, *ch, *delta, *tcs, *frag, *usage, *err;
	const char *s;
	size_t i;
	int rv = 0;

	if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		r->done = 1;
		return 0;
	}
	if ((j = json_loadb(data, len, 0, NULL)) == NULL ||
	    !json_is_object(j)) {
		json_decref(j);
		r->bad_chunks++;
		return 0;
	}
	r->chunks++;
	if ((err = json_object_get(j, "error")) != NULL && !json_is_null(err)) {
		s = json_string_value(json_object_get(err, "message"));
		snprintf(r->error, sizeof(r->error), "%s",
		    s                         ? s
		        : json_is_string(err) ? json_string_value(err)
		                              : "error");
	}
	if ((usage = json_object_get(j, "usage")) != NULL &&
	    json_is_object(usage)) {
		r->prompt_tokens = (long)json_integer_value(
		    json_object_get(usage, "prompt_tokens"));
		r->completion_tokens = (long)json_integer_value(
		    json_object_get(usage, "completion_tokens"));
	}
	ch = json_array_get(json_object_get(j, "choices"), 0);
	delta = json_object_get(ch, "delta");
	if ((s = json_string_value(json_object_get(delta, "content"))) != NULL)
		rv = llm_reply_text(r, s, strlen(s));
	tcs = json_object_get(delta, "tool_calls");
	json_array_foreach(tcs, i, frag) if (rv == 0 && json_is_object(frag))
	    rv = tool_fragment(r, frag, i);
	if ((s = json_string_value(json_object_get(ch, "finish_reason"))) !=
	    NULL)
		snprintf(r->finish, sizeof(r->finish), "%s", s);
	json_decref(j);
	return rv;
}
