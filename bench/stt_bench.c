/*
 * stt_bench.c - measures the local recogniser and prints JSON on stdout:
 * word error rate and slot accuracy over the fixed in-domain utterances
 * spoken by three flite voices, WER over the recorded human speech of
 * pocketsphinx-testdata (taken down to 8 kHz mu-law), real-time factor,
 * for each front end (zero insertion, low-pass interpolation, native 8 kHz)
 * and language model (domain, generic); then endpointing delay through
 * the streaming engine, paced in real time.  Talks to no daemon.
 *
 *   stt-bench [-f frontdesk.conf] [-q] [-v]
 *     -q  quick: zero insertion + domain LM only, fewer endpoint runs,
 *         a few held-out items of each hinted answer set
 *     -H  decode the hinted answer sets (yes/no, digits, names:
 *         stt_bench_sets.h) on the domain LM, ignoring the hint
 *     -S  the hinted answer sets only
 *     -D  the hinted answer sets' dev split only (-X: held-out only)
 *     -T  each hinted answer at 10 dB SNR too ("noise_10db")
 *     -U  the hinted answers without the line's noise suppressor
 *         (stt.denoise); -G dB its gain floor (stt.denoise_floor_db)
 *     -N first:last  the name lists the "name" grammar is built from
 *         (default: the sets' own lists, bench/data)
 *     -R margin  the grammar's rejection margin (stt.reject_conf)
 *     -g "settings"  the slot grammars' own search settings
 *         (stt.grammar_search; "" none, pocketsphinx's defaults)
 *     -F  decode with fast finals (no flat-lexicon / lattice pass), as
 *         stt.fast_final does; the streaming half follows the config
 *     -C  the channel estimate (cepstral mean) each utterance starts
 *         from: caller (the default, what stt-worker does: a voice's
 *         first utterance starts from the telephone start value, the next
 *         ones from the estimate the last one left), reset (every
 *         utterance from the start value) or carry (whatever the decoder
 *         heard last, across voices); -C model makes the start value the
 *         model's own wideband one; -C learn measures the telephone start
 *         value of each front end first and decodes from it
 *     -Y  only the yes/no answers streamed through the engine with the
 *         yes/no hint: the final's delay after the last voiced frame
 *         without the grammar, with it after the model on the model's
 *         decoder, and with it on a decoder of its own beside the model
 *     -v  print every hypothesis on stderr
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bench/bench_corpus.h"
#include "business.h"
#include "clock.h"
#include "config.h"
#include "speech/denoise.h"
#include "speech/dict_words.h"
#include "speech/domain_lm.h"
#include "tests/harness/flite_synth.h"
#include "log.h"
#include "speech/ps_decoder.h"
#include "bench/stt_bench_sets.h"
#include "bench/stt_bench_stream.h"

#define TESTDATA "/usr/share/pocketsphinx/test/data"

static const char *const voices[] = {"kal", "slt", "awb"};
#define NVOICES (sizeof(voices) / sizeof(voices[0]))

#define clip bench_clip

static int verbose;
static int fast_final;
static enum { CMN_CALLER, CMN_CARRY, CMN_RESET } cmn_mode;
static const char *cmn_start; /* NULL: the telephone start value */
static int cmn_learn;

static int line_denoise = 1; /* stt.denoise's suppressor first (-U: no) */
static double line_floor_db = -10;

static struct clip *flite_clips(size_t *n);
static struct clip *human_clips(size_t *n);
static json_t *run(const struct clip *c, size_t n, enum stt_front front,
    const char *lm, const char *start);
static json_t *learn(const struct clip *fc, size_t nf, const struct clip *hc,
    size_t nh, enum stt_front front, const char *lm, char *start, size_t len);
static int16_t *read_audio16k(const char *path, size_t *n);
static json_t *hinted_endpointing(config_t *cfg, int quick);

