/*
 * tts_calls_test.c - tts-worker's call handling end to end over an
 * in-process bus with the real flite engine: segment order and marks,
 * fragments, an empty final SAY, cancel mid-sentence, parallel calls, a
 * call ending while it speaks, stop finishing what it was sent, and a held
 * utterance (first segment made, nothing out until released; nothing at
 * all when cancelled), and the cache of segments (the same text in the
 * same voice replayed byte for byte; another voice or a segment cut by a
 * cancel not).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bus.h"
#include "clock.h"
#include "log.h"
#include "tts_cache.h"
#include "tts_calls.h"
#include "tests/harness/unit.h"

#define ADDR "inproc://tts-calls-test"

static struct fd_bus out, in;
static void *eng;
static struct tts_cache *cache;

struct seen {
	int frames; /* 20 ms frames of AUDIO_OUT for the call */
	int msgs; /* AUDIO_OUT messages carrying them */
	int frames_of[16]; /* per utterance */
	uint64_t digest[16]; /* per utterance: a hash of its audio bytes */
	int marks;
	char names[32][16];
	char texts[32][128];
	int lasts[32];
	int frames_before[32]; /* frames of that utterance when the mark came */
	int errors;
};

/* Receive for up to ms, recording frames for call_id. Stops early once a
 * mark with last arrives for utterance stop_utt (0: never). */
static void
collect(const char *call_id, struct seen *s, int ms, uint32_t stop_utt)
{
	uint64_t end = fd_mono_us() + (uint64_t)ms * 1000;
	struct fd_frame f;
	nng_msg *m;
	json_t *j;

	while (fd_mono_us() < end) {
		if (fd_bus_recv(&in, &m, &f, 50) != 0)
			continue;
		if (strcmp(f.call_id, call_id) != 0) {
			nng_msg_free(m);
			continue;
		}
		if (f.type == FD_MSG_AUDIO_OUT) {
			/* whole 20 ms frames, at most ten to a message */
			assert_int_equal(f.payload_len % 160, 0);
			assert_true(
			    f.payload_len >= 160 && f.payload_len <= 1600);
			s->frames += (int)f.payload_len / 160;
			s->msgs++;
			if (f.ref < 16) {
				s->frames_of[f.ref] += (int)f.payload_len / 160;
				for (size_t i = 0; i < f.payload_len; i++)
					s->digest[f.ref] =
					    (s->digest[f.ref] ^
					        ((const uint8_t *)
					                f.payload)[i]) *
					    1099511628211ull;
			}
		} else if (f.type == FD_MSG_AUDIO_MARK && s->marks < 32) {
			struct fd_pl_audio_mark am;

			j = fd_bus_read_audio_mark(&f, &am);
			assert_non_null(j);
			snprintf(s->names[s->marks], 16, "%s", am.name);
			snprintf(s->texts[s->marks], 128, "%s", am.text);
			s->lasts[s->marks] = am.last;
			s->frames_before[s->marks] =
			    f.ref < 16 ? s->frames_of[f.ref] : 0;
			s->marks++;
			json_decref(j);
			if (f.ref == stop_utt && s->lasts[s->marks - 1]) {
				nng_msg_free(m);
				return;
			}
		} else if (f.type == FD_MSG_TTS_ERROR)
			s->errors++;
		nng_msg_free(m);
	}
}

static int
setup(void **state)
{
	static const int types[] = {
	    FD_MSG_AUDIO_OUT, FD_MSG_AUDIO_MARK, FD_MSG_TTS_ERROR};
	static const char *const subs[] = {ADDR};
	char err[256];

	(void)state;
	log_init("tts_calls_test", LOG_LVL_WARN);
	if (tts_engine_flite.init(NULL, &eng, err, sizeof(err)) != 0)
		return -1;
	if (fd_bus_open_addrs(&out, ADDR, NULL, 0, NULL, 0) != 0)
		return -1;
	if (fd_bus_open_addrs(&in, NULL, subs, 1, types, 3) != 0)
		return -1;
	fd_sleep_us(100000);
	if ((cache = tts_cache_new(1u << 20)) == NULL)
		return -1;
	tts_calls_set_cache(cache, "flite test");
	return tts_calls_start(&out, &tts_engine_flite, eng, 2, NULL);
}

