# stt-worker: the Deepgram streaming engine's test against a local peer
# (tests/peers/deepgram/listen_peer.py).  Include this from module.mk;
# read after the top Makefile (make -f Makefile -f stt-worker/deepgram.mk)
# it also makes its own rule.  stt-worker links $(STT_DEEPGRAM_SRCS) with
# $(LIB_LWS) once stt_engine_find lists the engine.
STT_DEEPGRAM_SRCS = stt-worker/stt_engine_deepgram.c \
                    stt-worker/stt_deepgram_events.c

TESTS += stt_deepgram_test
stt_deepgram_test_SRCS = stt-worker/stt_deepgram_test.c $(STT_DEEPGRAM_SRCS) \
                         tests/harness/peer_run.c
stt_deepgram_test_LIBS = $(LIB_LWS)

ifdef test_rule
$(eval $(call test_rule,stt_deepgram_test))
endif
