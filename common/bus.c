/*
 * bus.c - nng pub/sub helpers: framing on send, checked decoding on receive.
 *
 * Sends and receives go through one nng aio per thread, kept for the
 * thread's life: nng_sendmsg / nng_recvmsg allocate (and seed, with a
 * getrandom syscall) a fresh aio for every message, which at 50 audio
 * frames per second per call was the bus's largest per-frame cost.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>

#include "bus.h"
#include "clock.h"
#include "log.h"
#include "proto/payload.h"

/* Streams are bursty (a reply's audio arrives faster than real time), so
 * queues are deep enough to hold several seconds of audio per daemon. */
#define BUS_QUEUE_MSGS 8192

static pthread_once_t aio_once = PTHREAD_ONCE_INIT;
static pthread_key_t aio_key;
static int aio_key_ok;

static void
aio_free_tls(void *a)
{
	nng_aio_free(a);
}

static void
aio_key_make(void)
{
	aio_key_ok = pthread_key_create(&aio_key, aio_free_tls) == 0;
}

/* This thread's aio, or NULL (then the caller uses the plain calls). */
static nng_aio *
thread_aio(void)
{
	nng_aio *a;

	pthread_once(&aio_once, aio_key_make);
	if (!aio_key_ok)
		return NULL;
	if ((a = pthread_getspecific(aio_key)) != NULL)
		return a;
	if (nng_aio_alloc(&a, NULL, NULL) != 0)
		return NULL;
	if (pthread_setspecific(aio_key, a) != 0) {
		nng_aio_free(a);
		return NULL;
	}
	return a;
}

/* After an operation on the thread's aio ended other than by completing
 * (a timeout, a cancel), nng 1.5 may still hold it on its expiry queue
 * for a moment, and starting the next operation on it then aborts the
 * process ("assert err: !nni_aio_list_active(aio)", seen in the agent
 * during a 1000-call soak): the aio is freed (which waits for nng to let
 * go of it) and the thread's next operation gets a new one. */
static void
thread_aio_retire(nng_aio *a)
{
	pthread_setspecific(aio_key, NULL);
	nng_aio_free(a);
}

/* A bus instance id: random, never 0, new at every open. */
static uint64_t
bus_instance(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = fd_mono_us() ^ ((uint64_t)getpid() << 32);
	return v ? v : 1;
}

/* An nng message holding h's frame; h->ts_us 0 is stamped now. */
static int
frame_msg_hdr(
    nng_msg **msgp, const struct fd_frame *hdr, const void *payload, size_t len)
{
	struct fd_frame h = *hdr;
	nng_msg *m;
	long n;
	int rv;

	if (h.ts_us == 0)
		h.ts_us = fd_mono_us();
	if ((rv = nng_msg_alloc(&m, fd_frame_size(len))) != 0)
		return rv;
	n = fd_frame_encode(nng_msg_body(m), nng_msg_len(m), &h, payload, len);
	if (n < 0) {
		nng_msg_free(m);
		return NNG_EINVAL;
	}
	*msgp = m;
	return 0;
}

int
fd_frame_msg(nng_msg **msgp, int type, const char *call_id, uint32_t ref,
    uint32_t seq, const void *payload, size_t len)
{
	struct fd_frame h;

	memset(&h, 0, sizeof(h));
	h.type = (uint8_t)type;
	h.seq = seq;
	h.ref = ref;
	if (call_id) {
		if (strlen(call_id) >= sizeof(h.call_id))
			return NNG_EINVAL;
		strcpy(h.call_id, call_id);
	}
	return frame_msg_hdr(msgp, &h, payload, len);
}

/* The publisher a pipe of our sub socket belongs to, or -1 (a pipe of a
 * dialer the watchdog already replaced).  Under b->mu. */
static int
peer_of_pipe(struct fd_bus *b, nng_pipe p)
{
	nng_dialer d = nng_pipe_dialer(p);
	int i;

	for (i = 0; i < b->nsub; i++)
		if (b->peer[i].addr[0] &&
		    nng_dialer_id(b->peer[i].dialer) == nng_dialer_id(d))
			return i;
	return -1;
}

/* nng's pipe events on the sub socket: which publishers we are connected
 * to.  A pipe removed before its ADD_POST ran (it died at once) must not
 * count as connected when that ADD_POST comes late. */
