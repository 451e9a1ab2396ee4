/*
 * payload.c - the field table of every JSON message type, and the one
 * reader and writer that use it (payload.h).
 *
 * A message's fields are listed once, with their JSON key, type, whether
 * they are required and where they sit in the message's struct; reading
 * and writing walk that list, so a key is spelled in one place and a
 * malformed payload from any daemon fails the same way.
 */
#include <stdio.h>
#include <string.h>

#include "payload.h"

enum pl_ftype {
	PL_STR, /* const char * */
	PL_INT, /* int64_t */
	PL_BOOL, /* int */
	PL_REAL, /* double (an integer is accepted) */
	PL_OBJ, /* json_t * object */
	PL_ARR, /* json_t * array */
	PL_ANY, /* json_t * any value */
};

struct pl_field {
	const char *key;
	enum pl_ftype type;
	int required;
	size_t off;
};

struct pl_desc {
	const struct pl_field *fields;
	size_t n;
	/* optional: what the field types cannot say (the members of an
	 * array); 0, or -1 with err naming the message and the member */
	int (*check)(const void *m, char *err, size_t errlen);
};

/* Every member of arr (at most max) an object with a string under key and
 * a number in 0..1 under "confidence". */
static int
check_scored(const char *field, const json_t *arr, size_t max, const char *key,
    char *err, size_t errlen)
{
	const json_t *e, *v;
	size_t i;

	if (arr == NULL)
		return 0;
	if (json_array_size(arr) > max) {
		snprintf(err, errlen,
		    "transcript: %s has more than %zu members", field, max);
		return -1;
	}
	json_array_foreach(arr, i, e)
	{
		if (!json_is_object(e)) {
			snprintf(err, errlen,
			    "transcript: %s[%zu] must be an "
			    "object",
			    field, i);
			return -1;
		}
		if (!json_is_string(json_object_get(e, key))) {
			snprintf(err, errlen,
			    "transcript: %s[%zu].%s must be a "
			    "string",
			    field, i, key);
			return -1;
		}
		v = json_object_get(e, "confidence");
		if (!json_is_number(v) || json_number_value(v) < 0 ||
		    json_number_value(v) > 1) {
			snprintf(err, errlen,
			    "transcript: %s[%zu].confidence "
			    "must be a number from 0 to 1",
			    field, i);
			return -1;
		}
	}
	return 0;
}

static int
check_transcript(const void *m, char *err, size_t errlen)
{
	const struct fd_pl_transcript *t = m;

	if (check_scored(
	        "nbest", t->nbest, FD_PL_NBEST_MAX, "text", err, errlen) != 0)
		return -1;
	return check_scored(
	    "words", t->words, FD_PL_WORDS_MAX, "word", err, errlen);
}

#define REQ(S, k, t)                                                           \
	{                                                                      \
#k, t, 1, offsetof(struct fd_pl_##S, k)                        \
	}
#define OPT(S, k, t)                                                           \
	{                                                                      \
#k, t, 0, offsetof(struct fd_pl_##S, k)                        \
	}

