/*
 * tool_slots.c - find_slots: the next free starts for a service over a
 * window of days, in one request and one query.  The busy time of the
 * whole window comes from the bay ledger (ledger_busy_window: one read of
 * PostgreSQL when the ledger does not hold the days fresh, none when it
 * does) plus the shop's external calendar, if any; the days are then
 * walked in memory (slots_search): opening hours, holidays, bays, the
 * part of the day, after/before, starts to skip, and which starts to give
 * (the earliest, the nearest to a time, or spread over a day).  The
 * closed and full days passed over ride along, so a caller hears "we're
 * closed Sunday; the earliest is Monday at 8".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "booking.h"
#include "calendar.h"
#include "clock.h"
#include "crm.h"
#include "crm_util.h"
#include "freebusy.h"
#include "ledger.h"
#include "log.h"
#include "slots.h"

#define DEFAULT_DAYS 14
#define DEFAULT_COUNT 3
#define MAX_EXCLUDE 32
#define MAX_EXT_BUSY 256

/* "H:MM" or "HH:MM" (24:00 allowed when end is set) as minutes of the
 * day; -1 if not one. */
static int
parse_hhmm(const char *s, int end)
{
	int h, m, n = 0;

	if (s == NULL || sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 ||
	    s[n] != '\0' || strlen(s) < 4 || s[strlen(s) - 3] != ':' || m < 0 ||
	    m > 59 || h < 0 || h > 24 || (h == 24 && (!end || m)))
		return -1;
	return h * 60 + m;
}

/* An optional HH:MM argument: 1 set, 0 absent, -1 after crm_fail. */
static int
arg_minute(struct crm_ctx *c, const char *key, int end, int *out)
{
	const char *s = arg_str(c, key);

	if (s == NULL)
		return 0;
	if ((*out = parse_hhmm(s, end)) < 0) {
		crm_fail(
		    c, "bad_args", "%s '%.16s' is not a time HH:MM", key, s);
		return -1;
	}
	return 1;
}

/* The window and the constraints from the arguments; -1 after crm_fail. */
static int
read_query(struct crm_ctx *c, struct slots_query *q, time_t *excl)
{
	const char *day = arg_str(c, "day"), *from = arg_str(c, "from");
	const char *part = arg_str(c, "part_of_day"), *pick;
	json_t *ex = json_object_get(c->args, "exclude"), *v;
	long long days, count = DEFAULT_COUNT;
	int after = -1, before = -1, near = -1;
	time_t t = c->now;
	size_t i;

	if (day != NULL && from != NULL)
		return crm_fail(c, "bad_args", "give day or from, not both"),
		       -1;
	if (day != NULL && crm_parse_day(day, c->now, &t) != 0)
		return crm_fail(c, "bad_args",
		           "day '%.32s' is not "
		           "YYYY-MM-DD, today, tomorrow or a weekday",
		           day),
		       -1;
	if (from != NULL && crm_parse_instant(from, &t) != 0)
		return crm_fail(c, "bad_args",
		           "from '%.32s' is not "
		           "YYYY-MM-DDTHH:MM",
		           from),
		       -1;
	q->from = t > c->now ? t : c->now;
	days = day != NULL ? 1 : DEFAULT_DAYS;
	if (arg_ll(c, "days", &days) && (days < 1 || days > SLOTS_MAX_DAYS))
		return crm_fail(
		           c, "bad_args", "days must be 1..%d", SLOTS_MAX_DAYS),
		       -1;
	/* a past day or from counts its days from the day it names */
	if (fd_day_start(q->from) > fd_day_start(t))
		days -= (fd_day_start(q->from) - fd_day_start(t)) / 86400;
	q->days = days < 1 ? 1 : (int)days;
	if (arg_ll(c, "count", &count) &&
	    (count < 1 || count > SLOTS_MAX_COUNT))
		return crm_fail(c, "bad_args", "count must be 1..%d",
		           SLOTS_MAX_COUNT),
		       -1;
	q->count = (int)count;
	q->after_min = 0;
	q->before_min = 1440;
	if (part == NULL || strcmp(part, "any") == 0)
		;
	else if (strcmp(part, "morning") == 0)
		q->before_min = 720;
	else if (strcmp(part, "afternoon") == 0) {
		q->after_min = 720;
		q->before_min = 1020;
	} else if (strcmp(part, "evening") == 0)
		q->after_min = 1020;
	else
		return crm_fail(c, "bad_args",
		           "part_of_day '%.16s' is not "
		           "morning, afternoon, evening or any",
		           part),
		       -1;
	if (arg_minute(c, "after", 0, &after) < 0 ||
	    arg_minute(c, "before", 1, &before) < 0 ||
	    arg_minute(c, "near", 0, &near) < 0)
		return -1;
	if (after >= 0 && before >= 0 && after >= before)
		return crm_fail(c, "bad_args",
		           "after must be earlier than "
		           "before"),
		       -1;
	if (after > q->after_min)
		q->after_min = after;
	if (before >= 0 && before < q->before_min)
		q->before_min = before;
	q->near_min = near;
	pick = arg_str(c, "pick");
	if (pick == NULL)
		q->pick = near >= 0 ? SLOTS_NEAREST : SLOTS_EARLIEST;
	else if (strcmp(pick, "earliest") == 0)
		q->pick = SLOTS_EARLIEST;
	else if (strcmp(pick, "spread") == 0)
		q->pick = SLOTS_SPREAD;
	else if (strcmp(pick, "nearest") == 0 && near >= 0)
		q->pick = SLOTS_NEAREST;
	else
		return crm_fail(c, "bad_args",
		           "pick '%.16s' is not earliest, "
		           "spread or nearest (with near)",
		           pick),
		       -1;
	q->relax = arg_bool(c, "relax", 0);
	q->nexclude = 0;
	if (ex != NULL && !json_is_array(ex))
		return crm_fail(c, "bad_args",
		           "exclude must be a list of "
		           "YYYY-MM-DDTHH:MM"),
		       -1;
	if (json_array_size(ex) > MAX_EXCLUDE)
		return crm_fail(c, "bad_args",
		           "exclude holds at most %d "
		           "starts",
		           MAX_EXCLUDE),
		       -1;
	json_array_foreach(ex, i, v) if (!json_is_string(v) ||
	    crm_parse_instant(json_string_value(v), &excl[q->nexclude++]) !=
	        0) return crm_fail(c, "bad_args",
	    "exclude: '%.32s' is not "
	    "YYYY-MM-DDTHH:MM",
	    json_is_string(v) ? json_string_value(v) : "?"),
	    -1;
	q->exclude = excl;
	return 0;
}

