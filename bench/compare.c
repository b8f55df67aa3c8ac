/* xenplace — the regression gate. */
#include "config.h"
#include <float.h>
#include <math.h>
#include <string.h>
#include "bench/compare.h"
#include "sim/error.h"

const char *
xp_verdict_name (XpVerdict v)
{
  static const char *names[] = { "same", "within tolerance", "better", "WORSE", "changed", "MISSING", "new", "SLOWER", "faster" };
  return v < G_N_ELEMENTS (names) ? names[v] : "?";
}

gboolean
xp_verdict_is_regression (XpVerdict v)
{
  return v == XP_VERDICT_WORSE || v == XP_VERDICT_MISSING || v == XP_VERDICT_SLOWER;
}

int
xp_metric_direction (const char *m)
{
  /* lower is better: checked first so "avoidable_spread" and the like
   * never count as "better when higher" */
  static const char *worse[] = { "spread", "failed", "latency", "makespan", "scrub", "remote", "migrations", "wait" };
  static const char *better[] = { "locality", "superpage", "started", "local_" };
  for (guint i = 0; i < G_N_ELEMENTS (worse); i++)
    if (strstr (m, worse[i]))
      return -1;
  for (guint i = 0; i < G_N_ELEMENTS (better); i++)
    if (strstr (m, better[i]))
      return 1;
  return 0;
}

static void
row_free (gpointer p)
{
  XpCompareRow *r = p;
  g_free (r->metric);
  g_free (r->config);
  g_free (r);
}

void
xp_compare_result_free (XpCompareResult *r)
{
  if (!r)
    return;
  g_ptr_array_unref (r->rows);
  g_free (r);
}

static int
cmp_str_ptr (const char *const *a, const char *const *b)
{
  return strcmp (*a, *b);
}

static void
timing_config_free (gpointer p)
{
  XpTimingConfig *t = p;
  if (t->runs)
    g_hash_table_unref (t->runs);
  g_free (t);
}

/* The wall time of the runs both sides timed, summed on each side: a
 * resumed bench keeps no timing of the runs an interrupted invocation
 * finished, and sums over different runs say nothing about speed. FALSE
 * when the two have no run in common (or, without run names, a different
 * number of rows). */
static gboolean
common_runs_wall (const XpTimingConfig *a, const XpTimingConfig *b, double *wa, double *wb)
{
  *wa = *wb = 0;
  if (!a->runs || !b->runs)
    {
      *wa = a->wall;
      *wb = b->wall;
      return a->n == b->n;
    }
  /* in a fixed order, so that the sums do not depend on hash order */
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array (a->runs, NULL);
  guint n = g_hash_table_size (a->runs), common = 0;
  qsort (keys, n, sizeof (gpointer), (int (*) (const void *, const void *)) cmp_str_ptr);
  for (guint i = 0; i < n; i++)
    {
      const double *y = g_hash_table_lookup (b->runs, keys[i]);
      if (!y)
        continue;
      *wa += *(const double *) g_hash_table_lookup (a->runs, keys[i]);
      *wb += *y;
      common++;
    }
  return common > 0;
}

GHashTable *
xp_bench_timing_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot read: %s", path, local->message);
      return NULL;
    }
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  if (!lines[0])
    return NULL;
  g_auto (GStrv) head = g_strsplit (lines[0], "\t", -1);
  int col_config = -1, col_wall = -1, col_run = -1;
  for (int i = 0; head[i]; i++)
    {
      if (strcmp (head[i], "run") == 0)
        col_run = i;
      if (strcmp (head[i], "configuration") == 0)
        col_config = i;
      if (strcmp (head[i], "wall_s_min") == 0)
        col_wall = i;
    }
  if (col_config < 0 || col_wall < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:1: expected columns 'configuration' and 'wall_s_min'", path);
      return NULL;
    }
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, timing_config_free);
  for (guint l = 1; lines[l]; l++)
    {
      if (!*lines[l])
        continue;
      g_auto (GStrv) f = g_strsplit (lines[l], "\t", -1);
      guint n = g_strv_length (f);
      char *end = NULL;
      double v = (guint) MAX (col_config, col_wall) < n ? g_ascii_strtod (f[col_wall], &end) : NAN;
      if (isnan (v) || !end || *end || v < 0)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: wall_s_min: expected a non-negative number", path, l + 1);
          g_hash_table_unref (h);
          return NULL;
        }
      XpTimingConfig *t = g_hash_table_lookup (h, f[col_config]);
      if (!t)
        {
          t = g_new0 (XpTimingConfig, 1);
          if (col_run >= 0)
            t->runs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_hash_table_insert (h, g_strdup (f[col_config]), t);
        }
      t->wall += v;
      t->n++;
      if (t->runs && (guint) col_run < n)
        {
          /* a run timed twice: its last row */
          double *w = g_hash_table_lookup (t->runs, f[col_run]);
          if (w)
            t->wall -= *w;
          else
            {
              w = g_new (double, 1);
              g_hash_table_insert (t->runs, g_strdup (f[col_run]), w);
            }
          *w = v;
        }
    }
  return h;
}

