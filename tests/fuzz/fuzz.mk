# tests/fuzz/fuzz.mk - the libFuzzer targets, built with clang into
# build-fuzz/ (ASan + UBSan + coverage); the gcc build never reads this.
#   make fuzz                 (the top Makefile runs make -f tests/fuzz/fuzz.mk)
# A target NAME is tests/fuzz/fuzz_NAME.c plus fuzz_NAME_SRCS (the real
# parser code it drives); the shared proto+common library is linked too.
FZ        = build-fuzz
FZCC     ?= clang
FZSAN     = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
            -fno-omit-frame-pointer
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
pc        = $(shell pkg-config --cflags --libs $(1) 2>/dev/null)
FZCFLAGS  = -std=gnu11 -O1 -g $(WARN) -I. -Icommon -MMD -MP -pthread -D_GNU_SOURCE \
            $(FZSAN) -fsanitize=fuzzer-no-link \
            $(shell pkg-config --cflags libwebsockets libpq 2>/dev/null)
FZLIBS    = -lnng $(call pc,jansson) $(call pc,libconfig) $(call pc,libssl libcrypto) -lm

FUZZ_TARGETS = frame media webhook sse deepgram datetime toolargs ical vpic

fuzz_frame_SRCS    =
fuzz_media_SRCS    = gateway/media_msg.c
fuzz_webhook_SRCS  =
fuzz_sse_SRCS      = agent/llm_sse.c agent/llm_reply.c
fuzz_deepgram_SRCS = stt-worker/stt_deepgram_events.c
fuzz_deepgram_LIBS = $(call pc,libwebsockets)
fuzz_datetime_SRCS = speech/datetime.c speech/text.c
fuzz_toolargs_SRCS = agent/llm_tools.c crm-tools/crm_args.c speech/text.c
fuzz_ical_SRCS     = crm-tools/ical.c crm-tools/freebusy.c
fuzz_vpic_SRCS     = crm-tools/vpic_parse.c

FZ_COMMON = proto/proto.c proto/payload.c proto/tool_schema.c common/log.c common/metrics.c common/redact.c common/sbuf.c common/config.c \
            common/clock.c common/business.c common/twilio.c
FZ_LIB    = $(FZ)/lib/libfdcommon.a
fzobjs    = $(patsubst %.c,$(FZ)/obj/%.o,$(1))

.PHONY: fuzz
fuzz: $(addprefix $(FZ)/bin/fuzz_,$(FUZZ_TARGETS))

$(FZ)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FZCC $<"
	@$(FZCC) $(FZCFLAGS) -c -o $@ $<

$(FZ_LIB): $(call fzobjs,$(FZ_COMMON))
	@mkdir -p $(dir $@)
	@rm -f $@ && ar rcs $@ $^

define fuzz_rule
$(FZ)/bin/fuzz_$(1): $(call fzobjs,tests/fuzz/fuzz_$(1).c $(fuzz_$(1)_SRCS)) $(FZ_LIB)
	@mkdir -p $$(dir $$@)
	@echo "  FZLD $$@"
	@$(FZCC) $(FZSAN) -fsanitize=fuzzer -pthread -o $$@ \
	    $(call fzobjs,tests/fuzz/fuzz_$(1).c $(fuzz_$(1)_SRCS)) $(FZ_LIB) \
	    $(fuzz_$(1)_LIBS) $(FZLIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

-include $(shell find $(FZ)/obj -name '*.d' 2>/dev/null)
