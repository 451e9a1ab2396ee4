/*
 * cs_carrier.c - a tiny HTTP/1.1 server speaking Twilio's REST API for calls
 * and texts (protocols.md section 5): the gateway posts here instead of to
 * api.twilio.com.  Updating a call with <Dial> TwiML records the transfer
 * and ends that call's Media Stream the way Twilio does (stop, close).
 * Creating a call answers 201 and plays the callee of its To number
 * (--callees: human, machine, busy, no-answer, fail, fax; else the
 * --answer-scenario as a human): signed status callbacks in Twilio's order
 * (initiated, ringing, then in-progress and completed, or busy/no-answer/
 * failed), and for an answer the signed webhook POST to its Url with
 * AnsweredBy (after the greeting for a machine, as DetectMessageEnd does)
 * and a Media Stream driven by the callee's scenario.  Sending a text
 * answers 201 and posts its sent and delivered callbacks.  Every request
 * and how each call ended go to --carrier-log as JSON lines, so tests can
 * count requests per idempotency key (job-<job_id>-<attempt> from the
 * Url's query) and read the texts.
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

#include "cs_carrier.h"
#include "clock.h"
#include "expect.h"
#include "cs_http.h"
#include "log.h"
#include "cs_twiml.h"

#define REQ_MAX 65536

struct req {
	char method[8];
	char path[512];
	char auth[256];
	char *body;
	size_t blen;
};

/* What a callee does with a call (--callees). */
enum callee_answer {
	ANS_HUMAN,
	ANS_MACHINE,
	ANS_BUSY,
	ANS_NO_ANSWER,
	ANS_FAIL,
	ANS_FAX
};

struct outbound {
	char sid[40], acct[64], from[64], to[64], url[1024], status_cb[1024];
	char key[64]; /* job-N-K from the Url, or "" */
	enum callee_answer answer;
	const struct scenario *sc; /* human: the callee's turns */
	int greeting_ms; /* machine: until the beep */
	int ring_ms; /* ringing before the answer */
	int reply_delay_ms; /* the 201 held back this long (the
					   number's first call) */
	int callbacks_lost; /* its status callbacks never reach
					   the gateway (it was down) */
	int timeout_s; /* the request's Timeout */
};

struct text_msg {
	char sid[40], acct[64], from[64], to[64], status_cb[1024];
};

static const char *const answer_names[] = {
    "human", "machine", "busy", "no-answer", "fail", "fax"};

/* A recording the voicemail box made (cs_fall.c), served by sid. */
struct recording {
	struct recording *next;
	char sid[40];
	unsigned char *wav;
	size_t len;
};

static int lfd = -1;
static int rest_port;
static struct recording *recordings;
static volatile int stopping;
static pthread_t srv_thread;
static const struct scenario *answer_sc;
static const struct call_opts *copts;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t out_cond = PTHREAD_COND_INITIALIZER;
static unsigned running, answered, answered_failed;
static json_t *callees; /* number -> callee, "*" default */
static json_t *per_number; /* number -> calls requested */
static json_t *per_key; /* key -> requests */
static json_t *created; /* every call created, newest last */
static struct scenario *callee_sc[64]; /* loaded callee scenarios */
static size_t ncallee_sc;
static struct scenario *machine_sc; /* listens to the message */
static FILE *carrier_log_f;
static unsigned n_requests, n_dup_keys, n_texts;

static void *serve(void *arg);
static void handle(int fd);
static int read_req(int fd, struct req *rq);
static void route(int fd, struct req *rq);
static void update_call(
    int fd, const char *acct, const char *sid, struct fd_form *f);
static void status_callback(const struct outbound *ob, const char *status,
    int seq, long duration_s, const char *answered_by);
