/*
 * tts_engine_test.c - the flite engine speaks every voice at 8 kHz with
 * plausible length and level, streams (first audio well before the end of
 * a long sentence), stops when the callback says so, and gives identical
 * audio when two threads synthesise at once.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clock.h"
#include "speech/tts_engine.h"
#include "tests/harness/unit.h"

#define MAX_SAMPLES (8000 * 30)
#define SHORT "Thank you for calling Otto's Auto."
#define LONG                                                                   \
	"Thank you for calling Otto's Auto, the friendliest repair shop "      \
	"in town, where we can look at your brakes, change your oil, rotate "  \
	"your tires and check everything else on your car while you wait in "  \
	"our comfortable lounge with free coffee and fast wireless internet."

struct capture {
	int16_t *pcm;
	size_t n;
	int calls;
	int stop_after; /* cancel after this many callbacks (0 never) */
	uint64_t first_us;
};

static void *eng;

static int
capture_cb(void *arg, const int16_t *pcm, size_t n)
{
	struct capture *c = arg;

	if (c->calls++ == 0)
		c->first_us = fd_mono_us();
	if (c->n + n <= MAX_SAMPLES) {
		memcpy(c->pcm + c->n, pcm, n * sizeof(*pcm));
		c->n += n;
	}
	return c->stop_after && c->calls >= c->stop_after;
}

static int
say(const char *voice, const char *text, struct capture *c)
{
	char err[256] = "";
	int rc;

	c->pcm = malloc(MAX_SAMPLES * sizeof(int16_t));
	c->n = 0;
	c->calls = 0;
	c->first_us = 0;
	rc = tts_engine_flite.synth(
	    eng, voice, text, capture_cb, c, err, sizeof(err));
	if (rc < 0)
		printf("  synth: %s\n", err);
	return rc;
}

static double
rms(const struct capture *c)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < c->n; i++)
		sum += (double)c->pcm[i] * c->pcm[i];
	return c->n ? sqrt(sum / (double)c->n) : 0;
}

