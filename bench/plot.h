/* xenplace — plots of a bench directory with gnuplot (PNG via pngcairo and
 * SVG; no X needed).
 *
 *   bars-METRIC    per policy, mean with 95 % CI error bars, one bar per
 *                  combination of the other axes: VMs spread over nodes,
 *                  avoidable spread, mean memory locality, failed starts,
 *                  and execution locality metrics when the runs have them
 *   cdf-VARIANT    CDF of per-VM memory locality, one line per policy,
 *                  pooled over seeds
 *   free-CONFIG    free memory per node over time (first seed of each
 *                  configuration), with outstanding claims
 *
 * Every plot has its data (.dat) and script (.gp) next to it in DIR/plots,
 * so it can be restyled by hand. gnuplot is $GNUPLOT, else the one found at
 * configure time, else "gnuplot" on PATH.
 */
#ifndef XP_BENCH_PLOT_H
#define XP_BENCH_PLOT_H

#include "bench/aggregate.h"

G_BEGIN_DECLS

typedef struct {
  char *name;                   /* file name without extension, in plots/ */
  char *title;
  char *kind;                   /* "bars", "cdf", "timeseries" */
} XpPlot;

void xp_plot_free (XpPlot *p);

/* NULL if no gnuplot is found. */
char *xp_gnuplot_find (void);

/* Write data and scripts into DIR/plots and, if @gnuplot is not NULL, render
 * them. Returns the plots (XpPlot *) in report order. */
GPtrArray *xp_bench_plots (const char *dir, const XpBenchPlan *plan, const XpSummary *s, const char *gnuplot,
                           GError **error);

G_END_DECLS

#endif
