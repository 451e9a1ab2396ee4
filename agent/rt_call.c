/*
 * rt_call.c - one call on the Realtime engine (rt_call.h), run by the
 * call's worker like every other event of the call.
 *
 * Out to the model: session.update (instructions from llm_prompt.h with
 * the call state, the LLM brain's tool catalogue in Realtime's flat form,
 * g711_ulaw both ways, server VAD, input transcription), each AUDIO_IN
 * frame as input_audio_buffer.append, tool results as
 * conversation.item.create + response.create, and on barge-in
 * response.cancel + conversation.item.truncate.
 *
 * Speech: each response's audio is one utterance with the core's next
 * utterance id.  Its first lead_ms of audio is held until it has all
 * come (or the response's audio ends): the model streams in small deltas,
 * and a stall on the way (the vendor, the network, this process) right
 * after the first one would leave the caller a silence in mid-sentence,
 * which a caller takes for the end of the turn; held, the stall only
 * delays the start of the reply.  Then deltas go to the gateway as
 * AUDIO_OUT; an AUDIO_MARK
 * every mark_ms of audio and one at its end let the gateway's echoes say
 * how much the caller has heard.  When the server hears the caller start
 * talking over it, the gateway is told to CLEAR, the response is
 * cancelled and the model's item is truncated at the last mark heard, so
 * the model and the call record hold what the caller heard: the agent's
 * turn is logged with the words of the transcript in proportion to the
 * audio played, heard=false.
 *
 * Silence: once the model's reply has been heard and nothing else is
 * under way, the core's idle timer runs (agent.idle_prompt_ms, then
 * agent.idle_hangup_ms after the second prompt).  When it runs out the
 * model is told so in a system message and asked for a response: twice
 * to ask whether the caller is still there, the third time to say
 * goodbye, after which the call ends as abandoned whether or not the
 * model calls end_call.
 *
 * Fallback: a socket that drops or never opens, an error event, or no
 * response within response_timeout_ms of the caller's turn ends the
 * engine for the call; the core hands the call to the configured brain on
 * the local pipeline (stt-worker has been transcribing all along), with
 * the final transcript the model never answered, or asking the caller to
 * say it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "brain_llm_int.h"
#include "intent.h"
#include "llm_prompt.h"
#include "log.h"
#include "rt_call.h"
#include "rt_client.h"
#include "rt_int.h"

#define MS 1000ull
#define RT_UTTS 4 /* utterances whose marks may still echo */
#define RT_MAX_CALLS 8 /* function calls in one response */
#define DEFER_US                                                               \
	(3000 * MS) /* a commit tool waits this long for the
                                 * transcript of the caller's turn */

struct rt_utt {
	uint32_t id; /* 0: unused */
	char item_id[64];
	size_t bytes; /* audio sent */
	unsigned char *hold; /* audio held back before it starts */
	size_t nhold;
	int flowing; /* its lead went out: deltas go straight on */
	int nseg; /* marks sent */
	uint32_t seg_end_ms[UTT_MAX_SEG];
	uint32_t played_ms; /* up to the last mark heard */
	int audio_done; /* its last mark sent */
	int state; /* 0 playing, 1 heard, 2 cut */
	int resp_done;
	char *text; /* transcript (so far) */
	int final_text; /* text is the whole transcript */
	int logged;
};

struct rt_fcall {
	char call_id[64];
	char name[64];
	char *args;
};

struct rt_call {
	struct rt_conn *conn;
	int active;
	int open;
	struct llm_call lc; /* the tool executor's view */
	/* the response in flight */
	int responding;
	char resp_id[64];
	struct rt_utt utts[RT_UTTS];
	struct rt_utt *cur; /* the response's audio utterance */
	struct rt_fcall fc[RT_MAX_CALLS];
	int nfc;
	uint64_t defer_until_us; /* tools wait for a transcript */
	int transcripts_due; /* committed turns not transcribed */
	uint64_t resp_due_us; /* a response must start by then */
	/* the end of the call the model asked for */
	int end_pending;
	int idle_bye; /* the idle goodbye was asked for: end after it */
	int caller_speaking; /* between the server's speech_started/stopped */
	/* fallback: the last stt-worker final the model may not have
	 * answered, and when the model last answered */
	char *stt_text;
	uint64_t stt_end_us;
	uint64_t answered_us;
	uint64_t heard_us; /* the model's last caller transcript */
	/* usage */
	long long tok_audio_in, tok_audio_out, tok_text_in, tok_text_out;
	int responses;
	/* latency */
	uint64_t turn_end_us; /* speech_stopped seen */
};

static void fail_over(struct call *c, const char *why);
static void maybe_end(struct call *c);
static void idle_arm(struct call *c);

/* ---- sending ---- */

static const char *
id_of(const struct call *c)
{
	return c->bc.st.call_id;
}

