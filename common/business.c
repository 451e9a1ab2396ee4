/*
 * business.c - parse and query the `business` config section.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "business.h"

static const char *const day_keys[7] = {
    "sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static void
get_str(const config_setting_t *s, const char *key, char *dst, size_t len,
    const char *def)
{
	const char *v;

	if (s && config_setting_lookup_string(s, key, &v) == CONFIG_TRUE)
		snprintf(dst, len, "%s", v);
	else
		snprintf(dst, len, "%s", def);
}

static int
parse_hours(const char *s, struct fd_hours *h)
{
	int a, b, c, d, n = 0;

	if (strcasecmp(s, "closed") == 0 || *s == '\0') {
		h->open_min = h->close_min = -1;
		return 0;
	}
	if (sscanf(s, "%d:%d-%d:%d%n", &a, &b, &c, &d, &n) != 4 ||
	    s[n] != '\0' || a > 23 || c > 24 || b > 59 || d > 59 ||
	    a * 60 + b >= c * 60 + d)
		return -1;
	h->open_min = a * 60 + b;
	h->close_min = c * 60 + d;
	return 0;
}

static double
num(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		return config_setting_get_int(s);
	case CONFIG_TYPE_INT64:
		return (double)config_setting_get_int64(s);
	case CONFIG_TYPE_FLOAT:
		return config_setting_get_float(s);
	default:
		return -1;
	}
}

int
fd_business_load(
    const config_t *cfg, struct fd_business *b, char *err, size_t errlen)
{
	const config_setting_t *s, *h, *l, *e, *a;
	int i, j, n, ival;
	const char *v;

	memset(b, 0, sizeof(*b));
	s = cfg ? config_lookup(cfg, "business") : NULL;
	get_str(s, "name", b->name, sizeof(b->name), "Otto's Auto");
	get_str(s, "persona", b->persona, sizeof(b->persona), "Ava");
	get_str(s, "kind", b->kind, sizeof(b->kind), "dealership");
	get_str(s, "address", b->address, sizeof(b->address), "12 Main Street");
	get_str(s, "phone", b->phone, sizeof(b->phone), "+15555550100");
	get_str(s, "transfer_number", b->transfer_number,
	    sizeof(b->transfer_number), "+15555550111");
	get_str(s, "languages", b->languages, sizeof(b->languages), "en");
	b->has_vehicles = 1;
	b->bays = 2;
	b->slot_step_min = 30;
	if (s) {
		if (config_setting_lookup_bool(s, "has_vehicles", &ival) ==
		    CONFIG_TRUE)
			b->has_vehicles = ival;
		if (config_setting_lookup_int(s, "bays", &ival) == CONFIG_TRUE)
			b->bays = ival;
		if (config_setting_lookup_int(s, "slot_step", &ival) ==
		    CONFIG_TRUE)
			b->slot_step_min = ival;
	}
	if (b->bays < 1 || b->bays > 100) {
		snprintf(err, errlen, "business.bays: %d out of range [1,100]",
		    b->bays);
		return -1;
	}
	if (b->slot_step_min < 5 || b->slot_step_min > 240) {
		snprintf(err, errlen, "business.slot_step: out of range");
		return -1;
	}
	h = s ? config_setting_get_member(s, "hours") : NULL;
	for (i = 0; i < 7; i++) {
		const char *def = (i == 0) ? "closed"
		    : (i == 6)             ? "09:00-13:00"
		                           : "08:00-18:00";
		if (h == NULL ||
		    config_setting_lookup_string(h, day_keys[i], &v) !=
		        CONFIG_TRUE)
			v = def;
		if (parse_hours(v, &b->week[i]) != 0) {
			snprintf(err, errlen,
			    "business.hours.%s: '%s' is not "
			    "HH:MM-HH:MM or closed",
			    day_keys[i], v);
			return -1;
		}
	}
	l = s ? config_setting_get_member(s, "holidays") : NULL;
	n = l ? config_setting_length(l) : 0;
	for (i = 0; i < n && b->nholidays < FD_MAX_HOLIDAYS; i++) {
		int y, m, d;
		v = config_setting_get_string_elem(l, i);
		if (v == NULL || sscanf(v, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
		    strlen(v) != 10) {
			snprintf(err, errlen,
			    "business.holidays[%d]: not "
			    "YYYY-MM-DD",
			    i);
			return -1;
		}
		snprintf(b->holidays[b->nholidays++], 11, "%s", v);
	}
	l = s ? config_setting_get_member(s, "services") : NULL;
	n = l ? config_setting_length(l) : 0;
	for (i = 0; i < n && b->nservices < FD_MAX_SERVICES; i++) {
		struct fd_service *sv = &b->services[b->nservices];
		double price = 0;

		e = config_setting_get_elem(l, (unsigned)i);
		if (config_setting_lookup_string(e, "name", &v) !=
		    CONFIG_TRUE) {
			snprintf(
			    err, errlen, "business.services[%d]: no name", i);
			return -1;
		}
		snprintf(sv->name, sizeof(sv->name), "%s", v);
		sv->duration_min = 60;
		if (config_setting_lookup_int(e, "duration", &ival) ==
		    CONFIG_TRUE)
			sv->duration_min = ival;
		if (sv->duration_min < 5 || sv->duration_min > 600) {
			snprintf(err, errlen,
			    "business.services[%d].duration: "
			    "out of range [5,600]",
			    i);
			return -1;
		}
		if ((a = config_setting_get_member(e, "price")) != NULL &&
		    (price = num(a)) < 0) {
			snprintf(err, errlen,
			    "business.services[%d].price: "
			    "not a number",
			    i);
			return -1;
		}
		sv->price_cents = (int)(price * 100 + 0.5);
		a = config_setting_get_member(e, "aliases");
		for (j = 0; a && j < config_setting_length(a) &&
		     sv->naliases < FD_MAX_ALIASES;
		     j++)
			if ((v = config_setting_get_string_elem(a, j)) != NULL)
				snprintf(
				    sv->aliases[sv->naliases++], 48, "%s", v);
		b->nservices++;
	}
	if (b->nservices == 0) {
		static const struct {
			const char *n;
			int d;
			int p;
		} defs[] = {
		    {"oil change", 30, 4995},
		    {"tire rotation", 30, 2995},
		    {"brake inspection", 60, 0},
		    {"state inspection", 60, 3500},
		    {"diagnostic", 60, 12000},
		};
		for (i = 0; i < (int)(sizeof(defs) / sizeof(defs[0])); i++) {
			snprintf(b->services[i].name, 64, "%s", defs[i].n);
			b->services[i].duration_min = defs[i].d;
			b->services[i].price_cents = defs[i].p;
		}
		b->nservices = i;
	}
	return 0;
}

const struct fd_service *
fd_business_service(const struct fd_business *b, const char *name)
{
	int i, j;

	for (i = 0; i < b->nservices; i++) {
		if (strcasecmp(b->services[i].name, name) == 0)
			return &b->services[i];
		for (j = 0; j < b->services[i].naliases; j++)
			if (strcasecmp(b->services[i].aliases[j], name) == 0)
				return &b->services[i];
	}
	return NULL;
}

const struct fd_hours *
fd_business_hours(const struct fd_business *b, time_t day)
{
	struct tm tm;
	char ymd[11];
	int i;

	localtime_r(&day, &tm);
	strftime(ymd, sizeof(ymd), "%Y-%m-%d", &tm);
	for (i = 0; i < b->nholidays; i++)
		if (strcmp(b->holidays[i], ymd) == 0)
			return NULL;
	if (b->week[tm.tm_wday].open_min < 0)
		return NULL;
	return &b->week[tm.tm_wday];
}

int
fd_business_open_day(const struct fd_business *b, time_t day)
{
	return fd_business_hours(b, day) != NULL;
}

int
fd_business_open_at(const struct fd_business *b, time_t t)
{
	const struct fd_hours *h = fd_business_hours(b, t);
	struct tm tm;
	int m;

	if (h == NULL)
		return 0;
	localtime_r(&t, &tm);
	m = tm.tm_hour * 60 + tm.tm_min;
	return m >= h->open_min && m < h->close_min;
}
