/*
 * hearbench.c - callsim-hearbench: how well callsim hears the agent,
 * offline.  The agent's replies come from its own templates (agent_lines)
 * with varied codes, names, days and times, are spoken through the
 * tts-worker's own path (agent_voice: split, normalise, flite with the
 * config's voice, 8 kHz, trim, 20 ms mu-law frames) into a reply buffer
 * exactly as callsim's playout collects it, and are heard with callsim's
 * hearing (voice.c's decoder on a corpus LM, whole or cut at the marks).
 * Every expected phrase is then checked with heard_contains: hit rate on
 * replies that say the phrase, false accepts on replies that do not.
 * Cases: every template alone, booking read-backs, the idle prompts after
 * the greeting, and barge-ins (the cut tail of one reply before the next).
 * With --write-corpus it prints the hearing corpus instead (defaults:
 * seed 1, AGENT_LINES_CORPUS_ROUNDS rounds; heard_corpus.txt is that
 * output for etc/frontdesk.conf).  Talks to no process.
 *
 *   callsim-hearbench [--conf F] [--corpus F]... [--rounds N] [--booked N]
 *                     [--idle N] [--barge N] [--seed S] [--verbose]
 *   callsim-hearbench --write-corpus [--conf F] [--rounds N] [--seed S]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech/templates.h"
#include "agent_lines.h"
#include "agent_voice.h"
#include "config.h"
#include "heard.h"
#include "mulaw.h"
#include "ear.h"

#define MAX_EARS 8
#define MAX_CASES 4096

/* what scenarios expect (tests/scenarios heard_contains) and more */
static const char *const phrases[] = {"confirmation code", "still there",
    "thanks for calling", "closed", "call you back", "message", "sorry",
    "main street", "dollars", "open", "all set", "anything else",
    "shall i book it", "fully booked", "take a message", "are you still there",
    "your confirmation code is", "one moment please", "goodbye"};
#define NPHRASES (sizeof(phrases) / sizeof(phrases[0]))

/* one way of hearing: a decoder on a corpus, whole buffer or per mark */
struct way {
	struct ear *dec;
	int own; /* dec is closed with this way */
	int per_mark;
	char name[160];
};

struct bcase {
	const char *kind;
	char *truth; /* normalised text of the fully played replies */
	char *partial; /* of a reply cut by a barge-in, or NULL */
	char *heard[MAX_EARS];
};

struct stat {
	unsigned pos, hit, neg, fa;
};

static struct way ears[MAX_EARS];
static int nears;
static struct bcase cases[MAX_CASES];
static int ncases;
static int verbose;

static void usage(void);
static int run_case(const char *kind, const char *cut_text,
    const char *const *texts, int ntexts, unsigned *seed);
static void report(void);
static int phrase_in(const char *text, const char *phrase);

