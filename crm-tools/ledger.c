/*
 * ledger.c - the bay ledger of ledger.h: a few dozen calendar days of
 * busy intervals behind one mutex.  Days are loaded outside the lock and
 * installed if nobody installed a fresher copy meanwhile; claims in flight
 * are carried over into every new copy of their day.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ledger.h"

#define LEDGER_DAYS 64
#define LEDGER_MAX 2048 /* busy intervals one day can hold */

struct lday {
	time_t day; /* calendar day start; 0: unused */
	uint64_t loaded_us; /* 0: must be reloaded */
	int loading; /* one thread is loading it: wait for that */
	uint64_t used; /* last use, for eviction */
	struct ledger_slot *s;
	int n, cap;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t load_done = PTHREAD_COND_INITIALIZER;
static int ttl_ms, nres;
static uint64_t next_claim, tick;
static struct lday days[LEDGER_DAYS];

void
ledger_init(int ttl, int bays)
{
	pthread_mutex_lock(&mu);
	ttl_ms = ttl;
	nres = bays;
	pthread_mutex_unlock(&mu);
	ledger_forget_all();
}

uint64_t
ledger_key(const char *key)
{
	uint64_t h = 1469598103934665603ULL;

	if (key == NULL || *key == '\0')
		return 0;
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return h ? h : 1;
}

static struct lday *
find(time_t day)
{
	int i;

	for (i = 0; i < LEDGER_DAYS; i++)
		if (days[i].day == day)
			return &days[i];
	return NULL;
}

static int
fresh(const struct lday *d)
{
	return d->loaded_us != 0 &&
	    fd_mono_us() - d->loaded_us < (uint64_t)ttl_ms * 1000;
}

static int
pending(const struct lday *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (d->s[i].claim)
			return 1;
	return 0;
}

/* A place for a new day: an unused one, else the least recently used day
 * without claims in flight.  NULL when every day has some. */
static struct lday *
victim(void)
{
	struct lday *v = NULL;
	int i;

	for (i = 0; i < LEDGER_DAYS; i++) {
		if (days[i].day == 0)
			return &days[i];
		if (!pending(&days[i]) && !days[i].loading &&
		    (v == NULL || days[i].used < v->used))
			v = &days[i];
	}
	if (v != NULL) {
		v->n = 0;
		v->loaded_us = 0;
	}
	return v;
}

static int
append(struct lday *d, const struct ledger_slot *s)
{
	struct ledger_slot *ns;
	int cap;

	if (d->n == d->cap) {
		cap = d->cap ? d->cap * 2 : 32;
		if ((ns = realloc(d->s, (size_t)cap * sizeof(*ns))) == NULL)
			return -1;
		d->s = ns;
		d->cap = cap;
	}
	d->s[d->n++] = *s;
	return 0;
}

/* Replace what d knows with the n loaded slots, keeping claims in flight. */
static int
install(struct lday *d, const struct ledger_slot *loaded, int n)
{
	int i, k = 0;

	for (i = 0; i < d->n; i++)
		if (d->s[i].claim)
			d->s[k++] = d->s[i];
	d->n = k;
	for (i = 0; i < n; i++)
		if (append(d, &loaded[i]) != 0)
			return -1;
	d->loaded_us = fd_mono_us();
	return 0;
}

/* The fresh day containing t, with the lock held; NULL (lock released)
 * when it cannot be loaded or kept.  One thread loads a day while the
 * others wait for it: a race's losers all want the next days at once. */
static struct lday *
get_day(time_t t, ledger_load_fn load, void *arg)
{
	struct ledger_slot *tmp;
	struct lday *d;
	time_t day = fd_day_start(t);
	int n = 0;

	pthread_mutex_lock(&mu);
	for (;;) {
		if ((d = find(day)) == NULL) {
			if ((d = victim()) == NULL) {
				pthread_mutex_unlock(&mu);
				return NULL;
			}
			d->day = day;
		}
		if (!d->loading)
			break;
		pthread_cond_wait(&load_done, &mu);
	}
	if (fresh(d)) {
		d->used = ++tick;
		return d;
	}
	d->loading = 1;
	pthread_mutex_unlock(&mu);
	if ((tmp = malloc(LEDGER_MAX * sizeof(*tmp))) != NULL &&
	    ((n = load(arg, day, fd_add_days(day, 1), tmp, LEDGER_MAX)) < 0 ||
	        n >= LEDGER_MAX)) {
		free(tmp);
		tmp = NULL;
	}
	pthread_mutex_lock(&mu);
	d->loading = 0;
	pthread_cond_broadcast(&load_done);
	if (tmp == NULL || install(d, tmp, n) != 0) {
		d->loaded_us = 0;
		pthread_mutex_unlock(&mu);
		free(tmp);
		return NULL;
	}
	free(tmp);
	d->used = ++tick;
	return d;
}

int
ledger_busy(time_t from, time_t to, long long except, struct slot_busy *busy,
    int max, ledger_load_fn load, void *arg)
{
	struct lday *d;
	int i, n = 0;

	if ((d = get_day(from, load, arg)) == NULL)
		return -1;
	for (i = 0; i < d->n && n < max; i++) {
		const struct ledger_slot *s = &d->s[i];

		if (s->end <= from || s->start >= to ||
		    (except && s->appt == except))
			continue;
		busy[n].res = s->res;
		busy[n].start = s->start;
		busy[n].end = s->end;
		n++;
	}
	pthread_mutex_unlock(&mu);
	return n;
}

/* Append d's slots overlapping [from, to) (without except) to *busy. */
static int
copy_out(const struct lday *d, time_t from, time_t to, long long except,
    struct slot_busy **busy, int *n, int *cap)
{
	struct slot_busy *nb;
	int i, c;

