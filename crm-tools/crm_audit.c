/*
 * crm_audit.c - the tool_calls audit, written off the reply path.  A worker
 * queues one row per invocation and answers at once; one writer thread with
 * its own PostgreSQL connection inserts the queue in batches.  That
 * connection alone runs with synchronous_commit=off (an audit row may be
 * lost with the last fraction of a second before an OS crash; bookings,
 * messages and the call record keep committing durably on the workers).
 *
 * No row is dropped silently: a batch that fails is retried row by row and
 * each row that still fails is logged; while PostgreSQL is down rows wait
 * in memory (up to AUDIT_MAX_QUEUED; past that each dropped row is counted
 * and logged); stop drains the queue.  Readers of tool_calls (get_call)
 * call crm_audit_sync() first so they see every row queued before them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "clock.h"
#include "crm.h"
#include "log.h"

#define AUDIT_BATCH 128 /* rows per INSERT */
#define AUDIT_MAX_QUEUED 50000 /* rows kept while PG is down */
#define AUDIT_RETRY_US 1000000
#define AUDIT_STOP_DRAIN_S 5 /* how long stop waits for PG */
#define AUDIT_NCOLS 8

struct audit_row {
	struct audit_row *next;
	const char *col[AUDIT_NCOLS]; /* into the same allocation */
	char data[];
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t more; /* rows queued or stop */
	pthread_cond_t done; /* written_seq advanced */
	struct audit_row *head, *tail;
	int queued;
	unsigned long long pushed_seq; /* rows ever queued */
	unsigned long long written_seq; /* rows written or given up on */
	unsigned long long dropped; /* dropped since the last report */
	int running, stop;
	int down; /* the writer cannot reach PostgreSQL */
	pthread_t thr;
	PGconn *pg;
	char
	    prepared[AUDIT_BATCH + 1]; /* INSERT of n rows prepared as "a<n>" */
} q = {.mu = PTHREAD_MUTEX_INITIALIZER,
    .more = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER};

static void *writer_main(void *arg);
static int write_batch(struct audit_row **rows, int n);
static int audit_pg_ok(void);

int
crm_audit_start(void)
{
	pthread_mutex_lock(&q.mu);
	q.stop = 0;
	if (!q.running && pthread_create(&q.thr, NULL, writer_main, NULL) == 0)
		q.running = 1;
	pthread_mutex_unlock(&q.mu);
	return q.running ? 0 : -1;
}

void
crm_audit_stop(void)
{
	pthread_mutex_lock(&q.mu);
	if (!q.running) {
		pthread_mutex_unlock(&q.mu);
		return;
	}
	q.stop = 1;
	pthread_cond_broadcast(&q.more);
	pthread_mutex_unlock(&q.mu);
	pthread_join(q.thr, NULL);
	q.running = 0;
	if (q.pg)
		PQfinish(q.pg);
	q.pg = NULL;
}

