/*
 * domain_corpus.c - receptionist-call sentences for the domain language
 * model (see domain_corpus.h).  Templates are crossed with the business's
 * services, days, dates, times, digits and names; a fixed-seed generator
 * picks the combinations so the model is the same on every start.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech/domain_corpus.h"

static const char *const ones[] = {"zero", "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen"};
static const char *const tens[] = {"", "", "twenty", "thirty", "forty", "fifty",
    "sixty", "seventy", "eighty", "ninety"};
static const char *const ord_ones[] = {"zeroth", "first", "second", "third",
    "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth"};
static const char *const days[] = {"monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday"};
static const char *const months[] = {"january", "february", "march", "april",
    "may", "june", "july", "august", "september", "october", "november",
    "december"};
static const char *const first_names[] = {"john", "mary", "james", "patricia",
    "robert", "jennifer", "michael", "linda", "william", "elizabeth", "david",
    "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah",
    "charles", "karen", "chris", "nancy", "daniel", "lisa", "matthew", "betty",
    "anthony", "sandra", "mark", "ashley", "paul", "emily", "steven", "donna",
    "andrew", "michelle", "kevin", "carol", "brian", "amanda", "george",
    "melissa", "peter", "anna", "tom", "kate", "mike", "dave", "jane", "bob",
    "maria", "jose", "carlos", "wei", "ali", "priya"};
static const char *const last_names[] = {"smith", "johnson", "williams",
    "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
    "hernandez", "lopez", "wilson", "anderson", "thomas", "taylor", "moore",
    "jackson", "martin", "lee", "thompson", "white", "harris", "clark", "lewis",
    "walker", "young", "allen", "king", "wright", "scott", "green", "baker",
    "adams", "nelson", "hill", "campbell", "mitchell", "roberts", "carter",
    "nguyen", "patel", "kim", "chen"};
static const char *const makes[] = {"toyota", "honda", "ford", "chevy",
    "chevrolet", "nissan", "subaru", "hyundai", "kia", "jeep", "dodge",
    "volkswagen", "mazda", "lexus", "tesla", "audi", "volvo", "buick", "acura",
    "mercedes"};
static const char *const models[] = {"camry", "corolla", "civic", "accord",
    "pickup", "truck", "van", "suv", "sedan", "minivan", "explorer", "mustang",
    "outback", "altima", "wrangler", "prius"};
static const char *const yesno[] = {"yes", "yeah", "yep", "yes please", "no",
    "nope", "no thanks", "no thank you", "that's right", "that's correct",
    "yes that's right", "yes that's correct", "correct", "sure", "okay", "ok",
    "sounds good", "that works", "that works for me", "perfect", "great",
    "no that's wrong", "no that's not right", "that's not right", "yes it is",
    "no it's not", "uh huh", "right", "please", "absolutely", "of course",
    "i think so", "not really", "i don't know", "maybe", "hmm", "um", "uh",
    "sorry", "what", "can you repeat that", "say that again",
    "i didn't catch that", "hello", "hi", "hi there", "hey", "good morning",
    "good afternoon", "thank you", "thanks", "thanks a lot", "bye", "goodbye",
    "thank you bye", "that's all", "that's it", "nothing else",
    "no that's all thank you", "have a nice day", "you too",
    "okay thank you goodbye", "alright thanks bye", "great thank you",
    "that would be great", "that would be perfect", "that's great", "good",
    "fine", "wonderful"};
static const char *const requests[] = {
    "i want to cancel my appointment",
    "i need to cancel my appointment",
    "can i cancel my appointment",
    "please cancel my appointment",
    "i'd like to cancel",
    "cancel it please",
    "i need to reschedule my appointment",
    "i'd like to reschedule my appointment",
    "can i reschedule",
    "can i move my appointment",
    "i need to change my appointment",
    "i want to book an appointment",
    "i'd like to make an appointment",
    "i need an appointment",
    "can i schedule an appointment",
    "do you have any openings",
    "what times do you have",
    "what do you have available",
    "is there anything earlier",
    "anything later",
    "what about later",
    "where is my car",
    "is my car ready",
    "is my car done yet",
    "what's the status of my car",
    "when will my car be ready",
    "i'm calling about my car",
    "i dropped off my car this morning",
    "can i pick up my car",
    "i'd like to leave a message",
    "can i leave a message",
    "take a message please",
    "can i speak to a person",
    "can i talk to someone",
    "let me talk to a human",
    "i want to speak to a real person",
    "can i speak to the manager",
    "transfer me please",
    "can you transfer me to a person",
    "i need to talk to a mechanic",
    "what are your hours",
    "when are you open",
    "what time do you open",
    "what time do you close",
    "are you open today",
    "are you open tomorrow",
    "are you open on the weekend",
    "how much does it cost",
    "what are your prices",
    "how much is it",
    "where are you located",
    "what's your address",
    "how long does it take",
    "do i need an appointment",
    "can i wait for it",
    "i'll wait",
    "i'll drop it off",
    "do you have a loaner",
    "do you take credit cards",
    "my check engine light is on",
    "my car is making a noise",
    "my brakes are squeaking",
    "my car won't start",
    "i have a question",
    "i have a question about my bill",
    "i got a text about my appointment",
    "you called me",
    "i'm returning a call",
    "i missed a call from you",
    "i'm running late",
    "i'll be there in ten minutes",
    "the morning is better",
    "the afternoon is better",
    "the earliest you have",
    "as soon as possible",
    "what's the earliest",
    "first thing in the morning",
    "any time is fine",
    "whatever works",
    "that's fine",
    "is it ready yet",
    "is it done yet",
    "not yet",
    "i'll drop it off in the morning",
    "i dropped it off yesterday",
    "i'm picking it up today",
    "the last four are",
    "the last four digits",
    "my zip code is",
    "let me give you my number",
    "what's the earliest you can take it",
    "do you have anything sooner",
    "do you have anything on",
    "i'm not sure",
    "let me check",
    "what services do you offer",
    "what services do you have",
    "what kind of services do you offer",
    "what do you do",
    "what kind of work do you do",
    "what can you do for me",
    "when will my car be delivered",
    "when will my new car be delivered",
    "when will it be delivered",
    "when is my delivery date",
    "has my car arrived",
    "has my new car arrived yet",
    "when does my car arrive",
    "is my new car here yet",
    "do you speak spanish",
    "do you speak french",
    "do you speak english",
    "is there someone who speaks spanish",
    "can i talk to someone in spanish",
    "i have a confirmation code",
    "i have my confirmation code",
    "i don't have the code",
    "i want to cancel my repair order",
    "i'd like to cancel my repair order",
    "cancel my repair order",
    "i want to cancel my order",
    "can i cancel the repair",
    "please cancel the repair order",
    "i want to cancel the repairs",
    "what's the status of my repair order",
};

/* xorshift: the same corpus on every start */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

