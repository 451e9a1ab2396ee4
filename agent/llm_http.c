/*
 * llm_http.c - the streaming POST (see llm_http.h).  Headers give the
 * retry hints (retry-after-ms, retry-after, x-should-retry); a 2xx body
 * goes to the SSE parser as it arrives, any other body is kept (4 KiB) to
 * log the vendor's error message.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "clock.h"
#include "llm_http.h"
#include "log.h"

#define ERRBODY_MAX 4096
#define POLL_STEP_MS 20

struct xfer {
	CURL *easy;
	struct llm_sse *sse;
	struct llm_http_res *res;
	long status;
	int sse_stopped;
	char errbody[ERRBODY_MAX + 1];
	size_t errlen;
};

int
llm_http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
llm_http_global_fini(void)
{
	curl_global_cleanup();
}

void
llm_http_init(struct llm_http *h)
{
	h->easy = NULL;
	h->multi = NULL;
}

void
llm_http_free(struct llm_http *h)
{
	if (h->easy)
		curl_easy_cleanup(h->easy);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	h->easy = h->multi = NULL;
}

double
llm_retry_after_parse(const char *v, time_t now)
{
	char *end;
	double d;
	time_t t;

	while (isspace((unsigned char)*v))
		v++;
	d = strtod(v, &end);
	if (end != v) {
		while (isspace((unsigned char)*end))
			end++;
		if (*end == '\0')
			return d >= 0 ? d : -1;
	}
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	return t > now ? (double)(t - now) : 0;
}

static size_t
on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n, k;
	char line[256], *v;
	double d;

	if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue): forget the old hints */
		x->res->retry_after_s = -1;
		x->res->should_retry = -1;
		return len;
	}
	k = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
	memcpy(line, buf, k);
	line[k] = '\0';
	while (k > 0 && isspace((unsigned char)line[k - 1]))
		line[--k] = '\0';
	if ((v = strchr(line, ':')) == NULL)
		return len;
	*v++ = '\0';
	if (strcasecmp(line, "retry-after-ms") == 0) {
		if ((d = strtod(v, NULL)) > 0)
			x->res->retry_after_s = d / 1000.0;
	} else if (strcasecmp(line, "retry-after") == 0) {
		/* retry-after-ms wins when both are sent */
		if (x->res->retry_after_s < 0)
			x->res->retry_after_s =
			    llm_retry_after_parse(v, time(NULL));
	} else if (strcasecmp(line, "x-should-retry") == 0) {
		while (isspace((unsigned char)*v))
			v++;
		x->res->should_retry = strcasecmp(v, "true") == 0 ? 1
		    : strcasecmp(v, "false") == 0                 ? 0
		                                                  : -1;
	}
	return len;
}

static size_t
on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n, k;

	if (x->status == 0)
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status >= 200 && x->status < 300) {
		if (x->res->body_bytes == 0)
			x->res->first_byte_us = fd_mono_us();
		x->res->body_bytes += len;
		if (llm_sse_feed(x->sse, buf, len) != 0) {
			x->sse_stopped = 1;
			return 0; /* aborts the transfer */
		}
		return len;
	}
	k = ERRBODY_MAX - x->errlen;
	if (k > len)
		k = len;
	memcpy(x->errbody + x->errlen, buf, k);
	x->errlen += k;
	x->errbody[x->errlen] = '\0';
	return len;
}

/* The vendor's message from an error body, else the body's start. */
static void
error_message(const struct xfer *x, char *out, size_t outlen)
{
	json_t *j = json_loadb(x->errbody, x->errlen, 0, NULL);
	const char *m = json_string_value(
	    json_object_get(json_object_get(j, "error"), "message"));

	snprintf(out, outlen, "HTTP %ld: %.200s", x->status,
	    m               ? m
	        : x->errlen ? x->errbody
	                    : "no body");
	json_decref(j);
}

