/*
 * scheduler - places frontdesk's outbound calls and texts.
 *
 * Every outbound.tick_ms it asks crm-tools for due jobs (jobs_claim over
 * req/rep: reminders, callbacks, lead follow-ups, confirmation texts; the
 * claim is atomic across schedulers and carries each call's dial slot in
 * the account's pacing), waits for each job's slot and publishes
 * FD_MSG_OUTBOUND_CALL (or FD_MSG_OUTBOUND_SMS) with the job id, attempt
 * and idempotency key for the gateway.  The gateway's
 * FD_MSG_OUTBOUND_RESULT comes back with the same job and attempt and is
 * reported to crm-tools: the carrier took the call (job_dialed) or how
 * the attempt ended (job_result, where retries and final states are
 * decided).  Nothing is written between claiming and publishing: a
 * scheduler killed in between leaves the claim to expire, and the job is
 * claimed again with the same idempotency key, which the gateway refuses
 * to place twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "business.h"
#include "cluster.h"
#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "outbound.h"
#include "proto/payload.h"
#include "rpc.h"

#define MAX_QUEUED 256

struct sched_job {
	json_t *job; /* jobs_claim's entry (owned) */
	uint64_t at_us; /* fd_mono_us() of its dial slot */
};

static int tick_s;
static int retention_days;
static uint64_t next_sweep; /* fd_mono_us() of the next retention sweep */
static char test_now[32];
static struct fd_bus bus;
static struct fd_rpc crm;
static struct fd_outbound out;
static struct fd_business biz;
static char owner[96];
static int crm_up = -1; /* unknown, then 0/1: log changes only */
static time_t clock_base; /* test_now as time_t, 0 = wall clock */
static uint64_t clock_mono;
static struct sched_job queue[MAX_QUEUED];
static int nqueued;

static const struct fd_cfg_opt opts[] = {
    {"scheduler.tick_s", FD_CFG_INT, &tick_s, 0, "30", 1, 3600, NULL},
    {"scheduler.test_now", FD_CFG_STR, test_now, sizeof(test_now), "", 0, 0,
        "FRONTDESK_SCHEDULER_NOW"},
    {"scheduler", FD_CFG_SECTION, NULL, 0, NULL, 0, 0, NULL},
    {"privacy.retention_days", FD_CFG_INT, &retention_days, 0, "90", 0, 36500,
        NULL},
};

static void scheduler_tick(void);
static void retention_sweep(void);
static void claim(void);
static void publish_due(void);
static void on_result(const struct fd_frame *f);
static int validate(char *err, size_t errlen);

static void
dispatch(const struct fd_frame *f)
{
	switch (f->type) {
	case FD_MSG_OUTBOUND_RESULT:
		on_result(f);
		break;
	default:
		log_err(
		    f->call_id, "unexpected message %s", fd_msg_name(f->type));
	}
}

