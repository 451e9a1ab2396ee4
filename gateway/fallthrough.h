/*
 * fallthrough.h - inbound calls the agent does not finish itself: the warm
 * transfer (the staff member hears who is calling and why, and takes or
 * declines the call), a transfer nobody takes (back to the agent on a new
 * Media Stream of the same call), and the voicemail box (<Record>, the
 * recording transcribed by stt-worker, then a message with a callback
 * job in crm-tools).
 *
 * The TwiML answers are built here; http.c routes the signed webhooks to
 * the fall_* handlers, carrier.c asks for the transfer's TwiML.
 */
#ifndef GW_FALLTHROUGH_H
#define GW_FALLTHROUGH_H

#include <stddef.h>

#include "proto/proto.h"
#include "twilio.h"

/* Where a webhook's TwiML answer goes: 0 with *xml set (caller frees), or
 * -1 (out of memory or a bad request; *status says which HTTP status). */
struct fall_reply {
	char *xml;
	unsigned status;
};

int fall_start(void);
void fall_stop(void);

/* carrier.c (any thread): the TwiML that transfers call sid to `to`,
 * remembering the summary the staff member will hear.  Caller frees;
 * NULL on out of memory. */
char *fall_transfer_twiml(const char *sid, const char *to, const char *summary);

/* http.c, service thread.  query_parent is the signed query's parent=. */
void fall_whisper(const struct fd_form *form, const char *query_parent,
    struct fall_reply *out);
void fall_whisper_key(const struct fd_form *form, const char *query_parent,
    struct fall_reply *out);
void fall_dial_action(const struct fd_form *form, struct fall_reply *out);
/* The voice webhook of an inbound call: 1 with out filled if the call
 * goes to the voicemail box (chosen by config, or the stack cannot
 * answer it), 0 to stream it to the agent. */
int fall_voicemail_box(const struct fd_form *form, struct fall_reply *out);
void fall_record_done(const struct fd_form *form, struct fall_reply *out);
/* The recording status callback: query from/to are the signed query's. */
void fall_recording(const struct fd_form *form, const char *from,
    const char *to, struct fall_reply *out);

/* gateway.c, bus thread: a TRANSCRIPT (a voicemail's words come back
 * this way). */
void fall_transcript(const struct fd_frame *f);

/* Pure (tested): how a <Dial> that the action callback reports ended.
 * declined: the staff member said no in the whisper.  NULL if the caller
 * was bridged (the call is over), else the word the agent gets:
 * declined, no-answer, busy, failed, canceled. */
const char *fall_dial_outcome(
    const char *dial_status, const char *bridged, int declined);

/* Pure (tested): a WAV file (8 kHz mono, 16-bit PCM or mu-law) as
 * mu-law; 0 with *out (malloc) and *n, -1 with err. */
int fall_wav_ulaw(const unsigned char *wav, size_t len, unsigned char **out,
    size_t *n, char *err, size_t errlen);

#endif
