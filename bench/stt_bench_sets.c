/*
 * stt_bench_sets.c - hinted answer sets (see stt_bench_sets.h).
 *
 * Every item is drawn from a seeded generator, so a split is the same on
 * every run: seed 1 is the dev split (tune on it), seed 2 the held-out
 * split (report it).  Names split by list position too: the dev split
 * draws the even entries of each list, the held-out split the odd ones,
 * so no held-out name was ever heard while tuning.  Each item gets one of
 * the four voices and one of two rates and is decoded twice: clean and
 * with white line noise at 20 dB SNR, both through mu-law.  The answers
 * that are neither yes nor no split by position in the corpus too (even
 * dev, odd held-out).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/intent.h"
#include "agent/spoken.h"
#include "bench/bench_corpus.h"
#include "clock.h"
#include "bench/stt_bench_sets.h"
#include "speech/denoise.h"
#include "speech/ps_decoder.h"
#include "tests/harness/flite_synth.h"

#define FIRST_NAMES "bench/data/first_names.txt"
#define SURNAMES "bench/data/surnames.txt"
#define SNR_DB 20.0
#define NAMES_MAX 400

static const char *const voices[] = {"kal", "slt", "awb", "rms"};
static const double rates[] = {1.0, 1.2};

/* The answers callers give to a yes/no question, and what each means. */
static const struct {
	const char *text;
	enum polarity pol;
} yesno[] = {
    {"yes", POL_YES},
    {"yeah", POL_YES},
    {"yes please", POL_YES},
    {"yep", POL_YES},
    {"that's right", POL_YES},
    {"correct", POL_YES},
    {"yes it is", POL_YES},
    {"sure", POL_YES},
    {"yeah that's fine", POL_YES},
    {"yes that's correct", POL_YES},
    {"absolutely", POL_YES},
    {"sounds good", POL_YES},
    {"no", POL_NO},
    {"nope", POL_NO},
    {"no thanks", POL_NO},
    {"no thank you", POL_NO},
    {"no that's wrong", POL_NO},
    {"not really", POL_NO},
    {"no it isn't", POL_NO},
    {"that's not right", POL_NO},
    {"nah", POL_NO},
    {"incorrect", POL_NO},
};
#define NYESNO (sizeof(yesno) / sizeof(yesno[0]))

/* A yes or a no with more after it: the answer is the polarity and what
 * follows (a day, a service), and a search that keeps the first and drops
 * the rest loses what the caller asked for.  Even entries dev, odd
 * held-out. */
static const struct {
	const char *text, *key;
} yesno_more[] = {
    {"no make it wednesday", "wednesday"},
    {"no can we do thursday instead", "thursday"},
    {"yes please and can you also check the brakes", "brakes"},
    {"yeah and can you rotate the tires too", "tires"},
    {"no i meant friday", "friday"},
    {"no make it at three", "three"},
    {"yes but in the afternoon", "afternoon"},
    {"yes and an oil change", "oil"},
    {"no monday would be better", "monday"},
    {"yes that's right and my number changed", "number"},
    {"yeah and the battery too", "battery"},
    {"no the morning please", "morning"},
    {"yes please what time do you close", "close"},
    {"no saturday morning", "saturday"},
    {"sure and can i get a diagnostic", "diagnostic"},
    {"nope next week please", "week"},
};
#define NMORE (sizeof(yesno_more) / sizeof(yesno_more[0]))

static const char *const digit_words[] = {"zero", "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine"};

struct rng {
	uint64_t s;
};

static uint32_t
rnd(struct rng *r, uint32_t n)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (uint32_t)(z % n);
}

