/*
 * http_test.c - the real gateway binary of the same build (build/bin or
 * build-san/bin) on a free port, spoken to over raw HTTP/1.1:
 * X-Twilio-Signature over a configured URL whose query carries , : / +
 * or %2C (lws decodes the query, the gateway writes it back), a POST
 * with neither body nor Content-Length answered at once (405, 411), and
 * a SIGHUP reload that takes a new public_url and refuses a broken file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bus.h"
#include "clock.h"
#include "twilio.h"

#define TOKEN "http-test-token"
#define BODY "CallSid=CA0123456789abcdef0123456789abcdef&From=%2B15551230000" \
	"&To=%2B15555550100"

static char conf[64], gwlog[64], rundir[64];
static int port;
static pid_t gw;

static void
write_conf(const char *public_url)
{
	FILE *f = fopen(conf, "w");

	assert_non_null(f);
	fprintf(f, "bus: { rundir = \"%s\"; };\ngateway: { listen_port = %d; "
	    "public_url = \"%s\"; validate_signature = true; };\n", rundir,
	    port, public_url);
	fclose(f);
}

static int
connect_gw(void)
{
	struct sockaddr_in sa;
	struct timeval tv = { 3, 0 };   /* the old gateway waited 20 s */
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Send one raw request; the status code of the answer, 0 if none came
 * within 3 s.  *ms: how long the answer took. */
static int
request(const char *raw, double *ms)
{
	char buf[4096];
	uint64_t t0 = fd_mono_us();
	ssize_t n;
	size_t got = 0;
	int fd, code = 0;

	buf[0] = '\0';
	assert_true((fd = connect_gw()) >= 0);
	assert_int_equal(write(fd, raw, strlen(raw)), (ssize_t)strlen(raw));
	while (got < sizeof(buf) - 1 && strstr(buf, "\r\n") == NULL &&
	    (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0) {
		got += (size_t)n;
		buf[got] = '\0';
	}
	buf[got] = '\0';
	close(fd);
	if (ms)
		*ms = (fd_mono_us() - t0) / 1e3;
	if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1)
		code = 0;
	return code;
}

/* A signed voice webhook: path_query as the client sends it, signed over
 * signed_url; the status code. */
static int
webhook(const char *path_query, const char *signed_url)
{
	char raw[2048], sig[64];
	struct fd_form f;

	assert_int_equal(fd_form_parse(BODY, strlen(BODY), &f), 0);
	fd_twilio_sign(TOKEN, signed_url, &f, sig);
	fd_form_free(&f);
	snprintf(raw, sizeof(raw), "POST %s HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "X-Twilio-Signature: %s\r\nContent-Length: %zu\r\n\r\n%s",
	    path_query, sig, strlen(BODY), BODY);
	return request(raw, NULL);
}

