/* xenplace — merging the runs of a bench directory into one table.
 *
 * summary.json (schema "xenplace-bench-summary") has one entry per
 * configuration (all axes but the seed) with, for every metric found in
 * the runs' "summary" objects (read generically by name, so a new metric
 * flows through without touching this code), the number of runs, the mean,
 * the half-width of its 95 % confidence interval (Student t with n − 1
 * degrees of freedom; null for a single run), the minimum and the maximum.
 * summary.tsv holds the same table for gnuplot and spreadsheets. Both are
 * deterministic: the same runs give byte-identical files, whatever the
 * order they were computed in. Wall-clock time is never part of them.
 */
#ifndef XP_BENCH_AGGREGATE_H
#define XP_BENCH_AGGREGATE_H

#include <json-glib/json-glib.h>
#include "bench/matrix.h"
#include "sim/xen/xen.h"

G_BEGIN_DECLS

#define XP_BENCH_SUMMARY_SCHEMA "xenplace-bench-summary"
#define XP_BENCH_SUMMARY_SCHEMA_VERSION 1

/* Two-sided 95 % quantile of Student's t with @df degrees of freedom. */
double xp_student_t975 (guint df);

typedef struct {
  guint n;
  double mean, ci95, min, max;    /* ci95 NAN when n < 2 */
} XpStat;

void xp_stat_compute (const double *values, guint n, XpStat *out);

/* Read a run's results file: its "summary" metrics (numbers only, in file
 * order) into @names/@values. FALSE with an error naming the file if it is
 * not a valid results file of schema version 1 (or, when @seed is not
 * NULL, not the run of that seed). */
gboolean xp_bench_read_run (const char *path, const guint64 *seed, GPtrArray *names, GArray *values, GError **error);
/* Same, for a run of a plan reduced to @max_vms VMs per trace (0: a full
 * run): a run file made with another limit is an error (it never counts as
 * done, and never enters a summary). xp_bench_read_run expects a full run. */
gboolean xp_bench_read_run_reduced (const char *path, const guint64 *seed, guint64 max_vms, GPtrArray *names,
                                    GArray *values, GError **error);
/* Same, and also not the run of another policy spec: @policy_spec (when
 * not NULL) must be the file's run.policy, the spec with every parameter
 * ([policy.NAME] included) that the run was made with. Parameters are no
 * part of a run's name, so a file made before the scenario's [policy.NAME]
 * group changed would otherwise count as done. */
/* With @xen_params (when not NULL), also not a run made with other Xen
 * parameters: the file's run.xen_params must be the same, or, in a file
 * written before they were recorded, @xen_params must be the defaults with
 * the file's run.scrub_bytes_per_sec. */
gboolean xp_bench_read_run_spec (const char *path, const guint64 *seed, guint64 max_vms, const char *policy_spec,
                                 const XpXenParams *xen_params, GPtrArray *names, GArray *values, GError **error);
/* Same, and for a plugin's run (@plugin_sha256 not NULL) also not the run
 * of another build of the plugin: the file's run.plugin.sha256 must be
 * @plugin_sha256 (the path is part of run.policy). */
gboolean xp_bench_read_run_plugin (const char *path, const guint64 *seed, guint64 max_vms, const char *policy_spec,
                                   const char *plugin_sha256, const XpXenParams *xen_params, GPtrArray *names,
                                   GArray *values, GError **error);
/* The Xen parameters of every run of @plan: the defaults and plan->xen_params. */
gboolean xp_bench_plan_xen_params (const XpBenchPlan *plan, XpXenParams *out, GError **error);

typedef struct {
  char *id;
  char *label;
  char *axis[XP_N_AXES];
  GArray *seeds;                /* guint64 */
  GHashTable *stats;            /* metric name → XpStat * */
} XpSummaryConfig;

typedef struct {
  char *scenario;
  GPtrArray *metrics;           /* char *, in order */
  GPtrArray *configs;           /* XpSummaryConfig * */
  GPtrArray *tolerances;        /* XpTolerance * from the scenario's [gate] */
  double speed_margin;          /* < 0: not given */
  guint64 max_vms;              /* a reduced plan's limits (0: not reduced) */
  guint max_seeds;
} XpSummary;

void xp_summary_free (XpSummary *s);
const XpSummaryConfig *xp_summary_find (const XpSummary *s, const char *id);

/* Aggregate the runs of @plan found in DIR/runs. Every run must exist;
 * the error lists how many are missing and the first few names. */
XpSummary *xp_bench_summarize (const XpBenchPlan *plan, const char *dir, GError **error);
JsonNode *xp_summary_to_json (const XpSummary *s);
char *xp_summary_to_tsv (const XpSummary *s);
/* Read summary.json (or DIR/summary.json when @path is a directory). */
XpSummary *xp_summary_load (const char *path, GError **error);

/* merge: DIR/matrix.json + DIR/runs/NAME.json → DIR/summary.json, DIR/summary.tsv */
gboolean xp_bench_merge (const char *dir, XpSummary **out, GError **error);
gboolean xp_bench_write_summary (const XpSummary *s, const char *dir, GError **error);

/* Format a double for a deterministic text file ("%.10g", C locale; "NA"
 * for NAN). */
char *xp_bench_format_double (double v);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XpSummary, xp_summary_free)

G_END_DECLS

#endif
