/*
 * llm_schema_test.c - the LLM brain's checks before a tool runs: argument
 * parsing, the schema validator on valid and many invalid arguments, the
 * catalogue (internal tools never offered, hidden fields removed, the
 * descriptions taken from list_tools), and the history trimmer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/llm_history.h"
#include "proto/tool_schema.h"
#include "agent/llm_tools.h"
#include "tests/harness/unit.h"

static struct fd_business biz;
static struct llm_catalog cat;

static const char conf[] =
    "business: { name = \"Otto's Auto\"; persona = \"Ava\";\n"
    "  services = ( { name = \"oil change\"; duration = 30; },\n"
    "    { name = \"tire rotation\"; duration = 30; } ); };\n";

/* 0 if args (JSON text) pass tool's checks, else -1; err kept. */
static char err[512];

static int
check(const char *tool, const char *args)
{
	const struct llm_tool *t = llm_catalog_find(&cat, tool);
	json_t *a;
	int rv;

	assert_non_null(t);
	err[0] = '\0';
	if ((a = fd_args_parse(args, err, sizeof(err))) == NULL)
		return -1;
	rv = fd_schema_check(t->check, a, err, sizeof(err));
	json_decref(a);
	return rv;
}

static void
bad(const char *tool, const char *args, const char *want)
{
	assert_int_equal(check(tool, args), -1);
	if (strstr(err, want) == NULL)
		fail_msg(
		    "%s %s: error \"%s\" lacks \"%s\"", tool, args, err, want);
}

static void
test_parse(void **state)
{
	json_t *j;

	(void)state;
	j = fd_args_parse("", err, sizeof(err));
	assert_true(json_is_object(j) && json_object_size(j) == 0);
	json_decref(j);
	j = fd_args_parse("  {\"a\": 1} ", err, sizeof(err));
	assert_non_null(j);
	json_decref(j);
	assert_null(fd_args_parse("{\"a\":", err, sizeof(err)));
	assert_non_null(strstr(err, "not valid JSON"));
	assert_null(fd_args_parse("[1,2]", err, sizeof(err)));
	assert_non_null(strstr(err, "object"));
	assert_null(fd_args_parse("\"x\"", err, sizeof(err)));
	assert_null(fd_args_parse("{\"a\":1,\"a\":2}", err, sizeof(err)));
	assert_null(fd_args_parse("{\"a\":1} trailing", err, sizeof(err)));
}

static void
test_valid(void **state)
{
	(void)state;
	assert_int_equal(check("book_appointment",
	                     "{\"service\":\"oil change\","
	                     "\"start\":\"2026-11-24T10:00\"}"),
	    0);
	assert_int_equal(
	    check("book_appointment",
	        "{\"service\":\"tire "
	        "rotation\",\"start\":\"2028-02-29T08:30\",\"vehicle_id\":7,"
	        "\"first_name\":\"Maria\",\"last_name\":\"Lopez\",\"email\":"
	        "\"maria@example.com\",\"notes\":null}"),
	    0);
	assert_int_equal(check("get_available_slots",
	                     "{\"date\":\"tomorrow\","
	                     "\"service\":\"oil change\"}"),
	    0);
	assert_int_equal(
	    check("get_available_slots",
	        "{\"date\":\"Tuesday\","
	        "\"service\":\"oil change\",\"after\":\"13:30\",\"limit\":3}"),
	    0);
	assert_int_equal(
	    check("take_message",
	        "{\"name\":\"Dana Reed\","
	        "\"message\":\"call me\",\"callback_number\":\"+15555550123\","
	        "\"urgency\":\"high\"}"),
	    0);
	assert_int_equal(
	    check("log_call_outcome", "{\"outcome\":\"lead\"}"), 0);
	assert_int_equal(check("end_call", ""), 0);
	assert_int_equal(check("transfer_to_human", "{}"), 0);
	assert_int_equal(
	    check("verify_identity", "{\"name\":\"John Smith\"}"), 0);
}

