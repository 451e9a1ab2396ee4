/*
 * carrier.c - Twilio REST with libcurl: update a live call (transfer),
 * create outbound calls and send texts.  Talks to the carrier over HTTPS
 * and publishes FD_MSG_OUTBOUND_RESULT for the scheduler.  Each job runs on
 * a worker thread; a transfer is tried up to 3 times with a growing pause,
 * a new call or text only again when the request surely never arrived.
 *
 * A call or text of a crm-tools job is placed at most once per attempt:
 * its idempotency key must be new to this gateway run (dialout.c) and
 * crm-tools must not have the attempt dialed already (job_get; that
 * survives restarts), else the answer is OUTBOUND_RESULT `duplicate`.
 * Once the carrier took it, the gateway records it itself (job_dialed), so
 * a scheduler that died after publishing does not make it placeable again.
 * How the attempt ended (busy, no-answer, failed, completed, a text's
 * delivery) is recorded here too (job_result, on a worker thread), beside
 * the OUTBOUND_RESULT the scheduler records the same way: an ending that
 * arrives while no scheduler runs still ends the attempt and schedules its
 * retry.  job_result is idempotent per attempt, so the second of the two
 * records changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "carrier.h"
#include "clock.h"
#include "dialout.h"
#include "fallthrough.h"
#include "gateway.h"
#include "log.h"
#include "outbound.h"
#include "proto/payload.h"
#include "sbuf.h"
#include "twiml.h"
#include "workq.h"

#define CARRIER_ATTEMPTS 3
#define CARRIER_RESP_MAX (256 * 1024)

struct carrier_job {
	struct workq_job j;
	int type; /* TRANSFER, OUTBOUND_CALL / _SMS */
	uint32_t ref;
	char call_id[FD_CALL_ID_LEN];
	struct carrier_cfg cfg;
	json_t *req; /* the frame's payload */
};

/* An attempt's ending, to be recorded with job_result. */
struct result_job {
	struct workq_job j;
	int64_t job_id, attempt;
	char call_sid[FD_CALL_ID_LEN];
	char outcome[16];
	char detail[160];
};

static const struct carrier_ops *carrier = &carrier_twilio;
static struct workq carrier_q;

/* Called from the bus thread. */

static void
job_free(struct carrier_job *cj)
{
	json_decref(cj->req);
	free(cj);
}

static void
job_discard(struct workq_job *j)
{
	struct carrier_job *cj = (struct carrier_job *)j;

	log_warnx(cj->call_id, "carrier: %s not done (shutting down)",
	    fd_msg_name(cj->type));
	job_free(cj);
}

static void run_job(struct workq_job *j);

static void
queue_job(const struct fd_frame *f)
{
	struct carrier_job *cj;
	json_t *req;

	if ((req = fd_frame_json(f)) == NULL)
		return;
	if ((cj = calloc(1, sizeof(*cj))) == NULL) {
		log_err(f->call_id, "carrier: out of memory, %s dropped",
		    fd_msg_name(f->type));
		json_decref(req);
		return;
	}
	cj->j.run = run_job;
	cj->j.discard = job_discard;
	cj->type = f->type;
	cj->ref = f->ref;
	cj->req = req;
	snprintf(cj->call_id, sizeof(cj->call_id), "%s", f->call_id);
	pthread_mutex_lock(&gw_lock);
	snprintf(cj->cfg.api_base, sizeof(cj->cfg.api_base), "%s",
	    gw_cfg.twilio_api_base);
	snprintf(cj->cfg.account_sid, sizeof(cj->cfg.account_sid), "%s",
	    gw_cfg.account_sid);
	snprintf(cj->cfg.auth_token, sizeof(cj->cfg.auth_token), "%s",
	    gw_cfg.auth_token);
	snprintf(cj->cfg.public_url, sizeof(cj->cfg.public_url), "%s",
	    gw_cfg.public_url);
	snprintf(
	    cj->cfg.from, sizeof(cj->cfg.from), "%s", gw_cfg.business_phone);
	pthread_mutex_unlock(&gw_lock);
	if (workq_push(&carrier_q, &cj->j) != 0) {
		log_err(f->call_id, "carrier: queue full, %s dropped",
		    fd_msg_name(f->type));
		job_free(cj);
	}
}

static void
result_discard(struct workq_job *j)
{
	struct result_job *rj = (struct result_job *)j;

	log_warnx(rj->call_sid[0] ? rj->call_sid : NULL,
	    "job %lld attempt "
	    "%lld: %s left to the scheduler (shutting down)",
	    (long long)rj->job_id, (long long)rj->attempt, rj->outcome);
	free(rj);
}

