/* xenplace — merging the runs of a bench directory. */
#include "config.h"
#include <math.h>
#include <string.h>
#include "bench/aggregate.h"
#include "sim/error.h"
#include "sim/json_scan.h"
#include "sim/results.h"
#include "sim/util.h"

double
xp_student_t975 (guint df)
{
  /* t(0.975, df) for df = 1..30, from the standard table */
  static const double table[30] = {
    12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851, 2.364624252, 2.306004135,
    2.262157163,  2.228138852, 2.200985160, 2.178812830, 2.160368656, 2.144786688, 2.131449546, 2.119905299,
    2.109815578,  2.100922040, 2.093024054, 2.085963447, 2.079613845, 2.073873068, 2.068657610, 2.063898562,
    2.059538553,  2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456,
  };
  if (df == 0)
    return NAN;
  if (df <= 30)
    return table[df - 1];
  /* Cornish–Fisher expansion around the normal quantile; below 1e-5 off
   * for df > 30 */
  const double z = 1.959963984540054, v = df;
  double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
         + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

void
xp_stat_compute (const double *values, guint n, XpStat *out)
{
  out->n = n;
  out->mean = out->ci95 = out->min = out->max = NAN;
  if (n == 0)
    return;
  double sum = 0;
  out->min = out->max = values[0];
  for (guint i = 0; i < n; i++)
    {
      sum += values[i];
      out->min = MIN (out->min, values[i]);
      out->max = MAX (out->max, values[i]);
    }
  /* identical values (deterministic metrics) give exactly that value and a
   * zero interval, not a rounding residue */
  out->mean = out->min == out->max ? out->min : sum / n;
  if (n < 2)
    return;
  if (out->min == out->max)
    {
      out->ci95 = 0;
      return;
    }
  double ss = 0;
  for (guint i = 0; i < n; i++)
    ss += (values[i] - out->mean) * (values[i] - out->mean);
  double sd = sqrt (ss / (n - 1));
  out->ci95 = xp_student_t975 (n - 1) * sd / sqrt ((double) n);
}

char *
xp_bench_format_double (double v)
{
  if (isnan (v))
    return g_strdup ("NA");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.10g", v));
}

/* ---- one run ------------------------------------------------------------ */

gboolean
xp_bench_read_run (const char *path, const guint64 *seed, GPtrArray *names, GArray *values, GError **error)
{
  return xp_bench_read_run_reduced (path, seed, 0, names, values, error);
}

gboolean
xp_bench_read_run_reduced (const char *path, const guint64 *seed, guint64 max_vms, GPtrArray *names, GArray *values,
                           GError **error)
{
  return xp_bench_read_run_spec (path, seed, max_vms, NULL, NULL, names, values, error);
}

gboolean
xp_bench_plan_xen_params (const XpBenchPlan *plan, XpXenParams *out, GError **error)
{
  xp_xen_params_init_defaults (out);
  for (guint i = 0; i < plan->xen_params->len; i++)
    {
      g_autoptr (GError) local = NULL;
      if (!xp_xen_params_set (out, plan->xen_params->pdata[i], &local))
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "xen_params: '%s': %s", (char *) plan->xen_params->pdata[i],
                       local->message);
          return FALSE;
        }
    }
  return TRUE;
}

/* The Xen parameters a results file was made with: run.xen_params, or, in
 * a file written before they were recorded, the defaults with the scrub
 * rate it does record (run.scrub_bytes_per_sec). */
