/*
 * proto.h - every message that crosses between frontdesk processes.
 *
 * A frame is a fixed 64-byte big-endian header followed by a payload:
 *
 *   off size field
 *     0    1 version      FD_PROTO_VERSION; a frame of another version is refused
 *     1    1 type         enum fd_msg_type
 *     2    2 flags        FD_F_* bits
 *     4    4 seq          per-sender sequence number
 *     8    8 ts_us        sender's CLOCK_MONOTONIC in microseconds (hop latency)
 *    16    4 ref          type-specific reference (utterance id for speech/audio)
 *    20    4 payload_len  bytes after the header, at most FD_MAX_PAYLOAD
 *    24   40 call_id      NUL-padded call id (Twilio CallSid), may be empty
 *
 * Audio frames carry raw 8 kHz mu-law; every other payload is one JSON object.
 * Subscribers filter on the first two bytes (version, type), so a pub/sub
 * subscription is fd_topic(type).  Nothing casts a received buffer to a struct:
 * frames are read through the checked cursor below.
 */
#ifndef FD_PROTO_H
#define FD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define FD_PROTO_VERSION 3
#define FD_HDR_LEN 64
#define FD_CALL_ID_LEN 40 /* incl. the terminating NUL */
#define FD_MAX_PAYLOAD (4u << 20) /* 4 MiB */

/* Bump FD_PROTO_VERSION when a type changes meaning or payload shape.
 * A JSON payload's fields are declared once, in proto/payload.h (struct
 * fd_pl_<name>, read and written only through it); `ref` is the frame
 * header field. */
enum fd_msg_type {
	FD_MSG_NONE = 0,
	/* gateway -> all: call lifecycle and caller input */
	FD_MSG_CALL_START = 1, /* JSON call_start */
	FD_MSG_CALL_END = 2, /* JSON call_end */
	FD_MSG_AUDIO_IN = 3, /* raw mu-law from the caller (usually 160
				       bytes); ref = the call's frame number
				       (from 1, one per 160 bytes), ts_us =
				       arrival; FD_F_REPLAY: sent again */
	FD_MSG_DTMF = 4, /* JSON dtmf */
	FD_MSG_MARK = 5, /* JSON mark: echoed (played) or cleared */
	FD_MSG_CALL_ASSIGN = 6, /* JSON call_assign: which instance of each
				   worker kind serves the call (cluster
				   mode only; before CALL_START, and again
				   when a call moves) */
	/* stt-worker -> agent (and gateway: finals, for the replay) */
	FD_MSG_SPEECH_STARTED = 10, /* JSON speech_started */
	FD_MSG_SPEECH_STOPPED =
	    11, /* JSON speech_stopped (before the endpoint) */
	FD_MSG_TRANSCRIPT = 12, /* JSON transcript */
	/* agent -> stt-worker */
	FD_MSG_STT_HINT = 13, /* JSON stt_hint: what the next turn holds */
	/* agent -> tts-worker */
	FD_MSG_SAY = 20, /* ref = utterance id. JSON say */
	FD_MSG_SAY_CANCEL =
	    21, /* ref = utt id: cancel it and every earlier one */
	FD_MSG_SAY_RELEASE = 25, /* ref = utt id of a SAY sent with hold:
				    play what was held and go on */
	/* tts-worker -> gateway, agent */
	FD_MSG_AUDIO_OUT = 22, /* ref = utt id. raw mu-law to play */
	FD_MSG_AUDIO_MARK =
	    23, /* ref = utt id. JSON audio_mark: a segment's end */
	FD_MSG_TTS_ERROR = 24, /* ref = utt id. JSON tts_error */
	/* agent -> gateway: call control */
	FD_MSG_CLEAR = 30, /* ref = highest utt id to drop: stop now */
	FD_MSG_HANGUP = 31, /* JSON hangup: close the media stream */
	FD_MSG_TRANSFER = 32, /* JSON transfer: redirect with <Dial> */
	FD_MSG_PAUSE = 33, /* ref = utt id. The caller may be barging in:
				       send Twilio a clear, keep the unheard rest */
	FD_MSG_RESUME = 34, /* ref = utt id. A false interruption: play on */
	/* scheduler <-> gateway */
	FD_MSG_OUTBOUND_CALL = 40, /* JSON outbound_call: place a call */
	FD_MSG_OUTBOUND_RESULT =
	    41, /* JSON outbound_result: the request echoed */
	FD_MSG_OUTBOUND_SMS = 42, /* JSON outbound_sms: send a text */
	/* req/rep with crm-tools */
	FD_MSG_TOOL_REQ = 50, /* JSON tool_req (args: proto/tool_schema.h) */
	FD_MSG_TOOL_REP = 51, /* JSON tool_rep */
	/* every publisher -> its subscribers, every FD_BUS_HEARTBEAT_MS
	 * (common/bus.c consumes it) */
	FD_MSG_HEARTBEAT = 60, /* JSON heartbeat */
	FD_MSG_TYPE_MAX
};

