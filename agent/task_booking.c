/*
 * task_booking.c - the local brain's booking planner.  It keeps the plan in the
 * call state (service, vehicle, day, time wish, offered slots, chosen
 * slot), asks for what is missing, asks crm-tools for real free slots
 * in one request (find_slots: the day wished for or the next one with
 * room, the part of the day, after/before, the nearest to a time), offers
 * them or the nearest ones when the wish cannot be met, reads the booking back and books it (book_appointment) or, when
 * an existing appointment is being moved, moves it
 * (reschedule_appointment).  A booking never lands on a record the caller
 * has not shown to be theirs: a caller who said they are not the
 * caller-id customer (deny_caller_id), or whose number is blocked, is
 * verified by phone and name first, and otherwise booked as a new
 * customer under their name and the number they give (book_appointment's
 * `phone`; crm-tools never gives a denied caller the line's owner).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "task_booking.h"
#include "log.h"
#include "speech/text.h"
#include "spoken.h"
#include "task_identity.h"

#define MAX_SLOTS 64
#define SEARCH_DAYS 14 /* from today when no day was said */
#define OFFER 3 /* starts offered at once */

struct slots {
	time_t day;
	int n;
	int min[MAX_SLOTS];
};

int
booking_apply(struct call_state *st, const struct dt_result *dt)
{
	int changed = 0;

	if (dt->has_date && (!st->have_day || st->day != dt->day)) {
		st->have_day = 1;
		st->day = dt->day;
		/* a new day keeps the time wish, but not a part of day said
		 * for the old one unless a new one is given */
		changed = 1;
	}
	if (dt->has_time) {
		st->have_time = 1;
		st->minute = dt->minute;
		st->time_rel = dt->rel;
		st->ampm_given = dt->ampm_given;
		changed = 1;
	}
	if (dt->part != DT_PART_NONE) {
		st->part = dt->part;
		if (!dt->has_time)
			st->have_time = 0;
		changed = 1;
	}
	if (dt->earliest) {
		st->earliest = 1;
		changed = 1;
	}
	if (changed)
		st->chosen[0] = '\0';
	return changed;
}

static int
same_minute(int want, int ampm_given, int have)
{
	if (want == have)
		return 1;
	/* "at 7" could be either half of the day */
	return !ampm_given && (want + 720 == have || want - 720 == have);
}

int
booking_pick(struct call_state *st, const char *text,
    const struct dt_result *dt, int yes)
{
	static const char *const first[] = {
	    "first", "earliest", "earlier", "1st", NULL};
	static const char *const second[] = {"second", "middle", "2nd", NULL};
	static const char *const last[] = {
	    "last", "latest", "later", "third", "3rd", NULL};
	struct tokens t;
	time_t day;
	int i, m, pick = -1;

	if (st->noffered == 0)
		return 0;
	txt_tokenize(text, &t);
	if (dt->has_time) {
		for (i = 0; i < st->noffered; i++) {
			if (dt_parse_slot(st->offered[i], &day, &m) != 0)
				continue;
			if (dt->has_date && dt->day != day)
				continue;
			if (same_minute(dt->minute, dt->ampm_given, m)) {
				pick = i;
				break;
			}
		}
	} else if (!dt->has_date) {
		if (txt_find(&t, 0, first) >= 0)
			pick = 0;
		else if (txt_find(&t, 0, second) >= 0 && st->noffered >= 2)
			pick = 1;
		else if (txt_find(&t, 0, last) >= 0)
			pick = st->noffered - 1;
		else if (yes && st->noffered == 1)
			pick = 0;
		else if (yes && st->have_time && st->time_rel == DT_AT)
			/* "yes" to "9:30, 10 or 10:30?" after asking for 10 */
			for (i = 0; i < st->noffered; i++)
				if (dt_parse_slot(st->offered[i], &day, &m) ==
				        0 &&
				    m == st->minute) {
					pick = i;
					break;
				}
	}
	if (pick < 0)
		return 0;
	snprintf(st->chosen, sizeof(st->chosen), "%s", st->offered[pick]);
	if (dt_parse_slot(st->chosen, &day, &m) == 0) {
		st->have_day = 1;
		st->day = day;
		st->have_time = 1;
		st->minute = m;
		st->time_rel = DT_AT;
	}
	return 1;
}

