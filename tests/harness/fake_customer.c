/*
 * fake_customer.c - see fake_customer.h.
 */
#include <string.h>

#include "fake_customer.h"

json_t *
fake_lookup_customer(json_t *args)
{
	const char *ph = json_string_value(json_object_get(args, "phone"));

	if (ph && strcmp(ph, "+15555550123") == 0)
		return json_pack("{s:b, s:{s:b, s:s, s:{s:i, s:s, s:s, "
		                 "s:[{s:i, s:i, s:s, s:s}]}}}",
		    "ok", 1, "result", "found", 1, "identity", "caller_id",
		    "customer", "customer_id", 42, "first_name", "John",
		    "last_name", "Smith", "vehicles", "vehicle_id", 7, "year",
		    2019, "make", "Honda", "model", "Civic");
	return json_pack("{s:b, s:{s:b}}", "ok", 1, "result", "found", 0);
}

int
fake_count_tools(const json_t *records, const char *call, const char *tool,
    const char *key, const char *val)
{
	const json_t *r;
	size_t i;
	int n = 0;

	json_array_foreach(records, i, r)
	{
		const char *v;

		if (strcmp(
		        json_string_value(json_object_get(r, "call")), call) ||
		    strcmp(json_string_value(json_object_get(r, "tool")), tool))
			continue;
		v = key ? json_string_value(
		              json_object_get(json_object_get(r, "args"), key))
		        : NULL;
		if (key == NULL || (v && strstr(v, val)))
			n++;
	}
	return n;
}
