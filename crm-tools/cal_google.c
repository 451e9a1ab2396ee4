/*
 * cal_google.c - the Google Calendar engine (API v3, protocols.md 10).
 * OAuth2: a refresh token (FRONTDESK_GOOGLE_REFRESH_TOKEN) is exchanged at
 * crm.google.token_url for an access token, which is kept until shortly
 * before it expires and fetched again on a 401.  Calls:
 *   free/busy  POST {api_base}/freeBusy for crm.google.calendar_id
 *   create     POST .../calendars/{id}/events with our own event id (the
 *              appointment's UID in hex, which is valid base32hex), so a
 *              retried insert answers 409 instead of adding a duplicate
 *   update     PATCH .../events/{eventId}   remove  DELETE .../events/{eventId}
 * Our events are "transparent": they do not show in free/busy, which thus
 * holds only what staff entered.  Each call is tried up to
 * crm.calendar_attempts times with doubling waits on network errors, 429,
 * 5xx and 403 rate limits.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cal_http.h"
#include "calendar.h"
#include "clock.h"
#include "ical.h"
#include "log.h"

#define EXPIRY_MARGIN_S 60

static pthread_mutex_t tok_mu = PTHREAD_MUTEX_INITIALIZER;
static char token[2048];
static time_t token_until;
static char cal_path[800]; /* {api_base}/calendars/{escaped id} */