/* One find_slots search for the wish: from the day said (that day and
 * the SEARCH_DAYS after it) or from now, the starts of the first day that
 * has room: the OFFER nearest to an "at" time, else OFFER spread over the
 * day's starts that fit the part of the day and after/before (any of the
 * day's starts when none fit).  -1 if crm-tools failed; s->n 0: no room
 * in the window. */
static int
find_slots(struct brain_call *c, struct slots *s)
{
	const struct call_state *st = &c->st;
	static const char *const parts[] = {[DT_PART_NONE] = "any",
	    [DT_PART_MORNING] = "morning",
	    [DT_PART_AFTERNOON] = "afternoon",
	    [DT_PART_EVENING] = "evening"};
	json_t *args, *rep, *res, *v;
	char date[16], hm[8];
	const char *str;
	size_t i;
	time_t d, day = 0;
	int m;

	s->day = 0;
	s->n = 0;
	args = json_pack("{s:s, s:i, s:i, s:b}", "service", st->service->name,
	    "days", st->have_day ? SEARCH_DAYS + 1 : SEARCH_DAYS, "count",
	    OFFER, "relax", 1);
	if (args == NULL)
		return -1;
	if (st->have_day) {
		dt_fmt_date(st->day, date, sizeof(date));
		json_object_set_new(args, "day", json_string(date));
	}
	snprintf(
	    hm, sizeof(hm), "%02d:%02d", st->minute / 60 % 24, st->minute % 60);
	if (st->have_time && st->time_rel == DT_AT) {
		/* an exact time: the day's nearest, whatever the part */
		json_object_set_new(args, "pick", json_string("nearest"));
		json_object_set_new(args, "near", json_string(hm));
	} else {
		json_object_set_new(args, "pick", json_string("spread"));
		json_object_set_new(
		    args, "part_of_day", json_string(parts[st->part]));
		if (st->have_time)
			json_object_set_new(args,
			    st->time_rel == DT_AFTER ? "after" : "before",
			    json_string(hm));
	}
	rep = call_tool(c, "find_slots", args);
	if (rep == NULL)
		return -1;
	if (!json_is_true(json_object_get(rep, "ok"))) {
		json_decref(rep);
		return -1;
	}
	res = json_object_get(rep, "result");
	json_array_foreach(json_object_get(res, "slots"), i, v)
	{
		str = json_is_string(v)
		    ? json_string_value(v)
		    : json_string_value(json_object_get(v, "start"));
		if (s->n < MAX_SLOTS && dt_parse_slot(str, &d, &m) == 0 &&
		    (s->n == 0 || d == day)) {
			day = d;
			s->min[s->n++] = m;
		}
	}
	s->day = day;
	json_decref(rep);
	return 0;
}

static void
offer_add(struct call_state *st, time_t day, int m)
{
	if (st->noffered < CALL_MAX_OFFER)
		dt_fmt_slot(day, m, st->offered[st->noffered++],
		    sizeof(st->offered[0]));
}

