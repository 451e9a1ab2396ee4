/*
 * dlg.c - the dialogue primitives of the local brain (dlg.h): the table
 * of states (what each question is called, its phase, and the short
 * question repeated when the caller is not understood), saying and
 * asking, the misunderstanding count and its way out (a person or a
 * message), crm-tools reply checks, keyed digits, and the words the tasks
 * share (names, money, an appointment).  Routing back up to the
 * dispatcher goes through the routes it registered.  Talks to no process
 * itself; everything is said through the core's operations (brain.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dlg.h"
#include "log.h"
#include "speech/text.h"

struct ask_info {
	const char *name;
	enum phase phase;
	const char *again; /* re-prompt question; NULL: T_SAY_AGAIN */
};

static const struct ask_info asks[ASK_COUNT] = {
    [ASK_OPEN] = {"open", PH_INTENT, NULL},
    [ASK_CONFIRM_ID] = {"confirm_id", PH_GREETING,
        "Am I speaking with "
        "{name}? Please say yes or no."},
    [ASK_WHO] = {"who", PH_VERIFY,
        "May I have your first and last "
        "name?"},
    [ASK_VERIFY_PHONE] = {"verify_phone", PH_VERIFY,
        "What's the phone "
        "number on your account? You can also key it in."},
    [ASK_VERIFY_PROOF] = {"verify_proof", PH_VERIFY,
        "What's your first "
        "and last name?"},
    [ASK_VERIFY_FACTOR] = {"verify_factor", PH_VERIFY,
        "What are the "
        "last four digits of your car's VIN? You can also key them in."},
    [ASK_SERVICE] = {"service", PH_SLOTS, "Which service do you need?"},
    [ASK_DAY] = {"day", PH_SLOTS, "What day would you like?"},
    [ASK_PICK] = {"pick", PH_SLOTS, "Which time works for you?"},
    [ASK_NAME] = {"name", PH_SLOTS,
        "Can I get your first and last "
        "name?"},
    [ASK_BOOK_PHONE] = {"book_phone", PH_SLOTS,
        "What's the best phone "
        "number to reach you?"},
    [ASK_VEHICLE] = {"vehicle", PH_SLOTS, "Which vehicle is it for?"},
    [ASK_CONFIRM_BOOK] = {"confirm_book", PH_CONFIRM,
        "Shall I go ahead? "
        "Please say yes or no."},
    [ASK_CHANGE] = {"change", PH_SLOTS,
        "What would you like to change, "
        "the day, the time or the service?"},
    [ASK_APPT_WHICH] = {"appt_which", PH_SLOTS,
        "Which appointment do you "
        "mean?"},
    [ASK_CONFIRM_CANCEL] = {"confirm_cancel", PH_CONFIRM,
        "Shall I cancel "
        "it? Please say yes or no."},
    [ASK_ORDER_NAME] = {"order_name", PH_VERIFY,
        "What's the full name on "
        "the order?"},
    [ASK_CONFIRM_ORDER] = {"confirm_order", PH_CONFIRM,
        "Shall I cancel "
        "the order? Please say yes or no."},
    [ASK_ANYTHING_ELSE] = {"anything_else", PH_CLOSE,
        "Is there anything "
        "else I can help you with?"},
    [ASK_MSG_OFFER] = {"msg_offer", PH_CLOSE,
        "Would you like me to take "
        "a message? Please say yes or no."},
    [ASK_MSG_NAME] = {"msg_name", PH_SLOTS, "May I have your name?"},
    [ASK_MSG_NUMBER_OK] = {"msg_number_ok", PH_SLOTS,
        "Is this the best "
        "number to call you back on? Please say yes or no."},
    [ASK_MSG_NUMBER] = {"msg_number", PH_SLOTS,
        "What number should we "
        "call you back on? You can also key it in."},
    [ASK_MSG_TEXT] = {"msg_text", PH_SLOTS,
        "What message would you like "
        "me to pass on?"},
    [ASK_MSG_URGENCY] = {"msg_urgency", PH_SLOTS,
        "Is it urgent? Please "
        "say yes or no."},
    [ASK_LEAD_NEED] = {"lead_need", PH_SLOTS,
        "What are you looking "
        "for?"},
    [ASK_LEAD_TIMELINE] = {"lead_timeline", PH_SLOTS,
        "When are you "
        "hoping to do this?"},
    [ASK_CALLBACK_OFFER] = {"callback_offer", PH_CLOSE,
        "Would you like "
        "someone to call you back? Please say yes or no."},
    [ASK_CALLBACK_WHEN] = {"callback_when", PH_SLOTS,
        "When is a good "
        "time to call you?"},
    [ASK_HUMAN_OR_MSG] = {"human_or_msg", PH_CLOSE,
        "Would you like to "
        "speak with a person, or leave a message?"},
    [ASK_DONE] = {"done", PH_CLOSE, NULL},
    [ASK_OB_WHO] = {"ob_who", PH_GREETING,
        "Am I speaking with {name}? "
        "Please say yes or no."},
    [ASK_OB_REMIND] = {"ob_remind", PH_CONFIRM,
        "Can you still make it "
        "to your appointment? Please say yes or no."},
    [ASK_OB_CHANGE] = {"ob_change", PH_SLOTS,
        "Would you like to move the "
        "appointment, or cancel it?"},
    [ASK_OB_VM_WAIT] = {"ob_vm_wait", PH_GREETING, NULL},
    [ASK_CONFIRM_HUMAN] = {"confirm_human", PH_CONFIRM,
        "Would you like "
        "me to connect you with a person? Please say yes or no."},
    [ASK_SPELL_LAST] = {"spell_last", PH_SLOTS,
        "Could you spell your "
        "last name for me, letter by letter?"},
};

