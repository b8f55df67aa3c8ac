/* xenplace live — drive a real Xen host through libxenctrl.
 *
 *   xenplace live probe [--export F]  the host as the toolstack sees it
 *   xenplace live place ... [--yes]   build one VM with the model's toolstack
 *                                     flow and policy, report, destroy it
 *   xenplace live shadow ... [--yes]  the same on a model initialised from
 *                                     this host and on the host, side by side
 *   xenplace live cleanup [--yes]     destroy domains left by xenplace runs
 *
 * The work of place and shadow is in sim/liveplace.c (over sim/hv.h, tested
 * on the model backend); this file parses options and opens the host.
 * Nothing creates or destroys a domain without --yes; without it the
 * command says what it would do. Only domains carrying xenplace's handle
 * tag are ever touched (sim/live/hv_live.h). */
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "cli/commands.h"
#include "sim/error.h"
#include "sim/liveplace.h"
#include "sim/live/hv_live.h"
#include "sim/util.h"

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
  g_autofree char *export_path = NULL;
  const GOptionEntry entries[] = {
    { "export", 'e', 0, G_OPTION_ARG_FILENAME, &export_path,
      "also write the topology for a later replay (FILE.ini or FILE.xml)", "FILE" },
    { NULL },
  };
  if (!xp_cli_parse (&argc, &argv, "probe", "Print the Xen host's NUMA topology and memory (read only).", entries))
    return 2;
  if (export_path && !g_str_has_suffix (export_path, ".ini") && !g_str_has_suffix (export_path, ".xml"))
    {
      xp_cli_error ("--export %s: expected a name ending in .ini or .xml", export_path);
      return 2;
    }
  XpHv *hv;
  if (live_open (&hv))
    return 1;
  int status = 1;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  XpPhysinfo pi;
  guint n_nodes = XP_MAX_NODES;
  g_autofree XpNodeMeminfo *mem = g_new0 (XpNodeMeminfo, XP_MAX_NODES);
  XpTopology *topo = xp_hv_probe_topology (hv, &error);
  int rc = 0;
  if (!topo)
    {
      xp_cli_error ("%s", error->message);
      goto out;
    }
  if ((rc = hv->ops->physinfo (hv, &pi)) < 0 || (rc = hv->ops->numainfo (hv, &n_nodes, mem, NULL)) < 0)
    {
      xp_cli_error ("reading the host: %s", g_strerror (-rc));
      goto out;
    }
  xp_topology_print (topo, out);
  g_string_append_printf (out, "\nXen: %u CPUs, %u online nodes, %u threads/core, %u cores/socket; HVM containers: %s\n",
                          pi.nr_cpus, pi.nr_nodes, pi.threads_per_core, pi.cores_per_socket,
                          xp_hv_live_can_hvm (hv) ? "yes" : "no");
  g_string_append_printf (out, "memory: total %" G_GUINT64_FORMAT " MiB, free %" G_GUINT64_FORMAT " MiB, claimed %"
                          G_GUINT64_FORMAT " MiB, usable for a new domain %" G_GUINT64_FORMAT " MiB\n",
                          pi.total_pages / XP_PAGES_PER_MIB, pi.free_pages / XP_PAGES_PER_MIB,
                          pi.outstanding_pages / XP_PAGES_PER_MIB,
                          (pi.free_pages - MIN (pi.outstanding_pages, pi.free_pages)) / XP_PAGES_PER_MIB);
  g_string_append_printf (out, "\n%-5s %12s %12s %12s %12s\n", "node", "spanned MiB", "free MiB", "free pages",
                          "claimed");
  for (guint n = 0; n < n_nodes; n++)
    g_string_append_printf (out, "%-5u %12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT
                            " %12s\n", n, mem[n].memsize_bytes >> 20, mem[n].memfree_bytes >> 20,
                            mem[n].memfree_bytes >> XP_PAGE_SHIFT, "-");
  g_string_append_printf (out, "(spanned includes holes: it is not the RAM installed on the node. Claims are "
                               "host-wide on this Xen: %" G_GUINT64_FORMAT " pages outstanding, no per-node "
                               "figure.)\n", pi.outstanding_pages);
  fputs (out->str, stdout);
  if (export_path)
    {
      g_autoptr (GString) text = g_string_new (NULL);
      if (!xp_live_topology_export (topo, export_path, text, &error)
          || !xp_write_file_atomic (export_path, text->str, text->len, &error))
        {
          xp_cli_error ("%s", error->message);
          goto out;
        }
      printf ("topology written to %s (replay with --topology %s)\n", export_path, export_path);
    }
  status = 0;
