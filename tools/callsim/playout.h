/*
 * playout.h - the caller's side of the phone line for audio the stack
 * sends: a FIFO of mu-law bytes played 160 bytes (20 ms) per tick, and the
 * marks queued between them.  A mark is due once every byte queued before
 * it has been played; `clear` drops the audio and makes every mark due at
 * once, as Twilio does.  Pure logic, driven by the call's 20 ms clock.
 */
#ifndef CALLSIM_PLAYOUT_H
#define CALLSIM_PLAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define PLAYOUT_MARK_NAME 64

struct playout_mark {
	char name[PLAYOUT_MARK_NAME];
	uint64_t at; /* in_total when it was queued */
};

struct playout {
	uint8_t *buf; /* ring of queued audio */
	size_t cap, head, len;
	uint64_t in_total; /* bytes ever queued */
	uint64_t out_total; /* bytes played or dropped */
	struct playout_mark *marks; /* FIFO of marks not yet echoed */
	size_t nmarks, mcap;
};

void playout_init(struct playout *p);
void playout_free(struct playout *p);
/* Queue audio / a mark.  -1 on out of memory (nothing queued). */
int playout_push(struct playout *p, const uint8_t *audio, size_t n);
int playout_mark(struct playout *p, const char *name);
/* Play one 20 ms tick: copy up to 160 bytes into out; returns how many
 * (0 when idle).  */
size_t playout_play(struct playout *p, uint8_t *out);
/* Pop the oldest mark that is due into name; 1 if one was popped. */
int playout_due_mark(struct playout *p, char *name, size_t len);
/* Drop every queued byte; all outstanding marks become due. */
void playout_clear(struct playout *p);
size_t playout_queued(const struct playout *p);

#endif
