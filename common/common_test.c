/*
 * common_test.c - mu-law, config tables, business hours, the call clock,
 * real pub/sub + req/rep round trips over ipc and tcp, and Twilio's
 * signatures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "bus.h"
#include "business.h"
#include "clock.h"
#include "config.h"
#include "mulaw.h"
#include "outbound.h"
#include "rpc.h"
#include "sbuf.h"
#include "strmap.h"
#include "twilio.h"

static void
test_mulaw(void **state)
{
	int v;

	(void)state;
	assert_int_equal(fd_ulaw_encode(0), FD_ULAW_SILENCE);
	assert_int_equal(fd_ulaw_decode(FD_ULAW_SILENCE), 0);
	for (v = -32768; v <= 32767; v += 37) {
		int d = fd_ulaw_decode(fd_ulaw_encode((int16_t)v));
		int err = abs(d - v), tol = abs(v) / 16 + 8;
		if (abs(v) > 32635)
			tol = 700; /* clipped: top segment centre is 32124 */
		assert_true(err <= tol);
	}
	for (v = 0; v < 256; v++) /* decode/encode is the identity */
		if (v != 0x7f) /* -0 encodes as +0 */
			assert_int_equal(
			    fd_ulaw_encode(fd_ulaw_decode((uint8_t)v)), v);
}

static void
test_config(void **state)
{
	char path[] = "/tmp/fdcfgXXXXXX", err[256], s[16];
	int port = 0, on = 0;
	double d = 0;
	config_t cfg;
	FILE *fp;
	int fd;
	struct fd_cfg_opt opts[] = {
	    {"a.port", FD_CFG_INT, &port, 0, "80", 1, 65535, NULL},
	    {"a.on", FD_CFG_BOOL, &on, 0, "false", 0, 0, NULL},
	    {"a.ratio", FD_CFG_DOUBLE, &d, 0, "0.5", 0, 1, NULL},
	    {"a.name", FD_CFG_STR, s, sizeof(s), "dflt", 0, 0, "FD_TEST_NAME"},
	};

	(void)state;
	fd = mkstemp(path);
	fp = fdopen(fd, "w");
	fputs("a: { port = 8080; on = true; };\n", fp);
	fclose(fp);
	unsetenv("FD_TEST_NAME");
	assert_int_equal(fd_cfg_open(&cfg, path, err, sizeof(err)), 0);
	assert_int_equal(fd_cfg_apply(&cfg, opts, 4, err, sizeof(err)), 0);
	assert_int_equal(port, 8080);
	assert_int_equal(on, 1);
	assert_true(d == 0.5);
	assert_string_equal(s, "dflt");
	setenv("FD_TEST_NAME", "fromenv", 1);
	assert_int_equal(fd_cfg_apply(&cfg, opts, 4, err, sizeof(err)), 0);
	assert_string_equal(s, "fromenv");
	setenv("FD_TEST_NAME", "much-too-long-for-it", 1);
	assert_int_equal(fd_cfg_apply(&cfg, opts, 4, err, sizeof(err)), -1);
	unsetenv("FD_TEST_NAME");
	config_destroy(&cfg);

	fp = fopen(path, "w");
	fputs("a: { port = 70000; };\n", fp);
	fclose(fp);
	assert_int_equal(fd_cfg_open(&cfg, path, err, sizeof(err)), 0);
	assert_int_equal(fd_cfg_apply(&cfg, opts, 4, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "out of range"));
	config_destroy(&cfg);

	fp = fopen(path, "w");
	fputs("a: { port = ; };\n", fp);
	fclose(fp);
	assert_int_equal(fd_cfg_open(&cfg, path, err, sizeof(err)), -1);
	config_destroy(&cfg);
	unlink(path);
}

