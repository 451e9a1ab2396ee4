/*
 * tts_normalize.c - text to speakable text.  A scanner walks the input;
 * at the start of each token it tries the matchers below in order (the
 * first that recognises something writes words and says how much it
 * consumed), otherwise it copies the token unchanged.  The business's
 * pronunciation list is applied first, on whole words.
 * Talks to no process.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "speech/tts_normalize.h"
#include "speech/tts_words.h"

typedef size_t (*matcher)(const char *base, const char *s, struct sbuf *b);

static const char *const month_names[12] = {"January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October",
    "November", "December"};
static const char *const day_names[7] = {"Sunday", "Monday", "Tuesday",
    "Wednesday", "Thursday", "Friday", "Saturday"};

/* Written with a period.  title: the reading before a capitalised name
 * (Dr. Smith); place: the reading after one (Elm Dr.). */
static const struct abbrev {
	const char *abbr, *title, *place;
	int before_digit; /* only an abbreviation before a number */
} abbrevs[] = {
    {"Dr", "Doctor", "Drive", 0},
    {"St", "Saint", "Street", 0},
    {"Mr", "Mister", NULL, 0},
    {"Mrs", "Missus", NULL, 0},
    {"Ms", "Miz", NULL, 0},
    {"Jr", NULL, "Junior", 0},
    {"Sr", NULL, "Senior", 0},
    {"Mt", "Mount", NULL, 0},
    {"Ft", "Fort", NULL, 0},
    {"Ave", NULL, "Avenue", 0},
    {"Rd", NULL, "Road", 0},
    {"Blvd", NULL, "Boulevard", 0},
    {"Ln", NULL, "Lane", 0},
    {"Ct", NULL, "Court", 0},
    {"Hwy", NULL, "Highway", 0},
    {"Pkwy", NULL, "Parkway", 0},
    {"Apt", NULL, "Apartment", 0},
    {"Ste", NULL, "Suite", 0},
    {"Inc", NULL, "Incorporated", 0},
    {"Corp", NULL, "Corporation", 0},
    {"Co", NULL, "Company", 0},
    {"No", NULL, "number", 1},
    {"approx", NULL, "approximately", 0},
    {"appt", NULL, "appointment", 0},
    {"etc", NULL, "et cetera", 0},
    {"vs", NULL, "versus", 0},
    {"e.g", NULL, "for example", 0},
    {"i.e", NULL, "that is", 0},
    {"a.m", NULL, "a m", 0},
    {"p.m", NULL, "p m", 0},
    {"min", NULL, "minutes", 0},
    {"hr", NULL, "hour", 0},
    {"hrs", NULL, "hours", 0},
    {"Jan", NULL, "January", 0},
    {"Feb", NULL, "February", 0},
    {"Mar", NULL, "March", 0},
    {"Apr", NULL, "April", 0},
    {"Jun", NULL, "June", 0},
    {"Jul", NULL, "July", 0},
    {"Aug", NULL, "August", 0},
    {"Sep", NULL, "September", 0},
    {"Sept", NULL, "September", 0},
    {"Oct", NULL, "October", 0},
    {"Nov", NULL, "November", 0},
    {"Dec", NULL, "December", 0},
    {"Mon", NULL, "Monday", 0},
    {"Tue", NULL, "Tuesday", 0},
    {"Tues", NULL, "Tuesday", 0},
    {"Wed", NULL, "Wednesday", 0},
    {"Thu", NULL, "Thursday", 0},
    {"Thur", NULL, "Thursday", 0},
    {"Thurs", NULL, "Thursday", 0},
    {"Fri", NULL, "Friday", 0},
    {"Sat", NULL, "Saturday", 0},
    {"Sun", NULL, "Sunday", 0},
};

static size_t m_spell(const char *base, const char *s, struct sbuf *b);
static size_t m_phone(const char *base, const char *s, struct sbuf *b);
static size_t m_iso_date(const char *base, const char *s, struct sbuf *b);
static size_t m_slash_date(const char *base, const char *s, struct sbuf *b);
static size_t m_time(const char *base, const char *s, struct sbuf *b);
static size_t m_money(const char *base, const char *s, struct sbuf *b);
static size_t m_ordinal(const char *base, const char *s, struct sbuf *b);
static size_t m_month_day(const char *base, const char *s, struct sbuf *b);
static size_t m_vin(const char *base, const char *s, struct sbuf *b);
static size_t m_code(const char *base, const char *s, struct sbuf *b);
static size_t m_number(const char *base, const char *s, struct sbuf *b);
static size_t m_abbrev(const char *base, const char *s, struct sbuf *b);
static size_t m_symbol(const char *base, const char *s, struct sbuf *b);