static void run_result(struct workq_job *j);

void
carrier_result(const struct dialout_result *r)
{
	const char *outc = fd_outbound_outcome(r->status);
	const char *sid =
	    r->call_sid && fd_call_id_valid(r->call_sid) ? r->call_sid : "";
	struct result_job *rj;

	dialout_publish(r);
	if (outc == NULL || r->job_id <= 0 || r->attempt <= 0)
		return;
	if ((rj = calloc(1, sizeof(*rj))) == NULL) {
		log_err(sid[0] ? sid : NULL,
		    "job %lld attempt %lld: out of "
		    "memory, %s left to the scheduler",
		    (long long)r->job_id, (long long)r->attempt, outc);
		return;
	}
	rj->j.run = run_result;
	rj->j.discard = result_discard;
	rj->job_id = r->job_id;
	rj->attempt = r->attempt;
	snprintf(rj->call_sid, sizeof(rj->call_sid), "%s", sid);
	snprintf(rj->outcome, sizeof(rj->outcome), "%s", outc);
	fd_outbound_detail(r->error, r->answered_by, (long long)r->duration_s,
	    rj->detail, sizeof(rj->detail));
	if (workq_push(&carrier_q, &rj->j) != 0) {
		log_err(sid[0] ? sid : NULL,
		    "job %lld attempt %lld: queue "
		    "full, %s left to the scheduler",
		    (long long)r->job_id, (long long)r->attempt, outc);
		free(rj);
	}
}

void
carrier_transfer(const struct fd_frame *f)
{
	queue_job(f);
}

void
carrier_outbound(const struct fd_frame *f)
{
	queue_job(f);
}

void
carrier_sms(const struct fd_frame *f)
{
	queue_job(f);
}

int
carrier_start(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return -1;
	return workq_start(&carrier_q, 2, 256);
}

void
carrier_stop(void)
{
	workq_stop(&carrier_q);
	curl_global_cleanup();
}

/* Worker threads. */

/*
 * Run attempt(arg) up to CARRIER_ATTEMPTS times, 0.5 s then 1.5 s apart,
 * while it returns > 0 (the request surely never arrived, so a repeat
 * cannot act twice).  0 once it succeeds, -1 otherwise with err set.
 */
static int
carrier_repeat(const char *call_id, const char *what,
    int (*attempt)(void *, char *, size_t), void *arg, char *err, size_t errlen)
{
	uint64_t pause_us = 500000;
	int i, rv;

	for (i = 1; i <= CARRIER_ATTEMPTS && !fd_stop; i++) {
		if ((rv = attempt(arg, err, errlen)) == 0)
			return 0;
		log_warnx(call_id, "carrier: %s try %d/%d: %s", what, i,
		    CARRIER_ATTEMPTS, err);
		if (rv < 0 || i == CARRIER_ATTEMPTS)
			break;
		fd_sleep_us(pause_us);
		pause_us *= 3;
	}
	if (err[0] == '\0')
		snprintf(err, errlen, "stopped");
	return -1;
}

