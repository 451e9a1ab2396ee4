/*
 * agent_spec.c - the speculative reply (agent_spec.h): the brain run on a
 * copy of the call with a recording core, the reply's first utterance
 * held at tts-worker, then committed or dropped by the turn's final.
 * Called by agent_call.c on the call's worker; talks to tts-worker and
 * crm-tools only through the struct spec_io the core gives it.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_spec.h"
#include "log.h"

#define SPEC_MAX_FX 16 /* what one reply does, at most */

enum fx_kind { FX_SAY, FX_HINT, FX_HANGUP, FX_TRANSFER, FX_OUTCOME };

/* One thing the brain did, to be done on commit. */
struct fx {
	enum fx_kind kind;
	char *a; /* say: text; hint: expect; hangup, transfer: reason;
		    outcome: outcome */
	char *b; /* transfer: to; outcome: notes */
	int close; /* say */
	json_t *words; /* hint: array of strings */
	uint32_t held; /* say: its held utterance id, 0 not held */
};

struct spec {
	struct brain_call bc; /* the copy the brain ran on */
	const struct core_ops *rcore; /* the real core (its clock) */
	void *rarg;
	const struct spec_io *io;
	void *io_arg;
	char words[1024]; /* the hypothesis, normalised */
	double conf;
	int64_t start_ms;
	struct fx fx[SPEC_MAX_FX];
	int nfx;
	uint32_t held; /* the held utterance, 0 none */
	int nsays; /* utterances the reply has */
	char stopped[64]; /* why it cannot be committed, "" it can */
};

/* Tools that only read what crm-tools holds: no record, no call state
 * on the crm-tools side (lookup_customer and verify_caller raise the
 * call's identity level, so they are not here). */
static const char *const read_only[] = {"find_slots", "get_available_slots",
    "get_upcoming_appointments", "vehicle_status", "decode_vin", NULL};

int
spec_read_only_tool(const char *name)
{
	int i;

	for (i = 0; read_only[i]; i++)
		if (strcmp(name, read_only[i]) == 0)
			return 1;
	return 0;
}

void
spec_normalise(const char *text, char *out, size_t len)
{
	size_t o = 0;
	int gap = 0;

	if (len == 0)
		return;
	for (; *text && o + 2 < len; text++) {
		unsigned char ch = (unsigned char)*text;

		/* an apostrophe joins ("that's" is one word) */
		if (ch == '\'')
			continue;
		if (!isalnum(ch)) {
			gap = o > 0;
			continue;
		}
		if (gap)
			out[o++] = ' ';
		gap = 0;
		out[o++] = (char)tolower(ch);
	}
	out[o] = '\0';
}

static void
stop(struct spec *s, const char *why)
{
	if (s->stopped[0])
		return;
	snprintf(s->stopped, sizeof(s->stopped), "%s", why);
	log_info(s->bc.st.call_id, "speculation stopped: %s", why);
	/* nothing of it will play: tts-worker may stop now */
	if (s->held) {
		s->io->cancel(s->io_arg, s->held);
		s->held = 0;
	}
}

