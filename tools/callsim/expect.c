/*
 * expect.c - the verdict on a call: outcome and appointments from the
 * gateway's call record, who hung up, transfers, turn latency and what the
 * caller heard; plus the JSON and text renderings of a result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eval.h"
#include "expect.h"
#include "heard.h"

static void check_heard(const struct scenario *sc, struct call_result *r);
static void check_record(const struct scenario *sc, struct call_result *r);

void
verdict_check(const struct scenario *sc, struct call_result *r)
{
	const struct expect *x = &sc->expect;
	size_t i;

	/* a persona says as many lines as the agent asks for */
	for (i = 0; i < sc->nturns && !r->cut_short && !sc->persona; i++) {
		if (r->turns[i].done || sc->turns[i].kind == TURN_WAIT ||
		    sc->turns[i].kind == TURN_HANGUP)
			continue;
		call_fail(r, "call ended before turn %zu (%s \"%s\")", i,
		    turn_kind_name(sc->turns[i].kind), sc->turns[i].text);
		break;
	}
	if (x->hangup_by && strcmp(x->hangup_by, r->hangup_by) != 0)
		call_fail(r, "hangup_by: expected %s, got %s", x->hangup_by,
		    r->hangup_by[0] ? r->hangup_by : "nobody");
	if (x->transferred >= 0 && x->transferred != r->transferred)
		call_fail(r, "transferred: expected %s, got %s",
		    x->transferred ? "true" : "false",
		    r->transferred ? "true" : "false");
	if (x->transfer_result &&
	    strcmp(x->transfer_result, r->transfer_result) != 0)
		call_fail(r, "transfer_result: expected %s, got %s",
		    x->transfer_result,
		    r->transfer_result[0] ? r->transfer_result : "none");
	for (i = 0; i < x->nwhisper_has; i++)
		if (r->whisper == NULL ||
		    strcasestr(r->whisper, x->whisper_has[i]) == NULL)
			call_fail(r,
			    "whisper_contains \"%s\": the staff member "
			    "heard \"%s\"",
			    x->whisper_has[i],
			    r->whisper ? r->whisper : "nothing");
	if (x->recorded >= 0 && x->recorded != r->recorded)
		call_fail(r, "recorded: expected %s, got %s",
		    x->recorded ? "true" : "false",
		    r->recorded ? "true" : "false");
	if (x->max_latency_ms > 0)
		for (i = 0; i < r->nturns; i++)
			if (r->turns[i].latency_ms > x->max_latency_ms)
				call_fail(r,
				    "turn %zu: latency %ld ms > %ld ms", i,
				    r->turns[i].latency_ms, x->max_latency_ms);
	if (x->nheard)
		check_heard(sc, r);
	if (x->outcome || x->appts_set)
		check_record(sc, r);
}

static void
check_heard(const struct scenario *sc, struct call_result *r)
{
	size_t i, k, any = 0;
	int found;

	if (r->greeting && *r->greeting)
		any++;
	for (i = 0; i < r->nturns; i++)
		if (r->turns[i].heard && *r->turns[i].heard)
			any++;
	if (any == 0) {
		call_fail(r, "heard_contains: nothing was transcribed");
		return;
	}
	for (k = 0; k < sc->expect.nheard; k++) {
		const char *ph = sc->expect.heard[k];
		found = r->greeting && heard_contains(r->greeting, ph);
		for (i = 0; !found && i < r->nturns; i++)
			found = r->turns[i].heard &&
			    heard_contains(r->turns[i].heard, ph);
		if (!found)
			call_fail(
			    r, "heard_contains: \"%s\" was not heard", ph);
	}
}

int
verdict_appt_match(const struct expect_appt *want, json_t *a)
{
	const char *svc = json_string_value(json_object_get(a, "service"));
	const char *start = json_string_value(json_object_get(a, "start"));
	const char *st = json_string_value(json_object_get(a, "status"));

	if (st &&
	    (strcasecmp(st, "cancelled") == 0 ||
	        strcasecmp(st, "canceled") == 0))
		return 0;
	if (want->service &&
	    (svc == NULL || strcasecmp(svc, want->service) != 0))
		return 0;
	if ((want->date || want->time) && (start == NULL || strlen(start) < 16))
		return 0;
	if (want->date && strncmp(start, want->date, 10) != 0)
		return 0;
	if (want->time && strncmp(start + 11, want->time, 5) != 0)
		return 0;
	return 1;
}