/* Offer up to three: spread over the day, or the nearest to a time. */
static void
offer(struct call_state *st, const struct slots *s, int near, char *words,
    size_t len)
{
	int idx[3], n = 0, i, j, k;
	char tm[16];
	size_t o = 0;

	st->noffered = 0;
	if (near >= 0) {
		int used[MAX_SLOTS] = {0};

		for (k = 0; k < 3 && k < s->n; k++) {
			int best = -1;

			for (i = 0; i < s->n; i++)
				if (!used[i] &&
				    (best < 0 ||
				        abs(s->min[i] - near) <=
				            abs(s->min[best] - near)))
					best = i; /* ties: the later one */
			used[best] = 1;
			idx[n++] = best;
		}
		for (i = 0; i < n; i++) /* in time order */
			for (j = i + 1; j < n; j++)
				if (idx[j] < idx[i]) {
					k = idx[i];
					idx[i] = idx[j];
					idx[j] = k;
				}
	} else if (s->n <= 3) {
		for (i = 0; i < s->n; i++)
			idx[n++] = i;
	} else {
		idx[n++] = 0;
		idx[n++] = s->n / 2;
		idx[n++] = s->n - 1;
	}
	for (i = 0; i < n; i++) {
		offer_add(st, s->day, s->min[idx[i]]);
		dt_say_time(s->min[idx[i]], tm, sizeof(tm));
		o += (size_t)snprintf(words + o, o < len ? len - o : 0, "%s%s",
		    i == 0           ? ""
		        : i == n - 1 ? " or "
		                     : ", ",
		    tm);
	}
}

static void
say(struct brain_call *c, enum tpl_id id, const struct tpl_var *v)
{
	say_tpl(c, id, v, 0);
}

static void
ask_service(struct brain_call *c)
{
	const char *words[FD_MAX_SERVICES];
	char list[512];
	struct tpl_var v[] = {{"services", list}, {NULL, NULL}};
	int i;

	services_list(c->biz, list, sizeof(list));
	say(c, T_ASK_SERVICE, v);
	for (i = 0; i < c->biz->nservices; i++)
		words[i] = c->biz->services[i].name;
	call_hint(c, "service", words, (size_t)c->biz->nservices);
	c->st.asked = ASK_SERVICE;
}

/* A new customer needs a first and a last name (crm-tools stores both). */
static int
need_name(const struct call_state *st)
{
	if (identity_owner(st) || (st->customer_known && !st->caller_denied))
		return 0;
	return st->first_name[0] == '\0' || st->last_name[0] == '\0';
}

/* A new customer needs a number: the caller id, unless it is blocked or
 * belongs to the customer the caller said they are not. */
static int
need_phone(const struct call_state *st)
{
	return !identity_owner(st) &&
	    (st->caller_blocked || st->caller_denied) &&
	    st->verify_phone[0] == '\0';
}

void
booking_reset(struct call_state *st)
{
	st->service = NULL;
	st->have_day = st->have_time = st->earliest = 0;
	st->ampm_given = 0;
	st->part = DT_PART_NONE;
	st->chosen[0] = '\0';
	st->noffered = 0;
	st->appt = 0;
	st->vehicle = 0;
	st->move_checked = 0;
	st->same_appt = 0;
	st->task_words[0] = '\0';
}

void
booking_keep(struct call_state *st, const struct turn_in *in)
{
	booking_reset(st);
	st->task = TASK_BOOK;
	if (in->ir.service)
		st->service = in->ir.service;
	booking_apply(st, &in->dt);
	if (in->text) {
		booking_note_vehicle(st, in->text);
		snprintf(
		    st->task_words, sizeof(st->task_words), "%s", in->text);
	}
}

void
booking_ask_vehicle(struct brain_call *c)
{
	struct call_state *st = &c->st;
	char list[300];
	struct tpl_var v[] = {{"vehicles", list}, {NULL, NULL}};
	size_t o = 0;
	int i;

	list[0] = '\0';
	for (i = 0; i < st->nvehicles; i++) {
		o += (size_t)snprintf(list + o,
		    o < sizeof(list) ? sizeof(list) - o : 0, "%s%s",
		    i == 0                       ? "the "
		        : i == st->nvehicles - 1 ? " or the "
		                                 : ", the ",
		    st->vehicles[i].desc);
	}
	say(c, T_ASK_VEHICLE, v);
	call_hint(c, "any", NULL, 0);
	ask(c, ASK_VEHICLE);
}

