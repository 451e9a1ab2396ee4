/*
 * calendar_test.c - unit tests for the calendar pieces of crm-tools that
 * need no network: iCalendar escaping, folding and parsing, local-to-UTC
 * conversion in the business time zone (across DST), repeating events,
 * RFC 3339, the CalDAV multistatus reader, free/busy merging into the slot
 * search, and vPIC's JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "crm-tools/calendar.h"
#include "crm-tools/freebusy.h"
#include "crm-tools/ical.h"
#include "crm-tools/slots.h"
#include "crm-tools/vpic.h"
#include "tests/harness/unit.h"

static time_t
at(const char *s)
{
	time_t t;

	assert_int_equal(fd_time_parse(s, &t), 0);
	return t;
}

static void
test_escape(void **state)
{
	char out[128];

	(void)state;
	assert_true(
	    ical_escape("Smith, John; a\\b\nline 2\r", out, sizeof(out)) > 0);
	assert_string_equal(out, "Smith\\, John\\; a\\\\b\\nline 2");
	ical_unescape(out);
	assert_string_equal(out, "Smith, John; a\\b\nline 2");
	assert_int_equal(ical_escape("abcdef", out, 4), -1);
}

static void
test_fold(void **state)
{
	char out[2048], val[400], *line, *save;
	size_t used = 0;
	int i, lines = 0;

	(void)state;
	/* 150 x "é" (2 octets each): folds must fall between characters */
	val[0] = '\0';
	for (i = 0; i < 150; i++)
		strcat(val, "\xc3\xa9");
	assert_int_equal(ical_line(out, sizeof(out), &used, "SUMMARY", val), 0);
	assert_int_equal(used, strlen(out));
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);

		assert_true(n >= 1 && line[n - 1] == '\r');
		assert_true(n - 1 <= 75);
		if (lines > 0) {
			assert_true(line[0] == ' ');
			/* a continuation never starts inside a character */
			assert_true(((unsigned char)line[1] & 0xC0) != 0x80);
		}
		lines++;
	}
	assert_true(lines >= 5);
	used = 0;
	assert_int_equal(ical_line(out, 20, &used, "SUMMARY", val), -1);
}

static void
test_build_and_parse_roundtrip(void **state)
{
	struct cal_event ev;
	struct ical_vevent got[2];
	char text[4096];

	(void)state;
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.uid, sizeof(ev.uid), "fd-42-k7q2m");
	ev.start = at("2026-07-01T10:00:00"); /* EDT, UTC-4 */
	ev.end = at("2026-07-01T11:00:00");
	snprintf(ev.summary, sizeof(ev.summary),
	    "Oil change - O'Neil, Jo; "
	    "a very long name that goes on and on so the line must fold");
	snprintf(ev.description, sizeof(ev.description), "line 1\nline 2");
	snprintf(ev.location, sizeof(ev.location), "Bay 1");
	assert_true(ical_build_event(&ev, at("2026-06-01T12:00:00"), text,
	                sizeof(text)) > 0);
	assert_non_null(strstr(text, "\r\nDTSTART:20260701T140000Z\r\n"));
	assert_non_null(strstr(text, "\r\nDTEND:20260701T150000Z\r\n"));
	assert_non_null(strstr(text, "\r\nUID:fd-42-k7q2m\r\n"));
	assert_non_null(strstr(text, "\r\nTRANSP:TRANSPARENT\r\n"));
	assert_non_null(strstr(text, "O'Neil\\, Jo\\; a very"));
	assert_non_null(strstr(text, "DESCRIPTION:line 1\\nline 2"));
	assert_null(strstr(text, "METHOD"));
	assert_int_equal(ical_parse_events(text, got, 2), 1);
	assert_string_equal(got[0].uid, "fd-42-k7q2m");
	assert_string_equal(got[0].summary, ev.summary);
	assert_true(got[0].start == ev.start && got[0].end == ev.end);
	assert_true(got[0].transparent);
	/* winter: EST, UTC-5 */
	ev.start = at("2026-12-01T10:00:00");
	ev.end = ev.start + 1800;
	assert_true(ical_build_event(&ev, ev.start, text, sizeof(text)) > 0);
	assert_non_null(strstr(text, "DTSTART:20261201T150000Z"));
}

