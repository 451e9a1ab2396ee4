/*
 * task_outbound.c - the local brain on the calls we place: appointment
 * reminders, callbacks and lead follow-ups (the job is in call_state,
 * read by the core with job_get; call_job.c).
 *
 * The number we rang is the customer's on file, so crm-tools gives the
 * call the caller-ID level for them, but anyone may pick up: the opening
 * says who is calling and asks for the customer by first name, and
 * nothing about the appointment or the message is said until the person
 * says it is them.  A "no" or "wrong number" ends the call politely with
 * no details (deny_caller_id, job outcome wrong_person).  A reminder then
 * asks whether they can still make it: yes confirms (job_result confirmed
 * at the end of the call, which confirms the appointment), a move or a
 * cancel goes through the same flows and read-backs as an inbound caller
 * (task_appts.c, task_booking.c).  A callback or follow-up says why we are calling
 * and goes on as an inbound call would.
 *
 * An answering machine (the carrier's AMD verdict on CALL_START) gets one
 * short message once its greeting has ended, with no more than the first
 * name, the service and the time, and the call hangs up (voicemail).  With
 * machine_start (no end-of-greeting detection) the message waits for the
 * greeting to go quiet (the core's idle timer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task_outbound.h"
#include "spoken.h"
#include "task_booking.h"
#include "task_appts.h"
#include "log.h"
#include "speech/text.h"

static int
is_kind(const struct call_state *st, const char *kind)
{
	return strcmp(st->job_kind, kind) == 0;
}

/* The business's number, to be read out: "555 555 0100". */
static void
business_phone(const struct brain_call *c, char *buf, size_t len)
{
	char digits[24];
	int n = spoken_digits(c->biz->phone, digits, sizeof(digits));

	if (n == 11 && digits[0] == '1')
		memmove(digits, digits + 1, strlen(digits));
	if (n < 7) {
		snprintf(buf, len, "our main number");
		return;
	}
	spoken_phone(digits, buf, len);
}

void
outbound_voicemail(struct brain_call *c)
{
	struct call_state *st = &c->st;
	char when[96], phone[48], sp[72];
	struct tpl_var v[] = {{"name", st->first_name},
	    {"service", st->job_service}, {"when", when}, {"phone", phone},
	    {"sp_name", sp}, {NULL, NULL}};

	call_job_when(st, c->core->now(c->core_arg), when, sizeof(when));
	business_phone(c, phone, sizeof(phone));
	snprintf(sp, sizeof(sp), "%s%s", st->first_name[0] ? " " : "",
	    st->first_name);
	/* a reminder needs a name, a service and a time to make sense */
	if (is_kind(st, "reminder") && st->first_name[0] &&
	    st->job_service[0] && st->job_start[0])
		say_tpl(c, T_OB_VOICEMAIL, v, 1);
	else
		say_tpl(c, T_OB_VOICEMAIL_CALLBACK, v, 1);
	call_job_outcome(c, "voicemail", st->answered_by);
	call_set_outcome(c, "voicemail_left", st->job_kind);
	log_info(st->call_id, "%s job %s: voicemail left (%s)", st->job_kind,
	    st->job_id, st->answered_by);
	ask(c, ASK_DONE);
}

/* Nobody we may talk to about it: no details, goodbye. */
static void
wrong_person(struct brain_call *c, const char *why)
{
	struct call_state *st = &c->st;
	json_t *rep;
	const char *k;

	rep = call_tool(c, "deny_caller_id", json_object());
	if (!tool_ok(rep, &k))
		log_warnx(st->call_id, "deny_caller_id failed (%s)", k);
	json_decref(rep);
	brain_forget_caller(c);
	log_info(st->call_id, "%s job %s: %s", st->job_kind, st->job_id, why);
	call_job_outcome(c, "wrong_person", why);
	call_set_outcome(c, "wrong_person", why);
	say_tpl(c, T_OB_WRONG_PERSON, NULL, 1);
	ask(c, ASK_DONE);
}