static void
sub_pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct fd_bus *b = arg;
	struct fd_bus_peer *pe;
	uint32_t id = (uint32_t)nng_pipe_id(p);
	uint64_t now = fd_mono_us(), was;
	int i;

	pthread_mutex_lock(&b->mu);
	if ((i = peer_of_pipe(b, p)) < 0) {
		pthread_mutex_unlock(&b->mu);
		return;
	}
	pe = &b->peer[i];
	if (ev == NNG_PIPE_EV_ADD_POST) {
		if (pe->pipe == 0 && id != pe->dead_pipe) {
			pe->pipe = id;
			was = pe->lost_us;
			pe->lost_us = 0;
			pe->heard_us = now;
			__atomic_add_fetch(&b->pipes, 1, __ATOMIC_SEQ_CST);
			if (pe->ever)
				log_info(NULL, "bus: %s back after %.0f ms",
				    pe->addr, was ? (now - was) / 1000.0 : 0.0);
			else
				log_debug(
				    NULL, "bus: connected to %s", pe->addr);
			pe->ever = 1;
			pe->dialer_used = 1;
			pe->told = 0;
		}
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		if (pe->pipe == id) {
			pe->pipe = 0;
			pe->lost_us = now;
			__atomic_sub_fetch(&b->pipes, 1, __ATOMIC_SEQ_CST);
			if (!__atomic_load_n(&b->quit, __ATOMIC_SEQ_CST))
				log_warnx(NULL, "bus: lost %s (re-dialling)",
				    pe->addr);
		} else
			pe->dead_pipe = id;
	}
	pthread_mutex_unlock(&b->mu);
}

/* The pub sockets' pipe events: how many subscribers hear us. */
static void
pub_pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct fd_bus *b = arg;

	(void)p;
	__atomic_add_fetch(
	    &b->subs, ev == NNG_PIPE_EV_ADD_POST ? 1 : -1, __ATOMIC_SEQ_CST);
	if (ev == NNG_PIPE_EV_ADD_POST)
		__atomic_add_fetch(&b->subs_ever, 1, __ATOMIC_SEQ_CST);
}

/* Open a pub socket listening at addr, counting its subscribers. */
static int
pub_listen(struct fd_bus *b, nng_socket *s, const char *addr)
{
	int rv;

	if ((rv = nng_pub0_open(s)) != 0)
		return rv;
	nng_setopt_int(*s, NNG_OPT_SENDBUF, BUS_QUEUE_MSGS);
	nng_pipe_notify(*s, NNG_PIPE_EV_ADD_POST, pub_pipe_event, b);
	nng_pipe_notify(*s, NNG_PIPE_EV_REM_POST, pub_pipe_event, b);
	if ((rv = nng_listen(*s, addr, NULL, 0)) != 0) {
		log_warnx(NULL, "bus: listen %s: %s", addr, nng_strerror(rv));
		nng_close(*s);
	}
	return rv;
}

/* Dial publisher i anew (at open, and when the watchdog gives up on its
 * dialer).  The old dialer's pipes no longer count. */
static int
peer_dial(struct fd_bus *b, int i)
{
	struct fd_bus_peer *pe = &b->peer[i];
	nng_dialer old, d;
	int rv, had;

	pthread_mutex_lock(&b->mu);
	old = pe->dialer;
	had = nng_dialer_id(old) > 0;
	pe->dialer = (nng_dialer)NNG_DIALER_INITIALIZER;
	pe->dialer_used = 0;
	if (pe->pipe) {
		pe->pipe = 0;
		__atomic_sub_fetch(&b->pipes, 1, __ATOMIC_SEQ_CST);
	}
	pe->lost_us = pe->heard_us = fd_mono_us();
	pthread_mutex_unlock(&b->mu);
	if (had)
		nng_dialer_close(old);
	if ((rv = nng_dialer_create(&d, b->sub, pe->addr)) != 0)
		return rv;
	pthread_mutex_lock(&b->mu);
	pe->dialer = d;
	pthread_mutex_unlock(&b->mu);
	/* non-blocking: a refused first attempt keeps retrying */
	if ((rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK)) != 0) {
		pthread_mutex_lock(&b->mu);
		pe->dialer = (nng_dialer)NNG_DIALER_INITIALIZER;
		pthread_mutex_unlock(&b->mu);
		nng_dialer_close(d);
	}
	return rv;
}

static void
heartbeat(struct fd_bus *b)
{
	struct fd_pl_heartbeat hb;
	char inst[17];

	snprintf(
	    inst, sizeof(inst), "%016llx", (unsigned long long)b->instance);
	hb.instance = inst;
	hb.hears = __atomic_load_n(&b->pipes, __ATOMIC_SEQ_CST) >=
	    __atomic_load_n(&b->live, __ATOMIC_SEQ_CST);
	hb.subs = __atomic_load_n(&b->subs, __ATOMIC_SEQ_CST);
	fd_bus_publish_pl(b, FD_MSG_HEARTBEAT, NULL, 0, &hb);
}

