/*
 * ical.c - iCalendar text in and out, RFC 3339 times and the bit of XML
 * reading a CalDAV multistatus needs (see ical.h).  The CalDAV engine
 * builds its PUT bodies and reads its REPORT replies with these; the
 * Google engine uses the RFC 3339 helpers.  No I/O.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ical.h"

#define FOLD_AT 75 /* octets per line, RFC 5545 3.1 */
#define MAX_EXPAND 20000 /* steps through a repeating rule */

void
ical_utc(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
}

int
ical_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;
	const char *add;
	char one[2];

	for (; *in; in++) {
		one[0] = *in;
		one[1] = '\0';
		switch (*in) {
		case '\\':
			add = "\\\\";
			break;
		case ';':
			add = "\\;";
			break;
		case ',':
			add = "\\,";
			break;
		case '\n':
			add = "\\n";
			break;
		case '\r':
			add = "";
			break;
		default:
			add = one;
			break;
		}
		if (o + strlen(add) + 1 > len)
			return -1;
		memcpy(out + o, add, strlen(add));
		o += strlen(add);
	}
	if (o + 1 > len)
		return -1;
	out[o] = '\0';
	return (int)o;
}

void
ical_unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*w++ = (*s == 'n' || *s == 'N') ? '\n' : *s;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

int
ical_line(
    char *out, size_t len, size_t *used, const char *name, const char *value)
{
	size_t n = strlen(name) + 1 + strlen(value), pos = 0, room, cut;
	char *line;
	int first = 1;

	if ((line = malloc(n + 1)) == NULL)
		return -1;
	snprintf(line, n + 1, "%s:%s", name, value);
	while (pos < n || first) {
		room = first ? FOLD_AT : FOLD_AT - 1;
		cut = n - pos < room ? n - pos : room;
		/* never split a UTF-8 sequence: back up to its lead byte */
		while (cut > 0 && pos + cut < n &&
		    ((unsigned char)line[pos + cut] & 0xC0) == 0x80)
			cut--;
		if (*used + cut + 3 + 1 > len) {
			free(line);
			return -1;
		}
		if (!first)
			out[(*used)++] = ' ';
		memcpy(out + *used, line + pos, cut);
		*used += cut;
		out[(*used)++] = '\r';
		out[(*used)++] = '\n';
		out[*used] = '\0';
		pos += cut;
		first = 0;
	}
	free(line);
	return 0;
}

int
ical_build_event(
    const struct cal_event *ev, time_t dtstamp, char *out, size_t len)
{
	char t[32], esc[1400];
	size_t used = 0;
	int rv = 0;

	if (len == 0)
		return -1;
	out[0] = '\0';
	rv |= ical_line(out, len, &used, "BEGIN", "VCALENDAR");
	rv |= ical_line(out, len, &used, "VERSION", "2.0");
	rv |=
	    ical_line(out, len, &used, "PRODID", "-//frontdesk//crm-tools//EN");
	rv |= ical_line(out, len, &used, "BEGIN", "VEVENT");
	rv |= ical_line(out, len, &used, "UID", ev->uid);
	ical_utc(dtstamp, t, sizeof(t));
	rv |= ical_line(out, len, &used, "DTSTAMP", t);
	ical_utc(ev->start, t, sizeof(t));
	rv |= ical_line(out, len, &used, "DTSTART", t);
	ical_utc(ev->end, t, sizeof(t));
	rv |= ical_line(out, len, &used, "DTEND", t);
	if (ical_escape(ev->summary, esc, sizeof(esc)) < 0)
		return -1;
	rv |= ical_line(out, len, &used, "SUMMARY", esc);
	if (ev->description[0]) {
		if (ical_escape(ev->description, esc, sizeof(esc)) < 0)
			return -1;
		rv |= ical_line(out, len, &used, "DESCRIPTION", esc);
	}
	if (ev->location[0]) {
		if (ical_escape(ev->location, esc, sizeof(esc)) < 0)
			return -1;
		rv |= ical_line(out, len, &used, "LOCATION", esc);
	}
	rv |= ical_line(out, len, &used, "STATUS", "CONFIRMED");
	rv |= ical_line(out, len, &used, "TRANSP", "TRANSPARENT");
	rv |= ical_line(out, len, &used, "END", "VEVENT");
	rv |= ical_line(out, len, &used, "END", "VCALENDAR");
	return rv ? -1 : (int)used;
}

