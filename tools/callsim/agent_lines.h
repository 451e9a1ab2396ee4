/*
 * agent_lines.h - what the agent can say: every template of the local
 * brain (speech/templates.c, with the business's overrides) rendered with
 * sampled values (codes, names, days, times, slots, prices, numbers), and
 * the replies the brain builds by joining two ("... Is there anything
 * else I can help you with?").  The source of the hearing corpus and of
 * callsim-hearbench's test sentences; the text goes through the
 * tts-worker's own splitting and normalising.  Talks to no process.
 */
#ifndef CALLSIM_AGENT_LINES_H
#define CALLSIM_AGENT_LINES_H

#include <stddef.h>
#include <stdio.h>
#include <libconfig.h>

#include "business.h"

/* One agent reply as the agent hands it to the tts-worker (it may hold
 * <spell> tags); id is the agent's enum tpl_id of its first sentence. */
typedef void (*agent_line_cb)(void *arg, int id, const char *text);

/* Read the business, the template overrides and tts.pronunciations from
 * cfg (NULL: defaults).  0, or -1 with err. */
int agent_lines_init(
    const config_t *cfg, struct fd_business *b, char *err, size_t errlen);
void agent_lines_fini(void);
/* Every template once, values drawn with rand_r(seed). */
void agent_lines_round(
    const struct fd_business *b, unsigned *seed, agent_line_cb cb, void *arg);
/* Template id (enum tpl_id) with fresh values, as the brain says it. */
void agent_lines_one(
    const struct fd_business *b, int id, unsigned *seed, char *out, size_t len);

/* The segments of a reply as the tts-worker cuts (tts_split) and
 * normalises them (tts_normalize), each to cb: with the pronunciations
 * (respelled: "Ottos") what the voice is given to say; without, the words
 * as a listener writes them ("Otto's"), for the corpus.  0 or -1 (out of
 * memory). */
typedef void (*agent_seg_cb)(void *arg, const char *spoken);
int agent_lines_spoken(
    const char *text, int respelled, agent_seg_cb cb, void *arg);

/* A spoken segment as a corpus line: lower case, words only, apostrophes
 * kept ("you're" is in the recogniser's dictionary, "youre" is not). */
void agent_lines_corpus_line(const char *spoken, char *out, size_t len);
/* The hearing corpus: rounds of every template, one spoken segment a
 * line.  heard_corpus.txt is this with seed 1 and the default rounds. */
#define AGENT_LINES_CORPUS_ROUNDS 30
int agent_lines_corpus(
    const struct fd_business *b, unsigned seed, int rounds, FILE *out);

#endif