static int
attempt_transfer(void *arg, char *err, size_t errlen)
{
	struct carrier_job *cj = arg;
	const char *to = json_string_value(json_object_get(cj->req, "to"));
	const char *summary =
	    json_string_value(json_object_get(cj->req, "summary"));
	char *twiml;
	int rv;

	if ((twiml = fall_transfer_twiml(cj->call_id, to, summary)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	rv = carrier->update_call(&cj->cfg, cj->call_id, twiml, err, errlen);
	free(twiml);
	return rv;
}

static void
do_transfer(struct carrier_job *cj)
{
	const char *to = json_string_value(json_object_get(cj->req, "to"));
	char err[256];

	if (to == NULL || to[0] == '\0' || strlen(to) > 64) {
		log_err(cj->call_id, "transfer: missing or bad 'to'");
		return;
	}
	if (!media_call_live(cj->call_id)) {
		log_warnx(cj->call_id,
		    "transfer to %s: no live stream, "
		    "ignored",
		    to);
		return;
	}
	if (carrier_repeat(cj->call_id, "transfer", attempt_transfer, cj, err,
	        sizeof(err)) != 0) {
		/* the call stays up: the agent gets no new event for it */
		log_err(cj->call_id, "transfer to %s failed, call left up: %s",
		    to, err);
		return;
	}
	log_info(cj->call_id, "transferred to %s", to);
	media_mark_transferred(cj->call_id);
}

/* The REST reply's result for a request of the scheduler. */
static void
publish_request_result(const struct fd_pl_outbound_call *q, const char *sid,
    const char *status, const char *error)
{
	struct dialout_result r = {0};

	r.to = q->to;
	r.call_sid = sid;
	r.status = status;
	r.error = error;
	r.purpose = q->purpose;
	r.appointment_id = q->appointment_id;
	r.job_id = q->job_id;
	r.attempt = q->attempt;
	r.idempotency_key = q->idempotency_key;
	carrier_result(&r);
}

/* Record an attempt's ending with crm-tools (see carrier_result). */
static void
run_result(struct workq_job *j)
{
	struct result_job *rj = (struct result_job *)j;
	const char *sid = rj->call_sid[0] ? rj->call_sid : NULL;
	json_t *args, *rep = NULL;
	int rv;

	args = json_pack("{s:I, s:I, s:s}", "job_id", (json_int_t)rj->job_id,
	    "attempt", (json_int_t)rj->attempt, "outcome", rj->outcome);
	if (args && sid)
		json_object_set_new(args, "call_sid", json_string(sid));
	if (args && rj->detail[0])
		json_object_set_new(args, "detail", json_string(rj->detail));
	rv = fd_rpc_tool(&gw_crm, sid, "job_result", args, NULL, &rep, 3000);
	if (rv != 0 || !json_is_true(json_object_get(rep, "ok")))
		log_warnx(sid, "job %lld attempt %lld %s: not recorded (%s); "
		    "the scheduler records it from the result", (long long)
		    rj->job_id, (long long)rj->attempt, rj->outcome, rv ?
		    nng_strerror(rv) : json_string_value(json_object_get(rep,
		    "error")) ?: "?");
	else
		log_info(sid, "job %lld attempt %lld: %s recorded%s",
		    (long long)rj->job_id, (long long)rj->attempt, rj->outcome,
		    json_is_true(json_object_get(
		        json_object_get(rep, "result"), "duplicate"))
		        ? " (already)"
		        : "");
	json_decref(rep);
	free(rj);
}

/*
 * 1 if crm-tools has this job's attempt dialed (a carrier request was
 * taken for it, by this gateway run or an earlier one), 0 if not, -1 if
 * crm-tools could not say.
 */
static int
attempt_dialed(int64_t job_id, int64_t attempt, char *sid, size_t sidlen,
    long long *placing_at)
{
	json_t *rep = NULL, *atts, *a;
	size_t i;
	int rv, dialed = 0;

	rv = fd_rpc_tool(&gw_crm, NULL, "job_get",
	    json_pack("{s:I}", "job_id", (json_int_t)job_id), NULL, &rep, 3000);
	if (rv != 0 || !json_is_true(json_object_get(rep, "ok"))) {
		json_decref(rep);
		return -1;
	}
	*placing_at = 0;
	atts = json_object_get(json_object_get(rep, "result"), "attempts");
	json_array_foreach(atts, i, a)
	{
		if (json_integer_value(json_object_get(a, "attempt")) !=
		    attempt)
			continue;
		*placing_at =
		    json_integer_value(json_object_get(a, "placing_at"));
		if (json_is_string(json_object_get(a, "call_sid")) ||
		    json_is_string(json_object_get(a, "dialed_at"))) {
			dialed = 1;
			snprintf(sid, sidlen, "%s",
			    json_string_value(json_object_get(a, "call_sid"))
			        ?: "");
		}
	}
	json_decref(rep);
	return dialed;
}

/* Record the carrier's call (or text) for the job's attempt now, before
 * the scheduler hears of it. */
static void
record_dialed(int64_t job_id, int64_t attempt, const char *sid)
{
	json_t *rep = NULL;
	int rv;

	rv = fd_rpc_tool(&gw_crm, sid, "job_dialed",
	    json_pack("{s:I, s:I, "
	              "s:s}",
	        "job_id", (json_int_t)job_id, "attempt", (json_int_t)attempt,
	        "call_sid", sid),
	    NULL, &rep, 3000);
	if (rv != 0 || !json_is_true(json_object_get(rep, "ok")))
		log_warnx(sid, "job %lld attempt %lld: dial not recorded (%s); "
		    "the scheduler records it from the result",
		    (long long)job_id, (long long)attempt, rv ?
		    nng_strerror(rv) : json_string_value(json_object_get(rep,
		    "error")) ?: "?");
	json_decref(rep);
}

/* Record that this attempt's carrier request is about to go; 0, or -1
 * if crm-tools did not take it (then it must not go). */
static int
record_placing(int64_t job_id, int64_t attempt)
{
	json_t *rep = NULL;
	int rv;

	rv = fd_rpc_tool(&gw_crm, NULL, "job_dialed",
	    json_pack("{s:I, s:I, "
	              "s:b}",
	        "job_id", (json_int_t)job_id, "attempt", (json_int_t)attempt,
	        "placing", 1),
	    NULL, &rep, 3000);
	rv = rv != 0 || !json_is_true(json_object_get(rep, "ok")) ? -1 : 0;
	json_decref(rep);
	return rv;
}

/*
 * Whether a job's request may go to the carrier: 1 yes (the key is now
 * this run's and crm-tools knows the request is going), 0 no (the result
 * is published).  Requests without a job (no key) always may.
 *
 * The crash window: a gateway killed after its request reached the
 * carrier but before it recorded the call (job_dialed) leaves the attempt
 * with placing_at and no call sid; its lease runs out and the attempt
 * comes again with the same key.  Then the carrier is asked (find_call)
 * for a call to that number since placing_at: one found is that
 * attempt's call (recorded now, answered duplicate); none means the
 * request never arrived, and it may go again.  A text is never sent
 * twice: one whose request may have gone is reported failed.
 */
static int
may_place(
    struct carrier_job *cj, const struct fd_pl_outbound_call *q, int is_text)
{
	char sid[FD_CALL_ID_LEN] = "", err[256] = "";
	long long placing_at = 0;
	int d, f;

	if (q->job_id <= 0 || q->idempotency_key[0] == '\0')
		return 1;
	if (dialout_key_begin(q->idempotency_key, fd_mono_us())) {
		log_warnx(NULL,
		    "job %lld attempt %lld: key %s already placed "
		    "by this gateway: not placed again",
		    (long long)q->job_id, (long long)q->attempt,
		    q->idempotency_key);
		publish_request_result(q, NULL, "duplicate", NULL);
		return 0;
	}
	if ((d = attempt_dialed(
	         q->job_id, q->attempt, sid, sizeof(sid), &placing_at)) == 1) {
		log_warnx(sid[0] ? sid : NULL,
		    "job %lld attempt %lld: "
		    "crm-tools has it dialed: key %s not placed again",
		    (long long)q->job_id, (long long)q->attempt,
		    q->idempotency_key);
		publish_request_result(q, sid, "duplicate", NULL);
		return 0;
	}
	if (d < 0) {
		/* not knowing is no licence to dial twice: the claim's
		 * lease runs out and the job comes again */
		log_err(NULL,
		    "job %lld attempt %lld: crm-tools cannot say "
		    "whether it was dialed: not placed now",
		    (long long)q->job_id, (long long)q->attempt);
		dialout_key_abandon(q->idempotency_key);
		return 0;
	}
	if (placing_at > 0 && is_text) {
		log_err(NULL,
		    "job %lld attempt %lld: a gateway stopped while "
		    "sending this text; it is not sent twice",
		    (long long)q->job_id, (long long)q->attempt);
		publish_request_result(q, NULL, "failed",
		    "the gateway stopped "
		    "while sending; not sent again");
		return 0;
	}
	if (placing_at > 0) {
		f = carrier->find_call(&cj->cfg, q->to,
		    q->from[0] ? q->from : cj->cfg.from, placing_at - 5, sid,
		    sizeof(sid), err, sizeof(err));
		if (f < 0) {
			log_err(NULL,
			    "job %lld attempt %lld: its request may "
			    "have reached the carrier, which cannot say (%s): "
			    "not placed now",
			    (long long)q->job_id, (long long)q->attempt, err);
			dialout_key_abandon(q->idempotency_key);
			return 0;
		}
		if (f == 1) {
			log_warnx(sid,
			    "job %lld attempt %lld: the carrier has "
			    "the call of key %s (a gateway stopped before "
			    "recording it): recorded, not placed again",
			    (long long)q->job_id, (long long)q->attempt,
			    q->idempotency_key);
			record_dialed(q->job_id, q->attempt, sid);
			publish_request_result(q, sid, "duplicate", NULL);
			return 0;
		}
		log_info(NULL,
		    "job %lld attempt %lld: its earlier request never "
		    "reached the carrier: placing it",
		    (long long)q->job_id, (long long)q->attempt);
	}
	if (record_placing(q->job_id, q->attempt) != 0) {
		log_err(NULL,
		    "job %lld attempt %lld: crm-tools did not record "
		    "the request: not placed now",
		    (long long)q->job_id, (long long)q->attempt);
		dialout_key_abandon(q->idempotency_key);
		return 0;
	}
	return 1;
}

/* "{base}/twilio/{path}?job_id=N&attempt=K[&kind=..][&appointment_id=..]"
 * ("...?purpose=.." for a request without a job). */
static char *
job_url(const char *base, const char *path, const struct fd_pl_outbound_call *q,
    int with_kind)
{
	struct sbuf b;
	const char *kind = q->kind[0] ? q->kind : q->purpose;
	char sep = '?';

	sbuf_init(&b);
	sbuf_printf(&b, "%s/twilio/%s", base, path);
	if (q->job_id > 0) {
		sbuf_printf(&b, "?job_id=%lld&attempt=%lld",
		    (long long)q->job_id, (long long)q->attempt);
		sep = '&';
	}
	if (with_kind && kind[0]) {
		sbuf_printf(
		    &b, "%c%s=", sep, q->job_id > 0 ? "kind" : "purpose");
		sbuf_add_urlenc(&b, kind);
		sep = '&';
	}
	if (with_kind && q->appointment_id > 0)
		sbuf_printf(&b, "%cappointment_id=%lld", sep,
		    (long long)q->appointment_id);
	return sbuf_done(&b);
}

/* One carrier request of an outbound call or text, for carrier_repeat. */
struct placing {
	struct carrier_job *cj;
	const struct carrier_call *call;
	const char *to, *from, *text, *status_cb;
	char *sid, *status;
};

static int
place_call(void *arg, char *err, size_t errlen)
{
	struct placing *pc = arg;

	dialout_pace();
	return carrier->create_call(&pc->cj->cfg, pc->call, pc->sid,
	    FD_CALL_ID_LEN, pc->status, 32, err, errlen);
}

static int
send_text(void *arg, char *err, size_t errlen)
{
	struct placing *pc = arg;

	return carrier->send_sms(&pc->cj->cfg, pc->to, pc->from, pc->text,
	    pc->status_cb, pc->sid, FD_CALL_ID_LEN, err, errlen);
}

static void
do_outbound(struct carrier_job *cj)
{
	struct fd_pl_outbound_call q;
	struct carrier_call call = {0};
	char sid[FD_CALL_ID_LEN] = "", status[32] = "", err[256] = "";
	char what[160], *url = NULL, *status_cb = NULL;
	struct placing pc = {0};

	if (fd_pl_read_outbound_call(cj->req, &q, err, sizeof(err)) != 0) {
		log_err(NULL, "outbound call: %s", err);
		return;
	}
	call.to = q.to;
	call.from = q.from[0] ? q.from : cj->cfg.from;
	if (q.to[0] == '\0' || call.from[0] == '\0' || strlen(q.to) > 64) {
		log_err(NULL, "outbound call: missing 'to' or 'from'");
		publish_request_result(
		    &q, NULL, "failed", "missing to or from");
		return;
	}
	if (!may_place(cj, &q, 0))
		return;
	url = job_url(cj->cfg.public_url, "voice", &q, 1);
	status_cb = job_url(cj->cfg.public_url, "status", &q, 0);
	if (url == NULL || status_cb == NULL) {
		publish_request_result(&q, NULL, "failed", "out of memory");
		dialout_key_abandon(q.idempotency_key);
		goto out;
	}
	call.url = url;
	call.status_cb = status_cb;
	call.ring_timeout_s = dialout_ring_timeout_s();
	call.idempotency_key = q.idempotency_key;
	pc.cj = cj;
	pc.call = &call;
	pc.sid = sid;
	pc.status = status;
	snprintf(what, sizeof(what),
	    "outbound call to %s (job %lld attempt %lld)", q.to,
	    (long long)q.job_id, (long long)q.attempt);
	if (carrier_repeat(NULL, what, place_call, &pc, err, sizeof(err)) !=
	    0) {
		/* refused or never arrived: this attempt is over, a retry
		 * is a new attempt with a new key */
		publish_request_result(&q, NULL, "failed", err);
		goto out;
	}
	log_info(sid,
	    "outbound call to %s placed (%s, job %lld attempt %lld, "
	    "%s)",
	    q.to, status[0] ? status : "queued", (long long)q.job_id,
	    (long long)q.attempt,
	    q.kind[0]          ? q.kind
	        : q.purpose[0] ? q.purpose
	                       : "-");
	if (q.job_id > 0)
		record_dialed(q.job_id, q.attempt, sid);
	publish_request_result(&q, sid, status[0] ? status : "queued", NULL);
out:
	free(url);
	free(status_cb);
}

static void
do_sms(struct carrier_job *cj)
{
	struct fd_pl_outbound_sms m;
	struct fd_pl_outbound_call q = {0};
	char sid[FD_CALL_ID_LEN] = "", err[256] = "", what[160];
	char *status_cb = NULL;
	struct placing pc = {0};
	const char *from;

	if (fd_pl_read_outbound_sms(cj->req, &m, err, sizeof(err)) != 0) {
		log_err(NULL, "outbound text: %s", err);
		return;
	}
	/* the same bookkeeping as a call's */
	q.to = m.to;
	q.from = m.from;
	q.purpose = "";
	q.kind = "";
	q.job_id = m.job_id;
	q.attempt = m.attempt;
	q.idempotency_key = m.idempotency_key;
	from = m.from[0] ? m.from : cj->cfg.from;
	if (m.to[0] == '\0' || from[0] == '\0' || m.text[0] == '\0' ||
	    strlen(m.text) > 1600) {
		publish_request_result(&q, NULL, "failed",
		    "missing to, from or "
		    "text, or text over 1600 characters");
		return;
	}
	if (!may_place(cj, &q, 1))
		return;
	if ((status_cb = job_url(cj->cfg.public_url, "sms-status", &q, 0)) ==
	    NULL) {
		publish_request_result(&q, NULL, "failed", "out of memory");
		dialout_key_abandon(q.idempotency_key);
		return;
	}
	pc.cj = cj;
	pc.to = m.to;
	pc.from = from;
	pc.text = m.text;
	pc.status_cb = status_cb;
	pc.sid = sid;
	snprintf(what, sizeof(what), "text to %s (job %lld attempt %lld)", m.to,
	    (long long)m.job_id, (long long)m.attempt);
	if (carrier_repeat(NULL, what, send_text, &pc, err, sizeof(err)) != 0) {
		publish_request_result(&q, NULL, "failed", err);
	} else {
		log_info(NULL, "text %s to %s sent (job %lld attempt %lld)",
		    sid, m.to, (long long)m.job_id, (long long)m.attempt);
		/* the carrier took it: sent; its later status callbacks
		 * cannot change a result already recorded for the attempt */
		publish_request_result(&q, sid, "sent", NULL);
	}
	free(status_cb);
}

static void
run_job(struct workq_job *j)
{
	struct carrier_job *cj = (struct carrier_job *)j;

	if (cj->type == FD_MSG_TRANSFER)
		do_transfer(cj);
	else if (cj->type == FD_MSG_OUTBOUND_SMS)
		do_sms(cj);
	else
		do_outbound(cj);
	job_free(cj);
}

/* Twilio REST. */

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct sbuf *b = arg;

	if (b->len + size * n > CARRIER_RESP_MAX)
		return 0;
	sbuf_addn(b, p, size * n);
	return b->err ? 0 : size * n;
}

static int
on_progress(
    void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)arg;
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return fd_stop ? 1 : 0; /* abort transfers on shutdown */
}

