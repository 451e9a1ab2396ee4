/*
 * brain_cope_test.c - the local brain with callers it was not scripted
 * for: a goodbye inside another answer, a hang-up in the middle of a
 * message, a second booking of a service already booked, a vehicle named
 * along the way, a name heard as "a human", weak names spelled, and a
 * transfer asked for on a weak match.  Same fake core and in-memory CRM
 * as brain_test.c, the clock pinned to Saturday 2026-11-21 10:00 New
 * York.
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
#include "agent/brain_local.h"
#include "tests/fakes/fake_call.h"
#include "tests/fakes/fake_core.h"
#include "tests/fakes/fakecrm.h"
#include "tests/fakes/otto_conf.h"
#include "tests/harness/unit.h"

static const char biz_conf[] =
    OTTO_HEAD "  services = (\n"
              "    { name = \"oil change\"; duration = 30; price = 49.95;\n"
              "      aliases = [ \"oil\", \"lube\" ]; },\n"
              "    { name = \"tire rotation\"; duration = 30; price = 29.95;\n"
              "      aliases = [ \"tires\", \"rotate\" ]; }\n"
              "  );\n"
              "};\n";

static struct fd_business biz;
static struct fake_core fk;
static struct fakecrm crm;

#define JOHN "+15551230001"
#define NEWCOMER "+15555550123"

static void
start_call(struct brain_call *c, const char *from)
{
	fake_call_start(c, &fk, &crm, &biz, fake_core_at(2026, 11, 21, 10, 0),
	    "CAcope", from);
}

static const char *
last_say(void)
{
	return fk.nsays ? fk.says[fk.nsays - 1] : "";
}

static int
last_closes(void)
{
	return fk.nsays ? fk.close[fk.nsays - 1] : 0;
}

/* One caller turn heard with the given confidence. */
static const char *
heard(struct brain_call *c, const char *text, double conf)
{
	int before = fk.nsays;

	brain_local.on_utterance(c, text, conf);
	assert_true(fk.nsays > before);
	printf("  caller: %s (%.2f)\n  agent:  %s\n", text, conf, last_say());
	return last_say();
}

static const char *
turn(struct brain_call *c, const char *text)
{
	return heard(c, text, 0.9);
}

static int
count_tool(const char *tool)
{
	return fake_core_tool_count(&fk, tool);
}

static const char *
jarg(const char *tool, const char *key)
{
	int i;

	for (i = fk.ntools - 1; i >= 0; i--)
		if (strcmp(fk.tools[i], tool) == 0)
			return json_string_value(
			    json_object_get(fk.args[i], key));
	return NULL;
}

static json_t *
last_args(const char *tool)
{
	int i;

	for (i = fk.ntools - 1; i >= 0; i--)
		if (strcmp(fk.tools[i], tool) == 0)
			return fk.args[i];
	return NULL;
}

/* John, known by his number, asks for an oil change next Tuesday at ten:
 * the agent reads the booking back and waits for his yes. */
static void
john_at_readback(struct brain_call *c)
{
	start_call(c, JOHN);
	turn(c, "yes it is");
	turn(c, "I need an oil change next tuesday at ten");
}

static void
test_goodbye_split(void **state)
{
	char rest[128];

	(void)state;
	assert_true(goodbye_split("yes please bye", rest, sizeof(rest)));
	assert_string_equal(rest, "yes please");
	assert_true(goodbye_split("Thanks, bye!", rest, sizeof(rest)));
	assert_string_equal(rest, "");
	assert_true(
	    goodbye_split("okay great thank you goodbye", rest, sizeof(rest)));
	assert_string_equal(rest, "");
	assert_true(goodbye_split(
	    "tomorrow morning, have a good day", rest, sizeof(rest)));
	assert_string_equal(rest, "tomorrow morning");
	/* a recogniser's "buy" is no goodbye */
	assert_false(goodbye_split("i want to bye a car", rest, sizeof(rest)));
	assert_false(goodbye_split("no that's all", rest, sizeof(rest)));
	assert_true(name_implausible("Mary", "A Human"));
	assert_true(name_implausible("That", ""));
	assert_false(name_implausible("Mary", "Brown"));
}

/* "yes ... bye" books what was read back, then closes: no "anything
 * else?" for a caller who has gone. */
