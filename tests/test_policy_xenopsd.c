/* Tests for policies/xenopsd.c: xenopsd's Topology.NUMA + Softaffinity.plan. */
#include "config.h"
#include <math.h>
#include <string.h>
#include "tests/testutil.h"
#include "tests/policy_testutil.h"
#include "policies/builtins.h"
#include "policies/xenopsd.h"

#define E 0xFFFFFFFFu   /* ~0U: numainfo's "unreachable" */
#define N(x) xp_nodemask_of (x)

static gpointer
xinit (const XpTopology *t, const char *mode)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *kv = mode ? g_strdup_printf ("mode=%s", mode) : NULL;
  const char *params[] = { kv, NULL };
  gpointer st = ptest_policy_init (&xp_policy_xenopsd, t, mode ? params : NULL, &error);
  ck_assert_msg (st != NULL, "init: %s", error ? error->message : "?");
  return st;
}

static XpNodemask
xplace (gpointer st, const XpHostView *v, const XpVmRequest *r, XpPlacement *p)
{
  return ptest_place (&xp_policy_xenopsd, st, v, r, p);
}

static void
assert_candidates (const guint *dist, guint n, const XpNodemask *masks, const double *avgs, guint n_expected)
{
  const guint ones[] = { 1, 1, 1, 1 };
  XpTopology *t = ptest_topo_new (n, ones, 1, dist);
  gpointer st = xinit (t, NULL);
  ck_assert (xp_xenopsd_enabled (st));
  ck_assert_uint_eq (xp_xenopsd_n_candidates (st), n_expected);
  for (guint i = 0; i < n_expected; i++)
    {
      double avg;
      ck_assert_uint_eq (xp_xenopsd_candidate (st, i, &avg, NULL), masks[i]);
      ck_assert_double_eq_tol (avg, avgs[i], 1e-9);
    }
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);
}

static gboolean
make_enabled (const guint *dist, guint n)
{
  const guint ones[] = { 1, 1, 1, 1 };
  XpTopology *t = ptest_topo_new (n, ones, 1, dist);
  gpointer st = xinit (t, NULL);
  gboolean en = xp_xenopsd_enabled (st);
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);
  return en;
}

/* upstream test_topology.ml "Distance matrices" (one CPU per node) */
START_TEST (test_distance_matrices)
{
  /* [[10;E];[E;E]] → [(10.,[0])] */
  const guint last[] = { 10, E, E, E };
  assert_candidates (last, 2, (XpNodemask[]) { N (0) }, (double[]) { 10.0 }, 1);
  /* [[10;E;20];[E;E;E];[20;E;10]] → [(10.,[0]); (10.,[2]); (15.,[0;2])]:
   * {0,2} avg = (10+20+20+10)/4 = 15 */
  const guint middle[] = { 10, E, 20, E, E, E, 20, E, 10 };
  assert_candidates (middle, 3, (XpNodemask[]) { N (0), N (2), N (0) | N (2) }, (double[]) { 10, 10, 15 }, 3);
  /* [[E;E;20];[E;E;E];[10;E;10]] → [(10.,[2])] */
  const guint two[] = { E, E, 20, E, E, E, 10, E, 10 };
  assert_candidates (two, 3, (XpNodemask[]) { N (2) }, (double[]) { 10 }, 1);
  /* [[E;E];[E;E]] → NUMA.make = None */
  const guint none[] = { E, E, E, E };
  ck_assert (!make_enabled (none, 2));
  /* The topology's NUMA_NO_DISTANCE (0xFF) reaches xenopsd as ~0U. */
  const guint last_ff[] = { 10, 0xFF, 0xFF, 0xFF };
  assert_candidates (last_ff, 2, (XpNodemask[]) { N (0) }, (double[]) { 10.0 }, 1);
  /* unreasonable: self-distance 11; an entry below 10 */
  const guint self11[] = { 11, 20, 20, 10 };
  ck_assert (!make_enabled (self11, 2));
  const guint below[] = { 10, 9, 20, 10 };
  ck_assert (!make_enabled (below, 2));
  /* legal: off-diagonal 10 (then {0,1} is (10, 10.0)), asymmetric rows */
  const guint flat[] = { 10, 10, 10, 10 };
  assert_candidates (flat, 2, (XpNodemask[]) { N (0), N (1), N (0) | N (1) }, (double[]) { 10, 10, 10 }, 3);
  const guint asym[] = { 10, 20, 30, 10 };
  assert_candidates (asym, 2, (XpNodemask[]) { N (0), N (1), N (0) | N (1) }, (double[]) { 10, 10, 17.5 }, 3);
}
END_TEST

