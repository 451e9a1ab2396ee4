/*
 * payload.h - the typed JSON payload of every message type in proto.h.
 *
 * Each JSON message type has one struct here and one entry in the field
 * table of payload.c, which is the only place that names its JSON keys.
 * fd_pl_read() checks a received object against the table (a missing
 * required field or a field of the wrong JSON type is one clear error that
 * names the message and the field) and fills the struct; fd_pl_json() builds
 * the object to publish from a struct.  Typed wrappers (fd_pl_read_dtmf(),
 * fd_pl_json_dtmf(), ...) keep callers from passing the wrong struct.
 *
 * Strings and JSON values in a read struct point into the object that was
 * read: they live as long as the caller holds it.  An absent optional
 * string reads as "" and an absent optional number as 0; an absent
 * optional object or array reads as NULL.  On write, optional strings that
 * are NULL or empty, and optional JSON values that are NULL, are left out.
 */
#ifndef FD_PAYLOAD_H
#define FD_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proto.h"

struct fd_pl_call_start { /* FD_MSG_CALL_START */
	const char *call_id;
	const char *stream_sid;
	const char *from; /* caller's number, from the signed webhook */
	const char *to;
	const char *direction; /* inbound | outbound-api | ... */
	const char *now; /* optional: pinned call clock (tests) */
	json_t *params; /* optional: the stream's custom parameters */
	const char *gateway; /* optional: the answering gateway instance */
	const char *gateway_boot; /* optional: that gateway's run id */
	/* outbound calls (direction outbound-api), from the signed webhook:
	 * the customer is `to`; the job says why we called */
	int64_t job_id; /* optional: crm-tools job */
	int64_t attempt; /* optional: the job's attempt */
	const char *kind; /* optional: reminder|callback|lead_followup */
	const char *
	    answered_by; /* optional: Twilio AMD: human, machine_end_beep, ... */
};

struct fd_pl_call_assign { /* FD_MSG_CALL_ASSIGN */
	const char *stt; /* the stt-worker instance's name */
	const char *agent; /* the agent instance's name */
	const char *tts; /* the tts-worker instance's name */
	int moved; /* optional: an instance died, the call moved */
};

struct fd_pl_call_end { /* FD_MSG_CALL_END */
	const char *reason; /* stop, hangup, transfer, error, ... */
};

struct fd_pl_dtmf { /* FD_MSG_DTMF */
	const char *digit;
};

struct fd_pl_mark { /* FD_MSG_MARK */
	const char *name;
	int played; /* 0: cleared by barge-in, never heard */
};

struct fd_pl_speech_started { /* FD_MSG_SPEECH_STARTED */
	int64_t at_ms; /* since call start, caller audio clock */
};

struct fd_pl_speech_stopped { /* FD_MSG_SPEECH_STOPPED */
	int64_t at_ms;
	int64_t dur_ms;
};

struct fd_pl_transcript { /* FD_MSG_TRANSCRIPT */
	const char *text;
	int final;
	double confidence; /* 0..1 */
	int64_t start_ms;
	int64_t end_ms;
	int64_t speech_end_us; /* fd_mono_us() at the end of speech */
	/* optional: what else the recogniser heard, best first (text is the
	 * first): up to FD_PL_NBEST_MAX of {"text": string, "confidence":
	 * number 0..1} */
	json_t *nbest;
	/* optional: the words of text with their own confidence: up to
	 * FD_PL_WORDS_MAX of {"word": string, "confidence": number 0..1} */
	json_t *words;
	/* optional, interim only: text is the decoder's final passes over
	 * everything said so far, during the end-of-turn silence (the
	 * speculative final).  The final that ends the turn has the same
	 * words unless the caller goes on (then a SPEECH_STARTED or a plain
	 * interim comes first), so the agent may prepare its reply on it
	 * (agent/agent_spec.h) */
	int stable;
};
#define FD_PL_NBEST_MAX 3
#define FD_PL_WORDS_MAX 64

struct fd_pl_stt_hint { /* FD_MSG_STT_HINT */
	const char *expect; /* any|date|time|digits|name|yesno|service */
	json_t *words; /* optional array of strings */
};

struct fd_pl_say { /* FD_MSG_SAY (ref = utterance id) */
	const char *text;
	int last; /* no more text for this utterance */
	const char *voice; /* optional */
	/* optional, on an utterance's first SAY: synthesise its first
	 * segment but keep its audio and marks until SAY_RELEASE (or drop
	 * them on SAY_CANCEL): a reply prepared on a hypothesis */
	int hold;
};

struct fd_pl_audio_mark { /* FD_MSG_AUDIO_MARK (ref = utterance id) */
	const char *name; /* "u<utt>s<seg>" */
	int64_t seg;
	const char *text; /* optional: the segment's words */
	int last; /* the utterance's final segment */
};

struct fd_pl_tts_error { /* FD_MSG_TTS_ERROR (ref = utterance id) */
	const char *error;
	int64_t seg; /* optional: the segment that failed */
};

struct fd_pl_hangup { /* FD_MSG_HANGUP */
	const char *reason; /* optional */
};

struct fd_pl_transfer { /* FD_MSG_TRANSFER */
	const char *to;
	const char *reason; /* optional */
	const char *summary; /* optional: who calls and why, for
	                                  * the staff member's whisper */
};

