/*
 * ps_decoder.c - a pocketsphinx decoder for 8 kHz audio (see ps_decoder.h).
 * Library code for stt-worker's decoder pool and ps8k; talks to no process.
 *
 * The model's 16 kHz front end is kept and 8 kHz audio is zero-stuffed:
 * the mirror image of the telephone band lands in 4-8 kHz where the
 * model expects some energy, and the measured accuracy is far better than
 * with a clean low-pass interpolation or the 8 kHz feature settings (the
 * numbers are in stt-worker/README.md).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pocketsphinx.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/err.h>
#include <sphinxbase/feat.h>
#include <sphinxbase/fsg_model.h>

#include "speech/ps_decoder.h"
#include "speech/resample.h"

struct ps_dec {
	ps_decoder_t *ps;
	cmd_ln_t *cfg;
	enum stt_front front;
	double gain;
	int in_utt;
	int lm_serial;
	char lm_name[32]; /* the language model's search */
	char search[32]; /* the search now active (ps_get_search
				   leaks an iterator on every call) */
	int grammars; /* 1: the hint grammars are loaded */
	int name_grammar; /* 1: so is the name lists' */
	int has_lattice; /* the final pass keeps a lattice (n-best) */
	double reject_conf; /* see psd_opts */
	char *name_jsgf; /* the "name" grammar's text (its words) */
	char *first_alts, *last_alts; /* the lists' names in it */
	struct psd_cmn cmn0; /* a caller's start value (cmn_start) */
	char *gsearch; /* the grammars' own search settings, and */
	char *msearch; /* the model's values of the same settings */
	int16_t *buf; /* front-end scratch */
	size_t cap;
};

/* The answers to a yes/no question (psd_hint "yesno"): a yes or a no
 * with the words callers put around it.  Every answer comes out as one
 * of these, also one that is neither ("can I do Thursday instead"):
 * psd_hinted_pass keeps the model's hearing then.  No "oh" before the
 * answer and no "mhm" for a yes: a "no" whose /n/ the line noise hides
 * fits them best. */
static const char yesno_jsgf[] =
    "#JSGF V1.0;\n"
    "grammar yesno;\n"
    "public <answer> = [<lead>] (<yes> | <no>) [<tail>];\n"
    "<lead> = uh | um | well;\n"
    "<yes> = yes | yeah | yep | yup | sure | correct | right | okay |"
    " absolutely | definitely | of course | sounds good |"
    " that's right | that's correct | that's fine | it is;\n"
    "<no> = no | nope | nah | not really | incorrect | that's not right |"
    " that's wrong | it isn't | not at all;\n"
    "<tail> = please | thanks | thank you | that's right |"
    " that's correct | that's fine | that's wrong | it is | it isn't |"
    " that's not right | sounds good;\n";

/* Digits said one by one (psd_hint "digits"): the numbers the agent asks
 * for come in known lengths (a phone number 3-3-4, with a leading one or
 * without the area code, the last four of a VIN or a phone), and holding
 * the decoder to them keeps it from doubling a stretched digit.  Within
 * a group a caller may say "double five" or "triple oh" (spoken_digits
 * reads them).  A number of another length comes out as
 * the nearest of these, which the agent reads back before it keeps it. */
static const char digits_jsgf[] =
    "#JSGF V1.0;\n"
    "grammar digits;\n"
    "public <answer> = [<lead>] (<phone> | <g4>);\n"
    "<phone> = [one] <g3> <g3> <g4> | <g3> <g4>;\n"
    "<g3> = <d> <d> <d> | double <d> <d> | <d> double <d> | triple <d>;\n"
    "<g4> = <d> <d> <d> <d> | double <d> <d> <d> | <d> double <d> <d> |"
    " <d> <d> double <d> | double <d> double <d> | triple <d> <d> |"
    " <d> triple <d>;\n"
    "<lead> = uh | um | it's | it is | my number is | the number is |"
    " my phone number is | the phone number is | the last four are;\n"
    "<d> = zero | oh | one | two | three | four | five | six | seven |"
    " eight | nine;\n";

/* A name spelled (psd_hint "spell"): letters, said as letters or in the
 * NATO alphabet, "double" before a doubled one.  The radio words weigh
 * more: a bare letter ("o") otherwise fits the pause between two. */
static const char spell_jsgf[] =
    "#JSGF V1.0;\n"
    "grammar spell;\n"
    "public <answer> = [<lead>] <l> <l> <l>*;\n"
    "<lead> = it's | it is | that's | that is | um | uh;\n"
    "<l> = [double] (/1/ <letter> | /8/ <nato>);\n"
    "<letter> = a | b | c | d | e | f | g | h | i | j | k | l | m | n |"
    " o | p | q | r | s | t | u | v | w | x | y | z;\n"
    "<nato> = alpha | bravo | charlie | delta | echo | foxtrot | golf |"
    " hotel | india | juliet | kilo | lima | mike | november | oscar |"
    " papa | quebec | romeo | sierra | tango | uniform | victor |"
    " whiskey | x-ray | yankee | zulu;\n";

/* The confidence from which the model's hearing of words outside the
 * grammar is kept (psd_hinted_pass), tuned on stt-bench's dev split.  A
 * yes/no answer the grammar forces on a caller who said neither would
 * book or cancel on it, so the model's way out is wide there; a name or a
 * number the grammar forces is read back or spelled, so its way out is
 * for clear hearings only. */
#define PSD_REJECT_CONF 0.2
#define PSD_REJECT_CONF_SLOT 0.5
/* A yes/no answer the model heard this many words of outside the
 * grammar is the model's whatever its confidence (psd_hinted_pass). */
#define PSD_FOREIGN_WORDS 3

/* How steeply a name's weight in the "name" grammar falls with its rank
 * in the frequency lists (name_alts): tuned on stt-bench's dev split. */
#define PSD_NAMES_ZIPF 0.5

/* " | /w/ name" for each name of the list at path the dictionary knows,
 * appended to *g (malloc'd, grown).  The lists are ordered by how many
 * people bear each name, and a caller is as likely to: the name of rank r
 * weighs r^-zipf (0: all alike).  0 or -1. */
