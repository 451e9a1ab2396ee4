/*
 * clock.h - monotonic time for latency, wall time for the business, and a
 * per-call clock that can be pinned to a fixed start ("now" in a scenario)
 * so date-relative calls are deterministic.
 */
#ifndef FD_CLOCK_H
#define FD_CLOCK_H

#include <stdint.h>
#include <time.h>

uint64_t fd_mono_us(void);
int64_t fd_wall_us(void);
void fd_sleep_us(uint64_t us);

/* A call's clock: wall time plus an offset fixed at call start. */
struct fd_callclock {
	int64_t offset_us;
};

/* Pin the clock so that "now" (local "YYYY-MM-DDTHH:MM[:SS]") is the time
 * at this instant; NULL or "" leaves it on real time.  -1 if unparsable. */
int fd_callclock_init(struct fd_callclock *c, const char *now);
time_t fd_callclock_now(const struct fd_callclock *c);
/* Local midnight of t's day. */
time_t fd_day_start(time_t t);
/* t moved by n calendar days, same local time of day (DST-safe). */
time_t fd_add_days(time_t t, int n);
/* Format t as local "YYYY-MM-DDTHH:MM:SS". */
void fd_time_fmt(time_t t, char *buf, size_t len);
/* Parse local "YYYY-MM-DD[THH:MM[:SS]]"; -1 on error. */
int fd_time_parse(const char *s, time_t *out);

#endif
