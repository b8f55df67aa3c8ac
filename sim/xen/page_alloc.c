/* xenplace — model of xen/common/page_alloc.c: buddy heap, scrubbing, claims.
 *
 * The heap is represented by blocks, never by pages. Every naturally aligned
 * block that is free (on a free list) or handed out (owned by a domain, by a
 * paging pool or anonymous) has one record in a pooled array; a hash keyed by
 * the block's first pfn finds the buddy of a block being freed. There is a
 * free list per (node, zone, order), kept in chunks of record indices (see
 * "free lists"), and a per-(node, zone) bitmap of non-empty orders lets the
 * search skip empty lists.
 *
 * Dirty (need_scrub) pages: every free block carries its exact count of
 * dirty pages. A block is clean (0), wholly dirty (its size: what a dying
 * domain's frees produce) or partly dirty; only partly dirty blocks (clean
 * and dirty halves merged, or a block scrubbed half-way) keep their dirty
 * pages as pfn runs in a per-node ordered set, so the common paths never
 * touch that set. Upstream keeps a per-page bit and a first_dirty index; the
 * counts are the same without per-page work.
 *
 * Blocks a domain gets one after another from the top of one buddy block
 * down (4 KiB pages of a paging pool or populate, 2 MiB extents of a
 * build) are one used record, one hash entry and one extent: a run (see
 * "what a domain owns"). Freeing a run goes per aligned block of its
 * binary decomposition, with exactly the outcome of the frees one by one.
 * Runs of calls go through xp_alloc_domheap_pages_bulk0() (order 0) and
 * xp_alloc_domheap_pages_bulk() (order > 0), which end in exactly the state
 * the single calls would leave but work a buddy block at a time (the
 * arguments are above each: carve_below(), take_heads()). The pass-1
 * scan's moves of dirty heads to the tail are counted and done lazily (see
 * "free lists"). Heads on a 2 MiB boundary are found through a direct
 * table, the others through a hash that places the eight pfns of an
 * aligned group in one group of slots; both say whether the block headed
 * there is free and of which order (the hash as a hint, see free_hint()),
 * so a free's buddy check mostly ends without reading a record.
 *
 * Simplifications, and what they cost:
 * - no Xen heap / boot allocator distinction, no offlining, no LLC colouring,
 *   no static memory: none of them moves guest pages between nodes;
 * - no scrub/allocation handshake: background scrubbing is computed lazily
 *   as a function of time (xp_heap_scrub_advance()), a block is scrubbed
 *   or allocated atomically;
 * - a block counts as dirty exactly when it holds a dirty page. Upstream's
 *   split marks the upper half dirty from its first page whenever the
 *   original first_dirty lay in the lower half, so after splitting a
 *   partly dirty block upstream may call a clean remainder dirty (and skip
 *   it in pass 1 of an order > 0 request) where the model does not; only
 *   blocks that merged clean and dirty halves can be affected;
 * - without a domain and without a node (anonymous allocations) the search
 *   starts at the lowest node instead of the current CPU's node;
 * - a dirty page handed out counts as zeroed at once (the time it takes is
 *   reported through xp_heap_last_alloc_dirty_pages() for the caller to
 *   charge; 4.22's deferred scrub inside populate_physmap() is folded in).
 */
#include "config.h"
#include "sim/xen/xen.h"

#define NR_ZONES 41                    /* PADDR_BITS - PAGE_SHIFT + 1 */
#define NIL G_MAXUINT32
#define HASH_EMPTY G_MAXUINT64

typedef enum {
  BLK_UNUSED,
  BLK_FREE,
  BLK_USED,
} BlkState;

typedef enum {
  OWN_ANON,                            /* d == NULL (Xen itself) */
  OWN_MEMORY,                          /* assigned to a domain (d->memory) */
  OWN_POOL,                            /* MEMF_no_owner on behalf of a domain (d->paging_pool) */
} BlkOwner;

typedef struct {
  guint64 key;                         /* block head pfn, HASH_EMPTY when free */
  guint32 val;                         /* record index */
  guint8 free_hint;                    /* see free_hint() */
} HEnt;

/* 32 bytes: two records per cache line. */
typedef struct {
  guint64 pfn;
  guint32 chunk;                       /* free blocks: the chunk of their list holding them */
  guint32 next_rec;                    /* unused records: the next one on the record free list */
  union {
    guint32 n_dirty;                   /* free blocks: dirty pages inside (<= 2^20) */
    guint32 owner_idx;                 /* used blocks: index in the owner's memory / paging_pool array */
  };
  guint32 pages;                       /* used records: 2^order, or the length of a run */
  guint16 owner_id;                    /* used blocks: the owner's domid, OWNER_NONE without one */
  guint8 order, node, zone, state, kind, extra;
} Blk;

#define OWNER_NONE G_MAXUINT16
G_STATIC_ASSERT (sizeof (Blk) == 32);

/* A piece of a free list, one cache line (see "free lists"). */
#define CHUNK_CAP 15
typedef struct {
  guint32 e[CHUNK_CAP];                /* record indices, in list order */
  guint16 n;                           /* entries used; free chunks: 0, e[0] links them */
  guint16 dirty;                       /* bit k: entry k's block holds dirty pages */
} Chunk;
G_STATIC_ASSERT (sizeof (Chunk) == 64);

/* A free list's chunks in order, and where its head is. */
typedef struct {
  guint32 *ids;                        /* chunk indices */
  guint32 len, cap;
  guint32 hc, ho;                      /* head: ids[hc], entry ho */
  guint32 hchunk, pchunk;              /* ids[hc] and the chunk before it */
  guint32 head;                        /* the record at (hc, ho), NIL when empty: a copy for the
                                        * readers, set by list_fix_head() only */
  guint32 n_dirty;                     /* dirty blocks on the list */
} Spine;

struct XpHeap {
  XpXen *xen;                          /* for the owners of blocks (by domid) */
  guint n_nodes;
  guint max_order;
  guint n_orders;                      /* max_order + 1 */

  Blk *blk;
  guint32 n_blk, cap_blk, free_rec;

  /* Block heads on a 2 MiB boundary (every block of order >= 9 and most
   * runs of them) are found through a direct table indexed by pfn >>
   * GRAIN: gmap, the record, and gfree, the order of the free block
   * headed there plus one (0 when none), so the buddy check of a free of
   * order >= 9 reads one byte of a small array instead of a hash slot and
   * a record. Every other head goes through the hash. */
  guint32 *gmap;
  guint8 *gfree;
  guint64 gmap_len;

  /* open addressing, linear probing, keyed by block head pfn */
  HEnt *hash;
  guint64 hmask;
  guint hshift;                        /* 64 - log2(table size) */
  guint64 hcount;

  Spine *spine;                        /* [node][zone][order] */
  Chunk *chunk;                        /* the pool of list chunks */
  guint32 n_chunk, cap_chunk, free_chunk;
  guint32 *count;                      /* [node][zone][order]: blocks on the list */
  guint32 *order_mask;                 /* [node][zone]: bit j set when list j is non-empty */
  guint32 *clean_mask;                 /* [node][zone]: bit j set when list j's head is clean */
  guint32 *dirty_mask;                 /* [node][zone]: bit j set when list j holds a dirty block */
  guint64 *rot;                        /* [node][zone][order]: moves of the dirty head to the tail
                                        * not yet done (only while every block is dirty) */
  gboolean eager_rotation;             /* tests: rotate at once, block by block, as upstream */
  XpPages *avail;                      /* [node][zone] */

  XpPages *node_avail;
  XpPages *node_need_scrub;
  XpPages *node_pages;                 /* handed to the heap */
  XpPages *node_used;                  /* handed out */
  XpPages *node_anon;                  /* handed out to nobody (Xen, paging pools) */
  XpPages *node_claims;                /* node-claims what-if */
  guint64 *node_start, *node_end;      /* spanned pfn range */
  guint *zone_lo, *zone_hi;            /* zones the node's memory touches */
  XpPages total_avail;
  XpPages outstanding_claims;

  GTree **dirty;                       /* per node: run start pfn -> run end pfn */

  /* background scrubbing */
  XpTime *scrub_last;
  unsigned __int128 *scrub_acc;        /* byte-nanoseconds/s carried below one page */
  gboolean *idle;
  guint *scrubbed_by;                  /* node whose idle CPUs scrub this node */
  XpPages total_need_scrub;
  XpTime scrub_seen;                   /* time of the last xp_heap_scrub_advance() */
  XpTime clean_at;                     /* last time it saw no dirty page anywhere */
  XpPages alloc_scrubbed, last_alloc_dirty, bg_scrubbed;

  /* what the last alloc_domheap_pages() took its block from (see
   * carve_below()): set by alloc_heap(), cleared when not usable */
  gboolean scan_mutated_above;         /* the scan moved a dirty head in a zone above the one it
                                        * took from, on the node it succeeded on */
  gboolean scan_at_start;              /* the scan succeeded on the walk's first node */
  guint scan_start;                    /* the walk's first node */
  gboolean src_direct;                 /* later calls of the request may be carved */
  gboolean src_dirty;                  /* the block was wholly dirty */
  gboolean src_pass1_failed;           /* ... found by pass 2 after pass 1 failed everywhere */
  gboolean src_after_failed;           /* ... found by pass 1 after it failed on other nodes or
                                        * on the zones above, moving dirty heads */
  guint src_start;                     /* the walk's first node */
  guint64 src_head;
  guint src_order, src_node, src_zone, src_zone_lo, src_zone_hi;
};

/* ---- small helpers ---------------------------------------------------- */

static inline guint
pfn_zone (guint64 pfn)
{
  return pfn ? 64 - (guint) __builtin_clzll (pfn) : 0;
}

static inline gsize
lidx (const XpHeap *h, guint node, guint zone, guint order)
{
  return ((gsize) node * NR_ZONES + zone) * h->n_orders + order;
}

/* Free lists in all: [node][zone][order]. */
static inline gsize
n_lists (const XpHeap *h)
{
  return (gsize) h->n_nodes * NR_ZONES * h->n_orders;
}

static inline gsize
zidx (guint node, guint zone)
{
  return (gsize) node * NR_ZONES + zone;
}

guint
xp_heap_pfn_to_node (const XpXen *xen, guint64 pfn)
{
  const XpHeap *h = xen->heap;
  guint lo = 0, hi = h->n_nodes;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (pfn < h->node_start[mid])
        hi = mid;
      else if (pfn >= h->node_end[mid])
        lo = mid + 1;
      else
        return mid;
    }
  return XP_NO_NODE;
}

/* ---- block records ------------------------------------------------------ */

static inline XpDomain *
blk_owner (const XpHeap *h, const Blk *b)
{
  return b->owner_id == OWNER_NONE ? NULL : h->xen->domain_by_id[b->owner_id];
}

static guint32
blk_new (XpHeap *h)
{
  if (h->free_rec != NIL)
    {
      guint32 i = h->free_rec;
      h->free_rec = h->blk[i].next_rec;
      return i;
    }
  if (h->n_blk == h->cap_blk)
    {
      h->cap_blk = h->cap_blk ? h->cap_blk * 2 : 1024;
      h->blk = g_renew (Blk, h->blk, h->cap_blk);
    }
  h->blk[h->n_blk].state = BLK_UNUSED;   /* hash_put() reads it (free_hint()) */
  return h->n_blk++;
}

static void
blk_release (XpHeap *h, guint32 i)
{
  h->blk[i].state = BLK_UNUSED;
  h->blk[i].next_rec = h->free_rec;
  h->free_rec = i;
}

/* ---- pfn hash ------------------------------------------------------------ */

/* log2 of the run of neighbouring pfns that share a group of slots */
#define HGROUP 3

#define GRAIN 9                        /* 2 MiB */
#define GRAIN_MASK ((G_GUINT64_CONSTANT (1) << GRAIN) - 1)
/* Both tables hold 0 for "nothing here" (record + 1, order + 1), so they
 * start as untouched zero pages: only the parts of a host where blocks
 * were split to 2 MiB cost memory. */

static inline gboolean
in_gmap (const XpHeap *h, guint64 pfn)
{
  return !(pfn & GRAIN_MASK) && (pfn >> GRAIN) < h->gmap_len;
}

