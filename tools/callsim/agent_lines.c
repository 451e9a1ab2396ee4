/*
 * agent_lines.c - the agent's replies from its own templates (see
 * agent_lines.h).  Values are shaped as the brain shapes them: days by
 * dt_say_day ("Wednesday, November 25"), times by dt_say_time ("3:30 PM"),
 * confirmation codes from crm-tools' alphabet in <spell>, phone numbers
 * as spoken_phone writes them, prices as "49 dollars 95".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "speech/datetime.h"
#include "speech/templates.h"
#include "agent_lines.h"
#include "speech/tts_normalize.h"
#include "speech/tts_split.h"

/* crm-tools/crm_util.c: the first character is one of the first 21 */
static const char conf_alphabet[] = "ACDEFGHJKMNPQRTUVWXYZ234679";
static const char *const first_names[] = {"John", "Mary", "Mike", "Jane",
    "Sarah", "David", "Maria", "James", "Linda", "Robert", "Karen", "Tom"};
static const char *const vehicles[] = {"Honda Civic", "Toyota Camry",
    "Ford F-150", "Chevy Malibu", "Subaru Outback", "Nissan Altima"};
static const char *const stages[] = {
    "in the shop", "ready for pickup", "waiting for parts", "being inspected"};
static const char *const whens[] = {
    "today", "tomorrow", "this afternoon", "tomorrow morning"};
static const char *const questions[] = {"Which service do you need?",
    "What day would you like?", "Which time works for you?",
    "Can I get your first and last name?", "Shall I go ahead?",
    "Is there anything else I can help you with?"};

/* the brain ends these with anything_else() */
static const int then_anything_else[] = {T_BOOKED, T_PRICE, T_PRICE_QUOTE,
    T_MSG_TAKEN, T_LEAD_TAKEN, T_CALLBACK_DONE, T_NO_APPTS, T_APPTS_LIST,
    T_KEEP_IT, T_NO_ORDER, T_ORDER_NOT_CANCELLABLE, T_HOURS, T_ADDRESS,
    T_HOURS_DAY, T_HOURS_CLOSED_DAY, T_SERVICES, T_CANCELLED, T_MOVED,
    T_ORDER_CANCELLED, T_STATUS, T_STATUS_READY_BY};

static struct tts_prons prons;

#define PICK(a, s) ((a)[rand_r(s) % (sizeof(a) / sizeof((a)[0]))])

struct vals {
	char name[32], comma_name[40], service[64], services[512], day[48],
	    day2[48], time[16], slots[96], code[32], number[48], vehicle[48],
	    vehicles_s[128], others[48], appt[200], list[400], verb[16],
	    stage[32], when[32], order[32], refund[32], next[96], open[16],
	    close[16], why[32], question[64], price[40];
};

int
agent_lines_init(
    const config_t *cfg, struct fd_business *b, char *err, size_t errlen)
{
	if (fd_business_load(cfg, b, err, errlen) != 0 ||
	    tts_prons_load(cfg, &prons, err, errlen) != 0)
		return -1;
	if (tpl_init(b, cfg, err, errlen) != 0) {
		tts_prons_free(&prons);
		return -1;
	}
	return 0;
}

void
agent_lines_fini(void)
{
	tpl_free();
	tts_prons_free(&prons);
}

static char *
normalise(const char *seg, int respelled)
{
	size_t cap = strlen(seg) * 8 + 64;
	char *speak = NULL, *ns;

	for (;; cap *= 4) {
		if ((ns = realloc(speak, cap)) == NULL) {
			free(speak);
			return NULL;
		}
		speak = ns;
		if (tts_normalize(respelled ? &prons : NULL, seg, speak, cap) >=
		    0)
			return speak;
	}
}

int
agent_lines_spoken(const char *text, int respelled, agent_seg_cb cb, void *arg)
{
	struct tts_splitter sp;
	char *seg, *speak;
	int r = 0;

	tts_split_init(&sp);
	if (tts_split_feed(&sp, text) != 0)
		r = -1;
	while ((seg = tts_split_next(&sp, 1)) != NULL) {
		if (r == 0 && (speak = normalise(seg, respelled)) != NULL) {
			cb(arg, speak);
			free(speak);
		} else
			r = -1;
		free(seg);
	}
	tts_split_free(&sp);
	return r;
}

