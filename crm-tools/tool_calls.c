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
#include <time.h>

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
		crm_fail(c, "bad_request",
		    "%s needs the call id in the frame "
		    "header",
		    c->tool);
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
		return crm_fail(c, "bad_args",
		    "direction is inbound or "
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
	r = crm_q(c,
	    "INSERT INTO calls (call_sid, from_number, to_number, "
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
	    "calls.end_reason END RETURNING " CRM_CALL_COLS,
	    9, p);
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
		fn = crm_qjson(c,
		    "SELECT to_json(first_name) FROM customers "
		    "WHERE id = $1",
		    1, p);
		if (fn == NULL) {
			json_decref(res);
			return NULL;
		}
		json_object_set_new(
		    res, "customer_id", json_integer(c->caller_cust));
		json_object_set_new(res, "first_name", fn);
	}
	log_info(c->call_id, "call begins from %s", p[1] ? from : "?");
	return res;
}

/* A number argument as text for a parameter, or NULL when absent or out
 * of [lo, hi]. */
static const char *
num_param(struct crm_ctx *c, const char *key, double lo, double hi, char *buf,
    size_t len)
{
	double d;

	if (!arg_num(c, key, &d) || !(d >= lo && d <= hi))
		return NULL;
	snprintf(buf, len, "%.6g", d);
	return buf;
}

/*
 * A transcript turn.  start_ms / end_ms: when it was said, ms since the
 * call started; confidence: the recogniser's (caller turns); barged_in:
 * the caller cut this agent turn off; heard_text: what of it the caller
 * heard (text is what the agent said).
 */
json_t *
tool_log_turn(struct crm_ctx *c)
{
	char kb[96], tb[24], sb[32], eb[32], cb[32];
	const char *role, *text, *at, *p[11];
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
		return crm_fail(c, "bad_args",
		    "role is caller, agent or "
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
	p[6] = num_param(c, "start_ms", 0, 864e5, sb, sizeof(sb));
	p[7] = num_param(c, "end_ms", 0, 864e5, eb, sizeof(eb));
	p[8] = num_param(c, "confidence", 0, 1, cb, sizeof(cb));
	p[9] = arg_bool(c, "barged_in", 0) ? "true" : "false";
	p[10] = json_is_string(json_object_get(c->args, "heard_text"))
	    ? json_string_value(json_object_get(c->args, "heard_text"))
	    : NULL;
	switch (crm_qll(c,
	    "INSERT INTO call_turns (call_sid, role, text, heard, "
	    "at, idem_key, start_ms, end_ms, confidence, barged_in, "
	    "heard_text) "
	    "VALUES ($1, $2, $3, $4, coalesce(to_timestamp($5::bigint), "
	    "now()), "
	    "$6, round($7::float8), round($8::float8), $9::real, $10, $11) "
	    "ON CONFLICT (idem_key) DO NOTHING RETURNING id",
	    11, p, &id)) {
	case -1:
		return NULL;
	case 0:
		id = 0; /* a replayed turn that was already stored */
	}
	return json_pack("{s:I}", "turn_id", (json_int_t)id);
}

/* A local engine costs nothing whatever pricing.* says. */
static int
local_engine(const char *name)
{
	return strcmp(name, "pocketsphinx") == 0 ||
	    strcmp(name, "flite") == 0 || strcmp(name, "local") == 0 ||
	    name[0] == '\0';
}

/* call_end's latencies as a PostgreSQL int[] literal ("{830,912}"), or
 * NULL when none were given; -1 after crm_fail for a bad one. */
static int
v2v_literal(struct crm_ctx *c, char *buf, size_t len, const char **out)
{
	json_t *a = json_object_get(c->args, "v2v_ms"), *v;
	size_t i, o = 0;

	*out = NULL;
	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > 200) {
		crm_fail(c, "bad_args",
		    "v2v_ms is an array of at most 200 "
		    "latencies in ms");
		return -1;
	}
	o += (size_t)snprintf(buf, len, "{");
	json_array_foreach(a, i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 600000) {
			crm_fail(c, "bad_args",
			    "v2v_ms[%zu] is not a latency "
			    "in ms (0..600000)",
			    i);
			return -1;
		}
		o += (size_t)snprintf(buf + o, len - o, "%s%lld", i ? "," : "",
		    (long long)json_integer_value(v));
	}
	snprintf(buf + o, len - o, "}");
	*out = buf;
	return 0;
}

