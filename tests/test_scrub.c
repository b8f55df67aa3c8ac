/* Tests of scrubbing (reference §1.5.1 dirty rule, §1.9): a destroyed
 * domain's memory is dirty, the <= 4.21 two-pass rule steers order > 0
 * requests to clean memory, 4.22 populate during construction does not, and
 * background scrubbing is a function of simulated time. */
#include "config.h"
#include "tests/testutil.h"
#include "sim/xen/xen.h"
#include "sim/event.h"

XpTopology *xp_test_topo (guint n, guint cpus_per_node, const guint *mem_gib);
void xp_test_topo_free (XpTopology *t);
XpXen *xp_test_xen (const XpTopology *t, const char *version, XpEventQueue *q, const char *const *params);
void xp_test_check (XpXen *xen);
XpDomain *xp_test_domain (XpXen *xen, guint vcpus, XpPages max_pages);

#define GIB XP_PAGES_PER_GIB
static const char *const no_hole[] = { "mmio_hole=0", NULL };

static void
noop (XpEventQueue *q, gpointer a, gpointer b)
{
}

static void
run_to (XpEventQueue *q, XpTime when)
{
  xp_event_schedule (q, when, noop, NULL, NULL);
  xp_event_run_until (q, when);
  ck_assert_int_eq (xp_event_queue_now (q), when);
}

/* 2 nodes x 4 GiB, no hole. Node 0 = [0, 4 GiB): dma_bitsize =
 * fls(1048576/4 - 1) + 12 = 18 + 12 = 30, so the DMA band is below 1 GiB
 * and node 0's whole 1 GiB blocks [1,2), [2,3), [3,4) GiB are all above it.
 * X (affine to {0}) takes the three blocks and is destroyed: 3 GiB =
 * 786432 dirty pages on node 0, still counted as free. */
static XpXen *
host_with_dirty_node0 (XpTopology **t, const char *version, XpEventQueue *q)
{
  *t = xp_test_topo (2, 2, (const guint[]) { 4, 4 });
  XpXen *xen = xp_test_xen (*t, version, q, no_hole);
  XpDomain *x = xp_test_domain (xen, 1, 4 * GIB);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, x, 0x1), 0);
  ck_assert_uint_eq (xp_populate_physmap (xen, x, 3, XP_ORDER_1G, 0), 3);
  ck_assert_uint_eq (x->node_pages[0], 3 * GIB);
  XpPages free0 = xp_heap_node_avail (xen, 0);
  ck_assert_int_eq (xp_domain_destroy (xen, x), 0);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), 3 * GIB);
  ck_assert_uint_eq (xp_heap_node_avail (xen, 0), free0 + 3 * GIB);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 0, XP_ORDER_1G), 3 * GIB);
  xp_test_check (xen);
  return xen;
}

/* 4.17: a new domain Y affine to {0} populating 1 GiB and 2 MiB extents:
 * pass 1 (clean only) finds node 0's blocks all dirty (its clean memory
 * below 1 GiB is in the DMA band, tried last), goes on to node 1's clean
 * blocks -> both extents on node 1. 4.22: during construction populate
 * passes MEMF_no_scrub, pass 1 accepts dirty blocks -> both stay on node 0,
 * and the dirty pages handed out count as scrubbed by the allocator
 * (262144 + 512). */
START_TEST (test_dirty_steers_placement)
{
  gboolean v422 = _i == 1;
  XpTopology *t;
  XpXen *xen = host_with_dirty_node0 (&t, v422 ? "4.22" : "4.17", NULL);
  XpDomain *y = xp_test_domain (xen, 1, 4 * GIB);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, y, 0x1), 0);
  ck_assert_uint_eq (xp_populate_physmap (xen, y, 1, XP_ORDER_1G, 0), 1);
  ck_assert_uint_eq (xp_heap_last_alloc_dirty_pages (xen), v422 ? GIB : 0);
  ck_assert_uint_eq (xp_populate_physmap (xen, y, 1, XP_ORDER_2M, 0), 1);
  ck_assert_uint_eq (xp_heap_last_alloc_dirty_pages (xen), v422 ? 512 : 0);
  guint node = v422 ? 0 : 1;
  ck_assert_uint_eq (y->node_pages[node], GIB + 512);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), v422 ? 2 * GIB - 512 : 3 * GIB);
  ck_assert_uint_eq (xp_heap_alloc_scrubbed_pages (xen), v422 ? GIB + 512 : 0);
  /* order 0 never skips dirty blocks (both versions): the 4 KiB page comes
   * from node 0's highest zone, which only has dirty blocks */
  ck_assert_uint_eq (xp_populate_physmap (xen, y, 1, XP_ORDER_4K, XP_XENMEMF_node (0)), 1);
  ck_assert_uint_eq (y->node_pages[0], (v422 ? GIB + 512 : 0) + 1);
  ck_assert_uint_eq (xp_heap_last_alloc_dirty_pages (xen), 1);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* 4.22 after construction (unpaused): populate no longer defers the scrub,
 * so pass 1 skips the dirty blocks again and the extent goes to node 1. */