out:
  if (topo)
    xp_topology_free (topo);
  hv->ops->free (hv);
  return status;
}

/* Options shared by place and shadow. */
typedef struct {
  char *policy;
  char *toolstack;
  char **ts;
  char *type;
  char *memory;
  char *xen;
  char *hard;
  int vcpus;
  gboolean yes;
} PlaceArgs;

static void
place_args_clear (PlaceArgs *a)
{
  g_free (a->policy);
  g_free (a->toolstack);
  g_strfreev (a->ts);
  g_free (a->type);
  g_free (a->memory);
  g_free (a->xen);
  g_free (a->hard);
}

/* The live guest type: --type, else HVM where the host can create one
 * (tried with a throwaway container when @really), else PV. */
static gboolean
pick_guest_type (XpHv *hv, const char *type, gboolean really, XpGuestType *out)
{
  if (type)
    {
      if (!strcmp (type, "hvm"))
        *out = XP_GUEST_HVM;
      else if (!strcmp (type, "pvh"))
        *out = XP_GUEST_PVH;
      else if (!strcmp (type, "pv"))
        *out = XP_GUEST_PV;
      else
        {
          xp_cli_error ("--type %s: expected hvm, pvh or pv", type);
          return FALSE;
        }
      return TRUE;
    }
  *out = xp_hv_live_can_hvm (hv) ? XP_GUEST_HVM : XP_GUEST_PV;
  if (*out == XP_GUEST_HVM && really)
    {
      guint32 id = 0;
      int rc = hv->ops->domain_create (hv, XP_GUEST_HVM, 1, &id);
      if (rc == 0)
        hv->ops->domain_destroy (hv, id);
      else
        {
          fprintf (stderr, "xenplace: HVM container refused (%s): using PV\n", g_strerror (-rc));
          *out = XP_GUEST_PV;
        }
    }
  return TRUE;
}

