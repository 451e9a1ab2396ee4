/*
 * crm_calsync_test.c - integration test of crm-tools' external calendars
 * and online VIN decoding, each against a real peer on 127.0.0.1:
 *   - CalDAV: a real Radicale server (its own config, temp storage);
 *   - Google Calendar v3 + OAuth: tests/peers/google/peer.py,
 *     which injects 401 (expired token), 429, 500, lost replies and hangs;
 *   - NHTSA vPIC: tests/peers/vpic/peer.py.
 * crm-tools runs as a real daemon on an isolated PostgreSQL + Redis (the
 * harness), driven over rpc; the queue and event ids are read back from
 * PostgreSQL.  Checks: staff busy time removes slots and refuses bookings;
 * a booking/reschedule/cancel reaches the calendar with a stable UID; a
 * calendar outage still books (builtin) and queues, and the sync thread
 * delivers later exactly once; vPIC answers are cached and a hang never
 * holds a call longer than the timeout.  Skips (passing, with a message)
 * when PostgreSQL, Radicale or python3 is missing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "bus.h"
#include "clock.h"
#include "crm-tools/cal_http.h"
#include "tests/harness/crm_harness.h"
#include "tests/harness/unit.h"

static struct hx H;
static int have_ds;
static char D[16]; /* an open weekday three weeks ahead */
static char root[600]; /* the repository */

/* --- processes --- */

struct peer {
	pid_t pid;
	int port;
	char dir[400];
};

