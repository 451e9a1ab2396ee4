/*
 * crm_main.c - crm-tools: the CRM and calendar behind the receptionist.
 * Serves TOOL_REQ/TOOL_REP at fd_common.crm_rep (common/rpc.h) for the
 * agent, gateway and scheduler, with `workers` threads that each hold one
 * PostgreSQL and one Redis connection.  The main thread migrates the schema,
 * copies the business config into the database, seeds demo data, and
 * replays writes spooled while PostgreSQL was down.  The per-request
 * dispatch (a table of tools) lives in crm_tools.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal_http.h"
#include "calendar.h"
#include "calsync.h"
#include "clock.h"
#include "cluster.h"
#include "crm.h"
#include "daemon.h"
#include "booking.h"
#include "ledger.h"
#include "log.h"
#include "rpc.h"
#include "vpic.h"

struct crm_cfg crm_cfg;
struct fd_business crm_biz;
int crm_service_ids[FD_MAX_SERVICES];
int crm_bay_ids[CRM_MAX_BAYS];
int crm_nbays;
volatile int crm_db_ready;

static const struct fd_cfg_opt crm_opts[] = {
    {"crm.database", FD_CFG_STR, crm_cfg.database, sizeof(crm_cfg.database), "",
        0, 0, "FRONTDESK_DATABASE"},
    {"crm.redis", FD_CFG_STR, crm_cfg.redis, sizeof(crm_cfg.redis), "", 0, 0,
        "FRONTDESK_REDIS"},
    {"crm.workers", FD_CFG_INT, &crm_cfg.workers, 0, "8", 1, 64, NULL},
    {"crm.rpc_threads", FD_CFG_INT, &crm_cfg.rpc_threads, 0, "32", 1, 256,
        NULL},
    {"crm.cache_ttl_s", FD_CFG_INT, &crm_cfg.cache_ttl_s, 0, "300", 1, 86400,
        NULL},
    {"crm.seed", FD_CFG_BOOL, &crm_cfg.seed, 0, "true", 0, 0, "FRONTDESK_SEED"},
    {"crm.seed_anchor", FD_CFG_STR, crm_cfg.seed_anchor,
        sizeof(crm_cfg.seed_anchor), "", 0, 0, "FRONTDESK_SEED_ANCHOR"},
    {"crm.ledger_ttl_ms", FD_CFG_INT, &crm_cfg.ledger_ttl_ms, 0, "2000", 0,
        60000, NULL},
    {"crm.spool_dir", FD_CFG_STR, crm_cfg.spool_dir, sizeof(crm_cfg.spool_dir),
        "", 0, 0, "FRONTDESK_SPOOL_DIR"},
    {"crm.calendar", FD_CFG_STR, crm_cfg.calendar, sizeof(crm_cfg.calendar),
        "builtin", 0, 0, NULL},
    /* external calendars (calendar.h) */
    {"crm.calendar_timeout_ms", FD_CFG_INT, &cal_cfg.timeout_ms, 0, "2000", 100,
        60000, NULL},
    {"crm.calendar_attempts", FD_CFG_INT, &cal_cfg.attempts, 0, "3", 1, 10,
        NULL},
    {"crm.calendar_backoff_ms", FD_CFG_INT, &cal_cfg.backoff_ms, 0, "250", 1,
        10000, NULL},
    {"crm.calendar_freebusy_cache_s", FD_CFG_INT, &cal_cfg.fb_cache_s, 0, "30",
        0, 3600, NULL},
    {"crm.calendar_retry_s", FD_CFG_INT, &cal_cfg.retry_base_s, 0, "5", 1, 3600,
        NULL},
    {"crm.calendar_max_tries", FD_CFG_INT, &cal_cfg.max_tries, 0, "12", 1, 1000,
        NULL},
    {"crm.caldav.url", FD_CFG_STR, cal_cfg.caldav_url,
        sizeof(cal_cfg.caldav_url), "", 0, 0, "FRONTDESK_CALDAV_URL"},
    {"crm.caldav.user", FD_CFG_STR, cal_cfg.caldav_user,
        sizeof(cal_cfg.caldav_user), "", 0, 0, "FRONTDESK_CALDAV_USER"},
    {"crm.caldav.password", FD_CFG_STR, cal_cfg.caldav_password,
        sizeof(cal_cfg.caldav_password), "", 0, 0, "FRONTDESK_CALDAV_PASSWORD"},
    {"crm.google.calendar_id", FD_CFG_STR, cal_cfg.google_calendar_id,
        sizeof(cal_cfg.google_calendar_id), "primary", 0, 0, NULL},
    {"crm.google.client_id", FD_CFG_STR, cal_cfg.google_client_id,
        sizeof(cal_cfg.google_client_id), "", 0, 0,
        "FRONTDESK_GOOGLE_CLIENT_ID"},
    {"crm.google.client_secret", FD_CFG_STR, cal_cfg.google_client_secret,
        sizeof(cal_cfg.google_client_secret), "", 0, 0,
        "FRONTDESK_GOOGLE_CLIENT_SECRET"},
    {"crm.google.refresh_token", FD_CFG_STR, cal_cfg.google_refresh_token,
        sizeof(cal_cfg.google_refresh_token), "", 0, 0,
        "FRONTDESK_GOOGLE_REFRESH_TOKEN"},
    {"crm.google.token_url", FD_CFG_STR, cal_cfg.google_token_url,
        sizeof(cal_cfg.google_token_url), "https://oauth2.googleapis.com/token",
        0, 0, NULL},
    {"crm.google.api_base", FD_CFG_STR, cal_cfg.google_api_base,
        sizeof(cal_cfg.google_api_base),
        "https://www.googleapis.com/calendar/v3", 0, 0, NULL},
    /* online VIN decoding (vpic.h) */
    {"crm.vpic.base_url", FD_CFG_STR, vpic_cfg.base_url,
        sizeof(vpic_cfg.base_url), "https://vpic.nhtsa.dot.gov/api", 0, 0,
        "FRONTDESK_VPIC_URL"},
    {"crm.vpic.timeout_ms", FD_CFG_INT, &vpic_cfg.timeout_ms, 0, "1500", 100,
        30000, NULL},
    {"crm.vpic.cache_days", FD_CFG_INT, &vpic_cfg.cache_days, 0, "90", 1, 3650,
        NULL},
    /* what a call costs (call_end); the engines say which are local */
    {"pricing.telephony_per_min", FD_CFG_DOUBLE, &crm_cfg.price_telephony_min,
        0, "0", 0, 100, NULL},
    {"pricing.stt_per_min", FD_CFG_DOUBLE, &crm_cfg.price_stt_min, 0, "0", 0,
        100, NULL},
    {"pricing.tts_per_1k_chars", FD_CFG_DOUBLE, &crm_cfg.price_tts_1k, 0, "0",
        0, 100, NULL},
    {"pricing.llm_per_1k_tokens", FD_CFG_DOUBLE, &crm_cfg.price_llm_1k, 0, "0",
        0, 100, NULL},
    {"pricing", FD_CFG_SECTION, NULL, 0, NULL, 0, 0, NULL},
    {"stt.engine", FD_CFG_STR, crm_cfg.stt_engine, sizeof(crm_cfg.stt_engine),
        "pocketsphinx", 0, 0, NULL},
    {"tts.engine", FD_CFG_STR, crm_cfg.tts_engine, sizeof(crm_cfg.tts_engine),
        "flite", 0, 0, NULL},
    {"agent.brain", FD_CFG_STR, crm_cfg.brain, sizeof(crm_cfg.brain), "local",
        0, 0, NULL},
};

