/*
 * tool_calls.c - the call record crm-tools keeps for the agent and the
 * gateway: call_begin / log_turn / call_end while a call runs, get_call and
 * list_calls to read it back (gateway's GET /api/v1/calls/{CallSid}),
 * gateway_restarted to close the calls a gateway's earlier run left open,
 * and seed_demo.  None of these is offered to the LLM.
 *
 * While PostgreSQL is down, get_call and list_calls answer from the spool
 * (crm_spool.c): what crm-tools holds for the call, marked "pending".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crm.h"
#include "crm_util.h"
#include "log.h"

/* On replay of a spooled write: when it really happened (epoch text). */
static const char *
replay_at(struct crm_ctx *c, char *buf)
{
	const char *s = c->replay ? arg_str(c, "_at") : NULL;
	time_t t;

	if (s == NULL || fd_time_parse(s, &t) != 0)
		return NULL;
	return crm_num(buf, (long long)t);
}

static int
need_call(struct crm_ctx *c)
{
	if (c->call_id[0] == '\0') {
		crm_fail(c, "bad_request", "%s needs the call id in the frame "
		    "header", c->tool);
		return -1;
	}
	return 0;
}

/* A number as given, normalised to E.164 when it is a phone number
 * (Twilio also sends "client:alice" or "anonymous"). */
static const char *
number(const char *s, char *buf, size_t len)
{
	if (s == NULL)
		return NULL;
	if (crm_phone_norm(s, buf, len) == 0)
		return buf;
	snprintf(buf, len, "%s", s);
	return buf;
}

json_t *
tool_call_begin(struct crm_ctx *c)
{
	char from[40], to[40], tb[24];
	const char *dir, *p[9];
	PGresult *r;
	json_t *res;

	if (need_call(c) != 0)
		return NULL;
	dir = arg_str(c, "direction");
	if (dir == NULL)
		dir = "inbound";
	if (strcmp(dir, "inbound") != 0 && strcmp(dir, "outbound") != 0 &&
	    strncmp(dir, "outbound-", 9) != 0)
		return crm_fail(c, "bad_args", "direction is inbound or "
		    "outbound");
	p[0] = c->call_id;
	p[1] = number(arg_str(c, "from"), from, sizeof(from));
	p[2] = number(arg_str(c, "to"), to, sizeof(to));
	p[3] = strncmp(dir, "outbound", 8) == 0 ? "outbound" : "inbound";
	p[4] = arg_str(c, "stream_sid");
	p[5] = replay_at(c, tb);
	p[6] = arg_str(c, "gateway");
	p[7] = arg_str(c, "gateway_boot");
	/* back from a transfer nobody took: the call goes on */
	p[8] = arg_bool(c, "reopen", 0) ? "true" : "false";
	r = crm_q(c, "INSERT INTO calls (call_sid, from_number, to_number, "
	    "direction, stream_sid, started_at, gateway, gateway_boot) VALUES "
	    "($1, $2, $3, $4, $5, coalesce(to_timestamp($6::bigint), now()), "
	    "$7, $8) ON CONFLICT (call_sid) "
	    "DO UPDATE SET from_number = coalesce(EXCLUDED.from_number, "
	    "calls.from_number), to_number = coalesce(EXCLUDED.to_number, "
	    "calls.to_number), direction = EXCLUDED.direction, stream_sid = "
	    "coalesce(EXCLUDED.stream_sid, calls.stream_sid), gateway = "
	    "coalesce(EXCLUDED.gateway, calls.gateway), gateway_boot = "
	    "coalesce(EXCLUDED.gateway_boot, calls.gateway_boot), ended_at = "
	    "CASE WHEN $9::boolean THEN NULL ELSE calls.ended_at END, "
	    "end_reason = CASE WHEN $9::boolean THEN NULL ELSE "
	    "calls.end_reason END RETURNING " CRM_CALL_COLS, 9, p);
	if (r == NULL)
		return NULL;
	/* the row just written is the call: no second query to load it */
	c->call_loaded = 0;
	if (crm_call_row(c, r) != 0)
		return NULL;
	res = json_pack("{s:s, s:b, s:b}", "call_sid", c->call_id,
	    "known_caller", c->caller_cust != 0, "caller_id", c->from[0] != 0);
	if (c->caller_cust) {
		char ib[24];
		json_t *fn;

		p[0] = crm_num(ib, c->caller_cust);
		fn = crm_qjson(c, "SELECT to_json(first_name) FROM customers "
		    "WHERE id = $1", 1, p);
		if (fn == NULL) {
			json_decref(res);
			return NULL;
		}
		json_object_set_new(res, "customer_id",
		    json_integer(c->caller_cust));
		json_object_set_new(res, "first_name", fn);
	}
	log_info(c->call_id, "call begins from %s", p[1] ? from : "?");
	return res;
}

