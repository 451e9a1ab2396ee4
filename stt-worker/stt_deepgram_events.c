/*
 * stt_deepgram_events.c - Deepgram's streaming messages turned into what
 * stt-worker hears (stt_events): Results / SpeechStarted / UtteranceEnd
 * -> speech_started, interim results, is_final pieces joined into one
 * final per turn (ended by speech_final, UtteranceEnd or Finalize),
 * speech_stopped.  Times are moved from the connection's clock to the
 * stream's; settled audio (is_final start + duration) is released from the
 * resend ring.  Events wait in one ordered queue: speech_started /
 * speech_stopped are taken by the thread that calls feed, results by the
 * engine's service thread (stt_engine.h).  Part of the Deepgram engine;
 * talks to no process itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "clock.h"
#include "log.h"
#include "stt_deepgram.h"

static void on_results(struct dg_stream *s, json_t *j);
static void finish_utterance(struct dg_stream *s, const char *why);
static void push(struct dg_stream *s, enum qtype t, uint32_t a, uint32_t b,
    const struct stt_result *r);
static uint64_t arrival_at(struct dg_stream *s, uint64_t off);
static uint32_t conn_ms(const struct dg_stream *s, double sec);
static double dg_secs(const json_t *v);

void
dg_on_message(struct dg_stream *s, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *j;
	const char *type;
	double ts;

	if ((j = json_loadb(buf, len, 0, &jerr)) == NULL ||
	    !json_is_object(j)) {
		log_warnx(s->call,
		    "deepgram: ignoring a message that is not a "
		    "JSON object: %.*s",
		    len > 80 ? 80 : (int)len, buf);
		json_decref(j);
		return;
	}
	type = json_string_value(json_object_get(j, "type"));
	if (type == NULL) {
		log_warnx(
		    s->call, "deepgram: message without a type: %.80s", buf);
	} else if (strcmp(type, "Results") == 0) {
		on_results(s, j);
	} else if (strcmp(type, "SpeechStarted") == 0) {
		ts = dg_secs(json_object_get(j, "timestamp"));
		if (!s->utt_open) {
			s->utt_open = 1;
			s->utt_start_ms = conn_ms(s, ts);
			s->utt_end_ms = s->utt_start_ms;
			s->utt_end_off = 0;
			push(s, Q_STARTED, s->utt_start_ms, 0, NULL);
		}
	} else if (strcmp(type, "UtteranceEnd") == 0) {
		finish_utterance(s, "UtteranceEnd");
	} else if (strcmp(type, "Metadata") == 0) {
		log_debug(s->call, "deepgram: metadata request_id %s",
		    json_string_value(json_object_get(j, "request_id")));
	} else if (strcasecmp(type, "Error") == 0 ||
	    json_object_get(j, "error_code") ||
	    json_object_get(j, "err_code")) {
		log_err(s->call, "deepgram: error message: %.200s", buf);
	} else {
		log_debug(s->call, "deepgram: ignoring message type %s", type);
	}
	json_decref(j);
	dg_deliver_results(s);
}

static void
on_results(struct dg_stream *s, json_t *j)
{
	struct dg_eng *e = s->e;
	struct stt_result r;
	json_t *alt, *words, *w;
	const char *text;
	double start, dur, conf, wstart = -1, wend = -1;
	int is_final, speech_final, from_fin;
	uint64_t cover;
	char *joined;
	size_t nw;

	alt = json_array_get(
	    json_object_get(json_object_get(j, "channel"), "alternatives"), 0);
	text = json_string_value(json_object_get(alt, "transcript"));
	start = dg_secs(json_object_get(j, "start"));
	dur = dg_secs(json_object_get(j, "duration"));
	if (alt == NULL || text == NULL || start < 0 || dur < 0) {
		log_warnx(s->call,
		    "deepgram: Results without channel."
		    "alternatives[0].transcript ignored");
		return;
	}
	conf = json_number_value(json_object_get(alt, "confidence"));
	is_final = json_is_true(json_object_get(j, "is_final"));
	speech_final = json_is_true(json_object_get(j, "speech_final"));
	from_fin = json_is_true(json_object_get(j, "from_finalize"));
	words = json_object_get(alt, "words");
	if ((nw = json_array_size(words)) > 0) {
		wstart =
		    dg_secs(json_object_get(json_array_get(words, 0), "start"));
		w = json_array_get(words, nw - 1);
		wend = dg_secs(json_object_get(w, "end"));
	}
	if (text[0] && !s->utt_open) {
		/* words without a SpeechStarted (vad_events missed it) */
		s->utt_open = 1;
		s->utt_start_ms = conn_ms(s, wstart >= 0 ? wstart : start);
		s->utt_end_ms = s->utt_start_ms;
		s->utt_end_off = 0;
		push(s, Q_STARTED, s->utt_start_ms, 0, NULL);
	}
	if (text[0]) {
		double end_s = wend >= 0 ? wend : start + dur;
		s->utt_end_ms = conn_ms(s, end_s);
		/* words timed before the result's start (a vendor slip) must
		 * not make an interim that ends before it begins */
		if (s->utt_end_ms < s->utt_start_ms)
			s->utt_end_ms = s->utt_start_ms;
		s->utt_end_off = s->conn_base + (uint64_t)(end_s * RATE + 0.5);
	}
	if (!is_final) {
		if (!s->utt_open || (text[0] == '\0' && s->pending == NULL))
			return;
		if (asprintf(&joined, "%s%s%s", s->pending ? s->pending : "",
		        s->pending && text[0] ? " " : "", text) < 0)
			return;
		memset(&r, 0, sizeof(r));
		r.text = joined;
		r.final = 0;
		r.confidence = conf;
		r.start_ms = s->utt_start_ms;
		r.end_ms = s->utt_end_ms;
		push(s, Q_RESULT, 0, 0, &r);
		free(joined);
		return;
	}
	/* is_final: that span is settled; its audio need not be sent again */
	cover = s->conn_base + (uint64_t)((start + dur) * RATE + 0.5);
	pthread_mutex_lock(&e->mu);
	if (cover > s->fed)
		cover = s->fed;
	if (cover > s->ring_base)
		s->ring_base = cover;
	pthread_mutex_unlock(&e->mu);
	if (text[0]) {
		if (asprintf(&joined, "%s%s%s", s->pending ? s->pending : "",
		        s->pending ? " " : "", text) < 0)
			return;
		free(s->pending);
		s->pending = joined;
		s->conf_sum += conf;
		s->conf_n++;
	}
	if (speech_final || from_fin)
		finish_utterance(s, speech_final ? "speech_final" : "Finalize");
	else if (s->utt_open && s->pending == NULL &&
	    conn_ms(s, start + dur) > s->utt_start_ms +
	            (uint32_t)e->utterance_end_ms + (uint32_t)e->endpointing)
		finish_utterance(s, "no words"); /* noise, not speech */
}