int
main(int argc, char **argv)
{
	static const enum fd_daemon_id from[] = {FD_D_GATEWAY};
	static const int types[] = {FD_MSG_OUTBOUND_RESULT};
	char host[64];
	struct fd_frame f;
	uint64_t next = 0, next_claim = 0, now;
	nng_msg *m;
	int rv, i, wait_ms;

	fd_daemon_validate = validate;
	fd_daemon_recheck = validate;
	fd_daemon_start(FD_D_SCHEDULER, argc, argv, opts, FD_CFG_N(opts));
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(owner, sizeof(owner), "%s:%ld", host, (long)getpid());
	/* in a cluster the gateways come from the registry */
	if ((rv = fd_bus_open(&bus, FD_D_SCHEDULER, from,
	         fd_cluster_on() ? 0 : 1, types, 1)) != 0)
		fatalx("bus: %s", nng_strerror(rv));
	if ((rv = fd_rpc_open(&crm, fd_common.crm_rep)) != 0)
		fatalx("rpc %s: %s", fd_common.crm_rep, nng_strerror(rv));
	if (fd_cluster_start(&bus, FD_D_SCHEDULER, from, 1, &crm, NULL) != 0)
		fatalx("cluster: cannot start");
	log_info(NULL,
	    "outbound %s as %s: %g calls/s, %d in flight, calls "
	    "%02d:%02d-%02d:%02d",
	    out.enabled ? "on"
	                : "off (outbound."
	                  "enabled)",
	    owner, out.calls_per_s, out.max_concurrent, out.call_from_min / 60,
	    out.call_from_min % 60, out.call_until_min / 60,
	    out.call_until_min % 60);
	if (fd_cluster_on())
		fd_cluster_ready_when_connected("hearing the gateways");
	else
		fd_bus_ready_when_connected(&bus, "hearing the gateway");
	while (!fd_stop) {
		if (fd_reload) {
			fd_reload = 0;
			fd_daemon_reload(opts, FD_CFG_N(opts));
		}
		now = fd_mono_us();
		if (now >= next) {
			scheduler_tick();
			next = now + (uint64_t)tick_s * 1000000u;
		}
		if (out.enabled && now >= next_claim) {
			if (nqueued == 0)
				claim();
			next_claim = now + (uint64_t)out.tick_ms * 1000u;
		}
		publish_due();
		/* wake for the next dial slot, the next claim or a result */
		wait_ms = 200;
		for (i = 0; i < nqueued; i++) {
			now = fd_mono_us();
			if (queue[i].at_us <= now)
				wait_ms = 0;
			else if ((queue[i].at_us - now) / 1000 <
			    (uint64_t)wait_ms)
				wait_ms = (int)((queue[i].at_us - now) / 1000);
		}
		rv = fd_bus_recv(&bus, &m, &f, wait_ms > 0 ? wait_ms : 1);
		if (rv == 0) {
			dispatch(&f);
			nng_msg_free(m);
		}
	}
	log_info(
	    NULL, "stopping (%d claimed job(s) left to their lease)", nqueued);
	for (i = 0; i < nqueued; i++)
		json_decref(queue[i].job);
	fd_rpc_close(&crm);
	fd_cluster_stop();
	fd_bus_close(&bus);
	config_destroy(&fd_config);
	fd_daemon_stopped();
	return 0;
}

/* At start and on reload (SIGHUP): the outbound and business sections
 * and the test clock, taken only when all of them are good. */
static int
validate(char *err, size_t errlen)
{
	static struct fd_outbound o;
	static struct fd_business b;
	time_t base = 0;
	int allow = 0;

	if (fd_outbound_load(&fd_config, &o, err, errlen) != 0 ||
	    fd_business_load(&fd_config, &b, err, errlen) != 0)
		return -1;
	if (test_now[0]) {
		/* a test clock is a test's: the same switch as callsim's
		 * FdNow on calls */
		if (config_lookup_bool(&fd_config, "gateway.allow_test_clock",
		        &allow) != CONFIG_TRUE ||
		    !allow) {
			snprintf(err, errlen,
			    "scheduler.test_now needs "
			    "gateway.allow_test_clock");
			return -1;
		}
		if (fd_time_parse(test_now, &base) != 0) {
			snprintf(err, errlen,
			    "scheduler.test_now must be "
			    "YYYY-MM-DDTHH:MM:SS");
			return -1;
		}
	}
	out = o;
	biz = b;
	/* a new test_now starts running from the moment it is read */
	if (base != clock_base) {
		clock_base = base;
		clock_mono = fd_mono_us();
		if (base)
			log_info(NULL, "test clock: %s, running on", test_now);
		else
			log_info(NULL, "wall clock again");
	}
	return 0;
}

/* The scheduler's clock: the wall clock, or test_now running on. */
static time_t
sched_now(void)
{
	if (clock_base == 0)
		return time(NULL);
	return clock_base + (time_t)((fd_mono_us() - clock_mono) / 1000000u);
}

static void
now_text(char *buf, size_t len)
{
	fd_time_fmt(sched_now(), buf, len);
}

