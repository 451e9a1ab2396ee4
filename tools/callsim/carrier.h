/*
 * carrier.h - the two Twilio REST endpoints the stack calls, served
 * locally: update a live call (transfer by <Dial>, hang up) and create an
 * outbound call, which callsim then places towards the gateway and answers
 * with a callee scenario.
 */
#ifndef CALLSIM_CARRIER_H
#define CALLSIM_CARRIER_H

#include <stddef.h>

#include "call.h"
#include "scenario.h"

/* Serve on 127.0.0.1:port in a background thread.  answer may be NULL
 * (outbound calls are then accepted but never answered).  0 or -1. */
int carrier_start(int port, const struct scenario *answer,
    const struct call_opts *o, char *err, size_t errlen);
/* Stop serving and wait for outbound calls still running. */
void carrier_stop(void);
/* Outbound calls answered so far and how many of them failed. */
void carrier_counts(unsigned *answered, unsigned *failed);

#endif
