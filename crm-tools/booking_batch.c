/*
 * booking_batch.c - group commit of bookings.  The first booking to arrive
 * writes alone; the ones that arrive while it is being written wait and
 * are then written by one of them in one INSERT with one durable commit.
 * Under a burst (200 callers confirming at once) that is a handful of
 * statements and WAL flushes instead of 200 of each: PostgreSQL's time per
 * statement, not per row, was what a burst queued on.
 *
 * Each row still takes the bay the ledger gave it if free, else the lowest
 * free one; a row that would overlap another (a bay taken behind the
 * ledger's back, a key or confirmation code already used) is skipped by ON
 * CONFLICT DO NOTHING -- the exclusion constraint still decides -- and that
 * booking is retried the single way.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "booking.h"
#include "log.h"

#define BATCH_MAX 256

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct book_job *head, *tail;
static int writing;             /* a group is being written */
static struct crm_worker batch_w = { .idx = -3 };

static const char batch_sql[] =
    "WITH sc AS (SELECT set_config('synchronous_commit', 'on', true)), "
    "j AS (SELECT * FROM json_to_recordset($1::json) AS j(ord int, cust "
    "bigint, vid bigint, sid int, st bigint, en bigint, call text, idem text, "
    "conf text, notes text, want int)), "
    /* every quarter any row touches, in order (as BAY_LOCKS) */
    "lk AS (SELECT count(pg_advisory_xact_lock(" BAY_LOCK_KEY ", q)) FROM "
    "(SELECT DISTINCT generate_series((st / " LOCK_QUARTER_S ")::int, ((en - "
    "1) / " LOCK_QUARTER_S ")::int) q FROM j ORDER BY 1) qs), "
    "ins AS (INSERT INTO appointments (customer_id, vehicle_id, service_id, "
    "resource_id, during, source_call_sid, idempotency_key, confirmation, "
    "notes) SELECT j.cust, j.vid, j.sid, b.id, tstzrange(to_timestamp(j.st), "
    "to_timestamp(j.en)), j.call, j.idem, j.conf, j.notes FROM sc, lk, j "
    "CROSS JOIN LATERAL (SELECT r.id FROM resources r WHERE r.active AND "
    "r.kind = 'bay' AND NOT EXISTS (SELECT 1 FROM appointments b WHERE "
    "b.resource_id = r.id AND b.status IN " ACTIVE " AND b.during && "
    "tstzrange(to_timestamp(j.st), to_timestamp(j.en))) ORDER BY (r.id = "
    "j.want) DESC, r.id LIMIT 1) b ORDER BY j.ord ON CONFLICT DO NOTHING "
    "RETURNING *) "
    "SELECT a.confirmation, " APPT_JSON ", a.resource_id FROM ins a JOIN "
    "services s ON s.id = a.service_id JOIN resources r ON r.id = "
    "a.resource_id LEFT JOIN vehicles v ON v.id = a.vehicle_id";

static json_t *
opt_str(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* Write the group g (n jobs) on the group's connection; every job ends
 * with state JOB_DONE and its result in appt/res (res -1: the group
 * failed). */
static void
write_group(struct crm_ctx *owner, struct book_job **g, int n)
{
	struct crm_ctx c;
	json_error_t je;
	json_t *rows, *row;
	const char *p[1];
	PGresult *r;
	char *js;
	int i, k, written;

	for (i = 0; i < n; i++)
		g[i]->res = -1;
	rows = json_array();
	for (i = 0; i < n; i++) {
		row = json_pack("{s:i, s:I, s:o, s:i, s:I, s:I, s:o, s:o, s:s, "
		    "s:o, s:i}", "ord", i, "cust", (json_int_t)g[i]->cust,
		    "vid", g[i]->vid > 0 ? json_integer(g[i]->vid) :
		    json_null(), "sid", g[i]->sid, "st",
		    (json_int_t)g[i]->start, "en", (json_int_t)(g[i]->start +
		    g[i]->dur_s), "call", opt_str(g[i]->call_id), "idem",
		    opt_str(g[i]->idem), "conf", g[i]->conf, "notes",
		    opt_str(g[i]->notes), "want", g[i]->want);
		json_array_append_new(rows, row);
	}
	js = json_dumps(rows, JSON_COMPACT);
	json_decref(rows);
	memset(&c, 0, sizeof(c));
	c.w = &batch_w;
	c.call_id = owner->call_id;
	c.tool = owner->tool;
	p[0] = js;
	r = js ? crm_q(&c, batch_sql, 1, p) : NULL;
	free(js);
	if (r == NULL) {
		log_warnx(owner->call_id, "booking group of %d: %s%s%s, each "
		    "is written alone", n, c.code ? c.code : "no memory",
		    c.sqlstate[0] ? " " : "", c.sqlstate);
		return;
	}
	for (i = 0; i < n; i++)
		g[i]->res = 0;          /* not written unless returned */
	written = PQntuples(r);
	for (k = 0; k < written; k++) {
		for (i = 0; i < n; i++)
			if (g[i]->appt == NULL &&
			    strcmp(g[i]->conf, PQgetvalue(r, k, 0)) == 0)
				break;
		if (i == n)
			continue;
		g[i]->appt = json_loads(PQgetvalue(r, k, 1), 0, &je);
		g[i]->res = atoi(PQgetvalue(r, k, 2));
		if (g[i]->appt == NULL) {
			/* out of memory: the row is in; the single way meets
			 * its key (23505) and returns it as the booking */
			log_err(owner->call_id, "booking group: reply of %s: "
			    "%s", g[i]->conf, je.text);
			g[i]->res = -1;
		}
	}
	PQclear(r);
	if (n > 1)
		log_info(owner->call_id, "booking group of %d: %d written", n,
		    written);
}

int
book_batch(struct crm_ctx *c, struct book_job *j)
{
	struct book_job *g[BATCH_MAX];
	int n;

	/* the connection the request borrowed (its customer is written) goes
	 * back to the pool: the others of the group need it */
	crm_conn_release(c);
	j->appt = NULL;
	j->res = -1;
	j->next = NULL;
	j->state = JOB_QUEUED;
	pthread_mutex_lock(&mu);
	if (tail)
		tail->next = j;
	else
		head = j;
	tail = j;
	while (j->state != JOB_DONE) {
		if (writing) {
			pthread_cond_wait(&cv, &mu);
			continue;
		}
		/* nobody writes: this request writes every job queued */
		writing = 1;
		for (n = 0; head != NULL && n < BATCH_MAX; n++) {
			g[n] = head;
			g[n]->state = JOB_RUNNING;
			head = head->next;
		}
		if (head == NULL)
			tail = NULL;
		pthread_mutex_unlock(&mu);
		write_group(c, g, n);
		pthread_mutex_lock(&mu);
		while (n-- > 0)
			g[n]->state = JOB_DONE;
		writing = 0;
		pthread_cond_broadcast(&cv);
	}
	pthread_mutex_unlock(&mu);
	if (j->res < 0)
		return -1;
	if (j->appt == NULL)
		return 0;
	c->wrote = 0;           /* the group's commit flushed the WAL */
	return 1;
}

void
book_batch_close(void)
{
	pthread_mutex_lock(&mu);
	while (writing)
		pthread_cond_wait(&cv, &mu);
	crm_pg_close(&batch_w);
	pthread_mutex_unlock(&mu);
}