static int
log_has(const char *what)
{
	char line[4096];
	FILE *f = fopen(gwlog, "r");
	int found = 0;

	if (f == NULL)
		return 0;
	/* the whole log, however long the earlier tests made it */
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

static int
setup(void **state)
{
	char exe[PATH_MAX], bin[PATH_MAX + 16];
	ssize_t n;
	int fd, i;

	(void)state;
	snprintf(conf, sizeof(conf), "/tmp/fdgw-conf-XXXXXX");
	snprintf(gwlog, sizeof(gwlog), "/tmp/fdgw-log-XXXXXX");
	snprintf(rundir, sizeof(rundir), "/tmp/fdgw-run-%d", (int)getpid());
	if ((fd = mkstemp(conf)) < 0 || close(fd) != 0 ||
	    (fd = mkstemp(gwlog)) < 0 || close(fd) != 0)
		return -1;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return -1;
	exe[n] = '\0';
	/* <build>/test/gateway_http_test -> <build>/bin/gateway */
	snprintf(bin, sizeof(bin), "%s/bin/gateway", dirname(dirname(exe)));
	if ((port = fd_free_port()) <= 0)
		return -1;
	write_conf("https://fd.example.com");
	if ((gw = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);   /* if this test dies */
		setenv("TWILIO_AUTH_TOKEN", TOKEN, 1);
		unsetenv("FRONTDESK_CONFIG");
		if ((fd = open(gwlog, O_WRONLY | O_TRUNC)) >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execl(bin, "gateway", "-f", conf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 300; i++) {     /* up to 30 s (ASan starts slowly) */
		if ((fd = connect_gw()) >= 0) {
			close(fd);
			return 0;
		}
		if (waitpid(gw, NULL, WNOHANG) == gw) {
			fprintf(stderr, "gateway %s exited\n", bin);
			return -1;
		}
		fd_sleep_us(100000);
	}
	return -1;
}

static int
teardown(void **state)
{
	int st;

	(void)state;
	kill(gw, SIGTERM);
	waitpid(gw, &st, 0);
	unlink(conf);
	unlink(gwlog);
	rmdir(rundir);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void
test_signature_query(void **state)
{
	(void)state;
	assert_int_equal(webhook("/twilio/voice",
	    "https://fd.example.com/twilio/voice"), 200);
	/* configured with , : / raw; sent the same */
	assert_int_equal(webhook("/twilio/voice?shop=a,b:c/d&x=1",
	    "https://fd.example.com/twilio/voice?shop=a,b:c/d&x=1"), 200);
	/* configured encoded */
	assert_int_equal(webhook("/twilio/voice?shop=a%2Cb%3Ac%2Fd",
	    "https://fd.example.com/twilio/voice?shop=a%2Cb%3Ac%2Fd"), 200);
	assert_int_equal(webhook("/twilio/voice?q=x+y&to=%2B1555",
	    "https://fd.example.com/twilio/voice?q=x+y&to=%2B1555"), 200);
	/* the port variant */
	assert_int_equal(webhook("/twilio/voice?l=%2c",
	    "https://fd.example.com:443/twilio/voice?l=%2c"), 200);
	/* signed for another query or host */
	assert_int_equal(webhook("/twilio/voice?shop=a,c",
	    "https://fd.example.com/twilio/voice?shop=a,b"), 403);
	assert_int_equal(webhook("/twilio/voice",
	    "https://evil.example.com/twilio/voice"), 403);
}

static void
test_post_without_length(void **state)
{
	double ms;

	(void)state;
	assert_int_equal(request("POST /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
	    &ms), 405);
	assert_true(ms < 1000);
	assert_int_equal(request("POST /twilio/voice HTTP/1.1\r\nHost: x\r\n"
	    "\r\n", &ms), 411);
	assert_true(ms < 1000);
	assert_int_equal(request("POST /twilio/status HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nx=1&y\r\n0\r\n\r\n", &ms),
	    411);
	assert_true(ms < 1000);
	assert_int_equal(request("POST /api/v1/calls HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 3\r\n\r\nx=1", &ms), 405);
	assert_int_equal(request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
	    &ms), 200);
}

static void
test_reload(void **state)
{
	const char *new_url = "https://new.example.com/twilio/voice";
	FILE *f;
	int i;

	(void)state;
	write_conf("https://new.example.com");
	kill(gw, SIGHUP);
	for (i = 0; i < 50 && !log_has("config reloaded"); i++)
		fd_sleep_us(100000);
	assert_true(log_has("config reloaded"));
	assert_int_equal(webhook("/twilio/voice", new_url), 200);

	f = fopen(conf, "w");
	assert_non_null(f);
	fputs("gateway: { public_url = ; };\n", f);
	fclose(f);
	kill(gw, SIGHUP);
	for (i = 0; i < 50 && !log_has("reload refused"); i++)
		fd_sleep_us(100000);
	assert_true(log_has("reload refused"));
	assert_int_equal(webhook("/twilio/voice", new_url), 200);
	assert_int_equal(request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
	    NULL), 200);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_query),
		cmocka_unit_test(test_post_without_length),
		cmocka_unit_test(test_reload),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("gateway_http", tests, setup,
	    teardown);
}
