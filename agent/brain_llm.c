/*
 * brain_llm.c - the LLM brain (see brain_llm.h).
 *
 * A turn runs on the call's worker: the caller's words join the history,
 * then a streamed Chat Completions request (system prompt, call state,
 * trimmed history, tools) is made with llm_http; each sentence is said
 * through the core the moment it is complete, while the stream goes on.
 * Tool calls are run (brain_llm_exec.c) and the model is asked again, up
 * to max_tool_rounds times; the last round offers no tools so the turn
 * always ends in words.  A filler is said once if nothing has been heard
 * first_token_filler_ms into the turn.
 *
 * Failures: 429, 408, 409 and 5xx are retried with exponential backoff
 * (Retry-After honoured), as are refused connections and streams cut
 * before anything was said; other statuses are not.  If the model still
 * gives no answer (or the turn deadline passes) the local brain answers
 * the turn through a proxy of the core that copies what it says into the
 * history, so the model knows what the caller heard.  Greetings and
 * silence prompts are always the local brain's.
 *
 * Talks to the LLM vendor over HTTPS (llm_http.c) and, through the core,
 * to tts-worker (say), stt-worker (hint), gateway (transfer, hang-up) and
 * crm-tools (tools).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brain_llm_int.h"
#include "clock.h"
#include "config.h"
#include "speech/datetime.h"
#include "intent.h"
#include "llm_history.h"
#include "llm_prompt.h"
#include "log.h"
#include "metrics.h"
#include "speech/templates.h"

#define MS 1000ull
#define TOOLS_RETRY_US (60000 * MS) /* list_tools again after a miss */
#define BACKOFF_BASE_MS 250
#define BACKOFF_MAX_MS 4000
#define RETRY_AFTER_MAX_S 120.0

struct llm_cfg llm_cfg;

static const struct fd_cfg_opt opts[] = {
    {"agent.llm.base_url", FD_CFG_STR, llm_cfg.base_url,
        sizeof(llm_cfg.base_url), "https://api.openai.com/v1", 0, 0,
        "FRONTDESK_LLM_BASE_URL"},
    {"agent.llm.model", FD_CFG_STR, llm_cfg.model, sizeof(llm_cfg.model),
        "gpt-4o-mini", 0, 0, "FRONTDESK_LLM_MODEL"},
    {"agent.llm.api_key_env", FD_CFG_STR, llm_cfg.api_key_env,
        sizeof(llm_cfg.api_key_env), "OPENAI_API_KEY", 0, 0, NULL},
    {"agent.llm.api_key_header", FD_CFG_STR, llm_cfg.api_key_header,
        sizeof(llm_cfg.api_key_header), "", 0, 0, NULL},
    {"agent.llm.api_version", FD_CFG_STR, llm_cfg.api_version,
        sizeof(llm_cfg.api_version), "", 0, 0, "FRONTDESK_LLM_API_VERSION"},
    {"agent.llm.filler", FD_CFG_STR, llm_cfg.filler, sizeof(llm_cfg.filler),
        "One moment while I check.", 0, 0, NULL},
    {"agent.llm.instructions", FD_CFG_STR, llm_cfg.instructions,
        sizeof(llm_cfg.instructions), "", 0, 0, NULL},
    {"agent.llm.temperature", FD_CFG_DOUBLE, &llm_cfg.temperature, 0, "0.3", 0,
        2, NULL},
    {"agent.llm.max_tokens", FD_CFG_INT, &llm_cfg.max_tokens, 0, "300", 16,
        4096, NULL},
    {"agent.llm.turn_timeout_ms", FD_CFG_INT, &llm_cfg.turn_timeout_ms, 0,
        "8000", 500, 120000, NULL},
    {"agent.llm.first_token_filler_ms", FD_CFG_INT,
        &llm_cfg.first_token_filler_ms, 0, "1200", 0, 60000, NULL},
    {"agent.llm.history_tokens", FD_CFG_INT, &llm_cfg.history_tokens, 0, "4096",
        256, 1000000, NULL},
    {"agent.llm.retries", FD_CFG_INT, &llm_cfg.retries, 0, "3", 0, 10, NULL},
    {"agent.llm.max_tool_rounds", FD_CFG_INT, &llm_cfg.max_tool_rounds, 0, "5",
        1, 10, NULL},
    {"agent.llm.connect_timeout_ms", FD_CFG_INT, &llm_cfg.connect_timeout_ms, 0,
        "3000", 100, 60000, NULL},
    {"agent.llm.breaker_ms", FD_CFG_INT, &llm_cfg.breaker_ms, 0, "15000", 0,
        600000, NULL},
};

static const struct fd_business *biz;
static char *system_prompt;
static char url[360];

