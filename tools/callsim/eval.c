/*
 * eval.c - metrics of finished calls for the evaluation harness: per call
 * (eval_call) and over a run (eval_summary).  Reads only what callsim
 * measured on the wire and the call record the gateway's API returned.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eval.h"
#include "heard.h"

/* What an agent says when it did not understand (normalised as
 * heard_normalise does: lower case, no apostrophes). */
static const char *const reprompts[] = {"didnt catch", "didnt quite get",
    "didnt get the whole", "didnt get that", "didnt understand",
    "say that again", "could you repeat", "can you repeat", "please repeat",
    "a yes or a no", "couldnt match that", "not sure what you", "sorry what",
    NULL};

struct dvec {
	double *v;
	size_t n, cap;
};

static void dv_add(struct dvec *d, double x);
static json_t *dv_json(const struct dvec *d);
static void put_pct(json_t *o, const char *key, struct dvec *d, double p);

int
eval_reprompt(const char *text)
{
	char *norm, *pad;
	size_t i;
	int hit = 0;

	if (text == NULL || *text == '\0' ||
	    (norm = heard_normalise(text)) == NULL)
		return 0;
	if (asprintf(&pad, " %s ", norm) < 0) {
		free(norm);
		return 0;
	}
	for (i = 0; reprompts[i] && !hit; i++) {
		char pat[64];
		snprintf(pat, sizeof(pat), " %s ", reprompts[i]);
		hit = strstr(pad, pat) != NULL;
	}
	free(pad);
	free(norm);
	return hit;
}

const char *
eval_reason(const struct call_result *r)
{
	return r->nfail ? r->failures[0] : "";
}

/* Agent turns of the call record, or what callsim heard per turn when
 * there is no record. */
static void
count_reprompts(
    const struct call_result *r, unsigned *replies, unsigned *misses)
{
	json_t *turns = json_object_get(r->record, "turns"), *t;
	const char *role;
	size_t i;

	*replies = *misses = 0;
	if (json_array_size(turns) > 0) {
		json_array_foreach(turns, i, t)
		{
			role = json_string_value(json_object_get(t, "role"));
			if (role == NULL || strcmp(role, "agent") != 0)
				continue;
			(*replies)++;
			*misses += eval_reprompt(
			    json_string_value(json_object_get(t, "text")));
		}
		return;
	}
	for (i = 0; i < r->nturns; i++) {
		if (r->turns[i].heard == NULL || !*r->turns[i].heard)
			continue;
		(*replies)++;
		*misses += eval_reprompt(r->turns[i].heard);
	}
}

json_t *
eval_call(const struct scenario *sc, const struct call_result *r)
{
	struct dvec v2v = {0}, barge = {0}, tms = {0}, jit = {0};
	json_t *j, *tools, *tc, *x;
	unsigned replies, misses, bargeins = 0, terr = 0, cutoffs = 0;
	const char *name;
	size_t i;

	for (i = 0; i < r->nturns && i < sc->nturns; i++) {
		if (sc->turns[i].kind == TURN_SAY &&
		    r->turns[i].latency_ms >= 0)
			dv_add(&v2v, (double)r->turns[i].latency_ms);
		cutoffs += r->turns[i].cutoff != 0;
		if (sc->turns[i].barge_in && r->turns[i].done) {
			bargeins++;
			if (r->turns[i].bargein_ms >= 0)
				dv_add(&barge, (double)r->turns[i].bargein_ms);
		}
	}
	count_reprompts(r, &replies, &misses);
	tools = json_object();
	tc = json_object_get(r->record, "tool_calls");
	json_array_foreach(tc, i, x)
	{
		name = json_string_value(json_object_get(x, "tool"));
		if (json_is_false(json_object_get(x, "ok")))
			terr++;
		if (json_is_number(json_object_get(x, "latency_ms")))
			dv_add(&tms,
			    json_number_value(
			        json_object_get(x, "latency_ms")));
		if (name && tools)
			json_object_set_new(tools, name,
			    json_integer(json_integer_value(
			                     json_object_get(tools, name)) +
			        1));
	}
	for (i = 0; i < r->njitter; i++)
		dv_add(&jit, r->jitter_us[i] / 1000.0);
	j = json_pack("{s:I, s:o, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:o, "
	              "s:o?, s:I}",
	    "first_word_ms", (json_int_t)r->answer_ms, "v2v_ms", dv_json(&v2v),
	    "bargeins", (json_int_t)bargeins, "bargein_ms", dv_json(&barge),
	    "clears", (json_int_t)r->clears, "misrecognitions",
	    (json_int_t)misses, "agent_replies", (json_int_t)replies,
	    "tool_calls", (json_int_t)json_array_size(tc), "tool_errors",
	    (json_int_t)terr, "tool_ms", dv_json(&tms), "tools", tools,
	    "underruns", (json_int_t)r->underruns);
	if (j) {
		put_pct(j, "jitter_ms_p99", &jit, 99);
		json_object_set_new(j, "cutoffs", json_integer(cutoffs));
	}
	free(v2v.v);
	free(barge.v);
	free(tms.v);
	free(jit.v);
	return j;
}

