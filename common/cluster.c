/*
 * cluster.c - instance registration, discovery and call assignment in
 * Redis (cluster.h says the contract).
 *
 * One thread per process: every FD_CLUSTER_TICK_MS it refreshes this
 * instance's registration, reads the instances of the kinds the daemon
 * listens to, dials new ones on the bus (and crm-tools on the rpc socket),
 * stops dialling expired ones, writes the gateway's assignments to Redis
 * and, in the gateway, moves the calls of dead instances to live ones.
 * The receiving thread of a worker only reads the call table
 * (fd_cluster_mine); it talks to Redis only for a call it has never heard
 * of, at most every NEG_RETRY_US per call.  Redis being down stops
 * nothing: the last view stands, the bus still shows who is alive.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hiredis/hiredis.h>

#include "clock.h"
#include "cluster.h"
#include "log.h"
#include "strmap.h"

#define MAX_INST 16 /* instances of one kind */
#define NBUCKETS 1024
#define NKIND 3 /* stt, agent, tts: the kinds a call is assigned */
#define MS 1000ull
#define REDIS_TIMEOUT_MS 500
#define REDIS_RETRY_US (200 * MS)
/* an instance gone from the registry stays known (and dialled) this long:
 * a registration that lapsed because Redis was slow is not a death while
 * the instance is heard on the bus */
#define GONE_GRACE_US (5000 * MS)
#define NEG_RETRY_US (500 * MS) /* re-ask Redis about an unknown call */
#define ENDED_KEEP_US (60000 * MS) /* late frames of an ended call */
#define IDLE_KEEP_US (7200000 * MS) /* a call no frame touched */
#define CALL_TTL_S 14400 /* fd:call:<sid> */
#define MAX_MOVES 64 /* calls moved per tick */

struct inst {
	char name[FD_CLUSTER_NAME_LEN];
	char pub[256]; /* the pub this process hears it at: its media pub
	                * when this process takes its media type */
	char rep[256];
	int calls; /* its live calls, as it reported them */
	uint64_t gone_us; /* not registered since, 0 registered */
};

struct kindtab {
	struct inst v[MAX_INST];
	int n;
};

/* A call as this process knows it. */
struct ent {
	char id[FD_CALL_ID_LEN];
	char own[NKIND][FD_CLUSTER_NAME_LEN]; /* "" unknown */
	int known; /* 0: asked Redis, nothing there (yet) */
	int was_mine; /* served here at some point */
	int ended;
	int gw; /* assigned by this gateway */
	int dirty; /* gateway: Redis not written yet */
	int dropped; /* gateway: Redis key deleted */
	uint64_t touched_us, ended_us, checked_us;
	struct ent *next;
};

static struct {
	int on;
	enum fd_daemon_id self;
	char name[FD_CLUSTER_NAME_LEN];
	struct fd_bus *bus;
	struct fd_rpc *rpc;
	enum fd_daemon_id from[FD_D_MAX];
	size_t nfrom;
	fd_cluster_move_fn on_move;
	pthread_t thr;
	int have_thr;
	int quit; /* atomic */
	pthread_mutex_t mu; /* kinds, calls, rr */
	pthread_mutex_t rmu; /* the Redis connection */
	redisContext *rc;
	int rdown;
	uint64_t rnext;
	struct kindtab kinds[FD_D_MAX];
	int polled; /* kinds[] holds a view from Redis */
	struct ent *b[NBUCKETS];
	char pubs[FD_BUS_MAX_PEERS][256]; /* dialled from the registry */
	int npubs;
	char reps[MAX_INST][256];
	int nreps;
	unsigned rr;
} cl = {.mu = PTHREAD_MUTEX_INITIALIZER, .rmu = PTHREAD_MUTEX_INITIALIZER};

static const char *
kname(enum fd_daemon_id k)
{
	return fd_daemons[k].name;
}

/* The index of a kind in a call's assignment, -1 for another kind. */
static int
kidx(enum fd_daemon_id k)
{
	switch (k) {
	case FD_D_STT:
		return 0;
	case FD_D_AGENT:
		return 1;
	case FD_D_TTS:
		return 2;
	default:
		return -1;
	}
}

static const enum fd_daemon_id kinds_assigned[NKIND] = {
    FD_D_STT, FD_D_AGENT, FD_D_TTS};

int
fd_cluster_on(void)
{
	return fd_common.cluster;
}

