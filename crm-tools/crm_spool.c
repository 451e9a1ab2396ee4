/*
 * crm_spool.c - writes the caller was told about, kept on disk while
 * PostgreSQL is down and applied once it is back.
 *
 * Each record is one JSON line {id, call_id, req} appended with a single
 * write(2) and fsync(2) before the caller hears "done".  Replay renames the
 * file aside (new writes start a fresh one), runs every request through the
 * normal tool path with replay set, and deletes the file when all are in.
 * A replay interrupted by another outage starts over from the renamed file:
 * every spooled write carries an idempotency key derived from its id, so a
 * request applied twice still stores one row ("exactly once").  A request
 * that no longer succeeds (its slot was taken meanwhile) becomes a staff task.
 *
 * The calls with records waiting are counted here (rebuilt from the files at
 * start, so a crash while spooled loses nothing): until a call's records are
 * all in, crm_run() spools that call's later writes too, so a call's
 * call_begin, turns, outcome and call_end reach the database in the order
 * they were made, even when PostgreSQL returns between two of them.  The
 * same records answer get_call and list_calls while PostgreSQL is down
 * (crm_spool_call, crm_spool_calls).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "crm.h"
#include "log.h"

static pthread_mutex_t spool_mu = PTHREAD_MUTEX_INITIALIZER;
static char spool_path[512];
static char replay_path[512];
static char spool_dirname[256];
static int spool_fd = -1;
static unsigned spool_seq;
static volatile int spool_count; /* records waiting (approximate) */

/* Calls with records in the spool or replay file, and how many. */
struct spool_call {
	char call_id[64];
	int n;
};
static struct spool_call *pend;
static int npend, cappend;

static void
pend_add(const char *call_id)
{
	struct spool_call *p;
	int i;

	if (call_id == NULL || call_id[0] == '\0')
		return;
	for (i = 0; i < npend; i++)
		if (strcmp(pend[i].call_id, call_id) == 0) {
			pend[i].n++;
			return;
		}
	if (npend == cappend) {
		p = realloc(
		    pend, (size_t)(cappend ? cappend * 2 : 16) * sizeof(*pend));
		if (p == NULL) {
			log_warnx(call_id,
			    "spool: out of memory: the call's "
			    "next writes may overtake its spooled ones");
			return;
		}
		pend = p;
		cappend = cappend ? cappend * 2 : 16;
	}
	snprintf(
	    pend[npend].call_id, sizeof(pend[npend].call_id), "%s", call_id);
	pend[npend++].n = 1;
}

/* Call fn on every record of path, in order. */
static void
each_record(const char *path, void (*fn)(json_t *rec, void *arg), void *arg)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	json_t *rec;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return;
	while ((len = getline(&line, &cap, f)) > 0) {
		if ((rec = json_loadb(line, (size_t)len, 0, NULL)) == NULL)
			continue;
		fn(rec, arg);
		json_decref(rec);
	}
	free(line);
	fclose(f);
}

static void
count_record(json_t *rec, void *arg)
{
	(void)arg;
	pend_add(json_string_value(json_object_get(rec, "call_id")));
}

/* spool_mu held */
static void
pend_rebuild(int with_replay)
{
	npend = 0;
	if (with_replay)
		each_record(replay_path, count_record, NULL);
	each_record(spool_path, count_record, NULL);
}

static int
open_spool(void)
{
	spool_fd =
	    open(spool_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (spool_fd < 0) {
		log_warn(NULL, "spool: open %s", spool_path);
		return -1;
	}
	return 0;
}

static void
sync_dir(void)
{
	int fd = open(spool_dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int
crm_spool_init(const char *dir)
{
	struct stat st;
	char tmp[256], *p;

	snprintf(spool_dirname, sizeof(spool_dirname), "%s", dir);
	/* mkdir -p */
	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0700);
			*p = '/';
		}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
		log_warn(NULL, "spool: mkdir %s", dir);
		return -1;
	}
	snprintf(spool_path, sizeof(spool_path), "%s/crm-spool.jsonl", dir);
	snprintf(replay_path, sizeof(replay_path), "%s/crm-spool.replay", dir);
	if (open_spool() != 0)
		return -1;
	if ((stat(spool_path, &st) == 0 && st.st_size > 0) ||
	    stat(replay_path, &st) == 0) {
		spool_count = 1; /* left from an earlier run */
		pthread_mutex_lock(&spool_mu);
		pend_rebuild(1);
		pthread_mutex_unlock(&spool_mu);
		log_info(NULL,
		    "spool: writes of %d calls left from an earlier "
		    "run wait for the database",
		    npend);
	}
	return 0;
}

