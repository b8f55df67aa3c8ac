/* Tests of the benchmark harness (suite "bench"): scenario files, the run
 * matrix, merging with confidence intervals, the regression gate, plots and
 * the report from hand-written results, and real matrix runs (thread-count
 * independence, resume, manifest + GNU parallel + merge). */
#include "config.h"
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/wait.h>
#include "tests/testutil.h"
#include "bench/compare.h"
#include "bench/report.h"
#include "bench/runner.h"

/* ---- helpers ------------------------------------------------------------- */

static char *
read_text (const char *path)
{
  char *text = NULL;
  ck_assert_msg (g_file_get_contents (path, &text, NULL, NULL), "cannot read %s", path);
  return text;
}

static void
copy_tree (const char *from, const char *to)
{
  g_mkdir_with_parents (to, 0755);
  GDir *d = g_dir_open (from, 0, NULL);
  ck_assert (d != NULL);
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *a = g_build_filename (from, name, NULL);
      g_autofree char *b = g_build_filename (to, name, NULL);
      if (g_file_test (a, G_FILE_TEST_IS_DIR))
        copy_tree (a, b);
      else
        {
          g_autofree char *t = read_text (a);
          ck_assert (g_file_set_contents (b, t, -1, NULL));
        }
    }
  g_dir_close (d);
}

/* A copy of the hand-written bench directory (two policies × seeds 1-3). */
static char *
hand_dir (char **tmp_out)
{
  char *tmp = xp_test_tmpdir ();
  g_autofree char *src = xp_test_srcpath ("tests/data/bench/hand");
  char *dir = g_build_filename (tmp, "hand", NULL);
  copy_tree (src, dir);
  *tmp_out = tmp;
  return dir;
}

static XpScenario *
parse (const char *text, GError **error)
{
  return xp_scenario_parse ("dir/s.ini", text, error);
}

/* ---- statistics ---------------------------------------------------------- */

START_TEST (test_student_t)
{
  /* tabulated two-sided 95 % quantiles */
  ck_assert_double_eq_tol (xp_student_t975 (1), 12.7062, 1e-4);
  ck_assert_double_eq_tol (xp_student_t975 (2), 4.3027, 1e-4);
  ck_assert_double_eq_tol (xp_student_t975 (10), 2.2281, 1e-4);
  /* beyond the table, the expansion: t(40) = 2.0211, t(120) = 1.9799 */
  ck_assert_double_eq_tol (xp_student_t975 (40), 2.0211, 1e-4);
  ck_assert_double_eq_tol (xp_student_t975 (120), 1.9799, 1e-4);
  ck_assert (isnan (xp_student_t975 (0)));
}
END_TEST

START_TEST (test_stat)
{
  XpStat st;
  /* 2, 3, 4: mean 3, sample sd 1, CI half-width t(2) · 1/√3 = 4.302653 / 1.732051 = 2.484138 */
  const double v[] = { 2, 3, 4 };
  xp_stat_compute (v, 3, &st);
  ck_assert_uint_eq (st.n, 3);
  ck_assert_double_eq (st.mean, 3);
  ck_assert_double_eq_tol (st.ci95, 2.484138, 1e-6);
  ck_assert_double_eq (st.min, 2);
  ck_assert_double_eq (st.max, 4);
  /* identical values: exactly that value and a zero interval (0.95 three
   * times would otherwise give a 1e-16 residue) */
  const double w[] = { 0.95, 0.95, 0.95 };
  xp_stat_compute (w, 3, &st);
  ck_assert (st.mean == 0.95 && st.ci95 == 0);
  /* one run: no interval */
  xp_stat_compute (v, 1, &st);
  ck_assert (st.mean == 2 && isnan (st.ci95));
}
END_TEST

/* ---- scenario files ------------------------------------------------------ */

/* A scenario saved with a UTF-8 byte order mark (as some Windows editors
 * do) reads as without it, as traces do; it was refused as
 * "expected 'key = value', '[group]' ..., got '[scenario]'" with the mark
 * invisible in the message. Errors still count lines from 1. */
START_TEST (test_scenario_bom)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (XpScenario) s = parse ("\xef\xbb\xbf[scenario]\npolicies = first-fit\ntopologies = generic-2n\n"
                                    "traces = a.csv\n", &error);
  ck_assert_msg (s != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (s->axis_line[XP_AXIS_POLICY], 2);
  g_autoptr (XpScenario) bad = parse ("\xef\xbb\xbf[scenario]\npolcies = first-fit\n", &error);
  ck_assert (bad == NULL);
  xp_assert_error_contains (error, "dir/s.ini:2: unknown key 'polcies'");
}
END_TEST

START_TEST (test_scenario_parse)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (XpScenario) s = parse ("# a comment\n"
                                    "[scenario]\n"
                                    "name = demo\n"
                                    "seeds = 1-3, 7   # four seeds\n"
                                    "policies = first-fit;best-fit:cpus=1\n"
                                    "topologies = generic-2n;../topo/mine.ini;synthetic:pack:2 numa:1 core:4 pu:1; mem=8GiB; dist=10,21\n"
                                    "traces = ../traces/a.csv\n"
                                    "toolstacks = xenopsd;xl:claim_mode=0\n"
                                    "xen = 4.17;4.22\n"
                                    "node_claims = off;on\n"
                                    "\n[policy.best-fit]\nfallback = none\ncpus = 0\n"
                                    "\n[gate]\nspeed_margin = 0.3\nmean_locality = 0.01\nspread = 5%\n",
                                    &error);
  ck_assert_msg (s != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (s->name, "demo");
  ck_assert_uint_eq (s->seeds->len, 4);
  ck_assert_uint_eq (g_array_index (s->seeds, guint64, 0), 1);
  ck_assert_uint_eq (g_array_index (s->seeds, guint64, 3), 7);
  ck_assert_uint_eq (s->axes[XP_AXIS_POLICY]->len, 2);
  ck_assert_uint_eq (s->axes[XP_AXIS_XEN]->len, 2);
  /* a synthetic topology keeps its own ';'-separated options */
  ck_assert_uint_eq (s->axes[XP_AXIS_TOPOLOGY]->len, 3);
  ck_assert_str_eq (s->axes[XP_AXIS_TOPOLOGY]->pdata[2], "synthetic:pack:2 numa:1 core:4 pu:1; mem=8GiB; dist=10,21");
  ck_assert_uint_eq (s->axis_line[XP_AXIS_TOPOLOGY], 6);
  /* the group's parameters are appended, the spec's own cpus=1 wins over cpus=0 */
  g_autofree char *eff = xp_scenario_effective_policy (s, "best-fit:cpus=1");
  ck_assert_str_eq (eff, "best-fit:cpus=1,fallback=none");
  g_autofree char *eff2 = xp_scenario_effective_policy (s, "first-fit");
  ck_assert_str_eq (eff2, "first-fit");
  /* bundled names stay names; files are relative to the scenario */
  g_autofree char *t1 = xp_scenario_resolve_topology (s, "generic-2n");
  ck_assert_str_eq (t1, "generic-2n");
  g_autofree char *t2 = xp_scenario_resolve_topology (s, "../topo/mine.ini");
  g_autofree char *expect = g_canonicalize_filename ("topo/mine.ini", NULL);
  ck_assert_str_eq (t2, expect);
  ck_assert_double_eq (s->speed_margin, 0.3);
  ck_assert_uint_eq (s->tolerances->len, 2);
  const XpTolerance *t = s->tolerances->pdata[1];
  ck_assert_str_eq (t->metric, "spread");
  ck_assert (t->relative && fabs (t->value - 0.05) < 1e-12);
}
END_TEST

typedef struct {
  const char *text;
  const char *error;            /* expected message prefix or part */
} BadCase;

START_TEST (test_scenario_errors)
{
  static const char head[] = "[scenario]\npolicies = first-fit\ntopologies = generic-2n\ntraces = t.csv\n";
  static const BadCase cases[] = {
    /* unknown key, on line 5 */
    { "%spolcies = best-fit\n", "dir/s.ini:5: unknown key 'polcies' in [scenario]" },
    /* empty axis */
    { "%stoolstacks =\n", "dir/s.ini:5: toolstacks: empty list" },
    { "%sxen = 4.17;;4.22\n", "dir/s.ini:5: xen: empty entry in the list" },
    /* bad values, each on its own line */
    { "%sseeds = 5-2\n", "dir/s.ini:5: seeds: '5-2' is not a seed" },
    { "%sseeds = 1;1\n", "dir/s.ini:5: seeds: seed 1 given twice" },
    { "%srepeat = 0\n", "dir/s.ini:5: repeat: '0': expected an integer 1..1000" },
    { "%snode_claims = maybe\n", "dir/s.ini:5: node_claims: 'maybe': expected on or off" },
    { "%stoolstacks = xenopsd;libvirt\n", "dir/s.ini:5: toolstacks: 'libvirt': unknown toolstack" },
    { "%stoolstacks = xl:frobnicate=1\n", "dir/s.ini:5: toolstacks: 'xl:frobnicate=1'" },
    { "%sxen = 4.17;3.2\n", "dir/s.ini:5: xen: '3.2'" },
    { "%sxen = 4.17;4.17\n", "dir/s.ini:5: xen: '4.17' given twice" },
    /* a policy list written with commas */
    { "[scenario]\ntopologies = generic-2n\npolicies = first-fit, best-fit\ntraces = t.csv\n",
      "dir/s.ini:3: policies: 'first-fit, best-fit' contains a space" },
    /* structure */
    { "%s[plot]\nx = 1\n", "dir/s.ini:5: unknown group [plot]" },
    { "%sthis line has no equals sign\n", "dir/s.ini:5: expected 'key = value'" },
    { "%sseeds = 1\nseeds = 2\n", "dir/s.ini:6: seeds: given twice (first at line 5)" },
    { "x = 1\n%s", "dir/s.ini:1: key outside a group" },
    { "[scenario]\npolicies = first-fit\ntraces = t.csv\n", "dir/s.ini:1: [scenario]: missing key 'topologies'" },
    { "%s\n[gate]\nspread = lots\n", "dir/s.ini:7: spread: 'lots': expected a non-negative number" },
    { "%s\n[policy.worst-fit]\nx = 1\n", "dir/s.ini:6: [policy.worst-fit]: no policy 'worst-fit' in policies" },
    /* text that is not UTF-8 (found by fuzzing: a [gate] value crashed the
     * parser, an axis value read as a missing key) */
    { "%s\n[gate]\nspread = 1\xff\n", "dir/s.ini:7: not UTF-8 text" },
    { "%stoolstacks = xl;x\xc3\n", "dir/s.ini:5: not UTF-8 text" },
    { "%s\n[policy.first-fit]\nfallback = \xfe\n", "dir/s.ini:7: not UTF-8 text" },
    /* ';' does not start a comment (found by fuzzing: the line was skipped
     * here but read as a key by GKeyFile, and the error said line 0) */
    { "%s; mem = 8\n", "dir/s.ini:5: unknown key '; mem' in [scenario]" },
    { "%s; a comment\n", "dir/s.ini:5: expected 'key = value', '[group]' or a '#' comment" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf (cases[i].text, head);
      g_autoptr (GError) error = NULL;
      g_autoptr (XpScenario) s = parse (text, &error);
      ck_assert_msg (s == NULL, "case %u parsed: %s", i, text);
      xp_assert_error_contains (error, cases[i].error);
    }
}
END_TEST

/* Found writing the scenario fuzz target (slow inputs): 100000 seeds were
 * checked for duplicates pairwise (seconds), and a matrix of millions of
 * runs was built before anything looked at its size (minutes, gigabytes). */
START_TEST (test_scenario_limits)
{
  static const char head[] = "[scenario]\npolicies = first-fit\ntopologies = generic-2n\ntraces = t.csv\n";
  g_autoptr (GError) error = NULL;
  /* the largest seed list: 0..99998 is 99999 seeds, one configuration */
  g_autofree char *t1 = g_strdup_printf ("%sseeds = 0-99998\n", head);
  g_autoptr (XpScenario) s = parse (t1, &error);
  ck_assert_msg (s != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (s->seeds->len, 99999);
  ck_assert_uint_eq (g_array_index (s->seeds, guint64, 99998), 99998);
  /* a duplicate after a long range is still found */
  g_autofree char *t2 = g_strdup_printf ("%sseeds = 0-50000;7\n", head);
  ck_assert (parse (t2, &error) == NULL);
  xp_assert_error_contains (error, "dir/s.ini:5: seeds: seed 7 given twice");
  g_clear_error (&error);
  /* 2 policies × 3 topologies × 2 toolstacks × 10000 seeds = 120000 runs,
   * above the limit of 100000; the error names the [scenario] line */
  ck_assert (parse ("# big\n[scenario]\npolicies = first-fit;best-fit\ntopologies = generic-2n;generic-4n;x.ini\n"
                    "traces = t.csv\ntoolstacks = xl;xenopsd\nseeds = 1-10000\n", &error) == NULL);
  xp_assert_error_contains (error, "dir/s.ini:2: [scenario]: 2 policies × 3 topologies × 2 toolstacks × 10000 seeds "
                                   "make 120000 runs, more than 100000");
  g_clear_error (&error);
  /* one fewer seed set: 2 × 3 × 2 × 8333 = 99996 runs is accepted */
  g_autoptr (XpScenario) s2 = parse ("[scenario]\npolicies = first-fit;best-fit\ntopologies = generic-2n;generic-4n;x.ini\n"
                                     "traces = t.csv\ntoolstacks = xl;xenopsd\nseeds = 1-8333\n", &error);
  ck_assert_msg (s2 != NULL, "%s", error ? error->message : "");
}
END_TEST

START_TEST (test_scenario_unknown_policy)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (XpScenario) s = parse ("[scenario]\ntopologies = generic-2n\ntraces = t.csv\n"
                                    "policies = first-fit;no_such_policy\n",
                                    &error);
  ck_assert (s == NULL);
  xp_assert_error_contains (error, "dir/s.ini:4: policies: 'no_such_policy'");
}
END_TEST

START_TEST (test_scenario_file_missing)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (XpScenario) s = xp_scenario_load ("/nonexistent/s.ini", &error);
  ck_assert (s == NULL);
  xp_assert_error_contains (error, "/nonexistent/s.ini: cannot read");
}
END_TEST

