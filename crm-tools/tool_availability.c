/*
 * tool_availability.c - the builtin calendar's free time: the bay ledger's
 * loader (db_busy, on the request's connection or the ledger's own),
 * free starts of a day across the bays and the shop's external calendar,
 * the get_available_slots tool, and the checks and nearest alternatives
 * that book_appointment and reschedule_appointment (tool_booking.c,
 * tool_appointments.c) answer a wanted start with.  Runs in crm-tools;
 * reads PostgreSQL and, when one is configured, the external calendar.
 */
#include <pthread.h>
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
#include "slots.h"

#define MAX_BUSY 512
#define MAX_SLOTS 300
#define N_ALTERNATIVES 3
#define SEARCH_DAYS 14
#define MAX_EXT_BUSY 128

const struct fd_service *
find_service(struct crm_ctx *c, const char *name, int *id)
{
	const struct fd_service *s = fd_business_service(&crm_biz, name);
	char known[512];
	size_t n = 0;
	int i;

	if (s != NULL) {
		*id = crm_service_ids[s - crm_biz.services];
		return s;
	}
	known[0] = '\0';
	for (i = 0; i < crm_biz.nservices && n < sizeof(known) - 70; i++)
		n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s",
		    i ? ", " : "", crm_biz.services[i].name);
	crm_fail(c, "unknown_service", "no service '%.60s'; offered: %s", name,
	    known);
	return NULL;
}

/* The bay index (crm_bay_ids) of a resources.id; -1 for no active bay. */
int
bay_index(int id)
{
	int j;

	for (j = 0; j < crm_nbays; j++)
		if (crm_bay_ids[j] == id)
			return j;
	return -1;
}

/* The ledger loads days on a connection of its own when the request holds
 * none: a race's losers need the next days for their alternatives and
 * should not queue for the pool behind the winners' inserts. */
static pthread_mutex_t ledger_mu = PTHREAD_MUTEX_INITIALIZER;
static struct crm_worker ledger_w = {.idx = -2};

static int db_busy_on(struct crm_ctx *c, time_t from, time_t to,
    struct ledger_slot *out, int max);

int
db_busy(void *arg, time_t from, time_t to, struct ledger_slot *out, int max)
{
	struct crm_ctx *c = arg, lc;
	int n;

	if (c->w != NULL)
		return db_busy_on(c, from, to, out, max);
	memset(&lc, 0, sizeof(lc));
	lc.w = &ledger_w;
	lc.call_id = c->call_id;
	lc.tool = c->tool;
	pthread_mutex_lock(&ledger_mu);
	if ((n = db_busy_on(&lc, from, to, out, max)) < 0) {
		c->code = lc.code;
		memcpy(c->err, lc.err, sizeof(c->err));
	}
	c->queries += lc.queries;
	pthread_mutex_unlock(&ledger_mu);
	return n;
}

void
crm_ledger_close(void)
{
	pthread_mutex_lock(&ledger_mu);
	crm_pg_close(&ledger_w);
	pthread_mutex_unlock(&ledger_mu);
}

/* Active bookings on the bays overlapping [from, to) (another bay kind or
 * an inactive bay is not one a booking can take). */
static int
db_busy_on(
    struct crm_ctx *c, time_t from, time_t to, struct ledger_slot *out, int max)
{
	char a[24], b[24];
	const char *p[2];
	PGresult *r;
	int i, j, n = 0;

	p[0] = crm_num(a, (long long)from);
	p[1] = crm_num(b, (long long)to);
	r = crm_q(c,
	    "SELECT resource_id, extract(epoch FROM lower(during))::"
	    "bigint, extract(epoch FROM upper(during))::bigint, id, "
	    "idempotency_key FROM appointments WHERE status IN " ACTIVE " AND "
	    "during && tstzrange(to_timestamp($1), to_timestamp($2))",
	    2, p);
	if (r == NULL)
		return -1;
	for (i = 0; i < PQntuples(r) && n < max; i++) {
		if ((j = bay_index(atoi(PQgetvalue(r, i, 0)))) < 0)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].res = j;
		out[n].start = (time_t)strtoll(PQgetvalue(r, i, 1), NULL, 10);
		out[n].end = (time_t)strtoll(PQgetvalue(r, i, 2), NULL, 10);
		out[n].appt = strtoll(PQgetvalue(r, i, 3), NULL, 10);
		out[n].idem =
		    PQgetisnull(r, i, 4) ? 0 : ledger_key(PQgetvalue(r, i, 4));
		n++;
	}
	PQclear(r);
	return n;
}

