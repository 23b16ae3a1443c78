/*
 * /metrics: the Prometheus text exposition format (version 0.0.4) of one
 * snapshot: per target its state, latency, phase times, certificate days,
 * feed counts and other figures of the last result; the daemon's own health.
 * docs/web.md lists every metric.
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include "result/snapshot.h"
#include "util/strbuf.h"

/* Appends the exposition of `s` to `b`. */
void gw_metrics_render(struct gw_strbuf *b, const struct gw_snapshot *s);

#endif
