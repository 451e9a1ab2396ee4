/*
 * task_appts.h - the caller's own appointments (task_appts.c): list,
 * choose, cancel, or hand to the booking planner to move.  Uses dlg.h,
 * task_identity.h and task_booking.h.
 */
#ifndef AGENT_TASK_APPTS_H
#define AGENT_TASK_APPTS_H

#include "dlg.h"

void appts_start(struct brain_call *c, int task);
/* Appointment i of st->appts is the one to change (st->task says how):
 * ask to confirm a cancel, or plan the move. */
void appts_choose(struct brain_call *c, int i);
void appts_which_reply(struct brain_call *c, const struct turn_in *in);
void appts_cancel_reply(struct brain_call *c, const struct turn_in *in);

#endif