/* How long publisher pe may stay silent before the watchdog re-dials it:
 * FD_BUS_SILENT_MS, doubled for each re-dial since it was last heard (up
 * to FD_BUS_SILENT_MAX_MS).  A publisher too loaded to answer a new dial
 * within the period would otherwise get one every period, each leaving a
 * half-open connection on its socket for it to accept later.  Under
 * b->mu. */
static uint64_t
silent_limit_us(const struct fd_bus_peer *pe)
{
	uint64_t us = (uint64_t)FD_BUS_SILENT_MS * 1000;
	int i;

	for (i = 0; i < pe->strikes; i++)
		if ((us *= 2) >= (uint64_t)FD_BUS_SILENT_MAX_MS * 1000)
			return (uint64_t)FD_BUS_SILENT_MAX_MS * 1000;
	return us;
}

/* Whether the process at the other end of our pipe `id` still runs: an
 * ipc pipe names its peer's pid.  A live one that is silent is busy or
 * stopped, and a new dial cannot hear it sooner.  1 alive, 0 gone or not
 * known (tcp: a host can vanish without closing the connection). */
static int
pipe_peer_alive(uint32_t id)
{
	nng_pipe p = NNG_PIPE_INITIALIZER;
	uint64_t pid = 0;

	p.id = id;
	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) != 0 ||
	    pid == 0 || pid > (uint64_t)INT32_MAX)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* Whether nng still owns dialer d.  A non-blocking dialer that has never
 * connected retries a refused dial until it is closed, so a publisher that
 * has not started yet is reached without a new dialer (and closing a
 * dialer between two attempts loses its memory in nng 1.5).  One whose
 * connection was lost may stop retrying, so that one is replaced. */
static int
dialer_retrying(nng_dialer d)
{
	nng_duration ms;

	return nng_dialer_id(d) > 0 &&
	    nng_dialer_get_ms(d, NNG_OPT_RECONNMINT, &ms) == 0;
}

/* The watchdog: a publisher silent for silent_limit_us() gets a new
 * dialer.  A publisher never reached counts only when its dialer has gone
 * (one that still retries reaches it when it listens).  Silence while
 * connected counts only when the daemon keeps up with its queue
 * (fd_bus_recv found it empty lately): a busy daemon has not read the
 * heartbeats that did come; and only when the connection's other end is
 * not a live local process. */
static void
watchdog(struct fd_bus *b, uint64_t now)
{
	uint64_t drained, limit;
	uint32_t pipe;
	int i, redial, alive;

	drained = __atomic_load_n(&b->drained_us, __ATOMIC_RELAXED);
	pthread_mutex_lock(&b->dial_mu);
	for (i = 0; i < b->nsub; i++) {
		struct fd_bus_peer *pe = &b->peer[i];

		if (pe->addr[0] == '\0')
			continue;
		pthread_mutex_lock(&b->mu);
		/* the times move under other threads: compare to a fresh
		 * clock and never subtract a later time from an earlier */
		now = fd_mono_us();
		limit = silent_limit_us(pe);
		pipe = pe->pipe;
		if (pipe == 0)
			redial = pe->lost_us && now > pe->lost_us + limit &&
			    (pe->dialer_used || !dialer_retrying(pe->dialer));
		else
			redial = now > pe->heard_us + limit &&
			    now > pe->kept_us + limit && drained &&
			    now < drained + limit / 4;
		pthread_mutex_unlock(&b->mu);
		if (!redial)
			continue;
		alive = pipe != 0 && pipe_peer_alive(pipe);
		pthread_mutex_lock(&b->mu);
		if (pe->pipe != pipe || (pipe && now < pe->heard_us)) {
			/* it changed while we looked */
			pthread_mutex_unlock(&b->mu);
			continue;
		}
		if (alive) {
			if (!pe->told)
				log_warnx(NULL,
				    "bus: %s silent for %.1f s but its "
				    "process runs: kept",
				    pe->addr, (now - pe->heard_us) / 1e6);
			pe->told = 1;
			/* look again one period later */
			pe->kept_us = now;
			pthread_mutex_unlock(&b->mu);
			continue;
		}
		pe->redials++;
		/* a publisher that is down is re-dialled ever less often:
		 * say so once per outage */
		if (pe->pipe || !pe->told)
			log_warnx(NULL, "bus: %s silent for %.1f s: new dialer",
			    pe->addr,
			    (now - (pe->pipe ? pe->heard_us : pe->lost_us)) /
			        1e6);
		pe->told = pe->pipe == 0;
		if (pe->strikes < 16)
			pe->strikes++;
		pthread_mutex_unlock(&b->mu);
		if (peer_dial(b, i) != 0)
			log_warnx(NULL, "bus: cannot re-dial %s", pe->addr);
	}
	pthread_mutex_unlock(&b->dial_mu);
}