START_TEST (test_disabled_places_nothing)
{
  const guint none[] = { E, E, E, E };
  const guint ones[] = { 1, 1 };
  XpTopology *t = ptest_topo_new (2, ones, 1, none);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = v.node_free[1] = GIB_PAGES (16);
  gpointer st = xinit (t, NULL);
  XpVmRequest r = ptest_request ("vm", 1, 1, GIB_KIB (1));
  XpPlacement p;
  ck_assert_uint_eq (xplace (st, &v.view, &r, &p), 0);
  ck_assert (!p.placed);
  ck_assert_int_eq (p.claim, XP_CLAIM_TOOLSTACK);   /* the toolstack's global claim */
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);
}
END_TEST

/* Linear chain d = 10 + 11·|i−j| (test_topology.ml's "example n"). */
static guint *
chain (guint n)
{
  guint *d = g_new (guint, n * n);
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++)
      d[i * n + j] = 10 + 11 * (i > j ? i - j : j - i);
  return d;
}

/* "sym 10 VMs / 4 nodes": 16 CPUs (4 per node, 2 cores), 16 GiB free per
 * node never decremented, vcpus = max 2 (16/10) = 2, 1 GiB, cores 0.
 * Only the singletons (avg 10) form the group; balancing by the counters
 * gives 0,1,2,3,0,1,2,3,0,1. */
START_TEST (test_sym_10_vms_4_nodes)
{
  g_autofree guint *d = chain (4);
  XpTopology *t = ptest_topo_uniform (4, 4, 2, d);
  PTestView v;
  ptest_view_init (&v, t);
  for (guint n = 0; n < 4; n++)
    v.node_free[n] = GIB_PAGES (16);
  gpointer st = xinit (t, "prio_mem_only");
  ck_assert_uint_eq (xp_xenopsd_n_candidates (st), 15);
  const guint expect[] = { 0, 1, 2, 3, 0, 1, 2, 3, 0, 1 };
  for (guint i = 0; i < 10; i++)
    {
      XpVmRequest r = ptest_request ("vm", 1 + i, 2, GIB_KIB (1));
      XpPlacement p;
      ck_assert_uint_eq (xplace (st, &v.view, &r, &p), N (expect[i]));
      ck_assert_int_eq (p.affinity, XP_AFFINITY_SOFT);
      ck_assert_int_eq (p.claim, XP_CLAIM_TOOLSTACK);
      ck_assert (!p.set_node_affinity);
    }
  /* usage: nodes 0 and 1 three times, 2 and 3 twice */
  ck_assert_uint_eq (xp_xenopsd_node_usage (st, 0), 3);
  ck_assert_uint_eq (xp_xenopsd_node_usage (st, 3), 2);
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);
}
END_TEST

/* The larger upstream "VM Allocation" scenarios (vms, nodes, CPUs):
 * (40, 16, 256), (40, 32, 256), (80, 64, 256) on the linear chain, 16 GiB
 * free per node, 1 GiB VMs with vcpus = max 2 (256/vms), cores 0. Every
 * VM fits one node, the singletons form the group, and the counters
 * spread the VMs over the nodes in id order: VM i on node i mod nodes.
 * At 32 and 64 nodes the far chain entries exceed 255 (10 + 11·63 = 703):
 * unreachable off-diagonal values between valid nodes are legal. Every
 * CPU of the host ends up in some plan (upstream's "all CPUs used"). */
