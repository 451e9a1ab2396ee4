/*
 * fuzz.h - what every libFuzzer target in tests/fuzz/ shares: the entry
 * points libFuzzer calls, and a NUL-terminated copy of the input for the
 * parsers that take C strings (the daemons hand them NUL-terminated
 * buffers too).
 */
#ifndef FD_FUZZ_H
#define FD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A malloc'd NUL-terminated copy of data (exact size, so ASan sees any
 * read past the terminator); NULL only on out of memory. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

#endif
