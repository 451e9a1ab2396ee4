/*
 * cal_http.h - the HTTP client crm-tools uses towards outside services
 * (CalDAV servers, Google Calendar and OAuth, NHTSA vPIC): one libcurl
 * request with a hard timeout, its status, body and ETag, and a retrying
 * form for the failures worth retrying (network errors, 429, 5xx).
 */
#ifndef CRM_CAL_HTTP_H
#define CRM_CAL_HTTP_H

#include <stddef.h>

struct http_req {
	const char *method; /* GET, PUT, POST, PATCH, DELETE, REPORT */
	const char *url;
	const char *const *headers; /* NULL-terminated "Name: value" */
	const char *body; /* NULL: none */
	size_t body_len;
	const char *user, *password; /* HTTP Basic when user is set */
	int timeout_ms; /* whole request */
};

struct http_rep {
	long status; /* 0: no HTTP answer (err says why) */
	char *body; /* NUL-terminated, may be NULL */
	size_t len;
	char etag[160]; /* ETag header, quotes kept */
	char err[200];
};

/* Call once before threads start. */
int http_global_init(void);
/* One request.  0 when an HTTP answer came (any status), -1 otherwise.
 * Free the reply with http_rep_free even on failure. */
int http_do(const struct http_req *q, struct http_rep *r);
void http_rep_free(struct http_rep *r);
/* 1 if a retry may succeed: no answer, 429, or 5xx. */
int http_transient(const struct http_rep *r);
/* http_do up to `attempts` times while the failure is transient, waiting
 * backoff_ms, then twice that, and so on between tries. */
int http_retry(
    const struct http_req *q, struct http_rep *r, int attempts, int backoff_ms);

#endif
