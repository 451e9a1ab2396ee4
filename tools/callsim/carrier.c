/*
 * carrier.c - a tiny HTTP/1.1 server speaking Twilio's REST API for calls
 * (protocols.md section 5): the gateway posts here instead of to
 * api.twilio.com.  Updating a call with <Dial> TwiML records the transfer
 * and ends that call's Media Stream the way Twilio does (stop, close);
 * creating a call answers 201 and places it: the signed webhook POST to
 * its Url, then a Media Stream driven by the --answer-scenario.
 * One request per connection, handled in order: the stack makes a few.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "carrier.h"
#include "clock.h"
#include "expect.h"
#include "http.h"
#include "log.h"
#include "twiml.h"

#define REQ_MAX 65536

struct req {
	char method[8];
	char path[512];
	char auth[256];
	char *body;
	size_t blen;
};

struct outbound {
	char sid[40], acct[64], from[64], to[64], url[1024], status_cb[1024];
};

static int lfd = -1;
static volatile int stopping;
static pthread_t srv_thread;
static const struct scenario *answer_sc;
static const struct call_opts *copts;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t out_cond = PTHREAD_COND_INITIALIZER;
static unsigned running, answered, answered_failed;

static void *serve(void *arg);
static void handle(int fd);
static int read_req(int fd, struct req *rq);
static void route(int fd, struct req *rq);
static void update_call(int fd, const char *acct, const char *sid,
    struct fd_form *f);
static void status_callback(const struct outbound *ob, const char *status,
    long duration_s);
static void create_call(int fd, const char *acct, struct fd_form *f);
static void *place_call(void *arg);
static int authorised(const struct req *rq);
static void reply(int fd, int status, json_t *body);
static void reply_err(int fd, int status, int code, const char *msg);
static json_t *call_resource(const char *sid, const char *acct,
    const char *from, const char *to, const char *status,
    const char *direction);

int
carrier_start(int port, const struct scenario *answer,
    const struct call_opts *o, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	int one = 1;

	answer_sc = answer;
	copts = o;
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 16) != 0) {
		snprintf(err, errlen, "carrier port %d: %s", port,
		    strerror(errno));
		close(lfd);
		lfd = -1;
		return -1;
	}
	if (pthread_create(&srv_thread, NULL, serve, NULL) != 0) {
		snprintf(err, errlen, "carrier thread failed");
		close(lfd);
		lfd = -1;
		return -1;
	}
	log_info(NULL, "carrier REST on http://127.0.0.1:%d/2010-04-01", port);
	return 0;
}

void
carrier_stop(void)
{
	if (lfd < 0)
		return;
	stopping = 1;
	pthread_join(srv_thread, NULL);
	close(lfd);
	lfd = -1;
	pthread_mutex_lock(&out_lock);
	while (running)
		pthread_cond_wait(&out_cond, &out_lock);
	pthread_mutex_unlock(&out_lock);
}

void
carrier_counts(unsigned *a, unsigned *f)
{
	pthread_mutex_lock(&out_lock);
	*a = answered;
	*f = answered_failed;
	pthread_mutex_unlock(&out_lock);
}

static void *
serve(void *arg)
{
	struct pollfd pfd;
	int fd;

	(void)arg;
	pfd.fd = lfd;
	pfd.events = POLLIN;
	while (!stopping) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		handle(fd);
		close(fd);
	}
	return NULL;
}

static void
handle(int fd)
{
	struct req rq;
	struct timeval tv = { 5, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&rq, 0, sizeof(rq));
	if (read_req(fd, &rq) != 0)
		reply_err(fd, 400, 20001, "Malformed HTTP request");
	else
		route(fd, &rq);
	free(rq.body);
}

static void
route(int fd, struct req *rq)
{
	char acct[64], sid[64];
	struct fd_form f = { NULL, 0 };
	int n = 0;

	if (!authorised(rq)) {
		reply_err(fd, 401, 20003, "Authenticate");
		return;
	}
	if (strcmp(rq->method, "POST") != 0) {
		reply_err(fd, 405, 20004, "Method not allowed");
		return;
	}
	if (fd_form_parse(rq->body ? rq->body : "", rq->blen, &f) != 0) {
		reply_err(fd, 400, 20001, "Malformed form body");
		return;
	}
	if (sscanf(rq->path, "/2010-04-01/Accounts/%63[^/]/Calls/%63[^.].json%n",
	    acct, sid, &n) == 2 && n > 0 && rq->path[n] == '\0')
		update_call(fd, acct, sid, &f);
	else if (sscanf(rq->path, "/2010-04-01/Accounts/%63[^/]/Calls.json%n",
	    acct, &n) == 1 && n > 0 && rq->path[n] == '\0')
		create_call(fd, acct, &f);
	else
		reply_err(fd, 404, 20404, "The requested resource was not "
		    "found");
	fd_form_free(&f);
}

/* POST .../Calls/{CallSid}.json: Twiml with <Dial> transfers, Status=
 * completed hangs up, Url redirects (which also ends the stream). */
