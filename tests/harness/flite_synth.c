/*
 * flite_synth.c - flite speech as a caller's telephone would carry it
 * (see flite_synth.h).  Test and bench support only.
 */
#include <stdlib.h>
#include <string.h>

#include <flite/flite.h>

#include "tests/harness/flite_synth.h"
#include "mulaw.h"
#include "speech/resample.h"

cst_voice *register_cmu_us_kal(const char *voxdir);
cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);

static cst_voice *
voice(const char *name)
{
	static cst_voice *kal, *slt, *awb, *rms;
	static int inited;

	if (!inited) {
		flite_init();
		inited = 1;
	}
	if (strcmp(name, "kal") == 0)
		return kal ? kal : (kal = register_cmu_us_kal(NULL));
	if (strcmp(name, "slt") == 0)
		return slt ? slt : (slt = register_cmu_us_slt(NULL));
	if (strcmp(name, "awb") == 0)
		return awb ? awb : (awb = register_cmu_us_awb(NULL));
	if (strcmp(name, "rms") == 0)
		return rms ? rms : (rms = register_cmu_us_rms(NULL));
	return NULL;
}

void
telephone_ulaw(int16_t *pcm, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		pcm[i] = fd_ulaw_decode(fd_ulaw_encode(pcm[i]));
}

int16_t *
telephone_from_16k(const int16_t *pcm, size_t n, size_t *nout)
{
	int16_t *out = malloc((n / 2 + 1) * sizeof(*out));

	if (out == NULL)
		return NULL;
	*nout = stt_down_half(pcm, n, out);
	telephone_ulaw(out, *nout);
	return out;
}

int16_t *
flite_synth_8k(const char *name, const char *text, size_t *n)
{
	return flite_synth_8k_at(name, text, 1.0, n);
}

int16_t *
flite_synth_8k_at(const char *name, const char *text, double stretch, size_t *n)
{
	cst_voice *v = voice(name);
	cst_wave *w;
	int16_t *out = NULL;
	size_t len;

	*n = 0;
	if (v == NULL)
		return NULL;
	/* the voice is shared: set the rate for this text only */
	feat_set_float(v->features, "duration_stretch", (float)stretch);
	w = flite_text_to_wave(text, v);
	feat_set_float(v->features, "duration_stretch", 1.0f);
	if (w == NULL)
		return NULL;
	if (w->sample_rate != 8000 && w->sample_rate != 16000)
		cst_wave_resample(w, 16000);
	len = (size_t)w->num_samples;
	if (w->sample_rate == 16000) {
		out = telephone_from_16k(w->samples, len, n);
	} else if ((out = malloc((len + 1) * sizeof(*out))) != NULL) {
		memcpy(out, w->samples, len * sizeof(*out));
		telephone_ulaw(out, len);
		*n = len;
	}
	delete_wave(w);
	return out;
}