int
outbound_start(struct brain_call *c)
{
	struct call_state *st = &c->st;
	struct tpl_var v[] = {{"name", st->first_name}, {NULL, NULL}};

	if (!call_outbound(st))
		return 0;
	if (strncmp(st->answered_by, "machine_end", 11) == 0) {
		outbound_voicemail(c);
		return 1;
	}
	if (strncmp(st->answered_by, "machine", 7) == 0) {
		/* the greeting is still playing: speak once it stops */
		log_info(st->call_id,
		    "%s job %s: %s, waiting for the greeting "
		    "to end",
		    st->job_kind, st->job_id, st->answered_by);
		ask(c, ASK_OB_VM_WAIT);
		return 1;
	}
	if (strcmp(st->answered_by, "fax") == 0) {
		call_job_outcome(c, "failed", "a fax machine answered");
		call_set_outcome(c, "other", "a fax machine answered");
		c->core->hangup_after(c->core_arg, "fax");
		ask(c, ASK_DONE);
		return 1;
	}
	if (st->first_name[0]) {
		say_tpl(c, T_OB_ASK_FOR, v, 0);
		call_hint(c, "yesno", NULL, 0);
		ask(c, ASK_OB_WHO);
		return 1;
	}
	/* a number with no name behind it (a message or lead left with a
	 * number only): whoever answers left it, nothing private is said */
	say_tpl(c, T_OB_CALLBACK_ANON, NULL, 0);
	call_job_outcome(c, "talked", "reached the number");
	ask(c, ASK_OPEN);
	return 1;
}

/* The person said they are the customer: why we are calling. */
static void
purpose(struct brain_call *c)
{
	struct call_state *st = &c->st;
	char when[96], detail[256];
	struct tpl_var v[] = {{"name", st->first_name},
	    {"service", st->job_service}, {"when", when}, {"detail", detail},
	    {NULL, NULL}};

	call_job_when(st, c->core->now(c->core_arg), when, sizeof(when));
	snprintf(detail, sizeof(detail), "%s",
	    st->job_detail[0] ? st->job_detail : "your enquiry");
	if (is_kind(st, "reminder") && st->job_service[0] && st->job_start[0]) {
		say_tpl(c, T_OB_REMIND, v, 0);
		call_hint(c, "yesno", NULL, 0);
		ask(c, ASK_OB_REMIND);
		return;
	}
	if (is_kind(st, "lead_followup"))
		say_tpl(c, T_OB_LEAD, v, 0);
	else if (st->job_detail[0])
		say_tpl(c, T_OB_CALLBACK, v, 0);
	else
		say_tpl(c, T_GREET_CONFIRMED, v, 0);
	call_job_outcome(c, "talked", "the customer was reached");
	ask(c, ASK_OPEN);
}

static int
said_any(const char *text, const char *const *words)
{
	struct tokens t;

	txt_tokenize(text, &t);
	return txt_find(&t, 0, words) >= 0;
}

void
outbound_who_reply(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	struct tpl_var v[] = {{"name", st->first_name}, {NULL, NULL}};
	static const char *const wrong[] = {"wrong", NULL};
	static const char *const me[] = {"speaking", "me", NULL};

	if (said_any(in->text, wrong)) {
		wrong_person(c, "wrong number");
		return;
	}
	if (in->ir.pol == POL_NO) {
		wrong_person(c, "not the customer");
		return;
	}
	if (in->ir.pol == POL_YES || said_any(in->text, me)) {
		st->identity_confirmed = 1;
		st->misunderstandings = 0;
		log_info(st->call_id, "callee says they are the customer");
		purpose(c);
		return;
	}
	/* "Hello?", "Who's calling?": say who we are and ask again */
	if (++st->misunderstandings >= st->max_misunderstandings &&
	    st->max_misunderstandings > 0) {
		log_info(st->call_id,
		    "%s job %s: the callee never said who "
		    "they are",
		    st->job_kind, st->job_id);
		call_set_outcome(c, "abandoned",
		    "callee did not say who they "
		    "are");
		say_tpl(c, T_OB_WRONG_PERSON, NULL, 1);
		ask(c, ASK_DONE);
		return;
	}
	say_tpl(c, T_OB_ASK_FOR_AGAIN, v, 0);
	call_hint(c, "yesno", NULL, 0);
}

