/*
 * tool_customer.c - who is calling: lookup_customer (Redis first, then
 * PostgreSQL), search_customers_by_name (trigram + double-metaphone fuzzy
 * match), verify_caller (caller ID or a second factor proves identity; a
 * phone number and a name only identify) and
 * deny_caller_id (the caller is not the customer whose phone they use).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "crm_util.h"
#include "log.h"

#define MAX_VERIFY_FAILURES 3

static const char cust_sql[] =
    "SELECT json_build_object('customer_id', c.id, 'first_name', "
    "c.first_name, 'last_name', c.last_name, 'phone', c.phone, 'email', "
    "c.email, 'consent_sms', c.consent_sms, 'vehicles', coalesce((SELECT "
    "json_agg(json_build_object('vehicle_id', v.id, 'year', v.year, 'make', "
    "v.make, 'model', v.model, 'plate', v.plate, 'vin', v.vin) ORDER BY v.id) "
    "FROM vehicles v WHERE v.customer_id = c.id), '[]')) "
    "FROM customers c WHERE c.phone = $1";

json_t *
tool_lookup_customer(struct crm_ctx *c)
{
	char phone[40], key[64];
	const char *s, *p[1];
	json_t *rec, *res;
	long long id, who;
	int cached = 1, level, own;

	if (crm_call_load(c) != 0)
		return NULL;
	if ((s = arg_str(c, "phone")) != NULL) {
		if (crm_phone_norm(s, phone, sizeof(phone)) != 0)
			return crm_fail(c, "bad_args",
			    "'%.40s' is not a phone "
			    "number",
			    s);
	} else if (c->from[0]) {
		snprintf(phone, sizeof(phone), "%s", c->from);
	} else {
		return crm_fail(c, "bad_args",
		    "no phone given and no caller "
		    "ID on the call");
	}
	own = c->from[0] && !c->cid_denied && strcmp(phone, c->from) == 0;
	crm_cust_key(key, sizeof(key), phone);
	if ((rec = crm_cache_get(crm_conn(c), key)) == NULL) {
		cached = 0;
		p[0] = phone;
		if ((rec = crm_qjson(c, cust_sql, 1, p)) == NULL)
			return NULL;
		/* misses are cached too: unknown callers are the common case */
		crm_cache_set(crm_conn(c), key, rec, crm_cfg.cache_ttl_s);
	}
	if (json_is_null(rec)) {
		json_decref(rec);
		return json_pack("{s:b, s:s, s:b}", "found", 0, "phone", phone,
		    "cached", cached);
	}
	id = json_integer_value(json_object_get(rec, "customer_id"));
	if (own && c->caller_cust != id &&
	    crm_set_identity(c, id, CRM_CALLER_ID) != 0) {
		json_decref(rec);
		return NULL;
	}
	who = crm_identity(c, &level);
	if (who == id && level == CRM_IDENTIFIED) {
		/* phone + name only: the record (VINs, codes) stays closed */
		res = json_pack("{s:b, s:b, s:s, s:I, s:O}", "found", 1,
		    "cached", cached, "identity", "identified", "customer_id",
		    (json_int_t)id, "first_name",
		    json_object_get(rec, "first_name"));
	} else if (who == id) {
		res = json_pack("{s:b, s:b, s:s, s:O}", "found", 1, "cached",
		    cached, "identity",
		    level == CRM_VERIFIED ? "verified" : "caller_id",
		    "customer", rec);
	} else {
		/* somebody else's number: no personal data beyond a name */
		res = json_pack("{s:b, s:b, s:s, s:I, s:O}", "found", 1,
		    "cached", cached, "identity", "none", "customer_id",
		    (json_int_t)id, "first_name",
		    json_object_get(rec, "first_name"));
	}
	json_decref(rec);
	return res;
}

