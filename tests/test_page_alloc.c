/* Tests of sim/xen/page_alloc.c: memory map, zones, buddy split/merge, node
 * search order (reference §1.5.1, worked examples §7.1 A-C). This file also
 * holds the small host-building helpers the other sim/xen test files use. */
#include "config.h"
#include "tests/testutil.h"
#include "sim/xen/xen.h"
#include "sim/event.h"

#define GIB_PAGES XP_PAGES_PER_GIB       /* 262144 */
#define MIB2_PAGES 512

/* ---- helpers shared by the sim/xen suites -------------------------------- */

/* @n nodes, @cpus_per_node CPUs each (one socket per node, no SMT), node i
 * with mem_gib[i] GiB; SLIT 10 local, 20 remote. */
XpTopology *xp_test_topo (guint n, guint cpus_per_node, const guint *mem_gib);
void xp_test_topo_free (XpTopology *t);
/* Boot with defaults except dom0_mem=0, xen_pages_per_node=0, then the
 * NULL-terminated "name=value" list. */
XpXen *xp_test_xen (const XpTopology *t, const char *version, XpEventQueue *q, const char *const *params);
void xp_test_check (XpXen *xen);
XpDomain *xp_test_domain (XpXen *xen, guint vcpus, XpPages max_pages);

XpTopology *
xp_test_topo (guint n, guint cpus_per_node, const guint *mem_gib)
{
  XpTopology *t = g_new0 (XpTopology, 1);
  t->name = g_strdup ("test");
  t->n_nodes = n;
  t->nodes = g_new0 (XpNode, n);
  t->n_cpus = n * cpus_per_node;
  t->cpus = g_new0 (XpCpu, MAX (t->n_cpus, 1u));
  t->n_sockets = n;
  t->distance = g_new (guint, n * n);
  for (guint i = 0; i < n; i++)
    {
      XpNode *node = &t->nodes[i];
      node->id = i;
      node->memory_bytes = (guint64) mem_gib[i] << 30;
      node->n_cpus = cpus_per_node;
      node->n_cores = cpus_per_node;
      node->cpus = g_new (guint, MAX (cpus_per_node, 1u));
      for (guint c = 0; c < cpus_per_node; c++)
        {
          guint id = i * cpus_per_node + c;
          node->cpus[c] = id;
          t->cpus[id] = (XpCpu) { .id = id, .node = i, .socket = i, .core = id, .thread = 0 };
        }
      for (guint j = 0; j < n; j++)
        t->distance[i * n + j] = i == j ? 10 : 20;
    }
  return t;
}

void
xp_test_topo_free (XpTopology *t)
{
  for (guint i = 0; i < t->n_nodes; i++)
    g_free (t->nodes[i].cpus);
  g_free (t->nodes);
  g_free (t->cpus);
  g_free (t->distance);
  g_free (t->name);
  g_free (t);
}

XpXen *
xp_test_xen (const XpTopology *t, const char *version, XpEventQueue *q, const char *const *params)
{
  XpXenBehaviour b;
  XpXenParams p;
  GError *err = NULL;
  ck_assert (xp_xen_behaviour_init (&b, version, &err));
  xp_xen_params_init_defaults (&p);
  p.dom0_mem_bytes = 0;
  p.xen_pages_per_node = 0;
  for (guint i = 0; params && params[i]; i++)
    ck_assert_msg (xp_xen_params_set (&p, params[i], &err), "%s", err ? err->message : "");
  XpXen *xen = xp_xen_new (t, &b, &p, q, &err);
  ck_assert_msg (xen != NULL, "%s", err ? err->message : "");
  xp_test_check (xen);
  return xen;
}

void
xp_test_check (XpXen *xen)
{
  g_autoptr (GString) why = g_string_new (NULL);
  ck_assert_msg (xp_heap_check_invariants (xen, why), "invariants: %s", why->str);
}

