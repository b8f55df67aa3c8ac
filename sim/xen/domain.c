/* xenplace — model of xen/common/domain.c (and the domctls of
 * xen/common/domctl.c that act on a whole domain). */
#include "config.h"
#include "sim/xen/xen.h"


/* domain_create() + the domid allocation of XEN_DOMCTL_createdomain (4.17
 * rover: next free id after the last one allocated, skipping 0). */
int
xp_domain_create (XpXen *xen, const XpDomainConfig *cfg, XpDomain **out)
{
  guint32 domid;
  if (!cfg || cfg->max_vcpus == 0 || cfg->max_vcpus > 4096)   /* HVM_MAX_VCPUS */
    return -EINVAL;
  if (cfg->is_dom0)
    {
      if (xp_xen_domain (xen, 0))
        return -EEXIST;
      domid = 0;
    }
  else if (cfg->requested_domid && cfg->requested_domid < XP_DOMID_FIRST_RESERVED)
    {
      domid = cfg->requested_domid;
      if (xp_xen_domain (xen, domid))
        return -EEXIST;
    }
  else
    {
      guint32 id = xen->domid_rover;
      for (guint32 tries = 0;; tries++)
        {
          if (tries >= XP_DOMID_FIRST_RESERVED)
            return -ENOMEM;
          id++;
          if (id >= XP_DOMID_FIRST_RESERVED)
            id = 1;
          if (!xp_xen_domain (xen, id))
            break;
        }
      domid = id;
      xen->domid_rover = id;
    }

  XpDomain *d = g_new0 (XpDomain, 1);
  d->domid = domid;
  d->type = cfg->type;
  d->is_dom0 = cfg->is_dom0;
  d->paused = TRUE;
  d->claim_node = XP_NO_NODE;
  d->node_pages = g_new0 (XpPages, xen->topo->n_nodes);
  d->memory = g_array_new (FALSE, FALSE, sizeof (XpExtent));
  d->paging_pool = g_array_new (FALSE, FALSE, sizeof (XpExtent));
  d->max_pages = 0;
  d->node_affinity = XP_NODEMASK_ALL;
  d->auto_node_affinity = TRUE;
  d->last_alloc_node = 0;
  d->max_vcpus = cfg->max_vcpus;
  d->vcpus = g_new0 (XpVcpu, cfg->max_vcpus);
  d->weight = 256;
  d->cap = 0;

  xen->domain_by_id[domid] = d;
  /* keep the list in domid order: insert after the last lower id */
  guint lo = 0, hi = xen->domain_list->len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (((XpDomain *) g_ptr_array_index (xen->domain_list, mid))->domid < domid)
        lo = mid + 1;
      else
        hi = mid;
    }
  g_ptr_array_insert (xen->domain_list, (gint) lo, d);
  if (out)
    *out = d;
  return 0;
}

/* domain_kill() then the final put of the domain: the claim goes, memory and
 * the paging pool are freed dirty, vCPUs leave the scheduler. */
int
xp_domain_destroy (XpXen *xen, XpDomain *d)
{
  g_return_val_if_fail (d != NULL, -EINVAL);
  if (d == xen->dom0)
    return -EINVAL;
  d->dying = TRUE;
  xp_domain_set_outstanding_pages (xen, d, 0);
  xp_domain_relinquish_memory (xen, d);
  for (guint i = 0; i < d->n_vcpus; i++)
    if (xen->sched && xen->sched->remove_vcpu)
      xen->sched->remove_vcpu (xen, &d->vcpus[i]);
  xen->domain_by_id[d->domid] = NULL;
  g_ptr_array_remove (xen->domain_list, d);
  g_array_free (d->memory, TRUE);
  g_array_free (d->paging_pool, TRUE);
  g_free (d->node_pages);
  g_free (d->open_run);
  g_free (d->vcpus);
  g_free (d);
  return 0;
}

/* XEN_DOMCTL_max_mem: max_pages = max_kib / 4 (clamped like Xen's unsigned int). */
int
xp_domain_set_max_mem (XpXen *xen, XpDomain *d, guint64 max_kib)
{
  XpPages pages = XP_KIB_TO_PAGES (max_kib);
  d->max_pages = MIN (pages, (XpPages) G_MAXUINT32);
  return 0;
}

/* XEN_DOMCTL_set_paging_mempool_size (hap_set_allocation()): grow or shrink
 * the pool with 4 KiB MEMF_no_owner pages that follow the node affinity; a
 * failed grow leaves what was allocated and returns -ENOMEM. */
int
xp_domain_set_paging_mempool (XpXen *xen, XpDomain *d, XpPages pages)
{
  if (d->dying)
    return -EINVAL;
  if (d->paging_pool_pages < pages)
    {
      XpPages want = pages - d->paging_pool_pages;
      if (xp_alloc_domheap_pages_bulk0 (xen, d, want, XP_MEMF_no_owner) < want)
        return -ENOMEM;
    }
  while (d->paging_pool_pages > pages)
    {
      /* The last extent is never a hole: its last page handed out goes
       * first. With pages from several nodes the extents are per node
       * runs, so a shrink takes from the last run rather than strictly
       * the last page handed out (Xen frees from its pool's free list,
       * whose order the model does not track; no toolstack flow
       * shrinks a pool). */
      XpExtent e = g_array_index (d->paging_pool, XpExtent, d->paging_pool->len - 1);
      xp_free_domheap_pages (xen, d, e.pfn, e.order);
    }
  return 0;
}

/* domain_set_node_affinity(). */
int
xp_domain_set_node_affinity (XpXen *xen, XpDomain *d, XpNodemask mask)
{
  if (!(mask & xen->online_nodes))
    return -EINVAL;
  if (mask == XP_NODEMASK_ALL)
    /* back to automatic; the mask itself is only recomputed below, and not
     * at all before vCPU 0 exists (it then keeps its previous value) */
    d->auto_node_affinity = TRUE;
  else
    {
      d->auto_node_affinity = FALSE;
      d->node_affinity = mask;
    }
  xp_domain_update_node_affinity (xen, d);
  return 0;
}

/* domain_unpause_by_systemcontroller(): the first unpause ends construction. */
int
xp_domain_unpause (XpXen *xen, XpDomain *d)
{
  if (d->dying)
    return -EINVAL;
  d->creation_finished = TRUE;
  if (d->paused)
    {
      d->paused = FALSE;
      if (xen->sched && xen->sched->domain_unpause)
        xen->sched->domain_unpause (xen, d);
    }
  return 0;
}

/* domain_pause_by_systemcontroller(). */
int
xp_domain_pause (XpXen *xen, XpDomain *d)
{
  if (d->dying)
    return -EINVAL;
  if (!d->paused)
    {
      d->paused = TRUE;
      if (xen->sched && xen->sched->domain_pause)
        xen->sched->domain_pause (xen, d);
    }
  return 0;
}
