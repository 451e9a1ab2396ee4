/*
 * fake_core.h - the agent core as the brain tests see it: what a brain
 * says (with when), the tools it calls, its hints, hang-up, transfer and
 * outcome are recorded, and the call's clock is pinned.  A test supplies
 * only its tool replies: its core_ops take fake_core_ops' entries and a
 * tool function of its own that calls fake_core_tool() first.  Test
 * support only; no process talks to it.
 */
#ifndef FAKE_CORE_H
#define FAKE_CORE_H

#include <stdint.h>
#include <time.h>
#include <jansson.h>

#define FAKE_MAX_SAYS 64

struct fakecrm;

struct fake_core {
	time_t now; /* the call's clock */
	char says[FAKE_MAX_SAYS][1024]; /* what was said, in order */
	uint64_t say_us[FAKE_MAX_SAYS]; /* when (fd_mono_us) */
	int close[FAKE_MAX_SAYS]; /* said with close */
	int nsays;
	char tools[FAKE_MAX_SAYS][64]; /* the tools called */
	json_t *args[FAKE_MAX_SAYS]; /* with their args (owned) */
	int ntools;
	char transfer_to[40];
	char hangup[40]; /* hangup_after's reason */
	char outcome[32];
	char hint[16]; /* the last hint's expect */
	struct fakecrm *crm; /* answers fake_call_ops' tools (fake_call.h) */
};

/* The local time y-mo-d h:mi, for the call's clock. */
time_t fake_core_at(int y, int mo, int d, int h, int mi);
/* Free what was recorded and start again at `now`. */
void fake_core_reset(struct fake_core *f, time_t now);
/* Record a tool call (args are kept: the reply still owns its own). */
void fake_core_tool(struct fake_core *f, const char *tool, json_t *args);
/* How many times tool was called since the last reset. */
int fake_core_tool_count(const struct fake_core *f, const char *tool);

/* The recording core_ops entries (core is the struct fake_core). */
void fake_core_say(void *core, const char *text, int close);
void fake_core_hint(
    void *core, const char *expect, const char *const *w, size_t n);
void fake_core_hangup(void *core, const char *reason);
void fake_core_transfer(void *core, const char *to, const char *reason);
void fake_core_outcome(void *core, const char *outcome, const char *notes);
time_t fake_core_now(void *core);

/* A brain test's group setup: TZ America/New_York, the business read from
 * the libconfig text conf into biz, the local brain initialised (failing
 * the test on any error); f is the test's core. */
struct fd_business;
void fake_brain_setup(
    const char *conf, struct fd_business *biz, struct fake_core *f);
/* Its group teardown (a cmocka group teardown): the core's recorded tool
 * arguments freed, the local brain done. */
int fake_brain_teardown(void **state);

#endif