int
main(int argc, char **argv)
{
	static const struct option lo[] = {{"conf", 1, NULL, 'c'},
	    {"corpus", 1, NULL, 'C'}, {"rounds", 1, NULL, 'r'},
	    {"booked", 1, NULL, 'b'}, {"idle", 1, NULL, 'i'},
	    {"barge", 1, NULL, 'g'}, {"seed", 1, NULL, 's'},
	    {"write-corpus", 0, NULL, 'w'}, {"split", 1, NULL, 'S'},
	    {"cmn", 1, NULL, 'M'}, {"pad", 1, NULL, 'p'},
	    {"verbose", 0, NULL, 'v'}, {NULL, 0, NULL, 0}};
	const char *conf = "etc/frontdesk.conf", *corpora[MAX_EARS];
	int ncorp = 0, rounds = -1, booked = 20, idle = 4, barge = 10, o, i, k;
	int gen = 0, nc, c, pads[4] = {0}, npads = 0, pi;
	const char *split = "whole,marks", *cmns = "carry,batch";
	static const char *const cmn_names[] = {"batch", "reset", "carry"};
	unsigned seed = 1;
	struct fd_business b;
	config_t cfg;
	char err[256], text[1400], greet[1400], t2[1400];
	const char *seq[4];

	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 'c':
			conf = optarg;
			break;
		case 'C':
			if (ncorp < MAX_EARS / 2)
				corpora[ncorp++] = optarg;
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'b':
			booked = atoi(optarg);
			break;
		case 'i':
			idle = atoi(optarg);
			break;
		case 'g':
			barge = atoi(optarg);
			break;
		case 's':
			seed = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'w':
			gen = 1;
			break;
		case 'S':
			split = optarg;
			break;
		case 'M':
			cmns = optarg;
			break;
		case 'p':
			if (npads < 4)
				pads[npads++] = atoi(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (fd_cfg_open(&cfg, conf, err, sizeof(err)) != 0 ||
	    agent_lines_init(&cfg, &b, err, sizeof(err)) != 0) {
		fprintf(stderr, "callsim-hearbench: %s\n", err);
		return 2;
	}
	if (agent_voice_init(&cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "callsim-hearbench: %s\n", err);
		return 2;
	}
	if (rounds < 0)
		rounds = gen ? AGENT_LINES_CORPUS_ROUNDS : 1;
	if (gen) {
		o = agent_lines_corpus(&b, seed, rounds, stdout) == 0 &&
		        fflush(stdout) == 0
		    ? 0
		    : 1;
		agent_voice_fini();
		agent_lines_fini();
		config_destroy(&cfg);
		return o;
	}
	if (ncorp == 0)
		corpora[ncorp++] = "tools/callsim/heard_corpus.txt";
	if (npads == 0)
		npads = 1;
	for (i = 0; i < ncorp; i++)
		for (c = 0; c < 3; c++)
			for (pi = 0; pi < npads; pi++) {
				struct ear *d;

				if (strstr(cmns, cmn_names[c]) == NULL)
					continue;
				if ((d = ear_open(corpora[i], (enum ear_cmn)c,
				         pads[pi], err, sizeof(err))) == NULL) {
					fprintf(stderr,
					    "callsim-hearbench: %s: %s\n",
					    corpora[i], err);
					return 2;
				}
				for (k = 0, nc = 0; k < 2 && nears < MAX_EARS;
				     k++) {
					if (strstr(split,
					        k ? "marks" : "whole") == NULL)
						continue;
					ears[nears].dec = d;
					ears[nears].own = nc++ == 0;
					ears[nears].per_mark = k;
					snprintf(ears[nears].name,
					    sizeof(ears[nears].name),
					    "%s, cmn %s, pad %d, %s",
					    corpora[i], cmn_names[c], pads[pi],
					    k ? "per mark" : "whole");
					nears++;
				}
				if (nc == 0)
					ear_close(d);
			}
	for (k = 0; k < rounds; k++)
		for (i = 0; i < T_COUNT; i++) {
			agent_lines_one(&b, i, &seed, text, sizeof(text));
			seq[0] = text;
			run_case("template", NULL, seq, 1, &seed);
		}
	for (k = 0; k < booked; k++) {
		agent_lines_one(&b, T_BOOKED, &seed, text, sizeof(text));
		seq[0] = text;
		run_case("booked", NULL, seq, 1, &seed);
	}
	for (k = 0; k < idle; k++) {
		agent_lines_one(&b, k % 2 ? T_GREETING_KNOWN : T_GREETING,
		    &seed, greet, sizeof(greet));
		agent_lines_one(&b, T_IDLE_1, &seed, text, sizeof(text));
		seq[0] = greet;
		seq[1] = text;
		run_case("greeting+idle_1", NULL, seq, 2, &seed);
		agent_lines_one(&b, T_IDLE_2, &seed, t2, sizeof(t2));
		seq[2] = t2;
		seq[3] =
		    "I'll let you go for now. Please call us back anytime. "
		    "Goodbye!";
		run_case("greeting+idle_1,2,bye", NULL, seq, 4, &seed);
	}
	for (k = 0; k < barge; k++) {
		agent_lines_one(&b, (int)(rand_r(&seed) % T_COUNT), &seed,
		    greet, sizeof(greet));
		agent_lines_one(&b,
		    k % 3 == 0       ? T_BOOKED
		        : k % 3 == 1 ? T_IDLE_1
		                     : (int)(rand_r(&seed) % T_COUNT),
		    &seed, text, sizeof(text));
		seq[0] = text;
		run_case("barge-in tail+reply", greet, seq, 1, &seed);
	}
	report();
	for (i = 0; i < ncases; i++) {
		free(cases[i].truth);
		free(cases[i].partial);
		for (k = 0; k < nears; k++)
			free(cases[i].heard[k]);
	}
	for (i = 0; i < nears; i++)
		if (ears[i].own)
			ear_close(ears[i].dec);
	agent_voice_fini();
	agent_lines_fini();
	config_destroy(&cfg);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: callsim-hearbench [--conf F] [--corpus F]... "
	    "[--rounds N] [--booked N] [--idle N] [--barge N] [--seed S] "
	    "[--cmn carry,batch,reset] [--pad MS]... [--split whole,marks] "
	    "[--verbose]\n"
	    "       callsim-hearbench --write-corpus [--conf F] [--rounds N] "
	    "[--seed S]\n");
	exit(2);
}

