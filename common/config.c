/*
 * config.c - table-driven libconfig options with defaults, env overrides
 * and bounds, validated in one place; unknown keys in the sections a
 * table owns are logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"

int
fd_cfg_open(config_t *cfg, const char *file, char *err, size_t errlen)
{
	config_init(cfg);
	if (file == NULL)
		return 0;
	if (config_read_file(cfg, file) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s",
		    config_error_file(cfg) ? config_error_file(cfg) : file,
		    config_error_line(cfg), config_error_text(cfg));
		config_destroy(cfg);
		config_init(cfg);
		return -1;
	}
	return 0;
}

static int
parse_bool(const char *s, int *out)
{
	if (!strcasecmp(s, "true") || !strcmp(s, "1") ||
	    !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
		*out = 1;
	else if (!strcasecmp(s, "false") || !strcmp(s, "0") ||
	    !strcasecmp(s, "no") || !strcasecmp(s, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int
set_from_text(
    const struct fd_cfg_opt *o, const char *s, char *err, size_t errlen)
{
	char *end;
	double d;
	long long ll;

	switch (o->type) {
	case FD_CFG_STR:
		if (strlen(s) >= o->cap) {
			snprintf(err, errlen, "%s: value longer than %zu",
			    o->path, o->cap - 1);
			return -1;
		}
		strcpy((char *)o->ptr, s);
		return 0;
	case FD_CFG_BOOL:
		if (parse_bool(s, (int *)o->ptr) != 0) {
			snprintf(err, errlen, "%s: '%s' is not a boolean",
			    o->path, s);
			return -1;
		}
		return 0;
	case FD_CFG_INT:
		errno = 0;
		ll = strtoll(s, &end, 10);
		if (errno || end == s || *end) {
			snprintf(err, errlen, "%s: '%s' is not an integer",
			    o->path, s);
			return -1;
		}
		*(int *)o->ptr = (int)ll;
		d = (double)ll;
		break;
	case FD_CFG_DOUBLE:
		errno = 0;
		d = strtod(s, &end);
		if (errno || end == s || *end) {
			snprintf(err, errlen, "%s: '%s' is not a number",
			    o->path, s);
			return -1;
		}
		*(double *)o->ptr = d;
		break;
	default:
		snprintf(err, errlen, "%s: bad option type", o->path);
		return -1;
	}
	if ((o->min != 0 || o->max != 0) && (d < o->min || d > o->max)) {
		snprintf(err, errlen, "%s: %g out of range [%g, %g]", o->path,
		    d, o->min, o->max);
		return -1;
	}
	return 0;
}

static int
set_from_setting(const struct fd_cfg_opt *o, const config_setting_t *s,
    char *err, size_t errlen)
{
	char buf[64];
	int t = config_setting_type(s);

	switch (t) {
	case CONFIG_TYPE_STRING:
		return set_from_text(
		    o, config_setting_get_string(s), err, errlen);
	case CONFIG_TYPE_INT:
		snprintf(buf, sizeof(buf), "%d", config_setting_get_int(s));
		break;
	case CONFIG_TYPE_INT64:
		snprintf(buf, sizeof(buf), "%lld", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		if (o->type == FD_CFG_INT) {
			snprintf(
			    err, errlen, "%s: expected an integer", o->path);
			return -1;
		}
		snprintf(
		    buf, sizeof(buf), "%.17g", config_setting_get_float(s));
		break;
	case CONFIG_TYPE_BOOL:
		snprintf(buf, sizeof(buf), "%s",
		    config_setting_get_bool(s) ? "true" : "false");
		break;
	default:
		snprintf(err, errlen, "%s: expected a scalar", o->path);
		return -1;
	}
	if (o->type == FD_CFG_STR && t != CONFIG_TYPE_STRING) {
		snprintf(err, errlen, "%s: expected a string", o->path);
		return -1;
	}
	return set_from_text(o, buf, err, errlen);
}

/* Is path ("section.key") one of the table's options? */
static int
opt_named(const struct fd_cfg_opt *opts, size_t n, const char *section,
    const char *key)
{
	size_t i, sl = strlen(section);

	for (i = 0; i < n; i++)
		if (opts[i].type != FD_CFG_SECTION &&
		    strncmp(opts[i].path, section, sl) == 0 &&
		    opts[i].path[sl] == '.' &&
		    strcmp(opts[i].path + sl + 1, key) == 0)
			return 1;
	return 0;
}

