/*
 * llm_tools.c - the LLM's tool catalogue (see llm_tools.h).  The built-in
 * descriptions restate crm-tools' public tools (crm-tools/crm_tools.c) so
 * the brain works when crm-tools is not up yet at the first call; schemas
 * are JSON written with ' for ", as there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm_tools.h"

#define PHONE "{'type':'string','description':'phone number, E.164 like +15551230001'}"
#define WHEN "local time YYYY-MM-DDTHH:MM"

struct spec {
	const char *name;
	enum llm_tool_kind kind;
	const char *crm_name;
	const char *formats;    /* "field=format,..." */
	const char *hidden;     /* fields the model may not set */
	const char *schema;     /* built-in {description, parameters} */
};

static const struct spec specs[] = {
	{ "lookup_customer", LLM_T_CRM, "lookup_customer", "phone=e164", "",
	  "{'description':'Find the customer record for a phone number (default: the caller ID). For the caller own number it returns the record with vehicles; for any other number only the id and first name.',"
	  "'parameters':{'type':'object','properties':{'phone':" PHONE "}}}" },
	{ "search_customers_by_name", LLM_T_CRM, "search_customers_by_name", "",
	  "",
	  "{'description':'Fuzzy search customers by name (misspellings ok). Returns candidate ids and first names only; confirm identity with the caller before using one.',"
	  "'parameters':{'type':'object','properties':{'first':{'type':'string'},'last':{'type':'string'}}}}" },
	{ "find_slots", LLM_T_CRM, "find_slots",
	  "day=day,from=datetime,after=time,before=time,near=time", "",
	  "{'description':'The next free appointment starts for a service in one search over up to 60 days: opening hours, holidays, bays, bookings and the shop calendar taken into account, none in the past. Prefer it to get_available_slots. Returns slots [{start,end}] in time order, the date they are on, and the closed_days and full_days passed over on the way (say we are closed that day, then offer the next).',"
	  "'parameters':{'type':'object','properties':{'service':{'type':'string','description':'service name, e.g. oil change'},"
	  "'day':{'type':'string','description':'start the search on this day: YYYY-MM-DD, today, tomorrow or a weekday name'},"
	  "'from':{'type':'string','description':'start the search at this " WHEN " (default now)'},"
	  "'days':{'type':'integer','description':'days to search, 1..60 (default 1 with day, else 14)'},"
	  "'part_of_day':{'type':'string','enum':['morning','afternoon','evening','any']},"
	  "'after':{'type':'string','description':'starts at or after HH:MM'},'before':{'type':'string','description':'starts before HH:MM'},"
	  "'near':{'type':'string','description':'HH:MM: the starts nearest this time, on the first day that has any'},"
	  "'pick':{'type':'string','enum':['earliest','nearest','spread'],'description':'earliest (default; across days), nearest (to near) or spread over the first day with free starts'},"
	  "'count':{'type':'integer','description':'how many starts, 1..10 (default 3)'},"
	  "'relax':{'type':'boolean','description':'on a day where nothing fits part_of_day/after/before, give its other free starts (relaxed true)'},"
	  "'exclude':{'type':'array','items':{'type':'string'},'description':'starts " WHEN " not to offer again'},"
	  "'duration':{'type':'integer','description':'minutes, overrides the service length'}},'required':['service']}}" },
	{ "get_available_slots", LLM_T_CRM, "get_available_slots",
	  "date=day,after=time", "",
	  "{'description':'Free appointment start times on a day for a service, taking opening hours, holidays, bays and existing bookings into account. No slots in the past.',"
	  "'parameters':{'type':'object','properties':{'date':{'type':'string','description':'YYYY-MM-DD, today, tomorrow or a weekday name'},"
	  "'service':{'type':'string','description':'service name, e.g. oil change'},'duration':{'type':'integer','description':'minutes, overrides the service length'},"
	  "'after':{'type':'string','description':'earliest time of day HH:MM'},'limit':{'type':'integer','description':'at most this many slots (default 12)'}},'required':['date','service']}}" },
	{ "book_appointment", LLM_T_CRM, "book_appointment",
	  "start=datetime,email=email", "idempotency_key",
	  "{'description':'Book a service for the caller (a new caller needs first_name and last_name). Returns appointment_id and a 5-letter confirmation code. A taken slot fails with code slot_taken and up to 3 alternatives. Retrying the same request returns the same booking.',"
	  "'parameters':{'type':'object','properties':{'service':{'type':'string'},'start':{'type':'string','description':'" WHEN "'},"
	  "'vehicle_id':{'type':'integer'},'vehicle':{'type':'string','description':'e.g. 2019 Honda Civic, if not on file'},"
	  "'first_name':{'type':'string'},'last_name':{'type':'string'},'email':{'type':'string'},'notes':{'type':'string'},"
	  "'idempotency_key':{'type':'string'}},'required':['service','start']}}" },
	{ "get_upcoming_appointments", LLM_T_CRM, "get_upcoming_appointments",
	  "", "customer_id",
	  "{'description':'The caller upcoming appointments.',"
	  "'parameters':{'type':'object','properties':{'customer_id':{'type':'integer'}}}}" },
	{ "cancel_appointment", LLM_T_CRM, "cancel_appointment", "", "",
	  "{'description':'Cancel one of the caller appointments, by appointment_id or confirmation code.',"
	  "'parameters':{'type':'object','properties':{'appointment_id':{'type':'integer'},'confirmation':{'type':'string'},'reason':{'type':'string'}}}}" },
	{ "reschedule_appointment", LLM_T_CRM, "reschedule_appointment",
	  "new_start=datetime", "",
	  "{'description':'Move one of the caller appointments to a new start time; keeps the confirmation code. A taken slot fails with slot_taken and alternatives.',"
	  "'parameters':{'type':'object','properties':{'appointment_id':{'type':'integer'},'confirmation':{'type':'string'},"
	  "'new_start':{'type':'string','description':'" WHEN "'}},'required':['new_start']}}" },
	{ "vehicle_status", LLM_T_CRM, "vehicle_status", "", "",
	  "{'description':'Where is my car: stage and expected ready time of a repair order (by order number like RO-1001 or id; default the caller latest open order).',"
	  "'parameters':{'type':'object','properties':{'order':{'type':'string','description':'order number or id'},'appointment_id':{'type':'integer'}}}}" },
	{ "cancel_order", LLM_T_CRM, "cancel_order", "", "",
	  "{'description':'Cancel a repair order. The deposit refund depends on the stage (full before parts are ordered, half while waiting for parts, not possible once work started). Needs a verified caller.',"
	  "'parameters':{'type':'object','properties':{'order':{'type':'string','description':'order number or id'},'reason':{'type':'string'}},'required':['order']}}" },
	{ "take_message", LLM_T_CRM, "take_message", "callback_number=e164",
	  "idempotency_key",
	  "{'description':'Leave a message for the staff.',"
	  "'parameters':{'type':'object','properties':{'name':{'type':'string'},'callback_number':" PHONE ",'message':{'type':'string'},"
	  "'urgency':{'type':'string','enum':['low','normal','high']}},'required':['name','message']}}" },
	{ "qualify_lead", LLM_T_CRM, "qualify_lead", "", "",
	  "{'description':'Record a sales lead (someone interested in buying or a large job).',"
	  "'parameters':{'type':'object','properties':{'name':{'type':'string'},'contact':{'type':'string','description':'phone or email'},"
	  "'need':{'type':'string'},'timeline':{'type':'string'},'urgency':{'type':'string','enum':['low','normal','high']}},'required':['name','need']}}" },
	{ "request_callback", LLM_T_CRM, "request_callback", "phone=e164", "",
	  "{'description':'Ask staff to call the caller back.',"
	  "'parameters':{'type':'object','properties':{'phone':" PHONE ",'when':{'type':'string','description':'" WHEN " or words like tomorrow morning'},"
	  "'reason':{'type':'string'}},'required':['reason']}}" },
	{ "transfer_to_human", LLM_T_TRANSFER, "transfer_to_human", "", "",
	  "{'description':'Connect the caller with a person if staff are available now (business hours): when the result has available true the call is transferred after what you say. Otherwise offer take_message or request_callback.',"
	  "'parameters':{'type':'object','properties':{'reason':{'type':'string'}}}}" },
	{ "log_call_outcome", LLM_T_OUTCOME, NULL, "", "",
	  "{'description':'Record how the call ended.',"
	  "'parameters':{'type':'object','properties':{'outcome':{'type':'string','enum':['booked','rescheduled','cancelled','status_given','message_taken','callback_requested','lead','transferred','info_only','abandoned','other']},"
	  "'notes':{'type':'string'}},'required':['outcome']}}" },
	{ "decode_vin", LLM_T_CRM, "decode_vin", "", "",
	  "{'description':'Check a VIN (check digit) and decode model year and manufacturer.',"
	  "'parameters':{'type':'object','properties':{'vin':{'type':'string'}},'required':['vin']}}" },
	/* answered by the brain */
	{ "verify_identity", LLM_T_VERIFY, "verify_caller", "phone=e164", "",
	  "{'description':'Verify who the caller is: the customer on file for their caller ID by the full name they say; a caller from an unknown or withheld number by the phone number on their account, their full name and a second factor: the last 4 digits of a VIN on file (vin_last) or a confirmation code. The phone number and name alone only identify them (identified:true, verified:false): then say only whether their car is ready, and ask for the second factor before reading, booking, moving or cancelling anything. Anyone is verified by a confirmation code of one of their appointments. Wrong answers count toward a limit of attempts.',"
	  "'parameters':{'type':'object','properties':{'name':{'type':'string','description':'full name as the caller said it'},'phone':" PHONE ",'confirmation':{'type':'string'},"
	  "'vin_last':{'type':'string','description':'last 4 digits of a VIN on file, as the caller said or keyed them'}}}}" },
	{ "not_the_customer", LLM_T_DENY, "deny_caller_id", "", "",
	  "{'description':'The caller says they are not the customer on file for the number they call from (a family member, a new owner of the number). From then on the caller ID identifies nobody on this call: do not use that customer, and a booking needs the caller first and last name and makes a new customer.',"
	  "'parameters':{'type':'object','properties':{}}}" },
	{ "end_call", LLM_T_END, NULL, "", "",
	  "{'description':'Hang up after your goodbye has been heard. Call it once the caller has nothing else, together with your goodbye sentence.',"
	  "'parameters':{'type':'object','properties':{'reason':{'type':'string'}}}}" },
};
#define NSPECS ((int)(sizeof(specs) / sizeof(specs[0])))

