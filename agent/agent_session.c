/*
 * agent_session.c - encode and decode a call's session (agent_session.h).  The plain
 * fields of call_state are described once in a table (name, kind, offset,
 * size), the way Redis describes its config; the arrays (vehicles, slots
 * offered, appointments) and the service (stored by name) are handled
 * beside it; the brain's own data is one opaque member ("brain").
 * Unknown keys are ignored so an older agent can read a newer session's
 * common part; a different version is refused.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_session.h"
#include "proto/payload.h"

enum fkind { F_INT, F_STR, F_TIME };

struct field {
	const char *name;
	enum fkind kind;
	size_t off;
	size_t size; /* F_STR: buffer size */
};

#define FI(n)                                                                  \
	{                                                                      \
#n, F_INT, offsetof(struct call_state, n), 0                   \
	}
#define FS(n)                                                                  \
	{                                                                      \
#n, F_STR, offsetof(struct call_state, n),                     \
		    sizeof(((struct call_state *)0)->n)                        \
	}
#define FT(n)                                                                  \
	{                                                                      \
#n, F_TIME, offsetof(struct call_state, n), 0                  \
	}

static const struct field fields[] = {
    FS(call_id),
    FS(from),
    FS(to),
    FS(direction),
    FI(max_misunderstandings),
    FI(caller_blocked),
    FI(customer_known),
    FI(identity_confirmed),
    FI(caller_denied),
    FI(verified),
    FI(identified),
    FI(verify_failed),
    FS(verify_phone),
    FS(customer_id),
    FS(first_name),
    FS(last_name),
    FI(vehicle),
    FS(keyed),
    FI(task),
    FI(pending_task),
    FI(have_day),
    FT(day),
    FI(have_time),
    FI(minute),
    FI(time_rel),
    FI(ampm_given),
    FI(part),
    FI(earliest),
    FI(noffered),
    FS(chosen),
    FI(bookings),
    FS(appointment_id),
    FS(confirmation),
    FI(appt),
    FS(order),
    FS(order_vehicle),
    FI(order_refund_cents),
    FS(msg_name),
    FS(msg_number),
    FS(msg_text),
    FS(msg_urgency),
    FS(lead_need),
    FS(lead_timeline),
    FI(asked),
    FI(misunderstandings),
    FI(guard_refusals),
    FI(last_intent),
    FS(last_said),
    FS(outcome),
    FS(outcome_notes),
    FS(job_id),
    FI(job_attempt),
    FS(job_kind),
    FS(answered_by),
    FS(job_service),
    FS(job_start),
    FS(job_appt_id),
    FS(job_confirmation),
    FS(job_detail),
    FS(job_outcome),
    FS(job_notes),
    FI(leaving),
    FI(move_checked),
    FI(same_appt),
    FI(yes_checked),
    FI(name_weak),
    FI(spell_for),
    FI(name_spelled),
    FS(task_words),
    FI(after_human),
    FS(msg_said),
};

static void
put_fields(json_t *o, const struct call_state *st)
{
	const char *base = (const char *)st;
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *f = &fields[i];
		json_t *v = NULL;

		switch (f->kind) {
		case F_INT:
			v = json_integer(*(const int *)(base + f->off));
			break;
		case F_TIME:
			v = json_integer(
			    (json_int_t) * (const time_t *)(base + f->off));
			break;
		case F_STR:
			v = json_string(base + f->off);
			break;
		}
		json_object_set_new(o, f->name, v);
	}
}

static void
get_fields(json_t *o, struct call_state *st)
{
	char *base = (char *)st;
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *f = &fields[i];
		json_t *v = json_object_get(o, f->name);

		switch (f->kind) {
		case F_INT:
			if (json_is_integer(v))
				*(int *)(base + f->off) =
				    (int)json_integer_value(v);
			break;
		case F_TIME:
			if (json_is_integer(v))
				*(time_t *)(base + f->off) =
				    (time_t)json_integer_value(v);
			break;
		case F_STR:
			if (json_is_string(v))
				snprintf(base + f->off, f->size, "%s",
				    json_string_value(v));
			break;
		}
	}
}

