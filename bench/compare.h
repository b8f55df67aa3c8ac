/* xenplace — the regression gate: a current summary against a baseline.
 *
 * Placement-quality metrics are deterministic, so their means are compared
 * exactly unless a tolerance is given (absolute, or relative to the
 * baseline: "5%"); tolerances come from the baseline's [gate] and are
 * overridden by the caller's. Direction matters: more spread, failures,
 * latency or makespan is worse; more locality, superpage share or started
 * VMs is better; other metrics that move are reported as changed and do not
 * fail the gate. A configuration or metric of the baseline missing from the
 * current summary is a regression; a new one is reported. A configuration
 * that ran other seeds on the two sides is bad input (its means are over
 * other runs).
 *
 * Speed comes from timing.tsv next to each summary.json (optional): the
 * per-configuration sum of the fastest wall time of each run, compared by
 * ratio; slower than baseline × (1 + margin) is a regression.
 */
#ifndef XP_BENCH_COMPARE_H
#define XP_BENCH_COMPARE_H

#include "bench/aggregate.h"

G_BEGIN_DECLS

typedef enum {
  XP_VERDICT_SAME,
  XP_VERDICT_WITHIN,     /* moved, inside the tolerance */
  XP_VERDICT_BETTER,
  XP_VERDICT_WORSE,      /* regression */
  XP_VERDICT_CHANGED,    /* moved, metric without a direction */
  XP_VERDICT_MISSING,    /* in the baseline, not in current: regression */
  XP_VERDICT_NEW,        /* in current only */
  XP_VERDICT_SLOWER,     /* regression */
  XP_VERDICT_FASTER,
} XpVerdict;

const char *xp_verdict_name (XpVerdict v);
gboolean xp_verdict_is_regression (XpVerdict v);

/* +1: higher is better, -1: lower is better, 0: no direction. */
int xp_metric_direction (const char *metric);

typedef struct {
  char *metric;
  char *config;          /* configuration label */
  double baseline, current;   /* NAN when absent */
  XpVerdict verdict;
} XpCompareRow;

typedef struct {
  GPtrArray *rows;       /* XpCompareRow *, every comparison made */
  guint compared, regressions, improvements, within, changed;
  gboolean speed_compared;
  /* configurations whose wall times were not compared: timed on one side
   * only, or no run of them timed on both (a resumed bench keeps no
   * timing of the runs an interrupted invocation finished). Those timed
   * on both sides are compared over the runs timed on both. */
  guint speed_incomparable;
} XpCompareResult;

void xp_compare_result_free (XpCompareResult *r);

/* One configuration's rows of a timing.tsv. */
typedef struct {
  double wall;                  /* sum of wall_s_min (first: a double * reads it) */
  guint n;                      /* rows */
  GHashTable *runs;             /* run name → double * wall_s_min, NULL without a 'run' column */
} XpTimingConfig;

/* Speed: per-configuration wall seconds from timing.tsv (id →
 * XpTimingConfig *); NULL without error if the file does not exist. */
GHashTable *xp_bench_timing_load (const char *path, GError **error);

/* @extra_tolerances: XpTolerance *, override the baseline's [gate];
 * @speed_margin < 0: the baseline's, else 0.25. @baseline_timing and
 * @current_timing may be NULL (no speed comparison). Fails (bad input)
 * when a tolerance names a metric neither summary has. */
XpCompareResult *xp_bench_compare (const XpSummary *baseline, const XpSummary *current, GPtrArray *extra_tolerances,
                                   double speed_margin, GHashTable *baseline_timing, GHashTable *current_timing,
                                   GError **error);
/* The table of what moved, then a one-line verdict. */
char *xp_compare_format (const XpCompareResult *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XpCompareResult, xp_compare_result_free)

G_END_DECLS

#endif
