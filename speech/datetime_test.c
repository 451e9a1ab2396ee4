/*
 * datetime_test.c - the date/time parser over many ways callers say days
 * and times, including recogniser slips, on a clock pinned to Saturday
 * 2026-11-21 10:00 in New York.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "speech/datetime.h"
#include "tests/harness/unit.h"

#define A DT_AT
#define AF DT_AFTER
#define BF DT_BEFORE
#define ANY DT_EXPECT_ANY
#define DATE DT_EXPECT_DATE
#define TIME DT_EXPECT_TIME
#define NP DT_PART_NONE
#define MO DT_PART_MORNING
#define AN DT_PART_AFTERNOON
#define EV DT_PART_EVENING

struct dt_case {
	const char *text;
	enum dt_expect expect;
	const char *date; /* NULL: no date expected */
	const char *time; /* NULL: no time expected */
	enum dt_rel rel;
	enum dt_part part;
};

/* Saturday, November 21, 2026 */
static const struct dt_case cases[] = {
    /* relative days */
    {"today", ANY, "2026-11-21", NULL, A, NP},
    {"tomorrow", ANY, "2026-11-22", NULL, A, NP},
    {"tomorow", ANY, "2026-11-22", NULL, A, NP},
    {"the day after tomorrow", ANY, "2026-11-23", NULL, A, NP},
    {"in two days", ANY, "2026-11-23", NULL, A, NP},
    {"in 3 days", ANY, "2026-11-24", NULL, A, NP},
    {"in a week", ANY, "2026-11-28", NULL, A, NP},
    {"in two weeks", ANY, "2026-12-05", NULL, A, NP},
    {"a week from today", ANY, "2026-11-28", NULL, A, NP},
    {"next week", ANY, "2026-11-23", NULL, A, NP},
    {"sometime next week", ANY, "2026-11-23", NULL, A, NP},
    {"tonight", ANY, "2026-11-21", NULL, A, EV},
    {"this afternoon", ANY, NULL, NULL, A, AN},
    {"tomorrow morning", ANY, "2026-11-22", NULL, A, MO},
    {"tomorrow afternoon", ANY, "2026-11-22", NULL, A, AN},
    {"tomorrow evening", ANY, "2026-11-22", NULL, A, EV},
    {"tomorrow at ten", ANY, "2026-11-22", "10:00", A, NP},
    {"tomorrow at 3", ANY, "2026-11-22", "15:00", A, NP},
    {"today at 2 pm", ANY, "2026-11-21", "14:00", A, NP},
    /* weekdays */
    {"monday", ANY, "2026-11-23", NULL, A, NP},
    {"tuesday", ANY, "2026-11-24", NULL, A, NP},
    {"wednesday", ANY, "2026-11-25", NULL, A, NP},
    {"thursday", ANY, "2026-11-26", NULL, A, NP},
    {"friday", ANY, "2026-11-27", NULL, A, NP},
    {"saturday", ANY, "2026-11-28", NULL, A, NP},
    {"sunday", ANY, "2026-11-22", NULL, A, NP},
    {"this saturday", ANY, "2026-11-21", NULL, A, NP},
    {"next tuesday", ANY, "2026-11-24", NULL, A, NP},
    {"next monday", ANY, "2026-11-23", NULL, A, NP},
    {"next friday", ANY, "2026-11-27", NULL, A, NP},
    {"next saturday", ANY, "2026-11-28", NULL, A, NP},
    {"this coming wednesday", ANY, "2026-11-25", NULL, A, NP},
    {"tuesday after next", ANY, "2026-12-01", NULL, A, NP},
    {"a week from tuesday", ANY, "2026-12-01", NULL, A, NP},
    {"a week from monday at 9", ANY, "2026-11-30", "09:00", A, NP},
    {"end of the week", ANY, "2026-11-27", NULL, A, NP},
    {"by the end of this week", ANY, "2026-11-27", NULL, A, NP},
    {"end of next week", ANY, "2026-11-27", NULL, A, NP},
    {"not tuesday, wednesday", ANY, "2026-11-25", NULL, A, NP},
    {"no make it wednesday at eleven instead of ten", ANY, "2026-11-25",
        "11:00", A, NP},
    {"actually thursday works better", ANY, "2026-11-26", NULL, A, NP},
    {"can we do 11:30 instead", ANY, NULL, "11:30", A, NP},
    {"Wednesday the 25th at 11 a.m.", ANY, "2026-11-25", "11:00", A, NP},
    {"eleven a m", ANY, NULL, "11:00", A, NP},
    {"three p m", ANY, NULL, "15:00", A, NP},
    {"tuesday next week", ANY, "2026-11-24", NULL, A, NP},
    {"friday next week", ANY, "2026-11-27", NULL, A, NP},
    {"on monday", ANY, "2026-11-23", NULL, A, NP},
    {"Monday.", ANY, "2026-11-23", NULL, A, NP},
    {"how about thursday", ANY, "2026-11-26", NULL, A, NP},
    {"can I come in wednesday", ANY, "2026-11-25", NULL, A, NP},
    {"this weekend", ANY, "2026-11-28", NULL, A, NP},
    {"mon", ANY, "2026-11-23", NULL, A, NP},
    {"tues", ANY, "2026-11-24", NULL, A, NP},
    {"thurs", ANY, "2026-11-26", NULL, A, NP},
    {"weds", ANY, "2026-11-25", NULL, A, NP},
    /* recogniser slips */
    {"next to say", ANY, "2026-11-24", NULL, A, NP},
    {"next to say at ten", ANY, "2026-11-24", "10:00", A, NP},
    {"book an oil change next to say at ten", ANY, "2026-11-24", "10:00", A,
        NP},
    {"tues day morning", ANY, "2026-11-24", NULL, A, MO},
    {"wensday", ANY, "2026-11-25", NULL, A, NP},
    {"wendsday at nine", ANY, "2026-11-25", "09:00", A, NP},
    {"thirsday", ANY, "2026-11-26", NULL, A, NP},
    {"fry day", ANY, "2026-11-27", NULL, A, NP},
    {"mundane at eleven", ANY, "2026-11-23", "11:00", A, NP},
    {"saterday", ANY, "2026-11-28", NULL, A, NP},
    {"tomorrows fine", ANY, "2026-11-22", NULL, A, NP},
    /* day of month */
    {"the 26th", ANY, "2026-11-26", NULL, A, NP},
    {"on the 26th", ANY, "2026-11-26", NULL, A, NP},
    {"the twenty sixth", ANY, "2026-11-26", NULL, A, NP},
    {"the twenty-sixth", ANY, "2026-11-26", NULL, A, NP},
    {"the 30th", ANY, "2026-11-30", NULL, A, NP},
    {"the 1st", ANY, "2026-12-01", NULL, A, NP},
    {"the first of december", ANY, "2026-12-01", NULL, A, NP},
    {"the 3rd", ANY, "2026-12-03", NULL, A, NP},
    {"the 21st", ANY, "2026-11-21", NULL, A, NP},
    {"the 20th", ANY, "2026-12-20", NULL, A, NP},
    {"the 31st", ANY, "2026-12-31", NULL, A, NP},
    {"the tenth", ANY, "2026-12-10", NULL, A, NP},
    {"the second", DATE, "2026-12-02", NULL, A, NP},
    {"the second of december", ANY, "2026-12-02", NULL, A, NP},
    {"december 2nd", ANY, "2026-12-02", NULL, A, NP},
    {"december second", ANY, "2026-12-02", NULL, A, NP},
    {"november 24", ANY, "2026-11-24", NULL, A, NP},
    {"november 24th", ANY, "2026-11-24", NULL, A, NP},
    {"nov 30", ANY, "2026-11-30", NULL, A, NP},
    {"dec 3", ANY, "2026-12-03", NULL, A, NP},
    {"24th of november", ANY, "2026-11-24", NULL, A, NP},
    {"the 24th of november at 10", ANY, "2026-11-24", "10:00", A, NP},
    {"january 5th", ANY, "2027-01-05", NULL, A, NP},
    {"january fifth", ANY, "2027-01-05", NULL, A, NP},
    {"march 3", ANY, "2027-03-03", NULL, A, NP},
    {"11/24", ANY, "2026-11-24", NULL, A, NP},
    {"12/1", ANY, "2026-12-01", NULL, A, NP},
    {"tuesday the 24th", ANY, "2026-11-24", NULL, A, NP},
    {"monday the 30th at 9", ANY, "2026-11-30", "09:00", A, NP},
    {"26", DATE, "2026-11-26", NULL, A, NP},
    {"twenty sixth", DATE, "2026-11-26", NULL, A, NP},
    {"fourth", DATE, "2026-12-04", NULL, A, NP},
    {"may 4th", ANY, "2027-05-04", NULL, A, NP},
    {"i may come tuesday", ANY, "2026-11-24", NULL, A, NP},
    /* clock times */
    {"at ten", ANY, NULL, "10:00", A, NP},
    {"ten", TIME, NULL, "10:00", A, NP},
    {"10", TIME, NULL, "10:00", A, NP},
    {"ten am", ANY, NULL, "10:00", A, NP},
    {"10am", ANY, NULL, "10:00", A, NP},
    {"10 a.m.", ANY, NULL, "10:00", A, NP},
    {"ten thirty", ANY, NULL, "10:30", A, NP},
    {"at ten thirty", ANY, NULL, "10:30", A, NP},
    {"10:30", ANY, NULL, "10:30", A, NP},
    {"10:30 am", ANY, NULL, "10:30", A, NP},
    {"at 09:8888888888", ANY, NULL, NULL, A, NP},
    {"25:00", ANY, NULL, NULL, A, NP},
    {"9:5", ANY, NULL, NULL, A, NP},
    {"ten fifteen", ANY, NULL, "10:15", A, NP},
    {"nine forty five", ANY, NULL, "09:45", A, NP},
    {"ten oh five", ANY, NULL, "10:05", A, NP},
    {"half past ten", ANY, NULL, "10:30", A, NP},
    {"quarter past nine", ANY, NULL, "09:15", A, NP},
    {"quarter to eleven", ANY, NULL, "10:45", A, NP},
    {"twenty past two", ANY, NULL, "14:20", A, NP},
    {"3 pm", ANY, NULL, "15:00", A, NP},
    {"3pm", ANY, NULL, "15:00", A, NP},
    {"3 p.m.", ANY, NULL, "15:00", A, NP},
    {"three pm", ANY, NULL, "15:00", A, NP},
    {"three in the afternoon", ANY, NULL, "15:00", A, AN},
    {"at 3", ANY, NULL, "15:00", A, NP},
    {"at three", ANY, NULL, "15:00", A, NP},
    {"around two", ANY, NULL, "14:00", A, NP},
    {"about 11", ANY, NULL, "11:00", A, NP},
    {"at 8", ANY, NULL, "08:00", A, NP},
    {"eight o'clock", ANY, NULL, "08:00", A, NP},
    {"10 o'clock", ANY, NULL, "10:00", A, NP},
    {"at 1", ANY, NULL, "13:00", A, NP},
    {"at 12", ANY, NULL, "12:00", A, NP},
    {"noon", ANY, NULL, "12:00", A, NP},
    {"at noon", ANY, NULL, "12:00", A, NP},
    {"midday", ANY, NULL, "12:00", A, NP},
    {"lunchtime", ANY, NULL, "12:00", A, NP},
    {"12:30", ANY, NULL, "12:30", A, NP},
    {"14:00", ANY, NULL, "14:00", A, NP},
    {"at 1530", ANY, NULL, "15:30", A, NP},
    {"4:45 pm", ANY, NULL, "16:45", A, NP},
    {"at five in the evening", ANY, NULL, "17:00", A, EV},
    {"nine in the morning", ANY, NULL, "09:00", A, MO},
    {"at 7 am", ANY, NULL, "07:00", A, NP},
    {"at seven", ANY, NULL, "07:00", A, NP},
    {"12 am", ANY, NULL, "00:00", A, NP},
    {"two thirty", TIME, NULL, "14:30", A, NP},
    {"eleven", TIME, NULL, "11:00", A, NP},
    {"how about 9", ANY, NULL, "09:00", A, NP},
    {"maybe four", ANY, NULL, "16:00", A, NP},
    /* ranges */
    {"after 3", ANY, NULL, "15:00", AF, NP},
    {"after three pm", ANY, NULL, "15:00", AF, NP},
    {"anytime after 2", ANY, NULL, "14:00", AF, NP},
    {"after noon", ANY, NULL, "12:00", AF, NP},
    {"after lunch", ANY, NULL, "12:00", AF, NP},
    {"before noon", ANY, NULL, "12:00", BF, NP},
    {"before 10", ANY, NULL, "10:00", BF, NP},
    {"by 11", ANY, NULL, "11:00", BF, NP},
    {"2 or later", ANY, NULL, "14:00", AF, NP},
    {"from 4 on", ANY, NULL, "16:00", AF, NP},
    /* combinations */
    {"monday at ten", ANY, "2026-11-23", "10:00", A, NP},
    {"monday ten", ANY, "2026-11-23", "10:00", A, NP},
    {"monday at 10am", ANY, "2026-11-23", "10:00", A, NP},
    {"tuesday at ten thirty", ANY, "2026-11-24", "10:30", A, NP},
    {"wednesday at 3 pm", ANY, "2026-11-25", "15:00", A, NP},
    {"wednesday afternoon", ANY, "2026-11-25", NULL, A, AN},
    {"wednesday afternoon at 2", ANY, "2026-11-25", "14:00", A, AN},
    {"friday morning", ANY, "2026-11-27", NULL, A, MO},
    {"friday morning at 9", ANY, "2026-11-27", "09:00", A, MO},
    {"friday after 3", ANY, "2026-11-27", "15:00", AF, NP},
    {"thursday before noon", ANY, "2026-11-26", "12:00", BF, NP},
    {"next tuesday at 10", ANY, "2026-11-24", "10:00", A, NP},
    {"next tuesday at 10 in the morning", ANY, "2026-11-24", "10:00", A, MO},
    {"tomorrow morning at 8:30", ANY, "2026-11-22", "08:30", A, MO},
    {"at 10 on tuesday", ANY, "2026-11-24", "10:00", A, NP},
    {"10 am on the 26th", ANY, "2026-11-26", "10:00", A, NP},
    {"the 26th at 2", ANY, "2026-11-26", "14:00", A, NP},
    {"december 1st at noon", ANY, "2026-12-01", "12:00", A, NP},
    {"I'd like an oil change tuesday at 9", ANY, "2026-11-24", "09:00", A, NP},
    {"could I bring it in on Monday morning around nine", ANY, "2026-11-23",
        "09:00", A, MO},
    {"no, make it Wednesday", ANY, "2026-11-25", NULL, A, NP},
    {"actually can we do thursday instead", ANY, "2026-11-26", NULL, A, NP},
    {"make it 11 instead", ANY, NULL, "11:00", A, NP},
    {"um tuesday I guess at uh ten", ANY, "2026-11-24", "10:00", A, NP},
    {"next week tuesday", ANY, "2026-11-24", NULL, A, NP},
    {"the morning", ANY, NULL, NULL, A, MO},
    {"in the afternoon", ANY, NULL, NULL, A, AN},
    {"mornings are better", ANY, NULL, NULL, A, MO},
    /* more ways callers say it */
    {"the 26th after 3", ANY, "2026-11-26", "15:00", AF, NP},
    {"on the 26th after 3 pm", ANY, "2026-11-26", "15:00", AF, NP},
    {"first thing monday", ANY, "2026-11-23", NULL, A, MO},
    {"first thing tomorrow", ANY, "2026-11-22", NULL, A, MO},
    {"monday morning first thing", ANY, "2026-11-23", NULL, A, MO},
    {"next monday first thing", ANY, "2026-11-23", NULL, A, MO},
    {"end of the day friday", ANY, "2026-11-27", NULL, A, EV},
    {"end of the day", ANY, NULL, NULL, A, EV},
    {"at the end of the day on tuesday", ANY, "2026-11-24", NULL, A, EV},
    {"a week from wednesday", ANY, "2026-12-02", NULL, A, NP},
    {"a week from tuesday at 2", ANY, "2026-12-01", "14:00", A, NP},
    {"a week from today at 10", ANY, "2026-11-28", "10:00", A, NP},
    {"the day after tomorrow at noon", ANY, "2026-11-23", "12:00", A, NP},
    {"day after tomorrow", ANY, "2026-11-23", NULL, A, NP},
    {"the day after tomorrow in the afternoon", ANY, "2026-11-23", NULL, A, AN},
    {"three thirty", ANY, NULL, "15:30", A, NP},
    {"half past two", ANY, NULL, "14:30", A, NP},
    {"half past 2", ANY, NULL, "14:30", A, NP},
    {"at half past nine", ANY, NULL, "09:30", A, NP},
    {"quarter past three", ANY, NULL, "15:15", A, NP},
    {"quarter past 10", ANY, NULL, "10:15", A, NP},
    {"quarter to four", ANY, NULL, "15:45", A, NP},
    {"ten to three", ANY, NULL, "14:50", A, NP},
    {"ten to 11", ANY, NULL, "10:50", A, NP},
    {"five past ten", ANY, NULL, "10:05", A, NP},
    {"nine thirty in the morning", ANY, NULL, "09:30", A, MO},
    {"two thirty in the afternoon", ANY, NULL, "14:30", A, AN},
    {"at 11 in the morning", ANY, NULL, "11:00", A, MO},
    {"tuesday at half past two", ANY, "2026-11-24", "14:30", A, NP},
    {"wednesday at a quarter past ten", ANY, "2026-11-25", "10:15", A, NP},
    {"tomorrow morning at half past eight", ANY, "2026-11-22", "08:30", A, MO},
    {"monday around noon", ANY, "2026-11-23", "12:00", A, NP},
    {"thursday at noon", ANY, "2026-11-26", "12:00", A, NP},
    {"sometime after 3 on thursday", ANY, "2026-11-26", "15:00", AF, NP},
    {"after 4 tomorrow", ANY, "2026-11-22", "16:00", AF, NP},
    {"before 9 on monday", ANY, "2026-11-23", "09:00", BF, NP},
    {"no later than 11", ANY, NULL, "11:00", BF, NP},
    {"any time after 1", ANY, NULL, "13:00", AF, NP},
    {"any time before 4", ANY, NULL, "16:00", BF, NP},
    {"later than 3", ANY, NULL, "15:00", AF, NP},
    {"no earlier than 2", ANY, NULL, "14:00", AF, NP},
    {"earlier than ten if you can", ANY, NULL, "10:00", BF, NP},
    {"monday no later than noon", ANY, "2026-11-23", "12:00", BF, NP},
    {"after five", ANY, NULL, "17:00", AF, NP},
    {"tomorrow before lunch", ANY, "2026-11-22", "12:00", BF, NP},
    {"after lunch on tuesday", ANY, "2026-11-24", "12:00", AF, NP},
    {"the 27th", ANY, "2026-11-27", NULL, A, NP},
    {"the twenty seventh at ten", ANY, "2026-11-27", "10:00", A, NP},
    {"on the 30th in the morning", ANY, "2026-11-30", NULL, A, MO},
    {"november 30th at 2 pm", ANY, "2026-11-30", "14:00", A, NP},
    {"december 4th in the afternoon", ANY, "2026-12-04", NULL, A, AN},
    {"the 2nd of december at 11", ANY, "2026-12-02", "11:00", A, NP},
    {"monday the 23rd", ANY, "2026-11-23", NULL, A, NP},
    {"the 23rd", ANY, "2026-11-23", NULL, A, NP},
    {"on the twenty third at nine", ANY, "2026-11-23", "09:00", A, NP},
    {"monday december 7th", ANY, "2026-12-07", NULL, A, NP},
    {"december 7", ANY, "2026-12-07", NULL, A, NP},
    {"12/7", ANY, "2026-12-07", NULL, A, NP},
    {"the seventh of december", ANY, "2026-12-07", NULL, A, NP},
    {"next thursday", ANY, "2026-11-26", NULL, A, NP},
    {"next wednesday at 4", ANY, "2026-11-25", "16:00", A, NP},
    {"this monday", ANY, "2026-11-23", NULL, A, NP},
    {"this friday at 9 30", ANY, "2026-11-27", "09:30", A, NP},
    {"9 30", TIME, NULL, "09:30", A, NP},
    {"at 9 30", ANY, NULL, "09:30", A, NP},
    {"two fifteen", ANY, NULL, "14:15", A, NP},
    {"three forty five", ANY, NULL, "15:45", A, NP},
    {"eleven fifteen", ANY, NULL, "11:15", A, NP},
    {"one thirty", ANY, NULL, "13:30", A, NP},
    {"twelve thirty", ANY, NULL, "12:30", A, NP},
    {"four o'clock", ANY, NULL, "16:00", A, NP},
    {"at four o'clock on friday", ANY, "2026-11-27", "16:00", A, NP},
    {"3 o'clock tomorrow", ANY, "2026-11-22", "15:00", A, NP},
    {"tomorrow at three thirty", ANY, "2026-11-22", "15:30", A, NP},
    {"in the morning on wednesday", ANY, "2026-11-25", NULL, A, MO},
    {"in 10 days", ANY, "2026-12-01", NULL, A, NP},
    {"tomorrow around 10", ANY, "2026-11-22", "10:00", A, NP},
    {"tomorrow at 10 or so", ANY, "2026-11-22", "10:00", A, NP},
    {"like 2 o'clock", ANY, NULL, "14:00", A, NP},
    {"uh maybe around 3 30", ANY, NULL, "15:30", A, NP},
    {"at eight a m on tuesday", ANY, "2026-11-24", "08:00", A, NP},
    {"friday at 5 pm", ANY, "2026-11-27", "17:00", A, NP},
    {"on saturday morning", ANY, "2026-11-28", NULL, A, MO},
    {"this saturday afternoon", ANY, "2026-11-21", NULL, A, AN},
    {"tuesday at ten thirty am", ANY, "2026-11-24", "10:30", A, NP},
    {"around lunchtime tomorrow", ANY, "2026-11-22", "12:00", A, NP},
    {"early morning", ANY, NULL, NULL, A, MO},
    {"late afternoon", ANY, NULL, NULL, A, AN},
    /* nothing to find */
    {"I need an oil change", ANY, NULL, NULL, A, NP},
    {"yes please", ANY, NULL, NULL, A, NP},
    {"the first one", ANY, NULL, NULL, A, NP},
    {"the second one", ANY, NULL, NULL, A, NP},
    {"the first one", TIME, NULL, NULL, A, NP},
    {"that one", TIME, NULL, NULL, A, NP},
    {"one", TIME, NULL, "13:00", A, NP},
    {"just a second", ANY, NULL, NULL, A, NP},
    {"I have two cars", ANY, NULL, NULL, A, NP},
    {"my name is john smith", ANY, NULL, NULL, A, NP},
    {"", ANY, NULL, NULL, A, NP},
};