static const matcher matchers[] = {
    m_spell,
    m_phone,
    m_iso_date,
    m_slash_date,
    m_time,
    m_money,
    m_ordinal,
    m_month_day,
    m_vin,
    m_code,
    m_number,
    m_abbrev,
    m_symbol,
};

static void apply_prons(
    const struct tts_prons *prons, const char *in, struct sbuf *out);
static size_t ndigits(const char *s);
static unsigned long long num(const char *s, size_t n);
static int is_alnum(char c);
static int month_of(const char *s, size_t *len);
static int weekday(int y, int m, int d);
static int days_in(int y, int m);
static void say_date(
    struct sbuf *b, int y, int m, int d, int with_wday, int with_year);
static void say_clock(struct sbuf *b, int h, int mi, int ampm);
static size_t match_ampm(const char *s, int *ampm);
static void say_digits(struct sbuf *b, const char *s, size_t n);
static void keep_sentence_end(const char *rest, struct sbuf *b);
static const char *prev_word(
    const char *base, const char *s, size_t *len, int skip_commas);

int
tts_normalize(
    const struct tts_prons *prons, const char *in, char *out, size_t outlen)
{
	struct sbuf pre, b;
	const char *s, *text;
	size_t i, n;
	int at_start = 1;

	sbuf_init_fixed(&b, out, outlen);
	sbuf_init(&pre);
	apply_prons(prons, in, &pre);
	if (pre.err) {
		sbuf_free(&pre);
		return -1;
	}
	text = pre.p ? pre.p : "";
	for (s = text; *s != '\0';) {
		if (at_start || !is_alnum(s[-1])) {
			for (i = 0; i < sizeof(matchers) / sizeof(matchers[0]);
			     i++)
				if ((n = matchers[i](text, s, &b)) > 0)
					break;
			if (i < sizeof(matchers) / sizeof(matchers[0])) {
				s += n;
				at_start = 1;
				continue;
			}
		}
		at_start = 0;
		if ((unsigned char)s[0] == 0xe2 &&
		    (unsigned char)s[1] == 0x80 && s[2] != '\0') {
			/* typographic quotes and dashes from an LLM */
			switch ((unsigned char)s[2]) {
			case 0x98:
			case 0x99:
				sbuf_addn(&b, "'", 1);
				break;
			case 0x9c:
			case 0x9d:
				sbuf_addn(&b, "\"", 1);
				break;
			case 0x93:
			case 0x94:
				sbuf_addn(&b, ",", 1);
				break;
			case 0xa6:
				sbuf_addn(&b, "...", 3);
				break;
			default:
				sbuf_addn(&b, s, 3);
			}
			s += 3;
			continue;
		}
		if (*s == '*' || *s == '_' || *s == '`') /* markdown */
			s++;
		else if (is_alnum(*s)) {
			for (n = 0; is_alnum(s[n]) ||
			     (s[n] == '\'' && isalpha((unsigned char)s[n + 1]));
			     n++)
				;
			sbuf_addn(&b, s, n);
			s += n;
		} else
			sbuf_addn(&b, s++, 1);
	}
	sbuf_free(&pre);
	return b.err ? -1 : (int)b.len;
}

int
tts_abbrev_is(const char *word, size_t len)
{
	size_t i;

	if (len == 1 && isalpha((unsigned char)word[0]))
		return 1; /* an initial: "J. Smith" */
	for (i = 0; i < sizeof(abbrevs) / sizeof(abbrevs[0]); i++)
		if (strlen(abbrevs[i].abbr) == len &&
		    strncasecmp(abbrevs[i].abbr, word, len) == 0)
			return 1;
	return 0;
}