/* Standard normal deviate (Box-Muller). */
static double
gauss(struct rng *r)
{
	double u = (rnd(r, 1u << 30) + 1.0) / (double)(1u << 30);
	double v = rnd(r, 1u << 30) / (double)(1u << 30);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* White noise at SNR_DB below the speech: the power of the 20 ms frames
 * within 30 dB of the loudest, so the pauses flite leaves do not dilute
 * it; then the line's mu-law again. */
static void
add_noise(int16_t *pcm, size_t n, struct rng *r, double snr_db)
{
	double fp, maxp = 0, sp = 0, sd, v;
	size_t i, j, f, nf = n / 160, k = 0;

	for (f = 0; f < nf; f++) {
		for (fp = 0, j = 0; j < 160; j++)
			fp += (double)pcm[f * 160 + j] * pcm[f * 160 + j];
		if (fp > maxp)
			maxp = fp;
	}
	for (f = 0; f < nf; f++) {
		for (fp = 0, j = 0; j < 160; j++)
			fp += (double)pcm[f * 160 + j] * pcm[f * 160 + j];
		if (fp >= maxp / 1000.0) {
			sp += fp / 160.0;
			k++;
		}
	}
	if (k == 0)
		return;
	sd = sqrt(sp / k / pow(10.0, snr_db / 10.0));
	for (i = 0; i < n; i++) {
		v = pcm[i] + sd * gauss(r);
		pcm[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
	telephone_ulaw(pcm, n);
}

/* The clip as stt-worker's decoder gets it: the VAD's pre-roll before
 * the speech and the endpoint's silence after it (o->pad_ms each side,
 * 0: the clip alone), line silence that the noise, if any, then fills. */
static int16_t *
pad(int16_t *pcm, size_t *n, int pad_ms)
{
	size_t lead = (size_t)pad_ms * 8, tail = 2 * lead;
	int16_t *out;

	if (pad_ms <= 0)
		return pcm;
	if ((out = calloc(*n + lead + tail, sizeof(*out))) == NULL) {
		free(pcm);
		return NULL;
	}
	memcpy(out + lead, pcm, *n * sizeof(*out));
	free(pcm);
	*n += lead + tail;
	return out;
}

struct names {
	char *w[NAMES_MAX];
	size_t n;
};

static int
names_load(const char *path, struct names *l)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, len;

	l->n = 0;
	if (f == NULL)
		return -1;
	while (getline(&line, &cap, f) > 0 && l->n < NAMES_MAX) {
		len = strcspn(line, " \t\r\n");
		line[len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		l->w[l->n++] = strdup(line);
	}
	free(line);
	fclose(f);
	return l->n ? 0 : -1;
}

static void
names_free(struct names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->w[i]);
	l->n = 0;
}

enum set { SET_YESNO, SET_DIGITS, SET_NAME, SET_MAX };
static const char *const set_names[SET_MAX] = {"yesno", "digits", "name"};
/* the STT_HINT expect the agent sends before each question */
static const char *const set_hint[SET_MAX] = {"yesno", "digits", "name"};

/* One item: the words spoken and the answer the agent must get out. */
struct item {
	char text[160];
	char want[64]; /* "yes"/"no", the digits, "first last" */
};

static void
gen_item(enum set s, struct rng *r, const struct names *first,
    const struct names *last, int parity, struct item *it)
{
	size_t i, nd, off = 0, k;
	int d;

	switch (s) {
	case SET_YESNO:
		k = rnd(r, NYESNO);
		snprintf(it->text, sizeof(it->text), "%s", yesno[k].text);
		snprintf(it->want, sizeof(it->want), "%s",
		    yesno[k].pol == POL_YES ? "yes" : "no");
		break;
	case SET_DIGITS:
		/* a 10-digit phone number in its 3-3-4 groups, or the last
		 * four of a VIN; zero said "oh" half the time */
		nd = rnd(r, 3) == 0 ? 4 : 10;
		it->text[0] = '\0';
		for (i = 0; i < nd; i++) {
			d = (nd == 10 && i == 0) ? 2 + (int)rnd(r, 8)
			                         : (int)rnd(r, 10);
			it->want[i] = (char)('0' + d);
			off += (size_t)snprintf(it->text + off,
			    sizeof(it->text) - off, "%s%s%s", i ? " " : "",
			    d == 0 && rnd(r, 2) ? "oh" : digit_words[d],
			    nd == 10 && (i == 2 || i == 5) ? "," : "");
		}
		it->want[nd] = '\0';
		break;
	default:
		k = rnd(r, (uint32_t)(first->n / 2)) * 2 + (size_t)parity;
		i = rnd(r, (uint32_t)(last->n / 2)) * 2 + (size_t)parity;
		snprintf(it->text, sizeof(it->text), "%s %s",
		    first->w[k % first->n], last->w[i % last->n]);
		snprintf(it->want, sizeof(it->want), "%s", it->text);
		break;
	}
}

/* 1 if the agent, reading hyp, gets the answer the item wants. */
static int
score(enum set s, const struct item *it, const char *hyp)
{
	struct intent_result ir;
	char got[64];

	switch (s) {
	case SET_YESNO:
		intent_read(hyp, NULL, &ir);
		return ir.pol ==
		    (strcmp(it->want, "yes") == 0 ? POL_YES : POL_NO);
	case SET_DIGITS:
		spoken_digits(hyp, got, sizeof(got));
		return strcmp(got, it->want) == 0;
	default:
		return slot_found(hyp, it->want);
	}
}

static void decode(struct ps_dec *d, const struct bench_sets_opts *o,
    const char *hint, const int16_t *pcm, size_t n, char *hyp, size_t len,
    double *conf, struct psd_pass_info *info);

/* The time the last decode's grammar pass took, ms (0: none ran). */
static double pass_ms;

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of v[0..n) (sorted in place). */
static double
quantile(double *v, size_t n, double q)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(size_t)(q * (double)(n - 1) + 0.5)];
}