void
carrier_curl_auth(
    CURL *h, const char *account_sid, const char *auth_token, long timeout_ms)
{
	curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(h, CURLOPT_USERNAME, account_sid);
	curl_easy_setopt(h, CURLOPT_PASSWORD, auth_token);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "frontdesk-gateway");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
}

/* POST form to url.  Returns the curl code; *http gets the status and resp
 * the body. */
static CURLcode
post_form(const struct carrier_cfg *c, const char *url, const char *form,
    long *http, struct sbuf *resp)
{
	struct curl_slist *hdrs = NULL;
	CURLcode cc;
	CURL *h;

	*http = 0;
	if ((h = curl_easy_init()) == NULL)
		return CURLE_OUT_OF_MEMORY;
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	carrier_curl_auth(h, c->account_sid, c->auth_token, 10000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, http);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return cc;
}

/* Describe a non-2xx reply from Twilio's error JSON. */
static void
rest_error(long http, const struct sbuf *resp, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = resp->p ? json_loads(resp->p, 0, &je) : NULL;
	const char *msg = json_string_value(json_object_get(j, "message"));

	snprintf(err, errlen, "HTTP %ld code %lld: %s", http,
	    (long long)json_integer_value(json_object_get(j, "code")),
	    msg ? msg : "no message");
	json_decref(j);
}

