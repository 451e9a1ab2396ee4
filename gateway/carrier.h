/*
 * carrier.h - call control through the telephony carrier's REST API:
 * transfer a live call (replace its TwiML with <Dial>), place outbound
 * calls and send texts for the scheduler.  The carrier is an ops table so another vendor
 * is a new table; Twilio's is the one we have (callsim serves the same
 * endpoints locally).  The REST calls run on worker threads.
 */
#ifndef GW_CARRIER_H
#define GW_CARRIER_H

#include <stddef.h>

#include <curl/curl.h>

#include "proto/proto.h"

struct carrier_cfg { /* a snapshot per job */
	char api_base[256];
	char account_sid[64];
	char auth_token[128];
	char public_url[512];
	char from[64]; /* default caller id: business.phone */
};

/* One outbound call as the carrier is asked for it. */
struct carrier_call {
	const char *to, *from;
	const char *url; /* voice webhook, with the job query */
	const char *status_cb; /* status callback, with the job query */
	int ring_timeout_s; /* Timeout */
	const char *idempotency_key; /* "" when the request has none */
};

/* Each op makes one attempt: 0 done, 1 failed but safe to retry, -1 failed
 * for good; err says why. */
struct carrier_ops {
	const char *name;
	int (*update_call)(const struct carrier_cfg *c, const char *call_sid,
	    const char *twiml, char *err, size_t errlen);
	/* Place a call answered by machine detection (the webhook comes
	 * after a mailbox's greeting) with progress callbacks. */
	int (*create_call)(const struct carrier_cfg *c,
	    const struct carrier_call *call, char *sid, size_t sidlen,
	    char *status, size_t statuslen, char *err, size_t errlen);
	int (*send_sms)(const struct carrier_cfg *c, const char *to,
	    const char *from, const char *body, const char *status_cb,
	    char *sid, size_t sidlen, char *err, size_t errlen);
	/* A call from `from` to `to` created at or after since (epoch s):
	 * 1 with its sid, 0 none, -1 the carrier could not say.  How a
	 * gateway that died between its request and the answer finds out
	 * whether the call was placed. */
	int (*find_call)(const struct carrier_cfg *c, const char *to,
	    const char *from, long long since, char *sid, size_t sidlen,
	    char *err, size_t errlen);
};

extern const struct carrier_ops carrier_twilio;

/* Twilio's REST API as the account on curl handle h: basic auth, our
 * user agent, no signals, 3 s to connect, timeout_ms in all. */
void carrier_curl_auth(
    CURL *h, const char *account_sid, const char *auth_token, long timeout_ms);

int carrier_start(void);
void carrier_stop(void);
/* From the bus thread: queue the REST work for these frames. */
void carrier_transfer(const struct fd_frame *f);
void carrier_outbound(const struct fd_frame *f);
void carrier_sms(const struct fd_frame *f);
/* Publish a call's or text's progress (OUTBOUND_RESULT) and, when it is
 * an attempt's ending, queue its job_result for crm-tools (never blocks:
 * any thread, the lws service thread included). */
struct dialout_result;
void carrier_result(const struct dialout_result *r);

#endif
