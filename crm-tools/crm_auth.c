/*
 * crm_auth.c - which customer a call may act for.  A call is identified
 * by the call id in the frame header; its row in `calls` holds the caller's
 * number, the customer whose phone equals that caller ID (caller_customer_id,
 * level CRM_CALLER_ID) and the customer verify_caller confirmed
 * (verified_customer_id, level CRM_VERIFIED, which wins).  A caller from
 * another number who gave a customer's phone and name is only identified
 * as them (identified_customer_id, level CRM_IDENTIFIED): a name and a
 * number are no proof, so that level reads a car's repair stage and no
 * more; the rest needs caller ID or a second factor (crm_require answers
 * verification_required).  Tools never trust ids from their arguments:
 * they compare the record's owner with this.
 * A from_number that is no phone ("anonymous", "client:alice") is kept on
 * the row but means no caller ID; after deny_caller_id (caller_id_denied)
 * the caller ID never identifies anyone on that call again.  On an
 * outbound call (direction outbound, placed by the gateway for a job) the
 * number we called, to_number, stands in for the caller ID: the customer
 * whose phone it is has the caller-ID level, and the agent must still hear
 * them say who they are before telling them anything (a wrong person may
 * answer; deny_caller_id drops it as on an inbound call).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "crm_util.h"
#include "log.h"

static void
read_row(struct crm_ctx *c, PGresult *r)
{
	crm_caller_id(PQgetvalue(r, 0, 0), c->from, sizeof(c->from));
	c->cid_denied = PQgetvalue(r, 0, 3)[0] == 't';
	c->caller_cust =
	    PQgetisnull(r, 0, 1) ? 0 : strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	c->verified_cust =
	    PQgetisnull(r, 0, 2) ? 0 : strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	c->identified_cust =
	    PQgetisnull(r, 0, 5) ? 0 : strtoll(PQgetvalue(r, 0, 5), NULL, 10);
}

int
crm_call_load(struct crm_ctx *c)
{
	const char *p[2];
	PGresult *r;

	if (c->call_loaded)
		return 0;
	if (c->call_id[0] == '\0') {
		c->call_loaded = 1;
		return 0;
	}
	p[0] = c->call_id;
	r = crm_q(
	    c, "SELECT " CRM_CALL_COLS " FROM calls WHERE call_sid = $1", 1, p);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		/* a tool before call_begin: open the call record now */
		PQclear(r);
		p[1] = c->caller[0] ? c->caller : NULL;
		r = crm_q(c,
		    "INSERT INTO calls (call_sid, from_number) "
		    "VALUES ($1, $2) ON CONFLICT (call_sid) DO UPDATE SET "
		    "from_number = coalesce(calls.from_number, "
		    "EXCLUDED.from_number) RETURNING " CRM_CALL_COLS,
		    2, p);
		if (r == NULL)
			return -1;
	}
	return crm_call_row(c, r);
}

int
crm_call_row(struct crm_ctx *c, PGresult *r)
{
	const char *p[2];
	long long id = 0;
	char buf[24];
	int found = -1; /* -1: not known from the row */

	read_row(c, r);
	/* the stored number is the caller ID as is (call_begin normalises
	 * it): the row already says whose phone it is */
	if (c->from[0] && strcmp(c->from, PQgetvalue(r, 0, 0)) == 0) {
		found = !PQgetisnull(r, 0, 4);
		id = found ? strtoll(PQgetvalue(r, 0, 4), NULL, 10) : 0;
	}
	PQclear(r);
	c->call_loaded = 1;
	if (c->caller_cust == 0 && c->from[0] && !c->cid_denied) {
		p[0] = c->from;
		if (found < 0)
			found = crm_qll(c,
			    "SELECT id FROM customers WHERE "
			    "phone = $1",
			    1, p, &id);
		switch (found) {
		case -1:
			return -1;
		case 1:
			p[0] = crm_num(buf, id);
			p[1] = c->call_id;
			if ((r = crm_q(c,
			         "UPDATE calls SET caller_customer_id "
			         "= $1 WHERE call_sid = $2",
			         2, p)) == NULL)
				return -1;
			PQclear(r);
			c->caller_cust = id;
			break;
		}
	}
	return 0;
}

long long
crm_identity(struct crm_ctx *c, int *level)
{
	if (c->verified_cust) {
		*level = CRM_VERIFIED;
		return c->verified_cust;
	}
	/* they said who they are: that wins over whose phone it is */
	if (c->identified_cust) {
		*level = CRM_IDENTIFIED;
		return c->identified_cust;
	}
	if (c->caller_cust) {
		*level = CRM_CALLER_ID;
		return c->caller_cust;
	}
	*level = CRM_ANON;
	return 0;
}

int
crm_require(struct crm_ctx *c, long long owner, int min_level)
{
	long long who;
	int level;

	who = crm_identity(c, &level);
	if (who != 0 && who == owner && level >= min_level)
		return 0;
	if (who == owner && who != 0)
		crm_fail(c, "verification_required",
		    "the caller must be "
		    "verified first: verify_caller with their name and a "
		    "second factor (the last 4 digits of a VIN on file, "
		    "vin_last, or a confirmation code)");
	else
		crm_fail(c, "forbidden",
		    "this record does not belong to the "
		    "caller");
	return -1;
}

