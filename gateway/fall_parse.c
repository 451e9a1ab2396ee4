/*
 * fall_parse.c - the pure parts of fallthrough.c, unit tested on their
 * own: how a transfer's <Dial> ended (the action callback's
 * DialCallStatus and DialBridged with the whisper's answer), and the
 * carrier's recording (a WAV file) as the mu-law stt-worker takes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fallthrough.h"
#include "mulaw.h"

const char *
fall_dial_outcome(const char *st, const char *bridged, int declined)
{
	if (st == NULL || st[0] == '\0')
		return "failed";
	if (strcmp(st, "completed") == 0 || strcmp(st, "answered") == 0) {
		if (declined || (bridged && strcasecmp(bridged, "false") == 0))
			return "declined";
		return NULL;
	}
	if (strcmp(st, "busy") == 0 || strcmp(st, "no-answer") == 0 ||
	    strcmp(st, "canceled") == 0)
		return st;
	return "failed";
}

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint16_t
rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int
fall_wav_ulaw(const unsigned char *w, size_t len, unsigned char **out,
    size_t *n, char *err, size_t errlen)
{
	size_t off = 12, ck, i;
	unsigned fmt = 0, ch = 0, bits = 0;
	uint32_t rate = 0;

	*out = NULL;
	*n = 0;
	if (len < 12 || memcmp(w, "RIFF", 4) != 0 ||
	    memcmp(w + 8, "WAVE", 4) != 0) {
		snprintf(err, errlen, "not a WAV file");
		return -1;
	}
	while (off + 8 <= len) {
		ck = rd32(w + off + 4);
		if (ck > len - off - 8) {
			snprintf(err, errlen, "WAV chunk past the end");
			return -1;
		}
		if (memcmp(w + off, "fmt ", 4) == 0 && ck >= 16) {
			fmt = rd16(w + off + 8);
			ch = rd16(w + off + 10);
			rate = rd32(w + off + 12);
			bits = rd16(w + off + 22);
		} else if (memcmp(w + off, "data", 4) == 0) {
			if (fmt == 0) {
				snprintf(err, errlen, "WAV data before fmt");
				return -1;
			}
			if (ch != 1 || rate != 8000 ||
			    !((fmt == 1 && bits == 16) ||
			        (fmt == 7 && bits == 8))) {
				snprintf(err, errlen,
				    "WAV format %u, %u "
				    "channels, %u Hz, %u bits: want 8 kHz mono "
				    "16-bit PCM or mu-law",
				    fmt, ch, rate, bits);
				return -1;
			}
			*n = fmt == 7 ? ck : ck / 2;
			if ((*out = malloc(*n ? *n : 1)) == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			if (fmt == 7)
				memcpy(*out, w + off + 8, ck);
			else
				for (i = 0; i < *n; i++)
					(*out)[i] = fd_ulaw_encode(
					    (int16_t)rd16(w + off + 8 + 2 * i));
			return 0;
		}
		off += 8 + ck + (ck & 1);
	}
	snprintf(err, errlen, "WAV without a data chunk");
	return -1;
}
