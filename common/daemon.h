/*
 * daemon.h - the table of frontdesk daemons and the start-up every daemon
 * shares: arguments (-f config, -n check, -d debug, -D list daemons),
 * config loading, logging, signals, and the bus addresses.
 */
#ifndef FD_DAEMON_H
#define FD_DAEMON_H

#include <signal.h>
#include <libconfig.h>

#include "config.h"

enum fd_daemon_id {
	FD_D_GATEWAY = 0,
	FD_D_STT,
	FD_D_AGENT,
	FD_D_TTS,
	FD_D_CRM,
	FD_D_SCHEDULER,
	FD_D_MAX
};

struct fd_daemon_info {
	enum fd_daemon_id id;
	const char *name; /* log prefix, binary name, socket file stem */
	int has_rep; /* serves req/rep (crm-tools) */
	int media_type; /* a message type it publishes on its media pub
	                 * only (fd_media_addr), 0 none: the gateway's
	                 * AUDIO_IN */
};

extern const struct fd_daemon_info fd_daemons[FD_D_MAX];

/* Exit code for a permanent failure (bad config): the supervisor stops. */
#define FD_EX_CONFIG 78

/* Options every daemon reads (bus addresses, log level, time zone). */
struct fd_common_cfg {
	char config_file[512];
	char log_level[16];
	char rundir[200];
	char pub[FD_D_MAX][256]; /* pub address of each daemon */
	char media[FD_D_MAX][256]; /* media pub of each, "" none */
	char crm_rep[256]; /* crm-tools req/rep address */
	char timezone[64]; /* business time zone, sets TZ */
	int cluster; /* cluster.enabled: several instances (cluster.h) */
	char cluster_redis[256]; /* registry and assignments */
	char instance[64]; /* this instance's name in the cluster */
};

extern struct fd_common_cfg fd_common;
extern config_t fd_config; /* the whole parsed file, for sections */
extern volatile sig_atomic_t fd_stop;
extern volatile sig_atomic_t fd_reload;

/*
 * Parse arguments, load the config (the file of -f, else $FRONTDESK_CONFIG,
 * else none), fill the common options and the daemon's own table, start
 * logging and install signal handlers.  With -n it prints "config ok" and
 * exits 0.  A bad config exits FD_EX_CONFIG.
 */
void fd_daemon_start(enum fd_daemon_id self, int argc, char **argv,
    const struct fd_cfg_opt *opts, size_t nopts);
/* Optional: set before fd_daemon_start to validate what the option table
 * cannot (an engine name, a voice, a URL); runs after loading, also under
 * -n, and a non-zero return is a bad config (exit 78).  Put every check a
 * daemon makes of its config here, so that -n finds what start would. */
extern int (*fd_daemon_validate)(char *err, size_t errlen);
/* The owner's settings file laid over the config (written by the admin
 * API, gateway/gw_settings.c): $FRONTDESK_SETTINGS, the config's
 * top-level settings_file, or $FRONTDESK_VAR/settings.conf; "" none.
 * Every daemon reloads (as on SIGHUP) when another version of it
 * appears. */
const char *fd_settings_path(void);
/* The config file with the settings laid over it, into cfg (initialised
 * here; the caller destroys it), without applying any option: for a
 * daemon that re-reads one section on reload.  0, or -1 with err. */
int fd_config_read(config_t *cfg, char *err, size_t errlen);
/* Optional: checks fd_daemon_reload runs on the new values (the table
 * and fd_config already hold them) before keeping them; non-zero refuses
 * the reload and puts the old ones back.  It must only look, never change
 * anything (often the same function as fd_daemon_validate). */
extern int (*fd_daemon_recheck)(char *err, size_t errlen);
/* The daemon can do its job now: log it and, when the supervisor asked
 * for it ($FRONTDESK_READY_FILE, the way s6 asks for a readiness
 * notification), create that file so `frontdeskctl start` and tests wait
 * for readiness instead of sleeping.  what: a few words for the log. */
void fd_daemon_ready(const char *what);
/* The last call of a clean stop, once every bus and rpc socket is closed
 * and every thread that used one is joined: waits until nng has freed
 * what its sockets held (nng_close hands listeners, dialers and pipes to
 * a reaper thread and returns), so the process exits with nothing of
 * them left and memory checkers see only real leaks.  Waits a second at
 * most. */
void fd_daemon_stopped(void);
/* Re-read the config file into the daemon's table and fd_config (after
 * SIGHUP): logs "config reloaded", or "reload refused" (a bad file, an
 * option out of bounds, fd_daemon_recheck said no) and then leaves
 * fd_common, the table and fd_config as they were.  0 or -1. */
int fd_daemon_reload(const struct fd_cfg_opt *opts, size_t nopts);
/* The pub address of a daemon, from config or ipc://<rundir>/<name>.pub */
const char *fd_pub_addr(enum fd_daemon_id id);
/* The media pub of a daemon with a media type (bus.gateway_media, default
 * ipc://<rundir>/<name>-media.pub), "" for the others.  It carries what
 * the daemon's pub carries and its media type too (common/bus.h). */
const char *fd_media_addr(enum fd_daemon_id id);

#endif
