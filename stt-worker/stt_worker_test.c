/*
 * stt_worker_test.c - the real stt-worker daemon on the bus.  The test
 * plays the gateway (CALL_START, AUDIO_IN, DTMF, CALL_END; the audio on its
 * media pub only, which the daemon must dial instead of the gateway's
 * pub) and the agent (STT_HINT) on their pub sockets, starts build/bin/stt-worker with a
 * config it writes, and checks what the agent would receive:
 * SPEECH_STARTED, SPEECH_STOPPED, interim and final TRANSCRIPTs with the
 * documented fields.  Also: an unknown engine exits 78.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bus.h"
#include "clock.h"
#include "tests/harness/flite_synth.h"
#include "log.h"
#include "mulaw.h"

static pid_t daemon_pid;
static char bin[512], dir[64], conf[128], ready[128], gw_addr[128],
    gw_media[128], ag_addr[128], stt_addr[128];

static void
write_conf(const char *engine)
{
	FILE *f = fopen(conf, "w");

	assert_non_null(f);
	fprintf(f,
	    "bus: { rundir = \"%s\"; };\n"
	    "stt: { engine = \"%s\"; decoders = 1; };\n",
	    dir, engine);
	fclose(f);
}

static pid_t
start(void)
{
	pid_t p = fork();

	assert_true(p >= 0);
	if (p == 0) {
		/* a test that dies must not leave the daemon behind */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setenv("FRONTDESK_READY_FILE", ready, 1);
		execl(bin, "stt-worker", "-f", conf, (char *)NULL);
		_exit(127);
	}
	return p;
}

static void
test_unknown_engine(void **state)
{
	int st;
	pid_t p;

	(void)state;
	write_conf("nope");
	p = start();
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 78);
}

struct got {
	int started, stopped, interim, finals;
	char text[512];
	json_t *final;
};

static void
drain(struct fd_bus *sub, struct got *g, int want_finals, int ms)
{
	uint64_t end = fd_mono_us() + (uint64_t)ms * 1000;
	struct fd_frame f;
	nng_msg *m;
	json_t *j;

	while (g->finals < want_finals && fd_mono_us() < end) {
		if (fd_bus_recv(sub, &m, &f, 100) != 0)
			continue;
		assert_string_equal(f.call_id, "CAe2e");
		j = fd_frame_json(&f);
		assert_non_null(j);
		switch (f.type) {
		case FD_MSG_SPEECH_STARTED:
			assert_true(
			    json_is_integer(json_object_get(j, "at_ms")));
			g->started++;
			break;
		case FD_MSG_SPEECH_STOPPED:
			assert_true(
			    json_is_integer(json_object_get(j, "dur_ms")));
			g->stopped++;
			break;
		case FD_MSG_TRANSCRIPT:
			if (!json_is_true(json_object_get(j, "final"))) {
				g->interim++;
				break;
			}
			g->finals++;
			snprintf(g->text, sizeof(g->text), "%s",
			    json_string_value(json_object_get(j, "text")));
			json_decref(g->final);
			g->final = json_incref(j);
			break;
		default:
			fail_msg("unexpected %s", fd_msg_name(f.type));
		}
		json_decref(j);
		nng_msg_free(m);
	}
}

static void
send_audio(struct fd_bus *gw, const char *voice, const char *text, int tail_ms)
{
	size_t n, i, off;
	int16_t *pcm = flite_synth_8k(voice, text, &n);
	size_t total = 4000 + n + (size_t)tail_ms * 8;
	uint8_t *u = malloc(total);
	uint64_t t0 = fd_mono_us();

	assert_non_null(pcm);
	assert_non_null(u);
	memset(u, FD_ULAW_SILENCE, total);
	for (i = 0; i < n; i++)
		u[4000 + i] = fd_ulaw_encode(pcm[i]);
	/* twice real time: the daemon must keep up */
	for (off = 0; off + 160 <= total; off += 160) {
		uint64_t due = t0 + off * 125 / 2, now = fd_mono_us();
		if (due > now)
			fd_sleep_us(due - now);
		assert_int_equal(fd_bus_publish(gw, FD_MSG_AUDIO_IN, "CAe2e", 0,
		                     u + off, 160),
		    0);
	}
	free(pcm);
	free(u);
}

