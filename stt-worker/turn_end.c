/*
 * turn_end.c - is the caller's turn over?  (see turn_end.h)  Called by
 * the pocketsphinx engine's decoder threads on each partial hypothesis.
 *
 * A short endpoint costs a cut-off when the caller goes on after a pause
 * inside the turn, and callers pause at every comma: "Yes, please", "At
 * two p m, please", "No, that's all. Thank you" each hold a pause of
 * 150-350 ms after a part that could stand alone.  So an answer is
 * complete only when it is closed: it ends in a closing word ("please",
 * "bye"; a bare "yes, please" is not closed), it is a confirmation with its verb ("yes it is"), it has
 * everything a structured answer holds (ten digits, a given name and a
 * surname, "as soon as possible"), or it is a question or a
 * request whose last word is not one that usually leads on (a day, a
 * verb awaiting its object).  A bare "yes" or "Tuesday" waits the default.
 */
#include <stdio.h>
#include <string.h>

#include "turn_end.h"

#define MAX_WORDS 48
#define WORD_LEN 24

struct words {
	int n;
	char w[MAX_WORDS][WORD_LEN];
};

/* Words a phrase rarely ends on: fillers, articles, prepositions,
 * conjunctions, pronouns and verbs that lead on to more. */
static const char *const lead_on[] = {"uh", "um", "umm", "uhm", "er", "erm",
    "ah", "hmm", "mm", "and", "or", "but", "so", "because", "cause", "then",
    "if", "with", "for", "to", "at", "on", "in", "of", "from", "about", "by",
    "the", "a", "an", "my", "your", "our", "his", "her", "their", "is", "was",
    "are", "am", "be", "i", "i'm", "i'd", "i'll", "i've", "we", "we're", "we'd",
    "it's", "he's", "she's", "there's", "what's", "that's", "like", "need",
    "want", "wanna", "gonna", "gotta", "trying", "number", "also", "plus",
    "just", "next", "last", "this", "double", "triple", "well", NULL};
static const char *const digit_words[] = {"zero", "oh", "one", "two", "three",
    "four", "five", "six", "seven", "eight", "nine", NULL};
/* A phrase that ends in one of these is closed ("thanks" is not: "okay
 * thanks" and "yes please, thanks" are often followed by "bye" or
 * "that's all"). */
static const char *const closers[] = {"please", "bye", "goodbye", NULL};
static const char *const polarity[] = {"yes", "yeah", "yep", "yup", "yea",
    "sure", "correct", "right", "okay", "ok", "absolutely", "definitely", "no",
    "nope", "nah", NULL};
/* "yes it is", "no i don't", "yes that's right": a confirmation closed
 * by its verb or its judgement */
static const char *const confirm_end[] = {"is", "am", "are", "does", "do",
    "did", "was", "will", "can", "have", "has", "don't", "doesn't", "isn't",
    "didn't", "won't", "can't", "right", "correct", "sure", "fine", "good",
    "great", "perfect", NULL};
static const char *const days[] = {"monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "today", "tomorrow", "tonight", "weekend",
    "week", NULL};
/* as soon as possible, whenever: the whole answer to "when" */
static const char *const any_time[] = {
    "possible", "soonest", "earliest", "asap", "anytime", "whenever", NULL};
static const char *const hours[] = {"one", "two", "three", "four", "five",
    "six", "seven", "eight", "nine", "ten", "eleven", "twelve", NULL};
/* words that open a question */
static const char *const question[] = {"is", "are", "can", "could", "do",
    "does", "will", "would", "when", "where", "what", "what's", "how", "why",
    "who", "which", "did", "should", NULL};
static const char *const wh_question[] = {
    "when", "where", "what", "what's", "how", "why", "who", "which", NULL};
/* a request's verbs; as the last word they await their object */
static const char *const request[] = {"need", "want", "like", "book",
    "schedule", "cancel", "reschedule", "move", "change", "speak", "talk",
    "leave", "buy", "tell", "help", "make", "get", "check", "know", "pick",
    "bring", "fix", "order", "see", NULL};
/* the rest of a name answer that is not the name */
static const char *const name_filler[] = {"my", "name", "name's", "is", "it",
    "it's", "this", "i'm", "i", "am", "uh", "um", "yeah", "yes", "sure",
    "first", "last", "and", "the", NULL};