/* ---- matrix ---------------------------------------------------------------- */

START_TEST (test_matrix)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (XpScenario) s = parse ("[scenario]\nname = m\nseeds = 1-2\n"
                                    "policies = first-fit;best-fit\n"
                                    "topologies = generic-2n\n"
                                    "traces = ../tr/storm.csv\n"
                                    "toolstacks = xenopsd;xl:claim_mode=0;xl\n",
                                    &error);
  ck_assert_msg (s != NULL, "%s", error ? error->message : "");
  g_autoptr (XpBenchPlan) p = xp_bench_plan_new (s, &error);
  ck_assert (p != NULL);
  /* 2 policies × 3 toolstacks = 6 configurations, × 2 seeds = 12 runs */
  ck_assert_uint_eq (p->configs->len, 6);
  ck_assert_uint_eq (p->runs->len, 12);
  /* the last axis varies fastest; the label names only varying axes */
  const XpBenchConfig *c1 = p->configs->pdata[1];
  ck_assert_str_eq (c1->axis[XP_AXIS_POLICY], "first-fit");
  ck_assert_str_eq (c1->axis[XP_AXIS_TOOLSTACK], "xl:claim_mode=0");
  ck_assert_str_eq (c1->label, "first-fit xl:claim_mode=0");
  ck_assert_str_eq (c1->id, "first-fit__generic-2n__storm__xl-claim_mode=0__xen4.17__nc-off");
  const XpBenchRun *r3 = p->runs->pdata[3];
  ck_assert_uint_eq (r3->config, 1);
  ck_assert_uint_eq (r3->seed, 2);
  ck_assert_str_eq (r3->name, "first-fit__generic-2n__storm__xl-claim_mode=0__xen4.17__nc-off__s2");
  g_autofree char *trace = g_canonicalize_filename ("tr/storm.csv", NULL);
  ck_assert_str_eq (r3->trace, trace);

  /* matrix.json round trip */
  g_autofree char *tmp = xp_test_tmpdir ();
  g_autofree char *mpath = g_build_filename (tmp, "matrix.json", NULL);
  ck_assert (xp_bench_plan_write (p, mpath, &error));
  g_autoptr (XpBenchPlan) q = xp_bench_plan_load (mpath, &error);
  ck_assert_msg (q != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (q->runs->len, 12);
  ck_assert_str_eq (((XpBenchRun *) q->runs->pdata[3])->name, r3->name);
  ck_assert_str_eq (((XpBenchConfig *) q->configs->pdata[1])->label, c1->label);

  /* the manifest: one replay command per run, parameters spelled out */
  g_autofree char *m = xp_bench_manifest (p, tmp, "xenplace");
  g_auto (GStrv) lines = g_strsplit (m, "\n", -1);
  ck_assert_uint_eq (g_strv_length (lines), 13);   /* 12 lines and the empty tail */
  ck_assert (g_str_has_prefix (lines[3], "xenplace replay --topology generic-2n --trace "));
  ck_assert (strstr (lines[3], " --policy first-fit --toolstack xl --ts claim_mode=0 --xen 4.17 "
                               "--results-topology generic-2n --results-trace ../tr/storm.csv --seed 2 --quiet --out "));
  ck_assert (g_str_has_suffix (lines[3], "/runs/first-fit__generic-2n__storm__xl-claim_mode=0__xen4.17__nc-off__s2.json"));
  xp_test_rmtree (tmp);
}
END_TEST

/* ---- merge ----------------------------------------------------------------- */

