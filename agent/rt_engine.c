/*
 * rt_engine.c - the Realtime engine's start (rt_call.h): agent.realtime
 * read and checked, the system prompt and the LLM brain's tool catalogue
 * in Realtime's flat form built once, the WebSocket client started with
 * the key from the environment.  Talks to no process itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_call.h"
#include "config.h"
#include "llm_prompt.h"
#include "log.h"
#include "rt_call.h"
#include "rt_client.h"
#include "rt_int.h"

struct rt_cfg rcfg;
struct llm_catalog rt_cat;
json_t *rt_tools;
char *rt_system_prompt;
int rt_started;

/* ---- config ---- */

static int
read_cfg(const config_t *cfg, struct rt_cfg *r, char *err, size_t errlen)
{
	char host[256], path[512];
	int port, tls;

	const struct fd_cfg_opt opts[] = {
	    {"agent.realtime.url", FD_CFG_STR, r->url, sizeof(r->url),
	        "wss://api.openai.com/v1/"
	        "realtime?model=gpt-4o-realtime-preview",
	        0, 0, NULL},
	    {"agent.realtime.api_key_env", FD_CFG_STR, r->api_key_env,
	        sizeof(r->api_key_env), "OPENAI_API_KEY", 0, 0, NULL},
	    {"agent.realtime.beta", FD_CFG_BOOL, &r->beta, 0, "true", 0, 0,
	        NULL},
	    {"agent.realtime.ca_file", FD_CFG_STR, r->ca_file,
	        sizeof(r->ca_file), "", 0, 0, NULL},
	    {"agent.realtime.voice", FD_CFG_STR, r->voice, sizeof(r->voice),
	        "alloy", 0, 0, NULL},
	    {"agent.realtime.transcribe_model", FD_CFG_STR, r->transcribe_model,
	        sizeof(r->transcribe_model), "whisper-1", 0, 0, NULL},
	    {"agent.realtime.instructions", FD_CFG_STR, r->instructions,
	        sizeof(r->instructions), "", 0, 0, NULL},
	    {"agent.realtime.vad_threshold", FD_CFG_DOUBLE, &r->vad_threshold,
	        0, "0.5", 0, 1, NULL},
	    {"agent.realtime.prefix_padding_ms", FD_CFG_INT, &r->prefix_ms, 0,
	        "300", 0, 5000, NULL},
	    {"agent.realtime.silence_duration_ms", FD_CFG_INT, &r->silence_ms,
	        0, "500", 100, 10000, NULL},
	    {"agent.realtime.connect_timeout_ms", FD_CFG_INT,
	        &r->connect_timeout_ms, 0, "3000", 100, 60000, NULL},
	    {"agent.realtime.response_timeout_ms", FD_CFG_INT,
	        &r->response_timeout_ms, 0, "8000", 500, 120000, NULL},
	    {"agent.realtime.mark_ms", FD_CFG_INT, &r->mark_ms, 0, "400", 100,
	        5000, NULL},
	    {"agent.realtime.lead_ms", FD_CFG_INT, &r->lead_ms, 0, "600", 0,
	        5000, NULL},
	    {"agent.realtime.price_audio_in", FD_CFG_DOUBLE, &r->price_audio_in,
	        0, "40", 0, 1e9, NULL},
	    {"agent.realtime.price_audio_out", FD_CFG_DOUBLE,
	        &r->price_audio_out, 0, "80", 0, 1e9, NULL},
	    {"agent.realtime.price_text_in", FD_CFG_DOUBLE, &r->price_text_in,
	        0, "5", 0, 1e9, NULL},
	    {"agent.realtime.price_text_out", FD_CFG_DOUBLE, &r->price_text_out,
	        0, "20", 0, 1e9, NULL},
	};

	memset(r, 0, sizeof(*r));
	if (fd_cfg_apply(cfg, opts, FD_CFG_N(opts), err, errlen) != 0)
		return -1;
	if (rt_url_parse(r->url, host, sizeof(host), &port, path, sizeof(path),
	        &tls, err, errlen) != 0)
		return -1;
	if (strspn(r->voice, "abcdefghijklmnopqrstuvwxyz") !=
	    strlen(r->voice)) {
		snprintf(err, errlen, "agent.realtime.voice: bad voice name");
		return -1;
	}
	return 0;
}

int
rt_engine_check(const config_t *cfg, char *err, size_t errlen)
{
	struct rt_cfg r;
	const char *key;

	if (read_cfg(cfg, &r, err, errlen) != 0)
		return -1;
	if ((key = getenv(r.api_key_env)) == NULL || key[0] == '\0') {
		snprintf(err, errlen, "agent.realtime: %s is not set",
		    r.api_key_env);
		return -1;
	}
	return 0;
}

static void on_client_event(const char *call_id, char *text, size_t len);

int
rt_engine_init(
    const config_t *cfg, const struct fd_business *b, char *err, size_t errlen)
{
	struct rt_client_cfg cc;
	const char *key;
	const struct llm_tool *t;
	int i;

	if (rt_engine_check(cfg, err, errlen) != 0 ||
	    read_cfg(cfg, &rcfg, err, errlen) != 0)
		return -1;
	key = getenv(rcfg.api_key_env);
	memset(&cc, 0, sizeof(cc));
	snprintf(cc.url, sizeof(cc.url), "%s", rcfg.url);
	if ((size_t)snprintf(cc.auth, sizeof(cc.auth), "Bearer %s", key) >=
	    sizeof(cc.auth)) {
		snprintf(err, errlen, "agent.realtime: %s is too long",
		    rcfg.api_key_env);
		return -1;
	}
	cc.beta = rcfg.beta;
	snprintf(cc.ca_file, sizeof(cc.ca_file), "%s", rcfg.ca_file);
	cc.connect_timeout_ms = rcfg.connect_timeout_ms;
	if ((rt_system_prompt = llm_prompt_system(b, rcfg.instructions)) ==
	        NULL ||
	    llm_catalog_build(&rt_cat, NULL, b) != 0 ||
	    (rt_tools = json_array()) == NULL) {
		snprintf(err, errlen, "out of memory");
		explicit_bzero(cc.auth, sizeof(cc.auth));
		return -1;
	}
	/* Realtime's tools are flat: name beside type */
	for (i = 0; i < rt_cat.ntools; i++) {
		t = &rt_cat.tools[i];
		json_array_append_new(rt_tools,
		    json_pack("{s:s, s:s, s:O, s:O}", "type", "function",
		        "name", t->name, "description",
		        json_object_get(t->desc, "description"), "parameters",
		        json_object_get(t->desc, "parameters")));
	}
	if (rt_client_init(&cc, on_client_event, err, errlen) != 0) {
		explicit_bzero(cc.auth, sizeof(cc.auth));
		return -1;
	}
	explicit_bzero(cc.auth, sizeof(cc.auth));
	rt_started = 1;
	log_info(NULL, "realtime engine: %s, voice %s, %d tools", rcfg.url,
	    rcfg.voice, rt_cat.ntools);
	return 0;
}

void
rt_engine_fini(void)
{
	if (!rt_started)
		return;
	rt_client_fini();
	llm_catalog_free(&rt_cat);
	json_decref(rt_tools);
	rt_tools = NULL;
	free(rt_system_prompt);
	rt_system_prompt = NULL;
	rt_started = 0;
}

/* The client's thread: hand the event to the call's queue. */
static void
on_client_event(const char *call_id, char *text, size_t len)
{
	(void)len;
	calls_post_rt(call_id, text);
}
