/*
 * crm_tools.c - the table of tools and the path every request takes:
 * parse {tool,args,now?,caller?}, find the tool, run it with the worker's
 * connections, spool confirmed writes when PostgreSQL is down, queue the
 * call's tool_calls audit row with its latency (crm_audit.c), and shape
 * the reply
 *   {ok:true,result} | {ok:false,code,error[,alternatives]}.
 * String arguments are masked by common/redact.h before the tool runs, so
 * transcripts, messages, notes, the spool and the audit never hold a card
 * number.  Requests arrive from the agent, gateway and scheduler over common/rpc.h.
 *
 * Every tool's description and argument schema are its entry in
 * proto/tool_schema.c, the table the LLM brain builds its catalogue from:
 * a request's args are checked against it before the tool runs (bad_args
 * names the field), and list_tools describes the tools from it.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crm.h"
#include "crm_util.h"
#include "log.h"
#include "metrics.h"
#include "redact.h"
#include "proto/payload.h"
#include "proto/tool_schema.h"

const struct crm_tool crm_tools[] = {
    {"lookup_customer", tool_lookup_customer, 0},
    {"search_customers_by_name", tool_search_customers_by_name, 0},
    {"get_available_slots", tool_get_available_slots, 0},
    {"find_slots", tool_find_slots, 0},
    {"book_appointment", tool_book_appointment, T_SPOOL},
    {"get_upcoming_appointments", tool_get_upcoming_appointments, 0},
    {"cancel_appointment", tool_cancel_appointment, 0},
    {"reschedule_appointment", tool_reschedule_appointment, 0},
    {"vehicle_status", tool_vehicle_status, 0},
    {"cancel_order", tool_cancel_order, 0},
    {"take_message", tool_take_message, T_SPOOL},
    {"qualify_lead", tool_qualify_lead, T_SPOOL},
    {"request_callback", tool_request_callback, T_SPOOL},
    {"transfer_to_human", tool_transfer_to_human, T_NODB},
    {"log_call_outcome", tool_log_call_outcome, T_SPOOL},
    {"decode_vin", tool_decode_vin, T_NODB},
    {"list_tools", tool_list_tools, T_NODB | T_QUIET},
    /* internal: agent, gateway, scheduler and tests */
    {"call_begin", tool_call_begin, T_SPOOL},
    {"verify_caller", tool_verify_caller, 0},
    {"deny_caller_id", tool_deny_caller_id, T_SPOOL},
    {"log_turn", tool_log_turn, T_SPOOL},
    {"call_end", tool_call_end, T_SPOOL},
    {"call_recording", tool_call_recording, T_SPOOL},
    {"gateway_restarted", tool_gateway_restarted, 0},
    {"get_call", tool_get_call, T_QUIET},
    {"list_calls", tool_list_calls, T_QUIET},
    {"call_stats", tool_call_stats, T_QUIET},
    {"vocabulary", tool_vocabulary, T_QUIET},
    /* outbound jobs (tool_jobs.c): scheduler, agent, staff API */
    {"jobs_claim", tool_jobs_claim, T_QUIET},
    {"job_dialed", tool_job_dialed, 0},
    {"job_result", tool_job_result, 0},
    {"job_cancel", tool_job_cancel, 0},
    {"job_create", tool_job_create, 0},
    {"jobs_list", tool_jobs_list, T_QUIET},
    {"job_get", tool_job_get, T_QUIET},
    {"callback_done", tool_callback_done, 0},
    {"seed_demo", tool_seed_demo, 0},
    {"retention_sweep", tool_retention_sweep, 0},
};
const int crm_ntools = (int)(sizeof(crm_tools) / sizeof(crm_tools[0]));

const struct crm_tool *
crm_tool_find(const char *name)
{
	int i;

	for (i = 0; i < crm_ntools; i++)
		if (strcmp(crm_tools[i].name, name) == 0)
			return &crm_tools[i];
	return NULL;
}

json_t *
crm_fail(struct crm_ctx *c, const char *code, const char *fmt, ...)
{
	va_list ap;

	c->code = code;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return NULL;
}

json_t *
tool_list_tools(struct crm_ctx *c)
{
	const struct fd_tool_schema *ts;
	json_t *list = json_array(), *s;
	int i, all = arg_bool(c, "all", 0);

	for (i = 0; i < crm_ntools; i++) {
		/* a tool without a (parsable) schema is listed bare: a bug
		 * crm_tools_test reports */
		ts = fd_tool_schema_find(crm_tools[i].name);
		if (!all && (ts == NULL || ts->internal))
			continue;
		if (ts == NULL || (s = fd_tool_schema_json(ts)) == NULL) {
			log_err(NULL, "tool %s: no schema", crm_tools[i].name);
			s = json_object();
		}
		json_object_set_new(s, "name", json_string(crm_tools[i].name));
		if (all)
			json_object_set_new(s, "internal",
			    json_boolean(ts == NULL || ts->internal));
		json_array_append_new(list, s);
	}
	return json_pack("{s:o}", "tools", list);
}

