/* Tests of claims (reference §2): domain_set_outstanding_pages(), the
 * allocation-time gate, consumption, re-grow on free, release, and the
 * node-claims what-if. */
#include "config.h"
#include "tests/testutil.h"
#include "sim/xen/xen.h"
#include "sim/xen/sysctl.h"

XpTopology *xp_test_topo (guint n, guint cpus_per_node, const guint *mem_gib);
void xp_test_topo_free (XpTopology *t);
XpXen *xp_test_xen (const XpTopology *t, const char *version, XpEventQueue *q, const char *const *params);
void xp_test_check (XpXen *xen);
XpDomain *xp_test_domain (XpXen *xen, guint vcpus, XpPages max_pages);

#define GIB XP_PAGES_PER_GIB
static const char *const no_hole[] = { "mmio_hole=0", NULL };

/* Take anonymous pages until exactly @left pages are free. */
static void
fill_until (XpXen *xen, XpPages left)
{
  XpPages take = xp_heap_total_avail (xen) - left;
  for (guint o = XP_ORDER_1G + 1; o-- > 0;)
    while (take >= (G_GUINT64_CONSTANT (1) << o))
      {
        if (xp_alloc_domheap_pages (xen, NULL, o, 0) == XP_INVALID_PFN)
          break;
        take -= G_GUINT64_CONSTANT (1) << o;
      }
  ck_assert_uint_eq (xp_heap_total_avail (xen), left);
}

/* §7.1 D. Two nodes: 5 GiB + 4 KiB and 5 GiB, no hole, so total_avail =
 * 10 GiB = 2621440 pages exactly (pfn 0 eats the extra page). A claims
 * 6 GiB = 1572864. B's 5 GiB (1310720) > 10 - 6 GiB -> -ENOMEM; 4 GiB
 * (1048576) fits exactly; unclaimed is then 0 and C's paging pool (4 KiB
 * MEMF_no_owner pages) fails with -ENOMEM although 10 GiB are free. */
START_TEST (test_claims_block_paging_pool)
{
  XpTopology *t = xp_test_topo (2, 2, (const guint[]) { 5, 5 });
  t->nodes[0].memory_bytes += XP_PAGE_SIZE;
  XpXen *xen = xp_test_xen (t, _i ? "4.17" : "4.22", NULL, no_hole);
  ck_assert_uint_eq (xp_heap_total_avail (xen), 2621440);
  XpDomain *a = xp_test_domain (xen, 1, 8 * GIB);
  XpDomain *b = xp_test_domain (xen, 1, 8 * GIB);
  XpDomain *c = xp_test_domain (xen, 1, 8 * GIB);
  ck_assert_int_eq (xp_memory_claim_pages (xen, a->domid, 1572864), 0);
  ck_assert_int_eq (xp_memory_claim_pages (xen, b->domid, 1310720), -ENOMEM);
  ck_assert_int_eq (xp_memory_claim_pages (xen, b->domid, 1048576), 0);
  ck_assert_uint_eq (xp_heap_outstanding_claims (xen), 2621440);
  ck_assert_int_eq (xp_domain_set_paging_mempool (xen, c, 256), -ENOMEM);
  ck_assert_uint_eq (c->paging_pool_pages, 0);
  /* the claimant itself may still allocate refcounted memory */
  ck_assert_uint_ne (xp_alloc_domheap_pages (xen, a, XP_ORDER_2M, 0), XP_INVALID_PFN);
  ck_assert_uint_eq (a->outstanding_pages, 1572864 - 512);
  XpPhysinfo pi;
  xp_sysctl_physinfo (xen, &pi);
  ck_assert_uint_eq (pi.free_pages, 2621440 - 512);    /* claimed pages still count as free */
  ck_assert_uint_eq (pi.outstanding_pages, 2621440 - 512);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* §7.1 E, non-additive gate. 1 node 2 GiB, no hole; everything but 400
 * pages taken. B (max 1000) claims 100: unclaimed = 300. B's 2 MiB extent
 * (512) fails: neither 300 nor 100 covers 512. Another domain C takes the
 * 300 unclaimed 4 KiB pages; its 301st fails (100 + 1 > 100 free and C has
 * no claim). B's 100 4 KiB pages succeed from its own claim, which then
 * expires. */
START_TEST (test_non_additive_gate)
{
  XpTopology *t = xp_test_topo (1, 2, (const guint[]) { 2 });
  XpXen *xen = xp_test_xen (t, _i ? "4.17" : "4.22", NULL, no_hole);
  fill_until (xen, 400);
  XpDomain *b = xp_test_domain (xen, 1, 1000);
  XpDomain *c = xp_test_domain (xen, 1, 1000);
  ck_assert_int_eq (xp_memory_claim_pages (xen, b->domid, 100), 0);
  ck_assert_uint_eq (xp_alloc_domheap_pages (xen, b, XP_ORDER_2M, 0), XP_INVALID_PFN);
  ck_assert_uint_eq (xp_heap_total_avail (xen), 400);
  for (guint i = 0; i < 300; i++)
    ck_assert_uint_ne (xp_alloc_domheap_pages (xen, c, 0, 0), XP_INVALID_PFN);
  ck_assert_uint_eq (xp_alloc_domheap_pages (xen, c, 0, 0), XP_INVALID_PFN);
  /* anonymous (Xen) requests cannot use the claim either */
  ck_assert_uint_eq (xp_alloc_domheap_pages (xen, NULL, 0, 0), XP_INVALID_PFN);
  for (guint i = 0; i < 100; i++)
    {
      ck_assert_uint_ne (xp_alloc_domheap_pages (xen, b, 0, 0), XP_INVALID_PFN);
      ck_assert_uint_eq (b->outstanding_pages, 99 - i);
    }
  ck_assert_uint_eq (xp_heap_outstanding_claims (xen), 0);
  ck_assert_uint_eq (xp_heap_total_avail (xen), 0);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* §2.3's own example of the non-additive gate: 600 pages free, B claims 200
 * so unclaimed = 400. B's 512-page extent fails upstream (400 < 512 and
 * 200 < 512) although 600 pages are free and 400 + 200 >= 512; the
 * node-claims what-if's global check (R <= total - outstanding + own claim
 * = 600) lets it through, consuming the 200 claimed pages. */
