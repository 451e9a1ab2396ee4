/*
 * cs_http.c - libcurl wrappers for the two requests callsim makes as the
 * carrier and as a test harness.  Short timeouts: a hung gateway must fail
 * the scenario, not hang it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cs_http.h"

static const char *ca_file; /* http_set_cacert; NULL: the system's */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg);
static int perform(CURL *c, struct curl_slist *hdrs, struct http_reply *r);

int
http_post_form(const char *url, const struct fd_form *form, const char *sig,
    struct http_reply *r)
{
	struct curl_slist *hdrs = NULL, *nh;
	char hdr[128];
	char *body;
	CURL *c;
	int rv;

	memset(r, 0, sizeof(*r));
	if ((body = http_form_encode(form)) == NULL ||
	    (c = curl_easy_init()) == NULL) {
		free(body);
		snprintf(r->err, sizeof(r->err), "out of memory");
		return -1;
	}
	if ((nh = curl_slist_append(hdrs,
	         "Content-Type: "
	         "application/x-www-form-urlencoded")) != NULL)
		hdrs = nh;
	if ((nh = curl_slist_append(hdrs,
	         "User-Agent: "
	         "TwilioProxy/1.1 (callsim)")) != NULL)
		hdrs = nh;
	if (sig) {
		snprintf(hdr, sizeof(hdr), "X-Twilio-Signature: %s", sig);
		if ((nh = curl_slist_append(hdrs, hdr)) != NULL)
			hdrs = nh;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	rv = perform(c, hdrs, r);
	free(body);
	return rv;
}

int
http_get(const char *url, const char *bearer, struct http_reply *r)
{
	struct curl_slist *hdrs = NULL, *nh;
	char hdr[512];
	CURL *c;

	memset(r, 0, sizeof(*r));
	if ((c = curl_easy_init()) == NULL) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return -1;
	}
	if (bearer && *bearer) {
		snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", bearer);
		if ((nh = curl_slist_append(hdrs, hdr)) != NULL)
			hdrs = nh;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	return perform(c, hdrs, r);
}

void
http_set_cacert(const char *path)
{
	ca_file = path;
}

void
http_reply_free(struct http_reply *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

char *
http_form_encode(const struct fd_form *form)
{
	size_t i, cap = 1, len = 0;
	char *out, *p;
	long n;

	for (i = 0; i < form->n; i++)
		cap +=
		    3 * (strlen(form->kv[i].key) + strlen(form->kv[i].val)) + 2;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	out[0] = '\0';
	for (i = 0; i < form->n; i++) {
		p = out + len;
		if (i) {
			*p++ = '&';
			len++;
		}
		if ((n = fd_urlencode(form->kv[i].key, p, cap - len)) < 0)
			goto fail;
		len += (size_t)n;
		out[len++] = '=';
		if ((n = fd_urlencode(form->kv[i].val, out + len, cap - len)) <
		    0)
			goto fail;
		len += (size_t)n;
	}
	out[len] = '\0';
	return out;
fail:
	free(out);
	return NULL;
}

static int
perform(CURL *c, struct curl_slist *hdrs, struct http_reply *r)
{
	CURLcode rc;

	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		snprintf(r->err, sizeof(r->err), "%s", curl_easy_strerror(rc));
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_reply *r = arg;
	size_t n = size * nmemb;
	char *nb;

	if (r->len + n > (4u << 20))
		return 0; /* absurd answer: abort the transfer */
	if ((nb = realloc(r->body, r->len + n + 1)) == NULL)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

int
http_split_hostport(const char *url, char *host, size_t hlen, int *port)
{
	const char *p = strstr(url, "://"), *end, *colon;
	size_t n;

	*port = 80;
	if (p && strncmp(url, "https", 5) == 0)
		*port = 443;
	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?");
	colon = memchr(p, ':', (size_t)(end - p));
	n = (size_t)((colon ? colon : end) - p);
	if (n == 0 || n >= hlen)
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	if (colon && (*port = atoi(colon + 1)) <= 0)
		return -1;
	return 0;
}
