/*
 * turn_end.h - how long a pause ends the caller's turn, from what the
 * caller has said so far (the decoder's partial hypothesis) and what the
 * agent asked for (its STT hint).  A whole answer to the question asked
 * ends the turn after a short silence; a turn that stops mid-phrase (a
 * trailing "and", "um", "my number is five five five", "I'd like to book
 * a") waits long; anything else waits the default.  Pure text rules: the
 * pocketsphinx engine calls it on every partial, tests feed it strings.
 */
#ifndef STT_TURN_END_H
#define STT_TURN_END_H

#include "vad.h"

enum turn_end {
	TURN_END_UNSURE = 0, /* the default endpoint */
	TURN_END_COMPLETE, /* a whole answer: the short endpoint */
	TURN_END_INCOMPLETE /* mid-phrase: the long endpoint */
};

/* How text (lower case words, single spaces, as the decoder gives them)
 * stands as an answer to what e asks for. */
enum turn_end turn_end_classify(enum vad_expect e, const char *text);

/* The silence (ms) that ends the turn now: c->short_endpoint_ms,
 * c->endpoint_ms or c->long_endpoint_ms by turn_end_classify. */
int turn_end_silence_ms(
    const struct vad_cfg *c, enum vad_expect e, const char *text);

/* The class's name for logs: "unsure", "complete", "incomplete". */
const char *turn_end_name(enum turn_end t);

#endif
