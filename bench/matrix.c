/* xenplace — the run matrix of a scenario, matrix.json and the manifest. */
#include "config.h"
#include <string.h>
#include "bench/matrix.h"
#include "policies/policy.h"
#include "sim/error.h"
#include "sim/util.h"

static void
config_free (gpointer p)
{
  XpBenchConfig *c = p;
  g_free (c->id);
  g_free (c->label);
  for (guint a = 0; a < XP_N_AXES; a++)
    g_free (c->axis[a]);
  g_free (c);
}

static void
run_free (gpointer p)
{
  XpBenchRun *r = p;
  g_free (r->name);
  g_free (r->policy_spec);
  g_free (r->topology);
  g_free (r->trace);
  g_free (r->policy_plugin);
  g_free (r->policy_plugin_name);
  g_free (r->plugin_sha256);
  g_free (r);
}

static XpBenchPlan *
plan_alloc (void)
{
  XpBenchPlan *p = g_new0 (XpBenchPlan, 1);
  for (guint a = 0; a < XP_N_AXES; a++)
    p->axis_values[a] = g_ptr_array_new_with_free_func (g_free);
  p->configs = g_ptr_array_new_with_free_func (config_free);
  p->runs = g_ptr_array_new_with_free_func (run_free);
  p->xen_params = g_ptr_array_new_with_free_func (g_free);
  p->tolerances = g_ptr_array_new_with_free_func (xp_tolerance_free);
  p->speed_margin = -1;
  p->repeat = 1;
  return p;
}

void
xp_bench_plan_free (XpBenchPlan *p)
{
  if (!p)
    return;
  g_free (p->scenario);
  g_free (p->description);
  for (guint a = 0; a < XP_N_AXES; a++)
    g_ptr_array_unref (p->axis_values[a]);
  g_ptr_array_unref (p->configs);
  g_ptr_array_unref (p->runs);
  g_ptr_array_unref (p->xen_params);
  g_ptr_array_unref (p->tolerances);
  g_free (p);
}

gboolean
xp_bench_toolstack_parse (const char *spec, XpToolstackParams *out, GError **error)
{
  size_t n = strcspn (spec, ":");
  g_autofree char *kind_name = g_strndup (spec, n);
  XpToolstackKind kind;
  if (!xp_toolstack_kind_parse (kind_name, &kind))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "unknown toolstack '%s' (xenopsd or xl)", kind_name);
      return FALSE;
    }
  xp_toolstack_params_init (out, kind);
  if (!spec[n])
    return TRUE;
  g_auto (GStrv) assignments = g_strsplit (spec + n + 1, ",", -1);
  for (guint i = 0; assignments[i]; i++)
    if (!xp_toolstack_params_set (out, assignments[i], error))
      return FALSE;
  return TRUE;
}

/* A file-name safe rendering of an axis value. */
static char *
component (XpAxis axis, const char *value)
{
  g_autofree char *v = NULL;
  gboolean is_file = axis == XP_AXIS_TRACE
                     || (axis == XP_AXIS_TOPOLOGY
                         && (strchr (value, '/') || g_str_has_suffix (value, ".ini") || g_str_has_suffix (value, ".xml")));
  if (axis == XP_AXIS_POLICY && xp_policy_spec_is_plugin (value))
    {
      /* a plugin: its path as written (without leading ./ and ../, which
       * would only add dashes) and its parameters, so that two plugins or
       * two parameter sets never share a name */
      const char *p = value;
      while (g_str_has_prefix (p, "./") || g_str_has_prefix (p, "../"))
        p += p[1] == '/' ? 2 : 3;
      v = g_strdup (p);
    }
  else if (is_file)
    {
      v = g_path_get_basename (value);
      char *dot = strrchr (v, '.');
      if (dot && dot != v)
        *dot = '\0';
    }
  else if (axis == XP_AXIS_NODE_CLAIMS)
    {
      gboolean on = FALSE;
      xp_bench_node_claims_parse (value, &on);
      v = g_strdup (on ? "nc-on" : "nc-off");
    }
  else if (axis == XP_AXIS_XEN)
    v = g_strconcat ("xen", value, NULL);
  else
    v = g_strdup (value);
  for (char *c = v; *c; c++)
    if (!(g_ascii_isalnum (*c) || strchr ("._=+-", *c)))
      *c = '-';
  if (!*v)
    return g_strdup ("x");
  return g_steal_pointer (&v);
}

