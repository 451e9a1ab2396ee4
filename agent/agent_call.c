/*
 * agent_call.c - one call in the agent core, run by one worker at a time.
 *
 * In: CALL_START/CALL_END/DTMF/MARK from the gateway, SPEECH_STARTED/
 * SPEECH_STOPPED/TRANSCRIPT from stt-worker, AUDIO_MARK/TTS_ERROR from
 * tts-worker, and timer ticks.  Out: SAY and SAY_CANCEL to tts-worker,
 * STT_HINT to stt-worker, CLEAR, HANGUP and TRANSFER to the gateway, and
 * tool calls to crm-tools (call_begin, lookup_customer, log_turn,
 * log_call_outcome, call_end, and the brain's own).
 *
 * Speech: every say() is one utterance with a new id.  tts-worker tells
 * us each segment's name and text (AUDIO_MARK u<utt>s<seg>); the gateway
 * echoes each mark when Twilio has played it (MARK played) or dropped it
 * (played false).  So we know what the caller actually heard, which is
 * what the transcript records, when the agent has finished speaking
 * (idle timer, hang-up after the goodbye), and whether the caller is
 * talking over the agent (barge-in).
 *
 * Silence is not the caller's while stt-worker is down or just restarted:
 * the idle timer does not count it (no "are you there?", no hang-up), and
 * if the wait spanned a restart and still nothing was heard (the
 * gateway's replay could not bring it), the caller is asked to say it
 * again.
 *
 * Speculation (agent.speculative, agent_spec.h): a stable hypothesis
 * from stt-worker while the turn's endpoint is pending runs the brain on
 * a copy of the call, its first utterance held at tts-worker; the final
 * with the same words commits it (SAY_RELEASE), anything else drops it
 * (SAY_CANCEL) before the final is answered as usual.
 *
 * Sessions: after every turn the call's state is saved to Redis
 * (agent_session.h); a frame for a call this agent does not know (it was
 * restarted mid-call) loads it back and the call goes on where it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_call.h"
#include "agent_spec.h"
#include "cluster.h"
#include "intent.h"
#include "log.h"
#include "agent_session.h"
#include "rt_call.h"

#define MS 1000ull
/* marks lost or never sent: an utterance counts as finished this long
 * after its estimated playing time */
#define UTT_SLACK_US (4000 * MS)
#define END_GRACE_US (30000 * MS)
/* speech shorter than this over the agent may be a backchannel ("yes",
 * "please", "uh-huh"): its words decide, when the transcript comes */
#define BACKCHANNEL_MAX_MS 700
/* stt-worker not heard this long (its heartbeat is every 200 ms) is down */
#define STT_SILENT_US (1000 * MS)
#define SAY_AGAIN "Sorry, I missed that. Could you say that again?"

static void finish(struct call *c, const char *reason);
static int save_session(struct call *c);
static void idle_arm(struct call *c);
static void core_say(void *arg, const char *text, int close);
static void on_assign(struct call *c, const struct fd_pl_call_assign *a);
static void resay_unfinished(struct call *c);
static void say_as(
    struct call *c, uint32_t id, const char *text, int close, int release);
static void spec_end(struct call *c, const char *why);

static const char *
id_of(const struct call *c)
{
	return c->bc.st.call_id;
}

/* Publish the typed payload pl of `type` (proto/payload.h); a type
 * without a payload (PAUSE, RESUME, CLEAR, SAY_CANCEL: the ref says it
 * all) goes as an empty object. */
static void
publish(struct call *c, int type, uint32_t ref, const void *pl)
{
	int rv;

	if (pl != NULL)
		rv = fd_bus_publish_pl(c->ctx->bus, type, id_of(c), ref, pl);
	else
		rv = fd_bus_publish(c->ctx->bus, type, id_of(c), ref, "{}", 2);
	if (rv != 0)
		log_warnx(id_of(c), "publish %s: %s", fd_msg_name(type),
		    nng_strerror(rv));
}

static void
now_str(const struct call *c, char *buf, size_t len)
{
	fd_time_fmt(fd_callclock_now(&c->clock), buf, len);
}

/* A tool answer this late is logged: the caller waited for it. */
#define SLOW_TOOL_US (500 * 1000)

/* A tool on the call's clock; NULL if crm-tools did not answer. */
static json_t *
tool(struct call *c, const char *name, json_t *args)
{
	char now[32];
	json_t *rep;
	uint64_t t0 = fd_mono_us();
	int rv;

	now_str(c, now, sizeof(now));
	rv = fd_rpc_tool(c->ctx->rpc, id_of(c), name, args, now, &rep,
	    agent_cfg.tool_timeout_ms);
	if (rv != 0) {
		log_warnx(id_of(c), "tool %s: %s", name, nng_strerror(rv));
		return NULL;
	}
	if (!json_is_true(json_object_get(rep, "ok")))
		log_info(id_of(c), "tool %s: %s (%s) in %llu ms", name,
		    json_string_value(json_object_get(rep, "code"))
		        ? json_string_value(json_object_get(rep, "code"))
		        : "failed",
		    json_string_value(json_object_get(rep, "error"))
		        ? json_string_value(json_object_get(rep, "error"))
		        : "",
		    (unsigned long long)((fd_mono_us() - t0) / 1000));
	else if (fd_mono_us() - t0 >= SLOW_TOOL_US)
		log_warnx(id_of(c), "tool %s ok but slow: %llu ms", name,
		    (unsigned long long)((fd_mono_us() - t0) / 1000));
	else
		log_debug(id_of(c), "tool %s ok in %llu ms", name,
		    (unsigned long long)((fd_mono_us() - t0) / 1000));
	return rep;
}

/* Fire and forget: logging tools whose reply only matters if it failed. */
static void
tool_log(struct call *c, const char *name, json_t *args)
{
	json_decref(tool(c, name, args));
}

/* ms since the call started, on the agent's clock */
static int64_t
call_ms(const struct call *c)
{
	uint64_t now = fd_mono_us();

	return now > c->created_us ? (int64_t)((now - c->created_us) / 1000)
	                           : 0;
}

static void
log_caller_turn(struct call *c)
{
	json_t *args;

	if (c->caller_turn == NULL)
		return;
	args = json_pack("{s:s, s:s, s:I, s:I}", "role", "caller", "text",
	    c->caller_turn, "start_ms", (json_int_t)c->ct.start_ms, "end_ms",
	    (json_int_t)c->ct.end_ms);
	if (args && c->ct.confidence >= 0)
		json_object_set_new(
		    args, "confidence", json_real(c->ct.confidence));
	tool_log(c, "log_turn", args);
	free(c->caller_turn);
	c->caller_turn = NULL;
}

/* ---- utterances ---- */

static struct utt *
utt_find(struct call *c, uint32_t id)
{
	struct utt *u = &c->utts[id % UTT_RING];

	return (id != 0 && u->id == id) ? u : NULL;
}

static void
utt_clear(struct utt *u)
{
	int i;

	free(u->text);
	for (i = 0; i < UTT_MAX_SEG; i++)
		free(u->segtext[i]);
	memset(u, 0, sizeof(*u));
}