static const XpTolerance *
find_tolerance (GPtrArray *list, const char *metric)
{
  for (guint i = list ? list->len : 0; i-- > 0;)
    {
      const XpTolerance *t = list->pdata[i];
      if (strcmp (t->metric, metric) == 0)
        return t;
    }
  return NULL;
}

static gboolean
summary_has_metric (const XpSummary *s, const char *m)
{
  for (guint i = 0; i < s->metrics->len; i++)
    if (strcmp (s->metrics->pdata[i], m) == 0)
      return TRUE;
  return FALSE;
}

static void
add_row (XpCompareResult *r, const char *metric, const char *config, double b, double c, XpVerdict v)
{
  XpCompareRow *row = g_new0 (XpCompareRow, 1);
  row->metric = g_strdup (metric);
  row->config = g_strdup (config);
  row->baseline = b;
  row->current = c;
  row->verdict = v;
  g_ptr_array_add (r->rows, row);
  r->compared++;
  if (xp_verdict_is_regression (v))
    r->regressions++;
  else if (v == XP_VERDICT_BETTER || v == XP_VERDICT_FASTER)
    r->improvements++;
  else if (v == XP_VERDICT_WITHIN)
    r->within++;
  else if (v == XP_VERDICT_CHANGED || v == XP_VERDICT_NEW)
    r->changed++;
}

static gint
seed_cmp (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

/* @seeds sorted, in a new array */
static GArray *
sorted_seeds (const GArray *seeds)
{
  GArray *a = g_array_sized_new (FALSE, FALSE, sizeof (guint64), seeds->len);
  g_array_append_vals (a, seeds->data, seeds->len);
  g_array_sort (a, seed_cmp);
  return a;
}

/* "1,2,3", the first ten of a longer list and how many there are */
static char *
format_seeds (const GArray *seeds)
{
  GString *s = g_string_new (NULL);
  for (guint k = 0; k < seeds->len && k < 10; k++)
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT, k ? "," : "", g_array_index (seeds, guint64, k));
  if (seeds->len > 10)
    g_string_append_printf (s, ",... (%u seeds)", seeds->len);
  return g_string_free (s, FALSE);
}

/* The means of a configuration are over its seeds: with other seeds on one
 * side, its verdicts would compare unlike things. Summaries that record no
 * seeds for a configuration (written by hand) are not checked. */
static gboolean
check_same_seeds (const XpSummary *base, const XpSummary *cur, GError **error)
{
  for (guint i = 0; i < base->configs->len; i++)
    {
      const XpSummaryConfig *bc = base->configs->pdata[i];
      const XpSummaryConfig *cc = xp_summary_find (cur, bc->id);
      if (!cc || !bc->seeds->len || !cc->seeds->len)
        continue;
      g_autoptr (GArray) bs = sorted_seeds (bc->seeds), cs = sorted_seeds (cc->seeds);
      if (bs->len == cs->len && memcmp (bs->data, cs->data, bs->len * sizeof (guint64)) == 0)
        continue;
      g_autofree char *b = format_seeds (bs), *c = format_seeds (cs);
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "configuration %s: the baseline has seeds %s and the current summary seeds %s: compare runs made "
                   "with the same seeds", bc->id, b, c);
      return FALSE;
    }
  return TRUE;
}

/* |current - baseline| <= @allowed, inclusive as written: the difference
 * of two decimal means carries rounding (0.98 - 0.99 is
 * -0.010000000000000009), so a change that exceeds the tolerance by no more
 * than a few units in the last place of the operands is within it. Without
 * a tolerance (@allowed 0) the means are compared exactly. */
static gboolean
within_tolerance (double base, double cur, double allowed)
{
  double diff = fabs (cur - base);
  if (diff <= allowed)
    return TRUE;
  if (allowed <= 0)
    return FALSE;
  double scale = MAX (MAX (fabs (base), fabs (cur)), allowed);
  return diff - allowed <= 4 * DBL_EPSILON * scale;
}

