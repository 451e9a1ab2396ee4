/*
 * rt_int.h - what the Realtime engine's files share: rt_engine.c reads
 * agent.realtime and starts the client, rt_call.c runs the calls.  Not
 * for other modules.
 */
#ifndef AGENT_RT_INT_H
#define AGENT_RT_INT_H

#include <jansson.h>

#include "llm_tools.h"

struct rt_cfg {
	char url[512];
	char api_key_env[64];
	int beta;
	char ca_file[256];
	char voice[32];
	char transcribe_model[64];
	char instructions[2048];
	double vad_threshold;
	int prefix_ms, silence_ms;
	int connect_timeout_ms;
	int response_timeout_ms;
	int mark_ms;
	int lead_ms; /* a response's audio held until this much has come */
	double price_audio_in, price_audio_out; /* USD / 1M tokens */
	double price_text_in, price_text_out;
};

extern struct rt_cfg rcfg;
extern struct llm_catalog rt_cat; /* the LLM brain's tools */
extern json_t *rt_tools; /* the session's "tools" array */
extern char *rt_system_prompt;
extern int rt_started; /* rt_engine_init succeeded */

#endif