static void
test_business(void **state)
{
	char err[256];
	struct fd_business b;
	config_t cfg;
	time_t t;

	(void)state;
	config_init(&cfg);
	assert_int_equal(
	    config_read_string(&cfg,
	        "business: { name = \"Test Shop\"; hours = { sat = \"closed\"; "
	        "mon = \"09:00-17:30\"; }; holidays = [\"2026-12-25\"]; "
	        "services = ({ name = \"oil change\"; duration = 30; price = "
	        "49.95;"
	        " aliases = [\"oil\"]; }); };"),
	    CONFIG_TRUE);
	assert_int_equal(fd_business_load(&cfg, &b, err, sizeof(err)), 0);
	assert_string_equal(b.name, "Test Shop");
	assert_int_equal(b.services[0].price_cents, 4995);
	assert_non_null(fd_business_service(&b, "OIL"));
	assert_null(fd_business_service(&b, "haircut"));
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(fd_time_parse("2026-11-23T09:00", &t), 0); /* Mon */
	assert_true(fd_business_open_at(&b, t));
	assert_int_equal(fd_time_parse("2026-11-23T17:30", &t), 0);
	assert_false(fd_business_open_at(&b, t));
	assert_int_equal(fd_time_parse("2026-11-28T10:00", &t), 0); /* Sat */
	assert_false(fd_business_open_day(&b, t));
	assert_int_equal(fd_time_parse("2026-12-25T10:00", &t), 0); /* Fri */
	assert_false(fd_business_open_day(&b, t));
	config_destroy(&cfg);

	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg,
	                     "business: { hours = { mon = \"9-5\"; }; };"),
	    CONFIG_TRUE);
	assert_int_equal(fd_business_load(&cfg, &b, err, sizeof(err)), -1);
	config_destroy(&cfg);
}

static void
test_clock(void **state)
{
	struct fd_callclock c;
	char buf[32];
	time_t t;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(fd_callclock_init(&c, "2026-11-23T09:00:00"), 0);
	t = fd_callclock_now(&c);
	fd_time_fmt(t, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-23T09:00:00");
	assert_int_equal(fd_callclock_init(&c, "tomorrow"), -1);
	assert_int_equal(fd_time_parse("2026-02-31", &t), -1);
	assert_int_equal(fd_time_parse("2026-02-28T25:00", &t), -1);
}

static json_t *
echo_handler(void *arg, int worker, const char *call_id, json_t *req)
{
	(void)arg;
	(void)worker;
	return json_pack("{s:b, s:{s:s, s:O}}", "ok", 1, "result", "call",
	    call_id, "req", req);
}

/* A pub/sub and a req/rep round trip over the given addresses. */
static void
bus_rpc_round_trip(const char *pub, const char *rep)
{
	const char *subs[1];
	struct fd_bus a, b;
	struct fd_rpc_server *srv;
	struct fd_frame f;
	struct fd_rpc cli;
	json_t *r = NULL, *args;
	nng_msg *m;
	int types[] = {FD_MSG_SAY}, i, rv = -1;

	subs[0] = pub;
	assert_int_equal(fd_bus_open_addrs(&a, pub, NULL, 0, NULL, 0), 0);
	assert_int_equal(fd_bus_open_addrs(&b, NULL, subs, 1, types, 1), 0);
	/* pub/sub drops until the dial completes: retry until one arrives */
	for (i = 0; i < 100 && rv != 0; i++) {
		fd_bus_publish(
		    &a, FD_MSG_DTMF, "CA1", 0, "{}", 2); /* filtered */
		fd_bus_publish(
		    &a, FD_MSG_SAY, "CA1", 5, "{\"text\":\"x\"}", 12);
		rv = fd_bus_recv(&b, &m, &f, 20);
	}
	assert_int_equal(rv, 0);
	assert_int_equal(f.type, FD_MSG_SAY);
	assert_int_equal(f.ref, 5);
	assert_string_equal(f.call_id, "CA1");
	nng_msg_free(m);
	fd_bus_close(&a);
	fd_bus_close(&b);

	srv = fd_rpc_serve(rep, 2, echo_handler, NULL);
	assert_non_null(srv);
	assert_int_equal(fd_rpc_open(&cli, rep), 0);
	args = json_pack("{s:i}", "n", 3);
	assert_int_equal(
	    fd_rpc_tool(&cli, "CA9", "ping", args, NULL, &r, 2000), 0);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(r, "result"), "call")),
	    "CA9");
	json_decref(r);
	fd_rpc_close(&cli);
	fd_rpc_server_stop(srv);
}

static void
test_bus_rpc(void **state)
{
	char pub[128], rep[128];
	struct fd_rpc cli;
	json_t *r = NULL;

	(void)state;
	snprintf(pub, sizeof(pub), "ipc:///tmp/fdtest-%d.pub", (int)getpid());
	snprintf(rep, sizeof(rep), "ipc:///tmp/fdtest-%d.rep", (int)getpid());
	bus_rpc_round_trip(pub, rep);
	/* a call to nobody times out instead of hanging */
	assert_int_equal(fd_rpc_open(&cli, "ipc:///tmp/fdtest-nobody.rep"), 0);
	assert_int_equal(fd_rpc_tool(&cli, "CA9", "ping", NULL, NULL, &r, 100),
	    NNG_ETIMEDOUT);
	fd_rpc_close(&cli);
}

