/* xenplace — running a bench plan: every run of the matrix on a thread
 * pool, one results file per run, then the merged summary.
 *
 * Inputs are loaded once (each distinct topology, trace and policy spec)
 * and shared read-only by the workers; every run has its own seed and its
 * own simulation state, so the results do not depend on the number of
 * threads. Results files are written atomically; a run whose file exists
 * and is a valid results file of the right seed, policy spec and, for a
 * plugin, plugin build (and of the same reduction, see
 * xp_bench_plan_reduce) is skipped (resume). A plugin's file is resolved
 * against the scenario's directory.
 * Wall time goes to DIR/timing.tsv only (rows of skipped runs are kept
 * from an earlier timing.tsv).
 */
#ifndef XP_BENCH_RUNNER_H
#define XP_BENCH_RUNNER_H

#include "bench/aggregate.h"

G_BEGIN_DECLS

typedef struct {
  guint jobs;                   /* threads; 0 = number of processors */
  gboolean progress;            /* a progress line on stderr */
} XpBenchRunOptions;

typedef struct {
  guint total, skipped, executed, failed;
} XpBenchRunStats;

/* Runs the plan (which must come from a scenario) into @dir, then merges.
 * On failure of some runs, the others are still written; the error names
 * the failed runs. */
gboolean xp_bench_run (const XpBenchPlan *plan, const char *dir, const XpBenchRunOptions *opts, XpBenchRunStats *stats,
                       GError **error);

G_END_DECLS

#endif
