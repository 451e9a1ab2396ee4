/*
 * callinfo.h - what the signed /twilio/voice webhook said about a call
 * (From, To, Direction), kept by CallSid until the call's Media Stream
 * starts, together with the one-time stream token the webhook's TwiML
 * carries as <Parameter name="stream_token">.  The stream's `start` must
 * present that token: it is checked in constant time and consumed, so a
 * WebSocket for a call no signed webhook announced, or a second stream
 * with the same token, is refused.  CALL_START's caller identity comes
 * from here only, never from the stream's customParameters.
 *
 * A fixed table: no allocation; an entry lives CALLINFO_TTL_US unused.
 * Service thread only (the webhook and the stream both run there).
 */
#ifndef GW_CALLINFO_H
#define GW_CALLINFO_H

#include <stdint.h>

#include "proto/proto.h"

#define CALLINFO_TOKEN_BYTES 32 /* random bytes per token */
#define CALLINFO_TOKEN_LEN (2 * CALLINFO_TOKEN_BYTES + 1) /* hex + NUL */
#define CALLINFO_TTL_US (90ull * 1000000ull) /* webhook -> stream start */
#define CALLINFO_PARAM "stream_token" /* the <Parameter> name */

struct callinfo {
	char sid[FD_CALL_ID_LEN]; /* "" = free slot */
	char from[64];
	char to[64];
	char direction[32];
	/* an outbound call of a crm-tools job (job_id 0: none), from the
	 * signed webhook's query (job_id, attempt, kind) and AnsweredBy */
	int64_t job_id;
	int64_t attempt;
	char kind[32];
	char answered_by[32];
	char token[CALLINFO_TOKEN_LEN]; /* lowercase hex */
	uint64_t at_us; /* when the webhook came */
};

/* Why callinfo_take refused a stream. */
enum callinfo_refusal {
	CALLINFO_OK = 0,
	CALLINFO_UNKNOWN = -1, /* no webhook for sid, or used */
	CALLINFO_EXPIRED = -2, /* older than CALLINFO_TTL_US */
	CALLINFO_BAD_TOKEN = -3, /* missing or not this call's */
};

/* Remember the webhook's facts for sid and mint its stream token into
 * token (CALLINFO_TOKEN_LEN bytes).  A webhook for a sid already waiting
 * replaces the entry (the earlier token stops working).  0, or -1 if no
 * random bytes could be had (token left empty, nothing stored). */
int callinfo_put(const char *sid, const char *from, const char *to,
    const char *direction, uint64_t now_us, char *token);
/* The job of the outbound call sid (just put): stored with its entry and
 * handed to the stream's start with the rest.  0, or -1 if sid has no
 * entry. */
int callinfo_set_job(const char *sid, int64_t job_id, int64_t attempt,
    const char *kind, const char *answered_by);
/* A stream's start for sid presented token (NULL: none).  If sid has an
 * entry younger than CALLINFO_TTL_US whose token matches, copy it to out
 * and forget it: the token works once.  A wrong token leaves the entry
 * for the right one; an expired entry is dropped. */
enum callinfo_refusal callinfo_take(
    const char *sid, const char *token, struct callinfo *out, uint64_t now_us);
/* For logs. */
const char *callinfo_refusal_str(enum callinfo_refusal r);

#endif
