/*
 * stt_worker.c - the speech recognition daemon.  Listens to the gateway
 * (CALL_START, CALL_END, AUDIO_IN, DTMF) and the agent (STT_HINT); runs one
 * recognition stream per call on the engine named by stt.engine and
 * publishes SPEECH_STARTED, SPEECH_STOPPED and TRANSCRIPT (interim and
 * final) for the agent on its own pub socket.
 *
 * Config (section stt): engine = "pocketsphinx"; idle_timeout_s = 60;
 * vocabulary_poll_s = 60 (how often to ask crm-tools for the names and
 * vehicles callers will say, vocab.c; 0 never); fallback = true (with a
 * vendor engine, pocketsphinx runs too and takes over a call whose vendor
 * stream fails, within the turn: stt_fallback.c, with fallback_after_ms
 * = 2000 and fallback_ring_s = 30); the engine's own options
 * (stt_engine_pocketsphinx.c: lm, decoders, extra_words_file, vad_*,
 * endpoint_ms, ...).  SIGHUP re-reads the config and rebuilds the domain
 * language model.
 *
 * A restart loses nothing the caller said: the gateway numbers each
 * call's AUDIO_IN frames (ref) and, once this instance hears everyone,
 * sends again what the previous instance had not finished (FD_F_REPLAY,
 * with the frames' original arrival times, fed as fast as they come).
 * CALL_START is not needed for that: a stream opens on the first audio of
 * a call this instance does not know.  Live frames of such a call that
 * come before its replay wait for it (at most HOLD_US); frames with a
 * number already fed are dropped, so replay and live audio join in order.
 *
 * A subscriber's restart loses no turn either: the last KEPT_FINALS finals
 * of each call are kept, and when a publisher this instance hears comes
 * back as a new instance that hears everyone (an agent that was killed
 * while a final was on its way), the finals of the last KEPT_FINAL_US are
 * published again with FD_F_REPLAY; the agent drops those its session had
 * already handled.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bus.h"
#include "cluster.h"
#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "stt_engine.h"
#include "stt_fallback.h"
#include "vocab.h"

#define FRAME_BYTES 160 /* AUDIO_IN frame numbering unit */
#define FRAME_US 20000
/* An instance this young may have missed the start of a call: it holds a
 * call's live frames until its replay comes, at most HOLD_US. */
#define YOUNG_US (30 * 1000000ull)
#define HOLD_US (2 * 1000000ull)
#define HOLD_FRAMES 150
/* a replayed frame's arrival is believed if this recent (the gateway
 * keeps 20 s; a live frame's must be within 5 s) */
#define REPLAY_MAX_AGE_US (60 * 1000000ull)

/* finals kept per call for a restarted subscriber, and for how long */
#define KEPT_FINALS 2
#define KEPT_FINAL_US (20 * 1000000ull)

/* A live frame waiting for its call's replay. */
struct held {
	uint32_t ref;
	uint16_t len;
	uint64_t ts_us;
	uint8_t audio[FRAME_BYTES];
};

struct hold {
	uint64_t since_us;
	int got_replay; /* the replay began: next live frame flushes */
	size_t n;
	struct held f[HOLD_FRAMES];
};

struct call {
	char id[FD_CALL_ID_LEN];
	void *stream;
	uint64_t last_audio_us;
	uint32_t next_ref; /* first frame number not fed yet, 0 none */
	uint32_t first_ref; /* the stream's first frame's number, 0 none */
	int replaying; /* the last frame fed was a replayed one */
	struct hold *hold; /* live frames waiting for a replay, or NULL */
	/* under kept_mu (the engine's threads publish): the last finals,
	 * their payloads as published and when */
	char *kept[KEPT_FINALS];
	uint64_t kept_us[KEPT_FINALS];
	struct call *next;
};

static char engine_name[32];
static int idle_timeout_s;
static int vocabulary_poll_s; /* 0: do not ask crm-tools */
static int fallback; /* a vendor engine has pocketsphinx behind it */

