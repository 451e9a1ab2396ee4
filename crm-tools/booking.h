/*
 * booking.h - what the builtin calendar's tools share (tool_availability.c,
 * tool_booking.c, tool_appointments.c, tool_slots.c, booking_batch.c): the
 * SQL of an appointment as the tools return it, the checks of a wanted
 * start, and the group commit of bookings.
 */
#ifndef BOOKING_H
#define BOOKING_H

#include <time.h>

#include <jansson.h>

#include "crm.h"
#include "ledger.h"

/* One appointment as the tools return it. */
#define APPT_JSON                                                              \
	"json_build_object('appointment_id', a.id, 'confirmation', "           \
	"a.confirmation, 'service', s.name, 'start', "                         \
	"fd_local(lower(a.during)), "                                          \
	"'end', fd_local(upper(a.during)), 'status', a.status, "               \
	"'customer_id', "                                                      \
	"a.customer_id, 'vehicle_id', a.vehicle_id, 'vehicle', CASE WHEN "     \
	"v.id "                                                                \
	"IS NULL THEN NULL ELSE concat_ws(' ', v.year, v.make, v.model) END, " \
	"'resource', r.name, 'notes', a.notes)"
#define APPT_FROM                                                              \
	" FROM appointments a JOIN services s ON s.id = a.service_id "         \
	"JOIN resources r ON r.id = a.resource_id "                            \
	"LEFT JOIN vehicles v ON v.id = a.vehicle_id "
#define ACTIVE "('booked', 'confirmed')"

/* The advisory locks a change of the bays over [start, end) takes: one
 * per quarter hour it touches, in order, so two overlapping bookings or
 * moves queue behind each other (two overlapping inserts would otherwise
 * each wait on the other's exclusion check, a deadlock PostgreSQL breaks
 * only after deadlock_timeout) and the second meets the first's committed
 * row: 23P01 at once, then a retry.  Disjoint times do not wait. */
#define BAY_LOCK_KEY "727002"
#define BAY_LOCKS(first, last)                                                 \
	"SELECT count(pg_advisory_xact_lock(" BAY_LOCK_KEY ", q)) FROM "       \
	"generate_series(" first "::int, " last "::int) q"
#define LOCK_QUARTER 900
#define LOCK_QUARTER_S "900"

/* A booking the ledger gave a bay, ready to be written. */
struct book_job {
	/* in */
	long long cust, vid; /* vid 0: no vehicle; cust 0: a new caller's
				   customer, made by the group (below) */
	int sid;
	time_t start;
	int dur_s;
	const char *call_id, *idem, *conf, *notes; /* "" or NULL: none */
	int want; /* resources.id of the bay to take first; 0 */
	/* cust 0: the customer to create (its phone is nobody's yet, or it is
	 * not created and the booking not written) and the call's identity
	 * column it becomes (BOOK_ID_*) */
	const char *nphone, *nfirst, *nlast, *nemail;
	int ncol;
	/* out */
	json_t *appt; /* APPT_JSON of the row, when written */
	int res; /* its resources.id */
	long long new_cust; /* cust 0: the customer created, 0 if not */
	/* the group's */
	int state;
	struct book_job *next;
};

enum { BOOK_ID_NONE, BOOK_ID_CALLER, BOOK_ID_VERIFIED };

/* The service a name or alias means, with its services.id in *id; NULL
 * after crm_fail(unknown_service) listing the offered ones. */
const struct fd_service *find_service(
    struct crm_ctx *c, const char *name, int *id);
/* The bay ledger's loader (ledger_load_fn; arg is the request): active
 * bookings on the bays overlapping [from, to), in one query. */
int db_busy(
    void *arg, time_t from, time_t to, struct ledger_slot *out, int max);
/* The bay index (crm_bay_ids) of a resources.id; -1 for no active bay. */
int bay_index(int id);
/* Check a wanted start of dur_s seconds (appointment `except` moving):
 * not past, inside the hours of an open day, not blocked in the shop's
 * calendar.  0, or -1 after fail_with_alternatives. */
int check_start(struct crm_ctx *c, time_t start, int dur_s, long long except);
/* crm_fail(code, msg) with the free starts nearest to `want` as
 * "alternatives" in c->extra.  Returns NULL. */
json_t *fail_with_alternatives(struct crm_ctx *c, const char *code, time_t want,
    int dur_s, long long except, const char *msg);

/* The appointment (APPT_JSON) matching `where` (SQL on a, with $1 = val):
 * its JSON, JSON null when there is none, NULL on error. */
json_t *appointment_by(struct crm_ctx *c, const char *where, const char *val);
/* The booking is in PostgreSQL; now the external calendar (if any).  Its
 * outcome rides along in appt as "calendar"; a failure only queues the
 * push.  Returns appt. */
json_t *with_calendar(struct crm_ctx *c, json_t *appt, long long id);

/* Write the booking together with the others that arrive while a group is
 * being written: one statement and one durable commit for all of them.
 * 1 written (j->appt, j->res), 0 not written (its bay, key or code was
 * taken meanwhile: retry the single way), -1 the group failed (do it the
 * single way, which tells why).  With cust 0, j->new_cust says whether
 * the customer was made (even when the booking was not).  Blocks; holds
 * no pooled connection. */
int book_batch(struct crm_ctx *c, struct book_job *j);
/* The group's own connection, closed at stop. */
void book_batch_close(void);

#endif
