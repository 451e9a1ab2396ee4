/*
 * task_appts.c - the caller's own upcoming appointments for the local brain:
 * listing them, choosing the one to change, cancelling it
 * (get_upcoming_appointments, cancel_appointment on crm-tools) and
 * handing it to the booking planner to move.  crm-tools only ever returns
 * the call's own customer's appointments, and the brain asks only once the
 * caller is established (identity_ready), so nothing here can read out
 * another customer's booking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task_appts.h"
#include "log.h"
#include "speech/text.h"
#include "spoken.h"
#include "task_booking.h"
#include "task_identity.h"

static void
list_words(const struct call_state *st, char *buf, size_t len)
{
	char one[200];
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < st->nappts; i++) {
		appts_describe(&st->appts[i], one, sizeof(one));
		/* "your oil change on ..." reads as "an oil change on ..." */
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s%s",
		    i == 0                    ? ""
		        : i == st->nappts - 1 ? " and "
		                              : ", ",
		    strncmp(one, "your ", 5) == 0
		        ? (strchr("aeiou", one[5]) ? "an " : "a ")
		        : "",
		    strncmp(one, "your ", 5) == 0 ? one + 5 : one);
	}
}

void
appts_choose(struct brain_call *c, int i)
{
	struct call_state *st = &c->st;
	char appt[200];
	struct tpl_var v[] = {{"appt", appt}, {NULL, NULL}};
	static const char *const days[] = {"monday", "tuesday", "wednesday",
	    "thursday", "friday", "saturday", "tomorrow", "next"};

	st->appt = i + 1;
	appts_describe(&st->appts[i], appt, sizeof(appt));
	if (st->task == TASK_CANCEL) {
		say_tpl(c, T_CONFIRM_CANCEL, v, 0);
		call_hint(c, "yesno", NULL, 0);
		ask(c, ASK_CONFIRM_CANCEL);
		return;
	}
	/* reschedule: the planner finds the new slot for the same service */
	st->service = fd_business_service(c->biz, st->appts[i].service);
	if (st->service == NULL) {
		log_warnx(st->call_id, "appointment service '%s' not offered",
		    st->appts[i].service);
		tool_failed(c);
		return;
	}
	if (st->have_day || st->have_time || st->earliest) {
		booking_plan(c);
		return;
	}
	say_tpl(c, T_MOVE_DAY, v, 0);
	call_hint(c, "date", days, sizeof(days) / sizeof(days[0]));
	ask(c, ASK_DAY);
}

void
appts_start(struct brain_call *c, int task)
{
	struct call_state *st = &c->st;
	char list[600], buf[700];
	struct tpl_var v[] = {{"list", list},
	    {"verb", task == TASK_CANCEL ? "cancel" : "move"}, {NULL, NULL}};

	st->task = task;
	if (!identity_ready(c, task))
		return;
	if (appts_fetch(c) != 0) {
		tool_failed(c);
		return;
	}
	if (st->nappts == 0) {
		tpl_render(T_NO_APPTS, NULL, buf, sizeof(buf));
		anything_else(c, buf);
		return;
	}
	list_words(st, list, sizeof(list));
	if (task == TASK_LIST) {
		tpl_render(T_APPTS_LIST, v, buf, sizeof(buf));
		if (st->outcome[0] == '\0')
			call_set_outcome(
			    c, "info_only", "upcoming appointments");
		anything_else(c, buf);
		return;
	}
	if (st->nappts == 1) {
		appts_choose(c, 0);
		return;
	}
	say_tpl(c, T_APPT_WHICH, v, 0);
	ask(c, ASK_APPT_WHICH);
}

