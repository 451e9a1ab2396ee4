/*
 * wsframe.h - the few pieces of RFC 6455 that --streams needs to be a
 * WebSocket client on its own epoll loop: the upgrade request, a masked
 * client frame, and the header of a frame the server sent.  No I/O here,
 * so callsim_test checks it byte by byte.
 */
#ifndef CALLSIM_WSFRAME_H
#define CALLSIM_WSFRAME_H

#include <stddef.h>
#include <stdint.h>

#define WS_OP_CONT 0x0
#define WS_OP_TEXT 0x1
#define WS_OP_BIN 0x2
#define WS_OP_CLOSE 0x8
#define WS_OP_PING 0x9
#define WS_OP_PONG 0xa
#define WS_HDR_MAX 14 /* client header: 2 + 8 + mask 4 */

struct ws_hdr {
	int fin;
	int op;
	int masked;
	uint8_t mask[4];
	uint64_t len; /* payload bytes */
	size_t hlen; /* header bytes */
};

/* The GET that asks for the upgrade; key is 24 base64 characters.
 * Returns its length, or -1 if it does not fit. */
int ws_upgrade_request(char *out, size_t cap, const char *host, int port,
    const char *path, const char *key);
/* 1 if the response head (up to the blank line) says 101. */
int ws_upgrade_ok(const char *head, size_t len);
/* One final, masked frame of op: header and masked payload into out
 * (cap >= WS_HDR_MAX + len).  Returns bytes written or -1. */
long ws_frame_masked(uint8_t *out, size_t cap, int op, const void *payload,
    size_t len, uint32_t mask);
/* Parse a frame header from buf: 1 and *h filled, 0 if more bytes are
 * needed, -1 if it is not a valid header. */
int ws_parse_hdr(const uint8_t *buf, size_t len, struct ws_hdr *h);

#endif
