/*
 * cs_fall.c - the carrier's side of calls that fall through the agent, as
 * Twilio plays them (protocols.md 1.3, 1.4, 2).
 *
 * A transfer: the gateway updated the call with <Dial action><Number
 * url>.  The staff member (the scenario's "staff") may not answer, be
 * busy or fail; if they answer, the <Number url> is fetched as their leg's
 * webhook (signed, CallSid of the new leg, ParentCallSid of the caller's)
 * and its <Say> is what they hear; a <Gather> gets their key (1 accept, 2
 * decline, none) posted to its action, and an answer that hangs up leaves
 * the caller unbridged.  Then the <Dial action> gets DialCallStatus,
 * DialBridged and DialCallDuration; if it answers <Connect><Stream>, the
 * caller goes on with the turns left on a new Media Stream of the same
 * call.
 *
 * The voicemail box: the caller's turns, back to back, are the recording:
 * kept as a WAV (8 kHz 16-bit, as Twilio serves RecordingUrl) that the
 * carrier REST port serves, then the <Record action> and the signed
 * recordingStatusCallback with RecordingUrl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "cs_carrier.h"
#include "cs_fall.h"
#include "log.h"
#include "mulaw.h"

/* The caller's leg's webhook form, as the action requests carry it. */
static int
leg_form(struct fd_form *f, const char *sid, const char *acct, const char *from,
    const char *to, const char *dir)
{
	return call_form_voice(f, sid, acct, from, to, dir);
}

static void
set_result(struct call_result *r, const char *what)
{
	snprintf(r->transfer_result, sizeof(r->transfer_result), "%s", what);
}

/* The staff member's leg: whisper, key; 1 bridged, 0 not. */
static int
staff_leg(const struct scenario *sc, const struct call_opts *o,
    struct call_result *r, const struct twiml *dial)
{
	const char *staff = sc->staff ? sc->staff : "accept";
	struct fd_form f = {NULL, 0};
	struct twiml w, k;
	char leg[40], err[512];
	int bridged = 0;

	if (dial->number_url == NULL)
		return 1; /* a plain <Dial>: answered, bridged */
	call_sid_make("CA", leg);
	if (leg_form(&f, leg, r->account_sid, sc->from, dial->dial,
	        "outbound-dial") ||
	    call_form_add(&f, "ParentCallSid", r->call_sid)) {
		call_fail(r, "out of memory");
		fd_form_free(&f);
		return 0;
	}
	if (call_post_twiml(o, dial->number_url, &f, &w, err, sizeof(err)) !=
	    0) {
		call_fail(r, "whisper: %s", err);
		fd_form_free(&f);
		return 0;
	}
	if (w.say)
		r->whisper = strdup(w.say);
	log_info(r->call_sid, "carrier: staff %s heard \"%s\" (%s)", dial->dial,
	    w.say ? w.say : "", staff);
	if (w.gather_action == NULL)
		bridged = !w.hangup; /* no question: bridged unless it hangs
					   up */
	else if (strcmp(staff, "no-key") == 0)
		bridged = 0; /* the <Gather> times out, <Hangup/> */
	else {
		if (call_form_add(&f, "Digits",
		        strcmp(staff, "accept") == 0 ? "1" : "2") ||
		    call_post_twiml(
		        o, w.gather_action, &f, &k, err, sizeof(err)) != 0) {
			call_fail(r, "whisper key: %s", err);
			bridged = 0;
		} else {
			bridged = !k.hangup;
			twiml_free(&k);
		}
	}
	twiml_free(&w);
	fd_form_free(&f);
	return bridged;
}

void
fall_dial(const struct scenario *sc, const struct call_opts *o,
    struct session_plan *p, struct call_result *r)
{
	const char *staff = sc->staff ? sc->staff : "accept", *st;
	struct fd_form f = {NULL, 0};
	struct twiml dial, back;
	char err[512], dsid[40];
	int bridged = 0, ring;
	size_t i;

