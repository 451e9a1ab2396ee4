# tts-worker: speech synthesis daemon, its engines and tests.  The flite
# engine and the text normalisation it shares with callsim are speech/'s
# SPEECH_TTS and SPEECH_TEXT; tts-bench (bench/) links TTS_CORE_SRCS.
TTS_VENDOR_SRCS = tts-worker/tts_engine_deepgram.c \
                  tts-worker/tts_engine_elevenlabs.c tts-worker/tts_http.c
TTS_CORE_SRCS  = tts-worker/tts_engine.c $(SPEECH_TTS) $(SPEECH_TEXT) \
                 speech/tts_pipe.c $(TTS_VENDOR_SRCS)

BINS += tts-worker
tts-worker_SRCS = tts-worker/tts_worker.c tts-worker/tts_calls.c \
                  tts-worker/tts_cache.c $(TTS_CORE_SRCS)
tts-worker_LIBS = $(LIB_FLITE) $(LIB_CURL)

TESTS += tts_engine_test
tts_engine_test_SRCS = tts-worker/tts_engine_test.c $(TTS_CORE_SRCS)
tts_engine_test_LIBS = $(LIB_FLITE) $(LIB_CURL)

TESTS += tts_calls_test
tts_calls_test_SRCS = tts-worker/tts_calls_test.c tts-worker/tts_calls.c \
                      tts-worker/tts_cache.c $(TTS_CORE_SRCS)

TESTS += tts_cache_test
tts_cache_test_SRCS = tts-worker/tts_cache_test.c tts-worker/tts_cache.c
tts_calls_test_LIBS = $(LIB_FLITE) $(LIB_CURL)

TESTS += tts_vendor_test
tts_vendor_test_SRCS = tts-worker/tts_vendor_test.c tts-worker/tts_engine.c \
                       tests/harness/peer_run.c \
                       $(SPEECH_TTS) $(TTS_VENDOR_SRCS)
tts_vendor_test_LIBS = $(LIB_FLITE) $(LIB_CURL)
