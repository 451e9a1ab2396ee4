/*
 * cluster.h - several instances of each daemon on several hosts, with no
 * cluster manager: Redis holds who is alive and which instance serves
 * which call (cluster.enabled; off, nothing here runs and a stack is one
 * instance of each daemon).
 *
 * Registration: every instance refreshes fd:inst:<kind>:<name> (its pub
 * address, its req/rep address, its media pub, its live calls) with a
 * short TTL and is a member of fd:insts:<kind>.  Each daemon's cluster
 * thread reads the instances of the kinds it listens to and dials their
 * pubs (the media pub of a kind whose media type it takes, as
 * fd_bus_source_addr does; and crm-tools' rep) as they come and go, so a
 * new instance is heard without a restart.
 *
 * Assignment: the gateway picks one stt-worker, agent and tts-worker for a
 * call when its stream starts (the live instance with the fewest calls),
 * publishes CALL_ASSIGN before CALL_START and keeps it in fd:call:<sid>.
 * Every worker hears every call's frames and serves only its own
 * (fd_cluster_mine).  An instance whose bus connection is gone or silent,
 * or whose registration expired and that is not heard on the bus either,
 * is dead: the gateway moves its calls to live instances (CALL_ASSIGN
 * moved) within 2 s.
 */
#ifndef FD_CLUSTER_H
#define FD_CLUSTER_H

#include <stddef.h>

#include "bus.h"
#include "daemon.h"
#include "rpc.h"

#define FD_CLUSTER_TICK_MS 200 /* registration refresh and discovery */
#define FD_CLUSTER_TTL_MS 1500 /* a registration not refreshed expires */
#define FD_CLUSTER_LOST_MS 300 /* bus connection gone this long: dead */
#define FD_CLUSTER_SILENT_MS 1500 /* bus connection silent this long */
#define FD_CLUSTER_GONE_SILENT_MS 600 /* the same, once unregistered */
#define FD_CLUSTER_NAME_LEN 64

/* Called (cluster thread) after the gateway moved calls off a dead
 * instance of kind. */
typedef void (*fd_cluster_move_fn)(enum fd_daemon_id kind);

/* 1 when cluster.enabled. */
int fd_cluster_on(void);
/* This instance's name (cluster.instance, default <hostname>-<daemon>). */
const char *fd_cluster_self(void);
/*
 * Register self and start the cluster thread: it dials the pubs of every
 * instance of the kinds in from[] on b, and, when rpc is not NULL, the rep
 * address of every crm-tools instance on it.  The gateway passes on_move.
 * 0, or -1 (logged).  Does nothing when cluster mode is off.
 */
int fd_cluster_start(struct fd_bus *b, enum fd_daemon_id self,
    const enum fd_daemon_id *from, size_t nfrom, struct fd_rpc *rpc,
    fd_cluster_move_fn on_move);
/* Deregister and stop the thread. */
void fd_cluster_stop(void);
/* In the background, once an instance of each kind in from[] is heard:
 * fd_daemon_ready(what). */
void fd_cluster_ready_when_connected(const char *what);

/* Workers: 1 if the frame is this instance's to serve (no call id, cluster
 * mode off, or the call is assigned here), 0 to drop it.  CALL_ASSIGN
 * frames update the table first; a call not in the table is looked up in
 * Redis (a restarted instance).  Call from the receiving thread. */
int fd_cluster_mine(const struct fd_frame *f);
/* The instance of kind serving call_id as known here: name into out (""
 * unknown).  0, or -1 if the call is not known. */
int fd_cluster_owner(
    const char *call_id, enum fd_daemon_id kind, char *out, size_t len);
/* The pub address this process hears instance name of kind at (its
 * media pub for a kind whose media type it takes), "" if unknown. */
void fd_cluster_pub_of(
    enum fd_daemon_id kind, const char *name, char *out, size_t len);
/* The kind of the instance heard at pub addr, FD_D_MAX if none. */
enum fd_daemon_id fd_cluster_kind_of(const char *pub);
/* 1 if some instance of kind is alive (registered and heard on the bus). */
int fd_cluster_any_alive(enum fd_daemon_id kind);

/* Gateway: choose instances for a new call, publish CALL_ASSIGN on b and
 * record it (Redis is written by the cluster thread).  0, or -1 when a
 * kind has no live instance (the call then goes unassigned and is logged). */
int fd_cluster_assign(struct fd_bus *b, const char *call_id);
/* Gateway: the call ended; its assignment is forgotten. */
void fd_cluster_release(const char *call_id);

#endif
