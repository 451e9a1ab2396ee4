/*
 * log.c - stderr logging with timestamp, daemon name, pid, level and call id.
 * Each line is written with one write(2) so lines from threads never mix.
 * The message text goes through redact.h first: a caller's card number
 * read out in "caller: ..." or "heard ..." never reaches a log file.  With
 * redaction on, phone numbers in E.164 form keep only their last four
 * digits too: the call id ties a line to its call, and the record (behind
 * the admin API's token) has the number.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "redact.h"

int fd_log_level = LOG_LVL_INFO;
static char log_name[32] = "frontdesk";

static const char *const lvl_names[] = {"error", "warn", "info", "debug"};

/* "+15551230001" -> "+*******0001" in place: a '+' not inside a word,
 * then 8 to 15 digits. */
static void
mask_phones(char *s)
{
	size_t i, j, n;

	for (i = 0; s[i]; i++) {
		if (s[i] != '+' ||
		    (i > 0 &&
		        (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '+')))
			continue;
		for (n = 0; isdigit((unsigned char)s[i + 1 + n]); n++)
			;
		if (n < 8 || n > 15 || isalnum((unsigned char)s[i + 1 + n]))
			continue;
		for (j = 0; j < n - 4; j++)
			s[i + 1 + j] = '*';
		i += n;
	}
}

void
log_init(const char *daemon, int level)
{
	snprintf(log_name, sizeof(log_name), "%s", daemon);
	fd_log_level = level;
}

int
log_level_parse(const char *s)
{
	int i;

	for (i = 0; i <= LOG_LVL_DEBUG; i++)
		if (strcmp(s, lvl_names[i]) == 0)
			return i;
	return -1;
}

static void
vlog(int lvl, const char *call, int with_errno, const char *fmt, va_list ap)
{
	char line[2048];
	struct timeval tv;
	struct tm tm;
	size_t n;
	int r, saved = errno;

	if (lvl == LOG_LVL_ERR)
		fd_metrics_error("logged_error", 1);
	else if (lvl == LOG_LVL_WARN)
		fd_metrics_error("logged_warning", 1);
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line + n, sizeof(line) - n, ".%03ldZ %s[%d] %s call=%s ",
	    (long)(tv.tv_usec / 1000), log_name, (int)getpid(), lvl_names[lvl],
	    (call && *call) ? call : "-");
	if (r > 0)
		n += (size_t)r;
	if (n < sizeof(line)) {
		size_t msg = n;

		r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		if (r > 0)
			n += (size_t)r;
		if (n > sizeof(line) - 1)
			n = sizeof(line) - 1;
		if (redact_enabled()) {
			char masked[sizeof(line)];

			redact_buf(line + msg, masked, sizeof(line) - msg);
			mask_phones(masked);
			n = msg + strlen(masked);
			memcpy(line + msg, masked, n - msg);
		}
	}
	if (n >= sizeof(line) - 80)
		n = sizeof(line) - 80;
	if (with_errno)
		n += (size_t)snprintf(
		    line + n, sizeof(line) - n, ": %s", strerror(saved));
	/* one event, one line: fold embedded newlines */
	for (size_t i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nowhere left to report it */
	}
	errno = saved;
}

#define LOGFN(name, lvl, werr)                                                 \
	void name(const char *call, const char *fmt, ...)                      \
	{                                                                      \
		va_list ap;                                                    \
		if (fd_log_level < (lvl))                                      \
			return;                                                \
		va_start(ap, fmt);                                             \
		vlog((lvl), call, (werr), fmt, ap);                            \
		va_end(ap);                                                    \
	}

LOGFN(log_warn, LOG_LVL_WARN, 1)
LOGFN(log_warnx, LOG_LVL_WARN, 0)
LOGFN(log_err, LOG_LVL_ERR, 0)
LOGFN(log_info, LOG_LVL_INFO, 0)
LOGFN(log_debug_, LOG_LVL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, NULL, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, NULL, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
