/*
 * freebusy.c - merging and clipping busy spans (see freebusy.h).
 */
#include <stdlib.h>

#include "freebusy.h"

static int
cmp_span(const void *a, const void *b)
{
	const struct fb_span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

int
fb_merge(struct fb_span *s, int n)
{
	int i, m = 0;

	if (n <= 0)
		return 0;
	qsort(s, (size_t)n, sizeof(*s), cmp_span);
	for (i = 0; i < n; i++) {
		if (s[i].end <= s[i].start)
			continue;
		if (m > 0 && s[i].start <= s[m - 1].end) {
			if (s[i].end > s[m - 1].end)
				s[m - 1].end = s[i].end;
			continue;
		}
		s[m++] = s[i];
	}
	return m;
}

int
fb_clip(struct fb_span *s, int n, time_t from, time_t to)
{
	int i, m = 0;

	for (i = 0; i < n; i++) {
		struct fb_span t = s[i];

		if (t.start < from)
			t.start = from;
		if (t.end > to)
			t.end = to;
		if (t.end > t.start)
			s[m++] = t;
	}
	return m;
}

int
fb_overlaps(const struct fb_span *s, int n, time_t start, time_t end)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i].start < end && start < s[i].end)
			return 1;
	return 0;
}

int
fb_block_all(const struct fb_span *s, int n, int nres, struct slot_busy *busy,
    int nb, int max)
{
	int i, r, added = 0;

	for (i = 0; i < n; i++)
		for (r = 0; r < nres; r++) {
			if (nb + added >= max)
				return added;
			busy[nb + added].res = r;
			busy[nb + added].start = s[i].start;
			busy[nb + added].end = s[i].end;
			added++;
		}
	return added;
}