START_TEST (test_non_additive_gate_600)
{
  XpTopology *t = xp_test_topo (1, 2, (const guint[]) { 2 });
  XpXen *xen = xp_test_xen (t, _i ? "4.22+node-claims" : "4.22", NULL, no_hole);
  /* keep one 2 MiB block aside so that a whole 512-page block is free */
  guint64 keep = xp_alloc_domheap_pages (xen, NULL, XP_ORDER_2M, 0);
  fill_until (xen, 88);
  xp_free_domheap_pages (xen, NULL, keep, XP_ORDER_2M);
  ck_assert_uint_eq (xp_heap_total_avail (xen), 600);
  XpDomain *b = xp_test_domain (xen, 1, 1000);
  ck_assert_int_eq (xp_memory_claim_pages (xen, b->domid, 200), 0);
  guint64 pfn = xp_alloc_domheap_pages (xen, b, XP_ORDER_2M, 0);
  if (_i == 0)
    {
      ck_assert_uint_eq (pfn, XP_INVALID_PFN);
      ck_assert_uint_eq (b->outstanding_pages, 200);
      ck_assert_uint_eq (xp_heap_total_avail (xen), 600);
    }
  else
    {
      ck_assert_uint_ne (pfn, XP_INVALID_PFN);
      ck_assert_uint_eq (b->outstanding_pages, 0);
      ck_assert_uint_eq (xp_heap_total_avail (xen), 88);
    }
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* domain_set_outstanding_pages() and XENMEM_claim_pages errors. A domain
 * with max_pages 1024 owning 512 pages: target 512 (<= tot) and 1025
 * (> max) are -EINVAL; 1024 claims 512; a second claim -EINVAL; 0
 * releases; an unknown domid -EINVAL; more than the free memory -ENOMEM. */
START_TEST (test_claim_errors)
{
  XpTopology *t = xp_test_topo (1, 2, (const guint[]) { 2 });
  XpXen *xen = xp_test_xen (t, "4.22", NULL, no_hole);
  XpDomain *d = xp_test_domain (xen, 1, 1024);
  ck_assert_uint_ne (xp_alloc_domheap_pages (xen, d, XP_ORDER_2M, 0), XP_INVALID_PFN);
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 512), -EINVAL);
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 1025), -EINVAL);
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 1024), 0);
  ck_assert_uint_eq (d->outstanding_pages, 512);
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 1000), -EINVAL);
  ck_assert_uint_eq (d->outstanding_pages, 512);
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 0), 0);
  ck_assert_uint_eq (d->outstanding_pages, 0);
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 0), 0);   /* releasing nothing is fine */
  ck_assert_int_eq (xp_memory_claim_pages (xen, 4242, 10), -EINVAL);
  d->max_pages = 4 * GIB;
  /* free: 2 GiB - 1 - 512 pages; target 2 GiB + 512 needs 2 GiB = 524288 > free */
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 2 * GIB + 512), -ENOMEM);
  ck_assert_uint_eq (xp_heap_outstanding_claims (xen), 0);
  /* the node-claims what-if is not there on plain 4.22 */
  ck_assert_int_eq (xp_domain_set_outstanding_pages_node (xen, d, 600, 0), -ENOSYS);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* A destroyed domain's claim is released (domain_kill). */