#define PICK(s, a) ((a)[rnd(s) % (sizeof(a) / sizeof((a)[0]))])

char *
stt_num_words(int n, char *out, size_t len)
{
	char a[64], b[64];

	if (n < 0 || n > 9999) {
		snprintf(out, len, "%d", n);
	} else if (n < 20) {
		snprintf(out, len, "%s", ones[n]);
	} else if (n < 100) {
		if (n % 10)
			snprintf(out, len, "%s %s", tens[n / 10], ones[n % 10]);
		else
			snprintf(out, len, "%s", tens[n / 10]);
	} else if (n < 1000) {
		/* "three hundred", "twelve hundred fifty" */
		if (n % 100)
			snprintf(out, len, "%s hundred %s",
			    stt_num_words(n / 100, a, sizeof(a)),
			    stt_num_words(n % 100, b, sizeof(b)));
		else
			snprintf(out, len, "%s hundred",
			    stt_num_words(n / 100, a, sizeof(a)));
	} else if (n % 1000 == 0) {
		snprintf(out, len, "%s thousand",
		    stt_num_words(n / 1000, a, sizeof(a)));
	} else if ((n / 100) % 10 == 0 && n % 100 < 10) {
		snprintf(out, len, "%s thousand %s",
		    stt_num_words(n / 1000, a, sizeof(a)),
		    stt_num_words(n % 1000, b, sizeof(b)));
	} else if (n % 100 == 0) {
		snprintf(out, len, "%s hundred",
		    stt_num_words(n / 100, a, sizeof(a)));
	} else {
		/* years and street numbers: "twenty nineteen", "nineteen
		 * oh five" */
		snprintf(out, len, "%s %s%s",
		    stt_num_words(n / 100, a, sizeof(a)),
		    n % 100 < 10 ? "oh " : "",
		    stt_num_words(n % 100, b, sizeof(b)));
	}
	return out;
}