XpDomain *
xp_test_domain (XpXen *xen, guint vcpus, XpPages max_pages)
{
  XpDomainConfig cfg = { .type = XP_DOMAIN_HVM, .max_vcpus = vcpus };
  XpDomain *d = NULL;
  ck_assert_int_eq (xp_domain_create (xen, &cfg, &d), 0);
  ck_assert_int_eq (xp_domain_max_vcpus (xen, d, vcpus), 0);
  d->max_pages = max_pages;
  return d;
}

/* ---- memory map and zones ---------------------------------------------------- */

/* 2 nodes x 8 GiB, MMIO hole 3-4 GiB (default): node 0 spans [0, 9 GiB)
 * with RAM at [0,3) and [4,9) GiB; node 1 spans [9, 17) GiB. pfn 0 never
 * enters the heap, so node 0 has 8 GiB - 1 page = 2097151 heap pages.
 * Whole 1 GiB blocks: node 0 has [1,2), [2,3) and [4,9) = 7 ([0,1) is cut by
 * pfn 0); node 1 has 8. dma_bitsize = min(fls(0 + 9 GiB/4 pages - 1) + 12, 32)
 * = min(fls(589823) + 12, 32) = min(20 + 12, 32) = 32. */
START_TEST (test_layout)
{
  const guint mem[] = { 8, 8 };
  XpTopology *t = xp_test_topo (2, 4, mem);
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  guint64 s, e;
  xp_heap_node_span (xen, 0, &s, &e);
  ck_assert_uint_eq (s, 0);
  ck_assert_uint_eq (e, 9 * GIB_PAGES);
  xp_heap_node_span (xen, 1, &s, &e);
  ck_assert_uint_eq (s, 9 * GIB_PAGES);
  ck_assert_uint_eq (e, 17 * GIB_PAGES);
  ck_assert_uint_eq (xp_heap_node_pages (xen, 0), 8 * GIB_PAGES - 1);
  ck_assert_uint_eq (xp_heap_node_avail (xen, 0), 8 * GIB_PAGES - 1);
  ck_assert_uint_eq (xp_heap_node_avail (xen, 1), 8 * GIB_PAGES);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 0, XP_ORDER_1G), 7 * GIB_PAGES);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 1, XP_ORDER_1G), 8 * GIB_PAGES);
  ck_assert_uint_eq (xp_heap_total_avail (xen), 16 * GIB_PAGES - 1);
  ck_assert_uint_eq (xen->dma_bitsize, 32);
  ck_assert_uint_eq (xp_heap_pfn_to_node (xen, 3 * GIB_PAGES + 5), 0);  /* inside the hole, node 0's span */
  ck_assert_uint_eq (xp_heap_pfn_to_node (xen, 17 * GIB_PAGES), XP_NO_NODE);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Xen's own pages (1/512 of each node by default) and dom0 are taken at
 * boot: 2 x 8 GiB, auto Xen pages = 2097152/512 = 4096 per node; dom0_mem
 * 2 GiB striped in 1 GiB extents: dom0 (auto affinity {0,1},
 * last_alloc_node 0) gets its first GiB on node 1, the second on node 0. */
