/*
 * templates.c - the local brain's sentences and their rendering.  The
 * default texts are written for a business that books appointments; the
 * config can reword each one by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech/datetime.h"
#include "speech/templates.h"

struct tpl {
	const char *name;
	const char *text;
};

static const struct tpl defaults[T_COUNT] = {
    [T_GREETING] = {"greeting",
        "Thanks for calling {business}, this is "
        "{persona}, an AI assistant. How can I help you today?"},
    [T_GREETING_KNOWN] = {"greeting_known",
        "Thanks for calling "
        "{business}, this is {persona}, an AI assistant. Am I speaking "
        "with {name}?"},
    [T_GREET_CONFIRMED] = {"greet_confirmed",
        "Hi {name}! How can I help "
        "you today?"},
    [T_GREET_NOT_THEM] = {"greet_not_them",
        "Sorry about that. How can I "
        "help you today?"},
    [T_HOW_HELP] = {"how_help", "How can I help you today?"},
    [T_WHAT_ELSE] = {"what_else", "Sure, what else can I help you with?"},
    [T_ANYTHING_ELSE] = {"anything_else",
        "Is there anything else I can "
        "help you with?"},
    [T_GOODBYE] = {"goodbye",
        "Thanks for calling {business}. Have a "
        "great day, goodbye!"},
    [T_ASK_SERVICE] = {"ask_service",
        "Sure, I can help you book that. "
        "Which service do you need? We do {services}."},
    [T_ASK_DAY] = {"ask_day",
        "Sure. What day would you like to come in "
        "for the {service}?"},
    [T_ASK_TIME] = {"ask_time", "What time works for you on {day}?"},
    [T_OFFER_SLOTS] = {"offer_slots",
        "On {day} I have {slots}. Which "
        "time works best?"},
    [T_TIME_TAKEN] = {"time_taken",
        "Sorry, {time} on {day} isn't "
        "available. The closest times I have are {slots}. Would one of "
        "those work?"},
    [T_DAY_CLOSED] = {"day_closed",
        "Sorry, we're closed on {day}. The "
        "next opening is {day2}, where I have {slots}. Would one of those "
        "work?"},
    [T_DAY_FULL] = {"day_full",
        "Sorry, {day} is fully booked. On {day2} "
        "I have {slots}. Would one of those work?"},
    [T_NO_SLOTS_SOON] = {"no_slots_soon",
        "Sorry, I don't see any "
        "openings for a {service} in the next two weeks. Would you like me "
        "to take a message so the team can call you back?"},
    [T_ASK_NAME] = {"ask_name",
        "Great. Can I get your first and last "
        "name for the booking?"},
    [T_READBACK] = {"readback",
        "{Service} on {day} at {time} for {name}, "
        "shall I book it?"},
    [T_BOOKED] = {"booked",
        "You're all set. Your confirmation code is "
        "<spell>{code}</spell>."},
    [T_SLOT_GONE] = {"slot_gone",
        "Sorry, that time was just taken. I "
        "can do {slots}. Would one of those work?"},
    [T_TOOL_ERROR] = {"tool_error",
        "Sorry, I'm having trouble reaching "
        "our booking system right now. Would you like me to take a message "
        "so someone can call you back?"},
    [T_WHAT_CHANGE] = {"what_change",
        "No problem. What would you like to "
        "change, the day, the time or the service?"},
    [T_YES_OR_NO] = {"yes_or_no", "Sorry, was that a yes or a no?"},
    [T_HOURS] = {"hours", "We're open {hours}."},
    [T_ADDRESS] = {"address", "We're at {address}."},
    [T_PRICE] = {"price", "A {service} is {price}."},
    [T_PRICE_QUOTE] = {"price_quote",
        "The price of a {service} depends "
        "on the car, so the team will give you a quote when they see it."},
    [T_PRICE_WHICH] = {"price_which",
        "Which service would you like a "
        "price for? We do {services}."},
    [T_TRANSFER] = {"transfer",
        "Sure, let me connect you with a member "
        "of our team. One moment please."},
    [T_HUMAN_CLOSED] = {"human_closed",
        "Our team isn't available right "
        "now. We're open {hours}. Would you like me to take a message so "
        "someone can call you back?"},
    [T_MSG_ASK_NAME] = {"msg_ask_name",
        "Sure, I can take a message. "
        "May I have your name?"},
    [T_MSG_ASK_TEXT] = {"msg_ask_text",
        "Thanks{comma_name}. What message "
        "would you like me to pass on?"},
    [T_MSG_TAKEN] = {"msg_taken",
        "Got it. I've passed your message on, "
        "and someone will call you back at {number}."},
    [T_MSG_OFFER] = {"msg_offer",
        "Would you like me to take a message "
        "instead?"},
    [T_NOT_UNDERSTOOD] = {"not_understood",
        "Sorry, I didn't quite get "
        "that. I can book a service, tell you our hours or address, or take "
        "a message. What would you like?"},
    [T_SAY_AGAIN] = {"say_again", "Sorry, could you say that again?"},
    [T_TOO_MANY_OPEN] = {"too_many_open",
        "I'm sorry, I'm having trouble "
        "understanding. I can connect you with a member of our team, or "
        "take a message. Which would you prefer?"},
    [T_TOO_MANY_CLOSED] = {"too_many_closed",
        "I'm sorry, I'm having "
        "trouble understanding. Would you like me to take a message so "
        "someone can call you back?"},
    [T_CHANGE_EXISTING] = {"change_existing",
        "I can move or cancel "
        "your appointment. Which would you like?"},
    [T_IDLE_1] = {"idle_1", "Are you still there?"},
    [T_IDLE_2] = {"idle_2",
        "Sorry, I can't hear you. If you're still "
        "there, please say something."},
    [T_IDLE_BYE] = {"idle_bye",
        "I'll let you go for now. Please call us "
        "back anytime. Goodbye!"},
    [T_NO_PROBLEM] = {"no_problem", "No problem."},
    [T_ASK_WHO] = {"ask_who",
        "Sorry about that. Who am I speaking with, "
        "please?"},
    [T_WHO_THANKS] = {"who_thanks",
        "Thanks, {name}. How can I help you "
        "today?"},
    [T_CONFIRM_ID_FIRST] = {"confirm_id_first",
        "Sure. First, am I "
        "speaking with {name}?"},
    [T_VERIFY_PHONE] = {"verify_phone",
        "I can help with that. First I "
        "need to find your account. What's the phone number on it? You can "
        "say it or key it in."},
    [T_VERIFY_PROOF] = {"verify_proof",
        "Thanks. And what's your first "
        "and last name, or the confirmation code of your booking?"},
    [T_VERIFY_FAILED] = {"verify_failed",
        "Sorry, I couldn't match that "
        "to an account. Let's try again. What's the phone number on the "
        "account?"},
    [T_VERIFY_LOCKED] = {"verify_locked",
        "I'm sorry, I wasn't able to "
        "verify your account, so I can't make changes to it on this call. "
        "Would you like me to take a message for the team?"},
    [T_VERIFIED] = {"verified",
        "Thanks, {name}, I've found your "
        "account."},
    [T_PHONE_AGAIN] = {"phone_again",
        "Sorry, I didn't get the whole "
        "number. Could you say it again digit by digit, or key it in?"},
    [T_VERIFY_FACTOR] = {"verify_factor",
        "Thanks. For your security, "
        "please key in or say the last four digits of your car's VIN, or "
        "tell me the confirmation code of one of your bookings. If you "
        "don't have them, just say so."},
    [T_VERIFY_FACTOR_BAD] = {"verify_factor_bad",
        "Sorry, that doesn't "
        "match what we have on file. Could you try again? The last four "
        "digits of the VIN, or a confirmation code."},
    [T_VERIFY_NO_FACTOR] = {"verify_no_factor",
        "No problem. Without it "
        "I can't give details or make changes on the account, but the team "
        "can call you back at the number on file. Would you like me to "
        "take a message for them?"},
    [T_ASK_VEHICLE] = {"ask_vehicle",
        "Which vehicle is this for, "
        "{vehicles}?"},
    [T_READBACK_VEHICLE] = {"readback_vehicle",
        "{Service} on {day} at "
        "{time} for your {vehicle}, shall I book it? If it's for the "
        "{others} instead, just say so."},
    [T_ASK_LAST_NAME] = {"ask_last_name",
        "Thanks, {name}. And your last "
        "name?"},
    [T_BOOK_PHONE] = {"book_phone",
        "And what's the best phone number to "
        "reach you?"},
    [T_BOOK_NUMBER_TAKEN] = {"book_number_taken",
        "That number is already "
        "on file under a different name, so I can't book under it. Would "
        "you like me to take a message so the team can book it for you?"},
    [T_BOOK_OTHER_LINE] = {"book_other_line",
        "This phone line is on file "
        "for another customer, so I can't book under a new name from it. "
        "Would you like me to take a message so the team can book it for "
        "you?"},
    [T_READBACK_MOVE] = {"readback_move",
        "I'll move {appt} to {day} at "
        "{time}. Shall I go ahead?"},
    [T_MOVED] = {"moved",
        "Done. Your {service} is now on {day} at "
        "{time}. Your confirmation code stays <spell>{code}</spell>."},
    [T_NO_APPTS] = {"no_appts",
        "I don't see any upcoming appointments on "
        "your account."},
    [T_APPTS_LIST] = {"appts_list", "You have {list}."},
    [T_APPT_WHICH] = {"appt_which",
        "You have {list}. Which one would you "
        "like to {verb}?"},
    [T_MOVE_DAY] = {"move_day",
        "I see {appt}. What day would you like to "
        "move it to?"},
    [T_CONFIRM_CANCEL] = {"confirm_cancel",
        "Just to confirm, you'd like "
        "to cancel {appt}?"},
    [T_CANCELLED] = {"cancelled", "Done. {Appt} is cancelled."},
    [T_KEEP_IT] = {"keep_it", "Okay, I'll leave it as it is."},
    [T_STATUS] = {"status", "Your {vehicle} is {stage}."},
    [T_STATUS_READY_BY] = {"status_ready_by",
        "Your {vehicle} is {stage}. "
        "It should be ready {when}."},
    [T_NO_ORDER] = {"no_order",
        "I don't see an open repair order for "
        "you."},
    [T_ORDER_NOT_CANCELLABLE] = {"order_not_cancellable",
        "Your {vehicle} "
        "is {stage}, so the order can't be cancelled anymore."},
    [T_ORDER_ASK_NAME] = {"order_ask_name",
        "I can help with that. For "
        "security, what's the full name on the order?"},
    [T_ORDER_CONFIRM] = {"order_confirm",
        "Order {order} for your "
        "{vehicle} can be cancelled, and {refund} of your deposit would be "
        "refunded. Do you want me to cancel it?"},
    [T_ORDER_CANCELLED] = {"order_cancelled",
        "Done. Order {order} is "
        "cancelled, and {refund} will be refunded."},
    [T_ORDER_NAME_BAD] = {"order_name_bad",
        "Sorry, that name doesn't "
        "match the order. What's the full name on the order?"},
    [T_MSG_NUMBER_OK] = {"msg_number_ok",
        "Should we call you back at "
        "{number}?"},
    [T_MSG_ASK_NUMBER] = {"msg_ask_number",
        "What number should we call "
        "you back on?"},
    [T_MSG_URGENCY] = {"msg_urgency", "Got it. Is it urgent?"},
    [T_LEAD_ASK_NAME] = {"lead_ask_name",
        "I'd be happy to get our team "
        "in touch with you. May I have your name?"},
    [T_LEAD_NEED] = {"lead_need",
        "Thanks{comma_name}. What are you "
        "looking for?"},
    [T_LEAD_TIMELINE] = {"lead_timeline",
        "And when are you hoping to do "
        "this?"},
    [T_LEAD_TAKEN] = {"lead_taken",
        "Thanks. I've passed this on to our "
        "team, and they'll reach you at {number}."},
    [T_CALLBACK_OFFER] = {"callback_offer",
        "Our team isn't available "
        "right now. We're back {next}. Would you like someone to call you "
        "back?"},
    [T_CALLBACK_WHEN] = {"callback_when",
        "Sure. When is a good time to "
        "call you?"},
    [T_CALLBACK_DONE] = {"callback_done",
        "Okay, I've asked the team to "
        "call you back {when} at {number}."},
    [T_XFER_DECLINED] = {"xfer_declined",
        "I'm sorry, the team can't "
        "take your call right now."},
    [T_XFER_NO_ANSWER] = {"xfer_no_answer",
        "I'm sorry, nobody on the "
        "team could answer just now."},
    [T_TEAM_MESSAGE_OFFER] = {"team_message_offer",
        "Would you like me to "
        "take a message so the team can help you with that?"},
    [T_HOURS_DAY] = {"hours_day",
        "We are open {day} from {open} to "
        "{close}."},
    [T_HOURS_CLOSED_DAY] = {"hours_closed_day",
        "We're closed {day}{why}. "
        "We're open {hours}."},
    [T_SERVICES] = {"services", "We do {services}."},
    [T_REPROMPT] = {"reprompt", "Sorry, I didn't catch that. {question}"},
    [T_LANG_ENGLISH] = {"lang_english", "Yes, of course."},
    [T_LANG_YES] = {"lang_yes", "Yes, our team speaks {language}."},
    [T_LANG_NO] = {"lang_no", "I'm sorry, we speak {languages} here."},
    [T_LANG_LIST] = {"lang_list", "We speak {languages} here."},
    [T_LANG_OFFER_HUMAN] = {"lang_offer_human",
        "Would you like to speak "
        "with a person, or leave a message?"},
    [T_LANG_OFFER_MSG] = {"lang_offer_msg",
        "Would you like me to take a "
        "message so someone can call you back?"},
    [T_GUARD_INJECTION] = {"guard_injection",
        "I'm sorry, I can't do "
        "that. I can help with your own appointments once I know who you "
        "are."},
    [T_GUARD_PRIVACY] = {"guard_privacy",
        "I'm sorry, I can't share "
        "details about other customers. I can only discuss an account with "
        "its owner."},
    [T_GUARD_BULK] = {"guard_bulk",
        "I'm sorry, I can't do that. I can "
        "only change your own appointments, one at a time."},
    [T_OB_ASK_FOR] = {"ob_ask_for",
        "Hi, this is {persona}, an AI "
        "assistant calling from {business}. May I speak with {name}?"},
    [T_OB_ASK_FOR_AGAIN] = {"ob_ask_for_again",
        "Hi! This is {persona}, "
        "an AI assistant from {business}. Am I speaking with {name}? "
        "Please say yes or no."},
    [T_OB_WRONG_PERSON] = {"ob_wrong_person",
        "Sorry to have bothered "
        "you. Have a good day, goodbye!"},
    [T_OB_REMIND] = {"ob_remind",
        "Thanks, {name}. I'm calling to remind "
        "you of your {service} {when}. Can you still make it?"},
    [T_OB_CONFIRMED] = {"ob_confirmed",
        "Great, you're all set for {when}. "
        "See you then!"},
    [T_OB_CHANGE] = {"ob_change",
        "No problem. Would you like to move it "
        "to another day, or cancel it?"},
    [T_OB_CALLBACK] = {"ob_callback",
        "Thanks, {name}. I'm returning your "
        "call: you left us a message about {detail}. How can I help?"},
    [T_OB_CALLBACK_ANON] = {"ob_callback_anon",
        "Hi, this is {persona}, "
        "an AI assistant calling from {business}, returning a call from "
        "this number. How can I help?"},
    [T_OB_LEAD] = {"ob_lead",
        "Thanks, {name}. I'm following up on your "
        "enquiry about {detail}. How can I help with that?"},
    [T_OB_VOICEMAIL] = {"ob_voicemail",
        "Hi {name}, this is {persona} from "
        "{business} with a reminder about your {service} {when}. To change "
        "it, please call us at {phone}. Goodbye."},
    [T_OB_VOICEMAIL_CALLBACK] = {"ob_voicemail_callback",
        "Hi{sp_name}, "
        "this is {persona} from {business}, returning your call. Please "
        "call us back at {phone} when it suits you. Goodbye."},
};

static const struct fd_business *biz;
static char *override[T_COUNT];

int
tpl_init(
    const struct fd_business *b, const config_t *cfg, char *err, size_t errlen)
{
	const config_setting_t *s, *e;
	int i, k, n;

	biz = b;
	tpl_free();
	s = cfg ? config_lookup(cfg, "agent.templates") : NULL;
	n = s ? config_setting_length(s) : 0;
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		for (k = 0; k < T_COUNT; k++)
			if (strcmp(defaults[k].name, config_setting_name(e)) ==
			    0)
				break;
		if (k == T_COUNT || config_setting_get_string(e) == NULL) {
			snprintf(err, errlen,
			    "agent.templates.%s: unknown "
			    "template or not a string",
			    config_setting_name(e));
			tpl_free();
			return -1;
		}
		free(override[k]);
		override[k] = strdup(config_setting_get_string(e));
	}
	return 0;
}

void
tpl_free(void)
{
	int k;

	for (k = 0; k < T_COUNT; k++) {
		free(override[k]);
		override[k] = NULL;
	}
}

static void
fmt_min(int m, char *buf, size_t len)
{
	dt_say_time(m, buf, len);
	if (strcmp(buf, "noon") == 0)
		snprintf(buf, len, "12 PM");
}

/* Runs of weekdays (Monday first) with the same hours read as one. */
void
tpl_hours(const struct fd_business *b, char *buf, size_t len)
{
	static const char *const dn[7] = {"Sunday", "Monday", "Tuesday",
	    "Wednesday", "Thursday", "Friday", "Saturday"};
	static const int order[7] = {1, 2, 3, 4, 5, 6, 0};
	char open[256] = "", closed[128] = "", a[16], z[16], days[48];
	size_t oo = 0, co = 0;
	int i, e, d;

	for (i = 0; i < 7; i = e) {
		d = order[i];
		for (e = i + 1; e < 7 &&
		     b->week[order[e]].open_min == b->week[d].open_min &&
		     b->week[order[e]].close_min == b->week[d].close_min;
		     e++)
			;
		if (e - i > 1)
			snprintf(days, sizeof(days), "%s to %s", dn[d],
			    dn[order[e - 1]]);
		else
			snprintf(days, sizeof(days), "%s", dn[d]);
		if (b->week[d].open_min < 0) {
			if (co < sizeof(closed))
				co += (size_t)snprintf(closed + co,
				    sizeof(closed) - co, "%s%s",
				    co ? " and " : "", days);
			continue;
		}
		fmt_min(b->week[d].open_min, a, sizeof(a));
		fmt_min(b->week[d].close_min, z, sizeof(z));
		if (oo < sizeof(open))
			oo += (size_t)snprintf(open + oo, sizeof(open) - oo,
			    "%s%s %s to %s", oo ? ", " : "", days, a, z);
	}
	if (closed[0])
		snprintf(buf, len, "%s%sclosed on %s", open,
		    open[0] ? ", and " : "", closed);
	else
		snprintf(buf, len, "%s", open);
}

