/* bench_sched — speed of the credit1 scheduler model.
 *
 *   bench/bench_sched [--nodes 8] [--cpus-per-node 16] [--vcpus 512]
 *                     [--vcpus-per-domain 4] [--seconds 20] [--warmup 2]
 *                     [--mix busy|mixed|light] [--affinity soft|hard|none]
 *                     [--seed 1] [--version 4.22]
 *
 * Builds a host by hand (nodes × CPUs, no SMT), creates domains of
 * --vcpus-per-domain vCPUs, domain i with soft (or hard) affinity to node
 * i mod nodes, unpauses them 1 ms apart, runs --warmup simulated seconds,
 * then measures --seconds of simulated time. "busy": every vCPU always
 * runnable; "mixed": each domain's demand is drawn from {10, 25, 50, 75,
 * 90, 100} % (about 2.3 × oversubscribed); "light": from {5, 10, 15, 20,
 * 25, 30, 40} % (about 80 % busy); bursts have a 10 ms mean.
 * Prints simulated seconds per wall-clock second, events, scheduler
 * counters and per-node utilisation.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include "sim/xen/sched_credit.h"
#include "sim/error.h"

int
main (int argc, char **argv)
{
  gint nodes = 8, cpn = 16, vcpus = 512, vpd = 4, seconds = 20, warmup = 2, seed = 1;
  g_autofree char *mix = NULL, *aff = NULL, *version = NULL;
  GOptionEntry entries[] = {
    { "nodes", 0, 0, G_OPTION_ARG_INT, &nodes, "NUMA nodes (8)", "N" },
    { "cpus-per-node", 0, 0, G_OPTION_ARG_INT, &cpn, "pCPUs per node (16)", "N" },
    { "vcpus", 0, 0, G_OPTION_ARG_INT, &vcpus, "vCPUs in total (512)", "N" },
    { "vcpus-per-domain", 0, 0, G_OPTION_ARG_INT, &vpd, "vCPUs per domain (4)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "simulated seconds measured (20)", "S" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "simulated seconds run before measuring (2)", "S" },
    { "mix", 0, 0, G_OPTION_ARG_STRING, &mix, "busy, mixed or light (busy)", "MIX" },
    { "affinity", 0, 0, G_OPTION_ARG_STRING, &aff, "soft, hard or none (soft)", "KIND" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "random seed (1)", "N" },
    { "version", 0, 0, G_OPTION_ARG_STRING, &version, "Xen version, 4.17 or 4.22 (4.22)", "V" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- credit scheduler model speed");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) err = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &err))
    {
      fprintf (stderr, "bench_sched: %s\n", err->message);
      return 2;
    }
  gboolean mixed = mix && !strcmp (mix, "mixed");
  gboolean light = mix && !strcmp (mix, "light");
  if (mix && !mixed && !light && strcmp (mix, "busy"))
    {
      fprintf (stderr, "bench_sched: --mix must be busy, mixed or light, got '%s'\n", mix);
      return 2;
    }
  const char *affinity = aff ? aff : "soft";
  if (strcmp (affinity, "soft") && strcmp (affinity, "hard") && strcmp (affinity, "none"))
    {
      fprintf (stderr, "bench_sched: --affinity must be soft, hard or none, got '%s'\n", affinity);
      return 2;
    }
  guint ver = version && !strcmp (version, "4.17") ? 417 : 422;
  if (nodes < 1 || nodes > 64 || cpn < 1 || nodes * cpn > XP_MAX_CPUS || vpd < 1 || vcpus < vpd || seconds < 1
      || warmup < 0)
    {
      fprintf (stderr, "bench_sched: bad sizes\n");
      return 2;
    }

  XpTopology topo = { .name = (char *) "bench", .n_nodes = nodes, .n_cpus = nodes * cpn, .n_sockets = nodes };
  topo.nodes = g_new0 (XpNode, nodes);
  topo.cpus = g_new0 (XpCpu, topo.n_cpus);
  for (gint n = 0; n < nodes; n++)
    for (gint i = 0; i < cpn; i++)
      {
        guint c = n * cpn + i;
        topo.cpus[c] = (XpCpu) { .id = c, .node = n, .socket = n, .core = c };
      }
  XpEventQueue *q = xp_event_queue_new ();
  GRand *rand = g_rand_new_with_seed (seed);
  XpXen xen = { .topo = &topo, .events = q };
  xen.behaviour.version = ver;
  xen.behaviour.credit_balance_ratelimit = ver >= 418;
  xen.behaviour.credit_skip_yielded = ver >= 418;
  xp_cpumask_fill (&xen.online_cpus, topo.n_cpus);
  xen.domain_list = g_ptr_array_new ();
  if (!xp_sched_credit_attach (&xen, NULL, rand, &err))
    {
      fprintf (stderr, "bench_sched: %s\n", err->message);
      return 1;
    }

  static const guint demands[] = { 100000, 250000, 500000, 750000, 900000, 1000000 };
  static const guint light_demands[] = { 50000, 100000, 150000, 200000, 250000, 300000, 400000 };
  guint n_doms = vcpus / vpd;
  XpDomain *doms = g_new0 (XpDomain, n_doms);
  XpCpumask all;
  xp_cpumask_fill (&all, topo.n_cpus);
  for (guint i = 0; i < n_doms; i++)
    {
      XpDomain *d = &doms[i];
      guint node = i % nodes;
      XpCpumask nm;
      xp_cpumask_clear (&nm);
      for (gint k = 0; k < cpn; k++)
        xp_cpumask_set (&nm, node * cpn + k);
      d->domid = i + 1;
      d->paused = TRUE;
      d->n_vcpus = d->max_vcpus = vpd;
      d->vcpus = g_new0 (XpVcpu, vpd);
      g_ptr_array_add (xen.domain_list, d);
      guint cpu = node * cpn;
      for (gint j = 0; j < vpd; j++)
        {
          XpVcpu *v = &d->vcpus[j];
          v->domain = d;
          v->id = j;
          v->hard = !strcmp (affinity, "hard") ? nm : all;
          v->soft = !strcmp (affinity, "soft") ? nm : all;
          v->soft_aff_effective = !strcmp (affinity, "soft");
          v->processor = !strcmp (affinity, "none") ? 0 : cpu;
          cpu = node * cpn + (cpu - node * cpn + 1) % cpn;
        }
      guint demand = mixed ? demands[g_rand_int_range (rand, 0, G_N_ELEMENTS (demands))]
        : light ? light_demands[g_rand_int_range (rand, 0, G_N_ELEMENTS (light_demands))] : XP_DEMAND_FULL;
      xp_sched_credit_set_demand (&xen, d, demand);
      for (gint j = 0; j < vpd; j++)
        xen.sched->insert_vcpu (&xen, &d->vcpus[j]);
    }
  for (guint i = 0; i < n_doms; i++)
    {
      xp_event_run_until (q, (XpTime) i * XP_NSEC_PER_MSEC);
      doms[i].paused = FALSE;
      xen.sched->domain_unpause (&xen, &doms[i]);
    }

  xp_event_run_until (q, xp_event_queue_now (q) + (XpTime) warmup * XP_NSEC_PER_SEC);
  gint64 t0 = g_get_monotonic_time ();
  XpTime start = xp_event_queue_now (q);
  guint64 ev0 = xp_event_queue_events_run (q);
  XpTime end = start + (XpTime) seconds * XP_NSEC_PER_SEC;
  xp_event_run_until (q, end);
  gint64 t1 = g_get_monotonic_time ();
  xp_sched_credit_finish (&xen);
  double wall = (t1 - t0) / 1e6;
  guint64 events = xp_event_queue_events_run (q) - ev0;

  XpCreditCounters c;
  xp_sched_credit_counters (&xen, &c);
  XpTime wait = 0, run = 0;
  guint64 mig = 0, nmig = 0;
  for (guint i = 0; i < n_doms; i++)
    {
      XpCreditVcpuStats s;
      xp_sched_credit_domain_stats (&xen, &doms[i], &s, NULL);
      wait += s.wait_ns;
      run += s.run_ns;
      mig += s.migrations;
      nmig += s.node_migrations;
    }
  printf ("host %d nodes x %d pCPUs, %d vCPUs (%u domains of %d), mix %s, affinity %s, Xen %s, seed %d\n",
          nodes, cpn, vcpus, n_doms, vpd, mixed ? "mixed" : light ? "light" : "busy", affinity, ver == 417 ? "4.17" : "4.22", seed);
  printf ("simulated %d s (after %d s warm-up) in %.3f s wall: %.0f x real time; %" G_GUINT64_FORMAT
          " events (%.2f M/s wall)\n", seconds, warmup, wall, seconds / wall, events, events / wall / 1e6);
  printf ("schedules %" G_GUINT64_FORMAT " switches %" G_GUINT64_FORMAT " ticks %" G_GUINT64_FORMAT
          " accts %" G_GUINT64_FORMAT " steals %" G_GUINT64_FORMAT " tickles %" G_GUINT64_FORMAT "\n",
          c.schedules, c.context_switches, c.ticks, c.accts, c.steals, c.tickles);
  printf ("vCPU run %.1f s, runnable-wait %.1f s, migrations %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
          " across nodes)\nnode utilisation %%:",
          run / 1e9, wait / 1e9, mig, nmig);
  for (gint n = 0; n < nodes; n++)
    printf (" %.1f", xp_sched_credit_node_utilisation_ppm (&xen, n) / 1e4);
  printf ("\n");

  xen.sched->free (&xen);
  for (guint i = 0; i < n_doms; i++)
    g_free (doms[i].vcpus);
  g_free (doms);
  g_ptr_array_free (xen.domain_list, TRUE);
  g_free (topo.nodes);
  g_free (topo.cpus);
  xp_event_queue_free (q);
  g_rand_free (rand);
  return 0;
}
