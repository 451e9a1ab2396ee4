/*
 * bench_floor.c - crm-bench's lower bound for a burst of bookings: the
 * PostgreSQL work of n new callers' bookings (a customer row and an
 * appointment row each, with every index, the exclusion constraint, the
 * foreign keys and the calendar trigger) done the cheapest way there is,
 * one statement per connection, nothing else running, rolled back (so not
 * even the WAL flush is counted).  No request path can answer all n
 * bookings sooner than this on the same host.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "bench/bench_floor.h"
#include "clock.h"

/* $1 first day (epoch), $2 rows, $3 tag (keeps phones and codes apart
 * between connections).  Slot s of the bays: 20 half hours a day. */
static const char floor_sql[] =
    "WITH b AS (SELECT array_agg(id ORDER BY id) AS ids FROM resources "
    "WHERE active AND kind = 'bay'), "
    "j AS (SELECT g, '+1999' || lpad(($3::int * 100000 + g)::text, 7, '0') "
    "AS phone, to_timestamp($1::bigint + (g / cardinality(b.ids) / 20) * "
    "86400 + (g / cardinality(b.ids) % 20) * 1800) AS st, "
    "b.ids[1 + g % cardinality(b.ids)] AS res FROM b, generate_series(0, "
    "$2::int - 1) g), "
    "nc AS (INSERT INTO customers (phone, first_name, last_name) SELECT "
    "phone, 'Floor', 'Caller' FROM j RETURNING id, phone) "
    "INSERT INTO appointments (customer_id, service_id, resource_id, during, "
    "idempotency_key, confirmation) SELECT nc.id, (SELECT min(id) FROM "
    "services), j.res, tstzrange(j.st, j.st + interval '30 minutes'), "
    "'floor:' || j.phone, 'FL' || $3 || '-' || j.g FROM j JOIN nc USING "
    "(phone)";

struct floor_conn {
	PGconn *pg;
	long long day; /* first day of its rows, epoch */
	int rows, tag;
	pthread_barrier_t *go;
	int ok;
	char err[160];
};

static int
exec_ok(PGconn *pg, const char *sql, char *err, size_t len)
{
	PGresult *r = PQexec(pg, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		snprintf(err, len, "%s", PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

static void *
floor_run(void *arg)
{
	struct floor_conn *f = arg;
	char day[24], rows[16], tag[16];
	const char *p[3] = {day, rows, tag};
	PGresult *r;

	snprintf(day, sizeof(day), "%lld", f->day);
	snprintf(rows, sizeof(rows), "%d", f->rows);
	snprintf(tag, sizeof(tag), "%d", f->tag);
	f->ok = exec_ok(f->pg, "BEGIN", f->err, sizeof(f->err));
	pthread_barrier_wait(f->go);
	if (f->ok) {
		r = PQexecParams(f->pg, floor_sql, 3, NULL, p, NULL, NULL, 0);
		f->ok = PQresultStatus(r) == PGRES_COMMAND_OK &&
		    atoi(PQcmdTuples(r)) == f->rows;
		if (!f->ok)
			snprintf(f->err, sizeof(f->err), "%s",
			    PQresultErrorMessage(r));
		PQclear(r);
	}
	pthread_barrier_wait(f->go);
	exec_ok(f->pg, "ROLLBACK", f->err, sizeof(f->err));
	return NULL;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One burst of n rows split over `conns` connections at once: ms, or -1. */
static double
floor_once(struct floor_conn *fc, int conns, int n, long long day, int rep,
    char *err, size_t len)
{
	pthread_barrier_t go;
	pthread_t th[FLOOR_MAX_CONNS];
	uint64_t t0, t1;
	int i, ok = 1;

	pthread_barrier_init(&go, NULL, (unsigned)conns + 1);
	for (i = 0; i < conns; i++) {
		fc[i].go = &go;
		fc[i].rows = n / conns + (i < n % conns);
		fc[i].tag = rep * FLOOR_MAX_CONNS + i;
		/* each connection its own days: no row waits on another's */
		fc[i].day = day + (long long)i * 30 * 86400;
		pthread_create(&th[i], NULL, floor_run, &fc[i]);
	}
	pthread_barrier_wait(&go);
	t0 = fd_mono_us();
	pthread_barrier_wait(&go);
	t1 = fd_mono_us();
	for (i = 0; i < conns; i++) {
		pthread_join(th[i], NULL);
		if (!fc[i].ok && ok) {
			snprintf(err, len, "%s", fc[i].err);
			ok = 0;
		}
	}
	pthread_barrier_destroy(&go);
	return ok ? (t1 - t0) / 1000.0 : -1;
}

json_t *
bench_db_floor(const char *conninfo, int n, int conns, int reps, long long day)
{
	struct floor_conn fc[FLOOR_MAX_CONNS];
	double ms[16];
	char err[160] = "";
	json_t *o;
	int i, k = 0;

	if (conns < 1 || conns > FLOOR_MAX_CONNS || reps < 1 || reps > 16)
		return NULL;
	memset(fc, 0, sizeof(fc));
	for (i = 0; i < conns; i++) {
		fc[i].pg = PQconnectdb(conninfo);
		if (PQstatus(fc[i].pg) != CONNECTION_OK) {
			snprintf(
			    err, sizeof(err), "%s", PQerrorMessage(fc[i].pg));
			goto out;
		}
	}
	/* the first burst warms every connection's caches, uncounted */
	if (floor_once(fc, conns, n, day, 0, err, sizeof(err)) < 0)
		goto out;
	for (k = 0; k < reps; k++)
		if ((ms[k] = floor_once(
		         fc, conns, n, day, k + 1, err, sizeof(err))) < 0)
			break;
out:
	for (i = 0; i < conns; i++)
		PQfinish(fc[i].pg);
	if (k < reps)
		return json_pack("{s:s}", "error", err);
	qsort(ms, (size_t)reps, sizeof(double), cmp_d);
	o = json_pack("{s:i, s:i, s:i, s:f, s:f}", "bookings", n, "connections",
	    conns, "runs", reps, "min_ms", ms[0], "median_ms", ms[reps / 2]);
	return o;
}
