/* bench_plan — speed of one placement decision (`make bench`, then bench/bench_plan).
 *
 *   bench/bench_plan [--decisions 2000] [--seed 1] [--policy xenopsd,libxl]
 *                    [--topology SPEC] [--quick]
 *
 * Times the policy's place() call alone — what xenopsd's Softaffinity.plan
 * or libxl's numa_place_domain() costs per VM start — on two synthetic hosts:
 *
 *   16 nodes: 'pack:4 numa:4 core:8 pu:2; mem=64GiB; dist=10,12,32'
 *             (four sockets split in four, like AMD NPS4: 256 pCPUs, 1 TiB)
 *   64 nodes: 'pack:8 numa:8 core:4 pu:2; mem=16GiB; dist=10,12,32'
 *             (Xen's MAX_NUMNODES; 512 pCPUs, 1 TiB)
 *
 * (--topology replaces both with one host.) For every fill level (20, 50,
 * 80, 95 % of the host's memory in use) 64 host states are drawn from the
 * seed: each node's use is the fill level × a factor uniform in [0.5, 1.5)
 * (capped at 99.9 %), and the host carries as many running domains as that
 * memory holds (shapes drawn from the azure2017 mix of `trace gen`, mean
 * 6.4 GiB and 2.3 vCPUs; hard affinity = every pCPU, node affinity = one
 * node — what libxl's count of vCPUs per node walks through).
 * Each request size — 1 vCPU / 2 GiB, 4 / 8 GiB, 8 / 32 GiB, 24 / 96 GiB
 * (the last needs three nodes of the 16-node host for its cores) — is
 * planned --decisions times, cycling through the 64 states. The policy
 * keeps its state across decisions, as a running toolstack does (xenopsd's
 * usage counters only go up). Requests carry the toolstack's figures:
 * build claim = memory − 8 MiB video, footprint from the xenopsd / libxl
 * overhead formulas.
 *
 * Each decision is timed alone with the thread's CPU clock
 * (CLOCK_THREAD_CPUTIME_ID), so that time slices given to other processes
 * on a shared machine do not land in the p99; the clock's own cost (a
 * system call, measured at start, typically 0.1-0.5 µs) is subtracted.
 * --clock wall uses CLOCK_MONOTONIC instead (cheap, but preemption shows in
 * p99 and max). Mean, p99 (nearest rank) and max are per cell, then over
 * every cell of a host. --quick runs 50 decisions per cell (for callgrind:
 * the CI speed gate).
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sim/topology.h"
#include "sim/toolstack.h"
#include "sim/trace_gen.h"
#include "policies/policy.h"

#define N_STATES 64

typedef struct {
  const char *label;
  guint vcpus;
  guint64 memory_mib;
} VmSize;

static const VmSize vm_sizes[] = {
  { "1v/2G", 1, 2048 },
  { "4v/8G", 4, 8192 },
  { "8v/32G", 8, 32768 },
  { "24v/96G", 24, 98304 },
};

static const guint fill_pct[] = { 20, 50, 80, 95 };

static const char *const default_hosts[] = {
  "synthetic:pack:4 numa:4 core:8 pu:2; mem=64GiB; dist=10,12,32",
  "synthetic:pack:8 numa:8 core:4 pu:2; mem=16GiB; dist=10,12,32",
};

/* One drawn host state: what the toolstack reads before planning. */
typedef struct {
  XpPages *node_free;
  XpPages *node_claimed;
  XpPages free_pages;
  GArray *domains;        /* XpDomainView */
} HostState;

static clockid_t bench_clock = CLOCK_THREAD_CPUTIME_ID;
static double clock_overhead_us;

