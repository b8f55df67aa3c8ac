/* xenplace — command-line entry point: git-style subcommands. */
#include "config.h"
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include "cli/commands.h"
#include "sim/util.h"

#pragma weak xp_cmd_replay
#pragma weak xp_cmd_topo
#pragma weak xp_cmd_trace
#pragma weak xp_cmd_policies
#pragma weak xp_cmd_bench
#pragma weak xp_cmd_compare
#pragma weak xp_cmd_live

typedef struct {
  const char *name;
  XpCommandFunc *fn;   /* address of the (weak) function pointer */
  const char *summary;
} Command;

static XpCommandFunc cmd_replay, cmd_topo, cmd_trace, cmd_policies, cmd_bench, cmd_compare, cmd_live;

static const Command commands[] = {
  { "replay", &cmd_replay, "replay a VM trace on a topology under a placement policy" },
  { "bench", &cmd_bench, "run, merge and report benchmark matrices; micro-benchmarks" },
  { "compare", &cmd_compare, "compare results against a baseline (regression gate)" },
  { "topo", &cmd_topo, "show, list and export host topologies" },
  { "trace", &cmd_trace, "generate, import and summarise VM traces" },
  { "policies", &cmd_policies, "list placement policies" },
  { "live", &cmd_live, "drive a real Xen host through libxenctrl" },
};

void
xp_cli_error (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (stderr, "xenplace: %s\n", msg);
  g_free (msg);
}

gboolean
xp_cli_output_is_input (const char *cmd, const char *option, const char *out, const char *const *inputs, guint n)
{
  if (!out || strcmp (out, "-") == 0)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (inputs[i] && strcmp (inputs[i], "-") != 0 && xp_same_file (out, inputs[i]))
      {
        xp_cli_error ("%s: %s '%s' is also an input ('%s'); refusing to overwrite it", cmd, option, out, inputs[i]);
        return TRUE;
      }
  return FALSE;
}

gboolean
xp_cli_parse (int *argc, char ***argv, const char *usage, const char *summary, const GOptionEntry *entries)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new (usage);
  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      xp_cli_error ("%s (see --help)", error->message);
      return FALSE;
    }
  return TRUE;
}

static void
usage (FILE *out)
{
  fprintf (out, "Usage: xenplace COMMAND [OPTIONS...]\n\n"
                "Simulate and benchmark NUMA placement of Xen virtual machines.\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (*commands[i].fn)
      fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun 'xenplace COMMAND --help' for a command's options.\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  cmd_replay = xp_cmd_replay;
  cmd_topo = xp_cmd_topo;
  cmd_trace = xp_cmd_trace;
  cmd_policies = xp_cmd_policies;
  cmd_bench = xp_cmd_bench;
  cmd_compare = xp_cmd_compare;
  cmd_live = xp_cmd_live;

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("xenplace %s\n", PACKAGE_VERSION);
      return 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        if (!*commands[i].fn)
          {
            xp_cli_error ("'%s' is not built in this configuration", argv[1]);
            return 2;
          }
        /* The subcommand sees "xenplace-CMD" as argv[0] for its --help. */
        char *prog = g_strdup_printf ("xenplace %s", argv[1]);
        g_set_prgname (prog);
        argv[1] = prog;
        int rc = (*commands[i].fn) (argc - 1, argv + 1);
        g_free (prog);
        return rc;
      }
  xp_cli_error ("unknown command '%s' (see 'xenplace --help')", argv[1]);
  return 2;
}