static const char *const phase_names[] = {"greeting", "verification", "intent",
    "slot filling", "confirmation", "close"};
static const char *const task_names[TASK_COUNT] = {"none", "book", "reschedule",
    "cancel", "list", "status", "order_cancel", "message", "lead", "callback"};

static const struct dlg_routes *routes;

void
dlg_set_routes(const struct dlg_routes *r)
{
	routes = r;
}

void
general(struct brain_call *c, const struct turn_in *in)
{
	if (routes == NULL)
		fatalx("dlg: no routes (the local brain was not initialised)");
	routes->general(c, in);
}

int
task_start(struct brain_call *c, int t, const struct turn_in *in)
{
	if (routes == NULL)
		fatalx("dlg: no routes (the local brain was not initialised)");
	return routes->task_start(c, t, in);
}

void
task_keep(struct brain_call *c, int t, const struct turn_in *in)
{
	if (routes == NULL)
		fatalx("dlg: no routes (the local brain was not initialised)");
	routes->task_keep(c, t, in);
}

enum phase
ask_phase(int a)
{
	return a >= 0 && a < ASK_COUNT ? asks[a].phase : PH_INTENT;
}

const char *
ask_name(int a)
{
	return a >= 0 && a < ASK_COUNT && asks[a].name ? asks[a].name : "?";
}

const char *
task_name(int t)
{
	return t >= 0 && t < TASK_COUNT ? task_names[t] : "?";
}

void
say_tpl(
    struct brain_call *c, enum tpl_id id, const struct tpl_var *v, int close)
{
	char buf[1024];

	tpl_render(id, v, buf, sizeof(buf));
	call_say(c, buf, close);
}

void
ask(struct brain_call *c, int a)
{
	struct call_state *st = &c->st;

	if (ask_phase(a) != ask_phase(st->asked) || a != st->asked)
		log_debug(st->call_id, "state %s -> %s (%s, task %s)",
		    ask_name(st->asked), ask_name(a), phase_names[ask_phase(a)],
		    task_name(st->task));
	if (a != st->asked)
		st->yes_checked = 0;
	st->asked = a;
}

int
weak_yes(struct brain_call *c, const struct turn_in *in, const char *question)
{
	struct call_state *st = &c->st;
	char buf[256];

	if (in->confidence >= WEAK_YES_CONFIDENCE || st->yes_checked)
		return 0;
	st->yes_checked = 1;
	log_info(st->call_id, "a weak yes (%.2f): asked again", in->confidence);
	snprintf(buf, sizeof(buf),
	    "Sorry, I want to be sure. %s Please say yes or no.", question);
	call_say(c, buf, 0);
	call_hint(c, "yesno", NULL, 0);
	return 1;
}

int
open_now(struct brain_call *c)
{
	return fd_business_open_at(c->biz, c->core->now(c->core_arg));
}

int
tool_ok(json_t *rep, const char **code)
{
	const char *k;

	if (rep == NULL) {
		*code = "no_reply";
		return 0;
	}
	if (json_is_true(json_object_get(rep, "ok"))) {
		*code = "";
		return 1;
	}
	k = json_string_value(json_object_get(rep, "code"));
	*code = k ? k : "failed";
	return 0;
}

