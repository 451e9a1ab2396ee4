/*
 * slots.c - free-slot arithmetic for the builtin calendar.
 */
#include <stdlib.h>
#include <string.h>

#include "slots.h"

int
slots_day_window(const struct fd_business *b, time_t t, time_t *open,
    time_t *close)
{
	const struct fd_hours *h;
	struct tm tm;

	if ((h = fd_business_hours(b, t)) == NULL)
		return -1;
	localtime_r(&t, &tm);
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	tm.tm_hour = h->open_min / 60;
	tm.tm_min = h->open_min % 60;
	*open = mktime(&tm);
	localtime_r(&t, &tm);
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	tm.tm_hour = h->close_min / 60;
	tm.tm_min = h->close_min % 60;
	*close = mktime(&tm);
	return 0;
}

int
slots_fits(time_t start, int dur_s, int nres, const struct slot_busy *busy,
    int nbusy, int *res)
{
	time_t end = start + dur_s;
	int r, i, clash;

	for (r = 0; r < nres; r++) {
		clash = 0;
		for (i = 0; i < nbusy && !clash; i++)
			if (busy[i].res == r && busy[i].start < end &&
			    start < busy[i].end)
				clash = 1;
		if (!clash) {
			if (res)
				*res = r;
			return 1;
		}
	}
	return 0;
}

int
slots_free(time_t open, time_t close, int step_s, int dur_s, int nres,
    const struct slot_busy *busy, int nbusy, time_t not_before, time_t *out,
    int max)
{
	time_t s;
	int n = 0;

	if (step_s <= 0 || dur_s <= 0 || nres <= 0)
		return 0;
	for (s = open; s + dur_s <= close && n < max; s += step_s) {
		if (s < not_before)
			continue;
		if (slots_fits(s, dur_s, nres, busy, nbusy, NULL))
			out[n++] = s;
	}
	return n;
}

static time_t
dist(time_t a, time_t b)
{
	return a > b ? a - b : b - a;
}

static int
cmp_time(const void *a, const void *b)
{
	time_t x = *(const time_t *)a, y = *(const time_t *)b;

	return x < y ? -1 : x > y;
}

int
slots_nearest(const time_t *slots, int n, time_t want, time_t *out, int k)
{
	int lo, hi, m = 0, i;

	if (n <= 0 || k <= 0)
		return 0;
	/* slots are sorted: widen a window around the insertion point */
	for (i = 0; i < n && slots[i] < want; i++)
		;
	lo = i - 1;
	hi = i;
	while (m < k && (lo >= 0 || hi < n)) {
		if (hi < n && (lo < 0 || dist(slots[hi], want) <
		    dist(slots[lo], want)))
			out[m++] = slots[hi++];
		else
			out[m++] = slots[lo--];
	}
	qsort(out, (size_t)m, sizeof(time_t), cmp_time);
	return m;
}
