/*
 * outbound.c - the `outbound` config section and the calling window
 * (outbound.h).  Times are local to business.timezone (TZ is set from it).
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "outbound.h"
#include "strmap.h"

static int
hhmm(const char *s, int *min)
{
	int h, m;
	char end;

	if (sscanf(s, "%d:%d%c", &h, &m, &end) != 2 || h < 0 || h > 24 ||
	    m < 0 || m > 59 || h * 60 + m > 1440)
		return -1;
	*min = h * 60 + m;
	return 0;
}

static int
get_int(const config_setting_t *s, const char *key, int def, int lo, int hi,
    int *out, char *err, size_t errlen)
{
	int v = def;

	if (s && config_setting_get_member(s, key) &&
	    config_setting_lookup_int(s, key, &v) != CONFIG_TRUE) {
		snprintf(err, errlen, "outbound.%s must be an integer", key);
		return -1;
	}
	if (v < lo || v > hi) {
		snprintf(
		    err, errlen, "outbound.%s must be %d..%d", key, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int
get_bool(const config_setting_t *s, const char *key, int def, int *out,
    char *err, size_t errlen)
{
	int v = def;

	if (s && config_setting_get_member(s, key) &&
	    config_setting_lookup_bool(s, key, &v) != CONFIG_TRUE) {
		snprintf(err, errlen, "outbound.%s must be true or false", key);
		return -1;
	}
	*out = v;
	return 0;
}

static int
get_time(const config_setting_t *s, const char *key, const char *def, int *out,
    char *err, size_t errlen)
{
	const char *v = def;

	if (s && config_setting_get_member(s, key) &&
	    config_setting_lookup_string(s, key, &v) != CONFIG_TRUE)
		v = "";
	if (hhmm(v, out) != 0) {
		snprintf(err, errlen, "outbound.%s must be HH:MM", key);
		return -1;
	}
	return 0;
}

/* A list of 1..FD_OUT_MAX_BACKOFF waits, each unit_s seconds a step, up
 * to a week. */
static int
get_backoff(const config_setting_t *l, const char *key, int unit_s,
    struct fd_outbound *o, char *err, size_t errlen)
{
	int i, v;

	if (!config_setting_is_aggregate(l) || config_setting_length(l) < 1 ||
	    config_setting_length(l) > FD_OUT_MAX_BACKOFF) {
		snprintf(err, errlen,
		    "outbound.%s must be a list of 1..%d "
		    "numbers",
		    key, FD_OUT_MAX_BACKOFF);
		return -1;
	}
	for (i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *e =
		    config_setting_get_elem(l, (unsigned)i);

		v = config_setting_get_int(e);
		if (config_setting_type(e) != CONFIG_TYPE_INT || v < 1 ||
		    v > 7 * 86400 / unit_s) {
			snprintf(err, errlen, "outbound.%s: 1..%d each", key,
			    7 * 86400 / unit_s);
			return -1;
		}
		o->backoff_s[i] = v * unit_s;
	}
	o->nbackoff = i;
	return 0;
}