int
tts_prons_load(
    const config_t *cfg, struct tts_prons *p, char *err, size_t errlen)
{
	config_setting_t *list, *e;
	const char *text, *say;
	int i, n;

	p->v = NULL;
	p->n = 0;
	if (cfg == NULL ||
	    (list = config_lookup(cfg, "tts.pronunciations")) == NULL)
		return 0;
	if (!config_setting_is_list(list) && !config_setting_is_array(list)) {
		snprintf(err, errlen, "tts.pronunciations: not a list");
		return -1;
	}
	n = config_setting_length(list);
	if (n == 0)
		return 0;
	if ((p->v = calloc((size_t)n, sizeof(*p->v))) == NULL) {
		snprintf(err, errlen, "tts.pronunciations: out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, (unsigned)i);
		if (!config_setting_lookup_string(e, "text", &text) ||
		    !config_setting_lookup_string(e, "say", &say) ||
		    text[0] == '\0') {
			snprintf(err, errlen,
			    "tts.pronunciations: entry %d "
			    "needs text and say strings",
			    i + 1);
			tts_prons_free(p);
			return -1;
		}
		p->v[p->n].text = strdup(text);
		p->v[p->n].say = strdup(say);
		p->n++;
		if (!p->v[p->n - 1].text || !p->v[p->n - 1].say) {
			snprintf(
			    err, errlen, "tts.pronunciations: out of memory");
			tts_prons_free(p);
			return -1;
		}
	}
	return 0;
}

void
tts_prons_free(struct tts_prons *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].text);
		free(p->v[i].say);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* ---- matchers: each returns bytes consumed at s, 0 if not its kind ---- */

/* <spell>FD-7K2Q</spell>: every character on its own, dashes as pauses */
static size_t
m_spell(const char *base, const char *s, struct sbuf *b)
{
	const char *end;
	size_t i;

	(void)base;
	if (strncasecmp(s, "<spell>", 7) != 0 ||
	    (end = strstr(s + 7, "</spell>")) == NULL)
		return 0;
	for (i = 7; s + i < end; i++) {
		if (is_alnum(s[i]))
			tts_say_char(b, s[i]);
		else if (s[i] == '-' || s[i] == '/' || s[i] == ' ')
			if (b->len > 0 && b->p[b->len - 1] != ',')
				sbuf_addn(b, ",", 1);
	}
	return (size_t)(end - s) + 8;
}

/* US phone numbers, read digit by digit in their groups; "+1" is dropped:
 * (555) 555-0100, 555-555-0100, 555.555.0100, 5555550100, 555-0100 */
static size_t
m_phone(const char *base, const char *s, struct sbuf *b)
{
	const char *p = s, *g[3];
	size_t glen[3] = {3, 3, 4};
	int lead_one = 0, n = 0, i;

	(void)base;
	if (p[0] == '+' && p[1] == '1' && ndigits(p + 1) == 11) {
		p++; /* +15555550100 */
	} else if (p[0] == '+' && p[1] == '1' &&
	    !isdigit((unsigned char)p[2])) {
		p += 2;
		if (*p == ' ' || *p == '-' || *p == '.')
			p++;
	} else if (p[0] == '1' && (p[1] == '-' || p[1] == ' ') &&
	    ndigits(p + 2) == 3 && (p[5] == '-' || p[5] == ' ')) {
		lead_one = 1; /* 1-800-555-0100 */
		p += 2;
	}
	if (*p == '(' && ndigits(p + 1) == 3 && p[4] == ')') {
		g[0] = p + 1;
		p += 5;
		if (*p == ' ')
			p++;
		if (ndigits(p) != 3 ||
		    (p[3] != '-' && p[3] != '.' && p[3] != ' ') ||
		    ndigits(p + 4) != 4)
			return 0;
		g[1] = p;
		g[2] = p + 4;
		p += 8;
		n = 3;
	} else if (ndigits(p) == 10 || (ndigits(p) == 11 && p[0] == '1')) {
		if (ndigits(p) == 11)
			p++;
		g[0] = p;
		g[1] = p + 3;
		g[2] = p + 6;
		p += 10;
		n = 3;
	} else if (ndigits(p) == 3 &&
	    (p[3] == '-' || p[3] == '.' || p[3] == ' ') &&
	    ndigits(p + 4) == 3 && (p[7] == p[3] || p[7] == '-') &&
	    ndigits(p + 8) == 4) {
		g[0] = p;
		g[1] = p + 4;
		g[2] = p + 8;
		p += 12;
		n = 3;
	} else if (p == s && ndigits(p) == 3 && p[3] == '-' &&
	    ndigits(p + 4) == 4) {
		g[0] = p;
		g[1] = p + 4;
		glen[1] = 4;
		p += 8;
		n = 2;
	}
	if (n == 0 || is_alnum(*p) ||
	    (*p == '-' && isdigit((unsigned char)p[1])))
		return 0;
	if (lead_one) {
		sbuf_add_word(b, "one");
		sbuf_addn(b, ",", 1);
	}
	for (i = 0; i < n; i++) {
		say_digits(b, g[i], glen[i]);
		if (i < n - 1)
			sbuf_addn(b, ",", 1);
	}
	return (size_t)(p - s);
}

