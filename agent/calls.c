/*
 * calls.c - the table of live calls, their event queues and the pool of
 * worker threads.  The main thread posts frames; a call with events sits
 * once on the run queue; a worker takes it, handles one event, and puts
 * it back if more are waiting, so calls take turns and one call's events
 * are never handled by two workers at once.  Lock order: table, call, run
 * queue.
 */
#include <stdlib.h>
#include <string.h>

#include "agent_call.h"
#include "log.h"
#include "rt_call.h"

struct event {
	struct event *next;
	nng_msg *msg; /* NULL: a timer tick or rt */
	char *rt; /* a Realtime event (rt_call.h) */
	struct fd_frame f;
};

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static struct call *table;
static int ncalls;

static pthread_mutex_t run_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t run_cv = PTHREAD_COND_INITIALIZER;
static struct call *run_head, *run_tail;
static int stopping;

#define GONE_RING 256
static char gone[GONE_RING][FD_CALL_ID_LEN]; /* under table_mu */
static unsigned gone_next;

static pthread_t *workers;
static int nworkers;
static struct agent_ctx *shared;

static void *worker_main(void *);

/* with c->mu held */
static void
schedule(struct call *c)
{
	if (c->scheduled)
		return;
	c->scheduled = 1;
	pthread_mutex_lock(&run_mu);
	c->run_next = NULL;
	if (run_tail)
		run_tail->run_next = c;
	else
		run_head = c;
	run_tail = c;
	pthread_cond_signal(&run_cv);
	pthread_mutex_unlock(&run_mu);
}

/* with c->mu held */
static void
enqueue(struct call *c, struct event *e)
{
	e->next = NULL;
	if (c->qtail)
		c->qtail->next = e;
	else
		c->qhead = e;
	c->qtail = e;
	schedule(c);
}

static struct call *
find(const char *call_id)
{
	struct call *c;

	for (c = table; c; c = c->next)
		if (strcmp(c->bc.st.call_id, call_id) == 0)
			return c;
	return NULL;
}

/* with table_mu held */
static int
is_gone(const char *call_id)
{
	int i;

	for (i = 0; i < GONE_RING; i++)
		if (gone[i][0] && strcmp(gone[i], call_id) == 0)
			return 1;
	return 0;
}

static struct call *
create(const char *call_id)
{
	struct call *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	pthread_mutex_init(&c->mu, NULL);
	c->ctx = shared;
	snprintf(c->bc.st.call_id, sizeof(c->bc.st.call_id), "%s", call_id);
	c->created_us = fd_mono_us();
	c->first_word_ms = -1;
	c->next = table;
	table = c;
	ncalls++;
	return c;
}

void
calls_post(nng_msg *m, const struct fd_frame *f)
{
	struct event *e;
	struct call *c;

	if (f->call_id[0] == '\0') {
		log_warnx(NULL, "%s without a call id, dropped",
		    fd_msg_name(f->type));
		nng_msg_free(m);
		return;
	}
	pthread_mutex_lock(&table_mu);
	if ((c = find(f->call_id)) == NULL) {
		if (f->type != FD_MSG_CALL_START && is_gone(f->call_id)) {
			/* late echoes after the call ended are normal */
			pthread_mutex_unlock(&table_mu);
			log_debug(f->call_id, "%s for no live call, dropped",
			    fd_msg_name(f->type));
			nng_msg_free(m);
			return;
		}
		if ((c = create(f->call_id)) == NULL) {
			pthread_mutex_unlock(&table_mu);
			log_err(f->call_id, "out of memory: call refused");
			nng_msg_free(m);
			return;
		}
		c->resuming = f->type != FD_MSG_CALL_START;
	}
	if ((e = malloc(sizeof(*e))) == NULL) {
		pthread_mutex_unlock(&table_mu);
		log_err(f->call_id, "out of memory: %s dropped",
		    fd_msg_name(f->type));
		nng_msg_free(m);
		return;
	}
	e->msg = m;
	e->rt = NULL;
	e->f = *f;
	pthread_mutex_lock(&c->mu);
	enqueue(c, e);
	pthread_mutex_unlock(&c->mu);
	pthread_mutex_unlock(&table_mu);
}

void
calls_post_rt(const char *call_id, char *text)
{
	struct event *e;
	struct call *c;

	pthread_mutex_lock(&table_mu);
	if ((c = find(call_id)) == NULL ||
	    (e = calloc(1, sizeof(*e))) == NULL) {
		pthread_mutex_unlock(&table_mu);
		free(text);
		return;
	}
	e->rt = text;
	pthread_mutex_lock(&c->mu);
	enqueue(c, e);
	pthread_mutex_unlock(&c->mu);
	pthread_mutex_unlock(&table_mu);
}

