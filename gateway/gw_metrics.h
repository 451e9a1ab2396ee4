/*
 * gw_metrics.h - GET /metrics (http.c): the gateway's own figures and
 * every daemon's metrics file (common/metrics.h), in the Prometheus text
 * format, behind the same credentials as /api/v1.
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

/* The whole exposition (malloc'd), NULL out of memory. */
char *metrics_render(void);

#endif
