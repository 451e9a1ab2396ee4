/*
 * vpic.h - online VIN decoding with NHTSA vPIC (protocols.md 11):
 * GET {crm.vpic.base_url}/vehicles/DecodeVinValues/{VIN}?format=json,
 * answers kept in PostgreSQL (vin_cache) for crm.vpic.cache_days.
 */
#ifndef CRM_VPIC_H
#define CRM_VPIC_H

#include <stddef.h>

#include <jansson.h>

#include "crm.h"
#include "vin.h"

struct vpic_cfg {
	char base_url[256]; /* "" or "none": offline only */
	int timeout_ms;
	int cache_days;
};
extern struct vpic_cfg vpic_cfg;

struct vpic_result {
	char make[64], model[96], trim[64], body_class[96];
	int year; /* 0 unknown */
	char error_code[64]; /* "0" clean; may list several: "1,11" */
	char error_text[300];
};

/* Parse a DecodeVinValues reply (Results[0]); 0 or -1. */
int vpic_parse(const char *json, struct vpic_result *v);
/* Add the online decode of a well-formed VIN to res: make, model, trim,
 * body_class, vpic_error_code, online, source (cache|vpic), or online:false
 * with online_error.  Never fails the tool and never leaves c in error. */
void vpic_decode(struct crm_ctx *c, const struct vin_info *vi, json_t *res);

#endif
