/*
 * booking.c - the local brain's booking planner.  It keeps the plan in the
 * call state (service, day, time wish, offered slots, chosen slot), asks
 * for what is missing, asks crm-tools for real free slots
 * (get_available_slots), offers the nearest ones when the wish cannot be
 * met, reads the booking back and books it (book_appointment).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brain_local.h"
#include "intent.h"
#include "templates.h"
#include "text.h"

#define MAX_SLOTS 64
#define SEARCH_DAYS 14

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
	static const char *const first[] = { "first", "earliest", "earlier",
		"1st", NULL };
	static const char *const second[] = { "second", "middle", "2nd", NULL };
	static const char *const last[] = { "last", "latest", "later", "third",
		"3rd", NULL };
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

/* get_available_slots for one day; -1 if crm-tools failed. */
static int
fetch_slots(struct brain_call *c, time_t day, struct slots *s)
{
	json_t *rep, *res, *arr, *v;
	char date[16];
	size_t i;
	time_t d;
	int m;

	s->day = day;
	s->n = 0;
	dt_fmt_date(day, date, sizeof(date));
	rep = call_tool(c, "get_available_slots", json_pack("{s:s, s:s, s:i}",
	    "date", date, "service", c->st.service->name, "limit", MAX_SLOTS));
	if (rep == NULL)
		return -1;
	if (!json_is_true(json_object_get(rep, "ok"))) {
		json_decref(rep);
		return -1;
	}
	res = json_object_get(rep, "result");
	arr = json_is_array(res) ? res : json_object_get(res, "slots");
	json_array_foreach(arr, i, v) {
		const char *str = json_is_string(v) ? json_string_value(v) :
		    json_string_value(json_object_get(v, "start"));

		if (s->n < MAX_SLOTS && dt_parse_slot(str, &d, &m) == 0 &&
		    d == day)
			s->min[s->n++] = m;
	}
	json_decref(rep);
	return 0;
}

static int
in_part(int part, int m)
{
	switch (part) {
	case DT_PART_MORNING:
		return m < 720;
	case DT_PART_AFTERNOON:
		return m >= 720 && m < 1020;
	case DT_PART_EVENING:
		return m >= 1020;
	default:
		return 1;
	}
}

/* Keep the slots that fit the wish (part of day, after/before). */
static void
filter(const struct call_state *st, const struct slots *in, struct slots *out)
{
	int i, m;

	*out = *in;
	out->n = 0;
	for (i = 0; i < in->n; i++) {
		m = in->min[i];
		if (!in_part(st->part, m))
			continue;
		if (st->have_time && st->time_rel == DT_AFTER && m < st->minute)
			continue;
		if (st->have_time && st->time_rel == DT_BEFORE &&
		    m >= st->minute)
			continue;
		out->min[out->n++] = m;
	}
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
		int used[MAX_SLOTS] = { 0 };

		for (k = 0; k < 3 && k < s->n; k++) {
			int best = -1;

			for (i = 0; i < s->n; i++)
				if (!used[i] && (best < 0 || abs(s->min[i] -
				    near) <= abs(s->min[best] - near)))
					best = i;       /* ties: the later one */
			used[best] = 1;
			idx[n++] = best;
		}
		for (i = 0; i < n; i++)         /* in time order */
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
		    i == 0 ? "" : i == n - 1 ? " or " : ", ", tm);
	}
}

static void
say_tpl(struct brain_call *c, enum tpl_id id, const struct tpl_var *v)
{
	char buf[1024];

	tpl_render(id, v, buf, sizeof(buf));
	call_say(c, buf, 0);
}

static void
services_list(const struct fd_business *b, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < b->nservices; i++)
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s",
		    i == 0 ? "" : i == b->nservices - 1 ? " and " : ", ",
		    b->services[i].name);
}

static void
ask_service(struct brain_call *c)
{
	const char *words[FD_MAX_SERVICES];
	char list[512];
	struct tpl_var v[] = { { "services", list }, { NULL, NULL } };
	int i;

	services_list(c->biz, list, sizeof(list));
	say_tpl(c, T_ASK_SERVICE, v);
	for (i = 0; i < c->biz->nservices; i++)
		words[i] = c->biz->services[i].name;
	call_hint(c, "service", words, (size_t)c->biz->nservices);
	c->st.asked = ASK_SERVICE;
}

static void
tool_failed(struct brain_call *c)
{
	say_tpl(c, T_TOOL_ERROR, NULL);
	c->st.asked = ASK_MSG_OFFER;
}

static int
need_name(const struct call_state *st)
{
	if (st->customer_known && st->identity_confirmed)
		return 0;
	return st->first_name[0] == '\0';
}