/* The reminder's appointment as the one appts.c and booking.c change. */
static void
take_appt(struct brain_call *c, int task, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	struct call_appt *a = &st->appts[0];

	booking_reset(st);
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%s", st->job_appt_id);
	snprintf(a->service, sizeof(a->service), "%s", st->job_service);
	snprintf(a->start, sizeof(a->start), "%s", st->job_start);
	snprintf(a->confirmation, sizeof(a->confirmation), "%s",
	    st->job_confirmation);
	st->nappts = 1;
	st->task = task;
	if (task == TASK_RESCHEDULE && in->ndt > 0)
		booking_apply(st, &in->dt);
	appts_choose(c, 0);
}

static int
wants_move(const struct turn_in *in)
{
	static const char *const move[] = {"move", "change", "another",
	    "different", "reschedule", "later", "earlier", NULL};

	return in->ir.best == INT_RESCHEDULE || in->ndt > 0 ||
	    said_any(in->text, move);
}

void
outbound_remind_reply(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	char when[96], buf[256], notes[128];
	struct tpl_var v[] = {{"when", when}, {NULL, NULL}};

	if (in->ir.best == INT_CANCEL) {
		take_appt(c, TASK_CANCEL, in);
		return;
	}
	if (wants_move(in)) {
		take_appt(c, TASK_RESCHEDULE, in);
		return;
	}
	if (in->ir.pol == POL_YES) {
		call_job_when(
		    st, c->core->now(c->core_arg), when, sizeof(when));
		snprintf(notes, sizeof(notes), "%s at %s confirmed (%s)",
		    st->job_service, st->job_start, st->job_confirmation);
		call_job_outcome(c, "confirmed", notes);
		call_set_outcome(c, "confirmed", notes);
		tpl_render(T_OB_CONFIRMED, v, buf, sizeof(buf));
		anything_else(c, buf);
		return;
	}
	if (in->ir.pol == POL_NO) {
		say_tpl(c, T_OB_CHANGE, NULL, 0);
		ask(c, ASK_OB_CHANGE);
		return;
	}
	if (in->ir.best != INT_NONE) {
		general(c, in);
		return;
	}
	not_understood(c, in);
}

void
outbound_change_reply(struct brain_call *c, const struct turn_in *in)
{
	static const char *const keep[] = {"keep", "leave", NULL};
	char buf[128];

	if (in->ir.best == INT_CANCEL) {
		take_appt(c, TASK_CANCEL, in);
		return;
	}
	if (wants_move(in)) {
		take_appt(c, TASK_RESCHEDULE, in);
		return;
	}
	if (said_any(in->text, keep) || in->ir.pol == POL_NO) {
		call_job_outcome(
		    c, "talked", "kept the appointment unconfirmed");
		tpl_render(T_KEEP_IT, NULL, buf, sizeof(buf));
		anything_else(c, buf);
		return;
	}
	if (in->ir.best != INT_NONE) {
		general(c, in);
		return;
	}
	not_understood(c, in);
}

int
outbound_local_turn(struct brain_call *c, const char *text)
{
	struct call_state *st = &c->st;
	struct intent_result ir;
	struct dt_result dt;

	if (!call_outbound(st))
		return 0;
	if (st->asked == ASK_OB_WHO || st->asked == ASK_OB_VM_WAIT ||
	    st->asked == ASK_DONE)
		return 1;
	if (st->asked != ASK_OB_REMIND && st->asked != ASK_OB_CHANGE)
		return 0;
	intent_read(text, c->biz, &ir);
	if (st->asked == ASK_OB_REMIND && ir.pol == POL_YES &&
	    ir.best == INT_NONE &&
	    dt_parse(text, c->core->now(c->core_arg), DT_EXPECT_ANY, &dt) == 0)
		return 1;
	/* a move, a cancel or anything else: the model's, with the job in
	 * its call state */
	ask(c, ASK_OPEN);
	return 0;
}
