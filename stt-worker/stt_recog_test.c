/*
 * stt_recog_test.c - real recognition on telephone-faithful speech: flite
 * voices (kal, slt, awb) taken to 8 kHz with a proper low-pass and through
 * mu-law.  Checks the key words (service, day, time, digits) with the
 * domain language model through ps8k, then runs the streaming engine with
 * one decoder shared by three simultaneous callers (audio waits, nothing
 * is lost), the pool growing a decoder for each of three callers talking
 * at once, and the language model rebuild on hinted words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/bench_corpus.h"
#include "business.h"
#include "clock.h"
#include "speech/domain_corpus.h"
#include "speech/domain_lm.h"
#include "speech/ps_decoder.h"
#include "tests/harness/flite_synth.h"
#include "log.h"
#include "mulaw.h"
#include "ps_lm.h"
#include "stt_engine.h"

static const char *const voices[] = {"kal", "slt", "awb"};

struct expect {
	const char *text;
	const char *must[4]; /* phrases that must be heard */
};

static const struct expect utts[] = {
    {"book an oil change next tuesday at ten",
        {"oil change", "tuesday", "ten", NULL}},
    {"my phone number is five five five one two three four",
        {"five five", "one two three four", NULL}},
    {"yes that's right", {"yes", NULL}},
    {"i want to cancel my appointment", {"cancel", "appointment", NULL}},
};

static int
write_line(void *arg, const char *s)
{
	return fprintf(arg, "%s\n", s) < 0;
}

