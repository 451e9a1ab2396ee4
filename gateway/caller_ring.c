/*
 * caller_ring.c - a call's recent caller audio, numbered (caller_ring.h).
 * media_replay.c pushes every frame it publishes as AUDIO_IN and, when a new
 * stt-worker instance appears, reads back the frames it may have missed.
 */
#include <string.h>

#include "caller_ring.h"

void
cring_init(struct cring *r)
{
	r->next_ref = 1;
	r->head = 0;
	r->n = 0;
}

uint32_t
cring_push(struct cring *r, const uint8_t *audio, size_t len, uint64_t ts_us)
{
	struct cring_slot *s;

	if (len == 0 || len > CRING_FRAME)
		return 0;
	if (r->n < CRING_FRAMES)
		s = &r->s[(r->head + r->n++) % CRING_FRAMES];
	else {
		s = &r->s[r->head];
		r->head = (r->head + 1) % CRING_FRAMES;
	}
	s->ts_us = ts_us;
	s->ref = r->next_ref++;
	/* frame numbers never repeat in a call: 0 means "unnumbered" */
	if (r->next_ref == 0)
		r->next_ref = 1;
	s->len = (uint16_t)len;
	memcpy(s->audio, audio, len);
	return s->ref;
}

const struct cring_slot *
cring_at(const struct cring *r, size_t pos)
{
	return pos < r->n ? &r->s[(r->head + pos) % CRING_FRAMES] : NULL;
}

size_t
cring_since(const struct cring *r, uint64_t after_us, int *gap)
{
	size_t lo = 0, hi = r->n, mid;
	const struct cring_slot *first = cring_at(r, 0);

	/* arrival times only grow: the first frame past after_us */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cring_at(r, mid)->ts_us > after_us)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* frame 1 is gone (the ring wrapped) and even the oldest kept one
	 * came after after_us: some of what came between is lost */
	*gap = first != NULL && first->ref != 1 && lo == 0 &&
	    first->ts_us > after_us;
	return lo;
}

size_t
cring_run(const struct cring *r, size_t *pos, size_t max, uint8_t *out,
    uint32_t *ref, uint64_t *ts_us)
{
	const struct cring_slot *s;
	size_t n = 0, k = 0;

	while (k < max && (s = cring_at(r, *pos)) != NULL) {
		if (k == 0) {
			*ref = s->ref;
			*ts_us = s->ts_us;
		}
		memcpy(out + n, s->audio, s->len);
		n += s->len;
		k++;
		(*pos)++;
		if (s->len != CRING_FRAME)
			break; /* the receiver numbers a run by 160 bytes */
	}
	return n;
}
