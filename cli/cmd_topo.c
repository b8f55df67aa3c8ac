/* xenplace topo — list, show and export host topologies.
 *
 *   xenplace topo list
 *   xenplace topo show TOPOLOGY
 *   xenplace topo export TOPOLOGY --format xml|synthetic [-o FILE]
 *
 * TOPOLOGY is anything xp_topology_load() takes: a bundled name, PATH.ini,
 * PATH.xml, synthetic:DESC or host.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "cli/commands.h"
#include "sim/topology.h"
#include "sim/util.h"

static const char *topo_summary =
  "Subcommands:\n"
  "  list                      the bundled topologies, one line each\n"
  "  show TOPOLOGY             nodes, CPUs, cores, memory and distances\n"
  "  export TOPOLOGY           as hwloc XML or as a synthetic string\n\n"
  "TOPOLOGY is a bundled name (see 'list'), PATH.ini, PATH.xml (hwloc 2.x),\n"
  "synthetic:DESC (e.g. 'synthetic:pack:2 numa:1 core:8 pu:2; mem=64GiB; dist=10,21')\n"
  "or host (this machine).";

static int
topo_list (int argc, char **argv)
{
  const GOptionEntry entries[] = { { NULL } };
  if (!xp_cli_parse (&argc, &argv, "", "List the bundled topologies.", entries))
    return 2;
  if (argc != 1)
    {
      xp_cli_error ("topo list: unexpected argument '%s'", argv[1]);
      return 2;
    }
  g_auto (GStrv) names = xp_topology_bundled_names ();
  if (!names[0])
    {
      xp_cli_error ("no bundled topologies in %s", xp_topology_dir ());
      return 1;
    }
  int rc = 0;
  for (guint i = 0; names[i]; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (XpTopology) t = xp_topology_load (names[i], &error);
      if (!t)
        {
          xp_cli_error ("%s", error->message);
          rc = 1;
          continue;
        }
      g_autofree char *mem = xp_format_bytes (xp_topology_total_memory (t));
      printf ("%-22s %2u nodes %4u pCPUs %10s  %s\n", names[i], t->n_nodes, t->n_cpus, mem,
              t->description ? t->description : "");
    }
  return rc;
}

static int
topo_show (int argc, char **argv)
{
  const GOptionEntry entries[] = { { NULL } };
  if (!xp_cli_parse (&argc, &argv, "TOPOLOGY", "Describe a topology: nodes, CPUs, memory, distances.",
                     entries))
    return 2;
  if (argc != 2)
    {
      xp_cli_error ("topo show: expected one TOPOLOGY (see --help)");
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTopology) t = xp_topology_load (argv[1], &error);
  if (!t)
    {
      xp_cli_error ("%s", error->message);
      return 1;
    }
  g_autoptr (GString) out = g_string_new (NULL);
  xp_topology_print (t, out);
  fputs (out->str, stdout);
  return 0;
}

static int
topo_export (int argc, char **argv)
{
  g_autofree char *format = NULL, *output = NULL;
  const GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "xml (hwloc 2.x XML with distances) or synthetic", "FORMAT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "write to FILE (atomically) instead of standard output",
      "FILE" },
    { NULL }
  };
  if (!xp_cli_parse (&argc, &argv, "TOPOLOGY --format xml|synthetic [-o FILE]",
                     "Export a topology in a form xp_topology_load() reads back to an equal topology.", entries))
    return 2;
  if (argc != 2)
    {
      xp_cli_error ("topo export: expected one TOPOLOGY (see --help)");
      return 2;
    }
  if (!format)
    {
      xp_cli_error ("topo export: --format xml|synthetic is required");
      return 2;
    }
  const char *inputs[] = { argv[1] };
  if (xp_cli_output_is_input ("topo export", "--output", output, inputs, 1))
    return 2;
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTopology) t = xp_topology_load (argv[1], &error);
  g_autoptr (GString) out = g_string_new (NULL);
  if (!t || !xp_topology_export (t, format, out, &error))
    {
      xp_cli_error ("%s", error->message);
      return 1;
    }
  if (strcmp (format, "synthetic") == 0)
    g_string_append_c (out, '\n');
  if (output && strcmp (output, "-") != 0)
    {
      if (!xp_write_file_atomic (output, out->str, (gssize) out->len, &error))
        {
          xp_cli_error ("%s", error->message);
          return 1;
        }
      return 0;
    }
  fputs (out->str, stdout);
  return 0;
}

int
xp_cmd_topo (int argc, char **argv)
{
  static const struct {
    const char *name;
    int (*fn) (int, char **);
  } subs[] = { { "list", topo_list }, { "show", topo_show }, { "export", topo_export } };

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      FILE *f = argc < 2 ? stderr : stdout;
      fprintf (f, "Usage: xenplace topo SUBCOMMAND [OPTIONS...]\n\n%s\n\n"
                  "Run 'xenplace topo SUBCOMMAND --help' for its options.\n", topo_summary);
      return argc < 2 ? 2 : 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (subs); i++)
    if (strcmp (argv[1], subs[i].name) == 0)
      {
        /* The subcommand sees "xenplace topo SUB" as its program name. */
        g_autofree char *prog = g_strdup_printf ("%s %s", g_get_prgname () ? g_get_prgname () : "xenplace topo",
                                                 subs[i].name);
        g_set_prgname (prog);
        char *saved = argv[1];
        argv[1] = prog;
        int rc = subs[i].fn (argc - 1, argv + 1);
        argv[1] = saved;
        return rc;
      }
  xp_cli_error ("topo: unknown subcommand '%s' (expected list, show or export)", argv[1]);
  return 2;
}