void
tool_failed(struct brain_call *c)
{
	say_tpl(c, T_TOOL_ERROR, NULL, 0);
	call_hint(c, "yesno", NULL, 0);
	c->st.task = TASK_NONE;
	ask(c, ASK_MSG_OFFER);
}

void
goodbye(struct brain_call *c)
{
	if (c->st.outcome[0] == '\0')
		call_set_outcome(c, "info_only", "caller ended the call");
	say_tpl(c, T_GOODBYE, NULL, 1);
	ask(c, ASK_DONE);
}

void
anything_else(struct brain_call *c, const char *before)
{
	char buf[1024], tail[256];

	/* the caller already said goodbye: what they asked for is done */
	if (c->st.leaving) {
		if (c->st.outcome[0] == '\0')
			call_set_outcome(
			    c, "info_only", "caller ended the call");
		tpl_render(T_GOODBYE, NULL, tail, sizeof(tail));
		snprintf(buf, sizeof(buf), "%.700s%s%.300s",
		    before ? before : "", before && before[0] ? " " : "", tail);
		call_say(c, buf, 1);
		c->st.task = TASK_NONE;
		ask(c, ASK_DONE);
		return;
	}
	tpl_render(T_ANYTHING_ELSE, NULL, tail, sizeof(tail));
	snprintf(buf, sizeof(buf), "%.700s%s%.300s", before ? before : "",
	    before && before[0] ? " " : "", tail);
	call_say(c, buf, 0);
	call_hint(c, "yesno", NULL, 0);
	c->st.task = TASK_NONE;
	ask(c, ASK_ANYTHING_ELSE);
}

/* The pending question, short, with the caller's {name} filled in. */
static const char *
question(const struct call_state *st, char *q, size_t len)
{
	const char *again, *p;

	again = st->asked >= 0 && st->asked < ASK_COUNT ? asks[st->asked].again
	                                                : NULL;
	if (again == NULL)
		return NULL;
	if ((p = strstr(again, "{name}")) != NULL)
		snprintf(q, len, "%.*s%s%s", (int)(p - again), again,
		    st->first_name, p + 6);
	else
		snprintf(q, len, "%s", again);
	return q;
}

void
reask(struct brain_call *c, const char *before)
{
	char q[256], buf[1024];

	if (question(&c->st, q, sizeof(q)) == NULL)
		tpl_render(T_HOW_HELP, NULL, q, sizeof(q));
	snprintf(buf, sizeof(buf), "%.700s%s%s", before ? before : "",
	    before && before[0] ? " " : "", q);
	call_say(c, buf, 0);
}

void
not_understood(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	char q[256], buf[512];
	struct tpl_var v[] = {{"question", q}, {NULL, NULL}};

	st->misunderstandings++;
	if (st->misunderstandings >= st->max_misunderstandings &&
	    st->max_misunderstandings > 0) {
		st->misunderstandings = 0;
		/* a message or callback under way is not dropped for an
		 * offer of the message the caller is already leaving */
		if (routes->give_up && routes->give_up(c))
			return;
		st->task = TASK_NONE;
		st->pending_task = TASK_NONE;
		if (open_now(c) && c->biz->transfer_number[0]) {
			say_tpl(c, T_TOO_MANY_OPEN, NULL, 0);
			ask(c, ASK_HUMAN_OR_MSG);
		} else {
			say_tpl(c, T_TOO_MANY_CLOSED, NULL, 0);
			call_hint(c, "yesno", NULL, 0);
			ask(c, ASK_MSG_OFFER);
		}
		return;
	}
	if (st->asked == ASK_OPEN) {
		say_tpl(c, T_NOT_UNDERSTOOD, NULL, 0);
		return;
	}
	/* a mumble first gets a short "say that again" */
	if (question(st, q, sizeof(q)) == NULL ||
	    (in && in->confidence < 0.4 && st->misunderstandings == 1)) {
		say_tpl(c, T_SAY_AGAIN, NULL, 0);
		return;
	}
	tpl_render(T_REPROMPT, v, buf, sizeof(buf));
	call_say(c, buf, 0);
}

/* The farewell proper ("bye", "goodbye", "have a good day"); returns the
 * tokens it spans at t->w[i], 0 if none starts there. */
