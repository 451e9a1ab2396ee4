/*
 * sbuf.h - a growable NUL-terminated string for building replies (TwiML,
 * HTTP bodies, REST forms).  An allocation failure is sticky: every later
 * append is a no-op and sbuf_done() returns NULL, so callers check once.
 */
#ifndef GW_SBUF_H
#define GW_SBUF_H

#include <stddef.h>

struct sbuf {
	char *p;
	size_t len;
	size_t cap;
	int err; /* set on the first failed allocation */
};

void sbuf_init(struct sbuf *b);
void sbuf_add(struct sbuf *b, const char *s);
void sbuf_addn(struct sbuf *b, const char *s, size_t n);
void sbuf_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s with XML's five special characters escaped and characters XML
 * 1.0 does not allow (C0 controls except tab, LF, CR) dropped. */
void sbuf_add_xml(struct sbuf *b, const char *s);
/* Append s percent-encoded (RFC 3986 unreserved kept). */
void sbuf_add_urlenc(struct sbuf *b, const char *s);
/* The string (caller frees), or NULL if any append failed. */
char *sbuf_done(struct sbuf *b);
void sbuf_free(struct sbuf *b);

#endif