/* Busy intervals on the bays overlapping [from, to) (one day), without
 * appointment `except`, as the ledger knows them.  The count or -1. */
static int
load_busy(struct crm_ctx *c, time_t from, time_t to, long long except,
    struct slot_busy *busy, int max)
{
	int n = ledger_busy(from, to, except, busy, max, db_busy, c);

	if (n < 0 && c->code == NULL)
		crm_fail(c, "internal", "the calendar day could not be kept");
	return n;
}

/* Time blocked in the shop's external calendar over [from, to) added as
 * busy on every bay; 0 when there is none or it cannot be read. */
static int
external_busy(time_t from, time_t to, struct slot_busy *busy, int nb, int max)
{
	struct fb_span ext[MAX_EXT_BUSY];
	int n;

	if (!cal_external() || (n = cal_busy(from, to, ext, MAX_EXT_BUSY)) <= 0)
		return 0;
	return fb_block_all(ext, n, crm_nbays, busy, nb, max);
}

/* 1 if staff blocked [start, start+dur_s) in the external calendar. */
static int
external_blocked(time_t start, int dur_s)
{
	struct fb_span ext[MAX_EXT_BUSY];
	time_t open, close;
	int n;

	if (!cal_external() ||
	    slots_day_window(&crm_biz, start, &open, &close) != 0 ||
	    (n = cal_busy(open, close, ext, MAX_EXT_BUSY)) <= 0)
		return 0;
	return fb_overlaps(ext, n, start, start + dur_s);
}

/* Free starts of the day containing `day`; -1 on error, 0 if closed. */
static int
day_slots(struct crm_ctx *c, time_t day, int dur_s, time_t not_before,
    long long except, time_t *out, int max)
{
	struct slot_busy *busy;
	time_t open, close;
	int nb, n;

	if (slots_day_window(&crm_biz, day, &open, &close) != 0)
		return 0;
	if (close <= not_before)
		return 0;
	if ((busy = calloc(MAX_BUSY, sizeof(*busy))) == NULL) {
		crm_fail(c, "internal", "out of memory");
		return -1;
	}
	if ((nb = load_busy(c, open, close, except, busy, MAX_BUSY)) < 0) {
		free(busy);
		return -1;
	}
	nb += external_busy(open, close, busy, nb, MAX_BUSY);
	n = slots_free(open, close, crm_biz.slot_step_min * 60, dur_s,
	    crm_nbays, busy, nb, not_before, out, max);
	free(busy);
	return n;
}

/* Up to N_ALTERNATIVES free starts nearest to want: its own day first,
 * then the earliest ones of the following open days. */
static json_t *
alternatives(struct crm_ctx *c, time_t want, int dur_s, long long except)
{
	time_t slots[MAX_SLOTS], alt[N_ALTERNATIVES], day;
	json_t *list = json_array();
	char buf[32];
	int n, m, d, i;

	n = day_slots(c, want, dur_s, c->now, except, slots, MAX_SLOTS);
	m = n > 0 ? slots_nearest(slots, n, want, alt, N_ALTERNATIVES) : 0;
	day = fd_day_start(want);
	for (d = 1; d <= SEARCH_DAYS && m < N_ALTERNATIVES && n >= 0; d++) {
		n = day_slots(c, fd_add_days(day, d), dur_s, c->now, except,
		    slots, MAX_SLOTS);
		for (i = 0; i < n && m < N_ALTERNATIVES; i++)
			alt[m++] = slots[i];
	}
	for (i = 0; i < m; i++) {
		fd_time_fmt(alt[i], buf, sizeof(buf));
		json_array_append_new(list, json_string(buf));
	}
	return list;
}

json_t *
fail_with_alternatives(struct crm_ctx *c, const char *code, time_t want,
    int dur_s, long long except, const char *msg)
{
	const char *saved = c->code;
	json_t *alt;

	alt = alternatives(c, want, dur_s, except);
	c->code = saved;
	crm_fail(c, code, "%s", msg);
	json_decref(c->extra);
	c->extra = json_pack("{s:o}", "alternatives", alt);
	return NULL;
}