int
crm_spool_append(
    const char *call_id, const json_t *req, char *key, size_t keylen)
{
	json_t *rec;
	char *line;
	size_t n;
	int rv = -1;

	pthread_mutex_lock(&spool_mu);
	if (spool_fd < 0 && (spool_path[0] == '\0' || open_spool() != 0))
		goto out;
	snprintf(key, keylen, "%lld-%d-%u", (long long)fd_wall_us(),
	    (int)getpid(), ++spool_seq);
	rec = json_pack("{s:s, s:s, s:O}", "id", key, "call_id",
	    call_id ? call_id : "", "req", req);
	line = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
	json_decref(rec);
	if (line == NULL)
		goto out;
	n = strlen(line);
	line[n] = '\n'; /* json_dumps leaves room: overwrite the NUL */
	if (write(spool_fd, line, n + 1) != (ssize_t)(n + 1) ||
	    fsync(spool_fd) != 0) {
		log_warn(NULL, "spool: write %s", spool_path);
		free(line);
		goto out;
	}
	free(line);
	spool_count++;
	pend_add(call_id);
	rv = 0;
out:
	pthread_mutex_unlock(&spool_mu);
	return rv;
}

int
crm_spool_pending(void)
{
	return spool_count > 0;
}

int
crm_spool_call_pending(const char *call_id)
{
	int i, found = 0;

	if (call_id != NULL && call_id[0] == '\0')
		return 0;
	pthread_mutex_lock(&spool_mu);
	if (call_id == NULL)
		found = npend > 0;
	for (i = 0; i < npend && !found; i++)
		found = strcmp(pend[i].call_id, call_id) == 0;
	pthread_mutex_unlock(&spool_mu);
	return found;
}

/* A spooled request that cannot be applied any more: tell the staff. */
static void
raise_task(struct crm_worker *w, const char *call_id, const char *line,
    const json_t *rep)
{
	struct crm_ctx c;
	char body[2048], *r;
	const char *p[3];
	PGresult *res;

	memset(&c, 0, sizeof(c));
	c.w = w;
	c.call_id = call_id;
	c.tool = "spool";
	r = json_dumps(rep, JSON_COMPACT);
	snprintf(body, sizeof(body),
	    "a request taken while the database was "
	    "down could not be applied: %.1200s -> %.600s",
	    line, r ? r : "?");
	free(r);
	p[0] = call_id[0] ? call_id : NULL;
	p[1] = "spool_failed";
	p[2] = body;
	res = crm_q(&c,
	    "INSERT INTO tasks (call_sid, kind, body) VALUES ($1, "
	    "$2, $3)",
	    3, p);
	PQclear(res);
}

/* Apply every record of the replay file; 0 when all are done, -1 if the
 * database went away again (the file stays for the next attempt). */
