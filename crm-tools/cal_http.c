/*
 * cal_http.c - libcurl requests for the calendar engines and the vPIC VIN
 * decoder (see cal_http.h).  One easy handle per request: calls are rare
 * (a booking, a slot search) and this keeps threads independent.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "cal_http.h"
#include "clock.h"

#define MAX_BODY (4 * 1024 * 1024)

int
http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct http_rep *r = arg;
	size_t add = sz * n;
	char *nb;

	if (r->len + add > MAX_BODY)
		return 0;
	if ((nb = realloc(r->body, r->len + add + 1)) == NULL)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, p, add);
	r->len += add;
	r->body[r->len] = '\0';
	return add;
}

static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct http_rep *r = arg;
	size_t len = sz * n, i;

	if (len > 5 && strncasecmp(p, "ETag:", 5) == 0) {
		for (i = 5; i < len && isspace((unsigned char)p[i]); i++)
			;
		while (len > i && isspace((unsigned char)p[len - 1]))
			len--;
		snprintf(
		    r->etag, sizeof(r->etag), "%.*s", (int)(len - i), p + i);
	}
	return sz * n;
}

int
http_do(const struct http_req *q, struct http_rep *r)
{
	struct curl_slist *hl = NULL, *t;
	CURLcode cc;
	CURL *h;
	int i;

	memset(r, 0, sizeof(*r));
	if ((h = curl_easy_init()) == NULL) {
		snprintf(r->err, sizeof(r->err), "curl: no handle");
		return -1;
	}
	for (i = 0; q->headers && q->headers[i]; i++) {
		if ((t = curl_slist_append(hl, q->headers[i])) == NULL)
			break;
		hl = t;
	}
	if ((t = curl_slist_append(hl, "Expect:")) != NULL)
		hl = t;
	curl_easy_setopt(h, CURLOPT_URL, q->url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)q->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)q->timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "frontdesk-crm-tools/1");
	if (q->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)q->body_len);
	} else if (strcmp(q->method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	if (q->user && *q->user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, q->user);
		curl_easy_setopt(
		    h, CURLOPT_PASSWORD, q->password ? q->password : "");
	}
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	} else {
		snprintf(r->err, sizeof(r->err), "%s", curl_easy_strerror(cc));
		r->status = 0;
	}
	curl_slist_free_all(hl);
	curl_easy_cleanup(h);
	return cc == CURLE_OK ? 0 : -1;
}

void
http_rep_free(struct http_rep *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

int
http_transient(const struct http_rep *r)
{
	return r->status == 0 || r->status == 429 || r->status >= 500;
}

int
http_retry(
    const struct http_req *q, struct http_rep *r, int attempts, int backoff_ms)
{
	int i, rv = -1;

	for (i = 0; i < attempts; i++) {
		if (i > 0) {
			http_rep_free(r);
			fd_sleep_us((uint64_t)backoff_ms * 1000);
			backoff_ms *= 2;
		}
		rv = http_do(q, r);
		if (!http_transient(r))
			break;
	}
	return rv;
}
