/*
 * fake_call.h - a local-brain call for the brain tests: the fake core
 * (fake_core.h) records what the brain does and the in-memory crm-tools
 * (fakecrm.h) answers its tools.  Test support only.
 */
#ifndef FAKE_CALL_H
#define FAKE_CALL_H

#include <time.h>

#include "agent/brain.h"
#include "tests/fakes/fake_core.h"
#include "tests/fakes/fakecrm.h"

/* fake_core's recorders, with each tool answered by the core's crm at the
 * core's clock. */
extern const struct core_ops fake_call_ops;

/* Start c, an inbound call `call_id` from `from` at `now`, as the core
 * does: fk and crm reset (crm's caller is `from`), the caller looked up
 * (or, when from is not a number, the caller ID withheld), then the local
 * brain's on_start. */
void fake_call_start(struct brain_call *c, struct fake_core *fk,
    struct fakecrm *crm, const struct fd_business *biz, time_t now,
    const char *call_id, const char *from);

#endif