START_TEST (test_boot_xen_and_dom0)
{
  const guint mem[] = { 8, 8 };
  XpTopology *t = xp_test_topo (2, 4, mem);
  const char *const params[] = { "xen_pages_per_node=auto", "dom0_mem=2GiB", "dom0_vcpus=2", NULL };
  XpXen *xen = xp_test_xen (t, "4.17", NULL, params);
  XpDomain *d0 = xp_xen_domain (xen, 0);
  ck_assert_ptr_nonnull (d0);
  ck_assert (d0 == xen->dom0);
  ck_assert_uint_eq (d0->n_vcpus, 2);
  ck_assert_uint_eq (d0->tot_pages, 2 * GIB_PAGES);
  ck_assert_uint_eq (d0->node_pages[0], GIB_PAGES);
  ck_assert_uint_eq (d0->node_pages[1], GIB_PAGES);
  ck_assert_uint_eq (xp_heap_node_avail (xen, 0), 8 * GIB_PAGES - 1 - 4096 - GIB_PAGES);
  ck_assert_uint_eq (xp_heap_node_avail (xen, 1), 8 * GIB_PAGES - 4096 - GIB_PAGES);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Splitting hands out the top of the block. One node of 4 GiB with the
 * default hole: RAM [0,3) and [4,5) GiB; the highest zone (21) holds the
 * single block [4,5) GiB = pfns [1048576, 1310720). A 2 MiB request splits
 * it and gets its top 512 pages: 1310720 - 512 = 1310208; the next 2 MiB
 * request takes the lower-half buddy left at order 9: 1310208 - 512 =
 * 1309696. Freeing both merges back to the whole 1 GiB block.
 * Free blocks (xp_heap_free_blocks()): [0,1) GiB without pfn 0 is one
 * block of each order 0..17 (18), plus the three 1 GiB blocks: 21. The
 * first split leaves the lower halves of orders 17..9 (9 blocks) for the
 * one it took: 29; the second takes the order-9 half: 28; freeing a finds
 * its buddy b in use: 29; freeing b merges all the way up: 21. */
START_TEST (test_split_top_and_merge)
{
  const guint mem[] = { 4 };
  XpTopology *t = xp_test_topo (1, 2, mem);
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  ck_assert_uint_eq (xen->dma_bitsize, 0);   /* single node: no DMA split */
  XpPages gib_before = xp_heap_node_avail_order (xen, 0, XP_ORDER_1G);
  ck_assert_uint_eq (gib_before, 3 * GIB_PAGES);  /* [1,2), [2,3), [4,5) */
  ck_assert_uint_eq (xp_heap_free_blocks (xen), 21);
  guint64 a = xp_alloc_domheap_pages (xen, NULL, XP_ORDER_2M, 0);
  ck_assert_uint_eq (a, 1310208);
  ck_assert_uint_eq (xp_heap_free_blocks (xen), 29);
  guint64 b = xp_alloc_domheap_pages (xen, NULL, XP_ORDER_2M, 0);
  ck_assert_uint_eq (b, 1309696);
  ck_assert_uint_eq (xp_heap_free_blocks (xen), 28);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 0, XP_ORDER_1G), 2 * GIB_PAGES);
  xp_test_check (xen);
  xp_free_domheap_pages (xen, NULL, a, XP_ORDER_2M);
  xp_test_check (xen);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 0, XP_ORDER_1G), 2 * GIB_PAGES);
  ck_assert_uint_eq (xp_heap_free_blocks (xen), 29);
  xp_free_domheap_pages (xen, NULL, b, XP_ORDER_2M);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 0, XP_ORDER_1G), gib_before);
  ck_assert_uint_eq (xp_heap_free_blocks (xen), 21);
  ck_assert_uint_eq (xp_heap_node_avail (xen, 0), 4 * GIB_PAGES - 1);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Buddies never merge across nodes. No MMIO hole; node 0 = 1.5 GiB
 * [0, 1.5) GiB, node 1 = 2 GiB [1.5, 3.5) GiB. The 512 MiB blocks [1, 1.5)
 * (node 0) and [1.5, 2) (node 1) are buddies of one 1 GiB block but sit on
 * different nodes, so node 0 has no 1 GiB block and node 1 has exactly one,
 * [2, 3) GiB. Allocating and freeing node 1's [1.5, 2) block leaves it so. */
START_TEST (test_no_merge_across_nodes)
{
  XpTopology *t = xp_test_topo (2, 2, (const guint[]) { 1, 2 });
  t->nodes[0].memory_bytes = (guint64) 3 << 29;  /* 1.5 GiB */
  const char *const params[] = { "mmio_hole=0", NULL };
  XpXen *xen = xp_test_xen (t, "4.22", NULL, params);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 0, XP_ORDER_1G), 0);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 1, XP_ORDER_1G), GIB_PAGES);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 0, 17), GIB_PAGES);  /* [0.5, 1) and [1, 1.5) GiB */
  guint64 p = xp_alloc_domheap_pages (xen, NULL, 17, XP_MEMF_node (1) | XP_MEMF_exact_node);
  /* node 1 zones: [1.5,2) is zone 19, [2,3.5) zone 20 (and 21 for >= 2^20 pfns... none:
   * 3.5 GiB = 917504 < 2^20). Highest zone first, smallest order first:
   * zone 20 holds [2,3) as order 18 and [3,3.5) as order 17 -> [3, 3.5). */
  ck_assert_uint_eq (p, 3 * GIB_PAGES);
  xp_free_domheap_pages (xen, NULL, p, 17);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 0, XP_ORDER_1G), 0);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 1, XP_ORDER_1G), GIB_PAGES);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* §7.1 A: domain with auto affinity {0,1} (vCPUs on both nodes),
 * last_alloc_node 0 at creation. Each 1 GiB extent starts after the node of
 * the previous one: 1, 0, 1, 0 -> 2 GiB per node. */