static void send_text(int fd, const char *acct, struct fd_form *f);
static void list_calls(int fd, const char *acct, const char *query);
static void *text_callbacks(void *arg);
static void log_event(json_t *ev);
static void callee_for(const char *to, struct outbound *ob);
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
	rest_port = port;
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
		snprintf(
		    err, errlen, "carrier port %d: %s", port, strerror(errno));
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
	if (carrier_log_f)
		fclose(carrier_log_f);
	carrier_log_f = NULL;
	pthread_mutex_unlock(&out_lock);
	while (recordings) {
		struct recording *rec = recordings;

		recordings = rec->next;
		free(rec->wav);
		free(rec);
	}
	while (ncallee_sc > 0)
		scenario_free(callee_sc[--ncallee_sc]);
	scenario_free(machine_sc);
	machine_sc = NULL;
	json_decref(callees);
	json_decref(per_number);
	json_decref(per_key);
	json_decref(created);
	callees = per_number = per_key = created = NULL;
}

void
carrier_counts(unsigned *a, unsigned *f)
{
	pthread_mutex_lock(&out_lock);
	*a = answered;
	*f = answered_failed;
	pthread_mutex_unlock(&out_lock);
}

static const char machine_json[] = "{\"name\": \"answering machine\", "
                                   "\"caller\": {\"from\": \"+15550000000\"},"
                                   " \"turns\": [{\"wait_ms\": 500}]}";

int
carrier_callees(
    const char *path, const char *log_path, char *err, size_t errlen)
{
	json_error_t je;
	const char *num, *sp;
	json_t *c;
	size_t i;

	if ((machine_sc = scenario_parse(machine_json, err, errlen)) == NULL)
		return -1;
	per_number = json_object();
	per_key = json_object();
	created = json_array();
	if (log_path && (carrier_log_f = fopen(log_path, "a")) == NULL) {
		snprintf(err, errlen, "%s: %s", log_path, strerror(errno));
		return -1;
	}
	if (path == NULL)
		return 0;
	if ((callees = json_load_file(path, 0, &je)) == NULL ||
	    !json_is_object(callees)) {
		snprintf(err, errlen, "%s: line %d: %s", path, je.line,
		    callees ? "want an object: number -> callee" : je.text);
		return -1;
	}
	json_object_foreach(callees, num, c)
	{
		const char *a = json_string_value(json_object_get(c, "answer"));
		int ok = 0;

		for (i = 0;
		     a && i < sizeof(answer_names) / sizeof(answer_names[0]);
		     i++)
			ok |= strcmp(a, answer_names[i]) == 0;
		if (!json_is_object(c) || !ok) {
			snprintf(err, errlen,
			    "%s: %s: \"answer\" must be one of "
			    "human, machine, busy, no-answer, fail, fax",
			    path, num);
			return -1;
		}
		if ((sp = json_string_value(json_object_get(c, "scenario"))) ==
		    NULL)
			continue;
		if (ncallee_sc == sizeof(callee_sc) / sizeof(callee_sc[0])) {
			snprintf(
			    err, errlen, "%s: too many callee scenarios", path);
			return -1;
		}
		if ((callee_sc[ncallee_sc] = scenario_load(sp, err, errlen)) ==
		    NULL)
			return -1;
		/* the callee's index in callee_sc, for callee_for */
		json_object_set_new(
		    c, "_sc", json_integer((json_int_t)ncallee_sc++));
	}
	return 0;
}

void
carrier_keys(unsigned *requests, unsigned *dup_keys, unsigned *texts)
{
	pthread_mutex_lock(&out_lock);
	*requests = n_requests;
	*dup_keys = n_dup_keys;
	*texts = n_texts;
	pthread_mutex_unlock(&out_lock);
}

