/*
 * cs_http.h - the carrier's outgoing HTTP (libcurl): the signed voice webhook
 * POST to the gateway and the GET of a call record from its API.
 */
#ifndef CALLSIM_HTTP_H
#define CALLSIM_HTTP_H

#include <stddef.h>

#include "twilio.h"

struct http_reply {
	long status; /* 0 if no HTTP answer at all */
	char *body; /* NUL-terminated, may be NULL */
	size_t len;
	char err[256]; /* transport error when status == 0 */
};

/* POST form as x-www-form-urlencoded to url with X-Twilio-Signature sig
 * (NULL: none).  0 when an HTTP answer came back (any status). */
int http_post_form(const char *url, const struct fd_form *form, const char *sig,
    struct http_reply *r);
/* GET url with "Authorization: Bearer bearer" when bearer is set. */
int http_get(const char *url, const char *bearer, struct http_reply *r);
/* Trust the CAs in path (PEM) for https:// instead of the system's; the
 * string must outlive every request. */
void http_set_cacert(const char *path);
void http_reply_free(struct http_reply *r);
/* Build an x-www-form-urlencoded body; malloc'd, NULL on out of memory. */
char *http_form_encode(const struct fd_form *form);
/* Host and port of url (80, 443 for https:// unless given). 0 or -1. */
int http_split_hostport(const char *url, char *host, size_t hlen, int *port);

#endif
