/*
 * rec_bench.c - what the gateway's call recorder (gateway/recording.c)
 * costs by itself: N calls of D seconds each fed to it as the gateway
 * does, a caller frame and one of ours every 20 ms per call (the clock is
 * simulated, so it runs as fast as the CPU allows), with real WAV files
 * written by its writer thread into a scratch directory.  Prints the CPU
 * time of the whole process (media side and writer) per minute of call,
 * and the disk per minute of call.  scripts/bench-recording.sh sets it
 * against the gateway's CPU per call measured on a running stack.
 *
 * usage: rec-bench [-n calls] [-d seconds] [-o dir]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gateway/recording.h"

static long long written;

static int
on_report(const char *call_id, const char *path, double dur, long long bytes)
{
	char mixed[512];
	struct stat st;
	size_t n = strlen(path);

	(void)call_id;
	(void)dur;
	written += bytes;
	snprintf(mixed, sizeof(mixed), "%.*s.mixed.wav", (int)(n - 4), path);
	if (stat(mixed, &st) == 0)
		written += st.st_size;
	unlink(path);
	unlink(mixed);
	return 0;
}

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char dir[256], err[512], id[40];
	uint8_t in[REC_FRAME], out[REC_FRAME];
	struct rec **calls;
	uint64_t t0 = 1000000, now;
	double c0, c1;
	int ncalls = 50, secs = 60, ch, i, f, frames;

	snprintf(dir, sizeof(dir), "/tmp/rec-bench-%d", (int)getpid());
	while ((ch = getopt(argc, argv, "n:d:o:")) != -1) {
		if (ch == 'n')
			ncalls = atoi(optarg);
		else if (ch == 'd')
			secs = atoi(optarg);
		else if (ch == 'o')
			snprintf(dir, sizeof(dir), "%s", optarg);
		else {
			fprintf(stderr,
			    "usage: rec-bench [-n calls] "
			    "[-d seconds] [-o dir]\n");
			return 2;
		}
	}
	if (ncalls < 1 || secs < 2 ||
	    (calls = calloc((size_t)ncalls, sizeof(*calls))) == NULL)
		return 2;
	for (i = 0; i < REC_FRAME; i++) {
		in[i] = (uint8_t)(0x80 + (i * 7) % 60);
		out[i] = (uint8_t)(0x10 + (i * 5) % 50);
	}
	if (rec_start(dir, "rec-bench", on_report, err, sizeof(err)) != 0) {
		fprintf(stderr, "rec-bench: %s\n", err);
		return 1;
	}
	c0 = cpu_s();
	for (i = 0; i < ncalls; i++) {
		snprintf(id, sizeof(id), "CAbench%06d", i);
		calls[i] = rec_open(id, t0);
	}
	frames = secs * 50;
	for (f = 1; f <= frames; f++) {
		now = t0 + (uint64_t)f * REC_SLOT_US;
		for (i = 0; i < ncalls; i++) {
			rec_caller(calls[i], (uint64_t)f, in, sizeof(in), now);
			/* ours two frames ahead, as the pacer sends them */
			rec_agent(calls[i], now + 2 * REC_SLOT_US, out, now);
		}
	}
	for (i = 0; i < ncalls; i++)
		rec_close(calls[i], t0 + (uint64_t)(frames + 1) * REC_SLOT_US);
	rec_stop();
	c1 = cpu_s();
	rmdir(dir);
	printf("{\"rec_bench_calls\": %d, \"rec_bench_call_s\": %d, "
	       "\"recording_cpu_ms_per_call_min\": %.3f, "
	       "\"rec_bench_kb_per_min\": %.1f}\n",
	    ncalls, secs, (c1 - c0) * 1000 / (ncalls * secs / 60.0),
	    written / 1024.0 / (ncalls * secs / 60.0));
	free(calls);
	return 0;
}
