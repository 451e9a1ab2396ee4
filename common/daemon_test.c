/*
 * daemon_test.c - the start-up every daemon shares: SIGHUP reloads (a new
 * file taken whole, a bad one refused with every old value and fd_config
 * kept), warnings for unknown keys, and `-n` finding what a real start
 * would refuse: it runs the daemons built beside this test (build/bin, or
 * build-san/bin) with -n on bad configs and expects exit 78, and 0 on a
 * good one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "daemon.h"

static char conf[64], errlog[64], rundir[64];
static int num;
static char str[32];

static const struct fd_cfg_opt opts[] = {
    {"t.num", FD_CFG_INT, &num, 0, "1", 1, 100, NULL},
    {"t.str", FD_CFG_STR, str, sizeof(str), "x", 0, 0, NULL},
    {"t", FD_CFG_SECTION, NULL, 0, NULL, 0, 0, NULL},
};

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Reload the config with `text` in the file, stderr captured; returns
 * fd_daemon_reload's answer, *log gets what it logged (free it). */
static int
reload_with(const char *text, char **log)
{
	char file[512];
	int saved, fd, rv;
	struct stat st;
	FILE *f;

	snprintf(
	    file, sizeof(file), "bus: { rundir = \"%s\"; };\n%s", rundir, text);
	write_file(conf, file);
	fflush(stderr);
	saved = dup(2);
	fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	rv = fd_daemon_reload(opts, FD_CFG_N(opts));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(stat(errlog, &st), 0);
	*log = calloc(1, (size_t)st.st_size + 1);
	f = fopen(errlog, "r");
	assert_non_null(f);
	assert_int_equal(
	    fread(*log, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	return rv;
}

static const char *
extra_k(void)
{
	const char *v = NULL;

	config_lookup_string(&fd_config, "extra.k", &v);
	return v ? v : "(none)";
}

static int
refuse_bad(char *err, size_t errlen)
{
	/* runs on the new values, fd_config included */
	if (strcmp(str, "bad") == 0 && strcmp(extra_k(), "v5") == 0) {
		snprintf(err, errlen, "t.str: bad");
		return -1;
	}
	return 0;
}

static void
test_reload(void **state)
{
	char *argv[] = {"daemon_test", "-f", conf, NULL}, *log, text[256];

	(void)state;
	snprintf(text, sizeof(text),
	    "bus: { rundir = \"%s\"; };\n"
	    "t: { num = 5; str = \"a\"; };\nextra: { k = \"v1\"; };\n",
	    rundir);
	write_file(conf, text);
	fd_daemon_start(FD_D_SCHEDULER, 3, argv, opts, FD_CFG_N(opts));
	assert_int_equal(num, 5);
	assert_string_equal(str, "a");
	assert_string_equal(extra_k(), "v1");

	/* a good file: every value and fd_config are the new ones */
	assert_int_equal(reload_with("t: { num = 7; str = \"b\"; };\n"
	                             "extra: { k = \"v2\"; };\n",
	                     &log),
	    0);
	assert_non_null(strstr(log, "config reloaded"));
	free(log);
	assert_int_equal(num, 7);
	assert_string_equal(str, "b");
	assert_string_equal(extra_k(), "v2");

	/* a file that does not parse, a value out of range, a daemon check
	 * that says no: refused, and nothing changes */
	assert_int_equal(reload_with("t: { num = ; };\n", &log), -1);
	assert_non_null(strstr(log, "reload refused"));
	free(log);
	assert_int_equal(reload_with("t: { str = \"c\"; num = 500; };\n"
	                             "extra: { k = \"v4\"; };\n",
	                     &log),
	    -1);
	assert_non_null(strstr(log, "out of range"));
	free(log);
	fd_daemon_recheck = refuse_bad;
	assert_int_equal(reload_with("t: { num = 9; str = \"bad\"; };\n"
	                             "extra: { k = \"v5\"; };\n",
	                     &log),
	    -1);
	assert_non_null(strstr(log, "t.str: bad"));
	free(log);
	assert_int_equal(num, 7);
	assert_string_equal(str, "b");
	assert_string_equal(extra_k(), "v2");
	assert_string_equal(fd_common.rundir, rundir);

	/* the check passes; an unknown key of the owned section is named */
	assert_int_equal(reload_with("t: { num = 9; str = \"ok\"; nmu = 3; };\n"
	                             "extra: { k = \"v6\"; };\n",
	                     &log),
	    0);
	assert_non_null(strstr(log, "unknown option t.nmu"));
	assert_null(strstr(log, "extra.k"));
	free(log);
	fd_daemon_recheck = NULL;
	assert_int_equal(num, 9);
	assert_string_equal(extra_k(), "v6");
	config_destroy(&fd_config);
}

/* The directory of the daemons built with this test. */
static int
bin_dir(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	/* <build>/test/common_daemon_test -> <build>/bin */
	snprintf(out, len, "%s/bin", dirname(dirname(exe)));
	return 0;
}

/* Run `path -n -f file` with the Twilio token set or not; exit code. */
static int
check_run(
    const char *path, const char *name, const char *text, const char *token)
{
	pid_t pid;
	int st, fd;

	write_file(conf, text);
	if ((pid = fork()) == 0) {
		if (token)
			setenv("TWILIO_AUTH_TOKEN", token, 1);
		else
			unsetenv("TWILIO_AUTH_TOKEN");
		fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execl(path, name, "-n", "-f", conf, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
test_check(void **state)
{
	static const struct {
		const char *daemon, *conf, *token;
		int rc;
	} cases[] = {
	    {"gateway", "", "tok", 0},
	    {"gateway", "gateway: { public_url = \"ftp://x\"; };", "tok",
	        FD_EX_CONFIG},
	    {"gateway", "", NULL, FD_EX_CONFIG},
	    {"gateway", "gateway: { validate_signature = false; };", NULL, 0},
	    {"gateway", "gateway: { max_calls = 0; };", "tok", FD_EX_CONFIG},
	    {"tts-worker", "", NULL, 0},
	    {"tts-worker", "tts: { voice = \"nosuch\"; };", NULL, FD_EX_CONFIG},
	    {"tts-worker", "tts: { engine = \"nosuch\"; };", NULL,
	        FD_EX_CONFIG},
	    {"tts-worker",
	        "tts: { pronunciations = ( { text = \"x\"; } );"
	        " };",
	        NULL, FD_EX_CONFIG},
	    {"stt-worker", "", NULL, 0},
	    {"stt-worker", "stt: { engine = \"nosuch\"; };", NULL,
	        FD_EX_CONFIG},
	    {"stt-worker", "stt: { lm = \"nosuch\"; };", NULL, FD_EX_CONFIG},
	    {"stt-worker", "stt: { model = \"/nonexistent\"; };", NULL,
	        FD_EX_CONFIG},
	    {"stt-worker", "stt: { engine = \"deepgram\"; };", NULL,
	        FD_EX_CONFIG},
	    {"scheduler", "", NULL, 0},
	    {"scheduler", "scheduler: { tick_s = 0; };", NULL, FD_EX_CONFIG},
	    {"agent", "", NULL, 0},
	    {"agent", "agent: { brain = \"nosuch\"; };", NULL, FD_EX_CONFIG},
	    {"agent",
	        "agent: { brain = \"llm\"; llm = { base_url = "
	        "\"https://x.openai.azure.com/openai\"; model = \"m\"; "
	        "}; };",
	        NULL, FD_EX_CONFIG},
	    {"crm-tools", "", NULL, 0},
	    {"crm-tools",
	        "crm: { cancel_refund_pct = { received = 180; }; "
	        "};",
	        NULL, FD_EX_CONFIG},
	    {"crm-tools", "crm: { calendar = \"nosuch\"; };", NULL,
	        FD_EX_CONFIG},
	};
	char bin[PATH_MAX], path[PATH_MAX + 16];
	size_t i;
	int rc;

	(void)state;
	assert_int_equal(bin_dir(bin, sizeof(bin)), 0);
	unsetenv("FRONTDESK_CONFIG");
	unsetenv("FRONTDESK_STT_ENGINE");
	unsetenv("FRONTDESK_TTS_ENGINE");
	unsetenv("DEEPGRAM_API_KEY");
	unsetenv("OPENAI_API_KEY");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", bin, cases[i].daemon);
		if (access(path, X_OK) != 0) {
			printf("# %s not built: skipped\n", path);
			continue;
		}
		rc = check_run(
		    path, cases[i].daemon, cases[i].conf, cases[i].token);
		if (rc != cases[i].rc)
			fail_msg("%s -n with '%s' (token %s): exit %d, want %d",
			    cases[i].daemon, cases[i].conf,
			    cases[i].token ? "set" : "unset", rc, cases[i].rc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reload),
	    cmocka_unit_test(test_check),
	};
	int fd, rv;

	snprintf(conf, sizeof(conf), "/tmp/fdtest-conf-XXXXXX");
	snprintf(errlog, sizeof(errlog), "/tmp/fdtest-log-XXXXXX");
	snprintf(
	    rundir, sizeof(rundir), "/tmp/fdtest-rundir-%d", (int)getpid());
	if ((fd = mkstemp(conf)) < 0 || close(fd) != 0 ||
	    (fd = mkstemp(errlog)) < 0 || close(fd) != 0)
		return 1;
	rv = cmocka_run_group_tests_name("daemon", tests, NULL, NULL);
	unlink(conf);
	unlink(errlog);
	rmdir(rundir);
	return rv;
}
