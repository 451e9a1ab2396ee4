/*
 * voice.c - caller speech (tts-worker's flite engine) and hearing
 * (ear.c: the local engine's model, each TTS segment heard alone from
 * the model's own cepstral mean, so what is heard does not depend on
 * earlier calls), shared by all calls in the process.  The
 * engines are used under a lock: synthesis happens before a call is
 * dialled and decoding after it ends, so no call's 20 ms clock waits here.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mulaw.h"
#include "ear.h"
#include "speech/tts_engine.h"
#include "scenario.h"
#include "voice.h"

struct pcmbuf {
	int16_t *s;
	size_t n, cap;
};

static pthread_mutex_t tts_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stt_lock = PTHREAD_MUTEX_INITIALIZER;
static void *tts_eng;
static struct ear *decoder;
static char *corpus_path;
static int decoder_failed;

static int collect(void *arg, const int16_t *pcm, size_t n);

int
voice_init(const char *corpus, char *err, size_t errlen)
{
	if (tts_engine_flite.init(NULL, &tts_eng, err, errlen) != 0)
		return -1;
	if (corpus && (corpus_path = strdup(corpus)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void
voice_fini(void)
{
	if (tts_eng)
		tts_engine_flite.fini(tts_eng);
	tts_eng = NULL;
	if (decoder)
		ear_close(decoder);
	decoder = NULL;
	free(corpus_path);
	corpus_path = NULL;
}

int
voice_say(const char *voice, const char *text, uint8_t **out, size_t *n,
    char *err, size_t errlen)
{
	struct pcmbuf b = {NULL, 0, 0};
	size_t frames, i;
	uint8_t *u;
	int r;

	pthread_mutex_lock(&tts_lock);
	r = tts_engine_flite.synth(
	    tts_eng, voice, text, collect, &b, err, errlen);
	pthread_mutex_unlock(&tts_lock);
	if (r != 0 || b.n == 0) {
		if (r == 0)
			snprintf(err, errlen, "no audio for \"%s\"", text);
		free(b.s);
		return -1;
	}
	frames = (b.n + FD_FRAME_SAMPLES - 1) / FD_FRAME_SAMPLES;
	if ((u = malloc(frames * FD_FRAME_SAMPLES)) == NULL) {
		free(b.s);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fd_ulaw_encode_buf(b.s, u, b.n);
	for (i = b.n; i < frames * FD_FRAME_SAMPLES; i++)
		u[i] = FD_ULAW_SILENCE;
	free(b.s);
	*out = u;
	*n = frames * FD_FRAME_SAMPLES;
	return 0;
}

int
voice_hear(const int16_t *pcm, size_t n, const size_t *cuts, size_t ncuts,
    char *text, size_t len)
{
	char err[256];
	int r = -1;

	text[0] = '\0';
	if (n == 0 || len == 0)
		return 0;
	pthread_mutex_lock(&stt_lock);
	if (decoder == NULL && !decoder_failed) {
		if ((decoder = ear_open(corpus_path, EAR_CMN_RESET, 150, err,
		         sizeof(err))) == NULL) {
			log_err(NULL, "hearing disabled: %s", err);
			decoder_failed = 1;
		}
	}
	if (decoder)
		r = ear_hear(decoder, pcm, n, cuts, ncuts, text, len);
	pthread_mutex_unlock(&stt_lock);
	return r;
}

int
voice_frame_voiced(const uint8_t *ulaw, size_t n)
{
	long sum = 0;
	size_t i;
	int v;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		v = fd_ulaw_decode(ulaw[i]);
		sum += v < 0 ? -v : v;
	}
	/* mean level above ~-50 dBFS: line noise and dither stay below */
	return sum / (long)n > 100;
}

static int
collect(void *arg, const int16_t *pcm, size_t n)
{
	struct pcmbuf *b = arg;
	int16_t *ns;
	size_t ncap;

	if (b->n + n > b->cap) {
		ncap = (b->n + n) * 2;
		if ((ns = realloc(b->s, ncap * sizeof(*ns))) == NULL)
			return 1;
		b->s = ns;
		b->cap = ncap;
	}
	memcpy(b->s + b->n, pcm, n * sizeof(*pcm));
	b->n += n;
	return 0;
}

int
voice_line(const struct line_cond *l, unsigned seed, uint8_t **u, size_t *n)
{
	size_t i, m, frames, lost0;
	double g, sig = 0, rms, sd, pos, f, u1, u2, x;
	long nvoiced = 0;
	int16_t *in, *out;
	uint8_t *enc;

	if (l->snr_db == 0 && l->loss_every == 0 && l->gain_db == 0 &&
	    l->speed == 1.0)
		return 0;
	if ((in = malloc(*n * sizeof(*in))) == NULL)
		return -1;
	for (i = 0; i < *n; i++)
		in[i] = fd_ulaw_decode((*u)[i]);
	m = l->speed > 0 ? (size_t)((double)*n / l->speed) : *n;
	frames = (m + FD_FRAME_SAMPLES - 1) / FD_FRAME_SAMPLES;
	if ((out = calloc(frames * FD_FRAME_SAMPLES, sizeof(*out))) == NULL ||
	    (enc = malloc(frames * FD_FRAME_SAMPLES)) == NULL) {
		free(in);
		free(out);
		return -1;
	}
	g = pow(10.0, l->gain_db / 20.0);
	for (i = 0; i < m; i++) { /* rate by linear interpolation */
		pos = (double)i * l->speed;
		f = pos - floor(pos);
		x = (size_t)pos + 1 < *n
		    ? in[(size_t)pos] * (1 - f) + in[(size_t)pos + 1] * f
		    : in[*n - 1];
		x *= g;
		out[i] = (int16_t)(x > 32767 ? 32767 : x < -32768 ? -32768 : x);
		if (abs(out[i]) > 300) {
			sig += (double)out[i] * out[i];
			nvoiced++;
		}
	}
	free(in);
	if (l->snr_db > 0 && nvoiced > 0) {
		rms = sqrt(sig / (double)nvoiced);
		sd = rms / pow(10.0, l->snr_db / 20.0);
		for (i = 0; i < frames * FD_FRAME_SAMPLES; i++) {
			u1 = (rand_r(&seed) + 1.0) / ((double)RAND_MAX + 2.0);
			u2 = (rand_r(&seed) + 1.0) / ((double)RAND_MAX + 2.0);
			x = out[i] +
			    sd * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
			out[i] = (int16_t)(x > 32767 ? 32767
			        : x < -32768         ? -32768
			                             : x);
		}
	}
	fd_ulaw_encode_buf(out, enc, frames * FD_FRAME_SAMPLES);
	if (l->loss_every > 0) {
		lost0 = (size_t)rand_r(&seed) % (size_t)l->loss_every;
		for (i = lost0; i < frames; i += (size_t)l->loss_every)
			memset(enc + i * FD_FRAME_SAMPLES, FD_ULAW_SILENCE,
			    FD_FRAME_SAMPLES);
	}
	free(out);
	free(*u);
	*u = enc;
	*n = frames * FD_FRAME_SAMPLES;
	return 0;
}
