/*
 * media_msg.c - defensive parsing of Twilio Media Streams messages.
 * Twilio (or whatever connects to /twilio/media) is outside our control:
 * every field is type-checked and bounded before the gateway acts on it.
 *
 * `media` messages (50 a second per call) first go through a small scanner
 * that accepts only the exact shape Twilio sends -- one flat object of
 * known string fields plus the "media" object, no escapes, nothing outside
 * printable ASCII, no repeated key.  Anything else, valid or not, falls
 * through to the full jansson parse, so both paths give the same answers;
 * the scanner just skips building a JSON tree for every audio frame.
 */
#include <stdio.h>
#include <string.h>

#include "media_msg.h"
#include "twilio.h"

static const struct {
	const char *name;
	enum media_event ev;
} events[] = {
    {"connected", MEDIA_CONNECTED},
    {"start", MEDIA_START},
    {"media", MEDIA_MEDIA},
    {"dtmf", MEDIA_DTMF},
    {"mark", MEDIA_MARK},
    {"stop", MEDIA_STOP},
};

const char *
media_event_name(enum media_event e)
{
	size_t i;

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (events[i].ev == e)
			return events[i].name;
	return "unknown";
}

/* Stream and call sids are short ids of letters, digits, '_' and '-'. */
static int
sid_ok(const char *s, size_t cap)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= cap)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		        (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static const char *
str_field(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int
parse_start(json_t *root, struct media_msg *m, char *err, size_t errlen)
{
	json_t *st, *cp, *mf, *v;
	const char *s, *k;

	if (!json_is_object(st = json_object_get(root, "start"))) {
		snprintf(err, errlen, "start: no start object");
		return -1;
	}
	if ((s = str_field(st, "callSid")) == NULL ||
	    !sid_ok(s, sizeof(m->call_sid)) || !fd_call_id_valid(s)) {
		snprintf(err, errlen, "start: missing or bad callSid");
		return -1;
	}
	snprintf(m->call_sid, sizeof(m->call_sid), "%s", s);
	if (m->stream_sid[0] == '\0' && (s = str_field(st, "streamSid")) &&
	    sid_ok(s, sizeof(m->stream_sid)))
		snprintf(m->stream_sid, sizeof(m->stream_sid), "%s", s);
	if (m->stream_sid[0] == '\0') {
		snprintf(err, errlen, "start: missing or bad streamSid");
		return -1;
	}
	if ((mf = json_object_get(st, "mediaFormat")) != NULL) {
		json_t *rate = json_object_get(mf, "sampleRate");
		json_t *ch = json_object_get(mf, "channels");

		s = str_field(mf, "encoding");
		if (!json_is_object(mf) || (s && strcmp(s, "audio/x-mulaw")) ||
		    (rate && json_integer_value(rate) != 8000) ||
		    (ch && json_integer_value(ch) != 1)) {
			snprintf(err, errlen, "start: unsupported mediaFormat");
			return -1;
		}
	}
	if ((m->params = json_object()) == NULL) {
		snprintf(err, errlen, "start: out of memory");
		return -1;
	}
	cp = json_object_get(st, "customParameters");
	if (cp != NULL && !json_is_object(cp)) {
		snprintf(err, errlen, "start: customParameters not an object");
		json_decref(m->params);
		m->params = NULL;
		return -1;
	}
	json_object_foreach(cp, k, v)
	{
		/* strings only, bounded: they end up in CALL_START */
		if (json_is_string(v) && strlen(k) < 64 &&
		    json_string_length(v) < 1024)
			json_object_set(m->params, k, v);
	}
	return 0;
}

static int
parse_media(json_t *root, struct media_msg *m, char *err, size_t errlen)
{
	json_t *md;
	const char *payload, *track;
	size_t plen;
	long n;

	if (!json_is_object(md = json_object_get(root, "media"))) {
		snprintf(err, errlen, "media: no media object");
		return -1;
	}
	track = str_field(md, "track");
	if (json_object_get(md, "track") && track == NULL) {
		snprintf(err, errlen, "media: track is not a string");
		return -1;
	}
	m->inbound = track == NULL || strcmp(track, "inbound") == 0 ||
	    strcmp(track, "inbound_track") == 0;
	if ((payload = str_field(md, "payload")) == NULL) {
		snprintf(err, errlen, "media: missing payload");
		return -1;
	}
	plen = json_string_length(json_object_get(md, "payload"));
	if (plen == 0 || plen > (MEDIA_MAX_AUDIO / 3) * 4) {
		snprintf(err, errlen, "media: payload of %zu chars", plen);
		return -1;
	}
	n = fd_b64_decode(payload, plen, m->audio, sizeof(m->audio));
	if (n <= 0) {
		snprintf(err, errlen, "media: payload is not valid base64");
		return -1;
	}
	m->audio_len = (size_t)n;
	return 0;
}

static int
parse_dtmf(json_t *root, struct media_msg *m, char *err, size_t errlen)
{
	const char *d = str_field(json_object_get(root, "dtmf"), "digit");

	if (d == NULL || strlen(d) != 1 ||
	    strchr("0123456789*#ABCD", d[0]) == NULL) {
		snprintf(err, errlen, "dtmf: missing or bad digit");
		return -1;
	}
	m->digit[0] = d[0];
	m->digit[1] = '\0';
	return 0;
}

static int
parse_mark(json_t *root, struct media_msg *m, char *err, size_t errlen)
{
	const char *s = str_field(json_object_get(root, "mark"), "name");

	if (s == NULL || s[0] == '\0' || strlen(s) >= sizeof(m->name)) {
		snprintf(err, errlen, "mark: missing or bad name");
		return -1;
	}
	snprintf(m->name, sizeof(m->name), "%s", s);
	return 0;
}

/* The fast path's view of a media message: spans into the text. */
struct fast_str {
	const char *p;
	size_t n;
	int set;
};

struct fast_media {
	struct fast_str event, seq, sid, track, chunk, ts, payload;
};

static void
skip_ws(const char **p, const char *end)
{
	while (*p < end &&
	    (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r'))
		(*p)++;
}

/* A string with no escapes and only printable ASCII.  lax: up to the
 * next quote, unchecked -- for the payload, whose every character the
 * base64 decoder checks anyway (an escape, a control or non-ASCII byte
 * fails it and the message goes to the full parser). */
static int
fast_string(const char **p, const char *end, struct fast_str *out, int lax)
{
	const char *q;

	if (*p >= end || **p != '"')
		return -1;
	(*p)++;
	if (lax)
		q = memchr(*p, '"', (size_t)(end - *p));
	else
		for (q = *p; q < end && *q != '"'; q++)
			if (*q == '\\' || (unsigned char)*q < 0x20 ||
			    (unsigned char)*q >= 0x7f)
				return -1;
	if (q == NULL || q >= end)
		return -1;
	out->p = *p;
	out->n = (size_t)(q - *p);
	*p = q + 1;
	return 0;
}

static int
key_is(const struct fast_str *k, const char *name)
{
	return k->n == strlen(name) && memcmp(k->p, name, k->n) == 0;
}

/* "key": "value" into the slot named by key; -1 on anything unexpected
 * (unknown key, repeated key, not a string). */
static int
fast_member(const char **p, const char *end, const struct fast_str *key,
    const char *const *names, struct fast_str *const *slots)
{
	size_t i;

	for (i = 0; names[i]; i++)
		if (key_is(key, names[i]))
			break;
	if (names[i] == NULL || slots[i]->set)
		return -1;
	if (fast_string(p, end, slots[i], strcmp(names[i], "payload") == 0) !=
	    0)
		return -1;
	slots[i]->set = 1;
	return 0;
}

/* { "k": "v", ... } with keys from names; the "media" key, when allowed,
 * holds the nested object. */
static int
fast_object(const char **p, const char *end, struct fast_media *fm, int top)
{
	static const char *const top_names[] = {
	    "event", "sequenceNumber", "streamSid", NULL};
	static const char *const media_names[] = {
	    "track", "chunk", "timestamp", "payload", NULL};
	struct fast_str *const top_slots[] = {&fm->event, &fm->seq, &fm->sid};
	struct fast_str *const media_slots[] = {
	    &fm->track, &fm->chunk, &fm->ts, &fm->payload};
	struct fast_str key;
	int media_seen = 0;

	skip_ws(p, end);
	if (*p >= end || **p != '{')
		return -1;
	(*p)++;
	for (;;) {
		skip_ws(p, end);
		if (fast_string(p, end, &key, 0) != 0)
			return -1;
		skip_ws(p, end);
		if (*p >= end || **p != ':')
			return -1;
		(*p)++;
		skip_ws(p, end);
		if (top && key_is(&key, "media")) {
			if (media_seen++ || fast_object(p, end, fm, 0) != 0)
				return -1;
		} else if (fast_member(p, end, &key,
		               top ? top_names : media_names,
		               top ? top_slots : media_slots) != 0)
			return -1;
		skip_ws(p, end);
		if (*p < end && **p == ',') {
			(*p)++;
			continue;
		}
		if (*p < end && **p == '}') {
			(*p)++;
			return top && !media_seen ? -1 : 0;
		}
		return -1;
	}
}

/* 1 if text is a well-formed inbound media message and m is filled; 0 to
 * let the full parser decide (it also writes the error messages). */
static int
parse_media_fast(const char *text, size_t len, struct media_msg *m)
{
	struct fast_media fm;
	const char *p = text, *end = text + len;
	long n;

	memset(&fm, 0, sizeof(fm));
	if (fast_object(&p, end, &fm, 1) != 0)
		return 0;
	skip_ws(&p, end);
	if (p != end || !key_is(&fm.event, "media") || !fm.sid.set ||
	    !fm.payload.set || fm.sid.n == 0 || fm.sid.n >= MEDIA_SID_LEN ||
	    fm.payload.n == 0 || fm.payload.n > (MEDIA_MAX_AUDIO / 3) * 4)
		return 0;
	memcpy(m->stream_sid, fm.sid.p, fm.sid.n);
	m->stream_sid[fm.sid.n] = '\0';
	if (!sid_ok(m->stream_sid, sizeof(m->stream_sid)))
		return 0;
	n = fd_b64_decode(
	    fm.payload.p, fm.payload.n, m->audio, sizeof(m->audio));
	if (n <= 0)
		return 0;
	m->audio_len = (size_t)n;
	m->inbound = !fm.track.set || key_is(&fm.track, "inbound") ||
	    key_is(&fm.track, "inbound_track");
	m->event = MEDIA_MEDIA;
	return 1;
}

int
media_msg_parse(
    const char *text, size_t len, struct media_msg *m, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;
	const char *ev, *sid;
	size_t i;
	int rv = -1;

	m->event = 0;
	m->stream_sid[0] = m->call_sid[0] = m->digit[0] = m->name[0] = '\0';
	m->params = NULL;
	m->audio_len = 0;
	m->inbound = 0;
	if (len > MEDIA_MAX_MSG) {
		snprintf(err, errlen, "message of %zu bytes is too large", len);
		return -1;
	}
	if (parse_media_fast(text, len, m))
		return 0;
	m->stream_sid[0] = '\0';
	m->audio_len = 0;
	m->inbound = 0;
	if ((root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL) {
		snprintf(err, errlen, "bad JSON: %s", je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "not a JSON object");
		goto out;
	}
	if ((ev = str_field(root, "event")) == NULL) {
		snprintf(err, errlen, "no event");
		goto out;
	}
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (strcmp(ev, events[i].name) == 0)
			m->event = events[i].ev;
	if (m->event == 0) {
		snprintf(err, errlen, "unknown event '%.32s'", ev);
		goto out;
	}
	sid = str_field(root, "streamSid");
	if (json_object_get(root, "streamSid") != NULL &&
	    (sid == NULL || !sid_ok(sid, sizeof(m->stream_sid)))) {
		snprintf(err, errlen, "%s: bad streamSid", ev);
		goto out;
	}
	if (sid)
		snprintf(m->stream_sid, sizeof(m->stream_sid), "%s", sid);
	else if (m->event != MEDIA_CONNECTED && m->event != MEDIA_START) {
		snprintf(err, errlen, "%s: missing streamSid", ev);
		goto out;
	}
	switch (m->event) {
	case MEDIA_CONNECTED:
	case MEDIA_STOP:
		rv = 0;
		break;
	case MEDIA_START:
		rv = parse_start(root, m, err, errlen);
		break;
	case MEDIA_MEDIA:
		rv = parse_media(root, m, err, errlen);
		break;
	case MEDIA_DTMF:
		rv = parse_dtmf(root, m, err, errlen);
		break;
	case MEDIA_MARK:
		rv = parse_mark(root, m, err, errlen);
		break;
	}
out:
	json_decref(root);
	return rv;
}

void
media_msg_clear(struct media_msg *m)
{
	json_decref(m->params);
	m->params = NULL;
}
