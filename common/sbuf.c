/*
 * sbuf.c - strings built by appending (sbuf.h), with XML and URL escaping.
 * Talks to no process.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

void
sbuf_init(struct sbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void
sbuf_init_fixed(struct sbuf *b, char *buf, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->p = buf;
	b->cap = cap;
	b->fixed = 1;
	if (cap > 0)
		buf[0] = '\0';
}

/* Room for need more bytes and the NUL: 0, or -1 (err set) when there is
 * none; a full fixed string is not an error until something is cut. */
static int
grow(struct sbuf *b, size_t need)
{
	size_t ncap;
	char *np;

	if (b->err)
		return -1;
	if (b->len + need + 1 <= b->cap)
		return 0;
	if (b->fixed) {
		b->err = 1;
		return -1;
	}
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + need + 1)
		ncap *= 2;
	if ((np = realloc(b->p, ncap)) == NULL) {
		b->err = 1;
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

void
sbuf_addn(struct sbuf *b, const char *s, size_t n)
{
	if (grow(b, n) != 0) {
		if (!b->fixed || b->cap <= b->len + 1)
			return;
		n = b->cap - 1 - b->len; /* what fits; err stays set */
	}
	if (n > 0) /* s may be NULL then */
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
sbuf_add(struct sbuf *b, const char *s)
{
	sbuf_addn(b, s, strlen(s));
}

void
sbuf_add_word(struct sbuf *b, const char *w)
{
	if (b->len > 0 &&
	    (isalnum((unsigned char)b->p[b->len - 1]) ||
	        strchr(",.;:!?'", b->p[b->len - 1])))
		sbuf_addn(b, " ", 1);
	sbuf_add(b, w);
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n) != 0) {
		b->err = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
sbuf_add_xml(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&':
			sbuf_add(b, "&amp;");
			break;
		case '<':
			sbuf_add(b, "&lt;");
			break;
		case '>':
			sbuf_add(b, "&gt;");
			break;
		case '"':
			sbuf_add(b, "&quot;");
			break;
		case '\'':
			sbuf_add(b, "&apos;");
			break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				break;
			sbuf_addn(b, (const char *)&c, 1);
		}
	}
}

void
sbuf_add_urlenc(struct sbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3];

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			sbuf_addn(b, (const char *)&c, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		sbuf_addn(b, e, 3);
	}
}

char *
sbuf_done(struct sbuf *b)
{
	char *p;

	if (b->err) {
		sbuf_free(b);
		return NULL;
	}
	if (b->p == NULL) {
		if (grow(b, 0) != 0)
			return NULL;
		b->p[0] = '\0';
	}
	p = b->p;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void
sbuf_free(struct sbuf *b)
{
	if (!b->fixed)
		free(b->p);
	sbuf_init(b);
}