static void
test_yes_bye_books_and_closes(void **state)
{
	struct brain_call c;

	(void)state;
	john_at_readback(&c);
	assert_int_equal(c.st.asked, ASK_CONFIRM_BOOK);
	turn(&c, "yes that's fine bye");
	assert_int_equal(count_tool("book_appointment"), 1);
	assert_non_null(strstr(last_say(), "confirmation code"));
	assert_null(strstr(last_say(), "anything else"));
	assert_non_null(strstr(last_say(), "Have a"));
	assert_true(last_closes());
	assert_int_equal(c.st.asked, ASK_DONE);
	assert_string_equal(fk.outcome, "booked");

	/* "bye" alone at the read-back books nothing */
	john_at_readback(&c);
	turn(&c, "okay bye");
	assert_int_equal(count_tool("book_appointment"), 0);
	assert_true(last_closes());
}

/* "thanks bye" is never the callback time: the callback is asked for
 * with what it has, and the call closes. */
static void
test_callback_time_is_not_a_goodbye(void **state)
{
	struct brain_call c;

	(void)state;
	start_call(&c, NEWCOMER);
	assert_non_null(strstr(turn(&c, "can someone call me back"), "name"));
	turn(&c, "Dana Reed");
	turn(&c, "yes");
	assert_int_equal(c.st.asked, ASK_CALLBACK_WHEN);
	turn(&c, "thanks bye");
	assert_int_equal(count_tool("request_callback"), 1);
	assert_null(strstr(jarg("request_callback", "when"), "bye"));
	assert_null(strstr(last_say(), "thanks bye"));
	assert_true(last_closes());
	assert_string_equal(fk.outcome, "callback_requested");

	/* a time and a goodbye: the time is kept, the goodbye not */
	start_call(&c, NEWCOMER);
	turn(&c, "can someone call me back");
	turn(&c, "Dana Reed");
	turn(&c, "yes");
	turn(&c, "tomorrow morning thanks bye");
	assert_string_equal(
	    jarg("request_callback", "when"), "tomorrow morning");
	assert_true(last_closes());
}

/* A message given in the same breath as the name is not asked again; a
 * hang-up before the end saves what there was, marked incomplete. */
static void
test_message_kept_when_call_ends(void **state)
{
	struct brain_call c;
	const char *m;

	(void)state;
	start_call(&c, NEWCOMER);
	turn(&c, "I'd like to leave a message");
	turn(&c,
	    "this is Dana Reed please tell Mike the car is making a "
	    "grinding noise");
	assert_string_equal(c.st.msg_name, "Dana Reed");
	turn(&c, "yes");
	/* not asked for the message again: straight to its urgency */
	assert_int_equal(c.st.asked, ASK_MSG_URGENCY);
	assert_int_equal(count_tool("take_message"), 0);
	brain_local.on_end(&c, "hangup");
	assert_int_equal(count_tool("take_message"), 1);
	m = jarg("take_message", "message");
	assert_non_null(strstr(m, "INCOMPLETE"));
	assert_non_null(strstr(m, "grinding noise"));
	assert_string_equal(jarg("take_message", "callback_number"), NEWCOMER);
	assert_string_equal(fk.outcome, "message_taken");

	/* hung up before saying the message: the person still learns who
	 * wanted to leave one and where to call */
	start_call(&c, NEWCOMER);
	turn(&c, "I'd like to leave a message");
	turn(&c, "Dana Reed");
	turn(&c, "yes");
	assert_int_equal(c.st.asked, ASK_MSG_TEXT);
	brain_local.on_end(&c, "hangup");
	assert_int_equal(count_tool("take_message"), 1);
	assert_string_equal(jarg("take_message", "name"), "Dana Reed");
	assert_non_null(strstr(jarg("take_message", "message"), "INCOMPLETE"));

	/* goodbye said instead of the message: saved, then the call ends */
	start_call(&c, NEWCOMER);
	turn(&c, "I'd like to leave a message");
	turn(&c, "Dana Reed");
	turn(&c, "yes");
	turn(&c, "oh never mind, bye");
	assert_int_equal(count_tool("take_message"), 1);
	assert_true(last_closes());

	/* a finished call saves nothing more */
	start_call(&c, NEWCOMER);
	turn(&c, "what are your hours");
	brain_local.on_end(&c, "hangup");
	assert_int_equal(count_tool("take_message"), 0);
}

/* A known caller with an oil change booked asks for an oil change: the
 * read-back says so and a "move" moves that one instead of booking a
 * second. */