/* The utterance being played: the newest one not finished. */
static struct utt *
speaking(struct call *c)
{
	struct utt *best = NULL;
	int i;

	for (i = 0; i < UTT_RING; i++)
		if (c->utts[i].id && !c->utts[i].done &&
		    (best == NULL || c->utts[i].id > best->id))
			best = &c->utts[i];
	return best;
}

/* What the caller heard of u: the played segments in order. */
static char *
heard_text(const struct utt *u, int *all)
{
	size_t len = 1, o = 0;
	char *s;
	int i, known = 0, missed = 0;

	for (i = 0; i < UTT_MAX_SEG; i++)
		if (u->segtext[i]) {
			known = 1;
			if (u->heard[i] == 1)
				len += strlen(u->segtext[i]) + 1;
			else
				missed = 1;
		}
	/* no segment news at all: a finished utterance was heard whole */
	if (!known) {
		*all = !u->interrupted;
		return strdup(u->interrupted ? "" : u->text);
	}
	*all = !missed && !u->interrupted;
	if ((s = malloc(len)) == NULL)
		return NULL;
	for (i = 0; i < UTT_MAX_SEG; i++)
		if (u->segtext[i] && u->heard[i] == 1)
			o += (size_t)snprintf(s + o, len - o, "%s%s",
			    o ? " " : "", u->segtext[i]);
	s[o] = '\0';
	return s;
}

static void
utt_log(struct call *c, struct utt *u)
{
	char *text;
	int all;

	if (u->logged)
		return;
	u->logged = 1;
	if ((text = heard_text(u, &all)) == NULL)
		return;
	/* text: what the agent said; heard_text: what the caller heard of
	 * it before the end or a barge-in.  From when it was sent (speech
	 * starts within a synthesis step) to now: its last mark's echo, or
	 * the cut */
	if (text[0])
		tool_log(c, "log_turn",
		    json_pack("{s:s, s:s, s:b, s:I, s:I, "
		              "s:b, s:s}",
		        "role", "agent", "text", u->text ? u->text : text,
		        "heard", all, "start_ms",
		        (json_int_t)(u->sent_us > c->created_us
		                ? (u->sent_us - c->created_us) / 1000
		                : 0),
		        "end_ms", (json_int_t)call_ms(c), "barged_in",
		        u->interrupted || !all, "heard_text", text));
	log_info(id_of(c), "agent utt %u %s: \"%s\"", u->id,
	    u->interrupted ? "cut"
	        : all      ? "heard"
	                   : "partly heard",
	    text);
	free(text);
}

/* What the staff member hears before taking a transfer: who calls (as
 * far as the call has established it) and, in their words, why. */
static void
transfer_summary(const struct call *c, char *buf, size_t len)
{
	const struct call_state *st = &c->bc.st;
	const char *num = call_party(st);
	int n;

	if (st->first_name[0] &&
	    (st->identity_confirmed || st->verified || st->identified ||
	        !st->customer_known))
		n = snprintf(buf, len, "Call from %s%s%s%s", st->first_name,
		    st->last_name[0] ? " " : "", st->last_name,
		    st->customer_known ? ", a customer" : "");
	else
		n = snprintf(buf, len,
		    "Call from a caller who did not give a "
		    "name");
	if (n > 0 && (size_t)n < len && !st->caller_blocked && num[0])
		n += snprintf(buf + n, len - (size_t)n, ", number %s", num);
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ". %s%s%s",
		    c->heard_last[0] ? "They said: "
		                     : "They asked for a person.",
		    c->heard_last, c->heard_last[0] ? "." : "");
}

static void
do_end(struct call *c)
{
	if (c->ended_us)
		return;
	c->ended_us = fd_mono_us();
	c->end_due_us = 0;
	if (c->end == END_TRANSFER) {
		struct fd_pl_transfer m = {
		    .to = c->end_to, .reason = c->end_reason};
		char summary[400];

		transfer_summary(c, summary, sizeof(summary));
		m.summary = summary;
		publish(c, FD_MSG_TRANSFER, 0, &m);
		log_info(
		    id_of(c), "transfer to %s (%s)", c->end_to, c->end_reason);
	} else {
		struct fd_pl_hangup m = {.reason = c->end_reason};

		publish(c, FD_MSG_HANGUP, 0, &m);
		log_info(id_of(c), "hangup (%s)", c->end_reason);
	}
}

/* The stt-worker instance this agent hears now, 0 if it is down (not
 * connected, or silent past STT_SILENT_US). */
static uint64_t
stt_instance(const struct call *c)
{
	struct fd_bus_peer p;
	const char *addr = fd_pub_addr(FD_D_STT);
	char owner[FD_CLUSTER_NAME_LEN], pub[256];
	uint64_t now = fd_mono_us();
	int i;

	/* in a cluster: the call's own stt-worker */
	if (fd_cluster_on()) {
		fd_cluster_owner(id_of(c), FD_D_STT, owner, sizeof(owner));
		fd_cluster_pub_of(FD_D_STT, owner, pub, sizeof(pub));
		addr = pub;
	}
	for (i = 0; fd_bus_peer_get(c->ctx->bus, i, &p) == 0; i++)
		if (strcmp(p.addr, addr) == 0)
			return p.pipe && p.heard_us + STT_SILENT_US > now
			    ? p.instance
			    : 0;
	return 0;
}

/* Start waiting for the caller once nobody is talking. */
static void
idle_arm(struct call *c)
{
	if (speaking(c) == NULL && !c->caller_speaking && c->end == END_NONE) {
		c->idle_due_us = fd_mono_us() +
		    (uint64_t)(c->idle_count >= 2 ? agent_cfg.idle_hangup_ms
		                                  : agent_cfg.idle_prompt_ms) *
		        MS;
		c->idle_stt = stt_instance(c);
	}
}

/* The idle timer ran out: 1 if the silence was stt-worker's, not the
 * caller's (it was handled here), 0 if the caller is silent. */
static int
idle_stt_outage(struct call *c)
{
	uint64_t inst = stt_instance(c);

	if (inst == 0) {
		/* nobody can hear the caller: wait for stt-worker */
		log_info(id_of(c),
		    "silence while stt-worker is down: not the "
		    "caller's, waiting");
		c->idle_due_us =
		    fd_mono_us() + (uint64_t)agent_cfg.idle_prompt_ms * MS;
		c->idle_stt = 0;
		return 1;
	}
	if (c->idle_stt == inst)
		return 0;
	/* stt-worker restarted while the caller had the turn and nothing
	 * came of it, not even from the gateway's replay: what the caller
	 * said may be lost, so ask again (the brain still waits for it) */
	log_warnx(id_of(c),
	    "stt-worker restarted while the caller had the "
	    "turn and nothing was heard: asking to repeat");
	c->idle_stt = inst;
	core_say(c, SAY_AGAIN, 0);
	return 1;
}

static void
utt_done(struct call *c, struct utt *u)
{
	if (u->done)
		return;
	u->done = 1;
	utt_log(c, u);
	if (c->end != END_NONE && u->id >= c->end_utt) {
		do_end(c);
		return;
	}
	idle_arm(c);
}

/* The caller started talking over u: stop the audio now (the gateway
 * keeps what was not heard), decide later whether it was meant. */
