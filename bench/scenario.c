/* xenplace — benchmark scenario files. */
#include "config.h"
#include <json-glib/json-glib.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "bench/scenario.h"
#include "bench/matrix.h"
#include "policies/policy.h"
#include "sim/error.h"
#include "sim/toolstack.h"
#include "sim/xen/xen.h"

static const char *axis_names[XP_N_AXES] = { "policy", "topology", "trace", "toolstack", "xen", "node_claims" };
static const char *axis_keys[XP_N_AXES] = { "policies", "topologies", "traces", "toolstacks", "xen", "node_claims" };
static const char *axis_defaults[XP_N_AXES] = { NULL, NULL, NULL, "xenopsd", "4.17", "off" };

const char *
xp_axis_name (XpAxis axis)
{
  return axis < XP_N_AXES ? axis_names[axis] : "?";
}

const char *
xp_axis_key (XpAxis axis)
{
  return axis < XP_N_AXES ? axis_keys[axis] : "?";
}

static void
policy_group_free (gpointer p)
{
  XpPolicyGroup *g = p;
  g_free (g->name);
  g_ptr_array_unref (g->params);
  g_free (g);
}

static void
plugin_free (gpointer p)
{
  XpScenarioPlugin *pl = p;
  g_free (pl->path);
  g_free (pl->name);
  g_free (pl->sha256);
  g_free (pl);
}

const XpScenarioPlugin *
xp_scenario_plugin (const XpScenario *s, const char *spec)
{
  return s->plugins ? g_hash_table_lookup (s->plugins, spec) : NULL;
}

/* The name a [policy.NAME] group must have to apply to the entry @spec:
 * the part before ':' of a built-in's spec, a plugin's own policy name. */
static char *
group_key (const XpScenario *s, const char *spec)
{
  const XpScenarioPlugin *pl = xp_scenario_plugin (s, spec);
  return pl ? g_strdup (pl->name) : g_strndup (spec, strcspn (spec, ":"));
}

void
xp_tolerance_free (gpointer p)
{
  XpTolerance *t = p;
  g_free (t->metric);
  g_free (t);
}

void
xp_scenario_free (XpScenario *s)
{
  if (!s)
    return;
  g_free (s->path);
  g_free (s->dir);
  g_free (s->name);
  g_free (s->description);
  if (s->seeds)
    g_array_unref (s->seeds);
  for (guint a = 0; a < XP_N_AXES; a++)
    if (s->axes[a])
      g_ptr_array_unref (s->axes[a]);
  if (s->xen_params)
    g_ptr_array_unref (s->xen_params);
  if (s->policy_groups)
    g_ptr_array_unref (s->policy_groups);
  if (s->plugins)
    g_hash_table_unref (s->plugins);
  if (s->tolerances)
    g_ptr_array_unref (s->tolerances);
  g_free (s);
}

/* ---- line map: GKeyFile does not say where a key is, so scan the text
 * ourselves; this also rejects malformed lines and duplicate keys with a
 * line number, which GKeyFile cannot. */

typedef struct {
  const char *path;
  GHashTable *lines;   /* "group\nkey" or "group" → line */
} LineMap;

static guint
line_of (const LineMap *map, const char *group, const char *key)
{
  g_autofree char *k = key ? g_strconcat (group, "\n", key, NULL) : g_strdup (group);
  return GPOINTER_TO_UINT (g_hash_table_lookup (map->lines, k));
}

