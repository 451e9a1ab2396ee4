# bench: the benchmark programs scripts/bench.sh runs (make bench); each
# prints one JSON object on stdout.
BINS += busbench
busbench_SRCS = bench/busbench.c

# crm-tools' tools as the agent sees them, against an isolated datastore
# and crm-tools started by tests/harness/crm_harness.c
BINS += crm-bench
crm-bench_SRCS = bench/crm_bench.c bench/bench_floor.c \
                 tests/harness/crm_harness.c
crm-bench_LIBS = $(LIB_PQ) $(LIB_REDIS) -lpthread

# the local recogniser: WER and slots on flite speech, endpointing through
# stt-worker's streaming engine
BINS += stt-bench
stt-bench_SRCS = bench/stt_bench.c bench/stt_bench_stream.c \
                 bench/stt_bench_sets.c bench/bench_corpus.c \
                 tests/harness/flite_synth.c agent/intent.c agent/lang.c \
                 agent/spoken.c speech/text.c $(STT_ENGINE)
stt-bench_LIBS = $(LIB_PS) $(LIB_LWS) $(LIB_FLITE)

BINS += tts-bench
tts-bench_SRCS = bench/tts_bench.c $(TTS_CORE_SRCS)
tts-bench_LIBS = $(LIB_FLITE) $(LIB_CURL)

# the gateway's call recorder alone (gateway/recording.c), as
# scripts/bench-recording.sh weighs it against the gateway per call
BINS += rec-bench
rec-bench_SRCS = bench/rec_bench.c gateway/recording.c gateway/workq.c

# the Realtime engine's own share of a turn: build/bin/agent against
# tests/peers/openai/realtime_peer.py (tests/harness/rt_harness.c)
BINS += rt-bench
rt-bench_SRCS = bench/rt_bench.c tests/harness/rt_harness.c \
                tests/harness/peer_run.c tests/harness/fake_customer.c
