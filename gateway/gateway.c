/*
 * gateway - frontdesk's door to the phone network.  One libwebsockets
 * context serves, on one port, Twilio's webhooks and the call-record API
 * (http.c) and the Media Streams WebSocket (media.c).  It publishes caller
 * events (CALL_START, DTMF, MARK, CALL_END) to stt-worker, agent and
 * tts-worker, the callers' audio (AUDIO_IN) on its media pub only, which
 * stt-worker dials instead of its pub (common/bus.h), subscribes to the agent (CLEAR, HANGUP, TRANSFER),
 * tts-worker (AUDIO_OUT, AUDIO_MARK), scheduler (OUTBOUND_CALL,
 * OUTBOUND_SMS) and stt-worker (final TRANSCRIPTs and heartbeats: what to
 * replay to a restarted stt-worker, media_replay.c), asks crm-tools over
 * req/rep for call records, and calls the carrier's REST API (carrier.c)
 * to transfer and place calls and send texts.
 *
 * This file: config, the bus thread and its dispatch, the lws context and
 * the service loop, and at start the close of the calls an earlier run of
 * this gateway left open (restart_main).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "bus.h"
#include "cluster.h"
#include "carrier.h"
#include "clock.h"
#include "daemon.h"
#include "dialout.h"
#include "fallthrough.h"
#include "gateway.h"
#include "http_auth.h"
#include "log.h"
#include "outbound.h"
#include "rpc.h"
#include "recording.h"
#include "twiml.h"

struct gw_cfg gw_cfg;
struct gw_stats gw_stats;
struct fd_bus gw_bus;
struct fd_rpc gw_crm;
struct lws_context *gw_ctx;
struct gw_shard gw_shards[GW_SHARDS_MAX];
int gw_nshards;
pthread_mutex_t gw_lock = PTHREAD_MUTEX_INITIALIZER;
uint64_t gw_start_us;
char gw_instance[128];
char gw_boot[48];

static int bus_quit; /* atomic */
static int shards_quit; /* atomic */

/* The calls an earlier run left open, closed at start (restart_main): their
 * CALL_END is published again to each subscriber that connects in the
 * first RESTART_RESEND_S, as a daemon may still be redialling our new pub
 * socket when the first one goes out. */
#define RESTART_RESEND_S 30
static json_t *restart_closed; /* call ids; restart thread only */

/* lws's loop poll()s every socket each time it wakes.  Under load it would
 * wake for nearly every arriving Media Streams message, so at most one
 * poll per SERVICE_MIN_US: each wake then handles everything that came
 * meanwhile.  Idle, nothing waits; busy, a message waits at most this. */
#define SERVICE_MIN_US 1000