static void
send_json(struct call *c, json_t *ev)
{
	struct rt_call *r = c->rt;
	char *s;

	if (ev == NULL)
		return;
	s = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	if (s == NULL)
		return;
	if (r->conn == NULL || rt_conn_send(r->conn, s, strlen(s)) != 0)
		log_warnx(id_of(c), "realtime: not sent: %.80s", s);
	free(s);
}

static char *
instructions(struct call *c)
{
	char *st, *all;
	size_t n;

	st = llm_prompt_state(&c->bc.st, c->bc.biz,
	    c->bc.core->now(c->bc.core_arg), c->rt->lc.verified);
	n = strlen(rt_system_prompt) + (st ? strlen(st) : 0) + 256;
	if ((all = malloc(n)) != NULL)
		snprintf(all, n,
		    "%s\n\nYou are speaking on the phone: keep "
		    "each reply to one or two short sentences.\n\n%s",
		    rt_system_prompt, st ? st : "");
	free(st);
	return all;
}

static void
session_update(struct call *c, int full)
{
	char *ins = instructions(c);
	json_t *s;

	if (ins == NULL)
		return;
	if (!full) {
		send_json(c,
		    json_pack("{s:s, s:{s:s}}", "type", "session.update",
		        "session", "instructions", ins));
		free(ins);
		return;
	}
	s = json_pack("{s:[s,s], s:s, s:s, s:s, s:s, s:{s:s}, "
	              "s:{s:s, s:f, s:i, s:i, s:b, s:b}, s:O, s:s}",
	    "modalities", "text", "audio", "instructions", ins, "voice",
	    rcfg.voice, "input_audio_format", "g711_ulaw",
	    "output_audio_format", "g711_ulaw", "input_audio_transcription",
	    "model", rcfg.transcribe_model, "turn_detection", "type",
	    "server_vad", "threshold", rcfg.vad_threshold, "prefix_padding_ms",
	    rcfg.prefix_ms, "silence_duration_ms", rcfg.silence_ms,
	    "create_response", 1, "interrupt_response", 1, "tools", rt_tools,
	    "tool_choice", "auto");
	free(ins);
	send_json(
	    c, json_pack("{s:s, s:o}", "type", "session.update", "session", s));
}

/* ---- utterances ---- */

static struct rt_utt *
utt_find(struct rt_call *r, uint32_t id)
{
	int i;

	for (i = 0; i < RT_UTTS; i++)
		if (id && r->utts[i].id == id)
			return &r->utts[i];
	return NULL;
}

/* The words of text the caller heard: all, or the share of the audio
 * played. */
static char *
heard_words(const struct rt_utt *u)
{
	const char *t = u->text ? u->text : "";
	size_t total_ms = u->bytes / 8, n = 0, want, i;
	int inword = 0;

	if (u->state == 1 || total_ms == 0)
		return strdup(u->state == 1 ? t : "");
	for (i = 0; t[i]; i++)
		if (t[i] != ' ' && !inword) {
			inword = 1;
			n++;
		} else if (t[i] == ' ')
			inword = 0;
	want = (n * u->played_ms + total_ms / 2) / total_ms;
	for (i = 0, n = 0, inword = 0; t[i]; i++) {
		if (t[i] != ' ' && !inword) {
			if (n == want)
				break;
			inword = 1;
			n++;
		} else if (t[i] == ' ')
			inword = 0;
	}
	while (i > 0 && t[i - 1] == ' ')
		i--;
	return strndup(t, i);
}

/* Log the agent's turn once it is known how it ended and what it said. */
static void
utt_log(struct call *c, struct rt_utt *u, int force)
{
	char *text;

	if (u->id == 0 || u->logged ||
	    (!force && (u->state == 0 || (!u->final_text && !u->resp_done))))
		return;
	u->logged = 1;
	if (force && u->state == 0)
		u->state = 2;
	if ((text = heard_words(u)) == NULL)
		return;
	if (text[0])
		call_rpc_log(c, "log_turn",
		    json_pack("{s:s, s:s, s:b}", "role", "agent", "text", text,
		        "heard", u->state == 1));
	log_info(id_of(c), "agent utt %u %s (%u of %zu ms): \"%s\"", u->id,
	    u->state == 1 ? "heard" : "cut",
	    u->state == 1 ? (unsigned)(u->bytes / 8) : u->played_ms,
	    u->bytes / 8, text);
	free(text);
}

static void
utt_reset(struct rt_utt *u)
{
	free(u->hold);
	free(u->text);
	memset(u, 0, sizeof(*u));
}

static void
mark(struct call *c, struct rt_utt *u, int last)
{
	struct fd_pl_audio_mark m;
	char name[32];

	if (u->nseg >= UTT_MAX_SEG)
		return;
	snprintf(name, sizeof(name), "u%us%d", u->id, u->nseg);
	m.name = name;
	m.seg = u->nseg;
	m.text = "";
	m.last = last;
	u->seg_end_ms[u->nseg++] = (uint32_t)(u->bytes / 8);
	call_publish(c, FD_MSG_AUDIO_MARK, u->id, &m);
}

