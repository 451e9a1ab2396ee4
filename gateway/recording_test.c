/*
 * recording_test.c - a call's recording as files on disk: the caller on
 * the left, what the caller heard of us on the right (frames taken back
 * by a cut are not in it, frames past the end neither), the mixed track
 * their sum, valid WAV headers and the duration of the call; a recording
 * whose run died mid-call is repaired, renamed and reported by the next
 * start; call ids that are not ids make no path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "mulaw.h"
#include "recording.h"

#define T0 1000000ull
#define SLOT(n) (T0 + (uint64_t)(n)*REC_SLOT_US)
#define CALLER_U 0x9a /* the caller's constant sample */
#define AGENT_U 0x1c /* ours */

static char dir[64];
static char reported[64][128];
static double reported_dur;
static int nreported;

static int
on_report(const char *call_id, const char *path, double dur, long long bytes)
{
	struct stat st;

	(void)path;
	snprintf(
	    reported[nreported++ % 64], sizeof(reported[0]), "%s", call_id);
	reported_dur = dur;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((long long)st.st_size, bytes);
	return 0;
}

static void
start(void)
{
	char err[256];

	if (rec_start(dir, "test", on_report, err, sizeof(err)) != 0)
		fail_msg("rec_start: %s", err);
}

/* A file's bytes, and its header checked: channels, 8 kHz, 16 bit, the
 * sizes that of the file. */
static uint8_t *
load(const char *path, int channels, size_t *data)
{
	uint8_t *b;
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL)
		fail_msg("%s missing", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_true(n >= REC_WAV_HDR);
	b = malloc((size_t)n);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	assert_memory_equal(b, "RIFF", 4);
	assert_memory_equal(b + 8, "WAVEfmt ", 8);
	assert_int_equal(b[20], 1); /* PCM */
	assert_int_equal(b[22], channels);
	assert_int_equal(b[24] | b[25] << 8, 8000);
	assert_int_equal(b[34], 16);
	assert_memory_equal(b + 36, "data", 4);
	*data =
	    (size_t)(b[40] | b[41] << 8 | b[42] << 16 | (uint32_t)b[43] << 24);
	assert_int_equal(*data + REC_WAV_HDR, (size_t)n);
	assert_int_equal(
	    (size_t)(b[4] | b[5] << 8 | b[6] << 16 | (uint32_t)b[7] << 24),
	    (size_t)n - 8);
	return b;
}

static int16_t
sample(const uint8_t *b, size_t i)
{
	return (
	    int16_t)(b[REC_WAV_HDR + 2 * i] | b[REC_WAV_HDR + 2 * i + 1] << 8);
}

