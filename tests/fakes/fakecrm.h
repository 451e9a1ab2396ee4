/*
 * fakecrm.h - an in-memory crm-tools for the brain tests: two customers
 * with vehicles, appointments and repair orders, the call's identity
 * (caller id, verify_caller with its levels: phone + name from another
 * number only identifies, a VIN's last digits or a code verify) and the
 * same authorisation rules as
 * crm-tools (TOOLS.md), so a test can check that nothing lands on, or is
 * read from, a record that is not the caller's.  Test support only.
 */
#ifndef AGENT_FAKECRM_H
#define AGENT_FAKECRM_H

#include <time.h>
#include <jansson.h>

#include "business.h"

#define FAKE_MAX_APPTS 16

struct fake_appt {
	int id;
	int customer; /* customer id */
	char service[64];
	char start[20]; /* YYYY-MM-DDTHH:MM */
	char conf[8];
	int cancelled;
	int confirmed; /* a confirmed reminder's job_result */
	int vehicle;
};

struct fake_job { /* one outbound job (job_get) */
	int id; /* 0: none */
	char kind[16]; /* reminder, callback, lead_followup */
	int customer;
	int appt; /* appointment id, 0 none */
	char detail[128];
	int attempt;
	char outcome[16]; /* job_result's, "" none yet */
	int results; /* job_result calls (repeats too) */
};

struct fakecrm {
	const struct fd_business *biz;
	time_t now;
	char from[40]; /* the caller id */
	int caller_cust; /* customer with that phone, 0 none */
	int verified_cust;
	int identified_cust; /* phone + name, no second factor */
	int cid_denied; /* deny_caller_id was called */
	int verify_failures;
	struct fake_appt appts[FAKE_MAX_APPTS];
	int nappts;
	int next_cust; /* new customers get ids from here */
	char new_cust_phone[48]; /* last customer created ("" none) */
	int booked_for; /* customer of the last booking */
	int order_cancelled;
	const char *taken[8]; /* extra slots already booked */
	int race; /* book_appointment: slot_taken once */
	struct fake_job job;
	int down; /* no answer at all */
};

void fakecrm_init(struct fakecrm *f, const struct fd_business *b, time_t now,
    const char *from);
/* Handle one tool request (args stolen); the reply, as crm-tools sends. */
json_t *fakecrm_tool(struct fakecrm *f, const char *tool, json_t *args);
/* Add an appointment for customer cust. */
void fakecrm_add_appt(struct fakecrm *f, int cust, const char *service,
    const char *start, const char *conf);

/* The job behind an outbound call (crm-tools' job_get / job_result). */
void fakecrm_add_job(struct fakecrm *f, int id, const char *kind, int cust,
    int appt, const char *detail);

#endif
