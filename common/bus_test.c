/*
 * bus_test.c - a subscriber hears a publisher again after the publisher's
 * process is killed (SIGKILL, so its ipc socket file stays behind) and
 * started anew, twenty times over ipc and five over tcp; the watchdog
 * re-creates a dialer that stopped trying; publishers added and dropped
 * while running (cluster mode) are heard and forgotten.  A media pub
 * carries the media type alone and every other frame as the pub does, in
 * order, and is heard again after its publisher restarts as the pub is.
 * The publishers are this program run again with "--pub ADDR [MEDIA]":
 * real processes, as the daemons are.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <spawn.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "bus.h"
#include "clock.h"

extern char **environ;

/* --pub ADDR [MEDIA]: publish a TRANSCRIPT every 20 ms until killed;
 * with MEDIA, a media pub there and an AUDIO_IN on it every 20 ms too. */
static int
publisher_main(const char *addr, const char *media)
{
	static const uint8_t audio[160];
	struct fd_bus b;
	uint32_t ref = 0;

	if (fd_bus_open_addrs(&b, addr, NULL, 0, NULL, 0) != 0)
		return 1;
	if (media && fd_bus_listen_media(&b, media, FD_MSG_AUDIO_IN) != 0)
		return 1;
	for (;;) {
		fd_bus_publish(&b, FD_MSG_TRANSCRIPT, "c1", 0, "{}", 2);
		if (media)
			fd_bus_publish(&b, FD_MSG_AUDIO_IN, "c1", ++ref, audio,
			    sizeof(audio));
		fd_sleep_us(20000);
	}
}

static pid_t
spawn_publisher2(const char *addr, const char *media)
{
	char *argv[] = {"bus_test", "--pub", (char *)addr, (char *)media, NULL};
	pid_t pid;

	assert_int_equal(
	    posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ), 0);
	return pid;
}

static pid_t
spawn_publisher(const char *addr)
{
	return spawn_publisher2(addr, NULL);
}

/* The next non-heartbeat frame within ms, its type, or -1. */
static int
next_frame(struct fd_bus *b, int ms)
{
	uint64_t end = fd_mono_us() + (uint64_t)ms * 1000;
	struct fd_frame f;
	nng_msg *m;
	int type;

	while (fd_mono_us() < end) {
		if (fd_bus_recv(b, &m, &f, 100) == 0) {
			type = f.type;
			nng_msg_free(m);
			return type;
		}
	}
	return -1;
}

/* Drain what the killed publisher left queued. */
static void
drain(struct fd_bus *b)
{
	struct fd_frame f;
	nng_msg *m;

	while (fd_bus_recv(b, &m, &f, 0) == 0)
		nng_msg_free(m);
}

/* n times: a publisher at addr starts, is heard, is killed.  With
 * media, the subscriber dials the media pub for AUDIO_IN only. */
static void
restarts(const char *addr, const char *media, int n)
{
	const int type = media ? FD_MSG_AUDIO_IN : FD_MSG_TRANSCRIPT;
	const char *subs[] = {media ? media : addr};
	struct fd_bus_peer p;
	uint64_t inst = 0;
	struct fd_bus b;
	pid_t pid;
	int i, status;

	assert_int_equal(fd_bus_open_addrs(&b, NULL, subs, 1, &type, 1), 0);
	for (i = 0; i < n; i++) {
		pid = spawn_publisher2(addr, media);
		assert_int_equal(next_frame(&b, 10000), type);
		/* its heartbeat says a new instance each time */
		while (fd_bus_peer_get(&b, 0, &p) == 0 && p.instance == inst)
			assert_int_equal(next_frame(&b, 1000), type);
		assert_true(p.instance != 0 && p.instance != inst);
		inst = p.instance;
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		/* the socket went with the process: no peer until the
		 * next one listens */
		while (fd_bus_peer_get(&b, 0, &p) == 0 && p.pipe != 0)
			fd_sleep_us(5000);
		drain(&b);
		/* half the time the new one starts before nng's next
		 * attempt, half the time after a few refused ones */
		if (i % 2)
			fd_sleep_us(300000);
	}
	fd_bus_close(&b);
}

static void
test_restart_ipc(void **state)
{
	char addr[128];

	(void)state;
	snprintf(
	    addr, sizeof(addr), "ipc:///tmp/fd-bus-test-%d.pub", (int)getpid());
	restarts(addr, NULL, 20);
	unlink(addr + 6);
}

