/* xenplace — allocator micro-benchmark (`make bench`, then bench/bench_alloc).
 *
 * A 4-node host of 64 GiB per node (16 CPUs each), Xen 4.22 rules. One
 * domain with automatic affinity over all nodes allocates and frees extents
 * through alloc_domheap_pages()/free_domheap_pages() in a random walk (fixed
 * seed) that keeps the heap between 40 % and 80 % used, so blocks split and
 * merge all the time. Prints extent operations per second for a 1 GiB, a
 * 2 MiB, a 4 KiB and a mixed workload, on one core; then a start storm of
 * whole domain builds and destroys (the simulator's real access pattern).
 *
 *   bench/bench_alloc [OPS_PER_MIX] [SEED] [1G|2M|4K|mixed|storm]
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "sim/xen/xen.h"
#include "sim/event.h"

#define NODES 4
#define CPUS_PER_NODE 16
#define GIB_PER_NODE 64

static XpTopology *
make_topo (void)
{
  XpTopology *t = g_new0 (XpTopology, 1);
  t->name = g_strdup ("bench-4n");
  t->n_nodes = NODES;
  t->nodes = g_new0 (XpNode, NODES);
  t->n_cpus = NODES * CPUS_PER_NODE;
  t->cpus = g_new0 (XpCpu, t->n_cpus);
  t->n_sockets = NODES;
  t->distance = g_new (guint, NODES * NODES);
  for (guint i = 0; i < NODES; i++)
    {
      t->nodes[i].id = i;
      t->nodes[i].memory_bytes = (guint64) GIB_PER_NODE << 30;
      t->nodes[i].n_cpus = CPUS_PER_NODE;
      t->nodes[i].n_cores = CPUS_PER_NODE;
      t->nodes[i].cpus = g_new (guint, CPUS_PER_NODE);
      for (guint c = 0; c < CPUS_PER_NODE; c++)
        {
          guint id = i * CPUS_PER_NODE + c;
          t->nodes[i].cpus[c] = id;
          t->cpus[id] = (XpCpu) { .id = id, .node = i, .socket = i, .core = id };
        }
      for (guint j = 0; j < NODES; j++)
        t->distance[i * NODES + j] = i == j ? 10 : 21;
    }
  return t;
}

static void
free_topo (XpTopology *t)
{
  for (guint i = 0; i < t->n_nodes; i++)
    g_free (t->nodes[i].cpus);
  g_free (t->nodes);
  g_free (t->cpus);
  g_free (t->distance);
  g_free (t->name);
  g_free (t);
}

typedef struct {
  guint64 pfn;
  guint order;
} Live;

/* xorshift64*: the benchmark measures the allocator, not GRand. */
typedef struct {
  guint64 s;
} Rng;

static inline guint64
rng_next (Rng *r)
{
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return r->s * G_GUINT64_CONSTANT (2685821657736338717);
}

static inline guint
rng_below (Rng *r, guint n)
{
  return (guint) (((rng_next (r) >> 32) * n) >> 32);
}

/* CPU time of this process: the host may be shared, wall time would count
 * other processes' time slices. */
static double
cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct {
  const char *name;
  guint pct_1g, pct_2m;   /* rest is 4 KiB */
} Mix;

