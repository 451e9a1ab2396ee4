/*
 * agent.c - the agent daemon: holds each call's dialogue.
 *
 * Subscribes to the gateway (CALL_START, CALL_END, DTMF, MARK), stt-worker
 * (SPEECH_STARTED, SPEECH_STOPPED, TRANSCRIPT) and tts-worker (AUDIO_MARK,
 * TTS_ERROR); publishes SAY, SAY_CANCEL, STT_HINT, CLEAR, HANGUP and
 * TRANSFER; calls crm-tools over req/rep.  The main thread only receives
 * frames and hands them to their call (calls.c); worker threads run the
 * calls (agent_call.c) and the brain chosen by agent.brain (brain.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brain.h"
#include "business.h"
#include "bus.h"
#include "cluster.h"
#include "agent_call.h"
#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "rpc.h"
#include "agent_session.h"
#include "rt_call.h"

struct agent_cfg agent_cfg;

static const struct fd_cfg_opt opts[] = {
    {"agent.brain", FD_CFG_STR, agent_cfg.brain, sizeof(agent_cfg.brain),
        "local", 0, 0, "FRONTDESK_AGENT_BRAIN"},
    {"agent.workers", FD_CFG_INT, &agent_cfg.workers, 0, "4", 1, 64, NULL},
    {"agent.tool_timeout_ms", FD_CFG_INT, &agent_cfg.tool_timeout_ms, 0, "3000",
        100, 60000, NULL},
    {"agent.idle_prompt_ms", FD_CFG_INT, &agent_cfg.idle_prompt_ms, 0, "8000",
        500, 600000, NULL},
    {"agent.idle_hangup_ms", FD_CFG_INT, &agent_cfg.idle_hangup_ms, 0, "20000",
        500, 600000, NULL},
    {"agent.bargein_min_speech_ms", FD_CFG_INT,
        &agent_cfg.bargein_min_speech_ms, 0, "250", 0, 10000, NULL},
    {"agent.bargein_pause", FD_CFG_BOOL, &agent_cfg.bargein_pause, 0, "true", 0,
        0, NULL},
    {"agent.max_misunderstandings", FD_CFG_INT,
        &agent_cfg.max_misunderstandings, 0, "3", 1, 20, NULL},
    {"agent.session_ttl_s", FD_CFG_INT, &agent_cfg.session_ttl_s, 0, "3600", 10,
        86400, NULL},
    {"agent.redis", FD_CFG_STR, agent_cfg.redis, sizeof(agent_cfg.redis), "", 0,
        0, "FRONTDESK_AGENT_REDIS"},
    {"agent.hangup_safety_ms", FD_CFG_INT, &agent_cfg.hangup_safety_ms, 0,
        "10000", 100, 120000, NULL},
    /* the gateway records calls; the greeting may have to say so */
    {"recording.enabled", FD_CFG_BOOL, &agent_cfg.recording, 0, "true", 0, 0,
        NULL},
    {"recording.disclosure", FD_CFG_STR, agent_cfg.disclosure,
        sizeof(agent_cfg.disclosure), "", 0, 0, NULL},
    {"agent.engine", FD_CFG_STR, agent_cfg.engine, sizeof(agent_cfg.engine),
        "pipeline", 0, 0, "FRONTDESK_AGENT_ENGINE"},
    {"agent.speculative", FD_CFG_BOOL, &agent_cfg.speculative, 0, "true", 0, 0,
        "FRONTDESK_AGENT_SPECULATIVE"},
};

static const enum fd_daemon_id sources[] = {FD_D_GATEWAY, FD_D_STT, FD_D_TTS};
/* AUDIO_IN last: only the Realtime engine hears the caller's audio */
static const int types[] = {FD_MSG_CALL_START, FD_MSG_CALL_END, FD_MSG_DTMF,
    FD_MSG_MARK, FD_MSG_SPEECH_STARTED, FD_MSG_SPEECH_STOPPED,
    FD_MSG_TRANSCRIPT, FD_MSG_AUDIO_MARK, FD_MSG_TTS_ERROR, FD_MSG_CALL_ASSIGN,
    FD_MSG_AUDIO_IN};

static struct fd_bus bus;
static struct fd_rpc rpc;
static struct fd_business biz;
static int biz_stale; /* reloaded: apply between calls */
static struct agent_ctx ctx;