/* Asynchronous calls: many in flight, more than the server holds at once. */
#define ASYNC_N 300

struct async_res {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done, ok, bad, rv[ASYNC_N];
	json_t *rep[ASYNC_N];
};

struct async_one {
	struct async_res *res;
	int i;
};

static void
async_done(void *arg, int rv, json_t *rep)
{
	struct async_one *o = arg;
	struct async_res *r = o->res;

	pthread_mutex_lock(&r->mu);
	r->rv[o->i] = rv;
	r->rep[o->i] = rep;
	r->done++;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void
async_wait(struct async_res *r, int n)
{
	pthread_mutex_lock(&r->mu);
	while (r->done < n)
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
}

static json_t *
slow_handler(void *arg, int worker, const char *call_id, json_t *req)
{
	fd_sleep_us(20000);
	return echo_handler(arg, worker, call_id, req);
}

static void
test_rpc_async(void **state)
{
	static struct async_res r;
	static struct async_one one[ASYNC_N];
	char rep[128], call[32];
	struct fd_rpc_server *srv;
	struct fd_rpc cli;
	json_t *req, *res;
	int i;

	(void)state;
	memset(&r, 0, sizeof(r));
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	snprintf(
	    rep, sizeof(rep), "ipc:///tmp/fdtest-async-%d.rep", (int)getpid());
	assert_non_null(srv = fd_rpc_serve(rep, 3, echo_handler, NULL));
	assert_int_equal(fd_rpc_open(&cli, rep), 0);
	for (i = 0; i < ASYNC_N; i++) {
		one[i] = (struct async_one){&r, i};
		snprintf(call, sizeof(call), "CA%d", i);
		req =
		    json_pack("{s:s, s:{s:i}}", "tool", "ping", "args", "n", i);
		assert_int_equal(fd_rpc_call_async(&cli, call, req, 5000,
		                     async_done, &one[i]),
		    0);
		json_decref(req);
	}
	async_wait(&r, ASYNC_N);
	/* every reply came back to its own request */
	for (i = 0; i < ASYNC_N; i++) {
		assert_int_equal(r.rv[i], 0);
		res = json_object_get(r.rep[i], "result");
		snprintf(call, sizeof(call), "CA%d", i);
		assert_string_equal(
		    json_string_value(json_object_get(res, "call")), call);
		assert_int_equal(
		    json_integer_value(json_object_get(
		        json_object_get(json_object_get(res, "req"), "args"),
		        "n")),
		    i);
		json_decref(r.rep[i]);
	}
	fd_rpc_server_stop(srv);

	/* a server stopped with requests queued: the ones it did not answer
	 * fail, none hangs, nothing leaks */
	memset(&r.rv, 0, sizeof(r.rv));
	r.done = 0;
	assert_non_null(srv = fd_rpc_serve(rep, 1, slow_handler, NULL));
	req = json_pack("{s:s}", "tool", "ping");
	for (i = 0; i < 20; i++) {
		one[i] = (struct async_one){&r, i};
		assert_int_equal(fd_rpc_call_async(&cli, "CA1", req, 300,
		                     async_done, &one[i]),
		    0);
	}
	json_decref(req);
	fd_sleep_us(50000);
	fd_rpc_server_stop(srv);
	async_wait(&r, 20);
	for (i = 0; i < 20; i++)
		if (r.rv[i] == 0)
			json_decref(r.rep[i]);
	/* the last was queued behind 19 x 20 ms: the connection reset or
	 * the deadline ended it */
	assert_int_not_equal(r.rv[19], 0);
	fd_rpc_close(&cli);
	pthread_cond_destroy(&r.cv);
	pthread_mutex_destroy(&r.mu);
}

/* The bus between hosts: tcp:// addresses instead of ipc://. */
static void
test_bus_rpc_tcp(void **state)
{
	char pub[64], rep[64];
	int p1 = fd_free_port(), p2;

	(void)state;
	while ((p2 = fd_free_port()) == p1)
		;
	snprintf(pub, sizeof(pub), "tcp://127.0.0.1:%d", p1);
	snprintf(rep, sizeof(rep), "tcp://127.0.0.1:%d", p2);
	bus_rpc_round_trip(pub, rep);
}

/* Webhook URLs whose query lws hands over decoded: each raw URL as
 * configured at Twilio, and the arguments as the gateway receives them. */
static void
test_twilio_decoded(void **state)
{
	static const struct {
		const char *raw;
		const char *args[2];
		size_t nargs;
	} ok[] = {
	    {"https://fd.example.com/twilio/voice", {NULL, NULL}, 0},
	    {"https://fd.example.com/twilio/voice?shop=a,b:c/d&x=1",
	        {"shop=a,b:c/d", "x=1"}, 2},
	    {"https://fd.example.com/twilio/voice?shop=a%2Cb%3Ac%2Fd",
	        {"shop=a,b:c/d", NULL}, 1},
	    {"https://fd.example.com/twilio/voice?q=x+y&to=%2B1555",
	        {"q=x y", "to=+1555"}, 2},
	    {"https://fd.example.com/twilio/voice?q=x%20y", {"q=x y", NULL}, 1},
	    {"https://fd.example.com/twilio/voice?l=%2c&n=O'Brien(1)",
	        {"l=,", "n=O'Brien(1)"}, 2},
	    {"https://fd.example.com:443/twilio/voice?shop=a,b",
	        {"shop=a,b", NULL}, 1},
	    {"https://fd.example.com/twilio/voice?flag&purpose=reminder",
	        {"flag", "purpose=reminder"}, 2},
	};
	const char *body = "CallSid=CA1234567890ABCDE&From=%2B14158675309";
	const char *other[] = {"shop=a,c"};
	struct fd_form f;
	char sig[64];
	size_t i;

	(void)state;
	assert_int_equal(fd_form_parse(body, strlen(body), &f), 0);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		fd_twilio_sign("tok", ok[i].raw, &f, sig);
		if (!fd_twilio_valid_decoded("tok", "https://fd.example.com",
		        "/twilio/voice", ok[i].args, ok[i].nargs, &f, sig))
			fail_msg("%s not accepted", ok[i].raw);
		assert_false(
		    fd_twilio_valid_decoded("kot", "https://fd.example.com",
		        "/twilio/voice", ok[i].args, ok[i].nargs, &f, sig));
	}
	/* another query, another path: refused */
	fd_twilio_sign("tok", ok[6].raw, &f, sig);
	assert_false(fd_twilio_valid_decoded("tok", "https://fd.example.com",
	    "/twilio/voice", other, 1, &f, sig));
	assert_false(fd_twilio_valid_decoded("tok", "https://fd.example.com",
	    "/twilio/status", ok[6].args, 1, &f, sig));
	fd_form_free(&f);
}

