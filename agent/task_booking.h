/*
 * task_booking.h - the booking planner (task_booking.c): the plan in the
 * call state, slots offered, read back, booked or moved.  Uses dlg.h and
 * task_identity.h; task_appts and task_answers hand callers to it.
 */
#ifndef AGENT_TASK_BOOKING_H
#define AGENT_TASK_BOOKING_H

#include "dlg.h"

/* Merge a parsed date/time into the plan; 1 if anything changed. */
int booking_apply(struct call_state *st, const struct dt_result *dt);
/* Choose among the offered slots from what the caller said: 1 if chosen. */
int booking_pick(struct call_state *st, const char *text,
    const struct dt_result *dt, int yes);
/* Move the booking on: ask what is missing, offer slots or read back.
 * Speaks and sets st->asked. */
void booking_plan(struct brain_call *c);
/* The caller, asked for a day, gave a time alone ("at eight"): the day
 * may be what the recogniser lost, so it is asked for once more with the
 * time kept, rather than the first day with room taken.  1 if asked. */
int booking_day_missing(struct brain_call *c);
/* Book (or move) the read-back slot and speak the result. */
void booking_book(struct brain_call *c);
/* At a booking's read-back, the customer with this service booked
 * already says to move that one ("move it"): the plan moves it instead
 * (read back again).  1 if so. */
int booking_move_instead(struct brain_call *c, const struct turn_in *in);
/* Forget the plan (service, day, time, offers). */
void booking_reset(struct call_state *st);
/* A new plan from what the caller asked for (service, day, time), kept
 * until they are verified. */
void booking_keep(struct call_state *st, const struct turn_in *in);
/* "for the Accord" said along the way: that vehicle; 1 if it changed. */
int booking_note_vehicle(struct call_state *st, const char *text);
void booking_ask_vehicle(struct brain_call *c);
void booking_vehicle_reply(struct brain_call *c, const struct turn_in *in);
void booking_phone_reply(struct brain_call *c, const struct turn_in *in);
/* A key at ASK_BOOK_PHONE. */
void booking_dtmf(struct brain_call *c, const char *digit);

#endif