static const struct fd_cfg_opt opts[] = {
    {"gateway.listen_addr", FD_CFG_STR, gw_cfg.listen_addr,
        sizeof(gw_cfg.listen_addr), "127.0.0.1", 0, 0, "FRONTDESK_LISTEN_ADDR"},
    {"gateway.listen_port", FD_CFG_INT, &gw_cfg.listen_port, 0, "8080", 1,
        65535, NULL},
    {"gateway.public_url", FD_CFG_STR, gw_cfg.public_url,
        sizeof(gw_cfg.public_url), "http://127.0.0.1:8080", 0, 0,
        "FRONTDESK_PUBLIC_URL"},
    {"gateway.trusted_proxies", FD_CFG_STR, gw_cfg.trusted_proxies,
        sizeof(gw_cfg.trusted_proxies), "", 0, 0, "FRONTDESK_TRUSTED_PROXIES"},
    {"gateway.auth_token", FD_CFG_STR, gw_cfg.auth_token,
        sizeof(gw_cfg.auth_token), "", 0, 0, "TWILIO_AUTH_TOKEN"},
    {"gateway.validate_signature", FD_CFG_BOOL, &gw_cfg.validate_signature, 0,
        "true", 0, 0, NULL},
    {"gateway.allow_test_clock", FD_CFG_BOOL, &gw_cfg.allow_test_clock, 0,
        "false", 0, 0, NULL},
    {"gateway.api_token", FD_CFG_STR, gw_cfg.api_token,
        sizeof(gw_cfg.api_token), "", 0, 0, "FRONTDESK_API_TOKEN"},
    {"gateway.api_tokens", FD_CFG_STR, gw_cfg.api_tokens,
        sizeof(gw_cfg.api_tokens), "", 0, 0, "FRONTDESK_API_TOKENS"},
    {"gateway.max_calls", FD_CFG_INT, &gw_cfg.max_calls, 0, "1000", 1, 100000,
        NULL},
    /* lws contexts, each serviced by a thread of its own (gw_accept.c) */
    {"gateway.service_threads", FD_CFG_INT, &gw_cfg.service_threads, 0, "2", 1,
        GW_SHARDS_MAX, NULL},
    {"gateway.twilio_api_base", FD_CFG_STR, gw_cfg.twilio_api_base,
        sizeof(gw_cfg.twilio_api_base), "https://api.twilio.com/2010-04-01", 0,
        0, NULL},
    {"gateway.account_sid", FD_CFG_STR, gw_cfg.account_sid,
        sizeof(gw_cfg.account_sid), "", 0, 0, "TWILIO_ACCOUNT_SID"},
    {"gateway.pace_lead_frames", FD_CFG_INT, &gw_cfg.pace_lead_frames, 0, "2",
        0, 25, NULL},
    {"gateway.max_queue_s", FD_CFG_INT, &gw_cfg.max_queue_s, 0, "120", 5, 3600,
        NULL},
    /* "" = <hostname>:<listen_port>; name each gateway that shares both */
    {"gateway.instance", FD_CFG_STR, gw_cfg.instance, sizeof(gw_cfg.instance),
        "", 0, 0, "FRONTDESK_GATEWAY_INSTANCE"},
    {"gateway.warm_transfer", FD_CFG_BOOL, &gw_cfg.warm_transfer, 0, "true", 0,
        0, NULL},
    {"gateway.transfer_ring_s", FD_CFG_INT, &gw_cfg.transfer_ring_s, 0, "20", 5,
        120, NULL},
    {"gateway.voicemail_box", FD_CFG_BOOL, &gw_cfg.voicemail_box, 0, "false", 0,
        0, NULL},
    {"gateway.voicemail_max_s", FD_CFG_INT, &gw_cfg.voicemail_max_s, 0, "120",
        10, 600, NULL},
    /* off only for a gateway that runs alone on purpose (the Media
     * Streams benches): a stack that cannot answer sends callers to the
     * voicemail box */
    {"gateway.voicemail_when_degraded", FD_CFG_BOOL, &gw_cfg.voicemail_degraded,
        0, "true", 0, 0, NULL},
    {"gateway", FD_CFG_SECTION, NULL, 0, NULL, 0, 0, NULL},
    /* call recordings (recording.c); recording.disclosure is the
	 * agent's */
    {"recording.enabled", FD_CFG_BOOL, &gw_cfg.recording, 0, "true", 0, 0,
        NULL},
    {"recording.keep_audio", FD_CFG_BOOL, &gw_cfg.keep_audio, 0, "true", 0, 0,
        NULL},
    {"recording.dir", FD_CFG_STR, gw_cfg.recording_dir,
        sizeof(gw_cfg.recording_dir), "", 0, 0, "FRONTDESK_RECORDING_DIR"},
    /* the caller id of outbound calls the scheduler leaves without one */
    {"business.phone", FD_CFG_STR, gw_cfg.business_phone,
        sizeof(gw_cfg.business_phone), "", 0, 0, NULL},
};

static int gw_lws_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len);

