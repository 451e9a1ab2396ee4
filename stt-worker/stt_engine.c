/*
 * stt_engine.c - the table of speech recognition engines stt-worker can
 * run, chosen by `stt.engine`.  A streaming cloud engine (Deepgram) joins
 * by adding its ops table here.
 */
#include "ops_find.h"
#include "stt_engine.h"

static const struct stt_engine_ops *const engines[] = {
    &stt_engine_pocketsphinx,
    &stt_engine_deepgram,
};

const struct stt_engine_ops *
stt_engine_find(const char *name)
{
	return OPS_FIND(engines, name);
}
