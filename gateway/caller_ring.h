/*
 * caller_ring.h - the last seconds of one call's caller audio, numbered.
 *
 * media_replay.c keeps one ring per call: every AUDIO_IN frame it
 * publishes is kept here with its frame number (the AUDIO_IN ref) and
 * arrival time, so that a restarted stt-worker can be sent again what the
 * caller said while it was down (FD_F_REPLAY, docs/ARCHITECTURE.md).
 * The ring is one fixed allocation: a call keeps at most CRING_FRAMES
 * frames, the oldest overwritten first.  Owned by one thread (the lws
 * service thread).
 */
#ifndef GW_CALLER_RING_H
#define GW_CALLER_RING_H

#include <stddef.h>
#include <stdint.h>

#define CRING_FRAME 160 /* bytes of mu-law per frame (20 ms) */
#define CRING_FRAMES 1000 /* 20 s of audio */

struct cring_slot {
	uint64_t ts_us; /* arrival, fd_mono_us() */
	uint32_t ref; /* frame number in the call, from 1 */
	uint16_t len; /* 1..CRING_FRAME */
	uint8_t audio[CRING_FRAME];
};

struct cring {
	uint32_t next_ref; /* number of the next frame kept */
	size_t head; /* oldest slot */
	size_t n; /* slots in use */
	struct cring_slot s[CRING_FRAMES];
};

void cring_init(struct cring *r);
/* Keep len (1..CRING_FRAME) bytes that arrived at ts_us; returns the
 * frame's number (0 if len is out of range: nothing kept). */
uint32_t cring_push(
    struct cring *r, const uint8_t *audio, size_t len, uint64_t ts_us);
/* Position (0 = oldest kept) of the first frame that arrived after
 * after_us; r->n if none.  *gap is set to 1 when frames that arrived
 * after after_us were already overwritten (they cannot be sent again). */
size_t cring_since(const struct cring *r, uint64_t after_us, int *gap);
/* The frame at position pos (0 = oldest), or NULL. */
const struct cring_slot *cring_at(const struct cring *r, size_t pos);
/* Copy consecutive frames from *pos into out (room for max frames) as
 * one run: full CRING_FRAME frames only, except that a run may end with
 * a short one.  *ref and *ts_us get the first frame's; *pos moves past
 * the run.  Returns the bytes copied, 0 when *pos is at the end. */
size_t cring_run(const struct cring *r, size_t *pos, size_t max, uint8_t *out,
    uint32_t *ref, uint64_t *ts_us);

#endif