static void
update_call(int fd, const char *acct, const char *sid, struct fd_form *f)
{
	const char *twiml = fd_form_get(f, "Twiml");
	const char *status = fd_form_get(f, "Status");
	const char *url = fd_form_get(f, "Url");
	struct twiml tw;
	char err[128];
	int found = -1;

	if (twiml) {
		if (twiml_parse(twiml, &tw, err, sizeof(err)) != 0) {
			reply_err(fd, 400, 12100, "Document parse failure");
			return;
		}
		if (tw.dial) {
			log_info(sid, "carrier: transfer to %s", tw.dial);
			found = call_transfer(sid, tw.dial);
		} else
			found = call_complete(sid);
		twiml_free(&tw);
	} else if ((status && (strcmp(status, "completed") == 0 ||
	    strcmp(status, "canceled") == 0)) || url) {
		log_info(sid, "carrier: %s", url ? "redirect" : status);
		found = call_complete(sid);
	} else {
		reply_err(fd, 400, 21220, "Invalid call state or missing "
		    "Twiml/Url/Status");
		return;
	}
	if (found != 0) {
		reply_err(fd, 404, 20404, "The requested resource was not "
		    "found");
		return;
	}
	reply(fd, 200, call_resource(sid, acct, "", "", twiml ? "in-progress" :
	    "completed", "inbound"));
}

static void
create_call(int fd, const char *acct, struct fd_form *f)
{
	const char *to = fd_form_get(f, "To"), *from = fd_form_get(f, "From");
	const char *url = fd_form_get(f, "Url");
	const char *cb = fd_form_get(f, "StatusCallback");
	struct outbound *ob;
	pthread_t th;
	pthread_attr_t at;

	if (to == NULL || *to == '\0') {
		reply_err(fd, 400, 21201, "No 'To' number is specified");
		return;
	}
	if (from == NULL || *from == '\0') {
		reply_err(fd, 400, 21603, "A 'From' phone number is required.");
		return;
	}
	if (url == NULL || strncmp(url, "http", 4) != 0) {
		reply_err(fd, 400, 21205, "Url parameter is required.");
		return;
	}
	if ((ob = calloc(1, sizeof(*ob))) == NULL) {
		reply_err(fd, 500, 20500, "Internal Server Error");
		return;
	}
	call_sid_make("CA", ob->sid);
	snprintf(ob->from, sizeof(ob->from), "%s", from);
	snprintf(ob->to, sizeof(ob->to), "%s", to);
	snprintf(ob->url, sizeof(ob->url), "%s", url);
	snprintf(ob->acct, sizeof(ob->acct), "%s", acct);
	snprintf(ob->status_cb, sizeof(ob->status_cb), "%s", cb ? cb : "");
	reply(fd, 201, call_resource(ob->sid, acct, from, to, "queued",
	    "outbound-api"));
	log_info(ob->sid, "carrier: outbound call %s -> %s (%s)", from, to,
	    answer_sc ? "answering" : "no answer scenario: not answered");
	if (answer_sc == NULL) {
		status_callback(ob, "no-answer", 0);
		free(ob);
		return;
	}
	pthread_mutex_lock(&out_lock);
	running++;
	pthread_mutex_unlock(&out_lock);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &at, place_call, ob) != 0) {
		log_err(ob->sid, "carrier: cannot start the outbound call");
		free(ob);
		pthread_mutex_lock(&out_lock);
		running--;
		pthread_mutex_unlock(&out_lock);
	}
	pthread_attr_destroy(&at);
}

static void *
place_call(void *arg)
{
	struct outbound *ob = arg;
	/* as Twilio posts it: From is the business, To the customer who
	 * answers (the callee scenario) */
	struct call_setup setup = { "outbound-api", ob->url, ob->from,
		ob->to, ob->sid };
	struct call_result r;

	fd_sleep_us(300000);            /* ringing */
	call_run(answer_sc, copts, &setup, &r);
	status_callback(ob, r.duration_ms > 0 ? "completed" : "failed",
	    r.duration_ms / 1000);
	pthread_mutex_lock(&out_lock);
	result_print(stdout, answer_sc, &r);
	fflush(stdout);
	answered++;
	if (r.nfail)
		answered_failed++;
	running--;
	pthread_cond_broadcast(&out_cond);
	pthread_mutex_unlock(&out_lock);
	call_result_free(&r);
	free(ob);
	return NULL;
}

/* The StatusCallback POST Twilio makes when a call ends (signed like the
 * voice webhook, sent to the same path on the gateway). */