static int
cmd_place_or_shadow (int argc, char **argv, gboolean shadow)
{
  PlaceArgs a = { .vcpus = 1 };
  const GOptionEntry entries[] = {
    { "policy", 'p', 0, G_OPTION_ARG_STRING, &a.policy, "placement policy NAME[:key=value,...] (required)", "P" },
    { "toolstack", 't', 0, G_OPTION_ARG_STRING, &a.toolstack, "xl (default) or xenopsd", "TS" },
    { "ts", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.ts, "toolstack parameter (repeatable), e.g. claim_mode=0", "NAME=VALUE" },
    { "vcpus", 'c', 0, G_OPTION_ARG_INT, &a.vcpus, "vCPUs of the VM (default 1)", "N" },
    { "memory", 'm', 0, G_OPTION_ARG_STRING, &a.memory, "memory of the VM (required; MiB unless a unit is given)", "M" },
    { "hard-affinity", 0, 0, G_OPTION_ARG_STRING, &a.hard, "vCPU hard affinity, as xl's cpus= (e.g. 2-3)", "CPUS" },
    { "type", 0, 0, G_OPTION_ARG_STRING, &a.type, "container: hvm, pvh or pv (default: hvm where the host can, else pv)", "T" },
    { "xen", 0, 0, G_OPTION_ARG_STRING, &a.xen, "Xen rules of the model (default 4.17)", "VERSION" },
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &a.yes, "really build on this host (default: dry run)", NULL },
    { NULL },
  };
  const char *name = shadow ? "shadow" : "place";
  const char *summary = shadow
    ? "Build one VM on a model initialised from this host and on the host; compare pages per node."
    : "Build one VM with the model's toolstack flow and policy, report where its memory went, destroy it.";
  if (!xp_cli_parse (&argc, &argv, name, summary, entries))
    {
      place_args_clear (&a);
      return 2;
    }
  int status = 2;
  XpHv *hv = NULL;
  XpLivePlaceOptions o;
  XpToolstackKind kind = XP_TOOLSTACK_XL;
  guint64 mem_bytes = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) report = g_string_new (NULL);
  if (a.toolstack && !xp_toolstack_kind_parse (a.toolstack, &kind))
    {
      xp_cli_error ("--toolstack %s: expected xl or xenopsd", a.toolstack);
      goto out;
    }
  xp_live_place_options_init (&o, kind);
  if (!a.policy)
    {
      xp_cli_error ("--policy is required (see `xenplace policies`)");
      goto out;
    }
  if (!a.memory || !xp_parse_size (a.memory, G_GUINT64_CONSTANT (1) << 20, &mem_bytes) || mem_bytes < (1u << 20))
    {
      xp_cli_error ("--memory: expected a size such as 512 or 1GiB, got '%s'", a.memory ? a.memory : "");
      goto out;
    }
  if (a.vcpus < 1)
    {
      xp_cli_error ("--vcpus: expected at least 1, got %d", a.vcpus);
      goto out;
    }
  XpCpumask hard;
  if (a.hard)
    {
      const char *why = NULL;
      if (!xp_cpumask_parse (a.hard, &hard, &why))
        {
          xp_cli_error ("--hard-affinity %s: %s", a.hard, why ? why : "expected a CPU list such as 2-3,6");
          goto out;
        }
      o.hard_affinity = &hard;
    }
  o.policy_spec = a.policy;
  o.vcpus = (guint) a.vcpus;
  o.memory_mib = mem_bytes >> 20;
  o.xen_version = a.xen;
  for (guint i = 0; a.ts && a.ts[i]; i++)
    if (!xp_toolstack_params_set (&o.toolstack, a.ts[i], &error))
      {
        xp_cli_error ("--ts: %s", error->message);
        goto out;
      }
  if (!xp_live_place_options_check (&o, &error))
    {
      xp_cli_error ("%s", error->message);
      goto out;
    }
  gboolean type_given = a.type != NULL;
  if (a.ts)
    for (guint i = 0; a.ts[i]; i++)
      type_given |= g_str_has_prefix (a.ts[i], "guest=");
  status = 1;
  if (live_open (&hv))
    goto out;
  if (!type_given || a.type)
    {
      if (!pick_guest_type (hv, a.type, a.yes, &o.toolstack.guest_type))
        {
          status = 2;
          goto out;
        }
    }

  /* A signal in the middle of a build would leave a domain and its claim
   * behind: hold SIGINT, SIGTERM and SIGHUP until it is destroyed. */
  sigset_t block, old;
  sigemptyset (&block);
  sigaddset (&block, SIGINT);
  sigaddset (&block, SIGTERM);
  sigaddset (&block, SIGHUP);
  sigprocmask (SIG_BLOCK, &block, &old);
  XpPages differs = 0;
  gboolean ok = shadow ? xp_live_shadow_command (hv, &o, a.yes, report, &differs, &error)
                       : xp_live_place_command (hv, &o, a.yes, report, &error);
  hv->ops->free (hv);
  hv = NULL;
  fputs (report->str, stdout);
  fflush (stdout);
  sigprocmask (SIG_SETMASK, &old, NULL);
  if (!ok)
    xp_cli_error ("%s", error->message);
  status = ok ? 0 : 1;
out:
  if (hv)
    hv->ops->free (hv);
  place_args_clear (&a);
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
                    "  probe      print the host's NUMA topology and memory (read only; --export FILE)\n"
                    "  place      build one VM with the model's toolstack flow and a policy, report, destroy\n"
                    "  shadow     the same on a model initialised from this host and on the host, compared\n"
                    "  cleanup    destroy domains left by xenplace runs (dry run without --yes)\n"
                    "place and shadow change nothing without --yes.\n");
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "probe") == 0)
    return cmd_probe (argc - 1, argv + 1);
  if (strcmp (argv[1], "place") == 0)
    return cmd_place_or_shadow (argc - 1, argv + 1, FALSE);
  if (strcmp (argv[1], "shadow") == 0)
    return cmd_place_or_shadow (argc - 1, argv + 1, TRUE);
  if (strcmp (argv[1], "cleanup") == 0)
    return cmd_cleanup (argc - 1, argv + 1);
  xp_cli_error ("unknown live command '%s' (probe, place, shadow, cleanup)", argv[1]);
  return 2;
}