static void
pause_for(struct call *c, struct utt *u)
{
	if (!agent_cfg.bargein_pause || c->paused_utt || u->close)
		return;
	c->paused_utt = u->id;
	c->paused_us = fd_mono_us();
	publish(c, FD_MSG_PAUSE, u->id, NULL);
	log_debug(id_of(c), "caller talks over utt %u: paused", u->id);
}

/* Has the caller heard a yes/no question of u, or is one playing now?  A
 * "yes" then answers it (people answer "shall I book it?" while the agent adds
 * "if it's for the other car, say so", or as the last word fades), it is
 * not a backchannel to talk over.  Segments are known from AUDIO_MARK; the
 * first one not yet played back is the one playing. */
static int
question_reached(const struct utt *u)
{
	int i;

	for (i = 0; i < UTT_MAX_SEG && u->segtext[i]; i++) {
		if (intent_yes_no_question(u->segtext[i]))
			return 1;
		if (u->heard[i] == 0)
			break;
	}
	return 0;
}

/* It was a noise or a backchannel: play on from where the caller stopped
 * hearing, and push every unfinished utterance's deadline by the pause. */
static void
resume_play(struct call *c, const char *why)
{
	uint64_t d;
	int i;

	if (c->paused_utt == 0)
		return;
	d = fd_mono_us() - c->paused_us;
	for (i = 0; i < UTT_RING; i++)
		if (c->utts[i].id && !c->utts[i].done)
			c->utts[i].est_end_us += d;
	publish(c, FD_MSG_RESUME, c->paused_utt, NULL);
	log_info(id_of(c),
	    "false interruption (%s): utt %u resumed after "
	    "%llu ms",
	    why, c->paused_utt, (unsigned long long)(d / MS));
	c->paused_utt = 0;
}

static void
barge_in(struct call *c, const char *why)
{
	struct utt *u = speaking(c);
	int i;

	c->barge_due_us = 0;
	c->paused_utt = 0;
	if (u == NULL)
		return;
	publish(c, FD_MSG_CLEAR, u->id, NULL);
	publish(c, FD_MSG_SAY_CANCEL, u->id, NULL);
	log_info(id_of(c), "barge-in (%s): utt %u cut", why, u->id);
	for (i = 0; i < UTT_RING; i++)
		if (c->utts[i].id && !c->utts[i].done &&
		    c->utts[i].id <= u->id) {
			c->utts[i].interrupted = 1;
			utt_done(c, &c->utts[i]);
		}
}

/* ---- what the brain can do (struct core_ops) ---- */

static void
core_say(void *arg, const char *text, int close)
{
	struct call *c = arg;
	uint32_t id;

	if (c->ended_us) {
		log_warnx(
		    id_of(c), "say after the call was ended: \"%s\"", text);
		return;
	}
	/* recording disclosed before anything else is said on the call
	 * (both brains' greetings come through here; a call a restarted
	 * agent resumed has said things already) */
	if (!c->disclosed && c->next_utt == 0 && agent_cfg.recording &&
	    agent_cfg.disclosure[0]) {
		char *both;

		c->disclosed = 1;
		if (asprintf(&both, "%s %s", agent_cfg.disclosure, text) > 0) {
			core_say(arg, both, close);
			free(both);
			return;
		}
	}
	c->disclosed = 1;
	/* a reply prepared on a hypothesis is not what is said now */
	spec_end(c, "the agent spoke");
	c->tts_chars += (long long)strlen(text);
	id = ++c->next_utt;
	say_as(c, id, text, close, 0);
}

/* Utterance id begins: SAY (release 0), or SAY_RELEASE of the held
 * utterance id whose text tts-worker has (release 1). */
static void
say_as(struct call *c, uint32_t id, const char *text, int close, int release)
{
	struct fd_pl_say m = {.text = text, .last = 1};
	struct utt *u;

	u = &c->utts[id % UTT_RING];
	if (u->id && !u->logged)
		utt_log(c, u);
	utt_clear(u);
	u->id = id;
	u->text = strdup(text);
	u->close = close;
	u->last_seg = -1;
	u->sent_us = fd_mono_us();
	/* ~14 characters a second, then slack for lost marks */
	u->est_end_us =
	    u->sent_us + (uint64_t)strlen(text) * 70 * MS + UTT_SLACK_US;
	if (release)
		publish(c, FD_MSG_SAY_RELEASE, id, NULL);
	else
		publish(c, FD_MSG_SAY, id, &m);
	if (id == 1 && c->created_us && u->sent_us >= c->created_us)
		c->first_word_ms = (int)((u->sent_us - c->created_us) / 1000);
	if (c->latency_from_us) {
		log_info(id_of(c), "turn latency %.1f ms (speech end to say)",
		    (double)(int64_t)(u->sent_us - c->latency_from_us) /
		        1000.0);
		if (c->nv2v < CALL_V2V_MAX && u->sent_us >= c->latency_from_us)
			c->v2v_ms[c->nv2v++] =
			    (int)((u->sent_us - c->latency_from_us) / 1000);
		c->latency_from_us = 0;
	}
	/* one "say utt N" line per utterance sent, a held one at its release */
	log_info(id_of(c), "say utt %u%s%s: \"%s\"", id,
	    release ? " (held, released)" : "", close ? " (last)" : "", text);
	c->idle_due_us = 0;
	if (close) {
		c->end = END_HANGUP;
		c->end_utt = id;
		snprintf(c->end_reason, sizeof(c->end_reason), "completed");
		c->end_due_us = u->est_end_us +
		    (uint64_t)agent_cfg.hangup_safety_ms * MS - UTT_SLACK_US;
	}
	log_caller_turn(c);
}

static json_t *
core_tool(void *arg, const char *name, json_t *args)
{
	struct call *c = arg;

	log_caller_turn(c);
	return tool(c, name, args);
}

static void
core_hint(void *arg, const char *expect, const char *const *words, size_t n)
{
	struct call *c = arg;
	struct fd_pl_stt_hint m = {.expect = expect, .words = json_array()};
	size_t i;

	for (i = 0; words && i < n; i++)
		json_array_append_new(m.words, json_string(words[i]));
	publish(c, FD_MSG_STT_HINT, 0, &m);
	json_decref(m.words);
}

static void
end_after(struct call *c, enum end_action a, const char *to, const char *reason)
{
	struct utt *u = speaking(c);

	c->end = a;
	snprintf(c->end_to, sizeof(c->end_to), "%s", to ? to : "");
	snprintf(c->end_reason, sizeof(c->end_reason), "%s", reason);
	if (u == NULL) {
		do_end(c);
		return;
	}
	c->end_utt = u->id;
	c->end_due_us = u->est_end_us +
	    (uint64_t)agent_cfg.hangup_safety_ms * MS - UTT_SLACK_US;
}

static void
core_hangup_after(void *arg, const char *reason)
{
	end_after(arg, END_HANGUP, NULL, reason);
}

static void
core_transfer(void *arg, const char *to, const char *reason)
{
	end_after(arg, END_TRANSFER, to, reason);
}

static void
core_set_outcome(void *arg, const char *outcome, const char *notes)
{
	struct call *c = arg;

	log_info(id_of(c), "outcome %s: %s", outcome, notes ? notes : "");
}

static time_t
core_now(void *arg)
{
	return fd_callclock_now(&((struct call *)arg)->clock);
}

