/*
 * tool_booking.c - the builtin calendar: free slots, booking, upcoming
 * appointments, cancel and reschedule.  Double booking is impossible in
 * PostgreSQL itself (the appointments_no_overlap exclusion constraint); the
 * code here only picks a free bay and retries when a concurrent booking won
 * the race for it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "booking.h"
#include "calendar.h"
#include "calsync.h"
#include "clock.h"
#include "crm.h"
#include "crm_util.h"
#include "log.h"
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
	crm_fail(c, "unknown_service", "no service '%.60s'; offered: %s",
	    name, known);
	return NULL;
}

/* The bay index (crm_bay_ids) of a resources.id; -1 for no active bay. */
static int
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
static struct crm_worker ledger_w = { .idx = -2 };

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
db_busy_on(struct crm_ctx *c, time_t from, time_t to, struct ledger_slot *out,
    int max)
{
	char a[24], b[24];
	const char *p[2];
	PGresult *r;
	int i, j, n = 0;

	p[0] = crm_num(a, (long long)from);
	p[1] = crm_num(b, (long long)to);
	r = crm_q(c, "SELECT resource_id, extract(epoch FROM lower(during))::"
	    "bigint, extract(epoch FROM upper(during))::bigint, id, "
	    "idempotency_key FROM appointments WHERE status IN " ACTIVE " AND "
	    "during && tstzrange(to_timestamp($1), to_timestamp($2))", 2, p);
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
		out[n].idem = PQgetisnull(r, i, 4) ? 0 :
		    ledger_key(PQgetvalue(r, i, 4));
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
external_busy(time_t from, time_t to, struct slot_busy *busy, int nb,
    int max)
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

static json_t *
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
static int
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
	return crm_biz.week[tm.tm_wday].open_min < 0 ? "closed_weekday" :
	    "holiday";
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
		return crm_fail(c, "bad_args", "date '%.32s' is not "
		    "YYYY-MM-DD, today, tomorrow or a weekday", date);
	if ((svc = find_service(c, service, &sid)) == NULL)
		return NULL;
	dur_min = svc->duration_min;
	if (arg_ll(c, "duration", &dur_min) && (dur_min < 5 || dur_min > 600))
		return crm_fail(c, "bad_args", "duration must be 5..600 "
		    "minutes");
	arg_ll(c, "limit", &limit);
	if (limit < 1 || limit > MAX_SLOTS)
		limit = MAX_SLOTS;
	fd_time_fmt(day, ymd, sizeof(ymd));
	ymd[10] = '\0';
	if (slots_day_window(&crm_biz, day, &open, &close) != 0) {
		for (i = 1; i <= SEARCH_DAYS; i++)
			if (fd_business_open_day(&crm_biz,
			    fd_add_days(day, i)))
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
	n = day_slots(c, day, (int)dur_min * 60, not_before, 0, slots,
	    MAX_SLOTS);
	if (n < 0)
		return NULL;
	list = json_array();
	for (i = 0; i < n && i < limit; i++) {
		fd_time_fmt(slots[i], buf, sizeof(buf));
		json_array_append_new(list, json_string(buf));
	}
	h = fd_business_hours(&crm_biz, day);
	res = json_pack("{s:s, s:s, s:I, s:b, s:o, s:i}", "date", ymd,
	    "service", svc->name, "duration_min", (json_int_t)dur_min,
	    "closed", 0, "slots", list, "total_free", n);
	snprintf(buf, sizeof(buf), "%02d:%02d", h->open_min / 60,
	    h->open_min % 60);
	json_object_set_new(res, "open", json_string(buf));
	snprintf(buf, sizeof(buf), "%02d:%02d", h->close_min / 60,
	    h->close_min % 60);
	json_object_set_new(res, "close", json_string(buf));
	return res;
}

/* The phone a new customer gets: the one the caller said, else the caller
 * ID; none after deny_caller_id.  0 (phone[0] may be '\0') or -1. */
static int
booking_phone(struct crm_ctx *c, char *phone, size_t len)
{
	const char *s = arg_str(c, "phone");

	phone[0] = '\0';
	if (s != NULL) {
		if (crm_phone_norm(s, phone, len) == 0)
			return 0;
		crm_fail(c, "bad_args", "'%.40s' is not a phone number", s);
		return -1;
	}
	if (c->cid_denied)
		return 0;
	if (c->from[0] == '\0') {
		crm_fail(c, "bad_args", "no caller ID: pass the caller's phone");
		return -1;
	}
	snprintf(phone, len, "%s", c->from);
	return 0;
}

/* A new customer with this phone ("" for none), who becomes the call's
 * identity at `level` in the same statement: 1 with *id, 0 when the phone
 * is somebody's already, -1 on error. */
static int
insert_customer(struct crm_ctx *c, const char *phone, const char *first,
    const char *last, int level, long long *id)
{
	const char *col = crm_identity_column(c, level), *p[5];
	char sql[512];
	int m;

	p[0] = phone[0] ? phone : NULL;
	p[1] = first;
	p[2] = last;
	p[3] = arg_str(c, "email");
	p[4] = c->call_id;
	snprintf(sql, sizeof(sql), "WITH nc AS (INSERT INTO customers (phone, "
	    "first_name, last_name, email) VALUES ($1, $2, $3, $4) ON CONFLICT "
	    "(phone) DO NOTHING RETURNING id)%s%s%s SELECT id FROM nc",
	    col ? ", up AS (UPDATE calls SET " : "", col ? col : "",
	    col ? " = nc.id FROM nc WHERE call_sid = $5)" : "");
	if ((m = crm_qll(c, sql, col ? 5 : 4, p, id)) == 1)
		crm_identity_known(c, *id, level);
	return m;
}

/* A new caller's customer the booking group creates with the booking. */
struct new_cust {
	int pending;            /* to be created by the group */
	char phone[40], first[80], last[80];
	int level;
	long long made;         /* the customer created, 0 if not */
};

/* A new customer id was made with this phone: forget the cached lookup
 * of their number. */
static long long
customer_made(struct crm_ctx *c, long long id, const char *phone, int *fresh)
{
	char key[64], ib[24];

	*fresh = 1;
	if (phone[0]) {
		crm_cust_key(key, sizeof(key), phone);
		crm_cache_del(crm_conn(c), key);
	}
	log_info(c->call_id, "new customer %s", crm_num(ib, id));
	return id;
}

/* The caller as a customer, creating one for a new caller with a name.  A
 * said phone that is already a customer's is no proof, even with the
 * right name: the call is identified as them and the booking refused
 * (verification_required) until verify_caller takes a second factor; an
 * identified-only caller is refused the same way; the denied caller-ID
 * customer's phone is never theirs: the new customer gets no phone.  With
 * `defer`, a new customer with a phone is left to the booking group
 * (0, defer->pending). */
static long long
booking_customer(struct crm_ctx *c, int *fresh, struct new_cust *defer)
{
	char first[80], last[80], phone[40], norm[40];
	const char *s, *p[1];
	long long id, owner;
	int level, m;

	if ((id = crm_identity(c, &level)) != 0) {
		if (level >= CRM_CALLER_ID)
			return id;
		crm_fail(c, "verification_required", "booking on an existing "
		    "customer's record needs them verified: verify_caller "
		    "with a second factor (vin_last or a confirmation code)");
		return -1;
	}
	first[0] = last[0] = '\0';
	if ((s = arg_str(c, "first_name")) != NULL)
		snprintf(first, sizeof(first), "%s", s);
	if ((s = arg_str(c, "last_name")) != NULL)
		snprintf(last, sizeof(last), "%s", s);
	if (first[0] == '\0' && (s = arg_str(c, "name")) != NULL)
		crm_name_split(s, first, sizeof(first), last, sizeof(last));
	if (first[0] == '\0') {
		crm_fail(c, "need_name", "new caller: ask for their first and "
		    "last name and pass first_name/last_name");
		return -1;
	}
	if (booking_phone(c, phone, sizeof(phone)) != 0)
		return -1;
	/* a new number is the common case: insert first, look only when the
	 * number turns out to be somebody's */
	level = phone[0] && strcmp(phone, c->from) == 0 ? CRM_CALLER_ID :
	    CRM_VERIFIED;
	if (defer != NULL && phone[0] && crm_phone_norm(phone, norm,
	    sizeof(norm)) == 0 && strcmp(norm, phone) == 0) {
		snprintf(defer->phone, sizeof(defer->phone), "%s", phone);
		snprintf(defer->first, sizeof(defer->first), "%s", first);
		snprintf(defer->last, sizeof(defer->last), "%s", last);
		defer->level = level;
		defer->made = 0;
		defer->pending = 1;
		return 0;
	}
	if ((m = insert_customer(c, phone, first, last, level, &id)) < 0)
		return -1;
	if (m == 0) {
		p[0] = phone;
		if ((m = crm_qll(c, "SELECT id FROM customers WHERE phone = $1",
		    1, p, &owner)) < 0)
			return -1;
		if (m == 1 && c->cid_denied && strcmp(phone, c->from) == 0) {
			phone[0] = '\0';       /* the shared phone stays theirs */
			if ((m = insert_customer(c, phone, first, last,
			    CRM_VERIFIED, &id)) < 0)
				return -1;
		} else if (m == 1) {
			if ((m = crm_name_match(c, owner, first, last)) < 0)
				return -1;
			if (m == 0) {
				if (crm_verify_failed(c) != 0)
					return -1;
				crm_fail(c, "forbidden", "that number belongs to "
				    "an existing customer; verify the caller "
				    "first");
				return -1;
			}
			/* a number and a name are no proof: identified,
			 * and their record needs a second factor */
			if (crm_set_identity(c, owner, CRM_IDENTIFIED) != 0)
				return -1;
			log_info(c->call_id, "booking refused: customer %lld's "
			    "phone and name given, not verified", owner);
			crm_fail(c, "verification_required", "that number is an "
			    "existing customer's: verify_caller with their name "
			    "and a second factor (vin_last or a confirmation "
			    "code) before booking on their record");
			return -1;
		} else {
			m = 0;  /* gone again: let the caller try once more */
		}
		if (m == 0) {
			crm_fail(c, "forbidden", "that number belongs to an "
			    "existing customer; verify the caller first");
			return -1;
		}
	}
	return customer_made(c, id, phone, fresh);
}

/* Forget the cached lookup of the customer's phone (their record changed). */
static void
drop_cached(struct crm_ctx *c, long long cust)
{
	char cb[24], key[64];
	const char *p[1];
	PGresult *r;

	p[0] = crm_num(cb, cust);
	if ((r = crm_q(c, "SELECT phone FROM customers WHERE id = $1 AND "
	    "phone IS NOT NULL", 1, p)) == NULL) {
		c->code = NULL;         /* the booking goes on; TTL expires it */
		return;
	}
	if (PQntuples(r) == 1) {
		crm_cust_key(key, sizeof(key), PQgetvalue(r, 0, 0));
		crm_cache_del(crm_conn(c), key);
	}
	PQclear(r);
}

/* vehicle_id (must be the customer's), a description matched against or
 * added to the customer's vehicles, or their only vehicle; 0 = none.  A
 * customer created by this request (fresh) has no vehicles yet. */
static long long
booking_vehicle(struct crm_ctx *c, long long cust, int fresh)
{
	char cb[24], vb[24], year[8], make[40], model[60];
	const char *desc = arg_str(c, "vehicle"), *p[5];
	long long vid, owner;
	int y = 0, off = 0;

	p[0] = crm_num(cb, cust);
	if (arg_ll(c, "vehicle_id", &vid)) {
		p[0] = crm_num(vb, vid);
		if (crm_qll(c, "SELECT customer_id FROM vehicles WHERE id = $1",
		    1, p, &owner) < 0)
			return -1;
		if (owner != cust) {
			crm_fail(c, "forbidden", "that vehicle is not the "
			    "caller's");
			return -1;
		}
		return vid;
	}
	if (desc == NULL) {
		if (fresh)
			return 0;
		/* their only vehicle, in one query: the id when there is
		 * exactly one */
		switch (crm_qll(c, "SELECT min(id) FROM vehicles WHERE "
		    "customer_id = $1 HAVING count(*) = 1", 1, p, &vid)) {
		case -1:
			return -1;
		case 1:
			return vid;
		}
		return 0;
	}
	p[1] = desc;
	switch (crm_qll(c, "SELECT id FROM vehicles WHERE customer_id = $1 "
	    "AND ($2 ILIKE '%' || model || '%' OR $2 ILIKE '%' || make || '%') "
	    "ORDER BY ($2 ILIKE '%' || model || '%') DESC, id LIMIT 1", 2, p,
	    &vid)) {
	case -1:
		return -1;
	case 1:
		return vid;
	}
	/* "2019 Honda Civic" -> year, make, model */
	make[0] = model[0] = year[0] = '\0';
	if (sscanf(desc, "%4d %n", &y, &off) == 1 && y >= 1900 && y <= 2100)
		snprintf(year, sizeof(year), "%d", y);
	else
		off = 0;
	if (sscanf(desc + off, "%39s %59[^\n]", make, model) < 1)
		snprintf(make, sizeof(make), "%.39s", desc);
	p[1] = make;
	p[2] = model[0] ? model : NULL;
	p[3] = year[0] ? year : NULL;
	if (crm_qll(c, "INSERT INTO vehicles (customer_id, make, model, year) "
	    "VALUES ($1, $2, $3, $4) RETURNING id", 4, p, &vid) < 0)
		return -1;
	drop_cached(c, cust);
	return vid;
}

static json_t *
appointment_by(struct crm_ctx *c, const char *where, const char *val)
{
	char sql[1024];
	const char *p[1] = { val };

	snprintf(sql, sizeof(sql), "SELECT " APPT_JSON APPT_FROM "WHERE %s",
	    where);
	return crm_qjson(c, sql, 1, p);
}

/* The booking an idempotency key already made, marked duplicate, if it is
 * the caller's; NULL with c->code unset when there is none. */
static json_t *
own_booking(struct crm_ctx *c, const char *idem)
{
	json_t *appt;

	if (crm_call_load(c) != 0 ||
	    (appt = appointment_by(c, "a.idempotency_key = $1", idem)) == NULL)
		return NULL;
	if (json_is_null(appt)) {
		json_decref(appt);
		return NULL;
	}
	if (crm_require(c, json_integer_value(json_object_get(appt,
	    "customer_id")), CRM_CALLER_ID) != 0) {
		json_decref(appt);
		return NULL;
	}
	json_object_set_new(appt, "duplicate", json_true());
	return appt;
}

/* The booking is in PostgreSQL; now the external calendar (if any).  Its
 * outcome rides along as "calendar"; a failure only queues the push. */
static json_t *
with_calendar(struct crm_ctx *c, json_t *appt, long long id)
{
	json_t *cal;

	if (appt == NULL || json_is_null(appt) ||
	    (cal = calsync_now(c, id)) == NULL)
		return appt;
	json_object_set_new(appt, "calendar", cal);
	return appt;
}

/* Insert the booking on a free bay, bay index `want` first (-1: lowest
 * free).  1 with *appt (its JSON) and *res (bay index), 0 if no bay is
 * free, -1 on a database error (c->sqlstate says which). */
static int
insert_booking(struct crm_ctx *c, long long cust, long long vid, int sid,
    time_t start, int dur_s, const char *idem, const char *conf, int want,
    json_t **appt, int *res)
{
	char cb[24], vb[24], sb[24], tb[24], eb[24], q0[24], q1[24], wb[24];
	const char *p[12];
	json_error_t je;
	PGresult *r;

	p[0] = crm_num(cb, cust);
	p[1] = crm_id(vb, vid);
	p[2] = crm_num(sb, sid);
	p[3] = crm_num(tb, (long long)start);
	p[4] = crm_num(eb, (long long)start + dur_s);
	p[5] = c->call_id[0] ? c->call_id : NULL;
	p[6] = idem[0] ? idem : NULL;
	p[7] = conf;
	p[8] = arg_str(c, "notes");
	p[9] = crm_num(q0, (long long)(start / LOCK_QUARTER));
	p[10] = crm_num(q1, (long long)((start + dur_s - 1) / LOCK_QUARTER));
	p[11] = crm_num(wb, want >= 0 && want < crm_nbays ?
	    crm_bay_ids[want] : 0);
	/* this commit waits for the WAL flush itself (which covers the
	 * customer row written before it): the request needs no second
	 * round trip for crm_flush() */
	r = crm_q(c, "WITH sc AS (SELECT set_config('synchronous_commit', "
	    "'on', true)), lk AS (" BAY_LOCKS("$10", "$11") "), ins AS (INSERT "
	    "INTO "
	    "appointments (customer_id, vehicle_id, service_id, resource_id, "
	    "during, source_call_sid, idempotency_key, confirmation, notes) "
	    "SELECT $1, $2, $3, r.id, tstzrange(to_timestamp($4), "
	    "to_timestamp($5)), $6, $7, $8, $9 FROM sc, lk, resources r WHERE "
	    "r.active AND r.kind = 'bay' AND NOT EXISTS (SELECT 1 FROM "
	    "appointments b WHERE b.resource_id = r.id AND b.status IN " ACTIVE
	    " AND b.during && tstzrange(to_timestamp($4), to_timestamp($5))) "
	    "ORDER BY (r.id = $12::int) DESC, r.id LIMIT 1 RETURNING *) "
	    "SELECT " APPT_JSON ", a.resource_id FROM ins a JOIN services s ON "
	    "s.id = a.service_id JOIN resources r ON r.id = a.resource_id LEFT "
	    "JOIN vehicles v ON v.id = a.vehicle_id", 12, p);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	c->wrote = 0;           /* flushed with this commit */
	*appt = json_loads(PQgetvalue(r, 0, 0), 0, &je);
	*res = bay_index(atoi(PQgetvalue(r, 0, 1)));
	PQclear(r);
	if (*appt == NULL) {
		crm_fail(c, "internal", "booking reply: %s", je.text);
		return -1;
	}
	return 1;
}

/* insert_booking in a group with others (booking_batch.c): 1, 0 (retry
 * alone), -1 (the group failed: do it alone now). */
static int
group_booking(struct crm_ctx *c, long long cust, long long vid, int sid,
    time_t start, int dur_s, const char *idem, const char *conf, int want,
    struct new_cust *nc, json_t **appt, int *res)
{
	struct book_job j;
	const char *col;
	int found;

	memset(&j, 0, sizeof(j));
	if (nc->pending) {
		j.nphone = nc->phone;
		j.nfirst = nc->first;
		j.nlast = nc->last;
		j.nemail = arg_str(c, "email");
		col = crm_identity_column(c, nc->level);
		j.ncol = col == NULL ? BOOK_ID_NONE : nc->level ==
		    CRM_VERIFIED ? BOOK_ID_VERIFIED : BOOK_ID_CALLER;
	}
	j.cust = cust;
	j.vid = vid;
	j.sid = sid;
	j.start = start;
	j.dur_s = dur_s;
	j.call_id = c->call_id;
	j.idem = idem;
	j.conf = conf;
	j.notes = arg_str(c, "notes");
	j.want = want >= 0 && want < crm_nbays ? crm_bay_ids[want] : 0;
	if ((found = book_batch(c, &j)) == 1) {
		*appt = j.appt;
		*res = bay_index(j.res);
	}
	nc->made = j.new_cust;
	return found;
}

json_t *
tool_book_appointment(struct crm_ctx *c)
{
	const struct fd_service *svc;
	const char *service, *start_s, *key, *cf;
	char idem[160], conf[CRM_CONF_LEN + 1];
	struct ledger_claim cl;
	enum ledger_verdict v;
	long long cust = -1, vid = -1, aid;
	struct new_cust nc;
	json_t *appt = NULL;
	time_t start;
	int sid = 0, dur_s, attempt, found, res = -1, fresh = 0, defer;

	/* the call is loaded once a bay is claimed: a request that finds the
	 * time taken is answered without a query */
	if ((service = arg_need(c, "service", 64)) == NULL ||
	    (start_s = arg_need(c, "start", 32)) == NULL)
		return NULL;
	if (crm_parse_instant(start_s, &start) != 0)
		return crm_fail(c, "bad_args", "start '%.32s' is not "
		    "YYYY-MM-DDTHH:MM", start_s);
	if ((svc = find_service(c, service, &sid)) == NULL)
		return NULL;
	dur_s = svc->duration_min * 60;
	/* the same request again returns the booking it made */
	if ((key = arg_str(c, "idempotency_key")) != NULL) {
		snprintf(idem, sizeof(idem), "key:%.150s", key);
	} else if (c->call_id[0]) {
		snprintf(idem, sizeof(idem), "call:%s:%d:%lld", c->call_id, sid,
		    (long long)start);
	} else if (c->replay && c->spool_key) {
		snprintf(idem, sizeof(idem), "spool:%s", c->spool_key);
	} else {
		idem[0] = '\0';
	}
	/* a key of the call's own (service + start in it) is found on the
	 * slot by the ledger; any other is looked up first */
	if (idem[0] && (key != NULL || c->replay)) {
		if ((appt = own_booking(c, idem)) != NULL)
			return appt;
		if (c->code != NULL)
			return NULL;
	}
	if (check_start(c, start, dur_s, 0) != 0)
		return NULL;
	cf = c->replay ? arg_str(c, "_confirmation") : NULL;
	/* a new caller's customer is made in the group with the booking,
	 * unless a vehicle of theirs is to be found or added first, or this
	 * replays a spooled booking (its promised code is good on the first
	 * attempt only: no extra retry for it) */
	memset(&nc, 0, sizeof(nc));
	defer = !c->replay && arg_str(c, "vehicle") == NULL &&
	    json_object_get(c->args, "vehicle_id") == NULL;
	for (attempt = 0; attempt < 8; attempt++) {
		v = ledger_claim(start, start + dur_s, ledger_key(idem), db_busy,
		    c, &cl);
		if (v == LEDGER_TAKEN)
			return fail_with_alternatives(c, "slot_taken", start,
			    dur_s, 0, "that time is taken");
		if (v == LEDGER_ERROR && c->code != NULL)
			return NULL;
		if (v == LEDGER_OWN) {
			/* booked by this very request before, or still being
			 * booked by it: PostgreSQL's key decides below */
			if ((appt = own_booking(c, idem)) != NULL ||
			    c->code != NULL)
				return appt;
		}
		if (crm_call_load(c) != 0 ||
		    (cust < 0 && (cust = booking_customer(c, &fresh,
		    attempt == 0 && defer ? &nc : NULL)) < 0) ||
		    (vid < 0 && (vid = booking_vehicle(c, cust, fresh ||
		    nc.pending)) < 0)) {
			if (v == LEDGER_CLAIMED)
				ledger_settle(&cl, 0, 0);
			return NULL;
		}
		if (attempt == 0 && cf && crm_conf_valid(cf))
			crm_conf_norm(cf, conf);
		else
			crm_conf_code(conf);
		/* the first try joins the group commit; a retry (its bay
		 * or code was taken) or a failed group goes alone, where
		 * PostgreSQL's answer says what happened */
		found = attempt == 0 ? group_booking(c, cust, vid, sid, start,
		    dur_s, idem, conf, v == LEDGER_CLAIMED ? cl.res : -1, &nc,
		    &appt, &res) : -1;
		if (nc.pending) {
			nc.pending = 0;
			if (nc.made > 0) {
				/* the group made it the call's identity too */
				crm_identity_known(c, nc.made, nc.level);
				cust = customer_made(c, nc.made, nc.phone,
				    &fresh);
			} else if (found >= 0) {
				/* the number became somebody's meanwhile (or
				 * another new caller of the group had it):
				 * the single way decides whose it is */
				if (v == LEDGER_CLAIMED)
					ledger_settle(&cl, 0, 0);
				cust = -1;
				c->code = NULL;
				continue;
			} else if ((cust = booking_customer(c, &fresh,
			    NULL)) < 0) {
				if (v == LEDGER_CLAIMED)
					ledger_settle(&cl, 0, 0);
				return NULL;
			}
		}
		if (found < 0)
			found = insert_booking(c, cust, vid, sid, start, dur_s,
			    idem, conf, v == LEDGER_CLAIMED ? cl.res : -1, &appt,
			    &res);
		aid = found == 1 ? json_integer_value(json_object_get(appt,
		    "appointment_id")) : 0;
		if (v == LEDGER_CLAIMED)
			ledger_settle(&cl, aid, res);
		if (found == 1)
			break;
		/* somebody the ledger did not know of holds the bays */
		ledger_forget(start);
		if (found == 0 || strcmp(c->sqlstate, "23P01") == 0 ||
		    strcmp(c->sqlstate, "40P01") == 0 ||
		    (strcmp(c->sqlstate, "23505") == 0 &&
		    strstr(c->constraint, "confirmation"))) {
			log_info(c->call_id, "booking %s: %s, the day is read "
			    "again", start_s, found == 0 ? "no bay free after "
			    "all" : c->sqlstate);
			c->code = NULL;
			continue;
		}
		if (strcmp(c->sqlstate, "23505") == 0 &&
		    strstr(c->constraint, "idempotency")) {
			c->code = NULL;
			return own_booking(c, idem);
		}
		return NULL;
	}
	if (attempt == 8)
		return fail_with_alternatives(c, "slot_taken", start, dur_s, 0,
		    "that time was just taken");
	c->code = NULL;
	log_info(c->call_id, "booked appointment %lld (%s) for customer %lld",
	    aid, conf, cust);
	return with_calendar(c, appt, aid);
}

json_t *
tool_get_upcoming_appointments(struct crm_ctx *c)
{
	char cb[24], nb[24];
	const char *p[2];
	long long who, want;
	json_t *list;
	int level;

	if (crm_call_load(c) != 0)
		return NULL;
	who = crm_identity(c, &level);
	if (who == 0)
		return crm_fail(c, "forbidden", "the caller is not identified: "
		    "lookup_customer or verify_caller first");
	if (arg_ll(c, "customer_id", &want) && want != who)
		return crm_fail(c, "forbidden", "this record does not belong "
		    "to the caller");
	if (level < CRM_CALLER_ID)
		return crm_fail(c, "verification_required", "appointments "
		    "are read only to a verified caller: verify_caller with a "
		    "second factor (vin_last or a confirmation code)");
	p[0] = crm_num(cb, who);
	p[1] = crm_num(nb, (long long)c->now);
	list = crm_qjson(c, "SELECT coalesce(json_agg(" APPT_JSON
	    " ORDER BY lower(a.during)), '[]')" APPT_FROM "WHERE a.customer_id "
	    "= $1 AND a.status IN " ACTIVE " AND upper(a.during) > "
	    "to_timestamp($2)", 2, p);
	if (list == NULL)
		return NULL;
	return json_pack("{s:I, s:o}", "customer_id", (json_int_t)who,
	    "appointments", list);
}

/* The appointment an argument names (id or confirmation), checked to be
 * the caller's.  Returns its JSON or NULL. */
static json_t *
own_appointment(struct crm_ctx *c)
{
	char ib[24], code[CRM_CONF_LEN + 1];
	const char *conf = arg_str(c, "confirmation");
	long long id;
	json_t *appt;

	if (crm_call_load(c) != 0)
		return NULL;
	if (arg_ll(c, "appointment_id", &id))
		appt = appointment_by(c, "a.id = $1", crm_num(ib, id));
	else if (conf && crm_conf_valid(conf)) {
		crm_conf_norm(conf, code);
		appt = appointment_by(c, "a.confirmation = $1", code);
	} else
		return crm_fail(c, "bad_args", "give appointment_id or "
		    "confirmation");
	if (appt == NULL)
		return NULL;
	if (json_is_null(appt))
		return crm_fail(c, "not_found", "no such appointment");
	if (crm_require(c, json_integer_value(json_object_get(appt,
	    "customer_id")), CRM_CALLER_ID) != 0) {
		json_decref(appt);
		return NULL;
	}
	return appt;
}

json_t *
tool_cancel_appointment(struct crm_ctx *c)
{
	char ib[24];
	const char *p[2];
	json_t *appt;
	long long id;
	time_t at;
	int n;

	if ((appt = own_appointment(c)) == NULL)
		return NULL;
	id = json_integer_value(json_object_get(appt, "appointment_id"));
	if (strcmp(json_string_value(json_object_get(appt, "status")),
	    "cancelled") == 0) {
		json_object_set_new(appt, "already_cancelled", json_true());
		return appt;
	}
	if (fd_time_parse(json_string_value(json_object_get(appt, "start")),
	    &at) != 0)
		at = 0;
	json_decref(appt);
	p[0] = crm_num(ib, id);
	p[1] = arg_str(c, "reason");
	n = crm_qll(c, "UPDATE appointments SET status = 'cancelled', "
	    "cancel_reason = $2, updated_at = now() WHERE id = $1 AND status "
	    "IN " ACTIVE " RETURNING id", 2, p, &id);
	if (n < 0)
		return NULL;
	if (n == 0)
		return crm_fail(c, "not_cancellable", "the appointment is no "
		    "longer active");
	if (at != 0)
		ledger_forget(at);
	else
		ledger_forget_all();
	log_info(c->call_id, "cancelled appointment %lld", id);
	return with_calendar(c, appointment_by(c, "a.id = $1", ib), id);
}

json_t *
tool_reschedule_appointment(struct crm_ctx *c)
{
	char ib[24], sb[24], eb[24], q0[24], q1[24];
	const char *ns, *p[5], *st;
	time_t start, old_start, old_end;
	json_t *appt;
	long long id;
	int dur_s, attempt, n;

	if ((ns = arg_need(c, "new_start", 32)) == NULL)
		return NULL;
	if (crm_parse_instant(ns, &start) != 0)
		return crm_fail(c, "bad_args", "new_start '%.32s' is not "
		    "YYYY-MM-DDTHH:MM", ns);
	if ((appt = own_appointment(c)) == NULL)
		return NULL;
	id = json_integer_value(json_object_get(appt, "appointment_id"));
	st = json_string_value(json_object_get(appt, "status"));
	if (strcmp(st, "booked") != 0 && strcmp(st, "confirmed") != 0) {
		json_decref(appt);
		return crm_fail(c, "not_active", "the appointment is %s", st);
	}
	if (fd_time_parse(json_string_value(json_object_get(appt, "start")),
	    &old_start) != 0 || fd_time_parse(json_string_value(
	    json_object_get(appt, "end")), &old_end) != 0) {
		json_decref(appt);
		return crm_fail(c, "internal", "bad stored time");
	}
	json_decref(appt);
	dur_s = (int)(old_end - old_start);
	if (check_start(c, start, dur_s, id) != 0)
		return NULL;
	for (attempt = 0; attempt < 8; attempt++) {
		p[0] = crm_num(ib, id);
		p[1] = crm_num(sb, (long long)start);
		p[2] = crm_num(eb, (long long)start + dur_s);
		p[3] = crm_num(q0, (long long)(start / LOCK_QUARTER));
		p[4] = crm_num(q1, (long long)((start + dur_s - 1) /
		    LOCK_QUARTER));
		/* the quarter-hour locks book_appointment takes */
		n = crm_qll(c, "WITH lk AS (" BAY_LOCKS("$4", "$5") ") UPDATE appointments "
		    "a SET during = "
		    "tstzrange(to_timestamp($2), to_timestamp($3)), resource_id "
		    "= f.id, updated_at = now() FROM lk, (SELECT r.id FROM resources "
		    "r WHERE r.active AND r.kind = 'bay' AND NOT EXISTS (SELECT 1 "
		    "FROM appointments b WHERE b.resource_id = r.id AND b.id <> "
		    "$1 AND b.status IN " ACTIVE " AND b.during && "
		    "tstzrange(to_timestamp($2), to_timestamp($3))) ORDER BY "
		    "(r.id = (SELECT resource_id FROM appointments WHERE id = "
		    "$1)) DESC, r.id LIMIT 1) f WHERE a.id = $1 AND a.status IN "
		    ACTIVE " RETURNING a.id", 5, p, &id);
		if (n == 1)
			break;
		if (n == 0)
			return fail_with_alternatives(c, "slot_taken", start,
			    dur_s, id, "that time is taken");
		if (strcmp(c->sqlstate, "23P01") != 0 &&
		    strcmp(c->sqlstate, "40P01") != 0)
			return NULL;    /* not a lost race: a real error */
	}
	if (attempt == 8)
		return fail_with_alternatives(c, "slot_taken", start, dur_s, id,
		    "that time is taken");
	c->code = NULL;
	ledger_forget(old_start);
	ledger_forget(start);
	log_info(c->call_id, "rescheduled appointment %lld", id);
	if ((appt = appointment_by(c, "a.id = $1", ib)) != NULL &&
	    !json_is_null(appt)) {
		char was[32];

		fd_time_fmt(old_start, was, sizeof(was));
		json_object_set_new(appt, "previous_start", json_string(was));
	}
	return with_calendar(c, appt, id);
}