static void
test_parse_time(void **state)
{
	time_t t;
	int all_day = -1;

	(void)state;
	assert_int_equal(
	    ical_parse_time("20260701T140000Z", NULL, &t, &all_day), 0);
	assert_true(t == at("2026-07-01T10:00:00"));
	assert_int_equal(all_day, 0);
	/* local time with the business zone (TZID or floating) */
	assert_int_equal(ical_parse_time("20260701T100000",
	                     "TZID=America/New_York", &t, NULL),
	    0);
	assert_true(t == at("2026-07-01T10:00:00"));
	/* the day DST starts (2026-03-08): 03:30 exists, UTC-4 */
	assert_int_equal(ical_parse_time("20260308T033000", NULL, &t, NULL), 0);
	{
		time_t u;

		assert_int_equal(
		    ical_parse_time("20260308T073000Z", NULL, &u, NULL), 0);
		assert_true(t == u);
	}
	assert_int_equal(
	    ical_parse_time("20261225", "VALUE=DATE", &t, &all_day), 0);
	assert_int_equal(all_day, 1);
	assert_true(t == at("2026-12-25T00:00:00"));
	assert_int_equal(ical_parse_time("2026-12-25", NULL, &t, NULL), -1);
	assert_int_equal(
	    ical_parse_time("20261325T000000Z", NULL, &t, NULL), -1);
}

static void
test_parse_duration(void **state)
{
	long secs;

	(void)state;
	assert_int_equal(ical_parse_duration("PT1H30M", &secs), 0);
	assert_int_equal(secs, 5400);
	assert_int_equal(ical_parse_duration("-PT15M", &secs), 0);
	assert_int_equal(secs, -900);
	assert_int_equal(ical_parse_duration("P1W2D", &secs), 0);
	assert_int_equal(secs, 9 * 86400);
	assert_int_equal(ical_parse_duration("P1H", &secs), -1);
	assert_int_equal(ical_parse_duration("PT", &secs), -1);
	/* absurd lengths are refused rather than overflowing */
	assert_int_equal(
	    ical_parse_duration("P6666666666666666666D", &secs), -1);
	assert_int_equal(
	    ical_parse_duration("P9999999W9999999W9999999W", &secs), -1);
	assert_int_equal(ical_parse_duration("P3650D", &secs), 0);
	assert_int_equal(secs, 3650L * 86400);
}

static void
test_parse_events(void **state)
{
	/* LF line ends (as Radicale returns), folding, an alarm, all-day,
	 * DURATION, TRANSP and STATUS */
	static const char text[] =
	    "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//x//EN\n"
	    "BEGIN:VEVENT\nUID:staff-1\nDTSTART;TZID=America/New_York:"
	    "20260701T120000\nDURATION:PT1H30M\nSUMMARY:Lunch\\, and\n"
	    "  training\n"
	    "BEGIN:VALARM\nTRIGGER:-PT15M\nACTION:DISPLAY\nEND:VALARM\n"
	    "END:VEVENT\n"
	    "BEGIN:VEVENT\nUID:staff-2\nDTSTART;VALUE=DATE:20260703\n"
	    "SUMMARY:Closed\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:staff-3\nDTSTART:20260701T160000Z\n"
	    "DTEND:20260701T170000Z\nTRANSP:TRANSPARENT\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:staff-4\nDTSTART:20260701T160000Z\n"
	    "DTEND:20260701T170000Z\nSTATUS:CANCELLED\nEND:VEVENT\n"
	    "END:VCALENDAR\n";
	struct ical_vevent ev[8];

	(void)state;
	assert_int_equal(ical_parse_events(text, ev, 8), 4);
	assert_string_equal(ev[0].uid, "staff-1");
	assert_string_equal(ev[0].summary, "Lunch, and training");
	assert_true(ev[0].start == at("2026-07-01T12:00:00"));
	assert_true(ev[0].end == at("2026-07-01T13:30:00"));
	assert_true(ev[1].all_day);
	assert_true(ev[1].start == at("2026-07-03T00:00:00"));
	assert_true(ev[1].end == at("2026-07-04T00:00:00"));
	assert_true(ev[2].transparent && !ev[2].cancelled);
	assert_true(ev[3].cancelled && !ev[3].transparent);
	/* only as many as fit are written; the count is still all */
	assert_int_equal(ical_parse_events(text, ev, 1), 4);
}