static void *
watch_main(void *arg)
{
	struct fd_bus *b = arg;
	uint64_t next_hb = 0, now;

	while (!__atomic_load_n(&b->quit, __ATOMIC_SEQ_CST)) {
		now = fd_mono_us();
		if (b->have_pub && now >= next_hb) {
			heartbeat(b);
			next_hb = now + FD_BUS_HEARTBEAT_MS * 1000;
		}
		if (b->nsub > 0)
			watchdog(b, now);
		fd_sleep_us(50000);
	}
	return NULL;
}

void
fd_bus_on_peer(struct fd_bus *b, fd_bus_peer_fn fn, void *arg)
{
	pthread_mutex_lock(&b->mu);
	b->on_peer = fn;
	b->on_peer_arg = arg;
	pthread_mutex_unlock(&b->mu);
}

int
fd_bus_peer_get(struct fd_bus *b, int i, struct fd_bus_peer *out)
{
	if (i < 0 || i >= b->nsub)
		return -1;
	pthread_mutex_lock(&b->mu);
	*out = b->peer[i];
	pthread_mutex_unlock(&b->mu);
	return 0;
}

/* Any frame from a publisher shows it alive; a heartbeat also says
 * which instance it is.  Returns 1 if f was a heartbeat (consumed). */
static int
peer_heard(struct fd_bus *b, nng_msg *m, const struct fd_frame *f)
{
	struct fd_bus_peer copy;
	fd_bus_peer_fn fn = NULL;
	uint64_t inst = 0, old = 0;
	json_t *j = NULL;
	int i, hears = 0, subs = 0, changed = 0;
	void *arg = NULL;

	if (f->type == FD_MSG_HEARTBEAT) {
		struct fd_pl_heartbeat hb;
		char err[128];

		if ((j = fd_pl_frame_heartbeat(f, &hb, err, sizeof(err))) ==
		    NULL) {
			log_warnx(NULL, "bus: %s", err);
			return 1;
		}
		inst = strtoull(hb.instance, NULL, 16);
		hears = hb.hears;
		subs = (int)hb.subs;
		json_decref(j);
	}
	pthread_mutex_lock(&b->mu);
	if ((i = peer_of_pipe(b, nng_msg_get_pipe(m))) >= 0) {
		struct fd_bus_peer *pe = &b->peer[i];

		pe->heard_us = fd_mono_us();
		pe->strikes = 0;
		pe->told = 0;
		if (f->type == FD_MSG_HEARTBEAT && inst != 0) {
			old = pe->instance;
			changed = inst != pe->instance || hears != pe->hears ||
			    subs != pe->subs;
			if (old && inst != old)
				log_info(NULL,
				    "bus: %s restarted (instance "
				    "%016llx)",
				    pe->addr, (unsigned long long)inst);
			pe->instance = inst;
			pe->hears = hears;
			pe->subs = subs;
			copy = *pe;
			fn = b->on_peer;
			arg = b->on_peer_arg;
		}
	}
	pthread_mutex_unlock(&b->mu);
	if (changed && fn)
		fn(arg, b, i, &copy, old);
	return f->type == FD_MSG_HEARTBEAT;
}

int
fd_bus_wait_connected(struct fd_bus *b, int timeout_ms)
{
	uint64_t end = fd_mono_us() + (uint64_t)timeout_ms * 1000;

	while (__atomic_load_n(&b->pipes, __ATOMIC_SEQ_CST) <
	    __atomic_load_n(&b->live, __ATOMIC_SEQ_CST)) {
		if (fd_mono_us() >= end)
			return -1;
		fd_sleep_us(10000);
	}
	return 0;
}

struct ready_arg {
	struct fd_bus *b;
	char what[200];
};

