/*
 * brain_test.c - the local brain driven through whole conversations with
 * a fake core: says and tool calls are recorded, crm-tools is a small
 * in-memory calendar (Otto's Auto hours, 30-minute slots, a few taken),
 * and the call clock is pinned to Saturday 2026-11-21 10:00 New York.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "agent/brain.h"
#include "agent/datetime.h"
#include "clock.h"

#define MAX_SAYS 64

static const char conf[] =
    "business: {\n"
    "  name = \"Otto's Auto\"; persona = \"Ava\";\n"
    "  address = \"1200 Main Street, Springfield\";\n"
    "  transfer_number = \"+15555550111\";\n"
    "  hours = { mon = \"08:00-18:00\"; tue = \"08:00-18:00\";\n"
    "    wed = \"08:00-18:00\"; thu = \"08:00-18:00\"; fri = \"08:00-18:00\";\n"
    "    sat = \"09:00-13:00\"; sun = \"closed\"; };\n"
    "  holidays = [ \"2026-11-26\" ];\n"
    "  services = (\n"
    "    { name = \"oil change\"; duration = 30; price = 49.95;\n"
    "      aliases = [ \"oil\", \"lube\" ]; },\n"
    "    { name = \"tire rotation\"; duration = 30; price = 29.95;\n"
    "      aliases = [ \"tires\", \"rotate\" ]; },\n"
    "    { name = \"brake inspection\"; duration = 60; price = 0.0;\n"
    "      aliases = [ \"brakes\", \"brake\" ]; },\n"
    "    { name = \"state inspection\"; duration = 60; price = 35.0;\n"
    "      aliases = [ \"inspection\" ]; }\n"
    "  );\n"
    "};\n";

struct fake {
	time_t now;
	char says[MAX_SAYS][1024];
	int close[MAX_SAYS];
	int nsays;
	char tools[MAX_SAYS][64];
	json_t *args[MAX_SAYS];
	int ntools;
	char transfer_to[40];
	char outcome[32];
	char hint[16];
	int crm_down;
	const char *taken[8];   /* slots already booked */
	int race;               /* book_appointment answers slot_taken once */
};

static struct fd_business biz;
static struct fake fk;

static void
f_say(void *core, const char *text, int close)
{
	struct fake *f = core;

	if (f->nsays < MAX_SAYS) {
		snprintf(f->says[f->nsays], sizeof(f->says[0]), "%s", text);
		f->close[f->nsays++] = close;
	}
}

static int
taken(struct fake *f, const char *slot)
{
	int i;

	for (i = 0; i < 8 && f->taken[i]; i++)
		if (strcmp(f->taken[i], slot) == 0)
			return 1;
	return 0;
}

/* The calendar: business hours, 30-minute steps, minus taken slots. */
static json_t *
slots_for(struct fake *f, const char *date)
{
	const struct fd_hours *h;
	json_t *arr = json_array();
	char s[32];
	time_t day;
	int m;

	if (fd_time_parse(date, &day) != 0 ||
	    (h = fd_business_hours(&biz, day)) == NULL)
		return arr;
	for (m = h->open_min; m + 30 <= h->close_min; m += 30) {
		dt_fmt_slot(day, m, s, sizeof(s));
		if (!taken(f, s))
			json_array_append_new(arr, json_string(s));
	}
	return arr;
}

static json_t *
f_tool(void *core, const char *tool, json_t *args)
{
	struct fake *f = core;
	json_t *rep;

	if (f->ntools < MAX_SAYS) {
		snprintf(f->tools[f->ntools], sizeof(f->tools[0]), "%s", tool);
		f->args[f->ntools++] = json_incref(args);
	}
	if (f->crm_down) {
		json_decref(args);
		return NULL;
	}
	if (strcmp(tool, "get_available_slots") == 0) {
		rep = json_pack("{s:b, s:{s:o}}", "ok", 1, "result", "slots",
		    slots_for(f, json_string_value(json_object_get(args,
		    "date"))));
	} else if (strcmp(tool, "book_appointment") == 0) {
		if (f->race) {
			f->race = 0;
			rep = json_pack("{s:b, s:s, s:s, s:[s,s]}", "ok", 0,
			    "code", "slot_taken", "error", "taken",
			    "alternatives", "2026-11-24T10:30",
			    "2026-11-24T11:00");
		} else {
			rep = json_pack("{s:b, s:{s:s, s:s, s:s, s:s}}", "ok", 1,
			    "result", "appointment_id", "A-1", "confirmation",
			    "K7Q2", "start", json_string_value(json_object_get(
			    args, "start")), "service", "x");
		}
	} else {
		rep = json_pack("{s:b, s:{}}", "ok", 1, "result");
	}
	json_decref(args);
	return rep;
}