static int
wait_port_file(const char *path, int *port, pid_t pid)
{
	FILE *f;
	int i;

	for (i = 0; i < 100; i++) {
		if ((f = fopen(path, "r")) != NULL) {
			int ok = fscanf(f, "%d", port) == 1;

			fclose(f);
			if (ok)
				return 0;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		fd_sleep_us(50000);
	}
	return -1;
}

static pid_t
spawn(char *const argv[], const char *logfile)
{
	pid_t pid = fork();
	int fd;

	if (pid == 0) {
		if ((fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND, 0644)) >=
		    0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void
peer_stop(struct peer *p)
{
	if (p->pid <= 0)
		return;
	kill(p->pid, SIGTERM);
	waitpid(p->pid, NULL, 0);
	p->pid = 0;
}

static const char *
python(void)
{
	return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3"
	                                             : "python3";
}

/* A python peer from tests/peers/<name>/peer.py. */
static int
peer_start(struct peer *p, const char *name)
{
	char script[800], portfile[500], log[500];
	char *argv[5];

	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "%s/%s", H.base, name);
	mkdir(p->dir, 0755);
	snprintf(
	    script, sizeof(script), "%s/tests/peers/%s/peer.py", root, name);
	snprintf(portfile, sizeof(portfile), "%s/port", p->dir);
	snprintf(log, sizeof(log), "%s/log", p->dir);
	unlink(portfile);
	argv[0] = (char *)python();
	argv[1] = script;
	argv[2] = portfile;
	argv[3] = NULL;
	if ((p->pid = spawn(argv, log)) < 0 ||
	    wait_port_file(portfile, &p->port, p->pid) != 0) {
		peer_stop(p);
		return -1;
	}
	return 0;
}

/* Radicale with auth none, on its own storage dir (kept across restarts
 * so an outage can end). */
static int
radicale_start(struct peer *p, int port)
{
	char conf[500], log[500];
	char *argv[4];
	FILE *f;
	int i;

	p->port = port;
	snprintf(p->dir, sizeof(p->dir), "%s/radicale", H.base);
	mkdir(p->dir, 0755);
	snprintf(conf, sizeof(conf), "%s/config", p->dir);
	snprintf(log, sizeof(log), "%s/log", p->dir);
	if ((f = fopen(conf, "w")) == NULL)
		return -1;
	fprintf(f,
	    "[server]\nhosts = 127.0.0.1:%d\n[auth]\ntype = none\n"
	    "[rights]\ntype = authenticated\n[storage]\nfilesystem_folder = "
	    "%s/collections\n[logging]\nlevel = warning\n",
	    port, p->dir);
	fclose(f);
	argv[0] = "radicale";
	argv[1] = "--config";
	argv[2] = conf;
	argv[3] = NULL;
	if ((p->pid = spawn(argv, log)) < 0)
		return -1;
	for (i = 0; i < 100; i++) {
		struct http_req q = {
		    "OPTIONS", NULL, NULL, NULL, 0, "shop", "x", 1000};
		struct http_rep r;
		char url[100];

		snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
		q.url = url;
		http_do(&q, &r);
		http_rep_free(&r);
		if (r.status > 0)
			return 0;
		if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
			p->pid = 0;
			return -1;
		}
		fd_sleep_us(50000);
	}
	return -1;
}

/* --- HTTP and SQL helpers --- */

static long
http(const char *method, const char *url, const char *body,
    const char *extra_header, char **out)
{
	const char *hdr[3] = {
	    "Content-Type: application/json", extra_header, NULL};
	struct http_req q;
	struct http_rep r;
	long st;

	memset(&q, 0, sizeof(q));
	q.method = method;
	q.url = url;
	q.headers = hdr;
	q.body = body;
	q.body_len = body ? strlen(body) : 0;
	q.user = "shop";
	q.password = "x";
	q.timeout_ms = 5000;
	http_do(&q, &r);
	st = r.status;
	if (out) {
		*out = r.body;
		r.body = NULL;
	}
	http_rep_free(&r);
	return st;
}

static PGconn *
db(void)
{
	static PGconn *pg;
	char ci[600];

	if (pg && PQstatus(pg) == CONNECTION_OK)
		return pg;
	PQfinish(pg);
	snprintf(ci, sizeof(ci),
	    "host=%s port=%d dbname=frontdesk "
	    "user=frontdesk",
	    H.rundir, H.pg_port);
	pg = PQconnectdb(ci);
	return pg;
}

/* First column of the first row as text ("" if none); static buffer. */
static const char *
sql1(const char *fmt, ...)
{
	static char out[2048];
	char q[2048];
	va_list ap;
	PGresult *r;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	r = PQexec(db(), q);
	out[0] = '\0';
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
		snprintf(out, sizeof(out), "%s", PQgetvalue(r, 0, 0));
	else if (PQresultStatus(r) != PGRES_TUPLES_OK &&
	    PQresultStatus(r) != PGRES_COMMAND_OK)
		fprintf(stderr, "  sql: %s: %s", q, PQresultErrorMessage(r));
	PQclear(r);
	return out;
}

/* Poll until sql1(...) equals want (up to secs). */
static int
wait_sql(const char *want, int secs, const char *q)
{
	int i;

	for (i = 0; i < secs * 10; i++) {
		if (strcmp(sql1("%s", q), want) == 0)
			return 1;
		fd_sleep_us(100000);
	}
	fprintf(stderr, "  waited for '%s' from %s, got '%s'\n", want, q,
	    sql1("%s", q));
	return 0;
}

/* --- rpc helpers --- */

static int
ok(json_t *rep)
{
	if (!json_is_true(json_object_get(rep, "ok"))) {
		char *s = json_dumps(rep, JSON_COMPACT);

		fprintf(stderr, "  reply: %s\n", s);
		free(s);
		return 0;
	}
	return 1;
}

static json_t *
call(const char *cid, const char *tool, json_t *args)
{
	return hx_call(&H, cid, tool, args, NULL);
}

static json_t *
res(json_t *rep)
{
	return json_object_get(rep, "result");
}

static const char *
code(json_t *rep)
{
	const char *c = json_string_value(json_object_get(rep, "code"));

	return c ? c : "";
}

static void
slot(char *buf, size_t len, const char *hhmm)
{
	snprintf(buf, len, "%sT%s", D, hhmm);
}

static int
has_slot(json_t *r, const char *hhmm)
{
	char want[32];
	json_t *v;
	size_t i;

	snprintf(want, sizeof(want), "%sT%s:00", D, hhmm);
	json_array_foreach(json_object_get(res(r), "slots"), i,
	    v) if (strcmp(json_string_value(v), want) == 0) return 1;
	return 0;
}

/* Local D hh:mm in UTC, as strftime's fmt has it. */
static void
utc_fmt(const char *hhmm, const char *fmt, char *out, size_t len)
{
	char s[32];
	time_t t;
	struct tm tm;

	slot(s, sizeof(s), hhmm);
	fd_time_parse(s, &t);
	gmtime_r(&t, &tm);
	strftime(out, len, fmt, &tm);
}

/* "20260701T150000Z" (iCalendar) of local D hh:mm. */
static void
utc_of(const char *hhmm, char *out, size_t len)
{
	utc_fmt(hhmm, "%Y%m%dT%H%M%SZ", out, len);
}

/* "2026-07-01T15:00:00Z" (RFC 3339) of local D hh:mm. */
static void
rfc_of(const char *hhmm, char *out, size_t len)
{
	utc_fmt(hhmm, "%Y-%m-%dT%H:%M:%SZ", out, len);
}

static json_t *
book(const char *cid, const char *phone, const char *hhmm)
{
	char s[32];
	json_t *r;

	r = call(cid, "call_begin", json_pack("{s:s}", "from", phone));
	json_decref(r);
	slot(s, sizeof(s), hhmm);
	return call(cid, "book_appointment",
	    json_pack("{s:s, s:s, s:s, s:s}", "service", "oil change", "start",
	        s, "first_name", "Cal", "last_name", "Tester"));
}

static int
daemon_up(const char *extra)
{
	hx_daemon_stop(&H);
	snprintf(H.crm_extra, sizeof(H.crm_extra), "%s", extra);
	return hx_daemon_start(&H, 2, 4);
}

/* The daemon up with an external calendar (extra), once its sync thread
 * has pushed the seeded appointments. */
static void
daemon_synced(const char *extra)
{
	assert_int_equal(daemon_up(extra), 0);
	assert_true(wait_sql("0", 15,
	    "SELECT count(*) FROM calendar_sync "
	    "WHERE status <> 'done'"));
}

/* Every free start for an oil change on D (get_available_slots), ok. */
static json_t *
day_slots(void)
{
	json_t *r = call("", "get_available_slots",
	    json_pack("{s:s, s:s, "
	              "s:i}",
	        "date", D, "service", "oil change", "limit", 100));

	assert_true(ok(r));
	return r;
}

#define NEED_DS()                                                              \
	do {                                                                   \
		if (!have_ds)                                                  \
			skip();                                                \
	} while (0)

/* --- CalDAV against Radicale --- */

static const char *
staff_event(
    const char *uid, const char *from, const char *to, const char *extra)
{
	static char ics[1024];

	snprintf(ics, sizeof(ics),
	    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	    "PRODID:-//staff//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\n"
	    "DTSTAMP:20260101T000000Z\r\nDTSTART:%s\r\nDTEND:%s\r\n"
	    "SUMMARY:Staff %s\r\n%sEND:VEVENT\r\nEND:VCALENDAR\r\n",
	    uid, from, to, uid, extra);
	return ics;
}

static int
radicale_count(const char *base, const char *uid_part)
{
	char *body = NULL, *p, want[200];
	int n = 0;
	long st;

	st = http("REPORT", base,
	    "<C:calendar-query xmlns:D=\"DAV:\" "
	    "xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><D:prop><D:getetag/>"
	    "<C:calendar-data/></D:prop><C:filter><C:comp-filter "
	    "name=\"VCALENDAR\"/></C:filter></C:calendar-query>",
	    "Depth: 1", &body);
	if (st != 207 || body == NULL) {
		free(body);
		return -1;
	}
	snprintf(want, sizeof(want), "UID:%s", uid_part);
	for (p = body; (p = strstr(p, want)) != NULL; p++)
		n++;
	free(body);
	return n;
}

/* every peer, so teardown stops them even after a failed assertion */
static struct peer rad, gpeer, vpeer;

static void
test_caldav(void **state)
{
	char base[200], url[300], a[32], b[32], extra[1024], *body = NULL;
	const char *ev_url, *conf;
	char cbuf[16];
	json_t *r;
	int port = fd_free_port();
	uint64_t t0;

	(void)state;
	NEED_DS();
	if (access("/usr/bin/radicale", X_OK) != 0 ||
	    radicale_start(&rad, port) != 0) {
		fprintf(stderr, "  SKIP: radicale is not available\n");
		skip();
	}
	snprintf(base, sizeof(base), "http://127.0.0.1:%d/shop/cal/", port);
	assert_int_equal(http("MKCALENDAR", base, NULL, NULL, NULL), 201);
	/* staff: 10:00-11:00 busy; 13:00-14:00 transparent; 15:00 cancelled */
	utc_of("10:00", a, sizeof(a));
	utc_of("11:00", b, sizeof(b));
	snprintf(url, sizeof(url), "%sstaff-1.ics", base);
	assert_int_equal(http("PUT", url, staff_event("staff-1", a, b, ""),
	                     "Content-Type: text/calendar", NULL),
	    201);
	utc_of("13:00", a, sizeof(a));
	utc_of("14:00", b, sizeof(b));
	snprintf(url, sizeof(url), "%sstaff-2.ics", base);
	assert_int_equal(
	    http("PUT", url,
	        staff_event("staff-2", a, b, "TRANSP:TRANSPARENT\r\n"),
	        "Content-Type: text/calendar", NULL),
	    201);
	utc_of("15:00", a, sizeof(a));
	utc_of("16:00", b, sizeof(b));
	snprintf(url, sizeof(url), "%sstaff-3.ics", base);
	assert_int_equal(
	    http("PUT", url,
	        staff_event("staff-3", a, b, "STATUS:CANCELLED\r\n"),
	        "Content-Type: text/calendar", NULL),
	    201);

	snprintf(extra, sizeof(extra),
	    "calendar = \"caldav\"; caldav = { url "
	    "= \"%s\"; user = \"shop\"; }; calendar_timeout_ms = 5000; "
	    "calendar_backoff_ms = 50; calendar_retry_s = 1; "
	    "calendar_freebusy_cache_s = 0;",
	    base);
	H.env[0] = "FRONTDESK_CALDAV_PASSWORD=x";
	daemon_synced(extra);

	r = day_slots();
	assert_true(has_slot(r, "09:30"));
	assert_false(has_slot(r, "10:00"));
	assert_false(has_slot(r, "10:30"));
	assert_true(has_slot(r, "11:00"));
	assert_true(has_slot(r, "13:00")); /* transparent */
	assert_true(has_slot(r, "15:00")); /* cancelled */
	json_decref(r);

	/* booking into staff time is refused with alternatives */
	r = book("CAcal1", "+15557770001", "10:00");
	assert_string_equal(code(r), "slot_taken");
	assert_true(json_array_size(json_object_get(r, "alternatives")) > 0);
	json_decref(r);

	/* a booking reaches the calendar with the appointment's UID */
	t0 = fd_mono_us();
	r = book("CAcal2", "+15557770002", "11:00");
	assert_true(ok(r));
	fprintf(stderr, "  caldav booking with push: %.1f ms\n",
	    (double)(fd_mono_us() - t0) / 1000.0);
	assert_true(json_is_true(
	    json_object_get(json_object_get(res(r), "calendar"), "synced")));
	ev_url = json_string_value(
	    json_object_get(json_object_get(res(r), "calendar"), "event_id"));
	assert_non_null(ev_url);
	snprintf(url, sizeof(url), "%s", ev_url);
	{
		char id[24], u[100], q[200];

		snprintf(id, sizeof(id), "%lld",
		    (long long)json_integer_value(
		        json_object_get(res(r), "appointment_id")));
		snprintf(u, sizeof(u), "%s",
		    sql1("SELECT external_uid FROM "
		         "appointments WHERE id = %s",
		        id));
		snprintf(cbuf, sizeof(cbuf), "%s",
		    json_string_value(json_object_get(res(r), "confirmation")));
		conf = cbuf;
		assert_non_null(strstr(u, "fd-"));
		assert_int_equal(http("GET", url, NULL, NULL, &body), 200);
		assert_non_null(strstr(body, u));
		utc_of("11:00", a, sizeof(a));
		assert_non_null(strstr(body, a)); /* DTSTART in UTC */
		assert_non_null(strstr(body, conf));
		free(body);
		json_decref(r);

		/* reschedule: the same event moves (one event, new time) */
		slot(a, sizeof(a), "14:00");
		r = call("CAcal2", "reschedule_appointment",
		    json_pack(
		        "{s:s, s:s}", "confirmation", conf, "new_start", a));
		assert_true(ok(r));
		/* pushed now, or (the sync thread holding the event at that
		 * moment) queued and delivered within its retry */
		assert_true(
		    json_is_true(json_object_get(
		        json_object_get(res(r), "calendar"), "synced")) ||
		    json_is_true(json_object_get(
		        json_object_get(res(r), "calendar"), "queued")));
		json_decref(r);
		utc_of("14:00", a, sizeof(a));
		for (int w = 0; w < 50; w++) {
			assert_int_equal(
			    http("GET", url, NULL, NULL, &body), 200);
			if (strstr(body, a) != NULL)
				break;
			free(body);
			body = NULL;
			fd_sleep_us(200000);
		}
		assert_non_null(body);
		assert_non_null(strstr(body, a));
		free(body);
		assert_int_equal(radicale_count(base, u), 1);

		/* a lost reply: the event exists but the row forgot it; the
		 * re-sync must find it (412 on create) and not duplicate */
		sql1("UPDATE appointments SET external_event_id = NULL, "
		     "external_etag = NULL WHERE id = %s",
		    id);
		sql1("UPDATE appointments SET notes = 'resync' WHERE id = %s",
		    id);
		snprintf(q, sizeof(q),
		    "SELECT status FROM calendar_sync WHERE "
		    "appointment_id = %s",
		    id);
		assert_true(wait_sql("done", 10, q));
		assert_int_equal(radicale_count(base, u), 1);

		/* cancel removes the event */
		r = call("CAcal2", "cancel_appointment",
		    json_pack("{s:s}", "confirmation", conf));
		assert_true(ok(r));
		assert_true(json_is_true(json_object_get(
		    json_object_get(res(r), "calendar"), "synced")));
		json_decref(r);
		assert_int_equal(http("GET", url, NULL, NULL, NULL), 404);
	}

	/* outage: Radicale down -> the booking still succeeds, queued */
	peer_stop(&rad);
	t0 = fd_mono_us();
	r = book("CAcal3", "+15557770003", "16:00");
	assert_true(ok(r));
	fprintf(stderr, "  caldav booking, calendar down: %.1f ms\n",
	    (double)(fd_mono_us() - t0) / 1000.0);
	assert_false(json_is_true(
	    json_object_get(json_object_get(res(r), "calendar"), "synced")));
	assert_true(json_is_true(
	    json_object_get(json_object_get(res(r), "calendar"), "queued")));
	{
		char id[24], q[200];

		snprintf(id, sizeof(id), "%lld",
		    (long long)json_integer_value(
		        json_object_get(res(r), "appointment_id")));
		json_decref(r);
		assert_string_equal(sql1("SELECT status FROM calendar_sync "
		                         "WHERE appointment_id = %s",
		                        id),
		    "pending");
		/* the sync thread keeps trying, and says why it failed */
		snprintf(q, sizeof(q),
		    "SELECT attempts >= 1 AND last_error "
		    "LIKE '%%connect%%' FROM calendar_sync WHERE "
		    "appointment_id "
		    "= %s",
		    id);
		assert_true(wait_sql("t", 10, q));
		/* slots still come (builtin only) while it is down */
		r = call("", "get_available_slots",
		    json_pack(
		        "{s:s, s:s}", "date", D, "service", "oil change"));
		assert_true(ok(r));
		json_decref(r);
		/* back up: the sync thread delivers it, once */
		assert_int_equal(radicale_start(&rad, port), 0);
		snprintf(q, sizeof(q),
		    "SELECT status FROM calendar_sync WHERE "
		    "appointment_id = %s",
		    id);
		assert_true(wait_sql("done", 20, q));
		snprintf(q, sizeof(q), "fd-%s-", id);
		assert_int_equal(radicale_count(base, q), 1);
	}
	hx_daemon_stop(&H);
	H.env[0] = NULL;
	peer_stop(&rad);
}

/* --- Google Calendar against the local peer --- */

static char gbase[100];

static void
gctl(const char *what, const char *body)
{
	char url[200];

	snprintf(url, sizeof(url), "%s/_ctl/%s", gbase, what);
	assert_int_equal(
	    http("POST", url, body ? body : "{}", NULL, NULL), 200);
}

static json_t *
gstate(void)
{
	char url[200], *body = NULL;
	json_t *j;

	snprintf(url, sizeof(url), "%s/_ctl/state", gbase);
	http("GET", url, NULL, NULL, &body);
	j = json_loads(body ? body : "{}", 0, NULL);
	free(body);
	return j;
}

static long long
gcount(const char *what)
{
	json_t *s = gstate();
	long long n = json_integer_value(
	    json_object_get(json_object_get(s, "counts"), what));

	json_decref(s);
	return n;
}

static void
test_google(void **state)
{
	struct peer *g = &gpeer;
	char extra[1024], a[40], b[40], body[200], conf[16], eid[200];
	json_t *r, *s, *ev;
	long long n0;
	uint64_t t0;

	(void)state;
	NEED_DS();
	if (peer_start(g, "google") != 0) {
		fprintf(stderr, "  SKIP: python3 peer did not start\n");
		skip();
	}
	snprintf(gbase, sizeof(gbase), "http://127.0.0.1:%d", g->port);
	rfc_of("09:00", a, sizeof(a));
	rfc_of("10:00", b, sizeof(b));
	snprintf(body, sizeof(body), "{\"start\":\"%s\",\"end\":\"%s\"}", a, b);
	gctl("busy", body);
	snprintf(extra, sizeof(extra),
	    "calendar = \"google\"; google = { "
	    "calendar_id = \"shop@group.calendar.google.com\"; client_id = "
	    "\"cid\"; token_url = \"%s/token\"; api_base = \"%s/calendar/v3\"; "
	    "}; calendar_timeout_ms = 1500; calendar_backoff_ms = 50; "
	    "calendar_retry_s = 1; calendar_freebusy_cache_s = 0;",
	    gbase, gbase);
	H.env[0] = "FRONTDESK_GOOGLE_CLIENT_SECRET=secret";
	H.env[1] = "FRONTDESK_GOOGLE_REFRESH_TOKEN=rt-test";
	daemon_synced(extra);

	/* staff's busy hour removes slots, and one token serves all calls */
	r = day_slots();
	assert_true(has_slot(r, "08:30"));
	assert_false(has_slot(r, "09:00"));
	assert_false(has_slot(r, "09:30"));
	assert_true(has_slot(r, "10:00"));
	json_decref(r);
	assert_int_equal(gcount("token"), 1);

	/* insert: our id, transparent, local time with offset */
	t0 = fd_mono_us();
	r = book("CAg1", "+15557771001", "11:00");
	assert_true(ok(r));
	fprintf(stderr, "  google booking with push: %.1f ms\n",
	    (double)(fd_mono_us() - t0) / 1000.0);
	assert_true(json_is_true(
	    json_object_get(json_object_get(res(r), "calendar"), "synced")));
	snprintf(eid, sizeof(eid), "%s",
	    json_string_value(json_object_get(
	        json_object_get(res(r), "calendar"), "event_id")));
	snprintf(conf, sizeof(conf), "%s",
	    json_string_value(json_object_get(res(r), "confirmation")));
	json_decref(r);
	s = gstate();
	ev = json_object_get(json_object_get(s, "events"), eid);
	assert_non_null(ev);
	assert_string_equal(
	    json_string_value(json_object_get(ev, "transparency")),
	    "transparent");
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(ev, "start"), "timeZone")),
	    "America/New_York");
	assert_non_null(strstr(json_string_value(json_object_get(
	                           json_object_get(ev, "start"), "dateTime")),
	    "T11:00:00-0"));
	json_decref(s);

	/* expired token: 401, one refresh, the patch goes through */
	gctl("expire", NULL);
	slot(a, sizeof(a), "12:00");
	r = call("CAg1", "reschedule_appointment",
	    json_pack("{s:s, s:s}", "confirmation", conf, "new_start", a));
	assert_true(ok(r));
	assert_true(json_is_true(
	    json_object_get(json_object_get(res(r), "calendar"), "synced")));
	json_decref(r);
	assert_int_equal(gcount("token"), 2);
	assert_int_equal(gcount("unauthorized"), 1);
	s = gstate();
	assert_non_null(
	    strstr(json_string_value(json_object_get(
	               json_object_get(
	                   json_object_get(json_object_get(s, "events"), eid),
	                   "start"),
	               "dateTime")),
	        "T12:00:00-0"));
	json_decref(s);

	/* 429, then 500, then success: the third attempt inserts */
	gctl("fail", "{\"status\":429,\"count\":1,\"path\":\"/events\"}");
	gctl("fail", "{\"status\":500,\"count\":1,\"path\":\"/events\"}");
	n0 = gcount("insert");
	r = book("CAg2", "+15557771002", "13:00");
	assert_true(ok(r));
	assert_true(json_is_true(
	    json_object_get(json_object_get(res(r), "calendar"), "synced")));
	json_decref(r);
	assert_int_equal(gcount("insert"), n0 + 1);

	/* a hang far longer than the timeout, then success: the booking
	 * comes back well before the hang would have ended */
	gctl("fail", "{\"delay\":6,\"count\":1,\"path\":\"/events\"}");
	t0 = fd_mono_us();
	r = book("CAg3", "+15557771003", "13:30");
	assert_true(ok(r));
	assert_true(json_is_true(
	    json_object_get(json_object_get(res(r), "calendar"), "synced")));
	json_decref(r);
	assert_true(fd_mono_us() - t0 < 5000000);

	/* the insert is applied but its reply lost (500): the retry gets
	 * 409 and patches, so there is still exactly one event */
	gctl("fail",
	    "{\"status\":500,\"count\":1,\"apply\":true,"
	    "\"path\":\"/events\"}");
	n0 = gcount("insert");
	r = book("CAg4", "+15557771004", "14:00");
	assert_true(ok(r));
	assert_true(json_is_true(
	    json_object_get(json_object_get(res(r), "calendar"), "synced")));
	json_decref(r);
	assert_int_equal(gcount("insert"), n0 + 2);
	assert_true(gcount("patch") >= 2);

	/* down for all 3 attempts: booked, queued, delivered later */
	gctl("fail", "{\"status\":503,\"count\":3,\"path\":\"/events\"}");
	r = book("CAg5", "+15557771005", "15:00");
	assert_true(ok(r));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "status")), "booked");
	assert_false(json_is_true(
	    json_object_get(json_object_get(res(r), "calendar"), "synced")));
	{
		char q[200];

		snprintf(q, sizeof(q),
		    "SELECT status FROM calendar_sync WHERE "
		    "appointment_id = %lld",
		    (long long)json_integer_value(
		        json_object_get(res(r), "appointment_id")));
		json_decref(r);
		assert_true(wait_sql("done", 15, q));
	}

	/* cancel deletes */
	n0 = gcount("delete");
	r = call("CAg1", "cancel_appointment",
	    json_pack("{s:s}", "confirmation", conf));
	assert_true(ok(r));
	json_decref(r);
	assert_int_equal(gcount("delete"), n0 + 1);
	s = gstate();
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_object_get(json_object_get(s, "events"), eid), "status")),
	    "cancelled");
	json_decref(s);
	/* every booking is one event: no duplicates anywhere */
	assert_string_equal(sql1("SELECT count(*) = count(DISTINCT "
	                         "external_event_id) FROM appointments WHERE "
	                         "external_event_id IS "
	                         "NOT NULL"),
	    "t");
	hx_daemon_stop(&H);
	H.env[0] = H.env[1] = NULL;
	peer_stop(g);
}

