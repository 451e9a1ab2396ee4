/*
 * busbench - our own added latency per bus hop.
 *
 * A publisher thread sends N frames of each kind (a 160-byte audio frame,
 * a small JSON event) at a steady rate over a real nng pub/sub socket pair
 * (ipc:// by default, any address with -a); the subscriber reads the send
 * stamp from each frame header and records receive - send.  Prints JSON:
 * hop_us_p50, hop_us_p99, hop_us_max, frames, lost.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "clock.h"
#include "log.h"

static struct fd_bus pub;
static int nframes = 20000;
static int rate_hz = 2000;

static void *
publisher(void *arg)
{
	uint8_t audio[160];
	uint64_t t0 = fd_mono_us(), at;
	int i;

	(void)arg;
	memset(audio, 0xff, sizeof(audio));
	for (i = 0; i < nframes; i++) {
		at = t0 + (uint64_t)i * 1000000u / (uint64_t)rate_hz;
		while (fd_mono_us() < at)
			fd_sleep_us(at - fd_mono_us() > 200 ? 100 : 10);
		if (i % 2)
			fd_bus_publish(&pub, FD_MSG_AUDIO_OUT,
			    "CA00000000000000000000000000000001", 1, audio,
			    sizeof(audio));
		else
			fd_bus_publish(&pub, FD_MSG_TRANSCRIPT,
			    "CA00000000000000000000000000000001", 0,
			    "{\"text\":\"hello\",\"final\":true}", 30);
	}
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	char addr[256];
	const char *subs[1];
	int types[] = {FD_MSG_AUDIO_OUT, FD_MSG_TRANSCRIPT, FD_MSG_CALL_END};
	struct fd_bus sub;
	struct fd_frame f;
	pthread_t thr;
	uint64_t *lat;
	nng_msg *m;
	int ch, got = 0, i;

	snprintf(
	    addr, sizeof(addr), "ipc:///tmp/busbench-%d.pub", (int)getpid());
	while ((ch = getopt(argc, argv, "a:n:r:")) != -1) {
		switch (ch) {
		case 'a':
			snprintf(addr, sizeof(addr), "%s", optarg);
			break;
		case 'n':
			nframes = atoi(optarg);
			break;
		case 'r':
			rate_hz = atoi(optarg);
			break;
		default:
			fprintf(stderr,
			    "usage: busbench [-a addr] [-n frames] "
			    "[-r rate_hz]\n");
			return 2;
		}
	}
	if (nframes < 1 || rate_hz < 1)
		return 2;
	log_init("busbench", LOG_LVL_WARN);
	subs[0] = addr;
	if (fd_bus_open_addrs(&pub, addr, NULL, 0, NULL, 0) != 0 ||
	    fd_bus_open_addrs(&sub, NULL, subs, 1, types, 3) != 0)
		fatalx("cannot open the bus on %s", addr);
	/* wait until the subscription is live */
	for (i = 0; i < 200; i++) {
		fd_bus_publish(&pub, FD_MSG_CALL_END, "", 0, "{}", 2);
		if (fd_bus_recv(&sub, &m, &f, 10) == 0) {
			nng_msg_free(m);
			break;
		}
	}
	while (fd_bus_recv(&sub, &m, &f, 50) == 0)
		nng_msg_free(m);
	if ((lat = calloc((size_t)nframes, sizeof(*lat))) == NULL)
		return 1;
	pthread_create(&thr, NULL, publisher, NULL);
	while (got < nframes && fd_bus_recv(&sub, &m, &f, 1000) == 0) {
		lat[got++] = fd_mono_us() - f.ts_us;
		nng_msg_free(m);
	}
	pthread_join(thr, NULL);
	qsort(lat, (size_t)got, sizeof(*lat), cmp_u64);
	printf("{\"hop_us_p50\": %llu, \"hop_us_p99\": %llu, "
	       "\"hop_us_max\": %llu, \"hop_frames\": %d, \"hop_lost\": %d}\n",
	    got ? (unsigned long long)lat[got / 2] : 0,
	    got ? (unsigned long long)lat[(size_t)got * 99 / 100] : 0,
	    got ? (unsigned long long)lat[got - 1] : 0, got, nframes - got);
	free(lat);
	fd_bus_close(&pub);
	fd_bus_close(&sub);
	return got == nframes ? 0 : 1;
}