static void
log_event(json_t *ev)
{
	struct timespec ts;

	if (ev == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	json_object_set_new(ev, "t_ms",
	    json_integer((json_int_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000));
	pthread_mutex_lock(&out_lock);
	if (carrier_log_f) {
		json_dumpf(ev, carrier_log_f, JSON_COMPACT);
		fputc('\n', carrier_log_f);
		fflush(carrier_log_f);
	}
	pthread_mutex_unlock(&out_lock);
	json_decref(ev);
}

/* The callee of number to, for its n-th call (out_lock held). */
static void
callee_for(const char *to, struct outbound *ob)
{
	json_t *c = json_object_get(callees, to);
	const char *a;
	json_int_t n, after;
	size_t i;

	if (c == NULL)
		c = json_object_get(callees, "*");
	n = json_integer_value(json_object_get(per_number, to)) + 1;
	json_object_set_new(per_number, to, json_integer(n));
	ob->ring_ms = 300;
	ob->greeting_ms = 2000;
	if (c == NULL) {
		/* no --callees entry: the --answer-scenario answers */
		ob->answer = answer_sc ? ANS_HUMAN : ANS_NO_ANSWER;
		ob->sc = answer_sc;
		return;
	}
	a = json_string_value(json_object_get(c, "answer"));
	for (i = 0; i < sizeof(answer_names) / sizeof(answer_names[0]); i++)
		if (strcmp(a, answer_names[i]) == 0)
			ob->answer = (enum callee_answer)i;
	if (json_is_integer(json_object_get(c, "greeting_ms")))
		ob->greeting_ms =
		    (int)json_integer_value(json_object_get(c, "greeting_ms"));
	if (json_is_integer(json_object_get(c, "ring_ms")))
		ob->ring_ms =
		    (int)json_integer_value(json_object_get(c, "ring_ms"));
	if (n == 1 && json_is_integer(json_object_get(c, "reply_delay_ms")))
		ob->reply_delay_ms = (int)json_integer_value(
		    json_object_get(c, "reply_delay_ms"));
	ob->callbacks_lost =
	    n == 1 && json_is_true(json_object_get(c, "callbacks_lost"));
	/* busy for the first answer_after calls, then the answer */
	after = json_integer_value(json_object_get(c, "answer_after"));
	if (n <= after)
		ob->answer = ANS_BUSY;
	ob->sc = json_is_integer(json_object_get(c, "_sc"))
	    ? callee_sc[json_integer_value(json_object_get(c, "_sc"))]
	    : answer_sc;
	if (ob->answer == ANS_HUMAN && ob->sc == NULL)
		ob->sc = machine_sc; /* a human who only listens */
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
	struct timeval tv = {5, 0};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&rq, 0, sizeof(rq));
	if (read_req(fd, &rq) != 0)
		reply_err(fd, 400, 20001, "Malformed HTTP request");
	else
		route(fd, &rq);
	free(rq.body);
}

/* A query argument's decoded value ("" if absent). */
static void
query_get(const char *q, const char *name, char *out, size_t len)
{
	struct fd_form f = {NULL, 0};
	const char *v;

	out[0] = '\0';
	if (q[0] == '?' && fd_form_parse(q + 1, strlen(q + 1), &f) == 0 &&
	    (v = fd_form_get(&f, name)) != NULL)
		snprintf(out, len, "%s", v);
	fd_form_free(&f);
}

/* GET .../Calls.json?To=&From=: the calls created, newest first, as
 * Twilio lists them ({"calls": [...]}); a gateway that died between its
 * request and our 201 asks this. */
static void
list_calls(int fd, const char *acct, const char *query)
{
	char to[64], from[64];
	json_t *out = json_array(), *c;
	size_t i;

	query_get(query, "To", to, sizeof(to));
	query_get(query, "From", from, sizeof(from));
	pthread_mutex_lock(&out_lock);
	for (i = json_array_size(created); i-- > 0;) {
		c = json_array_get(created, i);
		if ((to[0] == '\0' ||
		        strcmp(
		            to, json_string_value(json_object_get(c, "to"))) ==
		            0) &&
		    (from[0] == '\0' ||
		        strcmp(from,
		            json_string_value(json_object_get(c, "from"))) ==
		            0))
			json_array_append(out, c);
	}
	pthread_mutex_unlock(&out_lock);
	log_event(json_pack("{s:s, s:s, s:s, s:I}", "event", "call_list", "to",
	    to, "from", from, "found", (json_int_t)json_array_size(out)));
	reply(fd, 200,
	    json_pack("{s:o, s:i, s:i, s:s}", "calls", out, "page", 0,
	        "page_size", 50, "uri", acct));
}

int
carrier_recording_put(const char *acct, unsigned char *wav, size_t len,
    char sid[40], char *url, size_t urllen)
{
	struct recording *rec;

	if (lfd < 0 || (rec = calloc(1, sizeof(*rec))) == NULL)
		return -1;
	call_sid_make("RE", rec->sid);
	rec->wav = wav;
	rec->len = len;
	snprintf(sid, 40, "%s", rec->sid);
	snprintf(url, urllen,
	    "http://127.0.0.1:%d/2010-04-01/Accounts/%s/"
	    "Recordings/%s",
	    rest_port, acct, rec->sid);
	pthread_mutex_lock(&out_lock);
	rec->next = recordings;
	recordings = rec;
	pthread_mutex_unlock(&out_lock);
	log_event(json_pack("{s:s, s:s, s:I}", "event", "recording", "sid",
	    rec->sid, "bytes", (json_int_t)len));
	return 0;
}

/* GET .../Recordings/{sid}[.wav]: the WAV file (with the account's
 * credentials, as Twilio may require them). */
static void
get_recording(int fd, const char *sid)
{
	struct recording *rec;
	char hdr[200];
	int n;

	pthread_mutex_lock(&out_lock);
	for (rec = recordings; rec; rec = rec->next)
		if (strcmp(rec->sid, sid) == 0)
			break;
	pthread_mutex_unlock(&out_lock);
	if (rec == NULL) {
		reply_err(fd, 404, 20404,
		    "The requested resource was not "
		    "found");
		return;
	}
	n = snprintf(hdr, sizeof(hdr),
	    "HTTP/1.1 200 OK\r\nContent-Type: "
	    "audio/x-wav\r\nContent-Length: %zu\r\nConnection: close\r\n"
	    "\r\n",
	    rec->len);
	if (write(fd, hdr, (size_t)n) < 0 || write(fd, rec->wav, rec->len) < 0)
		log_warn(NULL, "carrier: recording reply");
	log_event(
	    json_pack("{s:s, s:s}", "event", "recording_fetch", "sid", sid));
}

static void
route(int fd, struct req *rq)
{
	char acct[64], sid[64];
	struct fd_form f = {NULL, 0};
	int n = 0;

	if (!authorised(rq)) {
		reply_err(fd, 401, 20003, "Authenticate");
		return;
	}
	if (strcmp(rq->method, "GET") == 0 &&
	    sscanf(rq->path, "/2010-04-01/Accounts/%63[^/]/Calls.json%n", acct,
	        &n) == 1 &&
	    n > 0 && (rq->path[n] == '\0' || rq->path[n] == '?')) {
		list_calls(fd, acct, rq->path + n);
		return;
	}
	if (strcmp(rq->method, "GET") == 0 &&
	    sscanf(rq->path,
	        "/2010-04-01/Accounts/%63[^/]/Recordings/%39[^.]%n", acct, sid,
	        &n) == 2 &&
	    n > 0 &&
	    (rq->path[n] == '\0' || strcmp(rq->path + n, ".wav") == 0)) {
		get_recording(fd, sid);
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
	if (sscanf(rq->path,
	        "/2010-04-01/Accounts/%63[^/]/Calls/%63[^.].json%n", acct, sid,
	        &n) == 2 &&
	    n > 0 && rq->path[n] == '\0')
		update_call(fd, acct, sid, &f);
	else if (sscanf(rq->path, "/2010-04-01/Accounts/%63[^/]/Calls.json%n",
	             acct, &n) == 1 &&
	    n > 0 && rq->path[n] == '\0')
		create_call(fd, acct, &f);
	else if (sscanf(rq->path,
	             "/2010-04-01/Accounts/%63[^/]/Messages.json"
	             "%n",
	             acct, &n) == 1 &&
	    n > 0 && rq->path[n] == '\0')
		send_text(fd, acct, &f);
	else
		reply_err(fd, 404, 20404,
		    "The requested resource was not "
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
			found = call_transfer(sid, tw.dial, twiml);
		} else
			found = call_complete(sid);
		twiml_free(&tw);
	} else if ((status &&
	               (strcmp(status, "completed") == 0 ||
	                   strcmp(status, "canceled") == 0)) ||
	    url) {
		log_info(sid, "carrier: %s", url ? "redirect" : status);
		found = call_complete(sid);
	} else {
		reply_err(fd, 400, 21220,
		    "Invalid call state or missing "
		    "Twiml/Url/Status");
		return;
	}
	if (found != 0) {
		reply_err(fd, 404, 20404,
		    "The requested resource was not "
		    "found");
		return;
	}
	reply(fd, 200,
	    call_resource(sid, acct, "", "",
	        twiml ? "in-progress" : "completed", "inbound"));
}

/* "job-<job_id>-<attempt>" from a webhook URL's query, or "". */
static void
url_key(const char *url, char *key, size_t len)
{
	const char *q = strchr(url, '?'), *j, *a;
	long long job, att;

	key[0] = '\0';
	if (q == NULL || (j = strstr(q, "job_id=")) == NULL ||
	    (a = strstr(q, "attempt=")) == NULL)
		return;
	job = strtoll(j + 7, NULL, 10);
	att = strtoll(a + 8, NULL, 10);
	if (job > 0 && att > 0)
		snprintf(key, len, "job-%lld-%lld", job, att);
}

static void
create_call(int fd, const char *acct, struct fd_form *f)
{
	const char *to = fd_form_get(f, "To"), *from = fd_form_get(f, "From");
	const char *url = fd_form_get(f, "Url");
	const char *cb = fd_form_get(f, "StatusCallback");
	const char *amd = fd_form_get(f, "MachineDetection");
	const char *tmo = fd_form_get(f, "Timeout");
	struct outbound *ob;
	json_t *ev, *events, *res;
	json_int_t nkey = 0;
	pthread_t th;
	pthread_attr_t at;
	size_t i;

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
	url_key(url, ob->key, sizeof(ob->key));
	ob->timeout_s = tmo ? atoi(tmo) : 60;
	pthread_mutex_lock(&out_lock);
	callee_for(to, ob);
	n_requests++;
	if (ob->key[0]) {
		nkey =
		    json_integer_value(json_object_get(per_key, ob->key)) + 1;
		json_object_set_new(per_key, ob->key, json_integer(nkey));
		if (nkey == 2)
			n_dup_keys++;
	}
	pthread_mutex_unlock(&out_lock);
	if (nkey > 1)
		log_warnx(ob->sid, "carrier: request %lld for key %s",
		    (long long)nkey, ob->key);
	res = call_resource(ob->sid, acct, from, to, "queued", "outbound-api");
	pthread_mutex_lock(&out_lock);
	json_array_append(created, res);
	pthread_mutex_unlock(&out_lock);
	events = json_array();
	for (i = 0; i < f->n; i++)
		if (strcmp(f->kv[i].key, "StatusCallbackEvent") == 0)
			json_array_append_new(
			    events, json_string(f->kv[i].val));
	ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:o, s:s, "
	               "s:I}",
	    "event", "call_request", "sid", ob->sid, "to", to, "from", from,
	    "url", url, "status_callback", ob->status_cb, "machine_detection",
	    amd, "timeout", tmo, "status_events", events, "answer",
	    answer_names[ob->answer], "key_requests", nkey);
	if (ev && ob->key[0])
		json_object_set_new(ev, "key", json_string(ob->key));
	log_event(ev);
	log_info(ob->sid, "carrier: outbound call %s -> %s (%s%s%s)", from, to,
	    answer_names[ob->answer], ob->key[0] ? ", " : "", ob->key);
	/* the call exists from here; the answer may be slow to leave */
	if (ob->reply_delay_ms > 0)
		fd_sleep_us((uint64_t)ob->reply_delay_ms * 1000u);
	reply(fd, 201, res);
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
		pthread_cond_broadcast(&out_cond);
		pthread_mutex_unlock(&out_lock);
	}
	pthread_attr_destroy(&at);
}