static void
f_hint(void *core, const char *expect, const char *const *w, size_t n)
{
	struct fake *f = core;

	(void)w;
	(void)n;
	snprintf(f->hint, sizeof(f->hint), "%s", expect);
}

static void
f_hangup(void *core, const char *reason)
{
	(void)core;
	(void)reason;
}

static void
f_transfer(void *core, const char *to, const char *reason)
{
	struct fake *f = core;

	(void)reason;
	snprintf(f->transfer_to, sizeof(f->transfer_to), "%s", to);
}

static void
f_outcome(void *core, const char *outcome, const char *notes)
{
	struct fake *f = core;

	(void)notes;
	snprintf(f->outcome, sizeof(f->outcome), "%s", outcome);
}

static time_t
f_now(void *core)
{
	return ((struct fake *)core)->now;
}

static const struct core_ops fake_ops = { f_say, f_tool, f_hint, f_hangup,
	f_transfer, f_outcome, f_now };

static time_t
at(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static void
new_call(struct brain_call *c, int known)
{
	int i;

	for (i = 0; i < fk.ntools; i++)
		json_decref(fk.args[i]);
	memset(&fk, 0, sizeof(fk));
	fk.now = at(2026, 11, 21, 10, 0);
	memset(c, 0, sizeof(*c));
	c->core = &fake_ops;
	c->core_arg = &fk;
	c->biz = &biz;
	snprintf(c->st.call_id, sizeof(c->st.call_id), "CAtest");
	snprintf(c->st.from, sizeof(c->st.from), "+15555550123");
	c->st.max_misunderstandings = 3;
	if (known) {
		c->st.customer_known = 1;
		snprintf(c->st.customer_id, sizeof(c->st.customer_id), "c-42");
		snprintf(c->st.first_name, sizeof(c->st.first_name), "John");
		snprintf(c->st.last_name, sizeof(c->st.last_name), "Smith");
		c->st.nvehicles = 1;
		snprintf(c->st.vehicles[0].id, sizeof(c->st.vehicles[0].id),
		    "7");
	}
	brain_local.on_start(c);
}

static const char *
last_say(void)
{
	return fk.nsays ? fk.says[fk.nsays - 1] : "";
}

static const char *
turn(struct brain_call *c, const char *text)
{
	int before = fk.nsays;

	brain_local.on_utterance(c, text, 0.9);
	assert_true(fk.nsays > before);         /* every turn gets an answer */
	printf("  caller: %s\n  agent:  %s\n", text, last_say());
	return last_say();
}

static json_t *
last_tool_args(const char *tool)
{
	int i;

	for (i = fk.ntools - 1; i >= 0; i--)
		if (strcmp(fk.tools[i], tool) == 0)
			return fk.args[i];
	return NULL;
}

static int
count_tool(const char *tool)
{
	int i, n = 0;

	for (i = 0; i < fk.ntools; i++)
		n += strcmp(fk.tools[i], tool) == 0;
	return n;
}

static void
test_known_customer_booking(void **state)
{
	struct brain_call c;
	json_t *a;

	(void)state;
	new_call(&c, 1);
	assert_non_null(strstr(last_say(), "Thanks for calling Otto's Auto"));
	assert_non_null(strstr(last_say(), "Ava, an AI assistant"));
	assert_non_null(strstr(last_say(), "Am I speaking with John?"));
	assert_string_equal(fk.hint, "yesno");
	assert_non_null(strstr(turn(&c, "yes it is"), "Hi John"));
	assert_true(c.st.identity_confirmed);
	assert_string_equal(turn(&c, "book an oil change next to say at ten"),
	    "Oil change on Tuesday, November 24 at 10 AM for John, shall I "
	    "book it?");
	a = last_tool_args("get_available_slots");
	assert_string_equal(json_string_value(json_object_get(a, "date")),
	    "2026-11-24");
	assert_string_equal(json_string_value(json_object_get(a, "service")),
	    "oil change");
	assert_int_equal(count_tool("book_appointment"), 0);
	assert_non_null(strstr(turn(&c, "yes please"),
	    "confirmation code is K 7 Q 2"));
	a = last_tool_args("book_appointment");
	assert_non_null(a);
	assert_string_equal(json_string_value(json_object_get(a, "start")),
	    "2026-11-24T10:00");
	assert_string_equal(json_string_value(json_object_get(a, "service")),
	    "oil change");
	assert_int_equal(json_integer_value(json_object_get(a,
	    "vehicle_id")), 7);
	assert_string_equal(json_string_value(json_object_get(a,
	    "idempotency_key")), "CAtest-book-1");
	assert_string_equal(fk.outcome, "booked");
	assert_non_null(strstr(last_say(), "anything else"));
	assert_non_null(strstr(turn(&c, "no thanks that's all"), "goodbye"));
	assert_true(fk.close[fk.nsays - 1]);
	assert_int_equal(count_tool("book_appointment"), 1);
}

static void
test_unknown_caller_with_correction(void **state)
{
	struct brain_call c;
	json_t *a;

	(void)state;
	new_call(&c, 0);
	assert_null(strstr(last_say(), "Am I speaking"));
	assert_non_null(strstr(last_say(), "How can I help"));
	assert_non_null(strstr(turn(&c, "hi I need my brakes looked at"),
	    "What day"));
	assert_ptr_equal(c.st.service, &biz.services[2]);
	assert_string_equal(fk.hint, "date");
	/* Sunday: closed, so Monday's real slots are offered */
	assert_string_equal(turn(&c, "tomorrow"), "Sorry, we're closed on "
	    "Sunday, November 22. The next opening is Monday, November 23, "
	    "where I have 8 AM, 1 PM or 5:30 PM. Would one of those work?");
	assert_non_null(strstr(turn(&c, "the first one"), "name"));
	assert_string_equal(turn(&c, "it's john smith"),
	    "Brake inspection on Monday, November 23 at 8 AM for John, "
	    "shall I book it?");
	assert_string_equal(turn(&c, "no, make it Wednesday"),
	    "Brake inspection on Wednesday, November 25 at 8 AM for John, "
	    "shall I book it?");
	assert_non_null(strstr(turn(&c, "yep"), "K 7 Q 2"));
	a = last_tool_args("book_appointment");
	assert_string_equal(json_string_value(json_object_get(a, "start")),
	    "2026-11-25T08:00");
	assert_string_equal(json_string_value(json_object_get(a, "first_name")),
	    "John");
	assert_string_equal(json_string_value(json_object_get(a, "last_name")),
	    "Smith");
	assert_null(json_object_get(a, "customer_id"));
}

static void
test_time_taken_offers_nearest(void **state)
{
	struct brain_call c;

	(void)state;
	new_call(&c, 0);
	fk.taken[0] = "2026-11-24T15:00";
	assert_string_equal(turn(&c, "can I get a tire rotation tuesday at 3 "
	    "pm"), "Sorry, 3 PM on Tuesday, November 24 isn't available. The "
	    "closest times I have are 2:30 PM, 3:30 PM or 4 PM. Would one of "
	    "those work?");
	assert_string_equal(fk.hint, "time");
	assert_non_null(strstr(turn(&c, "three thirty"), "name"));
	assert_string_equal(c.st.chosen, "2026-11-24T15:30");
	assert_non_null(strstr(turn(&c, "Maria Lopez"),
	    "Tire rotation on Tuesday, November 24 at 3:30 PM for Maria"));
}

static void
test_thanksgiving_and_after(void **state)
{
	struct brain_call c;

	(void)state;
	new_call(&c, 1);
	turn(&c, "yeah");
	/* the 26th is a holiday; "after 3" is kept for the next day */
	assert_string_equal(turn(&c, "I want an oil change on the 26th after 3"),
	    "Sorry, we're closed on Thursday, November 26. The next opening is "
	    "Friday, November 27, where I have 3 PM, 4:30 PM or 5:30 PM. Would "
	    "one of those work?");
	assert_non_null(strstr(turn(&c, "the last one"), "5:30 PM for John"));
}

static void
test_race_slot_taken_at_booking(void **state)
{
	struct brain_call c;

	(void)state;
	new_call(&c, 1);
	turn(&c, "yes");
	turn(&c, "oil change next tuesday at 10");
	fk.race = 1;
	assert_string_equal(turn(&c, "yes"), "Sorry, that time was just "
	    "taken. I can do 10:30 AM or 11 AM. Would one of those work?");
	assert_non_null(strstr(turn(&c, "10:30 works"), "10:30 AM for John"));
	assert_non_null(strstr(turn(&c, "yes"), "K 7 Q 2"));
	assert_int_equal(count_tool("book_appointment"), 2);
}

static void
test_questions_and_human(void **state)
{
	struct brain_call c;

	(void)state;
	new_call(&c, 0);
	assert_non_null(strstr(turn(&c, "what are your hours"),
	    "Monday to Friday 8 AM to 6 PM, Saturday 9 AM to 1 PM"));
	assert_non_null(strstr(last_say(), "closed on Sunday"));
	assert_non_null(strstr(turn(&c, "where are you located"),
	    "1200 Main Street, Springfield"));
	assert_non_null(strstr(turn(&c, "how much is an oil change"),
	    "49 dollars 95"));
	/* Saturday 10:00 is in hours: transfer */
	assert_non_null(strstr(turn(&c, "can I talk to a real person"),
	    "connect you"));
	assert_string_equal(fk.transfer_to, "+15555550111");
	assert_string_equal(fk.outcome, "transferred");
}

static void
test_human_out_of_hours_takes_message(void **state)
{
	struct brain_call c;
	json_t *a;

	(void)state;
	new_call(&c, 0);
	fk.now = at(2026, 11, 22, 15, 0);       /* Sunday */
	assert_non_null(strstr(turn(&c, "I'd like to speak to someone"),
	    "take a message"));
	assert_string_equal(fk.transfer_to, "");
	assert_non_null(strstr(turn(&c, "yes please"), "your name"));
	assert_non_null(strstr(turn(&c, "my name is Dana Reed"),
	    "What message"));
	assert_non_null(strstr(turn(&c, "please have the service manager call "
	    "me about my warranty"), "passed your message on"));
	a = last_tool_args("take_message");
	assert_string_equal(json_string_value(json_object_get(a, "name")),
	    "Dana Reed");
	assert_string_equal(json_string_value(json_object_get(a,
	    "callback_number")), "+15555550123");
	assert_non_null(strstr(json_string_value(json_object_get(a,
	    "message")), "warranty"));
	assert_string_equal(fk.outcome, "message_taken");
}

static void
test_misunderstandings(void **state)
{
	struct brain_call c;

	(void)state;
	new_call(&c, 0);
	assert_non_null(strstr(turn(&c, "purple monkey dishwasher"),
	    "didn't quite get"));
	turn(&c, "blah blah");
	assert_non_null(strstr(turn(&c, "the thing with the stuff"),
	    "trouble understanding"));
	assert_non_null(strstr(turn(&c, "a message"), "your name"));
}

static void
test_idle_and_crm_down(void **state)
{
	struct brain_call c;

	(void)state;
	new_call(&c, 0);
	brain_local.on_idle(&c, 1);
	assert_string_equal(last_say(), "Are you still there?");
	brain_local.on_idle(&c, 2);
	assert_false(fk.close[fk.nsays - 1]);
	brain_local.on_idle(&c, 3);
	assert_true(fk.close[fk.nsays - 1]);
	assert_string_equal(fk.outcome, "abandoned");

	new_call(&c, 0);
	fk.crm_down = 1;
	assert_non_null(strstr(turn(&c, "oil change on monday"),
	    "trouble reaching"));
	assert_non_null(strstr(turn(&c, "no thanks"), "anything else"));
}

static void
test_dtmf_and_repeat(void **state)
{
	struct brain_call c;

	(void)state;
	new_call(&c, 1);
	brain_local.on_dtmf(&c, "1");
	assert_true(c.st.identity_confirmed);
	turn(&c, "I need a state inspection friday at 9");
	assert_non_null(strstr(last_say(), "State inspection on Friday"));
	assert_string_equal(turn(&c, "sorry can you repeat that"),
	    "State inspection on Friday, November 27 at 9 AM for John, shall "
	    "I book it?");
	brain_local.on_dtmf(&c, "1");
	assert_non_null(strstr(last_say(), "K 7 Q 2"));
}

static int
setup(void **state)
{
	config_t cfg;
	char err[256];

	(void)state;
	setenv("TZ", "America/New_York", 1);
	tzset();
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg, conf), CONFIG_TRUE);
	assert_int_equal(fd_business_load(&cfg, &biz, err, sizeof(err)), 0);
	assert_int_equal(brain_local.init(&cfg, &biz, err, sizeof(err)), 0);
	config_destroy(&cfg);
	return 0;
}

static int
teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < fk.ntools; i++)
		json_decref(fk.args[i]);
	fk.ntools = 0;
	brain_local.fini();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_customer_booking),
		cmocka_unit_test(test_unknown_caller_with_correction),
		cmocka_unit_test(test_time_taken_offers_nearest),
		cmocka_unit_test(test_thanksgiving_and_after),
		cmocka_unit_test(test_race_slot_taken_at_booking),
		cmocka_unit_test(test_questions_and_human),
		cmocka_unit_test(test_human_out_of_hours_takes_message),
		cmocka_unit_test(test_misunderstandings),
		cmocka_unit_test(test_idle_and_crm_down),
		cmocka_unit_test(test_dtmf_and_repeat),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