char *
xp_bench_axis_label (XpAxis axis, const char *value)
{
  if (axis == XP_AXIS_TRACE || axis == XP_AXIS_TOPOLOGY)
    {
      if (axis == XP_AXIS_TRACE || strchr (value, '/') || g_str_has_suffix (value, ".ini") || g_str_has_suffix (value, ".xml"))
        {
          char *b = g_path_get_basename (value);
          char *dot = strrchr (b, '.');
          if (dot && dot != b)
            *dot = '\0';
          return b;
        }
    }
  if (axis == XP_AXIS_NODE_CLAIMS)
    {
      gboolean on = FALSE;
      xp_bench_node_claims_parse (value, &on);
      return g_strdup (on ? "node-claims" : "no-node-claims");
    }
  if (axis == XP_AXIS_XEN)
    return g_strconcat ("Xen ", value, NULL);
  return g_strdup (value);
}

static void
fill_config_names (XpBenchPlan *p, XpBenchConfig *c)
{
  GString *id = g_string_new (NULL), *label = g_string_new (NULL);
  for (guint a = 0; a < XP_N_AXES; a++)
    {
      g_autofree char *comp = component (a, c->axis[a]);
      if (id->len)
        g_string_append (id, "__");
      g_string_append (id, comp);
      if (p->axis_values[a]->len > 1)
        {
          g_autofree char *lv = xp_bench_axis_label (a, c->axis[a]);
          if (label->len)
            g_string_append_c (label, ' ');
          g_string_append (label, lv);
        }
    }
  if (!label->len)
    g_string_append (label, p->scenario);
  c->id = g_string_free (id, FALSE);
  c->label = g_string_free (label, FALSE);
}

XpBenchPlan *
xp_bench_plan_new (const XpScenario *s, GError **error)
{
  g_autoptr (XpBenchPlan) p = plan_alloc ();
  p->source = s;
  p->scenario = g_strdup (s->name);
  p->description = g_strdup (s->description);
  p->repeat = s->repeat;
  p->speed_margin = s->speed_margin;
  for (guint a = 0; a < XP_N_AXES; a++)
    for (guint i = 0; i < s->axes[a]->len; i++)
      g_ptr_array_add (p->axis_values[a], g_strdup (s->axes[a]->pdata[i]));
  for (guint i = 0; i < s->xen_params->len; i++)
    g_ptr_array_add (p->xen_params, g_strdup (s->xen_params->pdata[i]));
  for (guint i = 0; i < s->tolerances->len; i++)
    {
      const XpTolerance *t = s->tolerances->pdata[i];
      XpTolerance *c = g_new (XpTolerance, 1);
      *c = *t;
      c->metric = g_strdup (t->metric);
      g_ptr_array_add (p->tolerances, c);
    }

  /* cartesian product, last axis fastest */
  guint idx[XP_N_AXES] = { 0 };
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  for (;;)
    {
      XpBenchConfig *c = g_new0 (XpBenchConfig, 1);
      for (guint a = 0; a < XP_N_AXES; a++)
        {
          c->axis[a] = g_strdup (s->axes[a]->pdata[idx[a]]);
          c->axis_index[a] = idx[a];
        }
      fill_config_names (p, c);
      XpBenchConfig *other = g_hash_table_lookup (ids, c->id);
      if (other)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                       "%s: configurations '%s' and '%s' would share the run file name '%s' (rename a file or "
                       "respell a value)", s->path, other->label, c->label, c->id);
          config_free (c);
          return NULL;
        }
      g_ptr_array_add (p->configs, c);
      g_hash_table_insert (ids, c->id, c);
      int a = XP_N_AXES - 1;
      while (a >= 0 && ++idx[a] == s->axes[a]->len)
        idx[a--] = 0;
      if (a < 0)
        break;
    }

  for (guint ci = 0; ci < p->configs->len; ci++)
    {
      const XpBenchConfig *c = p->configs->pdata[ci];
      for (guint si = 0; si < s->seeds->len; si++)
        {
          XpBenchRun *r = g_new0 (XpBenchRun, 1);
          r->config = ci;
          r->seed = g_array_index (s->seeds, guint64, si);
          r->name = g_strdup_printf ("%s__s%" G_GUINT64_FORMAT, c->id, r->seed);
          r->policy_spec = xp_scenario_effective_policy (s, c->axis[XP_AXIS_POLICY]);
          r->topology = xp_scenario_resolve_topology (s, c->axis[XP_AXIS_TOPOLOGY]);
          r->trace = xp_scenario_resolve_trace (s, c->axis[XP_AXIS_TRACE]);
          const XpScenarioPlugin *pl = xp_scenario_plugin (s, c->axis[XP_AXIS_POLICY]);
          if (pl)
            {
              r->policy_plugin = g_strdup (pl->path);
              r->policy_plugin_name = g_strdup (pl->name);
              r->plugin_sha256 = g_strdup (pl->sha256);
            }
          g_ptr_array_add (p->runs, r);
        }
    }
  return g_steal_pointer (&p);
}