START_TEST (test_round_robin_striping)
{
  const guint mem[] = { 8, 8 };
  XpTopology *t = xp_test_topo (2, 4, mem);
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  XpDomain *d = xp_test_domain (xen, 8, 8 * GIB_PAGES);
  ck_assert_uint_eq (d->node_affinity, 0x3);
  static const guint expect[] = { 1, 0, 1, 0 };
  for (guint i = 0; i < 4; i++)
    {
      guint64 pfn = xp_alloc_domheap_pages (xen, d, XP_ORDER_1G, 0);
      ck_assert_uint_ne (pfn, XP_INVALID_PFN);
      ck_assert_uint_eq (xp_heap_pfn_to_node (xen, pfn), expect[i]);
      ck_assert_uint_eq (d->last_alloc_node, expect[i]);
    }
  ck_assert_uint_eq (d->node_pages[0], 2 * GIB_PAGES);
  ck_assert_uint_eq (d->node_pages[1], 2 * GIB_PAGES);
  ck_assert_uint_eq (d->tot_pages, 4 * GIB_PAGES);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* §7.1 A, second half: node 1 has free memory (262143 pages) but no free
 * 1 GiB block, so every "node 1 turn" falls through to node 0 and all four
 * extents land on node 0, last_alloc_node = 0 after each. Node 0 has five
 * 1 GiB blocks above 4 GiB, enough for four. */
START_TEST (test_round_robin_no_gib_on_node1)
{
  const guint mem[] = { 8, 8 };
  XpTopology *t = xp_test_topo (2, 4, mem);
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  guint64 held[8];
  for (guint i = 0; i < 8; i++)
    {
      held[i] = xp_alloc_domheap_pages (xen, NULL, XP_ORDER_1G, XP_MEMF_node (1) | XP_MEMF_exact_node);
      ck_assert_uint_ne (held[i], XP_INVALID_PFN);
    }
  ck_assert_uint_eq (xp_alloc_domheap_pages (xen, NULL, XP_ORDER_1G, XP_MEMF_node (1) | XP_MEMF_exact_node),
                     XP_INVALID_PFN);
  xp_free_domheap_pages (xen, NULL, held[0], XP_ORDER_1G);
  guint64 pin = xp_alloc_domheap_pages (xen, NULL, XP_ORDER_4K, XP_MEMF_node (1) | XP_MEMF_exact_node);
  ck_assert_uint_eq (xp_heap_pfn_to_node (xen, pin), 1);
  ck_assert_uint_eq (xp_heap_node_avail (xen, 1), GIB_PAGES - 1);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 1, XP_ORDER_1G), 0);
  xp_test_check (xen);

  XpDomain *d = xp_test_domain (xen, 8, 8 * GIB_PAGES);
  for (guint i = 0; i < 4; i++)
    {
      guint64 pfn = xp_alloc_domheap_pages (xen, d, XP_ORDER_1G, 0);
      ck_assert_uint_eq (xp_heap_pfn_to_node (xen, pfn), 0);
      ck_assert_uint_eq (d->last_alloc_node, 0);
    }
  ck_assert_uint_eq (d->node_pages[0], 4 * GIB_PAGES);
  ck_assert_uint_eq (d->node_pages[1], 0);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* §7.1 B: node 0 fragmented. All of node 0 is taken in 2 MiB pieces (8 GiB
 * of RAM minus the [0, 2 MiB) region that pfn 0 breaks: 4095 pieces), then
 * every other piece is freed: 2048 pieces = 1 GiB... (each freed piece's
 * buddy stays allocated, so nothing merges beyond order 9). The domain is
 * explicitly affine to {0}: 1 GiB requests spill to node 1 (fallback after
 * the mask), 2 MiB requests stay on node 0. */
