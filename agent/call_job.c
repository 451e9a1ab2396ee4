/*
 * call_job.c - the job behind an outbound call, for both brains.  The
 * scheduler claimed a job (a reminder, a callback, a lead follow-up), the
 * gateway placed the call and put the job's id, attempt, kind and the
 * carrier's answering-machine verdict on CALL_START; the core reads the
 * job with job_get (crm-tools) into call_state before the brain greets,
 * and when the call ends reports what the conversation made of it with
 * job_result.  The brain only records the outcome here; the report is the
 * core's, so a model can neither forget it nor invent one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brain.h"
#include "speech/datetime.h"

int
call_outbound(const struct call_state *st)
{
	return st->job_id[0] != '\0';
}

const char *
call_party(const struct call_state *st)
{
	return strncmp(st->direction, "outbound", 8) == 0 ? st->to : st->from;
}

static void
copy_str(json_t *o, const char *key, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(buf, len, "%s", s ? s : "");
}

int
call_read_job(struct call_state *st, json_t *rep)
{
	json_t *j = json_object_get(rep, "result"), *v;

	if (!json_is_true(json_object_get(rep, "ok")) || !json_is_object(j))
		return -1;
	/* CALL_START named the kind already; the job's own wins if given */
	if (json_is_string(json_object_get(j, "kind")))
		copy_str(j, "kind", st->job_kind, sizeof(st->job_kind));
	copy_str(j, "service", st->job_service, sizeof(st->job_service));
	/* "2026-11-24T09:00:00" -> "2026-11-24T09:00" */
	copy_str(j, "start", st->job_start, sizeof(st->job_start));
	st->job_start[16] = '\0';
	copy_str(j, "confirmation", st->job_confirmation,
	    sizeof(st->job_confirmation));
	copy_str(j, "detail", st->job_detail, sizeof(st->job_detail));
	v = json_object_get(j, "appointment_id");
	if (json_is_integer(v))
		snprintf(st->job_appt_id, sizeof(st->job_appt_id), "%lld",
		    (long long)json_integer_value(v));
	/* the name to ask for when the call_begin match gave none */
	if (st->first_name[0] == '\0')
		copy_str(
		    j, "first_name", st->first_name, sizeof(st->first_name));
	return 0;
}

void
call_job_outcome(struct brain_call *c, const char *outcome, const char *notes)
{
	struct call_state *st = &c->st;

	snprintf(st->job_outcome, sizeof(st->job_outcome), "%s", outcome);
	snprintf(
	    st->job_notes, sizeof(st->job_notes), "%s", notes ? notes : "");
}

json_t *
call_job_result(const struct call_state *st, const char *call_sid)
{
	const char *o = st->job_outcome, *notes = st->job_notes;

	if (!call_outbound(st))
		return NULL;
	/* the appointment the reminder was about, moved or cancelled on the
	 * call: that is what came of it, whatever was said before */
	if (strcmp(st->job_kind, "reminder") == 0 &&
	    strcmp(o, "voicemail") != 0 && strcmp(o, "wrong_person") != 0 &&
	    (strcmp(st->outcome, "rescheduled") == 0 ||
	        strcmp(st->outcome, "cancelled") == 0)) {
		o = st->outcome;
		notes = st->outcome_notes;
	}
	if (o[0] == '\0')
		return NULL;
	return json_pack("{s:I, s:i, s:s, s:s, s:s}", "job_id",
	    (json_int_t)strtoll(st->job_id, NULL, 10), "attempt",
	    st->job_attempt, "outcome", o, "call_sid", call_sid, "detail",
	    notes);
}

void
call_job_when(const struct call_state *st, time_t now, char *buf, size_t len)
{
	char day[48], tm[16];
	time_t d, today;
	int m;

	if (dt_parse_slot(st->job_start, &d, &m) != 0) {
		snprintf(buf, len, "soon");
		return;
	}
	today = dt_day_start(now);
	dt_say_time(m, tm, sizeof(tm));
	if (d == today) {
		snprintf(buf, len, "today at %s", tm);
	} else if (d == dt_add_days(today, 1)) {
		snprintf(buf, len, "tomorrow at %s", tm);
	} else {
		dt_say_day(d, day, sizeof(day));
		snprintf(buf, len, "on %s at %s", day, tm);
	}
}