/* The tool catalogue: the built-in one, replaced once by crm-tools'
 * list_tools.  Both live until fini, so a pointer taken stays valid. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct llm_catalog cat_builtin, cat_crm;
static const struct llm_catalog *cat_now;
static uint64_t tools_next_try_us;
static int tools_fetching;
static uint64_t down_until_us; /* breaker, under mu */

enum turn_kind { TURN_TEXT, TURN_DTMF };

static void turn(struct brain_call *, enum turn_kind, const char *, double);

/* ---- the local brain behind a recording proxy of the core ---- */

struct proxy {
	const struct core_ops *real;
	void *arg;
	struct llm_call *lc;
};

static void
px_say(void *a, const char *text, int close)
{
	struct proxy *p = a;

	llm_history_add(p->lc->hist,
	    json_pack("{s:s, s:s}", "role", "assistant", "content", text));
	p->lc->said++;
	p->real->say(p->arg, text, close);
}

static json_t *
px_tool(void *a, const char *tool, json_t *args)
{
	struct proxy *p = a;

	return p->real->tool(p->arg, tool, args);
}

static void
px_hint(void *a, const char *expect, const char *const *w, size_t n)
{
	struct proxy *p = a;

	p->real->hint(p->arg, expect, w, n);
}

static void
px_hangup(void *a, const char *reason)
{
	struct proxy *p = a;

	p->real->hangup_after(p->arg, reason);
}

static void
px_transfer(void *a, const char *to, const char *reason)
{
	struct proxy *p = a;

	p->real->transfer(p->arg, to, reason);
}

static void
px_outcome(void *a, const char *outcome, const char *notes)
{
	struct proxy *p = a;

	p->real->set_outcome(p->arg, outcome, notes);
}

static time_t
px_now(void *a)
{
	struct proxy *p = a;

	return p->real->now(p->arg);
}

static const struct core_ops proxy_ops = {
    px_say, px_tool, px_hint, px_hangup, px_transfer, px_outcome, px_now};

enum local_what { L_START, L_TEXT, L_DTMF, L_IDLE, L_XFER };

/* The local brain's entry point for what. */
static void
local_run(struct brain_call *c, enum local_what what, const char *text,
    double conf, int count)
{
	if (what == L_START)
		brain_local.on_start(c);
	else if (what == L_XFER)
		brain_local.on_transfer_back(c, text);
	else if (what == L_TEXT)
		brain_local.on_utterance(c, text, conf);
	else if (what == L_DTMF)
		brain_local.on_dtmf(c, text);
	else
		brain_local.on_idle(c, count);
}

static void
local(struct brain_call *c, enum local_what what, const char *text, double conf,
    int count)
{
	struct llm_call *lc = c->priv;
	struct proxy p;

	if (lc == NULL) { /* no memory for our state at all */
		local_run(c, what, text, conf, count);
		return;
	}
	p.real = c->core;
	p.arg = c->core_arg;
	p.lc = lc;
	c->core = &proxy_ops;
	c->core_arg = &p;
	local_run(c, what, text, conf, count);
	c->core = p.real;
	c->core_arg = p.arg;
	lc->local_last = 1;
}

/* The model could not answer: the local brain takes this turn. */
static void
fallback(struct brain_call *c, enum turn_kind kind, const char *text,
    double conf, const char *why)
{
	struct llm_call *lc = c->priv;

	if (!lc->fallback_logged) {
		log_warnx(c->st.call_id,
		    "llm: %s; the local brain answers "
		    "(logged once per call)",
		    why);
		lc->fallback_logged = 1;
	} else {
		log_debug(c->st.call_id, "llm: %s; local brain", why);
	}
	/* the local brain's own question is only meaningful if it asked it */
	if (!lc->local_last)
		c->st.asked = 0;
	lc->stats.fallback = 1;
	local(c, kind == TURN_DTMF ? L_DTMF : L_TEXT, text, conf, 0);
}

/* ---- the tool catalogue ---- */

static const struct llm_catalog *
catalog(struct brain_call *c)
{
	const struct llm_catalog *cat;
	struct llm_catalog fresh;
	json_t *rep;
	int fetch = 0, ok = 0;

	pthread_mutex_lock(&mu);
	if (cat_now == &cat_builtin && !tools_fetching &&
	    fd_mono_us() >= tools_next_try_us) {
		tools_fetching = fetch = 1;
		tools_next_try_us = fd_mono_us() + TOOLS_RETRY_US;
	}
	cat = cat_now;
	pthread_mutex_unlock(&mu);
	if (!fetch)
		return cat;
	rep = call_tool(c, "list_tools", json_object());
	if (rep && json_is_true(json_object_get(rep, "ok")) &&
	    json_array_size(
	        json_object_get(json_object_get(rep, "result"), "tools")) > 0 &&
	    llm_catalog_build(&fresh, json_object_get(rep, "result"), biz) == 0)
		ok = 1;
	json_decref(rep);
	pthread_mutex_lock(&mu);
	tools_fetching = 0;
	if (ok) {
		cat_crm = fresh;
		cat_now = &cat_crm;
		log_info(c->st.call_id,
		    "llm: tool descriptions from crm-tools "
		    "(%d tools)",
		    cat_crm.ntools);
	}
	cat = cat_now;
	pthread_mutex_unlock(&mu);
	return cat;
}

