/*
 * media_msg.h - parsing one Twilio Media Streams text frame (the JSON
 * messages Twilio sends on /twilio/media, protocols.md section 3).
 * Everything from the wire is checked here: a message either comes back
 * complete and well-typed or is refused with a reason for the log.
 */
#ifndef GW_MEDIA_MSG_H
#define GW_MEDIA_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "proto/proto.h"

#define MEDIA_MAX_MSG (64 * 1024) /* larger text messages are refused */
#define MEDIA_MAX_AUDIO 4000 /* decoded bytes in one media message */
#define MEDIA_SID_LEN 64

enum media_event {
	MEDIA_CONNECTED = 1,
	MEDIA_START,
	MEDIA_MEDIA,
	MEDIA_DTMF,
	MEDIA_MARK,
	MEDIA_STOP,
};

struct media_msg {
	enum media_event event;
	char stream_sid[MEDIA_SID_LEN]; /* every event but connected */
	char call_sid[FD_CALL_ID_LEN]; /* start */
	json_t *params; /* start: customParameters, string
					       values only (owned) */
	int inbound; /* media: inbound track */
	uint8_t audio[MEDIA_MAX_AUDIO]; /* media: decoded mu-law */
	size_t audio_len;
	char digit[2]; /* dtmf */
	char name[128]; /* mark */
};

/* Parse one text message.  0 with m filled (media_msg_clear it), or -1
 * with a reason in err and nothing to free. */
int media_msg_parse(const char *text, size_t len, struct media_msg *m,
    char *err, size_t errlen);
void media_msg_clear(struct media_msg *m);
const char *media_event_name(enum media_event e);

#endif