static double
now_us (void)
{
  struct timespec ts;
  clock_gettime (bench_clock, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* p-th percentile (nearest rank) of @n sorted values. */
static double
percentile (const double *sorted, guint n, double p)
{
  guint rank = (guint) (p / 100.0 * n + 0.999999);
  if (rank < 1)
    rank = 1;
  return sorted[MIN (rank, n) - 1];
}

/* Cost of one now_us() call: the median of back-to-back pairs. */
static double
calibrate_clock (void)
{
  double d[1001];
  for (guint i = 0; i < G_N_ELEMENTS (d); i++)
    {
      double a = now_us ();
      d[i] = now_us () - a;
    }
  qsort (d, G_N_ELEMENTS (d), sizeof (double), cmp_double);
  return d[G_N_ELEMENTS (d) / 2];
}

static void
draw_state (HostState *s, const XpTopology *t, guint fill, GRand *rand, const XpCpumask *all_cpus)
{
  s->node_free = g_new0 (XpPages, t->n_nodes);
  s->node_claimed = g_new0 (XpPages, t->n_nodes);
  s->domains = g_array_new (FALSE, FALSE, sizeof (XpDomainView));
  s->free_pages = 0;
  XpPages used_total = 0;
  for (guint n = 0; n < t->n_nodes; n++)
    {
      XpPages size = t->nodes[n].memory_bytes / XP_PAGE_SIZE;
      double f = fill / 100.0 * g_rand_double_range (rand, 0.5, 1.5);
      if (f > 0.999)
        f = 0.999;
      XpPages used = (XpPages) (size * f);
      s->node_free[n] = size - used;
      s->free_pages += s->node_free[n];
      used_total += used;
    }
  /* Running domains filling the used memory (dom0 first, on every node). */
  XpDomainView dom0 = { .domid = 0, .n_vcpus = MIN (t->n_cpus, 16u), .vcpu_hard = all_cpus,
                        .node_affinity = XP_NODEMASK_ALL };
  g_array_append_val (s->domains, dom0);
  guint n_flavours;
  const XpVmFlavour *fl = xp_azure2017_flavours (&n_flavours);
  guint total_weight = 0;
  for (guint i = 0; i < n_flavours; i++)
    total_weight += fl[i].weight;
  guint32 domid = 1;
  while (used_total > 0)
    {
      guint w = g_rand_int_range (rand, 0, total_weight), k = 0;
      while (w >= fl[k].weight)
        w -= fl[k++].weight;
      XpDomainView d = { .domid = domid++, .n_vcpus = MIN (fl[k].vcpus, t->n_cpus), .vcpu_hard = all_cpus,
                         .node_affinity = xp_nodemask_of (g_rand_int_range (rand, 0, t->n_nodes)) };
      g_array_append_val (s->domains, d);
      XpPages pages = XP_MIB_TO_PAGES (fl[k].memory_mib);
      used_total = used_total > pages ? used_total - pages : 0;
    }
}

static void
free_state (HostState *s)
{
  g_free (s->node_free);
  g_free (s->node_claimed);
  g_array_free (s->domains, TRUE);
}

typedef struct {
  double sum;
  GArray *all;            /* every decision's µs */
} Totals;

static int
bench_host (const char *spec, const char *const *policies, guint decisions, guint32 seed)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (XpTopology) t = xp_topology_load (spec, &err);
  if (!t)
    {
      fprintf (stderr, "bench_plan: %s\n", err->message);
      return 2;
    }
  guint64 total_gib = xp_topology_total_memory (t) >> 30;
  printf ("\nhost %u nodes, %u pCPUs, %" G_GUINT64_FORMAT " GiB: %s\n", t->n_nodes, t->n_cpus, total_gib, spec);
  printf ("%-10s %5s %-8s %9s %7s %9s %9s %9s %8s\n", "policy", "fill", "vm", "decisions", "placed",
          "mean_us", "p99_us", "max_us", "domains");

  XpCpumask all_cpus;
  xp_cpumask_clear (&all_cpus);
  for (guint c = 0; c < t->n_cpus; c++)
    xp_cpumask_set (&all_cpus, t->cpus[c].id);

  for (guint p = 0; policies[p]; p++)
    {
      const XpPolicy *pol = xp_policy_lookup (policies[p]);
      if (!pol)
        {
          fprintf (stderr, "bench_plan: unknown policy '%s'\n", policies[p]);
          return 2;
        }
      gpointer state = pol->init (t, NULL, 0, &err);
      if (!state)
        {
          fprintf (stderr, "bench_plan: %s: %s\n", pol->name, err->message);
          return 1;
        }
      /* the same states for every policy: a fresh generator per policy */
      GRand *rand = g_rand_new_with_seed (seed);
      Totals tot = { 0, g_array_new (FALSE, FALSE, sizeof (double)) };
      double *samples = g_new (double, decisions);
      guint32 domid = 1000000;
      for (guint f = 0; f < G_N_ELEMENTS (fill_pct); f++)
        {
          HostState states[N_STATES];
          guint64 n_domains = 0;
          for (guint s = 0; s < N_STATES; s++)
            {
              draw_state (&states[s], t, fill_pct[f], rand, &all_cpus);
              n_domains += states[s].domains->len;
            }
          for (guint v = 0; v < G_N_ELEMENTS (vm_sizes); v++)
            {
              const VmSize *vs = &vm_sizes[v];
              guint placed = 0;
              double sum = 0;
              for (guint i = 0; i < decisions; i++)
                {
                  HostState *s = &states[i % N_STATES];
                  XpHostView view = {
                    .topo = t,
                    .now = (XpTime) i * XP_NSEC_PER_SEC,
                    .free_pages = s->free_pages,
                    .outstanding_pages = 0,
                    .node_free = s->node_free,
                    .node_claimed = s->node_claimed,
                    .n_domains = s->domains->len,
                    .domains = (const XpDomainView *) s->domains->data,
                  };
                  XpVmRequest req = {
                    .name = "bench",
                    .domid = domid++,
                    .vcpus = vs->vcpus,
                    .memory_kib = vs->memory_mib * 1024,
                    .build_claim_kib = (vs->memory_mib - 8) * 1024,
                    .footprint_kib = !strcmp (pol->name, "libxl")
                                       ? xp_libxl_need_memkb (vs->vcpus, vs->memory_mib)
                                       : xp_xenopsd_required_host_free_kib (vs->vcpus, vs->memory_mib, 1.0),
                  };
                  XpPlacement out;
                  double t0 = now_us ();
                  gboolean ok = pol->place (state, &view, &req, &out, &err);
                  double dt = MAX (now_us () - t0 - clock_overhead_us, 0.0);
                  if (!ok)
                    {
                      fprintf (stderr, "bench_plan: %s: %s\n", pol->name, err->message);
                      return 1;
                    }
                  placed += out.placed;
                  samples[i] = dt;
                  sum += dt;
                }
              g_array_append_vals (tot.all, samples, decisions);
              tot.sum += sum;
              qsort (samples, decisions, sizeof (double), cmp_double);
              printf ("%-10s %4u%% %-8s %9u %6.1f%% %9.2f %9.2f %9.2f %8.0f\n", pol->name, fill_pct[f], vs->label,
                      decisions, 100.0 * placed / decisions, sum / decisions, percentile (samples, decisions, 99),
                      samples[decisions - 1], (double) n_domains / N_STATES);
            }
          for (guint s = 0; s < N_STATES; s++)
            free_state (&states[s]);
        }
      guint n = tot.all->len;
      double *all = (double *) tot.all->data;
      qsort (all, n, sizeof (double), cmp_double);
      printf ("%-10s %-14s %9u %7s %9.2f %9.2f %9.2f   <- per decision, %u nodes\n", pol->name, "all", n, "",
              tot.sum / n, percentile (all, n, 99), all[n - 1], t->n_nodes);
      g_array_free (tot.all, TRUE);
      g_free (samples);
      g_rand_free (rand);
      pol->free (state);
    }
  return 0;
}

int
main (int argc, char **argv)
{
  gint decisions = 2000, seed = 1;
  gboolean quick = FALSE;
  g_autofree char *policy_list = NULL, *clock_name = NULL;
  g_auto (GStrv) topologies = NULL;
  GOptionEntry entries[] = {
    { "decisions", 'n', 0, G_OPTION_ARG_INT, &decisions, "decisions per fill level and VM size (2000)", "N" },
    { "seed", 's', 0, G_OPTION_ARG_INT, &seed, "seed of the host states (1)", "N" },
    { "policy", 'p', 0, G_OPTION_ARG_STRING, &policy_list, "policies, comma-separated (xenopsd,libxl)", "LIST" },
    { "topology", 't', 0, G_OPTION_ARG_STRING_ARRAY, &topologies,
      "host topology, repeatable (default: the 16- and 64-node synthetic hosts)", "SPEC" },
    { "clock", 0, 0, G_OPTION_ARG_STRING, &clock_name, "cpu (this thread's CPU time) or wall (cpu)", "CLOCK" },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "50 decisions per cell (for callgrind)", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- time of one placement decision");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) err = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &err))
    {
      fprintf (stderr, "bench_plan: %s\n", err->message);
      return 2;
    }
  if (argc > 1)
    {
      fprintf (stderr, "bench_plan: unexpected argument '%s'\n", argv[1]);
      return 2;
    }
  if (quick)
    decisions = 50;
  if (clock_name && !strcmp (clock_name, "wall"))
    bench_clock = CLOCK_MONOTONIC;
  else if (clock_name && strcmp (clock_name, "cpu"))
    {
      fprintf (stderr, "bench_plan: --clock must be cpu or wall, got '%s'\n", clock_name);
      return 2;
    }
  clock_overhead_us = calibrate_clock ();
  if (decisions < 1 || decisions > 10000000)
    {
      fprintf (stderr, "bench_plan: --decisions must be between 1 and 10000000, got %d\n", decisions);
      return 2;
    }
  g_auto (GStrv) policies = g_strsplit (policy_list ? policy_list : "xenopsd,libxl", ",", -1);
  for (guint i = 0; policies[i]; i++)
    if (!xp_policy_lookup (policies[i]))
      {
        fprintf (stderr, "bench_plan: unknown policy '%s' (built-in policies: 'xenplace policies')\n", policies[i]);
        return 2;
      }
  printf ("bench_plan: one placement decision (policy place() alone), seed %d, %d decisions per cell,"
          " %d host states per fill level;\n  clock %s, %.3f us per reading subtracted\n", seed, decisions, N_STATES,
          bench_clock == CLOCK_MONOTONIC ? "wall (CLOCK_MONOTONIC)" : "thread CPU time", clock_overhead_us);
  int rc = 0;
  if (topologies)
    for (guint i = 0; topologies[i] && rc == 0; i++)
      rc = bench_host (topologies[i], (const char *const *) policies, decisions, seed);
  else
    for (guint i = 0; i < G_N_ELEMENTS (default_hosts) && rc == 0; i++)
      rc = bench_host (default_hosts[i], (const char *const *) policies, decisions, seed);
  return rc;
}
