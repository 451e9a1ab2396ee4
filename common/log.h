/*
 * log.h - the one logging API: one line per event on stderr,
 *   2026-11-21T15:30:00.123Z gateway[123] info call=CA.. message
 * The supervisor routes each daemon's stderr to its own file.
 */
#ifndef FD_LOG_H
#define FD_LOG_H

enum fd_log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG
};

extern int fd_log_level;

void log_init(const char *daemon, int level);
/* Parse "error|warn|info|debug"; -1 if unknown. */
int log_level_parse(const char *s);
/* call may be NULL or "" for events that belong to no call. */
void log_warn(
    const char *call, const char *fmt, ...) /* appends strerror(errno) */
    __attribute__((format(printf, 2, 3)));
void log_warnx(const char *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_err(const char *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_info(const char *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_debug_(const char *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fatal(const char *fmt, ...) /* appends strerror(errno) */
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* Costs one comparison when debug is off: arguments are not evaluated. */
#define log_debug(call, ...)                                                   \
	do {                                                                   \
		if (fd_log_level >= LOG_LVL_DEBUG)                             \
			log_debug_(call, __VA_ARGS__);                         \
	} while (0)

#endif