static gboolean
scan_lines (LineMap *map, const char *text, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *group = NULL;
  for (guint i = 0; lines[i]; i++)
    {
      guint lineno = i + 1;
      if (!g_utf8_validate (lines[i], -1, NULL))
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: not UTF-8 text", map->path, lineno);
          return FALSE;
        }
      char *l = g_strstrip (lines[i]);
      /* only '#' starts a comment, as for GKeyFile (a ';' line is a key
       * there, so it must be one here too) */
      if (!*l || *l == '#')
        continue;
      if (*l == '[')
        {
          size_t n = strlen (l);
          if (l[n - 1] != ']' || n < 3)
            {
              g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: malformed group header '%s' (expected [NAME])", map->path, lineno, l);
              return FALSE;
            }
          g_free (group);
          group = g_strndup (l + 1, n - 2);
          if (g_hash_table_contains (map->lines, group))
            {
              g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: group [%s] appears twice (first at line %u)", map->path,
                           lineno, group, GPOINTER_TO_UINT (g_hash_table_lookup (map->lines, group)));
              return FALSE;
            }
          g_hash_table_insert (map->lines, g_strdup (group), GUINT_TO_POINTER (lineno));
          continue;
        }
      char *eq = strchr (l, '=');
      if (!eq || eq == l)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: expected 'key = value', '[group]' or a '#' comment, got '%s'",
                       map->path, lineno, l);
          return FALSE;
        }
      if (!group)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: key outside a group (start the file with [scenario])",
                       map->path, lineno);
          return FALSE;
        }
      g_autofree char *key = g_strstrip (g_strndup (l, eq - l));
      g_autofree char *k = g_strconcat (group, "\n", key, NULL);
      guint first = GPOINTER_TO_UINT (g_hash_table_lookup (map->lines, k));
      if (first)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: %s: given twice (first at line %u)", map->path, lineno, key, first);
          return FALSE;
        }
      g_hash_table_insert (map->lines, g_steal_pointer (&k), GUINT_TO_POINTER (lineno));
    }
  return TRUE;
}

/* ---- values ----------------------------------------------------------- */

/* Split a list on @seps, trimming entries; a trailing separator is
 * allowed, an empty entry in the middle or an empty list is not. */
static GPtrArray *
split_list (const LineMap *map, guint line, const char *key, const char *value, const char *seps, GError **error)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) parts = g_strsplit_set (value, seps, -1);
  guint n = g_strv_length (parts);
  for (guint i = 0; i < n; i++)
    {
      char *p = g_strstrip (parts[i]);
      if (!*p)
        {
          if (i + 1 == n && i > 0)
            break;
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: %s: %s", map->path, line, key,
                       n == 1 ? "empty list (give at least one value)" : "empty entry in the list");
          g_ptr_array_unref (out);
          return NULL;
        }
      g_ptr_array_add (out, g_strdup (p));
    }
  if (!out->len)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: %s: empty list (give at least one value)", map->path, line, key);
      g_ptr_array_unref (out);
      return NULL;
    }
  return out;
}

static gboolean
parse_u64 (const char *text, guint64 *out)
{
  if (!g_ascii_isdigit (*text))
    return FALSE;
  char *end;
  errno = 0;
  guint64 v = g_ascii_strtoull (text, &end, 10);
  if (errno || *end)
    return FALSE;
  *out = v;
  return TRUE;
}

#define XP_MAX_SEEDS 100000
/* A matrix (configurations × seeds) above this is a typo, not a benchmark:
 * refused before anything is allocated for it. */
#define XP_MAX_RUNS 100000

static gboolean
parse_seeds (XpScenario *s, const LineMap *map, guint line, const char *value, GError **error)
{
  g_autoptr (GPtrArray) items = split_list (map, line, "seeds", value, ";,", error);
  if (!items)
    return FALSE;
  /* seeds seen so far: a duplicate is found in constant time, not by
   * scanning the list (which made 100000 seeds take seconds) */
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < items->len; i++)
    {
      const char *item = items->pdata[i];
      guint64 lo, hi;
      const char *dash = strchr (item, '-');
      gboolean ok;
      if (dash)
        {
          g_autofree char *a = g_strstrip (g_strndup (item, dash - item));
          g_autofree char *b = g_strstrip (g_strdup (dash + 1));
          ok = parse_u64 (a, &lo) && parse_u64 (b, &hi) && lo <= hi;
        }
      else
        {
          ok = parse_u64 (item, &lo);
          hi = lo;
        }
      if (!ok)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: seeds: '%s' is not a seed (non-negative integer) or a range A-B with A <= B",
                       map->path, line, item);
          return FALSE;
        }
      if (hi - lo >= XP_MAX_SEEDS || s->seeds->len + (hi - lo) >= XP_MAX_SEEDS)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s:%u: seeds: more than %u seeds", map->path, line, XP_MAX_SEEDS);
          return FALSE;
        }
      for (guint64 v = lo;; v++)
        {
          gint64 *key = g_new (gint64, 1);
          *key = (gint64) v;
          if (!g_hash_table_add (seen, key))
            {
              g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s:%u: seeds: seed %" G_GUINT64_FORMAT " given twice",
                           map->path, line, v);
              return FALSE;
            }
          g_array_append_val (s->seeds, v);
          if (v == hi)
            break;
        }
    }
  return TRUE;
}