static int
digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
ical_parse_time(const char *value, const char *params, time_t *t, int *all_day)
{
	struct tm tm;
	size_t n = strlen(value);
	int y, mo, d, h = 0, mi = 0, s = 0, date;

	date = n == 8 ||
	    (params && strstr(params, "VALUE=DATE") &&
	        !strstr(params, "VALUE=DATE-TIME"));
	if (n < 8 || (y = digits(value, 4)) < 0 ||
	    (mo = digits(value + 4, 2)) < 1 || mo > 12 ||
	    (d = digits(value + 6, 2)) < 1 || d > 31)
		return -1;
	if (!date) {
		if (n < 15 || value[8] != 'T' ||
		    (h = digits(value + 9, 2)) < 0 ||
		    (mi = digits(value + 11, 2)) < 0 ||
		    (s = digits(value + 13, 2)) < 0 || h > 23 || mi > 59 ||
		    s > 60)
			return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	if (all_day)
		*all_day = date;
	/* TZID other than the business zone is read as local time too: a
	 * shop's calendar is kept in the shop's zone */
	*t = (!date && n >= 16 && value[15] == 'Z') ? timegm(&tm) : mktime(&tm);
	return *t == (time_t)-1 ? -1 : 0;
}

/* Longer durations are refused: nothing a shop's calendar holds lasts ten
 * years, and the cap keeps the sums far from overflowing a long. */
#define ICAL_DURATION_MAX (10L * 366 * 86400)

int
ical_parse_duration(const char *s, long *secs)
{
	long v = 0, total = 0, sign = 1;
	int in_time = 0, any = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (*s++ != 'P')
		return -1;
	for (; *s; s++) {
		if (*s == 'T') {
			in_time = 1;
			continue;
		}
		if (isdigit((unsigned char)*s)) {
			v = v * 10 + (*s - '0');
			if (v > ICAL_DURATION_MAX)
				return -1;
			continue;
		}
		switch (*s) {
		case 'W':
			total += v * 7 * 86400;
			break;
		case 'D':
			total += v * 86400;
			break;
		case 'H':
			if (!in_time)
				return -1;
			total += v * 3600;
			break;
		case 'M':
			if (!in_time)
				return -1;
			total += v * 60;
			break;
		case 'S':
			if (!in_time)
				return -1;
			total += v;
			break;
		default:
			return -1;
		}
		if (total > ICAL_DURATION_MAX)
			return -1;
		v = 0;
		any = 1;
	}
	if (!any)
		return -1;
	*secs = sign * total;
	return 0;
}

/* Join folded lines in place and drop CRs: every line ends in '\n'. */
static void
unfold(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '\r')
			continue;
		if (*s == '\n' && (s[1] == ' ' || s[1] == '\t')) {
			s++;
			continue;
		}
		if (*s == '\n' && s[1] == '\r' &&
		    (s[2] == ' ' || s[2] == '\t')) {
			s += 2;
			continue;
		}
		*w++ = *s;
	}
	*w = '\0';
}

/* Split "NAME;PARAMS:VALUE" (quotes protect ':' in parameters). */
static int
split_line(char *line, char **name, char **params, char **value)
{
	char *p;
	int q = 0;

	*name = line;
	*params = NULL;
	for (p = line; *p; p++) {
		if (*p == '"')
			q = !q;
		else if (!q && *p == ';' && *params == NULL) {
			*p = '\0';
			*params = p + 1;
		} else if (!q && *p == ':') {
			*p = '\0';
			*value = p + 1;
			return 0;
		}
	}
	return -1;
}

