/*
 * crm_db.c - one PostgreSQL connection per crm-tools worker: connect on
 * demand with a short timeout, reconnect at most once a second while the
 * server is down, and run only parameterised queries.  Each distinct SQL
 * text is prepared once per connection (PQprepare) and then only bound and
 * executed: parsing and planning were most of PostgreSQL's work per tool.
 * The session time zone is the business's, so fd_local() renders local time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "daemon.h"
#include "log.h"
#include "strmap.h"

#define STMT_SLOTS 512 /* power of two; distinct SQL texts */
#define STMT_MAX (STMT_SLOTS / 2) /* past this, unprepared queries */

/* The statements prepared on a worker's connection, by SQL text. */
struct crm_stmts {
	struct stmt {
		char *sql; /* NULL: free slot */
		unsigned hash;
		int failed; /* PQprepare refused: exec unprepared */
	} slot[STMT_SLOTS];
	int n;
};

static void
stmts_clear(struct crm_worker *w)
{
	int i;

	if (w->stmts == NULL)
		return;
	for (i = 0; i < STMT_SLOTS; i++)
		free(w->stmts->slot[i].sql);
	free(w->stmts);
	w->stmts = NULL;
}

static unsigned
sql_hash(const char *s)
{
	return fd_str_hash(s);
}

/* Run sql prepared: its statement name is "s<slot>".  Returns NULL when it
 * cannot be prepared (the caller runs it unprepared, which reports any
 * error the usual way). */
static PGresult *
exec_prepared(
    struct crm_worker *w, const char *sql, int n, const char *const *p)
{
	unsigned h = sql_hash(sql), i;
	struct stmt *st;
	PGresult *r;
	char name[16];
	const char *code;

	if (w->stmts == NULL &&
	    (w->stmts = calloc(1, sizeof(*w->stmts))) == NULL)
		return NULL;
	for (i = h & (STMT_SLOTS - 1);; i = (i + 1) & (STMT_SLOTS - 1)) {
		st = &w->stmts->slot[i];
		if (st->sql == NULL ||
		    (st->hash == h && strcmp(st->sql, sql) == 0))
			break;
	}
	if (st->sql != NULL && st->failed)
		return NULL;
	snprintf(name, sizeof(name), "s%u", i);
	if (st->sql == NULL) {
		if (w->stmts->n >= STMT_MAX || (st->sql = strdup(sql)) == NULL)
			return NULL;
		st->hash = h;
		w->stmts->n++;
		r = PQprepare(w->pg, name, sql, n, NULL);
		st->failed = PQresultStatus(r) != PGRES_COMMAND_OK;
		PQclear(r);
		if (st->failed)
			return NULL;
	}
	r = PQexecPrepared(w->pg, name, n, p, NULL, NULL, 0);
	/* a cached plan a schema change invalidated in a way PostgreSQL
	 * cannot replan: forget it, run this one unprepared */
	if (PQresultStatus(r) == PGRES_FATAL_ERROR &&
	    PQstatus(w->pg) == CONNECTION_OK &&
	    (code = PQresultErrorField(r, PG_DIAG_SQLSTATE)) != NULL &&
	    (strcmp(code, "0A000") == 0 || strcmp(code, "26000") == 0)) {
		PQclear(r);
		st->failed = 1;
		return NULL;
	}
	return r;
}

static void
set_timezone(PGconn *pg)
{
	const char *tz =
	    fd_common.timezone[0] ? fd_common.timezone : getenv("TZ");
	const char *p[1];
	PGresult *r;

	if (tz == NULL || *tz == '\0')
		tz = "UTC";
	p[0] = tz;
	r = PQexecParams(pg, "SELECT set_config('TimeZone', $1, false)", 1,
	    NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		log_warnx(NULL, "db: time zone %s: %s", tz, PQerrorMessage(pg));
	PQclear(r);
}

/* A worker's commits do not wait for the WAL flush: a booking's bay locks
 * and rows are free for the next request at once, and the flush that
 * crm_flush() waits for before the reply is shared by every commit that
 * is waiting (group commit) instead of one per statement. */
static void
set_async(PGconn *pg)
{
	PGresult *r;

	r = PQexec(pg, "SET synchronous_commit = off");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		log_warnx(
		    NULL, "db: asynchronous commit: %s", PQerrorMessage(pg));
	PQclear(r);
}

static void
ignore_notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug(NULL, "db: %s", msg);
}