static const struct lws_protocols protocols[] = {
    {"frontdesk-gateway", gw_lws_callback, sizeof(struct gw_conn), 0, 0, NULL,
        0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static int check_config(char *err, size_t errlen);
static void warn_closed_api(void);
static void *bus_main(void *arg);
static void *shard_main(void *arg);
static int service(struct gw_shard *sh, uint64_t *polled);
static void start_shards(void);
static void stop_shards(void);
static void *restart_main(void *arg);
static void name_this_run(void);
static void start_recording(void);
static int report_recording(
    const char *call_id, const char *path, double dur, long long bytes);
static void lws_log(int level, const char *line);
static void on_peer(void *arg, struct fd_bus *b, int peer,
    const struct fd_bus_peer *p, uint64_t old_instance);
static int is_stt(int peer, const struct fd_bus_peer *p);
static void on_move(enum fd_daemon_id kind);

/* The publishers the gateway dials, in order: on_peer knows stt-worker by
 * its place. */
static const enum fd_daemon_id from[] = {
    FD_D_AGENT, FD_D_TTS, FD_D_SCHEDULER, FD_D_STT};
#define PEER_STT 3
/* stt-worker's subscribers (agent, gateway): a new instance is sent the
 * calls' audio again only when all of them hear it, or its transcripts
 * would reach nobody */
#define STT_SUBSCRIBERS 2
/* bus thread: the instance of each stt-worker publisher replayed to (one
 * on a single box; in a cluster, each stt-worker's slot) */
static uint64_t stt_caught_up[FD_BUS_MAX_PEERS];

/* Frames from agent, tts-worker and scheduler (bus thread). */
static void
dispatch(const struct fd_frame *f)
{
	struct fd_pl_hangup hu;
	json_t *j;

	switch (f->type) {
	case FD_MSG_AUDIO_OUT:
		media_audio_out(f);
		break;
	case FD_MSG_AUDIO_MARK:
		media_audio_mark(f);
		break;
	case FD_MSG_CLEAR:
		media_clear(f);
		break;
	case FD_MSG_PAUSE:
		media_pause(f);
		break;
	case FD_MSG_RESUME:
		media_resume(f);
		break;
	case FD_MSG_HANGUP:
		if ((j = fd_bus_read_hangup(f, &hu)) == NULL)
			break;
		log_info(f->call_id, "hangup requested: %.200s", hu.reason);
		json_decref(j);
		media_hangup(f);
		break;
	case FD_MSG_TRANSFER:
		carrier_transfer(f);
		break;
	case FD_MSG_OUTBOUND_CALL:
		carrier_outbound(f);
		break;
	case FD_MSG_TRANSCRIPT:
		media_stt_transcript(f);
		fall_transcript(f);
		break;
	case FD_MSG_OUTBOUND_SMS:
		carrier_sms(f);
		break;
	default:
		log_err(
		    f->call_id, "unexpected message %s", fd_msg_name(f->type));
	}
}

/* One lws callback for the one protocol: HTTP reasons go to http.c,
 * WebSocket reasons to media.c. */
static int
gw_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct gw_conn *conn = user;
	struct gw_shard *sh;

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		/* another thread left work: rpc answers, queued audio,
		 * accepted connections */
		sh = gw_shard_of(wsi);
		if (sh->idx == 0)
			http_on_wake();
		media_on_wake(sh);
		accept_adopt(sh);
		return 0;
	case LWS_CALLBACK_HTTP:
		if (gw_shard_of(wsi)->idx != 0) {
			/* only upgrades to /twilio/media are sent here */
			lws_return_http_status(
			    wsi, HTTP_STATUS_NOT_FOUND, NULL);
			return -1;
		}
		return http_callback(wsi, reason, conn, in, len);
	case LWS_CALLBACK_HTTP_BODY:
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
	case LWS_CALLBACK_HTTP_WRITEABLE:
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_TIMER: /* only http.c sets timers */
		return http_callback(wsi, reason, conn, in, len);
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
	case LWS_CALLBACK_ESTABLISHED:
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLOSED:
		return media_callback(wsi, reason, conn, in, len);
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

int
main(int argc, char **argv)
{
	static const int types[] = {FD_MSG_CLEAR, FD_MSG_PAUSE, FD_MSG_RESUME,
	    FD_MSG_HANGUP, FD_MSG_TRANSFER, FD_MSG_AUDIO_OUT, FD_MSG_AUDIO_MARK,
	    FD_MSG_OUTBOUND_CALL, FD_MSG_OUTBOUND_SMS, FD_MSG_TRANSCRIPT};
	pthread_t bus_thr, restart_thr;
	uint64_t polled = 0;
	char err[256];
	int rv;

	fd_daemon_validate = check_config;
	fd_daemon_recheck = check_config;
	fd_daemon_start(FD_D_GATEWAY, argc, argv, opts, FD_CFG_N(opts));
	gw_start_us = fd_mono_us();
	/* memory freed stays in the heap for the next call's buffers: given
	 * back to the kernel at every free, as glibc does past 128 KB at the
	 * top, each recording chunk and bus message landed on fresh pages
	 * the kernel had to fault in and zero */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);

	name_this_run();
	/* in a cluster the publishers come from the registry */
	if ((rv = fd_bus_open(&gw_bus, FD_D_GATEWAY, from,
	         fd_cluster_on() ? 0 : FD_CFG_N(from), types,
	         FD_CFG_N(types))) != 0)
		fatalx("bus: %s", nng_strerror(rv));
	fd_bus_on_peer(&gw_bus, on_peer, NULL);
	log_info(NULL, "bus: publishing on %s, the callers' audio on %s",
	    fd_pub_addr(FD_D_GATEWAY), fd_media_addr(FD_D_GATEWAY));
	if ((rv = fd_rpc_open(&gw_crm, fd_common.crm_rep)) != 0)
		fatalx("rpc %s: %s", fd_common.crm_rep, nng_strerror(rv));
	if (http_start() != 0 || carrier_start() != 0 || fall_start() != 0)
		fatalx("cannot start worker threads");
	start_recording();

	if (accept_listen(
	        gw_cfg.listen_addr, gw_cfg.listen_port, err, sizeof(err)) != 0)
		fatalx("cannot listen on %s:%d: %s", gw_cfg.listen_addr,
		    gw_cfg.listen_port, err);
	start_shards();
	if (pthread_create(&bus_thr, NULL, bus_main, NULL) != 0)
		fatalx("cannot start the bus thread");
	if (pthread_create(&restart_thr, NULL, restart_main, NULL) != 0)
		fatalx("cannot start the restart thread");
	log_info(NULL, "listening on %s:%d, public url %s, signatures %s%s",
	    gw_cfg.listen_addr, gw_cfg.listen_port, gw_cfg.public_url,
	    gw_cfg.validate_signature ? "checked" : "NOT checked",
	    gw_cfg.allow_test_clock ? ", test clock allowed" : "");
	warn_closed_api();
	if (fd_cluster_on()) {
		/* the scheduler is optional in a cluster (one per site) */
		if (fd_cluster_start(&gw_bus, FD_D_GATEWAY, from,
		        FD_CFG_N(from), &gw_crm, on_move) != 0)
			fatalx("cluster: cannot start");
		fd_cluster_ready_when_connected(
		    "hearing agents, tts-workers, schedulers and stt-workers");
	} else
		fd_bus_ready_when_connected(&gw_bus,
		    "hearing agent, tts-worker, "
		    "scheduler and stt-worker");

	while (!fd_stop) {
		if (fd_reload) {
			fd_reload = 0;
			pthread_mutex_lock(&gw_lock);
			rv = fd_daemon_reload(opts, FD_CFG_N(opts));
			pthread_mutex_unlock(&gw_lock);
			if (rv == 0) {
				log_info(NULL,
				    "listen address, port, max_calls, "
				    "service_threads and recording.dir "
				    "changes need a restart");
				warn_closed_api();
				/* recording switched on: new calls are
				 * recorded from now */
				if (gw_cfg.recording && gw_cfg.keep_audio &&
				    !rec_started())
					start_recording();
			}
		}
		if (service(&gw_shards[0], &polled) < 0)
			break;
	}

	log_info(NULL, "stopping");
	fd_cluster_stop();
	accept_stop();
	__atomic_store_n(&bus_quit, 1, __ATOMIC_RELAXED);
	pthread_join(bus_thr, NULL);
	pthread_join(restart_thr, NULL);
	stop_shards();
	http_stop();
	fall_stop();
	carrier_stop();
	rec_stop();
	for (rv = gw_nshards - 1; rv >= 0; rv--)
		lws_context_destroy(gw_shards[rv].ctx);
	gw_ctx = NULL;
	fd_rpc_close(&gw_crm);
	fd_bus_close(&gw_bus);
	config_destroy(&fd_config);
	fd_daemon_stopped();
	return 0;
}

/* One lws context per service thread, none listening: gw_accept.c hands
 * them their connections.  The main thread services shard 0. */
static void
start_shards(void)
{
	struct lws_context_creation_info info;
	sigset_t all, old;
	struct gw_shard *sh;
	int i;

	gw_nshards = gw_cfg.service_threads;
	for (i = 0; i < gw_nshards; i++) {
		sh = &gw_shards[i];
		sh->idx = i;
		pthread_mutex_init(&sh->adopt_mu, NULL);
		pthread_mutex_init(&sh->mu, NULL);
		memset(&info, 0, sizeof(info));
		info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
		info.protocols = protocols;
		info.gid = -1;
		info.uid = -1;
		info.user = sh;
		/* http.c answers 431 past its own, smaller budget: lws
		 * drops a request that overflows this buffer without a
		 * callback */
		info.max_http_header_data = 32768;
		info.timeout_secs = 20;
		if ((sh->ctx = lws_create_context(&info)) == NULL ||
		    (sh->vh = lws_get_vhost_by_name(sh->ctx, "default")) ==
		        NULL)
			fatalx("cannot create the lws context of service "
			       "thread %d",
			    i);
	}
	gw_ctx = gw_shards[0].ctx;
	/* signals are the main thread's */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 1; i < gw_nshards; i++)
		if (pthread_create(&gw_shards[i].thr, NULL, shard_main,
		        &gw_shards[i]) != 0)
			fatalx("cannot start service thread %d", i);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (accept_start() != 0)
		fatalx("cannot start the accept thread");
}

