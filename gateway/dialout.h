/*
 * dialout.h - what the gateway keeps about the calls and texts it places
 * for the scheduler: the idempotency keys it has placed (one carrier
 * request per key), the dial pacing shared by the carrier's worker
 * threads, and OUTBOUND_RESULT for the scheduler from the REST reply, the
 * voice webhook and the carrier's status callbacks.
 */
#ifndef GW_DIALOUT_H
#define GW_DIALOUT_H

#include <stdint.h>

#define DIALOUT_KEYS 4096 /* keys remembered in memory */
#define DIALOUT_KEY_TTL_S (48 * 3600) /* longer than any job's attempt */

/* A result for the scheduler.  Strings may be NULL or "". */
struct dialout_result {
	const char *to;
	const char *call_sid;
	const char *status; /* as OUTBOUND_RESULT: queued, busy, .. */
	const char *error;
	const char *purpose;
	int64_t appointment_id;
	int64_t job_id;
	int64_t attempt;
	const char *idempotency_key;
	const char *answered_by;
	int64_t duration_s;
};

/* Pacing for new calls: at most calls_per_s (from outbound.calls_per_s);
 * any thread.  Called at start and on reload. */
void dialout_configure(double calls_per_s, int ring_timeout_s);
int dialout_ring_timeout_s(void);
/* Wait for this call's slot: the gateway never bursts, however the
 * requests come in. */
void dialout_pace(void);

/* Mark key as being placed.  1 if it was already (placed or being placed
 * by this gateway run), 0 if it is new and now ours.  Thread-safe. */
int dialout_key_begin(const char *key, uint64_t now_us);
/* The carrier surely did not place it: the key may be tried again. */
void dialout_key_abandon(const char *key);

/* Publish FD_MSG_OUTBOUND_RESULT. */
void dialout_publish(const struct dialout_result *r);

/* 1 if Twilio's AnsweredBy says nobody and no mailbox answered (fax,
 * unknown): such a call is hung up and reported failed. */
int dialout_answered_by_nobody(const char *answered_by);

#endif
