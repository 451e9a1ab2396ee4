/*
 * strmap.h - a constant table from one string to another (a carrier's
 * status to our outcome, a caller's word to an urgency, a cardinal to its
 * ordinal), looked up in one place, and the string hash that buckets
 * call ids and names files and statements.  Talks to no process.
 */
#ifndef FD_STRMAP_H
#define FD_STRMAP_H

#include <stddef.h>
#include <string.h>
#include <strings.h>

struct fd_strmap {
	const char *key;
	const char *val;
};

/* The value of `key` in m[0..n) (compared without case if nocase), or
 * NULL when key is NULL or not there. */
static inline const char *
fd_strmap_get(const struct fd_strmap *m, size_t n, const char *key, int nocase)
{
	size_t i;

	if (key == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((nocase ? strcasecmp(m[i].key, key)
		            : strcmp(m[i].key, key)) == 0)
			return m[i].val;
	return NULL;
}

/* FNV-1a of s: call-id buckets, per-instance directories, statement
 * slots, per-scenario seeds. */
static inline unsigned
fd_str_hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* fd_strmap_get over a whole array. */
#define FD_STRMAP_GET(m, key, nocase)                                          \
	fd_strmap_get((m), sizeof(m) / sizeof((m)[0]), (key), (nocase))

#endif
