/*
 * bus.h - nng pub/sub streams and req/rep calls between daemons.
 *
 * Every daemon binds one pub socket at its own address and dials the pub
 * sockets of the daemons it listens to, subscribing to message types
 * (topic = version+type, the first two bytes of a frame).  Dials retry in
 * the background, so daemons can start in any order.  Addresses are ipc://
 * by default; tcp:// works the same so a worker can live on another host.
 *
 * A publisher that restarts (a crash, kill -9, a deploy) is re-dialled
 * within FD_BUS_RECONN_MAX_MS of listening again.  Every publisher sends
 * a FD_MSG_HEARTBEAT every FD_BUS_HEARTBEAT_MS with an instance id new at
 * each start; fd_bus_recv consumes them, so a subscriber knows each
 * publisher's instance, and a watchdog thread re-creates the dialer of a
 * publisher not heard for FD_BUS_SILENT_MS (nng's own redial is the first
 * line; the watchdog covers a dialer that stopped trying or a connection
 * that stays open but carries nothing).  A connected publisher whose
 * process still runs (ipc names the peer's pid) is only slow or stopped
 * and keeps its connection; each further re-dial waits twice as long, up
 * to FD_BUS_SILENT_MAX_MS, until the publisher is heard, so an overloaded
 * publisher is not buried in new connections.  One log line when a
 * publisher is lost and one when it is back.  fd_bus_close gives nng
 * FD_BUS_CLOSE_MS to close, then goes on.
 *
 * Media pub: nng's pub/sub filters at the subscriber, so every frame a
 * pub sends crosses to every daemon that dials it, wanted or not.  A
 * daemon with a high-rate stream (fd_daemons[].media_type: the gateway's
 * AUDIO_IN, 50 frames a second per call) binds a second pub at
 * fd_media_addr(self): the stream goes out there only, and every other
 * frame (heartbeats too) on both pubs, in the order published.  So the
 * media pub is the pub plus the stream; a subscriber dials one of the
 * two, the media pub exactly when it subscribes to the media type
 * (fd_bus_source_addr), and keeps the per-pipe order of everything it
 * hears from that daemon (a CALL_END never overtakes the call's audio).
 */
#ifndef FD_BUS_H
#define FD_BUS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <nng/nng.h>

#include "daemon.h"
#include "proto/payload.h"
#include "proto/proto.h"

#define FD_BUS_MAX_PEERS 32
#define FD_BUS_HEARTBEAT_MS 200 /* a publisher's heartbeat period */
#define FD_BUS_SILENT_MS 2000 /* then the watchdog re-dials it */
#define FD_BUS_SILENT_MAX_MS 30000 /* the longest re-dial backoff */
#define FD_BUS_CLOSE_MS 2000 /* fd_bus_close waits for nng this long */
#define FD_BUS_RECONN_MAX_MS 100 /* nng's redial backoff ceiling */

struct fd_bus;

/* A publisher dialled (guarded by the bus's mutex unless said). */
struct fd_bus_peer {
	char addr[256];
	nng_dialer dialer;
	uint32_t pipe; /* its connected pipe's id, 0 none */
	uint32_t dead_pipe; /* last pipe removed (its late ADD ignored) */
	int ever; /* was connected once */
	int dialer_used; /* the current dialer has had a connection */
	uint64_t lost_us; /* when the connection went (or the dial
	                         * began); 0 while connected */
	uint64_t heard_us; /* last frame or connection from it */
	uint64_t kept_us; /* the watchdog found it silent but alive */
	uint64_t instance; /* from its heartbeat, 0 not heard yet */
	int hears; /* its last heartbeat: it hears everyone */
	int subs; /* its last heartbeat: its subscribers */
	int redials; /* dialers the watchdog re-created */
	int strikes; /* re-dials since last heard: the backoff */
	int told; /* this outage's re-dial was logged */
};

/* Called from fd_bus_recv's thread when a publisher's heartbeat says
 * something changed: a new instance (restarted: old is the previous
 * instance, 0 for the first one heard), or its hears/subs. */
typedef void (*fd_bus_peer_fn)(void *arg, struct fd_bus *b, int peer,
    const struct fd_bus_peer *p, uint64_t old_instance);