static int
name_alts(struct ps_dec *d, const char *path, double zipf, char **g,
    size_t *len, size_t *cap)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *nb, *pron, w[32];
	size_t lcap = 0, wl;
	int n = 0;

	if (f == NULL)
		return -1;
	while (getline(&line, &lcap, f) > 0) {
		wl = strcspn(line, " \t\r\n");
		line[wl] = '\0';
		if (wl == 0 || line[0] == '#' ||
		    strspn(line, "abcdefghijklmnopqrstuvwxyz'-") != wl)
			continue;
		if ((pron = ps_lookup_word(d->ps, line)) == NULL)
			continue;
		ckd_free(pron);
		if (*len + wl + 40 > *cap) {
			if ((nb = realloc(*g, *cap * 2 + wl + 40)) == NULL)
				break;
			*g = nb;
			*cap = *cap * 2 + wl + 40;
		}
		w[0] = '\0';
		if (zipf > 0)
			snprintf(w, sizeof(w), "/%.6f/ ", pow(n + 1, -zipf));
		*len += (size_t)snprintf(
		    *g + *len, *cap - *len, "%s%s%s", n ? " | " : "", w, line);
		n++;
	}
	free(line);
	fclose(f);
	return n ? 0 : -1;
}

/* Append str to *g (length *len, capacity *cap, grown).  0 or -1. */
static int
append(char **g, size_t *len, size_t *cap, const char *str)
{
	size_t l = strlen(str);
	char *nb;

	if (*len + l + 1 > *cap) {
		if ((nb = realloc(*g, *cap * 2 + l + 1)) == NULL)
			return -1;
		*g = nb;
		*cap = *cap * 2 + l + 1;
	}
	memcpy(*g + *len, str, l + 1);
	*len += l;
	return 0;
}

/* "/1/ name | " for each of the n words the dictionary knows (names the
 * business has heard of: the CRM's, the agent's hints), each weighing as
 * much as the lists' most frequent name, appended to *g.  0 or -1. */
static int
extra_alts(struct ps_dec *d, const char *const *words, size_t n, char **g,
    size_t *len, size_t *cap)
{
	char *pron, alt[64];
	size_t i, wl;

	for (i = 0; i < n; i++) {
		if (words[i] == NULL)
			continue;
		wl = strlen(words[i]);
		if (wl == 0 || wl > 40 ||
		    strspn(words[i], "abcdefghijklmnopqrstuvwxyz'-") != wl)
			continue;
		if ((pron = ps_lookup_word(d->ps, words[i])) == NULL)
			continue;
		ckd_free(pron);
		snprintf(alt, sizeof(alt), "/1/ %s | ", words[i]);
		if (append(g, len, cap, alt) != 0)
			return -1;
	}
	return 0;
}

/* Arcs from state `from` to `to` of fsg for the names of extra (weight 1
 * each) and of alts (name_alts' text: "[/w/ ]name | ..."), each with its
 * share of the weights. */
static void
name_arcs(fsg_model_t *fsg, logmath_t *lm, float32 lw, int from, int to,
    const char *const *extra, size_t n, const char *alts)
{
	const char *p;
	char w[48];
	double sum = 0, wt;
	size_t i, l;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			if (extra[i] == NULL ||
			    fsg_model_word_id(fsg, extra[i]) < 0)
				continue;
			if (pass == 0)
				sum += 1;
			else
				fsg_model_trans_add(fsg, from, to,
				    (int32)(logmath_log(lm, 1 / sum) * lw),
				    fsg_model_word_id(fsg, extra[i]));
		}
		for (p = alts; *p;) {
			p += strspn(p, " |");
			wt = 1;
			if (*p == '/') {
				wt = atof(p + 1);
				p = strchr(p + 1, '/');
				if (p == NULL)
					break;
				p += 1 + strspn(p + 1, " ");
			}
			if ((l = strcspn(p, " |;")) == 0)
				break;
			if (l < sizeof(w) && wt > 0) {
				memcpy(w, p, l);
				w[l] = '\0';
				if (pass == 0)
					sum += wt;
				else
					fsg_model_trans_add(fsg, from, to,
					    (int32)(logmath_log(lm, wt / sum) *
					        lw),
					    fsg_model_word_add(fsg, w));
			}
			p += l;
		}
	}
}

static int search_args(cmd_ln_t *cfg, const char *args);

/* Make the search settings the slot grammars' (on: digits, spell,
 * name; psd_opts.grammar_search) or the model's again: pocketsphinx
 * reads them when a search is set up, so a grammar gets its own by being
 * set up between the two.  A grammar forces every answer into its words
 * and lengths, and in line noise a noise the search could not take for a
 * filler or silence became a digit or a name's syllable: the slot
 * grammars let it (a filler and silence more likely, a word costlier)
 * where the model must not (fillers would eat its words).  0 or -1. */
static int
grammar_settings(struct ps_dec *d, int on)
{
	if (d->gsearch == NULL)
		return 0;
	return search_args(d->cfg, on ? d->gsearch : d->msearch);
}

/* The "name" grammar as a finite-state grammar built here, not parsed
 * from JSGF: sphinxbase's JSGF parser keeps ~100 bytes of every
 * alternative for good, half a megabyte for the name lists, at every
 * rebuild.  [lead] first last, like the JSGF text in d->name_jsgf.  0 or
 * -1. */
static int
name_fsg(struct ps_dec *d, const char *const *extra, size_t n)
{
	static const char *const leads[] = {"uh", "um", "it's", "it is",
	    "this is", "my name is", "i'm", "yes it's"};
	const size_t nleads = sizeof(leads) / sizeof(leads[0]);
	logmath_t *lm = ps_get_logmath(d->ps);
	float32 lw = cmd_ln_float32_r(ps_get_config(d->ps), "-lw");
	fsg_model_t *fsg = fsg_model_init("name", lm, lw, 16);
	char w[32];
	const char *p;
	int from, to, next = 4, rc;
	size_t i, l;
	glist_t nulls;

	if (fsg == NULL)
		return -1;
	/* 0 start, 1 after the lead, 2 after the given name, 3 final, then
	 * the states inside leads of several words */
	fsg->start_state = 0;
	fsg->final_state = 3;
	/* a word of the grammar the dictionary lacks fails it whole */
	for (i = 0; i < n; i++)
		if (extra[i] && psd_knows(d, extra[i]))
			fsg_model_word_add(fsg, extra[i]);
	for (i = 0; i < nleads; i++) {
		for (from = 0, p = leads[i]; *p; from = to) {
			l = strcspn(p, " ");
			snprintf(w, sizeof(w), "%.*s", (int)l, p);
			p += l + strspn(p + l, " ");
			to = *p ? next++ : 1;
			fsg_model_trans_add(fsg, from, to,
			    from == 0
			        ? (int32)(logmath_log(lm, 1.0 / nleads) * lw)
			        : 0,
			    fsg_model_word_add(fsg, w));
		}
	}
	fsg_model_null_trans_add(fsg, 0, 1, 0);
	name_arcs(fsg, lm, lw, 1, 2, extra, n, d->first_alts);
	name_arcs(fsg, lm, lw, 2, 3, extra, n, d->last_alts);
	nulls = fsg_model_null_trans_closure(fsg, NULL);
	glist_free(nulls);
	grammar_settings(d, 1);
	rc = ps_set_fsg(d->ps, "name", fsg);
	grammar_settings(d, 0);
	fsg_model_free(fsg);
	return rc;
}