static struct fx *
fx_add(struct spec *s, enum fx_kind kind)
{
	struct fx *f;

	if (s->stopped[0])
		return NULL;
	if (s->nfx == SPEC_MAX_FX) {
		stop(s, "too long a reply");
		return NULL;
	}
	f = &s->fx[s->nfx++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	return f;
}

static char *
dup0(const char *s)
{
	return strdup(s ? s : "");
}

/* ---- the recording core the brain runs on ---- */

static void
rec_say(void *arg, const char *text, int close)
{
	struct spec *s = arg;
	struct fx *f;

	if ((f = fx_add(s, FX_SAY)) == NULL)
		return;
	f->a = dup0(text);
	f->close = close;
	if (f->a == NULL) {
		stop(s, "out of memory");
		return;
	}
	/* the first utterance of the reply is synthesised now, held */
	if (s->nsays++ == 0) {
		s->held = s->io->hold(s->io_arg, f->a, close);
		f->held = s->held;
	}
}

static json_t *
rec_tool(void *arg, const char *name, json_t *args)
{
	struct spec *s = arg;
	char why[64];

	if (s->stopped[0] || !spec_read_only_tool(name)) {
		if (!s->stopped[0]) {
			snprintf(
			    why, sizeof(why), "%s waits for the final", name);
			stop(s, why);
		}
		json_decref(args);
		return NULL;
	}
	return s->io->tool(s->io_arg, name, args);
}

static void
rec_hint(void *arg, const char *expect, const char *const *words, size_t n)
{
	struct spec *s = arg;
	struct fx *f;
	size_t i;

	if ((f = fx_add(s, FX_HINT)) == NULL)
		return;
	f->a = dup0(expect);
	f->words = json_array();
	if (f->a == NULL || f->words == NULL) {
		stop(s, "out of memory");
		return;
	}
	for (i = 0; words && i < n; i++)
		json_array_append_new(f->words, json_string(words[i]));
}

static void
rec_hangup(void *arg, const char *reason)
{
	struct fx *f;

	if ((f = fx_add(arg, FX_HANGUP)) != NULL &&
	    (f->a = dup0(reason)) == NULL)
		stop(arg, "out of memory");
}

static void
rec_transfer(void *arg, const char *to, const char *reason)
{
	struct fx *f;

	if ((f = fx_add(arg, FX_TRANSFER)) != NULL &&
	    ((f->a = dup0(reason)) == NULL || (f->b = dup0(to)) == NULL))
		stop(arg, "out of memory");
}

static void
rec_outcome(void *arg, const char *outcome, const char *notes)
{
	struct fx *f;

	if ((f = fx_add(arg, FX_OUTCOME)) != NULL &&
	    ((f->a = dup0(outcome)) == NULL || (f->b = dup0(notes)) == NULL))
		stop(arg, "out of memory");
}

static time_t
rec_now(void *arg)
{
	struct spec *s = arg;

	return s->rcore->now(s->rarg);
}

static const struct core_ops rec_core = {
    rec_say,
    rec_tool,
    rec_hint,
    rec_hangup,
    rec_transfer,
    rec_outcome,
    rec_now,
};

/* ---- running, committing, dropping ---- */

static void
spec_free(struct spec *s)
{
	int i;

	for (i = 0; i < s->nfx; i++) {
		free(s->fx[i].a);
		free(s->fx[i].b);
		json_decref(s->fx[i].words);
	}
	free(s);
}

struct spec *
spec_run(const struct brain_ops *b, const struct brain_call *real,
    const struct spec_io *io, void *io_arg, const char *text, double conf,
    int64_t start_ms, const json_t *nbest, const json_t *words)
{
	struct spec *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	/* the copy: the call state by value; a speculative brain keeps
	 * nothing of the call elsewhere (priv) */
	s->bc = *real;
	s->bc.core = &rec_core;
	s->bc.core_arg = s;
	s->bc.priv = NULL;
	s->bc.nbest = nbest;
	s->bc.words = words;
	s->rcore = real->core;
	s->rarg = real->core_arg;
	s->io = io;
	s->io_arg = io_arg;
	s->conf = conf;
	s->start_ms = start_ms;
	spec_normalise(text, s->words, sizeof(s->words));
	b->on_utterance(&s->bc, text, conf);
	s->bc.nbest = s->bc.words = NULL;
	log_debug(s->bc.st.call_id, "speculation on \"%s\": %d step(s)%s%s",
	    text, s->nfx, s->stopped[0] ? ", stopped: " : "", s->stopped);
	return s;
}

int
spec_matches(
    const struct spec *s, const char *text, double conf, int64_t start_ms)
{
	char w[sizeof(s->words)];

	spec_normalise(text, w, sizeof(w));
	return s->stopped[0] == '\0' && strcmp(w, s->words) == 0 &&
	    start_ms == s->start_ms && fabs(conf - s->conf) < 1e-6;
}

const char *
spec_stopped(const struct spec *s)
{
	return s->stopped;
}

void
spec_commit(struct spec *s, struct brain_call *real)
{
	const struct core_ops *core = real->core;
	void *arg = real->core_arg;
	const char *words[64];
	struct fx *f;
	size_t n, i;
	int k;

	real->st = s->bc.st;
	for (k = 0; k < s->nfx; k++) {
		f = &s->fx[k];
		switch (f->kind) {
		case FX_SAY:
			if (f->held)
				s->io->release(
				    s->io_arg, f->held, f->a, f->close);
			else
				core->say(arg, f->a, f->close);
			break;
		case FX_HINT:
			n = 0;
			for (i = 0; i < json_array_size(f->words) && n < 64;
			     i++)
				words[n++] = json_string_value(
				    json_array_get(f->words, i));
			core->hint(arg, f->a, n ? words : NULL, n);
			break;
		case FX_HANGUP:
			core->hangup_after(arg, f->a);
			break;
		case FX_TRANSFER:
			core->transfer(arg, f->b, f->a);
			break;
		case FX_OUTCOME:
			core->set_outcome(arg, f->a, f->b);
			break;
		}
	}
	s->held = 0;
	spec_free(s);
}

void
spec_drop(struct spec *s, const char *why)
{
	if (s->held)
		s->io->cancel(s->io_arg, s->held);
	log_info(s->bc.st.call_id, "speculation on \"%s\" dropped: %s",
	    s->words, why);
	spec_free(s);
}