void
crm_audit_push(const char *call_sid, const char *tool, const char *args,
    const char *result, int ok, const char *code, long long latency_us)
{
	const char *in[AUDIT_NCOLS];
	char lat[24], at[40];
	struct audit_row *r;
	struct timeval tv;
	size_t len[AUDIT_NCOLS], total = 0;
	char *p;
	int i;

	gettimeofday(&tv, NULL);
	snprintf(lat, sizeof(lat), "%lld", latency_us);
	snprintf(at, sizeof(at), "%lld.%06ld", (long long)tv.tv_sec,
	    (long)tv.tv_usec);
	in[0] = call_sid && *call_sid ? call_sid : NULL;
	in[1] = tool;
	in[2] = args;
	in[3] = result;
	in[4] = ok ? "true" : "false";
	in[5] = code;
	in[6] = lat;
	in[7] = at;
	for (i = 0; i < AUDIT_NCOLS; i++) {
		len[i] = in[i] ? strlen(in[i]) + 1 : 0;
		total += len[i];
	}
	if ((r = malloc(sizeof(*r) + total)) == NULL) {
		log_warnx(
		    call_sid, "audit of %s not written: out of memory", tool);
		return;
	}
	r->next = NULL;
	for (i = 0, p = r->data; i < AUDIT_NCOLS; i++) {
		r->col[i] = in[i] ? p : NULL;
		if (in[i]) {
			memcpy(p, in[i], len[i]);
			p += len[i];
		}
	}
	pthread_mutex_lock(&q.mu);
	if (!q.running || q.queued >= AUDIT_MAX_QUEUED) {
		if (q.dropped++ == 0)
			log_warnx(call_sid,
			    "audit: %s, dropping audit rows "
			    "(%s first)",
			    q.running ? "queue full (database "
			                "down?)"
			              : "writer not running",
			    tool);
		pthread_mutex_unlock(&q.mu);
		free(r);
		return;
	}
	if (q.tail)
		q.tail->next = r;
	else
		q.head = r;
	q.tail = r;
	q.queued++;
	q.pushed_seq++;
	/* the writer sleeps only on an empty queue (rows queued while it
	 * writes are taken with the next batch): wake it for the first row */
	if (q.queued == 1)
		pthread_cond_signal(&q.more);
	pthread_mutex_unlock(&q.mu);
}

int
crm_audit_sync(int timeout_ms)
{
	unsigned long long want;
	struct timespec ts;
	int rv = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q.mu);
	want = q.pushed_seq;
	/* while PostgreSQL is down nothing will be written: no waiting */
	while (q.running && q.written_seq < want && rv == 0 && !q.down)
		rv = pthread_cond_timedwait(&q.done, &q.mu, &ts);
	rv = q.written_seq >= want ? 0 : -1;
	pthread_mutex_unlock(&q.mu);
	return rv;
}

static void *
writer_main(void *arg)
{
	struct audit_row *batch[AUDIT_BATCH], *r;
	uint64_t stop_at = 0;
	int n, i, done, stopping;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&q.mu);
		while (q.head == NULL && !q.stop)
			pthread_cond_wait(&q.more, &q.mu);
		stopping = q.stop;
		if (q.head == NULL) {
			pthread_mutex_unlock(&q.mu);
			break;
		}
		for (n = 0; n < AUDIT_BATCH && q.head; n++) {
			batch[n] = q.head;
			q.head = q.head->next;
		}
		if (q.head == NULL)
			q.tail = NULL;
		pthread_mutex_unlock(&q.mu);

		done = crm_db_ready ? write_batch(batch, n) : 0;
		for (i = 0; i < done; i++)
			free(batch[i]);
		pthread_mutex_lock(&q.mu);
		q.down = done < n;
		q.queued -= done;
		q.written_seq += (unsigned long long)done;
		if (q.dropped && q.queued < AUDIT_MAX_QUEUED / 2) {
			log_warnx(NULL,
			    "audit: %llu audit rows were dropped "
			    "while the queue was full",
			    q.dropped);
			q.dropped = 0;
		}
		pthread_cond_broadcast(&q.done);
		if (done == n) {
			pthread_mutex_unlock(&q.mu);
			continue;
		}
		/* PostgreSQL down: put the rest back in front, try later */
		batch[n - 1]->next = q.head;
		for (i = n - 1; i > done; i--)
			batch[i - 1]->next = batch[i];
		q.head = batch[done];
		if (q.tail == NULL)
			q.tail = batch[n - 1];
		if (stopping && stop_at == 0)
			stop_at =
			    fd_mono_us() + AUDIT_STOP_DRAIN_S * 1000000ULL;
		if (stopping && fd_mono_us() >= stop_at) {
			log_warnx(NULL,
			    "audit: stopping with the database "
			    "down: %d audit rows not written",
			    q.queued);
			pthread_mutex_unlock(&q.mu);
			break;
		}
		pthread_mutex_unlock(&q.mu);
		fd_sleep_us(stopping ? 100000 : AUDIT_RETRY_US);
	}
	/* whatever is left (stop with PG down) counts as given up on */
	pthread_mutex_lock(&q.mu);
	while ((r = q.head) != NULL) {
		q.head = r->next;
		free(r);
	}
	q.tail = NULL;
	q.written_seq = q.pushed_seq;
	q.queued = 0;
	pthread_cond_broadcast(&q.done);
	pthread_mutex_unlock(&q.mu);
	return NULL;
}

