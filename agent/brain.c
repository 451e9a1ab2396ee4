/*
 * brain.c - the table of brains (agent.brain) and the small wrappers
 * brains use to reach the core.
 */
#include <stdio.h>
#include <string.h>

#include "brain.h"
#include "brain_llm.h"

static const struct brain_ops *const brains[] = {
	&brain_local,
	&brain_llm,
};

const struct brain_ops *
brain_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(brains) / sizeof(brains[0]); i++)
		if (strcmp(brains[i]->name, name) == 0)
			return brains[i];
	return NULL;
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
