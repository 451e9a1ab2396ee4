/*
 * gw_settings.c - the owner's settings (GET/PUT /api/v1/config, http.c):
 * business name, persona and greeting, hours and holidays, services with
 * their durations and prices, the transfer number, and the recording and
 * SMS switches.
 *
 * They live in the settings file (common/daemon.h fd_settings_path), a
 * libconfig file every daemon lays over its config: the installer's file
 * stays as written, comments and all, and what the owner changed is in
 * one small file that is easy to read, back up or delete.  A PUT names
 * some of the settings; they are checked one by one (each error a field
 * path and a reason), laid over the current ones, loaded once more
 * through the business loader the daemons use, and then the whole set is
 * written to a temporary file, flushed and renamed over the old one, so
 * a daemon never reads half of it.  Each daemon sees the new file within
 * a second and reloads, as on SIGHUP.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "business.h"
#include "config.h"
#include "daemon.h"
#include "gw_settings.h"
#include "sbuf.h"

static const char *const days[7] = {
    "sun", "mon", "tue", "wed", "thu", "fri", "sat"};

const char *
settings_path(void)
{
	return fd_settings_path();
}

static void
hours_text(const struct fd_hours *h, char *buf, size_t len)
{
	if (h->open_min < 0)
		snprintf(buf, len, "closed");
	else
		snprintf(buf, len, "%02d:%02d-%02d:%02d", h->open_min / 60,
		    h->open_min % 60, h->close_min / 60, h->close_min % 60);
}

json_t *
settings_current(char *err, size_t errlen)
{
	struct fd_business *b;
	json_t *hours, *hol, *svcs, *al, *res;
	const char *greeting = NULL;
	char hb[48];
	int i, j, rec = 1, sms = 0;

	if ((b = malloc(sizeof(*b))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (fd_business_load(&fd_config, b, err, errlen) != 0) {
		free(b);
		return NULL;
	}
	config_lookup_string(&fd_config, "agent.templates.greeting", &greeting);
	config_lookup_bool(&fd_config, "recording.enabled", &rec);
	config_lookup_bool(&fd_config, "outbound.sms_enabled", &sms);
	hours = json_object();
	for (i = 1; i <= 7; i++) {
		hours_text(&b->week[i % 7], hb, sizeof(hb));
		json_object_set_new(hours, days[i % 7], json_string(hb));
	}
	hol = json_array();
	for (i = 0; i < b->nholidays; i++)
		json_array_append_new(hol, json_string(b->holidays[i]));
	svcs = json_array();
	for (i = 0; i < b->nservices; i++) {
		al = json_array();
		for (j = 0; j < b->services[i].naliases; j++)
			json_array_append_new(
			    al, json_string(b->services[i].aliases[j]));
		json_array_append_new(svcs,
		    json_pack("{s:s, s:i, s:f, s:o}", "name",
		        b->services[i].name, "duration",
		        b->services[i].duration_min, "price",
		        b->services[i].price_cents / 100.0, "aliases", al));
	}
	res = json_pack("{s:{s:s, s:s, s:s?, s:s, s:o, s:o, s:o}, s:{s:b}, "
	                "s:{s:b}, s:s}",
	    "business", "name", b->name, "persona", b->persona, "greeting",
	    greeting, "transfer_number", b->transfer_number, "hours", hours,
	    "holidays", hol, "services", svcs, "recording", "enabled", rec,
	    "sms", "enabled", sms, "settings_file", settings_path());
	free(b);
	if (res == NULL)
		snprintf(err, errlen, "out of memory");
	return res;
}

/* Checking */

