/*
 * task_answers.c - business questions the local brain answers from the
 * business config alone: opening hours (the week, or one day: "are you
 * open tomorrow?", holidays included), the address, the services and
 * their prices, the languages spoken.  Asked mid-task, the answer is
 * followed by the question that was pending, so the task goes on.
 * Talks to no process.
 */
#include <stdio.h>
#include <string.h>

#include "task_answers.h"
#include "lang.h"
#include "speech/text.h"
#include "task_booking.h"

/* Opening hours of one day, or of the week when no day was named. */
static void
hours(struct brain_call *c, const struct turn_in *in, char *buf, size_t len)
{
	static const char *const todayw[] = {
	    "today", "now", "tonight", "still", NULL};
	static const char *const tomorroww[] = {"tomorrow", "tomorrows", NULL};
	const struct fd_hours *h;
	struct tokens t;
	time_t now = c->core->now(c->core_arg), today = dt_day_start(now), day;
	char label[64], open[16], close[16], why[32];
	struct tpl_var v[] = {{"day", label}, {"open", open}, {"close", close},
	    {"why", why}, {NULL, NULL}};
	int weekday = 0;

	txt_tokenize(in->text, &t);
	if (in->dt.has_date)
		day = in->dt.day;
	else if (txt_find(&t, 0, todayw) >= 0)
		day = today;
	else {
		tpl_render(T_HOURS, NULL, buf, len);
		return;
	}
	/* the caller's own words: "today", "tomorrow", or the weekday */
	if (day == today && txt_find(&t, 0, todayw) >= 0)
		snprintf(label, sizeof(label), "today");
	else if (day == dt_add_days(today, 1) &&
	    txt_find(&t, 0, tomorroww) >= 0)
		snprintf(label, sizeof(label), "tomorrow");
	else {
		char d[48], *comma;

		dt_say_day(day, d, sizeof(d));
		/* "Saturday" within the week, "Saturday, November 28" later */
		if (day < dt_add_days(today, 7) &&
		    (comma = strchr(d, ',')) != NULL)
			*comma = '\0';
		snprintf(label, sizeof(label), "on %s", d);
		weekday = 1;
	}
	h = fd_business_hours(c->biz, day);
	if (h == NULL || !fd_business_open_day(c->biz, day)) {
		struct tm tm;

		localtime_r(&day, &tm);
		/* a weekday we open on, but not this one: a holiday */
		snprintf(why, sizeof(why), "%s",
		    c->biz->week[tm.tm_wday].open_min >= 0 ? " for the holiday"
		                                           : "");
		tpl_render(T_HOURS_CLOSED_DAY, v, buf, len);
		return;
	}
	dt_say_time(h->open_min, open, sizeof(open));
	dt_say_time(h->close_min, close, sizeof(close));
	why[0] = '\0';
	/* "we are open Saturday from", "closed on Sunday" */
	if (weekday)
		memmove(label, label + 3, strlen(label + 3) + 1);
	tpl_render(T_HOURS_DAY, v, buf, len);
}

void
answers_price(struct brain_call *c, const struct fd_service *s)
{
	char p[32], buf[1024], list[512];
	struct tpl_var v[] = {{"service", s ? s->name : ""}, {"price", p},
	    {"services", list}, {NULL, NULL}};

	c->st.last_intent = INT_PRICE;
	if (s == NULL) {
		services_list(c->biz, list, sizeof(list));
		say_tpl(c, T_PRICE_WHICH, v, 0);
		call_hint(c, "service", NULL, 0);
		ask(c, ASK_OPEN);
		return;
	}
	if (s->price_cents > 0) {
		money_words(s->price_cents, p, sizeof(p));
		tpl_render(T_PRICE, v, buf, sizeof(buf));
	} else {
		tpl_render(T_PRICE_QUOTE, v, buf, sizeof(buf));
	}
	if (c->st.outcome[0] == '\0')
		call_set_outcome(c, "info_only", "price");
	anything_else(c, buf);
}

