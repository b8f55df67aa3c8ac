/* xenplace — model of xen/common/memory.c: XENMEM_populate_physmap and
 * XENMEM_claim_pages as issued by the control domain (the toolstack). */
#include "config.h"
#include "sim/xen/xen.h"

#define CTLDOM_MAX_ORDER 18     /* CONFIG_CTLDOM_MAX_ORDER = PAGEALLOC_MAX_ORDER */

/* populate_physmap() with construct_memop_from_reservation() and
 * propagate_node(): the caller is privileged, so a node in @xenmemflags
 * becomes the allocator's starting node and an exact-node request forbids
 * every other node. Stops at the first failing extent; returns extents
 * done (Xen returns the index reached, there is no errno). PoD and vnode
 * translation are not modelled. Extents go through the bulk paths, which
 * have the outcome of one alloc_domheap_pages() call per extent. */
guint64
xp_populate_physmap (XpXen *xen, XpDomain *d, guint64 nr_extents, guint extent_order, guint xenmemflags)
{
  guint memflags = 0;
  if (extent_order > MIN ((guint) CTLDOM_MAX_ORDER, xen->params.max_order))
    return 0;
  guint bits = XP_XENMEMF_address_bits (xenmemflags);
  if (bits && bits < 52)
    {
      /* construct_memop_from_reservation(): a limit that does not even
       * cover one page is refused (-EINVAL, nothing populated); a limit at
       * or above the host's top address is dropped, which the zone clamp
       * of the allocator makes the same as keeping it */
      if (bits <= XP_PAGE_SHIFT)
        return 0;
      memflags |= XP_MEMF_bits (bits);
    }
  guint node = XP_XENMEMF_get_node (xenmemflags);
  if (node != XP_NO_NODE)
    {
      if (node >= XP_MAX_NODES)
        return 0;
      memflags |= XP_MEMF_node (node);
      if (xenmemflags & XP_XENMEMF_exact_node_request)
        memflags |= XP_MEMF_exact_node;
    }
  /* 4.22: during construction dirty buddies are accepted in the first pass
   * and zeroed by populate_physmap() afterwards (commit 83a784a15b47). */
  if (xen->behaviour.populate_defers_scrub && !d->creation_finished)
    memflags |= XP_MEMF_no_scrub | XP_MEMF_keep_scrub;

  return xp_alloc_domheap_pages_bulk (xen, d, extent_order, nr_extents, memflags);
}

/* do_memory_op(XENMEM_claim_pages): the checks the model can see (a bad
 * reservation layout cannot be expressed through this call), then
 * domain_set_outstanding_pages(). */
int
xp_memory_claim_pages (XpXen *xen, guint32 domid, XpPages pages)
{
  XpDomain *d = xp_xen_domain (xen, domid);
  if (!d)
    return -EINVAL;
  if (d->dying && xen->behaviour.claim_rejects_dying)
    return -EINVAL;
  return xp_domain_set_outstanding_pages (xen, d, pages);
}
