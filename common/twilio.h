/*
 * twilio.h - pieces of Twilio's protocol both ends of a call need: base64
 * for Media Streams payloads, form (x-www-form-urlencoded) parsing, and the
 * X-Twilio-Signature computation (../shared/protocols.md section 4).
 * The gateway validates with these; callsim signs with them.
 */
#ifndef FD_TWILIO_H
#define FD_TWILIO_H

#include <stddef.h>
#include <stdint.h>

/* base64 (standard alphabet, padded).  encode returns the length written
 * (needs 4*ceil(n/3)+1 bytes); decode returns bytes written or -1 on any
 * invalid input or if out is too small. */
size_t fd_b64_encode(const uint8_t *in, size_t n, char *out);
long fd_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

struct fd_kv {
	char *key;
	char *val;
};

struct fd_form {
	struct fd_kv *kv;
	size_t n;
};

/* Parse an urlencoded body (percent and '+' decoded).  -1 on bad escapes. */
int fd_form_parse(const char *body, size_t len, struct fd_form *f);
const char *fd_form_get(const struct fd_form *f, const char *key);
void fd_form_free(struct fd_form *f);
/* Percent-encode s into out (RFC 3986 unreserved kept); returns length or
 * -1 if out is too small. */
long fd_urlencode(const char *s, char *out, size_t cap);

/* Expected X-Twilio-Signature of a form POST to url with params (decoded
 * values): base64(HMAC-SHA1(token, url + sorted name+value pairs)).
 * out needs 29 bytes. */
void fd_twilio_sign(const char *token, const char *url,
    const struct fd_form *params, char *out);
/* Validate a signature, trying the URL as given, without its port and with
 * the scheme's default port (the SDKs' port quirk).  Constant-time compare.
 * 1 if valid. */
int fd_twilio_valid(const char *token, const char *url,
    const struct fd_form *params, const char *signature);
/* The same for a request whose path and query arrived decoded (the way
 * libwebsockets hands them over): origin is the public URL without a
 * trailing '/' ("https://host[:port][/prefix]"), path the decoded path,
 * args the decoded query arguments ("name=value") in order.  Tries the
 * usual ways of writing the URL (strict or loose percent-encoding, '+'
 * or %20 for spaces, either hex case), each with the port variants.
 * 1 if valid. */
int fd_twilio_valid_decoded(const char *token, const char *origin,
    const char *path, const char *const *args, size_t nargs,
    const struct fd_form *params, const char *signature);

#endif