	if (twiml_parse(r->dial_twiml, &dial, err, sizeof(err)) != 0 ||
	    dial.dial == NULL) {
		call_fail(r, "transfer TwiML: %s", err);
		return;
	}
	ring = dial.dial_timeout_s > 0 && dial.dial_timeout_s < 2
	    ? dial.dial_timeout_s
	    : 2;
	if (strcmp(staff, "no-answer") == 0) {
		/* rings out: <Dial timeout>, shortened */
		fd_sleep_us((uint64_t)ring * 1000000u);
		st = "no-answer";
	} else if (strcmp(staff, "busy") == 0)
		st = "busy";
	else if (strcmp(staff, "fail") == 0)
		st = "failed";
	else {
		fd_sleep_us(300000);
		bridged = staff_leg(sc, o, r, &dial);
		st = "completed";
	}
	set_result(r,
	    bridged                            ? "bridged"
	        : strcmp(st, "completed") == 0 ? "declined"
	                                       : st);
	log_info(r->call_sid, "carrier: <Dial> %s: %s", dial.dial,
	    r->transfer_result);
	if (dial.dial_action == NULL) {
		twiml_free(&dial);
		return;
	}
	call_sid_make("CA", dsid);
	if (leg_form(
	        &f, r->call_sid, r->account_sid, sc->from, sc->to, "inbound") ||
	    call_form_add(&f, "DialCallStatus", st) ||
	    call_form_add(&f, "DialCallSid", dsid) ||
	    call_form_add(&f, "DialCallDuration", bridged ? "3" : "0") ||
	    call_form_add(&f, "DialBridged", bridged ? "true" : "false")) {
		call_fail(r, "out of memory");
		goto out;
	}
	if (call_post_twiml(o, dial.dial_action, &f, &back, err, sizeof(err)) !=
	    0) {
		call_fail(r, "<Dial action>: %s", err);
		goto out;
	}
	if (back.stream_url && call_plan_stream(o, &back, p, r) == 0) {
		/* back to the agent: the turns left, on a new stream */
		for (i = 0; i < sc->nturns && r->turns[i].done; i++)
			;
		p->start_turn = i;
		r->resumed = 1;
		r->hangup_by[0] = '\0';
		call_sid_make("MZ", r->stream_sid);
		log_info(r->call_sid,
		    "carrier: back to the gateway's stream, "
		    "from turn %zu",
		    i);
		session_run(p, r);
	} else if (!back.hangup)
		call_fail(r,
		    "<Dial action> answered neither a stream nor a "
		    "hang-up");
	twiml_free(&back);
out:
	fd_form_free(&f);
	twiml_free(&dial);
}

/* mu-law -> a WAV file of 8 kHz mono 16-bit PCM (malloc). */
static unsigned char *
wav_of(const uint8_t *ulaw, size_t n, size_t *len)
{
	unsigned char *w;
	uint32_t v;
	size_t i, o = 0;

	*len = 44 + 2 * n;
	if ((w = malloc(*len)) == NULL)
		return NULL;
#define PUT32(x)                                                               \
	do {                                                                   \
		v = (uint32_t)(x);                                             \
		w[o] = v & 255;                                                \
		w[o + 1] = (v >> 8) & 255;                                     \
		w[o + 2] = (v >> 16) & 255;                                    \
		w[o + 3] = v >> 24;                                            \
		o += 4;                                                        \
	} while (0)
#define PUT16(x)                                                               \
	do {                                                                   \
		w[o++] = (x)&255;                                              \
		w[o++] = ((x) >> 8) & 255;                                     \
	} while (0)
	memcpy(w, "RIFF", 4);
	o = 4;
	PUT32(36 + 2 * n);
	memcpy(w + o, "WAVEfmt ", 8);
	o += 8;
	PUT32(16);
	PUT16(1);
	PUT16(1);
	PUT32(8000);
	PUT32(16000);
	PUT16(2);
	PUT16(16);
	memcpy(w + o, "data", 4);
	o += 4;
	PUT32(2 * n);
	for (i = 0; i < n; i++) {
		int16_t s = fd_ulaw_decode(ulaw[i]);

		PUT16((uint16_t)s);
	}
#undef PUT32
#undef PUT16
	return w;
}