static inline guint64
hslot (const XpHeap *h, guint64 pfn)
{
  /* Fibonacci hashing (the top bits of the product) of pfn / 2^HGROUP,
   * then the low pfn bits flip the low slot bits: the 2^HGROUP pfns of an
   * aligned run share one aligned group of slots (two cache lines), so
   * pages handed out or freed one after another do not miss the cache on
   * every access, while aligned block heads (low bits 0) still spread
   * over the whole table. */
  guint64 t = ((pfn >> HGROUP) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> h->hshift;
  return t ^ (pfn & ((1u << HGROUP) - 1));
}

static void hash_put (XpHeap *h, guint64 pfn, guint32 v);

/* A hash entry's free_hint is the order + 1 of the free block its record
 * is, or 0; it is set whenever an entry is written and whenever a record
 * goes on a free list (list_add()), but not cleared when the block is
 * handed out. So it may claim a free block where there is none any more,
 * but never misses one: a buddy check that finds the wrong hint stops
 * without reading the record, which would mostly be a cache miss (the
 * usual end of a free's climb is a buddy that is in use). */
static inline guint8
free_hint (const XpHeap *h, guint32 v)
{
  return h->blk[v].state == BLK_FREE ? (guint8) (h->blk[v].order + 1) : 0;
}

/* The hash entry of @pfn (not a 2 MiB head), or NULL. */
static inline HEnt *
hash_entry (const XpHeap *h, guint64 pfn)
{
  guint64 s = hslot (h, pfn);
  while (h->hash[s].key != HASH_EMPTY)
    {
      if (h->hash[s].key == pfn)
        return &h->hash[s];
      s = (s + 1) & h->hmask;
    }
  return NULL;
}

/* Record @i went on a free list: its entry, if it has one yet, says so. */
static inline void
hash_hint_free (XpHeap *h, guint64 pfn, guint32 i)
{
  HEnt *e = hash_entry (h, pfn);
  if (e && e->val == i)
    e->free_hint = free_hint (h, i);
}

/* The record of the free block of @order at @pfn (not a 2 MiB head), or
 * NIL when the entry's hint rules it out. The caller still checks the
 * record: the hint may be stale. */
static inline guint32
hash_find_free (const XpHeap *h, guint64 pfn, guint order)
{
  const HEnt *e = hash_entry (h, pfn);
  return e && e->free_hint == order + 1 ? e->val : NIL;
}

static void
hash_grow (XpHeap *h)
{
  guint64 old_n = h->hmask + 1;
  HEnt *old = h->hash;
  guint64 n = old_n * 2;
  h->hash = g_new (HEnt, n);
  for (guint64 i = 0; i < n; i++)
    h->hash[i].key = HASH_EMPTY;
  h->hmask = n - 1;
  h->hshift--;
  h->hcount = 0;
  for (guint64 i = 0; i < old_n; i++)
    if (old[i].key != HASH_EMPTY)
      hash_put (h, old[i].key, old[i].val);
  g_free (old);
}

static void
hash_put (XpHeap *h, guint64 pfn, guint32 v)
{
  if (in_gmap (h, pfn))
    {
      h->gmap[pfn >> GRAIN] = v + 1;
      return;
    }
  if ((h->hcount + 1) * 2 > h->hmask + 1)
    hash_grow (h);
  guint64 s = hslot (h, pfn);
  while (h->hash[s].key != HASH_EMPTY && h->hash[s].key != pfn)
    s = (s + 1) & h->hmask;
  if (h->hash[s].key == HASH_EMPTY)
    h->hcount++;
  h->hash[s].key = pfn;
  h->hash[s].val = v;
  h->hash[s].free_hint = free_hint (h, v);
}

static inline guint32
hash_get (const XpHeap *h, guint64 pfn)
{
  if (in_gmap (h, pfn))
    return h->gmap[pfn >> GRAIN] - 1;      /* NIL when 0 */
  const HEnt *e = hash_entry (h, pfn);
  return e ? e->val : NIL;
}

/* Point an existing entry at another record. */
static inline void
hash_replace (XpHeap *h, guint64 pfn, guint32 v)
{
  if (in_gmap (h, pfn))
    {
      g_assert (h->gmap[pfn >> GRAIN] != 0);
      h->gmap[pfn >> GRAIN] = v + 1;
      return;
    }
  HEnt *e = hash_entry (h, pfn);
  g_assert (e != NULL);
  e->val = v;
  e->free_hint = free_hint (h, v);
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void
hash_del (XpHeap *h, guint64 pfn)
{
  if (in_gmap (h, pfn))
    {
      g_assert (h->gmap[pfn >> GRAIN] != 0);
      h->gmap[pfn >> GRAIN] = 0;
      return;
    }
  guint64 s = hslot (h, pfn);
  while (h->hash[s].key != pfn)
    {
      g_assert (h->hash[s].key != HASH_EMPTY);
      s = (s + 1) & h->hmask;
    }
  guint64 hole = s;
  for (;;)
    {
      s = (s + 1) & h->hmask;
      if (h->hash[s].key == HASH_EMPTY)
        break;
      guint64 want = hslot (h, h->hash[s].key);
      /* move the entry back if its home slot is not in (hole, s] */
      gboolean between = hole <= s ? (want > hole && want <= s) : (want > hole || want <= s);
      if (!between)
        {
          h->hash[hole] = h->hash[s];
          hole = s;
        }
    }
  h->hash[hole].key = HASH_EMPTY;
  h->hcount--;
}

/* ---- free lists ------------------------------------------------------------
 *
 * A list holds its clean blocks first and its dirty ones after them (clean
 * blocks go to the head, dirty ones to the tail, and a block scrubbed clean
 * moves to the head). So a list whose head is dirty is all dirty, and the
 * pass-1 scan of get_free_buddy() that moves such a head to the tail, once
 * per visit, only rotates it: the model counts those rotations (rot) and
 * does them when the list is next read or changed. clean_mask says which
 * heads are clean without reading the blocks.
 *
 * Layout. Upstream links the pages of a list. Linked records would make
 * doing r pending rotations cost r record reads, one cache miss each, and
 * those walks took a third of the time of a replay whose freed memory gets
 * scrubbed. So a list is a cycle of record indices kept in chunks of up to
 * CHUNK_CAP, one cache line each, with a bit per entry saying whether its
 * block is dirty. The list's spine orders its chunks; the head is entry ho
 * of chunk hc of the spine, and the tail is the entry just before it. Head
 * and tail are one cut of the cycle:
 *
 * - a rotation moves the cut, counting entries chunk by chunk;
 * - adding puts the block at the cut: at the end of the chunk before it
 *   when the cut is at a chunk boundary and that chunk has room (so blocks
 *   added in a row fill chunks), else into the cut's chunk, split at the
 *   cut when full, or into a new chunk. A block added at the head becomes
 *   the head; one added at the tail leaves the head where it was;
 * - a record knows its chunk, and removing it searches that chunk only.
 *
 * Only a split moves entries to another chunk (and rewrites their records'
 * chunk); an emptied chunk leaves the spine, except the last one: an empty
 * list keeps a chunk, since lists of a block or two (the big orders) come
 * and go all the time. The dirty bits answer "is the
 * head clean?" without reading the head's record, and the chunk names the
 * next heads, so their records can be fetched ahead (list_del()). */

static inline void
head_status (XpHeap *h, gsize l, guint node, guint zone, guint order)
{
  const Spine *s = &h->spine[l];
  if (h->count[l] && !(h->chunk[s->hchunk].dirty >> s->ho & 1))
    h->clean_mask[zidx (node, zone)] |= 1u << order;
  else
    h->clean_mask[zidx (node, zone)] &= ~(1u << order);
}

static inline Chunk *
spine_chunk (const XpHeap *h, const Spine *s, guint32 pos)
{
  return &h->chunk[s->ids[pos]];
}

static inline guint32
spine_prev (const Spine *s, guint32 pos)
{
  return pos ? pos - 1 : s->len - 1;
}

static inline guint32
spine_next (const Spine *s, guint32 pos)
{
  return pos + 1 == s->len ? 0 : pos + 1;
}

static inline void
spine_set_head (Spine *s, guint32 hc, guint32 ho)
{
  s->hc = hc;
  s->ho = ho;
  s->hchunk = s->ids[hc];
  s->pchunk = s->ids[spine_prev (s, hc)];
}

static inline void
list_fix_head (XpHeap *h, gsize l)
{
  Spine *s = &h->spine[l];
  s->head = h->count[l] ? h->chunk[s->hchunk].e[s->ho] : NIL;
}

static guint32
chunk_new (XpHeap *h)
{
  if (h->free_chunk != NIL)
    {
      guint32 c = h->free_chunk;
      h->free_chunk = h->chunk[c].e[0];
      return c;
    }
  if (h->n_chunk == h->cap_chunk)
    {
      guint32 cap = h->cap_chunk ? h->cap_chunk * 2 : 256;
      Chunk *nc = g_aligned_alloc (cap, sizeof (Chunk), sizeof (Chunk));
      if (h->n_chunk)
        memcpy (nc, h->chunk, h->n_chunk * sizeof (Chunk));
      g_aligned_free (h->chunk);
      h->chunk = nc;
      h->cap_chunk = cap;
    }
  h->chunk[h->n_chunk].n = 0;
  h->chunk[h->n_chunk].dirty = 0;
  return h->n_chunk++;
}

static void
chunk_release (XpHeap *h, guint32 c)
{
  h->chunk[c].e[0] = h->free_chunk;
  h->free_chunk = c;
}

/* Put chunk @c at spine position @pos (the chunks from @pos on move up). */
static void
spine_insert (Spine *s, guint32 pos, guint32 c)
{
  if (s->len == s->cap)
    {
      s->cap = s->cap ? s->cap * 2 : 4;
      s->ids = g_renew (guint32, s->ids, s->cap);
    }
  for (guint32 k = s->len; k > pos; k--)
    s->ids[k] = s->ids[k - 1];
  s->ids[pos] = c;
  s->len++;
}

static void
spine_remove (Spine *s, guint32 pos)
{
  for (guint32 k = pos + 1; k < s->len; k++)
    s->ids[k - 1] = s->ids[k];
  s->len--;
}

/* Move the list position (*@hc, *@ho) forwards over the chunks until
 * *@ho falls inside one (it may start beyond its chunk's end). */
static inline void
spine_advance (const XpHeap *h, const Spine *s, guint32 *hc, guint32 *ho)
{
  for (guint32 n; *ho >= (n = spine_chunk (h, s, *hc)->n);)
    {
      *ho -= n;
      *hc = spine_next (s, *hc);
    }
}

/* Do list @l's pending rotations: move the cut by r entries forwards, or
 * by count - r backwards when that is shorter. */
static void
list_sync_rotations (XpHeap *h, gsize l)
{
  guint64 r64 = h->rot[l];
  h->rot[l] = 0;
  guint32 count = h->count[l];
  if (count <= 1)
    return;
  guint32 r = (guint32) (r64 % count);
  if (!r)
    return;
  Spine *s = &h->spine[l];
  guint32 hc = s->hc, ho = s->ho;
  if (r <= count / 2)
    {
      ho += r;
      spine_advance (h, s, &hc, &ho);
    }
  else
    {
      guint32 back = count - r;
      while (back > ho)
        {
          back -= ho + 1;
          hc = spine_prev (s, hc);
          ho = spine_chunk (h, s, hc)->n - 1u;
        }
      ho -= back;
    }
  spine_set_head (s, hc, ho);
  list_fix_head (h, l);
}

/* Every read or change of list @l starts here. */
static inline void
list_sync (XpHeap *h, gsize l)
{
  if (G_UNLIKELY (h->rot[l]))
    list_sync_rotations (h, l);
}

/* @n more moves of list @l's dirty head to its tail, done when the list
 * is next read (at once in the tests' eager mode). */
static inline void
list_rotate (XpHeap *h, gsize l, guint64 n)
{
  h->rot[l] += n;
  if (G_UNLIKELY (h->eager_rotation))
    list_sync (h, l);
}

void
xp_heap_set_eager_rotation (XpXen *xen, gboolean eager)
{
  xp_heap_sync_lists (xen);
  xen->heap->eager_rotation = eager;
}

void
xp_heap_sync_lists (XpXen *xen)
{
  XpHeap *h = xen->heap;
  for (gsize l = 0; l < n_lists (h); l++)
    list_sync (h, l);
}

/* The block @k places after the head of list @l (synced, @k < count). */
static guint32
list_nth (const XpHeap *h, gsize l, guint32 k)
{
  const Spine *s = &h->spine[l];
  guint32 hc = s->hc, ho = s->ho + k;
  spine_advance (h, s, &hc, &ho);
  return spine_chunk (h, s, hc)->e[ho];
}

/* The tail of list @l (synced): the entry before the head. */
static guint32
list_tail (const XpHeap *h, gsize l)
{
  const Spine *s = &h->spine[l];
  if (!h->count[l])
    return NIL;
  if (s->ho)
    return h->chunk[s->hchunk].e[s->ho - 1];
  const Chunk *c = spine_chunk (h, s, spine_prev (s, s->hc));
  return c->e[c->n - 1];
}

/* Walks a synced list from head to tail:
 *   for (ListIter it = list_iter (h, l); it.left;) { guint32 i = list_next (h, l, &it); ... } */
typedef struct {
  guint32 hc, ho, left;
} ListIter;

static inline ListIter
list_iter (const XpHeap *h, gsize l)
{
  const Spine *s = &h->spine[l];
  return (ListIter) { s->hc, s->ho, h->count[l] };
}

static inline guint32
list_next (const XpHeap *h, gsize l, ListIter *it)
{
  const Spine *s = &h->spine[l];
  const Chunk *c = spine_chunk (h, s, it->hc);
  guint32 i = c->e[it->ho++];
  if (it->ho == c->n)
    {
      it->ho = 0;
      it->hc = spine_next (s, it->hc);
    }
  it->left--;
  return i;
}

/* Put record @i, dirty or not, at entry @off of chunk @c, moving the
 * entries from @off on up; the chunk has room. */
static inline void
chunk_put (XpHeap *h, guint32 c, guint32 off, guint32 i, gboolean dirty)
{
  Chunk *ch = &h->chunk[c];
  for (guint32 k = ch->n; k > off; k--)
    ch->e[k] = ch->e[k - 1];
  ch->e[off] = i;
  ch->n++;
  guint32 below = (1u << off) - 1;
  ch->dirty = (guint16) ((ch->dirty & below) | ((ch->dirty & ~below) << 1) | ((guint32) dirty << off));
  h->blk[i].chunk = c;
}

/* Insert record @i at list @l's cut: as its new head when @at_head (a
 * clean block), else as its new tail (a dirty one). */
static void
list_insert (XpHeap *h, gsize l, guint32 i, gboolean at_head)
{
  Spine *s = &h->spine[l];
  gboolean dirty = !at_head;
  if (!h->count[l])
    {
      if (!s->len)
        spine_insert (s, 0, chunk_new (h));
      chunk_put (h, s->ids[0], 0, i, dirty);
      spine_set_head (s, 0, 0);
      return;
    }
  if (s->ho == 0)
    {
      /* at a chunk boundary: the end of the chunk before the cut */
      guint32 pc = s->pchunk;
      guint32 pn = h->chunk[pc].n;
      if (pn < CHUNK_CAP)
        {
          chunk_put (h, pc, pn, i, dirty);
          if (at_head)
            spine_set_head (s, spine_prev (s, s->hc), pn);
          return;
        }
      /* full: a new chunk between them */
      guint32 c = chunk_new (h);
      spine_insert (s, s->hc, c);
      chunk_put (h, c, 0, i, dirty);
      spine_set_head (s, at_head ? s->hc : s->hc + 1, 0);
      return;
    }
  guint32 c = s->hchunk;
  if (h->chunk[c].n == CHUNK_CAP)
    {
      /* split at the cut: the entries from the head on go to a new chunk
       * after this one, and the cut is at a chunk boundary */
      guint32 nc = chunk_new (h);
      Chunk *from = &h->chunk[c], *to = &h->chunk[nc];
      to->n = (guint16) (from->n - s->ho);
      memcpy (to->e, &from->e[s->ho], to->n * sizeof (guint32));
      to->dirty = (guint16) (from->dirty >> s->ho);
      from->n = (guint16) s->ho;
      from->dirty &= (guint16) ((1u << s->ho) - 1);
      for (guint32 k = 0; k < to->n; k++)
        h->blk[to->e[k]].chunk = nc;
      spine_insert (s, s->hc + 1, nc);
      chunk_put (h, c, s->ho, i, dirty);
      if (at_head)
        spine_set_head (s, s->hc, s->ho);   /* a list of one chunk: the new one is before it too */
      else
        spine_set_head (s, s->hc + 1, 0);
      return;
    }
  chunk_put (h, c, s->ho, i, dirty);
  if (!at_head)
    s->ho++;
}

/* Take record @i out of list @l (synced). */
static void
list_remove (XpHeap *h, gsize l, guint32 i)
{
  Spine *s = &h->spine[l];
  guint32 c = h->blk[i].chunk;
  Chunk *ch = &h->chunk[c];
  gboolean in_head = c == s->hchunk;
  guint32 off = 0;
  if (in_head && ch->e[s->ho] == i)
    off = s->ho;                       /* mostly: the head is taken */
  else
    while (ch->e[off] != i)
      off++;
  g_assert (off < ch->n);
  for (guint32 k = off + 1; k < ch->n; k++)
    ch->e[k - 1] = ch->e[k];
  ch->n--;
  guint32 below = (1u << off) - 1;
  ch->dirty = (guint16) ((ch->dirty & below) | ((ch->dirty >> 1) & ~below));
  if (in_head && off < s->ho)
    s->ho--;
  if (ch->n && (!in_head || s->ho < ch->n))
    return;
  /* the chunk is empty, or the head was its last entry */
  guint32 hc = s->hc, ho = s->ho;
  if (!ch->n)
    {
      if (s->len == 1)
        {
          /* the list is empty: it keeps its chunk for the next block */
          s->hc = s->ho = 0;
          return;
        }
      guint32 pos = hc;
      if (!in_head)
        for (pos = 0; s->ids[pos] != c; pos++)
          ;
      spine_remove (s, pos);
      chunk_release (h, c);
      if (pos < hc)
        hc--;
      else if (pos == hc)
        ho = 0;
      if (hc == s->len)
        hc = 0;
    }
  else
    {
      hc = spine_next (s, hc);
      ho = 0;
    }
  spine_set_head (s, hc, ho);
}

#define PREFETCH_HEADS 4

static void
list_del (XpHeap *h, guint32 i)
{
  Blk *b = &h->blk[i];
  gsize l = lidx (h, b->node, b->zone, b->order);
  list_sync (h, l);
  gboolean was_head = h->spine[l].head == i;
  list_remove (h, l, i);
  h->count[l]--;
  if (b->n_dirty && !--h->spine[l].n_dirty)
    h->dirty_mask[zidx (b->node, b->zone)] &= ~(1u << b->order);
  if (in_gmap (h, b->pfn))
    h->gfree[b->pfn >> GRAIN] = 0;
  if (!was_head)
    return;
  list_fix_head (h, l);
  if (h->spine[l].head == NIL)
    h->order_mask[zidx (b->node, b->zone)] &= ~(1u << b->order);
  else
    {
      /* heads are mostly taken in a row, and the chunk says which come
       * next without reading their records: ask for a few at once */
      const Spine *s = &h->spine[l];
      const Chunk *ch = &h->chunk[s->hchunk];
      guint32 n = MIN (ch->n - s->ho, PREFETCH_HEADS);
      for (guint32 k = 0; k < n; k++)
        __builtin_prefetch (&h->blk[ch->e[s->ho + k]]);
    }
  head_status (h, l, b->node, b->zone, b->order);
}

/* page_list_add_scrub(): clean blocks at the head, dirty ones at the tail. */
static void
list_add (XpHeap *h, guint32 i)
{
  Blk *b = &h->blk[i];
  gsize l = lidx (h, b->node, b->zone, b->order);
  list_sync (h, l);
  gboolean clean = b->n_dirty == 0;
  list_insert (h, l, i, clean);
  h->count[l]++;
  list_fix_head (h, l);
  h->order_mask[zidx (b->node, b->zone)] |= 1u << b->order;
  if (!clean && !h->spine[l].n_dirty++)
    h->dirty_mask[zidx (b->node, b->zone)] |= 1u << b->order;
  if (clean)
    h->clean_mask[zidx (b->node, b->zone)] |= 1u << b->order;   /* the new head */
  else if (h->spine[l].head == i)
    h->clean_mask[zidx (b->node, b->zone)] &= ~(1u << b->order);
  if (in_gmap (h, b->pfn))
    h->gfree[b->pfn >> GRAIN] = (guint8) (b->order + 1);
  else
    hash_hint_free (h, b->pfn, i);
}

/* ---- record setup and free-page counters -------------------------------------- */

/* Record @i becomes the free block [pfn, pfn + 2^order) of @node with
 * @n_dirty dirty pages, on its list (its hash entry is the caller's). */
static void
blk_set_free (XpHeap *h, guint32 i, guint64 pfn, guint order, guint node, guint zone, XpPages n_dirty)
{
  Blk *b = &h->blk[i];
  b->pfn = pfn;
  b->order = order;
  b->node = node;
  b->zone = zone;
  b->state = BLK_FREE;
  b->n_dirty = (guint32) n_dirty;
  b->owner_id = OWNER_NONE;
  list_add (h, i);
}

/* Record @i becomes @pages handed-out pages from @pfn in blocks of @order,
 * owned by nobody yet (its hash entry is the caller's). */
static void
blk_set_used (XpHeap *h, guint32 i, guint64 pfn, guint order, XpPages pages, guint node)
{
  Blk *b = &h->blk[i];
  b->pfn = pfn;
  b->order = order;
  b->pages = (guint32) pages;
  b->node = node;
  b->zone = pfn_zone (pfn);
  b->state = BLK_USED;
  b->n_dirty = 0;
  b->owner_id = OWNER_NONE;
  b->kind = OWN_ANON;
  b->extra = 0;
}

/* @n free pages of (@node, @zone) handed out. */
static inline void
heap_take (XpHeap *h, guint node, guint zone, XpPages n)
{
  h->avail[zidx (node, zone)] -= n;
  h->node_avail[node] -= n;
  h->node_used[node] += n;
  h->total_avail -= n;
}

/* ---- dirty runs -------------------------------------------------------------- */

#define P2K(x) ((gpointer) (guintptr) (x))
#define K2P(p) ((guint64) (guintptr) (p))

static gint
cmp_pfn (gconstpointer a, gconstpointer b)
{
  guint64 x = K2P (a), y = K2P (b);
  return x < y ? -1 : x > y;
}

/* The run containing @pfn or the first run after it. */
static GTreeNode *
dirty_first (GTree *t, guint64 pfn)
{
  GTreeNode *n = g_tree_upper_bound (t, P2K (pfn));
  GTreeNode *p = n ? g_tree_node_previous (n) : g_tree_node_last (t);
  if (p && K2P (g_tree_node_value (p)) > pfn)
    return p;
  return n;
}

static void
dirty_add (GTree *t, guint64 s, guint64 e)
{
  GTreeNode *n = g_tree_upper_bound (t, P2K (s));
  GTreeNode *p = n ? g_tree_node_previous (n) : g_tree_node_last (t);
  if (p && K2P (g_tree_node_value (p)) == s)
    {
      s = K2P (g_tree_node_key (p));
      g_tree_remove (t, P2K (s));
    }
  if (n && K2P (g_tree_node_key (n)) == e)
    {
      guint64 ne = K2P (g_tree_node_value (n));
      g_tree_remove (t, P2K (e));
      e = ne;
    }
  g_tree_insert (t, P2K (s), P2K (e));
}

static XpPages
dirty_count (GTree *t, guint64 s, guint64 e)
{
  XpPages c = 0;
  for (GTreeNode *n = dirty_first (t, s); n; n = g_tree_node_next (n))
    {
      guint64 rs = K2P (g_tree_node_key (n)), re = K2P (g_tree_node_value (n));
      if (rs >= e)
        break;
      c += MIN (re, e) - MAX (rs, s);
    }
  return c;
}

/* Remove up to @budget dirty pages of [s, e), lowest first; returns the count. */
static XpPages
dirty_remove (GTree *t, guint64 s, guint64 e, XpPages budget)
{
  XpPages done = 0;
  while (done < budget)
    {
      GTreeNode *n = dirty_first (t, s);
      if (!n)
        break;
      guint64 rs = K2P (g_tree_node_key (n)), re = K2P (g_tree_node_value (n));
      if (rs >= e)
        break;
      guint64 cs = MAX (rs, s), ce = MIN (re, e);
      if (ce - cs > budget - done)
        ce = cs + (budget - done);
      g_tree_remove (t, P2K (rs));
      if (rs < cs)
        g_tree_insert (t, P2K (rs), P2K (cs));
      if (ce < re)
        g_tree_insert (t, P2K (ce), P2K (re));
      done += ce - cs;
      s = ce;
    }
  return done;
}

/* ---- core: free_heap_pages / alloc_heap_pages ------------------------------- */

static void
node_dirty_dec (XpHeap *h, guint node, XpPages n)
{
  h->node_need_scrub[node] -= n;
  h->total_need_scrub -= n;
}

/* @n dirty pages of @node handed out: zeroed by the allocation. */
static inline void
dirty_handed_out (XpHeap *h, guint node, XpPages n)
{
  node_dirty_dec (h, node, n);
  h->alloc_scrubbed += n;
}

/* free_heap_pages(): put [pfn, pfn + 2^order) of @node back, merging with
 * whole free buddies of the same order on the same node. */
static void
free_heap (XpHeap *h, guint64 pfn, guint order, guint node, gboolean need_scrub, guint32 rec)
{
  XpPages n = G_GUINT64_CONSTANT (1) << order;
  guint zone = pfn_zone (pfn);
  XpPages dirty = 0;
  h->avail[zidx (node, zone)] += n;
  h->node_avail[node] += n;
  h->node_used[node] -= n;
  h->total_avail += n;
  if (need_scrub)
    {
      dirty = n;               /* wholly dirty: no runs */
      h->node_need_scrub[node] += n;
      h->total_need_scrub += n;
    }
  /* have_entry: the hash maps pfn -> rec (true for a block coming back) */
  gboolean have_entry = rec != NIL;
  if (rec == NIL)
    rec = blk_new (h);

  while (order < h->max_order)
    {
      guint64 bpfn = pfn ^ (G_GUINT64_CONSTANT (1) << order);
      if (bpfn == 0)
        break;
      guint32 bi;
      if (in_gmap (h, bpfn))
        {
          /* a free head there of this order, on this node (blocks never
           * cross a node boundary) */
          if (h->gfree[bpfn >> GRAIN] != order + 1 || bpfn < h->node_start[node] || bpfn >= h->node_end[node])
            break;
          bi = h->gmap[bpfn >> GRAIN] - 1;
        }
      else
        {
          bi = hash_find_free (h, bpfn, order);
          if (bi == NIL)
            break;
        }
      Blk *b = &h->blk[bi];
      if (b->state != BLK_FREE || b->order != order || b->node != node)
        break;
      list_del (h, bi);
      XpPages size = G_GUINT64_CONSTANT (1) << order;
      XpPages merged = dirty + b->n_dirty;
      if (merged && merged != 2 * size)
        {
          /* the result is partly dirty: wholly dirty halves become runs */
          if (dirty == size)
            dirty_add (h->dirty[node], pfn, pfn + size);
          if (b->n_dirty == size)
            dirty_add (h->dirty[node], bpfn, bpfn + size);
        }
      dirty = merged;
      blk_release (h, bi);
      if (bpfn < pfn)
        {
          /* the buddy's head becomes the merged block's head */
          hash_replace (h, bpfn, rec);
          if (have_entry)
            hash_del (h, pfn);
          have_entry = TRUE;
          pfn = bpfn;
        }
      else
        hash_del (h, bpfn);
      order++;
    }
  blk_set_free (h, rec, pfn, order, node, zone, dirty);
  if (!have_entry)
    hash_put (h, pfn, rec);
}

/* Per-node check of the node-claims what-if (reference §2.8 item 2). */
static gboolean
node_claim_ok (const XpXen *xen, guint node, XpPages req, const XpDomain *d, guint memflags)
{
  const XpHeap *h = xen->heap;
  if (xen->behaviour.node_claims == XP_NODE_CLAIMS_NONE)
    return TRUE;
  XpPages own = (d && !(memflags & XP_MEMF_no_refcount) && d->claim_node == node) ? d->outstanding_pages : 0;
  return h->node_avail[node] + own >= h->node_claims[node] + req;
}

/* The zone/order scan of get_free_buddy() on one node: zones high to low,
 * in each the head of the smallest order that can serve; in pass 1 of an
 * order > 0 request a dirty head is skipped and moved to its list's tail
 * (counted in rot, see above). */
static guint32
scan_node (XpHeap *h, guint node, guint zone_lo, guint zone_hi, guint order, gboolean dirty_ok)
{
  XpPages req = G_GUINT64_CONSTANT (1) << order;
  guint lo = MAX (zone_lo, h->zone_lo[node]);
  guint hi = MIN (zone_hi, h->zone_hi[node]);
  for (guint zone = hi + 1; zone-- > lo;)
    {
      gsize z = zidx (node, zone);
      if (h->avail[z] < req)
        continue;
      guint32 m = h->order_mask[z] & ~((1u << order) - 1);
      if (!m)
        continue;
      gboolean zone_mutated = FALSE;
      if (G_UNLIKELY (h->eager_rotation))
        {
          /* upstream's loop, for the tests that check the counting */
          while (m)
            {
              guint j = (guint) __builtin_ctz (m);
              m &= m - 1;
              gsize l = lidx (h, node, zone, j);
              list_sync (h, l);
              guint32 bi = h->spine[l].head;
              if (h->blk[bi].n_dirty == 0 || order == 0 || dirty_ok)
                return bi;
              if (list_tail (h, l) != bi)
                {
                  zone_mutated = TRUE;
                  list_del (h, bi);
                  list_add (h, bi);
                }
            }
          h->scan_mutated_above |= zone_mutated;
          continue;
        }
      guint32 take = order == 0 || dirty_ok ? m : m & h->clean_mask[z];
      /* the dirty heads passed over: those below the first list to take
       * from, or every list when there is none (a list of one block does
       * not move) */
      guint32 skip = take ? m & ((take & -take) - 1) : m;
      gsize l0 = lidx (h, node, zone, 0);
      while (skip)
        {
          gsize l = l0 + (guint) __builtin_ctz (skip);
          skip &= skip - 1;
          if (h->count[l] > 1)
            {
              h->rot[l]++;
              zone_mutated = TRUE;
            }
        }
      if (take)
        {
          gsize l = lidx (h, node, zone, (guint) __builtin_ctz (take));
          list_sync (h, l);
          return h->spine[l].head;
        }
      h->scan_mutated_above |= zone_mutated;
    }
  return NIL;
}

/* get_free_buddy()'s node order (§1.5.1), shared by the allocator and the
 * bulk order-0 path: start at the requested node, or after the domain's
 * last allocation node, cycle through the affinity mask in ascending id,
 * then once through all other online nodes; an exact request never leaves
 * its node. */
typedef struct {
  XpNodemask mask, online;
  guint node, first;
  gboolean exact_req;     /* exact and a node was requested */
  gboolean exact;
  gboolean tried_others;
} NodeWalk;

static void
node_walk_init (NodeWalk *w, XpNodemask mask, XpNodemask online, guint start, gboolean exact, gboolean requested)
{
  w->mask = mask;
  w->online = online;
  w->node = w->first = start;
  w->exact = exact;
  w->exact_req = exact && requested;
  w->tried_others = FALSE;
}

/* The walk the calls of a request with @memflags make over @mask from
 * @start (what repeat_pass1() and take_heads() replay). */
static void
request_walk_init (NodeWalk *w, const XpXen *xen, XpNodemask mask, guint start, guint memflags)
{
  node_walk_init (w, mask, xen->online_nodes, start, (memflags & XP_MEMF_exact_node) != 0,
                  XP_MEMF_get_node (memflags) != XP_NO_NODE);
}

/* Move to the next node to try; FALSE when the search is over. */
static gboolean
node_walk_next (NodeWalk *w)
{
  if (w->exact_req)
    return FALSE;
  if (w->node >= XP_MAX_NODES || !xp_nodemask_test (w->mask, w->node))
    {
      /* a requested node outside the affinity: continue with the mask */
      w->node = w->first = xp_nodemask_first (w->mask);
      return TRUE;
    }
  w->node = xp_nodemask_cycle (w->mask, w->node);
  if (w->node == w->first)
    {
      if (w->exact || w->tried_others)
        return FALSE;
      w->tried_others = TRUE;
      w->mask = w->online & ~w->mask;
      if (!w->mask)
        return FALSE;
      w->node = w->first = xp_nodemask_first (w->mask);
    }
  return TRUE;
}

/* get_free_buddy(): node search order of §1.5.1. */
static guint32
get_free_buddy (XpXen *xen, guint zone_lo, guint zone_hi, guint order, guint memflags, const XpDomain *d)
{
  XpHeap *h = xen->heap;
  XpNodemask online = xen->online_nodes;
  XpNodemask mask = online;
  guint req = XP_MEMF_get_node (memflags);
  gboolean exact = (memflags & XP_MEMF_exact_node) != 0;
  gboolean dirty_ok = (memflags & XP_MEMF_no_scrub) != 0;
  XpPages rpages = G_GUINT64_CONSTANT (1) << order;
  guint node;

  if (d && (d->node_affinity & mask))
    mask &= d->node_affinity;
  if (req == XP_NO_NODE)
    {
      /* Without a domain Xen starts at the node of the current CPU; the
       * model has none and starts at the lowest node of the mask. */
      node = d ? xp_nodemask_cycle (mask, d->last_alloc_node) : xp_nodemask_first (mask);
    }
  else
    node = req;

  NodeWalk w;
  node_walk_init (&w, mask, online, node, exact, req != XP_NO_NODE);
  gboolean first = TRUE;
  h->scan_start = node;
  do
    {
      if (w.node < h->n_nodes && node_claim_ok (xen, w.node, rpages, d, memflags))
        {
          h->scan_mutated_above = FALSE;
          guint32 bi = scan_node (h, w.node, zone_lo, zone_hi, order, dirty_ok);
          if (bi != NIL)
            {
              h->scan_at_start = first && w.node == node;
              return bi;
            }
        }
      first = FALSE;
    }
  while (node_walk_next (&w));
  return NIL;
}

static void
consume_claim (XpXen *xen, XpDomain *d, XpPages n)
{
  XpHeap *h = xen->heap;
  XpPages x = MIN (d->outstanding_pages, n);
  if (!x)
    return;
  d->outstanding_pages -= x;
  h->outstanding_claims -= x;
  if (d->claim_node != XP_NO_NODE && d->claim_node < h->n_nodes)
    h->node_claims[d->claim_node] -= x;
}

static void
regrow_claim (XpXen *xen, XpDomain *d, XpPages n)
{
  XpHeap *h = xen->heap;
  d->outstanding_pages += n;
  h->outstanding_claims += n;
  if (d->claim_node != XP_NO_NODE && d->claim_node < h->n_nodes)
    h->node_claims[d->claim_node] += n;
}

/* The claims gate of alloc_heap_pages() (§2.3; what-if: §2.8 item 2). */
static gboolean
claims_gate_ok (const XpXen *xen, XpPages req, guint memflags, const XpDomain *d)
{
  const XpHeap *h = xen->heap;
  gboolean refcounted = d && !(memflags & XP_MEMF_no_refcount);
  if (xen->behaviour.node_claims == XP_NODE_CLAIMS_NONE)
    {
      if (h->outstanding_claims + req <= h->total_avail)
        return TRUE;
      return refcounted && d->outstanding_pages >= req;
    }
  XpPages own = refcounted ? d->outstanding_pages : 0;
  return h->total_avail + own >= h->outstanding_claims + req;
}

/* alloc_heap_pages(): returns the record of the allocated block (state
 * USED, owner not yet set) or NIL. */
static guint32
alloc_heap (XpXen *xen, guint zone_lo, guint zone_hi, guint order, guint memflags, XpDomain *d)
{
  XpHeap *h = xen->heap;
  XpPages req = G_GUINT64_CONSTANT (1) << order;

  if (order > h->max_order)
    return NIL;
  if (!claims_gate_ok (xen, req, memflags, d))
    return NIL;

  h->scan_at_start = FALSE;
  guint32 bi = get_free_buddy (xen, zone_lo, zone_hi, order, memflags, d);
  /* the dirty heads moved in the zone it took from lie below the block it
   * took: carve_below() repeats those moves itself */
  gboolean direct = bi != NIL;
  gboolean after_failed = bi != NIL && (!h->scan_at_start || h->scan_mutated_above);
  gboolean pass1_failed = FALSE;
  if (bi == NIL && !(memflags & XP_MEMF_no_scrub))
    {
      /* pass 2 moves nothing; what pass 1 moved, every later call of a
       * carve moves again (see carve_below()) */
      pass1_failed = TRUE;
      bi = get_free_buddy (xen, zone_lo, zone_hi, order, memflags | XP_MEMF_no_scrub, d);
      direct = bi != NIL;
    }
  if (bi == NIL)
    return NIL;

  Blk *b = &h->blk[bi];
  guint node = b->node, zone = b->zone;
  guint k = b->order;
  guint64 pfn = b->pfn;
  XpPages dirty = b->n_dirty;
  h->src_direct = direct && (dirty == 0 || dirty == G_GUINT64_CONSTANT (1) << k);
  h->src_dirty = dirty != 0;
  h->src_pass1_failed = pass1_failed;
  h->src_after_failed = after_failed;
  h->src_start = h->scan_start;
  h->src_zone_lo = zone_lo;
  h->src_zone_hi = zone_hi;
  h->src_head = pfn;
  h->src_order = k;
  h->src_node = node;
  h->src_zone = zone;
  gboolean split = k > order;
  list_del (h, bi);

  /* Split: lower halves go back to the lists, continue in the upper half. */
  while (k > order)
    {
      k--;
      XpPages half = G_GUINT64_CONSTANT (1) << k;
      XpPages low_dirty = 0;
      if (dirty == 2 * half)
        low_dirty = half;              /* wholly dirty halves */
      else if (dirty)
        {
          low_dirty = dirty_count (h->dirty[node], pfn, pfn + half);
          /* a half that turns out wholly dirty drops its runs */
          if (low_dirty == half)
            dirty_remove (h->dirty[node], pfn, pfn + half, half);
          if (dirty - low_dirty == half)
            dirty_remove (h->dirty[node], pfn + half, pfn + 2 * half, half);
        }
      guint32 li = blk_new (h);
      blk_set_free (h, li, pfn, k, node, zone, low_dirty);
      b = &h->blk[bi];               /* the pool may have moved */
      if (k + 1 == b->order)
        hash_replace (h, pfn, li);   /* the original head now names the lower half */
      else
        hash_put (h, pfn, li);
      dirty -= low_dirty;
      pfn += half;
    }

  heap_take (h, node, zone, req);

  if (d && xen->behaviour.claim_consumed_in_alloc && d->outstanding_pages && !(memflags & XP_MEMF_no_refcount))
    consume_claim (xen, d, req);
  if (d)
    d->last_alloc_node = node;

  /* Dirty pages are zeroed by the allocating CPU (or, with MEMF_no_scrub,
   * by populate_physmap() right after): either way they leave the dirty pool. */
  if (dirty)
    {
      if (dirty != req)
        {
          XpPages removed = dirty_remove (h->dirty[node], pfn, pfn + req, dirty);
          g_assert (removed == dirty);
        }
      dirty_handed_out (h, node, dirty);
    }
  h->last_alloc_dirty = dirty;

  blk_set_used (h, bi, pfn, order, G_GUINT64_CONSTANT (1) << order, node);
  if (split)
    hash_put (h, pfn, bi);
  return bi;
}

/* ---- domain accounting -------------------------------------------------------- */

/* domain_adjust_tot_pages(). */
static void
adjust_tot_pages (XpXen *xen, XpDomain *d, gint64 delta)
{
  d->tot_pages += delta;
  if (!d->outstanding_pages || xen->behaviour.claim_consumed_in_alloc)
    return;
  if (delta > 0)
    consume_claim (xen, d, (XpPages) delta);
  else if (delta < 0 && xen->behaviour.claim_regrow_on_free)
    regrow_claim (xen, d, (XpPages) -delta);
}

/* assign_pages(): checks, then the pages count for @d. */
static int
assign_pages (XpXen *xen, XpDomain *d, XpPages nr, guint memflags, gboolean extra)
{
  if (d->dying)
    return -EINVAL;
  if (!extra && !(memflags & XP_MEMF_no_refcount))
    {
      XpPages tot = d->tot_pages - d->extra_pages;
      if (tot > d->max_pages)
        return -EPERM;
      if (nr > d->max_pages - tot)
        return -E2BIG;
    }
  if (extra)
    d->extra_pages += nr;
  /* PGC_extra pages are counted in tot_pages like any other (≤4.21 they
   * also consume a claim there). */
  adjust_tot_pages (xen, d, (gint64) nr);
  return 0;
}

/* ---- what a domain owns ----------------------------------------------------------
 *
 * A domain's memory and paging pool are arrays of extents in the order they
 * were handed out. Order-0 pages handed out one after another on a node
 * (populate of 4 KiB pages, paging pools) come from the top of a buddy
 * block downwards, so they are kept as one run: one record, one hash entry
 * (its lowest pfn) and one extent, however many pages. A page extends a
 * run when it is the page just below the run and the run is still the last
 * thing the owner got on that node (d->open_run), so the order in which
 * the pages of one node were handed out is kept exactly; only the order
 * between nodes is not, and frees on different nodes commute (they touch
 * different free lists). Both the single-page path and the bulk path use
 * the same rule, so they build the same extents.
 *
 * A free leaves a hole (count 0) instead of moving another extent into its
 * place, so the order of what is left never changes (Xen's page_list is a
 * list); holes at the end are dropped at once and the array is compacted
 * when it is more than half holes. */

/* A run never crosses a boundary of 2^RUN_SPAN blocks, so the run holding
 * a block is found by looking up at most that many heads. */
#define RUN_SPAN 6

static GArray *
owner_array (XpDomain *d, guint kind)
{
  return kind == OWN_POOL ? d->paging_pool : d->memory;
}

static guint32 *
open_run_slot (XpXen *xen, XpDomain *d, guint kind, guint node)
{
  guint nn = xen->heap->n_nodes;
  if (!d->open_run)
    {
      d->open_run = g_new (guint32, 2 * nn);
      for (guint i = 0; i < 2 * nn; i++)
        d->open_run[i] = NIL;
    }
  return &d->open_run[(kind == OWN_POOL ? nn : 0) + node];
}

/* Counters of @n pages of @b's owner, added (@sign 1) or taken away (-1). */
static void
owner_count (XpXen *xen, const Blk *b, XpPages n, int sign)
{
  XpHeap *h = xen->heap;
  XpDomain *d = blk_owner (h, b);
  if (b->kind == OWN_ANON)
    h->node_anon[b->node] += sign * n;
  else if (b->kind == OWN_MEMORY)
    d->node_pages[b->node] += sign * n;
  else
    {
      d->paging_pool_pages += sign * n;
      h->node_anon[b->node] += sign * n;
    }
}

/* @n pages of record @b leave its owner: the counters, and for a domain's
 * memory its extra pages and domain_adjust_tot_pages(). */
static void
owner_release_pages (XpXen *xen, const Blk *b, XpPages n)
{
  owner_count (xen, b, n, -1);
  if (b->kind == OWN_MEMORY)
    {
      XpDomain *d = blk_owner (xen->heap, b);
      if (b->extra)
        d->extra_pages -= n;
      adjust_tot_pages (xen, d, -(gint64) n);
    }
}

/* Re-key run record @ri from its current head to @pfn. */
static void
run_rekey (XpHeap *h, guint32 ri, guint64 pfn)
{
  hash_del (h, h->blk[ri].pfn);
  hash_put (h, pfn, ri);
  h->blk[ri].pfn = pfn;
}

static void
extent_sync (XpHeap *h, guint32 ri)
{
  const Blk *b = &h->blk[ri];
  XpExtent *e = &g_array_index (owner_array (blk_owner (h, b), b->kind), XpExtent, b->owner_idx);
  e->pfn = b->pfn;
  e->count = b->pages;
}

/* Hand used record @bi (pfn, order, node, zone set; its hash entry in
 * place; for order 0 it may already be a run of @bi.pages pages from the
 * top down) to @d as @kind. An order-0 record that lies just below the
 * owner's open run on its node joins that run and is released; returns the
 * record that now holds the pages. */
static guint32
owner_attach (XpXen *xen, guint32 bi, XpDomain *d, guint kind, gboolean extra)
{
  XpHeap *h = xen->heap;
  Blk *b = &h->blk[bi];
  b->owner_id = d ? (guint16) d->domid : OWNER_NONE;
  b->kind = kind;
  b->extra = extra;
  XpPages n = b->pages;
  owner_count (xen, b, n, 1);
  if (kind == OWN_ANON)
    return bi;
  guint32 *open = open_run_slot (xen, d, kind, b->node);
  if (*open != NIL)
    {
      Blk *r = &h->blk[*open];
      if (r->pfn == b->pfn + n && r->order == b->order && r->extra == extra
          && b->pfn >> (b->order + RUN_SPAN) == (r->pfn + r->pages - 1) >> (b->order + RUN_SPAN))
        {
          guint32 ri = *open;
          guint64 pfn = b->pfn;
          hash_del (h, r->pfn);
          hash_replace (h, pfn, ri);
          blk_release (h, bi);
          r = &h->blk[ri];
          r->pfn = pfn;
          r->zone = pfn_zone (pfn);
          r->pages += n;
          extent_sync (h, ri);
          return ri;
        }
    }
  GArray *arr = owner_array (d, kind);
  XpExtent e = { b->pfn, (guint32) n, b->order };
  b->owner_idx = arr->len;
  g_array_append_val (arr, e);
  *open = bi;
  return bi;
}

static void
owner_compact (XpHeap *h, XpDomain *d, guint kind)
{
  GArray *arr = owner_array (d, kind);
  guint o = 0;
  for (guint i = 0; i < arr->len; i++)
    {
      XpExtent e = g_array_index (arr, XpExtent, i);
      if (!e.count)
        continue;
      guint32 ri = hash_get (h, e.pfn);
      g_assert (ri != NIL);
      h->blk[ri].owner_idx = o;
      g_array_index (arr, XpExtent, o++) = e;
    }
  arr->len = o;      /* no clear func, not zero-terminated: shrinking needs nothing else */
  d->holes[kind == OWN_POOL] = 0;
}

/* Take record @bi (all its pages) from its owner. */
static void
owner_detach (XpXen *xen, guint32 bi)
{
  XpHeap *h = xen->heap;
  Blk *b = &h->blk[bi];
  owner_release_pages (xen, b, b->pages);
  if (b->kind == OWN_ANON)
    return;
  XpDomain *d = blk_owner (h, b);
  guint32 *open = open_run_slot (xen, d, b->kind, b->node);
  if (*open == bi)
    *open = NIL;
  GArray *arr = owner_array (d, b->kind);
  guint *holes = &d->holes[b->kind == OWN_POOL];
  g_array_index (arr, XpExtent, b->owner_idx).count = 0;
  if (b->owner_idx + 1 == arr->len)
    {
      /* drop the holes at the end */
      while (arr->len && g_array_index (arr, XpExtent, arr->len - 1).count == 0)
        {
          arr->len--;
          if (arr->len != b->owner_idx)
            (*holes)--;
        }
    }
  else
    {
      (*holes)++;
      if (*holes > 64 && *holes * 2 > arr->len)
        owner_compact (h, d, b->kind);
    }
}

/* ---- public allocation API ------------------------------------------------------ */

/* Highest zone a request may use (MEMF_bits). */
static guint
memflags_zone_hi (guint memflags)
{
  guint bits = XP_MEMF_get_bits (memflags);
  if (!bits)
    return NR_ZONES - 1;
  return MIN (MAX (bits > XP_PAGE_SHIFT ? bits - XP_PAGE_SHIFT : 1, 1u), (guint) NR_ZONES - 1);
}

/* Highest zone of the DMA band, 0 when there is none. */
static guint
dma_zone_top (const XpXen *xen)
{
  if (!xen->dma_bitsize)
    return 0;
  return MAX (xen->dma_bitsize > XP_PAGE_SHIFT ? xen->dma_bitsize - XP_PAGE_SHIFT : 1, 1u);
}

/* alloc_domheap_pages(). */
guint64
xp_alloc_domheap_pages (XpXen *xen, XpDomain *d, guint order, guint memflags)
{
  XpHeap *h = xen->heap;
  guint zone_hi = memflags_zone_hi (memflags);
  if (memflags & XP_MEMF_no_owner)
    memflags |= XP_MEMF_no_refcount;

  xp_heap_scrub_advance (xen);
  h->last_alloc_dirty = 0;
  h->src_direct = FALSE;

  guint32 bi = NIL;
  gboolean retried = FALSE;
  if (xen->dma_bitsize)
    {
      guint dma_zone = dma_zone_top (xen);
      if (dma_zone < zone_hi)
        {
          bi = alloc_heap (xen, dma_zone + 1, zone_hi, order, memflags, d);
          retried = bi == NIL;
        }
    }
  if (bi == NIL && !(memflags & XP_MEMF_no_dma))
    bi = alloc_heap (xen, 1, zone_hi, order, memflags, d);
  if (bi == NIL)
    return XP_INVALID_PFN;
  if (retried)
    h->src_direct = FALSE;       /* every later call would scan the upper zones again */

  guint64 pfn = h->blk[bi].pfn;
  if (d && !(memflags & XP_MEMF_no_owner))
    {
      gboolean extra = (memflags & XP_MEMF_no_refcount) != 0;
      int rc = assign_pages (xen, d, G_GUINT64_CONSTANT (1) << order, memflags, extra);
      if (rc < 0)
        {
          free_heap (h, pfn, order, h->blk[bi].node, (memflags & XP_MEMF_no_scrub) != 0, bi);
          return XP_INVALID_PFN;
        }
      owner_attach (xen, bi, d, OWN_MEMORY, extra);
    }
  else if (d)
    owner_attach (xen, bi, d, OWN_POOL, FALSE);
  else
    owner_attach (xen, bi, NULL, OWN_ANON, FALSE);
  return pfn;
}

/* ---- runs of order > 0 ---------------------------------------------------------------
 *
 * Why, after one alloc_domheap_pages() call of order k split a block of
 * order j > k, the next calls of the same request can be done at once:
 *
 * - The call took the head of the smallest non-empty order >= k of the
 *   highest zone that had one, on the first node of its walk, without
 *   moving any dirty head (scan_node() skipped none that it could move),
 *   and the block was clean. Its lower halves (orders j-1 .. k, one each)
 *   are clean, so they sit at the heads of their lists, and no other clean
 *   block of those orders is in that zone (the call would have taken it).
 * - The next call walks from the same node when the request names it or
 *   the domain's affinity has no other node, scans the same zones above
 *   (unchanged: nothing there moved) and takes the order-k half just below
 *   the unit handed out; splitting the next half gives the same picture one
 *   unit lower. So the calls hand out the units below the first one, top
 *   down, until the block is used up, and what is left of it is the binary
 *   decomposition of its length in blocks of orders j-1 .. k, each the only
 *   clean block of its list.
 * - The claims gate and assign_pages() depend on counters only; the carve
 *   stops before a unit either would refuse (that call then runs as usual).
 *   The node-claims what-if and a first call that had to fall back below
 *   the DMA band are left to the calls.
 *
 * The same holds for a wholly dirty block taken at the first node of the
 * walk, either by a pass that accepts dirty blocks from the start
 * (MEMF_no_scrub) or by pass 2 after pass 1 failed on every node:
 *
 * - The block came from the smallest non-empty order >= k of its zone, so
 *   the lists of orders k .. j-1 there were empty; its lower halves, wholly
 *   dirty, are then alone on them (a list of one block never moves), and
 *   the next call's pass 2 takes the order-k half just below the unit, as
 *   above. The units' dirty pages are zeroed as the calls would.
 * - Pass 1 of every further call fails again: it failed everywhere, and
 *   the carve adds only wholly dirty blocks. It also moves the dirty heads
 *   it passes over exactly as the first call's pass 1 did: the lists it
 *   reads are the same ones (the remainder's lists hold one block, never
 *   moved, and the remainder keeps its zone above the request size), so
 *   m more calls add m to the pending moves of each (repeat_pass1()).
 *   Those moves are why upstream takes every other block from a list of
 *   several dirty blocks; only a list of one block is carved.
 *
 * carve_below() does that many calls' work per block: O(j) records, plus
 * O(nodes x zones) for the moves of a failed pass 1. */

/* The dirty heads the last call's pass 1 moved before it took its block
 * (see scan_node()), moved @times more times, as that many more calls of
 * the request walking @mask from @start would: on every node of the walk
 * when pass 1 failed, else on the nodes before the one that served the
 * call and on that node's zones above the one it took from. List
 * @skip_list is the caller's (G_MAXSIZE: none). */
static void
repeat_pass1 (XpXen *xen, XpNodemask mask, guint start, guint order, guint memflags, gsize skip_list,
              guint64 times)
{
  XpHeap *h = xen->heap;
  if (!h->src_pass1_failed && !h->src_after_failed)
    return;
  guint stop = h->src_pass1_failed ? XP_NO_NODE : h->src_node, stop_zone = h->src_zone;
  guint zone_lo = h->src_zone_lo, zone_hi = h->src_zone_hi;
  XpPages rpages = G_GUINT64_CONSTANT (1) << order;
  NodeWalk w;
  request_walk_init (&w, xen, mask, start, memflags);
  do
    {
      guint node = w.node;
      if (node >= h->n_nodes && node != stop)
        continue;
      guint lo = MAX (zone_lo, h->zone_lo[node]);
      guint hi = MIN (zone_hi, h->zone_hi[node]);
      if (node == stop)
        lo = MAX (lo, stop_zone + 1);   /* the zones it passed over before taking */
      for (guint zone = lo; zone <= hi; zone++)
        {
          gsize z = zidx (node, zone);
          if (h->avail[z] < rpages)
            continue;
          guint32 m = h->order_mask[z] & ~((1u << order) - 1);
          g_assert (!(m & h->clean_mask[z]));
          gsize l0 = lidx (h, node, zone, 0);
          while (m)
            {
              gsize l = l0 + (guint) __builtin_ctz (m);
              m &= m - 1;
              if (h->count[l] > 1 && l != skip_list)
                list_rotate (h, l, times);
            }
        }
      if (node == stop)
        break;
    }
  while (node_walk_next (&w));
}

/* The counters one more call of the request changes when it hands out
 * @unit pages of (@node, @zone) to @d: FALSE, with nothing changed, where
 * the call would be refused. assign_pages() refuses without side effects,
 * and of the call's claim consumption (4.22, in alloc_heap(), before
 * assign_pages()) and assign_pages()' own (earlier versions) only one
 * happens, so doing them in this order is the call's outcome. */
static gboolean
charge_unit (XpXen *xen, XpDomain *d, guint memflags, guint node, guint zone, XpPages unit)
{
  gboolean extra = (memflags & XP_MEMF_no_refcount) != 0;
  if (!claims_gate_ok (xen, unit, memflags, d) || assign_pages (xen, d, unit, memflags, extra) < 0)
    return FALSE;
  heap_take (xen->heap, node, zone, unit);
  if (xen->behaviour.claim_consumed_in_alloc && !extra && d->outstanding_pages)
    consume_claim (xen, d, unit);
  return TRUE;
}

/* Whether the next calls of the request would walk the nodes as the last
 * one did, from the same first node (@start_out), with no per-node claim
 * check in the way: what carve_below() and take_heads() both need. */
static gboolean
calls_repeat (XpXen *xen, const XpDomain *d, guint memflags, XpNodemask *mask_out, guint *start_out)
{
  XpHeap *h = xen->heap;
  if (!h->src_direct || !d || (memflags & XP_MEMF_no_owner) || xen->behaviour.node_claims != XP_NODE_CLAIMS_NONE)
    return FALSE;
  XpNodemask mask = xen->online_nodes;
  if (d->node_affinity & mask)
    mask &= d->node_affinity;
  guint req = XP_MEMF_get_node (memflags);
  *mask_out = mask;
  *start_out = req != XP_NO_NODE ? req : xp_nodemask_cycle (mask, h->src_node);
  return *start_out == h->src_start;
}

/* After xp_alloc_domheap_pages() handed out the unit at @pfn, hand out up
 * to @want more units of the same request below it, as the calls would. */
static guint64
carve_below (XpXen *xen, XpDomain *d, guint order, guint memflags, guint64 pfn, guint64 want)
{
  XpHeap *h = xen->heap;
  XpPages unit = G_GUINT64_CONSTANT (1) << order;
  guint j = h->src_order, node = h->src_node, zone = h->src_zone;
  guint64 head = h->src_head;
  XpNodemask mask;
  guint start;
  if (j <= order || pfn != head + (G_GUINT64_CONSTANT (1) << j) - unit
      || !calls_repeat (xen, d, memflags, &mask, &start))
    return 0;

  gboolean extra = (memflags & XP_MEMF_no_refcount) != 0;
  guint64 units = MIN (want, (pfn - head) >> order);
  guint64 m;
  for (m = 0; m < units; m++)
    if (!charge_unit (xen, d, memflags, node, zone, unit))
      break;
  if (!m)
    return 0;
  repeat_pass1 (xen, mask, start, order, memflags, G_MAXSIZE, m);
  if (h->src_dirty)
    dirty_handed_out (h, node, m * unit);

  /* What is free below the units is the binary decomposition of its
   * length, lowest block the largest: the block of order t starts at head +
   * (length without its bits <= t). Going from length L to L', the blocks
   * above the highest bit that differs stay where they are; those below it
   * are replaced. */
  guint64 bottom = pfn - m * unit;
  XpPages len = pfn - head, len2 = bottom - head;
  guint hb = 63 - (guint) __builtin_clzll (len ^ len2);
  for (guint t = MIN (hb + 1, j); t-- > order;)
    {
      XpPages bs = G_GUINT64_CONSTANT (1) << t;
      if (!(len & bs))
        continue;
      guint64 pos = head + (len & ~(2 * bs - 1));
      guint32 bi = hash_get (h, pos);
      g_assert (bi != NIL && h->blk[bi].state == BLK_FREE && h->blk[bi].order == t);
      list_del (h, bi);
      hash_del (h, pos);
      blk_release (h, bi);
    }
  /* A call takes the remainder's lowest block (order t0, the lowest bit of
   * the length left), passing over the lists of orders k .. t0-1 of the
   * zone: those of more than one (dirty) block move their head. For the
   * list of order t that is every call whose length left, in units, is a
   * multiple of 2^(t-k+1): never while the remainder holds a block of
   * order t, so these lists hold dirty blocks only when they move. */
  for (guint t = order; t < j; t++)
    {
      XpPages bs = G_GUINT64_CONSTANT (1) << t;
      gsize l = lidx (h, node, zone, t);
      if ((t > hb && (len & bs)) || h->count[l] <= 1)
        continue;
      guint sh = t - order + 1;
      guint64 moves = ((len >> order) >> sh) - ((len2 >> order) >> sh);
      if (moves)
        list_rotate (h, l, moves);
    }
  for (guint t = MIN (hb + 1, j); t-- > order;)
    {
      XpPages bs = G_GUINT64_CONSTANT (1) << t;
      if (!(len2 & bs))
        continue;
      guint64 pos = head + (len2 & ~(2 * bs - 1));
      guint32 fi = blk_new (h);
      blk_set_free (h, fi, pos, t, node, zone, h->src_dirty ? bs : 0);
      hash_put (h, pos, fi);
    }

  /* the units, top down, in pieces that do not cross a run boundary */
  guint64 top = pfn;
  while (top > bottom)
    {
      guint64 span = G_GUINT64_CONSTANT (1) << (order + RUN_SPAN);
      guint64 lo = MAX ((top - 1) & ~(span - 1), bottom);
      guint32 ui = blk_new (h);
      blk_set_used (h, ui, lo, order, top - lo, node);
      hash_put (h, lo, ui);
      owner_attach (xen, ui, d, OWN_MEMORY, extra);
      top = lo;
    }
  d->last_alloc_node = node;
  return m;
}

/* When the call took a whole block of order k from the head of its list
 * (nothing smaller in its zone could serve), the next calls take the next
 * heads of that list, as long as the walk, the zones above and the lists
 * passed over stay as they are (the same conditions as a carve):
 *
 * - pass 1 took a clean head: the next call takes the next head if it is
 *   clean (clean blocks come first), moving the same dirty heads on the
 *   way (repeat_pass1());
 * - pass 2 took it after pass 1 failed everywhere: every list is dirty,
 *   and each call's pass 1 moves the list's head to its tail (when it
 *   holds more than one block) before pass 2 takes the new head: every
 *   other block. The moves of the other lists repeat;
 * - a pass that accepts dirty blocks takes the heads in order.
 *
 * A partly dirty block (its dirty runs), a refusal by the claims gate or
 * assign_pages(), or an empty list is left to the calls. Each block is
 * handed out with its own record, as a call would. */
static guint64
take_heads (XpXen *xen, XpDomain *d, guint order, guint memflags, guint64 want)
{
  XpHeap *h = xen->heap;
  XpPages unit = G_GUINT64_CONSTANT (1) << order;
  guint node = h->src_node, zone = h->src_zone;
  XpNodemask mask;
  guint start;
  if (h->src_order != order || !calls_repeat (xen, d, memflags, &mask, &start))
    return 0;

  gsize l = lidx (h, node, zone, order);
  gboolean dirty_ok = (memflags & XP_MEMF_no_scrub) != 0;
  gboolean extra = (memflags & XP_MEMF_no_refcount) != 0;
  /* how often a failed pass 1 moves the list's head: once per visit of
   * the node (a requested node outside the affinity is visited twice) */
  guint moves = 0;
  if (h->src_pass1_failed)
    {
      NodeWalk w;
      request_walk_init (&w, xen, mask, start, memflags);
      do
        moves += w.node == node;
      while (node_walk_next (&w));
    }
  guint64 m = 0;
  while (m < want && h->count[l])
    {
      list_sync (h, l);
      guint32 r = h->count[l] > 1 ? moves % h->count[l] : 0;
      guint32 bi = list_nth (h, l, r);
      Blk *b = &h->blk[bi];
      if (b->n_dirty && (b->n_dirty != unit || !(h->src_pass1_failed || dirty_ok)))
        break;
      if (!charge_unit (xen, d, memflags, node, zone, unit))
        break;
      if (h->count[l] > 1 && moves)
        {
          list_rotate (h, l, moves);
          list_sync (h, l);
        }
      g_assert (h->spine[l].head == bi);
      guint64 pfn = b->pfn;
      XpPages dirty = b->n_dirty;
      list_del (h, bi);
      dirty_handed_out (h, node, dirty);
      h->last_alloc_dirty = dirty;
      blk_set_used (h, bi, pfn, order, unit, node);
      owner_attach (xen, bi, d, OWN_MEMORY, extra);
      m++;
    }
  if (m)
    repeat_pass1 (xen, mask, start, order, memflags, l, m);
  d->last_alloc_node = node;
  return m;
}

guint64
xp_alloc_domheap_pages_bulk (XpXen *xen, XpDomain *d, guint order, guint64 n, guint memflags)
{
  if (order == 0)
    return xp_alloc_domheap_pages_bulk0 (xen, d, n, memflags);
  guint64 done = 0;
  while (done < n)
    {
      guint64 pfn = xp_alloc_domheap_pages (xen, d, order, memflags);
      if (pfn == XP_INVALID_PFN)
        break;
      done++;
      if (done < n)
        {
          guint64 more = carve_below (xen, d, order, memflags, pfn, n - done);
          if (!more)
            more = take_heads (xen, d, order, memflags, n - done);
          done += more;
        }
    }
  return done;
}

/* ---- bulk order-0 allocation ------------------------------------------------------ */

/* Why N order-0 allocations can be done a block at a time:
 *
 * - For order 0, scan_node() succeeds on a node exactly when some zone in
 *   the range has a free page (never skipping dirty blocks), and what it
 *   takes depends only on that node's free lists. So the node each call
 *   lands on is decided by get_free_buddy()'s node walk over per-node
 *   counts of free pages in the zone range, and the pages each node hands
 *   out are what the same number of calls confined to that node would take.
 * - On one node each call takes the head of the smallest non-empty order
 *   in the highest zone with memory. A block of order j taken that way
 *   (no smaller block exists in its zone) is split into halves that are
 *   then the only blocks below order j there, so it is used up top page
 *   first, page by page downwards, before any other block; and after k of
 *   its pages the rest [pfn, pfn + 2^j - k) is free as the aligned blocks
 *   of the binary decomposition of 2^j - k, each alone on its list.
 * - A free block's dirty count is the number of its dirty pages; runs are
 *   kept exactly for partly dirty blocks; a dirty page handed out leaves
 *   the dirty pool. That fixes the dirty state of the remainder.
 * - The DMA rule: every call first tries the zones above the DMA band on
 *   the nodes it may use; once none of them has memory there, calls use
 *   all zones (unless MEMF_no_dma), and the upper zones stay empty.
 * - The claims gate and assign_pages() limits are closed forms in the
 *   number of pages already taken; the bulk stops where either could first
 *   refuse a page and leaves the rest to ordinary calls. So do the
 *   node-claims what-if (whose per-node check depends on the node) and any
 *   refusal by assign_pages().
 *
 * An owner gets each carved run as one record where its first page's call
 * would have appended it; without an owner every page keeps a record. */

typedef struct {
  guint64 top;                 /* first (highest) pfn handed out */
  XpPages count;               /* pages, downwards from @top */
  guint32 reuse;               /* record of the block headed by the run's lowest pfn, or NIL */
  guint8 zone;
} BulkRun;

/* The runs of a node, in the order their pages were taken. Appended to
 * once per block taken: a GArray would copy each with a memcpy() call. */
typedef struct {
  BulkRun *v;
  guint len, cap;
} RunVec;

static inline BulkRun *
run_vec_push (RunVec *a)
{
  if (a->len == a->cap)
    {
      a->cap = a->cap ? a->cap * 2 : 64;
      a->v = g_renew (BulkRun, a->v, a->cap);
    }
  return &a->v[a->len++];
}

typedef struct {
  RunVec runs;
  guint run;                   /* assembly cursor */
  XpPages off;
  XpPages dirty;               /* dirty pages handed out */
  gboolean last_dirty;         /* whether the last page taken was dirty */
} BulkNode;

/* Cut runs at 2^RUN_SPAN-page boundaries (see find_run()), keeping the
 * order pages are taken in; the reused record stays with the lowest page. */
static void
bulk_runs_span (RunVec *runs)
{
  guint i = 0;
  while (i < runs->len)
    {
      BulkRun *r = &runs->v[i];
      guint64 lo = r->top - r->count + 1;
      guint64 cut = r->top & ~((G_GUINT64_CONSTANT (1) << RUN_SPAN) - 1);
      if (cut <= lo)
        {
          i++;
          continue;
        }
      /* [cut, top] first, then [lo, cut - 1] */
      BulkRun upper = { r->top, r->top - cut + 1, NIL, r->zone };
      BulkRun lower = { cut - 1, cut - lo, r->reuse, r->zone };
      run_vec_push (runs);
      memmove (&runs->v[i + 2], &runs->v[i + 1], (runs->len - i - 2) * sizeof (BulkRun));
      runs->v[i] = upper;
      runs->v[i + 1] = lower;
      i++;
    }
}

typedef struct {
  guint off, m;                /* nodes segn[off .. off + m) in turn */
  XpPages r;                   /* rounds */
  guint phase;                 /* zone range */
} BulkSeg;

typedef struct {
  guint64 call;                /* call number of the run's first page */
  guint node, run;
} BulkStart;

/* Dirty pages of free block @bi within [s, e). */
static XpPages
blk_dirty_in (const XpHeap *h, guint32 bi, guint64 s, guint64 e)
{
  const Blk *b = &h->blk[bi];
  if (b->n_dirty == 0)
    return 0;
  if (b->n_dirty == G_GUINT64_CONSTANT (1) << b->order)
    return e - s;
  return dirty_count (h->dirty[b->node], s, e);
}

/* Free pages of @node in zones [zone_lo, zone_hi]. */
static XpPages
zone_range_avail (const XpHeap *h, guint node, guint zone_lo, guint zone_hi)
{
  XpPages sum = 0;
  guint lo = MAX (zone_lo, h->zone_lo[node]);
  guint hi = MIN (zone_hi, h->zone_hi[node]);
  for (guint zone = lo; zone <= hi; zone++)
    sum += h->avail[zidx (node, zone)];
  return sum;
}

/* Take @want pages of @node from zones [zone_lo, zone_hi] (which hold at
 * least that many) as @want order-0 alloc_heap() calls confined to @node
 * would, one block at a time. */
static void
bulk_carve (XpHeap *h, guint node, guint zone_lo, guint zone_hi, XpPages want, BulkNode *bn)
{
  guint lo = MAX (zone_lo, h->zone_lo[node]);
  guint zone = MIN (zone_hi, h->zone_hi[node]);
  GTree *tree = h->dirty[node];
  while (want)
    {
      while (!h->avail[zidx (node, zone)])
        {
          g_assert (zone > lo);
          zone--;
        }
      gsize z = zidx (node, zone);
      guint j = (guint) __builtin_ctz (h->order_mask[z]);
      list_sync (h, lidx (h, node, zone, j));
      guint32 bi = h->spine[lidx (h, node, zone, j)].head;
      guint64 pfn = h->blk[bi].pfn;
      XpPages size = G_GUINT64_CONSTANT (1) << j;
      XpPages blk_dirty = h->blk[bi].n_dirty;
      gboolean partly = blk_dirty && blk_dirty != size;
      XpPages k = MIN (size, want);
      guint64 ts = pfn + size - k;               /* lowest page taken */
      XpPages taken_dirty = blk_dirty_in (h, bi, ts, pfn + size);
      gboolean last_dirty = blk_dirty_in (h, bi, ts, ts + 1) != 0;
      list_del (h, bi);
      if (partly && taken_dirty)
        dirty_remove (tree, ts, pfn + size, taken_dirty);
      BulkRun run = { pfn + size - 1, k, NIL, (guint8) zone };
      if (k == size)
        run.reuse = bi;        /* the block's record and hash entry go to its head page */
      else
        {
          /* the rest, largest block first; the first one keeps the record */
          XpPages rest = size - k;
          guint64 pos = pfn;
          guint32 ri = bi;
          for (guint t = j; t-- > 0;)
            {
              XpPages bs = G_GUINT64_CONSTANT (1) << t;
              if (!(rest & bs))
                continue;
              XpPages nd = blk_dirty == size ? bs : partly ? dirty_count (tree, pos, pos + bs) : 0;
              if (partly && nd == bs)
                dirty_remove (tree, pos, pos + bs, bs);   /* wholly dirty: no runs */
              if (ri == NIL)
                {
                  ri = blk_new (h);
                  hash_put (h, pos, ri);
                }
              blk_set_free (h, ri, pos, t, node, zone, nd);
              ri = NIL;
              pos += bs;
            }
        }
      *run_vec_push (&bn->runs) = run;
      heap_take (h, node, zone, k);
      bn->dirty += taken_dirty;
      bn->last_dirty = last_dirty;
      want -= k;
    }
}

/* get_free_buddy()'s node walk for an order-0 request, where node @node
 * can serve it exactly when cap[node] > 0 (node claims are off). */
static guint
bulk_pick (const XpXen *xen, const XpPages *cap, XpNodemask mask, guint req, gboolean exact,
           gboolean have_d, guint last)
{
  const XpHeap *h = xen->heap;
  guint start = req != XP_NO_NODE ? req : have_d ? xp_nodemask_cycle (mask, last) : xp_nodemask_first (mask);
  NodeWalk w;
  node_walk_init (&w, mask, xen->online_nodes, start, exact, req != XP_NO_NODE);
  do
    if (w.node < h->n_nodes && cap[w.node])
      return w.node;
  while (node_walk_next (&w));
  return XP_NO_NODE;
}

static guint64
alloc_seq0 (XpXen *xen, XpDomain *d, guint64 done, guint64 n, guint memflags)
{
  for (; done < n; done++)
    if (xp_alloc_domheap_pages (xen, d, 0, memflags) == XP_INVALID_PFN)
      break;
  return done;
}

/* @n order-0 alloc_domheap_pages() calls, stopping at the first failure,
 * with the same outcome, done per buddy block where that is provably the
 * same and call by call where it is not. */
static guint64
bulk0_chunk (XpXen *xen, XpDomain *d, guint64 n, guint memflags)
{
  XpHeap *h = xen->heap;
  if (!n)
    return 0;
  if (xen->behaviour.node_claims != XP_NODE_CLAIMS_NONE)
    return alloc_seq0 (xen, d, 0, n, memflags);

  guint fl = memflags;
  if (fl & XP_MEMF_no_owner)
    fl |= XP_MEMF_no_refcount;
  gboolean refcounted = d && !(fl & XP_MEMF_no_refcount);
  gboolean owned = d && !(fl & XP_MEMF_no_owner);
  gboolean extra = owned && (fl & XP_MEMF_no_refcount);
  /* where a page consumes the claim: alloc_heap_pages() (4.22, refcounted
   * requests) or assign_pages() (earlier, every assigned page) */
  gboolean consumes = xen->behaviour.claim_consumed_in_alloc ? refcounted : owned;

  xp_heap_scrub_advance (xen);

  /* The claims gate before page i (i pages taken): with c = the claim the
   * pages consume, claims drop by min(i, c) and free memory by i. A page
   * passes when claims + 1 <= free, or (refcounted) while the claim lasts:
   * all of i < c pass if claims < free or refcounted, then those with
   * i < free + c - claims. */
  XpPages c = consumes ? d->outstanding_pages : 0;
  XpPages k = h->outstanding_claims < h->total_avail ? h->total_avail + c - h->outstanding_claims
                                                      : refcounted ? c : 0;
  /* assign_pages(): dying domains take nothing, refcounted pages up to max_pages */
  if (owned)
    {
      XpPages tot = d->tot_pages - d->extra_pages;
      if (d->dying)
        k = 0;
      else if (!extra)
        k = MIN (k, tot > d->max_pages ? 0 : d->max_pages - tot);
    }
  k = MIN (k, n);
  if (!k)
    return alloc_seq0 (xen, d, 0, n, memflags);

  /* zone ranges: above the DMA band first, then everything */
  guint zone_hi = memflags_zone_hi (fl), dma_zone = dma_zone_top (xen);
  guint rlo[2], nr = 0;
  if (dma_zone && dma_zone < zone_hi)
    rlo[nr++] = dma_zone + 1;
  if (!(fl & XP_MEMF_no_dma))
    rlo[nr++] = 1;

  XpNodemask mask = xen->online_nodes;
  if (d && (d->node_affinity & mask))
    mask &= d->node_affinity;
  guint req = XP_MEMF_get_node (fl);
  gboolean exact = (fl & XP_MEMF_exact_node) != 0;
  guint nn = h->n_nodes;
  g_autofree XpPages *cap = g_new0 (XpPages, nn);
  g_autofree XpPages *cnt = g_new0 (XpPages, 2 * nn);   /* pages per [range][node] */
  guint last = d ? d->last_alloc_node : 0;
  guint p = 0;
  if (nr)
    for (guint node = 0; node < nn; node++)
      cap[node] = zone_range_avail (h, node, rlo[0], zone_hi);

  /* The node of each call, as segments: @r rounds over @m nodes in turn.
   * While the set of nodes that can serve stays the same, the node walk
   * depends only on the previous call's node, so from a node the calls
   * either come back to it after visiting each node of a cycle once (then
   * whole rounds of that cycle follow until a node runs out or the request
   * ends) or they do not (then one call at a time). */
  g_autoptr (GArray) segs = g_array_new (FALSE, FALSE, sizeof (BulkSeg));
  g_autoptr (GByteArray) segn = g_byte_array_new ();
  g_autofree guint8 *cyc = g_new (guint8, nn + 1);
  guint64 done = 0;
  while (done < k)
    {
      guint node = nr ? bulk_pick (xen, cap, mask, req, exact, d != NULL, last) : XP_NO_NODE;
      if (node == XP_NO_NODE && p + 1 < nr)
        {
          /* no node has memory above the DMA band any more */
          p++;
          for (guint i = 0; i < nn; i++)
            cap[i] = zone_range_avail (h, i, rlo[p], zone_hi) - cnt[i];
          node = bulk_pick (xen, cap, mask, req, exact, d != NULL, last);
        }
      if (node == XP_NO_NODE)
        break;
      guint m = 0;
      guint x = node;
      do
        {
          cyc[m++] = (guint8) x;
          x = bulk_pick (xen, cap, mask, req, exact, d != NULL, x);
        }
      while (x != node && m <= nn && memchr (cyc, (int) x, m) == NULL);
      XpPages r = 0;
      if (x == node)
        {
          r = (k - done) / m;
          for (guint i = 0; i < m; i++)
            r = MIN (r, cap[cyc[i]]);
        }
      if (!r)
        {
          m = 1;                      /* one call */
          r = 1;
        }
      BulkSeg sg = { segn->len, m, r, p };
      g_byte_array_append (segn, cyc, m);
      g_array_append_val (segs, sg);
      for (guint i = 0; i < m; i++)
        {
          cap[cyc[i]] -= r;
          cnt[p * nn + cyc[i]] += r;
        }
      done += r * m;
      last = cyc[m - 1];
    }

  g_autofree BulkNode *bn = g_new0 (BulkNode, nn);
  for (guint node = 0; node < nn; node++)
    {
      if (!cnt[node] && !cnt[nn + node])
        continue;
      for (guint r = 0; r < nr; r++)
        if (cnt[r * nn + node])
          bulk_carve (h, node, rlo[r], zone_hi, cnt[r * nn + node], &bn[node]);
      dirty_handed_out (h, node, bn[node].dirty);
      if (owned || d)
        bulk_runs_span (&bn[node].runs);
    }

  /* Hand the pages out. Without an owner every page keeps its own record
   * (their order does not matter). An owner gets each carved run as one
   * record, appended where the call taking its first page would have
   * appended it: the call number of a node's t-th page follows from the
   * segments; sort the runs' first pages by it. */
  guint kind = owned ? OWN_MEMORY : d ? OWN_POOL : OWN_ANON;
  if (kind == OWN_ANON)
    {
      for (guint node = 0; node < nn; node++)
        for (guint j = 0; j < bn[node].runs.len; j++)
          {
            const BulkRun *run = &bn[node].runs.v[j];
            for (XpPages o = 0; o < run->count; o++)
              {
                guint64 pfn = run->top - o;
                guint32 ri;
                if (o + 1 == run->count && run->reuse != NIL)
                  ri = run->reuse;
                else
                  {
                    ri = blk_new (h);
                    hash_put (h, pfn, ri);
                  }
                blk_set_used (h, ri, pfn, 0, 1, node);
                owner_attach (xen, ri, NULL, OWN_ANON, FALSE);
              }
          }
    }
  else
    {
      g_autofree XpPages *seen = g_new0 (XpPages, nn);     /* pages of the node before the segment */
      g_autofree guint *next = g_new0 (guint, nn);         /* next run of the node to place */
      g_autofree XpPages *start = g_new0 (XpPages, nn);    /* node page number of that run's first page */
      /* the call number of each run's first page, per node (increasing) */
      g_autofree guint64 **calls = g_new0 (guint64 *, nn);
      g_autofree guint *n_calls = g_new0 (guint, nn);
      guint64 call = 0;
      for (guint si = 0; si < segs->len; si++)
        {
          const BulkSeg *sg = &g_array_index (segs, BulkSeg, si);
          for (guint i = 0; i < sg->m; i++)
            {
              guint node = segn->data[sg->off + i];
              const RunVec *runs = &bn[node].runs;
              while (next[node] < runs->len && start[node] < seen[node] + sg->r)
                {
                  if (!calls[node])
                    calls[node] = g_new (guint64, runs->len);
                  calls[node][n_calls[node]++] = call + (start[node] - seen[node]) * sg->m + i;
                  start[node] += runs->v[next[node]].count;
                  next[node]++;
                }
              seen[node] += sg->r;
            }
          call += sg->r * sg->m;
        }
      /* merge the nodes' runs in call order: a binary heap of nodes keyed
       * by their next run's call (the nodes' sequences interleave) */
      guint hn = 0;
      g_autofree guint *hp = g_new (guint, nn);
      g_autofree guint *cur = g_new0 (guint, nn);
#define BULK_KEY(x) calls[x][cur[x]]
      for (guint node = 0; node < nn; node++)
        if (n_calls[node])
          {
            guint p = hn++;
            while (p && BULK_KEY (hp[(p - 1) / 2]) > BULK_KEY (node))
              {
                hp[p] = hp[(p - 1) / 2];
                p = (p - 1) / 2;
              }
            hp[p] = node;
          }
      while (hn)
        {
          guint node = hp[0];
          BulkStart one = { BULK_KEY (node), node, cur[node] };
          const BulkStart *st = &one;
          if (++cur[node] == n_calls[node])
            node = hp[--hn];
          /* sift the top (the same node with its next key, or the last) down */
          guint p = 0;
          for (;;)
            {
              guint c = 2 * p + 1;
              if (c >= hn)
                break;
              if (c + 1 < hn && BULK_KEY (hp[c + 1]) < BULK_KEY (hp[c]))
                c++;
              if (BULK_KEY (hp[c]) >= BULK_KEY (node))
                break;
              hp[p] = hp[c];
              p = c;
            }
          if (hn)
            hp[p] = node;
          const BulkRun *run = &bn[st->node].runs.v[st->run];
          guint64 lo = run->top - run->count + 1;
          guint32 ri = run->reuse;
          if (ri == NIL)
            {
              ri = blk_new (h);
              hash_put (h, lo, ri);
            }
          blk_set_used (h, ri, lo, 0, run->count, st->node);
          owner_attach (xen, ri, d, kind, extra);
        }
#undef BULK_KEY
      for (guint node = 0; node < nn; node++)
        g_free (calls[node]);
    }
  for (guint node = 0; node < nn; node++)
    g_free (bn[node].runs.v);

  if (done)
    {
      if (d)
        d->last_alloc_node = last;
      if (owned)
        {
          if (extra)
            d->extra_pages += done;
          d->tot_pages += done;
        }
      if (consumes && d->outstanding_pages)
        consume_claim (xen, d, done);
    }
  if (done < k)
    {
      h->last_alloc_dirty = 0;        /* the failed call's */
      return done;
    }
  h->last_alloc_dirty = bn[last].last_dirty;
  return alloc_seq0 (xen, d, done, n, memflags);
}

/* Pages per bulk step: bounds the per-page scratch memory; a chunk ends
 * exactly as its calls would, so chunks chain like calls do. */
#define BULK_CHUNK (G_GUINT64_CONSTANT (1) << 16)

guint64
xp_alloc_domheap_pages_bulk0 (XpXen *xen, XpDomain *d, guint64 n, guint memflags)
{
  guint64 total = 0;
  while (total < n)
    {
      guint64 want = MIN (n - total, BULK_CHUNK);
      guint64 got = bulk0_chunk (xen, d, want, memflags);
      total += got;
      if (got < want)
        break;
    }
  return total;
}

/* Free the pages [pfn, pfn + n) of @node, which were handed out one by one
 * from the top down, lowest page first (the reverse), as that many
 * order-0 free_heap_pages() calls would. Those calls are done per aligned
 * block of the run's binary decomposition, lowest first: while the pages
 * of such a block go back one by one, every buddy the partial block meets
 * lies inside the block itself, so nothing merges beyond it until its last
 * page is back, and then the whole block merges outwards exactly as one
 * free_heap() of it would; the blocks merged on the way were only on the
 * lists in between. @rec is the record keyed at @pfn (reused) or NIL. */
static void
free_run (XpHeap *h, guint64 pfn, XpPages n, guint node, gboolean need_scrub, guint32 rec)
{
  guint64 end = pfn + n;
  while (pfn < end)
    {
      guint t = pfn ? (guint) __builtin_ctzll (pfn) : h->max_order;
      t = MIN (t, h->max_order);
      while ((G_GUINT64_CONSTANT (1) << t) > end - pfn)
        t--;
      free_heap (h, pfn, t, node, need_scrub, rec);
      rec = NIL;
      pfn += G_GUINT64_CONSTANT (1) << t;
    }
}

static void
free_block (XpXen *xen, guint32 bi, gboolean need_scrub)
{
  XpHeap *h = xen->heap;
  Blk *b = &h->blk[bi];
  guint order = b->order, node = b->node;
  guint64 pfn = b->pfn;
  XpPages n = b->pages;
  owner_detach (xen, bi);
  if (n > G_GUINT64_CONSTANT (1) << order)
    free_run (h, pfn, n, node, need_scrub, bi);
  else
    free_heap (h, pfn, order, node, need_scrub, bi);
}

/* The run record of @d holding the order-@order block at @pfn, or NIL. */
static guint32
find_run (XpHeap *h, XpDomain *d, guint64 pfn, guint order)
{
  guint64 unit = G_GUINT64_CONSTANT (1) << order;
  guint64 span = pfn >> (order + RUN_SPAN);
  if (!d || pfn & (unit - 1))
    return NIL;
  for (guint64 head = pfn; head >> (order + RUN_SPAN) == span; head -= unit)
    {
      guint32 ri = hash_get (h, head);
      if (ri != NIL)
        {
          const Blk *b = &h->blk[ri];
          if (b->state == BLK_USED && blk_owner (h, b) == d && b->order == order && head + b->pages > pfn)
            return ri;
          return NIL;
        }
      if (head < unit)
        break;
    }
  return NIL;
}

/* Free the block at @pfn of run record @ri (more than one block). The
 * blocks above it were handed out before it and those below after it: the
 * part above keeps the run's place in the owner's array and the part below
 * goes to the end, as if handed out last (not in its place: that would
 * move every later extent; only the order of a later relinquish on this
 * node differs, and no toolstack flow frees a page from a run's middle). */
static void
free_run_page (XpXen *xen, guint32 ri, guint64 pfn, gboolean need_scrub)
{
  XpHeap *h = xen->heap;
  Blk *b = &h->blk[ri];
  XpDomain *d = blk_owner (h, b);
  guint node = b->node, kind = b->kind, order = b->order;
  guint32 unit = 1u << order;
  guint64 lo = b->pfn, end = lo + b->pages;
  owner_release_pages (xen, b, unit);
  if (pfn == lo)
    {
      run_rekey (h, ri, lo + unit);
      h->blk[ri].pages -= unit;
    }
  else if (pfn + unit == end)
    h->blk[ri].pages -= unit;
  else
    {
      /* split: a new record for the part above takes the run's slot */
      guint32 ui = blk_new (h);
      b = &h->blk[ri];
      Blk *u = &h->blk[ui];
      *u = *b;
      u->pfn = pfn + unit;
      u->pages = (guint32) (end - pfn - unit);
      u->zone = pfn_zone (u->pfn);
      hash_put (h, u->pfn, ui);
      b = &h->blk[ri];
      b->pages = (guint32) (pfn - lo);
      GArray *arr = owner_array (d, kind);
      XpExtent below = { lo, b->pages, order };
      b->owner_idx = arr->len;
      g_array_append_val (arr, below);
      *open_run_slot (xen, d, kind, node) = ri;
      extent_sync (h, ui);
    }
  b = &h->blk[ri];
  b->zone = pfn_zone (b->pfn);
  extent_sync (h, ri);
  free_heap (h, pfn, order, node, need_scrub, NIL);
}

/* free_domheap_pages(): pages of a dying domain and anonymous pages (incl.
 * paging pools) are freed dirty; a live domain's pages are freed clean.
 * An order-0 page inside a run may be any page of it. */
void
xp_free_domheap_pages (XpXen *xen, XpDomain *d, guint64 pfn, guint order)
{
  XpHeap *h = xen->heap;
  guint32 bi = hash_get (h, pfn);
  if (bi == NIL || h->blk[bi].state != BLK_USED)
    bi = find_run (h, d, pfn, order);
  g_return_if_fail (bi != NIL);
  Blk *b = &h->blk[bi];
  g_return_if_fail (b->state == BLK_USED && b->order == order);
  g_return_if_fail (blk_owner (h, b) == d);
  xp_heap_scrub_advance (xen);
  gboolean need_scrub = b->kind != OWN_MEMORY || d->dying;
  if (b->pages > G_GUINT64_CONSTANT (1) << order)
    free_run_page (xen, bi, pfn, need_scrub);
  else
    free_block (xen, bi, need_scrub);
}

/* domain_relinquish_resources(), memory part: everything, the last handed
 * out first (Xen walks d->page_list from its head instead: on one node
 * either order ends in the same blocks, but the free lists may hold them
 * in another order). */
/* The extents a relinquish frees next are scattered over the records and
 * the pfn maps: ask for the map entries of the one PREFETCH_FAR ahead and
 * for the record of the one PREFETCH_NEAR ahead (its map entry is in cache
 * by then), so the misses overlap instead of coming one by one. */
#define PREFETCH_FAR 8
#define PREFETCH_NEAR 4

static inline void
prefetch_ahead (const XpHeap *h, GArray *arr)
{
  if (arr->len > PREFETCH_FAR)
    {
      guint64 pfn = g_array_index (arr, XpExtent, arr->len - 1 - PREFETCH_FAR).pfn;
      if (in_gmap (h, pfn))
        __builtin_prefetch (&h->gmap[pfn >> GRAIN]);
      else
        __builtin_prefetch (&h->hash[hslot (h, pfn)]);
    }
  if (arr->len > PREFETCH_NEAR)
    {
      const XpExtent *e = &g_array_index (arr, XpExtent, arr->len - 1 - PREFETCH_NEAR);
      if (e->count)
        {
          guint32 ri = hash_get (h, e->pfn);
          if (ri != NIL)
            __builtin_prefetch (&h->blk[ri]);
          /* and where free_heap() looks for its first block's buddy */
          guint64 bpfn = e->pfn ^ (G_GUINT64_CONSTANT (1) << e->order);
          if (in_gmap (h, bpfn))
            __builtin_prefetch (&h->gfree[bpfn >> GRAIN]);
          else
            __builtin_prefetch (&h->hash[hslot (h, bpfn)]);
        }
    }
}

void
xp_domain_relinquish_memory (XpXen *xen, XpDomain *d)
{
  XpHeap *h = xen->heap;
  xp_heap_scrub_advance (xen);
  GArray *arrs[2] = { d->memory, d->paging_pool };
  for (guint k = 0; k < 2; k++)
    while (arrs[k]->len)
      {
        /* Upstream frees the blocks last first. An extent that starts
         * where the one freed before it ends (same node) continues the
         * same climb: its pages go back lowest first right after the
         * ones below them, so the whole chain is one range for
         * free_run(). The records above the first leave before it. */
        XpExtent e = g_array_index (arrs[k], XpExtent, arrs[k]->len - 1);
        prefetch_ahead (h, arrs[k]);
        guint32 bi = hash_get (h, e.pfn);
        guint node = h->blk[bi].node;
        guint64 end = e.pfn + e.count;
        owner_detach (xen, bi);      /* also drops the holes now at the end */
        while (arrs[k]->len)
          {
            XpExtent f = g_array_index (arrs[k], XpExtent, arrs[k]->len - 1);
            if (f.pfn != end)
              break;
            guint32 fi = hash_get (h, f.pfn);
            if (h->blk[fi].node != node)
              break;
            owner_detach (xen, fi);
            hash_del (h, f.pfn);
            blk_release (h, fi);
            end += f.count;
          }
        free_run (h, e.pfn, end - e.pfn, node, TRUE, bi);
      }
}

/* ---- claims ---------------------------------------------------------------------- */

static int
set_outstanding (XpXen *xen, XpDomain *d, XpPages pages, guint node)
{
  XpHeap *h = xen->heap;
  xp_heap_scrub_advance (xen);
  if (pages == 0)
    {
      consume_claim (xen, d, d->outstanding_pages);
      d->claim_node = XP_NO_NODE;
      return 0;
    }
  if (d->outstanding_pages)
    return -EINVAL;
  XpPages tot = d->tot_pages - d->extra_pages;
  if (pages <= tot || pages > d->max_pages)
    return -EINVAL;
  XpPages claim = pages - tot;
  if (h->outstanding_claims > h->total_avail || claim > h->total_avail - h->outstanding_claims)
    return -ENOMEM;
  if (node != XP_NO_NODE)
    {
      if (h->node_claims[node] > h->node_avail[node] || claim > h->node_avail[node] - h->node_claims[node])
        return -ENOMEM;
      h->node_claims[node] += claim;
    }
  d->claim_node = node;
  d->outstanding_pages = claim;
  h->outstanding_claims += claim;
  return 0;
}

/* domain_set_outstanding_pages(). */
int
xp_domain_set_outstanding_pages (XpXen *xen, XpDomain *d, XpPages pages)
{
  return set_outstanding (xen, d, pages, XP_NO_NODE);
}

/* What-if, not upstream: XenServer's single-node claim (reference §2.8). */
int
xp_domain_set_outstanding_pages_node (XpXen *xen, XpDomain *d, XpPages pages, guint node)
{
  if (xen->behaviour.node_claims == XP_NODE_CLAIMS_NONE)
    return -ENOSYS;
  if (node != XP_NO_NODE && (node >= xen->heap->n_nodes || !xp_nodemask_test (xen->online_nodes, node)))
    return -EINVAL;
  return set_outstanding (xen, d, pages, node);
}

/* ---- queries ---------------------------------------------------------------------- */

XpPages xp_heap_total_avail (const XpXen *xen) { return xen->heap->total_avail; }
XpPages xp_heap_outstanding_claims (const XpXen *xen) { return xen->heap->outstanding_claims; }
XpPages xp_heap_alloc_scrubbed_pages (const XpXen *xen) { return xen->heap->alloc_scrubbed; }
XpPages xp_heap_last_alloc_dirty_pages (const XpXen *xen) { return xen->heap->last_alloc_dirty; }
XpPages xp_heap_background_scrubbed_pages (const XpXen *xen) { return xen->heap->bg_scrubbed; }

XpPages
xp_heap_node_avail (const XpXen *xen, guint node)
{
  g_return_val_if_fail (node < xen->heap->n_nodes, 0);
  return xen->heap->node_avail[node];
}

XpPages
xp_heap_node_need_scrub (const XpXen *xen, guint node)
{
  g_return_val_if_fail (node < xen->heap->n_nodes, 0);
  return xen->heap->node_need_scrub[node];
}

XpPages
xp_heap_node_outstanding_claims (const XpXen *xen, guint node)
{
  g_return_val_if_fail (node < xen->heap->n_nodes, 0);
  return xen->heap->node_claims[node];
}

XpPages
xp_heap_node_pages (const XpXen *xen, guint node)
{
  g_return_val_if_fail (node < xen->heap->n_nodes, 0);
  return xen->heap->node_pages[node];
}

void
xp_heap_node_span (const XpXen *xen, guint node, guint64 *start, guint64 *end)
{
  g_return_if_fail (node < xen->heap->n_nodes);
  *start = xen->heap->node_start[node];
  *end = xen->heap->node_end[node];
}

XpPages
xp_heap_node_avail_order (const XpXen *xen, guint node, guint order)
{
  const XpHeap *h = xen->heap;
  g_return_val_if_fail (node < h->n_nodes, 0);
  XpPages sum = 0;
  for (guint zone = 0; zone < NR_ZONES; zone++)
    for (guint j = order; j <= h->max_order; j++)
      sum += (XpPages) h->count[lidx (h, node, zone, j)] << j;
  return sum;
}

guint64
xp_heap_free_blocks (const XpXen *xen)
{
  const XpHeap *h = xen->heap;
  guint64 sum = 0;
  for (gsize l = 0; l < n_lists (h); l++)
    sum += h->count[l];
  return sum;
}

void
xp_heap_dump (XpXen *xen, GString *out)
{
  XpHeap *h = xen->heap;
  xp_heap_scrub_advance (xen);
  g_string_append_printf (out, "heap: %" G_GUINT64_FORMAT " free pages, %" G_GUINT64_FORMAT
                          " dirty, %" G_GUINT64_FORMAT " claimed; dma_bitsize %u\n",
                          h->total_avail, h->total_need_scrub, h->outstanding_claims, xen->dma_bitsize);
  for (guint node = 0; node < h->n_nodes; node++)
    {
      g_string_append_printf (out, "node %u: pfns [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER "x) pages %"
                              G_GUINT64_FORMAT " free %" G_GUINT64_FORMAT " dirty %" G_GUINT64_FORMAT
                              " claimed %" G_GUINT64_FORMAT "%s\n  free by order:",
                              node, h->node_start[node], h->node_end[node], h->node_pages[node],
                              h->node_avail[node], h->node_need_scrub[node], h->node_claims[node],
                              h->idle[node] ? "" : " (no idle CPU)");
      for (guint j = 0; j <= h->max_order; j++)
        {
          guint64 c = 0;
          for (guint zone = 0; zone < NR_ZONES; zone++)
            c += h->count[lidx (h, node, zone, j)];
          if (c)
            g_string_append_printf (out, " %u:%" G_GUINT64_FORMAT, j, c);
        }
      g_string_append_c (out, '\n');
    }
  for (guint i = 0; i < xen->domain_list->len; i++)
    {
      XpDomain *d = g_ptr_array_index (xen->domain_list, i);
      g_autofree char *aff = xp_nodemask_format (d->node_affinity & xen->online_nodes);
      g_string_append_printf (out, "d%u: tot %" G_GUINT64_FORMAT " max %" G_GUINT64_FORMAT " claim %"
                              G_GUINT64_FORMAT " pool %" G_GUINT64_FORMAT " affinity %s%s; per node:",
                              d->domid, d->tot_pages, d->max_pages, d->outstanding_pages,
                              d->paging_pool_pages, aff, d->auto_node_affinity ? " (auto)" : "");
      for (guint node = 0; node < h->n_nodes; node++)
        g_string_append_printf (out, " %" G_GUINT64_FORMAT, d->node_pages[node]);
      g_string_append_c (out, '\n');
    }
}

static gint
cmp_blk_pfn (gconstpointer a, gconstpointer b, gpointer data)
{
  const Blk *blk = data;
  guint64 x = blk[*(const guint32 *) a].pfn, y = blk[*(const guint32 *) b].pfn;
  return x < y ? -1 : x > y;
}

void
xp_heap_dump_state (XpXen *xen, GString *out)
{
  XpHeap *h = xen->heap;
  g_string_append_printf (out, "avail %" G_GUINT64_FORMAT " need_scrub %" G_GUINT64_FORMAT " claims %" G_GUINT64_FORMAT
                          " alloc_scrubbed %" G_GUINT64_FORMAT " last_alloc_dirty %" G_GUINT64_FORMAT
                          " bg_scrubbed %" G_GUINT64_FORMAT "\n",
                          h->total_avail, h->total_need_scrub, h->outstanding_claims, h->alloc_scrubbed,
                          h->last_alloc_dirty, h->bg_scrubbed);
  for (guint node = 0; node < h->n_nodes; node++)
    {
      g_string_append_printf (out, "node %u avail %" G_GUINT64_FORMAT " need_scrub %" G_GUINT64_FORMAT " used %"
                              G_GUINT64_FORMAT " anon %" G_GUINT64_FORMAT " claims %" G_GUINT64_FORMAT "\n",
                              node, h->node_avail[node], h->node_need_scrub[node], h->node_used[node],
                              h->node_anon[node], h->node_claims[node]);
      for (guint zone = 0; zone < NR_ZONES; zone++)
        {
          if (h->avail[zidx (node, zone)])
            g_string_append_printf (out, " zone %u avail %" G_GUINT64_FORMAT " mask %#x\n", zone,
                                    h->avail[zidx (node, zone)], h->order_mask[zidx (node, zone)]);
          for (guint j = 0; j <= h->max_order; j++)
            {
              gsize l = lidx (h, node, zone, j);
              list_sync (h, l);
              if (h->spine[l].head == NIL)
                continue;
              g_string_append_printf (out, "  list z%u o%u n%u:", zone, j, h->count[l]);
              for (ListIter it = list_iter (h, l); it.left;)
                {
                  guint32 i = list_next (h, l, &it);
                  g_string_append_printf (out, " %" G_GINT64_MODIFIER "x/%u", h->blk[i].pfn, h->blk[i].n_dirty);
                }
              g_string_append_c (out, '\n');
            }
        }
      g_string_append (out, " runs:");
      for (GTreeNode *tn = g_tree_node_first (h->dirty[node]); tn; tn = g_tree_node_next (tn))
        g_string_append_printf (out, " [%" G_GINT64_MODIFIER "x,%" G_GINT64_MODIFIER "x)",
                                K2P (g_tree_node_key (tn)), K2P (g_tree_node_value (tn)));
      g_string_append_c (out, '\n');
    }
  g_autoptr (GArray) used = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint32 i = 0; i < h->n_blk; i++)
    if (h->blk[i].state == BLK_USED)
      g_array_append_val (used, i);
  g_array_sort_with_data (used, cmp_blk_pfn, h->blk);
  for (guint i = 0; i < used->len; i++)
    {
      const Blk *b = &h->blk[g_array_index (used, guint32, i)];
      g_string_append_printf (out, "used %" G_GINT64_MODIFIER "x o%u c%u n%u z%u", b->pfn, b->order, b->pages, b->node, b->zone);
      if (b->owner_id != OWNER_NONE)
        g_string_append_printf (out, " d%u k%u x%u #%u", blk_owner (h, b)->domid, b->kind, b->extra, b->owner_idx);
      g_string_append_c (out, '\n');
    }
  for (guint i = 0; i < xen->domain_list->len; i++)
    {
      XpDomain *d = g_ptr_array_index (xen->domain_list, i);
      g_string_append_printf (out, "d%u tot %" G_GUINT64_FORMAT " extra %" G_GUINT64_FORMAT " max %" G_GUINT64_FORMAT
                              " claim %" G_GUINT64_FORMAT "@%u pool %" G_GUINT64_FORMAT " last_node %u nodes",
                              d->domid, d->tot_pages, d->extra_pages, d->max_pages, d->outstanding_pages,
                              d->claim_node, d->paging_pool_pages, d->last_alloc_node);
      for (guint node = 0; node < h->n_nodes; node++)
        g_string_append_printf (out, " %" G_GUINT64_FORMAT, d->node_pages[node]);
      g_string_append (out, "\n memory:");
      for (guint e = 0; e < d->memory->len; e++)
        {
          XpExtent x = g_array_index (d->memory, XpExtent, e);
          g_string_append_printf (out, " %" G_GINT64_MODIFIER "x+%u", x.pfn, x.count);
        }
      g_string_append (out, "\n pool:");
      for (guint e = 0; e < d->paging_pool->len; e++)
        {
          XpExtent x = g_array_index (d->paging_pool, XpExtent, e);
          g_string_append_printf (out, " %" G_GINT64_MODIFIER "x+%u", x.pfn, x.count);
        }
      g_string_append_c (out, '\n');
    }
}