gboolean
xp_tolerance_parse (const char *text, double *value, gboolean *relative)
{
  g_autofree char *t = g_strstrip (g_strdup (text));
  size_t n = strlen (t);
  gboolean rel = n > 0 && t[n - 1] == '%';
  if (rel)
    t[--n] = '\0';
  if (!n)
    return FALSE;
  char *end;
  errno = 0;
  double v = g_ascii_strtod (t, &end);
  if (errno || *end || end == t || !isfinite (v) || v < 0)
    return FALSE;
  *value = rel ? v / 100.0 : v;
  *relative = rel;
  return TRUE;
}

static gboolean
parse_bool_word (const char *v, gboolean *out)
{
  static const char *yes[] = { "on", "true", "yes", "1", "single" };
  static const char *no[] = { "off", "false", "no", "0", "none" };
  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_ascii_strcasecmp (v, yes[i]) == 0)
        return (*out = TRUE), TRUE;
      if (g_ascii_strcasecmp (v, no[i]) == 0)
        return (*out = FALSE), TRUE;
    }
  return FALSE;
}

gboolean
xp_bench_node_claims_parse (const char *value, gboolean *on)
{
  return parse_bool_word (value, on);
}

/* ---- validation of axis values against their modules -------------------- */

static gboolean
validate_axis_value (XpScenario *s, XpAxis axis, const char *value, guint line, GError **error)
{
  g_autoptr (GError) local = NULL;
  const char *key = axis_keys[axis];
  switch (axis)
    {
    case XP_AXIS_POLICY:
      {
        if (strpbrk (value, " \t"))
          {
            g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                         "%s:%u: %s: '%s' contains a space (separate list entries with ';', parameters with ',')",
                         s->path, line, key, value);
            return FALSE;
          }
        if (xp_policy_spec_is_plugin (value) && !g_hash_table_contains (s->plugins, value))
          {
            /* load it now: a missing or broken plugin is an error of the
             * scenario, found before anything runs; its name picks the
             * [policy.NAME] group */
            g_autofree char *file = xp_policy_spec_plugin_path (value, s->dir);
            const XpPolicy *pp = xp_policy_load_plugin (file, &local);
            g_autofree char *sha = pp ? xp_policy_plugin_sha256 (file, &local) : NULL;
            if (!sha)
              {
                g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s:%u: %s: '%s': %s", s->path, line, key, value,
                             local ? local->message : "cannot load plugin");
                return FALSE;
              }
            XpScenarioPlugin *pl = g_new0 (XpScenarioPlugin, 1);
            pl->path = g_steal_pointer (&file);
            pl->name = g_strdup (pp->name);
            pl->sha256 = g_steal_pointer (&sha);
            g_hash_table_insert (s->plugins, g_strdup (value), pl);
          }
        g_autofree char *spec = xp_scenario_effective_policy (s, value);
        GPtrArray *params = NULL;
        const XpPolicy *p = xp_policy_parse_spec_in (spec, s->dir, &params, &local);
        if (params)
          g_ptr_array_unref (params);
        if (!p)
          {
            g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s:%u: %s: '%s': %s", s->path, line, key, value,
                         local ? local->message : "invalid policy");
            return FALSE;
          }
        return TRUE;
      }
    case XP_AXIS_TOOLSTACK:
      {
        XpToolstackParams tp;
        if (!xp_bench_toolstack_parse (value, &tp, &local))
          {
            g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s:%u: %s: '%s': %s", s->path, line, key, value, local->message);
            return FALSE;
          }
        return TRUE;
      }
    case XP_AXIS_XEN:
      {
        XpXenBehaviour b;
        if (!xp_xen_behaviour_init (&b, value, &local))
          {
            g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s:%u: %s: '%s': %s", s->path, line, key, value,
                         local ? local->message : "unknown Xen version");
            return FALSE;
          }
        return TRUE;
      }
    case XP_AXIS_NODE_CLAIMS:
      {
        gboolean on;
        if (!parse_bool_word (value, &on))
          {
            g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: %s: '%s': expected on or off", s->path, line, key, value);
            return FALSE;
          }
        return TRUE;
      }
    case XP_AXIS_TOPOLOGY:
    case XP_AXIS_TRACE:
    default:
      return TRUE;   /* loaded (and checked) by the runner */
    }
}