static const struct pl_field f_call_start[] = {
    REQ(call_start, call_id, PL_STR),
    REQ(call_start, stream_sid, PL_STR),
    REQ(call_start, from, PL_STR),
    REQ(call_start, to, PL_STR),
    REQ(call_start, direction, PL_STR),
    OPT(call_start, now, PL_STR),
    OPT(call_start, params, PL_OBJ),
    OPT(call_start, gateway, PL_STR),
    OPT(call_start, gateway_boot, PL_STR),
    OPT(call_start, job_id, PL_INT),
    OPT(call_start, attempt, PL_INT),
    OPT(call_start, kind, PL_STR),
    OPT(call_start, answered_by, PL_STR),
};
static const struct pl_field f_call_assign[] = {
    REQ(call_assign, stt, PL_STR),
    REQ(call_assign, agent, PL_STR),
    REQ(call_assign, tts, PL_STR),
    OPT(call_assign, moved, PL_BOOL),
};
static const struct pl_field f_call_end[] = {OPT(call_end, reason, PL_STR)};
static const struct pl_field f_dtmf[] = {REQ(dtmf, digit, PL_STR)};
static const struct pl_field f_mark[] = {
    REQ(mark, name, PL_STR),
    REQ(mark, played, PL_BOOL),
};
static const struct pl_field f_speech_started[] = {
    REQ(speech_started, at_ms, PL_INT),
};
static const struct pl_field f_speech_stopped[] = {
    REQ(speech_stopped, at_ms, PL_INT),
    REQ(speech_stopped, dur_ms, PL_INT),
};
static const struct pl_field f_transcript[] = {
    REQ(transcript, text, PL_STR),
    REQ(transcript, final, PL_BOOL),
    REQ(transcript, confidence, PL_REAL),
    OPT(transcript, start_ms, PL_INT),
    OPT(transcript, end_ms, PL_INT),
    OPT(transcript, speech_end_us, PL_INT),
    OPT(transcript, nbest, PL_ARR),
    OPT(transcript, words, PL_ARR),
    OPT(transcript, stable, PL_BOOL),
};
static const struct pl_field f_stt_hint[] = {
    REQ(stt_hint, expect, PL_STR),
    OPT(stt_hint, words, PL_ARR),
};
static const struct pl_field f_say[] = {
    REQ(say, text, PL_STR),
    OPT(say, last, PL_BOOL),
    OPT(say, voice, PL_STR),
    OPT(say, hold, PL_BOOL),
};
static const struct pl_field f_audio_mark[] = {
    REQ(audio_mark, name, PL_STR),
    REQ(audio_mark, seg, PL_INT),
    OPT(audio_mark, text, PL_STR),
    OPT(audio_mark, last, PL_BOOL),
};
static const struct pl_field f_tts_error[] = {
    REQ(tts_error, error, PL_STR),
    OPT(tts_error, seg, PL_INT),
};
static const struct pl_field f_hangup[] = {OPT(hangup, reason, PL_STR)};
static const struct pl_field f_transfer[] = {
    REQ(transfer, to, PL_STR),
    OPT(transfer, reason, PL_STR),
    OPT(transfer, summary, PL_STR),
};
static const struct pl_field f_outbound_call[] = {
    REQ(outbound_call, to, PL_STR),
    OPT(outbound_call, from, PL_STR),
    OPT(outbound_call, purpose, PL_STR),
    OPT(outbound_call, appointment_id, PL_INT),
    OPT(outbound_call, job_id, PL_INT),
    OPT(outbound_call, attempt, PL_INT),
    OPT(outbound_call, idempotency_key, PL_STR),
    OPT(outbound_call, kind, PL_STR),
};
static const struct pl_field f_outbound_sms[] = {
    REQ(outbound_sms, to, PL_STR),
    OPT(outbound_sms, from, PL_STR),
    REQ(outbound_sms, text, PL_STR),
    REQ(outbound_sms, job_id, PL_INT),
    REQ(outbound_sms, attempt, PL_INT),
    REQ(outbound_sms, idempotency_key, PL_STR),
};
static const struct pl_field f_outbound_result[] = {
    REQ(outbound_result, to, PL_STR),
    OPT(outbound_result, call_id, PL_STR),
    REQ(outbound_result, status, PL_STR),
    OPT(outbound_result, error, PL_STR),
    OPT(outbound_result, purpose, PL_STR),
    OPT(outbound_result, appointment_id, PL_INT),
    OPT(outbound_result, job_id, PL_INT),
    OPT(outbound_result, attempt, PL_INT),
    OPT(outbound_result, idempotency_key, PL_STR),
    OPT(outbound_result, answered_by, PL_STR),
    OPT(outbound_result, duration_s, PL_INT),
};
static const struct pl_field f_tool_req[] = {
    REQ(tool_req, tool, PL_STR),
    OPT(tool_req, args, PL_OBJ),
    OPT(tool_req, now, PL_STR),
    OPT(tool_req, caller, PL_STR),
};
static const struct pl_field f_tool_rep[] = {
    REQ(tool_rep, ok, PL_BOOL),
    OPT(tool_rep, result, PL_ANY),
    OPT(tool_rep, code, PL_STR),
    OPT(tool_rep, error, PL_STR),
};