json_t *
tool_log_turn(struct crm_ctx *c)
{
	char kb[96], tb[24];
	const char *role, *text, *at, *p[6];
	long long id;
	time_t t = 0;

	if (need_call(c) != 0)
		return NULL;
	if ((role = arg_need(c, "role", 16)) == NULL ||
	    (text = arg_need(c, "text", 8000)) == NULL)
		return NULL;
	if (strcmp(role, "user") == 0)
		role = "caller";
	else if (strcmp(role, "assistant") == 0)
		role = "agent";
	if (strcmp(role, "caller") != 0 && strcmp(role, "agent") != 0 &&
	    strcmp(role, "system") != 0)
		return crm_fail(c, "bad_args", "role is caller, agent or "
		    "system");
	if ((at = arg_str(c, "at")) != NULL && fd_time_parse(at, &t) != 0)
		return crm_fail(c, "bad_args", "at is YYYY-MM-DDTHH:MM:SS");
	if (crm_call_load(c) != 0)
		return NULL;
	p[0] = c->call_id;
	p[1] = role;
	p[2] = text;
	p[3] = arg_bool(c, "heard", 1) ? "true" : "false";
	p[4] = t ? crm_num(tb, (long long)t) : replay_at(c, tb);
	if (c->replay && c->spool_key) {
		snprintf(kb, sizeof(kb), "spool:%s", c->spool_key);
		p[5] = kb;
	} else {
		p[5] = NULL;
	}
	switch (crm_qll(c, "INSERT INTO call_turns (call_sid, role, text, heard, "
	    "at, idem_key) VALUES ($1, $2, $3, $4, coalesce(to_timestamp("
	    "$5::bigint), now()), $6) ON CONFLICT (idem_key) DO NOTHING "
	    "RETURNING id", 6, p, &id)) {
	case -1:
		return NULL;
	case 0:
		id = 0;     /* a replayed turn that was already stored */
	}
	return json_pack("{s:I}", "turn_id", (json_int_t)id);
}

json_t *
tool_call_end(struct crm_ctx *c)
{
	const char *p[3];
	char tb[24];
	json_t *res;

	if (need_call(c) != 0)
		return NULL;
	if (crm_call_load(c) != 0)
		return NULL;
	p[0] = c->call_id;
	p[1] = arg_str(c, "reason");
	p[2] = replay_at(c, tb);
	res = crm_qjson(c, "UPDATE calls SET ended_at = coalesce(ended_at, "
	    "to_timestamp($3::bigint), now()), end_reason = "
	    "coalesce(end_reason, $2) WHERE call_sid = $1 RETURNING "
	    "json_build_object('call_sid', call_sid, 'duration_s', "
	    "round(extract(epoch FROM ended_at - started_at))::int)", 3, p);
	return res;
}

/* A gateway started with a new run id: its earlier runs' calls still open
 * were cut off at the carrier with it.  They are closed as failed, keeping
 * what was said; the gateway tells the other daemons (CALL_END).  Refused
 * while the spool still holds writes, which may open such a call. */
json_t *
tool_gateway_restarted(struct crm_ctx *c)
{
	const char *gw, *boot, *p[2];
	PGresult *r;
	json_t *sids;
	int i;

	if ((gw = arg_need(c, "gateway", 128)) == NULL ||
	    (boot = arg_need(c, "boot", 64)) == NULL)
		return NULL;
	if (crm_spool_call_pending(NULL))
		return crm_fail(c, "db_unavailable", "writes taken while the "
		    "database was down are not all applied yet");
	p[0] = gw;
	p[1] = boot;
	r = crm_q(c, "UPDATE calls SET ended_at = now(), end_reason = "
	    "'gateway_restart', outcome = 'failed', notes = 'cut off: the "
	    "gateway restarted during the call' || coalesce(' (outcome so "
	    "far: ' || outcome || ')', '') || coalesce('; ' || notes, '') "
	    "WHERE gateway = $1 AND gateway_boot IS DISTINCT FROM $2 AND "
	    "ended_at IS NULL RETURNING call_sid", 2, p);
	if (r == NULL)
		return NULL;
	sids = json_array();
	for (i = 0; i < PQntuples(r); i++) {
		json_array_append_new(sids, json_string(PQgetvalue(r, i, 0)));
		log_info(PQgetvalue(r, i, 0), "closed as failed: gateway %s "
		    "restarted", gw);
	}
	PQclear(r);
	return json_pack("{s:o}", "closed", sids);
}