char *
stt_ordinal_words(int n, char *out, size_t len)
{
	if (n < 1 || n > 39)
		snprintf(out, len, "%d", n);
	else if (n < 20)
		snprintf(out, len, "%s", ord_ones[n]);
	else if (n % 10 == 0)
		snprintf(out, len, "%.*sieth", (int)strlen(tens[n / 10]) - 1,
		    tens[n / 10]);
	else
		snprintf(out, len, "%s %s", tens[n / 10], ord_ones[n % 10]);
	return out;
}

struct gen {
	uint32_t seed;
	corpus_sink sink;
	void *arg;
	int rv;
};

static void emit(struct gen *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
emit(struct gen *g, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	char *p;

	if (g->rv)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	g->rv = g->sink(g->arg, buf);
}

static const char *
article(const char *w)
{
	return strchr("aeiou", w[0]) ? "an" : "a";
}

/* "ten", "ten thirty", "ten fifteen", "three p m", "noon" ... */
static void
time_phrase(struct gen *g, char *out, size_t len)
{
	static const char *const mins[] = {
	    "", "", "fifteen", "thirty", "forty five", "o'clock", ""};
	static const char *const ampm[] = {
	    "", "", "a m", "p m", "", "in the morning", "in the afternoon"};
	int h = 1 + (int)(rnd(&g->seed) % 12);
	const char *m = PICK(&g->seed, mins), *ap = PICK(&g->seed, ampm);
	char hw[32];

	if (rnd(&g->seed) % 15 == 0) {
		snprintf(
		    out, len, "%s", rnd(&g->seed) & 1 ? "noon" : "twelve noon");
		return;
	}
	stt_num_words(h, hw, sizeof(hw));
	snprintf(
	    out, len, "%s%s%s%s%s", hw, *m ? " " : "", m, *ap ? " " : "", ap);
}

/* "tuesday", "next tuesday", "the twenty sixth", "november third" ... */
static void
date_phrase(struct gen *g, char *out, size_t len)
{
	char o[48];
	const char *d = PICK(&g->seed, days);

	switch (rnd(&g->seed) % 9) {
	case 0:
		snprintf(out, len, "%s", d);
		break;
	case 1:
		snprintf(out, len, "next %s", d);
		break;
	case 2:
		snprintf(out, len, "this %s", d);
		break;
	case 3:
		snprintf(out, len, "the %s",
		    stt_ordinal_words(
		        1 + (int)(rnd(&g->seed) % 31), o, sizeof(o)));
		break;
	case 4:
		snprintf(out, len, "%s %s", PICK(&g->seed, months),
		    stt_ordinal_words(
		        1 + (int)(rnd(&g->seed) % 31), o, sizeof(o)));
		break;
	case 5:
		snprintf(out, len, "%s the %s", d,
		    stt_ordinal_words(
		        1 + (int)(rnd(&g->seed) % 31), o, sizeof(o)));
		break;
	case 6:
		snprintf(
		    out, len, "%s", rnd(&g->seed) & 1 ? "tomorrow" : "today");
		break;
	case 7:
		snprintf(out, len, "%s %s", d,
		    rnd(&g->seed) & 1 ? "morning" : "afternoon");
		break;
	default:
		snprintf(out, len, "the %s of %s",
		    stt_ordinal_words(
		        1 + (int)(rnd(&g->seed) % 31), o, sizeof(o)),
		    PICK(&g->seed, months));
		break;
	}
}

static void
digits_phrase(struct gen *g, char *out, size_t len, int n)
{
	size_t off = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n && off + 8 < len; i++) {
		int d = (int)(rnd(&g->seed) % 10);
		const char *w =
		    d == 0 && rnd(&g->seed) % 3 == 0 ? "oh" : ones[d];
		off += (size_t)snprintf(
		    out + off, len - off, "%s%s", i ? " " : "", w);
	}
}