struct fd_bus {
	nng_socket pub;
	nng_socket sub;
	nng_socket media; /* the media pub (fd_bus_listen_media) */
	int have_pub;
	int have_sub;
	int have_media; /* atomic: media is bound */
	int media_type; /* the type sent on media only */
	uint8_t topics[32]; /* types subscribed to, one bit each */
	int nsub; /* peer slots in use or freed (high-water mark) */
	int live; /* publishers dialled now (slots with an addr) */
	int pipes; /* of them connected now (atomic) */
	int subs; /* subscribers of our pubs now (atomic) */
	int subs_ever; /* subscriber connections ever made (atomic) */
	uint32_t seq; /* updated atomically */
	uint64_t instance; /* this process's bus instance id */
	uint64_t drained_us; /* fd_bus_recv last found its queue empty */
	struct fd_bus_peer peer[FD_BUS_MAX_PEERS];
	pthread_mutex_t mu;
	pthread_mutex_t dial_mu; /* serialises dialer changes (add, drop,
	                          * the watchdog); never held with mu
	                          * across an nng call that waits */
	pthread_t watch;
	int have_watch;
	int quit; /* atomic: stop the watch thread */
	fd_bus_peer_fn on_peer;
	void *on_peer_arg;
};

/* Bind self's pub socket (unless self is FD_D_MAX), and its media pub if
 * it has a media type, and subscribe to types from the daemons in from[]
 * (each at fd_bus_source_addr).  Returns 0 or an nng error. */
int fd_bus_open(struct fd_bus *b, enum fd_daemon_id self,
    const enum fd_daemon_id *from, size_t nfrom, const int *types,
    size_t ntypes);
/* Same, with explicit addresses (tests, callsim). pub_addr may be NULL.
 * The sub socket is opened when there are addresses or types, so peers
 * can be added later (fd_bus_add_peer). */
int fd_bus_open_addrs(struct fd_bus *b, const char *pub_addr,
    const char *const *sub_addrs, size_t nsub, const int *types, size_t ntypes);
void fd_bus_close(struct fd_bus *b);
/* Bind the media pub at addr (after fd_bus_open_addrs with a pub): from
 * now on frames of `type` go out on it only, every other frame on both
 * pubs.  0, or an nng error. */
int fd_bus_listen_media(struct fd_bus *b, const char *addr, int type);
/* The address to dial daemon k at for a subscriber of types[]: its media
 * pub when types[] holds its media type, else its pub. */
const char *fd_bus_source_addr(
    enum fd_daemon_id k, const int *types, size_t ntypes);
/* 1 if b's sub socket takes frames of type (heartbeats always). */
int fd_bus_subscribes(const struct fd_bus *b, int type);
/* Dial one more publisher (cluster mode: an instance that registered),
 * or do nothing if it is dialled already.  0, or an nng error (no slot
 * left: NNG_ENOSPC). */
int fd_bus_add_peer(struct fd_bus *b, const char *addr);
/* Stop dialling a publisher (its registration expired); its slot is
 * reused.  0, or -1 if it was not dialled. */
int fd_bus_drop_peer(struct fd_bus *b, const char *addr);
/* Wait until every publisher dialled is connected (a daemon is ready only
 * when it hears everyone it listens to).  0, or -1 after timeout_ms. */
int fd_bus_wait_connected(struct fd_bus *b, int timeout_ms);
/* In the background: wait until connected (at most
 * $FRONTDESK_READY_TIMEOUT_S, default 30 s, then say who is missing), then
 * fd_daemon_ready(what).  The daemon goes on working meanwhile. */
void fd_bus_ready_when_connected(struct fd_bus *b, const char *what);

/* Call fn (from fd_bus_recv's thread) when a publisher's heartbeat shows
 * a change (see fd_bus_peer_fn).  Set it right after opening. */
void fd_bus_on_peer(struct fd_bus *b, fd_bus_peer_fn fn, void *arg);
/* A copy of publisher i's state (0..nsub-1); 0, or -1 if no such. */
int fd_bus_peer_get(struct fd_bus *b, int i, struct fd_bus_peer *out);

/* Publish a frame; stamps seq and the monotonic time.  Thread-safe. */
int fd_bus_publish(struct fd_bus *b, int type, const char *call_id,
    uint32_t ref, const void *payload, size_t len);
