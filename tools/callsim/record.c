/*
 * record.c - saving a call's caller track and result (--record), turning
 * a recording back into a caller script (--replay) and comparing two runs
 * turn by turn (--compare).  Files only; no network.
 */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eval.h"
#include "expect.h"
#include "log.h"
#include "record.h"

#define FRAME 160

static int seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static json_t *calls_of(json_t *j);
static json_t *find_call(json_t *calls, const char *name, char *used);
static void print_call(FILE *f, json_t *ca, json_t *cb);
static void print_totals(FILE *f, const char *label, json_t *calls);
static const char *turn_outcome(json_t *t, char *buf, size_t len);

int
record_save(const char *dir, const char *name, json_t *script,
    const struct scenario *sc, const struct call_result *r, char *err,
    size_t errlen)
{
	char base[128], path[4096];
	json_t *j, *turns, *t;
	size_t i, k = 0;
	FILE *f;
	int rv = -1;

	for (i = 0; name[i] && k < sizeof(base) - 1; i++)
		base[k++] = (strchr("-_.", name[i]) ||
		                (name[i] >= '0' && name[i] <= '9') ||
		                (name[i] >= 'a' && name[i] <= 'z') ||
		                (name[i] >= 'A' && name[i] <= 'Z'))
		    ? name[i]
		    : '_';
	base[k] = '\0';
	if (k == 0)
		snprintf(base, sizeof(base), "%s", r->call_sid);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return seterr(err, errlen, "%s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s.ulaw", dir, base);
	if ((f = fopen(path, "wb")) == NULL ||
	    (r->track_n && fwrite(r->track, 1, r->track_n, f) != r->track_n)) {
		if (f)
			fclose(f);
		return seterr(err, errlen, "%s: cannot write", path);
	}
	fclose(f);
	if ((j = result_json(sc, r)) == NULL)
		return seterr(err, errlen, "out of memory");
	if (script)
		json_object_set(j, "scenario", script);
	snprintf(path, sizeof(path), "%s.ulaw", base);
	json_object_set_new(j, "caller_track", json_string(path));
	json_object_set_new(
	    j, "track_frames", json_integer((json_int_t)(r->track_n / FRAME)));
	turns = json_object_get(j, "turns");
	json_array_foreach(turns, i, t)
	{
		if (i >= r->nturns)
			break;
		json_object_set_new(
		    t, "frame0", json_integer((json_int_t)r->turns[i].frame0));
		json_object_set_new(
		    t, "frame1", json_integer((json_int_t)r->turns[i].frame1));
	}
	snprintf(path, sizeof(path), "%s/%s.json", dir, base);
	if (json_dump_file(j, path, JSON_INDENT(2)) != 0)
		seterr(err, errlen, "%s: cannot write", path);
	else
		rv = 0;
	json_decref(j);
	return rv;
}

json_t *
record_script(const char *path)
{
	json_t *j, *s;

	if ((j = json_load_file(path, 0, NULL)) == NULL)
		return NULL;
	if ((s = json_object_get(j, "scenario")) != NULL) {
		json_incref(s);
		json_decref(j);
		return s;
	}
	return j;
}