/* Audio to the gateway, with a mark every mark_ms. */
static void
audio_out(struct call *c, struct rt_utt *u, const unsigned char *pcm, int n)
{
	size_t step = (size_t)rcfg.mark_ms * 8;
	int i;

	/* marks fall on mark_ms boundaries inside the delta */
	for (i = 0; i < n;) {
		size_t next = ((u->bytes / step) + 1) * step;
		int take = (int)(next - u->bytes) < n - i
		    ? (int)(next - u->bytes)
		    : n - i;
		struct fd_frame h;

		memset(&h, 0, sizeof(h));
		h.type = FD_MSG_AUDIO_OUT;
		snprintf(h.call_id, sizeof(h.call_id), "%s", id_of(c));
		h.ref = u->id;
		fd_bus_publish_hdr(c->ctx->bus, &h, pcm + i, (size_t)take);
		u->bytes += (size_t)take;
		i += take;
		if (u->bytes % step == 0 && u->nseg < UTT_MAX_SEG - 1)
			mark(c, u, 0);
	}
}

/* The held lead goes out: from now on the deltas flow. */
static void
lead_out(struct call *c, struct rt_utt *u)
{
	if (u->flowing)
		return;
	u->flowing = 1;
	if (u->nhold > 0)
		audio_out(c, u, u->hold, (int)u->nhold);
	free(u->hold);
	u->hold = NULL;
	u->nhold = 0;
}

/* The end of the response's audio: what is held, then its last mark. */
static void
audio_end(struct call *c, struct rt_utt *u)
{
	if (u == NULL || u->audio_done)
		return;
	lead_out(c, u);
	u->audio_done = 1;
	if (u->nseg >= UTT_MAX_SEG)
		u->nseg = UTT_MAX_SEG - 1; /* the last one is kept free */
	mark(c, u, 1);
}

static void
on_audio_delta(struct call *c, const char *item_id, const char *b64)
{
	struct rt_call *r = c->rt;
	struct rt_utt *u = r->cur;
	size_t inlen = strlen(b64);
	unsigned char *pcm, *nh;
	int n;

	if (!r->responding)
		return; /* a cancelled response's late audio */
	if (u == NULL) {
		u = &r->utts[++c->next_utt % RT_UTTS];
		utt_log(c, u, 1);
		utt_reset(u);
		u->id = c->next_utt;
		snprintf(u->item_id, sizeof(u->item_id), "%s", item_id);
		r->cur = u;
		if (r->turn_end_us)
			log_info(id_of(c),
			    "turn latency %.1f ms (speech end to "
			    "audio)",
			    (double)(fd_mono_us() - r->turn_end_us) / 1000.0);
		r->turn_end_us = 0;
		c->idle_due_us = 0;
	}
	if ((pcm = malloc(inlen * 3 / 4 + 4)) == NULL)
		return;
	n = lws_b64_decode_string_len(
	    b64, (int)inlen, (char *)pcm, (int)(inlen * 3 / 4 + 4));
	if (n <= 0) {
		log_warnx(id_of(c), "realtime: audio delta is not base64");
		free(pcm);
		return;
	}
	if (u->flowing) {
		audio_out(c, u, pcm, n);
		free(pcm);
		return;
	}
	/* the lead is held until it is all here */
	if ((nh = realloc(u->hold, u->nhold + (size_t)n)) == NULL) {
		lead_out(c, u); /* out of memory: what is held goes now */
		audio_out(c, u, pcm, n);
		free(pcm);
		return;
	}
	memcpy(nh + u->nhold, pcm, (size_t)n);
	u->hold = nh;
	u->nhold += (size_t)n;
	free(pcm);
	if (u->nhold >= (size_t)rcfg.lead_ms * 8)
		lead_out(c, u);
}

/* The words of the utterance so far: a cut response has no final
 * transcript, only what streamed with its audio. */
static void
on_transcript_delta(struct call *c, const char *item_id, const char *d)
{
	struct rt_call *r = c->rt;
	struct rt_utt *u = NULL;
	size_t have, add;
	char *nt;
	int i;

	for (i = 0; item_id && d && i < RT_UTTS; i++)
		if (r->utts[i].id && strcmp(r->utts[i].item_id, item_id) == 0)
			u = &r->utts[i];
	if (u == NULL || u->final_text)
		return;
	have = u->text ? strlen(u->text) : 0;
	add = strlen(d);
	if (have + add > 4096 ||
	    (nt = realloc(u->text, have + add + 1)) == NULL)
		return;
	memcpy(nt + have, d, add + 1);
	u->text = nt;
}

/* The caller talks over the agent: stop the audio where it is and make
 * the model forget what was not heard. */
