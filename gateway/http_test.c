/*
 * http_test.c - the real gateway binary of the same build (build/bin or
 * build-san/bin) on a free port, spoken to over raw HTTP/1.1:
 * X-Twilio-Signature over a configured URL whose query carries , : / +
 * or %2C (lws decodes the query, the gateway writes it back), a POST
 * with neither body nor Content-Length answered at once (405, 411), and
 * a SIGHUP reload that takes a new public_url and refuses a broken file.
 * Credentials: the dashboard and /api/v1 answer 401 without them (and with
 * no token configured at all), admin and viewer tokens, the sign-in
 * cookie, wrong ones logged and throttled per client address (the client
 * binds other 127/8 addresses to be another client).  Request limits:
 * 413 on a large Content-Length before any body, 431 on large headers,
 * 408 for a body that trickles in.  The recording download: this test
 * plays crm-tools (get_call) on the gateway's rpc address; a file with a
 * record is served whole (200) or by Range (206, Content-Range), a range
 * past its end is 416, a call without a recording or without a record is
 * 404 whatever is on disk, a bad call id or track 400, no token 401.
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
#include "rpc.h"
#include "twilio.h"

#define TOKEN "http-test-token"
#define ADMIN "admin-0123456789abcdef"
#define VIEWER "viewer-0123456789abcdef"
#define BODY                                                                   \
	"CallSid=CA0123456789abcdef0123456789abcdef&From=%2B15551230000"       \
	"&To=%2B15555550100"

static char conf[64], gwlog[64], rundir[64], recdir[64], settings[96];
static int port;
static pid_t gw;
static int with_tokens = 1;

static void
write_conf(const char *public_url)
{
	FILE *f = fopen(conf, "w");

	assert_non_null(f);
	fprintf(f,
	    "bus: { rundir = \"%s\"; };\ngateway: { listen_port = %d; "
	    "public_url = \"%s\"; validate_signature = true;\n%s };\n"
	    "recording: { dir = \"%s\"; };\n",
	    rundir, port, public_url,
	    with_tokens ? "api_token = \"" ADMIN "\"; "
	                  "api_tokens = \"viewer:" VIEWER "\";"
	                : "",
	    recdir);
	fclose(f);
}

static int
connect_gw(void)
{
	struct sockaddr_in sa;
	struct timeval tv = {3, 0}; /* the old gateway waited 20 s */
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
	snprintf(raw, sizeof(raw),
	    "POST %s HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "X-Twilio-Signature: %s\r\nContent-Length: %zu\r\n\r\n%s",
	    path_query, sig, strlen(BODY), BODY);
	return request(raw, NULL);
}

/* One request from source address src with "Connection: close": the
 * status code (0 if none within timeout_s), the whole answer in out. */
