/*
 * scenario.c - reads and validates callsim scenario files (JSON).  Strict:
 * an unknown key, a turn with two actions or a malformed date is an error,
 * so a typo in a test never silently weakens it.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "clock.h"
#include "persona.h"
#include "scenario.h"

static int only_keys(json_t *o, const char *const *keys, const char *where,
    char *err, size_t errlen);
static int get_str(json_t *o, const char *key, int required, char **out,
    const char *where, char *err, size_t errlen);
static int parse_turn(
    json_t *t, size_t i, struct turn *out, char *err, size_t errlen);
static int parse_expect(json_t *e, struct expect *x, char *err, size_t errlen);
static int parse_line(json_t *o, struct line_cond *l, char *err, size_t errlen);
static int seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *const top_keys[] = {"name", "description", "caller", "to",
    "now", "turns", "expect", "persona", "line", "staff", NULL};
static const char *const line_keys[] = {
    "snr_db", "loss_every", "gain_db", "speed", NULL};
static const char *const staff_answers[] = {
    "accept", "decline", "no-key", "no-answer", "busy", "fail", NULL};
static const char *const caller_keys[] = {"from", "voice", NULL};
static const char *const turn_keys[] = {
    "say", "dtmf", "wait_ms", "hangup", "barge_in", "comment", NULL};
static const char *const expect_keys[] = {"outcome", "hangup_by",
    "heard_contains", "appointments", "transferred", "max_turn_latency_ms",
    "record_contains", "record_excludes", "transfer_result", "whisper_contains",
    "recorded", NULL};
static const char *const appt_keys[] = {"service", "date", "time", NULL};
static const char *const voices[] = {"kal", "slt", "awb", "rms", NULL};

struct scenario *
scenario_parse(const char *text, char *err, size_t errlen)
{
	struct scenario *s;
	json_error_t je;
	json_t *root, *caller, *turns, *t;
	size_t i;
	int ok = 0;

	if ((root = json_loads(text, 0, &je)) == NULL) {
		seterr(
		    err, errlen, "bad JSON at line %d: %s", je.line, je.text);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		json_decref(root);
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	s->expect.transferred = -1;
	s->expect.max_latency_ms = -1;
	s->expect.recorded = -1;
	if (!json_is_object(root)) {
		seterr(err, errlen, "top level must be an object");
		goto out;
	}
	if (only_keys(root, top_keys, "scenario", err, errlen) ||
	    get_str(root, "name", 1, &s->name, "scenario", err, errlen) ||
	    get_str(root, "to", 0, &s->to, "scenario", err, errlen) ||
	    get_str(root, "now", 0, &s->now, "scenario", err, errlen) ||
	    get_str(root, "staff", 0, &s->staff, "scenario", err, errlen))
		goto out;
	if (s->staff) {
		for (i = 0;
		     staff_answers[i] && strcmp(staff_answers[i], s->staff);
		     i++)
			;
		if (staff_answers[i] == NULL) {
			seterr(err, errlen,
			    "staff: \"%s\" is not one of accept, "
			    "decline, no-key, no-answer, busy, fail",
			    s->staff);
			goto out;
		}
	}
	if (s->now) {
		time_t tt;
		if (fd_time_parse(s->now, &tt) != 0 || strlen(s->now) < 16) {
			seterr(err, errlen,
			    "now: want YYYY-MM-DDTHH:MM:SS, got "
			    "\"%s\"",
			    s->now);
			goto out;
		}
	}
	caller = json_object_get(root, "caller");
	if (!json_is_object(caller)) {
		seterr(err, errlen, "caller: missing or not an object");
		goto out;
	}
	if (only_keys(caller, caller_keys, "caller", err, errlen) ||
	    get_str(caller, "from", 1, &s->from, "caller", err, errlen) ||
	    get_str(caller, "voice", 0, &s->voice, "caller", err, errlen))
		goto out;
	if (s->voice) {
		for (i = 0; voices[i] && strcmp(voices[i], s->voice); i++)
			;
		if (voices[i] == NULL) {
			seterr(err, errlen,
			    "caller.voice: \"%s\" is not one of "
			    "kal, slt, awb, rms",
			    s->voice);
			goto out;
		}
	} else if ((s->voice = strdup("kal")) == NULL)
		goto oom;
	if (s->to == NULL && (s->to = strdup("+15555550100")) == NULL)
		goto oom;
	s->line.speed = 1.0;
	if ((t = json_object_get(root, "line")) != NULL &&
	    parse_line(t, &s->line, err, errlen))
		goto out;
	if ((t = json_object_get(root, "persona")) != NULL) {
		if (json_object_get(root, "turns")) {
			seterr(
			    err, errlen, "give turns or a persona, not both");
			goto out;
		}
		if ((s->persona = persona_parse(t, err, errlen)) == NULL)
			goto out;
		if (json_is_string(json_object_get(t, "class")) &&
		    (s->klass = strdup(json_string_value(
		         json_object_get(t, "class")))) == NULL)
			goto oom;
		s->nturns = PERSONA_MAX_TURNS;
		if ((s->turns = calloc(s->nturns, sizeof(*s->turns))) == NULL)
			goto oom;
		for (i = 0; i < s->nturns; i++)
			s->turns[i].barge_in =
			    (long)i == s->persona->barge_turn;
		goto expect;
	}
	turns = json_object_get(root, "turns");
	if (!json_is_array(turns) || json_array_size(turns) == 0) {
		seterr(err, errlen, "turns: missing or empty");
		goto out;
	}
	s->nturns = json_array_size(turns);
	if ((s->turns = calloc(s->nturns, sizeof(*s->turns))) == NULL)
		goto oom;
	json_array_foreach(turns, i, t)
	{
		if (parse_turn(t, i, &s->turns[i], err, errlen))
			goto out;
	}
expect:
	if ((t = json_object_get(root, "expect")) != NULL &&
	    parse_expect(t, &s->expect, err, errlen))
		goto out;
	/* a persona wants the one appointment its call must end with */
	if (s->persona && s->expect.nappts == 1)
		persona_want(s->persona, s->expect.appts[0].date,
		    s->expect.appts[0].time);
	ok = 1;
	goto out;