static void
check_record(const struct scenario *sc, struct call_result *r)
{
	const struct expect *x = &sc->expect;
	json_t *appts, *a;
	const char *out;
	size_t i, k;
	char *got;
	int found;

	if (r->record == NULL) {
		call_fail(r,
		    "no call record from the gateway to check outcome "
		    "/ appointments");
		return;
	}
	/* the whole record as stored: turns, tool calls' args and results */
	if ((got = json_dumps(r->record, JSON_COMPACT)) != NULL) {
		for (k = 0; k < x->nrec_has; k++)
			if (strcasestr(got, x->rec_has[k]) == NULL)
				call_fail(r,
				    "record_contains: \"%s\" not in "
				    "the call record",
				    x->rec_has[k]);
		for (k = 0; k < x->nrec_not; k++)
			if (strcasestr(got, x->rec_not[k]) != NULL)
				call_fail(r,
				    "record_excludes: \"%s\" is in "
				    "the call record",
				    x->rec_not[k]);
		free(got);
	}
	out = json_string_value(json_object_get(r->record, "outcome"));
	if (x->outcome && (out == NULL || strcasecmp(out, x->outcome) != 0))
		call_fail(r, "outcome: expected %s, got %s", x->outcome,
		    out ? out : "null");
	appts = json_object_get(r->record, "appointments");
	if (x->appts_set && x->nappts == 0) {
		struct expect_appt any = {NULL, NULL, NULL};
		json_array_foreach(appts, i, a) if (verdict_appt_match(&any, a))
		{
			got = json_dumps(a, JSON_COMPACT);
			call_fail(r, "appointments: expected none, got %s",
			    got ? got : "one");
			free(got);
			break;
		}
	}
	for (k = 0; k < x->nappts; k++) {
		found = 0;
		json_array_foreach(appts, i,
		    a) if (verdict_appt_match(&x->appts[k], a)) found = 1;
		if (found)
			continue;
		got = appts ? json_dumps(appts, JSON_COMPACT) : NULL;
		call_fail(r, "appointment %s %s %s not booked (record has %s)",
		    x->appts[k].service ? x->appts[k].service : "(any)",
		    x->appts[k].date ? x->appts[k].date : "",
		    x->appts[k].time ? x->appts[k].time : "",
		    got ? got : "none");
		free(got);
	}
}

json_t *
result_json(const struct scenario *sc, const struct call_result *r)
{
	json_t *j, *turns, *fails, *segs, *t;
	size_t i;

	j = json_pack("{s:s, s:s, s:b, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "name", sc->name, "call_sid", r->call_sid, "passed", r->nfail == 0,
	    "hangup_by", r->hangup_by, "transferred", r->transferred,
	    "duration_ms", (json_int_t)r->duration_ms, "answer_ms",
	    (json_int_t)r->answer_ms, "media_rx", (json_int_t)r->media_rx,
	    "media_tx", (json_int_t)r->media_tx, "marks_echoed",
	    (json_int_t)r->marks_echoed, "clears", (json_int_t)r->clears);
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "reason", json_string(eval_reason(r)));
	json_object_set_new(j, "metrics", eval_call(sc, r));
	if (r->transfer_to[0])
		json_object_set_new(
		    j, "transfer_to", json_string(r->transfer_to));
	if (r->transfer_result[0])
		json_object_set_new(
		    j, "transfer_result", json_string(r->transfer_result));
	if (r->whisper)
		json_object_set_new(j, "whisper", json_string(r->whisper));
	if (r->resumed)
		json_object_set_new(j, "resumed", json_true());
	if (r->recorded)
		json_object_set_new(j, "recorded", json_true());
	json_object_set_new(
	    j, "greeting", json_string(r->greeting ? r->greeting : ""));
	turns = json_array();
	for (i = 0; i < r->nturns; i++) {
		const struct turn *st = &sc->turns[i];
		t = json_pack("{s:s, s:b, s:I, s:I, s:I}", "kind",
		    turn_kind_name(st->kind), "done", r->turns[i].done,
		    "latency_ms", (json_int_t)r->turns[i].latency_ms,
		    "start_ms", (json_int_t)r->turns[i].start_ms, "end_ms",
		    (json_int_t)r->turns[i].end_ms);
		if (t && st->barge_in) {
			json_object_set_new(t, "barge_in", json_true());
			json_object_set_new(t, "bargein_ms",
			    json_integer(r->turns[i].bargein_ms));
		}
		if (t && r->turns[i].cutoff)
			json_object_set_new(t, "cutoff", json_true());
		if (t && r->turns[i].heard)
			json_object_set_new(t, "reprompt",
			    json_boolean(eval_reprompt(r->turns[i].heard)));
		if (t == NULL)
			continue;
		if (st->text || r->turns[i].said)
			json_object_set_new(t, "said",
			    json_string(
			        st->text ? st->text : r->turns[i].said));
		if (r->turns[i].cue)
			json_object_set_new(
			    t, "cue", json_string(r->turns[i].cue));
		json_object_set_new(t, "heard",
		    json_string(r->turns[i].heard ? r->turns[i].heard : ""));
		json_array_append_new(turns, t);
	}
	json_object_set_new(j, "turns", turns);
	segs = json_array();
	for (i = 0; i < r->nsegs; i++)
		json_array_append_new(segs,
		    json_pack("[I,I]", (json_int_t)r->segs[i].start_ms,
		        (json_int_t)r->segs[i].end_ms));
	json_object_set_new(j, "agent_audio", segs);
	fails = json_array();
	for (i = 0; i < r->nfail; i++)
		json_array_append_new(fails, json_string(r->failures[i]));
	json_object_set_new(j, "failures", fails);
	if (r->record)
		json_object_set(j, "record", r->record);
	return j;
}

