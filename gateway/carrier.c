/*
 * carrier.c - Twilio REST with libcurl: update a live call (transfer) and
 * create outbound calls.  Talks to the carrier over HTTPS and publishes
 * FD_MSG_OUTBOUND_RESULT for the scheduler.  Each job runs on a worker
 * thread with up to 3 attempts and a growing pause between them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "carrier.h"
#include "clock.h"
#include "gateway.h"
#include "log.h"
#include "sbuf.h"
#include "twiml.h"
#include "workq.h"

#define CARRIER_ATTEMPTS 3
#define CARRIER_RESP_MAX (256 * 1024)

struct carrier_job {
	struct workq_job j;
	int type;                       /* FD_MSG_TRANSFER / OUTBOUND_CALL */
	uint32_t ref;
	char call_id[FD_CALL_ID_LEN];
	struct carrier_cfg cfg;
	json_t *req;                    /* the frame's payload, which
					   tr / oc point into */
	struct fd_pl_transfer tr;       /* FD_MSG_TRANSFER */
	struct fd_pl_outbound_call oc;  /* FD_MSG_OUTBOUND_CALL */
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

	if ((cj = calloc(1, sizeof(*cj))) == NULL) {
		log_err(f->call_id, "carrier: out of memory, %s dropped",
		    fd_msg_name(f->type));
		return;
	}
	if (f->type == FD_MSG_TRANSFER)
		cj->req = fd_bus_read_transfer(f, &cj->tr);
	else
		cj->req = fd_bus_read_outbound_call(f, &cj->oc);
	if (cj->req == NULL) {
		free(cj);
		return;
	}
	cj->j.run = run_job;
	cj->j.discard = job_discard;
	cj->type = f->type;
	cj->ref = f->ref;
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
	snprintf(cj->cfg.from, sizeof(cj->cfg.from), "%s",
	    gw_cfg.business_phone);
	pthread_mutex_unlock(&gw_lock);
	if (workq_push(&carrier_q, &cj->j) != 0) {
		log_err(f->call_id, "carrier: queue full, %s dropped",
		    fd_msg_name(f->type));
		job_free(cj);
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

static int
retry_loop(struct carrier_job *cj, const char *what,
    int (*attempt)(struct carrier_job *, char *, size_t), char *err,
    size_t errlen)
{
	uint64_t pause_us = 500000;
	int i, rv = -1;

	for (i = 1; i <= CARRIER_ATTEMPTS && !fd_stop; i++) {
		if ((rv = attempt(cj, err, errlen)) == 0)
			return 0;
		log_warnx(cj->call_id, "carrier: %s attempt %d/%d: %s", what,
		    i, CARRIER_ATTEMPTS, err);
		if (rv < 0 || i == CARRIER_ATTEMPTS)
			break;
		fd_sleep_us(pause_us);
		pause_us *= 3;
	}
	return -1;
}

static int
attempt_transfer(struct carrier_job *cj, char *err, size_t errlen)
{
	char *twiml;
	int rv;

	if ((twiml = twiml_dial(cj->tr.to)) == NULL) {
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
	const char *to = cj->tr.to;
	char err[256];

	if (to[0] == '\0' || strlen(to) > 64) {
		log_err(cj->call_id, "transfer: missing or bad 'to'");
		return;
	}
	if (!media_call_live(cj->call_id)) {
		log_warnx(cj->call_id, "transfer to %s: no live stream, "
		    "ignored", to);
		return;
	}
	if (retry_loop(cj, "transfer", attempt_transfer, err,
	    sizeof(err)) != 0) {
		/* the call stays up: the agent gets no new event for it */
		log_err(cj->call_id, "transfer to %s failed, call left up: %s",
		    to, err);
		return;
	}
	log_info(cj->call_id, "transferred to %s", to);
	media_mark_transferred(cj->call_id);
}

static void
publish_result(struct carrier_job *cj, const char *sid, const char *status,
    const char *error)
{
	/* the request's fields are echoed: the scheduler matches the
	 * result to its job's attempt */
	struct fd_pl_outbound_result r = { .to = cj->oc.to, .call_id = sid,
	    .status = status, .error = error, .purpose = cj->oc.purpose,
	    .appointment_id = cj->oc.appointment_id, .job_id = cj->oc.job_id,
	    .attempt = cj->oc.attempt,
	    .idempotency_key = cj->oc.idempotency_key };

	fd_bus_publish_outbound_result(&gw_bus,
	    (sid && fd_call_id_valid(sid)) ? sid : "", cj->ref, &r);
}

static void
do_outbound(struct carrier_job *cj)
{
	const char *to = cj->oc.to, *from = cj->oc.from;
	const char *purpose = cj->oc.purpose;
	char sid[FD_CALL_ID_LEN] = "", status[32] = "", err[256] = "";
	char *url, *status_cb, apptbuf[32];
	struct sbuf b;
	uint64_t pause_us = 500000;
	int i, rv = -1;

	if (from[0] == '\0')
		from = cj->cfg.from;    /* business.phone when queued */
	if (to[0] == '\0' || from[0] == '\0') {
		log_err(NULL, "outbound call: missing 'to' or 'from'");
		publish_result(cj, NULL, "failed", "missing to or from");
		return;
	}
	sbuf_init(&b);
	sbuf_printf(&b, "%s/twilio/voice", cj->cfg.public_url);
	if (purpose[0]) {
		sbuf_add(&b, "?purpose=");
		sbuf_add_urlenc(&b, purpose);
	}
	if (cj->oc.appointment_id != 0) {
		snprintf(apptbuf, sizeof(apptbuf), "%lld",
		    (long long)cj->oc.appointment_id);
		sbuf_add(&b, purpose[0] ? "&" : "?");
		sbuf_add(&b, "appointment_id=");
		sbuf_add_urlenc(&b, apptbuf);
	}
	url = sbuf_done(&b);
	sbuf_init(&b);
	sbuf_printf(&b, "%s/twilio/status", cj->cfg.public_url);
	status_cb = sbuf_done(&b);
	if (url == NULL || status_cb == NULL) {
		publish_result(cj, NULL, "failed", "out of memory");
		free(url);
		free(status_cb);
		return;
	}
	for (i = 1; i <= CARRIER_ATTEMPTS && !fd_stop; i++) {
		rv = carrier->create_call(&cj->cfg, to, from, url, status_cb,
		    sid, sizeof(sid), status, sizeof(status), err, sizeof(err));
		if (rv == 0)
			break;
		log_warnx(NULL, "outbound call to %s attempt %d/%d: %s", to, i,
		    CARRIER_ATTEMPTS, err);
		if (rv < 0 || i == CARRIER_ATTEMPTS)
			break;
		fd_sleep_us(pause_us);
		pause_us *= 3;
	}
	if (rv == 0) {
		log_info(sid, "outbound call to %s placed (%s, purpose %s)", to,
		    status[0] ? status : "queued", purpose[0] ? purpose : "-");
		publish_result(cj, sid, status[0] ? status : "queued", NULL);
	} else
		publish_result(cj, NULL, "failed", err[0] ? err : "stopped");
	free(url);
	free(status_cb);
}

static void
run_job(struct workq_job *j)
{
	struct carrier_job *cj = (struct carrier_job *)j;

	if (cj->type == FD_MSG_TRANSFER)
		do_transfer(cj);
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
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	(void)arg;
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return fd_stop ? 1 : 0;     /* abort transfers on shutdown */
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
	curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(h, CURLOPT_USERNAME, c->account_sid);
	curl_easy_setopt(h, CURLOPT_PASSWORD, c->auth_token);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "frontdesk-gateway");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
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
		rv = 1;                 /* updating TwiML is safe to repeat */
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

static int
twilio_create_call(const struct carrier_cfg *c, const char *to,
    const char *from, const char *url, const char *status_cb, char *sid,
    size_t sidlen, char *status, size_t statuslen, char *err, size_t errlen)
{
	struct sbuf u, form, resp;
	json_error_t je;
	json_t *j;
	CURLcode cc;
	long http;
	int rv;

	if (c->account_sid[0] == '\0' || c->auth_token[0] == '\0') {
		snprintf(err, errlen, "account_sid or auth_token not set");
		return -1;
	}
	sbuf_init(&u);
	sbuf_init(&form);
	sbuf_init(&resp);
	sbuf_printf(&u, "%s/Accounts/", c->api_base);
	sbuf_add_urlenc(&u, c->account_sid);
	sbuf_add(&u, "/Calls.json");
	sbuf_add(&form, "To=");
	sbuf_add_urlenc(&form, to);
	sbuf_add(&form, "&From=");
	sbuf_add_urlenc(&form, from);
	sbuf_add(&form, "&Url=");
	sbuf_add_urlenc(&form, url);
	sbuf_add(&form, "&StatusCallback=");
	sbuf_add_urlenc(&form, status_cb);
	if (u.err || form.err) {
		snprintf(err, errlen, "out of memory");
		rv = -1;
		goto out;
	}
	cc = post_form(c, u.p, form.p, &http, &resp);
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(cc));
		/* repeat only if the request surely never arrived: a timeout
		 * may have placed the call already */
		rv = (cc == CURLE_COULDNT_CONNECT ||
		    cc == CURLE_COULDNT_RESOLVE_HOST) ? 1 : -1;
		goto out;
	}
	if (http < 200 || http >= 300) {
		rest_error(http, &resp, err, errlen);
		rv = (http == 429 || http == 503) ? 1 : -1;
		goto out;
	}
	j = resp.p ? json_loads(resp.p, 0, &je) : NULL;
	if (json_string_value(json_object_get(j, "sid")) == NULL) {
		snprintf(err, errlen, "HTTP %ld but no call sid in reply", http);
		json_decref(j);
		rv = -1;
		goto out;
	}
	snprintf(sid, sidlen, "%s", json_string_value(json_object_get(j,
	    "sid")));
	snprintf(status, statuslen, "%s",
	    json_string_value(json_object_get(j, "status")) ?: "queued");
	json_decref(j);
	rv = 0;
out:
	sbuf_free(&u);
	sbuf_free(&form);
	sbuf_free(&resp);
	return rv;
}

const struct carrier_ops carrier_twilio = {
	.name = "twilio",
	.update_call = twilio_update_call,
	.create_call = twilio_create_call,
};
