/*
 * crm_tools.c - the table of tools and the path every request takes:
 * parse {tool,args,now?,caller?}, find the tool, run it with the worker's
 * connections, spool confirmed writes when PostgreSQL is down, queue the
 * call's tool_calls audit row with its latency (crm_audit.c), and shape
 * the reply
 *   {ok:true,result} | {ok:false,code,error[,alternatives]}.
 * Requests arrive from the agent, gateway and scheduler over common/rpc.h.
 *
 * Schemas are JSON written with ' for " so they read well in C; list_tools
 * turns them into the function descriptions an LLM gets.
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

#define S_PHONE "{'type':'string','description':'phone number, E.164 like +15551230001'}"
#define S_PHONE_NEW "{'type':'string','description':'a new caller own phone number as they said it; needed when there is no caller ID'}"
#define S_WHEN "local time YYYY-MM-DDTHH:MM"

const struct crm_tool crm_tools[] = {
	{ "lookup_customer", tool_lookup_customer, T_PUBLIC,
	  "{'description':'Find the customer record for a phone number (default: the caller ID). For the caller own number it returns the record with vehicles; for any other number only the id and first name.',"
	  "'parameters':{'type':'object','properties':{'phone':" S_PHONE "}}}" },
	{ "search_customers_by_name", tool_search_customers_by_name, T_PUBLIC,
	  "{'description':'Fuzzy search customers by name (misspellings ok). Returns candidate ids and first names only; confirm identity with the caller before using one.',"
	  "'parameters':{'type':'object','properties':{'first':{'type':'string'},'last':{'type':'string'}}}}" },
	{ "get_available_slots", tool_get_available_slots, T_PUBLIC,
	  "{'description':'Free appointment start times on a day for a service, taking opening hours, holidays, bays and existing bookings into account. No slots in the past.',"
	  "'parameters':{'type':'object','properties':{'date':{'type':'string','description':'YYYY-MM-DD, today, tomorrow or a weekday name'},"
	  "'service':{'type':'string','description':'service name, e.g. oil change'},'duration':{'type':'integer','description':'minutes, overrides the service length'},"
	  "'after':{'type':'string','description':'earliest time of day HH:MM'},'limit':{'type':'integer','description':'at most this many slots (default 12)'}},'required':['date','service']}}" },
	{ "find_slots", tool_find_slots, T_PUBLIC,
	  "{'description':'The next free appointment starts for a service in one search over up to 60 days: opening hours, holidays, bays, bookings and the shop calendar taken into account, none in the past. Prefer it to get_available_slots. Returns slots [{start,end}] in time order, the date they are on, and the closed_days and full_days passed over on the way (say we are closed that day, then offer the next).',"
	  "'parameters':{'type':'object','properties':{'service':{'type':'string','description':'service name, e.g. oil change'},"
	  "'day':{'type':'string','description':'start the search on this day: YYYY-MM-DD, today, tomorrow or a weekday name'},"
	  "'from':{'type':'string','description':'start the search at this " S_WHEN " (default now)'},"
	  "'days':{'type':'integer','description':'days to search, 1..60 (default 1 with day, else 14)'},"
	  "'part_of_day':{'type':'string','enum':['morning','afternoon','evening','any']},"
	  "'after':{'type':'string','description':'starts at or after HH:MM'},'before':{'type':'string','description':'starts before HH:MM'},"
	  "'near':{'type':'string','description':'HH:MM: the starts nearest this time, on the first day that has any'},"
	  "'pick':{'type':'string','enum':['earliest','nearest','spread'],'description':'earliest (default; across days), nearest (to near) or spread over the first day with free starts'},"
	  "'count':{'type':'integer','description':'how many starts, 1..10 (default 3)'},"
	  "'relax':{'type':'boolean','description':'on a day where nothing fits part_of_day/after/before, give its other free starts (relaxed true)'},"
	  "'exclude':{'type':'array','items':{'type':'string'},'description':'starts " S_WHEN " not to offer again'},"
	  "'duration':{'type':'integer','description':'minutes, overrides the service length'}},'required':['service']}}" },
	{ "book_appointment", tool_book_appointment, T_PUBLIC | T_SPOOL,
	  "{'description':'Book a service for the caller (a new caller needs first_name and last_name). Returns appointment_id and a 5-letter confirmation code. A taken slot fails with code slot_taken and up to 3 alternatives. Retrying the same request returns the same booking.',"
	  "'parameters':{'type':'object','properties':{'service':{'type':'string'},'start':{'type':'string','description':'" S_WHEN "'},"
	  "'vehicle_id':{'type':'integer'},'vehicle':{'type':'string','description':'e.g. 2019 Honda Civic, if not on file'},"
	  "'first_name':{'type':'string'},'last_name':{'type':'string'},'phone':" S_PHONE_NEW ",'email':{'type':'string'},'notes':{'type':'string'},"
	  "'idempotency_key':{'type':'string'}},'required':['service','start']}}" },
	{ "get_upcoming_appointments", tool_get_upcoming_appointments, T_PUBLIC,
	  "{'description':'The caller upcoming appointments.',"
	  "'parameters':{'type':'object','properties':{'customer_id':{'type':'integer'}}}}" },
	{ "cancel_appointment", tool_cancel_appointment, T_PUBLIC,
	  "{'description':'Cancel one of the caller appointments, by appointment_id or confirmation code.',"
	  "'parameters':{'type':'object','properties':{'appointment_id':{'type':'integer'},'confirmation':{'type':'string'},'reason':{'type':'string'}}}}" },
	{ "reschedule_appointment", tool_reschedule_appointment, T_PUBLIC,
	  "{'description':'Move one of the caller appointments to a new start time; keeps the confirmation code. A taken slot fails with slot_taken and alternatives.',"
	  "'parameters':{'type':'object','properties':{'appointment_id':{'type':'integer'},'confirmation':{'type':'string'},"
	  "'new_start':{'type':'string','description':'" S_WHEN "'}},'required':['new_start']}}" },
	{ "vehicle_status", tool_vehicle_status, T_PUBLIC,
	  "{'description':'Where is my car: stage and expected ready time of a repair order (by order number like RO-1001 or id; default the caller latest open order).',"
	  "'parameters':{'type':'object','properties':{'order':{'type':'string','description':'order number or id'},'appointment_id':{'type':'integer'}}}}" },
	{ "cancel_order", tool_cancel_order, T_PUBLIC,
	  "{'description':'Cancel a repair order. The deposit refund depends on the stage the order is in (the shop's rule; vehicle_status tells refund_if_cancelled_cents and whether it can still be cancelled). Needs a verified caller.',"
	  "'parameters':{'type':'object','properties':{'order':{'type':'string','description':'order number or id'},'reason':{'type':'string'}},'required':['order']}}" },
	{ "take_message", tool_take_message, T_PUBLIC | T_SPOOL,
	  "{'description':'Leave a message for the staff.',"
	  "'parameters':{'type':'object','properties':{'name':{'type':'string'},'callback_number':" S_PHONE ",'message':{'type':'string'},"
	  "'urgency':{'type':'string','enum':['low','normal','high']},'call_back':{'type':'boolean','description':'the caller asked to be called back'}},'required':['name','message']}}" },
	{ "qualify_lead", tool_qualify_lead, T_PUBLIC | T_SPOOL,
	  "{'description':'Record a sales lead (someone interested in buying or a large job).',"
	  "'parameters':{'type':'object','properties':{'name':{'type':'string'},'contact':{'type':'string','description':'phone or email'},"
	  "'need':{'type':'string'},'timeline':{'type':'string'},'urgency':{'type':'string','enum':['low','normal','high']}},'required':['name','need']}}" },
	{ "request_callback", tool_request_callback, T_PUBLIC | T_SPOOL,
	  "{'description':'Ask staff to call the caller back.',"
	  "'parameters':{'type':'object','properties':{'phone':" S_PHONE ",'when':{'type':'string','description':'" S_WHEN " or words like tomorrow morning'},"
	  "'reason':{'type':'string'}},'required':['reason']}}" },
	{ "transfer_to_human", tool_transfer_to_human, T_PUBLIC | T_NODB,
	  "{'description':'Check whether a person can take the call now (business hours). If available is true, the agent transfers to number.',"
	  "'parameters':{'type':'object','properties':{'reason':{'type':'string'}}}}" },
	{ "log_call_outcome", tool_log_call_outcome, T_PUBLIC | T_SPOOL,
	  "{'description':'Record how the call ended.',"
	  "'parameters':{'type':'object','properties':{'outcome':{'type':'string','enum':['booked','rescheduled','cancelled','confirmed','voicemail_left','wrong_person','status_given','message_taken','callback_requested','lead','transferred','info_only','abandoned','other']},"
	  "'notes':{'type':'string'}},'required':['outcome']}}" },
	{ "decode_vin", tool_decode_vin, T_PUBLIC | T_NODB,
	  "{'description':'Check a VIN (check digit) and decode model year and manufacturer; when online also make and model (online:false means only the offline check was possible).',"
	  "'parameters':{'type':'object','properties':{'vin':{'type':'string'}},'required':['vin']}}" },
	{ "list_tools", tool_list_tools, T_NODB | T_QUIET,
	  "{'description':'Describe the tools (all=true includes the internal ones).',"
	  "'parameters':{'type':'object','properties':{'all':{'type':'boolean'}}}}" },
	/* internal: agent, gateway, scheduler and tests */
	{ "call_begin", tool_call_begin, T_SPOOL,
	  "{'description':'Open the call record; matches the caller ID to a customer.',"
	  "'parameters':{'type':'object','properties':{'from':" S_PHONE ",'to':" S_PHONE ",'direction':{'type':'string','enum':['inbound','outbound']},'stream_sid':{'type':'string'},"
	  "'gateway':{'type':'string','description':'the gateway instance that answered'},'gateway_boot':{'type':'string','description':'that gateway run id'}},'required':['from']}}" },
	{ "verify_caller", tool_verify_caller, 0,
	  "{'description':'Verify the caller as a customer (by customer_id, phone or the caller ID). Verified: the name with the caller ID on file, or a second factor (one of their confirmation codes, or the name with the last 4 or more characters of a VIN on file). A phone number and name from another number only identify the caller (identified:true): enough to say whether their car is ready, not to read, book, move or cancel appointments.',"
	  "'parameters':{'type':'object','properties':{'customer_id':{'type':'integer'},'phone':" S_PHONE ",'name':{'type':'string','description':'full name as said'},"
	  "'confirmation':{'type':'string'},'vin_last':{'type':'string','description':'last 4 or more characters of a VIN on file, as said or keyed'}}}}" },
	{ "deny_caller_id", tool_deny_caller_id, T_SPOOL,
	  "{'description':'The caller says they are not the customer whose phone they call from: the caller ID no longer identifies anyone on this call, and a booking creates a new customer.',"
	  "'parameters':{'type':'object','properties':{}}}" },
	{ "log_turn", tool_log_turn, T_SPOOL,
	  "{'description':'Append a transcript turn.',"
	  "'parameters':{'type':'object','properties':{'role':{'type':'string','enum':['caller','agent','system']},'text':{'type':'string'},'heard':{'type':'boolean'},'at':{'type':'string'}},'required':['role','text']}}" },
	{ "call_end", tool_call_end, T_SPOOL,
	  "{'description':'Close the call record.',"
	  "'parameters':{'type':'object','properties':{'reason':{'type':'string'}}}}" },
	{ "gateway_restarted", tool_gateway_restarted, 0,
	  "{'description':'A gateway started: close, as failed, the calls its earlier runs left open (they were cut off at the carrier). Returns their call_sids.',"
	  "'parameters':{'type':'object','properties':{'gateway':{'type':'string','description':'the gateway instance name'},'boot':{'type':'string','description':'the id of this run'}},'required':['gateway','boot']}}" },
	{ "get_call", tool_get_call, T_QUIET,
	  "{'description':'The whole record of a call: turns, tool calls, appointments.',"
	  "'parameters':{'type':'object','properties':{'call_sid':{'type':'string'}},'required':['call_sid']}}" },
	{ "list_calls", tool_list_calls, T_QUIET,
	  "{'description':'Most recent calls.',"
	  "'parameters':{'type':'object','properties':{'limit':{'type':'integer'}}}}" },
	{ "vocabulary", tool_vocabulary, T_QUIET,
	  "{'description':'Words speech recognition should know: customer names, vehicle makes and models; version changes when they do.',"
	  "'parameters':{'type':'object','properties':{'limit':{'type':'integer','description':'at most this many entries (default 5000)'}}}}" },
	/* outbound jobs (tool_jobs.c): scheduler, agent, staff API */
	{ "jobs_claim", tool_jobs_claim, T_QUIET,
	  "{'description':'Claim due outbound jobs for owner (a lease of lease_s seconds): calls only inside the calling window, at most outbound.max_concurrent in flight, each with its dial slot (dial_at) in the call pacing; texts any time. A job whose lease ran out is claimed again with the same attempt and idempotency key.',"
	  "'parameters':{'type':'object','properties':{'owner':{'type':'string'},'limit':{'type':'integer'},'lease_s':{'type':'integer'}},'required':['owner']}}" },
	{ "job_dialed", tool_job_dialed, 0,
	  "{'description':'The carrier took this attempt of a job (its call sid): the lease becomes outbound.call_timeout_s. Idempotent.',"
	  "'parameters':{'type':'object','properties':{'job_id':{'type':'integer'},'attempt':{'type':'integer'},'call_sid':{'type':'string'}},'required':['job_id','attempt']}}" },
	{ "job_result", tool_job_result, 0,
	  "{'description':'How an attempt ended; once per attempt (a repeat returns duplicate:true), except that answered may later become the conversation outcome. busy and no_answer retry after the backoff until outbound.max_attempts; a confirmed reminder confirms its appointment.',"
	  "'parameters':{'type':'object','properties':{'job_id':{'type':'integer'},'attempt':{'type':'integer'},"
	  "'outcome':{'type':'string','enum':['confirmed','rescheduled','cancelled','voicemail','wrong_person','talked','answered','busy','no_answer','failed','sent']},"
	  "'call_sid':{'type':'string'},'detail':{'type':'string'}},'required':['job_id','attempt','outcome']}}" },
	{ "job_cancel", tool_job_cancel, 0,
	  "{'description':'Cancel a job that is not being placed (pending or claimed).',"
	  "'parameters':{'type':'object','properties':{'job_id':{'type':'integer'},'reason':{'type':'string'}},'required':['job_id']}}" },
	{ "jobs_list", tool_jobs_list, T_QUIET,
	  "{'description':'Outbound jobs by due time, filtered by status, kind or appointment.',"
	  "'parameters':{'type':'object','properties':{'status':{'type':'string'},'kind':{'type':'string'},'appointment_id':{'type':'integer'},'limit':{'type':'integer'}}}}" },
	{ "job_get", tool_job_get, T_QUIET,
	  "{'description':'One outbound job with its attempts.',"
	  "'parameters':{'type':'object','properties':{'job_id':{'type':'integer'}},'required':['job_id']}}" },
	{ "callback_done", tool_callback_done, 0,
	  "{'description':'Staff returned the call: cancel the callback job (by job_id) or the jobs of a callback request or message.',"
	  "'parameters':{'type':'object','properties':{'job_id':{'type':'integer'},'callback_id':{'type':'integer'},'message_id':{'type':'integer'},'note':{'type':'string'}}}}" },
	{ "seed_demo", tool_seed_demo, 0,
	  "{'description':'Load the demo customers, vehicles, appointments and orders (idempotent).',"
	  "'parameters':{'type':'object','properties':{}}}" },
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