static void
stop_shards(void)
{
	int i;

	__atomic_store_n(&shards_quit, 1, __ATOMIC_RELAXED);
	for (i = 1; i < gw_nshards; i++) {
		lws_cancel_service(gw_shards[i].ctx);
		pthread_join(gw_shards[i].thr, NULL);
	}
}

struct gw_shard *
gw_shard_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static void *
shard_main(void *arg)
{
	struct gw_shard *sh = arg;
	uint64_t polled = 0;

	while (!fd_stop && !__atomic_load_n(&shards_quit, __ATOMIC_RELAXED))
		if (service(sh, &polled) < 0)
			break;
	return NULL;
}

/* One pass of sh's loop: at most one poll per SERVICE_MIN_US. */
static int
service(struct gw_shard *sh, uint64_t *polled)
{
	uint64_t now = fd_mono_us();

	if (now < *polled + SERVICE_MIN_US)
		fd_sleep_us(*polled + SERVICE_MIN_US - now);
	*polled = fd_mono_us();
	return lws_service(sh->ctx, 0);
}

/* Refuse a config that cannot work: at start and under -n (exit
 * FD_EX_CONFIG), and on SIGHUP (the old config stays). */
static int
check_config(char *err, size_t errlen)
{
	struct fd_outbound out;
	char url[600];

	if (gw_cfg.validate_signature && gw_cfg.auth_token[0] == '\0') {
		snprintf(err, errlen,
		    "gateway.validate_signature is on but no "
		    "Twilio auth token is set: export TWILIO_AUTH_TOKEN (or "
		    "set gateway.auth_token), or for local development set "
		    "gateway.validate_signature = false");
		return -1;
	}
	if (twiml_stream_url(gw_cfg.public_url, url, sizeof(url)) != 0) {
		snprintf(err, errlen,
		    "gateway.public_url '%s' must be an "
		    "http:// or https:// URL",
		    gw_cfg.public_url);
		return -1;
	}
	if (fd_outbound_load(&fd_config, &out, err, errlen) != 0)
		return -1;
	dialout_configure(out.calls_per_s, out.ring_timeout_s);
	if (auth_trust_proxies(gw_cfg.trusted_proxies, err, errlen) != 0)
		return -1;
	/* last: it takes the new tokens only if the rest was accepted */
	return auth_configure(gw_cfg.api_token, gw_cfg.api_tokens, err, errlen);
}