static int
vehicle_match(const struct call_state *st, const char *text)
{
	static const char *const first[] = {"first", "1st", NULL};
	static const char *const second[] = {"second", "2nd", "other", NULL};
	struct tokens t, d;
	int i, j, k, score, best = -1, best_score = 0;

	txt_tokenize(text, &t);
	for (i = 0; i < st->nvehicles; i++) {
		txt_tokenize(st->vehicles[i].desc, &d);
		score = 0;
		for (j = 0; j < d.n; j++)
			for (k = 0; k < t.n; k++)
				if (txt_fuzzy_eq(t.w[k], d.w[j]))
					score +=
					    isdigit((unsigned char)d.w[j][0])
					    ? 1
					    : 2;
		/* the make alone is shared by two Hondas: model wins */
		if (score > best_score) {
			best = i;
			best_score = score;
		} else if (score == best_score && score > 0) {
			best = -2;
		}
	}
	if (best >= 0)
		return best;
	if (txt_find(&t, 0, first) >= 0)
		return 0;
	if (txt_find(&t, 0, second) >= 0 && st->nvehicles >= 2)
		return 1;
	return -1;
}

int
booking_note_vehicle(struct call_state *st, const char *text)
{
	int i;

	if (st->nvehicles > 1 && text && (i = vehicle_match(st, text)) >= 0 &&
	    st->vehicle != i + 1) {
		st->vehicle = i + 1;
		return 1;
	}
	return 0;
}

void
booking_vehicle_reply(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	int i = vehicle_match(st, in->text);

	if (i < 0) {
		if (in->ir.best != INT_NONE && in->ir.best != INT_BOOK &&
		    in->ir.score >= 4)
			general(c, in);
		else
			not_understood(c, in);
		return;
	}
	st->vehicle = i + 1;
	booking_apply(st, &in->dt);
	booking_plan(c);
}

void
booking_phone_reply(struct brain_call *c, const struct turn_in *in)
{
	struct call_state *st = &c->st;
	char digits[24];

	if (spoken_digits(in->text, digits, sizeof(digits)) == 0 ||
	    spoken_e164(digits, st->verify_phone, sizeof(st->verify_phone)) !=
	        0) {
		st->verify_phone[0] = '\0';
		if (in->ir.best != INT_NONE && in->ir.score >= 4) {
			general(c, in);
			return;
		}
		identity_phone_again(c, in);
		return;
	}
	booking_plan(c);
}

void
booking_dtmf(struct brain_call *c, const char *digit)
{
	char digits[24];
	struct turn_in in;

	if (keyed_turn(c, digit, digits, sizeof(digits), &in))
		booking_phone_reply(c, &in);
}

/* A booking's read-back, with what the customer has booked already of
 * the same service. */
static void
say_also(struct brain_call *c, enum tpl_id id, const struct tpl_var *v)
{
	struct call_state *st = &c->st;
	char buf[1024], appt[200];
	size_t n;

	tpl_render(id, v, buf, sizeof(buf));
	if (st->task == TASK_BOOK && st->same_appt > 0 &&
	    st->same_appt <= st->nappts) {
		appts_describe(
		    &st->appts[st->same_appt - 1], appt, sizeof(appt));
		n = strlen(buf);
		snprintf(buf + n, sizeof(buf) - n,
		    " You already have %s; if "
		    "you'd rather move that one, just say move.",
		    appt);
	}
	call_say(c, buf, 0);
}

