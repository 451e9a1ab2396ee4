/*
 * metrics_test.c - common/metrics.c and the settings overlay of
 * common/config.c: a daemon's text has its errors and histograms with
 * cumulative buckets; texts of several daemons merge into one where each
 * family appears once with every daemon's samples; a settings file laid
 * over a config replaces what it names and keeps the rest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "metrics.h"

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

static void
test_text(void **state)
{
	char *t;

	(void)state;
	fd_metrics_error("rpc_timeout", 2);
	fd_metrics_error("rpc_timeout", 1);
	fd_metrics_observe(FD_H_TOOL, 0.003);
	fd_metrics_observe(FD_H_TOOL, 0.2);
	fd_metrics_observe(FD_H_TOOL, 30);
	assert_non_null(t = fd_metrics_text("crm-tools"));
	assert_non_null(strstr(t,
	    "frontdesk_errors_total{daemon=\"crm-tools\","
	    "kind=\"rpc_timeout\"} 3\n"));
	assert_non_null(strstr(t,
	    "# TYPE frontdesk_tool_latency_seconds "
	    "histogram\n"));
	assert_non_null(strstr(t,
	    "frontdesk_tool_latency_seconds_bucket{"
	    "daemon=\"crm-tools\",le=\"0.005\"} 1\n"));
	assert_non_null(strstr(t,
	    "frontdesk_tool_latency_seconds_bucket{"
	    "daemon=\"crm-tools\",le=\"0.25\"} 2\n"));
	assert_non_null(strstr(t,
	    "frontdesk_tool_latency_seconds_bucket{"
	    "daemon=\"crm-tools\",le=\"10\"} 2\n"));
	assert_non_null(strstr(t,
	    "frontdesk_tool_latency_seconds_bucket{"
	    "daemon=\"crm-tools\",le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(t,
	    "frontdesk_tool_latency_seconds_count{"
	    "daemon=\"crm-tools\"} 3\n"));
	/* a histogram nothing was observed in is left out */
	assert_null(strstr(t, "frontdesk_llm_latency_seconds"));
	free(t);
	/* two buffers into a pool, one taken back out */
	fd_metrics_pooled(24000);
	fd_metrics_pooled(24000);
	fd_metrics_pooled(-24000);
	assert_non_null(t = fd_metrics_text("gateway"));
	assert_non_null(
	    strstr(t, "frontdesk_pooled_bytes{daemon=\"gateway\"} 24000\n"));
	free(t);
}

static void
test_merge(void **state)
{
	const char *in[3] = {
	    "# HELP a_total A.\n# TYPE a_total counter\n"
	    "a_total{daemon=\"x\"} 1\n# HELP b B.\n# TYPE b gauge\n"
	    "b{daemon=\"x\"} 2\n",
	    "# HELP b B.\n# TYPE b gauge\nb{daemon=\"y\"} 3\n",
	    "# HELP a_total A.\n# TYPE a_total counter\n"
	    "a_total{daemon=\"z\"} 4\n# HELP c C.\n# TYPE c gauge\n",
	};
	char *m;

	(void)state;
	assert_non_null(m = fd_metrics_merge(in, 3));
	assert_string_equal(m,
	    "# HELP a_total A.\n# TYPE a_total counter\n"
	    "a_total{daemon=\"x\"} 1\na_total{daemon=\"z\"} 4\n"
	    "# HELP b B.\n# TYPE b gauge\nb{daemon=\"x\"} 2\nb{daemon=\"y\"} "
	    "3\n"
	    "# HELP c C.\n# TYPE c gauge\n");
	assert_int_equal(count(m, "# HELP"), 3);
	free(m);
}

static void
test_settings_overlay(void **state)
{
	char base[] = "/tmp/fd-ovl-base-XXXXXX",
	     over[] = "/tmp/fd-ovl-over-XXXXXX", err[256];
	const char *s;
	config_t cfg;
	FILE *f;
	int fd, v;

	(void)state;
	assert_true((fd = mkstemp(base)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs(
	    "business: { name = \"Old\"; persona = \"Ava\"; hours = { mon = "
	    "\"08:00-18:00\"; tue = \"08:00-18:00\"; };\n  services = ( { name "
	    "= \"a\"; }, { name = \"b\"; } ); };\ngateway: { listen_port = 1; "
	    "};\n",
	    f);
	fclose(f);
	assert_true((fd = mkstemp(over)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs("business: { name = \"New \\\"One\\\"\"; hours = { mon = "
	      "\"closed\"; }; services = ( { name = \"c\"; duration = 45; "
	      "aliases = [ \"see\" ]; } ); };\nrecording: { enabled = false; "
	      "};\n",
	    f);
	fclose(f);
	assert_int_equal(fd_cfg_open(&cfg, base, err, sizeof(err)), 0);
	assert_int_equal(fd_cfg_merge_file(&cfg, over, err, sizeof(err)), 0);
	assert_true(config_lookup_string(&cfg, "business.name", &s));
	assert_string_equal(s, "New \"One\"");
	assert_true(config_lookup_string(&cfg, "business.persona", &s));
	assert_string_equal(s, "Ava");
	assert_true(config_lookup_string(&cfg, "business.hours.mon", &s));
	assert_string_equal(s, "closed");
	assert_true(config_lookup_string(&cfg, "business.hours.tue", &s));
	assert_string_equal(s, "08:00-18:00");
	assert_int_equal(
	    config_setting_length(config_lookup(&cfg, "business.services")), 1);
	assert_true(
	    config_lookup_int(&cfg, "business.services.[0].duration", &v));
	assert_int_equal(v, 45);
	assert_true(config_lookup_string(
	    &cfg, "business.services.[0].aliases.[0]", &s));
	assert_string_equal(s, "see");
	assert_true(config_lookup_int(&cfg, "gateway.listen_port", &v));
	assert_int_equal(v, 1);
	assert_true(config_lookup_bool(&cfg, "recording.enabled", &v));
	assert_int_equal(v, 0);
	config_destroy(&cfg);
	/* a broken settings file is an error naming it */
	assert_non_null(f = fopen(over, "w"));
	fputs("business: { name = ; };\n", f);
	fclose(f);
	assert_int_equal(fd_cfg_open(&cfg, base, err, sizeof(err)), 0);
	assert_int_equal(fd_cfg_merge_file(&cfg, over, err, sizeof(err)), -1);
	assert_non_null(strstr(err, over));
	config_destroy(&cfg);
	unlink(base);
	unlink(over);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_settings_overlay),
	};

	return cmocka_run_group_tests_name("common_metrics", tests, NULL, NULL);
}