static void
read_back(struct brain_call *c)
{
	struct call_state *st = &c->st;
	char day[48], tm[16];
	time_t d;
	int m;
	struct tpl_var v[] = { { "service", st->service->name }, { "day", day },
		{ "time", tm }, { "name", st->first_name }, { NULL, NULL } };

	if (dt_parse_slot(st->chosen, &d, &m) != 0)
		return;
	if (need_name(st)) {
		say_tpl(c, T_ASK_NAME, NULL);
		call_hint(c, "name", NULL, 0);
		st->asked = ASK_NAME;
		return;
	}
	dt_say_day(d, day, sizeof(day));
	dt_say_time(m, tm, sizeof(tm));
	say_tpl(c, T_READBACK, v);
	call_hint(c, "yesno", NULL, 0);
	st->asked = ASK_CONFIRM_BOOK;
}

/* The first day from `from` on with free slots that fit; -1 on error,
 * 0 if none within SEARCH_DAYS. */
static int
next_day_with_slots(struct brain_call *c, time_t from, struct slots *out)
{
	struct slots all;
	int i;

	for (i = 0; i < SEARCH_DAYS; i++) {
		time_t d = dt_add_days(from, i);

		if (!fd_business_open_day(c->biz, d))
			continue;
		if (fetch_slots(c, d, &all) != 0)
			return -1;
		filter(&c->st, &all, out);
		if (out->n == 0)
			*out = all;     /* the wish does not fit: any time */
		if (out->n > 0)
			return 1;
	}
	return 0;
}

static void
offer_other_day(struct brain_call *c, time_t asked_day)
{
	struct call_state *st = &c->st;
	struct slots s;
	char day[48], day2[48], words[128];
	struct tpl_var v[] = { { "day", day }, { "day2", day2 },
		{ "slots", words }, { "service", st->service->name },
		{ NULL, NULL } };
	int r;

	r = next_day_with_slots(c, dt_add_days(asked_day, 1), &s);
	if (r < 0) {
		tool_failed(c);
		return;
	}
	if (r == 0) {
		say_tpl(c, T_NO_SLOTS_SOON, v);
		st->asked = ASK_MSG_OFFER;
		return;
	}
	dt_say_day(asked_day, day, sizeof(day));
	dt_say_day(s.day, day2, sizeof(day2));
	offer(st, &s, st->have_time && st->time_rel == DT_AT ? st->minute : -1,
	    words, sizeof(words));
	say_tpl(c, fd_business_open_day(c->biz, asked_day) ? T_DAY_FULL :
	    T_DAY_CLOSED, v);
	/* "Monday" closed: the day part of the wish is spent */
	st->asked = ASK_PICK;
}

void
booking_plan(struct brain_call *c)
{
	struct call_state *st = &c->st;
	struct slots all, fit;
	char day[48], tm[16], words[128];
	struct tpl_var v[] = { { "day", day }, { "time", tm },
		{ "slots", words }, { "service", st->service ?
		    st->service->name : "" }, { NULL, NULL } };
	static const char *const days[] = { "monday", "tuesday", "wednesday",
		"thursday", "friday", "saturday", "tomorrow", "today", "next" };
	int i, r;

	if (st->service == NULL) {
		ask_service(c);
		return;
	}
	if (st->chosen[0]) {
		read_back(c);
		return;
	}
	if (!st->have_day) {
		if (!(st->earliest || st->have_time)) {
			say_tpl(c, T_ASK_DAY, v);
			call_hint(c, "date", days, sizeof(days) / sizeof(days[0]));
			st->asked = ASK_DAY;
			return;
		}
		r = next_day_with_slots(c, dt_day_start(c->core->now(
		    c->core_arg)), &fit);
		if (r <= 0) {
			if (r < 0)
				tool_failed(c);
			else
				say_tpl(c, T_NO_SLOTS_SOON, v);
			st->asked = ASK_MSG_OFFER;
			return;
		}
		st->have_day = 1;
		st->day = fit.day;
	}
	if (fetch_slots(c, st->day, &all) != 0) {
		tool_failed(c);
		return;
	}
	if (all.n == 0) {
		offer_other_day(c, st->day);
		return;
	}
	dt_say_day(st->day, day, sizeof(day));
	filter(st, &all, &fit);
	if (st->have_time && st->time_rel == DT_AT) {
		for (i = 0; i < all.n; i++)
			if (same_minute(st->minute, st->ampm_given, all.min[i])) {
				dt_fmt_slot(st->day, all.min[i], st->chosen,
				    sizeof(st->chosen));
				read_back(c);
				return;
			}
		dt_say_time(st->minute, tm, sizeof(tm));
		offer(st, &all, st->minute, words, sizeof(words));
		say_tpl(c, T_TIME_TAKEN, v);
		call_hint(c, "time", NULL, 0);
		st->asked = ASK_PICK;
		return;
	}
	if (fit.n == 0)
		fit = all;              /* nothing fits the wish: show the day */
	if (st->earliest) {
		dt_fmt_slot(st->day, fit.min[0], st->chosen, sizeof(st->chosen));
		read_back(c);
		return;
	}
	offer(st, &fit, -1, words, sizeof(words));
	say_tpl(c, T_OFFER_SLOTS, v);
	call_hint(c, "time", NULL, 0);
	st->asked = ASK_PICK;
}