/* Check a wanted start: not past, inside the hours of an open day. */
int
check_start(struct crm_ctx *c, time_t start, int dur_s, long long except)
{
	time_t open, close;

	if (start < c->now) {
		fail_with_alternatives(c, "in_past", c->now, dur_s, except,
		    "that time has already passed");
		return -1;
	}
	if (slots_day_window(&crm_biz, start, &open, &close) != 0) {
		fail_with_alternatives(c, "closed", start, dur_s, except,
		    "we are closed that day");
		return -1;
	}
	if (start < open || start + dur_s > close) {
		fail_with_alternatives(c, "outside_hours", start, dur_s, except,
		    "that is outside our opening hours");
		return -1;
	}
	if (external_blocked(start, dur_s)) {
		fail_with_alternatives(c, "slot_taken", start, dur_s, except,
		    "that time is blocked in the shop's calendar");
		return -1;
	}
	return 0;
}

static const char *
closed_reason(time_t day)
{
	struct tm tm;

	localtime_r(&day, &tm);
	return crm_biz.week[tm.tm_wday].open_min < 0 ? "closed_weekday"
	                                             : "holiday";
}

json_t *
tool_get_available_slots(struct crm_ctx *c)
{
	const char *date, *service, *after;
	const struct fd_service *svc;
	const struct fd_hours *h;
	time_t day, open, close, not_before, slots[MAX_SLOTS], t;
	long long dur_min, limit = 12;
	json_t *list, *res;
	char buf[32], ymd[16];
	int sid, n, i, hh, mm;

	if ((date = arg_need(c, "date", 32)) == NULL ||
	    (service = arg_need(c, "service", 64)) == NULL)
		return NULL;
	if (crm_parse_day(date, c->now, &day) != 0)
		return crm_fail(c, "bad_args",
		    "date '%.32s' is not "
		    "YYYY-MM-DD, today, tomorrow or a weekday",
		    date);
	if ((svc = find_service(c, service, &sid)) == NULL)
		return NULL;
	dur_min = svc->duration_min;
	if (arg_ll(c, "duration", &dur_min) && (dur_min < 5 || dur_min > 600))
		return crm_fail(c, "bad_args",
		    "duration must be 5..600 "
		    "minutes");
	arg_ll(c, "limit", &limit);
	if (limit < 1 || limit > MAX_SLOTS)
		limit = MAX_SLOTS;
	fd_time_fmt(day, ymd, sizeof(ymd));
	ymd[10] = '\0';
	if (slots_day_window(&crm_biz, day, &open, &close) != 0) {
		for (i = 1; i <= SEARCH_DAYS; i++)
			if (fd_business_open_day(&crm_biz, fd_add_days(day, i)))
				break;
		fd_time_fmt(fd_add_days(day, i), buf, sizeof(buf));
		buf[10] = '\0';
		return json_pack("{s:s, s:s, s:b, s:s, s:[], s:s}", "date", ymd,
		    "service", svc->name, "closed", 1, "reason",
		    closed_reason(day), "slots", "next_open_date", buf);
	}
	not_before = c->now;
	if ((after = arg_str(c, "after")) != NULL &&
	    sscanf(after, "%d:%d", &hh, &mm) == 2 && hh >= 0 && hh < 24 &&
	    mm >= 0 && mm < 60) {
		t = day + hh * 3600 + mm * 60;
		if (t > not_before)
			not_before = t;
	}
	n = day_slots(
	    c, day, (int)dur_min * 60, not_before, 0, slots, MAX_SLOTS);
	if (n < 0)
		return NULL;
	list = json_array();
	for (i = 0; i < n && i < limit; i++) {
		fd_time_fmt(slots[i], buf, sizeof(buf));
		json_array_append_new(list, json_string(buf));
	}
	h = fd_business_hours(&crm_biz, day);
	res = json_pack("{s:s, s:s, s:I, s:b, s:o, s:i}", "date", ymd,
	    "service", svc->name, "duration_min", (json_int_t)dur_min, "closed",
	    0, "slots", list, "total_free", n);
	snprintf(
	    buf, sizeof(buf), "%02d:%02d", h->open_min / 60, h->open_min % 60);
	json_object_set_new(res, "open", json_string(buf));
	snprintf(buf, sizeof(buf), "%02d:%02d", h->close_min / 60,
	    h->close_min % 60);
	json_object_set_new(res, "close", json_string(buf));
	return res;
}
