/* xenplace — the policy registry: built-ins, lookup, "name:k=v,..." specs. */
#include "config.h"
#include <string.h>
#include "sim/error.h"
#include "policies/builtins.h"

static const XpPolicy *const builtins[] = {
  &xp_policy_none,
  &xp_policy_first_fit,
  &xp_policy_best_fit,
  &xp_policy_worst_fit,
  &xp_policy_xenopsd,
  &xp_policy_libxl,
  NULL,
};

const XpPolicy *const *
xp_policy_builtins (void)
{
  return builtins;
}

const XpPolicy *
xp_policy_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  for (guint i = 0; builtins[i]; i++)
    if (strcmp (builtins[i]->name, name) == 0)
      return builtins[i];
  return NULL;
}

/* The built-ins that decide without XpHostView.domains (the test suite
 * checks that they decide the same with and without them). */
static const XpPolicy *const memory_only_builtins[] = {
  &xp_policy_none,
  &xp_policy_first_fit,
  &xp_policy_best_fit,
  &xp_policy_worst_fit,
  &xp_policy_xenopsd,
  NULL,
};

gboolean
xp_policy_reads_domains (const XpPolicy *policy)
{
  g_return_val_if_fail (policy != NULL, TRUE);
  for (guint i = 0; memory_only_builtins[i]; i++)
    if (policy == memory_only_builtins[i])
      return FALSE;
  return TRUE;
}

static char *
builtin_names (void)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; builtins[i]; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", builtins[i]->name);
  return g_string_free (s, FALSE);
}

static char *
param_keys (const XpPolicy *policy)
{
  GString *s = g_string_new (NULL);
  for (const XpPolicyParamInfo *p = policy->params; p && p->key; p++)
    g_string_append_printf (s, "%s%s", s->len ? ", " : "", p->key);
  if (s->len == 0)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}

static gboolean
choice_ok (const char *choices, const char *value)
{
  g_auto (GStrv) alts = g_strsplit (choices, "|", -1);
  for (guint i = 0; alts[i]; i++)
    if (strcmp (alts[i], value) == 0)
      return TRUE;
  return FALSE;
}

gboolean
xp_policy_check_params (const XpPolicy *policy, const XpPolicyParam *params, guint n_params,
                        GError **error)
{
  for (guint i = 0; i < n_params; i++)
    {
      const XpPolicyParamInfo *info = NULL;
      for (const XpPolicyParamInfo *p = policy->params; p && p->key; p++)
        if (strcmp (p->key, params[i].key) == 0)
          info = p;
      if (!info)
        {
          g_autofree char *keys = param_keys (policy);
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                       "policy '%s': unknown parameter '%s' (valid parameters: %s)",
                       policy->name, params[i].key, keys);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        if (strcmp (params[j].key, params[i].key) == 0)
          {
            g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                         "policy '%s': parameter '%s' given twice", policy->name, params[i].key);
            return FALSE;
          }
      if (info->choices && !choice_ok (info->choices, params[i].value))
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                       "policy '%s': parameter '%s' has value '%s', expected one of %s",
                       policy->name, params[i].key, params[i].value, info->choices);
          return FALSE;
        }
    }
  return TRUE;
}

const char *
xp_policy_param_get (const XpPolicyParam *params, guint n_params, const char *key,
                     const char *fallback)
{
  for (guint i = 0; i < n_params; i++)
    if (strcmp (params[i].key, key) == 0)
      return params[i].value;
  return fallback;
}

static void
param_free (gpointer p)
{
  XpPolicyParam *param = p;
  g_free ((char *) param->key);
  g_free ((char *) param->value);
  g_free (param);
}

/* "key=value,key=value" (@items, may be NULL or empty) into a parameter
 * array checked against @policy's table; errors start with "policy spec
 * '@spec': ". The array's elements are XpPolicyParam * (each allocated,
 * its strings owned by it); init() wants a flat array, so a caller copies
 * the structs: flat[i] = *(XpPolicyParam *) arr->pdata[i]. */