/* ---- streaming one response ---- */

/* A sentence of the model that asks the caller to say it again. */
static int
asks_again(const char *s)
{
	static const char *const p[] = {"didn't catch", "did not catch",
	    "didn't quite catch", "didn't quite get", "didn't get that",
	    "didn't understand", "did not understand", "couldn't understand",
	    "could not understand", "didn't hear", "did not hear",
	    "could you repeat", "can you repeat", "please repeat",
	    "could you say that again", "can you say that again",
	    "say that one more time", "could you rephrase",
	    "not sure what you mean", "not sure i understood", NULL};
	int i;

	for (i = 0; p[i]; i++)
		if (strcasestr(s, p[i]) != NULL)
			return 1;
	return 0;
}

static void
on_sentence(void *arg, const char *s)
{
	struct llm_call *lc = arg;

	if (asks_again(s))
		lc->asked_again = 1;

	if (lc->stats.first_say_us == 0)
		lc->stats.first_say_us = fd_mono_us();
	lc->said++;
	lc->attempt_said++;
	lc->stats.sentences++;
	call_say(lc->bc, s, 0);
}

static int
on_event(void *arg, const char *data, size_t len)
{
	struct llm_call *lc = arg;

	if (lc->cur == NULL || llm_reply_feed(lc->cur, data, len) != 0)
		return -1;
	if (lc->cur->first_content && !lc->content) {
		lc->content = 1;
		if (lc->stats.first_token_us == 0)
			lc->stats.first_token_us = fd_mono_us();
	}
	return 0;
}

/* Between poll steps: the filler, and the turn's deadline. */
static int
tick(void *arg)
{
	struct llm_call *lc = arg;
	uint64_t now = fd_mono_us();

	if (!lc->stats.filler && lc->said == 0 && !lc->content &&
	    llm_cfg.first_token_filler_ms > 0 && now >= lc->filler_due_us &&
	    llm_cfg.filler[0]) {
		lc->stats.filler = 1;
		log_info(lc->bc->st.call_id,
		    "llm: no words after %d ms, "
		    "filler",
		    llm_cfg.first_token_filler_ms);
		call_say(lc->bc, llm_cfg.filler, 0);
	}
	return now >= lc->deadline_us;
}

static int
wait_until(struct llm_call *lc, uint64_t until)
{
	uint64_t now;

	while ((now = fd_mono_us()) < until) {
		if (tick(lc))
			return -1;
		fd_sleep_us(until - now < 20 * MS ? until - now : 20 * MS);
	}
	return tick(lc) ? -1 : 0;
}

static char *
request_body(struct llm_call *lc, const struct llm_catalog *cat, int final)
{
	struct brain_call *c = lc->bc;
	json_t *msgs, *sys, *state, *body;
	char *st, *s;
	size_t dropped, fixed;

	if ((st = llm_prompt_state(&c->st, c->biz, c->core->now(c->core_arg),
	         lc->verified)) == NULL)
		return NULL;
	sys =
	    json_pack("{s:s, s:s}", "role", "system", "content", system_prompt);
	state = json_pack("{s:s, s:s}", "role", "system", "content", st);
	free(st);
	fixed = llm_tokens_estimate(sys) + llm_tokens_estimate(state);
	if ((dropped = llm_history_trim(
	         lc->hist, (size_t)llm_cfg.history_tokens, fixed)) > 0)
		log_info(c->st.call_id,
		    "llm: history trimmed by %zu "
		    "message(s)",
		    dropped);
	msgs = json_array();
	json_array_append_new(msgs, sys);
	json_array_append_new(msgs, state);
	json_array_extend(msgs, lc->hist);
	body = json_pack("{s:s, s:b, s:{s:b}, s:o, s:O, s:s, s:f, s:i}",
	    "model", llm_cfg.model, "stream", 1, "stream_options",
	    "include_usage", 1, "messages", msgs, "tools", cat->openai,
	    "tool_choice", final ? "none" : "auto", "temperature",
	    llm_cfg.temperature, "max_completion_tokens", llm_cfg.max_tokens);
	if (body == NULL)
		return NULL;
	if (!final)
		json_object_set_new(body, "parallel_tool_calls", json_true());
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return s;
}

