/*
 * bench_floor.h - the PostgreSQL lower bound of a burst of bookings
 * (bench_floor.c), for crm-bench.
 */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

#include <jansson.h>

#define FLOOR_MAX_CONNS 8

/* n new customers with one appointment each, split over `conns`
 * connections that each write theirs in one statement at the same
 * moment, rolled back; `reps` bursts timed after one warm-up, from day
 * `day` (epoch) on.  {bookings, connections, runs, min_ms, median_ms} or
 * {error}; NULL on bad arguments. */
json_t *bench_db_floor(
    const char *conninfo, int n, int conns, int reps, long long day);

#endif