static void
barge_in(struct call *c)
{
	struct rt_call *r = c->rt;
	struct rt_utt *u = NULL;
	int i;

	for (i = 0; i < RT_UTTS; i++)
		if (r->utts[i].id && r->utts[i].state == 0 &&
		    (u == NULL || r->utts[i].id > u->id))
			u = &r->utts[i];
	if (r->responding)
		send_json(c, json_pack("{s:s}", "type", "response.cancel"));
	if (u == NULL)
		return;
	call_publish(c, FD_MSG_CLEAR, u->id, NULL);
	u->state = 2;
	u->resp_done = 1; /* no more of it will be heard */
	free(u->hold); /* nor what was held back */
	u->hold = NULL;
	u->nhold = 0;
	u->flowing = 1;
	audio_end(c, u);
	send_json(c,
	    json_pack("{s:s, s:s, s:i, s:i}", "type",
	        "conversation.item.truncate", "item_id", u->item_id,
	        "content_index", 0, "audio_end_ms", (int)u->played_ms));
	log_info(id_of(c), "barge-in: utt %u cut at %u of %zu ms", u->id,
	    u->played_ms, u->bytes / 8);
	if (r->cur == u)
		r->cur = NULL;
	r->responding = 0;
	utt_log(c, u, 0);
}

int
rt_call_mark(struct call *c, const struct fd_pl_mark *m)
{
	struct rt_call *r = c->rt;
	unsigned id, seg;
	struct rt_utt *u;

	if (r == NULL || sscanf(m->name, "u%us%u", &id, &seg) != 2 ||
	    (u = utt_find(r, id)) == NULL || seg >= UTT_MAX_SEG)
		return 0;
	if (m->played && u->seg_end_ms[seg] > u->played_ms)
		u->played_ms = u->seg_end_ms[seg];
	if (m->played && u->audio_done && (int)seg == u->nseg - 1 &&
	    u->state == 0) {
		u->state = 1;
		utt_log(c, u, 0);
		if (r->active) {
			maybe_end(c); /* the goodbye was heard */
			idle_arm(c);
		}
	}
	return 1;
}

/* ---- turns ---- */

static void
maybe_end(struct call *c)
{
	struct rt_call *r = c->rt;
	int i;

	if (!r->end_pending || r->responding)
		return;
	for (i = 0; i < RT_UTTS; i++)
		if (r->utts[i].id && r->utts[i].state == 0)
			return; /* the goodbye is still playing */
	r->end_pending = 0;
	if (r->lc.transfer_to[0])
		call_end_now(c, END_TRANSFER, r->lc.transfer_to,
		    "caller asked for a person");
	else
		call_end_now(c, END_HANGUP, NULL, "completed");
}

/* 1 if the agent's last utterance was heard at least two thirds
 * through (or there was none). */
static int
last_heard(const struct rt_call *r)
{
	const struct rt_utt *u = NULL;
	int i;

	for (i = 0; i < RT_UTTS; i++)
		if (r->utts[i].id && (u == NULL || r->utts[i].id > u->id))
			u = &r->utts[i];
	if (u == NULL || u->state != 2)
		return 1;
	return (size_t)u->played_ms * 3 >= u->bytes / 8 * 2;
}

static void
on_caller_text(struct call *c, const char *text)
{
	struct rt_call *r = c->rt;
	struct intent_result ir;

	r->heard_us = fd_mono_us();
	if (text == NULL || intent_words(text) == 0)
		return;
	c->idle_count = 0;
	intent_read(text, c->bc.biz, &ir);
	/* a yes confirms the read-back only if the caller heard it (most
	 * of it: people answer as the question ends) */
	r->lc.caller_yes = ir.pol == POL_YES && last_heard(r);
	if (ir.pol == POL_YES && !r->lc.caller_yes)
		log_info(id_of(c),
		    "a yes over an utterance the caller barely "
		    "heard: it confirms nothing");
	log_info(id_of(c), "caller: \"%s\" (realtime)", text);
	call_rpc_log(c, "log_turn",
	    json_pack("{s:s, s:s}", "role", "caller", "text", text));
}

static int
commit_tool(const char *name)
{
	const struct llm_tool *t = llm_catalog_find(&rt_cat, name);
	static const char *const w[] = {"book_appointment",
	    "reschedule_appointment", "cancel_appointment", "cancel_order",
	    NULL};
	int i;

	for (i = 0; t && t->crm_name && w[i]; i++)
		if (strcmp(t->crm_name, w[i]) == 0)
			return 1;
	return 0;
}

/* The call ends once what is playing has been heard (maybe_end); if the
 * goodbye's marks never echo, it ends anyway. */
static void
end_after_goodbye(struct call *c)
{
	struct rt_call *r = c->rt;

	if (r->end_pending)
		return;
	r->end_pending = 1;
	c->idle_due_us = 0;
	c->end = r->lc.transfer_to[0] ? END_TRANSFER : END_HANGUP;
	snprintf(c->end_to, sizeof(c->end_to), "%s", r->lc.transfer_to);
	snprintf(c->end_reason, sizeof(c->end_reason), "%s",
	    r->lc.transfer_to[0] ? "caller asked for a person" : "completed");
	c->end_due_us =
	    fd_mono_us() + (uint64_t)(agent_cfg.hangup_safety_ms + 15000) * MS;
}