static const struct fd_cfg_opt opts[] = {
    {"stt.engine", FD_CFG_STR, engine_name, sizeof(engine_name), "pocketsphinx",
        0, 0, "FRONTDESK_STT_ENGINE"},
    {"stt.idle_timeout_s", FD_CFG_INT, &idle_timeout_s, 0, "60", 1, 86400,
        NULL},
    {"stt.vocabulary_poll_s", FD_CFG_INT, &vocabulary_poll_s, 0, "60", 0, 86400,
        NULL},
    {"stt.fallback", FD_CFG_BOOL, &fallback, 0, "true", 0, 0, NULL},
};

static struct fd_bus bus;
static pthread_mutex_t kept_mu = PTHREAD_MUTEX_INITIALIZER;
static const struct stt_engine_ops *engine;
static void *eng;
static struct call *calls;
static uint64_t started_us;

static struct call *call_find(const char *id);
static struct call *call_open(const char *id);
static void call_close(struct call *c, const char *why);
static void audio(struct call *c, const struct fd_frame *f, uint64_t now);
static void feed(struct call *c, const uint8_t *a, size_t len, uint32_t ref,
    uint64_t ts_us, int replay, uint64_t now);
static void hold_flush(struct call *c, uint64_t now);
static void hint(struct call *c, const struct fd_frame *f);
static void assigned(struct call *c, const struct fd_frame *f, uint64_t now);
static void sweep(uint64_t now);
static void publish_transcript(
    struct call *c, const struct fd_pl_transcript *m);
static void on_peer(void *arg, struct fd_bus *b, int peer,
    const struct fd_bus_peer *p, uint64_t old_instance);
static void on_started(void *arg, uint32_t at_ms);
static void on_stopped(void *arg, uint32_t at_ms, uint32_t dur_ms);
static void on_result(void *arg, const struct stt_result *r);
static int check_config(char *err, size_t errlen);
static const struct stt_engine_ops *engine_chosen(void);

static const struct stt_events events = {on_started, on_stopped, on_result};

static void
dispatch(const struct fd_frame *f, uint64_t now)
{
	struct call *c = call_find(f->call_id);

	switch (f->type) {
	case FD_MSG_CALL_START:
		if (c)
			call_close(c, "restarted");
		call_open(f->call_id);
		break;
	case FD_MSG_CALL_END:
		if (c)
			call_close(c, "call end");
		break;
	case FD_MSG_AUDIO_IN:
		/* audio of a call that started before we did: its replay
		 * is coming if the gateway saw us start */
		if (c == NULL) {
			if ((c = call_open(f->call_id)) == NULL)
				break;
			/* frame 1 is a call's first: nothing came before */
			if (!(f->flags & FD_F_REPLAY) && f->ref > 1 &&
			    now - started_us < YOUNG_US &&
			    (c->hold = calloc(1, sizeof(*c->hold))) != NULL)
				c->hold->since_us = now;
		}
		c->last_audio_us = now;
		audio(c, f, now);
		break;
	case FD_MSG_DTMF:
		if (c && engine->finalize)
			engine->finalize(c->stream);
		break;
	case FD_MSG_STT_HINT:
		if (c)
			hint(c, f);
		break;
	case FD_MSG_CALL_ASSIGN:
		assigned(c, f, now);
		break;
	default:
		log_err(
		    f->call_id, "unexpected message %s", fd_msg_name(f->type));
		break;
	}
}

