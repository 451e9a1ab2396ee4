/*
 * tool_schema.c - the table of tool schemas and the argument checker (see
 * tool_schema.h).  The checker's messages go back to the model, or to
 * crm-tools' caller, as the tool's error, so they say what was wrong and
 * what is expected, in a sentence it can act on.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tool_schema.h"

#define S_PHONE                                                                \
	"{'type':'string','description':'phone number, E.164 like "            \
	"+15551230001'}"
#define S_PHONE_NEW                                                            \
	"{'type':'string','description':'a new caller own phone number as "    \
	"they said it; needed when there is no caller ID'}"
#define S_WHEN "local time YYYY-MM-DDTHH:MM"

/* name, internal, hidden, formats, schema: in crm-tools' order, public
 * tools first (crm-tools/crm_tools.c runs each). */
const struct fd_tool_schema fd_tool_schemas[] = {
    {"lookup_customer", 0, "", "phone=e164",
        "{'description':'Find the customer record for a phone number (default: "
        "the caller ID). For the caller own number it returns the record with "
        "vehicles; for any other number only the id and first name.',"
        "'parameters':{'type':'object','properties':{'phone':" S_PHONE "}}}"},
    {"search_customers_by_name", 0, "", "",
        "{'description':'Fuzzy search customers by name (misspellings ok). "
        "Returns candidate ids and first names only; confirm identity with the "
        "caller before using one.',"
        "'parameters':{'type':'object','properties':{'first':{'type':'string'},"
        "'last':{'type':'string'}}}}"},
    {"get_available_slots", 0, "", "date=day,after=time",
        "{'description':'Free appointment start times on a day for a service, "
        "taking opening hours, holidays, bays and existing bookings into "
        "account. No slots in the past.',"
        "'parameters':{'type':'object','properties':{'date':{'type':'string','"
        "description':'YYYY-MM-DD, today, tomorrow or a weekday name'},"
        "'service':{'type':'string','description':'service name, e.g. oil "
        "change'},'duration':{'type':'integer','description':'minutes, "
        "overrides the service length'},"
        "'after':{'type':'string','description':'earliest time of day "
        "HH:MM'},'limit':{'type':'integer','description':'at most this many "
        "slots (default 12)'}},'required':['date','service']}}"},
    {"find_slots", 0, "",
        "day=day,from=datetime,after=time,before=time,near=time",
        "{'description':'The next free appointment starts for a service in one "
        "search over up to 60 days: opening hours, holidays, bays, bookings "
        "and the shop calendar taken into account, none in the past. Prefer it "
        "to get_available_slots. Returns slots [{start,end}] in time order, "
        "the date they are on, and the closed_days and full_days passed over "
        "on the way (say we are closed that day, then offer the next).',"
        "'parameters':{'type':'object','properties':{'service':{'type':'string'"
        ",'description':'service name, e.g. oil change'},"
        "'day':{'type':'string','description':'start the search on this day: "
        "YYYY-MM-DD, today, tomorrow or a weekday name'},"
        "'from':{'type':'string','description':'start the search at "
        "this " S_WHEN " (default now)'},"
        "'days':{'type':'integer','description':'days to search, 1..60 "
        "(default 1 with day, else 14)'},"
        "'part_of_day':{'type':'string','enum':['morning','afternoon','evening'"
        ",'any']},"
        "'after':{'type':'string','description':'starts at or after "
        "HH:MM'},'before':{'type':'string','description':'starts before "
        "HH:MM'},"
        "'near':{'type':'string','description':'HH:MM: the starts nearest this "
        "time, on the first day that has any'},"
        "'pick':{'type':'string','enum':['earliest','nearest','spread'],'"
        "description':'earliest (default; across days), nearest (to near) or "
        "spread over the first day with free starts'},"
        "'count':{'type':'integer','description':'how many starts, 1..10 "
        "(default 3)'},"
        "'relax':{'type':'boolean','description':'on a day where nothing fits "
        "part_of_day/after/before, give its other free starts (relaxed true)'},"
        "'exclude':{'type':'array','items':{'type':'string'},'description':'"
        "starts " S_WHEN " not to offer again'},"
        "'duration':{'type':'integer','description':'minutes, overrides the "
        "service length'}},'required':['service']}}"},
    {"book_appointment", 0, "idempotency_key", "start=datetime,email=email",
        "{'description':'Book a service for the caller (a new caller needs "
        "first_name and last_name). Returns appointment_id and a 5-letter "
        "confirmation code. A taken slot fails with code slot_taken and up to "
        "3 alternatives. Retrying the same request returns the same booking.',"
        "'parameters':{'type':'object','properties':{'service':{'type':'string'"
        "},'start':{'type':'string','description':'" S_WHEN "'},"
        "'vehicle_id':{'type':'integer'},'vehicle':{'type':'string','"
        "description':'e.g. 2019 Honda Civic, if not on file'},"
        "'first_name':{'type':'string'},'last_name':{'type':'string'},'phone'"
        ":" S_PHONE_NEW ",'email':{'type':'string'},'notes':{'type':'string'},"
        "'idempotency_key':{'type':'string'}},'required':['service','start']}"
        "}"},
    {"get_upcoming_appointments", 0, "customer_id", "",
        "{'description':'The caller upcoming appointments.',"
        "'parameters':{'type':'object','properties':{'customer_id':{'type':'"
        "integer'}}}}"},
    {"cancel_appointment", 0, "", "",
        "{'description':'Cancel one of the caller appointments, by "
        "appointment_id or confirmation code.',"
        "'parameters':{'type':'object','properties':{'appointment_id':{'type':'"
        "integer'},'confirmation':{'type':'string'},'reason':{'type':'string'}}"
        "}}"},
    {"reschedule_appointment", 0, "", "new_start=datetime",
        "{'description':'Move one of the caller appointments to a new start "
        "time; keeps the confirmation code. A taken slot fails with slot_taken "
        "and alternatives.',"
        "'parameters':{'type':'object','properties':{'appointment_id':{'type':'"
        "integer'},'confirmation':{'type':'string'},"
        "'new_start':{'type':'string','description':'" S_WHEN
        "'}},'required':['new_start']}}"},
    {"vehicle_status", 0, "", "",
        "{'description':'Where is my car: stage and expected ready time of a "
        "repair order (by order number like RO-1001 or id; default the caller "
        "latest open order).',"
        "'parameters':{'type':'object','properties':{'order':{'type':'string','"
        "description':'order number or "
        "id'},'appointment_id':{'type':'integer'}}}}"},
    {"cancel_order", 0, "", "",
        "{'description':'Cancel a repair order. The deposit refund depends on "
        "the stage the order is in (the shop rule; vehicle_status tells "
        "refund_if_cancelled_cents and whether it can still be cancelled). "
        "Needs a verified caller.',"
        "'parameters':{'type':'object','properties':{'order':{'type':'string','"
        "description':'order number or "
        "id'},'reason':{'type':'string'}},'required':['order']}}"},
    {"take_message", 0, "idempotency_key", "callback_number=e164",
        "{'description':'Leave a message for the staff.',"
        "'parameters':{'type':'object','properties':{'name':{'type':'string'},'"
        "callback_number':" S_PHONE ",'message':{'type':'string'},"
        "'urgency':{'type':'string','enum':['low','normal','high']},'call_back'"
        ":{'type':'boolean','description':'the caller asked to be called "
        "back'},"
        "'idempotency_key':{'type':'string'}},'required':['name','message']}}"},
    {"qualify_lead", 0, "", "",
        "{'description':'Record a sales lead (someone interested in buying or "
        "a large job).',"
        "'parameters':{'type':'object','properties':{'name':{'type':'string'},'"
        "contact':{'type':'string','description':'phone or email'},"
        "'need':{'type':'string'},'timeline':{'type':'string'},'urgency':{'"
        "type':'string','enum':['low','normal','high']}},'required':['name','"
        "need']}}"},
    {"request_callback", 0, "", "phone=e164",
        "{'description':'Ask staff to call the caller back.',"
        "'parameters':{'type':'object','properties':{'phone':" S_PHONE
        ",'when':{'type':'string','description':'" S_WHEN
        " or words like tomorrow morning'},"
        "'reason':{'type':'string'}},'required':['reason']}}"},
    {"transfer_to_human", 0, "", "",
        "{'description':'Check whether a person can take the call now "
        "(business hours). If available is true, the agent transfers to "
        "number.',"
        "'parameters':{'type':'object','properties':{'reason':{'type':'string'}"
        "}}}"},
    {"log_call_outcome", 0, "", "",
        "{'description':'Record how the call ended.',"
        "'parameters':{'type':'object','properties':{'outcome':{'type':'string'"
        ",'enum':['booked','rescheduled','cancelled','confirmed','voicemail_"
        "left','wrong_person','status_given','message_taken','callback_"
        "requested','lead','transferred','info_only','abandoned','other']},"
        "'notes':{'type':'string'}},'required':['outcome']}}"},
    {"decode_vin", 0, "", "",
        "{'description':'Check a VIN (check digit) and decode model year and "
        "manufacturer; when online also make and model (online:false means "
        "only the offline check was possible).',"
        "'parameters':{'type':'object','properties':{'vin':{'type':'string'}},'"
        "required':['vin']}}"},
    {"list_tools", 1, "", "",
        "{'description':'Describe the tools (all=true includes the internal "
        "ones).',"
        "'parameters':{'type':'object','properties':{'all':{'type':'boolean'}}}"
        "}"},
    {"call_begin", 1, "", "",
        "{'description':'Open the call record; matches the caller ID to a "
        "customer.',"
        "'parameters':{'type':'object','properties':{'from':" S_PHONE
        ",'to':" S_PHONE ",'direction':{'type':'string','enum':['inbound','"
        "outbound']},'stream_sid':{'type':'string'},"
        "'gateway':{'type':'string','description':'the gateway instance that "
        "answered'},'gateway_boot':{'type':'string','description':'that "
        "gateway run id'},'reopen':{'type':'boolean','description':'the call "
        "came back from a transfer nobody took: open its record "
        "again'}},'required':['from']}}"},
    {"verify_caller", 1, "", "",
        "{'description':'Verify the caller as a customer (by customer_id, "
        "phone or the caller ID). Verified: the name with the caller ID on "
        "file, or a second factor (one of their confirmation codes, or the "
        "name with the last 4 or more characters of a VIN on file). A phone "
        "number and name from another number only identify the caller "
        "(identified:true): enough to say whether their car is ready, not to "
        "read, book, move or cancel appointments.',"
        "'parameters':{'type':'object','properties':{'customer_id':{'type':'"
        "integer'},'phone':" S_PHONE
        ",'name':{'type':'string','description':'full name as said'},"
        "'confirmation':{'type':'string'},'vin_last':{'type':'string','"
        "description':'last 4 or more characters of a VIN on file, as said or "
        "keyed'}}}}"},
    {"deny_caller_id", 1, "", "",
        "{'description':'The caller says they are not the customer whose phone "
        "they call from: the caller ID no longer identifies anyone on this "
        "call, and a booking creates a new customer.',"
        "'parameters':{'type':'object','properties':{}}}"},
    {"log_turn", 1, "", "",
        "{'description':'Append a transcript turn.',"
        "'parameters':{'type':'object','properties':{'role':{'type':'string','"
        "enum':['caller','agent','system']},'text':{'type':'string'},'heard':{'"
        "type':'boolean'},'at':{'type':'string'},"
        "'start_ms':{'type':'number','description':'ms since the call "
        "started'},'end_ms':{'type':'number'},'confidence':{'type':'number','"
        "description':'recogniser confidence 0..1'},"
        "'barged_in':{'type':'boolean','description':'the caller cut this "
        "agent turn off'},'heard_text':{'type':'string','description':'what of "
        "an agent turn the caller heard'}},'required':['role','text']}}"},
    {"call_end", 1, "", "",
        "{'description':'Close the call record and price the call (pricing.*), "
        "with the latencies the agent measured: first_word_ms (call start to "
        "the greeting sent) and v2v_ms (each reply: the caller stopped "
        "speaking to the reply sent).',"
        "'parameters':{'type':'object','properties':{'reason':{'type':'string'}"
        ",'tts_chars':{'type':'integer','description':'characters sent to "
        "synthesis'},'llm_tokens':{'type':'integer','description':'LLM prompt "
        "+ completion "
        "tokens'},'first_word_ms':{'type':'integer'},'v2v_ms':{'type':'array','"
        "items':{'type':'integer'}}}}}"},
    {"call_recording", 1, "", "",
        "{'description':'The gateway closed the call recording: the stereo WAV "
        "(the mixed track is beside it as .mixed.wav), its length and size.',"
        "'parameters':{'type':'object','properties':{'path':{'type':'string'},'"
        "duration_s':{'type':'number'},'bytes':{'type':'integer'}},'required':["
        "'path','duration_s','bytes']}}"},
    {"gateway_restarted", 1, "", "",
        "{'description':'A gateway started: close, as failed, the calls its "
        "earlier runs left open (they were cut off at the carrier). Returns "
        "their call_sids.',"
        "'parameters':{'type':'object','properties':{'gateway':{'type':'string'"
        ",'description':'the gateway instance "
        "name'},'boot':{'type':'string','description':'the id of this "
        "run'}},'required':['gateway','boot']}}"},
    {"get_call", 1, "", "",
        "{'description':'The whole record of a call: turns, tool calls, "
        "appointments.',"
        "'parameters':{'type':'object','properties':{'call_sid':{'type':'"
        "string'}},'required':['call_sid']}}"},
    {"list_calls", 1, "", "",
        "{'description':'Calls, newest first: a page of limit (1..500, default "
        "20) from offset, filtered by local days from/to (YYYY-MM-DD, "
        "inclusive), outcome, direction (inbound, outbound) and q (digits of a "
        "number, or part of the caller name). Returns calls, total, limit, "
        "offset and next (the next page offset, or null).',"
        "'parameters':{'type':'object','properties':{'limit':{'type':'integer'}"
        ",'offset':{'type':'integer'},'from':{'type':'string'},'to':{'type':'"
        "string'},'outcome':{'type':'string'},'direction':{'type':'string'},'q'"
        ":{'type':'string'}}}}"},
    {"call_stats", 1, "", "",
        "{'description':'Figures of the calls started on local days from..to "
        "(YYYY-MM-DD, inclusive; default the last 7 days): calls per day, "
        "inbound/outbound, outcome mix, average duration, bookings, leads, "
        "messages, transfers, first-word and voice-to-voice latency p50/p95, "
        "cost.',"
        "'parameters':{'type':'object','properties':{'from':{'type':'string'},'"
        "to':{'type':'string'}}}}"},
    {"vocabulary", 1, "", "",
        "{'description':'Words speech recognition should know: customer names, "
        "vehicle makes and models; version changes when they do.',"
        "'parameters':{'type':'object','properties':{'limit':{'type':'integer',"
        "'description':'at most this many entries (default 5000)'}}}}"},
    {"jobs_claim", 1, "", "",
        "{'description':'Claim due outbound jobs for owner (a lease of lease_s "
        "seconds): calls only inside the calling window, at most "
        "outbound.max_concurrent in flight, each with its dial slot (dial_at) "
        "in the call pacing; texts any time. A job whose lease ran out is "
        "claimed again with the same attempt and idempotency key.',"
        "'parameters':{'type':'object','properties':{'owner':{'type':'string'},"
        "'limit':{'type':'integer'},'lease_s':{'type':'integer'}},'required':['"
        "owner']}}"},
    {"job_dialed", 1, "", "",
        "{'description':'The carrier took this attempt of a job (its call "
        "sid): the lease becomes outbound.call_timeout_s. Idempotent.',"
        "'parameters':{'type':'object','properties':{'job_id':{'type':'integer'"
        "},'attempt':{'type':'integer'},'call_sid':{'type':'string'},'placing':"
        "{'type':'boolean','description':'not dialed yet: the carrier request "
        "is about to be sent (answers placing_at, epoch "
        "seconds)'}},'required':['job_id','attempt']}}"},
    {"job_result", 1, "", "",
        "{'description':'How an attempt ended; once per attempt (a repeat "
        "returns duplicate:true), except that answered may later become the "
        "conversation outcome. busy and no_answer retry after the backoff "
        "until outbound.max_attempts; a confirmed reminder confirms its "
        "appointment.',"
        "'parameters':{'type':'object','properties':{'job_id':{'type':'integer'"
        "},'attempt':{'type':'integer'},"
        "'outcome':{'type':'string','enum':['confirmed','rescheduled','"
        "cancelled','voicemail','wrong_person','talked','answered','busy','no_"
        "answer','failed','sent','delivered','undelivered']},"
        "'call_sid':{'type':'string'},'detail':{'type':'string'}},'required':['"
        "job_id','attempt','outcome']}}"},
    {"job_cancel", 1, "", "",
        "{'description':'Cancel a job that is not being placed (pending or "
        "claimed).',"
        "'parameters':{'type':'object','properties':{'job_id':{'type':'integer'"
        "},'reason':{'type':'string'}},'required':['job_id']}}"},
    {"jobs_list", 1, "", "",
        "{'description':'Outbound jobs by due time, filtered by status, kind "
        "or appointment.',"
        "'parameters':{'type':'object','properties':{'status':{'type':'string'}"
        ",'kind':{'type':'string'},'appointment_id':{'type':'integer'},'limit':"
        "{'type':'integer'}}}}"},
    {"job_get", 1, "", "",
        "{'description':'One outbound job with its attempts.',"
        "'parameters':{'type':'object','properties':{'job_id':{'type':'integer'"
        "}},'required':['job_id']}}"},
    {"job_create", 1, "", "",
        "{'description':'Staff place a call now: purpose reminder (of "
        "appointment_id; its waiting reminder is moved up), callback (to "
        "phone; text says what about) or custom (to phone; text is the "
        "purpose). Returns the job with created.',"
        "'parameters':{'type':'object','properties':{'purpose':{'type':'string'"
        ",'enum':['reminder','callback','custom']},'appointment_id':{'type':'"
        "integer'},'phone':{'type':'string'},'text':{'type':'string'}},'"
        "required':['purpose']}}"},
    {"callback_done", 1, "", "",
        "{'description':'Staff returned the call: cancel the callback job (by "
        "job_id) or the jobs of a callback request or message.',"
        "'parameters':{'type':'object','properties':{'job_id':{'type':'integer'"
        "},'callback_id':{'type':'integer'},'message_id':{'type':'integer'},'"
        "note':{'type':'string'}}}}"},
    {"seed_demo", 1, "", "",
        "{'description':'Load the demo customers, vehicles, appointments and "
        "orders (idempotent).',"
        "'parameters':{'type':'object','properties':{}}}"},
    {"retention_sweep", 1, "", "",
        "{'description':'Delete the call records started before a cutoff: each "
        "call with its turns, tool-call audit rows and recording file. Returns "
        "the counts.',"
        "'parameters':{'type':'object','properties':{'before':{'type':'string',"
        "'description':'YYYY-MM-DDTHH:MM:SS, local "
        "time'},'batch':{'type':'integer','description':'calls per statement "
        "(default 500)'}},'required':['before']}}"},
};
const int fd_ntool_schemas =
    (int)(sizeof(fd_tool_schemas) / sizeof(fd_tool_schemas[0]));