/* Run the response's function calls through the LLM brain's executor and
 * give the model their results. */
static void
run_tools(struct call *c)
{
	struct rt_call *r = c->rt;
	struct llm_reply rep;
	json_t *msg;
	const char *out;
	int i, k, want_more = 0;

	for (i = 0; i < r->nfc; i++) {
		memset(&rep, 0, sizeof(rep));
		rep.ncalls = 1;
		snprintf(rep.calls[0].id, sizeof(rep.calls[0].id), "%s",
		    r->fc[i].call_id);
		snprintf(rep.calls[0].name, sizeof(rep.calls[0].name), "%s",
		    r->fc[i].name);
		rep.calls[0].args = r->fc[i].args;
		rep.calls[0].args_len = strlen(r->fc[i].args);
		llm_exec_calls(&r->lc, &rt_cat, &rep);
		msg =
		    json_array_get(r->lc.hist, json_array_size(r->lc.hist) - 1);
		out = json_string_value(json_object_get(msg, "content"));
		send_json(c,
		    json_pack("{s:s, s:{s:s, s:s, s:s}}", "type",
		        "conversation.item.create", "item", "type",
		        "function_call_output", "call_id", r->fc[i].call_id,
		        "output", out ? out : "{}"));
		want_more = 1;
		free(r->fc[i].args);
		r->fc[i].args = NULL;
	}
	/* the executor's history is only a scratch pad here */
	while ((k = (int)json_array_size(r->lc.hist)) > 0)
		json_array_remove(r->lc.hist, (size_t)k - 1);
	r->nfc = 0;
	r->defer_until_us = 0;
	call_save(c); /* a restarted agent goes on from here */
	if (r->lc.end_call && c->bc.st.outcome[0] == '\0')
		call_set_outcome(&c->bc, "info_only", "caller ended the call");
	if (r->lc.end_call || r->lc.transfer_to[0])
		end_after_goodbye(c);
	/* after end_call the goodbye was said: no more turns */
	if (want_more && !r->lc.end_call) {
		session_update(c, 0); /* the call state the tools changed */
		send_json(c, json_pack("{s:s}", "type", "response.create"));
		r->resp_due_us =
		    fd_mono_us() + (uint64_t)rcfg.response_timeout_ms * MS;
	}
}

/* response.done: its tools run now, unless one that commits waits for
 * the transcript of the caller's turn (the read-back's yes). */
static void
tools_due(struct call *c)
{
	struct rt_call *r = c->rt;
	int i, commit = 0;

	if (r->nfc == 0)
		return;
	for (i = 0; i < r->nfc; i++)
		commit |= commit_tool(r->fc[i].name);
	if (commit && r->transcripts_due > 0) {
		if (r->defer_until_us == 0)
			r->defer_until_us = fd_mono_us() + DEFER_US;
		if (fd_mono_us() < r->defer_until_us)
			return;
		log_warnx(id_of(c),
		    "realtime: no transcript of the caller's "
		    "turn: tools run without its yes");
	}
	run_tools(c);
}

static void
on_function_call(struct call *c, json_t *ev)
{
	struct rt_call *r = c->rt;
	const char *id = json_string_value(json_object_get(ev, "call_id"));
	const char *name = json_string_value(json_object_get(ev, "name"));
	const char *args = json_string_value(json_object_get(ev, "arguments"));
	struct rt_fcall *f;

	if (id == NULL || name == NULL) {
		log_warnx(id_of(c),
		    "realtime: function call without call_id "
		    "or name, ignored");
		return;
	}
	if (r->nfc >= RT_MAX_CALLS) {
		log_warnx(id_of(c),
		    "realtime: over %d function calls in one "
		    "response, %s ignored",
		    RT_MAX_CALLS, name);
		return;
	}
	f = &r->fc[r->nfc++];
	snprintf(f->call_id, sizeof(f->call_id), "%s", id);
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->args = strdup(args ? args : "");
}

static void
on_usage(struct call *c, json_t *resp)
{
	struct rt_call *r = c->rt;
	json_t *u = json_object_get(resp, "usage");
	json_t *in = json_object_get(u, "input_token_details");
	json_t *out = json_object_get(u, "output_token_details");

	if (!json_is_object(u))
		return;
	r->tok_audio_in +=
	    json_integer_value(json_object_get(in, "audio_tokens"));
	r->tok_text_in +=
	    json_integer_value(json_object_get(in, "text_tokens"));
	r->tok_audio_out +=
	    json_integer_value(json_object_get(out, "audio_tokens"));
	r->tok_text_out +=
	    json_integer_value(json_object_get(out, "text_tokens"));
}