static void
test_daemon(void **state)
{
	const char *subs[1] = {stt_addr};
	static const int types[] = {
	    FD_MSG_SPEECH_STARTED, FD_MSG_SPEECH_STOPPED, FD_MSG_TRANSCRIPT};
	static const char start_json[] =
	    "{\"call_id\":\"CAe2e\",\"from\":\"+15555550123\"}";
	struct fd_bus gw, ag, sub;
	struct got g = {0};
	json_t *hint;
	pid_t p;
	int st, i;

	(void)state;
	write_conf("pocketsphinx");
	assert_int_equal(fd_bus_open_addrs(&gw, gw_addr, NULL, 0, NULL, 0), 0);
	assert_int_equal(
	    fd_bus_listen_media(&gw, gw_media, FD_MSG_AUDIO_IN), 0);
	assert_int_equal(fd_bus_open_addrs(&ag, ag_addr, NULL, 0, NULL, 0), 0);
	assert_int_equal(fd_bus_open_addrs(&sub, NULL, subs, 1, types, 3), 0);
	unlink(ready);
	p = daemon_pid = start();
	/* the daemon loads its models (4 to 12 s on a busy machine), dials
	 * us and says it is ready; then our subscriber's redial finds it */
	for (i = 0; i < 600 && access(ready, F_OK) != 0; i++)
		fd_sleep_us(100000);
	assert_int_equal(access(ready, F_OK), 0);
	fd_sleep_us(500000);
	assert_int_equal(kill(p, 0), 0);
	/* it dialled one of the gateway's two pubs: the media one, or it
	 * would hear no audio below */
	assert_int_equal(__atomic_load_n(&gw.subs, __ATOMIC_SEQ_CST), 1);
	fd_bus_publish(
	    &gw, FD_MSG_CALL_START, "CAe2e", 0, start_json, strlen(start_json));
	fd_sleep_us(100000);
	send_audio(&gw, "kal", "book an oil change next tuesday at ten", 1200);
	drain(&sub, &g, 1, 10000);
	print_message("heard \"%s\": %d started, %d stopped, %d interim\n",
	    g.text, g.started, g.stopped, g.interim);
	assert_int_equal(g.finals, 1);
	assert_true(g.started >= 1 && g.stopped >= 1 && g.interim >= 1);
	assert_non_null(strstr(g.text, "oil change"));
	assert_non_null(strstr(g.text, "tuesday"));
	assert_true(
	    json_real_value(json_object_get(g.final, "confidence")) > 0);
	assert_true(
	    json_integer_value(json_object_get(g.final, "speech_end_us")) > 0);
	assert_true(json_integer_value(json_object_get(g.final, "end_ms")) >
	    json_integer_value(json_object_get(g.final, "start_ms")));

	/* the agent asks for digits; a key press finalises what is open */
	hint = json_pack(
	    "{s:s,s:[s]}", "expect", "digits", "words", "Zelda Fitzgerald");
	fd_bus_publish_json(&ag, FD_MSG_STT_HINT, "CAe2e", 0, hint);
	json_decref(hint);
	send_audio(&gw, "kal", "my number is five five five one two", 200);
	fd_bus_publish(&gw, FD_MSG_DTMF, "CAe2e", 0, "{\"digit\":\"1\"}", 13);
	drain(&sub, &g, 2, 10000);
	print_message("heard \"%s\"\n", g.text);
	assert_int_equal(g.finals, 2);
	assert_non_null(strstr(g.text, "five five"));

	fd_bus_publish(
	    &gw, FD_MSG_CALL_END, "CAe2e", 0, "{\"reason\":\"stop\"}", 17);
	fd_sleep_us(200000);
	kill(p, SIGTERM);
	assert_int_equal(waitpid(p, &st, 0), p);
	daemon_pid = 0;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	json_decref(g.final);
	fd_bus_close(&gw);
	fd_bus_close(&ag);
	fd_bus_close(&sub);
}

/* a failed assertion must not leave the daemon running */
static int
teardown(void **state)
{
	(void)state;
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGKILL);
		waitpid(daemon_pid, NULL, 0);
		daemon_pid = 0;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unknown_engine),
	    cmocka_unit_test_teardown(test_daemon, teardown),
	};
	const char *build = getenv("BUILD");
	int rv;

	(void)argc;
	log_init("stt_worker_test", LOG_LVL_WARN);
	/* build/test/stt_worker_test -> build/bin/stt-worker */
	if (build)
		snprintf(bin, sizeof(bin), "%s/bin/stt-worker", build);
	else
		snprintf(bin, sizeof(bin), "%.*s/../bin/stt-worker",
		    (int)(strrchr(argv[0], '/')
		            ? strrchr(argv[0], '/') - argv[0]
		            : 1),
		    strrchr(argv[0], '/') ? argv[0] : ".");
	snprintf(dir, sizeof(dir), "/tmp/stt-e2e-%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(conf, sizeof(conf), "%s/stt.conf", dir);
	snprintf(ready, sizeof(ready), "%s/ready", dir);
	snprintf(gw_addr, sizeof(gw_addr), "ipc://%s/gateway.pub", dir);
	snprintf(gw_media, sizeof(gw_media), "ipc://%s/gateway-media.pub", dir);
	snprintf(ag_addr, sizeof(ag_addr), "ipc://%s/agent.pub", dir);
	snprintf(stt_addr, sizeof(stt_addr), "ipc://%s/stt-worker.pub", dir);
	rv = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(conf);
	unlink(ready);
	rmdir(dir);
	return rv;
}
