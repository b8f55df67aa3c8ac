/* Tests of populate_physmap() (reference §1.11): order limit, node and
 * exact-node flags, stop at first failure. */
#include "config.h"
#include "tests/testutil.h"
#include "sim/xen/xen.h"

XpTopology *xp_test_topo (guint n, guint cpus_per_node, const guint *mem_gib);
void xp_test_topo_free (XpTopology *t);
XpXen *xp_test_xen (const XpTopology *t, const char *version, XpEventQueue *q, const char *const *params);
void xp_test_check (XpXen *xen);
XpDomain *xp_test_domain (XpXen *xen, guint vcpus, XpPages max_pages);

#define GIB XP_PAGES_PER_GIB

/* Orders above CTLDOM_MAX_ORDER (18) do nothing and return 0; a node id
 * beyond MAX_NUMNODES is rejected (0 extents). */
START_TEST (test_order_and_node_limits)
{
  XpTopology *t = xp_test_topo (2, 2, (const guint[]) { 4, 4 });
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  XpDomain *d = xp_test_domain (xen, 2, 8 * GIB);
  XpPages before = xp_heap_total_avail (xen);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, 19, 0), 0);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, 0, XP_XENMEMF_node (100)), 0);
  ck_assert_uint_eq (xp_heap_total_avail (xen), before);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 0, 9, 0), 0);
  ck_assert_uint_eq (d->tot_pages, 0);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* XENMEMF_node(n) makes n the starting node, overriding the round robin:
 * affinity {0,1}, last_alloc_node 0 would start at node 1, but node(0)
 * puts the extent on node 0; node(1) twice puts both on node 1. */
START_TEST (test_node_is_start)
{
  XpTopology *t = xp_test_topo (2, 2, (const guint[]) { 8, 8 });
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  XpDomain *d = xp_test_domain (xen, 4, 8 * GIB);
  ck_assert_uint_eq (d->node_affinity, 0x3);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, XP_ORDER_1G, XP_XENMEMF_node (0)), 1);
  ck_assert_uint_eq (d->node_pages[0], GIB);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 2, XP_ORDER_1G, XP_XENMEMF_node (1)), 2);
  ck_assert_uint_eq (d->node_pages[1], 2 * GIB);
  /* without a node: the round robin resumes after node 1 -> node 0 */
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, XP_ORDER_1G, 0), 1);
  ck_assert_uint_eq (d->node_pages[0], 2 * GIB);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Exact node: node 1 has eight 1 GiB blocks; 10 exact extents -> 8 done,
 * the ninth fails and populate stops; a non-exact request for node 1 spills
 * to node 0. */
START_TEST (test_exact_node_stops)
{
  XpTopology *t = xp_test_topo (2, 2, (const guint[]) { 8, 8 });
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  XpDomain *d = xp_test_domain (xen, 4, 16 * GIB);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 10, XP_ORDER_1G, XP_XENMEMF_exact_node (1)), 8);
  ck_assert_uint_eq (d->node_pages[1], 8 * GIB);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, XP_ORDER_1G, XP_XENMEMF_node (1)), 1);
  ck_assert_uint_eq (d->node_pages[0], GIB);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* assign_pages() failure stops populate: max_pages 3 GiB, 5 extents of
 * 1 GiB -> 3 done (the fourth is -E2BIG, its block goes back). */
START_TEST (test_stops_at_max_pages)
{
  XpTopology *t = xp_test_topo (2, 2, (const guint[]) { 8, 8 });
  XpXen *xen = xp_test_xen (t, "4.17", NULL, NULL);
  XpDomain *d = xp_test_domain (xen, 4, 3 * GIB);
  XpPages before = xp_heap_total_avail (xen);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 5, XP_ORDER_1G, 0), 3);
  ck_assert_uint_eq (d->tot_pages, 3 * GIB);
  ck_assert_uint_eq (xp_heap_total_avail (xen), before - 3 * GIB);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, XP_ORDER_4K, 0), 0);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Out of memory: one node of 2 GiB, no hole (2 GiB - 1 free pages). 2 MiB
 * extents: 1023 whole 2 MiB blocks exist ([0, 2 MiB) lacks pfn 0), so 1100
 * requested -> 1023 done; then 4 KiB extents take the last 511. */
START_TEST (test_out_of_memory)
{
  XpTopology *t = xp_test_topo (1, 2, (const guint[]) { 2 });
  const char *const params[] = { "mmio_hole=0", NULL };
  XpXen *xen = xp_test_xen (t, "4.22", NULL, params);
  XpDomain *d = xp_test_domain (xen, 1, 4 * GIB);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1100, XP_ORDER_2M, 0), 1023);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1000, XP_ORDER_4K, 0), 511);
  ck_assert_uint_eq (xp_heap_total_avail (xen), 0);
  ck_assert_uint_eq (d->tot_pages, 2 * GIB - 1);
  xp_test_check (xen);
  ck_assert_int_eq (xp_domain_destroy (xen, d), 0);
  ck_assert_uint_eq (xp_heap_total_avail (xen), 2 * GIB - 1);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 0, XP_ORDER_1G), GIB);  /* merged back: [1,2) GiB */
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* A PV-style address limit: XENMEMF_address_bits(32) keeps the extent below
 * 4 GiB (zones <= 20) even though the high zones come first otherwise. */
START_TEST (test_address_bits)
{
  XpTopology *t = xp_test_topo (1, 2, (const guint[]) { 8 });
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  XpDomain *d = xp_test_domain (xen, 1, 8 * GIB);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, XP_ORDER_1G, XP_XENMEMF_address_bits (32)), 1);
  ck_assert_uint_lt (g_array_index (d->memory, XpExtent, 0).pfn, 4 * GIB);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, XP_ORDER_1G, 0), 1);
  ck_assert_uint_ge (g_array_index (d->memory, XpExtent, 1).pfn, 4 * GIB);
  /* construct_memop_from_reservation() refuses a limit of 12 bits or less
   * (not one page fits): nothing is populated, although pfn 1 (zone 1,
   * the zone such a limit would allow) is free */
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, XP_ORDER_4K, XP_XENMEMF_address_bits (12)), 0);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, XP_ORDER_4K, XP_XENMEMF_address_bits (1)), 0);
  ck_assert_uint_eq (d->tot_pages, 2 * GIB);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

Suite *
xp_test_populate_suite (void)
{
  Suite *s = suite_create ("populate");
  TCase *tc = tcase_create ("populate");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_order_and_node_limits);
  tcase_add_test (tc, test_node_is_start);
  tcase_add_test (tc, test_exact_node_stops);
  tcase_add_test (tc, test_stops_at_max_pages);
  tcase_add_test (tc, test_out_of_memory);
  tcase_add_test (tc, test_address_bits);
  suite_add_tcase (s, tc);
  return s;
}