static void
status_callback(const struct outbound *ob, const char *status,
    long duration_s)
{
	struct fd_form f = { NULL, 0 };
	struct fd_kv kv[12];
	struct http_reply hr;
	char post[1200], sig[64], dur[24], ts[64];
	time_t now = time(NULL);
	struct tm tm;

	if (ob->status_cb[0] == '\0')
		return;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(dur, sizeof(dur), "%ld", duration_s);
	kv[0] = (struct fd_kv){ "CallSid", (char *)ob->sid };
	kv[1] = (struct fd_kv){ "AccountSid", (char *)ob->acct };
	kv[2] = (struct fd_kv){ "From", (char *)ob->from };
	kv[3] = (struct fd_kv){ "To", (char *)ob->to };
	kv[4] = (struct fd_kv){ "CallStatus", (char *)status };
	kv[5] = (struct fd_kv){ "ApiVersion", "2010-04-01" };
	kv[6] = (struct fd_kv){ "Direction", "outbound-api" };
	kv[7] = (struct fd_kv){ "CallbackSource", "call-progress-events" };
	kv[8] = (struct fd_kv){ "Timestamp", ts };
	kv[9] = (struct fd_kv){ "SequenceNumber", "0" };
	kv[10] = (struct fd_kv){ "CallDuration", dur };
	f.kv = kv;
	f.n = 11;
	if (copts->token)
		fd_twilio_sign(copts->token, ob->status_cb, &f, sig);
	snprintf(post, sizeof(post), "%s%s", copts->gateway,
	    call_url_path(ob->status_cb));
	if (http_post_form(post, &f, copts->token ? sig : NULL, &hr) != 0)
		log_warnx(ob->sid, "status callback %s: %s", post, hr.err);
	else if (hr.status < 200 || hr.status >= 300)
		log_warnx(ob->sid, "status callback %s: HTTP %ld", post,
		    hr.status);
	http_reply_free(&hr);
}

/* Basic AccountSid:AuthToken; checked only when we know the token. */
static int
authorised(const struct req *rq)
{
	uint8_t dec[256];
	const char *colon;
	long n;

	if (copts->token == NULL)
		return 1;
	if (strncasecmp(rq->auth, "Basic ", 6) != 0)
		return 0;
	n = fd_b64_decode(rq->auth + 6, strlen(rq->auth + 6), dec,
	    sizeof(dec) - 1);
	if (n < 0)
		return 0;
	dec[n] = '\0';
	if ((colon = strchr((char *)dec, ':')) == NULL)
		return 0;
	return strcmp(colon + 1, copts->token) == 0;
}

static int
read_req(int fd, struct req *rq)
{
	char *buf = malloc(REQ_MAX + 1), *hend, *line, *save = NULL;
	size_t len = 0, clen = 0;
	ssize_t n;

	if (buf == NULL)
		return -1;
	for (;;) {
		if (len == REQ_MAX || (n = read(fd, buf + len, REQ_MAX - len)) <=
		    0)
			goto fail;
		len += (size_t)n;
		buf[len] = '\0';
		if ((hend = strstr(buf, "\r\n\r\n")) != NULL)
			break;
	}
	*hend = '\0';
	for (line = strtok_r(buf, "\r\n", &save); line;
	    line = strtok_r(NULL, "\r\n", &save)) {
		if (rq->method[0] == '\0') {
			if (sscanf(line, "%7s %511s", rq->method, rq->path) != 2)
				goto fail;
		} else if (strncasecmp(line, "Content-Length:", 15) == 0)
			clen = strtoul(line + 15, NULL, 10);
		else if (strncasecmp(line, "Authorization:", 14) == 0)
			snprintf(rq->auth, sizeof(rq->auth), "%s",
			    line + 14 + strspn(line + 14, " "));
	}
	if (clen > REQ_MAX - 4)
		goto fail;
	{
		size_t have = len - (size_t)(hend + 4 - buf);
		if ((rq->body = malloc(clen + 1)) == NULL)
			goto fail;
		memcpy(rq->body, hend + 4, have < clen ? have : clen);
		while (have < clen) {
			if ((n = read(fd, rq->body + have, clen - have)) <= 0)
				goto fail;
			have += (size_t)n;
		}
		rq->body[clen] = '\0';
		rq->blen = clen;
	}
	free(buf);
	return 0;
fail:
	free(buf);
	return -1;
}

static void
reply(int fd, int status, json_t *body)
{
	char hdr[256], *txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
	size_t blen = txt ? strlen(txt) : 0;
	int n;

	n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d %s\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n"
	    "\r\n", status, status < 300 ? "OK" : "Error", blen);
	if (write(fd, hdr, (size_t)n) < 0 || (txt && write(fd, txt, blen) < 0))
		log_warn(NULL, "carrier: reply");
	free(txt);
	json_decref(body);
}

static void
reply_err(int fd, int status, int code, const char *msg)
{
	char more[96];

	snprintf(more, sizeof(more), "https://www.twilio.com/docs/errors/%d",
	    code);
	reply(fd, status, json_pack("{s:i, s:s, s:s, s:i}", "code", code,
	    "message", msg, "more_info", more, "status", status));
}

static json_t *
call_resource(const char *sid, const char *acct, const char *from,
    const char *to, const char *status, const char *direction)
{
	char date[64], uri[160];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(uri, sizeof(uri), "/2010-04-01/Accounts/%s/Calls/%s.json",
	    acct, sid);
	return json_pack("{s:s, s:s, s:n, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:n, s:s, s:s}", "sid", sid, "account_sid", acct,
	    "parent_call_sid", "to", to, "to_formatted", to, "from", from,
	    "from_formatted", from, "status", status, "direction", direction,
	    "api_version", "2010-04-01", "date_created", date, "start_time",
	    "uri", uri, "date_updated", date);
}
