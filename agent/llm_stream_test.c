/*
 * llm_stream_test.c - the LLM brain's stream parsing: the SSE parser
 * with the byte stream cut at every possible place, sentences delivered
 * as soon as they are complete, and tool calls assembled from fragments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/llm_reply.h"
#include "agent/llm_sse.h"
#include "tests/harness/unit.h"

#define MAXEV 32

struct events {
	char ev[MAXEV][512];
	int n;
};

static int
collect(void *arg, const char *data, size_t len)
{
	struct events *e = arg;

	assert_int_equal(strlen(data), len);
	if (e->n < MAXEV)
		snprintf(e->ev[e->n++], sizeof(e->ev[0]), "%s", data);
	return 0;
}

static const char stream1[] = ": keep-alive\r\n"
                              "\r\n"
                              "data: {\"a\":1}\r\n"
                              "\r\n"
                              "event: ignored\n"
                              "id: 7\n"
                              "data:{\"b\":2}\n"
                              "\n"
                              "data: line one\n"
                              "data: line two\n"
                              "\n"
                              ": ping\r"
                              "\r"
                              "data: [DONE]\n"
                              "\n"
                              "data: cut off";

static void
check_stream1(const struct events *e, const struct llm_sse *p)
{
	assert_int_equal(e->n, 4);
	assert_string_equal(e->ev[0], "{\"a\":1}");
	assert_string_equal(e->ev[1], "{\"b\":2}");
	assert_string_equal(e->ev[2], "line one\nline two");
	assert_string_equal(e->ev[3], "[DONE]");
	assert_int_equal(p->comments, 2);
}

static void
test_sse_every_split(void **state)
{
	size_t n = strlen(stream1), k, m;
	struct llm_sse p;
	struct events e;

	(void)state;
	for (k = 0; k <= n; k++) {
		for (m = k; m <= n; m++) {
			memset(&e, 0, sizeof(e));
			llm_sse_init(&p, collect, &e);
			assert_int_equal(llm_sse_feed(&p, stream1, k), 0);
			assert_int_equal(
			    llm_sse_feed(&p, stream1 + k, m - k), 0);
			assert_int_equal(
			    llm_sse_feed(&p, stream1 + m, n - m), 0);
			check_stream1(&e, &p);
			llm_sse_free(&p);
		}
	}
	/* byte by byte */
	memset(&e, 0, sizeof(e));
	llm_sse_init(&p, collect, &e);
	for (k = 0; k < n; k++)
		assert_int_equal(llm_sse_feed(&p, stream1 + k, 1), 0);
	check_stream1(&e, &p);
	llm_sse_free(&p);
}

static int
stop_at_second(void *arg, const char *data, size_t len)
{
	int *n = arg;

	(void)data;
	(void)len;
	return ++*n == 2;
}

static void
test_sse_stop_and_reset(void **state)
{
	struct llm_sse p;
	int n = 0;

	(void)state;
	llm_sse_init(&p, stop_at_second, &n);
	assert_int_equal(
	    llm_sse_feed(&p, "data: 1\n\ndata: 2\n\ndata: 3\n\n", 27), -1);
	assert_int_equal(n, 2);
	llm_sse_reset(&p);
	assert_int_equal(llm_sse_feed(&p, "data: x", 7), 0);
	llm_sse_reset(&p); /* the half event is forgotten */
	assert_int_equal(llm_sse_feed(&p, "\n\n", 2), 0);
	assert_int_equal(n, 2);
	llm_sse_free(&p);
}

/* ---- sentences ---- */

struct said {
	char s[16][256];
	int n;
};

static void
on_sentence(void *arg, const char *s)
{
	struct said *sd = arg;

	if (sd->n < 16)
		snprintf(sd->s[sd->n++], sizeof(sd->s[0]), "%s", s);
}

static void
split_text(const char *text, size_t piece, struct said *sd)
{
	struct llm_reply r;
	size_t i, n = strlen(text);

	memset(sd, 0, sizeof(*sd));
	llm_reply_init(&r, on_sentence, sd);
	for (i = 0; i < n; i += piece)
		llm_reply_text(&r, text + i, n - i < piece ? n - i : piece);
	llm_reply_flush(&r);
	llm_reply_free(&r);
}

