/*
 * stt_bench_stream.h - the bench's streaming half: utterances fed through
 * the pocketsphinx engine 20 ms at a time, paced in real time, to measure
 * how long after the caller stops the final transcript arrives.
 */
#ifndef STT_BENCH_STREAM_H
#define STT_BENCH_STREAM_H

#include <stddef.h>
#include <jansson.h>
#include <libconfig.h>

#include "bench/bench_corpus.h"

/* Run the first n clips through an engine built from cfg; returns a JSON
 * object of delays (ms) and the WER of the streamed finals. */
/* hint: the STT_HINT expect each clip is an answer to (NULL none). */
json_t *bench_stream(const config_t *cfg, const struct bench_clip *clips,
    size_t n, const char *hint);

#endif