static void
test_existing_appointment_move_or_add(void **state)
{
	struct brain_call c;

	(void)state;
	start_call(&c, JOHN);
	fakecrm_add_appt(&crm, 1, "oil change", "2026-11-23T09:00", "AB12C");
	turn(&c, "yes it is");
	assert_non_null(strstr(turn(&c,
	                           "I need an oil change on wednesday at "
	                           "ten"),
	    "shall I book it? If it's for the 2003 Honda Accord "
	    "instead, just say so. You already have your oil change on "
	    "Monday, November 23 at 9 AM; if you'd rather move that one, just "
	    "say move."));
	assert_int_equal(c.st.asked, ASK_CONFIRM_BOOK);
	/* move it: the day and time asked for stand */
	assert_non_null(strstr(turn(&c, "oh move that one please"),
	    "move your oil change on Monday, November 23 at 9 AM to "
	    "Wednesday, November 25 at 10 AM"));
	assert_int_equal(c.st.task, TASK_RESCHEDULE);
	turn(&c, "yes");
	assert_int_equal(count_tool("book_appointment"), 0);
	assert_int_equal(count_tool("reschedule_appointment"), 1);

	/* moved to another day than the one asked */
	start_call(&c, JOHN);
	fakecrm_add_appt(&crm, 1, "oil change", "2026-11-23T09:00", "AB12C");
	turn(&c, "yes it is");
	turn(&c, "I need an oil change on wednesday at ten");
	assert_non_null(strstr(turn(&c, "no move it to friday at ten"),
	    "to Friday, November 27 at 10 AM"));
	turn(&c, "yes");
	assert_int_equal(count_tool("reschedule_appointment"), 1);

	/* a yes books another */
	start_call(&c, JOHN);
	fakecrm_add_appt(&crm, 1, "oil change", "2026-11-23T09:00", "AB12C");
	turn(&c, "yes it is");
	turn(&c, "I need an oil change on wednesday at ten");
	turn(&c, "yes");
	assert_int_equal(count_tool("book_appointment"), 1);
	assert_int_equal(count_tool("reschedule_appointment"), 0);

	/* another service: nothing said of the oil change */
	start_call(&c, JOHN);
	fakecrm_add_appt(&crm, 1, "oil change", "2026-11-23T09:00", "AB12C");
	turn(&c, "yes it is");
	assert_null(strstr(turn(&c,
	                       "I need a tire rotation on wednesday at "
	                       "ten"),
	    "already have"));
	assert_int_equal(c.st.asked, ASK_CONFIRM_BOOK);
}

/* The vehicle the caller names is the one read back. */
static void
test_vehicle_named_is_read_back(void **state)
{
	struct brain_call c;

	(void)state;
	start_call(&c, JOHN);
	/* named in the first breath, with the confirmation */
	assert_non_null(strstr(turn(&c,
	                           "yes this is John, I need an oil "
	                           "change for the Accord on wednesday at ten"),
	    "for your 2003 "
	    "Honda Accord"));
	start_call(&c, JOHN);
	turn(&c, "yes it is");
	turn(&c, "I need an oil change");
	/* named with the day */
	assert_non_null(strstr(
	    turn(&c, "wednesday at ten for the accord"), "2003 Honda Accord"));
	turn(&c, "yes");
	assert_int_equal(json_integer_value(json_object_get(
	                     last_args("book_appointment"), "vehicle_id")),
	    8);
}

/* A compound first turn: the name, the service, the day and time and
 * a question about the hours, all used. */
static void
test_compound_first_turn(void **state)
{
	struct brain_call c;
	char first[64], last[64];
	int n;

	(void)state;
	assert_true(name_in_turn("hi this is dana reed i need an oil change",
	    first, sizeof(first), last, sizeof(last)));
	assert_string_equal(first, "Dana");
	assert_string_equal(last, "Reed");
	assert_true(name_in_turn("my name is dana and i need", first,
	    sizeof(first), last, sizeof(last)));
	assert_string_equal(last, "");
	assert_false(name_in_turn(
	    "this is about my car", first, sizeof(first), last, sizeof(last)));

	start_call(&c, NEWCOMER);
	n = fk.nsays;
	/* no "what's your name?": straight to the read-back */
	assert_non_null(strstr(
	    turn(&c,
	        "hi this is dana reed, what are your "
	        "hours, and can I book an oil change on wednesday at ten"),
	    "Oil change on Wednesday, November 25 at 10 AM for Dana"));
	assert_int_equal(fk.nsays, n + 2);
	assert_non_null(strstr(fk.says[n], "open"));
	turn(&c, "yes");
	assert_string_equal(jarg("book_appointment", "first_name"), "Dana");
	assert_string_equal(jarg("book_appointment", "last_name"), "Reed");
}

