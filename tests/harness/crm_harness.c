/*
 * crm_harness.c - start and stop an isolated datastore + crm-tools for the
 * integration test and crm-bench.  The config it writes pins the business
 * (hours 08:00-18:00 weekdays, time zone America/New_York) so the checks do
 * not depend on etc/frontdesk.conf.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "tests/harness/crm_harness.h"

static int
port_free(int port)
{
	struct sockaddr_in sa;
	int fd, ok;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static int
pick_port(int from)
{
	int p;

	for (p = from; p < from + 2000; p++)
		if (port_free(p))
			return p;
	return from;
}

static void
find_paths(struct hx *h)
{
	char exe[PATH_MAX], *d;
	ssize_t n;
	const char *env;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	d = dirname(exe); /* build/test or build/bin */
	if ((env = getenv("CRM_TOOLS_BIN")) != NULL)
		snprintf(h->bin, sizeof(h->bin), "%s", env);
	else
		snprintf(h->bin, sizeof(h->bin), "%s/../bin/crm-tools", d);
	if ((env = getenv("FRONTDESK_ROOT")) != NULL)
		snprintf(h->root, sizeof(h->root), "%s", env);
	else if (access("deploy/datastore.sh", X_OK) == 0)
		snprintf(h->root, sizeof(h->root), ".");
	else
		snprintf(h->root, sizeof(h->root), "%s/../..", d);
}

int
hx_datastore(struct hx *h, const char *args)
{
	char cmd[2048];
	int st;

	snprintf(cmd, sizeof(cmd),
	    "FRONTDESK_RUNDIR='%s' FRONTDESK_VAR='%s' "
	    "FRONTDESK_PG_PORT=%d FRONTDESK_REDIS_PORT=%d '%s/deploy/"
	    "datastore.sh' %s >>'%s/datastore.log' 2>&1",
	    h->rundir, h->var, h->pg_port, h->redis_port, h->root, args,
	    h->base);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
hx_datastore_start(struct hx *h, const char *tag, char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	find_paths(h);
	snprintf(
	    h->base, sizeof(h->base), "/tmp/fd-crm-%s-%d", tag, (int)getpid());
	snprintf(h->rundir, sizeof(h->rundir), "%s/run", h->base);
	snprintf(h->var, sizeof(h->var), "%s/var", h->base);
	snprintf(h->conf, sizeof(h->conf), "%s/frontdesk.conf", h->base);
	snprintf(h->log, sizeof(h->log), "%s/crm-tools.log", h->base);
	snprintf(h->rep, sizeof(h->rep), "ipc://%s/crm-tools.rep", h->rundir);
	mkdir(h->base, 0755);
	chmod(h->base, 0755);
	h->pg_port = pick_port(25000 + (int)(getpid() % 3000) * 2);
	h->redis_port = pick_port(h->pg_port + 1);
	if (hx_datastore(h, "start") != 0) {
		snprintf(err, errlen,
		    "deploy/datastore.sh start failed (see "
		    "%s/datastore.log)",
		    h->base);
		return -1;
	}
	h->ds_up = 1;
	return 0;
}

int
hx_test_start(struct hx *h, const char *test, const char *tag,
    const char *conf_extra, int bays, int workers)
{
	char err[300];

	if (hx_datastore_start(h, tag, err, sizeof(err)) != 0) {
		fprintf(stderr, "SKIP %s: %s\n", test, err);
		return -1;
	}
	if (conf_extra)
		snprintf(
		    h->conf_extra, sizeof(h->conf_extra), "%s", conf_extra);
	if (hx_daemon_start(h, bays, workers) != 0) {
		fprintf(stderr, "crm-tools did not start (see %s)\n", h->log);
		return -1;
	}
	return 0;
}

void
hx_pg_conninfo(const struct hx *h, char *out, size_t len)
{
	snprintf(out, len, "host=%s port=%d dbname=frontdesk user=frontdesk",
	    h->rundir, h->pg_port);
}

static int
write_conf(struct hx *h, int bays, int workers)
{
	FILE *f;

	if ((f = fopen(h->conf, "w")) == NULL)
		return -1;
	fprintf(f,
	    "log: { level = \"info\"; };\n"
	    "bus: { rundir = \"%s\"; };\n"
	    "business: {\n"
	    "  name = \"Otto's Auto\"; timezone = \"America/New_York\";\n"
	    "  transfer_number = \"+15555550111\"; bays = %d; slot_step = 30;\n"
	    "  hours = { mon = \"08:00-18:00\"; tue = \"08:00-18:00\"; "
	    "wed = \"08:00-18:00\"; thu = \"08:00-18:00\"; fri = "
	    "\"08:00-18:00\"; "
	    "sat = \"09:00-13:00\"; sun = \"closed\"; };\n"
	    "  holidays = [ \"2026-11-26\", \"2026-12-25\", \"2027-01-01\" ];\n"
	    "  services = (\n"
	    "    { name = \"oil change\"; duration = 30; price = 49.95; "
	    "aliases = [ \"oil\" ]; },\n"
	    "    { name = \"tire rotation\"; duration = 30; price = 29.95; },\n"
	    "    { name = \"brake inspection\"; duration = 60; price = 0.0; "
	    "},\n"
	    "    { name = \"state inspection\"; duration = 60; price = 35.0; "
	    "},\n"
	    "    { name = \"diagnostic\"; duration = 60; price = 120.0; },\n"
	    "    { name = \"battery replacement\"; duration = 30; price = "
	    "189.0; }\n"
	    "  );\n"
	    "};\n"
	    "crm: { database = \"host=%s port=%d dbname=frontdesk "
	    "user=frontdesk\"; redis = \"unix:%s/redis.sock\"; workers = %d; "
	    "spool_dir = \"%s/spool\"; seed = true;\n  %s\n  %s\n};\n%s\n",
	    h->rundir, bays, h->rundir, h->pg_port, h->rundir, workers, h->var,
	    strstr(h->crm_extra, "vpic") ? ""
	                                 : "vpic = { base_url = \"none\"; };",
	    h->crm_extra, h->conf_extra);
	fclose(f);
	return 0;
}

int
hx_daemon_start(struct hx *h, int bays, int workers)
{
	json_t *rep;
	int fd, i;

	if (write_conf(h, bays, workers) != 0)
		return -1;
	if ((h->daemon = fork()) < 0)
		return -1;
	if (h->daemon == 0) {
		if ((fd = open(h->log, O_WRONLY | O_CREAT | O_APPEND, 0644)) >=
		    0)
			dup2(fd, 2);
		unsetenv("FRONTDESK_DATABASE");
		unsetenv("FRONTDESK_REDIS");
		unsetenv("FRONTDESK_CONFIG");
		unsetenv("FRONTDESK_VPIC_URL");
		for (i = 0; i < 8 && h->env[i]; i++)
			putenv((char *)h->env[i]);
		setenv("FRONTDESK_RUNDIR", h->rundir, 1);
		execl(h->bin, "crm-tools", "-f", h->conf, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", h->bin, strerror(errno));
		_exit(127);
	}
	if (!h->rpc.open && fd_rpc_open(&h->rpc, h->rep) != 0)
		return -1;
	for (i = 0; i < 300; i++) {
		rep = hx_call(h, "", "get_available_slots",
		    json_pack("{s:s, s:s}", "date", "tomorrow", "service",
		        "oil change"),
		    NULL);
		if (json_is_true(json_object_get(rep, "ok"))) {
			json_decref(rep);
			return 0;
		}
		json_decref(rep);
		if (waitpid(h->daemon, NULL, WNOHANG) == h->daemon) {
			h->daemon = 0;
			return -1;
		}
		fd_sleep_us(100000);
	}
	return -1;
}

int
hx_daemon_stop(struct hx *h)
{
	int i, st = 0;

	if (h->daemon <= 0)
		return 0;
	kill(h->daemon, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(h->daemon, &st, WNOHANG) == h->daemon)
			break;
		fd_sleep_us(50000);
	}
	if (i == 100) {
		kill(h->daemon, SIGKILL);
		waitpid(h->daemon, &st, 0);
		fprintf(stderr, "crm-tools did not stop in 5 s (log: %s)\n",
		    h->log);
		h->daemon = 0;
		return -1;
	}
	h->daemon = 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	/* a sanitizer's report (leak, bad access) at exit lands here */
	fprintf(stderr, "crm-tools stopped with %s %d (log: %s)\n",
	    WIFEXITED(st) ? "exit status" : "signal",
	    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), h->log);
	return -1;
}

