/*
 * tts_cache_test.c - the segment cache alone: a hit gives back the bytes
 * put, the key tells tags, voices and texts apart, a put replaces, the
 * least recently used entries go first when the bound is reached, and a
 * segment larger than an eighth of the bound is never kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tts_cache.h"
#include "tests/harness/unit.h"

/* 1 if the cache holds exactly want (n bytes) for the key. */
static int
holds(struct tts_cache *c, const char *tag, const char *voice, const char *text,
    const uint8_t *want, size_t n)
{
	uint8_t *d;
	size_t dn;
	int ok;

	if (!tts_cache_get(c, tag, voice, text, &d, &dn))
		return 0;
	ok = dn == n && memcmp(d, want, n) == 0;
	free(d);
	return ok;
}

static void
test_keys(void **state)
{
	struct tts_cache *c = tts_cache_new(64 * 1024);
	uint8_t a[320], b[160];
	uint64_t hits, misses;

	(void)state;
	assert_non_null(c);
	memset(a, 0x11, sizeof(a));
	memset(b, 0x22, sizeof(b));
	tts_cache_put(c, "flite 1 0 slt", NULL, "Hello.", a, sizeof(a));
	assert_true(holds(c, "flite 1 0 slt", NULL, "Hello.", a, sizeof(a)));
	/* another voice, tag (rate) or text is another key */
	assert_false(holds(c, "flite 1 0 slt", "kal", "Hello.", a, sizeof(a)));
	assert_false(holds(c, "flite 1.2 0 slt", NULL, "Hello.", a, sizeof(a)));
	assert_false(holds(c, "flite 1 0 slt", NULL, "Hello", a, sizeof(a)));
	/* the parts do not run into each other */
	tts_cache_put(c, "t", "a\nb", "c", b, sizeof(b));
	assert_false(holds(c, "t", "a", "b\nc", b, sizeof(b)));
	assert_true(holds(c, "t", "a\nb", "c", b, sizeof(b)));
	/* a put replaces */
	tts_cache_put(c, "flite 1 0 slt", NULL, "Hello.", b, sizeof(b));
	assert_true(holds(c, "flite 1 0 slt", NULL, "Hello.", b, sizeof(b)));
	tts_cache_stats(c, &hits, &misses, NULL);
	assert_int_equal(hits, 3);
	assert_int_equal(misses, 4);
	tts_cache_free(c);
	/* no cache: every call is a miss, nothing breaks */
	assert_null(tts_cache_new(0));
	tts_cache_put(NULL, "t", NULL, "x", a, sizeof(a));
	assert_false(holds(NULL, "t", NULL, "x", a, sizeof(a)));
}

static void
test_bound(void **state)
{
	struct tts_cache *c = tts_cache_new(16 * 1024);
	static uint8_t seg[1600], big[2100];
	char text[16];
	size_t bytes;
	int i, kept = 0;

	(void)state;
	assert_non_null(c);
	memset(seg, 0x33, sizeof(seg));
	/* more than eighth of the bound: never kept */
	tts_cache_put(c, "t", NULL, "big", big, sizeof(big));
	assert_false(holds(c, "t", NULL, "big", big, sizeof(big)));
	for (i = 0; i < 40; i++) {
		snprintf(text, sizeof(text), "line %d", i);
		tts_cache_put(c, "t", NULL, text, seg, sizeof(seg));
		/* line 0 used after every put: the most recent */
		assert_true(holds(c, "t", NULL, "line 0", seg, sizeof(seg)));
		tts_cache_stats(c, NULL, NULL, &bytes);
		assert_true(bytes <= 16 * 1024);
	}
	for (i = 0; i < 40; i++) {
		snprintf(text, sizeof(text), "line %d", i);
		kept += holds(c, "t", NULL, text, seg, sizeof(seg));
	}
	/* about ten 1.6 kB segments fit in 16 kB: the last ones put */
	assert_true(kept >= 7 && kept <= 10);
	assert_true(holds(c, "t", NULL, "line 39", seg, sizeof(seg)));
	assert_false(holds(c, "t", NULL, "line 1", seg, sizeof(seg)));
	tts_cache_free(c);
}

UNIT_MAIN(
    NULL, NULL, cmocka_unit_test(test_keys), cmocka_unit_test(test_bound), )
