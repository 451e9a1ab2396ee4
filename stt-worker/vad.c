/*
 * vad.c - energy VAD and endpointer (see vad.h).  Pure state machine fed
 * by the pocketsphinx engine on stt-worker's bus thread.
 *
 * Start needs start_frames consecutive frames over the start level (the
 * larger of start_db and noise floor + snr_db); once talking, anything over
 * stop_db keeps the utterance voiced (hysteresis).  After a pause, speech
 * must clear the start level again to resume, so a click does not reset
 * the endpoint timer.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vad.h"

void
vad_defaults(struct vad_cfg *c)
{
	c->start_db = -40;
	c->stop_db = -47;
	c->snr_db = 10;
	c->start_frames = 2;
	c->min_speech_ms = 120;
	c->stopped_ms = 200;
	c->endpoint_ms = 400;
	c->long_endpoint_ms = 1000;
	c->short_endpoint_ms = 180;
	c->preroll_ms = 200;
	c->max_utt_ms = 15000;
}

void
vad_init(struct vad *v, const struct vad_cfg *c)
{
	memset(v, 0, sizeof(*v));
	v->cfg = *c;
	if (v->cfg.start_frames < 1)
		v->cfg.start_frames = 1;
	if (v->cfg.preroll_ms / VAD_FRAME_MS + v->cfg.start_frames >
	    VAD_MAX_PREROLL)
		v->cfg.preroll_ms =
		    (VAD_MAX_PREROLL - v->cfg.start_frames) * VAD_FRAME_MS;
	v->floor_db = -90;
}

double
vad_frame_db(const int16_t *pcm, size_t n)
{
	double e = 0;
	size_t i;

	for (i = 0; i < n; i++)
		e += (double)pcm[i] * pcm[i];
	if (n == 0 || e <= 0)
		return -100;
	e = 10 * log10(e / n / (32768.0 * 32768.0));
	return e < -100 ? -100 : e;
}

static double
start_level(const struct vad *v)
{
	double l = v->floor_db + v->cfg.snr_db;

	return v->cfg.snr_db > 0 && l > v->cfg.start_db ? l : v->cfg.start_db;
}

static double
stop_level(const struct vad *v)
{
	double l = v->floor_db + v->cfg.snr_db / 2;

	return v->cfg.snr_db > 0 && l > v->cfg.stop_db ? l : v->cfg.stop_db;
}

/* The floor follows quiet frames down quickly and up slowly. */
static void
track_floor(struct vad *v, double db)
{
	if (db < v->floor_db)
		v->floor_db = 0.5 * v->floor_db + 0.5 * db;
	else
		v->floor_db += 0.02 * (db - v->floor_db);
}

static enum vad_event
finish(struct vad *v)
{
	v->in_utt = v->talking = 0;
	v->loud_run = v->silence_run = 0;
	return v->voiced * VAD_FRAME_MS >= v->cfg.min_speech_ms ? VAD_END
	                                                        : VAD_DISCARD;
}

enum vad_event
vad_frame(struct vad *v, const int16_t *pcm, size_t n, uint64_t arrival_us)
{
	double db = vad_frame_db(pcm, n);
	int16_t *slot = v->ring[v->ring_n % VAD_MAX_PREROLL];
	int endpoint;

	memset(slot, 0, sizeof(v->ring[0]));
	memcpy(slot, pcm, (n > VAD_FRAME ? VAD_FRAME : n) * sizeof(*pcm));
	v->ring_n++;
	v->level_db = db;
	v->frame++;

	if (!v->in_utt) {
		if (db >= start_level(v)) {
			if (++v->loud_run >= v->cfg.start_frames) {
				v->in_utt = v->talking = 1;
				v->onset = v->frame - (uint32_t)v->loud_run;
				v->voiced = v->loud_run;
				v->last_voiced = v->frame - 1;
				v->last_voiced_us = arrival_us;
				v->silence_run = v->loud_run = 0;
				return VAD_START;
			}
		} else {
			v->loud_run = 0;
			track_floor(v, db);
		}
		return VAD_NONE;
	}

	if (v->talking ? db >= stop_level(v) : db >= start_level(v)) {
		if (v->talking || ++v->loud_run >= v->cfg.start_frames) {
			enum vad_event ev = v->talking ? VAD_NONE : VAD_RESUME;
			v->voiced += v->talking ? 1 : v->loud_run;
			v->talking = 1;
			v->loud_run = v->silence_run = 0;
			v->last_voiced = v->frame - 1;
			v->last_voiced_us = arrival_us;
			return ev;
		}
	} else {
		v->loud_run = 0;
	}
	v->silence_run++;
	if ((v->frame - v->onset) * VAD_FRAME_MS >= (uint32_t)v->cfg.max_utt_ms)
		return finish(v);
	endpoint = vad_endpoint_ms(v);
	if (v->silence_run * VAD_FRAME_MS >= endpoint)
		return finish(v);
	if (v->talking && v->silence_run * VAD_FRAME_MS >= v->cfg.stopped_ms) {
		v->talking = 0;
		return VAD_STOPPED;
	}
	return VAD_NONE;
}

int
vad_endpoint_ms(const struct vad *v)
{
	if (v->long_pause)
		return v->cfg.long_endpoint_ms;
	return v->short_pause ? v->cfg.short_endpoint_ms : v->cfg.endpoint_ms;
}

enum vad_event
vad_force_end(struct vad *v)
{
	if (!v->in_utt)
		return VAD_NONE;
	return finish(v);
}

