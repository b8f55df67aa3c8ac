/* xenplace bench — run, merge, report benchmark matrices; xenplace compare —
 * the regression gate. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "cli/commands.h"
#include "bench/compare.h"
#include "bench/report.h"
#include "bench/runner.h"
#include "sim/error.h"
#include "sim/util.h"

static char *
default_dir (const XpScenario *s)
{
  return g_strconcat ("bench-", s->name, NULL);
}

/* Parse a subcommand's options: @argv[0] is the subcommand. */
static gboolean
sub_parse (int *argc, char ***argv, const char *sub, const char *usage, const char *summary, const GOptionEntry *entries)
{
  g_autofree char *prog = g_strdup_printf ("xenplace bench %s", sub);
  g_set_prgname (prog);
  return xp_cli_parse (argc, argv, usage, summary, entries);
}

static int
bench_run (int argc, char **argv)
{
  gint jobs = 0, max_seeds = 0;
  gint64 max_vms = 0;
  g_autofree char *out = NULL;
  gboolean quiet = FALSE, report = FALSE;
  const GOptionEntry entries[] = {
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Runs in parallel (default: number of processors)", "N" },
    { "max-vms", 0, 0, G_OPTION_ARG_INT64, &max_vms,
      "A reduced run: cut every trace to its first N VMs (recorded in every results file; never comparable with a full run)", "N" },
    { "max-seeds", 0, 0, G_OPTION_ARG_INT, &max_seeds,
      "A reduced run: only the first N seeds of every configuration (recorded in matrix.json and summary.json)", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Bench directory (default: bench-NAME)", "DIR" },
    { "report", 'r', 0, G_OPTION_ARG_NONE, &report, "Write plots and report.md afterwards", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print nothing but errors", NULL },
    { NULL }
  };
  if (!sub_parse (&argc, &argv, "run", "SCENARIO",
                  "Run every configuration × seed of a scenario file; resumable (finished runs are skipped).", entries))
    return 2;
  if (argc != 2)
    {
      xp_cli_error ("bench run: expected one scenario file (see --help)");
      return 2;
    }
  if (jobs < 0)
    {
      xp_cli_error ("bench run: --jobs: expected a positive number");
      return 2;
    }
  if (max_vms < 0 || max_seeds < 0)
    {
      xp_cli_error ("bench run: --%s: expected a positive number", max_vms < 0 ? "max-vms" : "max-seeds");
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (XpScenario) s = xp_scenario_load (argv[1], &error);
  g_autoptr (XpBenchPlan) plan = s ? xp_bench_plan_new (s, &error) : NULL;
  if (!plan)
    {
      xp_cli_error ("%s", error->message);
      return 2;
    }
  if (!out)
    out = default_dir (s);
  xp_bench_plan_reduce (plan, (guint64) max_vms, (guint) max_seeds);
  XpBenchRunOptions opts = { (guint) jobs, !quiet && isatty (STDERR_FILENO) };
  XpBenchRunStats st = { 0 };
  gboolean ok = xp_bench_run (plan, out, &opts, &st, &error);
  /* the counts, once there are any: a scenario whose inputs do not load,
   * or a directory that cannot be made, stops before any run */
  if (!quiet && (ok || st.executed + st.skipped + st.failed > 0))
    {
      printf ("xenplace bench: %s: %u runs (%u configurations × %u seeds): %u executed, %u already done, %u failed\n",
              s->name, st.total, plan->configs->len, max_seeds ? MIN ((guint) max_seeds, s->seeds->len) : s->seeds->len,
              st.executed, st.skipped, st.failed);
      if (max_vms || max_seeds)
        printf ("  REDUCED run (--max-vms %" G_GINT64_FORMAT ", --max-seeds %d): a quick check, not a benchmark result\n",
                max_vms, max_seeds);
    }
  if (!ok)
    {
      xp_cli_error ("%s", error->message);
      /* a topology, trace or parameter that does not load is bad input;
       * runs that failed or files that cannot be written are not */
      return g_error_matches (error, XP_ERROR, XP_ERROR_INVALID) || g_error_matches (error, XP_ERROR, XP_ERROR_PARSE) ? 2 : 1;
    }
  if (report)
    {
      g_autofree char *gp = xp_gnuplot_find ();
      if (!xp_bench_report (out, gp, &error))
        {
          xp_cli_error ("%s", error->message);
          return 1;
        }
    }
  if (!quiet)
    printf ("  summary: %s/summary.tsv, %s/summary.json; timing: %s/timing.tsv%s%s%s\n", out, out, out,
            report ? "; report: " : "", report ? out : "", report ? "/report.md" : "");
  return 0;
}

static int
bench_manifest (int argc, char **argv)
{
  g_autofree char *out = NULL, *xenplace = NULL;
  gboolean pending = FALSE;
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Bench directory (default: bench-NAME)", "DIR" },
    { "xenplace", 0, 0, G_OPTION_ARG_FILENAME, &xenplace, "Program the commands call (default: xenplace)", "PATH" },
    { "pending", 0, 0, G_OPTION_ARG_NONE, &pending, "Only runs without a valid results file", NULL },
    { NULL }
  };
  if (!sub_parse (&argc, &argv, "manifest", "SCENARIO",
                  "Print one 'xenplace replay' command per run, for GNU parallel (also --sshlogin) or a Slurm job "
                  "array; then 'xenplace bench merge DIR'. Writes DIR/matrix.json.",
                  entries))
    return 2;
  if (argc != 2)
    {
      xp_cli_error ("bench manifest: expected one scenario file (see --help)");
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (XpScenario) s = xp_scenario_load (argv[1], &error);
  g_autoptr (XpBenchPlan) plan = s ? xp_bench_plan_new (s, &error) : NULL;
  if (!plan)
    {
      xp_cli_error ("%s", error->message);
      return 2;
    }
  if (!out)
    out = default_dir (s);
  g_autofree char *runs = g_build_filename (out, "runs", NULL);
  g_autofree char *mpath = g_build_filename (out, "matrix.json", NULL);
  if (g_mkdir_with_parents (runs, 0755) != 0)
    {
      xp_cli_error ("%s: cannot create", runs);
      return 1;
    }
  if (!xp_bench_plan_write (plan, mpath, &error))
    {
      xp_cli_error ("%s", error->message);
      return 1;
    }
  if (pending)
    {
      /* keep only the runs still to do */
      XpXenParams xen_params;
      if (!xp_bench_plan_xen_params (plan, &xen_params, &error))
        {
          xp_cli_error ("%s", error->message);
          return 2;
        }
      for (guint i = plan->runs->len; i-- > 0;)
        {
          const XpBenchRun *r = plan->runs->pdata[i];
          g_autofree char *path = xp_bench_run_path (out, r);
          if (g_file_test (path, G_FILE_TEST_EXISTS)
              && xp_bench_read_run_plugin (path, &r->seed, plan->max_vms, r->policy_spec, r->plugin_sha256, &xen_params,
                                           NULL, NULL, NULL))
            g_ptr_array_remove_index (plan->runs, i);
        }
    }
  g_autofree char *m = xp_bench_manifest (plan, out, xenplace ? xenplace : "xenplace");
  fputs (m, stdout);
  return 0;
}

static int
bench_merge (int argc, char **argv)
{
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print nothing but errors", NULL },
    { NULL }
  };
  if (!sub_parse (&argc, &argv, "merge", "DIR", "Build DIR/summary.json and DIR/summary.tsv from DIR/runs/*.json.", entries))
    return 2;
  if (argc != 2)
    {
      xp_cli_error ("bench merge: expected one bench directory (see --help)");
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (XpSummary) s = NULL;
  if (!xp_bench_merge (argv[1], &s, &error))
    {
      xp_cli_error ("%s", error->message);
      return 1;
    }
  if (!quiet)
    printf ("xenplace bench: %s: %u configuration%s merged into %s/summary.json and summary.tsv\n", s->scenario,
            s->configs->len, s->configs->len == 1 ? "" : "s", argv[1]);
  return 0;
}

static int
bench_report (int argc, char **argv)
{
  const GOptionEntry entries[] = { { NULL } };
  if (!sub_parse (&argc, &argv, "report", "DIR",
                  "Write plots (PNG and SVG, with gnuplot: $GNUPLOT or PATH) and DIR/report.md.", entries))
    return 2;
  if (argc != 2)
    {
      xp_cli_error ("bench report: expected one bench directory (see --help)");
      return 2;
    }
  g_autofree char *gp = xp_gnuplot_find ();
  if (!gp)
    xp_cli_error ("warning: gnuplot not found (set GNUPLOT or install gnuplot-nox); writing the report without images");
  g_autoptr (GError) error = NULL;
  if (!xp_bench_report (argv[1], gp, &error))
    {
      xp_cli_error ("%s", error->message);
      return 1;
    }
  printf ("xenplace bench: %s/report.md\n", argv[1]);
  return 0;
}

static void
bench_usage (FILE *out)
{
  fprintf (out, "Usage: xenplace bench SUBCOMMAND [OPTIONS...]\n\n"
                "  run SCENARIO [-j N] [-o DIR]   run a scenario's matrix (resumable; --max-vms, --max-seeds: reduced)\n"
                "  manifest SCENARIO [-o DIR]     one replay command per run, for GNU parallel or Slurm\n"
                "  merge DIR                      summary.json/tsv from DIR/runs/*.json\n"
                "  report DIR                     plots and DIR/report.md\n"
                "  compare BASELINE CURRENT       the regression gate (as 'xenplace compare')\n\n"
                "Run 'xenplace bench SUBCOMMAND --help' for its options.\n");
}

int
xp_cmd_bench (int argc, char **argv)
{
  if (argc < 2)
    {
      bench_usage (stderr);
      return 2;
    }
  const char *sub = argv[1];
  if (strcmp (sub, "--help") == 0 || strcmp (sub, "-h") == 0 || strcmp (sub, "help") == 0)
    {
      bench_usage (stdout);
      return 0;
    }
  if (strcmp (sub, "run") == 0)
    return bench_run (argc - 1, argv + 1);
  if (strcmp (sub, "manifest") == 0)
    return bench_manifest (argc - 1, argv + 1);
  if (strcmp (sub, "merge") == 0)
    return bench_merge (argc - 1, argv + 1);
  if (strcmp (sub, "report") == 0)
    return bench_report (argc - 1, argv + 1);
  if (strcmp (sub, "compare") == 0)
    {
      g_set_prgname ("xenplace compare");
      return xp_cmd_compare (argc - 1, argv + 1);
    }
  xp_cli_error ("bench: unknown subcommand '%s' (run, manifest, merge, report, compare)", sub);
  return 2;
}

static void
tolerance_free (gpointer p)
{
  XpTolerance *t = p;
  g_free (t->metric);
  g_free (t);
}

int
xp_cmd_compare (int argc, char **argv)
{
  g_auto (GStrv) tolerances = NULL;
  g_autofree char *margin_text = NULL;
  double speed_margin = -1;   /* none given: the baseline's [gate], else 0.25 */
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "tolerance", 't', 0, G_OPTION_ARG_STRING_ARRAY, &tolerances,
      "Allowed change of a metric, absolute or relative to the baseline (repeatable): mean_locality=0.01, spread=5%",
      "METRIC=VALUE" },
    { "speed-margin", 0, 0, G_OPTION_ARG_STRING, &margin_text,
      "Wall time may grow by this fraction before it counts as slower (default: the baseline's [gate], else 0.25)", "F" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print only regressions and the verdict", NULL },
    { NULL }
  };
  if (!xp_cli_parse (&argc, &argv, "BASELINE CURRENT",
                     "Compare a bench summary (summary.json or its directory) against a baseline. Exit status: 0 "
                     "nothing regressed, 1 regression, 2 bad input.",
                     entries))
    return 2;
  if (argc != 3)
    {
      xp_cli_error ("compare: expected BASELINE and CURRENT (summary.json files or bench directories)");
      return 2;
    }
  /* as speed_margin in a scenario's [gate]: 0.25 or 25% */
  gboolean margin_rel;
  if (margin_text && !xp_tolerance_parse (margin_text, &speed_margin, &margin_rel))
    {
      xp_cli_error ("compare: --speed-margin '%s': expected a non-negative number or a percentage (25%%)", margin_text);
      return 2;
    }
  g_autoptr (GPtrArray) extra = g_ptr_array_new_with_free_func (tolerance_free);
  for (guint i = 0; tolerances && tolerances[i]; i++)
    {
      const char *eq = strchr (tolerances[i], '=');
      XpTolerance t = { 0 };
      if (!eq || eq == tolerances[i] || !xp_tolerance_parse (eq + 1, &t.value, &t.relative))
        {
          xp_cli_error ("compare: --tolerance '%s': expected METRIC=VALUE with VALUE a non-negative number or N%%",
                        tolerances[i]);
          return 2;
        }
      XpTolerance *x = g_new (XpTolerance, 1);
      *x = t;
      x->metric = g_strndup (tolerances[i], eq - tolerances[i]);
      g_ptr_array_add (extra, x);
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (XpSummary) base = NULL, cur = NULL;
  g_autoptr (XpCompareResult) r = NULL;
  g_autofree char *text = NULL;
  GHashTable *timing[2] = { NULL, NULL };
  base = xp_summary_load (argv[1], &error);
  if (!base)
    goto bad;
  cur = xp_summary_load (argv[2], &error);
  if (!cur)
    goto bad;
  /* timing.tsv next to each summary */
  for (guint k = 0; k < 2; k++)
    {
      const char *p = argv[1 + k];
      g_autofree char *dir = g_file_test (p, G_FILE_TEST_IS_DIR) ? g_strdup (p) : g_path_get_dirname (p);
      g_autofree char *tp = g_build_filename (dir, "timing.tsv", NULL);
      timing[k] = xp_bench_timing_load (tp, &error);
      if (error)
        {
          if (timing[0])
            g_hash_table_unref (timing[0]);
          goto bad;
        }
    }
  r = xp_bench_compare (base, cur, extra, speed_margin, timing[0], timing[1], &error);
  for (guint k = 0; k < 2; k++)
    if (timing[k])
      g_hash_table_unref (timing[k]);
  if (!r)
    goto bad;
  text = xp_compare_format (r);
  if (quiet)
    {
      /* the verdict line only, and the regressions */
      for (guint i = 0; i < r->rows->len; i++)
        {
          const XpCompareRow *row = r->rows->pdata[i];
          if (xp_verdict_is_regression (row->verdict))
            printf ("%s: %s: %s\n", xp_verdict_name (row->verdict), row->config, row->metric);
        }
      puts (r->regressions ? "REGRESSION" : "OK");
    }
  else
    fputs (text, stdout);
  return r->regressions ? 1 : 0;
bad:
  xp_cli_error ("%s", error->message);
  return 2;
}
