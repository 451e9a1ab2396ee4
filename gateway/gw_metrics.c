/*
 * gw_metrics.c - the text of GET /metrics.  The gateway's own figures
 * are read live (active calls, media frames, underruns, barge-ins, marks,
 * errors by kind); the other daemons' come from the files they write
 * every second under $rundir/metrics (common/metrics.c), a file older
 * than FD_METRICS_STALE_MS counting as a daemon that is down; restarts
 * are the supervisor's count ($FRONTDESK_VAR/sv/<daemon>.restarts, kept
 * by deploy/frontdeskctl).  Everything is merged so each metric family
 * appears once, with a daemon label on every sample.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "daemon.h"
#include "gateway.h"
#include "gw_metrics.h"
#include "metrics.h"
#include "sbuf.h"

/* One counter family with one sample. */
static void
counter(struct sbuf *b, const char *name, const char *help, uint64_t v)
{
	sbuf_printf(b,
	    "# HELP %s %s\n# TYPE %s counter\n%s{daemon=\"gateway\"} "
	    "%llu\n",
	    name, help, name, name, (unsigned long long)v);
}

static char *
gateway_text(void)
{
	static const struct {
		const char *kind;
		size_t off;
	} errs[] = {
	    {"malformed_media", offsetof(struct gw_stats, malformed)},
	    {"call_rejected", offsetof(struct gw_stats, calls_rejected)},
	    {"crm_unavailable", offsetof(struct gw_stats, rpc_timeouts)},
	    {"audio_dropped", offsetof(struct gw_stats, audio_dropped)},
	};
	char *own = fd_metrics_text("gateway"), *texts[2], *out;
	struct sbuf b;
	size_t i;

	sbuf_init(&b);
	sbuf_printf(&b,
	    "# HELP frontdesk_active_calls Calls with a media "
	    "stream open now.\n# TYPE frontdesk_active_calls gauge\n"
	    "frontdesk_active_calls{daemon=\"gateway\"} %d\n",
	    media_active_calls());
	counter(&b, "frontdesk_calls_total", "Media streams started.",
	    GW_STAT_GET(calls_total));
	counter(&b, "frontdesk_frames_in_total",
	    "20 ms media frames "
	    "received from callers.",
	    GW_STAT_GET(frames_in));
	counter(&b, "frontdesk_frames_out_total",
	    "20 ms media frames sent "
	    "to callers.",
	    GW_STAT_GET(frames_out));
	counter(&b, "frontdesk_underruns_total",
	    "Ticks in the middle of an "
	    "utterance with no audio to send.",
	    GW_STAT_GET(underruns));
	counter(&b, "frontdesk_barge_ins_total",
	    "Agent speech cut off "
	    "because the caller spoke (clears).",
	    GW_STAT_GET(clears));
	counter(&b, "frontdesk_pauses_total",
	    "Agent speech paused while "
	    "the caller might be barging in.",
	    GW_STAT_GET(pauses));
	counter(&b, "frontdesk_marks_echoed_total",
	    "Marks the carrier "
	    "echoed as played.",
	    GW_STAT_GET(marks_echoed));
	counter(&b, "frontdesk_http_requests_total",
	    "HTTP requests "
	    "served.",
	    GW_STAT_GET(http_requests));
	/* the gateway's own kinds join the family fd_metrics_text opened */
	sbuf_add(&b,
	    "# HELP frontdesk_errors_total Errors by kind.\n"
	    "# TYPE frontdesk_errors_total counter\n");
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		sbuf_printf(&b,
		    "frontdesk_errors_total{daemon=\"gateway\","
		    "kind=\"%s\"} %llu\n",
		    errs[i].kind,
		    (unsigned long long)__atomic_load_n(
		        (uint64_t *)((char *)&gw_stats + errs[i].off),
		        __ATOMIC_RELAXED));
	texts[0] = own;
	texts[1] = sbuf_done(&b);
	out = fd_metrics_merge((const char *const *)texts, 2);
	free(texts[0]);
	free(texts[1]);
	return out;
}

/* A small file's text (malloc'd), NULL if unreadable. */
static char *
slurp(const char *path, size_t max)
{
	char *buf;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if ((buf = malloc(max + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, max, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

char *
metrics_render(void)
{
	char *texts[FD_D_MAX + 2], path[600], *s;
	const char *var = getenv("FRONTDESK_VAR");
	struct sbuf up, rs;
	struct stat st;
	size_t n = 0, i;
	time_t now = time(NULL);
	int d, fresh;

	sbuf_init(&up);
	sbuf_init(&rs);
	sbuf_add(&up,
	    "# HELP frontdesk_up Whether the daemon wrote its "
	    "figures lately (1) or is gone (0).\n# TYPE frontdesk_up gauge\n");
	sbuf_add(&rs,
	    "# HELP frontdesk_restarts_total Restarts of the daemon "
	    "by its supervisor.\n# TYPE frontdesk_restarts_total counter\n");
	texts[n++] = gateway_text();
	for (d = 0; d < FD_D_MAX; d++) {
		if (d == FD_D_GATEWAY)
			continue;
		snprintf(path, sizeof(path), "%s/metrics/%s.prom",
		    fd_common.rundir, fd_daemons[d].name);
		fresh = stat(path, &st) == 0 &&
		    (now - st.st_mtime) * 1000 <= FD_METRICS_STALE_MS;
		if (fresh && (s = slurp(path, 256 * 1024)) != NULL)
			texts[n++] = s;
		else
			sbuf_printf(&up, "frontdesk_up{daemon=\"%s\"} 0\n",
			    fd_daemons[d].name);
	}
	for (d = 0; var && var[0] && d < FD_D_MAX; d++) {
		snprintf(path, sizeof(path), "%s/sv/%s.restarts", var,
		    fd_daemons[d].name);
		if ((s = slurp(path, 32)) != NULL) {
			sbuf_printf(&rs,
			    "frontdesk_restarts_total{daemon="
			    "\"%s\"} %lld\n",
			    fd_daemons[d].name, strtoll(s, NULL, 10));
			free(s);
		}
	}
	texts[n++] = sbuf_done(&up);
	texts[n++] = sbuf_done(&rs);
	s = fd_metrics_merge((const char *const *)texts, n);
	for (i = 0; i < n; i++)
		free(texts[i]);
	return s;
}
