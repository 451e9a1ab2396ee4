include stt-worker/deepgram.mk
# stt-worker: speech recognition daemon, its engines, tests and bench.
# STT_CORE is the standalone decoder (ps8k) and what it needs; callsim
# links it.  STT_ENGINE adds the streaming engine the daemon runs.
STT_CORE = stt-worker/arpa_lm.c stt-worker/dict_words.c \
           stt-worker/domain_corpus.c stt-worker/domain_lm.c \
           stt-worker/resample.c stt-worker/ps_decoder.c stt-worker/ps8k.c
STT_ENGINE = stt-worker/stt_engine.c stt-worker/stt_engine_pocketsphinx.c \
             stt-worker/ps_lm.c stt-worker/vad.c $(STT_DEEPGRAM_SRCS) \
             $(STT_CORE)
STT_TESTSUPPORT = stt-worker/flite_synth.c stt-worker/bench_corpus.c

BINS += stt-worker
stt-worker_SRCS = stt-worker/stt_worker.c stt-worker/vocab.c $(STT_ENGINE)
stt-worker_LIBS = $(LIB_PS) $(LIB_LWS)

BINS += stt-bench
stt-bench_SRCS = stt-worker/stt_bench.c stt-worker/stt_bench_stream.c \
                 $(STT_ENGINE) $(STT_TESTSUPPORT)
stt-bench_LIBS = $(LIB_PS) $(LIB_LWS) $(LIB_FLITE)

TESTS += stt_arpa_test
stt_arpa_test_SRCS = stt-worker/arpa_lm_test.c stt-worker/arpa_lm.c \
                     stt-worker/domain_corpus.c
stt_arpa_test_LIBS =

TESTS += stt_vad_test
stt_vad_test_SRCS = stt-worker/vad_test.c stt-worker/vad.c \
                    stt-worker/resample.c
stt_vad_test_LIBS =

TESTS += stt_recog_test
stt_recog_test_SRCS = stt-worker/stt_recog_test.c $(STT_ENGINE) \
                      $(STT_TESTSUPPORT)
stt_recog_test_LIBS = $(LIB_PS) $(LIB_LWS) $(LIB_FLITE)

# the daemon on a real bus (needs build/bin/stt-worker)
TESTS += stt_worker_test
stt_worker_test_SRCS = stt-worker/stt_worker_test.c stt-worker/flite_synth.c \
                       stt-worker/resample.c
stt_worker_test_LIBS = $(LIB_PS) $(LIB_LWS) $(LIB_FLITE)
