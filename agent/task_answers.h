/*
 * task_answers.h - business questions answered from the config
 * (task_answers.c).  Uses dlg.h and task_booking.h (a question asked
 * mid-booking goes back to the plan).
 */
#ifndef AGENT_TASK_ANSWERS_H
#define AGENT_TASK_ANSWERS_H

#include "dlg.h"

/* Answer a business question (hours, address, services, price); 1 if
 * answered (spoken, the pending question re-asked or "anything else"). */
int answers_side_question(struct brain_call *c, const struct turn_in *in);
void answers_price(struct brain_call *c, const struct fd_service *s);
void answers_language(struct brain_call *c, const struct turn_in *in);

#endif