/* The caller said yes to a read-back of a booking. */
static int
agreed_booking(const struct call_result *r)
{
	size_t k;

	for (k = 0; k + 1 < r->nturns; k++)
		if (r->turns[k + 1].cue && r->turns[k + 1].said &&
		    strncmp(r->turns[k + 1].cue, "[confirm]", 9) == 0 &&
		    strstr(r->turns[k + 1].cue, "book") &&
		    strncasecmp(r->turns[k + 1].said, "yes", 3) == 0)
			return 1;
	return 0;
}

/* The caller said one of the words the record must contain. */
static int
said_any(const struct scenario *sc, const struct call_result *r)
{
	size_t k, w;

	for (k = 0; k < r->nturns; k++)
		for (w = 0; r->turns[k].said && w < sc->expect.nrec_has; w++)
			if (strcasestr(r->turns[k].said, sc->expect.rec_has[w]))
				return 1;
	return 0;
}

/* A generated population's figures: calls and passes per class
 * (persona.class), what the caller gave that the record does not hold
 * (a booking they said yes to, not booked; a message they said, not
 * kept), and actions
 * taken that the caller did not agree to (a booking or a transfer the
 * scenario says must not happen). */
static void
population(const struct scenario *const *sc, const struct call_result *const *r,
    size_t n, json_t **classes, json_int_t *lost, json_int_t *unconfirmed)
{
	json_t *c;
	size_t i, k;
	const char *f;

	*classes = json_object();
	*lost = *unconfirmed = 0;
	for (i = 0; i < n; i++) {
		if (sc[i] == NULL || r[i] == NULL || sc[i]->klass == NULL ||
		    *classes == NULL)
			continue;
		if ((c = json_object_get(*classes, sc[i]->klass)) == NULL) {
			c = json_pack("{s:i, s:i}", "calls", 0, "passed", 0);
			json_object_set_new(*classes, sc[i]->klass, c);
		}
		json_object_set_new(c, "calls",
		    json_integer(
		        json_integer_value(json_object_get(c, "calls")) + 1));
		json_object_set_new(c, "passed",
		    json_integer(
		        json_integer_value(json_object_get(c, "passed")) +
		        (r[i]->nfail == 0)));
		for (k = 0; k < r[i]->nfail; k++) {
			f = r[i]->failures[k];
			if ((strncmp(f, "appointment ", 12) == 0 &&
			        agreed_booking(r[i])) ||
			    (strncmp(f, "record_contains", 15) == 0 &&
			        said_any(sc[i], r[i])))
				(*lost)++;
			else if (strncmp(f, "appointments: expected none",
			             27) == 0 ||
			    strncmp(f, "transferred: expected false", 27) == 0)
				(*unconfirmed)++;
		}
	}
}

