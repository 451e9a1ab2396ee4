/*
 * datetime.c - natural-language days and times for booking, relative to
 * the call's clock.  The text is tokenised once; each recogniser below
 * looks at one position and records what it found; resolve() turns the
 * findings into a day and a time.  Times without am/pm are read the way a
 * caller of a business open by day means them: 1-6 is afternoon, 7-11 is
 * morning.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "speech/datetime.h"
#include "speech/text.h"

struct found {
	int rel_days; /* today=0, tomorrow=1, in N days; -1 none */
	int wday; /* 0=Sunday; -1 none */
	int wday_mod; /* 0 plain, 1 "this", 2 "next", 3 "after next" */
	int week_ahead; /* "next week": +1 */
	int mday; /* day of month; 0 none */
	int month; /* 1..12; 0 none */
	int hour, minute; /* -1 none */
	int ampm; /* 0 none, 1 am, 2 pm */
	enum dt_rel rel;
	enum dt_part part;
	int earliest;
	int noonish; /* noon/midnight: no am/pm inference */
};

static const char *const wday_names[7] = {"sunday", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday"};
/* what recognisers hear instead, one or two words; and abbreviations */
static const char *const wday_heard[7][8] = {
    {"sun", "sundays", "sonday", "some day", NULL},
    {"mon", "mondays", "monda", "man day", "mundane", NULL},
    {"tue", "tues", "to say", "two say", "tues day", "choose day", "chews day",
        NULL},
    {"wed", "weds", "wednesdays", "wensday", "wednes day", "when is day",
        "wind stay", NULL},
    {"thu", "thur", "thurs", "thursdays", "thurs day", "there's day",
        "first day", NULL},
    {"fri", "fridays", "fry day", "fried day", "free day", NULL},
    {"sat", "saturdays", "sadder day", "saturn day", NULL},
};
static const char *const month_names[12] = {"january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october",
    "november", "december"};
static const char *const month_abbr[12] = {"jan", "feb", "mar", "apr", "may",
    "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const time_preps[] = {"at", "around", "about", "by", "after",
    "before", "from", "til", "till", "until", "say", "maybe", "like", "for",
    "or", "it", NULL};

static const char *const pickers[] = {"the", "that", "this", "which", "last",
    "later", "earlier", "other", "either", NULL};

/* A weekday at t->w[i]: returns tokens used, *wd the day. */
static int
weekday_at(const struct tokens *t, int i, int *wd)
{
	int d, k, n;

	for (d = 0; d < 7; d++) {
		for (k = 0; wday_heard[d][k]; k++)
			if ((n = txt_phrase_at(t, i, wday_heard[d][k])) > 0) {
				*wd = d;
				return n;
			}
	}
	for (d = 0; d < 7; d++) {
		if (txt_fuzzy_eq(t->w[i], wday_names[d])) {
			*wd = d;
			return 1;
		}
		/* "tues" "day" split by the recogniser */
		if (i + 1 < t->n && strcmp(t->w[i + 1], "day") == 0) {
			char j[48];

			snprintf(j, sizeof(j), "%sday", t->w[i]);
			if (txt_fuzzy_eq(j, wday_names[d])) {
				*wd = d;
				return 2;
			}
		}
	}
	return 0;
}

static int
month_at(const struct tokens *t, int i, int *m)
{
	int k;

	for (k = 0; k < 12; k++)
		if (txt_fuzzy_eq(t->w[i], month_names[k]) ||
		    strcmp(t->w[i], month_abbr[k]) == 0 ||
		    (k == 8 && strcmp(t->w[i], "sept") == 0)) {
			/* "may" is also a verb: only with a day number */
			if (k == 4 &&
			    !(i + 1 < t->n &&
			        (txt_ordinal_at(t, i + 1, &(int){0}) ||
			            txt_cardinal_at(t, i + 1, &(int){0}))))
				return 0;
			*m = k + 1;
			return 1;
		}
	return 0;
}

static int
is_hour_word(const struct tokens *t, int i, int *h)
{
	int v;

	if (i >= t->n || strchr(t->w[i], ':') != NULL)
		return 0;
	if (txt_cardinal_at(t, i, &v) == 1 && v >= 1 && v <= 12) {
		*h = v;
		return 1;
	}
	return 0;
}

/* am/pm markers after a time, tokens used */
static int
ampm_at(const struct tokens *t, int i, struct found *f)
{
	int n;

	if (i >= t->n)
		return 0;
	if (strcmp(t->w[i], "am") == 0) {
		f->ampm = 1;
		return 1;
	}
	if (strcmp(t->w[i], "pm") == 0 || strcmp(t->w[i], "p") == 0) {
		f->ampm = 2;
		return 1;
	}
	if ((n = txt_phrase_at(t, i, "a m")))
		f->ampm = 1;
	else if ((n = txt_phrase_at(t, i, "p m")))
		f->ampm = 2;
	else if ((n = txt_phrase_at(t, i, "in the morning")) ||
	    (n = txt_phrase_at(t, i, "this morning")))
		f->ampm = 1, f->part = DT_PART_MORNING;
	else if ((n = txt_phrase_at(t, i, "in the afternoon")) ||
	    (n = txt_phrase_at(t, i, "this afternoon")))
		f->ampm = 2, f->part = DT_PART_AFTERNOON;
	else if ((n = txt_phrase_at(t, i, "in the evening")) ||
	    (n = txt_phrase_at(t, i, "at night")) ||
	    (n = txt_phrase_at(t, i, "this evening")))
		f->ampm = 2, f->part = DT_PART_EVENING;
	return n;
}

/*
 * A clock time starting at t->w[i]: "10", "10:30", "ten thirty",
 * "ten oh five", "half past ten", "quarter to eleven", "10 o'clock".
 * strong: preceded by a time word, so a bare number counts.
 */
/* "10:30", "9:05": one or two digits of hour (0-23), a colon, two of
 * minute (0-59), nothing else (sscanf's %d would take "09:8888888888"
 * and overflow).  1 with *h and *m, else 0. */
static int
clock_digits(const char *w, int *h, int *m)
{
	const char *c = strchr(w, ':');
	size_t nh = (size_t)(c - w);

	if (nh < 1 || nh > 2 || strspn(w, "0123456789") != nh ||
	    strlen(c + 1) != 2 || strspn(c + 1, "0123456789") != 2)
		return 0;
	*h = atoi(w);
	*m = atoi(c + 1);
	return *h <= 23 && *m <= 59;
}

static int
time_at(const struct tokens *t, int i, int strong, struct found *f)
{
	int h, m = 0, n = 0, k, v, used;

	if (i >= t->n)
		return 0;
	if (strchr(t->w[i], ':') != NULL) {
		if (!clock_digits(t->w[i], &h, &m))
			return 0;
		n = 1;
		if (h > 12 || h == 0)
			f->ampm = h >= 12 ? 2 : 1;
		goto suffix;
	}
	if (strcmp(t->w[i], "half") == 0 || strcmp(t->w[i], "quarter") == 0 ||
	    (txt_cardinal_at(t, i, &v) && i + 1 < t->n &&
	        (strcmp(t->w[i + 1], "past") == 0 ||
	            strcmp(t->w[i + 1], "to") == 0 ||
	            (strcmp(t->w[i + 1], "minutes") == 0 && i + 2 < t->n &&
	                (strcmp(t->w[i + 2], "past") == 0 ||
	                    strcmp(t->w[i + 2], "to") == 0))))) {
		int mins, j = i;

		if (strcmp(t->w[j], "half") == 0) {
			mins = 30;
			j++;
		} else if (strcmp(t->w[j], "quarter") == 0) {
			mins = 15;
			j++;
		} else {
			j += txt_cardinal_at(t, j, &mins);
			if (strcmp(t->w[j], "minutes") == 0)
				j++;
		}
		if (j >= t->n || mins >= 60)
			return 0;
		if (strcmp(t->w[j], "past") == 0 ||
		    strcmp(t->w[j], "after") == 0) {
			if (!is_hour_word(t, j + 1, &h))
				return 0;
			m = mins;
		} else if (strcmp(t->w[j], "to") == 0) {
			if (!is_hour_word(t, j + 1, &h))
				return 0;
			h = h == 1 ? 12 : h - 1;
			m = 60 - mins;
		} else {
			return 0;
		}
		n = j + 2 - i;
		goto suffix;
	}
	if ((used = txt_cardinal_at(t, i, &v)) == 0)
		return 0;
	if (used == 1 && v >= 100 && v <= 2359 && v % 100 < 60 &&
	    strlen(t->w[i]) >= 3) {
		h = v / 100; /* "1030" */
		m = v % 100;
		n = 1;
		goto suffix;
	}
	if (v < 1 || v > 12 || used != 1)
		return 0;
	h = v;
	n = 1;
	/* minutes: "ten thirty", "ten oh five", "nine forty five" */
	if (i + 1 < t->n && strcmp(t->w[i + 1], "oh") == 0 &&
	    txt_cardinal_at(t, i + 2, &v) == 1 && v >= 1 && v <= 9) {
		m = v;
		n = 3;
	} else if ((k = txt_cardinal_at(t, i + 1, &v)) > 0 && v >= 10 &&
	    v <= 59) {
		m = v;
		n += k;
	}
suffix:
	k = i + n;
	if (k < t->n &&
	    (strcmp(t->w[k], "oclock") == 0 || strcmp(t->w[k], "clock") == 0)) {
		k++;
		strong = 1;
	}
	if ((v = ampm_at(t, k, f)) > 0) {
		k += v;
		strong = 1;
	}
	if (txt_phrase_at(t, k, "or later") ||
	    txt_phrase_at(t, k, "or after") || txt_phrase_at(t, k, "onwards"))
		strong = 1;
	if (!strong && n == 1 && m == 0 && strchr(t->w[i], ':') == NULL)
		return 0;
	f->hour = h;
	f->minute = m;
	return k - i;
}

static void
part_word(const struct tokens *t, int i, struct found *f)
{
	const char *w = t->w[i];

	if (strcmp(w, "morning") == 0 || strcmp(w, "mornings") == 0)
		f->part = DT_PART_MORNING;
	else if (strcmp(w, "afternoon") == 0 || strcmp(w, "afternoons") == 0)
		f->part = DT_PART_AFTERNOON;
	else if (strcmp(w, "evening") == 0 || strcmp(w, "tonight") == 0 ||
	    strcmp(w, "night") == 0)
		f->part = DT_PART_EVENING;
}

/* An ordinal is a day of the month unless it picks among offers ("the
 * first one") or is "just a second". */
static int
mday_ordinal_ok(const struct tokens *t, int i, int n, enum dt_expect expect)
{
	static const char *const choice[] = {"one", "slot", "option", "time",
	    "choice", "available", "thing", NULL};
	const char *w = t->w[i];

	if (i + n < t->n && txt_is(t->w[i + n], choice))
		return 0;
	if (w[0] >= '0' && w[0] <= '9')
		return 1;
	if (i + n < t->n && strcmp(t->w[i + n], "of") == 0)
		return 1;
	if (expect == DT_EXPECT_DATE)
		return 1;
	return i > 0 &&
	    (strcmp(t->w[i - 1], "the") == 0 ||
	        strcmp(t->w[i - 1], "on") == 0) &&
	    strcmp(w, "second") != 0;
}

/* "later than 3" (and "no earlier than 3"): 1, the time is a lower
 * bound; "earlier than 3", "no later than 3": -1, an upper bound; 0 if
 * the words before token i are neither. */
static int
than_at(const struct tokens *t, int i)
{
	int dir, no;

	if (i < 2 || strcmp(t->w[i - 1], "than") != 0)
		return 0;
	if (strcmp(t->w[i - 2], "later") == 0)
		dir = 1;
	else if (strcmp(t->w[i - 2], "earlier") == 0 ||
	    strcmp(t->w[i - 2], "sooner") == 0)
		dir = -1;
	else
		return 0;
	no = i >= 3 &&
	    (strcmp(t->w[i - 3], "no") == 0 || strcmp(t->w[i - 3], "not") == 0);
	return no ? -dir : dir;
}

/*
 * The recognisers scan() tries at each token, in this order.  Each looks
 * at token i and, if its kind of words start there, records them in f
 * and returns how many tokens it used (at least 1); else it returns 0
 * and the next one is tried.
 */

/* "today", "tonight", "tomorrow", "the day after tomorrow" */
static int
rel_day_at(
    const struct tokens *t, int i, enum dt_expect expect, struct found *f)
{
	const char *w = t->w[i];
	int n;

	(void)expect;
	if ((n = txt_phrase_at(t, i, "day after tomorrow"))) {
		f->rel_days = 2;
		return n;
	}
	if (strcmp(w, "today") == 0 || strcmp(w, "tonight") == 0) {
		f->rel_days = 0;
		part_word(t, i, f);
		return 1;
	}
	if (txt_fuzzy_eq(w, "tomorrow") || strcmp(w, "tmrw") == 0 ||
	    strcmp(w, "tomorrows") == 0) {
		f->rel_days = 1;
		return 1;
	}
	return 0;
}

/* "as soon as possible", "first thing", "asap", "earliest" */
static int
earliest_at(
    const struct tokens *t, int i, enum dt_expect expect, struct found *f)
{
	const char *w = t->w[i];
	int n;

	(void)expect;
	if ((n = txt_phrase_at(t, i, "as soon as possible")) ||
	    (n = txt_phrase_at(t, i, "first thing")) ||
	    (n = txt_phrase_at(t, i, "first available")) ||
	    (n = txt_phrase_at(t, i, "next available"))) {
		f->earliest = 1;
		if (n == 2 && strcmp(w, "first") == 0 &&
		    strcmp(t->w[i + 1], "thing") == 0)
			f->part = DT_PART_MORNING;
		return n;
	}
	if (strcmp(w, "asap") == 0 || strcmp(w, "earliest") == 0 ||
	    strcmp(w, "soonest") == 0) {
		f->earliest = 1;
		return 1;
	}
	return 0;
}

/* "noon", "after lunch", "midnight": an hour with no am/pm to infer */
static int
noon_at(const struct tokens *t, int i, enum dt_expect expect, struct found *f)
{
	const char *w = t->w[i];

	(void)expect;
	if (strcmp(w, "noon") == 0 || strcmp(w, "midday") == 0 ||
	    strcmp(w, "lunchtime") == 0 ||
	    (strcmp(w, "lunch") == 0 && !txt_phrase_at(t, i, "lunch break"))) {
		f->hour = 12;
		f->minute = 0;
		f->ampm = 2;
		f->noonish = 1;
		if (i > 0 && strcmp(t->w[i - 1], "after") == 0)
			f->rel = DT_AFTER;
		else if (i > 0 &&
		    (strcmp(t->w[i - 1], "before") == 0 ||
		        strcmp(t->w[i - 1], "until") == 0))
			f->rel = DT_BEFORE;
		else if (than_at(t, i) != 0)
			f->rel = than_at(t, i) > 0 ? DT_AFTER : DT_BEFORE;
		return 1;
	}
	if (strcmp(w, "midnight") == 0) {
		f->hour = 0;
		f->minute = 0;
		f->ampm = 1;
		f->noonish = 1;
		return 1;
	}
	return 0;
}

/* "next week", "in a week", "in 3 days", "end of the day", "end of the
 * week", "weekend" */
static int
span_at(const struct tokens *t, int i, enum dt_expect expect, struct found *f)
{
	const char *w = t->w[i];
	int n, v;

	(void)expect;
	if (strcmp(w, "week") == 0 && i > 0 &&
	    (strcmp(t->w[i - 1], "next") == 0 ||
	        strcmp(t->w[i - 1], "following") == 0)) {
		f->week_ahead = 1;
		return 1;
	}
	if ((n = txt_phrase_at(t, i, "in a week")) ||
	    (n = txt_phrase_at(t, i, "a week from today")) ||
	    (n = txt_phrase_at(t, i, "one week from today"))) {
		f->rel_days = 7;
		return n;
	}
	if (strcmp(w, "in") == 0 && (n = txt_cardinal_at(t, i + 1, &v)) > 0 &&
	    i + 1 + n < t->n && v < 60 &&
	    (strncmp(t->w[i + 1 + n], "day", 3) == 0 ||
	        strncmp(t->w[i + 1 + n], "week", 4) == 0)) {
		f->rel_days =
		    strncmp(t->w[i + 1 + n], "week", 4) == 0 ? 7 * v : v;
		return n + 2;
	}
	if ((n = txt_phrase_at(t, i, "end of the day")) ||
	    (n = txt_phrase_at(t, i, "end of day"))) {
		/* "end of the day Friday": the last hours open */
		f->part = DT_PART_EVENING;
		return n;
	}
	if ((n = txt_phrase_at(t, i, "end of the week")) ||
	    (n = txt_phrase_at(t, i, "end of this week")) ||
	    (n = txt_phrase_at(t, i, "end of next week"))) {
		/* the last weekday: Friday */
		f->wday = 5;
		f->wday_mod = 1;
		if (strcmp(t->w[i + 2], "next") == 0)
			f->week_ahead = 1;
		return n;
	}
	if (strcmp(w, "weekend") == 0) {
		f->wday = 6;
		if (i > 0 && strcmp(t->w[i - 1], "next") == 0)
			f->wday_mod = 2;
		return 1;
	}
	return 0;
}

/* "tuesday", "next tuesday", "tuesday after next", "tuesday at ten" */
static int
wday_at(const struct tokens *t, int i, enum dt_expect expect, struct found *f)
{
	int n, wd;

	if ((n = weekday_at(t, i, &wd)) == 0)
		return 0;
	f->wday = wd;
	if (i > 0 &&
	    (strcmp(t->w[i - 1], "next") == 0 ||
	        strcmp(t->w[i - 1], "coming") == 0))
		f->wday_mod = 2;
	else if (i > 0 && strcmp(t->w[i - 1], "this") == 0)
		f->wday_mod = 1;
	if (txt_phrase_at(t, i + n, "after next"))
		f->wday_mod = 3;
	/* "a week from tuesday": the tuesday after next */
	if (i >= 2 && strcmp(t->w[i - 1], "from") == 0 &&
	    strcmp(t->w[i - 2], "week") == 0)
		f->wday_mod = 3;
	/* "tuesday at ten": a bare hour right after a day */
	if (expect != DT_EXPECT_DATE && i + n < t->n &&
	    !txt_is(t->w[i + n], time_preps))
		n += time_at(t, i + n, 1, f);
	return n;
}

/* "november 24th", "11/24", "the 24th of november" */
static int
date_at(const struct tokens *t, int i, enum dt_expect expect, struct found *f)
{
	const char *w = t->w[i];
	int n, v, m;

	if (month_at(t, i, &m)) {
		f->month = m;
		if ((n = txt_ordinal_at(t, i + 1, &v)) > 0 ||
		    ((n = txt_cardinal_at(t, i + 1, &v)) > 0 &&
		        !(i + 1 + n < t->n &&
		            (strcmp(t->w[i + 1 + n], "am") == 0 ||
		                strcmp(t->w[i + 1 + n], "pm") == 0)))) {
			if (v >= 1 && v <= 31) {
				f->mday = v;
				return 1 + n;
			}
		}
		return 1;
	}
	if (strchr(w, '/') != NULL) {
		int mo, d;

		if (sscanf(w, "%d/%d", &mo, &d) == 2 && mo >= 1 && mo <= 12 &&
		    d >= 1 && d <= 31) {
			f->month = mo;
			f->mday = d;
		}
		return 1;
	}
	if ((n = txt_ordinal_at(t, i, &v)) > 0 &&
	    mday_ordinal_ok(t, i, n, expect)) {
		f->mday = v;
		if (i + n + 1 < t->n && strcmp(t->w[i + n], "of") == 0 &&
		    month_at(t, i + n + 1, &m)) {
			f->month = m;
			n += 2;
		}
		return n;
	}
	return 0;
}

/* "morning", "afternoons", "evening", "early morning" */
static int
part_at(const struct tokens *t, int i, enum dt_expect expect, struct found *f)
{
	const char *w = t->w[i];

	(void)expect;
	if (strcmp(w, "morning") == 0 || strcmp(w, "mornings") == 0 ||
	    strcmp(w, "afternoon") == 0 || strcmp(w, "afternoons") == 0 ||
	    strcmp(w, "evening") == 0 || strcmp(w, "night") == 0) {
		part_word(t, i, f);
		return 1;
	}
	if (strcmp(w, "early") == 0 && i + 1 < t->n &&
	    strcmp(t->w[i + 1], "morning") == 0) {
		f->earliest = 1;
		return 1;
	}
	return 0;
}

/* A clock time ("at ten", "3:30 pm or later", "before 5"), or a bare
 * number that is the day of the month when a date was asked. */
static int
clock_at(const struct tokens *t, int i, enum dt_expect expect, struct found *f)
{
	int prev_prep =
	    (i > 0 && txt_is(t->w[i - 1], time_preps)) || than_at(t, i) != 0;
	int n, v;

	if (strcmp(t->w[i], "one") == 0 && i > 0 &&
	    (txt_is(t->w[i - 1], pickers) || txt_ordinal_at(t, i - 1, &v)))
		return 1; /* "the first one" picks, it is no hour */
	if ((n = time_at(t, i,
	         prev_prep || expect == DT_EXPECT_TIME || t->n <= 2, f)) > 0) {
		if (i > 0 && strcmp(t->w[i - 1], "after") == 0)
			f->rel = DT_AFTER;
		else if (i > 0 &&
		    (strcmp(t->w[i - 1], "before") == 0 ||
		        strcmp(t->w[i - 1], "until") == 0 ||
		        strcmp(t->w[i - 1], "by") == 0))
			f->rel = DT_BEFORE;
		else if (than_at(t, i) != 0)
			f->rel = than_at(t, i) > 0 ? DT_AFTER : DT_BEFORE;
		if (txt_phrase_at(t, i + n, "or later") ||
		    txt_phrase_at(t, i + n, "or after") ||
		    txt_phrase_at(t, i + n, "onwards") ||
		    (i + n + 1 == t->n && txt_phrase_at(t, i + n, "on")))
			f->rel = DT_AFTER;
		return n;
	}
	if (expect == DT_EXPECT_DATE && txt_cardinal_at(t, i, &v) == 1 &&
	    v >= 1 && v <= 31 && f->mday == 0) {
		f->mday = v;
		return 1;
	}
	return 0;
}

static int (*const recognisers[])(
    const struct tokens *, int, enum dt_expect, struct found *) = {rel_day_at,
    earliest_at, noon_at, span_at, wday_at, date_at, part_at, clock_at};

/* Every recogniser in turn at each token; a token none takes is skipped. */
static void
scan(const struct tokens *t, enum dt_expect expect, struct found *f)
{
	size_t k;
	int i, n;

	for (i = 0; i<t->n; i += n> 0 ? n : 1) {
		n = 0;
		for (k = 0;
		     n == 0 && k < sizeof(recognisers) / sizeof(recognisers[0]);
		     k++)
			n = recognisers[k](t, i, expect, f);
	}
}

static time_t
make_day(int y, int mon, int mday)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = 12; /* midday: immune to DST edges */
	tm.tm_isdst = -1;
	return dt_day_start(mktime(&tm));
}

