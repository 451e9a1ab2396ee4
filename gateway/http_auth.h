/*
 * http_auth.h - who may read call data over the gateway's HTTP side: the
 * configured API tokens and their roles, the dashboard's session cookie,
 * and the per-address throttle on wrong credentials.  Service thread only.
 */
#ifndef GW_HTTP_AUTH_H
#define GW_HTTP_AUTH_H

#include <stddef.h>

#include <libwebsockets.h>

enum auth_role { AUTH_ROLE_NONE = 0, AUTH_ROLE_VIEWER, AUTH_ROLE_ADMIN };

enum auth_verdict {
	AUTH_OK, /* role says what it may do */
	AUTH_MISSING, /* no credentials presented: 401 */
	AUTH_WRONG, /* wrong credentials: 401, counted */
	AUTH_THROTTLED /* too many wrong ones lately: 429 */
};

struct auth_result {
	enum auth_verdict verdict;
	enum auth_role role;
	unsigned retry_after; /* THROTTLED: seconds */
	char session[65]; /* OK from a token: its dashboard cookie */
};

#define AUTH_COOKIE "fd_session"
#define AUTH_MIN_TOKEN 16 /* characters */

/*
 * Take the token table: admin (FRONTDESK_API_TOKEN, may be "") plus list
 * (FRONTDESK_API_TOKENS: "role:token" items separated by spaces or commas,
 * role viewer or admin).  -1 with a message (the table unchanged) if an
 * item is malformed or a token shorter than AUTH_MIN_TOKEN.
 */
int auth_configure(
    const char *admin, const char *list, char *err, size_t errlen);
int auth_ntokens(void);
/* Credentials of a request: Authorization: Bearer, else the cookie. */
void auth_request(struct lws *wsi, const char *method, const char *path,
    struct auth_result *res);
/* A token typed into the login form, throttled and logged the same way. */
void auth_token(struct lws *wsi, const char *token, const char *path,
    struct auth_result *res);
const char *auth_role_name(enum auth_role role);
/* The peer's address, for logs and the throttle: a trusted proxy's
 * X-Real-IP, else the socket's peer. */
void auth_peer(struct lws *wsi, char *buf, size_t len);
/* The proxies whose X-Real-IP is believed: IP addresses separated by
 * spaces or commas.  0, or -1 with err (the list is left as it was). */
#define AUTH_MAX_PROXIES 8
int auth_trust_proxies(const char *list, char *err, size_t errlen);

#endif