START_TEST (test_upstream_allocation_scenarios)
{
  const guint scen[][3] = { { 40, 16, 256 }, { 40, 32, 256 }, { 80, 64, 256 } };
  for (guint s = 0; s < G_N_ELEMENTS (scen); s++)
    {
      guint vms = scen[s][0], nodes = scen[s][1], cpus = scen[s][2];
      g_autofree guint *d = chain (nodes);
      XpTopology *t = ptest_topo_uniform (nodes, cpus / nodes, 2, d);
      PTestView v;
      ptest_view_init (&v, t);
      for (guint n = 0; n < nodes; n++)
        v.node_free[n] = GIB_PAGES (16);
      gpointer st = xinit (t, "prio_mem_only");
      ck_assert (xp_xenopsd_enabled (st));
      ck_assert_uint_eq (xp_xenopsd_n_candidates (st), nodes > 16 ? nodes : 65535);
      XpNodemask used = 0;
      for (guint i = 0; i < vms; i++)
        {
          XpVmRequest r = ptest_request ("vm", i, MAX (2, cpus / vms), GIB_KIB (1));
          XpNodemask m = xplace (st, &v.view, &r, NULL);
          ck_assert_msg (m == N (i % nodes), "scenario %u VM %u: %#" G_GINT64_MODIFIER "x", s, i, m);
          used |= m;
        }
      ck_assert_uint_eq (used, nodes == 64 ? XP_NODEMASK_ALL : (N (nodes) - 1));
      xp_policy_xenopsd.free (st);
      ptest_topo_free (t);
    }
}
END_TEST

/* AMD Opteron 6272, as in xenopsd's topology.mli */
static const guint opteron[64] = {
  10, 16, 16, 22, 16, 22, 16, 22,
  16, 10, 22, 16, 16, 22, 22, 16,
  16, 22, 10, 16, 16, 16, 16, 16,
  22, 16, 16, 10, 16, 16, 22, 22,
  16, 16, 16, 16, 10, 16, 16, 22,
  22, 22, 16, 16, 16, 10, 22, 16,
  16, 22, 16, 22, 16, 22, 10, 16,
  22, 16, 16, 22, 22, 16, 16, 10,
};

/* "opteron 6 VMs × mem3": 4 CPUs per node (2 cores), 16 GiB free per node,
 * vcpus = max 2 (32/6) = 5, memory mem3 = 4·2^34/3 bytes (rounded up here
 * to whole KiB: 22369622 KiB), cores 0. mem3 > 16 GiB so no singleton fits;
 * the first valid candidates are the 16-distance pairs, (16, 13.0); the
 * least-used pair with the smallest descending id list wins each time:
 * [1;0], then [3;2] (0,1 used), [5;4], [7;6], then all used once → [1;0],
 * then [3;2] (sum 2 < any pair touching 0 or 1). */
START_TEST (test_opteron_6_vms_mem3)
{
  XpTopology *t = ptest_topo_uniform (8, 4, 2, opteron);
  PTestView v;
  ptest_view_init (&v, t);
  for (guint n = 0; n < 8; n++)
    v.node_free[n] = GIB_PAGES (16);
  gpointer st = xinit (t, "prio_mem_only");
  ck_assert_uint_eq (xp_xenopsd_n_candidates (st), 255);
  /* {0,1,4} (max 16, avg (30+6·16)/9 = 14.0) sorts before {0,1,2} (max 22) */
  gint i014 = -1, i012 = -1;
  for (guint i = 0; i < 255; i++)
    {
      XpNodemask m = xp_xenopsd_candidate (st, i, NULL, NULL);
      if (m == (N (0) | N (1) | N (4)))
        i014 = (gint) i;
      if (m == (N (0) | N (1) | N (2)))
        i012 = (gint) i;
    }
  ck_assert_int_lt (i014, i012);
  double avg;
  guint64 max;
  xp_xenopsd_candidate (st, (guint) i014, &avg, &max);
  ck_assert_uint_eq (max, 16);
  ck_assert_double_eq_tol (avg, 14.0, 1e-12);

  const XpNodemask expect[] = { N (0) | N (1), N (2) | N (3), N (4) | N (5),
                                N (6) | N (7), N (0) | N (1), N (2) | N (3) };
  for (guint i = 0; i < 6; i++)
    {
      XpVmRequest r = ptest_request ("vm", 1 + i, 5, 22369622);
      ck_assert_uint_eq (xplace (st, &v.view, &r, NULL), expect[i]);
    }
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);
}
END_TEST

/* Reference §4.3: grouping by average only. The triple {0,1,2} (all pairs
 * at 19) has (19, (30+6·19)/9 = 16.0), the pair {3,4} (at 22) has
 * (22, (20+44)/4 = 16.0). Between them sorts {0,3} (21, 15.5), which does
 * not fit and must not end the group. 24 GiB fits no node and no pair of
 * {0,1,2} (20 GiB), but the triple (30) and {3,4} (24). */
