/*
 * tts_worker.c - the speech synthesis daemon.  Listens to the agent (SAY,
 * SAY_CANCEL, SAY_RELEASE of a SAY sent with hold) and the gateway (CALL_START, CALL_END); speaks each SAY
 * segment by segment with the engine named by tts.engine and publishes
 * AUDIO_OUT frames and AUDIO_MARKs (gateway, agent) and TTS_ERROR (agent)
 * on its own pub socket.  The work itself is in tts_calls.c.
 *
 * Config (section tts): engine = "flite"; voice = "slt"; rate = 1.0;
 * duration_stretch (overrides rate); workers = 2; flite_serialise = false;
 * fallback = true (a vendor engine's failed segment is spoken by flite);
 * cache_kb = 4096 (segments kept for replay, tts_cache.h; 0: none);
 * pronunciations = ( { text = "Otto's"; say = "Ottos"; }, ... ).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bus.h"
#include "cluster.h"
#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "tts_cache.h"
#include "tts_calls.h"
#include "speech/tts_engine.h"
#include "speech/tts_normalize.h"

static char engine_name[32];
static char voice[32];
static double rate, stretch;
static int nworkers, serialise, fallback, cache_kb;

static const struct fd_cfg_opt opts[] = {
    {"tts.engine", FD_CFG_STR, engine_name, sizeof(engine_name), "flite", 0, 0,
        "FRONTDESK_TTS_ENGINE"},
    {"tts.voice", FD_CFG_STR, voice, sizeof(voice), "slt", 0, 0, NULL},
    {"tts.rate", FD_CFG_DOUBLE, &rate, 0, "1.0", 0.5, 2.0, NULL},
    {"tts.duration_stretch", FD_CFG_DOUBLE, &stretch, 0, "0", 0, 2.0, NULL},
    {"tts.workers", FD_CFG_INT, &nworkers, 0, "2", 1, 32, NULL},
    {"tts.flite_serialise", FD_CFG_BOOL, &serialise, 0, "false", 0, 0, NULL},
    {"tts.fallback", FD_CFG_BOOL, &fallback, 0, "true", 0, 0, NULL},
    {"tts.cache_kb", FD_CFG_INT, &cache_kb, 0, "4096", 0, 1048576,
        "FRONTDESK_TTS_CACHE_KB"},
};

static struct fd_bus bus;
static struct tts_prons prons;

static int check_config(char *err, size_t errlen);
static void say(const struct fd_frame *f, uint64_t now);
static void reload(void);
static void warm_up(const struct tts_engine_ops *ops, void *eng);
static int discard(void *arg, const int16_t *pcm, size_t n);

static void
dispatch(const struct fd_frame *f, uint64_t now)
{
	struct fd_pl_call_assign ca;
	struct fd_pl_call_end ce;
	json_t *j;

	switch (f->type) {
	case FD_MSG_CALL_START:
		tts_call_start(f->call_id);
		break;
	case FD_MSG_CALL_END:
		/* the call ends even if its reason does not decode */
		j = fd_bus_read_call_end(f, &ce);
		tts_call_end(f->call_id, j && ce.reason[0] ? ce.reason : NULL);
		json_decref(j);
		break;
	case FD_MSG_SAY:
		say(f, now);
		break;
	case FD_MSG_SAY_CANCEL:
		tts_say_cancel(f->call_id, f->ref);
		break;
	case FD_MSG_SAY_RELEASE:
		tts_say_release(f->call_id, f->ref);
		break;
	case FD_MSG_CALL_ASSIGN:
		/* cluster mode: a call moved to another instance is let go
		 * (one moved here starts with its next SAY) */
		if ((j = fd_bus_read_call_assign(f, &ca)) == NULL)
			break;
		if (strcmp(ca.tts, fd_cluster_self()) != 0)
			tts_call_end(f->call_id, "moved");
		json_decref(j);
		break;
	default:
		log_err(
		    f->call_id, "unexpected message %s", fd_msg_name(f->type));
	}
}