static void
test_restart_tcp(void **state)
{
	char addr[64];

	(void)state;
	snprintf(addr, sizeof(addr), "tcp://127.0.0.1:%d", fd_free_port());
	restarts(addr, NULL, 5);
}

/* The media pub's subscriber hears a killed-and-restarted publisher
 * again, as the pub's does: ten times over ipc, three over tcp. */
static void
test_media_restart(void **state)
{
	char addr[128], media[128];

	(void)state;
	snprintf(
	    addr, sizeof(addr), "ipc:///tmp/fd-bus-mr-%d.pub", (int)getpid());
	snprintf(media, sizeof(media), "ipc:///tmp/fd-bus-mr-%d-media.pub",
	    (int)getpid());
	restarts(addr, media, 10);
	unlink(addr + 6);
	unlink(media + 6);
	snprintf(addr, sizeof(addr), "tcp://127.0.0.1:%d", fd_free_port());
	snprintf(media, sizeof(media), "tcp://127.0.0.1:%d", fd_free_port());
	restarts(addr, media, 3);
}

/* Receive every non-heartbeat frame for ms into types[]/refs[]. */
static int
collect(struct fd_bus *b, int ms, int *types, uint32_t *refs, int max)
{
	uint64_t end = fd_mono_us() + (uint64_t)ms * 1000;
	struct fd_frame f;
	nng_msg *m;
	int n = 0;

	while (fd_mono_us() < end && n < max)
		if (fd_bus_recv(b, &m, &f, 50) == 0) {
			types[n] = f.type;
			refs[n++] = f.ref;
			nng_msg_free(m);
		}
	return n;
}

/* A media pub: the media type goes there alone; everything else on both
 * pubs, heartbeats included, so its subscriber hears a call's start, its
 * audio and its end in the order sent, and the pub's subscriber the
 * same without one audio frame, though it asked for them. */
static void
test_media_routing(void **state)
{
	static const int types[] = {
	    FD_MSG_CALL_START, FD_MSG_AUDIO_IN, FD_MSG_CALL_END};
	static const uint8_t audio[160];
	char addr[128], media[128];
	const char *sa[] = {addr}, *sm[] = {media};
	struct fd_bus pub, a, m;
	struct fd_bus_peer pa, pm;
	int got[300], i, n;
	uint32_t refs[300];

	(void)state;
	snprintf(
	    addr, sizeof(addr), "ipc:///tmp/fd-bus-rt-%d.pub", (int)getpid());
	snprintf(media, sizeof(media), "ipc:///tmp/fd-bus-rt-%d-media.pub",
	    (int)getpid());
	assert_int_equal(fd_bus_open_addrs(&pub, addr, NULL, 0, NULL, 0), 0);
	assert_int_equal(fd_bus_listen_media(&pub, media, FD_MSG_AUDIO_IN), 0);
	/* once only */
	assert_int_equal(
	    fd_bus_listen_media(&pub, media, FD_MSG_AUDIO_IN), NNG_EINVAL);
	assert_int_equal(fd_bus_open_addrs(&a, NULL, sa, 1, types, 3), 0);
	assert_int_equal(fd_bus_open_addrs(&m, NULL, sm, 1, types, 3), 0);
	assert_true(fd_bus_subscribes(&a, FD_MSG_AUDIO_IN));
	assert_true(fd_bus_subscribes(&a, FD_MSG_HEARTBEAT));
	assert_false(fd_bus_subscribes(&a, FD_MSG_MARK));
	assert_int_equal(fd_bus_wait_connected(&a, 5000), 0);
	assert_int_equal(fd_bus_wait_connected(&m, 5000), 0);
	for (i = 0; i < 500 && __atomic_load_n(&pub.subs, __ATOMIC_SEQ_CST) < 2;
	     i++)
		fd_sleep_us(10000);
	assert_int_equal(pub.subs, 2);
	assert_true(pub.subs_ever >= 2);

	assert_int_equal(
	    fd_bus_publish(&pub, FD_MSG_CALL_START, "c1", 0, "{}", 2), 0);
	for (i = 1; i <= 250; i++)
		assert_int_equal(fd_bus_publish(&pub, FD_MSG_AUDIO_IN, "c1",
		                     (uint32_t)i, audio, sizeof(audio)),
		    0);
	assert_int_equal(
	    fd_bus_publish(&pub, FD_MSG_CALL_END, "c1", 0, "{}", 2), 0);

	n = collect(&m, 1500, got, refs, 300);
	assert_int_equal(n, 252);
	assert_int_equal(got[0], FD_MSG_CALL_START);
	for (i = 1; i <= 250; i++) {
		assert_int_equal(got[i], FD_MSG_AUDIO_IN);
		assert_int_equal(refs[i], (uint32_t)i);
	}
	assert_int_equal(got[251], FD_MSG_CALL_END);

	n = collect(&a, 500, got, refs, 300);
	assert_int_equal(n, 2);
	assert_int_equal(got[0], FD_MSG_CALL_START);
	assert_int_equal(got[1], FD_MSG_CALL_END);

	/* both hear the one publisher's heartbeats */
	while (fd_bus_peer_get(&a, 0, &pa) == 0 && pa.instance == 0)
		assert_int_equal(next_frame(&a, 300), -1);
	while (fd_bus_peer_get(&m, 0, &pm) == 0 && pm.instance == 0)
		assert_int_equal(next_frame(&m, 300), -1);
	assert_true(pa.instance == pub.instance);
	assert_true(pm.instance == pub.instance);

	fd_bus_close(&a);
	fd_bus_close(&m);
	fd_bus_close(&pub);
	unlink(addr + 6);
	unlink(media + 6);
}

