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
#include "proto/payload.h"

/* nng 1.5 has no nng_ctx_sendmsg/recvmsg: do them with a waited aio, one
 * the caller keeps for the whole exchange (no allocation per message). */
static int
ctx_send(nng_ctx ctx, nng_aio *aio, nng_msg *m, int timeout_ms)
{
	nng_aio_set_timeout(aio, timeout_ms);
	nng_aio_set_msg(aio, m);
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	return nng_aio_result(aio); /* on failure the caller still owns m */
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

int
fd_rpc_dial(struct fd_rpc *r, const char *addr)
{
	if (!r->open)
		return NNG_ECLOSED;
	return nng_dial(r->req, addr, NULL, NNG_FLAG_NONBLOCK);
}

void
fd_rpc_close(struct fd_rpc *r)
{
	if (r->open)
		nng_close(r->req);
	r->open = 0;
}

/* The request frame for req. */
static int
request_msg(const char *call_id, const json_t *req, nng_msg **m)
{
	char *s;
	int rv;

	if ((s = json_dumps(req, JSON_COMPACT)) == NULL)
		return NNG_ENOMEM;
	rv = fd_frame_msg(m, FD_MSG_TOOL_REQ, call_id, 0, 0, s, strlen(s));
	free(s);
	return rv;
}

/* The reply object of a reply frame (m is consumed). */
static int
decode_reply(const char *call_id, nng_msg *m, json_t **rep)
{
	struct fd_pl_tool_rep r;
	struct fd_frame f;
	json_error_t je;
	char err[128];

	*rep = NULL;
	if (fd_frame_decode(
	        nng_msg_body(m), nng_msg_len(m), &f, err, sizeof(err)) != 0 ||
	    f.type != FD_MSG_TOOL_REP) {
		log_err(call_id, "rpc: bad reply frame: %s",
		    f.type != FD_MSG_TOOL_REP ? "not a tool_rep" : err);
		nng_msg_free(m);
		return EPROTO;
	}
	*rep = json_loadb((const char *)f.payload, f.payload_len, 0, &je);
	nng_msg_free(m);
	if (*rep == NULL) {
		log_err(call_id, "rpc: reply is not JSON: %s", je.text);
		return EPROTO;
	}
	/* the envelope {ok, result?, code?, error?} (proto/payload.h) */
	if (fd_pl_read_tool_rep(*rep, &r, err, sizeof(err)) != 0) {
		log_err(call_id, "rpc: bad reply: %s", err);
		json_decref(*rep);
		*rep = NULL;
		return EPROTO;
	}
	return 0;
}

/* The context and aio of one exchange (cb NULL: the caller waits on it);
 * nothing is left open on failure. */
static int
exchange_open(struct fd_rpc *r, nng_ctx *ctx, nng_aio **aio, void (*cb)(void *),
    void *arg)
{
	int rv;

	if ((rv = nng_aio_alloc(aio, cb, arg)) != 0)
		return rv;
	if ((rv = nng_ctx_open(ctx, r->req)) != 0) {
		nng_aio_free(*aio);
		*aio = NULL;
	}
	return rv;
}

int
fd_rpc_call(struct fd_rpc *r, const char *call_id, const json_t *req,
    json_t **rep, int timeout_ms)
{
	nng_ctx ctx;
	nng_aio *aio;
	nng_msg *m;
	int rv;

	*rep = NULL;
	if (!r->open)
		return NNG_ECLOSED;
	if ((rv = request_msg(call_id, req, &m)) != 0)
		return rv;
	if ((rv = exchange_open(r, &ctx, &aio, NULL, NULL)) != 0) {
		nng_msg_free(m);
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
	return decode_reply(call_id, m, rep);
}

/* An asynchronous call: its own context and aio, freed when done. */
struct rpc_pending {
	nng_ctx ctx;
	nng_aio *aio;
	int sent, timeout_ms;
	fd_rpc_done done;
	void *arg;
	char call_id[FD_CALL_ID_LEN];
};

/* The context is closed before the caller hears of the end: `done` may be
 * what lets the caller close the socket, and a context closed after its
 * socket makes nng panic on the socket's freed lock. */
static void
pending_end(struct rpc_pending *p, int rv, json_t *rep)
{
	fd_rpc_done done = p->done;
	void *arg = p->arg;

	nng_ctx_close(p->ctx);
	nng_aio_reap(p->aio); /* this is its callback: free later */
	free(p);
	done(arg, rv, rep);
}

static void
pending_cb(void *arg)
{
	struct rpc_pending *p = arg;
	json_t *rep = NULL;
	int rv = nng_aio_result(p->aio);

	if (rv != 0) {
		if (!p->sent)
			nng_msg_free(nng_aio_get_msg(p->aio));
		pending_end(p, rv, NULL);
	} else if (!p->sent) {
		p->sent = 1;
		nng_aio_set_timeout(p->aio, p->timeout_ms);
		nng_ctx_recv(p->ctx, p->aio);
	} else {
		rv = decode_reply(p->call_id, nng_aio_get_msg(p->aio), &rep);
		pending_end(p, rv, rep);
	}
}

int
fd_rpc_call_async(struct fd_rpc *r, const char *call_id, const json_t *req,
    int timeout_ms, fd_rpc_done done, void *arg)
{
	struct rpc_pending *p;
	nng_msg *m;
	int rv;

	if (!r->open)
		return NNG_ECLOSED;
	if ((rv = request_msg(call_id, req, &m)) != 0)
		return rv;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		nng_msg_free(m);
		return NNG_ENOMEM;
	}
	p->done = done;
	p->arg = arg;
	p->timeout_ms = timeout_ms;
	snprintf(p->call_id, sizeof(p->call_id), "%s", call_id ? call_id : "");
	if ((rv = exchange_open(r, &p->ctx, &p->aio, pending_cb, p)) != 0) {
		nng_msg_free(m);
		free(p);
		return rv;
	}
	nng_aio_set_timeout(p->aio, timeout_ms);
	nng_aio_set_msg(p->aio, m);
	nng_ctx_send(p->ctx, p->aio);
	return 0;
}

int
fd_rpc_tool(struct fd_rpc *r, const char *call_id, const char *tool,
    json_t *args, const char *now, json_t **rep, int timeout_ms)
{
	struct fd_pl_tool_req q = {.tool = tool, .now = now};
	char err[128];
	json_t *req;
	int rv;

	q.args = args ? args : json_object();
	req = fd_pl_json_tool_req(&q, err, sizeof(err));
	json_decref(q.args);
	if (req == NULL) {
		log_err(call_id, "rpc: %s", err);
		return NNG_ENOMEM;
	}
	rv = fd_rpc_call(r, call_id, req, rep, timeout_ms);
	json_decref(req);
	return rv;
}

/*
 * The server.  Requests are received by aio callbacks on `nslots`
 * contexts (a context holds one request from receipt to reply) and queued
 * for `nworkers` threads that run the handler; the reply is sent by the
 * same context's aio, whose callback arms the next receive.  A request thus
 * costs one thread handoff (callback -> worker) and no thread waits on an
 * aio, so many contexts cost no run queue of parked threads.
 */
enum { SLOT_RECV, SLOT_SEND };

struct rpc_slot {
	struct fd_rpc_server *srv;
	nng_ctx ctx;
	nng_aio *aio;
	int state;
	nng_msg *req; /* received, queued for a worker */
	struct rpc_slot *next;
};

struct rpc_worker {
	struct fd_rpc_server *srv;
	int idx;
	pthread_t thr;
};

struct fd_rpc_server {
	nng_socket rep;
	fd_rpc_handler handler;
	void *arg;
	int nworkers, nslots;
	struct rpc_worker *w;
	struct rpc_slot *slot;
	pthread_mutex_t mu;
	pthread_cond_t work;
	struct rpc_slot *head, *tail; /* requests waiting for a worker */
	int stop;
};

static json_t *
error_reply(const char *code, const char *msg)
{
	struct fd_pl_tool_rep r = {.ok = 0, .code = code, .error = msg};
	char err[128];

	return fd_pl_json_tool_rep(&r, err, sizeof(err));
}

static void
slot_recv(struct rpc_slot *sl)
{
	sl->state = SLOT_RECV;
	nng_aio_set_timeout(sl->aio, NNG_DURATION_INFINITE);
	nng_ctx_recv(sl->ctx, sl->aio);
}

static void
slot_cb(void *arg)
{
	struct rpc_slot *sl = arg;
	struct fd_rpc_server *s = sl->srv;
	int rv = nng_aio_result(sl->aio);

	if (sl->state == SLOT_SEND) {
		if (rv != 0)
			nng_msg_free(nng_aio_get_msg(sl->aio));
		if (rv != NNG_ECLOSED)
			slot_recv(sl);
		return;
	}
	if (rv == NNG_ECLOSED)
		return;
	if (rv != 0) {
		slot_recv(sl);
		return;
	}
	sl->req = nng_aio_get_msg(sl->aio);
	sl->next = NULL;
	pthread_mutex_lock(&s->mu);
	if (s->tail)
		s->tail->next = sl;
	else
		s->head = sl;
	s->tail = sl;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
}

/* The reply frame for one request frame (never NULL unless out of memory). */
static nng_msg *
serve_one(struct fd_rpc_server *s, int idx, nng_msg *m)
{
	struct fd_frame f;
	json_error_t je;
	json_t *req = NULL, *rep;
	char err[128], *out;
	nng_msg *r;
	int rv;

	if (fd_frame_decode(
	        nng_msg_body(m), nng_msg_len(m), &f, err, sizeof(err)) != 0 ||
	    f.type != FD_MSG_TOOL_REQ) {
		log_err(NULL, "rpc: bad request frame: %s",
		    f.type != FD_MSG_TOOL_REQ ? "not a tool_req" : err);
		rep = error_reply("bad_frame", "undecodable request");
	} else if ((req = json_loadb((const char *)f.payload, f.payload_len, 0,
	                &je)) == NULL ||
	    !json_is_object(req)) {
		rep = error_reply("bad_json", "request is not a JSON object");
	} else {
		rep = s->handler(s->arg, idx, f.call_id, req);
		if (rep == NULL)
			rep = error_reply("internal", "no reply");
	}
	json_decref(req);
	out = json_dumps(rep, JSON_COMPACT);
	json_decref(rep);
	if (out == NULL)
		return NULL;
	rv = fd_frame_msg(
	    &r, FD_MSG_TOOL_REP, f.call_id, 0, 0, out, strlen(out));
	free(out);
	return rv == 0 ? r : NULL;
}

static void *
worker_main(void *p)
{
	struct rpc_worker *w = p;
	struct fd_rpc_server *s = w->srv;
	struct rpc_slot *sl;
	nng_msg *rep;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (s->head == NULL && !s->stop)
			pthread_cond_wait(&s->work, &s->mu);
		/* stopping: a request not begun is not begun now (its reply
		 * could not be sent; the client's timeout tells it so) */
		if (s->stop || (sl = s->head) == NULL) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		if ((s->head = sl->next) == NULL)
			s->tail = NULL;
		pthread_mutex_unlock(&s->mu);
		rep = serve_one(s, w->idx, sl->req);
		nng_msg_free(sl->req);
		sl->req = NULL;
		if (rep == NULL) {
			/* no reply can be built: the client times out; the
			 * context takes the next request */
			log_err(NULL, "rpc: out of memory for a reply");
			slot_recv(sl);
			continue;
		}
		sl->state = SLOT_SEND;
		nng_aio_set_timeout(sl->aio, 5000);
		nng_aio_set_msg(sl->aio, rep);
		nng_ctx_send(sl->ctx, sl->aio);
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
	/* requests held at once; more wait in nng's socket queue */
	s->nslots = nworkers * 8 > 256 ? nworkers * 8 : 256;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	if ((s->w = calloc((size_t)nworkers, sizeof(*s->w))) == NULL ||
	    (s->slot = calloc((size_t)s->nslots, sizeof(*s->slot))) == NULL) {
		free(s->w);
		free(s);
		return NULL;
	}
	if ((rv = nng_rep0_open(&s->rep)) != 0 ||
	    (rv = nng_listen(s->rep, addr, NULL, 0)) != 0) {
		log_err(NULL, "rpc: listen %s: %s", addr, nng_strerror(rv));
		nng_close(s->rep);
		free(s->slot);
		free(s->w);
		free(s);
		return NULL;
	}
	for (i = 0; i < nworkers; i++) {
		s->w[i].srv = s;
		s->w[i].idx = i;
		if (pthread_create(&s->w[i].thr, NULL, worker_main, &s->w[i]) !=
		    0)
			fatalx("rpc: cannot start worker %d", i);
	}
	for (i = 0; i < s->nslots; i++) {
		s->slot[i].srv = s;
		if (nng_aio_alloc(&s->slot[i].aio, slot_cb, &s->slot[i]) != 0 ||
		    nng_ctx_open(&s->slot[i].ctx, s->rep) != 0)
			fatalx("rpc: cannot open context %d", i);
		slot_recv(&s->slot[i]);
	}
	return s;
}

void
fd_rpc_server_stop(struct fd_rpc_server *s)
{
	struct rpc_slot *sl;
	int i;

	if (s == NULL)
		return;
	/* contexts first: a pending receive or reply ends with NNG_ECLOSED
	 * (closing the socket under a reply in flight made nng 1.5 lock the
	 * socket's freed mutex and abort); a worker's late reply fails the
	 * same way */
	for (i = 0; i < s->nslots; i++)
		nng_ctx_close(s->slot[i].ctx);
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < s->nworkers; i++)
		pthread_join(s->w[i].thr, NULL);
	for (i = 0; i < s->nslots; i++)
		nng_aio_stop(s->slot[i].aio);
	/* requests nobody served: every worker has left */
	while ((sl = s->head) != NULL) {
		s->head = sl->next;
		nng_msg_free(sl->req);
	}
	for (i = 0; i < s->nslots; i++)
		nng_aio_free(s->slot[i].aio);
	nng_close(s->rep);
	pthread_cond_destroy(&s->work);
	pthread_mutex_destroy(&s->mu);
	free(s->slot);
	free(s->w);
	free(s);
}
