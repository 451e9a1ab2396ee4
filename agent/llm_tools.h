/*
 * llm_tools.h - the tools the LLM may call, and nothing else.  The list
 * of names is fixed here (crm-tools' public tools plus two the brain
 * answers itself); the descriptions and parameters of crm-tools' tools
 * come from the one table crm-tools validates against
 * (proto/tool_schema.c; crm-tools' list_tools answers from the same
 * table).  Internal tools (call_begin, log_turn, get_call,
 * verify_caller, seed_demo, list_calls, list_tools) are never offered and
 * a call to one is refused as unknown.  Each tool also carries what the
 * model must not set (idempotency keys, customer ids: the brain or
 * crm-tools decide those) and the formats the validator checks.
 */
#ifndef AGENT_LLM_TOOLS_H
#define AGENT_LLM_TOOLS_H

#include <stddef.h>
#include <jansson.h>

#include "business.h"

enum llm_tool_kind {
	LLM_T_CRM, /* run by crm-tools as is */
	LLM_T_TRANSFER, /* transfer_to_human: crm-tools, then transfer */
	LLM_T_OUTCOME, /* log_call_outcome: the core records it */
	LLM_T_VERIFY, /* verify_identity: crm-tools' verify_caller
				 * for the caller ID's customer only */
	LLM_T_END, /* end_call: hang up after the goodbye */
	LLM_T_DENY, /* not_the_customer: crm-tools' deny_caller_id,
				 * then the call state forgets that customer */
};

struct llm_tool {
	const char *name;
	enum llm_tool_kind kind;
	const char *crm_name; /* the crm-tools tool it runs, or NULL */
	json_t *desc; /* {description, parameters} as sent */
	json_t *check; /* parameters with formats, for validation */
};

struct llm_catalog {
	struct llm_tool *tools;
	int ntools;
	int from_crm; /* descriptions came from list_tools */
	json_t *openai; /* the "tools" array of a request */
};

/* Build the catalogue; list is list_tools' reply result ({tools:[..]}) or
 * NULL for the built-in copy.  service names become the enum of every
 * "service" argument.  0, or -1 on memory. */
int llm_catalog_build(
    struct llm_catalog *cat, const json_t *list, const struct fd_business *biz);
void llm_catalog_free(struct llm_catalog *cat);
/* A tool the model may call, or NULL (unknown or internal). */
const struct llm_tool *llm_catalog_find(
    const struct llm_catalog *cat, const char *name);
/* 1 if a crm-tools tool name is never to be offered to the model. */
int llm_tool_internal(const char *crm_name);

#endif