/* The bookings of the window plus the external calendar's busy time on
 * every bay, into *busy (allocated).  The count or -1 after crm_fail. */
static int
window_busy(struct crm_ctx *c, time_t from, time_t to, struct slot_busy **busy)
{
	struct fb_span ext[MAX_EXT_BUSY];
	struct slot_busy *nb;
	int n, ne;

	if ((n = ledger_busy_window(from, to, 0, busy, db_busy, c)) < 0) {
		if (c->code == NULL)
			crm_fail(c, "internal",
			    "the calendar could not be "
			    "read");
		return -1;
	}
	if (!cal_external() ||
	    (ne = cal_busy(from, to, ext, MAX_EXT_BUSY)) <= 0)
		return n;
	if ((nb = realloc(*busy,
	         ((size_t)n + (size_t)ne * (size_t)crm_nbays + 1) *
	             sizeof(*nb))) == NULL) {
		crm_fail(c, "internal", "out of memory");
		return -1;
	}
	*busy = nb;
	return n + fb_block_all(ext, ne, crm_nbays, nb, n, n + ne * crm_nbays);
}

static json_t *
date_json(time_t day)
{
	char buf[32];

	fd_time_fmt(day, buf, sizeof(buf));
	buf[10] = '\0';
	return json_string(buf);
}

static json_t *
found_json(const struct fd_service *svc, int dur_s, const struct slots_found *f)
{
	json_t *slots = json_array(), *closed = json_array(), *full;
	char s[32], e[32];
	struct tm tm;
	int i;

	for (i = 0; i < f->n; i++) {
		fd_time_fmt(f->start[i], s, sizeof(s));
		fd_time_fmt(f->start[i] + dur_s, e, sizeof(e));
		json_array_append_new(
		    slots, json_pack("{s:s, s:s}", "start", s, "end", e));
	}
	for (i = 0; i < f->nclosed; i++) {
		localtime_r(&f->closed[i], &tm);
		json_array_append_new(closed,
		    json_pack("{s:o, s:s}", "date", date_json(f->closed[i]),
		        "reason",
		        crm_biz.week[tm.tm_wday].open_min < 0 ? "closed_weekday"
		                                              : "holiday"));
	}
	full = json_array();
	for (i = 0; i < f->nfull; i++)
		json_array_append_new(full, date_json(f->full[i]));
	return json_pack("{s:s, s:i, s:o, s:o*, s:i, s:b, s:o, s:o, s:o}",
	    "service", svc->name, "duration_min", dur_s / 60, "slots", slots,
	    "date", f->n > 0 ? date_json(f->day) : json_null(), "day_total",
	    f->day_total, "relaxed", f->relaxed, "closed_days", closed,
	    "full_days", full, "searched_to", date_json(f->last_day));
}

json_t *
tool_find_slots(struct crm_ctx *c)
{
	const struct fd_service *svc;
	struct slots_query q;
	struct slots_found f;
	struct slot_busy *busy = NULL;
	time_t excl[MAX_EXCLUDE], end;
	const char *service;
	long long dur_min;
	int sid, nb;

	memset(&q, 0, sizeof(q));
	if ((service = arg_need(c, "service", 64)) == NULL ||
	    read_query(c, &q, excl) != 0 ||
	    (svc = find_service(c, service, &sid)) == NULL)
		return NULL;
	dur_min = svc->duration_min;
	if (arg_ll(c, "duration", &dur_min) && (dur_min < 5 || dur_min > 600))
		return crm_fail(c, "bad_args",
		    "duration must be 5..600 "
		    "minutes");
	q.dur_s = (int)dur_min * 60;
	q.step_s = crm_biz.slot_step_min * 60;
	q.nres = crm_nbays;
	end = fd_day_start(fd_add_days(fd_day_start(q.from), q.days));
	if ((nb = window_busy(c, fd_day_start(q.from), end, &busy)) < 0)
		return NULL;
	if (slots_search(&crm_biz, &q, busy, nb, &f) != 0) {
		free(busy);
		return crm_fail(c, "internal", "out of memory");
	}
	free(busy);
	log_info(c->call_id,
	    "find_slots %s: %d of %d days, %d slots, %d "
	    "queries",
	    svc->name, (int)((f.last_day - fd_day_start(q.from)) / 86400) + 1,
	    q.days, f.n, c->queries);
	return found_json(svc, q.dur_s, &f);
}
