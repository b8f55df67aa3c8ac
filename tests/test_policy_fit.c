/* Tests for policies/fit.c: first-fit, best-fit, worst-fit. */
#include "config.h"
#include <string.h>
#include "tests/testutil.h"
#include "tests/policy_testutil.h"
#include "policies/builtins.h"

/* Four nodes, 4 CPUs each; available memory 6, 12, 9, 16 GiB. */
static XpTopology *topo4;
static PTestView v4;

static void
setup4 (void)
{
  topo4 = ptest_topo_uniform (4, 4, 2, NULL);
  ptest_view_init (&v4, topo4);
  v4.node_free[0] = GIB_PAGES (6);
  v4.node_free[1] = GIB_PAGES (12);
  v4.node_free[2] = GIB_PAGES (9);
  v4.node_free[3] = GIB_PAGES (16);
  ptest_view_sum (&v4);
}

static void
teardown4 (void)
{
  ptest_topo_free (topo4);
  topo4 = NULL;
}

static XpNodemask
place_with (const XpPolicy *policy, const char *const *kv, const XpHostView *view, const XpVmRequest *req,
            XpPlacement *out)
{
  g_autoptr (GError) error = NULL;
  gpointer st = ptest_policy_init (policy, view->topo, kv, &error);
  ck_assert_msg (st != NULL, "init: %s", error ? error->message : "?");
  XpNodemask m = ptest_place (policy, st, view, req, out);
  policy->free (st);
  return m;
}

#define N(x) xp_nodemask_of (x)

START_TEST (test_fit_choices)
{
  XpVmRequest r8 = ptest_request ("vm8", 1, 2, GIB_KIB (8));
  XpPlacement p;
  /* 8 GiB: node 0 (6) is too small; first in id order that fits is node 1 */
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, NULL, &v4.view, &r8, &p), N (1));
  ck_assert (p.placed);
  ck_assert_int_eq (p.affinity, XP_AFFINITY_SOFT);
  ck_assert (!p.set_node_affinity);
  ck_assert_int_eq (p.claim, XP_CLAIM_TOOLSTACK);
  ck_assert_uint_eq (p.populate_node, XP_NO_NODE);
  /* fitting nodes 1 (12), 2 (9), 3 (16): the tightest is node 2 */
  ck_assert_uint_eq (place_with (&xp_policy_best_fit, NULL, &v4.view, &r8, NULL), N (2));
  /* the most free is node 3 */
  ck_assert_uint_eq (place_with (&xp_policy_worst_fit, NULL, &v4.view, &r8, NULL), N (3));

  XpVmRequest r4 = ptest_request ("vm4", 1, 2, GIB_KIB (4));
  /* 4 GiB fits everywhere: first = 0, tightest = 0 (6 GiB), most free = 3 */
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, NULL, &v4.view, &r4, NULL), N (0));
  ck_assert_uint_eq (place_with (&xp_policy_best_fit, NULL, &v4.view, &r4, NULL), N (0));
  ck_assert_uint_eq (place_with (&xp_policy_worst_fit, NULL, &v4.view, &r4, NULL), N (3));

  /* The view is only read, never changed. */
  ck_assert_uint_eq (v4.node_free[1], GIB_PAGES (12));
}
END_TEST