static const char *const internal[] = {
	"call_begin", "verify_caller", "log_turn", "call_end", "get_call",
	"list_calls", "seed_demo", "list_tools", "jobs_claim", "job_dialed",
	"job_result", "job_cancel", "jobs_list", "job_get", "callback_done",
	NULL,
};

int
llm_tool_internal(const char *crm_name)
{
	int i;

	for (i = 0; internal[i]; i++)
		if (strcmp(internal[i], crm_name) == 0)
			return 1;
	return 0;
}

static json_t *
builtin(const char *s)
{
	char buf[4096];
	size_t i;

	snprintf(buf, sizeof(buf), "%s", s);
	for (i = 0; buf[i]; i++)
		if (buf[i] == '\'')
			buf[i] = '"';
	return json_loads(buf, 0, NULL);
}

/* list_tools' entry for name, as {description, parameters}, or NULL. */
static json_t *
from_list(const json_t *list, const char *name)
{
	const json_t *arr = json_object_get(list, "tools"), *t;
	size_t i;

	json_array_foreach(arr, i, t) {
		const char *n = json_string_value(json_object_get(t, "name"));

		if (n && strcmp(n, name) == 0 &&
		    !json_is_true(json_object_get(t, "internal")) &&
		    json_is_object(json_object_get(t, "parameters")))
			return json_pack("{s:O*, s:O}", "description",
			    json_object_get(t, "description"), "parameters",
			    json_object_get(t, "parameters"));
	}
	return NULL;
}