static void
read_back(struct brain_call *c)
{
	struct call_state *st = &c->st;
	char day[48], tm[16], spelled[256];
	time_t d;
	int m;
	struct tpl_var v[] = {{"service", st->service->name}, {"day", day},
	    {"time", tm}, {"name", st->first_name}, {NULL, NULL}};

	if (dt_parse_slot(st->chosen, &d, &m) != 0)
		return;
	if (need_name(st)) {
		struct tpl_var nv[] = {{"name", st->first_name}, {NULL, NULL}};

		say(c, st->first_name[0] ? T_ASK_LAST_NAME : T_ASK_NAME, nv);
		call_hint(c, "name", NULL, 0);
		ask(c, ASK_NAME);
		return;
	}
	if (need_phone(st) && st->task == TASK_BOOK) {
		st->keyed[0] = '\0';
		say(c, T_BOOK_PHONE, NULL);
		call_hint(c, "digits", NULL, 0);
		ask(c, ASK_BOOK_PHONE);
		return;
	}
	dt_say_day(d, day, sizeof(day));
	dt_say_time(m, tm, sizeof(tm));
	/* a new customer's name heard weakly is spelled back, so a wrong
	 * one is heard before it is booked */
	if (!identity_owner(st) && st->name_weak && st->last_name[0]) {
		snprintf(spelled, sizeof(spelled),
		    "%.60s %.60s, spelled <spell>"
		    "%.60s</spell>",
		    st->first_name, st->last_name, st->last_name);
		v[3].val = spelled;
	} else if (!identity_owner(st) && st->name_spelled) {
		snprintf(spelled, sizeof(spelled), "%.60s %.60s",
		    st->first_name, st->last_name);
		v[3].val = spelled;
	}
	if (st->task == TASK_RESCHEDULE && st->appt > 0) {
		char appt[200];
		struct tpl_var mv[] = {
		    {"appt", appt}, {"day", day}, {"time", tm}, {NULL, NULL}};

		appts_describe(&st->appts[st->appt - 1], appt, sizeof(appt));
		say(c, T_READBACK_MOVE, mv);
	} else if (c->biz->has_vehicles && identity_owner(st) &&
	    st->nvehicles > 1) {
		/* several vehicles: the read-back names one and offers the
		 * others, so a plain "yes" books and "the Accord" switches */
		char others[300];
		size_t o = 0;
		int i;
		struct tpl_var vv[] = {{"service", st->service->name},
		    {"day", day}, {"time", tm}, {"vehicle", ""},
		    {"others", others}, {NULL, NULL}};

		if (st->vehicle == 0)
			st->vehicle = 1;
		vv[3].val = st->vehicles[st->vehicle - 1].desc;
		others[0] = '\0';
		for (i = 0; i < st->nvehicles; i++)
			if (i != st->vehicle - 1)
				o += (size_t)snprintf(others + o,
				    o < sizeof(others) ? sizeof(others) - o : 0,
				    "%s%s", o ? " or the " : "",
				    st->vehicles[i].desc);
		say_also(c, T_READBACK_VEHICLE, vv);
	} else {
		say_also(c, T_READBACK, v);
	}
	call_hint(c, "yesno", NULL, 0);
	ask(c, ASK_CONFIRM_BOOK);
}

int
booking_move_instead(struct brain_call *c, const struct turn_in *in)
{
	static const char *const movew[] = {
	    "move", "moving", "reschedule", "instead", NULL};
	struct call_state *st = &c->st;
	struct tokens t;

	if (st->task != TASK_BOOK || st->same_appt < 1 ||
	    st->same_appt > st->nappts)
		return 0;
	txt_tokenize(in->text, &t);
	if (txt_find(&t, 0, movew) < 0 && in->ir.best != INT_RESCHEDULE)
		return 0;
	/* "move it to Friday instead" */
	if (in->ndt > 0 && booking_apply(st, &in->dt))
		st->chosen[0] = '\0';
	log_info(st->call_id, "moves the %s booked already instead",
	    st->service ? st->service->name : "?");
	st->task = TASK_RESCHEDULE;
	st->appt = st->same_appt;
	st->same_appt = 0;
	booking_plan(c);
	return 1;
}

/* The asked day has no room (closed or full): the next day's starts. */
static void
offer_other_day(struct brain_call *c, time_t asked_day, const struct slots *s)
{
	struct call_state *st = &c->st;
	char day[48], day2[48], words[128];
	struct tpl_var v[] = {{"day", day}, {"day2", day2}, {"slots", words},
	    {"service", st->service->name}, {NULL, NULL}};

	dt_say_day(asked_day, day, sizeof(day));
	dt_say_day(s->day, day2, sizeof(day2));
	offer(st, s, -1, words, sizeof(words));
	say(c,
	    fd_business_open_day(c->biz, asked_day) ? T_DAY_FULL : T_DAY_CLOSED,
	    v);
	/* the offered day is the plan now: "at one, please" means on it */
	st->day = s->day;
	ask(c, ASK_PICK);
}