int
ical_parse_events(const char *text, struct ical_vevent *out, int max)
{
	char *buf, *line, *next, *name, *params, *value;
	struct ical_vevent ev;
	int in = 0, sub = 0, n = 0, have_end = 0, have_dur = 0;
	long dur = 0;

	if ((buf = strdup(text)) == NULL)
		return 0;
	unfold(buf);
	memset(&ev, 0, sizeof(ev));
	for (line = buf; line && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (split_line(line, &name, &params, &value) != 0)
			continue;
		if (strcasecmp(name, "BEGIN") == 0) {
			if (in)
				sub++;
			else if (strcasecmp(value, "VEVENT") == 0) {
				in = 1;
				sub = have_end = have_dur = 0;
				memset(&ev, 0, sizeof(ev));
			}
			continue;
		}
		if (strcasecmp(name, "END") == 0) {
			if (in && sub > 0) {
				sub--;
			} else if (in && strcasecmp(value, "VEVENT") == 0) {
				in = 0;
				if (!have_end)
					ev.end = have_dur ? ev.start + dur
					    : ev.all_day  ? ev.start + 86400
					                  : ev.start;
				if (n < max)
					out[n] = ev;
				n++;
			}
			continue;
		}
		if (!in || sub > 0)
			continue;
		if (strcasecmp(name, "UID") == 0)
			snprintf(ev.uid, sizeof(ev.uid), "%s", value);
		else if (strcasecmp(name, "SUMMARY") == 0) {
			snprintf(ev.summary, sizeof(ev.summary), "%s", value);
			ical_unescape(ev.summary);
		} else if (strcasecmp(name, "DTSTART") == 0)
			ical_parse_time(value, params, &ev.start, &ev.all_day);
		else if (strcasecmp(name, "DTEND") == 0)
			have_end =
			    ical_parse_time(value, params, &ev.end, NULL) == 0;
		else if (strcasecmp(name, "DURATION") == 0)
			have_dur = ical_parse_duration(value, &dur) == 0;
		else if (strcasecmp(name, "TRANSP") == 0)
			ev.transparent = strcasecmp(value, "TRANSPARENT") == 0;
		else if (strcasecmp(name, "STATUS") == 0)
			ev.cancelled = strcasecmp(value, "CANCELLED") == 0;
		else if (strcasecmp(name, "RRULE") == 0)
			snprintf(ev.rrule, sizeof(ev.rrule), "%s", value);
	}
	free(buf);
	return n;
}

/* One part of an RRULE: "COUNT" in "FREQ=WEEKLY;COUNT=5" -> "5". */
static int
rule_part(const char *rule, const char *key, char *out, size_t len)
{
	size_t k = strlen(key);
	const char *p = rule, *e;

	while (p && *p) {
		if (strncasecmp(p, key, k) == 0 && p[k] == '=') {
			p += k + 1;
			e = strchr(p, ';');
			snprintf(out, len, "%.*s",
			    (int)(e ? e - p : (long)strlen(p)), p);
			return 1;
		}
		p = strchr(p, ';');
		if (p)
			p++;
	}
	return 0;
}

/* A longer INTERVAL repeats past any window asked (ten years of days or
 * weeks) and is read as this, which keeps the day sums within an int. */
#define ICAL_INTERVAL_MAX 3660

int
ical_occurrences(const struct ical_vevent *ev, time_t from, time_t to,
    struct fb_span *out, int max)
{
	static const char *const days[7] = {
	    "SU", "MO", "TU", "WE", "TH", "FR", "SA"};
	char freq[16], v[64];
	time_t len = ev->end - ev->start, until = 0, t, week;
	long count = -1, seen = 0, l;
	int interval = 1, byday[7] = {0}, any_day = 0, i, step, n = 0;
	struct tm tm;