static void
test_ps8k_domain(void **state)
{
	struct fd_business b;
	char corpus[] = "/tmp/stt-recog-corpus-XXXXXX", err[256], text[512];
	struct ps8k *d;
	size_t i, v, k, n, heard, total;
	double conf;
	int16_t *pcm;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(fd_business_load(NULL, &b, err, sizeof(err)), 0);
	assert_true((fd = mkstemp(corpus)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	assert_int_equal(domain_corpus(&b, NULL, 0, write_line, f), 0);
	fclose(f);
	d = ps8k_open(corpus, err, sizeof(err));
	unlink(corpus);
	if (d == NULL)
		fail_msg("ps8k_open: %s", err);
	for (i = 0; i < sizeof(utts) / sizeof(utts[0]); i++) {
		heard = total = 0;
		for (v = 0; v < 3; v++) {
			assert_non_null(
			    pcm = flite_synth_8k(voices[v], utts[i].text, &n));
			assert_int_equal(
			    ps8k_decode(d, pcm, n, text, sizeof(text), &conf),
			    0);
			free(pcm);
			print_message("%s: \"%s\" -> \"%s\" (%.2f)\n",
			    voices[v], utts[i].text, text, conf);
			for (k = 0; utts[i].must[k]; k++) {
				total++;
				heard += slot_found(text, utts[i].must[k]);
			}
			assert_true(conf >= 0 && conf <= 1);
		}
		/* every key phrase in at least two of the three voices, and
		 * nearly all of them overall */
		if (heard * 10 < total * 8)
			fail_msg("\"%s\": %zu of %zu key phrases heard",
			    utts[i].text, heard, total);
	}
	/* a nonsense utterance has lower confidence than a clean one */
	pcm = flite_synth_8k("slt", "yes that's right", &n);
	ps8k_decode(d, pcm, n, text, sizeof(text), &conf);
	free(pcm);
	{
		double good = conf;
		pcm = flite_synth_8k("slt",
		    "the purple elephant sings opera "
		    "loudly",
		    &n);
		ps8k_decode(d, pcm, n, text, sizeof(text), &conf);
		free(pcm);
		assert_true(conf < good);
	}
	ps8k_close(d);
}

/* Decode one flite utterance on d; the hypothesis into text. */
static void
hear(struct ps_dec *d, const char *voice, const char *said, char *text,
    size_t len)
{
	int16_t *pcm;
	double conf;
	size_t n;

	assert_non_null(pcm = flite_synth_8k(voice, said, &n));
	assert_int_equal(psd_start_from(d, NULL), 0);
	assert_int_equal(psd_feed(d, pcm, n), 0);
	assert_int_equal(psd_end(d, text, len, &conf), 0);
	free(pcm);
	print_message("%s: \"%s\" -> \"%s\"\n", voice, said, text);
}

/* Decode one flite utterance as stt-worker does an answer to a question:
 * the language model, then expect's grammar (psd_hinted_pass).  Returns
 * what psd_hinted_pass did. */
static int
hear_hinted(struct ps_dec *d, const char *voice, const char *said,
    const char *expect, char *text, size_t len)
{
	struct psd_pass_info info;
	struct psd_detail det;
	int16_t *pcm;
	double conf;
	size_t n;
	int rc;

	assert_non_null(pcm = flite_synth_8k(voice, said, &n));
	assert_int_equal(psd_hint(d, NULL), 0);
	assert_int_equal(psd_start_from(d, NULL), 0);
	assert_int_equal(psd_feed(d, pcm, n), 0);
	assert_int_equal(psd_end(d, text, len, &conf), 0);
	psd_detail(d, conf, &det);
	rc = psd_hinted_pass(
	    d, expect, NULL, pcm, n, text, len, &conf, &det, &info);
	free(pcm);
	print_message("%s: \"%s\" -> model \"%s\" (%.2f), grammar \"%s\": "
	              "\"%s\"\n",
	    voice, said, info.model, info.model_conf, info.grammar, text);
	assert_true(rc >= 0);
	if (rc == 1)
		assert_string_equal(det.alt[0], text);
	return rc;
}

/* 1 if text's first word is one of list (NULL-terminated). */
static int
first_word_in(const char *text, const char *const *list)
{
	size_t len = strcspn(text, " ");

	for (; *list; list++)
		if (strlen(*list) == len && strncmp(text, *list, len) == 0)
			return 1;
	return 0;
}

/* psd_polarity reads a yes and a no as the agent does: the first cue
 * from the left, a no's first at the same word. */
static void
test_polarity(void **state)
{
	(void)state;
	assert_int_equal(psd_polarity("yes please"), 1);
	assert_int_equal(psd_polarity("uh correct thanks"), 1);
	assert_int_equal(psd_polarity("sounds good"), 1);
	assert_int_equal(psd_polarity("no that's it thanks"), -1);
	assert_int_equal(psd_polarity("that's it thanks"), -1);
	assert_int_equal(psd_polarity("that's not right"), -1);
	assert_int_equal(psd_polarity("incorrect"), -1);
	assert_int_equal(psd_polarity("yeah(2) no"), 1);
	assert_int_equal(psd_polarity("nope"), -1);
	assert_int_equal(psd_polarity("i want to cancel my appointment"), 0);
	assert_int_equal(psd_polarity("nothing"), 0);
	assert_int_equal(psd_polarity("that's"), 0);
	assert_int_equal(psd_polarity(""), 0);
}

/* The slot grammars' own search settings (psd_opts.grammar_search) are
 * theirs alone: the language model, also one loaded after the grammars,
 * hears an utterance the same, word for word and to the confidence, with
 * them and without. */
static void
model_keeps_settings(struct psd_opts *o)
{
	static const char *const gs[] = {NULL, ""};
	char text[2][512], err[256];
	double conf[2];
	struct ps_dec *d;
	int16_t *pcm;
	size_t n, i;

	assert_non_null(pcm = flite_synth_8k(
	                    "slt", "my number is five five five one two", &n));
	for (i = 0; i < 2; i++) {
		o->grammar_search = gs[i];
		if ((d = psd_open(o, err, sizeof(err))) == NULL)
			fail_msg("psd_open: %s", err);
		/* a model loaded after the grammars (a rebuilt one) too */
		assert_int_equal(psd_set_lm(d, o->lm), 0);
		assert_int_equal(psd_hint(d, "digits"), 0);
		assert_int_equal(psd_hint(d, NULL), 0);
		assert_int_equal(psd_start_from(d, NULL), 0);
		assert_int_equal(psd_feed(d, pcm, n), 0);
		assert_int_equal(
		    psd_end(d, text[i], sizeof(text[i]), &conf[i]), 0);
		psd_close(d);
	}
	free(pcm);
	o->grammar_search = NULL;
	assert_string_equal(text[0], text[1]);
	assert_true(conf[0] == conf[1]);
	/* a setting pocketsphinx does not have fails the start */
	o->grammar_search = "-nope 1";
	assert_null(psd_open(o, err, sizeof(err)));
	assert_non_null(strstr(err, "grammar search"));
	o->grammar_search = NULL;
}

/* psd_hint: a yes/no or digits question is searched with its grammar
 * (only its phrases come out, a phone number has ten digits), anything
 * else with the language model, and a model swap goes back to it. */
static void
test_hint_grammars(void **state)
{
	struct fd_business b;
	char corpus[] = "/tmp/stt-recog-corpus-XXXXXX",
	     lm[] = "/tmp/stt-recog-lm-XXXXXX", err[256], text[512];
	struct psd_opts o;
	static const char *const yes[] = {"yes", "yeah", "yep", "yup", NULL};
	static const char *const no[] = {"no", "nope", "nah", NULL};
	struct ps_dec *d;
	size_t v, nd, exact = 0, exact2 = 0, more = 0, refused = 0;
	const char *p;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(fd_business_load(NULL, &b, err, sizeof(err)), 0);
	assert_true((fd = mkstemp(corpus)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	assert_int_equal(domain_corpus(&b, NULL, 0, write_line, f), 0);
	fclose(f);
	assert_true((fd = mkstemp(lm)) >= 0);
	close(fd);
	psd_defaults(&o);
	if (corpus_lm_build(corpus, o.dict, lm, NULL, err, sizeof(err)) != 0)
		fail_msg("lm: %s", err);
	unlink(corpus);
	o.lm = lm;
	o.grammars = 1;
	if ((d = psd_open(&o, err, sizeof(err))) == NULL)
		fail_msg("psd_open: %s", err);
	for (v = 0; v < 3; v++) {
		assert_int_equal(psd_hint(d, "yesno"), 0);
		hear(d, voices[v], "no thank you", text, sizeof(text));
		assert_true(first_word_in(text, no));
		hear(d, voices[v], "yes please", text, sizeof(text));
		assert_true(first_word_in(text, yes));
		assert_int_equal(psd_hint(d, "digits"), 0);
		hear(d, voices[v],
		    "two oh one, five five five, one two three "
		    "four",
		    text, sizeof(text));
		for (nd = 0, p = text; *p; p++)
			nd += *p == ' ';
		assert_int_equal(nd + 1, 10);
		exact += strcmp(text,
		             "two oh one five five five one two "
		             "three four") == 0;
		/* the question is over: the language model again */
		assert_int_equal(psd_hint(d, "any"), 0);
		hear(d, voices[v], "book an oil change next tuesday at ten",
		    text, sizeof(text));
		assert_true(slot_found(text, "oil change"));
	}
	assert_true(exact >= 2);
	/* the grammar as a second pass: an answer in it comes out as one
	 * of its phrases, one that is not in it as the model heard it */
	for (v = 0; v < 3; v++) {
		hear_hinted(
		    d, voices[v], "yes please", "yesno", text, sizeof(text));
		assert_true(first_word_in(text, yes));
		assert_int_equal(
		    hear_hinted(d, voices[v], "i want to cancel my appointment",
		        "yesno", text, sizeof(text)),
		    0);
		assert_non_null(strstr(text, "cancel"));
		hear_hinted(d, voices[v],
		    "five five five, one two three, "
		    "four five six seven",
		    "digits", text, sizeof(text));
		for (nd = 0, p = text; *p; p++)
			nd += *p == ' ';
		assert_int_equal(nd + 1, 10);
		exact2 += strcmp(text,
		              "five five five one two three four "
		              "five six seven") == 0;
		/* no grammar for a date: the model's, untouched */
		assert_int_equal(hear_hinted(d, voices[v], "next tuesday",
		                     "date", text, sizeof(text)),
		    0);
		/* a no with a correction after it: the model's, with the
		 * correction, however unsure it is */
		hear_hinted(d, voices[v], "no, make it wednesday", "yesno",
		    text, sizeof(text));
		more += first_word_in(text, no) &&
		    strstr(text, "wednesday") != NULL;
		/* the grammar never flips the caller's polarity: a no that
		 * closes "anything else?" stays a no */
		hear_hinted(d, voices[v], "no, that's it. thanks.", "yesno",
		    text, sizeof(text));
		assert_true(psd_polarity(text) <= 0);
		/* no digits to give: not made a number */
		hear_hinted(d, voices[v], "no, i don't have it", "digits", text,
		    sizeof(text));
		refused += first_word_in(text, no);
	}
	assert_true(exact2 >= 2);
	assert_true(more >= 2);
	assert_true(refused >= 2);
	/* a rebuilt model while a grammar is searched: the model wins */
	assert_int_equal(psd_hint(d, "yesno"), 0);
	assert_int_equal(psd_set_lm(d, lm), 0);
	hear(d, "kal", "book an oil change next tuesday at ten", text,
	    sizeof(text));
	assert_true(slot_found(text, "oil change"));
	psd_close(d);
	model_keeps_settings(&o);
	unlink(lm);
}

/* The "name" grammar: a given name and a surname of the lists, and
 * after psd_set_names also the names the business knows. */
static void
test_name_grammar_known(void **state)
{
	char first[] = "/tmp/stt-recog-first-XXXXXX",
	     last[] = "/tmp/stt-recog-last-XXXXXX", err[256], text[512];
	static const char *const words[] = {"ophelia", "zimmerman"};
	struct psd_opts o;
	struct ps_dec *d;
	size_t v, heard = 0;
	FILE *f;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(first)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs("# given names\njames\nmary\nrobert\npatricia\n", f);
	fclose(f);
	assert_true((fd = mkstemp(last)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs("smith\njohnson\nwilliams\nbrown\n", f);
	fclose(f);
	psd_defaults(&o);
	o.grammars = 1;
	o.names_first = first;
	o.names_last = last;
	if ((d = psd_open(&o, err, sizeof(err))) == NULL)
		fail_msg("psd_open: %s", err);
	unlink(first);
	unlink(last);
	assert_int_equal(psd_hint(d, "name"), 0);
	hear(d, "kal", "mary johnson", text, sizeof(text));
	assert_string_equal(text, "mary johnson");
	/* a name the lists lack cannot come out before it is known */
	hear(d, "kal", "ophelia zimmerman", text, sizeof(text));
	assert_null(strstr(text, "zimmerman"));
	/* rebuilt while it is the search in use */
	assert_int_equal(psd_set_names(d, words, 2), 0);
	for (v = 0; v < 3; v++) {
		assert_int_equal(psd_hint(d, "name"), 0);
		hear(d, voices[v], "ophelia zimmerman", text, sizeof(text));
		heard += strcmp(text, "ophelia zimmerman") == 0;
		hear(d, voices[v], "robert williams", text, sizeof(text));
		assert_string_equal(text, "robert williams");
	}
	assert_true(heard >= 2);
	psd_close(d);
}

/* psd_detail: the best hypothesis first among the alternatives, every
 * word of it with a confidence; psd_hint "spell": letters in the NATO
 * alphabet come out as those words. */
static void
test_detail_and_spell(void **state)
{
	char err[256], text[512];
	struct psd_detail det;
	struct psd_opts o;
	struct ps_dec *d;
	int16_t *pcm;
	double conf;
	size_t n, words;
	const char *p;
	int i;

	(void)state;
	psd_defaults(&o);
	o.grammars = 1;
	if ((d = psd_open(&o, err, sizeof(err))) == NULL)
		fail_msg("psd_open: %s", err);
	assert_non_null(pcm = flite_synth_8k("kal", "yes please", &n));
	assert_int_equal(psd_start_from(d, NULL), 0);
	assert_int_equal(psd_feed(d, pcm, n), 0);
	assert_int_equal(psd_end(d, text, sizeof(text), &conf), 0);
	free(pcm);
	psd_detail(d, conf, &det);
	print_message("\"%s\" (%.2f): %d alternative(s), %d word(s)\n", text,
	    conf, det.nalts, det.nwords);
	assert_true(text[0] != '\0');
	assert_true(det.nalts >= 1 && det.nalts <= PSD_NBEST);
	assert_string_equal(det.alt[0], text);
	assert_string_equal(det.alt_p[0], text);
	for (words = 1, p = text; *p; p++)
		words += *p == ' ';
	assert_int_equal((size_t)det.nwords, words);
	for (i = 0; i < det.nwords; i++) {
		assert_non_null(strstr(text, det.word_p[i]));
		assert_true(det.word_conf[i] >= 0 && det.word_conf[i] <= 1);
	}
	for (i = 1; i < det.nalts; i++) {
		assert_string_not_equal(det.alt[i], text);
		assert_true(det.alt_conf[i] <= conf);
	}
	assert_int_equal(psd_hint(d, "spell"), 0);
	hear(d, "kal", "bravo, romeo, oscar, whiskey, november", text,
	    sizeof(text));
	/* the radio words in order (a stretched "o" may come out as a
	 * letter of its own: the agent reads the radio words alone then) */
	for (p = text, i = 0; i < 5; i++) {
		static const char *const nato[] = {
		    "bravo", "romeo", "oscar", "whiskey", "november"};

		assert_non_null(p = strstr(p, nato[i]));
		p += strlen(nato[i]);
	}
	psd_close(d);
}

/* --- the streaming engine ----------------------------------------------*/

struct heard {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started, stopped, interim, finals;
	uint32_t started_at;
	char text[512];
	double conf;
	/* stable interims (the speculative final): how many, the first's
	 * words and confidence, and how many came after the final */
	int stables, stable_after_final;
	int went_on; /* speech_started or a plain interim after the first
			stable, before the final: the caller went on */
	char stable_text[512];
	double stable_conf;
	uint64_t speech_end_us, final_us;
	uint64_t interim_us; /* the first interim's arrival */
};

static void
on_started(void *arg, uint32_t at)
{
	struct heard *h = arg;

	pthread_mutex_lock(&h->mu);
	if (h->started++ == 0)
		h->started_at = at;
	h->went_on += h->stables > 0 && h->finals == 0;
	pthread_mutex_unlock(&h->mu);
}

static void
on_stopped(void *arg, uint32_t at, uint32_t dur)
{
	struct heard *h = arg;

	(void)at;
	(void)dur;
	pthread_mutex_lock(&h->mu);
	h->stopped++;
	pthread_mutex_unlock(&h->mu);
}

static void
on_result(void *arg, const struct stt_result *r)
{
	struct heard *h = arg;

	pthread_mutex_lock(&h->mu);
	if (r->final) {
		if (h->finals++ == 0) {
			snprintf(h->text, sizeof(h->text), "%s", r->text);
			h->conf = r->confidence;
			h->speech_end_us = r->speech_end_us;
			h->final_us = fd_mono_us();
		}
		pthread_cond_broadcast(&h->cv);
	} else {
		if (h->interim++ == 0)
			h->interim_us = fd_mono_us();
		if (r->stable && h->stables++ == 0) {
			snprintf(h->stable_text, sizeof(h->stable_text), "%s",
			    r->text);
			h->stable_conf = r->confidence;
		}
		if (r->stable)
			h->stable_after_final += h->finals > 0;
		else
			h->went_on += h->stables > 0 && h->finals == 0;
	}
	pthread_mutex_unlock(&h->mu);
}

static const struct stt_events events = {on_started, on_stopped, on_result};

static uint8_t *
call_audio(const char *voice, const char *text, size_t *n)
{
	size_t np, lead = 4000, tail = 12000, i;
	int16_t *pcm = flite_synth_8k(voice, text, &np);
	uint8_t *u;

	assert_non_null(pcm);
	*n = lead + np + tail;
	u = malloc(*n);
	assert_non_null(u);
	memset(u, FD_ULAW_SILENCE, *n);
	for (i = 0; i < np; i++)
		u[lead + i] = fd_ulaw_encode(pcm[i]);
	free(pcm);
	return u;
}

/* Feed a call's audio as the gateway would: one 20 ms frame every 20 ms. */
static void
feed_realtime(const struct stt_engine_ops *ops, void *st, const uint8_t *audio,
    size_t len)
{
	uint64_t t0 = fd_mono_us(), due, now;
	size_t off;

	for (off = 0; off + FD_FRAME_SAMPLES <= len; off += FD_FRAME_SAMPLES) {
		due = t0 + off * 125; /* 125 us per sample */
		now = fd_mono_us();
		if (due > now)
			fd_sleep_us(due - now);
		ops->feed(st, audio + off, FD_FRAME_SAMPLES, fd_mono_us());
	}
}

/* Wait up to secs for the first final result. */
static void
wait_final(struct heard *h, int secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	pthread_mutex_lock(&h->mu);
	while (h->finals == 0)
		if (pthread_cond_timedwait(&h->cv, &h->mu, &ts))
			break;
	pthread_mutex_unlock(&h->mu);
}

/* A listener that has heard nothing yet. */
static void
heard_init(struct heard *h)
{
	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
}

/* The engine on the configuration `text` (the test fails if it does not
 * start). */
static void *
engine_on(const struct stt_engine_ops *ops, config_t *cfg, const char *text)
{
	char err[256];
	void *eng;

	config_init(cfg);
	assert_int_equal(config_read_string(cfg, text), CONFIG_TRUE);
	if (ops->init(cfg, &eng, err, sizeof(err)) != 0)
		fail_msg("init: %s", err);
	return eng;
}

static void
test_stream_pool(void **state)
{
	const struct stt_engine_ops *ops = stt_engine_find("pocketsphinx");
	struct heard h[3];
	void *eng, *st[3];
	uint8_t *audio[3];
	size_t len[3], off, i;
	config_t cfg;

	(void)state;
	assert_non_null(ops);
	assert_null(stt_engine_find("nope"));
	eng = engine_on(ops, &cfg,
	    "stt: { decoders = 1; decoders_max = 1; interim_ms = 200; };");
	for (i = 0; i < 3; i++) {
		heard_init(&h[i]);
		audio[i] =
		    call_audio(voices[i], utts[i == 2 ? 3 : i].text, &len[i]);
		st[i] = ops->stream_open(eng, "CAtest", &events, &h[i]);
		assert_non_null(st[i]);
	}
	ops->hint(st[1], "digits", NULL, 0);
	/* three callers talking at once, 20 ms frames interleaved, faster
	 * than real time: one decoder must serve them all in turn */
	for (off = 0;; off += FD_FRAME_SAMPLES) {
		int more = 0;
		for (i = 0; i < 3; i++)
			if (off < len[i]) {
				size_t n = len[i] - off < FD_FRAME_SAMPLES
				    ? len[i] - off
				    : FD_FRAME_SAMPLES;
				ops->feed(
				    st[i], audio[i] + off, n, fd_mono_us());
				more = 1;
			}
		if (!more)
			break;
	}
	for (i = 0; i < 3; i++) {
		wait_final(&h[i], 60);
		print_message("stream %zu: \"%s\" (%.2f) started %d at %u ms, "
		              "stopped %d, %d interim\n",
		    i, h[i].text, h[i].conf, h[i].started, h[i].started_at,
		    h[i].stopped, h[i].interim);
		assert_int_equal(h[i].finals, 1);
		assert_true(h[i].started >= 1);
		assert_true(h[i].stopped >= 1);
		/* flite starts speaking a little after its first sample */
		assert_true(h[i].started_at >= 480 && h[i].started_at < 1000);
		assert_true(h[i].speech_end_us > 0);
		assert_true(h[i].conf > 0 && h[i].conf <= 1);
	}
	assert_true(slot_found(h[0].text, "oil change"));
	assert_true(slot_found(h[0].text, "tuesday"));
	assert_true(slot_found(h[1].text, "one two three four"));
	assert_true(slot_found(h[2].text, "cancel"));

	/* a key press ends an open utterance at once */
	memset(&h[0].finals, 0, sizeof(int));
	for (off = 4000; off < 4000 + 8000; off += FD_FRAME_SAMPLES)
		ops->feed(
		    st[0], audio[0] + off, FD_FRAME_SAMPLES, fd_mono_us());
	ops->finalize(st[0]);
	wait_final(&h[0], 30);
	assert_int_equal(h[0].finals, 1);

	/* closing mid-utterance is clean */
	for (off = 4000; off < 4000 + 4000; off += FD_FRAME_SAMPLES)
		ops->feed(
		    st[2], audio[2] + off, FD_FRAME_SAMPLES, fd_mono_us());
	for (i = 0; i < 3; i++) {
		ops->stream_close(st[i]);
		free(audio[i]);
		pthread_mutex_destroy(&h[i].mu);
		pthread_cond_destroy(&h[i].cv);
	}
	ops->fini(eng);
	config_destroy(&cfg);
}

/* Three callers talking at once in real time, one decoder loaded at
 * start: the pool grows, so every caller is heard as it talks (an
 * interim for each before anyone's final) instead of after the others'
 * turns, and each is heard right. */
static void
test_stream_pool_grows(void **state)
{
	const struct stt_engine_ops *ops = stt_engine_find("pocketsphinx");
	struct heard h[3];
	void *eng, *st[3];
	uint8_t *audio[3];
	size_t len[3], off, i, j;
	uint64_t t0, due, now;
	config_t cfg;

	(void)state;
	eng = engine_on(ops, &cfg, "stt: { decoders = 1; decoders_max = 3; };");
	for (i = 0; i < 3; i++) {
		heard_init(&h[i]);
		audio[i] =
		    call_audio(voices[i], utts[i == 2 ? 3 : i].text, &len[i]);
		st[i] = ops->stream_open(eng, "CAgrow", &events, &h[i]);
		assert_non_null(st[i]);
	}
	ops->hint(st[1], "digits", NULL, 0);
	t0 = fd_mono_us();
	for (off = 0;; off += FD_FRAME_SAMPLES) {
		int more = 0;
		due = t0 + off * 125;
		now = fd_mono_us();
		if (due > now)
			fd_sleep_us(due - now);
		for (i = 0; i < 3; i++)
			if (off + FD_FRAME_SAMPLES <= len[i]) {
				ops->feed(st[i], audio[i] + off,
				    FD_FRAME_SAMPLES, fd_mono_us());
				more = 1;
			}
		if (!more)
			break;
	}
	for (i = 0; i < 3; i++) {
		wait_final(&h[i], 30);
		print_message("grown pool, stream %zu: \"%s\", %d interim\n", i,
		    h[i].text, h[i].interim);
		assert_int_equal(h[i].finals, 1);
	}
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			assert_true(h[i].interim > 0 &&
			    h[i].interim_us < h[j].final_us);
	assert_true(slot_found(h[0].text, "oil change"));
	assert_true(slot_found(h[1].text, "five five five one two three"));
	assert_true(slot_found(h[2].text, "cancel"));
	for (i = 0; i < 3; i++) {
		ops->stream_close(st[i]);
		free(audio[i]);
		pthread_mutex_destroy(&h[i].mu);
		pthread_cond_destroy(&h[i].cv);
	}
	ops->fini(eng);
	config_destroy(&cfg);
}

/* stt.search: pocketsphinx's own numeric and yes/no options pass; an
 * unknown one, a string one or a value that is no number fails the
 * start. */
static void
test_search_settings(void **state)
{
	static const char *const bad[] = {"-nope 1", "-maxhmmpf many",
	    "-hmm /tmp", "-topn", "-fwdflat maybe"};
	const struct stt_engine_ops *ops = stt_engine_find("pocketsphinx");
	char text[256], err[256];
	config_t cfg;
	void *eng;
	size_t i;

	(void)state;
	eng = engine_on(ops, &cfg,
	    "stt: { search = \"-maxhmmpf 3000 -topn 2 -pl_window 0 "
	    "-beam 1e-40 -fwdflat yes\"; };");
	ops->fini(eng);
	config_destroy(&cfg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(
		    text, sizeof(text), "stt: { search = \"%s\"; };", bad[i]);
		config_init(&cfg);
		assert_int_equal(config_read_string(&cfg, text), CONFIG_TRUE);
		assert_int_not_equal(
		    ops->init(&cfg, &eng, err, sizeof(err)), 0);
		assert_non_null(strstr(err, "search"));
		config_destroy(&cfg);
	}
}

/* One caller in real time: interim results while speaking, and the final
 * within endpoint + decoding of the last voiced frame. */
static void
test_stream_realtime(void **state)
{
	const struct stt_engine_ops *ops = stt_engine_find("pocketsphinx");
	struct heard h;
	void *eng, *st;
	uint8_t *audio;
	size_t len;
	config_t cfg;
	double delay_ms;

	(void)state;
	eng = engine_on(ops, &cfg, "stt: { decoders = 1; };");
	heard_init(&h);
	audio = call_audio("slt",
	    "i need to reschedule my appointment to "
	    "friday",
	    &len);
	assert_non_null(st = ops->stream_open(eng, "CArt", &events, &h));
	feed_realtime(ops, st, audio, len);
	wait_final(&h, 10);
	assert_int_equal(h.finals, 1);
	delay_ms = (h.final_us - h.speech_end_us) / 1000.0;
	print_message("realtime: \"%s\" %d interim, final %.0f ms after the "
	              "last voiced frame\n",
	    h.text, h.interim, delay_ms);
	assert_true(h.interim >= 2);
	assert_true(slot_found(h.text, "reschedule"));
	assert_true(slot_found(h.text, "friday"));
	/* endpoint 400 ms + the end of decoding; generous for slow hosts.
	 * Below: not at speech_stopped (200 ms), with room for a feeder
	 * that was late at the last voiced frame and caught up after it
	 * (the wall clock between them then runs short of the 400 ms of
	 * audio) */
	assert_true(delay_ms >= 300 && delay_ms < 3000);
	/* the early final (when the decoder was there to begin it within
	 * the silence) was reported at once, with the final's words and
	 * confidence, and nothing stable after the final */
	print_message(
	    "stable interims: %d (\"%s\")\n", h.stables, h.stable_text);
	assert_int_equal(h.stable_after_final, 0);
	if (h.stables == 1 && h.went_on == 0) {
		assert_string_equal(h.stable_text, h.text);
		assert_true(h.stable_conf == h.conf);
	}
	ops->stream_close(st);
	free(audio);
	ops->fini(eng);
	config_destroy(&cfg);
}

/* Two lines said by voice with gap samples of silence between them
 * (flite's own trailing and leading silence cut), after 0.5 s of silence
 * and before 1.5 s of it, as mu-law; *na is the first line's length. */
static uint8_t *
two_parts(const char *voice, const char *first, const char *second, size_t gap,
    size_t *na, size_t *len)
{
	int16_t *a, *b;
	uint8_t *audio;
	size_t nb, i, k;

	assert_non_null(a = flite_synth_8k(voice, first, na));
	assert_non_null(b = flite_synth_8k(voice, second, &nb));
	while (*na > 0 && abs(a[*na - 1]) < 300)
		(*na)--;
	for (k = 0; k < nb && abs(b[k]) < 300; k++)
		;
	*len = 4000 + *na + gap + nb + 12000;
	assert_non_null(audio = malloc(*len));
	memset(audio, FD_ULAW_SILENCE, *len);
	for (i = 0; i < *na; i++)
		audio[4000 + i] = fd_ulaw_encode(a[i]);
	for (i = k; i < nb; i++)
		audio[4000 + *na + gap + i - k] = fd_ulaw_encode(b[i]);
	free(a);
	free(b);
	return audio;
}

/* The caller pauses (300 ms: past speech_stopped, short of the endpoint)
 * and goes on.  The worker finishes the decode early during the pause and
 * must throw that away: one final holding both halves. */
static void
test_stream_pause_goes_on(void **state)
{
	const struct stt_engine_ops *ops = stt_engine_find("pocketsphinx");
	struct heard h;
	void *eng, *st;
	uint8_t *audio;
	size_t na, len, gap = 2400;
	config_t cfg;

	(void)state;
	eng = engine_on(ops, &cfg, "stt: { decoders = 1; };");
	heard_init(&h);
	audio = two_parts(
	    "kal", "book an oil change", "next tuesday at ten", gap, &na, &len);
	assert_non_null(st = ops->stream_open(eng, "CAgo", &events, &h));
	feed_realtime(ops, st, audio, len);
	wait_final(&h, 10);
	fd_sleep_us(300000);
	print_message(
	    "paused and went on: \"%s\", stopped %d\n", h.text, h.stopped);
	assert_int_equal(h.finals, 1);
	assert_true(h.stopped >= 2);
	assert_true(slot_found(h.text, "oil change"));
	assert_true(slot_found(h.text, "tuesday"));
	ops->stream_close(st);
	free(audio);
	ops->fini(eng);
	config_destroy(&cfg);
}

/* Adaptive endpoint: "yes that's right" to a yes/no question is a whole
 * answer, so the worker may finish its decode as soon as the caller falls
 * silent, before speech_stopped.  The caller goes on after 120 ms ("and a
 * tire rotation"): that decode must be thrown away and nothing the caller
 * said lost, one final holding both parts. */
static void
test_stream_adaptive_goes_on(void **state)
{
	const struct stt_engine_ops *ops = stt_engine_find("pocketsphinx");
	struct heard h;
	void *eng, *st;
	uint8_t *audio;
	size_t na, len, i, gap = 960, split;
	config_t cfg;

	(void)state;
	eng = engine_on(ops, &cfg,
	    "stt: { decoders = 1; adaptive_endpoint = true; "
	    "short_endpoint_ms = 180; };");
	heard_init(&h);
	audio = two_parts(
	    "slt", "yes that's right", "and a tire rotation", gap, &na, &len);
	assert_non_null(st = ops->stream_open(eng, "CAad", &events, &h));
	ops->hint(st, "yesno", NULL, 0);
	/* the pause's frames come slowly (the audio clock still counts
	 * 120 ms): however loaded the host, the decoder hears "yes that's right"
	 * to its end and begins the early final within the pause */
	split = (4000 + na) / FD_FRAME_SAMPLES * FD_FRAME_SAMPLES;
	feed_realtime(ops, st, audio, split);
	for (i = 0; i < gap; i += FD_FRAME_SAMPLES) {
		fd_sleep_us(250000);
		ops->feed(
		    st, audio + split + i, FD_FRAME_SAMPLES, fd_mono_us());
	}
	feed_realtime(ops, st, audio + split + gap, len - split - gap);
	wait_final(&h, 10);
	fd_sleep_us(300000);
	print_message("adaptive, went on: \"%s\" (stable \"%s\")\n", h.text,
	    h.stable_text);
	assert_int_equal(h.finals, 1);
	assert_true(slot_found(h.text, "rotation"));
	/* the early final was reported as stable before the caller went
	 * on, and a speech_started or a new partial came after it: what
	 * the agent drops a reply prepared on it by; the final's words are
	 * not its words */
	assert_true(h.stables >= 1);
	assert_int_equal(h.stable_after_final, 0);
	assert_true(h.went_on > 0);
	assert_true(strcmp(h.stable_text, h.text) != 0);
	ops->stream_close(st);
	free(audio);
	ops->fini(eng);
	config_destroy(&cfg);
}

/* One call on the engine: its first final.  The audio goes in as fast as
 * the engine takes it (the VAD and decoder see the same samples either
 * way). */
static void
one_call(const struct stt_engine_ops *ops, void *eng, const char *voice,
    const char *text, char *out, size_t len, double *conf)
{
	struct heard h;
	uint8_t *audio;
	size_t n, off;
	void *st;

	heard_init(&h);
	audio = call_audio(voice, text, &n);
	assert_non_null(st = ops->stream_open(eng, "CAchannel", &events, &h));
	for (off = 0; off + FD_FRAME_SAMPLES <= n; off += FD_FRAME_SAMPLES)
		ops->feed(st, audio + off, FD_FRAME_SAMPLES, fd_mono_us());
	wait_final(&h, 60);
	assert_int_equal(h.finals, 1);
	snprintf(out, len, "%s", h.text);
	*conf = h.conf;
	ops->stream_close(st);
	free(audio);
	pthread_mutex_destroy(&h.mu);
	pthread_cond_destroy(&h.cv);
}

/* A caller is heard the same whoever the shared decoder served before:
 * each call's channel estimate starts from the telephone value, not from
 * the last caller's (nor, for the first call after a start, from the
 * model's wideband value). */
static void
test_stream_caller_channel(void **state)
{
	const struct stt_engine_ops *ops = stt_engine_find("pocketsphinx");
	char first[512], after[512], again[512];
	double c1, c2, c3;
	config_t cfg;
	void *eng;

	(void)state;
	eng = engine_on(ops, &cfg, "stt: { decoders = 1; };");
	one_call(ops, eng, "kal", utts[0].text, first, sizeof(first), &c1);
	one_call(ops, eng, "awb",
	    "i need a brake inspection for my "
	    "truck on friday afternoon please",
	    after, sizeof(after), &c2);
	one_call(ops, eng, "kal", utts[0].text, again, sizeof(again), &c3);
	print_message("first \"%s\" (%.4f), after another caller \"%s\" "
	              "(%.4f)\n",
	    first, c1, again, c3);
	assert_true(slot_found(first, "tuesday"));
	assert_string_equal(first, again);
	assert_true(c1 == c3);
	ops->fini(eng);
	config_destroy(&cfg);
}

static void
test_lm_rebuild(void **state)
{
	static const char *const words[] = {
	    "Zelda Fitzgerald", "xqzzy", "Zelda Fitzgerald"};
	struct ps_lm_opts o = {"domain",
	    "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict",
	    "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin", ""};
	struct ps_lm *lm;
	struct psd_opts po;
	struct ps_dec *d;
	char err[256], path[700], dict[700], line[256];
	unsigned g0, g;
	int i, found = 0;
	FILE *f;

	(void)state;
	assert_non_null(lm = ps_lm_new(NULL, &o, err, sizeof(err)));
	g0 = ps_lm_current(lm, path, sizeof(path));
	/* a decoder on the model's own dictionary: its words only */
	psd_defaults(&po);
	assert_int_equal(ps_lm_dict(lm, path, dict, sizeof(dict)), 0);
	po.dict = dict;
	po.lm = path;
	assert_non_null(d = psd_open(&po, err, sizeof(err)));
	assert_true(psd_knows(d, "oil"));
	assert_false(psd_knows(d, "fitzgerald"));
	assert_false(psd_knows(d, "aardvark"));
	/* the unpronounceable one and the repeat are not new */
	assert_int_equal(ps_lm_add_words(lm, words, 3), 1);
	for (i = 0; i < 100; i++) {
		if ((g = ps_lm_current(lm, path, sizeof(path))) != g0)
			break;
		fd_sleep_us(50000);
	}
	assert_int_equal(g, g0 + 1);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, "fitzgerald") != NULL;
	fclose(f);
	assert_true(found);
	/* the new model's dictionary brings its new words to the decoder */
	assert_int_equal(ps_lm_dict(lm, path, dict, sizeof(dict)), 0);
	assert_int_equal(psd_add_dict(d, dict), 0);
	assert_int_equal(psd_set_lm(d, path), 0);
	assert_true(psd_knows(d, "fitzgerald"));
	assert_true(psd_knows(d, "zelda"));
	assert_false(psd_knows(d, "aardvark"));
	psd_close(d);
	/* with the grammars on the model's own dictionary: their words come
	 * from the whole one, and the model still hears (pocketsphinx adds
	 * every new word to the model it searches, which crashed it) */
	po.grammars = 1;
	po.word_dict = o.dict;
	assert_non_null(d = psd_open(&po, err, sizeof(err)));
	assert_true(psd_knows(d, "nope"));
	assert_true(psd_knows(d, "november"));
	assert_true(psd_knows(d, "fitzgerald"));
	assert_false(psd_knows(d, "aardvark"));
	hear(d, "kal", "book an oil change next tuesday at ten", line,
	    sizeof(line));
	assert_true(slot_found(line, "oil change"));
	assert_int_equal(psd_hint(d, "yesno"), 0);
	hear(d, "kal", "no thank you", line, sizeof(line));
	assert_non_null(strstr(line, "no"));
	psd_close(d);
	ps_lm_free(lm);

	o.kind = "bogus";
	assert_null(ps_lm_new(NULL, &o, err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ps8k_domain),
	    cmocka_unit_test(test_polarity),
	    cmocka_unit_test(test_hint_grammars),
	    cmocka_unit_test(test_detail_and_spell),
	    cmocka_unit_test(test_name_grammar_known),
	    cmocka_unit_test(test_stream_pool),
	    cmocka_unit_test(test_stream_pool_grows),
	    cmocka_unit_test(test_search_settings),
	    cmocka_unit_test(test_stream_realtime),
	    cmocka_unit_test(test_stream_pause_goes_on),
	    cmocka_unit_test(test_stream_adaptive_goes_on),
	    cmocka_unit_test(test_stream_caller_channel),
	    cmocka_unit_test(test_lm_rebuild),
	};

	log_init("stt_recog_test", LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
