/*
 * calsync.c - keeping the external calendar in step with the appointments
 * table.  A trigger (migrations/002) queues each appointment whose time or
 * status changed in calendar_sync; this file pushes them:
 *   - right after a booking, reschedule or cancel, on the rpc worker, so
 *     the reply can say whether the calendar has it (calsync_now);
 *   - from a background thread of crm-tools for whatever is still due,
 *     with waits growing from crm.calendar_retry_s up to 10 minutes, until
 *     crm.calendar_max_tries, after which a staff task is raised.
 * A push makes the calendar match the row as it is now (create or update
 * an active appointment, delete a cancelled one).  The event's UID is
 * stable and stored on the appointment with the event id and ETag, so a
 * push repeated after a lost reply updates the event instead of adding a
 * second one.  Only crm-tools talks to the calendar; the queue lives in
 * PostgreSQL so nothing is lost over a restart.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "calsync.h"
#include "clock.h"
#include "crm.h"
#include "log.h"

#define LEASE_S "60" /* a claimed job is retried after this */
#define MAX_WAIT_S 600
#define BATCH 8

struct appt_row {
	long long id;
	char conf[16], status[16];
	time_t start, end;
	char service[64], name[160], phone[40], vehicle[120], vin[24];
	char bay[64], notes[400];
	char uid[96], event_id[512], etag[160], calendar[600];
};

static pthread_t thread;
static volatile int thread_run;

static int
load_row(struct crm_ctx *c, long long id, struct appt_row *a)
{
	char ib[24];
	const char *p[1] = {crm_num(ib, id)};
	PGresult *r;

	r = crm_q(c,
	    "SELECT a.confirmation, a.status, extract(epoch FROM "
	    "lower(a.during))::bigint, extract(epoch FROM upper(a.during))::"
	    "bigint, s.name, trim(concat_ws(' ', cu.first_name, "
	    "cu.last_name)), "
	    "cu.phone, coalesce(concat_ws(' ', v.year, v.make, v.model), ''), "
	    "coalesce(v.vin, ''), r.name, coalesce(a.notes, ''), "
	    "coalesce(a.external_uid, ''), coalesce(a.external_event_id, ''), "
	    "coalesce(a.external_etag, ''), coalesce(a.external_calendar, '') "
	    "FROM appointments a JOIN services s ON s.id = a.service_id "
	    "JOIN customers cu ON cu.id = a.customer_id JOIN resources r ON "
	    "r.id = a.resource_id LEFT JOIN vehicles v ON v.id = a.vehicle_id "
	    "WHERE a.id = $1",
	    1, p);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	memset(a, 0, sizeof(*a));
	a->id = id;
	snprintf(a->conf, sizeof(a->conf), "%s", PQgetvalue(r, 0, 0));
	snprintf(a->status, sizeof(a->status), "%s", PQgetvalue(r, 0, 1));
	a->start = (time_t)strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	a->end = (time_t)strtoll(PQgetvalue(r, 0, 3), NULL, 10);
	snprintf(a->service, sizeof(a->service), "%s", PQgetvalue(r, 0, 4));
	snprintf(a->name, sizeof(a->name), "%s", PQgetvalue(r, 0, 5));
	snprintf(a->phone, sizeof(a->phone), "%s", PQgetvalue(r, 0, 6));
	snprintf(a->vehicle, sizeof(a->vehicle), "%s", PQgetvalue(r, 0, 7));
	snprintf(a->vin, sizeof(a->vin), "%s", PQgetvalue(r, 0, 8));
	snprintf(a->bay, sizeof(a->bay), "%s", PQgetvalue(r, 0, 9));
	snprintf(a->notes, sizeof(a->notes), "%s", PQgetvalue(r, 0, 10));
	snprintf(a->uid, sizeof(a->uid), "%s", PQgetvalue(r, 0, 11));
	snprintf(a->event_id, sizeof(a->event_id), "%s", PQgetvalue(r, 0, 12));
	snprintf(a->etag, sizeof(a->etag), "%s", PQgetvalue(r, 0, 13));
	snprintf(a->calendar, sizeof(a->calendar), "%s", PQgetvalue(r, 0, 14));
	PQclear(r);
	return 1;
}

void
calsync_uid(long long id, const char *conf, char *out, size_t len)
{
	size_t n;

	snprintf(out, len, "fd-%lld-%s", id, conf);
	for (n = 0; out[n]; n++)
		out[n] = (char)tolower((unsigned char)out[n]);
}