static void bad(json_t *errors, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
bad(json_t *errors, const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(
	    errors, json_pack("{s:s, s:s}", "field", field, "error", msg));
}

/* A string of 1..max printable characters (no control characters: they
 * would not survive the config file, and no caller should hear them). */
static int
text_ok(json_t *errors, const char *field, const json_t *v, size_t max,
    int may_be_empty)
{
	const unsigned char *s;

	if (!json_is_string(v)) {
		bad(errors, field, "must be a string");
		return 0;
	}
	s = (const unsigned char *)json_string_value(v);
	if (!may_be_empty && s[0] == '\0') {
		bad(errors, field, "must not be empty");
		return 0;
	}
	if (json_string_length(v) > max) {
		bad(errors, field, "at most %zu characters", max);
		return 0;
	}
	for (; *s; s++)
		if (*s < 0x20 || *s == 0x7f) {
			bad(errors, field,
			    "control characters are not "
			    "allowed");
			return 0;
		}
	return 1;
}

static int
hhmm(const char *s, int *min)
{
	int h, m, n = 0;

	if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5 || h < 0 ||
	    h > 24 || m < 0 || m > 59 || (h == 24 && m != 0))
		return -1;
	*min = h * 60 + m;
	return 0;
}

static void
check_hours(json_t *errors, const json_t *v)
{
	const char *k, *s;
	char f[48];
	json_t *d;
	int i, o, c;

	if (!json_is_object(v)) {
		bad(errors, "business.hours",
		    "must be an object of days "
		    "(mon..sun) to \"HH:MM-HH:MM\" or \"closed\"");
		return;
	}
	json_object_foreach((json_t *)v, k, d)
	{
		snprintf(f, sizeof(f), "business.hours.%.20s", k);
		for (i = 0; i < 7 && strcmp(k, days[i]) != 0; i++)
			;
		if (i == 7) {
			bad(errors, f,
			    "not a day: use mon, tue, wed, thu, fri, "
			    "sat or sun");
			continue;
		}
		if (!json_is_string(d)) {
			bad(errors, f, "must be \"HH:MM-HH:MM\" or \"closed\"");
			continue;
		}
		s = json_string_value(d);
		if (strcmp(s, "closed") == 0)
			continue;
		if (strlen(s) != 11 || s[5] != '-' || hhmm(s, &o) != 0 ||
		    hhmm(s + 6, &c) != 0)
			bad(errors, f,
			    "'%.20s' is not \"HH:MM-HH:MM\" or "
			    "\"closed\"",
			    s);
		else if (o >= c)
			bad(errors, f, "opens at or after it closes");
	}
}

static void
check_holidays(json_t *errors, const json_t *v)
{
	struct tm tm, norm;
	const char *s, *end;
	char f[48];
	size_t i;
	json_t *d;

	if (!json_is_array(v) || json_array_size(v) > FD_MAX_HOLIDAYS) {
		bad(errors, "business.holidays",
		    "must be a list of at most %d "
		    "dates YYYY-MM-DD",
		    FD_MAX_HOLIDAYS);
		return;
	}
	json_array_foreach(v, i, d)
	{
		snprintf(f, sizeof(f), "business.holidays[%zu]", i);
		memset(&tm, 0, sizeof(tm));
		s = json_string_value(d);
		if (s == NULL || strlen(s) != 10 ||
		    (end = strptime(s, "%Y-%m-%d", &tm)) == NULL ||
		    *end != '\0') {
			bad(errors, f, "must be a date YYYY-MM-DD");
			continue;
		}
		tm.tm_hour = 12;
		norm = tm;
		if (mktime(&norm) == (time_t)-1 || norm.tm_mday != tm.tm_mday)
			bad(errors, f, "no such day: %s", s);
	}
}

