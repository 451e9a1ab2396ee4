/*
 * expect.h - checks a finished call against its scenario's "expect" block
 * and writes the call's result as JSON or as a human-readable log.
 */
#ifndef CALLSIM_EXPECT_H
#define CALLSIM_EXPECT_H

#include <stdio.h>

#include <jansson.h>

#include "cs_call.h"
#include "scenario.h"

/* Append a failure to r for every expectation that does not hold. */
void verdict_check(const struct scenario *sc, struct call_result *r);
/* Does the call record's appointment a match the expected one? */
int verdict_appt_match(const struct expect_appt *want, json_t *a);
json_t *result_json(const struct scenario *sc, const struct call_result *r);
void result_print(
    FILE *f, const struct scenario *sc, const struct call_result *r);

#endif