static const struct pl_field f_heartbeat[] = {
    REQ(heartbeat, instance, PL_STR),
    REQ(heartbeat, hears, PL_BOOL),
    REQ(heartbeat, subs, PL_INT),
};

#define D(t, f) [t] = {f, sizeof(f) / sizeof(f[0]), NULL}
#define DC(t, f, c) [t] = {f, sizeof(f) / sizeof(f[0]), c}
static const struct pl_desc descs[FD_MSG_TYPE_MAX] = {
    D(FD_MSG_CALL_START, f_call_start),
    D(FD_MSG_CALL_END, f_call_end),
    D(FD_MSG_CALL_ASSIGN, f_call_assign),
    D(FD_MSG_DTMF, f_dtmf),
    D(FD_MSG_MARK, f_mark),
    D(FD_MSG_SPEECH_STARTED, f_speech_started),
    D(FD_MSG_SPEECH_STOPPED, f_speech_stopped),
    DC(FD_MSG_TRANSCRIPT, f_transcript, check_transcript),
    D(FD_MSG_STT_HINT, f_stt_hint),
    D(FD_MSG_SAY, f_say),
    D(FD_MSG_AUDIO_MARK, f_audio_mark),
    D(FD_MSG_TTS_ERROR, f_tts_error),
    D(FD_MSG_HANGUP, f_hangup),
    D(FD_MSG_TRANSFER, f_transfer),
    D(FD_MSG_OUTBOUND_CALL, f_outbound_call),
    D(FD_MSG_OUTBOUND_SMS, f_outbound_sms),
    D(FD_MSG_OUTBOUND_RESULT, f_outbound_result),
    D(FD_MSG_TOOL_REQ, f_tool_req),
    D(FD_MSG_TOOL_REP, f_tool_rep),
    D(FD_MSG_HEARTBEAT, f_heartbeat),
};

static const char *const type_names[] = {
    [PL_STR] = "a string",
    [PL_INT] = "an integer",
    [PL_BOOL] = "true or false",
    [PL_REAL] = "a number",
    [PL_OBJ] = "an object",
    [PL_ARR] = "an array",
    [PL_ANY] = "a value",
};

static const struct pl_desc *
desc_of(int type)
{
	if (type <= FD_MSG_NONE || type >= FD_MSG_TYPE_MAX ||
	    descs[type].fields == NULL)
		return NULL;
	return &descs[type];
}

int
fd_pl_known(int type)
{
	return desc_of(type) != NULL;
}

static int
type_ok(enum pl_ftype t, const json_t *v)
{
	switch (t) {
	case PL_STR:
		return json_is_string(v);
	case PL_INT:
		return json_is_integer(v);
	case PL_BOOL:
		return json_is_boolean(v);
	case PL_REAL:
		return json_is_number(v);
	case PL_OBJ:
		return json_is_object(v);
	case PL_ARR:
		return json_is_array(v);
	case PL_ANY:
		return 1;
	}
	return 0;
}

/* Store v (NULL: the field is absent) into its place in the struct;
 * jansson's getters read NULL as 0. */
static void
set_value(const struct pl_field *fl, char *base, json_t *v)
{
	switch (fl->type) {
	case PL_STR:
		*(const char **)(base + fl->off) =
		    v ? json_string_value(v) : "";
		break;
	case PL_INT:
		*(int64_t *)(base + fl->off) = json_integer_value(v);
		break;
	case PL_BOOL:
		*(int *)(base + fl->off) = json_is_true(v);
		break;
	case PL_REAL:
		*(double *)(base + fl->off) = json_number_value(v);
		break;
	case PL_OBJ:
	case PL_ARR:
	case PL_ANY:
		*(json_t **)(base + fl->off) = v;
		break;
	}
}