static int
in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static void
drop_hidden(json_t *params, const char *hidden)
{
	json_t *props = json_object_get(params, "properties");
	json_t *req = json_object_get(params, "required"), *v;
	const char *key;
	void *tmp;
	size_t i;

	json_object_foreach_safe(props, tmp, key, v)
		if (in_list(hidden, key))
			json_object_del(props, key);
	for (i = json_array_size(req); i-- > 0;) {
		const char *r = json_string_value(json_array_get(req, i));

		if (r && in_list(hidden, r))
			json_array_remove(req, i);
	}
}

static void
add_formats(json_t *params, const char *formats, json_t *services)
{
	json_t *props = json_object_get(params, "properties"), *p;
	char buf[256], *save = NULL, *item, *eq;

	snprintf(buf, sizeof(buf), "%s", formats);
	for (item = strtok_r(buf, ",", &save); item;
	    item = strtok_r(NULL, ",", &save))
		if ((eq = strchr(item, '=')) != NULL) {
			*eq = '\0';
			if ((p = json_object_get(props, item)) != NULL)
				json_object_set_new(p, "format",
				    json_string(eq + 1));
		}
	if (services && json_array_size(services) > 0 &&
	    (p = json_object_get(props, "service")) != NULL &&
	    json_is_object(p))
		json_object_set(p, "enum", services);
}

