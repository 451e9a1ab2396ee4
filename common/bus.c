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
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>


#include "bus.h"
#include "clock.h"
#include "log.h"

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

int
fd_frame_msg(nng_msg **msgp, int type, const char *call_id, uint32_t ref,
    uint32_t seq, const void *payload, size_t len)
{
	struct fd_frame h;
	nng_msg *m;
	long n;
	int rv;

	memset(&h, 0, sizeof(h));
	h.type = (uint8_t)type;
	h.seq = seq;
	h.ref = ref;
	h.ts_us = fd_mono_us();
	if (call_id) {
		if (strlen(call_id) >= sizeof(h.call_id))
			return NNG_EINVAL;
		strcpy(h.call_id, call_id);
	}
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

/* nng's pipe events: count the publishers we are connected to. */
static void
pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct fd_bus *b = arg;

	(void)p;
	__atomic_add_fetch(&b->pipes, ev == NNG_PIPE_EV_ADD_POST ? 1 : -1,
	    __ATOMIC_SEQ_CST);
}

int
fd_bus_wait_connected(struct fd_bus *b, int timeout_ms)
{
	uint64_t end = fd_mono_us() + (uint64_t)timeout_ms * 1000;

	while (__atomic_load_n(&b->pipes, __ATOMIC_SEQ_CST) < b->nsub) {
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
		    ra->b->nsub, s);
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
    const char *const *sub_addrs, size_t nsub, const int *types,
    size_t ntypes)
{
	size_t i;
	int rv;

	memset(b, 0, sizeof(*b));
	if (pub_addr) {
		if ((rv = nng_pub0_open(&b->pub)) != 0)
			return rv;
		b->have_pub = 1;
		nng_setopt_int(b->pub, NNG_OPT_SENDBUF, BUS_QUEUE_MSGS);
		if ((rv = nng_listen(b->pub, pub_addr, NULL, 0)) != 0) {
			log_warnx(NULL, "bus: listen %s: %s", pub_addr,
			    nng_strerror(rv));
			fd_bus_close(b);
			return rv;
		}
	}
	if (nsub == 0)
		return 0;
	if ((rv = nng_sub0_open(&b->sub)) != 0) {
		fd_bus_close(b);
		return rv;
	}
	b->have_sub = 1;
	nng_setopt_int(b->sub, NNG_OPT_RECVBUF, BUS_QUEUE_MSGS);
	nng_setopt_ms(b->sub, NNG_OPT_RECONNMINT, 50);
	nng_setopt_ms(b->sub, NNG_OPT_RECONNMAXT, 1000);
	b->nsub = (int)nsub;
	nng_pipe_notify(b->sub, NNG_PIPE_EV_ADD_POST, pipe_event, b);
	nng_pipe_notify(b->sub, NNG_PIPE_EV_REM_POST, pipe_event, b);
	for (i = 0; i < ntypes; i++) {
		uint8_t topic[2];

		fd_topic(types[i], topic);
		if ((rv = nng_setopt(b->sub, NNG_OPT_SUB_SUBSCRIBE, topic,
		    sizeof(topic))) != 0) {
			fd_bus_close(b);
			return rv;
		}
	}
	for (i = 0; i < nsub; i++) {
		if ((rv = nng_dial(b->sub, sub_addrs[i], NULL,
		    NNG_FLAG_NONBLOCK)) != 0) {
			log_warnx(NULL, "bus: dial %s: %s", sub_addrs[i],
			    nng_strerror(rv));
			fd_bus_close(b);
			return rv;
		}
	}
	return 0;
}

int
fd_bus_open(struct fd_bus *b, enum fd_daemon_id self,
    const enum fd_daemon_id *from, size_t nfrom, const int *types,
    size_t ntypes)
{
	const char *addrs[FD_D_MAX];
	size_t i, n = 0;

	for (i = 0; i < nfrom && n < FD_D_MAX; i++)
		addrs[n++] = fd_pub_addr(from[i]);
	return fd_bus_open_addrs(b, self < FD_D_MAX ? fd_pub_addr(self) : NULL,
	    addrs, n, types, ntypes);
}

void
fd_bus_close(struct fd_bus *b)
{
	if (b->have_pub)
		nng_close(b->pub);
	if (b->have_sub)
		nng_close(b->sub);
	b->have_pub = b->have_sub = 0;
}

int
fd_bus_publish(struct fd_bus *b, int type, const char *call_id, uint32_t ref,
    const void *payload, size_t len)
{
	nng_msg *m;
	nng_aio *a;
	uint32_t seq;
	int rv;

	if (!b->have_pub)
		return NNG_ECLOSED;
	seq = __atomic_add_fetch(&b->seq, 1, __ATOMIC_RELAXED);
	if ((rv = fd_frame_msg(&m, type, call_id, ref, seq, payload, len)) != 0)
		return rv;
	if ((a = thread_aio()) == NULL) {
		if ((rv = nng_sendmsg(b->pub, m, 0)) != 0)
			nng_msg_free(m);
		return rv;
	}
	/* pub never blocks: the send completes at once */
	nng_aio_set_timeout(a, NNG_DURATION_DEFAULT);
	nng_aio_set_msg(a, m);
	nng_send_aio(b->pub, a);
	nng_aio_wait(a);
	if ((rv = nng_aio_result(a)) != 0)
		nng_msg_free(m);
	return rv;
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
fd_bus_recv(struct fd_bus *b, nng_msg **msgp, struct fd_frame *f,
    int timeout_ms)
{
	char err[128];
	nng_msg *m;
	nng_aio *a;
	int rv;

	if ((a = thread_aio()) == NULL) {
		nng_setopt_ms(b->sub, NNG_OPT_RECVTIMEO,
		    timeout_ms < 0 ? NNG_DURATION_INFINITE : timeout_ms);
		if ((rv = nng_recvmsg(b->sub, &m, 0)) != 0)
			return rv;
	} else {
		nng_aio_set_timeout(a, timeout_ms < 0 ? NNG_DURATION_INFINITE :
		    timeout_ms);
		nng_recv_aio(b->sub, a);
		nng_aio_wait(a);
		if ((rv = nng_aio_result(a)) != 0)
			return rv;
		m = nng_aio_get_msg(a);
	}
	if (fd_frame_decode(nng_msg_body(m), nng_msg_len(m), f, err,
	    sizeof(err)) != 0) {
		/* our own processes sent this: a decode failure is a bug */
		log_err(NULL, "bus: dropping undecodable frame: %s", err);
		nng_msg_free(m);
		return EPROTO;
	}
	*msgp = m;
	return 0;
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