static void
test_invalid(void **state)
{
	char longs[1100];

	(void)state;
	bad("book_appointment", "{\"service\":\"oil change\"}",
	    "missing required argument 'start'");
	bad("book_appointment", "{\"service\":\"oil change\",\"start\":\"\"}",
	    "missing required argument 'start'");
	bad("book_appointment", "{\"service\":\"oil change\",\"start\":null}",
	    "missing required");
	bad("book_appointment",
	    "{\"service\":\"oil change\",\"start\":"
	    "\"2026-11-24 10:00\"}",
	    "YYYY-MM-DDTHH:MM");
	bad("book_appointment",
	    "{\"service\":\"oil change\",\"start\":"
	    "\"tomorrow at 10\"}",
	    "YYYY-MM-DDTHH:MM");
	bad("book_appointment",
	    "{\"service\":\"oil change\",\"start\":"
	    "\"2026-02-30T10:00\"}",
	    "'start'");
	bad("book_appointment",
	    "{\"service\":\"oil change\",\"start\":"
	    "\"2027-02-29T10:00\"}",
	    "'start'");
	bad("book_appointment",
	    "{\"service\":\"oil change\",\"start\":"
	    "\"2026-11-24T24:00\"}",
	    "'start'");
	bad("book_appointment",
	    "{\"service\":\"oil change\",\"start\":"
	    "\"2026-11-24T10:00:00\"}",
	    "'start'");
	bad("book_appointment",
	    "{\"service\":\"oil\",\"start\":"
	    "\"2026-11-24T10:00\"}",
	    "one of the allowed values: oil change, "
	    "tire rotation");
	bad("book_appointment",
	    "{\"service\":\"oil change\",\"start\":"
	    "\"2026-11-24T10:00\",\"vehicle_id\":\"7\"}",
	    "'vehicle_id' must be an integer");
	bad("book_appointment",
	    "{\"service\":\"oil change\",\"start\":"
	    "\"2026-11-24T10:00\",\"vehicle_id\":7.5}",
	    "integer");
	bad("book_appointment",
	    "{\"service\":\"oil change\",\"start\":"
	    "\"2026-11-24T10:00\",\"customer_id\":5}",
	    "unknown argument 'customer_id'");
	/* the key is the brain's, not the model's */
	bad("book_appointment",
	    "{\"service\":\"oil change\",\"start\":"
	    "\"2026-11-24T10:00\",\"idempotency_key\":\"k\"}",
	    "unknown argument 'idempotency_key'");
	bad("book_appointment",
	    "{\"service\":\"oil change\",\"start\":"
	    "\"2026-11-24T10:00\",\"email\":\"bob at home\"}",
	    "email");
	bad("book_appointment",
	    "{\"service\":[\"oil change\"],\"start\":"
	    "\"2026-11-24T10:00\"}",
	    "'service' must be a string");
	memset(longs, 'a', sizeof(longs));
	memcpy(longs, "{\"name\":\"x\",\"message\":\"", 23);
	memcpy(longs + sizeof(longs) - 3, "\"}", 3);
	bad("take_message", longs, "too long");
	bad("take_message",
	    "{\"name\":\"Dana\",\"message\":\"hi\","
	    "\"callback_number\":\"555-1234\"}",
	    "E.164");
	bad("take_message",
	    "{\"name\":\"Dana\",\"message\":\"hi\","
	    "\"callback_number\":\"+05551234567\"}",
	    "E.164");
	bad("take_message",
	    "{\"name\":\"Dana\",\"message\":\"hi\","
	    "\"urgency\":\"urgent\"}",
	    "low, normal, high");
	bad("take_message", "{\"name\":\"Dana\"}", "'message'");
	bad("get_available_slots",
	    "{\"date\":\"next week sometime\","
	    "\"service\":\"oil change\"}",
	    "weekday");
	bad("get_available_slots",
	    "{\"date\":\"2026-13-01\","
	    "\"service\":\"oil change\"}",
	    "'date'");
	bad("get_available_slots",
	    "{\"date\":\"today\",\"service\":"
	    "\"oil change\",\"after\":\"9am\"}",
	    "HH:MM");
	bad("get_available_slots",
	    "{\"date\":\"today\",\"service\":"
	    "\"oil change\",\"limit\":\"3\"}",
	    "integer");
	bad("log_call_outcome", "{\"outcome\":\"won\"}", "allowed values");
	bad("cancel_order", "{}", "'order'");
	bad("book_appointment", "{\"service\":\"oil change\"",
	    "not valid JSON");
	bad("book_appointment", "[]", "object");
}