static void
on_response_done(struct call *c, json_t *ev)
{
	struct rt_call *r = c->rt;
	json_t *resp = json_object_get(ev, "response");
	const char *status = json_string_value(json_object_get(resp, "status"));

	on_usage(c, resp);
	r->responses++;
	r->responding = 0;
	r->resp_due_us = 0;
	if (r->cur) {
		r->cur->resp_done = 1;
		audio_end(c, r->cur);
		utt_log(c, r->cur, 0);
		r->cur = NULL;
	}
	if (status && strcmp(status, "failed") == 0) {
		fail_over(c, "response failed");
		return;
	}
	if (status && strcmp(status, "cancelled") == 0)
		while (r->nfc > 0)
			free(r->fc[--r->nfc].args);
	tools_due(c);
	if (r->idle_bye && r->nfc == 0)
		end_after_goodbye(c);
	maybe_end(c);
	idle_arm(c);
}

/* ---- silence ---- */

/* Nothing under way and the caller silent: the idle timer runs. */
static void
idle_arm(struct call *c)
{
	struct rt_call *r = c->rt;
	int i;

	if (!r->active || r->responding || r->resp_due_us || r->nfc > 0 ||
	    r->caller_speaking || r->end_pending || r->idle_bye ||
	    c->end != END_NONE || c->idle_due_us)
		return;
	for (i = 0; i < RT_UTTS; i++)
		if (r->utts[i].id && r->utts[i].state == 0)
			return; /* still playing */
	c->idle_due_us = fd_mono_us() +
	    (uint64_t)(c->idle_count >= 2 ? agent_cfg.idle_hangup_ms
	                                  : agent_cfg.idle_prompt_ms) *
	        MS;
}

/* The idle timer ran out: the model asks whether the caller is there,
 * or (the third time) says goodbye and the call ends as abandoned. */
static void
idle_due(struct call *c)
{
	struct rt_call *r = c->rt;
	char text[200];

	c->idle_due_us = 0;
	c->idle_count++;
	log_info(id_of(c), "caller silent (%d) (realtime)", c->idle_count);
	call_save(c);
	if (c->idle_count <= 2)
		snprintf(text, sizeof(text),
		    "[the caller has said nothing for %d seconds: ask "
		    "briefly whether they are still there]",
		    agent_cfg.idle_prompt_ms / 1000);
	else {
		if (c->bc.st.outcome[0] == '\0')
			call_set_outcome(
			    &c->bc, "abandoned", "caller went silent");
		snprintf(text, sizeof(text), "%s",
		    "[the caller has still said nothing: say a short "
		    "goodbye; the call ends after it]");
		r->idle_bye = 1;
	}
	send_json(c,
	    json_pack("{s:s, s:{s:s, s:s, s:[{s:s, s:s}]}}", "type",
	        "conversation.item.create", "item", "type", "message", "role",
	        "system", "content", "type", "input_text", "text", text));
	send_json(c, json_pack("{s:s}", "type", "response.create"));
	r->resp_due_us = fd_mono_us() + (uint64_t)rcfg.response_timeout_ms * MS;
}

/* ---- the core's entry points ---- */

int
rt_call_start(struct call *c)
{
	struct rt_call *r;

	if (!rt_started || call_outbound(&c->bc.st))
		return -1; /* a call we placed: the pipeline's opening */
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->lc.hist = json_array()) == NULL) {
		free(r);
		log_err(id_of(c), "realtime: out of memory, pipeline instead");
		return -1;
	}
	r->lc.bc = &c->bc;
	c->rt = r;
	if ((r->conn = rt_conn_open(id_of(c))) == NULL) {
		json_decref(r->lc.hist);
		free(r);
		c->rt = NULL;
		return -1;
	}
	r->active = 1;
	session_update(c, 1);
	/* the model greets first */
	send_json(c, json_pack("{s:s}", "type", "response.create"));
	r->resp_due_us = fd_mono_us() +
	    (uint64_t)(rcfg.connect_timeout_ms + rcfg.response_timeout_ms) * MS;
	log_info(id_of(c), "realtime engine takes the call");
	return 0;
}

int
rt_call_active(const struct call *c)
{
	return c->rt != NULL && c->rt->active;
}

void
rt_call_audio(struct call *c, const struct fd_frame *f)
{
	char b64[512];
	char ev[600];
	int n;

	if (!rt_call_active(c) || f->payload_len == 0 || f->payload_len > 360 ||
	    (f->flags & FD_F_REPLAY))
		return;
	n = lws_b64_encode_string((const char *)f->payload, (int)f->payload_len,
	    b64, (int)sizeof(b64));
	if (n <= 0)
		return;
	n = snprintf(ev, sizeof(ev),
	    "{\"type\":\"input_audio_buffer.append\","
	    "\"audio\":\"%s\"}",
	    b64);
	if (rt_conn_send(c->rt->conn, ev, (size_t)n) != 0 && c->rt->open)
		fail_over(c, "audio could not be queued");
}

