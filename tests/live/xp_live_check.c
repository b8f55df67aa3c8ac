/* xp-live-check — runs in a Xen dom0 (under QEMU in `make check-live`):
 * the conformance suite against real Xen through the live backend, then
 * scripted placement scenarios that print per-node page counts.
 *
 * Output is line-oriented for the serial log: "LIVE-CONF <case> PASS|FAIL|SKIP",
 * "LIVE-INFO ...", "LIVE-SCEN <scenario> <what> nodes=[p0 p1 ...]" and a final
 * "LIVE-RESULT pass=N fail=M skip=K". Exit status 0 when nothing failed.
 *
 * `xp-live-check [--type pv|pvh|hvm] [CASE|all]` forces the container type
 * (default: PVH where the host can, else PV).
 * `xp-live-check --model 2node|4node` runs the same cases and scenarios on
 * the model backend, booted with the shape of check-live's QEMU machines
 * (1 GiB and 2 CPUs per node, the same SLIT, 512 MiB and 2 vCPUs of dom0):
 * the model's prediction to set beside the real run. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/live/hv_live.h"
#include "sim/xen/xen.h"
#include "tests/conformance.h"
#include "tests/live/scenarios.h"


static guint n_nodes;
/* Model mode: the simulated host and its clock. */
static XpXen *model_xen;
static XpEventQueue *model_q;
static XpCpumask node_cpus[XP_MAX_NODES];

static void
print_host (XpHv *hv)
{
  XpPhysinfo pi;
  XpNodeMeminfo mem[XP_MAX_NODES];
  guint dist[XP_MAX_NODES * XP_MAX_NODES];
  g_autofree XpCpuTopo *cpus = g_new0 (XpCpuTopo, XP_MAX_CPUS);
  guint nc = XP_MAX_CPUS;
  n_nodes = XP_MAX_NODES;
  if (hv->ops->physinfo (hv, &pi) < 0 || hv->ops->numainfo (hv, &n_nodes, mem, dist) < 0
      || hv->ops->cputopoinfo (hv, &nc, cpus) < 0)
    {
      printf ("LIVE-INFO cannot read the host\n");
      return;
    }
  printf ("LIVE-INFO physinfo nr_cpus=%u nr_nodes=%u total_pages=%" G_GUINT64_FORMAT " free_pages=%"
          G_GUINT64_FORMAT " outstanding=%" G_GUINT64_FORMAT " hvm=%d\n", pi.nr_cpus, pi.nr_nodes,
          pi.total_pages, pi.free_pages, pi.outstanding_pages, xp_hv_is_live (hv) && xp_hv_live_can_hvm (hv));
  for (guint i = 0; i < nc; i++)
    if (cpus[i].node < XP_MAX_NODES)
      xp_cpumask_set (&node_cpus[cpus[i].node], i);
  for (guint n = 0; n < n_nodes; n++)
    {
      g_autofree char *cl = xp_cpumask_format (&node_cpus[n]);
      printf ("LIVE-INFO node %u memsize=%" G_GUINT64_FORMAT "MiB memfree=%" G_GUINT64_FORMAT "MiB cpus=%s dist=",
              n, mem[n].memsize_bytes >> 20, mem[n].memfree_bytes >> 20, cl);
      for (guint m = 0; m < n_nodes; m++)
        printf ("%u%s", dist[n * n_nodes + m], m + 1 < n_nodes ? "," : "\n");
    }
}

/* Between scenarios: on real Xen the idle pCPUs scrub the pages the last
 * scenario freed within milliseconds (the program waits for nothing). The
 * model scrubs as a function of simulated time, so let one second pass,
 * else 2 MiB requests avoid the still-dirty nodes (clean-first pass). */
