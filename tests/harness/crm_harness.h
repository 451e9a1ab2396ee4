/*
 * crm_harness.h - an isolated crm-tools stack for tests and the benchmark: its
 * own PostgreSQL + Redis (deploy/datastore.sh with a private rundir, var dir
 * and ports) and its own crm-tools process, reached over common/rpc.h.
 */
#ifndef CRM_HARNESS_H
#define CRM_HARNESS_H

#include <sys/types.h>
#include <jansson.h>

#include "rpc.h"

struct hx {
	char root[512]; /* repository (deploy/datastore.sh) */
	char bin[600]; /* crm-tools binary */
	char base[256]; /* /tmp/fd-crm-<tag>-<pid> */
	char rundir[300];
	char var[300];
	char conf[320];
	char log[320];
	char rep[360];
	int pg_port, redis_port;
	pid_t daemon;
	struct fd_rpc rpc;
	int ds_up;
	/* more settings for the crm section ("calendar = \"caldav\"; ..."),
	 * written by hx_daemon_start; vPIC is off unless it names vpic */
	char crm_extra[2048];
	/* more top-level sections ("outbound: { ... };") */
	char conf_extra[1024];
	/* environment for the daemon ("NAME=value"), e.g. secrets */
	const char *env[8];
};

/* Start the datastore (-1: PostgreSQL could not start; err says why). */
int hx_datastore_start(struct hx *h, const char *tag, char *err, size_t errlen);
/* The datastore, then crm-tools with `conf_extra` (NULL: none) for the
 * unit test `test`: 0, or -1 after saying why on stderr ("SKIP" when
 * PostgreSQL could not start). */
int hx_test_start(struct hx *h, const char *test, const char *tag,
    const char *conf_extra, int bays, int workers);
/* The libpq connection string of the instance's database. */
void hx_pg_conninfo(const struct hx *h, char *out, size_t len);
/* Run "deploy/datastore.sh <args>" for this instance; exit status. */
int hx_datastore(struct hx *h, const char *args);
/* Write a config with `bays` bays and start crm-tools; wait until it
 * answers with the database ready.  0 or -1. */
int hx_daemon_start(struct hx *h, int bays, int workers);
/* SIGTERM and wait: 0 when it exited with status 0, else -1 (said why). */
int hx_daemon_stop(struct hx *h);
/* Stop everything and remove the instance's files. */
void hx_stop(struct hx *h, int keep_files);
/* One tool call; args is stolen; returns the reply (never NULL: rpc
 * failures come back as {ok:false,code:"rpc"}). */
/* 1 if rep is {ok:true,...}; otherwise prints the reply to stderr (so
 * a failing test shows what crm-tools said) and returns 0. */
int hx_ok(const json_t *rep);
json_t *hx_call(struct hx *h, const char *call_id, const char *tool,
    json_t *args, const char *now);
/* A weekday at least `days` ahead that the default business is open
 * (skips weekends and the configured holidays): "YYYY-MM-DD". */
void hx_open_day(int days, char *out, size_t len);

#endif