/* 2026-11-24 -> Tuesday, November twenty fourth (the year is implied) */
static size_t
m_iso_date(const char *base, const char *s, struct sbuf *b)
{
	int y, m, d;
	size_t n = 10;

	(void)base;
	if (ndigits(s) != 4 || s[4] != '-' || ndigits(s + 5) != 2 ||
	    s[7] != '-' || ndigits(s + 8) != 2)
		return 0;
	y = (int)num(s, 4);
	m = (int)num(s + 5, 2);
	d = (int)num(s + 8, 2);
	if (m < 1 || m > 12 || d < 1 || d > days_in(y, m))
		return 0;
	if (s[10] == 'T' && isdigit((unsigned char)s[11]))
		n = 11; /* 2026-11-24T10:30 */
	else if (is_alnum(s[10]))
		return 0;
	say_date(b, y, m, d, 1, 0);
	if (n == 11)
		sbuf_add_word(b, "at ");
	return n;
}

/* 11/24/2026, 11/24/26; a bare 11/24 only after "on" or a weekday, since
 * it could be a fraction */
static size_t
m_slash_date(const char *base, const char *s, struct sbuf *b)
{
	size_t a, c, e = 0, wl, i;
	const char *w;
	int m, d, y = 0, dated = 0;

	a = ndigits(s);
	if (a < 1 || a > 2 || s[a] != '/')
		return 0;
	c = ndigits(s + a + 1);
	if (c < 1 || c > 2)
		return 0;
	m = (int)num(s, a);
	d = (int)num(s + a + 1, c);
	if (s[a + 1 + c] == '/') {
		e = ndigits(s + a + c + 2);
		if (e != 2 && e != 4)
			return 0;
		y = (int)num(s + a + c + 2, e);
		if (e == 2)
			y += 2000;
		dated = 1;
	}
	if (m < 1 || m > 12 || d < 1 || d > days_in(y ? y : 2024, m))
		return 0;
	if (is_alnum(s[a + 1 + c + (e ? e + 1 : 0)]) ||
	    s[a + 1 + c + (e ? e + 1 : 0)] == '/')
		return 0;
	if (!dated) {
		if ((w = prev_word(base, s, &wl, 1)) == NULL)
			return 0;
		if (!(wl == 2 && strncasecmp(w, "on", 2) == 0)) {
			for (i = 0; i < 7; i++)
				if (wl >= 3 &&
				    strncasecmp(w, day_names[i], wl) == 0)
					break;
			if (i == 7)
				return 0;
		}
	}
	say_date(b, y, m, d, 0, dated);
	return a + 1 + c + (e ? e + 1 : 0);
}

/* 10:30 -> ten thirty; 9:00 -> nine o'clock; 2:05 pm -> two oh five p m;
 * 9am / 9 a.m. -> nine a m */