json_t *
eval_summary(const struct scenario *const *sc,
    const struct call_result *const *r, size_t n)
{
	struct dvec v2v = {0}, fw = {0}, barge = {0}, tms = {0}, jit = {0};
	unsigned long passed = 0, misses = 0, replies = 0, bargeins = 0;
	unsigned long tcalls = 0, terr = 0, clears = 0, underruns = 0;
	unsigned long turns = 0, noreply = 0, frames_rx = 0, cutoffs = 0;
	unsigned long quiet_turns = 0;
	json_t *m, *x, *out, *classes;
	json_int_t lost, unconfirmed;
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (sc[i] == NULL || r[i] == NULL)
			continue;
		passed += r[i]->nfail == 0;
		for (k = 0; k < r[i]->njitter; k++)
			dv_add(&jit, r[i]->jitter_us[k] / 1000.0);
		for (k = 0; k < r[i]->nturns && k < sc[i]->nturns; k++) {
			if (sc[i]->turns[k].kind != TURN_SAY ||
			    !r[i]->turns[k].done)
				continue;
			turns++;
			noreply += r[i]->turns[k].latency_ms < 0;
			/* of the turns spoken to a quiet agent */
			if (sc[i]->turns[k].barge_in)
				continue;
			quiet_turns++;
			cutoffs += r[i]->turns[k].cutoff != 0;
		}
		if ((m = eval_call(sc[i], r[i])) == NULL)
			continue;
		json_array_foreach(json_object_get(m, "v2v_ms"), k, x)
		    dv_add(&v2v, json_number_value(x));
		json_array_foreach(json_object_get(m, "bargein_ms"), k, x)
		    dv_add(&barge, json_number_value(x));
		json_array_foreach(json_object_get(m, "tool_ms"), k, x)
		    dv_add(&tms, json_number_value(x));
		if (r[i]->answer_ms >= 0)
			dv_add(&fw, (double)r[i]->answer_ms);
		misses +=
		    json_integer_value(json_object_get(m, "misrecognitions"));
		replies +=
		    json_integer_value(json_object_get(m, "agent_replies"));
		bargeins += json_integer_value(json_object_get(m, "bargeins"));
		tcalls += json_integer_value(json_object_get(m, "tool_calls"));
		terr += json_integer_value(json_object_get(m, "tool_errors"));
		clears += r[i]->clears;
		underruns += r[i]->underruns;
		frames_rx += r[i]->media_rx;
		json_decref(m);
	}
	population(sc, r, n, &classes, &lost, &unconfirmed);
	out = json_pack("{s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:I, "
	                "s:I, s:I, s:I, s:I}",
	    "calls", (json_int_t)n, "passed", (json_int_t)passed, "failed",
	    (json_int_t)(n - passed), "task_completion_pct",
	    n ? 100.0 * (double)passed / (double)n : 0.0, "caller_turns",
	    (json_int_t)turns, "turns_without_reply", (json_int_t)noreply,
	    "misrecognitions", (json_int_t)misses, "agent_replies",
	    (json_int_t)replies, "bargeins", (json_int_t)bargeins, "clears",
	    (json_int_t)clears, "tool_calls", (json_int_t)tcalls, "tool_errors",
	    (json_int_t)terr, "underruns", (json_int_t)underruns, "v2v_samples",
	    (json_int_t)v2v.n);
	if (out == NULL) {
		json_decref(classes);
		goto done;
	}
	if (json_object_size(classes)) {
		json_object_set_new(out, "classes", classes);
		json_object_set_new(out, "lost_items", json_integer(lost));
		json_object_set_new(
		    out, "unconfirmed_actions", json_integer(unconfirmed));
	} else
		json_decref(classes);
	json_object_set_new(
	    out, "frames_rx", json_integer((json_int_t)frames_rx));
	json_object_set_new(out, "cutoffs", json_integer((json_int_t)cutoffs));
	json_object_set_new(out, "cutoff_pct",
	    json_real(quiet_turns
	            ? 100.0 * (double)cutoffs / (double)quiet_turns
	            : 0.0));
	json_object_set_new(out, "misrecognition_pct",
	    json_real(
	        replies ? 100.0 * (double)misses / (double)replies : 0.0));
	put_pct(out, "v2v_ms_p50", &v2v, 50);
	put_pct(out, "v2v_ms_p95", &v2v, 95);
	put_pct(out, "first_word_ms_p50", &fw, 50);
	put_pct(out, "first_word_ms_p95", &fw, 95);
	put_pct(out, "bargein_ms_p50", &barge, 50);
	put_pct(out, "bargein_ms_p95", &barge, 95);
	put_pct(out, "tool_ms_p50", &tms, 50);
	put_pct(out, "tool_ms_p95", &tms, 95);
	put_pct(out, "jitter_ms_p99", &jit, 99);