/* ---- background scrubbing ----------------------------------------------------------- */

/* scrub_free_pages() on @node with a budget of @budget pages: zones low to
 * high, orders high to low, dirty tail blocks first. Returns pages zeroed. */
static XpPages
scrub_node (XpHeap *h, guint node, XpPages budget)
{
  XpPages done = 0;
  for (guint zone = h->zone_lo[node]; zone <= h->zone_hi[node] && done < budget; zone++)
    {
      /* the lists with a dirty block (at the tail), highest order first */
      guint32 dm = h->dirty_mask[zidx (node, zone)];
      while (dm && done < budget)
        {
          guint j = 31 - (guint) __builtin_clz (dm);
          dm &= ~(1u << j);
          gsize l = lidx (h, node, zone, j);
          list_sync (h, l);
          while (done < budget)
            {
              guint32 bi = list_tail (h, l);
              if (bi == NIL || h->blk[bi].n_dirty == 0)
                break;
              Blk *b = &h->blk[bi];
              XpPages size = G_GUINT64_CONSTANT (1) << j, z;
              if (b->n_dirty == size)
                {
                  /* wholly dirty: zero from the start; the rest becomes a run */
                  z = MIN (size, budget - done);
                  if (z < size)
                    dirty_add (h->dirty[node], b->pfn + z, b->pfn + size);
                }
              else
                z = dirty_remove (h->dirty[node], b->pfn, b->pfn + size, budget - done);
              done += z;
              if (b->n_dirty > z)
                {
                  b->n_dirty -= (guint32) z;
                  break;           /* budget exhausted inside this block */
                }
              list_del (h, bi);
              b->n_dirty = 0;
              list_add (h, bi);    /* clean now: to the head */
            }
        }
    }
  node_dirty_dec (h, node, done);
  h->bg_scrubbed += done;
  return done;
}