static void
check_services(json_t *errors, const json_t *v)
{
	const char *k, *n1, *n2;
	char f[64], fa[128];
	size_t i, j;
	json_t *s, *x, *a;

	if (!json_is_array(v) || json_array_size(v) < 1 ||
	    json_array_size(v) > FD_MAX_SERVICES) {
		bad(errors, "business.services",
		    "must be a list of 1..%d "
		    "services",
		    FD_MAX_SERVICES);
		return;
	}
	json_array_foreach(v, i, s)
	{
		snprintf(f, sizeof(f), "business.services[%zu]", i);
		if (!json_is_object(s)) {
			bad(errors, f,
			    "must be an object {name, duration, "
			    "price, aliases}");
			continue;
		}
		json_object_foreach(s, k, x) if (strcmp(k, "name") &&
		    strcmp(k, "duration") && strcmp(k, "price") &&
		    strcmp(k, "aliases"))
		{
			snprintf(fa, sizeof(fa), "%s.%.20s", f, k);
			bad(errors, fa,
			    "unknown field (name, duration, "
			    "price, aliases)");
		}
		snprintf(fa, sizeof(fa), "%s.name", f);
		text_ok(errors, fa, json_object_get(s, "name"), 63, 0);
		n1 = json_string_value(json_object_get(s, "name"));
		for (j = 0; n1 && j < i; j++) {
			n2 = json_string_value(
			    json_object_get(json_array_get(v, j), "name"));
			if (n2 && strcasecmp(n1, n2) == 0) {
				bad(errors, fa, "'%s' is listed twice", n1);
				break;
			}
		}
		snprintf(fa, sizeof(fa), "%s.duration", f);
		x = json_object_get(s, "duration");
		if (!json_is_integer(x) || json_integer_value(x) < 5 ||
		    json_integer_value(x) > 600)
			bad(errors, fa, "must be whole minutes, 5..600");
		snprintf(fa, sizeof(fa), "%s.price", f);
		x = json_object_get(s, "price");
		if (x &&
		    (!json_is_number(x) || json_number_value(x) < 0 ||
		        json_number_value(x) > 100000))
			bad(errors, fa,
			    "must be dollars, 0..100000 (0: price "
			    "on request)");
		a = json_object_get(s, "aliases");
		if (a &&
		    (!json_is_array(a) ||
		        json_array_size(a) > FD_MAX_ALIASES)) {
			snprintf(fa, sizeof(fa), "%s.aliases", f);
			bad(errors, fa, "must be a list of at most %d words",
			    FD_MAX_ALIASES);
		} else if (a) {
			json_array_foreach(a, j, x)
			{
				snprintf(
				    fa, sizeof(fa), "%s.aliases[%zu]", f, j);
				text_ok(errors, fa, x, 47, 0);
			}
		}
	}
}

static void
check_greeting(json_t *errors, const json_t *v)
{
	const char *s, *o, *c;

	if (json_is_null(v) || !text_ok(errors, "business.greeting", v, 400, 0))
		return;
	s = json_string_value(v);
	for (o = strchr(s, '{'); o; o = strchr(c, '{')) {
		if ((c = strchr(o, '}')) == NULL) {
			bad(errors, "business.greeting",
			    "a '{' without its "
			    "'}'");
			return;
		}
		if (strncmp(o, "{business}", 10) != 0 &&
		    strncmp(o, "{persona}", 9) != 0) {
			bad(errors, "business.greeting",
			    "only {business} and "
			    "{persona} can be filled in, not %.*s",
			    (int)(c - o + 1) > 30 ? 30 : (int)(c - o + 1), o);
			return;
		}
	}
}

static void
check_e164(json_t *errors, const char *field, const json_t *v)
{
	const char *s = json_string_value(v);
	size_t i, n;

	if (s == NULL || s[0] != '+' || (n = strlen(s)) < 9 || n > 16) {
		bad(errors, field,
		    "must be a phone number in E.164 "
		    "(+15555550111)");
		return;
	}
	for (i = 1; i < n; i++)
		if (!isdigit((unsigned char)s[i])) {
			bad(errors, field,
			    "must be a phone number in E.164 "
			    "(+15555550111)");
			return;
		}
}