/* "K7Q2" -> "K 7 Q 2" so the voice spells it. */
static void
spell(const char *code, char *out, size_t len)
{
	size_t o = 0;

	for (; *code && o + 3 < len; code++) {
		if (!isalnum((unsigned char)*code))
			continue;
		if (o)
			out[o++] = ' ';
		out[o++] = (char)toupper((unsigned char)*code);
	}
	out[o] = '\0';
}

static void
offer_alternatives(struct brain_call *c, json_t *alts)
{
	struct call_state *st = &c->st;
	struct slots s;
	char words[128];
	struct tpl_var v[] = { { "slots", words }, { NULL, NULL } };
	json_t *x;
	size_t i;
	time_t d;
	int m;

	s.n = 0;
	s.day = 0;
	json_array_foreach(alts, i, x) {
		const char *str = json_is_string(x) ? json_string_value(x) :
		    json_string_value(json_object_get(x, "start"));

		if (s.n < MAX_SLOTS && dt_parse_slot(str, &d, &m) == 0 &&
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
	say_tpl(c, T_SLOT_GONE, v);
	st->asked = ASK_PICK;
}

void
booking_book(struct brain_call *c)
{
	struct call_state *st = &c->st;
	json_t *args, *rep, *res, *alts;
	const char *code, *id;
	char key[96], spelled[64], notes[256];
	struct tpl_var v[] = { { "code", spelled }, { NULL, NULL } };

	snprintf(key, sizeof(key), "%s-book-%d", st->call_id, st->bookings + 1);
	args = json_pack("{s:s, s:s, s:s, s:s}", "service", st->service->name,
	    "start", st->chosen, "idempotency_key", key, "phone", st->from);
	if (args == NULL)
		return;
	if (st->first_name[0])
		json_object_set_new(args, "first_name",
		    json_string(st->first_name));
	if (st->last_name[0])
		json_object_set_new(args, "last_name",
		    json_string(st->last_name));
	/* crm-tools knows the customer from the caller id; the vehicle on
	 * file is theirs only if they said who they are */
	if (st->nvehicles > 0 && st->identity_confirmed)
		json_object_set_new(args, "vehicle_id",
		    json_integer(atoll(st->vehicles[0].id)));
	if ((rep = call_tool(c, "book_appointment", args)) == NULL) {
		tool_failed(c);
		return;
	}
	res = json_object_get(rep, "result");
	if (!json_is_true(json_object_get(rep, "ok"))) {
		const char *err = json_string_value(json_object_get(rep, "code"));

		alts = json_object_get(rep, "alternatives");
		if (alts == NULL)
			alts = json_object_get(res, "alternatives");
		/* slot_taken, closed, outside_hours, in_past: all come with
		 * the nearest free starts */
		if (err && json_array_size(alts) > 0)
			offer_alternatives(c, alts);
		else
			tool_failed(c);
		json_decref(rep);
		return;
	}
	st->bookings++;
	code = json_string_value(json_object_get(res, "confirmation"));
	id = json_string_value(json_object_get(res, "appointment_id"));
	if (id == NULL && json_is_integer(json_object_get(res,
	    "appointment_id"))) {
		snprintf(st->appointment_id, sizeof(st->appointment_id), "%lld",
		    (long long)json_integer_value(json_object_get(res,
		    "appointment_id")));
	} else {
		snprintf(st->appointment_id, sizeof(st->appointment_id), "%s",
		    id ? id : "");
	}
	snprintf(st->confirmation, sizeof(st->confirmation), "%s",
	    code ? code : st->appointment_id);
	spell(st->confirmation, spelled, sizeof(spelled));
	say_tpl(c, T_BOOKED, v);
	snprintf(notes, sizeof(notes), "%s at %s, confirmation %s",
	    st->service->name, st->chosen, st->confirmation);
	call_set_outcome(c, "booked", notes);
	json_decref(rep);
	/* the next booking on this call starts from scratch */
	st->service = NULL;
	st->have_day = st->have_time = st->earliest = 0;
	st->part = DT_PART_NONE;
	st->chosen[0] = '\0';
	st->noffered = 0;
	st->asked = ASK_ANYTHING_ELSE;
}

int
parse_name(const char *text, char *first, size_t flen, char *last,
    size_t llen)
{
	static const char *const lead[] = { "my name is", "my names",
		"my name", "name is", "this is", "it is", "its", "im", "i am",
		"yes", "yeah", "sure", "ok", "okay", "it", "is", "the", "name",
		"hi", "hello", "so", "well", "oh", NULL };
	static const char *const stop[] = { "and", "please", "thanks",
		"thank", "you", "here", "speaking", NULL };
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
			    strcmp(t.w[i + n], p.w[n]) == 0; n++)
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