START_TEST (test_merge_hand)
{
  char *tmp;
  g_autofree char *dir = hand_dir (&tmp);
  g_autoptr (GError) error = NULL;
  g_autoptr (XpSummary) s = NULL;
  ck_assert_msg (xp_bench_merge (dir, &s, &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (s->configs->len, 2);
  /* metrics are taken by name from the runs, including ones this code does
   * not know (exec_locality) */
  ck_assert_uint_eq (s->metrics->len, 8);
  ck_assert_str_eq (s->metrics->pdata[7], "exec_locality");
  const XpSummaryConfig *ff = xp_summary_find (s, "first-fit__generic-2n__storm-200__xenopsd__xen4.17__nc-off");
  ck_assert (ff != NULL);
  /* spread 2, 3, 4 over seeds 1-3 → 3 ± 2.484138 (see test_stat) */
  const XpStat *sp = g_hash_table_lookup (ff->stats, "spread");
  ck_assert_double_eq (sp->mean, 3);
  ck_assert_double_eq_tol (sp->ci95, 2.484138, 1e-6);
  /* mean_locality 0.9, 0.8, 0.7: mean 0.8, sd 0.1 → ± 0.2484138 */
  const XpStat *ml = g_hash_table_lookup (ff->stats, "mean_locality");
  ck_assert_double_eq_tol (ml->mean, 0.8, 1e-12);
  ck_assert_double_eq_tol (ml->ci95, 0.2484138, 1e-7);
  /* failed 0, 0, 1: mean 1/3, sd 1/√3 → ± 4.302653/3 = 1.434218 */
  const XpStat *fl = g_hash_table_lookup (ff->stats, "failed");
  ck_assert_double_eq_tol (fl->ci95, 1.434218, 1e-6);

  /* the files: the TSV row, and a second merge gives the same bytes */
  g_autofree char *jpath = g_build_filename (dir, "summary.json", NULL);
  g_autofree char *tpath = g_build_filename (dir, "summary.tsv", NULL);
  g_autofree char *j1 = read_text (jpath), *tsv = read_text (tpath);
  ck_assert (strstr (tsv, "\tfirst-fit\tfirst-fit\tgeneric-2n\t../traces/storm-200.csv\txenopsd\t4.17\toff\t3\t4\t0\t"));
  ck_assert (strstr (tsv, "\t3\t2.484137712\t0.8\t0.2484137712\t"));
  ck_assert (xp_bench_merge (dir, NULL, &error));
  g_autofree char *j2 = read_text (jpath);
  ck_assert_str_eq (j1, j2);

  /* summary.json reads back to the same numbers */
  g_autoptr (XpSummary) back = xp_summary_load (dir, &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  const XpSummaryConfig *bf = xp_summary_find (back, ff->id);
  ck_assert_double_eq_tol (((XpStat *) g_hash_table_lookup (bf->stats, "spread"))->ci95, 2.484138, 1e-6);

  /* a missing run and a broken run are errors naming them */
  g_autofree char *r1 = g_build_filename (dir, "runs", "best-fit__generic-2n__storm-200__xenopsd__xen4.17__nc-off__s2.json", NULL);
  g_unlink (r1);
  ck_assert (!xp_bench_merge (dir, NULL, &error));
  xp_assert_error_contains (error, "1 of 6 runs have no results file in runs/ (best-fit__generic-2n__storm-200__xenopsd__xen4.17__nc-off__s2)");
  g_clear_error (&error);
  ck_assert (g_file_set_contents (r1, "{\"schema\": \"xenplace-results\", \"schema_version\": 1, \"run\": {\"seed\": 3}, \"summary\": {}}", -1, NULL));
  ck_assert (!xp_bench_merge (dir, NULL, &error));
  xp_assert_error_contains (error, "__s2.json: run.seed: expected 2");
  g_clear_error (&error);
  /* a syntax error names file, line and column */
  ck_assert (g_file_set_contents (r1, "{\n \"schema\": ,\n}\n", -1, NULL));
  ck_assert (!xp_bench_merge (dir, NULL, &error));
  xp_assert_error_contains (error, "__s2.json:2:");
  xp_test_rmtree (tmp);
  g_free (tmp);
}
END_TEST

/* ---- compare ----------------------------------------------------------------- */

/* Replace the first occurrence of @from after @anchor in @path. */
static void
edit_file (const char *path, const char *anchor, const char *from, const char *to)
{
  g_autofree char *t = read_text (path);
  char *a = strstr (t, anchor);
  ck_assert_msg (a != NULL, "no '%s' in %s", anchor, path);
  char *f = strstr (a, from);
  ck_assert (f != NULL);
  g_autoptr (GString) s = g_string_new_len (t, f - t);
  g_string_append (s, to);
  g_string_append (s, f + strlen (from));
  ck_assert (g_file_set_contents (path, s->str, -1, NULL));
}

/* Exit status of `xenplace ARGS` (the built program), -1 if it cannot run. */
static int
xenplace_status (const char *args)
{
  const char *builddir = g_getenv ("XP_BUILDDIR");
  if (!builddir)
    return -1;
  g_autofree char *prog = g_build_filename (builddir, "xenplace", NULL);
  g_autofree char *q = g_shell_quote (prog);
  g_autofree char *cmd = g_strdup_printf ("%s %s >/dev/null 2>&1", q, args);
  const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
  gint status;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, NULL, NULL, &status, NULL))
    return -1;
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

START_TEST (test_compare)
{
  char *tmp;
  g_autofree char *dir = hand_dir (&tmp);
  g_autoptr (GError) error = NULL;
  ck_assert (xp_bench_merge (dir, NULL, &error));
  g_autofree char *jpath = g_build_filename (dir, "summary.json", NULL);
  g_autofree char *cur_dir = g_build_filename (tmp, "cur", NULL);
  g_mkdir (cur_dir, 0755);
  g_autofree char *cpath = g_build_filename (cur_dir, "summary.json", NULL);
  g_autofree char *text = read_text (jpath);
  ck_assert (g_file_set_contents (cpath, text, -1, NULL));

  g_autoptr (XpSummary) base = xp_summary_load (jpath, &error);
  ck_assert (base != NULL);
  {
    /* identical: nothing moves, no regression */
    g_autoptr (XpSummary) cur = xp_summary_load (cpath, &error);
    g_autoptr (XpCompareResult) r = xp_bench_compare (base, cur, NULL, -1, NULL, NULL, &error);
    ck_assert_uint_eq (r->regressions, 0);
    ck_assert_uint_eq (r->improvements, 0);
    /* 2 configurations × 8 metrics */
    ck_assert_uint_eq (r->compared, 16);
    g_autofree char *out = xp_compare_format (r);
    ck_assert (strstr (out, "nothing moved") && g_str_has_suffix (out, "OK\n"));
  }
  /* inject a regression: best-fit's mean spread 1 → 2, and an improvement:
   * its mean locality 0.95 → 0.97 */
  edit_file (cpath, "\"label\" : \"best-fit\"", "\"mean\" : 1.0", "\"mean\" : 2.0");
  edit_file (cpath, "\"label\" : \"best-fit\"", "\"mean\" : 0.94999999999999996", "\"mean\" : 0.97");
  {
    g_autoptr (XpSummary) cur = xp_summary_load (cpath, &error);
    ck_assert_msg (cur != NULL, "%s", error ? error->message : "");
    g_autoptr (XpCompareResult) r = xp_bench_compare (base, cur, NULL, -1, NULL, NULL, &error);
    ck_assert_uint_eq (r->regressions, 1);
    ck_assert_uint_eq (r->improvements, 1);
    g_autofree char *out = xp_compare_format (r);
    g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
    /* header, the two rows that moved, the counts, the verdict */
    ck_assert_uint_eq (g_strv_length (lines), 6);
    ck_assert_msg (g_str_has_prefix (lines[1], "spread ") && strstr (lines[1], " best-fit ") && strstr (lines[1], " 1 ")
                   && strstr (lines[1], " 2 ") && strstr (lines[1], " +1  WORSE"), "%s", out);
    ck_assert_msg (g_str_has_prefix (lines[2], "mean_locality ") && strstr (lines[2], " 0.95 ") && strstr (lines[2], " 0.97 ")
                   && strstr (lines[2], " +0.02  better"), "%s", out);
    ck_assert (g_str_has_suffix (out, "REGRESSION\n"));

    /* an absolute tolerance of 1 spread VM lets it through; 50 % of the
     * baseline's 1 does not */
    g_autoptr (GPtrArray) tol = g_ptr_array_new ();
    XpTolerance t = { "spread", 1, FALSE };
    g_ptr_array_add (tol, &t);
    g_autoptr (XpCompareResult) r2 = xp_bench_compare (base, cur, tol, -1, NULL, NULL, &error);
    ck_assert_uint_eq (r2->regressions, 0);
    ck_assert_uint_eq (r2->within, 1);
    t.value = 0.5;
    t.relative = TRUE;
    g_autoptr (XpCompareResult) r3 = xp_bench_compare (base, cur, tol, -1, NULL, NULL, &error);
    ck_assert_uint_eq (r3->regressions, 1);

    /* a tolerance naming no metric is bad input */
    XpTolerance bad = { "sprad", 1, FALSE };
    g_ptr_array_add (tol, &bad);
    g_autoptr (XpCompareResult) r4 = xp_bench_compare (base, cur, tol, -1, NULL, NULL, &error);
    ck_assert (r4 == NULL);
    xp_assert_error_contains (error, "--tolerance sprad: no such metric");
    g_clear_error (&error);
    /* so is one of the baseline's [gate] */
    XpTolerance *gate = g_new0 (XpTolerance, 1);
    gate->metric = g_strdup ("mean_localty");
    gate->value = 0.01;
    g_ptr_array_add (base->tolerances, gate);
    g_autoptr (XpCompareResult) r5 = xp_bench_compare (base, cur, NULL, -1, NULL, NULL, &error);
    ck_assert (r5 == NULL);
    xp_assert_error_contains (error, "the baseline's [gate] mean_localty: no such metric");
    g_clear_error (&error);
    g_ptr_array_remove_index (base->tolerances, base->tolerances->len - 1);
  }
  /* speed: 1.0 s → 1.3 s is slower with the default 25 % margin, within a 50 % one */
  {
    g_autofree char *bt = g_build_filename (dir, "timing.tsv", NULL);
    g_autofree char *ct = g_build_filename (cur_dir, "timing.tsv", NULL);
    const char *id = "best-fit__generic-2n__storm-200__xenopsd__xen4.17__nc-off";
    g_autofree char *b = g_strdup_printf ("run\tconfiguration\tseed\trepeat\twall_s_min\twall_s_median\tevents\n"
                                          "a\t%s\t1\t1\t0.4\t0.4\t10\nb\t%s\t2\t1\t0.6\t0.6\t10\n", id, id);
    g_autofree char *c = g_strdup_printf ("run\tconfiguration\tseed\trepeat\twall_s_min\twall_s_median\tevents\n"
                                          "a\t%s\t1\t1\t0.7\t0.7\t10\nb\t%s\t2\t1\t0.6\t0.6\t10\n", id, id);
    ck_assert (g_file_set_contents (bt, b, -1, NULL) && g_file_set_contents (ct, c, -1, NULL));
    GHashTable *tb = xp_bench_timing_load (bt, &error), *tc = xp_bench_timing_load (ct, &error);
    ck_assert (tb && tc);
    ck_assert_double_eq_tol (*(double *) g_hash_table_lookup (tb, id), 1.0, 1e-12);
    g_autoptr (XpSummary) same = xp_summary_load (jpath, &error);
    g_autoptr (XpCompareResult) r = xp_bench_compare (base, same, NULL, -1, tb, tc, &error);
    ck_assert_uint_eq (r->regressions, 1);
    ck_assert (r->speed_compared);
    g_autoptr (XpCompareResult) r2 = xp_bench_compare (base, same, NULL, 0.5, tb, tc, &error);
    ck_assert_uint_eq (r2->regressions, 0);
    g_hash_table_unref (tb);
    g_hash_table_unref (tc);
  }
  /* speed after a resume: the current timing.tsv lacks run a, which an
   * interrupted invocation finished, and run c took twice as long. Over
   * the runs timed on both sides (b, c) that is 1.1 s → 1.6 s, slower;
   * the sums (1.5 s → 1.6 s) hid it. A configuration timed on one side
   * only is named as not compared. */
  {
    g_autofree char *bt = g_build_filename (dir, "timing.tsv", NULL);
    g_autofree char *ct = g_build_filename (cur_dir, "timing.tsv", NULL);
    const char *id = "best-fit__generic-2n__storm-200__xenopsd__xen4.17__nc-off";
    const char *other = "first-fit__generic-2n__storm-200__xenopsd__xen4.17__nc-off";
    g_autofree char *b = g_strdup_printf ("run\tconfiguration\tseed\trepeat\twall_s_min\twall_s_median\tevents\n"
                                          "a\t%s\t1\t1\t0.4\t0.4\t10\nb\t%s\t2\t1\t0.6\t0.6\t10\n"
                                          "c\t%s\t3\t1\t0.5\t0.5\t10\nf\t%s\t1\t1\t0.5\t0.5\t10\n",
                                          id, id, id, other);
    g_autofree char *c = g_strdup_printf ("run\tconfiguration\tseed\trepeat\twall_s_min\twall_s_median\tevents\n"
                                          "b\t%s\t2\t1\t0.6\t0.6\t10\nc\t%s\t3\t1\t1.0\t1.0\t10\n", id, id);
    ck_assert (g_file_set_contents (bt, b, -1, NULL) && g_file_set_contents (ct, c, -1, NULL));
    GHashTable *tb = xp_bench_timing_load (bt, &error), *tc = xp_bench_timing_load (ct, &error);
    ck_assert (tb && tc);
    g_autoptr (XpSummary) same = xp_summary_load (jpath, &error);
    g_autoptr (XpCompareResult) r = xp_bench_compare (base, same, NULL, -1, tb, tc, &error);
    ck_assert_uint_eq (r->regressions, 1);
    ck_assert_uint_eq (r->speed_incomparable, 1);
    g_autofree char *out = xp_compare_format (r);
    ck_assert_msg (strstr (out, "wall_seconds") && strstr (out, " 1.1 ") && strstr (out, " 1.6 ") && strstr (out, "SLOWER"),
                   "%s", out);
    ck_assert_msg (strstr (out, "wall time not compared for 1 configuration: no run of it is timed in both"), "%s", out);
    g_hash_table_unref (tb);
    g_hash_table_unref (tc);
    g_unlink (bt);
    g_unlink (ct);
  }
  /* the command: 0 nothing regressed, 1 regression, 2 bad input */
  if (g_getenv ("XP_BUILDDIR"))
    {
      g_autofree char *qb = g_shell_quote (dir), *qc = g_shell_quote (cur_dir), *qj = g_shell_quote (jpath);
      g_autofree char *same = g_strdup_printf ("compare %s %s", qb, qj);
      g_autofree char *worse = g_strdup_printf ("compare %s %s", qb, qc);
      g_autofree char *tol = g_strdup_printf ("compare %s %s --tolerance spread=1 --speed-margin 0.5", qb, qc);
      g_autofree char *bad = g_strdup_printf ("compare %s %s/nothing-here", qb, qc);
      g_autofree char *badtol = g_strdup_printf ("compare %s %s --tolerance spread", qb, qc);
      ck_assert_int_eq (xenplace_status (same), 0);
      ck_assert_int_eq (xenplace_status (worse), 1);
      ck_assert_int_eq (xenplace_status (tol), 0);
      ck_assert_int_eq (xenplace_status (bad), 2);
      ck_assert_int_eq (xenplace_status (badtol), 2);
    }
  /* a configuration gone from the current summary is a regression */
  {
    g_autoptr (XpSummary) cur = xp_summary_load (jpath, &error);
    g_ptr_array_remove_index (cur->configs, 0);
    g_autoptr (XpCompareResult) r = xp_bench_compare (base, cur, NULL, -1, NULL, NULL, &error);
    ck_assert_uint_eq (r->regressions, 1);
    g_autofree char *out = xp_compare_format (r);
    ck_assert (strstr (out, "MISSING"));
  }
  /* not a summary */
  {
    g_autofree char *m = g_build_filename (dir, "matrix.json", NULL);
    g_autoptr (XpSummary) x = xp_summary_load (m, &error);
    ck_assert (x == NULL);
    xp_assert_error_contains (error, "matrix.json: schema: expected \"xenplace-bench-summary\"");
  }
  xp_test_rmtree (tmp);
  g_free (tmp);
}
END_TEST

START_TEST (test_direction)
{
  ck_assert_int_eq (xp_metric_direction ("spread"), -1);
  ck_assert_int_eq (xp_metric_direction ("avoidable_spread"), -1);
  ck_assert_int_eq (xp_metric_direction ("failed"), -1);
  ck_assert_int_eq (xp_metric_direction ("latency_p95_ns"), -1);
  ck_assert_int_eq (xp_metric_direction ("makespan_ns"), -1);
  ck_assert_int_eq (xp_metric_direction ("mean_locality"), 1);
  ck_assert_int_eq (xp_metric_direction ("exec_locality"), 1);
  ck_assert_int_eq (xp_metric_direction ("superpage_share"), 1);
  ck_assert_int_eq (xp_metric_direction ("mean_wait_ns"), -1);
  ck_assert_int_eq (xp_metric_direction ("events"), 0);
}
END_TEST

/* A configuration's means are over its seeds: a current summary whose
 * configuration ran other seeds than the baseline's is refused (bad input,
 * exit 2), naming the configuration and both seed lists, instead of
 * verdicts on unlike things. The same seeds in another order compare. */
START_TEST (test_compare_other_seeds)
{
  char *tmp;
  g_autofree char *dir = hand_dir (&tmp);
  g_autoptr (GError) error = NULL;
  ck_assert (xp_bench_merge (dir, NULL, &error));
  g_autofree char *jpath = g_build_filename (dir, "summary.json", NULL);
  g_autofree char *cur_dir = g_build_filename (tmp, "cur", NULL);
  g_mkdir (cur_dir, 0755);
  g_autofree char *cpath = g_build_filename (cur_dir, "summary.json", NULL);
  g_autofree char *text = read_text (jpath);
  ck_assert (g_file_set_contents (cpath, text, -1, NULL));
  const char *id = "first-fit__generic-2n__storm-200__xenopsd__xen4.17__nc-off";
  g_autofree char *anchor = g_strdup_printf ("\"id\" : \"%s\"", id);

  /* the same seeds in another order: compared, nothing moved */
  edit_file (cpath, anchor, "1,\n    2,\n    3\n", "3,\n    1,\n    2\n");
  g_autoptr (XpSummary) base = xp_summary_load (jpath, &error);
  {
    g_autoptr (XpSummary) cur = xp_summary_load (cpath, &error);
    ck_assert_msg (base && cur, "%s", error ? error->message : "");
    g_autoptr (XpCompareResult) r = xp_bench_compare (base, cur, NULL, -1, NULL, NULL, &error);
    ck_assert_msg (r != NULL, "%s", error ? error->message : "");
    ck_assert_uint_eq (r->regressions, 0);
  }
  /* seeds 3,1,7 against 1,2,3: refused */
  edit_file (cpath, anchor, "    2\n", "    7\n");
  {
    g_autoptr (XpSummary) cur = xp_summary_load (cpath, &error);
    ck_assert_msg (cur != NULL, "%s", error ? error->message : "");
    g_autoptr (XpCompareResult) r = xp_bench_compare (base, cur, NULL, -1, NULL, NULL, &error);
    ck_assert (r == NULL);
    g_autofree char *want = g_strdup_printf ("configuration %s: the baseline has seeds 1,2,3 and the current summary "
                                             "seeds 1,3,7: compare runs made with the same seeds", id);
    xp_assert_error_contains (error, want);
    g_clear_error (&error);
  }
  if (g_getenv ("XP_BUILDDIR"))
    {
      g_autofree char *qb = g_shell_quote (dir), *qc = g_shell_quote (cur_dir);
      g_autofree char *cmd = g_strdup_printf ("compare %s %s", qb, qc);
      ck_assert_int_eq (xenplace_status (cmd), 2);
    }
  xp_test_rmtree (tmp);
  g_free (tmp);
}
END_TEST

/* Verdict on one metric's mean, @base → @cur, with an absolute tolerance
 * (@tol > 0) or none (@tol == 0), through summary files. */
static XpVerdict
verdict_of (const char *metric, double base, double cur, double tol)
{
  g_autofree char *tmp = xp_test_tmpdir ();
  g_autoptr (GError) error = NULL;
  XpSummary *sums[2] = { NULL, NULL };
  double means[2] = { base, cur };
  for (guint k = 0; k < 2; k++)
    {
      char b[G_ASCII_DTOSTR_BUF_SIZE];
      g_autofree char *text = g_strdup_printf ("{\"schema\": \"xenplace-bench-summary\", \"schema_version\": 1, "
                                               "\"metrics\": [\"%s\"], \"configurations\": [{\"id\": \"x\", "
                                               "\"label\": \"x\", \"seeds\": [1], \"metrics\": {\"%s\": {\"n\": 1, "
                                               "\"mean\": %s}}}]}", metric, metric,
                                               g_ascii_formatd (b, sizeof b, "%.17g", means[k]));
      g_autofree char *path = xp_test_write (tmp, k ? "cur.json" : "base.json", text);
      sums[k] = xp_summary_load (path, &error);
      ck_assert_msg (sums[k] != NULL, "%s", error ? error->message : "");
    }
  g_autoptr (GPtrArray) tols = g_ptr_array_new ();
  XpTolerance t = { (char *) metric, tol, FALSE };
  if (tol > 0)
    g_ptr_array_add (tols, &t);
  g_autoptr (XpCompareResult) r = xp_bench_compare (sums[0], sums[1], tols, -1, NULL, NULL, &error);
  ck_assert_msg (r != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (r->rows->len, 1);
  XpVerdict v = ((XpCompareRow *) r->rows->pdata[0])->verdict;
  xp_summary_free (sums[0]);
  xp_summary_free (sums[1]);
  xp_test_rmtree (tmp);
  return v;
}

/* A tolerance is inclusive: a change of exactly the tolerance is within
 * it, though 0.98 - 0.99 is -0.010000000000000009 in binary floating point
 * (it used to be judged WORSE). A change just beyond it is not, and
 * without a tolerance the means are still compared exactly. */
START_TEST (test_compare_tolerance_edge)
{
  ck_assert_int_eq (verdict_of ("mean_locality", 0.99, 0.98, 0.01), XP_VERDICT_WITHIN);
  ck_assert_int_eq (verdict_of ("spread", 0.98, 0.99, 0.01), XP_VERDICT_WITHIN);
  ck_assert_int_eq (verdict_of ("mean_locality", 0.3, 0.2, 0.1), XP_VERDICT_WITHIN);
  ck_assert_int_eq (verdict_of ("mean_locality", 0.99, 0.98 - 1e-9, 0.01), XP_VERDICT_WORSE);
  ck_assert_int_eq (verdict_of ("spread", 0.98, 0.99 + 1e-9, 0.01), XP_VERDICT_WORSE);
  ck_assert_int_eq (verdict_of ("mean_locality", 0.99, nextafter (0.99, 0), 0), XP_VERDICT_WORSE);
}
END_TEST

/* Summaries whose configurations differ (as of two scenarios): a
 * configuration on one side only is shown as present on that side and
 * absent on the other, not as "nan nan". */
START_TEST (test_compare_configs_one_side)
{
  char *tmp;
  g_autofree char *dir = hand_dir (&tmp);
  g_autoptr (GError) error = NULL;
  ck_assert (xp_bench_merge (dir, NULL, &error));
  g_autofree char *jpath = g_build_filename (dir, "summary.json", NULL);
  g_autofree char *cpath = g_build_filename (tmp, "cur.json", NULL);
  g_autofree char *text = read_text (jpath);
  ck_assert (g_file_set_contents (cpath, text, -1, NULL));
  edit_file (cpath, "\"id\" : \"best-fit__", "generic-2n", "generic-4n");
  edit_file (cpath, "\"id\" : \"best-fit__", "\"label\" : \"best-fit\"", "\"label\" : \"best-fit 4n\"");
  g_autoptr (XpSummary) base = xp_summary_load (jpath, &error);
  g_autoptr (XpSummary) cur = xp_summary_load (cpath, &error);
  ck_assert_msg (base && cur, "%s", error ? error->message : "");
  g_autoptr (XpCompareResult) r = xp_bench_compare (base, cur, NULL, -1, NULL, NULL, &error);
  ck_assert (r != NULL);
  g_autofree char *out = xp_compare_format (r);
  ck_assert_msg (!strstr (out, "nan"), "%s", out);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  gboolean missing = FALSE, added = FALSE;
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit_set (lines[i], " ", -1);
      g_autoptr (GString) words = g_string_new (NULL);
      for (guint k = 0; f[k]; k++)
        if (*f[k])
          g_string_append_printf (words, "%s%s", words->len ? " " : "", f[k]);
      missing |= strcmp (words->str, "(configuration) best-fit present absent - MISSING") == 0;
      added |= strcmp (words->str, "(configuration) best-fit 4n absent present - new") == 0;
    }
  ck_assert_msg (missing && added, "%s", out);
  ck_assert (g_str_has_suffix (out, "REGRESSION\n"));
  xp_test_rmtree (tmp);
  g_free (tmp);
}
END_TEST

/* ---- report and plots -------------------------------------------------------- */

START_TEST (test_report_hand)
{
  char *tmp;
  g_autofree char *dir = hand_dir (&tmp);
  g_autoptr (GError) error = NULL;
  g_autofree char *gp = xp_gnuplot_find ();
  ck_assert_msg (xp_bench_report (dir, gp, &error), "%s", error ? error->message : "");
  g_autofree char *rpath = g_build_filename (dir, "report.md", NULL);
  g_autofree char *md = read_text (rpath);
  ck_assert (strstr (md, "# Benchmark report: hand\n"));
  ck_assert (strstr (md, "2 configurations × 3 seeds = 6 runs."));
  /* spread 3 ± 2.48, locality 0.800 ± 0.248, failed 1/3 ± 1.43, p50
   * (2000001 + 2000002 + 2000003)/3 ns = 2.0 ms, makespan 3 s, and the
   * execution locality column because the runs have it */
  ck_assert_msg (strstr (md, "| first-fit | 3 | 3.00 ± 2.48 | 0.800 ± 0.248 | 0.33 ± 1.43 | 2.0 ± 0.0 | 3.00 ± 0.00 | 0.700 ± 0.248 |"), "%s", md);
  /* the bar data: policy, mean, CI */
  g_autofree char *bpath = g_build_filename (dir, "plots", "bars-spread.dat", NULL);
  g_autofree char *bars = read_text (bpath);
  ck_assert_str_eq (bars, "# policy\tall mean\tall ci95\nfirst-fit\t3\t2.484137712\nbest-fit\t1\t0\n");
  g_autofree char *epath = g_build_filename (dir, "plots", "bars-exec_locality.dat", NULL);
  ck_assert (g_file_test (epath, G_FILE_TEST_EXISTS));
  /* the CDF of first-fit pools 3 × 4 VMs: the lowest locality is 0.7 − 0.05 */
  g_autofree char *cpath = g_build_filename (dir, "plots", "cdf-00-all.dat", NULL);
  g_autofree char *cdf = read_text (cpath);
  ck_assert (g_str_has_prefix (cdf, "# first-fit\n0.65\t0\n0.65\t0.08333333333\n"));
  /* free memory: node 0 at 3 s is 3407872 pages = 13 GiB */
  g_autofree char *fpath = g_build_filename (dir, "plots", "free-00.dat", NULL);
  g_autofree char *fr = read_text (fpath);
  ck_assert (strstr (fr, "\n3\t13\t14\t0\n"));
  if (gp)
    {
      /* rendered: PNG and SVG, embedded by relative path */
      g_autofree char *png = g_build_filename (dir, "plots", "bars-spread.png", NULL);
      g_autofree char *svg = g_build_filename (dir, "plots", "cdf-00-all.svg", NULL);
      ck_assert (g_file_test (png, G_FILE_TEST_EXISTS) && g_file_test (svg, G_FILE_TEST_EXISTS));
      ck_assert (strstr (md, "![VMs spread over more than one NUMA node](plots/bars-spread.png)"));
    }
  xp_test_rmtree (tmp);
  g_free (tmp);
}
END_TEST

/* A report without gnuplot removes the images an earlier report rendered
 * for its plots: they showed other data than the .dat files it rewrites,
 * while report.md says that no image was rendered. */
START_TEST (test_report_no_gnuplot_stale_images)
{
  char *tmp;
  g_autofree char *dir = hand_dir (&tmp);
  g_autoptr (GError) error = NULL;
  g_autofree char *plots = g_build_filename (dir, "plots", NULL);
  ck_assert (g_mkdir_with_parents (plots, 0755) == 0);
  static const char *const stale[] = { "bars-spread.png", "bars-spread.svg", "cdf-00-all.png", "free-00.svg" };
  for (guint i = 0; i < G_N_ELEMENTS (stale); i++)
    g_free (xp_test_write (plots, stale[i], "an image of an earlier report"));
  g_autofree char *other = xp_test_write (plots, "notes.png", "not a plot of the report");
  ck_assert_msg (xp_bench_report (dir, NULL, &error), "%s", error ? error->message : "");
  for (guint i = 0; i < G_N_ELEMENTS (stale); i++)
    {
      g_autofree char *path = g_build_filename (plots, stale[i], NULL);
      ck_assert_msg (!g_file_test (path, G_FILE_TEST_EXISTS), "%s survived", stale[i]);
    }
  ck_assert (g_file_test (other, G_FILE_TEST_EXISTS));
  g_autofree char *dat = g_build_filename (plots, "bars-spread.dat", NULL);
  ck_assert (g_file_test (dat, G_FILE_TEST_EXISTS));
  g_autofree char *rpath = g_build_filename (dir, "report.md", NULL);
  g_autofree char *md = read_text (rpath);
  ck_assert_msg (strstr (md, "no images were rendered") && !strstr (md, ".png"), "%s", md);
  xp_test_rmtree (tmp);
  g_free (tmp);
}
END_TEST

/* The CDF pools the VMs that started: a failed VM, one without a start
 * latency and one whose latency is negative (never started) are left out,
 * and an integer locality counts as a number. First-fit's s1 rows become
 * those four cases (the last with locality 1); s2 and s3 keep 0.75, 0.85,
 * 0.8, 0.8 and 0.65, 0.75, 0.7, 0.7. Nine VMs, so the steps climb in
 * ninths: 0.65 once, 0.7 twice, 0.75 twice, 0.8 twice, 0.85, 1. */
START_TEST (test_report_cdf_rows)
{
  char *tmp;
  g_autofree char *dir = hand_dir (&tmp);
  g_autofree char *run = g_build_filename (dir, "runs", "first-fit__generic-2n__storm-200__xenopsd__xen4.17__nc-off__s1.json", NULL);
  g_autofree char *text = read_text (run);
  static const char *const edits[][2] = {
    { "\"state\": \"running\",\n   \"start_latency_ns\": 1000000,", "\"state\": \"failed\",\n   \"start_latency_ns\": 1000000," },
    { "\"start_latency_ns\": 2000000,", "" },
    { "\"start_latency_ns\": 3000000,", "\"start_latency_ns\": -1," },
    { "\"start_latency_ns\": 4000000,\n   \"locality\": 0.9", "\"start_latency_ns\": 0,\n   \"locality\": 1" },   /* started at once: counted */
  };
  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      char *at = strstr (text, edits[i][0]);
      ck_assert_msg (at != NULL, "edit %u: '%s' not in the run", i, edits[i][0]);
      char *changed = g_strdup_printf ("%.*s%s%s", (int) (at - text), text, edits[i][1], at + strlen (edits[i][0]));
      g_free (text);
      text = changed;
    }
  ck_assert (g_file_set_contents (run, text, -1, NULL));
  g_autoptr (GError) error = NULL;
  ck_assert_msg (xp_bench_report (dir, NULL, &error), "%s", error ? error->message : "");
  g_autofree char *cpath = g_build_filename (dir, "plots", "cdf-00-all.dat", NULL);
  g_autofree char *cdf = read_text (cpath);
  ck_assert_msg (g_str_has_prefix (cdf, "# first-fit\n0.65\t0\n0.65\t0.1111111111\n0.7\t0.3333333333\n"
                                        "0.75\t0.5555555556\n0.8\t0.7777777778\n0.85\t0.8888888889\n1\t1\n1\t1\n\n\n# best-fit\n"),
                 "%s", cdf);
  g_autofree char *gpath = g_build_filename (dir, "plots", "cdf-00-all.gp", NULL);
  g_autofree char *gp = read_text (gpath);
  ck_assert_msg (strstr (gp, "title \"first-fit (9 VMs)\""), "%s", gp);
  xp_test_rmtree (tmp);
  g_free (tmp);
}
END_TEST

/* ---- real runs ------------------------------------------------------------ */

static char *
write_small_scenario (const char *tmp)
{
  g_autofree char *trace = xp_test_srcpath ("tests/data/bench/tiny.csv");
  g_autofree char *text = g_strdup_printf ("[scenario]\nname = small\nseeds = 1-2\n"
                                           "policies = first-fit;none\n"
                                           "topologies = generic-2n\n"
                                           "traces = %s\n"
                                           "toolstacks = xenopsd;xl\n",
                                           trace);
  return xp_test_write (tmp, "small.ini", text);
}

static XpBenchPlan *
small_plan (const char *tmp, XpScenario **s_out)
{
  g_autofree char *path = write_small_scenario (tmp);
  g_autoptr (GError) error = NULL;
  XpScenario *s = xp_scenario_load (path, &error);
  ck_assert_msg (s != NULL, "%s", error ? error->message : "");
  XpBenchPlan *p = xp_bench_plan_new (s, &error);
  ck_assert (p != NULL);
  *s_out = s;
  return p;
}

START_TEST (test_run_jobs_and_resume)
{
  g_autofree char *tmp = xp_test_tmpdir ();
  g_autoptr (XpScenario) s = NULL;
  g_autoptr (XpBenchPlan) p = small_plan (tmp, &s);
  g_autoptr (GError) error = NULL;
  g_autofree char *d1 = g_build_filename (tmp, "j1", NULL), *d2 = g_build_filename (tmp, "j2", NULL);
  XpBenchRunOptions o1 = { 1, FALSE }, o2 = { 2, FALSE };
  XpBenchRunStats st;
  ck_assert_msg (xp_bench_run (p, d1, &o1, &st, &error), "%s", error ? error->message : "");
  /* 2 policies × 2 toolstacks × 2 seeds */
  ck_assert_uint_eq (st.total, 8);
  ck_assert_uint_eq (st.executed, 8);
  ck_assert_uint_eq (st.skipped, 0);
  ck_assert_msg (xp_bench_run (p, d2, &o2, &st, &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (st.executed, 8);

  /* the thread count changes nothing: byte-identical summaries and runs */
  g_autofree char *s1 = g_build_filename (d1, "summary.json", NULL), *s2 = g_build_filename (d2, "summary.json", NULL);
  g_autofree char *t1 = read_text (s1), *t2 = read_text (s2);
  ck_assert_str_eq (t1, t2);
  const XpBenchRun *r5 = p->runs->pdata[5];
  g_autofree char *f1 = xp_bench_run_path (d1, r5), *f2 = xp_bench_run_path (d2, r5);
  g_autofree char *x1 = read_text (f1), *x2 = read_text (f2);
  ck_assert_str_eq (x1, x2);
  /* wall time stays out of the deterministic files */
  ck_assert (!strstr (t1, "wall"));
  g_autofree char *timing_path = g_build_filename (d1, "timing.tsv", NULL);
  g_autofree char *timing = read_text (timing_path);
  g_auto (GStrv) tl = g_strsplit (timing, "\n", -1);
  ck_assert_uint_eq (g_strv_length (tl), 10);   /* header, 8 runs, empty tail */

  /* resume: everything done → nothing runs */
  ck_assert (xp_bench_run (p, d1, &o2, &st, &error));
  ck_assert_uint_eq (st.executed, 0);
  ck_assert_uint_eq (st.skipped, 8);
  /* one file deleted, one truncated, one of the wrong seed → 3 re-run */
  const XpBenchRun *r0 = p->runs->pdata[0], *r1 = p->runs->pdata[1], *r2 = p->runs->pdata[2];
  g_autofree char *p0 = xp_bench_run_path (d1, r0), *p1 = xp_bench_run_path (d1, r1), *p2 = xp_bench_run_path (d1, r2);
  g_unlink (p0);
  ck_assert (g_file_set_contents (p1, "{\"schema\": \"xenplace-res", -1, NULL));
  /* run 1 is seed 2, run 2 expects seed 1 */
  g_autofree char *q1 = xp_bench_run_path (d2, r1);
  g_autofree char *other = read_text (q1);
  ck_assert (g_file_set_contents (p2, other, -1, NULL));
  ck_assert (xp_bench_run (p, d1, &o2, &st, &error));
  ck_assert_uint_eq (st.skipped, 5);
  ck_assert_uint_eq (st.executed, 3);
  g_autofree char *t3 = read_text (s1);
  ck_assert_str_eq (t1, t3);
  /* the timing rows of the skipped runs are kept */
  g_autofree char *timing2 = read_text (timing_path);
  g_auto (GStrv) tl2 = g_strsplit (timing2, "\n", -1);
  ck_assert_uint_eq (g_strv_length (tl2), 10);

  /* merge alone rebuilds the same summary */
  g_unlink (s1);
  ck_assert (xp_bench_merge (d1, NULL, &error));
  g_autofree char *t4 = read_text (s1);
  ck_assert_str_eq (t1, t4);
  xp_test_rmtree (tmp);
}
END_TEST

/* Scenarios @old_text and @new_text (written as TMP/old.ini and
 * TMP/new.ini) and their plans, whose first runs have the same name. */
static void
old_new_plans (const char *tmp, const char *old_text, const char *new_text, XpScenario **s_old, XpScenario **s_new,
               XpBenchPlan **p_old, XpBenchPlan **p_new)
{
  g_autofree char *path_old = xp_test_write (tmp, "old.ini", old_text);
  g_autofree char *path_new = xp_test_write (tmp, "new.ini", new_text);
  g_autoptr (GError) error = NULL;
  *s_old = xp_scenario_load (path_old, &error);
  *s_new = xp_scenario_load (path_new, &error);
  ck_assert_msg (*s_old && *s_new, "%s", error ? error->message : "");
  *p_old = xp_bench_plan_new (*s_old, &error);
  *p_new = xp_bench_plan_new (*s_new, &error);
  ck_assert (*p_old && *p_new);
  ck_assert_str_eq (((XpBenchRun *) (*p_old)->runs->pdata[0])->name, ((XpBenchRun *) (*p_new)->runs->pdata[0])->name);
}

/* @resumed holds @p_new's one run made under other inputs: resume re-runs
 * it (its file then contains @needle), the summary is that of a fresh run
 * into @fresh, and a second resume finds it done. */
static void
assert_resume_reruns (XpBenchPlan *p_new, const char *resumed, const char *fresh, const char *run_path,
                      const char *needle)
{
  g_autoptr (GError) error = NULL;
  XpBenchRunOptions o = { 1, FALSE };
  XpBenchRunStats st;
  ck_assert_msg (xp_bench_run (p_new, resumed, &o, &st, &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (st.executed, 1);
  ck_assert_uint_eq (st.skipped, 0);
  ck_assert_msg (xp_bench_run (p_new, fresh, &o, &st, &error), "%s", error ? error->message : "");
  g_autofree char *sum_r = g_build_filename (resumed, "summary.json", NULL);
  g_autofree char *sum_f = g_build_filename (fresh, "summary.json", NULL);
  g_autofree char *tr = read_text (sum_r), *tf = read_text (sum_f);
  ck_assert_str_eq (tr, tf);
  g_autofree char *new_text = read_text (run_path);
  ck_assert_ptr_nonnull (strstr (new_text, needle));
  ck_assert (xp_bench_run (p_new, resumed, &o, &st, &error));
  ck_assert_uint_eq (st.executed, 0);
  ck_assert_uint_eq (st.skipped, 1);
}

/* Policy parameters from a [policy.NAME] group are no part of a run's
 * name: a results file made before the group changed is the run of
 * another policy spec. Resume re-runs it, so the resumed directory's
 * summary is a fresh run's; merge and manifest --pending do not take it
 * for done either. (Resume used to skip it: matrix.json named the new
 * spec while the summary held the old one's results, e.g. xenopsd
 * best_effort's under mode=any.) */
START_TEST (test_run_resume_policy_params)
{
  g_autofree char *tmp = xp_test_tmpdir ();
  g_autofree char *trace = xp_test_srcpath ("tests/data/bench/tiny.csv");
  g_autofree char *head = g_strdup_printf ("[scenario]\nname = p\nseeds = 1\npolicies = xenopsd\n"
                                           "topologies = generic-2n\ntraces = %s\n", trace);
  g_autofree char *any = g_strconcat (head, "[policy.xenopsd]\nmode = any\n", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (XpScenario) s_old = NULL, s_new = NULL;
  g_autoptr (XpBenchPlan) p_old = NULL, p_new = NULL;
  old_new_plans (tmp, head, any, &s_old, &s_new, &p_old, &p_new);
  const XpBenchRun *r_old = p_old->runs->pdata[0], *r_new = p_new->runs->pdata[0];
  ck_assert_str_eq (r_new->policy_spec, "xenopsd:mode=any");

  g_autofree char *resumed = g_build_filename (tmp, "resumed", NULL), *fresh = g_build_filename (tmp, "fresh", NULL);
  XpBenchRunOptions o = { 1, FALSE };
  XpBenchRunStats st;
  ck_assert_msg (xp_bench_run (p_old, resumed, &o, &st, &error), "%s", error ? error->message : "");
  g_autofree char *run_path = xp_bench_run_path (resumed, r_old);
  g_autofree char *old_text = read_text (run_path);

  /* merge of the old file under the new spec's matrix: refused, naming both */
  g_autofree char *matrix = g_build_filename (resumed, "matrix.json", NULL);
  ck_assert (xp_bench_plan_write (p_new, matrix, &error));
  ck_assert (!xp_bench_merge (resumed, NULL, &error));
  xp_assert_error_contains (error, "run.policy: 'xenopsd', expected 'xenopsd:mode=any'");
  g_clear_error (&error);

  /* resume re-runs it, the summary is the fresh one's, and then it is done */
  assert_resume_reruns (p_new, resumed, fresh, run_path, "\"policy\" : \"xenopsd:mode=any\"");
  g_autofree char *new_text = read_text (run_path);
  ck_assert_str_ne (old_text, new_text);
  xp_test_rmtree (tmp);
}
END_TEST

static gboolean run_shell (const char *cmd, char **out);

/* Xen model parameters (xen_params, --xen-param) are no part of a run's
 * name either: the results file records them all (run.xen_params), resume
 * re-runs a file made with other ones, merge refuses it naming both, and
 * manifest --pending lists it. A file written before they were recorded
 * counts as made with the defaults and its run.scrub_bytes_per_sec. (Resume
 * used to keep it: the summary held the old parameters' results.) */
START_TEST (test_run_resume_xen_params)
{
  g_autofree char *tmp = xp_test_tmpdir ();
  g_autofree char *trace = xp_test_srcpath ("tests/data/bench/tiny.csv");
  g_autofree char *head = g_strdup_printf ("[scenario]\nname = x\nseeds = 1\npolicies = xenopsd\n"
                                           "topologies = generic-2n\ntraces = %s\n", trace);
  g_autofree char *slow = g_strconcat (head, "xen_params = scrub_rate=1GiB;dom0_vcpus=4\n", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (XpScenario) s_old = NULL, s_new = NULL;
  g_autoptr (XpBenchPlan) p_old = NULL, p_new = NULL;
  old_new_plans (tmp, head, slow, &s_old, &s_new, &p_old, &p_new);
  g_autofree char *path_new = g_build_filename (tmp, "new.ini", NULL);
  const XpBenchRun *r_old = p_old->runs->pdata[0], *r_new = p_new->runs->pdata[0];

  g_autofree char *resumed = g_build_filename (tmp, "resumed", NULL), *fresh = g_build_filename (tmp, "fresh", NULL);
  XpBenchRunOptions o = { 1, FALSE };
  XpBenchRunStats st;
  ck_assert_msg (xp_bench_run (p_old, resumed, &o, &st, &error), "%s", error ? error->message : "");
  g_autofree char *run_path = xp_bench_run_path (resumed, r_old);
  g_autofree char *old_text = read_text (run_path);
  /* every parameter, defaults included, in a fixed order */
  ck_assert_msg (strstr (old_text, "\"xen_params\" : {\n   \"scrub_rate\" : 4294967296,\n   \"dma_bits\" : 0,\n"
                                   "   \"dom0_mem\" : 4294967296,\n   \"dom0_vcpus\" : 8,\n   \"boot_dirty\" : 0,\n"
                                   "   \"xen_pages_per_node\" : \"auto\",\n   \"max_order\" : 18,\n"
                                   "   \"mmio_hole\" : 1073741824\n  }"), "%s", old_text);

  /* merge of the old file under the new matrix: refused, naming both */
  g_autofree char *matrix = g_build_filename (resumed, "matrix.json", NULL);
  ck_assert (xp_bench_plan_write (p_new, matrix, &error));
  ck_assert (!xp_bench_merge (resumed, NULL, &error));
  xp_assert_error_contains (error, "run.xen_params: scrub_rate=4294967296,dom0_vcpus=8, "
                                   "expected scrub_rate=1073741824,dom0_vcpus=4");
  g_clear_error (&error);

  /* manifest --pending lists it */
  const char *builddir = g_getenv ("XP_BUILDDIR");
  g_autofree char *xenplace = g_build_filename (builddir ? builddir : ".", "xenplace", NULL);
  ck_assert_msg (g_file_test (xenplace, G_FILE_TEST_IS_EXECUTABLE), "%s is not built", xenplace);
  g_autofree char *q_x = g_shell_quote (xenplace), *q_s = g_shell_quote (path_new), *q_d = g_shell_quote (resumed);
  g_autofree char *cmd = g_strdup_printf ("%s bench manifest %s -o %s --pending", q_x, q_s, q_d);
  g_autofree char *out = NULL;
  ck_assert (run_shell (cmd, &out));
  ck_assert_msg (strstr (out, r_new->name) && strstr (out, "--xen-param scrub_rate=1GiB"), "%s", out);

  /* a file from before run.xen_params: the defaults and its scrub rate */
  g_autofree char *legacy_slow = g_strdup ("{\"schema\": \"xenplace-results\", \"schema_version\": 1, \"run\": "
                                           "{\"policy\": \"xenopsd\", \"seed\": 1, \"scrub_bytes_per_sec\": 1073741824},"
                                           " \"summary\": {\"spread\": 0}}");
  ck_assert (g_file_set_contents (run_path, legacy_slow, -1, NULL));
  ck_assert (!xp_bench_merge (resumed, NULL, &error));   /* dom0_vcpus is not the default */
  xp_assert_error_contains (error, "run.xen_params: dom0_vcpus=8, expected dom0_vcpus=4");
  g_clear_error (&error);
  ck_assert (xp_bench_plan_write (p_old, matrix, &error));
  ck_assert (!xp_bench_merge (resumed, NULL, &error));   /* the scrub rate is not the default */
  xp_assert_error_contains (error, "run.xen_params: scrub_rate=1073741824, expected scrub_rate=4294967296");
  g_clear_error (&error);
  g_autofree char *legacy = g_strdup ("{\"schema\": \"xenplace-results\", \"schema_version\": 1, \"run\": "
                                      "{\"policy\": \"xenopsd\", \"seed\": 1, \"scrub_bytes_per_sec\": 4294967296},"
                                      " \"summary\": {\"spread\": 0}}");
  ck_assert (g_file_set_contents (run_path, legacy, -1, NULL));
  ck_assert_msg (xp_bench_merge (resumed, NULL, &error), "%s", error ? error->message : "");
  ck_assert (g_file_set_contents (run_path, old_text, -1, NULL));

  /* resume re-runs it, the summary is the fresh one's, and then it is done */
  assert_resume_reruns (p_new, resumed, fresh, run_path, "\"scrub_rate\" : 1073741824");
  xp_test_rmtree (tmp);
}
END_TEST

/* A run's results file names its inputs as the scenario does, so the same
 * scenario in two places (two checkouts, two CI machines) gives the same
 * files byte for byte. */
START_TEST (test_run_files_location_free)
{
  g_autofree char *tmp = xp_test_tmpdir ();
  g_autofree char *src = xp_test_srcpath ("tests/data/bench/tiny.csv");
  g_autofree char *trace_text = read_text (src);
  g_autofree char *topo_src = xp_test_srcpath ("topologies/generic-2n.ini");
  g_autofree char *topo_text = read_text (topo_src);
  char *texts[2];
  for (guint k = 0; k < 2; k++)
    {
      g_autofree char *dir = g_build_filename (tmp, k ? "b/deeper" : "a", NULL);
      g_autofree char *inputs = g_build_filename (dir, "in", NULL);
      ck_assert_int_eq (g_mkdir_with_parents (inputs, 0755), 0);
      g_free (xp_test_write (inputs, "tiny.csv", trace_text));
      g_free (xp_test_write (inputs, "host.ini", topo_text));
      g_autofree char *path = xp_test_write (dir, "s.ini",
                                             "[scenario]\nname = s\nseeds = 1\npolicies = first-fit\n"
                                             "topologies = in/host.ini\ntraces = in/tiny.csv\n");
      g_autoptr (GError) error = NULL;
      g_autoptr (XpScenario) sc = xp_scenario_load (path, &error);
      ck_assert_msg (sc != NULL, "%s", error ? error->message : "");
      g_autoptr (XpBenchPlan) p = xp_bench_plan_new (sc, &error);
      ck_assert (p != NULL);
      ck_assert_uint_eq (p->runs->len, 1);
      g_autofree char *out = g_build_filename (dir, "out", NULL);
      XpBenchRunOptions o = { 1, FALSE };
      XpBenchRunStats st;
      ck_assert_msg (xp_bench_run (p, out, &o, &st, &error), "%s", error ? error->message : "");
      g_autofree char *run_path = xp_bench_run_path (out, p->runs->pdata[0]);
      texts[k] = read_text (run_path);
    }
  ck_assert_str_eq (texts[0], texts[1]);
  ck_assert_ptr_nonnull (strstr (texts[0], "\"topology\" : \"in/host.ini\",\n"));
  ck_assert_ptr_nonnull (strstr (texts[0], "\"trace\" : \"in/tiny.csv\",\n"));
  g_free (texts[0]);
  g_free (texts[1]);
  xp_test_rmtree (tmp);
}
END_TEST

/* Names of the VMs in a results file's "vms" rows, comma-separated. */
static char *
vm_names (const char *path)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  ck_assert (json_parser_load_from_file (parser, path, NULL));
  JsonArray *vms = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "vms");
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (vms); i++)
    g_string_append_printf (out, "%s%s", i ? "," : "",
                            json_object_get_string_member (json_array_get_object_element (vms, i), "name"));
  return g_string_free (out, FALSE);
}

/* bench run --max-vms / --max-seeds: every configuration, fewer VMs and
 * seeds, and the reduction written where a reader would look. */
START_TEST (test_run_reduced)
{
  g_autofree char *tmp = xp_test_tmpdir ();
  /* four VMs: a, b (lifetime 5 s: stops at 6), a again (a new VM reusing
   * the name after its stop at 2), c; toolstack restarts at 4 and 20 */
  g_free (xp_test_write (tmp, "t.csv", "time,event,vm,vcpus,memory_mib,lifetime\n"
                                       "0,start,a,1,512,\n1,start,b,1,512,5\n2,stop,a,,,\n3,start,a,1,512,\n"
                                       "4,toolstack_restart,,,,\n10,start,c,1,512,\n20,toolstack_restart,,,,\n"));
  g_autofree char *path = xp_test_write (tmp, "s.ini", "[scenario]\nseeds = 1-3\npolicies = first-fit;best-fit\n"
                                                       "topologies = generic-2n\ntraces = t.csv\ntoolstacks = xl\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (XpScenario) s = xp_scenario_load (path, &error);
  ck_assert_msg (s != NULL, "%s", error ? error->message : "");
  g_autoptr (XpBenchPlan) full = xp_bench_plan_new (s, &error);
  g_autoptr (XpBenchPlan) p = xp_bench_plan_new (s, &error);
  /* 2 configurations × seeds 1-3 = 6 runs; the first 2 seeds of each: 4 */
  ck_assert_uint_eq (p->runs->len, 6);
  xp_bench_plan_reduce (p, 2, 2);
  ck_assert_uint_eq (p->configs->len, 2);
  ck_assert_uint_eq (p->runs->len, 4);
  ck_assert_uint_eq (((XpBenchRun *) p->runs->pdata[1])->seed, 2);
  ck_assert_uint_eq (((XpBenchRun *) p->runs->pdata[2])->config, 1);

  g_autofree char *dir = g_build_filename (tmp, "out", NULL);
  XpBenchRunOptions o = { 2, FALSE };
  XpBenchRunStats st;
  ck_assert_msg (xp_bench_run (p, dir, &o, &st, &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (st.executed, 4);
  /* the first two VMs only: a and b (the second a and c are cut) */
  g_autofree char *r0 = xp_bench_run_path (dir, p->runs->pdata[0]);
  g_autofree char *names = vm_names (r0);
  ck_assert_str_eq (names, "a,b");
  g_autofree char *text = read_text (r0);
  ck_assert_msg (strstr (text, "\"reduced\" : {\n   \"max_vms\" : 2,\n   \"trace_vms\" : 4\n  }"), "%s", text);
  g_autofree char *sp = g_build_filename (dir, "summary.json", NULL);
  g_autofree char *mp = g_build_filename (dir, "matrix.json", NULL);
  g_autofree char *sum = read_text (sp), *mat = read_text (mp);
  ck_assert (strstr (sum, "\"reduced\" : {\n  \"max_vms\" : 2,\n  \"max_seeds\" : 2\n }"));
  ck_assert (strstr (mat, "\"reduced\" : {\n  \"max_vms\" : 2,\n  \"max_seeds\" : 2\n }"));
  g_autoptr (XpSummary) rs = xp_summary_load (dir, &error);
  ck_assert (rs && rs->max_vms == 2 && rs->max_seeds == 2);

  /* a reduced run file is no full run: not read as one, re-run by a full plan */
  ck_assert (!xp_bench_read_run (r0, NULL, NULL, NULL, &error));
  g_autofree char *expect = g_strdup_printf ("%s: run.reduced: a run reduced to 2 VMs per trace, expected a full one", r0);
  xp_assert_error_contains (error, expect);
  g_clear_error (&error);
  ck_assert_msg (xp_bench_run (full, dir, &o, &st, &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (st.executed, 6);
  ck_assert_uint_eq (st.skipped, 0);
  g_autofree char *all = vm_names (r0);
  ck_assert_str_eq (all, "a,b,a,c");
  g_autoptr (XpSummary) fs = xp_summary_load (dir, &error);
  ck_assert (fs && fs->max_vms == 0 && fs->max_seeds == 0);
  g_autofree char *sum2 = read_text (sp);
  ck_assert (!strstr (sum2, "reduced"));
  /* and the other way round: a full run file is no reduced run */
  ck_assert_msg (xp_bench_run (p, dir, &o, &st, &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (st.executed, 4);

  /* a limit above the trace's 4 VMs cuts nothing, not even the last restart:
   * the same metrics as the full run */
  g_autoptr (XpBenchPlan) p10 = xp_bench_plan_new (s, &error);
  xp_bench_plan_reduce (p10, 10, 0);
  g_autofree char *dir10 = g_build_filename (tmp, "out10", NULL);
  ck_assert_msg (xp_bench_run (p10, dir10, &o, &st, &error), "%s", error ? error->message : "");
  g_autofree char *dirf = g_build_filename (tmp, "full", NULL);
  ck_assert_msg (xp_bench_run (full, dirf, &o, &st, &error), "%s", error ? error->message : "");
  g_autofree char *f0 = xp_bench_run_path (dirf, full->runs->pdata[0]);
  g_autofree char *f10 = xp_bench_run_path (dir10, p10->runs->pdata[0]);
  g_autoptr (GPtrArray) n_full = g_ptr_array_new_with_free_func (g_free), n_10 = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) v_full = g_array_new (FALSE, FALSE, sizeof (double)), v_10 = g_array_new (FALSE, FALSE, sizeof (double));
  ck_assert (xp_bench_read_run_reduced (f0, NULL, 0, n_full, v_full, &error));
  ck_assert_msg (xp_bench_read_run_reduced (f10, NULL, 10, n_10, v_10, &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (n_full->len, n_10->len);
  for (guint i = 0; i < n_full->len; i++)
    {
      ck_assert_str_eq (n_full->pdata[i], n_10->pdata[i]);
      ck_assert_msg (g_array_index (v_full, double, i) == g_array_index (v_10, double, i), "%s differs",
                     (char *) n_full->pdata[i]);
    }

  /* compare refuses a reduced summary against a full one */
  g_autoptr (XpCompareResult) r = xp_bench_compare (fs, rs, NULL, -1, NULL, NULL, &error);
  ck_assert (r == NULL);
  xp_assert_error_contains (error, "the baseline is a full run and the current summary reduced (max_vms 2, max_seeds 2)");
  xp_test_rmtree (tmp);
}
END_TEST

START_TEST (test_run_bad_input)
{
  g_autofree char *tmp = xp_test_tmpdir ();
  g_autofree char *path = xp_test_write (tmp, "s.ini",
                                         "[scenario]\npolicies = first-fit\ntopologies = generic-2n\n"
                                         "traces = missing.csv\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (XpScenario) s = xp_scenario_load (path, &error);
  ck_assert (s != NULL);
  g_autoptr (XpBenchPlan) p = xp_bench_plan_new (s, &error);
  g_autofree char *out = g_build_filename (tmp, "out", NULL);
  XpBenchRunOptions o = { 1, FALSE };
  ck_assert (!xp_bench_run (p, out, &o, NULL, &error));
  /* the trace is named with the scenario line that lists it */
  g_autofree char *expect = g_strdup_printf ("%s:4: traces: 'missing.csv': ", path);
  xp_assert_error_contains (error, expect);
  /* bad input changes nothing: no bench directory is left behind */
  ck_assert_msg (!g_file_test (out, G_FILE_TEST_EXISTS), "a bench directory was created for a scenario that does not load");

  /* nor is an existing one touched: its matrix.json still describes the
   * runs it holds, and it still merges */
  g_free (xp_test_write (tmp, "t.csv", "time,event,vm,vcpus,memory_mib\n0,start,a,1,1024\n"));
  g_autofree char *good = xp_test_write (tmp, "good.ini",
                                         "[scenario]\nname = same\npolicies = first-fit\ntopologies = generic-2n\n"
                                         "traces = t.csv\n");
  g_autofree char *bad = xp_test_write (tmp, "bad.ini",
                                        "[scenario]\nname = same\npolicies = first-fit\ntopologies = nosuch\n"
                                        "traces = t.csv\n");
  g_autoptr (XpScenario) gs = xp_scenario_load (good, &error);
  ck_assert (gs != NULL);
  g_autoptr (XpBenchPlan) gp = xp_bench_plan_new (gs, &error);
  ck_assert (gp != NULL);
  ck_assert (xp_bench_run (gp, out, &o, NULL, &error));
  g_autofree char *mpath = g_build_filename (out, "matrix.json", NULL);
  g_autofree char *before = read_text (mpath);
  g_autoptr (XpScenario) bs = xp_scenario_load (bad, &error);
  ck_assert (bs != NULL);
  g_autoptr (XpBenchPlan) bp = xp_bench_plan_new (bs, &error);
  ck_assert (bp != NULL);
  g_clear_error (&error);
  ck_assert (!xp_bench_run (bp, out, &o, NULL, &error));
  xp_assert_error_contains (error, "topologies: 'nosuch'");
  g_autofree char *after = read_text (mpath);
  ck_assert_str_eq (after, before);
  g_autoptr (XpSummary) sum = NULL;
  g_clear_error (&error);
  ck_assert_msg (xp_bench_merge (out, &sum, &error), "%s", error ? error->message : "");
  xp_test_rmtree (tmp);
}
END_TEST

static gboolean
run_shell (const char *cmd, char **out)
{
  g_autoptr (GError) error = NULL;
  gint status;
  g_autofree char *err = NULL;
  const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
  if (!g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, out, &err, &status, &error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      fprintf (stderr, "%s: %s\n", cmd, err ? err : "");
      return FALSE;
    }
  return TRUE;
}

START_TEST (test_manifest_parallel)
{
  g_autofree char *parallel = g_find_program_in_path ("parallel");
  const char *builddir = g_getenv ("XP_BUILDDIR");
  if (!parallel || !builddir)
    {
      fprintf (stderr, "bench: manifest + GNU parallel test skipped (%s)\n", parallel ? "no XP_BUILDDIR" : "no parallel");
      return;
    }
  g_autofree char *tmp = xp_test_tmpdir ();
  g_autoptr (XpScenario) s = NULL;
  g_autoptr (XpBenchPlan) p = small_plan (tmp, &s);
  g_autoptr (GError) error = NULL;
  g_autofree char *direct = g_build_filename (tmp, "direct", NULL), *dist = g_build_filename (tmp, "dist", NULL);
  XpBenchRunOptions o = { 2, FALSE };
  ck_assert (xp_bench_run (p, direct, &o, NULL, &error));

  /* manifest → GNU parallel → merge, through the real command line */
  g_autofree char *xenplace = g_build_filename (builddir, "xenplace", NULL);
  g_autofree char *scen = g_build_filename (tmp, "small.ini", NULL);
  g_autofree char *q_x = g_shell_quote (xenplace), *q_s = g_shell_quote (scen), *q_d = g_shell_quote (dist);
  g_mkdir_with_parents (dist, 0755);
  g_autofree char *cmd = g_strdup_printf ("%s bench manifest %s -o %s --xenplace %s > %s/manifest.txt && "
                                          "parallel --will-cite --halt now,fail=1 -j 3 < %s/manifest.txt && "
                                          "%s bench merge -q %s",
                                          q_x, q_s, q_d, q_x, q_d, q_d, q_x, q_d);
  ck_assert_msg (run_shell (cmd, NULL), "%s failed", cmd);
  g_autofree char *mf = g_build_filename (dist, "manifest.txt", NULL);
  g_autofree char *manifest = read_text (mf);
  g_auto (GStrv) lines = g_strsplit (manifest, "\n", -1);
  ck_assert_uint_eq (g_strv_length (lines), 9);   /* 8 runs */
  g_autofree char *a = g_build_filename (direct, "summary.json", NULL), *b = g_build_filename (dist, "summary.json", NULL);
  g_autofree char *ta = read_text (a), *tb = read_text (b);
  ck_assert_str_eq (ta, tb);
  /* and so are the runs' results files: the manifest names the inputs as
   * bench run does (--results-topology, --results-trace) */
  for (guint i = 0; i < p->runs->len; i++)
    {
      g_autofree char *fa = xp_bench_run_path (direct, p->runs->pdata[i]);
      g_autofree char *fb = xp_bench_run_path (dist, p->runs->pdata[i]);
      g_autofree char *ra = read_text (fa), *rb = read_text (fb);
      ck_assert_str_eq (ra, rb);
    }

  /* --pending lists only what is left */
  const XpBenchRun *r = p->runs->pdata[6];
  g_autofree char *rp = xp_bench_run_path (dist, r);
  g_unlink (rp);
  g_autofree char *out = NULL;
  g_autofree char *cmd2 = g_strdup_printf ("%s bench manifest %s -o %s --xenplace %s --pending", q_x, q_s, q_d, q_x);
  ck_assert (run_shell (cmd2, &out));
  g_auto (GStrv) pl = g_strsplit (out, "\n", -1);
  ck_assert_uint_eq (g_strv_length (pl), 2);
  ck_assert (strstr (pl[0], r->name));
  xp_test_rmtree (tmp);
}
END_TEST

/* ---- plugins in scenarios ------------------------------------------------- */

/* Copy the built module @name to DIR/plugins/AS, with @extra bytes
 * appended (a different build: other bytes, the same code). */
static void
copy_plugin (const char *dir, const char *name, const char *as, const char *extra)
{
  g_autofree char *src = xp_test_plugin_path (name);
  g_autofree char *data = NULL;
  gsize len = 0;
  ck_assert_msg (g_file_get_contents (src, &data, &len, NULL), "cannot read %s (built by make check)", src);
  g_autofree char *pdir = g_build_filename (dir, "plugins", NULL);
  g_mkdir_with_parents (pdir, 0755);
  g_autofree char *dst = g_build_filename (pdir, as, NULL);
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_byte_array_append (b, (const guint8 *) data, (guint) len);
  if (extra)
    g_byte_array_append (b, (const guint8 *) extra, (guint) strlen (extra));
  ck_assert (g_file_set_contents (dst, (const char *) b->data, b->len, NULL));
}

/* DIR/plugins/example.so, DIR/tiny.csv and DIR/sc/NAME with @policies and
 * @extra (groups) after a [scenario] of seeds 1-2, generic-2n, both
 * toolstacks. The plugin and the trace are named relative to the scenario. */
static char *
write_plugin_scenario (const char *dir, const char *name, const char *policies, const char *extra)
{
  copy_plugin (dir, "example", "example.so", NULL);
  g_autofree char *src = xp_test_srcpath ("tests/data/bench/tiny.csv");
  g_autofree char *trace = read_text (src);
  g_free (xp_test_write (dir, "tiny.csv", trace));
  g_autofree char *sc = g_build_filename (dir, "sc", NULL);
  g_mkdir_with_parents (sc, 0755);
  g_autofree char *text = g_strdup_printf ("[scenario]\nname = pl\nseeds = 1-2\npolicies = %s\n"
                                           "topologies = generic-2n\ntraces = ../tiny.csv\ntoolstacks = xenopsd;xl\n%s",
                                           policies, extra ? extra : "");
  return xp_test_write (sc, name, text);
}

#define PLUGIN_POLICIES "first-fit;../plugins/example.so;../plugins/example.so:start=1"

/* A plugin in a scenario's policies: "FILE.so[:key=value,...]", the file
 * relative to the scenario, parameters from the entry and from the group
 * [policy.NAME] of the plugin's policy name. Run names and labels come from
 * the entry as written, so they do not depend on where the scenario lies
 * and differ per plugin and per parameter set. */
START_TEST (test_scenario_plugin)
{
  char *names[2] = { NULL, NULL };
  g_autofree char *tmp = xp_test_tmpdir ();
  for (guint k = 0; k < 2; k++)
    {
      g_autofree char *dir = g_build_filename (tmp, k ? "b/deeper" : "a", NULL);
      g_autofree char *path = write_plugin_scenario (dir, "s.ini", PLUGIN_POLICIES,
                                                     "[policy.example-round-robin]\nstart = 0\n");
      g_autoptr (GError) error = NULL;
      g_autoptr (XpScenario) s = xp_scenario_load (path, &error);
      ck_assert_msg (s != NULL, "%s", error ? error->message : "");
      const XpScenarioPlugin *pl = xp_scenario_plugin (s, "../plugins/example.so:start=1");
      ck_assert_ptr_nonnull (pl);
      ck_assert_str_eq (pl->name, "example-round-robin");
      g_autofree char *want_path = g_build_filename (dir, "plugins", "example.so", NULL);
      g_autofree char *want = g_canonicalize_filename (want_path, NULL);
      ck_assert_str_eq (pl->path, want);
      ck_assert_uint_eq (strlen (pl->sha256), 64);
      ck_assert_ptr_null (xp_scenario_plugin (s, "first-fit"));
      g_autoptr (XpBenchPlan) p = xp_bench_plan_new (s, &error);
      ck_assert (p != NULL);
      ck_assert_uint_eq (p->configs->len, 6);
      /* the group's start=0 applies where the entry gives none */
      const XpBenchRun *r2 = p->runs->pdata[4], *r4 = p->runs->pdata[8];
      ck_assert_str_eq (r2->policy_spec, "../plugins/example.so:start=0");
      ck_assert_str_eq (r4->policy_spec, "../plugins/example.so:start=1");
      ck_assert_str_eq (r2->policy_plugin, want);
      ck_assert_str_eq (r2->policy_plugin_name, "example-round-robin");
      ck_assert_str_eq (r2->plugin_sha256, pl->sha256);
      ck_assert_ptr_null (((XpBenchRun *) p->runs->pdata[0])->policy_plugin);
      GString *all = g_string_new (NULL);
      for (guint i = 0; i < p->configs->len; i++)
        {
          const XpBenchConfig *c = p->configs->pdata[i];
          g_string_append_printf (all, "%s|%s\n", c->id, c->label);
        }
      names[k] = g_string_free (all, FALSE);
    }
  ck_assert_str_eq (names[0], names[1]);
  ck_assert_str_eq (names[0],
                    "first-fit__generic-2n__tiny__xenopsd__xen4.17__nc-off|first-fit xenopsd\n"
                    "first-fit__generic-2n__tiny__xl__xen4.17__nc-off|first-fit xl\n"
                    "plugins-example.so__generic-2n__tiny__xenopsd__xen4.17__nc-off|../plugins/example.so xenopsd\n"
                    "plugins-example.so__generic-2n__tiny__xl__xen4.17__nc-off|../plugins/example.so xl\n"
                    "plugins-example.so-start=1__generic-2n__tiny__xenopsd__xen4.17__nc-off|../plugins/example.so:start=1 xenopsd\n"
                    "plugins-example.so-start=1__generic-2n__tiny__xl__xen4.17__nc-off|../plugins/example.so:start=1 xl\n");
  g_free (names[0]);
  g_free (names[1]);
  xp_test_rmtree (tmp);
}
END_TEST

/* A plugin that is missing, not a shared object, without the entry
 * symbol, or given a parameter it does not take, in the entry or in its
 * group: the scenario does not load, one error naming the file, the line
 * and the key, and bench run writes nothing. */
START_TEST (test_scenario_plugin_errors)
{
  g_autofree char *tmp = xp_test_tmpdir ();
  copy_plugin (tmp, "example_noentry", "noentry.so", NULL);
  g_autofree char *pdir = g_build_filename (tmp, "plugins", NULL);
  g_free (xp_test_write (pdir, "junk.so", "not an ELF file\n"));
  struct {
    const char *policies, *extra, *expect;
  } cases[] = {
    { "first-fit;../plugins/nosuch.so", NULL, "plugins/nosuch.so: cannot load plugin: no such file" },
    { "first-fit;../plugins/junk.so", NULL, "plugins/junk.so: cannot load plugin:" },
    { "first-fit;../plugins/noentry.so", NULL, "plugins/noentry.so: not a xenplace policy plugin: no symbol 'xenplace_policy_entry'" },
    { "first-fit;../plugins/example.so:strat=1", NULL,
      "policy 'example-round-robin': unknown parameter 'strat' (valid parameters: start)" },
    { "first-fit;../plugins/example.so", "[policy.example-round-robin]\nstrat = 1\n",
      "policy spec '../plugins/example.so:strat=1': policy 'example-round-robin': unknown parameter 'strat'" },
  };
  g_autofree char *xenplace = NULL;
  if (g_getenv ("XP_BUILDDIR"))
    xenplace = g_build_filename (g_getenv ("XP_BUILDDIR"), "xenplace", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_plugin_scenario (tmp, "bad.ini", cases[i].policies, cases[i].extra);
      g_autoptr (GError) error = NULL;
      g_autoptr (XpScenario) s = xp_scenario_load (path, &error);
      ck_assert_msg (s == NULL, "case %u loaded", i);
      g_autofree char *head = g_strdup_printf ("%s:4: policies: '", path);
      ck_assert_msg (g_str_has_prefix (error->message, head), "case %u: %s", i, error->message);
      xp_assert_error_contains (error, cases[i].expect);
      if (!xenplace)
        continue;
      /* through the command line: exit 2, one line, no directory */
      g_autofree char *out = g_build_filename (tmp, "out", NULL);
      const char *argv[] = { xenplace, "bench", "run", path, "-o", out, NULL };
      g_autofree char *so = NULL, *se = NULL;
      gint status = 0;
      ck_assert (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &so, &se, &status, NULL));
      ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 2, "case %u: %s", i, se);
      ck_assert_msg (strstr (se, cases[i].expect) && strchr (se, '\n') == se + strlen (se) - 1, "case %u: %s", i, se);
      ck_assert_msg (!g_file_test (out, G_FILE_TEST_EXISTS), "case %u: a bench directory was written", i);
    }
  xp_test_rmtree (tmp);
}
END_TEST

static void
assert_same_file (const char *a, const char *b)
{
  g_autofree char *ta = read_text (a), *tb = read_text (b);
  ck_assert_msg (strcmp (ta, tb) == 0, "%s and %s differ", a, b);
}

/* A plugin's runs: -j 1 and -j 2 give the same bytes; the results file
 * records the plugin; resume skips them, and re-runs them after the
 * plugin's parameters or its build changed; merge refuses a file of
 * another build. */
START_TEST (test_run_plugin)
{
  g_autofree char *tmp = xp_test_tmpdir ();
  g_autofree char *path = write_plugin_scenario (tmp, "s.ini", PLUGIN_POLICIES, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (XpScenario) s = xp_scenario_load (path, &error);
  ck_assert_msg (s != NULL, "%s", error ? error->message : "");
  g_autoptr (XpBenchPlan) p = xp_bench_plan_new (s, &error);
  g_autofree char *d1 = g_build_filename (tmp, "j1", NULL), *d2 = g_build_filename (tmp, "j2", NULL);
  XpBenchRunOptions o1 = { 1, FALSE }, o2 = { 2, FALSE };
  XpBenchRunStats st;
  ck_assert_msg (xp_bench_run (p, d1, &o1, &st, &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (st.executed, 12);
  ck_assert_msg (xp_bench_run (p, d2, &o2, &st, &error), "%s", error ? error->message : "");
  const char *files[] = { "matrix.json", "summary.json", "summary.tsv" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *a = g_build_filename (d1, files[i], NULL), *b = g_build_filename (d2, files[i], NULL);
      assert_same_file (a, b);
    }
  for (guint i = 0; i < p->runs->len; i++)
    {
      g_autofree char *a = xp_bench_run_path (d1, p->runs->pdata[i]), *b = xp_bench_run_path (d2, p->runs->pdata[i]);
      assert_same_file (a, b);
    }
  /* the plugin differs from first fit: it is what ran */
  g_autofree char *sum_path = g_build_filename (d1, "summary.json", NULL);
  g_autofree char *sum = read_text (sum_path);
  ck_assert (strstr (sum, "\"label\" : \"../plugins/example.so:start=1 xl\""));
  const XpBenchRun *r = p->runs->pdata[10];   /* start=1, xl, seed 1 */
  g_autofree char *rp = xp_bench_run_path (d1, r);
  g_autofree char *text = read_text (rp);
  g_autofree char *rec = g_strdup_printf ("\"policy\" : \"../plugins/example.so:start=1\",\n"
                                          "  \"policy_name\" : \"example-round-robin\",\n"
                                          "  \"plugin\" : {\n   \"path\" : \"../plugins/example.so\",\n"
                                          "   \"sha256\" : \"%s\"\n  },\n", r->plugin_sha256);
  ck_assert_msg (strstr (text, rec), "%s", text);
  g_autofree char *bp = xp_bench_run_path (d1, p->runs->pdata[0]);
  g_autofree char *builtin = read_text (bp);
  ck_assert (!strstr (builtin, "\"plugin\""));

  /* resume: all done */
  ck_assert (xp_bench_run (p, d1, &o2, &st, &error));
  ck_assert_uint_eq (st.skipped, 12);

  /* another parameter set from the group: the 4 runs of the entry without
   * its own start re-run, the others are done */
  g_autofree char *path_g = write_plugin_scenario (tmp, "s.ini", PLUGIN_POLICIES, "[policy.example-round-robin]\nstart = 1\n");
  g_autoptr (XpScenario) sg = xp_scenario_load (path_g, &error);
  ck_assert (sg != NULL);
  g_autoptr (XpBenchPlan) pg = xp_bench_plan_new (sg, &error);
  ck_assert_msg (xp_bench_run (pg, d1, &o2, &st, &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (st.executed, 4);
  ck_assert_uint_eq (st.skipped, 8);

  /* another build of the plugin (other bytes): its 8 runs re-run, after
   * merge refused the files of the old build */
  copy_plugin (tmp, "example", "example.so", "another build");
  g_autoptr (XpScenario) sb = xp_scenario_load (path_g, &error);
  ck_assert (sb != NULL);
  g_autoptr (XpBenchPlan) pb = xp_bench_plan_new (sb, &error);
  const XpBenchRun *rb = pb->runs->pdata[10];
  ck_assert_str_ne (rb->plugin_sha256, r->plugin_sha256);
  g_autofree char *mpath = g_build_filename (d1, "matrix.json", NULL);
  ck_assert (xp_bench_plan_write (pb, mpath, &error));
  ck_assert (!xp_bench_merge (d1, NULL, &error));
  xp_assert_error_contains (error, "run.plugin.sha256: '");
  xp_assert_error_contains (error, "(the results of another build of the plugin)");
  g_clear_error (&error);
  ck_assert_msg (xp_bench_run (pb, d1, &o2, &st, &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (st.executed, 8);
  ck_assert_uint_eq (st.skipped, 4);
  g_autofree char *text2 = read_text (rp);
  ck_assert (strstr (text2, rb->plugin_sha256));
  xp_test_rmtree (tmp);
}
END_TEST

/* bench manifest gives plugin runs as replay commands (--policy-plugin,
 * --policy NAME:params, --results-plugin) whose results files are bench
 * run's, byte for byte; --pending knows a plugin's runs are done. */
START_TEST (test_manifest_plugin)
{
  const char *builddir = g_getenv ("XP_BUILDDIR");
  if (!builddir)
    {
      fprintf (stderr, "bench: manifest plugin test skipped (no XP_BUILDDIR)\n");
      return;
    }
  g_autofree char *tmp = xp_test_tmpdir ();
  g_autofree char *path = write_plugin_scenario (tmp, "s.ini", PLUGIN_POLICIES, "[policy.example-round-robin]\nstart = 0\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (XpScenario) s = xp_scenario_load (path, &error);
  ck_assert_msg (s != NULL, "%s", error ? error->message : "");
  g_autoptr (XpBenchPlan) p = xp_bench_plan_new (s, &error);
  g_autofree char *direct = g_build_filename (tmp, "direct", NULL), *dist = g_build_filename (tmp, "dist", NULL);
  XpBenchRunOptions o = { 2, FALSE };
  ck_assert_msg (xp_bench_run (p, direct, &o, NULL, &error), "%s", error ? error->message : "");

  g_autofree char *xenplace = g_build_filename (builddir, "xenplace", NULL);
  g_autofree char *q_x = g_shell_quote (xenplace), *q_s = g_shell_quote (path), *q_d = g_shell_quote (dist);
  g_mkdir_with_parents (dist, 0755);
  g_autofree char *cmd = g_strdup_printf ("%s bench manifest %s -o %s --xenplace %s > %s/manifest.txt && "
                                          "sh -e %s/manifest.txt && %s bench merge -q %s",
                                          q_x, q_s, q_d, q_x, q_d, q_d, q_x, q_d);
  ck_assert_msg (run_shell (cmd, NULL), "%s failed", cmd);
  g_autofree char *mf = g_build_filename (dist, "manifest.txt", NULL);
  g_autofree char *manifest = read_text (mf);
  g_autofree char *so = g_build_filename (tmp, "plugins", "example.so", NULL);
  g_autofree char *so_abs = g_canonicalize_filename (so, NULL);
  g_autofree char *want = g_strdup_printf ("--policy-plugin %s --policy example-round-robin:start=1 "
                                           "--results-plugin ../plugins/example.so ", so_abs);
  ck_assert_msg (strstr (manifest, want), "%s", manifest);
  for (guint i = 0; i < p->runs->len; i++)
    {
      g_autofree char *a = xp_bench_run_path (direct, p->runs->pdata[i]);
      g_autofree char *b = xp_bench_run_path (dist, p->runs->pdata[i]);
      assert_same_file (a, b);
    }
  g_autofree char *a = g_build_filename (direct, "summary.json", NULL), *b = g_build_filename (dist, "summary.json", NULL);
  assert_same_file (a, b);

  /* --pending: nothing left, then the one removed plugin run */
  g_autofree char *out = NULL;
  g_autofree char *cmd2 = g_strdup_printf ("%s bench manifest %s -o %s --xenplace %s --pending", q_x, q_s, q_d, q_x);
  ck_assert (run_shell (cmd2, &out));
  ck_assert_str_eq (out, "");
  const XpBenchRun *r = p->runs->pdata[7];
  g_autofree char *rp = xp_bench_run_path (dist, r);
  g_unlink (rp);
  g_autofree char *out2 = NULL;
  ck_assert (run_shell (cmd2, &out2));
  g_auto (GStrv) pl = g_strsplit (out2, "\n", -1);
  ck_assert_uint_eq (g_strv_length (pl), 2);
  ck_assert (strstr (pl[0], r->name));
  xp_test_rmtree (tmp);
}
END_TEST

/* ---- reading results back: wrong types ------------------------------------ */

static guint json_criticals;

static void
count_critical (const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
  json_criticals++;
  fprintf (stderr, "%s: %s\n", domain, message);
}

#define SUM_HEAD "{\"schema\": \"xenplace-bench-summary\", \"schema_version\": 1, "
#define SUM_CONF(label, seeds, n) \
  "\"configurations\": [{\"id\": \"x\", \"label\": " label ", \"seeds\": [" seeds "], " \
  "\"metrics\": {\"a\": {\"n\": " n ", \"mean\": 1}}}]}"
#define MAT_HEAD "{\"schema\": \"xenplace-bench-matrix\", \"schema_version\": 1, \"scenario\": \"s\", " \
  "\"axes\": {\"policy\": [], \"topology\": [], \"trace\": [], \"toolstack\": [], \"xen\": [], \"node_claims\": []}, "

/* Found with the results fuzz target (crafted inputs after reading the
 * readers; G_DEBUG=fatal-criticals): a value of another type than written
 * (an object for a seed, a number for a node's series, ...) made json-glib
 * print a GLib critical and hand back a placeholder, read as if valid. Each
 * must be an error naming the file and the field, and no critical. */
START_TEST (test_results_bad_types)
{
  static const struct { char kind; const char *text; const char *error; } cases[] = {
    /* s: summary.json, m: matrix.json, r: a run's results file */
    { 's', "{\"schema\": {}}", "schema: expected \"xenplace-bench-summary\"" },
    { 's', SUM_HEAD "\"metrics\": [{}], \"configurations\": []}", "metrics[0]: expected a string" },
    { 's', SUM_HEAD "\"metrics\": [\"a\", \"a\"], \"configurations\": []}", "metrics[1]: 'a' appears twice" },
    { 's', SUM_HEAD "\"metrics\": [\"a\"], \"gate\": {\"speed_margin\": []}, " SUM_CONF ("\"l\"", "1", "1"),
      "gate.speed_margin: expected a non-negative number" },
    { 's', SUM_HEAD "\"metrics\": [\"a\"], \"gate\": {\"tolerances\": {\"a\": {\"value\": 1, \"relative\": {}}}}, "
      SUM_CONF ("\"l\"", "1", "1"), "gate.tolerances.a: expected {\"value\": a non-negative number" },
    { 's', SUM_HEAD "\"metrics\": [\"a\"], " SUM_CONF ("{}", "1", "1"), "configurations[0].label: expected a string" },
    { 's', SUM_HEAD "\"metrics\": [\"a\"], " SUM_CONF ("\"l\"", "1, {}", "1"),
      "configurations[0].seeds[1]: expected a non-negative integer" },
    { 's', SUM_HEAD "\"metrics\": [\"a\"], " SUM_CONF ("\"l\"", "1", "[]"),
      "configurations[0].metrics.a.n: expected a non-negative integer" },
    { 'm', MAT_HEAD "\"gate\": {\"speed_margin\": {}}, \"configurations\": [], \"runs\": []}",
      "gate.speed_margin: expected a non-negative number" },
    { 'm', MAT_HEAD "\"xen_params\": [1], \"configurations\": [], \"runs\": []}", "xen_params[0]: expected a string" },
    { 'r', "{\"schema\": [\"xenplace-results\"]}", "schema: expected \"xenplace-results\"" },
    { 'r', "{\"schema\": \"xenplace-results\", \"schema_version\": {}}", "schema_version: expected 1" },
  };
  g_log_set_handler ("Json", G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING, count_critical, NULL);
  g_autofree char *tmp = xp_test_tmpdir ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = xp_test_write (tmp, "x.json", cases[i].text);
      g_autoptr (GError) error = NULL;
      gboolean ok;
      if (cases[i].kind == 's')
        {
          g_autoptr (XpSummary) s = xp_summary_load (path, &error);
          ok = s != NULL;
        }
      else if (cases[i].kind == 'm')
        {
          g_autoptr (XpBenchPlan) p = xp_bench_plan_load (path, &error);
          ok = p != NULL;
        }
      else
        ok = xp_bench_read_run (path, NULL, NULL, NULL, &error);
      ck_assert_msg (!ok, "case %u was read", i);
      g_autofree char *expect = g_strdup_printf ("%s: %s", path, cases[i].error);
      ck_assert_msg (g_str_has_prefix (error->message, expect), "case %u: '%s' does not start with '%s'", i,
                     error->message, expect);
      ck_assert_uint_eq (json_criticals, 0);
    }
  xp_test_rmtree (tmp);

  /* the plots read each run's per-VM rows and time series */
  static const struct { const char *from, *to, *error; } runs[] = {
    { "\"locality\": 0.9\n", "\"locality\": \"high\"\n", "vms[2].locality: expected a number" },
    { "\"locality\": 0.95\n", "\"locality\": null\n", "vms[1].locality: expected a number" },
    { "\"start_latency_ns\": 3000000,", "\"start_latency_ns\": 3e6,", "vms[2].start_latency_ns: expected an integer" },
    { "\"state\": \"running\",\n   \"start_latency_ns\": 4000000,", "\"state\": [],\n   \"start_latency_ns\": 4000000,",
      "vms[3].state: expected a string" },
    { "\"vms\": [\n", "\"vms\": [\n  7,\n", "vms[0]: expected an object" },
    { "\"time_ns\": [\n   0,", "\"time_ns\": [\n   {},", "timeseries.time_ns[0]: expected an integer" },
    { "\"node_free_pages\": [\n", "\"node_free_pages\": [\n 5,\n", "timeseries.node_free_pages[0]: expected an array" },
    { "\"node_free_pages\": [\n   [\n    4194304,", "\"node_free_pages\": [\n   [\n    null,",
      "timeseries.node_free_pages[0][0]: expected an integer" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      char *t;
      g_autofree char *dir = hand_dir (&t);
      g_autofree char *tmp2 = t;
      g_autofree char *run = g_build_filename (dir, "runs", "first-fit__generic-2n__storm-200__xenopsd__xen4.17__nc-off__s1.json", NULL);
      g_autofree char *text = read_text (run);
      char *at = strstr (text, runs[i].from);
      ck_assert_msg (at != NULL, "case %u: '%s' not in the hand-written run", i, runs[i].from);
      g_autofree char *changed = g_strdup_printf ("%.*s%s%s", (int) (at - text), text, runs[i].to, at + strlen (runs[i].from));
      ck_assert (g_file_set_contents (run, changed, -1, NULL));
      g_autoptr (GError) error = NULL;
      ck_assert_msg (!xp_bench_report (dir, NULL, &error), "case %u: report written", i);
      g_autofree char *expect = g_strdup_printf ("%s: %s", run, runs[i].error);
      ck_assert_msg (g_str_has_prefix (error->message, expect), "case %u: '%s' does not start with '%s'", i,
                     error->message, expect);
      ck_assert_uint_eq (json_criticals, 0);
      xp_test_rmtree (tmp2);
    }
}
END_TEST

/* ---- the bundled scenarios ---------------------------------------------------- */

START_TEST (test_bundled_scenarios)
{
  static const struct { const char *file; guint configs, runs; } bundled[] = {
    /* 6 policies × 3 topologies, seeds 1-3 */
    { "fit.ini", 18, 54 },
    /* 2 policies × 2 topologies × 2 traces × 4 toolstacks, seeds 1-3 */
    { "xenopsd-vs-libxl.ini", 32, 96 },
    /* 4 toolstacks × node claims off/on, seeds 1-3 */
    { "storm.ini", 8, 24 },
    /* 3 policies × 2 topologies × 2 toolstacks, seeds 1-2 */
    { "ci-gate.ini", 12, 24 },
    /* 3 policies × 4 toolstacks × 2 Xen versions × node claims off/on, seed 1 */
    { "storm-churn.ini", 48, 48 },
    /* 6 policies, seed 1 */
    { "policies.ini", 6, 6 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bundled); i++)
    {
      g_autofree char *rel = g_build_filename ("bench", "scenarios", bundled[i].file, NULL);
      g_autofree char *path = xp_test_srcpath (rel);
      g_autoptr (GError) error = NULL;
      g_autoptr (XpScenario) s = xp_scenario_load (path, &error);
      ck_assert_msg (s != NULL, "%s", error ? error->message : "");
      g_autoptr (XpBenchPlan) p = xp_bench_plan_new (s, &error);
      ck_assert_msg (p != NULL, "%s", error ? error->message : "");
      ck_assert_uint_eq (p->configs->len, bundled[i].configs);
      ck_assert_uint_eq (p->runs->len, bundled[i].runs);
      /* the traces they name are bundled */
      for (guint r = 0; r < p->runs->len; r++)
        ck_assert_msg (g_file_test (((XpBenchRun *) p->runs->pdata[r])->trace, G_FILE_TEST_EXISTS), "%s: %s missing",
                       bundled[i].file, ((XpBenchRun *) p->runs->pdata[r])->trace);
    }
}
END_TEST

Suite *
xp_test_bench_suite (void)
{
  Suite *s = suite_create ("bench");
  TCase *tc = tcase_create ("pure");
  tcase_add_test (tc, test_student_t);
  tcase_add_test (tc, test_stat);
  tcase_add_test (tc, test_scenario_parse);
  tcase_add_test (tc, test_scenario_bom);
  tcase_add_test (tc, test_scenario_errors);
  tcase_add_test (tc, test_scenario_limits);
  tcase_add_test (tc, test_scenario_unknown_policy);
  tcase_add_test (tc, test_scenario_file_missing);
  tcase_add_test (tc, test_matrix);
  tcase_add_test (tc, test_merge_hand);
  tcase_add_test (tc, test_compare);
  tcase_add_test (tc, test_compare_configs_one_side);
  tcase_add_test (tc, test_compare_other_seeds);
  tcase_add_test (tc, test_compare_tolerance_edge);
  tcase_add_test (tc, test_direction);
  tcase_add_test (tc, test_report_hand);
  tcase_add_test (tc, test_report_cdf_rows);
  tcase_add_test (tc, test_report_no_gnuplot_stale_images);
  tcase_add_test (tc, test_results_bad_types);
  tcase_add_test (tc, test_bundled_scenarios);
  suite_add_tcase (s, tc);
  TCase *runs = tcase_create ("runs");
  tcase_set_timeout (runs, 300);
  tcase_add_test (runs, test_run_jobs_and_resume);
  tcase_add_test (runs, test_run_resume_policy_params);
  tcase_add_test (runs, test_run_resume_xen_params);
  tcase_add_test (runs, test_run_bad_input);
  tcase_add_test (runs, test_run_reduced);
  tcase_add_test (runs, test_run_files_location_free);
  tcase_add_test (runs, test_manifest_parallel);
  tcase_add_test (runs, test_scenario_plugin);
  tcase_add_test (runs, test_scenario_plugin_errors);
  tcase_add_test (runs, test_run_plugin);
  tcase_add_test (runs, test_manifest_plugin);
  suite_add_tcase (s, runs);
  return s;
}