/* ---- one case: speak, hear every way, keep the texts ---- */

static char *
hear(struct way *e, const struct agent_audio *a)
{
	int16_t *pcm = malloc((a->n ? a->n : 1) * sizeof(*pcm));
	char text[4096], *out = NULL;

	if (pcm == NULL)
		return NULL;
	/* mu-law is one byte a sample: the marks are sample offsets too */
	fd_ulaw_decode_buf(a->ulaw, pcm, a->n);
	if (ear_hear(e->dec, pcm, a->n, e->per_mark ? a->marks : NULL,
	        e->per_mark ? a->nmarks : 0, text, sizeof(text)) == 0)
		out = strdup(text);
	free(pcm);
	return out;
}

static int
run_case(const char *kind, const char *cut_text, const char *const *texts,
    int ntexts, unsigned *seed)
{
	struct agent_audio a, cut;
	struct bcase *c;
	char err[256];
	size_t t0, t1;
	int i;

	if (ncases == MAX_CASES)
		return -1;
	memset(&a, 0, sizeof(a));
	memset(&cut, 0, sizeof(cut));
	c = &cases[ncases];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	if (cut_text) {
		/* the caller barges in 800 ms into the reply; the clear comes
		 * 0.3-1.5 s later; what played between lands in this reply */
		if (agent_voice_say(cut_text, &cut, err, sizeof(err)) != 0)
			goto fail;
		t0 = 6400;
		t1 = t0 + 2400 + (size_t)(rand_r(seed) % 40) * 240;
		if (t0 > cut.n)
			t0 = cut.n;
		if (t1 > cut.n)
			t1 = cut.n;
		t0 -= t0 % 160;
		t1 -= t1 % 160;
		if ((a.ulaw = malloc(cut.n ? cut.n : 1)) == NULL) {
			snprintf(err, sizeof(err), "out of memory");
			goto fail;
		}
		a.cap = cut.n ? cut.n : 1;
		memcpy(a.ulaw, cut.ulaw + t0, t1 - t0);
		a.n = t1 - t0;
		if (agent_audio_cut(&a) != 0) { /* the clear */
			snprintf(err, sizeof(err), "out of memory");
			goto fail;
		}
		c->partial = heard_normalise(cut.spoken ? cut.spoken : "");
	}
	for (i = 0; i < ntexts; i++)
		if (agent_voice_say(texts[i], &a, err, sizeof(err)) != 0)
			goto fail;
	c->truth = heard_normalise(a.spoken ? a.spoken : "");
	for (i = 0; i < nears; i++)
		c->heard[i] = hear(&ears[i], &a);
	if (verbose) {
		printf("[%s] said: %s\n", kind, c->truth);
		for (i = 0; i < nears; i++)
			printf("   %-40.40s heard: %s\n", ears[i].name,
			    c->heard[i] ? c->heard[i] : "(null)");
	}
	ncases++;
	agent_audio_free(&a);
	agent_audio_free(&cut);
	return 0;
fail:
	fprintf(stderr, "callsim-hearbench: %s\n", err);
	free(c->partial);
	agent_audio_free(&a);
	agent_audio_free(&cut);
	return -1;
}