START_TEST (test_release_on_destroy)
{
  XpTopology *t = xp_test_topo (1, 2, (const guint[]) { 2 });
  XpXen *xen = xp_test_xen (t, "4.22", NULL, no_hole);
  XpDomain *d = xp_test_domain (xen, 1, GIB);
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, GIB / 2), 0);
  ck_assert_uint_ne (xp_alloc_domheap_pages (xen, d, XP_ORDER_2M, 0), XP_INVALID_PFN);
  ck_assert_uint_eq (xp_heap_outstanding_claims (xen), GIB / 2 - 512);
  ck_assert_int_eq (xp_domain_destroy (xen, d), 0);
  ck_assert_uint_eq (xp_heap_outstanding_claims (xen), 0);
  ck_assert_uint_eq (xp_heap_total_avail (xen), 2 * GIB - 1);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Re-grow on free: claim 1024 (tot 0), a 2 MiB extent consumes 512, freeing
 * it (live domain) gives the 512 back to the claim on 4.17 (<= 4.20) and
 * does not on 4.21 / 4.22. */
START_TEST (test_regrow_on_free)
{
  static const char *versions[] = { "4.17", "4.20", "4.21", "4.22" };
  static const XpPages after_free[] = { 1024, 1024, 512, 512 };
  XpTopology *t = xp_test_topo (1, 2, (const guint[]) { 2 });
  XpXen *xen = xp_test_xen (t, versions[_i], NULL, no_hole);
  XpDomain *d = xp_test_domain (xen, 1, 2048);
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 1024), 0);
  guint64 pfn = xp_alloc_domheap_pages (xen, d, XP_ORDER_2M, 0);
  ck_assert_uint_ne (pfn, XP_INVALID_PFN);
  ck_assert_uint_eq (d->outstanding_pages, 512);
  xp_free_domheap_pages (xen, d, pfn, XP_ORDER_2M);
  ck_assert_uint_eq (d->outstanding_pages, after_free[_i]);
  ck_assert_uint_eq (xp_heap_outstanding_claims (xen), after_free[_i]);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Where the claim is consumed: 4.22 in alloc_heap_pages() for refcounted
 * requests only; <= 4.21 in assign_pages(), where PGC_extra (MEMF_no_refcount)
 * pages count too. A 4 KiB no_refcount page for a domain with a claim of 10:
 * 4.17 -> 9 left, 4.22 -> 10 left. */
START_TEST (test_consumption_point)
{
  XpTopology *t = xp_test_topo (1, 2, (const guint[]) { 2 });
  XpXen *xen = xp_test_xen (t, _i ? "4.22" : "4.17", NULL, no_hole);
  XpDomain *d = xp_test_domain (xen, 1, 100);
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 10), 0);
  ck_assert_uint_ne (xp_alloc_domheap_pages (xen, d, 0, XP_MEMF_no_refcount), XP_INVALID_PFN);
  ck_assert_uint_eq (d->extra_pages, 1);
  ck_assert_uint_eq (d->tot_pages, 1);
  ck_assert_uint_eq (d->outstanding_pages, _i ? 10 : 9);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Stable releases that carry the claim backports (4.19.5, 4.20.3,
 * 4.21.1: claim consumed in alloc_heap_pages(), no re-grow on free) against
 * the point releases just before them. Worked with a claim of 1024 pages on
 * an empty domain: a 2 MiB extent consumes 512 everywhere (512 left). A
 * 4 KiB MEMF_no_refcount page is a PGC_extra page: where assign_pages()
 * consumes (via domain_adjust_tot_pages) it takes one more (511), where
 * alloc_heap_pages() consumes it does not (refcounted requests only: 512).
 * Freeing the 2 MiB extent of the live domain then adds 512 back where
 * domain_adjust_tot_pages() still re-grows (<= 4.20 before the backport:
 * 1023) and nothing elsewhere. */