/* "Mary a human" is a misheard name: no transfer, the last name is
 * spelled (NATO alphabet) and booked. */
static void
test_name_with_a_human_is_spelled(void **state)
{
	struct brain_call c;

	(void)state;
	start_call(&c, NEWCOMER);
	turn(&c, "I need an oil change on wednesday at ten");
	assert_int_equal(c.st.asked, ASK_NAME);
	assert_non_null(
	    strstr(heard(&c, "mary a human", 0.2), "spell your last name"));
	assert_int_equal(count_tool("transfer_to_human"), 0);
	assert_string_equal(fk.transfer_to, "");
	assert_non_null(strstr(
	    turn(&c, "bravo romeo oscar whiskey november"), "Mary Brown"));
	assert_int_equal(c.st.asked, ASK_CONFIRM_BOOK);
	turn(&c, "yes");
	assert_string_equal(jarg("book_appointment", "last_name"), "Brown");
	assert_string_equal(jarg("book_appointment", "first_name"), "Mary");

	/* "I want a human" where a name is asked: confirmed first */
	start_call(&c, NEWCOMER);
	turn(&c, "I need an oil change on wednesday at ten");
	assert_non_null(strstr(
	    heard(&c, "i want a human", 0.6), "connect you with a person"));
	assert_int_equal(count_tool("transfer_to_human"), 0);
	assert_non_null(strstr(turn(&c, "no"), "name"));
	assert_int_equal(c.st.asked, ASK_NAME);
	turn(&c, "Mary Brown");
	assert_int_equal(c.st.asked, ASK_CONFIRM_BOOK);
}

/* A weakly heard name is spelled back; "no, the name is wrong" asks for
 * the spelling, letters and letter names both understood. */
static void
test_weak_name_spelled_back(void **state)
{
	struct brain_call c;

	(void)state;
	start_call(&c, NEWCOMER);
	turn(&c, "I need an oil change on wednesday at ten");
	assert_non_null(strstr(heard(&c, "karen white", 0.2),
	    "Karen White, "
	    "spelled <spell>White</spell>"));
	assert_non_null(strstr(
	    turn(&c, "no the last name is wrong"), "spell your last name"));
	assert_non_null(strstr(turn(&c, "w y double t"), "for Karen Wytt,"));
	turn(&c, "yes");
	assert_string_equal(jarg("book_appointment", "last_name"), "Wytt");

	/* heard well: read back plainly */
	start_call(&c, NEWCOMER);
	turn(&c, "I need an oil change on wednesday at ten");
	assert_null(strstr(heard(&c, "karen white", 0.9), "spelled"));
}

/* One word asking for a person, heard weakly, is confirmed; a clear
 * request is not. */
static void
test_weak_transfer_confirmed(void **state)
{
	struct brain_call c;

	(void)state;
	start_call(&c, NEWCOMER);
	assert_non_null(
	    strstr(heard(&c, "human", 0.1), "connect you with a person"));
	assert_int_equal(count_tool("transfer_to_human"), 0);
	turn(&c, "yes please");
	assert_int_equal(count_tool("transfer_to_human"), 1);

	start_call(&c, NEWCOMER);
	heard(&c, "can i talk to a real person please", 0.1);
	assert_int_equal(count_tool("transfer_to_human"), 1);
}

/* The recogniser's word confidences and alternatives steer the same
 * decisions: an unsure "person" is confirmed, an unsure surname spelled
 * back, and a model is told what else was heard. */
