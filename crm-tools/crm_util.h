/*
 * crm_util.h - small pure helpers of crm-tools: phone numbers, names,
 * confirmation codes, dates said relative to "now", urgency words and the
 * lead score.  No I/O, so crm_test.c covers them directly.
 */
#ifndef CRM_UTIL_H
#define CRM_UTIL_H

#include <stddef.h>
#include <time.h>

#define CRM_CONF_LEN 5

/* Normalise a phone number to E.164 ("(555) 123-0001" -> "+15551230001",
 * US numbers without a country code get +1).  0, or -1 if it is not one. */
int crm_phone_norm(const char *in, char *out, size_t len);
/* A caller ID usable as a phone: E.164 into out, 0; -1 when the call has
 * no caller ID ("", "anonymous", "Restricted", "client:alice", and the
 * placeholder numbers carriers send for withheld numbers). */
int crm_caller_id(const char *from, char *out, size_t len);
/* A new random confirmation code: CRM_CONF_LEN characters from an alphabet
 * without look-alikes (no 0/O, 1/I/L, 5/S, 8/B), starting with a letter. */
void crm_conf_code(char out[CRM_CONF_LEN + 1]);
/* 1 if s looks like a confirmation code (any case). */
int crm_conf_valid(const char *s);
/* Upper-case a confirmation code into out (CRM_CONF_LEN + 1 bytes). */
void crm_conf_norm(const char *s, char *out);
/* Split "Mary Ann Smith" into first "Mary Ann" and last "Smith". */
void crm_name_split(
    const char *full, char *first, size_t flen, char *last, size_t llen);
/* "low" | "normal" | "high" for what callers and the LLM say; NULL if
 * unknown ("urgent" and "asap" are high). */
const char *crm_urgency(const char *s);
/* A day: "YYYY-MM-DD", "today", "tomorrow" or a weekday name (the next
 * one after today).  Writes local midnight; -1 if not understood. */
int crm_parse_day(const char *s, time_t now, time_t *day);
/* An instant: "YYYY-MM-DDTHH:MM[:SS]" or "YYYY-MM-DD HH:MM". -1 if not. */
int crm_parse_instant(const char *s, time_t *t);
/* hot | warm | cold from urgency and a free-text timeline. */
const char *crm_lead_score(const char *urgency, const char *timeline);
/* Escape % _ \ for a LIKE pattern. */
void crm_like_escape(const char *in, char *out, size_t len);

#endif