static void derive_defaults(void);
static int become_ready(struct crm_worker *w);
static void reload_business(struct crm_worker *w);
static int validate(char *err, size_t errlen);

int
main(int argc, char **argv)
{
	struct fd_rpc_server *srv;
	struct crm_worker *ws, mainw;
	char err[512];
	time_t next_try = 0, now;
	int i;

	if (http_global_init() != 0)
		fatalx("libcurl init");
	fd_daemon_validate = validate;
	fd_daemon_start(FD_D_CRM, argc, argv, crm_opts, FD_CFG_N(crm_opts));
	derive_defaults();
	if (fd_business_load(&fd_config, &crm_biz, err, sizeof(err)) != 0) {
		log_err(NULL, "config: %s", err);
		exit(FD_EX_CONFIG);
	}
	if (crm_spool_init(crm_cfg.spool_dir) != 0)
		log_warnx(NULL,
		    "spool unavailable: writes fail while the "
		    "database is down");
	memset(&mainw, 0, sizeof(mainw));
	mainw.idx = -1;
	if ((ws = calloc((size_t)crm_cfg.workers, sizeof(*ws))) == NULL)
		fatal("calloc");
	for (i = 0; i < crm_cfg.workers; i++)
		ws[i].idx = i;
	if (crm_audit_start() != 0)
		fatalx("cannot start the audit writer");
	if (become_ready(&mainw) != 0)
		next_try = time(NULL) + 1;
	crm_pool_init(ws, crm_cfg.workers);
	if (crm_db_ready)
		crm_pool_connect();
	if (crm_cfg.rpc_threads < crm_cfg.workers)
		crm_cfg.rpc_threads = crm_cfg.workers;
	if ((srv = fd_rpc_serve(fd_common.crm_rep, crm_cfg.rpc_threads,
	         crm_handle, NULL)) == NULL)
		fatalx("cannot serve %s", fd_common.crm_rep);
	log_info(NULL,
	    "serving %s with %d threads on %d connections "
	    "(database %s, cache %s, calendar %s)",
	    fd_common.crm_rep, crm_cfg.rpc_threads, crm_cfg.workers,
	    crm_cfg.database, crm_cfg.redis[0] ? crm_cfg.redis : "none",
	    cal_identity());
	/* in a cluster: registered, so every rpc client dials this one */
	if (fd_cluster_start(NULL, FD_D_CRM, NULL, 0, NULL, NULL) != 0)
		fatalx("cluster: cannot start");
	fd_daemon_ready(crm_db_ready ? "database up"
	                             : "database down, "
	                               "writes are spooled until it returns");
	if (calsync_start() != 0)
		log_warnx(NULL,
		    "calendar sync thread not started: queued "
		    "pushes wait for the next booking change");

	while (!fd_stop) {
		fd_sleep_us(200000);
		if (fd_reload) {
			fd_reload = 0;
			reload_business(&mainw);
		}
		now = time(NULL);
		if (!crm_db_ready && now >= next_try &&
		    become_ready(&mainw) != 0)
			next_try = now + 2;
		if (crm_db_ready && crm_spool_pending() && now >= next_try &&
		    crm_spool_replay(&mainw) != 0)
			next_try = now + 1;
	}
	log_info(NULL, "stopping");
	fd_cluster_stop();
	fd_rpc_server_stop(srv);
	calsync_stop();
	crm_audit_stop();
	cal_engine->close();
	crm_ledger_close();
	book_batch_close();
	crm_pool_free();
	for (i = 0; i < crm_cfg.workers; i++) {
		crm_pg_close(&ws[i]);
		crm_cache_close(&ws[i]);
	}
	crm_pg_close(&mainw);
	crm_cache_close(&mainw);
	free(ws);
	config_destroy(&fd_config);
	fd_daemon_stopped();
	return 0;
}