/* The answered call's stream, or the fax's webhook; fills ev. */
static const char *
answer_call(struct outbound *ob, json_t *ev, long *dur_s, int *failed)
{
	const char *by = ob->answer == ANS_MACHINE ? "machine_end_beep"
	    : ob->answer == ANS_FAX                ? "fax"
	                                           : "human";
	struct call_setup setup = {
	    "outbound-api", ob->url, ob->from, ob->to, ob->sid, by};
	struct call_result r;
	struct fd_form f = {NULL, 0};
	struct twiml tw;
	char err[512], acct[40], heard[8192];
	size_t i, n = 0;

	if (ob->answer == ANS_FAX) {
		/* AMD heard a fax tone: the webhook says so, the gateway
		 * must hang up */
		call_sid_make("AC", acct);
		*failed = 0;
		if (call_form_voice(
		        &f, ob->sid, acct, ob->from, ob->to, "outbound-api") ||
		    call_form_add(&f, "AnsweredBy", by)) {
			fd_form_free(&f);
			*failed = 1;
			return by;
		}
		if (call_webhook(copts, ob->url, &f, &tw, err, sizeof(err)) ==
		    0) {
			json_object_set_new(
			    ev, "webhook", json_string("streamed"));
			*failed = 1;
		} else
			json_object_set_new(ev, "webhook",
			    json_string(tw.hangup ? "hangup" : err));
		twiml_free(&tw);
		fd_form_free(&f);
		*dur_s = 2;
		return by;
	}
	status_callback(ob, "in-progress", 2, -1, by);
	call_run(
	    ob->answer == ANS_MACHINE ? machine_sc : ob->sc, copts, &setup, &r);
	*dur_s = r.duration_ms / 1000;
	heard[0] = '\0';
	if (r.greeting)
		n += (size_t)snprintf(heard, sizeof(heard), "%s", r.greeting);
	for (i = 0; i < r.nturns && n < sizeof(heard); i++)
		if (r.turns[i].heard)
			n += (size_t)snprintf(heard + n, sizeof(heard) - n,
			    "%s%s", n ? " | " : "", r.turns[i].heard);
	json_object_set_new(ev, "heard", json_string(heard));
	json_object_set_new(ev, "hangup_by", json_string(r.hangup_by));
	json_object_set_new(ev, "streamed", json_boolean(r.duration_ms > 0));
	json_object_set_new(ev, "failures", json_array());
	for (i = 0; i < r.nfail; i++)
		json_array_append_new(json_object_get(ev, "failures"),
		    json_string(r.failures[i]));
	pthread_mutex_lock(&out_lock);
	if (ob->answer == ANS_HUMAN)
		result_print(stdout, ob->sc, &r);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	*failed = r.nfail > 0 || r.duration_ms <= 0;
	if (r.duration_ms <= 0)
		*dur_s = -1;
	call_result_free(&r);
	return by;
}

