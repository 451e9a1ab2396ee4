/*
 * heard.h - tolerant matching of what the caller heard (a speech
 * recogniser's transcript) against the phrases a scenario expects.
 * Pure logic.
 */
#ifndef CALLSIM_HEARD_H
#define CALLSIM_HEARD_H

#include <stddef.h>

/* Lower-case, punctuation to spaces, apostrophes dropped, numbers 0-99
 * spelled out ("10:00" -> "ten"), single spaces.  Returns a malloc'd string
 * or NULL on out of memory. */
char *heard_normalise(const char *s);
/* 1 if at least 80% of phrase's words appear, in order, in heard, within
 * a stretch of heard at most HEARD_MAX_GAP words longer than the phrase. */
#define HEARD_MAX_GAP 2
int heard_contains(const char *heard, const char *phrase);

#endif
