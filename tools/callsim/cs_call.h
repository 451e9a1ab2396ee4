/*
 * cs_call.h - one simulated phone call: callsim dials the gateway as Twilio
 * would (signed voice webhook, then a Media Streams WebSocket), plays the
 * scenario's caller, listens to the agent, and collects what happened.
 */
#ifndef CALLSIM_CALL_H
#define CALLSIM_CALL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "scenario.h"
#include "twilio.h"

struct call_opts {
	const char *gateway; /* http://127.0.0.1:8080 */
	const char *public_url; /* https://frontdesk.example.com */
	const char *token; /* Twilio auth token, NULL: unsigned */
	const char *api_token; /* FRONTDESK_API_TOKEN or NULL */
	int timeout_ms; /* whole call */
	int hangup_timeout_ms; /* after the last turn */
	int reply_timeout_ms; /* agent silent after a turn */
	int send_garbage; /* malformed Media Streams first */
	int hear; /* transcribe the agent */
	int verbose; /* live per-event log on stderr */
	int record_track; /* keep the caller's track (--record) */
	int duration_ms; /* >0: caller hangs up after this long
					   without failing (--load) */
	int quiet; /* no per-call progress lines */
	const char *cacert; /* CA file for an https:// gateway
					   (NULL: the system's) */
};

/* How the call is placed: NULL means an inbound call to /twilio/voice. */
struct call_setup {
	const char *direction; /* "outbound-api" */
	const char *webhook_url; /* public URL to POST (signed as is) */
	const char *from, *to; /* override the scenario's numbers */
	const char *call_sid; /* pre-assigned CallSid or NULL */
	const char *answered_by; /* AMD's AnsweredBy or NULL */
};

struct turn_result {
	char *heard; /* what the agent said after it */
	long latency_ms; /* -1: no reply measured */
	long start_ms, end_ms; /* caller's audio, stream clock */
	long bargein_ms; /* barge-in turn: first voiced frame
					   sent -> Twilio clear, -1 none */
	unsigned long frame0, frame1; /* caller track frames [frame0,
					   frame1) this turn sent */
	int done; /* the turn was carried out */
	int cutoff; /* the agent's audio started while this turn's
					   speech was still being sent (not a
					   barge-in turn): the caller was cut off */
	char *said; /* a persona's line (NULL: the
					   scenario's text) */
	char *cue; /* what the persona heard and
					   answered, and the ask it saw */
};

struct agent_seg {
	long start_ms, end_ms; /* agent audio played, stream clock */
};

struct call_result {
	char call_sid[40], account_sid[40], stream_sid[40];
	char hangup_by[8]; /* "agent" | "caller" | "" */
	char transfer_to[64];
	int transferred;
	char *greeting; /* heard before the first turn */
	struct turn_result *turns; /* one per scenario turn */
	size_t nturns;
	struct agent_seg *segs;
	size_t nsegs;
	long duration_ms;
	long answer_ms; /* stream start to first agent audio */
	unsigned media_rx, media_tx, marks_echoed, clears;
	/* outbound audio as received (load metrics): a run is the media
	 * frames between two marks; a gap > UNDERRUN_GAP_US inside a run is
	 * an underrun; jitter = |inter-arrival - 20 ms| inside a run */
	unsigned underruns;
	uint32_t *jitter_us;
	size_t njitter, jitter_cap;
	int cut_short; /* duration_ms reached: later turns
					   were not played (not a failure) */
	uint8_t *track; /* caller mu-law as sent, one 160-byte
					   frame per tick (record_track) */
	size_t track_n, track_cap;
	json_t *record; /* GET /api/v1/calls/{sid} or NULL */
	/* a transfer: the <Dial> TwiML the call was updated with, what the
	 * staff member heard, how it ended (bridged, declined, no-answer,
	 * busy, failed) and whether the call came back on a new stream */
	char *dial_twiml;
	char *whisper;
	char transfer_result[16];
	int resumed;
	int recorded; /* answered with <Record> */
	char **failures;
	size_t nfail;
};

/* Run the call to its end; failures (including expectations) land in r.
 * Thread-safe: calls may run in parallel. */
void call_run(const struct scenario *sc, const struct call_opts *o,
    const struct call_setup *setup, struct call_result *r);
void call_result_free(struct call_result *r);

#define UNDERRUN_GAP_US 40000 /* media inter-arrival mid-utterance */
void call_fail(struct call_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append k=v to a webhook form; 0 or -1 (out of memory). */
int call_form_add(struct fd_form *f, const char *k, const char *v);
/* The voice webhook's form as Twilio fills it for a call; 0 or -1. */
int call_form_voice(struct fd_form *f, const char *call_sid,
    const char *account_sid, const char *from, const char *to, const char *dir);
/* POST form to the gateway as the webhook of public URL pub, signed with
 * o->token, and read the TwiML answer (twiml_free it).  0 if it is a
 * <Connect><Stream>, -1 with err otherwise. */
struct twiml;
int call_webhook(const struct call_opts *o, const char *pub,
    const struct fd_form *f, struct twiml *tw, char *err, size_t errlen);
/* POST a signed webhook form to the gateway as the public URL pub and
 * read the TwiML answer, whatever it does (twiml_free it); 0, or -1 with
 * err. */
int call_post_twiml(const struct call_opts *o, const char *pub,
    const struct fd_form *f, struct twiml *tw, char *err, size_t errlen);
/* "/path?query" of an absolute URL ("/" if none). */
const char *call_url_path(const char *url);
/* Seed of scenario turn i's line impairments. */
unsigned call_seed(const struct scenario *sc, size_t i);
/* Random "<prefix>" + 32 lowercase hex (Twilio SIDs). */
void call_sid_make(const char *prefix, char out[40]);

/* Carrier side (cs_carrier.c): end a live call's stream because it was
 * transferred to number by the TwiML document twiml (kept for the <Dial>
 * that follows).  0 if the call was found. */
int call_transfer(const char *call_sid, const char *number, const char *twiml);
/* End a live call's stream (Status=completed).  0 if found. */
int call_complete(const char *call_sid);

#endif