static void *
place_call(void *arg)
{
	struct outbound *ob = arg;
	const char *by = NULL, *end;
	json_t *ev;
	long dur = 0;
	int failed = 0, ring;

	ev = json_pack("{s:s, s:s, s:s, s:s}", "event", "call_end", "sid",
	    ob->sid, "to", ob->to, "answer", answer_names[ob->answer]);
	if (ob->key[0])
		json_object_set_new(ev, "key", json_string(ob->key));
	status_callback(ob, "initiated", 0, -1, NULL);
	fd_sleep_us(100000);
	if (ob->answer == ANS_FAIL) {
		end = "failed";
		goto done;
	}
	status_callback(ob, "ringing", 1, -1, NULL);
	ring = ob->answer == ANS_NO_ANSWER
	    ? (ob->timeout_s * 1000 < 1500 ? ob->timeout_s * 1000 : 1500)
	    : ob->ring_ms;
	fd_sleep_us((uint64_t)ring * 1000);
	switch (ob->answer) {
	case ANS_BUSY:
		end = "busy";
		break;
	case ANS_NO_ANSWER:
		end = "no-answer";
		break;
	case ANS_MACHINE:
		/* DetectMessageEnd: the webhook comes after the greeting
		 * and its beep */
		fd_sleep_us((uint64_t)ob->greeting_ms * 1000);
		/* FALLTHROUGH */
	default:
		by = answer_call(ob, ev, &dur, &failed);
		end = dur < 0 ? "failed" : "completed";
		if (dur < 0)
			dur = 0;
	}
done:
	status_callback(ob, end, 3, dur, by);
	json_object_set_new(ev, "status", json_string(end));
	json_object_set_new(ev, "duration_s", json_integer(dur));
	if (by)
		json_object_set_new(ev, "answered_by", json_string(by));
	log_event(ev);
	pthread_mutex_lock(&out_lock);
	if (by) {
		answered++;
		if (failed)
			answered_failed++;
	}
	running--;
	pthread_cond_broadcast(&out_cond);
	pthread_mutex_unlock(&out_lock);
	free(ob);
	return NULL;
}

