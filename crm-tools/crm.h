/*
 * crm.h - what the pieces of crm-tools share: its config, the per-worker
 * connections (one PostgreSQL, one Redis), the per-request context every
 * tool receives, and the helpers for queries, cache, identity and replies.
 * crm-tools answers TOOL_REQ frames from the agent, gateway and scheduler
 * (common/rpc.h) and is the only process that talks to the datastore.
 */
#ifndef CRM_H
#define CRM_H

#include <time.h>

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "business.h"
#include "outbound.h"

struct crm_cfg {
	char database[512]; /* libpq conninfo */
	char redis[256]; /* "unix:/path" or "host:port"; "" = no cache */
	int workers; /* pooled connections: one PG + one Redis each */
	int rpc_threads; /* requests served at once */
	int cache_ttl_s; /* lifetime of a cached customer */
	int seed; /* load the demo data into an empty database */
	char spool_dir[256]; /* durable queue of writes while PG is down */
	char calendar[32]; /* builtin | caldav | google (calendar.h) */
	char seed_anchor
	    [16]; /* YYYY-MM-DD the demo data is dated from; "" = today */
	int ledger_ttl_ms; /* how long the bay ledger trusts a day (ledger.h) */
	/* pricing.*: what a call's use of each service costs (call_end) */
	double price_telephony_min; /* per minute, billed by the minute */
	double price_stt_min; /* per minute of audio, vendor STT */
	double price_tts_1k; /* per 1000 characters, vendor TTS */
	double price_llm_1k; /* per 1000 tokens, the LLM brain */
	char stt_engine[32], tts_engine[32], brain[32]; /* local ones: free */
};

extern struct crm_cfg crm_cfg;
extern struct fd_business crm_biz;
extern struct fd_outbound crm_out; /* the outbound section */
extern int crm_service_ids[FD_MAX_SERVICES]; /* services.id per crm_biz entry */
extern volatile int crm_db_ready; /* schema migrated, ids loaded */
#define CRM_MAX_BAYS 100
extern int crm_bay_ids[CRM_MAX_BAYS]; /* resources.id of active bays */
extern int crm_nbays;

struct crm_worker {
	int idx;
	PGconn *pg;
	time_t pg_retry_at; /* earliest reconnect attempt */
	int pg_down; /* logged the outage already */
	struct crm_stmts *stmts; /* statements prepared on pg (crm_db.c) */
	redisContext *rc;
	time_t rc_retry_at;
	int rc_down;
};

enum crm_level {
	CRM_ANON = 0, /* nobody identified */
	CRM_IDENTIFIED = 1, /* another number: their phone + name only */
	CRM_CALLER_ID = 2, /* caller ID equals the customer's phone */
	CRM_VERIFIED = 3, /* caller ID + name, or a second factor */
};

/* One request, as a tool sees it. */
struct crm_ctx {
	struct crm_worker *w;
	const char *call_id; /* "" when the frame carried none */
	char caller[40]; /* request's "caller" (E.164), "" if none */
	const char *tool;
	json_t *args; /* always an object */
	time_t now; /* request's "now" or the wall clock */
	int replay; /* running a spooled request */
	const char *spool_key; /* idempotency key given to a spooled write */
	/* the call, loaded by crm_call_load() */
	int call_loaded;
	char from[40]; /* caller ID as E.164; "" when the call has none
	                         * (anonymous, Restricted, client:alice ...) */
	int cid_denied; /* deny_caller_id: caller ID is not the caller */
	long long caller_cust; /* 0: none */
	long long verified_cust;
	long long identified_cust; /* phone + name, no second factor */
	/* failure: code + message (+ extra members such as alternatives) */
	const char *code;
	char err[256];
	json_t *extra;
	char sqlstate[6];
	char constraint[64];
	int wrote; /* a write committed, maybe not yet flushed */
	int queries; /* statements sent to PostgreSQL for it */
	int pooled; /* w is borrowed from the pool */
};

/* A tool: fn returns the result (owned) or NULL after crm_fail().  Its
 * description and argument schema, and whether it is internal, are its
 * entry in proto/tool_schema.c. */