oom:
	seterr(err, errlen, "out of memory");
out:
	json_decref(root);
	if (!ok) {
		scenario_free(s);
		return NULL;
	}
	return s;
}

struct scenario *
scenario_load(const char *path, char *err, size_t errlen)
{
	struct scenario *s;
	char *buf = NULL, sub[256];
	size_t len = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		seterr(err, errlen, "%s: cannot open", path);
		return NULL;
	}
	{
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
			char *nb = realloc(buf, len + n + 1);
			if (nb == NULL || len + n > (1u << 20)) {
				free(nb ? nb : buf);
				fclose(f);
				seterr(err, errlen, "%s: too large", path);
				return NULL;
			}
			buf = nb;
			memcpy(buf + len, chunk, n);
			len += n;
		}
	}
	fclose(f);
	if (buf == NULL) {
		seterr(err, errlen, "%s: empty file", path);
		return NULL;
	}
	buf[len] = '\0';
	s = scenario_parse(buf, sub, sizeof(sub));
	free(buf);
	if (s == NULL)
		seterr(err, errlen, "%s: %s", path, sub);
	return s;
}

void
scenario_free(struct scenario *s)
{
	size_t i;

	if (s == NULL)
		return;
	free(s->name);
	free(s->from);
	free(s->to);
	free(s->voice);
	free(s->now);
	persona_free(s->persona);
	free(s->klass);
	free(s->staff);
	free(s->expect.transfer_result);
	for (i = 0; i < s->expect.nwhisper_has; i++)
		free(s->expect.whisper_has[i]);
	free(s->expect.whisper_has);
	for (i = 0; i < s->nturns; i++) {
		free(s->turns[i].text);
		free(s->turns[i].audio);
	}
	free(s->turns);
	free(s->expect.outcome);
	free(s->expect.hangup_by);
	for (i = 0; i < s->expect.nheard; i++)
		free(s->expect.heard[i]);
	free(s->expect.heard);
	for (i = 0; i < s->expect.nrec_has; i++)
		free(s->expect.rec_has[i]);
	free(s->expect.rec_has);
	for (i = 0; i < s->expect.nrec_not; i++)
		free(s->expect.rec_not[i]);
	free(s->expect.rec_not);
	for (i = 0; i < s->expect.nappts; i++) {
		free(s->expect.appts[i].service);
		free(s->expect.appts[i].date);
		free(s->expect.appts[i].time);
	}
	free(s->expect.appts);
	free(s);
}