int
main(int argc, char **argv)
{
	static const enum fd_daemon_id from[] = {FD_D_GATEWAY, FD_D_AGENT};
	static const int types[] = {FD_MSG_CALL_START, FD_MSG_CALL_END,
	    FD_MSG_AUDIO_IN, FD_MSG_DTMF, FD_MSG_STT_HINT, FD_MSG_CALL_ASSIGN};
	struct fd_frame f;
	nng_msg *msg;
	uint64_t last_sweep = 0, now;
	char err[512];
	int rv;

	fd_daemon_validate = check_config;
	fd_daemon_recheck = check_config;
	fd_daemon_start(FD_D_STT, argc, argv, opts, FD_CFG_N(opts));
	started_us = fd_mono_us();
	engine = engine_chosen(); /* check_config found it */
	if (engine->init(&fd_config, &eng, err, sizeof(err)) != 0) {
		log_err(NULL, "%s: %s", engine->name, err);
		exit(FD_EX_CONFIG);
	}
	/* in a cluster the publishers come from the registry */
	if ((rv = fd_bus_open(&bus, FD_D_STT, from,
	         fd_cluster_on() ? 0 : FD_CFG_N(from), types,
	         FD_CFG_N(types))) != 0)
		fatalx("bus: %s", nng_strerror(rv));
	fd_bus_on_peer(&bus, on_peer, NULL);
	log_info(NULL, "engine %s%s, publishing on %s", engine_name,
	    engine == &stt_engine_fallback ? " (pocketsphinx behind it)" : "",
	    fd_pub_addr(FD_D_STT));
	if (fd_cluster_on()) {
		if (fd_cluster_start(
		        &bus, FD_D_STT, from, FD_CFG_N(from), NULL, NULL) != 0)
			fatalx("cluster: cannot start");
		fd_cluster_ready_when_connected(
		    "hearing the gateways and the agents");
	} else
		fd_bus_ready_when_connected(
		    &bus, "hearing the gateway and the agent");
	if (vocabulary_poll_s > 0 && engine->vocabulary &&
	    vocab_start(fd_common.crm_rep, engine, eng, vocabulary_poll_s) != 0)
		log_warnx(NULL,
		    "no CRM vocabulary: the language model keeps "
		    "its built-in names");

	while (!fd_stop) {
		rv = fd_bus_recv(&bus, &msg, &f, 500);
		now = fd_mono_us();
		if (rv == 0) {
			if (fd_cluster_mine(&f))
				dispatch(&f, now);
			nng_msg_free(msg);
		} else if (rv != NNG_ETIMEDOUT && rv != NNG_EPROTO &&
		    rv != NNG_EINTR) {
			log_warnx(NULL, "bus: %s", nng_strerror(rv));
			fd_sleep_us(100000);
		}
		if (fd_reload) {
			fd_reload = 0;
			if (fd_daemon_reload(opts, FD_CFG_N(opts)) == 0 &&
			    engine->reload)
				engine->reload(eng, &fd_config);
		}
		if (now - last_sweep > 1000000) {
			sweep(now);
			last_sweep = now;
		}
	}
	log_info(NULL, "stopping");
	fd_cluster_stop();
	vocab_stop();
	while (calls)
		call_close(calls, "shutdown");
	engine->fini(eng);
	fd_bus_close(&bus);
	config_destroy(&fd_config);
	fd_daemon_stopped();
	return 0;
}

/* The engine and its options, at start, under -n and on SIGHUP (where
 * a new engine name is only checked: it takes a restart). */
/* Publish a transcript, and keep a final's payload as published for a
 * restarted subscriber (engine thread).  Encoded once: text that is not
 * UTF-8 is refused by the writer, and logged. */
static void
publish_transcript(struct call *c, const struct fd_pl_transcript *m)
{
	char err[160];
	json_t *j;
	char *text;
	int i;

	if ((j = fd_pl_json(FD_MSG_TRANSCRIPT, m, err, sizeof(err))) == NULL) {
		log_err(c->id, "bus: not sent: %s", err);
		return;
	}
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL ||
	    fd_bus_publish(
	        &bus, FD_MSG_TRANSCRIPT, c->id, 0, text, strlen(text)) != 0 ||
	    !m->final) {
		free(text);
		return;
	}
	pthread_mutex_lock(&kept_mu);
	free(c->kept[0]);
	for (i = 0; i + 1 < KEPT_FINALS; i++) {
		c->kept[i] = c->kept[i + 1];
		c->kept_us[i] = c->kept_us[i + 1];
	}
	c->kept[KEPT_FINALS - 1] = text;
	c->kept_us[KEPT_FINALS - 1] = fd_mono_us();
	pthread_mutex_unlock(&kept_mu);
}