enum crm_tool_flags {
	T_SPOOL = 1 << 1, /* spooled when PostgreSQL is down */
	T_NODB = 1 << 2, /* works without PostgreSQL */
	T_QUIET = 1 << 3, /* result too large to audit in full */
};

struct crm_tool {
	const char *name;
	json_t *(*fn)(struct crm_ctx *c);
	int flags;
};

const struct crm_tool *crm_tool_find(const char *name);
extern const struct crm_tool crm_tools[];
extern const int crm_ntools;

/* The rpc handler (crm_tools.c): requests run on connections borrowed
 * from the pool (crm_pool_init), so a request that needs no database --
 * a booking race lost in the ledger -- never waits behind ones that do. */
json_t *crm_handle(void *arg, int worker, const char *call_id, json_t *req);
/* Run one request on worker w, or (w NULL) on a pooled one taken when the
 * request first needs PostgreSQL or Redis (rpc and spool replay share it). */
json_t *crm_run(struct crm_worker *w, const char *call_id, json_t *req,
    int replay, const char *spool_key);
/* The pool: n connections (workers) that requests borrow, in turn. */
void crm_pool_init(struct crm_worker *ws, int n);
/* Open every pooled connection's PostgreSQL and Redis on a thread of its
 * own (at start, with the database up): what a connection costs is spent
 * before the first calls, not at the first peak of load that needs it,
 * and a restarted crm-tools serves at once instead of after the last
 * connection.  crm_pool_free waits for it. */
void crm_pool_connect(void);
void crm_pool_free(void);
/* The bay ledger's own connection (tool_availability.c), closed at stop. */
void crm_ledger_close(void);
/* The request's connections, borrowed from the pool on first use. */
struct crm_worker *crm_conn(struct crm_ctx *c);
/* Give a borrowed connection back before the request ends (it waits on
 * something else); the next crm_conn() borrows one again. */
void crm_conn_release(struct crm_ctx *c);