const char *
turn_kind_name(enum turn_kind k)
{
	switch (k) {
	case TURN_SAY:
		return "say";
	case TURN_DTMF:
		return "dtmf";
	case TURN_WAIT:
		return "wait";
	case TURN_HANGUP:
		return "hangup";
	}
	return "?";
}

static int
parse_turn(json_t *t, size_t i, struct turn *out, char *err, size_t errlen)
{
	char where[32];
	json_t *v;
	int actions = 0;
	const char *p;

	snprintf(where, sizeof(where), "turns[%zu]", i);
	if (!json_is_object(t))
		return seterr(err, errlen, "%s: not an object", where);
	if (only_keys(t, turn_keys, where, err, errlen))
		return -1;
	if ((v = json_object_get(t, "say")) != NULL) {
		actions++;
		out->kind = TURN_SAY;
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > 1000)
			return seterr(err, errlen,
			    "%s.say: want a non-empty "
			    "string (at most 1000 chars)",
			    where);
		if ((out->text = strdup(json_string_value(v))) == NULL)
			return seterr(err, errlen, "out of memory");
	}
	if ((v = json_object_get(t, "dtmf")) != NULL) {
		actions++;
		out->kind = TURN_DTMF;
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > 32)
			return seterr(
			    err, errlen, "%s.dtmf: want 1-32 digits", where);
		for (p = json_string_value(v); *p; p++)
			if (!strchr("0123456789*#ABCD", *p))
				return seterr(err, errlen,
				    "%s.dtmf: '%c' is not "
				    "a DTMF digit",
				    where, *p);
		free(out->text);
		if ((out->text = strdup(json_string_value(v))) == NULL)
			return seterr(err, errlen, "out of memory");
	}
	if ((v = json_object_get(t, "wait_ms")) != NULL) {
		actions++;
		out->kind = TURN_WAIT;
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 600000)
			return seterr(err, errlen,
			    "%s.wait_ms: want an integer "
			    "0..600000",
			    where);
		out->wait_ms = (int)json_integer_value(v);
	}
	if ((v = json_object_get(t, "hangup")) != NULL) {
		actions++;
		out->kind = TURN_HANGUP;
		if (!json_is_true(v))
			return seterr(
			    err, errlen, "%s.hangup: must be true", where);
	}
	if (actions != 1)
		return seterr(err, errlen,
		    "%s: want exactly one of say, dtmf, "
		    "wait_ms, hangup (found %d)",
		    where, actions);
	if ((v = json_object_get(t, "barge_in")) != NULL) {
		if (!json_is_boolean(v))
			return seterr(err, errlen,
			    "%s.barge_in: want true or "
			    "false",
			    where);
		if (json_is_true(v) && out->kind != TURN_SAY &&
		    out->kind != TURN_HANGUP)
			return seterr(err, errlen,
			    "%s.barge_in: only for say or "
			    "hangup turns",
			    where);
		out->barge_in = json_is_true(v);
	}
	return 0;
}