static const size_t full_n[SET_MAX] = {60, 40, 60};
static const size_t quick_n[SET_MAX] = {6, 3, 4};

/* The line conditions each item is heard in: clean, then white noise at
 * each SNR (the 10 dB one with bench_sets_opts.snr10 only).  The headline
 * accuracy is clean and 20 dB, as the targets are. */
#define NCOND 3
static const double cond_snr[NCOND] = {0, 20.0, 10.0};
static const char *const cond_name[NCOND] = {
    "clean", "noise_20db", "noise_10db"};

static json_t *
run_split(struct ps_dec *d, const struct bench_sets_opts *o, uint64_t seed,
    int parity, const struct names *first, const struct names *last)
{
	json_t *out = json_object(), *js;
	/* one noise stream per condition, so the 20 dB noise of an item is
	 * the same with or without the 10 dB condition */
	struct rng r = {seed * 0x1000193ULL},
	           nr[NCOND] = {{0}, {seed}, {seed + 100}};
	struct item it;
	char hyp[512];
	double conf;
	size_t i, n, ok[NCOND], tot[NCOND], words[2], werr[2], nref;
	int16_t *pcm;
	size_t npcm;
	int s, c, ncond = o->snr10 ? 3 : 2, hit, skip;
	const char *voice;
	double rate, ms[600];
	size_t nms;
	struct psd_pass_info info;

	for (s = 0; s < SET_MAX; s++) {
		/* a set left out is still drawn (and its noise), so the
		 * others' items are the same as in a full run */
		skip = o->only && strcmp(o->only, set_names[s]) != 0;
		n = o->quick ? quick_n[s] : full_n[s];
		memset(ok, 0, sizeof(ok));
		memset(tot, 0, sizeof(tot));
		memset(words, 0, sizeof(words));
		memset(werr, 0, sizeof(werr));
		nms = 0;
		for (i = 0; i < n; i++) {
			gen_item((enum set)s, &r, first, last, parity, &it);
			voice = voices[rnd(&r, 4)];
			rate = rates[rnd(&r, 2)];
			for (c = 0; c < ncond; c++) {
				pcm = pad(flite_synth_8k_at(
				              voice, it.text, rate, &npcm),
				    &npcm, o->pad_ms);
				if (pcm == NULL)
					continue;
				if (c > 0)
					add_noise(
					    pcm, npcm, &nr[c], cond_snr[c]);
				if (skip) {
					free(pcm);
					continue;
				}
				decode(d, o, set_hint[s], pcm, npcm, hyp,
				    sizeof(hyp), &conf, &info);
				free(pcm);
				if (o->hints &&
				    nms < sizeof(ms) / sizeof(ms[0]))
					ms[nms++] = pass_ms;
				hit = score((enum set)s, &it, hyp);
				ok[c] += (size_t)hit;
				tot[c]++;
				if (c < 2) {
					werr[c] +=
					    wer_errors(it.text, hyp, &nref);
					words[c] += nref;
				}
				if (o->verbose)
					fprintf(stderr,
					    "[%s %s %.1f %s] %s -> "
					    "%s (%.2f; model '%s' %.2f %d/%d, "
					    "grammar '%s')%s\n",
					    set_names[s], voice, rate,
					    cond_name[c], it.text, hyp, conf,
					    info.model, info.model_conf,
					    info.foreign, info.words,
					    info.grammar, hit ? "" : "  WRONG");
				if (o->verbose && o->hints)
					fprintf(stderr, "  OKS m=%d g=%d\n",
					    score((enum set)s, &it, info.model),
					    score((enum set)s, &it,
					        info.grammar));
			}
		}
		js = json_pack("{s:f,s:i,s:f}", "accuracy",
		    tot[0] + tot[1]
		        ? (double)(ok[0] + ok[1]) / (double)(tot[0] + tot[1])
		        : 0.0,
		    "clips", (int)(tot[0] + tot[1]), "wer",
		    words[0] + words[1] ? (double)(werr[0] + werr[1]) /
		            (double)(words[0] + words[1])
		                        : 0.0);
		for (c = 0; c < ncond; c++)
			json_object_set_new(js, cond_name[c],
			    json_real(
			        tot[c] ? (double)ok[c] / (double)tot[c] : 0.0));
		if (o->hints && nms) {
			/* what the grammar's pass adds to the final */
			json_object_set_new(js, "pass_ms_p50",
			    json_real(quantile(ms, nms, 0.5)));
			json_object_set_new(js, "pass_ms_p95",
			    json_real(quantile(ms, nms, 0.95)));
		}
		if (skip)
			json_decref(js);
		else
			json_object_set_new(out, set_names[s], js);
	}
	return out;
}

