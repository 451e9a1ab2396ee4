/*
 * rpc.h - req/rep tool calls (agent, gateway, scheduler -> crm-tools).
 *
 * A request is a FD_MSG_TOOL_REQ frame with a JSON object
 *   {"tool": "...", "args": {...}, "now": "YYYY-MM-DDTHH:MM:SS"?}
 * and the reply a FD_MSG_TOOL_REP frame with
 *   {"ok": true, "result": ...} or {"ok": false, "error": "...", "code": "..."}
 * The call id rides in the frame header: crm-tools authorises by it.
 */
#ifndef FD_RPC_H
#define FD_RPC_H

#include <jansson.h>
#include <nng/nng.h>

struct fd_rpc {
	nng_socket req;
	int open;
};

/* Dial the server (in the background; calls wait for it up to timeout). */
int fd_rpc_open(struct fd_rpc *r, const char *addr);
void fd_rpc_close(struct fd_rpc *r);
/* Dial one more server as well (cluster mode: another crm-tools instance);
 * requests go to whichever connected server is free. */
int fd_rpc_dial(struct fd_rpc *r, const char *addr);
/* Send req (not consumed) and wait for the reply; thread-safe, each call
 * uses its own context.  Returns 0 with *rep owned by the caller, or an nng
 * error (NNG_ETIMEDOUT when crm-tools did not answer in time). */
int fd_rpc_call(struct fd_rpc *r, const char *call_id, const json_t *req,
    json_t **rep, int timeout_ms);
/* The same without waiting: done(arg, rv, rep) runs on an nng thread when
 * the reply (rep owned by done, NULL unless rv is 0) or the failure is in;
 * it must not block.  Returns 0, or an error with done never called. */
typedef void (*fd_rpc_done)(void *arg, int rv, json_t *rep);
int fd_rpc_call_async(struct fd_rpc *r, const char *call_id, const json_t *req,
    int timeout_ms, fd_rpc_done done, void *arg);
/* Convenience: {"tool":tool,"args":args(stolen),"now":now?} */
int fd_rpc_tool(struct fd_rpc *r, const char *call_id, const char *tool,
    json_t *args, const char *now, json_t **rep, int timeout_ms);

/* Server side: a handler gets the call id and request, returns the reply
 * object (ownership passes to the server loop). */
typedef json_t *(*fd_rpc_handler)(
    void *arg, int worker, const char *call_id, json_t *req);

struct fd_rpc_server;

/* Listen on addr with nworkers threads, each running handler (requests are
 * received and replies sent by nng callbacks; a worker only runs handlers).  Workers are
 * numbered 0..nworkers-1 so a handler can keep per-worker state (a database
 * connection).  Returns NULL with a logged reason on failure. */
struct fd_rpc_server *fd_rpc_serve(
    const char *addr, int nworkers, fd_rpc_handler handler, void *arg);
void fd_rpc_server_stop(struct fd_rpc_server *s);

#endif