/* Defaults follow the bus rundir, so an isolated instance (tests) only
 * sets FRONTDESK_RUNDIR and the ports. */
static void
derive_defaults(void)
{
	const char *port = getenv("FRONTDESK_PG_PORT"), *var;

	if (crm_cfg.database[0] == '\0')
		snprintf(crm_cfg.database, sizeof(crm_cfg.database),
		    "host=%s port=%s dbname=frontdesk user=frontdesk",
		    fd_common.rundir, port && *port ? port : "5544");
	if (crm_cfg.redis[0] == '\0')
		snprintf(crm_cfg.redis, sizeof(crm_cfg.redis),
		    "unix:%s/redis.sock", fd_common.rundir);
	else if (strcmp(crm_cfg.redis, "none") == 0)
		crm_cfg.redis[0] = '\0';
	if (crm_cfg.spool_dir[0] == '\0') {
		if ((var = getenv("FRONTDESK_VAR")) != NULL && *var)
			snprintf(crm_cfg.spool_dir, sizeof(crm_cfg.spool_dir),
			    "%s/spool", var);
		else
			snprintf(crm_cfg.spool_dir, sizeof(crm_cfg.spool_dir),
			    "/var/lib/frontdesk/spool");
	}
}

/* The calendar engine and its options (also under -n). */
static int
validate(char *err, size_t errlen)
{
	snprintf(cal_cfg.tz, sizeof(cal_cfg.tz), "%s", fd_common.timezone);
	if (crm_refunds_valid(err, errlen) != 0 ||
	    fd_outbound_load(&fd_config, &crm_out, err, errlen) != 0)
		return -1;
	return cal_select(crm_cfg.calendar, err, errlen);
}