/* The appointments a call changed, from its audit: successful cancel and
 * reschedule requests (not a cancel of one already cancelled). */
#define CHANGES \
	"(SELECT x.id, x.tool, (x.result->>'appointment_id')::bigint AS appt " \
	"FROM tool_calls x WHERE x.call_sid = c.call_sid AND x.ok AND x.tool " \
	"IN ('cancel_appointment', 'reschedule_appointment') AND NOT " \
	"(x.result ? 'already_cancelled')) m WHERE m.appt IS NOT NULL"

/* PostgreSQL is down: the call as the spool knows it, or db_unavailable. */
static json_t *
pending_call(struct crm_ctx *c, const char *sid)
{
	json_t *res;

	if ((res = crm_spool_call(sid)) == NULL)
		return crm_fail(c, "db_unavailable", "the database is "
		    "unavailable and no write of call %.40s is waiting for it",
		    sid);
	c->code = NULL;
	return res;
}

json_t *
tool_get_call(struct crm_ctx *c)
{
	const char *sid = arg_str(c, "call_sid"), *p[1];
	json_t *res;

	if (sid == NULL)
		sid = c->call_id[0] ? c->call_id : NULL;
	if (sid == NULL)
		return crm_fail(c, "bad_args", "missing argument 'call_sid'");
	/* the audit rows of this call's earlier tools, written after their
	 * replies, are in tool_calls before we read it */
	if (crm_audit_sync(2000) != 0)
		log_warnx(c->call_id, "get_call: audit rows still pending");
	p[0] = sid;
	res = crm_qjson(c, "SELECT json_build_object('call_sid', c.call_sid, "
	    "'from', c.from_number, 'to', c.to_number, 'direction', "
	    "c.direction, 'started_at', fd_stamp(c.started_at), 'ended_at', "
	    "fd_stamp(c.ended_at), 'end_reason', c.end_reason, 'outcome', "
	    "c.outcome, 'notes', c.notes, 'customer', (SELECT "
	    "json_build_object('customer_id', cu.id, 'first_name', "
	    "cu.first_name, 'last_name', cu.last_name, 'phone', cu.phone, "
	    "'identity', CASE WHEN c.verified_customer_id IS NOT NULL THEN "
	    "'verified' ELSE 'caller_id' END) FROM customers cu WHERE cu.id = "
	    "coalesce(c.verified_customer_id, c.caller_customer_id)), "
	    "'caller_id_denied', c.caller_id_denied, "
	    "'turns', coalesce((SELECT json_agg(json_build_object('role', "
	    "t.role, 'text', t.text, 'at', fd_stamp(t.at), 'heard', t.heard) "
	    "ORDER BY t.at, t.id) FROM call_turns t WHERE t.call_sid = "
	    "c.call_sid), '[]'), 'tool_calls', coalesce((SELECT "
	    "json_agg(json_build_object('tool', x.tool, 'args', x.args, "
	    "'result', x.result, 'ok', x.ok, 'code', x.code, 'latency_us', x.latency_us, 'latency_ms', "
	    "round(x.latency_us / 1000.0, 3), 'at', fd_stamp(x.at)) ORDER BY "
	    "x.id) FROM tool_calls x WHERE x.call_sid = c.call_sid AND x.tool "
	    "NOT IN ('log_turn', 'get_call')), '[]'), 'appointments', "
	    "coalesce((SELECT json_agg(json_build_object('id', a.id, "
	    "'service', s.name, 'start', fd_local(lower(a.during)), 'status', "
	    "a.status, 'confirmation', a.confirmation, 'on_call', "
	    "(CASE WHEN a.source_call_sid = c.call_sid THEN '[\"booked\"]' "
	    "ELSE '[]' END)::jsonb || coalesce((SELECT jsonb_agg(CASE m.tool "
	    "WHEN 'cancel_appointment' THEN 'cancelled' ELSE 'rescheduled' END "
	    "ORDER BY m.id) FROM " CHANGES " AND m.appt = a.id), '[]')) "
	    "ORDER BY a.id) FROM appointments a JOIN services s ON s.id = "
	    "a.service_id WHERE a.id IN (SELECT b.id FROM appointments b "
	    "WHERE b.source_call_sid = c.call_sid UNION SELECT m.appt FROM "
	    CHANGES ")), '[]')) FROM calls c WHERE "
	    "c.call_sid = $1", 1, p);
	if (res == NULL && c->code && strcmp(c->code, "db_unavailable") == 0)
		return pending_call(c, sid);
	if (res != NULL && json_is_null(res)) {
		json_decref(res);
		/* its call_begin may still wait in the spool */
		if ((res = crm_spool_call(sid)) != NULL)
			return res;
		return crm_fail(c, "not_found", "no call %.40s", sid);
	}
	/* more of it is on the way to the database */
	if (res != NULL && crm_spool_call_pending(sid))
		json_object_set_new(res, "pending", json_true());
	return res;
}

