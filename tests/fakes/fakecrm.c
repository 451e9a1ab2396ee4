/*
 * fakecrm.c - the brain tests' crm-tools (see fakecrm.h).  Customers:
 * 1 John Smith +15551230001 (2019 Honda Civic VIN ...2345, 2003 Honda
 * Accord VIN ...4352; order RO-1001 in repair), 2 Maria Garcia
 * +15551230002 (2020 Toyota Camry VIN ...3456; order RO-1002 awaiting
 * parts, 50% of a 200 dollar deposit back).  One bay, 30-minute slots;
 * find_slots runs crm-tools' own search (crm-tools/slots.c) over the
 * taken slots.
 * One outbound job at a time (job_get, job_result once per attempt).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "speech/datetime.h"
#include "tests/fakes/fakecrm.h"
#include "clock.h"
#include "crm-tools/slots.h"

struct fcust {
	int id;
	const char *first, *last, *phone;
	const char *vin[2]; /* last four characters of their VINs */
};

static const struct fcust custs[] = {
    {1, "John", "Smith", "+15551230001", {"2345", "4352"}},
    {2, "Maria", "Garcia", "+15551230002", {"3456", NULL}},
};

static const struct fcust *
cust_by_phone(const char *phone)
{
	size_t i;

	for (i = 0; i < sizeof(custs) / sizeof(custs[0]); i++)
		if (phone && strcmp(custs[i].phone, phone) == 0)
			return &custs[i];
	return NULL;
}

void
fakecrm_init(struct fakecrm *f, const struct fd_business *b, time_t now,
    const char *from)
{
	const struct fcust *c = cust_by_phone(from);

	memset(f, 0, sizeof(*f));
	f->biz = b;
	f->now = now;
	snprintf(f->from, sizeof(f->from), "%s", from ? from : "");
	f->caller_cust = c ? c->id : 0;
	f->next_cust = 100;
}

void
fakecrm_add_appt(struct fakecrm *f, int cust, const char *service,
    const char *start, const char *conf)
{
	struct fake_appt *a;

	if (f->nappts >= FAKE_MAX_APPTS)
		return;
	a = &f->appts[f->nappts++];
	memset(a, 0, sizeof(*a));
	a->id = 500 + f->nappts;
	a->customer = cust;
	snprintf(a->service, sizeof(a->service), "%s", service);
	snprintf(a->start, sizeof(a->start), "%s", start);
	snprintf(a->conf, sizeof(a->conf), "%s", conf);
}

/* crm-tools' levels: verified 3, caller ID 2, identified 1, none 0 */
static int
level(const struct fakecrm *f)
{
	return f->verified_cust  ? 3
	    : f->identified_cust ? 1
	    : f->caller_cust     ? 2
	                         : 0;
}

static int
identity(const struct fakecrm *f)
{
	return f->verified_cust  ? f->verified_cust
	    : f->identified_cust ? f->identified_cust
	                         : f->caller_cust;
}

static json_t *need_factor(void);

static json_t *
ok(json_t *res)
{
	return json_pack("{s:b, s:o}", "ok", 1, "result", res);
}

static json_t *
fail(const char *code, const char *err)
{
	return json_pack(
	    "{s:b, s:s, s:s}", "ok", 0, "code", code, "error", err);
}