json_t *
tool_search_customers_by_name(struct crm_ctx *c)
{
	char full[160], fe[160], le[160];
	const char *first = arg_str(c, "first"), *last = arg_str(c, "last");
	const char *p[5];
	json_t *res, *name;

	if ((name = json_object_get(c->args, "name")) != NULL &&
	    json_is_string(name) && first == NULL && last == NULL) {
		/* tolerate {name:"John Smith"} */
		static __thread char f[80], l[80];
		crm_name_split(
		    json_string_value(name), f, sizeof(f), l, sizeof(l));
		first = f[0] ? f : NULL;
		last = l[0] ? l : NULL;
	}
	if (first == NULL && last == NULL)
		return crm_fail(c, "bad_args", "give first and/or last name");
	if ((first && strlen(first) > 60) || (last && strlen(last) > 60))
		return crm_fail(c, "bad_args", "name too long");
	snprintf(full, sizeof(full), "%s%s%s", first ? first : "",
	    first && last ? " " : "", last ? last : "");
	crm_like_escape(first ? first : "", fe, sizeof(fe));
	crm_like_escape(last ? last : "", le, sizeof(le));
	p[0] = full;
	p[1] = last ? last : "";
	p[2] = first ? first : "";
	p[3] = fe;
	p[4] = le;
	res = crm_qjson(c,
	    "SELECT coalesce(json_agg(json_build_object('customer_id', id, "
	    "'first_name', first_name, 'score', (score * 100)::int) ORDER BY "
	    "score DESC, id), "
	    "'[]') FROM (SELECT id, first_name, round(greatest("
	    "similarity(first_name || ' ' || last_name, $1), "
	    "CASE WHEN $2 <> '' THEN similarity(last_name, $2) ELSE 0 END, "
	    "CASE WHEN $2 <> '' AND dmetaphone(last_name) = dmetaphone($2) "
	    "THEN 0.6 ELSE 0 END)::numeric, 2) AS score FROM customers WHERE "
	    "(first_name || ' ' || last_name) % $1 "
	    "OR ($2 <> '' AND (last_name % $2 OR last_name ILIKE $5 || '%' OR "
	    "dmetaphone(last_name) = dmetaphone($2))) "
	    "OR ($2 = '' AND (first_name ILIKE $4 || '%' OR first_name % $3)) "
	    "ORDER BY score DESC, id LIMIT 5) x",
	    5, p);
	if (res == NULL)
		return NULL;
	return json_pack("{s:o, s:s}", "matches", res, "note",
	    "ids and first names only until the caller is verified");
}

/* verify_caller's answer when the name matched but no second factor did:
 * the call is identified as the customer (stage of a repair only). */
static json_t *
identified(struct crm_ctx *c, long long id, int wrong, long long fails)
{
	json_t *res;

	if (wrong && crm_verify_failed(c) != 0)
		return NULL;
	if (crm_set_identity(c, id, CRM_IDENTIFIED) != 0)
		return NULL;
	log_info(c->call_id, "caller identified as customer %lld, %s", id,
	    wrong ? "wrong second factor" : "no second factor yet");
	res = json_pack("{s:b, s:b, s:I, s:s, s:s}", "verified", 0,
	    "identified", 1, "customer_id", (json_int_t)id, "need",
	    "second_factor", "note",
	    "a name and a number are no proof: ask "
	    "for the last 4 digits of a VIN on file (vin_last) or a "
	    "confirmation code; until then only the repair stage may be "
	    "told, nothing else on the record");
	if (wrong)
		json_object_set_new(res, "attempts_left",
		    json_integer(MAX_VERIFY_FAILURES - fails - 1));
	return res;
}

/* Full verification needs something only the customer has: the caller ID
 * on file (with their name), or a second factor (one of their confirmation
 * codes, or the last characters of one of their VINs with their name).
 * Their phone number and name alone only identify them. */
