/*
 * callinfo.c - the signed webhook's facts and one-time stream tokens by
 * CallSid (see callinfo.h).  Tokens are 32 bytes from OpenSSL's CSPRNG,
 * written as hex, and compared with CRYPTO_memcmp so the time a refusal
 * takes says nothing about how much of a guess was right.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "callinfo.h"

#define CALLINFO_SLOTS 2048

/* the webhook writes a slot on the main thread, the stream's start takes
 * it on whichever service thread serves the stream */
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static struct callinfo table[CALLINFO_SLOTS];

static int
expired(const struct callinfo *ci, uint64_t now_us)
{
	return now_us - ci->at_us > CALLINFO_TTL_US;
}

static void
forget(struct callinfo *ci)
{
	OPENSSL_cleanse(ci, sizeof(*ci));
}

/* The slot for sid: its own, else a free or expired one, else the
 * oldest (only when more calls wait for their stream than there are
 * slots). */
static struct callinfo *
slot_for(const char *sid, uint64_t now_us)
{
	struct callinfo *free_slot = NULL, *oldest = &table[0];
	unsigned i;

	for (i = 0; i < CALLINFO_SLOTS; i++) {
		struct callinfo *ci = &table[i];

		if (ci->sid[0] != '\0' && strcmp(ci->sid, sid) == 0)
			return ci;
		if (free_slot == NULL &&
		    (ci->sid[0] == '\0' || expired(ci, now_us)))
			free_slot = ci;
		if (ci->at_us < oldest->at_us)
			oldest = ci;
	}
	return free_slot ? free_slot : oldest;
}

static int
put_locked(const char *sid, const char *from, const char *to,
    const char *direction, uint64_t now_us, char *token)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[CALLINFO_TOKEN_BYTES];
	struct callinfo *ci;
	size_t i;

	token[0] = '\0';
	if (sid == NULL || sid[0] == '\0' || RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	ci = slot_for(sid, now_us);
	forget(ci);
	snprintf(ci->sid, sizeof(ci->sid), "%s", sid);
	snprintf(ci->from, sizeof(ci->from), "%s", from ? from : "");
	snprintf(ci->to, sizeof(ci->to), "%s", to ? to : "");
	snprintf(ci->direction, sizeof(ci->direction), "%s",
	    direction ? direction : "");
	for (i = 0; i < sizeof(rnd); i++) {
		ci->token[2 * i] = hex[rnd[i] >> 4];
		ci->token[2 * i + 1] = hex[rnd[i] & 15];
	}
	ci->token[2 * sizeof(rnd)] = '\0';
	ci->at_us = now_us;
	OPENSSL_cleanse(rnd, sizeof(rnd));
	memcpy(token, ci->token, CALLINFO_TOKEN_LEN);
	return 0;
}

static int
set_job_locked(const char *sid, int64_t job_id, int64_t attempt,
    const char *kind, const char *answered_by)
{
	unsigned i;

	if (sid == NULL || sid[0] == '\0')
		return -1;
	for (i = 0; i < CALLINFO_SLOTS; i++) {
		struct callinfo *ci = &table[i];

		if (ci->sid[0] == '\0' || strcmp(ci->sid, sid) != 0)
			continue;
		ci->job_id = job_id;
		ci->attempt = attempt;
		snprintf(ci->kind, sizeof(ci->kind), "%s", kind ? kind : "");
		snprintf(ci->answered_by, sizeof(ci->answered_by), "%s",
		    answered_by ? answered_by : "");
		return 0;
	}
	return -1;
}

static enum callinfo_refusal
take_locked(
    const char *sid, const char *token, struct callinfo *out, uint64_t now_us)
{
	unsigned i;

	if (sid == NULL || sid[0] == '\0')
		return CALLINFO_UNKNOWN;
	for (i = 0; i < CALLINFO_SLOTS; i++) {
		struct callinfo *ci = &table[i];

		if (ci->sid[0] == '\0' || strcmp(ci->sid, sid) != 0)
			continue;
		if (expired(ci, now_us)) {
			forget(ci);
			return CALLINFO_EXPIRED;
		}
		/* the length of a token is no secret; its bytes are */
		if (token == NULL || strlen(token) != CALLINFO_TOKEN_LEN - 1 ||
		    CRYPTO_memcmp(token, ci->token, CALLINFO_TOKEN_LEN - 1) !=
		        0)
			return CALLINFO_BAD_TOKEN;
		*out = *ci;
		forget(ci);
		return CALLINFO_OK;
	}
	return CALLINFO_UNKNOWN;
}

int
callinfo_put(const char *sid, const char *from, const char *to,
    const char *direction, uint64_t now_us, char *token)
{
	int rv;

	pthread_mutex_lock(&table_mu);
	rv = put_locked(sid, from, to, direction, now_us, token);
	pthread_mutex_unlock(&table_mu);
	return rv;
}

int
callinfo_set_job(const char *sid, int64_t job_id, int64_t attempt,
    const char *kind, const char *answered_by)
{
	int rv;

	pthread_mutex_lock(&table_mu);
	rv = set_job_locked(sid, job_id, attempt, kind, answered_by);
	pthread_mutex_unlock(&table_mu);
	return rv;
}

enum callinfo_refusal
callinfo_take(
    const char *sid, const char *token, struct callinfo *out, uint64_t now_us)
{
	enum callinfo_refusal r;

	pthread_mutex_lock(&table_mu);
	r = take_locked(sid, token, out, now_us);
	pthread_mutex_unlock(&table_mu);
	return r;
}

const char *
callinfo_refusal_str(enum callinfo_refusal r)
{
	switch (r) {
	case CALLINFO_OK:
		return "ok";
	case CALLINFO_UNKNOWN:
		return "no signed webhook announced this call (or its token "
		       "was used)";
	case CALLINFO_EXPIRED:
		return "its stream token expired";
	case CALLINFO_BAD_TOKEN:
		return "missing or wrong stream token";
	}
	return "?";
}
