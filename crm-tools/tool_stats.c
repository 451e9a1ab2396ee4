/*
 * tool_stats.c - call_stats, the figures of the admin API's
 * GET /api/v1/stats (gateway/http.c) and the dashboard's overview: calls
 * per local day, inbound and outbound, the outcome mix, average duration,
 * bookings, leads, messages, transfers, first-word and voice-to-voice
 * latency percentiles and cost, over a range of local days.
 *
 * Everything is counted from one set of calls (those started in the
 * range), so the parts add up: the days' calls sum to calls, the
 * outcomes (a call without one counts as "in_progress" or "none") sum to
 * calls, and the days' bookings sum to bookings.  Internal: the LLM never
 * sees it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crm.h"

#define STATS_MAX_DAYS 366

/* The local day of t, YYYY-MM-DD, days after it (negative: before). */
static void
day_text(time_t t, int days, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_mday += days;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/* Days from a to b (YYYY-MM-DD, already checked). */
static long
days_between(const char *a, const char *b)
{
	struct tm ta, tb;

	memset(&ta, 0, sizeof(ta));
	memset(&tb, 0, sizeof(tb));
	strptime(a, "%Y-%m-%d", &ta);
	strptime(b, "%Y-%m-%d", &tb);
	ta.tm_hour = tb.tm_hour = 12;
	ta.tm_isdst = tb.tm_isdst = -1;
	return (long)((mktime(&tb) - mktime(&ta) + 43200) / 86400);
}

/* The percentile f of the latencies of set (a FROM clause yielding ms). */
#define PCT(f, set)                                                            \
	"(SELECT round(percentile_cont(" f ") WITHIN GROUP "                   \
	"(ORDER BY ms))::int FROM " set ")"

json_t *
tool_call_stats(struct crm_ctx *c)
{
	char fb[16], tb[16];
	const char *p[2];
	long n;

	if (crm_arg_day(c, "from", &p[0]) != 0 ||
	    crm_arg_day(c, "to", &p[1]) != 0)
		return NULL;
	if (p[1] == NULL) {
		day_text(c->now, 0, tb, sizeof(tb));
		p[1] = tb;
	}
	if (p[0] == NULL) {
		if (arg_str(c, "to") != NULL)
			return crm_fail(
			    c, "bad_args", "from is needed with to");
		day_text(c->now, -6, fb, sizeof(fb));
		p[0] = fb;
	}
	if ((n = days_between(p[0], p[1])) < 0)
		return crm_fail(c, "bad_args", "from is after to");
	if (n >= STATS_MAX_DAYS)
		return crm_fail(c, "bad_args", "the range is at most %d days",
		    STATS_MAX_DAYS);
	return crm_qjson(c,
	    "WITH k AS (SELECT c.call_sid, c.direction, "
	    "c.outcome, c.end_reason, c.first_word_ms, c.v2v_ms, "
	    "(c.started_at AT TIME ZONE current_setting('TimeZone'))::date "
	    "AS day, extract(epoch FROM c.ended_at - c.started_at) AS dur, "
	    "coalesce(c.outcome, CASE WHEN c.ended_at IS NULL THEN "
	    "'in_progress' ELSE 'none' END) AS oc, " CRM_CALL_COST(
	        "c") " AS cost FROM calls c WHERE c.started_at >= $1::date AND "
	             "c.started_at < $2::date + 1), "
	             "v AS (SELECT k.day, unnest(k.v2v_ms) AS ms FROM k), "
	             "w AS (SELECT k.day, k.first_word_ms AS ms FROM k WHERE "
	             "k.first_word_ms IS NOT NULL), "
	             "b AS (SELECT k.day FROM appointments a JOIN k ON "
	             "a.source_call_sid = k.call_sid), "
	             "t AS (SELECT count(*) AS n FROM k WHERE k.outcome = "
	             "'transferred' OR k.end_reason = 'transfer'), "
	             "d AS (SELECT g::date AS day FROM "
	             "generate_series($1::date, "
	             "$2::date, interval '1 day') g) "
	             "SELECT json_build_object('from', $1::text, 'to', "
	             "$2::text, "
	             "'calls', (SELECT count(*) FROM k), "
	             "'inbound', (SELECT count(*) FROM k WHERE k.direction = "
	             "'inbound'), "
	             "'outbound', (SELECT count(*) FROM k WHERE k.direction = "
	             "'outbound'), "
	             "'per_day', (SELECT json_agg(json_build_object('date', "
	             "to_char(d.day, 'YYYY-MM-DD'), "
	             "'calls', (SELECT count(*) FROM k WHERE k.day = d.day), "
	             "'inbound', (SELECT count(*) FROM k WHERE k.day = d.day "
	             "AND "
	             "k.direction = 'inbound'), "
	             "'outbound', (SELECT count(*) FROM k WHERE k.day = d.day "
	             "AND "
	             "k.direction = 'outbound'), "
	             "'bookings', (SELECT count(*) FROM b WHERE b.day = "
	             "d.day), "
	             "'v2v_ms_p50', " PCT("0.5",
	                 "v WHERE v.day = d.day") ", "
	                                          "'v2v_ms_p95', " PCT("0.95",
	                                              "v WHERE v.day = "
	                                              "d.day") ") "
	                                                       "ORDER "
	                                                       "BY "
	                                                       "d.day) "
	                                                       "FROM "
	                                                       "d), "
	                                                       "'outcome"
	                                                       "s', "
	                                                       "(SELECT "
	                                                       "coalesce"
	                                                       "(json_"
	                                                       "object_"
	                                                       "agg(x."
	                                                       "oc, "
	                                                       "x.n), "
	                                                       "'{}') "
	                                                       "FROM "
	                                                       "(SELECT "
	                                                       "k.oc, "
	                                                       "count(*)"
	                                                       " AS n "
	                                                       "FROM k "
	                                                       "GROUP "
	                                                       "BY k.oc "
	                                                       "ORDER "
	                                                       "BY "
	                                                       "k.oc) "
	                                                       "x), "
	                                                       "'avg_"
	                                                       "duration"
	                                                       "_s', "
	                                                       "(SELECT "
	                                                       "round("
	                                                       "avg(k."
	                                                       "dur)::"
	                                                       "numeric,"
	                                                       " 1) "
	                                                       "FROM k "
	                                                       "WHERE "
	                                                       "k.dur "
	                                                       "IS NOT "
	                                                       "NULL), "
	                                                       "'booking"
	                                                       "s', "
	                                                       "(SELECT "
	                                                       "count(*)"
	                                                       " FROM "
	                                                       "b), "
	                                                       "'leads',"
	                                                       " ("
	                                                       "SELECT "
	                                                       "count(*)"
	                                                       " FROM "
	                                                       "leads l "
	                                                       "JOIN k "
	                                                       "ON "
	                                                       "l.call_"
	                                                       "sid = "
	                                                       "k.call_"
	                                                       "sid), "
	                                                       "'message"
	                                                       "s', "
	                                                       "(SELECT "
	                                                       "count(*)"
	                                                       " FROM "
	                                                       "messages"
	                                                       " m JOIN "
	                                                       "k ON "
	                                                       "m.call_"
	                                                       "sid = "
	                                                       "k.call_"
	                                                       "sid), "
	                                                       "'transfe"
	                                                       "rs', "
	                                                       "(SELECT "
	                                                       "n FROM "
	                                                       "t), "
	                                                       "'transfe"
	                                                       "r_rate_"
	                                                       "pct', "
	                                                       "(SELECT "
	                                                       "CASE "
	                                                       "WHEN "
	                                                       "count(*)"
	                                                       " = 0 "
	                                                       "THEN 0 "
	                                                       "ELSE "
	                                                       "round("
	                                                       "100.0 * "
	                                                       "(SELECT "
	                                                       "n FROM "
	                                                       "t) / "
	                                                       "count(*)"
	                                                       ", 1) "
	                                                       "END "
	                                                       "FROM "
	                                                       "k), "
	                                                       "'first_"
	                                                       "word_ms_"
	                                                       "p50',"
	                                                       " " PCT("0.5",
	                                                           "w") ", "
	                                                                "'first"
	                                                                "_word_"
	                                                                "ms_"
	                                                                "p95',"
	                                                                " " PCT(
	                                                                    "0."
	                                                                    "9"
	                                                                    "5",
	                                                                    "w") ", "
	                                                                         "'v2v_ms_p50', " PCT(
	                                                                             "0.5",
	                                                                             "v") ", "
	                                                                                  "'v2v_ms_p95', " PCT(
	                                                                                      "0.95",
	                                                                                      "v") ", "
	                                                                                           "'cost_total_usd', (SELECT round(coalesce(sum(k.cost), 0), 4) "
	                                                                                           "FROM k), "
	                                                                                           "'cost_per_call_usd', (SELECT CASE WHEN count(*) = 0 THEN 0 ELSE "
	                                                                                           "round(sum(k.cost) / count(*), 4) END FROM k))",
	    2, p);
}