static void
test_recognition_metadata(void **state)
{
	struct brain_call c;
	json_t *words, *nbest;
	char note[300];

	(void)state;
	words = json_pack("[{s:s, s:f}, {s:s, s:f}]", "word", "a", "confidence",
	    0.8, "word", "person", "confidence", 0.1);
	start_call(&c, NEWCOMER);
	c.words = words;
	assert_non_null(
	    strstr(heard(&c, "a person", 0.9), "connect you with a person"));
	assert_int_equal(count_tool("transfer_to_human"), 0);
	/* asked for in so many words, it stands */
	start_call(&c, NEWCOMER);
	c.words = words;
	heard(&c, "can i talk to a real person please", 0.9);
	assert_int_equal(count_tool("transfer_to_human"), 1);
	c.words = NULL;
	json_decref(words);

	words = json_pack("[{s:s, s:f}, {s:s, s:f}]", "word", "karen",
	    "confidence", 0.9, "word", "white", "confidence", 0.2);
	start_call(&c, NEWCOMER);
	turn(&c, "I need an oil change on wednesday at ten");
	c.words = words;
	assert_non_null(strstr(heard(&c, "karen white", 0.9),
	    "spelled "
	    "<spell>White</spell>"));
	c.words = NULL;

	nbest = json_pack("[{s:s, s:f}, {s:s, s:f}]", "text", "karen white",
	    "confidence", 0.9, "text", "karen wyatt", "confidence", 0.4);
	c.nbest = nbest;
	c.words = words;
	call_recog_note(&c, 0.9, note, sizeof(note));
	assert_string_equal(note,
	    "[speech recognition: confidence 0.90; it "
	    "may also have been \"karen wyatt\" (0.40); unsure words: white "
	    "(0.20)]");
	assert_true(call_word_confidence(&c, "White") < 0.3);
	assert_true(call_word_confidence(&c, "smith") < 0);
	c.nbest = c.words = NULL;
	call_recog_note(&c, 0.9, note, sizeof(note));
	assert_string_equal(note, "");
	json_decref(words);
	json_decref(nbest);
}

/* Offered a person after being misunderstood, a weak hearing of "a
 * mechanic" is confirmed before anyone is called; a clear one is not. */
static void
test_weak_answer_to_person_offer(void **state)
{
	struct brain_call c;

	(void)state;
	start_call(&c, NEWCOMER);
	heard(&c, "what kind i have a five one", 0.1);
	heard(&c, "what kind i have a five one", 0.1);
	heard(&c, "what kind i have a five one", 0.1);
	assert_int_equal(c.st.asked, ASK_HUMAN_OR_MSG);
	assert_non_null(strstr(heard(&c, "can i have a mechanic", 0.09),
	    "connect you with a "
	    "person"));
	assert_int_equal(count_tool("transfer_to_human"), 0);
	turn(&c, "no");
	assert_int_equal(count_tool("transfer_to_human"), 0);

	start_call(&c, NEWCOMER);
	heard(&c, "what kind i have a five one", 0.1);
	heard(&c, "what kind i have a five one", 0.1);
	heard(&c, "what kind i have a five one", 0.1);
	heard(&c, "yes a person please", 0.28);
	assert_int_equal(count_tool("transfer_to_human"), 1);
}

/* A callback under way survives the caller not being understood: what
 * was given is passed on as a callback request, not swapped for an
 * offer of the message they are already leaving. */
static void
test_give_up_keeps_the_callback(void **state)
{
	struct brain_call c;

	(void)state;
	start_call(&c, NEWCOMER);
	turn(&c, "could someone call me back about a quote");
	assert_int_equal(c.st.task, TASK_CALLBACK);
	heard(&c, "Carlos Foster", 0.8);
	heard(&c, "good please", 0.03);
	heard(&c, "good please", 0.03);
	assert_int_equal(count_tool("take_message"), 0);
	assert_non_null(
	    strstr(heard(&c, "good please", 0.03), "someone from our team"));
	assert_int_equal(count_tool("take_message"), 1);
	assert_true(json_is_true(
	    json_object_get(last_args("take_message"), "call_back")));
	assert_non_null(strstr(jarg("take_message", "message"), "INCOMPLETE"));
	assert_string_equal(jarg("take_message", "name"), "Carlos Foster");
	assert_string_equal(fk.outcome, "callback_requested");
	assert_int_equal(c.st.asked, ASK_ANYTHING_ELSE);
}

/* Every call ends with an outcome: one that reached nothing says what
 * the caller was after. */
static void
test_ended_call_has_an_outcome(void **state)
{
	struct brain_call c;

	(void)state;
	start_call(&c, NEWCOMER);
	turn(&c, "I need an oil change");
	assert_string_equal(fk.outcome, "");
	brain_local.on_end(&c, "stop");
	assert_string_equal(fk.outcome, "abandoned");
	assert_non_null(strstr(c.st.outcome_notes, "oil change"));
	assert_int_equal(count_tool("take_message"), 0);

	start_call(&c, NEWCOMER);
	heard(&c, "what kind i have", 0.1);
	brain_local.on_end(&c, "stop");
	assert_string_equal(fk.outcome, "abandoned");

	/* an outcome reached stays */
	start_call(&c, NEWCOMER);
	turn(&c, "what are your hours");
	brain_local.on_end(&c, "stop");
	assert_string_equal(fk.outcome, "info_only");
}