static int
replay_file(struct crm_worker *w)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	json_t *rec, *rep;
	const char *id, *call_id, *code;
	FILE *f;
	int n = 0, failed = 0;

	if ((f = fopen(replay_path, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		if ((rec = json_loadb(line, (size_t)len, 0, NULL)) == NULL) {
			log_err(NULL, "spool: unreadable record skipped");
			continue;
		}
		id = json_string_value(json_object_get(rec, "id"));
		call_id = json_string_value(json_object_get(rec, "call_id"));
		rep = crm_run(w, call_id ? call_id : "",
		    json_object_get(rec, "req"), 1, id ? id : "");
		if (json_is_true(json_object_get(rep, "ok"))) {
			n++;
		} else {
			code = json_string_value(json_object_get(rep, "code"));
			if (code && strcmp(code, "db_unavailable") == 0) {
				json_decref(rep);
				json_decref(rec);
				failed = 1;
				break;
			}
			log_err(call_id, "spool: %s could not be applied (%s)",
			    id ? id : "?", code ? code : "?");
			raise_task(w, call_id ? call_id : "", line, rep);
		}
		json_decref(rep);
		json_decref(rec);
	}
	free(line);
	fclose(f);
	if (failed) {
		log_warnx(NULL,
		    "spool: database lost again after %d records; "
		    "will retry",
		    n);
		return -1;
	}
	unlink(replay_path);
	sync_dir();
	/* the calls still waiting are those written to the spool meanwhile */
	pthread_mutex_lock(&spool_mu);
	pend_rebuild(0);
	pthread_mutex_unlock(&spool_mu);
	log_info(NULL, "spool: %d records applied", n);
	return 0;
}

int
crm_spool_replay(struct crm_worker *w)
{
	struct stat st;
	int rv;

	if (spool_path[0] == '\0' || !crm_pg_ok(w))
		return -1;
	/* an interrupted replay goes first, in its original order */
	if (stat(replay_path, &st) == 0 && replay_file(w) != 0)
		return -1;
	pthread_mutex_lock(&spool_mu);
	if (stat(spool_path, &st) != 0 || st.st_size == 0) {
		spool_count = 0;
		npend = 0;
		pthread_mutex_unlock(&spool_mu);
		return 0;
	}
	if (rename(spool_path, replay_path) != 0) {
		log_warn(NULL, "spool: rename");
		pthread_mutex_unlock(&spool_mu);
		return -1;
	}
	sync_dir();
	if (spool_fd >= 0)
		close(spool_fd);
	spool_fd = -1;
	open_spool();
	spool_count = 0;
	pthread_mutex_unlock(&spool_mu);
	log_info(NULL,
	    "spool: replaying writes taken while the database was "
	    "down");
	if ((rv = replay_file(w)) != 0)
		spool_count = 1;
	return rv;
}

/* A spooled "_at" (local YYYY-MM-DDTHH:MM:SS) as the record's other
 * instants are written: ISO 8601 with the offset. */
static json_t *
stamp(const json_t *args)
{
	const char *s = json_string_value(json_object_get(args, "_at"));
	char buf[40];
	struct tm tm;
	time_t t;
	size_t n;

	if (s == NULL || fd_time_parse(s, &t) != 0)
		return json_null();
	localtime_r(&t, &tm);
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S%z", &tm);
	if (n < 5)
		return json_null();
	/* +hhmm -> +hh:mm */
	memmove(buf + n - 1, buf + n - 2, 3);
	buf[n - 2] = ':';
	return json_string(buf);
}

static void
set_arg(json_t *rec, const char *key, const json_t *args, const char *arg)
{
	json_t *v = json_object_get(args, arg);

	if (json_is_string(v))
		json_object_set(rec, key, v);
}

/* The args a spooled request was given, without the spool's own keys. */
static json_t *
public_args(const json_t *args)
{
	json_t *out = json_object(), *v;
	const char *k;

	json_object_foreach((json_t *)args, k, v) if (k[0] != '_')
	    json_object_set(out, k, v);
	return out;
}

struct assemble {
	const char *sid;
	json_t *rec; /* one call's record (crm_spool_call) */
	json_t *calls; /* sid -> summary (crm_spool_calls) */
	json_t *order; /* sids in order of first write */
};

/* Fold one spooled request into the record of its call. */
static void
fold(json_t *rec, const char *tool, const json_t *args, const char *id)
{
	const char *role;
	json_t *turns, *tcs;

	if (strcmp(tool, "call_begin") == 0) {
		set_arg(rec, "from", args, "from");
		set_arg(rec, "to", args, "to");
		json_object_set_new(rec, "direction",
		    json_string(strncmp(json_string_value(
		                            json_object_get(args, "direction"))
		                        ? json_string_value(json_object_get(
		                              args, "direction"))
		                        : "inbound",
		                    "outbound", 8) == 0
		            ? "outbound"
		            : "inbound"));
		json_object_set_new(rec, "started_at", stamp(args));
	} else if (strcmp(tool, "log_turn") == 0) {
		role = json_string_value(json_object_get(args, "role"));
		if (role && strcmp(role, "user") == 0)
			role = "caller";
		else if (role && strcmp(role, "assistant") == 0)
			role = "agent";
		turns = json_object_get(rec, "turns");
		json_array_append_new(turns,
		    json_pack("{s:s?, s:O?, s:o, s:b, "
		              "s:O?, s:O?, s:O?, s:b, s:O?}",
		        "role", role, "text", json_object_get(args, "text"),
		        "at", stamp(args), "heard",
		        !json_is_false(json_object_get(args, "heard")),
		        "start_ms", json_object_get(args, "start_ms"), "end_ms",
		        json_object_get(args, "end_ms"), "confidence",
		        json_object_get(args, "confidence"), "barged_in",
		        json_is_true(json_object_get(args, "barged_in")),
		        "heard_text", json_object_get(args, "heard_text")));
	} else if (strcmp(tool, "log_call_outcome") == 0) {
		set_arg(rec, "outcome", args, "outcome");
		set_arg(rec, "notes", args, "notes");
	} else if (strcmp(tool, "call_end") == 0) {
		if (json_is_null(json_object_get(rec, "ended_at")))
			json_object_set_new(rec, "ended_at", stamp(args));
		if (json_is_null(json_object_get(rec, "end_reason")))
			set_arg(rec, "end_reason", args, "reason");
	} else if (strcmp(tool, "deny_caller_id") == 0) {
		json_object_set_new(rec, "caller_id_denied", json_true());
	} else if (strcmp(tool, "call_recording") == 0) {
		/* as get_call shows it: the API's url, not the path */
		char url[128];

		snprintf(url, sizeof(url), "/api/v1/calls/%s/recording.wav",
		    json_string_value(json_object_get(rec, "call_sid")));
		json_object_set_new(rec, "recording",
		    json_pack("{s:s, s:O?, "
		              "s:O?}",
		        "url", url, "duration_s",
		        json_object_get(args, "duration_s"), "bytes",
		        json_object_get(args, "bytes")));
		return;
	}
	if (strcmp(tool, "log_turn") != 0) {
		tcs = json_object_get(rec, "tool_calls");
		json_array_append_new(tcs,
		    json_pack("{s:s, s:o, s:{s:b, s:s}, "
		              "s:b, s:o}",
		        "tool", tool, "args", public_args(args), "result",
		        "spooled", 1, "spool_id", id, "ok", 1, "at",
		        stamp(args)));
	}
}

static json_t *
new_record(const char *sid)
{
	return json_pack("{s:s, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:b, "
	                 "s:n, s:n, s:[], s:[], s:[], s:b, s:s}",
	    "call_sid", sid, "from", "to", "direction", "started_at",
	    "ended_at", "end_reason", "outcome", "notes", "caller_id_denied", 0,
	    "recording", "cost", "turns", "tool_calls", "appointments",
	    "pending", 1, "status",
	    "not yet written to the "
	    "database: the writes crm-tools holds for this call");
}

static void
assemble_record(json_t *rec, void *arg)
{
	struct assemble *a = arg;
	const char *cid = json_string_value(json_object_get(rec, "call_id"));
	const char *id = json_string_value(json_object_get(rec, "id"));
	json_t *req = json_object_get(rec, "req"), *r;
	const char *tool = json_string_value(json_object_get(req, "tool"));
	json_t *args = json_object_get(req, "args");

	if (cid == NULL || cid[0] == '\0' || tool == NULL)
		return;
	if (a->sid != NULL) {
		if (strcmp(cid, a->sid) != 0)
			return;
		if (a->rec == NULL)
			a->rec = new_record(cid);
		r = a->rec;
	} else if ((r = json_object_get(a->calls, cid)) == NULL) {
		r = new_record(cid);
		json_object_set_new(a->calls, cid, r);
		json_array_append_new(a->order, json_string(cid));
	}
	fold(r, tool, args, id ? id : "");
}

static void
assemble(struct assemble *a)
{
	pthread_mutex_lock(&spool_mu);
	if (npend > 0) {
		each_record(replay_path, assemble_record, a);
		each_record(spool_path, assemble_record, a);
	}
	pthread_mutex_unlock(&spool_mu);
}

json_t *
crm_spool_call(const char *call_id)
{
	struct assemble a;

	memset(&a, 0, sizeof(a));
	a.sid = call_id;
	assemble(&a);
	return a.rec;
}

json_t *
crm_spool_calls(int limit)
{
	struct assemble a;
	json_t *list, *r;
	size_t i;

	memset(&a, 0, sizeof(a));
	a.calls = json_object();
	a.order = json_array();
	assemble(&a);
	list = json_array();
	/* most recent first, like list_calls */
	for (i = json_array_size(a.order);
	     i > 0 && (int)json_array_size(list) < limit; i--) {
		r = json_object_get(
		    a.calls, json_string_value(json_array_get(a.order, i - 1)));
		json_array_append_new(list,
		    json_pack("{s:O, s:O, s:O, s:O, "
		              "s:O, s:O, s:O, s:b}",
		        "call_sid", json_object_get(r, "call_sid"), "from",
		        json_object_get(r, "from"), "to",
		        json_object_get(r, "to"), "direction",
		        json_object_get(r, "direction"), "started_at",
		        json_object_get(r, "started_at"), "ended_at",
		        json_object_get(r, "ended_at"), "outcome",
		        json_object_get(r, "outcome"), "pending", 1));
	}
	json_decref(a.calls);
	json_decref(a.order);
	return list;
}
