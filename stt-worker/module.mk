include stt-worker/deepgram.mk
# stt-worker: speech recognition daemon, its engines and tests.  The
# decoder and domain LM it shares with callsim are speech/'s SPEECH_STT;
# stt-bench (bench/) links STT_ENGINE.
STT_ENGINE = stt-worker/stt_engine.c stt-worker/stt_engine_pocketsphinx.c \
             stt-worker/ps_lm.c stt-worker/vad.c stt-worker/turn_end.c \
             stt-worker/ps8k.c \
             $(STT_DEEPGRAM_SRCS) $(SPEECH_STT)

BINS += stt-worker
stt-worker_SRCS = stt-worker/stt_worker.c stt-worker/vocab.c \
                  stt-worker/stt_fallback.c $(STT_ENGINE)
stt-worker_LIBS = $(LIB_PS) $(LIB_LWS)

TESTS += stt_vad_test
stt_vad_test_SRCS = stt-worker/vad_test.c stt-worker/vad.c \
                    speech/resample.c
stt_vad_test_LIBS =

TESTS += stt_turn_end_test
stt_turn_end_test_SRCS = stt-worker/turn_end_test.c stt-worker/turn_end.c \
                         stt-worker/vad.c
stt_turn_end_test_LIBS =

TESTS += stt_recog_test
stt_recog_test_SRCS = stt-worker/stt_recog_test.c $(STT_ENGINE) \
                      tests/harness/flite_synth.c bench/bench_corpus.c
stt_recog_test_LIBS = $(LIB_PS) $(LIB_LWS) $(LIB_FLITE)

# a vendor failing mid-turn: the turn is heard by pocketsphinx
# (tests/peers/deepgram/listen_peer.py as the vendor)
TESTS += stt_fallback_test
stt_fallback_test_SRCS = stt-worker/stt_fallback_test.c \
                         stt-worker/stt_fallback.c $(STT_ENGINE) \
                         tests/harness/peer_run.c tests/harness/flite_synth.c
stt_fallback_test_LIBS = $(LIB_PS) $(LIB_LWS) $(LIB_FLITE)

# the daemon on a real bus (needs build/bin/stt-worker)
TESTS += stt_worker_test
stt_worker_test_SRCS = stt-worker/stt_worker_test.c \
                       tests/harness/flite_synth.c speech/resample.c
stt_worker_test_LIBS = $(LIB_PS) $(LIB_LWS) $(LIB_FLITE)

# the line's noise suppressor on flite speech with white noise
TESTS += stt_denoise_test
stt_denoise_test_SRCS = stt-worker/denoise_test.c speech/denoise.c \
                        speech/resample.c \
                        tests/harness/flite_synth.c
stt_denoise_test_LIBS = $(LIB_FLITE)