static int
days_in_month(int y, int mon)
{
	static const int dm[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mon == 2 && leap ? 29 : dm[mon - 1];
}

static void
resolve(const struct found *f, time_t now, struct dt_result *r)
{
	time_t today = dt_day_start(now);
	struct tm tm;
	int y, mon, k, ahead;

	localtime_r(&today, &tm);
	y = tm.tm_year + 1900;
	mon = tm.tm_mon + 1;
	if (f->mday > 0 && f->month > 0) {
		if (f->mday <= days_in_month(y, f->month)) {
			r->day = make_day(y, f->month, f->mday);
			if (r->day < today)
				r->day = make_day(y + 1, f->month, f->mday);
			r->has_date = 1;
		}
	} else if (f->mday > 0) {
		for (k = 0; k < 13; k++) {
			int yy = y + (mon - 1 + k) / 12,
			    mm = (mon - 1 + k) % 12 + 1;

			if (f->mday > days_in_month(yy, mm))
				continue;
			r->day = make_day(yy, mm, f->mday);
			if (r->day >= today) {
				r->has_date = 1;
				break;
			}
		}
	} else if (f->wday >= 0) {
		ahead = (f->wday - tm.tm_wday + 7) % 7;
		if (f->wday_mod == 1) {
			/* "this friday": today counts */
		} else if (ahead == 0) {
			ahead = 7;
		}
		if (f->wday_mod == 3)
			ahead += 7;
		if (f->week_ahead) {
			/* "tuesday next week": the weekday in next Mon-Sun week */
			int to_monday = (8 - tm.tm_wday) % 7;

			if (to_monday == 0)
				to_monday = 7;
			ahead = to_monday + (f->wday + 6) % 7;
		}
		r->day = dt_add_days(today, ahead);
		r->has_date = 1;
	} else if (f->rel_days >= 0) {
		r->day = dt_add_days(today, f->rel_days);
		r->has_date = 1;
	} else if (f->week_ahead) {
		int to_monday = (8 - tm.tm_wday) % 7;

		r->day = dt_add_days(today, to_monday ? to_monday : 7);
		r->has_date = 1;
		r->next_week = 1;
	}
	r->part = f->part;
	r->earliest = f->earliest;
	if (f->hour >= 0) {
		int h = f->hour;

		r->has_time = 1;
		r->rel = f->rel;
		r->ampm_given = f->ampm != 0 || f->noonish || h > 12;
		if (!f->noonish) {
			if (f->ampm == 2 && h < 12)
				h += 12;
			else if (f->ampm == 1 && h == 12)
				h = 0;
			else if (f->ampm == 0 && h < 12 &&
			    (f->part == DT_PART_AFTERNOON ||
			        f->part == DT_PART_EVENING))
				h += 12;
			else if (f->ampm == 0 && f->part == DT_PART_NONE &&
			    h >= 1 && h <= 6)
				h += 12;
		}
		r->minute = h * 60 + f->minute;
	}
}

int
dt_parse(
    const char *text, time_t now, enum dt_expect expect, struct dt_result *out)
{
	struct tokens t;
	struct found f;

	memset(out, 0, sizeof(*out));
	memset(&f, 0, sizeof(f));
	f.rel_days = f.wday = f.hour = -1;
	txt_tokenize(text ? text : "", &t);
	scan(&t, expect, &f);
	resolve(&f, now, out);
	return out->has_date + out->has_time + (out->part != DT_PART_NONE) +
	    out->earliest + out->next_week;
}

void
dt_say_day(time_t day, char *buf, size_t len)
{
	struct tm tm;
	char w[16], m[16];

	localtime_r(&day, &tm);
	strftime(w, sizeof(w), "%A", &tm);
	strftime(m, sizeof(m), "%B", &tm);
	snprintf(buf, len, "%s, %s %d", w, m, tm.tm_mday);
}

void
dt_say_time(int minute, char *buf, size_t len)
{
	int h = minute / 60, m = minute % 60, h12 = h % 12 ? h % 12 : 12;

	if (minute == 12 * 60)
		snprintf(buf, len, "noon");
	else if (m == 0)
		snprintf(buf, len, "%d %s", h12, h < 12 ? "AM" : "PM");
	else
		snprintf(buf, len, "%d:%02d %s", h12, m, h < 12 ? "AM" : "PM");
}

void
dt_fmt_date(time_t day, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&day, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

void
dt_fmt_slot(time_t day, int minute, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&day, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, minute / 60, minute % 60);
}

int
dt_parse_slot(const char *s, time_t *day, int *minute)
{
	int y, mo, d, h, mi;

	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) != 5 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59)
		return -1;
	*day = make_day(y, mo, d);
	*minute = h * 60 + mi;
	return 0;
}