/* POST a signed form to a callback URL of the gateway's. */
static void
post_callback(const char *sid, const char *url, struct fd_form *f)
{
	struct http_reply hr;
	char post[1200], sig[64];

	if (copts->token)
		fd_twilio_sign(copts->token, url, f, sig);
	snprintf(
	    post, sizeof(post), "%s%s", copts->gateway, call_url_path(url));
	if (http_post_form(post, f, copts->token ? sig : NULL, &hr) != 0)
		log_warnx(sid, "callback %s: %s", post, hr.err);
	else if (hr.status < 200 || hr.status >= 300)
		log_warnx(sid, "callback %s: HTTP %ld", post, hr.status);
	http_reply_free(&hr);
}

/* The StatusCallback POST Twilio makes as a call progresses (signed like
 * the voice webhook, sent to the URL the request named).  duration_s < 0:
 * not an ending (no CallDuration). */
static void
status_callback(const struct outbound *ob, const char *status, int seq,
    long duration_s, const char *answered_by)
{
	struct fd_form f = {NULL, 0};
	struct fd_kv kv[14];
	char dur[24], ts[64], sq[16];
	time_t now = time(NULL);
	struct tm tm;
	size_t n = 0;

	if (ob->status_cb[0] == '\0' || ob->callbacks_lost)
		return;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(dur, sizeof(dur), "%ld", duration_s);
	snprintf(sq, sizeof(sq), "%d", seq);
	kv[n++] = (struct fd_kv){"CallSid", (char *)ob->sid};
	kv[n++] = (struct fd_kv){"AccountSid", (char *)ob->acct};
	kv[n++] = (struct fd_kv){"From", (char *)ob->from};
	kv[n++] = (struct fd_kv){"To", (char *)ob->to};
	kv[n++] = (struct fd_kv){"CallStatus", (char *)status};
	kv[n++] = (struct fd_kv){"ApiVersion", "2010-04-01"};
	kv[n++] = (struct fd_kv){"Direction", "outbound-api"};
	kv[n++] = (struct fd_kv){"CallbackSource", "call-progress-events"};
	kv[n++] = (struct fd_kv){"Timestamp", ts};
	kv[n++] = (struct fd_kv){"SequenceNumber", sq};
	if (duration_s >= 0)
		kv[n++] = (struct fd_kv){"CallDuration", dur};
	if (answered_by)
		kv[n++] = (struct fd_kv){"AnsweredBy", (char *)answered_by};
	if (strcmp(status, "failed") == 0)
		kv[n++] = (struct fd_kv){"SipResponseCode", "404"};
	f.kv = kv;
	f.n = n;
	post_callback(ob->sid, ob->status_cb, &f);
}