static void
test_twilio(void **state)
{
	/* the request-validator vector from Twilio's SDK tests */
	const char *body = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&"
	                   "Digits=1234&From=%2B14158675309&To=%2B18005551212";
	const char *url = "https://mycompany.com/myapp.php?foo=1&bar=2";
	uint8_t raw[16];
	struct fd_form f;
	char sig[64], enc[64];

	(void)state;
	assert_int_equal(fd_form_parse(body, strlen(body), &f), 0);
	assert_string_equal(fd_form_get(&f, "From"), "+14158675309");
	fd_twilio_sign("12345", url, &f, sig);
	assert_string_equal(sig, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
	assert_true(fd_twilio_valid("12345", url, &f, sig));
	/* the port quirk: signed with :443, validated against the bare URL */
	fd_twilio_sign("12345",
	    "https://mycompany.com:443/myapp.php?foo=1&bar=2", &f, sig);
	assert_true(fd_twilio_valid("12345", url, &f, sig));
	assert_false(fd_twilio_valid("54321", url, &f, sig));
	assert_false(
	    fd_twilio_valid("12345", url, &f, "RSOYDt4T1cUTdK1PDd93/VVr8B8"));
	fd_form_free(&f);
	assert_int_equal(fd_form_parse("a=%zz", 5, &f), -1);
	assert_int_equal(fd_form_parse("a=%2", 4, &f), -1);

	assert_int_equal(fd_b64_encode((const uint8_t *)"hello", 5, enc), 8);
	assert_string_equal(enc, "aGVsbG8=");
	assert_int_equal(fd_b64_decode(enc, 8, raw, sizeof(raw)), 5);
	assert_memory_equal(raw, "hello", 5);
	assert_int_equal(fd_b64_decode("aGVsbG8", 7, raw, sizeof(raw)), -1);
	assert_int_equal(fd_b64_decode("aG=sbG8=", 8, raw, sizeof(raw)), -1);
	assert_int_equal(fd_b64_decode("aGVs*G8=", 8, raw, sizeof(raw)), -1);
	assert_int_equal(fd_b64_decode(enc, 8, raw, 4), -1);
	assert_int_equal(fd_urlencode("+1 555", enc, sizeof(enc)), 10);
	assert_string_equal(enc, "%2B1%20555");
}

/* The carrier's words as job outcomes: endings map, progress does not,
 * and the detail says what the carrier said. */
static void
test_outbound_outcome(void **state)
{
	char d[96];

	(void)state;
	assert_string_equal(fd_outbound_outcome("busy"), "busy");
	assert_string_equal(fd_outbound_outcome("no-answer"), "no_answer");
	assert_string_equal(fd_outbound_outcome("completed"), "answered");
	assert_string_equal(fd_outbound_outcome("canceled"), "failed");
	/* a text's delivery report, told apart from a call's ending */
	assert_string_equal(fd_outbound_outcome("delivered"), "delivered");
	assert_string_equal(fd_outbound_outcome("undelivered"), "undelivered");
	assert_null(fd_outbound_outcome("ringing"));
	assert_null(fd_outbound_outcome("in-progress"));
	assert_null(fd_outbound_outcome("duplicate"));
	assert_null(fd_outbound_outcome(NULL));
	fd_outbound_detail("answered by a fax", "fax", 2, d, sizeof(d));
	assert_string_equal(d, "answered by a fax");
	fd_outbound_detail(NULL, "human", 38, d, sizeof(d));
	assert_string_equal(d, "answered by human, 38 s");
	fd_outbound_detail("", NULL, 0, d, sizeof(d));
	assert_string_equal(d, "");
}

/* The string buffer: a fixed one cuts what does not fit and stays
 * failed; a growing one grows; words get one space between them; the
 * string map finds keys with and without case. */
static void
test_sbuf(void **state)
{
	static const struct fd_strmap m[] = {{"a", "one"}, {"B", "two"}};
	struct sbuf b;
	char buf[8], *p;
	int i;

	(void)state;
	sbuf_init_fixed(&b, buf, sizeof(buf));
	sbuf_add(&b, "abc");
	sbuf_add_word(&b, "def");
	assert_string_equal(buf, "abc def");
	assert_int_equal(b.err, 0);
	sbuf_add(&b, "gh");
	assert_string_equal(buf, "abc def");
	assert_int_equal(b.err, 1);
	sbuf_init_fixed(&b, buf, sizeof(buf));
	sbuf_add(&b, "0123456789");
	assert_string_equal(buf, "0123456");
	assert_int_equal(b.err, 1);
	sbuf_init_fixed(&b, buf, sizeof(buf));
	sbuf_add_word(&b, "x");
	sbuf_add(&b, " ");
	sbuf_add_word(&b, "y");
	assert_string_equal(buf, "x y");
	sbuf_init(&b);
	for (i = 0; i < 1000; i++)
		sbuf_add(&b, "0123456789");
	sbuf_printf(&b, "<%d>", 7);
	assert_int_equal(b.len, 10003);
	assert_non_null(p = sbuf_done(&b));
	assert_string_equal(p + 10000, "<7>");
	free(p);
	sbuf_init(&b);
	assert_string_equal(p = sbuf_done(&b), "");
	free(p);
	assert_string_equal(FD_STRMAP_GET(m, "b", 1), "two");
	assert_null(FD_STRMAP_GET(m, "b", 0));
	assert_string_equal(FD_STRMAP_GET(m, "a", 0), "one");
	assert_null(FD_STRMAP_GET(m, NULL, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mulaw),
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_business),
	    cmocka_unit_test(test_clock),
	    cmocka_unit_test(test_bus_rpc),
	    cmocka_unit_test(test_bus_rpc_tcp),
	    cmocka_unit_test(test_rpc_async),
	    cmocka_unit_test(test_twilio),
	    cmocka_unit_test(test_twilio_decoded),
	    cmocka_unit_test(test_outbound_outcome),
	    cmocka_unit_test(test_sbuf),
	};
	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