/* "Do you speak Spanish?": yes if business.languages lists it, else
 * which languages we speak; either way a person or a message is offered
 * (this line itself speaks English). */
void
answers_language(struct brain_call *c, const struct turn_in *in)
{
	const char *asked = lang_named(in->text);
	char list[128], buf[512], offer[160];
	struct tpl_var v[] = {{"language", asked ? asked : ""},
	    {"languages", list}, {NULL, NULL}};
	size_t n;

	lang_list(c->biz, list, sizeof(list));
	if (c->st.outcome[0] == '\0')
		call_set_outcome(c, "info_only", "language");
	if (asked && strcmp(asked, "English") == 0) {
		tpl_render(T_LANG_ENGLISH, v, buf, sizeof(buf));
		anything_else(c, buf);
		return;
	}
	tpl_render(asked == NULL             ? T_LANG_LIST
	        : lang_spoken(c->biz, asked) ? T_LANG_YES
	                                     : T_LANG_NO,
	    v, buf, sizeof(buf));
	n = strlen(buf);
	if (open_now(c) && c->biz->transfer_number[0]) {
		tpl_render(T_LANG_OFFER_HUMAN, NULL, offer, sizeof(offer));
		snprintf(buf + n, sizeof(buf) - n, " %s", offer);
		call_say(c, buf, 0);
		ask(c, ASK_HUMAN_OR_MSG);
	} else {
		tpl_render(T_LANG_OFFER_MSG, NULL, offer, sizeof(offer));
		snprintf(buf + n, sizeof(buf) - n, " %s", offer);
		call_say(c, buf, 0);
		call_hint(c, "yesno", NULL, 0);
		ask(c, ASK_MSG_OFFER);
	}
}

int
answers_side_question(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	char buf[512], list[400];
	struct tpl_var v[] = {{"services", list}, {NULL, NULL}};
	int resume = st->asked;

	switch (in->ir.best) {
	case INT_HOURS:
		hours(c, in, buf, sizeof(buf));
		break;
	case INT_ADDRESS:
		tpl_render(T_ADDRESS, NULL, buf, sizeof(buf));
		break;
	case INT_SERVICES:
		services_list(c->biz, list, sizeof(list));
		tpl_render(T_SERVICES, v, buf, sizeof(buf));
		break;
	case INT_PRICE:
		if (resume == ASK_OPEN || resume == ASK_ANYTHING_ELSE ||
		    resume == ASK_CONFIRM_ID || in->ir.service) {
			answers_price(
			    c, in->ir.service ? in->ir.service : st->service);
			return 1;
		}
		if (st->service == NULL)
			return 0;
		{
			char p[32];
			struct tpl_var pv[] = {{"service", st->service->name},
			    {"price", p}, {NULL, NULL}};

			money_words(st->service->price_cents, p, sizeof(p));
			tpl_render(st->service->price_cents > 0 ? T_PRICE
			                                        : T_PRICE_QUOTE,
			    pv, buf, sizeof(buf));
		}
		break;
	default:
		return 0;
	}
	if (resume == ASK_OPEN || resume == ASK_ANYTHING_ELSE ||
	    resume == ASK_CONFIRM_ID || st->task == TASK_NONE) {
		if (st->outcome[0] == '\0')
			call_set_outcome(
			    c, "info_only", intent_name(in->ir.best));
		anything_else(c, buf);
		return 1;
	}
	/* mid-task: answer, then ask the pending question again */
	if (st->service &&
	    (st->task == TASK_BOOK || st->task == TASK_RESCHEDULE) &&
	    (resume == ASK_DAY || resume == ASK_PICK || resume == ASK_SERVICE ||
	        resume == ASK_CONFIRM_BOOK || resume == ASK_VEHICLE)) {
		call_say(c, buf, 0);
		booking_plan(c);
	} else {
		reask(c, buf);
	}
	return 1;
}
