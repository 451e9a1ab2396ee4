/*
 * metrics.c - errors by kind and latency histograms of one daemon, its
 * text in the Prometheus exposition format, the file the gateway reads,
 * and the merge of several such texts into one (metrics.h).  Counters are
 * updated from any thread under one mutex: they move a few times a call,
 * never per audio frame.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"

/* seconds; the last bucket is +Inf */
static const double bounds[] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NB (sizeof(bounds) / sizeof(bounds[0]))

static const struct {
	const char *name;
	const char *help;
} hists[FD_H_MAX] = {
    [FD_H_STT] = {"frontdesk_stt_latency_seconds",
        "Speech end to the "
        "final transcript, per caller turn."},
    [FD_H_TTS] = {"frontdesk_tts_latency_seconds",
        "An utterance to "
        "request to its first synthesised audio."},
    [FD_H_LLM] = {"frontdesk_llm_latency_seconds",
        "A language model "
        "request to its whole reply."},
    [FD_H_TOOL] = {"frontdesk_tool_latency_seconds",
        "A tool request as "
        "crm-tools ran it."},
};

static struct {
	uint64_t counts[NB + 1];
	uint64_t n;
	double sum;
} hist[FD_H_MAX];

static struct {
	char kind[32];
	uint64_t n;
} errs[FD_METRICS_MAX_KINDS];
static int nerrs;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static time_t started;

void
fd_metrics_error(const char *kind, uint64_t n)
{
	int i;

	pthread_mutex_lock(&mu);
	for (i = 0; i < nerrs; i++)
		if (strcmp(errs[i].kind, kind) == 0)
			break;
	if (i == nerrs) {
		if (nerrs == FD_METRICS_MAX_KINDS)
			kind = "other";
		for (i = 0; i < nerrs; i++)
			if (strcmp(errs[i].kind, kind) == 0)
				break;
		if (i == nerrs && nerrs < FD_METRICS_MAX_KINDS)
			snprintf(errs[nerrs++].kind, sizeof(errs[0].kind), "%s",
			    kind);
	}
	if (i < nerrs)
		errs[i].n += n;
	pthread_mutex_unlock(&mu);
}

void
fd_metrics_observe(enum fd_hist h, double seconds)
{
	size_t b;

	if ((unsigned)h >= FD_H_MAX || seconds < 0)
		return;
	for (b = 0; b < NB && seconds > bounds[b]; b++)
		;
	pthread_mutex_lock(&mu);
	hist[h].counts[b]++;
	hist[h].n++;
	hist[h].sum += seconds;
	pthread_mutex_unlock(&mu);
}

static long pooled; /* atomic: bytes in reuse pools */

void
fd_metrics_pooled(long delta)
{
	__atomic_add_fetch(&pooled, delta, __ATOMIC_RELAXED);
}

/* The bytes the process's malloc hands out now (not what it holds from
 * the system): flat across calls unless something is kept per call; and
 * of them, those waiting in reuse pools. */
static void
heap_gauge(FILE *f, const char *daemon)
{
	struct mallinfo2 mi = mallinfo2();

	fprintf(f,
	    "# HELP frontdesk_heap_inuse_bytes Heap in use (malloc'd and "
	    "not freed).\n# TYPE frontdesk_heap_inuse_bytes gauge\n"
	    "frontdesk_heap_inuse_bytes{daemon=\"%s\"} %zu\n",
	    daemon, mi.uordblks + mi.hblkhd);
	fprintf(f,
	    "# HELP frontdesk_pooled_bytes Of the heap in use, buffers kept "
	    "for reuse.\n# TYPE frontdesk_pooled_bytes gauge\n"
	    "frontdesk_pooled_bytes{daemon=\"%s\"} %ld\n",
	    daemon, __atomic_load_n(&pooled, __ATOMIC_RELAXED));
}

