/*
 * twilio.c - base64, urlencoded forms and X-Twilio-Signature.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "twilio.h"

#define URL_MAX 4096 /* longest webhook URL we check */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
fd_b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) |
		    in[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	if (i < n) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = (i + 1 < n) ? b64[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* base64 digit values, -1 for anything else: one table lookup per
 * character, since the gateway decodes 50 media payloads/s per call. */
static const signed char b64v[256] = {
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    62,
    -1,
    -1,
    -1,
    63,
    52,
    53,
    54,
    55,
    56,
    57,
    58,
    59,
    60,
    61,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
    24,
    25,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    26,
    27,
    28,
    29,
    30,
    31,
    32,
    33,
    34,
    35,
    36,
    37,
    38,
    39,
    40,
    41,
    42,
    43,
    44,
    45,
    46,
    47,
    48,
    49,
    50,
    51,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
};

long
fd_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i, o = 0, pad, need;
	int a, b, c, d, last;

	if (n % 4 != 0)
		return -1;
	if (n == 0)
		return 0;
	pad = p[n - 1] == '=' ? (p[n - 2] == '=' ? 2 : 1) : 0;
	need = n / 4 * 3 - pad;
	if (need > cap)
		return -1;
	for (i = 0; i < n; i += 4) {
		last = i + 4 == n;
		a = b64v[p[i]];
		b = b64v[p[i + 1]];
		c = last && pad == 2 ? 0 : b64v[p[i + 2]];
		d = last && pad >= 1 ? 0 : b64v[p[i + 3]];
		if ((a | b | c | d) < 0) /* also '=' anywhere but the end */
			return -1;
		out[o++] = (uint8_t)(a << 2 | b >> 4);
		if (!last || pad < 2)
			out[o++] = (uint8_t)(b << 4 | c >> 2);
		if (!last || pad < 1)
			out[o++] = (uint8_t)(c << 6 | d);
	}
	return (long)o;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static char *
url_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t i, o = 0;
	int h, l;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= n) {
				free(out);
				return NULL;
			}
			if ((h = hexval((unsigned char)s[i + 1])) < 0 ||
			    (l = hexval((unsigned char)s[i + 2])) < 0) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(h * 16 + l);
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

int
fd_form_parse(const char *body, size_t len, struct fd_form *f)
{
	const char *p = body, *end = body + len, *amp, *eq;
	struct fd_kv *nkv;

	f->kv = NULL;
	f->n = 0;
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		if (amp > p) {
			eq = memchr(p, '=', (size_t)(amp - p));
			if ((nkv = realloc(
			         f->kv, (f->n + 1) * sizeof(*f->kv))) == NULL)
				goto fail;
			f->kv = nkv;
			f->kv[f->n].key =
			    url_decode(p, (size_t)((eq ? eq : amp) - p));
			f->kv[f->n].val = eq
			    ? url_decode(eq + 1, (size_t)(amp - eq - 1))
			    : strdup("");
			f->n++;
			if (f->kv[f->n - 1].key == NULL ||
			    f->kv[f->n - 1].val == NULL)
				goto fail;
		}
		p = amp + 1;
	}
	return 0;
fail:
	fd_form_free(f);
	return -1;
}

const char *
fd_form_get(const struct fd_form *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->kv[i].key, key) == 0)
			return f->kv[i].val;
	return NULL;
}

void
fd_form_free(struct fd_form *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->kv[i].key);
		free(f->kv[i].val);
	}
	free(f->kv);
	f->kv = NULL;
	f->n = 0;
}

long
fd_urlencode(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' ||
		    c == '~') {
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= cap)
				return -1;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o >= cap)
		return -1;
	out[o] = '\0';
	return (long)o;
}

static int
kv_cmp(const void *a, const void *b)
{
	const struct fd_kv *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	return r ? r : strcmp(x->val, y->val);
}

void
fd_twilio_sign(
    const char *token, const char *url, const struct fd_form *params, char *out)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	struct fd_kv *sorted = NULL;
	char *data;
	size_t i, o, len, n = params ? params->n : 0;

	if (n) {
		sorted = malloc(n * sizeof(*sorted));
		if (sorted == NULL) {
			out[0] = '\0';
			return;
		}
		memcpy(sorted, params->kv, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), kv_cmp);
	}
	/* the signed data: url, then each distinct sorted name+value pair */
	len = strlen(url) + 1;
	for (i = 0; i < n; i++)
		len += strlen(sorted[i].key) + strlen(sorted[i].val);
	if ((data = malloc(len)) == NULL) {
		free(sorted);
		out[0] = '\0';
		return;
	}
	o = strlen(url);
	memcpy(data, url, o);
	for (i = 0; i < n; i++) {
		size_t kl = strlen(sorted[i].key), vl = strlen(sorted[i].val);
		if (i > 0 && kv_cmp(&sorted[i], &sorted[i - 1]) == 0)
			continue;
		memcpy(data + o, sorted[i].key, kl);
		o += kl;
		memcpy(data + o, sorted[i].val, vl);
		o += vl;
	}
	HMAC(EVP_sha1(), token, (int)strlen(token), (unsigned char *)data, o,
	    mac, &maclen);
	free(data);
	free(sorted);
	fd_b64_encode(mac, maclen, out);
}

/* Rewrite url with its explicit port removed (strip=1) or the scheme's
 * default port added (strip=0).  0 if a variant was produced. */