const char *
fd_cluster_self(void)
{
	return cl.name;
}

/* ---- Redis ---- */

/* With rmu held: a usable connection or NULL. */
static redisContext *
rconn(void)
{
	struct timeval tv = {0, REDIS_TIMEOUT_MS * 1000};
	const char *a = fd_common.cluster_redis, *colon;
	char host[200];

	if (cl.rc)
		return cl.rc;
	if (fd_mono_us() < cl.rnext)
		return NULL;
	if (strncmp(a, "unix:", 5) == 0)
		cl.rc = redisConnectUnixWithTimeout(a + 5, tv);
	else if ((colon = strrchr(a, ':')) != NULL &&
	    (size_t)(colon - a) < sizeof(host)) {
		memcpy(host, a, (size_t)(colon - a));
		host[colon - a] = '\0';
		cl.rc = redisConnectWithTimeout(host, atoi(colon + 1), tv);
	}
	if (cl.rc == NULL || cl.rc->err) {
		if (!cl.rdown)
			log_warnx(NULL,
			    "cluster: redis %s: %s; keeping the last view", a,
			    cl.rc ? cl.rc->errstr : "bad address");
		cl.rdown = 1;
		if (cl.rc)
			redisFree(cl.rc);
		cl.rc = NULL;
		cl.rnext = fd_mono_us() + REDIS_RETRY_US;
		return NULL;
	}
	redisSetTimeout(cl.rc, tv);
	if (cl.rdown)
		log_info(NULL, "cluster: redis %s back", a);
	cl.rdown = 0;
	return cl.rc;
}

/* With rmu held: one command; NULL when Redis is unreachable (the
 * connection is dropped and retried later) or answers an error. */
