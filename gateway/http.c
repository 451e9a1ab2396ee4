/*
 * http.c - the gateway's HTTP side on the same port as the Media Stream:
 * Twilio's webhooks (POST /twilio/voice answers TwiML that connects the
 * call to /twilio/media; POST /twilio/status and /twilio/sms-status log
 * the progress of calls and texts and, for the scheduler's jobs named in
 * their query, publish OUTBOUND_RESULT), health
 * and counters, the call-record API (answered by crm-tools over req/rep)
 * and the dashboard (its page and /static/ files, linked in by
 * dashboard.c and served from there).
 *
 * The dashboard and /api/v1/... need credentials (http_auth.c): a Bearer
 * token, or the session cookie the login form (POST /login) sets.  Without
 * them the dashboard answers 401 with that form.  Only /healthz and the
 * Twilio endpoints (which carry signatures) are open.
 *
 * Request limits, answered rather than dropped: a request header larger
 * than HTTP_HEADER_MAX is answered 431, a Content-Length above
 * HTTP_BODY_MAX 413 before any of the body is read, and a body that has
 * not all come HTTP_BODY_TIMEOUT_S after the headers 408; each of these
 * closes the connection.
 *
 * The rpc calls to crm-tools run on worker threads; when one finishes the
 * worker wakes lws and the service thread writes the response, so a slow
 * database never holds up the audio of live calls.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "callinfo.h"
#include "carrier.h"
#include "clock.h"
#include "daemon.h"
#include "dialout.h"
#include "fallthrough.h"
#include "gateway.h"
#include "gw_metrics.h"
#include "gw_settings.h"
#include "http_auth.h"
#include "http_range.h"
#include "log.h"
#include "recording.h"
#include "sbuf.h"
#include "twilio.h"
#include "twiml.h"
#include "workq.h"

#define HTTP_BODY_MAX (64 * 1024)
#define HTTP_BODY_TIMEOUT_S 10
/* Our own budget for request headers; lws's buffer (gateway.c) is larger
 * so that a request between the two is still parsed and answered 431. */
#define HTTP_HEADER_MAX 8192
#define HTTP_XHDRS 3
#define RPC_TIMEOUT_MS 2000
#define HTTP_CHUNK 16384
/* when to ask again after a 503 for crm-tools or its database */
#define RETRY_AFTER_S 5

enum { M_GET = 1, M_POST, M_PUT, M_OTHER };

struct rpc_job;

struct http_req {
	struct lws *wsi;
	int method;
	char path[256];
	struct sbuf body;
	int body_too_big;
	int routed; /* lws may report an empty body too */
	int close_after; /* body of unknown length left unread */
	int admin; /* credentials of the admin role */
	struct rpc_job *job; /* crm-tools call in flight */
	/* the response */
	int have_resp;
	unsigned status;
	const char *ctype;
	char *resp;
	size_t resp_len, resp_off;
	int resp_static; /* resp is read-only data, not ours */
	int hdr_sent;
	int file_fd; /* the body is this file's bytes
					   [resp_off, resp_len) when >= 0 */
	struct {
		const char *name; /* "location:" */
		char value[200];
	} xh[HTTP_XHDRS]; /* more response headers */
	int nxh;
};

struct rpc_job {
	struct workq_job j;
	struct rpc_job *dnext; /* done list */
	struct http_req *req; /* NULL once the client is gone */
	char tool[32];
	/* what to make of a good answer (NULL: send its result as JSON) */
	void (*done)(struct http_req *r, json_t *result);
	unsigned ok_status; /* the answer's status when ok */
	json_t *args;
	int rv;
	json_t *rep;
};

static struct workq rpc_q;
static pthread_mutex_t done_mu = PTHREAD_MUTEX_INITIALIZER;
static struct rpc_job *done_head;
static unsigned char wbuf[LWS_PRE + HTTP_CHUNK];

static void route(struct http_req *r);
static void respond(
    struct http_req *r, unsigned status, const char *ctype, char *body);
static void respond_static(struct http_req *r, unsigned status,
    const char *ctype, const char *body, size_t len);
static void respond_text(struct http_req *r, unsigned status, const char *text);
static void respond_json(struct http_req *r, unsigned status, json_t *j);
static void respond_file(
    struct http_req *r, unsigned status, int fd, uint64_t off, uint64_t end);
static int write_response(struct http_req *r);
static void req_release(struct gw_conn *conn);
static int body_expected(struct http_req *r);
static void add_header(struct http_req *r, const char *name, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
static int limits_exceeded(struct http_req *r);
static int authorized(struct http_req *r);

int
http_callback(struct lws *wsi, enum lws_callback_reasons reason,
    struct gw_conn *conn, void *in, size_t len)
{
	struct http_req *r;
	char addr[64];

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		req_release(conn); /* a keep-alive connection's last one */
		if ((r = calloc(1, sizeof(*r))) == NULL) {
			log_err(NULL, "http: out of memory");
			return -1;
		}
		conn->req = r;
		r->wsi = wsi;
		r->file_fd = -1;
		sbuf_init(&r->body);
		snprintf(r->path, sizeof(r->path), "%s", (const char *)in);
		if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
			r->method = M_GET;
		else if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
			r->method = M_POST;
		else if (lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI))
			r->method = M_PUT;
		else
			r->method = M_OTHER;
		GW_STAT_ADD(http_requests, 1);
		if (limits_exceeded(r))
			return 0; /* answered; closed after */
		if (body_expected(r)) {
			/* lws re-arms its own timeout at every piece of
			 * the body: this one bounds the whole body */
			lws_set_timer_usecs(wsi,
			    (lws_usec_t)HTTP_BODY_TIMEOUT_S * LWS_US_PER_SEC);
			return 0; /* route once it is in */
		}
		route(r);
		return 0;
	case LWS_CALLBACK_TIMER:
		if ((r = conn->req) == NULL || r->routed)
			return 0;
		r->routed = 1;
		r->close_after = 1;
		auth_peer(wsi, addr, sizeof(addr));
		log_warnx(NULL,
		    "http: %s %s: body not in after %d s (%zu "
		    "bytes): 408",
		    addr, r->path, HTTP_BODY_TIMEOUT_S, r->body.len);
		respond_text(r, 408, "request body too slow\n");
		return 0;
	case LWS_CALLBACK_HTTP_BODY:
		if ((r = conn->req) == NULL)
			return -1;
		if (len == 0)
			return 0; /* lws may report an empty body */
		if (r->body.len + len > HTTP_BODY_MAX)
			r->body_too_big = 1;
		else
			sbuf_addn(&r->body, in, len);
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if ((r = conn->req) == NULL)
			return -1;
		lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL);
		route(r);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if ((r = conn->req) == NULL || !r->have_resp)
			return 0;
		return write_response(r);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		req_release(conn);
		return 0;
	default:
		return 0;
	}
}

static void
req_release(struct gw_conn *conn)
{
	struct http_req *r = conn ? conn->req : NULL;

	if (r == NULL)
		return;
	if (r->job)
		r->job->req = NULL; /* its answer will find nobody */
	sbuf_free(&r->body);
	if (!r->resp_static)
		free(r->resp);
	if (r->file_fd >= 0)
		close(r->file_fd);
	free(r);
	conn->req = NULL;
}

