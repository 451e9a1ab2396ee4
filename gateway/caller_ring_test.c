/*
 * caller_ring_test.c - a call's recent caller audio: frames are numbered
 * from 1 in arrival order, the ring keeps the newest CRING_FRAMES and
 * never grows, the replay point is the first frame after a time, a lost
 * stretch is reported as a gap, and runs of frames come back byte for
 * byte with the first frame's number and arrival.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "caller_ring.h"

static struct cring *r;

/* Frame i (from 1) holds bytes (i + j) & 0xff and arrived at i * 20 ms. */
static void
push_frames(uint32_t from, uint32_t to)
{
	uint8_t a[CRING_FRAME];
	uint32_t i, ref;
	size_t j;

	for (i = from; i <= to; i++) {
		for (j = 0; j < sizeof(a); j++)
			a[j] = (uint8_t)(i + j);
		ref = cring_push(r, a, sizeof(a), (uint64_t)i * 20000);
		assert_int_equal(ref, i);
	}
}

static int
setup(void **state)
{
	(void)state;
	r = malloc(sizeof(*r));
	cring_init(r);
	return r == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	free(r);
	return 0;
}

static void
test_numbers_and_bounds(void **state)
{
	uint8_t a[CRING_FRAME + 1] = {0};

	(void)state;
	assert_int_equal(cring_push(r, a, 0, 1), 0);
	assert_int_equal(cring_push(r, a, CRING_FRAME + 1, 1), 0);
	assert_int_equal(r->n, 0);
	push_frames(1, CRING_FRAMES * 2 + 7);
	/* bounded: the newest CRING_FRAMES frames, oldest first */
	assert_int_equal(r->n, CRING_FRAMES);
	assert_int_equal(cring_at(r, 0)->ref, CRING_FRAMES + 8);
	assert_int_equal(
	    cring_at(r, CRING_FRAMES - 1)->ref, CRING_FRAMES * 2 + 7);
	assert_null(cring_at(r, CRING_FRAMES));
	assert_int_equal(
	    cring_at(r, 3)->audio[5], (uint8_t)(CRING_FRAMES + 8 + 3 + 5));
}

static void
test_since(void **state)
{
	int gap = -1;
	size_t pos;

	(void)state;
	assert_int_equal(cring_since(r, 0, &gap), 0);
	assert_int_equal(gap, 0);
	push_frames(1, 100);
	/* after frame 40's arrival: frame 41 is next */
	pos = cring_since(r, 40 * 20000, &gap);
	assert_int_equal(cring_at(r, pos)->ref, 41);
	assert_int_equal(gap, 0);
	pos = cring_since(r, 40 * 20000 + 1, &gap);
	assert_int_equal(cring_at(r, pos)->ref, 41);
	/* nothing after the newest */
	assert_int_equal(cring_since(r, 100 * 20000, &gap), r->n);
	/* the whole call is kept: no gap even from time 0 */
	assert_int_equal(cring_since(r, 0, &gap), 0);
	assert_int_equal(gap, 0);
	/* wrapped: from a time older than the oldest kept frame the frames
	 * between are lost, and that is said */
	push_frames(101, CRING_FRAMES + 200);
	pos = cring_since(r, 40 * 20000, &gap);
	assert_int_equal(pos, 0);
	assert_int_equal(gap, 1);
	pos = cring_since(r, 250 * 20000, &gap);
	assert_int_equal(cring_at(r, pos)->ref, 251);
	assert_int_equal(gap, 0);
}

static void
test_runs(void **state)
{
	uint8_t out[CRING_FRAME * 8], a[CRING_FRAME];
	uint64_t ts = 0;
	uint32_t ref = 0;
	size_t pos, n, total = 0;
	int gap;

	(void)state;
	push_frames(1, 23);
	pos = cring_since(r, 3 * 20000, &gap);
	n = cring_run(r, &pos, 8, out, &ref, &ts);
	assert_int_equal(n, 8 * CRING_FRAME);
	assert_int_equal(ref, 4);
	assert_int_equal(ts, 4 * 20000);
	/* byte k of the run is frame 4 + k / 160's byte k % 160 */
	assert_int_equal(out[0], 4);
	assert_int_equal(out[CRING_FRAME * 7 + 9], (uint8_t)(11 + 9));
	total += n;
	while ((n = cring_run(r, &pos, 8, out, &ref, &ts)) > 0)
		total += n;
	assert_int_equal(total, 20 * CRING_FRAME);
	assert_int_equal(ref, 20);
	/* a short frame ends its run: the receiver numbers by 160 bytes */
	memset(a, 9, sizeof(a));
	cring_push(r, a, 100, 24 * 20000);
	push_frames(25, 26);
	pos = cring_since(r, 22 * 20000, &gap);
	n = cring_run(r, &pos, 8, out, &ref, &ts);
	assert_int_equal(n, CRING_FRAME + 100);
	assert_int_equal(ref, 23);
	n = cring_run(r, &pos, 8, out, &ref, &ts);
	assert_int_equal(n, 2 * CRING_FRAME);
	assert_int_equal(ref, 25);
	assert_int_equal(cring_run(r, &pos, 8, out, &ref, &ts), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_numbers_and_bounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_since, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_runs, setup, teardown),
	};
	return cmocka_run_group_tests_name(
	    "gateway_caller_ring", tests, NULL, NULL);
}
