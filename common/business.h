/*
 * business.h - the business a frontdesk install answers for, read from the
 * `business` section of the config: name, persona, hours, holidays,
 * services and resources.  Shared by the agent (what to say), crm-tools
 * (what can be booked) and stt-worker (words to expect).
 */
#ifndef FD_BUSINESS_H
#define FD_BUSINESS_H

#include <stddef.h>
#include <time.h>
#include <libconfig.h>

#define FD_MAX_SERVICES 32
#define FD_MAX_ALIASES 6
#define FD_MAX_HOLIDAYS 32

struct fd_service {
	char name[64]; /* "oil change" */
	char aliases[FD_MAX_ALIASES][48]; /* other ways callers say it */
	int naliases;
	int duration_min; /* slot length */
	int price_cents; /* 0: price on request */
};

struct fd_hours {
	int open_min; /* minutes after midnight; -1 closed */
	int close_min;
};

struct fd_business {
	char name[128]; /* "Otto's Auto" */
	char persona[64]; /* the assistant's name */
	char kind[32]; /* dealership, clinic, salon.. */
	char address[256];
	char phone[32];
	char transfer_number[32]; /* humans, E.164 */
	char languages[64]; /* "en" */
	int has_vehicles; /* ask which vehicle */
	int bays; /* parallel resources */
	int slot_step_min; /* granularity of offered slots */
	struct fd_hours week[7]; /* 0 = Sunday */
	char holidays[FD_MAX_HOLIDAYS][11]; /* YYYY-MM-DD */
	int nholidays;
	struct fd_service services[FD_MAX_SERVICES];
	int nservices;
};

/* Fill b from cfg's `business` section (defaults for what is missing). */
int fd_business_load(
    const config_t *cfg, struct fd_business *b, char *err, size_t errlen);
/* The service whose name or alias matches (case-insensitive), or NULL. */
const struct fd_service *fd_business_service(
    const struct fd_business *b, const char *name);
/* 1 if the business is open on day t (not a holiday, hours set). */
int fd_business_open_day(const struct fd_business *b, time_t day);
/* Opening hours of day t's weekday, or NULL if closed that day. */
const struct fd_hours *fd_business_hours(
    const struct fd_business *b, time_t day);
/* 1 if the business is open at instant t. */
int fd_business_open_at(const struct fd_business *b, time_t t);

#endif
