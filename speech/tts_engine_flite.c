/*
 * tts_engine_flite.c - the local speech engine: CMU flite 2.2 with the
 * US English voices slt, kal, awb and rms.  Audio is taken from flite's
 * streaming callback ("streaming_info" on the utterance), so the first
 * samples of a sentence leave while the rest is still being vocoded and a
 * cancel from the caller's callback stops flite mid-sentence.  Output is
 * brought to 8 kHz by tts_resample.c (slt/awb/rms speak at 16 kHz, kal
 * at 8 kHz).  Voices are loaded once per process and never unloaded:
 * flite's voice registration is not thread-safe, synthesis on loaded
 * voices is (see tts_engine_test.c; tts.flite_serialise = true puts a
 * lock around synthesis anyway).  Used by tts-worker and by callsim.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <flite/flite.h>

#include "speech/tts_engine.h"
#include "speech/tts_resample.h"

#define OUT_RATE 8000
#define CHUNK_IN 1024 /* engine samples resampled per callback call */

/* flite's voices and language modules declare no headers of their own */
cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_kal(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);
void usenglish_init(cst_voice *v);
cst_lexicon *cmulex_init(void);

static struct flite_voice {
	const char *name;
	cst_voice *(*reg)(const char *voxdir);
	cst_voice *v;
} voices[] = {
    {"slt", register_cmu_us_slt, NULL},
    {"kal", register_cmu_us_kal, NULL},
    {"awb", register_cmu_us_awb, NULL},
    {"rms", register_cmu_us_rms, NULL},
};
#define NVOICES (sizeof(voices) / sizeof(voices[0]))

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;

struct flite_eng {
	struct flite_voice *def; /* tts.voice */
	float stretch; /* duration_stretch: >1 is slower */
	int serialise; /* one synthesis at a time */
	pthread_mutex_t lock;
};

/* One synthesis in progress. */
struct flite_run {
	tts_pcm_cb cb;
	void *arg;
	struct tts_resampler rs;
	int rs_ready;
	int cancelled; /* cb returned nonzero */
	int error; /* unsupported sample rate */
	int flushed; /* resampler tail delivered */
	int chunks; /* streaming callbacks seen */
	int16_t out[CHUNK_IN + TTS_RS_MAX_TAPS];
};

static void load_voices(void);
static struct flite_voice *voice_find(const char *name);
static int on_chunk(const cst_wave *w, int start, int size, int last,
    cst_audio_streaming_info *asi);
static int feed(struct flite_run *r, const short *pcm, int n, int rate);
static void finish(struct flite_run *r);