static void *
ready_main(void *arg)
{
	struct ready_arg *ra = arg;
	const char *e = getenv("FRONTDESK_READY_TIMEOUT_S");
	int s = e && *e ? atoi(e) : 30;

	if (fd_bus_wait_connected(ra->b, s * 1000) != 0)
		log_warnx(NULL, "bus: %d of %d publishers connected after %d s",
		    __atomic_load_n(&ra->b->pipes, __ATOMIC_SEQ_CST),
		    __atomic_load_n(&ra->b->live, __ATOMIC_SEQ_CST), s);
	fd_daemon_ready(ra->what);
	free(ra);
	return NULL;
}

void
fd_bus_ready_when_connected(struct fd_bus *b, const char *what)
{
	struct ready_arg *ra;
	pthread_t t;

	if ((ra = calloc(1, sizeof(*ra))) == NULL) {
		fd_daemon_ready(what);
		return;
	}
	ra->b = b;
	snprintf(ra->what, sizeof(ra->what), "%s", what);
	if (pthread_create(&t, NULL, ready_main, ra) != 0) {
		free(ra);
		fd_daemon_ready(what);
		return;
	}
	pthread_detach(t);
}

int
fd_bus_open_addrs(struct fd_bus *b, const char *pub_addr,
    const char *const *sub_addrs, size_t nsub, const int *types, size_t ntypes)
{
	uint8_t topic[2];
	size_t i;
	int rv;

	memset(b, 0, sizeof(*b));
	if (nsub > FD_BUS_MAX_PEERS)
		return NNG_EINVAL;
	pthread_mutex_init(&b->mu, NULL);
	pthread_mutex_init(&b->dial_mu, NULL);
	b->instance = bus_instance();
	if (pub_addr) {
		if ((rv = pub_listen(b, &b->pub, pub_addr)) != 0) {
			fd_bus_close(b);
			return rv;
		}
		b->have_pub = 1;
	}
	if (nsub > 0 || ntypes > 0) {
		if ((rv = nng_sub0_open(&b->sub)) != 0) {
			fd_bus_close(b);
			return rv;
		}
		b->have_sub = 1;
		nng_setopt_int(b->sub, NNG_OPT_RECVBUF, BUS_QUEUE_MSGS);
		/* a restarted publisher is heard again at most this long
		 * after it listens (a refused dial to a local socket is
		 * cheap, so trying often costs nothing) */
		nng_setopt_ms(b->sub, NNG_OPT_RECONNMINT, 10);
		nng_setopt_ms(b->sub, NNG_OPT_RECONNMAXT, FD_BUS_RECONN_MAX_MS);
		b->nsub = b->live = (int)nsub;
		nng_pipe_notify(
		    b->sub, NNG_PIPE_EV_ADD_POST, sub_pipe_event, b);
		nng_pipe_notify(
		    b->sub, NNG_PIPE_EV_REM_POST, sub_pipe_event, b);
		for (i = 0; i <= ntypes; i++) {
			/* every subscriber hears heartbeats */
			int t = i < ntypes ? types[i] : FD_MSG_HEARTBEAT;

			b->topics[(t & 0xff) >> 3] |= (uint8_t)(1u << (t & 7));
			fd_topic(t, topic);
			if ((rv = nng_setopt(b->sub, NNG_OPT_SUB_SUBSCRIBE,
			         topic, sizeof(topic))) != 0) {
				fd_bus_close(b);
				return rv;
			}
		}
		for (i = 0; i < nsub; i++) {
			snprintf(b->peer[i].addr, sizeof(b->peer[i].addr), "%s",
			    sub_addrs[i]);
			if ((rv = peer_dial(b, (int)i)) != 0) {
				log_warnx(NULL, "bus: dial %s: %s",
				    sub_addrs[i], nng_strerror(rv));
				fd_bus_close(b);
				return rv;
			}
		}
	}
	if (pthread_create(&b->watch, NULL, watch_main, b) != 0) {
		fd_bus_close(b);
		return NNG_ENOMEM;
	}
	b->have_watch = 1;
	return 0;
}

int
fd_bus_open(struct fd_bus *b, enum fd_daemon_id self,
    const enum fd_daemon_id *from, size_t nfrom, const int *types,
    size_t ntypes)
{
	const char *addrs[FD_D_MAX];
	size_t i, n = 0;
	int rv;

	for (i = 0; i < nfrom && n < FD_D_MAX; i++)
		addrs[n++] = fd_bus_source_addr(from[i], types, ntypes);
	if ((rv = fd_bus_open_addrs(b,
	         self < FD_D_MAX ? fd_pub_addr(self) : NULL, addrs, n, types,
	         ntypes)) != 0)
		return rv;
	if (self < FD_D_MAX && fd_daemons[self].media_type &&
	    (rv = fd_bus_listen_media(
	         b, fd_media_addr(self), fd_daemons[self].media_type)) != 0)
		fd_bus_close(b);
	return rv;
}

