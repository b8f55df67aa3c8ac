/* Tests of xp_alloc_domheap_pages_bulk0(): N order-0 allocations done a
 * buddy block at a time must leave the heap, the domains and every counter
 * exactly as N single alloc_domheap_pages() calls do. One worked example by
 * hand, then hundreds of seeded random heaps replayed twice from identical
 * states (once call by call, once in bulk) and compared in full. */
#include "config.h"
#include "tests/testutil.h"
#include "sim/xen/xen.h"
#include "sim/event.h"

XpTopology *xp_test_topo (guint n, guint cpus_per_node, const guint *mem_gib);
void xp_test_topo_free (XpTopology *t);
XpXen *xp_test_xen (const XpTopology *t, const char *version, XpEventQueue *q, const char *const *params);
void xp_test_check (XpXen *xen);
XpDomain *xp_test_domain (XpXen *xen, guint vcpus, XpPages max_pages);

static void
noop (XpEventQueue *q, gpointer a, gpointer b)
{
}

static void
advance_to (XpEventQueue *q, XpTime when)
{
  xp_event_schedule (q, when, noop, NULL, NULL);
  xp_event_run_until (q, when);
}

/* @n nodes of @pages pages each (not GiB: small heaps keep the comparison cheap). */
static XpTopology *
small_topo (guint n, const XpPages *pages)
{
  guint gib[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
  XpTopology *t = xp_test_topo (n, 1, gib);
  for (guint i = 0; i < n; i++)
    t->nodes[i].memory_bytes = pages[i] * XP_PAGE_SIZE;
  return t;
}

static guint64
seq0 (XpXen *xen, XpDomain *d, guint64 n, guint memflags)
{
  guint64 i;
  for (i = 0; i < n; i++)
    if (xp_alloc_domheap_pages (xen, d, 0, memflags) == XP_INVALID_PFN)
      break;
  return i;
}

static char *
state_of (XpXen *xen)
{
  GString *s = g_string_new (NULL);
  xp_heap_dump_state (xen, s);
  return g_string_free (s, FALSE);
}

/* Host A (calls) and host B (bulk) must be in the same state; then both go. */
static void
same_then_free (XpXen *a, XpXen *b, XpTopology *t)
{
  g_autofree char *sa = state_of (a), *sb = state_of (b);
  ck_assert_str_eq (sa, sb);
  xp_test_check (b);
  xp_xen_free (a);
  xp_xen_free (b);
  xp_test_topo_free (t);
}

/* Two nodes of 4096 pages, no MMIO hole, max_order 18. Node 0 = pfns
 * [0, 4096) (pfn 0 never enters the heap): blocks 1/o0, 2/o1, ..., 2048/o11;
 * node 1 = [4096, 8192): one block 4096/o12. dma_bitsize = fls(4096/4 - 1)
 * + 12 = 10 + 12 = 22, so the DMA band is zones <= 10 (pfns < 1024).
 * A new domain has last_alloc_node 0, so five pages go to nodes 1,0,1,0,1;
 * each node hands out its highest zone's smallest block from the top down:
 * node 1 the pages 8191, 8190, 8189; node 0 (zone 12 = [2048, 4096), block
 * 2048/o11) the pages 4095, 4094. Node 1 keeps [4096, 8189) = 4093 =
 * 0b111111111101 pages: blocks of orders 11..2 and 0, none of order 1;
 * node 0's block 2048/o11 leaves 2046 = 0b11111111110 pages: orders 10..1. */
START_TEST (test_worked_example)
{
  XpTopology *t = small_topo (2, (const XpPages[]) { 4096, 4096 });
  const char *const params[] = { "mmio_hole=0", NULL };
  XpXen *a = xp_test_xen (t, "4.17", NULL, params);
  XpXen *b = xp_test_xen (t, "4.17", NULL, params);
  ck_assert_uint_eq (a->dma_bitsize, 22);
  XpDomain *da = xp_test_domain (a, 1, 100), *db = xp_test_domain (b, 1, 100);
  ck_assert_uint_eq (seq0 (a, da, 5, 0), 5);
  ck_assert_uint_eq (xp_alloc_domheap_pages_bulk0 (b, db, 5, 0), 5);
  /* each node's pages form one run, placed where its first page came:
   * node 1's 8191..8189 (pfn 8189, 3 pages), then node 0's 4095..4094 */
  ck_assert_uint_eq (db->memory->len, 2);
  static const guint64 want_pfn[] = { 8189, 4094 }, want_count[] = { 3, 2 };
  for (guint i = 0; i < 2; i++)
    {
      ck_assert_uint_eq (g_array_index (db->memory, XpExtent, i).pfn, want_pfn[i]);
      ck_assert_uint_eq (g_array_index (db->memory, XpExtent, i).count, want_count[i]);
      ck_assert_uint_eq (g_array_index (db->memory, XpExtent, i).order, 0);
    }
  ck_assert_uint_eq (db->last_alloc_node, 1);
  ck_assert_uint_eq (db->node_pages[0], 2);
  ck_assert_uint_eq (db->node_pages[1], 3);
  ck_assert_uint_eq (db->tot_pages, 5);
  /* node 1: orders 11..2 and 0 */
  for (guint j = 0; j <= 12; j++)
    {
      XpPages ge = 0;
      for (guint o = MAX (j, 2u); o <= 11; o++)
        ge += (XpPages) 1 << o;
      if (j == 0)
        ge += 1;
      ck_assert_uint_eq (xp_heap_node_avail_order (b, 1, j), ge);
    }
  ck_assert_uint_eq (xp_heap_node_avail (b, 0), 4095 - 2);
  g_autofree char *sa = state_of (a), *sb = state_of (b);
  ck_assert_str_eq (sa, sb);
  xp_test_check (b);
  /* a domain capped at 7 pages: bulk stops at the cap like the calls do */
  ck_assert_uint_eq (xp_domain_set_max_mem (a, da, 7 * 4), 0);
  ck_assert_uint_eq (xp_domain_set_max_mem (b, db, 7 * 4), 0);
  ck_assert_uint_eq (seq0 (a, da, 10, 0), 2);
  ck_assert_uint_eq (xp_alloc_domheap_pages_bulk0 (b, db, 10, 0), 2);
  g_autofree char *sa2 = state_of (a), *sb2 = state_of (b);
  ck_assert_str_eq (sa2, sb2);
  xp_xen_free (a);
  xp_xen_free (b);
  xp_test_topo_free (t);
}
END_TEST

/* ---- random equivalence ------------------------------------------------------------ */

#define NDOMS 5

typedef struct {
  XpTopology *t;
  XpEventQueue *q;
  XpXen *xen;
  XpDomain *doms[NDOMS];
  XpTime now;
  GRand *r;                    /* drives the history: identical on both hosts */
} Host;

typedef struct {
  guint n_nodes;
  XpPages pages[4];
  const char *version;
  char scrub[64], order[32], dma[32];
  gboolean boot_dirty, node_claims;
} Shape;

static void
shape_init (Shape *s, GRand *r)
{
  s->n_nodes = g_rand_int_range (r, 1, 5);
  for (guint i = 0; i < s->n_nodes; i++)
    s->pages[i] = g_rand_int_range (r, 0, 4) == 0 ? 512 * g_rand_int_range (r, 1, 4)
                                                 : 256 * g_rand_int_range (r, 4, 17);
  s->version = g_rand_boolean (r) ? "4.22" : "4.17";
  /* slow enough that scrubbing is often caught half-way through a block */
  g_snprintf (s->scrub, sizeof s->scrub, "scrub_rate=%uKiB", 4 * g_rand_int_range (r, 1, 2000));
  g_snprintf (s->order, sizeof s->order, "max_order=%d", g_rand_int_range (r, 9, 14));
  guint dma = g_rand_int_range (r, 0, 4);
  g_snprintf (s->dma, sizeof s->dma, "dma_bits=%u", dma < 2 ? 0 : 20 + dma);
  s->boot_dirty = g_rand_int_range (r, 0, 3) == 0;
  s->node_claims = g_rand_int_range (r, 0, 10) == 0;
}

static void
host_init (Host *h, const Shape *s, guint32 seed)
{
  memset (h, 0, sizeof *h);
  h->t = small_topo (s->n_nodes, s->pages);
  h->q = xp_event_queue_new ();
  const char *const params[] = { "mmio_hole=0", s->scrub, s->order, s->dma,
                                 s->boot_dirty ? "boot_dirty=1" : "boot_dirty=0", NULL };
  h->xen = xp_test_xen (h->t, s->version, h->q, params);
  if (s->node_claims)
    h->xen->behaviour.node_claims = XP_NODE_CLAIMS_SINGLE;
  h->r = g_rand_new_with_seed (seed);
}

static void
host_free (Host *h)
{
  xp_xen_free (h->xen);
  xp_event_queue_free (h->q);
  xp_test_topo_free (h->t);
  g_rand_free (h->r);
}

/* Two hosts of the same random shape (from @seed; without the node-claims
 * what-if unless @node_claims) for the same history: A gets calls, B the
 * bulk paths. Returns the generator that drives the test. */
static GRand *
twins_new (guint32 seed, gboolean node_claims, Host *a, Host *b)
{
  GRand *r = g_rand_new_with_seed (seed);
  Shape s;
  shape_init (&s, r);
  s.node_claims = s.node_claims && node_claims;
  host_init (a, &s, seed);
  host_init (b, &s, seed);
  return r;
}

static void
twins_free (Host *a, Host *b, GRand *r)
{
  host_free (a);
  host_free (b);
  g_rand_free (r);
}

/* Random history: domains come and go (their memory returns dirty), mixed
 * orders are populated and freed, pools resized, claims made and dropped,
 * anonymous blocks taken, time passes with nodes busy or idle. */
static void
history (Host *h, guint steps)
{
  GRand *r = h->r;
  XpXen *xen = h->xen;
  guint nn = h->t->n_nodes;
  for (guint step = 0; step < steps; step++)
    {
      guint k = g_rand_int_range (r, 0, NDOMS);
      XpDomain *d = h->doms[k];
      guint op = g_rand_int_range (r, 0, 100);
      if (!d)
        {
          d = h->doms[k] = xp_test_domain (xen, 1, g_rand_int_range (r, 64, 20000));
          if (g_rand_boolean (r))
            {
              XpNodemask m = g_rand_int_range (r, 1, 1 << nn);
              ck_assert_int_eq (xp_domain_set_node_affinity (xen, d, m), 0);
            }
          d->last_alloc_node = g_rand_int_range (r, 0, nn);
        }
      else if (op < 40)
        {
          static const guint orders[] = { 0, 0, 1, 2, 3, 5, 9 };
          guint o = orders[g_rand_int_range (r, 0, G_N_ELEMENTS (orders))];
          guint flags = g_rand_int_range (r, 0, 4) == 0 ? XP_XENMEMF_node (g_rand_int_range (r, 0, nn)) : 0;
          xp_populate_physmap (xen, d, g_rand_int_range (r, 1, o ? 4 : 200), o, flags);
        }
      else if (op < 62 && d->memory->len)
        {
          for (guint i = g_rand_int_range (r, 1, 40); i-- && d->memory->len;)
            {
              XpExtent e = g_array_index (d->memory, XpExtent, g_rand_int_range (r, 0, d->memory->len));
              if (e.count)
                xp_free_domheap_pages (xen, d, e.pfn, e.order);
            }
        }
      else if (op < 70)
        xp_domain_set_paging_mempool (xen, d, g_rand_int_range (r, 0, 300));
      else if (op < 76)
        {
          XpPages target = d->tot_pages - d->extra_pages + g_rand_int_range (r, 1, 6000);
          if (d->outstanding_pages)
            xp_memory_claim_pages (xen, d->domid, 0);
          else if (h->xen->behaviour.node_claims != XP_NODE_CLAIMS_NONE && g_rand_boolean (r))
            xp_domain_set_outstanding_pages_node (xen, d, target, g_rand_int_range (r, 0, nn));
          else
            xp_memory_claim_pages (xen, d->domid, target);
        }
      else if (op < 82)
        {
          ck_assert_int_eq (xp_domain_destroy (xen, d), 0);
          h->doms[k] = NULL;
        }
      else if (op < 86)
        xp_heap_set_node_idle (xen, g_rand_int_range (r, 0, nn), g_rand_boolean (r));
      else if (op < 92)
        {
          h->now += g_rand_int_range (r, 1, 50000000);
          advance_to (h->q, h->now);
        }
      else if (op < 96)
        {
          guint o = g_rand_int_range (r, 0, 4);
          xp_alloc_domheap_pages (xen, NULL, o, g_rand_boolean (r) ? XP_MEMF_node (g_rand_int_range (r, 0, nn)) : 0);
        }
      else if (op < 98)
        xp_alloc_domheap_pages (xen, d, 0, XP_MEMF_no_refcount);
      else
        xp_domain_unpause (xen, d);
    }
}

typedef struct {
  guint dom;                   /* NDOMS: anonymous */
  guint64 n;
  guint memflags;
  gboolean dying;
} Req;

static void
pick_request (GRand *r, const Host *h, Req *q)
{
  guint nn = h->t->n_nodes;
  q->dom = g_rand_int_range (r, 0, 8) == 0 ? NDOMS : g_rand_int_range (r, 0, NDOMS);
  q->memflags = 0;
  guint f = g_rand_int_range (r, 0, 10);
  if (f == 1)
    q->memflags |= XP_MEMF_no_owner;
  else if (f == 2)
    q->memflags |= XP_MEMF_no_refcount;
  if (g_rand_int_range (r, 0, 4) == 0)
    q->memflags |= XP_MEMF_node (g_rand_int_range (r, 0, nn + 1));   /* sometimes a node without memory */
  if (g_rand_int_range (r, 0, 4) == 0)
    q->memflags |= XP_MEMF_exact_node;
  if (g_rand_int_range (r, 0, 6) == 0)
    q->memflags |= XP_MEMF_bits (g_rand_int_range (r, 20, 28));
  if (g_rand_int_range (r, 0, 6) == 0)
    q->memflags |= XP_MEMF_no_dma;
  if (g_rand_int_range (r, 0, 4) == 0)
    q->memflags |= XP_MEMF_no_scrub | XP_MEMF_keep_scrub;
  XpPages avail = xp_heap_total_avail (h->xen);
  switch (g_rand_int_range (r, 0, 4))
    {
    case 0: q->n = g_rand_int_range (r, 1, 20); break;
    case 1: q->n = g_rand_int_range (r, 1, 3000); break;
    case 2: q->n = avail + 20 - MIN (avail + 20, (XpPages) g_rand_int_range (r, 0, 60)); break;   /* near exhaustion */
    default: q->n = avail + g_rand_int_range (r, 1, 100); break;
    }
  q->dying = g_rand_int_range (r, 0, 40) == 0;
}

static guint64
run_request (Host *h, const Req *q, gboolean bulk)
{
  XpDomain *d = q->dom < NDOMS ? h->doms[q->dom] : NULL;
  if (d && q->dying)
    d->dying = TRUE;
  guint64 got = bulk ? xp_alloc_domheap_pages_bulk0 (h->xen, d, q->n, q->memflags)
                     : seq0 (h->xen, d, q->n, q->memflags);
  if (d && q->dying)
    d->dying = FALSE;
  return got;
}

static void
assert_same (Host *a, Host *b, guint32 seed, guint round)
{
  g_autofree char *sa = state_of (a->xen), *sb = state_of (b->xen);
  if (strcmp (sa, sb))
    {
      /* name the first differing line */
      gsize i = 0, line = 1, start = 0;
      while (sa[i] && sa[i] == sb[i])
        {
          if (sa[i] == '\n')
            {
              line++;
              start = i + 1;
            }
          i++;
        }
      ck_abort_msg ("seed %u round %u: state differs at line %" G_GSIZE_FORMAT ":\n calls: %.200s\n bulk:  %.200s",
                    seed, round, line, sa + start, sb + start);
    }
  xp_test_check (a->xen);
  xp_test_check (b->xen);
}

/* Per seed: a random host shape and history, then six rounds of one request
 * (random domain or none, flags, count from a few pages to beyond the free
 * memory) run call by call on host A and in bulk on host B, each followed
 * by more history on both; after every request and at the end the full
 * states must match. */
START_TEST (test_random_equivalence)
{
  guint32 seed = 1000 + (guint32) _i;
  Host a, b;
  GRand *r = twins_new (seed, TRUE, &a, &b);
  guint steps = g_rand_int_range (r, 50, 400);
  history (&a, steps);
  history (&b, steps);
  assert_same (&a, &b, seed, 0);
  for (guint round = 1; round <= 6; round++)
    {
      Req q;
      pick_request (r, &a, &q);
      guint64 ga = run_request (&a, &q, FALSE);
      guint64 gb = run_request (&b, &q, TRUE);
      ck_assert_msg (ga == gb, "seed %u round %u: %" G_GUINT64_FORMAT " pages by calls, %" G_GUINT64_FORMAT " in bulk",
                     seed, round, ga, gb);
      assert_same (&a, &b, seed, round);
      /* more history: any hidden difference would surface in later rounds */
      steps = g_rand_int_range (r, 0, 60);
      history (&a, steps);
      history (&b, steps);
    }
  assert_same (&a, &b, seed, 7);
  twins_free (&a, &b, r);
}
END_TEST

/* The two callers: a paging pool and an order-0 populate_physmap() end as
 * they did with one call per page. Same random hosts, fewer rounds. */
START_TEST (test_callers)
{
  guint32 seed = 5000 + (guint32) _i;
  Host a, b;
  GRand *r = twins_new (seed, FALSE, &a, &b);
  guint steps = g_rand_int_range (r, 50, 300);
  history (&a, steps);
  history (&b, steps);
  for (guint round = 0; round < 4; round++)
    {
      guint k = g_rand_int_range (r, 0, NDOMS);
      if (!a.doms[k])
        continue;
      XpDomain *da = a.doms[k], *db = b.doms[k];
      guint nn = a.t->n_nodes;
      if (g_rand_boolean (r))
        {
          XpPages pool = da->paging_pool_pages + g_rand_int_range (r, 1, 4000);
          int ra = 0;
          while (da->paging_pool_pages < pool && ra == 0)
            ra = xp_alloc_domheap_pages (a.xen, da, 0, XP_MEMF_no_owner) == XP_INVALID_PFN ? -ENOMEM : 0;
          int rb = xp_domain_set_paging_mempool (b.xen, db, pool);
          ck_assert_int_eq (ra, rb);
        }
      else
        {
          guint flags = g_rand_boolean (r) ? XP_XENMEMF_exact_node (g_rand_int_range (r, 0, nn)) : 0;
          guint64 n = g_rand_int_range (r, 1, 5000);
          guint mf = flags ? XP_MEMF_node (XP_XENMEMF_get_node (flags)) | XP_MEMF_exact_node : 0;
          if (a.xen->behaviour.populate_defers_scrub && !da->creation_finished)
            mf |= XP_MEMF_no_scrub | XP_MEMF_keep_scrub;   /* what populate_physmap() adds */
          guint64 ga = seq0 (a.xen, da, n, mf);
          ck_assert_uint_eq (xp_populate_physmap (b.xen, db, n, 0, flags), ga);
        }
      assert_same (&a, &b, seed, round);
    }
  twins_free (&a, &b, r);
}
END_TEST

/* Order > 0: xp_alloc_domheap_pages_bulk() (which carves a block at a
 * time where it can) against the same calls one by one, on random hosts
 * and histories, with domains confined to one node (where carving
 * applies), requests naming a node, and anything else; the states must
 * match after every request. XP_TEST_VERBOSE=1 prints the extents. */
START_TEST (test_orders)
{
  guint32 seed = 9000 + (guint32) _i;
  Host a, b;
  GRand *r = twins_new (seed, TRUE, &a, &b);
  guint steps = g_rand_int_range (r, 20, 300);
  history (&a, steps);
  history (&b, steps);
  guint64 total = 0;
  for (guint round = 0; round < 8; round++)
    {
      guint k = g_rand_int_range (r, 0, NDOMS);
      guint nn = a.t->n_nodes;
      if (!a.doms[k])
        continue;
      XpDomain *da = a.doms[k], *db = b.doms[k];
      if (g_rand_boolean (r))
        {
          XpNodemask m = (XpNodemask) 1 << g_rand_int_range (r, 0, nn);
          ck_assert_int_eq (xp_domain_set_node_affinity (a.xen, da, m), 0);
          ck_assert_int_eq (xp_domain_set_node_affinity (b.xen, db, m), 0);
        }
      static const guint orders[] = { 1, 2, 3, 4, 5, 9, 9 };
      guint o = orders[g_rand_int_range (r, 0, G_N_ELEMENTS (orders))];
      guint64 n = g_rand_int_range (r, 1, g_rand_boolean (r) ? 40 : 3000);
      guint mf = 0;
      switch (g_rand_int_range (r, 0, 6))
        {
        case 0: mf = XP_MEMF_node (g_rand_int_range (r, 0, nn)); break;
        case 1: mf = XP_MEMF_node (g_rand_int_range (r, 0, nn)) | XP_MEMF_exact_node; break;
        case 2: mf = XP_MEMF_no_refcount; break;
        case 3: mf = XP_MEMF_no_scrub | XP_MEMF_keep_scrub; break;
        default: break;
        }
      if (g_rand_int_range (r, 0, 5) == 0)
        {
          XpPages claim = da->tot_pages - da->extra_pages + g_rand_int_range (r, 1, 20000);
          xp_memory_claim_pages (a.xen, da->domid, claim);
          xp_memory_claim_pages (b.xen, db->domid, claim);
        }
      if (g_rand_int_range (r, 0, 4) == 0)
        {
          XpPages cap = da->tot_pages - da->extra_pages + g_rand_int_range (r, 0, 4000);
          ck_assert_uint_eq (xp_domain_set_max_mem (a.xen, da, cap * 4), 0);
          ck_assert_uint_eq (xp_domain_set_max_mem (b.xen, db, cap * 4), 0);
        }
      guint64 ga = 0;
      while (ga < n && xp_alloc_domheap_pages (a.xen, da, o, mf) != XP_INVALID_PFN)
        ga++;
      guint64 gb = xp_alloc_domheap_pages_bulk (b.xen, db, o, n, mf);
      ck_assert_msg (ga == gb, "seed %u round %u: %" G_GUINT64_FORMAT " extents by calls, %" G_GUINT64_FORMAT " in bulk",
                     seed, round, ga, gb);
      total += ga;
      assert_same (&a, &b, seed, round);
      steps = g_rand_int_range (r, 0, 40);
      history (&a, steps);
      history (&b, steps);
    }
  if (g_getenv ("XP_TEST_VERBOSE"))
    g_printerr ("seed %u: %" G_GUINT64_FORMAT " extents\n", seed, total);
  twins_free (&a, &b, r);
}
END_TEST

/* The pass-1 rotations of dirty heads are counted and done lazily: host A
 * moves each dirty head at once as upstream does (and has nothing
 * pending), host B counts them; the states (B does what it counted before
 * printing) must match throughout. */
START_TEST (test_lazy_rotation)
{
  guint32 seed = 11000 + (guint32) _i;
  Host a, b;
  GRand *r = twins_new (seed, TRUE, &a, &b);
  xp_heap_set_eager_rotation (a.xen, TRUE);
  for (guint round = 0; round < 6; round++)
    {
      guint steps = g_rand_int_range (r, 20, 120);
      history (&a, steps);
      history (&b, steps);
      assert_same (&a, &b, seed, round);
    }
  twins_free (&a, &b, r);
}
END_TEST

/* A run freed as a whole (per aligned block of its decomposition) ends
 * exactly as freeing its blocks one at a time, the last handed out first,
 * does: on host A every domain's memory and pool go back one block per
 * call (after the scrub catch-up relinquish does first), on host B through
 * domain_relinquish_resources(); the states must match after each domain.
 * XP_TEST_VERBOSE=1 prints how many runs each seed freed. */
START_TEST (test_run_free)
{
  guint32 seed = 7000 + (guint32) _i;
  Host a, b;
  GRand *r = twins_new (seed, TRUE, &a, &b);
  guint steps = g_rand_int_range (r, 100, 400);
  history (&a, steps);
  history (&b, steps);
  assert_same (&a, &b, seed, 0);
  guint runs = 0;
  for (guint k = 0; k < NDOMS; k++)
    {
      XpDomain *da = a.doms[k], *db = b.doms[k];
      if (!da)
        continue;
      da->dying = db->dying = TRUE;
      xp_heap_scrub_advance (a.xen);
      GArray *arrs[2] = { da->memory, da->paging_pool };
      for (guint x = 0; x < 2; x++)
        {
          for (guint i = 0; i < arrs[x]->len; i++)
            {
              XpExtent e = g_array_index (arrs[x], XpExtent, i);
              runs += e.count > (G_GUINT64_CONSTANT (1) << e.order);
            }
          while (arrs[x]->len)
            {
              XpExtent e = g_array_index (arrs[x], XpExtent, arrs[x]->len - 1);
              xp_free_domheap_pages (a.xen, da, e.pfn, e.order);
            }
        }
      xp_domain_relinquish_memory (b.xen, db);
      da->dying = db->dying = FALSE;
      assert_same (&a, &b, seed, k + 1);
    }
  if (g_getenv ("XP_TEST_VERBOSE"))
    g_printerr ("seed %u: %u runs freed\n", seed, runs);
  twins_free (&a, &b, r);
}
END_TEST

/* A dirty carve by hand (4.17, all memory dirty from boot, no scrubbing):
 * node 0 = pfns [0, 4096) with one block per zone (zone 12 = 2048/o11),
 * node 1 = 4096/o12. D1 and D2 take order-8 blocks of node 0 in turn;
 * every list they touch holds one block (nothing moves in pass 1), so the
 * o11 block goes top down: D1 3840, 3328, 2816, 2304 and D2 3584, 3072,
 * 2560, 2048. D1's relinquish frees 2304, 2816, 3328, 3840 (last handed
 * out first, each buddy still D2's): list (0, 12, 8) = [2304 2816 3328
 * 3840], all dirty.
 * D3 (affinity {0}) asks for six order-1 extents. Call 1: pass 1 fails
 * everywhere and moves the head of the only list of more than one block,
 * (0, 12, 8): [2816 3328 3840 2304]; pass 2 takes 2816 and splits it:
 * unit [3070, 3072), halves of orders 7..1 alone on their lists. Calls
 * 2-6 take the o1 half below each time (3068 .. 3060), and each pass 1
 * moves the o8 list's head again: 5 more moves of a list of three,
 * [3328 3840 2304] -> [2304 3328 3840]. So the next order-8 request's
 * pass 1 moves it once more and pass 2 takes 3328 (without the five
 * moves: 3840). All 12 pages handed out were dirty and are zeroed. Then
 * whole blocks in bulk: a clean head, then every other dirty one. */
START_TEST (test_dirty_carve)
{
  XpTopology *t = small_topo (2, (const XpPages[]) { 4096, 4096 });
  const char *const params[] = { "mmio_hole=0", "boot_dirty=1", "scrub_rate=0", NULL };
  XpXen *a = xp_test_xen (t, "4.17", NULL, params);
  XpXen *b = xp_test_xen (t, "4.17", NULL, params);
  XpXen *x[2] = { a, b };
  XpDomain *d3[2];
  guint exact0 = XP_MEMF_node (0) | XP_MEMF_exact_node;
  for (guint h = 0; h < 2; h++)
    {
      XpDomain *d1 = xp_test_domain (x[h], 1, 5000), *d2 = xp_test_domain (x[h], 1, 5000);
      for (guint i = 0; i < 8; i++)
        ck_assert_uint_eq (xp_alloc_domheap_pages (x[h], i % 2 ? d2 : d1, 8, exact0),
                           4096 - 256 * (i + 1));
      d1->dying = TRUE;
      xp_domain_relinquish_memory (x[h], d1);
      d3[h] = xp_test_domain (x[h], 1, 5000);
      ck_assert_int_eq (xp_domain_set_node_affinity (x[h], d3[h], xp_nodemask_of (0)), 0);
    }
  XpPages dirty0 = xp_heap_node_need_scrub (b, 0), zeroed = xp_heap_alloc_scrubbed_pages (b);
  for (guint i = 0; i < 6; i++)
    ck_assert_uint_eq (xp_alloc_domheap_pages (a, d3[0], 1, 0), 3070 - 2 * i);
  ck_assert_uint_eq (xp_alloc_domheap_pages_bulk (b, d3[1], 1, 6, 0), 6);
  g_autofree char *sa = state_of (a), *sb = state_of (b);
  ck_assert_str_eq (sa, sb);
  /* six units top down from one block: one run of 12 pages */
  ck_assert_uint_eq (d3[1]->memory->len, 1);
  ck_assert_uint_eq (g_array_index (d3[1]->memory, XpExtent, 0).pfn, 3060);
  ck_assert_uint_eq (g_array_index (d3[1]->memory, XpExtent, 0).count, 12);
  ck_assert_uint_eq (g_array_index (d3[1]->memory, XpExtent, 0).order, 1);
  ck_assert_uint_eq (xp_heap_node_need_scrub (b, 0), dirty0 - 12);
  ck_assert_uint_eq (xp_heap_alloc_scrubbed_pages (b), zeroed + 12);
  ck_assert_uint_eq (xp_alloc_domheap_pages (a, d3[0], 8, 0), 3328);
  ck_assert_uint_eq (xp_alloc_domheap_pages (b, d3[1], 8, 0), 3328);
  /* Whole blocks from a list of dirty ones: the 3328 call left [3840
   * 2304]. D2 (not dying) gives 3072 back clean, to the head (its buddy
   * 3328 is D3's): [3072 3840 2304]. Pass 1 takes 3072; the next call's
   * pass 1 fails and moves 3840 to the tail, pass 2 takes 2304; the next
   * finds [3840] alone and takes it. */
  for (guint h = 0; h < 2; h++)
    xp_free_domheap_pages (x[h], xp_xen_domain (x[h], d3[h]->domid - 1), 3072, 8);
  static const guint64 want[] = { 3072, 2304, 3840 };
  for (guint i = 0; i < 3; i++)
    ck_assert_uint_eq (xp_alloc_domheap_pages (a, d3[0], 8, 0), want[i]);
  ck_assert_uint_eq (xp_alloc_domheap_pages_bulk (b, d3[1], 8, 3, 0), 3);
  for (guint i = 0; i < 3; i++)
    ck_assert_uint_eq (g_array_index (d3[1]->memory, XpExtent, d3[1]->memory->len - 3 + i).pfn, want[i]);
  same_then_free (a, b, t);
}
END_TEST

/* More pages than one bulk step takes (65536): two nodes of 40000 pages,
 * some of them handed out and freed first; 75000 pages with automatic
 * affinity cross the step boundary in the middle of the round robin, and
 * a request for more than is left stops where the calls stop. */
START_TEST (test_chunks)
{
  XpTopology *t = small_topo (2, (const XpPages[]) { 40000, 40000 });
  const char *const params[] = { "mmio_hole=0", NULL };
  XpXen *a = xp_test_xen (t, "4.22", NULL, params);
  XpXen *b = xp_test_xen (t, "4.22", NULL, params);
  XpDomain *da = xp_test_domain (a, 1, 200000), *db = xp_test_domain (b, 1, 200000);
  for (guint i = 0; i < 40; i++)
    {
      ck_assert_uint_eq (xp_populate_physmap (a, da, 1, i % 3 ? XP_ORDER_4K : XP_ORDER_2M, 0), 1);
      ck_assert_uint_eq (xp_populate_physmap (b, db, 1, i % 3 ? XP_ORDER_4K : XP_ORDER_2M, 0), 1);
    }
  for (guint i = 0; i < 10; i++)
    {
      XpExtent e = g_array_index (da->memory, XpExtent, MIN (3 * i, da->memory->len - 1));
      if (!e.count)
        continue;
      xp_free_domheap_pages (a, da, e.pfn, e.order);
      xp_free_domheap_pages (b, db, e.pfn, e.order);
    }
  ck_assert_uint_eq (seq0 (a, da, 75000, 0), 75000);
  ck_assert_uint_eq (xp_alloc_domheap_pages_bulk0 (b, db, 75000, 0), 75000);
  g_autofree char *sa = state_of (a), *sb = state_of (b);
  ck_assert_str_eq (sa, sb);
  XpPages left = xp_heap_total_avail (a);
  ck_assert_uint_gt (left, 0);
  ck_assert_uint_eq (seq0 (a, da, left + 5, XP_MEMF_no_refcount), left);
  ck_assert_uint_eq (xp_alloc_domheap_pages_bulk0 (b, db, left + 5, XP_MEMF_no_refcount), left);
  same_then_free (a, b, t);
}
END_TEST

Suite *
xp_test_bulk_suite (void)
{
  Suite *s = suite_create ("bulk");
  TCase *tc = tcase_create ("bulk0");
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_worked_example);
  tcase_add_test (tc, test_chunks);
  tcase_add_loop_test (tc, test_random_equivalence, 0, 300);
  tcase_add_loop_test (tc, test_callers, 0, 60);
  tcase_add_loop_test (tc, test_run_free, 0, 60);
  tcase_add_loop_test (tc, test_orders, 0, 150);
  tcase_add_loop_test (tc, test_lazy_rotation, 0, 60);
  tcase_add_test (tc, test_dirty_carve);
  suite_add_tcase (s, tc);
  return s;
}
