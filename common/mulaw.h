/*
 * mulaw.h - G.711 mu-law <-> 16-bit linear PCM, as Twilio Media Streams
 * carry it (8 kHz, mono).
 */
#ifndef FD_MULAW_H
#define FD_MULAW_H

#include <stddef.h>
#include <stdint.h>

uint8_t fd_ulaw_encode(int16_t pcm);
int16_t fd_ulaw_decode(uint8_t u);
void fd_ulaw_encode_buf(const int16_t *pcm, uint8_t *out, size_t n);
void fd_ulaw_decode_buf(const uint8_t *in, int16_t *pcm, size_t n);

#define FD_ULAW_SILENCE 0xFF /* encodes linear 0 */
#define FD_FRAME_SAMPLES 160 /* 20 ms at 8 kHz */

#endif