static void
services(struct gen *g, const struct fd_business *b)
{
	static const char *const pre[] = {"i need %s %s",
	    "i'd like to book %s %s", "i want to schedule %s %s",
	    "can i get %s %s", "i need to get %s %s",
	    "i'd like to make an appointment for %s %s", "book %s %s",
	    "i'm calling to book %s %s", "do you do %s%s", "how much is %s %s",
	    "how much for %s %s", "i need %s %s done", "my car needs %s %s",
	    "can you do %s %s"};
	int i, j, k, maxal = 0;
	char d[64], t[64];

	/* every service gets as many sentences: one with more aliases must
	 * not make its words likelier than another's ("brake" over "state") */
	for (i = 0; i < b->nservices; i++)
		if (b->services[i].naliases > maxal)
			maxal = b->services[i].naliases;
	for (i = 0; i < b->nservices; i++) {
		const struct fd_service *s = &b->services[i];
		size_t nl = strlen(s->name);

		/* callers ask about a service in general in the plural */
		if (nl > 0 && s->name[nl - 1] != 's') {
			emit(g, "do you do %ss", s->name);
			emit(g, "do you guys do %ss", s->name);
			emit(g, "how much are %ss", s->name);
			emit(g, "do you do %ss on saturday", s->name);
		}
		for (j = -1; j < s->naliases; j++) {
			const char *name = j < 0 ? s->name : s->aliases[j];
			int reps = j < 0 ? 3 + maxal - s->naliases : 1;
			for (k = 0; k < reps; k++) {
				const char *f = PICK(&g->seed, pre);
				if (strstr(f, "%s%s"))
					emit(g, f, "", name);
				else
					emit(g, f, article(name), name);
				emit(g, f, "", name);
				date_phrase(g, d, sizeof(d));
				time_phrase(g, t, sizeof(t));
				emit(g, "book %s %s %s at %s", article(name),
				    name, d, t);
				emit(g, "i'd like %s %s on %s", article(name),
				    name, d);
				emit(g, "can i bring it in for %s %s %s",
				    article(name), name, d);
				emit(g, "%s", name);
				emit(g, "just %s %s", article(name), name);
				emit(g, "the %s", name);
			}
		}
	}
}

static void
dates_times(struct gen *g)
{
	static const char *const f[] = {"%s", "%s at %s", "how about %s",
	    "can i come in %s", "is %s available", "%s works", "on %s",
	    "do you have anything %s", "%s at %s please", "what about %s at %s",
	    "i can do %s at %s", "%s around %s", "i'd prefer %s",
	    "could i come %s at %s", "%s if possible", "anything on %s",
	    "do you have anything on %s", "%s would be great",
	    "%s works for me", "%s is fine"};
	char d[64], t[64];
	int i;

	for (i = 0; i < 900; i++) {
		const char *fmt = PICK(&g->seed, f);
		date_phrase(g, d, sizeof(d));
		time_phrase(g, t, sizeof(t));
		if (strstr(fmt + 2, "%s"))
			emit(g, fmt, d, t);
		else
			emit(g, fmt, rnd(&g->seed) % 3 ? d : t);
	}
	for (i = 0; i < 200; i++) {
		time_phrase(g, t, sizeof(t));
		emit(g, "%s%s", rnd(&g->seed) & 1 ? "at " : "", t);
		emit(g, "%s would be good", t);
		emit(g, "around %s", t);
		emit(g, "after %s", t);
		emit(g, "before %s", t);
	}
}

static void
digits(struct gen *g)
{
	static const char *const f[] = {"my phone number is %s",
	    "my number is %s", "it's %s", "%s", "%s", "%s", "the number is %s",
	    "you can reach me at %s", "call me back at %s", "my cell is %s"};
	char dg[256];
	int i;

	for (i = 0; i < 500; i++) {
		int n = (int)(rnd(&g->seed) % 4);
		digits_phrase(g, dg, sizeof(dg),
		    n == 0       ? 10
		        : n == 1 ? 7
		        : n == 2 ? 4
		                 : 3);
		emit(g, PICK(&g->seed, f), dg);
	}
}

static void
names(struct gen *g, const struct fd_business *b, const char *const *extra,
    size_t nextra)
{
	static const char *const f[] = {"my name is %s", "this is %s",
	    "it's %s", "%s", "%s", "the name is %s", "it's under %s",
	    "the appointment is under %s", "yes this is %s", "hi this is %s",
	    "%s speaking"};
	char nm[128];
	int i;
	size_t k;

	for (i = 0; i < 600; i++) {
		int r = (int)(rnd(&g->seed) % 3);
		if (r == 0)
			snprintf(
			    nm, sizeof(nm), "%s", PICK(&g->seed, first_names));
		else if (r == 1)
			snprintf(nm, sizeof(nm), "%s %s",
			    PICK(&g->seed, first_names),
			    PICK(&g->seed, last_names));
		else
			snprintf(nm, sizeof(nm), "%s %s",
			    rnd(&g->seed) & 1 ? "mister" : "miss",
			    PICK(&g->seed, last_names));
		emit(g, PICK(&g->seed, f), nm);
	}
	for (k = 0; k < nextra; k++) {
		emit(g, "my name is %s", extra[k]);
		emit(g, "this is %s", extra[k]);
		emit(g, "%s", extra[k]);
		emit(g, "i have a %s", extra[k]);
		emit(g, "it's a %s", extra[k]);
	}
	emit(g, "hi %s", b->persona);
	emit(g, "thanks %s", b->persona);
	emit(g, "is this %s", b->name);
	emit(g, "hi is this %s", b->name);
	emit(g, "i'm calling %s", b->name);
}

