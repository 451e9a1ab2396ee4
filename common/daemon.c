/*
 * daemon.c - the daemon table and the start-up shared by all daemons.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

const struct fd_daemon_info fd_daemons[FD_D_MAX] = {
	{ FD_D_GATEWAY, "gateway", 0 },
	{ FD_D_STT, "stt-worker", 0 },
	{ FD_D_AGENT, "agent", 0 },
	{ FD_D_TTS, "tts-worker", 0 },
	{ FD_D_CRM, "crm-tools", 1 },
	{ FD_D_SCHEDULER, "scheduler", 0 },
};

struct fd_common_cfg fd_common;
config_t fd_config;
volatile sig_atomic_t fd_stop;
volatile sig_atomic_t fd_reload;

static const struct fd_cfg_opt common_opts[] = {
	{ "log.level", FD_CFG_STR, fd_common.log_level,
	    sizeof(fd_common.log_level), "info", 0, 0, "FRONTDESK_LOG_LEVEL" },
	{ "bus.rundir", FD_CFG_STR, fd_common.rundir, sizeof(fd_common.rundir),
	    "/tmp/frontdesk", 0, 0, "FRONTDESK_RUNDIR" },
	{ "bus.gateway", FD_CFG_STR, fd_common.pub[FD_D_GATEWAY], 256, "", 0, 0,
	    "FRONTDESK_BUS_GATEWAY" },
	{ "bus.stt", FD_CFG_STR, fd_common.pub[FD_D_STT], 256, "", 0, 0,
	    "FRONTDESK_BUS_STT" },
	{ "bus.agent", FD_CFG_STR, fd_common.pub[FD_D_AGENT], 256, "", 0, 0,
	    "FRONTDESK_BUS_AGENT" },
	{ "bus.tts", FD_CFG_STR, fd_common.pub[FD_D_TTS], 256, "", 0, 0,
	    "FRONTDESK_BUS_TTS" },
	{ "bus.crm", FD_CFG_STR, fd_common.pub[FD_D_CRM], 256, "", 0, 0,
	    "FRONTDESK_BUS_CRM" },
	{ "bus.scheduler", FD_CFG_STR, fd_common.pub[FD_D_SCHEDULER], 256, "",
	    0, 0, "FRONTDESK_BUS_SCHEDULER" },
	{ "bus.crm_rep", FD_CFG_STR, fd_common.crm_rep,
	    sizeof(fd_common.crm_rep), "", 0, 0, "FRONTDESK_BUS_CRM_REP" },
	{ "business.timezone", FD_CFG_STR, fd_common.timezone,
	    sizeof(fd_common.timezone), "", 0, 0, "FRONTDESK_TZ" },
};

static enum fd_daemon_id self_id;
int (*fd_daemon_validate)(char *err, size_t errlen);

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
	    "  -D       list the frontdesk daemons and exit\n", name);
	exit(FD_EX_CONFIG);
}

static int
load(const struct fd_cfg_opt *opts, size_t nopts, char *err, size_t errlen)
{
	const char *file = fd_common.config_file[0] ? fd_common.config_file :
	    NULL;
	size_t i;

	config_destroy(&fd_config);
	if (fd_cfg_open(&fd_config, file, err, errlen) != 0)
		return -1;
	if (fd_cfg_apply(&fd_config, common_opts, FD_CFG_N(common_opts), err,
	    errlen) != 0)
		return -1;
	if (opts && fd_cfg_apply(&fd_config, opts, nopts, err, errlen) != 0)
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
	if (fd_common.crm_rep[0] == '\0')
		snprintf(fd_common.crm_rep, sizeof(fd_common.crm_rep),
		    "ipc://%s/crm-tools.rep", fd_common.rundir);
	if (fd_common.timezone[0]) {
		setenv("TZ", fd_common.timezone, 1);
		tzset();
	}
	return 0;
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
	log_init(fd_daemons[self].name, LOG_LVL_INFO);
	config_init(&fd_config);
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
	if (load(opts, nopts, err, sizeof(err)) != 0 ||
	    (fd_daemon_validate && fd_daemon_validate(err, sizeof(err)) != 0)) {
		fprintf(stderr, "%s: config: %s\n", fd_daemons[self].name, err);
		exit(FD_EX_CONFIG);
	}
	if (check) {
		printf("%s: config ok\n", fd_daemons[self].name);
		exit(0);
	}
	log_init(fd_daemons[self].name,
	    debug ? LOG_LVL_DEBUG : log_level_parse(fd_common.log_level));
	if (strncmp(fd_common.pub[self], "ipc://", 6) == 0 ||
	    strncmp(fd_common.crm_rep, "ipc://", 6) == 0)
		mkdir(fd_common.rundir, 0755);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info(NULL, "starting (config %s)",
	    fd_common.config_file[0] ? fd_common.config_file : "defaults");
}

static size_t
opt_size(const struct fd_cfg_opt *o)
{
	switch (o->type) {
	case FD_CFG_STR:
		return o->cap;
	case FD_CFG_DOUBLE:
		return sizeof(double);
	default:
		return sizeof(int);
	}
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

int
fd_daemon_reload(const struct fd_cfg_opt *opts, size_t nopts)
{
	struct fd_common_cfg saved = fd_common;
	char err[512], **snap;
	size_t i;
	int rv = 0;

	/* a refused reload must leave every option as it was */
	if ((snap = calloc(nopts + 1, sizeof(*snap))) == NULL)
		return -1;
	for (i = 0; i < nopts; i++)
		if ((snap[i] = malloc(opt_size(&opts[i]))) != NULL)
			memcpy(snap[i], opts[i].ptr, opt_size(&opts[i]));
	if (load(opts, nopts, err, sizeof(err)) != 0) {
		fd_common = saved;
		for (i = 0; i < nopts; i++)
			if (snap[i])
				memcpy(opts[i].ptr, snap[i], opt_size(&opts[i]));
		log_warnx(NULL, "reload refused, keeping old config: %s", err);
		rv = -1;
	} else {
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
