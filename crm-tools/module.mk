# crm-tools: the CRM/calendar daemon and its unit and integration tests
# (crm-bench is in bench/).  The SQL (migrations + seed) is embedded at
# build time.
CRM_MIGRATIONS = $(sort $(wildcard crm-tools/migrations/*.sql))
CRM_SQL_C = $(BUILD)/gen/crm-tools/crm_sql.c

$(CRM_SQL_C): crm-tools/embed-sql.sh crm-tools/seed.sql $(CRM_MIGRATIONS)
	@mkdir -p $(dir $@)
	@echo "  GEN $@"
	@sh crm-tools/embed-sql.sh $@ crm-tools/seed.sql $(CRM_MIGRATIONS)

CRM_PURE = crm-tools/slots.c crm-tools/ledger.c crm-tools/vin.c crm-tools/crm_util.c \
           crm-tools/freebusy.c crm-tools/ical.c crm-tools/vpic_parse.c
CRM_CORE = crm-tools/crm_tools.c crm-tools/crm_db.c crm-tools/crm_cache.c \
           crm-tools/crm_audit.c \
           crm-tools/crm_auth.c crm-tools/crm_args.c crm-tools/crm_schema.c \
           crm-tools/crm_spool.c crm-tools/tool_customer.c \
           crm-tools/tool_availability.c crm-tools/tool_booking.c \
           crm-tools/tool_appointments.c crm-tools/tool_slots.c \
           crm-tools/booking_batch.c \
           crm-tools/tool_orders.c crm-tools/tool_notes.c crm-tools/tool_calls.c crm-tools/tool_stats.c crm-tools/tool_retention.c \
           crm-tools/tool_jobs.c \
           crm-tools/calendar.c crm-tools/calsync.c crm-tools/cal_http.c \
           crm-tools/cal_builtin.c crm-tools/cal_caldav.c \
           crm-tools/cal_google.c crm-tools/vpic.c \
           $(CRM_PURE) $(CRM_SQL_C)

BINS += crm-tools
crm-tools_SRCS = crm-tools/crm_main.c $(CRM_CORE)
crm-tools_LIBS = $(LIB_PQ) $(LIB_REDIS) $(LIB_CURL) -lpthread

TESTS += crm_test
crm_test_SRCS = crm-tools/crm_test.c $(CRM_PURE)

TESTS += crm_tools_test
crm_tools_test_SRCS = crm-tools/crm_tools_test.c \
                      tests/harness/crm_harness.c
crm_tools_test_LIBS = $(LIB_PQ)

# unit: iCalendar text, free/busy merging, RFC 3339, vPIC and Google JSON
TESTS += crm_calendar_test
crm_calendar_test_SRCS = crm-tools/calendar_test.c $(CRM_PURE)
crm_calendar_test_LIBS =

# integration: Radicale (CalDAV), the Google and vPIC peers in
# tests/peers/, an isolated PostgreSQL + Redis, the real daemon
TESTS += crm_calsync_test
crm_calsync_test_SRCS = crm-tools/crm_calsync_test.c \
                        tests/harness/crm_harness.c crm-tools/cal_http.c
crm_calsync_test_LIBS = $(LIB_CURL) $(LIB_PQ)

# integration: outbound jobs (tool_jobs.c, migration 010) on the real daemon
# a card number is stored masked (turns, messages, notes, audit, log);
# retention_sweep deletes old calls with their turns, audit and recording
TESTS += crm_privacy_test
crm_privacy_test_SRCS = crm-tools/crm_privacy_test.c \
                        tests/harness/crm_harness.c
crm_privacy_test_LIBS = $(LIB_PQ)

TESTS += crm_jobs_test
crm_jobs_test_SRCS = crm-tools/crm_jobs_test.c tests/harness/crm_harness.c
crm_jobs_test_LIBS = $(LIB_PQ)

# integration: the admin API's reads and writes (call_stats adds up,
# list_calls filters and pages, get_call drill-down, job_create)
TESTS += crm_api_test
crm_api_test_SRCS = crm-tools/crm_api_test.c tests/harness/crm_harness.c
crm_api_test_LIBS = $(LIB_PQ)
