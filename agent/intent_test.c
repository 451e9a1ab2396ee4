/*
 * intent_test.c - intent scoring and service matching on what a speech
 * recogniser really returns: misheard words, fillers, no punctuation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/intent.h"

static struct fd_business biz;

struct icase {
	const char *text;
	enum intent want;
	const char *service; /* NULL: none */
};

static const struct icase cases[] = {
    {"book an oil change next to say at ten", INT_BOOK, "oil change"},
    {"i'd like to book an oil change", INT_BOOK, "oil change"},
    {"i need an oil chains", INT_BOOK, "oil change"},
    {"um i need to get my oil changed", INT_BOOK, "oil change"},
    {"can i make an appointment", INT_BOOK, NULL},
    {"i want to schedule a tire rotation", INT_BOOK, "tire rotation"},
    {"i need a tired rotation", INT_BOOK, "tire rotation"},
    {"my brakes are squeaking can i bring it in", INT_BOOK, "brake inspection"},
    {"brake inspection please", INT_BOOK, "brake inspection"},
    {"i need a state inspection", INT_BOOK, "state inspection"},
    {"just the inspection", INT_BOOK, "state inspection"},
    {"check engine light is on", INT_BOOK, "diagnostic"},
    {"my battery is dead", INT_BOOK, "battery replacement"},
    {"do you have any availability tomorrow", INT_BOOK, NULL},
    {"i wanna bring my car in", INT_BOOK, NULL},
    {"what are your hours", INT_HOURS, NULL},
    {"what time do you close today", INT_HOURS, NULL},
    {"are you open on saturday", INT_HOURS, NULL},
    {"what are you ours", INT_HOURS, NULL}, /* "your hours" misheard */
    {"where are you located", INT_ADDRESS, NULL},
    {"what's your address", INT_ADDRESS, NULL},
    {"how do i get to you guys", INT_ADDRESS, NULL},
    {"how much is an oil change", INT_PRICE, "oil change"},
    {"what does a tire rotation cost", INT_PRICE, "tire rotation"},
    {"can i talk to a real person", INT_HUMAN, NULL},
    {"let me speak to a human", INT_HUMAN, NULL},
    {"representative", INT_HUMAN, NULL},
    {"operator", INT_HUMAN, NULL},
    {"can i speak to the service manager", INT_HUMAN, NULL},
    {"can you transfer me", INT_HUMAN, NULL},
    {"i'd like to leave a message", INT_MESSAGE, NULL},
    {"can someone call me back", INT_CALLBACK, NULL},
    {"where is my car", INT_STATUS, NULL},
    {"when will my car be ready", INT_STATUS, NULL},
    {"is my car ready yet", INT_STATUS, NULL},
    {"what's the status of my repair", INT_STATUS, NULL},
    {"when will it be delivered", INT_STATUS, NULL},
    {"when will my car be delivered", INT_STATUS, NULL},
    {"has my car arrived", INT_STATUS, NULL},
    {"has my car arrived yet", INT_STATUS, NULL},
    {"when will my new car be delivered", INT_STATUS, NULL},
    {"has my new car arrived", INT_STATUS, NULL},
    {"when does my car arrive", INT_STATUS, NULL},
    {"what's the delivery date for my car", INT_STATUS, NULL},
    {"um when is it gonna be delivered", INT_STATUS, NULL},
    {"i want to buy a new car", INT_LEAD, NULL},
    {"do you speak spanish", INT_LANGUAGE, NULL},
    {"habla espanol", INT_LANGUAGE, NULL},
    {"spanish", INT_LANGUAGE, NULL},
    {"what languages do you speak", INT_LANGUAGE, NULL},
    {"is there someone who speaks chinese", INT_LANGUAGE, NULL},
    {"can i speak to a person", INT_HUMAN, NULL},
    {"i drive a french car and need an oil change", INT_BOOK, "oil change"},
    {"when is my appointment", INT_LIST, NULL},
    {"what appointments do i have", INT_LIST, NULL},
    {"i'm interested in buying a new car", INT_LEAD, NULL},
    {"i'd like a quote for my fleet of vans", INT_LEAD, NULL},
    {"what services do you offer", INT_SERVICES, NULL},
    {"i want to cancel my repair order", INT_CANCEL, NULL},
    {"i need to reschedule my appointment", INT_RESCHEDULE, NULL},
    {"i want to cancel my appointment", INT_CANCEL, NULL},
    {"no that's all thanks", INT_GOODBYE, NULL},
    {"bye", INT_GOODBYE, NULL},
    {"nothing else", INT_GOODBYE, NULL},
    {"sorry can you repeat that", INT_REPEAT, NULL},
    {"what did you say", INT_REPEAT, NULL},
    {"purple monkey dishwasher", INT_NONE, NULL},
    {"yes", INT_NONE, NULL},
    {"", INT_NONE, NULL},
};

