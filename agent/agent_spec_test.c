/*
 * agent_spec_test.c - the speculative reply (agent_spec.c) with the local
 * brain, the fake core and the in-memory crm-tools (tests/fakes/): a
 * hypothesis the final confirms is committed (its state, its reply
 * released once, its read-only search not made again); one whose reply
 * books never reaches the CRM, and when the final differs nothing of it
 * is said or kept; a stopped speculation leaves the final to be answered
 * as usual (one booking); the caller going on gets a reply to the whole
 * turn; words compare as the recogniser's words, not its punctuation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/agent_spec.h"
#include "agent/brain.h"
#include "tests/fakes/fake_call.h"
#include "tests/fakes/fake_core.h"
#include "tests/fakes/fakecrm.h"
#include "tests/fakes/otto_conf.h"
#include "tests/harness/unit.h"

static const char conf[] = OTTO_HEAD
    "  services = (\n"
    "    { name = \"oil change\"; duration = 30; price = 49.95;\n"
    "      aliases = [ \"oil\", \"lube\" ]; },\n"
    "    { name = \"tire rotation\"; duration = 30; price = 29.95; }\n"
    "  );\n"
    "};\n";

#define JOHN "+15551230001"

static struct fd_business biz;
static struct fake_core fk;
static struct fakecrm crm;

/* What the speculation asked of the core's side of tts-worker. */
static struct {
	int holds, cancels, releases;
	uint32_t next, held, cancelled, released;
	char held_text[1024];
} io;

static uint32_t
io_hold(void *arg, const char *text, int close)
{
	(void)arg;
	(void)close;
	io.holds++;
	snprintf(io.held_text, sizeof(io.held_text), "%s", text);
	return io.held = ++io.next;
}

static void
io_cancel(void *arg, uint32_t utt)
{
	(void)arg;
	io.cancels++;
	io.cancelled = utt;
}

/* the core plays it: as a say of the fake core */
static void
io_release(void *arg, uint32_t utt, const char *text, int close)
{
	io.releases++;
	io.released = utt;
	fake_call_ops.say(arg, text, close);
}

static json_t *
io_tool(void *arg, const char *name, json_t *args)
{
	return fake_call_ops.tool(arg, name, args);
}

static const struct spec_io spec_io = {io_hold, io_cancel, io_release, io_tool};

static int
count_tool(const char *tool)
{
	return fake_core_tool_count(&fk, tool);
}

static const char *
last_say(void)
{
	return fk.nsays ? fk.says[fk.nsays - 1] : "";
}

static void
turn(struct brain_call *c, const char *text)
{
	brain_local.on_utterance(c, text, 0.9);
	printf("  caller: %s\n  agent:  %s\n", text, last_say());
}

/* John's call, his identity confirmed. */
static void
johns_call(struct brain_call *c)
{
	memset(&io, 0, sizeof(io));
	io.next = 100;
	fake_call_start(c, &fk, &crm, &biz, fake_core_at(2026, 11, 21, 10, 0),
	    "CAspec", JOHN);
	turn(c, "yes it is");
	assert_true(c->st.identity_confirmed);
}

static struct spec *
speculate(struct brain_call *c, const char *text, int64_t start_ms)
{
	printf("  caller (stable): %s\n", text);
	return spec_run(
	    &brain_local, c, &spec_io, &fk, text, 0.9, start_ms, NULL, NULL);
}

static void
test_matching_final_commits(void **state)
{
	struct brain_call c;
	struct spec *s;
	int says, asked;

	(void)state;
	johns_call(&c);
	says = fk.nsays;
	asked = c.st.asked;
	s = speculate(&c, "book an oil change next tuesday at ten", 4000);
	assert_non_null(s);
	assert_string_equal(spec_stopped(s), "");
	/* prepared, held, not said; the call's state untouched; the slot
	 * search (a read) made */
	assert_int_equal(io.holds, 1);
	assert_non_null(strstr(io.held_text, "Oil change on Tuesday"));
	assert_int_equal(fk.nsays, says);
	assert_null(c.st.service);
	assert_int_equal(c.st.asked, asked);
	assert_int_equal(count_tool("find_slots"), 1);
	/* the final: other punctuation and case, the same words */
	assert_false(spec_matches(
	    s, "Book an oil change next Tuesday at ten.", 0.9, 4400));
	assert_false(spec_matches(
	    s, "Book an oil change next Tuesday at ten.", 0.5, 4000));
	assert_true(spec_matches(
	    s, "Book an oil change, next Tuesday at ten.", 0.9, 4000));
	spec_commit(s, &c);
	/* released once, as the one reply; the state is the copy's */
	assert_int_equal(io.releases, 1);
	assert_int_equal(io.released, io.held);
	assert_int_equal(io.cancels, 0);
	assert_int_equal(fk.nsays, says + 1);
	assert_string_equal(last_say(), io.held_text);
	assert_string_equal(c.st.last_said, io.held_text);
	assert_non_null(c.st.service);
	assert_string_equal(c.st.chosen, "2026-11-24T10:00");
	assert_string_equal(fk.hint, "yesno");
	assert_int_equal(count_tool("find_slots"), 1);
	/* the call goes on from the committed state: one booking */
	turn(&c, "yes please");
	assert_non_null(strstr(last_say(), "confirmation code"));
	assert_int_equal(count_tool("book_appointment"), 1);
	assert_int_equal(crm.booked_for, 1);
}