/* ---- the scenario ----------------------------------------------------- */

/* A value with GKeyFile's escapes applied and a trailing comment (a '#'
 * after a space or tab) removed; GKeyFile itself only knows whole-line
 * comments. *@out is NULL if the key is absent; FALSE with an error naming
 * the line when the value cannot be read (a bad escape sequence). */
static gboolean
get_value (GKeyFile *kf, const LineMap *map, const char *group, const char *key, char **out, GError **error)
{
  *out = NULL;
  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;
  g_autoptr (GError) local = NULL;
  char *v = g_key_file_get_string (kf, group, key, &local);
  if (!v)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: %s: %s", map->path, line_of (map, group, key), key,
                   local ? local->message : "cannot be read");
      return FALSE;
    }
  for (char *c = v; *c; c++)
    if (*c == '#' && c > v && (c[-1] == ' ' || c[-1] == '\t'))
      {
        *c = '\0';
        break;
      }
  *out = g_strstrip (v);
  return TRUE;
}

static const char *scenario_keys[] = { "name", "description", "seeds", "repeat", "policies", "topologies", "traces",
                                       "toolstacks", "xen", "node_claims", "xen_params" };

static gboolean
check_duplicates (XpScenario *s, XpAxis a, guint line, GError **error)
{
  GPtrArray *v = s->axes[a];
  for (guint i = 0; i < v->len; i++)
    for (guint j = 0; j < i; j++)
      if (strcmp (v->pdata[i], v->pdata[j]) == 0)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s:%u: %s: '%s' given twice", s->path, line, axis_keys[a],
                       (const char *) v->pdata[i]);
          return FALSE;
        }
  return TRUE;
}

