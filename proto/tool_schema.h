/*
 * tool_schema.h - the one table of crm-tools' tools and their argument
 * schemas, and the checker both sides run.  crm-tools validates every
 * request's args against its tool's entry before the tool runs (a
 * missing or mistyped field is refused with bad_args naming it) and
 * list_tools describes the tools from it; the agent's LLM brain builds
 * the catalogue it offers the model from it (agent/llm_tools.c).  Talks to
 * no process.
 *
 * The schemas are the JSON Schema subset we use (object, properties,
 * required, type string/integer/number/boolean/array/object, enum) plus
 * "format", for the fields whose shape the model must keep: date
 * (YYYY-MM-DD), day (a date, today, tomorrow or a weekday), time (HH:MM),
 * datetime (YYYY-MM-DDTHH:MM), e164 (+15551230001) and email.  For the
 * model, unknown properties are refused so a misspelt field is reported
 * instead of silently ignored.
 */
#ifndef FD_TOOL_SCHEMA_H
#define FD_TOOL_SCHEMA_H

#include <stddef.h>
#include <jansson.h>

#define FD_MAX_STRING 1000 /* longest string argument accepted */

struct fd_tool_schema {
	const char *name;
	int internal; /* not offered to the LLM: for the agent,
				   gateway, scheduler, staff API and tests */
	const char *hidden; /* "a,b": fields the model may not set (the
				   brain or crm-tools decides them) */
	const char *formats; /* "field=format,...": the shape the model
				   must use; crm-tools normalises what other
				   callers send, so it checks only types */
	const char *schema; /* {description, parameters}, JSON written
				   with ' for " */
};

extern const struct fd_tool_schema fd_tool_schemas[];
extern const int fd_ntool_schemas;

/* The entry for a tool name, or NULL. */
const struct fd_tool_schema *fd_tool_schema_find(const char *name);
/* A new {description, parameters} object for t, or NULL (memory, or a
 * schema string that is not JSON: a bug the unit test catches). */
json_t *fd_tool_schema_json(const struct fd_tool_schema *t);
/* crm-tools' check of a request's args against t's parameters: a
 * required field missing or a field of the wrong type is refused.  The
 * tools themselves read the rest leniently (an empty caller ID, "urgent"
 * for high, a phone as dialled), so enums, formats and empty strings are
 * not refused here, and fields outside the schema pass.  0, or -1 with a
 * sentence naming the field in err. */
int fd_tool_args_check(const struct fd_tool_schema *t, const json_t *args,
    char *err, size_t errlen);

/* Parse text (a model's tool call arguments) into an object: "" means {}.
 * NULL with err on invalid JSON or a non-object. */
json_t *fd_args_parse(const char *text, char *err, size_t errlen);
/* 0 if args satisfy schema (with its formats); -1 with a message for the
 * caller in err. */
int fd_schema_check(
    const json_t *schema, const json_t *args, char *err, size_t errlen);
/* 0 if s has the named format; -1 if not; 1 if the format is unknown. */
int fd_format_check(const char *format, const char *s);

#endif