void
calls_tick(void)
{
	uint64_t now = fd_mono_us();
	struct event *e;
	struct call *c;

	pthread_mutex_lock(&table_mu);
	for (c = table; c; c = c->next) {
		pthread_mutex_lock(&c->mu);
		if (c->due_us && now >= c->due_us && !c->tick_pending &&
		    (e = calloc(1, sizeof(*e))) != NULL) {
			c->tick_pending = 1;
			enqueue(c, e);
		}
		pthread_mutex_unlock(&c->mu);
	}
	pthread_mutex_unlock(&table_mu);
}

int
calls_count(void)
{
	int n;

	pthread_mutex_lock(&table_mu);
	n = ncalls;
	pthread_mutex_unlock(&table_mu);
	return n;
}

void
calls_unlink(struct call *c)
{
	struct call **pp;

	pthread_mutex_lock(&table_mu);
	for (pp = &table; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			ncalls--;
			break;
		}
	snprintf(gone[gone_next++ % GONE_RING], FD_CALL_ID_LEN, "%s",
	    c->bc.st.call_id);
	pthread_mutex_unlock(&table_mu);
	c->finished = 1;
}

void
calls_forget(struct call *c)
{
	calls_unlink(c);
}

static void
event_free(struct event *e)
{
	if (e->msg)
		nng_msg_free(e->msg);
	free(e->rt);
	free(e);
}

static void
run_one(struct call *c)
{
	struct event *e;
	int more;

	pthread_mutex_lock(&c->mu);
	e = c->qhead;
	if (e) {
		c->qhead = e->next;
		if (c->qhead == NULL)
			c->qtail = NULL;
		if (e->msg == NULL && e->rt == NULL)
			c->tick_pending = 0;
	}
	pthread_mutex_unlock(&c->mu);
	if (e) {
		if (e->msg)
			call_handle_frame(c, &e->f);
		else if (e->rt) {
			rt_call_event(c, e->rt); /* takes it */
			e->rt = NULL;
		} else
			call_handle_tick(c);
		event_free(e);
	}
	if (c->finished) {
		/* unlinked: nothing can post any more, drain and free */
		while ((e = c->qhead) != NULL) {
			c->qhead = e->next;
			event_free(e);
		}
		pthread_mutex_destroy(&c->mu);
		call_free(c);
		return;
	}
	pthread_mutex_lock(&c->mu);
	c->due_us = call_next_due(c);
	more = c->qhead != NULL;
	c->scheduled = 0;
	if (more)
		schedule(c);
	pthread_mutex_unlock(&c->mu);
}

static void *
worker_main(void *arg)
{
	struct call *c;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&run_mu);
		while (run_head == NULL && !stopping)
			pthread_cond_wait(&run_cv, &run_mu);
		if (run_head == NULL) {
			pthread_mutex_unlock(&run_mu);
			break;
		}
		c = run_head;
		run_head = c->run_next;
		if (run_head == NULL)
			run_tail = NULL;
		pthread_mutex_unlock(&run_mu);
		run_one(c);
	}
	return NULL;
}

int
calls_start(struct agent_ctx *ctx, int n)
{
	int i;

	shared = ctx;
	if ((workers = calloc((size_t)n, sizeof(*workers))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (pthread_create(&workers[i], NULL, worker_main, NULL) != 0) {
			log_warn(NULL, "pthread_create");
			break;
		}
	}
	nworkers = i;
	return nworkers > 0 ? 0 : -1;
}

/* Workers finish what is queued, then the calls still live are ended as
 * if the gateway had ended them, so their records are closed. */
void
calls_stop(void)
{
	struct fd_frame f;
	struct call *c;
	nng_msg *m;
	char ids[64][FD_CALL_ID_LEN];
	int i, n = 0;
	static const char end[] = "{\"reason\":\"agent_shutdown\"}";

	pthread_mutex_lock(&table_mu);
	for (c = table; c && n < 64; c = c->next)
		snprintf(ids[n++], FD_CALL_ID_LEN, "%s", c->bc.st.call_id);
	pthread_mutex_unlock(&table_mu);
	for (i = 0; i < n; i++) {
		char err[64];

		if (fd_frame_msg(&m, FD_MSG_CALL_END, ids[i], 0, 0, end,
		        sizeof(end) - 1) != 0)
			continue;
		if (fd_frame_decode(nng_msg_body(m), nng_msg_len(m), &f, err,
		        sizeof(err)) != 0) {
			nng_msg_free(m);
			continue;
		}
		calls_post(m, &f);
	}
	pthread_mutex_lock(&run_mu);
	stopping = 1;
	pthread_cond_broadcast(&run_cv);
	pthread_mutex_unlock(&run_mu);
	for (i = 0; i < nworkers; i++)
		pthread_join(workers[i], NULL);
	free(workers);
	workers = NULL;
	nworkers = 0;
}