/* A subscriber dials a daemon's media pub exactly when it takes the
 * daemon's media type; a daemon without one at its pub. */
static void
test_source_addr(void **state)
{
	static const int stt[] = {FD_MSG_CALL_START, FD_MSG_AUDIO_IN};
	static const int tts[] = {FD_MSG_CALL_START, FD_MSG_CALL_END};
	struct fd_common_cfg saved = fd_common;

	(void)state;
	assert_int_equal(fd_daemons[FD_D_GATEWAY].media_type, FD_MSG_AUDIO_IN);
	snprintf(fd_common.pub[FD_D_GATEWAY], 256, "tcp://10.0.0.1:7000");
	snprintf(fd_common.media[FD_D_GATEWAY], 256, "tcp://10.0.0.1:7007");
	snprintf(fd_common.pub[FD_D_AGENT], 256, "ipc:///r/agent.pub");
	assert_string_equal(
	    fd_bus_source_addr(FD_D_GATEWAY, stt, 2), "tcp://10.0.0.1:7007");
	assert_string_equal(
	    fd_bus_source_addr(FD_D_GATEWAY, tts, 2), "tcp://10.0.0.1:7000");
	assert_string_equal(
	    fd_bus_source_addr(FD_D_GATEWAY, NULL, 0), "tcp://10.0.0.1:7000");
	/* the agent has no media pub: AUDIO_IN from it is on its pub */
	assert_string_equal(
	    fd_bus_source_addr(FD_D_AGENT, stt, 2), "ipc:///r/agent.pub");
	fd_common = saved;
}

/* A dialer that gave up (closed under the bus, as nng would leave it if
 * it stopped retrying) is replaced by the watchdog. */
static void
test_watchdog_redials(void **state)
{
	static const int types[] = {FD_MSG_TRANSCRIPT};
	char addr[128];
	const char *subs[] = {addr};
	struct fd_bus_peer p;
	struct fd_bus pub, b;

	(void)state;
	snprintf(
	    addr, sizeof(addr), "ipc:///tmp/fd-bus-wd-%d.pub", (int)getpid());
	assert_int_equal(fd_bus_open_addrs(&pub, addr, NULL, 0, NULL, 0), 0);
	assert_int_equal(fd_bus_open_addrs(&b, NULL, subs, 1, types, 1), 0);
	assert_int_equal(fd_bus_wait_connected(&b, 5000), 0);
	/* a live publisher's heartbeats keep its dialer: no re-dial */
	assert_int_equal(next_frame(&b, FD_BUS_SILENT_MS * 5 / 2), -1);
	fd_bus_peer_get(&b, 0, &p);
	assert_int_equal(p.redials, 0);
	assert_true(p.pipe != 0 && p.instance != 0);
	nng_dialer_close(p.dialer);
	while (fd_bus_peer_get(&b, 0, &p) == 0 && p.pipe != 0)
		fd_sleep_us(5000);
	drain(&b);
	assert_int_equal(
	    fd_bus_publish(&pub, FD_MSG_TRANSCRIPT, "c1", 0, "{}", 2), 0);
	assert_int_equal(next_frame(&b, 300), -1); /* deaf now */
	assert_int_equal(fd_bus_wait_connected(&b, FD_BUS_SILENT_MS * 5), 0);
	fd_bus_peer_get(&b, 0, &p);
	assert_int_equal(p.redials, 1);
	assert_int_equal(
	    fd_bus_publish(&pub, FD_MSG_TRANSCRIPT, "c1", 0, "{}", 2), 0);
	assert_int_equal(next_frame(&b, 2000), FD_MSG_TRANSCRIPT);
	fd_bus_close(&b);
	fd_bus_close(&pub);
}

