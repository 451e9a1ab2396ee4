/*
 * bus.h - nng pub/sub streams and req/rep calls between daemons.
 *
 * Every daemon binds one pub socket at its own address and dials the pub
 * sockets of the daemons it listens to, subscribing to message types
 * (topic = version+type, the first two bytes of a frame).  Dials retry in
 * the background, so daemons can start in any order.  Addresses are ipc://
 * by default; tcp:// works the same so a worker can live on another host.
 */
#ifndef FD_BUS_H
#define FD_BUS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <nng/nng.h>

#include "daemon.h"
#include "proto/proto.h"

struct fd_bus {
	nng_socket pub;
	nng_socket sub;
	int have_pub;
	int have_sub;
	int nsub;               /* publishers dialled */
	int pipes;              /* of them connected now (atomic) */
	uint32_t seq;           /* updated atomically */
};

/* Bind self's pub socket (unless self is FD_D_MAX) and subscribe to types
 * from the daemons in from[].  Returns 0 or an nng error. */
int fd_bus_open(struct fd_bus *b, enum fd_daemon_id self,
    const enum fd_daemon_id *from, size_t nfrom, const int *types,
    size_t ntypes);
/* Same, with explicit addresses (tests, callsim). pub_addr may be NULL. */
int fd_bus_open_addrs(struct fd_bus *b, const char *pub_addr,
    const char *const *sub_addrs, size_t nsub, const int *types,
    size_t ntypes);
void fd_bus_close(struct fd_bus *b);
/* Wait until every publisher dialled is connected (a daemon is ready only
 * when it hears everyone it listens to).  0, or -1 after timeout_ms. */
int fd_bus_wait_connected(struct fd_bus *b, int timeout_ms);
/* In the background: wait until connected (at most
 * $FRONTDESK_READY_TIMEOUT_S, default 30 s, then say who is missing), then
 * fd_daemon_ready(what).  The daemon goes on working meanwhile. */
void fd_bus_ready_when_connected(struct fd_bus *b, const char *what);

/* Publish a frame; stamps seq and the monotonic time.  Thread-safe. */
int fd_bus_publish(struct fd_bus *b, int type, const char *call_id,
    uint32_t ref, const void *payload, size_t len);
/* Publish a JSON object (not consumed). */
int fd_bus_publish_json(struct fd_bus *b, int type, const char *call_id,
    uint32_t ref, const json_t *obj);

/* Receive and decode one frame.  On 0, *msgp owns the buffer f points into
 * (nng_msg_free it when done).  NNG_ETIMEDOUT after timeout_ms (-1 waits);
 * a frame that fails to decode is logged, dropped and reported as EPROTO. */
int fd_bus_recv(struct fd_bus *b, nng_msg **msgp, struct fd_frame *f,
    int timeout_ms);

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