/*
 * Close the record and price the call: telephony by the started minute
 * (as carriers bill), STT by the seconds of the call (a streaming
 * recogniser hears all of it), TTS by the characters the agent sent to
 * synthesis and the LLM by its tokens, both counted by the agent
 * (tts_chars, llm_tokens).  A call ended twice keeps its first figures.
 */
json_t *
tool_call_end(struct crm_ctx *c)
{
	const char *p[11];
	char tb[24], cb[24], lb[24], fb[24], r[4][32], vb[200 * 8 + 4];
	long long tts = 0, llm = 0, fw;
	json_t *res;

	if (need_call(c) != 0)
		return NULL;
	if (arg_ll(c, "first_word_ms", &fw) && (fw < 0 || fw > 600000))
		return crm_fail(c, "bad_args", "first_word_ms is 0..600000");
	if (v2v_literal(c, vb, sizeof(vb), &p[10]) != 0)
		return NULL;
	if (crm_call_load(c) != 0)
		return NULL;
	if (arg_ll(c, "tts_chars", &tts) && (tts < 0 || tts > 100000000))
		tts = 0;
	if (arg_ll(c, "llm_tokens", &llm) && (llm < 0 || llm > 1000000000))
		llm = 0;
	p[0] = c->call_id;
	p[1] = arg_str(c, "reason");
	p[2] = replay_at(c, tb);
	p[3] = crm_num(cb, tts);
	p[4] = crm_num(lb, llm);
	snprintf(r[0], sizeof(r[0]), "%.9g", crm_cfg.price_telephony_min);
	snprintf(r[1], sizeof(r[1]), "%.9g",
	    local_engine(crm_cfg.stt_engine) ? 0 : crm_cfg.price_stt_min);
	snprintf(r[2], sizeof(r[2]), "%.9g",
	    local_engine(crm_cfg.tts_engine) ? 0 : crm_cfg.price_tts_1k);
	snprintf(r[3], sizeof(r[3]), "%.9g",
	    local_engine(crm_cfg.brain) ? 0 : crm_cfg.price_llm_1k);
	p[5] = r[0];
	p[6] = r[1];
	p[7] = r[2];
	p[8] = r[3];
	p[9] = arg_ll(c, "first_word_ms", &fw) ? crm_num(fb, fw) : NULL;
	/* one UPDATE: two of one row in a statement would lose one */
	res = crm_qjson(c,
	    "UPDATE calls c SET ended_at = coalesce(c.ended_at, "
	    "to_timestamp($3::bigint), now()), end_reason = coalesce("
	    "c.end_reason, $2), telephony_min = coalesce(c.telephony_min, "
	    "x.tm), stt_s = coalesce(c.stt_s, round(x.d, 1)), tts_chars = "
	    "coalesce(c.tts_chars, $4::bigint), llm_tokens = coalesce("
	    "c.llm_tokens, $5::bigint), first_word_ms = coalesce($10::int, "
	    "c.first_word_ms), v2v_ms = coalesce($11::int[], c.v2v_ms), "
	    "telephony_usd = coalesce("
	    "c.telephony_usd, x.tm * $6::numeric), stt_usd = coalesce("
	    "c.stt_usd, x.d / 60 * $7::numeric), tts_usd = coalesce(c.tts_usd, "
	    "$4::bigint / 1000.0 * $8::numeric), llm_usd = coalesce(c.llm_usd, "
	    "$5::bigint / 1000.0 * $9::numeric), cost_usd = coalesce("
	    "c.cost_usd, x.tm * $6::numeric + x.d / 60 * $7::numeric + "
	    "$4::bigint / 1000.0 * $8::numeric + $5::bigint / 1000.0 * "
	    "$9::numeric) FROM (SELECT call_sid, d, ceil(d / 60) AS tm FROM "
	    "(SELECT call_sid, greatest(extract(epoch FROM coalesce(ended_at, "
	    "to_timestamp($3::bigint), now()) - started_at), 0)::numeric AS d "
	    "FROM calls WHERE call_sid = $1) y) x WHERE c.call_sid = "
	    "x.call_sid "
	    "RETURNING json_build_object('call_sid', c.call_sid, 'duration_s', "
	    "round(x.d)::int, 'cost_usd', round(c.cost_usd, 4))",
	    11, p);
	return res;
}

