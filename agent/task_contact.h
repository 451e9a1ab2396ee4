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
/* Keep what the caller said while a message, lead or callback is taken
 * (for a message that ends early). */
void contact_heard(struct brain_call *c, const char *text);
/* 1 if a message, lead or callback is being taken. */
int contact_pending(struct brain_call *c);
/* The caller said goodbye: a message or callback with all it needs is
 * finished with the defaults (normal urgency, "as soon as they can"),
 * anything less saved as an incomplete message; the call closes.  0 if
 * no contact task was under way. */
int contact_leave(struct brain_call *c);
/* The call ended before the brain closed it: whatever the caller said
 * towards a message, lead or callback is saved as a message marked
 * incomplete, saying nothing.  1 if one was saved. */
int contact_salvage(struct brain_call *c, const char *reason);
/* Misunderstood too often while a message, callback or lead was under
 * way: what it has is passed on (finished, or saved as incomplete) and
 * the caller hears so; 0 if none was under way or it could not be
 * saved. */
int contact_give_up(struct brain_call *c);
/* Auto message for the team (booking it could not make). */
void contact_message_for_team(struct brain_call *c, const char *text);

#endif
