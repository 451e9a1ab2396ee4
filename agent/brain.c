/*
 * brain.c - the table of brains (agent.brain) and the small wrappers
 * brains use to reach the core.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ops_find.h"
#include "brain.h"
#include "brain_llm.h"

static const struct brain_ops *const brains[] = {
    &brain_local,
    &brain_llm,
};

const struct brain_ops *
brain_find(const char *name)
{
	return OPS_FIND(brains, name);
}

void
call_say(struct brain_call *c, const char *text, int close)
{
	snprintf(c->st.last_said, sizeof(c->st.last_said), "%s", text);
	c->core->say(c->core_arg, text, close);
}

json_t *
call_tool(struct brain_call *c, const char *tool, json_t *args)
{
	return c->core->tool(c->core_arg, tool, args);
}

void
call_hint(struct brain_call *c, const char *expect, const char *const *words,
    size_t nwords)
{
	c->core->hint(c->core_arg, expect, words, nwords);
}

void
call_set_outcome(struct brain_call *c, const char *outcome, const char *notes)
{
	snprintf(c->st.outcome, sizeof(c->st.outcome), "%s", outcome);
	snprintf(c->st.outcome_notes, sizeof(c->st.outcome_notes), "%s",
	    notes ? notes : "");
	c->core->set_outcome(c->core_arg, outcome, notes);
}

void
brain_forget_caller(struct brain_call *c)
{
	struct call_state *st = &c->st;

	st->identity_confirmed = 0;
	st->caller_denied = 1;
	st->customer_id[0] = '\0';
	st->first_name[0] = st->last_name[0] = '\0';
	st->nvehicles = 0;
	st->vehicle = 0;
}

double
call_word_confidence(const struct brain_call *c, const char *word)
{
	const json_t *e;
	double best = -1, v;
	size_t i;

	json_array_foreach(c->words, i, e)
	{
		if (strcasecmp(json_string_value(json_object_get(e, "word")),
		        word) != 0)
			continue;
		v = json_number_value(json_object_get(e, "confidence"));
		if (best < 0 || v < best)
			best = v;
	}
	return best;
}

void
call_recog_note(const struct brain_call *c, double conf, char *buf, size_t len)
{
	const json_t *e;
	size_t i, o = 0, nunsure = 0;

	buf[0] = '\0';
	if (json_array_size(c->nbest) < 2 && json_array_size(c->words) == 0)
		return;
	o += (size_t)snprintf(buf + o, o < len ? len - o : 0,
	    "[speech recognition: confidence %.2f", conf);
	json_array_foreach(c->nbest, i, e)
	{
		if (i == 0)
			continue;
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0,
		    "%s\"%.80s"
		    "\" (%.2f)",
		    i == 1 ? "; it may also have been " : ", ",
		    json_string_value(json_object_get(e, "text")),
		    json_number_value(json_object_get(e, "confidence")));
	}
	json_array_foreach(c->words, i, e)
	{
		if (json_number_value(json_object_get(e, "confidence")) >= 0.5)
			continue;
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0,
		    "%s%.30s (%.2f)", nunsure++ ? ", " : "; unsure words: ",
		    json_string_value(json_object_get(e, "word")),
		    json_number_value(json_object_get(e, "confidence")));
	}
	if (o < len)
		snprintf(buf + o, len - o, "]");
	if (o + 1 >= len && len > 2) {
		buf[len - 2] = ']';
		buf[len - 1] = '\0';
	}
}
