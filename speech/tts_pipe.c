/*
 * tts_pipe.c - silence trimming and 20 ms mu-law framing of synthesised
 * PCM.  Speech is detected per sample against a fixed level; quiet samples
 * before the first loud one go into a 50 ms ring (so the attack is kept),
 * quiet samples after speech are held back until either speech resumes
 * (they were a pause: all of them go out) or the segment ends (only the
 * first 50 ms go out).  Nothing is inserted, so consecutive segments join
 * without gaps beyond what the voice itself put there.
 * Talks to no process.
 */
#include <stdlib.h>
#include <string.h>

#include "speech/tts_pipe.h"

static int out(struct tts_pipe *p, const int16_t *pcm, size_t n);

void
tts_pipe_init(struct tts_pipe *p, tts_frame_cb on_frame, void *arg)
{
	p->on_frame = on_frame;
	p->arg = arg;
	p->speech = p->stopped = 0;
	p->nlead = p->lead_at = p->nhold = p->nframe = 0;
	p->frames = p->samples_in = 0;
}

int
tts_pipe_push(struct tts_pipe *p, const int16_t *pcm, size_t n)
{
	size_t i, start = 0, first;

	p->samples_in += n;
	for (i = 0; i < n && !p->stopped; i++) {
		int loud = abs(pcm[i]) > TTS_TRIM_LEVEL;

		if (!p->speech) {
			if (!loud) {
				p->lead[p->lead_at] = pcm[i];
				p->lead_at = (p->lead_at + 1) % TTS_TRIM_KEEP;
				if (p->nlead < TTS_TRIM_KEEP)
					p->nlead++;
				continue;
			}
			/* the ring, oldest first, then speech from here */
			first = (p->lead_at + TTS_TRIM_KEEP - p->nlead) %
			    TTS_TRIM_KEEP;
			if (first + p->nlead <= TTS_TRIM_KEEP)
				out(p, p->lead + first, p->nlead);
			else {
				out(p, p->lead + first, TTS_TRIM_KEEP - first);
				out(p, p->lead,
				    p->nlead - (TTS_TRIM_KEEP - first));
			}
			p->speech = 1;
			start = i;
			continue;
		}
		if (loud) {
			if (p->nhold > 0) { /* a pause inside speech */
				out(p, p->hold, p->nhold);
				p->nhold = 0;
			}
			continue;
		}
		/* quiet after speech: flush speech so far, hold this */
		if (i > start)
			out(p, pcm + start, i - start);
		start = i + 1;
		if (p->nhold == TTS_TRIM_HOLD) { /* a long pause: let it go */
			out(p, p->hold, p->nhold);
			p->nhold = 0;
		}
		p->hold[p->nhold++] = pcm[i];
	}
	if (p->speech && !p->stopped && start < i && p->nhold == 0)
		out(p, pcm + start, i - start);
	return p->stopped;
}

int
tts_pipe_finish(struct tts_pipe *p)
{
	uint8_t ulaw[FD_FRAME_SAMPLES];

	if (p->stopped)
		return 1;
	if (p->nhold > 0)
		out(p, p->hold,
		    p->nhold < TTS_TRIM_KEEP ? p->nhold : TTS_TRIM_KEEP);
	p->nhold = 0;
	if (p->nframe > 0 && !p->stopped) {
		memset(p->frame + p->nframe, 0,
		    (FD_FRAME_SAMPLES - p->nframe) * sizeof(int16_t));
		fd_ulaw_encode_buf(p->frame, ulaw, FD_FRAME_SAMPLES);
		p->nframe = 0;
		p->frames++;
		if (p->on_frame(p->arg, ulaw, FD_FRAME_SAMPLES) != 0)
			p->stopped = 1;
	}
	return p->stopped;
}

static int
out(struct tts_pipe *p, const int16_t *pcm, size_t n)
{
	uint8_t ulaw[FD_FRAME_SAMPLES];
	size_t take;

	while (n > 0 && !p->stopped) {
		take = FD_FRAME_SAMPLES - p->nframe;
		if (take > n)
			take = n;
		memcpy(p->frame + p->nframe, pcm, take * sizeof(int16_t));
		p->nframe += take;
		pcm += take;
		n -= take;
		if (p->nframe == FD_FRAME_SAMPLES) {
			fd_ulaw_encode_buf(p->frame, ulaw, FD_FRAME_SAMPLES);
			p->nframe = 0;
			p->frames++;
			if (p->on_frame(p->arg, ulaw, FD_FRAME_SAMPLES) != 0)
				p->stopped = 1;
		}
	}
	return p->stopped;
}
