/*
 * outbound.h - the `outbound` config section: when frontdesk may call or
 * text customers (reminders, callbacks, lead follow-ups, confirmation
 * texts), how often it retries and how fast it dials.  crm-tools reads it
 * to create and claim jobs, the scheduler to pace and place them.
 */
#ifndef FD_OUTBOUND_H
#define FD_OUTBOUND_H

#include <stddef.h>
#include <time.h>
#include <libconfig.h>

#include "business.h"

#define FD_OUT_MAX_BACKOFF 8

struct fd_outbound {
	int enabled; /* the scheduler places calls and texts */
	int sms_enabled; /* confirmation texts after booking/move/cancel */
	int reminder_lead_h; /* reminder call this long before the start */
	int call_from_min; /* calling window, local minutes after midnight */
	int call_until_min;
	int call_closed_days; /* calls also on days the business is closed */
	int max_attempts; /* busy / no answer: tries in all */
	int backoff_s[FD_OUT_MAX_BACKOFF]; /* wait before try 2, 3, ..; the
					      last repeats */
	int nbackoff;
	int max_concurrent; /* outbound calls in flight for the business */
	double calls_per_s; /* new calls per second (Twilio: 1 per account) */
	int lease_s; /* a claim is the claimer's this long */
	int call_timeout_s; /* a dialed call's result is awaited this long */
	int max_claims; /* claims of one attempt before it fails */
	int batch; /* jobs claimed per request */
	int tick_ms; /* the scheduler asks for due jobs this often */
	int ring_timeout_s; /* the carrier rings a callee this long */
};

/* Fill o from cfg's `outbound` section (defaults for what is missing);
 * -1 with err on a bad value. */
int fd_outbound_load(
    const config_t *cfg, struct fd_outbound *o, char *err, size_t errlen);
/* 1 if a call may be placed at t: inside the calling window, on a day the
 * business is open (or call_closed_days). */
int fd_outbound_may_call(
    const struct fd_outbound *o, const struct fd_business *b, time_t t);
/* The first instant at or after t when the business is open and a call
 * may be placed (a callback asked for after hours is placed at the next
 * opening); t itself if none within two weeks. */
time_t fd_outbound_next_open(
    const struct fd_outbound *o, const struct fd_business *b, time_t t);

/* The carrier's word for how a call or text ended (OUTBOUND_RESULT's
 * status: busy, no-answer, completed, delivered, ..) as a job_result
 * outcome; NULL while the attempt is still under way (queued, ringing,
 * in-progress, duplicate: job_dialed). */
const char *fd_outbound_outcome(const char *status);
/* job_result's detail for an ending: the error, else "answered by A, N s"
 * when either is known, else "". */
void fd_outbound_detail(const char *error, const char *answered_by,
    long long duration_s, char *buf, size_t len);

#endif