static void
to_event(const struct appt_row *a, struct cal_event *ev)
{
	char svc[64];
	size_t o;

	memset(ev, 0, sizeof(*ev));
	if (a->uid[0])
		snprintf(ev->uid, sizeof(ev->uid), "%s", a->uid);
	else
		calsync_uid(a->id, a->conf, ev->uid, sizeof(ev->uid));
	ev->appointment_id = a->id;
	ev->start = a->start;
	ev->end = a->end;
	snprintf(svc, sizeof(svc), "%s", a->service);
	svc[0] = (char)toupper((unsigned char)svc[0]);
	snprintf(
	    ev->summary, sizeof(ev->summary), "%.60s - %.120s", svc, a->name);
	o = (size_t)snprintf(ev->description, sizeof(ev->description),
	    "Confirmation %s\nPhone %s\n", a->conf, a->phone);
	if (a->vehicle[0] && o < sizeof(ev->description))
		o += (size_t)snprintf(ev->description + o,
		    sizeof(ev->description) - o, "Vehicle %s\n", a->vehicle);
	if (a->vin[0] && o < sizeof(ev->description))
		o += (size_t)snprintf(ev->description + o,
		    sizeof(ev->description) - o, "VIN %s\n", a->vin);
	if (a->notes[0] && o < sizeof(ev->description))
		o += (size_t)snprintf(ev->description + o,
		    sizeof(ev->description) - o, "Notes: %s\n", a->notes);
	if (o < sizeof(ev->description))
		snprintf(ev->description + o, sizeof(ev->description) - o,
		    "Booked by frontdesk (appointment %lld)", a->id);
	snprintf(ev->location, sizeof(ev->location), "%s", a->bay);
}

/* Make the calendar match row a.  Writes where the event is on the row. */
static enum cal_rv
push(struct crm_ctx *c, const struct appt_row *a, struct cal_ref *ref,
    char *err, size_t errlen)
{
	struct cal_event ev;
	enum cal_rv rv = CAL_OK;
	char ib[24];
	const char *p[5];
	PGresult *r;
	int active = strcmp(a->status, "booked") == 0 ||
	    strcmp(a->status, "confirmed") == 0,
	    have;

	to_event(a, &ev);
	memset(ref, 0, sizeof(*ref));
	have = a->event_id[0] && strcmp(a->calendar, cal_identity()) == 0;
	if (have) {
		snprintf(ref->id, sizeof(ref->id), "%s", a->event_id);
		snprintf(ref->etag, sizeof(ref->etag), "%s", a->etag);
	}
	if (!active) {
		if (!have)
			return CAL_OK;
		rv = cal_engine->remove(ref, err, errlen);
		if (rv == CAL_GONE)
			rv = CAL_OK;
		if (rv != CAL_OK)
			return rv;
		p[0] = crm_num(ib, a->id);
		if ((r = crm_q(c,
		         "UPDATE appointments SET external_event_id = "
		         "NULL, external_etag = NULL WHERE id = $1",
		         1, p)) == NULL) {
			snprintf(err, errlen, "deleted, but not recorded: %s",
			    c->err);
			return CAL_TEMP;
		}
		PQclear(r);
		return CAL_OK;
	}
	if (have) {
		rv = cal_engine->update(&ev, ref, err, errlen);
		if (rv == CAL_GONE) {
			memset(ref, 0, sizeof(*ref));
			have = 0;
		}
	}
	if (!have) {
		rv = cal_engine->create(&ev, ref, err, errlen);
		if (rv == CAL_EXISTS) {
			/* made by an earlier try whose answer was lost */
			log_info(NULL,
			    "calendar: %s exists already; updating it", ev.uid);
			ref->etag[0] = '\0';
			rv = cal_engine->update(&ev, ref, err, errlen);
		}
	}
	if (rv != CAL_OK)
		return rv;
	p[0] = crm_num(ib, a->id);
	p[1] = ev.uid;
	p[2] = ref->id;
	p[3] = ref->etag[0] ? ref->etag : NULL;
	p[4] = cal_identity();
	if ((r = crm_q(c,
	         "UPDATE appointments SET external_uid = $2, "
	         "external_event_id = $3, external_etag = $4, "
	         "external_calendar = "
	         "$5 WHERE id = $1",
	         5, p)) == NULL) {
		snprintf(err, errlen, "pushed, but not recorded: %s", c->err);
		return CAL_TEMP;
	}
	PQclear(r);
	return CAL_OK;
}

/* Record the outcome of a claimed job (seq: the change it pushed). */
static void
finish(struct crm_ctx *c, const struct appt_row *a, long long seq, int attempts,
    enum cal_rv rv, const char *err)
{
	char ib[24], sb[24], wb[24], ab[24], body[1200];
	const char *p[5];
	PGresult *r;
	long wait;
	int k;