static int
farewell_at(const struct tokens *t, int i)
{
	static const char *const phrases[] = {"good bye", "bye bye",
	    "have a good day", "have a good one", "have a nice day",
	    "have a good night", "have a good weekend", "have a great day",
	    "talk to you later", "see you later", "take care", NULL};
	int k, n;

	for (k = 0; phrases[k]; k++)
		if ((n = txt_phrase_at(t, i, phrases[k])) > 0)
			return n;
	if (strcmp(t->w[i], "goodbye") == 0 || strcmp(t->w[i], "byebye") == 0)
		return 1;
	/* "i want to bye car" is a recogniser's "buy" */
	if (strcmp(t->w[i], "bye") == 0 &&
	    (i == 0 ||
	        (strcmp(t->w[i - 1], "to") != 0 &&
	            strcmp(t->w[i - 1], "a") != 0)))
		return 1;
	return 0;
}

int
goodbye_split(const char *text, char *rest, size_t len)
{
	static const char *const polite[] = {"thanks", "thank", "you", "ok",
	    "okay", "alright", "so", "then", "and", "well", "cheers", "great",
	    "bye", "goodbye", "very", "much", "oh", "um", "uh", NULL};
	struct tokens t;
	int i, g = -1, n = 0, end, o = 0;

	if (len)
		rest[0] = '\0';
	txt_tokenize(text ? text : "", &t);
	for (i = 0; i < t.n && g < 0; i++)
		if ((n = farewell_at(&t, i)) > 0)
			g = i;
	if (g < 0)
		return 0;
	/* the words before it, without the thanks that lead into it */
	for (end = g; end > 0 && txt_is(t.w[end - 1], polite); end--)
		;
	for (i = 0; i < end; i++)
		o += snprintf(rest + o, (size_t)o < len ? len - (size_t)o : 0,
		    "%s%s", o ? " " : "", t.w[i]);
	/* and what follows it that is more than politeness */
	for (i = g + n; i < t.n; i++) {
		if (txt_is(t.w[i], polite) || farewell_at(&t, i) > 0)
			continue;
		o += snprintf(rest + o, (size_t)o < len ? len - (size_t)o : 0,
		    "%s%s", o ? " " : "", t.w[i]);
	}
	return 1;
}

int
name_in_turn(
    const char *text, char *first, size_t flen, char *last, size_t llen)
{
	static const char *const intro[] = {"my name is", "this is", "my names",
	    "the name is", "name is", NULL};
	struct tokens t;
	int i, k, n = 0, at = -1;

	first[0] = last[0] = '\0';
	txt_tokenize(text, &t);
	for (i = 0; i < t.n && at < 0; i++)
		for (k = 0; intro[k]; k++)
			if ((n = txt_phrase_at(&t, i, intro[k])) > 0) {
				at = i + n;
				break;
			}
	if (at < 0 || at >= t.n || name_implausible(t.w[at], NULL) ||
	    !isalpha((unsigned char)t.w[at][0]))
		return 0;
	snprintf(first, flen, "%s", t.w[at]);
	first[0] = (char)toupper((unsigned char)first[0]);
	/* a surname only when the next word is no common word ("this is
	 * Dana and I need", "this is Dana Reed") */
	if (at + 1 < t.n && isalpha((unsigned char)t.w[at + 1][0]) &&
	    strlen(t.w[at + 1]) > 1 && !name_implausible(NULL, t.w[at + 1]) &&
	    !txt_phrase_at(&t, at + 1, "and") &&
	    !txt_phrase_at(&t, at + 1, "calling")) {
		snprintf(last, llen, "%s", t.w[at + 1]);
		last[0] = (char)toupper((unsigned char)last[0]);
	}
	return 1;
}

int
name_implausible(const char *first, const char *last)
{
	static const char *const common[] = {"a", "an", "the", "that", "this",
	    "human", "person", "to", "of", "is", "it", "in", "on", "for",
	    "with", "what", "yes", "no", "not", "my", "your", "me", "you", "we",
	    "they", "there", "here", "at", "be", "was", "are", "have", "has",
	    "had", "do", "does", "speak", "talk", "can", "could", "would",
	    "want", "need", "get", "like", "just", "okay", "ok", "sorry",
	    "hello", "hi", "um", "uh", "agent", "someone", "somebody",
	    "operator", "representative", "i", "im", "please", "thanks", "and",
	    "calling", "from", "about", "id", "ill", "ive", "just", "also",
	    "so", "oh", "well", "but", "here", "again", "because", "regarding",
	    "wondering", NULL};
	struct tokens t;
	char both[160];
	int i;

	snprintf(
	    both, sizeof(both), "%s %s", first ? first : "", last ? last : "");
	txt_tokenize(both, &t);
	if (t.n == 0)
		return 1;
	for (i = 0; i < t.n; i++)
		if (txt_is(t.w[i], common))
			return 1;
	return 0;
}

