/*
 * cs_call.c - one call from dial to verdict: make Twilio-shaped SIDs, pre-
 * synthesise the caller's lines, POST the signed voice webhook to the
 * gateway, follow its TwiML onto the Media Stream (cs_session.c), then
 * transcribe what the agent said, fetch the call record from the
 * gateway's API and check the scenario's expectations (expect.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "clock.h"
#include "expect.h"
#include "cs_http.h"
#include "log.h"
#include "strmap.h"
#include "persona.h"
#include "cs_session.h"
#include "cs_fall.h"
#include "cs_twiml.h"
#include "voice.h"

static int synth_lines(
    const struct scenario *sc, struct session_plan *p, struct call_result *r);
static int synth_turns(
    const struct scenario *sc, struct session_plan *p, struct call_result *r);
static int dial(const struct scenario *sc, const struct call_opts *o,
    const struct call_setup *setup, struct call_result *r, struct twiml *tw);
static void hear(
    const struct scenario *sc, struct session_plan *p, struct call_result *r);
static void fetch_record(const struct scenario *sc, const struct call_opts *o,
    struct call_result *r);

void
call_run(const struct scenario *sc, const struct call_opts *o,
    const struct call_setup *setup, struct call_result *r)
{
	struct session_plan p;
	struct twiml tw;
	size_t i;

	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	memset(&tw, 0, sizeof(tw));
	r->answer_ms = -1;
	if (setup && setup->call_sid)
		snprintf(
		    r->call_sid, sizeof(r->call_sid), "%s", setup->call_sid);
	else
		call_sid_make("CA", r->call_sid);
	call_sid_make("AC", r->account_sid);
	call_sid_make("MZ", r->stream_sid);
	r->nturns = sc->nturns;
	p.sc = sc;
	p.o = o;
	if ((r->turns = calloc(sc->nturns, sizeof(*r->turns))) == NULL ||
	    (p.speech = calloc(sc->nturns, sizeof(*p.speech))) == NULL ||
	    (p.speech_n = calloc(sc->nturns, sizeof(*p.speech_n))) == NULL ||
	    (p.replies = calloc(sc->nturns + 1, sizeof(*p.replies))) == NULL) {
		call_fail(r, "out of memory");
		goto out;
	}
	for (i = 0; i < sc->nturns; i++)
		r->turns[i].latency_ms = r->turns[i].bargein_ms = -1;
	if (synth_turns(sc, &p, r) != 0 || dial(sc, o, setup, r, &tw) != 0)
		goto out;
	if (tw.record) {
		/* the voicemail box: no stream, the caller leaves a message */
		fall_record(sc, o, &p, r, &tw);
		fetch_record(sc, o, r);
		verdict_check(sc, r);
		goto out;
	}
	if (call_plan_stream(o, &tw, &p, r) != 0)
		goto out;
	session_run(&p, r);
	if (r->transferred && r->dial_twiml)
		fall_dial(sc, o, &p, r);
	if (o->hear)
		hear(sc, &p, r);
	fetch_record(sc, o, r);
	verdict_check(sc, r);
out:
	twiml_free(&tw);
	for (i = 0; i < sc->nturns; i++)
		if (p.speech)
			free(p.speech[i]);
	for (i = 0; p.replies && i <= sc->nturns; i++) {
		free(p.replies[i].pcm);
		free(p.replies[i].cuts);
	}
	for (i = 0; i < p.nlines; i++)
		free(p.lines[i].audio);
	free(p.lines);
	free(p.speech);
	free(p.speech_n);
	free(p.replies);
}

void
call_result_free(struct call_result *r)
{
	size_t i;

	for (i = 0; i < r->nturns; i++) {
		free(r->turns[i].heard);
		free(r->turns[i].said);
		free(r->turns[i].cue);
	}
	free(r->turns);
	free(r->greeting);
	free(r->dial_twiml);
	free(r->whisper);
	free(r->segs);
	free(r->jitter_us);
	free(r->track);
	for (i = 0; i < r->nfail; i++)
		free(r->failures[i]);
	free(r->failures);
	json_decref(r->record);
	memset(r, 0, sizeof(*r));
}