void
xp_heap_scrub_advance (XpXen *xen)
{
  XpHeap *h = xen->heap;
  XpTime now = xp_xen_now (xen);
  if (now == h->scrub_seen)
    return;
  h->scrub_seen = now;
  /* Every operation that dirties memory calls this first, so dirt found
   * now appeared after clean_at: no node was dirty before then. */
  if (!h->total_need_scrub)
    {
      h->clean_at = now;
      return;
    }
  const unsigned __int128 unit = (unsigned __int128) XP_PAGE_SIZE * XP_NSEC_PER_SEC;
  for (guint node = 0; node < h->n_nodes; node++)
    {
      XpTime last = MAX (h->scrub_last[node], h->clean_at);
      if (now <= last)
        continue;
      h->scrub_last[node] = now;
      if (!h->node_need_scrub[node] || !xen->params.scrub_bytes_per_sec)
        {
          h->scrub_acc[node] = 0;
          continue;
        }
      guint by = h->scrubbed_by[node];
      if (by == XP_NO_NODE || !h->idle[by])
        continue;
      unsigned __int128 acc = h->scrub_acc[node]
        + (unsigned __int128) (guint64) (now - last) * xen->params.scrub_bytes_per_sec;
      XpPages budget = (XpPages) MIN (acc / unit, (unsigned __int128) h->node_need_scrub[node]);
      XpPages done = scrub_node (h, node, budget);
      h->scrub_acc[node] = h->node_need_scrub[node] ? acc - (unsigned __int128) done * unit : 0;
    }
}

