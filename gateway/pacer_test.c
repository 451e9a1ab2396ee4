/*
 * pacer_test.c - the outbound queue without sockets: audio and marks leave
 * in queue order, one frame per tick on an absolute schedule, the lead at
 * the start of an utterance, clear and stale-frame semantics, underruns,
 * pause (what was not heard goes back in the queue) and resume.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pacer.h"

#define T PACER_TICK_US

/* What the sink saw, as one string: "F1.7 " = frame of utt 1 whose first
 * byte is 7, "Mname " = mark sent, "Dname " = mark dropped. */
static char seen[4096];
static uint8_t last_frame[PACER_FRAME];

static void
rec_frame(void *arg, uint32_t utt, const uint8_t *f, uint64_t enq)
{
	(void)arg;
	(void)enq;
	memcpy(last_frame, f, PACER_FRAME);
	snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "F%u.%u ",
	    utt, f[0]);
}

static void
rec_mark(void *arg, uint32_t utt, const char *name)
{
	(void)arg;
	(void)utt;
	snprintf(
	    seen + strlen(seen), sizeof(seen) - strlen(seen), "M%s ", name);
}

static void
rec_dropped(void *arg, uint32_t utt, const char *name)
{
	(void)arg;
	(void)utt;
	snprintf(
	    seen + strlen(seen), sizeof(seen) - strlen(seen), "D%s ", name);
}

static const struct pacer_sink sink = {rec_frame, rec_mark, rec_dropped};

/* Queue n frames of utt whose first bytes are first, first+1, ... */
static void
frames(struct pacer *p, uint32_t utt, int first, int n)
{
	uint8_t buf[PACER_FRAME * 8];
	int i;

	assert_true(n <= 8);
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < n; i++)
		buf[i * PACER_FRAME] = (uint8_t)(first + i);
	assert_int_equal(
	    pacer_audio(p, utt, buf, (size_t)n * PACER_FRAME, 0), 0);
}

/* The pause tests' start: utterance 1, two frames and its last mark
 * u1s1, playing with `lead` frames ahead of the caller. */
static void
play_utt1(struct pacer *p, int lead)
{
	pacer_init(p, lead, 1 << 20, &sink, NULL);
	frames(p, 1, 1, 2);
	assert_int_equal(pacer_mark(p, 1, "u1s1", 1, 0), 0);
	assert_int_equal(pacer_kick(p, 0), 1);
}

static int
setup(void **state)
{
	(void)state;
	seen[0] = '\0';
	return 0;
}

static void
test_order_and_lead(void **state)
{
	struct pacer p;

	(void)state;
	pacer_init(&p, 2, 1 << 20, &sink, NULL);
	frames(&p, 1, 1, 3);
	assert_int_equal(pacer_mark(&p, 1, "u1s1", 0, 0), 0);
	frames(&p, 1, 4, 2);
	assert_int_equal(pacer_mark(&p, 1, "u1s2", 1, 0), 0);

	assert_int_equal(pacer_kick(&p, 1000), 1); /* lead: 2 at once */
	assert_string_equal(seen, "F1.1 F1.2 ");
	assert_int_equal(pacer_due(&p), 1000 + T);
	assert_int_equal(pacer_kick(&p, 1500), 0); /* already playing */
	assert_int_equal(pacer_tick(&p, 1000 + T), 1);
	assert_string_equal(seen, "F1.1 F1.2 F1.3 Mu1s1 ");
	assert_int_equal(pacer_tick(&p, 1000 + 2 * T), 1);
	assert_int_equal(pacer_tick(&p, 1000 + 3 * T), 0); /* done */
	assert_string_equal(seen, "F1.1 F1.2 F1.3 Mu1s1 F1.4 F1.5 Mu1s2 ");
	assert_false(p.active);
	assert_int_equal(p.underruns, 0);
	assert_int_equal(p.frames_out, 5);
	pacer_free(&p);
}