static const struct core_ops core = {
    core_say,
    core_tool,
    core_hint,
    core_hangup_after,
    core_transfer,
    core_set_outcome,
    core_now,
};

/* ---- a reply prepared on a hypothesis (agent_spec.h) ---- */

static uint32_t
spec_hold(void *arg, const char *text, int close)
{
	struct call *c = arg;
	struct fd_pl_say m = {.text = text, .last = 1, .hold = 1};
	uint32_t id;

	(void)close;
	if (c->ended_us)
		return 0;
	id = ++c->next_utt;
	c->tts_chars += (long long)strlen(text);
	publish(c, FD_MSG_SAY, id, &m);
	log_debug(id_of(c), "utt %u held: \"%s\"", id, text);
	return id;
}

static void
spec_cancel(void *arg, uint32_t utt)
{
	publish(arg, FD_MSG_SAY_CANCEL, utt, NULL);
}

static void
spec_release(void *arg, uint32_t utt, const char *text, int close)
{
	struct call *c = arg;

	if (c->ended_us) {
		log_warnx(
		    id_of(c), "say after the call was ended: \"%s\"", text);
		publish(c, FD_MSG_SAY_CANCEL, utt, NULL);
		return;
	}
	say_as(c, utt, text, close, 1);
}

static json_t *
spec_tool(void *arg, const char *name, json_t *args)
{
	return tool(arg, name, args);
}

static const struct spec_io spec_io = {
    spec_hold,
    spec_cancel,
    spec_release,
    spec_tool,
};

/* Drop the call's speculation, if any. */
static void
spec_end(struct call *c, const char *why)
{
	struct spec *s = c->spec;

	if (s == NULL)
		return;
	c->spec = NULL;
	spec_drop(s, why);
}

/* A stable hypothesis m (the endpoint pending): prepare the reply when
 * nothing else is going on (the agent silent, no close under way, the
 * caller's turn not a courtesy tail). */
static int trailing_courtesy(
    const struct call *c, const struct fd_pl_transcript *m);

static void
speculate(struct call *c, const struct fd_pl_transcript *m)
{
	spec_end(c, "a newer hypothesis");
	if (!agent_cfg.speculative || !c->ctx->brain->speculative ||
	    c->end != END_NONE || c->ended_us || c->next_utt == 0 ||
	    speaking(c) != NULL || intent_words(m->text) == 0 ||
	    trailing_courtesy(c, m) ||
	    (fd_cluster_on() && m->start_ms < c->heard_end_ms))
		return;
	c->nspec++;
	c->spec = spec_run(c->ctx->brain, &c->bc, &spec_io, c, m->text,
	    m->confidence, m->start_ms, m->nbest, m->words);
}

/* The final m: 1 if the speculation on it was committed (the brain's
 * reply to it is out), 0 if the brain must answer it. */
static int
spec_final(struct call *c, const struct fd_pl_transcript *m)
{
	struct spec *s = c->spec;

	if (s == NULL)
		return 0;
	c->spec = NULL;
	if (!spec_matches(s, m->text, m->confidence, m->start_ms)) {
		spec_drop(s,
		    spec_stopped(s)[0] ? spec_stopped(s) : "the final differs");
		return 0;
	}
	log_info(id_of(c), "speculation on \"%s\" committed", m->text);
	c->nspec_used++;
	spec_commit(s, &c->bc);
	return 1;
}

/* ---- what an engine that speaks itself uses (rt_call.c) ---- */

json_t *
call_rpc_tool(struct call *c, const char *name, json_t *args)
{
	return tool(c, name, args);
}

void
call_rpc_log(struct call *c, const char *name, json_t *args)
{
	tool_log(c, name, args);
}

void
call_publish(struct call *c, int type, uint32_t ref, const void *pl)
{
	publish(c, type, ref, pl);
}

void
call_save(struct call *c)
{
	save_session(c);
}

void
call_end_now(
    struct call *c, enum end_action a, const char *to, const char *reason)
{
	c->end = a;
	snprintf(c->end_to, sizeof(c->end_to), "%s", to ? to : "");
	snprintf(c->end_reason, sizeof(c->end_reason), "%s", reason);
	do_end(c);
}

/* ---- events ---- */

/* The typed payload of each frame the agent handles; the member for a
 * frame's type is filled by fd_bus_read_pl. */
union frame_pl {
	struct fd_pl_call_start call_start;
	struct fd_pl_call_end call_end;
	struct fd_pl_dtmf dtmf;
	struct fd_pl_mark mark;
	struct fd_pl_speech_started speech_started;
	struct fd_pl_speech_stopped speech_stopped;
	struct fd_pl_transcript transcript;
	struct fd_pl_audio_mark audio_mark;
	struct fd_pl_tts_error tts_error;
	struct fd_pl_call_assign call_assign;
};

static void
read_customer(struct call *c, json_t *rep)
{
	struct call_state *st = &c->bc.st;

	if (!call_read_customer(st, rep))
		return;
	st->customer_known = 1;
	log_info(id_of(c), "caller is customer %s (%s), %d vehicle(s)",
	    st->customer_id, st->first_name, st->nvehicles);
}

/* "anonymous", "restricted", "", a short code or a carrier's placeholder
 * for a withheld number: no number to use (crm-tools: no caller ID) */
static int
blocked_number(const char *from)
{
	static const char *const withheld[] = {
	    "+266696687", "+7378742833", "+86282452253", NULL};
	int i, digits = 0;

	for (i = 0; withheld[i]; i++)
		if (strcmp(from, withheld[i]) == 0)
			return 1;
	for (; *from; from++) {
		if (*from >= '0' && *from <= '9')
			digits++;
		else if (*from != '+' && *from != ' ' && *from != '-')
			return 1;
	}
	return digits < 7;
}

/* Save the session (who, task, plan, state) for a restarted agent;
 * 0 if stored. */
static int
save_session(struct call *c)
{
	struct session_core sc;
	json_t *brain;
	char *text;
	int rv;

	if (!c->started || c->finished)
		return -1;
	sc.next_utt = c->next_utt;
	sc.clock_offset_us = c->clock.offset_us;
	sc.idle_count = c->idle_count;
	sc.heard_end_ms = c->heard_end_ms;
	brain = c->ctx->brain->save ? c->ctx->brain->save(&c->bc) : NULL;
	text = session_encode(&c->bc.st, &sc, brain);
	json_decref(brain);
	if (text == NULL)
		return -1;
	rv = session_store_save(id_of(c), text);
	free(text);
	return rv;
}

static void
bind_core(struct call *c)
{
	c->bc.core = &core;
	c->bc.core_arg = c;
	c->bc.biz = c->ctx->biz;
}