/* The open utterance ends: speech_stopped, then its one final result. */
static void
finish_utterance(struct dg_stream *s, const char *why)
{
	struct stt_result r;
	uint64_t end_us;

	if (!s->utt_open && s->pending == NULL)
		return;
	if (!s->utt_open) {
		s->utt_open = 1;
		push(s, Q_STARTED, s->utt_start_ms, 0, NULL);
	}
	pthread_mutex_lock(&s->e->mu);
	end_us = arrival_at(s, s->utt_end_off);
	pthread_mutex_unlock(&s->e->mu);
	if (s->utt_end_ms < s->utt_start_ms)
		s->utt_end_ms = s->utt_start_ms;
	push(
	    s, Q_STOPPED, s->utt_end_ms, s->utt_end_ms - s->utt_start_ms, NULL);
	memset(&r, 0, sizeof(r));
	r.text = s->pending ? s->pending : "";
	r.final = 1;
	r.confidence = s->conf_n ? s->conf_sum / s->conf_n : 0;
	r.start_ms = s->utt_start_ms;
	r.end_ms = s->utt_end_ms;
	r.speech_end_us = end_us;
	push(s, Q_RESULT, 0, 0, &r);
	log_debug(s->call, "deepgram: final (%s) %u-%u ms: %s", why, r.start_ms,
	    r.end_ms, r.text);
	free(s->pending);
	s->pending = NULL;
	s->conf_sum = 0;
	s->conf_n = 0;
	s->utt_open = 0;
}

/* ---- the ordered event queue ---- */