static gboolean
run_xen_params (const char *path, JsonObject *run, XpXenParams *out, GError **error)
{
  xp_xen_params_init_defaults (out);
  JsonNode *xn = json_object_get_member (run, "xen_params");
  if (!xn)
    {
      gint64 scrub;
      if (json_object_has_member (run, "scrub_bytes_per_sec"))
        {
          if (!xp_json_int (run, "scrub_bytes_per_sec", &scrub) || scrub <= 0)
            {
              g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: run.scrub_bytes_per_sec: expected a positive integer",
                           path);
              return FALSE;
            }
          out->scrub_bytes_per_sec = (guint64) scrub;
        }
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (xn))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: run.xen_params: expected an object", path);
      return FALSE;
    }
  JsonObject *xo = json_node_get_object (xn);
  g_autoptr (GList) members = json_object_get_members (xo);
  for (GList *l = members; l; l = l->next)
    {
      JsonNode *n = json_object_get_member (xo, l->data);
      g_autofree char *text = NULL;
      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64)
        text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
      else if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        text = g_strdup (json_node_get_string (n));
      g_autoptr (GError) local = NULL;
      g_autofree char *assignment = g_strdup_printf ("%s=%s", (char *) l->data, text ? text : "");
      if (!text || !xp_xen_params_set (out, assignment, &local))
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: run.xen_params.%s: %s", path, (char *) l->data,
                       local ? local->message : "expected an integer or a string");
          return FALSE;
        }
    }
  return TRUE;
}

/* NULL when @have and @want are the same parameters, else the ones that
 * differ: "scrub_rate=1073741824, expected scrub_rate=4294967296". */
static char *
xen_params_differ (const XpXenParams *have, const XpXenParams *want)
{
  g_autoptr (GPtrArray) h = xp_xen_params_list (have), w = xp_xen_params_list (want);
  g_autoptr (GString) hs = g_string_new (NULL), ws = g_string_new (NULL);
  for (guint i = 0; i < h->len; i++)
    if (strcmp (h->pdata[i], w->pdata[i]) != 0)
      {
        g_string_append_printf (hs, "%s%s", hs->len ? "," : "", (char *) h->pdata[i]);
        g_string_append_printf (ws, "%s%s", ws->len ? "," : "", (char *) w->pdata[i]);
      }
  return hs->len ? g_strdup_printf ("%s, expected %s", hs->str, ws->str) : NULL;
}

gboolean
xp_bench_read_run_spec (const char *path, const guint64 *seed, guint64 max_vms, const char *policy_spec,
                        const XpXenParams *xen_params, GPtrArray *names, GArray *values, GError **error)
{
  return xp_bench_read_run_plugin (path, seed, max_vms, policy_spec, NULL, xen_params, names, values, error);
}