static void
run_mix (const XpTopology *t, const Mix *mix, guint64 ops, guint32 seed)
{
  XpXenBehaviour b;
  XpXenParams p;
  xp_xen_behaviour_init (&b, "4.22", NULL);
  xp_xen_params_init_defaults (&p);
  GError *err = NULL;
  XpXen *xen = xp_xen_new (t, &b, &p, NULL, &err);
  if (!xen)
    {
      fprintf (stderr, "bench_alloc: %s\n", err->message);
      exit (1);
    }
  XpDomainConfig cfg = { .type = XP_DOMAIN_HVM, .max_vcpus = 4 };
  XpDomain *d = NULL;
  xp_domain_create (xen, &cfg, &d);
  xp_domain_max_vcpus (xen, d, 4);
  d->max_pages = G_MAXUINT32;
  xp_domain_unpause (xen, d);   /* construction over: no deferred scrub */

  /* Water marks: 40 % / 80 % of the heap, at most 400k / 800k live extents
   * (the 4 KiB mix would otherwise keep tens of millions of records). */
  XpPages total = xp_heap_total_avail (xen);
  double avg = mix->pct_1g / 100.0 * (1 << 18) + mix->pct_2m / 100.0 * (1 << 9)
    + (100 - mix->pct_1g - mix->pct_2m) / 100.0;
  XpPages lo = MIN (total * 4 / 10, (XpPages) (400000 * avg));
  XpPages hi = MIN (total * 8 / 10, (XpPages) (800000 * avg));
  Rng rng = { G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) ^ seed };
  GArray *live = g_array_sized_new (FALSE, FALSE, sizeof (Live), 1 << 20);
  XpPages used = 0;
  guint64 allocs = 0, frees = 0, failed = 0;

  /* warm up to the low-water mark first (not timed) */
  while (used < lo)
    {
      guint r = rng_below (&rng, 100);
      guint order = r < mix->pct_1g ? XP_ORDER_1G : r < mix->pct_1g + mix->pct_2m ? XP_ORDER_2M : XP_ORDER_4K;
      guint64 pfn = xp_alloc_domheap_pages (xen, d, order, 0);
      if (pfn == XP_INVALID_PFN)
        break;
      g_array_append_val (live, ((Live) { pfn, order }));
      used += G_GUINT64_CONSTANT (1) << order;
    }

  gint64 t0 = g_get_monotonic_time ();
  double c0 = cpu_seconds ();
  for (guint64 i = 0; i < ops; i++)
    {
      gboolean do_alloc = used < lo || (used < hi && (rng_next (&rng) >> 63));
      if (do_alloc || live->len == 0)
        {
          guint r = rng_below (&rng, 100);
          guint order = r < mix->pct_1g ? XP_ORDER_1G : r < mix->pct_1g + mix->pct_2m ? XP_ORDER_2M : XP_ORDER_4K;
          guint64 pfn = xp_alloc_domheap_pages (xen, d, order, 0);
          if (pfn == XP_INVALID_PFN)
            {
              failed++;
              continue;
            }
          g_array_append_val (live, ((Live) { pfn, order }));
          used += G_GUINT64_CONSTANT (1) << order;
          allocs++;
        }
      else
        {
          guint k = rng_below (&rng, live->len);
          Live v = g_array_index (live, Live, k);
          g_array_index (live, Live, k) = g_array_index (live, Live, live->len - 1);
          g_array_set_size (live, live->len - 1);
          xp_free_domheap_pages (xen, d, v.pfn, v.order);
          used -= G_GUINT64_CONSTANT (1) << v.order;
          frees++;
        }
    }
  double secs = cpu_seconds () - c0;
  double wall = (g_get_monotonic_time () - t0) / 1e6;
  g_autoptr (GString) why = g_string_new (NULL);
  gboolean ok = xp_heap_check_invariants (xen, why);
  printf ("%-6s ops=%" G_GUINT64_FORMAT " allocs=%" G_GUINT64_FORMAT " frees=%" G_GUINT64_FORMAT
          " failed=%" G_GUINT64_FORMAT " cpu=%.3fs wall=%.3fs  %.1f M extent ops/s  %.1f M allocs/s  live=%u%s\n",
          mix->name, ops, allocs, frees, failed, secs, wall, (allocs + frees) / secs / 1e6, allocs / secs / 1e6,
          live->len, ok ? "" : "  INVARIANTS BROKEN");
  if (!ok)
    fprintf (stderr, "%s", why->str);
  g_array_free (live, TRUE);
  xp_xen_free (xen);
}

/* populate_physmap() calls shaped like meminit_hvm(): per GiB one 1 GiB
 * attempt, else 2 MiB extents in groups of four, else 4 KiB; returns the
 * extents placed. */
static guint64
populate_like_xl (XpXen *xen, XpDomain *d, XpPages pages)
{
  guint64 extents = 0;
  XpPages cur = 0;
  while (cur < pages)
    {
      XpPages count = MIN (pages - cur, (XpPages) 1 << 18);
      if (count == (1 << 18) && xp_populate_physmap (xen, d, 1, XP_ORDER_1G, 0) == 1)
        {
          cur += count;
          extents++;
          continue;
        }
      while (count)
        {
          XpPages group = MIN (count, (XpPages) 4 << 9);
          guint64 done = group >= 512 ? xp_populate_physmap (xen, d, group >> 9, XP_ORDER_2M, 0) : 0;
          XpPages rest = group - (done << 9);
          guint64 small = rest ? xp_populate_physmap (xen, d, rest, XP_ORDER_4K, 0) : 0;
          extents += done + small;
          if (small < rest)
            return extents;      /* out of memory */
          cur += group;
          count -= group;
        }
    }
  return extents;
}

static void
noop_event (XpEventQueue *q, gpointer a, gpointer b)
{
}

/* Extents (calls' worth of blocks) an owner array holds: a run of blocks
 * handed out one by one is one extent per block. */
