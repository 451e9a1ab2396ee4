/*
 * session_test.c - a call's session survives encoding (every field, the
 * service by name, vehicles, offered slots, appointments, the core's
 * counters, the brain's own data), bad input is refused, and the Redis
 * store saves, loads and drops sessions on a private redis-server, and
 * degrades to "not saved" without one.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/agent_session.h"

static struct fd_business biz;

static void
fill(struct call_state *st)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->call_id, sizeof(st->call_id), "CA123");
	snprintf(st->from, sizeof(st->from), "+15551230001");
	st->customer_known = 1;
	st->identity_confirmed = 1;
	st->caller_denied = 0;
	st->verified = 1;
	snprintf(st->verify_phone, sizeof(st->verify_phone), "+15551230002");
	snprintf(st->first_name, sizeof(st->first_name), "Zoë \"Z\"");
	snprintf(st->last_name, sizeof(st->last_name), "O'Neil");
	st->nvehicles = 2;
	snprintf(st->vehicles[0].id, sizeof(st->vehicles[0].id), "7");
	snprintf(st->vehicles[0].desc, sizeof(st->vehicles[0].desc),
	    "2019 Honda Civic");
	snprintf(st->vehicles[1].id, sizeof(st->vehicles[1].id), "8");
	st->vehicle = 2;
	st->task = 2;
	st->pending_task = 5;
	st->service = &biz.services[1];
	st->have_day = 1;
	st->day = 1795842000;
	st->minute = 630;
	st->noffered = 2;
	snprintf(st->offered[0], sizeof(st->offered[0]), "2026-11-24T10:00");
	snprintf(st->offered[1], sizeof(st->offered[1]), "2026-11-24T10:30");
	snprintf(st->chosen, sizeof(st->chosen), "2026-11-24T10:30");
	st->nappts = 1;
	snprintf(st->appts[0].id, sizeof(st->appts[0].id), "501");
	snprintf(st->appts[0].confirmation, sizeof(st->appts[0].confirmation),
	    "K7Q2M");
	st->appt = 1;
	snprintf(st->msg_text, sizeof(st->msg_text), "call me\nback");
	st->asked = 11;
	st->misunderstandings = 2;
	snprintf(st->last_said, sizeof(st->last_said), "Shall I book it?");
	snprintf(st->outcome, sizeof(st->outcome), "booked");
}

static void
test_roundtrip(void **state)
{
	struct call_state a, b;
	struct session_core ca = {17, -123456789012LL, 2, 41500}, cb;
	json_t *brain, *back = NULL;
	char err[128], *text;

	(void)state;
	fill(&a);
	/* the brain's own data (an LLM's conversation) rides along as is */
	brain = json_pack("{s:[{s:s, s:s}], s:b}", "hist", "role", "user",
	    "content", "when is it \"ready\"?", "verified", 1);
	assert_non_null(text = session_encode(&a, &ca, brain));
	assert_int_equal(
	    session_decode(text, &biz, &b, &cb, &back, err, sizeof(err)), 0);
	free(text);
	assert_non_null(back);
	assert_true(json_equal(brain, back));
	json_decref(brain);
	json_decref(back);
	/* the service pointer is rebuilt from its name */
	assert_ptr_equal(b.service, &biz.services[1]);
	b.service = a.service;
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(cb.next_utt, 17);
	assert_true(cb.clock_offset_us == -123456789012LL);
	assert_int_equal(cb.idle_count, 2);
	assert_int_equal(cb.heard_end_ms, 41500);

	/* no brain data: none back */
	assert_non_null(text = session_encode(&a, &ca, NULL));
	back = json_true();
	assert_int_equal(
	    session_decode(text, &biz, &b, &cb, &back, err, sizeof(err)), 0);
	free(text);
	assert_null(back);
}

