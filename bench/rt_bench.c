/*
 * rt_bench.c - what the Realtime engine adds to a turn: the real agent
 * (agent.engine = "realtime") against tests/peers/openai/realtime_peer.py,
 * driven by tests/harness/rt_harness.c as the gateway.  For each caller
 * turn, our time is the harness's, from publishing the AUDIO_IN frame
 * that ends the caller's turn (the one that completes the server VAD's
 * silence) to receiving the first AUDIO_OUT of the answer, less the
 * peer's own time between reading that frame and sending its first
 * audio delta (its scripted delay included), which the peer logs.  What
 * is left is ours: the bus both ways, the agent's queue, base64 and JSON
 * both ways, the WebSocket client, and the wait for a reply's lead
 * (agent.realtime.lead_ms, held until it has come).  Prints one JSON
 * object: realtime_overhead_ms_p50 / _p95 / _max and the turns measured.
 * Usage: rt-bench [-n turns] [-d peer_delay_ms] [-l lead_ms]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "tests/harness/rt_harness.h"

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const double *v, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);

	return n ? v[i < n ? i : n - 1] : 0;
}

int
main(int argc, char **argv)
{
	struct rth h;
	char *script, delay[16], *pa[3], extra[32] = "";
	size_t len, o;
	double *over;
	uint64_t trig;
	json_t *resp, *r;
	int n = 20, d = 200, i, c, k, got = 0, at;
	const char *call = "CAbench1";

	while ((c = getopt(argc, argv, "n:d:l:")) != -1) {
		if (c == 'n')
			n = atoi(optarg);
		else if (c == 'd')
			d = atoi(optarg);
		else if (c == 'l')
			snprintf(extra, sizeof(extra), "lead_ms = %d;",
			    atoi(optarg));
		else {
			fprintf(stderr,
			    "usage: rt-bench [-n turns] "
			    "[-d peer_delay_ms] [-l lead_ms]\n");
			return 2;
		}
	}
	if (n < 1 || n > 500)
		n = 20;
	log_init("rt-bench", LOG_LVL_WARN);
	len = 200 + (size_t)n * 32;
	if ((script = malloc(len)) == NULL ||
	    (over = calloc((size_t)n, sizeof(*over))) == NULL)
		return 1;
	o = (size_t)snprintf(script, len,
	    "{\"transcripts\": [], "
	    "\"responses\": [{\"say\": \"Hello, how can I help?\"}");
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(script + o, len - o,
		    ", {\"say\": "
		    "\"Sure, one moment.\"}");
	snprintf(script + o, len - o, "]}");
	snprintf(delay, sizeof(delay), "%d", d);
	pa[0] = "--reply-delay-ms";
	pa[1] = delay;
	pa[2] = NULL;
	if (rth_start(&h, script, (const char *const *)pa, extra) != 0 ||
	    rth_call(&h, call, "+15555550999", 10000) != 0) {
		fprintf(stderr,
		    "rt-bench: the agent or the peer did not "
		    "start\n");
		rth_stop(&h);
		return 1;
	}
	/* let the greeting finish; the caller's audio at the line's pace */
	fd_sleep_us(500000);
	h.pace_us = 20000;
	for (k = 0; k < n; k++) {
		int from = rth_nframes(&h);

		rth_speak(&h, call, 400, 400, 300, &trig);
		at = rth_wait_frame(
		    &h, FD_MSG_AUDIO_OUT, (uint32_t)(k + 2), from, 5000);
		if (at < 0) {
			fprintf(
			    stderr, "rt-bench: turn %d: no answer\n", k + 1);
			continue;
		}
		over[k] = (double)(rth_frame_at(&h, at).at_us - trig) / 1000.0;
		fd_sleep_us(300000); /* the answer's deltas go by */
	}
	/* take the peer's own time out of each turn */
	resp = rth_peer_events(&h, "response");
	json_array_foreach(resp, o, r)
	{
		int rn = (int)json_integer_value(json_object_get(r, "n"));
		double t0 = json_real_value(json_object_get(r, "trigger_mono"));
		double t1 =
		    json_real_value(json_object_get(r, "first_delta_mono"));

		k = rn - 2; /* response 1 is the greeting */
		if (k < 0 || k >= n || over[k] == 0 || t0 == 0 || t1 == 0)
			continue;
		over[got++] = over[k] - (t1 - t0) * 1000.0;
	}
	json_decref(resp);
	rth_call_end(&h, call);
	fd_sleep_us(200000);
	rth_stop(&h);
	qsort(over, (size_t)got, sizeof(*over), cmp_dbl);
	printf(
	    "{\"realtime_overhead_ms_p50\": %.2f, "
	    "\"realtime_overhead_ms_p95\": %.2f, \"realtime_overhead_ms_max\": "
	    "%.2f, \"realtime_turns\": %d, \"realtime_peer_delay_ms\": %d}\n",
	    pct(over, got, 0.5), pct(over, got, 0.95), got ? over[got - 1] : 0,
	    got, d);
	free(over);
	free(script);
	return got > 0 ? 0 : 1;
}