char *
fd_metrics_text(const char *daemon)
{
	char *buf = NULL;
	size_t len = 0, b;
	uint64_t cum;
	FILE *f;
	int h, i;

	if (started == 0)
		started = time(NULL);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fprintf(f,
	    "# HELP frontdesk_up Whether the daemon wrote its figures "
	    "lately (1) or is gone (0).\n# TYPE frontdesk_up gauge\n"
	    "frontdesk_up{daemon=\"%s\"} 1\n",
	    daemon);
	fprintf(f,
	    "# HELP frontdesk_start_time_seconds When the daemon "
	    "started, seconds since the epoch.\n# TYPE "
	    "frontdesk_start_time_seconds gauge\n"
	    "frontdesk_start_time_seconds{daemon=\"%s\"} %lld\n",
	    daemon, (long long)started);
	heap_gauge(f, daemon);
	pthread_mutex_lock(&mu);
	fprintf(f,
	    "# HELP frontdesk_errors_total Errors by kind.\n"
	    "# TYPE frontdesk_errors_total counter\n");
	for (i = 0; i < nerrs; i++)
		fprintf(f,
		    "frontdesk_errors_total{daemon=\"%s\",kind=\"%s\"} "
		    "%llu\n",
		    daemon, errs[i].kind, (unsigned long long)errs[i].n);
	for (h = 0; h < FD_H_MAX; h++) {
		if (hist[h].n == 0)
			continue;
		fprintf(f, "# HELP %s %s\n# TYPE %s histogram\n", hists[h].name,
		    hists[h].help, hists[h].name);
		for (b = 0, cum = 0; b <= NB; b++) {
			cum += hist[h].counts[b];
			if (b < NB)
				fprintf(f,
				    "%s_bucket{daemon=\"%s\",le=\"%g\"} "
				    "%llu\n",
				    hists[h].name, daemon, bounds[b],
				    (unsigned long long)cum);
			else
				fprintf(f,
				    "%s_bucket{daemon=\"%s\",le=\"+Inf\"} "
				    "%llu\n",
				    hists[h].name, daemon,
				    (unsigned long long)cum);
		}
		fprintf(f,
		    "%s_sum{daemon=\"%s\"} %.6f\n%s_count{daemon=\"%s\"} "
		    "%llu\n",
		    hists[h].name, daemon, hist[h].sum, hists[h].name, daemon,
		    (unsigned long long)hist[h].n);
	}
	pthread_mutex_unlock(&mu);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int
fd_metrics_write(const char *dir, const char *daemon)
{
	char path[512], tmp[520];
	char *text;
	FILE *f;
	int rv = 0;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s.prom", dir, daemon);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((text = fd_metrics_text(daemon)) == NULL)
		return -1;
	if ((f = fopen(tmp, "w")) == NULL) {
		free(text);
		return -1;
	}
	if (fputs(text, f) < 0)
		rv = -1;
	if (fclose(f) != 0)
		rv = -1;
	free(text);
	if (rv == 0 && rename(tmp, path) != 0)
		rv = -1;
	if (rv != 0)
		unlink(tmp);
	return rv;
}

/* One metric family being merged (on the heap: its stream keeps
 * pointers to samples and slen). */
struct family {
	char name[128];
	char *head; /* its HELP and TYPE lines */
	char *samples;
	size_t slen;
	FILE *sf;
};

static struct family *
family_of(struct family ***fams, size_t *nf, const char *name, size_t len)
{
	struct family *f, **grown;
	size_t i;

	if (len >= sizeof(f->name))
		len = sizeof(f->name) - 1;
	for (i = 0; i < *nf; i++)
		if (strlen((*fams)[i]->name) == len &&
		    strncmp((*fams)[i]->name, name, len) == 0)
			return (*fams)[i];
	if ((grown = realloc(*fams, (*nf + 1) * sizeof(*grown))) == NULL)
		return NULL;
	*fams = grown;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	memcpy(f->name, name, len);
	if ((f->sf = open_memstream(&f->samples, &f->slen)) == NULL) {
		free(f);
		return NULL;
	}
	(*fams)[(*nf)++] = f;
	return f;
}

char *
fd_metrics_merge(const char *const *texts, size_t n)
{
	struct family **fams = NULL, *cur;
	const char *p, *eol, *nm, *t, *te;
	char *out = NULL;
	size_t nf = 0, i, olen = 0, l;
	FILE *o;
	int ok = 1;

	for (i = 0; i < n && ok; i++) {
		cur = NULL;
		for (p = texts[i]; p && *p; p = *eol ? eol + 1 : eol) {
			eol = strchr(p, '\n');
			if (eol == NULL)
				eol = p + strlen(p);
			l = (size_t)(eol - p);
			if (strncmp(p, "# HELP ", 7) != 0) {
				if (l > 0 && p[0] != '#' && cur != NULL)
					fprintf(cur->sf, "%.*s\n", (int)l, p);
				continue;
			}
			nm = p + 7;
			if ((cur = family_of(
			         &fams, &nf, nm, strcspn(nm, " \n"))) == NULL) {
				ok = 0;
				break;
			}
			/* the TYPE line right after it belongs to the head */
			t = strncmp(eol, "\n# TYPE ", 8) == 0 ? eol + 1 : NULL;
			te = t ? strchr(t, '\n') : NULL;
			if (t && te == NULL)
				te = t + strlen(t);
			if (cur->head == NULL)
				cur->head =
				    strndup(p, (size_t)((te ? te : eol) - p));
			if (te)
				eol = te;
		}
	}
	if (ok && (o = open_memstream(&out, &olen)) != NULL) {
		for (i = 0; i < nf; i++) {
			fclose(fams[i]->sf);
			fams[i]->sf = NULL;
			fprintf(o, "%s\n%s", fams[i]->head ? fams[i]->head : "",
			    fams[i]->samples ? fams[i]->samples : "");
		}
		if (fclose(o) != 0) {
			free(out);
			out = NULL;
		}
	}
	for (i = 0; i < nf; i++) {
		if (fams[i]->sf)
			fclose(fams[i]->sf);
		free(fams[i]->samples);
		free(fams[i]->head);
		free(fams[i]);
	}
	free(fams);
	return out;
}