	for (i = 0; i < d->n; i++) {
		const struct ledger_slot *s = &d->s[i];

		if (s->end <= from || s->start >= to ||
		    (except && s->appt == except))
			continue;
		if (*n == *cap) {
			c = *cap ? *cap * 2 : 64;
			if ((nb = realloc(*busy, (size_t)c * sizeof(*nb))) ==
			    NULL)
				return -1;
			*busy = nb;
			*cap = c;
		}
		(*busy)[*n].res = s->res;
		(*busy)[*n].start = s->start;
		(*busy)[*n].end = s->end;
		(*n)++;
	}
	return 0;
}

/* With the lock held: 1 if every day of [day0, end) is known and fresh. */
static int
window_fresh(time_t day0, time_t end)
{
	struct lday *d;
	time_t day;

	for (day = day0; day < end; day = fd_day_start(fd_add_days(day, 1)))
		if ((d = find(day)) == NULL || d->loading || !fresh(d))
			return 0;
	return 1;
}

int
ledger_busy_window(time_t from, time_t to, long long except,
    struct slot_busy **busy, ledger_load_fn load, void *arg)
{
	struct ledger_slot *tmp = NULL, *ns;
	struct lday *d, one;
	time_t day0 = fd_day_start(from), end, day, next, lo, hi;
	uint64_t t0;
	int n = 0, cap = 0, nl = 0, lcap = 4096, i, rv = 0;