XpCompareResult *
xp_bench_compare (const XpSummary *base, const XpSummary *cur, GPtrArray *extra, double speed_margin,
                  GHashTable *base_timing, GHashTable *cur_timing, GError **error)
{
  for (guint i = 0; extra && i < extra->len; i++)
    {
      const XpTolerance *t = extra->pdata[i];
      if (!summary_has_metric (base, t->metric) && !summary_has_metric (cur, t->metric))
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "--tolerance %s: no such metric in either summary", t->metric);
          return NULL;
        }
    }
  for (guint i = 0; i < base->tolerances->len; i++)
    {
      /* a misspelt metric in the scenario's [gate] would otherwise be
       * compared exactly without a word */
      const XpTolerance *t = base->tolerances->pdata[i];
      if (!summary_has_metric (base, t->metric) && !summary_has_metric (cur, t->metric))
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                       "the baseline's [gate] %s: no such metric in either summary", t->metric);
          return NULL;
        }
    }
  if (base->max_vms != cur->max_vms || base->max_seeds != cur->max_seeds)
    {
      /* a reduced run is a quick check, never a stand-in for a full one */
      g_autofree char *b = base->max_vms || base->max_seeds
                             ? g_strdup_printf ("reduced (max_vms %" G_GUINT64_FORMAT ", max_seeds %u)", base->max_vms, base->max_seeds)
                             : g_strdup ("a full run");
      g_autofree char *c = cur->max_vms || cur->max_seeds
                             ? g_strdup_printf ("reduced (max_vms %" G_GUINT64_FORMAT ", max_seeds %u)", cur->max_vms, cur->max_seeds)
                             : g_strdup ("a full run");
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "the baseline is %s and the current summary %s: compare runs made with the same --max-vms and --max-seeds", b, c);
      return NULL;
    }
  if (!check_same_seeds (base, cur, error))
    return NULL;
  if (speed_margin < 0)
    speed_margin = base->speed_margin >= 0 ? base->speed_margin : 0.25;

  XpCompareResult *r = g_new0 (XpCompareResult, 1);
  r->rows = g_ptr_array_new_with_free_func (row_free);
  for (guint i = 0; i < base->configs->len; i++)
    {
      const XpSummaryConfig *bc = base->configs->pdata[i];
      const XpSummaryConfig *cc = xp_summary_find (cur, bc->id);
      if (!cc)
        {
          add_row (r, "(configuration)", bc->label, NAN, NAN, XP_VERDICT_MISSING);
          continue;
        }
      for (guint k = 0; k < base->metrics->len; k++)
        {
          const char *m = base->metrics->pdata[k];
          const XpStat *bs = g_hash_table_lookup (bc->stats, m);
          const XpStat *cs = g_hash_table_lookup (cc->stats, m);
          if (!bs)
            continue;
          if (!cs)
            {
              add_row (r, m, bc->label, bs->mean, NAN, XP_VERDICT_MISSING);
              continue;
            }
          double delta = cs->mean - bs->mean;
          XpVerdict v;
          if (delta == 0)
            v = XP_VERDICT_SAME;
          else
            {
              const XpTolerance *t = find_tolerance (extra, m);
              if (!t)
                t = find_tolerance (base->tolerances, m);
              double allowed = t ? (t->relative ? t->value * fabs (bs->mean) : t->value) : 0;
              int dir = xp_metric_direction (m);
              if (within_tolerance (bs->mean, cs->mean, allowed))
                v = XP_VERDICT_WITHIN;
              else if (dir == 0)
                v = XP_VERDICT_CHANGED;
              else
                v = (delta > 0) == (dir > 0) ? XP_VERDICT_BETTER : XP_VERDICT_WORSE;
            }
          add_row (r, m, bc->label, bs->mean, cs->mean, v);
        }
      for (guint k = 0; k < cur->metrics->len; k++)
        {
          const char *m = cur->metrics->pdata[k];
          const XpStat *cs = g_hash_table_lookup (cc->stats, m);
          if (cs && !g_hash_table_lookup (bc->stats, m))
            add_row (r, m, cc->label, NAN, cs->mean, XP_VERDICT_NEW);
        }
      if (base_timing && cur_timing)
        {
          const XpTimingConfig *bt = g_hash_table_lookup (base_timing, bc->id);
          const XpTimingConfig *ct = g_hash_table_lookup (cur_timing, bc->id);
          double bw, cw;
          if (!bt != !ct || (bt && ct && !common_runs_wall (bt, ct, &bw, &cw)))
            r->speed_incomparable++;
          else if (bt && ct && bw > 0)
            {
              r->speed_compared = TRUE;
              double ratio = cw / bw;
              XpVerdict v = ratio > 1 + speed_margin ? XP_VERDICT_SLOWER
                            : ratio < 1 / (1 + speed_margin) ? XP_VERDICT_FASTER
                            : XP_VERDICT_SAME;
              add_row (r, "wall_seconds", bc->label, bw, cw, v);
            }
        }
    }
  for (guint i = 0; i < cur->configs->len; i++)
    {
      const XpSummaryConfig *cc = cur->configs->pdata[i];
      if (!xp_summary_find (base, cc->id))
        add_row (r, "(configuration)", cc->label, NAN, NAN, XP_VERDICT_NEW);
    }
  return r;
}