START_TEST (test_422_after_unpause)
{
  XpTopology *t;
  XpXen *xen = host_with_dirty_node0 (&t, "4.22", NULL);
  XpDomain *y = xp_test_domain (xen, 1, 4 * GIB);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, y, 0x1), 0);
  ck_assert_int_eq (xp_domain_unpause (xen, y), 0);
  ck_assert (y->creation_finished);
  ck_assert_uint_eq (xp_populate_physmap (xen, y, 1, XP_ORDER_1G, 0), 1);
  ck_assert_uint_eq (y->node_pages[1], GIB);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Background scrubbing at the default 4 GiB/s: 3 GiB dirty take exactly
 * 3/4 s = 750000000 ns. One ns earlier, floor(749999999 ns * 4 GiB/s /
 * 4 KiB) = floor(786431.9989) = 786431 pages are done: one page is left.
 * Scan order is zones low to high: after 1/4 s (262144 pages) the zone-19
 * block [1,2) GiB is clean and a 4.17 1 GiB request affine to {0} gets it
 * (pfn 262144) while the two zone-20 blocks are still dirty. */
START_TEST (test_scrub_time)
{
  g_autoptr (XpEventQueue) q = xp_event_queue_new ();
  XpTopology *t;
  XpXen *xen = host_with_dirty_node0 (&t, "4.17", q);
  run_to (q, 250000000);
  xp_heap_scrub_advance (xen);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), 2 * GIB);
  XpDomain *y = xp_test_domain (xen, 1, 4 * GIB);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, y, 0x1), 0);
  ck_assert_uint_eq (xp_alloc_domheap_pages (xen, y, XP_ORDER_1G, 0), GIB);
  xp_test_check (xen);
  run_to (q, 749999999);
  xp_heap_scrub_advance (xen);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), 1);
  run_to (q, 750000000);
  xp_heap_scrub_advance (xen);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), 0);
  ck_assert_uint_eq (xp_heap_background_scrubbed_pages (xen), 3 * GIB);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* No idle CPU on the node, no scrubbing: busy for 1 s, then idle; the 3 GiB
 * are clean 0.75 s after the node became idle (t = 1.75 s), not before
 * (t = 1.5 s: 0.5 s * 4 GiB/s = 2 GiB done, 1 GiB left). A slower rate
 * (1 GiB/s via scrub_rate) scales the time. */
START_TEST (test_scrub_needs_idle_cpu)
{
  g_autoptr (XpEventQueue) q = xp_event_queue_new ();
  XpTopology *t;
  XpXen *xen = host_with_dirty_node0 (&t, "4.17", q);
  xp_heap_set_node_idle (xen, 0, FALSE);
  run_to (q, XP_NSEC_PER_SEC);
  xp_heap_scrub_advance (xen);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), 3 * GIB);
  xp_heap_set_node_idle (xen, 0, TRUE);
  run_to (q, 1500000000);
  xp_heap_scrub_advance (xen);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), GIB);
  run_to (q, 1750000000);
  xp_heap_scrub_advance (xen);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), 0);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);

  g_autoptr (XpEventQueue) q2 = xp_event_queue_new ();
  t = xp_test_topo (2, 2, (const guint[]) { 4, 4 });
  const char *const slow[] = { "mmio_hole=0", "scrub_rate=1GiB", NULL };
  xen = xp_test_xen (t, "4.17", q2, slow);
  XpDomain *x = xp_test_domain (xen, 1, 4 * GIB);
  ck_assert_uint_eq (xp_populate_physmap (xen, x, 1, XP_ORDER_1G, 0), 1);
  ck_assert_int_eq (xp_domain_destroy (xen, x), 0);
  run_to (q2, 999999999);
  xp_heap_scrub_advance (xen);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0) + xp_heap_node_need_scrub (xen, 1), 1);
  run_to (q2, XP_NSEC_PER_SEC);
  xp_heap_scrub_advance (xen);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0) + xp_heap_node_need_scrub (xen, 1), 0);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* A CPU-less node is scrubbed by the closest node with CPUs (node_to_scrub):
 * 3 nodes x 2 GiB, node 2 has no CPUs, SLIT 2->1 = 15 < 2->0 = 20. With
 * node 1 busy nothing happens on node 2 even though node 0 is idle; with
 * node 1 idle, 1 GiB is clean after 1/4 s. */
