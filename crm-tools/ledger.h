/*
 * ledger.h - crm-tools' memory of who holds which bay when, one calendar
 * day at a time, shared by all worker threads.  A booking race is decided
 * here, in microseconds: the request that claims a free bay goes on to
 * PostgreSQL, the ones that find every bay held answer slot_taken with
 * alternatives at once, without a query or a lock wait.  PostgreSQL stays
 * the judge (the exclusion constraint): a claim that loses there after all
 * (another writer the ledger did not see) forgets the day and tries again.
 *
 * A day is loaded through the caller's loader on first use and trusted for
 * ttl_ms; this process's own bookings update it as they happen, other
 * writers are seen at the next load.  In-flight claims count as busy and
 * survive reloads.  Pure C and a mutex: the loader is the only I/O, and it
 * runs outside the lock.
 */
#ifndef CRM_LEDGER_H
#define CRM_LEDGER_H

#include <stdint.h>
#include <time.h>

#include "slots.h"

struct ledger_slot {
	int res; /* bay index 0..nres-1 */
	time_t start, end; /* [start, end) */
	long long appt; /* appointment id; 0 while in flight */
	uint64_t idem; /* hash of its idempotency key, 0 if none */
	uint64_t claim; /* in flight: the claim's id, else 0 */
};

/* Busy slots of [from, to) into out (at most max): the count or -1. */
typedef int (*ledger_load_fn)(
    void *arg, time_t from, time_t to, struct ledger_slot *out, int max);

struct ledger_claim {
	time_t day; /* the calendar day's start */
	uint64_t id;
	int res; /* the bay claimed */
};

enum ledger_verdict {
	LEDGER_ERROR = -1, /* the day could not be loaded */
	LEDGER_TAKEN = 0, /* every bay is held over that time */
	LEDGER_CLAIMED = 1, /* *cl holds a bay: settle it */
	LEDGER_OWN = 2, /* held by a booking with the same key */
};

/* nres bays (at most 64); ttl_ms 0 reloads a day at every use. */
void ledger_init(int ttl_ms, int nres);
/* Busy intervals of the day containing from, clipped to [from, to), as the
 * slot arithmetic wants them, without appointment `except`. */
int ledger_busy(time_t from, time_t to, long long except,
    struct slot_busy *busy, int max, ledger_load_fn load, void *arg);
/* Busy intervals of the whole days from the one containing from to the
 * one containing to - 1, clipped to [from, to), without appointment
 * `except`, into *busy (allocated; the caller frees it).  Days the ledger
 * holds fresh are answered from memory; otherwise the window is read with
 * ONE call of load and its days installed (claims in flight kept), so a
 * slot search over weeks costs one query.  The count or -1. */
int ledger_busy_window(time_t from, time_t to, long long except,
    struct slot_busy **busy, ledger_load_fn load, void *arg);
/* Claim the lowest free bay for [start, end).  LEDGER_ERROR also when
 * there are no bays or more than 64: then PostgreSQL alone decides. */
enum ledger_verdict ledger_claim(time_t start, time_t end, uint64_t idem,
    ledger_load_fn load, void *arg, struct ledger_claim *cl);
/* The claim's outcome: booked as appt on bay res, or (appt 0) dropped. */
void ledger_settle(const struct ledger_claim *cl, long long appt, int res);
/* Forget what is known of the day containing t (a change the ledger did
 * not make itself: cancel, reschedule, a lost race); all days. */
void ledger_forget(time_t t);
void ledger_forget_all(void);
/* 64-bit FNV-1a of an idempotency key (0 for none). */
uint64_t ledger_key(const char *key);

#endif
