/*
 * agent_spec.h - a speculative reply: the brain's answer to the caller's
 * words prepared while stt-worker still waits for the end of the turn,
 * from its stable hypothesis (TRANSCRIPT stable, the decoder's final
 * passes during the end-of-turn silence).  The brain runs on a copy of
 * the call's brain_call with a core that only records what it would do;
 * the reply's first utterance goes to tts-worker held (SAY hold), so its
 * first sentence is synthesised but nothing is played.  When the final
 * comes with the same words the copy becomes the call's state and what
 * was recorded is done, the held utterance released (SAY_RELEASE);
 * otherwise everything is dropped (SAY_CANCEL) and the final is answered
 * as usual.
 *
 * Nothing leaves a speculation but reads: a tool not on the read-only
 * list (spec_read_only_tool: a booking, a cancel, a message, a
 * verification, the caller's identity) stops it, unexecuted, and the
 * turn waits for its final.  The module talks to no process itself: the
 * core hands it a struct spec_io (agent_call.c publishes; the unit test
 * records).
 */
#ifndef AGENT_SPEC_H
#define AGENT_SPEC_H

#include <stdint.h>
#include <jansson.h>

#include "brain.h"

/* What a speculation needs from the core; arg is the core's. */
struct spec_io {
	/* Send text as a new utterance held at tts-worker; its utterance
	 * id, 0 if it could not be sent. */
	uint32_t (*hold)(void *arg, const char *text, int close);
	/* Drop held utterance utt. */
	void (*cancel)(void *arg, uint32_t utt);
	/* Play held utterance utt, as the core's say(text, close) would
	 * have played it. */
	void (*release)(void *arg, uint32_t utt, const char *text, int close);
	/* A read-only crm-tools tool (args stolen): the reply, or NULL. */
	json_t *(*tool)(void *arg, const char *name, json_t *args);
};

struct spec;

/* Run brain b's on_utterance for the hypothesis (text, conf, the
 * recogniser's nbest and words, its audio starting at start_ms) on a
 * copy of real.  real is not touched; real's core is asked only for the
 * time.  NULL if out of memory.  b must have brain_ops.speculative. */
struct spec *spec_run(const struct brain_ops *b, const struct brain_call *real,
    const struct spec_io *io, void *io_arg, const char *text, double conf,
    int64_t start_ms, const json_t *nbest, const json_t *words);
/* 1 if the final (text, conf, start_ms) is the hypothesis s was run on
 * (same normalised words, same audio start, same confidence) and s ran
 * to its end (no write tool stopped it). */
int spec_matches(
    const struct spec *s, const char *text, double conf, int64_t start_ms);
/* Why s cannot be committed ("" if it can): the tool that stopped it. */
const char *spec_stopped(const struct spec *s);
/* Commit s to real: its call state becomes real's, and what the brain
 * did is done through real's core in order (the held utterance
 * released).  Frees s. */
void spec_commit(struct spec *s, struct brain_call *real);
/* Drop s: its held utterance cancelled, nothing of it kept.  Frees s. */
void spec_drop(struct spec *s, const char *why);

/* 1 if tool only reads (safe to run on a hypothesis). */
int spec_read_only_tool(const char *name);
/* text's words, lower case, letters and digits only, one space apart. */
void spec_normalise(const char *text, char *out, size_t len);

#endif