static time_t
pinned_now(void)
{
	time_t t;
	struct tm tm = {0};

	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = 21;
	tm.tm_hour = 10;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	return t;
}

static int
check_case(const struct dt_case *c, time_t now)
{
	struct dt_result r;
	char d[16] = "", tm[16] = "";
	int bad = 0;

	dt_parse(c->text, now, c->expect, &r);
	if (r.has_date)
		dt_fmt_date(r.day, d, sizeof(d));
	if (r.has_time)
		snprintf(
		    tm, sizeof(tm), "%02d:%02d", r.minute / 60, r.minute % 60);
	if ((c->date == NULL) != !r.has_date ||
	    (c->date && strcmp(c->date, d) != 0))
		bad = 1;
	if ((c->time == NULL) != !r.has_time ||
	    (c->time && strcmp(c->time, tm) != 0))
		bad = 1;
	if (c->time && r.rel != c->rel)
		bad = 1;
	if (r.part != c->part)
		bad = 1;
	if (bad)
		fprintf(stderr,
		    "MISMATCH \"%s\": got date=%s time=%s rel=%d "
		    "part=%d; want date=%s time=%s rel=%d part=%d\n",
		    c->text, r.has_date ? d : "-", r.has_time ? tm : "-", r.rel,
		    r.part, c->date ? c->date : "-", c->time ? c->time : "-",
		    c->rel, c->part);
	return bad;
}

