/*
 * tts_engine_elevenlabs.c - ElevenLabs text to speech over its streaming
 * REST API: POST {base_url}/v1/text-to-speech/{voice_id}/stream
 * ?output_format=ulaw_8000 with {text, model_id, voice_settings?}; the
 * answer is a chunked body of raw mu-law that tts_http.c streams to the
 * caller's callback.  Talks only to ElevenLabs (or a test peer) over HTTPS.
 *
 * Config (section tts.elevenlabs): base_url = "https://api.elevenlabs.io";
 * voice_id = "21m00Tcm4TlvDq8ikWAM"; model_id = "eleven_flash_v2_5";
 * optional voice settings stability, similarity_boost, style, speed
 * (floats) and use_speaker_boost (bool), sent only when one is set;
 * optimize_streaming_latency (0..4, sent only when set); plus tts_http.c's
 * ca_file, connect_ms, first_byte_ms, idle_ms, total_ms, retries,
 * backoff_ms.  The key comes only from the environment: ELEVENLABS_API_KEY.
 * A SAY voice that looks like a voice id (letters and digits, 16+ long)
 * overrides voice_id for that sentence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tts_http.h"

#define ID_CHARS                                                               \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

struct el_tts {
	struct tts_http *http;
	char base_url[256];
	char voice_id[64];
	char model_id[64];
	json_t *settings; /* voice_settings, NULL if none configured */
	int latency; /* optimize_streaming_latency, -1 unset */
	char auth[300]; /* "xi-api-key: ..." */
};

static int read_settings(
    const config_t *cfg, struct el_tts *e, char *err, size_t errlen);

static int
el_init(const config_t *cfg, void **engp, char *err, size_t errlen)
{
	struct el_tts *e;
	const char *s;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (tts_http_auth("elevenlabs", "ELEVENLABS_API_KEY",
	        "xi-api-key: ", e->auth, sizeof(e->auth), err, errlen) != 0)
		goto fail;
	e->latency = -1;
	snprintf(e->voice_id, sizeof(e->voice_id), "21m00Tcm4TlvDq8ikWAM");
	snprintf(e->model_id, sizeof(e->model_id), "eleven_flash_v2_5");
	if (cfg && config_lookup_string(cfg, "tts.elevenlabs.voice_id", &s))
		snprintf(e->voice_id, sizeof(e->voice_id), "%s", s);
	if (cfg && config_lookup_string(cfg, "tts.elevenlabs.model_id", &s))
		snprintf(e->model_id, sizeof(e->model_id), "%s", s);
	if (tts_http_base_url(cfg, "elevenlabs", "https://api.elevenlabs.io",
	        e->base_url, sizeof(e->base_url), err, errlen) != 0)
		goto fail;
	if (e->voice_id[0] == '\0' ||
	    strspn(e->voice_id, ID_CHARS) != strlen(e->voice_id)) {
		snprintf(err, errlen,
		    "tts.elevenlabs.voice_id '%s' is not a "
		    "voice id",
		    e->voice_id);
		goto fail;
	}
	if (read_settings(cfg, e, err, errlen) != 0)
		goto fail;
	if ((e->http = tts_http_new(cfg, "elevenlabs", err, errlen)) == NULL)
		goto fail;
	*engp = e;
	return 0;
fail:
	explicit_bzero(e->auth, sizeof(e->auth));
	json_decref(e->settings);
	free(e);
	return -1;
}

static void
el_fini(void *eng)
{
	struct el_tts *e = eng;

	if (e == NULL)
		return;
	tts_http_free(e->http);
	json_decref(e->settings);
	explicit_bzero(e->auth, sizeof(e->auth));
	free(e);
}

static int
el_synth(void *eng, const char *voice, const char *text, tts_pcm_cb cb,
    void *arg, char *err, size_t errlen)
{
	struct el_tts *e = eng;
	const char *vid = e->voice_id;
	char url[512], lat[48] = "";
	json_t *j;
	int rc = -1;

	if (voice && strlen(voice) >= 16 && strlen(voice) < 64 &&
	    strspn(voice, ID_CHARS) == strlen(voice))
		vid = voice;
	if (e->latency >= 0)
		snprintf(lat, sizeof(lat), "&optimize_streaming_latency=%d",
		    e->latency);
	snprintf(url, sizeof(url),
	    "%s/v1/text-to-speech/%s/stream"
	    "?output_format=ulaw_8000%s",
	    e->base_url, vid, lat);
	if ((j = json_pack(
	         "{s:s,s:s}", "text", text, "model_id", e->model_id)) == NULL) {
		snprintf(err, errlen, "elevenlabs: text is not valid UTF-8");
		return -1;
	}
	if (e->settings && json_object_set(j, "voice_settings", e->settings))
		snprintf(err, errlen, "out of memory");
	else
		rc = tts_http_post_json(
		    e->http, url, e->auth, j, cb, arg, err, errlen);
	json_decref(j);
	return rc;
}

/* An ops table reads best packed, a few members a line. */
/* clang-format off */
const struct tts_engine_ops tts_engine_elevenlabs = {
	.name = "elevenlabs", .init = el_init, .fini = el_fini,
	.synth = el_synth,
};
/* clang-format on */

/* voice_settings from whichever of the keys the config sets. */
static int
read_settings(const config_t *cfg, struct el_tts *e, char *err, size_t errlen)
{
	static const char *const keys[] = {
	    "stability", "similarity_boost", "style", "speed"};
	char path[96];
	double d;
	size_t i;
	int b, iv;

	if (cfg == NULL)
		return 0;
	if (config_lookup_int(
	        cfg, "tts.elevenlabs.optimize_streaming_latency", &iv)) {
		if (iv < 0 || iv > 4) {
			snprintf(err, errlen,
			    "tts.elevenlabs."
			    "optimize_streaming_latency %d out of range 0..4",
			    iv);
			return -1;
		}
		e->latency = iv;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(path, sizeof(path), "tts.elevenlabs.%s", keys[i]);
		if (!config_lookup_float(cfg, path, &d)) {
			if (!config_lookup_int(cfg, path, &iv))
				continue;
			d = iv;
		}
		if (d < 0 || d > (i == 3 ? 4.0 : 1.0)) {
			snprintf(err, errlen, "%s %.2f out of range", path, d);
			return -1;
		}
		if (e->settings == NULL &&
		    (e->settings = json_object()) == NULL)
			goto oom;
		json_object_set_new(e->settings, keys[i], json_real(d));
	}
	if (config_lookup_bool(cfg, "tts.elevenlabs.use_speaker_boost", &b)) {
		if (e->settings == NULL &&
		    (e->settings = json_object()) == NULL)
			goto oom;
		json_object_set_new(
		    e->settings, "use_speaker_boost", json_boolean(b));
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}
