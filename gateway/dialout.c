/*
 * dialout.c - placed idempotency keys, dial pacing and OUTBOUND_RESULT
 * (see dialout.h).  The key table is a fixed ring: a key is remembered
 * DIALOUT_KEY_TTL_S or until DIALOUT_KEYS newer keys pushed it out.  What
 * survives a gateway restart is crm-tools' record of the attempt (the
 * carrier checks it before placing, carrier.c); this table covers the
 * requests in flight and those crm-tools cannot answer for.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "dialout.h"
#include "gateway.h"
#include "log.h"
#include "proto/payload.h"

struct placed_key {
	char key[64]; /* "" = free */
	uint64_t at_us;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct placed_key keys[DIALOUT_KEYS];
static unsigned next_key;
static uint64_t gap_us = 1000000; /* between two new calls */
static uint64_t next_slot_us;
static int ring_timeout_s = 25;

void
dialout_configure(double calls_per_s, int ring_s)
{
	pthread_mutex_lock(&mu);
	gap_us = calls_per_s > 0 ? (uint64_t)(1e6 / calls_per_s) : 1000000;
	ring_timeout_s = ring_s > 0 ? ring_s : 25;
	pthread_mutex_unlock(&mu);
}

int
dialout_ring_timeout_s(void)
{
	int v;

	pthread_mutex_lock(&mu);
	v = ring_timeout_s;
	pthread_mutex_unlock(&mu);
	return v;
}

void
dialout_pace(void)
{
	uint64_t now = fd_mono_us(), slot;

	pthread_mutex_lock(&mu);
	slot = next_slot_us > now ? next_slot_us : now;
	next_slot_us = slot + gap_us;
	pthread_mutex_unlock(&mu);
	if (slot > now)
		fd_sleep_us(slot - now);
}

int
dialout_key_begin(const char *key, uint64_t now_us)
{
	unsigned i;
	int seen = 0;

	if (key == NULL || key[0] == '\0')
		return 0;
	pthread_mutex_lock(&mu);
	for (i = 0; i < DIALOUT_KEYS; i++)
		if (keys[i].key[0] != '\0' && strcmp(keys[i].key, key) == 0 &&
		    now_us - keys[i].at_us < DIALOUT_KEY_TTL_S * 1000000ull) {
			seen = 1;
			break;
		}
	if (!seen) {
		snprintf(
		    keys[next_key].key, sizeof(keys[next_key].key), "%s", key);
		keys[next_key].at_us = now_us;
		next_key = (next_key + 1) % DIALOUT_KEYS;
	}
	pthread_mutex_unlock(&mu);
	return seen;
}

void
dialout_key_abandon(const char *key)
{
	unsigned i;

	if (key == NULL || key[0] == '\0')
		return;
	pthread_mutex_lock(&mu);
	for (i = 0; i < DIALOUT_KEYS; i++)
		if (strcmp(keys[i].key, key) == 0)
			keys[i].key[0] = '\0';
	pthread_mutex_unlock(&mu);
}

void
dialout_publish(const struct dialout_result *r)
{
	struct fd_pl_outbound_result m = {0};
	char err[128];
	const char *sid =
	    r->call_sid && fd_call_id_valid(r->call_sid) ? r->call_sid : "";
	json_t *j;

	m.to = r->to ? r->to : "";
	m.call_id = r->call_sid;
	m.status = r->status;
	m.error = r->error;
	m.purpose = r->purpose;
	m.appointment_id = r->appointment_id;
	m.job_id = r->job_id;
	m.attempt = r->attempt;
	m.idempotency_key = r->idempotency_key;
	m.answered_by = r->answered_by;
	m.duration_s = r->duration_s;
	if ((j = fd_pl_json_outbound_result(&m, err, sizeof(err))) == NULL) {
		log_err(sid[0] ? sid : NULL, "outbound result: %s", err);
		return;
	}
	fd_bus_publish_json(&gw_bus, FD_MSG_OUTBOUND_RESULT, sid, 0, j);
	json_decref(j);
}

int
dialout_answered_by_nobody(const char *a)
{
	return a != NULL &&
	    (strcmp(a, "fax") == 0 || strcmp(a, "unknown") == 0);
}