/* A call this agent does not know: load its session; 0 if resumed. */
static int
resume(struct call *c)
{
	struct session_core sc;
	json_t *brain = NULL;
	char *text, err[128], id[FD_CALL_ID_LEN];

	snprintf(id, sizeof(id), "%s", id_of(c));
	if ((text = session_store_load(id)) == NULL)
		return -1;
	if (session_decode(text, c->ctx->biz, &c->bc.st, &sc, &brain, err,
	        sizeof(err)) != 0) {
		log_warnx(id, "session: %s", err);
		free(text);
		return -1;
	}
	free(text);
	snprintf(c->bc.st.call_id, sizeof(c->bc.st.call_id), "%s", id);
	if (fd_cluster_on())
		fd_cluster_owner(id, FD_D_TTS, c->tts, sizeof(c->tts));
	bind_core(c);
	c->clock.offset_us = sc.clock_offset_us;
	c->next_utt = sc.next_utt;
	c->idle_count = sc.idle_count;
	c->heard_end_ms = sc.heard_end_ms;
	c->started = 1;
	/* the brain's own per-call data (an LLM's conversation) */
	if (c->ctx->brain->on_resume)
		c->ctx->brain->on_resume(&c->bc, brain);
	json_decref(brain);
	log_info(id, "resumed from the session store: task %d, asked %d",
	    c->bc.st.task, c->bc.st.asked);
	return 0;
}

/* The call's tts-worker died: what it had not finished is said again by
 * the new one, as new utterances (the gateway drops what it had queued
 * of the old ones, so the caller hears each sentence from its start). */
static void
resay_unfinished(struct call *c)
{
	struct {
		char *text;
		int close;
	} todo[UTT_RING];
	uint32_t id, top = c->next_utt;
	struct utt *u;
	int i, n = 0;

	for (id = top >= UTT_RING ? top - UTT_RING + 1 : 1; id <= top; id++) {
		u = &c->utts[id % UTT_RING];
		if (u->id != id || u->done || u->text == NULL)
			continue;
		todo[n].text = strdup(u->text);
		todo[n].close = u->close;
		if (todo[n].text)
			n++;
		/* the new utterance is the turn that gets logged */
		u->done = u->logged = 1;
	}
	if (n == 0)
		return;
	c->paused_utt = 0;
	publish(c, FD_MSG_CLEAR, top, NULL);
	log_info(
	    id_of(c), "tts-worker replaced: %d utterance(s) said again", n);
	for (i = 0; i < n; i++) {
		core_say(c, todo[i].text, todo[i].close);
		free(todo[i].text);
	}
}

/* A call resumed here from the session a dead agent left: the caller is
 * asked to say again what no agent answered. */
static void
moved_in(struct call *c)
{
	log_info(id_of(c), "call moved here from a dead agent");
	if (speaking(c) == NULL)
		core_say(c, SAY_AGAIN, 0);
	idle_arm(c);
	save_session(c);
}

/*
 * Cluster mode: the gateway moved the call.  Here from a dead agent: the
 * session in Redis has every turn it finished; the caller is asked to say
 * again what no agent answered.  Away from here (this agent was thought
 * dead): let the call go without closing its record, the new agent has
 * it.  Another stt-worker or tts-worker: nothing to do here (the gateway
 * replays the caller's audio to the new stt-worker).
 */
static void
on_assign(struct call *c, const struct fd_pl_call_assign *a)
{
	if (strcmp(a->agent, fd_cluster_self()) != 0) {
		if (c->started) {
			save_session(c);
			log_warnx(id_of(c), "call moved to agent %s", a->agent);
		}
		calls_unlink(c);
		return;
	}
	if (!a->moved)
		return;
	if (c->started) {
		log_info(id_of(c), "stt-worker %s, tts-worker %s now", a->stt,
		    a->tts);
		if (c->tts[0] && strcmp(c->tts, a->tts) != 0)
			resay_unfinished(c);
		snprintf(c->tts, sizeof(c->tts), "%s", a->tts);
		return;
	}
	snprintf(c->tts, sizeof(c->tts), "%s", a->tts);
	c->resuming = 0;
	if (resume(c) != 0) {
		/* the gateway sends the call's CALL_START again after this
		 * (it may be queued behind this frame already): the call
		 * starts here afresh (on_call_start); without one it is
		 * dropped after 10 s (call_handle_tick) */
		log_warnx(id_of(c),
		    "call moved here without a session: waiting for "
		    "its call_start");
		return;
	}
	moved_in(c);
}

/* A new stream of a call that went to a transfer nobody took: resume it
 * from its session, open its record again, and let the brain offer a
 * message.  0 if resumed, -1 (no session) to start it afresh. */
static int
transfer_back(
    struct call *c, const struct fd_pl_call_start *m, const char *result)
{
	struct call_state *st = &c->bc.st;

	if (resume(c) != 0) {
		log_warnx(id_of(c),
		    "back from a transfer (%s) without a "
		    "session: starting afresh",
		    result);
		return -1;
	}
	log_info(id_of(c), "back from the transfer (%s): offering a message",
	    result);
	c->end = END_NONE;
	c->ended_us = 0;
	c->end_due_us = 0;
	tool_log(c, "call_begin",
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, "
	              "s:b}",
	        "from", st->caller_blocked ? "" : st->from, "to", st->to,
	        "direction", st->direction, "stream_sid", m->stream_sid,
	        "gateway", m->gateway, "gateway_boot", m->gateway_boot,
	        "reopen", 1));
	if (c->ctx->brain->on_transfer_back)
		c->ctx->brain->on_transfer_back(&c->bc, result);
	idle_arm(c);
	return 0;
}

/* The caller of a call that moved here without a session heard the old
 * agent stop mid-call: said before the greeting starts the call again. */
#define SAY_LINE_DROPPED "Sorry, I lost our conversation for a moment."

