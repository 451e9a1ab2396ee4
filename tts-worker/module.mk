# tts-worker: speech synthesis daemon, its engines, tests and bench.
# callsim may link TTS_FLITE_SRCS (the flite engine without the daemon).
TTS_FLITE_SRCS = tts-worker/tts_engine_flite.c tts-worker/tts_resample.c
TTS_TEXT_SRCS  = tts-worker/tts_normalize.c tts-worker/tts_words.c \
                 tts-worker/tts_split.c
TTS_VENDOR_SRCS = tts-worker/tts_engine_deepgram.c \
                  tts-worker/tts_engine_elevenlabs.c tts-worker/tts_http.c
TTS_CORE_SRCS  = tts-worker/tts_engine.c $(TTS_FLITE_SRCS) $(TTS_TEXT_SRCS) \
                 tts-worker/tts_pipe.c $(TTS_VENDOR_SRCS)

BINS += tts-worker
tts-worker_SRCS = tts-worker/tts_worker.c tts-worker/tts_calls.c $(TTS_CORE_SRCS)
tts-worker_LIBS = $(LIB_FLITE) $(LIB_CURL)

BINS += tts-bench
tts-bench_SRCS = tts-worker/tts_bench.c $(TTS_CORE_SRCS)
tts-bench_LIBS = $(LIB_FLITE) $(LIB_CURL)

TESTS += tts_normalize_test
tts_normalize_test_SRCS = tts-worker/tts_normalize_test.c $(TTS_TEXT_SRCS)

TESTS += tts_split_test
tts_split_test_SRCS = tts-worker/tts_split_test.c $(TTS_TEXT_SRCS)

TESTS += tts_resample_test
tts_resample_test_SRCS = tts-worker/tts_resample_test.c \
                         tts-worker/tts_resample.c tts-worker/tts_pipe.c

TESTS += tts_engine_test
tts_engine_test_SRCS = tts-worker/tts_engine_test.c $(TTS_CORE_SRCS)
tts_engine_test_LIBS = $(LIB_FLITE) $(LIB_CURL)

TESTS += tts_calls_test
tts_calls_test_SRCS = tts-worker/tts_calls_test.c tts-worker/tts_calls.c \
                      $(TTS_CORE_SRCS)
tts_calls_test_LIBS = $(LIB_FLITE) $(LIB_CURL)

TESTS += tts_vendor_test
tts_vendor_test_SRCS = tts-worker/tts_vendor_test.c tts-worker/tts_engine.c \
                       tests/peers/deepgram/peer_run.c \
                       $(TTS_FLITE_SRCS) $(TTS_VENDOR_SRCS)
tts_vendor_test_LIBS = $(LIB_FLITE) $(LIB_CURL)