/*
 * The gateway's recording of the call, when it closed it: the stereo
 * WAV's path (the mixed track beside it, .mixed.wav), its length and
 * size.  Refused for a path that is not an absolute .wav name.
 */
json_t *
tool_call_recording(struct crm_ctx *c)
{
	const char *path, *p[4];
	char db[32], bb[32];
	size_t n;
	long long bytes = 0;
	double dur = 0;

	if (need_call(c) != 0)
		return NULL;
	if ((path = arg_need(c, "path", 1024)) == NULL)
		return NULL;
	n = strlen(path);
	if (path[0] != '/' || n < 5 || strcmp(path + n - 4, ".wav") != 0 ||
	    strstr(path, "/../") != NULL)
		return crm_fail(c, "bad_args", "path is an absolute .wav file");
	if (!arg_num(c, "duration_s", &dur) || !(dur >= 0 && dur < 864e3))
		return crm_fail(
		    c, "bad_args", "duration_s is 0 or more seconds");
	if (!arg_ll(c, "bytes", &bytes) || bytes < 0)
		return crm_fail(c, "bad_args", "bytes is 0 or more");
	p[0] = c->call_id;
	p[1] = path;
	snprintf(db, sizeof(db), "%.3f", dur);
	p[2] = db;
	p[3] = crm_num(bb, bytes);
	switch (crm_qll(c,
	    "WITH u AS (UPDATE calls SET recording_path = $2, "
	    "recording_duration_s = $3::float8, recording_bytes = $4::bigint "
	    "WHERE call_sid = $1 RETURNING 1) SELECT count(*) FROM u",
	    4, p, &bytes)) {
	case -1:
		return NULL;
	}
	if (bytes == 0)
		return crm_fail(c, "not_found", "no call %.40s", c->call_id);
	return json_pack("{s:s, s:s}", "call_sid", c->call_id, "path", path);
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
		return crm_fail(c, "db_unavailable",
		    "writes taken while the "
		    "database was down are not all applied yet");
	p[0] = gw;
	p[1] = boot;
	r = crm_q(c,
	    "UPDATE calls SET ended_at = now(), end_reason = "
	    "'gateway_restart', outcome = 'failed', notes = 'cut off: the "
	    "gateway restarted during the call' || coalesce(' (outcome so "
	    "far: ' || outcome || ')', '') || coalesce('; ' || notes, '') "
	    "WHERE gateway = $1 AND gateway_boot IS DISTINCT FROM $2 AND "
	    "ended_at IS NULL RETURNING call_sid",
	    2, p);
	if (r == NULL)
		return NULL;
	sids = json_array();
	for (i = 0; i < PQntuples(r); i++) {
		json_array_append_new(sids, json_string(PQgetvalue(r, i, 0)));
		log_info(PQgetvalue(r, i, 0),
		    "closed as failed: gateway %s "
		    "restarted",
		    gw);
	}
	PQclear(r);
	return json_pack("{s:o}", "closed", sids);
}

/* The appointments a call changed, from its audit: successful cancel and
 * reschedule requests (not a cancel of one already cancelled). */
#define CHANGES                                                                \
	"(SELECT x.id, x.tool, (x.result->>'appointment_id')::bigint AS appt " \
	"FROM tool_calls x WHERE x.call_sid = c.call_sid AND x.ok AND x.tool " \
	"IN ('cancel_appointment', 'reschedule_appointment') AND NOT "         \
	"(x.result ? 'already_cancelled')) m WHERE m.appt IS NOT NULL"

