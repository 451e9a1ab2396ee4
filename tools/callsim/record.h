/*
 * record.h - recorded calls for replay and side-by-side comparison.
 *
 * `--record DIR` saves each call as DIR/<name>.ulaw (the caller's track as
 * sent on the wire: raw 8 kHz mu-law, one 160-byte frame per 20 ms tick
 * from the stream's start, silence included) and DIR/<name>.json (the
 * call's result as --json prints it, plus "scenario" (the script),
 * "caller_track" (the .ulaw file name), "track_frames", and per turn
 * "frame0"/"frame1": the track frames [frame0, frame1) the turn sent).
 * `--replay DIR/<name>.json` calls again with the recorded caller audio
 * per turn instead of synthesised speech (turn-taking still waits for the
 * agent, so a different brain, prompt, voice or engine can be measured on
 * identical caller input); `--compare A.json B.json` prints two runs turn
 * by turn.
 */
#ifndef CALLSIM_RECORD_H
#define CALLSIM_RECORD_H

#include <stdio.h>

#include <jansson.h>

#include "cs_call.h"
#include "scenario.h"

/* Save one call under dir as <base>.json / <base>.ulaw; base is made of
 * safe characters of name.  script is the scenario's JSON (may be NULL).
 * 0 or -1 with err. */
int record_save(const char *dir, const char *name, json_t *script,
    const struct scenario *sc, const struct call_result *r, char *err,
    size_t errlen);
/* A recording as a scenario whose say turns carry the recorded audio.
 * NULL with err. */
struct scenario *replay_load(const char *path, char *err, size_t errlen);
/* The script (scenario JSON) behind a scenario file or a recording, new
 * reference, or NULL. */
json_t *record_script(const char *path);
/* Print runs a and b (each a --json result, a recording or a --report)
 * side by side.  0, or -1 with err when a file is unusable. */
int compare_print(
    FILE *f, const char *a, const char *b, char *err, size_t errlen);

#endif
