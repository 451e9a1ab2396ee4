/*
 * spoken.h - phone numbers and confirmation codes as callers say or key
 * them (spoken.c).  Pure functions at the bottom of the local brain,
 * beside dlg.h; they include nothing of the brain.
 */
#ifndef AGENT_SPOKEN_H
#define AGENT_SPOKEN_H

#include <stddef.h>

/* Digits said or typed ("five five five one two three", "555-1230",
 * "oh"): up to len-1 digits into out; returns the count. */
int spoken_digits(const char *text, char *out, size_t len);
/* A confirmation code spelt out ("K 7 Q 2 M", "kilo seven"); 1 if a
 * code of 5 letters/digits was found. */
int spoken_code(const char *text, char *out, size_t len);
/* A word spelt letter by letter: letters ("s m i t h"), letter names
 * ("ess em eye tee aitch"), the NATO alphabet ("sierra mike india"),
 * "S as in Sam" and "double T"; words that are none of these are
 * skipped.  Capitalised ("Smith") into out; returns the letter count. */
int spoken_letters(const char *text, char *out, size_t len);
/* "5551230001" -> "555 123 0001" for reading back. */
void spoken_phone(const char *digits, char *out, size_t len);
/* Normalise a number the caller gave to E.164 (+1 for 10 digits); -1 if
 * it is not a phone number. */
int spoken_e164(const char *digits, char *out, size_t len);

#endif