static int
twilio_update_call(const struct carrier_cfg *c, const char *call_sid,
    const char *twiml, char *err, size_t errlen)
{
	struct sbuf url, form, resp;
	CURLcode cc;
	long http;
	int rv;

	if (c->account_sid[0] == '\0' || c->auth_token[0] == '\0') {
		snprintf(err, errlen, "account_sid or auth_token not set");
		return -1;
	}
	sbuf_init(&url);
	sbuf_init(&form);
	sbuf_init(&resp);
	sbuf_printf(&url, "%s/Accounts/", c->api_base);
	sbuf_add_urlenc(&url, c->account_sid);
	sbuf_add(&url, "/Calls/");
	sbuf_add_urlenc(&url, call_sid);
	sbuf_add(&url, ".json");
	sbuf_add(&form, "Twiml=");
	sbuf_add_urlenc(&form, twiml);
	if (url.err || form.err) {
		snprintf(err, errlen, "out of memory");
		rv = 1;
		goto out;
	}
	cc = post_form(c, url.p, form.p, &http, &resp);
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(cc));
		rv = 1; /* updating TwiML is safe to repeat */
	} else if (http >= 200 && http < 300)
		rv = 0;
	else {
		rest_error(http, &resp, err, errlen);
		rv = (http == 429 || http >= 500) ? 1 : -1;
	}
