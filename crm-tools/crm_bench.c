/*
 * crm_bench.c - crm-bench: latency of crm-tools' tools as the agent sees
 * them (rpc round trip), printed as JSON: cached and uncached customer
 * lookup, slot search, and booking with 200 requests in flight at once
 * (those also as crm-tools' audit times them, in_crm_tools_p50/p99_ms).
 * Without -a it starts its own isolated datastore + crm-tools (harness.c).
 *
 *   crm-bench [-a ipc://.../crm-tools.rep] [-n requests] [-j threads]
 *       [-P phase,...]   (only these phases)
 *       [-d days]        (book on the open day this far ahead; default 45)
 *       [-b N]           (the 200 bookings with N in flight; default 200)
 *       [-w N]           (crm-tools workers of its own instance; default 8)
 *     -j: requests in flight for the lookups and slot search (default:
 *     one per CPU, so the numbers are a tool's latency, not a run queue's;
 *     lookup_cached_oversubscribed repeats the cached lookup with four per
 *     CPU to show what queueing adds)
 *   crm-bench -a ADDR -c TOOL [-i call_id] [-N now] ['{"arg":..}']
 *     (one call, reply printed: handy to poke a running crm-tools)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "harness.h"
#include "rpc.h"

struct phase {
	const char *name;
	int n;                  /* requests */
	int threads;
	int (*one)(struct hx *h, int i, int *ok); /* does request i */
	void (*setup)(struct hx *h, int i);  /* untimed, before the phase */
	int call_base;          /* its requests ran on calls base + i: read
				   crm-tools' own audited latency back */
	uint64_t *lat;          /* per request, us */
	int next;               /* next request index (atomic) */
	int ok, failed, taken;
	struct hx *h;
	pthread_barrier_t go;   /* every thread starts at once */
};

static char bench_day[16];
static char distinct_days[5][16];      /* 5 x 40 free slots */
static char warm_day[16];

static int
lookup_cached(struct hx *h, int i, int *ok)
{
	char phone[40];
	json_t *rep;

	snprintf(phone, sizeof(phone), "+155512300%02d", 1 + i % 10);
	rep = hx_call(h, "", "lookup_customer", json_pack("{s:s}", "phone",
	    phone), NULL);
	*ok = json_is_true(json_object_get(rep, "ok"));
	json_decref(rep);
	return 0;
}

/* A tool that touches neither PostgreSQL nor Redis: what the rpc round
 * trip and the request path cost on their own. */
static int
rpc_floor(struct hx *h, int i, int *ok)
{
	json_t *rep;

	(void)i;
	rep = hx_call(h, "", "transfer_to_human", json_pack("{s:s}", "reason",
	    "bench"), NULL);
	*ok = json_is_true(json_object_get(rep, "ok"));
	json_decref(rep);
	return 0;
}

static int
lookup_uncached(struct hx *h, int i, int *ok)
{
	char phone[40];
	json_t *rep;

	/* a number nobody looked up yet: Redis misses, PostgreSQL answers */
	snprintf(phone, sizeof(phone), "+1555%03d%04d", (int)(getpid() % 900)
	    + 100, i);
	rep = hx_call(h, "", "lookup_customer", json_pack("{s:s}", "phone",
	    phone), NULL);
	*ok = json_is_true(json_object_get(rep, "ok"));
	json_decref(rep);
	return 0;
}

static int
slot_search(struct hx *h, int i, int *ok)
{
	char day[16];
	json_t *rep;

	hx_open_day(1 + i % 20, day, sizeof(day));
	rep = hx_call(h, "", "get_available_slots", json_pack("{s:s, s:s}",
	    "date", day, "service", i % 2 ? "oil change" : "diagnostic"), NULL);
	*ok = json_is_true(json_object_get(rep, "ok"));
	json_decref(rep);
	return 0;
}

/* The calls the bookings happen in were answered before: call_begin is
 * not part of a booking's latency. */
