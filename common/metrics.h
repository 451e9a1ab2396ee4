/*
 * metrics.h - what a daemon counts for GET /metrics: errors by kind and
 * latency histograms, in the Prometheus text format.
 *
 * Every daemon writes its own to $rundir/metrics/<daemon>.prom every
 * FD_METRICS_PERIOD_MS (written to a temporary file and renamed, so a
 * reader sees a whole file), from the housekeeping thread
 * fd_daemon_start starts.  The gateway serves /metrics: its own figures
 * and every daemon's fresh file, merged so that each metric family
 * appears once (fd_metrics_merge).  A file older than
 * FD_METRICS_STALE_MS is a daemon that is gone: frontdesk_up says 0 and
 * its samples are left out.  Every sample has a daemon label.
 */
#ifndef FD_METRICS_H
#define FD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define FD_METRICS_PERIOD_MS 1000
#define FD_METRICS_STALE_MS 10000

enum fd_hist {
	FD_H_STT, /* speech end to the final transcript (stt-worker) */
	FD_H_TTS, /* SAY to its first audio (tts-worker) */
	FD_H_LLM, /* a model request to its whole reply (agent) */
	FD_H_TOOL, /* a tool request as crm-tools ran it */
	FD_H_MAX
};

/* Count n of kind for frontdesk_errors_total{kind} (kind: a short word,
 * e.g. "rpc_timeout"; at most FD_METRICS_MAX_KINDS kinds, then "other"). */
#define FD_METRICS_MAX_KINDS 32
void fd_metrics_error(const char *kind, uint64_t n);
/* One latency of h, in seconds. */
void fd_metrics_observe(enum fd_hist h, double seconds);
/* Buffers freed into a reuse pool (delta > 0) or taken back out of it
 * (delta < 0), in bytes: frontdesk_pooled_bytes.  A pool follows the
 * busiest moment so far, up to its bound; the soak tells that growth
 * from memory kept per call by it. */
void fd_metrics_pooled(long delta);

/* This process's metrics as text (malloc'd), every sample labelled
 * daemon="<daemon>"; NULL out of memory. */
char *fd_metrics_text(const char *daemon);
/* Write fd_metrics_text to dir/<daemon>.prom (made whole by rename).
 * 0 or -1 (errno). */
int fd_metrics_write(const char *dir, const char *daemon);
/* Merge n texts in this format into one where each family (its HELP,
 * TYPE and samples) appears once, in order of first appearance; NULL
 * out of memory. */
char *fd_metrics_merge(const char *const *texts, size_t n);

#endif