/* ---- scoring ---- */

/* 1 if the phrase's words occur contiguously in text (both normalised) */
static int
phrase_in(const char *text, const char *phrase)
{
	char *p = heard_normalise(phrase), *t;
	size_t pl;
	int r = 0;

	if (p == NULL || text == NULL)
		goto out;
	pl = strlen(p);
	for (t = strstr(text, p); t; t = strstr(t + 1, p))
		if ((t == text || t[-1] == ' ') &&
		    (t[pl] == '\0' || t[pl] == ' ')) {
			r = 1;
			break;
		}
out:
	free(p);
	return r;
}

static void
report(void)
{
	struct stat st[MAX_EARS][NPHRASES], tot[MAX_EARS];
	size_t p;
	int i, e, said, got;

	memset(st, 0, sizeof(st));
	memset(tot, 0, sizeof(tot));
	for (i = 0; i < ncases; i++)
		for (p = 0; p < NPHRASES; p++) {
			said = phrase_in(cases[i].truth, phrases[p]);
			if (!said && cases[i].partial &&
			    heard_contains(cases[i].partial, phrases[p]))
				continue; /* may be in the cut tail */
			for (e = 0; e < nears; e++) {
				got = cases[i].heard[e] &&
				    heard_contains(
				        cases[i].heard[e], phrases[p]);
				if (said) {
					st[e][p].pos++;
					st[e][p].hit += got;
				} else {
					st[e][p].neg++;
					st[e][p].fa += got;
				}
				if (said != got && !verbose)
					printf("%s [%s] %-12.12s \"%s\"\n   "
					       "said:  "
					       "%s\n   heard: %s\n",
					    said ? "MISS" : "FALSE",
					    ears[e].name, cases[i].kind,
					    phrases[p], cases[i].truth,
					    cases[i].heard[e]);
			}
		}
	printf("\n%d cases (replies as callsim receives them)\n", ncases);
	for (e = 0; e < nears; e++) {
		printf("\n== %s\n%-28s %9s %8s %9s %8s\n", ears[e].name,
		    "phrase", "hit", "%", "false", "%");
		for (p = 0; p < NPHRASES; p++) {
			printf("%-28s %4u/%-4u %7.1f%% %4u/%-4u %7.2f%%\n",
			    phrases[p], st[e][p].hit, st[e][p].pos,
			    st[e][p].pos ? 100.0 * st[e][p].hit / st[e][p].pos
			                 : 0,
			    st[e][p].fa, st[e][p].neg,
			    st[e][p].neg ? 100.0 * st[e][p].fa / st[e][p].neg
			                 : 0);
			tot[e].hit += st[e][p].hit;
			tot[e].pos += st[e][p].pos;
			tot[e].fa += st[e][p].fa;
			tot[e].neg += st[e][p].neg;
		}
		printf("%-28s %4u/%-4u %7.1f%% %4u/%-4u %7.2f%%\n", "ALL",
		    tot[e].hit, tot[e].pos,
		    tot[e].pos ? 100.0 * tot[e].hit / tot[e].pos : 0, tot[e].fa,
		    tot[e].neg,
		    tot[e].neg ? 100.0 * tot[e].fa / tot[e].neg : 0);
	}
}
