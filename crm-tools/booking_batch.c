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
static int writing; /* a group is being written */
static struct crm_worker batch_w = {.idx = -3};

/* A new caller's customer (cust null) is created first, ON CONFLICT DO
 * NOTHING: a row whose phone is somebody's by now gets no customer, no
 * call identity and no booking (cid null), and is done the single way.
 * Every row comes back, with its customer and, when written, its
 * booking. */
static const char batch_sql[] =
    "WITH sc AS (SELECT set_config('synchronous_commit', 'on', true)), "
    "j AS (SELECT * FROM json_to_recordset($1::json) AS j(ord int, cust "
    "bigint, vid bigint, sid int, st bigint, en bigint, call text, idem text, "
    "conf text, notes text, want int, nphone text, nfirst text, nlast text, "
    "nemail text, ncol int)), "
    "nc AS (INSERT INTO customers (phone, first_name, last_name, email) "
    "SELECT nphone, nfirst, nlast, nemail FROM j WHERE cust IS NULL ORDER BY "
    "ord ON CONFLICT (phone) DO NOTHING RETURNING id, phone), "
    "jc AS (SELECT j.*, coalesce(j.cust, nc.id) AS cid FROM j LEFT JOIN nc "
    "ON j.cust IS NULL AND nc.phone = j.nphone), "
    "up AS (UPDATE calls SET caller_customer_id = CASE WHEN jc.ncol = 1 THEN "
    "jc.cid ELSE calls.caller_customer_id END, verified_customer_id = CASE "
    "WHEN jc.ncol = 2 THEN jc.cid ELSE calls.verified_customer_id END FROM "
    "jc WHERE jc.cust IS NULL AND jc.cid IS NOT NULL AND jc.ncol > 0 AND "
    "calls.call_sid = jc.call), "
    /* every quarter any row touches, in order (as BAY_LOCKS) */
    "lk AS (SELECT count(pg_advisory_xact_lock(" BAY_LOCK_KEY ", q)) FROM "
    "(SELECT DISTINCT generate_series((st / " LOCK_QUARTER_S ")::int, ((en - "
    "1) / " LOCK_QUARTER_S ")::int) q FROM j ORDER BY 1) qs), "
    "ins AS (INSERT INTO appointments (customer_id, vehicle_id, service_id, "
    "resource_id, during, source_call_sid, idempotency_key, confirmation, "
    "notes) SELECT j.cid, j.vid, j.sid, b.id, tstzrange(to_timestamp(j.st), "
    "to_timestamp(j.en)), j.call, j.idem, j.conf, j.notes FROM sc, lk, jc j "
    "CROSS JOIN LATERAL (SELECT r.id FROM resources r WHERE r.active AND "
    "r.kind = 'bay' AND NOT EXISTS (SELECT 1 FROM appointments b WHERE "
    "b.resource_id = r.id AND b.status IN " ACTIVE " AND b.during && "
    "tstzrange(to_timestamp(j.st), to_timestamp(j.en))) ORDER BY (r.id = "
    "j.want) DESC, r.id LIMIT 1) b WHERE j.cid IS NOT NULL ORDER BY j.ord "
    "ON CONFLICT DO NOTHING RETURNING *) "
    "SELECT jc.ord, jc.cid, CASE WHEN a.id IS NULL THEN NULL ELSE " APPT_JSON
    " END, a.resource_id FROM jc LEFT JOIN ins a ON "
    "a.confirmation = jc.conf AND a.customer_id = jc.cid LEFT JOIN services "
    "s ON s.id = a.service_id LEFT JOIN resources r ON r.id = a.resource_id "
    "LEFT JOIN vehicles v ON v.id = a.vehicle_id";

static json_t *
opt_str(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static int
same(const char *a, const char *b)
{
	return a && b && *a && strcmp(a, b) == 0;
}

/* 1 if job i cannot go in the group with the jobs before it: two new
 * customers with one phone or on one call (each is somebody else's
 * customer or identity: the single way sorts them out), or a confirmation
 * code twice. */
static int
clashes(struct book_job **g, int i)
{
	int k;

	for (k = 0; k < i; k++) {
		if (strcmp(g[k]->conf, g[i]->conf) == 0)
			return 1;
		if (g[i]->cust == 0 && g[k]->cust == 0 &&
		    (same(g[k]->nphone, g[i]->nphone) ||
		        same(g[k]->call_id, g[i]->call_id)))
			return 1;
	}
	return 0;
}

static json_t *
job_row(struct book_job *b, int i)
{
	json_t *row, *nc;

	row = json_pack("{s:i, s:o, s:o, s:i, s:I, s:I, s:o, s:o, s:s, s:o, "
	                "s:i}",
	    "ord", i, "cust", b->cust > 0 ? json_integer(b->cust) : json_null(),
	    "vid", b->vid > 0 ? json_integer(b->vid) : json_null(), "sid",
	    b->sid, "st", (json_int_t)b->start, "en",
	    (json_int_t)(b->start + b->dur_s), "call", opt_str(b->call_id),
	    "idem", opt_str(b->idem), "conf", b->conf, "notes",
	    opt_str(b->notes), "want", b->want);
	if (row == NULL || b->cust > 0)
		return row;
	nc = json_pack("{s:s?, s:s?, s:s?, s:o, s:i}", "nphone", b->nphone,
	    "nfirst", b->nfirst, "nlast", b->nlast, "nemail",
	    opt_str(b->nemail), "ncol", b->ncol);
	if (nc == NULL || json_object_update(row, nc) != 0) {
		json_decref(nc);
		json_decref(row);
		return NULL;
	}
	json_decref(nc);
	return row;
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
	int i, k, written, made;

	rows = json_array();
	for (i = 0; i < n; i++) {
		g[i]->res = -1;
		g[i]->new_cust = 0;
		if (clashes(g, i))
			g[i]->res = 0; /* not in the group: the single way */
		else if ((row = job_row(g[i], i)) != NULL)
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
		log_warnx(owner->call_id,
		    "booking group of %d: %s%s%s, each "
		    "is written alone",
		    n, c.code ? c.code : "no memory", c.sqlstate[0] ? " " : "",
		    c.sqlstate);
		return;
	}
	for (i = 0; i < n; i++)
		g[i]->res = 0; /* not written unless returned */
	written = made = 0;
	for (k = 0; k < PQntuples(r); k++) {
		i = atoi(PQgetvalue(r, k, 0));
		if (i < 0 || i >= n || g[i]->appt != NULL)
			continue;
		if (g[i]->cust == 0 && !PQgetisnull(r, k, 1)) {
			g[i]->new_cust = strtoll(PQgetvalue(r, k, 1), NULL, 10);
			made++;
		}
		if (PQgetisnull(r, k, 2))
			continue;
		written++;
		g[i]->appt = json_loads(PQgetvalue(r, k, 2), 0, &je);
		g[i]->res = atoi(PQgetvalue(r, k, 3));
		if (g[i]->appt == NULL) {
			/* out of memory: the row is in; the single way meets
			 * its key (23505) and returns it as the booking */
			log_err(owner->call_id,
			    "booking group: reply of %s: "
			    "%s",
			    g[i]->conf, je.text);
			g[i]->res = -1;
		}
	}
	PQclear(r);
	if (n > 1)
		log_info(owner->call_id,
		    "booking group of %d: %d written, %d "
		    "new customers",
		    n, written, made);
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
	c->wrote = 0; /* the group's commit flushed the WAL */
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