static size_t
m_time(const char *base, const char *s, struct sbuf *b)
{
	size_t a, n, am;
	int h, mi = 0, ampm = 0;

	(void)base;
	a = ndigits(s);
	if (a < 1 || a > 2)
		return 0;
	h = (int)num(s, a);
	n = a;
	if (s[a] == ':') {
		if (ndigits(s + a + 1) != 2)
			return 0;
		mi = (int)num(s + a + 1, 2);
		n = a + 3;
		if (s[n] == ':' && ndigits(s + n + 1) == 2)
			n += 3; /* seconds are not spoken */
		am = match_ampm(s + n, &ampm);
		if (h > 24 || mi > 59 || (am == 0 && is_alnum(s[n])))
			return 0;
		if (ampm && (h < 1 || h > 12))
			return 0;
		n += am;
	} else {
		if ((am = match_ampm(s + a, &ampm)) == 0 || h < 1 || h > 12)
			return 0;
		n += am;
	}
	say_clock(b, h, mi, ampm);
	if (ampm && s[n - 1] == '.')
		keep_sentence_end(s + n, b);
	return n;
}

/* $49.95 -> forty nine dollars and ninety five cents; $1.2 million */
static size_t
m_money(const char *base, const char *s, struct sbuf *b)
{
	static const char *const scales[] = {"thousand", "million", "billion"};
	unsigned long long dollars = 0, cents = 0;
	const char *p = s + 1, *scale = NULL;
	size_t n, fd = 0, i, sl;
	char digits[32];
	size_t nd = 0;

	(void)base;
	if (s[0] != '$' || !isdigit((unsigned char)s[1]))
		return 0;
	while (
	    isdigit((unsigned char)*p) || (*p == ',' && ndigits(p + 1) == 3)) {
		if (*p != ',' && nd < sizeof(digits) - 1)
			digits[nd++] = *p;
		p++;
	}
	if (nd > 15)
		return 0;
	digits[nd] = '\0';
	dollars = strtoull(digits, NULL, 10);
	if (*p == '.' && isdigit((unsigned char)p[1])) {
		fd = ndigits(p + 1);
		if (fd <= 2) { /* $1.999 is not a price: refused below */
			cents = num(p + 1, fd);
			if (fd == 1)
				cents *= 10;
			p += 1 + fd;
		}
	}
	if (*p == ' ') {
		for (i = 0; i < 3; i++) {
			sl = strlen(scales[i]);
			if (strncasecmp(p + 1, scales[i], sl) == 0 &&
			    !is_alnum(p[1 + sl])) {
				scale = scales[i];
				break;
			}
		}
	}
	if (scale) {
		tts_say_number(b, dollars);
		if (cents) {
			sbuf_add_word(b, "point");
			say_digits(b, p - fd, fd);
		}
		sbuf_add_word(b, scale);
		sbuf_add_word(b, "dollars");
		return (size_t)(p - s) + 1 + strlen(scale);
	}
	if (fd > 2 || is_alnum(*p))
		return 0;
	n = (size_t)(p - s);
	if (dollars > 0 || cents == 0) {
		tts_say_number(b, dollars);
		sbuf_add_word(b, dollars == 1 ? "dollar" : "dollars");
	}
	if (cents > 0) {
		if (dollars > 0)
			sbuf_add_word(b, "and");
		tts_say_number(b, cents);
		sbuf_add_word(b, cents == 1 ? "cent" : "cents");
	}
	return n;
}

/* 1st, 22nd, 24th -> first, twenty second, twenty fourth */
static size_t
m_ordinal(const char *base, const char *s, struct sbuf *b)
{
	size_t a = ndigits(s);

	(void)base;
	if (a < 1 || a > 9 || !isalpha((unsigned char)s[a]) ||
	    !isalpha((unsigned char)s[a + 1]) || is_alnum(s[a + 2]))
		return 0;
	if (strncasecmp(s + a, "st", 2) && strncasecmp(s + a, "nd", 2) &&
	    strncasecmp(s + a, "rd", 2) && strncasecmp(s + a, "th", 2))
		return 0;
	tts_say_ordinal(b, num(s, a));
	return a + 2;
}

