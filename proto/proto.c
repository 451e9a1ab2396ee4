/*
 * proto.c - frame encoding and decoding shared by every frontdesk process.
 *
 * Decoding never trusts the buffer: the header is read field by field
 * through the checked cursor, the declared payload length must match the
 * bytes present exactly, and the call id must be a short printable token.
 */
#include <stdio.h>
#include <string.h>

#include "proto.h"

static const char *const msg_names[FD_MSG_TYPE_MAX] = {
    [FD_MSG_CALL_START] = "call_start",
    [FD_MSG_CALL_END] = "call_end",
    [FD_MSG_AUDIO_IN] = "audio_in",
    [FD_MSG_DTMF] = "dtmf",
    [FD_MSG_MARK] = "mark",
    [FD_MSG_CALL_ASSIGN] = "call_assign",
    [FD_MSG_SPEECH_STARTED] = "speech_started",
    [FD_MSG_SPEECH_STOPPED] = "speech_stopped",
    [FD_MSG_TRANSCRIPT] = "transcript",
    [FD_MSG_STT_HINT] = "stt_hint",
    [FD_MSG_SAY] = "say",
    [FD_MSG_SAY_CANCEL] = "say_cancel",
    [FD_MSG_SAY_RELEASE] = "say_release",
    [FD_MSG_AUDIO_OUT] = "audio_out",
    [FD_MSG_AUDIO_MARK] = "audio_mark",
    [FD_MSG_TTS_ERROR] = "tts_error",
    [FD_MSG_CLEAR] = "clear",
    [FD_MSG_HANGUP] = "hangup",
    [FD_MSG_TRANSFER] = "transfer",
    [FD_MSG_PAUSE] = "pause",
    [FD_MSG_RESUME] = "resume",
    [FD_MSG_OUTBOUND_CALL] = "outbound_call",
    [FD_MSG_OUTBOUND_RESULT] = "outbound_result",
    [FD_MSG_OUTBOUND_SMS] = "outbound_sms",
    [FD_MSG_TOOL_REQ] = "tool_req",
    [FD_MSG_TOOL_REP] = "tool_rep",
    [FD_MSG_HEARTBEAT] = "heartbeat",
};

const char *
fd_msg_name(int type)
{
	if (type <= 0 || type >= FD_MSG_TYPE_MAX || msg_names[type] == NULL)
		return "unknown";
	return msg_names[type];
}

int
fd_msg_valid(int type)
{
	return type > 0 && type < FD_MSG_TYPE_MAX && msg_names[type] != NULL;
}

int
fd_msg_is_audio(int type)
{
	return type == FD_MSG_AUDIO_IN || type == FD_MSG_AUDIO_OUT;
}

int
fd_call_id_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		char ch = s[i];
		if (i >= FD_CALL_ID_LEN - 1)
			return 0;
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		        (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

void
fd_cur_init(struct fd_cursor *c, const void *buf, size_t len)
{
	c->p = buf;
	c->len = buf ? len : 0;
	c->off = 0;
	c->err = 0;
}

static int
cur_need(struct fd_cursor *c, size_t n)
{
	if (c->err || c->len - c->off < n) {
		c->err = 1;
		return -1;
	}
	return 0;
}

int
fd_cur_u8(struct fd_cursor *c, uint8_t *v)
{
	if (cur_need(c, 1) != 0)
		return -1;
	*v = c->p[c->off++];
	return 0;
}

int
fd_cur_u16(struct fd_cursor *c, uint16_t *v)
{
	if (cur_need(c, 2) != 0)
		return -1;
	*v = (uint16_t)((c->p[c->off] << 8) | c->p[c->off + 1]);
	c->off += 2;
	return 0;
}

int
fd_cur_u32(struct fd_cursor *c, uint32_t *v)
{
	const uint8_t *p;

	if (cur_need(c, 4) != 0)
		return -1;
	p = c->p + c->off;
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
	c->off += 4;
	return 0;
}

int
fd_cur_u64(struct fd_cursor *c, uint64_t *v)
{
	uint32_t hi, lo;

	if (fd_cur_u32(c, &hi) != 0 || fd_cur_u32(c, &lo) != 0)
		return -1;
	*v = ((uint64_t)hi << 32) | lo;
	return 0;
}

int
fd_cur_bytes(struct fd_cursor *c, void *dst, size_t n)
{
	if (cur_need(c, n) != 0)
		return -1;
	memcpy(dst, c->p + c->off, n);
	c->off += n;
	return 0;
}

int
fd_cur_skip(struct fd_cursor *c, size_t n, const uint8_t **at)
{
	if (cur_need(c, n) != 0)
		return -1;
	if (at)
		*at = c->p + c->off;
	c->off += n;
	return 0;
}

int
fd_cur_end(const struct fd_cursor *c)
{
	return (c->err || c->off != c->len) ? -1 : 0;
}

void
fd_wcur_init(struct fd_wcursor *w, void *buf, size_t cap)
{
	w->p = buf;
	w->cap = buf ? cap : 0;
	w->off = 0;
	w->err = 0;
}

void
fd_wcur_bytes(struct fd_wcursor *w, const void *src, size_t n)
{
	if (w->err || w->cap - w->off < n) {
		w->err = 1;
		return;
	}
	if (n)
		memcpy(w->p + w->off, src, n);
	w->off += n;
}

void
fd_wcur_u8(struct fd_wcursor *w, uint8_t v)
{
	fd_wcur_bytes(w, &v, 1);
}

void
fd_wcur_u16(struct fd_wcursor *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	fd_wcur_bytes(w, b, 2);
}

void
fd_wcur_u32(struct fd_wcursor *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v};
	fd_wcur_bytes(w, b, 4);
}