/* A switch section {enabled: bool}. */
static void
check_switch(json_t *errors, const char *name, const json_t *v)
{
	char f[48];
	const char *k;
	json_t *x;

	if (!json_is_object(v)) {
		bad(errors, name,
		    "must be an object {\"enabled\": true|false}");
		return;
	}
	json_object_foreach((json_t *)v, k, x)
	{
		snprintf(f, sizeof(f), "%s.%.20s", name, k);
		if (strcmp(k, "enabled") != 0)
			bad(errors, f, "unknown field (enabled)");
		else if (!json_is_boolean(x))
			bad(errors, f, "must be true or false");
	}
}

static void
check_body(const json_t *body, json_t *errors)
{
	const char *k;
	char f[48];
	json_t *v, *biz;

	json_object_foreach((json_t *)body, k, v)
	{
		if (strcmp(k, "business") == 0 ||
		    strcmp(k, "settings_file") == 0)
			continue;
		if (strcmp(k, "recording") == 0 || strcmp(k, "sms") == 0)
			check_switch(errors, k, v);
		else {
			snprintf(f, sizeof(f), "%.40s", k);
			bad(errors, f,
			    "unknown setting (business, recording, "
			    "sms)");
		}
	}
	if ((biz = json_object_get(body, "business")) == NULL)
		return;
	if (!json_is_object(biz)) {
		bad(errors, "business", "must be an object");
		return;
	}
	json_object_foreach(biz, k, v)
	{
		snprintf(f, sizeof(f), "business.%.30s", k);
		if (strcmp(k, "name") == 0)
			text_ok(errors, f, v, 120, 0);
		else if (strcmp(k, "persona") == 0)
			text_ok(errors, f, v, 60, 0);
		else if (strcmp(k, "greeting") == 0)
			check_greeting(errors, v);
		else if (strcmp(k, "transfer_number") == 0)
			check_e164(errors, f, v);
		else if (strcmp(k, "hours") == 0)
			check_hours(errors, v);
		else if (strcmp(k, "holidays") == 0)
			check_holidays(errors, v);
		else if (strcmp(k, "services") == 0)
			check_services(errors, v);
		else
			bad(errors, f,
			    "unknown setting (name, persona, "
			    "greeting, transfer_number, hours, holidays, "
			    "services)");
	}
}

/* Writing */

static void
put_str(struct sbuf *b, const char *s)
{
	sbuf_add(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sbuf_printf(b, "\\%c", *s);
		else
			sbuf_printf(b, "%c", *s);
	}
	sbuf_add(b, "\"");
}

/* The settings s (whole, checked) as a libconfig file. */
static char *
settings_text(const json_t *s)
{
	const json_t *biz = json_object_get(s, "business"), *v, *x;
	struct sbuf b;
	const char *g;
	size_t i, j;
	int d;

	sbuf_init(&b);
	sbuf_printf(&b,
	    "# The owner's settings, written by the admin API "
	    "(PUT /api/v1/config)\n# and laid over %s by every frontdesk "
	    "daemon.\n",
	    fd_common.config_file[0] ? fd_common.config_file : "the config");
	sbuf_add(&b, "business: {\n  name = ");
	put_str(&b, json_string_value(json_object_get(biz, "name")));
	sbuf_add(&b, ";\n  persona = ");
	put_str(&b, json_string_value(json_object_get(biz, "persona")));
	sbuf_add(&b, ";\n  transfer_number = ");
	put_str(&b, json_string_value(json_object_get(biz, "transfer_number")));
	sbuf_add(&b, ";\n  hours = {");
	for (d = 1; d <= 7; d++) {
		x = json_object_get(json_object_get(biz, "hours"), days[d % 7]);
		sbuf_printf(&b, " %s = ", days[d % 7]);
		put_str(&b, x ? json_string_value(x) : "closed");
		sbuf_add(&b, ";");
	}
	sbuf_add(&b, " };\n  holidays = [");
	json_array_foreach(json_object_get(biz, "holidays"), i, x)
	{
		sbuf_add(&b, i ? ", " : " ");
		put_str(&b, json_string_value(x));
	}
	sbuf_add(&b, " ];\n  services = (");
	json_array_foreach(json_object_get(biz, "services"), i, v)
	{
		sbuf_add(&b, i ? ",\n    { name = " : "\n    { name = ");
		put_str(&b, json_string_value(json_object_get(v, "name")));
		sbuf_printf(&b, "; duration = %d; price = %.2f; aliases = [",
		    (int)json_integer_value(json_object_get(v, "duration")),
		    json_number_value(json_object_get(v, "price")));
		json_array_foreach(json_object_get(v, "aliases"), j, x)
		{
			sbuf_add(&b, j ? ", " : " ");
			put_str(&b, json_string_value(x));
		}
		sbuf_add(&b, " ]; }");
	}
	sbuf_add(&b, "\n  );\n};\n");
	if ((g = json_string_value(json_object_get(biz, "greeting"))) != NULL) {
		sbuf_add(&b, "agent: { templates: { greeting = ");
		put_str(&b, g);
		sbuf_add(&b, "; }; };\n");
	}
	sbuf_printf(&b, "recording: { enabled = %s; };\n",
	    json_is_true(
	        json_object_get(json_object_get(s, "recording"), "enabled"))
	        ? "true"
	        : "false");
	sbuf_printf(&b, "outbound: { sms_enabled = %s; };\n",
	    json_is_true(json_object_get(json_object_get(s, "sms"), "enabled"))
	        ? "true"
	        : "false");
	return sbuf_done(&b);
}