/* A customer who has this service booked already: the read-back says
 * so and offers to move that one instead, so a "move" the recogniser
 * lost does not end in two unnoticed (call_state.same_appt). */
static void
already_booked(struct brain_call *c)
{
	struct call_state *st = &c->st;
	int i;

	if (st->task != TASK_BOOK || st->move_checked || !identity_owner(st))
		return;
	st->move_checked = 1;
	if (appts_fetch(c) != 0)
		return;
	for (i = 0; i < st->nappts; i++)
		if (strcasecmp(st->appts[i].service, st->service->name) == 0) {
			st->same_appt = i + 1;
			log_info(st->call_id, "has a %s booked already",
			    st->service->name);
			return;
		}
}

int
booking_day_missing(struct brain_call *c)
{
	struct call_state *st = &c->st;
	static const char *const days[] = {"monday", "tuesday", "wednesday",
	    "thursday", "friday", "saturday", "tomorrow", "today", "next"};
	char tm[16], buf[160];

	if (st->have_day || !st->have_time || st->earliest ||
	    st->time_rel != DT_AT)
		return 0;
	dt_say_time(st->minute, tm, sizeof(tm));
	log_info(st->call_id, "a time (%s) for a day asked: the day again", tm);
	snprintf(buf, sizeof(buf),
	    "Sure, at %s. And what day would you like to come in?", tm);
	call_say(c, buf, 0);
	call_hint(c, "date", days, sizeof(days) / sizeof(days[0]));
	ask(c, ASK_DAY);
	return 1;
}

void
booking_plan(struct brain_call *c)
{
	struct call_state *st = &c->st;
	struct slots s;
	char day[48], tm[16], words[128];
	struct tpl_var v[] = {{"day", day}, {"time", tm}, {"slots", words},
	    {"service", st->service ? st->service->name : ""}, {NULL, NULL}};
	static const char *const days[] = {"monday", "tuesday", "wednesday",
	    "thursday", "friday", "saturday", "tomorrow", "today", "next"};
	int i, r, had_day = st->have_day;

	if (st->service == NULL) {
		ask_service(c);
		return;
	}
	already_booked(c);
	if (st->chosen[0]) {
		read_back(c);
		return;
	}
	if (!st->have_day && !(st->earliest || st->have_time)) {
		say(c, T_ASK_DAY, v);
		call_hint(c, "date", days, sizeof(days) / sizeof(days[0]));
		ask(c, ASK_DAY);
		return;
	}
	if ((r = find_slots(c, &s)) != 0 || s.n == 0) {
		if (r != 0)
			tool_failed(c);
		else
			say(c, T_NO_SLOTS_SOON, v);
		if (r == 0 || !had_day)
			ask(c, ASK_MSG_OFFER);
		return;
	}
	if (!had_day) {
		/* "the earliest" or a time alone: the first day with room */
		st->have_day = 1;
		st->day = s.day;
	}
	if (s.day != st->day) {
		offer_other_day(c, st->day, &s);
		return;
	}
	dt_say_day(st->day, day, sizeof(day));
	if (st->have_time && st->time_rel == DT_AT) {
		for (i = 0; i < s.n; i++)
			if (same_minute(st->minute, st->ampm_given, s.min[i])) {
				dt_fmt_slot(st->day, s.min[i], st->chosen,
				    sizeof(st->chosen));
				read_back(c);
				return;
			}
		dt_say_time(st->minute, tm, sizeof(tm));
		offer(st, &s, -1, words, sizeof(words));
		say(c, T_TIME_TAKEN, v);
		call_hint(c, "time", NULL, 0);
		ask(c, ASK_PICK);
		return;
	}
	if (st->earliest) {
		/* the spread starts with the day's first start that fits */
		dt_fmt_slot(st->day, s.min[0], st->chosen, sizeof(st->chosen));
		read_back(c);
		return;
	}
	offer(st, &s, -1, words, sizeof(words));
	say(c, T_OFFER_SLOTS, v);
	call_hint(c, "time", NULL, 0);
	ask(c, ASK_PICK);
}