static void
vehicles(struct gen *g)
{
	static const char *const f[] = {"it's a %s", "i have a %s", "a %s",
	    "my %s", "it's my %s", "the %s", "%s"};
	char y[48], v[160];
	int i;

	for (i = 0; i < 300; i++) {
		const char *mk = PICK(&g->seed, makes);
		switch (rnd(&g->seed) % 3) {
		case 0:
			snprintf(v, sizeof(v), "%s", mk);
			break;
		case 1:
			snprintf(
			    v, sizeof(v), "%s %s", mk, PICK(&g->seed, models));
			break;
		default:
			snprintf(v, sizeof(v), "%s %s %s",
			    stt_num_words(
			        2005 + (int)(rnd(&g->seed) % 21), y, sizeof(y)),
			    mk, PICK(&g->seed, models));
			break;
		}
		emit(g, PICK(&g->seed, f), v);
	}
}

/* Confirmation codes (crm-tools' alphabet) read back letter by letter,
 * always after "code is", so the letters do not leak into other
 * sentences: a few, since every one shifts other words a little (with
 * 120 and the radio alphabet "off" came out as "golf"). */
static void
codes(struct gen *g)
{
	static const char alpha[] = "acdefghjkmnpqrtuvwxyz234679";
	static const char *const f[] = {"my confirmation code is %s",
	    "the code is %s", "the confirmation code is %s", "my code is %s"};
	char code[160], w[16];
	size_t n;
	int i, k, c;

	for (i = 0; i < 30; i++) {
		for (k = 0, n = 0; k < 5; k++) {
			c = alpha[rnd(&g->seed) % (sizeof(alpha) - 1)];
			if (c >= '0' && c <= '9')
				stt_num_words(c - '0', w, sizeof(w));
			else
				snprintf(w, sizeof(w), "%c", c);
			n += (size_t)snprintf(code + n, sizeof(code) - n,
			    "%s%s", k ? " " : "", w);
		}
		emit(g, PICK(&g->seed, f), code);
	}
}

static void
hours_prices(struct gen *g, const struct fd_business *b)
{
	int i;

	for (i = 0; i < 7; i++) {
		emit(g, "are you open on %s", days[i]);
		emit(g, "what are your hours on %s", days[i]);
		emit(g, "are you open %s", days[i]);
	}
	for (i = 0; i < b->nservices; i++) {
		emit(g, "how much does %s %s cost",
		    article(b->services[i].name), b->services[i].name);
		emit(g, "how much is %s %s", article(b->services[i].name),
		    b->services[i].name);
		emit(g, "what's the price for %s %s",
		    article(b->services[i].name), b->services[i].name);
		emit(g, "how long does %s %s take",
		    article(b->services[i].name), b->services[i].name);
	}
}

int
domain_corpus(const struct fd_business *b, const char *const *extra,
    size_t nextra, corpus_sink sink, void *arg)
{
	struct gen g = {2463534242u, sink, arg, 0};
	size_t i;
	int k;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < sizeof(yesno) / sizeof(yesno[0]); i++)
			emit(&g, "%s", yesno[i]);
		for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
			emit(&g, "%s", requests[i]);
	}
	services(&g, b);
	dates_times(&g);
	digits(&g);
	names(&g, b, extra, nextra);
	if (b->has_vehicles)
		vehicles(&g);
	hours_prices(&g, b);
	codes(&g);
	return g.rv;
}

char **
stt_word_list_read(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[256], **list = NULL, **nl;
	size_t cnt = 0, cap = 0;

	*n = 0;
	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *e;
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (cnt + 2 > cap) {
			cap = cap ? cap * 2 : 64;
			if ((nl = realloc(list, cap * sizeof(*nl))) == NULL)
				break;
			list = nl;
		}
		if ((list[cnt] = strdup(s)) == NULL)
			break;
		list[++cnt] = NULL;
	}
	fclose(f);
	if (list == NULL && (list = calloc(1, sizeof(*list))) == NULL)
		return NULL;
	*n = cnt;
	return list;
}

void
stt_word_list_free(char **list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; list[i]; i++)
		free(list[i]);
	free(list);
}
