/*
 * media_int.h - what the Media Streams files share: one call's state and
 * the functions that cross between them.
 *
 * media.c is the WebSocket protocol and the call's life (the registry of
 * calls by call id, the pending work list), media_play.c our side of the
 * stream (the agent's and tts-worker's frames, pacing, the tx ring),
 * media_replay.c the caller's audio (AUDIO_IN, the ring, replay to a
 * restarted stt-worker).  Nothing outside these three includes this.
 */
#ifndef GW_MEDIA_INT_H
#define GW_MEDIA_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "caller_ring.h"
#include "cluster.h"
#include "media_msg.h"
#include "pacer.h"
#include "proto/proto.h"
#include "recording.h"

struct txslot; /* a queued message (media_play.c) */

struct gw_call {
	/* under gw_lock */
	struct gw_call *hnext; /* registry bucket */
	int registered;
	int transferred;
	uint64_t stt_settled_us; /* arrival time up to which stt-worker
					   finished the caller's speech (its
					   last final's speech_end_us) */
	char *start_pl; /* cluster mode: the CALL_START payload, sent
					   again when the call's agent moves */
	char agent[FD_CLUSTER_NAME_LEN]; /* the agent start_pl went to */
	/* under sh->mu (its shard's) */
	struct gw_call *pnext; /* pending work list */
	int pending;
	int want_kick, want_clear, want_close, want_resume;
	struct pacer pacer;
	struct rec *rec; /* the call's recording, or NULL */
	/* set at start, then read-only */
	char call_id[FD_CALL_ID_LEN];
	char stream_sid[MEDIA_SID_LEN];
	struct lws *wsi;
	struct gw_shard *sh; /* whose thread serves the stream */
	/* service thread only */
	int started, ended, closing;
	int refused; /* start without a valid token */
	unsigned bad;
	char *rx;
	size_t rx_len, rx_cap;
	const char *rx_skip; /* why the message being received is
					   refused, or NULL */
	struct txslot *tx; /* ring of tx_cap slots */
	size_t tx_cap, tx_head, tx_n;
	int tx_full_logged;
	char media_pre[64 + MEDIA_SID_LEN]; /* media message up to the
						   payload */
	size_t media_pre_len;
	struct gw_call *cnext; /* closes in one wake */
	struct gw_call *fnext; /* to flush after a sweep or wake */
	int flushing;
	struct gw_call *pace_next; /* on the sweep list */
	int pacing;
	uint32_t wait_utt; /* last utterance timed */
	uint64_t underruns_seen;
	unsigned replayed_gen; /* stt-worker instance caught up */
	struct cring ring; /* recent caller audio, numbered */
};

/* media.c: the registry (gw_lock held) and the shards' pending work
 * lists (the shard's mu held).  Lock order: gw_lock, then a shard's mu;
 * a service thread never takes gw_lock while it holds its mu. */
struct gw_call *find_locked(const char *id);
/* Another thread: the live call id with its shard's mu held, or NULL. */
struct gw_call *find_play(const char *id);
int pend_locked(struct gw_call *c);
void end_call(struct gw_call *c, const char *reason);

/* media_play.c */
extern const struct pacer_sink call_sink;
int on_writeable(struct gw_call *c);
void unpace(struct gw_call *c);
void tx_pop(struct gw_call *c);
void publish_mark(
    const char *call_id, uint32_t utt, const char *name, int played);

/* media_replay.c */
extern unsigned stt_gen;
void audio_in(struct gw_call *c, const uint8_t *audio, size_t len);
void replay(struct gw_call *c);

#endif
