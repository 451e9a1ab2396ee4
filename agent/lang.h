/*
 * lang.h - the languages a business speaks (business.languages, codes or
 * names: "en, es" or "English, Spanish") and the language a caller asks
 * about ("do you speak Spanish?", "habla espanol").  Used by the local
 * brain's answer and the LLM's system prompt; talks to no process.
 */
#ifndef AGENT_LANG_H
#define AGENT_LANG_H

#include <stddef.h>

#include "business.h"

/* The English name of the language named in text ("Spanish"), or NULL. */
const char *lang_named(const char *text);
/* 1 if the business lists the language (an English name as above). */
int lang_spoken(const struct fd_business *b, const char *name);
/* The business's languages in words: "English and Spanish" ("English"
 * when the setting names none we know). */
void lang_list(const struct fd_business *b, char *buf, size_t len);

#endif
