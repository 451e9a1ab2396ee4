/*
 * rpc.c - req/rep over nng contexts, so many threads share one socket and
 * a slow tool never blocks an unrelated call.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>


#include "bus.h"
#include "log.h"
#include "rpc.h"

/* nng 1.5 has no nng_ctx_sendmsg/recvmsg: do them with a waited aio, one
 * the caller keeps for the whole exchange (no allocation per message). */
static int
ctx_send(nng_ctx ctx, nng_aio *aio, nng_msg *m, int timeout_ms)
{
	nng_aio_set_timeout(aio, timeout_ms);
	nng_aio_set_msg(aio, m);
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	return nng_aio_result(aio);  /* on failure the caller still owns m */
}

static int
ctx_recv(nng_ctx ctx, nng_aio *aio, nng_msg **m, int timeout_ms)
{
	int rv;

	nng_aio_set_timeout(aio, timeout_ms);
	nng_ctx_recv(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) == 0)
		*m = nng_aio_get_msg(aio);
	return rv;
}

int
fd_rpc_open(struct fd_rpc *r, const char *addr)
{
	int rv;

	memset(r, 0, sizeof(*r));
	if ((rv = nng_req0_open(&r->req)) != 0)
		return rv;
	/* a reply lost to a crashed server is not resent: tools are not all
	 * safe to repeat blindly, the caller decides with its own key */
	nng_setopt_ms(r->req, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_setopt_ms(r->req, NNG_OPT_RECONNMINT, 50);
	nng_setopt_ms(r->req, NNG_OPT_RECONNMAXT, 1000);
	if ((rv = nng_dial(r->req, addr, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		nng_close(r->req);
		return rv;
	}
	r->open = 1;
	return 0;
}

void
fd_rpc_close(struct fd_rpc *r)
{
	if (r->open)
		nng_close(r->req);
	r->open = 0;
}

int
fd_rpc_call(struct fd_rpc *r, const char *call_id, const json_t *req,
    json_t **rep, int timeout_ms)
{
	struct fd_frame f;
	json_error_t je;
	nng_ctx ctx;
	nng_aio *aio;
	nng_msg *m;
	char *s, err[128];
	int rv;

	*rep = NULL;
	if (!r->open)
		return NNG_ECLOSED;
	if ((s = json_dumps(req, JSON_COMPACT)) == NULL)
		return NNG_ENOMEM;
	rv = fd_frame_msg(&m, FD_MSG_TOOL_REQ, call_id, 0, 0, s, strlen(s));
	free(s);
	if (rv != 0)
		return rv;
	if ((rv = nng_aio_alloc(&aio, NULL, NULL)) != 0) {
		nng_msg_free(m);
		return rv;
	}
	if ((rv = nng_ctx_open(&ctx, r->req)) != 0) {
		nng_msg_free(m);
		nng_aio_free(aio);
		return rv;
	}
	if ((rv = ctx_send(ctx, aio, m, timeout_ms)) != 0)
		nng_msg_free(m);
	else
		rv = ctx_recv(ctx, aio, &m, timeout_ms);
	nng_ctx_close(ctx);
	nng_aio_free(aio);
	if (rv != 0)
		return rv;
	if (fd_frame_decode(nng_msg_body(m), nng_msg_len(m), &f, err,
	    sizeof(err)) != 0 || f.type != FD_MSG_TOOL_REP) {
		log_err(call_id, "rpc: bad reply frame: %s",
		    f.type != FD_MSG_TOOL_REP ? "not a tool_rep" : err);
		nng_msg_free(m);
		return EPROTO;
	}
	*rep = json_loadb((const char *)f.payload, f.payload_len, 0, &je);
	nng_msg_free(m);
	if (*rep == NULL || !json_is_object(*rep)) {
		log_err(call_id, "rpc: reply is not a JSON object");
		json_decref(*rep);
		*rep = NULL;
		return EPROTO;
	}
	return 0;
}

int
fd_rpc_tool(struct fd_rpc *r, const char *call_id, const char *tool,
    json_t *args, const char *now, json_t **rep, int timeout_ms)
{
	json_t *req;
	int rv;

	req = json_pack("{s:s, s:o}", "tool", tool, "args",
	    args ? args : json_object());
	if (req == NULL)
		return NNG_ENOMEM;
	if (now && *now)
		json_object_set_new(req, "now", json_string(now));
	rv = fd_rpc_call(r, call_id, req, rep, timeout_ms);
	json_decref(req);
	return rv;
}

struct rpc_worker {
	struct fd_rpc_server *srv;
	int idx;
	pthread_t thr;
	nng_ctx ctx;
	nng_aio *aio;
};

struct fd_rpc_server {
	nng_socket rep;
	fd_rpc_handler handler;
	void *arg;
	int nworkers;
	struct rpc_worker *w;
};

static json_t *
error_reply(const char *code, const char *msg)
{
	return json_pack("{s:b, s:s, s:s}", "ok", 0, "code", code, "error",
	    msg);
}

static void *
worker_main(void *p)
{
	struct rpc_worker *w = p;
	struct fd_rpc_server *s = w->srv;
	struct fd_frame f;
	json_error_t je;
	json_t *req, *rep;
	nng_msg *m;
	char err[128], *out;
	int rv;

	for (;;) {
		if ((rv = ctx_recv(w->ctx, w->aio, &m,
		    NNG_DURATION_INFINITE)) != 0) {
			if (rv == NNG_ECLOSED)
				break;
			continue;
		}
		req = NULL;
		if (fd_frame_decode(nng_msg_body(m), nng_msg_len(m), &f, err,
		    sizeof(err)) != 0 || f.type != FD_MSG_TOOL_REQ) {
			log_err(NULL, "rpc: bad request frame: %s",
			    f.type != FD_MSG_TOOL_REQ ? "not a tool_req" : err);
			rep = error_reply("bad_frame", "undecodable request");
		} else if ((req = json_loadb((const char *)f.payload,
		    f.payload_len, 0, &je)) == NULL || !json_is_object(req)) {
			rep = error_reply("bad_json", "request is not a JSON "
			    "object");
		} else {
			rep = s->handler(s->arg, w->idx, f.call_id, req);
			if (rep == NULL)
				rep = error_reply("internal", "no reply");
		}
		json_decref(req);
		out = json_dumps(rep, JSON_COMPACT);
		json_decref(rep);
		nng_msg_free(m);
		if (out == NULL)
			continue;
		rv = fd_frame_msg(&m, FD_MSG_TOOL_REP, f.call_id, 0, 0, out,
		    strlen(out));
		free(out);
		if (rv != 0)
			continue;
		if ((rv = ctx_send(w->ctx, w->aio, m, 5000)) != 0) {
			nng_msg_free(m);
			if (rv == NNG_ECLOSED)
				break;
		}
	}
	return NULL;
}

struct fd_rpc_server *
fd_rpc_serve(const char *addr, int nworkers, fd_rpc_handler handler, void *arg)
{
	struct fd_rpc_server *s;
	int i, rv;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->handler = handler;
	s->arg = arg;
	s->nworkers = nworkers;
	if ((s->w = calloc((size_t)nworkers, sizeof(*s->w))) == NULL) {
		free(s);
		return NULL;
	}
	if ((rv = nng_rep0_open(&s->rep)) != 0 ||
	    (rv = nng_listen(s->rep, addr, NULL, 0)) != 0) {
		log_err(NULL, "rpc: listen %s: %s", addr, nng_strerror(rv));
		nng_close(s->rep);
		free(s->w);
		free(s);
		return NULL;
	}
	for (i = 0; i < nworkers; i++) {
		s->w[i].srv = s;
		s->w[i].idx = i;
		if (nng_aio_alloc(&s->w[i].aio, NULL, NULL) != 0 ||
		    nng_ctx_open(&s->w[i].ctx, s->rep) != 0 ||
		    pthread_create(&s->w[i].thr, NULL, worker_main,
		    &s->w[i]) != 0)
			fatalx("rpc: cannot start worker %d", i);
	}
	return s;
}

void
fd_rpc_server_stop(struct fd_rpc_server *s)
{
	int i;

	if (s == NULL)
		return;
	/* contexts first: a worker waiting or replying gets NNG_ECLOSED and
	 * leaves; closing the socket under a worker still in nng_ctx_send
	 * made nng 1.5 lock the socket's freed mutex and abort */
	for (i = 0; i < s->nworkers; i++)
		nng_ctx_close(s->w[i].ctx);
	for (i = 0; i < s->nworkers; i++) {
		pthread_join(s->w[i].thr, NULL);
		nng_aio_free(s->w[i].aio);
	}
	nng_close(s->rep);
	free(s->w);
	free(s);
}
