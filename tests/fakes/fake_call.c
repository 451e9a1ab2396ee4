/*
 * fake_call.c - a local-brain call against the fake core and the
 * in-memory crm-tools (fake_call.h).  Test support only.
 */
#include <stdio.h>
#include <string.h>

#include "tests/fakes/fake_call.h"

static json_t *
crm_tool(void *core, const char *tool, json_t *args)
{
	struct fake_core *f = core;

	fake_core_tool(f, tool, args);
	f->crm->now = f->now;
	return fakecrm_tool(f->crm, tool, args);
}

const struct core_ops fake_call_ops = {fake_core_say, crm_tool, fake_core_hint,
    fake_core_hangup, fake_core_transfer, fake_core_outcome, fake_core_now};

void
fake_call_start(struct brain_call *c, struct fake_core *fk, struct fakecrm *crm,
    const struct fd_business *biz, time_t now, const char *call_id,
    const char *from)
{
	json_t *rep;
	int number = from[0] == '+';

	fake_core_reset(fk, now);
	fk->crm = crm;
	memset(crm, 0, sizeof(*crm));
	fakecrm_init(crm, biz, now, number ? from : "");
	memset(c, 0, sizeof(*c));
	c->core = &fake_call_ops;
	c->core_arg = fk;
	c->biz = biz;
	snprintf(c->st.call_id, sizeof(c->st.call_id), "%s", call_id);
	snprintf(c->st.from, sizeof(c->st.from), "%s", from);
	c->st.max_misunderstandings = 3;
	if (number) {
		rep = fakecrm_tool(crm, "lookup_customer", json_object());
		c->st.customer_known = call_read_customer(&c->st, rep);
		json_decref(rep);
	} else {
		c->st.caller_blocked = 1;
	}
	brain_local.on_start(c);
}