int
main(int argc, char **argv)
{
	static const enum stt_front fronts[] = {
	    STT_FRONT_ZERO, STT_FRONT_LOWPASS, STT_FRONT_NATIVE8K};
	const char *conf = "etc/frontdesk.conf";
	struct fd_business biz;
	struct domain_lm_info info;
	struct dict_words *dict;
	struct psd_opts o;
	struct clip *fc, *hc;
	size_t nf, nh, i;
	config_t cfg;
	char err[256], lm[] = "/tmp/stt-bench-lm-XXXXXX", key[64];
	json_t *out, *fl, *hu, *r, *le;
	const char *start;
	char learned[512];
	struct bench_sets_opts so = {0};
	int ch, quick = 0, fd, hints = 1, sets_only = 0, hinted_stream = 0;
	char *names_sep;
	double best = 1;

	log_init("stt-bench", LOG_LVL_WARN);
	so.pad_ms = 200;
	so.denoise = 1;
	so.denoise_floor_db = -10;
	while (
	    (ch = getopt(argc, argv, "C:DFG:HN:OP:R:STUW:XYf:g:qs:v")) != -1) {
		switch (ch) {
		case 'g':
			so.grammar_search = optarg;
			break;
		case 'Y':
			hinted_stream = 1;
			sets_only = 1;
			break;
		case 'P':
			so.pad_ms = atoi(optarg);
			break;
		case 's':
			so.only = optarg;
			sets_only = 1;
			break;
		case 'X':
			so.heldout_only = 1;
			sets_only = 1;
			break;
		case 'D':
			so.dev_only = 1;
			sets_only = 1;
			break;
		case 'T':
			so.snr10 = 1;
			break;
		case 'U':
			so.denoise = line_denoise = 0;
			break;
		case 'G':
			so.denoise_floor_db = line_floor_db = atof(optarg);
			break;
		case 'O':
			so.off_only = 1;
			sets_only = 1;
			break;
		case 'W':
			so.names_zipf = atof(optarg);
			break;
		case 'R':
			so.reject_conf = atof(optarg);
			break;
		case 'N':
			/* the name grammar's lists: FIRST:LAST */
			if ((names_sep = strchr(optarg, ':')) == NULL) {
				fprintf(stderr, "stt-bench: -N first:last\n");
				return 2;
			}
			*names_sep = '\0';
			so.names_first = optarg;
			so.names_last = names_sep + 1;
			break;
		case 'f':
			conf = optarg;
			break;
		case 'C':
			if (strcmp(optarg, "reset") == 0)
				cmn_mode = CMN_RESET;
			else if (strcmp(optarg, "caller") == 0)
				cmn_mode = CMN_CALLER;
			else if (strcmp(optarg, "carry") == 0)
				cmn_mode = CMN_CARRY;
			else if (strcmp(optarg, "model") == 0)
				cmn_start = "model";
			else if (strcmp(optarg, "learn") == 0)
				cmn_learn = 1;
			else if (strcmp(optarg, "caller") != 0) {
				fprintf(stderr,
				    "stt-bench: -C caller|carry|"
				    "reset|model|learn\n");
				return 2;
			}
			break;
		case 'F':
			fast_final = 1;
			break;
		case 'H':
			hints = 0;
			break;
		case 'S':
			sets_only = 1;
			break;
		case 'q':
			quick = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			fprintf(stderr,
			    "usage: stt-bench [-FHSqv] [-N first:last] "
			    "[-C caller|carry|reset|model|learn] [-f "
			    "config]\n");
			return 2;
		}
	}
	if (fd_cfg_open(&cfg, access(conf, R_OK) == 0 ? conf : NULL, err,
	        sizeof(err)) != 0 ||
	    fd_business_load(&cfg, &biz, err, sizeof(err)) != 0) {
		fprintf(stderr, "stt-bench: %s\n", err);
		return 1;
	}
	psd_defaults(&o);
	if ((fd = mkstemp(lm)) < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	if ((dict = dict_words_load(o.dict)) == NULL ||
	    domain_lm_build(
	        &biz, NULL, 0, NULL, dict, lm, &info, err, sizeof(err)) != 0) {
		fprintf(stderr, "stt-bench: domain lm: %s\n", err);
		return 1;
	}
	dict_words_free(dict);
	fc = flite_clips(&nf);
	hc = human_clips(&nh);

	out = json_object();
	json_object_set_new(out, "domain_lm",
	    json_pack("{s:i,s:i,s:i}", "sentences", (int)info.sentences,
	        "vocab", (int)info.vocab, "skipped_tokens", (int)info.skipped));
	fl = json_object();
	hu = json_object();
	le = cmn_learn ? json_object() : NULL;
	for (i = 0; i < sizeof(fronts) / sizeof(fronts[0]); i++) {
		if (sets_only)
			break;
		if (quick && fronts[i] != STT_FRONT_ZERO)
			continue;
		start = cmn_start;
		if (cmn_learn) {
			json_object_set_new(le, psd_front_name(fronts[i]),
			    learn(fc, nf, hc, nh, fronts[i], o.lm, learned,
			        sizeof(learned)));
			start = learned;
		}
		snprintf(
		    key, sizeof(key), "%s/domain", psd_front_name(fronts[i]));
		r = run(fc, nf, fronts[i], lm, start);
		if (fronts[i] == STT_FRONT_ZERO)
			best = json_real_value(json_object_get(r, "wer"));
		json_object_set_new(fl, key, r);
		if (quick)
			continue;
		snprintf(
		    key, sizeof(key), "%s/generic", psd_front_name(fronts[i]));
		json_object_set_new(
		    fl, key, run(fc, nf, fronts[i], o.lm, start));
		json_object_set_new(
		    hu, key, run(hc, nh, fronts[i], o.lm, start));
	}
	json_object_set_new(out, "cmn",
	    json_string(cmn_learn ? "learned"
	            : cmn_start   ? cmn_start
	                          : "telephone"));
	if (le)
		json_object_set_new(out, "cmn_learned", le);
	json_object_set_new(out, "flite_in_domain", fl);
	json_object_set_new(out, "flite_utterances", json_integer((int)nf));
	json_object_set_new(out, "human_testdata", hu);
	json_object_set_new(out, "human_utterances", json_integer((int)nh));
	so.lm = lm;
	so.quick = quick;
	so.hints = hints;
	so.verbose = verbose;
	if (!hinted_stream)
		json_object_set_new(out, "hinted_sets", bench_sets(&so));
	if (!sets_only)
		json_object_set_new(out, "endpointing",
		    bench_stream(&cfg, fc, quick ? 6 : 15, NULL));
	if (hinted_stream)
		json_object_set_new(
		    out, "hinted_endpointing", hinted_endpointing(&cfg, quick));
	json_object_set_new(out, "target_wer", json_real(0.15));
	json_object_set_new(out, "target_met", json_boolean(best <= 0.15));
	json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');

	json_decref(out);
	for (i = 0; i < nf; i++)
		free(fc[i].pcm);
	for (i = 0; i < nh; i++)
		free(hc[i].pcm);
	free(fc);
	free(hc);
	unlink(lm);
	config_destroy(&cfg);
	return 0;
}

/* Feed a clip through the line's noise suppressor as stt-worker does, with
 * the line's silence before it that a suppressor has heard by then (a
 * fresh one per clip: the worst case) and the frame it holds back
 * flushed. */
static void
feed_denoised(struct ps_dec *d, const int16_t *pcm, size_t n)
{
	size_t lead = 1600, all = lead + n + DN_WIN;
	int16_t *x = calloc(all, sizeof(*x)), *y = calloc(all, sizeof(*y));
	struct denoise dn;

	if (x == NULL || y == NULL) {
		psd_feed(d, pcm, n);
	} else {
		memcpy(x + lead, pcm, n * sizeof(*x));
		denoise_init(&dn, line_floor_db);
		denoise_run(&dn, x, y, all);
		psd_feed(d, y + lead + DN_WIN, n);
	}
	free(x);
	free(y);
}

static struct clip *
flite_clips(size_t *n)
{
	struct clip *c = calloc(bench_nutts * NVOICES, sizeof(*c));
	size_t i, v, k = 0;

	if (c == NULL)
		exit(1);
	for (v = 0; v < NVOICES; v++)
		for (i = 0; i < bench_nutts; i++) {
			c[k].pcm = flite_synth_8k(
			    voices[v], bench_utts[i].text, &c[k].n);
			if (c[k].pcm == NULL) {
				fprintf(stderr, "flite failed: %s\n",
				    bench_utts[i].text);
				continue;
			}
			c[k].ref = bench_utts[i].text;
			c[k].utt = &bench_utts[i];
			c[k].voice = voices[v];
			k++;
		}
	*n = k;
	return c;
}

/* Recorded speech with known transcripts in pocketsphinx-testdata. */
static struct clip *
human_clips(size_t *n)
{
	static const struct {
		const char *file, *ref;
	} h[] = {
	    {"cards/001.wav", "ten of clubs"},
	    {"cards/002.wav", "four queen of clubs"},
	    {"cards/003.wav", "seven of clubs"},
	    {"cards/004.wav", "five five"},
	    {"cards/005.wav",
	        "eight of spades four of clubs seven of "
	        "hearts"},
	    {"goforward.raw", "go forward ten meters"},
	    {"librivox/sense_and_sensibility_01_austen_64kb-0870.wav",
	        "and mister john dashwood had then leisure to consider how "
	        "much there might be prudently in his power to do for "
	        "them"},
	    {"librivox/sense_and_sensibility_01_austen_64kb-0880.wav",
	        "he was not an ill disposed young man"},
	    {"librivox/sense_and_sensibility_01_austen_64kb-0890.wav",
	        "unless to be rather cold hearted and rather selfish is to "
	        "be ill disposed"},
	    {"librivox/sense_and_sensibility_01_austen_64kb-0920.wav",
	        "had he married a more a amiable woman he might have been "
	        "made still more respectable than he was"},
	    {"librivox/sense_and_sensibility_01_austen_64kb-0930.wav",
	        "he might even have been made amiable himself"},
	};
	struct clip *c = calloc(sizeof(h) / sizeof(h[0]), sizeof(*c));
	size_t i, k = 0, n16;
	char path[512];
	int16_t *w;

	if (c == NULL)
		exit(1);
	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", TESTDATA, h[i].file);
		if ((w = read_audio16k(path, &n16)) == NULL)
			continue;
		c[k].pcm = telephone_from_16k(w, n16, &c[k].n);
		free(w);
		if (c[k].pcm == NULL)
			continue;
		c[k].ref = h[i].ref;
		c[k].voice = "human";
		k++;
	}
	*n = k;
	return c;
}

