/*
 * task_orders.h - repair orders (task_orders.c): status, and cancelling
 * an order with a refund.  Uses dlg.h and task_identity.h.
 */
#ifndef AGENT_TASK_ORDERS_H
#define AGENT_TASK_ORDERS_H

#include "dlg.h"

void orders_status(struct brain_call *c, const struct turn_in *in);
void orders_cancel_start(struct brain_call *c, const struct turn_in *in);
void orders_name_reply(struct brain_call *c, const struct turn_in *in);
void orders_confirm_reply(struct brain_call *c, const struct turn_in *in);

#endif
