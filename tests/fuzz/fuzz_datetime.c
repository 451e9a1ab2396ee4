/*
 * fuzz_datetime.c - what callers say about days and times, as both
 * brains read it (speech/datetime.c dt_parse), and a tool's slot string
 * (dt_parse_slot).  The first byte chooses what was asked (any, date,
 * time); the rest is the transcript.  Whatever is found must be a real
 * minute of a real day, and must be speakable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "speech/datetime.h"
#include "fuzz.h"

static time_t now;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct tm tm = {.tm_year = 2025 - 1900,
	    .tm_mon = 5,
	    .tm_mday = 3,
	    .tm_hour = 10,
	    .tm_min = 15,
	    .tm_isdst = -1};

	(void)argc;
	(void)argv;
	setenv("TZ", "America/New_York", 1);
	tzset();
	now = mktime(&tm);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dt_result r;
	char *text, buf[128];
	time_t day;
	int minute;

	if (size == 0)
		return 0;
	if ((text = fuzz_cstr(data + 1, size - 1)) == NULL)
		return 0;
	memset(&r, 0, sizeof(r));
	if (dt_parse(text, now, (enum dt_expect)(data[0] % 3), &r) > 0) {
		if (r.has_time && (r.minute < 0 || r.minute >= 24 * 60))
			abort();
		if (r.has_date) {
			dt_say_day(r.day, buf, sizeof(buf));
			dt_fmt_date(r.day, buf, sizeof(buf));
		}
		if (r.has_time)
			dt_say_time(r.minute, buf, sizeof(buf));
	}
	if (dt_parse_slot(text, &day, &minute) == 0) {
		if (minute < 0 || minute >= 24 * 60)
			abort();
		dt_fmt_slot(day, minute, buf, sizeof(buf));
	}
	free(text);
	return 0;
}