int
crm_pg_ok(struct crm_worker *w)
{
	static const char *const keys[] = {
	    "dbname", "connect_timeout", "application_name", NULL};
	const char *vals[4];
	time_t now;

	if (w->pg && PQstatus(w->pg) == CONNECTION_OK)
		return 1;
	now = time(NULL);
	if (w->pg) {
		PQfinish(w->pg);
		w->pg = NULL;
	}
	stmts_clear(w);
	if (now < w->pg_retry_at)
		return 0;
	vals[0] = crm_cfg.database;
	vals[1] = "2";
	vals[2] = "crm-tools";
	vals[3] = NULL;
	w->pg = PQconnectdbParams(keys, vals, 1);
	if (w->pg == NULL || PQstatus(w->pg) != CONNECTION_OK) {
		if (!w->pg_down)
			log_warnx(NULL, "db: worker %d: cannot connect: %s",
			    w->idx,
			    w->pg ? PQerrorMessage(w->pg) : "no memory");
		w->pg_down = 1;
		w->pg_retry_at = now + 1;
		PQfinish(w->pg);
		w->pg = NULL;
		return 0;
	}
	PQsetNoticeProcessor(w->pg, ignore_notice, NULL);
	set_timezone(w->pg);
	if (w->idx >= 0)
		set_async(w->pg);
	if (w->pg_down)
		log_info(NULL, "db: worker %d: connected again", w->idx);
	w->pg_down = 0;
	return 1;
}

void
crm_pg_close(struct crm_worker *w)
{
	if (w->pg)
		PQfinish(w->pg);
	w->pg = NULL;
	stmts_clear(w);
}

PGresult *
crm_q(struct crm_ctx *c, const char *sql, int n, const char *const *p)
{
	struct crm_worker *w = crm_conn(c);
	ExecStatusType st;
	PGresult *r;
	const char *s;

	c->sqlstate[0] = '\0';
	c->constraint[0] = '\0';
	if (!crm_pg_ok(w)) {
		crm_fail(c, "db_unavailable", "the database is unavailable");
		return NULL;
	}
	c->queries++;
	if ((r = exec_prepared(w, sql, n, p)) == NULL)
		r = PQexecParams(w->pg, sql, n, NULL, p, NULL, NULL, 0);
	st = PQresultStatus(r);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		if (strstr(sql, "INSERT INTO") || strstr(sql, "UPDATE ") ||
		    strstr(sql, "DELETE FROM"))
			c->wrote = 1;
		return r;
	}
	if (PQstatus(w->pg) != CONNECTION_OK) {
		log_warnx(c->call_id, "db: worker %d: connection lost: %s",
		    w->idx, PQerrorMessage(w->pg));
		w->pg_down = 1;
		PQclear(r);
		crm_pg_close(w);
		crm_fail(c, "db_unavailable", "the database is unavailable");
		return NULL;
	}
	if ((s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) != NULL)
		snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", s);
	if ((s = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME)) != NULL)
		snprintf(c->constraint, sizeof(c->constraint), "%s", s);
	/* constraint violations are answers the tools handle, not faults */
	if (strncmp(c->sqlstate, "23", 2) != 0)
		log_err(c->call_id, "db: %s: %s", c->tool ? c->tool : "-",
		    PQresultErrorMessage(r));
	PQclear(r);
	crm_fail(c, "db_error", "database error");
	return NULL;
}

/* A transaction that writes a little WAL and commits synchronously: its
 * flush covers every earlier commit of this connection (WAL is one
 * sequence).  A transaction without WAL of its own would not flush. */
int
crm_flush(struct crm_ctx *c)
{
	PGresult *r;

	r = crm_q(c,
	    "SELECT set_config('synchronous_commit', 'on', true), "
	    "pg_logical_emit_message(true, 'frontdesk', 'flush')",
	    0, NULL);
	if (r == NULL)
		return -1;
	PQclear(r);
	c->wrote = 0;
	return 0;
}

json_t *
crm_qjson(struct crm_ctx *c, const char *sql, int n, const char *const *p)
{
	json_error_t je;
	PGresult *r;
	json_t *j;

	if ((r = crm_q(c, sql, n, p)) == NULL)
		return NULL;
	if (PQntuples(r) == 0 || PQnfields(r) == 0 || PQgetisnull(r, 0, 0)) {
		PQclear(r);
		return json_null();
	}
	j = json_loads(PQgetvalue(r, 0, 0), JSON_DECODE_ANY, &je);
	PQclear(r);
	if (j == NULL)
		return crm_fail(c, "internal", "bad JSON from the database");
	return j;
}

int
crm_qll(struct crm_ctx *c, const char *sql, int n, const char *const *p,
    long long *out)
{
	PGresult *r;
	int found = 0;

	if ((r = crm_q(c, sql, n, p)) == NULL)
		return -1;
	if (PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0)) {
		*out = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		found = 1;
	}
	PQclear(r);
	return found;
}

const char *
crm_id(char *buf, long long v)
{
	if (v <= 0)
		return NULL;
	snprintf(buf, 24, "%lld", v);
	return buf;
}

const char *
crm_num(char *buf, long long v)
{
	snprintf(buf, 24, "%lld", v);
	return buf;
}
