/* xenplace — the shadow model: a model host with another hypervisor's
 * state (see shadow.h). */
#include "config.h"
#include <errno.h>
#include "sim/error.h"
#include "sim/shadow.h"

/* Take anonymous pages from @node until it has @target free pages, largest
 * blocks first (the buddy allocator hands out whole large blocks while they
 * last, so the free memory left keeps its large blocks too). */
static gboolean
fill_node (XpXen *xen, guint node, XpPages target, GError **error)
{
  XpPages avail = xp_heap_node_avail (xen, node);
  if (target > avail)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "shadow: node %u: the source has %" G_GUINT64_FORMAT " pages free, more than the model's node "
                   "holds (%" G_GUINT64_FORMAT " pages)", node, target, avail);
      return FALSE;
    }
  XpPages need = avail - target;
  for (guint order = xen->params.max_order + 1; order-- > 0 && need;)
    while (need >= (G_GUINT64_CONSTANT (1) << order))
      {
        if (xp_alloc_domheap_pages (xen, NULL, order, XP_MEMF_node (node) | XP_MEMF_exact_node) == XP_INVALID_PFN)
          break;
        need -= G_GUINT64_CONSTANT (1) << order;
      }
  if (need)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED,
                   "shadow: node %u: %" G_GUINT64_FORMAT " pages could not be taken to match the source's free memory",
                   node, need);
      return FALSE;
    }
  return TRUE;
}

/* Copy one source domain's vCPUs, affinities and claim onto the model
 * (@model is the model backend over the shadow host). */
static gboolean
mirror_domain (XpHv *source, XpHv *model, guint32 domid, guint n_nodes, GError **error)
{
  XpDomainInfo info;
  int rc = source->ops->domain_getinfo (source, domid, &info);
  if (rc == -ESRCH)
    return TRUE;                /* gone meanwhile */
  if (rc == 0 && info.dying)
    return TRUE;
  if (rc == 0 && domid != 0)
    {
      guint32 id = domid;
      rc = model->ops->domain_create (model, XP_GUEST_PV, MAX (info.max_vcpus, info.n_vcpus), &id);
      if (rc == 0 && info.n_vcpus)
        rc = model->ops->max_vcpus (model, id, info.n_vcpus);
      if (rc == 0)
        rc = model->ops->setmaxmem (model, id, info.max_pages * (XP_PAGE_SIZE / 1024));
    }
  for (guint v = 0; rc == 0 && v < info.n_vcpus; v++)
    {
      XpCpumask hard, soft;
      if (source->ops->vcpu_getaffinity (source, domid, v, &hard, &soft) < 0)
        continue;               /* offline vCPU: leave the defaults */
      rc = model->ops->vcpu_setaffinity (model, domid, v, &hard, &soft);
    }
  if (rc == 0)
    {
      /* Explicit node affinity only where it differs from what the copied
       * vCPU affinity makes automatically. */
      XpNodemask want, have;
      if (source->ops->node_getaffinity (source, domid, &want) == 0
          && model->ops->node_getaffinity (model, domid, &have) == 0)
        {
          XpNodemask all = xp_nodemask_first_n (n_nodes);
          want &= all;
          if (want && want != (have & all))
            rc = model->ops->node_setaffinity (model, domid, want);
        }
    }
  if (rc == 0 && info.outstanding_pages)
    rc = model->ops->claim_pages (model, domid, info.outstanding_pages);
  if (rc < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "shadow: copying domain %u: %s", domid, g_strerror (-rc));
      return FALSE;
    }
  return TRUE;
}

XpXen *
xp_shadow_new_from_hv (XpHv *source, const XpTopology *topo, const XpXenBehaviour *behaviour, XpEventQueue *events,
                       GError **error)
{
  guint n = topo->n_nodes;
  g_autofree XpNodeMeminfo *mem = g_new0 (XpNodeMeminfo, n);
  guint got = n;
  int rc = source->ops->numainfo (source, &got, mem, NULL);
  if (rc == 0 && got != n)
    rc = -EPROTO;
  XpDomainInfo dom0 = { 0 };
  if (rc == 0)
    rc = source->ops->domain_getinfo (source, 0, &dom0);
  /* Domain list: grow the buffer until the list fits (a backend may report
   * either the total or just the capacity when the list is longer). */
  guint cap = 256, nd = 0;
  g_autofree guint32 *domids = NULL;
  while (rc == 0)
    {
      domids = g_renew (guint32, domids, cap);
      nd = cap;
      rc = source->ops->domain_list (source, &nd, domids);
      if (rc < 0 || nd < cap)
        break;
      cap *= 2;
    }
  if (rc < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "shadow: reading the source host (%s): %s",
                   source->ops->name, g_strerror (-rc));
      return NULL;
    }

  XpXenParams p;
  xp_xen_params_init_defaults (&p);
  p.dom0_mem_bytes = 0;
  p.xen_pages_per_node = 0;
  p.mmio_hole_bytes = 0;
  p.boot_memory_dirty = FALSE;
  p.dom0_vcpus = MAX (dom0.n_vcpus, 1u);
  XpXen *xen = xp_xen_new (topo, behaviour, &p, events, error);
  if (!xen)
    return NULL;
  for (guint i = 0; i < n; i++)
    if (!fill_node (xen, i, mem[i].memfree_bytes >> XP_PAGE_SHIFT, error))
      {
        xp_xen_free (xen);
        return NULL;
      }
  XpHv *model = xp_hv_model_new (xen);
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < nd; i++)
    ok = mirror_domain (source, model, domids[i], n, error);
  xp_hv_free (model);
  if (!ok)
    {
      xp_xen_free (xen);
      return NULL;
    }
  return xen;
}

XpShadow *
xp_shadow_new (XpHv *source, const char *xen_version, GError **error)
{
  XpXenBehaviour b;
  if (!xp_xen_behaviour_init (&b, xen_version, error))
    return NULL;
  XpTopology *topo = xp_hv_probe_topology (source, error);
  if (!topo)
    return NULL;
  XpShadow *s = g_new0 (XpShadow, 1);
  s->topo = topo;
  s->events = xp_event_queue_new ();
  s->xen = xp_shadow_new_from_hv (source, topo, &b, s->events, error);
  if (!s->xen)
    {
      xp_shadow_free (s);
      return NULL;
    }
  s->hv = xp_hv_model_new (s->xen);
  return s;
}

void
xp_shadow_free (XpShadow *s)
{
  if (!s)
    return;
  xp_hv_free (s->hv);
  if (s->xen)
    xp_xen_free (s->xen);
  if (s->events)
    xp_event_queue_free (s->events);
  xp_topology_free (s->topo);
  g_free (s);
}
