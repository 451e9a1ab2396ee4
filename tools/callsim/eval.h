/*
 * eval.h - the numbers a run of calls adds up to: task completion,
 * voice-to-voice latency, first-word latency, misrecognitions, barge-ins,
 * tool calls and outbound audio pacing.  Pure computation over finished
 * call results (and their call records from the gateway's API); callsim.c
 * prints and writes them.  Definitions are in tools/callsim/README.md.
 */
#ifndef CALLSIM_EVAL_H
#define CALLSIM_EVAL_H

#include <stdio.h>

#include <jansson.h>

#include "cs_call.h"
#include "scenario.h"

/* 1 if an agent reply is a re-prompt: the agent says it did not
 * understand and asks the caller to say it again (see README). */
int eval_reprompt(const char *text);

/* One call's metrics: {first_word_ms, v2v_ms[], bargeins, bargein_ms[],
 * clears, misrecognitions, agent_replies, tool_calls, tool_errors,
 * tool_ms[], tools{name:n}, underruns, jitter_ms_p99}. */
json_t *eval_call(const struct scenario *sc, const struct call_result *r);

/* Why a call failed, in one line ("" if it passed). */
const char *eval_reason(const struct call_result *r);

/* Totals over n calls; sc[i] NULL means the scenario did not load (a
 * failed task).  Keys as in README ("task_completion_pct", "v2v_ms_p50",
 * ...); percentiles are -1 when there is no sample. */
json_t *eval_summary(const struct scenario *const *sc,
    const struct call_result *const *r, size_t n);
void eval_print(FILE *f, const json_t *summary);

/* Nearest-rank percentile (0 < p <= 100) of v[0..n), sorted in place;
 * -1 if n == 0. */
double eval_pct(double *v, size_t n, double p);

#endif
