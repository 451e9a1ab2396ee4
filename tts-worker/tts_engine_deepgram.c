/*
 * tts_engine_deepgram.c - Deepgram Aura text to speech over its REST API:
 * POST {base_url}/v1/speak?model=..&encoding=mulaw&sample_rate=8000
 * &container=none with {"text": ...}; the answer is a chunked body of raw
 * mu-law that tts_http.c streams to the caller's callback.  Talks only to
 * Deepgram (or a test peer) over HTTPS.
 *
 * Config (section tts.deepgram): base_url = "https://api.deepgram.com";
 * model = "aura-asteria-en"; plus tts_http.c's ca_file, connect_ms,
 * first_byte_ms, idle_ms, total_ms, retries, backoff_ms.  The key comes
 * only from the environment: DEEPGRAM_API_KEY.  A SAY voice that names
 * an Aura model ("aura-luna-en") overrides the model for that sentence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tts_http.h"

#define MAX_CHARS 2000 /* Deepgram's limit per request */

struct dg_tts {
	struct tts_http *http;
	char base_url[256];
	char model[64];
	char auth[300]; /* "Authorization: Token ..." */
};

static int
dg_init(const config_t *cfg, void **engp, char *err, size_t errlen)
{
	struct dg_tts *e;
	const char *s;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (tts_http_auth("deepgram", "DEEPGRAM_API_KEY",
	        "Authorization: Token ", e->auth, sizeof(e->auth), err,
	        errlen) != 0) {
		free(e);
		return -1;
	}
	snprintf(e->model, sizeof(e->model), "aura-asteria-en");
	if (cfg && config_lookup_string(cfg, "tts.deepgram.model", &s))
		snprintf(e->model, sizeof(e->model), "%s", s);
	if (tts_http_base_url(cfg, "deepgram", "https://api.deepgram.com",
	        e->base_url, sizeof(e->base_url), err, errlen) != 0) {
		free(e);
		return -1;
	}
	if ((e->http = tts_http_new(cfg, "deepgram", err, errlen)) == NULL) {
		free(e);
		return -1;
	}
	*engp = e;
	return 0;
}

static void
dg_fini(void *eng)
{
	struct dg_tts *e = eng;

	if (e == NULL)
		return;
	tts_http_free(e->http);
	explicit_bzero(e->auth, sizeof(e->auth));
	free(e);
}

static int
dg_synth(void *eng, const char *voice, const char *text, tts_pcm_cb cb,
    void *arg, char *err, size_t errlen)
{
	struct dg_tts *e = eng;
	const char *model = e->model;
	char url[512];
	json_t *j;
	int rc;

	if (strlen(text) > MAX_CHARS) {
		snprintf(err, errlen,
		    "deepgram: text of %zu characters is over "
		    "the %d limit",
		    strlen(text), MAX_CHARS);
		return -1;
	}
	if (voice && strncmp(voice, "aura", 4) == 0 &&
	    strspn(voice, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
	        strlen(voice))
		model = voice;
	snprintf(url, sizeof(url),
	    "%s/v1/speak?model=%s&encoding=mulaw"
	    "&sample_rate=8000&container=none",
	    e->base_url, model);
	if ((j = json_pack("{s:s}", "text", text)) == NULL) {
		snprintf(err, errlen, "deepgram: text is not valid UTF-8");
		return -1;
	}
	rc = tts_http_post_json(e->http, url, e->auth, j, cb, arg, err, errlen);
	json_decref(j);
	return rc;
}

/* An ops table reads best packed, a few members a line. */
/* clang-format off */
const struct tts_engine_ops tts_engine_deepgram = {
	.name = "deepgram", .init = dg_init, .fini = dg_fini, .synth = dg_synth,
};
/* clang-format on */