void
ask_spell(struct brain_call *c, const char *before)
{
	struct call_state *st = &c->st;
	char buf[512];

	if (st->asked != ASK_SPELL_LAST)
		st->spell_for = st->asked;
	snprintf(buf, sizeof(buf),
	    "%.300s%sCould you spell your last name "
	    "for me?",
	    before ? before : "", before && before[0] ? " " : "");
	call_say(c, buf, 0);
	call_hint(c, "spell", NULL, 0);
	ask(c, ASK_SPELL_LAST);
}

/* A word of the name heard below NAME_CONFIDENCE by the recogniser. */
static int
words_weak(const struct brain_call *c, const char *name)
{
	struct tokens t;
	double wc;
	int i;

	txt_tokenize(name, &t);
	for (i = 0; i < t.n; i++)
		if ((wc = call_word_confidence(c, t.w[i])) >= 0 &&
		    wc < NAME_CONFIDENCE)
			return 1;
	return 0;
}

/* The words that ask for a person, in a name's place. */
static int
name_asks_person(const char *name)
{
	static const char *const w[] = {"human", "person", "agent", "operator",
	    "representative", "someone", "somebody", NULL};
	struct tokens t;

	txt_tokenize(name, &t);
	return txt_find(&t, 0, w) >= 0;
}

int
name_check(struct brain_call *c, const struct turn_in *in, const char *first,
    const char *last, int strict)
{
	struct call_state *st = &c->st;
	char buf[128];

	/* a person asked for where the name was ("Mary, a human"): heard
	 * again or spelled; any other word that is no name is spelled back
	 * in the read-back (name_weak) */
	if (strict && name_asks_person(first)) {
		log_info(st->call_id, "heard no name in \"%s\"", in->text);
		not_understood(c, in);
		return 0;
	}
	if (last[0] && name_asks_person(last) &&
	    !name_implausible(first, NULL)) {
		log_info(
		    st->call_id, "last name \"%s\" is no name: spell it", last);
		snprintf(st->first_name, sizeof(st->first_name), "%s", first);
		st->last_name[0] = '\0';
		snprintf(buf, sizeof(buf), "Thanks, %s.", first);
		ask_spell(c, buf);
		return 0;
	}
	st->name_weak = in->confidence < NAME_CONFIDENCE ||
	    words_weak(c, first) || words_weak(c, last) ||
	    name_implausible(first, last);
	return 1;
}

int
about_name(const char *text)
{
	static const char *const w[] = {
	    "name", "spell", "spelled", "spelling", "spelt", "surname", NULL};
	struct tokens t;

	txt_tokenize(text, &t);
	return txt_find(&t, 0, w) >= 0;
}

static void
copy_id(json_t *v, char *buf, size_t len)
{
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, len, "%s",
		    json_is_string(v) ? json_string_value(v) : "");
}

int
appts_fetch(struct brain_call *c)
{
	struct call_state *st = &c->st;
	json_t *rep, *arr, *a;
	const char *k;
	size_t i;

	rep = call_tool(c, "get_upcoming_appointments", json_object());
	if (!tool_ok(rep, &k)) {
		json_decref(rep);
		return -1;
	}
	st->nappts = 0;
	st->appt = 0;
	arr = json_object_get(json_object_get(rep, "result"), "appointments");
	json_array_foreach(arr, i, a)
	{
		struct call_appt *x;
		const char *s;

		if (st->nappts >= CALL_MAX_APPTS)
			break;
		x = &st->appts[st->nappts++];
		memset(x, 0, sizeof(*x));
		copy_id(
		    json_object_get(a, "appointment_id"), x->id, sizeof(x->id));
		s = json_string_value(json_object_get(a, "service"));
		snprintf(x->service, sizeof(x->service), "%s", s ? s : "");
		s = json_string_value(json_object_get(a, "start"));
		/* "2026-11-24T10:00:00" -> "2026-11-24T10:00" */
		snprintf(x->start, sizeof(x->start), "%.16s", s ? s : "");
		s = json_string_value(json_object_get(a, "confirmation"));
		snprintf(
		    x->confirmation, sizeof(x->confirmation), "%s", s ? s : "");
		s = json_string_value(json_object_get(a, "vehicle"));
		snprintf(x->vehicle, sizeof(x->vehicle), "%s", s ? s : "");
	}
	json_decref(rep);
	return 0;
}

