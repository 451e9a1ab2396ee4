/*
 * daemon.c - the daemon table and the start-up shared by all daemons.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "proto/proto.h"
#include "redact.h"

const struct fd_daemon_info fd_daemons[FD_D_MAX] = {
    {FD_D_GATEWAY, "gateway", 0, FD_MSG_AUDIO_IN},
    {FD_D_STT, "stt-worker", 0, 0},
    {FD_D_AGENT, "agent", 0, 0},
    {FD_D_TTS, "tts-worker", 0, 0},
    {FD_D_CRM, "crm-tools", 1, 0},
    {FD_D_SCHEDULER, "scheduler", 0, 0},
};

struct fd_common_cfg fd_common;
config_t fd_config;
volatile sig_atomic_t fd_stop;
volatile sig_atomic_t fd_reload;

static const struct fd_cfg_opt common_opts[] = {
    {"log.level", FD_CFG_STR, fd_common.log_level, sizeof(fd_common.log_level),
        "info", 0, 0, "FRONTDESK_LOG_LEVEL"},
    {"bus.rundir", FD_CFG_STR, fd_common.rundir, sizeof(fd_common.rundir),
        "/tmp/frontdesk", 0, 0, "FRONTDESK_RUNDIR"},
    {"bus.gateway", FD_CFG_STR, fd_common.pub[FD_D_GATEWAY], 256, "", 0, 0,
        "FRONTDESK_BUS_GATEWAY"},
    /* the callers' audio, for stt-worker only (bus.h: media pub) */
    {"bus.gateway_media", FD_CFG_STR, fd_common.media[FD_D_GATEWAY], 256, "", 0,
        0, "FRONTDESK_BUS_GATEWAY_MEDIA"},
    {"bus.stt", FD_CFG_STR, fd_common.pub[FD_D_STT], 256, "", 0, 0,
        "FRONTDESK_BUS_STT"},
    {"bus.agent", FD_CFG_STR, fd_common.pub[FD_D_AGENT], 256, "", 0, 0,
        "FRONTDESK_BUS_AGENT"},
    {"bus.tts", FD_CFG_STR, fd_common.pub[FD_D_TTS], 256, "", 0, 0,
        "FRONTDESK_BUS_TTS"},
    {"bus.crm", FD_CFG_STR, fd_common.pub[FD_D_CRM], 256, "", 0, 0,
        "FRONTDESK_BUS_CRM"},
    {"bus.scheduler", FD_CFG_STR, fd_common.pub[FD_D_SCHEDULER], 256, "", 0, 0,
        "FRONTDESK_BUS_SCHEDULER"},
    {"bus.crm_rep", FD_CFG_STR, fd_common.crm_rep, sizeof(fd_common.crm_rep),
        "", 0, 0, "FRONTDESK_BUS_CRM_REP"},
    {"business.timezone", FD_CFG_STR, fd_common.timezone,
        sizeof(fd_common.timezone), "", 0, 0, "FRONTDESK_TZ"},
    /* several instances of each daemon on several hosts (cluster.h) */
    {"cluster.enabled", FD_CFG_BOOL, &fd_common.cluster, 0, "false", 0, 0,
        "FRONTDESK_CLUSTER"},
    {"cluster.redis", FD_CFG_STR, fd_common.cluster_redis,
        sizeof(fd_common.cluster_redis), "", 0, 0, "FRONTDESK_CLUSTER_REDIS"},
    {"cluster.instance", FD_CFG_STR, fd_common.instance,
        sizeof(fd_common.instance), "", 0, 0, "FRONTDESK_INSTANCE"},
    {"log", FD_CFG_SECTION, NULL, 0, NULL, 0, 0, NULL},
    {"bus", FD_CFG_SECTION, NULL, 0, NULL, 0, 0, NULL},
    {"cluster", FD_CFG_SECTION, NULL, 0, NULL, 0, 0, NULL},
};

static enum fd_daemon_id self_id;
static pthread_t house_thr;
static void *housekeeping(void *arg);
int (*fd_daemon_validate)(char *err, size_t errlen);
int (*fd_daemon_recheck)(char *err, size_t errlen);

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		fd_reload = 1;
	else
		fd_stop = 1;
}

