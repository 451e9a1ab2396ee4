/*
 * rt_client.h - the agent's WebSocket client for OpenAI's Realtime API
 * (protocols.md section 9): one libwebsockets client context and one
 * service thread hold a connection per call.  Worker threads queue text
 * frames (rt_conn_send) and wake the service thread; every lws call is
 * made on the service thread.  What the server sends, and what happens to
 * the connection, comes back through one callback as JSON text, in order:
 * the server's events as they are, plus two of ours,
 * {"type":"fd.open"} when the socket is up and
 * {"type":"fd.closed","reason":"..."} when it is gone (refused, dropped,
 * closed by either side); nothing comes after fd.closed.  Talks only to
 * the Realtime server (or tests/peers/openai/realtime_peer.py).
 */
#ifndef AGENT_RT_CLIENT_H
#define AGENT_RT_CLIENT_H

#include <stddef.h>

struct rt_client_cfg {
	char url[512]; /* wss://host[:port]/path?query */
	char auth[300]; /* "Bearer <key>" */
	int beta; /* send OpenAI-Beta: realtime=v1 */
	char ca_file[256]; /* "" the system store (tests: the peer's) */
	int connect_timeout_ms;
};

/* A server event or one of ours for call_id: text is NUL-terminated and
 * the callee's to free.  Runs on the service thread; must not block. */
typedef void (*rt_event_fn)(const char *call_id, char *text, size_t len);

struct rt_conn;

/* Start the context and its thread; 0, or -1 with err. */
int rt_client_init(
    const struct rt_client_cfg *cfg, rt_event_fn fn, char *err, size_t errlen);
/* Close every connection and stop the thread. */
void rt_client_fini(void);
/* Split url into host, port, path and TLS; 0, or -1 with err. */
int rt_url_parse(const char *url, char *host, size_t hostlen, int *port,
    char *path, size_t pathlen, int *tls, char *err, size_t errlen);

/* Dial for a call (in the background); NULL on memory. */
struct rt_conn *rt_conn_open(const char *call_id);
/* Queue one text frame (copied); sent in order once the socket is open.
 * 0, or -1 if the connection is closed or the queue is over its cap. */
int rt_conn_send(struct rt_conn *k, const char *text, size_t len);
/* Close and forget.  An event already on its way may still be delivered
 * after this returns: the receiver ignores events of a call it closed. */
void rt_conn_close(struct rt_conn *k);
/* Drop the socket at once as if the network failed (tests, faults). */
void rt_conn_abort(struct rt_conn *k);

#endif