START_TEST (test_cpuless_node_scrub)
{
  g_autoptr (XpEventQueue) q = xp_event_queue_new ();
  XpTopology *t = xp_test_topo (3, 2, (const guint[]) { 2, 2, 2 });
  t->nodes[2].n_cpus = 0;
  t->nodes[2].n_cores = 0;
  t->n_cpus = 4;
  t->distance[2 * 3 + 1] = t->distance[1 * 3 + 2] = 15;
  XpXen *xen = xp_test_xen (t, "4.17", q, no_hole);
  XpDomain *x = xp_test_domain (xen, 1, 4 * GIB);
  ck_assert_uint_eq (x->node_affinity, 0x3);     /* CPU-less node 2 is never in an automatic affinity */
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, x, 0x4), 0);
  ck_assert_uint_eq (xp_populate_physmap (xen, x, 1, XP_ORDER_1G, 0), 1);
  ck_assert_uint_eq (x->node_pages[2], GIB);
  ck_assert_int_eq (xp_domain_destroy (xen, x), 0);
  xp_heap_set_node_idle (xen, 1, FALSE);
  run_to (q, XP_NSEC_PER_SEC);
  xp_heap_scrub_advance (xen);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 2), GIB);
  xp_heap_set_node_idle (xen, 1, TRUE);
  run_to (q, XP_NSEC_PER_SEC + 250000000);
  xp_heap_scrub_advance (xen);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 2), 0);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Dirty and clean halves merge (dirty-agnostic) and split back with exact
 * counts. One node 4 GiB, no hole. D takes two 2 MiB buddies; D is
 * destroyed after freeing the first one while alive (clean), so the merged
 * block holds 512 clean + 512 dirty pages; a 2 MiB request (4.17, order>0
 * pass 1) must skip that partly dirty block. Boot memory can start dirty
 * too (boot_dirty=1): everything free is need_scrub. */
START_TEST (test_partial_dirty_blocks)
{
  XpTopology *t = xp_test_topo (1, 2, (const guint[]) { 4 });
  XpXen *xen = xp_test_xen (t, "4.17", NULL, no_hole);
  XpDomain *d = xp_test_domain (xen, 1, 4 * GIB);
  guint64 a = xp_alloc_domheap_pages (xen, d, XP_ORDER_2M, 0);
  guint64 b = xp_alloc_domheap_pages (xen, d, XP_ORDER_2M, 0);
  ck_assert_uint_eq (a ^ b, 512);            /* buddies: the top two 2 MiB of the top 1 GiB block */
  xp_free_domheap_pages (xen, d, a, XP_ORDER_2M);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), 0);
  ck_assert_int_eq (xp_domain_destroy (xen, d), 0);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), 512);
  /* merged all the way back to 1 GiB: node has 4 GiB - 1 free, three whole GiBs */
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 0, XP_ORDER_1G), 3 * GIB);
  xp_test_check (xen);
  /* the partly dirty block [3,4) GiB went to the tail of its list: 1 GiB
   * requests take the clean [2,3) and [1,2) GiB first, then (pass 2) it */
  XpDomain *e = xp_test_domain (xen, 1, 4 * GIB);
  ck_assert_uint_eq (xp_alloc_domheap_pages (xen, e, XP_ORDER_1G, 0) >> 18, 2);  /* clean [2,3) GiB first */
  ck_assert_uint_eq (xp_alloc_domheap_pages (xen, e, XP_ORDER_1G, 0) >> 18, 1);  /* then [1,2) */
  guint64 c = xp_alloc_domheap_pages (xen, e, XP_ORDER_1G, 0);               /* only the dirty one left */
  ck_assert_uint_eq (c >> 18, 3);
  ck_assert_uint_eq (xp_heap_last_alloc_dirty_pages (xen), 512);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), 0);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);

  t = xp_test_topo (1, 2, (const guint[]) { 2 });
  const char *const dirty[] = { "mmio_hole=0", "boot_dirty=1", NULL };
  xen = xp_test_xen (t, "4.17", NULL, dirty);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), 2 * GIB - 1);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

Suite *
xp_test_scrub_suite (void)
{
  Suite *s = suite_create ("scrub");
  TCase *tc = tcase_create ("scrub");
  tcase_set_timeout (tc, 30);
  tcase_add_loop_test (tc, test_dirty_steers_placement, 0, 2);
  tcase_add_test (tc, test_422_after_unpause);
  tcase_add_test (tc, test_scrub_time);
  tcase_add_test (tc, test_scrub_needs_idle_cpu);
  tcase_add_test (tc, test_cpuless_node_scrub);
  tcase_add_test (tc, test_partial_dirty_blocks);
  suite_add_tcase (s, tc);
  return s;
}
