/* xenplace — libxenguest memory population (meminit_hvm / meminit_pv). */
#include "config.h"
#include <errno.h>
#include "sim/xenguest.h"

#define PAGES_1G  (G_GUINT64_CONSTANT (1) << 18)
#define PAGES_2M  (G_GUINT64_CONSTANT (1) << 9)
#define FOUR_GIB_PFN (G_GUINT64_CONSTANT (1) << 20)

void
xp_meminit_hvm_init (XpMeminit *m, guint32 domid, XpPages mem_pages, guint64 mmio_bytes,
                     guint node, gboolean exact)
{
  memset (m, 0, sizeof *m);
  m->domid = domid;
  m->device_model = TRUE;
  /* libxl__build_hvm: lowmem_end = min(mem_size, 4 GiB - mmio_size); the
   * excess goes above 4 GiB. */
  guint64 hole_start = FOUR_GIB_PFN - (mmio_bytes >> XP_PAGE_SHIFT);
  guint64 lowmem_end = MIN (mem_pages, hole_start);
  m->range_start[0] = 0;
  m->range_end[0] = lowmem_end;
  m->n_ranges = 1;
  if (mem_pages > lowmem_end)
    {
      m->range_start[1] = FOUR_GIB_PFN;
      m->range_end[1] = FOUR_GIB_PFN + (mem_pages - lowmem_end);
      m->n_ranges = 2;
    }
  if (node != XP_NO_NODE)
    m->xenmemflags = exact ? XP_XENMEMF_exact_node (node) : XP_XENMEMF_node (node);
  m->cur = 0xC0;   /* 0..0x9F are done first, 0xA0..0xBF is the VGA hole */
}

void
xp_meminit_pv_init (XpMeminit *m, guint32 domid, XpPages mem_pages, guint node, gboolean exact)
{
  memset (m, 0, sizeof *m);
  m->domid = domid;
  m->device_model = FALSE;
  m->low_done = TRUE;
  m->range_start[0] = 0;
  m->range_end[0] = mem_pages;
  m->n_ranges = 1;
  if (node != XP_NO_NODE)
    m->xenmemflags = exact ? XP_XENMEMF_exact_node (node) : XP_XENMEMF_node (node);
}

XpPages
xp_meminit_total_pages (const XpMeminit *m)
{
  XpPages total = 0;
  for (guint i = 0; i < m->n_ranges; i++)
    total += m->range_end[i] - m->range_start[i];
  if (m->device_model)
    total -= XP_VGA_HOLE_PAGES;
  return total;
}

static gint64
populate (XpHv *hv, XpMeminit *m, guint64 n, guint order)
{
  m->populate_calls++;
  return hv->ops->populate_physmap (hv, m->domid, n, order, m->xenmemflags);
}

/* The 4 KiB fallback of a pass (populate through _exact): any shortfall
 * fails the build. Returns 0 or -errno. */
static gint64
fill_4k (XpHv *hv, XpMeminit *m, guint64 count)
{
  gint64 done = populate (hv, m, count, XP_ORDER_4K);
  if (done < 0)
    return done;
  if ((guint64) done != count)
    return -EBUSY;
  m->pages_4k += count;
  m->cur += count;
  return 0;
}

/* meminit_hvm's clipping of one pass: at most @max pages; an unaligned
 * start stops at the next superpage boundary, an aligned one keeps whole
 * superpages of @sp pages (the tail is left for later passes). */
static guint64
clip_to_superpages (guint64 cur_pfn, guint64 count, guint64 max, guint64 sp)
{
  if (count > max)
    count = max;
  if ((cur_pfn & (sp - 1)) && count > (-cur_pfn & (sp - 1)))
    count = -cur_pfn & (sp - 1);
  else if ((count & (sp - 1)) && count > sp)
    count &= ~(sp - 1);
  return count;
}

/* One pass of meminit_hvm's inner while loop: at most one GiB. Returns pages
 * done or -errno. */
static gint64
hvm_one_chunk (XpHv *hv, XpMeminit *m, guint64 end)
{
  guint64 cur_pfn = m->cur, count = end - m->cur;
  guint64 start = m->cur;

  count = clip_to_superpages (cur_pfn, count, PAGES_1G, PAGES_1G);

  /* One 1 GiB attempt when aligned and clear of the MMIO hole (the hole
   * lies between the two ranges here, so only alignment matters). */
  if (((count | cur_pfn) & (PAGES_1G - 1)) == 0)
    {
      gint64 done = populate (hv, m, count >> 18, XP_ORDER_1G);
      if (done > 0)
        {
          m->extents_1g += (guint64) done;
          m->cur += (guint64) done << 18;
          count -= (guint64) done << 18;
        }
    }

  if (count)
    {
      /* at most 8 MiB of 2 MiB extents per pass, clipped to 2 MiB
       * boundaries; note Xen's loop keeps using the pass's first pfn */
      count = clip_to_superpages (cur_pfn, count, 4 * PAGES_2M, PAGES_2M);
      if (((count | cur_pfn) & (PAGES_2M - 1)) == 0)
        {
          gint64 done = populate (hv, m, count >> 9, XP_ORDER_2M);
          if (done > 0)
            {
              m->extents_2m += (guint64) done;
              m->cur += (guint64) done << 9;
              count -= (guint64) done << 9;
            }
        }
    }

  if (count)
    {
      gint64 rc = fill_4k (hv, m, count);
      if (rc < 0)
        return rc;
    }
  return (gint64) (m->cur - start);
}

