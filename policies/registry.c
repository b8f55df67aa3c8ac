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

/* The returned array's elements are XpPolicyParam * (each allocated, its
 * strings owned by it); init() wants a flat array, so a caller copies the
 * structs: flat[i] = *(XpPolicyParam *) arr->pdata[i]. */
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
  g_autoptr (GPtrArray) params = g_ptr_array_new_with_free_func (param_free);
  if (colon && colon[1] != '\0')
    {
      g_auto (GStrv) items = g_strsplit (colon + 1, ",", -1);
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
  if (params_out)
    *params_out = g_steal_pointer (&params);
  return policy;
}
