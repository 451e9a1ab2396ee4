/*
 * scheduler - reminders and outbound calls.
 *
 * Talks to crm-tools over req/rep (what is due) and to the gateway over the
 * bus (FD_MSG_OUTBOUND_CALL out, FD_MSG_OUTBOUND_RESULT back).  This first
 * version starts, connects, checks that crm-tools answers, and logs; the
 * reminder work plugs into scheduler_tick().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "rpc.h"

static int tick_s;
static struct fd_bus bus;
static struct fd_rpc crm;
static int crm_up = -1;         /* unknown, then 0/1: log changes only */

static const struct fd_cfg_opt opts[] = {
	{ "scheduler.tick_s", FD_CFG_INT, &tick_s, 0, "30", 1, 3600, NULL },
	{ "scheduler", FD_CFG_SECTION, NULL, 0, NULL, 0, 0, NULL },
};

static void scheduler_tick(void);

static void
dispatch(const struct fd_frame *f)
{
	json_t *j;

	switch (f->type) {
	case FD_MSG_OUTBOUND_RESULT:
		if ((j = fd_frame_json(f)) == NULL)
			return;
		log_info(f->call_id, "outbound call to %s: %s",
		    json_string_value(json_object_get(j, "to")) ?: "?",
		    json_string_value(json_object_get(j, "status")) ?: "?");
		json_decref(j);
		break;
	default:
		log_err(f->call_id, "unexpected message %s",
		    fd_msg_name(f->type));
	}
}

int
main(int argc, char **argv)
{
	static const enum fd_daemon_id from[] = { FD_D_GATEWAY };
	static const int types[] = { FD_MSG_OUTBOUND_RESULT };
	struct fd_frame f;
	uint64_t next = 0;
	nng_msg *m;
	int rv;

	fd_daemon_start(FD_D_SCHEDULER, argc, argv, opts, FD_CFG_N(opts));
	if ((rv = fd_bus_open(&bus, FD_D_SCHEDULER, from, 1, types, 1)) != 0)
		fatalx("bus: %s", nng_strerror(rv));
	if ((rv = fd_rpc_open(&crm, fd_common.crm_rep)) != 0)
		fatalx("rpc %s: %s", fd_common.crm_rep, nng_strerror(rv));
	log_info(NULL, "tick %ds", tick_s);
	fd_bus_ready_when_connected(&bus, "hearing the gateway");
	while (!fd_stop) {
		if (fd_reload) {
			fd_reload = 0;
			fd_daemon_reload(opts, FD_CFG_N(opts));
		}
		if (fd_mono_us() >= next) {
			scheduler_tick();
			next = fd_mono_us() + (uint64_t)tick_s * 1000000u;
		}
		rv = fd_bus_recv(&bus, &m, &f, 200);
		if (rv == 0) {
			dispatch(&f);
			nng_msg_free(m);
		}
	}
	log_info(NULL, "stopping");
	fd_rpc_close(&crm);
	fd_bus_close(&bus);
	config_destroy(&fd_config);
	return 0;
}

/* One pass of periodic work: for now, know whether crm-tools is there. */
static void
scheduler_tick(void)
{
	json_t *rep = NULL;
	int rv, up;

	rv = fd_rpc_tool(&crm, NULL, "ping", NULL, NULL, &rep, 2000);
	up = (rv == 0);
	if (up != crm_up)
		log_info(NULL, "crm-tools %s", up ? "reachable" :
		    "not answering");
	crm_up = up;
	json_decref(rep);
}
