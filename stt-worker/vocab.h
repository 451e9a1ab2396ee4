/*
 * vocab.h - keeps the recogniser's vocabulary in step with the CRM: a
 * thread in stt-worker asks crm-tools (req/rep, internal tool
 * `vocabulary`) for customer names and vehicle makes and models
 * at start and then every poll_s, and hands a changed list
 * to the engine (pocketsphinx rebuilds its domain language model).
 */
#ifndef STT_VOCAB_H
#define STT_VOCAB_H

#include "stt_engine.h"

/* Start polling crm_rep; engine->vocabulary must be set. 0 or -1. */
int vocab_start(const char *crm_rep, const struct stt_engine_ops *engine,
    void *eng, int poll_s);
void vocab_stop(void);

#endif