static struct curl_slist *
headers(const struct llm_http_req *req)
{
	struct curl_slist *h = NULL, *t;
	char auth[512];

	const char *fixed[] = {"Content-Type: application/json",
	    "Accept: text/event-stream", "Expect:", NULL};
	int i;

	for (i = 0; fixed[i]; i++) {
		if ((t = curl_slist_append(h, fixed[i])) == NULL)
			goto fail;
		h = t;
	}
	if (req->api_key && req->api_key[0]) {
		if (req->key_header && req->key_header[0])
			snprintf(auth, sizeof(auth), "%s: %s", req->key_header,
			    req->api_key);
		else
			snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			    req->api_key);
		t = curl_slist_append(h, auth);
		explicit_bzero(auth, sizeof(auth));
		if (t == NULL)
			goto fail;
		h = t;
	}
	return h;
fail:
	curl_slist_free_all(h);
	return NULL;
}

int
llm_http_post(struct llm_http *h, const struct llm_http_req *req,
    struct llm_sse *sse, llm_tick_fn tick, void *tick_arg,
    struct llm_http_res *res)
{
	struct xfer x;
	struct curl_slist *hdr;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLMsg *msg;
	CURLcode cc = CURLE_OK;
	uint64_t now;
	int running = 1, left, stop = 0, wait_ms;

	memset(res, 0, sizeof(*res));
	res->retry_after_s = -1;
	res->should_retry = -1;
	if (h->multi == NULL && (h->multi = curl_multi_init()) == NULL)
		return -1;
	if (h->easy == NULL && (h->easy = curl_easy_init()) == NULL)
		return -1;
	curl_easy_reset(h->easy);
	if ((hdr = headers(req)) == NULL)
		return -1;
	memset(&x, 0, sizeof(x));
	x.easy = h->easy;
	x.sse = sse;
	x.res = res;
	curl_easy_setopt(h->easy, CURLOPT_URL, req->url);
	curl_easy_setopt(h->easy, CURLOPT_POSTFIELDS, req->body);
	curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->easy, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h->easy, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h->easy, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(
	    h->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)req->connect_timeout_ms);
	curl_easy_setopt(h->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h->easy, CURLOPT_USERAGENT, "frontdesk-agent/1");
	if (curl_multi_add_handle(h->multi, h->easy) != CURLM_OK) {
		curl_slist_free_all(hdr);
		return -1;
	}
	while (running) {
		if (curl_multi_perform(h->multi, &running) != CURLM_OK)
			break;
		if (!running)
			break;
		now = fd_mono_us();
		if ((tick && tick(tick_arg)) || now >= req->deadline_us) {
			stop = 1;
			break;
		}
		wait_ms = (int)((req->deadline_us - now) / 1000) + 1;
		if (wait_ms > POLL_STEP_MS)
			wait_ms = POLL_STEP_MS;
		curl_multi_poll(h->multi, NULL, 0, wait_ms, NULL);
	}
	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->easy)
			cc = msg->data.result;
	if (x.status == 0)
		curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &x.status);
	curl_multi_remove_handle(h->multi, h->easy);
	curl_easy_setopt(h->easy, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	res->status = x.status;
	if (stop) {
		res->st = LLM_HTTP_TIMEOUT;
		snprintf(res->error, sizeof(res->error),
		    "turn deadline "
		    "reached");
	} else if (x.sse_stopped) {
		res->st = LLM_HTTP_ABORTED;
		snprintf(res->error, sizeof(res->error),
		    "stream consumer "
		    "stopped");
	} else if (cc == CURLE_OK && x.status >= 200 && x.status < 300) {
		res->st = LLM_HTTP_OK;
	} else if (cc == CURLE_OK || (x.status >= 300 && x.errlen > 0)) {
		res->st = LLM_HTTP_STATUS;
		error_message(&x, res->error, sizeof(res->error));
	} else {
		res->st = LLM_HTTP_TRANSPORT;
		snprintf(res->error, sizeof(res->error), "%s%s%s",
		    curl_easy_strerror(cc), errbuf[0] ? ": " : "", errbuf);
	}
	return 0;
}

int
llm_http_retryable(const struct llm_http_res *res)
{
	switch (res->st) {
	case LLM_HTTP_TRANSPORT:
		return 1;
	case LLM_HTTP_STATUS:
		if (res->should_retry >= 0)
			return res->should_retry;
		return res->status == 408 || res->status == 409 ||
		    res->status == 429 || res->status >= 500;
	default:
		return 0;
	}
}
