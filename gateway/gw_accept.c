/*
 * gw_accept.c - the gateway's listening socket and the thread that puts
 * each accepted connection on a shard (gateway.h): the service thread
 * that will own it for its life.
 *
 * lws 4.1 as Debian builds it services a context from one thread only,
 * and one thread is not enough for a few thousand Media Streams of 50
 * messages a second each way.  So the gateway runs several contexts, none
 * of which listens: this thread accepts, reads the first bytes of each
 * connection without taking them (MSG_PEEK) and hands the socket to a
 * context, which adopts it and reads those bytes again as if it had
 * accepted it.  A WebSocket upgrade to /twilio/media goes to the shard
 * with the fewest open streams; anything else (webhooks, API, dashboard,
 * a request that does not show itself within PEEK_WAIT_US) to shard 0,
 * the main thread's, the only one that runs http.c.  Shard 0 takes Media
 * Streams too, so a stream that reached it another way works the same.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "gateway.h"
#include "log.h"

#define PEEK_MAX 4096 /* bytes looked at: a request line and headers */
#define PEEK_WAIT_US                                                           \
	2000000 /* a connection that has not said what it
				   is by then goes to shard 0 */
#define WAITING_MAX 1024 /* connections not sorted yet */
#define LISTEN_TAG UINT32_MAX /* the epoll tag of the listening socket */

enum verdict { V_MORE, V_HTTP, V_MEDIA };

struct waiting {
	int fd; /* -1: free */
	uint64_t since;
};

static int lfd = -1, ep = -1;
static pthread_t thr;
static int quit; /* atomic */
static struct waiting waiting[WAITING_MAX];
static unsigned rr; /* round robin among equally loaded shards */

static void *accept_main(void *arg);
static void on_listen(void);
static void on_waiting(unsigned slot);
static void give(struct gw_shard *sh, int fd);
static struct gw_shard *least_loaded(void);
static enum verdict classify(const char *buf, size_t n, int full);

/* A listening socket on a, or -1 (errno set). */
static int
listen_on(const struct addrinfo *a)
{
	int fd, one = 1, e;

	fd = socket(
	    a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, a->ai_addr, a->ai_addrlen) != 0 ||
	    listen(fd, SOMAXCONN) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
accept_listen(const char *addr, int port, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL, *a;
	char pstr[16];
	int rv, pass;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	/* as lws did: an IPv4 address listens on IPv4 only; a name or none
	 * on IPv6 first (both families when none), else IPv4 */
	hints.ai_family = strchr(addr, '.') != NULL ? AF_INET : AF_UNSPEC;
	snprintf(pstr, sizeof(pstr), "%d", port);
	if ((rv = getaddrinfo(addr[0] ? addr : NULL, pstr, &hints, &ai)) != 0) {
		snprintf(err, errlen, "%s: %s", addr, gai_strerror(rv));
		return -1;
	}
	errno = EADDRNOTAVAIL;
	for (pass = 0; pass < 2 && lfd < 0; pass++)
		for (a = ai; a && lfd < 0; a = a->ai_next)
			if ((a->ai_family == AF_INET6) == (pass == 0))
				lfd = listen_on(a);
	if (lfd < 0)
		snprintf(err, errlen, "%s", strerror(errno));
	freeaddrinfo(ai);
	return lfd < 0 ? -1 : 0;
}

int
accept_start(void)
{
	struct epoll_event ev;
	sigset_t all, old;
	unsigned i;
	int rv;

	for (i = 0; i < WAITING_MAX; i++)
		waiting[i].fd = -1;
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = LISTEN_TAG;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) != 0)
		return -1;
	/* signals are the main thread's */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rv = pthread_create(&thr, NULL, accept_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rv == 0 ? 0 : -1;
}

void
accept_stop(void)
{
	unsigned i;

	__atomic_store_n(&quit, 1, __ATOMIC_RELAXED);
	pthread_join(thr, NULL);
	for (i = 0; i < WAITING_MAX; i++)
		if (waiting[i].fd >= 0)
			close(waiting[i].fd);
	close(ep);
	close(lfd);
	ep = lfd = -1;
}

/* Service thread of sh (its wake): the sockets handed to it become
 * connections of its context. */
void
accept_adopt(struct gw_shard *sh)
{
	int fds[GW_ADOPT_MAX], n, i;

	pthread_mutex_lock(&sh->adopt_mu);
	n = sh->nadopt;
	memcpy(fds, sh->adopt, (size_t)n * sizeof(fds[0]));
	sh->nadopt = 0;
	pthread_mutex_unlock(&sh->adopt_mu);
	for (i = 0; i < n; i++)
		if (lws_adopt_socket_vhost(sh->vh, fds[i]) == NULL)
			log_warnx(NULL,
			    "accept: service thread %d could not "
			    "take a connection",
			    sh->idx);
}

