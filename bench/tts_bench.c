/*
 * tts-bench - how fast tts-worker's engine path is, as JSON on stdout:
 * time to first audio frame for a short sentence (split, normalise,
 * synthesise, trim, frame: what tts-worker does before it publishes) as
 * p50/p95 over N runs per voice, and the real-time factor (synthesis time
 * / audio time) per voice on a longer reply.  Talks to no process.
 *   tts-bench [-n runs] [-e engine] [-f config]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "speech/tts_engine.h"
#include "speech/tts_normalize.h"
#include "speech/tts_pipe.h"
#include "speech/tts_split.h"

#define SHORT "Thank you for calling Otto's Auto."
#define LONG                                                                   \
	"Sure, I can help with that. We have an opening on "                   \
	"2026-11-24 at 10:30 am with Dr. Smith, and the oil change is "        \
	"$49.95. "                                                             \
	"If anything changes, call us at 555-555-0100 and give your "          \
	"confirmation code FD-7K2Q."

struct timing {
	uint64_t t0;
	uint64_t first_us; /* first frame, relative to t0 */
	uint64_t frames;
};

static int
on_frame(void *arg, const uint8_t *ulaw, size_t n)
{
	struct timing *t = arg;

	(void)ulaw;
	(void)n;
	if (t->frames++ == 0)
		t->first_us = fd_mono_us() - t->t0;
	return 0;
}

static int
on_pcm(void *arg, const int16_t *pcm, size_t n)
{
	return tts_pipe_push(arg, pcm, n);
}

/* Speak text the way tts-worker would; frames and first-frame time in t. */
static int
speak(const struct tts_engine_ops *ops, void *eng, const char *voice,
    const char *text, struct timing *t)
{
	static struct tts_pipe pipe;
	struct tts_splitter sp;
	char *seg, norm[2048], err[256];
	int rc = 0;

	t->t0 = fd_mono_us();
	t->first_us = 0;
	t->frames = 0;
	tts_split_init(&sp);
	tts_split_feed(&sp, text);
	while (rc == 0 && (seg = tts_split_next(&sp, 1)) != NULL) {
		tts_normalize(NULL, seg, norm, sizeof(norm));
		free(seg);
		tts_pipe_init(&pipe, on_frame, t);
		if ((rc = ops->synth(eng, voice, norm, on_pcm, &pipe, err,
		         sizeof(err))) == 0)
			tts_pipe_finish(&pipe);
		else
			fprintf(stderr, "tts-bench: %s\n", err);
	}
	tts_split_free(&sp);
	return rc;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static const char *const voices[] = {"slt", "kal", "awb", "rms"};
	const struct tts_engine_ops *ops;
	const char *engine = "flite", *file = NULL;
	struct timing t;
	uint64_t *ttfa, t1;
	config_t cfg;
	char err[256];
	void *eng;
	int runs = 50, ch, i;
	size_t v;

	while ((ch = getopt(argc, argv, "n:e:f:")) != -1) {
		switch (ch) {
		case 'n':
			runs = atoi(optarg);
			break;
		case 'e':
			engine = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		default:
			fprintf(stderr,
			    "usage: tts-bench [-n runs] [-e engine] "
			    "[-f config]\n");
			return 64;
		}
	}
	if (runs < 1 || runs > 100000)
		runs = 50;
	if ((ops = tts_engine_find(engine)) == NULL) {
		fprintf(stderr, "tts-bench: unknown engine %s\n", engine);
		return 78;
	}
	if (fd_cfg_open(&cfg, file, err, sizeof(err)) != 0 ||
	    ops->init(&cfg, &eng, err, sizeof(err)) != 0) {
		fprintf(stderr, "tts-bench: %s\n", err);
		return 78;
	}
	if ((ttfa = calloc((size_t)runs, sizeof(*ttfa))) == NULL)
		return 1;
	printf("{\"engine\":\"%s\",\"runs\":%d,\"short\":\"%s\",\"voices\":{",
	    ops->name, runs, SHORT);
	for (v = 0; v < sizeof(voices) / sizeof(voices[0]); v++) {
		speak(ops, eng, voices[v], SHORT, &t); /* warm up */
		for (i = 0; i < runs; i++) {
			if (speak(ops, eng, voices[v], SHORT, &t) != 0)
				return 1;
			ttfa[i] = t.first_us;
		}
		qsort(ttfa, (size_t)runs, sizeof(*ttfa), cmp_u64);
		if (speak(ops, eng, voices[v], LONG, &t) != 0)
			return 1;
		t1 = fd_mono_us();
		printf("%s\"%s\":{\"ttfa_ms_p50\":%.1f,\"ttfa_ms_p95\":%.1f,"
		       "\"ttfa_ms_max\":%.1f,\"long_audio_s\":%.2f,"
		       "\"long_synth_ms\":%.1f,\"rtf\":%.4f}",
		    v ? "," : "", voices[v], ttfa[runs / 2] / 1e3,
		    ttfa[(runs * 95) / 100 < runs ? (runs * 95) / 100
		                                  : runs - 1] /
		        1e3,
		    ttfa[runs - 1] / 1e3, t.frames * 0.02, (t1 - t.t0) / 1e3,
		    (t1 - t.t0) / 1e6 / (t.frames * 0.02));
		fflush(stdout);
	}
	printf("},\"target_ttfa_ms\":50}\n");
	free(ttfa);
	ops->fini(eng);
	config_destroy(&cfg);
	return 0;
}