/* A publisher came back as a new instance that hears everyone: a
 * subscriber of ours may have missed finals while it was down, so the
 * recent ones go out again (bus thread: fd_bus_recv). */
static void
on_peer(void *arg, struct fd_bus *b, int peer, const struct fd_bus_peer *p,
    uint64_t old_instance)
{
	static uint64_t caught_up[FD_BUS_MAX_PEERS];
	struct fd_frame h;
	struct call *c;
	uint64_t now = fd_mono_us();
	int i, n = 0;

	(void)arg;
	if (peer < 0 || peer >= FD_BUS_MAX_PEERS)
		return;
	if (old_instance == 0 && caught_up[peer] == 0) {
		caught_up[peer] = p->instance; /* the first one heard */
		return;
	}
	if (!p->hears || caught_up[peer] == p->instance)
		return;
	caught_up[peer] = p->instance;
	memset(&h, 0, sizeof(h));
	h.type = FD_MSG_TRANSCRIPT;
	h.flags = FD_F_REPLAY;
	pthread_mutex_lock(&kept_mu);
	for (c = calls; c; c = c->next)
		for (i = 0; i < KEPT_FINALS; i++) {
			if (c->kept[i] == NULL ||
			    now - c->kept_us[i] > KEPT_FINAL_US)
				continue;
			snprintf(h.call_id, sizeof(h.call_id), "%s", c->id);
			if (fd_bus_publish_hdr(
			        b, &h, c->kept[i], strlen(c->kept[i])) == 0)
				n++;
		}
	pthread_mutex_unlock(&kept_mu);
	if (n)
		log_info(NULL,
		    "bus: %s restarted: %d recent final(s) sent again", p->addr,
		    n);
}

static int
check_config(char *err, size_t errlen)
{
	const struct stt_engine_ops *e;

	if ((e = engine_chosen()) == NULL) {
		snprintf(err, errlen,
		    "stt.engine: unknown engine '%s' "
		    "(pocketsphinx, deepgram)",
		    engine_name);
		return -1;
	}
	return e->check ? e->check(&fd_config, err, errlen) : 0;
}

/* The engine stt.engine names, or with stt.fallback a vendor engine
 * with pocketsphinx behind it; NULL if the name is unknown. */
static const struct stt_engine_ops *
engine_chosen(void)
{
	const struct stt_engine_ops *e = stt_engine_find(engine_name);

	if (e && fallback && e != &stt_engine_pocketsphinx)
		return &stt_engine_fallback;
	return e;
}

/* Cluster mode: a call moved here waits for its replay (the live frames
 * are held, as in a young instance); a call moved away is let go. */
static void
assigned(struct call *c, const struct fd_frame *f, uint64_t now)
{
	struct fd_pl_call_assign a;
	const char *id = f->call_id;
	json_t *j;
	int moved;

	if ((j = fd_bus_read_call_assign(f, &a)) == NULL)
		return;
	moved = a.moved;
	if (strcmp(a.stt, fd_cluster_self()) != 0) {
		json_decref(j);
		if (c)
			call_close(c, "moved to another stt-worker");
		return;
	}
	json_decref(j);
	/* a new call's CALL_START follows */
	if (!moved || c != NULL || (c = call_open(id)) == NULL)
		return;
	if ((c->hold = calloc(1, sizeof(*c->hold))) != NULL)
		c->hold->since_us = now;
	log_info(id, "call assigned here: waiting for its replay");
}

