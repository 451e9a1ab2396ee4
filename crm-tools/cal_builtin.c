/*
 * cal_builtin.c - the builtin calendar engine: PostgreSQL is the calendar.
 * The appointments table already holds every booking per bay, and
 * tool_availability.c reads that per-bay availability itself (a free/busy list
 * cannot say which bay is free), so this engine adds no busy time and its
 * events are the appointment rows: create/update/remove have nothing more
 * to do.
 */
#include <stdio.h>

#include "calendar.h"

static int
builtin_open(char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return 0;
}

static void
builtin_close(void)
{
}

static int
builtin_freebusy(time_t from, time_t to, struct fb_span *out, int max,
    char *err, size_t errlen)
{
	(void)from;
	(void)to;
	(void)out;
	(void)max;
	(void)err;
	(void)errlen;
	return 0;
}

static enum cal_rv
builtin_create(
    const struct cal_event *ev, struct cal_ref *ref, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	snprintf(ref->id, sizeof(ref->id), "%s", ev->uid);
	ref->etag[0] = '\0';
	return CAL_OK;
}

static enum cal_rv
builtin_update(
    const struct cal_event *ev, struct cal_ref *ref, char *err, size_t errlen)
{
	return builtin_create(ev, ref, err, errlen);
}

static enum cal_rv
builtin_remove(const struct cal_ref *ref, char *err, size_t errlen)
{
	(void)ref;
	(void)err;
	(void)errlen;
	return CAL_OK;
}

/* An ops table reads best packed, a few members a line. */
/* clang-format off */
const struct cal_engine cal_builtin = {
	.name = "builtin", .open = builtin_open, .close = builtin_close,
	.freebusy = builtin_freebusy, .create = builtin_create,
	.update = builtin_update, .remove = builtin_remove,
};
/* clang-format on */