void
xp_bench_plan_reduce (XpBenchPlan *p, guint64 max_vms, guint max_seeds)
{
  p->max_vms = max_vms;
  p->max_seeds = max_seeds;
  if (!max_seeds)
    return;
  /* runs are the configurations in order, each with its seeds in order */
  g_autofree guint *kept = g_new0 (guint, p->configs->len);
  for (guint i = 0; i < p->runs->len;)
    {
      const XpBenchRun *r = p->runs->pdata[i];
      if (kept[r->config] >= max_seeds)
        g_ptr_array_remove_index (p->runs, i);
      else
        {
          kept[r->config]++;
          i++;
        }
    }
}

void
xp_bench_reduced_to_json (gpointer builder, guint64 max_vms, guint max_seeds)
{
  JsonBuilder *b = builder;
  if (!max_vms && !max_seeds)
    return;
  json_builder_set_member_name (b, "reduced");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "max_vms");
  json_builder_add_int_value (b, (gint64) max_vms);
  json_builder_set_member_name (b, "max_seeds");
  json_builder_add_int_value (b, max_seeds);
  json_builder_end_object (b);
}

gboolean
xp_bench_reduced_from_json (gpointer object, const char *path, guint64 *max_vms, guint *max_seeds, GError **error)
{
  JsonObject *o = object;
  *max_vms = 0;
  *max_seeds = 0;
  if (!o || !json_object_has_member (o, "reduced"))
    return TRUE;
  JsonObject *r = xp_json_object (o, "reduced");
  gint64 v, k;
  if (!r || !xp_json_int (r, "max_vms", &v) || !xp_json_int (r, "max_seeds", &k) || v < 0 || k < 0 || k > G_MAXUINT
      || (v == 0 && k == 0))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                   "%s: reduced: expected {\"max_vms\": N, \"max_seeds\": N}, non-negative integers, not both 0", path);
      return FALSE;
    }
  *max_vms = (guint64) v;
  *max_seeds = (guint) k;
  return TRUE;
}

char *
xp_bench_run_path (const char *dir, const XpBenchRun *run)
{
  g_autofree char *file = g_strconcat (run->name, ".json", NULL);
  return g_build_filename (dir, "runs", file, NULL);
}

/* ---- matrix.json ----------------------------------------------------- */

#define SET_STR(b, k, v) (json_builder_set_member_name (b, k), (v) ? json_builder_add_string_value (b, v) : json_builder_add_null_value (b))
#define SET_INT(b, k, v) (json_builder_set_member_name (b, k), json_builder_add_int_value (b, (gint64) (v)))

static void
add_strings (JsonBuilder *b, const char *name, GPtrArray *v)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < v->len; i++)
    json_builder_add_string_value (b, v->pdata[i]);
  json_builder_end_array (b);
}