static guint64
extents_in (const GArray *arr)
{
  guint64 n = 0;
  for (guint i = 0; i < arr->len; i++)
    {
      const XpExtent *e = &g_array_index (arr, XpExtent, i);
      n += e->count >> e->order;
    }
  return n;
}

/* A start storm: domains of 1..16 GiB (plus a few MiB, so that 2 MiB and
 * 4 KiB tails occur) are claimed, populated like xl does, unpaused; when
 * less than a quarter of the host is free the oldest ones are destroyed
 * (their memory comes back dirty and is scrubbed as simulated time, 20 ms
 * per build, passes). Counts extents allocated plus extents freed. */
static void
run_storm (const XpTopology *t, guint64 ops, guint32 seed)
{
  XpXenBehaviour b;
  XpXenParams p;
  xp_xen_behaviour_init (&b, "4.22", NULL);
  xp_xen_params_init_defaults (&p);
  XpEventQueue *q = xp_event_queue_new ();
  GError *err = NULL;
  XpXen *xen = xp_xen_new (t, &b, &p, q, &err);
  if (!xen)
    {
      fprintf (stderr, "bench_alloc: %s\n", err->message);
      exit (1);
    }
  Rng rng = { G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) ^ seed };
  GQueue running = G_QUEUE_INIT;
  XpPages total = xp_heap_total_avail (xen);
  guint64 extents = 0, freed = 0, builds = 0;
  XpTime now = 0;
  double c0 = cpu_seconds ();
  while (extents + freed < ops)
    {
      while (xp_heap_total_avail (xen) < total / 4 && !g_queue_is_empty (&running))
        {
          XpDomain *old = g_queue_pop_head (&running);
          freed += extents_in (old->memory) + extents_in (old->paging_pool);
          xp_domain_destroy (xen, old);
        }
      XpPages size = ((XpPages) 1 << rng_below (&rng, 5)) * XP_PAGES_PER_GIB + rng_below (&rng, 64) * 256 + 3;
      XpDomainConfig cfg = { .type = XP_DOMAIN_HVM, .max_vcpus = 4 };
      XpDomain *d = NULL;
      if (xp_domain_create (xen, &cfg, &d) < 0)
        break;
      xp_domain_max_vcpus (xen, d, 4);
      d->max_pages = size + 256;
      xp_domain_set_paging_mempool (xen, d, 1024 + size / 256);
      extents += extents_in (d->paging_pool);
      if (xp_domain_set_outstanding_pages (xen, d, size) == 0)
        {
          extents += populate_like_xl (xen, d, size);
          xp_domain_set_outstanding_pages (xen, d, 0);
        }
      xp_domain_unpause (xen, d);
      g_queue_push_tail (&running, d);
      builds++;
      now += 20 * XP_NSEC_PER_MSEC;
      xp_event_schedule (q, now, noop_event, NULL, NULL);
      xp_event_run_until (q, now);
    }
  double secs = cpu_seconds () - c0;
  g_autoptr (GString) why = g_string_new (NULL);
  gboolean ok = xp_heap_check_invariants (xen, why);
  printf ("%-6s builds=%" G_GUINT64_FORMAT " extents=%" G_GUINT64_FORMAT " freed=%" G_GUINT64_FORMAT
          " cpu=%.3fs  %.1f M extent ops/s  (allocator scrubbed %" G_GUINT64_FORMAT " pages, background %"
          G_GUINT64_FORMAT ")%s\n",
          "storm", builds, extents, freed, secs, (extents + freed) / secs / 1e6,
          xp_heap_alloc_scrubbed_pages (xen), xp_heap_background_scrubbed_pages (xen),
          ok ? "" : "  INVARIANTS BROKEN");
  g_queue_clear (&running);
  xp_xen_free (xen);
  xp_event_queue_free (q);
}

int
main (int argc, char **argv)
{
  guint64 ops = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 10000000;
  guint32 seed = argc > 2 ? (guint32) g_ascii_strtoull (argv[2], NULL, 10) : 1;
  static const Mix mixes[] = {
    { "1G", 100, 0 },
    { "2M", 0, 100 },
    { "4K", 0, 0 },
    { "mixed", 5, 35 },
  };
  XpTopology *t = make_topo ();
  printf ("bench_alloc: %u nodes x %u GiB, Xen 4.22 rules, seed %u, one core\n", NODES, GIB_PER_NODE, seed);
  const char *only = argc > 3 ? argv[3] : NULL;
  for (guint i = 0; i < G_N_ELEMENTS (mixes); i++)
    if (!only || !strcmp (only, mixes[i].name))
      run_mix (t, &mixes[i], ops, seed);
  if (!only || !strcmp (only, "storm"))
    run_storm (t, ops, seed);
  free_topo (t);
  return 0;
}
