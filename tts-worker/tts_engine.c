/*
 * tts_engine.c - the table of speech engines tts-worker can be configured
 * with (tts.engine): flite (local), deepgram (Aura) and elevenlabs, the
 * last two streaming from the vendor over HTTPS (tts_http.c).  Talks to
 * no process.
 */
#include "ops_find.h"
#include "speech/tts_engine.h"
#include "tts_http.h"

static const struct tts_engine_ops *const engines[] = {
    &tts_engine_flite,
    &tts_engine_deepgram,
    &tts_engine_elevenlabs,
};

const struct tts_engine_ops *
tts_engine_find(const char *name)
{
	if (name == NULL || name[0] == '\0')
		name = "flite";
	return OPS_FIND(engines, name);
}
