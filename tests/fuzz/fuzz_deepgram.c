/*
 * fuzz_deepgram.c - Deepgram's streaming messages as stt-worker's Deepgram
 * engine reads them (stt-worker/stt_deepgram_events.c dg_on_message),
 * one message per input line, NUL-terminated the way the engine's
 * receive buffer is.  The queued events are delivered through the same
 * two functions the engine's threads use; speech_started/stopped and
 * results must come in order (no stop without a start, finals only
 * after a start).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stt-worker/stt_deepgram.h"
#include "fuzz.h"

static struct dg_eng eng;
static int open_utt; /* started delivered, stopped not yet */

static void
on_started(void *arg, uint32_t at_ms)
{
	(void)arg;
	(void)at_ms;
	open_utt = 1;
}

static void
on_stopped(void *arg, uint32_t at_ms, uint32_t dur_ms)
{
	(void)arg;
	if (dur_ms > at_ms)
		abort(); /* the utterance would start before 0 */
	open_utt = 0;
}

static void
on_result(void *arg, const struct stt_result *r)
{
	(void)arg;
	if (r->text == NULL || r->end_ms < r->start_ms)
		abort();
}

static const struct stt_events events = {on_started, on_stopped, on_result};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct lws_context_creation_info info;

	(void)argc;
	(void)argv;
	fd_log_level = LOG_LVL_DEBUG;
	lws_set_log_level(0, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	/* the feed thread wakes the service thread through the context */
	if ((eng.ctx = lws_create_context(&info)) == NULL)
		abort();
	pthread_mutex_init(&eng.mu, NULL);
	eng.endpointing = 300;
	eng.utterance_end_ms = 1000;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dg_stream *s;
	const uint8_t *p = data, *end = data + size, *nl;
	char *msg;
	size_t n;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return 0;
	s->e = &eng;
	s->ev = &events;
	snprintf(s->call, sizeof(s->call), "CAfuzz");
	pthread_mutex_init(&s->cb_mu, NULL);
	s->fed = 8000 * 60; /* a minute of audio fed so far */
	open_utt = 0;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		if ((msg = malloc(n + 1)) == NULL)
			break;
		memcpy(msg, p, n);
		msg[n] = '\0';
		dg_on_message(s, msg, n);
		free(msg);
		dg_deliver_feed_events(s);
		dg_deliver_results(s);
		p += n + (nl != NULL);
	}
	dg_queue_clear(s);
	free(s->pending);
	pthread_mutex_destroy(&s->cb_mu);
	free(s);
	return 0;
}
