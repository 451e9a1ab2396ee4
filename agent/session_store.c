/*
 * session_store.c - call sessions in Redis (hiredis): SET fd:sess:<CallSid>
 * with a TTL after every turn, GET when a restarted agent meets a call it
 * does not know, DEL when the call ends.  One connection shared by the
 * worker threads under a mutex (each command is a few hundred
 * microseconds).  Redis being down never stops a call: the state stays in
 * memory, the outage is logged once, and a reconnect is tried at most
 * every RETRY_US; the sessions whose last save failed are written back
 * as soon as Redis answers again (another agent may have to take those
 * calls before their next turn saves them).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hiredis/hiredis.h>

#include "clock.h"
#include "log.h"
#include "agent_session.h"

#define TIMEOUT_MS 250
#define RETRY_US (5 * 1000000ull)
#define PENDING_MAX 512

/* A session not yet in Redis: its call and its latest text. */
struct pending {
	char id[64];
	char *text;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static redisContext *rc;
static char addr[256];
static int ttl;
static int down; /* the outage was logged */
static uint64_t next_try_us;
static struct pending pend[PENDING_MAX];
static int npend;

/* with mu held: forget call_id's unsaved text */
static void
pending_drop(const char *call_id)
{
	int i;

	for (i = 0; i < npend; i++)
		if (strcmp(pend[i].id, call_id) == 0) {
			free(pend[i].text);
			pend[i] = pend[--npend];
			return;
		}
}

/* with mu held: keep text as call_id's unsaved session */
static void
pending_keep(const char *call_id, const char *text)
{
	char *t;

	pending_drop(call_id);
	if (npend == PENDING_MAX || strlen(call_id) >= sizeof(pend[0].id) ||
	    (t = strdup(text)) == NULL) {
		log_warnx(call_id, "session store: not kept for a write-back");
		return;
	}
	snprintf(pend[npend].id, sizeof(pend[npend].id), "%s", call_id);
	pend[npend++].text = t;
}

void
session_store_init(const char *a, int ttl_s)
{
	pthread_mutex_lock(&mu);
	snprintf(addr, sizeof(addr), "%s", a ? a : "");
	ttl = ttl_s > 0 ? ttl_s : 3600;
	next_try_us = 0;
	pthread_mutex_unlock(&mu);
}

void
session_store_fini(void)
{
	pthread_mutex_lock(&mu);
	if (rc)
		redisFree(rc);
	rc = NULL;
	while (npend > 0)
		free(pend[--npend].text);
	pthread_mutex_unlock(&mu);
}

/* with mu held */
static void
lost(const char *what)
{
	if (!down)
		log_warnx(NULL,
		    "session store: redis %s %s: %s; sessions are "
		    "kept in memory only",
		    addr, what,
		    rc && rc->errstr[0] ? rc->errstr : "unavailable");
	down = 1;
	if (rc)
		redisFree(rc);
	rc = NULL;
	next_try_us = fd_mono_us() + RETRY_US;
}

/* with mu held: a usable connection or NULL */
static redisContext *
conn(void)
{
	struct timeval tv = {0, TIMEOUT_MS * 1000};
	char host[200];
	const char *colon;

	if (addr[0] == '\0')
		return NULL;
	if (rc)
		return rc;
	if (fd_mono_us() < next_try_us)
		return NULL;
	if (strncmp(addr, "unix:", 5) == 0) {
		rc = redisConnectUnixWithTimeout(addr + 5, tv);
	} else if ((colon = strrchr(addr, ':')) != NULL &&
	    (size_t)(colon - addr) < sizeof(host)) {
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = '\0';
		rc = redisConnectWithTimeout(host, atoi(colon + 1), tv);
	}
	if (rc == NULL || rc->err) {
		lost("connect");
		return NULL;
	}
	redisSetTimeout(rc, tv);
	if (down)
		log_info(NULL, "session store: redis %s back", addr);
	down = 0;
	/* write back what was saved while it was away */
	while (npend > 0) {
		struct pending *p = &pend[npend - 1];
		redisReply *r = redisCommand(
		    rc, "SET fd:sess:%s %s EX %d", p->id, p->text, ttl);

		if (r == NULL) {
			lost("set");
			return NULL;
		}
		freeReplyObject(r);
		log_info(p->id, "session store: session written back");
		free(p->text);
		npend--;
	}
	return rc;
}

int
session_store_save(const char *call_id, const char *text)
{
	redisReply *r;
	int rv = -1;

	pthread_mutex_lock(&mu);
	if (conn() != NULL) {
		r = redisCommand(
		    rc, "SET fd:sess:%s %s EX %d", call_id, text, ttl);
		if (r == NULL)
			lost("set");
		else if (r->type == REDIS_REPLY_ERROR)
			log_warnx(call_id, "session store: %s", r->str);
		else
			rv = 0;
		freeReplyObject(r);
	}
	if (rv == 0)
		pending_drop(call_id);
	else if (addr[0] != '\0')
		pending_keep(call_id, text);
	pthread_mutex_unlock(&mu);
	return rv;
}

char *
session_store_load(const char *call_id)
{
	redisReply *r;
	char *s = NULL;

	pthread_mutex_lock(&mu);
	if (conn() != NULL) {
		r = redisCommand(rc, "GET fd:sess:%s", call_id);
		if (r == NULL)
			lost("get");
		else if (r->type == REDIS_REPLY_STRING)
			s = strndup(r->str, r->len);
		freeReplyObject(r);
	}
	pthread_mutex_unlock(&mu);
	return s;
}

void
session_store_drop(const char *call_id)
{
	redisReply *r;

	pthread_mutex_lock(&mu);
	pending_drop(call_id);
	if (conn() != NULL) {
		r = redisCommand(rc, "DEL fd:sess:%s", call_id);
		if (r == NULL)
			lost("del");
		freeReplyObject(r);
	}
	pthread_mutex_unlock(&mu);
}
