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