static void
test_intents(void **state)
{
	struct intent_result r;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct icase *c = &cases[i];

		intent_read(c->text, &biz, &r);
		if (r.best != c->want ||
		    (c->service == NULL) != (r.service == NULL) ||
		    (c->service && strcmp(c->service, r.service->name) != 0)) {
			fprintf(stderr,
			    "MISMATCH \"%s\": got %s/%s want %s/%s\n", c->text,
			    intent_name(r.best),
			    r.service ? r.service->name : "-",
			    intent_name(c->want),
			    c->service ? c->service : "-");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_polarity(void **state)
{
	static const char *const yes[] = {"yes", "yeah that's right", "yep",
	    "sure", "correct", "that works", "sounds good",
	    "yes please book it", "uh huh", "okay", "speaking", "it is"};
	static const char *const no[] = {"no", "nope", "no thanks",
	    "that's not right", "no make it wednesday", "actually wait", "nah"};
	struct intent_result r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		intent_read(yes[i], &biz, &r);
		if (r.pol != POL_YES)
			fprintf(stderr, "not yes: %s\n", yes[i]);
		assert_int_equal(r.pol, POL_YES);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		intent_read(no[i], &biz, &r);
		if (r.pol != POL_NO)
			fprintf(stderr, "not no: %s\n", no[i]);
		assert_int_equal(r.pol, POL_NO);
	}
	intent_read("what are your hours", &biz, &r);
	assert_int_equal(r.pol, POL_NONE);
}

static void
test_backchannel(void **state)
{
	(void)state;
	assert_true(intent_backchannel("uh-huh"));
	assert_true(intent_backchannel("okay"));
	assert_true(intent_backchannel("yeah"));
	assert_true(intent_backchannel("mm hmm"));
	assert_true(intent_backchannel("oh okay"));
	assert_true(intent_backchannel(""));
	assert_false(intent_backchannel("wait"));
	assert_false(intent_backchannel("no not tuesday"));
	assert_false(intent_backchannel("yeah but can we do wednesday"));
	assert_int_equal(intent_words("uh the uh tuesday"), 2);
	/* what follows an answer after a pause ("Yes, please") */
	assert_true(intent_courtesy("please"));
	assert_true(intent_courtesy("thank you"));
	assert_true(intent_courtesy("thanks so much"));
	assert_false(intent_courtesy("you"));
	assert_false(intent_courtesy(""));
	assert_false(intent_courtesy("thanks bye"));
	assert_false(intent_courtesy("no thanks"));
	assert_false(intent_courtesy("please call me back"));
	/* a yes over these answers the agent; over the others it is a
	 * backchannel */
	assert_true(
	    intent_yes_no_question("Oil change on Tuesday, November "
	                           "24 at 10 AM for John, shall I book it?"));
	assert_true(intent_yes_no_question("Thanks for calling. Am I "
	                                   "speaking with John?"));
	assert_true(intent_yes_no_question("Where I have 8 AM or 1 PM. Would "
	                                   "one of those work?"));
	assert_true(intent_yes_no_question("Is there anything else I can help "
	                                   "you with? "));
	assert_true(intent_yes_no_question("You said 555 0100, is that "
	                                   "right?"));
	assert_false(intent_yes_no_question("Hi John! How can I help you "
	                                    "today?"));
	assert_false(intent_yes_no_question("What name should I put it "
	                                    "under?"));
	assert_false(intent_yes_no_question("If it's for the 2003 Honda "
	                                    "Accord instead, just say so."));
	assert_false(intent_yes_no_question(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_intents),
	    cmocka_unit_test(test_polarity),
	    cmocka_unit_test(test_backchannel),
	};
	config_t cfg;
	char err[128];

	config_init(&cfg);
	config_read_string(&cfg,
	    "business: { services = ("
	    "{ name = \"oil change\"; aliases = [\"oil\", \"lube\"]; },"
	    "{ name = \"tire rotation\"; aliases = [\"tires\", \"rotate\"]; },"
	    "{ name = \"brake inspection\"; aliases = [\"brakes\", \"brake\"]; "
	    "},"
	    "{ name = \"state inspection\"; aliases = [\"inspection\"]; },"
	    "{ name = \"diagnostic\"; aliases = [\"check engine\"]; },"
	    "{ name = \"battery replacement\"; aliases = [\"battery\"]; }); "
	    "};");
	if (fd_business_load(&cfg, &biz, err, sizeof(err)) != 0)
		return 1;
	config_destroy(&cfg);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
