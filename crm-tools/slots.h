/*
 * slots.h - the builtin calendar's arithmetic: which start times of a day
 * are free on at least one resource, and which free slots lie nearest to a
 * wanted time, and the search over a window of days find_slots runs (the
 * agent's brain tests run it too, over their fake bookings).  Pure
 * functions over plain arrays; crm-tools loads the busy intervals from
 * PostgreSQL and the hours from the business config.
 */
#ifndef CRM_SLOTS_H
#define CRM_SLOTS_H

#include <time.h>

#include "clock.h"

#include "business.h"

struct slot_busy {
	int res; /* resource index 0..nres-1 */
	time_t start, end; /* [start, end) */
};

/* Opening and closing instants of the local day containing t.  0, or -1
 * when the business is closed that day (weekday off or holiday). */
int slots_day_window(
    const struct fd_business *b, time_t t, time_t *open, time_t *close);
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

/* A search over a window of days (find_slots): which starts to look for
 * and which of them to give. */
#define SLOTS_MAX_COUNT 10 /* starts one search returns */
#define SLOTS_MAX_DAYS 60 /* days one search walks */

enum slots_pick {
	SLOTS_EARLIEST, /* the first count starts, across days */
	SLOTS_NEAREST, /* the count nearest near_min, on one day */
	SLOTS_SPREAD, /* count spread over one day: first .. last */
};

struct slots_query {
	time_t from; /* no start before this instant */
	int days; /* days walked from from's day, 1..60 */
	int dur_s, step_s, nres;
	int after_min; /* starts at or after this minute of the day */
	int before_min; /* starts before this minute of the day */
	int near_min; /* SLOTS_NEAREST: the wanted minute */
	enum slots_pick pick;
	int count; /* 1..SLOTS_MAX_COUNT */
	int relax; /* a free day where no start fits after/before
				   offers its other starts instead */
	const time_t *exclude; /* starts not to give */
	int nexclude;
};

struct slots_found {
	int n;
	time_t start[SLOTS_MAX_COUNT]; /* in time order */
	int res[SLOTS_MAX_COUNT]; /* a resource free at that start */
	time_t day; /* the first start's day (0: none found) */
	int day_total; /* starts that fit on that day */
	int relaxed; /* that day's starts ignore after/before */
	int nclosed, nfull; /* days passed over on the way */
	time_t closed[SLOTS_MAX_DAYS]; /* closed (weekday off or holiday) */
	time_t full[SLOTS_MAX_DAYS]; /* open, but no start fits */
	time_t last_day; /* the last day looked at */
};

/* Walk the days of q over the busy intervals of the whole window (any
 * order) and fill *out.  0, or -1 when out of memory. */
int slots_search(const struct fd_business *b, const struct slots_query *q,
    const struct slot_busy *busy, int nbusy, struct slots_found *out);

#endif