START_TEST (test_fit_claimed)
{
  /* Claims 0, 5, 0, 10 GiB → available 6, 7, 9, 6 GiB. */
  v4.node_claimed[1] = GIB_PAGES (5);
  v4.node_claimed[3] = GIB_PAGES (10);
  ptest_view_sum (&v4);
  XpVmRequest r8 = ptest_request ("vm8", 1, 2, GIB_KIB (8));
  /* only node 2 (9 GiB) holds 8 GiB once claims are subtracted */
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, NULL, &v4.view, &r8, NULL), N (2));
  ck_assert_uint_eq (place_with (&xp_policy_best_fit, NULL, &v4.view, &r8, NULL), N (2));
  ck_assert_uint_eq (place_with (&xp_policy_worst_fit, NULL, &v4.view, &r8, NULL), N (2));

  XpVmRequest r6 = ptest_request ("vm6", 1, 2, GIB_KIB (6));
  /* exactly 6 GiB fits node 0 (6 = 6); tightest: nodes 0 and 3 tie at 6,
   * the lower id wins; most available: node 2 (9) */
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, NULL, &v4.view, &r6, NULL), N (0));
  ck_assert_uint_eq (place_with (&xp_policy_best_fit, NULL, &v4.view, &r6, NULL), N (0));
  ck_assert_uint_eq (place_with (&xp_policy_worst_fit, NULL, &v4.view, &r6, NULL), N (2));

  /* 6 GiB + 1 KiB needs one more page than node 0 and node 3 have:
   * first-fit moves on to node 1 (7 GiB), best-fit too (7 < 9). */
  XpVmRequest r6p = ptest_request ("vm6+", 1, 2, GIB_KIB (6) + 1);
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, NULL, &v4.view, &r6p, NULL), N (1));
  ck_assert_uint_eq (place_with (&xp_policy_best_fit, NULL, &v4.view, &r6p, NULL), N (1));
}
END_TEST

START_TEST (test_fit_fallback)
{
  /* 20 GiB fits no node (max 16). Pairs in lexicographic order:
   * {0,1}=18 no, {0,2}=15 no, {0,3}=22 yes, {1,2}=21, {1,3}=28, {2,3}=25. */
  XpVmRequest r20 = ptest_request ("vm20", 1, 2, GIB_KIB (20));
  const char *none[] = { "fallback=none", NULL };
  XpPlacement p;
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, none, &v4.view, &r20, &p), 0);
  ck_assert (!p.placed);
  ck_assert_uint_eq (place_with (&xp_policy_worst_fit, none, &v4.view, &r20, &p), 0);
  ck_assert (!p.placed);
  /* default fallback=multi */
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, NULL, &v4.view, &r20, &p), N (0) | N (3));
  ck_assert (p.placed);
  ck_assert_int_eq (p.affinity, XP_AFFINITY_SOFT);
  ck_assert_uint_eq (place_with (&xp_policy_best_fit, NULL, &v4.view, &r20, NULL), N (1) | N (2));
  ck_assert_uint_eq (place_with (&xp_policy_worst_fit, NULL, &v4.view, &r20, NULL), N (1) | N (3));
  /* 40 GiB: triples reach at most 12+9+16 = 37, so all four nodes (43) */
  XpVmRequest r40 = ptest_request ("vm40", 1, 2, GIB_KIB (40));
  ck_assert_uint_eq (place_with (&xp_policy_best_fit, NULL, &v4.view, &r40, NULL), 0xF);
  /* 44 GiB fits nowhere at all */
  XpVmRequest r44 = ptest_request ("vm44", 1, 2, GIB_KIB (44));
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, NULL, &v4.view, &r44, &p), 0);
  ck_assert (!p.placed);
}
END_TEST

START_TEST (test_fit_cpus)
{
  /* Nodes with 2, 4, 4, 8 CPUs, all 16 GiB free. */
  const guint cpus[] = { 2, 4, 4, 8 };
  XpTopology *t = ptest_topo_new (4, cpus, 1, NULL);
  PTestView v;
  ptest_view_init (&v, t);
  for (guint n = 0; n < 4; n++)
    v.node_free[n] = GIB_PAGES (16);
  XpVmRequest r = ptest_request ("vm", 1, 3, GIB_KIB (4));
  const char *c1[] = { "cpus=1", NULL };
  /* without the CPU check node 0 fits; with it node 0 (2 CPUs < 3) does not */
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, NULL, &v.view, &r, NULL), N (0));
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, c1, &v.view, &r, NULL), N (1));
  /* 12 vCPUs: no node has 12 CPUs; multi with the CPU check needs ≥ 12
   * CPUs: first pair in order with 12 is {1,3} (4+8) */
  XpVmRequest r12 = ptest_request ("vm12", 1, 12, GIB_KIB (4));
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, c1, &v.view, &r12, NULL), N (1) | N (3));
  ptest_topo_free (t);
}
END_TEST

