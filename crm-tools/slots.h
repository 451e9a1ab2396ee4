/*
 * slots.h - the builtin calendar's arithmetic: which start times of a day
 * are free on at least one resource, and which free slots lie nearest to a
 * wanted time.  Pure functions over plain arrays; crm-tools loads the busy
 * intervals from PostgreSQL and the hours from the business config.
 */
#ifndef CRM_SLOTS_H
#define CRM_SLOTS_H

#include <time.h>

#include "clock.h"

#include "business.h"

struct slot_busy {
	int res;                /* resource index 0..nres-1 */
	time_t start, end;      /* [start, end) */
};

/* Opening and closing instants of the local day containing t.  0, or -1
 * when the business is closed that day (weekday off or holiday). */
int slots_day_window(const struct fd_business *b, time_t t, time_t *open,
    time_t *close);
/* Free start times: every step_s from open such that [s, s+dur_s) ends by
 * close, starts at or after not_before, and overlaps no busy interval on at
 * least one of nres resources.  Writes at most max, returns the count. */
int slots_free(time_t open, time_t close, int step_s, int dur_s, int nres,
    const struct slot_busy *busy, int nbusy, time_t not_before, time_t *out,
    int max);
/* 1 if [start, start+dur_s) is free on some resource; *res gets it. */
int slots_fits(time_t start, int dur_s, int nres, const struct slot_busy *busy,
    int nbusy, int *res);
/* Up to k of the n (sorted) slots closest to want, written in time order. */
int slots_nearest(const time_t *slots, int n, time_t want, time_t *out, int k);

#endif