/* Publish a frame whose header fields the caller chose: type, call_id,
 * ref, flags and ts_us (0: now) from h; seq is stamped.  Thread-safe. */
int fd_bus_publish_hdr(struct fd_bus *b, const struct fd_frame *h,
    const void *payload, size_t len);
/* Publish a JSON object (not consumed). */
int fd_bus_publish_json(struct fd_bus *b, int type, const char *call_id,
    uint32_t ref, const json_t *obj);

/* Publish the typed payload *pl of `type` (the struct proto/payload.h
 * gives that type).  A payload the field table refuses (a required field
 * missing) is a bug in the caller: logged with the call id, not sent, and
 * reported as NNG_EINVAL. */
int fd_bus_publish_pl(struct fd_bus *b, int type, const char *call_id,
    uint32_t ref, const void *pl);

/* Read a received frame's typed payload into *out (the struct of
 * f->type).  Returns the JSON object *out points into (the caller decrefs
 * it), or NULL when the payload does not decode: frames come from our own
 * daemons, so that is a sender's bug, logged loudly with the call id and
 * the field at fault; the caller drops the frame. */
json_t *fd_bus_read_pl(const struct fd_frame *f, void *out);

/* Typed forms: fd_bus_publish_dtmf(b, call_id, ref, &m),
 * fd_bus_read_dtmf(f, &m), ... so a handler cannot pass the wrong struct. */
#define FD_BUS_TYPED(name, TYPE)                                               \
	static inline int fd_bus_publish_##name(struct fd_bus *b,              \
	    const char *call_id, uint32_t ref, const struct fd_pl_##name *m)   \
	{                                                                      \
		return fd_bus_publish_pl(b, TYPE, call_id, ref, m);            \
	}                                                                      \
	static inline json_t *fd_bus_read_##name(                              \
	    const struct fd_frame *f, struct fd_pl_##name *m)                  \
	{                                                                      \
		return fd_bus_read_pl(f, m);                                   \
	}

FD_BUS_TYPED(call_start, FD_MSG_CALL_START)
FD_BUS_TYPED(call_end, FD_MSG_CALL_END)
FD_BUS_TYPED(call_assign, FD_MSG_CALL_ASSIGN)
FD_BUS_TYPED(dtmf, FD_MSG_DTMF)
FD_BUS_TYPED(mark, FD_MSG_MARK)
FD_BUS_TYPED(speech_started, FD_MSG_SPEECH_STARTED)
FD_BUS_TYPED(speech_stopped, FD_MSG_SPEECH_STOPPED)
FD_BUS_TYPED(transcript, FD_MSG_TRANSCRIPT)
FD_BUS_TYPED(stt_hint, FD_MSG_STT_HINT)
FD_BUS_TYPED(say, FD_MSG_SAY)
FD_BUS_TYPED(audio_mark, FD_MSG_AUDIO_MARK)
FD_BUS_TYPED(tts_error, FD_MSG_TTS_ERROR)
FD_BUS_TYPED(hangup, FD_MSG_HANGUP)
FD_BUS_TYPED(transfer, FD_MSG_TRANSFER)
FD_BUS_TYPED(outbound_call, FD_MSG_OUTBOUND_CALL)
FD_BUS_TYPED(outbound_sms, FD_MSG_OUTBOUND_SMS)
FD_BUS_TYPED(outbound_result, FD_MSG_OUTBOUND_RESULT)

/* Receive and decode one frame.  On 0, *msgp owns the buffer f points into
 * (nng_msg_free it when done).  NNG_ETIMEDOUT after timeout_ms (-1 waits);
 * a frame that fails to decode is logged, dropped and reported as EPROTO. */
int fd_bus_recv(
    struct fd_bus *b, nng_msg **msgp, struct fd_frame *f, int timeout_ms);

/* Parse a frame's JSON payload; NULL (and a log line) if it is not an
 * object. */
json_t *fd_frame_json(const struct fd_frame *f);

/* Build an nng message holding a frame (for req/rep and tests). */
int fd_frame_msg(nng_msg **msgp, int type, const char *call_id, uint32_t ref,
    uint32_t seq, const void *payload, size_t len);

/* A TCP port on 127.0.0.1 that nothing listens on right now (the
 * kernel's choice), for a private tcp:// address or a test server; 0 if
 * none could be had. */
int fd_free_port(void);

#endif