static void
test_call(void **state)
{
	uint8_t in[REC_FRAME], out[REC_FRAME], *st, *mx;
	int16_t cv = fd_ulaw_decode(CALLER_U), av = fd_ulaw_decode(AGENT_U);
	char path[256];
	size_t data, i, s;
	struct rec *r;
	int n;

	(void)state;
	memset(in, CALLER_U, sizeof(in));
	memset(out, AGENT_U, sizeof(out));
	start();
	assert_non_null(r = rec_open("CAtest1", T0));
	/* 4 s of caller audio, frame n arriving at its slot; we play slots
	 * 50-149 (sent two frames ahead, as the pacer does), the caller
	 * barges in at slot 100: what was sent for 100 and after is taken
	 * back; a frame playing past the call's end is not heard either */
	for (n = 1; n <= 200; n++) {
		rec_caller(r, (uint64_t)n, in, sizeof(in), SLOT(n));
		if (n + 2 >= 50 && n + 2 < 150 && n < 98)
			rec_agent(r, SLOT(n + 2), out, SLOT(n));
		if (n == 100)
			rec_cut(r, SLOT(100) + 5000);
		if (n >= 180 && n < 200)
			rec_agent(r, SLOT(n + 15), out, SLOT(n));
	}
	rec_close(r, SLOT(200));
	rec_stop();
	assert_string_equal(reported[nreported - 1], "CAtest1");
	assert_true(reported_dur > 3.99 && reported_dur < 4.01);

	assert_int_equal(rec_path("CAtest1", 0, path, sizeof(path)), 0);
	st = load(path, 2, &data);
	assert_int_equal(data, 200 * REC_FRAME * 4);
	assert_int_equal(rec_path("CAtest1", 1, path, sizeof(path)), 0);
	mx = load(path, 1, &data);
	assert_int_equal(data, 200 * REC_FRAME * 2);
	for (s = 0; s < 200; s++) {
		/* 50..99 heard, 100..149 cut; of the frames for 195..214
		 * the ones before the end (200) were heard */
		int16_t want = (s >= 50 && s < 100) || s >= 195 ? av : 0;
		for (i = 0; i < REC_FRAME; i += 40) {
			size_t k = s * REC_FRAME + i;

			if (sample(st, 2 * k) != cv ||
			    sample(st, 2 * k + 1) != want ||
			    sample(mx, k) != cv + want)
				fail_msg("slot %zu sample %zu: L %d R %d M %d, "
				         "want %d %d %d",
				    s, i, sample(st, 2 * k),
				    sample(st, 2 * k + 1), sample(mx, k), cv,
				    want, cv + want);
		}
	}
	free(st);
	free(mx);
	/* nothing left open */
	snprintf(path, sizeof(path), "%s/open", dir);
	assert_int_equal(access(path, F_OK), 0);
}

/* The run dies mid-call: the files it left are whole WAVs up to their
 * last chunk, and the next start renames and reports them. */
static void
test_crash_recovery(void **state)
{
	uint8_t in[REC_FRAME];
	char path[256];
	size_t data;
	uint8_t *b;
	struct rec *r;
	int n;

	pid_t pid;
	int st;

	(void)state;
	memset(in, CALLER_U, sizeof(in));
	nreported = 0;
	if ((pid = fork()) == 0) {
		start();
		if ((r = rec_open("CAcrash", T0)) == NULL)
			_exit(2);
		for (n = 1; n <= 150; n++)
			rec_caller(r, (uint64_t)n, in, sizeof(in), SLOT(n));
		/* no rec_close: the process dies here, once the writer has
		 * what it was given (the window's last 800 ms is lost) */
		rec_stop();
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(rec_path("CAcrash", 0, path, sizeof(path)), 0);
	assert_int_not_equal(access(path, F_OK), 0);
	/* the next start recovers it; its report is made before the stop
	 * returns */
	start();
	rec_stop();
	assert_int_equal(nreported, 1);
	assert_string_equal(reported[0], "CAcrash");
	b = load(path, 2, &data);
	/* whole chunks of 0.5 s, up to the hold */
	assert_true(data >= 100 * REC_FRAME * 4);
	assert_int_equal(data % (25 * REC_FRAME * 4), 0);
	assert_true(reported_dur >= 2.0);
	free(b);
}

static void
test_paths(void **state)
{
	char path[256];

	(void)state;
	start();
	assert_int_equal(rec_path("../etc/passwd", 0, path, sizeof(path)), -1);
	assert_int_equal(rec_path("CA1/2", 0, path, sizeof(path)), -1);
	assert_int_equal(rec_path("", 0, path, sizeof(path)), -1);
	assert_null(rec_open("a.b", T0));
	assert_int_equal(rec_path("CA_ok-1", 1, path, sizeof(path)), 0);
	assert_non_null(strstr(path, "/CA_ok-1.mixed.wav"));
	rec_stop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_call),
	    cmocka_unit_test(test_crash_recovery),
	    cmocka_unit_test(test_paths),
	};
	char cmd[128];
	int rv;

	snprintf(dir, sizeof(dir), "/tmp/rec-test-%d", (int)getpid());
	rv = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rv = 1;
	return rv;
}
