/*
 * tts_cache.c - the bounded cache of synthesised segments (tts_cache.h).
 * A chained hash table over the key (tag, voice, text) and a doubly
 * linked list in order of use; one mutex guards both.  Entries are
 * copied in and out, so a worker replaying a hit never holds the lock
 * while it publishes, and an eviction never frees audio someone reads.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tts_cache.h"

#define NBUCKETS 1024

struct entry {
	struct entry *hnext; /* bucket chain */
	struct entry *prev, *next; /* use order: head most recent */
	uint64_t hash;
	char *key;
	uint8_t *data;
	size_t n;
};

struct tts_cache {
	pthread_mutex_t mu;
	size_t max, used; /* bytes: audio plus keys */
	struct entry *buckets[NBUCKETS];
	struct entry *head, *tail;
	uint64_t hits, misses;
};

static char *make_key(
    const char *tag, const char *voice, const char *text, uint64_t *hash);
static struct entry *lookup(struct tts_cache *c, const char *key, uint64_t h);
static void unlink_entry(struct tts_cache *c, struct entry *e);
static void push_front(struct tts_cache *c, struct entry *e);
static size_t cost(const struct entry *e);

struct tts_cache *
tts_cache_new(size_t max_bytes)
{
	struct tts_cache *c;

	if (max_bytes == 0 || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	pthread_mutex_init(&c->mu, NULL);
	c->max = max_bytes;
	return c;
}

void
tts_cache_free(struct tts_cache *c)
{
	struct entry *e;

	if (c == NULL)
		return;
	while ((e = c->head) != NULL) {
		c->head = e->next;
		free(e->key);
		free(e->data);
		free(e);
	}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int
tts_cache_get(struct tts_cache *c, const char *tag, const char *voice,
    const char *text, uint8_t **data, size_t *n)
{
	struct entry *e;
	uint64_t h;
	char *key;
	int hit = 0;

	*data = NULL;
	*n = 0;
	if (c == NULL || (key = make_key(tag, voice, text, &h)) == NULL)
		return 0;
	pthread_mutex_lock(&c->mu);
	if ((e = lookup(c, key, h)) != NULL && (*data = malloc(e->n)) != NULL) {
		memcpy(*data, e->data, e->n);
		*n = e->n;
		unlink_entry(c, e);
		push_front(c, e);
		hit = 1;
		c->hits++;
	} else
		c->misses++;
	pthread_mutex_unlock(&c->mu);
	free(key);
	return hit;
}

void
tts_cache_put(struct tts_cache *c, const char *tag, const char *voice,
    const char *text, const uint8_t *data, size_t n)
{
	struct entry *e, **pp;
	uint64_t h;
	char *key;

	if (c == NULL || n == 0 || n > c->max / 8 ||
	    (key = make_key(tag, voice, text, &h)) == NULL)
		return;
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->data = malloc(n)) == NULL) {
		free(e);
		free(key);
		return;
	}
	memcpy(e->data, data, n);
	e->n = n;
	e->key = key;
	e->hash = h;
	pthread_mutex_lock(&c->mu);
	for (pp = &c->buckets[h % NBUCKETS]; *pp; pp = &(*pp)->hnext)
		if ((*pp)->hash == h && strcmp((*pp)->key, key) == 0) {
			struct entry *old = *pp;
			*pp = old->hnext;
			unlink_entry(c, old);
			c->used -= cost(old);
			free(old->key);
			free(old->data);
			free(old);
			break;
		}
	/* evict from the least recently used end */
	while (c->tail && c->used + cost(e) > c->max) {
		struct entry *v = c->tail;
		for (pp = &c->buckets[v->hash % NBUCKETS]; *pp != v;
		     pp = &(*pp)->hnext)
			;
		*pp = v->hnext;
		unlink_entry(c, v);
		c->used -= cost(v);
		free(v->key);
		free(v->data);
		free(v);
	}
	e->hnext = c->buckets[h % NBUCKETS];
	c->buckets[h % NBUCKETS] = e;
	push_front(c, e);
	c->used += cost(e);
	pthread_mutex_unlock(&c->mu);
}

void
tts_cache_stats(
    struct tts_cache *c, uint64_t *hits, uint64_t *misses, size_t *bytes)
{
	uint64_t hi = 0, mi = 0;
	size_t by = 0;

	if (c) {
		pthread_mutex_lock(&c->mu);
		hi = c->hits;
		mi = c->misses;
		by = c->used;
		pthread_mutex_unlock(&c->mu);
	}
	if (hits)
		*hits = hi;
	if (misses)
		*misses = mi;
	if (bytes)
		*bytes = by;
}

/* "<len>:tag<len>:voice" then the text, so no part runs into the next
 * whatever it holds, and its FNV-1a hash; NULL when out of memory. */
static char *
make_key(const char *tag, const char *voice, const char *text, uint64_t *hash)
{
	uint64_t h = 1469598103934665603ull;
	size_t len;
	char *k, *p;

	tag = tag ? tag : "";
	voice = voice ? voice : "";
	len = strlen(tag) + strlen(voice) + strlen(text) + 48;
	if ((k = malloc(len)) == NULL)
		return NULL;
	snprintf(k, len, "%zu:%s%zu:%s%s", strlen(tag), tag, strlen(voice),
	    voice, text);
	for (p = k; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ull;
	}
	*hash = h;
	return k;
}

/* mu held */
static struct entry *
lookup(struct tts_cache *c, const char *key, uint64_t h)
{
	struct entry *e;

	for (e = c->buckets[h % NBUCKETS]; e; e = e->hnext)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* mu held */
static void
unlink_entry(struct tts_cache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

/* mu held */
static void
push_front(struct tts_cache *c, struct entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	else
		c->tail = e;
	c->head = e;
}

static size_t
cost(const struct entry *e)
{
	return e->n + strlen(e->key) + sizeof(*e);
}