/* A yes to a read-back heard too weakly to book on ("the a that works"
 * at 0.07) is asked again as a plain yes or no; the answer to that
 * books.  A clear yes books at once. */
static void
test_weak_yes_asked_again(void **state)
{
	struct brain_call c;

	(void)state;
	john_at_readback(&c);
	assert_int_equal(c.st.asked, ASK_CONFIRM_BOOK);
	assert_non_null(
	    strstr(heard(&c, "the a that works", 0.07), "yes or no"));
	assert_int_equal(count_tool("book_appointment"), 0);
	assert_int_equal(c.st.asked, ASK_CONFIRM_BOOK);
	heard(&c, "yes", 0.12);
	assert_int_equal(count_tool("book_appointment"), 1);

	/* a weak yes and no answer to the check: nothing booked, and the
	 * hang-up leaves the slot in the call's notes */
	john_at_readback(&c);
	heard(&c, "yes thanks bye", 0.07);
	assert_int_equal(count_tool("book_appointment"), 0);
	brain_local.on_end(&c, "stop");
	assert_string_equal(fk.outcome, "abandoned");
	assert_non_null(strstr(c.st.outcome_notes, "oil change at 2026-11-24"));

	john_at_readback(&c);
	heard(&c, "yes please", 0.3);
	assert_int_equal(count_tool("book_appointment"), 1);

	/* "Yes, that's right." heard "no that's right" at 0.07: neither
	 * the end of the call nor of the booking; asked again */
	john_at_readback(&c);
	assert_non_null(
	    strstr(heard(&c, "no that's right", 0.07), "yes or a no"));
	assert_false(last_closes());
	assert_int_equal(c.st.asked, ASK_CONFIRM_BOOK);
	heard(&c, "yes", 0.2);
	assert_int_equal(count_tool("book_appointment"), 1);
}

/* "that thanks bye" at a read-back: what came before the goodbye is
 * neither yes nor no, so the caller is asked once before they go; their
 * yes books and the call closes.  "no thanks bye" books nothing. */
static void
test_unclear_answer_with_goodbye(void **state)
{
	struct brain_call c;

	(void)state;
	john_at_readback(&c);
	assert_non_null(strstr(turn(&c, "that thanks bye"), "before you go"));
	assert_int_equal(count_tool("book_appointment"), 0);
	assert_false(last_closes());
	turn(&c, "yes please bye");
	assert_int_equal(count_tool("book_appointment"), 1);
	assert_true(last_closes());

	/* unclear again: not booked, but the slot read back is in the
	 * call's notes for the team */
	john_at_readback(&c);
	turn(&c, "that thanks bye");
	assert_non_null(strstr(turn(&c, "that thanks bye"), "haven't booked"));
	assert_int_equal(count_tool("book_appointment"), 0);
	assert_true(last_closes());
	assert_string_equal(fk.outcome, "info_only");
	assert_non_null(strstr(c.st.outcome_notes, "oil change at 2026-11-24"));

	john_at_readback(&c);
	turn(&c, "no thanks bye");
	assert_int_equal(count_tool("book_appointment"), 0);
	assert_true(last_closes());
}

static int
setup(void **state)
{
	(void)state;
	fake_brain_setup(biz_conf, &biz, &fk);
	return 0;
}

UNIT_MAIN(setup, fake_brain_teardown, cmocka_unit_test(test_goodbye_split),
    cmocka_unit_test(test_yes_bye_books_and_closes),
    cmocka_unit_test(test_callback_time_is_not_a_goodbye),
    cmocka_unit_test(test_message_kept_when_call_ends),
    cmocka_unit_test(test_existing_appointment_move_or_add),
    cmocka_unit_test(test_vehicle_named_is_read_back),
    cmocka_unit_test(test_compound_first_turn),
    cmocka_unit_test(test_name_with_a_human_is_spelled),
    cmocka_unit_test(test_weak_name_spelled_back),
    cmocka_unit_test(test_weak_transfer_confirmed),
    cmocka_unit_test(test_recognition_metadata),
    cmocka_unit_test(test_weak_answer_to_person_offer),
    cmocka_unit_test(test_give_up_keeps_the_callback),
    cmocka_unit_test(test_ended_call_has_an_outcome),
    cmocka_unit_test(test_weak_yes_asked_again),
    cmocka_unit_test(test_unclear_answer_with_goodbye), )