/* Decode one clip as stt-worker does: the language model first, then the
 * hint's grammar (psd_hinted_pass) when hinting. */
static void
decode(struct ps_dec *d, const struct bench_sets_opts *o, const char *hint,
    const int16_t *pcm, size_t n, char *hyp, size_t len, double *conf,
    struct psd_pass_info *info)
{
	struct psd_detail det;
	struct denoise dn;
	int16_t *clean = NULL;
	int64_t t0;

	/* the line's noise taken out as stt-worker does (stt.denoise), the
	 * frame it holds back flushed with silence */
	if (o->denoise &&
	    (clean = calloc(n + DN_WIN, sizeof(*clean))) != NULL) {
		denoise_init(&dn, o->denoise_floor_db);
		denoise_run(&dn, pcm, clean, n);
		denoise_run(&dn, clean + n, clean + n, DN_WIN);
		memmove(clean, clean + DN_WIN, n * sizeof(*clean));
		pcm = clean;
	}
	memset(info, 0, sizeof(*info));
	psd_hint(d, NULL);
	psd_start_from(d, NULL);
	psd_feed(d, pcm, n);
	psd_end(d, hyp, len, conf);
	pass_ms = 0;
	if (o->hints) {
		psd_detail(d, *conf, &det);
		t0 = (int64_t)fd_mono_us();
		psd_hinted_pass(
		    d, hint, NULL, pcm, n, hyp, len, conf, &det, info);
		pass_ms = (double)((int64_t)fd_mono_us() - t0) / 1000.0;
	}
	free(clean);
}

/* Answers that are neither yes nor no ("can I do Thursday instead"),
 * decoded with the yes/no hint: the share the agent would read as a yes or
 * a no.  A grammar that forces every answer into its phrases shows here. */