static void
on_call_start(struct call *c, const struct fd_pl_call_start *m, int sent_again)
{
	struct call_state *st = &c->bc.st;
	const char *now = m->now, *xfer;
	json_t *rep;

	if (c->started) {
		/* the gateway's copy for an agent the call moved to: this
		 * one resumed it from the session */
		if (!sent_again)
			log_warnx(id_of(c), "duplicate call_start ignored");
		return;
	}
	if (sent_again) {
		c->resuming = 0;
		if (resume(c) == 0) {
			moved_in(c);
			return;
		}
		log_warnx(id_of(c),
		    "call moved here without a session: starting it again");
	}
	if (fd_cluster_on())
		fd_cluster_owner(m->call_id, FD_D_TTS, c->tts, sizeof(c->tts));
	xfer = json_string_value(json_object_get(m->params, "transfer_result"));
	if (xfer && xfer[0] && transfer_back(c, m, xfer) == 0)
		return;
	c->started = 1;
	bind_core(c);
	st->max_misunderstandings = agent_cfg.max_misunderstandings;
	snprintf(st->from, sizeof(st->from), "%s", m->from);
	snprintf(st->to, sizeof(st->to), "%s", m->to);
	snprintf(st->direction, sizeof(st->direction), "%s",
	    *m->direction ? m->direction : "inbound");
	/* an outbound call rang the customer: `to` is their number */
	st->caller_blocked = blocked_number(call_party(st));
	if (m->job_id > 0) {
		snprintf(st->job_id, sizeof(st->job_id), "%lld",
		    (long long)m->job_id);
		st->job_attempt = (int)m->attempt;
		snprintf(st->job_kind, sizeof(st->job_kind), "%s", m->kind);
		snprintf(st->answered_by, sizeof(st->answered_by), "%s",
		    m->answered_by);
	}
	if (fd_callclock_init(&c->clock, now) != 0) {
		log_warnx(
		    id_of(c), "call_start now '%s' unparsable: real time", now);
		fd_callclock_init(&c->clock, NULL);
	}
	log_info(id_of(c), "call from %s to %s (%s)%s%s", st->from, st->to,
	    st->direction, *now ? ", clock pinned to " : "", now);
	/* a blocked number is no caller id at all (crm-tools would take
	 * "anonymous" for a phone) */
	tool_log(c, "call_begin",
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "from",
	        st->caller_blocked && !call_outbound(st) ? "" : st->from, "to",
	        st->to, "direction", st->direction, "stream_sid", m->stream_sid,
	        "gateway", m->gateway, "gateway_boot", m->gateway_boot));
	if (!st->caller_blocked) {
		rep = tool(c, "lookup_customer",
		    json_pack("{s:s}", "phone", call_party(st)));
		if (rep)
			read_customer(c, rep);
		json_decref(rep);
	}
	if (call_outbound(st)) {
		rep = tool(c, "job_get",
		    json_pack("{s:I}", "job_id",
		        (json_int_t)strtoll(st->job_id, NULL, 10)));
		if (call_read_job(st, rep) != 0)
			log_warnx(id_of(c),
			    "job %s: job_get failed, calling "
			    "without its details",
			    st->job_id);
		else
			log_info(id_of(c),
			    "outbound %s job %s attempt %d, "
			    "answered by %s",
			    st->job_kind, st->job_id, st->job_attempt,
			    st->answered_by[0] ? st->answered_by : "?");
		json_decref(rep);
	}
	if (xfer && xfer[0] && c->ctx->brain->on_transfer_back) {
		/* no session to resume: still offer the message */
		c->ctx->brain->on_transfer_back(&c->bc, xfer);
		return;
	}
	/* agent.engine = "realtime": the model greets and runs the call */
	if (strcmp(agent_cfg.engine, "realtime") == 0 && rt_call_start(c) == 0)
		return;
	if (sent_again)
		core_say(c, SAY_LINE_DROPPED, 0);
	c->ctx->brain->on_start(&c->bc);
	/* a brain that waits for the other side first (an answering
	 * machine's greeting) hears of the silence */
	idle_arm(c);
	/* in a cluster another agent may have to take the call before its
	 * first turn: it resumes from here */
	if (fd_cluster_on())
		save_session(c);
}

/* How soon after the end of an answer a "please" or "thanks" still
 * belongs to it: the caller has not heard the reply to the answer yet. */
#define COURTESY_GAP_MS 1500

/* 1 if final m is only thanks or a please begun right after the caller's
 * last answer ended (the caller audio clock of both). */
static int
trailing_courtesy(const struct call *c, const struct fd_pl_transcript *m)
{
	return c->ct.end_ms > 0 && m->start_ms >= c->ct.end_ms &&
	    m->start_ms - c->ct.end_ms <= COURTESY_GAP_MS &&
	    intent_courtesy(m->text);
}

static void
on_transcript(struct call *c, const struct fd_pl_transcript *m)
{
	const char *text = m->text;
	struct utt *u = speaking(c);
	double conf = m->confidence;

	if (!m->final) {
		/* a partial after the stable hypothesis: the decoder heard
		 * more, the caller went on (stt_engine.h) */
		if (!m->stable && c->spec)
			spec_end(c, "the caller went on");
		/* two real words over the agent: the caller means it */
		if (c->barge_due_us && u && !u->close &&
		    intent_words(text) >= 2 && !intent_backchannel(text))
			barge_in(c, "interim words");
		else if (m->stable)
			speculate(c, m);
		return;
	}
	/* in a cluster, a call's audio replayed to a new stt-worker can come
	 * back transcribed by both the old and the new one: audio a final
	 * already covered is not the caller's new turn */
	if (m->end_ms > 0) {
		if (fd_cluster_on() && m->start_ms < c->heard_end_ms) {
			log_info(id_of(c),
			    "final for caller audio already heard "
			    "(%lld-%lld ms): dropped",
			    (long long)m->start_ms, (long long)m->end_ms);
			return;
		}
		if (m->end_ms > c->heard_end_ms)
			c->heard_end_ms = m->end_ms;
	}
	c->caller_speaking = 0;
	if (intent_words(text) == 0) {
		log_debug(id_of(c), "empty final transcript");
		idle_arm(c);
		return;
	}
	if (trailing_courtesy(c, m)) {
		/* "Yes, please": the pause at the comma ended the answer,
		 * and the "please" that follows is no answer to the reply
		 * the caller has not heard yet; kept in the transcript */
		log_info(id_of(c),
		    "caller: \"%s\" (%.2f), after the last answer: "
		    "part of it",
		    text, conf);
		c->caller_turn = strdup(text);
		c->ct.start_ms = m->start_ms;
		c->ct.end_ms = m->end_ms;
		c->ct.confidence = conf >= 0 && conf <= 1 ? conf : -1;
		log_caller_turn(c);
		if (u == NULL)
			idle_arm(c);
		return;
	}
	if (u && intent_backchannel(text) && question_reached(u)) {
		log_info(id_of(c), "\"%s\" over utt %u answers its question",
		    text, u->id);
	} else if (u && intent_backchannel(text)) {
		log_info(id_of(c), "backchannel \"%s\" while speaking: kept on",
		    text);
		c->barge_due_us = 0;
		resume_play(c, "backchannel");
		return;
	}
	if (u && !u->close)
		barge_in(c, "caller spoke");
	if (c->end != END_NONE) {
		log_info(id_of(c), "caller: \"%s\" (after the close)", text);
		return;
	}
	snprintf(c->heard_last, sizeof(c->heard_last), "%s", text);
	c->latency_from_us = (uint64_t)m->speech_end_us;
	if (c->latency_from_us == 0)
		c->latency_from_us = fd_mono_us();
	c->idle_count = 0;
	c->idle_due_us = 0;
	log_info(id_of(c), "caller: \"%s\" (%.2f)", text, conf);
	free(c->caller_turn);
	c->caller_turn = strdup(text);
	c->ct.start_ms = m->start_ms;
	c->ct.end_ms = m->end_ms;
	c->ct.confidence = conf >= 0 && conf <= 1 ? conf : -1;
	/* the reply prepared on these very words, or the brain now */
	if (!spec_final(c, m)) {
		c->bc.nbest = m->nbest;
		c->bc.words = m->words;
		c->ctx->brain->on_utterance(&c->bc, text, conf);
		c->bc.nbest = c->bc.words = NULL;
	}
	c->brain_ran = 1;
	log_caller_turn(c);
	if (c->latency_from_us) {
		log_info(id_of(c), "turn gave no reply");
		c->latency_from_us = 0;
		idle_arm(c); /* still waiting for the caller */
	}
}

