/*
 * fake_core.c - the recording agent core of the brain tests (see
 * fake_core.h).  Test support only; no process talks to it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libconfig.h>

#include "agent/brain_local.h"
#include "business.h"
#include "clock.h"
#include "tests/fakes/fake_core.h"

time_t
fake_core_at(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {0};

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

void
fake_core_reset(struct fake_core *f, time_t now)
{
	int i;

	for (i = 0; i < f->ntools; i++)
		json_decref(f->args[i]);
	memset(f, 0, sizeof(*f));
	f->now = now;
}

void
fake_core_tool(struct fake_core *f, const char *tool, json_t *args)
{
	if (f->ntools < FAKE_MAX_SAYS) {
		snprintf(f->tools[f->ntools], sizeof(f->tools[0]), "%s", tool);
		f->args[f->ntools++] = json_incref(args);
	}
}

int
fake_core_tool_count(const struct fake_core *f, const char *tool)
{
	int i, n = 0;

	for (i = 0; i < f->ntools; i++)
		n += strcmp(f->tools[i], tool) == 0;
	return n;
}

void
fake_core_say(void *core, const char *text, int close)
{
	struct fake_core *f = core;

	if (f->nsays < FAKE_MAX_SAYS) {
		snprintf(f->says[f->nsays], sizeof(f->says[0]), "%s", text);
		f->say_us[f->nsays] = fd_mono_us();
		f->close[f->nsays++] = close;
	}
}

void
fake_core_hint(void *core, const char *expect, const char *const *w, size_t n)
{
	struct fake_core *f = core;

	(void)w;
	(void)n;
	snprintf(f->hint, sizeof(f->hint), "%s", expect);
}

void
fake_core_hangup(void *core, const char *reason)
{
	struct fake_core *f = core;

	snprintf(f->hangup, sizeof(f->hangup), "%s", reason);
}

void
fake_core_transfer(void *core, const char *to, const char *reason)
{
	struct fake_core *f = core;

	(void)reason;
	snprintf(f->transfer_to, sizeof(f->transfer_to), "%s", to);
}

void
fake_core_outcome(void *core, const char *outcome, const char *notes)
{
	struct fake_core *f = core;

	(void)notes;
	snprintf(f->outcome, sizeof(f->outcome), "%s", outcome);
}

time_t
fake_core_now(void *core)
{
	return ((struct fake_core *)core)->now;
}

/* the core fake_brain_teardown cleans up */
static struct fake_core *group_core;

void
fake_brain_setup(const char *conf, struct fd_business *biz, struct fake_core *f)
{
	config_t cfg;
	char err[256];

	group_core = f;
	setenv("TZ", "America/New_York", 1);
	tzset();
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg, conf), CONFIG_TRUE);
	assert_int_equal(fd_business_load(&cfg, biz, err, sizeof(err)), 0);
	assert_int_equal(brain_local.init(&cfg, biz, err, sizeof(err)), 0);
	config_destroy(&cfg);
}

int
fake_brain_teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < group_core->ntools; i++)
		json_decref(group_core->args[i]);
	group_core->ntools = 0;
	brain_local.fini();
	return 0;
}
