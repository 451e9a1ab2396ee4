/*
 * persona.c - the listening caller's choices: find the agent's question in
 * what the caller heard, answer it from the persona's lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persona.h"

/* Cue phrases for each ask, as the ear writes the agent's words (lower
 * case, no punctuation).  Where several cues occur in a reply, the one
 * that ends last decides; the weak cues only count where none of these
 * is heard ("what day would you like" asks for a day). */
struct cue {
	enum ask ask;
	const char *cue;
};

static const struct cue cues[] = {
    {ASK_OPEN, "how can i help"},
    {ASK_OPEN, "how may i help"},
    {ASK_OPEN, "what else can i help"},
    {ASK_OPEN, "help you today"},
    {ASK_OPEN, "help you with that"},
    {ASK_OPEN, "which would you like"},
    {ASK_OPEN, "which would you prefer"},
    {ASK_OPEN, "would you like to change"},
    {ASK_OPEN, "person or leave a message"},
    {ASK_NAME, "your name"},
    {ASK_NAME, "name for the booking"},
    {ASK_NAME, "first and last name"},
    {ASK_NAME, "full name"},
    {ASK_NAME, "last name"},
    {ASK_NAME, "speaking with"},
    {ASK_NAME, "who am i"},
    {ASK_SPELL, "spell"},
    {ASK_PHONE, "phone number"},
    {ASK_PHONE, "number to reach"},
    {ASK_PHONE, "reach you"},
    {ASK_PHONE, "digit by digit"},
    {ASK_PHONE, "key it in"},
    {ASK_SERVICE, "which service"},
    {ASK_SERVICE, "what service"},
    {ASK_SERVICE, "we do"},
    {ASK_SERVICE, "looking for"},
    {ASK_SERVICE, "which one would you like"},
    {ASK_DAY, "what day"},
    {ASK_DAY, "which day"},
    {ASK_DAY, "another day"},
    {ASK_DAY, "move it to"},
    {ASK_TIME, "what time"},
    {ASK_TIME, "time works"},
    {ASK_TIME, "which time"},
    /* times offered in place of the one asked for: the caller says the
     * time they want (one of those, or theirs again) */
    {ASK_TIME, "would one of those work"},
    {ASK_WHEN, "when would"},
    {ASK_WHEN, "when should"},
    {ASK_WHEN, "when can"},
    {ASK_WHEN, "call you back on"},
    {ASK_WHEN, "best time"},
    {ASK_WHEN, "when are you hoping"},
    {ASK_WHEN, "good time to call"},
    {ASK_VEHICLE, "which car"},
    {ASK_VEHICLE, "which vehicle"},
    {ASK_VEHICLE, "what vehicle"},
    {ASK_VEHICLE, "what car"},
    {ASK_VEHICLE, "make and model"},
    {ASK_MESSAGE, "pass on"},
    {ASK_MESSAGE, "what would you like me to tell"},
    {ASK_MESSAGE, "message what would you like"},
    {ASK_MESSAGE, "what's the message"},
    {ASK_CODE, "confirmation code"},
    {ASK_CODE, "last four"},
    {ASK_CONFIRM, "shall i"},
    {ASK_CONFIRM, "should i"},
    {ASK_CONFIRM, "is that right"},
    {ASK_CONFIRM, "is that correct"},
    {ASK_CONFIRM, "does that work"},
    {ASK_CONFIRM, "still make it"},
    {ASK_CONFIRM, "yes or a no"},
    {ASK_CONFIRM, "would you like me to"},
    {ASK_CONFIRM, "do you want me to"},
    {ASK_CONFIRM, "is it urgent"},
    {ASK_CONFIRM, "go ahead"},
    {ASK_CONFIRM, "just to confirm"},
    {ASK_CONFIRM, "book it"},
    {ASK_CONFIRM, "book that"},
    {ASK_CONFIRM, "may i speak with"},
    {ASK_CONFIRM, "should we"},
    {ASK_CONFIRM, "call you back at"},
    {ASK_CONFIRM, "yes or no"},
    {ASK_ANYTHING_ELSE, "anything else"},
    {ASK_REPEAT, "still there"},
    {ASK_REPEAT, "say that again"},
    {ASK_REPEAT, "that again"},
    {ASK_REPEAT, "come again"},
    {ASK_BYE, "goodbye"},
    {ASK_BYE, "have a great day"},
    {ASK_BYE, "have a good day"},
};

/* Only where no cue above is heard. */
static const struct cue weak_cues[] = {
    {ASK_CONFIRM, "would you like"},
    {ASK_CONFIRM, "do you"},
};

