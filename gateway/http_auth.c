/*
 * http_auth.c - credentials for the parts of the gateway's HTTP side that
 * show call data (the dashboard and /api/v1/...); http.c asks here before it
 * routes such a request.
 *
 * Tokens are kept as SHA-256 digests and every presented token is hashed
 * and compared with all of them in constant time, so neither the length
 * nor the position of a match shows in the timing.  With no token
 * configured nothing matches: the API is closed, not open.
 *
 * The dashboard's cookie holds HMAC-SHA256(token, AUTH_SESSION_LABEL), not
 * the token: it opens the same doors but does not reveal a token that may
 * be used elsewhere, and it stops working when that token is removed.
 *
 * Wrong credentials are logged (peer address and path, never what was
 * presented) and counted per peer address in a fixed table: AUTH_MAX_FAILS
 * within AUTH_WINDOW_S lock that address out, each lockout twice as long
 * as the one before, up to AUTH_LOCK_MAX_S.  A locked-out address is
 * answered 429 without looking at its credentials, so guessing runs at a
 * handful of tries a minute; other addresses are not affected.
 *
 * Behind a reverse proxy every request comes from the proxy's address.
 * For a peer named in gateway.trusted_proxies the address is the one the
 * proxy puts in X-Real-IP (nginx: $remote_addr, which a client cannot
 * choose); any other peer's X-Real-IP is ignored.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "clock.h"
#include "http_auth.h"
#include "log.h"

#define AUTH_MAX_TOKENS 16
#define AUTH_TOKEN_MAX 256 /* characters a token may have */
#define AUTH_SESSION_LABEL "frontdesk dashboard session"

#define AUTH_SLOTS 256 /* peers remembered */
#define AUTH_MAX_FAILS 5
#define AUTH_WINDOW_S 60
#define AUTH_LOCK_S 30 /* the first lockout */
#define AUTH_LOCK_MAX_S 3600
#define AUTH_FORGET_S 3600 /* lockouts counted since then */

struct auth_token {
	enum auth_role role;
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char session[65]; /* hex HMAC: the dashboard cookie */
};

struct auth_peer {
	char addr[64]; /* "" = free */
	unsigned fails; /* wrong ones in this window */
	unsigned lockouts; /* since AUTH_FORGET_S quiet */
	uint64_t window_us; /* when this window began */
	uint64_t until_us; /* locked out until */
	uint64_t seen_us; /* last wrong attempt */
};

static struct auth_token tokens[AUTH_MAX_TOKENS];
static int ntokens;
static struct auth_peer peers[AUTH_SLOTS];
static char proxies[AUTH_MAX_PROXIES][48]; /* gateway.trusted_proxies */
static int nproxies;

static int token_add(struct auth_token *t, int *n, enum auth_role role,
    const char *tok, size_t len, char *err, size_t errlen);
static int match(const char *presented, size_t len, struct auth_result *res);
static int match_session(const char *cookie, struct auth_result *res);
static struct auth_peer *peer_find(const char *addr, int create);
static void failed(
    const char *addr, const char *method, const char *path, const char *why);
static void safe_path(const char *in, char *out, size_t len);

