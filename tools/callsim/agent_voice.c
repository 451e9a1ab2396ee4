/*
 * agent_voice.c - a reply spoken the way the tts-worker speaks it (see
 * agent_voice.h).  The steps are the tts-worker's own code (the text
 * side through agent_lines_spoken); only the publishing is replaced by
 * appending frames to a buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_lines.h"
#include "agent_voice.h"
#include "speech/tts_engine.h"
#include "speech/tts_pipe.h"

static void *eng;

static int grow(void **p, size_t *cap, size_t need, size_t size);
static int on_frame(void *arg, const uint8_t *ulaw, size_t n);
static int on_pcm(void *arg, const int16_t *pcm, size_t n);
static int add_spoken(struct agent_audio *a, const char *s);

int
agent_voice_init(const config_t *cfg, char *err, size_t errlen)
{
	return tts_engine_flite.init(cfg, &eng, err, errlen);
}

void
agent_voice_fini(void)
{
	if (eng)
		tts_engine_flite.fini(eng);
	eng = NULL;
}

struct say_run {
	struct agent_audio *a;
	char *err;
	size_t errlen;
	int failed;
};

static void
speak_segment(void *arg, const char *speak)
{
	struct say_run *s = arg;
	struct agent_audio *a = s->a;
	struct tts_pipe pipe;

	if (s->failed)
		return;
	tts_pipe_init(&pipe, on_frame, a);
	if (tts_engine_flite.synth(
	        eng, NULL, speak, on_pcm, &pipe, s->err, s->errlen) != 0) {
		s->failed = 1;
		return;
	}
	tts_pipe_finish(&pipe);
	if (grow((void **)&a->marks, &a->mcap, a->nmarks + 1,
	        sizeof(*a->marks)) != 0 ||
	    add_spoken(a, speak) != 0) {
		snprintf(s->err, s->errlen, "out of memory");
		s->failed = 1;
		return;
	}
	a->marks[a->nmarks++] = a->n;
}

int
agent_voice_say(
    const char *text, struct agent_audio *a, char *err, size_t errlen)
{
	struct say_run s = {a, err, errlen, 0};

	if (agent_lines_spoken(text, 1, speak_segment, &s) != 0 && !s.failed) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return s.failed ? -1 : 0;
}

int
agent_audio_cut(struct agent_audio *a)
{
	if (grow((void **)&a->marks, &a->mcap, a->nmarks + 1,
	        sizeof(*a->marks)) != 0)
		return -1;
	a->marks[a->nmarks++] = a->n;
	return 0;
}

void
agent_audio_free(struct agent_audio *a)
{
	free(a->ulaw);
	free(a->marks);
	free(a->spoken);
	memset(a, 0, sizeof(*a));
}

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 64;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if ((np = realloc(*p, ncap * size)) == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

static int
add_spoken(struct agent_audio *a, const char *s)
{
	size_t old = a->spoken ? strlen(a->spoken) : 0;
	char *ns;

	if ((ns = realloc(a->spoken, old + strlen(s) + 2)) == NULL)
		return -1;
	a->spoken = ns;
	snprintf(ns + old, strlen(s) + 2, "%s%s", old ? " " : "", s);
	return 0;
}

static int
on_frame(void *arg, const uint8_t *ulaw, size_t n)
{
	struct agent_audio *a = arg;

	if (grow((void **)&a->ulaw, &a->cap, a->n + n, 1) != 0)
		return 1;
	memcpy(a->ulaw + a->n, ulaw, n);
	a->n += n;
	return 0;
}

static int
on_pcm(void *arg, const int16_t *pcm, size_t n)
{
	return tts_pipe_push(arg, pcm, n);
}
