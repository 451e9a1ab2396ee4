/*
 * tts_http.h - one streaming HTTPS POST to a speech vendor whose answer
 * is a body of raw 8 kHz mu-law (Deepgram Aura, ElevenLabs).  Used by the
 * vendor engines of tts-worker; talks only to the vendor's HTTPS API.
 */
#ifndef FD_TTS_HTTP_H
#define FD_TTS_HTTP_H

#include <stddef.h>
#include <libconfig.h>
#include <curl/curl.h>
#include <jansson.h>

#include "speech/tts_engine.h"

extern const struct tts_engine_ops tts_engine_deepgram;
extern const struct tts_engine_ops tts_engine_elevenlabs;

/* Transfer limits, read from tts.<vendor>.* (defaults in tts_http.c). */
struct tts_http_opts {
	char ca_file[256]; /* trust only this CA (tests); "" = system */
	long connect_ms; /* TCP + TLS set-up */
	long first_byte_ms; /* request sent -> first audio byte */
	long idle_ms; /* longest gap between audio bytes */
	long total_ms; /* whole request */
	int retries; /* extra attempts, only before any audio */
	long backoff_ms; /* first retry delay; doubles each time */
};

/* The per-engine HTTP state: options and a connection cache shared by the
 * worker threads so consecutive sentences reuse one TLS connection. */
struct tts_http;

/* The request header carrying the vendor's API key, prefix then the key
 * from the environment variable env, into out; 0, or -1 with err
 * ("deepgram: DEEPGRAM_API_KEY is not set", or "... is too long"). */
int tts_http_auth(const char *vendor, const char *env, const char *prefix,
    char *out, size_t len, char *err, size_t errlen);
/* tts.<vendor>.base_url (cfg may be NULL), else def, into out without a
 * trailing '/'; 0, or -1 with err when it is not http(s). */
int tts_http_base_url(const config_t *cfg, const char *vendor, const char *def,
    char *out, size_t len, char *err, size_t errlen);

/* Read tts.<vendor>.{ca_file,connect_ms,...}; cfg may be NULL. */
struct tts_http *tts_http_new(
    const config_t *cfg, const char *vendor, char *err, size_t errlen);
void tts_http_free(struct tts_http *h);

/*
 * POST body (JSON) to url with the extra headers; hand the mu-law answer to
 * cb as 8 kHz PCM while it arrives.  0 when the body ended, 1 if cb asked
 * to stop (the transfer is aborted), -1 with err filled ("deepgram: HTTP
 * 401: Invalid credentials.").  Retries with backoff on connection
 * failures, 429 and 5xx, but only while no audio has been delivered.
 */
int tts_http_stream(struct tts_http *h, const char *url,
    const struct curl_slist *hdrs, const char *body, tts_pcm_cb cb, void *arg,
    char *err, size_t errlen);

/* POST the JSON object body with the vendor's auth header line (e.g.
 * "Authorization: Token ...") and stream the audio as tts_http_stream. */
int tts_http_post_json(struct tts_http *h, const char *url, const char *auth,
    const json_t *body, tts_pcm_cb cb, void *arg, char *err, size_t errlen);

/* Pull the human part out of a vendor's JSON error body into out
 * (err_msg, message, detail.message, detail[0].msg, error...); 0 if found. */
int tts_http_error_text(const char *body, char *out, size_t len);

#endif