static int
google_open(char *err, size_t errlen)
{
	char *e;

	if (cal_cfg.google_calendar_id[0] == '\0' ||
	    cal_cfg.google_client_id[0] == '\0' ||
	    cal_cfg.google_client_secret[0] == '\0' ||
	    cal_cfg.google_refresh_token[0] == '\0') {
		snprintf(err, errlen,
		    "crm.google needs calendar_id, client_id, "
		    "and FRONTDESK_GOOGLE_CLIENT_SECRET and "
		    "FRONTDESK_GOOGLE_REFRESH_TOKEN in the environment");
		return -1;
	}
	if ((e = curl_easy_escape(NULL, cal_cfg.google_calendar_id, 0)) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(cal_path, sizeof(cal_path), "%s/calendars/%s",
	    cal_cfg.google_api_base, e);
	curl_free(e);
	return 0;
}

static void
google_close(void)
{
	pthread_mutex_lock(&tok_mu);
	token[0] = '\0';
	token_until = 0;
	pthread_mutex_unlock(&tok_mu);
}

static void
form_add(char *buf, size_t len, const char *k, const char *v)
{
	char *e = curl_easy_escape(NULL, v, 0);
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s=%s", n ? "&" : "", k, e ? e : "");
	curl_free(e);
}

/* The access token into out (refreshed when stale or force). */
static enum cal_rv
access_token(int force, char *out, size_t len, char *err, size_t errlen)
{
	static const char *const hdr[] = {
	    "Content-Type: application/x-www-form-urlencoded", NULL};
	struct http_req q;
	struct http_rep r;
	char form[2048];
	json_t *j = NULL;
	const char *at;
	enum cal_rv rv = CAL_OK;

	pthread_mutex_lock(&tok_mu);
	if (!force && token[0] && time(NULL) < token_until) {
		snprintf(out, len, "%s", token);
		pthread_mutex_unlock(&tok_mu);
		return CAL_OK;
	}
	form[0] = '\0';
	form_add(form, sizeof(form), "client_id", cal_cfg.google_client_id);
	form_add(
	    form, sizeof(form), "client_secret", cal_cfg.google_client_secret);
	form_add(
	    form, sizeof(form), "refresh_token", cal_cfg.google_refresh_token);
	form_add(form, sizeof(form), "grant_type", "refresh_token");
	memset(&q, 0, sizeof(q));
	q.method = "POST";
	q.url = cal_cfg.google_token_url;
	q.headers = hdr;
	q.body = form;
	q.body_len = strlen(form);
	q.timeout_ms = cal_cfg.timeout_ms;
	http_retry(&q, &r, cal_cfg.attempts, cal_cfg.backoff_ms);
	if (r.status == 200 && r.body)
		j = json_loads(r.body, 0, NULL);
	at = json_string_value(json_object_get(j, "access_token"));
	if (at && *at && strlen(at) < sizeof(token)) {
		json_int_t exp =
		    json_integer_value(json_object_get(j, "expires_in"));

		snprintf(token, sizeof(token), "%s", at);
		token_until = time(NULL) +
		    (exp > EXPIRY_MARGIN_S * 2 ? exp - EXPIRY_MARGIN_S
		            : exp > 0          ? exp / 2
		                               : 300);
		snprintf(out, len, "%s", token);
		log_info(NULL, "google: access token refreshed (valid %lld s)",
		    (long long)exp);
	} else {
		token[0] = '\0';
		if (r.status == 0)
			snprintf(err, errlen, "token: %s", r.err);
		else
			snprintf(err, errlen, "token: HTTP %ld %.120s",
			    r.status, r.body ? r.body : "");
		rv = http_transient(&r) ? CAL_TEMP : CAL_PERM;
	}
	pthread_mutex_unlock(&tok_mu);
	json_decref(j);
	http_rep_free(&r);
	return rv;
}

static int
rate_limited(const struct http_rep *r)
{
	return r->status == 403 && r->body &&
	    (strstr(r->body, "rateLimitExceeded") ||
	        strstr(r->body, "userRateLimitExceeded"));
}

/* One API call with token refresh on 401 and backoff on transient
 * failures.  CAL_OK when an answer came that is worth reading (r holds
 * it, any status but 401); CAL_TEMP / CAL_PERM with err otherwise. */
static enum cal_rv
api(const char *method, const char *url, const json_t *body, struct http_rep *r,
    char *err, size_t errlen)
{
	const char *hdr[3];
	char auth[2100], tok[2048];
	struct http_req q;
	char *text = NULL;
	int attempt, refreshed = 0, backoff = cal_cfg.backoff_ms;
	enum cal_rv rv = CAL_TEMP;

	memset(r, 0, sizeof(*r));
	if (body && (text = json_dumps(body, JSON_COMPACT)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return CAL_TEMP;
	}
	for (attempt = 0; attempt < cal_cfg.attempts; attempt++) {
		if (attempt > 0) {
			fd_sleep_us((uint64_t)backoff * 1000);
			backoff *= 2;
		}
		http_rep_free(r);
		memset(r, 0, sizeof(*r));
		if ((rv = access_token(0, tok, sizeof(tok), err, errlen)) !=
		    CAL_OK) {
			if (rv == CAL_PERM)
				goto out;
			continue; /* err says why */
		}
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
		hdr[0] = auth;
		hdr[1] = text ? "Content-Type: application/json" : NULL;
		hdr[2] = NULL;
		memset(&q, 0, sizeof(q));
		q.method = method;
		q.url = url;
		q.headers = hdr;
		q.body = text;
		q.body_len = text ? strlen(text) : 0;
		q.timeout_ms = cal_cfg.timeout_ms;
		http_do(&q, r);
		if (r->status == 401 && !refreshed) {
			/* expired or revoked: a new token, then once more */
			refreshed = 1;
			pthread_mutex_lock(&tok_mu);
			token[0] = '\0';
			pthread_mutex_unlock(&tok_mu);
			attempt--;
			backoff /= 2;
			continue;
		}
		if (r->status == 401) {
			snprintf(err, errlen,
			    "%s: unauthorized after a token "
			    "refresh",
			    method);
			rv = CAL_PERM;
			goto out;
		}
		if (!http_transient(r) && !rate_limited(r)) {
			rv = CAL_OK;
			goto out;
		}
		if (r->status == 0)
			snprintf(err, errlen, "%s: %s", method, r->err);
		else
			snprintf(err, errlen, "%s: HTTP %ld %.120s", method,
			    r->status, r->body ? r->body : "");
		rv = CAL_TEMP;
	}
out:
	free(text);
	return rv;
}

static enum cal_rv
status_rv(const char *what, struct http_rep *r, char *err, size_t errlen)
{
	if (r->status >= 200 && r->status < 300)
		return CAL_OK;
	snprintf(err, errlen, "%s: HTTP %ld %.120s", what, r->status,
	    r->body ? r->body : "");
	if (r->status == 409)
		return CAL_EXISTS;
	if (r->status == 404 || r->status == 410)
		return CAL_GONE;
	return CAL_PERM;
}

static int
google_freebusy(time_t from, time_t to, struct fb_span *out, int max, char *err,
    size_t errlen)
{
	char a[40], b[40], url[600];
	json_t *req, *rep = NULL, *cal, *busy, *v;
	struct http_rep r;
	size_t i;
	int n = -1;

	rfc3339_fmt(from, a, sizeof(a));
	rfc3339_fmt(to, b, sizeof(b));
	req = json_pack("{s:s, s:s, s:[{s:s}]}", "timeMin", a, "timeMax", b,
	    "items", "id", cal_cfg.google_calendar_id);
	if (cal_cfg.tz[0])
		json_object_set_new(req, "timeZone", json_string(cal_cfg.tz));
	snprintf(url, sizeof(url), "%s/freeBusy", cal_cfg.google_api_base);
	if (api("POST", url, req, &r, err, errlen) != CAL_OK)
		goto out;
	if (status_rv("freeBusy", &r, err, errlen) != CAL_OK)
		goto out;
	if ((rep = json_loads(r.body ? r.body : "", 0, NULL)) == NULL) {
		snprintf(err, errlen, "freeBusy: reply is not JSON");
		goto out;
	}
	cal = json_object_get(
	    json_object_get(rep, "calendars"), cal_cfg.google_calendar_id);
	if (!json_is_object(cal)) {
		snprintf(err, errlen, "freeBusy: calendar missing in reply");
		goto out;
	}
	if (json_array_size(json_object_get(cal, "errors")) > 0) {
		snprintf(err, errlen, "freeBusy: %s",
		    json_string_value(json_object_get(
		        json_array_get(json_object_get(cal, "errors"), 0),
		        "reason"))
		        ?: "error");
		goto out;
	}
	busy = json_object_get(cal, "busy");
	n = 0;
	json_array_foreach(busy, i, v)
	{
		time_t s, e;

		if (n >= max)
			break;
		if (rfc3339_parse(
		        json_string_value(json_object_get(v, "start")) ?: "",
		        &s) != 0 ||
		    rfc3339_parse(
		        json_string_value(json_object_get(v, "end")) ?: "",
		        &e) != 0)
			continue;
		out[n].start = s;
		out[n].end = e;
		n++;
	}
out:
	json_decref(req);
	json_decref(rep);
	http_rep_free(&r);
	return n;
}

/* Google event ids are base32hex; hex digits are a subset. */
static void
event_id(const char *uid, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *uid && o + 3 <= len; uid++) {
		out[o++] = hex[(unsigned char)*uid >> 4];
		out[o++] = hex[(unsigned char)*uid & 15];
	}
	out[o] = '\0';
}

static json_t *
event_body(const struct cal_event *ev)
{
	char s[40], e[40], aid[24];

	rfc3339_local(ev->start, s, sizeof(s));
	rfc3339_local(ev->end, e, sizeof(e));
	snprintf(aid, sizeof(aid), "%lld", ev->appointment_id);
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s, "
	                 "s:s, s:{s:{s:s, s:s}}}",
	    "summary", ev->summary, "description", ev->description, "location",
	    ev->location, "start", "dateTime", s, "timeZone",
	    cal_cfg.tz[0] ? cal_cfg.tz : "UTC", "end", "dateTime", e,
	    "timeZone", cal_cfg.tz[0] ? cal_cfg.tz : "UTC", "transparency",
	    "transparent", "status", "confirmed", "extendedProperties",
	    "private", "appointmentId", aid, "uid", ev->uid);
}

