/*
 * clock.c - monotonic and wall clocks, and the pinnable per-call clock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"

uint64_t
fd_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t
fd_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
fd_sleep_us(uint64_t us)
{
	struct timespec ts = {
	    (time_t)(us / 1000000u), (long)(us % 1000000u) * 1000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
fd_time_parse(const char *s, time_t *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		n = 0;
		if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &n) != 2)
			return -1;
		s += 1 + n;
		if (*s == ':') {
			n = 0;
			if (sscanf(s + 1, "%2d%n", &se, &n) != 1)
				return -1;
			s += 1 + n;
		}
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	if (tm.tm_mday != d) /* 2026-02-31 normalised away */
		return -1;
	*out = t;
	return 0;
}

time_t
fd_day_start(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

time_t
fd_add_days(time_t t, int n)
{
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_mday += n;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

void
fd_time_fmt(time_t t, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
}

int
fd_callclock_init(struct fd_callclock *c, const char *now)
{
	time_t t;

	c->offset_us = 0;
	if (now == NULL || *now == '\0')
		return 0;
	if (fd_time_parse(now, &t) != 0)
		return -1;
	c->offset_us = (int64_t)t * 1000000 - fd_wall_us();
	return 0;
}

time_t
fd_callclock_now(const struct fd_callclock *c)
{
	return (time_t)((fd_wall_us() + c->offset_us) / 1000000);
}