START_TEST (test_average_only_grouping)
{
  const guint d[25] = {
    10, 19, 19, 21, 30,
    19, 10, 19, 30, 30,
    19, 19, 10, 30, 30,
    21, 30, 30, 10, 22,
    30, 30, 30, 22, 10,
  };
  XpTopology *t = ptest_topo_uniform (5, 2, 2, d);
  PTestView v;
  ptest_view_init (&v, t);
  const guint gib[] = { 10, 10, 10, 12, 12 };
  for (guint n = 0; n < 5; n++)
    v.node_free[n] = GIB_PAGES (gib[n]);
  gpointer st = xinit (t, NULL);
  XpVmRequest r = ptest_request ("vm", 1, 2, GIB_KIB (24));
  /* 1st: both sums 0, [2;1;0] < [4;3] → the triple. 2nd: 3 vs 0 → {3,4}
   * although its max distance is 22. 3rd: 3 vs 2 → {3,4}. 4th: 3 vs 4. */
  ck_assert_uint_eq (xplace (st, &v.view, &r, NULL), N (0) | N (1) | N (2));
  ck_assert_uint_eq (xplace (st, &v.view, &r, NULL), N (3) | N (4));
  ck_assert_uint_eq (xplace (st, &v.view, &r, NULL), N (3) | N (4));
  ck_assert_uint_eq (xplace (st, &v.view, &r, NULL), N (0) | N (1) | N (2));
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);
}
END_TEST

/* Ties go to the smallest DESCENDING id list: among fitting pairs {0,3},
 * {1,2}, {1,3}, {2,3} (all equal distance), [2;1] < [3;0] → {1,2}, where an
 * ascending comparison would take {0,3}. Free 4, 8, 8, 12 GiB, request 14:
 * {0,1} = {0,2} = 12 do not fit. */
START_TEST (test_descending_tiebreak)
{
  XpTopology *t = ptest_topo_uniform (4, 2, 1, NULL);
  PTestView v;
  ptest_view_init (&v, t);
  const guint gib[] = { 4, 8, 8, 12 };
  for (guint n = 0; n < 4; n++)
    v.node_free[n] = GIB_PAGES (gib[n]);
  gpointer st = xinit (t, NULL);
  XpVmRequest r = ptest_request ("vm", 1, 2, GIB_KIB (14));
  ck_assert_uint_eq (xplace (st, &v.view, &r, NULL), N (1) | N (2));
  /* With everything fitting, the first equal-distance pairs go {0,1},
   * {2,3} (unused), then {0,1} again ([1;0] smallest of the equal sums). */
  for (guint n = 0; n < 4; n++)
    v.node_free[n] = GIB_PAGES (8);
  xp_policy_xenopsd.toolstack_restart (st);
  ck_assert_uint_eq (xplace (st, &v.view, &r, NULL), N (0) | N (1));
  ck_assert_uint_eq (xplace (st, &v.view, &r, NULL), N (2) | N (3));
  ck_assert_uint_eq (xplace (st, &v.view, &r, NULL), N (0) | N (1));
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);

  /* Prefix-smaller: off-diagonal 10 puts {0,1} in the singleton group;
   * node 0 alone too small → {1} and {0,1} both fit with usage 0, and
   * [1] < [1;0]. */
  const guint flat[] = { 10, 10, 10, 10 };
  t = ptest_topo_uniform (2, 2, 1, flat);
  ptest_view_init (&v, t);
  v.node_free[0] = GIB_PAGES (1);
  v.node_free[1] = GIB_PAGES (8);
  st = xinit (t, NULL);
  XpVmRequest r4 = ptest_request ("vm", 1, 1, GIB_KIB (4));
  ck_assert_uint_eq (xplace (st, &v.view, &r4, NULL), N (1));
  /* now usage {1}=1, {0,1}=1: tie again, [1] still wins */
  ck_assert_uint_eq (xplace (st, &v.view, &r4, NULL), N (1));
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);
}
END_TEST