int
main(int argc, char **argv)
{
	static const enum fd_daemon_id from[] = {FD_D_GATEWAY, FD_D_AGENT};
	static const int types[] = {FD_MSG_CALL_START, FD_MSG_CALL_END,
	    FD_MSG_SAY, FD_MSG_SAY_CANCEL, FD_MSG_SAY_RELEASE,
	    FD_MSG_CALL_ASSIGN};
	const struct tts_engine_ops *ops;
	struct fd_frame f;
	struct tts_cache *cache;
	nng_msg *m;
	char err[256], tag[64];
	void *eng, *fb_eng = NULL;
	uint64_t hits, misses;
	size_t kept;
	int rv;

	fd_daemon_validate = check_config;
	fd_daemon_start(FD_D_TTS, argc, argv, opts, FD_CFG_N(opts));
	ops = tts_engine_find(engine_name); /* check_config found it */
	if (ops->init(&fd_config, &eng, err, sizeof(err)) != 0) {
		log_err(NULL, "tts engine %s: %s", ops->name, err);
		exit(FD_EX_CONFIG);
	}
	warm_up(ops, eng);
	if (tts_prons_load(&fd_config, &prons, err, sizeof(err)) != 0) {
		log_err(NULL, "%s", err);
		exit(FD_EX_CONFIG);
	}
	/* in a cluster the publishers come from the registry */
	if ((rv = fd_bus_open(&bus, FD_D_TTS, from, fd_cluster_on() ? 0 : 2,
	         types, sizeof(types) / sizeof(types[0]))) != 0) {
		log_err(NULL, "bus: %s", nng_strerror(rv));
		exit(1);
	}
	/* a vendor's engine falls back to flite, segment by segment */
	if (fallback && ops != &tts_engine_flite) {
		if (tts_engine_flite.init(NULL, &fb_eng, err, sizeof(err)) != 0)
			log_warnx(NULL, "no flite fallback: %s", err);
		else
			tts_calls_set_fallback(&tts_engine_flite, fb_eng);
	}
	/* what shapes the engine's output besides voice and text: fixed
	 * until a restart (reload changes only the pronunciations, applied
	 * to the text before it is looked up) */
	snprintf(
	    tag, sizeof(tag), "%s %g %g %s", ops->name, rate, stretch, voice);
	cache = tts_cache_new((size_t)cache_kb * 1024);
	tts_calls_set_cache(cache, tag);
	if (tts_calls_start(&bus, ops, eng, nworkers, &prons) != 0) {
		log_err(NULL, "cannot start the worker threads");
		exit(1);
	}
	log_info(NULL,
	    "engine %s voice %s, %d workers, %zu pronunciations, cache %d kB",
	    ops->name, voice, nworkers, prons.n, cache ? cache_kb : 0);
	if (fd_cluster_on()) {
		if (fd_cluster_start(&bus, FD_D_TTS, from, 2, NULL, NULL) != 0)
			exit(1);
		fd_cluster_ready_when_connected(
		    "hearing the gateways and the agents");
	} else
		fd_bus_ready_when_connected(
		    &bus, "hearing the gateway and the agent");

	while (!fd_stop) {
		if (fd_reload) {
			fd_reload = 0;
			reload();
		}
		rv = fd_bus_recv(&bus, &m, &f, 250);
		if (rv == NNG_ETIMEDOUT || rv == NNG_EPROTO)
			continue;
		if (rv != 0) {
			if (rv == NNG_ECLOSED)
				break;
			log_warnx(NULL, "bus receive: %s", nng_strerror(rv));
			fd_sleep_us(100000);
			continue;
		}
		if (fd_cluster_mine(&f))
			dispatch(&f, fd_mono_us());
		nng_msg_free(m);
	}
	log_info(NULL, "stopping");
	fd_cluster_stop();
	tts_calls_stop();
	tts_cache_stats(cache, &hits, &misses, &kept);
	log_info(NULL,
	    "cache: %llu segments replayed, %llu synthesised, %zu kB kept",
	    (unsigned long long)hits, (unsigned long long)misses, kept / 1024);
	tts_cache_free(cache);
	ops->fini(eng);
	if (fb_eng)
		tts_engine_flite.fini(fb_eng);
	tts_prons_free(&prons);
	fd_bus_close(&bus);
	fd_daemon_stopped();
	return 0;
}

/* The engine, its voice and options, the pronunciations: what start
 * needs, checked at start and under -n with a throw-away engine. */
static int
check_config(char *err, size_t errlen)
{
	const struct tts_engine_ops *ops;
	struct tts_prons p;
	void *eng;

	if ((ops = tts_engine_find(engine_name)) == NULL) {
		snprintf(err, errlen,
		    "tts.engine: unknown engine '%s' (flite, "
		    "deepgram, elevenlabs)",
		    engine_name);
		return -1;
	}
	if (ops->init(&fd_config, &eng, err, errlen) != 0)
		return -1;
	ops->fini(eng);
	if (tts_prons_load(&fd_config, &p, err, errlen) != 0)
		return -1;
	tts_prons_free(&p);
	return 0;
}

static void
say(const struct fd_frame *f, uint64_t now)
{
	struct fd_pl_say m;
	json_t *j;

	if ((j = fd_bus_read_say(f, &m)) == NULL)
		return;
	if (m.hold)
		tts_say_hold(f->call_id, f->ref);
	tts_say(f->call_id, f->ref, m.text, m.last, m.voice[0] ? m.voice : NULL,
	    now);
	json_decref(j);
}

/* SIGHUP: the pronunciation list can change; the engine and the number
 * of workers need a restart. */
static void
reload(void)
{
	struct tts_prons np;
	char err[256];

	if (fd_daemon_reload(opts, FD_CFG_N(opts)) != 0)
		return;
	if (tts_prons_load(&fd_config, &np, err, sizeof(err)) != 0) {
		log_warnx(
		    NULL, "reload: %s; keeping the old pronunciations", err);
		return;
	}
	/* segments already queued were normalised when they arrived */
	tts_calls_set_prons(&np);
	tts_prons_free(&prons);
	prons = np;
	tts_calls_set_prons(&prons);
	log_info(NULL, "%zu pronunciations", prons.n);
}

/* One throw-away synthesis so the first caller does not pay for faulting
 * the voice data in (about 20 ms on the first utterance otherwise). */
static void
warm_up(const struct tts_engine_ops *ops, void *eng)
{
	char err[256];
	uint64_t t0 = fd_mono_us();

	if (ops->synth(eng, NULL, "Hello.", discard, NULL, err, sizeof(err)) <
	    0)
		log_warnx(NULL, "warm-up synthesis failed: %s", err);
	else
		log_debug(NULL, "warm-up synthesis took %.1f ms",
		    (fd_mono_us() - t0) / 1e3);
}

static int
discard(void *arg, const int16_t *pcm, size_t n)
{
	(void)arg;
	(void)pcm;
	(void)n;
	return 0;
}
