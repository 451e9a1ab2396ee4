/*
 * tool_retention.c - retention_sweep: delete the call records older than a
 * cutoff (privacy.retention_days, sent by the scheduler): each call with
 * its transcript turns and tool_calls audit rows, the recording file its
 * calls.recording_path names when that column exists (and the mixed
 * track beside it), and audit rows of
 * no call from before the cutoff.  Batches of `batch` calls, each one
 * statement (its own transaction), so a large backlog never holds long
 * locks.  Messages, leads and callbacks are the shop's work and stay.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "crm.h"
#include "log.h"

#define SWEEP_MAX_BATCHES 1000

/* The gateway's mixed track beside a stereo recording: NAME.mixed.wav. */
static void
unlink_mixed(const char *path)
{
	char m[PATH_MAX];
	size_t n = strlen(path);

	if (n < 4 || strcmp(path + n - 4, ".wav") != 0 || n + 7 >= sizeof(m))
		return;
	snprintf(m, sizeof(m), "%.*s.mixed.wav", (int)(n - 4), path);
	if (unlink(m) != 0 && errno != ENOENT)
		log_warn(NULL, "retention: recording %s", m);
}

/* One batch; the number of calls deleted (0 when none are left), -1 on a
 * database error.  Adds to the counts and unlinks the recordings. */
static int
sweep_batch(struct crm_ctx *c, const char *cut, const char *batch,
    int has_recording, long long *turns, long long *audit, long long *files)
{
	/* the column is named only when it exists; values are parameters */
	static const char head[] =
	    "WITH old AS (SELECT call_sid FROM calls "
	    "WHERE started_at < to_timestamp($1::bigint) ORDER BY started_at "
	    "LIMIT $2::int FOR UPDATE SKIP LOCKED), "
	    "t AS (DELETE FROM call_turns x USING old WHERE x.call_sid = "
	    "old.call_sid RETURNING 1), "
	    "a AS (DELETE FROM tool_calls x USING old WHERE x.call_sid = "
	    "old.call_sid RETURNING 1), ";
	static const char with_rec[] =
	    "d AS (DELETE FROM calls x USING old "
	    "WHERE x.call_sid = old.call_sid RETURNING x.recording_path AS p) ";
	static const char no_rec[] =
	    "d AS (DELETE FROM calls x USING old "
	    "WHERE x.call_sid = old.call_sid RETURNING NULL::text AS p) ";
	static const char tail[] =
	    "SELECT (SELECT count(*) FROM d), "
	    "(SELECT count(*) FROM t), (SELECT count(*) FROM a), "
	    "p FROM (SELECT p FROM d WHERE p IS NOT NULL AND p <> '' "
	    "UNION ALL SELECT NULL) f";
	char sql[sizeof(head) + sizeof(with_rec) + sizeof(tail)];
	const char *p[2] = {cut, batch};
	const char *path;
	PGresult *r;
	int i, n;

	snprintf(sql, sizeof(sql), "%s%s%s", head,
	    has_recording ? with_rec : no_rec, tail);
	if ((r = crm_q(c, sql, 2, p)) == NULL)
		return -1;
	n = PQntuples(r) > 0 ? atoi(PQgetvalue(r, 0, 0)) : 0;
	if (PQntuples(r) > 0) {
		*turns += atoll(PQgetvalue(r, 0, 1));
		*audit += atoll(PQgetvalue(r, 0, 2));
	}
	for (i = 0; i < PQntuples(r); i++) {
		if (PQgetisnull(r, i, 3))
			continue;
		path = PQgetvalue(r, i, 3);
		if (unlink(path) == 0)
			(*files)++;
		else if (errno != ENOENT)
			log_warn(NULL, "retention: recording %s", path);
		unlink_mixed(path);
	}
	PQclear(r);
	return n;
}

json_t *
tool_retention_sweep(struct crm_ctx *c)
{
	const char *before, *p[2];
	char cut[24], bb[24];
	long long batch = 500, calls = 0, turns = 0, audit = 0, files = 0,
	          loose = 0, has_rec = 0;
	time_t t;
	int i, n;

	if ((before = arg_need(c, "before", 32)) == NULL)
		return NULL;
	if (fd_time_parse(before, &t) != 0)
		return crm_fail(c, "bad_args", "before is YYYY-MM-DDTHH:MM:SS");
	if (arg_ll(c, "batch", &batch) && (batch < 1 || batch > 10000))
		return crm_fail(c, "bad_args", "batch is 1 to 10000");
	crm_num(cut, (long long)t);
	crm_num(bb, batch);
	if (crm_qll(c,
	        "SELECT count(*) FROM information_schema.columns "
	        "WHERE table_schema = current_schema() AND table_name = "
	        "'calls' "
	        "AND column_name = 'recording_path'",
	        0, NULL, &has_rec) < 0)
		return NULL;
	for (i = 0; i < SWEEP_MAX_BATCHES; i++) {
		if ((n = sweep_batch(
		         c, cut, bb, has_rec > 0, &turns, &audit, &files)) < 0)
			return NULL;
		calls += n;
		if (n < batch)
			break;
	}
	p[0] = cut;
	p[1] = bb;
	/* audit rows of no call (list_tools, the staff API) */
	do {
		if (crm_qll(c,
		        "WITH d AS (DELETE FROM tool_calls WHERE id IN "
		        "(SELECT id FROM tool_calls WHERE call_sid IS NULL AND "
		        "at < "
		        "to_timestamp($1::bigint) LIMIT $2::int) RETURNING 1) "
		        "SELECT count(*) FROM d",
		        2, p, &batch) < 0)
			return NULL;
		loose += batch;
	} while (batch > 0 && ++i < SWEEP_MAX_BATCHES);
	log_info(NULL,
	    "retention: before %s deleted %lld calls, %lld turns, "
	    "%lld audit rows, %lld recordings",
	    before, calls, turns, audit + loose, files);
	return json_pack("{s:s, s:I, s:I, s:I, s:I}", "before", before, "calls",
	    (json_int_t)calls, "turns", (json_int_t)turns, "tool_calls",
	    (json_int_t)(audit + loose), "recordings", (json_int_t)files);
}