int
auth_configure(const char *admin, const char *list, char *err, size_t errlen)
{
	struct auth_token next[AUTH_MAX_TOKENS];
	const char *p = list, *colon, *end;
	enum auth_role role;
	int n = 0;

	memset(next, 0, sizeof(next));
	if (admin[0] &&
	    token_add(next, &n, AUTH_ROLE_ADMIN, admin, strlen(admin), err,
	        errlen) != 0)
		return -1;
	while (*p) {
		p += strspn(p, " \t\n,");
		if (*p == '\0')
			break;
		end = p + strcspn(p, " \t\n,");
		if ((colon = memchr(p, ':', (size_t)(end - p))) == NULL) {
			snprintf(err, errlen,
			    "FRONTDESK_API_TOKENS: an item "
			    "is not role:token (role viewer or admin)");
			return -1;
		}
		if ((size_t)(colon - p) == 6 && strncmp(p, "viewer", 6) == 0)
			role = AUTH_ROLE_VIEWER;
		else if ((size_t)(colon - p) == 5 &&
		    strncmp(p, "admin", 5) == 0)
			role = AUTH_ROLE_ADMIN;
		else {
			snprintf(err, errlen,
			    "FRONTDESK_API_TOKENS: role "
			    "'%.*s' is not viewer or admin",
			    (int)(colon - p > 20 ? 20 : colon - p), p);
			return -1;
		}
		if (token_add(next, &n, role, colon + 1,
		        (size_t)(end - colon - 1), err, errlen) != 0)
			return -1;
		p = end;
	}
	memcpy(tokens, next, sizeof(tokens));
	ntokens = n;
	OPENSSL_cleanse(next, sizeof(next));
	return 0;
}

int
auth_ntokens(void)
{
	return ntokens;
}

const char *
auth_role_name(enum auth_role role)
{
	return role == AUTH_ROLE_ADMIN ? "admin"
	    : role == AUTH_ROLE_VIEWER ? "viewer"
	                               : "none";
}

int
auth_trust_proxies(const char *list, char *err, size_t errlen)
{
	char next[AUTH_MAX_PROXIES][48], one[48];
	unsigned char bin[16];
	const char *p = list, *end;
	int n = 0;

	while (*p) {
		p += strspn(p, " \t\n,");
		if (*p == '\0')
			break;
		end = p + strcspn(p, " \t\n,");
		if ((size_t)(end - p) >= sizeof(one) || n == AUTH_MAX_PROXIES) {
			snprintf(err, errlen,
			    "gateway.trusted_proxies: at most "
			    "%d addresses",
			    AUTH_MAX_PROXIES);
			return -1;
		}
		snprintf(one, sizeof(one), "%.*s", (int)(end - p), p);
		if (inet_pton(AF_INET, one, bin) != 1 &&
		    inet_pton(AF_INET6, one, bin) != 1) {
			snprintf(err, errlen,
			    "gateway.trusted_proxies: '%s' is "
			    "not an IP address",
			    one);
			return -1;
		}
		snprintf(next[n++], sizeof(next[0]), "%s", one);
		p = end;
	}
	memcpy(proxies, next, sizeof(proxies));
	nproxies = n;
	return 0;
}

void
auth_peer(struct lws *wsi, char *buf, size_t len)
{
	char real[48];
	unsigned char bin[16];
	const char *a;
	int i;

	if (lws_get_peer_simple(wsi, buf, len) == NULL || buf[0] == '\0') {
		snprintf(buf, len, "?");
		return;
	}
	a = strncmp(buf, "::ffff:", 7) == 0 ? buf + 7 : buf;
	for (i = 0; i < nproxies && strcmp(proxies[i], a) != 0; i++)
		;
	/* lws knows X-Real-IP by name (not as a custom header) */
	if (i == nproxies ||
	    lws_hdr_copy(wsi, real, sizeof(real), WSI_TOKEN_HTTP_X_REAL_IP) <=
	        0)
		return;
	if (inet_pton(AF_INET, real, bin) == 1 ||
	    inet_pton(AF_INET6, real, bin) == 1)
		snprintf(buf, len, "%s", real);
}

void
auth_request(struct lws *wsi, const char *method, const char *path,
    struct auth_result *res)
{
	char addr[64], h[AUTH_TOKEN_MAX + 16], cookie[80];
	struct auth_peer *pe;
	size_t cl = sizeof(cookie);
	int n, ok, bearer;