static int
teardown(void **state)
{
	(void)state;
	tts_calls_stop();
	tts_cache_free(cache);
	tts_engine_flite.fini(eng);
	fd_bus_close(&in);
	fd_bus_close(&out);
	return 0;
}

static void
test_segments(void **state)
{
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	tts_call_start("CA1");
	tts_say("CA1", 1, "Sure, I can help with that. Your total is $49.95.",
	    1, NULL, fd_mono_us());
	collect("CA1", &s, 5000, 1);
	assert_int_equal(s.marks, 3);
	assert_string_equal(s.names[0], "u1s1");
	assert_string_equal(s.texts[0], "Sure,");
	assert_string_equal(s.names[1], "u1s2");
	assert_string_equal(s.texts[1], "I can help with that.");
	assert_string_equal(s.names[2], "u1s3");
	assert_string_equal(s.texts[2], "Your total is $49.95.");
	assert_int_equal(s.lasts[0] + s.lasts[1], 0);
	assert_int_equal(s.lasts[2], 1);
	/* every mark follows audio of its own segment */
	assert_true(s.frames_before[0] > 5);
	assert_true(s.frames_before[1] > s.frames_before[0] + 20);
	assert_true(s.frames_before[2] > s.frames_before[1] + 50);
	assert_int_equal(s.frames, s.frames_before[2]);
	/* batched: far fewer messages than frames */
	assert_true(s.msgs * 5 < s.frames);
	assert_int_equal(s.errors, 0);
}

static void
test_fragments(void **state)
{
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	tts_say("CA1", 2, "Hello", 0, NULL, fd_mono_us());
	tts_say("CA1", 2, " there. How", 0, NULL, fd_mono_us());
	tts_say("CA1", 2, " are you?", 1, NULL, fd_mono_us());
	collect("CA1", &s, 5000, 2);
	assert_int_equal(s.marks, 2);
	assert_string_equal(s.texts[0], "Hello there.");
	assert_string_equal(s.texts[1], "How are you?");
	assert_int_equal(s.lasts[1], 1);

	/* the end of an utterance may come as an empty SAY */
	memset(&s, 0, sizeof(s));
	tts_say("CA1", 3, "Okay.", 0, NULL, fd_mono_us());
	collect("CA1", &s, 1500, 0);
	assert_int_equal(s.marks, 1);
	assert_int_equal(s.lasts[0], 0);
	tts_say("CA1", 3, "", 1, NULL, fd_mono_us());
	collect("CA1", &s, 2000, 3);
	assert_int_equal(s.marks, 2);
	assert_string_equal(s.names[1], "u3s2");
	assert_string_equal(s.texts[1], "");
	assert_int_equal(s.lasts[1], 1);

	/* SAYs for a finished utterance are ignored */
	memset(&s, 0, sizeof(s));
	tts_say("CA1", 3, "Again.", 1, NULL, fd_mono_us());
	tts_say("CA1", 2, "Again.", 1, NULL, fd_mono_us());
	collect("CA1", &s, 300, 0);
	assert_int_equal(s.marks, 0);
}

static void
test_cancel(void **state)
{
	struct seen s;
	int before;

	(void)state;
	memset(&s, 0, sizeof(s));
	tts_say("CA1", 4,
	    "This is a rather long sentence that goes on and on "
	    "about brakes and tires and oil and filters and wipers and lights "
	    "so that there is plenty of audio to cancel in the middle of it. "
	    "And another sentence after it.",
	    1, NULL, fd_mono_us());
	while (s.frames_of[4] == 0)
		collect("CA1", &s, 20, 0);
	tts_say_cancel("CA1", 4);
	collect("CA1", &s, 100, 0); /* frames already on the wire */
	before = s.frames;
	collect("CA1", &s, 1000, 0);
	assert_int_equal(s.frames, before);
	assert_int_equal(s.marks, 0);
	/* later SAYs for the cancelled utterance are dropped; new ones work */
	tts_say("CA1", 4, "More.", 1, NULL, fd_mono_us());
	tts_say("CA1", 5, "Bye.", 1, NULL, fd_mono_us());
	memset(&s, 0, sizeof(s));
	collect("CA1", &s, 3000, 5);
	assert_int_equal(s.marks, 1);
	assert_string_equal(s.names[0], "u5s1");
	assert_int_equal(s.frames_of[4], 0);
}