/* crm_fail: set the error of the request; returns NULL for tail calls. */
json_t *crm_fail(struct crm_ctx *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --- crm_db.c: PostgreSQL --- */
int crm_pg_ok(struct crm_worker *w);
void crm_pg_close(struct crm_worker *w);
/* Parameterised query; NULL (and c->code db_unavailable|db_error) on error.
 * Workers commit asynchronously (their locks and rows free at once); a
 * request that wrote calls crm_flush() before it answers. */
PGresult *crm_q(
    struct crm_ctx *c, const char *sql, int n, const char *const *p);
/* Make every write of this connection durable (WAL flushed).  0 or -1. */
int crm_flush(struct crm_ctx *c);
/* First column of the first row parsed as JSON; json_null() if no row or
 * NULL; NULL on error. */
json_t *crm_qjson(
    struct crm_ctx *c, const char *sql, int n, const char *const *p);
/* First column of the first row as an integer: 1 found, 0 no row/NULL,
 * -1 error. */
int crm_qll(struct crm_ctx *c, const char *sql, int n, const char *const *p,
    long long *out);
/* Format v into buf (NULL when v <= 0, i.e. SQL NULL for ids). */
const char *crm_id(char *buf, long long v);
const char *crm_num(char *buf, long long v);

/* --- crm_cache.c: Redis --- */
json_t *crm_cache_get(struct crm_worker *w, const char *key);
void crm_cache_set(
    struct crm_worker *w, const char *key, const json_t *v, int ttl_s);
void crm_cache_del(struct crm_worker *w, const char *key);
void crm_cache_close(struct crm_worker *w);
/* Connect w's Redis now if it is not (1 connected, 0 not: no Redis
 * configured, or down; requests retry as usual). */
int crm_cache_connect(struct crm_worker *w);

/* --- crm_auth.c: the call and who the caller is --- */
int crm_call_load(struct crm_ctx *c);
/* The columns of calls crm_call_row() reads (a SELECT or RETURNING list):
 * the first is the other party's number (the caller; on an outbound call
 * the number we called, `to`), the fifth the customer whose phone that is,
 * so an unknown caller costs no second query; the sixth the customer the
 * caller's phone + name identified (no second factor). */
#define CRM_CALL_PARTY                                                         \
	"(CASE WHEN calls.direction = 'outbound' THEN "                        \
	"calls.to_number ELSE calls.from_number END)"
#define CRM_CALL_COLS                                                          \
	"coalesce(" CRM_CALL_PARTY ", ''), "                                   \
	"caller_customer_id, verified_customer_id, caller_id_denied, "         \
	"(SELECT cu.id FROM customers cu WHERE cu.phone = " CRM_CALL_PARTY     \
	"), identified_customer_id"
/* What the call row t cost in US dollars (0 while it is not priced). */
#define CRM_CALL_COST(t) "coalesce(" t ".cost_usd, 0)"
/* Load the call from a one-row result of CRM_CALL_COLS (cleared here). */
int crm_call_row(struct crm_ctx *c, PGresult *r);
/* The customer the call acts for (0 none); *level gets enum crm_level. */
long long crm_identity(struct crm_ctx *c, int *level);
/* 0 if the call's customer is owner at min_level or better, else -1 with
 * code verification_required (owner, too low a level) or forbidden. */
int crm_require(struct crm_ctx *c, long long owner, int min_level);
/* A record a tool looked up (its JSON, with customer_id), given back when
 * it is the caller's at min_level or better; somebody else's is freed:
 * NULL after crm_require's error.  NULL (the lookup failed) stays NULL;
 * JSON null (no such record) is crm_fail(not_found, missing), or given
 * back as it is when missing is NULL. */
json_t *crm_own_record(
    struct crm_ctx *c, json_t *rec, int min_level, const char *missing);
/* Record a caller-ID or explicit verification on the call. */
int crm_set_identity(struct crm_ctx *c, long long cust, int level);
/* The calls column crm_set_identity() sets for level (NULL: it sets none,
 * e.g. no call or a denied caller ID), for a statement that sets it along
 * with something else; then crm_identity_known() records it in c. */
const char *crm_identity_column(const struct crm_ctx *c, int level);
void crm_identity_known(struct crm_ctx *c, long long cust, int level);
/* The caller said they are not the caller-ID customer: drop that identity
 * for the rest of the call. */
int crm_deny_caller_id(struct crm_ctx *c);
/* 1 if the customer's last name (and first, unless "") matches, exactly or
 * sounding alike; 0 no; -1 error. */
int crm_name_match(
    struct crm_ctx *c, long long cust, const char *first, const char *last);
/* 1 if one of the customer's vehicles has a VIN ending in `tail` (4 to
 * 17 letters or digits, spaces and dashes ignored), 0 no (or a malformed
 * tail), -1 error. */
int crm_vin_match(struct crm_ctx *c, long long cust, const char *tail);
/* Count a failed proof of identity toward verify_caller's limit. */
int crm_verify_failed(struct crm_ctx *c);

/* --- args (crm_args.c) --- */
const char *arg_str(struct crm_ctx *c, const char *key); /* NULL/"" absent */
int arg_ll(struct crm_ctx *c, const char *key, long long *v); /* 1 if present */
int arg_bool(struct crm_ctx *c, const char *key, int def);
int arg_num(struct crm_ctx *c, const char *key, double *v); /* 1 if present */
/* An optional day argument YYYY-MM-DD (a real day): 0 with *out the
 * text or NULL when absent, -1 after crm_fail(bad_args). */
int crm_arg_day(struct crm_ctx *c, const char *key, const char **out);
/* A required string; NULL after crm_fail(bad_args). */
const char *arg_need(struct crm_ctx *c, const char *key, size_t maxlen);

/* --- crm_schema.c --- */
int crm_migrate(struct crm_worker *w, char *err, size_t errlen);
int crm_sync_business(struct crm_worker *w, char *err, size_t errlen);
/* crm.cancel_refund_pct holds percentages (checked by -n too). */
int crm_refunds_valid(char *err, size_t errlen);
int crm_seed(struct crm_worker *w, int only_if_empty, char *err, size_t errlen);

/* --- crm_audit.c: tool_calls rows, written by one thread off the reply
 * path --- */
int crm_audit_start(void);
/* Write what is queued (waits up to 5 s for PostgreSQL), then stop. */
void crm_audit_stop(void);
/* Queue one row; strings are copied, call_sid/code may be NULL or "". */
void crm_audit_push(const char *call_sid, const char *tool, const char *args,
    const char *result, int ok, const char *code, long long latency_us);
/* Wait until every row queued so far is in the table: 0, or -1 after
 * timeout_ms. */
int crm_audit_sync(int timeout_ms);

/* --- crm_spool.c --- */
int crm_spool_init(const char *dir);
int crm_spool_append(
    const char *call_id, const json_t *req, char *key, size_t keylen);
int crm_spool_pending(void);
/* 1 if call_id has writes in the spool not yet applied (call_id NULL:
 * any call has). */
int crm_spool_call_pending(const char *call_id);
int crm_spool_replay(struct crm_worker *w);
/* The record of a call assembled from its spooled writes (get_call's
 * shape, with "pending": true); NULL when the spool holds none. */
json_t *crm_spool_call(const char *call_id);
/* Summaries of the calls with spooled writes, most recent first. */
json_t *crm_spool_calls(int limit);

/* --- tools, one file per concern --- */
json_t *tool_lookup_customer(struct crm_ctx *c);
json_t *tool_search_customers_by_name(struct crm_ctx *c);
json_t *tool_verify_caller(struct crm_ctx *c);
json_t *tool_deny_caller_id(struct crm_ctx *c);
json_t *tool_get_available_slots(struct crm_ctx *c);
json_t *tool_find_slots(struct crm_ctx *c);
json_t *tool_book_appointment(struct crm_ctx *c);
json_t *tool_get_upcoming_appointments(struct crm_ctx *c);
json_t *tool_cancel_appointment(struct crm_ctx *c);
json_t *tool_reschedule_appointment(struct crm_ctx *c);
json_t *tool_vehicle_status(struct crm_ctx *c);
json_t *tool_cancel_order(struct crm_ctx *c);
json_t *tool_take_message(struct crm_ctx *c);
json_t *tool_qualify_lead(struct crm_ctx *c);
json_t *tool_request_callback(struct crm_ctx *c);
json_t *tool_transfer_to_human(struct crm_ctx *c);
json_t *tool_log_call_outcome(struct crm_ctx *c);
json_t *tool_decode_vin(struct crm_ctx *c);
json_t *tool_call_begin(struct crm_ctx *c);
json_t *tool_log_turn(struct crm_ctx *c);
json_t *tool_call_end(struct crm_ctx *c);
json_t *tool_call_recording(struct crm_ctx *c);
json_t *tool_gateway_restarted(struct crm_ctx *c);
json_t *tool_get_call(struct crm_ctx *c);
json_t *tool_list_calls(struct crm_ctx *c);
json_t *tool_call_stats(struct crm_ctx *c);
json_t *tool_job_create(struct crm_ctx *c);
json_t *tool_vocabulary(struct crm_ctx *c);
json_t *tool_seed_demo(struct crm_ctx *c);
json_t *tool_retention_sweep(struct crm_ctx *c);
json_t *tool_list_tools(struct crm_ctx *c);
json_t *tool_jobs_claim(struct crm_ctx *c);
json_t *tool_job_dialed(struct crm_ctx *c);
json_t *tool_job_result(struct crm_ctx *c);
json_t *tool_job_cancel(struct crm_ctx *c);
json_t *tool_jobs_list(struct crm_ctx *c);
json_t *tool_job_get(struct crm_ctx *c);
json_t *tool_callback_done(struct crm_ctx *c);

/* --- tool_jobs.c: outbound jobs --- */
/* Copy the outbound settings the database's triggers use (reminder lead,
 * texts on) into outbound_settings.  0 or -1 with err. */
int crm_jobs_sync(struct crm_worker *w, char *err, size_t errlen);
/* The outbound job a note asks for (kind callback or lead_followup; ref_col
 * message_id, callback_id or lead_id names the note), due at want or now,
 * whichever is later, moved to when the business is next open inside the
 * calling window.  No phone: no job.  Returns the job id, 0 when none was
 * made (no phone, or the note has one already), -1 on a database error
 * (logged; the note itself stands). */
long long crm_job_note(struct crm_ctx *c, const char *kind, const char *ref_col,
    long long ref, long long cust, const char *phone, time_t want,
    const char *detail);

/* Redis key of a cached customer lookup. */
void crm_cust_key(char *buf, size_t len, const char *phone);

#endif