/* One pass of slow periodic work: know whether crm-tools is there. */
static void
scheduler_tick(void)
{
	json_t *rep = NULL;
	int rv, up;

	rv = fd_rpc_tool(&crm, NULL, "ping", NULL, NULL, &rep, 2000);
	up = (rv == 0);
	if (up != crm_up)
		log_info(
		    NULL, "crm-tools %s", up ? "reachable" : "not answering");
	crm_up = up;
	json_decref(rep);
	if (up)
		retention_sweep();
}

/* Hourly (and at the first tick crm-tools answers): crm-tools deletes the
 * call records older than privacy.retention_days (0 keeps them). */
static void
retention_sweep(void)
{
	char before[32];
	json_t *rep = NULL;
	uint64_t now = fd_mono_us();

	if (retention_days <= 0 || now < next_sweep)
		return;
	next_sweep = now + 3600ull * 1000000u;
	fd_time_fmt(sched_now() - (time_t)retention_days * 86400, before,
	    sizeof(before));
	if (fd_rpc_tool(&crm, NULL, "retention_sweep",
	        json_pack("{s:s}", "before", before), NULL, &rep, 60000) != 0)
		log_warnx(NULL, "retention sweep before %s: no answer", before);
	json_decref(rep);
}

/* Ask for due jobs and queue each at its dial slot. */
static void
claim(void)
{
	char now[32];
	json_t *rep = NULL, *jobs, *j;
	time_t slot, t;
	size_t i;
	int rv;

	now_text(now, sizeof(now));
	rv = fd_rpc_tool(&crm, NULL, "jobs_claim",
	    json_pack("{s:s, s:i}", "owner", owner, "limit", out.batch),
	    clock_base ? now : NULL, &rep, 5000);
	if (rv != 0 || !json_is_true(json_object_get(rep, "ok"))) {
		if (rv == 0)
			log_warnx(NULL, "jobs_claim: %s",
			    json_string_value(json_object_get(rep, "error"))
			        ?: "?");
		json_decref(rep);
		return;
	}
	jobs = json_object_get(json_object_get(rep, "result"), "jobs");
	t = sched_now();
	json_array_foreach(jobs, i, j)
	{
		if (nqueued == MAX_QUEUED) {
			log_err(NULL,
			    "dial queue full: job %lld left to its "
			    "lease",
			    (long long)json_integer_value(
			        json_object_get(j, "job_id")));
			continue;
		}
		if (fd_time_parse(
		        json_string_value(json_object_get(j, "dial_at")) ?: "",
		        &slot) != 0 ||
		    slot < t)
			slot = t;
		queue[nqueued].job = json_incref(j);
		queue[nqueued].at_us =
		    fd_mono_us() + (uint64_t)(slot - t) * 1000000u;
		nqueued++;
	}
	json_decref(rep);
}

/* The text of a confirmation message. */
static void
sms_text(const json_t *j, char *buf, size_t len)
{
	const char *ev = json_string_value(json_object_get(j, "event")) ?: "";
	const char *svc =
	    json_string_value(json_object_get(j, "service")) ?: "appointment";
	const char *start =
	    json_string_value(json_object_get(j, "start")) ?: "";
	const char *code =
	    json_string_value(json_object_get(j, "confirmation")) ?: "";
	char when[32] = "";
	struct tm tm;
	time_t t;

	if (fd_time_parse(start, &t) == 0) {
		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%a %b %e at %H:%M", &tm);
	}
	if (strcmp(ev, "cancelled") == 0)
		snprintf(buf, len,
		    "%s: your %s on %s is cancelled. Reply STOP "
		    "to opt out.",
		    biz.name, svc, when);
	else
		snprintf(buf, len,
		    "%s: your %s is %s for %s (code %s). Reply "
		    "STOP to opt out.",
		    biz.name, svc,
		    strcmp(ev, "moved") == 0 ? "moved" : "booked", when, code);
}

