/*
 * load.h - load generation against a local stack: many callers at once
 * (--load: full calls through every daemon) or many bare Media Streams
 * (--streams: the gateway and bus only, callsim standing in for the
 * tts-worker).  Both refuse a gateway that is not on a loopback address
 * and print one JSON object.
 */
#ifndef CALLSIM_LOAD_H
#define CALLSIM_LOAD_H

#include "cs_call.h"

struct load_opts {
	int calls; /* concurrent calls / streams */
	int duration_s; /* how long the full load is held */
	int ramp_s; /* calls start spread over this */
	const char *report; /* JSON file, NULL: stdout */
	const char *tts_pub; /* --streams: address to publish
					   AUDIO_OUT on (the gateway dials
					   the tts-worker's pub) */
	int inbound; /* --streams: also send caller audio */
	int watch_pid; /* --streams: report this process's CPU over
					   the measured window too (0: none) */
};

/* 1 if url's host is 127.0.0.0/8, ::1 or localhost. */
int load_gateway_is_loopback(const char *url);
/* 0: all calls ok, 1: some failed, 2: refused or could not start. */
int load_run(const struct call_opts *o, const struct load_opts *lo);
int streams_run(const struct call_opts *o, const struct load_opts *lo);

#endif
