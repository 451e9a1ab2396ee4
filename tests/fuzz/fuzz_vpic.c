/*
 * fuzz_vpic.c - an NHTSA vPIC DecodeVinValues reply as crm-tools reads it
 * (crm-tools/vpic_parse.c vpic_parse).  A parsed record's strings must
 * be terminated within their fields.
 */
#include <stdlib.h>
#include <string.h>

#include "crm-tools/vpic.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpic_result v;
	char *text;

	if ((text = fuzz_cstr(data, size)) == NULL)
		return 0;
	if (vpic_parse(text, &v) == 0 &&
	    (memchr(v.make, '\0', sizeof(v.make)) == NULL ||
	        memchr(v.model, '\0', sizeof(v.model)) == NULL ||
	        memchr(v.trim, '\0', sizeof(v.trim)) == NULL ||
	        memchr(v.body_class, '\0', sizeof(v.body_class)) == NULL ||
	        memchr(v.error_code, '\0', sizeof(v.error_code)) == NULL ||
	        memchr(v.error_text, '\0', sizeof(v.error_text)) == NULL))
		abort();
	free(text);
	return 0;
}
