TESTS += common_test
common_test_SRCS = common/common_test.c

# start-up, reload and -n (runs the daemons of the same build with -n)
TESTS += common_daemon_test
common_daemon_test_SRCS = common/daemon_test.c

# a subscriber hears a killed-and-restarted publisher again (20x); peers
# added and dropped at run time (cluster mode)
TESTS += common_bus_test
common_bus_test_SRCS = common/bus_test.c

# card numbers, SSNs and configured patterns masked; phone numbers, codes,
# VINs, times and dates left alone; in text, JSON and log lines
TESTS += common_redact_test
common_redact_test_SRCS = common/redact_test.c

# metrics text and merge; the settings file laid over a config
TESTS += common_metrics_test
common_metrics_test_SRCS = common/metrics_test.c
