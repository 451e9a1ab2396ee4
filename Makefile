# frontdesk - top-level build.  Each folder adds its programs and tests in
# its own module.mk; this file holds the one warning line and the rules.
#   make            build every daemon and tool into build/bin/
#   make SAN=1      the same with ASan+UBSan (into build-san/)
#   make test       unit tests, then end-to-end tests against the real stack
#   make bench      benchmarks -> build/bench.json
#   make faults     kill -9 every publisher 20x: subscribers hear it again;
#                   kill -9 and SIGTERM of each daemon mid-call, Redis and
#                   PostgreSQL outages, a SOAK_CALLS (1000) call soak, a
#                   USR1 storm on a supervisor, valgrind memcheck on a short
#                   run, every fuzz target FUZZ_SECONDS (60); -> build/faults.json
#   make fuzz       the libFuzzer targets (clang) into build-fuzz/
#   make san        the parsing unit tests (SAN_TESTS) and the gateway
#                   they start, with ASan+UBSan into build-san/, run
#   make demo       a whole stack answering one simulated booking call
#   make dashboard  the dashboard in headless Chromium against a stack of
#                   its own after three simulated calls (screenshots in build/dashboard/)

CC      ?= cc
BUILD   ?= $(if $(filter 1,$(SAN)),build-san,build)
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT     ?= -O2 -g
CFLAGS  += -std=gnu11 $(OPT) $(WARN) -I. -Icommon -MMD -MP -pthread -D_GNU_SOURCE
LDFLAGS += -pthread
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

pc       = $(shell pkg-config --cflags --libs $(1) 2>/dev/null)
LIB_NNG  = -lnng
LIB_JSON = $(call pc,jansson)
LIB_CONF = $(call pc,libconfig)
LIB_LWS  = $(call pc,libwebsockets)
LIB_CURL = $(call pc,libcurl)
LIB_PQ   = $(call pc,libpq)
LIB_REDIS= $(call pc,hiredis)
LIB_PS   = $(call pc,pocketsphinx sphinxbase)
LIB_FLITE= -lflite_cmu_us_slt -lflite_cmu_us_kal -lflite_cmu_us_awb -lflite_cmu_us_rms \
           -lflite_usenglish -lflite_cmulex -lflite -lm
LIB_CMOCKA = $(call pc,cmocka)
LIB_SSL  = $(call pc,libssl libcrypto)
CFLAGS  += $(shell pkg-config --cflags pocketsphinx sphinxbase libpq 2>/dev/null)

# the library every program links: proto + common
COMMON_SRCS = proto/proto.c proto/payload.c proto/tool_schema.c \
              common/log.c common/config.c common/daemon.c \
              common/bus.c common/rpc.c common/clock.c common/mulaw.c common/business.c common/twilio.c \
              common/outbound.c common/redact.c common/metrics.c common/cluster.c \
              common/sbuf.c
COMMON_LIB  = $(BUILD)/lib/libfdcommon.a
COMMON_LIBS = $(LIB_NNG) $(LIB_JSON) $(LIB_CONF) $(LIB_SSL) $(LIB_REDIS) -lm

# `make` alone builds every program (the modules define rules first)
.DEFAULT_GOAL := all

BINS  :=
TESTS :=
include $(sort $(wildcard */module.mk tools/*/module.mk))

objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

.PHONY: all test unit check-layers e2e faults fuzz san bench demo dashboard realtime clean deps format format-check
all: $(addprefix $(BUILD)/bin/,$(BINS))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(COMMON_LIB): $(call objs,$(COMMON_SRCS))
	@mkdir -p $(dir $@)
	@echo "  AR  $@"
	@rm -f $@ && ar rcs $@ $^

define prog_rule
$(BUILD)/bin/$(1): $(call objs,$($(1)_SRCS)) $(COMMON_LIB)
	@mkdir -p $$(dir $$@)
	@echo "  LD  $$@"
	@$(CC) $(LDFLAGS) -o $$@ $(call objs,$($(1)_SRCS)) $(COMMON_LIB) $($(1)_LIBS) $(COMMON_LIBS)
endef
$(foreach b,$(BINS),$(eval $(call prog_rule,$(b))))

define test_rule
$(BUILD)/test/$(1): $(call objs,$($(1)_SRCS)) $(COMMON_LIB)
	@mkdir -p $$(dir $$@)
	@echo "  LD  $$@"
	@$(CC) $(LDFLAGS) -o $$@ $(call objs,$($(1)_SRCS)) $(COMMON_LIB) $($(1)_LIBS) $(LIB_CMOCKA) $(COMMON_LIBS)
endef
$(foreach t,$(TESTS),$(eval $(call test_rule,$(t))))

deps:
	@scripts/deps.sh

unit: all $(addprefix $(BUILD)/test/,$(TESTS))
	@scripts/check-layers.sh
	@scripts/run-unit.sh $(BUILD) $(TESTS)

check-layers:
	@scripts/check-layers.sh

e2e: all
	@BUILD=$(BUILD) tests/e2e/run.sh

test: deps
	@$(MAKE) --no-print-directory all unit-bins
	@BUILD=$(BUILD) scripts/test.sh $(TESTS)

faults: all
	@BUILD=$(BUILD) tests/faults/run.sh

# clang with libFuzzer, ASan and UBSan; the gcc build is not involved
fuzz:
	@$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk fuzz

unit-bins: $(addprefix $(BUILD)/test/,$(TESTS))

# The unit tests of the code that parses what comes from outside (frames,
# payloads, Media Streams JSON, webhooks and TwiML, HTTP ranges, the
# gateway over raw HTTP, config, redaction, metrics) under ASan+UBSan: a
# few minutes, so CI runs them on every push (the whole suite under SAN=1
# is for make faults' machine, see README).
SAN_TESTS = proto_test proto_payload_test common_test common_redact_test \
            common_metrics_test gateway_media_test gateway_twiml_test \
            gateway_fall_parse_test gateway_http_range_test \
            gateway_callinfo_test gateway_http_test
san:
	@$(MAKE) --no-print-directory SAN=1 BUILD=build-san build-san/bin/gateway \
	    $(addprefix build-san/test/,$(SAN_TESTS))
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    scripts/run-unit.sh build-san $(SAN_TESTS)

bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/bench.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/demo.sh

# the Realtime engine's calls end to end against the local peer
realtime: all
	@BUILD=$(BUILD) tests/e2e/realtime.sh

dashboard: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/dashboard/run.sh

# clang-format settles some long string concatenations only on a second
# pass, so format runs it twice; format-check fails on any file that differs
format:
	@clang-format -i $$(git ls-files '*.c' '*.h')
	@clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@scripts/format-check.sh

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