static void
book_call(struct hx *h, int i)
{
	char call[40], phone[40];

	snprintf(call, sizeof(call), "CAbench%d_%d", (int)getpid(), i);
	snprintf(phone, sizeof(phone), "+1555%03d%04d", (int)(getpid() % 900)
	    + 100, 5000 + i);
	json_decref(hx_call(h, call, "call_begin", json_pack("{s:s, s:s}",
	    "from", phone, "to", "+15555550100"), NULL));
}

/* Book slot i of `day`: 20 half-hour starts from 08:00 x 2 bays. */
static int
book_slot(struct hx *h, int i, const char *day, int slot, int *ok)
{
	char call[40], start[32];
	const char *code;
	json_t *rep;
	int r;

	snprintf(call, sizeof(call), "CAbench%d_%d", (int)getpid(), i);
	snprintf(start, sizeof(start), "%sT%02d:%02d", day, 8 + slot / 2,
	    (slot % 2) * 30);
	rep = hx_call(h, call, "book_appointment", json_pack("{s:s, s:s, s:s, "
	    "s:s}", "service", "oil change", "start", start, "first_name",
	    "Bench", "last_name", "Caller"), NULL);
	*ok = json_is_true(json_object_get(rep, "ok"));
	code = json_string_value(json_object_get(rep, "code"));
	r = code && strcmp(code, "slot_taken") == 0;
	json_decref(rep);
	return r;
}

/* The race: 200 callers for the 40 bookings of one day (ten per start
 * time), so 40 win and 160 hear the time is taken, with alternatives. */
static int
book(struct hx *h, int i, int *ok)
{
	return book_slot(h, i, bench_day, i % 20, ok);
}

/* 200 callers who all get their booking: a free slot each, five days. */
static int
book_distinct(struct hx *h, int i, int *ok)
{
	return book_slot(h, 1000 + i, distinct_days[i / 40], (i % 40) / 2, ok);
}

static void
book_distinct_call(struct hx *h, int i)
{
	book_call(h, 1000 + i);
}

/* A running crm-tools has its statements prepared on every connection:
 * book on another day first, 16 at a time so every pooled connection
 * serves some, untimed. */
static int
warm_book(struct hx *h, int i, int *ok)
{
	return book_slot(h, 2000 + i, warm_day, i % 20, ok);
}

static void
warm_call(struct hx *h, int i)
{
	book_call(h, 2000 + i);
}

/* A phase runs when -P is absent or one of its comma-separated words is
 * part of the phase's name. */
static int
wanted(const char *only, const char *name)
{
	char w[64];
	size_t n;

	while (only && *only) {
		n = strcspn(only, ",");
		snprintf(w, sizeof(w), "%.*s", (int)n, only);
		if (n && strstr(name, w) != NULL)
			return 1;
		only += n + (only[n] == ',');
	}
	return only == NULL;
}