static int
xchg(const char *src, const char *raw, char *out, size_t outlen, int timeout_s,
    double *ms)
{
	struct sockaddr_in sa;
	struct timeval tv = {timeout_s, 0};
	uint64_t t0;
	size_t got = 0;
	ssize_t n;
	int fd, code = 0;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, src, &sa.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	t0 = fd_mono_us();
	assert_int_equal(write(fd, raw, strlen(raw)), (ssize_t)strlen(raw));
	while (
	    got < outlen - 1 && (n = read(fd, out + got, outlen - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd);
	if (ms)
		*ms = (fd_mono_us() - t0) / 1e3;
	if (sscanf(out, "HTTP/1.%*d %d", &code) != 1)
		code = 0;
	return code;
}

/* GET path from src with an optional extra header line ("" for none). */
static int
get(const char *src, const char *path, const char *hdr, char *out,
    size_t outlen)
{
	char raw[1024];

	snprintf(raw, sizeof(raw),
	    "GET %s HTTP/1.1\r\nHost: x\r\n%s%s"
	    "Connection: close\r\n\r\n",
	    path, hdr, hdr[0] ? "\r\n" : "");
	return xchg(src, raw, out, outlen, 5, NULL);
}

/* get() with "Authorization: Bearer <token>". */
static int
get_bearer(const char *src, const char *path, const char *token, char *out,
    size_t outlen)
{
	char h[256];

	snprintf(h, sizeof(h), "Authorization: Bearer %s", token);
	return get(src, path, h, out, outlen);
}

static int
log_count(const char *what)
{
	char line[4096];
	FILE *f = fopen(gwlog, "r");
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, what) != NULL;
	fclose(f);
	return n;
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
	snprintf(recdir, sizeof(recdir), "/tmp/fdgw-rec-%d", (int)getpid());
	snprintf(settings, sizeof(settings), "/tmp/fdgw-settings-%d.conf",
	    (int)getpid());
	unlink(settings);
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
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* if this test dies */
		setenv("TWILIO_AUTH_TOKEN", TOKEN, 1);
		setenv("FRONTDESK_SETTINGS", settings, 1);
		unsetenv("FRONTDESK_CONFIG");
		if ((fd = open(gwlog, O_WRONLY | O_TRUNC)) >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execl(bin, "gateway", "-f", conf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 300; i++) { /* up to 30 s (ASan starts slowly) */
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
	char path[128];
	int st;

	(void)state;
	kill(gw, SIGTERM);
	waitpid(gw, &st, 0);
	unlink(conf);
	unlink(gwlog);
	unlink(settings);
	snprintf(path, sizeof(path), "%s/metrics/gateway.prom", rundir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/metrics", rundir);
	rmdir(path);
	rmdir(rundir);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", recdir);
		if (system(cmd) != 0)
			st = 1;
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void
test_signature_query(void **state)
{
	(void)state;
	assert_int_equal(
	    webhook("/twilio/voice", "https://fd.example.com/twilio/voice"),
	    200);
	/* configured with , : / raw; sent the same */
	assert_int_equal(
	    webhook("/twilio/voice?shop=a,b:c/d&x=1",
	        "https://fd.example.com/twilio/voice?shop=a,b:c/d&x=1"),
	    200);
	/* configured encoded */
	assert_int_equal(
	    webhook("/twilio/voice?shop=a%2Cb%3Ac%2Fd",
	        "https://fd.example.com/twilio/voice?shop=a%2Cb%3Ac%2Fd"),
	    200);
	assert_int_equal(
	    webhook("/twilio/voice?q=x+y&to=%2B1555",
	        "https://fd.example.com/twilio/voice?q=x+y&to=%2B1555"),
	    200);
	/* the port variant */
	assert_int_equal(webhook("/twilio/voice?l=%2c",
	                     "https://fd.example.com:443/twilio/voice?l=%2c"),
	    200);
	/* signed for another query or host */
	assert_int_equal(webhook("/twilio/voice?shop=a,c",
	                     "https://fd.example.com/twilio/voice?shop=a,b"),
	    403);
	assert_int_equal(
	    webhook("/twilio/voice", "https://evil.example.com/twilio/voice"),
	    403);
}

/* POST body to path_query signed over https://fd.example.com + path_query
 * (sign 0: unsigned); the status, the answer in out. */
static int
signed_post(const char *path_query, const char *body, int sign, char *out,
    size_t outlen)
{
	char raw[4096], sig[64] = "", url[512];
	struct fd_form f;

	snprintf(url, sizeof(url), "https://fd.example.com%s", path_query);
	assert_int_equal(fd_form_parse(body, strlen(body), &f), 0);
	fd_twilio_sign(TOKEN, url, &f, sig);
	fd_form_free(&f);
	snprintf(raw, sizeof(raw),
	    "POST %s HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "%s%s%sConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
	    path_query, sign ? "X-Twilio-Signature: " : "", sign ? sig : "",
	    sign ? "\r\n" : "", strlen(body), body);
	return xchg("127.0.0.1", raw, out, outlen, 5, NULL);
}

/*
 * The fall-through webhooks on a gateway alone: no agent, stt-worker or
 * tts-worker is heard, so an inbound call goes to the voicemail box; the
 * whisper and its key; the <Dial action> streams a call nobody took back,
 * with its result, and hangs up a bridged one.
 */
static void
test_fallthrough(void **state)
{
	char out[8192];

	(void)state;
	assert_int_equal(signed_post("/twilio/voice", BODY "&Direction=inbound",
	                     1, out, sizeof(out)),
	    200);
	assert_non_null(strstr(out, "<Record maxLength=\"120\""));
	assert_non_null(strstr(out,
	    "recordingStatusCallback=\"https://"
	    "fd.example.com/twilio/recording?from=%2B15551230000&amp;to="
	    "%2B15555550100\""));
	assert_null(strstr(out, "<Connect>"));
	assert_true(log_has("to the voicemail box (the stack cannot answer)"));
	/* the whisper of a transfer this gateway did not start */
	assert_int_equal(signed_post("/twilio/whisper?parent="
	                             "CA0123456789abcdef0123456789abcdef",
	                     "CallSid=CAffff0123456789"
	                     "abcdef0123456789ab&To=%2B15555550111",
	                     1, out, sizeof(out)),
	    200);
	assert_non_null(strstr(out,
	    "<Gather numDigits=\"1\" action=\"https://"
	    "fd.example.com/twilio/whisper-key?parent=CA0123456789abcdef"
	    "0123456789abcdef\""));
	assert_non_null(strstr(out, "A caller asked for a person. Press 1"));
	assert_int_equal(signed_post("/twilio/whisper-key?parent="
	                             "CA0123456789abcdef0123456789abcdef",
	                     "Digits=2", 1, out, sizeof(out)),
	    200);
	assert_non_null(strstr(out, "<Hangup/>"));
	assert_int_equal(signed_post("/twilio/whisper-key?parent="
	                             "CA0123456789abcdef0123456789abcdef",
	                     "Digits=1", 1, out, sizeof(out)),
	    200);
	assert_null(strstr(out, "<Hangup/>"));
	/* no parent, unsigned, GET */
	assert_int_equal(
	    signed_post("/twilio/whisper", "Digits=1", 1, out, sizeof(out)),
	    400);
	assert_int_equal(
	    signed_post("/twilio/dial-action", BODY "&DialCallStatus=no-answer",
	        0, out, sizeof(out)),
	    403);
	assert_int_equal(
	    get("127.0.0.1", "/twilio/dial-action", "", out, sizeof(out)), 405);
	/* nobody answered: a new stream of the call, with the result */
	assert_int_equal(signed_post("/twilio/dial-action",
	                     BODY "&Direction=inbound&DialCallStatus=no-answer",
	                     1, out, sizeof(out)),
	    200);
	assert_non_null(strstr(out,
	    "<Connect><Stream url=\"wss://"
	    "fd.example.com/twilio/media\">"));
	assert_non_null(strstr(out, "<Parameter name=\"stream_token\""));
	assert_non_null(strstr(out,
	    "<Parameter name=\"transfer_result\" "
	    "value=\"no-answer\"/>"));
	/* bridged, or answered and not bridged */
	assert_int_equal(signed_post("/twilio/dial-action",
	                     BODY "&DialCallStatus=completed&DialBridged=true",
	                     1, out, sizeof(out)),
	    200);
	assert_non_null(strstr(out, "<Response><Hangup/></Response>"));
	assert_int_equal(signed_post("/twilio/dial-action",
	                     BODY "&DialCallStatus=completed&DialBridged=false",
	                     1, out, sizeof(out)),
	    200);
	assert_non_null(strstr(out, "value=\"declined\"/>"));
	/* the recording callback needs its call and recording */
	assert_int_equal(signed_post("/twilio/recording?from=%2B1555",
	                     "RecordingStatus=completed", 1, out, sizeof(out)),
	    400);
}

static void
test_post_without_length(void **state)
{
	double ms;

	(void)state;
	assert_int_equal(
	    request("POST /healthz HTTP/1.1\r\nHost: x\r\n\r\n", &ms), 405);
	assert_true(ms < 1000);
	assert_int_equal(request("POST /twilio/voice HTTP/1.1\r\nHost: x\r\n"
	                         "\r\n",
	                     &ms),
	    411);
	assert_true(ms < 1000);
	assert_int_equal(
	    request("POST /twilio/status HTTP/1.1\r\nHost: x\r\n"
	            "Transfer-Encoding: chunked\r\n\r\n5\r\nx=1&y\r\n0\r\n\r\n",
	        &ms),
	    411);
	assert_true(ms < 1000);
	assert_int_equal(request("POST /api/v1/stats HTTP/1.1\r\nHost: x\r\n"
	                         "Authorization: Bearer " ADMIN "\r\n"
	                         "Content-Length: 3\r\n\r\nx=1",
	                     &ms),
	    405);
	assert_int_equal(
	    request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", &ms), 200);
}

static void
test_auth_tokens(void **state)
{
	char out[8192];

	(void)state;
	/* call data: nothing without credentials */
	assert_int_equal(
	    get("127.0.0.1", "/api/v1/calls", "", out, sizeof(out)), 401);
	assert_non_null(strstr(out, "www-authenticate: Bearer"));
	assert_int_equal(get("127.0.0.1",
	                     "/api/v1/calls/CA0123456789abcdef"
	                     "0123456789abcdef",
	                     "", out, sizeof(out)),
	    401);
	assert_int_equal(
	    get("127.0.0.1", "/api/v1/gateway", "", out, sizeof(out)), 401);
	assert_int_equal(
	    get("127.0.0.1", "/api/v1/stats", "", out, sizeof(out)), 401);
	assert_int_equal(
	    get("127.0.0.1", "/metrics", "", out, sizeof(out)), 401);
	assert_int_equal(
	    get("127.0.0.1", "/api/v1/config", "", out, sizeof(out)), 401);
	/* the dashboard: the sign-in form, not the page */
	assert_int_equal(get("127.0.0.1", "/", "", out, sizeof(out)), 401);
	assert_non_null(strstr(out, "action=\"/login\""));
	assert_null(strstr(out, "/api/v1/calls"));
	assert_int_equal(
	    get("127.0.0.1", "/index.html", "", out, sizeof(out)), 401);
	assert_true(log_has("auth: 401 for 127.0.0.1 GET /api/v1/calls: no "
	                    "credentials"));
	/* open: health and the Twilio side */
	assert_int_equal(
	    get("127.0.0.1", "/healthz", "", out, sizeof(out)), 200);
	/* admin, any case of "Bearer"; viewer reads */
	assert_int_equal(
	    get_bearer("127.0.0.1", "/api/v1/gateway", ADMIN, out, sizeof(out)),
	    200);
	assert_non_null(strstr(out, "\"frames_in\""));
	assert_int_equal(get("127.0.0.1", "/api/v1/gateway",
	                     "Authorization: bearer " ADMIN, out, sizeof(out)),
	    200);
	assert_int_equal(get_bearer("127.0.0.1", "/api/v1/gateway", VIEWER, out,
	                     sizeof(out)),
	    200);
	assert_int_equal(
	    get_bearer("127.0.0.1", "/", VIEWER, out, sizeof(out)), 200);
	assert_non_null(strstr(out, "<script src=\"/static/app.js\">"));
	assert_non_null(strstr(out,
	    "content-security-policy: default-src "
	    "'self'"));
	/* the page's files: closed like the page, served whole when open */
	assert_int_equal(
	    get("127.0.0.1", "/static/app.js", "", out, sizeof(out)), 401);
	assert_int_equal(
	    get_bearer("127.0.0.1", "/static/app.js", VIEWER, out, sizeof(out)),
	    200);
	assert_non_null(strstr(out, "content-type: text/javascript"));
	assert_non_null(strstr(out,
	    "\r\n\r\n/*\n * app.js - the frontdesk "
	    "dashboard"));
	assert_int_equal(get_bearer("127.0.0.1", "/static/app.css", VIEWER, out,
	                     sizeof(out)),
	    200);
	assert_int_equal(get_bearer("127.0.0.1", "/static/chart.umd.min.js",
	                     VIEWER, out, sizeof(out)),
	    200);
	assert_non_null(strstr(out, "Chart"));
	assert_int_equal(get_bearer("127.0.0.1", "/static/none.js", VIEWER, out,
	                     sizeof(out)),
	    404);
	/* a viewer only reads: 403 before the method is looked at; admin
	 * gets as far as the body (not JSON: 400) */
	assert_int_equal(
	    xchg("127.0.0.1",
	        "POST /api/v1/calls HTTP/1.1\r\n"
	        "Host: x\r\nAuthorization: Bearer " VIEWER "\r\nConnection: "
	        "close\r\nContent-Length: 3\r\n\r\nx=1",
	        out, sizeof(out), 5, NULL),
	    403);
	assert_int_equal(
	    xchg("127.0.0.1",
	        "POST /api/v1/calls HTTP/1.1\r\n"
	        "Host: x\r\nAuthorization: Bearer " ADMIN "\r\nConnection: "
	        "close\r\nContent-Length: 3\r\n\r\nx=1",
	        out, sizeof(out), 5, NULL),
	    400);
}

static void
test_auth_cookie(void **state)
{
	char out[8192], raw[512], cookie[128], *c;
	size_t n;

	(void)state;
	/* a wrong token in the form: 401 with the form again */
	assert_int_equal(
	    xchg("127.0.0.4",
	        "POST /login HTTP/1.1\r\nHost: x"
	        "\r\nConnection: close\r\nContent-Length: 12\r\n\r\n"
	        "token=wrong1",
	        out, sizeof(out), 5, NULL),
	    401);
	assert_null(strstr(out, "set-cookie"));
	assert_non_null(strstr(out, "action=\"/login\""));
	snprintf(raw, sizeof(raw),
	    "POST /login HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\nContent-Type: application/x-www-form-"
	    "urlencoded\r\nContent-Length: %zu\r\n\r\ntoken=%s",
	    strlen("token=" VIEWER), VIEWER);
	assert_int_equal(
	    xchg("127.0.0.4", raw, out, sizeof(out), 5, NULL), 303);
	assert_non_null(strstr(out, "location: /\r\n"));
	assert_non_null(c = strstr(out, "set-cookie: fd_session="));
	assert_non_null(strstr(c, "HttpOnly"));
	assert_non_null(strstr(c, "SameSite=Strict"));
	assert_non_null(strstr(c, "Secure")); /* public_url is https */
	c += strlen("set-cookie: ");
	n = strcspn(c, ";");
	assert_true(n < sizeof(cookie) - 8);
	/* the cookie is not the token */
	assert_null(strstr(c, VIEWER));
	snprintf(cookie, sizeof(cookie), "Cookie: %.*s", (int)n, c);
	assert_int_equal(get("127.0.0.4", "/", cookie, out, sizeof(out)), 200);
	assert_non_null(strstr(out, "<script src=\"/static/app.js\">"));
	assert_int_equal(
	    get("127.0.0.4", "/static/app.js", cookie, out, sizeof(out)), 200);
	assert_int_equal(
	    get("127.0.0.4", "/api/v1/gateway", cookie, out, sizeof(out)), 200);
	/* a forged cookie is a wrong credential */
	assert_int_equal(
	    get("127.0.0.4", "/api/v1/gateway",
	        "Cookie: "
	        "fd_session=0123456789abcdef0123456789abcdef0123456789abcdef"
	        "0123456789abcdef",
	        out, sizeof(out)),
	    401);
	assert_true(log_has("auth: 401 for 127.0.0.4 GET /api/v1/gateway: "
	                    "stale or wrong session cookie"));
	/* signing out clears it */
	assert_int_equal(
	    xchg("127.0.0.4",
	        "POST /logout HTTP/1.1\r\nHost: x"
	        "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
	        out, sizeof(out), 5, NULL),
	    303);
	assert_non_null(strstr(out, "set-cookie: fd_session=; "));
	assert_non_null(strstr(out, "Max-Age=0"));
}

static void
test_auth_throttle(void **state)
{
	char out[8192];
	int i,
	    before = log_count("auth: 401 for 127.0.0.3 GET "
	                       "/api/v1/calls: wrong token");

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(
		    get("127.0.0.3", "/api/v1/calls",
		        "Authorization: Bearer guess-number-00000000", out,
		        sizeof(out)),
		    401);
	/* one line per attempt; the guess itself is never logged */
	assert_int_equal(log_count("auth: 401 for 127.0.0.3 GET "
	                           "/api/v1/calls: wrong token"),
	    before + 5);
	assert_false(log_has("guess-number"));
	assert_true(log_has("auth: 127.0.0.3 locked out for 30 s"));
	/* locked out: even the right token is not looked at */
	assert_int_equal(
	    get_bearer("127.0.0.3", "/api/v1/gateway", ADMIN, out, sizeof(out)),
	    429);
	assert_non_null(strstr(out, "retry-after: "));
	assert_true(atoi(strstr(out, "retry-after: ") + 13) >= 25);
	assert_int_equal(
	    xchg("127.0.0.3",
	        "POST /login HTTP/1.1\r\nHost: x"
	        "\r\nConnection: close\r\nContent-Length: 28\r\n\r\n"
	        "token=" ADMIN,
	        out, sizeof(out), 5, NULL),
	    429);
	/* another address is not affected, nor open endpoints */
	assert_int_equal(
	    get_bearer("127.0.0.5", "/api/v1/gateway", ADMIN, out, sizeof(out)),
	    200);
	assert_int_equal(
	    get("127.0.0.3", "/healthz", "", out, sizeof(out)), 200);
}

static void
test_limits(void **state)
{
	char out[4096], raw[16384];
	int fd, i;

	(void)state;
	/* 413 on the length alone: no body is sent at all */
	assert_int_equal(xchg("127.0.0.1",
	                     "POST /twilio/voice HTTP/1.1\r\n"
	                     "Host: x\r\nContent-Length: 10485760\r\n\r\n",
	                     out, sizeof(out), 5, NULL),
	    413);
	assert_int_equal(
	    xchg("127.0.0.1",
	        "POST /login HTTP/1.1\r\n"
	        "Host: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
	        out, sizeof(out), 5, NULL),
	    413);
	/* 431 for headers over the budget (a long User-Agent) */
	i = snprintf(raw, sizeof(raw),
	    "GET /healthz HTTP/1.1\r\nHost: x\r\n"
	    "User-Agent: ");
	memset(raw + i, 'a', 12000);
	snprintf(raw + i + 12000, sizeof(raw) - (size_t)i - 12000, "\r\n\r\n");
	assert_int_equal(
	    xchg("127.0.0.1", raw, out, sizeof(out), 5, NULL), 431);
	/* a body trickling in, a byte a second: 408 once 10 s are up,
	 * though lws saw data all along */
	if ((fd = fork()) == 0) {
		struct sockaddr_in sa;
		int s = socket(AF_INET, SOCK_STREAM, 0);

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)port);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0)
			_exit(1);
		dprintf(s,
		    "POST /twilio/status HTTP/1.1\r\nHost: x\r\n"
		    "Content-Length: 100\r\n\r\n");
		for (i = 0; i < 30 && write(s, "a", 1) == 1; i++)
			fd_sleep_us(1000000);
		i = read(s, raw, sizeof(raw) - 1);
		raw[i > 0 ? i : 0] = '\0';
		_exit(strncmp(raw, "HTTP/1.1 408", 12) == 0 ? 0 : 2);
	}
	assert_true(fd > 0);
	assert_int_equal(waitpid(fd, &i, 0), fd);
	assert_true(WIFEXITED(i));
	assert_int_equal(WEXITSTATUS(i), 0);
	assert_true(log_has("/twilio/status: body not in after 10 s"));
	assert_int_equal(
	    get("127.0.0.1", "/healthz", "", out, sizeof(out)), 200);
}

/* No token at all: closed, and said so; then the tokens come back. */
static void
test_no_token(void **state)
{
	char out[8192];
	FILE *f;
	int i, n = log_count("config reloaded");

	(void)state;
	with_tokens = 0;
	write_conf("https://fd.example.com");
	kill(gw, SIGHUP);
	for (i = 0; i < 50 && log_count("config reloaded") == n; i++)
		fd_sleep_us(100000);
	assert_true(log_has("admin API closed: set FRONTDESK_API_TOKEN"));
	assert_int_equal(
	    get("127.0.0.6", "/api/v1/calls", "", out, sizeof(out)), 401);
	assert_int_equal(get("127.0.0.6", "/", "", out, sizeof(out)), 401);
	assert_non_null(strstr(out, "no API token is configured"));
	/* the token that worked before does not now */
	assert_int_equal(
	    get_bearer("127.0.0.6", "/api/v1/gateway", ADMIN, out, sizeof(out)),
	    401);
	with_tokens = 1;
	write_conf("https://fd.example.com");
	n = log_count("config reloaded");
	kill(gw, SIGHUP);
	for (i = 0; i < 50 && log_count("config reloaded") == n; i++)
		fd_sleep_us(100000);
	assert_int_equal(
	    get_bearer("127.0.0.6", "/api/v1/gateway", ADMIN, out, sizeof(out)),
	    200);
	/* a short token is refused: the old ones stay */
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f,
	    "bus: { rundir = \"%s\"; };\ngateway: { listen_port = %d; "
	    "public_url = \"https://fd.example.com\"; api_tokens = "
	    "\"viewer:short\"; };\n",
	    rundir, port);
	fclose(f);
	n = log_count("reload refused");
	kill(gw, SIGHUP);
	for (i = 0; i < 50 && log_count("reload refused") == n; i++)
		fd_sleep_us(100000);
	assert_true(log_has("an API token (viewer) has 5 characters"));
	assert_int_equal(
	    get_bearer("127.0.0.6", "/api/v1/gateway", ADMIN, out, sizeof(out)),
	    200);
	write_conf("https://fd.example.com");
}

/* A request with a JSON body; the status code, the answer in out. */
static int
send_json(const char *method, const char *path, const char *token,
    const char *body, char *out, size_t outlen)
{
	char raw[4096];

	snprintf(raw, sizeof(raw),
	    "%s %s HTTP/1.1\r\nHost: x\r\n"
	    "Authorization: Bearer %s\r\nConnection: close\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n"
	    "%s",
	    method, path, token, strlen(body), body);
	return xchg("127.0.0.1", raw, out, outlen, 5, NULL);
}

/* The call list's filters are checked before crm-tools is asked: each
 * bad one is a 400 naming the parameter (crm-tools does not run here, so
 * a good request gets as far as 503). */
static void
test_calls_query(void **state)
{
	/* a bad query and the parameter its 400 names as "field" (NULL:
	 * none), else what the error says */
	static const struct {
		const char *query, *field, *error;
	} bad[] = {
	    {"limit=0", "limit", NULL},
	    {"limit=501", "limit", NULL},
	    {"limit=ten", "limit", NULL},
	    {"offset=-1", "offset", NULL},
	    {"from=2026-13-01", "from", NULL},
	    {"to=yesterday", "to", NULL},
	    {"from=2026-11-21&to=2026-11-20", NULL, "from is after to"},
	    {"direction=sideways", "direction", NULL},
	    {"outcome=DROP%20TABLE", "outcome", NULL},
	    {"colour=red", NULL, "unknown query parameter 'colour'"},
	};
	char out[8192], path[256], want[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/api/v1/calls?%s", bad[i].query);
		assert_int_equal(
		    get_bearer("127.0.0.1", path, VIEWER, out, sizeof(out)),
		    400);
		if (bad[i].field)
			snprintf(want, sizeof(want), "\"field\":\"%s\"",
			    bad[i].field);
		else
			snprintf(want, sizeof(want), "%s", bad[i].error);
		if (strstr(out, want) == NULL)
			fail_msg("%s: %s", bad[i].query, out);
	}
	assert_int_equal(
	    get_bearer("127.0.0.1", "/api/v1/stats?from=2026-02-30x", VIEWER,
	        out, sizeof(out)),
	    400);
	assert_int_equal(get_bearer("127.0.0.1", "/api/v1/stats?to=2026-11-20",
	                     VIEWER, out, sizeof(out)),
	    400);
	assert_non_null(strstr(out, "from is needed with to"));
	assert_int_equal(
	    get("127.0.0.1",
	        "/api/v1/calls?from=2026-11-01&to="
	        "2026-11-30&direction=inbound&outcome=booked&q=555&limit=10&"
	        "offset=10",
	        "Authorization: Bearer " VIEWER, out, sizeof(out)),
	    503);
	assert_non_null(strstr(out, "crm_unavailable"));
	/* placing a call: admin only, the body checked field by field */
	assert_int_equal(
	    send_json("POST", "/api/v1/calls", VIEWER,
	        "{\"purpose\":\"callback\",\"phone\":\"+15551230000\"}", out,
	        sizeof(out)),
	    403);
	assert_int_equal(send_json("POST", "/api/v1/calls", ADMIN,
	                     "{\"purpose\":\"party\"}", out, sizeof(out)),
	    400);
	assert_non_null(strstr(out, "\"field\":\"purpose\""));
	assert_int_equal(send_json("POST", "/api/v1/calls", ADMIN,
	                     "{\"purpose\":\"reminder\"}", out, sizeof(out)),
	    400);
	assert_non_null(strstr(out, "\"field\":\"appointment_id\""));
	assert_int_equal(
	    send_json("POST", "/api/v1/calls", ADMIN,
	        "{\"purpose\":\"custom\",\"phone\":\"+15551230000\"}", out,
	        sizeof(out)),
	    400);
	assert_non_null(strstr(out, "\"field\":\"text\""));
	assert_int_equal(
	    send_json("POST", "/api/v1/calls", ADMIN,
	        "{\"purpose\":\"callback\",\"phone\":\"+15551230000\","
	        "\"when\":1}",
	        out, sizeof(out)),
	    400);
	assert_non_null(strstr(out, "unknown field 'when'"));
}

/* /metrics: the token's, in the Prometheus text format, each family
 * once (the other daemons do not run: they are reported down). */
static void
test_metrics(void **state)
{
	char out[65536], *p;

	(void)state;
	assert_int_equal(
	    get_bearer("127.0.0.1", "/metrics", VIEWER, out, sizeof(out)), 200);
	assert_non_null(strstr(out, "text/plain; version=0.0.4"));
	assert_non_null(strstr(out,
	    "# TYPE frontdesk_active_calls gauge\n"
	    "frontdesk_active_calls{daemon=\"gateway\"} 0\n"));
	assert_non_null(strstr(out,
	    "frontdesk_frames_in_total{daemon="
	    "\"gateway\"}"));
	assert_non_null(strstr(out, "frontdesk_up{daemon=\"gateway\"} 1\n"));
	assert_non_null(strstr(out, "frontdesk_up{daemon=\"agent\"} 0\n"));
	assert_non_null(strstr(out,
	    "frontdesk_errors_total{daemon=\"gateway\","
	    "kind=\"malformed_media\"}"));
	/* one HELP per family */
	p = strstr(out, "# HELP frontdesk_errors_total");
	assert_non_null(p);
	assert_null(strstr(p + 1, "# HELP frontdesk_errors_total"));
	p = strstr(out, "# HELP frontdesk_up ");
	assert_non_null(p);
	assert_null(strstr(p + 1, "# HELP frontdesk_up "));
}

/* The owner's settings: admin only; a bad PUT is refused whole with each
 * field and reason; a good one is in the settings file and in force
 * after the gateway's reload. */
static void
test_config(void **state)
{
	char out[16384];
	FILE *f;
	int i, n;

	(void)state;
	assert_int_equal(
	    get_bearer("127.0.0.1", "/api/v1/config", VIEWER, out, sizeof(out)),
	    403);
	assert_int_equal(
	    get_bearer("127.0.0.1", "/api/v1/config", ADMIN, out, sizeof(out)),
	    200);
	assert_non_null(strstr(out, "\"name\":\"Otto's Auto\""));
	assert_non_null(strstr(out, "\"mon\":\"08:00-18:00\""));
	assert_int_equal(
	    send_json("PUT", "/api/v1/config", VIEWER,
	        "{\"business\":{\"name\":\"X\"}}", out, sizeof(out)),
	    403);
	assert_int_equal(
	    send_json("PUT", "/api/v1/config", ADMIN,
	        "{\"business\":{\"name\":\"\",\"hours\":{\"mon\":\"18:00-08:"
	        "00\","
	        "\"funday\":\"closed\"},\"holidays\":[\"2026-02-30\"],"
	        "\"services\":[{\"name\":\"oil\",\"duration\":2,\"price\":-1}],"
	        "\"transfer_number\":\"555\",\"greeting\":\"Hi {caller}\"},"
	        "\"sms\":{\"enabled\":\"yes\"},\"colour\":1}",
	        out, sizeof(out)),
	    400);
	for (i = 0; i < 11; i++) {
		static const char *const want[] = {"business.name",
		    "business.hours.mon", "business.hours.funday",
		    "business.holidays[0]", "business.services[0].duration",
		    "business.services[0].price", "business.transfer_number",
		    "business.greeting", "sms.enabled", "\"colour\"",
		    "opens at or after it closes"};

		if (strstr(out, want[i]) == NULL)
			fail_msg("no %s in %s", want[i], out);
	}
	assert_int_equal(access(settings, F_OK), -1);
	n = log_count("config reloaded");
	assert_int_equal(
	    send_json("PUT", "/api/v1/config", ADMIN,
	        "{\"business\":{\"name\":\"Bob's \\\"Best\\\" Garage\","
	        "\"hours\":{\"sat\":\"closed\"},\"services\":[{\"name\":"
	        "\"oil change\",\"duration\":45,\"price\":59.5,\"aliases\":"
	        "[\"oil\"]}],\"greeting\":\"Hello, {business} here.\"},"
	        "\"recording\":{\"enabled\":false}}",
	        out, sizeof(out)),
	    200);
	assert_non_null(strstr(out, "\"name\":\"Bob's \\\"Best\\\" Garage\""));
	assert_non_null(strstr(out, "\"sat\":\"closed\""));
	assert_non_null(strstr(out, "\"mon\":\"08:00-18:00\""));
	assert_non_null(strstr(out, "\"duration\":45"));
	assert_non_null(
	    strstr(out, "\"greeting\":\"Hello, {business} here.\""));
	assert_non_null(strstr(out, "\"recording\":{\"enabled\":false}"));
	assert_int_equal(access(settings, F_OK), 0);
	for (i = 0; i < 50 && log_count("config reloaded") == n; i++)
		fd_sleep_us(100000);
	assert_true(log_count("config reloaded") > n);
	/* what a daemon starting now reads */
	assert_non_null(f = fopen(settings, "r"));
	assert_true(fread(out, 1, sizeof(out) - 1, f) > 0);
	fclose(f);
	assert_non_null(strstr(out, "name = \"Bob's \\\"Best\\\" Garage\";"));
	assert_int_equal(
	    get_bearer("127.0.0.1", "/api/v1/config", ADMIN, out, sizeof(out)),
	    200);
	assert_non_null(strstr(out, "Garage"));
	unlink(settings);
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
	assert_int_equal(
	    request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", NULL), 200);
}

/* crm-tools' get_call as far as the recording route needs it: CArec1
 * has a recording, CAnorec a record without one, any other call none. */
static json_t *
fake_crm(void *arg, int worker, const char *call_id, json_t *req)
{
	const char *sid = json_string_value(
	    json_object_get(json_object_get(req, "args"), "call_sid"));

	(void)arg;
	(void)worker;
	(void)call_id;
	if (sid && strcmp(sid, "CArec1") == 0)
		return json_pack("{s:b, s:{s:s, s:{s:s, s:f, s:i}}}", "ok", 1,
		    "result", "call_sid", sid, "recording", "url",
		    "/api/v1/calls/CArec1/recording.wav", "duration_s", 0.3,
		    "bytes", 10044);
	if (sid && strcmp(sid, "CAnorec") == 0)
		return json_pack("{s:b, s:{s:s, s:n}}", "ok", 1, "result",
		    "call_sid", sid, "recording");
	return json_pack("{s:b, s:s, s:s}", "ok", 0, "code", "not_found",
	    "error", "no such call");
}

/* GET path (with the admin token unless auth is 0, and an extra header
 * line): the status; headers in hdr, the body's bytes in body/blen. */
static int
fetch(const char *path, int auth, const char *extra, char *hdr, size_t hlen,
    unsigned char *body, size_t cap, size_t *blen)
{
	static char out[65536];
	char raw[1024];
	const char *end;
	size_t got;
	int code;

	snprintf(raw, sizeof(raw),
	    "GET %s HTTP/1.1\r\nHost: x\r\n%s%s%s%s"
	    "Connection: close\r\n\r\n",
	    path, auth ? "Authorization: Bearer " ADMIN "\r\n" : "", extra,
	    extra[0] ? "\r\n" : "", "");
	memset(out, 0, sizeof(out));
	code = xchg("127.0.0.1", raw, out, sizeof(out), 5, NULL);
	/* xchg NUL-terminates what it read: the body may hold NULs, so
	 * the length is what Content-Length says it is */
	end = strstr(out, "\r\n\r\n");
	assert_non_null(end);
	snprintf(hdr, hlen, "%.*s", (int)(end - out), out);
	got = 0;
	{
		const char *cl = strcasestr(hdr, "content-length:");

		if (cl)
			got = (size_t)atol(cl + 15);
	}
	assert_true(got <= cap);
	memcpy(body, end + 4, got);
	*blen = got;
	return code;
}

static void
test_recording_range(void **state)
{
	unsigned char file[10044], body[16384];
	char path[128], hdr[2048];
	struct fd_rpc_server *srv;
	char addr[128];
	size_t i, n;
	FILE *f;

	(void)state;
	for (i = 0; i < sizeof(file); i++)
		file[i] = (unsigned char)(i % 251);
	snprintf(path, sizeof(path), "%s/CArec1.wav", recdir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(file, 1, sizeof(file), f), sizeof(file));
	fclose(f);
	/* a file of a call without a recording on its record is not served */
	snprintf(path, sizeof(path), "%s/CAnorec.wav", recdir);
	assert_non_null(f = fopen(path, "wb"));
	fclose(f);
	snprintf(addr, sizeof(addr), "ipc://%s/crm-tools.rep", rundir);
	assert_non_null(srv = fd_rpc_serve(addr, 1, fake_crm, NULL));

	/* the gateway's rpc socket redials: the first answer may be a 503 */
	for (i = 0; i < 50; i++) {
		if (fetch("/api/v1/calls/CArec1/recording.wav", 1, "", hdr,
		        sizeof(hdr), body, sizeof(body), &n) == 200)
			break;
		fd_sleep_us(100000);
	}
	assert_int_equal(n, sizeof(file));
	assert_memory_equal(body, file, n);
	assert_non_null(strcasestr(hdr, "accept-ranges: bytes"));
	assert_non_null(strcasestr(hdr, "content-type: audio/wav"));

	assert_int_equal(fetch("/api/v1/calls/CArec1/recording.wav", 1,
	                     "Range: bytes=100-199", hdr, sizeof(hdr), body,
	                     sizeof(body), &n),
	    206);
	assert_non_null(strcasestr(hdr, "content-range: bytes 100-199/10044"));
	assert_int_equal(n, 100);
	assert_memory_equal(body, file + 100, 100);

	assert_int_equal(
	    fetch("/api/v1/calls/CArec1/recording.wav", 1, "Range: bytes=-10",
	        hdr, sizeof(hdr), body, sizeof(body), &n),
	    206);
	assert_non_null(strcasestr(hdr,
	    "content-range: bytes 10034-10043/"
	    "10044"));
	assert_memory_equal(body, file + 10034, 10);

	/* a seek to the middle and on to the end, as a player does */
	assert_int_equal(fetch("/api/v1/calls/CArec1/recording.wav?track="
	                       "stereo",
	                     1, "Range: bytes=5000-", hdr, sizeof(hdr), body,
	                     sizeof(body), &n),
	    206);
	assert_int_equal(n, 5044);
	assert_memory_equal(body, file + 5000, 5044);

	assert_int_equal(fetch("/api/v1/calls/CArec1/recording.wav", 1,
	                     "Range: bytes=10044-", hdr, sizeof(hdr), body,
	                     sizeof(body), &n),
	    416);
	assert_non_null(strcasestr(hdr, "content-range: bytes */10044"));
	/* a Range we do not take (several) is the whole file */
	assert_int_equal(fetch("/api/v1/calls/CArec1/recording.wav", 1,
	                     "Range: bytes=0-1,5-6", hdr, sizeof(hdr), body,
	                     sizeof(body), &n),
	    200);
	assert_int_equal(n, sizeof(file));

	/* no mixed track on disk, no recording on the record, no record */
	assert_int_equal(fetch("/api/v1/calls/CArec1/recording.wav?track=mixed",
	                     1, "", hdr, sizeof(hdr), body, sizeof(body), &n),
	    404);
	assert_int_equal(fetch("/api/v1/calls/CAnorec/recording.wav", 1, "",
	                     hdr, sizeof(hdr), body, sizeof(body), &n),
	    404);
	assert_int_equal(fetch("/api/v1/calls/CAgone/recording.wav", 1, "", hdr,
	                     sizeof(hdr), body, sizeof(body), &n),
	    404);
	assert_int_equal(fetch("/api/v1/calls/CArec1/recording.wav?track=left",
	                     1, "", hdr, sizeof(hdr), body, sizeof(body), &n),
	    400);
	assert_int_equal(fetch("/api/v1/calls/a.b/recording.wav", 1, "", hdr,
	                     sizeof(hdr), body, sizeof(body), &n),
	    400);
	assert_int_equal(fetch("/api/v1/calls/CArec1/recording.wav", 0, "", hdr,
	                     sizeof(hdr), body, sizeof(body), &n),
	    401);
	fd_rpc_server_stop(srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signature_query),
	    cmocka_unit_test(test_post_without_length),
	    cmocka_unit_test(test_fallthrough),
	    cmocka_unit_test(test_auth_tokens),
	    cmocka_unit_test(test_auth_cookie),
	    cmocka_unit_test(test_auth_throttle),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_no_token),
	    cmocka_unit_test(test_calls_query),
	    cmocka_unit_test(test_metrics),
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_reload),
	    cmocka_unit_test(test_recording_range),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name(
	    "gateway_http", tests, setup, teardown);
}