static void
push(struct dg_stream *s, enum qtype t, uint32_t a, uint32_t b,
    const struct stt_result *r)
{
	struct dg_eng *e = s->e;
	struct qev *q;
	char *text = NULL;

	if (r && (text = strdup(r->text)) == NULL)
		return;
	pthread_mutex_lock(&e->mu);
	if (s->closing) {
		pthread_mutex_unlock(&e->mu);
		free(text);
		return;
	}
	/* a newer interim replaces one nobody has seen yet */
	if (t == Q_RESULT && !r->final && s->qt && s->qt->t == Q_RESULT &&
	    !s->qt->r.final) {
		free(s->qt->text);
		s->qt->text = text;
		s->qt->r = *r;
		s->qt->r.text = text;
		pthread_mutex_unlock(&e->mu);
		return;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		pthread_mutex_unlock(&e->mu);
		free(text);
		return;
	}
	q->t = t;
	q->a = a;
	q->b = b;
	q->queued_us = fd_mono_us();
	if (r) {
		q->r = *r;
		q->text = text;
		q->r.text = text;
	}
	if (s->qt)
		s->qt->next = q;
	else
		s->qh = q;
	s->qt = q;
	pthread_mutex_unlock(&e->mu);
}

/* Service thread: results at the head of the queue, or every result if
 * the feed thread has not come by for HOLD_MAX_US (audio stopped). */
void
dg_deliver_results(struct dg_stream *s)
{
	struct dg_eng *e = s->e;
	struct qev *q, *t, **qp;
	uint64_t now = fd_mono_us();

	for (;;) {
		pthread_mutex_lock(&e->mu);
		q = NULL;
		for (qp = &s->qh; *qp; qp = &(*qp)->next) {
			if ((*qp)->t == Q_RESULT) {
				q = *qp;
				break;
			}
			if (now - (*qp)->queued_us < HOLD_MAX_US)
				break;
		}
		if (q) {
			*qp = q->next;
			s->qt = NULL;
			for (t = s->qh; t; t = t->next)
				s->qt = t;
		}
		pthread_mutex_unlock(&e->mu);
		if (q == NULL)
			break;
		pthread_mutex_lock(&s->cb_mu);
		if (!s->detached && s->ev && s->ev->result)
			s->ev->result(s->arg, &q->r);
		pthread_mutex_unlock(&s->cb_mu);
		free(q->text);
		free(q);
	}
}

/* Feed thread: speech_started / speech_stopped at the head of the queue;
 * then wake the service thread if a result is next in line. */
void
dg_deliver_feed_events(struct dg_stream *s)
{
	struct dg_eng *e = s->e;
	struct qev *q;
	int wake = 0;

	for (;;) {
		pthread_mutex_lock(&e->mu);
		if ((q = s->qh) != NULL && q->t != Q_RESULT) {
			s->qh = q->next;
			if (s->qh == NULL)
				s->qt = NULL;
		} else {
			wake = q != NULL;
			q = NULL;
		}
		pthread_mutex_unlock(&e->mu);
		if (q == NULL)
			break;
		pthread_mutex_lock(&s->cb_mu);
		if (!s->detached && q->t == Q_STARTED && s->ev->speech_started)
			s->ev->speech_started(s->arg, q->a);
		else if (!s->detached && q->t == Q_STOPPED &&
		    s->ev->speech_stopped)
			s->ev->speech_stopped(s->arg, q->a, q->b);
		pthread_mutex_unlock(&s->cb_mu);
		free(q);
	}
	if (wake)
		lws_cancel_service(e->ctx);
}

void
dg_queue_clear(struct dg_stream *s)
{
	struct qev *q;

	while ((q = s->qh) != NULL) {
		s->qh = q->next;
		free(q->text);
		free(q);
	}
	s->qt = NULL;
}

/* Under e->mu: when the byte at stream offset off arrived (0 if unknown). */
static uint64_t
arrival_at(struct dg_stream *s, uint64_t off)
{
	unsigned i, k;

	for (k = 0; k < s->arr_n; k++) {
		i = (s->arr_head + ARRIVALS - 1 - k) % ARRIVALS;
		if (s->arr[i].off <= off)
			return s->arr[i].us;
	}
	return s->arr_n
	    ? s->arr[(s->arr_head + ARRIVALS - s->arr_n) % ARRIVALS].us
	    : 0;
}

/* Seconds on this connection's clock -> ms on the stream's clock. */
static uint32_t
conn_ms(const struct dg_stream *s, double sec)
{
	if (sec < 0)
		sec = 0;
	return (uint32_t)(s->conn_base * 1000 / RATE) +
	    (uint32_t)(sec * 1000 + 0.5);
}

/* A time from Deepgram in seconds, at most DG_MAX_SEC: a larger one (a
 * vendor slip) would overflow the milliseconds and stream offsets made
 * from it.  Negative values are kept: the callers refuse or clamp them. */
#define DG_MAX_SEC 86400.0

static double
dg_secs(const json_t *v)
{
	double sec = json_number_value(v);

	return sec > DG_MAX_SEC ? DG_MAX_SEC : sec;
}
