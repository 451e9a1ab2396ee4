/*
 * redact.c - mask card numbers, SSN-like numbers and configured patterns
 * in text before it is stored or logged (see redact.h).
 *
 * Text is read as runs of digit items: a group of written digits standing
 * alone (not part of "1HGCM826", "10:30", "12/25" or "3.5"), or a spoken
 * digit word, "double five" / "triple oh" counting two or three.  Items are
 * joined by up to three spaces, dashes or commas.  A run is masked whole
 * when its digits are a card number (Luhn-valid, or spoken, or after
 * "card": recognisers garble digits) or an SSN; anything else is copied as
 * it was, so phone numbers (10-11 digits), codes and VINs (letters break
 * the run) and dates stay readable.  Talks to no process.
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redact.h"
#include "sbuf.h"

#define RUN_MAX 40 /* digits kept of one run */
#define RUN_GROUPS 8

static int redact_on = 1;
static regex_t patterns[REDACT_MAX_PATTERNS];
static int npatterns;

struct run {
	size_t start, end; /* byte span in the text */
	char dig[RUN_MAX];
	int nd;
	int over; /* more than RUN_MAX digits */
	int spoken; /* any item was a word */
	int groups[RUN_GROUPS]; /* digits per written item */
	int ngroups;
};

static const char *const digit_names[] = {"zero", "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine", NULL};

int
fd_digit_word(const char *w, size_t n)
{
	int i;

	if ((n == 2 && strncasecmp(w, "oh", 2) == 0) ||
	    (n == 1 && (*w == 'o' || *w == 'O')) ||
	    (n == 6 && strncasecmp(w, "nought", 6) == 0))
		return 0;
	for (i = 0; digit_names[i]; i++)
		if (strlen(digit_names[i]) == n &&
		    strncasecmp(w, digit_names[i], n) == 0)
			return i;
	return -1;
}

int
redact_luhn(const char *d, size_t n)
{
	int sum = 0, dbl = 0, v;
	size_t i;

	if (n == 0)
		return 0;
	for (i = n; i-- > 0;) {
		if (!isdigit((unsigned char)d[i]))
			return 0;
		v = d[i] - '0';
		if (dbl && (v *= 2) > 9)
			v -= 9;
		sum += v;
		dbl = !dbl;
	}
	return sum % 10 == 0;
}

static void
run_add(struct run *r, int d, int count)
{
	while (count-- > 0) {
		if (r->nd < RUN_MAX)
			r->dig[r->nd++] = (char)('0' + d);
		else
			r->over = 1;
	}
}

static size_t
word_end(const char *s, size_t i)
{
	while (isalpha((unsigned char)s[i]))
		i++;
	return i;
}

/* A digit item starting at s[i]: added to r and its end returned, or 0. */
static size_t
item_at(const char *s, size_t i, struct run *r)
{
	size_t j, k, e;
	int d, rep;

	if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_'))
		return 0;
	if (isdigit((unsigned char)s[i])) {
		/* "10:30", "12/25", "3.5" are times, dates and amounts */
		if (i > 1 && strchr(":/.", s[i - 1]) &&
		    isdigit((unsigned char)s[i - 2]))
			return 0;
		for (j = i; isdigit((unsigned char)s[j]); j++)
			;
		if (isalpha((unsigned char)s[j]) || s[j] == '_' ||
		    (s[j] && strchr(":/.", s[j]) &&
		        isdigit((unsigned char)s[j + 1])))
			return 0;
		for (k = i; k < j; k++)
			run_add(r, s[k] - '0', 1);
		if (r->ngroups < RUN_GROUPS)
			r->groups[r->ngroups] = (int)(j - i);
		r->ngroups++;
		return j;
	}
	if (!isalpha((unsigned char)s[i]))
		return 0;
	j = word_end(s, i);
	if (isdigit((unsigned char)s[j]) || s[j] == '_')
		return 0;
	rep = (j - i == 6 && strncasecmp(s + i, "double", 6) == 0) ? 2
	    : (j - i == 6 && strncasecmp(s + i, "triple", 6) == 0) ? 3
	                                                           : 1;
	if (rep > 1) {
		for (k = j; s[k] == ' '; k++)
			;
		e = word_end(s, k);
		if (k == j || e == k || isdigit((unsigned char)s[e]) ||
		    (d = fd_digit_word(s + k, e - k)) < 0)
			return 0;
		run_add(r, d, rep);
		r->spoken = 1;
		return e;
	}
	if ((d = fd_digit_word(s + i, j - i)) < 0)
		return 0;
	run_add(r, d, 1);
	r->spoken = 1;
	return j;
}