/* Counters only go up: an exit does not give a node back; a restart does. */
START_TEST (test_counters_persist)
{
  g_autofree guint *d = chain (2);
  XpTopology *t = ptest_topo_uniform (2, 4, 2, d);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = v.node_free[1] = GIB_PAGES (16);
  gpointer st = xinit (t, NULL);
  XpVmRequest a = ptest_request ("a", 1, 2, GIB_KIB (1));
  XpVmRequest b = ptest_request ("b", 2, 2, GIB_KIB (1));
  ck_assert_uint_eq (xplace (st, &v.view, &a, NULL), N (0));
  xp_policy_xenopsd.vm_exit (st, 1);
  ck_assert_uint_eq (xp_xenopsd_node_usage (st, 0), 1);
  /* node 0 is free again, but its counter is 1: b goes to node 1 */
  ck_assert_uint_eq (xplace (st, &v.view, &b, NULL), N (1));
  xp_policy_xenopsd.toolstack_restart (st);
  ck_assert_uint_eq (xp_xenopsd_node_usage (st, 0), 0);
  ck_assert_uint_eq (xp_xenopsd_node_usage (st, 1), 0);
  ck_assert_uint_eq (xplace (st, &v.view, &b, NULL), N (0));
  /* A plan the toolstack later discards (multi-node) still counts: 20 GiB
   * needs both nodes, bumping both counters. */
  XpVmRequest big = ptest_request ("big", 3, 2, GIB_KIB (20));
  ck_assert_uint_eq (xplace (st, &v.view, &big, NULL), N (0) | N (1));
  ck_assert_uint_eq (xp_xenopsd_node_usage (st, 0), 2);
  ck_assert_uint_eq (xp_xenopsd_node_usage (st, 1), 1);
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);
}
END_TEST

/* Claimed memory is not available: avail = free − claimed. */
START_TEST (test_claimed)
{
  g_autofree guint *d = chain (2);
  XpTopology *t = ptest_topo_uniform (2, 4, 2, d);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = v.node_free[1] = GIB_PAGES (16);
  v.node_claimed[0] = GIB_PAGES (12);
  gpointer st = xinit (t, NULL);
  /* 8 GiB: node 0 has 16 − 12 = 4 available → node 1 */
  XpVmRequest r = ptest_request ("vm", 1, 2, GIB_KIB (8));
  ck_assert_uint_eq (xplace (st, &v.view, &r, NULL), N (1));
  /* exactly 4 GiB fits node 0; usage: node 1 = 1, node 0 = 0 → node 0 */
  XpVmRequest r4 = ptest_request ("vm4", 2, 2, GIB_KIB (4));
  ck_assert_uint_eq (xplace (st, &v.view, &r4, NULL), N (0));
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);
}
END_TEST

/* best_effort needs physical cores ≥ vCPUs; prio_mem_only only CPUs. Two
 * nodes of 4 CPUs = 2 cores; a 4-vCPU VM: best_effort → both nodes (4
 * cores), prio_mem_only → node 0 (4 CPUs suffice). */
START_TEST (test_cores_modes)
{
  g_autofree guint *d = chain (2);
  XpTopology *t = ptest_topo_uniform (2, 4, 2, d);
  ck_assert_uint_eq (t->nodes[0].n_cores, 2);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = v.node_free[1] = GIB_PAGES (16);
  XpVmRequest r = ptest_request ("vm", 1, 4, GIB_KIB (1));
  XpPlacement p;
  gpointer be = xinit (t, "best_effort");
  ck_assert_uint_eq (xplace (be, &v.view, &r, &p), N (0) | N (1));
  ck_assert_int_eq (p.affinity, XP_AFFINITY_SOFT);
  gpointer hard = xinit (t, "best_effort_hard");
  ck_assert_uint_eq (xplace (hard, &v.view, &r, &p), N (0) | N (1));
  ck_assert_int_eq (p.affinity, XP_AFFINITY_HARD);
  gpointer mem = xinit (t, "prio_mem_only");
  ck_assert_uint_eq (xplace (mem, &v.view, &r, &p), N (0));
  ck_assert_int_eq (p.affinity, XP_AFFINITY_SOFT);
  /* 2 vCPUs fit 2 cores: best_effort takes a single node; usage after
   * {0,1} is 1,1 → the singletons tie at 1 and node 0 wins */
  XpVmRequest r2 = ptest_request ("vm2", 2, 2, GIB_KIB (1));
  ck_assert_uint_eq (xplace (be, &v.view, &r2, NULL), N (0));
  ck_assert_uint_eq (xp_xenopsd_node_usage (be, 0), 2);
  ck_assert_uint_eq (xp_xenopsd_node_usage (be, 1), 1);
  /* any: no plan, no claim */
  gpointer any = xinit (t, "any");
  ck_assert_uint_eq (xplace (any, &v.view, &r2, &p), 0);
  ck_assert (!p.placed);
  ck_assert_int_eq (p.claim, XP_CLAIM_NONE);
  xp_policy_xenopsd.free (be);
  xp_policy_xenopsd.free (hard);
  xp_policy_xenopsd.free (mem);
  xp_policy_xenopsd.free (any);
  ptest_topo_free (t);
}
END_TEST