/* The API and dashboard are closed without a token: say so at start. */
static void
warn_closed_api(void)
{
	if (auth_ntokens() == 0)
		log_warnx(NULL,
		    "admin API closed: set FRONTDESK_API_TOKEN "
		    "(or FRONTDESK_API_TOKENS, role:token items) to use the "
		    "dashboard and /api/v1; they answer 401 until then");
	else
		log_info(NULL, "admin API: %d token(s)", auth_ntokens());
}

static void *
bus_main(void *arg)
{
	struct fd_frame f;
	nng_msg *m;
	int rv;

	(void)arg;
	while (!__atomic_load_n(&bus_quit, __ATOMIC_RELAXED)) {
		rv = fd_bus_recv(&gw_bus, &m, &f, 200);
		if (rv == 0) {
			dispatch(&f);
			nng_msg_free(m);
		} else if (rv == NNG_ECLOSED)
			break;
		/* a signal that lands just before lws enters poll() does not
		 * interrupt it: wake the service loop for a stop or a reload
		 * (an idle gateway reloaded only at its next connection) */
		if (fd_stop || fd_reload)
			lws_cancel_service(gw_ctx);
	}
	return NULL;
}

/* A publisher's heartbeat changed (bus thread).  A stt-worker instance
 * not caught up yet that hears the gateway and the agent and is heard by
 * both: the live calls send it what it missed (media_stt_ready). */