static void
usage(const char *name)
{
	fprintf(stderr,
	    "usage: %s [-dn] [-f config]\n"
	    "  -f FILE  config file (default $FRONTDESK_CONFIG)\n"
	    "  -n       check the config and exit\n"
	    "  -d       debug logging\n"
	    "  -D       list the frontdesk daemons and exit\n",
	    name);
	exit(FD_EX_CONFIG);
}

static char settings_file[512];

const char *
fd_settings_path(void)
{
	return settings_file;
}

/* Where the owner's settings are: $FRONTDESK_SETTINGS, the config's
 * top-level settings_file, or $FRONTDESK_VAR/settings.conf; "" none. */
static void
find_settings(const config_t *cfg)
{
	const char *s;

	if ((s = getenv("FRONTDESK_SETTINGS")) != NULL && s[0])
		snprintf(settings_file, sizeof(settings_file), "%s", s);
	else if (config_lookup_string(cfg, "settings_file", &s) ==
	        CONFIG_TRUE &&
	    s[0])
		snprintf(settings_file, sizeof(settings_file), "%s", s);
	else if ((s = getenv("FRONTDESK_VAR")) != NULL && s[0])
		snprintf(settings_file, sizeof(settings_file),
		    "%s/settings.conf", s);
	else
		settings_file[0] = '\0';
}

int
fd_config_read(config_t *cfg, char *err, size_t errlen)
{
	if (fd_cfg_open(cfg,
	        fd_common.config_file[0] ? fd_common.config_file : NULL, err,
	        errlen) != 0)
		return -1;
	find_settings(cfg);
	if (settings_file[0] && access(settings_file, F_OK) == 0 &&
	    fd_cfg_merge_file(cfg, settings_file, err, errlen) != 0) {
		config_destroy(cfg);
		config_init(cfg);
		return -1;
	}
	return 0;
}

/* Read the config file into cfg, lay the owner's settings over it, and
 * fill the common options and the daemon's table from it. */
static int
load(config_t *cfg, const struct fd_cfg_opt *opts, size_t nopts, char *err,
    size_t errlen)
{
	const char *file =
	    fd_common.config_file[0] ? fd_common.config_file : NULL;
	size_t i;

	if (fd_cfg_open(cfg, file, err, errlen) != 0)
		return -1;
	find_settings(cfg);
	if (settings_file[0] && access(settings_file, F_OK) == 0 &&
	    fd_cfg_merge_file(cfg, settings_file, err, errlen) != 0)
		return -1;
	if (fd_cfg_apply(
	        cfg, common_opts, FD_CFG_N(common_opts), err, errlen) != 0)
		return -1;
	if (opts && fd_cfg_apply(cfg, opts, nopts, err, errlen) != 0)
		return -1;
	if (log_level_parse(fd_common.log_level) < 0) {
		snprintf(err, errlen, "log.level: unknown level '%s'",
		    fd_common.log_level);
		return -1;
	}
	for (i = 0; i < FD_D_MAX; i++)
		if (fd_common.pub[i][0] == '\0')
			snprintf(fd_common.pub[i], sizeof(fd_common.pub[i]),
			    "ipc://%s/%s.pub", fd_common.rundir,
			    fd_daemons[i].name);
	for (i = 0; i < FD_D_MAX; i++)
		if (fd_daemons[i].media_type == 0)
			fd_common.media[i][0] = '\0';
		else if (fd_common.media[i][0] == '\0')
			snprintf(fd_common.media[i], sizeof(fd_common.media[i]),
			    "ipc://%s/%s-media.pub", fd_common.rundir,
			    fd_daemons[i].name);
	if (fd_common.crm_rep[0] == '\0')
		snprintf(fd_common.crm_rep, sizeof(fd_common.crm_rep),
		    "ipc://%s/crm-tools.rep", fd_common.rundir);
	if (fd_common.cluster_redis[0] == '\0')
		snprintf(fd_common.cluster_redis,
		    sizeof(fd_common.cluster_redis), "unix:%s/redis.sock",
		    fd_common.rundir);
	return 0;
}

