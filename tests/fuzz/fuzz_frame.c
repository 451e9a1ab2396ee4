/*
 * fuzz_frame.c - the bus frame decoder (proto/proto.c fd_frame_decode)
 * and the typed payload reader behind it (proto/payload.c fd_pl_frame),
 * as every subscriber runs them on a received message.  A frame that
 * decodes must encode again, and that encoding must decode to the same
 * header and payload (the call id's padding after its NUL is not kept).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "proto/payload.h"
#include "proto/proto.h"
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
	struct fd_frame f, g;
	union {
		struct fd_pl_call_start cs;
		struct fd_pl_outbound_call oc;
		struct fd_pl_outbound_result orr;
		struct fd_pl_tool_req tq;
		struct fd_pl_tool_rep tp;
		unsigned char pad[1024];
	} out;
	char err[256];
	uint8_t *copy, *re;
	long n;
	json_t *j;

	/* a private copy of exactly size bytes: reads past it are caught */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if (fd_frame_decode(copy, size, &f, err, sizeof(err)) != 0) {
		free(copy);
		return 0;
	}
	(void)fd_msg_name(f.type);
	if ((re = malloc(size)) == NULL) {
		free(copy);
		return 0;
	}
	n = fd_frame_encode(re, size, &f, f.payload, f.payload_len);
	if (n != (long)size ||
	    fd_frame_decode(re, size, &g, err, sizeof(err)) != 0 ||
	    g.type != f.type || g.flags != f.flags || g.seq != f.seq ||
	    g.ts_us != f.ts_us || g.ref != f.ref ||
	    strcmp(g.call_id, f.call_id) != 0 ||
	    g.payload_len != f.payload_len ||
	    (f.payload_len && memcmp(g.payload, f.payload, f.payload_len))) {
		fprintf(
		    stderr, "a decoded frame does not survive encode+decode\n");
		abort();
	}
	free(re);
	if (fd_pl_known(f.type)) {
		memset(&out, 0, sizeof(out));
		if ((j = fd_pl_frame(&f, &out, err, sizeof(err))) != NULL)
			json_decref(j);
	}
	free(copy);
	return 0;
}