void
hx_stop(struct hx *h, int keep_files)
{
	char cmd[600];

	hx_daemon_stop(h);
	fd_rpc_close(&h->rpc);
	if (h->ds_up)
		hx_datastore(h, "stop");
	h->ds_up = 0;
	if (!keep_files && h->base[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->base);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", h->base);
	}
}

json_t *
hx_call(struct hx *h, const char *call_id, const char *tool, json_t *args,
    const char *now)
{
	json_t *rep = NULL;
	int rv;

	rv = fd_rpc_tool(&h->rpc, call_id, tool, args, now, &rep, 10000);
	if (rv != 0 || rep == NULL)
		return json_pack(
		    "{s:b, s:s, s:i}", "ok", 0, "code", "rpc", "rv", rv);
	return rep;
}

void
hx_open_day(int days, char *out, size_t len)
{
	static const char *const holidays[] = {
	    "2026-11-26", "2026-12-25", "2027-01-01"};
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;
	size_t i;
	int ok;

	for (;; t += 86400) {
		localtime_r(&t, &tm);
		strftime(out, len, "%Y-%m-%d", &tm);
		ok = tm.tm_wday >= 1 && tm.tm_wday <= 5;
		for (i = 0; i < sizeof(holidays) / sizeof(holidays[0]); i++)
			if (strcmp(out, holidays[i]) == 0)
				ok = 0;
		if (ok)
			return;
	}
}

int
hx_ok(const json_t *rep)
{
	char *s;

	if (json_is_true(json_object_get(rep, "ok")))
		return 1;
	s = json_dumps(rep, JSON_COMPACT);
	fprintf(stderr, "  reply: %s\n", s ? s : "(none)");
	free(s);
	return 0;
}