void
xp_heap_set_node_idle (XpXen *xen, guint node, gboolean has_idle_cpu)
{
  g_return_if_fail (node < xen->heap->n_nodes);
  xp_heap_scrub_advance (xen);
  xen->heap->idle[node] = has_idle_cpu;
}

/* ---- setup (called from setup.c) ------------------------------------------------------- */

/* init_heap_pages(): hand [s, e) of @node to the heap in maximal aligned chunks. */
static void
init_range (XpHeap *h, guint node, guint64 s, guint64 e, gboolean dirty)
{
  if (s == 0)
    s = 1;                      /* pfn 0 never enters the heap */
  while (s < e)
    {
      guint order = s ? (guint) __builtin_ctzll (s) : h->max_order;
      order = MIN (order, h->max_order);
      while ((G_GUINT64_CONSTANT (1) << order) > e - s)
        order--;
      XpPages n = G_GUINT64_CONSTANT (1) << order;
      h->node_pages[node] += n;
      h->node_used[node] += n;   /* free_heap() moves it to free */
      free_heap (h, s, order, node, dirty, NIL);
      s += n;
    }
}

XpHeap *
xp_heap_new (XpXen *xen, const guint64 *node_start, const guint64 *node_end,
             guint64 hole_start, guint64 hole_end)
{
  const XpTopology *t = xen->topo;
  XpHeap *h = g_new0 (XpHeap, 1);
  h->xen = xen;
  guint n = t->n_nodes;
  h->n_nodes = n;
  h->max_order = xen->params.max_order;
  h->n_orders = h->max_order + 1;
  h->free_rec = NIL;
  h->hmask = 1023;
  h->hshift = 64 - 10;
  h->hash = g_new (HEnt, 1024);
  for (guint i = 0; i < 1024; i++)
    h->hash[i].key = HASH_EMPTY;
  guint64 top = 0;
  for (guint i = 0; i < n; i++)
    top = MAX (top, node_end[i]);
  h->gmap_len = (top >> GRAIN) + 1;
  h->gmap = g_new0 (guint32, h->gmap_len);
  h->gfree = g_new0 (guint8, h->gmap_len);
  gsize nl = n_lists (h);
  h->spine = g_new0 (Spine, nl);
  for (gsize l = 0; l < nl; l++)
    h->spine[l].head = NIL;
  h->free_chunk = NIL;
  h->count = g_new0 (guint32, nl);
  h->order_mask = g_new0 (guint32, (gsize) n * NR_ZONES);
  h->clean_mask = g_new0 (guint32, (gsize) n * NR_ZONES);
  h->dirty_mask = g_new0 (guint32, (gsize) n * NR_ZONES);
  h->rot = g_new0 (guint64, nl);
  h->avail = g_new0 (XpPages, (gsize) n * NR_ZONES);
  h->node_avail = g_new0 (XpPages, n);
  h->node_need_scrub = g_new0 (XpPages, n);
  h->node_pages = g_new0 (XpPages, n);
  h->node_used = g_new0 (XpPages, n);
  h->node_anon = g_new0 (XpPages, n);
  h->node_claims = g_new0 (XpPages, n);
  h->node_start = g_memdup2 (node_start, n * sizeof (guint64));
  h->node_end = g_memdup2 (node_end, n * sizeof (guint64));
  h->zone_lo = g_new (guint, n);
  h->zone_hi = g_new (guint, n);
  h->dirty = g_new (GTree *, n);
  h->scrub_last = g_new0 (XpTime, n);
  h->scrub_acc = g_new0 (unsigned __int128, n);
  h->idle = g_new (gboolean, n);
  h->scrubbed_by = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    {
      h->dirty[i] = g_tree_new (cmp_pfn);
      h->idle[i] = TRUE;
      h->zone_lo[i] = pfn_zone (MAX (node_start[i], 1));
      h->zone_hi[i] = MIN (pfn_zone (node_end[i] - 1), (guint) NR_ZONES - 1);
      h->scrub_last[i] = xp_xen_now (xen);
      /* node_to_scrub(): a node with CPUs is scrubbed by its own idle CPUs; a
       * CPU-less node by the closest node with CPUs (ties: lowest id). The
       * model lets it be scrubbed whenever that node has an idle CPU,
       * ignoring that the helper may be busy with its own dirty memory. */
      if (t->nodes[i].n_cpus)
        h->scrubbed_by[i] = i;
      else
        {
          guint best = XP_NO_NODE, bd = G_MAXUINT;
          for (guint j = 0; j < n; j++)
            if (t->nodes[j].n_cpus && xp_topology_distance (t, i, j) < bd)
              {
                bd = xp_topology_distance (t, i, j);
                best = j;
              }
          h->scrubbed_by[i] = best;
        }
    }
  h->scrub_seen = h->clean_at = xp_xen_now (xen);
  xen->heap = h;
  /* end_boot_allocator(): ascending addresses per node (the list order only
   * depends on the order within a node). */
  for (guint i = 0; i < n; i++)
    {
      guint64 s = node_start[i], e = node_end[i];
      if (hole_start < hole_end && s < hole_end && e > hole_start)
        {
          init_range (h, i, s, hole_start > s ? hole_start : s, xen->params.boot_memory_dirty);
          init_range (h, i, hole_end < e ? hole_end : e, e, xen->params.boot_memory_dirty);
        }
      else
        init_range (h, i, s, e, xen->params.boot_memory_dirty);
    }
  return h;
}