static int
setup(void **state)
{
	char err[256];

	(void)state;
	assert_ptr_equal(tts_engine_find("flite"), &tts_engine_flite);
	assert_ptr_equal(tts_engine_find(NULL), &tts_engine_flite);
	assert_null(tts_engine_find("nonesuch"));
	if (tts_engine_flite.init(NULL, &eng, err, sizeof(err)) != 0) {
		printf("init: %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tts_engine_flite.fini(eng);
	return 0;
}

static void
test_voices(void **state)
{
	static const char *const voices[] = {
	    "slt", "kal", "awb", "rms", "cmu_us_slt", NULL};
	struct capture c;
	double secs, level;
	int i;

	(void)state;
	for (i = 0; voices[i]; i++) {
		c.stop_after = 0;
		assert_int_equal(say(voices[i], SHORT, &c), 0);
		secs = c.n / 8000.0;
		level = rms(&c);
		printf("  %-10s %.2f s rms %.0f in %d chunks\n", voices[i],
		    secs, level, c.calls);
		assert_true(secs >= 0.8 && secs <= 4.0);
		assert_true(level > 300);
		free(c.pcm);
	}
	c.stop_after = 0;
	assert_int_equal(say(NULL, SHORT, &c), 0); /* the default voice */
	assert_true(c.n > 6400);
	free(c.pcm);
}

static void
test_streams(void **state)
{
	static const char *const voices[] = {"slt", "kal", NULL};
	struct capture c;
	uint64_t t0, t1;
	int i;

	(void)state;
	for (i = 0; voices[i]; i++) {
		c.stop_after = 0;
		t0 = fd_mono_us();
		assert_int_equal(say(voices[i], LONG, &c), 0);
		t1 = fd_mono_us();
		printf("  %s: first audio after %.1f ms of %.1f ms, %.1f s of "
		       "speech in %d chunks\n",
		    voices[i], (c.first_us - t0) / 1e3, (t1 - t0) / 1e3,
		    c.n / 8000.0, c.calls);
		assert_true(c.calls > 10);
		/* the clustergen voices vocode while streaming; kal's diphone
		 * join is so cheap that front-end text analysis dominates */
		if (strcmp(voices[i], "kal") == 0)
			assert_true(c.first_us < t1);
		else
			assert_true(c.first_us - t0 < (t1 - t0) * 6 / 10);
		free(c.pcm);
	}
}

static void
test_cancel(void **state)
{
	struct capture c;

	(void)state;
	c.stop_after = 2;
	assert_int_equal(say("slt", LONG, &c), 1);
	assert_int_equal(c.calls, 2);
	assert_true(c.n < 8000 * 2);
	free(c.pcm);
}

static void
test_errors(void **state)
{
	struct capture c;
	config_t cfg;
	char err[256];
	void *e2;

	(void)state;
	c.stop_after = 0;
	assert_int_equal(say("nosuchvoice", SHORT, &c), -1);
	free(c.pcm);
	c.stop_after = 0;
	assert_int_equal(say("slt", "", &c), 0); /* nothing to say is fine */
	free(c.pcm);

	config_init(&cfg);
	config_read_string(&cfg, "tts: { voice = \"bogus\"; };");
	assert_int_equal(
	    tts_engine_flite.init(&cfg, &e2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bogus"));
	config_destroy(&cfg);
	config_init(&cfg);
	config_read_string(&cfg, "tts: { rate = 3.0; };");
	assert_int_equal(
	    tts_engine_flite.init(&cfg, &e2, err, sizeof(err)), -1);
	config_destroy(&cfg);
	config_init(&cfg);
	config_read_string(&cfg, "tts: { voice = \"kal\"; rate = 1.25; };");
	assert_int_equal(tts_engine_flite.init(&cfg, &e2, err, sizeof(err)), 0);
	tts_engine_flite.fini(e2);
	config_destroy(&cfg);
}

static void
test_rate(void **state)
{
	struct capture c;
	config_t cfg;
	char err[256];
	void *fast;
	size_t normal;

	(void)state;
	c.stop_after = 0;
	say("slt", SHORT, &c);
	normal = c.n;
	free(c.pcm);
	config_init(&cfg);
	config_read_string(&cfg, "tts: { rate = 1.5; };");
	assert_int_equal(
	    tts_engine_flite.init(&cfg, &fast, err, sizeof(err)), 0);
	config_destroy(&cfg);
	memset(&c, 0, sizeof(c));
	c.pcm = malloc(MAX_SAMPLES * sizeof(int16_t));
	assert_int_equal(tts_engine_flite.synth(fast, "slt", SHORT, capture_cb,
	                     &c, err, sizeof(err)),
	    0);
	assert_true(c.n < normal * 85 / 100);
	free(c.pcm);
	tts_engine_flite.fini(fast);
}

/* ---- two threads at once ---- */

/* Normalised correlation of two equally long captures.  Not equality:
 * flite's mixed excitation adds random noise, so no two runs are
 * bit-identical even on one thread. */
static double
similarity(const struct capture *a, const struct capture *b)
{
	double ab = 0, aa = 0, bb = 0;
	size_t i;

	for (i = 0; i < a->n; i++) {
		ab += (double)a->pcm[i] * b->pcm[i];
		aa += (double)a->pcm[i] * a->pcm[i];
		bb += (double)b->pcm[i] * b->pcm[i];
	}
	return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

struct job {
	const char *voice;
	struct capture ref;
	int mismatches;
};

static void *
thread_main(void *arg)
{
	struct job *j = arg;
	struct capture c;
	int i;

	for (i = 0; i < 6; i++) {
		c.stop_after = 0;
		if (say(j->voice, i % 2 ? SHORT : LONG, &c) != 0 ||
		    (i % 2 &&
		        (c.n != j->ref.n || similarity(&c, &j->ref) < 0.9))) {
			printf("  %s run %d: %zu samples, reference %zu, "
			       "similarity %.3f\n",
			    j->voice, i, c.n, j->ref.n,
			    c.n == j->ref.n ? similarity(&c, &j->ref) : 0);
			j->mismatches++;
		}
		free(c.pcm);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct job jobs[2] = {{"slt", {0}, 0}, {"awb", {0}, 0}};
	pthread_t t[2];
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		jobs[i].ref.stop_after = 0;
		assert_int_equal(say(jobs[i].voice, SHORT, &jobs[i].ref), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, thread_main, &jobs[i]);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 2; i++) {
		assert_int_equal(jobs[i].mismatches, 0);
		free(jobs[i].ref.pcm);
	}
}

UNIT_MAIN(setup, teardown, cmocka_unit_test(test_voices),
    cmocka_unit_test(test_streams), cmocka_unit_test(test_cancel),
    cmocka_unit_test(test_errors), cmocka_unit_test(test_rate),
    cmocka_unit_test(test_threads), )