static void
test_drift_free(void **state)
{
	struct pacer p;

	(void)state;
	pacer_init(&p, 1, 1 << 20, &sink, NULL);
	frames(&p, 1, 1, 8);
	assert_int_equal(pacer_kick(&p, 1000), 1);
	assert_string_equal(seen, "F1.1 ");
	/* 2.5 ms late: one frame, and the next tick stays on the grid */
	assert_int_equal(pacer_tick(&p, 1000 + T + 2500), 1);
	assert_int_equal(pacer_due(&p), 1000 + 2 * T);
	/* woke early: nothing sent, same due time */
	assert_int_equal(pacer_tick(&p, 1000 + T + 5000), 1);
	assert_string_equal(seen, "F1.1 F1.2 ");
	/* a tick and a bit late: two frames catch up */
	assert_int_equal(pacer_tick(&p, 1000 + 3 * T + 100), 1);
	assert_string_equal(seen, "F1.1 F1.2 F1.3 F1.4 ");
	assert_int_equal(pacer_due(&p), 1000 + 4 * T);
	/* a long stall: at most PACER_MAX_CATCHUP at once (4 frames, then
	 * an underrun: the utterance has no last mark yet), then on grid */
	assert_int_equal(pacer_tick(&p, 1000 + 100 * T + 10), 1);
	assert_string_equal(seen, "F1.1 F1.2 F1.3 F1.4 F1.5 F1.6 F1.7 F1.8 ");
	assert_int_equal(p.underruns, 1);
	assert_int_equal(pacer_due(&p), 1000 + 101 * T);
	pacer_free(&p);

	/* 1000 ticks, each timer firing up to 3 ms late: no drift */
	seen[0] = '\0';
	pacer_init(&p, 2, 1 << 24, &sink, NULL);
	for (int i = 0; i < 150; i++)
		frames(&p, 1, 0, 8);
	assert_int_equal(pacer_kick(&p, 0), 1);
	for (int i = 0; i < 1000; i++) {
		uint64_t due = pacer_due(&p);

		assert_int_equal(due, (uint64_t)(i + 1) * T);
		assert_int_equal(
		    pacer_tick(&p, due + (uint64_t)(i % 4) * 1000), 1);
	}
	assert_int_equal(p.frames_out, 1002);
	pacer_free(&p);
}

static void
test_marks_without_audio(void **state)
{
	struct pacer p;

	(void)state;
	pacer_init(&p, 2, 1 << 20, &sink, NULL);
	assert_int_equal(pacer_mark(&p, 1, "u1s1", 1, 0), 0);
	assert_int_equal(pacer_kick(&p, 0), 0); /* no timer needed */
	assert_string_equal(seen, "Mu1s1 ");
	assert_false(p.active);
	pacer_free(&p);
}

static void
test_padding_and_limit(void **state)
{
	struct pacer p;
	uint8_t buf[PACER_FRAME * 2];

	(void)state;
	memset(buf, 0x11, sizeof(buf));
	pacer_init(&p, 1, 2 * PACER_FRAME, &sink, NULL);
	assert_int_equal(pacer_audio(&p, 1, buf, 100, 0), 0);
	assert_int_equal(pacer_audio(&p, 1, buf, 160, 0), 0);
	assert_int_equal(pacer_audio(&p, 1, buf, 1, 0), -1); /* full */
	assert_int_equal(pacer_audio(&p, 1, buf, 0, 0), 0);
	pacer_kick(&p, 0);
	assert_int_equal(last_frame[99], 0x11);
	assert_int_equal(last_frame[100], 0xFF); /* silence pad */
	assert_int_equal(last_frame[159], 0xFF);
	assert_int_equal(p.queued_bytes, PACER_FRAME);
	pacer_free(&p);
}