static int check_config(char *err, size_t errlen);
static int assign_news(const struct fd_frame *f);
static int start_brain(char *err, size_t errlen);
static void apply_business(const struct brain_ops *b);

static void
dispatch(nng_msg *m, const struct fd_frame *f)
{
	switch (f->type) {
	case FD_MSG_CALL_START:
	case FD_MSG_CALL_END:
	case FD_MSG_DTMF:
	case FD_MSG_MARK:
	case FD_MSG_SPEECH_STARTED:
	case FD_MSG_SPEECH_STOPPED:
	case FD_MSG_TRANSCRIPT:
	case FD_MSG_AUDIO_MARK:
	case FD_MSG_TTS_ERROR:
	case FD_MSG_AUDIO_IN:
		calls_post(m, f); /* takes m */
		return;
	case FD_MSG_CALL_ASSIGN:
		/* a new call's CALL_START follows; a moved call (or one this
		 * agent loses) goes to its actor */
		if (!assign_news(f)) {
			nng_msg_free(m);
			return;
		}
		calls_post(m, f);
		return;
	default:
		log_err(
		    f->call_id, "unexpected message %s", fd_msg_name(f->type));
		nng_msg_free(m);
		return;
	}
}

int
main(int argc, char **argv)
{
	const struct brain_ops *brain;
	struct fd_frame f;
	nng_msg *m;
	char why[256];
	int rv, realtime;

	/* -n and a real start both check the brain by starting it */
	fd_daemon_validate = start_brain;
	fd_daemon_recheck = check_config; /* SIGHUP: refuse a bad brain */
	fd_daemon_start(FD_D_AGENT, argc, argv, opts, FD_CFG_N(opts));
	brain = brain_find(agent_cfg.brain); /* start_brain started it */
	realtime = strcmp(agent_cfg.engine, "realtime") == 0;
	/* check_config looked at agent.realtime; this starts its client */
	if (realtime && rt_engine_init(&fd_config, &biz, why, sizeof(why)) != 0)
		fatalx("%s", why);
	/* in a cluster the publishers come from the registry */
	if ((rv = fd_bus_open(&bus, FD_D_AGENT, sources,
	         fd_cluster_on() ? 0 : sizeof(sources) / sizeof(sources[0]),
	         types,
	         sizeof(types) / sizeof(types[0]) - (realtime ? 0 : 1))) != 0)
		fatalx("bus: %s", nng_strerror(rv));
	if ((rv = fd_rpc_open(&rpc, fd_common.crm_rep)) != 0)
		fatalx("rpc %s: %s", fd_common.crm_rep, nng_strerror(rv));
	/* sessions: "" -> the datastore's socket, "none" -> memory only */
	if (agent_cfg.redis[0] == '\0')
		snprintf(agent_cfg.redis, sizeof(agent_cfg.redis),
		    "unix:%s/redis.sock", fd_common.rundir);
	else if (strcmp(agent_cfg.redis, "none") == 0)
		agent_cfg.redis[0] = '\0';
	session_store_init(agent_cfg.redis, agent_cfg.session_ttl_s);
	ctx.bus = &bus;
	ctx.rpc = &rpc;
	ctx.brain = brain;
	ctx.biz = &biz;
	if (calls_start(&ctx, agent_cfg.workers) != 0)
		fatalx("cannot start workers");
	log_info(NULL,
	    "engine %s, brain %s, %d workers, business %s, "
	    "sessions %s",
	    agent_cfg.engine, brain->name, agent_cfg.workers, biz.name,
	    agent_cfg.redis[0] ? agent_cfg.redis : "in memory");
	if (fd_cluster_on()) {
		if (fd_cluster_start(&bus, FD_D_AGENT, sources,
		        sizeof(sources) / sizeof(sources[0]), &rpc, NULL) != 0)
			fatalx("cluster: cannot start");
		fd_cluster_ready_when_connected(
		    "hearing gateways, stt-workers and tts-workers");
	} else
		fd_bus_ready_when_connected(&bus,
		    "hearing gateway, stt-worker and "
		    "tts-worker");

	while (!fd_stop) {
		if (fd_reload) {
			fd_reload = 0;
			/* timers and limits apply at once; the business (and
			 * the brain built on it) once no call is live */
			if (fd_daemon_reload(opts, FD_CFG_N(opts)) == 0)
				biz_stale = 1;
		}
		if (biz_stale && calls_count() == 0) {
			biz_stale = 0;
			apply_business(brain);
		}
		/* live calls' timers (barge-in, silence) are checked every
		 * 20 ms; with none, waking 50 times a second costs the idle
		 * daemon more than anything it has to do */
		rv = fd_bus_recv(&bus, &m, &f, calls_count() > 0 ? 20 : 250);
		if (rv == 0 && !fd_cluster_mine(&f))
			nng_msg_free(m);
		else if (rv == 0)
			dispatch(m, &f);
		else if (rv != NNG_ETIMEDOUT && rv != EPROTO)
			log_warnx(NULL, "bus recv: %s", nng_strerror(rv));
		calls_tick();
	}
	log_info(NULL, "stopping: %d live call(s)", calls_count());
	calls_stop();
	fd_cluster_stop();
	fd_bus_close(&bus);
	fd_rpc_close(&rpc);
	session_store_fini();
	rt_engine_fini();
	if (brain->fini)
		brain->fini();
	config_destroy(&fd_config);
	log_info(NULL, "stopped");
	fd_daemon_stopped();
	return 0;
}