static void
say_minute(int m, char *buf, size_t len)
{
	dt_say_time(m, buf, len);
	if (strcmp(buf, "noon") == 0)
		snprintf(buf, len, "12 PM");
}

static int
rand_minute(unsigned *s)
{
	return 8 * 60 + (int)(rand_r(s) % 20) * 30; /* 8 AM .. 5:30 PM */
}

static void
rand_day(unsigned *s, char *buf, size_t len, int short_form)
{
	time_t day = 1795000000 + (time_t)(rand_r(s) % 120) * 86400;
	char *comma;

	dt_say_day(day, buf, len);
	if (short_form && (comma = strchr(buf, ',')) != NULL)
		*comma = '\0';
}

static void
rand_slots(unsigned *s, char *buf, size_t len)
{
	int n = 1 + (int)(rand_r(s) % 3), m[3], i, j, t;
	char tm[16];
	size_t o = 0;

	for (i = 0; i < n; i++)
		m[i] = rand_minute(s);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (m[j] < m[i]) {
				t = m[i];
				m[i] = m[j];
				m[j] = t;
			}
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		say_minute(m[i], tm, sizeof(tm));
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s",
		    i == 0           ? ""
		        : i == n - 1 ? " and "
		                     : ", ",
		    tm);
	}
}

static void
rand_code(unsigned *s, char *buf, size_t len)
{
	char c[6];
	int i;

	c[0] = conf_alphabet[rand_r(s) % 21];
	for (i = 1; i < 5; i++)
		c[i] = conf_alphabet[rand_r(s) % (sizeof(conf_alphabet) - 1)];
	c[5] = '\0';
	snprintf(buf, len, "%s", c); /* the templates hold the <spell> */
}

static void
rand_number(unsigned *s, char *buf, size_t len)
{
	snprintf(buf, len, "<spell>555-%03u-%04u</spell>", rand_r(s) % 1000,
	    rand_r(s) % 10000);
}

static void
fill(const struct fd_business *b, unsigned *s, struct vals *v)
{
	const struct fd_service *sv = &b->services[rand_r(s) %
	    (unsigned)(b->nservices ? b->nservices : 1)];
	char tm[16], d[48];
	size_t o = 0;
	int i;

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", PICK(first_names, s));
	if (rand_r(s) % 2)
		snprintf(v->comma_name, sizeof(v->comma_name), ", %s", v->name);
	snprintf(v->service, sizeof(v->service), "%s",
	    b->nservices ? sv->name : "appointment");
	for (i = 0; i < b->nservices; i++)
		o += (size_t)snprintf(v->services + o,
		    o < sizeof(v->services) ? sizeof(v->services) - o : 0,
		    "%s%s",
		    i == 0                      ? ""
		        : i == b->nservices - 1 ? " and "
		                                : ", ",
		    b->services[i].name);
	rand_day(s, v->day, sizeof(v->day), rand_r(s) % 3 == 0);
	rand_day(s, v->day2, sizeof(v->day2), 0);
	say_minute(rand_minute(s), v->time, sizeof(v->time));
	rand_slots(s, v->slots, sizeof(v->slots));
	rand_code(s, v->code, sizeof(v->code));
	rand_number(s, v->number, sizeof(v->number));
	snprintf(v->vehicle, sizeof(v->vehicle), "%s", PICK(vehicles, s));
	snprintf(v->others, sizeof(v->others), "%s", PICK(vehicles, s));
	snprintf(v->vehicles_s, sizeof(v->vehicles_s), "the %s or the %s",
	    v->vehicle, v->others);
	say_minute(rand_minute(s), tm, sizeof(tm));
	rand_day(s, d, sizeof(d), 0);
	snprintf(
	    v->appt, sizeof(v->appt), "your %s on %s at %s", v->service, d, tm);
	snprintf(
	    v->list, sizeof(v->list), "a %s on %s at %s", v->service, d, tm);
	snprintf(
	    v->verb, sizeof(v->verb), "%s", rand_r(s) % 2 ? "move" : "cancel");
	snprintf(v->stage, sizeof(v->stage), "%s", PICK(stages, s));
	snprintf(v->when, sizeof(v->when), "%s", PICK(whens, s));
	snprintf(v->order, sizeof(v->order), "%u", 1000 + rand_r(s) % 9000);
	snprintf(v->refund, sizeof(v->refund), "$%u.00", 50 + rand_r(s) % 200);
	rand_day(s, d, sizeof(d), 1);
	say_minute(rand_minute(s), tm, sizeof(tm));
	snprintf(v->next, sizeof(v->next), "%s at %s", d, tm);
	say_minute(
	    8 * 60 + (int)(rand_r(s) % 2) * 60, v->open, sizeof(v->open));
	say_minute(
	    13 * 60 + (int)(rand_r(s) % 6) * 60, v->close, sizeof(v->close));
	snprintf(v->why, sizeof(v->why), "%s",
	    rand_r(s) % 2 ? " for the holiday" : "");
	snprintf(v->question, sizeof(v->question), "%s", PICK(questions, s));
	if (sv->price_cents % 100)
		snprintf(v->price, sizeof(v->price), "%d dollars %d",
		    sv->price_cents / 100, sv->price_cents % 100);
	else
		snprintf(v->price, sizeof(v->price), "%d dollars",
		    sv->price_cents / 100);
}