gboolean
xp_bench_read_run_plugin (const char *path, const guint64 *seed, guint64 max_vms, const char *policy_spec,
                          const char *plugin_sha256, const XpXenParams *xen_params, GPtrArray *names, GArray *values,
                          GError **error)
{
  /* only the head of the file: the per-VM rows after it are most of a
   * large run's file, and are checked for syntax but not kept */
  static const char *const head[] = { "schema", "schema_version", "run", "summary", NULL };
  g_autoptr (JsonObject) o = xp_json_scan_file (path, head, NULL, NULL, NULL, error);
  if (!o)
    return FALSE;
  if (g_strcmp0 (xp_json_string (o, "schema"), XP_RESULTS_SCHEMA) != 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: schema: expected \"%s\"", path, XP_RESULTS_SCHEMA);
      return FALSE;
    }
  gint64 version;
  if (!xp_json_int (o, "schema_version", &version) || version != XP_RESULTS_SCHEMA_VERSION)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: schema_version: expected %d", path, XP_RESULTS_SCHEMA_VERSION);
      return FALSE;
    }
  JsonNode *runn = json_object_get_member (o, "run");
  JsonNode *sumn = json_object_get_member (o, "summary");
  if (!runn || !JSON_NODE_HOLDS_OBJECT (runn) || !sumn || !JSON_NODE_HOLDS_OBJECT (sumn))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: expected \"run\" and \"summary\" objects", path);
      return FALSE;
    }
  JsonObject *run = json_node_get_object (runn);
  if (seed)
    {
      JsonNode *sn = json_object_get_member (run, "seed");
      if (!sn || !JSON_NODE_HOLDS_VALUE (sn) || json_node_get_value_type (sn) != G_TYPE_INT64
          || (guint64) json_node_get_int (sn) != *seed)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: run.seed: expected %" G_GUINT64_FORMAT, path, *seed);
          return FALSE;
        }
    }
  if (policy_spec && g_strcmp0 (xp_json_string (run, "policy"), policy_spec) != 0)
    {
      const char *have = xp_json_string (run, "policy");
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: run.policy: %s%s%s, expected '%s'", path, have ? "'" : "",
                   have ? have : "not a string", have ? "'" : "", policy_spec);
      return FALSE;
    }
  if (plugin_sha256)
    {
      const char *have = xp_json_string (xp_json_object (run, "plugin"), "sha256");
      if (g_strcmp0 (have, plugin_sha256) != 0)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                       "%s: run.plugin.sha256: %s%s%s, expected '%s' (the results of another build of the plugin)", path,
                       have ? "'" : "", have ? have : "not a string", have ? "'" : "", plugin_sha256);
          return FALSE;
        }
    }
  if (xen_params)
    {
      XpXenParams have;
      if (!run_xen_params (path, run, &have, error))
        return FALSE;
      g_autofree char *differ = xen_params_differ (&have, xen_params);
      if (differ)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: run.xen_params: %s", path, differ);
          return FALSE;
        }
    }
  gint64 run_max_vms = 0;
  if (json_object_has_member (run, "reduced")
      && (!xp_json_int (xp_json_object (run, "reduced"), "max_vms", &run_max_vms) || run_max_vms <= 0))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: run.reduced.max_vms: expected a positive integer", path);
      return FALSE;
    }
  if ((guint64) run_max_vms != max_vms)
    {
      g_autofree char *have = run_max_vms ? g_strdup_printf ("a run reduced to %" G_GINT64_FORMAT " VMs per trace", run_max_vms)
                                          : g_strdup ("a full run");
      g_autofree char *want = max_vms ? g_strdup_printf ("one reduced to %" G_GUINT64_FORMAT, max_vms) : g_strdup ("a full one");
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: run.reduced: %s, expected %s", path, have, want);
      return FALSE;
    }
  JsonObject *sum = json_node_get_object (sumn);
  GList *members = json_object_get_members (sum);
  for (GList *l = members; l; l = l->next)
    {
      JsonNode *n = json_object_get_member (sum, l->data);
      if (!JSON_NODE_HOLDS_VALUE (n))
        continue;
      GType t = json_node_get_value_type (n);
      double v;
      if (t == G_TYPE_INT64)
        v = (double) json_node_get_int (n);
      else if (t == G_TYPE_DOUBLE)
        v = json_node_get_double (n);
      else
        continue;
      if (names)
        g_ptr_array_add (names, g_strdup (l->data));
      if (values)
        g_array_append_val (values, v);
    }
  g_list_free (members);
  return TRUE;
}

/* ---- summary ---------------------------------------------------------- */

static void
summary_config_free (gpointer p)
{
  XpSummaryConfig *c = p;
  g_free (c->id);
  g_free (c->label);
  for (guint a = 0; a < XP_N_AXES; a++)
    g_free (c->axis[a]);
  g_array_unref (c->seeds);
  g_hash_table_unref (c->stats);
  g_free (c);
}

static XpSummary *
summary_alloc (void)
{
  XpSummary *s = g_new0 (XpSummary, 1);
  s->metrics = g_ptr_array_new_with_free_func (g_free);
  s->configs = g_ptr_array_new_with_free_func (summary_config_free);
  s->tolerances = g_ptr_array_new_with_free_func (xp_tolerance_free);
  s->speed_margin = -1;
  return s;
}

static XpSummaryConfig *
summary_config_alloc (void)
{
  XpSummaryConfig *c = g_new0 (XpSummaryConfig, 1);
  c->seeds = g_array_new (FALSE, FALSE, sizeof (guint64));
  c->stats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return c;
}