/* The channel estimate a telephone caller settles at through this front
 * end: the mean, over every voice of both clip sets, of the estimates
 * after each of its clips but the first two, each voice carried from the
 * model's own start value (the human clips, several speakers, count as
 * one).  As a JSON array, and as cmn_start text. */
static json_t *
learn(const struct clip *fc, size_t nf, const struct clip *hc, size_t nh,
    enum stt_front front, const char *lm, char *start, size_t len)
{
	const struct clip *set[2] = {fc, hc}, *c;
	size_t setn[2] = {nf, nh}, i, k = 0, m = 0, off = 0;
	struct psd_cmn e = {0};
	struct psd_opts o;
	struct ps_dec *d;
	double sum[PSD_CMN_MAX] = {0}, conf;
	char text[512], err[256];
	json_t *a = json_array();
	int j, s, n = 0;

	psd_defaults(&o);
	o.front = front;
	o.lm = lm;
	o.cmn_start = "model";
	if ((d = psd_open(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "stt-bench: %s\n", err);
		exit(1);
	}
	for (s = 0; s < 2; s++)
		for (i = 0; i < setn[s]; i++) {
			c = &set[s][i];
			if (i == 0 || strcmp(c->voice, c[-1].voice) != 0) {
				e.n = 0;
				m = 0;
			}
			psd_start_from(d, &e);
			psd_feed(d, c->pcm, c->n);
			psd_end(d, text, sizeof(text), &conf);
			psd_cmn_get(d, &e);
			if (++m <= 2)
				continue;
			for (j = 0; j < e.n; j++)
				sum[j] += e.v[j];
			n = e.n;
			k++;
		}
	psd_close(d);
	start[0] = '\0';
	for (j = 0; j < n; j++) {
		json_array_append_new(a, json_real(sum[j] / (double)k));
		off += (size_t)snprintf(start + off, len - off, "%s%.2f",
		    j ? "," : "", sum[j] / (double)k);
	}
	return a;
}

static json_t *
run(const struct clip *c, size_t n, enum stt_front front, const char *lm,
    const char *start)
{
	struct psd_opts o;
	struct psd_cmn caller = {0};
	struct ps_dec *d;
	size_t i, s, err = 0, words = 0, nref, slot_ok[SLOT_MAX] = {0},
	             slot_n[SLOT_MAX] = {0}, audio = 0, ok_all = 0,
	             slot_all = 0;
	uint64_t t0, busy = 0;
	char text[512], e[256];
	double conf;
	json_t *r, *sl;

	psd_defaults(&o);
	o.front = front;
	o.lm = lm;
	o.fast_final = fast_final;
	o.cmn_start = start;
	/* stt.search's override, as the streaming half's engine takes it */
	o.search = getenv("FRONTDESK_STT_SEARCH");
	if ((d = psd_open(&o, e, sizeof(e))) == NULL) {
		fprintf(stderr, "stt-bench: %s\n", e);
		return json_null();
	}
	for (i = 0; i < n; i++) {
		t0 = fd_mono_us();
		if (cmn_mode == CMN_RESET)
			psd_start_from(d, NULL);
		else if (cmn_mode == CMN_CALLER) {
			if (i == 0 || strcmp(c[i].voice, c[i - 1].voice) != 0)
				caller.n = 0;
			psd_start_from(d, &caller);
		} else
			psd_start(d);
		if (line_denoise)
			feed_denoised(d, c[i].pcm, c[i].n);
		else
			psd_feed(d, c[i].pcm, c[i].n);
		psd_end(d, text, sizeof(text), &conf);
		busy += fd_mono_us() - t0;
		psd_cmn_get(d, &caller);
		audio += c[i].n;
		err += wer_errors(c[i].ref, text, &nref);
		words += nref;
		if (verbose)
			fprintf(stderr, "[%s %s] %s -> %s (%.2f)\n",
			    psd_front_name(front), c[i].voice, c[i].ref, text,
			    conf);
		for (s = 0; c[i].utt && s < SLOT_MAX; s++) {
			if (c[i].utt->slot[s] == NULL)
				continue;
			slot_n[s]++;
			slot_all++;
			if (slot_found(text, c[i].utt->slot[s])) {
				slot_ok[s]++;
				ok_all++;
			}
		}
	}
	psd_close(d);
	r = json_pack("{s:f,s:i,s:i,s:f}", "wer",
	    words ? (double)err / words : 0.0, "errors", (int)err, "words",
	    (int)words, "rtf", audio ? busy / 1e6 / (audio / 8000.0) : 0.0);
	if (slot_all) {
		sl = json_object();
		for (s = 0; s < SLOT_MAX; s++)
			if (slot_n[s])
				json_object_set_new(sl, bench_slot_names[s],
				    json_real((double)slot_ok[s] / slot_n[s]));
		json_object_set_new(
		    sl, "all", json_real((double)ok_all / slot_all));
		json_object_set_new(r, "slot_accuracy", sl);
	}
	return r;
}

/* 16 kHz 16-bit mono: a WAV's data chunk, or a headerless .raw file. */
static int16_t *
read_audio16k(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char hdr[12], ck[8];
	int16_t *pcm = NULL;
	long size;
	size_t len;

	if (f == NULL)
		return NULL;
	len = strlen(path);
	if (len > 4 && strcmp(path + len - 4, ".wav") == 0) {
		if (fread(hdr, 1, 12, f) != 12 || memcmp(hdr, "RIFF", 4))
			goto fail;
		for (;;) {
			if (fread(ck, 1, 8, f) != 8)
				goto fail;
			size = ck[4] | ck[5] << 8 | ck[6] << 16 |
			    (long)ck[7] << 24;
			if (memcmp(ck, "data", 4) == 0)
				break;
			if (fseek(f, size + (size & 1), SEEK_CUR) != 0)
				goto fail;
		}
	} else {
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		fseek(f, 0, SEEK_SET);
	}
	if (size <= 0 || (pcm = malloc((size_t)size)) == NULL)
		goto fail;
	*n = fread(pcm, 2, (size_t)size / 2, f);
	fclose(f);
	return pcm;
fail:
	free(pcm);
	fclose(f);
	return NULL;
}

/* Set stt.<name> (a bool) in cfg. */
static void
stt_bool(config_t *cfg, const char *name, int v)
{
	config_setting_t *stt = config_lookup(cfg, "stt"), *b;

	if (stt == NULL)
		stt = config_setting_add(
		    config_root_setting(cfg), "stt", CONFIG_TYPE_GROUP);
	if (stt == NULL)
		return;
	if ((b = config_setting_get_member(stt, name)) == NULL)
		b = config_setting_add(stt, name, CONFIG_TYPE_BOOL);
	if (b)
		config_setting_set_bool(b, v);
}

/* Yes/no answers (some with more after them) streamed in real time with
 * the yes/no hint, under the three ways of searching them: what the
 * grammar adds to the final. */
static json_t *
hinted_endpointing(config_t *cfg, int quick)
{
	static const char *const said[] = {"yes", "no", "yes please",
	    "no thanks", "that's right", "no it isn't", "yeah", "nope",
	    "correct", "sounds good", "no make it wednesday",
	    "yes and an oil change"};
	static const struct {
		const char *name;
		int grammars, own;
	} modes[] = {{"model_only", 0, 0}, {"grammar_after_model", 1, 0},
	    {"grammar_beside_model", 1, 1}};
	static const char *const digits[] = {
	    "five five five, one two three, four five six seven",
	    "two oh one, eight six seven, five three oh nine",
	    "four three two one",
	    "nine eight seven, six five four, three two "
	    "one oh"};
	size_t ny = quick ? 4 : sizeof(said) / sizeof(said[0]),
	       nd = sizeof(digits) / sizeof(digits[0]), i, k = 0, ky = 0;
	struct clip *c = calloc(ny + nd, sizeof(*c));
	json_t *out = json_object(), *dj = json_object();

	for (i = 0; c && i < ny + nd; i++) {
		if (i == ny)
			ky = k; /* the yes/no clips synthesised */
		c[k].voice = voices[i % NVOICES];
		c[k].ref = i < ny ? said[i] : digits[i - ny];
		if ((c[k].pcm = flite_synth_8k(c[k].voice, c[k].ref, &c[k].n)))
			k++;
	}
	for (i = 0; c && i < sizeof(modes) / sizeof(modes[0]); i++) {
		stt_bool(cfg, "hint_grammars", modes[i].grammars);
		stt_bool(cfg, "grammar_decoder", modes[i].own);
		json_object_set_new(
		    out, modes[i].name, bench_stream(cfg, c, ky, "yesno"));
		json_object_set_new(dj, modes[i].name,
		    bench_stream(cfg, c + ky, k - ky, "digits"));
	}
	json_object_set_new(out, "digits", dj);
	for (i = 0; i < k; i++)
		free(c[i].pcm);
	free(c);
	return out;
}
