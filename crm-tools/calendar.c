/*
 * calendar.c - choosing the calendar engine and the external free/busy
 * that the slot search merges in (calendar.h).  A short cache keeps a slot
 * search that walks a fortnight of days from asking the calendar server
 * for each; after a failure the server is left alone for a while, so a
 * dead calendar costs one timeout, not one per caller.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "log.h"
#include "ops_find.h"

#define FB_CACHE 16
#define FB_MAX 256
#define DOWN_FOR_S 30
#define FETCH_AHEAD (15 * 86400) /* alternatives look two weeks on */

struct cal_cfg cal_cfg;
const struct cal_engine *cal_engine = &cal_builtin;

static const struct cal_engine *const engines[] = {
    &cal_builtin,
    &cal_caldav,
    &cal_google,
};

static struct fb_entry {
	time_t from, to, at;
	int n;
	struct fb_span spans[FB_MAX];
} fb_cache[FB_CACHE];
static int fb_next;
static time_t down_until;
static pthread_mutex_t fb_mu = PTHREAD_MUTEX_INITIALIZER;
static char identity[600];

int
cal_select(const char *name, char *err, size_t errlen)
{
	const struct cal_engine *e;

	if ((e = OPS_FIND(engines, name)) == NULL) {
		snprintf(err, errlen,
		    "crm.calendar: no engine \"%s\" (builtin, caldav, google)",
		    name);
		return -1;
	}
	if (e->open(err, errlen) != 0)
		return -1;
	cal_engine = e;
	if (cal_engine == &cal_caldav)
		snprintf(identity, sizeof(identity), "caldav:%s",
		    cal_cfg.caldav_url);
	else if (cal_engine == &cal_google)
		snprintf(identity, sizeof(identity), "google:%s",
		    cal_cfg.google_calendar_id);
	else
		snprintf(identity, sizeof(identity), "builtin");
	return 0;
}

int
cal_external(void)
{
	return cal_engine != &cal_builtin;
}

const char *
cal_identity(void)
{
	return identity[0] ? identity : "builtin";
}

void
cal_set_down(void)
{
	pthread_mutex_lock(&fb_mu);
	down_until = time(NULL) + DOWN_FOR_S;
	pthread_mutex_unlock(&fb_mu);
}

void
cal_set_up(void)
{
	pthread_mutex_lock(&fb_mu);
	down_until = 0;
	pthread_mutex_unlock(&fb_mu);
}

int
cal_is_down(void)
{
	int down;

	pthread_mutex_lock(&fb_mu);
	down = time(NULL) < down_until;
	pthread_mutex_unlock(&fb_mu);
	return down;
}

void
cal_busy_flush(void)
{
	pthread_mutex_lock(&fb_mu);
	memset(fb_cache, 0, sizeof(fb_cache));
	pthread_mutex_unlock(&fb_mu);
}

int
cal_busy(time_t from, time_t to, struct fb_span *out, int max)
{
	struct fb_span spans[FB_MAX];
	char err[256];
	time_t now = time(NULL), fetch_to;
	int i, n;

	if (!cal_external())
		return 0;
	pthread_mutex_lock(&fb_mu);
	if (now < down_until) {
		pthread_mutex_unlock(&fb_mu);
		return -1;
	}
	for (i = 0; i < FB_CACHE; i++) {
		struct fb_entry *e = &fb_cache[i];

		if (e->at && now - e->at < cal_cfg.fb_cache_s &&
		    e->from <= from && to <= e->to) {
			n = e->n < max ? e->n : max;
			memcpy(out, e->spans, (size_t)n * sizeof(*out));
			pthread_mutex_unlock(&fb_mu);
			return fb_clip(out, n, from, to);
		}
	}
	pthread_mutex_unlock(&fb_mu);
	fetch_to = to - from < FETCH_AHEAD ? from + FETCH_AHEAD : to;
	n = cal_engine->freebusy(
	    from, fetch_to, spans, FB_MAX, err, sizeof(err));
	pthread_mutex_lock(&fb_mu);
	if (n < 0) {
		down_until = time(NULL) + DOWN_FOR_S;
		pthread_mutex_unlock(&fb_mu);
		log_warnx(NULL,
		    "calendar %s: free/busy unavailable (%s); "
		    "using the builtin calendar alone for %d s",
		    cal_engine->name, err, DOWN_FOR_S);
		return -1;
	}
	n = fb_merge(spans, n);
	fb_cache[fb_next].from = from;
	fb_cache[fb_next].to = fetch_to;
	fb_cache[fb_next].at = time(NULL);
	fb_cache[fb_next].n = n;
	memcpy(fb_cache[fb_next].spans, spans, (size_t)n * sizeof(*spans));
	fb_next = (fb_next + 1) % FB_CACHE;
	pthread_mutex_unlock(&fb_mu);
	n = n < max ? n : max;
	memcpy(out, spans, (size_t)n * sizeof(*out));
	return fb_clip(out, n, from, to);
}