/* Warn about each key of the owned section that no option names. */
static void
warn_unknown(const config_t *cfg, const struct fd_cfg_opt *opts, size_t n,
    const char *section)
{
	const config_setting_t *g, *s;
	const char *key;
	int i;

	if (cfg == NULL || (g = config_lookup(cfg, section)) == NULL ||
	    !config_setting_is_group(g))
		return;
	for (i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		key = config_setting_name(s);
		if (key && !opt_named(opts, n, section, key))
			log_warnx(NULL,
			    "config: unknown option %s.%s ignored "
			    "(line %u)",
			    section, key, config_setting_source_line(s));
	}
}

int
fd_cfg_apply(const config_t *cfg, const struct fd_cfg_opt *opts, size_t n,
    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct fd_cfg_opt *o = &opts[i];
		const config_setting_t *s;
		const char *ev;

		if (o->type == FD_CFG_SECTION)
			continue;
		if (o->def && set_from_text(o, o->def, err, errlen) != 0)
			return -1;
		s = cfg ? config_lookup(cfg, o->path) : NULL;
		if (s && set_from_setting(o, s, err, errlen) != 0)
			return -1;
		if (o->env && (ev = getenv(o->env)) != NULL && *ev &&
		    set_from_text(o, ev, err, errlen) != 0)
			return -1;
	}
	for (i = 0; i < n; i++)
		if (opts[i].type == FD_CFG_SECTION)
			warn_unknown(cfg, opts, n, opts[i].path);
	return 0;
}

/* Copy src's value (and, for an aggregate, its members) into dst, a
 * setting of the same type. */
static int
copy_value(config_setting_t *dst, const config_setting_t *src)
{
	config_setting_t *e, *d;
	int i, n, type, ok;

	switch (config_setting_type(src)) {
	case CONFIG_TYPE_INT:
		ok = config_setting_set_int(dst, config_setting_get_int(src));
		break;
	case CONFIG_TYPE_INT64:
		ok = config_setting_set_int64(
		    dst, config_setting_get_int64(src));
		break;
	case CONFIG_TYPE_FLOAT:
		ok = config_setting_set_float(
		    dst, config_setting_get_float(src));
		break;
	case CONFIG_TYPE_BOOL:
		ok = config_setting_set_bool(dst, config_setting_get_bool(src));
		break;
	case CONFIG_TYPE_STRING:
		ok = config_setting_set_string(
		    dst, config_setting_get_string(src));
		break;
	default: /* a group, array or list: its members below */
		ok = -1;
		break;
	}
	if (ok != -1)
		return ok == CONFIG_TRUE ? 0 : -1;
	n = config_setting_length(src);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(src, (unsigned)i);
		type = config_setting_type(e);
		if ((d = config_setting_add(dst,
		         config_setting_type(dst) == CONFIG_TYPE_GROUP
		             ? config_setting_name(e)
		             : NULL,
		         type)) == NULL ||
		    copy_value(d, e) != 0)
			return -1;
	}
	return 0;
}

/* Lay group src over group dst: a member group is merged, any other
 * member replaces dst's of that name. */
static int
merge_group(config_setting_t *dst, const config_setting_t *src)
{
	config_setting_t *e, *d;
	const char *name;
	int i, n = config_setting_length(src);

	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(src, (unsigned)i);
		name = config_setting_name(e);
		d = config_setting_get_member(dst, name);
		if (d && config_setting_type(e) == CONFIG_TYPE_GROUP &&
		    config_setting_type(d) == CONFIG_TYPE_GROUP) {
			if (merge_group(d, e) != 0)
				return -1;
			continue;
		}
		if (d && config_setting_remove(dst, name) != CONFIG_TRUE)
			return -1;
		if ((d = config_setting_add(
		         dst, name, config_setting_type(e))) == NULL ||
		    copy_value(d, e) != 0)
			return -1;
	}
	return 0;
}

int
fd_cfg_merge_file(config_t *cfg, const char *file, char *err, size_t errlen)
{
	config_t over;
	int rv;

	config_init(&over);
	if (config_read_file(&over, file) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s",
		    config_error_file(&over) ? config_error_file(&over) : file,
		    config_error_line(&over), config_error_text(&over));
		config_destroy(&over);
		return -1;
	}
	rv = merge_group(config_root_setting(cfg), config_root_setting(&over));
	if (rv != 0)
		snprintf(err, errlen, "%s: cannot merge into the config", file);
	config_destroy(&over);
	return rv;
}