static struct call *
call_find(const char *id)
{
	struct call *c;

	for (c = calls; c; c = c->next)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

static struct call *
call_open(const char *id)
{
	struct call *c;

	if (id[0] == '\0') {
		log_warnx(NULL, "frame without a call id ignored");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warnx(id, "out of memory: call not transcribed");
		return NULL;
	}
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->last_audio_us = fd_mono_us();
	if ((c->stream = engine->stream_open(eng, c->id, &events, c)) == NULL) {
		log_warnx(id, "cannot open a recognition stream");
		free(c);
		return NULL;
	}
	c->next = calls;
	calls = c;
	log_info(id, "stream open");
	return c;
}

static void
call_close(struct call *c, const char *why)
{
	struct call **pp;
	int i;

	for (pp = &calls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	engine->stream_close(c->stream);
	log_info(c->id, "stream closed (%s)", why);
	free(c->hold);
	for (i = 0; i < KEPT_FINALS; i++)
		free(c->kept[i]);
	free(c);
}

/* An AUDIO_IN frame: fed, or held while the call's replay is awaited. */
static void
audio(struct call *c, const struct fd_frame *f, uint64_t now)
{
	struct hold *h = c->hold;
	struct held *e;

	if (h && (f->flags & FD_F_REPLAY))
		h->got_replay = 1;
	else if (h && !h->got_replay && h->n < HOLD_FRAMES &&
	    now - h->since_us < HOLD_US && f->payload_len <= FRAME_BYTES) {
		e = &h->f[h->n++];
		e->ref = f->ref;
		e->ts_us = f->ts_us;
		e->len = (uint16_t)f->payload_len;
		memcpy(e->audio, f->payload, f->payload_len);
		return;
	} else if (h)
		hold_flush(c, now);
	feed(c, f->payload, f->payload_len, f->ref, f->ts_us,
	    (f->flags & FD_F_REPLAY) != 0, now);
}

/* The live frames held for the replay follow it (those it did not
 * already bring). */
static void
hold_flush(struct call *c, uint64_t now)
{
	struct hold *h = c->hold;
	size_t i;

	c->hold = NULL;
	if (!h->got_replay)
		log_warnx(c->id,
		    "no replay came in %.1f s: transcribing "
		    "from the first live frame",
		    (now - h->since_us) / 1e6);
	for (i = 0; i < h->n; i++)
		feed(c, h->f[i].audio, h->f[i].len, h->f[i].ref, h->f[i].ts_us,
		    0, now);
	free(h);
}

/* Feed len bytes numbered from ref (0: unnumbered), FRAME_BYTES a frame;
 * a frame already fed is dropped.  A replayed run's frames arrived
 * FRAME_US apart from ts_us. */
static void
feed(struct call *c, const uint8_t *a, size_t len, uint32_t ref, uint64_t ts_us,
    int replay, uint64_t now)
{
	uint64_t max_age = replay ? REPLAY_MAX_AGE_US : 5000000, at;
	size_t n, i;

	for (i = 0; len > 0; i++, a += n, len -= n) {
		n = len < FRAME_BYTES ? len : FRAME_BYTES;
		if (ref) {
			if (ref + i < c->next_ref)
				continue;
			if (c->next_ref == 0)
				c->first_ref = ref + (uint32_t)i;
			c->next_ref = ref + (uint32_t)i + 1;
		}
		if (replay && !c->replaying)
			log_info(c->id,
			    "catching up from frame %u (%.1f s "
			    "ago)",
			    ref + (uint32_t)i,
			    ts_us && ts_us <= now ? (now - ts_us) / 1e6 : 0.0);
		c->replaying = replay;
		/* the gateway stamps arrival on the same monotonic clock;
		 * a stamp from another host's clock is replaced by ours */
		at = ts_us ? ts_us + (replay ? i * FRAME_US : 0) : 0;
		engine->feed(c->stream, a, n,
		    at && at <= now && now - at < max_age ? at : now);
	}
}

static void
hint(struct call *c, const struct fd_frame *f)
{
	struct fd_pl_stt_hint h;
	const char *words[64];
	json_t *j, *v;
	size_t n = 0, i;

	if ((j = fd_bus_read_stt_hint(f, &h)) == NULL)
		return;
	json_array_foreach(h.words, i, v)
	{
		if (json_is_string(v) && n < sizeof(words) / sizeof(words[0]))
			words[n++] = json_string_value(v);
	}
	log_debug(c->id, "hint expect=%s words=%zu", h.expect, n);
	engine->hint(
	    c->stream, h.expect[0] ? h.expect : "any", n ? words : NULL, n);
	json_decref(j);
}

/* A call whose gateway vanished without CALL_END must not live forever. */
static void
sweep(uint64_t now)
{
	struct call *c, *next;

	for (c = calls; c; c = next) {
		next = c->next;
		/* (a call opened after now was read is not idle) */
		if (now > c->last_audio_us &&
		    now - c->last_audio_us > (uint64_t)idle_timeout_s * 1000000)
			call_close(c, "no audio");
	}
}

static void
on_started(void *arg, uint32_t at_ms)
{
	struct call *c = arg;
	struct fd_pl_speech_started m = {.at_ms = at_ms};

	log_debug(c->id, "speech started at %u ms", at_ms);
	fd_bus_publish_speech_started(&bus, c->id, 0, &m);
}

static void
on_stopped(void *arg, uint32_t at_ms, uint32_t dur_ms)
{
	struct call *c = arg;
	struct fd_pl_speech_stopped m = {.at_ms = at_ms, .dur_ms = dur_ms};

	log_debug(c->id, "speech stopped at %u ms (%u ms)", at_ms, dur_ms);
	fd_bus_publish_speech_stopped(&bus, c->id, 0, &m);
}

static double
conf01(double v)
{
	return v < 0 || v != v ? 0 : v > 1 ? 1 : v;
}

static void
on_result(void *arg, const struct stt_result *r)
{
	struct call *c = arg;
	/* the engine's times count from the stream's first frame; a stream
	 * that began at a replay (another stt-worker had the call's start)
	 * reports on the call's own timeline, frame 1 at 0 ms */
	uint32_t base_ms =
	    c->first_ref > 1 ? (c->first_ref - 1) * (FRAME_US / 1000) : 0;
	struct fd_pl_transcript m = {.text = r->text,
	    .final = r->final,
	    .stable = !r->final && r->stable,
	    .confidence = r->confidence,
	    .start_ms = r->start_ms + base_ms,
	    .end_ms = r->end_ms + base_ms,
	    .speech_end_us = (int64_t)r->speech_end_us};
	size_t i;

	/* the alternatives and word confidences, bounded as the payload
	 * (a stable interim carries them too: the agent's reply prepared
	 * on it reads them as it would the final's) */
	if ((r->final || m.stable) && r->nalts > 0) {
		m.nbest = json_array();
		for (i = 0; i < r->nalts && i < FD_PL_NBEST_MAX; i++)
			json_array_append_new(m.nbest,
			    json_pack("{s:s, s:f}", "text", r->alts[i],
			        "confidence", conf01(r->alt_conf[i])));
	}
	if ((r->final || m.stable) && r->nwords > 0) {
		m.words = json_array();
		for (i = 0; i < r->nwords && i < FD_PL_WORDS_MAX; i++)
			json_array_append_new(m.words,
			    json_pack("{s:s, s:f}", "word", r->words[i],
			        "confidence", conf01(r->word_conf[i])));
	}

	if (r->final && r->speech_end_us && fd_mono_us() >= r->speech_end_us)
		fd_metrics_observe(
		    FD_H_STT, (fd_mono_us() - r->speech_end_us) / 1e6);
	if (m.stable)
		log_debug(c->id, "stable \"%s\" (%.2f) before the endpoint",
		    r->text, r->confidence);
	if (r->final)
		log_info(c->id,
		    "heard \"%s\" (%.2f, %u-%u ms, %.0f ms after "
		    "speech end)",
		    r->text, r->confidence, r->start_ms + base_ms,
		    r->end_ms + base_ms,
		    r->speech_end_us
		        ? (fd_mono_us() - r->speech_end_us) / 1000.0
		        : 0.0);
	publish_transcript(c, &m);
	json_decref(m.nbest);
	json_decref(m.words);
}