/* A user hard affinity: no placement, no claim, counters untouched. */
START_TEST (test_user_hard_affinity)
{
  g_autofree guint *d = chain (2);
  XpTopology *t = ptest_topo_uniform (2, 4, 2, d);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = v.node_free[1] = GIB_PAGES (16);
  gpointer st = xinit (t, NULL);
  XpCpumask hard;
  xp_cpumask_clear (&hard);
  xp_cpumask_set (&hard, 5);
  XpVmRequest r = ptest_request ("vm", 1, 2, GIB_KIB (1));
  r.hard_affinity = &hard;
  XpPlacement p;
  ck_assert_uint_eq (xplace (st, &v.view, &r, &p), 0);
  ck_assert (!p.placed);
  ck_assert_int_eq (p.claim, XP_CLAIM_NONE);
  ck_assert_uint_eq (xp_xenopsd_node_usage (st, 0) + xp_xenopsd_node_usage (st, 1), 0);
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);
}
END_TEST

/* Up to 16 valid nodes: all 2^16 − 1 = 65535 subsets; above: singletons
 * only, so a VM larger than a node gets no plan. */
START_TEST (test_node_limits)
{
  g_autofree guint *d16 = chain (16);
  XpTopology *t = ptest_topo_uniform (16, 1, 1, d16);
  gpointer st = xinit (t, NULL);
  ck_assert_uint_eq (xp_xenopsd_n_candidates (st), 65535);
  /* sorted: singletons first, then the chain neighbours (21, 15.5) */
  double avg;
  guint64 max;
  ck_assert_uint_eq (xp_xenopsd_candidate (st, 0, &avg, &max), N (0));
  ck_assert_uint_eq (xp_xenopsd_candidate (st, 16, &avg, &max), N (0) | N (1));
  ck_assert_uint_eq (max, 21);
  ck_assert_double_eq_tol (avg, 15.5, 1e-12);
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);

  /* 17 nodes: more than 16 valid nodes → singletons only. */
  g_autofree guint *d17 = chain (17);
  t = ptest_topo_uniform (17, 1, 1, d17);
  PTestView v;
  ptest_view_init (&v, t);
  for (guint n = 0; n < 17; n++)
    v.node_free[n] = GIB_PAGES (4);
  st = xinit (t, NULL);
  ck_assert (xp_xenopsd_enabled (st));
  ck_assert_uint_eq (xp_xenopsd_n_candidates (st), 17);
  XpVmRequest small = ptest_request ("s", 1, 1, GIB_KIB (2));
  ck_assert_uint_eq (xplace (st, &v.view, &small, NULL), N (0));
  ck_assert_uint_eq (xplace (st, &v.view, &small, NULL), N (1));
  XpVmRequest big = ptest_request ("b", 2, 1, GIB_KIB (6));
  XpPlacement p;
  ck_assert_uint_eq (xplace (st, &v.view, &big, &p), 0);
  ck_assert (!p.placed);
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);
}
END_TEST

/* Memory-only nodes (reachable, no CPUs) stay valid and lend memory: node
 * 1 has 32 GiB and no CPU; 8 GiB does not fit node 0 (4 GiB), and {1}
 * alone has no CPU for the 2 vCPUs → {0,1}. */
START_TEST (test_memory_only_node)
{
  const guint cpus[] = { 4, 0 };
  const guint d[] = { 10, 20, 20, 10 };
  XpTopology *t = ptest_topo_new (2, cpus, 2, d);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = GIB_PAGES (4);
  v.node_free[1] = GIB_PAGES (32);
  gpointer st = xinit (t, NULL);
  ck_assert (xp_xenopsd_enabled (st));
  ck_assert_uint_eq (xp_xenopsd_n_candidates (st), 3);
  XpVmRequest r = ptest_request ("vm", 1, 2, GIB_KIB (8));
  ck_assert_uint_eq (xplace (st, &v.view, &r, NULL), N (0) | N (1));
  xp_policy_xenopsd.free (st);
  ptest_topo_free (t);
}
END_TEST