START_TEST (test_superpage_spill)
{
  const guint mem[] = { 8, 8 };
  XpTopology *t = xp_test_topo (2, 4, mem);
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  /* The pieces belong to a live domain: its frees are clean (anonymous
   * frees would be dirty and steer order>0 requests away by themselves). */
  XpDomain *x = xp_test_domain (xen, 1, 16 * GIB_PAGES);
  g_autoptr (GArray) held = g_array_new (FALSE, FALSE, sizeof (guint64));
  for (;;)
    {
      guint64 pfn = xp_alloc_domheap_pages (xen, x, XP_ORDER_2M, XP_MEMF_node (0) | XP_MEMF_exact_node);
      if (pfn == XP_INVALID_PFN)
        break;
      g_array_append_val (held, pfn);
    }
  /* 8 GiB / 2 MiB = 4096 aligned 2 MiB frames; [0, 2 MiB) lacks pfn 0 */
  ck_assert_uint_eq (held->len, 4095);
  ck_assert_uint_eq (xp_heap_node_avail (xen, 0), MIB2_PAGES - 1);
  guint freed = 0;
  for (guint i = 0; i < held->len; i++)
    {
      guint64 pfn = g_array_index (held, guint64, i);
      if ((pfn / MIB2_PAGES) % 2 == 0)
        {
          xp_free_domheap_pages (xen, x, pfn, XP_ORDER_2M);
          freed++;
        }
    }
  /* even-numbered frames: 2 MiB frame 0 was never held; 4096/2 - 1 = 2047 */
  ck_assert_uint_eq (freed, 2047);
  ck_assert_uint_eq (xp_heap_node_avail (xen, 0), MIB2_PAGES - 1 + 2047 * MIB2_PAGES);
  ck_assert_uint_eq (xp_heap_node_avail_order (xen, 0, 10), 0);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), 0);
  xp_test_check (xen);

  XpDomain *d = xp_test_domain (xen, 2, 16 * GIB_PAGES);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, d, 0x1), 0);
  for (guint i = 0; i < 3; i++)
    {
      guint64 pfn = xp_alloc_domheap_pages (xen, d, XP_ORDER_1G, 0);
      ck_assert_uint_eq (xp_heap_pfn_to_node (xen, pfn), 1);
    }
  for (guint i = 0; i < 10; i++)
    {
      guint64 pfn = xp_alloc_domheap_pages (xen, d, XP_ORDER_2M, 0);
      ck_assert_uint_eq (xp_heap_pfn_to_node (xen, pfn), 0);
    }
  ck_assert_uint_eq (d->node_pages[1], 3 * GIB_PAGES);
  ck_assert_uint_eq (d->node_pages[0], 10 * MIB2_PAGES);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* §7.1 C: node 0 keeps only its memory below 4 GiB (the five 1 GiB blocks
 * above are taken with no_dma + exact node). A domain affine to {0} gets
 * its 1 GiB extents from node 1 (first attempt: above 4 GiB on all nodes)
 * while node 1 has any; node 1's eight blocks gone, the ninth extent comes
 * from node 0's highest DMA block [2, 3) GiB = pfn 524288. */