void
fd_wcur_u64(struct fd_wcursor *w, uint64_t v)
{
	fd_wcur_u32(w, (uint32_t)(v >> 32));
	fd_wcur_u32(w, (uint32_t)v);
}

size_t
fd_frame_size(size_t payload_len)
{
	return FD_HDR_LEN + payload_len;
}

void
fd_topic(int type, uint8_t out[2])
{
	out[0] = FD_PROTO_VERSION;
	out[1] = (uint8_t)type;
}

long
fd_frame_encode(void *buf, size_t cap, const struct fd_frame *h,
    const void *payload, size_t plen)
{
	struct fd_wcursor w;
	char id[FD_CALL_ID_LEN];

	if (!fd_msg_valid(h->type) || plen > FD_MAX_PAYLOAD ||
	    (plen && payload == NULL))
		return -1;
	memset(id, 0, sizeof(id));
	if (memchr(h->call_id, '\0', sizeof(h->call_id)) == NULL ||
	    !fd_call_id_valid(h->call_id))
		return -1;
	strcpy(id, h->call_id);
	fd_wcur_init(&w, buf, cap);
	fd_wcur_u8(&w, FD_PROTO_VERSION);
	fd_wcur_u8(&w, h->type);
	fd_wcur_u16(&w, h->flags);
	fd_wcur_u32(&w, h->seq);
	fd_wcur_u64(&w, h->ts_us);
	fd_wcur_u32(&w, h->ref);
	fd_wcur_u32(&w, (uint32_t)plen);
	fd_wcur_bytes(&w, id, sizeof(id));
	fd_wcur_bytes(&w, payload, plen);
	if (w.err)
		return -1;
	return (long)w.off;
}

int
fd_frame_decode(
    const void *buf, size_t len, struct fd_frame *f, char *err, size_t errlen)
{
	struct fd_cursor c;
	const uint8_t *pl = NULL;

	memset(f, 0, sizeof(*f));
	fd_cur_init(&c, buf, len);
	fd_cur_u8(&c, &f->version);
	fd_cur_u8(&c, &f->type);
	fd_cur_u16(&c, &f->flags);
	fd_cur_u32(&c, &f->seq);
	fd_cur_u64(&c, &f->ts_us);
	fd_cur_u32(&c, &f->ref);
	fd_cur_u32(&c, &f->payload_len);
	fd_cur_bytes(&c, f->call_id, sizeof(f->call_id));
	if (c.err) {
		snprintf(err, errlen, "truncated header (%zu bytes)", len);
		return -1;
	}
	if (f->version != FD_PROTO_VERSION) {
		snprintf(err, errlen, "version %u, expected %u", f->version,
		    FD_PROTO_VERSION);
		return -1;
	}
	if (!fd_msg_valid(f->type)) {
		snprintf(err, errlen, "unknown type %u", f->type);
		return -1;
	}
	if (memchr(f->call_id, '\0', sizeof(f->call_id)) == NULL ||
	    !fd_call_id_valid(f->call_id)) {
		f->call_id[0] = '\0';
		snprintf(err, errlen, "bad call id");
		return -1;
	}
	if (f->payload_len > FD_MAX_PAYLOAD) {
		snprintf(err, errlen, "payload %u over limit", f->payload_len);
		return -1;
	}
	if (fd_cur_skip(&c, f->payload_len, &pl) != 0) {
		snprintf(err, errlen, "truncated payload (%zu of %u bytes)",
		    len - FD_HDR_LEN, f->payload_len);
		return -1;
	}
	if (fd_cur_end(&c) != 0) {
		snprintf(err, errlen, "%zu trailing bytes", len - c.off);
		return -1;
	}
	f->payload = f->payload_len ? pl : NULL;
	return 0;
}
