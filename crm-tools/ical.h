/*
 * ical.h - the iCalendar (RFC 5545) and time-format pieces the calendar
 * engines need: TEXT escaping, 75-octet line folding, one VEVENT built for
 * a CalDAV PUT, VEVENTs parsed out of a calendar-query reply (unfolding,
 * UTC / local / all-day times, DURATION, simple RRULEs), and RFC 3339
 * times for Google.  Pure functions, no I/O; local means the process time
 * zone, which crm-tools sets to business.timezone.
 */
#ifndef CRM_ICAL_H
#define CRM_ICAL_H

#include <stddef.h>
#include <time.h>

#include "calendar.h"

/* "20250603T140000Z" */
void ical_utc(time_t t, char *buf, size_t len);
/* Escape TEXT (\\ \; \, \n); returns the length, or -1 if out is short. */
int ical_escape(const char *in, char *out, size_t len);
/* Undo ical_escape in place. */
void ical_unescape(char *s);
/* Append "NAME:value" folded at 75 octets (never inside a UTF-8
 * character) with CRLF line ends at out+*used; -1 if out is too short. */
int ical_line(
    char *out, size_t len, size_t *used, const char *name, const char *value);
/* A whole VCALENDAR with one VEVENT for ev (times in UTC, TRANSP
 * TRANSPARENT so the shop's free/busy does not count it twice); length or
 * -1. */
int ical_build_event(
    const struct cal_event *ev, time_t dtstamp, char *out, size_t len);

/* A DATE-TIME or DATE value with its parameters ("TZID=..;VALUE=DATE"):
 * "..Z" is UTC, anything else is read as local time.  0 or -1;
 * *all_day is set for DATE values. */
int ical_parse_time(
    const char *value, const char *params, time_t *t, int *all_day);
/* "PT1H30M", "P1D", "-PT15M" in seconds; -1 if not a duration. */
int ical_parse_duration(const char *s, long *secs);

struct ical_vevent {
	char uid[128];
	char summary[128];
	time_t start, end;
	int all_day;
	int transparent; /* TRANSP:TRANSPARENT */
	int cancelled; /* STATUS:CANCELLED */
	char rrule[160]; /* "" if it does not repeat */
};

/* The VEVENTs of an iCalendar text (CRLF or LF, folded or not).  Writes
 * at most max, returns how many it found (may exceed max). */
int ical_parse_events(const char *text, struct ical_vevent *out, int max);
/* Occurrences of ev overlapping [from, to) as spans (the event itself when
 * it does not repeat; FREQ=DAILY|WEEKLY with INTERVAL, COUNT, UNTIL and
 * BYDAY otherwise).  Count written (at most max). */
int ical_occurrences(const struct ical_vevent *ev, time_t from, time_t to,
    struct fb_span *out, int max);

/* RFC 3339: format as UTC "2025-06-03T14:00:00Z"; parse with Z or an
 * offset and optional fractional seconds.  0 or -1. */
void rfc3339_fmt(time_t t, char *buf, size_t len);
int rfc3339_parse(const char *s, time_t *t);
/* Local time with its offset: "2025-06-03T10:00:00-04:00". */
void rfc3339_local(time_t t, char *buf, size_t len);

/* Call fn for the text of every element whose local name is `name` in
 * an XML document (entities and CDATA decoded; the text is a temporary
 * copy).  Returns the number of elements, -1 on memory failure. */
int xml_each(const char *xml, const char *name,
    void (*fn)(const char *text, void *arg), void *arg);

#endif