/* --- VIN decoding against the vPIC peer --- */

static void
test_vpic(void **state)
{
	struct peer *v = &vpeer;
	char extra[512], url[200], *body = NULL;
	json_t *r;
	uint64_t t0;

	(void)state;
	NEED_DS();
	if (peer_start(v, "vpic") != 0) {
		fprintf(stderr, "  SKIP: python3 peer did not start\n");
		skip();
	}
	snprintf(extra, sizeof(extra),
	    "vpic = { base_url = "
	    "\"http://127.0.0.1:%d/api\"; timeout_ms = 400; };",
	    v->port);
	assert_int_equal(daemon_up(extra), 0);

	r = call(
	    "", "decode_vin", json_pack("{s:s}", "vin", "1hgcm82633a004352"));
	assert_true(ok(r));
	assert_true(json_is_true(json_object_get(res(r), "online")));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "source")), "vpic");
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "make")), "HONDA");
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "model")), "Accord");
	assert_int_equal(
	    json_integer_value(json_object_get(res(r), "model_year")), 2003);
	assert_true(json_is_true(json_object_get(res(r), "valid")));
	json_decref(r);
	/* the second time comes from vin_cache */
	r = call(
	    "", "decode_vin", json_pack("{s:s}", "vin", "1HGCM82633A004352"));
	assert_string_equal(
	    json_string_value(json_object_get(res(r), "source")), "cache");
	json_decref(r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/_ctl/state", v->port);
	http("GET", url, NULL, NULL, &body);
	assert_non_null(strstr(body, "\"lookups\": 1"));
	free(body);
	/* a bad check digit is not looked up */
	r = call(
	    "", "decode_vin", json_pack("{s:s}", "vin", "1HGCM82634A004352"));
	assert_true(ok(r));
	assert_false(json_is_true(json_object_get(res(r), "online")));
	assert_false(json_is_true(json_object_get(res(r), "valid")));
	json_decref(r);
	/* vPIC hangs: the offline decode comes back within the timeout */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/_ctl/delay", v->port);
	assert_int_equal(http("POST", url, "{\"seconds\":3}", NULL, NULL), 200);
	t0 = fd_mono_us();
	r = call(
	    "", "decode_vin", json_pack("{s:s}", "vin", "5YJ3E1EA5NF156789"));
	fprintf(stderr, "  decode_vin with vPIC hanging: %.1f ms\n",
	    (double)(fd_mono_us() - t0) / 1000.0);
	assert_true(fd_mono_us() - t0 < 2800000); /* the hang is 3 s */
	assert_true(ok(r));
	assert_false(json_is_true(json_object_get(res(r), "online")));
	assert_true(json_is_true(json_object_get(res(r), "valid")));
	assert_int_equal(
	    json_integer_value(json_object_get(res(r), "model_year")), 2022);
	json_decref(r);
	/* and a booking made meanwhile is not held up */
	t0 = fd_mono_us();
	r = book("CAv1", "+15557772001", "08:00");
	assert_true(ok(r));
	json_decref(r);
	/* held up, it would wait out the rest of the 3 s hang (>2.5 s) */
	assert_true(fd_mono_us() - t0 < 5000000);
	hx_daemon_stop(&H);
	peer_stop(v);
}

static int
setup(void **state)
{
	char err[512], *s;

	(void)state;
	setenv("TZ", "America/New_York", 1);
	tzset();
	signal(SIGPIPE, SIG_IGN);
	http_global_init();
	if (hx_datastore_start(&H, "cal", err, sizeof(err)) != 0) {
		fprintf(stderr, "  SKIP: %s\n", err);
		return 0;
	}
	have_ds = 1;
	snprintf(root, sizeof(root), "%s", H.root);
	if (strcmp(root, ".") == 0 && (s = getcwd(root, sizeof(root))) == NULL)
		return -1;
	hx_open_day(21, D, sizeof(D));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	peer_stop(&rad);
	peer_stop(&gpeer);
	peer_stop(&vpeer);
	PQfinish(db());
	hx_stop(&H, getenv("CRM_KEEP") != NULL);
	return 0;
}

UNIT_MAIN(setup, teardown, cmocka_unit_test(test_caldav),
    cmocka_unit_test(test_google), cmocka_unit_test(test_vpic), )
