/* xenplace — the Markdown report of a bench directory. */
#include "config.h"
#include <math.h>
#include <string.h>
#include "bench/report.h"
#include "sim/error.h"
#include "sim/util.h"

typedef struct {
  const char *metric;
  const char *header;
  double scale;                 /* value × scale is shown */
  const char *format;           /* printf format of one number */
} Column;

static const Column columns[] = {
  { "spread", "spread VMs", 1, "%.2f" },
  { "avoidable_spread", "avoidable spread", 1, "%.2f" },
  { "mean_locality", "mean locality", 1, "%.3f" },
  { "page_weighted_locality", "page-weighted locality", 1, "%.3f" },
  { "superpage_share", "superpage share", 1, "%.3f" },
  { "failed", "failed starts", 1, "%.2f" },
  { "latency_p50_ns", "latency p50 (ms)", 1e-6, "%.1f" },
  { "latency_p95_ns", "latency p95 (ms)", 1e-6, "%.1f" },
  { "makespan_ns", "makespan (s)", 1e-9, "%.2f" },
};

static char *
fmt1 (const char *format, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, format, v));
}

static char *
cell (const XpStat *st, double scale, const char *format)
{
  if (!st || isnan (st->mean))
    return g_strdup ("–");
  g_autofree char *m = fmt1 (format, st->mean * scale);
  if (isnan (st->ci95))
    return g_steal_pointer (&m);
  g_autofree char *c = fmt1 (format, st->ci95 * scale);
  return g_strdup_printf ("%s ± %s", m, c);
}

static gboolean
has_metric (const XpSummary *s, const char *m)
{
  for (guint i = 0; i < s->metrics->len; i++)
    if (strcmp (s->metrics->pdata[i], m) == 0)
      return TRUE;
  return FALSE;
}

char *
xp_bench_report_markdown (const XpBenchPlan *plan, const XpSummary *s, GPtrArray *plots, const char *note)
{
  GString *md = g_string_new (NULL);
  g_string_append_printf (md, "# Benchmark report: %s\n\n", s->scenario);
  if (s->max_vms || s->max_seeds)
    g_string_append_printf (md, "**Reduced run** (`--max-vms %" G_GUINT64_FORMAT " --max-seeds %u`; 0 = no limit): "
                                "a quick check of the matrix, not a benchmark result.\n\n", s->max_vms, s->max_seeds);
  if (plan->description && *plan->description)
    g_string_append_printf (md, "%s\n\n", plan->description);
  guint n_seeds = plan->configs->len ? plan->runs->len / plan->configs->len : 0;
  g_string_append_printf (md, "%u configurations × %u seed%s = %u runs. Axes:\n\n", plan->configs->len, n_seeds,
                          n_seeds == 1 ? "" : "s", plan->runs->len);
  for (guint a = 0; a < XP_N_AXES; a++)
    {
      g_string_append_printf (md, "- %s:", xp_axis_name (a));
      for (guint i = 0; i < plan->axis_values[a]->len; i++)
        g_string_append_printf (md, "%s `%s`", i ? "," : "", (char *) plan->axis_values[a]->pdata[i]);
      g_string_append_c (md, '\n');
    }
  if (plan->xen_params->len)
    {
      g_string_append (md, "- Xen parameters:");
      for (guint i = 0; i < plan->xen_params->len; i++)
        g_string_append_printf (md, " `%s`", (char *) plan->xen_params->pdata[i]);
      g_string_append_c (md, '\n');
    }
  g_string_append (md, "\nEvery cell is the mean over seeds ± the half-width of its 95 % confidence interval "
                       "(Student t); counts are per run. The full table, all metrics, is in "
                       "[summary.tsv](summary.tsv) and [summary.json](summary.json).\n\n");

  /* the table: the known columns present, then execution locality metrics */
  g_autoptr (GPtrArray) cols = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    if (has_metric (s, columns[i].metric))
      {
        Column *c = g_new (Column, 1);
        *c = columns[i];
        g_ptr_array_add (cols, c);
      }
  for (guint k = 0; k < s->metrics->len; k++)
    {
      const char *m = s->metrics->pdata[k];
      if (strstr (m, "exec") && strstr (m, "locality"))
        {
          Column *c = g_new (Column, 1);
          *c = (Column) { m, m, 1, "%.3f" };
          g_ptr_array_add (cols, c);
        }
    }
  g_string_append (md, "| configuration | runs |");
  for (guint i = 0; i < cols->len; i++)
    g_string_append_printf (md, " %s |", ((Column *) cols->pdata[i])->header);
  g_string_append (md, "\n|---|---:|");
  for (guint i = 0; i < cols->len; i++)
    g_string_append (md, "---:|");
  g_string_append_c (md, '\n');
  for (guint r = 0; r < s->configs->len; r++)
    {
      const XpSummaryConfig *c = s->configs->pdata[r];
      g_string_append_printf (md, "| %s | %u |", c->label, c->seeds->len);
      for (guint i = 0; i < cols->len; i++)
        {
          const Column *col = cols->pdata[i];
          g_autofree char *x = cell (g_hash_table_lookup (c->stats, col->metric), col->scale, col->format);
          g_string_append_printf (md, " %s |", x);
        }
      g_string_append_c (md, '\n');
    }

  if (note)
    g_string_append_printf (md, "\n%s\n", note);
  const char *section = NULL;
  for (guint i = 0; plots && i < plots->len; i++)
    {
      const XpPlot *p = plots->pdata[i];
      const char *sec = strcmp (p->kind, "bars") == 0 ? "Per-policy results"
                        : strcmp (p->kind, "cdf") == 0 ? "Memory locality of individual VMs"
                                                       : "Free memory over time";
      if (sec != section)
        {
          g_string_append_printf (md, "\n## %s\n", sec);
          section = sec;
        }
      g_string_append_printf (md, "\n![%s](plots/%s.png)\n\n[SVG](plots/%s.svg) · data [plots/%s.dat](plots/%s.dat)\n",
                              p->title, p->name, p->name, p->name, p->name);
    }
  return g_string_free (md, FALSE);
}

gboolean
xp_bench_report (const char *dir, const char *gnuplot, GError **error)
{
  g_autofree char *mpath = g_build_filename (dir, "matrix.json", NULL);
  g_autofree char *spath = g_build_filename (dir, "summary.json", NULL);
  if (!g_file_test (mpath, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: not a bench directory (no matrix.json)", dir);
      return FALSE;
    }
  g_autoptr (XpBenchPlan) plan = xp_bench_plan_load (mpath, error);
  if (!plan)
    return FALSE;
  g_autoptr (XpSummary) s = NULL;
  if (g_file_test (spath, G_FILE_TEST_EXISTS))
    s = xp_summary_load (spath, error);
  else if (!xp_bench_merge (dir, &s, error))
    return FALSE;
  if (!s)
    return FALSE;
  g_autoptr (GPtrArray) plots = xp_bench_plots (dir, plan, s, gnuplot, error);
  if (!plots)
    return FALSE;
  const char *note = gnuplot ? NULL
                             : "_gnuplot was not found: the plot data and scripts are in plots/ but no images were "
                               "rendered, and those of an earlier report were removed (install gnuplot-nox, or set "
                               "GNUPLOT, and run `xenplace bench report` again)._";
  g_autofree char *md = xp_bench_report_markdown (plan, s, gnuplot ? plots : NULL, note);
  g_autofree char *path = g_build_filename (dir, "report.md", NULL);
  return xp_write_file_atomic (path, md, -1, error);
}