static const char *
lookup(const struct tpl_var *vars, const char *key, size_t klen)
{
	for (; vars && vars->key; vars++)
		if (strlen(vars->key) == klen &&
		    strncmp(vars->key, key, klen) == 0)
			return vars->val ? vars->val : "";
	return NULL;
}

void
tpl_render(enum tpl_id id, const struct tpl_var *vars, char *buf, size_t len)
{
	const char *p, *t, *end, *v;
	char tmp[512], key[32];
	size_t o = 0, klen;
	int cap;

	if (len == 0)
		return;
	t = (id >= 0 && id < T_COUNT)
	    ? (override[id] ? override[id] : defaults[id].text)
	    : "";
	for (p = t; *p && o + 1 < len;) {
		if (*p != '{' || (end = strchr(p, '}')) == NULL ||
		    (klen = (size_t)(end - p - 1)) >= sizeof(key)) {
			buf[o++] = *p++;
			continue;
		}
		memcpy(key, p + 1, klen);
		key[klen] = '\0';
		cap = key[0] >= 'A' && key[0] <= 'Z';
		if (cap)
			key[0] = (char)(key[0] - 'A' + 'a');
		v = lookup(vars, key, klen);
		if (v == NULL && biz) {
			if (strcmp(key, "business") == 0)
				v = biz->name;
			else if (strcmp(key, "persona") == 0)
				v = biz->persona;
			else if (strcmp(key, "address") == 0)
				v = biz->address;
			else if (strcmp(key, "hours") == 0) {
				tpl_hours(biz, tmp, sizeof(tmp));
				v = tmp;
			}
		}
		if (v == NULL)
			v = "";
		if (cap && *v >= 'a' && *v <= 'z' && o + 1 < len) {
			buf[o++] = (char)(*v - 'a' + 'A');
			v++;
		}
		while (*v && o + 1 < len)
			buf[o++] = *v++;
		p = end + 1;
	}
	buf[o] = '\0';
}