static void
offer_alternatives(struct brain_call *c, json_t *alts)
{
	struct call_state *st = &c->st;
	struct slots s;
	char words[128];
	struct tpl_var v[] = {{"slots", words}, {NULL, NULL}};
	json_t *x;
	size_t i;
	time_t d;
	int m;

	s.n = 0;
	s.day = 0;
	json_array_foreach(alts, i, x)
	{
		const char *str = json_string_value(x);

		if (str && s.n < MAX_SLOTS && dt_parse_slot(str, &d, &m) == 0 &&
		    (s.n == 0 || d == s.day)) {
			s.day = d;
			s.min[s.n++] = m;
		}
	}
	st->chosen[0] = '\0';
	if (s.n == 0) {
		st->have_time = 0;
		booking_plan(c);
		return;
	}
	offer(st, &s, st->minute, words, sizeof(words));
	say(c, T_SLOT_GONE, v);
	ask(c, ASK_PICK);
}

/* Book or move failed with alternatives, or for good; 1 if answered.
 * crm-tools puts the alternatives, an array of start times, at the top
 * of a failed reply (crm-tools/TOOLS.md). */
static int
refused(struct brain_call *c, json_t *rep)
{
	json_t *alts = json_object_get(rep, "alternatives");

	/* slot_taken, closed, outside_hours, in_past: all come with the
	 * nearest free starts */
	if (json_array_size(alts) > 0) {
		offer_alternatives(c, alts);
		return 1;
	}
	return 0;
}

static void
moved(struct brain_call *c)
{
	struct call_state *st = &c->st;
	struct call_appt *a = &st->appts[st->appt - 1];
	json_t *rep, *args;
	const char *k;
	char day[48], tm[16], spelled[32], buf[512], notes[256];
	struct tpl_var v[] = {{"service", a->service}, {"day", day},
	    {"time", tm}, {"code", spelled}, {NULL, NULL}};
	time_t d;
	int m;

	args = json_pack("{s:s}", "new_start", st->chosen);
	if (a->id[0] && strspn(a->id, "0123456789") == strlen(a->id))
		json_object_set_new(
		    args, "appointment_id", json_integer(atoll(a->id)));
	else
		json_object_set_new(
		    args, "confirmation", json_string(a->confirmation));
	rep = call_tool(c, "reschedule_appointment", args);
	if (!tool_ok(rep, &k)) {
		if (rep == NULL || !refused(c, rep))
			tool_failed(c);
		json_decref(rep);
		return;
	}
	json_decref(rep);
	if (dt_parse_slot(st->chosen, &d, &m) != 0)
		return;
	dt_say_day(d, day, sizeof(day));
	dt_say_time(m, tm, sizeof(tm));
	snprintf(spelled, sizeof(spelled), "%s", a->confirmation);
	tpl_render(T_MOVED, v, buf, sizeof(buf));
	snprintf(notes, sizeof(notes), "%s from %s to %s", a->service, a->start,
	    st->chosen);
	call_set_outcome(c, "rescheduled", notes);
	snprintf(a->start, sizeof(a->start), "%s", st->chosen);
	booking_reset(st);
	anything_else(c, buf);
}

/* A caller who is not the caller-id customer (or has no caller id) books
 * under the number they gave: as themselves if verify_caller knows them,
 * else as a new customer (after deny_caller_id crm-tools never books on
 * the line's owner).  0 to go on and book, -1 answered. */