static json_t *
run_off_grammar(struct ps_dec *d, const struct bench_sets_opts *o, int parity)
{
	struct intent_result ir;
	char hyp[512];
	double conf;
	struct psd_pass_info info;
	size_t i, n = 0, forced = 0, npcm;
	int16_t *pcm;

	for (i = 0; i < bench_nutts; i++) {
		intent_read(bench_utts[i].text, NULL, &ir);
		if (ir.pol != POL_NONE || (int)(i % 2) != parity)
			continue;
		if (o->quick && n >= 4)
			break;
		pcm = pad(flite_synth_8k_at(
		              voices[i % 4], bench_utts[i].text, 1.0, &npcm),
		    &npcm, o->pad_ms);
		if (pcm == NULL)
			continue;
		decode(
		    d, o, "yesno", pcm, npcm, hyp, sizeof(hyp), &conf, &info);
		free(pcm);
		intent_read(hyp, NULL, &ir);
		n++;
		forced += ir.pol != POL_NONE;
		if (o->verbose)
			fprintf(stderr,
			    "[off-yesno %s %s] %s -> %s (model '%s' %.2f "
			    "%d/%d, grammar '%s')%s\n",
			    parity ? "heldout" : "dev", voices[i % 4],
			    bench_utts[i].text, hyp, info.model,
			    info.model_conf, info.foreign, info.words,
			    info.grammar, ir.pol != POL_NONE ? "  FORCED" : "");
		if (o->verbose && o->hints) {
			intent_read(info.model, NULL, &ir);
			fprintf(stderr, "  OKS m=%d", ir.pol == POL_NONE);
			intent_read(info.grammar, NULL, &ir);
			fprintf(stderr, " g=%d\n", ir.pol == POL_NONE);
		}
	}
	return json_pack("{s:i,s:f}", "clips", (int)n, "read_as_yesno",
	    n ? (double)forced / (double)n : 0.0);
}

/* 1 if word is one of the words of text. */
static int
has_word(const char *text, const char *word)
{
	size_t wl = strlen(word);
	const char *p = text;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == text || p[-1] == ' ') &&
		    (p[wl] == '\0' || p[wl] == ' ' || p[wl] == '('))
			return 1;
		p += wl;
	}
	return 0;
}

/* A yes or a no with more words after it (yesno_more), decoded with the
 * yes/no hint: right when the agent reads the polarity it reads from the
 * words said and the key word of the rest is there.  Each answer in two
 * voices at the two rates, clean and with noise. */
static json_t *
run_more(struct ps_dec *d, const struct bench_sets_opts *o, int parity)
{
	struct intent_result ir;
	struct rng nr = {(uint64_t)parity + 11};
	char hyp[512];
	double conf;
	struct psd_pass_info info;
	size_t i, k, ok[2] = {0, 0}, tot[2] = {0, 0}, npcm;
	int16_t *pcm;
	int noisy, hit;
	enum polarity want;
	const char *voice;

	for (i = (size_t)parity; i < NMORE; i += 2) {
		if (o->quick && i >= 4)
			break;
		intent_read(yesno_more[i].text, NULL, &ir);
		want = ir.pol;
		for (k = 0; k < 2; k++) {
			voice = voices[(i + 2 * k) % 4];
			for (noisy = 0; noisy < 2; noisy++) {
				pcm = pad(
				    flite_synth_8k_at(voice, yesno_more[i].text,
				        rates[k], &npcm),
				    &npcm, o->pad_ms);
				if (pcm == NULL)
					continue;
				if (noisy)
					add_noise(pcm, npcm, &nr, SNR_DB);
				decode(d, o, "yesno", pcm, npcm, hyp,
				    sizeof(hyp), &conf, &info);
				free(pcm);
				intent_read(hyp, NULL, &ir);
				hit = ir.pol == want &&
				    has_word(hyp, yesno_more[i].key);
				ok[noisy] += (size_t)hit;
				tot[noisy]++;
				if (o->verbose)
					fprintf(stderr,
					    "[more %s %s %.1f %s] %s -> %s "
					    "(%.2f; model '%s' %.2f %d/%d, "
					    "grammar '%s')%s\n",
					    parity ? "heldout" : "dev", voice,
					    rates[k], noisy ? "noise" : "clean",
					    yesno_more[i].text, hyp, conf,
					    info.model, info.model_conf,
					    info.foreign, info.words,
					    info.grammar, hit ? "" : "  WRONG");
				if (o->verbose && o->hints) {
					intent_read(info.model, NULL, &ir);
					hit = ir.pol == want &&
					    has_word(
					        info.model, yesno_more[i].key);
					intent_read(info.grammar, NULL, &ir);
					fprintf(stderr, "  OKS m=%d g=%d\n",
					    hit,
					    ir.pol == want &&
					        has_word(info.grammar,
					            yesno_more[i].key));
				}
			}
		}
	}
	return json_pack("{s:f,s:f,s:f,s:i}", "accuracy",
	    tot[0] + tot[1]
	        ? (double)(ok[0] + ok[1]) / (double)(tot[0] + tot[1])
	        : 0.0,
	    "clean", tot[0] ? (double)ok[0] / (double)tot[0] : 0.0,
	    "noise_20db", tot[1] ? (double)ok[1] / (double)tot[1] : 0.0,
	    "clips", (int)(tot[0] + tot[1]));
}