static void
test_formats(void **state)
{
	(void)state;
	assert_int_equal(fd_format_check("date", "2024-02-29"), 0);
	assert_int_equal(fd_format_check("date", "2100-02-29"), -1);
	assert_int_equal(fd_format_check("date", "2026-1-05"), -1);
	assert_int_equal(fd_format_check("time", "23:59"), 0);
	assert_int_equal(fd_format_check("time", "7:30"), -1);
	assert_int_equal(fd_format_check("e164", "+442071234567"), 0);
	assert_int_equal(fd_format_check("e164", "+1"), -1);
	assert_int_equal(fd_format_check("e164", "+1555abc4567"), -1);
	assert_int_equal(fd_format_check("email", "a@b.co"), 0);
	assert_int_equal(fd_format_check("email", "@b.co"), -1);
	assert_int_equal(fd_format_check("nonesuch", "x"), 1);
}

static void
test_catalog(void **state)
{
	static const char *const internal[] = {"call_begin", "verify_caller",
	    "log_turn", "call_end", "get_call", "list_calls", "seed_demo",
	    "list_tools", NULL};
	char *all;
	int i;

	(void)state;
	for (i = 0; internal[i]; i++) {
		assert_null(llm_catalog_find(&cat, internal[i]));
		assert_true(llm_tool_internal(internal[i]));
	}
	assert_false(llm_tool_internal("book_appointment"));
	all = json_dumps(cat.openai, JSON_COMPACT);
	for (i = 0; internal[i]; i++) {
		char q[64];

		snprintf(q, sizeof(q), "\"name\":\"%s\"", internal[i]);
		assert_null(strstr(all, q));
	}
	assert_null(strstr(all, "idempotency_key"));
	assert_null(strstr(all, "\"format\"")); /* ours, not sent */
	assert_non_null(strstr(all,
	    "\"enum\":[\"oil change\",\"tire "
	    "rotation\"]"));
	assert_non_null(strstr(all, "\"name\":\"end_call\""));
	free(all);
	assert_int_equal(json_array_size(cat.openai), cat.ntools);
}

static void
test_catalog_from_list(void **state)
{
	struct llm_catalog c2;
	json_t *list;
	const struct llm_tool *t;

	(void)state;
	list = json_loads(
	    "{\"tools\":["
	    "{\"name\":\"book_appointment\",\"description\":\"NEW DESC\","
	    "\"parameters\":{\"type\":\"object\",\"properties\":{\"service\":"
	    "{\"type\":\"string\"},\"start\":{\"type\":\"string\"},"
	    "\"idempotency_key\":{\"type\":\"string\"}},\"required\":"
	    "[\"service\",\"start\",\"idempotency_key\"]}},"
	    "{\"name\":\"seed_demo\",\"internal\":true,\"parameters\":"
	    "{\"type\":\"object\",\"properties\":{}}}]}",
	    0, NULL);
	assert_non_null(list);
	assert_int_equal(llm_catalog_build(&c2, list, &biz), 0);
	assert_true(c2.from_crm);
	t = llm_catalog_find(&c2, "book_appointment");
	assert_string_equal(
	    json_string_value(json_object_get(t->desc, "description")),
	    "NEW DESC");
	/* the hidden key is out of the required list too */
	assert_int_equal(
	    json_array_size(json_object_get(
	        json_object_get(t->desc, "parameters"), "required")),
	    2);
	assert_null(llm_catalog_find(&c2, "seed_demo"));
	/* tools the list lacks keep the built-in text */
	assert_non_null(llm_catalog_find(&c2, "get_available_slots"));
	json_decref(list);
	assert_int_equal(check("book_appointment",
	                     "{\"service\":\"oil change\","
	                     "\"start\":\"2026-11-24T10:00\"}"),
	    0);
	llm_catalog_free(&c2);
}

/* ---- history ---- */

static json_t *
msg(const char *role, const char *content)
{
	return json_pack("{s:s, s:s}", "role", role, "content", content);
}

static json_t *
call_msg(const char *id1, const char *id2)
{
	return json_pack("{s:s, s:n, s:[{s:s, s:s, s:{s:s, s:s}}, {s:s, s:s, "
	                 "s:{s:s, s:s}}]}",
	    "role", "assistant", "content", "tool_calls", "id", id1, "type",
	    "function", "function", "name", "a", "arguments", "{}", "id", id2,
	    "type", "function", "function", "name", "b", "arguments", "{}");
}

