/*
 * intent.c - keyword and phrase scoring of caller utterances.  Each cue is
 * a phrase matched word by word with the fuzzy matcher of text.c, so a
 * slightly misheard word still counts; the intent with the highest sum
 * wins.  Service names are matched with a small edit budget per phrase so
 * "oil chains" still finds the oil change.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "intent.h"
#include "lang.h"
#include "speech/text.h"

struct cue {
	enum intent in;
	const char *phrase;
	int weight;
};

static const struct cue cues[] = {
    {INT_BOOK, "book", 3},
    {INT_BOOK, "booking", 3},
    {INT_BOOK, "appointment", 3},
    {INT_BOOK, "schedule", 3},
    {INT_BOOK, "make an", 1},
    {INT_BOOK, "set up", 2},
    {INT_BOOK, "bring my car", 3},
    {INT_BOOK, "bring it in", 3},
    {INT_BOOK, "bring in", 2},
    {INT_BOOK, "come in", 2},
    {INT_BOOK, "drop off", 2},
    {INT_BOOK, "reserve", 2},
    {INT_BOOK, "need", 1},
    {INT_BOOK, "want", 1},
    {INT_BOOK, "like to get", 1},
    {INT_BOOK, "slot", 1},
    {INT_BOOK, "available", 1},
    {INT_BOOK, "availability", 2},
    {INT_BOOK, "opening", 1},
    {INT_BOOK, "get my car", 2},
    {INT_BOOK, "looking to get", 2},
    {INT_BOOK, "done", 1},
    {INT_RESCHEDULE, "reschedule", 5},
    {INT_RESCHEDULE, "move my appointment", 5},
    {INT_RESCHEDULE, "change my appointment", 5},
    {INT_CANCEL, "cancel", 7},
    {INT_CANCEL, "cancellation", 7},
    {INT_HOURS, "hours", 4},
    {INT_HOURS, "open", 2},
    {INT_HOURS, "close", 2},
    {INT_HOURS, "closing", 3},
    {INT_HOURS, "what time do you", 3},
    {INT_HOURS, "when are you", 2},
    {INT_HOURS, "opening times", 3},
    {INT_HOURS, "until when", 2},
    {INT_ADDRESS, "address", 5},
    {INT_ADDRESS, "where are you", 5},
    {INT_ADDRESS, "located", 5},
    {INT_ADDRESS, "location", 4},
    {INT_ADDRESS, "directions", 4},
    {INT_ADDRESS, "where is", 3},
    {INT_ADDRESS, "how do i get", 3},
    {INT_ADDRESS, "find you", 3},
    {INT_PRICE, "how much", 4},
    {INT_PRICE, "price", 4},
    {INT_PRICE, "prices", 4},
    {INT_PRICE, "cost", 4},
    {INT_PRICE, "costs", 4},
    {INT_PRICE, "you charge", 3},
    {INT_PRICE, "expensive", 3},
    {INT_HUMAN, "person", 4},
    {INT_HUMAN, "human", 4},
    {INT_HUMAN, "someone", 2},
    {INT_HUMAN, "somebody", 2},
    {INT_HUMAN, "representative", 4},
    {INT_HUMAN, "operator", 4},
    {INT_HUMAN, "agent", 3},
    {INT_HUMAN, "manager", 4},
    {INT_HUMAN, "advisor", 3},
    {INT_HUMAN, "transfer", 3},
    {INT_HUMAN, "talk to", 1},
    {INT_HUMAN, "speak to", 1},
    {INT_HUMAN, "speak with", 1},
    {INT_HUMAN, "real", 1},
    {INT_HUMAN, "receptionist", 3},
    {INT_HUMAN, "mechanic", 2},
    {INT_MESSAGE, "message", 5},
    {INT_MESSAGE, "let them know", 3},
    {INT_CALLBACK, "call me back", 6},
    {INT_CALLBACK, "call back", 5},
    {INT_CALLBACK, "callback", 5},
    {INT_CALLBACK, "have someone call", 5},
    {INT_CALLBACK, "give me a call", 5},
    {INT_CALLBACK, "call me", 3},
    {INT_STATUS, "where is my car", 6},
    {INT_STATUS, "wheres my car", 6},
    {INT_STATUS, "my car ready", 6},
    {INT_STATUS, "be ready", 5},
    {INT_STATUS, "it ready", 4},
    {INT_STATUS, "status", 5},
    {INT_STATUS, "repair order", 4},
    {INT_STATUS, "how is my car", 5},
    {INT_STATUS, "done with my car", 5},
    {INT_STATUS, "finished", 2},
    {INT_STATUS, "update on my", 4},
    {INT_STATUS, "pick up my car", 4},
    {INT_STATUS, "pick it up", 3},
    {INT_STATUS, "order", 2},
    {INT_STATUS, "the repair", 2},
    {INT_STATUS, "being repaired", 4},
    /* a car already ordered or in the shop: "when will my new car be
	 * delivered" is a status question, not a sale */
    {INT_STATUS, "delivered", 4},
    {INT_STATUS, "be delivered", 3},
    {INT_STATUS, "delivery date", 4},
    {INT_STATUS, "arrived", 4},
    {INT_STATUS, "car arrive", 3},
    {INT_STATUS, "it arrive", 3},
    {INT_LIST, "my appointments", 5},
    {INT_LIST, "upcoming", 4},
    {INT_LIST, "when is my appointment", 6},
    {INT_LIST, "do i have an appointment", 6},
    {INT_LIST, "what appointments", 5},
    {INT_LIST, "any appointments", 5},
    {INT_LIST, "check my appointment", 6},
    {INT_LIST, "confirm my appointment", 5},
    {INT_LEAD, "buy", 4},
    {INT_LEAD, "buying", 4},
    /* recognisers write "i want to bye car": not a goodbye */
    {INT_LEAD, "want to bye", 7},
    {INT_LEAD, "to buy a", 3},
    {INT_LEAD, "purchase", 4},
    {INT_LEAD, "interested in", 3},
    {INT_LEAD, "quote", 4},
    {INT_LEAD, "estimate", 3},
    {INT_LEAD, "fleet", 5},
    {INT_LEAD, "new car", 4},
    {INT_LEAD, "used car", 4},
    {INT_LEAD, "trade in", 4},
    {INT_LEAD, "leasing", 4},
    {INT_LEAD, "financing", 4},
    {INT_SERVICES, "what services", 6},
    {INT_SERVICES, "what do you do", 5},
    {INT_SERVICES, "services do you", 6},
    {INT_SERVICES, "what kind of work", 5},
    {INT_SERVICES, "do you do", 2},
    {INT_SERVICES, "do you offer", 4},
    {INT_SERVICES, "do you fix", 3},
    {INT_LANGUAGE, "language", 5},
    {INT_LANGUAGE, "languages", 5},
    {INT_LANGUAGE, "habla", 5},
    {INT_LANGUAGE, "hablan", 5},
    {INT_LANGUAGE, "parlez", 5},
    {INT_LANGUAGE, "sprechen", 5},
    {INT_MESSAGE, "pass on", 3},
    {INT_MESSAGE, "tell them", 2},
    {INT_GOODBYE, "bye", 4},
    {INT_GOODBYE, "goodbye", 4},
    {INT_GOODBYE, "thats all", 4},
    {INT_GOODBYE, "thats it", 3},
    {INT_GOODBYE, "nothing else", 4},
    {INT_GOODBYE, "im good", 3},
    {INT_GOODBYE, "all set", 3},
    {INT_GOODBYE, "im done", 3},
    {INT_GOODBYE, "no thats", 1},
    {INT_GOODBYE, "have a good", 3},
    {INT_GOODBYE, "thats everything", 4},
    {INT_REPEAT, "repeat", 4},
    {INT_REPEAT, "say that again", 5},
    {INT_REPEAT, "say again", 4},
    {INT_REPEAT, "come again", 4},
    {INT_REPEAT, "pardon", 4},
    {INT_REPEAT, "what did you say", 5},
    {INT_REPEAT, "didnt catch", 4},
    {INT_REPEAT, "didnt hear", 4},
};

