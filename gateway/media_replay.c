/*
 * media_replay.c - the caller's audio of a Media Streams call: published
 * to stt-worker as AUDIO_IN and kept, numbered, so that a restarted
 * stt-worker misses nothing.
 *
 * Each call keeps its last seconds of caller audio, numbered
 * (caller_ring.c), and knows from stt-worker's final transcripts up to
 * when its audio is settled.  When a new stt-worker instance hears
 * everyone (gateway.c, media_stt_ready), each call, on the service thread
 * and before its next live frame, sends again what came after that point,
 * marked FD_F_REPLAY.
 */
#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "gateway.h"
#include "log.h"
#include "media_int.h"

#define REPLAY_RUN 25 /* frames per replayed AUDIO_IN (0.5 s) */

/* bumped (atomic) each time a new stt-worker instance hears everyone */
unsigned stt_gen;

void
media_stt_ready(void)
{
	__atomic_add_fetch(&stt_gen, 1, __ATOMIC_RELEASE);
}

void
media_stt_transcript(const struct fd_frame *f)
{
	struct fd_pl_transcript t;
	struct gw_call *c;
	int64_t end;
	json_t *j;

	if ((j = fd_bus_read_transcript(f, &t)) == NULL)
		return;
	/* interim results change nothing */
	end = t.final ? t.speech_end_us : 0;
	json_decref(j);
	if (end <= 0)
		return;
	pthread_mutex_lock(&gw_lock);
	if ((c = find_locked(f->call_id)) != NULL &&
	    (uint64_t)end > c->stt_settled_us)
		c->stt_settled_us = (uint64_t)end;
	pthread_mutex_unlock(&gw_lock);
}

/* Publish the caller's audio as AUDIO_IN, CRING_FRAME bytes a frame, each
 * numbered and kept in the call's ring. */
void
audio_in(struct gw_call *c, const uint8_t *audio, size_t len)
{
	struct fd_frame h;
	size_t n;

	memset(&h, 0, sizeof(h));
	h.type = FD_MSG_AUDIO_IN;
	memcpy(h.call_id, c->call_id, sizeof(h.call_id));
	for (; len > 0; audio += n, len -= n) {
		n = len < CRING_FRAME ? len : CRING_FRAME;
		h.ts_us = fd_mono_us();
		h.ref = cring_push(&c->ring, audio, n, h.ts_us);
		rec_caller(c->rec, h.ref, audio, n, h.ts_us);
		fd_bus_publish_hdr(&gw_bus, &h, audio, n);
	}
}

/* A new stt-worker instance hears everyone: send it again, ahead of the
 * next live frame, the caller audio its predecessor had not finished
 * (every frame after the last final transcript's speech end), in runs
 * marked FD_F_REPLAY with their original numbers and arrival times.
 * stt-worker drops the frames it already has. */
void
replay(struct gw_call *c)
{
	uint8_t buf[REPLAY_RUN * CRING_FRAME];
	const struct cring_slot *first;
	struct fd_frame h;
	uint64_t after, now = fd_mono_us();
	size_t pos, start, n;
	int gap;

	c->replayed_gen = __atomic_load_n(&stt_gen, __ATOMIC_ACQUIRE);
	pthread_mutex_lock(&gw_lock);
	after = c->stt_settled_us;
	pthread_mutex_unlock(&gw_lock);
	start = pos = cring_since(&c->ring, after, &gap);
	if ((first = cring_at(&c->ring, pos)) == NULL)
		return;
	memset(&h, 0, sizeof(h));
	h.type = FD_MSG_AUDIO_IN;
	h.flags = FD_F_REPLAY;
	memcpy(h.call_id, c->call_id, sizeof(h.call_id));
	while ((n = cring_run(
	            &c->ring, &pos, REPLAY_RUN, buf, &h.ref, &h.ts_us)) > 0)
		fd_bus_publish_hdr(&gw_bus, &h, buf, n);
	log_info(c->call_id,
	    "replay to the new stt-worker: frames %u-%u "
	    "(%.1f s, from %.1f s ago)",
	    first->ref, cring_at(&c->ring, pos - 1)->ref, (pos - start) * 0.02,
	    (now - first->ts_us) / 1e6);
	if (gap)
		log_warnx(c->call_id,
		    "replay: caller audio older than %d s "
		    "is gone, stt-worker may have missed some",
		    CRING_FRAMES / 50);
}