/* Schema, business tables and seed; crm_db_ready once all succeeded. */
/*
 * SIGHUP or new owner's settings: the business section (services, hours,
 * holidays, bays) and the SMS switch, copied into the database as at
 * start.  The database, pool and calendar options need a restart.  The
 * tools read crm_biz without a lock: a request running while it is
 * replaced may see part of the old business, as it would have a moment
 * earlier.
 */
static void
reload_business(struct crm_worker *w)
{
	struct fd_business *nb;
	char err[512];
	config_t cfg;
	int sms = crm_out.sms_enabled;

	if ((nb = malloc(sizeof(*nb))) == NULL) {
		log_warnx(NULL, "reload: out of memory");
		return;
	}
	if (fd_config_read(&cfg, err, sizeof(err)) != 0 ||
	    fd_business_load(&cfg, nb, err, sizeof(err)) != 0) {
		log_warnx(
		    NULL, "reload refused, keeping the business: %s", err);
		config_destroy(&cfg);
		free(nb);
		return;
	}
	config_lookup_bool(&cfg, "outbound.sms_enabled", &sms);
	config_destroy(&cfg);
	if (memcmp(nb, &crm_biz, sizeof(*nb)) == 0 &&
	    sms == crm_out.sms_enabled) {
		log_info(NULL, "reload: business and outbound unchanged");
		free(nb);
		return;
	}
	crm_biz = *nb;
	crm_out.sms_enabled = sms;
	free(nb);
	if (!crm_db_ready) {
		log_info(NULL,
		    "reload: business %s kept for when the database "
		    "is up",
		    crm_biz.name);
		return;
	}
	if (crm_sync_business(w, err, sizeof(err)) != 0 ||
	    crm_jobs_sync(w, err, sizeof(err)) != 0)
		log_warnx(NULL,
		    "reload: business not written to the database "
		    "(%s): restart crm-tools once it is up",
		    err);
	else
		log_info(NULL,
		    "reload: business %s applied: %d services, %d "
		    "bays, sms %s",
		    crm_biz.name, crm_biz.nservices, crm_nbays,
		    sms ? "on" : "off");
}

static int
become_ready(struct crm_worker *w)
{
	static int warned;
	char err[512];

	if (crm_migrate(w, err, sizeof(err)) != 0 ||
	    crm_jobs_sync(w, err, sizeof(err)) != 0 ||
	    crm_sync_business(w, err, sizeof(err)) != 0 ||
	    calsync_setup(w, err, sizeof(err)) != 0 ||
	    (crm_cfg.seed && crm_seed(w, 1, err, sizeof(err)) != 0)) {
		if (!warned)
			log_warnx(NULL,
			    "database not ready (%s); retrying, "
			    "reads answer db_unavailable, confirmed writes are "
			    "spooled",
			    err);
		warned = 1;
		return -1;
	}
	ledger_init(crm_cfg.ledger_ttl_ms, crm_nbays);
	__atomic_store_n(&crm_db_ready, 1, __ATOMIC_RELEASE);
	log_info(NULL, "database ready: %d services, %d bays",
	    crm_biz.nservices, crm_nbays);
	warned = 0;
	return 0;
}
