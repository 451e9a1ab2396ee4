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

static const char *
cfg_s(const config_t *cfg, const char *key, const char *def)
{
	const char *v;
	char path[96];

	snprintf(path, sizeof(path), "agent.realtime.%s", key);
	return config_lookup_string(cfg, path, &v) == CONFIG_TRUE ? v : def;
}

static int
cfg_i(const config_t *cfg, const char *key, int def)
{
	int v;
	char path[96];

	snprintf(path, sizeof(path), "agent.realtime.%s", key);
	return config_lookup_int(cfg, path, &v) == CONFIG_TRUE ? v : def;
}

static double
cfg_d(const config_t *cfg, const char *key, double def)
{
	double v;
	int i;
	char path[96];

	snprintf(path, sizeof(path), "agent.realtime.%s", key);
	if (config_lookup_float(cfg, path, &v) == CONFIG_TRUE)
		return v;
	return config_lookup_int(cfg, path, &i) == CONFIG_TRUE ? i : def;
}

static int
read_cfg(const config_t *cfg, struct rt_cfg *r, char *err, size_t errlen)
{
	char host[256], path[512];
	int port, tls, b;

	memset(r, 0, sizeof(*r));
	snprintf(r->url, sizeof(r->url), "%s",
	    cfg_s(cfg, "url",
	        "wss://api.openai.com/v1/"
	        "realtime?model=gpt-4o-realtime-preview"));
	snprintf(r->api_key_env, sizeof(r->api_key_env), "%s",
	    cfg_s(cfg, "api_key_env", "OPENAI_API_KEY"));
	r->beta =
	    config_lookup_bool(cfg, "agent.realtime.beta", &b) == CONFIG_TRUE
	    ? b
	    : 1;
	snprintf(
	    r->ca_file, sizeof(r->ca_file), "%s", cfg_s(cfg, "ca_file", ""));
	snprintf(
	    r->voice, sizeof(r->voice), "%s", cfg_s(cfg, "voice", "alloy"));
	snprintf(r->transcribe_model, sizeof(r->transcribe_model), "%s",
	    cfg_s(cfg, "transcribe_model", "whisper-1"));
	snprintf(r->instructions, sizeof(r->instructions), "%s",
	    cfg_s(cfg, "instructions", ""));
	r->vad_threshold = cfg_d(cfg, "vad_threshold", 0.5);
	r->prefix_ms = cfg_i(cfg, "prefix_padding_ms", 300);
	r->silence_ms = cfg_i(cfg, "silence_duration_ms", 500);
	r->connect_timeout_ms = cfg_i(cfg, "connect_timeout_ms", 3000);
	r->response_timeout_ms = cfg_i(cfg, "response_timeout_ms", 8000);
	r->mark_ms = cfg_i(cfg, "mark_ms", 400);
	r->lead_ms = cfg_i(cfg, "lead_ms", 600);
	r->price_audio_in = cfg_d(cfg, "price_audio_in", 40.0);
	r->price_audio_out = cfg_d(cfg, "price_audio_out", 80.0);
	r->price_text_in = cfg_d(cfg, "price_text_in", 5.0);
	r->price_text_out = cfg_d(cfg, "price_text_out", 20.0);
	if (rt_url_parse(r->url, host, sizeof(host), &port, path, sizeof(path),
	        &tls, err, errlen) != 0)
		return -1;
	if (r->vad_threshold < 0 || r->vad_threshold > 1 || r->prefix_ms < 0 ||
	    r->prefix_ms > 5000 || r->silence_ms < 100 ||
	    r->silence_ms > 10000 || r->connect_timeout_ms < 100 ||
	    r->connect_timeout_ms > 60000 || r->response_timeout_ms < 500 ||
	    r->response_timeout_ms > 120000 || r->mark_ms < 100 ||
	    r->mark_ms > 5000 || r->lead_ms < 0 || r->lead_ms > 5000 ||
	    r->price_audio_in < 0 || r->price_audio_out < 0 ||
	    r->price_text_in < 0 || r->price_text_out < 0) {
		snprintf(err, errlen,
		    "agent.realtime: a value is out of range "
		    "(vad_threshold 0..1, silence_duration_ms 100..10000, "
		    "response_timeout_ms 500..120000, mark_ms 100..5000, "
		    "lead_ms 0..5000, "
		    "prices >= 0)");
		return -1;
	}
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