int
fd_outbound_load(
    const config_t *cfg, struct fd_outbound *o, char *err, size_t errlen)
{
	const config_setting_t *s = config_lookup(cfg, "outbound"), *l;
	double d = 1.0;

	memset(o, 0, sizeof(*o));
	if (get_bool(s, "enabled", 0, &o->enabled, err, errlen) != 0 ||
	    get_bool(s, "sms_enabled", 0, &o->sms_enabled, err, errlen) != 0 ||
	    get_int(s, "reminder_lead_h", 24, 1, 336, &o->reminder_lead_h, err,
	        errlen) != 0 ||
	    get_time(s, "call_from", "09:00", &o->call_from_min, err, errlen) !=
	        0 ||
	    get_time(s, "call_until", "19:00", &o->call_until_min, err,
	        errlen) != 0 ||
	    get_bool(s, "call_closed_days", 0, &o->call_closed_days, err,
	        errlen) != 0 ||
	    get_int(s, "max_attempts", 3, 1, 10, &o->max_attempts, err,
	        errlen) != 0 ||
	    get_int(s, "max_concurrent", 2, 1, 1000, &o->max_concurrent, err,
	        errlen) != 0 ||
	    get_int(s, "lease_s", 60, 5, 3600, &o->lease_s, err, errlen) != 0 ||
	    get_int(s, "call_timeout_s", 900, 30, 14400, &o->call_timeout_s,
	        err, errlen) != 0 ||
	    get_int(s, "max_claims", 3, 1, 100, &o->max_claims, err, errlen) !=
	        0 ||
	    get_int(s, "batch", 2, 1, 100, &o->batch, err, errlen) != 0 ||
	    get_int(s, "tick_ms", 1000, 50, 60000, &o->tick_ms, err, errlen) !=
	        0 ||
	    get_int(s, "ring_timeout_s", 25, 5, 600, &o->ring_timeout_s, err,
	        errlen) != 0)
		return -1;
	if (o->call_from_min >= o->call_until_min) {
		snprintf(err, errlen,
		    "outbound.call_from must be before "
		    "call_until");
		return -1;
	}
	if (s && config_setting_get_member(s, "calls_per_s") &&
	    config_setting_lookup_float(s, "calls_per_s", &d) != CONFIG_TRUE) {
		int iv;

		if (config_setting_lookup_int(s, "calls_per_s", &iv) !=
		    CONFIG_TRUE) {
			snprintf(err, errlen,
			    "outbound.calls_per_s must be a "
			    "number");
			return -1;
		}
		d = iv;
	}
	if (d < 0.01 || d > 100) {
		snprintf(err, errlen, "outbound.calls_per_s must be 0.01..100");
		return -1;
	}
	o->calls_per_s = d;
	/* retry_backoff_s (seconds) wins over retry_backoff_min: tests and
	 * benches wait seconds, not minutes */
	l = s ? config_setting_get_member(s, "retry_backoff_s") : NULL;
	if (l != NULL)
		return get_backoff(l, "retry_backoff_s", 1, o, err, errlen);
	l = s ? config_setting_get_member(s, "retry_backoff_min") : NULL;
	if (l == NULL) {
		o->backoff_s[0] = 600;
		o->backoff_s[1] = 1800;
		o->nbackoff = 2;
		return 0;
	}
	return get_backoff(l, "retry_backoff_min", 60, o, err, errlen);
}

static int
local_min(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return tm.tm_hour * 60 + tm.tm_min;
}

int
fd_outbound_may_call(
    const struct fd_outbound *o, const struct fd_business *b, time_t t)
{
	int m = local_min(t);

	if (m < o->call_from_min || m >= o->call_until_min)
		return 0;
	return o->call_closed_days || fd_business_open_day(b, t);
}

/* The instant of local minute m on the day of t. */
static time_t
at_min(time_t t, int m)
{
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = m / 60;
	tm.tm_min = m % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

time_t
fd_outbound_next_open(
    const struct fd_outbound *o, const struct fd_business *b, time_t t)
{
	const struct fd_hours *h;
	time_t day = fd_day_start(t), d, from, until;
	int i, lo, hi;

	for (i = 0; i <= 14; i++) {
		d = fd_add_days(day, i);
		if ((h = fd_business_hours(b, d)) == NULL)
			continue;
		lo = h->open_min > o->call_from_min ? h->open_min
		                                    : o->call_from_min;
		hi = h->close_min < o->call_until_min ? h->close_min
		                                      : o->call_until_min;
		if (lo >= hi)
			continue;
		from = at_min(d, lo);
		until = at_min(d, hi);
		if (t < until)
			return t > from ? t : from;
	}
	return t;
}

const char *
fd_outbound_outcome(const char *status)
{
	static const struct fd_strmap map[] = {
	    {"busy", "busy"},
	    {"no-answer", "no_answer"},
	    {"no_answer", "no_answer"},
	    {"failed", "failed"},
	    {"canceled", "failed"},
	    {"undelivered", "undelivered"},
	    {"completed", "answered"},
	    {"sent", "sent"},
	    {"delivered", "delivered"},
	    {"voicemail", "voicemail"},
	};
	return FD_STRMAP_GET(map, status, 0);
}

void
fd_outbound_detail(const char *error, const char *answered_by,
    long long duration_s, char *buf, size_t len)
{
	if (error && error[0])
		snprintf(buf, len, "%s", error);
	else if ((answered_by && answered_by[0]) || duration_s > 0)
		snprintf(buf, len, "answered by %s, %lld s",
		    answered_by && answered_by[0] ? answered_by : "?",
		    duration_s);
	else if (len > 0)
		buf[0] = '\0';
}
