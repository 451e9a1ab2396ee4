/*
 * task_outbound.h - the calls we place (task_outbound.c): reminders,
 * callbacks, lead follow-ups and voicemail.  Uses dlg.h, spoken.h,
 * task_booking.h and task_appts.h.
 */
#ifndef AGENT_TASK_OUTBOUND_H
#define AGENT_TASK_OUTBOUND_H

#include "dlg.h"

/* On an outbound call: open it (ask for the customer, or leave a
 * voicemail); 1 if it was one. */
int outbound_start(struct brain_call *c);
void outbound_who_reply(struct brain_call *c, const struct turn_in *in);
void outbound_remind_reply(struct brain_call *c, const struct turn_in *in);
void outbound_change_reply(struct brain_call *c, const struct turn_in *in);
/* A machine's greeting went quiet: leave the message. */
void outbound_voicemail(struct brain_call *c);

#endif
