/*
 * cal_caldav.c - the CalDAV calendar engine (RFC 4791, protocols.md 12).
 * Talks HTTP to one calendar collection (crm.caldav.url, Basic auth):
 *   free/busy  REPORT calendar-query with a time-range; every opaque,
 *              not-cancelled VEVENT that is not one of ours is busy time
 *              (a calendar-query works on servers without free-busy-query,
 *              Radicale among them, and lets us skip our own events)
 *   create     PUT <collection>/<uid>.ics with If-None-Match: *
 *   update     PUT with If-Match: <etag>; a 412 means staff edited the
 *              event: the booking in PostgreSQL wins and is written again
 *   remove     DELETE with If-Match
 * The resource name is the appointment's stable UID, so a retried create
 * finds the event it made before instead of adding a second one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal_http.h"
#include "calendar.h"
#include "ical.h"
#include "log.h"

#define MAX_EVENTS 512
#define EVENT_TEXT 8192

static char base[520]; /* collection URL ending in '/' */

static int
caldav_open(char *err, size_t errlen)
{
	size_t n = strlen(cal_cfg.caldav_url);

	if (n == 0) {
		snprintf(err, errlen, "crm.caldav.url is not set");
		return -1;
	}
	if (strncmp(cal_cfg.caldav_url, "http://", 7) != 0 &&
	    strncmp(cal_cfg.caldav_url, "https://", 8) != 0) {
		snprintf(err, errlen, "crm.caldav.url must be http(s)://...");
		return -1;
	}
	snprintf(base, sizeof(base), "%s%s", cal_cfg.caldav_url,
	    cal_cfg.caldav_url[n - 1] == '/' ? "" : "/");
	return 0;
}

static void
caldav_close(void)
{
}

static void
request(struct http_req *q, const char *method, const char *url,
    const char *const *headers, const char *body)
{
	memset(q, 0, sizeof(*q));
	q->method = method;
	q->url = url;
	q->headers = headers;
	q->body = body;
	q->body_len = body ? strlen(body) : 0;
	q->user = cal_cfg.caldav_user;
	q->password = cal_cfg.caldav_password;
	q->timeout_ms = cal_cfg.timeout_ms;
}

static enum cal_rv
failure(const char *what, struct http_rep *r, char *err, size_t errlen)
{
	if (r->status == 0)
		snprintf(err, errlen, "%s: %s", what, r->err);
	else
		snprintf(err, errlen, "%s: HTTP %ld %.80s", what, r->status,
		    r->body ? r->body : "");
	return http_transient(r) ? CAL_TEMP : CAL_PERM;
}

struct fb_collect {
	struct fb_span *out;
	int n, max;
	time_t from, to;
};

static void
on_calendar_data(const char *text, void *arg)
{
	struct fb_collect *fc = arg;
	struct ical_vevent *evs;
	int n, i;

	if ((evs = calloc(64, sizeof(*evs))) == NULL)
		return;
	n = ical_parse_events(text, evs, 64);
	for (i = 0; i < n && i < 64; i++) {
		if (evs[i].transparent || evs[i].cancelled ||
		    strncmp(evs[i].uid, "fd-", 3) == 0)
			continue;
		fc->n += ical_occurrences(&evs[i], fc->from, fc->to,
		    fc->out + fc->n, fc->max - fc->n);
	}
	free(evs);
}

static int
caldav_freebusy(time_t from, time_t to, struct fb_span *out, int max, char *err,
    size_t errlen)
{
	static const char *const hdr[] = {
	    "Depth: 1", "Content-Type: application/xml; charset=utf-8", NULL};
	struct fb_collect fc = {out, 0, max, from, to};
	struct http_req q;
	struct http_rep r;
	char body[1024], a[32], b[32];

	ical_utc(from, a, sizeof(a));
	ical_utc(to, b, sizeof(b));
	snprintf(body, sizeof(body),
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<C:calendar-query xmlns:D=\"DAV:\" "
	    "xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
	    "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
	    "<C:filter><C:comp-filter name=\"VCALENDAR\">"
	    "<C:comp-filter name=\"VEVENT\">"
	    "<C:time-range start=\"%s\" end=\"%s\"/>"
	    "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>",
	    a, b);
	request(&q, "REPORT", base, hdr, body);
	http_retry(&q, &r, cal_cfg.attempts, cal_cfg.backoff_ms);
	if (r.status != 207) {
		failure("REPORT", &r, err, errlen);
		http_rep_free(&r);
		return -1;
	}
	if (r.body &&
	    xml_each(r.body, "calendar-data", on_calendar_data, &fc) < 0) {
		snprintf(err, errlen, "REPORT: out of memory");
		http_rep_free(&r);
		return -1;
	}
	http_rep_free(&r);
	return fc.n;
}