static json_t *
tool_msg(const char *id)
{
	return json_pack("{s:s, s:s, s:s}", "role", "tool", "tool_call_id", id,
	    "content",
	    "{\"ok\":true,\"result\":{\"padding\":\"xxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}}");
}

/* Every tool message follows its assistant's tool_calls. */
static void
assert_paired(const json_t *h)
{
	size_t i, k;
	const char *role;

	for (i = 0; i < json_array_size(h); i++) {
		const json_t *m = json_array_get(h, i), *calls;

		role = json_string_value(json_object_get(m, "role"));
		assert_non_null(role);
		if (i == 0)
			assert_string_not_equal(role, "tool");
		if ((calls = json_object_get(m, "tool_calls")) == NULL)
			continue;
		for (k = 0; k < json_array_size(calls); k++) {
			const json_t *t = json_array_get(h, i + 1 + k);

			assert_non_null(t);
			assert_string_equal(
			    json_string_value(json_object_get(t, "role")),
			    "tool");
			assert_string_equal(json_string_value(json_object_get(
			                        t, "tool_call_id")),
			    json_string_value(json_object_get(
			        json_array_get(calls, k), "id")));
		}
	}
}

static json_t *
conversation(int turns)
{
	json_t *h = json_array();
	char id1[16], id2[16], text[64];
	int t;

	llm_history_add(h,
	    msg("assistant",
	        "Thanks for calling, how can I "
	        "help?"));
	for (t = 0; t < turns; t++) {
		snprintf(text, sizeof(text), "caller turn %d", t);
		llm_history_add(h, msg("user", text));
		snprintf(id1, sizeof(id1), "c%da", t);
		snprintf(id2, sizeof(id2), "c%db", t);
		llm_history_add(h, call_msg(id1, id2));
		llm_history_add(h, tool_msg(id1));
		llm_history_add(h, tool_msg(id2));
		llm_history_add(h, msg("assistant", "Here is what I found."));
	}
	return h;
}

static void
test_history_trim(void **state)
{
	json_t *h;
	size_t before, dropped, budget;

	(void)state;
	h = conversation(10);
	before = json_array_size(h);
	assert_int_equal(llm_history_trim(h, 1000000, 100), 0);
	budget = llm_history_tokens(h) / 2;
	dropped = llm_history_trim(h, budget, 100);
	assert_true(dropped > 0);
	assert_int_equal(json_array_size(h) + dropped, before);
	assert_true(llm_history_tokens(h) + 100 <= budget);
	/* whole turns went: the history starts at a caller turn */
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(h, 0), "role")),
	    "user");
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(h, json_array_size(h) - 5), "content")),
	    "caller turn 9");
	assert_paired(h);
	/* a budget below one turn keeps the last turn whole */
	llm_history_trim(h, 10, 100);
	assert_int_equal(json_array_size(h), 5);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(h, 0), "content")),
	    "caller turn 9");
	assert_paired(h);
	json_decref(h);

	/* the fixed part (system prompt, call state) counts */
	h = conversation(4);
	budget = llm_history_tokens(h);
	assert_int_equal(llm_history_trim(h, budget, 0), 0);
	assert_true(llm_history_trim(h, budget, 200) > 0);
	assert_paired(h);
	json_decref(h);
}

static int
setup(void **state)
{
	config_t cfg;
	char e[256];

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg, conf), CONFIG_TRUE);
	assert_int_equal(fd_business_load(&cfg, &biz, e, sizeof(e)), 0);
	config_destroy(&cfg);
	return llm_catalog_build(&cat, NULL, &biz);
}

static int
teardown(void **state)
{
	(void)state;
	llm_catalog_free(&cat);
	return 0;
}

UNIT_MAIN(setup, teardown, cmocka_unit_test(test_parse),
    cmocka_unit_test(test_valid), cmocka_unit_test(test_invalid),
    cmocka_unit_test(test_formats), cmocka_unit_test(test_catalog),
    cmocka_unit_test(test_catalog_from_list),
    cmocka_unit_test(test_history_trim), )
