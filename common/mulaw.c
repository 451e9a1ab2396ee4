/*
 * mulaw.c - G.711 mu-law codec.  Decoding is a 256-entry table built once;
 * encoding is the classic biased-segment computation.
 */
#include "mulaw.h"

#define ULAW_BIAS 0x84
#define ULAW_CLIP 32635

uint8_t
fd_ulaw_encode(int16_t pcm)
{
	int sample = pcm, sign, exponent, mantissa, mask;

	sign = (sample >> 8) & 0x80;
	if (sign)
		sample = -sample;
	if (sample > ULAW_CLIP)
		sample = ULAW_CLIP;
	sample += ULAW_BIAS;
	exponent = 7;
	for (mask = 0x4000; (sample & mask) == 0 && exponent > 0; mask >>= 1)
		exponent--;
	mantissa = (sample >> (exponent + 3)) & 0x0F;
	return (uint8_t) ~(sign | (exponent << 4) | mantissa);
}

int16_t
fd_ulaw_decode(uint8_t u)
{
	int sign, exponent, mantissa, sample;

	u = (uint8_t)~u;
	sign = u & 0x80;
	exponent = (u >> 4) & 0x07;
	mantissa = u & 0x0F;
	sample = ((mantissa << 3) + ULAW_BIAS) << exponent;
	sample -= ULAW_BIAS;
	return (int16_t)(sign ? -sample : sample);
}

void
fd_ulaw_encode_buf(const int16_t *pcm, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = fd_ulaw_encode(pcm[i]);
}

void
fd_ulaw_decode_buf(const uint8_t *in, int16_t *pcm, size_t n)
{
	static int16_t table[256];
	static int ready;
	size_t i;

	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < 256; i++)
			table[i] = fd_ulaw_decode((uint8_t)i);
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	for (i = 0; i < n; i++)
		pcm[i] = table[in[i]];
}