void
fall_record(const struct scenario *sc, const struct call_opts *o,
    struct session_plan *p, struct call_result *r, const struct twiml *tw)
{
	struct fd_form f = {NULL, 0};
	struct twiml ans;
	unsigned char *wav;
	uint8_t *msg = NULL;
	size_t i,
	    n = 0,
	    max =
	        (size_t)(tw->record_max_s > 0 ? tw->record_max_s : 3600) * 8000,
	    wlen;
	char rsid[40], url[512], dur[24], err[512], start[64];
	time_t now = time(NULL);
	struct tm tm;

	r->recorded = 1;
	log_info(r->call_sid,
	    "carrier: the gateway answered <Record> (heard: "
	    "\"%s\")",
	    tw->say ? tw->say : "");
	if (tw->say)
		r->greeting = strdup(tw->say);
	/* the caller's turns, back to back (each then counts as done) */
	for (i = 0; i < sc->nturns; i++) {
		uint8_t *nm;
		size_t k = p->speech_n[i];

		r->turns[i].done = 1;
		if (p->speech[i] == NULL || n >= max)
			continue;
		if (n + k > max)
			k = max - n;
		if ((nm = realloc(msg, n + k + 4000)) == NULL)
			break;
		msg = nm;
		memcpy(msg + n, p->speech[i], k);
		n += k;
		memset(msg + n, FD_ULAW_SILENCE, 4000); /* a breath */
		n += 4000;
	}
	if (msg == NULL || (wav = wav_of(msg, n, &wlen)) == NULL) {
		call_fail(r, "voicemail: nothing to record");
		free(msg);
		return;
	}
	free(msg);
	if (carrier_recording_put(
	        r->account_sid, wav, wlen, rsid, url, sizeof(url)) != 0) {
		call_fail(r,
		    "voicemail: the carrier REST port (--carrier-port) "
		    "must run to serve the recording");
		free(wav);
		return;
	}
	/* the caller talks for as long as the message lasts, capped */
	fd_sleep_us((uint64_t)(n / 8 < 3000 ? n / 8 : 3000) * 1000u);
	snprintf(dur, sizeof(dur), "%zu", (n + 7999) / 8000);
	snprintf(r->hangup_by, sizeof(r->hangup_by), "caller");
	if (tw->record_action) {
		if (leg_form(&f, r->call_sid, r->account_sid, sc->from, sc->to,
		        "inbound") ||
		    call_form_add(&f, "RecordingUrl", url) ||
		    call_form_add(&f, "RecordingDuration", dur) ||
		    call_form_add(&f, "Digits", "hangup"))
			call_fail(r, "out of memory");
		else if (call_post_twiml(o, tw->record_action, &f, &ans, err,
		             sizeof(err)) != 0)
			call_fail(r, "<Record action>: %s", err);
		else
			twiml_free(&ans);
		fd_form_free(&f);
	}
	if (tw->record_cb == NULL) {
		call_fail(r, "<Record> without recordingStatusCallback");
		return;
	}
	gmtime_r(&now, &tm);
	strftime(start, sizeof(start), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (call_form_add(&f, "AccountSid", r->account_sid) ||
	    call_form_add(&f, "CallSid", r->call_sid) ||
	    call_form_add(&f, "RecordingSid", rsid) ||
	    call_form_add(&f, "RecordingUrl", url) ||
	    call_form_add(&f, "RecordingStatus", "completed") ||
	    call_form_add(&f, "RecordingDuration", dur) ||
	    call_form_add(&f, "RecordingChannels", "1") ||
	    call_form_add(&f, "RecordingStartTime", start) ||
	    call_form_add(&f, "RecordingSource", "RecordVerb") ||
	    call_form_add(&f, "RecordingTrack", "inbound"))
		call_fail(r, "out of memory");
	else if (call_post_twiml(
	             o, tw->record_cb, &f, &ans, err, sizeof(err)) != 0 &&
	    strstr(err, "HTTP 204") == NULL)
		call_fail(r, "recordingStatusCallback: %s", err);
	else
		twiml_free(&ans);
	fd_form_free(&f);
}