static void *
phase_thread(void *arg)
{
	struct phase *p = arg;
	uint64_t t0;
	int i, ok, taken;

	pthread_barrier_wait(&p->go);
	while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->n) {
		t0 = fd_mono_us();
		taken = p->one(p->h, i, &ok);
		p->lat[i] = fd_mono_us() - t0;
		if (ok)
			__atomic_fetch_add(&p->ok, 1, __ATOMIC_RELAXED);
		else if (taken)
			__atomic_fetch_add(&p->taken, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&p->failed, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The booking's latency inside crm-tools (request parsed to reply
 * built, as its tool_calls audit has it): the round trip minus the time
 * spent in the rpc transport and queued for a worker.  Untimed, after the
 * phase, through get_call. */
static void
audited(struct hx *h, struct phase *p, json_t *o)
{
	uint64_t *lat = calloc((size_t)p->n, sizeof(uint64_t));
	char call[40];
	json_t *rep, *tc, *t;
	size_t k;
	int i, n = 0;

	if (lat == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		snprintf(call, sizeof(call), "CAbench%d_%d", (int)getpid(),
		    p->call_base + i);
		rep = hx_call(h, "", "get_call", json_pack("{s:s}", "call_sid",
		    call), NULL);
		tc = json_object_get(json_object_get(rep, "result"),
		    "tool_calls");
		json_array_foreach(tc, k, t) {
			const char *name = json_string_value(json_object_get(t,
			    "tool"));

			if (name && strcmp(name, "book_appointment") == 0) {
				lat[n++] = (uint64_t)json_integer_value(
				    json_object_get(t, "latency_us"));
				break;
			}
		}
		json_decref(rep);
	}
	if (n > 0) {
		qsort(lat, (size_t)n, sizeof(uint64_t), cmp_u64);
		json_object_set_new(o, "in_crm_tools_p50_ms", json_real(
		    lat[n / 2] / 1000.0));
		json_object_set_new(o, "in_crm_tools_p99_ms", json_real(
		    lat[(n * 99) / 100 >= n ? n - 1 : (n * 99) / 100] /
		    1000.0));
		json_object_set_new(o, "in_crm_tools_n", json_integer(n));
	}
	free(lat);
}

static json_t *
run_phase(struct hx *h, struct phase *p)
{
	pthread_t *th;
	uint64_t t0, wall;
	int i;

	p->h = h;
	p->lat = calloc((size_t)p->n, sizeof(uint64_t));
	th = calloc((size_t)p->threads, sizeof(pthread_t));
	for (i = 0; p->setup && i < p->n; i++)
		p->setup(h, i);
	pthread_barrier_init(&p->go, NULL, (unsigned)p->threads + 1);
	for (i = 0; i < p->threads; i++)
		pthread_create(&th[i], NULL, phase_thread, p);
	pthread_barrier_wait(&p->go);
	t0 = fd_mono_us();
	for (i = 0; i < p->threads; i++)
		pthread_join(th[i], NULL);
	wall = fd_mono_us() - t0;
	pthread_barrier_destroy(&p->go);
	qsort(p->lat, (size_t)p->n, sizeof(uint64_t), cmp_u64);
	json_t *o = json_pack("{s:i, s:i, s:f, s:f, s:f, s:f, s:i, s:i}",
	    "n", p->n, "concurrency", p->threads,
	    "p50_ms", p->lat[p->n / 2] / 1000.0,
	    "p99_ms", p->lat[(p->n * 99) / 100 >= p->n ? p->n - 1 :
	    (p->n * 99) / 100] / 1000.0,
	    "max_ms", p->lat[p->n - 1] / 1000.0,
	    "rps", p->n / (wall / 1e6), "ok", p->ok, "failed", p->failed);
	if (p->taken)
		json_object_set_new(o, "slot_taken", json_integer(p->taken));
	if (p->setup == book_call || p->setup == book_distinct_call)
		audited(h, p, o);
	free(p->lat);
	free(th);
	return o;
}

static int
one_call(const char *addr, const char *call, const char *tool,
    const char *args, const char *now)
{
	struct hx h;
	json_error_t je;
	json_t *a, *rep;
	char *s;

	memset(&h, 0, sizeof(h));
	if (fd_rpc_open(&h.rpc, addr) != 0) {
		fprintf(stderr, "cannot open %s\n", addr);
		return 1;
	}
	if ((a = json_loads(args ? args : "{}", 0, &je)) == NULL) {
		fprintf(stderr, "args: %s\n", je.text);
		return 1;
	}
	rep = hx_call(&h, call, tool, a, now);
	s = json_dumps(rep, JSON_INDENT(2));
	printf("%s\n", s);
	free(s);
	json_decref(rep);
	fd_rpc_close(&h.rpc);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *addr = NULL, *tool = NULL, *call = "", *now = NULL;
	const char *only = NULL;
	struct phase ph[8];
	struct hx h;
	char err[256], *s;
	json_t *out, *res;
	int ch, n = 1000, i, k, day_ahead = 45, book_inflight = 200;
	int workers = 8;
	long j = sysconf(_SC_NPROCESSORS_ONLN);

	setenv("TZ", "America/New_York", 0);
	tzset();
	while ((ch = getopt(argc, argv, "a:n:j:c:i:N:P:d:b:w:")) != -1) {
		switch (ch) {
		case 'a': addr = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'j': j = atol(optarg); break;
		case 'c': tool = optarg; break;
		case 'i': call = optarg; break;
		case 'N': now = optarg; break;
		case 'P': only = optarg; break;
		case 'd': day_ahead = atoi(optarg); break;
		case 'b': book_inflight = atoi(optarg); break;
		case 'w': workers = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: crm-bench [-a addr] [-n N] "
			    "[-j threads] [-P phase,..] [-d days] [-b N] [-w N] | -a "
			    "addr -c "
			    "tool "
			    "[-i call] [-N now] "
			    "[args-json]\n");
			return 2;
		}
	}
	if (tool)
		return one_call(addr ? addr : "ipc:///tmp/frontdesk/crm-tools.rep",
		    call, tool, optind < argc ? argv[optind] : NULL, now);
	if (n < 10)
		n = 10;
	if (j < 1)
		j = 1;
	memset(&h, 0, sizeof(h));
	if (addr) {
		if (fd_rpc_open(&h.rpc, addr) != 0)
			return 1;
	} else {
		if (hx_datastore_start(&h, "bench", err, sizeof(err)) != 0) {
			fprintf(stderr, "crm-bench: %s\n", err);
			hx_stop(&h, 1);
			return 1;
		}
		if (hx_daemon_start(&h, 2, workers) != 0) {
			fprintf(stderr, "crm-bench: crm-tools did not start "
			    "(see %s)\n", h.log);
			hx_stop(&h, 1);
			return 1;
		}
	}
	hx_open_day(day_ahead, bench_day, sizeof(bench_day));
	hx_open_day(day_ahead - 3, warm_day, sizeof(warm_day));
	for (i = 0, k = day_ahead + 1; i < 5; i++) {
		do
			hx_open_day(k++, distinct_days[i], 16);
		while (strcmp(distinct_days[i], i ? distinct_days[i - 1] :
		    bench_day) == 0);
	}
	/* warm the cache for the cached phase */
	for (i = 0; i < 10; i++) {
		int ok;

		lookup_cached(&h, i, &ok);
	}
	memset(ph, 0, sizeof(ph));
	ph[0] = (struct phase){ .name = "lookup_cached", .n = n,
		.threads = (int)j, .one = lookup_cached };
	ph[1] = (struct phase){ .name = "lookup_uncached", .n = n,
		.threads = (int)j, .one = lookup_uncached };
	ph[2] = (struct phase){ .name = "slot_search", .n = n / 2,
		.threads = (int)j, .one = slot_search };
	ph[3] = (struct phase){ .name = "book_200_concurrent", .n = 200,
		.threads = book_inflight < 1 ? 1 : book_inflight > 200 ? 200 :
		book_inflight, .one = book, .setup = book_call };
	ph[4] = (struct phase){ .name = "book_200_distinct", .n = 200,
		.threads = ph[3].threads, .one = book_distinct,
		.setup = book_distinct_call, .call_base = 1000 };
	ph[5] = (struct phase){ .name = "lookup_cached_oversubscribed", .n = n,
		.threads = 4 * (int)j, .one = lookup_cached };
	ph[6] = (struct phase){ .name = "rpc_floor", .n = n, .threads = (int)j,
		.one = rpc_floor };
	ph[7] = (struct phase){ .name = "rpc_floor_200", .n = n, .threads = 200,
		.one = rpc_floor };
	if (wanted(only, "book_200")) {
		struct phase w = { .name = "warm", .n = 40, .threads = 16,
			.one = warm_book, .setup = warm_call };

		json_decref(run_phase(&h, &w));
	}
	res = json_object();
	for (i = 0; i < 8; i++)
		if (wanted(only, ph[i].name))
			json_object_set_new(res, ph[i].name, run_phase(&h,
			    &ph[i]));
	out = json_pack("{s:o}", "crm_tools", res);
	s = json_dumps(out, JSON_INDENT(2) | JSON_REAL_PRECISION(4));
	printf("%s\n", s);
	free(s);
	json_decref(out);
	if (addr)
		fd_rpc_close(&h.rpc);
	else
		hx_stop(&h, 0);
	return 0;
}