static void
fill_ref(struct http_rep *r, const char *fallback_id, struct cal_ref *ref)
{
	json_t *j = r->body ? json_loads(r->body, 0, NULL) : NULL;
	const char *id = json_string_value(json_object_get(j, "id"));
	const char *et = json_string_value(json_object_get(j, "etag"));

	snprintf(ref->id, sizeof(ref->id), "%s", id ? id : fallback_id);
	snprintf(ref->etag, sizeof(ref->etag), "%s", et ? et : "");
	json_decref(j);
}

static enum cal_rv
google_create(
    const struct cal_event *ev, struct cal_ref *ref, char *err, size_t errlen)
{
	char id[sizeof(ev->uid) * 2 + 1], url[900];
	struct http_rep r;
	enum cal_rv rv;
	json_t *body = event_body(ev);

	event_id(ev->uid, id, sizeof(id));
	json_object_set_new(body, "id", json_string(id));
	snprintf(url, sizeof(url), "%s/events?sendUpdates=none", cal_path);
	if ((rv = api("POST", url, body, &r, err, errlen)) == CAL_OK &&
	    (rv = status_rv("events.insert", &r, err, errlen)) == CAL_OK)
		fill_ref(&r, id, ref);
	if (rv == CAL_EXISTS)
		snprintf(ref->id, sizeof(ref->id), "%s", id);
	json_decref(body);
	http_rep_free(&r);
	return rv;
}

static enum cal_rv
google_update(
    const struct cal_event *ev, struct cal_ref *ref, char *err, size_t errlen)
{
	char url[1400], id[sizeof(ref->id)];
	struct http_rep r;
	enum cal_rv rv;
	json_t *body = event_body(ev);

	snprintf(id, sizeof(id), "%s", ref->id);
	snprintf(
	    url, sizeof(url), "%s/events/%s?sendUpdates=none", cal_path, id);
	if ((rv = api("PATCH", url, body, &r, err, errlen)) == CAL_OK &&
	    (rv = status_rv("events.patch", &r, err, errlen)) == CAL_OK)
		fill_ref(&r, id, ref);
	json_decref(body);
	http_rep_free(&r);
	return rv;
}

static enum cal_rv
google_remove(const struct cal_ref *ref, char *err, size_t errlen)
{
	char url[1400];
	struct http_rep r;
	enum cal_rv rv;

	snprintf(url, sizeof(url), "%s/events/%s?sendUpdates=none", cal_path,
	    ref->id);
	if ((rv = api("DELETE", url, NULL, &r, err, errlen)) == CAL_OK)
		rv = status_rv("events.delete", &r, err, errlen);
	http_rep_free(&r);
	return rv;
}

/* An ops table reads best packed, a few members a line. */
/* clang-format off */
const struct cal_engine cal_google = {
	.name = "google", .open = google_open, .close = google_close,
	.freebusy = google_freebusy, .create = google_create,
	.update = google_update, .remove = google_remove,
};
/* clang-format on */
