/*
 * callsim_test.c - unit tests for callsim's pure logic: scenario parsing
 * and rejection, the playout buffer and mark echo rules, heard_contains
 * matching (and not matching what the agent says otherwise), the hearing
 * corpus being in step with the agent's templates, TwiML reading and appointment matching, and the WebSocket
 * framing of --streams.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent_lines.h"
#include "cs_call.h"
#include "config.h"
#include "eval.h"
#include "expect.h"
#include "heard.h"
#include "persona.h"
#include "playout.h"
#include "scenario.h"
#include "cs_twiml.h"
#include "wsframe.h"
#include "tests/harness/unit.h"

/* expect.c reports through call_fail; here it just collects. */
void
call_fail(struct call_result *r, const char *fmt, ...)
{
	char **nf, *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL ||
	    (nf = realloc(r->failures, (r->nfail + 1) * sizeof(*nf))) == NULL) {
		free(msg);
		return;
	}
	r->failures = nf;
	r->failures[r->nfail++] = msg;
}

static const char good[] =
    "{\"name\":\"book oil\",\"caller\":{\"from\":\"+15551230001\","
    "\"voice\":\"slt\"},\"now\":\"2026-11-20T10:00:00\",\"turns\":["
    "{\"say\":\"I need an oil change\"},{\"say\":\"yes\",\"barge_in\":true},"
    "{\"dtmf\":\"1#\"},{\"wait_ms\":3000},{\"hangup\":true}],"
    "\"expect\":{\"outcome\":\"booked\",\"hangup_by\":\"agent\","
    "\"heard_contains\":[\"assistant\"],\"appointments\":[{\"service\":"
    "\"oil change\",\"date\":\"2026-11-24\",\"time\":\"10:00\"}],"
    "\"transferred\":false,\"max_turn_latency_ms\":2500}}";

static void
test_scenario_good(void **state)
{
	char err[256];
	struct scenario *s = scenario_parse(good, err, sizeof(err));

	(void)state;
	assert_non_null(s);
	assert_string_equal(s->name, "book oil");
	assert_string_equal(s->from, "+15551230001");
	assert_string_equal(s->voice, "slt");
	assert_string_equal(s->to, "+15555550100");
	assert_string_equal(s->now, "2026-11-20T10:00:00");
	assert_int_equal(s->nturns, 5);
	assert_int_equal(s->turns[0].kind, TURN_SAY);
	assert_false(s->turns[0].barge_in);
	assert_true(s->turns[1].barge_in);
	assert_int_equal(s->turns[2].kind, TURN_DTMF);
	assert_string_equal(s->turns[2].text, "1#");
	assert_int_equal(s->turns[3].kind, TURN_WAIT);
	assert_int_equal(s->turns[3].wait_ms, 3000);
	assert_int_equal(s->turns[4].kind, TURN_HANGUP);
	assert_string_equal(s->expect.outcome, "booked");
	assert_string_equal(s->expect.hangup_by, "agent");
	assert_int_equal(s->expect.nheard, 1);
	assert_int_equal(s->expect.nappts, 1);
	assert_string_equal(s->expect.appts[0].time, "10:00");
	assert_int_equal(s->expect.transferred, 0);
	assert_int_equal(s->expect.max_latency_ms, 2500);
	scenario_free(s);
}

static void
test_scenario_defaults(void **state)
{
	char err[256];
	struct scenario *s =
	    scenario_parse("{\"name\":\"n\",\"caller\":"
	                   "{\"from\":\"+1\"},\"turns\":[{\"say\":\"hi\"}]}",
	        err, sizeof(err));

	(void)state;
	assert_non_null(s);
	assert_string_equal(s->voice, "kal");
	assert_null(s->now);
	assert_int_equal(s->expect.transferred, -1);
	assert_int_equal(s->expect.max_latency_ms, -1);
	scenario_free(s);
}