static void
test_phrasings(void **state)
{
	time_t now = pinned_now();
	size_t i, n = sizeof(cases) / sizeof(cases[0]);
	int bad = 0;

	(void)state;
	assert_true(n >= 285);
	for (i = 0; i < n; i++)
		bad += check_case(&cases[i], now);
	if (bad)
		fprintf(stderr, "%d of %zu phrasings wrong\n", bad, n);
	assert_int_equal(bad, 0);
}

static void
test_flags(void **state)
{
	struct dt_result r;
	time_t now = pinned_now();

	(void)state;
	dt_parse("as soon as possible", now, DT_EXPECT_ANY, &r);
	assert_true(r.earliest);
	dt_parse("first thing monday", now, DT_EXPECT_ANY, &r);
	assert_true(r.earliest);
	assert_int_equal(r.part, DT_PART_MORNING);
	dt_parse("next week", now, DT_EXPECT_ANY, &r);
	assert_true(r.next_week);
	dt_parse("at 3 pm", now, DT_EXPECT_ANY, &r);
	assert_true(r.ampm_given);
	dt_parse("at 3", now, DT_EXPECT_ANY, &r);
	assert_false(r.ampm_given);
	assert_int_equal(dt_parse("nothing here", now, DT_EXPECT_ANY, &r), 0);
}

