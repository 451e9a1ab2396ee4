/*
 * stt_bench_stream.c - endpointing delay through the streaming engine
 * (see stt_bench_stream.h).  Each clip is sent as a call would send it:
 * 300 ms of line silence, the utterance, 1.5 s of silence, one 20 ms
 * mu-law frame every 20 ms.  The delay is from the arrival of the last
 * voiced frame (speech_end_us) to the final transcript.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "mulaw.h"
#include "bench/stt_bench_stream.h"
#include "stt-worker/stt_engine.h"

struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int final;
	char text[512];
	uint64_t speech_end_us, final_us, started_us;
	uint32_t started_at;
};

static void
started(void *arg, uint32_t at)
{
	struct waiter *w = arg;

	pthread_mutex_lock(&w->mu);
	if (w->started_us == 0) {
		w->started_us = fd_mono_us();
		w->started_at = at;
	}
	pthread_mutex_unlock(&w->mu);
}

static void
stopped(void *arg, uint32_t at, uint32_t dur)
{
	(void)arg;
	(void)at;
	(void)dur;
}

static void
result(void *arg, const struct stt_result *r)
{
	struct waiter *w = arg;

	if (!r->final)
		return;
	pthread_mutex_lock(&w->mu);
	if (!w->final) {
		w->final = 1;
		w->final_us = fd_mono_us();
		w->speech_end_us = r->speech_end_us;
		snprintf(w->text, sizeof(w->text), "%s", r->text);
	}
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static const struct stt_events events = {started, stopped, result};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

json_t *
bench_stream(const config_t *cfg, const struct bench_clip *clips, size_t n,
    const char *hint)
{
	const struct stt_engine_ops *ops = stt_engine_find("pocketsphinx");
	double *delay = calloc(n ? n : 1, sizeof(double)), sum = 0, onset = 0;
	size_t i, k, errs = 0, words = 0, nref, done = 0;
	char err[256];
	void *eng;

	if (delay == NULL || ops->init(cfg, &eng, err, sizeof(err)) != 0) {
		free(delay);
		return json_pack("{s:s}", "error", err);
	}
	for (i = 0; i < n; i++) {
		size_t lead = 2400, tail = 12000,
		       total = lead + clips[i].n + tail, off;
		uint8_t *u = malloc(total);
		struct waiter w;
		struct timespec ts;
		uint64_t t0;
		void *st;

		if (u == NULL)
			break;
		memset(&w, 0, sizeof(w));
		pthread_mutex_init(&w.mu, NULL);
		pthread_cond_init(&w.cv, NULL);
		memset(u, FD_ULAW_SILENCE, total);
		for (k = 0; k < clips[i].n; k++)
			u[lead + k] = fd_ulaw_encode(clips[i].pcm[k]);
		st = ops->stream_open(eng, "CAbench", &events, &w);
		if (st && hint)
			ops->hint(st, hint, NULL, 0);
		t0 = fd_mono_us();
		for (off = 0; off + FD_FRAME_SAMPLES <= total && st;
		     off += FD_FRAME_SAMPLES) {
			uint64_t due = t0 + off * 125, now = fd_mono_us();
			if (due > now)
				fd_sleep_us(due - now);
			ops->feed(st, u + off, FD_FRAME_SAMPLES, fd_mono_us());
			pthread_mutex_lock(&w.mu);
			k = (size_t)w.final;
			pthread_mutex_unlock(&w.mu);
			if (k)
				break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 10;
		pthread_mutex_lock(&w.mu);
		while (!w.final)
			if (pthread_cond_timedwait(&w.cv, &w.mu, &ts))
				break;
		pthread_mutex_unlock(&w.mu);
		if (w.final && w.speech_end_us) {
			delay[done] = (w.final_us - w.speech_end_us) / 1000.0;
			sum += delay[done++];
			/* the onset frame has fully arrived 20 ms after at */
			onset += ((double)w.started_us - (double)t0) / 1000.0 -
			    (w.started_at + 20);
			errs += wer_errors(clips[i].ref, w.text, &nref);
			words += nref;
		}
		if (st)
			ops->stream_close(st);
		pthread_mutex_destroy(&w.mu);
		pthread_cond_destroy(&w.cv);
		free(u);
	}
	ops->fini(eng);
	qsort(delay, done, sizeof(double), cmp_double);
	{
		json_t *r = json_pack("{s:i,s:f,s:f,s:f,s:f,s:f}", "utterances",
		    (int)done, "final_after_speech_end_ms_mean",
		    done ? sum / done : 0.0, "p50_ms",
		    done ? delay[done / 2] : 0.0, "max_ms",
		    done ? delay[done - 1] : 0.0, "streamed_wer",
		    words ? (double)errs / words : 0.0,
		    "speech_started_after_onset_frame_ms",
		    done ? onset / done : 0.0);
		free(delay);
		return r;
	}
}
