/* xenplace — the Markdown report of a bench directory: what was run, the
 * summary table (mean ± 95 % CI per configuration) and the plots, embedded
 * by relative path so the directory can be moved or published as is.
 */
#ifndef XP_BENCH_REPORT_H
#define XP_BENCH_REPORT_H

#include "bench/plot.h"

G_BEGIN_DECLS

/* The report text (also usable without plots: @plots may be empty). */
char *xp_bench_report_markdown (const XpBenchPlan *plan, const XpSummary *s, GPtrArray *plots, const char *note);

/* DIR/matrix.json + DIR/summary.json (merged first if absent) + runs →
 * DIR/plots/ + DIR/report.md. Without gnuplot the plot data and scripts
 * are still written and the report says so. */
gboolean xp_bench_report (const char *dir, const char *gnuplot, GError **error);

G_END_DECLS

#endif