json_t *
tool_list_calls(struct crm_ctx *c)
{
	long long limit = 20;
	const char *p[1];
	char lb[24];
	json_t *res;

	arg_ll(c, "limit", &limit);
	if (limit < 1 || limit > 500)
		limit = 20;
	p[0] = crm_num(lb, limit);
	res = crm_qjson(c, "SELECT coalesce(json_agg(json_build_object("
	    "'call_sid', call_sid, 'from', from_number, 'to', to_number, "
	    "'direction', direction, 'started_at', fd_stamp(started_at), "
	    "'ended_at', fd_stamp(ended_at), 'outcome', outcome, 'customer_id', "
	    "coalesce(verified_customer_id, caller_customer_id)) ORDER BY "
	    "started_at DESC), '[]') FROM (SELECT * FROM calls ORDER BY "
	    "started_at DESC LIMIT $1::int) x", 1, p);
	if (res == NULL && c->code && strcmp(c->code, "db_unavailable") == 0) {
		/* only what waits in the spool is known */
		res = crm_spool_calls((int)limit);
		if (json_array_size(res) == 0) {
			json_decref(res);
			return NULL;
		}
		c->code = NULL;
		return json_pack("{s:o, s:b, s:b, s:s}", "calls", res, "pending",
		    1, "complete", 0, "status", "the database is unavailable: "
		    "only calls with writes not yet written to it are listed");
	}
	if (res == NULL)
		return NULL;
	return json_pack("{s:o}", "calls", res);
}

/* Customer names and vehicles for stt-worker's language model, most
 * recent first, with a version that changes whenever the list does
 * (services and staff come from the business config it already reads). */
json_t *
tool_vocabulary(struct crm_ctx *c)
{
	long long limit = 5000;
	const char *p[1];
	char lb[24];

	arg_ll(c, "limit", &limit);
	if (limit < 1 || limit > 50000)
		limit = 5000;
	p[0] = crm_num(lb, limit);
	return crm_qjson(c, "SELECT json_build_object("
	    "'words', coalesce(json_agg(w ORDER BY n), '[]'), "
	    "'version', count(*) || '-' || left(md5(coalesce(string_agg(w, "
	    "chr(10) ORDER BY n), '')), 8)) FROM ("
	    "SELECT w, row_number() OVER (ORDER BY max(k) DESC, w) AS n FROM ("
	    " SELECT trim(first_name || ' ' || last_name) AS w, max(id) AS k "
	    "  FROM customers GROUP BY 1"
	    " UNION ALL SELECT trim(coalesce(make, '') || ' ' || "
	    "  coalesce(model, '')), max(id) FROM vehicles GROUP BY 1) x "
	    "WHERE w <> '' GROUP BY w ORDER BY n LIMIT $1::int) y", 1, p);
}

json_t *
tool_seed_demo(struct crm_ctx *c)
{
	char err[256];
	long long n = 0;

	if (crm_seed(crm_conn(c), 0, err, sizeof(err)) != 0)
		return crm_fail(c, "db_error", "seed failed: %s", err);
	if (crm_qll(c, "SELECT count(*) FROM customers", 0, NULL, &n) < 0)
		return NULL;
	return json_pack("{s:b, s:I}", "seeded", 1, "customers",
	    (json_int_t)n);
}
