/*
 * calsync.h - pushing appointments to the external calendar and the queue
 * of pushes still to do (calsync.c).
 */
#ifndef CRM_CALSYNC_H
#define CRM_CALSYNC_H

#include <stddef.h>

#include <jansson.h>

#include "crm.h"

/* The event UID of an appointment: "fd-<id>-<confirmation>" lower-case. */
void calsync_uid(long long id, const char *conf, char *out, size_t len);
/* After a booking change: push appointment id now.  NULL with the builtin
 * calendar, else {engine, synced, event_id?, queued?, error?}.  Never
 * changes c's error state. */
json_t *calsync_now(struct crm_ctx *c, long long id);
/* Push up to max due queue entries on w; the number synced or -1. */
int calsync_run_due(struct crm_worker *w, int max);
/* Record the engine in the database (the trigger reads it) and queue the
 * future appointments when the calendar changed.  Main thread, at start. */
int calsync_setup(struct crm_worker *w, char *err, size_t errlen);
/* The background thread that retries due pushes (none for builtin). */
int calsync_start(void);
void calsync_stop(void);

#endif
