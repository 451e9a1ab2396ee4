/*
 * fuzz_media.c - one Twilio Media Streams text message as the gateway
 * parses it (gateway/media_msg.c media_msg_parse).  A parsed message
 * must be fully typed: its strings terminated, its audio in bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/media_msg.h"
#include "log.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd_log_level = LOG_LVL_DEBUG;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct media_msg *m;
	char err[256], *text;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return 0;
	/* the gateway hands over the frame's bytes, not a C string: copy them
	 * into a buffer of exactly size bytes */
	if ((text = malloc(size ? size : 1)) == NULL) {
		free(m);
		return 0;
	}
	memcpy(text, data, size);
	if (media_msg_parse(text, size, m, err, sizeof(err)) == 0) {
		if (memchr(m->stream_sid, '\0', sizeof(m->stream_sid)) ==
		        NULL ||
		    memchr(m->call_sid, '\0', sizeof(m->call_sid)) == NULL ||
		    memchr(m->name, '\0', sizeof(m->name)) == NULL ||
		    m->audio_len > sizeof(m->audio) ||
		    media_event_name(m->event) == NULL)
			abort();
		media_msg_clear(m);
	} else if (memchr(err, '\0', sizeof(err)) == NULL) {
		abort();
	}
	free(text);
	free(m);
	return 0;
}