static const char *const ask_names[ASK_N] = {
    [ASK_UNKNOWN] = "unknown",
    [ASK_OPEN] = "open",
    [ASK_NAME] = "name",
    [ASK_SPELL] = "spell",
    [ASK_PHONE] = "phone",
    [ASK_SERVICE] = "service",
    [ASK_DAY] = "day",
    [ASK_TIME] = "time",
    [ASK_WHEN] = "when",
    [ASK_VEHICLE] = "vehicle",
    [ASK_MESSAGE] = "message",
    [ASK_CODE] = "code",
    [ASK_CONFIRM] = "confirm",
    [ASK_ANYTHING_ELSE] = "anything_else",
    [ASK_REPEAT] = "repeat",
    [ASK_BYE] = "bye",
};

/* The lines a persona may give; "open" is required. */
static const char *const line_keys[] = {"open", "name", "spell", "phone",
    "service", "day", "time", "when", "vehicle", "message", "code", "yes", "no",
    "correct", "again", "done", NULL};

static const char *line_of(const struct persona *p, const char *key);

const char *
persona_ask_name(enum ask a)
{
	return a >= 0 && a < ASK_N ? ask_names[a] : "unknown";
}

struct persona *
persona_parse(json_t *o, char *err, size_t errlen)
{
	struct persona *p;
	json_t *lines, *v;
	const char *k;
	size_t i;

	if (!json_is_object(o)) {
		snprintf(err, errlen, "persona: not an object");
		return NULL;
	}
	lines = json_object_get(o, "lines");
	if (!json_is_object(lines) ||
	    !json_is_string(json_object_get(lines, "open"))) {
		snprintf(err, errlen,
		    "persona.lines: want an object with at "
		    "least \"open\"");
		return NULL;
	}
	json_object_foreach(lines, k, v)
	{
		for (i = 0; line_keys[i] && strcmp(line_keys[i], k); i++)
			;
		if (line_keys[i] == NULL || !json_is_string(v)) {
			snprintf(err, errlen, "persona.lines.%s: %s", k,
			    line_keys[i] ? "want a string" : "unknown line");
			return NULL;
		}
	}
	json_object_foreach(o, k, v)
	{
		if (strcmp(k, "lines") && strcmp(k, "hangup_after") &&
		    strcmp(k, "correct_once") && strcmp(k, "barge_turn") &&
		    strcmp(k, "goal") && strcmp(k, "style") &&
		    strcmp(k, "class")) {
			snprintf(err, errlen, "persona.%s: unknown field", k);
			return NULL;
		}
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->lines = json_incref(lines);
	p->hangup_after =
	    (int)json_integer_value(json_object_get(o, "hangup_after"));
	p->correct_once = json_is_true(json_object_get(o, "correct_once"));
	v = json_object_get(o, "barge_turn");
	p->barge_turn = json_is_integer(v) ? (int)json_integer_value(v) : -1;
	return p;
}

void
persona_free(struct persona *p)
{
	if (p == NULL)
		return;
	json_decref(p->lines);
	free(p);
}

/* The ask of the cue in table c[0..n) that ends last in heard. */
static enum ask
last_cue(const struct cue *c, size_t nc, const char *heard)
{
	enum ask best = ASK_UNKNOWN;
	long best_end = -1, end;
	const char *at, *from;
	size_t i, n;

	for (i = 0; i < nc; i++) {
		n = strlen(c[i].cue);
		/* each occurrence, on word boundaries */
		for (from = heard; (at = strstr(from, c[i].cue)) != NULL;
		     from = at + 1) {
			if ((at != heard && at[-1] != ' ') ||
			    (at[n] != '\0' && at[n] != ' ' && at[n] != '\''))
				continue;
			end = (long)(at - heard + n);
			if (end > best_end) {
				best_end = end;
				best = c[i].ask;
			}
		}
	}
	return best;
}

json_t *
persona_lines(const struct persona *p)
{
	return p->lines;
}

enum ask
persona_ask(const char *heard)
{
	enum ask a = last_cue(cues, sizeof(cues) / sizeof(cues[0]), heard);

	if (a == ASK_UNKNOWN)
		a = last_cue(
		    weak_cues, sizeof(weak_cues) / sizeof(weak_cues[0]), heard);
	return a;
}

static const char *
line_of(const struct persona *p, const char *key)
{
	return json_string_value(json_object_get(p->lines, key));
}

void
persona_want(struct persona *p, const char *date, const char *time)
{
	static const char *const months[] = {"january", "february", "march",
	    "april", "may", "june", "july", "august", "september", "october",
	    "november", "december"};
	static const char *const ord[] = {"", "first", "second", "third",
	    "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
	    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
	    "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
	    "twenty first", "twenty second", "twenty third", "twenty fourth",
	    "twenty fifth", "twenty sixth", "twenty seventh", "twenty eighth",
	    "twenty ninth", "thirtieth", "thirty first"};
	static const char *const hours[] = {"twelve", "one", "two", "three",
	    "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"};
	static const char *const mins[] = {
	    "", "fifteen", "thirty", "forty five"};
	int y, mo, d, h, mi;

	p->want_day[0] = p->want_time[0] = '\0';
	if (date && sscanf(date, "%d-%d-%d", &y, &mo, &d) == 3 && mo >= 1 &&
	    mo <= 12 && d >= 1 && d <= 31)
		snprintf(p->want_day, sizeof(p->want_day), "%s %s",
		    months[mo - 1], ord[d]);
	if (time == NULL || sscanf(time, "%d:%d", &h, &mi) != 2 || h < 0 ||
	    h > 23 || mi < 0 || mi > 59 || mi % 15)
		return;
	/* as the agent says it: "noon", "nine a m", "one thirty p m" */
	if (h == 12 && mi == 0)
		snprintf(p->want_time, sizeof(p->want_time), "noon");
	else
		snprintf(p->want_time, sizeof(p->want_time), "%s%s%s %s",
		    hours[h % 12], mi ? " " : "", mins[mi / 15],
		    h < 12 ? "a m" : "p m");
}

/* phrase in heard on word boundaries */
static int
has_words(const char *heard, const char *phrase)
{
	size_t n = strlen(phrase);
	const char *at;

	for (at = heard; (at = strstr(at, phrase)) != NULL; at++)
		if ((at == heard || at[-1] == ' ') &&
		    (at[n] == '\0' || at[n] == ' '))
			return 1;
	return 0;
}

/* A booking read back on a day or at a time the caller did not ask
 * for: the day is checked where a month is heard, the time where a
 * clock time is. */
static int
readback_wrong(const struct persona *p, const char *heard)
{
	static const char *const months[] = {"january", "february", "march",
	    "april", "may", "june", "july", "august", "september", "october",
	    "november", "december", NULL};
	int i, month = 0;

	if (!has_words(heard, "book"))
		return 0;
	for (i = 0; months[i]; i++)
		month |= has_words(heard, months[i]);
	if (p->want_day[0] && month && !has_words(heard, p->want_day))
		return 1;
	return p->want_time[0] &&
	    (has_words(heard, "a m") || has_words(heard, "p m") ||
	        has_words(heard, "noon")) &&
	    !has_words(heard, p->want_time);
}

enum persona_act
persona_next(const struct persona *p, struct persona_state *st,
    const char *heard, char *line, size_t len)
{
	enum ask a = persona_ask(heard);
	const char *l = NULL;

	if (st->finishing || a == ASK_BYE)
		return PA_WAIT;
	if (p->hangup_after > 0 && st->said >= p->hangup_after)
		return PA_HANGUP;
	/* asked the same thing three times: the caller gives up */
	if (a != ASK_REPEAT && a != ASK_UNKNOWN && ++st->asked[a] > 3)
		return PA_HANGUP;
	switch (a) {
	case ASK_OPEN:
		l = st->said == 0 ? line_of(p, "open") : line_of(p, "again");
		break;
	case ASK_CONFIRM:
		/* the correction is of the booking's time: not the answer
		 * to "am I speaking with Linda?" */
		if (p->correct_once && !st->corrected &&
		    has_words(heard, "book") &&
		    (l = line_of(p, "correct")) != NULL)
			st->corrected = 1;
		else if (st->refused == 0 && readback_wrong(p, heard) &&
		    ((p->correct_once && (l = line_of(p, "correct")) != NULL) ||
		        (l = line_of(p, "when")) != NULL ||
		        (l = line_of(p, "day")) != NULL ||
		        (l = line_of(p, "time")) != NULL))
			st->refused = 1; /* not what they asked for: they say
					    what they want */
		else
			l = line_of(p, "yes");
		break;
	case ASK_ANYTHING_ELSE:
		l = line_of(p, "done");
		st->finishing = 1;
		break;
	case ASK_REPEAT:
		l = st->last[0] ? st->last : line_of(p, "again");
		break;
	case ASK_WHEN:
		if ((l = line_of(p, "when")) == NULL)
			l = line_of(p, "day");
		break;
	case ASK_UNKNOWN:
		/* an unrecognised question: restate what the caller wants,
		 * twice at most */
		if (++st->asked[ASK_UNKNOWN] <= 2)
			l = line_of(p, st->said == 0 ? "open" : "again");
		break;
	default:
		l = line_of(p, persona_ask_name(a));
		break;
	}
	if (l == NULL)
		l = line_of(p, "again");
	if (l == NULL) {
		if (st->finishing)
			return PA_WAIT;
		l = line_of(p, "done");
		st->finishing = 1;
	}
	if (l == NULL)
		return PA_HANGUP;
	snprintf(line, len, "%s", l);
	if (l != st->last)
		snprintf(st->last, sizeof(st->last), "%s", l);
	st->said++;
	return PA_SAY;
}