struct fd_pl_outbound_call { /* FD_MSG_OUTBOUND_CALL */
	const char *to;
	const char *from; /* optional: the business's number */
	const char *purpose; /* optional: the job's kind for TwiML */
	int64_t appointment_id; /* optional */
	int64_t job_id; /* optional: crm-tools' job (tool_jobs.c) */
	int64_t attempt; /* optional: the job's attempt, 1.. */
	const char *idempotency_key; /* optional: one carrier request per key */
	const char *kind; /* optional: reminder|callback|lead_followup */
};

struct fd_pl_outbound_sms { /* FD_MSG_OUTBOUND_SMS */
	const char *to;
	const char *from; /* optional: the business's number */
	const char *text;
	int64_t job_id;
	int64_t attempt;
	const char *idempotency_key;
};

struct fd_pl_outbound_result { /* FD_MSG_OUTBOUND_RESULT */
	const char *to;
	const char *call_id; /* optional: the carrier's CallSid */
	const char *status; /* queued|ringing|duplicate|busy|
					    no-answer|failed|completed|sent.. */
	const char *error; /* optional */
	const char *purpose; /* optional: as requested */
	int64_t appointment_id; /* optional: as requested */
	int64_t job_id; /* optional: as requested */
	int64_t attempt; /* optional: as requested */
	const char *idempotency_key; /* optional: as requested */
	const char *answered_by; /* optional: Twilio AMD (calls) */
	int64_t duration_s; /* optional: CallDuration of an ended call */
};

struct fd_pl_tool_req { /* FD_MSG_TOOL_REQ */
	const char *tool;
	json_t *args; /* optional object */
	const char *now; /* optional: the call's local time */
	const char *caller; /* optional */
};

struct fd_pl_tool_rep { /* FD_MSG_TOOL_REP */
	int ok;
	json_t *result; /* optional: any JSON value */
	const char *code; /* optional: error code when !ok */
	const char *error; /* optional: error text when !ok */
};

struct fd_pl_heartbeat { /* FD_MSG_HEARTBEAT */
	const char *instance; /* hex id, new at every process start */
	int hears; /* connected to every publisher it dials */
	int64_t subs; /* subscribers connected to it now */
};

/* 1 if the type carries a JSON payload described here. */
int fd_pl_known(int type);

/* Fill *out (the struct of `type`) from j.  Returns 0, or -1 with
 * "<message>: <field> missing" / "... must be a string" etc. in err. */
int fd_pl_read(int type, json_t *j, void *out, char *err, size_t errlen);

/* A new object from *in, or NULL (out of memory, or a required string
 * field is NULL: err says which). */
json_t *fd_pl_json(int type, const void *in, char *err, size_t errlen);

/* Decode a frame's payload as JSON and read it: returns the object the
 * struct points into (the caller decrefs it), or NULL with err set. */
json_t *fd_pl_frame(
    const struct fd_frame *f, void *out, char *err, size_t errlen);

/* A string member of a JSON object that has no struct here (a tool's
 * result, a stored session): "" when o is not an object, or the key is
 * absent or not a string. */
const char *fd_jstr(const json_t *o, const char *key);

#define FD_PL_TYPED(name, TYPE)                                                \
	static inline int fd_pl_read_##name(                                   \
	    json_t *j, struct fd_pl_##name *m, char *err, size_t errlen)       \
	{                                                                      \
		return fd_pl_read(TYPE, j, m, err, errlen);                    \
	}                                                                      \
	static inline json_t *fd_pl_json_##name(                               \
	    const struct fd_pl_##name *m, char *err, size_t errlen)            \
	{                                                                      \
		return fd_pl_json(TYPE, m, err, errlen);                       \
	}                                                                      \
	static inline json_t *fd_pl_frame_##name(const struct fd_frame *f,     \
	    struct fd_pl_##name *m, char *err, size_t errlen)                  \
	{                                                                      \
		return f->type == TYPE ? fd_pl_frame(f, m, err, errlen)        \
		                       : NULL;                                 \
	}

FD_PL_TYPED(call_start, FD_MSG_CALL_START)
FD_PL_TYPED(call_end, FD_MSG_CALL_END)
FD_PL_TYPED(call_assign, FD_MSG_CALL_ASSIGN)
FD_PL_TYPED(dtmf, FD_MSG_DTMF)
FD_PL_TYPED(mark, FD_MSG_MARK)
FD_PL_TYPED(speech_started, FD_MSG_SPEECH_STARTED)
FD_PL_TYPED(speech_stopped, FD_MSG_SPEECH_STOPPED)
FD_PL_TYPED(transcript, FD_MSG_TRANSCRIPT)
FD_PL_TYPED(stt_hint, FD_MSG_STT_HINT)
FD_PL_TYPED(say, FD_MSG_SAY)
FD_PL_TYPED(audio_mark, FD_MSG_AUDIO_MARK)
FD_PL_TYPED(tts_error, FD_MSG_TTS_ERROR)
FD_PL_TYPED(hangup, FD_MSG_HANGUP)
FD_PL_TYPED(transfer, FD_MSG_TRANSFER)
FD_PL_TYPED(outbound_call, FD_MSG_OUTBOUND_CALL)
FD_PL_TYPED(outbound_sms, FD_MSG_OUTBOUND_SMS)
FD_PL_TYPED(outbound_result, FD_MSG_OUTBOUND_RESULT)
FD_PL_TYPED(tool_req, FD_MSG_TOOL_REQ)
FD_PL_TYPED(tool_rep, FD_MSG_TOOL_REP)
FD_PL_TYPED(heartbeat, FD_MSG_HEARTBEAT)

#endif