int
fd_bus_listen_media(struct fd_bus *b, const char *addr, int type)
{
	int rv;

	if (!b->have_pub || __atomic_load_n(&b->have_media, __ATOMIC_ACQUIRE))
		return NNG_EINVAL;
	if ((rv = pub_listen(b, &b->media, addr)) != 0)
		return rv;
	b->media_type = type;
	/* publishers on other threads see the socket before the flag */
	__atomic_store_n(&b->have_media, 1, __ATOMIC_RELEASE);
	return 0;
}

const char *
fd_bus_source_addr(enum fd_daemon_id k, const int *types, size_t ntypes)
{
	size_t i;

	if (fd_daemons[k].media_type && fd_media_addr(k)[0])
		for (i = 0; i < ntypes; i++)
			if (types[i] == fd_daemons[k].media_type)
				return fd_media_addr(k);
	return fd_pub_addr(k);
}

int
fd_bus_subscribes(const struct fd_bus *b, int type)
{
	return (b->topics[(type & 0xff) >> 3] >> (type & 7)) & 1;
}

int
fd_bus_add_peer(struct fd_bus *b, const char *addr)
{
	struct fd_bus_peer *pe;
	int i, slot = -1, rv;

	if (!b->have_sub || strlen(addr) >= sizeof(b->peer[0].addr))
		return NNG_EINVAL;
	pthread_mutex_lock(&b->dial_mu);
	for (i = 0; i < b->nsub; i++) {
		if (strcmp(b->peer[i].addr, addr) == 0) {
			pthread_mutex_unlock(&b->dial_mu);
			return 0;
		}
		if (b->peer[i].addr[0] == '\0' && slot < 0)
			slot = i;
	}
	if (slot < 0 && b->nsub < FD_BUS_MAX_PEERS)
		slot = b->nsub;
	if (slot < 0) {
		pthread_mutex_unlock(&b->dial_mu);
		return NNG_ENOSPC;
	}
	pthread_mutex_lock(&b->mu);
	pe = &b->peer[slot];
	memset(pe, 0, sizeof(*pe));
	snprintf(pe->addr, sizeof(pe->addr), "%s", addr);
	if (slot == b->nsub)
		b->nsub++;
	__atomic_add_fetch(&b->live, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&b->mu);
	if ((rv = peer_dial(b, slot)) != 0) {
		pthread_mutex_lock(&b->mu);
		pe->addr[0] = '\0';
		__atomic_sub_fetch(&b->live, 1, __ATOMIC_SEQ_CST);
		pthread_mutex_unlock(&b->mu);
	} else
		log_info(NULL, "bus: dialling %s", addr);
	pthread_mutex_unlock(&b->dial_mu);
	return rv;
}

int
fd_bus_drop_peer(struct fd_bus *b, const char *addr)
{
	struct fd_bus_peer *pe;
	nng_dialer d;
	int i;

	pthread_mutex_lock(&b->dial_mu);
	for (i = 0; i < b->nsub; i++)
		if (b->peer[i].addr[0] && strcmp(b->peer[i].addr, addr) == 0)
			break;
	if (i == b->nsub) {
		pthread_mutex_unlock(&b->dial_mu);
		return -1;
	}
	pe = &b->peer[i];
	pthread_mutex_lock(&b->mu);
	if (pe->pipe)
		__atomic_sub_fetch(&b->pipes, 1, __ATOMIC_SEQ_CST);
	d = pe->dialer;
	memset(pe, 0, sizeof(*pe));
	__atomic_sub_fetch(&b->live, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&b->mu);
	if (nng_dialer_id(d) > 0)
		nng_dialer_close(d);
	pthread_mutex_unlock(&b->dial_mu);
	log_info(NULL, "bus: no longer dialling %s", addr);
	return 0;
}

/* Sockets being closed by a helper thread; freed by whichever of it and
 * fd_bus_close is last. */