/* A second, deliberately naive transcription of the reference pseudo-code
 * (§4.4: per-candidate sums, insertion sort, explicit list comparison),
 * run against the policy on random small hosts and request sequences
 * with a fixed seed: unreachable entries, off-diagonal 10s, memory-only
 * nodes, claims. */
typedef struct {
  guint64 max;
  double avg;
  guint nodes[8];
  guint k;
} Naive;

static guint64
naive_seen (guint d)
{
  return d == 0xFF ? 0xFFFFFFFFu : d;
}

static XpNodemask
naive_plan (const XpTopology *t, const Naive *c, guint nc, const guint64 *avail, guint64 mem, guint vcpus,
            guint cores, guint64 *usage)
{
  gboolean have_first = FALSE;
  double first = 0;
  gint best = -1;
  guint64 best_usage = 0;
  guint best_desc[8] = { 0 }, best_k = 0;
  for (guint i = 0; i < nc; i++)
    {
      guint64 m = 0, cp = 0, co = 0, u = 0;
      for (guint j = 0; j < c[i].k; j++)
        {
          guint n = c[i].nodes[j];
          m += avail[n];
          cp += naive_seen (xp_topology_distance (t, n, n)) <= 255 ? t->nodes[n].n_cpus : 0;
          co += t->nodes[n].n_cores;
          u += usage[n];
        }
      if (m < mem || cp < vcpus || co < cores)
        continue;
      if (!have_first)
        {
          have_first = TRUE;
          first = c[i].avg;
        }
      else if (fabs (c[i].avg - first) >= 1e-3)
        break;
      guint desc[8];
      for (guint j = 0; j < c[i].k; j++)
        desc[j] = c[i].nodes[c[i].k - 1 - j];
      gint cmp = 0;
      if (best >= 0)
        {
          if (u != best_usage)
            cmp = u < best_usage ? -1 : 1;
          else
            {
              guint j = 0;
              while (j < c[i].k && j < best_k && desc[j] == best_desc[j])
                j++;
              if (j < c[i].k && j < best_k)
                cmp = desc[j] < best_desc[j] ? -1 : 1;
              else
                cmp = c[i].k < best_k ? -1 : c[i].k > best_k ? 1 : 0;
            }
        }
      if (best < 0 || cmp < 0)
        {
          best = (gint) i;
          best_usage = u;
          best_k = c[i].k;
          memcpy (best_desc, desc, sizeof desc);
        }
    }
  if (best < 0)
    return 0;
  XpNodemask m = 0;
  for (guint j = 0; j < c[best].k; j++)
    {
      usage[c[best].nodes[j]]++;
      m |= N (c[best].nodes[j]);
    }
  return m;
}