char *
session_encode(
    const struct call_state *st, const struct session_core *core, json_t *brain)
{
	json_t *o, *a;
	char *text;
	int i;

	if ((o = json_object()) == NULL)
		return NULL;
	json_object_set_new(o, "v", json_integer(SESSION_VERSION));
	put_fields(o, st);
	json_object_set_new(o, "service",
	    st->service ? json_string(st->service->name) : json_null());
	a = json_array();
	for (i = 0; i < st->nvehicles && i < CALL_MAX_VEHICLES; i++)
		json_array_append_new(a,
		    json_pack("{s:s, s:s}", "id", st->vehicles[i].id, "desc",
		        st->vehicles[i].desc));
	json_object_set_new(o, "vehicles", a);
	a = json_array();
	for (i = 0; i < st->noffered && i < CALL_MAX_OFFER; i++)
		json_array_append_new(a, json_string(st->offered[i]));
	json_object_set_new(o, "offered", a);
	a = json_array();
	for (i = 0; i < st->nappts && i < CALL_MAX_APPTS; i++)
		json_array_append_new(a,
		    json_pack("{s:s, s:s, s:s, s:s, s:s}", "id",
		        st->appts[i].id, "service", st->appts[i].service,
		        "start", st->appts[i].start, "confirmation",
		        st->appts[i].confirmation, "vehicle",
		        st->appts[i].vehicle));
	json_object_set_new(o, "appts", a);
	json_object_set_new(o, "core",
	    json_pack("{s:I, s:I, s:i, s:I}", "next_utt",
	        (json_int_t)core->next_utt, "clock_offset_us",
	        (json_int_t)core->clock_offset_us, "idle_count",
	        core->idle_count, "heard_end_ms",
	        (json_int_t)core->heard_end_ms));
	if (brain)
		json_object_set(o, "brain", brain);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

int
session_decode(const char *text, const struct fd_business *b,
    struct call_state *st, struct session_core *core, json_t **brain, char *err,
    size_t errlen)
{
	json_error_t je;
	json_t *o, *a, *v, *k;
	size_t i;

	if ((o = json_loads(text, 0, &je)) == NULL || !json_is_object(o)) {
		snprintf(err, errlen, "not a session: %s",
		    o ? "not an object" : je.text);
		json_decref(o);
		return -1;
	}
	if (json_integer_value(json_object_get(o, "v")) != SESSION_VERSION) {
		snprintf(err, errlen, "session version %lld, want %d",
		    (long long)json_integer_value(json_object_get(o, "v")),
		    SESSION_VERSION);
		json_decref(o);
		return -1;
	}
	memset(st, 0, sizeof(*st));
	memset(core, 0, sizeof(*core));
	get_fields(o, st);
	if (json_is_string(json_object_get(o, "service")))
		st->service = fd_business_service(b, fd_jstr(o, "service"));
	a = json_object_get(o, "vehicles");
	json_array_foreach(a, i, v)
	{
		if (st->nvehicles >= CALL_MAX_VEHICLES)
			break;
		snprintf(st->vehicles[st->nvehicles].id,
		    sizeof(st->vehicles[0].id), "%s", fd_jstr(v, "id"));
		snprintf(st->vehicles[st->nvehicles].desc,
		    sizeof(st->vehicles[0].desc), "%s", fd_jstr(v, "desc"));
		st->nvehicles++;
	}
	a = json_object_get(o, "offered");
	st->noffered = 0;
	json_array_foreach(a, i, v)
	{
		if (st->noffered >= CALL_MAX_OFFER || !json_is_string(v))
			break;
		snprintf(st->offered[st->noffered++], sizeof(st->offered[0]),
		    "%s", json_string_value(v));
	}
	a = json_object_get(o, "appts");
	json_array_foreach(a, i, v)
	{
		struct call_appt *x;

		if (st->nappts >= CALL_MAX_APPTS)
			break;
		x = &st->appts[st->nappts++];
		snprintf(x->id, sizeof(x->id), "%s", fd_jstr(v, "id"));
		snprintf(x->service, sizeof(x->service), "%s",
		    fd_jstr(v, "service"));
		snprintf(x->start, sizeof(x->start), "%s", fd_jstr(v, "start"));
		snprintf(x->confirmation, sizeof(x->confirmation), "%s",
		    fd_jstr(v, "confirmation"));
		snprintf(x->vehicle, sizeof(x->vehicle), "%s",
		    fd_jstr(v, "vehicle"));
	}
	if (st->vehicle > st->nvehicles)
		st->vehicle = 0;
	if (st->appt > st->nappts)
		st->appt = 0;
	k = json_object_get(o, "core");
	core->next_utt =
	    (uint32_t)json_integer_value(json_object_get(k, "next_utt"));
	core->clock_offset_us =
	    (int64_t)json_integer_value(json_object_get(k, "clock_offset_us"));
	core->idle_count =
	    (int)json_integer_value(json_object_get(k, "idle_count"));
	core->heard_end_ms =
	    (int64_t)json_integer_value(json_object_get(k, "heard_end_ms"));
	if (brain) {
		*brain = json_object_get(o, "brain");
		json_incref(*brain);
	}
	json_decref(o);
	return 0;
}