void
result_print(FILE *f, const struct scenario *sc, const struct call_result *r)
{
	size_t i;

	fprintf(f, "== %s  (%s)\n", sc->name, r->call_sid);
	if (r->answer_ms >= 0)
		fprintf(f, "   agent    %s  [first audio after %ld ms]\n",
		    r->greeting ? r->greeting : "", r->answer_ms);
	for (i = 0; i < r->nturns; i++) {
		const struct turn *st = &sc->turns[i];
		const struct turn_result *tr = &r->turns[i];
		switch (st->kind) {
		case TURN_WAIT:
			fprintf(f, "   caller   (waits %d ms)\n", st->wait_ms);
			continue;
		case TURN_HANGUP:
			fprintf(f, "   caller   (%s)\n",
			    tr->done ? "hangs up" : "did not get to hang up");
			continue;
		case TURN_DTMF:
			fprintf(f, "   caller   [dtmf %s]%s\n", st->text,
			    tr->done ? "" : "  (not reached)");
			break;
		case TURN_SAY:
			if (st->text == NULL && tr->said == NULL)
				continue; /* a persona's unused turn */
			fprintf(f, "   caller   %s%s%s\n",
			    st->barge_in ? "(barge-in) " : "",
			    st->text ? st->text : tr->said,
			    tr->done ? "" : "  (not reached)");
			break;
		}
		if (tr->bargein_ms >= 0)
			fprintf(f,
			    "   (clear %ld ms after the caller started "
			    "talking)\n",
			    tr->bargein_ms);
		if (tr->latency_ms >= 0)
			fprintf(f, "   agent    %s  [%ld ms]%s\n",
			    tr->heard ? tr->heard : "", tr->latency_ms,
			    eval_reprompt(tr->heard) ? "  (re-prompt)" : "");
		else if (tr->done)
			fprintf(f, "   agent    (no reply)\n");
	}
	fprintf(f,
	    "   hangup by %s%s%s, %ld.%01ld s, media %u out / %u in, "
	    "%u marks echoed, %u clears\n",
	    r->hangup_by[0] ? r->hangup_by : "nobody",
	    r->transferred ? ", transferred to " : "", r->transfer_to,
	    r->duration_ms / 1000, r->duration_ms % 1000 / 100, r->media_tx,
	    r->media_rx, r->marks_echoed, r->clears);
	if (r->record)
		fprintf(f, "   outcome  %s\n",
		    json_string_value(json_object_get(r->record, "outcome"))
		        ? json_string_value(
		              json_object_get(r->record, "outcome"))
		        : "(none)");
	for (i = 0; i < r->nfail; i++)
		fprintf(f, "   FAIL     %s\n", r->failures[i]);
	fprintf(f, "   %s\n", r->nfail ? "FAILED" : "PASSED");
}
