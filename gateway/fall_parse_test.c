/*
 * fall_parse_test.c - how a transfer's <Dial> ended, from the action
 * callback and the whisper's answer; a recording's WAV read as mu-law.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fallthrough.h"
#include "mulaw.h"

static void
test_dial_outcome(void **state)
{
	(void)state;
	/* bridged: the staff member talked, the call is over */
	assert_null(fall_dial_outcome("completed", "true", 0));
	assert_null(fall_dial_outcome("completed", NULL, 0));
	/* answered but declined in the whisper, or never bridged */
	assert_string_equal(
	    fall_dial_outcome("completed", "true", 1), "declined");
	assert_string_equal(
	    fall_dial_outcome("completed", "false", 0), "declined");
	assert_string_equal(
	    fall_dial_outcome("no-answer", NULL, 0), "no-answer");
	assert_string_equal(fall_dial_outcome("busy", "false", 1), "busy");
	assert_string_equal(fall_dial_outcome("canceled", NULL, 0), "canceled");
	assert_string_equal(fall_dial_outcome("failed", NULL, 0), "failed");
	/* anything else the carrier may say is no bridge */
	assert_string_equal(fall_dial_outcome("ringing", NULL, 0), "failed");
	assert_string_equal(fall_dial_outcome(NULL, NULL, 0), "failed");
	assert_string_equal(fall_dial_outcome("", NULL, 0), "failed");
}

static size_t
wav(unsigned char *w, unsigned fmt, unsigned ch, unsigned rate, unsigned bits,
    const void *data, size_t n)
{
	size_t o = 0;
	uint32_t v;

#define PUT32(x)                                                               \
	do {                                                                   \
		v = (x);                                                       \
		memcpy(w + o, &v, 4);                                          \
		o += 4;                                                        \
	} while (0)
#define PUT16(x)                                                               \
	do {                                                                   \
		w[o++] = (x)&255;                                              \
		w[o++] = (x) >> 8;                                             \
	} while (0)
	memcpy(w, "RIFF", 4);
	o = 4;
	PUT32((uint32_t)(36 + n + 10));
	memcpy(w + o, "WAVE", 4);
	o += 4;
	/* an unknown chunk first, odd length (padded) */
	memcpy(w + o, "LIST", 4);
	o += 4;
	PUT32(1);
	w[o++] = 'x';
	w[o++] = 0;
	memcpy(w + o, "fmt ", 4);
	o += 4;
	PUT32(16);
	PUT16(fmt);
	PUT16(ch);
	PUT32(rate);
	PUT32(rate * ch * bits / 8);
	PUT16(ch * bits / 8);
	PUT16(bits);
	memcpy(w + o, "data", 4);
	o += 4;
	PUT32((uint32_t)n);
	memcpy(w + o, data, n);
	return o + n;
}

static void
test_wav(void **state)
{
	unsigned char w[256], *out;
	int16_t pcm[4] = {0, 1000, -1000, 32000};
	uint8_t ul[3] = {0xff, 0x10, 0x90};
	char err[128];
	size_t len, n;

	(void)state;
	len = wav(w, 1, 1, 8000, 16, pcm, sizeof(pcm));
	assert_int_equal(fall_wav_ulaw(w, len, &out, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_int_equal(out[0], fd_ulaw_encode(0));
	assert_int_equal(out[1], fd_ulaw_encode(1000));
	assert_int_equal(out[3], fd_ulaw_encode(32000));
	free(out);
	len = wav(w, 7, 1, 8000, 8, ul, sizeof(ul));
	assert_int_equal(fall_wav_ulaw(w, len, &out, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, ul, 3);
	free(out);
	/* refused: stereo, 16 kHz, not RIFF, truncated */
	len = wav(w, 1, 2, 8000, 16, pcm, sizeof(pcm));
	assert_int_equal(fall_wav_ulaw(w, len, &out, &n, err, sizeof(err)), -1);
	assert_null(out);
	len = wav(w, 1, 1, 16000, 16, pcm, sizeof(pcm));
	assert_int_equal(fall_wav_ulaw(w, len, &out, &n, err, sizeof(err)), -1);
	assert_int_equal(fall_wav_ulaw((const unsigned char *)"RIFX0000WAVE",
	                     12, &out, &n, err, sizeof(err)),
	    -1);
	len = wav(w, 1, 1, 8000, 16, pcm, sizeof(pcm));
	assert_int_equal(
	    fall_wav_ulaw(w, len - 5, &out, &n, err, sizeof(err)), -1);
	assert_int_equal(fall_wav_ulaw(w, 20, &out, &n, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dial_outcome),
	    cmocka_unit_test(test_wav),
	};
	return cmocka_run_group_tests_name(
	    "gateway_fall_parse", tests, NULL, NULL);
}
