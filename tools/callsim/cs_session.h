/*
 * cs_session.h - the Media Streams WebSocket of one call, from the carrier's
 * side: a libwebsockets client on a drift-free 20 ms clock that sends the
 * caller's audio, plays the agent's audio out, echoes marks and runs the
 * scenario's turn-taking.  Talks only to the gateway's /twilio/media.
 */
#ifndef CALLSIM_SESSION_H
#define CALLSIM_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "cs_call.h"
#include "twilio.h"

struct reply_audio {
	int16_t *pcm; /* agent audio as played, 8 kHz */
	size_t n, cap;
	size_t *cuts; /* pcm offsets where a TTS segment
					   ended (its mark came due) or a
					   clear cut it: heard piece by piece */
	size_t ncuts, ccap;
};

struct session_plan {
	const struct scenario *sc;
	const struct call_opts *o;
	uint8_t **speech; /* per turn: caller mu-law or NULL */
	size_t *speech_n;
	char host[256]; /* gateway WebSocket endpoint */
	int port;
	int tls; /* wss:// (an https:// --gateway) */
	char path[512];
	char signature[64]; /* X-Twilio-Signature of the upgrade */
	const struct fd_form *params; /* <Parameter>s -> customParameters */
	struct reply_audio *replies; /* [0] greeting, [i+1] after turn i */
	struct said_line *lines; /* a persona's lines, spoken */
	size_t nlines;
	size_t start_turn; /* the first turn to play (a call back
					   from a transfer: the turns left) */
};

/* One of a persona's lines, synthesised before the call is dialled. */
struct said_line {
	const char *text;
	uint8_t *audio;
	size_t n;
};

/* Run the stream until either side ends it. */
void session_run(const struct session_plan *p, struct call_result *r);

/* Timing constants of the simulated caller (ms). */
#define SIM_IDLE_MS 700 /* agent quiet this long: it has finished */
#define SIM_BARGE_MS 800 /* barge-in this far into the agent's reply */
#define SIM_DTMF_GAP_MS 200 /* between digits of one dtmf turn */

#endif