static void __attribute__((noreturn)) bad_config(const char *err)
{
	fprintf(stderr, "%s: config: %s\n", fd_daemons[self_id].name, err);
	exit(FD_EX_CONFIG);
}

static void
apply_timezone(void)
{
	if (fd_common.timezone[0]) {
		setenv("TZ", fd_common.timezone, 1);
		tzset();
	}
}

/*
 * The heap of a daemon that runs for months.  glibc gives each thread
 * that allocates an arena of its own (up to 8 per core), and memory freed
 * inside an arena stays with the process; each thread also keeps a cache
 * of freed blocks (tcache, up to 7 per size) that only it can reuse.  A
 * pool of worker threads that take the calls in turn fills both a little
 * more with every call for hundreds of calls, so RSS creeps up with
 * nothing leaked.  So: two arenas (enough for daemons whose threads
 * mostly wait on sockets), no per-thread cache, and the housekeeping
 * thread hands free pages back every FD_HEAP_TRIM_MS.  glibc reads the
 * tcache setting only when a program starts, from GLIBC_TUNABLES: a daemon
 * started without it sets it and execs itself once (same pid, same
 * arguments).  MALLOC_ARENA_MAX and a tcache setting already in the
 * environment win; under valgrind (its own malloc) nothing is changed.
 */
#define FD_HEAP_ARENAS 2
#define FD_HEAP_TRIM_MS 5000
#define FD_HEAP_TUNABLE "glibc.malloc.tcache_count=0"

static void
heap_setup(char **argv)
{
	const char *e = getenv("MALLOC_ARENA_MAX"), *t, *pre;
	char v[1024];

	if (e == NULL || *e == '\0')
		mallopt(M_ARENA_MAX, FD_HEAP_ARENAS);
	t = getenv("GLIBC_TUNABLES");
	pre = getenv("LD_PRELOAD");
	/* FRONTDESK_HEAP_EXEC: exec'd once already (a loader that drops
	 * GLIBC_TUNABLES must not make us exec for ever) */
	if ((t && strstr(t, "glibc.malloc.tcache_count")) ||
	    (pre && strstr(pre, "vgpreload")) || getenv("FRONTDESK_HEAP_EXEC"))
		return;
	if (t && *t)
		snprintf(v, sizeof(v), "%s:%s", t, FD_HEAP_TUNABLE);
	else
		snprintf(v, sizeof(v), "%s", FD_HEAP_TUNABLE);
	if (setenv("GLIBC_TUNABLES", v, 1) != 0 ||
	    setenv("FRONTDESK_HEAP_EXEC", "1", 1) != 0)
		return;
	execv("/proc/self/exe", argv);
	/* not re-executed: go on with the cache */
	fprintf(stderr, "%s: exec with %s: %s\n", argv[0], v, strerror(errno));
}