json_t *
tool_verify_caller(struct crm_ctx *c)
{
	const char *name = arg_str(c, "name"),
	           *conf = arg_str(c, "confirmation");
	const char *vin = arg_str(c, "vin_last");
	const char *s, *p[3];
	char phone[40], first[80], last[80], code[CRM_CONF_LEN + 1], ib[24];
	long long id = 0, n, fails = 0;
	int found, own = 0, name_ok = 0, code_ok = 0, vin_ok = 0;

	if (c->call_id[0] == '\0')
		return crm_fail(c, "bad_request",
		    "verify_caller needs a call "
		    "id");
	if (crm_call_load(c) != 0)
		return NULL;
	if (name == NULL && conf == NULL)
		return crm_fail(c, "bad_args",
		    "give the caller's name or a "
		    "confirmation code as proof");
	if (vin != NULL && name == NULL)
		return crm_fail(c, "bad_args",
		    "vin_last is a second factor: "
		    "give the caller's name with it");
	p[0] = c->call_id;
	if (crm_qll(c, "SELECT verify_failures FROM calls WHERE call_sid = $1",
	        1, p, &fails) < 0)
		return NULL;
	if (fails >= MAX_VERIFY_FAILURES)
		return crm_fail(c, "too_many_attempts",
		    "verification failed "
		    "too often on this call; offer a callback or a human");
	if (arg_ll(c, "customer_id", &id)) {
		/* ids come out of search_customers_by_name with first names:
		 * a name is no proof for one, only the customer's own code */
		if (conf == NULL || !crm_conf_valid(conf))
			return crm_fail(c, "bad_args",
			    "with customer_id the "
			    "proof is one of their confirmation codes; to "
			    "verify by name give the phone number instead");
		name = NULL;
		vin = NULL;
		p[0] = crm_num(ib, id);
		found = crm_qll(
		    c, "SELECT id FROM customers WHERE id = $1", 1, p, &id);
	} else if ((s = arg_str(c, "phone")) != NULL) {
		if (crm_phone_norm(s, phone, sizeof(phone)) != 0)
			return crm_fail(c, "bad_args", "bad phone");
		/* their own phone calling is the caller ID on file */
		own =
		    c->from[0] && !c->cid_denied && strcmp(phone, c->from) == 0;
		p[0] = phone;
		found = crm_qll(
		    c, "SELECT id FROM customers WHERE phone = $1", 1, p, &id);
	} else {
		/* a code is proof on its own: its owner, whoever the caller
		 * ID says; else (or with a name) the caller-ID customer */
		found = 0;
		if (conf && crm_conf_valid(conf)) {
			crm_conf_norm(conf, code);
			p[0] = code;
			found = crm_qll(c,
			    "SELECT customer_id FROM appointments "
			    "WHERE confirmation = $1",
			    1, p, &id);
		}
		if (found == 0 && name != NULL) {
			if (c->from[0] == '\0')
				return crm_fail(c, "bad_args",
				    "no customer_id, "
				    "phone or caller ID");
			own = !c->cid_denied;
			p[0] = c->from;
			found = crm_qll(c,
			    "SELECT id FROM customers WHERE "
			    "phone = $1",
			    1, p, &id);
		}
	}
	if (found < 0)
		return NULL;
	if (found && name) {
		crm_name_split(name, first, sizeof(first), last, sizeof(last));
		if (last[0] == '\0') { /* one word: take it as the last name */
			snprintf(last, sizeof(last), "%s", first);
			first[0] = '\0';
		}
		if ((name_ok = crm_name_match(c, id, first, last)) < 0)
			return NULL;
	}
	if (found && conf && crm_conf_valid(conf)) {
		crm_conf_norm(conf, code);
		p[0] = crm_num(ib, id);
		p[1] = code;
		n = 0;
		if (crm_qll(c,
		        "SELECT count(*) FROM appointments WHERE "
		        "customer_id = $1 AND confirmation = $2",
		        2, p, &n) < 0)
			return NULL;
		code_ok = n > 0;
	}
	if (name_ok && vin != NULL && (vin_ok = crm_vin_match(c, id, vin)) < 0)
		return NULL;
	if (!code_ok && !(name_ok && (vin_ok || own))) {
		if (name_ok)
			return identified(
			    c, id, conf != NULL || vin != NULL, fails);
		if (crm_verify_failed(c) != 0)
			return NULL;
		log_info(c->call_id, "verify_caller: no match (%lld failures)",
		    fails + 1);
		return json_pack("{s:b, s:I}", "verified", 0, "attempts_left",
		    (json_int_t)(MAX_VERIFY_FAILURES - fails - 1));
	}
	if (crm_set_identity(c, id, CRM_VERIFIED) != 0)
		return NULL;
	log_info(c->call_id, "caller verified as customer %lld (%s)", id,
	    code_ok      ? "confirmation code"
	        : vin_ok ? "VIN"
	                 : "caller ID");
	return json_pack(
	    "{s:b, s:I}", "verified", 1, "customer_id", (json_int_t)id);
}

json_t *
tool_deny_caller_id(struct crm_ctx *c)
{
	json_t *res;
	int level;
	long long who;

	if (c->call_id[0] == '\0')
		return crm_fail(c, "bad_request",
		    "deny_caller_id needs a call "
		    "id");
	if (crm_call_load(c) != 0 || crm_deny_caller_id(c) != 0)
		return NULL;
	log_info(c->call_id, "caller says they are not the caller-ID customer");
	who = crm_identity(c, &level);
	res = json_pack("{s:s, s:b, s:s}", "call_sid", c->call_id,
	    "caller_id_denied", 1, "identity", who ? "verified" : "none");
	if (who)
		json_object_set_new(res, "customer_id", json_integer(who));
	return res;
}