enum fd_frame_flags {
	FD_F_TEST = 1u << 0, /* produced by a test harness */
	FD_F_REPLAY = 1u << 1, /* AUDIO_IN sent again to a restarted
				       stt-worker: ts_us is the first 160
				       bytes' original arrival, each next 160
				       bytes arrived 20 ms later; CALL_START
				       sent again to the agent a call moved
				       to; TRANSCRIPT sent again to a
				       restarted agent */
};

struct fd_frame {
	uint8_t version;
	uint8_t type;
	uint16_t flags;
	uint32_t seq;
	uint64_t ts_us;
	uint32_t ref;
	char call_id[FD_CALL_ID_LEN];
	const uint8_t *payload; /* points into the decoded buffer; not owned */
	uint32_t payload_len;
};

/* Checked read cursor: every read fails once the data runs short. */
struct fd_cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err; /* sticky: set on the first short read */
};

void fd_cur_init(struct fd_cursor *c, const void *buf, size_t len);
int fd_cur_u8(struct fd_cursor *c, uint8_t *v);
int fd_cur_u16(struct fd_cursor *c, uint16_t *v);
int fd_cur_u32(struct fd_cursor *c, uint32_t *v);
int fd_cur_u64(struct fd_cursor *c, uint64_t *v);
int fd_cur_bytes(struct fd_cursor *c, void *dst, size_t n);
int fd_cur_skip(struct fd_cursor *c, size_t n, const uint8_t **at);
int fd_cur_end(
    const struct fd_cursor *c); /* 0 only if no error and nothing left */

/* Checked write cursor over a caller's buffer. */
struct fd_wcursor {
	uint8_t *p;
	size_t cap;
	size_t off;
	int err;
};

void fd_wcur_init(struct fd_wcursor *w, void *buf, size_t cap);
void fd_wcur_u8(struct fd_wcursor *w, uint8_t v);
void fd_wcur_u16(struct fd_wcursor *w, uint16_t v);
void fd_wcur_u32(struct fd_wcursor *w, uint32_t v);
void fd_wcur_u64(struct fd_wcursor *w, uint64_t v);
void fd_wcur_bytes(struct fd_wcursor *w, const void *src, size_t n);

/* Name of a message type for logs ("call_start"), "unknown" otherwise. */
const char *fd_msg_name(int type);
/* 1 if type is a defined message type. */
int fd_msg_valid(int type);
/* 1 if the type's payload is raw audio rather than JSON. */
int fd_msg_is_audio(int type);
/* 1 if s is an acceptable call id: empty, or 1..39 chars of [A-Za-z0-9_-]. */
int fd_call_id_valid(const char *s);

/* Encode header+payload into buf.  Returns the frame length, or -1 if the
 * buffer is too small, the payload too large or a field is invalid. */
long fd_frame_encode(void *buf, size_t cap, const struct fd_frame *hdr,
    const void *payload, size_t payload_len);
/* Total frame size for a payload of n bytes. */
size_t fd_frame_size(size_t payload_len);
/* Decode and validate a frame.  f->payload points into buf.  Returns 0, or -1
 * with a reason in err (truncated, trailing data, bad version/type, oversize). */
int fd_frame_decode(
    const void *buf, size_t len, struct fd_frame *f, char *err, size_t errlen);
/* The two-byte pub/sub topic for a type. */
void fd_topic(int type, uint8_t out[2]);

#endif