static int
port_variant(const char *url, int strip, char *out, size_t cap)
{
	const char *hs, *he, *colon, *defport;

	if (strncmp(url, "https://", 8) == 0) {
		hs = url + 8;
		defport = "443";
	} else if (strncmp(url, "http://", 7) == 0) {
		hs = url + 7;
		defport = "80";
	} else
		return -1;
	he = hs + strcspn(hs, "/?#");
	colon = memchr(hs, ':', (size_t)(he - hs));
	if (strip) {
		if (colon == NULL)
			return -1;
		snprintf(out, cap, "%.*s%s", (int)(colon - url), url, he);
	} else {
		if (colon != NULL)
			return -1;
		snprintf(
		    out, cap, "%.*s:%s%s", (int)(he - url), url, defport, he);
	}
	return 0;
}

int
fd_twilio_valid(const char *token, const char *url,
    const struct fd_form *params, const char *signature)
{
	char want[64], alt[URL_MAX + 8];
	size_t sl = strlen(signature);
	int strip;

	fd_twilio_sign(token, url, params, want);
	if (sl == strlen(want) && CRYPTO_memcmp(want, signature, sl) == 0)
		return 1;
	for (strip = 0; strip <= 1; strip++) {
		if (port_variant(url, strip, alt, sizeof(alt)) != 0)
			continue;
		fd_twilio_sign(token, alt, params, want);
		if (sl == strlen(want) &&
		    CRYPTO_memcmp(want, signature, sl) == 0)
			return 1;
	}
	return 0;
}

/*
 * Webhooks whose URL reached us decoded.  libwebsockets decodes the
 * request's path and query in place ('+' to space, %XX to the byte) and
 * keeps no raw copy, while Twilio signs the URL exactly as configured.  So
 * the query is written back the ways URLs are commonly written: strictly
 * encoded (RFC 3986 unreserved kept: our own outbound URLs, Python), the
 * JavaScript way (also !'()* kept), or as typed (every character a query
 * may carry raw kept, so "a=1,2:3/4" stays); spaces as '+' or %20; hex
 * digits upper or lower case.  A request is valid if one of these, with
 * one of the port variants, carries the signature.
 */
#define NSTYLES 3

enum { STYLE_STRICT, STYLE_JS, STYLE_LOOSE };

static int
keep_raw(unsigned char c, int style, int in_path)
{
	if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
	    (in_path && c == '/'))
		return 1;
	if (c == '\0')
		return 0;
	if (style == STYLE_JS)
		return strchr("!'()*", c) != NULL;
	if (style == STYLE_LOOSE)
		return strchr(in_path ? "!$'()*,;=:@" : "!$'()*,=:@/?", c) !=
		    NULL;
	return 0;
}

/* Append s[0..n) encoded in the variant to out at *o; -1 if it is full. */
static int
put_enc(char *out, size_t *o, const char *s, size_t n, int variant, int in_path)
{
	const char *hex =
	    (variant & 4) ? "0123456789abcdef" : "0123456789ABCDEF";
	int style = variant & 3, plus = (variant & 8) != 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (*o + 4 >= URL_MAX)
			return -1;
		if (keep_raw(c, style, in_path))
			out[(*o)++] = (char)c;
		else if (c == ' ' && plus && !in_path)
			out[(*o)++] = '+';
		else {
			out[(*o)++] = '%';
			out[(*o)++] = hex[c >> 4];
			out[(*o)++] = hex[c & 15];
		}
	}
	out[*o] = '\0';
	return 0;
}

/* One way of writing the URL back; -1 if it is too long. */
static int
build_url(char *out, const char *origin, const char *path,
    const char *const *args, size_t nargs, int variant)
{
	size_t i, o = strlen(origin);
	const char *eq;

	if (o + 1 >= URL_MAX)
		return -1;
	memcpy(out, origin, o + 1);
	if (put_enc(out, &o, path, strlen(path), variant, 1) != 0)
		return -1;
	for (i = 0; i < nargs; i++) {
		if (o + 2 >= URL_MAX)
			return -1;
		out[o++] = i ? '&' : '?';
		if ((eq = strchr(args[i], '=')) == NULL) {
			if (put_enc(out, &o, args[i], strlen(args[i]), variant,
			        0) != 0)
				return -1;
			continue;
		}
		if (put_enc(out, &o, args[i], (size_t)(eq - args[i]), variant,
		        0) != 0 ||
		    o + 2 >= URL_MAX)
			return -1;
		out[o++] = '=';
		if (put_enc(out, &o, eq + 1, strlen(eq + 1), variant, 0) != 0)
			return -1;
	}
	out[o] = '\0';
	return 0;
}

int
fd_twilio_valid_decoded(const char *token, const char *origin, const char *path,
    const char *const *args, size_t nargs, const struct fd_form *params,
    const char *signature)
{
	char(*url)[URL_MAX];
	int v, k, n = 0, ok = 0;

	if ((url = malloc(NSTYLES * 4 * sizeof(*url))) == NULL)
		return 0;
	/* variant bits: 0-1 style, 2 lower-case hex, 3 space as '+' */
	for (v = 0; v < 16 && !ok; v++) {
		if ((v & 3) >= NSTYLES ||
		    build_url(url[n], origin, path, args, nargs, v) != 0)
			continue;
		for (k = 0; k < n && strcmp(url[k], url[n]) != 0; k++)
			;
		if (k < n)
			continue; /* written the same as an earlier one */
		ok = fd_twilio_valid(token, url[n], params, signature);
		n++;
	}
	free(url);
	return ok;
}
