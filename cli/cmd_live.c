/* xenplace live — drive a real Xen host through libxenctrl.
 *
 *   xenplace live probe              the host as the toolstack sees it
 *   xenplace live cleanup [--yes]    destroy domains left by xenplace runs
 *
 * Nothing creates or destroys a domain without --yes; without it the
 * command says what it would do. Only domains carrying xenplace's handle
 * tag are ever touched (sim/live/hv_live.h). */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli/commands.h"
#include "sim/live/hv_live.h"

static int
live_open (XpHv **hv)
{
  g_autoptr (GError) error = NULL;
  *hv = xp_hv_live_new (&error);
  if (!*hv)
    {
      xp_cli_error ("%s", error->message);
      return 1;
    }
  return 0;
}

static int
cmd_probe (int argc, char **argv)
{
  const GOptionEntry entries[] = { { NULL } };
  if (!xp_cli_parse (&argc, &argv, "probe", "Print the Xen host's NUMA topology and memory (read only).", entries))
    return 2;
  XpHv *hv;
  if (live_open (&hv))
    return 1;
  int status = 1;
  XpPhysinfo pi;
  guint n_nodes = XP_MAX_NODES, n_cpus = XP_MAX_CPUS;
  XpNodeMeminfo *mem = g_new0 (XpNodeMeminfo, XP_MAX_NODES);
  guint *dist = g_new0 (guint, XP_MAX_NODES * XP_MAX_NODES);
  XpCpuTopo *cpus = g_new0 (XpCpuTopo, XP_MAX_CPUS);
  int rc;
  if ((rc = hv->ops->physinfo (hv, &pi)) < 0 || (rc = hv->ops->numainfo (hv, &n_nodes, mem, dist)) < 0
      || (rc = hv->ops->cputopoinfo (hv, &n_cpus, cpus)) < 0)
    {
      xp_cli_error ("reading the host: %s", g_strerror (-rc));
      goto out;
    }
  printf ("Xen host: %u CPUs, %u online nodes, %u threads/core, %u cores/socket\n",
          pi.nr_cpus, pi.nr_nodes, pi.threads_per_core, pi.cores_per_socket);
  printf ("memory: total %" G_GUINT64_FORMAT " MiB, free %" G_GUINT64_FORMAT " MiB, claimed %" G_GUINT64_FORMAT
          " MiB, usable for a new domain %" G_GUINT64_FORMAT " MiB\n",
          pi.total_pages / XP_PAGES_PER_MIB, pi.free_pages / XP_PAGES_PER_MIB,
          pi.outstanding_pages / XP_PAGES_PER_MIB, (pi.free_pages - pi.outstanding_pages) / XP_PAGES_PER_MIB);
  printf ("\n%-5s %12s %12s  %-16s %s\n", "node", "spanned MiB", "free MiB", "cpus", "distances");
  for (guint n = 0; n < n_nodes; n++)
    {
      XpCpumask m;
      xp_cpumask_clear (&m);
      for (guint c = 0; c < n_cpus; c++)
        if (cpus[c].node == n)
          xp_cpumask_set (&m, c);
      g_autofree char *cl = xp_cpumask_format (&m);
      printf ("%-5u %12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT "  %-16s", n,
              mem[n].memsize_bytes >> 20, mem[n].memfree_bytes >> 20, *cl ? cl : "-");
      for (guint j = 0; j < n_nodes; j++)
        printf (" %3u", dist[n * n_nodes + j]);
      printf ("\n");
    }
  printf ("\n(spanned includes holes: it is not the RAM installed on the node.)\n");
  printf ("\n%-5s %6s %6s %5s\n", "cpu", "socket", "core", "node");
  for (guint c = 0; c < n_cpus; c++)
    if (cpus[c].node == XP_NO_NODE)
      printf ("%-5u %6s %6s %5s\n", c, "-", "-", "-");
    else
      printf ("%-5u %6u %6u %5u\n", c, cpus[c].socket, cpus[c].core, cpus[c].node);
  status = 0;
out:
  g_free (mem);
  g_free (dist);
  g_free (cpus);
  hv->ops->free (hv);
  return status;
}

static int
cmd_cleanup (int argc, char **argv)
{
  gboolean yes = FALSE;
  const GOptionEntry entries[] = {
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &yes, "really destroy them (default: only list)", NULL },
    { NULL },
  };
  if (!xp_cli_parse (&argc, &argv, "cleanup", "Destroy the domains earlier xenplace runs left behind (tagged ones only).", entries))
    return 2;
  XpHv *hv;
  if (live_open (&hv))
    return 1;
  guint32 ids[256];
  guint n = G_N_ELEMENTS (ids);
  int rc = xp_hv_live_tagged_domains (hv, &n, ids);
  int status = 0;
  if (rc < 0)
    {
      xp_cli_error ("listing domains: %s", g_strerror (-rc));
      status = 1;
    }
  else if (n == 0)
    printf ("no xenplace domains on this host\n");
  for (guint i = 0; rc == 0 && i < MIN (n, G_N_ELEMENTS (ids)); i++)
    {
      XpDomainInfo info;
      if (hv->ops->domain_getinfo (hv, ids[i], &info) < 0)
        continue;
      if (!yes)
        {
          printf ("would destroy domain %u (%" G_GUINT64_FORMAT " pages)\n", ids[i], info.tot_pages);
          continue;
        }
      int drc = hv->ops->domain_destroy (hv, ids[i]);
      if (drc < 0)
        {
          xp_cli_error ("destroying domain %u: %s", ids[i], g_strerror (-drc));
          status = 1;
        }
      else
        printf ("destroyed domain %u\n", ids[i]);
    }
  if (!yes && n > 0)
    printf ("(dry run: add --yes to destroy)\n");
  hv->ops->free (hv);
  return status;
}

int
xp_cmd_live (int argc, char **argv)
{
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      FILE *out = argc < 2 ? stderr : stdout;
      fprintf (out, "Usage: xenplace live COMMAND [OPTIONS...]\n\n"
                    "Commands (run in a Xen dom0 as root):\n"
                    "  probe      print the host's NUMA topology and memory (read only)\n"
                    "  cleanup    destroy domains left by xenplace runs (dry run without --yes)\n");
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "probe") == 0)
    return cmd_probe (argc - 1, argv + 1);
  if (strcmp (argv[1], "cleanup") == 0)
    return cmd_cleanup (argc - 1, argv + 1);
  xp_cli_error ("unknown live command '%s' (probe, cleanup)", argv[1]);
  return 2;
}