static GPtrArray *
parse_params (const XpPolicy *policy, const char *spec, const char *items_text, GError **error)
{
  g_autoptr (GPtrArray) params = g_ptr_array_new_with_free_func (param_free);
  if (items_text && items_text[0] != '\0')
    {
      g_auto (GStrv) items = g_strsplit (items_text, ",", -1);
      for (guint i = 0; items[i]; i++)
        {
          char *eq = strchr (items[i], '=');
          if (!eq || eq == items[i])
            {
              g_autofree char *keys = param_keys (policy);
              g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                           "policy spec '%s': item %u '%s' is not KEY=VALUE (parameters of '%s': %s)",
                           spec, i + 1, items[i], policy->name, keys);
              return NULL;
            }
          XpPolicyParam *p = g_new0 (XpPolicyParam, 1);
          p->key = g_strstrip (g_strndup (items[i], eq - items[i]));
          p->value = g_strstrip (g_strdup (eq + 1));
          g_ptr_array_add (params, p);
        }
    }
  /* Check keys and values now, so that a bad spec fails before any run. */
  g_autofree XpPolicyParam *flat = g_new0 (XpPolicyParam, params->len + 1);
  for (guint i = 0; i < params->len; i++)
    flat[i] = *(XpPolicyParam *) params->pdata[i];
  g_autoptr (GError) err = NULL;
  if (!xp_policy_check_params (policy, flat, params->len, &err))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "policy spec '%s': %s", spec, err->message);
      return NULL;
    }
  return g_steal_pointer (&params);
}

/* @policy with the parameters after @spec's first ':' (if any), checked;
 * NULL on error. */
static const XpPolicy *
with_params (const XpPolicy *policy, const char *spec, GPtrArray **params_out, GError **error)
{
  const char *colon = strchr (spec, ':');
  GPtrArray *params = parse_params (policy, spec, colon ? colon + 1 : NULL, error);
  if (!params)
    return NULL;
  if (params_out)
    *params_out = params;
  else
    g_ptr_array_unref (params);
  return policy;
}

const XpPolicy *
xp_policy_parse_spec (const char *spec, GPtrArray **params_out, GError **error)
{
  g_return_val_if_fail (spec != NULL, NULL);
  const char *colon = strchr (spec, ':');
  g_autofree char *name = colon ? g_strndup (spec, colon - spec) : g_strdup (spec);
  g_strstrip (name);
  const XpPolicy *policy = xp_policy_lookup (name);
  if (!policy)
    {
      g_autofree char *names = builtin_names ();
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "policy spec '%s': unknown policy '%s' (valid policies: %s)", spec, name, names);
      return NULL;
    }
  return with_params (policy, spec, params_out, error);
}

GPtrArray *
xp_policy_parse_spec_for (const XpPolicy *policy, const char *spec, GError **error)
{
  g_return_val_if_fail (policy != NULL && spec != NULL, NULL);
  const char *colon = strchr (spec, ':');
  g_autofree char *name = colon ? g_strndup (spec, colon - spec) : g_strdup (spec);
  g_strstrip (name);
  if (strcmp (name, policy->name) != 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "policy spec '%s' does not name the policy '%s'", spec,
                   policy->name);
      return NULL;
    }
  GPtrArray *params = NULL;
  return with_params (policy, spec, &params, error) ? params : NULL;
}

gboolean
xp_policy_spec_is_plugin (const char *spec)
{
  g_return_val_if_fail (spec != NULL, FALSE);
  size_t n = strcspn (spec, ":");
  return memchr (spec, '/', n) != NULL || (n >= 3 && strncmp (spec + n - 3, ".so", 3) == 0);
}

char *
xp_policy_spec_plugin_path (const char *spec, const char *dir)
{
  g_return_val_if_fail (spec != NULL, NULL);
  if (!xp_policy_spec_is_plugin (spec))
    return NULL;
  g_autofree char *file = g_strndup (spec, strcspn (spec, ":"));
  if (g_path_is_absolute (file))
    return g_steal_pointer (&file);
  g_autofree char *joined = dir ? g_build_filename (dir, file, NULL) : g_strdup (file);
  return g_canonicalize_filename (joined, NULL);
}

const XpPolicy *
xp_policy_parse_spec_in (const char *spec, const char *dir, GPtrArray **params_out, GError **error)
{
  g_return_val_if_fail (spec != NULL, NULL);
  if (!xp_policy_spec_is_plugin (spec))
    return xp_policy_parse_spec (spec, params_out, error);
  g_autofree char *path = xp_policy_spec_plugin_path (spec, dir);
  const XpPolicy *policy = xp_policy_load_plugin (path, error);
  return policy ? with_params (policy, spec, params_out, error) : NULL;
}

char *
xp_policy_plugin_sha256 (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot read plugin: %s", path, local->message);
      return NULL;
    }
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}