static void
test_bad_input(void **state)
{
	struct call_state st;
	struct session_core core;
	char err[128];

	(void)state;
	assert_int_equal(
	    session_decode("garbage", &biz, &st, &core, NULL, err, sizeof(err)),
	    -1);
	assert_int_equal(
	    session_decode("[1]", &biz, &st, &core, NULL, err, sizeof(err)),
	    -1);
	assert_int_equal(session_decode("{\"v\":99}", &biz, &st, &core, NULL,
	                     err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "version"));
	/* out-of-range indexes and an unknown service are cleaned */
	assert_int_equal(
	    session_decode(
	        "{\"v\":1,\"vehicle\":3,\"appt\":2,"
	        "\"service\":\"teleport\",\"first_name\":\"Ann\",\"extra\":1}",
	        &biz, &st, &core, NULL, err, sizeof(err)),
	    0);
	assert_int_equal(st.vehicle, 0);
	assert_int_equal(st.appt, 0);
	assert_null(st.service);
	assert_string_equal(st.first_name, "Ann");
}

static void
test_store_down(void **state)
{
	(void)state;
	session_store_init("unix:/nonexistent/redis.sock", 60);
	assert_int_equal(session_store_save("CAdown", "{}"), -1);
	assert_null(session_store_load("CAdown"));
	session_store_drop("CAdown");
	session_store_fini();
	session_store_init("", 60); /* disabled */
	assert_int_equal(session_store_save("CAdown", "{}"), -1);
	session_store_fini();
}

/* A private redis-server on unix socket sock (in dir); its pid. */
static pid_t
redis_start(const char *dir, const char *sock)
{
	pid_t pid;
	int i;

	if ((pid = fork()) == 0) {
		freopen("/dev/null", "w", stdout);
		execl("/usr/bin/redis-server", "redis-server", "--port", "0",
		    "--unixsocket", sock, "--save", "", "--appendonly", "no",
		    "--dir", dir, "--loglevel", "warning", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && access(sock, F_OK) != 0; i++)
		usleep(20000);
	assert_int_equal(access(sock, F_OK), 0);
	return pid;
}

static void
test_store_redis(void **state)
{
	char dir[] = "/tmp/fd-sess-XXXXXX", sock[128], a[160], *s;
	pid_t pid;

	(void)state;
	if (access("/usr/bin/redis-server", X_OK) != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	pid = redis_start(dir, sock);
	snprintf(a, sizeof(a), "unix:%s", sock);
	session_store_init(a, 60);
	assert_int_equal(session_store_save("CAlive", "{\"v\":1}"), 0);
	assert_non_null(s = session_store_load("CAlive"));
	assert_string_equal(s, "{\"v\":1}");
	free(s);
	session_store_drop("CAlive");
	assert_null(session_store_load("CAlive"));
	/* Redis goes away mid-call: saving fails quietly */
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	assert_int_equal(session_store_save("CAlive", "{\"v\":2}"), -1);
	assert_null(session_store_load("CAlive"));
	/* it comes back: the session saved meanwhile is written back with
	 * the next use of the store (after the reconnect pause), before any
	 * new turn of that call saves it */
	unlink(sock);
	pid = redis_start(dir, sock);
	sleep(6);
	assert_int_equal(session_store_save("CAother", "{\"v\":1}"), 0);
	assert_non_null(s = session_store_load("CAlive"));
	assert_string_equal(s, "{\"v\":2}");
	free(s);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	session_store_fini();
	unlink(sock);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_store_down),
	    cmocka_unit_test(test_store_redis),
	};
	config_t cfg;
	char err[128];

	signal(SIGPIPE, SIG_IGN); /* as the daemon does */
	config_init(&cfg);
	config_read_string(&cfg,
	    "business: { services = ("
	    "{ name = \"oil change\"; }, { name = \"tire rotation\"; }); };");
	if (fd_business_load(&cfg, &biz, err, sizeof(err)) != 0) {
		fprintf(stderr, "business: %s\n", err);
		return 1;
	}
	config_destroy(&cfg);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