/* Does the text just before a run name one of cues? */
static int
cue_before(const char *s, size_t start, const char *const *cues)
{
	char win[64];
	size_t from = start > sizeof(win) - 1 ? start - (sizeof(win) - 1) : 0;
	int i;

	memcpy(win, s + from, start - from);
	win[start - from] = '\0';
	for (i = 0; cues[i]; i++)
		if (strcasestr(win, cues[i]))
			return 1;
	return 0;
}

static int
ssn_context(const char *s, size_t start)
{
	static const char *const cues[] = {
	    "social", "ssn", "s s n", "security number", "s.s.n", NULL};

	return cue_before(s, start, cues);
}

static int
card_context(const char *s, size_t start)
{
	static const char *const cues[] = {
	    "card", "visa", "mastercard", "amex", "credit", "debit", NULL};

	return cue_before(s, start, cues);
}

/* The replacement for a run, or NULL to keep it. */
static const char *
verdict(const char *s, const struct run *r, char *buf, size_t len)
{
	if (r->over)
		return NULL;
	/* a recogniser drops and repeats digits, so a spoken run of card
	 * length, or one said after "card", is a card even if Luhn fails */
	if (r->nd >= 13 && r->nd <= 19 &&
	    (redact_luhn(r->dig, (size_t)r->nd) || r->spoken ||
	        card_context(s, r->start))) {
		snprintf(buf, len, "[card ending %.4s]", r->dig + r->nd - 4);
		return buf;
	}
	if (r->nd == 9 &&
	    ((!r->spoken && r->ngroups == 3 && r->groups[0] == 3 &&
	         r->groups[1] == 2 && r->groups[2] == 4) ||
	        ssn_context(s, r->start))) {
		snprintf(buf, len, "[ssn]");
		return buf;
	}
	return NULL;
}

static int
mask_digits(const char *s, struct sbuf *b)
{
	struct run r;
	char rep[40];
	const char *w;
	size_t i = 0, e, k, nsep;
	int n = 0;

	while (s[i]) {
		memset(&r, 0, sizeof(r));
		if ((e = item_at(s, i, &r)) == 0) {
			/* copy a whole word at once: no item starts inside */
			e = i + 1;
			while (isalnum((unsigned char)s[i]) &&
			    isalnum((unsigned char)s[e]))
				e++;
			sbuf_addn(b, s + i, e - i);
			i = e;
			continue;
		}
		r.start = i;
		r.end = e;
		for (;;) {
			for (k = r.end, nsep = 0;
			     nsep < 3 && s[k] && strchr(" \t-,", s[k]);
			     k++, nsep++)
				;
			if (nsep == 0 || (e = item_at(s, k, &r)) == 0)
				break;
			r.end = e;
		}
		if ((w = verdict(s, &r, rep, sizeof(rep))) != NULL) {
			sbuf_addn(b, w, strlen(w));
			n++;
		} else {
			sbuf_addn(b, s + r.start, r.end - r.start);
		}
		i = r.end;
	}
	return n;
}

/* Replace every match of the configured patterns in b. */
static int
mask_patterns(struct sbuf *b)
{
	static const char mark[] = "[redacted]";
	struct sbuf o;
	regmatch_t m;
	size_t at;
	int i, n = 0, flags;

	for (i = 0; i < npatterns && !b->err; i++) {
		sbuf_init(&o);
		sbuf_addn(&o, "", 0);
		at = 0;
		flags = 0;
		while (at <= b->len &&
		    regexec(&patterns[i], b->p + at, 1, &m, flags) == 0) {
			if (m.rm_eo == m.rm_so) {
				/* an empty match masks nothing: step over */
				if (at == b->len)
					break;
				sbuf_addn(&o, b->p + at, 1);
				at++;
			} else {
				sbuf_addn(&o, b->p + at, (size_t)m.rm_so);
				sbuf_addn(&o, mark, sizeof(mark) - 1);
				at += (size_t)m.rm_eo;
				n++;
			}
			flags = REG_NOTBOL;
		}
		if (at < b->len)
			sbuf_addn(&o, b->p + at, b->len - at);
		free(b->p);
		*b = o;
	}
	return n;
}

char *
redact_dup(const char *s, int *nmasked)
{
	struct sbuf b;
	int n = 0;

	sbuf_init(&b);
	if (s == NULL)
		s = "";
	if (!redact_on) {
		sbuf_addn(&b, s, strlen(s));
	} else {
		sbuf_addn(&b, "", 0);
		n = mask_digits(s, &b);
		n += mask_patterns(&b);
	}
	if (nmasked)
		*nmasked = n;
	return sbuf_done(&b);
}

