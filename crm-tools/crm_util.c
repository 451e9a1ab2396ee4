/*
 * crm_util.c - phone, name, code, date and score helpers (pure).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "clock.h"
#include "crm_util.h"
#include "strmap.h"
#include "slots.h"

static const char conf_alphabet[] = "ACDEFGHJKMNPQRTUVWXYZ234679";

int
crm_phone_norm(const char *in, char *out, size_t len)
{
	char d[20];
	size_t n = 0;
	int plus = 0;
	const char *p;

	for (p = in; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (n >= sizeof(d) - 1)
				return -1;
			d[n++] = *p;
		} else if (*p == '+' && n == 0 && !plus) {
			plus = 1;
		} else if (!strchr(" -().", *p)) {
			return -1;
		}
	}
	d[n] = '\0';
	if (!plus && n == 10 && d[0] >= '2')
		return snprintf(out, len, "+1%s", d) < (int)len ? 0 : -1;
	if (!plus && n == 11 && d[0] == '1')
		return snprintf(out, len, "+%s", d) < (int)len ? 0 : -1;
	if (plus && n >= 8 && n <= 15 && d[0] != '0')
		return snprintf(out, len, "+%s", d) < (int)len ? 0 : -1;
	return -1;
}

int
crm_caller_id(const char *from, char *out, size_t len)
{
	/* "ANONYMOUS", "RESTRICTED", "UNAVAILABLE" spelled on a keypad */
	static const char *const withheld[] = {
	    "+266696687", "+7378742833", "+86282452253"};
	size_t i;

	if (from != NULL && crm_phone_norm(from, out, len) == 0) {
		for (i = 0; i < sizeof(withheld) / sizeof(withheld[0]); i++)
			if (strcmp(out, withheld[i]) == 0)
				break;
		if (i == sizeof(withheld) / sizeof(withheld[0]))
			return 0;
	}
	if (len > 0)
		out[0] = '\0';
	return -1;
}

void
crm_conf_code(char out[CRM_CONF_LEN + 1])
{
	unsigned char r[CRM_CONF_LEN];
	size_t na = sizeof(conf_alphabet) - 1;
	int i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* no entropy: still unique enough with the unique index */
		for (i = 0; i < CRM_CONF_LEN; i++)
			r[i] = (unsigned char)(rand() & 0xff);
	}
	/* first character a letter so it never reads as a number */
	out[0] = conf_alphabet[r[0] % 21];
	for (i = 1; i < CRM_CONF_LEN; i++)
		out[i] = conf_alphabet[r[i] % na];
	out[CRM_CONF_LEN] = '\0';
}

int
crm_conf_valid(const char *s)
{
	int i;

	if (s == NULL || strlen(s) != CRM_CONF_LEN)
		return 0;
	for (i = 0; i < CRM_CONF_LEN; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return 1;
}

void
crm_conf_norm(const char *s, char *out)
{
	int i;

	for (i = 0; i < CRM_CONF_LEN && s[i]; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	out[i] = '\0';
}

void
crm_name_split(
    const char *full, char *first, size_t flen, char *last, size_t llen)
{
	const char *b, *e, *sp;

	for (b = full; *b == ' '; b++)
		;
	e = b + strlen(b);
	while (e > b && e[-1] == ' ')
		e--;
	for (sp = e; sp > b && sp[-1] != ' '; sp--)
		;
	if (sp == b) { /* one word: a first name */
		snprintf(first, flen, "%.*s", (int)(e - b), b);
		snprintf(last, llen, "%s", "");
		return;
	}
	snprintf(last, llen, "%.*s", (int)(e - sp), sp);
	while (sp > b && sp[-1] == ' ')
		sp--;
	snprintf(first, flen, "%.*s", (int)(sp - b), b);
}

const char *
crm_urgency(const char *s)
{
	static const struct fd_strmap words[] = {
	    {"low", "low"},
	    {"whenever", "low"},
	    {"not urgent", "low"},
	    {"normal", "normal"},
	    {"medium", "normal"},
	    {"high", "high"},
	    {"urgent", "high"},
	    {"asap", "high"},
	    {"emergency", "high"},
	};
	if (s == NULL || *s == '\0')
		return "normal";
	return FD_STRMAP_GET(words, s, 1);
}

int
crm_parse_day(const char *s, time_t now, time_t *day)
{
	static const char *const names[7] = {"sunday", "monday", "tuesday",
	    "wednesday", "thursday", "friday", "saturday"};
	struct tm tm;
	time_t t;
	int i, ahead;

	if (strcasecmp(s, "today") == 0) {
		*day = fd_day_start(now);
		return 0;
	}
	if (strcasecmp(s, "tomorrow") == 0) {
		*day = fd_add_days(fd_day_start(now), 1);
		return 0;
	}
	for (i = 0; i < 7; i++)
		if (strcasecmp(s, names[i]) == 0 ||
		    (strlen(s) == 3 && strncasecmp(s, names[i], 3) == 0)) {
			localtime_r(&now, &tm);
			ahead = (i - tm.tm_wday + 7) % 7;
			if (ahead == 0)
				ahead = 7;
			*day = fd_add_days(fd_day_start(now), ahead);
			return 0;
		}
	if (strlen(s) != 10 || fd_time_parse(s, &t) != 0)
		return -1;
	*day = t;
	return 0;
}

int
crm_parse_instant(const char *s, time_t *t)
{
	if (strlen(s) < 16)
		return -1;
	return fd_time_parse(s, t);
}

const char *
crm_lead_score(const char *urgency, const char *timeline)
{
	static const char *const soon[] = {"today", "tomorrow", "this week",
	    "asap", "now", "immediately", "days", "right away"};
	static const char *const later[] = {"month", "next year", "not sure",
	    "just looking", "someday", "no rush", "year"};
	size_t i;
	char t[128];

	snprintf(t, sizeof(t), "%s", timeline ? timeline : "");
	for (i = 0; t[i]; i++)
		t[i] = (char)tolower((unsigned char)t[i]);
	if (urgency && strcmp(urgency, "high") == 0)
		return "hot";
	for (i = 0; i < sizeof(soon) / sizeof(soon[0]); i++)
		if (strstr(t, soon[i]))
			return "hot";
	for (i = 0; i < sizeof(later) / sizeof(later[0]); i++)
		if (strstr(t, later[i]))
			return urgency && strcmp(urgency, "low") == 0 ? "cold"
			                                              : "warm";
	if (urgency && strcmp(urgency, "low") == 0)
		return "cold";
	return "warm";
}

void
crm_like_escape(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 2 < len; in++) {
		if (*in == '%' || *in == '_' || *in == '\\')
			out[n++] = '\\';
		out[n++] = *in;
	}
	out[n] = '\0';
}