	memset(res, 0, sizeof(*res));
	auth_peer(wsi, addr, sizeof(addr));
	if ((pe = peer_find(addr, 0)) != NULL && pe->until_us > fd_mono_us()) {
		res->verdict = AUTH_THROTTLED;
		res->retry_after =
		    (unsigned)((pe->until_us - fd_mono_us()) / 1000000 + 1);
		return;
	}
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) > 0) {
		n = lws_hdr_copy(
		    wsi, h, sizeof(h), WSI_TOKEN_HTTP_AUTHORIZATION);
		bearer = n > 7 && strncasecmp(h, "Bearer ", 7) == 0;
		ok = bearer && match(h + 7, (size_t)n - 7, res);
		OPENSSL_cleanse(h, sizeof(h));
		if (!ok)
			failed(addr, method, path,
			    bearer ? "wrong token" : "not a Bearer token");
	} else if (lws_http_cookie_get(wsi, AUTH_COOKIE, cookie, &cl) == 0) {
		if (!(ok = match_session(cookie, res)))
			failed(addr, method, path,
			    "stale or wrong session "
			    "cookie");
	} else {
		safe_path(path, h, sizeof(h));
		log_info(NULL, "auth: 401 for %s %s %s: no credentials%s", addr,
		    method, h,
		    ntokens ? ""
		            : " (and no API token is "
		              "configured: set FRONTDESK_API_TOKEN)");
		res->verdict = AUTH_MISSING;
		return;
	}
	if (ok) {
		res->verdict = AUTH_OK;
		if (pe)
			pe->fails = 0;
	} else
		res->verdict = AUTH_WRONG;
}

void
auth_token(struct lws *wsi, const char *token, const char *path,
    struct auth_result *res)
{
	char addr[64];
	struct auth_peer *pe;

	memset(res, 0, sizeof(*res));
	auth_peer(wsi, addr, sizeof(addr));
	if ((pe = peer_find(addr, 0)) != NULL && pe->until_us > fd_mono_us()) {
		res->verdict = AUTH_THROTTLED;
		res->retry_after =
		    (unsigned)((pe->until_us - fd_mono_us()) / 1000000 + 1);
		return;
	}
	if (token && match(token, strlen(token), res)) {
		res->verdict = AUTH_OK;
		if (pe)
			pe->fails = 0;
		return;
	}
	failed(addr, "POST", path,
	    token && token[0] ? "wrong token" : "empty token");
	res->verdict = AUTH_WRONG;
}

static int
token_add(struct auth_token *t, int *n, enum auth_role role, const char *tok,
    size_t len, char *err, size_t errlen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0, i;

	if (*n >= AUTH_MAX_TOKENS) {
		snprintf(
		    err, errlen, "more than %d API tokens", AUTH_MAX_TOKENS);
		return -1;
	}
	if (len < AUTH_MIN_TOKEN || len > AUTH_TOKEN_MAX) {
		snprintf(err, errlen,
		    "an API token (%s) has %zu characters: "
		    "use %d to %d random ones, e.g. `openssl rand -hex 16`",
		    role == AUTH_ROLE_ADMIN ? "admin" : "viewer", len,
		    AUTH_MIN_TOKEN, AUTH_TOKEN_MAX);
		return -1;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)tok[i] <= ' ' || tok[i] == 0x7f) {
			snprintf(err, errlen,
			    "an API token has a space or a "
			    "control character");
			return -1;
		}
	t[*n].role = role;
	SHA256((const unsigned char *)tok, len, t[*n].digest);
	HMAC(EVP_sha256(), tok, (int)len,
	    (const unsigned char *)AUTH_SESSION_LABEL,
	    strlen(AUTH_SESSION_LABEL), mac, &maclen);
	for (i = 0; i < maclen && i < 32; i++)
		snprintf(t[*n].session + 2 * i, 3, "%02x", mac[i]);
	(*n)++;
	return 0;
}

