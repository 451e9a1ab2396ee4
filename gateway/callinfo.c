/*
 * callinfo.c - a small ring of per-call facts from the voice webhook.
 */
#include <stdio.h>
#include <string.h>

#include "callinfo.h"

#define CALLINFO_SLOTS 2048
#define CALLINFO_TTL_US (3600ull * 1000000ull)

static struct callinfo ring[CALLINFO_SLOTS];
static unsigned next_slot;

void
callinfo_put(const char *sid, const char *from, const char *to,
    const char *direction, uint64_t now_us)
{
	struct callinfo *ci = &ring[next_slot++ % CALLINFO_SLOTS];

	snprintf(ci->sid, sizeof(ci->sid), "%s", sid);
	snprintf(ci->from, sizeof(ci->from), "%s", from ? from : "");
	snprintf(ci->to, sizeof(ci->to), "%s", to ? to : "");
	snprintf(ci->direction, sizeof(ci->direction), "%s",
	    direction ? direction : "");
	ci->at_us = now_us;
}

int
callinfo_take(const char *sid, struct callinfo *out, uint64_t now_us)
{
	unsigned i;

	if (sid[0] == '\0')
		return -1;
	for (i = 0; i < CALLINFO_SLOTS; i++) {
		struct callinfo *ci = &ring[i];

		if (strcmp(ci->sid, sid) != 0)
			continue;
		if (now_us - ci->at_us > CALLINFO_TTL_US)
			return -1;
		*out = *ci;
		ci->sid[0] = '\0';
		return 0;
	}
	return -1;
}
