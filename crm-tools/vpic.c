/*
 * vpic.c - decode_vin's online part: the vin_cache table first, then NHTSA
 * vPIC with a short timeout (crm.vpic.timeout_ms).  A slow or dead vPIC
 * only costs that timeout once per call: the offline decode (vin.c) is
 * returned with online:false, so it never holds up a booking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal_http.h"
#include "log.h"
#include "vpic.h"

struct vpic_cfg vpic_cfg;

static int
fetch(const char *vin, struct vpic_result *v, char *err, size_t errlen)
{
	static const char *const hdr[] = {"Accept: application/json", NULL};
	struct http_req q;
	struct http_rep r;
	char url[400];
	int rv = -1;

	snprintf(url, sizeof(url), "%s/vehicles/DecodeVinValues/%s?format=json",
	    vpic_cfg.base_url, vin);
	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.url = url;
	q.headers = hdr;
	q.timeout_ms = vpic_cfg.timeout_ms;
	if (http_do(&q, &r) != 0)
		snprintf(err, errlen, "%s", r.err);
	else if (r.status != 200)
		snprintf(err, errlen, "HTTP %ld", r.status);
	else if (r.body == NULL || vpic_parse(r.body, v) != 0)
		snprintf(err, errlen, "unreadable reply");
	else
		rv = 0;
	http_rep_free(&r);
	return rv;
}

/* 1 hit, 0 miss, -1 no database. */
static int
cache_get(struct crm_ctx *c, const char *vin, struct vpic_result *v)
{
	char db[16];
	const char *p[2];
	PGresult *r;
	int hit;

	if (!crm_db_ready)
		return -1;
	p[0] = vin;
	snprintf(db, sizeof(db), "%d", vpic_cfg.cache_days);
	p[1] = db;
	r = crm_q(c,
	    "SELECT make, model, coalesce(model_year, 0), trim, "
	    "body_class, error_code, error_text FROM vin_cache WHERE vin = $1 "
	    "AND fetched_at > now() - make_interval(days => $2::int)",
	    2, p);
	if (r == NULL)
		return -1;
	if ((hit = PQntuples(r) > 0)) {
		memset(v, 0, sizeof(*v));
		snprintf(v->make, sizeof(v->make), "%s", PQgetvalue(r, 0, 0));
		snprintf(v->model, sizeof(v->model), "%s", PQgetvalue(r, 0, 1));
		v->year = atoi(PQgetvalue(r, 0, 2));
		snprintf(v->trim, sizeof(v->trim), "%s", PQgetvalue(r, 0, 3));
		snprintf(v->body_class, sizeof(v->body_class), "%s",
		    PQgetvalue(r, 0, 4));
		snprintf(v->error_code, sizeof(v->error_code), "%s",
		    PQgetvalue(r, 0, 5));
		snprintf(v->error_text, sizeof(v->error_text), "%s",
		    PQgetvalue(r, 0, 6));
	}
	PQclear(r);
	return hit;
}

static void
cache_put(struct crm_ctx *c, const char *vin, const struct vpic_result *v)
{
	char yb[16];
	const char *p[8];
	PGresult *r;

	if (!crm_db_ready)
		return;
	snprintf(yb, sizeof(yb), "%d", v->year);
	p[0] = vin;
	p[1] = v->make;
	p[2] = v->model;
	p[3] = v->year > 0 ? yb : NULL;
	p[4] = v->trim;
	p[5] = v->body_class;
	p[6] = v->error_code;
	p[7] = v->error_text;
	r = crm_q(c,
	    "INSERT INTO vin_cache (vin, make, model, model_year, "
	    "trim, body_class, error_code, error_text) VALUES ($1, $2, $3, $4, "
	    "$5, $6, $7, $8) ON CONFLICT (vin) DO UPDATE SET make = "
	    "EXCLUDED.make, model = EXCLUDED.model, model_year = "
	    "EXCLUDED.model_year, trim = EXCLUDED.trim, body_class = "
	    "EXCLUDED.body_class, error_code = EXCLUDED.error_code, error_text "
	    "= EXCLUDED.error_text, fetched_at = now()",
	    8, p);
	PQclear(r);
}

static void
set_str(json_t *res, const char *key, const char *v)
{
	if (v[0])
		json_object_set_new(res, key, json_string(v));
}

void
vpic_decode(struct crm_ctx *c, const struct vin_info *vi, json_t *res)
{
	struct vpic_result v;
	const char *source = "cache", *saved = c->code;
	char err[200];

	if (vpic_cfg.base_url[0] == '\0' ||
	    strcmp(vpic_cfg.base_url, "none") == 0) {
		json_object_set_new(res, "online", json_false());
		return;
	}
	if (!vi->valid_chars || !vi->check_ok) {
		json_object_set_new(res, "online", json_false());
		json_object_set_new(res, "online_error",
		    json_string("not looked up: the VIN is not valid"));
		return;
	}
	if (cache_get(c, vi->vin, &v) != 1) {
		source = "vpic";
		if (fetch(vi->vin, &v, err, sizeof(err)) != 0) {
			log_warnx(c->call_id,
			    "vpic: %s: %s (offline decode "
			    "only)",
			    vi->vin, err);
			json_object_set_new(res, "online", json_false());
			json_object_set_new(
			    res, "online_error", json_string(err));
			c->code = saved;
			return;
		}
		cache_put(c, vi->vin, &v);
	}
	c->code = saved;
	json_object_set_new(res, "online", json_true());
	json_object_set_new(res, "source", json_string(source));
	set_str(res, "make", v.make);
	set_str(res, "model", v.model);
	set_str(res, "trim", v.trim);
	set_str(res, "body_class", v.body_class);
	set_str(res, "vpic_error_code", v.error_code);
	if (v.error_code[0] && strcmp(v.error_code, "0") != 0)
		set_str(res, "vpic_error_text", v.error_text);
	if (v.year > 0)
		json_object_set_new(res, "model_year", json_integer(v.year));
}
