/* Tests for policies/libxl.c: libxl__get_numa_candidate + numa_cmpf (4.17). */
#include "config.h"
#include <string.h>
#include "tests/testutil.h"
#include "tests/policy_testutil.h"
#include "policies/builtins.h"

#define N(x) xp_nodemask_of (x)
#define TIB_PAGES(t) ((XpPages) (t) << (40 - XP_PAGE_SHIFT))

static XpNodemask
lplace (const XpHostView *v, const XpVmRequest *r, XpPlacement *p)
{
  g_autoptr (GError) error = NULL;
  gpointer st = ptest_policy_init (&xp_policy_libxl, v->topo, NULL, &error);
  ck_assert_msg (st != NULL, "init: %s", error ? error->message : "?");
  XpNodemask m = ptest_place (&xp_policy_libxl, st, v, r, p);
  xp_policy_libxl.free (st);
  return m;
}

/* CPUs of @node in a uniform topology. */
static XpCpumask
node_cpus (const XpTopology *t, guint node)
{
  XpCpumask m;
  xp_cpumask_clear (&m);
  for (guint i = 0; i < t->nodes[node].n_cpus; i++)
    xp_cpumask_set (&m, t->nodes[node].cpus[i]);
  return m;
}

/* Reference §7.1 F: two nodes × 16 CPUs; dom0 8 vCPUs auto-affine to both
 * (counts 8 on each), X 4 vCPUs with node affinity {1} (4 on node 1), the
 * new domain 8 vCPUs with hard = all, auto node affinity (8 on each).
 * min_nodes = ceil(8/16) = 1; vcpus {0}: 16, {1}: 20 → node 0 although
 * node 1 has more free memory. */
START_TEST (test_example_f)
{
  XpTopology *t = ptest_topo_uniform (2, 16, 2, NULL);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = GIB_PAGES (40);
  v.node_free[1] = GIB_PAGES (60);
  ptest_view_add_domain (&v, 0, 8, NULL, N (0) | N (1));
  ptest_view_add_domain (&v, 1, 4, NULL, N (1));
  ptest_view_add_domain (&v, 2, 8, NULL, N (0) | N (1));
  XpVmRequest r = ptest_request ("new", 2, 8, GIB_KIB (32));
  XpPlacement p;
  ck_assert_uint_eq (lplace (&v.view, &r, &p), N (0));
  ck_assert (p.placed);
  ck_assert (p.set_node_affinity);
  ck_assert_int_eq (p.affinity, XP_AFFINITY_SOFT);
  ck_assert_int_eq (p.claim, XP_CLAIM_TOOLSTACK);

  /* X auto-affine to both nodes: 20 vs 20 vCPUs → more memfree, node 1 */
  v.domains[1].node_affinity = N (0) | N (1);
  ck_assert_uint_eq (lplace (&v.view, &r, NULL), N (1));
  /* equal free memory too → the first combination, node 0 */
  v.node_free[1] = GIB_PAGES (40);
  ck_assert_uint_eq (lplace (&v.view, &r, NULL), N (0));
  /* X hard-pinned to node 1's CPUs with node affinity both: counts on
   * node 1 only (a CPU of its hard affinity must be on the node), so node
   * 0 wins again although node 1 has more free memory */
  v.node_free[1] = GIB_PAGES (60);
  XpCpumask n1 = node_cpus (t, 1);
  for (guint i = 0; i < 4; i++)
    v.hard[1][i] = n1;
  ck_assert_uint_eq (lplace (&v.view, &r, NULL), N (0));
  ptest_topo_free (t);
}
END_TEST

/* Equal CPUs per node: min_nodes = ceil(vcpus / cpus_per_node), and the
 * first k with any candidate wins even if fewer nodes would hold the
 * memory. 4 nodes × 2 CPUs, 3 vCPUs → pairs only; every pair counts the
 * new domain's 3 vCPUs twice (6), so the most free pair wins: free 4, 8,
 * 6, 2 GiB → {1,2} = 14. Unequal CPUs (2, 4, 2, 2) → min_nodes = 1 and
 * only node 1 has 3 CPUs. */
START_TEST (test_min_nodes)
{
  XpTopology *t = ptest_topo_uniform (4, 2, 1, NULL);
  PTestView v;
  ptest_view_init (&v, t);
  const guint gib[] = { 4, 8, 6, 2 };
  for (guint n = 0; n < 4; n++)
    v.node_free[n] = GIB_PAGES (gib[n]);
  ptest_view_add_domain (&v, 1, 3, NULL, 0xF);
  XpVmRequest r = ptest_request ("vm", 1, 3, GIB_KIB (1));
  ck_assert_uint_eq (lplace (&v.view, &r, NULL), N (1) | N (2));
  /* 2 vCPUs: one node is enough, most free single node = node 1 */
  XpVmRequest r2 = ptest_request ("vm2", 1, 2, GIB_KIB (1));
  ck_assert_uint_eq (lplace (&v.view, &r2, NULL), N (1));
  /* 9 vCPUs on 8 CPUs: no candidate at any k */
  XpVmRequest r9 = ptest_request ("vm9", 1, 9, GIB_KIB (1));
  XpPlacement p;
  ck_assert_uint_eq (lplace (&v.view, &r9, &p), 0);
  ck_assert (!p.placed);
  ck_assert (p.set_node_affinity);   /* the all-nodes map of the failed search */
  ptest_topo_free (t);

  const guint cpus[] = { 2, 4, 2, 2 };
  t = ptest_topo_new (4, cpus, 1, NULL);
  ptest_view_init (&v, t);
  for (guint n = 0; n < 4; n++)
    v.node_free[n] = GIB_PAGES (gib[n]);
  ck_assert_uint_eq (lplace (&v.view, &r, NULL), N (1));
  ptest_topo_free (t);
}
END_TEST

