/*
 * slots.c - free-slot arithmetic for the builtin calendar.
 */
#include <stdlib.h>
#include <string.h>

#include "slots.h"

int
slots_day_window(
    const struct fd_business *b, time_t t, time_t *open, time_t *close)
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
		if (hi < n &&
		    (lo < 0 || dist(slots[hi], want) < dist(slots[lo], want)))
			out[m++] = slots[hi++];
		else
			out[m++] = slots[lo--];
	}
	qsort(out, (size_t)m, sizeof(time_t), cmp_time);
	return m;
}

/* Minute of the local day of t. */
static int
minute_of(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return tm.tm_hour * 60 + tm.tm_min;
}

static int
excluded(const struct slots_query *q, time_t s)
{
	int i;

	for (i = 0; i < q->nexclude; i++)
		if (q->exclude[i] == s)
			return 1;
	return 0;
}

/* The busy entries overlapping [open, close) copied into day (the slot
 * arithmetic then looks at one day's few, not the window's many). */
static int
day_busy(const struct slot_busy *busy, int nbusy, time_t open, time_t close,
    struct slot_busy *day)
{
	int i, n = 0;

	for (i = 0; i < nbusy; i++)
		if (busy[i].start < close && open < busy[i].end)
			day[n++] = busy[i];
	return n;
}

/* Starts of one day that fit q: *relaxed set when none fit after/before
 * and q->relax gave the day's other starts.  Returns the count. */
static int
day_fits(const struct slots_query *q, const time_t *free_s, int nfree,
    time_t *fit, int *relaxed)
{
	int i, m, n = 0, pass;

	*relaxed = 0;
	for (pass = 0; pass < 2 && n == 0; pass++) {
		if (pass == 1 && !q->relax)
			break;
		for (i = 0; i < nfree; i++) {
			if (excluded(q, free_s[i]))
				continue;
			m = minute_of(free_s[i]);
			if (pass == 0 &&
			    (m < q->after_min || m >= q->before_min))
				continue;
			fit[n++] = free_s[i];
		}
		*relaxed = pass == 1 && n > 0;
	}
	return n;
}

/* Index choice of SLOTS_NEAREST: ties go to the later start, the way a
 * receptionist offers "3:30" before "2:30" for a taken 3:00. */
static int
pick_nearest(const time_t *fit, int n, int near_min, int count, int *idx)
{
	int used[SLOTS_MAX_COUNT], k, i, j, best, d, bd = 0, m = 0;

	for (k = 0; k < count && k < n; k++) {
		best = -1;
		for (i = 0; i < n; i++) {
			for (j = 0; j < m && used[j] != i; j++)
				;
			if (j < m)
				continue;
			d = abs(minute_of(fit[i]) - near_min);
			if (best < 0 || d <= bd) {
				best = i;
				bd = d;
			}
		}
		used[m++] = best;
	}
	for (i = 0; i < m; i++)
		idx[i] = used[i];
	/* in time order */
	for (i = 0; i < m; i++)
		for (j = i + 1; j < m; j++)
			if (idx[j] < idx[i]) {
				k = idx[i];
				idx[i] = idx[j];
				idx[j] = k;
			}
	return m;
}

/* SLOTS_SPREAD: the first, the last and evenly between. */
static int
pick_spread(int n, int count, int *idx)
{
	int k;

	if (n <= count || count == 1) {
		for (k = 0; k < n && k < count; k++)
			idx[k] = k;
		return k;
	}
	for (k = 0; k < count - 1; k++)
		idx[k] = k * n / (count - 1);
	idx[count - 1] = n - 1;
	return count;
}

int
slots_search(const struct fd_business *b, const struct slots_query *q,
    const struct slot_busy *busy, int nbusy, struct slots_found *out)
{
	struct slot_busy *dbusy;
	time_t day0, day, open, close, *free_s, *fit;
	int i, k, nb, nfree, nfit, relaxed, idx[SLOTS_MAX_COUNT], m, max;

	memset(out, 0, sizeof(*out));
	if (q->step_s <= 0 || q->dur_s <= 0 || q->nres <= 0 || q->count < 1)
		return 0;
	max = 1440 * 60 / q->step_s + 1;
	dbusy = malloc(((size_t)nbusy + 1) * sizeof(*dbusy));
	free_s = malloc((size_t)max * sizeof(*free_s));
	fit = malloc((size_t)max * sizeof(*fit));
	if (dbusy == NULL || free_s == NULL || fit == NULL) {
		free(dbusy);
		free(free_s);
		free(fit);
		return -1;
	}
	day0 = fd_day_start(q->from);
	for (i = 0; i < q->days && i < SLOTS_MAX_DAYS && out->n < q->count;
	     i++) {
		day = fd_day_start(fd_add_days(day0, i));
		out->last_day = day;
		if (slots_day_window(b, day, &open, &close) != 0) {
			out->closed[out->nclosed++] = day;
			continue;
		}
		nb = day_busy(busy, nbusy, open, close, dbusy);
		nfree = slots_free(open, close, q->step_s, q->dur_s, q->nres,
		    dbusy, nb, q->from, free_s, max);
		if ((nfit = day_fits(q, free_s, nfree, fit, &relaxed)) == 0) {
			out->full[out->nfull++] = day;
			continue;
		}
		if (out->n == 0) {
			out->day = day;
			out->day_total = nfit;
			out->relaxed = relaxed;
		}
		if (q->pick == SLOTS_NEAREST)
			m = pick_nearest(fit, nfit, q->near_min, q->count, idx);
		else if (q->pick == SLOTS_SPREAD)
			m = pick_spread(nfit, q->count, idx);
		else
			for (m = 0; m < nfit && m < q->count - out->n; m++)
				idx[m] = m;
		for (k = 0; k < m && out->n < q->count; k++) {
			out->start[out->n] = fit[idx[k]];
			slots_fits(fit[idx[k]], q->dur_s, q->nres, dbusy, nb,
			    &out->res[out->n]);
			out->n++;
		}
		/* nearest and spread choose within one day */
		if (q->pick != SLOTS_EARLIEST)
			break;
	}
	free(dbusy);
	free(free_s);
	free(fit);
	return 0;
}
