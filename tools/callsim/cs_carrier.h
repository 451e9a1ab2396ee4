/*
 * cs_carrier.h - the Twilio REST endpoints the stack calls, served locally:
 * update a live call (transfer by <Dial>, hang up), create an outbound
 * call, which callsim then places towards the gateway and answers as the
 * callee of its number would (human with a scenario, answering machine,
 * busy, no answer, failure, fax), and send a text.
 */
#ifndef CALLSIM_CARRIER_H
#define CALLSIM_CARRIER_H

#include <stddef.h>

#include "cs_call.h"
#include "scenario.h"

/* Before carrier_start: callees from a JSON file (NULL: none), number ->
 * {answer: human|machine|busy|no-answer|fail|fax, scenario?: a human's
 * turns, greeting_ms?: a machine's greeting (2000), ring_ms?: (300),
 * answer_after?: busy for this many calls first}, "*" for any other
 * number; and a file (NULL: none) that gets one JSON line per request and
 * per call's end.  0, or -1 with err. */
int carrier_callees(
    const char *path, const char *log_path, char *err, size_t errlen);
/* Serve on 127.0.0.1:port in a background thread.  answer may be NULL
 * (outbound calls are then accepted but never answered).  0 or -1. */
int carrier_start(int port, const struct scenario *answer,
    const struct call_opts *o, char *err, size_t errlen);
/* Stop serving and wait for outbound calls still running. */
void carrier_stop(void);
/* Keep a recording (a WAV file, taken) for GET .../Recordings/{sid}[.wav]
 * on the REST port; fills its new sid (RE...) and RecordingUrl (no
 * extension, as Twilio gives it).  0, or -1 if the port is not serving. */
int carrier_recording_put(const char *acct, unsigned char *wav, size_t len,
    char sid[40], char *url, size_t urllen);
/* Outbound calls answered so far and how many of them failed. */
void carrier_counts(unsigned *answered, unsigned *failed);
/* Calls requested, idempotency keys requested more than once, texts. */
void carrier_keys(unsigned *requests, unsigned *dup_keys, unsigned *texts);

#endif