/* PostgreSQL is down: the call as the spool knows it, or db_unavailable. */
static json_t *
pending_call(struct crm_ctx *c, const char *sid)
{
	json_t *res;

	if ((res = crm_spool_call(sid)) == NULL)
		return crm_fail(c, "db_unavailable",
		    "the database is "
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
	res = crm_qjson(c,
	    "SELECT json_build_object('call_sid', c.call_sid, "
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
	    "'recording', CASE WHEN c.recording_path IS NOT NULL THEN "
	    "json_build_object('url', '/api/v1/calls/' || c.call_sid || "
	    "'/recording.wav', 'duration_s', round(c.recording_duration_s::"
	    "numeric, 2), 'bytes', c.recording_bytes) END, "
	    "'cost', CASE WHEN c.cost_usd IS NOT NULL THEN json_build_object("
	    "'total_usd', round(c.cost_usd, 4), 'telephony_usd', "
	    "round(c.telephony_usd, 4), 'stt_usd', round(c.stt_usd, 4), "
	    "'tts_usd', round(c.tts_usd, 4), 'llm_usd', round(c.llm_usd, 4), "
	    "'telephony_min', c.telephony_min, 'stt_s', c.stt_s, 'tts_chars', "
	    "c.tts_chars, 'llm_tokens', c.llm_tokens) END, 'duration_s', "
	    "round(extract(epoch FROM c.ended_at - c.started_at))::int, "
	    "'first_word_ms', c.first_word_ms, 'v2v_ms', "
	    "coalesce(to_json(c.v2v_ms), '[]'), 'cost_usd', " CRM_CALL_COST(
	        "c") ", "
	             "'messages', coalesce((SELECT "
	             "json_agg(json_build_object('id', "
	             "m.id, 'name', m.name, 'callback_number', "
	             "m.callback_number, "
	             "'body', m.body, 'urgency', m.urgency, 'status', "
	             "m.status, "
	             "'created_at', fd_stamp(m.created_at)) ORDER BY m.id) "
	             "FROM "
	             "messages m WHERE m.call_sid = c.call_sid), '[]'), "
	             "'callbacks', "
	             "coalesce((SELECT json_agg(json_build_object('id', b.id, "
	             "'phone', "
	             "b.phone, 'when', b.when_text, 'due_at', "
	             "fd_stamp(b.due_at), "
	             "'reason', b.reason, 'status', b.status) ORDER BY b.id) "
	             "FROM "
	             "callbacks b WHERE b.call_sid = c.call_sid), '[]'), "
	             "'leads', "
	             "coalesce((SELECT json_agg(json_build_object('id', l.id, "
	             "'name', "
	             "l.name, 'contact', l.contact, 'need', l.need, "
	             "'timeline', "
	             "l.timeline, 'score', l.score) ORDER BY l.id) FROM leads "
	             "l WHERE "
	             "l.call_sid = c.call_sid), '[]'), 'jobs', "
	             "coalesce((SELECT "
	             "json_agg(json_build_object('job_id', j.id, 'kind', "
	             "j.kind, "
	             "'status', j.status, 'due_at', fd_stamp(j.due_at), "
	             "'attempt', "
	             "j.attempt, 'outcome', j.outcome, 'appointment_id', "
	             "j.appointment_id, 'placed_this_call', j.call_sid = "
	             "c.call_sid OR "
	             "EXISTS (SELECT 1 FROM job_attempts ja WHERE ja.job_id = "
	             "j.id AND "
	             "ja.call_sid = c.call_sid)) ORDER BY j.id) FROM jobs j "
	             "WHERE "
	             "j.call_sid = c.call_sid OR j.id IN (SELECT ja.job_id "
	             "FROM "
	             "job_attempts ja WHERE ja.call_sid = c.call_sid) OR "
	             "j.message_id "
	             "IN (SELECT m.id FROM messages m WHERE m.call_sid = "
	             "c.call_sid) "
	             "OR j.callback_id IN (SELECT b.id FROM callbacks b WHERE "
	             "b.call_sid = c.call_sid) OR j.lead_id IN (SELECT l.id "
	             "FROM leads "
	             "l WHERE l.call_sid = c.call_sid) OR j.appointment_id IN "
	             "(SELECT "
	             "a.id FROM appointments a WHERE a.source_call_sid = "
	             "c.call_sid)), '[]'), "
	             "'turns', coalesce((SELECT "
	             "json_agg(json_build_object('role', "
	             "t.role, 'text', t.text, 'at', fd_stamp(t.at), 'heard', "
	             "t.heard, "
	             "'start_ms', t.start_ms, 'end_ms', t.end_ms, "
	             "'confidence', "
	             "round(t.confidence::numeric, 3), 'barged_in', "
	             "t.barged_in, "
	             "'heard_text', CASE WHEN t.role = 'agent' THEN coalesce("
	             "t.heard_text, t.text) END) "
	             "ORDER BY t.at, t.id) FROM call_turns t WHERE t.call_sid "
	             "= "
	             "c.call_sid), '[]'), 'tool_calls', coalesce((SELECT "
	             "json_agg(json_build_object('tool', x.tool, 'args', "
	             "x.args, "
	             "'result', x.result, 'ok', x.ok, 'code', x.code, "
	             "'latency_us', x.latency_us, 'latency_ms', "
	             "round(x.latency_us / 1000.0, 3), 'at', fd_stamp(x.at)) "
	             "ORDER BY "
	             "x.id) FROM tool_calls x WHERE x.call_sid = c.call_sid "
	             "AND x.tool "
	             "NOT IN ('log_turn', 'get_call', 'call_recording')), "
	             "'[]'), 'appointments', "
	             "coalesce((SELECT json_agg(json_build_object('id', a.id, "
	             "'service', s.name, 'start', fd_local(lower(a.during)), "
	             "'end', "
	             "fd_local(upper(a.during)), 'status', a.status, "
	             "'confirmation', "
	             "a.confirmation, 'customer_id', a.customer_id, "
	             "'vehicle_id', "
	             "a.vehicle_id, 'source_call_sid', a.source_call_sid, "
	             "'on_call', "
	             "(CASE WHEN a.source_call_sid = c.call_sid THEN "
	             "'[\"booked\"]' "
	             "ELSE '[]' END)::jsonb || coalesce((SELECT jsonb_agg(CASE "
	             "m.tool "
	             "WHEN 'cancel_appointment' THEN 'cancelled' ELSE "
	             "'rescheduled' END "
	             "ORDER BY m.id) FROM " CHANGES
	             " AND m.appt = a.id), '[]')) "
	             "ORDER BY a.id) FROM appointments a JOIN services s ON "
	             "s.id = "
	             "a.service_id WHERE a.id IN (SELECT b.id FROM "
	             "appointments b "
	             "WHERE b.source_call_sid = c.call_sid UNION SELECT m.appt "
	             "FROM " CHANGES ")), '[]')) FROM calls c WHERE "
	             "c.call_sid = $1",
	    1, p);
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

/* A day of the call list's or the stats' range: YYYY-MM-DD, checked
 * here so a bad one is a clear bad_args, not a database error. */
int
crm_arg_day(struct crm_ctx *c, const char *key, const char **out)
{
	const char *s = arg_str(c, key);
	struct tm tm, norm;
	char *end;

	*out = NULL;
	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 10 || (end = strptime(s, "%Y-%m-%d", &tm)) == NULL ||
	    *end != '\0') {
		crm_fail(c, "bad_args", "%s must be a date YYYY-MM-DD", key);
		return -1;
	}
	tm.tm_hour = 12;
	norm = tm;
	if (mktime(&norm) == (time_t)-1 || norm.tm_mday != tm.tm_mday) {
		crm_fail(c, "bad_args", "%s: no such day %s", key, s);
		return -1;
	}
	*out = s;
	return 0;
}

/*
 * The call list, newest first: filters from/to (local days, inclusive),
 * outcome, direction and q (a number's digits, or part of the caller's
 * name), a page of limit from offset.  total counts every match; next is
 * the offset of the next page, null on the last.
 */
json_t *
tool_list_calls(struct crm_ctx *c)
{
	long long limit = 20, offset = 0, total = 0;
	const char *p[8], *dir, *q;
	char lb[24], ob[24], digits[64];
	json_t *res;
	size_t i, n = 0;
	int rv;

	if (arg_ll(c, "limit", &limit) && (limit < 1 || limit > 500))
		return crm_fail(c, "bad_args", "limit is 1..500");
	if (arg_ll(c, "offset", &offset) && (offset < 0 || offset > 1000000))
		return crm_fail(c, "bad_args", "offset is 0..1000000");
	if (crm_arg_day(c, "from", &p[0]) != 0 ||
	    crm_arg_day(c, "to", &p[1]) != 0)
		return NULL;
	if (p[0] && p[1] && strcmp(p[0], p[1]) > 0)
		return crm_fail(c, "bad_args", "from is after to");
	p[2] = arg_str(c, "outcome");
	if ((dir = arg_str(c, "direction")) != NULL &&
	    strcmp(dir, "inbound") != 0 && strcmp(dir, "outbound") != 0)
		return crm_fail(c, "bad_args",
		    "direction is inbound or "
		    "outbound");
	p[3] = dir;
	q = arg_str(c, "q");
	if (q && strlen(q) > 100)
		return crm_fail(c, "bad_args", "q is at most 100 characters");
	for (i = 0; q && q[i] && n + 1 < sizeof(digits); i++)
		if (q[i] >= '0' && q[i] <= '9')
			digits[n++] = q[i];
	digits[n] = '\0';
	p[4] = q;
	p[5] = n >= 3 ? digits : NULL; /* fewer digits match nearly all */
	p[6] = crm_num(lb, limit);
	p[7] = crm_num(ob, offset);
#define LIST_WHERE                                                             \
	"WHERE ($1::date IS NULL OR c.started_at >= $1::date) AND "            \
	"($2::date IS NULL OR c.started_at < $2::date + 1) AND "               \
	"($3::text IS NULL OR c.outcome = $3) AND "                            \
	"($4::text IS NULL OR c.direction = $4) AND ($5::text IS NULL OR "     \
	"($6::text IS NOT NULL AND strpos(regexp_replace(coalesce("            \
	"c.from_number, '') || ' ' || coalesce(c.to_number, ''), '[^0-9 ]', "  \
	"'', 'g'), $6) > 0) OR EXISTS (SELECT 1 FROM customers cu WHERE "      \
	"cu.id IN (c.caller_customer_id, c.verified_customer_id, "             \
	"c.identified_customer_id) AND strpos(lower(cu.first_name || ' ' || "  \
	"cu.last_name), lower($5)) > 0))"
	rv = crm_qll(
	    c, "SELECT count(*) FROM calls c " LIST_WHERE, 6, p, &total);
	if (rv < 0 && c->code && strcmp(c->code, "db_unavailable") == 0) {
		/* only what waits in the spool is known */
		res = crm_spool_calls((int)limit);
		if (json_array_size(res) == 0) {
			json_decref(res);
			return NULL;
		}
		c->code = NULL;
		return json_pack("{s:o, s:b, s:b, s:s}", "calls", res,
		    "pending", 1, "complete", 0, "status",
		    "the database is unavailable: "
		    "only calls with writes not yet written to it are listed");
	}
	if (rv < 0)
		return NULL;
	res = crm_qjson(c,
	    "SELECT coalesce(json_agg(json_build_object("
	    "'call_sid', x.call_sid, 'from', x.from_number, 'to', "
	    "x.to_number, 'direction', x.direction, 'started_at', "
	    "fd_stamp(x.started_at), 'ended_at', fd_stamp(x.ended_at), "
	    "'duration_s', round(extract(epoch FROM x.ended_at - "
	    "x.started_at))::int, 'outcome', x.outcome, 'customer_id', "
	    "coalesce(x.verified_customer_id, x.caller_customer_id), "
	    "'customer_name', (SELECT nullif(trim(cu.first_name || ' ' || "
	    "cu.last_name), '') FROM customers cu WHERE cu.id = coalesce("
	    "x.verified_customer_id, x.identified_customer_id, "
	    "x.caller_customer_id))) ORDER BY x.started_at DESC, x.call_sid), "
	    "'[]') FROM (SELECT c.* FROM calls c " LIST_WHERE " ORDER BY "
	    "c.started_at DESC, c.call_sid LIMIT $7::int OFFSET $8::int) x",
	    8, p);
#undef LIST_WHERE
	if (res == NULL)
		return NULL;
	return json_pack("{s:o, s:I, s:I, s:I, s:o}", "calls", res, "total",
	    (json_int_t)total, "limit", (json_int_t)limit, "offset",
	    (json_int_t)offset, "next",
	    offset + limit < total ? json_integer(offset + limit)
	                           : json_null());
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
	return crm_qjson(c,
	    "SELECT json_build_object("
	    "'words', coalesce(json_agg(w ORDER BY n), '[]'), "
	    "'version', count(*) || '-' || left(md5(coalesce(string_agg(w, "
	    "chr(10) ORDER BY n), '')), 8)) FROM ("
	    "SELECT w, row_number() OVER (ORDER BY max(k) DESC, w) AS n FROM ("
	    " SELECT trim(first_name || ' ' || last_name) AS w, max(id) AS k "
	    "  FROM customers GROUP BY 1"
	    " UNION ALL SELECT trim(coalesce(make, '') || ' ' || "
	    "  coalesce(model, '')), max(id) FROM vehicles GROUP BY 1) x "
	    "WHERE w <> '' GROUP BY w ORDER BY n LIMIT $1::int) y",
	    1, p);
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
	return json_pack("{s:b, s:I}", "seeded", 1, "customers", (json_int_t)n);
}