static void
render(int id, const struct vals *v, char *out, size_t len)
{
	const struct tpl_var vars[] = {{"name", v->name},
	    {"comma_name", v->comma_name}, {"service", v->service},
	    {"services", v->services}, {"day", v->day}, {"day2", v->day2},
	    {"time", v->time}, {"slots", v->slots}, {"code", v->code},
	    {"number", v->number}, {"vehicle", v->vehicle},
	    {"vehicles", v->vehicles_s}, {"others", v->others},
	    {"appt", v->appt}, {"list", v->list}, {"verb", v->verb},
	    {"stage", v->stage}, {"when", v->when}, {"order", v->order},
	    {"refund", v->refund}, {"next", v->next}, {"open", v->open},
	    {"close", v->close}, {"why", v->why}, {"question", v->question},
	    {"price", v->price}, {NULL, NULL}};
	char first[1024], tail[256];
	size_t i;

	tpl_render((enum tpl_id)id, vars, first, sizeof(first));
	for (i = 0;
	     i < sizeof(then_anything_else) / sizeof(then_anything_else[0]);
	     i++)
		if (then_anything_else[i] == id)
			break;
	if (i == sizeof(then_anything_else) / sizeof(then_anything_else[0])) {
		snprintf(out, len, "%s", first);
		return;
	}
	tpl_render(T_ANYTHING_ELSE, NULL, tail, sizeof(tail));
	snprintf(out, len, "%.700s %.300s", first, tail);
}

void
agent_lines_one(
    const struct fd_business *b, int id, unsigned *seed, char *out, size_t len)
{
	struct vals v;

	fill(b, seed, &v);
	render(id, &v, out, len);
}

void
agent_lines_round(
    const struct fd_business *b, unsigned *seed, agent_line_cb cb, void *arg)
{
	char out[1400];
	int id;

	for (id = 0; id < T_COUNT; id++) {
		agent_lines_one(b, id, seed, out, sizeof(out));
		cb(arg, id, out);
	}
}

void
agent_lines_corpus_line(const char *spoken, char *out, size_t len)
{
	const char *s;
	size_t o = 0;

	for (s = spoken; *s && o + 2 < len; s++) {
		if (isalnum((unsigned char)*s) ||
		    (*s == '\'' && o && isalpha((unsigned char)s[1])))
			out[o++] = (char)tolower((unsigned char)*s);
		else if (o && out[o - 1] != ' ')
			out[o++] = ' ';
	}
	while (o && out[o - 1] == ' ')
		o--;
	if (len)
		out[o < len ? o : len - 1] = '\0';
}

struct corpus_out {
	FILE *f;
	int failed;
};

static void
put_segment(void *arg, const char *spoken)
{
	struct corpus_out *c = arg;
	char line[2048];

	agent_lines_corpus_line(spoken, line, sizeof(line));
	if (line[0] && fprintf(c->f, "%s\n", line) < 0)
		c->failed = 1;
}

static void
put_line(void *arg, int id, const char *text)
{
	struct corpus_out *c = arg;

	(void)id;
	if (agent_lines_spoken(text, 0, put_segment, c) != 0)
		c->failed = 1;
}

int
agent_lines_corpus(
    const struct fd_business *b, unsigned seed, int rounds, FILE *out)
{
	struct corpus_out c = {out, 0};
	int k;

	for (k = 0; k < rounds; k++)
		agent_lines_round(b, &seed, put_line, &c);
	return c.failed ? -1 : 0;
}