static void
test_clear(void **state)
{
	struct pacer p;
	uint32_t utt = 0;

	(void)state;
	pacer_init(&p, 2, 1 << 20, &sink, NULL);
	frames(&p, 1, 1, 1);
	assert_int_equal(pacer_mark(&p, 1, "u1s1", 0, 0), 0);
	frames(&p, 1, 2, 5);
	assert_int_equal(pacer_mark(&p, 1, "u1s2", 1, 0), 0);
	frames(&p, 2, 20, 2);
	assert_int_equal(pacer_mark(&p, 2, "u2s1", 1, 0), 0);
	assert_int_equal(pacer_kick(&p, 0), 1);
	assert_string_equal(seen, "F1.1 Mu1s1 F1.2 ");

	/* barge-in on utterance 1: its rest goes, utterance 2 stays */
	seen[0] = '\0';
	assert_int_equal(pacer_clear(&p, 1), 2); /* audio + u1s2 */
	assert_string_equal(seen, "Du1s2 ");
	assert_false(p.active);
	assert_int_equal(pacer_tick(&p, T), 0); /* old timer: no-op */
	/* u1s1 went to Twilio before the clear: its echo means not played */
	assert_int_equal(pacer_echo(&p, "u1s1", &utt), 0);
	assert_int_equal(utt, 1);
	assert_int_equal(pacer_echo(&p, "u1s1", &utt), -1); /* once */
	assert_int_equal(pacer_echo(&p, "nope", &utt), -1);

	/* stale frames of utterance 1 still in flight are ignored */
	seen[0] = '\0';
	assert_int_equal(p.queued_bytes, 2 * PACER_FRAME); /* utt 2 */
	frames(&p, 3, 30, 1);
	assert_int_equal(pacer_audio(&p, 1, (const uint8_t *)"x", 1, 0), 1);
	assert_int_equal(pacer_mark(&p, 1, "u1s9", 1, 0), 1);
	assert_string_equal(seen, "Du1s9 ");
	assert_int_equal(p.stale, 1);

	/* utterance 2 starts fresh with the lead, then 3 follows */
	seen[0] = '\0';
	assert_int_equal(pacer_kick(&p, 5 * T), 1);
	assert_string_equal(seen, "F2.20 F2.21 Mu2s1 ");
	assert_int_equal(pacer_tick(&p, 6 * T), 1);
	assert_string_equal(seen, "F2.20 F2.21 Mu2s1 F3.30 ");
	/* a mark sent after the clear is played when echoed */
	assert_int_equal(pacer_echo(&p, "u2s1", &utt), 1);
	assert_int_equal(utt, 2);

	/* the partly sent chunk of utterance 1 left no bytes counted */
	assert_int_equal(p.queued_bytes, 0);

	/* a lower ref never lowers the stale bound */
	pacer_clear(&p, 3);
	pacer_clear(&p, 2);
	assert_int_equal(pacer_audio(&p, 3, (const uint8_t *)"x", 1, 0), 1);
	assert_int_equal(pacer_audio(&p, 4, (const uint8_t *)"x", 1, 0), 0);
	pacer_free(&p);
}

static void
test_clear_flags_all_outstanding(void **state)
{
	struct pacer p;
	uint32_t utt;

	(void)state;
	pacer_init(&p, 4, 1 << 20, &sink, NULL);
	frames(&p, 1, 1, 1);
	pacer_mark(&p, 1, "a", 0, 0);
	frames(&p, 1, 2, 1);
	pacer_mark(&p, 1, "b", 1, 0);
	pacer_kick(&p, 0);
	assert_string_equal(seen, "F1.1 Ma F1.2 Mb ");
	assert_int_equal(pacer_echo(&p, "a", &utt), 1); /* played */
	pacer_clear(&p, 1);
	assert_int_equal(pacer_echo(&p, "b", &utt), 0); /* cleared */
	pacer_free(&p);
}

static void
test_underrun(void **state)
{
	struct pacer p;
	int i;

	(void)state;
	pacer_init(&p, 2, 1 << 20, &sink, NULL);
	frames(&p, 1, 1, 1);
	assert_int_equal(pacer_kick(&p, 0), 1);
	/* utterance 1 is mid-play (no last mark yet): empty ticks count */
	assert_int_equal(pacer_tick(&p, T), 1);
	assert_int_equal(pacer_tick(&p, 2 * T), 1);
	assert_int_equal(p.underruns, 2);
	/* audio arrives: re-prime at once with the lead, new schedule */
	frames(&p, 1, 2, 3);
	assert_int_equal(pacer_kick(&p, 2 * T + 700), 1);
	assert_string_equal(seen, "F1.1 F1.2 F1.3 ");
	assert_int_equal(pacer_due(&p), 3 * T + 700);
	assert_int_equal(pacer_mark(&p, 1, "u1s1", 1, 0), 0);
	assert_int_equal(pacer_tick(&p, 3 * T + 700), 0);
	assert_string_equal(seen, "F1.1 F1.2 F1.3 F1.4 Mu1s1 ");
	assert_int_equal(p.underruns, 2);
	assert_false(p.active);

	/* a stream that never finishes its utterance goes idle eventually */
	frames(&p, 2, 9, 1);
	assert_int_equal(pacer_kick(&p, 10 * T), 1);
	for (i = 1; i < PACER_STARVE_MAX; i++)
		assert_int_equal(pacer_tick(&p, (10 + (uint64_t)i) * T), 1);
	assert_int_equal(pacer_tick(&p, (10 + (uint64_t)i) * T), 0);
	assert_int_equal(p.underruns, 2 + PACER_STARVE_MAX);
	pacer_free(&p);
}