static int
add_tool(struct llm_catalog *cat, const struct spec *s, const json_t *list,
    json_t *services)
{
	struct llm_tool *t = &cat->tools[cat->ntools];
	json_t *d = NULL, *params;

	if (list && s->crm_name && s->kind != LLM_T_VERIFY)
		d = from_list(list, s->crm_name);
	if (d == NULL)
		d = builtin(s->schema);
	if (d == NULL)
		return -1;
	params = json_object_get(d, "parameters");
	if (!json_is_object(params)) {
		params = json_pack("{s:s, s:{}}", "type", "object",
		    "properties");
		json_object_set_new(d, "parameters", params);
	}
	if (!json_is_object(json_object_get(params, "properties")))
		json_object_set_new(params, "properties", json_object());
	drop_hidden(params, s->hidden);
	add_formats(params, "", services);       /* the model sees the enum */
	t->name = s->name;
	t->kind = s->kind;
	t->crm_name = s->crm_name;
	t->desc = d;
	t->check = json_deep_copy(params);
	add_formats(t->check, s->formats, NULL);
	cat->ntools++;
	return t->check ? 0 : -1;
}

int
llm_catalog_build(struct llm_catalog *cat, const json_t *list,
    const struct fd_business *biz)
{
	json_t *services = json_array(), *fn;
	int i;

	memset(cat, 0, sizeof(*cat));
	if ((cat->tools = calloc(NSPECS, sizeof(*cat->tools))) == NULL)
		goto fail;
	for (i = 0; biz && i < biz->nservices; i++)
		json_array_append_new(services, json_string(
		    biz->services[i].name));
	for (i = 0; i < NSPECS; i++)
		if (add_tool(cat, &specs[i], list, services) != 0)
			goto fail;
	cat->from_crm = list != NULL;
	cat->openai = json_array();
	for (i = 0; i < cat->ntools; i++) {
		const struct llm_tool *t = &cat->tools[i];

		fn = json_pack("{s:s, s:O*, s:O}", "name", t->name,
		    "description", json_object_get(t->desc, "description"),
		    "parameters", json_object_get(t->desc, "parameters"));
		if (fn == NULL)
			goto fail;
		json_array_append_new(cat->openai, json_pack("{s:s, s:o}",
		    "type", "function", "function", fn));
	}
	json_decref(services);
	return 0;
fail:
	json_decref(services);
	llm_catalog_free(cat);
	return -1;
}

void
llm_catalog_free(struct llm_catalog *cat)
{
	int i;

	for (i = 0; i < cat->ntools; i++) {
		json_decref(cat->tools[i].desc);
		json_decref(cat->tools[i].check);
	}
	free(cat->tools);
	json_decref(cat->openai);
	memset(cat, 0, sizeof(*cat));
}

const struct llm_tool *
llm_catalog_find(const struct llm_catalog *cat, const char *name)
{
	int i;

	for (i = 0; i < cat->ntools; i++)
		if (strcmp(cat->tools[i].name, name) == 0)
			return &cat->tools[i];
	return NULL;
}