XpScenario *
xp_scenario_parse (const char *path, const char *text, GError **error)
{
  g_autoptr (XpScenario) s = g_new0 (XpScenario, 1);
  s->path = g_strdup (path);
  s->dir = g_path_get_dirname (path);
  s->seeds = g_array_new (FALSE, FALSE, sizeof (guint64));
  s->xen_params = g_ptr_array_new_with_free_func (g_free);
  s->policy_groups = g_ptr_array_new_with_free_func (policy_group_free);
  s->plugins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, plugin_free);
  s->tolerances = g_ptr_array_new_with_free_func (xp_tolerance_free);
  s->speed_margin = -1;
  s->repeat = 1;

  /* a UTF-8 byte order mark, as some editors save, is not text */
  if (g_str_has_prefix (text, "\xef\xbb\xbf"))
    text += 3;
  g_autoptr (GHashTable) lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  LineMap map = { path, lines };
  if (!scan_lines (&map, text, error))
    return NULL;

  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  if (!g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:1: %s", path, local->message);
      return NULL;
    }

  /* groups */
  gsize n_groups;
  g_auto (GStrv) groups = g_key_file_get_groups (kf, &n_groups);
  if (!g_key_file_has_group (kf, "scenario"))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:1: no [scenario] group", path);
      return NULL;
    }
  for (gsize g = 0; g < n_groups; g++)
    {
      const char *grp = groups[g];
      if (strcmp (grp, "scenario") == 0 || strcmp (grp, "gate") == 0)
        continue;
      if (g_str_has_prefix (grp, "policy.") && grp[7])
        {
          XpPolicyGroup *pg = g_new0 (XpPolicyGroup, 1);
          pg->name = g_strdup (grp + 7);
          pg->params = g_ptr_array_new_with_free_func (g_free);
          pg->line = line_of (&map, grp, NULL);
          g_ptr_array_add (s->policy_groups, pg);
          g_auto (GStrv) keys = g_key_file_get_keys (kf, grp, NULL, NULL);
          for (guint k = 0; keys && keys[k]; k++)
            {
              g_autofree char *v = NULL;
              if (!get_value (kf, &map, grp, keys[k], &v, error))
                return NULL;
              g_ptr_array_add (pg->params, g_strdup_printf ("%s=%s", keys[k], v));
            }
          continue;
        }
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: unknown group [%s] (expected [scenario], [policy.NAME] or [gate])",
                   path, line_of (&map, grp, NULL), grp);
      return NULL;
    }

  /* [scenario] keys */
  g_auto (GStrv) keys = g_key_file_get_keys (kf, "scenario", NULL, NULL);
  for (guint k = 0; keys && keys[k]; k++)
    {
      gboolean known = FALSE;
      for (guint i = 0; i < G_N_ELEMENTS (scenario_keys); i++)
        known |= strcmp (keys[k], scenario_keys[i]) == 0;
      if (!known)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                       "%s:%u: unknown key '%s' in [scenario] (expected name, description, seeds, repeat, policies, "
                       "topologies, traces, toolstacks, xen, node_claims or xen_params)",
                       path, line_of (&map, "scenario", keys[k]), keys[k]);
          return NULL;
        }
    }

  g_autofree char *name = NULL, *description = NULL, *seeds = NULL, *repeat = NULL, *xen_params = NULL;
  if (!get_value (kf, &map, "scenario", "name", &name, error)
      || !get_value (kf, &map, "scenario", "description", &description, error)
      || !get_value (kf, &map, "scenario", "seeds", &seeds, error)
      || !get_value (kf, &map, "scenario", "repeat", &repeat, error)
      || !get_value (kf, &map, "scenario", "xen_params", &xen_params, error))
    return NULL;
  if (name)
    g_strstrip (name);
  if (!name || !*name)
    {
      g_autofree char *base = g_path_get_basename (path);
      char *dot = strrchr (base, '.');
      if (dot && dot != base)
        *dot = '\0';
      s->name = g_strdup (base);
    }
  else
    s->name = g_steal_pointer (&name);
  s->description = g_steal_pointer (&description);

  if (!parse_seeds (s, &map, line_of (&map, "scenario", "seeds"), seeds ? seeds : "1", error))
    return NULL;

  if (repeat)
    {
      guint64 r;
      g_strstrip (repeat);
      if (!parse_u64 (repeat, &r) || r < 1 || r > 1000)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: repeat: '%s': expected an integer 1..1000", path,
                       line_of (&map, "scenario", "repeat"), repeat);
          return NULL;
        }
      s->repeat = (guint) r;
    }

  if (xen_params)
    {
      s->xen_params_line = line_of (&map, "scenario", "xen_params");
      g_autoptr (GPtrArray) v = split_list (&map, s->xen_params_line, "xen_params", xen_params, ";", error);
      if (!v)
        return NULL;
      XpXenParams xp;
      xp_xen_params_init_defaults (&xp);
      for (guint i = 0; i < v->len; i++)
        {
          if (!xp_xen_params_set (&xp, v->pdata[i], &local))
            {
              g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s:%u: xen_params: '%s': %s", path, s->xen_params_line,
                           (const char *) v->pdata[i], local ? local->message : "invalid");
              return NULL;
            }
          g_ptr_array_add (s->xen_params, g_strdup (v->pdata[i]));
        }
    }

  /* axes; [policy.NAME] groups are known by now (effective specs) */
  for (guint a = 0; a < XP_N_AXES; a++)
    {
      g_autofree char *v = NULL;
      if (!get_value (kf, &map, "scenario", axis_keys[a], &v, error))
        return NULL;
      guint line = line_of (&map, "scenario", axis_keys[a]);
      if (!v)
        {
          if (!axis_defaults[a])
            {
              g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: [scenario]: missing key '%s'", path,
                           line_of (&map, "scenario", NULL), axis_keys[a]);
              return NULL;
            }
          s->axes[a] = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (s->axes[a], g_strdup (axis_defaults[a]));
          continue;
        }
      s->axis_line[a] = line;
      s->axes[a] = split_list (&map, line, axis_keys[a], v, ";", error);
      if (!s->axes[a])
        return NULL;
      if (a == XP_AXIS_TOPOLOGY)
        {
          /* a synthetic topology has ';'-separated options of its own:
           * "synthetic:pack:2 numa:2; mem=64GiB; dist=10,21" — glue them
           * back to the entry they belong to */
          GPtrArray *t = s->axes[a];
          for (guint i = 1; i < t->len;)
            {
              const char *e = t->pdata[i];
              if ((g_str_has_prefix (e, "mem=") || g_str_has_prefix (e, "dist=") || g_str_has_prefix (e, "cpuless="))
                  && g_str_has_prefix (t->pdata[i - 1], "synthetic:"))
                {
                  char *joined = g_strconcat (t->pdata[i - 1], "; ", e, NULL);
                  g_free (t->pdata[i - 1]);
                  t->pdata[i - 1] = joined;
                  g_ptr_array_remove_index (t, i);
                }
              else
                i++;
            }
        }
      if (!check_duplicates (s, a, line, error))
        return NULL;
      for (guint i = 0; i < s->axes[a]->len; i++)
        if (!validate_axis_value (s, a, s->axes[a]->pdata[i], line, error))
          return NULL;
    }

  /* the size of the matrix (saturating: lists can be long) */
  guint64 runs = s->seeds->len;
  g_autoptr (GString) product = g_string_new (NULL);
  for (guint a = 0; a < XP_N_AXES; a++)
    {
      guint n = s->axes[a]->len;
      runs = runs > G_MAXUINT64 / n ? G_MAXUINT64 : runs * n;
      if (n > 1)
        g_string_append_printf (product, "%u %s × ", n, axis_keys[a]);
    }
  if (runs > XP_MAX_RUNS)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "%s:%u: [scenario]: %s%u seeds make %" G_GUINT64_FORMAT " runs, more than %u", path,
                   line_of (&map, "scenario", NULL), product->str, s->seeds->len, runs, XP_MAX_RUNS);
      return NULL;
    }

  /* every [policy.NAME] group must apply to some policy */
  for (guint g = 0; g < s->policy_groups->len; g++)
    {
      XpPolicyGroup *pg = s->policy_groups->pdata[g];
      gboolean used = FALSE;
      for (guint i = 0; i < s->axes[XP_AXIS_POLICY]->len; i++)
        {
          g_autofree char *gk = group_key (s, s->axes[XP_AXIS_POLICY]->pdata[i]);
          used |= strcmp (gk, pg->name) == 0;
        }
      if (!used)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s:%u: [policy.%s]: no policy '%s' in policies", path, pg->line,
                       pg->name, pg->name);
          return NULL;
        }
    }

  /* [gate] */
  g_auto (GStrv) gkeys = g_key_file_get_keys (kf, "gate", NULL, NULL);
  for (guint k = 0; gkeys && gkeys[k]; k++)
    {
      guint line = line_of (&map, "gate", gkeys[k]);
      g_autofree char *v = NULL;
      if (!get_value (kf, &map, "gate", gkeys[k], &v, error))
        return NULL;
      double value;
      gboolean rel;
      if (!xp_tolerance_parse (v, &value, &rel))
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: %s: '%s': expected a non-negative number or a percentage (5%%)",
                       path, line, gkeys[k], v);
          return NULL;
        }
      if (strcmp (gkeys[k], "speed_margin") == 0)
        {
          /* "25%" and 0.25 mean the same for a margin */
          s->speed_margin = value;
          continue;
        }
      XpTolerance *t = g_new0 (XpTolerance, 1);
      t->metric = g_strdup (gkeys[k]);
      t->value = value;
      t->relative = rel;
      g_ptr_array_add (s->tolerances, t);
    }
  return g_steal_pointer (&s);
}