JsonNode *
xp_bench_plan_to_json (const XpBenchPlan *p)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  SET_STR (b, "schema", XP_BENCH_MATRIX_SCHEMA);
  SET_INT (b, "schema_version", XP_BENCH_MATRIX_SCHEMA_VERSION);
  SET_STR (b, "scenario", p->scenario);
  SET_STR (b, "description", p->description);
  SET_INT (b, "repeat", p->repeat);
  json_builder_set_member_name (b, "axes");
  json_builder_begin_object (b);
  for (guint a = 0; a < XP_N_AXES; a++)
    add_strings (b, xp_axis_name (a), p->axis_values[a]);
  json_builder_end_object (b);
  add_strings (b, "xen_params", p->xen_params);
  xp_gate_to_json (b, p->speed_margin, p->tolerances);
  xp_bench_reduced_to_json (b, p->max_vms, p->max_seeds);

  json_builder_set_member_name (b, "configurations");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->configs->len; i++)
    {
      const XpBenchConfig *c = p->configs->pdata[i];
      json_builder_begin_object (b);
      SET_STR (b, "id", c->id);
      SET_STR (b, "label", c->label);
      for (guint a = 0; a < XP_N_AXES; a++)
        SET_STR (b, xp_axis_name (a), c->axis[a]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->runs->len; i++)
    {
      const XpBenchRun *r = p->runs->pdata[i];
      const XpBenchConfig *c = p->configs->pdata[r->config];
      json_builder_begin_object (b);
      SET_STR (b, "name", r->name);
      SET_STR (b, "configuration", c->id);
      SET_INT (b, "seed", r->seed);
      SET_STR (b, "policy_spec", r->policy_spec);
      SET_STR (b, "topology", r->topology);
      SET_STR (b, "trace", r->trace);
      if (r->policy_plugin)
        {
          SET_STR (b, "policy_plugin", r->policy_plugin);
          SET_STR (b, "plugin_sha256", r->plugin_sha256);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
xp_bench_json_to_text (JsonNode *root)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 1);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  return g_strconcat (text, "\n", NULL);
}

gboolean
xp_bench_json_load (JsonParser *parser, const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: no such file", path);
      return FALSE;
    }
  if (!json_parser_load_from_file (parser, path, &local))
    {
      /* syntax errors already read "FILE:LINE:COLUMN: Parse error: ..." */
      if (g_str_has_prefix (local->message, path))
        g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s", local->message);
      else
        g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: %s", path, local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
xp_bench_plan_write (const XpBenchPlan *p, const char *path, GError **error)
{
  g_autoptr (JsonNode) root = xp_bench_plan_to_json (p);
  g_autofree char *text = xp_bench_json_to_text (root);
  return xp_write_file_atomic (path, text, -1, error);
}

/* ---- typed JSON access ------------------------------------------------ */

static const char *
node_string (JsonNode *n)
{
  if (!n || JSON_NODE_TYPE (n) != JSON_NODE_VALUE || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gboolean
node_int (JsonNode *n, gint64 *out)
{
  if (!n || JSON_NODE_TYPE (n) != JSON_NODE_VALUE || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return TRUE;
}

const char *
xp_json_string (JsonObject *o, const char *name)
{
  return node_string (o ? json_object_get_member (o, name) : NULL);
}

JsonObject *
xp_json_object (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonArray *
xp_json_array (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

gboolean
xp_json_int (JsonObject *o, const char *name, gint64 *out)
{
  return node_int (o ? json_object_get_member (o, name) : NULL, out);
}

gboolean
xp_json_number (JsonObject *o, const char *name, double *out)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  if (!n || JSON_NODE_TYPE (n) != JSON_NODE_VALUE)
    return FALSE;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    *out = (double) json_node_get_int (n);
  else if (t == G_TYPE_DOUBLE)
    *out = json_node_get_double (n);
  else
    return FALSE;
  return TRUE;
}

gboolean
xp_json_boolean (JsonObject *o, const char *name, gboolean *out)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  if (!n || JSON_NODE_TYPE (n) != JSON_NODE_VALUE || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return FALSE;
  *out = json_node_get_boolean (n);
  return TRUE;
}

static JsonNode *
element (JsonArray *a, guint i)
{
  return a && i < json_array_get_length (a) ? json_array_get_element (a, i) : NULL;
}

const char *
xp_json_element_string (JsonArray *a, guint i)
{
  return node_string (element (a, i));
}

JsonArray *
xp_json_element_array (JsonArray *a, guint i)
{
  JsonNode *n = element (a, i);
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

JsonObject *
xp_json_element_object (JsonArray *a, guint i)
{
  JsonNode *n = element (a, i);
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

gboolean
xp_json_element_int (JsonArray *a, guint i, gint64 *out)
{
  return node_int (element (a, i), out);
}

#define get_str xp_json_string
#define get_obj xp_json_object
#define get_arr xp_json_array
#define get_int xp_json_int

#define BAD(...) do { g_set_error (error, XP_ERROR, XP_ERROR_PARSE, __VA_ARGS__); return NULL; } while (0)

XpBenchPlan *
xp_bench_plan_load (const char *path, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!xp_bench_json_load (parser, path, error))
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  const char *schema = get_str (o, "schema");
  gint64 version;
  if (!schema || strcmp (schema, XP_BENCH_MATRIX_SCHEMA) != 0)
    BAD ("%s: schema: expected \"%s\"", path, XP_BENCH_MATRIX_SCHEMA);
  if (!get_int (o, "schema_version", &version) || version != XP_BENCH_MATRIX_SCHEMA_VERSION)
    BAD ("%s: schema_version: expected %d", path, XP_BENCH_MATRIX_SCHEMA_VERSION);

  g_autoptr (XpBenchPlan) p = plan_alloc ();
  const char *name = get_str (o, "scenario");
  if (!name)
    BAD ("%s: scenario: expected a string", path);
  p->scenario = g_strdup (name);
  p->description = g_strdup (get_str (o, "description"));
  gint64 repeat = 1;
  if (get_int (o, "repeat", &repeat) && repeat >= 1)
    p->repeat = (guint) repeat;
  JsonObject *axes = get_obj (o, "axes");
  for (guint a = 0; a < XP_N_AXES; a++)
    {
      JsonArray *v = get_arr (axes, xp_axis_name (a));
      if (!v)
        BAD ("%s: axes.%s: expected an array of strings", path, xp_axis_name (a));
      for (guint i = 0; i < json_array_get_length (v); i++)
        {
          JsonNode *n = json_array_get_element (v, i);
          if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
            BAD ("%s: axes.%s[%u]: expected a string", path, xp_axis_name (a), i);
          g_ptr_array_add (p->axis_values[a], g_strdup (json_node_get_string (n)));
        }
    }
  JsonArray *xp = get_arr (o, "xen_params");
  for (guint i = 0; xp && i < json_array_get_length (xp); i++)
    {
      const char *v = xp_json_element_string (xp, i);
      if (!v)
        BAD ("%s: xen_params[%u]: expected a string", path, i);
      g_ptr_array_add (p->xen_params, g_strdup (v));
    }
  if (!xp_gate_from_json (o, path, &p->speed_margin, p->tolerances, error)
      || !xp_bench_reduced_from_json (o, path, &p->max_vms, &p->max_seeds, error))
    return NULL;

  JsonArray *configs = get_arr (o, "configurations");
  if (!configs)
    BAD ("%s: configurations: expected an array", path);
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length (configs); i++)
    {
      JsonNode *n = json_array_get_element (configs, i);
      JsonObject *c = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *id = get_str (c, "id"), *label = get_str (c, "label");
      if (!id || !label)
        BAD ("%s: configurations[%u]: expected id and label strings", path, i);
      XpBenchConfig *cfg = g_new0 (XpBenchConfig, 1);
      cfg->id = g_strdup (id);
      cfg->label = g_strdup (label);
      g_ptr_array_add (p->configs, cfg);
      for (guint a = 0; a < XP_N_AXES; a++)
        {
          const char *v = get_str (c, xp_axis_name (a));
          if (!v)
            BAD ("%s: configurations[%u].%s: expected a string", path, i, xp_axis_name (a));
          cfg->axis[a] = g_strdup (v);
          for (guint k = 0; k < p->axis_values[a]->len; k++)
            if (strcmp (p->axis_values[a]->pdata[k], v) == 0)
              cfg->axis_index[a] = k;
        }
      g_hash_table_insert (ids, cfg->id, GUINT_TO_POINTER (i + 1));
    }
  JsonArray *runs = get_arr (o, "runs");
  if (!runs)
    BAD ("%s: runs: expected an array", path);
  for (guint i = 0; i < json_array_get_length (runs); i++)
    {
      JsonNode *n = json_array_get_element (runs, i);
      JsonObject *r = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *rname = get_str (r, "name"), *cid = get_str (r, "configuration");
      gint64 seed;
      if (!rname || !cid || !get_int (r, "seed", &seed) || strchr (rname, '/'))
        BAD ("%s: runs[%u]: expected name, configuration and seed", path, i);
      guint ci = GPOINTER_TO_UINT (g_hash_table_lookup (ids, cid));
      if (!ci)
        BAD ("%s: runs[%u].configuration: no configuration '%s'", path, i, cid);
      XpBenchRun *run = g_new0 (XpBenchRun, 1);
      run->name = g_strdup (rname);
      run->config = ci - 1;
      run->seed = (guint64) seed;
      run->policy_spec = g_strdup (get_str (r, "policy_spec"));
      run->topology = g_strdup (get_str (r, "topology"));
      run->trace = g_strdup (get_str (r, "trace"));
      run->policy_plugin = g_strdup (get_str (r, "policy_plugin"));
      run->plugin_sha256 = g_strdup (get_str (r, "plugin_sha256"));
      if (json_object_has_member (r, "plugin_sha256") && !run->plugin_sha256)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: runs[%u].plugin_sha256: expected a string", path, i);
          run_free (run);
          return NULL;
        }
      g_ptr_array_add (p->runs, run);
    }
  return g_steal_pointer (&p);
}

/* ---- manifest ---------------------------------------------------------- */

GStrv
xp_bench_run_argv (const XpBenchPlan *p, const XpBenchRun *run, const char *xenplace, const char *out_path)
{
  const XpBenchConfig *c = p->configs->pdata[run->config];
  GStrvBuilder *b = g_strv_builder_new ();
  g_strv_builder_add_many (b, xenplace, "replay", "--topology", run->topology, "--trace", run->trace, NULL);
  g_autofree char *plugin_policy = NULL, *plugin_as_written = NULL;
  if (run->policy_plugin)
    {
      /* replay takes a plugin as --policy-plugin FILE --policy NAME:params,
       * and names it in the results as the scenario writes it */
      const char *colon = strchr (run->policy_spec, ':');
      plugin_policy = g_strconcat (run->policy_plugin_name ? run->policy_plugin_name : "?", colon ? colon : "", NULL);
      plugin_as_written = g_strndup (run->policy_spec, strcspn (run->policy_spec, ":"));
      g_strv_builder_add_many (b, "--policy-plugin", run->policy_plugin, "--policy", plugin_policy, "--results-plugin",
                               plugin_as_written, NULL);
    }
  else
    g_strv_builder_add_many (b, "--policy", run->policy_spec, NULL);
  const char *ts = c->axis[XP_AXIS_TOOLSTACK];
  size_t n = strcspn (ts, ":");
  g_autofree char *kind = g_strndup (ts, n);
  g_strv_builder_add_many (b, "--toolstack", kind, NULL);
  if (ts[n])
    {
      g_auto (GStrv) assignments = g_strsplit (ts + n + 1, ",", -1);
      for (guint i = 0; assignments[i]; i++)
        g_strv_builder_add_many (b, "--ts", assignments[i], NULL);
    }
  g_strv_builder_add_many (b, "--xen", c->axis[XP_AXIS_XEN], NULL);
  gboolean nc = FALSE;
  xp_bench_node_claims_parse (c->axis[XP_AXIS_NODE_CLAIMS], &nc);
  if (nc)
    g_strv_builder_add (b, "--node-claims");
  for (guint i = 0; i < p->xen_params->len; i++)
    g_strv_builder_add_many (b, "--xen-param", p->xen_params->pdata[i], NULL);
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, run->seed);
  /* the results name the inputs as the scenario does, as bench run's */
  g_strv_builder_add_many (b, "--results-topology", c->axis[XP_AXIS_TOPOLOGY], "--results-trace",
                           c->axis[XP_AXIS_TRACE], NULL);
  g_strv_builder_add_many (b, "--seed", seed, "--quiet", "--out", out_path, NULL);
  GStrv argv = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return argv;
}

char *
xp_bench_manifest (const XpBenchPlan *p, const char *dir, const char *xenplace)
{
  GString *out = g_string_new (NULL);
  g_autofree char *absdir = g_canonicalize_filename (dir, NULL);
  for (guint i = 0; i < p->runs->len; i++)
    {
      const XpBenchRun *r = p->runs->pdata[i];
      g_autofree char *path = xp_bench_run_path (absdir, r);
      g_auto (GStrv) argv = xp_bench_run_argv (p, r, xenplace, path);
      for (guint k = 0; argv[k]; k++)
        {
          g_autofree char *q = g_shell_quote (argv[k]);
          /* keep simple words readable */
          gboolean plain = *argv[k] != '\0';
          for (const char *c = argv[k]; *c && plain; c++)
            plain = g_ascii_isalnum (*c) || strchr ("/._=+-:,@%", *c);
          if (k)
            g_string_append_c (out, ' ');
          g_string_append (out, plain ? argv[k] : q);
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}