static int
book_identity(struct brain_call *c)
{
	struct call_state *st = &c->st;
	char name[136];
	int r;

	if (identity_owner(st) || !(st->caller_denied || st->caller_blocked))
		return 0;
	if (st->verify_phone[0] == '\0')
		return 0; /* no number to check: a new customer */
	snprintf(name, sizeof(name), "%s%s%s", st->first_name,
	    st->last_name[0] ? " " : "", st->last_name);
	if ((r = identity_verify(c, name, NULL)) < 0)
		return -1;
	if (r == 2) {
		/* their number and name: their record needs a second factor */
		st->pending_task = TASK_BOOK;
		identity_ask_factor(c, T_VERIFY_FACTOR);
		return -1;
	}
	if (!identity_owner(st))
		log_info(st->call_id, "booking as a new customer");
	return 0;
}

void
booking_book(struct brain_call *c)
{
	struct call_state *st = &c->st;
	json_t *args, *rep, *res;
	const char *code, *id, *k;
	char key[96], spelled[64], notes[256], buf[512];
	struct tpl_var v[] = {{"code", spelled}, {NULL, NULL}};

	if (st->task == TASK_RESCHEDULE && st->appt > 0) {
		moved(c);
		return;
	}
	if (book_identity(c) != 0)
		return;
	snprintf(key, sizeof(key), "%s-book-%d", st->call_id, st->bookings + 1);
	args = json_pack("{s:s, s:s, s:s}", "service", st->service->name,
	    "start", st->chosen, "idempotency_key", key);
	if (args == NULL)
		return;
	if (!identity_owner(st)) {
		/* a new customer: their name, and a number when the line
		 * cannot be used */
		if (st->first_name[0])
			json_object_set_new(
			    args, "first_name", json_string(st->first_name));
		if (st->last_name[0])
			json_object_set_new(
			    args, "last_name", json_string(st->last_name));
		if (st->verify_phone[0])
			json_object_set_new(
			    args, "phone", json_string(st->verify_phone));
	}
	if (identity_owner(st) && st->vehicle > 0 &&
	    st->vehicle <= st->nvehicles)
		json_object_set_new(args, "vehicle_id",
		    json_integer(atoll(st->vehicles[st->vehicle - 1].id)));
	else if (identity_owner(st) && st->nvehicles == 1)
		json_object_set_new(args, "vehicle_id",
		    json_integer(atoll(st->vehicles[0].id)));
	rep = call_tool(c, "book_appointment", args);
	if (!tool_ok(rep, &k)) {
		if (strcmp(k, "verification_required") == 0) {
			st->pending_task = TASK_BOOK;
			identity_ask_factor(c, T_VERIFY_FACTOR);
		} else if (strcmp(k, "forbidden") == 0) {
			say(c, T_BOOK_NUMBER_TAKEN, NULL);
			call_hint(c, "yesno", NULL, 0);
			ask(c, ASK_MSG_OFFER);
		} else if (strcmp(k, "need_name") == 0) {
			st->first_name[0] = '\0';
			read_back(c);
		} else if (rep == NULL || !refused(c, rep)) {
			tool_failed(c);
		}
		json_decref(rep);
		return;
	}
	res = json_object_get(rep, "result");
	st->bookings++;
	code = json_string_value(json_object_get(res, "confirmation"));
	id = json_string_value(json_object_get(res, "appointment_id"));
	if (id == NULL &&
	    json_is_integer(json_object_get(res, "appointment_id"))) {
		snprintf(st->appointment_id, sizeof(st->appointment_id), "%lld",
		    (long long)json_integer_value(
		        json_object_get(res, "appointment_id")));
	} else {
		snprintf(st->appointment_id, sizeof(st->appointment_id), "%s",
		    id ? id : "");
	}
	snprintf(st->confirmation, sizeof(st->confirmation), "%s",
	    code ? code : st->appointment_id);
	/* tts-worker reads <spell> character by character */
	snprintf(spelled, sizeof(spelled), "%.40s", st->confirmation);
	tpl_render(T_BOOKED, v, buf, sizeof(buf));
	snprintf(notes, sizeof(notes), "%s at %s, confirmation %s",
	    st->service->name, st->chosen, st->confirmation);
	call_set_outcome(c, "booked", notes);
	json_decref(rep);
	/* the next booking on this call starts from scratch */
	booking_reset(st);
	anything_else(c, buf);
}