void
call_fail(struct call_result *r, const char *fmt, ...)
{
	char **nf, *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL)
		return;
	if ((nf = realloc(r->failures, (r->nfail + 1) * sizeof(*nf))) == NULL) {
		free(msg);
		return;
	}
	r->failures = nf;
	r->failures[r->nfail++] = msg;
}

void
call_sid_make(const char *prefix, char out[40])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t rnd[16];
	size_t i, got = 0;
	ssize_t n;

	while (got < sizeof(rnd)) {
		if ((n = getrandom(rnd + got, sizeof(rnd) - got, 0)) <= 0) {
			/* never on Linux >= 3.17; keep SIDs distinct anyway */
			uint64_t t = fd_mono_us();
			for (; got < sizeof(rnd); got++)
				rnd[got] = (uint8_t)(t >> (got % 8 * 8)) ^
				    (uint8_t)got;
			break;
		}
		got += (size_t)n;
	}
	snprintf(out, 40, "%.2s", prefix);
	for (i = 0; i < sizeof(rnd); i++) {
		out[2 + 2 * i] = hex[rnd[i] >> 4];
		out[3 + 2 * i] = hex[rnd[i] & 15];
	}
	out[34] = '\0';
}

/* The line noise and lost frames of a scenario's turn i: the same on
 * every run of the scenario. */
unsigned
call_seed(const struct scenario *sc, size_t i)
{
	return fd_str_hash(sc->name) ^ (unsigned)(i * 2654435761u);
}

/* A persona's lines, each synthesised and put through the line once,
 * so the caller only has to choose while the call runs. */
static int
synth_lines(
    const struct scenario *sc, struct session_plan *p, struct call_result *r)
{
	json_t *lines = persona_lines(sc->persona), *v;
	struct said_line *l;
	const char *k;
	char err[256];

	if ((p->lines = calloc(json_object_size(lines), sizeof(*p->lines))) ==
	    NULL) {
		call_fail(r, "out of memory");
		return -1;
	}
	json_object_foreach(lines, k, v)
	{
		l = &p->lines[p->nlines++];
		l->text = json_string_value(v);
		if (voice_say(sc->voice, l->text, &l->audio, &l->n, err,
		        sizeof(err)) != 0) {
			call_fail(r,
			    "persona line %s: cannot synthesise "
			    "\"%s\": %s",
			    k, l->text, err);
			return -1;
		}
		if (voice_line(&sc->line, call_seed(sc, 100 + p->nlines),
		        &l->audio, &l->n) != 0) {
			call_fail(r, "out of memory");
			return -1;
		}
	}
	return 0;
}