/* The fall-through webhooks (twilio_fall). */
static int
fall_path(const char *p)
{
	return strcmp(p, "/twilio/whisper") == 0 ||
	    strcmp(p, "/twilio/whisper-key") == 0 ||
	    strcmp(p, "/twilio/dial-action") == 0 ||
	    strcmp(p, "/twilio/record-done") == 0 ||
	    strcmp(p, "/twilio/recording") == 0;
}

/*
 * Wait for a body only when one comes: a POST with a Content-Length above
 * zero.  A POST without a length (none, or chunked, which we do not take)
 * is answered at once: 411 where a form is required, else what route()
 * says (405, 404); that connection is closed after the answer, since its
 * unread body would otherwise be taken for the next request.
 */
static int
body_expected(struct http_req *r)
{
	char cl[24];

	if (r->method != M_POST && r->method != M_PUT)
		return 0;
	if (lws_hdr_copy(
	        r->wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
		return atol(cl) > 0;
	r->close_after = 1;
	if (strcmp(r->path, "/twilio/voice") == 0 ||
	    strcmp(r->path, "/twilio/status") == 0 ||
	    strcmp(r->path, "/twilio/sms-status") == 0 || fall_path(r->path) ||
	    strcmp(r->path, "/login") == 0) {
		r->routed = 1;
		respond_text(r, 411, "Content-Length required\n");
	}
	return 0;
}

/*
 * Headers over our budget: 431.  A Content-Length over HTTP_BODY_MAX: 413
 * before any of the body is read.  Both close the connection after the
 * answer (the rest of the request is never read).  lws keeps the headers
 * it knows by name, so those are what is counted; an unknown header only
 * counts against lws's own, larger buffer.
 */
static int
limits_exceeded(struct http_req *r)
{
	char cl[24], addr[64], *end;
	long long n;
	size_t hb = 0;
	int t;

	for (t = 0; t < WSI_TOKEN_COUNT; t++)
		hb += (size_t)lws_hdr_total_length(
		    r->wsi, (enum lws_token_indexes)t);
	if (hb > HTTP_HEADER_MAX) {
		auth_peer(r->wsi, addr, sizeof(addr));
		log_warnx(NULL,
		    "http: %s: request headers of %zu bytes "
		    "(limit %d): 431",
		    addr, hb, HTTP_HEADER_MAX);
		r->routed = 1;
		r->close_after = 1;
		respond_text(r, 431, "request headers too large\n");
		return 1;
	}
	if ((r->method == M_POST || r->method == M_PUT) &&
	    lws_hdr_copy(
	        r->wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
		n = strtoll(cl, &end, 10);
		if (n > HTTP_BODY_MAX || n < 0 || *end != '\0') {
			auth_peer(r->wsi, addr, sizeof(addr));
			log_warnx(NULL,
			    "http: %s %s: Content-Length %.20s "
			    "(limit %d): 413",
			    addr, r->path, cl, HTTP_BODY_MAX);
			r->routed = 1;
			r->close_after = 1;
			r->body_too_big = 1;
			respond_text(r, 413, "body too large\n");
			return 1;
		}
	}
	return 0;
}

/* Copy the decoded query argument name ("limit=") into buf; NULL if
 * absent. */
static const char *
query_arg(struct http_req *r, const char *name, char *buf, size_t len)
{
	char tmp[512];
	const char *v;

	if ((v = lws_get_urlarg_by_name(r->wsi, name, tmp, sizeof(tmp))) ==
	    NULL)
		return NULL;
	snprintf(buf, len, "%s", v);
	return buf;
}

/* Webhooks */

#define MAX_QUERY_ARGS 32

static int
signature_ok(struct http_req *r, const struct fd_form *form)
{
	char sig[128], origin[sizeof(gw_cfg.public_url)], *args[MAX_QUERY_ARGS];
	char frag[1024];
	size_t ol, n = 0, i;
	int ok;

	if (!gw_cfg.validate_signature)
		return 1;
	if (lws_hdr_custom_copy(
	        r->wsi, sig, sizeof(sig), "x-twilio-signature:", 19) <= 0) {
		log_warnx(NULL, "http: %s without X-Twilio-Signature", r->path);
		return 0;
	}
	snprintf(origin, sizeof(origin), "%s", gw_cfg.public_url);
	ol = strlen(origin);
	while (ol > 0 && origin[ol - 1] == '/')
		origin[--ol] = '\0';
	/* lws decoded and split the query; twilio.c writes it back */
	while (n < MAX_QUERY_ARGS &&
	    lws_hdr_copy_fragment(r->wsi, frag, sizeof(frag),
	        WSI_TOKEN_HTTP_URI_ARGS, (int)n) >= 0 &&
	    (args[n] = strdup(frag)) != NULL)
		n++;
	ok = fd_twilio_valid_decoded(gw_cfg.auth_token, origin, r->path,
	    (const char *const *)args, n, form, sig);
	if (!ok)
		log_warnx(fd_form_get(form, "CallSid"),
		    "http: bad "
		    "X-Twilio-Signature for %s%s (%zu query arguments)",
		    origin, r->path, n);
	for (i = 0; i < n; i++)
		free(args[i]);
	return ok;
}

/* Parse and authenticate a webhook body; 0, or -1 with the reply sent. */
static int
webhook_form(struct http_req *r, struct fd_form *form)
{
	if (r->body_too_big) {
		respond_text(r, 413, "body too large\n");
		return -1;
	}
	if (fd_form_parse(r->body.p ? r->body.p : "", r->body.len, form) != 0) {
		log_warnx(NULL, "http: %s: malformed form body", r->path);
		respond_text(r, 400, "malformed form body\n");
		return -1;
	}
	if (!signature_ok(r, form)) {
		fd_form_free(form);
		respond_text(r, 403, "invalid signature\n");
		return -1;
	}
	return 0;
}

/* A job's number from the query ("job_id=", ...); 0 if absent or bad. */
static int64_t
query_int(struct http_req *r, const char *name)
{
	char buf[32], *end;
	long long v;

	if (query_arg(r, name, buf, sizeof(buf)) == NULL)
		return 0;
	v = strtoll(buf, &end, 10);
	return (*end != '\0' || v < 0) ? 0 : (int64_t)v;
}

/*
 * The voice webhook of a call we placed: keep its job (query job_id,
 * attempt, kind) and AnsweredBy with the call's stream token, for
 * CALL_START.  A mailbox still gets the stream (the agent leaves a short
 * message); a fax or an answer AMD could not tell is hung up and the
 * attempt reported failed.  0 to go on, -1 with the reply sent.
 */
static int
outbound_webhook(struct http_req *r, const struct fd_form *form,
    const char *sid, const char *to)
{
	struct dialout_result res = {0};
	const char *by = fd_form_get(form, "AnsweredBy");
	char kind[32] = "", *xml;

	res.job_id = query_int(r, "job_id=");
	res.attempt = query_int(r, "attempt=");
	query_arg(r, "kind=", kind, sizeof(kind));
	if (!dialout_answered_by_nobody(by)) {
		if (res.job_id > 0)
			callinfo_set_job(
			    sid, res.job_id, res.attempt, kind, by);
		return 0;
	}
	log_warnx(sid,
	    "voice webhook: outbound call to %s answered by %s: "
	    "hanging up (job %lld attempt %lld)",
	    to ? to : "?", by, (long long)res.job_id, (long long)res.attempt);
	if (res.job_id > 0) {
		res.to = to;
		res.call_sid = sid;
		res.status = "failed";
		res.error = strcmp(by, "fax") == 0
		    ? "answered by a fax"
		    : "answered by something AMD could not tell";
		res.answered_by = by;
		carrier_result(&res);
	}
	if ((xml = strdup("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	                  "<Response><Hangup/></Response>")) == NULL)
		respond_text(r, 500, "out of memory\n");
	else
		respond(r, 200, "text/xml", xml);
	return -1;
}

/* A fall-through handler's answer (fallthrough.h). */
static void
fall_respond(struct http_req *r, struct fall_reply *fr)
{
	if (fr->xml)
		respond(r, fr->status, "text/xml", fr->xml);
	else if (fr->status == 204)
		respond(r, 204, "text/plain", NULL);
	else
		respond_text(r, fr->status == 200 ? 500 : fr->status,
		    fr->status == 400 ? "bad request\n" : "cannot answer\n");
	fr->xml = NULL;
}

/*
 * The webhooks of calls that fall through the agent (fallthrough.c):
 * /twilio/whisper and /twilio/whisper-key (the staff leg of a warm
 * transfer, ?parent= the caller's call), /twilio/dial-action (how the
 * transfer ended), /twilio/record-done and /twilio/recording (the
 * voicemail box; ?from=&to= the caller's numbers).  All signed, query
 * included.
 */
static void
twilio_fall(struct http_req *r)
{
	struct fall_reply fr = {NULL, 200};
	struct fd_form form;
	const char *w = r->path + 8;
	char a[80], b[80];

	if (webhook_form(r, &form) != 0)
		return;
	if (strcmp(w, "whisper") == 0)
		fall_whisper(&form, query_arg(r, "parent=", a, sizeof(a)), &fr);
	else if (strcmp(w, "whisper-key") == 0)
		fall_whisper_key(
		    &form, query_arg(r, "parent=", a, sizeof(a)), &fr);
	else if (strcmp(w, "dial-action") == 0)
		fall_dial_action(&form, &fr);
	else if (strcmp(w, "record-done") == 0)
		fall_record_done(&form, &fr);
	else
		fall_recording(&form, query_arg(r, "from=", a, sizeof(a)),
		    query_arg(r, "to=", b, sizeof(b)), &fr);
	fall_respond(r, &fr);
	fd_form_free(&form);
}

static void
twilio_voice(struct http_req *r)
{
	struct fall_reply fr;
	struct twiml_param p[7];
	struct fd_form form;
	const char *sid, *from, *to, *dir, *now = NULL;
	char surl[600], purpose[64], appt[32], token[CALLINFO_TOKEN_LEN];
	char *xml;
	size_t n = 0;

	if (webhook_form(r, &form) != 0)
		return;
	sid = fd_form_get(&form, "CallSid");
	if (sid == NULL || sid[0] == '\0' || !fd_call_id_valid(sid)) {
		log_warnx(NULL, "voice webhook without a valid CallSid");
		respond_text(r, 400, "missing or bad CallSid\n");
		goto out;
	}
	if (twiml_stream_url(gw_cfg.public_url, surl, sizeof(surl)) != 0) {
		log_err(sid, "gateway.public_url '%s' is not http(s)",
		    gw_cfg.public_url);
		respond_text(r, 500, "gateway misconfigured\n");
		goto out;
	}
	from = fd_form_get(&form, "From");
	to = fd_form_get(&form, "To");
	dir = fd_form_get(&form, "Direction");
	if (gw_cfg.allow_test_clock)
		now = fd_form_get(&form, "FdNow");
	if ((dir == NULL || strcmp(dir, "inbound") == 0) &&
	    fall_voicemail_box(&form, &fr)) {
		fall_respond(r, &fr);
		goto out;
	}
	/* the stream must bring this back in its start: only a call we
	 * answered here gets one, and the caller's identity stays here */
	if (callinfo_put(sid, from, to, dir, fd_mono_us(), token) != 0) {
		log_err(sid,
		    "voice webhook: no random bytes for the stream "
		    "token");
		respond_text(r, 500, "cannot answer the call\n");
		goto out;
	}
	if (dir && strcmp(dir, "outbound-api") == 0 &&
	    outbound_webhook(r, &form, sid, to) != 0)
		goto out;
	p[n++] = (struct twiml_param){CALLINFO_PARAM, token};
	p[n++] = (struct twiml_param){"From", from ? from : ""};
	p[n++] = (struct twiml_param){"To", to ? to : ""};
	p[n++] = (struct twiml_param){"Direction", dir ? dir : "inbound"};
	if (query_arg(r, "purpose=", purpose, sizeof(purpose)))
		p[n++] = (struct twiml_param){"purpose", purpose};
	if (query_arg(r, "appointment_id=", appt, sizeof(appt)))
		p[n++] = (struct twiml_param){"appointment_id", appt};
	if (now && now[0])
		p[n++] = (struct twiml_param){"now", now};
	if ((xml = twiml_connect_stream(surl, p, n)) == NULL) {
		respond_text(r, 500, "out of memory\n");
		goto out;
	}
	log_info(sid, "voice webhook: %s call from %s to %s, streaming to %s",
	    dir ? dir : "inbound", from ? from : "?", to ? to : "?", surl);
	respond(r, 200, "text/xml", xml);
out:
	fd_form_free(&form);
}

/*
 * The carrier's call progress.  For a call of a job (query job_id,
 * attempt) it becomes OUTBOUND_RESULT: initiated/ringing/in-progress (the
 * scheduler records the dial), busy, no-answer, failed, canceled,
 * completed with its duration and AnsweredBy (a fax or an answer AMD
 * could not tell is failed).  Out-of-order callbacks are harmless: the
 * first ending recorded for an attempt is the one that stays.
 */
static void
twilio_status(struct http_req *r)
{
	struct dialout_result res = {0};
	struct fd_form form;
	const char *sid, *st, *dur, *by;

	if (webhook_form(r, &form) != 0)
		return;
	sid = fd_form_get(&form, "CallSid");
	st = fd_form_get(&form, "CallStatus");
	dur = fd_form_get(&form, "CallDuration");
	by = fd_form_get(&form, "AnsweredBy");
	if (sid && !fd_call_id_valid(sid))
		sid = NULL;
	res.job_id = query_int(r, "job_id=");
	res.attempt = query_int(r, "attempt=");
	log_info(sid, "status callback: %s%s%s%s%s", st ? st : "?",
	    dur ? ", duration s " : "", dur ? dur : "",
	    by ? ", answered by " : "", by ? by : "");
	if (res.job_id > 0 && res.attempt > 0 && st && st[0]) {
		res.to = fd_form_get(&form, "To");
		res.call_sid = sid;
		res.status = st;
		res.answered_by = by;
		res.duration_s = dur ? atoll(dur) : 0;
		if (strcmp(st, "completed") == 0 &&
		    dialout_answered_by_nobody(by)) {
			res.status = "failed";
			res.error = "answered by a fax or an unknown machine";
		}
		carrier_result(&res);
	}
	respond(r, 204, "text/plain", NULL);
	fd_form_free(&form);
}

/* A text's progress: sent, delivered, undelivered, failed. */
static void
twilio_sms_status(struct http_req *r)
{
	struct dialout_result res = {0};
	struct fd_form form;
	const char *sid, *st, *code;

	if (webhook_form(r, &form) != 0)
		return;
	sid = fd_form_get(&form, "MessageSid");
	st = fd_form_get(&form, "MessageStatus");
	code = fd_form_get(&form, "ErrorCode");
	res.job_id = query_int(r, "job_id=");
	res.attempt = query_int(r, "attempt=");
	log_info(NULL,
	    "text status callback: %s %s%s%s (job %lld attempt "
	    "%lld)",
	    sid ? sid : "?", st ? st : "?", code ? ", error " : "",
	    code ? code : "", (long long)res.job_id, (long long)res.attempt);
	if (res.job_id > 0 && res.attempt > 0 && st &&
	    (strcmp(st, "delivered") == 0 || strcmp(st, "undelivered") == 0 ||
	        strcmp(st, "failed") == 0)) {
		res.to = fd_form_get(&form, "To");
		/* a text's failure is its delivery report, never a call's
		 * ending: crm-tools applies it to text jobs only */
		res.status =
		    strcmp(st, "delivered") == 0 ? "delivered" : "undelivered";
		res.error = code;
		carrier_result(&res);
	}
	respond(r, 204, "text/plain", NULL);
	fd_form_free(&form);
}

/* Credentials */

static const char *
method_name(const struct http_req *r)
{
	return r->method == M_GET ? "GET"
	    : r->method == M_POST ? "POST"
	    : r->method == M_PUT  ? "PUT"
	                          : "other";
}

/* The login form; msg is plain text. */
static char *
login_page(const char *msg)
{
	static const char fmt[] =
	    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><link rel=\"icon\" href=\"data:,\">"
	    "<title>frontdesk - sign in</title></head>\n"
	    "<body style=\"font: 15px system-ui, sans-serif; margin: 3em\">\n"
	    "<h1 style=\"font-size: 19px\">frontdesk calls</h1>\n<p>%s</p>\n"
	    "<form method=\"post\" action=\"/login\">\n"
	    "<input name=\"token\" type=\"password\" autocomplete="
	    "\"current-password\" placeholder=\"API token\" autofocus "
	    "required>\n<button>Sign in</button>\n</form>\n</body></html>\n";
	struct sbuf b;

	sbuf_init(&b);
	sbuf_printf(&b, fmt, msg);
	return sbuf_done(&b);
}

static void
respond_unauthorized(struct http_req *r, int page, const char *msg)
{
	add_header(r, "www-authenticate:", "Bearer realm=\"frontdesk\"");
	if (page)
		respond(r, 401, "text/html; charset=utf-8", login_page(msg));
	else
		respond_json(r, 401, json_pack("{s:s}", "error", msg));
}

static void
respond_throttled(struct http_req *r, unsigned retry_after)
{
	add_header(r, "retry-after:", "%u", retry_after);
	respond_json(r, 429,
	    json_pack("{s:s, s:i}", "error",
	        "too many wrong credentials from this address", "retry_after_s",
	        (int)retry_after));
}

/*
 * The dashboard and the API: 1 if the request may go on; else the answer
 * is sent (401 with the login form for the page, 401 JSON for the API,
 * 429 while the address is locked out, 403 for a viewer's non-GET).
 */
static int
authorized(struct http_req *r)
{
	struct auth_result a;
	int page = strncmp(r->path, "/api/", 5) != 0;

	auth_request(r->wsi, method_name(r), r->path, &a);
	switch (a.verdict) {
	case AUTH_OK:
		r->admin = a.role == AUTH_ROLE_ADMIN;
		if (a.role != AUTH_ROLE_ADMIN && r->method != M_GET) {
			respond_json(r, 403,
			    json_pack(
			        "{s:s}", "error", "this token may only read"));
			return 0;
		}
		return 1;
	case AUTH_THROTTLED:
		respond_throttled(r, a.retry_after);
		return 0;
	case AUTH_WRONG:
		respond_unauthorized(r, page,
		    page ? "Wrong or expired "
		           "credentials: sign in with an API token."
		         : "wrong credentials");
		return 0;
	case AUTH_MISSING:
	default:
		respond_unauthorized(r, page,
		    page ? (auth_ntokens() ? "Sign "
		                             "in with an API token "
		                             "(FRONTDESK_API_TOKEN)."
		                           : "The "
		                             "dashboard is closed: no API "
		                             "token is configured. Set "
		                             "FRONTDESK_API_TOKEN and restart "
		                             "the gateway.")
		         : "missing bearer token");
		return 0;
	}
}

/* The dashboard cookie is sent only to this site (SameSite=Strict), never
 * to scripts (HttpOnly), and only over TLS when the public URL is https
 * (browsers treat http://localhost as secure too). */
static void
session_cookie(struct http_req *r, const char *value, int max_age)
{
	add_header(r, "set-cookie:",
	    AUTH_COOKIE "=%s; Path=/; HttpOnly; "
	                "SameSite=Strict; Max-Age=%d%s",
	    value, max_age,
	    strncmp(gw_cfg.public_url, "https:", 6) == 0 ? "; Secure" : "");
}

/* POST /login, form token=...: the cookie and back to the dashboard. */
static void
login(struct http_req *r)
{
	struct auth_result a;
	struct fd_form form;

	if (r->body_too_big) {
		respond_text(r, 413, "body too large\n");
		return;
	}
	if (fd_form_parse(r->body.p ? r->body.p : "", r->body.len, &form) !=
	    0) {
		respond_text(r, 400, "malformed form body\n");
		return;
	}
	auth_token(r->wsi, fd_form_get(&form, "token"), r->path, &a);
	fd_form_free(&form);
	if (r->body.p)
		OPENSSL_cleanse(r->body.p, r->body.len);
	if (a.verdict == AUTH_THROTTLED) {
		respond_throttled(r, a.retry_after);
		return;
	}
	if (a.verdict != AUTH_OK) {
		respond_unauthorized(r, 1, "Wrong token.");
		return;
	}
	session_cookie(r, a.session, 12 * 3600);
	add_header(r, "location:", "/");
	respond_text(r, 303, "signed in\n");
}

/* POST /logout: the cookie goes. */
static void
logout(struct http_req *r)
{
	session_cookie(r, "", 0);
	add_header(r, "location:", "/");
	respond_text(r, 303, "signed out\n");
}

/* API */

static void
rpc_run(struct workq_job *j)
{
	struct rpc_job *rj = (struct rpc_job *)j;

	rj->rv = fd_rpc_tool(
	    &gw_crm, NULL, rj->tool, rj->args, NULL, &rj->rep, RPC_TIMEOUT_MS);
	rj->args = NULL; /* taken by fd_rpc_tool */
	pthread_mutex_lock(&done_mu);
	rj->dnext = done_head;
	done_head = rj;
	pthread_mutex_unlock(&done_mu);
	lws_cancel_service(gw_ctx);
}

static void
rpc_free(struct rpc_job *rj)
{
	json_decref(rj->args);
	json_decref(rj->rep);
	free(rj);
}

/* Never ran (shutdown): runs on the service thread, like req_release. */
static void
rpc_discard(struct workq_job *j)
{
	struct rpc_job *rj = (struct rpc_job *)j;

	if (rj->req)
		rj->req->job = NULL;
	rpc_free(rj);
}

/* Ask crm-tools; the response (ok_status, 0 for 200, when it succeeds)
 * is written when the answer comes. */
static void
ask_crm_status(
    struct http_req *r, const char *tool, json_t *args, unsigned ok_status)
{
	struct rpc_job *rj;

	if (args == NULL) {
		respond_text(r, 500, "out of memory\n");
		return;
	}
	if ((rj = calloc(1, sizeof(*rj))) == NULL) {
		json_decref(args);
		respond_text(r, 500, "out of memory\n");
		return;
	}
	rj->ok_status = ok_status;
	rj->j.run = rpc_run;
	rj->j.discard = rpc_discard;
	snprintf(rj->tool, sizeof(rj->tool), "%s", tool);
	rj->args = args;
	rj->req = r;
	if (workq_push(&rpc_q, &rj->j) != 0) {
		rpc_free(rj);
		respond_json(r, 503,
		    json_pack("{s:s}", "error",
		        "too many requests waiting for crm-tools"));
		return;
	}
	r->job = rj;
}

static void
ask_crm(struct http_req *r, const char *tool, json_t *args)
{
	ask_crm_status(r, tool, args, 0);
}

/* Service thread: turn finished crm-tools calls into responses. */
void
http_on_wake(void)
{
	struct rpc_job *rj, *next;
	struct http_req *r;
	const char *code, *err;
	json_t *res;
	unsigned st;

	pthread_mutex_lock(&done_mu);
	rj = done_head;
	done_head = NULL;
	pthread_mutex_unlock(&done_mu);
	for (; rj; rj = next) {
		next = rj->dnext;
		if ((r = rj->req) == NULL) {
			rpc_free(rj);
			continue;
		}
		r->job = NULL;
		if (rj->rv != 0) {
			GW_STAT_ADD(rpc_timeouts, 1);
			log_warnx(NULL, "api: crm-tools %s: %s", rj->tool,
			    nng_strerror(rj->rv));
			add_header(r, "retry-after:", "%d", RETRY_AFTER_S);
			respond_json(r, 503,
			    json_pack("{s:s, s:s}", "error",
			        "crm-tools did not answer", "code",
			        "crm_unavailable"));
		} else if (json_is_true(json_object_get(rj->rep, "ok")) &&
		    rj->done) {
			rj->done(r, json_object_get(rj->rep, "result"));
		} else if (json_is_true(json_object_get(rj->rep, "ok"))) {
			res = json_object_get(rj->rep, "result");
			respond_json(r, rj->ok_status ? rj->ok_status : 200,
			    res ? json_incref(res) : json_null());
		} else {
			code =
			    json_string_value(json_object_get(rj->rep, "code"));
			err = json_string_value(
			    json_object_get(rj->rep, "error"));
			if (code && strcmp(code, "not_found") == 0)
				st = 404;
			else if (code &&
			    (strcmp(code, "bad_args") == 0 ||
			        strcmp(code, "bad_request") == 0 ||
			        strcmp(code, "invalid") == 0))
				st = 400;
			else if (code && strcmp(code, "outbound_disabled") == 0)
				st = 409;
			else if (code && strcmp(code, "db_unavailable") == 0) {
				/* nothing about it waits in crm-tools either */
				st = 503;
				add_header(
				    r, "retry-after:", "%d", RETRY_AFTER_S);
			} else
				st = 502;
			respond_json(r, st,
			    json_pack("{s:s, s:s}", "error",
			        err ? err : "crm-tools error", "code",
			        code ? code : "error"));
		}
		rpc_free(rj);
	}
}

/* GET /api/v1/gateway: the gateway's own counters, as JSON. */
static void
api_gateway(struct http_req *r)
{
	uint64_t hn = GW_STAT_GET(hop_n), wn = GW_STAT_GET(wait_n);
	const char *biz;
	json_t *j;

	j = json_pack("{s:I, s:I, s:I, s:I, s:i, s:I, s:I, s:I, s:I, s:I, "
	              "s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	              "s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}}",
	    "frames_in", (json_int_t)GW_STAT_GET(frames_in), "frames_out",
	    (json_int_t)GW_STAT_GET(frames_out), "underruns",
	    (json_int_t)GW_STAT_GET(underruns), "malformed",
	    (json_int_t)GW_STAT_GET(malformed), "calls_active",
	    media_active_calls(), "calls_total",
	    (json_int_t)GW_STAT_GET(calls_total), "calls_rejected",
	    (json_int_t)GW_STAT_GET(calls_rejected), "marks_out",
	    (json_int_t)GW_STAT_GET(marks_out), "marks_echoed",
	    (json_int_t)GW_STAT_GET(marks_echoed), "marks_cleared",
	    (json_int_t)GW_STAT_GET(marks_cleared), "clears",
	    (json_int_t)GW_STAT_GET(clears), "pauses",
	    (json_int_t)GW_STAT_GET(pauses), "stale_audio",
	    (json_int_t)GW_STAT_GET(stale_audio), "audio_dropped",
	    (json_int_t)GW_STAT_GET(audio_dropped), "http_requests",
	    (json_int_t)GW_STAT_GET(http_requests), "rpc_failures",
	    (json_int_t)GW_STAT_GET(rpc_timeouts), "uptime_s",
	    (json_int_t)((fd_mono_us() - gw_start_us) / 1000000),
	    "tts_to_gateway_us", "n", (json_int_t)hn, "avg",
	    (json_int_t)(hn ? GW_STAT_GET(hop_sum_us) / hn : 0), "max",
	    (json_int_t)GW_STAT_GET(hop_max_us), "queue_wait_us", "n",
	    (json_int_t)wn, "avg",
	    (json_int_t)(wn ? GW_STAT_GET(wait_sum_us) / wn : 0), "max",
	    (json_int_t)GW_STAT_GET(wait_max_us));
	/* which business this gateway answers for (the dashboard's header,
	 * readable by a viewer, unlike the settings) */
	if (j != NULL &&
	    config_lookup_string(&fd_config, "business.name", &biz) ==
	        CONFIG_TRUE)
		json_object_set_new(j, "business", json_string(biz));
	respond_json(r, 200, j);
}

/* A 400 naming the query parameter or body field and what is wrong. */
static void respond_bad(struct http_req *r, const char *field, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
respond_bad(struct http_req *r, const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	respond_json(r, 400,
	    json_pack("{s:s, s:s, s:s}", "error", msg, "field", field, "code",
	        "bad_request"));
}

/* The request's body as a JSON object; NULL after answering 413 (too
 * large) or 400 with `shape`, what the body should be. */
static json_t *
body_object(struct http_req *r, const char *shape)
{
	json_error_t je;
	json_t *b;

	if (r->body_too_big) {
		respond_text(r, 413, "body too large\n");
		return NULL;
	}
	if ((b = json_loadb(r->body.p ? r->body.p : "", r->body.len, 0, &je)) ==
	        NULL ||
	    !json_is_object(b)) {
		json_decref(b);
		respond_bad(r, "", "%s", shape);
		return NULL;
	}
	return b;
}

/* The names a query may carry ("from,to,"); 0, or -1 with a 400 sent for
 * the first other one (a misspelt filter is an error, not ignored). */
static int
query_names_ok(struct http_req *r, const char *allowed)
{
	char frag[600], name[64], *eq;
	int i;

	for (i = 0; i < MAX_QUERY_ARGS &&
	     lws_hdr_copy_fragment(
	         r->wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i) >= 0;
	     i++) {
		if ((eq = strchr(frag, '=')) != NULL)
			*eq = '\0';
		snprintf(name, sizeof(name), ",%.60s,", frag);
		if (frag[0] == '\0' || strstr(allowed, name) == NULL) {
			respond_bad(r, frag,
			    "unknown query parameter '%.60s' "
			    "(known: %.*s)",
			    frag, (int)strlen(allowed) - 2, allowed + 1);
			return -1;
		}
	}
	return 0;
}

/* A day parameter YYYY-MM-DD into args; 0, or -1 with the 400 sent. */
static int
query_day(struct http_req *r, const char *name, json_t *args)
{
	char key[16], buf[64];
	int y, m, d, n = 0;

	snprintf(key, sizeof(key), "%s=", name);
	if (query_arg(r, key, buf, sizeof(buf)) == NULL)
		return 0;
	if (strlen(buf) != 10 ||
	    sscanf(buf, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    m < 1 || m > 12 || d < 1 || d > 31 || y < 2000 || y > 2999) {
		respond_bad(r, name,
		    "%s must be a date YYYY-MM-DD, not "
		    "'%.20s'",
		    name, buf);
		return -1;
	}
	json_object_set_new(args, name, json_string(buf));
	return 0;
}

/* A whole-number parameter in lo..hi into args; 0, or -1 with the 400. */
static int
query_num(struct http_req *r, const char *name, long lo, long hi, json_t *args)
{
	char key[16], buf[32], *end;
	long v;

	snprintf(key, sizeof(key), "%s=", name);
	if (query_arg(r, key, buf, sizeof(buf)) == NULL)
		return 0;
	v = strtol(buf, &end, 10);
	if (buf[0] == '\0' || *end != '\0' || v < lo || v > hi) {
		respond_bad(r, name, "%s must be a whole number %ld..%ld", name,
		    lo, hi);
		return -1;
	}
	json_object_set_new(args, name, json_integer(v));
	return 0;
}

/*
 * GET /api/v1/calls?from=&to=&outcome=&direction=&q=&limit=&offset=:
 * checked here (400 naming the parameter), answered by crm-tools
 * list_calls: {calls, total, limit, offset, next}.
 */
static void
api_calls(struct http_req *r)
{
	char buf[128];
	size_t i;
	json_t *a;

	if (query_names_ok(r, ",from,to,outcome,direction,q,limit,offset,") !=
	    0)
		return;
	if ((a = json_object()) == NULL) {
		respond_text(r, 500, "out of memory\n");
		return;
	}
	if (query_day(r, "from", a) != 0 || query_day(r, "to", a) != 0 ||
	    query_num(r, "limit", 1, 500, a) != 0 ||
	    query_num(r, "offset", 0, 1000000, a) != 0)
		goto bad;
	if (json_object_get(a, "from") && json_object_get(a, "to") &&
	    strcmp(json_string_value(json_object_get(a, "from")),
	        json_string_value(json_object_get(a, "to"))) > 0) {
		respond_bad(r, "from", "from is after to");
		goto bad;
	}
	if (query_arg(r, "outcome=", buf, sizeof(buf))) {
		for (i = 0; buf[i]; i++)
			if (!((buf[i] >= 'a' && buf[i] <= 'z') ||
			        buf[i] == '_'))
				break;
		if (buf[0] == '\0' || buf[i] || i > 40) {
			respond_bad(r, "outcome",
			    "outcome is a word of a-z and "
			    "_ (booked, message_taken, transferred, ...)");
			goto bad;
		}
		json_object_set_new(a, "outcome", json_string(buf));
	}
	if (query_arg(r, "direction=", buf, sizeof(buf))) {
		if (strcmp(buf, "inbound") != 0 &&
		    strcmp(buf, "outbound") != 0) {
			respond_bad(r, "direction",
			    "direction is inbound or "
			    "outbound");
			goto bad;
		}
		json_object_set_new(a, "direction", json_string(buf));
	}
	if (query_arg(r, "q=", buf, sizeof(buf))) {
		if (strlen(buf) > 100) {
			respond_bad(r, "q", "q is at most 100 characters");
			goto bad;
		}
		if (buf[0])
			json_object_set_new(a, "q", json_string(buf));
	}
	if (json_object_get(a, "limit") == NULL)
		json_object_set_new(a, "limit", json_integer(50));
	ask_crm(r, "list_calls", a);
	return;
bad:
	json_decref(a);
}

/* GET /api/v1/stats?from=&to=: crm-tools call_stats. */
static void
api_stats(struct http_req *r)
{
	json_t *a;

	if (query_names_ok(r, ",from,to,") != 0)
		return;
	if ((a = json_object()) == NULL) {
		respond_text(r, 500, "out of memory\n");
		return;
	}
	if (query_day(r, "from", a) != 0 || query_day(r, "to", a) != 0) {
		json_decref(a);
		return;
	}
	if (json_object_get(a, "to") && !json_object_get(a, "from")) {
		json_decref(a);
		respond_bad(r, "from", "from is needed with to");
		return;
	}
	ask_crm(r, "call_stats", a);
}

/*
 * POST /api/v1/calls (admin), a JSON body: place a call now through a
 * crm-tools job the scheduler claims -- {"purpose": "reminder",
 * "appointment_id": N} | {"purpose": "callback", "phone": "+1...",
 * "text"?} | {"purpose": "custom", "phone", "text"}.  202 with the job.
 */
static void
api_place_call(struct http_req *r)
{
	json_t *b, *a, *v;
	const char *purpose, *k;

	if ((b = body_object(r,
	         "the body is a JSON object: {\"purpose\": "
	         "\"reminder\"|\"callback\"|\"custom\", ...}")) == NULL)
		return;
	json_object_foreach(b, k, v)
	{
		if (strcmp(k, "purpose") != 0 &&
		    strcmp(k, "appointment_id") != 0 &&
		    strcmp(k, "phone") != 0 && strcmp(k, "text") != 0) {
			respond_bad(r, k,
			    "unknown field '%.40s' (purpose, "
			    "appointment_id, phone, text)",
			    k);
			goto out;
		}
	}
	purpose = json_string_value(json_object_get(b, "purpose"));
	if (purpose == NULL ||
	    (strcmp(purpose, "reminder") != 0 &&
	        strcmp(purpose, "callback") != 0 &&
	        strcmp(purpose, "custom") != 0)) {
		respond_bad(r, "purpose",
		    "purpose is reminder, callback or "
		    "custom");
		goto out;
	}
	v = json_object_get(b, "appointment_id");
	if (strcmp(purpose, "reminder") == 0 &&
	    (!json_is_integer(v) || json_integer_value(v) <= 0)) {
		respond_bad(r, "appointment_id",
		    "a reminder needs "
		    "appointment_id, a positive integer");
		goto out;
	}
	v = json_object_get(b, "phone");
	if (strcmp(purpose, "reminder") != 0 &&
	    (!json_is_string(v) || json_string_length(v) < 3 ||
	        json_string_length(v) > 40)) {
		respond_bad(r, "phone",
		    "a %s call needs phone, the number to "
		    "call",
		    purpose);
		goto out;
	}
	v = json_object_get(b, "text");
	if ((v && !json_is_string(v)) || (v && json_string_length(v) > 500) ||
	    (strcmp(purpose, "custom") == 0 &&
	        (v == NULL || json_string_length(v) == 0))) {
		respond_bad(r, "text",
		    "text is a string of at most 500 "
		    "characters%s",
		    strcmp(purpose, "custom") == 0
		        ? ", required: what the call is about"
		        : "");
		goto out;
	}
	a = json_deep_copy(b);
	ask_crm_status(r, "job_create", a, 202);
out:
	json_decref(b);
}

static void
api_call(struct http_req *r, const char *sid)
{
	if (sid[0] == '\0' || !fd_call_id_valid(sid)) {
		respond_json(
		    r, 400, json_pack("{s:s}", "error", "bad call id"));
		return;
	}
	ask_crm(r, "get_call", json_pack("{s:s}", "call_sid", sid));
}

/*
 * GET /api/v1/calls/{sid}/recording.wav[?track=stereo|mixed]: the call's
 * recording (stereo: caller left, agent right, the default; mixed: one
 * track), with Range for a browser's player.  The record is asked first:
 * a call it does not have (deleted by retention) or without a recording
 * is 404 whatever is on disk.  The file's name comes from the validated
 * call id, never from the request or the database.
 */
static void
recording_answer(struct http_req *r, json_t *call)
{
	const char *sid = json_string_value(json_object_get(call, "call_sid"));
	char path[512], track[16] = "", range[128];
	const char *rv = NULL;
	uint64_t first = 0, last = 0;
	struct stat st;
	int fd, mixed;

	mixed = query_arg(r, "track=", track, sizeof(track)) != NULL &&
	    strcmp(track, "mixed") == 0;
	if (sid == NULL || json_is_null(json_object_get(call, "recording")) ||
	    json_object_get(call, "recording") == NULL ||
	    rec_path(sid, mixed, path, sizeof(path)) != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		respond_json(r, 404,
		    json_pack("{s:s}", "error", "no recording of this call"));
		return;
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		respond_text(r, 500, "recording unreadable\n");
		return;
	}
	if (lws_hdr_copy(r->wsi, range, sizeof(range), WSI_TOKEN_HTTP_RANGE) >
	    0)
		rv = range;
	add_header(r, "accept-ranges:", "bytes");
	switch (http_range_parse(rv, (uint64_t)st.st_size, &first, &last)) {
	case HTTP_RANGE_BAD:
		close(fd);
		add_header(
		    r, "content-range:", "bytes */%lld", (long long)st.st_size);
		respond_text(r, 416, "range not satisfiable\n");
		return;
	case HTTP_RANGE_OK:
		add_header(r, "content-range:", "bytes %llu-%llu/%lld",
		    (unsigned long long)first, (unsigned long long)last,
		    (long long)st.st_size);
		respond_file(r, 206, fd, first, last + 1);
		break;
	case HTTP_RANGE_NONE:
		respond_file(r, 200, fd, 0, (uint64_t)st.st_size);
		break;
	}
}

static void
api_recording(struct http_req *r, const char *sid)
{
	char track[16];

	if (sid[0] == '\0' || !fd_call_id_valid(sid)) {
		respond_json(
		    r, 400, json_pack("{s:s}", "error", "bad call id"));
		return;
	}
	if (query_arg(r, "track=", track, sizeof(track)) != NULL &&
	    strcmp(track, "mixed") != 0 && strcmp(track, "stereo") != 0) {
		respond_json(r, 400,
		    json_pack("{s:s}", "error", "track is stereo or mixed"));
		return;
	}
	ask_crm(r, "get_call", json_pack("{s:s}", "call_sid", sid));
	if (r->job)
		r->job->done = recording_answer;
}

/*
 * GET/PUT /api/v1/config, admin only (a viewer gets 403 for reading it
 * too: it names the transfer number and the switches): the owner's
 * settings (gw_settings.c).  A PUT is checked whole (400 with every
 * error, each a field path and a reason), written to the settings file
 * and applied by every daemon as a SIGHUP reload would.
 */
static void
api_config(struct http_req *r)
{
	json_t *b, *errs, *cur;
	char err[256];

	if (!r->admin) {
		respond_json(r, 403,
		    json_pack("{s:s}", "error",
		        "the settings "
		        "are for the admin role"));
		return;
	}
	if (r->method == M_GET) {
		if ((cur = settings_current(err, sizeof(err))) == NULL)
			respond_json(r, 500, json_pack("{s:s}", "error", err));
		else
			respond_json(r, 200, cur);
		return;
	}
	if (r->method != M_PUT) {
		respond_text(r, 405, "GET or PUT\n");
		return;
	}
	if ((b = body_object(r,
	         "the body is a JSON object of settings "
	         "(GET /api/v1/config shows them)")) == NULL)
		return;
	errs = json_array();
	if (settings_put(b, errs, &cur, err, sizeof(err)) != 0) {
		if (json_array_size(errs) > 0)
			respond_json(r, 400,
			    json_pack("{s:s, s:s, s:O}", "error",
			        "invalid settings", "code", "bad_request",
			        "errors", errs));
		else
			respond_json(r, 500, json_pack("{s:s}", "error", err));
	} else {
		log_info(NULL,
		    "api: settings changed (%s): every daemon "
		    "reloads",
		    settings_path());
		fd_reload = 1;
		respond_json(r, 200, cur);
	}
	json_decref(errs);
	json_decref(b);
}

/* The dashboard's page and files; the page may run only its own scripts
 * and styles, so text from a call can never become code. */
static void
dashboard(struct http_req *r, const char *p)
{
	struct dashboard_file f;

	if (dashboard_file(p, &f) != 0) {
		respond_text(r, 404, "not here\n");
		return;
	}
	if (f.ctype[5] == 'h')
		add_header(r, "content-security-policy:",
		    "default-src 'self'; "
		    "img-src 'self' data:; media-src 'self'; frame-ancestors "
		    "'none'; form-action 'self'");
	respond_static(r, 200, f.ctype, f.body, f.len);
}

/* Which handler a request goes to. */
static void
route(struct http_req *r)
{
	const char *p = r->path;
	json_t *j;

	if (r->routed)
		return;
	r->routed = 1;
	if (strcmp(p, "/twilio/voice") == 0 ||
	    strcmp(p, "/twilio/status") == 0 ||
	    strcmp(p, "/twilio/sms-status") == 0) {
		if (r->method != M_POST)
			respond_text(r, 405, "POST only\n");
		else if (p[8] == 'v')
			twilio_voice(r);
		else if (p[8] == 's' && p[9] == 'm')
			twilio_sms_status(r);
		else
			twilio_status(r);
		return;
	}
	if (fall_path(p)) {
		if (r->method != M_POST)
			respond_text(r, 405, "POST only\n");
		else
			twilio_fall(r);
		return;
	}
	if (strcmp(p, "/login") == 0 || strcmp(p, "/logout") == 0) {
		if (r->method != M_POST)
			respond_text(r, 405, "POST only\n");
		else if (strcmp(p, "/login") == 0)
			login(r);
		else
			logout(r);
		return;
	}
	/* everything that shows call data: credentials before anything */
	if ((dashboard_path(p) || strncmp(p, "/api/", 5) == 0 ||
	        strcmp(p, "/metrics") == 0) &&
	    !authorized(r))
		return;
	if (strcmp(p, "/api/v1/calls") == 0 && r->method == M_POST) {
		api_place_call(r);
		return;
	}
	if (strcmp(p, "/api/v1/config") == 0) {
		api_config(r);
		return;
	}
	if (r->method != M_GET) {
		respond_text(r,
		    strncmp(p, "/api/", 5) == 0 || strcmp(p, "/healthz") == 0 ||
		            dashboard_path(p)
		        ? 405
		        : 404,
		    "not here\n");
		return;
	}
	if (strcmp(p, "/healthz") == 0) {
		j = json_pack("{s:s, s:i, s:I}", "status", "ok", "calls",
		    media_active_calls(), "uptime_s",
		    (json_int_t)((fd_mono_us() - gw_start_us) / 1000000));
		respond_json(r, 200, j);
	} else if (dashboard_path(p))
		dashboard(r, p);
	else if (strcmp(p, "/api/v1/stats") == 0)
		api_stats(r);
	else if (strcmp(p, "/api/v1/gateway") == 0)
		api_gateway(r);
	else if (strcmp(p, "/metrics") == 0)
		respond(r, 200, "text/plain; version=0.0.4; charset=utf-8",
		    metrics_render());
	else if (strcmp(p, "/api/v1/calls") == 0)
		api_calls(r);
	else if (strncmp(p, "/api/v1/calls/", 14) == 0 && strlen(p) > 14 + 14 &&
	    strcmp(p + strlen(p) - 14, "/recording.wav") == 0) {
		char sid[FD_CALL_ID_LEN];
		size_t n = strlen(p) - 28;

		snprintf(sid, sizeof(sid), "%.*s", n < sizeof(sid) ? (int)n : 0,
		    p + 14);
		api_recording(r, n < sizeof(sid) ? sid : "");
	} else if (strncmp(p, "/api/v1/calls/", 14) == 0)
		api_call(r, p + 14);
	else
		respond_json(r, 404, json_pack("{s:s}", "error", "not found"));
}

/* Responses */

static void
add_header(struct http_req *r, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (r->nxh >= HTTP_XHDRS)
		return;
	r->xh[r->nxh].name = name;
	va_start(ap, fmt);
	vsnprintf(r->xh[r->nxh].value, sizeof(r->xh[r->nxh].value), fmt, ap);
	va_end(ap);
	r->nxh++;
}

static void
respond(struct http_req *r, unsigned status, const char *ctype, char *body)
{
	if (body == NULL && status != 204) {
		status = 500;
		ctype = "text/plain";
		body = strdup("out of memory\n");
	}
	r->status = status;
	r->ctype = ctype;
	r->resp = body;
	r->resp_len = body ? strlen(body) : 0;
	r->resp_static = 0;
	r->resp_off = 0;
	r->hdr_sent = 0;
	r->have_resp = 1;
	lws_callback_on_writable(r->wsi);
}

/* body is read-only data that outlives the request (dashboard.c). */
static void
respond_static(struct http_req *r, unsigned status, const char *ctype,
    const char *body, size_t len)
{
	r->status = status;
	r->ctype = ctype;
	r->resp = (char *)body;
	r->resp_len = len;
	r->resp_static = 1;
	r->resp_off = 0;
	r->hdr_sent = 0;
	r->have_resp = 1;
	lws_callback_on_writable(r->wsi);
}

/* The bytes [off, end) of the file fd (taken) as audio/wav. */
static void
respond_file(
    struct http_req *r, unsigned status, int fd, uint64_t off, uint64_t end)
{
	r->status = status;
	r->ctype = "audio/wav";
	r->resp = NULL;
	r->file_fd = fd;
	r->resp_off = (size_t)off;
	r->resp_len = (size_t)end;
	r->hdr_sent = 0;
	r->have_resp = 1;
	lws_callback_on_writable(r->wsi);
}

static void
respond_text(struct http_req *r, unsigned status, const char *text)
{
	respond(r, status, "text/plain", strdup(text));
}

/* Takes j (may be NULL: out of memory). */
static void
respond_json(struct http_req *r, unsigned status, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	struct sbuf b;

	json_decref(j);
	if (s) {
		sbuf_init(&b);
		sbuf_add(&b, s);
		sbuf_add(&b, "\n");
		free(s);
		s = sbuf_done(&b);
	}
	respond(r, status, "application/json", s);
}

static int
write_response(struct http_req *r)
{
	unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start;
	unsigned char *end = hdr + sizeof(hdr) - 1;
	size_t n;
	int last, i;

	if (!r->hdr_sent) {
		if (lws_add_http_common_headers(r->wsi, r->status, r->ctype,
		        r->resp_len - r->resp_off, &p, end))
			return -1;
		for (i = 0; i < r->nxh; i++)
			if (lws_add_http_header_by_name(r->wsi,
			        (const unsigned char *)r->xh[i].name,
			        (const unsigned char *)r->xh[i].value,
			        (int)strlen(r->xh[i].value), &p, end))
				return -1;
		if (lws_add_http_header_by_name(r->wsi,
		        (const unsigned char *)"cache-control:",
		        (const unsigned char *)"no-store", 8, &p, end) ||
		    (r->close_after &&
		        lws_add_http_header_by_token(r->wsi,
		            WSI_TOKEN_CONNECTION,
		            (const unsigned char *)"close", 5, &p, end)) ||
		    lws_finalize_write_http_header(r->wsi, start, &p, end))
			return -1;
		r->hdr_sent = 1;
		if (r->resp_len > r->resp_off) {
			lws_callback_on_writable(r->wsi);
			return 0;
		}
	} else {
		n = r->resp_len - r->resp_off;
		if (n > HTTP_CHUNK)
			n = HTTP_CHUNK;
		last = r->resp_off + n >= r->resp_len;
		/* a recording: read from the page cache a chunk at a time */
		if (r->file_fd >= 0 &&
		    pread(r->file_fd, wbuf + LWS_PRE, n, (off_t)r->resp_off) !=
		        (ssize_t)n)
			return -1;
		if (r->file_fd < 0)
			memcpy(wbuf + LWS_PRE, r->resp + r->resp_off, n);
		if (lws_write(r->wsi, wbuf + LWS_PRE, n,
		        last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
			return -1;
		r->resp_off += n;
		if (!last) {
			lws_callback_on_writable(r->wsi);
			return 0;
		}
	}
	r->have_resp = 0;
	if (!r->resp_static)
		free(r->resp);
	r->resp = NULL;
	if (r->file_fd >= 0)
		close(r->file_fd);
	r->file_fd = -1;
	r->resp_static = 0;
	if (r->close_after || lws_http_transaction_completed(r->wsi))
		return -1;
	return 0;
}

int
http_start(void)
{
	return workq_start(&rpc_q, 2, 256);
}

/* Before the lws context goes: running calls finish (at most
 * RPC_TIMEOUT_MS), waiting ones are dropped. */
void
http_stop(void)
{
	struct rpc_job *rj, *next;

	workq_stop(&rpc_q);
	pthread_mutex_lock(&done_mu);
	rj = done_head;
	done_head = NULL;
	pthread_mutex_unlock(&done_mu);
	for (; rj; rj = next) {
		next = rj->dnext;
		if (rj->req)
			rj->req->job = NULL;
		rpc_free(rj);
	}
}