static const char *const yes_cues[] = {"yes", "yeah", "yep", "yup", "yea",
    "sure", "correct", "right", "absolutely", "definitely", "please do",
    "go ahead", "sounds good", "perfect", "okay", "ok", "fine", "that works",
    "affirmative", "book it", "do it", "great", "it is", "i am", "speaking",
    "this is he", "this is she", "that is me", "thats me", "indeed", "exactly",
    "of course", "alright", "works for me", "lets do it", "uh huh", "mhm",
    NULL};
static const char *const no_cues[] = {"no", "nope", "nah", "not", "wrong",
    "dont", "incorrect", "negative", "wait", "actually", "instead", "rather",
    "isnt", "thats not", NULL};
static const char *const backchannels[] = {"huh", "uh", "mhm", "mm", "hmm",
    "okay", "ok", "yeah", "yes", "yep", "right", "sure", "alright", "cool", "i",
    "see", "got", "it", "oh", "ah", "aha", "gotcha", "great", "mmhmm", "yea",
    "please", "thanks", "thank", "you", NULL};

static const char *const names[INT_COUNT] = {"none", "book", "reschedule",
    "cancel", "hours", "address", "price", "human", "message", "goodbye",
    "repeat", "callback", "status", "list", "lead", "services", "language"};

const char *
intent_name(enum intent i)
{
	return (i >= 0 && i < INT_COUNT) ? names[i] : "unknown";
}