out:
	sbuf_free(&url);
	sbuf_free(&form);
	sbuf_free(&resp);
	return rv;
}

/*
 * POST form to {api_base}/Accounts/{AccountSid}/{resource} and read the
 * sid (and status, if wanted) of what it created.  0 on a 2xx reply with
 * a sid; -1 otherwise, err set, *cc and *http saying how it failed so the
 * caller can tell whether a repeat is safe.
 */
static int
rest_create(const struct carrier_cfg *c, const char *resource,
    const struct sbuf *form, const char *what, char *sid, size_t sidlen,
    char *status, size_t statuslen, CURLcode *cc, long *http, char *err,
    size_t errlen)
{
	struct sbuf u, resp;
	json_error_t je;
	json_t *j;
	int rv = -1;

	*cc = CURLE_OK;
	*http = 0;
	if (c->account_sid[0] == '\0' || c->auth_token[0] == '\0') {
		snprintf(err, errlen, "account_sid or auth_token not set");
		return -1;
	}
	sbuf_init(&u);
	sbuf_init(&resp);
	sbuf_printf(&u, "%s/Accounts/", c->api_base);
	sbuf_add_urlenc(&u, c->account_sid);
	sbuf_printf(&u, "/%s", resource);
	if (u.err || form->err) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((*cc = post_form(c, u.p, form->p, http, &resp)) != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(*cc));
		goto out;
	}
	if (*http < 200 || *http >= 300) {
		rest_error(*http, &resp, err, errlen);
		goto out;
	}
	j = resp.p ? json_loads(resp.p, 0, &je) : NULL;
	if (json_string_value(json_object_get(j, "sid")) == NULL) {
		snprintf(err, errlen, "HTTP %ld but no %s sid in reply", *http,
		    what);
		json_decref(j);
		goto out;
	}
	snprintf(
	    sid, sidlen, "%s", json_string_value(json_object_get(j, "sid")));
	if (status != NULL)
		snprintf(status, statuslen, "%s",
		    json_string_value(json_object_get(j, "status"))
		        ?: "queued");
	json_decref(j);
	rv = 0;
