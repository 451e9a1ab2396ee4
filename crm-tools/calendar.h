/*
 * calendar.h - the calendar engines of crm-tools.  PostgreSQL always holds
 * the bookings (its exclusion constraint is what prevents double booking);
 * an engine mirrors them into the shop's own calendar and reports the
 * times staff blocked there.  `crm.calendar` picks one:
 *   builtin  PostgreSQL only (the appointments table is the calendar)
 *   caldav   a CalDAV collection (RFC 4791), e.g. Radicale or Nextcloud
 *   google   Google Calendar API v3 with an OAuth2 refresh token
 * Engines are tables of function pointers; every call may block on the
 * network for at most the configured timeout times the attempts.
 */
#ifndef CRM_CALENDAR_H
#define CRM_CALENDAR_H

#include <stddef.h>
#include <time.h>

#include "freebusy.h"

/* What an engine call returns. */
enum cal_rv {
	CAL_OK = 0,
	CAL_TEMP = -1, /* network, 429, 5xx: worth retrying */
	CAL_PERM = -2, /* config, auth refused, 4xx: retrying won't help */
	CAL_EXISTS = -3, /* create: an event with this id is there */
	CAL_GONE = -4, /* update/delete: no such event */
};

/* One appointment as an event. Times are instants (UTC inside). */
struct cal_event {
	char uid[96]; /* stable: "fd-<appointment id>-<confirmation>" */
	time_t start, end;
	char summary[200]; /* "Oil change - John Smith" */
	char description[600];
	char location[64]; /* the bay */
	long long appointment_id;
};

/* Where an event lives in the external calendar. */
struct cal_ref {
	char id[512]; /* CalDAV href / Google event id */
	char etag[160]; /* last ETag we saw ("" unknown) */
};

struct cal_engine {
	const char *name;
	/* Check the config, set up state; -1 with err on a bad config. */
	int (*open)(char *err, size_t errlen);
	void (*close)(void);
	/* Busy intervals staff entered in [from, to): written to out, count
	 * or -1 (err says why).  Our own events are never listed. */
	int (*freebusy)(time_t from, time_t to, struct fb_span *out, int max,
	    char *err, size_t errlen);
	/* Create ev (idempotent by uid); fills ref. */
	enum cal_rv (*create)(const struct cal_event *ev, struct cal_ref *ref,
	    char *err, size_t errlen);
	/* Replace the event at ref with ev; refreshes ref->etag. */
	enum cal_rv (*update)(const struct cal_event *ev, struct cal_ref *ref,
	    char *err, size_t errlen);
	/* Remove the event at ref (CAL_GONE if already gone). */
	enum cal_rv (*remove)(
	    const struct cal_ref *ref, char *err, size_t errlen);
};

extern const struct cal_engine cal_builtin, cal_caldav, cal_google;

/* Options under crm.* (crm_main.c fills them from the config table). */
struct cal_cfg {
	int timeout_ms; /* crm.calendar_timeout_ms: one HTTP request */
	int attempts; /* crm.calendar_attempts: per operation */
	int backoff_ms; /* first retry delay, doubled each time */
	int fb_cache_s; /* crm.calendar_freebusy_cache_s */
	int retry_base_s; /* crm.calendar_retry_s: queue backoff base */
	int max_tries; /* crm.calendar_max_tries: then a staff task */
	char caldav_url[512]; /* crm.caldav.url: the collection */
	char caldav_user[128];
	char caldav_password[256]; /* FRONTDESK_CALDAV_PASSWORD */
	char google_calendar_id[256];
	char google_client_id[256];
	char google_client_secret[256]; /* FRONTDESK_GOOGLE_CLIENT_SECRET */
	char google_refresh_token[512]; /* FRONTDESK_GOOGLE_REFRESH_TOKEN */
	char google_token_url[512];
	char google_api_base[512];
	char tz[64]; /* business time zone (events carry it) */
};

extern struct cal_cfg cal_cfg;
/* The engine crm.calendar chose (cal_builtin until cal_select). */
extern const struct cal_engine *cal_engine;

/* Pick the engine by name and open it; -1 with err if unknown or its
 * config is bad. */
int cal_select(const char *name, char *err, size_t errlen);
/* 1 when bookings are mirrored to an external calendar. */
int cal_external(void);
/* "caldav:<url>" / "google:<id>": which calendar an event id belongs to. */
const char *cal_identity(void);

/* External busy time for [from, to), cached for fb_cache_s and skipped
 * for a while after a failure so a dead calendar cannot slow every
 * caller.  Count, or -1 when it is unavailable (then slots come from the
 * builtin calendar alone). */
int cal_busy(time_t from, time_t to, struct fb_span *out, int max);
/* Forget cached free/busy (after we changed an event). */
void cal_busy_flush(void);
/* The calendar failed (network, 5xx): for a while callers skip it (no
 * free/busy, pushes only queued) so one outage costs one timeout.  A
 * success from the sync thread ends that early. */
void cal_set_down(void);
void cal_set_up(void);
int cal_is_down(void);

#endif
