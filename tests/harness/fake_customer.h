/*
 * fake_customer.h - the one known caller of the agent's tests that stand
 * in for crm-tools: John Smith, +15555550123, a 2019 Honda Civic.
 */
#ifndef FD_FAKE_CUSTOMER_H
#define FD_FAKE_CUSTOMER_H

#include <jansson.h>

/* crm-tools' lookup_customer reply for args: John for his number, "not
 * found" for any other. */
json_t *fake_lookup_customer(json_t *args);

#endif
