/*
 * standin_tts.c - TEMPORARY stand-in for tts-worker/tts_engine_flite.c
 * until that builds: flite straight to 8 kHz PCM.  Delete when linked
 * against the real engine.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <flite/flite.h>

#include "tts-worker/tts_engine.h"

cst_voice *register_cmu_us_kal(const char *voxdir);
cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);

struct vx {
	cst_voice *kal, *slt, *awb, *rms;
};
static struct vx vx;

static int
si_init(const config_t *cfg, void **eng, char *err, size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	flite_init();
	vx.kal = register_cmu_us_kal(NULL);
	vx.slt = register_cmu_us_slt(NULL);
	vx.awb = register_cmu_us_awb(NULL);
	vx.rms = register_cmu_us_rms(NULL);
	*eng = &vx;
	return 0;
}

static void
si_fini(void *eng)
{
	(void)eng;
}

static int
si_synth(void *eng, const char *voice, const char *text, tts_pcm_cb cb,
    void *arg, char *err, size_t errlen)
{
	struct vx *v = eng;
	cst_voice *cv = v->kal;
	cst_wave *w;
	int r;

	if (voice && strcmp(voice, "slt") == 0)
		cv = v->slt;
	else if (voice && strcmp(voice, "awb") == 0)
		cv = v->awb;
	else if (voice && strcmp(voice, "rms") == 0)
		cv = v->rms;
	if ((w = flite_text_to_wave(text, cv)) == NULL) {
		snprintf(err, errlen, "flite failed");
		return -1;
	}
	if (w->sample_rate != 8000)
		cst_wave_resample(w, 8000);
	r = cb(arg, w->samples, (size_t)w->num_samples) ? 1 : 0;
	delete_wave(w);
	return r;
}

const struct tts_engine_ops tts_engine_flite = { "flite", si_init, si_fini,
	si_synth };