json_t *
crm_own_record(
    struct crm_ctx *c, json_t *rec, int min_level, const char *missing)
{
	if (rec == NULL)
		return NULL;
	if (json_is_null(rec))
		return missing ? crm_fail(c, "not_found", "%s", missing) : rec;
	if (crm_require(c,
	        json_integer_value(json_object_get(rec, "customer_id")),
	        min_level) != 0) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

const char *
crm_identity_column(const struct crm_ctx *c, int level)
{
	if (c->call_id[0] == '\0')
		return NULL;
	switch (level) {
	case CRM_VERIFIED:
		return "verified_customer_id";
	case CRM_IDENTIFIED:
		return "identified_customer_id";
	case CRM_CALLER_ID:
		return c->cid_denied ? NULL : "caller_customer_id";
	}
	return NULL;
}

void
crm_identity_known(struct crm_ctx *c, long long cust, int level)
{
	if (crm_identity_column(c, level) == NULL)
		return;
	if (level == CRM_VERIFIED)
		c->verified_cust = cust;
	else if (level == CRM_IDENTIFIED)
		c->identified_cust = cust;
	else
		c->caller_cust = cust;
}

int
crm_set_identity(struct crm_ctx *c, long long cust, int level)
{
	const char *p[2];
	PGresult *r;
	char buf[24];

	if (crm_identity_column(c, level) == NULL)
		return 0;
	p[0] = crm_num(buf, cust);
	p[1] = c->call_id;
	r = crm_q(c,
	    level == CRM_VERIFIED ? "UPDATE calls SET verified_customer_id = "
	                            "$1 WHERE call_sid = $2"
	        : level == CRM_IDENTIFIED
	        ? "UPDATE calls SET identified_customer_id = $1 WHERE call_sid "
	          "= $2"
	        : "UPDATE calls SET caller_customer_id = $1 WHERE call_sid = "
	          "$2",
	    2, p);
	if (r == NULL)
		return -1;
	PQclear(r);
	crm_identity_known(c, cust, level);
	return 0;
}

int
crm_deny_caller_id(struct crm_ctx *c)
{
	const char *p[1];
	long long v = 0;

	/* a verification of that same customer goes too: the caller has
	 * just said they are not them */
	p[0] = c->call_id;
	if (crm_qll(c,
	        "UPDATE calls SET caller_id_denied = true, "
	        "caller_customer_id = NULL, verified_customer_id = CASE WHEN "
	        "verified_customer_id = caller_customer_id THEN NULL ELSE "
	        "verified_customer_id END WHERE call_sid = $1 RETURNING "
	        "verified_customer_id",
	        1, p, &v) < 0)
		return -1;
	c->cid_denied = 1;
	c->caller_cust = 0;
	c->verified_cust = v;
	return 0;
}

int
crm_name_match(
    struct crm_ctx *c, long long cust, const char *first, const char *last)
{
	const char *p[3];
	char ib[24];
	long long n = 0;

	p[0] = crm_num(ib, cust);
	p[1] = first;
	p[2] = last;
	if (crm_qll(c,
	        "SELECT count(*) FROM customers WHERE id = $1 AND "
	        "(lower(last_name) = lower($3) OR dmetaphone(last_name) = "
	        "dmetaphone($3)) AND ($2 = '' OR lower(first_name) = lower($2) "
	        "OR "
	        "dmetaphone(first_name) = dmetaphone($2))",
	        3, p, &n) < 0)
		return -1;
	return n > 0;
}

int
crm_vin_match(struct crm_ctx *c, long long cust, const char *tail)
{
	const char *p[2];
	char ib[24], t[18];
	long long n = 0;
	size_t i, k = 0;

	for (i = 0; tail[i] != '\0'; i++) {
		if (tail[i] == ' ' || tail[i] == '-')
			continue;
		if (!isalnum((unsigned char)tail[i]) || k + 1 >= sizeof(t))
			return 0;
		t[k++] = toupper((unsigned char)tail[i]);
	}
	t[k] = '\0';
	if (k < 4)
		return 0;
	p[0] = crm_num(ib, cust);
	p[1] = t;
	if (crm_qll(c,
	        "SELECT count(*) FROM vehicles WHERE customer_id = $1 "
	        "AND right(upper(vin), length($2)) = $2",
	        2, p, &n) < 0)
		return -1;
	return n > 0;
}

int
crm_verify_failed(struct crm_ctx *c)
{
	const char *p[1];
	PGresult *r;

	if (c->call_id[0] == '\0')
		return 0;
	p[0] = c->call_id;
	if ((r = crm_q(c,
	         "UPDATE calls SET verify_failures = verify_failures "
	         "+ 1 WHERE call_sid = $1",
	         1, p)) == NULL)
		return -1;
	PQclear(r);
	return 0;
}