void
call_fallback(struct call *c, const char *pending, int logged)
{
	struct fd_pl_transcript t;

	/* nothing was said yet (the model never answered): the brain
	 * opens the call as it would have */
	if (c->next_utt == 0 && pending == NULL) {
		c->ctx->brain->on_start(&c->bc);
		idle_arm(c);
		save_session(c);
		return;
	}
	/* the brain starts from the call state the engine kept, as after
	 * an agent restart */
	if (c->ctx->brain->on_resume)
		c->ctx->brain->on_resume(&c->bc, NULL);
	if (pending != NULL && logged && c->end == END_NONE) {
		log_info(id_of(c),
		    "caller: \"%s\" (heard by the model, "
		    "answered here)",
		    pending);
		c->ctx->brain->on_utterance(&c->bc, pending, 0.8);
		if (speaking(c) == NULL)
			idle_arm(c);
	} else if (pending != NULL && c->end == END_NONE) {
		memset(&t, 0, sizeof(t));
		t.text = pending;
		t.final = 1;
		t.confidence = 0.8;
		t.speech_end_us = (int64_t)fd_mono_us();
		on_transcript(c, &t);
	} else if (c->end == END_NONE) {
		core_say(c, SAY_AGAIN, 0);
	}
	save_session(c);
}

static void
on_mark(struct call *c, const struct fd_pl_mark *m)
{
	unsigned utt, seg;
	struct utt *u;
	int played = m->played;

	if (sscanf(m->name, "u%us%u", &utt, &seg) != 2) {
		log_warnx(id_of(c), "mark '%s' is not ours", m->name);
		return;
	}
	if ((u = utt_find(c, utt)) == NULL || seg >= UTT_MAX_SEG)
		return;
	if (u->heard[seg] == 0)
		u->heard[seg] = played ? 1 : 2;
	if ((int)seg == u->last_seg && !u->done)
		utt_done(c, u);
}

static void
on_audio_mark(struct call *c, uint32_t ref, const struct fd_pl_audio_mark *m)
{
	struct utt *u = utt_find(c, ref);
	int64_t seg = m->seg;

	if (u == NULL || seg < 0 || seg >= UTT_MAX_SEG)
		return;
	free(u->segtext[seg]);
	u->segtext[seg] = strdup(m->text);
	if (m->last) {
		u->last_seg = (int)seg;
		if (u->heard[seg] != 0 && !u->done) /* echo came first */
			utt_done(c, u);
	}
}

void
call_handle_frame(struct call *c, const struct fd_frame *f)
{
	union frame_pl pl;
	json_t *j;

	/* caller audio is the Realtime engine's, raw mu-law */
	if (f->type == FD_MSG_AUDIO_IN) {
		if (c->started)
			rt_call_audio(c, f);
		return;
	}
	/* a frame that does not decode is logged and dropped */
	if ((j = fd_bus_read_pl(f, &pl)) == NULL)
		return;
	if (f->type == FD_MSG_CALL_ASSIGN) {
		on_assign(c, &pl.call_assign);
		json_decref(j);
		return;
	}
	if (!c->started && c->resuming && f->type != FD_MSG_CALL_START) {
		c->resuming = 0;
		if (resume(c) != 0) {
			log_debug(id_of(c),
			    "%s for an unknown call, no session: "
			    "dropped",
			    fd_msg_name(f->type));
			calls_forget(c);
			json_decref(j);
			return;
		}
		idle_arm(c);
	}
	if (!c->started && f->type != FD_MSG_CALL_START &&
	    f->type != FD_MSG_CALL_END) {
		json_decref(j);
		return;
	}
	/* stt-worker sends its recent finals again when this agent starts:
	 * the ones handled before (the session's) are dropped */
	if (f->type == FD_MSG_TRANSCRIPT) {
		if ((f->flags & FD_F_REPLAY) &&
		    (!pl.transcript.final ||
		        pl.transcript.end_ms <= c->heard_end_ms)) {
			json_decref(j);
			return;
		}
		if (f->flags & FD_F_REPLAY)
			log_info(id_of(c),
			    "caller's turn sent again after a restart: "
			    "\"%.80s\"",
			    pl.transcript.text);
	}
	/* while the Realtime engine runs the call, the vendor's VAD and
	 * transcripts are the caller's turns; stt-worker's finals are kept
	 * for a fallback */
	if (rt_call_active(c)) {
		switch (f->type) {
		case FD_MSG_SPEECH_STARTED:
		case FD_MSG_SPEECH_STOPPED:
		case FD_MSG_AUDIO_MARK:
		case FD_MSG_TTS_ERROR:
			json_decref(j);
			return;
		case FD_MSG_TRANSCRIPT:
			if (pl.transcript.final)
				rt_call_stt_final(c, &pl.transcript);
			json_decref(j);
			return;
		case FD_MSG_DTMF:
			rt_call_dtmf(c, pl.dtmf.digit);
			json_decref(j);
			return;
		default:
			break;
		}
	}
	switch (f->type) {
	case FD_MSG_CALL_START:
		on_call_start(c, &pl.call_start, (f->flags & FD_F_REPLAY) != 0);
		break;
	case FD_MSG_CALL_END:
		finish(c, *pl.call_end.reason ? pl.call_end.reason : "stop");
		break;
	case FD_MSG_DTMF:
		spec_end(c, "a key was pressed");
		c->idle_count = 0;
		c->idle_due_us = 0;
		if (c->end == END_NONE) {
			char turn[32];

			snprintf(
			    turn, sizeof(turn), "[DTMF %.8s]", pl.dtmf.digit);
			free(c->caller_turn);
			c->caller_turn = strdup(turn);
			c->ct.start_ms = c->ct.end_ms = call_ms(c);
			c->ct.confidence = -1;
			c->latency_from_us = 0;
			c->ctx->brain->on_dtmf(&c->bc, pl.dtmf.digit);
			log_caller_turn(c);
		}
		break;
	case FD_MSG_MARK:
		if (!rt_call_mark(c, &pl.mark))
			on_mark(c, &pl.mark);
		break;
	case FD_MSG_SPEECH_STARTED:
		/* the caller goes on: the turn is not what was heard */
		spec_end(c, "the caller went on");
		c->caller_speaking = 1;
		c->idle_due_us = 0;
		if (speaking(c) && c->barge_due_us == 0) {
			c->barge_due_us = fd_mono_us() +
			    (uint64_t)(agent_cfg.bargein_min_speech_ms >
			                BACKCHANNEL_MAX_MS
			            ? agent_cfg.bargein_min_speech_ms
			            : BACKCHANNEL_MAX_MS) *
			        MS;
			pause_for(c, speaking(c));
		}
		break;
	case FD_MSG_SPEECH_STOPPED:
		c->caller_speaking = 0;
		if (c->barge_due_us) {
			int64_t dur = pl.speech_stopped.dur_ms;

			if (dur >= agent_cfg.bargein_min_speech_ms &&
			    dur >= BACKCHANNEL_MAX_MS && speaking(c) &&
			    !speaking(c)->close)
				barge_in(c, "long enough");
			else {
				log_debug(id_of(c),
				    "short noise (%lld ms), "
				    "agent keeps talking",
				    (long long)dur);
				resume_play(c, "short noise");
			}
			c->barge_due_us = 0;
		}
		idle_arm(c);
		break;
	case FD_MSG_TRANSCRIPT:
		on_transcript(c, &pl.transcript);
		/* a final answered otherwise (empty, a backchannel, after
		 * the close) ends what was prepared on it */
		if (pl.transcript.final)
			spec_end(c, "the final was not a turn to answer");
		break;
	case FD_MSG_AUDIO_MARK:
		on_audio_mark(c, f->ref, &pl.audio_mark);
		break;
	case FD_MSG_TTS_ERROR: {
		struct utt *u = utt_find(c, f->ref);

		log_warnx(id_of(c), "tts failed utt %u: %s", f->ref,
		    pl.tts_error.error);
		if (u) {
			u->interrupted = 1;
			utt_done(c, u);
		}
		break;
	}
	default:
		log_err(
		    id_of(c), "unexpected message %s", fd_msg_name(f->type));
		break;
	}
	json_decref(j);
	/* the brain may have moved on: keep the session current */
	if (f->type == FD_MSG_CALL_START || f->type == FD_MSG_DTMF ||
	    (f->type == FD_MSG_TRANSCRIPT && c->brain_ran))
		save_session(c);
	c->brain_ran = 0;
}