static void
on_peer(void *arg, struct fd_bus *b, int peer, const struct fd_bus_peer *p,
    uint64_t old_instance)
{
	(void)arg;
	(void)b;
	if (!is_stt(peer, p) || p->instance == stt_caught_up[peer] ||
	    !p->hears || p->subs < STT_SUBSCRIBERS)
		return;
	if (stt_caught_up[peer] != 0 || old_instance != 0)
		log_info(NULL,
		    "stt-worker instance %016llx hears everyone: "
		    "live calls replay what it missed",
		    (unsigned long long)p->instance);
	stt_caught_up[peer] = p->instance;
	media_stt_ready();
}

/* Is publisher peer a stt-worker: by its place, or in a cluster by the
 * registry's address of one. */
static int
is_stt(int peer, const struct fd_bus_peer *p)
{
	if (!fd_cluster_on())
		return peer == PEER_STT;
	return fd_cluster_kind_of(p->addr) == FD_D_STT;
}

/* Cluster mode (cluster thread): calls moved off a dead stt-worker replay
 * their unsettled audio to the new one; calls moved off a dead agent send
 * their CALL_START again, for an agent that finds no session. */
static void
on_move(enum fd_daemon_id kind)
{
	if (kind == FD_D_STT)
		media_stt_ready();
	else if (kind == FD_D_AGENT)
		media_agent_moved();
}

/* This gateway's name (stable across restarts) and this run's id (new at
 * every start): CALL_START carries both into the call record. */
static void
name_this_run(void)
{
	char host[64];

	if (gw_cfg.instance[0]) {
		snprintf(
		    gw_instance, sizeof(gw_instance), "%s", gw_cfg.instance);
	} else {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		snprintf(gw_instance, sizeof(gw_instance), "%s:%d", host,
		    gw_cfg.listen_port);
	}
	snprintf(gw_boot, sizeof(gw_boot), "%lld-%d", (long long)fd_wall_us(),
	    (int)getpid());
	log_info(NULL, "gateway instance %s, run %s", gw_instance, gw_boot);
}

static void
publish_restart_ends(void)
{
	struct fd_pl_call_end end = {.reason = "gateway_restart"};
	size_t i;

	for (i = 0; i < json_array_size(restart_closed); i++)
		fd_bus_publish_call_end(&gw_bus,
		    json_string_value(json_array_get(restart_closed, i)), 0,
		    &end);
}

/* Sleep up to us, in steps, unless the gateway is stopping: 0 if it is. */
static int
nap(uint64_t us)
{
	uint64_t end = fd_mono_us() + us;

	while (!__atomic_load_n(&bus_quit, __ATOMIC_RELAXED) && !fd_stop &&
	    fd_mono_us() < end)
		fd_sleep_us(50000);
	return !(__atomic_load_n(&bus_quit, __ATOMIC_RELAXED) || fd_stop);
}

/* The calls in progress on this gateway's earlier run died with it at the
 * carrier.  crm-tools closes their records as failed with what was said so
 * far (gateway_restarted: only calls of this instance, and not this run's
 * own); it is asked until it can answer, PostgreSQL and its spool being
 * needed.  Then CALL_END tells the agent, stt-worker and tts-worker, which
 * still hold those calls, to let them go. */