/* The reply to "yes please" books: the speculation stops at the tool,
 * which never reaches the CRM.  The final says otherwise: nothing of it
 * was said, nothing booked, and the final is answered from the state
 * before it. */
static void
test_booking_not_from_a_hypothesis(void **state)
{
	struct brain_call c;
	struct spec *s;
	int says, nappts;

	(void)state;
	johns_call(&c);
	turn(&c, "book an oil change next tuesday at ten");
	assert_string_equal(c.st.chosen, "2026-11-24T10:00");
	says = fk.nsays;
	nappts = crm.nappts;
	s = speculate(&c, "yes please", 8000);
	assert_non_null(strstr(spec_stopped(s), "book_appointment"));
	assert_int_equal(count_tool("book_appointment"), 0);
	assert_int_equal(crm.booked_for, 0);
	assert_int_equal(crm.nappts, nappts);
	/* what it may have held is cancelled already */
	assert_int_equal(io.cancels, io.holds);
	assert_false(spec_matches(s, "yes please", 0.9, 8000));
	assert_false(spec_matches(s, "no make it thursday", 0.9, 8000));
	spec_drop(s, "the final differs");
	assert_int_equal(io.releases, 0);
	assert_int_equal(fk.nsays, says);
	assert_string_equal(c.st.chosen, "2026-11-24T10:00");
	turn(&c, "no make it thursday");
	assert_non_null(strstr(last_say(), "Thursday"));
	assert_int_equal(count_tool("book_appointment"), 0);
	assert_int_equal(crm.booked_for, 0);
	assert_int_equal(crm.nappts, nappts);
}

/* Stopped at the booking, and the final is the same "yes please": it is
 * answered as any turn, and the booking made once. */
static void
test_stopped_then_same_final_books_once(void **state)
{
	struct brain_call c;
	struct spec *s;

	(void)state;
	johns_call(&c);
	turn(&c, "book an oil change next tuesday at ten");
	s = speculate(&c, "yes please", 8000);
	assert_true(spec_stopped(s)[0] != '\0');
	assert_false(spec_matches(s, "yes please", 0.9, 8000));
	spec_drop(s, "stopped");
	turn(&c, "yes please");
	assert_non_null(strstr(last_say(), "confirmation code"));
	assert_int_equal(count_tool("book_appointment"), 1);
	assert_int_equal(crm.booked_for, 1);
}

/* A held reply to the first words; the caller goes on: dropped (its
 * utterance cancelled), and the reply answers the whole turn. */
static void
test_caller_goes_on(void **state)
{
	struct brain_call c;
	struct spec *s;
	int says;

	(void)state;
	johns_call(&c);
	says = fk.nsays;
	s = speculate(&c, "i'd like to book", 4000);
	assert_int_equal(io.holds, 1);
	spec_drop(s, "the caller went on");
	assert_int_equal(io.cancels, 1);
	assert_int_equal(io.cancelled, io.held);
	assert_int_equal(fk.nsays, says);
	turn(&c, "i'd like to book an oil change next tuesday at ten");
	assert_non_null(strstr(last_say(), "Oil change on Tuesday"));
	assert_int_equal(fk.nsays, says + 1);
}

static void
test_words_and_tools(void **state)
{
	char w[64];

	(void)state;
	spec_normalise("  Yes, it's TUESDAY   at 10!  ", w, sizeof(w));
	assert_string_equal(w, "yes its tuesday at 10");
	spec_normalise("", w, sizeof(w));
	assert_string_equal(w, "");
	spec_normalise("a very long line of words", w, 8);
	assert_true(strlen(w) < 8);
	assert_true(spec_read_only_tool("find_slots"));
	assert_true(spec_read_only_tool("get_upcoming_appointments"));
	assert_false(spec_read_only_tool("book_appointment"));
	assert_false(spec_read_only_tool("cancel_appointment"));
	assert_false(spec_read_only_tool("take_message"));
	assert_false(spec_read_only_tool("verify_caller"));
	assert_false(spec_read_only_tool("lookup_customer"));
	assert_false(spec_read_only_tool("log_turn"));
}

static int
setup(void **state)
{
	(void)state;
	fake_brain_setup(conf, &biz, &fk);
	return 0;
}

UNIT_MAIN(setup, fake_brain_teardown,
    cmocka_unit_test(test_matching_final_commits),
    cmocka_unit_test(test_booking_not_from_a_hypothesis),
    cmocka_unit_test(test_stopped_then_same_final_books_once),
    cmocka_unit_test(test_caller_goes_on),
    cmocka_unit_test(test_words_and_tools), )
