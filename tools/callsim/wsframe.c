/*
 * wsframe.c - WebSocket client framing for --streams (see wsframe.h).
 * Client frames are always masked, server frames never are (RFC 6455
 * section 5.1); only final frames are built, any frame is parsed.
 */
#include <stdio.h>
#include <string.h>

#include "wsframe.h"

int
ws_upgrade_request(char *out, size_t cap, const char *host, int port,
    const char *path, const char *key)
{
	int n;

	n = snprintf(out, cap,
	    "GET %s HTTP/1.1\r\n"
	    "Host: %s:%d\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "Origin: %s\r\n"
	    "\r\n",
	    path, host, port, key, host);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int
ws_upgrade_ok(const char *head, size_t len)
{
	return len >= 12 &&
	    (memcmp(head, "HTTP/1.1 101", 12) == 0 ||
	        memcmp(head, "HTTP/1.0 101", 12) == 0);
}

long
ws_frame_masked(uint8_t *out, size_t cap, int op, const void *payload,
    size_t len, uint32_t mask)
{
	const uint8_t *p = payload;
	uint8_t m[4];
	size_t h = 2, i;

	if (cap < WS_HDR_MAX + len)
		return -1;
	out[0] = (uint8_t)(0x80 | (op & 0x0f));
	if (len < 126)
		out[1] = (uint8_t)(0x80 | len);
	else if (len <= 0xffff) {
		out[1] = 0x80 | 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		h = 4;
	} else {
		out[1] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
		h = 10;
	}
	m[0] = (uint8_t)(mask >> 24);
	m[1] = (uint8_t)(mask >> 16);
	m[2] = (uint8_t)(mask >> 8);
	m[3] = (uint8_t)mask;
	memcpy(out + h, m, 4);
	h += 4;
	for (i = 0; i < len; i++)
		out[h + i] = p[i] ^ m[i & 3];
	return (long)(h + len);
}

int
ws_parse_hdr(const uint8_t *buf, size_t len, struct ws_hdr *h)
{
	size_t need = 2, i;

	if (len < 2)
		return 0;
	h->fin = (buf[0] & 0x80) != 0;
	h->op = buf[0] & 0x0f;
	h->masked = (buf[1] & 0x80) != 0;
	if (buf[0] & 0x70)
		return -1; /* no extension was negotiated */
	h->len = buf[1] & 0x7f;
	if (h->len == 126)
		need += 2;
	else if (h->len == 127)
		need += 8;
	if (h->masked)
		need += 4;
	if (len < need)
		return 0;
	if (h->len == 126)
		h->len = (uint64_t)buf[2] << 8 | buf[3];
	else if (h->len == 127) {
		h->len = 0;
		for (i = 0; i < 8; i++)
			h->len = h->len << 8 | buf[2 + i];
		if (h->len >> 63)
			return -1;
	}
	if ((h->op & 0x08) && (!h->fin || h->len > 125))
		return -1; /* control frames: final and short */
	if (h->masked)
		memcpy(h->mask, buf + need - 4, 4);
	h->hlen = need;
	return 1;
}