START_TEST (test_stable_backports)
{
  static const char *versions[] = { "4.19.4", "4.19.5", "4.20.2", "4.20.3", "4.21", "4.21.1", "4.18.6", "4.17.7" };
  static const XpPages after_extra[] = { 511, 512, 511, 512, 511, 512, 511, 511 };
  static const XpPages after_free[] = { 1023, 512, 1023, 512, 511, 512, 1023, 1023 };
  XpTopology *t = xp_test_topo (1, 2, (const guint[]) { 2 });
  XpXen *xen = xp_test_xen (t, versions[_i], NULL, no_hole);
  XpDomain *d = xp_test_domain (xen, 1, 2048);
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 1024), 0);
  guint64 pfn = xp_alloc_domheap_pages (xen, d, XP_ORDER_2M, 0);
  ck_assert_uint_ne (pfn, XP_INVALID_PFN);
  ck_assert_uint_eq (d->outstanding_pages, 512);
  ck_assert_uint_ne (xp_alloc_domheap_pages (xen, d, 0, XP_MEMF_no_refcount), XP_INVALID_PFN);
  ck_assert_uint_eq (d->outstanding_pages, after_extra[_i]);
  xp_free_domheap_pages (xen, d, pfn, XP_ORDER_2M);
  ck_assert_uint_eq (d->outstanding_pages, after_free[_i]);
  ck_assert_uint_eq (xp_heap_outstanding_claims (xen), after_free[_i]);
  /* the same releases refuse a claim on a dying domain */
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 0), 0);
  d->dying = TRUE;
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 1024), after_extra[_i] == 512 ? -EINVAL : 0);
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 0), after_extra[_i] == 512 ? -EINVAL : 0);
  d->dying = FALSE;
  ck_assert_int_eq (xp_domain_set_outstanding_pages (xen, d, 0), 0);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Node-claims what-if (not upstream; reference §2.8 item 2). 2 nodes x
 * 4 GiB, no hole: node 0 has 4 GiB - 1 = 1048575 free pages. A claims 3 GiB
 * (786432) on node 0. B, affine to {0}, asks for 1 GiB: per-node check
 * 262144 <= 1048575 - 786432 = 262143 fails, so node 0 is skipped and the
 * extent comes from node 1. With upstream host-wide claims (plain 4.22) the
 * same extent comes from node 0. */
START_TEST (test_node_claims_what_if)
{
  XpTopology *t = xp_test_topo (2, 2, (const guint[]) { 4, 4 });
  XpXen *xen = xp_test_xen (t, _i ? "4.22" : "4.22+node-claims", NULL, no_hole);
  XpDomain *a = xp_test_domain (xen, 1, 4 * GIB);
  XpDomain *b = xp_test_domain (xen, 1, 4 * GIB);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, b, 0x1), 0);
  if (_i == 0)
    {
      ck_assert_int_eq (xp_domain_set_outstanding_pages_node (xen, a, 3 * GIB, 7), -EINVAL);
      ck_assert_int_eq (xp_domain_set_outstanding_pages_node (xen, a, 3 * GIB, 0), 0);
      ck_assert_uint_eq (xp_heap_node_outstanding_claims (xen, 0), 3 * GIB);
      XpNodeMeminfo mem[2];
      xp_sysctl_numainfo (xen, 2, mem, NULL);
      ck_assert_uint_eq (mem[0].claimed_bytes, (guint64) 3 << 30);
      ck_assert_uint_eq (mem[1].claimed_bytes, 0);
    }
  else
    ck_assert_int_eq (xp_memory_claim_pages (xen, a->domid, 3 * GIB), 0);
  guint64 pfn = xp_alloc_domheap_pages (xen, b, XP_ORDER_1G, 0);
  ck_assert_uint_eq (xp_heap_pfn_to_node (xen, pfn), _i ? 0 : 1);
  /* A's own allocations on node 0 are covered by its node claim */
  ck_assert_uint_ne (xp_alloc_domheap_pages (xen, a, XP_ORDER_1G, XP_MEMF_node (0)), XP_INVALID_PFN);
  ck_assert_uint_eq (a->outstanding_pages, 2 * GIB);
  if (_i == 0)
    ck_assert_uint_eq (xp_heap_node_outstanding_claims (xen, 0), 2 * GIB);
  ck_assert_int_eq (xp_domain_destroy (xen, a), 0);
  ck_assert_uint_eq (xp_heap_node_outstanding_claims (xen, 0), 0);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

Suite *
xp_test_claims_suite (void)
{
  Suite *s = suite_create ("claims");
  TCase *tc = tcase_create ("claims");
  tcase_set_timeout (tc, 30);
  tcase_add_loop_test (tc, test_claims_block_paging_pool, 0, 2);
  tcase_add_loop_test (tc, test_non_additive_gate, 0, 2);
  tcase_add_loop_test (tc, test_non_additive_gate_600, 0, 2);
  tcase_add_test (tc, test_claim_errors);
  tcase_add_test (tc, test_release_on_destroy);
  tcase_add_loop_test (tc, test_regrow_on_free, 0, 4);
  tcase_add_loop_test (tc, test_stable_backports, 0, 8);
  tcase_add_loop_test (tc, test_consumption_point, 0, 2);
  tcase_add_loop_test (tc, test_node_claims_what_if, 0, 2);
  suite_add_tcase (s, tc);
  return s;
}
