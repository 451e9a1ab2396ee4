/*
 * vocab.c - the CRM vocabulary poller (see vocab.h).  crm-tools being down
 * is logged once and retried at the next poll; the recogniser keeps the
 * words it has.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "rpc.h"
#include "vocab.h"

#define VOCAB_MAX 50000

static struct {
	struct fd_rpc rpc;
	const struct stt_engine_ops *engine;
	void *eng;
	int poll_s;
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running, stop;
	char version[64];
	int down_logged;
} v = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* One poll: the list, handed over when its version changed. */
static void
poll_once(void)
{
	json_t *rep = NULL, *res, *words, *w;
	const char **list;
	const char *ver;
	size_t i, n = 0;
	int rv;

	rv = fd_rpc_tool(&v.rpc, "", "vocabulary",
	    json_pack("{s:i}", "limit", 3000), NULL, &rep, 3000);
	if (rv != 0 || !json_is_true(json_object_get(rep, "ok"))) {
		if (!v.down_logged)
			log_warnx(NULL,
			    "vocabulary from crm-tools: %s (keeping "
			    "the words we have, retrying)",
			    rv ? nng_strerror(rv) : "refused");
		v.down_logged = 1;
		json_decref(rep);
		return;
	}
	v.down_logged = 0;
	res = json_object_get(rep, "result");
	ver = json_string_value(json_object_get(res, "version"));
	words = json_object_get(res, "words");
	if (ver == NULL || !json_is_array(words) ||
	    strcmp(ver, v.version) == 0) {
		json_decref(rep);
		return;
	}
	if ((list = calloc(json_array_size(words) + 1, sizeof(*list))) ==
	    NULL) {
		json_decref(rep);
		return;
	}
	json_array_foreach(words, i, w) if (json_is_string(w) && n < VOCAB_MAX)
	    list[n++] = json_string_value(w);
	rv = v.engine->vocabulary(v.eng, list, n);
	log_info(NULL,
	    "vocabulary %s from crm-tools: %zu entries, %d new "
	    "words",
	    ver, n, rv);
	snprintf(v.version, sizeof(v.version), "%s", ver);
	free(list);
	json_decref(rep);
}

static void *
vocab_main(void *arg)
{
	struct timespec ts;

	(void)arg;
	pthread_mutex_lock(&v.mu);
	while (!v.stop) {
		pthread_mutex_unlock(&v.mu);
		poll_once();
		pthread_mutex_lock(&v.mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		/* until the first list arrives (crm-tools may start after
		 * us), ask again soon */
		ts.tv_sec += v.version[0] ? v.poll_s : 2;
		while (
		    !v.stop && pthread_cond_timedwait(&v.cv, &v.mu, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&v.mu);
	return NULL;
}

int
vocab_start(const char *crm_rep, const struct stt_engine_ops *engine, void *eng,
    int poll_s)
{
	int rv;

	if (engine->vocabulary == NULL)
		return 0;
	if ((rv = fd_rpc_open(&v.rpc, crm_rep)) != 0) {
		log_warnx(
		    NULL, "vocabulary: rpc %s: %s", crm_rep, nng_strerror(rv));
		return -1;
	}
	v.engine = engine;
	v.eng = eng;
	v.poll_s = poll_s > 0 ? poll_s : 60;
	v.stop = 0;
	if (pthread_create(&v.thr, NULL, vocab_main, NULL) != 0) {
		fd_rpc_close(&v.rpc);
		return -1;
	}
	v.running = 1;
	return 0;
}

void
vocab_stop(void)
{
	if (!v.running)
		return;
	pthread_mutex_lock(&v.mu);
	v.stop = 1;
	pthread_cond_broadcast(&v.cv);
	pthread_mutex_unlock(&v.mu);
	pthread_join(v.thr, NULL);
	fd_rpc_close(&v.rpc);
	v.running = 0;
}