void
fd_daemon_start(enum fd_daemon_id self, int argc, char **argv,
    const struct fd_cfg_opt *opts, size_t nopts)
{
	struct sigaction sa;
	char err[512];
	const char *env;
	int ch, check = 0, debug = 0, i;

	self_id = self;
	heap_setup(argv);
	log_init(fd_daemons[self].name, LOG_LVL_INFO);
	if ((env = getenv("FRONTDESK_CONFIG")) != NULL)
		snprintf(fd_common.config_file, sizeof(fd_common.config_file),
		    "%s", env);
	while ((ch = getopt(argc, argv, "f:ndDh")) != -1) {
		switch (ch) {
		case 'f':
			snprintf(fd_common.config_file,
			    sizeof(fd_common.config_file), "%s", optarg);
			break;
		case 'n':
			check = 1;
			break;
		case 'd':
			debug = 1;
			break;
		case 'D':
			for (i = 0; i < FD_D_MAX; i++)
				printf("%s\n", fd_daemons[i].name);
			exit(0);
		default:
			usage(fd_daemons[self].name);
		}
	}
	if (load(&fd_config, opts, nopts, err, sizeof(err)) != 0)
		bad_config(err);
	/* privacy.* is read once: a reload while threads log keeps it */
	if (redact_load(&fd_config, err, sizeof(err)) != 0)
		bad_config(err);
	apply_timezone();
	if (fd_daemon_validate && fd_daemon_validate(err, sizeof(err)) != 0)
		bad_config(err);
	if (check) {
		printf("%s: config ok\n", fd_daemons[self].name);
		exit(0);
	}
	log_init(fd_daemons[self].name,
	    debug ? LOG_LVL_DEBUG : log_level_parse(fd_common.log_level));
	if (strncmp(fd_common.pub[self], "ipc://", 6) == 0 ||
	    strncmp(fd_common.media[self], "ipc://", 6) == 0 ||
	    strncmp(fd_common.crm_rep, "ipc://", 6) == 0)
		mkdir(fd_common.rundir, 0755);
	/* a pub other hosts dial, with the media left on this host's
	 * default: the workers elsewhere would never hear the callers */
	if (fd_common.media[self][0] &&
	    strncmp(fd_common.pub[self], "ipc://", 6) != 0 &&
	    strncmp(fd_common.media[self], "ipc://", 6) == 0)
		log_warnx(NULL,
		    "bus.%s is %s but bus.%s_media is %s: only this host "
		    "hears the media (set it to tcp://ADDRESS:PORT)",
		    fd_daemons[self].name, fd_common.pub[self],
		    fd_daemons[self].name, fd_common.media[self]);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info(NULL, "starting (config %s%s%s)",
	    fd_common.config_file[0] ? fd_common.config_file : "defaults",
	    settings_file[0] ? ", settings " : "", settings_file);
	if (pthread_create(&house_thr, NULL, housekeeping, NULL) != 0)
		log_warn(NULL,
		    "housekeeping thread: no settings watch, no "
		    "metrics file");
	else
		pthread_detach(house_thr);
}

/* What identifies a version of the settings file (0s: none). */
static void
settings_stamp(struct stat *st)
{
	if (settings_file[0] == '\0' || stat(settings_file, st) != 0)
		memset(st, 0, sizeof(*st));
}

/*
 * The daemon's background chores: every FD_METRICS_PERIOD_MS its metrics
 * file for the gateway's /metrics; every FD_HEAP_TRIM_MS the heap's free
 * pages back to the system (heap_setup); every 250 ms a look at the settings
 * file, and when another version is there (the admin API wrote it) a
 * reload, as SIGHUP asks for one.
 */
static void *
housekeeping(void *arg)
{
	struct stat last, now;
	char dir[300];
	uint64_t t = 0;

	(void)arg;
	settings_stamp(&last);
	snprintf(dir, sizeof(dir), "%s/metrics", fd_common.rundir);
	for (;;) {
		settings_stamp(&now);
		if (now.st_ino != last.st_ino || now.st_size != last.st_size ||
		    now.st_mtim.tv_sec != last.st_mtim.tv_sec ||
		    now.st_mtim.tv_nsec != last.st_mtim.tv_nsec) {
			last = now;
			fd_reload = 1;
		}
		if (t % FD_HEAP_TRIM_MS == 0 && t > 0)
			malloc_trim(0);
		if (t % FD_METRICS_PERIOD_MS == 0 &&
		    fd_metrics_write(dir, fd_daemons[self_id].name) != 0 &&
		    t == 0)
			log_warn(NULL, "metrics file in %s", dir);
		fd_sleep_us(250000);
		t += 250;
	}
	return NULL;
}

static size_t
opt_size(const struct fd_cfg_opt *o)
{
	switch (o->type) {
	case FD_CFG_STR:
		return o->cap;
	case FD_CFG_DOUBLE:
		return sizeof(double);
	case FD_CFG_SECTION:
		return 0;
	default:
		return sizeof(int);
	}
}

#define NNG_FINI_WAIT_S 1 /* how long a stop waits for nng */

static pthread_mutex_t fini_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fini_cv = PTHREAD_COND_INITIALIZER;
static int fini_done;