static void
test_parallel_and_end(void **state)
{
	struct seen a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	tts_call_start("CA2");
	tts_call_start("CA3");
	tts_say("CA2", 1, "Good morning. This is call two.", 1, "kal",
	    fd_mono_us());
	tts_say("CA3", 1, "Good morning. This is call three.", 1, "awb",
	    fd_mono_us());
	/* both marks of both calls arrive; receive on one socket */
	{
		uint64_t end = fd_mono_us() + 5000000;
		struct fd_frame f;
		nng_msg *m;
		int marks2 = 0, marks3 = 0;

		while (fd_mono_us() < end && (marks2 < 2 || marks3 < 2)) {
			if (fd_bus_recv(&in, &m, &f, 50) != 0)
				continue;
			if (f.type == FD_MSG_AUDIO_MARK)
				marks2 += strcmp(f.call_id, "CA2") == 0,
				    marks3 += strcmp(f.call_id, "CA3") == 0;
			nng_msg_free(m);
		}
		assert_int_equal(marks2, 2);
		assert_int_equal(marks3, 2);
	}
	/* a call that ends while it speaks goes quiet and is forgotten */
	tts_say("CA2", 2,
	    "This sentence is long enough to still be speaking "
	    "when the caller hangs up on us, which they will.",
	    1, NULL, fd_mono_us());
	while (a.frames == 0)
		collect("CA2", &a, 20, 0);
	tts_call_end("CA2", "hangup");
	tts_call_end("CA3", "hangup");
	collect("CA2", &a, 100, 0);
	memset(&a, 0, sizeof(a));
	collect("CA2", &a, 800, 0);
	assert_int_equal(a.frames, 0);
	assert_int_equal(a.marks, 0);
	tts_call_end("CA1", "stop");
	assert_int_equal(tts_calls_count(), 0);
	/* an unknown call's SAY starts it */
	tts_say("CA9", 1, "Hi.", 1, NULL, fd_mono_us());
	collect("CA9", &b, 3000, 1);
	assert_int_equal(b.marks, 1);
	assert_int_equal(tts_calls_count(), 1);
}

/* Stop (SIGTERM) right after a SAY: both segments of the line are still
 * synthesised and marked, the last one included, before the workers go. */
static void
test_stop_drains(void **state)
{
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	tts_call_start("CA7");
	tts_say("CA7", 1,
	    "Your oil change is booked for Tuesday at ten. We "
	    "will see you then.",
	    1, NULL, fd_mono_us());
	tts_calls_stop();
	collect("CA7", &s, 5000, 1);
	assert_int_equal(s.marks, 2);
	assert_string_equal(s.names[1], "u1s2");
	assert_int_equal(s.lasts[1], 1);
	assert_true(s.frames_before[1] > s.frames_before[0] + 20);
	assert_int_equal(s.errors, 0);
	assert_int_equal(tts_calls_count(), 0);
	assert_int_equal(
	    tts_calls_start(&out, &tts_engine_flite, eng, 2, NULL), 0);
}

/* Wait up to ms for call_id's held utterance to keep at least n
 * messages; how many it keeps. */
static int
wait_held(const char *call_id, int n, int ms)
{
	uint64_t end = fd_mono_us() + (uint64_t)ms * 1000;

	while (tts_call_held(call_id) < n && fd_mono_us() < end)
		fd_sleep_us(10000);
	return tts_call_held(call_id);
}

/* A held utterance: its first segment is synthesised and kept, nothing
 * reaches the bus and the second segment waits; released, everything
 * comes out in order.  A held one cancelled says nothing, ever. */
