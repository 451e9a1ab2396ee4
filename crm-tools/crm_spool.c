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
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
static volatile int spool_count;     /* records waiting (approximate) */

static int
open_spool(void)
{
	spool_fd = open(spool_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600);
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
	    stat(replay_path, &st) == 0)
		spool_count = 1;        /* left from an earlier run */
	return 0;
}

int
crm_spool_append(const char *call_id, const json_t *req, char *key,
    size_t keylen)
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
	line[n] = '\n';         /* json_dumps leaves room: overwrite the NUL */
	if (write(spool_fd, line, n + 1) != (ssize_t)(n + 1) ||
	    fsync(spool_fd) != 0) {
		log_warn(NULL, "spool: write %s", spool_path);
		free(line);
		goto out;
	}
	free(line);
	spool_count++;
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
	snprintf(body, sizeof(body), "a request taken while the database was "
	    "down could not be applied: %.1200s -> %.600s", line,
	    r ? r : "?");
	free(r);
	p[0] = call_id[0] ? call_id : NULL;
	p[1] = "spool_failed";
	p[2] = body;
	res = crm_q(&c, "INSERT INTO tasks (call_sid, kind, body) VALUES ($1, "
	    "$2, $3)", 3, p);
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
		rep = crm_run(w, call_id ? call_id : "", json_object_get(rec,
		    "req"), 1, id ? id : "");
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
		log_warnx(NULL, "spool: database lost again after %d records; "
		    "will retry", n);
		return -1;
	}
	unlink(replay_path);
	sync_dir();
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
	log_info(NULL, "spool: replaying writes taken while the database was "
	    "down");
	if ((rv = replay_file(w)) != 0)
		spool_count = 1;
	return rv;
}