/* INSERT rows [0, n) in one statement (its own transaction).  0 ok,
 * -1 connection trouble, 1 the server refused the statement. */
static int
insert_rows(struct audit_row **rows, int n)
{
	const char *p[AUDIT_BATCH * AUDIT_NCOLS];
	char sql[64 + AUDIT_BATCH * 90], name[16];
	size_t o;
	PGresult *res;
	int i, j, k, rv;

	o = (size_t)snprintf(sql, sizeof(sql),
	    "INSERT INTO tool_calls "
	    "(call_sid, tool, args, result, ok, code, latency_us, at) VALUES ");
	for (i = 0, k = 0; i < n; i++) {
		o += (size_t)snprintf(sql + o, sizeof(sql) - o,
		    "%s($%d, $%d, "
		    "$%d::jsonb, $%d::jsonb, $%d, $%d, $%d, to_timestamp($%d))",
		    i ? ", " : "", k + 1, k + 2, k + 3, k + 4, k + 5, k + 6,
		    k + 7, k + 8);
		for (j = 0; j < AUDIT_NCOLS; j++)
			p[k++] = rows[i]->col[j];
	}
	snprintf(name, sizeof(name), "a%d", n);
	if (!q.prepared[n]) {
		res = PQprepare(q.pg, name, sql, k, NULL);
		q.prepared[n] = PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
	}
	if (q.prepared[n])
		res = PQexecPrepared(q.pg, name, k, p, NULL, NULL, 0);
	else
		res = PQexecParams(q.pg, sql, k, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
		rv = 0;
	else if (PQstatus(q.pg) != CONNECTION_OK)
		rv = -1;
	else
		rv = 1;
	if (rv == 1 && n == 1)
		log_warnx(rows[0]->col[0], "audit of %s not written: %s",
		    rows[0]->col[1], PQresultErrorMessage(res));
	PQclear(res);
	return rv;
}

/* How many rows from the front are done: written, or refused by the
 * server and logged; fewer than n when the connection failed. */
static int
write_batch(struct audit_row **rows, int n)
{
	int i, rv;

	if (!audit_pg_ok())
		return 0;
	if ((rv = insert_rows(rows, n)) == 0)
		return n;
	if (rv < 0)
		return 0;
	/* one bad row must not cost the others theirs */
	for (i = 0; i < n; i++)
		if (insert_rows(rows + i, 1) < 0)
			return i;
	return n;
}

static int
audit_pg_ok(void)
{
	static const char *const keys[] = {
	    "dbname", "connect_timeout", "application_name", "options", NULL};
	const char *vals[5];
	static int down;

	if (q.pg && PQstatus(q.pg) == CONNECTION_OK)
		return 1;
	if (q.pg)
		PQfinish(q.pg);
	memset(q.prepared, 0, sizeof(q.prepared));
	vals[0] = crm_cfg.database;
	vals[1] = "2";
	vals[2] = "crm-tools-audit";
	/* this connection writes audit rows only */
	vals[3] = "-c synchronous_commit=off";
	vals[4] = NULL;
	q.pg = PQconnectdbParams(keys, vals, 1);
	if (q.pg == NULL || PQstatus(q.pg) != CONNECTION_OK) {
		if (!down)
			log_warnx(NULL,
			    "audit: cannot connect: %s; audit rows "
			    "wait in memory",
			    q.pg ? PQerrorMessage(q.pg) : "no memory");
		down = 1;
		PQfinish(q.pg);
		q.pg = NULL;
		return 0;
	}
	if (down)
		log_info(NULL, "audit: connected again");
	down = 0;
	return 1;
}