static uint64_t
backoff_us(int attempt, double hint_s)
{
	uint64_t ms;

	if (hint_s > 0)
		return (uint64_t)(hint_s * 1000.0) * MS;
	ms = (uint64_t)BACKOFF_BASE_MS << (attempt < 5 ? attempt : 5);
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	/* up to a quarter less, so calls that failed together spread out */
	ms -= (uint64_t)(rand() % (int)(ms / 4 + 1));
	return ms * MS;
}

/* One model response, retried as the policy says.  0 when r holds a
 * complete response; -1 with why filled (r holds the last attempt). */
static int
stream(struct llm_call *lc, const struct llm_catalog *cat, int final,
    struct llm_reply *r, char *why, size_t whylen)
{
	const char *id = lc->bc->st.call_id;
	struct llm_http_req req;
	struct llm_http_res res;
	uint64_t delay, t0;
	char *body;
	int attempt, retry;

	llm_reply_init(r, on_sentence, lc);
	if ((body = request_body(lc, cat, final)) == NULL) {
		snprintf(why, whylen, "out of memory building the request");
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.api_key = llm_cfg.api_key;
	req.key_header = llm_cfg.api_key_header;
	req.body = body;
	req.connect_timeout_ms = llm_cfg.connect_timeout_ms;
	req.deadline_us = lc->deadline_us;
	req.call_id = id;
	for (attempt = 0;; attempt++) {
		if (attempt > 0) {
			llm_reply_free(r);
			llm_reply_init(r, on_sentence, lc);
		}
		llm_sse_reset(&lc->sse);
		lc->cur = r;
		lc->attempt_said = 0;
		lc->stats.attempts++;
		t0 = fd_mono_us();
		if (llm_http_post(&lc->http, &req, &lc->sse, tick, lc, &res) !=
		    0) {
			snprintf(why, whylen, "cannot start a request");
			break;
		}
		fd_metrics_observe(FD_H_LLM, (fd_mono_us() - t0) / 1e6);
		if (res.st != LLM_HTTP_OK)
			fd_metrics_error("llm_request", 1);
		lc->cur = NULL;
		/* every attempt's tokens are billed */
		lc->bc->st.llm_tokens +=
		    r->prompt_tokens + r->completion_tokens;
		if (res.st == LLM_HTTP_OK && llm_reply_complete(r) &&
		    r->error[0] == '\0') {
			free(body);
			return 0;
		}
		if (r->error[0])
			snprintf(why, whylen, "error in stream: %s", r->error);
		else if (res.st == LLM_HTTP_OK)
			snprintf(why, whylen,
			    "stream ended without finishing "
			    "(%zu bytes)",
			    res.body_bytes);
		else
			snprintf(why, whylen, "%s", res.error);
		retry = res.st == LLM_HTTP_OK || llm_http_retryable(&res);
		/* a retry would say again what the caller already heard */
		if (lc->attempt_said > 0)
			retry = 0;
		if (res.retry_after_s > RETRY_AFTER_MAX_S)
			retry = 0;
		if (!retry || attempt >= llm_cfg.retries) {
			log_warnx(id, "llm: attempt %d failed, giving up: %s",
			    attempt + 1, why);
			break;
		}
		delay =
		    backoff_us(attempt, res.status ? res.retry_after_s : -1);
		log_info(id, "llm: attempt %d failed (%s), retry in %llu ms",
		    attempt + 1, why, (unsigned long long)(delay / MS));
		if (fd_mono_us() + delay >= lc->deadline_us) {
			snprintf(why, whylen, "turn deadline before the retry");
			break;
		}
		if (wait_until(lc, fd_mono_us() + delay) != 0) {
			snprintf(why, whylen, "turn deadline reached");
			break;
		}
	}
	lc->cur = NULL;
	free(body);
	return -1;
}

/* ---- a turn ---- */

static void
say_tpl(struct brain_call *c, enum tpl_id id, int close)
{
	char buf[512];

	tpl_render(id, NULL, buf, sizeof(buf));
	call_say(c, buf, close);
}

static void
turn_begin(struct llm_call *lc)
{
	uint64_t now = fd_mono_us();

	memset(&lc->stats, 0, sizeof(lc->stats));
	lc->stats.t0_us = now;
	lc->filler_due_us = now + (uint64_t)llm_cfg.first_token_filler_ms * MS;
	lc->deadline_us = now + (uint64_t)llm_cfg.turn_timeout_ms * MS;
	lc->said = 0;
	lc->asked_again = 0;
	lc->content = 0;
	lc->end_call = 0;
	lc->transfer_to[0] = '\0';
}

/* As the local brain counts (the same call state counter): a turn that
 * asked the caller to say it again is a misunderstanding, and after
 * agent.max_misunderstandings of them in a row the caller is offered a
 * person or a message rather than yet another "pardon?".  A turn that ran
 * a tool or said anything else starts the count again. */
static void
count_misunderstanding(struct brain_call *c, struct llm_call *lc)
{
	struct call_state *st = &c->st;
	enum tpl_id id;
	char buf[512];

	if (lc->end_call || lc->transfer_to[0])
		return;
	if (!lc->asked_again || lc->stats.tools_run > 0) {
		if (lc->said > 0 || lc->stats.tools_run > 0)
			st->misunderstandings = 0;
		return;
	}
	if (st->max_misunderstandings <= 0 ||
	    ++st->misunderstandings < st->max_misunderstandings)
		return;
	st->misunderstandings = 0;
	id = fd_business_open_at(c->biz, c->core->now(c->core_arg)) &&
	        c->biz->transfer_number[0]
	    ? T_TOO_MANY_OPEN
	    : T_TOO_MANY_CLOSED;
	tpl_render(id, NULL, buf, sizeof(buf));
	call_say(c, buf, 0);
	/* the model answers the caller's choice: it must know the offer */
	llm_history_add(lc->hist,
	    json_pack("{s:s, s:s}", "role", "assistant", "content", buf));
	if (id == T_TOO_MANY_CLOSED)
		call_hint(c, "yesno", NULL, 0);
	log_info(st->call_id, "llm: %d misunderstandings in a row: %s offered",
	    st->max_misunderstandings,
	    id == T_TOO_MANY_OPEN ? "a person or "
	                            "a message"
	                          : "a message");
}

/* The call ends or moves on after what was said. */
static void
turn_close(struct brain_call *c, struct llm_call *lc)
{
	if (lc->transfer_to[0]) {
		if (lc->said == 0)
			say_tpl(c, T_TRANSFER, 0);
		call_set_outcome(c, "transferred", "caller asked for a person");
		c->core->transfer(
		    c->core_arg, lc->transfer_to, "caller_request");
		return;
	}
	if (lc->end_call) {
		if (c->st.outcome[0] == '\0')
			call_set_outcome(
			    c, "info_only", "caller ended the call");
		if (lc->said == 0)
			say_tpl(c, T_GOODBYE, 1);
		else
			c->core->hangup_after(c->core_arg, "completed");
	}
}

static int
breaker_open(void)
{
	int open;

	pthread_mutex_lock(&mu);
	open = fd_mono_us() < down_until_us;
	pthread_mutex_unlock(&mu);
	return open;
}

static void
breaker_trip(void)
{
	if (llm_cfg.breaker_ms <= 0)
		return;
	pthread_mutex_lock(&mu);
	down_until_us = fd_mono_us() + (uint64_t)llm_cfg.breaker_ms * MS;
	pthread_mutex_unlock(&mu);
}

/* The service, day and time the caller asked for in their own words,
 * kept in the call state (and so in the state message) where history
 * trimming cannot drop them. */
static void
note_caller(
    struct brain_call *c, const char *text, const struct intent_result *ir)
{
	struct call_state *st = &c->st;
	struct dt_result dt;