struct bus_closing {
	nng_socket s[3];
	int n;
	int done; /* the helper closed them */
	int left; /* fd_bus_close stopped waiting */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void *
close_main(void *arg)
{
	struct bus_closing *c = arg;
	int i, left;

	for (i = 0; i < c->n; i++)
		nng_close(c->s[i]);
	pthread_mutex_lock(&c->mu);
	c->done = 1;
	left = c->left;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (left)
		free(c);
	return NULL;
}

/* nng_close waits for every pipe and dialer of the socket to finish;
 * one stuck behind a peer that never lets go (a publisher too loaded to
 * answer, a half-open connection) would hold a daemon's stop for ever.
 * The close runs in a helper thread and is waited for FD_BUS_CLOSE_MS at
 * most; after that it goes on alone and the caller proceeds (the process
 * is about to exit). */
static void
close_bounded(nng_socket *s, int n)
{
	struct bus_closing *c;
	struct timespec until;
	pthread_t t;
	int i, done;

	if (n == 0)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto inline_close;
	for (i = 0; i < n; i++)
		c->s[i] = s[i];
	c->n = n;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&t, NULL, close_main, c) != 0) {
		free(c);
		goto inline_close;
	}
	pthread_detach(t);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += FD_BUS_CLOSE_MS / 1000;
	until.tv_nsec += (long)(FD_BUS_CLOSE_MS % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&c->mu);
	while (!c->done && pthread_cond_timedwait(&c->cv, &c->mu, &until) == 0)
		;
	done = c->done;
	c->left = !done;
	pthread_mutex_unlock(&c->mu);
	if (done)
		free(c);
	else
		log_warnx(NULL,
		    "bus: sockets still closing after %d ms, "
		    "going on",
		    FD_BUS_CLOSE_MS);
	return;
inline_close:
	for (i = 0; i < n; i++)
		nng_close(s[i]);
}

void
fd_bus_close(struct fd_bus *b)
{
	struct timespec until;
	nng_socket s[3];
	int n = 0;

	if (b->have_watch) {
		__atomic_store_n(&b->quit, 1, __ATOMIC_SEQ_CST);
		/* the watch thread may be inside an nng call that waits on
		 * a stuck peer: wait for it a bounded time too */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += FD_BUS_CLOSE_MS / 1000 + 1;
		if (pthread_timedjoin_np(b->watch, NULL, &until) != 0) {
			log_warnx(NULL, "bus: watchdog busy at close");
			pthread_detach(b->watch);
		}
		b->have_watch = 0;
	}
	if (b->have_pub)
		s[n++] = b->pub;
	if (b->have_sub)
		s[n++] = b->sub;
	if (__atomic_load_n(&b->have_media, __ATOMIC_ACQUIRE))
		s[n++] = b->media;
	b->have_pub = b->have_sub = 0;
	__atomic_store_n(&b->have_media, 0, __ATOMIC_RELEASE);
	close_bounded(s, n);
}

/* Send m on pub socket s (consumed). */
static int
sock_send(nng_socket s, nng_msg *m)
{
	nng_aio *a;
	int rv;

	if ((a = thread_aio()) == NULL) {
		if ((rv = nng_sendmsg(s, m, 0)) != 0)
			nng_msg_free(m);
		return rv;
	}
	/* pub never blocks: the send completes at once */
	nng_aio_set_timeout(a, NNG_DURATION_DEFAULT);
	nng_aio_set_msg(a, m);
	nng_send_aio(s, a);
	nng_aio_wait(a);
	if ((rv = nng_aio_result(a)) != 0) {
		nng_msg_free(m);
		thread_aio_retire(a);
	}
	return rv;
}

/* Send m, a frame of type, where it goes (consumed): the media type on
 * the media pub only, anything else on the pub and, when there is one,
 * the media pub too (both or neither). */
static int
pub_send(struct fd_bus *b, int type, nng_msg *m)
{
	nng_msg *dup;
	int rv, rv2;

	if (!__atomic_load_n(&b->have_media, __ATOMIC_ACQUIRE))
		return sock_send(b->pub, m);
	if (type == b->media_type)
		return sock_send(b->media, m);
	if ((rv = nng_msg_dup(&dup, m)) != 0) {
		nng_msg_free(m);
		return rv;
	}
	rv = sock_send(b->pub, m);
	rv2 = sock_send(b->media, dup);
	return rv ? rv : rv2;
}

int
fd_bus_publish(struct fd_bus *b, int type, const char *call_id, uint32_t ref,
    const void *payload, size_t len)
{
	nng_msg *m;
	uint32_t seq;
	int rv;

	if (!b->have_pub)
		return NNG_ECLOSED;
	seq = __atomic_add_fetch(&b->seq, 1, __ATOMIC_RELAXED);
	if ((rv = fd_frame_msg(&m, type, call_id, ref, seq, payload, len)) != 0)
		return rv;
	return pub_send(b, type, m);
}