static void
test_speakable(void **state)
{
	char buf[64];
	time_t day;
	int m;

	(void)state;
	assert_int_equal(dt_parse_slot("2026-11-24T10:30", &day, &m), 0);
	assert_int_equal(m, 630);
	dt_say_day(day, buf, sizeof(buf));
	assert_string_equal(buf, "Tuesday, November 24");
	dt_say_time(600, buf, sizeof(buf));
	assert_string_equal(buf, "10 AM");
	dt_say_time(630, buf, sizeof(buf));
	assert_string_equal(buf, "10:30 AM");
	dt_say_time(720, buf, sizeof(buf));
	assert_string_equal(buf, "noon");
	dt_say_time(900, buf, sizeof(buf));
	assert_string_equal(buf, "3 PM");
	dt_fmt_slot(day, 615, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-24T10:15");
	assert_int_equal(dt_parse_slot("2026-13-01T10:00", &day, &m), -1);
	assert_int_equal(dt_parse_slot("garbage", &day, &m), -1);
	/* sscanf reads signed numbers: a negative hour or minute is refused */
	assert_int_equal(dt_parse_slot("2026-04-04T-4:04", &day, &m), -1);
	assert_int_equal(dt_parse_slot("2026-04-04T10:-5", &day, &m), -1);
}

UNIT_MAIN(unit_tz_new_york, NULL, cmocka_unit_test(test_phrasings),
    cmocka_unit_test(test_flags), cmocka_unit_test(test_speakable), )