struct scenario *
replay_load(const char *path, char *err, size_t errlen)
{
	struct scenario *sc = NULL;
	json_error_t je;
	json_t *j, *turns, *t;
	const char *track;
	char *text = NULL, *pc = NULL, tpath[4096];
	uint8_t *audio = NULL;
	long size = 0;
	size_t i, f0, f1;
	FILE *f = NULL;

	if ((j = json_load_file(path, 0, &je)) == NULL) {
		seterr(err, errlen, "%s: %s", path, je.text);
		return NULL;
	}
	track = json_string_value(json_object_get(j, "caller_track"));
	if (!json_is_object(json_object_get(j, "scenario")) || track == NULL ||
	    strchr(track, '/')) {
		seterr(err, errlen,
		    "%s: not a callsim recording (no scenario "
		    "or caller_track)",
		    path);
		goto out;
	}
	if ((text = json_dumps(json_object_get(j, "scenario"), 0)) == NULL ||
	    (sc = scenario_parse(text, err, errlen)) == NULL)
		goto out;
	if ((pc = strdup(path)) == NULL)
		goto oom;
	snprintf(tpath, sizeof(tpath), "%s/%s", dirname(pc), track);
	if ((f = fopen(tpath, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		seterr(err, errlen, "%s: cannot read", tpath);
		goto fail;
	}
	if ((audio = malloc((size_t)size + 1)) == NULL)
		goto oom;
	if (fread(audio, 1, (size_t)size, f) != (size_t)size) {
		seterr(err, errlen, "%s: short read", tpath);
		goto fail;
	}
	turns = json_object_get(j, "turns");
	for (i = 0; i < sc->nturns; i++) {
		if (sc->turns[i].kind != TURN_SAY)
			continue;
		t = json_array_get(turns, i);
		f0 = (size_t)json_integer_value(json_object_get(t, "frame0"));
		f1 = (size_t)json_integer_value(json_object_get(t, "frame1"));
		if (f1 <= f0 || f1 * FRAME > (size_t)size) {
			/* the recorded call never got to say it */
			log_warnx(NULL,
			    "%s: turn %zu was not recorded, it will "
			    "be synthesised",
			    path, i);
			continue;
		}
		if ((sc->turns[i].audio = malloc((f1 - f0) * FRAME)) == NULL)
			goto oom;
		memcpy(
		    sc->turns[i].audio, audio + f0 * FRAME, (f1 - f0) * FRAME);
		sc->turns[i].audio_n = (f1 - f0) * FRAME;
	}
	goto out;
oom:
	seterr(err, errlen, "out of memory");
fail:
	scenario_free(sc);
	sc = NULL;
out:
	if (f)
		fclose(f);
	free(audio);
	free(pc);
	free(text);
	json_decref(j);
	return sc;
}

int
compare_print(FILE *f, const char *a, const char *b, char *err, size_t errlen)
{
	json_error_t je;
	json_t *ja, *jb, *ca, *cb, *x, *y;
	char *used;
	size_t i;
	int rv = -1;

	if ((ja = json_load_file(a, 0, &je)) == NULL) {
		seterr(err, errlen, "%s: %s", a, je.text);
		return -1;
	}
	if ((jb = json_load_file(b, 0, &je)) == NULL) {
		seterr(err, errlen, "%s: %s", b, je.text);
		json_decref(ja);
		return -1;
	}
	ca = calls_of(ja);
	cb = calls_of(jb);
	if (ca == NULL || cb == NULL) {
		seterr(err, errlen,
		    "%s is not a callsim result, recording or "
		    "report",
		    ca ? b : a);
		goto out;
	}
	if ((used = calloc(json_array_size(cb) + 1, 1)) == NULL)
		goto out;
	fprintf(f, "A = %s\nB = %s\n", a, b);
	json_array_foreach(ca, i, x)
	{
		y = find_call(
		    cb, json_string_value(json_object_get(x, "name")), used);
		print_call(f, x, y);
	}
	json_array_foreach(cb, i, y) if (!used[i]) print_call(f, NULL, y);
	free(used);
	fprintf(f, "\n");
	print_totals(f, "A", ca);
	print_totals(f, "B", cb);
	rv = 0;
out:
	json_decref(ca);
	json_decref(cb);
	json_decref(ja);
	json_decref(jb);
	return rv;
}

/* A new reference to the array of calls in a result / report. */
static json_t *
calls_of(json_t *j)
{
	json_t *a;

	if (json_is_array(a = json_object_get(j, "scenarios"))) {
		json_incref(a);
		return a;
	}
	if (json_is_array(json_object_get(j, "turns")) &&
	    (a = json_array()) != NULL) {
		json_array_append(a, j);
		return a;
	}
	return NULL;
}

static json_t *
find_call(json_t *calls, const char *name, char *used)
{
	json_t *c;
	size_t i;

	json_array_foreach(calls, i, c)
	{
		const char *n = json_string_value(json_object_get(c, "name"));
		if (!used[i] && name && n && strcmp(n, name) == 0) {
			used[i] = 1;
			return c;
		}
	}
	return NULL;
}

static const char *
turn_outcome(json_t *t, char *buf, size_t len)
{
	long lat = (long)json_integer_value(json_object_get(t, "latency_ms"));
	json_t *bi = json_object_get(t, "bargein_ms");

	if (t == NULL)
		return "-";
	if (!json_is_true(json_object_get(t, "done")))
		return "not reached";
	if (bi && json_integer_value(bi) >= 0) {
		snprintf(buf, len, "clear %lldms",
		    (long long)json_integer_value(bi));
		return buf;
	}
	if (json_is_true(json_object_get(t, "reprompt")))
		return "re-prompt";
	if (lat < 0) {
		const char *k = json_string_value(json_object_get(t, "kind"));
		return k && strcmp(k, "say") && strcmp(k, "dtmf") ? ""
		                                                  : "no reply";
	}
	return "reply";
}

static void
print_side(FILE *f, json_t *t)
{
	char ob[32], lat[16];
	long l = (long)json_integer_value(json_object_get(t, "latency_ms"));
	const char *heard = json_string_value(json_object_get(t, "heard"));

	snprintf(lat, sizeof(lat), "%ld", l);
	fprintf(f, " | %-30.30s %6s %-11s", heard ? heard : "",
	    t && l >= 0 ? lat : "-", turn_outcome(t, ob, sizeof(ob)));
}

static void
print_call(FILE *f, json_t *ca, json_t *cb)
{
	json_t *ta = json_object_get(ca, "turns"),
	       *tb = json_object_get(cb, "turns"), *x, *t;
	size_t i,
	    n = json_array_size(ta) > json_array_size(tb) ? json_array_size(ta)
	                                                  : json_array_size(tb);
	const char *said;
	int k;

	fprintf(f, "\n== %s\n",
	    json_string_value(json_object_get(ca ? ca : cb, "name")));
	for (k = 0; k < 2; k++) {
		x = k ? cb : ca;
		if (x == NULL) {
			fprintf(f, "   %c: (not in this run)\n", 'A' + k);
			continue;
		}
		fprintf(f, "   %c: %s  outcome %s  first word %lld ms  %s\n",
		    'A' + k,
		    json_is_true(json_object_get(x, "passed")) ? "pass"
		                                               : "FAIL",
		    json_string_value(json_object_get(
		        json_object_get(x, "record"), "outcome"))
		        ? json_string_value(json_object_get(
		              json_object_get(x, "record"), "outcome"))
		        : "-",
		    (long long)json_integer_value(
		        json_object_get(x, "answer_ms")),
		    json_string_value(json_object_get(x, "reason"))
		        ? json_string_value(json_object_get(x, "reason"))
		        : "");
	}
	fprintf(f, "   %2s %-26s | %-30s %6s %-11s | %-30s %6s %-11s\n", "#",
	    "caller said", "A heard", "ms", "outcome", "B heard", "ms",
	    "outcome");
	fprintf(f, "   %2s %-26s | %-30.30s %6s %-11s | %-30.30s %6s %-11s\n",
	    "g", "(greeting)",
	    json_string_value(json_object_get(ca, "greeting"))
	        ? json_string_value(json_object_get(ca, "greeting"))
	        : "",
	    "", "",
	    json_string_value(json_object_get(cb, "greeting"))
	        ? json_string_value(json_object_get(cb, "greeting"))
	        : "",
	    "", "");
	for (i = 0; i < n; i++) {
		t = json_array_get(ta, i) ? json_array_get(ta, i)
		                          : json_array_get(tb, i);
		said = json_string_value(json_object_get(t, "said"));
		fprintf(f, "   %2zu %-26.26s", i,
		    said ? said
		         : json_string_value(json_object_get(t, "kind")));
		print_side(f, json_array_get(ta, i));
		print_side(f, json_array_get(tb, i));
		fputc('\n', f);
	}
}

static void
print_totals(FILE *f, const char *label, json_t *calls)
{
	double v[4096];
	size_t i, k, n = 0, passed = 0;
	json_t *c, *x;

	json_array_foreach(calls, i, c)
	{
		passed += json_is_true(json_object_get(c, "passed"));
		json_array_foreach(
		    json_object_get(json_object_get(c, "metrics"), "v2v_ms"), k,
		    x) if (n < sizeof(v) / sizeof(v[0])) v[n++] =
		    json_number_value(x);
	}
	fprintf(f,
	    "%s: %zu/%zu passed, v2v p50 %.0f ms p95 %.0f ms "
	    "(%zu turns)\n",
	    label, passed, json_array_size(calls), eval_pct(v, n, 50),
	    eval_pct(v, n, 95), n);
}

static int
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}