static int
valid_hhmm(const char *s)
{
	return strlen(s) == 5 && isdigit((unsigned char)s[0]) &&
	    isdigit((unsigned char)s[1]) && s[2] == ':' &&
	    isdigit((unsigned char)s[3]) && isdigit((unsigned char)s[4]) &&
	    atoi(s) < 24 && atoi(s + 3) < 60;
}

/* expect.<key>: an optional array of non-empty strings into *out. */
static int
get_strs(json_t *e, const char *key, char ***out, size_t *n, char *err,
    size_t errlen)
{
	json_t *v, *a;
	size_t i;

	if ((v = json_object_get(e, key)) == NULL)
		return 0;
	if (!json_is_array(v))
		return seterr(err, errlen,
		    "expect.%s: want an array of "
		    "strings",
		    key);
	*n = json_array_size(v);
	if (*n && (*out = calloc(*n, sizeof(**out))) == NULL)
		return seterr(err, errlen, "out of memory");
	json_array_foreach(v, i, a)
	{
		if (!json_is_string(a) || json_string_length(a) == 0)
			return seterr(err, errlen,
			    "expect.%s[%zu]: want a "
			    "non-empty string",
			    key, i);
		if (((*out)[i] = strdup(json_string_value(a))) == NULL)
			return seterr(err, errlen, "out of memory");
	}
	return 0;
}

static int
parse_expect(json_t *e, struct expect *x, char *err, size_t errlen)
{
	json_t *v, *a;
	size_t i;
	time_t tt;

	if (!json_is_object(e))
		return seterr(err, errlen, "expect: not an object");
	if (only_keys(e, expect_keys, "expect", err, errlen) ||
	    get_str(e, "outcome", 0, &x->outcome, "expect", err, errlen) ||
	    get_str(e, "hangup_by", 0, &x->hangup_by, "expect", err, errlen))
		return -1;
	if (x->hangup_by && strcmp(x->hangup_by, "agent") &&
	    strcmp(x->hangup_by, "caller"))
		return seterr(err, errlen,
		    "expect.hangup_by: want \"agent\" or "
		    "\"caller\"");
	if ((v = json_object_get(e, "transferred")) != NULL) {
		if (!json_is_boolean(v))
			return seterr(err, errlen,
			    "expect.transferred: want "
			    "true or false");
		x->transferred = json_is_true(v);
	}
	if ((v = json_object_get(e, "max_turn_latency_ms")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return seterr(err, errlen,
			    "expect.max_turn_latency_ms: "
			    "want a positive integer");
		x->max_latency_ms = (long)json_integer_value(v);
	}
	if (get_strs(e, "record_contains", &x->rec_has, &x->nrec_has, err,
	        errlen) != 0 ||
	    get_strs(e, "record_excludes", &x->rec_not, &x->nrec_not, err,
	        errlen) != 0 ||
	    get_strs(e, "whisper_contains", &x->whisper_has, &x->nwhisper_has,
	        err, errlen) != 0 ||
	    get_str(e, "transfer_result", 0, &x->transfer_result, "expect", err,
	        errlen))
		return -1;
	if ((v = json_object_get(e, "recorded")) != NULL) {
		if (!json_is_boolean(v))
			return seterr(err, errlen,
			    "expect.recorded: want true "
			    "or false");
		x->recorded = json_is_true(v);
	}
	if ((v = json_object_get(e, "heard_contains")) != NULL) {
		if (!json_is_array(v))
			return seterr(err, errlen,
			    "expect.heard_contains: want "
			    "an array of strings");
		x->nheard = json_array_size(v);
		if (x->nheard &&
		    (x->heard = calloc(x->nheard, sizeof(*x->heard))) == NULL)
			return seterr(err, errlen, "out of memory");
		json_array_foreach(v, i, a)
		{
			if (!json_is_string(a) || json_string_length(a) == 0)
				return seterr(err, errlen,
				    "expect.heard_contains"
				    "[%zu]: want a non-empty string",
				    i);
			if ((x->heard[i] = strdup(json_string_value(a))) ==
			    NULL)
				return seterr(err, errlen, "out of memory");
		}
	}
	if ((v = json_object_get(e, "appointments")) != NULL) {
		if (!json_is_array(v))
			return seterr(err, errlen,
			    "expect.appointments: want an "
			    "array");
		x->appts_set = 1;
		x->nappts = json_array_size(v);
		if (x->nappts &&
		    (x->appts = calloc(x->nappts, sizeof(*x->appts))) == NULL)
			return seterr(err, errlen, "out of memory");
		json_array_foreach(v, i, a)
		{
			char where[64];
			struct expect_appt *ap = &x->appts[i];
			snprintf(where, sizeof(where),
			    "expect.appointments[%zu]", i);
			if (!json_is_object(a))
				return seterr(
				    err, errlen, "%s: not an object", where);
			if (only_keys(a, appt_keys, where, err, errlen) ||
			    get_str(a, "service", 0, &ap->service, where, err,
			        errlen) ||
			    get_str(
			        a, "date", 0, &ap->date, where, err, errlen) ||
			    get_str(
			        a, "time", 0, &ap->time, where, err, errlen))
				return -1;
			if (ap->date &&
			    (strlen(ap->date) != 10 ||
			        fd_time_parse(ap->date, &tt) != 0))
				return seterr(err, errlen,
				    "%s.date: want "
				    "YYYY-MM-DD, got \"%s\"",
				    where, ap->date);
			if (ap->time && !valid_hhmm(ap->time))
				return seterr(err, errlen,
				    "%s.time: want HH:MM, "
				    "got \"%s\"",
				    where, ap->time);
		}
	}
	return 0;
}

static int
only_keys(json_t *o, const char *const *keys, const char *where, char *err,
    size_t errlen)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach(o, k, v)
	{
		for (i = 0; keys[i] && strcmp(keys[i], k); i++)
			;
		if (keys[i] == NULL)
			return seterr(
			    err, errlen, "%s: unknown key \"%s\"", where, k);
	}
	return 0;
}

