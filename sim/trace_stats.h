/* xenplace — summary statistics of a trace (`xenplace trace stats`). */
#ifndef XP_TRACE_STATS_H
#define XP_TRACE_STATS_H

#include "sim/trace.h"

G_BEGIN_DECLS

/* min / median / p95 / max by the nearest-rank rule (rank ceil(p * n)). */
typedef struct {
  guint64 min, median, p95, max;
} XpQuantiles;

typedef struct {
  guint n_events, n_starts, n_stops, n_restarts;
  guint n_lifetime_stops;          /* stops generated from lifetimes */
  XpTime first, last;              /* times of the first and last event */
  XpTime duration;                 /* last - first */
  double arrival_rate;             /* (starts - 1) / (last start - first start), per second; 0 if < 2 starts */
  XpQuantiles vcpus, memory_mib;   /* over starts */
  guint64 total_vcpus, total_memory_mib;   /* sums over starts */
  guint peak_vms;                  /* concurrent running VMs, events swept in order */
  guint64 peak_vcpus, peak_memory_mib;
  XpTime peak_vcpus_at, peak_memory_at;
  guint running_at_end;
} XpTraceStats;

void xp_trace_stats_compute (const XpTrace *trace, XpTraceStats *out);
/* A human-readable multi-line report; caller frees. */
char *xp_trace_stats_format (const XpTrace *trace, const XpTraceStats *stats);

G_END_DECLS

#endif
