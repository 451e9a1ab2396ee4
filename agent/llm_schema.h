/*
 * llm_schema.h - checking a model's tool arguments before anything runs.
 * The schemas are the JSON Schema subset crm-tools publishes (object,
 * properties, required, type string/integer/number/boolean/array/object,
 * enum) plus "format", which the LLM brain adds for the fields whose
 * shape it knows: date (YYYY-MM-DD), day (a date, today, tomorrow or a
 * weekday), time (HH:MM), datetime (YYYY-MM-DDTHH:MM), e164 (+15551230001)
 * and email.  Unknown properties are refused so a misspelt field is
 * reported instead of silently ignored.  Talks to no process.
 */
#ifndef AGENT_LLM_SCHEMA_H
#define AGENT_LLM_SCHEMA_H

#include <stddef.h>
#include <jansson.h>

#define LLM_MAX_STRING 1000     /* longest string argument accepted */

/* Parse text (a tool call's arguments) into an object: "" means {}.
 * NULL with err on invalid JSON or a non-object. */
json_t *llm_args_parse(const char *text, char *err, size_t errlen);
/* 0 if args satisfy schema; -1 with a message for the model in err. */
int llm_schema_check(const json_t *schema, const json_t *args, char *err,
    size_t errlen);
/* 0 if s has the named format; -1 if not; 1 if the format is unknown. */
int llm_format_check(const char *format, const char *s);

#endif