	if (ev->rrule[0] == '\0' ||
	    !rule_part(ev->rrule, "FREQ", freq, sizeof(freq)) ||
	    (strcasecmp(freq, "DAILY") != 0 &&
	        strcasecmp(freq, "WEEKLY") != 0)) {
		/* not repeating (or a rule we do not expand): the event */
		if (ev->start < to && from < ev->end && max > 0) {
			out[0].start = ev->start;
			out[0].end = ev->end;
			return 1;
		}
		return 0;
	}
	if (rule_part(ev->rrule, "INTERVAL", v, sizeof(v)) &&
	    (l = strtol(v, NULL, 10)) > 0)
		interval = l > ICAL_INTERVAL_MAX ? ICAL_INTERVAL_MAX : (int)l;
	if (rule_part(ev->rrule, "COUNT", v, sizeof(v)))
		count = atol(v);
	if (rule_part(ev->rrule, "UNTIL", v, sizeof(v)) &&
	    ical_parse_time(v, NULL, &until, NULL) != 0)
		until = 0;
	if (rule_part(ev->rrule, "BYDAY", v, sizeof(v)))
		for (i = 0; i < 7; i++)
			if (strstr(v, days[i]))
				byday[i] = any_day = 1;
	if (strcasecmp(freq, "DAILY") == 0) {
		for (t = ev->start, step = 0; step < MAX_EXPAND && t < to &&
		     (count < 0 || seen < count) && (!until || t <= until);
		     step++, t = fd_add_days(ev->start, step * interval)) {
			seen++;
			if (t + len > from && n < max) {
				out[n].start = t;
				out[n].end = t + len;
				n++;
			}
		}
		return n;
	}
	/* WEEKLY: walk the weeks (from DTSTART's Monday) day by day */
	localtime_r(&ev->start, &tm);
	week = fd_add_days(ev->start, -((tm.tm_wday + 6) % 7));
	if (!any_day)
		byday[tm.tm_wday] = 1;
	for (step = 0; step < MAX_EXPAND; step++) {
		t = fd_add_days(week, (step / 7) * 7 * interval + step % 7);
		if (t >= to || (count >= 0 && seen >= count) ||
		    (until && t > until))
			break;
		localtime_r(&t, &tm);
		if (t < ev->start || !byday[tm.tm_wday])
			continue;
		seen++;
		if (t + len > from && n < max) {
			out[n].start = t;
			out[n].end = t + len;
			n++;
		}
	}
	return n;
}

void
rfc3339_fmt(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
rfc3339_local(time_t t, char *buf, size_t len)
{
	struct tm tm;
	char base[32];
	long off;

	localtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff;
	snprintf(buf, len, "%s%c%02ld:%02ld", base, off < 0 ? '-' : '+',
	    labs(off) / 3600, (labs(off) % 3600) / 60);
}

int
rfc3339_parse(const char *s, time_t *t)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh, om;
	const char *p;
	long off = 0;

	if (strlen(s) < 19 || (y = digits(s, 4)) < 0 || s[4] != '-' ||
	    (mo = digits(s + 5, 2)) < 1 || mo > 12 || s[7] != '-' ||
	    (d = digits(s + 8, 2)) < 1 || d > 31 ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    (h = digits(s + 11, 2)) < 0 || s[13] != ':' ||
	    (mi = digits(s + 14, 2)) < 0 || s[16] != ':' ||
	    (sec = digits(s + 17, 2)) < 0)
		return -1;
	p = s + 19;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == 'Z' || *p == 'z') {
		off = 0;
	} else if ((*p == '+' || *p == '-') && (oh = digits(p + 1, 2)) >= 0 &&
	    p[3] == ':' && (om = digits(p + 4, 2)) >= 0) {
		off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
	} else {
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = timegm(&tm) - off;
	return 0;
}