void
xp_summary_free (XpSummary *s)
{
  if (!s)
    return;
  g_free (s->scenario);
  g_ptr_array_unref (s->metrics);
  g_ptr_array_unref (s->configs);
  g_ptr_array_unref (s->tolerances);
  g_free (s);
}

const XpSummaryConfig *
xp_summary_find (const XpSummary *s, const char *id)
{
  for (guint i = 0; i < s->configs->len; i++)
    {
      const XpSummaryConfig *c = s->configs->pdata[i];
      if (strcmp (c->id, id) == 0)
        return c;
    }
  return NULL;
}

static gboolean
has_metric (GPtrArray *metrics, const char *name)
{
  for (guint i = 0; i < metrics->len; i++)
    if (strcmp (metrics->pdata[i], name) == 0)
      return TRUE;
  return FALSE;
}

XpSummary *
xp_bench_summarize (const XpBenchPlan *plan, const char *dir, GError **error)
{
  g_autoptr (XpSummary) s = summary_alloc ();
  s->scenario = g_strdup (plan->scenario);
  s->speed_margin = plan->speed_margin;
  s->max_vms = plan->max_vms;
  s->max_seeds = plan->max_seeds;
  for (guint i = 0; i < plan->tolerances->len; i++)
    {
      const XpTolerance *t = plan->tolerances->pdata[i];
      XpTolerance *c = g_new (XpTolerance, 1);
      *c = *t;
      c->metric = g_strdup (t->metric);
      g_ptr_array_add (s->tolerances, c);
    }

  /* read every run: per configuration, per metric, the values in run order */
  guint n_configs = plan->configs->len;
  g_autoptr (GPtrArray) per_config = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  for (guint i = 0; i < n_configs; i++)
    g_ptr_array_add (per_config, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref));
  g_autoptr (GString) missing = g_string_new (NULL);
  guint n_missing = 0;
  XpXenParams xen_params;
  if (!xp_bench_plan_xen_params (plan, &xen_params, error))
    return NULL;
  for (guint r = 0; r < plan->runs->len; r++)
    {
      const XpBenchRun *run = plan->runs->pdata[r];
      g_autofree char *path = xp_bench_run_path (dir, run);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          if (n_missing++ < 3)
            g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", run->name);
          continue;
        }
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
      if (!xp_bench_read_run_plugin (path, &run->seed, plan->max_vms, run->policy_spec, run->plugin_sha256, &xen_params,
                                     names, values, error))
        return NULL;
      GHashTable *h = per_config->pdata[run->config];
      for (guint k = 0; k < names->len; k++)
        {
          const char *m = names->pdata[k];
          if (!has_metric (s->metrics, m))
            g_ptr_array_add (s->metrics, g_strdup (m));
          GArray *v = g_hash_table_lookup (h, m);
          if (!v)
            {
              v = g_array_new (FALSE, FALSE, sizeof (double));
              g_hash_table_insert (h, g_strdup (m), v);
            }
          g_array_append_val (v, g_array_index (values, double, k));
        }
    }
  if (n_missing)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: %u of %u runs have no results file in runs/ (%s%s)", dir,
                   n_missing, plan->runs->len, missing->str, n_missing > 3 ? ", ..." : "");
      return NULL;
    }

  for (guint i = 0; i < n_configs; i++)
    {
      const XpBenchConfig *pc = plan->configs->pdata[i];
      XpSummaryConfig *c = summary_config_alloc ();
      c->id = g_strdup (pc->id);
      c->label = g_strdup (pc->label);
      for (guint a = 0; a < XP_N_AXES; a++)
        c->axis[a] = g_strdup (pc->axis[a]);
      for (guint r = 0; r < plan->runs->len; r++)
        {
          const XpBenchRun *run = plan->runs->pdata[r];
          if (run->config == i)
            g_array_append_val (c->seeds, run->seed);
        }
      GHashTable *h = per_config->pdata[i];
      for (guint k = 0; k < s->metrics->len; k++)
        {
          GArray *v = g_hash_table_lookup (h, s->metrics->pdata[k]);
          if (!v)
            continue;
          XpStat *st = g_new (XpStat, 1);
          xp_stat_compute ((const double *) v->data, v->len, st);
          g_hash_table_insert (c->stats, g_strdup (s->metrics->pdata[k]), st);
        }
      g_ptr_array_add (s->configs, c);
    }
  return g_steal_pointer (&s);
}

