/*
 * tool_booking.c - book_appointment: the caller as a customer (a new
 * caller's record made with the booking), their vehicle, and the booking
 * on a free bay.  Double booking is impossible in PostgreSQL itself (the
 * appointments_no_overlap exclusion constraint); the code here only picks
 * a free bay through the ledger and retries when a concurrent booking won
 * the race for it.  The first try joins the group commit of
 * booking_batch.c.  Runs in crm-tools; writes PostgreSQL, drops cached
 * customer lookups in Redis and pushes the booking to the external
 * calendar (calsync).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "booking.h"
#include "clock.h"
#include "crm.h"
#include "crm_util.h"
#include "log.h"
#include "ledger.h"

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
		crm_fail(
		    c, "bad_args", "no caller ID: pass the caller's phone");
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
	snprintf(sql, sizeof(sql),
	    "WITH nc AS (INSERT INTO customers (phone, "
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
	int pending; /* to be created by the group */
	char phone[40], first[80], last[80];
	int level;
	long long made; /* the customer created, 0 if not */
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
		crm_fail(c, "verification_required",
		    "booking on an existing "
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
		crm_fail(c, "need_name",
		    "new caller: ask for their first and "
		    "last name and pass first_name/last_name");
		return -1;
	}
	if (booking_phone(c, phone, sizeof(phone)) != 0)
		return -1;
	/* a new number is the common case: insert first, look only when the
	 * number turns out to be somebody's */
	level = phone[0] && strcmp(phone, c->from) == 0 ? CRM_CALLER_ID
	                                                : CRM_VERIFIED;
	if (defer != NULL && phone[0] &&
	    crm_phone_norm(phone, norm, sizeof(norm)) == 0 &&
	    strcmp(norm, phone) == 0) {
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
			phone[0] = '\0'; /* the shared phone stays theirs */
			if ((m = insert_customer(
			         c, phone, first, last, CRM_VERIFIED, &id)) < 0)
				return -1;
		} else if (m == 1) {
			if ((m = crm_name_match(c, owner, first, last)) < 0)
				return -1;
			if (m == 0) {
				if (crm_verify_failed(c) != 0)
					return -1;
				crm_fail(c, "forbidden",
				    "that number belongs to "
				    "an existing customer; verify the caller "
				    "first");
				return -1;
			}
			/* a number and a name are no proof: identified,
			 * and their record needs a second factor */
			if (crm_set_identity(c, owner, CRM_IDENTIFIED) != 0)
				return -1;
			log_info(c->call_id,
			    "booking refused: customer %lld's "
			    "phone and name given, not verified",
			    owner);
			crm_fail(c, "verification_required",
			    "that number is an "
			    "existing customer's: verify_caller with their "
			    "name "
			    "and a second factor (vin_last or a confirmation "
			    "code) before booking on their record");
			return -1;
		} else {
			m = 0; /* gone again: let the caller try once more */
		}
		if (m == 0) {
			crm_fail(c, "forbidden",
			    "that number belongs to an "
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
	if ((r = crm_q(c,
	         "SELECT phone FROM customers WHERE id = $1 AND "
	         "phone IS NOT NULL",
	         1, p)) == NULL) {
		c->code = NULL; /* the booking goes on; TTL expires it */
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
			crm_fail(c, "forbidden",
			    "that vehicle is not the "
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
		switch (crm_qll(c,
		    "SELECT min(id) FROM vehicles WHERE "
		    "customer_id = $1 HAVING count(*) = 1",
		    1, p, &vid)) {
		case -1:
			return -1;
		case 1:
			return vid;
		}
		return 0;
	}
	p[1] = desc;
	switch (crm_qll(c,
	    "SELECT id FROM vehicles WHERE customer_id = $1 "
	    "AND ($2 ILIKE '%' || model || '%' OR $2 ILIKE '%' || make || '%') "
	    "ORDER BY ($2 ILIKE '%' || model || '%') DESC, id LIMIT 1",
	    2, p, &vid)) {
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
	if (crm_qll(c,
	        "INSERT INTO vehicles (customer_id, make, model, year) "
	        "VALUES ($1, $2, $3, $4) RETURNING id",
	        4, p, &vid) < 0)
		return -1;
	drop_cached(c, cust);
	return vid;
}

/* The booking an idempotency key already made, marked duplicate, if it is
 * the caller's; NULL with c->code unset when there is none. */
static json_t *
own_booking(struct crm_ctx *c, const char *idem)
{
	json_t *appt;

	if (crm_call_load(c) != 0 ||
	    (appt = crm_own_record(c,
	         appointment_by(c, "a.idempotency_key = $1", idem),
	         CRM_CALLER_ID, NULL)) == NULL)
		return NULL;
	if (json_is_null(appt))
		return NULL;
	json_object_set_new(appt, "duplicate", json_true());
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
	p[11] =
	    crm_num(wb, want >= 0 && want < crm_nbays ? crm_bay_ids[want] : 0);
	/* this commit waits for the WAL flush itself (which covers the
	 * customer row written before it): the request needs no second
	 * round trip for crm_flush() */
	r = crm_q(c,
	    "WITH sc AS (SELECT set_config('synchronous_commit', "
	    "'on', true)), lk AS (" BAY_LOCKS("$10",
	        "$11") "), ins AS (INSERT "
	               "INTO "
	               "appointments (customer_id, vehicle_id, service_id, "
	               "resource_id, "
	               "during, source_call_sid, idempotency_key, "
	               "confirmation, notes) "
	               "SELECT $1, $2, $3, r.id, tstzrange(to_timestamp($4), "
	               "to_timestamp($5)), $6, $7, $8, $9 FROM sc, lk, "
	               "resources r WHERE "
	               "r.active AND r.kind = 'bay' AND NOT EXISTS (SELECT 1 "
	               "FROM "
	               "appointments b WHERE b.resource_id = r.id AND b.status "
	               "IN " ACTIVE
	               " AND b.during && tstzrange(to_timestamp($4), "
	               "to_timestamp($5))) "
	               "ORDER BY (r.id = $12::int) DESC, r.id LIMIT 1 "
	               "RETURNING *) "
	               "SELECT " APPT_JSON
	               ", a.resource_id FROM ins a JOIN services s ON "
	               "s.id = a.service_id JOIN resources r ON r.id = "
	               "a.resource_id LEFT "
	               "JOIN vehicles v ON v.id = a.vehicle_id",
	    12, p);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	c->wrote = 0; /* flushed with this commit */
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
		j.ncol = col == NULL            ? BOOK_ID_NONE
		    : nc->level == CRM_VERIFIED ? BOOK_ID_VERIFIED
		                                : BOOK_ID_CALLER;
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

/* The idempotency key of a booking, so that the same request again
 * returns the booking it made: the caller's key, else the call's own
 * (service and start in it), else the spool entry's of a replay; "" for
 * none. */
static void
booking_key(struct crm_ctx *c, const char *key, int sid, time_t start,
    char *idem, size_t len)
{
	if (key != NULL)
		snprintf(idem, len, "key:%.150s", key);
	else if (c->call_id[0])
		snprintf(idem, len, "call:%s:%d:%lld", c->call_id, sid,
		    (long long)start);
	else if (c->replay && c->spool_key)
		snprintf(idem, len, "spool:%s", c->spool_key);
	else
		idem[0] = '\0';
}

/* After the group's try: the new caller's customer it was to make.  0 with
 * *cust, 1 to try again without the group, -1 on error. */
static int
group_customer(struct crm_ctx *c, struct new_cust *nc, int found,
    long long *cust, int *fresh)
{
	nc->pending = 0;
	if (nc->made > 0) {
		/* the group made it the call's identity too */
		crm_identity_known(c, nc->made, nc->level);
		*cust = customer_made(c, nc->made, nc->phone, fresh);
		return 0;
	}
	if (found >= 0) {
		/* the number became somebody's meanwhile (or another new
		 * caller of the group had it): the single way decides whose
		 * it is */
		*cust = -1;
		c->code = NULL;
		return 1;
	}
	if ((*cust = booking_customer(c, fresh, NULL)) < 0)
		return -1;
	return 0;
}

/* 1 when a booking was not written because a concurrent one won the race
 * (no bay free after all, an overlap, a deadlock, or its confirmation
 * code): the day is read again and the booking retried. */
static int
lost_race(struct crm_ctx *c, int found)
{
	return found == 0 || strcmp(c->sqlstate, "23P01") == 0 ||
	    strcmp(c->sqlstate, "40P01") == 0 ||
	    (strcmp(c->sqlstate, "23505") == 0 &&
	        strstr(c->constraint, "confirmation"));
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
	int sid = 0, dur_s, attempt, found, res = -1, fresh = 0, defer, m;

	/* the call is loaded once a bay is claimed: a request that finds the
	 * time taken is answered without a query */
	if ((service = arg_need(c, "service", 64)) == NULL ||
	    (start_s = arg_need(c, "start", 32)) == NULL)
		return NULL;
	if (crm_parse_instant(start_s, &start) != 0)
		return crm_fail(c, "bad_args",
		    "start '%.32s' is not "
		    "YYYY-MM-DDTHH:MM",
		    start_s);
	if ((svc = find_service(c, service, &sid)) == NULL)
		return NULL;
	dur_s = svc->duration_min * 60;
	key = arg_str(c, "idempotency_key");
	booking_key(c, key, sid, start, idem, sizeof(idem));
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
		v = ledger_claim(
		    start, start + dur_s, ledger_key(idem), db_busy, c, &cl);
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
		    (cust < 0 &&
		        (cust = booking_customer(c, &fresh,
		             attempt == 0 && defer ? &nc : NULL)) < 0) ||
		    (vid < 0 &&
		        (vid = booking_vehicle(c, cust, fresh || nc.pending)) <
		            0)) {
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
		found = attempt == 0
		    ? group_booking(c, cust, vid, sid, start, dur_s, idem, conf,
		          v == LEDGER_CLAIMED ? cl.res : -1, &nc, &appt, &res)
		    : -1;
		if (nc.pending &&
		    (m = group_customer(c, &nc, found, &cust, &fresh)) != 0) {
			if (v == LEDGER_CLAIMED)
				ledger_settle(&cl, 0, 0);
			if (m < 0)
				return NULL;
			continue;
		}
		if (found < 0)
			found = insert_booking(c, cust, vid, sid, start, dur_s,
			    idem, conf, v == LEDGER_CLAIMED ? cl.res : -1,
			    &appt, &res);
		aid = found == 1 ? json_integer_value(
		                       json_object_get(appt, "appointment_id"))
		                 : 0;
		if (v == LEDGER_CLAIMED)
			ledger_settle(&cl, aid, res);
		if (found == 1)
			break;
		/* somebody the ledger did not know of holds the bays */
		ledger_forget(start);
		if (lost_race(c, found)) {
			log_info(c->call_id,
			    "booking %s: %s, the day is read "
			    "again",
			    start_s,
			    found == 0 ? "no bay free after "
			                 "all"
			               : c->sqlstate);
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