size_t
vad_preroll(const struct vad *v, int16_t *out, size_t cap)
{
	uint32_t want = (uint32_t)(v->cfg.preroll_ms / VAD_FRAME_MS) +
	    (v->frame - v->onset),
	         first, i;
	size_t n = 0;

	if (want > v->ring_n)
		want = v->ring_n;
	if (want > VAD_MAX_PREROLL)
		want = VAD_MAX_PREROLL;
	first = v->ring_n - want;
	for (i = first; i < v->ring_n && n + VAD_FRAME <= cap; i++) {
		memcpy(
		    out + n, v->ring[i % VAD_MAX_PREROLL], sizeof(v->ring[0]));
		n += VAD_FRAME;
	}
	return n;
}

uint32_t
vad_onset_ms(const struct vad *v)
{
	return v->onset * VAD_FRAME_MS;
}

uint32_t
vad_speech_end_ms(const struct vad *v)
{
	return (v->last_voiced + 1) * VAD_FRAME_MS;
}

int
vad_ends_mid_answer(const char *text)
{
	static const char *const tail[] = {"zero", "oh", "one", "two", "three",
	    "four", "five", "six", "seven", "eight", "nine", "double", "triple",
	    "and", "uh", "um", "hmm", "ah", "er", "the", "a", "an", "my", "at",
	    "on", "to", "of", "next", "this", "it's", "i'm"};
	const char *last = strrchr(text, ' ');
	size_t i;

	last = last ? last + 1 : text;
	for (i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		if (strcmp(last, tail[i]) == 0)
			return 1;
	return 0;
}

enum vad_expect
vad_expect_parse(const char *s)
{
	if (s == NULL)
		return VAD_EXPECT_ANY;
	if (strcmp(s, "date") == 0)
		return VAD_EXPECT_DATE;
	if (strcmp(s, "name") == 0)
		return VAD_EXPECT_NAME;
	if (strcmp(s, "digits") == 0)
		return VAD_EXPECT_DIGITS;
	if (strcmp(s, "yesno") == 0)
		return VAD_EXPECT_YESNO;
	if (strcmp(s, "spell") == 0)
		return VAD_EXPECT_SPELL;
	if (strcmp(s, "time") == 0)
		return VAD_EXPECT_TIME;
	if (strcmp(s, "service") == 0)
		return VAD_EXPECT_SERVICE;
	return VAD_EXPECT_ANY;
}

const char *
vad_expect_name(enum vad_expect e)
{
	switch (e) {
	case VAD_EXPECT_DATE:
		return "date";
	case VAD_EXPECT_NAME:
		return "name";
	case VAD_EXPECT_DIGITS:
		return "digits";
	case VAD_EXPECT_YESNO:
		return "yesno";
	case VAD_EXPECT_SPELL:
		return "spell";
	default:
		return "any";
	}
}

/* How many of the words of text are in list (n entries); for digits,
 * "double five" counts two and "triple" three. */
static int
count_words(const char *text, const char *const *list, size_t n, int digits)
{
	char w[32];
	const char *p = text;
	int count = 0, times = 1;
	size_t i, len;

	while (*p) {
		while (*p == ' ')
			p++;
		for (len = 0; p[len] && p[len] != ' '; len++)
			;
		if (len == 0)
			break;
		snprintf(w, sizeof(w), "%.*s",
		    (int)(len < sizeof(w) ? len : sizeof(w) - 1), p);
		p += len;
		if (digits && strcmp(w, "double") == 0) {
			times = 2;
			continue;
		}
		if (digits && strcmp(w, "triple") == 0) {
			times = 3;
			continue;
		}
		for (i = 0; i < n; i++)
			if (strcmp(w, list[i]) == 0) {
				count += times;
				break;
			}
		times = 1;
	}
	return count;
}

int
vad_answer_incomplete(enum vad_expect e, const char *text)
{
	static const char *const dates[] = {"monday", "tuesday", "wednesday",
	    "thursday", "friday", "saturday", "sunday", "today", "tomorrow",
	    "tonight", "weekend", "week", "january", "february", "march",
	    "april", "may", "june", "july", "august", "september", "october",
	    "november", "december", "first", "second", "third", "fourth",
	    "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
	    "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
	    "seventeenth", "eighteenth", "nineteenth", "twentieth", "thirtieth",
	    "morning", "afternoon", "evening", "asap", "soon", "no", "yes",
	    "anytime", "whenever", "soonest", "earliest", "available"};
	static const char *const digits[] = {"zero", "oh", "one", "two",
	    "three", "four", "five", "six", "seven", "eight", "nine"};
	const char *last;

	switch (e) {
	case VAD_EXPECT_DATE:
		return count_words(text, dates,
		           sizeof(dates) / sizeof(dates[0]), 0) == 0;
	case VAD_EXPECT_NAME:
		/* "john smith" is whole; "john" or "s m i" may go on */
		last = strrchr(text, ' ');
		last = last ? last + 1 : text;
		return strchr(text, ' ') == NULL || strlen(last) == 1;
	case VAD_EXPECT_DIGITS:
		return count_words(text, digits,
		           sizeof(digits) / sizeof(digits[0]), 1) < 10;
	case VAD_EXPECT_SPELL:
		/* letters come with pauses between them: a short run may
		 * go on */
		return strchr(text, ' ') == NULL ||
		    strchr(strchr(text, ' ') + 1, ' ') == NULL;
	default:
		return 0;
	}
}
