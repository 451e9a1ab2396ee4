/*
 * stt_fallback.h - a vendor engine with pocketsphinx behind it
 * (stt_fallback.c): stt-worker runs it in place of the vendor engine
 * named by stt.engine when stt.fallback is on.  Not in stt_engine_find's
 * table: it is not a choice of engine but a way to run one.
 */
#ifndef FD_STT_FALLBACK_H
#define FD_STT_FALLBACK_H

#include "stt_engine.h"

/* init reads stt.engine (a vendor engine), stt.fallback_after_ms and
 * stt.fallback_ring_s, and starts both engines. */
extern const struct stt_engine_ops stt_engine_fallback;

#endif