static json_t *
schema_of(const struct crm_tool *t)
{
	char buf[4096];
	size_t i;
	json_t *j;

	snprintf(buf, sizeof(buf), "%s", t->schema);
	for (i = 0; buf[i]; i++)
		if (buf[i] == '\'')
			buf[i] = '"';
	if ((j = json_loads(buf, 0, NULL)) == NULL) {
		log_err(NULL, "tool %s: bad schema", t->name);
		return json_object();
	}
	return j;
}

json_t *
tool_list_tools(struct crm_ctx *c)
{
	json_t *list = json_array(), *s;
	int i, all = arg_bool(c, "all", 0);

	for (i = 0; i < crm_ntools; i++) {
		if (!all && !(crm_tools[i].flags & T_PUBLIC))
			continue;
		s = schema_of(&crm_tools[i]);
		json_object_set_new(s, "name", json_string(crm_tools[i].name));
		if (all)
			json_object_set_new(s, "internal", json_boolean(
			    !(crm_tools[i].flags & T_PUBLIC)));
		json_array_append_new(list, s);
	}
	return json_pack("{s:o}", "tools", list);
}

/* What tool_calls keeps of a result. */
static json_t *
audit_result(const struct crm_tool *t, json_t *res, struct crm_ctx *c)
{
	if (res == NULL)
		return json_pack("{s:s, s:s}", "code", c->code ? c->code :
		    "internal", "error", c->err);
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
	json_t *ar;

	if (!crm_db_ready)
		return;
	ar = audit_result(t, res, c);
	args = json_dumps(c->args, JSON_COMPACT);
	out = json_dumps(ar, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(ar);
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
		return crm_fail(c, "db_unavailable", "the database is "
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

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static struct crm_worker **pool_free;
static int pool_n;

void
crm_pool_init(struct crm_worker *ws, int n)
{
	int i;

	if ((pool_free = calloc((size_t)n, sizeof(*pool_free))) == NULL)
		fatal("calloc");
	for (i = 0; i < n; i++)
		pool_free[i] = &ws[i];
	pool_n = n;
}

struct crm_worker *
crm_conn(struct crm_ctx *c)
{
	if (c->w != NULL)
		return c->w;
	pthread_mutex_lock(&pool_mu);
	while (pool_n == 0)
		pthread_cond_wait(&pool_cv, &pool_mu);
	c->w = pool_free[--pool_n];
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
	pool_free[pool_n++] = c->w;
	pthread_cond_signal(&pool_cv);
	pthread_mutex_unlock(&pool_mu);
	c->w = NULL;
	c->pooled = 0;
}

void
crm_pool_free(void)
{
	free(pool_free);
	pool_free = NULL;
}

json_t *
crm_run(struct crm_worker *w, const char *call_id, json_t *req, int replay,
    const char *spool_key)
{
	const struct crm_tool *t = NULL;
	struct crm_ctx c;
	uint64_t t0 = fd_mono_us();
	json_t *res = NULL, *rep, *v, *own_args = NULL, *spooled = NULL;
	const char *s;

	memset(&c, 0, sizeof(c));
	c.w = w;
	c.call_id = call_id ? call_id : "";
	c.replay = replay;
	c.spool_key = spool_key;
	c.now = time(NULL);
	c.tool = json_string_value(json_object_get(req, "tool"));
	c.args = json_object_get(req, "args");
	if (c.args == NULL || json_is_null(c.args))
		c.args = own_args = json_object();
	if (c.tool == NULL) {
		c.tool = "?";
		crm_fail(&c, "bad_request", "no tool named");
	} else if ((t = crm_tool_find(c.tool)) == NULL) {
		crm_fail(&c, "unknown_tool", "no tool '%.64s'", c.tool);
	} else if (!json_is_object(c.args)) {
		crm_fail(&c, "bad_args", "args must be an object");
	} else if ((v = json_object_get(req, "now")) != NULL &&
	    (!json_is_string(v) || (*(s = json_string_value(v)) &&
	    fd_time_parse(s, &c.now) != 0))) {
		crm_fail(&c, "bad_args", "now must be YYYY-MM-DDTHH:MM:SS");
	} else {
		if ((s = json_string_value(json_object_get(req, "caller")))
		    && crm_phone_norm(s, c.caller, sizeof(c.caller)) != 0)
			c.caller[0] = '\0';
		if (!(t->flags & T_NODB) && !crm_db_ready)
			crm_fail(&c, "db_unavailable", "the database is "
			    "unavailable");
		else if ((t->flags & T_SPOOL) && !replay &&
		    crm_spool_call_pending(c.call_id) &&
		    (res = spooled = spool(&c, req)) != NULL)
			;       /* the call's earlier writes wait in the spool:
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
	if (t != NULL && spooled == NULL && !(res == NULL && c.code &&
	    strcmp(c.code, "db_unavailable") == 0))
		audit(&c, t, res, fd_mono_us() - t0);
	if (res != NULL) {
		rep = json_pack("{s:b, s:o}", "ok", 1, "result", res);
	} else {
		rep = json_pack("{s:b, s:s, s:s}", "ok", 0, "code", c.code,
		    "error", c.err);
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

