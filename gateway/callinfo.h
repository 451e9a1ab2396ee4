/*
 * callinfo.h - From/To/Direction (and the outbound purpose) remembered by
 * CallSid between the /twilio/voice webhook and the Media Stream's start,
 * so CALL_START carries them even if <Parameter>s were lost.  A fixed ring:
 * no allocation, old entries are overwritten.  Service thread only.
 */
#ifndef GW_CALLINFO_H
#define GW_CALLINFO_H

#include <stdint.h>

#include "proto/proto.h"

struct callinfo {
	char sid[FD_CALL_ID_LEN];
	char from[64];
	char to[64];
	char direction[32];
	uint64_t at_us;
};

void callinfo_put(const char *sid, const char *from, const char *to,
    const char *direction, uint64_t now_us);
/* Copy and forget the entry for sid; -1 if none (or older than an hour). */
int callinfo_take(const char *sid, struct callinfo *out, uint64_t now_us);

#endif
