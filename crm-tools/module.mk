# crm-tools: the CRM/calendar daemon, its unit and integration tests, and
# its benchmark.  The SQL (migrations + seed) is embedded at build time.
CRM_MIGRATIONS = $(sort $(wildcard crm-tools/migrations/*.sql))
CRM_SQL_C = $(BUILD)/gen/crm-tools/crm_sql.c

$(CRM_SQL_C): crm-tools/embed-sql.sh crm-tools/seed.sql $(CRM_MIGRATIONS)
	@mkdir -p $(dir $@)
	@echo "  GEN $@"
	@sh crm-tools/embed-sql.sh $@ crm-tools/seed.sql $(CRM_MIGRATIONS)

CRM_PURE = crm-tools/slots.c crm-tools/vin.c crm-tools/crm_util.c
CRM_CORE = crm-tools/crm_tools.c crm-tools/crm_db.c crm-tools/crm_cache.c \
           crm-tools/crm_auth.c crm-tools/crm_args.c crm-tools/crm_schema.c \
           crm-tools/crm_spool.c crm-tools/tool_customer.c \
           crm-tools/tool_booking.c crm-tools/tool_orders.c \
           crm-tools/tool_notes.c crm-tools/tool_calls.c \
           $(CRM_PURE) $(CRM_SQL_C)

BINS += crm-tools
crm-tools_SRCS = crm-tools/crm_main.c $(CRM_CORE)
crm-tools_LIBS = $(LIB_PQ) $(LIB_REDIS)

BINS += crm-bench
crm-bench_SRCS = crm-tools/crm_bench.c crm-tools/harness.c
crm-bench_LIBS = $(LIB_REDIS)

TESTS += crm_test
crm_test_SRCS = crm-tools/crm_test.c $(CRM_PURE)

TESTS += crm_tools_test
crm_tools_test_SRCS = crm-tools/crm_tools_test.c crm-tools/harness.c
