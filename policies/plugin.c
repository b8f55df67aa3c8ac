/* xenplace — loading a placement policy from a shared object (GModule). */
#include "config.h"
#include <gmodule.h>
#include "sim/error.h"
#include "policies/policy.h"

const XpPolicy *
xp_policy_load_plugin (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (!g_module_supported ())
    {
      g_set_error (error, XP_ERROR, XP_ERROR_UNSUPPORTED,
                   "%s: cannot load plugin: dynamic loading is not supported here", path);
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot load plugin: no such file", path);
      return NULL;
    }
  /* dlopen() searches the library path for a name without a slash: make
   * "example.so" mean the file in the current directory, as a user expects. */
  g_autofree char *abs = g_path_is_absolute (path) ? g_strdup (path)
                                                   : g_canonicalize_filename (path, NULL);
  /* Bind locally: two plugins may export the same entry symbol. */
  GModule *mod = g_module_open (abs, G_MODULE_BIND_LOCAL);
  if (!mod)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot load plugin: %s", path,
                   g_module_error ());
      return NULL;
    }
  gpointer sym = NULL;
  if (!g_module_symbol (mod, XP_POLICY_ENTRY_SYMBOL, &sym) || !sym)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "%s: not a xenplace policy plugin: no symbol '%s'", path, XP_POLICY_ENTRY_SYMBOL);
      g_module_close (mod);
      return NULL;
    }
  const XpPolicy *policy = ((XpPolicyEntryFunc) sym) ();
  const char *missing = NULL;
  if (!policy)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: %s() returned NULL", path,
                   XP_POLICY_ENTRY_SYMBOL);
      g_module_close (mod);
      return NULL;
    }
  if (policy->abi_version != XP_POLICY_ABI_VERSION)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "%s: plugin ABI version %u, but this xenplace needs version %u (rebuild the plugin "
                   "against this policies/policy.h)", path, policy->abi_version, XP_POLICY_ABI_VERSION);
      g_module_close (mod);
      return NULL;
    }
  if (!policy->name || !*policy->name)
    missing = "name";
  else if (!policy->description)
    missing = "description";
  else if (!policy->init)
    missing = "init";
  else if (!policy->place)
    missing = "place";
  else if (!policy->free)
    missing = "free";
  if (missing)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: plugin policy field '%s' is NULL or empty",
                   path, missing);
      g_module_close (mod);
      return NULL;
    }
  /* The policy table lives in the module: keep it for the process lifetime. */
  g_module_make_resident (mod);
  return policy;
}