static char *
fmt (double v)
{
  if (isnan (v))
    return g_strdup ("-");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6g", v));
}

char *
xp_compare_format (const XpCompareResult *r)
{
  GString *out = g_string_new (NULL);
  guint wm = strlen ("metric"), wc = strlen ("configuration");
  for (guint i = 0; i < r->rows->len; i++)
    {
      const XpCompareRow *row = r->rows->pdata[i];
      if (row->verdict == XP_VERDICT_SAME)
        continue;
      wm = MAX (wm, strlen (row->metric));
      wc = MAX (wc, strlen (row->config));
    }
  guint moved = 0;
  for (guint i = 0; i < r->rows->len; i++)
    {
      const XpCompareRow *row = r->rows->pdata[i];
      if (row->verdict == XP_VERDICT_SAME)
        continue;
      if (!moved++)
        g_string_append_printf (out, "%-*s  %-*s  %12s  %12s  %12s  %s\n", wm, "metric", wc, "configuration", "baseline",
                                "current", "delta", "verdict");
      g_autofree char *b = NULL, *c = NULL;
      if (strcmp (row->metric, "(configuration)") == 0)
        {
          /* a configuration on one side only: say which side has it */
          gboolean in_base = row->verdict != XP_VERDICT_NEW;
          b = g_strdup (in_base ? "present" : "absent");
          c = g_strdup (in_base ? "absent" : "present");
        }
      else
        {
          b = fmt (row->baseline);
          c = fmt (row->current);
        }
      if (strcmp (b, c) == 0 && !isnan (row->baseline) && !isnan (row->current) && row->baseline != row->current)
        {
          /* a difference below the sixth digit: show all of them */
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          g_free (b);
          g_free (c);
          b = g_strdup (g_ascii_formatd (buf, sizeof buf, "%.17g", row->baseline));
          c = g_strdup (g_ascii_formatd (buf, sizeof buf, "%.17g", row->current));
        }
      g_autofree char *d = NULL;
      if (isnan (row->baseline) || isnan (row->current))
        d = g_strdup ("-");
      else if (strcmp (row->metric, "wall_seconds") == 0 && row->baseline > 0)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          d = g_strdup_printf ("%s%%", g_ascii_formatd (buf, sizeof buf, "%+.1f", 100 * (row->current / row->baseline - 1)));
        }
      else
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          d = g_strdup (g_ascii_formatd (buf, sizeof buf, "%+.6g", row->current - row->baseline));
        }
      g_string_append_printf (out, "%-*s  %-*s  %12s  %12s  %12s  %s\n", wm, row->metric, wc, row->config, b, c, d,
                              xp_verdict_name (row->verdict));
    }
  if (!moved)
    g_string_append (out, "nothing moved\n");
  g_string_append_printf (out, "%u comparisons%s: %u regression%s, %u improvement%s, %u within tolerance, %u changed or new\n",
                          r->compared, r->speed_compared ? " (speed included)" : "", r->regressions,
                          r->regressions == 1 ? "" : "s", r->improvements, r->improvements == 1 ? "" : "s", r->within,
                          r->changed);
  if (r->speed_incomparable)
    g_string_append_printf (out,
                            "wall time not compared for %u configuration%s: no run of %s is timed in both timing.tsv "
                            "files (a resumed bench keeps no timing of runs an interrupted one finished)\n",
                            r->speed_incomparable, r->speed_incomparable == 1 ? "" : "s",
                            r->speed_incomparable == 1 ? "it" : "them");
  g_string_append (out, r->regressions ? "REGRESSION\n" : "OK\n");
  return g_string_free (out, FALSE);
}