static void *
fini_main(void *arg)
{
	(void)arg;
	nng_fini();
	pthread_mutex_lock(&fini_mu);
	fini_done = 1;
	pthread_cond_signal(&fini_cv);
	pthread_mutex_unlock(&fini_mu);
	return NULL;
}

/* nng_fini waits for every pipe to be reaped; a pipe nng cannot close
 * (a peer that never lets go) would hold the exit for ever, so the stop
 * waits a bounded time and exits anyway. */
void
fd_daemon_stopped(void)
{
	struct timespec until;
	pthread_t t;

	if (pthread_create(&t, NULL, fini_main, NULL) != 0)
		return;
	pthread_detach(t);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += NNG_FINI_WAIT_S;
	pthread_mutex_lock(&fini_mu);
	while (!fini_done &&
	    pthread_cond_timedwait(&fini_cv, &fini_mu, &until) == 0)
		;
	if (!fini_done)
		log_warnx(NULL, "nng still closing after %d s, exiting anyway",
		    NNG_FINI_WAIT_S);
	pthread_mutex_unlock(&fini_mu);
}

void
fd_daemon_ready(const char *what)
{
	const char *path = getenv("FRONTDESK_READY_FILE");
	FILE *f;

	log_info(NULL, "ready: %s", what);
	if (path == NULL || path[0] == '\0')
		return;
	if ((f = fopen(path, "w")) == NULL) {
		log_warn(NULL, "ready file %s", path);
		return;
	}
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

/* Settings point back at their config_t: fix them after a move. */
static void
rebind(config_setting_t *s, config_t *cfg)
{
	int i, n;

	s->config = cfg;
	if (config_setting_is_aggregate(s))
		for (i = 0, n = config_setting_length(s); i < n; i++)
			rebind(config_setting_get_elem(s, (unsigned)i), cfg);
}

static void
move_config(config_t *to, config_t *from)
{
	*to = *from;
	if (to->root)
		rebind(to->root, to);
}

int
fd_daemon_reload(const struct fd_cfg_opt *opts, size_t nopts)
{
	struct fd_common_cfg saved = fd_common;
	char err[512], **snap;
	config_t next, prev;
	size_t i;
	int rv = 0;

	/* a refused reload leaves every option and fd_config as they were:
	 * the file is read into next, which becomes fd_config for the
	 * daemon's own checks and stays only if they accept it */
	if ((snap = calloc(nopts + 1, sizeof(*snap))) == NULL) {
		log_warnx(NULL,
		    "reload refused, keeping old config: out of "
		    "memory");
		return -1;
	}
	for (i = 0; i < nopts; i++)
		if (opt_size(&opts[i]) > 0 &&
		    (snap[i] = malloc(opt_size(&opts[i]))) != NULL)
			memcpy(snap[i], opts[i].ptr, opt_size(&opts[i]));
	if (load(&next, opts, nopts, err, sizeof(err)) != 0) {
		config_destroy(&next);
		rv = -1;
	} else {
		move_config(&prev, &fd_config);
		move_config(&fd_config, &next);
		if (fd_daemon_recheck &&
		    fd_daemon_recheck(err, sizeof(err)) != 0) {
			config_destroy(&fd_config);
			move_config(&fd_config, &prev);
			rv = -1;
		} else
			config_destroy(&prev);
	}
	if (rv != 0) {
		fd_common = saved;
		for (i = 0; i < nopts; i++)
			if (snap[i])
				memcpy(
				    opts[i].ptr, snap[i], opt_size(&opts[i]));
		log_warnx(NULL, "reload refused, keeping old config: %s", err);
	} else {
		apply_timezone();
		fd_log_level = log_level_parse(fd_common.log_level);
		log_info(NULL, "config reloaded");
	}
	for (i = 0; i < nopts; i++)
		free(snap[i]);
	free(snap);
	return rv;
}

const char *
fd_pub_addr(enum fd_daemon_id id)
{
	return fd_common.pub[id];
}

const char *
fd_media_addr(enum fd_daemon_id id)
{
	return fd_common.media[id];
}