static void
test_sentences(void **state)
{
	struct said sd;
	size_t piece;

	(void)state;
	for (piece = 1; piece <= 9; piece++) {
		split_text(
		    "Sure! Dr. Lee can see you at 10 a.m. Does that work? "
		    "An oil change is $49.95. See you then",
		    piece, &sd);
		assert_int_equal(sd.n, 5);
		assert_string_equal(sd.s[0], "Sure!");
		assert_string_equal(sd.s[1], "Dr. Lee can see you at 10 a.m.");
		assert_string_equal(sd.s[2], "Does that work?");
		assert_string_equal(sd.s[3], "An oil change is $49.95.");
		assert_string_equal(sd.s[4], "See you then");
	}
	split_text("Really? yes.", 2, &sd);
	assert_int_equal(sd.n, 2);
	split_text("It takes approx. five minutes. **Great**\n- next", 3, &sd);
	assert_int_equal(sd.n, 3);
	assert_string_equal(sd.s[0], "It takes approx. five minutes.");
	assert_string_equal(sd.s[1], "Great");
	assert_string_equal(sd.s[2], "next");
}

static void
test_sentence_delivered_early(void **state)
{
	struct llm_reply r;
	struct said sd;

	(void)state;
	memset(&sd, 0, sizeof(sd));
	llm_reply_init(&r, on_sentence, &sd);
	llm_reply_text(&r, "Let me check", 12);
	llm_reply_text(&r, " that.", 6);
	assert_int_equal(sd.n, 0); /* "that." may be "that.5" */
	llm_reply_text(&r, " ", 1);
	assert_int_equal(sd.n, 1); /* spoken before the rest arrives */
	assert_string_equal(sd.s[0], "Let me check that.");
	llm_reply_text(&r, "One", 3);
	llm_reply_flush(&r);
	assert_int_equal(sd.n, 2);
	assert_string_equal(sd.s[1], "One");
	llm_reply_free(&r);
	/* a long sentence is cut at a comma so speech can start */
	memset(&sd, 0, sizeof(sd));
	llm_reply_init(&r, on_sentence, &sd);
	{
		const char *longs =
		    "We have openings on Monday at eight, nine "
		    "thirty, eleven, one fifteen and two, and on Tuesday at "
		    "eight thirty, ten, noon, one thirty, three and four "
		    "fifteen, and Wednesday";

		llm_reply_text(&r, longs, strlen(longs));
	}
	assert_true(sd.n >= 1);
	assert_true(strlen(sd.s[0]) > 0 && sd.s[0][strlen(sd.s[0]) - 1] == ',');
	llm_reply_free(&r);
}

/* ---- chunks and tool calls ---- */

static const char *const chunks[] = {
    "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
    "\"content\":\"\"},\"finish_reason\":null}]}",
    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Let me \"}}]}",
    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"look. \"}}]}",
    "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
    "\"id\":\"call_A\",\"type\":\"function\",\"function\":{\"name\":"
    "\"get_available_slots\",\"arguments\":\"\"}}]}}]}",
    "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
    "\"function\":{\"arguments\":\"{\\\"date\\\":\\\"2026-\"}}]}}]}",
    "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,"
    "\"id\":\"call_B\",\"type\":\"function\",\"function\":{\"name\":"
    "\"decode_vin\",\"arguments\":\"{\\\"vin\\\":\"}}]}}]}",
    "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
    "\"function\":{\"arguments\":\"11-24\\\",\\\"service\\\":\\\"oil "
    "change\\\"}\"}}]}}]}",
    "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,"
    "\"function\":{\"arguments\":\"\\\"1HGCM82633A004352\\\"}\"}}]}}]}",
    "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
    "\"tool_calls\"}]}",
    "{\"choices\":[],\"usage\":{\"prompt_tokens\":321,"
    "\"completion_tokens\":12,\"total_tokens\":333}}",
    "[DONE]",
    NULL,
};