static void
test_hold(void **state)
{
	struct seen s;
	int held;

	(void)state;
	memset(&s, 0, sizeof(s));
	tts_call_start("CA8");
	tts_say_hold("CA8", 1);
	tts_say("CA8", 1, "Tuesday at ten works. Shall I book it?", 1, NULL,
	    fd_mono_us());
	/* the first segment's audio and its mark, made in a few ms of
	 * synthesis: until the count stops growing */
	assert_true(wait_held("CA8", 2, 5000) >= 2);
	do {
		held = tts_call_held("CA8");
		fd_sleep_us(300000);
	} while (tts_call_held("CA8") != held);
	collect("CA8", &s, 500, 0);
	assert_int_equal(s.frames + s.marks + s.errors, 0);
	/* the second segment was not synthesised meanwhile */
	assert_int_equal(tts_call_held("CA8"), held);
	tts_say_release("CA8", 1);
	assert_int_equal(tts_call_held("CA8"), 0);
	collect("CA8", &s, 5000, 1);
	assert_int_equal(s.marks, 2);
	assert_string_equal(s.names[0], "u1s1");
	assert_string_equal(s.texts[0], "Tuesday at ten works.");
	assert_string_equal(s.names[1], "u1s2");
	assert_int_equal(s.lasts[1], 1);
	assert_true(s.frames_before[0] > 5);
	assert_true(s.frames_before[1] > s.frames_before[0] + 20);
	assert_int_equal(s.frames, s.frames_before[1]);

	/* held, then dropped: nothing of it, and the next one plays */
	memset(&s, 0, sizeof(s));
	tts_say_hold("CA8", 2);
	tts_say(
	    "CA8", 2, "I have booked it. See you then.", 1, NULL, fd_mono_us());
	assert_true(wait_held("CA8", 2, 5000) >= 2);
	tts_say_cancel("CA8", 2);
	assert_int_equal(tts_call_held("CA8"), 0);
	tts_say_release("CA8", 2); /* too late: not held any more */
	tts_say("CA8", 3, "Which day?", 1, NULL, fd_mono_us());
	collect("CA8", &s, 5000, 3);
	assert_int_equal(s.frames_of[2], 0);
	assert_int_equal(s.marks, 1);
	assert_string_equal(s.names[0], "u3s1");
	tts_call_end("CA8", "stop");
}

/* The same segment in the same voice, on another call, is replayed from
 * the cache: the same bytes, a hit; another voice is synthesised; a
 * segment a cancel cut short is not kept. */
static void
test_cache(void **state)
{
	static const char cut[] =
	    "A segment long enough to be cut in the middle of it about the "
	    "brakes and the tires and the filters and the wipers and all "
	    "the lights";
	struct seen a, b, k, c1, c2;
	uint64_t h0, h1, m0, m1;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&k, 0, sizeof(k));
	tts_call_start("CB1");
	tts_call_start("CB2");
	tts_cache_stats(cache, &h0, &m0, NULL);
	tts_say(
	    "CB1", 1, "Your car is ready for pickup.", 1, NULL, fd_mono_us());
	collect("CB1", &a, 5000, 1);
	tts_say(
	    "CB2", 1, "Your car is ready for pickup.", 1, NULL, fd_mono_us());
	collect("CB2", &b, 5000, 1);
	tts_cache_stats(cache, &h1, &m1, NULL);
	assert_int_equal(h1 - h0, 1);
	assert_int_equal(m1 - m0, 1);
	assert_true(a.frames_of[1] > 20);
	assert_int_equal(b.frames_of[1], a.frames_of[1]);
	assert_true(b.digest[1] == a.digest[1]);
	assert_int_equal(b.marks, 1);
	assert_string_equal(b.texts[0], "Your car is ready for pickup.");
	assert_int_equal(b.lasts[0], 1);
	/* another voice: its own audio */
	tts_say(
	    "CB2", 2, "Your car is ready for pickup.", 1, "kal", fd_mono_us());
	collect("CB2", &k, 5000, 2);
	tts_cache_stats(cache, &h0, &m0, NULL);
	assert_int_equal(h0, h1);
	assert_true(k.frames_of[2] > 20);
	assert_true(k.digest[2] != a.digest[1]);
	/* cut by a cancel after its first frames: not kept */
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	tts_say("CB1", 2, cut, 1, NULL, fd_mono_us());
	while (c1.frames_of[2] == 0)
		collect("CB1", &c1, 20, 0);
	tts_say_cancel("CB1", 2);
	collect("CB1", &c1, 300, 0);
	tts_say("CB2", 3, cut, 1, NULL, fd_mono_us());
	collect("CB2", &c2, 8000, 3);
	tts_cache_stats(cache, &h1, &m1, NULL);
	assert_int_equal(h1, h0);
	assert_true(c2.frames_of[3] > c1.frames_of[2]);
	tts_call_end("CB1", "stop");
	tts_call_end("CB2", "stop");
}

UNIT_MAIN(setup, teardown, cmocka_unit_test(test_segments),
    cmocka_unit_test(test_fragments), cmocka_unit_test(test_cancel),
    cmocka_unit_test(test_parallel_and_end), cmocka_unit_test(test_stop_drains),
    cmocka_unit_test(test_hold), cmocka_unit_test(test_cache), )
