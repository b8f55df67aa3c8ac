/* xenplace policies — list the placement policies and their parameters. */
#include "config.h"
#include <stdio.h>
#include "cli/commands.h"
#include "policies/policy.h"

static void
print_policy (const XpPolicy *p, const char *origin)
{
  printf ("%-12s %s%s\n", p->name, p->description ? p->description : "", origin ? origin : "");
  if (!p->params || !p->params[0].key)
    {
      printf ("    (no parameters)\n");
      return;
    }
  for (const XpPolicyParamInfo *q = p->params; q->key; q++)
    {
      printf ("    %s=%s", q->key, q->choices ? q->choices : "VALUE");
      if (q->default_value)
        printf ("  (default %s)", q->default_value);
      printf ("\n");
      if (q->help)
        printf ("        %s\n", q->help);
    }
}

int
xp_cmd_policies (int argc, char **argv)
{
  g_auto (GStrv) plugins = NULL;
  g_auto (GStrv) checks = NULL;
  const GOptionEntry entries[] = {
    { "check", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &checks,
      "only check a policy spec NAME:KEY=VALUE,... (repeatable); exit 2 if one is bad", "SPEC" },
    { "plugin", 'p', 0, G_OPTION_ARG_FILENAME_ARRAY, &plugins, "also list the policy of plugin FILE.so (repeatable)",
      "FILE.so" },
    { NULL },
  };
  if (!xp_cli_parse (&argc, &argv, "",
                     "List the built-in placement policies, their parameters, and those of plugins.\n"
                     "Select one with --policy NAME:KEY=VALUE,KEY=VALUE.",
                     entries))
    return 2;
  if (argc > 1)
    {
      xp_cli_error ("unexpected argument '%s' (see --help)", argv[1]);
      return 2;
    }
  if (checks)
    {
      int bad = 0;
      for (guint i = 0; checks[i]; i++)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GPtrArray) params = NULL;
          const XpPolicy *p = xp_policy_parse_spec (checks[i], &params, &error);
          if (!p)
            {
              xp_cli_error ("%s", error->message);
              bad = 2;
              continue;
            }
          printf ("%s: policy %s", checks[i], p->name);
          for (guint j = 0; j < params->len; j++)
            {
              const XpPolicyParam *kv = params->pdata[j];
              printf ("%s%s=%s", j ? "," : " with ", kv->key, kv->value);
            }
          printf ("\n");
        }
      return bad;
    }
  const XpPolicy *const *b = xp_policy_builtins ();
  for (guint i = 0; b[i]; i++)
    print_policy (b[i], NULL);
  int rc = 0;
  for (guint i = 0; plugins && plugins[i]; i++)
    {
      g_autoptr (GError) error = NULL;
      const XpPolicy *p = xp_policy_load_plugin (plugins[i], &error);
      if (!p)
        {
          xp_cli_error ("%s", error->message);
          rc = 1;
          continue;
        }
      g_autofree char *origin = g_strdup_printf (" [plugin %s]", plugins[i]);
      print_policy (p, origin);
    }
  return rc;
}
