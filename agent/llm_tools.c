/*
 * llm_tools.c - the LLM's tool catalogue (see llm_tools.h).  The tools
 * crm-tools runs are described by crm-tools' own table, linked in
 * (proto/tool_schema.c), so the brain works when crm-tools is not up yet
 * at the first call; the brain's own tools (verify_identity,
 * not_the_customer, end_call) are described here, in JSON written with '
 * for ", as there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm_tools.h"
#include "proto/tool_schema.h"
#include "speech/text.h"

#define PHONE                                                                  \
	"{'type':'string','description':'phone number, E.164 like "            \
	"+15551230001'}"

/* A tool the model may call.  One that crm-tools runs takes its
 * description, schema, formats and hidden fields from crm-tools' table
 * (proto/tool_schema.c); the brain's own tools carry theirs here. */
struct spec {
	const char *name;
	enum llm_tool_kind kind;
	const char *crm_name;
	const char *formats; /* own tools: "field=format,..." */
	const char *hidden; /* own tools: fields the model may not set */
	const char *schema; /* own tools: {description, parameters} */
};

static const struct spec specs[] = {
    {"lookup_customer", LLM_T_CRM, "lookup_customer", NULL, NULL, NULL},
    {"search_customers_by_name", LLM_T_CRM, "search_customers_by_name", NULL,
        NULL, NULL},
    {"find_slots", LLM_T_CRM, "find_slots", NULL, NULL, NULL},
    {"get_available_slots", LLM_T_CRM, "get_available_slots", NULL, NULL, NULL},
    {"book_appointment", LLM_T_CRM, "book_appointment", NULL, NULL, NULL},
    {"get_upcoming_appointments", LLM_T_CRM, "get_upcoming_appointments", NULL,
        NULL, NULL},
    {"cancel_appointment", LLM_T_CRM, "cancel_appointment", NULL, NULL, NULL},
    {"reschedule_appointment", LLM_T_CRM, "reschedule_appointment", NULL, NULL,
        NULL},
    {"vehicle_status", LLM_T_CRM, "vehicle_status", NULL, NULL, NULL},
    {"cancel_order", LLM_T_CRM, "cancel_order", NULL, NULL, NULL},
    {"take_message", LLM_T_CRM, "take_message", NULL, NULL, NULL},
    {"qualify_lead", LLM_T_CRM, "qualify_lead", NULL, NULL, NULL},
    {"request_callback", LLM_T_CRM, "request_callback", NULL, NULL, NULL},
    {"transfer_to_human", LLM_T_TRANSFER, "transfer_to_human", NULL, NULL,
        NULL},
    /* the core records it (crm-tools' log_call_outcome, at the end) */
    {"log_call_outcome", LLM_T_OUTCOME, NULL, NULL, NULL, NULL},
    {"decode_vin", LLM_T_CRM, "decode_vin", NULL, NULL, NULL},
    /* answered by the brain */
    {"verify_identity", LLM_T_VERIFY, "verify_caller", "phone=e164", "",
        "{'description':'Verify who the caller is: the customer on file for "
        "their caller ID by the full name they say; a caller from an unknown "
        "or withheld number by the phone number on their account, their full "
        "name and a second factor: the last 4 digits of a VIN on file "
        "(vin_last) or a confirmation code. The phone number and name alone "
        "only identify them (identified:true, verified:false): then say only "
        "whether their car is ready, and ask for the second factor before "
        "reading, booking, moving or cancelling anything. Anyone is verified "
        "by a confirmation code of one of their appointments. Wrong answers "
        "count toward a limit of attempts.',"
        "'parameters':{'type':'object','properties':{'name':{'type':'string','"
        "description':'full name as the caller said it'},'phone':" PHONE
        ",'confirmation':{'type':'string'},"
        "'vin_last':{'type':'string','description':'last 4 digits of a VIN on "
        "file, as the caller said or keyed them'}}}}"},
    {"not_the_customer", LLM_T_DENY, "deny_caller_id", "", "",
        "{'description':'The caller says they are not the customer on file for "
        "the number they call from (a family member, a new owner of the "
        "number). From then on the caller ID identifies nobody on this call: "
        "do not use that customer, and a booking needs the caller first and "
        "last name and makes a new customer.',"
        "'parameters':{'type':'object','properties':{}}}"},
    {"end_call", LLM_T_END, NULL, "", "",
        "{'description':'Hang up after your goodbye has been heard. Call it "
        "once the caller has nothing else, together with your goodbye "
        "sentence.',"
        "'parameters':{'type':'object','properties':{'reason':{'type':'string'}"
        "}}}"},
};
#define NSPECS ((int)(sizeof(specs) / sizeof(specs[0])))

int
llm_tool_internal(const char *crm_name)
{
	const struct fd_tool_schema *t = fd_tool_schema_find(crm_name);

	return t != NULL && t->internal;
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

	json_array_foreach(arr, i, t)
	{
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

static void
drop_hidden(json_t *params, const char *hidden)
{
	json_t *props = json_object_get(params, "properties");
	json_t *req = json_object_get(params, "required"), *v;
	const char *key;
	void *tmp;
	size_t i;

	json_object_foreach_safe(props, tmp, key,
	    v) if (txt_in_list(hidden, key, ',')) json_object_del(props, key);
	for (i = json_array_size(req); i-- > 0;) {
		const char *r = json_string_value(json_array_get(req, i));

		if (r && txt_in_list(hidden, r, ','))
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
				json_object_set_new(
				    p, "format", json_string(eq + 1));
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
	const struct fd_tool_schema *ts = NULL;
	const char *hidden = s->hidden, *formats = s->formats;
	json_t *d = NULL, *params;

	if (s->schema == NULL) {
		/* crm-tools' tool: its entry in the one table */
		if ((ts = fd_tool_schema_find(
		         s->crm_name ? s->crm_name : s->name)) == NULL)
			return -1;
		hidden = ts->hidden;
		formats = ts->formats;
	}
	if (list && ts != NULL)
		d = from_list(list, ts->name);
	if (d == NULL)
		d = ts ? fd_tool_schema_json(ts) : builtin(s->schema);
	if (d == NULL)
		return -1;
	params = json_object_get(d, "parameters");
	if (!json_is_object(params)) {
		params =
		    json_pack("{s:s, s:{}}", "type", "object", "properties");
		json_object_set_new(d, "parameters", params);
	}
	if (!json_is_object(json_object_get(params, "properties")))
		json_object_set_new(params, "properties", json_object());
	drop_hidden(params, hidden);
	add_formats(params, "", services); /* the model sees the enum */
	t->name = s->name;
	t->kind = s->kind;
	t->crm_name = s->crm_name;
	t->desc = d;
	t->check = json_deep_copy(params);
	add_formats(t->check, formats, NULL);
	cat->ntools++;
	return t->check ? 0 : -1;
}

int
llm_catalog_build(
    struct llm_catalog *cat, const json_t *list, const struct fd_business *biz)
{
	json_t *services = json_array(), *fn;
	int i;

	memset(cat, 0, sizeof(*cat));
	if ((cat->tools = calloc(NSPECS, sizeof(*cat->tools))) == NULL)
		goto fail;
	for (i = 0; biz && i < biz->nservices; i++)
		json_array_append_new(
		    services, json_string(biz->services[i].name));
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
		json_array_append_new(cat->openai,
		    json_pack(
		        "{s:s, s:o}", "type", "function", "function", fn));
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