/* min_free_memkb = footprint rounded up to 2048 KiB; free = memfree with
 * claims included. Node 0 has 1 GiB − 4 KiB = 1048572 KiB free and no
 * other vCPUs; node 1 (2 GiB) carries dom0's 2 pinned vCPUs, so node 0
 * wins whenever it fits. */
START_TEST (test_memory_rounding_and_claims)
{
  XpTopology *t = ptest_topo_uniform (2, 2, 1, NULL);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = GIB_PAGES (1) - 1;
  v.node_free[1] = GIB_PAGES (2);
  XpCpumask n1 = node_cpus (t, 1);
  ptest_view_add_domain (&v, 0, 2, &n1, N (0) | N (1));
  XpVmRequest r = ptest_request ("vm", 1, 1, 0);
  /* 1042433 KiB rounds up to 1044480 ≤ 1048572: node 0 */
  r.footprint_kib = 1042433;
  ck_assert_uint_eq (lplace (&v.view, &r, NULL), N (0));
  /* 1046529 KiB ≤ 1048572, but rounded up it is 1048576 > 1048572: node 1 */
  r.footprint_kib = 1046529;
  ck_assert_uint_eq (lplace (&v.view, &r, NULL), N (1));
  /* Claims are invisible: all but 4 KiB of node 0 is claimed by a build
   * in progress, yet libxl still sees 1048572 KiB there. */
  r.footprint_kib = 1042433;
  v.node_claimed[0] = GIB_PAGES (1) - 2;
  ck_assert_uint_eq (lplace (&v.view, &r, NULL), N (0));
  ptest_topo_free (t);
}
END_TEST

/* No placement on one node or on more than 16. */
START_TEST (test_node_limits)
{
  XpPlacement p;
  XpVmRequest r = ptest_request ("vm", 1, 1, GIB_KIB (1));
  XpTopology *t = ptest_topo_uniform (1, 4, 2, NULL);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = GIB_PAGES (8);
  ck_assert_uint_eq (lplace (&v.view, &r, &p), 0);
  ck_assert (!p.placed);
  /* libxl__build_pre still writes its all-ones node map (no plan nodes) */
  ck_assert (p.set_node_affinity);
  ck_assert_uint_eq (p.nodes, 0);
  ptest_topo_free (t);

  t = ptest_topo_uniform (17, 1, 1, NULL);
  ptest_view_init (&v, t);
  for (guint n = 0; n < 17; n++)
    v.node_free[n] = GIB_PAGES (8);
  ck_assert_uint_eq (lplace (&v.view, &r, &p), 0);
  ck_assert (!p.placed);
  ck_assert (p.set_node_affinity);
  ck_assert_uint_eq (p.nodes, 0);
  ptest_topo_free (t);

  /* 16 nodes still place: all equal → node 0 */
  t = ptest_topo_uniform (16, 1, 1, NULL);
  ptest_view_init (&v, t);
  for (guint n = 0; n < 16; n++)
    v.node_free[n] = GIB_PAGES (8);
  ck_assert_uint_eq (lplace (&v.view, &r, &p), N (0));
  ptest_topo_free (t);
}
END_TEST

/* The live observation (Xen 4.17 under QEMU, 4 nodes × 2 CPUs): memfree
 * 925, 1017, 1005, 335 MiB; dom0 8 vCPUs, d0v0 pinned to CPUs 6-7 (node
 * 3), the rest unpinned → vCPU counts 7, 7, 7, 8. A 384 MiB HVM guest
 * needs 393216 + 3584 (paging pool: 4 KiB × (256·2 + 384)) + 2048 =
 * 398848 KiB, rounded up to 399360 KiB: node 3 (343040 KiB) never fits.
 * g1 (2 vCPUs, counted on every node): 9, 9, 9 → most free, node 1.
 * g2 asks cpus="node:3" (hard affinity to CPUs 6-7), but libxl passes
 * the cpupool map, not the hard affinity: counts 9, 11 (g1 is on node
 * 1), 9 → node 2 (1005 MiB) beats node 0 (925), as observed. */