START_TEST (test_dma_zone_last)
{
  const guint mem[] = { 8, 8 };
  XpTopology *t = xp_test_topo (2, 4, mem);
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  guint taken = 0;
  while (xp_alloc_domheap_pages (xen, NULL, XP_ORDER_1G, XP_MEMF_node (0) | XP_MEMF_exact_node | XP_MEMF_no_dma)
         != XP_INVALID_PFN)
    taken++;
  ck_assert_uint_eq (taken, 5);
  XpPages low = xp_heap_node_avail (xen, 0);
  ck_assert_uint_eq (low, 3 * GIB_PAGES - 1);   /* [1 page, 3 GiB) */

  XpDomain *d = xp_test_domain (xen, 2, 16 * GIB_PAGES);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, d, 0x1), 0);
  for (guint i = 0; i < 8; i++)
    {
      guint64 pfn = xp_alloc_domheap_pages (xen, d, XP_ORDER_1G, 0);
      ck_assert_uint_eq (xp_heap_pfn_to_node (xen, pfn), 1);
      ck_assert_uint_eq (xp_heap_node_avail (xen, 0), low);
    }
  guint64 pfn = xp_alloc_domheap_pages (xen, d, XP_ORDER_1G, 0);
  ck_assert_uint_eq (pfn, 2 * GIB_PAGES);
  ck_assert_uint_eq (xp_heap_node_avail (xen, 0), low - GIB_PAGES);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Exact-node requests never leave the node; a requested node is only the
 * start otherwise. Node 1 is emptied in 1 GiB blocks first. */
START_TEST (test_exact_node)
{
  const guint mem[] = { 8, 8 };
  XpTopology *t = xp_test_topo (2, 4, mem);
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  for (guint i = 0; i < 8; i++)
    ck_assert_uint_ne (xp_alloc_domheap_pages (xen, NULL, XP_ORDER_1G, XP_MEMF_node (1) | XP_MEMF_exact_node),
                       XP_INVALID_PFN);
  ck_assert_uint_eq (xp_heap_node_avail (xen, 1), 0);
  ck_assert_uint_eq (xp_alloc_domheap_pages (xen, NULL, XP_ORDER_4K, XP_MEMF_node (1) | XP_MEMF_exact_node),
                     XP_INVALID_PFN);
  guint64 pfn = xp_alloc_domheap_pages (xen, NULL, XP_ORDER_4K, XP_MEMF_node (1));
  ck_assert_uint_eq (xp_heap_pfn_to_node (xen, pfn), 0);
  /* order above MAX_ORDER */
  ck_assert_uint_eq (xp_alloc_domheap_pages (xen, NULL, 19, 0), XP_INVALID_PFN);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* assign_pages() limits: max_pages 600 pages; a 512-page extent fits, the
 * next one would need 1024 > 600 -> -E2BIG, the block goes back. */
START_TEST (test_assign_limits)
{
  const guint mem[] = { 4, 4 };
  XpTopology *t = xp_test_topo (2, 2, mem);
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  XpDomain *d = xp_test_domain (xen, 1, 600);
  XpPages before = xp_heap_total_avail (xen);
  ck_assert_uint_ne (xp_alloc_domheap_pages (xen, d, XP_ORDER_2M, 0), XP_INVALID_PFN);
  ck_assert_uint_eq (xp_alloc_domheap_pages (xen, d, XP_ORDER_2M, 0), XP_INVALID_PFN);
  ck_assert_uint_eq (d->tot_pages, 512);
  ck_assert_uint_eq (xp_heap_total_avail (xen), before - 512);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* A memory-less node (CPUs only): 3 nodes of 4, 0 and 4 GiB, no hole.
 * Node 1 spans nothing ([4, 4) GiB); a domain whose vCPUs sit on node 1
 * has auto affinity {1}, which has no memory, so every extent falls back
 * to the other online nodes, lowest first: 1 GiB from node 0, and with
 * node 0 out of 1 GiB blocks, from node 2. */
START_TEST (test_memoryless_node)
{
  XpTopology *t = xp_test_topo (3, 2, (const guint[]) { 4, 0, 4 });
  const char *const params[] = { "mmio_hole=0", NULL };
  XpXen *xen = xp_test_xen (t, "4.22", NULL, params);
  ck_assert_uint_eq (xp_heap_node_pages (xen, 1), 0);
  guint64 s, e;
  xp_heap_node_span (xen, 1, &s, &e);
  ck_assert_uint_eq (s, 4 * GIB_PAGES);
  ck_assert_uint_eq (e, 4 * GIB_PAGES);
  ck_assert_uint_eq (xp_heap_pfn_to_node (xen, 4 * GIB_PAGES), 2);
  XpDomain *d = xp_test_domain (xen, 1, 8 * GIB_PAGES);
  XpCpumask hard;
  xp_cpumask_clear (&hard);
  xp_cpumask_set (&hard, 2);     /* CPU 2 is on node 1 */
  ck_assert_int_eq (xp_vcpu_set_affinity (xen, &d->vcpus[0], &hard, NULL, XP_VCPUAFFINITY_HARD), 0);
  ck_assert_uint_eq (d->node_affinity, 0x2);
  /* node 0 = [0,4) GiB: whole 1 GiB blocks [1,2), [2,3), [3,4) */
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 4, XP_ORDER_1G, 0), 4);
  ck_assert_uint_eq (d->node_pages[0], 3 * GIB_PAGES);
  ck_assert_uint_eq (d->node_pages[2], GIB_PAGES);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, XP_ORDER_4K, XP_XENMEMF_exact_node (1)), 0);
  g_autoptr (GString) dump = g_string_new (NULL);
  xp_heap_dump (xen, dump);
  ck_assert_msg (strstr (dump->str, "node 1: pfns [0x100000, 0x100000) pages 0 free 0") != NULL, "%s", dump->str);
  ck_assert_msg (strstr (dump->str, "d1: tot 1048576 max 2097152 claim 0 pool 0 affinity 1 (auto); per node: 786432 0 262144")
                 != NULL, "%s", dump->str);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