/* Match a phrase at every position with a total edit budget; 1 if found.
 * Words in exact[] (known service words) are never bent into a cue:
 * "rotation" is not a misheard "location". */
static int
phrase_in(const struct tokens *t, const char *phrase, const char *exact)
{
	struct tokens p;
	int i, j, letters = 0, budget, used;

	txt_tokenize(phrase, &p);
	if (p.n == 0)
		return 0;
	for (j = 0; j < p.n; j++)
		letters += (int)strlen(p.w[j]);
	budget = letters >= 8 ? 2 : letters >= 5 ? 1 : 0;
	for (i = 0; i + p.n <= t->n; i++) {
		used = 0;
		for (j = 0; j < p.n && used <= budget; j++) {
			if (strcmp(t->w[i + j], p.w[j]) == 0)
				continue;
			/* short words must be heard exactly, and the
			 * first letter is rarely misheard */
			if (strlen(p.w[j]) < 3 || strlen(t->w[i + j]) < 3 ||
			    t->w[i + j][0] != p.w[j][0] ||
			    (exact && exact[i + j])) {
				used = budget + 1;
				break;
			}
			used += txt_distance(t->w[i + j], p.w[j]);
		}
		if (j == p.n && used <= budget)
			return 1;
	}
	return 0;
}

static enum polarity
polarity(const struct tokens *t)
{
	int i, k;

	/* exact words: cue lists of yes/no are short words, no fuzz */
	for (i = 0; i < t->n; i++) {
		for (k = 0; no_cues[k]; k++)
			if (txt_phrase_at(t, i, no_cues[k]))
				return POL_NO;
		for (k = 0; yes_cues[k]; k++)
			if (txt_phrase_at(t, i, yes_cues[k]))
				return POL_YES;
	}
	return POL_NONE;
}

static const struct fd_service *
service_in(const struct tokens *t, const struct fd_business *b)
{
	const struct fd_service *best = NULL;
	int i, j, len, best_len = 0;

	if (b == NULL)
		return NULL;
	for (i = 0; i < b->nservices; i++) {
		const struct fd_service *s = &b->services[i];

		for (j = -1; j < s->naliases; j++) {
			const char *ph = j < 0 ? s->name : s->aliases[j];

			len = (int)strlen(ph);
			if (len > best_len && phrase_in(t, ph, NULL)) {
				best = s;
				best_len = len;
			}
		}
	}
	return best;
}

/* Mark the tokens that are words of a service name or alias. */
static void
service_words(const struct tokens *t, const struct fd_business *b, char *exact)
{
	struct tokens p;
	int i, j, k, w;

	memset(exact, 0, TXT_MAX_TOK);
	for (i = 0; b && i < b->nservices; i++)
		for (j = -1; j < b->services[i].naliases; j++) {
			txt_tokenize(j < 0 ? b->services[i].name
			                   : b->services[i].aliases[j],
			    &p);
			for (k = 0; k < p.n; k++)
				for (w = 0; w < t->n; w++)
					if (strcmp(t->w[w], p.w[k]) == 0)
						exact[w] = 1;
		}
}

const struct fd_service *
intent_service(const char *text, const struct fd_business *b)
{
	struct tokens t;

	txt_tokenize(text ? text : "", &t);
	return service_in(&t, b);
}