static void *
accept_main(void *arg)
{
	struct epoll_event evs[64];
	uint64_t now;
	unsigned i;
	int k, n;

	(void)arg;
	while (!__atomic_load_n(&quit, __ATOMIC_RELAXED)) {
		n = epoll_wait(ep, evs, 64, 200);
		for (k = 0; k < n; k++) {
			if (evs[k].data.u32 == LISTEN_TAG)
				on_listen();
			else
				on_waiting(evs[k].data.u32);
		}
		now = fd_mono_us();
		for (i = 0; i < WAITING_MAX; i++)
			if (waiting[i].fd >= 0 &&
			    now - waiting[i].since > PEEK_WAIT_US) {
				epoll_ctl(
				    ep, EPOLL_CTL_DEL, waiting[i].fd, NULL);
				give(&gw_shards[0], waiting[i].fd);
				waiting[i].fd = -1;
			}
	}
	return NULL;
}

/* New connections: each waits, edge-triggered, for its first bytes. */
static void
on_listen(void)
{
	struct epoll_event ev;
	unsigned i;
	int fd, one = 1;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
	    0) {
		/* what lws sets on the sockets it accepts itself */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		for (i = 0; i < WAITING_MAX && waiting[i].fd >= 0; i++)
			;
		if (i == WAITING_MAX) {
			give(&gw_shards[0], fd); /* lws sorts it out */
			continue;
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			give(&gw_shards[0], fd);
			continue;
		}
		waiting[i].fd = fd;
		waiting[i].since = fd_mono_us();
		on_waiting(i); /* the bytes may be there already */
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
	    errno != ECONNABORTED) {
		log_warn(NULL, "accept");
		if (errno == EMFILE || errno == ENFILE)
			fd_sleep_us(10000); /* let connections close */
	}
}

static void
on_waiting(unsigned slot)
{
	char buf[PEEK_MAX];
	enum verdict v;
	ssize_t n;
	int fd;

	if (slot >= WAITING_MAX || (fd = waiting[slot].fd) < 0)
		return;
	n = recv(fd, buf, sizeof(buf), MSG_PEEK);
	if (n < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	/* closed before a byte, or failed: lws would see the same, so let
	 * shard 0 have it only when there is something to read */
	v = n > 0 ? classify(buf, (size_t)n, (size_t)n == sizeof(buf)) : V_HTTP;
	if (v == V_MORE)
		return;
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	waiting[slot].fd = -1;
	if (n <= 0) {
		close(fd);
		return;
	}
	give(v == V_MEDIA ? least_loaded() : &gw_shards[0], fd);
}

/* A WebSocket upgrade to the Media Streams path, once its headers are
 * in; anything else is shard 0's as soon as it cannot be one. */
static enum verdict
classify(const char *buf, size_t n, int full)
{
	static const char line[] = "GET /twilio/media";
	size_t k = sizeof(line) - 1, i;

	if (memcmp(buf, line, n < k ? n : k) != 0)
		return V_HTTP;
	if (n <= k)
		return full ? V_HTTP : V_MORE;
	if (buf[k] != ' ' && buf[k] != '?')
		return V_HTTP;
	for (i = k; i + 4 <= n; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
			break;
	if (i + 4 > n)
		return full ? V_HTTP : V_MORE;
	/* the header block is in: is it an upgrade */
	for (; i > k; i--)
		if (buf[i - 1] == '\n' && i + 8 <= n &&
		    strncasecmp(buf + i, "upgrade:", 8) == 0)
			return V_MEDIA;
	return V_HTTP;
}

static struct gw_shard *
least_loaded(void)
{
	struct gw_shard *best = NULL;
	int i, k, load, best_load = 0;

	rr++;
	for (k = 0; k < gw_nshards; k++) {
		i = (int)((rr + (unsigned)k) % (unsigned)gw_nshards);
		load =
		    __atomic_load_n(&gw_shards[i].nstreams, __ATOMIC_RELAXED);
		if (best == NULL || load < best_load) {
			best = &gw_shards[i];
			best_load = load;
		}
	}
	return best;
}

/* fd is sh's: queue it and wake its thread (once per batch). */
static void
give(struct gw_shard *sh, int fd)
{
	int wake;

	pthread_mutex_lock(&sh->adopt_mu);
	if (sh->nadopt == GW_ADOPT_MAX) {
		pthread_mutex_unlock(&sh->adopt_mu);
		log_warnx(NULL,
		    "accept: service thread %d has %d connections "
		    "waiting, refusing one",
		    sh->idx, GW_ADOPT_MAX);
		close(fd);
		return;
	}
	wake = sh->nadopt == 0;
	sh->adopt[sh->nadopt++] = fd;
	pthread_mutex_unlock(&sh->adopt_mu);
	if (wake)
		lws_cancel_service(sh->ctx);
}