static const char *const days[] = {
    "today",
    "tomorrow",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    NULL,
};

json_t *
fd_args_parse(const char *text, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j;
	const char *p = text ? text : "";

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return json_object();
	if ((j = json_loads(p, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		snprintf(err, errlen,
		    "arguments are not valid JSON (%s at "
		    "position %d)",
		    je.text, je.position);
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
	static const int mdays[] = {
	    31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, leap;

	if (!(digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' &&
	        digits(s + 8, 2)))
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
fd_format_check(const char *format, const char *s)
{
	size_t n = strlen(s), i;
	const char *at;

	if (strcmp(format, "date") == 0)
		return n == 10 && is_date(s) ? 0 : -1;
	if (strcmp(format, "time") == 0)
		return n == 5 && is_time(s) ? 0 : -1;
	if (strcmp(format, "datetime") == 0)
		return n == 16 && is_date(s) && s[10] == 'T' && is_time(s + 11)
		    ? 0
		    : -1;
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
		        s[1] <= '9' && digits(s + 1, (int)n - 1)
		    ? 0
		    : -1;
	if (strcmp(format, "email") == 0)
		return (at = strchr(s, '@')) != NULL && at > s &&
		        strchr(at, '.') != NULL && at[1] != '.' &&
		        s[n - 1] != '.' && strchr(s, ' ') == NULL
		    ? 0
		    : -1;
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
	return 1; /* a type we do not know: no check */
}

static int
check_value(const char *name, const json_t *ps, const json_t *v, int lenient,
    char *err, size_t errlen)
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

		if (json_string_length(v) > FD_MAX_STRING) {
			snprintf(err, errlen,
			    "'%s' is too long (at most %d "
			    "characters)",
			    name, FD_MAX_STRING);
			return -1;
		}
		if (strlen(s) != json_string_length(v)) {
			snprintf(
			    err, errlen, "'%s' contains a NUL character", name);
			return -1;
		}
		if (format && fd_format_check(format, s) < 0) {
			snprintf(err, errlen, "'%s' must be %s, got \"%.40s\"",
			    name, format_help(format), s);
			return -1;
		}
	}
	if (json_is_array(en) && !lenient) {
		json_array_foreach(en, i,
		    e) if (json_equal((json_t *)e, (json_t *)v)) return 0;
		snprintf(err, errlen, "'%s' must be one of the allowed values",
		    name);
		{
			size_t n = strlen(err);

			json_array_foreach(en, i,
			    e) if (json_is_string(e) && n + 4 < errlen) n +=
			    (size_t)snprintf(err + n, errlen - n, "%s%s",
			        i ? ", " : ": ", json_string_value(e));
		}
		return -1;
	}
	return 0;
}

/* lenient (crm-tools' own check): fields outside the schema pass, a
 * required string may be empty and enums are the tool's to map ("urgent"
 * is high), so only missing fields and wrong types are refused. */
static int
schema_check(const json_t *schema, const json_t *args, int lenient, char *err,
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
	json_array_foreach(req, i, r)
	{
		const char *name = json_string_value(r);

		if (name == NULL)
			continue;
		v = json_object_get(args, name);
		if (v == NULL || json_is_null(v) ||
		    (!lenient && json_is_string(v) &&
		        json_string_length(v) == 0)) {
			snprintf(err, errlen, "missing required argument '%s'",
			    name);
			return -1;
		}
	}
	json_object_foreach((json_t *)args, key, v)
	{
		const json_t *ps = json_object_get(props, key);

		if (ps == NULL && lenient)
			continue;
		if (ps == NULL) {
			snprintf(err, errlen, "unknown argument '%.40s'", key);
			return -1;
		}
		if (json_is_null(v))
			continue; /* an optional argument left out */
		if (check_value(key, ps, v, lenient, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int
fd_schema_check(
    const json_t *schema, const json_t *args, char *err, size_t errlen)
{
	return schema_check(schema, args, 0, err, errlen);
}

const struct fd_tool_schema *
fd_tool_schema_find(const char *name)
{
	int i;

	for (i = 0; i < fd_ntool_schemas; i++)
		if (strcmp(fd_tool_schemas[i].name, name) == 0)
			return &fd_tool_schemas[i];
	return NULL;
}

json_t *
fd_tool_schema_json(const struct fd_tool_schema *t)
{
	char buf[4096];
	size_t i;
	json_t *j;

	if (strlen(t->schema) >= sizeof(buf))
		return NULL;
	snprintf(buf, sizeof(buf), "%s", t->schema);
	for (i = 0; buf[i]; i++)
		if (buf[i] == '\'')
			buf[i] = '"';
	if ((j = json_loads(buf, 0, NULL)) != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* Every tool's parameters, parsed once for the life of the process. */
static json_t **params;
static pthread_once_t params_once = PTHREAD_ONCE_INIT;

static void
params_load(void)
{
	json_t *d;
	int i;

	if ((params = calloc((size_t)fd_ntool_schemas, sizeof(*params))) ==
	    NULL)
		return;
	for (i = 0; i < fd_ntool_schemas; i++) {
		if ((d = fd_tool_schema_json(&fd_tool_schemas[i])) == NULL)
			continue;
		params[i] = json_incref(json_object_get(d, "parameters"));
		json_decref(d);
	}
}

int
fd_tool_args_check(const struct fd_tool_schema *t, const json_t *args,
    char *err, size_t errlen)
{
	const json_t *ps;

	pthread_once(&params_once, params_load);
	if (params == NULL || (ps = params[t - fd_tool_schemas]) == NULL) {
		snprintf(err, errlen, "no schema for tool %s", t->name);
		return -1;
	}
	/* the table's parameters carry no "format": those are the model's
	 * (fd_tool_schema.formats), and crm-tools reads what other callers
	 * send (a phone as dialled, "next tuesday") itself */
	return schema_check(ps, args, 1, err, errlen);
}