void
rt_call_dtmf(struct call *c, const char *digit)
{
	char text[64];

	c->idle_count = 0;
	c->idle_due_us = 0;
	snprintf(text, sizeof(text), "[the caller pressed %.8s on the keypad]",
	    digit);
	call_rpc_log(c, "log_turn",
	    json_pack("{s:s, s:s}", "role", "caller", "text", text));
	send_json(c,
	    json_pack("{s:s, s:{s:s, s:s, s:[{s:s, s:s}]}}", "type",
	        "conversation.item.create", "item", "type", "message", "role",
	        "user", "content", "type", "input_text", "text", text));
	send_json(c, json_pack("{s:s}", "type", "response.create"));
	c->rt->resp_due_us =
	    fd_mono_us() + (uint64_t)rcfg.response_timeout_ms * MS;
}

void
rt_call_stt_final(struct call *c, const struct fd_pl_transcript *m)
{
	struct rt_call *r = c->rt;

	if (r == NULL || intent_words(m->text) == 0)
		return;
	free(r->stt_text);
	r->stt_text = strdup(m->text);
	r->stt_end_us =
	    m->speech_end_us ? (uint64_t)m->speech_end_us : fd_mono_us();
}

void
rt_call_event(struct call *c, char *text)
{
	struct rt_call *r = c->rt;
	json_error_t jerr;
	json_t *ev;
	const char *type;

	if (r == NULL || !r->active) {
		free(text);
		return; /* the engine let the call go */
	}
	ev = json_loads(text, 0, &jerr);
	free(text);
	if (!json_is_object(ev) ||
	    (type = json_string_value(json_object_get(ev, "type"))) == NULL) {
		log_warnx(id_of(c),
		    "realtime: event is not a JSON object with "
		    "a type, ignored");
		json_decref(ev);
		return;
	}
	if (strcmp(type, "response.audio.delta") == 0 ||
	    strcmp(type, "response.output_audio.delta") == 0) {
		const char *d = json_string_value(json_object_get(ev, "delta"));
		const char *item =
		    json_string_value(json_object_get(ev, "item_id"));

		if (d)
			on_audio_delta(c, item ? item : "", d);
	} else if (strcmp(type, "fd.open") == 0) {
		r->open = 1;
		log_info(id_of(c), "realtime: connected");
	} else if (strcmp(type, "fd.closed") == 0) {
		const char *why =
		    json_string_value(json_object_get(ev, "reason"));

		r->open = 0;
		rt_conn_close(r->conn);
		r->conn = NULL;
		fail_over(c, why ? why : "connection closed");
	} else if (strcmp(type, "error") == 0) {
		json_t *e = json_object_get(ev, "error");
		const char *msg =
		    json_string_value(json_object_get(e, "message"));
		const char *code =
		    json_string_value(json_object_get(e, "code"));

		log_warnx(id_of(c), "realtime: error event %s: %.200s",
		    code ? code : "?", msg ? msg : "");
		/* a truncate past the audio's end, a cancel with nothing to
		 * cancel or a response.create while a response runs (the
		 * server's own turn detection started it; that one answers) is
		 * ours to ignore; anything else ends the engine */
		if (code == NULL ||
		    (strcmp(code, "response_cancel_not_active") &&
		        strcmp(code, "invalid_value") &&
		        strcmp(
		            code, "conversation_already_has_active_response")))
			fail_over(c, "error event");
	} else if (strcmp(type, "response.created") == 0) {
		r->responding = 1;
		r->resp_due_us = 0;
		r->answered_us = fd_mono_us();
		snprintf(r->resp_id, sizeof(r->resp_id), "%s",
		    json_string_value(
		        json_object_get(json_object_get(ev, "response"), "id"))
		        ?: "");
	} else if (strcmp(type, "response.audio_transcript.done") == 0 ||
	    strcmp(type, "response.output_audio_transcript.done") == 0) {
		const char *t =
		    json_string_value(json_object_get(ev, "transcript"));
		const char *item =
		    json_string_value(json_object_get(ev, "item_id"));
		int i;

		for (i = 0; t && item && i < RT_UTTS; i++)
			if (r->utts[i].id &&
			    strcmp(r->utts[i].item_id, item) == 0 &&
			    !r->utts[i].final_text) {
				free(r->utts[i].text);
				r->utts[i].text = strdup(t);
				r->utts[i].final_text = 1;
				utt_log(c, &r->utts[i], 0);
			}
	} else if (strcmp(type, "response.audio_transcript.delta") == 0 ||
	    strcmp(type, "response.output_audio_transcript.delta") == 0) {
		on_transcript_delta(c,
		    json_string_value(json_object_get(ev, "item_id")),
		    json_string_value(json_object_get(ev, "delta")));
	} else if (strcmp(type, "response.audio.done") == 0 ||
	    strcmp(type, "response.output_audio.done") == 0) {
		audio_end(c, r->cur);
	} else if (strcmp(type, "response.function_call_arguments.done") == 0) {
		on_function_call(c, ev);
	} else if (strcmp(type, "response.done") == 0) {
		on_response_done(c, ev);
	} else if (strcmp(type, "input_audio_buffer.speech_started") == 0) {
		c->idle_due_us = 0;
		r->caller_speaking = 1;
		barge_in(c);
	} else if (strcmp(type, "input_audio_buffer.speech_stopped") == 0) {
		r->caller_speaking = 0;
		r->turn_end_us = fd_mono_us();
		r->resp_due_us =
		    fd_mono_us() + (uint64_t)rcfg.response_timeout_ms * MS;
	} else if (strcmp(type, "input_audio_buffer.committed") == 0) {
		r->transcripts_due++;
	} else if (strcmp(type,
	               "conversation.item.input_audio_transcription."
	               "completed") == 0) {
		if (r->transcripts_due > 0)
			r->transcripts_due--;
		on_caller_text(
		    c, json_string_value(json_object_get(ev, "transcript")));
		tools_due(c);
	} else if (strcmp(type,
	               "conversation.item.input_audio_transcription.failed") ==
	    0) {
		if (r->transcripts_due > 0)
			r->transcripts_due--;
		log_warnx(id_of(c),
		    "realtime: the caller's turn was not "
		    "transcribed");
		tools_due(c);
	}
	/* session.created/updated, rate_limits.updated, the deltas of
	 * transcripts and arguments, item and part events: nothing to do */
	json_decref(ev);
}

