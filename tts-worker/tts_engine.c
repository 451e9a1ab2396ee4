/*
 * tts_engine.c - the table of speech engines tts-worker can be configured
 * with (tts.engine).  Engines that talk to vendors (Deepgram Aura,
 * ElevenLabs) are added here when they exist.  Talks to no process.
 */
#include <string.h>

#include "tts_engine.h"

static const struct tts_engine_ops *const engines[] = {
	&tts_engine_flite,
	/* &tts_engine_deepgram, &tts_engine_elevenlabs: later */
};

const struct tts_engine_ops *
tts_engine_find(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		name = "flite";
	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
		if (strcmp(engines[i]->name, name) == 0)
			return engines[i];
	return NULL;
}