static int
flite_init_eng(const config_t *cfg, void **engp, char *err, size_t errlen)
{
	struct flite_eng *e;
	const char *voice = "slt";
	double rate = 1.0, stretch = 0;
	int serialise = 0;

	if (cfg) {
		config_lookup_string(cfg, "tts.voice", &voice);
		if (!config_lookup_float(cfg, "tts.rate", &rate)) {
			int ir;
			if (config_lookup_int(cfg, "tts.rate", &ir))
				rate = ir;
		}
		config_lookup_float(cfg, "tts.duration_stretch", &stretch);
		config_lookup_bool(cfg, "tts.flite_serialise", &serialise);
	}
	if (rate < 0.5 || rate > 2.0) {
		snprintf(
		    err, errlen, "tts.rate %.2f out of range 0.5..2.0", rate);
		return -1;
	}
	if (stretch == 0)
		stretch = 1.0 / rate;
	if (stretch < 0.5 || stretch > 2.0) {
		snprintf(err, errlen,
		    "tts.duration_stretch %.2f out of range "
		    "0.5..2.0",
		    stretch);
		return -1;
	}
	pthread_once(&load_once, load_voices);
	if (!loaded) {
		snprintf(err, errlen, "flite: voices failed to load");
		return -1;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((e->def = voice_find(voice)) == NULL) {
		snprintf(err, errlen,
		    "tts.voice: unknown flite voice '%s' "
		    "(slt, kal, awb, rms)",
		    voice);
		free(e);
		return -1;
	}
	e->stretch = (float)stretch;
	e->serialise = serialise;
	pthread_mutex_init(&e->lock, NULL);
	*engp = e;
	return 0;
}

static void
flite_fini(void *eng)
{
	struct flite_eng *e = eng;

	if (e == NULL)
		return;
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static int
flite_synth(void *eng, const char *voice, const char *text, tts_pcm_cb cb,
    void *arg, char *err, size_t errlen)
{
	struct flite_eng *e = eng;
	struct flite_voice *fv;
	struct flite_run *r;
	cst_audio_streaming_info *asi;
	cst_utterance *u;
	const cst_wave *w;
	int rc = 0;

	fv = voice && voice[0] ? voice_find(voice) : e->def;
	if (fv == NULL) {
		snprintf(err, errlen, "unknown flite voice '%s'", voice);
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->cb = cb;
	r->arg = arg;
	if (e->serialise)
		pthread_mutex_lock(&e->lock);
	u = new_utterance();
	utt_set_input_text(u, text);
	utt_init(u, fv->v);
	/* The utterance owns asi once it is a feature value. */
	asi = new_audio_streaming_info();
	asi->asc = on_chunk;
	asi->userdata = r;
	feat_set(u->features, "streaming_info", audio_streaming_info_val(asi));
	feat_set_float(u->features, "duration_stretch", e->stretch);
	if (utt_synth(u) == NULL) {
		snprintf(err, errlen, "flite could not synthesise the text");
		rc = -1;
	} else if (r->chunks == 0 && !r->cancelled &&
	    (w = utt_wave(u)) != NULL && w->num_samples > 0) {
		/* a voice that does not stream: hand over the whole wave */
		feed(r, w->samples, w->num_samples, w->sample_rate);
	}
	delete_utterance(u);
	if (e->serialise)
		pthread_mutex_unlock(&e->lock);
	if (rc == 0 && !r->cancelled && !r->error)
		finish(r);
	if (rc == 0 && r->error) {
		snprintf(err, errlen, "flite voice %s: unsupported sample rate",
		    fv->name);
		rc = -1;
	}
	if (rc == 0 && r->cancelled)
		rc = 1;
	free(r);
	return rc;
}

/* An ops table reads best packed, a few members a line. */
/* clang-format off */
const struct tts_engine_ops tts_engine_flite = {
	.name = "flite", .init = flite_init_eng, .fini = flite_fini,
	.synth = flite_synth,
};
/* clang-format on */

static void
load_voices(void)
{
	size_t i;

	flite_init();
	flite_add_lang("eng", usenglish_init, cmulex_init);
	flite_add_lang("usenglish", usenglish_init, cmulex_init);
	for (i = 0; i < NVOICES; i++)
		if ((voices[i].v = voices[i].reg(NULL)) == NULL)
			return;
	loaded = 1;
}

static struct flite_voice *
voice_find(const char *name)
{
	size_t i;

	if (strncasecmp(name, "cmu_us_", 7) == 0)
		name += 7;
	for (i = 0; i < NVOICES; i++)
		if (strcasecmp(voices[i].name, name) == 0)
			return &voices[i];
	return NULL;
}

static int
on_chunk(const cst_wave *w, int start, int size, int last,
    cst_audio_streaming_info *asi)
{
	struct flite_run *r = asi->userdata;

	r->chunks++;
	if (r->cancelled || r->error)
		return CST_AUDIO_STREAM_STOP;
	if (size > 0 && feed(r, w->samples + start, size, w->sample_rate) != 0)
		return CST_AUDIO_STREAM_STOP;
	if (last)
		finish(r);
	return r->cancelled || r->error ? CST_AUDIO_STREAM_STOP
	                                : CST_AUDIO_STREAM_CONT;
}

/* Resample engine PCM to 8 kHz and hand it on; nonzero to stop. */
static int
feed(struct flite_run *r, const short *pcm, int n, int rate)
{
	size_t take, nout;

	if (!r->rs_ready) {
		if (tts_resampler_init(&r->rs, rate, OUT_RATE) != 0) {
			r->error = 1;
			return -1;
		}
		r->rs_ready = 1;
	}
	while (n > 0) {
		take = n < CHUNK_IN ? (size_t)n : CHUNK_IN;
		nout = tts_resample(&r->rs, pcm, take, r->out);
		pcm += take;
		n -= (int)take;
		if (nout > 0 && r->cb(r->arg, r->out, nout) != 0) {
			r->cancelled = 1;
			return -1;
		}
	}
	return 0;
}

static void
finish(struct flite_run *r)
{
	size_t nout;

	if (r->flushed || !r->rs_ready)
		return;
	r->flushed = 1;
	nout = tts_resample_flush(&r->rs, r->out);
	if (nout > 0 && r->cb(r->arg, r->out, nout) != 0)
		r->cancelled = 1;
}