/* POST .../Messages.json: record the text, answer 201, then its
 * callbacks. */
static void
send_text(int fd, const char *acct, struct fd_form *f)
{
	const char *to = fd_form_get(f, "To"), *from = fd_form_get(f, "From");
	const char *body = fd_form_get(f, "Body");
	const char *cb = fd_form_get(f, "StatusCallback");
	struct text_msg *m;
	pthread_t th;
	pthread_attr_t at;

	if (to == NULL || *to == '\0') {
		reply_err(fd, 400, 21604, "A 'To' phone number is required.");
		return;
	}
	if (from == NULL || *from == '\0') {
		reply_err(fd, 400, 21603, "A 'From' phone number is required.");
		return;
	}
	if (body == NULL || *body == '\0' || strlen(body) > 1600) {
		reply_err(fd, 400, 21617,
		    "The concatenated message body "
		    "exceeds the 1600 character limit or is empty.");
		return;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		reply_err(fd, 500, 20500, "Internal Server Error");
		return;
	}
	call_sid_make("SM", m->sid);
	snprintf(m->acct, sizeof(m->acct), "%s", acct);
	snprintf(m->from, sizeof(m->from), "%s", from);
	snprintf(m->to, sizeof(m->to), "%s", to);
	snprintf(m->status_cb, sizeof(m->status_cb), "%s", cb ? cb : "");
	pthread_mutex_lock(&out_lock);
	n_texts++;
	pthread_mutex_unlock(&out_lock);
	reply(fd, 201,
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:n, s:n}", "sid", m->sid,
	        "account_sid", acct, "status", "queued", "to", to, "from", from,
	        "body", body, "error_code", "error_message"));
	log_event(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "event", "sms",
	    "sid", m->sid, "to", to, "from", from, "body", body,
	    "status_callback", m->status_cb));
	log_info(NULL, "carrier: text %s to %s: %s", m->sid, to, body);
	pthread_mutex_lock(&out_lock);
	running++;
	pthread_mutex_unlock(&out_lock);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &at, text_callbacks, m) != 0) {
		free(m);
		pthread_mutex_lock(&out_lock);
		running--;
		pthread_cond_broadcast(&out_cond);
		pthread_mutex_unlock(&out_lock);
	}
	pthread_attr_destroy(&at);
}