START_TEST (test_random_against_naive)
{
  GRand *rand = g_rand_new_with_seed (20260223);
  guint plans = 0, placed = 0;
  for (guint round = 0; round < 300; round++)
    {
      guint n = (guint) g_rand_int_range (rand, 1, 7);
      guint cpus[8], d[64];
      for (guint i = 0; i < n; i++)
        cpus[i] = (guint) g_rand_int_range (rand, 0, 5);
      const guint pool[] = { 10, 12, 16, 20, 21, 22, 31, 0xFF };
      for (guint i = 0; i < n; i++)
        for (guint j = 0; j < n; j++)
          d[i * n + j] = i == j ? (g_rand_int_range (rand, 0, 8) ? 10 : 0xFF)
                                : pool[g_rand_int_range (rand, 0, 8)];
      XpTopology *t = ptest_topo_new (n, cpus, 2, d);
      gpointer st = xinit (t, round % 3 == 0 ? "prio_mem_only" : NULL);

      /* naive make: all-empty and reasonableness, then candidates */
      gboolean any = FALSE, ok = TRUE;
      guint valid[8], nv = 0;
      for (guint i = 0; i < n; i++)
        {
          guint64 self = naive_seen (d[i * n + i]);
          if (self <= 255 && cpus[i] > 0)
            any = TRUE;
          if (!(self > 255 || self == 10))
            ok = FALSE;
          for (guint j = 0; j < n; j++)
            if (naive_seen (d[i * n + j]) < 10)
              ok = FALSE;
          if (self <= 255)
            valid[nv++] = i;
        }
      ck_assert_int_eq (xp_xenopsd_enabled (st), any && ok);
      if (!(any && ok))
        {
          xp_policy_xenopsd.free (st);
          ptest_topo_free (t);
          continue;
        }
      guint nc = (1u << nv) - 1;
      Naive *c = g_new0 (Naive, nc);
      for (guint mask = 1; mask <= nc; mask++)
        {
          Naive x = { 0 };
          guint64 sum = 0;
          for (guint b = 0; b < nv; b++)
            if (mask >> b & 1)
              x.nodes[x.k++] = valid[b];
          for (guint a = 0; a < x.k; a++)
            for (guint b = 0; b < x.k; b++)
              {
                guint64 dd = naive_seen (d[x.nodes[a] * n + x.nodes[b]]);
                x.max = MAX (x.max, dd);
                sum += dd;
              }
          x.avg = (double) sum / (double) (x.k * x.k);
          /* stable insertion */
          guint pos = mask - 1;
          while (pos > 0 && (c[pos - 1].max > x.max || (c[pos - 1].max == x.max && c[pos - 1].avg > x.avg)))
            {
              c[pos] = c[pos - 1];
              pos--;
            }
          c[pos] = x;
        }
      ck_assert_uint_eq (xp_xenopsd_n_candidates (st), nc);
      for (guint i = 0; i < nc; i++)
        {
          XpNodemask want = 0;
          for (guint j = 0; j < c[i].k; j++)
            want |= N (c[i].nodes[j]);
          ck_assert_uint_eq (xp_xenopsd_candidate (st, i, NULL, NULL), want);
        }
      guint64 usage[8] = { 0 };
      PTestView v;
      ptest_view_init (&v, t);
      for (guint req = 0; req < 20; req++)
        {
          guint64 avail[8];
          for (guint i = 0; i < n; i++)
            {
              v.node_free[i] = GIB_PAGES (g_rand_int_range (rand, 0, 9));
              v.node_claimed[i] = g_rand_int_range (rand, 0, 4) ? 0 : MIN (v.node_free[i], GIB_PAGES (2));
              avail[i] = (v.node_free[i] - v.node_claimed[i]) * XP_PAGE_SIZE;
            }
          guint vcpus = (guint) g_rand_int_range (rand, 1, 9);
          guint64 kib = GIB_KIB (g_rand_int_range (rand, 1, 17));
          XpVmRequest r = ptest_request ("vm", req, vcpus, kib);
          XpNodemask want = naive_plan (t, c, nc, avail, kib * 1024, vcpus, round % 3 == 0 ? 0 : vcpus, usage);
          XpNodemask got = xplace (st, &v.view, &r, NULL);
          ck_assert_msg (got == want, "round %u request %u: policy %#" G_GINT64_MODIFIER "x, naive %#"
                         G_GINT64_MODIFIER "x", round, req, got, want);
          plans++;
          placed += want != 0;
        }
      g_free (c);
      xp_policy_xenopsd.free (st);
      ptest_topo_free (t);
    }
  /* the generator must exercise both outcomes */
  ck_assert_uint_gt (placed, 200);
  ck_assert_uint_gt (plans - placed, 200);
  g_rand_free (rand);
}
END_TEST

Suite *
xp_test_policy_xenopsd_suite (void)
{
  Suite *s = suite_create ("policy_xenopsd");
  TCase *tc = tcase_create ("xenopsd");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_distance_matrices);
  tcase_add_test (tc, test_disabled_places_nothing);
  tcase_add_test (tc, test_sym_10_vms_4_nodes);
  tcase_add_test (tc, test_opteron_6_vms_mem3);
  tcase_add_test (tc, test_upstream_allocation_scenarios);
  tcase_add_test (tc, test_average_only_grouping);
  tcase_add_test (tc, test_descending_tiebreak);
  tcase_add_test (tc, test_counters_persist);
  tcase_add_test (tc, test_claimed);
  tcase_add_test (tc, test_cores_modes);
  tcase_add_test (tc, test_user_hard_affinity);
  tcase_add_test (tc, test_node_limits);
  tcase_add_test (tc, test_memory_only_node);
  tcase_add_test (tc, test_random_against_naive);
  suite_add_tcase (s, tc);
  return s;
}