int
redact_buf(const char *s, char *out, size_t outlen)
{
	char *m;
	int n;

	if (outlen == 0)
		return 0;
	if ((m = redact_dup(s, &n)) == NULL) {
		/* out of memory: better nothing than the raw text */
		snprintf(out, outlen, "[redaction failed]");
		return 0;
	}
	snprintf(out, outlen, "%s", m);
	free(m);
	return n;
}

/* A masked string for a JSON value, or NULL if it needs none. */
static json_t *
masked_value(json_t *v, int *n)
{
	char buf[32], *m;
	json_t *r = NULL;
	int k;

	if (json_is_string(v)) {
		if ((m = redact_dup(json_string_value(v), &k)) == NULL)
			return json_string("[redaction failed]");
		if (k > 0) {
			r = json_string(m);
			*n += k;
		}
		free(m);
		return r;
	}
	if (json_is_integer(v)) {
		snprintf(
		    buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		if ((m = redact_dup(buf[0] == '-' ? buf + 1 : buf, &k)) == NULL)
			return json_string("[redaction failed]");
		if (k > 0) {
			r = json_string(m);
			*n += k;
		}
		free(m);
		return r;
	}
	*n += redact_json(v);
	return NULL;
}

int
redact_json(json_t *j)
{
	json_t *v, *m;
	void *it;
	size_t i;
	int n = 0;

	if (!redact_on || j == NULL)
		return 0;
	if (json_is_object(j)) {
		for (it = json_object_iter(j); it;
		     it = json_object_iter_next(j, it)) {
			v = json_object_iter_value(it);
			if ((m = masked_value(v, &n)) != NULL)
				json_object_iter_set_new(j, it, m);
		}
	} else if (json_is_array(j)) {
		for (i = 0; i < json_array_size(j); i++)
			if ((m = masked_value(json_array_get(j, i), &n)) !=
			    NULL)
				json_array_set_new(j, i, m);
	} else if (json_is_string(j)) {
		char *s = redact_dup(json_string_value(j), &n);

		json_string_set(j, s ? s : "[redaction failed]");
		free(s);
	}
	return n;
}

int
redact_configure(
    int on, const char *const *pats, int npats, char *err, size_t errlen)
{
	regex_t fresh[REDACT_MAX_PATTERNS];
	char msg[128];
	int i, rc;

	if (npats > REDACT_MAX_PATTERNS) {
		snprintf(err, errlen, "privacy.redact_patterns: at most %d",
		    REDACT_MAX_PATTERNS);
		return -1;
	}
	for (i = 0; i < npats; i++) {
		if ((rc = regcomp(
		         &fresh[i], pats[i], REG_EXTENDED | REG_ICASE)) != 0) {
			regerror(rc, &fresh[i], msg, sizeof(msg));
			snprintf(err, errlen,
			    "privacy.redact_patterns[%d] "
			    "'%s': %s",
			    i, pats[i], msg);
			while (i-- > 0)
				regfree(&fresh[i]);
			return -1;
		}
	}
	for (i = 0; i < npatterns; i++)
		regfree(&patterns[i]);
	memcpy(patterns, fresh, sizeof(regex_t) * (size_t)npats);
	npatterns = npats;
	redact_on = on;
	return 0;
}

int
redact_load(const config_t *cfg, char *err, size_t errlen)
{
	const char *pats[REDACT_MAX_PATTERNS];
	config_setting_t *list;
	int on = 1, n = 0, i, cnt;

	if (config_lookup_bool(cfg, "privacy.redact", &on) != CONFIG_TRUE &&
	    config_lookup(cfg, "privacy.redact") != NULL) {
		snprintf(err, errlen, "privacy.redact: true or false");
		return -1;
	}
	if ((list = config_lookup(cfg, "privacy.redact_patterns")) != NULL) {
		if (!config_setting_is_aggregate(list)) {
			snprintf(err, errlen,
			    "privacy.redact_patterns: a list "
			    "of strings");
			return -1;
		}
		cnt = config_setting_length(list);
		if (cnt > REDACT_MAX_PATTERNS) {
			snprintf(err, errlen,
			    "privacy.redact_patterns: at "
			    "most %d",
			    REDACT_MAX_PATTERNS);
			return -1;
		}
		for (i = 0; i < cnt; i++) {
			const char *p = config_setting_get_string_elem(list, i);

			if (p == NULL || *p == '\0') {
				snprintf(err, errlen,
				    "privacy.redact_patterns"
				    "[%d]: a non-empty string",
				    i);
				return -1;
			}
			pats[n++] = p;
		}
	}
	return redact_configure(on, pats, n, err, errlen);
}

int
redact_enabled(void)
{
	return redact_on;
}