/* A publisher that is not listening yet (a slow start) keeps the dialer
 * nng retries: the watchdog does not replace it, and the subscriber hears
 * the publisher as soon as it listens. */
static void
test_down_publisher_keeps_dialer(void **state)
{
	static const int types[] = {FD_MSG_TRANSCRIPT};
	char addr[128];
	const char *subs[] = {addr};
	struct fd_bus_peer p;
	struct fd_bus pub, b;
	nng_dialer first;

	(void)state;
	snprintf(
	    addr, sizeof(addr), "ipc:///tmp/fd-bus-down-%d.pub", (int)getpid());
	unlink(addr + strlen("ipc://"));
	assert_int_equal(fd_bus_open_addrs(&b, NULL, subs, 1, types, 1), 0);
	fd_bus_peer_get(&b, 0, &p);
	first = p.dialer;
	assert_int_equal(
	    fd_bus_wait_connected(&b, FD_BUS_SILENT_MS * 5 / 2), -1);
	fd_bus_peer_get(&b, 0, &p);
	assert_int_equal(p.redials, 0);
	assert_int_equal(nng_dialer_id(p.dialer), nng_dialer_id(first));
	assert_int_equal(fd_bus_open_addrs(&pub, addr, NULL, 0, NULL, 0), 0);
	assert_int_equal(fd_bus_wait_connected(&b, 1000), 0);
	assert_int_equal(
	    fd_bus_publish(&pub, FD_MSG_TRANSCRIPT, "c1", 0, "{}", 2), 0);
	assert_int_equal(next_frame(&b, 2000), FD_MSG_TRANSCRIPT);
	fd_bus_peer_get(&b, 0, &p);
	assert_int_equal(p.redials, 0);
	fd_bus_close(&b);
	fd_bus_close(&pub);
}

/* Cluster mode's dialling: a subscriber opened with no publisher hears
 * the ones added later, a dropped one no more (its slot is reused), and
 * readiness counts only the publishers dialled now. */
static void
test_add_drop_peer(void **state)
{
	static const int types[] = {FD_MSG_TRANSCRIPT};
	char a1[128], a2[128];
	struct fd_bus p1, p2, b;

	(void)state;
	snprintf(
	    a1, sizeof(a1), "ipc:///tmp/fd-bus-add1-%d.pub", (int)getpid());
	snprintf(
	    a2, sizeof(a2), "ipc:///tmp/fd-bus-add2-%d.pub", (int)getpid());
	assert_int_equal(fd_bus_open_addrs(&p1, a1, NULL, 0, NULL, 0), 0);
	assert_int_equal(fd_bus_open_addrs(&p2, a2, NULL, 0, NULL, 0), 0);
	assert_int_equal(fd_bus_open_addrs(&b, NULL, NULL, 0, types, 1), 0);
	assert_int_equal(fd_bus_wait_connected(&b, 100), 0); /* nobody yet */
	assert_int_equal(fd_bus_add_peer(&b, a1), 0);
	assert_int_equal(fd_bus_add_peer(&b, a1), 0); /* once only */
	assert_int_equal(fd_bus_add_peer(&b, a2), 0);
	assert_int_equal(b.live, 2);
	assert_int_equal(fd_bus_wait_connected(&b, 5000), 0);
	assert_int_equal(
	    fd_bus_publish(&p2, FD_MSG_TRANSCRIPT, "c1", 0, "{}", 2), 0);
	assert_int_equal(next_frame(&b, 2000), FD_MSG_TRANSCRIPT);
	assert_int_equal(fd_bus_drop_peer(&b, a1), 0);
	assert_int_equal(fd_bus_drop_peer(&b, a1), -1);
	assert_int_equal(b.live, 1);
	assert_int_equal(b.pipes, 1);
	drain(&b);
	assert_int_equal(
	    fd_bus_publish(&p1, FD_MSG_TRANSCRIPT, "c1", 0, "{}", 2), 0);
	assert_int_equal(next_frame(&b, 300), -1); /* not dialled now */
	/* p1 comes back into the freed slot */
	assert_int_equal(fd_bus_add_peer(&b, a1), 0);
	assert_int_equal(b.nsub, 2);
	assert_int_equal(fd_bus_wait_connected(&b, 5000), 0);
	assert_int_equal(
	    fd_bus_publish(&p1, FD_MSG_TRANSCRIPT, "c1", 0, "{}", 2), 0);
	assert_int_equal(next_frame(&b, 2000), FD_MSG_TRANSCRIPT);
	fd_bus_close(&b);
	fd_bus_close(&p1);
	fd_bus_close(&p2);
}