void
rt_call_tick(struct call *c)
{
	struct rt_call *r = c->rt;
	uint64_t now = fd_mono_us();

	if (!rt_call_active(c))
		return;
	if (r->resp_due_us && now >= r->resp_due_us) {
		fail_over(c, "no response in time");
		return;
	}
	if (r->defer_until_us && now >= r->defer_until_us)
		tools_due(c);
	maybe_end(c);
	if (r->active && c->idle_due_us && now >= c->idle_due_us)
		idle_due(c);
}

uint64_t
rt_call_due(const struct call *c)
{
	const struct rt_call *r = c->rt;
	uint64_t d = 0;

	if (!rt_call_active(c))
		return 0;
	if (r->resp_due_us)
		d = r->resp_due_us;
	if (r->defer_until_us && (d == 0 || r->defer_until_us < d))
		d = r->defer_until_us;
	return d;
}

/* The vendor failed: the pipeline takes the call from here. */
static void
fail_over(struct call *c, const char *why)
{
	struct rt_call *r = c->rt;
	const char *pending = NULL;
	int i;

	if (!r->active)
		return;
	r->active = 0;
	log_warnx(
	    id_of(c), "realtime: %s: the local pipeline takes the call", why);
	/* what is playing stops; it is logged as far as it was heard */
	for (i = 0; i < RT_UTTS; i++)
		if (r->utts[i].id && r->utts[i].state == 0) {
			call_publish(c, FD_MSG_CLEAR, r->utts[i].id, NULL);
			r->utts[i].state = 2;
		}
	for (i = 0; i < RT_UTTS; i++)
		utt_log(c, &r->utts[i], 1);
	while (r->nfc > 0)
		free(r->fc[--r->nfc].args);
	if (r->conn) {
		rt_conn_close(r->conn);
		r->conn = NULL;
	}
	/* stt-worker heard the caller finish a turn the model never
	 * answered: the pipeline answers it (the record has it already if
	 * the model transcribed it) */
	if (r->stt_text && r->stt_end_us > r->answered_us)
		pending = r->stt_text;
	call_fallback(c, pending, pending && r->heard_us > r->stt_end_us);
}

static void
usage_log(struct call *c)
{
	struct rt_call *r = c->rt;
	double cost;
	char text[256];

	if (r->responses == 0)
		return;
	cost = (r->tok_audio_in * rcfg.price_audio_in +
	           r->tok_audio_out * rcfg.price_audio_out +
	           r->tok_text_in * rcfg.price_text_in +
	           r->tok_text_out * rcfg.price_text_out) /
	    1e6;
	snprintf(text, sizeof(text),
	    "realtime usage: %d responses, audio "
	    "tokens in %lld out %lld, text tokens in %lld out %lld, cost "
	    "USD %.4f",
	    r->responses, r->tok_audio_in, r->tok_audio_out, r->tok_text_in,
	    r->tok_text_out, cost);
	log_info(id_of(c), "%s", text);
	call_rpc_log(c, "log_turn",
	    json_pack("{s:s, s:s}", "role", "system", "text", text));
}

void
rt_call_end(struct call *c)
{
	struct rt_call *r = c->rt;
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < RT_UTTS; i++)
		utt_log(c, &r->utts[i], 1);
	usage_log(c);
	r->active = 0;
	if (r->conn) {
		rt_conn_close(r->conn);
		r->conn = NULL;
	}
}

void
rt_call_free(struct call *c)
{
	struct rt_call *r = c->rt;
	int i;

	if (r == NULL)
		return;
	if (r->conn)
		rt_conn_close(r->conn);
	for (i = 0; i < RT_UTTS; i++)
		utt_reset(&r->utts[i]);
	while (r->nfc > 0)
		free(r->fc[--r->nfc].args);
	free(r->stt_text);
	json_decref(r->lc.hist);
	free(r);
	c->rt = NULL;
}
