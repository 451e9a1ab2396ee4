/*
 * crm_schema.c - bring the database to the schema this binary expects:
 * apply the embedded migrations in order (each in a transaction, recorded
 * in schema_migrations, serialised between processes by an advisory lock),
 * copy the business config (services, bays, hours, holidays) into its
 * tables, and load the demo seed.  Runs on crm-tools' main thread at start
 * and whenever PostgreSQL comes back before the first success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "daemon.h"
#include "ledger.h"
#include "crm-tools/sql_embed.h"
#include "log.h"

#define MIGRATION_LOCK "7726001"

/* Run sql (may hold several statements, no parameters). */
static int
exec_plain(PGconn *pg, const char *sql, char *err, size_t errlen)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

static int
exec_params(PGconn *pg, const char *sql, int n, const char *const *p,
    PGresult **out, char *err, size_t errlen)
{
	PGresult *r = PQexecParams(pg, sql, n, NULL, p, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	if (out)
		*out = r;
	else
		PQclear(r);
	return 0;
}

static void
rollback(PGconn *pg)
{
	PGresult *r = PQexec(pg, "ROLLBACK");

	PQclear(r);
}

int
crm_migrate(struct crm_worker *w, char *err, size_t errlen)
{
	char vb[16];
	const char *p[2];
	PGresult *r;
	int i, have, rv = -1;

	if (!crm_pg_ok(w)) {
		snprintf(err, errlen, "cannot connect to %s", crm_cfg.database);
		return -1;
	}
	if (exec_plain(w->pg, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")",
	        err, errlen) != 0)
		return -1;
	if (exec_plain(w->pg,
	        "SET client_min_messages = warning; "
	        "CREATE TABLE IF NOT EXISTS schema_migrations (version int "
	        "PRIMARY "
	        "KEY, name text NOT NULL, applied_at timestamptz NOT NULL "
	        "DEFAULT "
	        "now())",
	        err, errlen) != 0)
		goto out;
	for (i = 0; i < crm_nmigrations; i++) {
		snprintf(vb, sizeof(vb), "%d", crm_migrations[i].version);
		p[0] = vb;
		p[1] = crm_migrations[i].name;
		if (exec_params(w->pg,
		        "SELECT 1 FROM schema_migrations WHERE "
		        "version = $1",
		        1, p, &r, err, errlen) != 0)
			goto out;
		have = PQntuples(r) > 0;
		PQclear(r);
		if (have)
			continue;
		if (exec_plain(w->pg, "BEGIN", err, errlen) != 0)
			goto out;
		if (exec_plain(w->pg, crm_migrations[i].sql, err, errlen) !=
		        0 ||
		    exec_params(w->pg,
		        "INSERT INTO schema_migrations (version, "
		        "name) VALUES ($1, $2)",
		        2, p, NULL, err, errlen) != 0 ||
		    exec_plain(w->pg, "COMMIT", err, errlen) != 0) {
			char e2[256];

			snprintf(e2, sizeof(e2), "%s: %s",
			    crm_migrations[i].name, err);
			snprintf(err, errlen, "%s", e2);
			rollback(w->pg);
			goto out;
		}
		log_info(NULL, "schema: applied %s", crm_migrations[i].name);
	}
	rv = 0;
out:
	r = PQexec(w->pg, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")");
	PQclear(r);
	return rv;
}

/* "{"a","b"}" text form of a text[] parameter. */
static void
text_array(char *buf, size_t len, const char *const *v, int n)
{
	size_t o = 0;
	int i;

	o += (size_t)snprintf(buf + o, len - o, "{");
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(
		    buf + o, len - o, "%s\"%s\"", i ? "," : "", v[i]);
	if (o < len)
		snprintf(buf + o, len - o, "}");
}

static int
sync_services(PGconn *pg, char *err, size_t errlen)
{
	const char *names[FD_MAX_SERVICES], *p[3];
	char arr[4096], db[16], pb[16];
	PGresult *r;
	int i;

	for (i = 0; i < crm_biz.nservices; i++) {
		const struct fd_service *s = &crm_biz.services[i];

		names[i] = s->name;
		snprintf(db, sizeof(db), "%d", s->duration_min);
		snprintf(pb, sizeof(pb), "%d", s->price_cents);
		p[0] = s->name;
		p[1] = db;
		p[2] = pb;
		if (exec_params(pg,
		        "INSERT INTO services (name, duration_min, "
		        "price_cents, active) VALUES ($1, $2, $3, true) ON "
		        "CONFLICT "
		        "(name) DO UPDATE SET duration_min = "
		        "EXCLUDED.duration_min, "
		        "price_cents = EXCLUDED.price_cents, active = true "
		        "RETURNING "
		        "id",
		        3, p, &r, err, errlen) != 0)
			return -1;
		crm_service_ids[i] = atoi(PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	text_array(arr, sizeof(arr), names, crm_biz.nservices);
	p[0] = arr;
	return exec_params(pg,
	    "UPDATE services SET active = (name = "
	    "ANY($1::text[]))",
	    1, p, NULL, err, errlen);
}

static int
sync_bays(PGconn *pg, char *err, size_t errlen)
{
	char names[CRM_MAX_BAYS][16], arr[2048];
	const char *np[CRM_MAX_BAYS], *p[1];
	PGresult *r;
	int i;

	for (i = 0; i < crm_biz.bays && i < CRM_MAX_BAYS; i++) {
		snprintf(names[i], sizeof(names[i]), "Bay %d", i + 1);
		np[i] = names[i];
		p[0] = names[i];
		if (exec_params(pg,
		        "INSERT INTO resources (name, kind, active) "
		        "VALUES ($1, 'bay', true) ON CONFLICT (name) DO UPDATE "
		        "SET "
		        "active = true",
		        1, p, NULL, err, errlen) != 0)
			return -1;
	}
	text_array(arr, sizeof(arr), np, i);
	p[0] = arr;
	if (exec_params(pg,
	        "UPDATE resources SET active = (name = "
	        "ANY($1::text[])) WHERE kind = 'bay'",
	        1, p, NULL, err, errlen) != 0)
		return -1;
	if (exec_params(pg,
	        "SELECT id FROM resources WHERE kind = 'bay' AND "
	        "active ORDER BY id",
	        0, NULL, &r, err, errlen) != 0)
		return -1;
	for (i = 0; i < PQntuples(r) && i < CRM_MAX_BAYS; i++)
		crm_bay_ids[i] = atoi(PQgetvalue(r, i, 0));
	crm_nbays = i;
	PQclear(r);
	return 0;
}

static int
sync_calendar(PGconn *pg, char *err, size_t errlen)
{
	char d[8], o[8], cl[8];
	const char *p[3];
	int i;

	if (exec_plain(pg, "DELETE FROM business_hours; DELETE FROM holidays",
	        err, errlen) != 0)
		return -1;
	for (i = 0; i < 7; i++) {
		snprintf(d, sizeof(d), "%d", i);
		snprintf(o, sizeof(o), "%d", crm_biz.week[i].open_min);
		snprintf(cl, sizeof(cl), "%d", crm_biz.week[i].close_min);
		p[0] = d;
		p[1] = crm_biz.week[i].open_min < 0 ? NULL : o;
		p[2] = crm_biz.week[i].open_min < 0 ? NULL : cl;
		if (exec_params(pg,
		        "INSERT INTO business_hours VALUES ($1, $2, "
		        "$3)",
		        3, p, NULL, err, errlen) != 0)
			return -1;
	}
	for (i = 0; i < crm_biz.nholidays; i++) {
		p[0] = crm_biz.holidays[i];
		if (exec_params(pg,
		        "INSERT INTO holidays (day) VALUES "
		        "($1::date) ON CONFLICT DO NOTHING",
		        1, p, NULL, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* crm.cancel_refund_pct { stage = percent; ... }: the share of the
 * deposit an order cancelled in that stage gets back; a stage left out
 * cannot be cancelled by phone.  Without the setting: full refund until
 * the parts are ordered, half while waiting for them, none once work
 * started. */
static const struct {
	const char *stage;
	int pct;
} default_refunds[] = {
    {"received", 100},
    {"diagnosing", 100},
    {"awaiting_parts", 50},
};

static int
sync_refunds(PGconn *pg, char *err, size_t errlen)
{
	config_setting_t *g =
	    config_lookup(&fd_config, "crm.cancel_refund_pct");
	config_setting_t *e;
	const char *p[2];
	char pct[16];
	PGresult *r;
	int i, n, nrules;

	if (exec_plain(pg,
	        "UPDATE order_stages SET cancellable = false, "
	        "refund_pct = 0",
	        err, errlen) != 0)
		return -1;
	nrules = g
	    ? config_setting_length(g)
	    : (int)(sizeof(default_refunds) / sizeof(default_refunds[0]));
	for (i = 0; i < nrules; i++) {
		if (g != NULL) {
			e = config_setting_get_elem(g, (unsigned)i);
			p[0] = config_setting_name(e);
			n = config_setting_get_int(e);
		} else {
			p[0] = default_refunds[i].stage;
			n = default_refunds[i].pct;
		}
		snprintf(pct, sizeof(pct), "%d", n);
		p[1] = pct;
		if (exec_params(pg,
		        "UPDATE order_stages SET cancellable = true, "
		        "refund_pct = $2 WHERE stage = $1 AND stage NOT IN "
		        "('completed', 'cancelled')",
		        2, p, &r, err, errlen) != 0)
			return -1;
		n = atoi(PQcmdTuples(r));
		PQclear(r);
		if (n != 1) {
			snprintf(err, errlen,
			    "crm.cancel_refund_pct: no stage "
			    "'%s' that can be cancelled",
			    p[0]);
			return -1;
		}
	}
	return 0;
}

/* The percentages of crm.cancel_refund_pct, checked with -n too. */
int
crm_refunds_valid(char *err, size_t errlen)
{
	config_setting_t *g =
	    config_lookup(&fd_config, "crm.cancel_refund_pct");
	config_setting_t *e;
	int i, v;

	if (g == NULL)
		return 0;
	if (!config_setting_is_group(g)) {
		snprintf(err, errlen,
		    "crm.cancel_refund_pct must be a group "
		    "{ stage = percent; ... }");
		return -1;
	}
	for (i = 0; (e = config_setting_get_elem(g, (unsigned)i)) != NULL;
	     i++) {
		v = config_setting_get_int(e);
		if (config_setting_type(e) != CONFIG_TYPE_INT || v < 0 ||
		    v > 100) {
			snprintf(err, errlen,
			    "crm.cancel_refund_pct.%s must be "
			    "a percentage 0..100",
			    config_setting_name(e));
			return -1;
		}
	}
	return 0;
}

int
crm_sync_business(struct crm_worker *w, char *err, size_t errlen)
{
	if (!crm_pg_ok(w)) {
		snprintf(err, errlen, "cannot connect");
		return -1;
	}
	if (exec_plain(w->pg, "BEGIN", err, errlen) != 0)
		return -1;
	if (sync_services(w->pg, err, errlen) != 0 ||
	    sync_bays(w->pg, err, errlen) != 0 ||
	    sync_calendar(w->pg, err, errlen) != 0 ||
	    sync_refunds(w->pg, err, errlen) != 0 ||
	    exec_plain(w->pg, "COMMIT", err, errlen) != 0) {
		rollback(w->pg);
		return -1;
	}
	if (crm_nbays == 0) {
		snprintf(err, errlen, "no active bays");
		return -1;
	}
	return 0;
}

int
crm_seed(struct crm_worker *w, int only_if_empty, char *err, size_t errlen)
{
	const char *anchor[1];
	PGresult *r;
	int empty;

	if (!crm_pg_ok(w)) {
		snprintf(err, errlen, "cannot connect");
		return -1;
	}
	if (only_if_empty) {
		if (exec_params(w->pg, "SELECT 1 FROM customers LIMIT 1", 0,
		        NULL, &r, err, errlen) != 0)
			return -1;
		empty = PQntuples(r) == 0;
		PQclear(r);
		if (!empty)
			return 0;
	}
	if (exec_plain(w->pg, "BEGIN", err, errlen) != 0)
		return -1;
	/* the demo data is dated from an anchor day, so tests that pin the
	 * clock see the same appointments whatever day they run */
	anchor[0] = crm_cfg.seed_anchor[0] ? crm_cfg.seed_anchor : NULL;
	if (exec_params(w->pg,
	        "SELECT set_config('frontdesk.seed_anchor', "
	        "coalesce($1::date, current_date)::text, true)",
	        1, anchor, &r, err, errlen) != 0) {
		rollback(w->pg);
		return -1;
	}
	PQclear(r);
	if (exec_plain(w->pg, crm_seed_sql, err, errlen) != 0 ||
	    exec_plain(w->pg, "COMMIT", err, errlen) != 0) {
		rollback(w->pg);
		return -1;
	}
	ledger_forget_all();
	log_info(NULL, "schema: demo data loaded");
	return 0;
}