static void
test_occurrences(void **state)
{
	struct ical_vevent ev;
	struct fb_span o[16];
	int n;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.start = at("2026-06-01T12:00:00"); /* a Monday */
	ev.end = at("2026-06-01T13:00:00");
	snprintf(ev.rrule, sizeof(ev.rrule), "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5");
	n = ical_occurrences(
	    &ev, at("2026-06-01T00:00:00"), at("2026-07-01T00:00:00"), o, 16);
	assert_int_equal(n, 5); /* Jun 1, 3, 8, 10, 15 */
	assert_true(o[1].start == at("2026-06-03T12:00:00"));
	assert_true(o[4].start == at("2026-06-15T12:00:00"));
	/* a window later in the series */
	n = ical_occurrences(
	    &ev, at("2026-06-09T00:00:00"), at("2026-06-11T00:00:00"), o, 16);
	assert_int_equal(n, 1);
	assert_true(o[0].start == at("2026-06-10T12:00:00"));
	/* daily until, across the November DST change (local time kept) */
	ev.start = at("2026-10-30T09:00:00");
	ev.end = at("2026-10-30T09:30:00");
	snprintf(
	    ev.rrule, sizeof(ev.rrule), "FREQ=DAILY;UNTIL=20261105T000000Z");
	n = ical_occurrences(
	    &ev, at("2026-10-01T00:00:00"), at("2026-12-01T00:00:00"), o, 16);
	assert_int_equal(n, 6); /* Oct 30 .. Nov 4 */
	assert_true(o[5].start == at("2026-11-04T09:00:00"));
	/* an interval past any window: only the first occurrence, no overflow */
	snprintf(ev.rrule, sizeof(ev.rrule), "FREQ=DAILY;INTERVAL=2147483647");
	n = ical_occurrences(
	    &ev, at("2026-10-01T00:00:00"), at("2026-12-01T00:00:00"), o, 16);
	assert_int_equal(n, 1);
	assert_true(o[0].start == at("2026-10-30T09:00:00"));
	snprintf(ev.rrule, sizeof(ev.rrule),
	    "FREQ=WEEKLY;INTERVAL=99999999999999999999");
	assert_int_equal(ical_occurrences(&ev, at("2026-10-01T00:00:00"),
	                     at("2026-12-01T00:00:00"), o, 16),
	    1);
	/* not repeating */
	ev.rrule[0] = '\0';
	assert_int_equal(ical_occurrences(&ev, at("2026-10-30T09:15:00"),
	                     at("2026-10-30T10:00:00"), o, 16),
	    1);
	assert_int_equal(ical_occurrences(&ev, at("2026-10-30T09:30:00"),
	                     at("2026-10-30T10:00:00"), o, 16),
	    0);
}

static void
test_rfc3339(void **state)
{
	char buf[40];
	time_t t;

	(void)state;
	assert_int_equal(rfc3339_parse("2026-07-01T10:00:00-04:00", &t), 0);
	assert_true(t == at("2026-07-01T10:00:00"));
	assert_int_equal(rfc3339_parse("2026-07-01T14:00:00.250Z", &t), 0);
	assert_true(t == at("2026-07-01T10:00:00"));
	assert_int_equal(rfc3339_parse("2026-07-01T10:00:00", &t), -1);
	rfc3339_fmt(at("2026-12-01T10:00:00"), buf, sizeof(buf));
	assert_string_equal(buf, "2026-12-01T15:00:00Z");
	rfc3339_local(at("2026-12-01T10:00:00"), buf, sizeof(buf));
	assert_string_equal(buf, "2026-12-01T10:00:00-05:00");
	rfc3339_local(at("2026-07-01T10:00:00"), buf, sizeof(buf));
	assert_string_equal(buf, "2026-07-01T10:00:00-04:00");
}

struct texts {
	int n;
	char last[256];
};

static void
on_text(const char *text, void *arg)
{
	struct texts *t = arg;

	t->n++;
	snprintf(t->last, sizeof(t->last), "%s", text);
}

static void
test_xml_each(void **state)
{
	static const char xml[] =
	    "<?xml version='1.0'?><d:multistatus xmlns:d=\"DAV:\" "
	    "xmlns:cal=\"urn:ietf:params:xml:ns:caldav\"><d:response>"
	    "<d:href>/a.ics</d:href><d:propstat><d:prop><d:getetag>\"1\""
	    "</d:getetag><cal:calendar-data>A&amp;B&#13;\n&lt;x&gt;"
	    "</cal:calendar-data></d:prop></d:propstat></d:response>"
	    "<d:response><d:prop><calendar-data><![CDATA[<raw & text>]]>"
	    "</calendar-data><cal:calendar-data/></d:prop></d:response>"
	    "</d:multistatus>";
	struct texts t = {0, ""};

	(void)state;
	assert_int_equal(xml_each(xml, "calendar-data", on_text, &t), 3);
	assert_int_equal(t.n, 3);
	assert_int_equal(xml_each(xml, "getetag", on_text, &t), 1);
	assert_string_equal(t.last, "\"1\"");
	t.n = 0;
	xml_each("<x:calendar-data>A&amp;B&#13;\n&lt;x&gt;</x:calendar-data>",
	    "calendar-data", on_text, &t);
	assert_string_equal(t.last, "A&B\r\n<x>");
	xml_each("<calendar-data><![CDATA[<raw & text>]]></calendar-data>",
	    "calendar-data", on_text, &t);
	assert_string_equal(t.last, "<raw & text>");
}