static void
test_scenario_bad(void **state)
{
	static const struct {
		const char *json, *why;
	} bad[] = {
	    {"not json", "bad JSON"},
	    {"[]", "top level"},
	    {"{\"caller\":{\"from\":\"+1\"},\"turns\":[{\"say\":\"a\"}]}",
	        "name"},
	    {"{\"name\":\"n\",\"turns\":[{\"say\":\"a\"}]}", "caller"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\"},\"turns\":[]}",
	        "turns"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\"},\"turns\":"
	     "[{\"say\":\"a\",\"dtmf\":\"1\"}]}",
	        "exactly one"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\"},\"turns\":"
	     "[{\"sya\":\"a\"}]}",
	        "unknown key"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\"},\"turns\":"
	     "[{\"dtmf\":\"x\"}]}",
	        "DTMF"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\"},\"turns\":"
	     "[{\"wait_ms\":-5}]}",
	        "wait_ms"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\"},\"turns\":"
	     "[{\"hangup\":false}]}",
	        "hangup"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\"},\"turns\":"
	     "[{\"wait_ms\":5,\"barge_in\":true}]}",
	        "barge_in"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\",\"voice\":"
	     "\"bob\"},\"turns\":[{\"say\":\"a\"}]}",
	        "voice"},
	    {"{\"name\":\"n\",\"now\":\"tomorrow\",\"caller\":{\"from\":"
	     "\"+1\"},\"turns\":[{\"say\":\"a\"}]}",
	        "now"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\"},\"turns\":"
	     "[{\"say\":\"a\"}],\"expect\":{\"hangup_by\":\"me\"}}",
	        "hangup_by"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\"},\"turns\":"
	     "[{\"say\":\"a\"}],\"expect\":{\"appointments\":[{\"date\":"
	     "\"2026-13-01\"}]}}",
	        "date"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\"},\"turns\":"
	     "[{\"say\":\"a\"}],\"expect\":{\"appointments\":[{\"time\":"
	     "\"10am\"}]}}",
	        "time"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\"},\"turns\":"
	     "[{\"say\":\"a\"}],\"expect\":{\"heard_contains\":\"x\"}}",
	        "heard_contains"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\"},\"turns\":"
	     "[{\"say\":\"a\"}],\"expect\":{\"max_turn_latency_ms\":0}}",
	        "max_turn_latency_ms"},
	    {"{\"name\":\"n\",\"caller\":{\"from\":\"+1\"},\"turns\":"
	     "[{\"say\":\"a\"}],\"expect\":{\"outcom\":\"booked\"}}",
	        "unknown key"},
	};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_null(scenario_parse(bad[i].json, err, sizeof(err)));
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err,
			    bad[i].why);
	}
	assert_null(scenario_load("/nonexistent/x.json", err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open"));
}

static void
fill(uint8_t *b, size_t n, uint8_t v)
{
	memset(b, v, n);
}

static void
test_playout_marks(void **state)
{
	struct playout p;
	uint8_t a[400], out[160];
	char name[64];

	(void)state;
	playout_init(&p);
	/* a mark on an idle line is due at once */
	assert_int_equal(playout_mark(&p, "m0"), 0);
	assert_true(playout_due_mark(&p, name, sizeof(name)));
	assert_string_equal(name, "m0");
	fill(a, sizeof(a), 0x10);
	assert_int_equal(playout_push(&p, a, 400), 0);
	assert_int_equal(playout_mark(&p, "m1"), 0);
	assert_int_equal(playout_push(&p, a, 100), 0);
	assert_int_equal(playout_mark(&p, "m2"), 0);
	assert_false(playout_due_mark(&p, name, sizeof(name)));
	assert_int_equal(playout_play(&p, out), 160);
	assert_int_equal(playout_play(&p, out), 160);
	assert_false(playout_due_mark(&p, name, sizeof(name)));
	assert_int_equal(playout_play(&p, out), 160); /* 480 >= 400 */
	assert_true(playout_due_mark(&p, name, sizeof(name)));
	assert_string_equal(name, "m1");
	assert_false(playout_due_mark(&p, name, sizeof(name)));
	assert_int_equal(playout_play(&p, out), 20); /* the last 20 bytes */
	assert_true(playout_due_mark(&p, name, sizeof(name)));
	assert_string_equal(name, "m2");
	assert_int_equal(playout_play(&p, out), 0);
	playout_free(&p);
}

static void
test_playout_clear(void **state)
{
	struct playout p;
	uint8_t a[1000], out[160];
	char name[64];
	int n = 0;

	(void)state;
	playout_init(&p);
	fill(a, sizeof(a), 0x22);
	playout_push(&p, a, 1000);
	playout_mark(&p, "u1s1");
	playout_push(&p, a, 1000);
	playout_mark(&p, "u1s2");
	playout_play(&p, out);
	assert_false(playout_due_mark(&p, name, sizeof(name)));
	playout_clear(&p);
	assert_int_equal(playout_queued(&p), 0);
	while (playout_due_mark(&p, name, sizeof(name)))
		n++;
	assert_int_equal(n, 2);
	assert_int_equal(playout_play(&p, out), 0);
	/* audio after a clear plays normally */
	playout_push(&p, a, 10);
	playout_mark(&p, "u2s1");
	assert_false(playout_due_mark(&p, name, sizeof(name)));
	assert_int_equal(playout_play(&p, out), 10);
	assert_true(playout_due_mark(&p, name, sizeof(name)));
	assert_string_equal(name, "u2s1");
	playout_free(&p);
}

static void
test_playout_ring(void **state)
{
	struct playout p;
	uint8_t a[7000], out[160];
	size_t i, got = 0, k;
	int ok = 1;

	(void)state;
	playout_init(&p);
	for (i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)i;
	/* push and play interleaved so the ring wraps and grows */
	for (k = 0; k < 20; k++) {
		playout_push(&p, a, sizeof(a));
		for (i = 0; i < 30; i++) {
			size_t n = playout_play(&p, out), j;
			for (j = 0; j < n; j++, got++)
				if (out[j] != (uint8_t)(got % sizeof(a)))
					ok = 0;
		}
	}
	while ((i = playout_play(&p, out)) > 0) {
		size_t j;
		for (j = 0; j < i; j++, got++)
			if (out[j] != (uint8_t)(got % sizeof(a)))
				ok = 0;
	}
	assert_true(ok);
	assert_int_equal(got, 20 * sizeof(a));
	playout_free(&p);
}

struct sync_check {
	char *corpus; /* "\n" + heard_corpus.txt */
	int lines, missing;
};

static void
sync_segment(void *arg, const char *spoken)
{
	struct sync_check *c = arg;
	char line[2048], want[2056];

	agent_lines_corpus_line(spoken, line, sizeof(line));
	if (!line[0])
		return;
	snprintf(want, sizeof(want), "\n%s\n", line);
	c->lines++;
	if (strstr(c->corpus, want) == NULL) {
		if (c->missing++ < 5)
			print_message("not in heard_corpus.txt: %s\n", line);
	}
}

static void
sync_line(void *arg, int id, const char *text)
{
	(void)id;
	assert_int_equal(agent_lines_spoken(text, 0, sync_segment, arg), 0);
}

static void
test_heard_normalise(void **state)
{
	char *s;

	(void)state;
	s = heard_normalise("Your appointment's at 10:00, Tuesday!");
	assert_string_equal(s, "your appointments at ten tuesday");
	free(s);
	s = heard_normalise("9:05am  or 10:30 PM; code AB12");
	assert_string_equal(s,
	    "nine oh five am or ten thirty pm code ab "
	    "twelve");
	free(s);
	s = heard_normalise("");
	assert_string_equal(s, "");
	free(s);
}

static void
test_heard_contains(void **state)
{
	const char *h = "thank you for calling otto's auto this is ava your "
	                "virtual assistant how can i help";

	(void)state;
	assert_true(heard_contains(h, "assistant"));
	assert_true(heard_contains(h, "Virtual Assistant!"));
	assert_true(heard_contains(h, "how can I help you")); /* 4/5 */
	assert_false(heard_contains(h, "confirm"));
	assert_false(heard_contains(h, "help how")); /* order */
	assert_false(heard_contains(h, "how may we help you today"));
	assert_true(heard_contains("booked for tuesday at ten", "10:00"));
	assert_true(heard_contains("anything", ""));
	assert_false(heard_contains("", "anything"));
}

/* The phrases scenarios expect, against what the agent says when it does
 * not say them (and does): the check must still be able to fail. */
static void
test_heard_contains_negative(void **state)
{
	(void)state;
	assert_false(heard_contains("is there anything else i can help you "
	                            "with",
	    "still there"));
	assert_false(heard_contains("there is still a slot", "still there"));
	assert_true(heard_contains("sorry i can't hear you if you're still "
	                           "there please say something",
	    "still there"));
	assert_false(
	    heard_contains("thanks and what's your first and last "
	                   "name or the confirmation code of your booking",
	        "your confirmation code is"));
	assert_false(
	    heard_contains("done your oil change is now on monday "
	                   "your confirmation code stays k q seven z p",
	        "your confirmation code is"));
	assert_false(heard_contains("your code is k q seven",
	    "confirmation "
	    "code"));
	assert_true(heard_contains("confirmation the code",
	    "confirmation code")); /* an inserted word */
	assert_false(heard_contains("confirmation of your booking code",
	    "confirmation code")); /* too far apart */
	assert_false(heard_contains("done your confirmation code stays v y w "
	                            "six t is there anything else",
	    "your confirmation code is"));
	assert_false(heard_contains("code confirmation", "confirmation code"));
	assert_false(heard_contains("the next opening is friday", "open"));
	assert_false(heard_contains("we're closed on sunday", "open"));
	assert_false(heard_contains("sure let me connect you with a member "
	                            "of our team",
	    "take a message"));
	assert_false(heard_contains(
	    "would you like someone to call you", "call you back"));
	assert_false(heard_contains("thanks for calling otto's auto",
	    "thanks for calling today")); /* 3 of 4 words */
}

/* heard_corpus.txt is generated from the agent's templates; a template
 * changed without regenerating it leaves callsim unable to hear it. */
static void
test_corpus_in_sync(void **state)
{
	struct sync_check c = {NULL, 0, 0};
	struct fd_business b;
	config_t cfg;
	char err[256];
	unsigned seed = 1;
	FILE *f;
	long n;

	(void)state;
	assert_int_equal(
	    fd_cfg_open(&cfg, "etc/frontdesk.conf", err, sizeof(err)), 0);
	assert_int_equal(agent_lines_init(&cfg, &b, err, sizeof(err)), 0);
	f = fopen("tools/callsim/heard_corpus.txt", "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	c.corpus = calloc(1, (size_t)n + 2);
	assert_non_null(c.corpus);
	c.corpus[0] = '\n';
	assert_int_equal(fread(c.corpus + 1, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	agent_lines_round(&b, &seed, sync_line, &c);
	if (c.missing)
		print_message("%d of %d lines missing: regenerate with "
		              "build/bin/callsim-hearbench --write-corpus > "
		              "tools/callsim/heard_corpus.txt\n",
		    c.missing, c.lines);
	assert_int_equal(c.missing, 0);
	assert_true(c.lines > 100);
	free(c.corpus);
	agent_lines_fini();
	config_destroy(&cfg);
}

static void
test_twiml(void **state)
{
	struct twiml t;
	char err[128];
	const char *doc =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<Response><Connect><Stream url=\"wss://frontdesk.example.com/"
	    "twilio/media\"><Parameter name=\"From\" value=\"+15551230001\"/>"
	    "<Parameter name=\"now\" value=\"2026-11-20T10:00:00\" />"
	    "<Parameter name='q' value=\"a&amp;b\"/></Stream></Connect>"
	    "</Response>";

	(void)state;
	assert_int_equal(twiml_parse(doc, &t, err, sizeof(err)), 0);
	assert_string_equal(
	    t.stream_url, "wss://frontdesk.example.com/twilio/media");
	assert_int_equal(t.params.n, 3);
	assert_string_equal(fd_form_get(&t.params, "From"), "+15551230001");
	assert_string_equal(
	    fd_form_get(&t.params, "now"), "2026-11-20T10:00:00");
	assert_string_equal(fd_form_get(&t.params, "q"), "a&b");
	assert_null(t.dial);
	assert_false(t.hangup);
	twiml_free(&t);
	assert_int_equal(
	    twiml_parse("<Response><Say>Connecting</Say><Dial "
	                "callerId=\"+1555\">+15555550111</Dial></Response>",
	        &t, err, sizeof(err)),
	    0);
	assert_null(t.stream_url);
	assert_string_equal(t.dial, "+15555550111");
	twiml_free(&t);
	assert_int_equal(twiml_parse("<Response><Dial><Number>+1999</Number>"
	                             "</Dial><Hangup/></Response>",
	                     &t, err, sizeof(err)),
	    0);
	assert_string_equal(t.dial, "+1999");
	assert_true(t.hangup);
	twiml_free(&t);
	assert_int_equal(
	    twiml_parse("<html>nope</html>", &t, err, sizeof(err)), -1);
	/* the warm transfer: <Dial timeout action><Number url> */
	assert_int_equal(
	    twiml_parse(
	        "<Response><Dial timeout=\"20\" action="
	        "\"https://h/twilio/dial-action\" method=\"POST\"><Number "
	        "url=\""
	        "https://h/twilio/whisper?parent=CA1&amp;x=2\">+15555550111"
	        "</Number></Dial></Response>",
	        &t, err, sizeof(err)),
	    0);
	assert_string_equal(t.dial, "+15555550111");
	assert_int_equal(t.dial_timeout_s, 20);
	assert_string_equal(t.dial_action, "https://h/twilio/dial-action");
	assert_string_equal(t.number_url,
	    "https://h/twilio/whisper?parent="
	    "CA1&x=2");
	assert_null(t.gather_action);
	twiml_free(&t);
	/* the whisper: <Gather action> around the summary, then a hang-up */
	assert_int_equal(
	    twiml_parse(
	        "<Response><Gather numDigits=\"1\" "
	        "action=\"https://h/twilio/whisper-key?parent=CA1\"><Say>Call "
	        "from Dana &amp; co.</Say></Gather><Say>No "
	        "answer.</Say><Hangup/>"
	        "</Response>",
	        &t, err, sizeof(err)),
	    0);
	assert_string_equal(t.gather_action,
	    "https://h/twilio/whisper-key?"
	    "parent=CA1");
	assert_string_equal(t.say, "Call from Dana & co. No answer.");
	assert_true(t.hangup);
	assert_null(t.dial);
	assert_int_equal(t.dial_timeout_s, 0);
	twiml_free(&t);
	/* the voicemail box */
	assert_int_equal(
	    twiml_parse(
	        "<Response><Say>Leave a message.</Say>"
	        "<Record maxLength=\"120\" "
	        "action=\"https://h/twilio/record-done"
	        "\" recordingStatusCallback=\"https://h/twilio/recording?from="
	        "%2B1555&amp;to=%2B1666\"/><Hangup/></Response>",
	        &t, err, sizeof(err)),
	    0);
	assert_true(t.record);
	assert_int_equal(t.record_max_s, 120);
	assert_string_equal(t.record_action, "https://h/twilio/record-done");
	assert_string_equal(t.record_cb,
	    "https://h/twilio/recording?from="
	    "%2B1555&to=%2B1666");
	assert_null(t.stream_url);
	twiml_free(&t);
}

static void
test_appt_match(void **state)
{
	struct expect_appt want = {"oil change", "2026-11-24", "10:00"};
	json_t *a = json_pack("{s:s, s:s, s:s}", "service", "Oil Change",
	    "start", "2026-11-24T10:00:00", "status", "booked");

	(void)state;
	assert_true(verdict_appt_match(&want, a));
	want.time = "10:30";
	assert_false(verdict_appt_match(&want, a));
	want.time = NULL;
	want.service = NULL;
	assert_true(verdict_appt_match(&want, a));
	{
		struct expect_appt any = {NULL, NULL, NULL};
		assert_true(verdict_appt_match(&any, a));
	}
	json_object_set_new(a, "status", json_string("cancelled"));
	assert_false(verdict_appt_match(&want, a));
	json_decref(a);
}

static void
test_verdict_check(void **state)
{
	char err[256];
	struct scenario *s = scenario_parse(good, err, sizeof(err));
	struct turn_result tr[5];
	struct call_result r;
	size_t i;

	(void)state;
	assert_non_null(s);
	memset(&r, 0, sizeof(r));
	memset(tr, 0, sizeof(tr));
	r.turns = tr;
	r.nturns = 5;
	for (i = 0; i < 5; i++) {
		tr[i].done = 1;
		tr[i].latency_ms = 900;
	}
	tr[1].latency_ms = 3000;
	snprintf(r.hangup_by, sizeof(r.hangup_by), "agent");
	r.greeting = "thanks for calling this is your virtual assistant";
	r.record = json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "outcome", "booked",
	    "appointments", "service", "oil change", "start",
	    "2026-11-24T10:00", "status", "booked");
	verdict_check(s, &r);
	assert_int_equal(r.nfail, 1); /* only the slow turn */
	assert_non_null(strstr(r.failures[0], "latency"));
	for (i = 0; i < r.nfail; i++)
		free(r.failures[i]);
	free(r.failures);
	json_decref(r.record);
	scenario_free(s);
}

static void
test_eval(void **state)
{
	char err[256];
	struct scenario *s = scenario_parse(good, err, sizeof(err));
	struct turn_result tr[5];
	struct call_result r, *rp = &r;
	const struct scenario *sp;
	json_t *m, *sum;
	double v[] = {5, 1, 4, 2, 3};
	size_t i;

	(void)state;
	assert_non_null(s);
	sp = s;
	assert_true(eval_reprompt("Sorry, I didn't catch that. What day?"));
	assert_true(eval_reprompt("sorry could you say that again"));
	assert_true(eval_reprompt("Sorry, was that a yes or a no?"));
	assert_false(eval_reprompt("Sorry, we're closed on Sunday."));
	assert_false(eval_reprompt("I can repeat the address: 1200 Main"));
	assert_false(eval_reprompt(NULL));
	assert_true(eval_pct(v, 5, 50) == 3);
	assert_true(eval_pct(v, 5, 95) == 5);
	assert_true(eval_pct(v, 0, 50) == -1);

	memset(&r, 0, sizeof(r));
	memset(tr, 0, sizeof(tr));
	r.turns = tr;
	r.nturns = 5;
	r.answer_ms = 300;
	for (i = 0; i < 5; i++) {
		tr[i].done = 1;
		tr[i].latency_ms = 500 + 100 * (long)i;
		tr[i].bargein_ms = -1;
	}
	/* turn 0 was cut off; turn 1 talks over the agent on purpose */
	tr[0].cutoff = tr[1].cutoff = 1;
	r.record = json_pack("{s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}], "
	                     "s:[{s:s, s:b, s:f}, {s:s, s:b, s:f}]}",
	    "turns", "role", "agent", "text", "Hi, how can I help?", "role",
	    "caller", "text", "blah", "role", "agent", "text",
	    "Sorry, I didn't catch that.", "tool_calls", "tool", "find_slots",
	    "ok", 1, "latency_ms", 4.0, "tool", "book", "ok", 0, "latency_ms",
	    8.0);
	m = eval_call(s, &r);
	assert_non_null(m);
	assert_int_equal(
	    json_integer_value(json_object_get(m, "misrecognitions")), 1);
	assert_int_equal(
	    json_integer_value(json_object_get(m, "agent_replies")), 2);
	assert_int_equal(
	    json_integer_value(json_object_get(m, "tool_calls")), 2);
	assert_int_equal(
	    json_integer_value(json_object_get(m, "tool_errors")), 1);
	json_decref(m);
	sum = eval_summary(&sp, (const struct call_result *const *)&rp, 1);
	assert_non_null(sum);
	assert_true(json_number_value(
	                json_object_get(sum, "task_completion_pct")) == 100.0);
	assert_int_equal(
	    json_integer_value(json_object_get(sum, "first_word_ms_p50")), 300);
	assert_true(
	    json_integer_value(json_object_get(sum, "v2v_ms_p50")) >= 500);
	assert_int_equal(
	    json_integer_value(json_object_get(sum, "cutoffs")), 1);
	assert_true(
	    json_number_value(json_object_get(sum, "cutoff_pct")) == 100.0);
	tr[0].cutoff = 0;
	json_decref(sum);
	sum = eval_summary(&sp, (const struct call_result *const *)&rp, 1);
	assert_int_equal(
	    json_integer_value(json_object_get(sum, "cutoffs")), 0);
	assert_true(
	    json_number_value(json_object_get(sum, "cutoff_pct")) == 0.0);
	json_decref(sum);
	json_decref(r.record);
	scenario_free(s);
}

/* --streams' WebSocket client: masked frames out, any frame header in. */
static void
test_wsframe(void **state)
{
	uint8_t out[WS_HDR_MAX + 300], big[300];
	struct ws_hdr h;
	char req[512];
	long n;
	size_t i;

	(void)state;
	/* RFC 6455 5.7: "Hello" masked with 37 fa 21 3d */
	n = ws_frame_masked(
	    out, sizeof(out), WS_OP_TEXT, "Hello", 5, 0x37fa213d);
	assert_int_equal(n, 11);
	assert_memory_equal(out,
	    "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d"
	    "\x51\x58",
	    11);
	assert_int_equal(ws_parse_hdr(out, 11, &h), 1);
	assert_true(h.fin && h.masked);
	assert_int_equal(h.op, WS_OP_TEXT);
	assert_int_equal(h.len, 5);
	assert_int_equal(h.hlen, 6);
	/* 16-bit length, and the mask undone gives the payload back */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	n = ws_frame_masked(out, sizeof(out), WS_OP_BIN, big, sizeof(big), 7);
	assert_int_equal(n, 4 + 4 + 300);
	assert_int_equal(ws_parse_hdr(out, (size_t)n, &h), 1);
	assert_int_equal(h.len, 300);
	assert_int_equal(h.hlen, 8);
	for (i = 0; i < 300; i++)
		assert_int_equal(out[8 + i] ^ h.mask[i & 3], big[i]);
	assert_int_equal(ws_frame_masked(out, 20, WS_OP_TEXT, big, 10, 1), -1);
	/* server frames: unmasked; partial headers wait for more */
	assert_int_equal(ws_parse_hdr((const uint8_t *)"\x81", 1, &h), 0);
	assert_int_equal(
	    ws_parse_hdr((const uint8_t *)"\x81\x7e\x01", 3, &h), 0);
	assert_int_equal(
	    ws_parse_hdr((const uint8_t *)"\x81\x7e\x01\x2c", 4, &h), 1);
	assert_int_equal(h.len, 300);
	assert_false(h.masked);
	assert_int_equal(ws_parse_hdr((const uint8_t *)"\x88\x02", 2, &h), 1);
	assert_int_equal(h.op, WS_OP_CLOSE);
	/* refused: reserved bits, a long or fragmented control frame */
	assert_int_equal(ws_parse_hdr((const uint8_t *)"\xc1\x00", 2, &h), -1);
	assert_int_equal(
	    ws_parse_hdr((const uint8_t *)"\x89\x7e\x00\x80", 4, &h), -1);
	assert_int_equal(ws_parse_hdr((const uint8_t *)"\x09\x00", 2, &h), -1);
	/* the upgrade */
	assert_true(ws_upgrade_request(req, sizeof(req), "127.0.0.1", 8080,
	                "/twilio/media", "dGhlIHNhbXBsZSBub25jZQ==") > 0);
	assert_non_null(strstr(req, "GET /twilio/media HTTP/1.1\r\n"));
	assert_non_null(strstr(req,
	    "Sec-WebSocket-Key: "
	    "dGhlIHNhbXBsZSBub25jZQ==\r\n"));
	assert_non_null(strstr(req, "\r\n\r\n"));
	assert_int_equal(ws_upgrade_request(req, 40, "127.0.0.1", 8080,
	                     "/twilio/media", "dGhlIHNhbXBsZSBub25jZQ=="),
	    -1);
	assert_true(
	    ws_upgrade_ok("HTTP/1.1 101 Switching Protocols\r\n\r\n", 36));
	assert_false(ws_upgrade_ok("HTTP/1.1 403 Forbidden\r\n\r\n", 28));
}

/* What the agent asks, from its replies as the ear writes them. */
static void
test_persona_ask(void **state)
{
	(void)state;
	assert_int_equal(
	    persona_ask("thanks for calling otto's auto this is "
	                "ava an ai assistant how can i help you today"),
	    ASK_OPEN);
	assert_int_equal(persona_ask("sure which service do you need we do "
	                             "oil changes brakes and tires"),
	    ASK_SERVICE);
	assert_int_equal(persona_ask("i have tuesday at ten a m for the oil "
	                             "change shall i book it"),
	    ASK_CONFIRM);
	assert_int_equal(persona_ask("may i have your name"), ASK_NAME);
	assert_int_equal(
	    persona_ask("what time works for you on tuesday"), ASK_TIME);
	assert_int_equal(persona_ask("you're booked is there anything else "
	                             "i can help you with"),
	    ASK_ANYTHING_ELSE);
	assert_int_equal(persona_ask("thanks for calling goodbye"), ASK_BYE);
	/* the callback number read back, and its re-ask */
	assert_int_equal(persona_ask("should we call you back at five five "
	                             "five two one one nine five eight zero"),
	    ASK_CONFIRM);
	assert_int_equal(persona_ask("sorry i didn't catch that is this the "
	                             "best number to call you back on please "
	                             "say yes or no"),
	    ASK_CONFIRM);
	assert_int_equal(persona_ask("the weather is nice"), ASK_UNKNOWN);
	/* word boundaries: "we do" is not in "we don't" */
	assert_int_equal(persona_ask("we don't"), ASK_UNKNOWN);
}

/* Every question the agent's templates ask, rendered and normalised as
 * the corpus has them, is recognised as some ask. */
static void
cb_question(void *arg, int id, const char *text)
{
	size_t *n = arg;
	char line[1024];

	(void)id;
	if (strchr(text, '?') == NULL)
		return;
	agent_lines_corpus_line(text, line, sizeof(line));
	n[0]++;
	if (persona_ask(line) == ASK_UNKNOWN) {
		n[1]++;
		print_message("unrecognised: %s\n", line);
	}
}

static void
test_persona_knows_agent_questions(void **state)
{
	struct fd_business b;
	char err[256];
	unsigned seed = 7;
	size_t n[2] = {0, 0};

	(void)state;
	assert_int_equal(agent_lines_init(NULL, &b, err, sizeof(err)), 0);
	agent_lines_round(&b, &seed, cb_question, n);
	agent_lines_fini();
	print_message("%zu questions, %zu unrecognised\n", n[0], n[1]);
	assert_true(n[0] > 40);
	assert_true(n[1] * 20 <= n[0]); /* >= 95 % recognised */
}

static void
test_persona_next(void **state)
{
	const char *json =
	    "{\"name\":\"p\",\"caller\":{\"from\":"
	    "\"+15550001111\"},\"line\":{\"snr_db\":20,\"speed\":1.1},"
	    "\"persona\":{\"class\":\"book\",\"correct_once\":true,"
	    "\"lines\":{\"open\":\"I need an oil change\",\"name\":"
	    "\"Dana Whitfield\",\"day\":\"Tuesday\",\"yes\":\"Yes\","
	    "\"correct\":\"No, at two\",\"done\":\"No thanks, bye\"}},"
	    "\"expect\":{\"outcome\":\"booked\"}}";
	/* what the agent says, what the persona does and says */
	static const struct {
		const char *agent;
		enum persona_act act;
		const char *say;
	} turns[] = {
	    {"how can i help you today", PA_SAY, "I need an oil change"},
	    /* the correction waits for the booking's read-back */
	    {"sorry am i speaking with dana please say yes or no", PA_SAY,
	        "Yes"},
	    {"what day would you like", PA_SAY, "Tuesday"},
	    {"may i have your name", PA_SAY, "Dana Whitfield"},
	    {"tuesday at ten shall i book it", PA_SAY, "No, at two"},
	    {"tuesday at two shall i book it", PA_SAY, "Yes"},
	    {"are you still there", PA_SAY, "Yes"},
	    {"anything else", PA_SAY, "No thanks, bye"},
	    {"goodbye", PA_WAIT, NULL},
	};
	struct persona_state st;
	struct scenario *sc;
	char err[256], line[512];
	size_t i;

	(void)state;
	assert_non_null(sc = scenario_parse(json, err, sizeof(err)));
	assert_non_null(sc->persona);
	assert_string_equal(sc->klass, "book");
	assert_int_equal(sc->nturns, PERSONA_MAX_TURNS);
	assert_true(sc->line.snr_db == 20 && sc->line.speed == 1.1);
	memset(&st, 0, sizeof(st));
	for (i = 0; i < sizeof(turns) / sizeof(turns[0]); i++) {
		assert_int_equal(persona_next(sc->persona, &st, turns[i].agent,
		                     line, sizeof(line)),
		    turns[i].act);
		if (turns[i].act == PA_SAY)
			assert_string_equal(line, turns[i].say);
	}
	scenario_free(sc);
	/* a bad persona is refused with the field named */
	assert_null(scenario_parse(
	    "{\"name\":\"p\",\"caller\":{\"from\":"
	    "\"+1\"},\"persona\":{\"lines\":{\"open\":\"hi\",\"nmae\":"
	    "\"x\"}}}",
	    err, sizeof(err)));
	assert_non_null(strstr(err, "persona.lines.nmae"));
	assert_null(scenario_parse(
	    "{\"name\":\"p\",\"caller\":{\"from\":"
	    "\"+1\"},\"line\":{\"speed\":3},\"persona\":{\"lines\":"
	    "{\"open\":\"hi\"}}}",
	    err, sizeof(err)));
	assert_non_null(strstr(err, "line.speed"));
}

/* A persona that wants Wednesday January 13 at noon does not agree to a
 * read-back of another day or time: it says when it wants to come; the
 * right read-back gets its yes.  Times offered instead of its own, or a
 * "which time", get its time. */
static void
test_persona_checks_readback(void **state)
{
	const char *json =
	    "{\"name\":\"p\",\"caller\":{\"from\":\"+15550001111\"},"
	    "\"persona\":{\"class\":\"book_new\",\"lines\":{\"open\":\"I "
	    "need a diagnostic\",\"when\":\"Wednesday the thirteenth at "
	    "noon.\",\"time\":\"Noon, please.\",\"yes\":\"Yes.\"}},"
	    "\"expect\":{\"outcome\":\"booked\",\"appointments\":[{"
	    "\"service\":\"diagnostic\",\"date\":\"2027-01-13\",\"time\":"
	    "\"12:00\"}]}}";
	struct persona_state st;
	struct scenario *sc;
	char err[256], line[512];

	(void)state;
	assert_int_equal(persona_ask("which time would you like"), ASK_TIME);
	assert_int_equal(persona_ask("sorry ten p m isn't available the "
	                             "closest times i have are four p m or "
	                             "five p m would one of those work"),
	    ASK_TIME);
	assert_non_null(sc = scenario_parse(json, err, sizeof(err)));
	assert_string_equal(sc->persona->want_day, "january thirteenth");
	assert_string_equal(sc->persona->want_time, "noon");
	memset(&st, 0, sizeof(st));
	assert_int_equal(persona_next(sc->persona, &st,
	                     "diagnostic on friday january eighth at two p m "
	                     "for john shall i book it",
	                     line, sizeof(line)),
	    PA_SAY);
	assert_string_equal(line, "Wednesday the thirteenth at noon.");
	/* said once: the next read-back is taken */
	persona_next(sc->persona, &st,
	    "diagnostic on wednesday january thirteenth at two p m for john "
	    "shall i book it",
	    line, sizeof(line));
	assert_string_equal(line, "Yes.");
	memset(&st, 0, sizeof(st));
	persona_next(sc->persona, &st,
	    "diagnostic on wednesday january thirteenth at noon for john "
	    "shall i book it",
	    line, sizeof(line));
	assert_string_equal(line, "Yes.");
	persona_next(
	    sc->persona, &st, "which time would you like", line, sizeof(line));
	assert_string_equal(line, "Noon, please.");
	scenario_free(sc);

	/* half past one in the afternoon, as the agent says it */
	assert_non_null(
	    sc = scenario_parse(
	        "{\"name\":\"p\",\"caller\":{\"from\":\"+1\"},\"persona\":{"
	        "\"lines\":{\"open\":\"hi\"}},\"expect\":{\"appointments\":[{"
	        "\"date\":\"2026-12-31\",\"time\":\"13:30\"}]}}",
	        err, sizeof(err)));
	assert_string_equal(sc->persona->want_day, "december thirty first");
	assert_string_equal(sc->persona->want_time, "one thirty p m");
	scenario_free(sc);
}

UNIT_MAIN(NULL, NULL, cmocka_unit_test(test_scenario_good),
    cmocka_unit_test(test_scenario_defaults),
    cmocka_unit_test(test_scenario_bad), cmocka_unit_test(test_playout_marks),
    cmocka_unit_test(test_playout_clear), cmocka_unit_test(test_playout_ring),
    cmocka_unit_test(test_heard_normalise),
    cmocka_unit_test(test_heard_contains),
    cmocka_unit_test(test_heard_contains_negative),
    cmocka_unit_test(test_corpus_in_sync), cmocka_unit_test(test_twiml),
    cmocka_unit_test(test_appt_match), cmocka_unit_test(test_verdict_check),
    cmocka_unit_test(test_eval), cmocka_unit_test(test_wsframe),
    cmocka_unit_test(test_persona_ask),
    cmocka_unit_test(test_persona_knows_agent_questions),
    cmocka_unit_test(test_persona_next),
    cmocka_unit_test(test_persona_checks_readback), )
