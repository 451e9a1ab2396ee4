/*
 * pacer.h - one call's outbound audio queue and its 20 ms pacing, as pure
 * logic: no sockets, no clocks of its own (callers pass "now" in
 * microseconds) and no locking (the gateway holds its lock around every
 * call).  What to send goes out through a sink table, so the unit tests
 * record it and the gateway turns it into Media Streams messages.
 *
 * Queue items are audio chunks and marks in arrival order.  A mark goes
 * out right after the audio queued before it.  pacer_kick() starts an
 * utterance (the first `lead` frames go at once to absorb network jitter)
 * and pacer_tick() sends exactly one 160-byte frame per 20 ms tick against
 * an absolute schedule (t0 + k * 20 ms), so timer lateness never adds up.
 *
 * Pause (a caller may be barging in): the gateway sends Twilio a clear, so
 * what Twilio had buffered is gone; pacer_pause() puts the frames the
 * caller had not heard yet (modelled as a playout buffer fed by what we
 * sent) and the marks after them back at the head of the queue and holds
 * everything.  pacer_resume() plays on from there (a false interruption);
 * pacer_clear() drops it (a real one).
 */
#ifndef GW_PACER_H
#define GW_PACER_H

#include <stddef.h>
#include <stdint.h>

#define PACER_FRAME 160 /* bytes of mu-law per 20 ms */
#define PACER_TICK_US 20000
#define PACER_MAX_CATCHUP 5 /* frames sent at most in one late tick */
#define PACER_STARVE_MAX 50 /* underrun ticks before going idle */
#define PACER_HIST 16 /* frames remembered for a rewind */

struct pacer_sink {
	/* one 160-byte frame of utterance utt; enq_us: when it was queued */
	void (*frame)(
	    void *arg, uint32_t utt, const uint8_t *frame, uint64_t enq_us);
	/* a mark to send now (it is then outstanding until echoed) */
	void (*mark)(void *arg, uint32_t utt, const char *name);
	/* a mark that will never be sent: dropped by a clear or stale */
	void (*mark_dropped)(void *arg, uint32_t utt, const char *name);
};

enum pacer_kind { PACER_AUDIO = 1, PACER_MARK };

struct pacer_item {
	struct pacer_item *next;
	enum pacer_kind kind;
	uint32_t utt;
	int last; /* mark: last segment of utt */
	uint64_t enq_us;
	size_t len; /* audio: bytes (multiple of 160) */
	size_t off; /* audio: bytes already sent */
	char *name; /* mark */
	uint8_t data[]; /* audio */
};

struct pacer_sent { /* a mark sent, not yet echoed */
	struct pacer_sent *next;
	uint32_t utt;
	int cleared; /* 1: a clear went out after it;
					   2: a pause re-queued it (the echo
					   means nothing) */
	uint64_t at; /* frames_out when it was sent */
	int last; /* the last mark of its utterance */
	char name[];
};

struct pacer_hist { /* a frame sent, for a rewind */
	uint32_t utt;
	uint64_t play_us; /* when the caller starts hearing it */
	uint64_t enq_us;
	uint8_t data[PACER_FRAME];
};

struct pacer {
	const struct pacer_sink *sink;
	void *arg;
	int lead; /* frames sent at once on start (>= 1) */
	size_t max_bytes; /* queued audio limit */
	struct pacer_item *head, *tail;
	size_t queued_bytes;
	struct pacer_sent *sent, *sent_tail;
	int cleared_any;
	uint32_t cleared_ref; /* audio for utt <= this is stale */
	int active; /* the tick timer is running */
	uint64_t t0; /* schedule origin */
	uint64_t ticks; /* ticks done since t0 */
	uint32_t cur_utt; /* utterance of the last frame sent */
	int cur_open; /* cur_utt's last mark not sent yet */
	int starve; /* consecutive underrun ticks */
	int paused; /* hold everything until resume/clear */
	uint64_t play_end_us; /* when the caller has heard all sent */
	struct pacer_hist hist[PACER_HIST]; /* by frames_out % PACER_HIST */
	uint64_t frames_out;
	uint64_t rewound; /* frames put back by pauses */
	uint64_t underruns;
	uint64_t stale; /* audio chunks dropped as stale */
	uint64_t marks_out;
};

void pacer_init(struct pacer *p, int lead, size_t max_bytes,
    const struct pacer_sink *sink, void *arg);
void pacer_free(struct pacer *p);

/* Queue audio of utterance utt (padded with silence to whole frames).
 * 0 queued, 1 dropped as stale (utt was cleared), -1 over the limit or
 * out of memory. */
int pacer_audio(struct pacer *p, uint32_t utt, const uint8_t *buf, size_t len,
    uint64_t now);
/* Queue a mark after the audio already queued.  last: the final segment
 * of utt.  0 queued, 1 stale (reported via mark_dropped), -1 no memory. */
int pacer_mark(
    struct pacer *p, uint32_t utt, const char *name, int last, uint64_t now);
/* Barge-in: drop queued items of utterances <= ref (their marks reported
 * via mark_dropped), flag every outstanding mark as cleared, go idle.
 * The caller sends Twilio a clear.  Returns the number of items dropped. */
size_t pacer_clear(struct pacer *p, uint32_t ref);
/* Pause: hold all output and put back what the caller has not heard by
 * now (the caller sends Twilio a clear).  Returns the frames put back;
 * *utt gets the utterance playing (0 if none). */
size_t pacer_pause(struct pacer *p, uint64_t now, uint32_t *utt);
/* Play on after a pause: 1 if the timer must be armed (as pacer_kick). */
int pacer_resume(struct pacer *p, uint64_t now);
/* A mark came back from Twilio: 1 if it was played, 0 if a clear caused
 * the echo, -2 if a pause re-queued it (ignore the echo), -1 if unknown.
 * *utt gets its utterance. */
int pacer_echo(struct pacer *p, const char *name, uint32_t *utt);

/* New items were queued: start an utterance if idle (or re-prime after an
 * underrun) and send marks that have no audio before them.  1 if the
 * timer must be (re)armed for pacer_due(). */
int pacer_kick(struct pacer *p, uint64_t now);
/* The timer fired: send what is due.  1 to re-arm for pacer_due(), 0 when
 * the pacer went idle. */
int pacer_tick(struct pacer *p, uint64_t now);
/* When the next tick is due (valid while active). */
uint64_t pacer_due(const struct pacer *p);

#endif
