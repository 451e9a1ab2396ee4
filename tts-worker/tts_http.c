/*
 * tts_http.c - streaming HTTPS POST for the vendor speech engines
 * (tts_engine_deepgram.c, tts_engine_elevenlabs.c).  The vendor answers
 * with a chunked body of raw 8 kHz mu-law; each piece is decoded to PCM
 * and handed to the engine's callback the moment libcurl delivers it, so
 * the first words reach the caller while the vendor is still speaking.
 * A nonzero callback return aborts the transfer (barge-in).  Failures
 * before any audio (connection refused, TLS, 429, 5xx, timeouts) are
 * retried with backoff; once audio went out a retry would repeat words,
 * so the error is reported instead.  Talks only to the vendor over HTTPS.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "mulaw.h"
#include "tts_http.h"

#define CHUNK 1024 /* samples per callback call, at most */
#define ERRBODY_MAX 2048 /* error body bytes kept for the message */
#define RETRY_AFTER_MAX_MS 2000 /* longer waits are useless on a live call */

struct tts_http {
	char vendor[32];
	struct tts_http_opts o;
	CURLSH *share;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

/* One attempt in progress. */
struct xfer {
	struct tts_http *h;
	CURL *c;
	tts_pcm_cb cb;
	void *arg;
	long status; /* HTTP status once known */
	size_t delivered; /* audio bytes handed to cb */
	int cancelled; /* cb returned nonzero */
	char stall[96]; /* why the progress callback aborted */
	uint64_t start_us, last_us;
	char errbody[ERRBODY_MAX];
	size_t nerr;
	int16_t pcm[CHUNK];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ok;

static void global_init(void);
static void share_lock(
    CURL *c, curl_lock_data d, curl_lock_access a, void *arg);
static void share_unlock(CURL *c, curl_lock_data d, void *arg);
static int attempt(struct tts_http *h, struct xfer *x, const char *url,
    const struct curl_slist *hdrs, const char *body, int *retryable,
    long *retry_ms, char *err, size_t errlen);
static size_t on_body(char *p, size_t sz, size_t n, void *arg);
static int on_progress(
    void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un);
static void http_error(struct xfer *x, char *err, size_t errlen);
static long retry_after_ms(CURL *c);
static long opt_ms(
    const config_t *cfg, const char *vendor, const char *key, long def);

struct tts_http *
tts_http_new(const config_t *cfg, const char *vendor, char *err, size_t errlen)
{
	struct tts_http *h;
	char path[96];
	const char *s;
	int i;

	pthread_once(&curl_once, global_init);
	if (!curl_ok) {
		snprintf(
		    err, errlen, "%s: libcurl failed to initialise", vendor);
		return NULL;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(h->vendor, sizeof(h->vendor), "%s", vendor);
	snprintf(path, sizeof(path), "tts.%s.ca_file", vendor);
	if (cfg && config_lookup_string(cfg, path, &s))
		snprintf(h->o.ca_file, sizeof(h->o.ca_file), "%s", s);
	h->o.connect_ms = opt_ms(cfg, vendor, "connect_ms", 3000);
	h->o.first_byte_ms = opt_ms(cfg, vendor, "first_byte_ms", 5000);
	h->o.idle_ms = opt_ms(cfg, vendor, "idle_ms", 3000);
	h->o.total_ms = opt_ms(cfg, vendor, "total_ms", 60000);
	h->o.retries = (int)opt_ms(cfg, vendor, "retries", 2);
	h->o.backoff_ms = opt_ms(cfg, vendor, "backoff_ms", 200);
	if (h->o.connect_ms < 100 || h->o.first_byte_ms < 100 ||
	    h->o.idle_ms < 100 || h->o.total_ms < 1000 || h->o.retries < 0 ||
	    h->o.retries > 10 || h->o.backoff_ms < 0) {
		snprintf(err, errlen,
		    "tts.%s: timeouts must be >= 100 ms "
		    "(total_ms >= 1000), retries 0..10",
		    vendor);
		free(h);
		return NULL;
	}
	if ((h->share = curl_share_init()) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(h);
		return NULL;
	}
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&h->locks[i], NULL);
	curl_share_setopt(h->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(h->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(h->share, CURLSHOPT_USERDATA, h);
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(
	    h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	return h;
}

void
tts_http_free(struct tts_http *h)
{
	int i;

	if (h == NULL)
		return;
	curl_share_cleanup(h->share);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&h->locks[i]);
	free(h);
}

int
tts_http_stream(struct tts_http *h, const char *url,
    const struct curl_slist *hdrs, const char *body, tts_pcm_cb cb, void *arg,
    char *err, size_t errlen)
{
	struct xfer *x;
	long delay = h->o.backoff_ms, wait;
	int n, rc, retryable;

	if ((x = malloc(sizeof(*x))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (n = 0;; n++) {
		memset(x, 0, offsetof(struct xfer, errbody));
		x->h = h;
		x->cb = cb;
		x->arg = arg;
		x->nerr = 0;
		x->errbody[0] = '\0';
		wait = -1;
		rc = attempt(
		    h, x, url, hdrs, body, &retryable, &wait, err, errlen);
		if (rc >= 0 || !retryable || x->delivered > 0 ||
		    n >= h->o.retries)
			break;
		if (wait > RETRY_AFTER_MAX_MS)
			break;
		fd_sleep_us((uint64_t)(wait >= 0 ? wait : delay) * 1000);
		delay *= 2;
	}
	if (rc >= 0 && errlen > 0)
		err[0] = '\0';
	if (rc < 0 && n > 0) {
		size_t l = strlen(err);
		snprintf(err + l, errlen - l, " (after %d attempts)", n + 1);
	}
	free(x);
	return rc;
}

int
tts_http_error_text(const char *body, char *out, size_t len)
{
	json_t *j, *v, *d;
	const char *code = NULL, *msg = NULL;
	int rc = -1;

	if ((j = json_loads(body, 0, NULL)) == NULL || !json_is_object(j)) {
		json_decref(j);
		return -1;
	}
	/* Deepgram: err_code/err_msg (REST), error_code/error_message (spec) */
	if ((v = json_object_get(j, "err_msg")) && json_is_string(v))
		msg = json_string_value(v);
	else if ((v = json_object_get(j, "error_message")) && json_is_string(v))
		msg = json_string_value(v);
	else if ((v = json_object_get(j, "message")) && json_is_string(v))
		msg = json_string_value(v);
	if ((v = json_object_get(j, "err_code")) && json_is_string(v))
		code = json_string_value(v);
	else if ((v = json_object_get(j, "error_code")) && json_is_string(v))
		code = json_string_value(v);
	/* ElevenLabs: detail {status, message} or FastAPI's detail [{msg}] */
	if (msg == NULL && (d = json_object_get(j, "detail")) != NULL) {
		if (json_is_string(d))
			msg = json_string_value(d);
		else if (json_is_object(d)) {
			if ((v = json_object_get(d, "message")) &&
			    json_is_string(v))
				msg = json_string_value(v);
			if ((v = json_object_get(d, "status")) &&
			    json_is_string(v))
				code = json_string_value(v);
		} else if (json_is_array(d) && json_array_size(d) > 0 &&
		    (v = json_object_get(json_array_get(d, 0), "msg")) &&
		    json_is_string(v))
			msg = json_string_value(v);
	}
	if (msg == NULL && (v = json_object_get(j, "error")) != NULL) {
		if (json_is_string(v))
			msg = json_string_value(v);
		else if ((d = json_object_get(v, "message")) &&
		    json_is_string(d))
			msg = json_string_value(d);
	}
	if (msg != NULL) {
		if (code != NULL)
			snprintf(out, len, "%s (%s)", msg, code);
		else
			snprintf(out, len, "%s", msg);
		rc = 0;
	}
	json_decref(j);
	return rc;
}

static void
global_init(void)
{
	curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == 0;
}

static void
share_lock(CURL *c, curl_lock_data d, curl_lock_access a, void *arg)
{
	struct tts_http *h = arg;

	(void)c;
	(void)a;
	pthread_mutex_lock(&h->locks[d]);
}

static void
share_unlock(CURL *c, curl_lock_data d, void *arg)
{
	struct tts_http *h = arg;

	(void)c;
	pthread_mutex_unlock(&h->locks[d]);
}

/* One request.  0 / 1 / -1 as tts_http_stream; *retryable says whether
 * trying again could help, *retry_ms what the server asked for (-1). */
static int
attempt(struct tts_http *h, struct xfer *x, const char *url,
    const struct curl_slist *hdrs, const char *body, int *retryable,
    long *retry_ms, char *err, size_t errlen)
{
	char cerr[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	int rc = -1;

	*retryable = 0;
	if ((x->c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", h->vendor);
		return -1;
	}
	curl_easy_setopt(x->c, CURLOPT_URL, url);
	curl_easy_setopt(x->c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(x->c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(x->c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(x->c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(x->c, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(x->c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(x->c, CURLOPT_CONNECTTIMEOUT_MS, h->o.connect_ms);
	curl_easy_setopt(x->c, CURLOPT_TIMEOUT_MS, h->o.total_ms);
	curl_easy_setopt(x->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->c, CURLOPT_SHARE, h->share);
	curl_easy_setopt(x->c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(x->c, CURLOPT_TCP_NODELAY, 1L);
	if (h->o.ca_file[0])
		curl_easy_setopt(x->c, CURLOPT_CAINFO, h->o.ca_file);
	x->start_us = x->last_us = fd_mono_us();
	cc = curl_easy_perform(x->c);
	if (x->status == 0)
		curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->cancelled) {
		rc = 1;
	} else if (x->status >= 300) {
		http_error(x, err, errlen);
		*retryable = x->status == 429 || x->status >= 500;
		if (x->status == 429)
			*retry_ms = retry_after_ms(x->c);
	} else if (cc == CURLE_OK && x->status >= 200) {
		rc = 0;
	} else if (x->stall[0]) {
		snprintf(err, errlen, "%s: %s", h->vendor, x->stall);
		*retryable = 1;
	} else {
		snprintf(err, errlen, "%s: %s%s%s", h->vendor,
		    curl_easy_strerror(cc), cerr[0] ? ": " : "", cerr);
		if (x->delivered > 0) {
			size_t l = strlen(err);
			snprintf(err + l, errlen - l,
			    " (audio cut after %.2f s)", x->delivered / 8000.0);
		}
		*retryable = cc != CURLE_PEER_FAILED_VERIFICATION &&
		    cc != CURLE_SSL_CACERT_BADFILE &&
		    cc != CURLE_URL_MALFORMAT &&
		    cc != CURLE_UNSUPPORTED_PROTOCOL;
	}
	curl_easy_cleanup(x->c);
	return rc;
}

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = sz * n, take, off;

	if (x->status == 0)
		curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status >= 300) {
		take = len < sizeof(x->errbody) - 1 - x->nerr
		    ? len
		    : sizeof(x->errbody) - 1 - x->nerr;
		memcpy(x->errbody + x->nerr, p, take);
		x->nerr += take;
		x->errbody[x->nerr] = '\0';
		return len;
	}
	x->last_us = fd_mono_us();
	for (off = 0; off < len; off += take) {
		take = len - off < CHUNK ? len - off : CHUNK;
		fd_ulaw_decode_buf((const uint8_t *)p + off, x->pcm, take);
		x->delivered += take;
		if (x->cb(x->arg, x->pcm, take) != 0) {
			x->cancelled = 1;
			return 0; /* short count: libcurl aborts */
		}
	}
	return len;
}

/* Called by libcurl while the transfer runs; aborts a vendor that went
 * quiet (the caller would hear dead air). */
static int
on_progress(
    void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct xfer *x = arg;
	uint64_t now = fd_mono_us();

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	if (x->delivered == 0 && x->nerr == 0 &&
	    now - x->start_us > (uint64_t)x->h->o.first_byte_ms * 1000) {
		snprintf(x->stall, sizeof(x->stall),
		    "no audio within %ld ms "
		    "(first_byte_ms)",
		    x->h->o.first_byte_ms);
		return 1;
	}
	if (x->delivered > 0 &&
	    now - x->last_us > (uint64_t)x->h->o.idle_ms * 1000) {
		snprintf(x->stall, sizeof(x->stall),
		    "audio stalled: nothing for "
		    "%ld ms after %.2f s (idle_ms)",
		    x->h->o.idle_ms, x->delivered / 8000.0);
		return 1;
	}
	return 0;
}

static void
http_error(struct xfer *x, char *err, size_t errlen)
{
	char text[512];
	size_t i;

	if (tts_http_error_text(x->errbody, text, sizeof(text)) != 0) {
		/* not JSON: keep a printable start of whatever came */
		for (i = 0; i < x->nerr && i < 160; i++)
			text[i] = x->errbody[i] >= 0x20 && x->errbody[i] < 0x7f
			    ? x->errbody[i]
			    : ' ';
		text[i] = '\0';
		if (i == 0)
			snprintf(text, sizeof(text), "(empty body)");
	}
	snprintf(
	    err, errlen, "%s: HTTP %ld: %s", x->h->vendor, x->status, text);
}

static long
retry_after_ms(CURL *c)
{
	struct curl_header *hd;
	char *end;
	long s;

	if (curl_easy_header(c, "Retry-After", 0, CURLH_HEADER, -1, &hd) !=
	    CURLHE_OK)
		return -1;
	s = strtol(hd->value, &end, 10);
	if (end == hd->value || s < 0)
		return -1;
	return s * 1000;
}

static long
opt_ms(const config_t *cfg, const char *vendor, const char *key, long def)
{
	char path[96];
	int v;

	snprintf(path, sizeof(path), "tts.%s.%s", vendor, key);
	if (cfg && config_lookup_int(cfg, path, &v))
		return v;
	return def;
}

int
tts_http_post_json(struct tts_http *h, const char *url, const char *auth,
    const json_t *body, tts_pcm_cb cb, void *arg, char *err, size_t errlen)
{
	struct curl_slist *hdrs = NULL, *t;
	char *text;
	int rc = -1;

	if ((text = json_dumps(body, JSON_COMPACT)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((t = curl_slist_append(hdrs, auth)) == NULL ||
	    (hdrs = t,
	        t = curl_slist_append(
	            hdrs, "Content-Type: application/json")) == NULL)
		snprintf(err, errlen, "out of memory");
	else {
		hdrs = t;
		rc = tts_http_stream(h, url, hdrs, text, cb, arg, err, errlen);
	}
	curl_slist_free_all(hdrs);
	free(text);
	return rc;
}

int
tts_http_auth(const char *vendor, const char *env, const char *prefix,
    char *out, size_t len, char *err, size_t errlen)
{
	const char *key = getenv(env);

	if (key == NULL || key[0] == '\0') {
		snprintf(err, errlen, "%s: %s is not set", vendor, env);
		return -1;
	}
	if ((size_t)snprintf(out, len, "%s%s", prefix, key) >= len) {
		explicit_bzero(out, len);
		snprintf(err, errlen, "%s: %s is too long", vendor, env);
		return -1;
	}
	return 0;
}

int
tts_http_base_url(const config_t *cfg, const char *vendor, const char *def,
    char *out, size_t len, char *err, size_t errlen)
{
	char path[64];
	const char *s;
	size_t l;

	snprintf(path, sizeof(path), "tts.%s.base_url", vendor);
	if (cfg == NULL || !config_lookup_string(cfg, path, &s))
		s = def;
	snprintf(out, len, "%s", s);
	l = strlen(out);
	while (l > 0 && out[l - 1] == '/')
		out[--l] = '\0';
	if (strncmp(out, "https://", 8) != 0 &&
	    strncmp(out, "http://", 7) != 0) {
		snprintf(err, errlen, "%s must start with https://", path);
		return -1;
	}
	return 0;
}