/* The "name" hint's grammar: a given name and a surname from the lists
 * (d->first_alts, d->last_alts) and the n words of extra before them, as
 * either, with the words callers put before them.  0 or -1. */
static int
name_grammar(struct ps_dec *d, const char *const *extra, size_t n)
{
	static const char head[] =
	    "#JSGF V1.0;\n"
	    "grammar name;\n"
	    "public <answer> = [<lead>] <first> <last>;\n"
	    "<lead> = uh | um | it's | it is | this is | my name is |"
	    " i'm | yes it's;\n"
	    "<first> = ";
	size_t cap = 16384, len = 0;
	char *g = malloc(cap);
	int rc;

	if (g == NULL)
		return -1;
	g[0] = '\0';
	rc = append(&g, &len, &cap, head) != 0 ||
	        extra_alts(d, extra, n, &g, &len, &cap) != 0 ||
	        append(&g, &len, &cap, d->first_alts) != 0 ||
	        append(&g, &len, &cap, ";\n<last> = ") != 0 ||
	        extra_alts(d, extra, n, &g, &len, &cap) != 0 ||
	        append(&g, &len, &cap, d->last_alts) != 0 ||
	        append(&g, &len, &cap, ";\n") != 0
	    ? -1
	    : name_fsg(d, extra, n);
	if (rc == 0) {
		free(d->name_jsgf);
		d->name_jsgf = g;
	} else
		free(g);
	return rc;
}

/* The name lists' alternatives (name_alts), kept for name_grammar.  0 or
 * -1. */
static int
name_lists(struct ps_dec *d, const char *first, const char *last, double zipf)
{
	size_t cap = 16384, len = 0;

	if ((d->first_alts = malloc(cap)) == NULL ||
	    name_alts(d, first, zipf, &d->first_alts, &len, &cap) != 0)
		return -1;
	cap = 16384;
	len = 0;
	if ((d->last_alts = malloc(cap)) == NULL ||
	    name_alts(d, last, zipf, &d->last_alts, &len, &cap) != 0)
		return -1;
	return name_grammar(d, NULL, 0);
}

int
psd_set_names(struct ps_dec *d, const char *const *words, size_t n)
{
	if (d->in_utt || !d->name_grammar)
		return -1;
	/* the grammar being replaced may be the active search */
	if (strcmp(d->search, "name") == 0 && psd_hint(d, NULL) != 0)
		return -1;
	return name_grammar(d, words, n);
}

/* The words the grammars and the name lists need, gathered to look them
 * up in the whole dictionary: lower-case tokens, sorted. */
struct wordset {
	char **w;
	size_t n, cap;
};

static void
wordset_add_text(struct wordset *ws, const char *text)
{
	const char *p = text;
	char **nw;
	size_t n;

	while (*p) {
		n = strspn(p, "abcdefghijklmnopqrstuvwxyz'-");
		if (n == 0) {
			p++;
			continue;
		}
		if (ws->n == ws->cap) {
			ws->cap = ws->cap ? 2 * ws->cap : 256;
			if ((nw = realloc(ws->w, ws->cap * sizeof(*nw))) ==
			    NULL)
				return;
			ws->w = nw;
		}
		if ((ws->w[ws->n] = strndup(p, n)) != NULL)
			ws->n++;
		p += n;
	}
}

