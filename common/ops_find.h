/*
 * ops_find.h - choosing a pluggable engine by its configured name.  Every
 * engine table (struct brain_ops, stt_engine_ops, tts_engine_ops,
 * cal_engine) opens with `const char *name`, so one lookup serves each
 * program's list of engines.  Talks to no process.
 */
#ifndef FD_OPS_FIND_H
#define FD_OPS_FIND_H

#include <stddef.h>
#include <string.h>

/* The member of tab[0..n) whose first member, its name, is `name`; NULL
 * when none is. */
static inline const void *
ops_find(const void *const *tab, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(*(const char *const *)tab[i], name) == 0)
			return tab[i];
	return NULL;
}

/* ops_find over an array of ops pointers, typed as its members are. */
#define OPS_FIND(tab, name)                                                    \
	((__typeof__((tab)[0]))ops_find((const void *const *)(tab),            \
	    sizeof(tab) / sizeof((tab)[0]), (name)))

#endif