START_TEST (test_fit_cpuless_and_hard)
{
  /* Node 0 is memory-only (0 CPUs) with the most free memory: never chosen. */
  const guint cpus[] = { 0, 4, 4 };
  XpTopology *t = ptest_topo_new (3, cpus, 2, NULL);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = GIB_PAGES (64);
  v.node_free[1] = GIB_PAGES (8);
  v.node_free[2] = GIB_PAGES (10);
  XpVmRequest r = ptest_request ("vm", 1, 2, GIB_KIB (4));
  ck_assert_uint_eq (place_with (&xp_policy_worst_fit, NULL, &v.view, &r, NULL), N (2));
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, NULL, &v.view, &r, NULL), N (1));
  /* A hard affinity to node 2's CPUs (4-7) restricts first-fit to node 2. */
  XpCpumask hard;
  xp_cpumask_clear (&hard);
  for (guint c = 4; c < 8; c++)
    xp_cpumask_set (&hard, c);
  r.hard_affinity = &hard;
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, NULL, &v.view, &r, NULL), N (2));
  ptest_topo_free (t);
}
END_TEST

/* More than 16 eligible nodes: the multi-node fallback takes the nodes
 * with the most available memory until the VM fits. 17 nodes with 2 GiB,
 * except node 5 (8 GiB) and node 9 (6 GiB): 10 GiB → {5, 9} (8 + 6). */
START_TEST (test_fit_many_nodes)
{
  XpTopology *t = ptest_topo_uniform (17, 1, 1, NULL);
  PTestView v;
  ptest_view_init (&v, t);
  for (guint n = 0; n < 17; n++)
    v.node_free[n] = GIB_PAGES (2);
  v.node_free[5] = GIB_PAGES (8);
  v.node_free[9] = GIB_PAGES (6);
  XpVmRequest r = ptest_request ("vm", 1, 1, GIB_KIB (10));
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, NULL, &v.view, &r, NULL), N (5) | N (9));
  ck_assert_uint_eq (place_with (&xp_policy_best_fit, NULL, &v.view, &r, NULL), N (5) | N (9));
  /* 16 GiB: 8 + 6 + 2 from the lowest-id 2 GiB node, node 0 */
  XpVmRequest r16 = ptest_request ("vm", 1, 1, GIB_KIB (16));
  ck_assert_uint_eq (place_with (&xp_policy_worst_fit, NULL, &v.view, &r16, NULL), N (0) | N (5) | N (9));
  /* single-node choices still apply: 5 GiB → first-fit node 5, best-fit
   * node 9 (6 < 8) */
  XpVmRequest r5 = ptest_request ("vm", 1, 1, GIB_KIB (5));
  ck_assert_uint_eq (place_with (&xp_policy_first_fit, NULL, &v.view, &r5, NULL), N (5));
  ck_assert_uint_eq (place_with (&xp_policy_best_fit, NULL, &v.view, &r5, NULL), N (9));
  ptest_topo_free (t);
}
END_TEST

START_TEST (test_fit_bad_params)
{
  g_autoptr (GError) error = NULL;
  const char *bad[] = { "fallback=maybe", NULL };
  ck_assert_ptr_null (ptest_policy_init (&xp_policy_best_fit, topo4, bad, &error));
  xp_assert_error_contains (error, "'fallback' has value 'maybe', expected one of multi|none");
  g_clear_error (&error);
  const char *unknown[] = { "cpu=1", NULL };
  ck_assert_ptr_null (ptest_policy_init (&xp_policy_first_fit, topo4, unknown, &error));
  xp_assert_error_contains (error, "unknown parameter 'cpu' (valid parameters: cpus, fallback)");
}
END_TEST

Suite *
xp_test_policy_fit_suite (void)
{
  Suite *s = suite_create ("policy_fit");
  TCase *tc = tcase_create ("fit");
  tcase_add_checked_fixture (tc, setup4, teardown4);
  tcase_add_test (tc, test_fit_choices);
  tcase_add_test (tc, test_fit_claimed);
  tcase_add_test (tc, test_fit_fallback);
  tcase_add_test (tc, test_fit_cpus);
  tcase_add_test (tc, test_fit_cpuless_and_hard);
  tcase_add_test (tc, test_fit_many_nodes);
  tcase_add_test (tc, test_fit_bad_params);
  suite_add_tcase (s, tc);
  return s;
}