void
intent_read(
    const char *text, const struct fd_business *b, struct intent_result *r)
{
	struct tokens t;
	char exact[TXT_MAX_TOK];
	size_t i;
	int k;

	memset(r, 0, sizeof(*r));
	txt_tokenize(text ? text : "", &t);
	service_words(&t, b, exact);
	for (i = 0; i < sizeof(cues) / sizeof(cues[0]); i++)
		if (phrase_in(&t, cues[i].phrase, exact))
			r->scores[cues[i].in] += cues[i].weight;
	/* a language's name counts when asked about ("do you speak
	 * Spanish", "Spanish?"), not in any sentence (Mr French) */
	if (lang_named(text) &&
	    (t.n <= 3 || phrase_in(&t, "speak", NULL) ||
	        phrase_in(&t, "speaks", NULL) ||
	        phrase_in(&t, "speaking", NULL) || r->scores[INT_LANGUAGE] > 0))
		r->scores[INT_LANGUAGE] += 6;
	r->service = service_in(&t, b);
	if (r->service) {
		/* naming a service is asking for it, unless asking its price */
		if (r->scores[INT_PRICE] > 0)
			r->scores[INT_PRICE] += 2;
		else
			r->scores[INT_BOOK] += 3;
	}
	/* "open" in "are you open saturday" is hours, in "an opening" not */
	if (r->scores[INT_HOURS] > 0 && r->scores[INT_BOOK] >= 4 &&
	    r->scores[INT_HOURS] < 4)
		r->scores[INT_HOURS] = 0;
	r->pol = polarity(&t);
	r->thanks =
	    phrase_in(&t, "thank", NULL) || phrase_in(&t, "thanks", NULL);
	r->best = INT_NONE;
	for (k = 1; k < INT_COUNT; k++)
		if (r->scores[k] > r->score ||
		    (r->scores[k] == r->score && r->score > 0 &&
		        k == INT_HUMAN)) {
			r->score = r->scores[k];
			r->best = (enum intent)k;
		}
	/* a lone "want"/"need" is not a booking yet */
	if (r->best == INT_BOOK && r->score < 2) {
		r->best = INT_NONE;
		r->score = 0;
	}
}

/* Does t end with a question one answers yes or no ("Shall I book it?",
 * "Oil change at 10, shall I book it?"), not "How can I help?"? */
int
intent_yes_no_question(const char *t)
{
	static const char *const aux[] = {"shall", "should", "would", "will",
	    "do", "does", "did", "is", "are", "am", "was", "can", "could",
	    "may", "have", "has", NULL};
	size_t n = strlen(t), b, w;
	int i;

	while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '"'))
		n--;
	if (n == 0 || t[n - 1] != '?')
		return 0;
	/* the question's own sentence: "Great. Shall I book it?" */
	for (b = n - 1; b > 0 && !strchr(".!?", t[b - 1]); b--)
		;
	while (b < n && !isalpha((unsigned char)t[b]))
		b++;
	for (w = b; w < n && isalpha((unsigned char)t[w]); w++)
		;
	/* "..., shall I book it?" after a comma also asks yes or no */
	for (i = 0; aux[i]; i++)
		if (w - b == strlen(aux[i]) &&
		    strncasecmp(t + b, aux[i], w - b) == 0)
			return 1;
	return strstr(t + b, ", shall ") || strstr(t + b, ", is that ") ||
	    strstr(t + b, ", right?") || strstr(t + b, ", correct?");
}

int
intent_backchannel(const char *text)
{
	struct tokens t;
	int i;

	txt_tokenize(text ? text : "", &t);
	if (t.n > 3)
		return 0;
	for (i = 0; i < t.n; i++)
		if (!txt_is(t.w[i], backchannels))
			return 0;
	return 1;
}

static const char *const courtesies[] = {
    "please", "thanks", "thank", "you", "very", "much", "so", NULL};
static const char *const courtesy_heads[] = {"please", "thanks", "thank", NULL};

int
intent_courtesy(const char *text)
{
	struct tokens t;
	int i, head = 0;

	txt_tokenize(text ? text : "", &t);
	if (t.n > 5)
		return 0;
	for (i = 0; i < t.n; i++) {
		if (!txt_is(t.w[i], courtesies))
			return 0;
		head |= txt_is(t.w[i], courtesy_heads);
	}
	/* "you" or "so" alone is no thanks */
	return head;
}

int
intent_words(const char *text)
{
	struct tokens t;

	txt_tokenize(text ? text : "", &t);
	return t.n;
}
