/*
 * fuzz_ical.c - a CalDAV calendar-query reply as crm-tools' CalDAV engine
 * reads it (crm-tools/cal_caldav.c): the calendar-data elements of the
 * multistatus XML (crm-tools/ical.c xml_each), each parsed for VEVENTs
 * (ical_parse_events) and expanded into busy spans over two weeks
 * (ical_occurrences).  Input without any calendar-data element is read
 * as iCalendar text directly.  Spans must lie inside the window asked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm-tools/freebusy.h"
#include "crm-tools/ical.h"
#include "fuzz.h"

#define MAX_EV 64
#define MAX_SPANS 256

static time_t from, to;

static void
on_calendar_data(const char *text, void *arg)
{
	struct ical_vevent *evs;
	struct fb_span spans[MAX_SPANS];
	int n, i, k, ns;

	(void)arg;
	if ((evs = calloc(MAX_EV, sizeof(*evs))) == NULL)
		return;
	n = ical_parse_events(text, evs, MAX_EV);
	for (i = 0; i < n && i < MAX_EV; i++) {
		if (memchr(evs[i].uid, '\0', sizeof(evs[i].uid)) == NULL ||
		    memchr(evs[i].rrule, '\0', sizeof(evs[i].rrule)) == NULL)
			abort();
		ns = ical_occurrences(&evs[i], from, to, spans, MAX_SPANS);
		if (ns < 0 || ns > MAX_SPANS)
			abort();
		for (k = 0; k < ns; k++)
			if (spans[k].end <= from || spans[k].start >= to)
				abort();
	}
	free(evs);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "America/New_York", 1);
	tzset();
	from = 1748908800; /* 2025-06-03T00:00:00Z */
	to = from + 14 * 86400;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	time_t t;
	int all_day;
	long secs;

	if ((text = fuzz_cstr(data, size)) == NULL)
		return 0;
	if (xml_each(text, "calendar-data", on_calendar_data, NULL) == 0)
		on_calendar_data(text, NULL);
	(void)rfc3339_parse(text, &t);
	(void)ical_parse_time(text, "", &t, &all_day);
	(void)ical_parse_duration(text, &secs);
	free(text);
	return 0;
}