/* November 24 / Nov. 24th, 2026 -> November twenty fourth, twenty twenty six */
static size_t
m_month_day(const char *base, const char *s, struct sbuf *b)
{
	size_t ml, p, a, yl;
	int m, d, y = 0;

	(void)base;
	if (!isupper((unsigned char)s[0]) || (m = month_of(s, &ml)) < 0)
		return 0;
	p = ml;
	if (s[p] == '.')
		p++;
	if (s[p] != ' ')
		return 0;
	p++;
	a = ndigits(s + p);
	if (a < 1 || a > 2)
		return 0;
	d = (int)num(s + p, a);
	p += a;
	if (strncasecmp(s + p, "st", 2) == 0 ||
	    strncasecmp(s + p, "nd", 2) == 0 ||
	    strncasecmp(s + p, "rd", 2) == 0 ||
	    strncasecmp(s + p, "th", 2) == 0)
		p += 2;
	if (d < 1 || d > 31 || is_alnum(s[p]) || s[p] == ':')
		return 0;
	yl = s[p] == ',' ? 2 : 1;
	if ((s[p] == ',' || s[p] == ' ') && s[p + yl - 1] == ' ' &&
	    ndigits(s + p + yl) == 4 && !is_alnum(s[p + yl + 4]) &&
	    s[p + yl + 4] != ':') {
		y = (int)num(s + p + yl, 4);
		p += yl + 4;
	}
	say_date(b, y, m + 1, d, 0, y != 0);
	return p;
}

/* a 17-character VIN (no I, O or Q), read in its three parts */
static size_t
m_vin(const char *base, const char *s, struct sbuf *b)
{
	int digits = 0, letters = 0, i;

	(void)base;
	for (i = 0; i < 17; i++) {
		if (isdigit((unsigned char)s[i]))
			digits++;
		else if (isupper((unsigned char)s[i]) && s[i] != 'I' &&
		    s[i] != 'O' && s[i] != 'Q')
			letters++;
		else
			return 0;
	}
	if (is_alnum(s[17]) || digits < 2 || letters < 2)
		return 0;
	for (i = 0; i < 17; i++) {
		tts_say_char(b, s[i]);
		if (i == 2 || i == 8)
			sbuf_addn(b, ",", 1);
	}
	return 17;
}

/* confirmation codes: capitals and digits mixed, maybe with dashes
 * (FD-7K2Q, AB12CD) */
static size_t
m_code(const char *base, const char *s, struct sbuf *b)
{
	size_t n = 0, alnum = 0, i;
	int digits = 0, letters = 0, dashes = 0;

	(void)base;
	for (;;) {
		if (isdigit((unsigned char)s[n]))
			digits++;
		else if (isupper((unsigned char)s[n]))
			letters++;
		else if (s[n] == '-' && n > 0 &&
		    (isdigit((unsigned char)s[n + 1]) ||
		        isupper((unsigned char)s[n + 1])))
			dashes++;
		else
			break;
		n++;
	}
	alnum = n - (size_t)dashes;
	if (is_alnum(s[n]) || digits == 0 || letters == 0 || alnum < 3 ||
	    alnum > 16)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '-')
			sbuf_addn(b, ",", 1);
		else
			tts_say_char(b, s[i]);
	}
	return n;
}

/* 42, 1,200, 3.5, 50%, #4, 9-5, a year like 2026, long digit strings */
static size_t
m_number(const char *base, const char *s, struct sbuf *b)
{
	const char *p = s;
	size_t a, fd = 0, nd = 0, n2;
	char digits[32];
	unsigned long long v;
	int commas = 0;

	(void)base;
	if (*p == '#' && isdigit((unsigned char)p[1])) {
		sbuf_add_word(b, "number");
		p++;
	}
	a = ndigits(p);
	if (a == 0)
		return 0;
	while (isdigit((unsigned char)*p) ||
	    (*p == ',' && nd > 0 && nd <= 3 + (size_t)commas * 3 &&
	        ndigits(p + 1) == 3 && !isdigit((unsigned char)p[4]))) {
		if (*p == ',')
			commas++;
		else if (nd < sizeof(digits) - 1)
			digits[nd++] = *p;
		p++;
	}
	digits[nd] = '\0';
	if (*p == '.' && isdigit((unsigned char)p[1]))
		fd = ndigits(p + 1);
	if (isalpha((unsigned char)p[fd ? fd + 1 : 0]))
		return 0; /* 4x4, 3pm handled elsewhere */
	if (nd > 15 ||
	    (!commas && !fd && (nd >= 5 || (nd > 1 && digits[0] == '0')))) {
		say_digits(b, digits, nd); /* zip codes, ids: digit by digit */
		if (nd > 15)
			return (size_t)(p - s);
	} else {
		v = strtoull(digits, NULL, 10);
		if (!commas && !fd && nd == 4 && v >= 1900 && v <= 2099)
			tts_say_year(b, (int)v);
		else
			tts_say_number(b, v);
	}
	if (fd) {
		sbuf_add_word(b, "point");
		say_digits(b, p + 1, fd);
		p += fd + 1;
	}
	if (*p == '%') {
		sbuf_add_word(b, "percent");
		p++;
	} else if ((*p == '-' ||
	               ((unsigned char)p[0] == 0xe2 &&
	                   (unsigned char)p[1] == 0x80 &&
	                   (unsigned char)p[2] == 0x93)) &&
	    !fd && nd <= 4) {
		n2 = *p == '-' ? 1 : 3;
		a = ndigits(p + n2);
		if (a >= 1 && a <= 4 && !is_alnum(p[n2 + a]) &&
		    p[n2 + a] != '-') {
			sbuf_add_word(b, "to");
			tts_say_number(b, num(p + n2, a));
			p += n2 + a;
		}
	}
	return (size_t)(p - s);
}