static int
in(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

static void
split(const char *text, struct words *ws)
{
	const char *p = text ? text : "";
	size_t len;

	ws->n = 0;
	while (*p && ws->n < MAX_WORDS) {
		while (*p == ' ')
			p++;
		for (len = 0; p[len] && p[len] != ' '; len++)
			;
		if (len == 0)
			break;
		snprintf(ws->w[ws->n++], WORD_LEN, "%.*s",
		    (int)(len < WORD_LEN ? len : WORD_LEN - 1), p);
		p += len;
	}
}

static int
count_in(const struct words *ws, const char *const *list)
{
	int i, c = 0;

	for (i = 0; i < ws->n; i++)
		c += in(ws->w[i], list);
	return c;
}

/* Digits said, "double five" two and "triple" three. */
static int
count_digits(const struct words *ws, const char **first)
{
	int i, c = 0, times = 1;

	*first = NULL;
	for (i = 0; i < ws->n; i++) {
		if (strcmp(ws->w[i], "double") == 0)
			times = 2;
		else if (strcmp(ws->w[i], "triple") == 0)
			times = 3;
		else {
			if (in(ws->w[i], digit_words)) {
				if (*first == NULL)
					*first = ws->w[i];
				c += times;
			}
			times = 1;
		}
	}
	return c;
}

/* polarity first (after a filler), a confirmation word last, short */
static int
confirmation(const struct words *ws)
{
	int i = 0;

	while (i < ws->n && in(ws->w[i], lead_on))
		i++;
	return ws->n - i >= 2 && ws->n - i <= 4 && in(ws->w[i], polarity) &&
	    in(ws->w[ws->n - 1], confirm_end);
}

static enum turn_end
name_answer(const struct words *ws)
{
	int i, names = 0;

	for (i = 0; i < ws->n; i++)
		names += !in(ws->w[i], name_filler);
	/* a spelled letter last: the spelling goes on */
	if (strlen(ws->w[ws->n - 1]) == 1)
		return TURN_END_INCOMPLETE;
	return names >= 2 ? TURN_END_COMPLETE : TURN_END_UNSURE;
}

/* A question or a request, when nothing was asked: closed unless its
 * last word usually leads on. */
static enum turn_end
request_answer(const struct words *ws)
{
	const char *l = ws->w[ws->n - 1];

	if (ws->n < 3 || in(l, request) || in(l, hours))
		return TURN_END_UNSURE;
	/* "what are your hours on saturday": a question for a fact is
	 * whole with its day; "can i come in on monday" may go on with
	 * the time */
	if (in(ws->w[0], wh_question))
		return TURN_END_COMPLETE;
	if (in(l, days))
		return TURN_END_UNSURE;
	if (in(ws->w[0], question))
		return TURN_END_COMPLETE;
	if (ws->n >= 4 && count_in(ws, request) > 0)
		return TURN_END_COMPLETE;
	return TURN_END_UNSURE;
}

enum turn_end
turn_end_classify(enum vad_expect e, const char *text)
{
	struct words ws;
	const char *last, *first_digit;
	int digits;

	split(text, &ws);
	if (ws.n == 0)
		return vad_answer_incomplete(e, "") ? TURN_END_INCOMPLETE
		                                    : TURN_END_UNSURE;
	last = ws.w[ws.n - 1];
	if (e == VAD_EXPECT_DIGITS) {
		digits = count_digits(&ws, &first_digit);
		if (digits < 10 || in(last, lead_on))
			return TURN_END_INCOMPLETE;
		/* ten digits after a "one" may be eleven */
		if (digits == 10 && strcmp(first_digit, "one") == 0)
			return TURN_END_UNSURE;
		return TURN_END_COMPLETE;
	}
	if (e == VAD_EXPECT_YESNO && confirmation(&ws))
		return TURN_END_COMPLETE;
	if (in(last, lead_on) ||
	    (e != VAD_EXPECT_TIME && in(last, digit_words)))
		return TURN_END_INCOMPLETE;
	if (vad_answer_incomplete(e, text))
		return TURN_END_INCOMPLETE;
	/* "yes, please" is as open as a bare "yes": it is often followed
	 * by more after a pause ("thanks, bye", "and a tire rotation") */
	if (ws.n == 2 && in(ws.w[0], polarity) && strcmp(last, "please") == 0)
		return TURN_END_UNSURE;
	if (ws.n >= 2 && in(last, closers))
		return TURN_END_COMPLETE;
	/* "thank you" closes; a "thanks" is often followed by "bye" after a
	 * pause ("yes please, thanks, bye"), so it waits the default */
	if (ws.n >= 3 && strcmp(last, "you") == 0 &&
	    strcmp(ws.w[ws.n - 2], "thank") == 0)
		return TURN_END_COMPLETE;
	if (strcmp(last, "thanks") == 0)
		return TURN_END_UNSURE;
	switch (e) {
	case VAD_EXPECT_NAME:
		return name_answer(&ws);
	case VAD_EXPECT_DATE:
	case VAD_EXPECT_TIME:
		/* a bare day or time is often followed by ", please" */
		return in(last, any_time) ? TURN_END_COMPLETE : TURN_END_UNSURE;
	case VAD_EXPECT_YESNO:
	case VAD_EXPECT_SPELL:
		return TURN_END_UNSURE;
	default:
		return request_answer(&ws);
	}
}

int
turn_end_silence_ms(
    const struct vad_cfg *c, enum vad_expect e, const char *text)
{
	switch (turn_end_classify(e, text)) {
	case TURN_END_COMPLETE:
		return c->short_endpoint_ms;
	case TURN_END_INCOMPLETE:
		return c->long_endpoint_ms;
	default:
		return c->endpoint_ms;
	}
}

const char *
turn_end_name(enum turn_end t)
{
	switch (t) {
	case TURN_END_COMPLETE:
		return "complete";
	case TURN_END_INCOMPLETE:
		return "incomplete";
	default:
		return "unsure";
	}
}
