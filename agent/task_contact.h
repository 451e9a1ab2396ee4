/*
 * task_contact.h - getting a person to the caller (task_contact.c):
 * messages, leads, callbacks, transfers.  Uses dlg.h and
 * task_identity.h.
 */
#ifndef AGENT_TASK_CONTACT_H
#define AGENT_TASK_CONTACT_H

#include "dlg.h"

void contact_start(struct brain_call *c, int task, const struct turn_in *in);
void contact_reply(struct brain_call *c, const struct turn_in *in);
void contact_dtmf(struct brain_call *c, const char *digit);
void contact_human(struct brain_call *c);
/* Back from a transfer nobody took: say so, then take a message. */
void contact_transfer_back(struct brain_call *c, const char *result);
/* Auto message for the team (booking it could not make). */
void contact_message_for_team(struct brain_call *c, const char *text);

#endif
