/*
 * task_identity.h - who the caller is (task_identity.c): confirming a
 * caller-id match, verifying by phone and name or code, a second factor.
 * Below the tasks that act on a customer record; uses only dlg.h.
 */
#ifndef AGENT_TASK_IDENTITY_H
#define AGENT_TASK_IDENTITY_H

#include "dlg.h"

/* 1 if the caller may act for the customer record at the level task t
 * needs; else starts verification (pending_task = t) and returns 0. */
int identity_ready(struct brain_call *c, int t);
/* 1 if the caller has shown they are the customer (PII may be spoken). */
int identity_owner(const struct call_state *st);
void identity_confirm_reply(struct brain_call *c, const struct turn_in *in);
void identity_who_reply(struct brain_call *c, const struct turn_in *in);
void identity_phone_reply(struct brain_call *c, const struct turn_in *in);
void identity_proof_reply(struct brain_call *c, const struct turn_in *in);
void identity_factor_reply(struct brain_call *c, const struct turn_in *in);
/* A key at ASK_VERIFY_PHONE or ASK_VERIFY_FACTOR. */
void identity_dtmf(struct brain_call *c, const char *digit);
/* Ask an identified caller for a second factor (template id). */
void identity_ask_factor(struct brain_call *c, enum tpl_id id);
/* A phone number did not come through: ask again, up to the limit. */
void identity_phone_again(struct brain_call *c, const struct turn_in *in);
/* verify_caller with a name (and the phone given); 1 verified, 2 only
 * identified (phone + name, a second factor is needed), 0 no, -1 stop
 * (too many attempts or crm-tools failed: already answered). */
int identity_verify(struct brain_call *c, const char *name, const char *code);
/* The same with a second factor (a code or a VIN's last digits): a wrong
 * one is 0, and counts toward the attempts. */
int identity_verify_factor(
    struct brain_call *c, const char *name, const char *code, const char *vin);
/* lookup_customer for the verified caller: names and vehicles. */
void identity_load_customer(struct brain_call *c, const char *phone);

#endif
