/*
 * crm_args.c - reading a tool's arguments.  Arguments come from an LLM, so
 * every accessor tolerates the wrong type: a number given as a string is
 * accepted, anything else counts as absent or fails with bad_args.
 */
#include <stdlib.h>
#include <string.h>

#include "crm.h"

const char *
arg_str(struct crm_ctx *c, const char *key)
{
	json_t *v = json_object_get(c->args, key);

	if (json_is_string(v))
		return json_string_value(v)[0] ? json_string_value(v) : NULL;
	return NULL;
}

int
arg_ll(struct crm_ctx *c, const char *key, long long *out)
{
	json_t *v = json_object_get(c->args, key);
	const char *s;
	char *end;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 1;
	}
	if (json_is_real(v)) {
		/* a number past long long's range (2e164) is not an id or a
		 * count: treat it as absent rather than convert it */
		double d = json_real_value(v);

		if (!(d > -9.2e18 && d < 9.2e18))
			return 0;
		*out = (long long)d;
		return 1;
	}
	if (json_is_string(v) && *(s = json_string_value(v))) {
		*out = strtoll(s, &end, 10);
		return *end == '\0';
	}
	return 0;
}

int
arg_bool(struct crm_ctx *c, const char *key, int def)
{
	json_t *v = json_object_get(c->args, key);

	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_string(v))
		return strcmp(json_string_value(v), "true") == 0;
	return def;
}

int
arg_num(struct crm_ctx *c, const char *key, double *out)
{
	json_t *v = json_object_get(c->args, key);
	const char *s;
	char *end;
	double d;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 1;
	}
	if (json_is_string(v) && *(s = json_string_value(v))) {
		d = strtod(s, &end);
		if (*end == '\0') {
			*out = d;
			return 1;
		}
	}
	return 0;
}

const char *
arg_need(struct crm_ctx *c, const char *key, size_t maxlen)
{
	const char *s = arg_str(c, key);

	if (s == NULL) {
		crm_fail(c, "bad_args", "missing argument '%s'", key);
		return NULL;
	}
	if (strlen(s) > maxlen) {
		crm_fail(c, "bad_args", "argument '%s' is too long", key);
		return NULL;
	}
	return s;
}
