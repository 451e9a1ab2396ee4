/*
 * http_range.c - parse a Range header against a body's size (see
 * http_range.h).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "http_range.h"

/* Digits at *p as a number; -1 when none or past 2^62. */
static int64_t
digits(const char **p)
{
	int64_t n = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (n > (INT64_C(1) << 62) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	*p = s;
	return n;
}

enum http_range
http_range_parse(const char *v, uint64_t size, uint64_t *first, uint64_t *last)
{
	int64_t a = -1, b = -1;
	const char *p;

	if (v == NULL)
		return HTTP_RANGE_NONE;
	while (*v == ' ' || *v == '\t')
		v++;
	if (strncasecmp(v, "bytes=", 6) != 0)
		return HTTP_RANGE_NONE;
	p = v + 6;
	while (*p == ' ')
		p++;
	if (*p == '-') { /* the last b bytes */
		p++;
		if ((b = digits(&p)) < 0)
			return HTTP_RANGE_NONE;
	} else {
		if ((a = digits(&p)) < 0 || *p++ != '-')
			return HTTP_RANGE_NONE;
		if (isdigit((unsigned char)*p) && (b = digits(&p)) < 0)
			return HTTP_RANGE_NONE;
	}
	while (*p == ' ')
		p++;
	if (*p != '\0') /* several ranges, or junk */
		return HTTP_RANGE_NONE;
	if (a < 0) {
		if (b == 0 || size == 0)
			return HTTP_RANGE_BAD;
		*first = (uint64_t)b >= size ? 0 : size - (uint64_t)b;
		*last = size - 1;
		return HTTP_RANGE_OK;
	}
	if (b >= 0 && b < a)
		return HTTP_RANGE_NONE; /* not a valid range: ignored */
	if ((uint64_t)a >= size)
		return HTTP_RANGE_BAD;
	*first = (uint64_t)a;
	*last = b < 0 || (uint64_t)b >= size ? size - 1 : (uint64_t)b;
	return HTTP_RANGE_OK;
}