done:
	free(v2v.v);
	free(fw.v);
	free(barge.v);
	free(tms.v);
	free(jit.v);
	return out;
}

void
eval_print(FILE *f, const json_t *s)
{
#define I(k) ((long long)json_integer_value(json_object_get(s, k)))
#define D(k) (json_number_value(json_object_get(s, k)))
	fprintf(f, "task completion   %.1f%%  (%lld of %lld calls)\n",
	    D("task_completion_pct"), I("passed"), I("calls"));
	fprintf(f,
	    "voice-to-voice    p50 %.0f ms  p95 %.0f ms  (%lld turns, "
	    "%lld without a reply)\n",
	    D("v2v_ms_p50"), D("v2v_ms_p95"), I("v2v_samples"),
	    I("turns_without_reply"));
	fprintf(f, "first word        p50 %.0f ms  p95 %.0f ms\n",
	    D("first_word_ms_p50"), D("first_word_ms_p95"));
	fprintf(f,
	    "cut-offs          %lld turns (%.1f%%): the agent spoke while the "
	    "caller was mid-turn\n",
	    I("cutoffs"), D("cutoff_pct"));
	fprintf(f,
	    "misrecognitions   %lld of %lld agent replies were "
	    "re-prompts (%.1f%%)\n",
	    I("misrecognitions"), I("agent_replies"), D("misrecognition_pct"));
	fprintf(f,
	    "barge-ins         %lld, %lld clears, speech -> clear p50 "
	    "%.0f ms p95 %.0f ms\n",
	    I("bargeins"), I("clears"), D("bargein_ms_p50"),
	    D("bargein_ms_p95"));
	fprintf(f,
	    "tool calls        %lld (%lld errors), latency p50 %.1f ms "
	    "p95 %.1f ms\n",
	    I("tool_calls"), I("tool_errors"), D("tool_ms_p50"),
	    D("tool_ms_p95"));
	fprintf(f, "outbound audio    %lld underruns, jitter p99 %.1f ms\n",
	    I("underruns"), D("jitter_ms_p99"));
#undef I
#undef D
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
eval_pct(double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_d);
	k = (size_t)ceil(p / 100.0 * (double)n);
	if (k < 1)
		k = 1;
	return v[(k > n ? n : k) - 1];
}

static void
dv_add(struct dvec *d, double x)
{
	double *nv;

	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 64;
		if ((nv = realloc(d->v, ncap * sizeof(*nv))) == NULL)
			return;
		d->v = nv;
		d->cap = ncap;
	}
	d->v[d->n++] = x;
}

static json_t *
dv_json(const struct dvec *d)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < d->n; i++)
		json_array_append_new(a,
		    d->v[i] == floor(d->v[i])
		        ? json_integer((json_int_t)d->v[i])
		        : json_real(d->v[i]));
	return a;
}

static void
put_pct(json_t *o, const char *key, struct dvec *d, double p)
{
	double v = eval_pct(d->v, d->n, p);

	json_object_set_new(o, key,
	    v == floor(v) ? json_integer((json_int_t)v)
	                  : json_real(round(v * 1000) / 1000));
}