int
fd_bus_publish_hdr(struct fd_bus *b, const struct fd_frame *hdr,
    const void *payload, size_t len)
{
	struct fd_frame h = *hdr;
	nng_msg *m;
	int rv;

	if (!b->have_pub)
		return NNG_ECLOSED;
	h.seq = __atomic_add_fetch(&b->seq, 1, __ATOMIC_RELAXED);
	if ((rv = frame_msg_hdr(&m, &h, payload, len)) != 0)
		return rv;
	return pub_send(b, h.type, m);
}

int
fd_bus_publish_json(struct fd_bus *b, int type, const char *call_id,
    uint32_t ref, const json_t *obj)
{
	char *s;
	int rv;

	if ((s = json_dumps(obj, JSON_COMPACT)) == NULL)
		return NNG_ENOMEM;
	rv = fd_bus_publish(b, type, call_id, ref, s, strlen(s));
	free(s);
	return rv;
}

int
fd_bus_publish_pl(struct fd_bus *b, int type, const char *call_id, uint32_t ref,
    const void *pl)
{
	char err[160];
	json_t *j;
	int rv;

	if ((j = fd_pl_json(type, pl, err, sizeof(err))) == NULL) {
		log_err(call_id, "bus: not sent: %s", err);
		return NNG_EINVAL;
	}
	rv = fd_bus_publish_json(b, type, call_id, ref, j);
	json_decref(j);
	return rv;
}

json_t *
fd_bus_read_pl(const struct fd_frame *f, void *out)
{
	char err[160];
	json_t *j;

	if ((j = fd_pl_frame(f, out, err, sizeof(err))) == NULL)
		log_err(f->call_id, "bus: dropped from a peer: %s", err);
	return j;
}

/* One message from the sub socket within timeout_ms (-1 forever). */
static int
recv_one(struct fd_bus *b, nng_msg **mp, int timeout_ms)
{
	nng_aio *a;
	int rv;

	if ((a = thread_aio()) == NULL) {
		nng_setopt_ms(b->sub, NNG_OPT_RECVTIMEO,
		    timeout_ms < 0 ? NNG_DURATION_INFINITE : timeout_ms);
		return nng_recvmsg(b->sub, mp, 0);
	}
	nng_aio_set_timeout(a,
	    timeout_ms < 0        ? NNG_DURATION_INFINITE
	        : timeout_ms == 0 ? NNG_DURATION_ZERO
	                          : timeout_ms);
	nng_recv_aio(b->sub, a);
	nng_aio_wait(a);
	if ((rv = nng_aio_result(a)) != 0) {
		thread_aio_retire(a);
		return rv;
	}
	*mp = nng_aio_get_msg(a);
	return 0;
}

int
fd_bus_recv(
    struct fd_bus *b, nng_msg **msgp, struct fd_frame *f, int timeout_ms)
{
	uint64_t end = timeout_ms < 0
	    ? 0
	    : fd_mono_us() + (uint64_t)timeout_ms * 1000,
	         now;
	char err[128];
	nng_msg *m;
	int rv, left = timeout_ms;

	for (;;) {
		if ((rv = recv_one(b, &m, left)) != 0) {
			if (rv == NNG_ETIMEDOUT)
				__atomic_store_n(&b->drained_us, fd_mono_us(),
				    __ATOMIC_RELAXED);
			return rv;
		}
		if (fd_frame_decode(nng_msg_body(m), nng_msg_len(m), f, err,
		        sizeof(err)) != 0) {
			/* our own processes sent this: a decode failure is
			 * a bug */
			log_err(
			    NULL, "bus: dropping undecodable frame: %s", err);
			nng_msg_free(m);
			return EPROTO;
		}
		if (!peer_heard(b, m, f)) {
			*msgp = m;
			return 0;
		}
		nng_msg_free(m);
		if (timeout_ms >= 0) {
			if ((now = fd_mono_us()) >= end)
				left = 0;
			else
				left = (int)((end - now) / 1000);
		}
	}
}

json_t *
fd_frame_json(const struct fd_frame *f)
{
	json_error_t je;
	json_t *j;

	j = json_loadb((const char *)f->payload, f->payload_len, 0, &je);
	if (j == NULL || !json_is_object(j)) {
		log_err(f->call_id, "%s: payload is not a JSON object: %s",
		    fd_msg_name(f->type), j ? "not an object" : je.text);
		json_decref(j);
		return NULL;
	}
	return j;
}

int
fd_free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd, port = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}