out:
	sbuf_free(&u);
	sbuf_free(&resp);
	return rv;
}

static int
twilio_create_call(const struct carrier_cfg *c, const struct carrier_call *call,
    char *sid, size_t sidlen, char *status, size_t statuslen, char *err,
    size_t errlen)
{
	static const char *const events[] = {
	    "initiated", "ringing", "answered", "completed"};
	struct sbuf form;
	CURLcode cc;
	long http;
	size_t i;
	int rv;

	sbuf_init(&form);
	sbuf_add(&form, "To=");
	sbuf_add_urlenc(&form, call->to);
	sbuf_add(&form, "&From=");
	sbuf_add_urlenc(&form, call->from);
	sbuf_add(&form, "&Url=");
	sbuf_add_urlenc(&form, call->url);
	sbuf_add(&form, "&StatusCallback=");
	sbuf_add_urlenc(&form, call->status_cb);
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		sbuf_printf(&form, "&StatusCallbackEvent=%s", events[i]);
	/* the webhook comes once a human spoke or a mailbox's greeting
	 * ended, with AnsweredBy saying which */
	sbuf_add(&form, "&MachineDetection=DetectMessageEnd");
	sbuf_printf(&form, "&Timeout=%d",
	    call->ring_timeout_s > 0 ? call->ring_timeout_s : 25);
	rv = rest_create(c, "Calls.json", &form, "call", sid, sidlen, status,
	    statuslen, &cc, &http, err, errlen);
	sbuf_free(&form);
	/* repeat only if the request surely never arrived (a timeout may
	 * have placed the call already) or was refused for the rate (429) */
	if (rv != 0 &&
	    (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
	        http == 429))
		rv = 1;
	return rv;
}

