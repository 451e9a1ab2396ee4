/*
 * proto_test.c - frame round trips and every way a frame can be malformed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "proto.h"

static long
mk(uint8_t *buf, size_t cap, int type, const char *id, const char *pl)
{
	struct fd_frame h;

	memset(&h, 0, sizeof(h));
	h.type = (uint8_t)type;
	h.seq = 7;
	h.ts_us = 0x0102030405060708ULL;
	h.ref = 42;
	strcpy(h.call_id, id);
	return fd_frame_encode(buf, cap, &h, pl, pl ? strlen(pl) : 0);
}

static void
test_roundtrip(void **state)
{
	uint8_t buf[256];
	struct fd_frame f;
	char err[64];
	long n;

	(void)state;
	n = mk(buf, sizeof(buf), FD_MSG_SAY,
	    "CA0123456789abcdef0123456789abcdef", "{\"text\":\"hi\"}");
	assert_int_equal(n, FD_HDR_LEN + 13);
	assert_int_equal(buf[0], FD_PROTO_VERSION);
	assert_int_equal(buf[1], FD_MSG_SAY);
	assert_int_equal(
	    fd_frame_decode(buf, (size_t)n, &f, err, sizeof(err)), 0);
	assert_int_equal(f.type, FD_MSG_SAY);
	assert_int_equal(f.seq, 7);
	assert_int_equal(f.ref, 42);
	assert_true(f.ts_us == 0x0102030405060708ULL);
	assert_string_equal(f.call_id, "CA0123456789abcdef0123456789abcdef");
	assert_int_equal(f.payload_len, 13);
	assert_memory_equal(f.payload, "{\"text\":\"hi\"}", 13);
}

static void
test_empty_payload(void **state)
{
	uint8_t buf[128];
	struct fd_frame f;
	char err[64];
	long n;

	(void)state;
	n = mk(buf, sizeof(buf), FD_MSG_CLEAR, "", NULL);
	assert_int_equal(n, FD_HDR_LEN);
	assert_int_equal(
	    fd_frame_decode(buf, (size_t)n, &f, err, sizeof(err)), 0);
	assert_null(f.payload);
	assert_string_equal(f.call_id, "");
}

static void
test_truncated(void **state)
{
	uint8_t buf[128];
	struct fd_frame f;
	char err[64];
	long n;
	size_t cut;

	(void)state;
	n = mk(buf, sizeof(buf), FD_MSG_DTMF, "CA1", "{\"digit\":\"1\"}");
	/* every strict prefix is refused */
	for (cut = 0; cut < (size_t)n; cut++)
		assert_int_equal(
		    fd_frame_decode(buf, cut, &f, err, sizeof(err)), -1);
	assert_int_equal(fd_frame_decode(NULL, 0, &f, err, sizeof(err)), -1);
}

static void
test_trailing_and_oversize(void **state)
{
	uint8_t buf[128];
	struct fd_frame f;
	char err[64];
	long n;

	(void)state;
	n = mk(buf, sizeof(buf), FD_MSG_DTMF, "CA1", "{}");
	buf[n] = 'x';
	assert_int_equal(
	    fd_frame_decode(buf, (size_t)n + 1, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "trailing"));
	/* declared payload beyond the limit */
	buf[20] = 0xff;
	buf[21] = 0xff;
	buf[22] = 0xff;
	buf[23] = 0xff;
	assert_int_equal(
	    fd_frame_decode(buf, (size_t)n, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "over limit"));
	/* encoding refuses an oversize payload too */
	{
		struct fd_frame h;
		memset(&h, 0, sizeof(h));
		h.type = FD_MSG_SAY;
		assert_int_equal(fd_frame_encode(buf, sizeof(buf), &h, buf,
		                     FD_MAX_PAYLOAD + 1),
		    -1);
		/* and a buffer too small */
		assert_int_equal(fd_frame_encode(buf, 10, &h, NULL, 0), -1);
	}
}

static void
test_bad_fields(void **state)
{
	uint8_t buf[128];
	struct fd_frame f;
	char err[64];
	long n;

	(void)state;
	n = mk(buf, sizeof(buf), FD_MSG_DTMF, "CA1", "{}");
	buf[0] = 9;
	assert_int_equal(
	    fd_frame_decode(buf, (size_t)n, &f, err, sizeof(err)), -1);
	buf[0] = FD_PROTO_VERSION;
	buf[1] = 200;
	assert_int_equal(
	    fd_frame_decode(buf, (size_t)n, &f, err, sizeof(err)), -1);
	buf[1] = 0;
	assert_int_equal(
	    fd_frame_decode(buf, (size_t)n, &f, err, sizeof(err)), -1);
	buf[1] = FD_MSG_DTMF;
	/* call id with no terminator */
	memset(buf + 24, 'A', FD_CALL_ID_LEN);
	assert_int_equal(
	    fd_frame_decode(buf, (size_t)n, &f, err, sizeof(err)), -1);
	/* call id with a byte that would break a log line */
	memset(buf + 24, 0, FD_CALL_ID_LEN);
	memcpy(buf + 24, "CA\n1", 4);
	assert_int_equal(
	    fd_frame_decode(buf, (size_t)n, &f, err, sizeof(err)), -1);
}

static void
test_names(void **state)
{
	int t;

	(void)state;
	assert_string_equal(fd_msg_name(FD_MSG_CALL_START), "call_start");
	assert_string_equal(fd_msg_name(999), "unknown");
	for (t = 1; t < FD_MSG_TYPE_MAX; t++)
		if (fd_msg_valid(t))
			assert_string_not_equal(fd_msg_name(t), "unknown");
	assert_true(fd_msg_is_audio(FD_MSG_AUDIO_IN));
	assert_false(fd_msg_is_audio(FD_MSG_SAY));
}

static void
test_cursor(void **state)
{
	static const uint8_t d[] = {1, 0, 2, 0, 0, 0, 3};
	struct fd_cursor c;
	uint8_t a;
	uint16_t b;
	uint32_t x;

	(void)state;
	fd_cur_init(&c, d, sizeof(d));
	assert_int_equal(fd_cur_u8(&c, &a), 0);
	assert_int_equal(fd_cur_u16(&c, &b), 0);
	assert_int_equal(b, 2);
	assert_int_equal(fd_cur_u32(&c, &x), 0);
	assert_int_equal(x, 3);
	assert_int_equal(fd_cur_end(&c), 0);
	assert_int_equal(fd_cur_u8(&c, &a), -1);
	assert_int_equal(fd_cur_end(&c), -1); /* error is sticky */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_empty_payload),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_trailing_and_oversize),
	    cmocka_unit_test(test_bad_fields),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_cursor),
	};
	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