/* Dr. Smith -> Doctor Smith, Elm St. -> Elm Street, e.g. -> for example */
static size_t
m_abbrev(const char *base, const char *s, struct sbuf *b)
{
	const struct abbrev *ab = NULL;
	const char *pw, *next;
	size_t i, l, n, pwl;
	int named_after, named_before;

	for (i = 0; i < sizeof(abbrevs) / sizeof(abbrevs[0]); i++) {
		l = strlen(abbrevs[i].abbr);
		if (strncasecmp(s, abbrevs[i].abbr, l) == 0 &&
		    !is_alnum(s[l])) {
			ab = &abbrevs[i];
			break;
		}
	}
	if (ab == NULL)
		return 0;
	l = strlen(ab->abbr);
	n = l + (s[l] == '.');
	for (next = s + n; *next == ' '; next++)
		;
	named_after = isupper((unsigned char)*next);
	pw = prev_word(base, s, &pwl, 0);
	named_before = pw != NULL && isupper((unsigned char)pw[0]);
	if (s[l] != '.') {
		/* without a period only a title before a name: Dr Smith */
		if (!ab->title || !named_after ||
		    !isupper((unsigned char)s[0]) ||
		    strcmp(ab->title, "Saint") == 0)
			return 0;
		sbuf_add_word(b, ab->title);
		return l;
	}
	if (ab->before_digit && !isdigit((unsigned char)*next))
		return 0;
	if (islower((unsigned char)ab->abbr[0]) == 0 &&
	    !isupper((unsigned char)s[0]))
		return 0; /* "no." is not "No." */
	if (ab->title && named_after && (!named_before || !ab->place)) {
		sbuf_add_word(b, ab->title);
		return n;
	}
	if (!ab->place) {
		sbuf_add_word(b, ab->title);
		return n;
	}
	sbuf_add_word(b, ab->place);
	keep_sentence_end(s + n, b);
	return n;
}

/* & -> and, @ -> at */
static size_t
m_symbol(const char *base, const char *s, struct sbuf *b)
{
	(void)base;
	if (*s == '&' && (s[1] == ' ' || s[1] == '\0')) {
		sbuf_add_word(b, "and");
		return 1;
	}
	if (*s == '@' && (s[1] == ' ' || s[1] == '\0')) {
		sbuf_add_word(b, "at");
		return 1;
	}
	return 0;
}

/* ---- helpers ---- */

static void
apply_prons(const struct tts_prons *prons, const char *in, struct sbuf *out)
{
	const char *s;
	size_t i, l, best_l;
	const struct tts_pron *best;

	sbuf_add(out, "");
	for (s = in; *s != '\0';) {
		best = NULL;
		best_l = 0;
		if (prons && (s == in || !is_alnum(s[-1]))) {
			for (i = 0; i < prons->n; i++) {
				l = strlen(prons->v[i].text);
				if (l > best_l &&
				    strncasecmp(s, prons->v[i].text, l) == 0 &&
				    !is_alnum(s[l])) {
					best = &prons->v[i];
					best_l = l;
				}
			}
		}
		if (best) {
			sbuf_add(out, best->say);
			s += best_l;
		} else
			sbuf_addn(out, s++, 1);
	}
}