static redisReply *
rcmd(const char *fmt, ...)
{
	redisReply *r;
	va_list ap;

	if (rconn() == NULL)
		return NULL;
	va_start(ap, fmt);
	r = redisvCommand(cl.rc, fmt, ap);
	va_end(ap);
	if (r == NULL) {
		if (!cl.rdown)
			log_warnx(NULL, "cluster: redis: %s", cl.rc->errstr);
		cl.rdown = 1;
		redisFree(cl.rc);
		cl.rc = NULL;
		cl.rnext = fd_mono_us() + REDIS_RETRY_US;
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		log_warnx(NULL, "cluster: redis: %s", r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* ---- the call table (mu held) ---- */

static unsigned
bucket(const char *id)
{
	return fd_str_hash(id) % NBUCKETS;
}

static struct ent *
ent_find(const char *id)
{
	struct ent *e;

	for (e = cl.b[bucket(id)]; e; e = e->next)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

static struct ent *
ent_get(const char *id)
{
	struct ent *e;
	unsigned h;

	if ((e = ent_find(id)) != NULL)
		return e;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	snprintf(e->id, sizeof(e->id), "%s", id);
	h = bucket(id);
	e->next = cl.b[h];
	cl.b[h] = e;
	return e;
}

/* Calls of instance name of kind k: this gateway's (gw) or all live. */
static int
count_calls(int k, const char *name, int gw_only)
{
	struct ent *e;
	int i, n = 0;

	for (i = 0; i < NBUCKETS; i++)
		for (e = cl.b[i]; e; e = e->next)
			if (!e->ended && (!gw_only || e->gw) &&
			    strcmp(e->own[k], name) == 0)
				n++;
	return n;
}

/* Forget ended and long idle calls (cluster thread). */
static void
prune(uint64_t now)
{
	struct ent **pp, *e;
	int i;

	for (i = 0; i < NBUCKETS; i++)
		for (pp = &cl.b[i]; (e = *pp) != NULL;) {
			int old = e->ended
			    ? now > e->ended_us + ENDED_KEEP_US &&
			        (!e->gw || e->dropped)
			    : !e->gw && now > e->touched_us + IDLE_KEEP_US;

			if (old) {
				*pp = e->next;
				free(e);
			} else
				pp = &e->next;
		}
}

/* ---- instances ---- */

static struct inst *
inst_find(enum fd_daemon_id k, const char *name)
{
	int i;

	for (i = 0; i < cl.kinds[k].n; i++)
		if (strcmp(cl.kinds[k].v[i].name, name) == 0)
			return &cl.kinds[k].v[i];
	return NULL;
}

/* The bus's view of a publisher: 1 connected and heard within silent_ms,
 * 0 silent longer or its connection gone for a while (dead), -1 gone only
 * just, or not dialled yet. */
static int
bus_state_within(const char *pub, uint64_t now, int silent_ms)
{
	struct fd_bus_peer p;
	int i;

	if (cl.bus == NULL || pub[0] == '\0')
		return -1;
	for (i = 0; fd_bus_peer_get(cl.bus, i, &p) == 0; i++) {
		if (strcmp(p.addr, pub) != 0)
			continue;
		if (p.pipe)
			return now < p.heard_us + (uint64_t)silent_ms * MS ? 1
			                                                   : 0;
		return p.lost_us && now > p.lost_us + FD_CLUSTER_LOST_MS * MS
		    ? 0
		    : -1;
	}
	return -1;
}

static int
bus_state(const char *pub, uint64_t now)
{
	return bus_state_within(pub, now, FD_CLUSTER_SILENT_MS);
}

/* mu held: may new calls go to this instance (registered and heard). */
static int
inst_alive(enum fd_daemon_id k, const struct inst *in, uint64_t now)
{
	(void)k;
	return in->gone_us == 0 && bus_state(in->pub, now) == 1;
}

/* mu held: must the calls of name (kind k) move?  Its bus connection
 * gone or silent, or its registration expired and the bus does not show
 * it alive either (never heard, or not dialled). */
static int
inst_dead(enum fd_daemon_id k, const char *name, uint64_t now)
{
	struct inst *in = inst_find(k, name);
	int bus;

	if (in == NULL)
		return cl.polled;
	if (bus_state(in->pub, now) == 0)
		return 1;
	/* out of the registry too: a shorter silence will do */
	bus = bus_state_within(in->pub, now, FD_CLUSTER_GONE_SILENT_MS);
	return in->gone_us != 0 && bus != 1;
}

/* mu held: the new view of kind k, keeping for GONE_GRACE_US the
 * instances that left it. */
static void
kind_update(enum fd_daemon_id k, struct kindtab *t, uint64_t now)
{
	const struct kindtab *old = &cl.kinds[k];
	int i, j, found;

	for (i = 0; i < old->n && t->n < MAX_INST; i++) {
		for (found = 0, j = 0; j < t->n && !found; j++)
			found = strcmp(t->v[j].name, old->v[i].name) == 0;
		if (found)
			continue;
		if (old->v[i].gone_us == 0)
			log_warnx(NULL, "cluster: %s %s left the registry",
			    kname(k), old->v[i].name);
		else if (now > old->v[i].gone_us + GONE_GRACE_US)
			continue;
		t->v[t->n] = old->v[i];
		if (t->v[t->n].gone_us == 0)
			t->v[t->n].gone_us = now;
		t->n++;
	}
	cl.kinds[k] = *t;
}

/* mu held: the live instance of kind k with the fewest calls (this
 * gateway's count when it is higher than the one reported, which lags),
 * ties taken in turn; NULL if none. */
static const struct inst *
choose(enum fd_daemon_id k, uint64_t now)
{
	const struct kindtab *t = &cl.kinds[k];
	const struct inst *best = NULL;
	int i, j, n, load, best_load = 0;

	if (t->n == 0)
		return NULL;
	cl.rr++;
	for (j = 0; j < t->n; j++) {
		i = (int)((cl.rr + (unsigned)j) % (unsigned)t->n);
		if (!inst_alive(k, &t->v[i], now))
			continue;
		n = count_calls(kidx(k), t->v[i].name, 1);
		load = n > t->v[i].calls ? n : t->v[i].calls;
		if (best == NULL || load < best_load) {
			best = &t->v[i];
			best_load = load;
		}
	}
	return best;
}

/* ---- the thread ---- */

static void
register_self(void)
{
	char key[160], val[960];
	int k = kidx(cl.self), calls = 0;
	const char *pub = cl.self == FD_D_CRM ? "" : fd_pub_addr(cl.self);
	const char *rep = cl.self == FD_D_CRM ? fd_common.crm_rep : "";
	const char *media = fd_media_addr(cl.self);
	redisReply *r;

	if (k >= 0) {
		pthread_mutex_lock(&cl.mu);
		calls = count_calls(k, cl.name, 0);
		pthread_mutex_unlock(&cl.mu);
	}
	snprintf(key, sizeof(key), "fd:inst:%s:%s", kname(cl.self), cl.name);
	snprintf(val, sizeof(val), "%d %s %s %s", calls, pub[0] ? pub : "-",
	    rep[0] ? rep : "-", media[0] ? media : "-");
	pthread_mutex_lock(&cl.rmu);
	if ((r = rcmd("SET %s %s PX %d", key, val, FD_CLUSTER_TTL_MS)))
		freeReplyObject(r);
	if ((r = rcmd("SADD fd:insts:%s %s", kname(cl.self), cl.name)))
		freeReplyObject(r);
	pthread_mutex_unlock(&cl.rmu);
}

/* Read the registered instances of kind k into *t; -1 if Redis did not
 * answer.  A registration is "<calls> <pub> <rep> <media>", "-" for
 * none (media may be missing: an instance that has none). */
static int
read_kind(enum fd_daemon_id k, struct kindtab *t)
{
	redisReply *m, *v;
	struct inst *in;
	size_t i;
	char pub[256], rep[256], media[256];
	int calls, use_media;

	use_media = fd_daemons[k].media_type && cl.bus &&
	    fd_bus_subscribes(cl.bus, fd_daemons[k].media_type);

	t->n = 0;
	pthread_mutex_lock(&cl.rmu);
	if ((m = rcmd("SMEMBERS fd:insts:%s", kname(k))) == NULL) {
		pthread_mutex_unlock(&cl.rmu);
		return -1;
	}
	for (i = 0; i < m->elements && t->n < MAX_INST; i++) {
		const char *name = m->element[i]->str;

		if (name == NULL || strlen(name) >= FD_CLUSTER_NAME_LEN)
			continue;
		if ((v = rcmd("GET fd:inst:%s:%s", kname(k), name)) == NULL)
			continue;
		strcpy(media, "-");
		if (v->type != REDIS_REPLY_STRING ||
		    sscanf(v->str, "%d %255s %255s %255s", &calls, pub, rep,
		        media) < 3) {
			/* expired: no longer a member */
			freeReplyObject(v);
			if ((v = rcmd("SREM fd:insts:%s %s", kname(k), name)))
				freeReplyObject(v);
			continue;
		}
		freeReplyObject(v);
		in = &t->v[t->n++];
		snprintf(in->name, sizeof(in->name), "%s", name);
		if (use_media && strcmp(media, "-") != 0)
			snprintf(in->pub, sizeof(in->pub), "%s", media);
		else
			snprintf(in->pub, sizeof(in->pub), "%s",
			    strcmp(pub, "-") ? pub : "");
		snprintf(in->rep, sizeof(in->rep), "%s",
		    strcmp(rep, "-") ? rep : "");
		in->calls = calls;
		in->gone_us = 0;
	}
	freeReplyObject(m);
	pthread_mutex_unlock(&cl.rmu);
	return 0;
}

static int
listens_to(enum fd_daemon_id k)
{
	size_t i;

	for (i = 0; i < cl.nfrom; i++)
		if (cl.from[i] == k)
			return 1;
	return 0;
}

/* Dial the pubs of the instances we listen to; stop dialling those gone. */
static void
sync_bus(void)
{
	char want[FD_BUS_MAX_PEERS][256];
	int nwant = 0, i, j, found;
	size_t f;

	pthread_mutex_lock(&cl.mu);
	for (f = 0; f < cl.nfrom; f++)
		for (i = 0; i < cl.kinds[cl.from[f]].n; i++) {
			const char *p = cl.kinds[cl.from[f]].v[i].pub;

			if (p[0] && nwant < FD_BUS_MAX_PEERS)
				snprintf(
				    want[nwant++], sizeof(want[0]), "%s", p);
		}
	pthread_mutex_unlock(&cl.mu);
	for (i = 0; i < cl.npubs;) {
		for (found = 0, j = 0; j < nwant && !found; j++)
			found = strcmp(cl.pubs[i], want[j]) == 0;
		if (found) {
			i++;
			continue;
		}
		fd_bus_drop_peer(cl.bus, cl.pubs[i]);
		memmove(cl.pubs[i], cl.pubs[cl.npubs - 1], sizeof(cl.pubs[0]));
		cl.npubs--;
	}
	for (j = 0; j < nwant; j++) {
		for (found = 0, i = 0; i < cl.npubs && !found; i++)
			found = strcmp(cl.pubs[i], want[j]) == 0;
		if (found || cl.npubs >= FD_BUS_MAX_PEERS)
			continue;
		if (fd_bus_add_peer(cl.bus, want[j]) == 0)
			memcpy(
			    cl.pubs[cl.npubs++], want[j], sizeof(cl.pubs[0]));
	}
}

/* Dial every crm-tools instance's rep (once: nng keeps re-dialling). */
static void
sync_rpc(void)
{
	int i, j, found;

	pthread_mutex_lock(&cl.mu);
	for (i = 0; i < cl.kinds[FD_D_CRM].n; i++) {
		const char *rep = cl.kinds[FD_D_CRM].v[i].rep;

		for (found = 0, j = 0; j < cl.nreps && !found; j++)
			found = strcmp(cl.reps[j], rep) == 0;
		if (found || !rep[0] || strcmp(rep, fd_common.crm_rep) == 0 ||
		    cl.nreps >= MAX_INST)
			continue;
		if (fd_rpc_dial(cl.rpc, rep) == 0) {
			snprintf(
			    cl.reps[cl.nreps++], sizeof(cl.reps[0]), "%s", rep);
			log_info(NULL, "cluster: crm-tools %s at %s",
			    cl.kinds[FD_D_CRM].v[i].name, rep);
		}
	}
	pthread_mutex_unlock(&cl.mu);
}

/* Gateway: assignments to Redis, ended calls out of it. */
static void
write_calls(void)
{
	struct ent *e;
	redisReply *r;
	char id[FD_CALL_ID_LEN], own[NKIND][FD_CLUSTER_NAME_LEN];
	int i, ended, again;

	do {
		again = 0;
		pthread_mutex_lock(&cl.mu);
		for (i = 0, e = NULL; i < NBUCKETS && e == NULL; i++)
			for (e = cl.b[i]; e; e = e->next)
				if (e->gw &&
				    (e->dirty || (e->ended && !e->dropped)))
					break;
		if (e) {
			snprintf(id, sizeof(id), "%s", e->id);
			memcpy(own, e->own, sizeof(own));
			ended = e->ended;
			e->dirty = 0;
			e->dropped = ended;
			again = 1;
		}
		pthread_mutex_unlock(&cl.mu);
		if (!again)
			break;
		pthread_mutex_lock(&cl.rmu);
		if (ended)
			r = rcmd("DEL fd:call:%s", id);
		else if ((r = rcmd("HSET fd:call:%s stt %s agent %s tts %s "
		                   "gateway %s",
		              id, own[0], own[1], own[2], cl.name)) != NULL) {
			freeReplyObject(r);
			r = rcmd("EXPIRE fd:call:%s %d", id, CALL_TTL_S);
		}
		pthread_mutex_unlock(&cl.rmu);
		if (r)
			freeReplyObject(r);
		else {
			/* Redis down: try again next tick */
			pthread_mutex_lock(&cl.mu);
			if ((e = ent_find(id)) != NULL) {
				e->dirty = !ended;
				e->dropped = 0;
			}
			pthread_mutex_unlock(&cl.mu);
			break;
		}
	} while (again);
}

struct move {
	char id[FD_CALL_ID_LEN];
	char own[NKIND][FD_CLUSTER_NAME_LEN];
};

/* Gateway: this gateway's calls on a dead instance go to a live one. */
static void
move_calls(uint64_t now)
{
	static struct move mv[MAX_MOVES];
	int moved_kind[NKIND] = {0};
	const struct inst *to;
	struct ent *e;
	int i, k, n = 0, changed;

	pthread_mutex_lock(&cl.mu);
	for (i = 0; i < NBUCKETS && n < MAX_MOVES; i++)
		for (e = cl.b[i]; e && n < MAX_MOVES; e = e->next) {
			if (!e->gw || e->ended)
				continue;
			changed = 0;
			for (k = 0; k < NKIND; k++) {
				if (!inst_dead(
				        kinds_assigned[k], e->own[k], now))
					continue;
				if ((to = choose(kinds_assigned[k], now)) ==
				    NULL)
					continue;
				log_warnx(e->id,
				    "cluster: %s %s is gone: call moves "
				    "to %s",
				    kname(kinds_assigned[k]), e->own[k],
				    to->name);
				snprintf(e->own[k], sizeof(e->own[k]), "%s",
				    to->name);
				moved_kind[k] = changed = 1;
			}
			if (changed) {
				e->dirty = 1;
				snprintf(
				    mv[n].id, sizeof(mv[n].id), "%s", e->id);
				memcpy(mv[n].own, e->own, sizeof(mv[n].own));
				n++;
			}
		}
	pthread_mutex_unlock(&cl.mu);
	for (i = 0; i < n; i++) {
		struct fd_pl_call_assign a = {.stt = mv[i].own[0],
		    .agent = mv[i].own[1],
		    .tts = mv[i].own[2],
		    .moved = 1};

		fd_bus_publish_call_assign(cl.bus, mv[i].id, 0, &a);
	}
	for (k = 0; k < NKIND; k++)
		if (moved_kind[k] && cl.on_move)
			cl.on_move(kinds_assigned[k]);
}

static void *
cluster_main(void *arg)
{
	struct kindtab t;
	enum fd_daemon_id k;
	uint64_t now;
	int ok, want;

	(void)arg;
	while (!__atomic_load_n(&cl.quit, __ATOMIC_SEQ_CST)) {
		register_self();
		ok = 1;
		for (k = 0; k < FD_D_MAX; k++) {
			want = listens_to(k) ||
			    (k == FD_D_CRM && cl.rpc != NULL) ||
			    (cl.on_move && kidx(k) >= 0);
			if (!want)
				continue;
			if (read_kind(k, &t) != 0) {
				ok = 0;
				break;
			}
			pthread_mutex_lock(&cl.mu);
			kind_update(k, &t, fd_mono_us());
			pthread_mutex_unlock(&cl.mu);
		}
		pthread_mutex_lock(&cl.mu);
		cl.polled = ok;
		pthread_mutex_unlock(&cl.mu);
		if (ok && cl.bus && cl.nfrom > 0)
			sync_bus();
		if (ok && cl.rpc)
			sync_rpc();
		now = fd_mono_us();
		if (cl.on_move) {
			move_calls(now);
			write_calls();
		}
		pthread_mutex_lock(&cl.mu);
		prune(now);
		pthread_mutex_unlock(&cl.mu);
		fd_sleep_us(FD_CLUSTER_TICK_MS * MS);
	}
	return NULL;
}

int
fd_cluster_start(struct fd_bus *b, enum fd_daemon_id self,
    const enum fd_daemon_id *from, size_t nfrom, struct fd_rpc *rpc,
    fd_cluster_move_fn on_move)
{
	char host[64];
	size_t i;

	if (!fd_common.cluster)
		return 0;
	cl.on = 1;
	cl.self = self;
	cl.bus = b;
	cl.rpc = rpc;
	cl.on_move = on_move;
	for (i = 0; i < nfrom && i < FD_D_MAX; i++)
		cl.from[cl.nfrom++] = from[i];
	if (fd_common.instance[0])
		snprintf(cl.name, sizeof(cl.name), "%s", fd_common.instance);
	else {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		snprintf(
		    cl.name, sizeof(cl.name), "%.40s-%s", host, kname(self));
	}
	if (self != FD_D_CRM && strncmp(fd_pub_addr(self), "ipc://", 6) == 0)
		log_warnx(NULL,
		    "cluster: my pub %s is ipc://: only this host "
		    "hears me (set bus.%s to tcp://ADDRESS:PORT)",
		    fd_pub_addr(self), kname(self));
	if (strncmp(fd_media_addr(self), "ipc://", 6) == 0)
		log_warnx(NULL,
		    "cluster: my media pub %s is ipc://: only this host "
		    "hears it (set bus.%s_media to tcp://ADDRESS:PORT)",
		    fd_media_addr(self), kname(self));
	register_self();
	if (pthread_create(&cl.thr, NULL, cluster_main, NULL) != 0) {
		log_err(NULL, "cluster: cannot start its thread");
		return -1;
	}
	cl.have_thr = 1;
	log_info(NULL, "cluster: instance %s, redis %s", cl.name,
	    fd_common.cluster_redis);
	return 0;
}

void
fd_cluster_stop(void)
{
	redisReply *r;
	struct ent *e;
	int i;

	if (!cl.have_thr)
		return;
	__atomic_store_n(&cl.quit, 1, __ATOMIC_SEQ_CST);
	pthread_join(cl.thr, NULL);
	cl.have_thr = 0;
	/* a clean stop hands the calls on at once */
	pthread_mutex_lock(&cl.rmu);
	if ((r = rcmd("DEL fd:inst:%s:%s", kname(cl.self), cl.name)))
		freeReplyObject(r);
	if (cl.rc)
		redisFree(cl.rc);
	cl.rc = NULL;
	pthread_mutex_unlock(&cl.rmu);
	pthread_mutex_lock(&cl.mu);
	cl.polled = 0;
	for (i = 0; i < NBUCKETS; i++)
		while ((e = cl.b[i]) != NULL) {
			cl.b[i] = e->next;
			free(e);
		}
	pthread_mutex_unlock(&cl.mu);
}

/* ---- readiness ---- */

static void *
ready_main(void *arg)
{
	const char *e = getenv("FRONTDESK_READY_TIMEOUT_S");
	uint64_t end, now;
	size_t f;
	int i, all;
	char *what = arg;

	end = fd_mono_us() + (uint64_t)(e && *e ? atoi(e) : 30) * 1000000;
	for (;;) {
		now = fd_mono_us();
		all = 1;
		pthread_mutex_lock(&cl.mu);
		for (f = 0; f < cl.nfrom && all; f++) {
			const struct kindtab *t = &cl.kinds[cl.from[f]];

			/* a site may run no scheduler */
			if (cl.from[f] == FD_D_SCHEDULER)
				continue;
			for (all = 0, i = 0; i < t->n && !all; i++)
				all = bus_state(t->v[i].pub, now) == 1;
		}
		pthread_mutex_unlock(&cl.mu);
		if (all || now > end)
			break;
		fd_sleep_us(50 * MS);
	}
	if (!all)
		log_warnx(NULL, "cluster: not every kind I listen to is heard");
	fd_daemon_ready(what);
	free(what);
	return NULL;
}

void
fd_cluster_ready_when_connected(const char *what)
{
	pthread_t t;
	char *w = strdup(what);

	if (w == NULL || pthread_create(&t, NULL, ready_main, w) != 0) {
		free(w);
		fd_daemon_ready(what);
		return;
	}
	pthread_detach(t);
}

/* ---- the workers' side ---- */

/* mu held: ask Redis who serves call id (a call this process never heard
 * the CALL_ASSIGN of). */
static void
lookup(struct ent *e, uint64_t now)
{
	redisReply *r;
	size_t i;
	int k;

	e->checked_us = now;
	pthread_mutex_lock(&cl.rmu);
	r = rcmd("HGETALL fd:call:%s", e->id);
	pthread_mutex_unlock(&cl.rmu);
	if (r == NULL)
		return;
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements;
	     i += 2) {
		const char *f = r->element[i]->str, *v = r->element[i + 1]->str;

		if (f == NULL || v == NULL)
			continue;
		for (k = 0; k < NKIND; k++)
			if (strcmp(f, kname(kinds_assigned[k])) == 0 ||
			    (k == 0 && strcmp(f, "stt") == 0) ||
			    (k == 2 && strcmp(f, "tts") == 0)) {
				snprintf(e->own[k], sizeof(e->own[k]), "%s", v);
				e->known = 1;
			}
	}
	freeReplyObject(r);
}

int
fd_cluster_mine(const struct fd_frame *f)
{
	struct fd_pl_call_assign a;
	struct ent *e;
	uint64_t now;
	json_t *j = NULL;
	int k = kidx(cl.self), mine;

	if (!cl.on || k < 0 || f->call_id[0] == '\0')
		return 1;
	if (f->type == FD_MSG_CALL_ASSIGN &&
	    (j = fd_bus_read_call_assign(f, &a)) == NULL)
		return 0;
	now = fd_mono_us();
	pthread_mutex_lock(&cl.mu);
	if ((e = ent_get(f->call_id)) == NULL) {
		pthread_mutex_unlock(&cl.mu);
		json_decref(j);
		return 0;
	}
	e->touched_us = now;
	if (j) {
		const char *v[NKIND] = {a.stt, a.agent, a.tts};
		int was = strcmp(e->own[k], cl.name) == 0;

		for (mine = 0; mine < NKIND; mine++)
			snprintf(
			    e->own[mine], sizeof(e->own[mine]), "%s", v[mine]);
		e->known = 1;
		e->ended = 0;
		mine = strcmp(e->own[k], cl.name) == 0;
		e->was_mine |= mine;
		pthread_mutex_unlock(&cl.mu);
		json_decref(j);
		/* the one that lost the call hears it too, to let it go */
		return mine || was;
	}
	if (!e->known && now >= e->checked_us + NEG_RETRY_US)
		lookup(e, now);
	mine = e->known && strcmp(e->own[k], cl.name) == 0;
	e->was_mine |= mine;
	if (f->type == FD_MSG_CALL_END) {
		mine = mine || e->was_mine;
		if (!e->ended)
			e->ended_us = now;
		e->ended = 1;
	}
	pthread_mutex_unlock(&cl.mu);
	return mine;
}

int
fd_cluster_owner(
    const char *call_id, enum fd_daemon_id kind, char *out, size_t len)
{
	struct ent *e;
	int k = kidx(kind), rv = -1;

	if (len)
		out[0] = '\0';
	if (k < 0)
		return -1;
	pthread_mutex_lock(&cl.mu);
	if ((e = ent_find(call_id)) != NULL && e->known) {
		snprintf(out, len, "%s", e->own[k]);
		rv = 0;
	}
	pthread_mutex_unlock(&cl.mu);
	return rv;
}

void
fd_cluster_pub_of(
    enum fd_daemon_id kind, const char *name, char *out, size_t len)
{
	struct inst *in;

	pthread_mutex_lock(&cl.mu);
	in = inst_find(kind, name);
	snprintf(out, len, "%s", in ? in->pub : "");
	pthread_mutex_unlock(&cl.mu);
}

enum fd_daemon_id
fd_cluster_kind_of(const char *pub)
{
	enum fd_daemon_id k, found = FD_D_MAX;
	int i;

	pthread_mutex_lock(&cl.mu);
	for (k = 0; k < FD_D_MAX && found == FD_D_MAX; k++)
		for (i = 0; i < cl.kinds[k].n; i++)
			if (strcmp(cl.kinds[k].v[i].pub, pub) == 0)
				found = k;
	pthread_mutex_unlock(&cl.mu);
	return found;
}

int
fd_cluster_any_alive(enum fd_daemon_id kind)
{
	uint64_t now = fd_mono_us();
	int i, any = 0;

	pthread_mutex_lock(&cl.mu);
	for (i = 0; i < cl.kinds[kind].n && !any; i++)
		any = inst_alive(kind, &cl.kinds[kind].v[i], now);
	pthread_mutex_unlock(&cl.mu);
	return any;
}

/* ---- the gateway's side ---- */

int
fd_cluster_assign(struct fd_bus *b, const char *call_id)
{
	const struct inst *to[NKIND];
	struct fd_pl_call_assign a;
	char own[NKIND][FD_CLUSTER_NAME_LEN];
	uint64_t now = fd_mono_us();
	struct ent *e;
	int k;

	pthread_mutex_lock(&cl.mu);
	for (k = 0; k < NKIND; k++) {
		if ((to[k] = choose(kinds_assigned[k], now)) == NULL) {
			pthread_mutex_unlock(&cl.mu);
			log_err(call_id, "cluster: no live %s instance",
			    kname(kinds_assigned[k]));
			return -1;
		}
		snprintf(own[k], sizeof(own[k]), "%s", to[k]->name);
	}
	if ((e = ent_get(call_id)) == NULL) {
		pthread_mutex_unlock(&cl.mu);
		return -1;
	}
	memcpy(e->own, own, sizeof(own));
	e->known = e->gw = e->dirty = 1;
	e->ended = e->dropped = 0;
	e->touched_us = now;
	pthread_mutex_unlock(&cl.mu);
	a = (struct fd_pl_call_assign){
	    .stt = own[0], .agent = own[1], .tts = own[2]};
	log_info(call_id, "cluster: stt-worker %s, agent %s, tts-worker %s",
	    own[0], own[1], own[2]);
	return fd_bus_publish_call_assign(b, call_id, 0, &a) == 0 ? 0 : -1;
}

void
fd_cluster_release(const char *call_id)
{
	struct ent *e;

	pthread_mutex_lock(&cl.mu);
	if ((e = ent_find(call_id)) != NULL && !e->ended) {
		e->ended = 1;
		e->ended_us = fd_mono_us();
	}
	pthread_mutex_unlock(&cl.mu);
}
