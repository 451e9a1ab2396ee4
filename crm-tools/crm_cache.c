/*
 * crm_cache.c - the Redis read cache in front of PostgreSQL, one connection
 * per worker.  The cache is an optimisation only: when Redis is down every
 * call here is a quick no-op (a miss), the outage is logged once per worker
 * and a reconnect is tried at most every 5 seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "crm.h"
#include "log.h"

#define CACHE_TIMEOUT_MS 200
#define CACHE_RETRY_S 5

static redisContext *
cache_connect(void)
{
	struct timeval tv = {0, CACHE_TIMEOUT_MS * 1000};
	char host[200];
	const char *colon;
	int port;

	if (strncmp(crm_cfg.redis, "unix:", 5) == 0)
		return redisConnectUnixWithTimeout(crm_cfg.redis + 5, tv);
	if ((colon = strrchr(crm_cfg.redis, ':')) == NULL ||
	    (size_t)(colon - crm_cfg.redis) >= sizeof(host))
		return NULL;
	memcpy(host, crm_cfg.redis, (size_t)(colon - crm_cfg.redis));
	host[colon - crm_cfg.redis] = '\0';
	port = atoi(colon + 1);
	return redisConnectWithTimeout(host, port, tv);
}

/* Writes made while Redis was away could not invalidate their keys: after
 * an outage drop every cached customer rather than serve stale ones. */
static void
cache_forget_all(redisContext *rc)
{
	redisReply *r, *k;
	char cursor[32] = "0";
	size_t i;

	do {
		r = redisCommand(
		    rc, "SCAN %s MATCH fd:cust:* COUNT 500", cursor);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY ||
		    r->elements != 2) {
			if (r)
				freeReplyObject(r);
			return;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		for (i = 0; i < r->element[1]->elements; i++) {
			k = redisCommand(
			    rc, "DEL %s", r->element[1]->element[i]->str);
			if (k)
				freeReplyObject(k);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
}

static int
cache_ok(struct crm_worker *w)
{
	struct timeval tv = {0, CACHE_TIMEOUT_MS * 1000};
	time_t now;

	if (crm_cfg.redis[0] == '\0')
		return 0;
	if (w->rc && w->rc->err == 0)
		return 1;
	now = time(NULL);
	if (w->rc) {
		redisFree(w->rc);
		w->rc = NULL;
	}
	if (now < w->rc_retry_at)
		return 0;
	w->rc = cache_connect();
	if (w->rc == NULL || w->rc->err) {
		if (!w->rc_down)
			log_warnx(NULL,
			    "cache: worker %d: redis %s "
			    "unavailable (%s); serving from PostgreSQL",
			    w->idx, crm_cfg.redis,
			    w->rc ? w->rc->errstr : "bad address");
		w->rc_down = 1;
		w->rc_retry_at = now + CACHE_RETRY_S;
		if (w->rc)
			redisFree(w->rc);
		w->rc = NULL;
		return 0;
	}
	redisSetTimeout(w->rc, tv);
	if (w->rc_down) {
		log_info(NULL, "cache: worker %d: redis back", w->idx);
		cache_forget_all(w->rc);
	}
	w->rc_down = 0;
	return 1;
}

/* A failed command leaves rc->err set; the next use reconnects later. */
static void
cache_failed(struct crm_worker *w)
{
	if (!w->rc_down)
		log_warnx(NULL, "cache: worker %d: redis error: %s", w->idx,
		    w->rc ? w->rc->errstr : "?");
	w->rc_down = 1;
	w->rc_retry_at = time(NULL) + CACHE_RETRY_S;
	if (w->rc)
		redisFree(w->rc);
	w->rc = NULL;
}

json_t *
crm_cache_get(struct crm_worker *w, const char *key)
{
	redisReply *r;
	json_t *j = NULL;

	if (!cache_ok(w))
		return NULL;
	if ((r = redisCommand(w->rc, "GET %s", key)) == NULL) {
		cache_failed(w);
		return NULL;
	}
	if (r->type == REDIS_REPLY_STRING)
		j = json_loadb(r->str, r->len, JSON_DECODE_ANY, NULL);
	freeReplyObject(r);
	return j;
}

void
crm_cache_set(struct crm_worker *w, const char *key, const json_t *v, int ttl_s)
{
	redisReply *r;
	char *s;

	if (!cache_ok(w))
		return;
	if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return;
	r = redisCommand(w->rc, "SET %s %s EX %d", key, s, ttl_s);
	free(s);
	if (r == NULL)
		cache_failed(w);
	else
		freeReplyObject(r);
}

void
crm_cache_del(struct crm_worker *w, const char *key)
{
	redisReply *r;

	if (!cache_ok(w))
		return;
	if ((r = redisCommand(w->rc, "DEL %s", key)) == NULL)
		cache_failed(w);
	else
		freeReplyObject(r);
}

int
crm_cache_connect(struct crm_worker *w)
{
	return cache_ok(w);
}

void
crm_cache_close(struct crm_worker *w)
{
	if (w->rc)
		redisFree(w->rc);
	w->rc = NULL;
}

void
crm_cust_key(char *buf, size_t len, const char *phone)
{
	snprintf(buf, len, "fd:cust:%s", phone);
}
