/*
 * brain_local.h - the top of the local brain: brain_local.c routes each
 * utterance by state and intent to the task modules below it.  Pulls in
 * the layers it dispatches to (see dlg.h for the layering); no task
 * module includes this header.  Not for other modules.
 */
#ifndef AGENT_BRAIN_LOCAL_H
#define AGENT_BRAIN_LOCAL_H

#include "dlg.h"
#include "spoken.h"
#include "task_answers.h"
#include "task_appts.h"
#include "task_booking.h"
#include "task_contact.h"
#include "task_guard.h"
#include "task_identity.h"
#include "task_orders.h"
#include "task_outbound.h"

#endif