int
fd_pl_read(int type, json_t *j, void *out, char *err, size_t errlen)
{
	const struct pl_desc *d = desc_of(type);
	char *base = out;
	json_t *v;
	size_t i;

	if (d == NULL) {
		snprintf(err, errlen, "%s: no JSON payload", fd_msg_name(type));
		return -1;
	}
	if (!json_is_object(j)) {
		snprintf(err, errlen, "%s: payload is not a JSON object",
		    fd_msg_name(type));
		return -1;
	}
	for (i = 0; i < d->n; i++) {
		const struct pl_field *fl = &d->fields[i];

		v = json_object_get(j, fl->key);
		/* an optional field sent as null is absent */
		if (v == NULL ||
		    (json_is_null(v) && !fl->required && fl->type != PL_ANY)) {
			if (fl->required) {
				snprintf(err, errlen, "%s: %s missing",
				    fd_msg_name(type), fl->key);
				return -1;
			}
			set_value(fl, base, NULL);
			continue;
		}
		if (!type_ok(fl->type, v)) {
			snprintf(err, errlen, "%s: %s must be %s",
			    fd_msg_name(type), fl->key, type_names[fl->type]);
			return -1;
		}
		set_value(fl, base, v);
	}
	return d->check ? d->check(out, err, errlen) : 0;
}

/* The JSON value of one field, NULL when an optional one is left out. */
static json_t *
field_json(const struct pl_field *fl, const char *base, int *missing)
{
	const char *s;
	json_t *v;

	*missing = 0;
	switch (fl->type) {
	case PL_STR:
		s = *(const char *const *)(base + fl->off);
		if (s == NULL || (s[0] == '\0' && !fl->required)) {
			*missing = fl->required;
			return NULL;
		}
		if ((v = json_string(s)) == NULL)
			*missing = -1; /* not UTF-8 (or out of memory) */
		return v;
	case PL_INT:
		if (!fl->required && *(const int64_t *)(base + fl->off) == 0)
			return NULL;
		return json_integer(*(const int64_t *)(base + fl->off));
	case PL_BOOL:
		return json_boolean(*(const int *)(base + fl->off));
	case PL_REAL:
		return json_real(*(const double *)(base + fl->off));
	case PL_OBJ:
	case PL_ARR:
	case PL_ANY:
		v = *(json_t *const *)(base + fl->off);
		if (v == NULL) {
			*missing = fl->required;
			return NULL;
		}
		return json_incref(v);
	}
	return NULL;
}

json_t *
fd_pl_json(int type, const void *in, char *err, size_t errlen)
{
	const struct pl_desc *d = desc_of(type);
	const char *base = in;
	json_t *j, *v;
	size_t i;
	int missing;

	if (d == NULL) {
		snprintf(err, errlen, "%s: no JSON payload", fd_msg_name(type));
		return NULL;
	}
	if (d->check && d->check(in, err, errlen) != 0)
		return NULL;
	if ((j = json_object()) == NULL)
		goto oom;
	for (i = 0; i < d->n; i++) {
		v = field_json(&d->fields[i], base, &missing);
		if (missing) {
			snprintf(err, errlen,
			    missing < 0 ? "%s: %s is not "
			                  "UTF-8"
			                : "%s: %s missing",
			    fd_msg_name(type), d->fields[i].key);
			json_decref(j);
			return NULL;
		}
		if (v == NULL)
			continue;
		if (json_object_set_new(j, d->fields[i].key, v) != 0) {
			json_decref(j);
			goto oom;
		}
	}
	return j;
oom:
	snprintf(err, errlen, "%s: out of memory", fd_msg_name(type));
	return NULL;
}

json_t *
fd_pl_frame(const struct fd_frame *f, void *out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j;

	if (!fd_pl_known(f->type)) {
		snprintf(
		    err, errlen, "%s: no JSON payload", fd_msg_name(f->type));
		return NULL;
	}
	if (f->payload == NULL || f->payload_len == 0) {
		snprintf(
		    err, errlen, "%s: empty payload", fd_msg_name(f->type));
		return NULL;
	}
	j = json_loadb((const char *)f->payload, f->payload_len,
	    JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		snprintf(err, errlen, "%s: bad JSON: %s", fd_msg_name(f->type),
		    je.text);
		return NULL;
	}
	if (fd_pl_read(f->type, j, out, err, errlen) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

const char *
fd_jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}
