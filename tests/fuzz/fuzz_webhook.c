/*
 * fuzz_webhook.c - a Twilio webhook as the gateway checks it: the form
 * body parser (common/twilio.c fd_form_parse) and the X-Twilio-Signature
 * check on the URL as libwebsockets hands it over (fd_twilio_valid_decoded).
 * The input is lines: signature, origin, path, query arguments joined by
 * '&', then the body.  A body signed with fd_twilio_sign must validate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twilio.h"
#include "fuzz.h"

#define TOKEN "fuzz-auth-token"
#define MAX_ARGS 16

/* The next '\n'-ended field of s (NUL-terminated in place); "" at the end. */
static char *
field(char **s)
{
	char *f = *s, *nl;

	if ((nl = strchr(f, '\n')) != NULL) {
		*nl = '\0';
		*s = nl + 1;
	} else {
		*s = f + strlen(f);
	}
	return f;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fd_form form;
	const char *args[MAX_ARGS];
	char *text, *rest, *sig, *origin, *path, *query, *a, *url;
	char want[64], enc[512];
	uint8_t raw[64];
	size_t nargs = 0, i;

	if ((text = fuzz_cstr(data, size)) == NULL)
		return 0;
	rest = text;
	sig = field(&rest);
	origin = field(&rest);
	path = field(&rest);
	query = field(&rest);
	while (nargs < MAX_ARGS && (a = strsep(&query, "&")) != NULL)
		if (*a)
			args[nargs++] = a;
	(void)fd_b64_decode(sig, strlen(sig), raw, sizeof(raw));
	/* the body keeps its length: it may hold NULs */
	if (fd_form_parse(rest, size - (size_t)(rest - text), &form) != 0) {
		free(text);
		return 0;
	}
	for (i = 0; i < form.n; i++) {
		if (fd_form_get(&form, form.kv[i].key) == NULL)
			abort();
		(void)fd_urlencode(form.kv[i].val, enc, sizeof(enc));
	}
	(void)fd_twilio_valid_decoded(
	    TOKEN, origin, path, args, nargs, &form, sig);
	if (asprintf(&url, "%s%s", origin, path) >= 0) {
		fd_twilio_sign(TOKEN, url, &form, want);
		if (want[0] && !fd_twilio_valid(TOKEN, url, &form, want)) {
			fprintf(stderr, "a signed request does not validate\n");
			abort();
		}
		free(url);
	}
	fd_form_free(&form);
	free(text);
	return 0;
}