/* What tool_calls keeps of a result. */
static json_t *
audit_result(const struct crm_tool *t, json_t *res, struct crm_ctx *c)
{
	if (res == NULL)
		return json_pack("{s:s, s:s}", "code",
		    c->code ? c->code : "internal", "error", c->err);
	if (t && (t->flags & T_QUIET))
		return json_pack("{s:b}", "omitted", 1);
	return json_incref(res);
}

/* Queue the tool_calls row (crm_audit.c writes it after the reply). */
static void
audit(struct crm_ctx *c, const struct crm_tool *t, json_t *res,
    uint64_t latency_us)
{
	char *args, *out;
	json_t *ar, *kept;

	if (!crm_db_ready)
		return;
	ar = audit_result(t, res, c);
	/* the reply keeps what the tool said; the stored copy is masked */
	if ((kept = json_deep_copy(ar)) != NULL)
		redact_json(kept);
	json_decref(ar);
	args = json_dumps(c->args, JSON_COMPACT);
	out = kept ? json_dumps(kept, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_decref(kept);
	crm_audit_push(c->call_id, c->tool, args, out, res != NULL,
	    res ? NULL : c->code, (long long)latency_us);
	free(args);
	free(out);
}

/* PostgreSQL is down and the caller confirmed this write: keep it on disk
 * and answer that it will be applied. */
static json_t *
spool(struct crm_ctx *c, json_t *req)
{
	json_t *copy, *args, *res;
	char key[64], now[32], code[CRM_CONF_LEN + 1];

	copy = json_deep_copy(req);
	args = json_object_get(copy, "args");
	if (!json_is_object(args)) {
		args = json_object();
		json_object_set_new(copy, "args", args);
	}
	if (json_object_get(copy, "now") == NULL) {
		fd_time_fmt(c->now, now, sizeof(now));
		json_object_set_new(copy, "now", json_string(now));
	}
	if (c->caller[0] && json_object_get(copy, "caller") == NULL)
		json_object_set_new(copy, "caller", json_string(c->caller));
	/* when it happened, for the call record (now may be pinned) */
	fd_time_fmt(time(NULL), now, sizeof(now));
	json_object_set_new(args, "_at", json_string(now));
	code[0] = '\0';
	if (strcmp(c->tool, "book_appointment") == 0) {
		crm_conf_code(code);
		json_object_set_new(args, "_confirmation", json_string(code));
	}
	if (crm_spool_append(c->call_id, copy, key, sizeof(key)) != 0) {
		json_decref(copy);
		return crm_fail(c, "db_unavailable",
		    "the database is "
		    "unavailable and the write could not be queued");
	}
	json_decref(copy);
	log_info(c->call_id, "%s spooled as %s", c->tool, key);
	res = json_pack("{s:b, s:s, s:s}", "spooled", 1, "spool_id", key,
	    "status", "pending");
	if (code[0])
		json_object_set_new(res, "confirmation", json_string(code));
	c->code = NULL;
	return res;
}

/*
 * The free connections, a ring taken from the front and given back at the
 * end: requests go round every connection in turn.  Each connection keeps
 * what it has needed so far (its prepared statements, libpq's buffers as
 * large as the largest reply); in turn, every one has met the usual mix
 * of requests within the first calls.  Taken from the top of a stack, the
 * first free connection would serve nearly all of them and the others
 * only at the rare peaks of load, growing the process a little at each
 * such peak long after the start.
 */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static struct crm_worker **pool_ring;
static int pool_cap, pool_head, pool_n;

void
crm_pool_init(struct crm_worker *ws, int n)
{
	int i;

	if ((pool_ring = calloc((size_t)n, sizeof(*pool_ring))) == NULL)
		fatal("calloc");
	for (i = 0; i < n; i++)
		pool_ring[i] = &ws[i];
	pool_cap = pool_n = n;
	pool_head = 0;
}

/* The warm-up thread: borrows each pooled connection in turn, as a
 * request would (so it never shares one with a request), and opens its
 * PostgreSQL and Redis.  A connection a request holds meanwhile opens on
 * that request's first use instead. */
static pthread_t warm_thr;
static int warm_started;

static void *
warm_main(void *arg)
{
	struct crm_ctx c;
	int i, ok = 1;

	(void)arg;
	for (i = 0; i < pool_cap && ok; i++) {
		memset(&c, 0, sizeof(c));
		c.call_id = "";
		crm_conn(&c);
		if ((ok = crm_pg_ok(c.w)) != 0)
			crm_cache_connect(c.w);
		crm_conn_release(&c);
	}
	return NULL;
}

void
crm_pool_connect(void)
{
	if (pool_cap > 0 &&
	    pthread_create(&warm_thr, NULL, warm_main, NULL) == 0)
		warm_started = 1;
}

struct crm_worker *
crm_conn(struct crm_ctx *c)
{
	if (c->w != NULL)
		return c->w;
	pthread_mutex_lock(&pool_mu);
	while (pool_n == 0)
		pthread_cond_wait(&pool_cv, &pool_mu);
	c->w = pool_ring[pool_head];
	pool_head = (pool_head + 1) % pool_cap;
	pool_n--;
	pthread_mutex_unlock(&pool_mu);
	c->pooled = 1;
	return c->w;
}

void
crm_conn_release(struct crm_ctx *c)
{
	if (!c->pooled)
		return;
	pthread_mutex_lock(&pool_mu);
	pool_ring[(pool_head + pool_n) % pool_cap] = c->w;
	pool_n++;
	pthread_cond_signal(&pool_cv);
	pthread_mutex_unlock(&pool_mu);
	c->w = NULL;
	c->pooled = 0;
}

void
crm_pool_free(void)
{
	if (warm_started)
		pthread_join(warm_thr, NULL);
	warm_started = 0;
	free(pool_ring);
	pool_ring = NULL;
	pool_cap = pool_n = pool_head = 0;
}

json_t *
crm_run(struct crm_worker *w, const char *call_id, json_t *req, int replay,
    const char *spool_key)
{
	const struct crm_tool *t = NULL;
	const struct fd_tool_schema *ts;
	struct fd_pl_tool_req q;
	struct crm_ctx c;
	uint64_t t0 = fd_mono_us();
	json_t *res = NULL, *rep, *own_args = NULL, *spooled = NULL;
	char err[200];
	int bad;

	memset(&c, 0, sizeof(c));
	c.w = w;
	c.call_id = call_id ? call_id : "";
	c.replay = replay;
	c.spool_key = spool_key;
	c.now = time(NULL);
	/* the envelope {tool, args?, now?, caller?} (proto/payload.h) */
	if ((bad = fd_pl_read_tool_req(req, &q, err, sizeof(err))) != 0)
		q = (struct fd_pl_tool_req){
		    .tool = "?", .now = "", .caller = ""};
	c.tool = q.tool;
	c.args = q.args ? q.args : (own_args = json_object());
	if (bad) {
		crm_fail(&c, "bad_request", "%s", err);
	} else if ((t = crm_tool_find(c.tool)) == NULL) {
		crm_fail(&c, "unknown_tool", "no tool '%.64s'", c.tool);
	} else if ((ts = fd_tool_schema_find(c.tool)) == NULL) {
		crm_fail(&c, "internal", "tool '%s' has no schema", c.tool);
	} else if (fd_tool_args_check(ts, c.args, err, sizeof(err)) != 0) {
		crm_fail(&c, "bad_args", "%s: %s", c.tool, err);
	} else if (q.now[0] && fd_time_parse(q.now, &c.now) != 0) {
		crm_fail(&c, "bad_args", "now must be YYYY-MM-DDTHH:MM:SS");
	} else {
		/* nothing a tool stores, spools or audits holds a card
		 * number: mask the request's text before any of it runs */
		redact_json(c.args);
		if (q.caller[0] &&
		    crm_phone_norm(q.caller, c.caller, sizeof(c.caller)) != 0)
			c.caller[0] = '\0';
		if (!(t->flags & T_NODB) && !crm_db_ready)
			crm_fail(&c, "db_unavailable",
			    "the database is "
			    "unavailable");
		else if ((t->flags & T_SPOOL) && !replay &&
		    crm_spool_call_pending(c.call_id) &&
		    (res = spooled = spool(&c, req)) != NULL)
			; /* the call's earlier writes wait in the spool:
			         * this one goes after them, not past them */
		else {
			c.code = NULL;
			res = t->fn(&c);
		}
		/* what it wrote is on disk before anybody hears of it */
		if (c.wrote && crm_flush(&c) != 0 && res != NULL) {
			json_decref(res);
			res = NULL;
		}
		if (res == NULL && c.code == NULL)
			crm_fail(&c, "internal", "tool failed");
		if (res == NULL && !replay && (t->flags & T_SPOOL) &&
		    strcmp(c.code, "db_unavailable") == 0)
			res = spooled = spool(&c, req);
	}
	/* a spooled request is audited once, when it is applied */
	if (t != NULL && spooled == NULL &&
	    !(res == NULL && c.code && strcmp(c.code, "db_unavailable") == 0))
		audit(&c, t, res, fd_mono_us() - t0);
	if (t)
		fd_metrics_observe(FD_H_TOOL, (fd_mono_us() - t0) / 1e6);
	if (res != NULL) {
		rep = json_pack("{s:b, s:o}", "ok", 1, "result", res);
	} else {
		rep = json_pack(
		    "{s:b, s:s, s:s}", "ok", 0, "code", c.code, "error", c.err);
		if (c.extra)
			json_object_update(rep, c.extra);
	}
	json_decref(c.extra);
	json_decref(own_args);
	crm_conn_release(&c);
	log_debug(c.call_id, "%s %s in %llu us", c.tool, res ? "ok" : c.code,
	    (unsigned long long)(fd_mono_us() - t0));
	return rep;
}

json_t *
crm_handle(void *arg, int worker, const char *call_id, json_t *req)
{
	(void)arg;
	(void)worker;
	return crm_run(NULL, call_id, req, 0, NULL);
}