static int
pick(const struct call_state *st, const struct turn_in *in)
{
	static const char *const first[] = {
	    "first", "1st", "earlier", "earliest", NULL};
	static const char *const second[] = {"second", "2nd", NULL};
	static const char *const last[] = {
	    "last", "later", "latest", "third", NULL};
	struct tokens t;
	char code[16];
	time_t d;
	int i, m, hit = -1, n = 0;

	if (spoken_code(in->text, code, sizeof(code)))
		for (i = 0; i < st->nappts; i++)
			if (strcasecmp(code, st->appts[i].confirmation) == 0)
				return i;
	for (i = 0; i < st->nappts; i++) {
		int ok = 1;

		if (dt_parse_slot(st->appts[i].start, &d, &m) != 0)
			continue;
		if (in->ir.service &&
		    strcmp(in->ir.service->name, st->appts[i].service) != 0)
			ok = 0;
		if (in->dt.has_date && in->dt.day != d)
			ok = 0;
		if (in->dt.has_time && in->dt.minute != m &&
		    in->dt.minute + 720 != m)
			ok = 0;
		if (ok &&
		    (in->ir.service || in->dt.has_date || in->dt.has_time)) {
			hit = i;
			n++;
		}
	}
	if (n == 1)
		return hit;
	txt_tokenize(in->text, &t);
	if (txt_find(&t, 0, first) >= 0)
		return 0;
	if (txt_find(&t, 0, second) >= 0 && st->nappts >= 2)
		return 1;
	if (txt_find(&t, 0, last) >= 0)
		return st->nappts - 1;
	return -1;
}

/* "No, my repair order": the caller meant the order, not an appointment
 * (or the first words were heard wrong); 1 if switched. */
static int
meant_order(struct brain_call *c, const struct turn_in *in)
{
	if (c->st.task != TASK_CANCEL || !about_order(in->text))
		return 0;
	c->st.appt = 0;
	task_start(c, TASK_ORDER_CANCEL, in);
	return 1;
}

void
appts_which_reply(struct brain_call *c, const struct turn_in *in)
{
	int i;

	if (meant_order(c, in))
		return;
	i = pick(&c->st, in);

	if (i >= 0) {
		appts_choose(c, i);
		return;
	}
	if (in->ir.best != INT_NONE && in->ir.best != INT_CANCEL &&
	    in->ir.best != INT_RESCHEDULE && in->ir.best != INT_BOOK) {
		general(c, in);
		return;
	}
	not_understood(c, in);
}

void
appts_cancel_reply(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	struct call_appt *a;
	json_t *rep, *args;
	const char *k;
	char appt[200], buf[300], notes[256];
	struct tpl_var v[] = {{"appt", appt}, {NULL, NULL}};

	if (st->appt <= 0 || st->appt > st->nappts) {
		anything_else(c, NULL);
		return;
	}
	if (meant_order(c, in))
		return;
	a = &st->appts[st->appt - 1];
	if (in->ir.pol == POL_NO && in->ir.best == INT_GOODBYE) {
		st->appt = 0;
		goodbye(c); /* "no, that's all" */
		return;
	}
	if (in->ir.pol == POL_NO && in->ir.best != INT_RESCHEDULE) {
		tpl_render(T_KEEP_IT, NULL, buf, sizeof(buf));
		anything_else(c, buf);
		return;
	}
	if (in->ir.best == INT_RESCHEDULE ||
	    (in->ndt > 0 && in->ir.pol != POL_YES)) {
		/* "actually, can I move it instead?" */
		st->task = TASK_RESCHEDULE;
		booking_apply(st, &in->dt);
		appts_choose(c, st->appt - 1);
		return;
	}
	if (in->ir.pol != POL_YES) {
		if (in->ir.best != INT_NONE && in->ir.best != INT_CANCEL)
			general(c, in);
		else
			not_understood(c, in);
		return;
	}
	if (weak_yes(c, in, "Shall I cancel it?"))
		return;
	args = json_object();
	if (a->id[0] && strspn(a->id, "0123456789") == strlen(a->id))
		json_object_set_new(
		    args, "appointment_id", json_integer(atoll(a->id)));
	else
		json_object_set_new(
		    args, "confirmation", json_string(a->confirmation));
	json_object_set_new(args, "reason",
	    json_string("caller cancelled by "
	                "phone"));
	rep = call_tool(c, "cancel_appointment", args);
	if (!tool_ok(rep, &k)) {
		json_decref(rep);
		tool_failed(c);
		return;
	}
	json_decref(rep);
	appts_describe(a, appt, sizeof(appt));
	tpl_render(T_CANCELLED, v, buf, sizeof(buf));
	snprintf(notes, sizeof(notes), "%s at %s cancelled (%s)", a->service,
	    a->start, a->confirmation);
	call_set_outcome(c, "cancelled", notes);
	st->appt = 0;
	anything_else(c, buf);
}