	p[0] = crm_num(ib, a->id);
	p[1] = crm_num(sb, seq);
	if (rv == CAL_OK) {
		r = crm_q(c,
		    "UPDATE calendar_sync SET status = 'done', synced_at "
		    "= now(), last_error = NULL, updated_at = now() WHERE "
		    "appointment_id = $1 AND seq = $2",
		    2, p);
		PQclear(r);
		return;
	}
	attempts++;
	if (attempts >= cal_cfg.max_tries) {
		p[2] = err;
		r = crm_q(c,
		    "UPDATE calendar_sync SET status = 'failed', "
		    "attempts = attempts + 1, last_error = $3, updated_at = "
		    "now() "
		    "WHERE appointment_id = $1 AND seq = $2",
		    3, p);
		PQclear(r);
		snprintf(body, sizeof(body),
		    "Appointment %s (%s, %s) could not "
		    "be written to the %s calendar after %d tries: %.400s. "
		    "Enter it by hand.",
		    a->conf, a->service, a->name, cal_engine->name, attempts,
		    err);
		p[0] = body;
		r = crm_q(c,
		    "INSERT INTO tasks (kind, body) VALUES "
		    "('calendar_sync', $1)",
		    1, p);
		PQclear(r);
		log_err(NULL, "calendar: giving up on appointment %lld: %s",
		    a->id, err);
		return;
	}
	wait = cal_cfg.retry_base_s;
	for (k = 1; k < attempts && wait < MAX_WAIT_S; k++)
		wait *= 2;
	if (wait > MAX_WAIT_S)
		wait = MAX_WAIT_S;
	p[2] = err;
	p[3] = crm_num(wb, wait);
	p[4] = crm_num(ab, attempts);
	r = crm_q(c,
	    "UPDATE calendar_sync SET attempts = $5, last_error = $3, "
	    "next_try = now() + make_interval(secs => $4), updated_at = now() "
	    "WHERE appointment_id = $1 AND seq = $2",
	    5, p);
	PQclear(r);
	log_warnx(NULL,
	    "calendar: appointment %lld not synced (try %d, next "
	    "in %ld s): %s",
	    a->id, attempts, wait, err);
}

/* Push one claimed appointment; fills *ref and err. */
static enum cal_rv
sync_one(struct crm_ctx *c, long long id, long long seq, int attempts,
    struct cal_ref *ref, char *err, size_t errlen)
{
	struct appt_row a;
	enum cal_rv rv;
	int found;

	err[0] = '\0';
	if ((found = load_row(c, id, &a)) <= 0) {
		snprintf(err, errlen, "%s", found < 0 ? c->err : "gone");
		return found < 0 ? CAL_TEMP : CAL_OK;
	}
	rv = push(c, &a, ref, err, errlen);
	if (rv != CAL_OK && err[0] == '\0')
		snprintf(err, errlen, "calendar error");
	if (rv == CAL_TEMP)
		cal_set_down();
	finish(c, &a, seq, attempts, rv, err);
	return rv;
}

json_t *
calsync_now(struct crm_ctx *c, long long id)
{
	const char *saved_code = c->code, *p[1];
	char saved_err[sizeof(c->err)], ib[24], err[300];
	struct cal_ref ref;
	enum cal_rv rv;
	json_t *res;
	PGresult *r;
	long long seq;
	int attempts;

	if (!cal_external())
		return NULL;
	memcpy(saved_err, c->err, sizeof(saved_err));
	res = json_pack("{s:s}", "engine", cal_engine->name);
	if (cal_is_down()) {
		/* it failed moments ago: do not make this caller wait */
		json_object_set_new(res, "synced", json_false());
		json_object_set_new(res, "queued", json_true());
		json_object_set_new(res, "error",
		    json_string("the calendar "
		                "is unavailable; the sync thread will retry"));
		goto out;
	}
	p[0] = crm_num(ib, id);
	r = crm_q(c,
	    "UPDATE calendar_sync SET next_try = now() + interval '" LEASE_S
	    " seconds' WHERE appointment_id = $1 AND status = "
	    "'pending' AND next_try <= now() RETURNING seq, attempts",
	    1, p);
	if (r == NULL || PQntuples(r) == 0) {
		/* the sync thread has it, or the queue could not be read */
		json_object_set_new(res, "synced", json_false());
		json_object_set_new(res, "queued", json_true());
		PQclear(r);
		goto out;
	}
	seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	attempts = atoi(PQgetvalue(r, 0, 1));
	PQclear(r);
	rv = sync_one(c, id, seq, attempts, &ref, err, sizeof(err));
	json_object_set_new(res, "synced", json_boolean(rv == CAL_OK));
	if (rv == CAL_OK) {
		if (ref.id[0])
			json_object_set_new(
			    res, "event_id", json_string(ref.id));
	} else {
		json_object_set_new(res, "queued", json_true());
		json_object_set_new(res, "error", json_string(err));
		log_warnx(c->call_id,
		    "calendar: appointment %lld kept in "
		    "PostgreSQL and queued for %s: %s",
		    id, cal_engine->name, err);
	}
out:
	c->code = saved_code;
	memcpy(c->err, saved_err, sizeof(saved_err));
	return res;
}

