/*
 * llm_schema.c - tool argument checks (see llm_schema.h).  The messages
 * go back to the model as the tool's error, so they say what was wrong
 * and what is expected, in a sentence it can act on.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "llm_schema.h"

static const char *const days[] = {
	"today", "tomorrow", "monday", "tuesday", "wednesday", "thursday",
	"friday", "saturday", "sunday", NULL,
};

json_t *
llm_args_parse(const char *text, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j;
	const char *p = text ? text : "";

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return json_object();
	if ((j = json_loads(p, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		snprintf(err, errlen, "arguments are not valid JSON (%s at "
		    "position %d)", je.text, je.position);
		return NULL;
	}
	if (!json_is_object(j)) {
		snprintf(err, errlen, "arguments must be a JSON object");
		json_decref(j);
		return NULL;
	}
	return j;
}

static int
digits(const char *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
num(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int
is_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int y, m, d, leap;

	if (!(digits(s, 4) && s[4] == '-' && digits(s + 5, 2) &&
	    s[7] == '-' && digits(s + 8, 2)))
		return 0;
	y = num(s, 4);
	m = num(s + 5, 2);
	d = num(s + 8, 2);
	if (y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

static int
is_time(const char *s)
{
	return digits(s, 2) && s[2] == ':' && digits(s + 3, 2) &&
	    num(s, 2) < 24 && num(s + 3, 2) < 60;
}

int
llm_format_check(const char *format, const char *s)
{
	size_t n = strlen(s), i;
	const char *at;

	if (strcmp(format, "date") == 0)
		return n == 10 && is_date(s) ? 0 : -1;
	if (strcmp(format, "time") == 0)
		return n == 5 && is_time(s) ? 0 : -1;
	if (strcmp(format, "datetime") == 0)
		return n == 16 && is_date(s) && s[10] == 'T' &&
		    is_time(s + 11) ? 0 : -1;
	if (strcmp(format, "day") == 0) {
		if (n == 10 && is_date(s))
			return 0;
		for (i = 0; days[i]; i++)
			if (strcasecmp(s, days[i]) == 0)
				return 0;
		return -1;
	}
	if (strcmp(format, "e164") == 0)
		return n >= 8 && n <= 16 && s[0] == '+' && s[1] >= '1' &&
		    s[1] <= '9' && digits(s + 1, (int)n - 1) ? 0 : -1;
	if (strcmp(format, "email") == 0)
		return (at = strchr(s, '@')) != NULL && at > s &&
		    strchr(at, '.') != NULL && at[1] != '.' &&
		    s[n - 1] != '.' && strchr(s, ' ') == NULL ? 0 : -1;
	return 1;
}

static const char *
format_help(const char *format)
{
	if (strcmp(format, "date") == 0)
		return "a real date as YYYY-MM-DD";
	if (strcmp(format, "time") == 0)
		return "a 24-hour time as HH:MM";
	if (strcmp(format, "datetime") == 0)
		return "a local time as YYYY-MM-DDTHH:MM (24-hour)";
	if (strcmp(format, "day") == 0)
		return "YYYY-MM-DD, today, tomorrow or a weekday name";
	if (strcmp(format, "e164") == 0)
		return "a phone number in E.164 form like +15551230001";
	if (strcmp(format, "email") == 0)
		return "an email address";
	return format;
}

static int
type_ok(const char *type, const json_t *v)
{
	if (strcmp(type, "string") == 0)
		return json_is_string(v);
	if (strcmp(type, "integer") == 0)
		return json_is_integer(v);
	if (strcmp(type, "number") == 0)
		return json_is_number(v);
	if (strcmp(type, "boolean") == 0)
		return json_is_boolean(v);
	if (strcmp(type, "array") == 0)
		return json_is_array(v);
	if (strcmp(type, "object") == 0)
		return json_is_object(v);
	if (strcmp(type, "null") == 0)
		return json_is_null(v);
	return 1;                       /* a type we do not know: no check */
}

static int
check_value(const char *name, const json_t *ps, const json_t *v, char *err,
    size_t errlen)
{
	const char *type = json_string_value(json_object_get(ps, "type"));
	const char *format = json_string_value(json_object_get(ps, "format"));
	const json_t *en = json_object_get(ps, "enum"), *e;
	size_t i;

	if (type && !type_ok(type, v)) {
		snprintf(err, errlen, "'%s' must be %s %s", name,
		    strcmp(type, "integer") == 0 ? "an" : "a", type);
		return -1;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (json_string_length(v) > LLM_MAX_STRING) {
			snprintf(err, errlen, "'%s' is too long (at most %d "
			    "characters)", name, LLM_MAX_STRING);
			return -1;
		}
		if (strlen(s) != json_string_length(v)) {
			snprintf(err, errlen, "'%s' contains a NUL character",
			    name);
			return -1;
		}
		if (format && llm_format_check(format, s) < 0) {
			snprintf(err, errlen, "'%s' must be %s, got \"%.40s\"",
			    name, format_help(format), s);
			return -1;
		}
	}
	if (json_is_array(en)) {
		json_array_foreach(en, i, e)
			if (json_equal((json_t *)e, (json_t *)v))
				return 0;
		snprintf(err, errlen, "'%s' must be one of the allowed values",
		    name);
		{
			size_t n = strlen(err);

			json_array_foreach(en, i, e)
				if (json_is_string(e) && n + 4 < errlen)
					n += (size_t)snprintf(err + n, errlen - n,
					    "%s%s", i ? ", " : ": ",
					    json_string_value(e));
		}
		return -1;
	}
	return 0;
}

int
llm_schema_check(const json_t *schema, const json_t *args, char *err,
    size_t errlen)
{
	const json_t *props = json_object_get(schema, "properties");
	const json_t *req = json_object_get(schema, "required"), *r, *v;
	const char *key;
	size_t i;

	if (!json_is_object(args)) {
		snprintf(err, errlen, "arguments must be a JSON object");
		return -1;
	}
	json_array_foreach(req, i, r) {
		const char *name = json_string_value(r);

		if (name == NULL)
			continue;
		v = json_object_get(args, name);
		if (v == NULL || json_is_null(v) || (json_is_string(v) &&
		    json_string_length(v) == 0)) {
			snprintf(err, errlen, "missing required argument '%s'",
			    name);
			return -1;
		}
	}
	json_object_foreach((json_t *)args, key, v) {
		const json_t *ps = json_object_get(props, key);

		if (ps == NULL) {
			snprintf(err, errlen, "unknown argument '%.40s'", key);
			return -1;
		}
		if (json_is_null(v))
			continue;       /* an optional argument left out */
		if (check_value(key, ps, v, err, errlen) != 0)
			return -1;
	}
	return 0;
}
