/*
 * datetime.h - understand the days and times callers say ("next tuesday",
 * "tomorrow morning", "the 26th", "ten thirty", "after 3", "noon") relative
 * to the call's clock.  Pure functions: no process talks to this module;
 * the local brain feeds it transcripts (often misrecognised, so weekday
 * names are matched loosely: "to say" is heard for "tuesday").
 */
#ifndef AGENT_DATETIME_H
#define AGENT_DATETIME_H

#include <stddef.h>
#include <time.h>

#include "clock.h"

enum dt_expect {
	DT_EXPECT_ANY = 0, /* free speech */
	DT_EXPECT_DATE, /* we just asked "what day?" */
	DT_EXPECT_TIME, /* we just asked "what time?" */
};

enum dt_part { /* a part of the day without an exact time */
	DT_PART_NONE = 0,
	DT_PART_MORNING, /* before noon */
	DT_PART_AFTERNOON, /* noon to 17:00 */
	DT_PART_EVENING, /* 17:00 on */
};

enum dt_rel { /* how the time bounds the slot */
	DT_AT = 0, /* at minute */
	DT_AFTER, /* at or after minute */
	DT_BEFORE, /* before minute */
};

struct dt_result {
	int has_date; /* day is set */
	time_t day; /* local midnight of the day meant */
	int has_time; /* minute is set */
	int minute; /* minutes after midnight */
	enum dt_rel rel; /* at / after / before minute */
	int ampm_given; /* caller said am/pm (or noon, or 24h time) */
	enum dt_part part; /* morning / afternoon / evening */
	int earliest; /* "as soon as possible", "earliest", "first thing" */
	int next_week; /* "next week" without a weekday: day is its Monday */
};

/* Parse text said at local time now.  Returns the number of things found
 * (0: no date or time in the text). */
int dt_parse(
    const char *text, time_t now, enum dt_expect expect, struct dt_result *out);

/* Local midnight of the day holding t. */
static inline time_t
dt_day_start(time_t t)
{
	return fd_day_start(t);
}

/* The local midnight n days after day's (DST safe). */
static inline time_t
dt_add_days(time_t day, int n)
{
	return fd_day_start(fd_add_days(day, n));
}

/* Speakable forms: "Tuesday, November 24", "10 AM", "10:30 AM", "noon". */
void dt_say_day(time_t day, char *buf, size_t len);
void dt_say_time(int minute, char *buf, size_t len);
/* "2026-11-24" and "2026-11-24T10:30" as the tools want them. */
void dt_fmt_date(time_t day, char *buf, size_t len);
void dt_fmt_slot(time_t day, int minute, char *buf, size_t len);
/* Split a tool's "YYYY-MM-DDTHH:MM[:SS]" into day and minute; -1 if bad. */
int dt_parse_slot(const char *s, time_t *day, int *minute);

#endif