/* Several passes of hvm_one_chunk() at once, where they would all be the
 * same plain pass: 2 MiB aligned, not at a 1 GiB boundary (no 1 GiB
 * attempt), four 2 MiB extents each, none crossing a 1 GiB boundary or the
 * range's end, and as many as the budget lets start. One populate call for
 * all of them ends as the calls one by one would (the backend says so);
 * from the first extent that fails, the pass it belongs to falls back to
 * 4 KiB pages as hvm_one_chunk() does, and the passes after it are left to
 * the caller. Returns pages done, 0 when there is nothing to merge, or
 * -errno. The counters (populate calls, extents) are those of the passes. */
static gint64
hvm_merged_passes (XpHv *hv, XpMeminit *m, guint64 end, guint64 budget_left)
{
  const guint64 pass = 4 * PAGES_2M;
  guint64 cur = m->cur;
  if ((cur & (PAGES_2M - 1)) || !(cur & (PAGES_1G - 1)) || !budget_left)
    return 0;
  guint64 room = MIN (end - cur, PAGES_1G - (cur & (PAGES_1G - 1)));
  guint64 passes = MIN (room / pass, (budget_left + pass - 1) / pass);
  if (passes < 2)
    return 0;
  guint64 want = passes * 4;
  gint64 got = hv->ops->populate_physmap (hv, m->domid, want, XP_ORDER_2M, m->xenmemflags);
  guint64 done = got > 0 ? (guint64) got : 0;
  m->extents_2m += done;
  m->cur += done << 9;
  if (done == want)
    {
      m->populate_calls += passes;
      return (gint64) (done << 9);
    }
  /* the pass holding the failed extent: its 2 MiB call, then 4 KiB */
  m->populate_calls += done / 4 + 1;
  guint64 rest = pass - (done % 4) * PAGES_2M;
  gint64 rc = fill_4k (hv, m, rest);
  if (rc < 0)
    return rc;
  return (gint64) ((done << 9) + rest);
}

/* meminit_pv: 2 MiB extents in batches (partial success allowed), then the
 * rest as 4 KiB pages through _exact. */
static gint64
pv_one_chunk (XpHv *hv, XpMeminit *m, guint64 end, XpPages budget)
{
  guint64 start = m->cur;
  guint64 superpages = (end - m->cur) >> 9;
  if (superpages && (m->cur & (PAGES_2M - 1)) == 0)
    {
      guint64 batch = MIN (superpages, MAX (G_GUINT64_CONSTANT (1), budget >> 9));
      batch = MIN (batch, 512);   /* SUPERPAGE_BATCH_SIZE */
      gint64 done = populate (hv, m, batch, XP_ORDER_2M);
      if (done > 0)
        {
          m->extents_2m += (guint64) done;
          m->cur += (guint64) done << 9;
        }
      if (done == (gint64) batch)
        return (gint64) (m->cur - start);
    }
  guint64 count = MIN (end - m->cur, G_GUINT64_CONSTANT (1) << 20);
  gint64 rc = fill_4k (hv, m, count);
  if (rc < 0)
    return rc;
  return (gint64) (m->cur - start);
}

gint64
xp_meminit_step (XpHv *hv, XpMeminit *m, XpPages budget)
{
  gint64 total = 0;
  if (m->finished)
    return 0;
  if (m->device_model && !m->low_done)
    {
      /* pfns 0..0x9F go without the node flags (meminit_hvm passes its
       * plain memflags here, the vmemrange's node only in the loop) */
      m->populate_calls++;
      gint64 done = hv->ops->populate_physmap (hv, m->domid, 0xA0, XP_ORDER_4K, 0);
      if (done < 0)
        return done;
      if (done != 0xA0)
        return -EBUSY;
      m->pages_4k += 0xA0;
      m->low_done = TRUE;
      total += 0xA0;
    }
  while (!m->finished && (guint64) total < budget)
    {
      guint64 end = m->range_end[m->range];
      if (m->cur >= end)
        {
          if (++m->range >= m->n_ranges)
            {
              m->finished = TRUE;
              break;
            }
          m->cur = m->range_start[m->range];
          continue;
        }
      gint64 done = 0;
      if (m->device_model && hv->ops->populate_calls_merge)
        done = hvm_merged_passes (hv, m, end, budget - (guint64) total);
      if (done == 0)
        done = m->device_model ? hvm_one_chunk (hv, m, end)
                               : pv_one_chunk (hv, m, end, budget - (guint64) total);
      if (done < 0)
        return done;
      total += done;
    }
  return total;
}
