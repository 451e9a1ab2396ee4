/*
 * carrier.h - call control through the telephony carrier's REST API:
 * transfer a live call (replace its TwiML with <Dial>) and place outbound
 * calls for the scheduler.  The carrier is an ops table so another vendor
 * is a new table; Twilio's is the one we have (callsim serves the same
 * endpoints locally).  The REST calls run on worker threads.
 */
#ifndef GW_CARRIER_H
#define GW_CARRIER_H

#include <stddef.h>

#include "proto/proto.h"

struct carrier_cfg {                    /* a snapshot per job */
	char api_base[256];
	char account_sid[64];
	char auth_token[128];
	char public_url[512];
	char from[64];                  /* default caller id: business.phone */
};

/* Each op makes one attempt: 0 done, 1 failed but safe to retry, -1 failed
 * for good; err says why. */
struct carrier_ops {
	const char *name;
	int (*update_call)(const struct carrier_cfg *c, const char *call_sid,
	    const char *twiml, char *err, size_t errlen);
	int (*create_call)(const struct carrier_cfg *c, const char *to,
	    const char *from, const char *url, const char *status_cb,
	    char *sid, size_t sidlen, char *status, size_t statuslen,
	    char *err, size_t errlen);
};

extern const struct carrier_ops carrier_twilio;

int carrier_start(void);
void carrier_stop(void);
/* From the bus thread: queue the REST work for these frames. */
void carrier_transfer(const struct fd_frame *f);
void carrier_outbound(const struct fd_frame *f);

#endif