/* Decode XML character data s[0..n) (entities, CDATA) into out. */
static void
xml_text(const char *s, size_t n, char *out)
{
	const char *e = s + n, *end;
	unsigned long cp;
	char *w = out;

	while (s < e) {
		if (strncmp(s, "<![CDATA[", 9) == 0 &&
		    (end = strstr(s + 9, "]]>")) != NULL && end < e) {
			memcpy(w, s + 9, (size_t)(end - s - 9));
			w += end - s - 9;
			s = end + 3;
		} else if (*s == '&') {
			if (strncmp(s, "&lt;", 4) == 0) {
				*w++ = '<';
				s += 4;
			} else if (strncmp(s, "&gt;", 4) == 0) {
				*w++ = '>';
				s += 4;
			} else if (strncmp(s, "&amp;", 5) == 0) {
				*w++ = '&';
				s += 5;
			} else if (strncmp(s, "&quot;", 6) == 0) {
				*w++ = '"';
				s += 6;
			} else if (strncmp(s, "&apos;", 6) == 0) {
				*w++ = '\'';
				s += 6;
			} else if (s[1] == '#') {
				char *q;

				cp = s[2] == 'x' ? strtoul(s + 3, &q, 16)
				                 : strtoul(s + 2, &q, 10);
				if (*q != ';' || cp == 0 || cp > 0x10FFFF) {
					*w++ = *s++;
					continue;
				}
				s = q + 1;
				if (cp < 0x80) {
					*w++ = (char)cp;
				} else if (cp < 0x800) {
					*w++ = (char)(0xC0 | (cp >> 6));
					*w++ = (char)(0x80 | (cp & 0x3F));
				} else if (cp < 0x10000) {
					*w++ = (char)(0xE0 | (cp >> 12));
					*w++ =
					    (char)(0x80 | ((cp >> 6) & 0x3F));
					*w++ = (char)(0x80 | (cp & 0x3F));
				} else {
					*w++ = (char)(0xF0 | (cp >> 18));
					*w++ =
					    (char)(0x80 | ((cp >> 12) & 0x3F));
					*w++ =
					    (char)(0x80 | ((cp >> 6) & 0x3F));
					*w++ = (char)(0x80 | (cp & 0x3F));
				}
			} else
				*w++ = *s++;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
}

/* Local name of the tag starting at p (after '<' or '</'): its length,
 * and *ln points at it. */
static size_t
tag_name(const char *p, const char **ln)
{
	const char *s = p, *colon = NULL;

	while (*s && !isspace((unsigned char)*s) && *s != '>' && *s != '/') {
		if (*s == ':')
			colon = s;
		s++;
	}
	*ln = colon ? colon + 1 : p;
	return (size_t)(s - *ln);
}

int
xml_each(const char *xml, const char *name,
    void (*fn)(const char *text, void *arg), void *arg)
{
	size_t nl = strlen(name), len;
	const char *p = xml, *ln, *gt, *c, *body;
	char *text;
	int count = 0;

	while ((p = strchr(p, '<')) != NULL) {
		p++;
		if (*p == '/' || *p == '?' || *p == '!')
			continue;
		len = tag_name(p, &ln);
		if (len != nl || strncmp(ln, name, nl) != 0)
			continue;
		if ((gt = strchr(p, '>')) == NULL)
			break;
		if (gt[-1] == '/') {
			fn("", arg);
			count++;
			p = gt + 1;
			continue;
		}
		body = gt + 1;
		/* the closing tag of the same local name */
		for (c = body; (c = strstr(c, "</")) != NULL; c += 2) {
			len = tag_name(c + 2, &ln);
			if (len == nl && strncmp(ln, name, nl) == 0)
				break;
		}
		if (c == NULL)
			break;
		if ((text = malloc((size_t)(c - body) + 1)) == NULL)
			return -1;
		xml_text(body, (size_t)(c - body), text);
		fn(text, arg);
		free(text);
		count++;
		p = c + 2;
	}
	return count;
}