static size_t
ndigits(const char *s)
{
	size_t n = 0;

	while (isdigit((unsigned char)s[n]))
		n++;
	return n;
}

static unsigned long long
num(const char *s, size_t n)
{
	unsigned long long v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

static int
is_alnum(char c)
{
	return isalnum((unsigned char)c);
}

static int
month_of(const char *s, size_t *len)
{
	size_t l;
	int i;

	for (i = 0; i < 12; i++) {
		l = strlen(month_names[i]);
		if (strncmp(s, month_names[i], l) == 0 && !is_alnum(s[l])) {
			*len = l;
			return i;
		}
	}
	if (strncmp(s, "Sept", 4) == 0 && s[4] == '.') {
		*len = 4;
		return 8;
	}
	for (i = 0; i < 12; i++) {
		if (strncmp(s, month_names[i], 3) == 0 && !is_alnum(s[3]) &&
		    (s[3] == '.' || i == 4)) {
			*len = 3;
			return i;
		}
	}
	return -1;
}

static int
weekday(int y, int m, int d)
{
	static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};

	if (m < 3)
		y -= 1;
	return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

static int
days_in(int y, int m)
{
	static const int dm[] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static void
say_date(struct sbuf *b, int y, int m, int d, int with_wday, int with_year)
{
	if (with_wday) {
		sbuf_add_word(b, day_names[weekday(y, m, d)]);
		sbuf_addn(b, ",", 1);
	}
	sbuf_add_word(b, month_names[m - 1]);
	tts_say_ordinal(b, (unsigned long long)d);
	if (with_year) {
		sbuf_addn(b, ",", 1);
		tts_say_year(b, y);
	}
}

/* ampm: 0 none, 1 am, 2 pm */
static void
say_clock(struct sbuf *b, int h, int mi, int ampm)
{
	tts_say_number(b, (unsigned long long)h);
	if (mi == 0) {
		if (!ampm)
			sbuf_add_word(b, h > 12 ? "hundred" : "o'clock");
	} else if (mi < 10) {
		sbuf_add_word(b, "oh");
		tts_say_number(b, (unsigned long long)mi);
	} else
		tts_say_number(b, (unsigned long long)mi);
	if (ampm)
		sbuf_add_word(b, ampm == 1 ? "a m" : "p m");
}

/* " pm", "PM", "p.m.", " a.m": bytes consumed (with the space), 0 if none */
static size_t
match_ampm(const char *s, int *ampm)
{
	size_t n = 0;
	char c;

	if (*s == ' ')
		n++;
	c = (char)tolower((unsigned char)s[n]);
	if (c != 'a' && c != 'p')
		return 0;
	if (tolower((unsigned char)s[n + 1]) == 'm' && !is_alnum(s[n + 2])) {
		*ampm = c == 'a' ? 1 : 2;
		return n + 2 + (s[n + 2] == '.');
	}
	if (s[n + 1] == '.' && tolower((unsigned char)s[n + 2]) == 'm' &&
	    !is_alnum(s[n + 3])) {
		*ampm = c == 'a' ? 1 : 2;
		return n + 3 + (s[n + 3] == '.');
	}
	return 0;
}

static void
say_digits(struct sbuf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		tts_say_char(b, s[i]);
}

/* An abbreviation's period that also ended the sentence: keep one. */
static void
keep_sentence_end(const char *rest, struct sbuf *b)
{
	while (*rest == ' ')
		rest++;
	if (*rest == '\0' || (isupper((unsigned char)*rest) && rest[-1] == ' '))
		sbuf_addn(b, ".", 1);
}

/* The word before s (skipping spaces, and commas if asked), or NULL. */
static const char *
prev_word(const char *base, const char *s, size_t *len, int skip_commas)
{
	const char *e = s;

	while (e > base && (e[-1] == ' ' || (skip_commas && e[-1] == ',')))
		e--;
	if (e == s && e > base)
		return NULL; /* not separated from what precedes */
	s = e;
	while (s > base && isalpha((unsigned char)s[-1]))
		s--;
	if (s == e)
		return NULL;
	*len = (size_t)(e - s);
	return s;
}