XpScenario *
xp_scenario_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot read: %s", path, local->message);
      return NULL;
    }
  return xp_scenario_parse (path, text, error);
}

char *
xp_scenario_effective_policy (const XpScenario *s, const char *spec)
{
  size_t n = strcspn (spec, ":");
  GString *out = g_string_new (spec);
  gboolean has_params = spec[n] == ':';
  g_autofree char *gk = group_key (s, spec);
  for (guint g = 0; g < s->policy_groups->len; g++)
    {
      XpPolicyGroup *pg = s->policy_groups->pdata[g];
      if (strcmp (pg->name, gk) != 0)
        continue;
      for (guint i = 0; i < pg->params->len; i++)
        {
          /* a parameter given in the spec itself wins over the group's */
          const char *kv = pg->params->pdata[i];
          size_t kn = strcspn (kv, "=");
          gboolean overridden = FALSE;
          if (has_params)
            {
              g_auto (GStrv) own = g_strsplit (spec + n + 1, ",", -1);
              for (guint j = 0; own[j]; j++)
                overridden |= strncmp (own[j], kv, kn) == 0 && own[j][kn] == '=';
            }
          if (overridden)
            continue;
          g_string_append_c (out, out->len == n ? ':' : ',');
          g_string_append (out, kv);
        }
    }
  return g_string_free (out, FALSE);
}

