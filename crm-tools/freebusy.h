/*
 * freebusy.h - busy-interval arithmetic shared by the calendar engines and
 * the slot search: merge overlapping spans, clip them to a window, and turn
 * an external calendar's busy time into per-bay busy entries that
 * slots_free() understands.  Pure functions over plain arrays.
 */
#ifndef CRM_FREEBUSY_H
#define CRM_FREEBUSY_H

#include <time.h>

#include "slots.h"

struct fb_span {
	time_t start, end; /* [start, end) */
};

/* Sort spans and join those that overlap or touch; drops empty ones.
 * Returns the new count (in place). */
int fb_merge(struct fb_span *s, int n);
/* Keep the parts of spans inside [from, to); returns the new count. */
int fb_clip(struct fb_span *s, int n, time_t from, time_t to);
/* 1 if [start, end) overlaps any span. */
int fb_overlaps(const struct fb_span *s, int n, time_t start, time_t end);
/* Append each span as busy on every one of nres resources to busy[*nb..]
 * (an entry in the shop's calendar blocks the whole shop).  Returns the
 * number appended (stops at max). */
int fb_block_all(const struct fb_span *s, int n, int nres,
    struct slot_busy *busy, int nb, int max);

#endif
