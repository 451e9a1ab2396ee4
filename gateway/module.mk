BINS += gateway
gateway_SRCS = gateway/gateway.c gateway/http.c gateway/http_auth.c \
               gateway/media.c gateway/media_play.c \
               gateway/media_replay.c gateway/caller_ring.c \
               gateway/media_msg.c gateway/pacer.c gateway/twiml.c \
               gateway/carrier.c gateway/dialout.c gateway/fallthrough.c gateway/fall_parse.c gateway/callinfo.c gateway/workq.c \
               gateway/sbuf.c gateway/dashboard.c
gateway_LIBS = $(LIB_LWS) $(LIB_CURL)
# the page is pulled in with .incbin, which -MMD does not see
$(BUILD)/obj/gateway/dashboard.o: gateway/dashboard.html

TESTS += gateway_twiml_test gateway_media_test gateway_pacer_test \
         gateway_callinfo_test gateway_caller_ring_test
gateway_twiml_test_SRCS = gateway/twiml_test.c gateway/twiml.c gateway/sbuf.c
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