	*busy = NULL;
	end = fd_day_start(to - 1);
	end = fd_day_start(fd_add_days(end, 1));
	pthread_mutex_lock(&mu);
	if (!window_fresh(day0, end)) {
		pthread_mutex_unlock(&mu);
		t0 = fd_mono_us();
		/* one read of the window; a bigger buffer only when the
		 * window holds more than it */
		for (;;) {
			if ((ns = realloc(tmp, (size_t)lcap * sizeof(*ns))) ==
			        NULL ||
			    (nl = load(arg, day0, end, ns, lcap)) < 0) {
				free(ns ? ns : tmp);
				return -1;
			}
			tmp = ns;
			if (nl < lcap)
				break;
			lcap *= 2;
		}
		pthread_mutex_lock(&mu);
	} else {
		t0 = 0;
	}
	for (day = day0; day < end && rv == 0; day = next) {
		next = fd_day_start(fd_add_days(day, 1));
		lo = from < day ? day : from;
		hi = to < next ? to : next;
		d = find(day);
		if (tmp == NULL ||
		    (d != NULL && !d->loading && d->loaded_us >= t0)) {
			/* fresh, or loaded by another thread since the read */
			d->used = ++tick;
			rv = copy_out(d, lo, hi, except, busy, &n, &cap);
			continue;
		}
		memset(&one, 0, sizeof(one));
		for (i = 0; i < nl && rv == 0; i++)
			if (tmp[i].start < next && day < tmp[i].end)
				rv = append(&one, &tmp[i]);
		if (rv == 0 && d == NULL && (d = victim()) != NULL)
			d->day = day;
		if (rv == 0 && d != NULL && !d->loading) {
			/* the read is the newest copy of the day: keep it,
			 * with the claims in flight */
			if (install(d, one.s, one.n) != 0) {
				d->loaded_us = 0;
				rv = -1;
			} else {
				d->used = ++tick;
				rv =
				    copy_out(d, lo, hi, except, busy, &n, &cap);
			}
		} else if (rv == 0) {
			/* no room, or another thread is loading the day: what
			 * was read is right for this search all the same */
			rv = copy_out(&one, lo, hi, except, busy, &n, &cap);
		}
		free(one.s);
	}
	pthread_mutex_unlock(&mu);
	free(tmp);
	if (rv != 0) {
		free(*busy);
		*busy = NULL;
		return -1;
	}
	return n;
}

enum ledger_verdict
ledger_claim(time_t start, time_t end, uint64_t idem, ledger_load_fn load,
    void *arg, struct ledger_claim *cl)
{
	struct ledger_slot s;
	struct lday *d;
	uint64_t held = 0; /* bit r: bay r is held over [start, end) */
	int i, r;

	if (nres < 1 || nres > 64 || (d = get_day(start, load, arg)) == NULL)
		return LEDGER_ERROR;
	for (i = 0; i < d->n; i++) {
		if (d->s[i].end <= start || d->s[i].start >= end)
			continue;
		if (idem && d->s[i].idem == idem) {
			pthread_mutex_unlock(&mu);
			return LEDGER_OWN;
		}
		if (d->s[i].res >= 0 && d->s[i].res < nres)
			held |= 1ULL << d->s[i].res;
	}
	for (r = 0; r < nres && (held >> r & 1); r++)
		;
	if (r == nres) {
		pthread_mutex_unlock(&mu);
		return LEDGER_TAKEN;
	}
	memset(&s, 0, sizeof(s));
	s.res = r;
	s.start = start;
	s.end = end;
	s.idem = idem;
	s.claim = ++next_claim;
	if (append(d, &s) != 0) {
		pthread_mutex_unlock(&mu);
		return LEDGER_ERROR;
	}
	cl->day = d->day;
	cl->id = s.claim;
	cl->res = r;
	pthread_mutex_unlock(&mu);
	return LEDGER_CLAIMED;
}

void
ledger_settle(const struct ledger_claim *cl, long long appt, int res)
{
	struct lday *d;
	int i;

	pthread_mutex_lock(&mu);
	if ((d = find(cl->day)) != NULL) {
		for (i = 0; i < d->n && d->s[i].claim != cl->id; i++)
			;
		if (i < d->n && appt > 0) {
			d->s[i].appt = appt;
			d->s[i].res = res;
			d->s[i].claim = 0;
		} else if (i < d->n) {
			d->s[i] = d->s[--d->n];
		}
	}
	pthread_mutex_unlock(&mu);
}

void
ledger_forget(time_t t)
{
	struct lday *d;

	pthread_mutex_lock(&mu);
	if ((d = find(fd_day_start(t))) != NULL)
		d->loaded_us = 0;
	pthread_mutex_unlock(&mu);
}

void
ledger_forget_all(void)
{
	int i;

	pthread_mutex_lock(&mu);
	for (i = 0; i < LEDGER_DAYS; i++)
		days[i].loaded_us = 0;
	pthread_mutex_unlock(&mu);
}