/* Open descriptors of process pid (its sockets among them). */
static int
fd_count(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	assert_non_null(d = opendir(path));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A publisher stopped (SIGSTOP: alive, its socket open, nothing read or
 * sent) for stop_ms is not re-dialled more than max_redials times, the
 * connections waiting on its socket stay bounded, and it is heard again
 * at once after SIGCONT.  A re-dial every silent period used to pile a
 * new connection on a loaded publisher every 2 s. */
static void
stalled(const char *addr, int stop_ms, int max_redials)
{
	static const int types[] = {FD_MSG_TRANSCRIPT};
	const char *subs[] = {addr};
	struct fd_bus_peer p;
	struct fd_bus b;
	pid_t pid;
	int n0, n1, status;

	assert_int_equal(fd_bus_open_addrs(&b, NULL, subs, 1, types, 1), 0);
	pid = spawn_publisher(addr);
	assert_int_equal(next_frame(&b, 10000), FD_MSG_TRANSCRIPT);
	n0 = fd_count(pid);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	drain(&b);
	/* keep reading, as a daemon does, so the silence counts */
	assert_int_equal(next_frame(&b, stop_ms), -1);
	fd_bus_peer_get(&b, 0, &p);
	assert_in_range(p.redials, 0, max_redials);
	assert_int_equal(kill(pid, SIGCONT), 0);
	assert_int_equal(next_frame(&b, 3000), FD_MSG_TRANSCRIPT);
	fd_sleep_us(500000);
	n1 = fd_count(pid);
	assert_in_range(n1, 0, n0 + max_redials);
	fd_bus_peer_get(&b, 0, &p);
	assert_int_equal(p.strikes, 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	fd_bus_close(&b);
}

static void
test_stalled_ipc(void **state)
{
	char addr[128];

	(void)state;
	snprintf(
	    addr, sizeof(addr), "ipc:///tmp/fd-bus-st-%d.pub", (int)getpid());
	/* a local publisher that still runs is never re-dialled */
	stalled(addr, FD_BUS_SILENT_MS * 3, 0);
	unlink(addr + 6);
}

static void
test_stalled_tcp(void **state)
{
	char addr[64];

	(void)state;
	snprintf(addr, sizeof(addr), "tcp://127.0.0.1:%d", fd_free_port());
	/* over tcp the other end's process is not known: re-dials back
	 * off, 2 s then 4 s then 8 s */
	stalled(addr, FD_BUS_SILENT_MS * 4, 2);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_restart_ipc),
	    cmocka_unit_test(test_restart_tcp),
	    cmocka_unit_test(test_watchdog_redials),
	    cmocka_unit_test(test_down_publisher_keeps_dialer),
	    cmocka_unit_test(test_add_drop_peer),
	    cmocka_unit_test(test_stalled_ipc),
	    cmocka_unit_test(test_stalled_tcp),
	    cmocka_unit_test(test_media_routing),
	    cmocka_unit_test(test_media_restart),
	    cmocka_unit_test(test_source_addr),
	};

	if (argc >= 3 && strcmp(argv[1], "--pub") == 0)
		return publisher_main(argv[2], argc >= 4 ? argv[3] : NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