json_t *
bench_sets(const struct bench_sets_opts *o)
{
	struct names first, last;
	struct psd_opts po;
	struct ps_dec *d;
	char err[256];
	json_t *out;
	int part, k;

	if (names_load(FIRST_NAMES, &first) != 0 ||
	    names_load(SURNAMES, &last) != 0) {
		fprintf(stderr, "stt-bench: cannot read %s / %s\n", FIRST_NAMES,
		    SURNAMES);
		return json_null();
	}
	psd_defaults(&po);
	po.lm = o->lm;
	/* stt.search's override, as the rest of the bench takes it */
	po.search = getenv("FRONTDESK_STT_SEARCH");
	po.grammar_search = o->grammar_search;
	po.reject_conf = o->reject_conf;
	po.names_zipf = o->names_zipf;
	if (o->hints) {
		po.grammars = 1;
		po.names_first = o->names_first ? o->names_first : FIRST_NAMES;
		po.names_last = o->names_last ? o->names_last : SURNAMES;
	}
	/* a fresh decoder for each part: what it heard before (the noise
	 * estimate among others) plays no part in a split's numbers */
	out = json_object();
	json_object_set_new(out, "hint_search", json_boolean(o->hints));
	json_object_set_new(out, "name_lists",
	    json_pack("[s, s]", po.names_first ? po.names_first : "",
	        po.names_last ? po.names_last : ""));
	json_object_set_new(out, "snr_db", json_real(SNR_DB));
	json_object_set_new(out, "denoise",
	    o->denoise ? json_real(o->denoise_floor_db) : json_false());
	json_object_set_new(out, "pad_ms", json_integer(o->pad_ms));
	/* dev, its answers that are neither yes nor no and its yes/no
	 * answers with more words, then the same three held-out */
	static const int order[] = {0, 2, 4, 1, 3, 5};
	int more_only = o->only && strcmp(o->only, "more") == 0;
	for (k = 0; k < 6; k++) {
		part = order[k];
		if (((o->quick || o->heldout_only) && part % 2 == 0) ||
		    (o->dev_only && part % 2 == 1) ||
		    (o->only && part >= 2 && !more_only &&
		        strcmp(o->only, "yesno") != 0) ||
		    (o->off_only && (part < 2 || part > 3)) ||
		    (more_only && part < 4))
			continue;
		if ((d = psd_open(&po, err, sizeof(err))) == NULL) {
			fprintf(stderr, "stt-bench: %s\n", err);
			break;
		}
		if (part < 2)
			json_object_set_new(out, part ? "heldout" : "dev",
			    run_split(
			        d, o, (uint64_t)part + 1, part, &first, &last));
		else if (part >= 4)
			json_object_set_new(out,
			    part == 4 ? "yesno_more_dev" : "yesno_more",
			    run_more(d, o, part - 4));
		else
			json_object_set_new(out,
			    part == 2 ? "off_grammar_yesno_dev"
			              : "off_grammar_yesno",
			    run_off_grammar(d, o, part - 2));
		psd_close(d);
	}
	names_free(&first);
	names_free(&last);
	return out;
}