static void
publish_one(json_t *j)
{
	const char *kind = json_string_value(json_object_get(j, "kind")) ?: "";
	char err[128], text[320];
	json_t *msg;
	int type;

	if (strcmp(kind, "confirmation_sms") == 0) {
		struct fd_pl_outbound_sms s = {0};

		sms_text(j, text, sizeof(text));
		s.to = json_string_value(json_object_get(j, "to"));
		s.from = biz.phone;
		s.text = text;
		s.job_id = json_integer_value(json_object_get(j, "job_id"));
		s.attempt = json_integer_value(json_object_get(j, "attempt"));
		s.idempotency_key =
		    json_string_value(json_object_get(j, "idempotency_key"));
		type = FD_MSG_OUTBOUND_SMS;
		msg = fd_pl_json_outbound_sms(&s, err, sizeof(err));
	} else {
		struct fd_pl_outbound_call c = {0};

		c.to = json_string_value(json_object_get(j, "to"));
		c.from = biz.phone;
		c.purpose = kind;
		c.kind = kind;
		c.appointment_id =
		    json_integer_value(json_object_get(j, "appointment_id"));
		c.job_id = json_integer_value(json_object_get(j, "job_id"));
		c.attempt = json_integer_value(json_object_get(j, "attempt"));
		c.idempotency_key =
		    json_string_value(json_object_get(j, "idempotency_key"));
		type = FD_MSG_OUTBOUND_CALL;
		msg = fd_pl_json_outbound_call(&c, err, sizeof(err));
	}
	if (msg == NULL) {
		log_err(NULL, "job %lld: %s",
		    (long long)json_integer_value(json_object_get(j, "job_id")),
		    err);
		return;
	}
	fd_bus_publish_json(&bus, type, NULL, 0, msg);
	log_info(NULL, "job %lld attempt %lld (%s) sent to the gateway",
	    (long long)json_integer_value(json_object_get(j, "job_id")),
	    (long long)json_integer_value(json_object_get(j, "attempt")), kind);
	json_decref(msg);
}

/* Publish every queued job whose slot has come, in claim order. */
static void
publish_due(void)
{
	uint64_t now = fd_mono_us();
	int i, k = 0;

	for (i = 0; i < nqueued; i++) {
		if (queue[i].at_us <= now) {
			publish_one(queue[i].job);
			json_decref(queue[i].job);
		} else
			queue[k++] = queue[i];
	}
	nqueued = k;
}

static void
on_result(const struct fd_frame *f)
{
	struct fd_pl_outbound_result r;
	const char *outc;
	char err[160], now[32];
	json_t *j, *rep = NULL, *args;
	int rv;

	if ((j = fd_pl_frame_outbound_result(f, &r, err, sizeof(err))) ==
	    NULL) {
		log_err(f->call_id, "%s", err);
		return;
	}
	if (r.job_id <= 0 || r.attempt <= 0) {
		log_info(f->call_id, "outbound call to %s: %s (no job)", r.to,
		    r.status);
		json_decref(j);
		return;
	}
	outc = fd_outbound_outcome(r.status);
	args = json_pack("{s:I, s:I}", "job_id", (json_int_t)r.job_id,
	    "attempt", (json_int_t)r.attempt);
	if (r.call_id[0])
		json_object_set_new(args, "call_sid", json_string(r.call_id));
	if (outc) {
		char d[160];

		json_object_set_new(args, "outcome", json_string(outc));
		fd_outbound_detail(r.error, r.answered_by,
		    (long long)r.duration_s, d, sizeof(d));
		if (d[0])
			json_object_set_new(args, "detail", json_string(d));
	}
	now_text(now, sizeof(now));
	rv = fd_rpc_tool(&crm, f->call_id, outc ? "job_result" : "job_dialed",
	    args, clock_base ? now : NULL, &rep, 5000);
	if (rv != 0 || !json_is_true(json_object_get(rep, "ok")))
		log_err(f->call_id, "job %lld attempt %lld %s: not recorded "
		    "(%s)", (long long)r.job_id, (long long)r.attempt, r.status,
		    rv ? nng_strerror(rv) : json_string_value(json_object_get(
		    rep, "error")) ?: "?");
	else
		log_info(f->call_id, "job %lld attempt %lld: %s",
		    (long long)r.job_id, (long long)r.attempt, r.status);
	json_decref(rep);
	json_decref(j);
}