static void
noop_event (XpEventQueue *q, gpointer a, gpointer b)
{
}

static void
advance_to (XpEventQueue *q, XpTime when)
{
  xp_event_schedule (q, when, noop_event, NULL, NULL);
  xp_event_run_until (q, when);
}

/* Random walk (fixed seed) over every heap operation on an awkward host:
 * three nodes of 3, 2 and 5 GiB (node 0 holds the MMIO hole, so node 1
 * starts at 4 GiB and node 2 at 6 GiB), boot memory dirty, a scrubber that
 * runs as time advances and nodes go busy/idle, claims, paging pools, extra
 * pages, live (clean) and dying (dirty) frees, explicit and automatic node
 * affinity. After every step the full invariant walk must hold. At the
 * end, every domain destroyed and ten idle seconds later, the heap must be
 * back to its boot state: all memory free and clean, and per node the same
 * pages in whole 1 GiB blocks as at boot (merging undid every split). */
START_TEST (test_random_walk)
{
  g_autoptr (XpEventQueue) q = xp_event_queue_new ();
  XpTopology *t = xp_test_topo (3, 2, (const guint[]) { 3, 2, 5 });
  const char *const params[] = { "boot_dirty=1", "scrub_rate=64GiB", NULL };
  XpXen *xen = xp_test_xen (t, _i ? "4.22" : "4.17", q, params);
  XpPages boot_free = xp_heap_total_avail (xen);
  ck_assert_uint_eq (boot_free, 10 * GIB_PAGES - 1);
  /* 10 GiB dirty at 64 GiB/s: clean after 10/64 s < 1 s */
  XpTime now = XP_NSEC_PER_SEC;
  advance_to (q, now);
  xp_heap_scrub_advance (xen);
  XpPages census[3];
  for (guint n = 0; n < 3; n++)
    {
      ck_assert_uint_eq (xp_heap_node_need_scrub (xen, n), 0);
      census[n] = xp_heap_node_avail_order (xen, n, XP_ORDER_1G);
    }
  ck_assert_uint_eq (census[0], 2 * GIB_PAGES);   /* [1,2) and [2,3) GiB */
  ck_assert_uint_eq (census[1], 2 * GIB_PAGES);
  ck_assert_uint_eq (census[2], 5 * GIB_PAGES);

  GRand *r = g_rand_new_with_seed (42 + _i);
  XpDomain *doms[6] = { NULL };
  for (guint step = 0; step < 10000; step++)
    {
      guint k = g_rand_int_range (r, 0, 6);
      XpDomain *d = doms[k];
      guint op = g_rand_int_range (r, 0, 100);
      if (!d)
        {
          d = doms[k] = xp_test_domain (xen, 1 + k % 3, 2 * GIB_PAGES);
          if (k % 2)
            ck_assert_int_eq (xp_domain_set_node_affinity (xen, d, xp_nodemask_of (k % 3)), 0);
        }
      else if (op < 45)
        {
          static const guint orders[] = { 0, 0, 3, 9, 9, 12, 18 };
          guint o = orders[g_rand_int_range (r, 0, G_N_ELEMENTS (orders))];
          guint flags = g_rand_int_range (r, 0, 4) == 0 ? XP_XENMEMF_node (g_rand_int_range (r, 0, 3)) : 0;
          xp_populate_physmap (xen, d, g_rand_int_range (r, 1, 4), o, flags);
        }
      else if (op < 70 && d->memory->len)
        {
          XpExtent e = g_array_index (d->memory, XpExtent, g_rand_int_range (r, 0, d->memory->len));
          if (e.count)
            xp_free_domheap_pages (xen, d, e.pfn, e.order);
        }
      else if (op < 78)
        xp_domain_set_paging_mempool (xen, d, g_rand_int_range (r, 0, 64));
      else if (op < 84)
        {
          XpPages target = d->tot_pages - d->extra_pages + g_rand_int_range (r, 1, 300000);
          xp_memory_claim_pages (xen, d->domid, d->outstanding_pages ? 0 : target);
        }
      else if (op < 88)
        {
          ck_assert_int_eq (xp_domain_destroy (xen, d), 0);
          doms[k] = NULL;
        }
      else if (op < 92)
        xp_heap_set_node_idle (xen, g_rand_int_range (r, 0, 3), g_rand_boolean (r));
      else if (op < 96)
        {
          now += g_rand_int_range (r, 1, 2000000);   /* up to 2 ms: at 64 GiB/s up to 128 MiB */
          advance_to (q, now);
        }
      else if (op < 98)
        xp_alloc_domheap_pages (xen, d, 0, XP_MEMF_no_refcount);
      else
        xp_domain_unpause (xen, d);
      xp_test_check (xen);
    }
  for (guint k = 0; k < 6; k++)
    if (doms[k])
      ck_assert_int_eq (xp_domain_destroy (xen, doms[k]), 0);
  for (guint n = 0; n < 3; n++)
    xp_heap_set_node_idle (xen, n, TRUE);
  advance_to (q, now + 10 * XP_NSEC_PER_SEC);
  xp_heap_scrub_advance (xen);
  ck_assert_uint_eq (xp_heap_total_avail (xen), boot_free);
  ck_assert_uint_eq (xp_heap_outstanding_claims (xen), 0);
  for (guint n = 0; n < 3; n++)
    {
      ck_assert_uint_eq (xp_heap_node_need_scrub (xen, n), 0);
      ck_assert_uint_eq (xp_heap_node_avail_order (xen, n, XP_ORDER_1G), census[n]);
    }
  ck_assert_uint_gt (xp_heap_background_scrubbed_pages (xen), boot_free);
  xp_test_check (xen);
  g_rand_free (r);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

Suite *
xp_test_page_alloc_suite (void)
{
  Suite *s = suite_create ("page_alloc");
  TCase *tc = tcase_create ("heap");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_layout);
  tcase_add_test (tc, test_boot_xen_and_dom0);
  tcase_add_test (tc, test_split_top_and_merge);
  tcase_add_test (tc, test_no_merge_across_nodes);
  tcase_add_test (tc, test_round_robin_striping);
  tcase_add_test (tc, test_round_robin_no_gib_on_node1);
  tcase_add_test (tc, test_superpage_spill);
  tcase_add_test (tc, test_dma_zone_last);
  tcase_add_test (tc, test_exact_node);
  tcase_add_test (tc, test_assign_limits);
  tcase_add_test (tc, test_memoryless_node);
  tcase_add_loop_test (tc, test_random_walk, 0, 2);
  suite_add_tcase (s, tc);
  return s;
}