/*
 * After a reload, with no call live (so no worker reads the business or
 * the brain): the business section and the brain again, so the next call
 * greets with the new name, persona, greeting and services.  A call in
 * progress keeps what it started with.  A brain that will not start on
 * the new business gets the old one back.
 */
static void
apply_business(const struct brain_ops *b)
{
	struct fd_business *old;
	char err[256];

	if ((old = malloc(sizeof(*old))) == NULL) {
		log_warnx(NULL, "business not reloaded: out of memory");
		return;
	}
	*old = biz;
	if (fd_business_load(&fd_config, &biz, err, sizeof(err)) != 0) {
		biz = *old;
		free(old);
		log_warnx(NULL, "business not reloaded: %s", err);
		return;
	}
	if (b->fini)
		b->fini();
	if (b->init && b->init(&fd_config, &biz, err, sizeof(err)) != 0) {
		log_err(NULL,
		    "brain %s on the new business: %s; keeping the "
		    "old one",
		    b->name, err);
		biz = *old;
		if (b->init(&fd_config, &biz, err, sizeof(err)) != 0)
			log_err(NULL, "brain %s: %s", b->name, err);
	} else
		log_info(NULL, "business %s (persona %s) applied", biz.name,
		    biz.persona);
	free(old);
}

/* A CALL_ASSIGN the call's actor must see: the call moved here, or away
 * from here.  A new call's assignment needs nothing (CALL_START comes). */
static int
assign_news(const struct fd_frame *f)
{
	struct fd_pl_call_assign a;
	json_t *j;
	int news;

	if ((j = fd_bus_read_call_assign(f, &a)) == NULL)
		return 0;
	news = a.moved || strcmp(a.agent, fd_cluster_self()) != 0;
	json_decref(j);
	return news;
}

/* The brain and the business section (also on SIGHUP: only looks). */
static int
check_config(char *err, size_t errlen)
{
	struct fd_business *tmp;
	int rv;

	if (brain_find(agent_cfg.brain) == NULL) {
		snprintf(err, errlen,
		    "agent.brain: unknown brain '%s' (local, "
		    "llm)",
		    agent_cfg.brain);
		return -1;
	}
	if (strcmp(agent_cfg.engine, "pipeline") != 0 &&
	    strcmp(agent_cfg.engine, "realtime") != 0) {
		snprintf(err, errlen,
		    "agent.engine: unknown engine '%s' "
		    "(pipeline, realtime)",
		    agent_cfg.engine);
		return -1;
	}
	if (strcmp(agent_cfg.engine, "realtime") == 0 &&
	    rt_engine_check(&fd_config, err, errlen) != 0)
		return -1;
	if ((tmp = malloc(sizeof(*tmp))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rv = fd_business_load(&fd_config, tmp, err, errlen);
	free(tmp);
	return rv;
}

/* At start and under -n: the checks above, then the business loaded and
 * the brain started, so a setting only the brain understands (an LLM
 * endpoint without its key) fails -n too. */
static int
start_brain(char *err, size_t errlen)
{
	const struct brain_ops *b;
	char why[200];

	if (check_config(err, errlen) != 0 ||
	    fd_business_load(&fd_config, &biz, err, errlen) != 0)
		return -1;
	b = brain_find(agent_cfg.brain);
	if (b->init && b->init(&fd_config, &biz, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "brain %s: %s", b->name, why);
		return -1;
	}
	return 0;
}