char *
xp_scenario_resolve_trace (const XpScenario *s, const char *value)
{
  if (g_path_is_absolute (value))
    return g_strdup (value);
  g_autofree char *joined = g_build_filename (s->dir, value, NULL);
  return g_canonicalize_filename (joined, NULL);
}

char *
xp_scenario_resolve_topology (const XpScenario *s, const char *value)
{
  if (g_str_has_prefix (value, "synthetic:") || strcmp (value, "host") == 0)
    return g_strdup (value);
  if (strchr (value, '/') || g_str_has_suffix (value, ".ini") || g_str_has_suffix (value, ".xml"))
    return xp_scenario_resolve_trace (s, value);
  return g_strdup (value);
}

void
xp_gate_to_json (gpointer builder, double speed_margin, const GPtrArray *tolerances)
{
  JsonBuilder *b = builder;
  json_builder_set_member_name (b, "gate");
  json_builder_begin_object (b);
  if (speed_margin >= 0)
    {
      json_builder_set_member_name (b, "speed_margin");
      json_builder_add_double_value (b, speed_margin);
    }
  json_builder_set_member_name (b, "tolerances");
  json_builder_begin_object (b);
  for (guint i = 0; i < tolerances->len; i++)
    {
      const XpTolerance *t = tolerances->pdata[i];
      json_builder_set_member_name (b, t->metric);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "value");
      json_builder_add_double_value (b, t->value);
      json_builder_set_member_name (b, "relative");
      json_builder_add_boolean_value (b, t->relative);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
}

gboolean
xp_gate_from_json (gpointer object, const char *path, double *speed_margin, GPtrArray *tolerances, GError **error)
{
  JsonObject *o = object;
  if (!json_object_has_member (o, "gate"))
    return TRUE;
  JsonObject *gate = xp_json_object (o, "gate");
  if (!gate)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: gate: expected an object", path);
      return FALSE;
    }
  if (json_object_has_member (gate, "speed_margin"))
    {
      double v;
      if (!xp_json_number (gate, "speed_margin", &v) || !(v >= 0))
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: gate.speed_margin: expected a non-negative number", path);
          return FALSE;
        }
      *speed_margin = v;
    }
  if (!json_object_has_member (gate, "tolerances"))
    return TRUE;
  JsonObject *tol = xp_json_object (gate, "tolerances");
  if (!tol)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: gate.tolerances: expected an object", path);
      return FALSE;
    }
  GList *members = json_object_get_members (tol);
  gboolean ok = TRUE;
  for (GList *l = members; l && ok; l = l->next)
    {
      JsonObject *t = xp_json_object (tol, l->data);
      double value;
      gboolean relative = FALSE;
      if (!t || !xp_json_number (t, "value", &value) || !(value >= 0)
          || (json_object_has_member (t, "relative") && !xp_json_boolean (t, "relative", &relative)))
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                       "%s: gate.tolerances.%s: expected {\"value\": a non-negative number, \"relative\": true or false}",
                       path, (const char *) l->data);
          ok = FALSE;
          break;
        }
      XpTolerance *x = g_new0 (XpTolerance, 1);
      x->metric = g_strdup (l->data);
      x->value = value;
      x->relative = relative;
      g_ptr_array_add (tolerances, x);
    }
  g_list_free (members);
  return ok;
}
