/*
 * fuzz_toolargs.c - a model's tool arguments as they are checked before a
 * tool runs: the LLM brain's parse and schema check against the tool
 * catalogue (proto/tool_schema.c fd_args_parse + fd_schema_check on
 * agent/llm_tools.c's schemas), then crm-tools' argument accessors
 * (crm-tools/crm_args.c) on every member, as a tool reads them.  The
 * first byte chooses the tool; the rest is the arguments' JSON text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "proto/tool_schema.h"
#include "agent/llm_tools.h"
#include "crm-tools/crm.h"
#include "fuzz.h"

static struct fd_business biz;
static struct llm_catalog cat;

static const char conf[] =
    "business: { name = \"Otto's Auto\"; persona = \"Ava\";\n"
    "  services = ( { name = \"oil change\"; duration = 30; },\n"
    "    { name = \"tire rotation\"; duration = 30; } ); };\n";

/* crm-tools' failure recorder (crm-tools/crm_tools.c, which also holds
 * the whole tool table and its database code): the same two effects on
 * the context, so arg_need behaves as in the daemon. */
json_t *
crm_fail(struct crm_ctx *c, const char *code, const char *fmt, ...)
{
	va_list ap;

	c->code = code;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return NULL;
}

static const char *const formats[] = {
    "date", "day", "time", "datetime", "e164", "email", "nonsense"};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	config_t cfg;
	char e[256];

	(void)argc;
	(void)argv;
	config_init(&cfg);
	if (config_read_string(&cfg, conf) != CONFIG_TRUE ||
	    fd_business_load(&cfg, &biz, e, sizeof(e)) != 0 ||
	    llm_catalog_build(&cat, NULL, &biz) != 0 || cat.ntools == 0)
		abort();
	config_destroy(&cfg);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct llm_tool *t;
	struct crm_ctx *c;
	const char *key, *s;
	json_t *args, *v;
	char *text, err[512];
	long long ll;
	size_t i;

	if (size == 0)
		return 0;
	t = &cat.tools[data[0] % cat.ntools];
	if ((text = fuzz_cstr(data + 1, size - 1)) == NULL)
		return 0;
	err[0] = '\0';
	if ((args = fd_args_parse(text, err, sizeof(err))) == NULL) {
		if (err[0] == '\0')
			abort(); /* a refusal always says why */
		free(text);
		return 0;
	}
	if (!json_is_object(args))
		abort();
	err[0] = '\0';
	if (fd_schema_check(t->check, args, err, sizeof(err)) != 0 &&
	    err[0] == '\0')
		abort();
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		json_decref(args);
		free(text);
		return 0;
	}
	c->args = args;
	c->tool = t->crm_name ? t->crm_name : t->name;
	json_object_foreach(args, key, v)
	{
		(void)arg_str(c, key);
		(void)arg_ll(c, key, &ll);
		(void)arg_bool(c, key, 0);
		if (arg_need(c, key, FD_MAX_STRING) == NULL && c->code == NULL)
			abort();
		c->code = NULL;
		if ((s = json_string_value(v)) != NULL)
			for (i = 0; i < sizeof(formats) / sizeof(formats[0]);
			     i++)
				(void)fd_format_check(formats[i], s);
	}
	free(c);
	json_decref(args);
	free(text);
	return 0;
}