static int
twilio_send_sms(const struct carrier_cfg *c, const char *to, const char *from,
    const char *body, const char *status_cb, char *sid, size_t sidlen,
    char *err, size_t errlen)
{
	struct sbuf form;
	CURLcode cc;
	long http;
	int rv;

	sbuf_init(&form);
	sbuf_add(&form, "To=");
	sbuf_add_urlenc(&form, to);
	sbuf_add(&form, "&From=");
	sbuf_add_urlenc(&form, from);
	sbuf_add(&form, "&Body=");
	sbuf_add_urlenc(&form, body);
	sbuf_add(&form, "&StatusCallback=");
	sbuf_add_urlenc(&form, status_cb);
	rv = rest_create(c, "Messages.json", &form, "message", sid, sidlen,
	    NULL, 0, &cc, &http, err, errlen);
	sbuf_free(&form);
	/* a text is never sent twice: repeat only if the request surely
	 * never arrived, as for a call */
	if (rv != 0 &&
	    (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
	        http == 429))
		rv = 1;
	return rv;
}

/* RFC 2822 "Mon, 07 Dec 2026 06:01:00 +0000" -> epoch s, -1 if not. */
static long long
rfc2822_time(const char *s)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL ||
	    (end = strptime(s, "%a, %d %b %Y %H:%M:%S", &tm)) == NULL)
		return -1;
	return (long long)timegm(&tm);
}

/* GET Calls.json?To=..&From=.. (newest first) for one created since. */
static int
twilio_find_call(const struct carrier_cfg *c, const char *to, const char *from,
    long long since, char *sid, size_t sidlen, char *err, size_t errlen)
{
	struct curl_slist *hdrs = NULL;
	struct sbuf u, resp;
	json_error_t je;
	json_t *j = NULL, *calls, *e;
	long http = 0;
	CURLcode cc;
	CURL *h;
	size_t i;
	int rv = -1;

	sbuf_init(&u);
	sbuf_init(&resp);
	sbuf_printf(&u, "%s/Accounts/", c->api_base);
	sbuf_add_urlenc(&u, c->account_sid);
	sbuf_add(&u, "/Calls.json?To=");
	sbuf_add_urlenc(&u, to);
	sbuf_add(&u, "&From=");
	sbuf_add_urlenc(&u, from);
	sbuf_add(&u, "&PageSize=50");
	if (u.err || (h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	curl_easy_setopt(h, CURLOPT_URL, u.p);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	carrier_curl_auth(h, c->account_sid, c->auth_token, 10000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(cc));
		goto out;
	}
	if (http != 200) {
		rest_error(http, &resp, err, errlen);
		goto out;
	}
	j = resp.p ? json_loads(resp.p, 0, &je) : NULL;
	if (!json_is_array(calls = json_object_get(j, "calls"))) {
		snprintf(err, errlen, "call list without \"calls\"");
		goto out;
	}
	rv = 0;
	json_array_foreach(calls, i, e)
	{
		const char *s = json_string_value(json_object_get(e, "sid"));

		if (s &&
		    rfc2822_time(json_string_value(
		        json_object_get(e, "date_created"))) >= since) {
			snprintf(sid, sidlen, "%s", s);
			rv = 1;
			break;
		}
	}
out:
	json_decref(j);
	sbuf_free(&u);
	sbuf_free(&resp);
	return rv;
}

/* An ops table reads best packed, a few members a line. */
/* clang-format off */
const struct carrier_ops carrier_twilio = {
	.name = "twilio", .update_call = twilio_update_call,
	.create_call = twilio_create_call, .send_sms = twilio_send_sms,
	.find_call = twilio_find_call,
};
/* clang-format on */