static void
test_pause_resume(void **state)
{
	struct pacer p;
	uint32_t utt, u = 0;

	(void)state;
	pacer_init(&p, 2, 1 << 20, &sink, NULL);
	frames(&p, 1, 1, 3);
	assert_int_equal(pacer_mark(&p, 1, "u1s1", 0, 0), 0);
	frames(&p, 1, 4, 3);
	assert_int_equal(pacer_mark(&p, 1, "u1s2", 1, 0), 0);
	assert_int_equal(pacer_kick(&p, 1000), 1);
	assert_int_equal(pacer_tick(&p, 1000 + T), 1);
	assert_int_equal(pacer_tick(&p, 1000 + 2 * T), 1);
	assert_string_equal(seen, "F1.1 F1.2 F1.3 Mu1s1 F1.4 ");
	/* 4 ms into frame 2's playout: frames 3 and 4 are still unheard,
	 * and so is the mark between them */
	assert_int_equal(pacer_pause(&p, 1000 + 2 * T + 4000, &utt), 2);
	assert_int_equal(utt, 1);
	assert_false(p.active);
	assert_int_equal(pacer_kick(&p, 1000 + 3 * T), 0);
	assert_int_equal(pacer_tick(&p, 1000 + 3 * T), 0);
	assert_string_equal(seen, "F1.1 F1.2 F1.3 Mu1s1 F1.4 ");
	/* the echo the clear provokes means nothing */
	assert_int_equal(pacer_echo(&p, "u1s1", &u), -2);
	/* a false interruption: play on from frame 3, mark again */
	seen[0] = '\0';
	assert_int_equal(pacer_resume(&p, 10 * T), 1);
	assert_string_equal(seen, "F1.3 Mu1s1 F1.4 ");
	assert_int_equal(pacer_tick(&p, 11 * T), 1);
	assert_int_equal(pacer_tick(&p, 12 * T), 0);
	assert_string_equal(seen, "F1.3 Mu1s1 F1.4 F1.5 F1.6 Mu1s2 ");
	assert_int_equal(pacer_echo(&p, "u1s1", &u), 1);
	assert_int_equal(pacer_echo(&p, "u1s2", &u), 1);
	assert_int_equal(p.rewound, 2);
	assert_int_equal(p.queued_bytes, 0);
	pacer_free(&p);
}

static void
test_pause_then_clear(void **state)
{
	struct pacer p;
	uint32_t utt, u = 0;

	(void)state;
	play_utt1(&p, 2);
	assert_string_equal(seen, "F1.1 F1.2 Mu1s1 ");
	assert_int_equal(pacer_pause(&p, 5000, &utt), 2);
	/* audio of the next utterance waits too */
	frames(&p, 2, 7, 1);
	assert_int_equal(pacer_kick(&p, 6000), 0);
	/* a real interruption: everything of utt 1 goes, the mark re-queued
	 * by the pause is reported dropped */
	assert_int_equal(pacer_clear(&p, 1), 3);
	assert_string_equal(seen, "F1.1 F1.2 Mu1s1 Du1s1 ");
	assert_int_equal(pacer_echo(&p, "u1s1", &u), -2);
	assert_int_equal(pacer_kick(&p, 7000), 1);
	assert_string_equal(seen, "F1.1 F1.2 Mu1s1 Du1s1 F2.7 ");
	assert_int_equal(p.queued_bytes, 0);
	pacer_free(&p);
}

static void
test_pause_after_playout(void **state)
{
	struct pacer p;
	uint32_t utt, u = 0;

	(void)state;
	play_utt1(&p, 1);
	assert_int_equal(pacer_tick(&p, T), 0);
	/* long after the caller heard it all: nothing to put back, and the
	 * mark's echo still means played */
	assert_int_equal(pacer_pause(&p, 10 * T, &utt), 0);
	assert_int_equal(utt, 0);
	assert_int_equal(pacer_echo(&p, "u1s1", &u), 1);
	assert_int_equal(pacer_resume(&p, 11 * T), 0);
	assert_int_equal(pacer_resume(&p, 11 * T), 0);
	pacer_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_order_and_lead, setup),
	    cmocka_unit_test_setup(test_drift_free, setup),
	    cmocka_unit_test_setup(test_marks_without_audio, setup),
	    cmocka_unit_test_setup(test_padding_and_limit, setup),
	    cmocka_unit_test_setup(test_clear, setup),
	    cmocka_unit_test_setup(test_clear_flags_all_outstanding, setup),
	    cmocka_unit_test_setup(test_underrun, setup),
	    cmocka_unit_test_setup(test_pause_resume, setup),
	    cmocka_unit_test_setup(test_pause_then_clear, setup),
	    cmocka_unit_test_setup(test_pause_after_playout, setup),
	};
	return cmocka_run_group_tests_name("gateway_pacer", tests, NULL, NULL);
}