static void *
restart_main(void *arg)
{
	json_t *rep = NULL, *closed;
	int rv, warned = 0, seen;

	(void)arg;
	for (;;) {
		rv = fd_rpc_tool(&gw_crm, NULL, "gateway_restarted",
		    json_pack(
		        "{s:s, s:s}", "gateway", gw_instance, "boot", gw_boot),
		    NULL, &rep, 2000);
		if (rv == 0 && json_is_true(json_object_get(rep, "ok")))
			break;
		if (!warned)
			log_warnx(NULL,
			    "restart: the calls of this gateway's "
			    "earlier run cannot be closed yet (%s); retrying",
			    rv ? nng_strerror(rv)
			       : json_string_value(
			             json_object_get(rep, "code")));
		warned = 1;
		json_decref(rep);
		rep = NULL;
		if (!nap(1000000))
			return NULL;
	}
	closed = json_object_get(json_object_get(rep, "result"), "closed");
	restart_closed =
	    json_is_array(closed) ? json_incref(closed) : json_array();
	json_decref(rep);
	if (json_array_size(restart_closed) == 0) {
		json_decref(restart_closed);
		return NULL;
	}
	log_info(NULL,
	    "restart: %zu calls of the earlier run closed as "
	    "failed",
	    json_array_size(restart_closed));
	seen = __atomic_load_n(&gw_bus.subs_ever, __ATOMIC_SEQ_CST);
	publish_restart_ends();
	while ((fd_mono_us() - gw_start_us) < RESTART_RESEND_S * 1000000ull &&
	    nap(100000)) {
		rv = __atomic_load_n(&gw_bus.subs_ever, __ATOMIC_SEQ_CST);
		if (rv != seen) {
			seen = rv;
			publish_restart_ends();
		}
	}
	json_decref(restart_closed);
	return NULL;
}

void
gw_stat_max(uint64_t *slot, uint64_t v)
{
	uint64_t cur = __atomic_load_n(slot, __ATOMIC_RELAXED);

	while (v > cur &&
	    !__atomic_compare_exchange_n(
	        slot, &cur, v, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void
lws_log(int level, const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (level & LLL_ERR)
		log_err(NULL, "lws: %.*s", (int)n, line);
	else
		log_warnx(NULL, "lws: %.*s", (int)n, line);
}

/* A closed recording goes on the call record (crm-tools call_recording,
 * spooled there while PostgreSQL is down); retried while crm-tools does
 * not answer (the recording thread waits, the calls do not), and at the
 * next start if it never does. */
static int
report_recording(
    const char *call_id, const char *path, double dur, long long bytes)
{
	const char *code;
	json_t *rep;
	int i, rv;

	for (i = 0; i < 6; i++) {
		rep = NULL;
		rv = fd_rpc_tool(&gw_crm, call_id, "call_recording",
		    json_pack("{s:s, s:f, s:I}", "path", path, "duration_s",
		        dur, "bytes", (json_int_t)bytes),
		    NULL, &rep, 3000);
		code = rv == 0 ? json_string_value(json_object_get(rep, "code"))
		               : NULL;
		if (rv == 0 &&
		    (json_is_true(json_object_get(rep, "ok")) ||
		        (code && strcmp(code, "not_found") == 0 && i >= 2) ||
		        (code && strcmp(code, "bad_args") == 0))) {
			if (!json_is_true(json_object_get(rep, "ok")))
				log_warnx(call_id,
				    "recording %s not on the call "
				    "record: %s",
				    path, code);
			json_decref(rep);
			return 0;
		}
		json_decref(rep);
		if (fd_stop)
			break;
		sleep(1u << i);
	}
	log_err(call_id, "recording %s: crm-tools did not take it", path);
	return -1;
}

/* Recording on (and its audio kept): open recording.dir, recover what a
 * crashed run left open.  A directory that cannot be used leaves calls
 * unrecorded rather than refusing them. */
static void
start_recording(void)
{
	char dir[600], err[700];
	const char *var;

	if (!gw_cfg.recording || !gw_cfg.keep_audio) {
		log_info(NULL, "recording %s",
		    gw_cfg.recording ? "on, audio not "
		                       "kept (transcripts only)"
		                     : "off");
		return;
	}
	if (gw_cfg.recording_dir[0])
		snprintf(dir, sizeof(dir), "%s", gw_cfg.recording_dir);
	else if ((var = getenv("FRONTDESK_VAR")) != NULL && *var)
		snprintf(dir, sizeof(dir), "%s/recordings", var);
	else
		snprintf(dir, sizeof(dir), "/var/lib/frontdesk/recordings");
	if (rec_start(dir, gw_instance, report_recording, err, sizeof(err)) !=
	    0)
		log_err(NULL, "calls are not recorded: %s", err);
}