static const char *
str(json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

static json_t *
vehicles(int cust)
{
	if (cust == 1)
		return json_pack("[{s:i, s:i, s:s, s:s}, {s:i, s:i, s:s, s:s}]",
		    "vehicle_id", 7, "year", 2019, "make", "Honda", "model",
		    "Civic", "vehicle_id", 8, "year", 2003, "make", "Honda",
		    "model", "Accord");
	if (cust == 2)
		return json_pack("[{s:i, s:i, s:s, s:s}]", "vehicle_id", 9,
		    "year", 2020, "make", "Toyota", "model", "Camry");
	return json_array();
}

static json_t *
lookup(struct fakecrm *f, json_t *args)
{
	const char *phone = str(args, "phone") ? str(args, "phone") : f->from;
	const struct fcust *c = cust_by_phone(phone);

	if (phone[0] == '\0')
		return fail("bad_args",
		    "no phone given and no caller ID on the "
		    "call");
	if (c == NULL)
		return ok(json_pack("{s:b, s:s}", "found", 0, "phone", phone));
	if (c->id != identity(f) || level(f) == 1)
		return ok(json_pack("{s:b, s:s, s:i, s:s}", "found", 1,
		    "identity", c->id == identity(f) ? "identified" : "none",
		    "customer_id", c->id, "first_name", c->first));
	return ok(json_pack("{s:b, s:s, s:{s:i, s:s, s:s, s:s, s:o}}", "found",
	    1, "identity", f->verified_cust ? "verified" : "caller_id",
	    "customer", "customer_id", c->id, "first_name", c->first,
	    "last_name", c->last, "phone", c->phone, "vehicles",
	    vehicles(c->id)));
}

static json_t *
verify(struct fakecrm *f, json_t *args)
{
	const char *phone = str(args, "phone") ? str(args, "phone") : f->from;
	const char *name = str(args, "name"), *conf = str(args, "confirmation");
	const char *vin = str(args, "vin_last");
	const struct fcust *c = cust_by_phone(phone);
	int i, match = 0, code = 0, own, named = 0;
	size_t n;

	if (f->verify_failures >= 3)
		return fail("too_many_attempts",
		    "verification failed too "
		    "often");
	if (c && name) {
		const char *sp = strrchr(name, ' ');
		const char *last = sp ? sp + 1 : name;

		named = strcasecmp(last, c->last) == 0;
	}
	own = !f->cid_denied && strcmp(phone, f->from) == 0;
	for (i = 0; conf && !code && i < f->nappts; i++) {
		/* a code alone verifies its owner, whatever the caller id */
		if (strcasecmp(f->appts[i].conf, conf) != 0)
			continue;
		if (c == NULL && str(args, "phone") == NULL &&
		    f->appts[i].customer >= 1 && f->appts[i].customer <= 2)
			c = &custs[f->appts[i].customer - 1];
		code = c && f->appts[i].customer == c->id;
	}
	match = code || (named && own);
	for (i = 0; named && vin && !match && i < 2; i++)
		match = c->vin[i] && (n = strlen(vin)) >= 4 &&
		    strcmp(c->vin[i], vin + n - 4) == 0;
	if (!match && named) {
		/* phone + name only identify; a wrong factor counts */
		if (conf || vin)
			f->verify_failures++;
		f->identified_cust = c->id;
		return ok(json_pack("{s:b, s:b, s:i, s:s, s:i}", "verified", 0,
		    "identified", 1, "customer_id", c->id, "need",
		    "second_factor", "attempts_left", 3 - f->verify_failures));
	}
	if (!match) {
		f->verify_failures++;
		return ok(json_pack("{s:b, s:i}", "verified", 0,
		    "attempts_left", 3 - f->verify_failures));
	}
	f->verified_cust = c->id;
	return ok(json_pack("{s:b, s:i}", "verified", 1, "customer_id", c->id));
}

/* The caller is not the caller-id customer: that identity is gone. */
static json_t *
deny(struct fakecrm *f)
{
	if (f->verified_cust == f->caller_cust)
		f->verified_cust = 0;
	if (f->identified_cust == f->caller_cust)
		f->identified_cust = 0;
	f->caller_cust = 0;
	f->cid_denied = 1;
	return ok(json_pack("{s:b, s:s}", "caller_id_denied", 1, "identity",
	    f->verified_cust ? "verified" : "none"));
}

static int
slot_taken(struct fakecrm *f, const char *slot)
{
	int i;

	for (i = 0; i < 8 && f->taken[i]; i++)
		if (strcmp(f->taken[i], slot) == 0)
			return 1;
	for (i = 0; i < f->nappts; i++)
		if (!f->appts[i].cancelled &&
		    strcmp(f->appts[i].start, slot) == 0)
			return 1;
	return 0;
}

/* Business hours, 30-minute steps, minus taken slots and the past. */
static json_t *
slots(struct fakecrm *f, json_t *args)
{
	const struct fd_hours *h;
	json_t *arr = json_array();
	char s[32];
	time_t day;
	int m;

	if (fd_time_parse(str(args, "date") ? str(args, "date") : "", &day) !=
	    0)
		return fail("bad_args", "date");
	if (!fd_business_open_day(f->biz, day) ||
	    (h = fd_business_hours(f->biz, day)) == NULL)
		return ok(json_pack("{s:b, s:o}", "closed", 1, "slots", arr));
	for (m = h->open_min; m + 30 <= h->close_min; m += 30) {
		dt_fmt_slot(day, m, s, sizeof(s));
		if (day + m * 60 > f->now && !slot_taken(f, s))
			json_array_append_new(arr, json_string(s));
	}
	return ok(json_pack("{s:b, s:o}", "closed", 0, "slots", arr));
}

static int
hhmm(json_t *args, const char *key, int def)
{
	const char *s = str(args, key);
	int h, m;

	if (s == NULL || sscanf(s, "%d:%d", &h, &m) != 2)
		return def;
	return h * 60 + m;
}

/* Add [start, start + 30 min) of a "YYYY-MM-DDTHH:MM" as busy. */
static void
busy_add(const char *slot, struct slot_busy *b, int *n, int max)
{
	time_t t;

	if (*n < max && fd_time_parse(slot, &t) == 0) {
		b[*n].res = 0;
		b[*n].start = t;
		b[*n].end = t + 1800;
		(*n)++;
	}
}

/* find_slots as crm-tools answers it (TOOLS.md), with one bay. */
static json_t *
find(struct fakecrm *f, json_t *args)
{
	struct slot_busy busy[8 + FAKE_MAX_APPTS];
	const char *part = str(args, "part_of_day"), *pick = str(args, "pick");
	struct slots_query q;
	struct slots_found r;
	json_t *arr = json_array();
	char s[32], e[32];
	time_t day = f->now;
	int i, nb = 0;

	if (str(args, "service") == NULL)
		return fail("bad_args", "service");
	if (str(args, "day") && fd_time_parse(str(args, "day"), &day) != 0)
		return fail("bad_args", "day");
	for (i = 0; i < 8 && f->taken[i]; i++)
		busy_add(f->taken[i], busy, &nb, 8 + FAKE_MAX_APPTS);
	for (i = 0; i < f->nappts; i++)
		if (!f->appts[i].cancelled)
			busy_add(
			    f->appts[i].start, busy, &nb, 8 + FAKE_MAX_APPTS);
	memset(&q, 0, sizeof(q));
	/* none at the current minute itself, as before */
	q.from = day > f->now ? day : f->now + 1;
	q.days = json_is_integer(json_object_get(args, "days"))
	    ? (int)json_integer_value(json_object_get(args, "days"))
	    : 14;
	q.dur_s = q.step_s = 1800;
	q.nres = 1;
	q.after_min = part && strcmp(part, "afternoon") == 0 ? 720
	    : part && strcmp(part, "evening") == 0           ? 1020
	                                                     : 0;
	q.before_min = part && strcmp(part, "morning") == 0 ? 720
	    : part && strcmp(part, "afternoon") == 0        ? 1020
	                                                    : 1440;
	if (hhmm(args, "after", 0) > q.after_min)
		q.after_min = hhmm(args, "after", 0);
	if (hhmm(args, "before", 1440) < q.before_min)
		q.before_min = hhmm(args, "before", 1440);
	q.near_min = hhmm(args, "near", -1);
	q.pick = pick && strcmp(pick, "spread") == 0 ? SLOTS_SPREAD
	    : q.near_min >= 0                        ? SLOTS_NEAREST
	                                             : SLOTS_EARLIEST;
	q.count = json_is_integer(json_object_get(args, "count"))
	    ? (int)json_integer_value(json_object_get(args, "count"))
	    : 3;
	q.relax = json_is_true(json_object_get(args, "relax"));
	if (slots_search(f->biz, &q, busy, nb, &r) != 0)
		return fail("internal", "out of memory");
	for (i = 0; i < r.n; i++) {
		fd_time_fmt(r.start[i], s, sizeof(s));
		fd_time_fmt(r.start[i] + 1800, e, sizeof(e));
		json_array_append_new(
		    arr, json_pack("{s:s, s:s}", "start", s, "end", e));
	}
	return ok(json_pack("{s:o}", "slots", arr));
}

static json_t *
book(struct fakecrm *f, json_t *args)
{
	const char *start = str(args, "start"), *phone = str(args, "phone");
	int cust = identity(f);
	json_t *v;

	if (f->race) {
		f->race = 0;
		return json_pack("{s:b, s:s, s:s, s:[s,s]}", "ok", 0, "code",
		    "slot_taken", "error", "taken", "alternatives",
		    "2026-11-24T10:30", "2026-11-24T11:00");
	}
	if (start == NULL || str(args, "service") == NULL)
		return fail("bad_args", "service/start");
	if (slot_taken(f, start))
		return json_pack("{s:b, s:s, s:s, s:[s]}", "ok", 0, "code",
		    "slot_taken", "error", "taken", "alternatives",
		    "2026-11-24T16:00");
	if (cust != 0 && level(f) < 2)
		return need_factor();
	if (cust == 0) {
		const struct fcust *owner;
		const char *last = str(args, "last_name");

		if (str(args, "first_name") == NULL &&
		    str(args, "name") == NULL)
			return fail("need_name", "new caller");
		if (f->from[0] == '\0' && phone == NULL)
			return fail("bad_args",
			    "no caller ID: pass the caller's "
			    "phone");
		/* after deny_caller_id the line's own number never matches */
		if (phone && f->cid_denied && strcmp(phone, f->from) == 0)
			phone = "";
		if (phone && (owner = cust_by_phone(phone)) != NULL) {
			if (last == NULL ||
			    strcasecmp(last, owner->last) != 0) {
				f->verify_failures++;
				return fail("forbidden",
				    "that number belongs to "
				    "an existing customer");
			}
			/* a number and a name are no proof */
			f->identified_cust = owner->id;
			return need_factor();
		} else {
			cust = f->next_cust++;
			snprintf(f->new_cust_phone, sizeof(f->new_cust_phone),
			    "%s",
			    phone               ? phone
			        : f->cid_denied ? ""
			                        : f->from);
			if (f->from[0] && !f->cid_denied && phone == NULL)
				f->caller_cust = cust;
			else
				f->verified_cust = cust;
		}
	}
	if ((v = json_object_get(args, "vehicle_id")) != NULL &&
	    !((cust == 1 &&
	          (json_integer_value(v) == 7 || json_integer_value(v) == 8)) ||
	        (cust == 2 && json_integer_value(v) == 9)))
		return fail("forbidden", "that vehicle is not the caller's");
	fakecrm_add_appt(f, cust, str(args, "service"), start, "K7Q2M");
	f->appts[f->nappts - 1].vehicle = (int)json_integer_value(v);
	f->booked_for = cust;
	return ok(json_pack("{s:i, s:s, s:s, s:s, s:i}", "appointment_id",
	    f->appts[f->nappts - 1].id, "confirmation", "K7Q2M", "start", start,
	    "service", str(args, "service"), "customer_id", cust));
}

static struct fake_appt *
appt_of(struct fakecrm *f, json_t *args)
{
	json_int_t id =
	    json_integer_value(json_object_get(args, "appointment_id"));
	const char *conf = str(args, "confirmation");
	int i;

	for (i = 0; i < f->nappts; i++)
		if ((id && f->appts[i].id == id) ||
		    (conf && strcasecmp(conf, f->appts[i].conf) == 0))
			return &f->appts[i];
	return NULL;
}

static json_t *
appt_json(const struct fake_appt *a)
{
	char start[32];

	snprintf(start, sizeof(start), "%s:00", a->start);
	return json_pack("{s:i, s:s, s:s, s:s, s:s}", "appointment_id", a->id,
	    "service", a->service, "start", start, "confirmation", a->conf,
	    "status", a->cancelled ? "cancelled" : "booked");
}

static json_t *
upcoming(struct fakecrm *f)
{
	json_t *arr = json_array();
	int i;

	if (identity(f) == 0)
		return fail("forbidden", "no customer for this call");
	if (level(f) < 2)
		return need_factor();
	for (i = 0; i < f->nappts; i++)
		if (f->appts[i].customer == identity(f) &&
		    !f->appts[i].cancelled)
			json_array_append_new(arr, appt_json(&f->appts[i]));
	return ok(json_pack(
	    "{s:i, s:o}", "customer_id", identity(f), "appointments", arr));
}

static json_t *
change(struct fakecrm *f, const char *tool, json_t *args)
{
	struct fake_appt *a = appt_of(f, args);
	const char *ns = str(args, "new_start");

	if (a == NULL)
		return fail("not_found", "no such appointment");
	if (a->customer != identity(f))
		return fail("forbidden",
		    "this record does not belong to the "
		    "caller");
	if (level(f) < 2)
		return need_factor();
	if (strcmp(tool, "cancel_appointment") == 0) {
		a->cancelled = 1;
		return ok(appt_json(a));
	}
	if (ns == NULL)
		return fail("bad_args", "new_start");
	if (slot_taken(f, ns))
		return json_pack("{s:b, s:s, s:s, s:[s]}", "ok", 0, "code",
		    "slot_taken", "error", "taken", "alternatives",
		    "2026-11-25T11:30");
	snprintf(a->start, sizeof(a->start), "%.16s", ns);
	return ok(appt_json(a));
}

static json_t *
order(struct fakecrm *f, int cancel)
{
	int who = identity(f);

	if (who == 1) {
		if (cancel)
			return fail("not_cancellable", "in repair");
		return ok(json_pack("{s:i, s:s, s:i, s:s, s:s, s:s, s:s, s:b, "
		                    "s:i}",
		    "order_id", 1, "number", "RO-1001", "customer_id", 1,
		    "vehicle", "2019 Honda Civic", "stage", "in_repair",
		    "stage_label", "being repaired", "expected_ready",
		    "2026-11-24T17:00:00", "cancellable", 0,
		    "refund_if_cancelled_cents", 0));
	}
	if (who == 2) {
		if (cancel) {
			if (f->verified_cust != 2)
				return need_factor();
			f->order_cancelled = 1;
			return ok(json_pack("{s:i, s:s, s:b, s:s, s:i, s:i}",
			    "order_id", 2, "number", "RO-1002", "cancelled", 1,
			    "previous_stage", "awaiting_parts", "refund_cents",
			    10000, "deposit_cents", 20000));
		}
		return ok(json_pack("{s:i, s:s, s:i, s:s, s:s, s:s, s:s, s:b, "
		                    "s:i}",
		    "order_id", 2, "number", "RO-1002", "customer_id", 2,
		    "vehicle", "2020 Toyota Camry", "stage", "awaiting_parts",
		    "stage_label", "waiting for parts", "expected_ready",
		    "2026-11-27T12:00:00", "cancellable", 1,
		    "refund_if_cancelled_cents", 10000));
	}
	return fail("not_found", "no open order");
}

static json_t *
need_factor(void)
{
	return fail("verification_required",
	    "the caller must be verified "
	    "first: verify_caller with a second factor");
}

static json_t *
transfer(struct fakecrm *f)
{
	if (fd_business_open_at(f->biz, f->now))
		return ok(json_pack(
		    "{s:b, s:s}", "available", 1, "number", "+15555550111"));
	return ok(json_pack("{s:b, s:s, s:s}", "available", 0, "next_open",
	    "2026-11-23T08:00:00", "suggest",
	    "take_message or "
	    "request_callback"));
}

void
fakecrm_add_job(struct fakecrm *f, int id, const char *kind, int cust, int appt,
    const char *detail)
{
	struct fake_job *j = &f->job;

	memset(j, 0, sizeof(*j));
	j->id = id;
	snprintf(j->kind, sizeof(j->kind), "%s", kind);
	j->customer = cust;
	j->appt = appt;
	snprintf(j->detail, sizeof(j->detail), "%s", detail ? detail : "");
	j->attempt = 1;
}

static const struct fcust *
cust_by_id(int id)
{
	size_t i;

	for (i = 0; i < sizeof(custs) / sizeof(custs[0]); i++)
		if (custs[i].id == id)
			return &custs[i];
	return NULL;
}

/* As crm-tools' fd_job_json (TOOLS.md "A job"). */
static json_t *
job_get(struct fakecrm *f, json_t *args)
{
	const struct fcust *cu;
	json_t *j, *a;
	int i;

	if (f->job.id == 0 ||
	    json_integer_value(json_object_get(args, "job_id")) != f->job.id)
		return fail("not_found", "no such job");
	cu = cust_by_id(f->job.customer);
	j = json_pack("{s:i, s:s, s:s, s:i, s:s, s:s*}", "job_id", f->job.id,
	    "kind", f->job.kind, "status", "dialing", "attempt", f->job.attempt,
	    "to", cu ? cu->phone : f->from, "detail",
	    f->job.detail[0] ? f->job.detail : NULL);
	if (cu) {
		json_object_set_new(j, "customer_id", json_integer(cu->id));
		json_object_set_new(j, "first_name", json_string(cu->first));
	}
	for (i = 0; i < f->nappts; i++) {
		if (f->appts[i].id != f->job.appt)
			continue;
		a = appt_json(&f->appts[i]);
		json_object_update(j, a);
		json_object_set(
		    j, "appointment_status", json_object_get(a, "status"));
		json_object_del(j, "status");
		json_object_set_new(j, "status", json_string("dialing"));
		json_decref(a);
	}
	json_object_set_new(j, "attempts", json_array());
	return ok(j);
}

static json_t *
job_result(struct fakecrm *f, json_t *args)
{
	static const char *const outcomes[] = {"confirmed", "rescheduled",
	    "cancelled", "voicemail", "answered", "busy", "no_answer", "failed",
	    "sent", "wrong_person", "talked", NULL};
	const char *o = str(args, "outcome");
	int i, valid = 0;

	f->job.results++;
	for (i = 0; o && outcomes[i]; i++)
		valid |= strcmp(o, outcomes[i]) == 0;
	if (!valid)
		return fail("bad_args", "outcome");
	if (f->job.id == 0 ||
	    json_integer_value(json_object_get(args, "job_id")) != f->job.id)
		return fail("not_found", "no such job");
	if (json_integer_value(json_object_get(args, "attempt")) !=
	    f->job.attempt)
		return fail("not_found", "no such attempt");
	if (f->job.outcome[0])
		return ok(json_pack("{s:b}", "duplicate", 1));
	snprintf(f->job.outcome, sizeof(f->job.outcome), "%s", o);
	if (strcmp(f->job.kind, "reminder") == 0 && strcmp(o, "confirmed") == 0)
		for (i = 0; i < f->nappts; i++)
			if (f->appts[i].id == f->job.appt &&
			    !f->appts[i].cancelled)
				f->appts[i].confirmed = 1;
	return ok(json_pack("{s:b}", "duplicate", 0));
}

json_t *
fakecrm_tool(struct fakecrm *f, const char *tool, json_t *args)
{
	json_t *rep;

	if (f->down) {
		json_decref(args);
		return NULL;
	}
	if (strcmp(tool, "lookup_customer") == 0)
		rep = lookup(f, args);
	else if (strcmp(tool, "deny_caller_id") == 0)
		rep = deny(f);
	else if (strcmp(tool, "verify_caller") == 0)
		rep = verify(f, args);
	else if (strcmp(tool, "get_available_slots") == 0)
		rep = slots(f, args);
	else if (strcmp(tool, "find_slots") == 0)
		rep = find(f, args);
	else if (strcmp(tool, "book_appointment") == 0)
		rep = book(f, args);
	else if (strcmp(tool, "get_upcoming_appointments") == 0)
		rep = upcoming(f);
	else if (strcmp(tool, "cancel_appointment") == 0 ||
	    strcmp(tool, "reschedule_appointment") == 0)
		rep = change(f, tool, args);
	else if (strcmp(tool, "vehicle_status") == 0)
		rep = order(f, 0);
	else if (strcmp(tool, "cancel_order") == 0)
		rep = order(f, 1);
	else if (strcmp(tool, "transfer_to_human") == 0)
		rep = transfer(f);
	else if (strcmp(tool, "take_message") == 0)
		rep = ok(json_pack("{s:i}", "message_id", 1));
	else if (strcmp(tool, "qualify_lead") == 0)
		rep = ok(json_pack("{s:i, s:s}", "lead_id", 1, "score", "hot"));
	else if (strcmp(tool, "request_callback") == 0)
		rep = ok(json_pack("{s:i}", "callback_id", 1));
	else if (strcmp(tool, "job_get") == 0)
		rep = job_get(f, args);
	else if (strcmp(tool, "job_result") == 0)
		rep = job_result(f, args);
	else
		rep = fail("unknown_tool", tool);
	json_decref(args);
	return rep;
}
