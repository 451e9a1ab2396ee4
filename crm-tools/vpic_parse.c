/*
 * vpic_parse.c - reading NHTSA vPIC's DecodeVinValues JSON (protocols.md
 * 11): every value is a string, Results[0] is the one flat record.  Pure,
 * so the unit test covers it without a network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpic.h"

static void
copy_field(json_t *r, const char *key, char *out, size_t len)
{
	const char *s = json_string_value(json_object_get(r, key));

	snprintf(out, len, "%s", s ? s : "");
}

int
vpic_parse(const char *json, struct vpic_result *v)
{
	json_t *j, *r;
	char year[16];

	memset(v, 0, sizeof(*v));
	if ((j = json_loads(json, 0, NULL)) == NULL)
		return -1;
	r = json_array_get(json_object_get(j, "Results"), 0);
	if (!json_is_object(r)) {
		json_decref(j);
		return -1;
	}
	copy_field(r, "Make", v->make, sizeof(v->make));
	copy_field(r, "Model", v->model, sizeof(v->model));
	copy_field(r, "Trim", v->trim, sizeof(v->trim));
	copy_field(r, "BodyClass", v->body_class, sizeof(v->body_class));
	copy_field(r, "ErrorCode", v->error_code, sizeof(v->error_code));
	copy_field(r, "ErrorText", v->error_text, sizeof(v->error_text));
	copy_field(r, "ModelYear", year, sizeof(year));
	v->year = atoi(year);
	json_decref(j);
	return 0;
}
