/*
 * redact.h - masking of personal data in call text before it is stored or
 * logged: card numbers (13-19 digits passing the Luhn check, or spoken, or
 * said after "card"/"visa"/"credit"..., since a recogniser garbles digits;
 * the last four kept), SSN-like numbers (3-2-4 groups, or nine digits after "social" /
 * "SSN"), and the POSIX regexes of privacy.redact_patterns.  Digits may be
 * written ("4111 1111-1111 1111") or spoken as recognisers write them
 * ("four one one one ... double one").  Phone numbers, confirmation codes,
 * VINs, times and dates are left as they are: the product needs them.
 * Used by crm-tools (everything it stores) and by common/log.c.
 */
#ifndef FD_REDACT_H
#define FD_REDACT_H

#include <stddef.h>
#include <jansson.h>
#include <libconfig.h>

#define REDACT_MAX_PATTERNS 16

/* A spoken digit word ("zero".."nine", "oh", "o", "nought"; any case) of
 * length n: its value, or -1 if it is not one. */
int fd_digit_word(const char *w, size_t n);

/* Luhn check of a string of digits: 1 if it passes. */
int redact_luhn(const char *digits, size_t n);

/* Set redaction on or off and its extra patterns (extended, case-blind
 * POSIX regexes; NULL/0 for none).  -1 with a message in err for a pattern
 * that does not compile; the previous settings stay then.  Call at start,
 * before threads log. */
int redact_configure(int on, const char *const *patterns, int npatterns,
    char *err, size_t errlen);
/* Read privacy.redact (default true) and privacy.redact_patterns (a list
 * of strings) from a loaded config and apply them as above. */
int redact_load(const config_t *cfg, char *err, size_t errlen);
int redact_enabled(void);

/* A masked copy of s (malloc'd; free it), or NULL out of memory.  When
 * redaction is off the copy is s unchanged.  *nmasked (may be NULL) gets
 * how many things were masked. */
char *redact_dup(const char *s, int *nmasked);
/* The same into out (always terminated, cut at outlen); how many were
 * masked. */
int redact_buf(const char *s, char *out, size_t outlen);
/* Mask every string value of a JSON tree in place (keys stay; an integer
 * that is a card number becomes the masked string).  How many masked. */
int redact_json(json_t *j);

#endif