START_TEST (test_hard_affinity_quirk_live)
{
  const guint d[16] = { 10, 16, 22, 22, 16, 10, 22, 22, 22, 22, 10, 16, 22, 22, 16, 10 };
  XpTopology *t = ptest_topo_uniform (4, 2, 1, d);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = MIB_PAGES (925);
  v.node_free[1] = MIB_PAGES (1017);
  v.node_free[2] = MIB_PAGES (1005);
  v.node_free[3] = MIB_PAGES (335);
  XpCpumask n3 = node_cpus (t, 3);
  ptest_view_add_domain (&v, 0, 8, NULL, 0xF);
  v.hard[0][0] = n3;
  ptest_view_add_domain (&v, 1, 2, NULL, 0xF);   /* g1 being built */
  XpVmRequest g1 = ptest_request ("g1", 1, 2, MIB_KIB (384));
  g1.footprint_kib = 393216 + 3584 + 2048;
  XpPlacement p;
  ck_assert_uint_eq (lplace (&v.view, &g1, &p), N (1));
  ck_assert (p.set_node_affinity);

  /* g1 built on node 1 (explicit node affinity {1}), 386 MiB gone there */
  v.domains[1].node_affinity = N (1);
  v.node_free[1] = MIB_PAGES (1017 - 386);
  ptest_view_add_domain (&v, 2, 2, NULL, 0xF);   /* g2 being built: hard = all so far */
  XpVmRequest g2 = g1;
  g2.name = "g2";
  g2.domid = 2;
  g2.hard_affinity = &n3;
  ck_assert_uint_eq (lplace (&v.view, &g2, &p), N (2));
  ck_assert_int_eq (p.affinity, XP_AFFINITY_SOFT);

  /* A hard affinity without any CPU of the host is libxl's ERROR_INVAL. */
  XpCpumask outside;
  xp_cpumask_clear (&outside);
  xp_cpumask_set (&outside, 100);
  g2.hard_affinity = &outside;
  gpointer st = xp_policy_libxl.init (t, NULL, 0, NULL);
  g_autoptr (GError) error = NULL;
  ck_assert (!xp_policy_libxl.place (st, &v.view, &g2, &p, &error));
  xp_assert_error_contains (error, "VM 'g2': hard affinity has no CPU of the host");
  xp_policy_libxl.free (st);
  ptest_topo_free (t);
}
END_TEST

/* numa_cmpf's int truncation: free KiB differences of 2 TiB or more flip
 * sign. Node 0 has 1 GiB = 1048576 KiB free, node 1 3 TiB = 3221225472
 * KiB; equal vCPUs. (int)(1048576 − 3221225472) keeps the low 32 bits,
 * 2^32 − 3220176896 = 1074790400 > 0, so node 1 is "worse": node 0 wins.
 * With 1 TiB on node 1 the difference is −1072693248 → negative → node 1. */
START_TEST (test_int_truncation)
{
  XpTopology *t = ptest_topo_uniform (2, 4, 2, NULL);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = GIB_PAGES (1);
  v.node_free[1] = TIB_PAGES (3);
  XpVmRequest r = ptest_request ("vm", 1, 1, MIB_KIB (512));
  ck_assert_uint_eq (lplace (&v.view, &r, NULL), N (0));
  v.node_free[1] = TIB_PAGES (1);
  ck_assert_uint_eq (lplace (&v.view, &r, NULL), N (1));
  ptest_topo_free (t);
}
END_TEST

/* The 32-bit KiB accumulator: 5 TiB free = 5368709120 KiB wraps to
 * 1073741824 (1 TiB). Node 0 has 2 TiB; a 1.5 TiB guest "does not fit"
 * node 1 and goes to node 0. */
START_TEST (test_32bit_accumulator)
{
  XpTopology *t = ptest_topo_uniform (2, 4, 2, NULL);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = TIB_PAGES (2);
  v.node_free[1] = TIB_PAGES (5);
  XpVmRequest r = ptest_request ("vm", 1, 1, GIB_KIB (1536));
  ck_assert_uint_eq (lplace (&v.view, &r, NULL), N (0));
  /* With 1 TiB on node 0 no single node "fits" 1.5 TiB any more, so libxl
   * goes on to pairs: {0,1} = 1 TiB + "1 TiB" fits. Without the wrap node
   * 1 alone (5 TiB) would have been chosen. */
  v.node_free[0] = TIB_PAGES (1);
  ck_assert_uint_eq (lplace (&v.view, &r, NULL), N (0) | N (1));
  ptest_topo_free (t);
}
END_TEST

Suite *
xp_test_policy_libxl_suite (void)
{
  Suite *s = suite_create ("policy_libxl");
  TCase *tc = tcase_create ("libxl");
  tcase_add_test (tc, test_example_f);
  tcase_add_test (tc, test_min_nodes);
  tcase_add_test (tc, test_memory_rounding_and_claims);
  tcase_add_test (tc, test_node_limits);
  tcase_add_test (tc, test_hard_affinity_quirk_live);
  tcase_add_test (tc, test_int_truncation);
  tcase_add_test (tc, test_32bit_accumulator);
  suite_add_tcase (s, tc);
  return s;
}
