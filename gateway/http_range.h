/*
 * http_range.h - the one HTTP Range form a browser's audio player sends
 * (RFC 9110 14.1: bytes=FIRST-LAST, bytes=FIRST-, bytes=-SUFFIX), for the
 * recording download.  Anything else (another unit, several ranges, bad
 * syntax) is ignored and the whole body sent, as the RFC allows.
 */
#ifndef GW_HTTP_RANGE_H
#define GW_HTTP_RANGE_H

#include <stdint.h>

enum http_range {
	HTTP_RANGE_NONE = 0, /* send all of it: 200 */
	HTTP_RANGE_OK = 1, /* send [*first, *last]: 206 */
	HTTP_RANGE_BAD = -1 /* nothing of it exists: 416 */
};

/* v: the Range header's value, or NULL when there is none; size: the
 * body's bytes.  On HTTP_RANGE_OK *first <= *last < size. */
enum http_range http_range_parse(
    const char *v, uint64_t size, uint64_t *first, uint64_t *last);

#endif