static void
add_double_or_null (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  if (isnan (v))
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, v);
}

JsonNode *
xp_summary_to_json (const XpSummary *s)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_string_value (b, XP_BENCH_SUMMARY_SCHEMA);
  json_builder_set_member_name (b, "schema_version");
  json_builder_add_int_value (b, XP_BENCH_SUMMARY_SCHEMA_VERSION);
  json_builder_set_member_name (b, "scenario");
  json_builder_add_string_value (b, s->scenario);
  json_builder_set_member_name (b, "axes");
  json_builder_begin_array (b);
  for (guint a = 0; a < XP_N_AXES; a++)
    json_builder_add_string_value (b, xp_axis_name (a));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "metrics");
  json_builder_begin_array (b);
  for (guint i = 0; i < s->metrics->len; i++)
    json_builder_add_string_value (b, s->metrics->pdata[i]);
  json_builder_end_array (b);
  xp_gate_to_json (b, s->speed_margin, s->tolerances);
  xp_bench_reduced_to_json (b, s->max_vms, s->max_seeds);

  json_builder_set_member_name (b, "configurations");
  json_builder_begin_array (b);
  for (guint i = 0; i < s->configs->len; i++)
    {
      const XpSummaryConfig *c = s->configs->pdata[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, c->id);
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, c->label);
      for (guint a = 0; a < XP_N_AXES; a++)
        {
          json_builder_set_member_name (b, xp_axis_name (a));
          json_builder_add_string_value (b, c->axis[a]);
        }
      json_builder_set_member_name (b, "seeds");
      json_builder_begin_array (b);
      for (guint k = 0; k < c->seeds->len; k++)
        json_builder_add_int_value (b, (gint64) g_array_index (c->seeds, guint64, k));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "metrics");
      json_builder_begin_object (b);
      for (guint k = 0; k < s->metrics->len; k++)
        {
          const XpStat *st = g_hash_table_lookup (c->stats, s->metrics->pdata[k]);
          if (!st)
            continue;
          json_builder_set_member_name (b, s->metrics->pdata[k]);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "n");
          json_builder_add_int_value (b, st->n);
          add_double_or_null (b, "mean", st->mean);
          add_double_or_null (b, "ci95", st->ci95);
          add_double_or_null (b, "min", st->min);
          add_double_or_null (b, "max", st->max);
          json_builder_end_object (b);
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
xp_summary_to_tsv (const XpSummary *s)
{
  GString *out = g_string_new ("configuration\tlabel");
  for (guint a = 0; a < XP_N_AXES; a++)
    g_string_append_printf (out, "\t%s", xp_axis_name (a));
  g_string_append (out, "\truns");
  for (guint k = 0; k < s->metrics->len; k++)
    g_string_append_printf (out, "\t%s_mean\t%s_ci95", (char *) s->metrics->pdata[k], (char *) s->metrics->pdata[k]);
  g_string_append_c (out, '\n');
  for (guint i = 0; i < s->configs->len; i++)
    {
      const XpSummaryConfig *c = s->configs->pdata[i];
      g_string_append_printf (out, "%s\t%s", c->id, c->label);
      for (guint a = 0; a < XP_N_AXES; a++)
        g_string_append_printf (out, "\t%s", c->axis[a]);
      g_string_append_printf (out, "\t%u", c->seeds->len);
      for (guint k = 0; k < s->metrics->len; k++)
        {
          const XpStat *st = g_hash_table_lookup (c->stats, s->metrics->pdata[k]);
          g_autofree char *m = xp_bench_format_double (st ? st->mean : NAN);
          g_autofree char *ci = xp_bench_format_double (st ? st->ci95 : NAN);
          g_string_append_printf (out, "\t%s\t%s", m, ci);
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

gboolean
xp_bench_write_summary (const XpSummary *s, const char *dir, GError **error)
{
  g_autoptr (JsonNode) root = xp_summary_to_json (s);
  g_autofree char *json = xp_bench_json_to_text (root);
  g_autofree char *tsv = xp_summary_to_tsv (s);
  g_autofree char *jpath = g_build_filename (dir, "summary.json", NULL);
  g_autofree char *tpath = g_build_filename (dir, "summary.tsv", NULL);
  return xp_write_file_atomic (jpath, json, -1, error) && xp_write_file_atomic (tpath, tsv, -1, error);
}

gboolean
xp_bench_merge (const char *dir, XpSummary **out, GError **error)
{
  g_autofree char *mpath = g_build_filename (dir, "matrix.json", NULL);
  if (!g_file_test (mpath, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO,
                   "%s: not a bench directory (no matrix.json; 'xenplace bench run' or 'bench manifest' writes it)", dir);
      return FALSE;
    }
  g_autoptr (XpBenchPlan) plan = xp_bench_plan_load (mpath, error);
  if (!plan)
    return FALSE;
  g_autoptr (XpSummary) s = xp_bench_summarize (plan, dir, error);
  if (!s || !xp_bench_write_summary (s, dir, error))
    return FALSE;
  if (out)
    *out = g_steal_pointer (&s);
  return TRUE;
}

/* ---- reading summary.json back ----------------------------------------- */

static double
get_double_or_nan (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (!n || JSON_NODE_HOLDS_NULL (n) || !JSON_NODE_HOLDS_VALUE (n))
    return NAN;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_DOUBLE)
    return json_node_get_double (n);
  if (t == G_TYPE_INT64)
    return (double) json_node_get_int (n);
  return NAN;
}

#define BAD(...) do { g_set_error (error, XP_ERROR, XP_ERROR_PARSE, __VA_ARGS__); return NULL; } while (0)

XpSummary *
xp_summary_load (const char *path, GError **error)
{
  g_autofree char *file = g_file_test (path, G_FILE_TEST_IS_DIR) ? g_build_filename (path, "summary.json", NULL)
                                                                 : g_strdup (path);
  if (!g_file_test (file, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: no such file (expected a summary.json or a bench directory)", file);
      return NULL;
    }
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!xp_bench_json_load (parser, file, error))
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  if (!o || g_strcmp0 (xp_json_string (o, "schema"), XP_BENCH_SUMMARY_SCHEMA) != 0)
    BAD ("%s: schema: expected \"%s\"", file, XP_BENCH_SUMMARY_SCHEMA);
  gint64 version;
  if (!xp_json_int (o, "schema_version", &version) || version != XP_BENCH_SUMMARY_SCHEMA_VERSION)
    BAD ("%s: schema_version: expected %d", file, XP_BENCH_SUMMARY_SCHEMA_VERSION);
  g_autoptr (XpSummary) s = summary_alloc ();
  if (json_object_has_member (o, "scenario") && !xp_json_string (o, "scenario"))
    BAD ("%s: scenario: expected a string", file);
  s->scenario = g_strdup (xp_json_string (o, "scenario") ? xp_json_string (o, "scenario") : "");
  JsonArray *ma = xp_json_array (o, "metrics");
  if (!ma)
    BAD ("%s: metrics: expected an array of names", file);
  for (guint i = 0; i < json_array_get_length (ma); i++)
    {
      const char *m = xp_json_element_string (ma, i);
      if (!m)
        BAD ("%s: metrics[%u]: expected a string", file, i);
      if (has_metric (s->metrics, m))
        BAD ("%s: metrics[%u]: '%s' appears twice", file, i, m);
      g_ptr_array_add (s->metrics, g_strdup (m));
    }
  if (!xp_gate_from_json (o, file, &s->speed_margin, s->tolerances, error)
      || !xp_bench_reduced_from_json (o, file, &s->max_vms, &s->max_seeds, error))
    return NULL;
  JsonArray *ca = xp_json_array (o, "configurations");
  if (!ca)
    BAD ("%s: configurations: expected an array", file);
  for (guint i = 0; i < json_array_get_length (ca); i++)
    {
      JsonObject *co = xp_json_element_object (ca, i);
      if (!co)
        BAD ("%s: configurations[%u]: expected an object", file, i);
      const char *id = xp_json_string (co, "id");
      if (!id)
        BAD ("%s: configurations[%u].id: expected a string", file, i);
      if (xp_summary_find (s, id))
        BAD ("%s: configurations[%u].id: '%s' appears twice", file, i, id);
      XpSummaryConfig *c = summary_config_alloc ();
      g_ptr_array_add (s->configs, c);
      c->id = g_strdup (id);
      if (json_object_has_member (co, "label") && !xp_json_string (co, "label"))
        BAD ("%s: configurations[%u].label: expected a string", file, i);
      c->label = g_strdup (xp_json_string (co, "label") ? xp_json_string (co, "label") : id);
      for (guint a = 0; a < XP_N_AXES; a++)
        {
          const char *v = xp_json_string (co, xp_axis_name (a));
          if (!v && json_object_has_member (co, xp_axis_name (a)))
            BAD ("%s: configurations[%u].%s: expected a string", file, i, xp_axis_name (a));
          c->axis[a] = g_strdup (v ? v : "");
        }
      if (json_object_has_member (co, "seeds"))
        {
          JsonArray *sa = xp_json_array (co, "seeds");
          if (!sa)
            BAD ("%s: configurations[%u].seeds: expected an array", file, i);
          for (guint k = 0; k < json_array_get_length (sa); k++)
            {
              gint64 seed;
              if (!xp_json_element_int (sa, k, &seed) || seed < 0)
                BAD ("%s: configurations[%u].seeds[%u]: expected a non-negative integer", file, i, k);
              guint64 u = (guint64) seed;
              g_array_append_val (c->seeds, u);
            }
        }
      JsonObject *mobj = xp_json_object (co, "metrics");
      if (!mobj)
        BAD ("%s: configurations[%u].metrics: expected an object", file, i);
      for (guint k = 0; k < s->metrics->len; k++)
        {
          const char *m = s->metrics->pdata[k];
          if (!json_object_has_member (mobj, m))
            continue;
          JsonObject *xo = xp_json_object (mobj, m);
          if (!xo)
            BAD ("%s: configurations[%u].metrics.%s: expected an object", file, i, m);
          gint64 n = 0;
          if (json_object_has_member (xo, "n") && (!xp_json_int (xo, "n", &n) || n < 0 || n > G_MAXUINT))
            BAD ("%s: configurations[%u].metrics.%s.n: expected a non-negative integer", file, i, m);
          XpStat *st = g_new (XpStat, 1);
          st->n = (guint) n;
          st->mean = get_double_or_nan (xo, "mean");
          st->ci95 = get_double_or_nan (xo, "ci95");
          st->min = get_double_or_nan (xo, "min");
          st->max = get_double_or_nan (xo, "max");
          if (isnan (st->mean))
            {
              g_free (st);
              BAD ("%s: configurations[%u].metrics.%s.mean: expected a number", file, i, m);
            }
          g_hash_table_insert (c->stats, g_strdup (m), st);
        }
    }
  return g_steal_pointer (&s);
}