static void
model_settle (const char *name, GString *out, gpointer data)
{
  g_string_append_printf (out, "%s model_dirty_before_settle=[", name);
  for (guint n = 0; n < n_nodes; n++)
    g_string_append_printf (out, "%s%" G_GUINT64_FORMAT, n ? " " : "", xp_heap_node_need_scrub (model_xen, n));
  g_string_append (out, "]\n");
  xp_event_run_until (model_q, xp_event_queue_now (model_q) + XP_NSEC_PER_SEC);
  xp_heap_scrub_advance (model_xen);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  XpHv *hv;
  XpXen *xen = NULL;
  XpTopology *topo = NULL;
  const char *force_type = NULL;
  if (argc > 2 && strcmp (argv[1], "--type") == 0)
    {
      force_type = argv[2];
      argv += 2;
      argc -= 2;
    }
  if (argc > 2 && strcmp (argv[1], "--model") == 0)
    {
      guint n = strcmp (argv[2], "4node") == 0 ? 4 : 2;
      XpXenBehaviour b;
      XpXenParams p;
      topo = xp_scen_qemu_topology (n);
      xp_xen_params_init_defaults (&p);
      if (!xp_xen_behaviour_init (&b, "4.17", &error) || !xp_xen_params_set (&p, "dom0_mem=512MiB", &error)
          || !xp_xen_params_set (&p, "dom0_vcpus=2", &error)
          || !(xen = xp_xen_new (topo, &b, &p, model_q = xp_event_queue_new (), &error)))
        {
          printf ("LIVE-RESULT error: %s\n", error->message);
          return 2;
        }
      hv = xp_hv_model_new (xen);
      model_xen = xen;
      argv += 2;
      argc -= 2;
      printf ("LIVE-INFO model backend, Xen 4.17 rules, %u nodes\n", n);
    }
  else if (!(hv = xp_hv_live_new (&error)))
    {
      printf ("LIVE-RESULT error: %s\n", error->message);
      return 2;
    }
  print_host (hv);

  /* Leftovers of an earlier, interrupted run are ours to remove. */
  guint32 tagged[64];
  guint nt = G_N_ELEMENTS (tagged);
  if (xp_hv_is_live (hv) && xp_hv_live_tagged_domains (hv, &nt, tagged) == 0)
    for (guint i = 0; i < MIN (nt, G_N_ELEMENTS (tagged)); i++)
      {
        printf ("LIVE-INFO destroying leftover tagged domain %u\n", tagged[i]);
        hv->ops->domain_destroy (hv, tagged[i]);
      }

  /* PVH containers where the host can run them (needs VMX/SVM; the
   * physinfo hvm capability alone is not enough under QEMU TCG), else PV. */
  XpConfOptions opt = { .type = XP_GUEST_PV, .slack_pages = xp_hv_is_live (hv) ? 256 : 0 };
  if (force_type)
    {
      if (strcmp (force_type, "hvm") == 0)
        opt.type = XP_GUEST_HVM;
      else if (strcmp (force_type, "pvh") == 0)
        opt.type = XP_GUEST_PVH;
      else if (strcmp (force_type, "pv") != 0)
        {
          printf ("LIVE-RESULT error: --type %s: expected pv, pvh or hvm\n", force_type);
          return 2;
        }
    }
  else
    {
      guint32 probe = 0;
      int prc = xp_hv_is_live (hv) ? hv->ops->domain_create (hv, XP_GUEST_PVH, 1, &probe) : -EOPNOTSUPP;
      if (prc == 0)
        {
          opt.type = XP_GUEST_PVH;
          hv->ops->domain_destroy (hv, probe);
        }
      else
        printf ("LIVE-INFO PVH container refused (%s)\n", g_strerror (-prc));
    }
  printf ("LIVE-INFO container type %s\n", opt.type == XP_GUEST_PV ? "PV" : opt.type == XP_GUEST_PVH ? "PVH" : "HVM");
  guint pass = 0, fail = 0, skip = 0;
  for (guint i = 0; i < xp_conformance_n_cases (); i++)
    {
      if (argc > 1 && strcmp (argv[1], "all") != 0 && strcmp (argv[1], xp_conformance_case_name (i)) != 0)
        continue;
      g_autoptr (GString) log = g_string_new (NULL);
      XpConfOutcome o = xp_conformance_run_case (hv, i, &opt, log);
      gchar **lines = g_strsplit (log->str, "\n", -1);
      for (guint l = 0; lines[l]; l++)
        if (*lines[l])
          printf ("LIVE-LOG %s: %s\n", xp_conformance_case_name (i), lines[l]);
      g_strfreev (lines);
      printf ("LIVE-CONF %s %s\n", xp_conformance_case_name (i), xp_conf_outcome_name (o));
      fflush (stdout);
      pass += o == XP_CONF_PASS;
      fail += o == XP_CONF_FAIL;
      skip += o == XP_CONF_SKIP;
    }

  if (xp_hv_is_live (hv) && (argc < 2 || strcmp (argv[1], "all") == 0))
    {
      /* The backend refuses to change a domain it did not create: dom0. */
      XpCpumask all;
      xp_cpumask_fill (&all, XP_MAX_CPUS);
      int r1 = hv->ops->domain_destroy (hv, 0);
      int r2 = (int) hv->ops->populate_physmap (hv, 0, 1, 0, 0);
      int r3 = hv->ops->claim_pages (hv, 0, 1);
      int r4 = hv->ops->vcpu_setaffinity (hv, 0, 0, &all, NULL);
      int r5 = hv->ops->node_setaffinity (hv, 0, 1);
      gboolean ok = r1 == -EPERM && r2 == -EPERM && r3 == -EPERM && r4 == -EPERM && r5 == -EPERM;
      printf ("LIVE-LOG foreign_domain_refused: dom0 destroy %d populate %d claim %d vcpu_affinity %d node_affinity %d\n",
              r1, r2, r3, r4, r5);
      printf ("LIVE-CONF foreign_domain_refused %s\n", ok ? "PASS" : "FAIL");
      pass += ok;
      fail += !ok;
    }

  g_autoptr (GString) scen = g_string_new (NULL);
  if (!xp_scenarios_run (hv, opt.type, model_xen ? model_settle : NULL, NULL, scen))
    fail++;
  gchar **lines = g_strsplit (scen->str, "\n", -1);
  for (guint l = 0; lines[l]; l++)
    if (*lines[l])
      printf ("LIVE-SCEN %s\n", lines[l]);
  g_strfreev (lines);
  printf ("LIVE-RESULT pass=%u fail=%u skip=%u\n", pass, fail, skip);
  xp_hv_free (hv);
  if (xen)
    xp_xen_free (xen);
  if (model_q)
    xp_event_queue_free (model_q);
  if (topo)
    xp_scen_topology_free (topo);
  return fail ? 1 : 0;
}