static int
synth_turns(
    const struct scenario *sc, struct session_plan *p, struct call_result *r)
{
	char err[256];
	size_t i;

	if (sc->persona && synth_lines(sc, p, r) != 0)
		return -1;
	for (i = 0; i < sc->nturns; i++) {
		if (sc->turns[i].kind != TURN_SAY)
			continue;
		if (sc->turns[i].audio) { /* recorded: send as is */
			if ((p->speech[i] = malloc(sc->turns[i].audio_n)) ==
			    NULL) {
				call_fail(r, "out of memory");
				return -1;
			}
			memcpy(p->speech[i], sc->turns[i].audio,
			    sc->turns[i].audio_n);
			p->speech_n[i] = sc->turns[i].audio_n;
			continue;
		}
		if (sc->turns[i].text == NULL) /* a persona's: said live */
			continue;
		if (voice_say(sc->voice, sc->turns[i].text, &p->speech[i],
		        &p->speech_n[i], err, sizeof(err)) != 0) {
			call_fail(r, "turn %zu: cannot synthesise \"%s\": %s",
			    i, sc->turns[i].text, err);
			return -1;
		}
		if (voice_line(&sc->line, call_seed(sc, i), &p->speech[i],
		        &p->speech_n[i]) != 0) {
			call_fail(r, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* The voice webhook, exactly as Twilio posts it.  A call the stack
 * placed (setup) runs on the stack's clock: its callee's scenario pins no
 * FdNow. */
static int
dial(const struct scenario *sc, const struct call_opts *o,
    const struct call_setup *setup, struct call_result *r, struct twiml *tw)
{
	const char *from = setup && setup->from ? setup->from : sc->from;
	const char *to = setup && setup->to ? setup->to : sc->to;
	const char *dir =
	    setup && setup->direction ? setup->direction : "inbound";
	struct fd_form f = {NULL, 0};
	char pub[1024], err[512];
	int rv = -1;

	if (setup && setup->webhook_url)
		snprintf(pub, sizeof(pub), "%s", setup->webhook_url);
	else
		snprintf(pub, sizeof(pub), "%s/twilio/voice", o->public_url);
	if (call_form_voice(&f, r->call_sid, r->account_sid, from, to, dir) ||
	    (sc->now && setup == NULL && call_form_add(&f, "FdNow", sc->now)) ||
	    (setup && setup->answered_by &&
	        call_form_add(&f, "AnsweredBy", setup->answered_by))) {
		call_fail(r, "out of memory");
		goto out;
	}
	if (call_webhook(o, pub, &f, tw, err, sizeof(err)) != 0)
		call_fail(r, "%s", err);
	else
		rv = 0;
out:
	fd_form_free(&f);
	return rv;
}

int
call_form_voice(struct fd_form *f, const char *call_sid,
    const char *account_sid, const char *from, const char *to, const char *dir)
{
	return call_form_add(f, "CallSid", call_sid) ||
	        call_form_add(f, "AccountSid", account_sid) ||
	        call_form_add(f, "From", from) || call_form_add(f, "To", to) ||
	        call_form_add(f, "CallStatus",
	            strcmp(dir, "inbound") ? "in-progress" : "ringing") ||
	        call_form_add(f, "ApiVersion", "2010-04-01") ||
	        call_form_add(f, "Direction", dir) ||
	        call_form_add(f, "Caller", from) ||
	        call_form_add(f, "Called", to)
	    ? -1
	    : 0;
}

int
call_webhook(const struct call_opts *o, const char *pub,
    const struct fd_form *f, struct twiml *tw, char *err, size_t errlen)
{
	if (call_post_twiml(o, pub, f, tw, err, errlen) != 0)
		return -1;
	if (tw->stream_url == NULL && !tw->record) {
		snprintf(err, errlen,
		    "voice webhook answer has no <Connect>"
		    "<Stream url>%s",
		    tw->hangup ? " (it hangs up)" : "");
		return -1;
	}
	return 0;
}

int
call_post_twiml(const struct call_opts *o, const char *pub,
    const struct fd_form *f, struct twiml *tw, char *err, size_t errlen)
{
	struct http_reply hr;
	char post[1024], sig[64], perr[128];
	int rv = -1;

	memset(tw, 0, sizeof(*tw));
	snprintf(post, sizeof(post), "%s%s", o->gateway, call_url_path(pub));
	if (o->token)
		fd_twilio_sign(o->token, pub, f, sig);
	if (http_post_form(post, f, o->token ? sig : NULL, &hr) != 0) {
		snprintf(
		    err, errlen, "voice webhook POST %s: %s", post, hr.err);
		return -1;
	}
	if (hr.status != 200)
		snprintf(err, errlen, "voice webhook POST %s: HTTP %ld: %.120s",
		    post, hr.status, hr.body ? hr.body : "");
	else if (twiml_parse(hr.body, tw, perr, sizeof(perr)) != 0)
		snprintf(err, errlen, "webhook %s answer: %s: %.120s", pub,
		    perr, hr.body ? hr.body : "");
	else
		rv = 0;
	if (o->verbose)
		log_info(fd_form_get(f, "CallSid"), "webhook %s -> %ld %s",
		    post, hr.status, hr.body ? hr.body : "");
	http_reply_free(&hr);
	return rv;
}

/* The <Stream url> is the public wss:// address; callsim opens the same
 * path on --gateway's host and port: plain ws:// to a gateway, wss:// to
 * a TLS terminator (an https:// --gateway). */
int
call_plan_stream(const struct call_opts *o, const struct twiml *tw,
    struct session_plan *p, struct call_result *r)
{
	if (strncmp(tw->stream_url, "wss://", 6) != 0)
		log_warnx(r->call_sid,
		    "<Stream url=\"%s\">: Twilio requires "
		    "wss://",
		    tw->stream_url);
	if (http_split_hostport(
	        o->gateway, p->host, sizeof(p->host), &p->port) != 0) {
		call_fail(r, "bad --gateway URL %s", o->gateway);
		return -1;
	}
	p->tls = strncmp(o->gateway, "https://", 8) == 0;
	snprintf(p->path, sizeof(p->path), "%s", call_url_path(tw->stream_url));
	if (o->token)
		fd_twilio_sign(o->token, tw->stream_url, NULL, p->signature);
	p->params = &tw->params;
	return 0;
}

static void
hear(const struct scenario *sc, struct session_plan *p, struct call_result *r)
{
	char text[4096];
	size_t i;

	if (voice_hear(p->replies[0].pcm, p->replies[0].n, p->replies[0].cuts,
	        p->replies[0].ncuts, text, sizeof(text)) == 0)
		r->greeting = strdup(text);
	for (i = 0; i < sc->nturns; i++) {
		if (p->replies[i + 1].n == 0)
			continue;
		if (voice_hear(p->replies[i + 1].pcm, p->replies[i + 1].n,
		        p->replies[i + 1].cuts, p->replies[i + 1].ncuts, text,
		        sizeof(text)) == 0)
			r->turns[i].heard = strdup(text);
	}
}

/* The agent writes the record as the call ends; give it ~8 s (a loaded
 * host's crm-tools can take a second or more per write). */
static void
fetch_record(
    const struct scenario *sc, const struct call_opts *o, struct call_result *r)
{
	char url[1024];
	struct http_reply hr;
	json_t *j, *out;
	/* a voicemail is fetched and transcribed first */
	uint64_t until = fd_mono_us() + (r->recorded ? 60000000 : 8000000);
	int want = sc->expect.outcome || sc->expect.appts_set;

	snprintf(
	    url, sizeof(url), "%s/api/v1/calls/%s", o->gateway, r->call_sid);
	for (;;) {
		j = NULL;
		if (http_get(url, o->api_token, &hr) == 0 && hr.status == 200 &&
		    hr.body)
			j = json_loads(hr.body, 0, NULL);
		if (j) {
			json_decref(r->record);
			r->record = j;
			out = json_object_get(j, "outcome");
			if (!sc->expect.outcome ||
			    (json_is_string(out) &&
			        json_string_length(out) > 0))
				break;
		}
		if (!want || fd_mono_us() > until) {
			if (r->record == NULL && want && hr.status)
				call_fail(r, "GET %s: HTTP %ld %.100s", url,
				    hr.status, hr.body ? hr.body : "");
			else if (r->record == NULL && want)
				call_fail(r, "GET %s: %s", url, hr.err);
			break;
		}
		http_reply_free(&hr);
		fd_sleep_us(250000);
	}
	http_reply_free(&hr);
}

int
call_form_add(struct fd_form *f, const char *k, const char *v)
{
	struct fd_kv *nkv;

	if ((nkv = realloc(f->kv, (f->n + 1) * sizeof(*nkv))) == NULL)
		return -1;
	f->kv = nkv;
	nkv[f->n].key = strdup(k);
	nkv[f->n].val = strdup(v);
	f->n++;
	return nkv[f->n - 1].key && nkv[f->n - 1].val ? 0 : -1;
}

const char *
call_url_path(const char *url)
{
	const char *p = strstr(url, "://"), *slash;

	p = p ? p + 3 : url;
	slash = strchr(p, '/');
	return slash ? slash : "/";
}