static void
check_tools(const struct llm_reply *r, const struct said *sd)
{
	assert_int_equal(sd->n, 1);
	assert_string_equal(sd->s[0], "Let me look.");
	assert_int_equal(r->ncalls, 2);
	assert_string_equal(r->calls[0].id, "call_A");
	assert_string_equal(r->calls[0].name, "get_available_slots");
	assert_string_equal(r->calls[0].args,
	    "{\"date\":\"2026-11-24\","
	    "\"service\":\"oil change\"}");
	assert_string_equal(r->calls[1].id, "call_B");
	assert_string_equal(r->calls[1].name, "decode_vin");
	assert_string_equal(
	    r->calls[1].args, "{\"vin\":\"1HGCM82633A004352\"}");
	assert_string_equal(r->finish, "tool_calls");
	assert_true(r->done);
	assert_true(llm_reply_complete(r));
	assert_int_equal(r->prompt_tokens, 321);
}

static void
test_tool_calls_direct(void **state)
{
	struct llm_reply r;
	struct said sd;
	int i;

	(void)state;
	memset(&sd, 0, sizeof(sd));
	llm_reply_init(&r, on_sentence, &sd);
	for (i = 0; chunks[i]; i++)
		assert_int_equal(
		    llm_reply_feed(&r, chunks[i], strlen(chunks[i])), 0);
	llm_reply_flush(&r);
	check_tools(&r, &sd);
	llm_reply_free(&r);
}

static int
to_reply(void *arg, const char *data, size_t len)
{
	return llm_reply_feed(arg, data, len);
}

/* The same response as an SSE byte stream, cut at every place. */
static void
test_tool_calls_through_sse(void **state)
{
	char buf[4096];
	size_t n = 0, k;
	struct llm_sse p;
	struct llm_reply r;
	struct said sd;
	int i;

	(void)state;
	for (i = 0; chunks[i]; i++)
		n += (size_t)snprintf(
		    buf + n, sizeof(buf) - n, "data: %s\r\n\r\n", chunks[i]);
	for (k = 0; k <= n; k++) {
		memset(&sd, 0, sizeof(sd));
		llm_reply_init(&r, on_sentence, &sd);
		llm_sse_init(&p, to_reply, &r);
		assert_int_equal(llm_sse_feed(&p, buf, k), 0);
		assert_int_equal(llm_sse_feed(&p, buf + k, n - k), 0);
		llm_reply_flush(&r);
		check_tools(&r, &sd);
		llm_sse_free(&p);
		llm_reply_free(&r);
	}
}

static void
test_odd_chunks(void **state)
{
	struct llm_reply r;
	const char *e1 = "{\"error\":{\"message\":\"overloaded\",\"type\":"
	                 "\"server_error\",\"param\":null,\"code\":null}}";
	const char *noindex =
	    "{\"choices\":[{\"delta\":{\"tool_calls\":[{"
	    "\"id\":\"x1\",\"function\":{\"name\":\"end_call\",\"arguments\":"
	    "\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}";

	(void)state;
	llm_reply_init(&r, NULL, NULL);
	assert_int_equal(llm_reply_feed(&r, "not json", 8), 0);
	assert_int_equal(r.bad_chunks, 1);
	assert_false(llm_reply_complete(&r));
	assert_int_equal(llm_reply_feed(&r, e1, strlen(e1)), 0);
	assert_string_equal(r.error, "overloaded");
	llm_reply_free(&r);

	llm_reply_init(&r, NULL, NULL);
	assert_int_equal(llm_reply_feed(&r, noindex, strlen(noindex)), 0);
	assert_int_equal(r.ncalls, 1);
	assert_string_equal(r.calls[0].name, "end_call");
	assert_string_equal(r.calls[0].args, "{}");
	assert_true(llm_reply_complete(&r));
	llm_reply_free(&r);
}

UNIT_MAIN(NULL, NULL, cmocka_unit_test(test_sse_every_split),
    cmocka_unit_test(test_sse_stop_and_reset), cmocka_unit_test(test_sentences),
    cmocka_unit_test(test_sentence_delivered_early),
    cmocka_unit_test(test_tool_calls_direct),
    cmocka_unit_test(test_tool_calls_through_sse),
    cmocka_unit_test(test_odd_chunks), )