int
calsync_run_due(struct crm_worker *w, int max)
{
	struct crm_ctx c;
	struct cal_ref ref;
	char mb[24], err[300];
	const char *p[1];
	PGresult *r;
	int i, n, done = 0;
	long long *ids, *seqs;
	int *att;

	memset(&c, 0, sizeof(c));
	c.w = w;
	c.call_id = "";
	c.tool = "calendar_sync";
	p[0] = crm_num(mb, max > 0 ? max : BATCH);
	r = crm_q(&c,
	    "UPDATE calendar_sync SET next_try = now() + interval '" LEASE_S
	    " seconds' WHERE appointment_id IN (SELECT appointment_id "
	    "FROM calendar_sync WHERE status = 'pending' AND next_try <= now() "
	    "ORDER BY next_try LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING "
	    "appointment_id, seq, attempts",
	    1, p);
	if (r == NULL)
		return -1;
	n = PQntuples(r);
	ids = calloc((size_t)n + 1, sizeof(*ids));
	seqs = calloc((size_t)n + 1, sizeof(*seqs));
	att = calloc((size_t)n + 1, sizeof(*att));
	if (ids == NULL || seqs == NULL || att == NULL) {
		PQclear(r);
		free(ids);
		free(seqs);
		free(att);
		return -1;
	}
	for (i = 0; i < n; i++) {
		ids[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		seqs[i] = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		att[i] = atoi(PQgetvalue(r, i, 2));
	}
	PQclear(r);
	for (i = 0; i < n && thread_run; i++)
		if (sync_one(&c, ids[i], seqs[i], att[i], &ref, err,
		        sizeof(err)) == CAL_OK) {
			done++;
			cal_set_up();
			log_info(NULL,
			    "calendar: appointment %lld synced to %s", ids[i],
			    cal_engine->name);
		}
	free(ids);
	free(seqs);
	free(att);
	return done;
}

int
calsync_setup(struct crm_worker *w, char *err, size_t errlen)
{
	struct crm_ctx c;
	const char *p[2];
	PGresult *r;

	memset(&c, 0, sizeof(c));
	c.w = w;
	c.call_id = "";
	c.tool = "calendar_setup";
	p[0] = cal_engine->name;
	p[1] = cal_identity();
	/* switching to another calendar: queue what is still ahead */
	r = crm_q(&c,
	    "WITH old AS (SELECT identity FROM calendar_state), "
	    "upd AS (UPDATE calendar_state SET engine = $1, identity = $2 "
	    "RETURNING 1) INSERT INTO calendar_sync (appointment_id, op) "
	    "SELECT a.id, 'upsert' FROM appointments a, old WHERE $1 <> "
	    "'builtin' AND old.identity <> $2 AND a.status IN ('booked', "
	    "'confirmed') AND upper(a.during) > now() ON CONFLICT "
	    "(appointment_id) DO UPDATE SET status = 'pending', seq = "
	    "calendar_sync.seq + 1, attempts = 0, next_try = now()",
	    2, p);
	if (r == NULL) {
		snprintf(err, errlen, "calendar_state: %s", c.err);
		return -1;
	}
	if (atoi(PQcmdTuples(r)) > 0)
		log_info(NULL, "calendar: %s appointments queued for %s",
		    PQcmdTuples(r), cal_identity());
	PQclear(r);
	return 0;
}

static void *
thread_main(void *arg)
{
	struct crm_worker w;

	(void)arg;
	memset(&w, 0, sizeof(w));
	w.idx = -2;
	while (thread_run) {
		fd_sleep_us(300000);
		if (!crm_db_ready || !thread_run)
			continue;
		while (thread_run && calsync_run_due(&w, BATCH) > 0)
			;
	}
	crm_pg_close(&w);
	return NULL;
}

int
calsync_start(void)
{
	if (!cal_external())
		return 0;
	thread_run = 1;
	if (pthread_create(&thread, NULL, thread_main, NULL) != 0) {
		thread_run = 0;
		return -1;
	}
	return 0;
}

void
calsync_stop(void)
{
	if (!thread_run)
		return;
	thread_run = 0;
	pthread_join(thread, NULL);
}