	if (ir->service)
		st->service = ir->service;
	if (dt_parse(text, c->core->now(c->core_arg), DT_EXPECT_ANY, &dt) <= 0)
		return;
	if (dt.has_date) {
		st->have_day = 1;
		st->day = dt.day;
	}
	if (dt.has_time) {
		st->have_time = 1;
		st->minute = dt.minute;
		st->time_rel = dt.rel;
		st->ampm_given = dt.ampm_given;
	}
	if (dt.part != DT_PART_NONE) {
		st->part = dt.part;
		if (!dt.has_time)
			st->have_time = 0;
	}
	if (dt.earliest)
		st->earliest = 1;
}

static void
turn(struct brain_call *c, enum turn_kind kind, const char *text, double conf)
{
	struct llm_call *lc = c->priv;
	const struct llm_catalog *cat;
	struct llm_reply r;
	char why[300], buf[64];
	int round, failed = 0, final;

	if (lc == NULL) {
		local(c, kind == TURN_DTMF ? L_DTMF : L_TEXT, text, conf, 0);
		return;
	}
	/* the opening of a call we placed is the local brain's: who
	 * answered, a machine's greeting, a plain yes to a reminder */
	if (outbound_local_turn(c, kind == TURN_TEXT ? text : "")) {
		snprintf(buf, sizeof(buf),
		    "[the caller pressed %.8s on the "
		    "keypad]",
		    text);
		llm_history_add(lc->hist,
		    json_pack("{s:s, s:s}", "role", "user", "content",
		        kind == TURN_DTMF ? buf : text));
		local(c, kind == TURN_DTMF ? L_DTMF : L_TEXT, text, conf, 0);
		return;
	}
	turn_begin(lc);
	lc->caller_yes = lc->yes_weak = 0;
	if (kind == TURN_TEXT) {
		struct intent_result ir;

		intent_read(text, c->biz, &ir);
		note_caller(c, text, &ir);
		lc->caller_yes = ir.pol == POL_YES;
		/* a weak yes commits nothing until asked once more */
		lc->yes_weak = lc->caller_yes && conf < WEAK_YES_CONFIDENCE &&
		    !c->st.yes_checked;
		if (lc->yes_weak)
			lc->caller_yes = 0;
	}
	if (kind == TURN_DTMF)
		snprintf(buf, sizeof(buf),
		    "[the caller pressed %.8s on the "
		    "keypad]",
		    text);
	if (kind == TURN_TEXT) {
		/* what the recogniser was unsure of, for the model to weigh
		 * (prompt: confirm before acting on a weak hearing) */
		char note[600];

		call_recog_note(c, conf, note, sizeof(note));
		if (note[0])
			llm_history_add(lc->hist,
			    json_pack("{s:s, s:s++}", "role", "user", "content",
			        text, "\n", note));
		else
			llm_history_add(lc->hist,
			    json_pack(
			        "{s:s, s:s}", "role", "user", "content", text));
	} else {
		llm_history_add(lc->hist,
		    json_pack("{s:s, s:s}", "role", "user", "content", buf));
	}
	if (breaker_open()) {
		fallback(c, kind, text, conf, "the model failed recently");
		return;
	}
	cat = catalog(c);
	for (round = 0; round <= llm_cfg.max_tool_rounds; round++) {
		final = round == llm_cfg.max_tool_rounds;
		lc->stats.rounds++;
		if (stream(lc, cat, final, &r, why, sizeof(why)) != 0) {
			if (r.sentences > 0) /* what the caller heard */
				llm_history_add(lc->hist,
				    json_pack("{s:s, s:s%}", "role",
				        "assistant", "content", r.text, r.cut));
			llm_reply_free(&r);
			failed = 1;
			break;
		}
		llm_reply_flush(&r);
		if (r.ncalls > 0 && final) {
			log_warnx(c->st.call_id,
			    "llm: tool calls after %d "
			    "rounds ignored",
			    round);
			r.ncalls = 0;
		}
		if (r.ncalls == 0) {
			if (r.len > 0)
				llm_history_add(
				    lc->hist, llm_assistant_msg(&r));
			if (strcmp(r.finish, "content_filter") == 0)
				log_warnx(c->st.call_id, "llm: content filter");
			llm_reply_free(&r);
			break;
		}
		tick(lc); /* the filler before slow tools */
		llm_exec_calls(lc, cat, &r);
		llm_reply_free(&r);
		if (lc->end_call || lc->transfer_to[0])
			break;
	}
	if (failed) {
		breaker_trip();
		if (lc->said == 0 && lc->stats.tools_run == 0) {
			fallback(c, kind, text, conf, why);
			return;
		}
		if (lc->said == 0)
			call_say(c,
			    "Sorry, I'm having trouble with our system "
			    "right now. Could you say that again?",
			    0);
	} else if (lc->said == 0 && !lc->end_call && !lc->transfer_to[0]) {
		say_tpl(c, T_SAY_AGAIN, 0);
		lc->asked_again = 1;
	}
	lc->local_last = 0;
	if (!failed)
		count_misunderstanding(c, lc);
	turn_close(c, lc);
	log_info(c->st.call_id,
	    "llm turn: %d round(s), %d attempt(s), %d "
	    "tool(s) run, %d refused, %d sentence(s), first token %lld ms, "
	    "first say %lld ms%s",
	    lc->stats.rounds, lc->stats.attempts, lc->stats.tools_run,
	    lc->stats.tools_refused, lc->stats.sentences,
	    lc->stats.first_token_us
	        ? (long long)(lc->stats.first_token_us - lc->stats.t0_us) / 1000
	        : -1LL,
	    lc->stats.first_say_us
	        ? (long long)(lc->stats.first_say_us - lc->stats.t0_us) / 1000
	        : -1LL,
	    lc->stats.filler ? ", filler" : "");
}

/* ---- the brain's operations ---- */

static int
llm_init(
    const config_t *cfg, const struct fd_business *b, char *err, size_t errlen)
{
	const char *key;
	size_t n;
	int azure;

	if (fd_cfg_apply(cfg, opts, FD_CFG_N(opts), err, errlen) != 0)
		return -1;
	if (strncmp(llm_cfg.base_url, "http://", 7) != 0 &&
	    strncmp(llm_cfg.base_url, "https://", 8) != 0) {
		snprintf(err, errlen,
		    "agent.llm.base_url must be an http(s) "
		    "URL");
		return -1;
	}
	if (llm_cfg.model[0] == '\0') {
		snprintf(err, errlen, "agent.llm.model is empty");
		return -1;
	}
	key = getenv(llm_cfg.api_key_env);
	snprintf(
	    llm_cfg.api_key, sizeof(llm_cfg.api_key), "%s", key ? key : "");
	azure = strstr(llm_cfg.base_url, ".openai.azure.com") != NULL;
	if (llm_cfg.api_key[0] == '\0' &&
	    (azure || strstr(llm_cfg.base_url, "api.openai.com"))) {
		snprintf(err, errlen, "%s is not set (the %s key)",
		    llm_cfg.api_key_env, azure ? "Azure OpenAI" : "OpenAI");
		return -1;
	}
	/* Azure OpenAI: base_url .../openai/deployments/<name>, the key in
	 * an api-key header, the API version in the query */
	if (azure && llm_cfg.api_key_header[0] == '\0')
		snprintf(llm_cfg.api_key_header, sizeof(llm_cfg.api_key_header),
		    "api-key");
	if (strpbrk(llm_cfg.api_key_header, ": \r\n") ||
	    strspn(llm_cfg.api_version,
	        "0123456789-abcdefghijklmnopqrstuvwxyz"
	        ".") != strlen(llm_cfg.api_version)) {
		snprintf(err, errlen,
		    "agent.llm.api_key_header or api_version "
		    "has characters a header or query cannot hold");
		return -1;
	}
	if (azure && llm_cfg.api_version[0] == '\0') {
		snprintf(err, errlen,
		    "agent.llm.api_version is needed for "
		    "Azure OpenAI (e.g. \"2024-10-21\")");
		return -1;
	}
	snprintf(url, sizeof(url), "%s", llm_cfg.base_url);
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	snprintf(url + n, sizeof(url) - n, "/chat/completions%s%s",
	    llm_cfg.api_version[0] ? "?api-version=" : "", llm_cfg.api_version);
	if (brain_local.init && brain_local.init(cfg, b, err, errlen) != 0)
		return -1;
	biz = b;
	if (llm_http_global_init() != 0) {
		snprintf(err, errlen, "libcurl initialisation failed");
		return -1;
	}
	free(system_prompt);
	if ((system_prompt = llm_prompt_system(b, llm_cfg.instructions)) ==
	        NULL ||
	    llm_catalog_build(&cat_builtin, NULL, b) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cat_now = &cat_builtin;
	tools_next_try_us = 0;
	down_until_us = 0;
	log_info(NULL, "llm brain: %s at %s, key %s%s%s", llm_cfg.model, url,
	    llm_cfg.api_key[0] ? "set" : "none",
	    llm_cfg.api_key_header[0] ? " in header " : "",
	    llm_cfg.api_key_header);
	return 0;
}

static void
llm_fini(void)
{
	if (brain_local.fini)
		brain_local.fini();
	llm_catalog_free(&cat_builtin);
	llm_catalog_free(&cat_crm);
	cat_now = NULL;
	free(system_prompt);
	system_prompt = NULL;
	explicit_bzero(llm_cfg.api_key, sizeof(llm_cfg.api_key));
	llm_http_global_fini();
}

/* The per-call state, or NULL (logged) when out of memory. */
static struct llm_call *
call_new(struct brain_call *c)
{
	struct llm_call *lc = calloc(1, sizeof(*lc));

	if (lc && (lc->hist = json_array()) == NULL) {
		free(lc);
		lc = NULL;
	}
	if (lc == NULL) {
		log_err(c->st.call_id, "llm: out of memory, local brain only");
		return NULL;
	}
	lc->bc = c;
	llm_http_init(&lc->http);
	llm_sse_init(&lc->sse, on_event, lc);
	return lc;
}

static void
llm_on_start(struct brain_call *c)
{
	struct llm_call *lc = call_new(c);

	c->priv = lc;
	if (lc)
		catalog(c); /* fetch crm-tools' descriptions early */
	local(c, L_START, NULL, 0, 0);
}

/* The conversation and what the model established, for the session. */
static json_t *
llm_save(struct brain_call *c)
{
	struct llm_call *lc = c->priv;

	if (lc == NULL)
		return NULL;
	return json_pack("{s:O, s:b, s:b}", "hist", lc->hist, "verified",
	    lc->verified, "local_last", lc->local_last);
}

/* A restarted agent: the conversation goes on where it was.  Only
 * messages with a role are taken back (the store is ours, but a session
 * from another version may differ). */
static void
llm_on_resume(struct brain_call *c, json_t *saved)
{
	struct llm_call *lc = call_new(c);
	json_t *m;
	size_t i;

	c->priv = lc;
	if (lc == NULL)
		return;
	json_array_foreach(
	    json_object_get(saved, "hist"), i, m) if (json_is_object(m) &&
	    json_is_string(json_object_get(m, "role")))
	    json_array_append(lc->hist, m);
	lc->verified = json_is_true(json_object_get(saved, "verified"));
	lc->local_last = json_is_true(json_object_get(saved, "local_last"));
	log_info(c->st.call_id,
	    "llm: resumed with %zu message(s) of "
	    "history%s",
	    json_array_size(lc->hist), saved ? "" : " (none saved)");
}

static void
llm_on_utterance(struct brain_call *c, const char *text, double confidence)
{
	turn(c, TURN_TEXT, text, confidence);
}

static void
llm_on_dtmf(struct brain_call *c, const char *digit)
{
	turn(c, TURN_DTMF, digit, 1.0);
}

static void
llm_on_idle(struct brain_call *c, int count)
{
	local(c, L_IDLE, NULL, 0, count);
}

/* The call ended before the model closed it.  A message, callback or
 * lead under way (the model asked about one and none was recorded) is
 * saved as a message marked incomplete with the caller's words, so a
 * person sees it; what the local brain was taking when it had the call
 * is its own to save. */
static void
llm_on_end(struct brain_call *c, const char *reason)
{
	struct llm_call *lc = c->priv;
	struct call_state *st = &c->st;
	char said[700], text[900], key[96], name[140];
	const char *role, *content, *num;
	size_t i, o = 0;
	int about = 0, nsaid = 0;
	json_t *m, *args, *rep;

	if (brain_local.on_end)
		brain_local.on_end(c, reason);
	if (lc == NULL || lc->end_call || lc->transfer_to[0] ||
	    strcmp(st->outcome, "message_taken") == 0 ||
	    strcmp(st->outcome, "callback_requested") == 0 ||
	    strcmp(st->outcome, "lead") == 0)
		return;
	said[0] = '\0';
	json_array_foreach(lc->hist, i, m)
	{
		role = json_string_value(json_object_get(m, "role"));
		content = json_string_value(json_object_get(m, "content"));
		if (role == NULL || content == NULL)
			continue;
		if (strcmp(role, "assistant") == 0 &&
		    (strstr(content, "message") ||
		        strstr(content, "call you back") ||
		        strstr(content, "callback")))
			about = 1;
		else if (strcmp(role, "user") == 0 && about &&
		    o + 4 < sizeof(said)) {
			o += (size_t)snprintf(said + o, sizeof(said) - o,
			    "%s%.*s", nsaid++ ? " / " : "",
			    (int)strcspn(content, "\n"), content);
		}
	}
	if (!about)
		return;
	snprintf(text, sizeof(text),
	    "INCOMPLETE (the call ended before it "
	    "was finished: %.40s) the caller was leaving a message or asking "
	    "for a callback%s%.700s",
	    reason, said[0] ? "; they said: " : "", said);
	snprintf(name, sizeof(name), "%s%s%s",
	    st->first_name[0] ? st->first_name : "unknown caller",
	    st->last_name[0] ? " " : "", st->last_name);
	snprintf(key, sizeof(key), "%s-msg-incomplete", st->call_id);
	args = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "message", text,
	    "urgency", "normal", "idempotency_key", key);
	num = call_party(st);
	if (args && num[0] == '+' && !st->caller_blocked)
		json_object_set_new(args, "callback_number", json_string(num));
	rep = call_tool(c, "take_message", args);
	if (json_is_true(json_object_get(rep, "ok"))) {
		log_info(
		    st->call_id, "llm: incomplete message saved (%s)", reason);
		call_set_outcome(c, "message_taken", "incomplete message");
	} else {
		log_warnx(st->call_id, "llm: incomplete message not saved");
	}
	json_decref(rep);
}

static void
llm_free(struct brain_call *c)
{
	struct llm_call *lc = c->priv;

	if (lc == NULL)
		return;
	llm_http_free(&lc->http);
	llm_sse_free(&lc->sse);
	json_decref(lc->hist);
	free(lc);
	c->priv = NULL;
}

int
brain_llm_stats(const struct brain_call *c, struct llm_turn_stats *out)
{
	const struct llm_call *lc = c->priv;

	if (lc == NULL)
		return -1;
	*out = lc->stats;
	return 0;
}

/* Back from a transfer nobody took: the local brain says so and asks for
 * the message's first detail (into the model's history through the
 * proxy); the model takes the message from there. */
static void
llm_on_transfer_back(struct brain_call *c, const char *result)
{
	local(c, L_XFER, result, 0, 0);
}

/* An ops table reads best packed, a few members a line. */
/* clang-format off */
const struct brain_ops brain_llm = {
	.name = "llm", .init = llm_init, .fini = llm_fini,
	.on_start = llm_on_start, .on_utterance = llm_on_utterance,
	.on_dtmf = llm_on_dtmf, .on_idle = llm_on_idle, .save = llm_save,
	.on_resume = llm_on_resume, .on_transfer_back = llm_on_transfer_back,
	.on_end = llm_on_end, .free = llm_free,
	/* not speculative: the conversation lives in priv, and a model's
	 * reply to a hypothesis costs its tokens whether or not it is kept */
};
/* clang-format on */
