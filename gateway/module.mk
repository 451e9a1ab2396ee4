BINS += gateway
gateway_SRCS = gateway/gateway.c gateway/http.c gateway/http_auth.c \
               gateway/media.c gateway/media_play.c \
               gateway/media_replay.c gateway/caller_ring.c \
               gateway/media_msg.c gateway/pacer.c gateway/twiml.c \
               gateway/carrier.c gateway/dialout.c gateway/fallthrough.c gateway/fall_parse.c gateway/callinfo.c gateway/workq.c \
               gateway/dashboard.c gateway/recording.c \
               gateway/http_range.c gateway/gw_settings.c gateway/gw_metrics.c \
               gateway/gw_accept.c
gateway_LIBS = $(LIB_LWS) $(LIB_CURL)
# the dashboard's files are pulled in with .incbin, which -MMD does not
# see; its chart library comes from npm at build time (the versions and
# hashes pinned by gateway/web/package-lock.json) into $(BUILD)/web/
GW_WEB_VENDOR := $(BUILD)/web/chart.umd.min.js
$(BUILD)/obj/gateway/dashboard.o: gateway/web/index.html gateway/web/app.js \
                                  gateway/web/app.css $(GW_WEB_VENDOR)
$(BUILD)/obj/gateway/dashboard.o: CFLAGS += -DGW_WEB_VENDOR='"$(GW_WEB_VENDOR)"'
$(GW_WEB_VENDOR): gateway/web/package.json gateway/web/package-lock.json
	@mkdir -p $(BUILD)/web/npm
	@echo "  NPM $@"
	@cp gateway/web/package.json gateway/web/package-lock.json $(BUILD)/web/npm/
	@cd $(BUILD)/web/npm && npm ci --ignore-scripts --no-audit --no-fund \
	    --loglevel=error >npm.log 2>&1 || { cat npm.log; echo "gateway: npm \
	    ci failed: the dashboard's chart library comes from the npm registry \
	    (scripts/deps.sh installs npm)"; exit 1; }
	@sed '/^\/\/# sourceMappingURL=/d' \
	    $(BUILD)/web/npm/node_modules/chart.js/dist/chart.umd.min.js >$@.tmp
	@mv $@.tmp $@

TESTS += gateway_twiml_test gateway_media_test gateway_pacer_test \
         gateway_callinfo_test gateway_caller_ring_test \
         gateway_http_range_test gateway_recording_test
gateway_http_range_test_SRCS = gateway/http_range_test.c gateway/http_range.c
gateway_recording_test_SRCS = gateway/recording_test.c gateway/recording.c \
                              gateway/workq.c
gateway_twiml_test_SRCS = gateway/twiml_test.c gateway/twiml.c
gateway_media_test_SRCS = gateway/media_msg_test.c gateway/media_msg.c
gateway_pacer_test_SRCS = gateway/pacer_test.c gateway/pacer.c
gateway_callinfo_test_SRCS = gateway/callinfo_test.c gateway/callinfo.c
gateway_caller_ring_test_SRCS = gateway/caller_ring_test.c \
                                gateway/caller_ring.c

# the gateway binary of the same build over raw HTTP (signatures, POSTs
# without a length, SIGHUP)
TESTS += gateway_http_test
gateway_http_test_SRCS = gateway/http_test.c

TESTS += gateway_fall_parse_test
gateway_fall_parse_test_SRCS = gateway/fall_parse_test.c gateway/fall_parse.c