/* "cancel my repair order" is an order, "cancel my appointment" not */
int
about_order(const char *text)
{
	static const char *const w[] = {
	    "order", "repair", "repairs", "ro", "work", "job", NULL};
	struct tokens t;

	txt_tokenize(text, &t);
	return txt_find(&t, 0, w) >= 0;
}

int
keyed_turn(struct brain_call *c, const char *digit, char *digits, size_t len,
    struct turn_in *in)
{
	struct call_state *st = &c->st;
	size_t n = strlen(st->keyed);

	if (digit[0] >= '0' && digit[0] <= '9' && n + 1 < sizeof(st->keyed)) {
		st->keyed[n++] = digit[0];
		st->keyed[n] = '\0';
	}
	if (st->asked == ASK_VERIFY_FACTOR) {
		/* the VIN's last four digits, or more ended by '#' */
		if (digit[0] != '#' && n != 4)
			return 0;
	} else if (digit[0] != '#' && !(n == 10 && st->keyed[0] != '1') &&
	    n != 11) {
		return 0;
	}
	snprintf(digits, len, "%s", st->keyed);
	st->keyed[0] = '\0';
	memset(in, 0, sizeof(*in));
	in->text = digits;
	in->confidence = 1.0;
	return 1;
}

void
money_words(int cents, char *buf, size_t len)
{
	if (cents % 100)
		snprintf(buf, len, "%d dollars %d", cents / 100, cents % 100);
	else
		snprintf(buf, len, "%d dollars", cents / 100);
}

int
parse_name(const char *text, char *first, size_t flen, char *last, size_t llen)
{
	static const char *const lead[] = {"my name is", "my names", "my name",
	    "name is", "this is", "it is", "its", "im", "i am", "yes", "yeah",
	    "sure", "ok", "okay", "it", "is", "the", "name", "hi", "hello",
	    "so", "well", "oh", NULL};
	static const char *const stop[] = {"and", "please", "thanks", "thank",
	    "you", "here", "speaking", NULL};
	struct tokens t;
	int i = 0, k, n, got = 0;
	size_t o = 0;

	first[0] = last[0] = '\0';
	txt_tokenize(text, &t);
	for (;;) {
		for (k = 0; lead[k]; k++) {
			struct tokens p;

			txt_tokenize(lead[k], &p);
			for (n = 0; n < p.n && i + n < t.n &&
			     strcmp(t.w[i + n], p.w[n]) == 0;
			     n++)
				;
			if (n == p.n && i + n < t.n) {
				i += n;
				break;
			}
		}
		if (lead[k] == NULL)
			break;
	}
	for (; i < t.n && got < 3; i++) {
		char w[TXT_TOK_LEN];

		if (txt_is(t.w[i], stop))
			break;
		if (!isalpha((unsigned char)t.w[i][0]))
			continue;
		snprintf(w, sizeof(w), "%s", t.w[i]);
		w[0] = (char)toupper((unsigned char)w[0]);
		if (got == 0)
			snprintf(first, flen, "%s", w);
		else
			o += (size_t)snprintf(last + o, o < llen ? llen - o : 0,
			    "%s%s", o ? " " : "", w);
		got++;
	}
	return got > 0;
}

void
appts_describe(const struct call_appt *a, char *buf, size_t len)
{
	char day[48], tm[16];
	time_t d;
	int m;

	if (dt_parse_slot(a->start, &d, &m) != 0) {
		snprintf(buf, len, "your %s", a->service);
		return;
	}
	dt_say_day(d, day, sizeof(day));
	dt_say_time(m, tm, sizeof(tm));
	snprintf(buf, len, "your %s on %s at %s", a->service, day, tm);
}

void
services_list(const struct fd_business *b, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < b->nservices; i++)
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s",
		    i == 0                      ? ""
		        : i == b->nservices - 1 ? " and "
		                                : ", ",
		    b->services[i].name);
}

int
when_words(struct brain_call *c, const char *iso, char *buf, size_t len)
{
	char day[48], tm[16];
	time_t d, today = dt_day_start(c->core->now(c->core_arg));
	int m;

	buf[0] = '\0';
	if (dt_parse_slot(iso, &d, &m) != 0)
		return -1;
	dt_say_time(m, tm, sizeof(tm));
	if (d == today)
		snprintf(buf, len, "today at %s", tm);
	else if (d == dt_add_days(today, 1))
		snprintf(buf, len, "tomorrow at %s", tm);
	else {
		dt_say_day(d, day, sizeof(day));
		snprintf(buf, len, "on %s at %s", day, tm);
	}
	return 0;
}
