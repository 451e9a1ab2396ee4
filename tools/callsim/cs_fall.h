/*
 * cs_fall.h - the carrier's side of an inbound call the agent does not
 * finish: the <Dial> of a transfer (the staff member's leg, its whisper
 * and key, the <Dial action> and the new stream that may follow), and the
 * <Record> of the voicemail box (the caller's message as a recording the
 * carrier serves, its action and its signed recordingStatusCallback).
 */
#ifndef CALLSIM_FALL_H
#define CALLSIM_FALL_H

#include "cs_call.h"
#include "cs_session.h"
#include "cs_twiml.h"

/* The call's stream ended with a transfer (r->dial_twiml): ring the
 * scenario's staff member, play their whisper and key, report the <Dial>
 * to its action and, if the answer streams again, play the turns left. */
void fall_dial(const struct scenario *sc, const struct call_opts *o,
    struct session_plan *p, struct call_result *r);
/* The voice webhook answered <Record>: the caller's turns are the
 * message. */
void fall_record(const struct scenario *sc, const struct call_opts *o,
    struct session_plan *p, struct call_result *r, const struct twiml *tw);

/* cs_call.c: point p at the <Stream> of tw (p->params borrows tw's). */
int call_plan_stream(const struct call_opts *o, const struct twiml *tw,
    struct session_plan *p, struct call_result *r);

#endif