void
call_handle_tick(struct call *c)
{
	uint64_t now = fd_mono_us();
	struct utt *u;
	int i;

	if (!c->started) {
		if (now - c->created_us > 10000 * MS)
			finish(c, "no_start");
		return;
	}
	if (now - c->created_us >
	    (uint64_t)agent_cfg.session_ttl_s * 1000000u) {
		log_warnx(id_of(c), "session ttl reached without call_end");
		finish(c, "ttl");
		return;
	}
	if (c->ended_us && now - c->ended_us > END_GRACE_US) {
		log_warnx(id_of(c), "no call_end after hangup: closing");
		finish(c, "hangup");
		return;
	}
	for (i = 0; i < UTT_RING; i++) {
		u = &c->utts[i];
		if (u->id && !u->done && now >= u->est_end_us) {
			log_warnx(id_of(c),
			    "utt %u: no final mark, assumed "
			    "played",
			    u->id);
			utt_done(c, u);
		}
	}
	if (rt_call_active(c)) {
		rt_call_tick(c);
		if (c->end_due_us && now >= c->end_due_us)
			do_end(c);
		return;
	}
	if (c->barge_due_us && now >= c->barge_due_us) {
		c->barge_due_us = 0;
		u = speaking(c);
		if (c->caller_speaking && u && !u->close)
			barge_in(c, "still talking");
		else
			resume_play(c, "silence");
	}
	if (c->end_due_us && now >= c->end_due_us) {
		log_warnx(id_of(c), "last utterance not echoed: ending anyway");
		do_end(c);
	}
	if (c->idle_due_us && now >= c->idle_due_us) {
		c->idle_due_us = 0;
		if (speaking(c) == NULL && !c->caller_speaking &&
		    c->end == END_NONE && !idle_stt_outage(c)) {
			c->idle_count++;
			log_info(id_of(c), "caller silent (%d)", c->idle_count);
			c->ctx->brain->on_idle(&c->bc, c->idle_count);
			save_session(c);
		}
	}
}

static uint64_t
min_due(uint64_t a, uint64_t b)
{
	return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

uint64_t
call_next_due(const struct call *c)
{
	uint64_t d = 0;
	int i;

	d = min_due(d, rt_call_due(c));
	d = min_due(d, c->barge_due_us);
	d = min_due(d, c->idle_due_us);
	d = min_due(d, c->end_due_us);
	if (c->ended_us)
		d = min_due(d, c->ended_us + END_GRACE_US);
	for (i = 0; i < UTT_RING; i++)
		if (c->utts[i].id && !c->utts[i].done)
			d = min_due(d, c->utts[i].est_end_us);
	if (!c->started)
		d = min_due(d, c->created_us + 10000 * MS);
	/* the ttl is checked at least every minute */
	return min_due(d, fd_mono_us() + 60000 * MS);
}

/* The call is over: close its record and leave the table. */
static void
finish(struct call *c, const char *reason)
{
	struct call_state *st = &c->bc.st;
	json_t *args;
	int i, keep;

	if (c->finished)
		return;
	/* the agent is stopping, not the call: the next agent resumes it
	 * from the session store, so the record stays open */
	if (strcmp(reason, "agent_shutdown") == 0 && c->ended_us == 0 &&
	    save_session(c) == 0) {
		log_info(id_of(c),
		    "left in the session store for the next "
		    "agent");
		calls_unlink(c);
		return;
	}
	/* a transfer may come back (nobody took it): the next stream of
	 * this call resumes from the session */
	keep = strcmp(reason, "transfer") == 0 && c->started &&
	    save_session(c) == 0;
	calls_unlink(c);
	spec_end(c, "the call ended");
	if (!c->started)
		return;
	for (i = 0; i < UTT_RING; i++)
		if (c->utts[i].id && !c->utts[i].logged) {
			if (!c->utts[i].done)
				c->utts[i].interrupted = 1;
			utt_log(c, &c->utts[i]);
		}
	log_caller_turn(c);
	/* whatever the caller said towards a message is kept */
	if (c->ctx->brain->on_end)
		c->ctx->brain->on_end(&c->bc, reason);
	rt_call_end(c);
	/* the caller was cut off with the gateway, whatever was reached */
	if (strcmp(reason, "gateway_restart") == 0) {
		char notes[128];

		snprintf(notes, sizeof(notes),
		    "cut off: the gateway restarted "
		    "during the call%s%.31s%s",
		    st->outcome[0] ? " (outcome so "
		                     "far: "
		                   : "",
		    st->outcome, st->outcome[0] ? ")" : "");
		snprintf(st->outcome, sizeof(st->outcome), "failed");
		snprintf(
		    st->outcome_notes, sizeof(st->outcome_notes), "%s", notes);
	}
	if (st->outcome[0])
		tool_log(c, "log_call_outcome",
		    json_pack("{s:s, s:s}", "outcome", st->outcome, "notes",
		        st->outcome_notes));
	/* what the conversation made of the job behind an outbound call */
	if ((args = call_job_result(st, id_of(c))) != NULL) {
		log_info(id_of(c), "job %s attempt %d: %s", st->job_id,
		    st->job_attempt,
		    json_string_value(json_object_get(args, "outcome")));
		tool_log(c, "job_result", args);
	}
	/* what the call used of synthesis and the LLM (crm-tools prices
	 * it) and how fast the agent answered */
	args = json_pack("{s:s, s:I, s:I}", "reason", reason, "tts_chars",
	    (json_int_t)c->tts_chars, "llm_tokens", (json_int_t)st->llm_tokens);
	if (args && c->first_word_ms >= 0 && c->next_utt > 0)
		json_object_set_new(
		    args, "first_word_ms", json_integer(c->first_word_ms));
	if (args && c->nv2v > 0) {
		json_t *v = json_array();
		int k;

		for (k = 0; k < c->nv2v; k++)
			json_array_append_new(v, json_integer(c->v2v_ms[k]));
		json_object_set_new(args, "v2v_ms", v);
	}
	tool_log(c, "call_end", args);
	if (!keep)
		session_store_drop(id_of(c));
	log_info(id_of(c),
	    "call ended (%s), outcome %s, %d of %d speculative "
	    "replies used",
	    reason, st->outcome[0] ? st->outcome : "none", c->nspec_used,
	    c->nspec);
}

void
call_free(struct call *c)
{
	int i;

	if (c->started && c->ctx->brain->free)
		c->ctx->brain->free(&c->bc);
	rt_call_free(c);
	spec_end(c, "the call is gone");
	for (i = 0; i < UTT_RING; i++)
		utt_clear(&c->utts[i]);
	free(c->caller_turn);
	free(c);
}
