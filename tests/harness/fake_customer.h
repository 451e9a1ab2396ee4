/*
 * fake_customer.h - the one known caller of the agent's tests that stand
 * in for crm-tools: John Smith, +15555550123, a 2019 Honda Civic; and the
 * count of the tool calls such a stand-in recorded.
 */
#ifndef FD_FAKE_CUSTOMER_H
#define FD_FAKE_CUSTOMER_H

#include <jansson.h>

/* crm-tools' lookup_customer reply for args: John for his number, "not
 * found" for any other. */
json_t *fake_lookup_customer(json_t *args);

/* Of the tool calls a stand-in recorded ([{call, tool, args, ...}]), how
 * many are call's `tool` (with args.key containing val, when key is not
 * NULL). */
int fake_count_tools(const json_t *records, const char *call, const char *tool,
    const char *key, const char *val);

#endif