static void
wordset_add_file(struct wordset *ws, const char *path)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return;
	while (getline(&line, &cap, f) > 0)
		if (line[0] != '#')
			wordset_add_text(ws, line);
	free(line);
	fclose(f);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A line of a pronunciation dictionary, "word  ph ones", split in place
 * (the line's end cut): 0 with the word and its phones, -1 for a line
 * without both. */
static int
dict_line(char *line, char **word, char **phones)
{
	char *ph;

	line[strcspn(line, "\r\n")] = '\0';
	if ((ph = strpbrk(line, " \t")) == NULL)
		return -1;
	*ph++ = '\0';
	ph += strspn(ph, " \t");
	if (*ph == '\0')
		return -1;
	*word = line;
	*phones = ph;
	return 0;
}

/* Add to the decoder's dictionary the words of the grammars and the name
 * lists it lacks (it was loaded with a model's own words), with their
 * first pronunciation in the whole dictionary o->word_dict, then load
 * the language model again: pocketsphinx adds each new word to the
 * model being searched as well, which the model's own search does not
 * survive.  Words found nowhere are left out (a grammar's load then
 * fails, a name is skipped).  0 or -1 (the model did not load). */
static int
add_grammar_words(struct ps_dec *d, const struct psd_opts *o)
{
	struct wordset ws = {0};
	char line[512], *w, *ph;
	size_t i;
	FILE *f;
	int added = 0, rc = 0;

	wordset_add_text(&ws, yesno_jsgf);
	wordset_add_text(&ws, digits_jsgf);
	wordset_add_text(&ws, spell_jsgf);
	wordset_add_text(&ws, "uh um it's it is this is my name is i'm yes");
	wordset_add_file(&ws, o->names_first);
	wordset_add_file(&ws, o->names_last);
	if (ws.n && (f = fopen(o->word_dict, "r")) != NULL) {
		qsort(ws.w, ws.n, sizeof(*ws.w), cmp_str);
		while (fgets(line, sizeof(line), f)) {
			if (dict_line(line, &w, &ph) != 0 ||
			    strchr(w, '(') != NULL ||
			    bsearch(&w, ws.w, ws.n, sizeof(*ws.w), cmp_str) ==
			        NULL ||
			    psd_knows(d, w))
				continue;
			added += ps_add_word(d->ps, w, ph, FALSE) >= 0;
		}
		fclose(f);
	}
	if (added) {
		rc = psd_set_lm(d, o->lm);
		if (rc == 0)
			ps_unset_search(d->ps, "_default");
	}
	for (i = 0; i < ws.n; i++)
		free(ws.w[i]);
	free(ws.w);
	return rc;
}

void
psd_defaults(struct psd_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->hmm = STT_MODEL_DIR "/en-us";
	o->dict = STT_MODEL_DIR "/cmudict-en-us.dict";
	o->lm = STT_MODEL_DIR "/en-us.lm.bin";
	o->front = STT_FRONT_ZERO;
	o->gain = 2.0;
	o->upperf = 3500;
}

int
psd_front_parse(const char *s)
{
	if (strcmp(s, "zero") == 0)
		return STT_FRONT_ZERO;
	if (strcmp(s, "lowpass") == 0)
		return STT_FRONT_LOWPASS;
	if (strcmp(s, "native8k") == 0)
		return STT_FRONT_NATIVE8K;
	return -1;
}

const char *
psd_front_name(enum stt_front f)
{
	switch (f) {
	case STT_FRONT_ZERO:
		return "zero";
	case STT_FRONT_LOWPASS:
		return "lowpass";
	case STT_FRONT_NATIVE8K:
		return "native8k";
	}
	return "?";
}

/*
 * The model's feat.params pins -upperf 6800, and it overrides arguments, so
 * 8 kHz features need a copy of the model directory (links) with our own
 * feat.params.  The directory is removed once the model is loaded.
 */
static int
model8k_dir(const char *hmm, int upperf, char *dir, size_t len)
{
	static const char *const files[] = {"mdef", "means", "variances",
	    "sendump", "mixture_weights", "transition_matrices", "noisedict"};
	char src[512], dst[512], line[256];
	FILE *in, *out;
	size_t i;

	snprintf(dir, len, "/tmp/stt-hmm8k-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(src, sizeof(src), "%s/%s", hmm, files[i]);
		snprintf(dst, sizeof(dst), "%s/%s", dir, files[i]);
		if (access(src, R_OK) == 0)
			(void)symlink(src, dst);
	}
	snprintf(src, sizeof(src), "%s/feat.params", hmm);
	snprintf(dst, sizeof(dst), "%s/feat.params", dir);
	if ((in = fopen(src, "r")) == NULL)
		return -1;
	if ((out = fopen(dst, "w")) == NULL) {
		fclose(in);
		return -1;
	}
	while (fgets(line, sizeof(line), in))
		if (strncmp(line, "-upperf", 7) != 0)
			fputs(line, out);
	fprintf(out, "-upperf %d\n", upperf);
	fclose(in);
	return fclose(out) == 0 ? 0 : -1;
}

static void
model8k_remove(const char *dir)
{
	char path[512];
	DIR *dp = opendir(dir);
	struct dirent *e;

	while (dp && (e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (dp)
		closedir(dp);
	rmdir(dir);
}

/*
 * Where a caller's channel estimate starts.  The model's own start value
 * (its feat.params -cmninit) is that of wideband speech; telephone audio
 * through each front end settles far from it, so a call's first
 * utterances would be decoded against the wrong channel (stt-bench -q
 * shows the cost).  These are the means of
 * the estimates the decoder settles at over stt-bench's clips (three
 * flite voices and the recorded human speech, 8 kHz mu-law, gain 2),
 * each voice carried from the model's value and counted after its second
 * clip: `stt-bench -C learn` prints them.
 */
static const float telephone_cmn[][13] = {
    [STT_FRONT_ZERO] = {56.14, -2.35, 12.55, 5.47, 10.65, -10.89, 8.11, -2.21,
        -6.74, 9.44, -6.05, 7.15, 0.36},
    [STT_FRONT_LOWPASS] = {47.14, 27.83, -28.18, 48.06, -21.20, 4.95, 9.52,
        -17.40, 13.99, -10.53, 6.87, 3.19, -2.82},
    [STT_FRONT_NATIVE8K] = {54.08, 3.57, 12.68, 1.24, -0.29, -0.30, -1.93, 3.53,
        1.76, 1.81, 0.84, 0.68, 1.40},
};

/* Set the live channel estimate (ignored if its size is not the model's). */
static void
cmn_set(struct ps_dec *d, const struct psd_cmn *e)
{
	cmn_t *c = ps_get_feat(d->ps)->cmn_struct;
	mfcc_t v[PSD_CMN_MAX];
	int i;

	if (c == NULL || e->n != c->veclen)
		return;
	for (i = 0; i < e->n; i++)
		v[i] = (mfcc_t)e->v[i];
	cmn_live_set(c, v);
}

int
psd_cmn_parse(const char *s, struct psd_cmn *out, int *model)
{
	char *end;
	float v;

	out->n = 0;
	*model = 0;
	if (s == NULL || *s == '\0')
		return 0;
	if (strcmp(s, "model") == 0) {
		*model = 1;
		return 0;
	}
	for (;;) {
		v = strtof(s, &end);
		if (end == s || out->n == PSD_CMN_MAX)
			return -1;
		out->v[out->n++] = v;
		while (*end == ' ')
			end++;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

/* Apply "-name value ..." to cfg: each name one of pocketsphinx's
 * numeric or yes/no options (the model, dictionary and rate are ours);
 * 0 or -1. */
static int
search_args(cmd_ln_t *cfg, const char *args)
{
	const arg_t *a;
	char *copy = strdup(args), *save = NULL, *name, *value, *end;
	double v;
	int rv = 0;

	if (copy == NULL)
		return -1;
	for (name = strtok_r(copy, " \t", &save); name && rv == 0;
	     name = strtok_r(NULL, " \t", &save)) {
		value = strtok_r(NULL, " \t", &save);
		for (a = ps_args(); a->name; a++)
			if (strcmp(a->name, name) == 0)
				break;
		rv = -1;
		if (a->name == NULL || value == NULL)
			break;
		if (a->type & ARG_BOOLEAN) {
			if (strcmp(value, "yes") != 0 &&
			    strcmp(value, "no") != 0)
				break;
			cmd_ln_set_boolean_r(
			    cfg, name, strcmp(value, "yes") == 0);
		} else if (a->type & (ARG_INTEGER | ARG_FLOATING)) {
			v = strtod(value, &end);
			if (*end != '\0')
				break;
			if (a->type & ARG_INTEGER)
				cmd_ln_set_int_r(cfg, name, (long)v);
			else
				cmd_ln_set_float_r(cfg, name, v);
		} else
			break;
		rv = 0;
	}
	free(copy);
	return rv;
}

/* The values cfg has now for the options named in args ("-name value"
 * pairs), as such pairs (malloc'd), or NULL. */
static char *
search_values(cmd_ln_t *cfg, const char *args)
{
	char *copy = strdup(args), *save = NULL, *name, *out;
	size_t cap = strlen(args) * 2 + 256, len = 0;
	const arg_t *a;

	out = malloc(cap);
	if (copy == NULL || out == NULL) {
		free(copy);
		free(out);
		return NULL;
	}
	out[0] = '\0';
	for (name = strtok_r(copy, " \t", &save); name;
	     name = strtok_r(NULL, " \t", &save)) {
		if (strtok_r(NULL, " \t", &save) == NULL)
			break;
		for (a = ps_args(); a->name; a++)
			if (strcmp(a->name, name) == 0)
				break;
		if (a->name == NULL || len + 64 + strlen(name) > cap)
			break;
		if (a->type & ARG_BOOLEAN)
			len += (size_t)snprintf(out + len, cap - len, "%s %s ",
			    name, cmd_ln_boolean_r(cfg, name) ? "yes" : "no");
		else if (a->type & ARG_INTEGER)
			len += (size_t)snprintf(out + len, cap - len, "%s %ld ",
			    name, cmd_ln_int_r(cfg, name));
		else if (a->type & ARG_FLOATING)
			len += (size_t)snprintf(out + len, cap - len,
			    "%s %.17g ", name, cmd_ln_float_r(cfg, name));
	}
	free(copy);
	return out;
}

struct ps_dec *
psd_open(const struct psd_opts *o, char *err, size_t errlen)
{
	struct ps_dec *d;
	struct psd_cmn start;
	const char *gsearch;
	char upper[16], dir8k[64];
	int model, i;

	/* pocketsphinx logs to stderr by default; our log is ours */
	err_set_logfp(NULL);
	if (psd_cmn_parse(o->cmn_start, &start, &model) != 0) {
		snprintf(err, errlen,
		    "cmn_start \"%s\" is not \"model\" or "
		    "a list of numbers",
		    o->cmn_start);
		return NULL;
	}
	if (!model && start.n == 0 && telephone_cmn[o->front][0] != 0) {
		start.n = 13;
		for (i = 0; i < 13; i++)
			start.v[i] = telephone_cmn[o->front][i];
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->front = o->front;
	d->gain = o->gain > 0 ? o->gain : 2.0;
	d->has_lattice = !o->fast_final;
	d->reject_conf = o->reject_conf > 0 ? o->reject_conf : PSD_REJECT_CONF;
	snprintf(upper, sizeof(upper), "%d", o->upperf > 0 ? o->upperf : 3500);
	if (o->front == STT_FRONT_NATIVE8K) {
		if (model8k_dir(o->hmm, o->upperf > 0 ? o->upperf : 3500, dir8k,
		        sizeof(dir8k)) != 0) {
			snprintf(err, errlen, "cannot prepare the 8 kHz model");
			model8k_remove(dir8k);
			free(d);
			return NULL;
		}
		d->cfg = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", dir8k,
		    "-dict", o->dict, "-lm", o->lm, "-samprate", "8000",
		    "-nfft", "256", "-upperf", upper, NULL);
	} else
		d->cfg = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", o->hmm,
		    "-dict", o->dict, "-lm", o->lm, "-samprate", "16000",
		    "-fwdflat", o->fast_final ? "no" : "yes", "-bestpath",
		    o->fast_final ? "no" : "yes", NULL);
	if (d->cfg != NULL && o->search && o->search[0] &&
	    search_args(d->cfg, o->search) != 0) {
		if (o->front == STT_FRONT_NATIVE8K)
			model8k_remove(dir8k);
		snprintf(err, errlen,
		    "pocketsphinx: bad search settings \"%s\"", o->search);
		cmd_ln_free_r(d->cfg);
		free(d);
		return NULL;
	}
	if (d->cfg == NULL) {
		if (o->front == STT_FRONT_NATIVE8K)
			model8k_remove(dir8k);
		snprintf(err, errlen, "pocketsphinx: bad configuration");
		free(d);
		return NULL;
	}
	gsearch = o->grammar_search ? o->grammar_search : PSD_GRAMMAR_SEARCH;
	if (d->cfg != NULL && o->grammars && gsearch[0]) {
		d->gsearch = strdup(gsearch);
		d->msearch = search_values(d->cfg, gsearch);
		if (d->gsearch == NULL || d->msearch == NULL ||
		    search_args(d->cfg, d->gsearch) != 0 ||
		    search_args(d->cfg, d->msearch) != 0) {
			if (o->front == STT_FRONT_NATIVE8K)
				model8k_remove(dir8k);
			snprintf(err, errlen,
			    "pocketsphinx: bad grammar search settings "
			    "\"%s\"",
			    gsearch);
			cmd_ln_free_r(d->cfg);
			free(d->gsearch);
			free(d->msearch);
			free(d);
			return NULL;
		}
	}
	d->ps = ps_init(d->cfg);
	if (o->front == STT_FRONT_NATIVE8K)
		model8k_remove(dir8k);
	if (d->ps == NULL) {
		snprintf(err, errlen,
		    "pocketsphinx: cannot load model %s "
		    "(dict %s, lm %s)",
		    o->hmm, o->dict, o->lm);
		cmd_ln_free_r(d->cfg);
		free(d->gsearch);
		free(d->msearch);
		free(d);
		return NULL;
	}
	/* pocketsphinx names the -lm search "_default"; without it no
	 * grammar, as the way back to the model would be unknown */
	snprintf(d->lm_name, sizeof(d->lm_name), "_default");
	snprintf(d->search, sizeof(d->search), "%s", d->lm_name);
	if (o->grammars && ps_set_search(d->ps, d->lm_name) == 0) {
		if (o->word_dict && strcmp(o->word_dict, o->dict) != 0 &&
		    add_grammar_words(d, o) != 0) {
			snprintf(err, errlen,
			    "pocketsphinx: cannot load %s again with the "
			    "grammars' words",
			    o->lm);
			psd_close(d);
			return NULL;
		}
		/* the yes/no grammar is searched as the model is: the
		 * slot grammars' settings cost it an answer in noise */
		d->grammars =
		    ps_set_jsgf_string(d->ps, "yesno", yesno_jsgf) == 0 &&
		    grammar_settings(d, 1) == 0 &&
		    ps_set_jsgf_string(d->ps, "digits", digits_jsgf) == 0 &&
		    ps_set_jsgf_string(d->ps, "spell", spell_jsgf) == 0;
		grammar_settings(d, 0);
		d->name_grammar = o->names_first && o->names_last &&
		    name_lists(d, o->names_first, o->names_last,
		        o->names_zipf < 0       ? 0
		            : o->names_zipf > 0 ? o->names_zipf
		                                : PSD_NAMES_ZIPF) == 0;
		ps_set_search(d->ps, d->lm_name);
	}
	psd_cmn_get(d, &d->cmn0);
	if (start.n > 0 && start.n != d->cmn0.n) {
		snprintf(err, errlen,
		    "cmn_start has %d numbers, the model's "
		    "features %d",
		    start.n, d->cmn0.n);
		psd_close(d);
		return NULL;
	}
	if (start.n > 0) {
		d->cmn0 = start;
		cmn_set(d, &start);
	}
	return d;
}

void
psd_close(struct ps_dec *d)
{
	if (d == NULL)
		return;
	if (d->in_utt)
		ps_end_utt(d->ps);
	ps_free(d->ps);
	cmd_ln_free_r(d->cfg);
	free(d->name_jsgf);
	free(d->gsearch);
	free(d->msearch);
	free(d->first_alts);
	free(d->last_alts);
	free(d->buf);
	free(d);
}

int
psd_hint(struct ps_dec *d, const char *expect)
{
	const char *search = d->lm_name;

	if (d->in_utt)
		return -1;
	if (d->grammars && expect &&
	    (strcmp(expect, "yesno") == 0 || strcmp(expect, "digits") == 0 ||
	        strcmp(expect, "spell") == 0))
		search = expect;
	if (d->name_grammar && expect && strcmp(expect, "name") == 0)
		search = expect;
	if (strcmp(d->search, search) == 0)
		return 0;
	if (ps_set_search(d->ps, search) != 0)
		return -1;
	snprintf(d->search, sizeof(d->search), "%s", search);
	return 0;
}

int
psd_has_grammar(struct ps_dec *d, const char *expect)
{
	if (expect == NULL)
		return 0;
	if (d->grammars &&
	    (strcmp(expect, "yesno") == 0 || strcmp(expect, "digits") == 0 ||
	        strcmp(expect, "spell") == 0))
		return 1;
	return d->name_grammar && strcmp(expect, "name") == 0;
}

/* The grammar searched for an expect psd_has_grammar accepts. */
static const char *
grammar_text(struct ps_dec *d, const char *expect)
{
	if (strcmp(expect, "yesno") == 0)
		return yesno_jsgf;
	if (strcmp(expect, "digits") == 0)
		return digits_jsgf;
	if (strcmp(expect, "spell") == 0)
		return spell_jsgf;
	return d->name_jsgf ? d->name_jsgf : "";
}

/* 1 if word (its letters, apostrophes and hyphens) is one of grammar g's
 * words. */
static int
grammar_has(const char *g, const char *word, size_t wl)
{
	const char *p = g;
	size_t n;

	while (*p) {
		n = strspn(p, "abcdefghijklmnopqrstuvwxyz'-");
		if (n == wl && strncmp(p, word, wl) == 0)
			return 1;
		p += n ? n : 1;
	}
	return 0;
}

/* Words of text, and those of them not in grammar g. */
static void
count_foreign(const char *g, const char *text, int *words, int *foreign)
{
	const char *p = text;
	size_t n;

	*words = *foreign = 0;
	while (*p) {
		p += strspn(p, " ");
		if ((n = strcspn(p, " ")) == 0)
			break;
		/* silences and fillers are no words */
		if (p[0] != '<' && p[0] != '[') {
			(*words)++;
			*foreign += !grammar_has(g, p, strcspn(p, " ("));
		}
		p += n;
	}
}

/* 1 if the first word of text (fillers skipped) is a plain yes or no
 * ("no", "yeah", "sure"): the caller answered, whatever came after. */
static int
leads_polar(const char *text)
{
	static const char *const polar[] = {"yes", "yeah", "yep", "yup", "sure",
	    "correct", "okay", "absolutely", "definitely", "no", "nope", "nah"};
	const char *p = text;
	size_t n, i;

	for (;;) {
		p += strspn(p, " ");
		if ((n = strcspn(p, " ")) == 0)
			return 0;
		if (p[0] != '<' && p[0] != '[' && strncmp(p, "uh ", 3) != 0 &&
		    strncmp(p, "um ", 3) != 0 && strncmp(p, "well ", 5) != 0)
			break;
		p += n;
	}
	n = strcspn(p, " (");
	for (i = 0; i < sizeof(polar) / sizeof(polar[0]); i++)
		if (strlen(polar[i]) == n && strncmp(p, polar[i], n) == 0)
			return 1;
	return 0;
}

/* The cues of a yes and of a no, the agent's way (agent/intent.c): the
 * first cue from the left decides, a no's before a yes's at the same
 * word ("not right" is a no).  "that's it" and "that's all" close an
 * "anything else?" with a no. */
static const char *const no_cues[] = {"no", "nope", "nah", "not", "wrong",
    "don't", "incorrect", "isn't", "negative", "that's it", "that's all", NULL};
static const char *const yes_cues[] = {"yes", "yeah", "yep", "yup", "sure",
    "correct", "right", "absolutely", "definitely", "okay", "fine", "perfect",
    "of course", "sounds good", "it is", "uh-huh", NULL};

/* 1 if the words at p (one or two, "word" or "word(2)") are cue. */
static int
cue_at(const char *p, const char *cue)
{
	size_t n;

	for (;;) {
		n = strcspn(cue, " ");
		if (strncmp(p, cue, n) != 0 ||
		    (p[n] != '\0' && p[n] != ' ' && p[n] != '('))
			return 0;
		p += n;
		p += strcspn(p, " ");
		p += strspn(p, " ");
		cue += n;
		if (*cue == '\0')
			return 1;
		cue++;
	}
}

int
psd_polarity(const char *text)
{
	const char *p = text;
	size_t i;

	for (p += strspn(p, " "); *p;) {
		for (i = 0; no_cues[i]; i++)
			if (cue_at(p, no_cues[i]))
				return -1;
		for (i = 0; yes_cues[i]; i++)
			if (cue_at(p, yes_cues[i]))
				return 1;
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	return 0;
}

/* Take the grammar's hearing (gtext, gconf; g's last utterance) or keep
 * the model's (text, conf, det): see psd_hinted_pass.  1 taken, 0 kept,
 * -1 out of memory. */
static int
choose(struct ps_dec *g, const char *expect, const char *gtext, double gconf,
    char *text, size_t len, double *conf, struct psd_detail *det,
    struct psd_pass_info *info)
{
	struct psd_detail *gd;
	int i, words, foreign, keep;

	count_foreign(grammar_text(g, expect), text, &words, &foreign);
	if (info) {
		snprintf(info->model, sizeof(info->model), "%s", text);
		info->model_conf = *conf;
		info->words = words;
		info->foreign = foreign;
		snprintf(info->grammar, sizeof(info->grammar), "%s", gtext);
	}
	/* a yes or a no with more to it ("no, make it Wednesday") is the
	 * model's, however unsure: it heard the yes or the no itself, and
	 * the grammar would keep that and drop the rest.  So is an answer
	 * of several words the grammar has none of (the caller said
	 * something else: the grammar would make it a yes or a no), and a
	 * shorter one from reject_conf on */
	if (strcmp(expect, "yesno") == 0)
		keep = (foreign > 0 &&
		           (leads_polar(text) || foreign >= PSD_FOREIGN_WORDS ||
		               *conf >= g->reject_conf)) ||
		    /* the grammar never turns a no the model heard into a
		     * yes ("no, that's it, thanks" made "uh correct
		     * thanks"): a yes it got wrong would book or cancel.
		     * The other way round a wrong no costs a question
		     * again, and the model's unsure yes is often a no it
		     * half heard ("incorrect" heard "correct") */
		    (psd_polarity(text) < 0 && psd_polarity(gtext) > 0);
	else if (strcmp(expect, "name") == 0)
		keep = foreign > 0 && 2 * foreign >= words &&
		    *conf >= PSD_REJECT_CONF_SLOT;
	else
		/* a number or a spelling asked for and a "no" heard ("No,
		 * I don't have it"): the caller is not giving one */
		keep = foreign > 0 &&
		    (leads_polar(text) ||
		        (2 * foreign >= words &&
		            *conf >= PSD_REJECT_CONF_SLOT));
	if (gtext[0] == '\0' || keep)
		return 0;
	if ((gd = malloc(sizeof(*gd))) == NULL)
		return -1;
	psd_detail(g, gconf, gd);
	/* the model's hearing goes last among the alternatives, so the agent
	 * sees what else it could have been */
	if (text[0] && strcmp(text, gtext) != 0) {
		i = gd->nalts < PSD_NBEST ? gd->nalts : PSD_NBEST - 1;
		snprintf(gd->alt[i], sizeof(gd->alt[i]), "%s", text);
		gd->alt_conf[i] = *conf;
		gd->nalts = i + 1;
	}
	/* a grammar's posterior is near 1 whatever was said; the model
	 * agreeing is what makes it sure */
	if (strcmp(text, gtext) != 0)
		gconf *= (*conf + 1.0) / 2.0;
	else if (*conf > gconf)
		gconf = *conf;
	gd->alt_conf[0] = gconf;
	snprintf(text, len, "%s", gtext);
	*conf = gconf;
	*det = *gd;
	for (i = 0; i < det->nalts; i++)
		det->alt_p[i] = det->alt[i];
	for (i = 0; i < det->nwords; i++)
		det->word_p[i] = det->word[i];
	free(gd);
	return 1;
}

int
psd_hinted_pass(struct ps_dec *d, const char *expect,
    const struct psd_cmn *prior, const int16_t *pcm, size_t n, char *text,
    size_t len, double *conf, struct psd_detail *det,
    struct psd_pass_info *info)
{
	struct psd_cmn after;
	char gtext[256];
	double gconf;
	int took;

	if (info)
		memset(info, 0, sizeof(*info));
	if (d->in_utt || !psd_has_grammar(d, expect) || n == 0)
		return 0;
	psd_cmn_get(d, &after);
	if (psd_hint(d, expect) != 0 || psd_start_from(d, prior) != 0 ||
	    psd_feed(d, pcm, n) != 0 ||
	    psd_end(d, gtext, sizeof(gtext), &gconf) != 0) {
		psd_abort(d);
		psd_hint(d, NULL);
		cmn_set(d, &after);
		return -1;
	}
	took = choose(d, expect, gtext, gconf, text, len, conf, det, info);
	psd_hint(d, NULL);
	cmn_set(d, &after);
	return took;
}

int
psd_hinted_take(struct ps_dec *g, const char *expect, char *text, size_t len,
    double *conf, struct psd_detail *det, struct psd_pass_info *info)
{
	char gtext[256];
	double gconf;

	if (info)
		memset(info, 0, sizeof(*info));
	if (!psd_has_grammar(g, expect) ||
	    psd_end(g, gtext, sizeof(gtext), &gconf) != 0)
		return -1;
	return choose(g, expect, gtext, gconf, text, len, conf, det, info);
}

int
psd_set_lm(struct ps_dec *d, const char *path)
{
	char name[32];

	if (d->in_utt)
		return -1;
	/* a fresh name each time: the search being replaced is still the
	 * active one until ps_set_search */
	snprintf(name, sizeof(name), "lm%d", ++d->lm_serial);
	if (ps_set_lm_file(d->ps, name, path) != 0)
		return -1;
	if (ps_set_search(d->ps, name) != 0)
		return -1;
	snprintf(d->lm_name, sizeof(d->lm_name), "%s", name);
	snprintf(d->search, sizeof(d->search), "%s", name);
	if (d->lm_serial > 1) {
		snprintf(name, sizeof(name), "lm%d", d->lm_serial - 1);
		ps_unset_search(d->ps, name);
	}
	return 0;
}

int
psd_add_dict(struct ps_dec *d, const char *path)
{
	char line[512], *w, *ph;
	FILE *f;
	int rv = 0;

	if (d->in_utt)
		return -1;
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (dict_line(line, &w, &ph) != 0 || psd_knows(d, w))
			continue;
		/* no search update: the next psd_set_lm builds its own */
		if (ps_add_word(d->ps, w, ph, FALSE) < 0)
			rv = -1;
	}
	fclose(f);
	return rv;
}

void
psd_cmn_get(struct ps_dec *d, struct psd_cmn *out)
{
	cmn_t *c = ps_get_feat(d->ps)->cmn_struct;
	mfcc_t v[PSD_CMN_MAX];
	int i;

	out->n = 0;
	if (c == NULL || c->veclen <= 0 || c->veclen > PSD_CMN_MAX)
		return;
	cmn_live_get(c, v);
	for (i = 0; i < c->veclen; i++)
		out->v[i] = (float)v[i];
	out->n = c->veclen;
}

int
psd_start_from(struct ps_dec *d, const struct psd_cmn *prior)
{
	if (d->in_utt) {
		ps_end_utt(d->ps);
		d->in_utt = 0;
	}
	/* the front end's noise estimate starts afresh too */
	if (ps_start_stream(d->ps) != 0)
		return -1;
	cmn_set(d, prior == NULL || prior->n == 0 ? &d->cmn0 : prior);
	return psd_start(d);
}

int
psd_start(struct ps_dec *d)
{
	if (d->in_utt)
		ps_end_utt(d->ps);
	if (ps_start_utt(d->ps) != 0)
		return -1;
	d->in_utt = 1;
	return 0;
}

static int
reserve(struct ps_dec *d, size_t n)
{
	int16_t *nb;

	if (n <= d->cap)
		return 0;
	if ((nb = realloc(d->buf, n * sizeof(*nb))) == NULL)
		return -1;
	d->buf = nb;
	d->cap = n;
	return 0;
}

int
psd_feed(struct ps_dec *d, const int16_t *pcm, size_t n)
{
	if (!d->in_utt || n == 0)
		return d->in_utt ? 0 : -1;
	switch (d->front) {
	case STT_FRONT_NATIVE8K:
		return ps_process_raw(d->ps, pcm, n, FALSE, FALSE) < 0 ? -1 : 0;
	case STT_FRONT_LOWPASS:
		if (reserve(d, 2 * n) != 0)
			return -1;
		stt_up_lowpass(pcm, n, d->buf);
		break;
	case STT_FRONT_ZERO:
		if (reserve(d, 2 * n) != 0)
			return -1;
		stt_up_zero(pcm, n, d->buf, d->gain);
		break;
	}
	return ps_process_raw(d->ps, d->buf, 2 * n, FALSE, FALSE) < 0 ? -1 : 0;
}

const char *
psd_partial(struct ps_dec *d)
{
	const char *h;
	int32 score;

	if (!d->in_utt || (h = ps_get_hyp(d->ps, &score)) == NULL)
		return "";
	return h;
}

int
psd_end(struct ps_dec *d, char *text, size_t len, double *conf)
{
	const char *h;
	int32 score, prob;
	int words = 1;
	const char *p;

	text[0] = '\0';
	*conf = 0;
	if (!d->in_utt)
		return -1;
	d->in_utt = 0;
	if (ps_end_utt(d->ps) < 0)
		return -1;
	if ((h = ps_get_hyp(d->ps, &score)) == NULL)
		return 0;
	snprintf(text, len, "%s", h);
	if (text[0]) {
		/* the best path's lattice posterior shrinks with every word;
		 * the per-word geometric mean separates good from bad */
		for (p = text; *p; p++)
			words += *p == ' ';
		prob = ps_get_prob(d->ps);
		*conf = logmath_exp(ps_get_logmath(d->ps), prob / words);
		if (*conf > 1)
			*conf = 1;
		if (*conf < 0)
			*conf = 0;
	}
	return 0;
}

/* Longer utterances get no n-best search. */
#define PSD_NBEST_WORDS 8

/* A word of a segmentation that was said: no silence, noise or sentence
 * marks; "word(2)" (an alternate pronunciation) as "word". */
static int
said_word(const char *w, char *out, size_t len)
{
	size_t n;

	if (w == NULL || w[0] == '<' || w[0] == '[' || w[0] == '+')
		return 0;
	n = strcspn(w, "(");
	snprintf(out, len, "%.*s", (int)n, w);
	return out[0] != '\0';
}

void
psd_detail(struct ps_dec *d, double conf, struct psd_detail *out)
{
	logmath_t *lm = ps_get_logmath(d->ps);
	const char *h;
	ps_seg_t *seg;
	ps_nbest_t *nb;
	int32 score, best = 0, a, l, b;
	int i, tries;
	char w[32];

	out->nalts = out->nwords = 0;
	if ((h = ps_get_hyp(d->ps, &score)) == NULL || h[0] == '\0')
		return;
	snprintf(out->alt[0], sizeof(out->alt[0]), "%s", h);
	out->alt_conf[0] = conf;
	out->nalts = 1;
	for (seg = ps_seg_iter(d->ps); seg; seg = ps_seg_next(seg)) {
		if (!said_word(ps_seg_word(seg), w, sizeof(w)))
			continue;
		if (out->nwords == PSD_WORDS) {
			ps_seg_free(seg);
			break;
		}
		snprintf(out->word[out->nwords], sizeof(out->word[0]), "%s", w);
		out->word_conf[out->nwords] =
		    logmath_exp(lm, ps_seg_prob(seg, &a, &l, &b));
		if (out->word_conf[out->nwords] > 1)
			out->word_conf[out->nwords] = 1;
		out->nwords++;
	}
	/* a few distinct alternatives from the lattice, scored against the
	 * best path: a bounded search, and only of short answers (a name, a
	 * yes, a few digits), whose lattices are small: the final must not
	 * wait for it */
	if (!d->has_lattice || out->nwords > PSD_NBEST_WORDS ||
	    (nb = ps_nbest(d->ps)) == NULL)
		goto done;
	for (tries = 0; nb && tries < 12 && out->nalts < PSD_NBEST; tries++) {
		if ((nb = ps_nbest_next(nb)) == NULL)
			break;
		if ((h = ps_nbest_hyp(nb, &score)) == NULL || h[0] == '\0')
			continue;
		if (tries == 0 || best == 0)
			best = score;
		for (i = 0; i < out->nalts; i++)
			if (strcmp(out->alt[i], h) == 0)
				break;
		if (i < out->nalts)
			continue;
		snprintf(out->alt[out->nalts], sizeof(out->alt[0]), "%s", h);
		out->alt_conf[out->nalts] =
		    conf * logmath_exp(lm, score - best);
		if (out->alt_conf[out->nalts] > conf)
			out->alt_conf[out->nalts] = conf;
		out->nalts++;
	}
	if (nb)
		ps_nbest_free(nb);
done:
	for (i = 0; i < out->nalts; i++)
		out->alt_p[i] = out->alt[i];
	for (i = 0; i < out->nwords; i++)
		out->word_p[i] = out->word[i];
}

void
psd_abort(struct ps_dec *d)
{
	if (d->in_utt)
		ps_end_utt(d->ps);
	d->in_utt = 0;
}

int
psd_knows(struct ps_dec *d, const char *word)
{
	char *p = ps_lookup_word(d->ps, word);

	if (p == NULL)
		return 0;
	ckd_free(p);
	return 1;
}