/* Write text to path whole: a temporary file beside it, flushed, renamed
 * over it, and the directory flushed.  0 or -1 with err. */
static int
write_whole(const char *path, const char *tmp, const char *text, char *err,
    size_t errlen)
{
	char dir[512], *slash;
	size_t len = strlen(text);
	int fd;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if ((fd = open(dir[0] ? dir : "/", O_RDONLY)) >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	return 0;
}

/* Load the config with text laid over it as the daemons will: the
 * business loader's verdict.  0, or -1 with the reason in err. */
static int
load_check(const char *tmp, char *err, size_t errlen)
{
	struct fd_business *b;
	config_t t;
	int rv = -1;

	if ((b = malloc(sizeof(*b))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (fd_cfg_open(&t,
	        fd_common.config_file[0] ? fd_common.config_file : NULL, err,
	        errlen) == 0) {
		if (fd_cfg_merge_file(&t, tmp, err, errlen) == 0 &&
		    fd_business_load(&t, b, err, errlen) == 0)
			rv = 0;
		config_destroy(&t);
	}
	free(b);
	return rv;
}

int
settings_put(
    const json_t *body, json_t *errors, json_t **now, char *err, size_t errlen)
{
	const char *path = settings_path();
	char tmp[600], why[256];
	json_t *cur;
	char *text;
	int rv;

	if (path[0] == '\0') {
		snprintf(err, errlen,
		    "no settings file: set FRONTDESK_VAR or "
		    "FRONTDESK_SETTINGS, or settings_file in the config");
		return -1;
	}
	check_body(body, errors);
	if (json_array_size(errors) > 0)
		return -1;
	if ((cur = settings_current(err, errlen)) == NULL)
		return -1;
	json_object_del((json_t *)body, "settings_file");
	if (json_object_update_recursive(cur, (json_t *)body) != 0 ||
	    (text = settings_text(cur)) == NULL) {
		json_decref(cur);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if (write_whole(tmp, tmp, text, err, errlen) != 0) {
		json_decref(cur);
		free(text);
		return -1;
	}
	if (load_check(tmp, why, sizeof(why)) != 0) {
		unlink(tmp);
		json_decref(cur);
		free(text);
		bad(errors, "business", "%s", why);
		return -1;
	}
	unlink(tmp);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	rv = write_whole(path, tmp, text, err, errlen);
	free(text);
	if (rv == 0)
		*now = cur;
	else
		json_decref(cur);
	return rv;
}
