/*
 * sbuf.h - a NUL-terminated string built by appending: the gateway's
 * replies (TwiML, HTTP bodies, REST forms), redacted text and the words
 * the speech engines are given.  It either grows on the heap or fills a
 * caller's array (sbuf_init_fixed).  A failure is sticky: after an
 * allocation fails, or a fixed array is full, every later append is a
 * no-op and err stays set, so callers check once.
 */
#ifndef FD_SBUF_H
#define FD_SBUF_H

#include <stddef.h>

struct sbuf {
	char *p;
	size_t len;
	size_t cap;
	int fixed; /* p is the caller's array of cap bytes, never grown */
	int err; /* set when an append did not fit (or had no memory) */
};

/* A growing string; p is NULL until the first append. */
void sbuf_init(struct sbuf *b);
/* A string in buf[0..cap): what does not fit is cut off (and err set). */
void sbuf_init_fixed(struct sbuf *b, char *buf, size_t cap);
void sbuf_add(struct sbuf *b, const char *s);
void sbuf_addn(struct sbuf *b, const char *s, size_t n);
/* Append a word, with a space before it where it follows a letter, a
 * digit or punctuation that ends a word (,.;:!?'). */
void sbuf_add_word(struct sbuf *b, const char *w);
void sbuf_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s with XML's five special characters escaped and characters XML
 * 1.0 does not allow (C0 controls except tab, LF, CR) dropped. */
void sbuf_add_xml(struct sbuf *b, const char *s);
/* Append s percent-encoded (RFC 3986 unreserved kept). */
void sbuf_add_urlenc(struct sbuf *b, const char *s);
/* A growing string's text (caller frees), or NULL if any append failed. */
char *sbuf_done(struct sbuf *b);
/* Free a growing string (a fixed one is the caller's). */
void sbuf_free(struct sbuf *b);

#endif