/* PUT the event; cond is an If-None-Match / If-Match header or NULL. */
static enum cal_rv
put_event(const struct cal_event *ev, const char *url, const char *cond,
    struct cal_ref *ref, char *err, size_t errlen)
{
	const char *hdr[3] = {
	    "Content-Type: text/calendar; charset=utf-8", cond, NULL};
	struct http_req q;
	struct http_rep r;
	enum cal_rv rv;
	char *body;

	if ((body = malloc(EVENT_TEXT)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return CAL_TEMP;
	}
	if (ical_build_event(ev, time(NULL), body, EVENT_TEXT) < 0) {
		free(body);
		snprintf(err, errlen, "event too large");
		return CAL_PERM;
	}
	request(&q, "PUT", url, hdr, body);
	http_retry(&q, &r, cal_cfg.attempts, cal_cfg.backoff_ms);
	free(body);
	if (r.status >= 200 && r.status < 300) {
		snprintf(ref->id, sizeof(ref->id), "%s", url);
		snprintf(ref->etag, sizeof(ref->etag), "%s", r.etag);
		rv = CAL_OK;
	} else if (r.status == 412) {
		snprintf(err, errlen, "PUT: precondition failed");
		rv = CAL_EXISTS;
	} else {
		rv = failure("PUT", &r, err, errlen);
	}
	http_rep_free(&r);
	return rv;
}

static enum cal_rv
caldav_create(
    const struct cal_event *ev, struct cal_ref *ref, char *err, size_t errlen)
{
	char url[sizeof(ref->id)];
	enum cal_rv rv;

	snprintf(url, sizeof(url), "%.400s%.90s.ics", base, ev->uid);
	rv = put_event(ev, url, "If-None-Match: *", ref, err, errlen);
	if (rv == CAL_EXISTS) {
		snprintf(ref->id, sizeof(ref->id), "%s", url);
		ref->etag[0] = '\0';
	}
	return rv;
}

static enum cal_rv
caldav_update(
    const struct cal_event *ev, struct cal_ref *ref, char *err, size_t errlen)
{
	char cond[200], url[sizeof(ref->id)];
	enum cal_rv rv;

	snprintf(url, sizeof(url), "%s", ref->id);
	if (ref->etag[0]) {
		snprintf(cond, sizeof(cond), "If-Match: %s", ref->etag);
		if ((rv = put_event(ev, url, cond, ref, err, errlen)) !=
		    CAL_EXISTS)
			return rv;
		log_warnx(NULL,
		    "caldav: %s was changed in the calendar; "
		    "writing the booking over it",
		    ev->uid);
	}
	return put_event(ev, url, NULL, ref, err, errlen);
}

static enum cal_rv
caldav_remove(const struct cal_ref *ref, char *err, size_t errlen)
{
	const char *hdr[2] = {NULL, NULL};
	struct http_req q;
	struct http_rep r;
	enum cal_rv rv;
	char cond[200];
	int pass;

	for (pass = 0; pass < 2; pass++) {
		hdr[0] = NULL;
		if (pass == 0 && ref->etag[0]) {
			snprintf(cond, sizeof(cond), "If-Match: %s", ref->etag);
			hdr[0] = cond;
		}
		request(&q, "DELETE", ref->id, hdr, NULL);
		http_retry(&q, &r, cal_cfg.attempts, cal_cfg.backoff_ms);
		if (r.status == 412 && pass == 0) {
			http_rep_free(&r);
			continue;
		}
		break;
	}
	if (r.status >= 200 && r.status < 300)
		rv = CAL_OK;
	else if (r.status == 404 || r.status == 410)
		rv = CAL_GONE;
	else
		rv = failure("DELETE", &r, err, errlen);
	http_rep_free(&r);
	return rv;
}

/* An ops table reads best packed, a few members a line. */
/* clang-format off */
const struct cal_engine cal_caldav = {
	.name = "caldav", .open = caldav_open, .close = caldav_close,
	.freebusy = caldav_freebusy, .create = caldav_create,
	.update = caldav_update, .remove = caldav_remove,
};
/* clang-format on */
