/*
 * bench_corpus.c - in-domain utterances and scoring (see bench_corpus.h).
 * Written by hand as callers talk, independently of the generated domain
 * corpus, so the bench measures generalisation rather than recall.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_corpus.h"

#define S(svc, date, tm, dg, nm)                                               \
	{                                                                      \
		svc, date, tm, dg, nm                                          \
	}

const char *const bench_slot_names[SLOT_MAX] = {
    "service", "date", "time", "digits", "name"};

const struct bench_utt bench_utts[] = {
    {"book an oil change next tuesday at ten",
        S("oil change", "next tuesday", "ten", NULL, NULL)},
    {"my phone number is five five five one two three four",
        S(NULL, NULL, NULL, "five five five one two three four", NULL)},
    {"yes that's right", S(NULL, NULL, NULL, NULL, NULL)},
    {"i want to cancel my appointment", S(NULL, NULL, NULL, NULL, NULL)},
    {"i need to reschedule my appointment to friday",
        S(NULL, "friday", NULL, NULL, NULL)},
    {"can i get a tire rotation on wednesday morning",
        S("tire rotation", "wednesday", NULL, NULL, NULL)},
    {"do you have anything on the twenty sixth",
        S(NULL, "twenty sixth", NULL, NULL, NULL)},
    {"three p m works for me", S(NULL, NULL, "three p m", NULL, NULL)},
    {"my name is john smith", S(NULL, NULL, NULL, NULL, "john smith")},
    {"where is my car", S(NULL, NULL, NULL, NULL, NULL)},
    {"is my car ready yet", S(NULL, NULL, NULL, NULL, NULL)},
    {"i'd like to leave a message", S(NULL, NULL, NULL, NULL, NULL)},
    {"can i speak to a person", S(NULL, NULL, NULL, NULL, NULL)},
    {"what are your hours on saturday", S(NULL, "saturday", NULL, NULL, NULL)},
    {"how much is a brake inspection",
        S("brake inspection", NULL, NULL, NULL, NULL)},
    {"my number is two zero one four four eight nine",
        S(NULL, NULL, NULL, "two zero one four four eight nine", NULL)},
    {"no that's not right", S(NULL, NULL, NULL, NULL, NULL)},
    {"i need a state inspection tomorrow afternoon",
        S("state inspection", "tomorrow", NULL, NULL, NULL)},
    {"ten thirty would be great", S(NULL, NULL, "ten thirty", NULL, NULL)},
    {"it's a twenty eighteen honda civic", S(NULL, NULL, NULL, NULL, NULL)},
    {"my check engine light is on", S(NULL, NULL, NULL, NULL, NULL)},
    {"can i come in monday at nine fifteen",
        S(NULL, "monday", "nine fifteen", NULL, NULL)},
    {"this is sarah johnson", S(NULL, NULL, NULL, NULL, "sarah johnson")},
    {"i want to book a battery replacement",
        S("battery replacement", NULL, NULL, NULL, NULL)},
    {"november third at two o'clock",
        S(NULL, "november third", "two o'clock", NULL, NULL)},
    {"yes please", S(NULL, NULL, NULL, NULL, NULL)},
    {"what time do you close today", S(NULL, "today", NULL, NULL, NULL)},
    {"the last four digits are six seven eight nine",
        S(NULL, NULL, NULL, "six seven eight nine", NULL)},
    {"i dropped my car off this morning for a diagnostic",
        S("diagnostic", NULL, NULL, NULL, NULL)},
    {"thank you goodbye", S(NULL, NULL, NULL, NULL, NULL)},
};
const size_t bench_nutts = sizeof(bench_utts) / sizeof(bench_utts[0]);

#define MAXW 128

static size_t
split(const char *s, char w[MAXW][32])
{
	size_t n = 0, len;

	while (*s && n < MAXW) {
		while (*s && !(isalnum((unsigned char)*s) || *s == '\''))
			s++;
		if (*s == '\0')
			break;
		for (len = 0; *s && (isalnum((unsigned char)*s) || *s == '\'');
		     s++)
			if (len + 1 < 32)
				w[n][len++] = (char)tolower((unsigned char)*s);
		w[n++][len] = '\0';
	}
	return n;
}

size_t
wer_errors(const char *ref, const char *hyp, size_t *nref)
{
	static char r[MAXW][32], h[MAXW][32];
	size_t nr = split(ref, r), nh = split(hyp, h), i, j;
	size_t d[MAXW + 1][MAXW + 1];

	for (i = 0; i <= nr; i++)
		d[i][0] = i;
	for (j = 0; j <= nh; j++)
		d[0][j] = j;
	for (i = 1; i <= nr; i++)
		for (j = 1; j <= nh; j++) {
			size_t sub =
			    d[i - 1][j - 1] + (strcmp(r[i - 1], h[j - 1]) != 0);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins)
			                    : (del < ins ? del : ins);
		}
	*nref = nr;
	return d[nr][nh];
}

int
slot_found(const char *hyp, const char *slot)
{
	static char h[MAXW][32], s[MAXW][32];
	size_t nh = split(hyp, h), ns = split(slot, s), i, j;

	for (i = 0; i + ns <= nh; i++) {
		for (j = 0; j < ns && strcmp(h[i + j], s[j]) == 0; j++)
			;
		if (j == ns)
			return 1;
	}
	return 0;
}