static int
get_str(json_t *o, const char *key, int required, char **out, const char *where,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL) {
		if (required)
			return seterr(
			    err, errlen, "%s.%s: missing", where, key);
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) == 0)
		return seterr(
		    err, errlen, "%s.%s: want a non-empty string", where, key);
	if ((*out = strdup(json_string_value(v))) == NULL)
		return seterr(err, errlen, "out of memory");
	return 0;
}

static int
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* "line": {"snr_db", "loss_every", "gain_db", "speed"}, each optional. */
static int
parse_line(json_t *o, struct line_cond *l, char *err, size_t errlen)
{
	json_t *v;

	if (!json_is_object(o))
		return seterr(err, errlen, "line: not an object");
	if (only_keys(o, line_keys, "line", err, errlen))
		return -1;
	if ((v = json_object_get(o, "snr_db")) != NULL) {
		if (!json_is_number(v) || json_number_value(v) < 0)
			return seterr(err, errlen,
			    "line.snr_db: want a "
			    "number >= 0");
		l->snr_db = json_number_value(v);
	}
	if ((v = json_object_get(o, "loss_every")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return seterr(err, errlen,
			    "line.loss_every: want an "
			    "integer >= 0");
		l->loss_every = (int)json_integer_value(v);
	}
	if ((v = json_object_get(o, "gain_db")) != NULL) {
		if (!json_is_number(v) || json_number_value(v) < -20 ||
		    json_number_value(v) > 20)
			return seterr(err, errlen,
			    "line.gain_db: want a "
			    "number in -20..20");
		l->gain_db = json_number_value(v);
	}
	if ((v = json_object_get(o, "speed")) != NULL) {
		if (!json_is_number(v) || json_number_value(v) < 0.7 ||
		    json_number_value(v) > 1.3)
			return seterr(err, errlen,
			    "line.speed: want a "
			    "number in 0.7..1.3");
		l->speed = json_number_value(v);
	}
	return 0;
}