/* Compare with every token, whatever matched before. */
static int
match(const char *presented, size_t len, struct auth_result *res)
{
	unsigned char d[SHA256_DIGEST_LENGTH];
	int i, hit = -1;

	while (len > 0 &&
	    (presented[len - 1] == ' ' || presented[len - 1] == '\t'))
		len--;
	while (len > 0 && *presented == ' ') {
		presented++;
		len--;
	}
	if (len == 0)
		return 0;
	SHA256((const unsigned char *)presented, len, d);
	for (i = 0; i < ntokens; i++)
		if (CRYPTO_memcmp(d, tokens[i].digest, sizeof(d)) == 0)
			hit = i;
	if (hit < 0)
		return 0;
	res->role = tokens[hit].role;
	memcpy(res->session, tokens[hit].session, sizeof(res->session));
	return 1;
}

static int
match_session(const char *cookie, struct auth_result *res)
{
	int i, hit = -1;

	if (strlen(cookie) != 64)
		return 0;
	for (i = 0; i < ntokens; i++)
		if (CRYPTO_memcmp(cookie, tokens[i].session, 64) == 0)
			hit = i;
	if (hit < 0)
		return 0;
	res->role = tokens[hit].role;
	return 1;
}

/*
 * The slot of addr; with create, a new one when absent, taking a free slot
 * or else the one quiet longest that is not locked out (or, all locked,
 * the one whose lockout ends first): the table never grows.
 */
static struct auth_peer *
peer_find(const char *addr, int create)
{
	struct auth_peer *p, *victim = NULL;
	uint64_t now = fd_mono_us();
	int i;

	for (i = 0; i < AUTH_SLOTS; i++)
		if (strcmp(peers[i].addr, addr) == 0)
			return &peers[i];
	if (!create)
		return NULL;
	for (i = 0; i < AUTH_SLOTS; i++) {
		p = &peers[i];
		if (p->addr[0] == '\0') {
			victim = p;
			break;
		}
		if (victim == NULL)
			victim = p;
		else if ((p->until_us <= now) != (victim->until_us <= now)) {
			if (p->until_us <= now)
				victim = p;
		} else if (p->until_us <= now ? p->seen_us < victim->seen_us
		                              : p->until_us < victim->until_us)
			victim = p;
	}
	memset(victim, 0, sizeof(*victim));
	snprintf(victim->addr, sizeof(victim->addr), "%s", addr);
	return victim;
}

/* One log line per failed attempt, and the count towards a lockout. */
static void
failed(const char *addr, const char *method, const char *path, const char *why)
{
	struct auth_peer *p = peer_find(addr, 1);
	uint64_t now = fd_mono_us(), lock;
	char sp[128];

	safe_path(path, sp, sizeof(sp));
	if (p->until_us + (uint64_t)AUTH_FORGET_S * 1000000 < now &&
	    p->seen_us + (uint64_t)AUTH_FORGET_S * 1000000 < now)
		p->lockouts = 0;
	if (p->window_us == 0 ||
	    now - p->window_us > (uint64_t)AUTH_WINDOW_S * 1000000) {
		p->window_us = now;
		p->fails = 0;
	}
	p->fails++;
	p->seen_us = now;
	log_warnx(NULL, "auth: 401 for %s %s %s: %s (%u of %d in %d s)", addr,
	    method, sp, why, p->fails, AUTH_MAX_FAILS, AUTH_WINDOW_S);
	if (p->fails < AUTH_MAX_FAILS)
		return;
	lock = AUTH_LOCK_S;
	for (unsigned i = 0; i < p->lockouts && lock < AUTH_LOCK_MAX_S; i++)
		lock *= 2;
	if (lock > AUTH_LOCK_MAX_S)
		lock = AUTH_LOCK_MAX_S;
	p->lockouts++;
	p->fails = 0;
	p->window_us = 0;
	p->until_us = now + lock * 1000000;
	log_warnx(NULL,
	    "auth: %s locked out for %u s after %d wrong "
	    "credentials (lockout %u): answered 429 meanwhile",
	    addr, (unsigned)lock, AUTH_MAX_FAILS, p->lockouts);
}

/* A path fit for a log line: printable ASCII, bounded. */
static void
safe_path(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = in[i] > ' ' && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
}