static void *
text_callbacks(void *arg)
{
	static const char *const steps[] = {"sent", "delivered"};
	struct text_msg *m = arg;
	struct fd_form f = {NULL, 0};
	struct fd_kv kv[6];
	size_t i;

	for (i = 0; m->status_cb[0] && i < 2; i++) {
		fd_sleep_us(200000);
		kv[0] = (struct fd_kv){"MessageSid", m->sid};
		kv[1] = (struct fd_kv){"MessageStatus", (char *)steps[i]};
		kv[2] = (struct fd_kv){"AccountSid", m->acct};
		kv[3] = (struct fd_kv){"From", m->from};
		kv[4] = (struct fd_kv){"To", m->to};
		kv[5] = (struct fd_kv){"ApiVersion", "2010-04-01"};
		f.kv = kv;
		f.n = 6;
		post_callback(m->sid, m->status_cb, &f);
	}
	pthread_mutex_lock(&out_lock);
	running--;
	pthread_cond_broadcast(&out_cond);
	pthread_mutex_unlock(&out_lock);
	free(m);
	return NULL;
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
	n = fd_b64_decode(
	    rq->auth + 6, strlen(rq->auth + 6), dec, sizeof(dec) - 1);
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
		if (len == REQ_MAX ||
		    (n = read(fd, buf + len, REQ_MAX - len)) <= 0)
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
			if (sscanf(line, "%7s %511s", rq->method, rq->path) !=
			    2)
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

	n = snprintf(hdr, sizeof(hdr),
	    "HTTP/1.1 %d %s\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n"
	    "\r\n",
	    status, status < 300 ? "OK" : "Error", blen);
	if (write(fd, hdr, (size_t)n) < 0 || (txt && write(fd, txt, blen) < 0))
		log_warn(NULL, "carrier: reply");
	free(txt);
	json_decref(body);
}

static void
reply_err(int fd, int status, int code, const char *msg)
{
	char more[96];

	snprintf(
	    more, sizeof(more), "https://www.twilio.com/docs/errors/%d", code);
	reply(fd, status,
	    json_pack("{s:i, s:s, s:s, s:i}", "code", code, "message", msg,
	        "more_info", more, "status", status));
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
	                 "s:s, s:s, s:n, s:s, s:s}",
	    "sid", sid, "account_sid", acct, "parent_call_sid", "to", to,
	    "to_formatted", to, "from", from, "from_formatted", from, "status",
	    status, "direction", direction, "api_version", "2010-04-01",
	    "date_created", date, "start_time", "uri", uri, "date_updated",
	    date);
}