void
xp_heap_free (XpHeap *h)
{
  if (!h)
    return;
  for (guint i = 0; i < h->n_nodes; i++)
    g_tree_destroy (h->dirty[i]);
  g_free (h->dirty);
  g_free (h->blk);
  g_free (h->hash);
  g_free (h->gmap);
  g_free (h->gfree);
  for (gsize l = 0; l < n_lists (h); l++)
    g_free (h->spine[l].ids);
  g_free (h->spine);
  g_aligned_free (h->chunk);
  g_free (h->count);
  g_free (h->order_mask);
  g_free (h->clean_mask);
  g_free (h->dirty_mask);
  g_free (h->rot);
  g_free (h->avail);
  g_free (h->node_avail);
  g_free (h->node_need_scrub);
  g_free (h->node_pages);
  g_free (h->node_used);
  g_free (h->node_anon);
  g_free (h->node_claims);
  g_free (h->node_start);
  g_free (h->node_end);
  g_free (h->zone_lo);
  g_free (h->zone_hi);
  g_free (h->scrub_last);
  g_free (h->scrub_acc);
  g_free (h->idle);
  g_free (h->scrubbed_by);
  g_free (h);
}

/* ---- invariants ---------------------------------------------------------------------- */

gboolean
xp_heap_check_invariants (XpXen *xen, GString *why)
{
  XpHeap *h = xen->heap;
  guint n = h->n_nodes;
  gboolean ok = TRUE;
  g_autofree XpPages *free_walk = g_new0 (XpPages, n);
  g_autofree XpPages *used_walk = g_new0 (XpPages, n);
  g_autofree XpPages *dirty_walk = g_new0 (XpPages, n);
  g_autofree XpPages *dom_sum = g_new0 (XpPages, n);
  g_autofree XpPages *run_walk = g_new0 (XpPages, n);
  XpPages total = 0;

#define FAIL(...) do { ok = FALSE; if (why) { g_string_append_printf (why, __VA_ARGS__); g_string_append_c (why, '\n'); } } while (0)

  for (guint32 i = 0; i < h->n_blk; i++)
    {
      Blk *b = &h->blk[i];
      if (b->state == BLK_UNUSED)
        continue;
      XpPages sz = G_GUINT64_CONSTANT (1) << b->order;
      if (b->state == BLK_USED)
        {
          if (b->pages < sz || b->pages % sz)
            FAIL ("used record %" G_GUINT64_FORMAT " order %u holds %u pages", b->pfn, b->order, b->pages);
          sz = b->pages;
          if (b->owner_id != OWNER_NONE && b->kind != OWN_ANON)
            {
              GArray *arr = owner_array (blk_owner (h, b), b->kind);
              const XpExtent *e = b->owner_idx < arr->len ? &g_array_index (arr, XpExtent, b->owner_idx) : NULL;
              if (!e || e->pfn != b->pfn || e->count != sz || e->order != b->order)
                FAIL ("used record %" G_GUINT64_FORMAT " +%" G_GUINT64_FORMAT " does not match its extent #%u of d%u",
                      b->pfn, sz, b->owner_idx, blk_owner (h, b)->domid);
            }
        }
      if (b->pfn & ((G_GUINT64_CONSTANT (1) << b->order) - 1))
        FAIL ("block %" G_GUINT64_FORMAT " order %u not aligned", b->pfn, b->order);
      if (xp_heap_pfn_to_node (xen, b->pfn) != b->node || xp_heap_pfn_to_node (xen, b->pfn + sz - 1) != b->node)
        FAIL ("block %" G_GUINT64_FORMAT " not on node %u", b->pfn, b->node);
      if (hash_get (h, b->pfn) != i)
        FAIL ("block %" G_GUINT64_FORMAT " missing from the pfn hash", b->pfn);
      if (b->state == BLK_FREE && !in_gmap (h, b->pfn) && hash_find_free (h, b->pfn, b->order) != i)
        FAIL ("free block %" G_GUINT64_FORMAT " order %u: its hash entry's hint does not say so", b->pfn, b->order);
      if (in_gmap (h, b->pfn) && h->gfree[b->pfn >> GRAIN] != (b->state == BLK_FREE ? b->order + 1 : 0))
        FAIL ("block %" G_GUINT64_FORMAT ": free-order byte %u, block is %s of order %u", b->pfn,
              h->gfree[b->pfn >> GRAIN], b->state == BLK_FREE ? "free" : "used", b->order);
      if (b->state == BLK_FREE)
        {
          free_walk[b->node] += sz;
          dirty_walk[b->node] += b->n_dirty;
          if (b->order < h->max_order)
            {
              guint32 bi = hash_get (h, b->pfn ^ sz);
              if (bi != NIL && h->blk[bi].state == BLK_FREE && h->blk[bi].order == b->order
                  && h->blk[bi].node == b->node)
                FAIL ("free buddies %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT " not merged",
                      b->pfn, b->pfn ^ sz);
            }
          XpPages runs = dirty_count (h->dirty[b->node], b->pfn, b->pfn + sz);
          if (b->n_dirty > sz || runs != (b->n_dirty == sz ? 0 : b->n_dirty))
            FAIL ("block %" G_GUINT64_FORMAT " order %u: dirty count %" G_GUINT64_FORMAT
                  " disagrees with %" G_GUINT64_FORMAT " pages of runs", b->pfn, b->order, (XpPages) b->n_dirty, runs);
          if (b->n_dirty != sz)
            run_walk[b->node] += runs;
        }
      else
        used_walk[b->node] += sz;
    }
  for (guint node = 0; node < n; node++)
    {
      if (free_walk[node] != h->node_avail[node])
        FAIL ("node %u: free blocks %" G_GUINT64_FORMAT " != avail %" G_GUINT64_FORMAT,
              node, free_walk[node], h->node_avail[node]);
      if (used_walk[node] != h->node_used[node])
        FAIL ("node %u: used blocks %" G_GUINT64_FORMAT " != used %" G_GUINT64_FORMAT,
              node, used_walk[node], h->node_used[node]);
      if (h->node_avail[node] + h->node_used[node] != h->node_pages[node])
        FAIL ("node %u: free %" G_GUINT64_FORMAT " + allocated %" G_GUINT64_FORMAT " != node pages %" G_GUINT64_FORMAT,
              node, h->node_avail[node], h->node_used[node], h->node_pages[node]);
      if (dirty_walk[node] != h->node_need_scrub[node])
        FAIL ("node %u: dirty blocks %" G_GUINT64_FORMAT " != need_scrub %" G_GUINT64_FORMAT,
              node, dirty_walk[node], h->node_need_scrub[node]);
      XpPages runs = 0;
      for (GTreeNode *tn = g_tree_node_first (h->dirty[node]); tn; tn = g_tree_node_next (tn))
        runs += K2P (g_tree_node_value (tn)) - K2P (g_tree_node_key (tn));
      if (runs != run_walk[node])
        FAIL ("node %u: %" G_GUINT64_FORMAT " pages of dirty runs, partly dirty blocks hold %" G_GUINT64_FORMAT,
              node, runs, run_walk[node]);
      if (h->node_need_scrub[node] > h->node_avail[node])
        FAIL ("node %u: need_scrub > free", node);
      XpPages za = 0;
      for (guint z = 0; z < NR_ZONES; z++)
        za += h->avail[zidx (node, z)];
      if (za != h->node_avail[node])
        FAIL ("node %u: zone avail sum %" G_GUINT64_FORMAT " != node avail", node, za);
      total += h->node_avail[node];
    }
  for (gsize l = 0; l < n_lists (h); l++)
    {
      guint32 c = 0;
      list_sync (h, l);
      guint node = (guint) (l / h->n_orders / NR_ZONES), zone = (guint) (l / h->n_orders % NR_ZONES);
      guint order = (guint) (l % h->n_orders);
      guint32 hd = h->spine[l].head;
      gboolean clean = hd != NIL && h->blk[hd].n_dirty == 0;
      if (clean != !!(h->clean_mask[zidx (node, zone)] & (1u << order)))
        FAIL ("free list %" G_GSIZE_FORMAT ": clean head bit wrong", l);
      /* the chunks: none empty (but an empty list's one), every entry's
       * record names its chunk and its dirty bit says whether it is dirty */
      const Spine *s = &h->spine[l];
      if (!h->count[l] && s->len > 1)
        FAIL ("free list %" G_GSIZE_FORMAT ": empty, with %u chunks", l, s->len);
      for (guint32 p = 0; p < s->len; p++)
        {
          const Chunk *ch = &h->chunk[s->ids[p]];
          if ((!ch->n && h->count[l]) || ch->n > CHUNK_CAP)
            FAIL ("free list %" G_GSIZE_FORMAT ": chunk %u holds %u entries", l, s->ids[p], ch->n);
          if (ch->dirty >> ch->n)
            FAIL ("free list %" G_GSIZE_FORMAT ": chunk %u has dirty bits on unused slots", l, s->ids[p]);
          for (guint32 k = 0; k < ch->n && k < CHUNK_CAP; k++)
            {
              const Blk *b = &h->blk[MIN (ch->e[k], h->n_blk - 1)];
              if (ch->e[k] >= h->n_blk || b->chunk != s->ids[p] || b->state != BLK_FREE || lidx (h, b->node, b->zone, b->order) != l)
                FAIL ("free list %" G_GSIZE_FORMAT ": block %" G_GUINT64_FORMAT " does not belong in chunk %u",
                      l, b->pfn, s->ids[p]);
              else if (!(ch->dirty >> k & 1) != !b->n_dirty)
                FAIL ("free list %" G_GSIZE_FORMAT ": the dirty bit of block %" G_GUINT64_FORMAT " is wrong",
                      l, b->pfn);
            }
          c += ch->n;
        }
      if (c != h->count[l])
        {
          FAIL ("free list %" G_GSIZE_FORMAT ": %u blocks, counter says %u", l, c, h->count[l]);
          continue;
        }
      if (c && (s->hc >= s->len || s->ho >= h->chunk[s->ids[s->hc]].n))
        {
          FAIL ("free list %" G_GSIZE_FORMAT ": head position %u/%u outside the list", l, s->hc, s->ho);
          continue;
        }
      if (hd != (c ? h->chunk[s->ids[s->hc]].e[s->ho] : NIL))
        FAIL ("free list %" G_GSIZE_FORMAT ": head %u is not the entry at the head position", l, hd);
      if (c && (s->hchunk != s->ids[s->hc] || s->pchunk != s->ids[s->hc ? s->hc - 1 : s->len - 1]))
        FAIL ("free list %" G_GSIZE_FORMAT ": the chunks at the head are not where the spine has them", l);

      gboolean seen_dirty = FALSE;
      guint32 nd = 0;
      for (ListIter it = list_iter (h, l); it.left;)
        {
          guint32 i = list_next (h, l, &it);
          nd += h->blk[i].n_dirty != 0;
          if (h->blk[i].n_dirty)
            seen_dirty = TRUE;
          else if (seen_dirty)
            FAIL ("free list %" G_GSIZE_FORMAT ": clean block %" G_GUINT64_FORMAT " after a dirty one", l, h->blk[i].pfn);
        }
      if (nd != h->spine[l].n_dirty || !nd != !(h->dirty_mask[zidx (node, zone)] & (1u << order)))
        FAIL ("free list %" G_GSIZE_FORMAT ": %u dirty blocks, counter says %u", l, nd, h->spine[l].n_dirty);
    }
  if (total != h->total_avail)
    FAIL ("total_avail %" G_GUINT64_FORMAT " != sum of nodes %" G_GUINT64_FORMAT, h->total_avail, total);

  XpPages claims = 0;
  g_autofree XpPages *nclaims = g_new0 (XpPages, n);
  for (guint i = 0; i < xen->domain_list->len; i++)
    {
      XpDomain *d = g_ptr_array_index (xen->domain_list, i);
      XpPages tot = 0;
      for (guint node = 0; node < n; node++)
        {
          dom_sum[node] += d->node_pages[node];
          tot += d->node_pages[node];
        }
      for (guint k = 0; k < 2; k++)
        {
          GArray *arr = k ? d->paging_pool : d->memory;
          guint holes = 0;
          for (guint x = 0; x < arr->len; x++)
            {
              XpExtent e = g_array_index (arr, XpExtent, x);
              if (!e.count)
                holes++;
              else
                {
                  guint32 ri = hash_get (h, e.pfn);
                  if (ri == NIL || h->blk[ri].state != BLK_USED || blk_owner (h, &h->blk[ri]) != d || h->blk[ri].owner_idx != x)
                    FAIL ("d%u: extent #%u at %" G_GUINT64_FORMAT " has no record", d->domid, x, e.pfn);
                }
            }
          if (holes != d->holes[k] || (arr->len && !g_array_index (arr, XpExtent, arr->len - 1).count))
            FAIL ("d%u: %u holes in %s, counter says %u (or one at the end)", d->domid, holes,
                  k ? "paging pool" : "memory", d->holes[k]);
        }
      if (tot != d->tot_pages)
        FAIL ("d%u: node_pages sum %" G_GUINT64_FORMAT " != tot_pages %" G_GUINT64_FORMAT,
              d->domid, tot, d->tot_pages);
      if (d->extra_pages > d->tot_pages)
        FAIL ("d%u: extra_pages > tot_pages", d->domid);
      claims += d->outstanding_pages;
      if (d->outstanding_pages && d->claim_node != XP_NO_NODE && d->claim_node < n)
        nclaims[d->claim_node] += d->outstanding_pages;
    }
  for (guint node = 0; node < n; node++)
    {
      if (dom_sum[node] + h->node_anon[node] != h->node_used[node])
        FAIL ("node %u: domains %" G_GUINT64_FORMAT " + anonymous %" G_GUINT64_FORMAT " != allocated %" G_GUINT64_FORMAT,
              node, dom_sum[node], h->node_anon[node], h->node_used[node]);
      if (nclaims[node] != h->node_claims[node])
        FAIL ("node %u: node claims %" G_GUINT64_FORMAT " != sum of domains' %" G_GUINT64_FORMAT,
              node, h->node_claims[node], nclaims[node]);
    }
  if (claims != h->outstanding_claims)
    FAIL ("outstanding_claims %" G_GUINT64_FORMAT " != sum of domains' %" G_GUINT64_FORMAT,
          h->outstanding_claims, claims);
#undef FAIL
  return ok;
}