static void
test_freebusy_merge(void **state)
{
	struct fb_span s[6] = {
	    {500, 600},
	    {100, 200},
	    {150, 300},
	    {300, 350},
	    {700, 700},
	    {800, 900},
	};
	int n;

	(void)state;
	n = fb_merge(s, 6);
	assert_int_equal(n, 3); /* [100,350) [500,600) [800,900) */
	assert_true(s[0].start == 100 && s[0].end == 350);
	assert_true(s[1].start == 500 && s[1].end == 600);
	assert_true(fb_overlaps(s, n, 340, 360));
	assert_false(fb_overlaps(s, n, 350, 500));
	n = fb_clip(s, n, 320, 850);
	assert_int_equal(n, 3);
	assert_true(s[0].start == 320 && s[2].end == 850);
	assert_int_equal(fb_merge(s, 0), 0);
}

static void
test_freebusy_blocks_slots(void **state)
{
	struct slot_busy busy[16];
	struct fb_span ext[1];
	time_t open = at("2026-07-01T08:00:00"),
	       close = at("2026-07-01T12:00:00"), out[16];
	int nb, n, i;

	(void)state;
	/* Bay 1 booked 08:00-09:00 in PostgreSQL; staff blocked 10:00-11:00
	 * in their calendar, which closes both bays */
	busy[0].res = 0;
	busy[0].start = open;
	busy[0].end = open + 3600;
	nb = 1;
	ext[0].start = at("2026-07-01T10:00:00");
	ext[0].end = at("2026-07-01T11:00:00");
	nb += fb_block_all(ext, 1, 2, busy, nb, 16);
	assert_int_equal(nb, 3);
	n = slots_free(open, close, 1800, 1800, 2, busy, nb, 0, out, 16);
	/* 08:00 08:30 09:00 09:30 11:00 11:30 */
	assert_int_equal(n, 6);
	assert_true(out[0] == open); /* bay 2 is free at 08:00 */
	for (i = 0; i < n; i++)
		assert_false(out[i] >= ext[0].start && out[i] < ext[0].end);
	assert_true(out[3] == at("2026-07-01T09:30:00"));
	assert_true(out[4] == at("2026-07-01T11:00:00"));
	/* a full busy array stops, never overflows */
	assert_int_equal(fb_block_all(ext, 1, 5, busy, 14, 16), 2);
}

static void
test_vpic_parse(void **state)
{
	static const char ok[] =
	    "{\"Count\":136,\"Message\":\"Results returned "
	    "successfully\",\"SearchCriteria\":\"VIN:1HGCM82633A004352\","
	    "\"Results\":[{\"Make\":\"HONDA\",\"Model\":\"Accord\","
	    "\"ModelYear\":\"2003\",\"Trim\":\"EX-V6\",\"BodyClass\":\"Coupe\","
	    "\"ErrorCode\":\"0\",\"ErrorText\":\"0 - VIN decoded clean\","
	    "\"Doors\":\"2\"}]}";
	struct vpic_result v;

	(void)state;
	assert_int_equal(vpic_parse(ok, &v), 0);
	assert_string_equal(v.make, "HONDA");
	assert_string_equal(v.model, "Accord");
	assert_int_equal(v.year, 2003);
	assert_string_equal(v.error_code, "0");
	assert_int_equal(
	    vpic_parse("{\"Results\":[{\"Make\":\"\",\"ModelYear\":"
	               "\"\",\"ErrorCode\":\"1,11\"}]}",
	        &v),
	    0);
	assert_int_equal(v.year, 0);
	assert_string_equal(v.error_code, "1,11");
	assert_int_equal(vpic_parse("{\"Results\":[]}", &v), -1);
	assert_int_equal(vpic_parse("<html>", &v), -1);
}

UNIT_MAIN(unit_tz_new_york, NULL, cmocka_unit_test(test_escape),
    cmocka_unit_test(test_fold),
    cmocka_unit_test(test_build_and_parse_roundtrip),
    cmocka_unit_test(test_parse_time), cmocka_unit_test(test_parse_duration),
    cmocka_unit_test(test_parse_events), cmocka_unit_test(test_occurrences),
    cmocka_unit_test(test_rfc3339), cmocka_unit_test(test_xml_each),
    cmocka_unit_test(test_freebusy_merge),
    cmocka_unit_test(test_freebusy_blocks_slots),
    cmocka_unit_test(test_vpic_parse), )
