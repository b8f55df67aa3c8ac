/* xenplace — the model backend of sim/hv.h: each hypercall of the toolstack
 * mapped onto the modelled hypervisor in sim/xen/. */
#include "config.h"
#include "sim/hv.h"
#include "sim/xen/xen.h"
#include "sim/xen/sysctl.h"

static XpXen *
X (XpHv *hv)
{
  return hv->priv;
}

static XpDomain *
dom (XpHv *hv, guint32 domid)
{
  return xp_xen_domain (X (hv), domid);
}

static int
m_physinfo (XpHv *hv, XpPhysinfo *out)
{
  xp_sysctl_physinfo (X (hv), out);
  return 0;
}

static int
m_numainfo (XpHv *hv, guint *n_nodes, XpNodeMeminfo *mem, guint *distance)
{
  guint have = xp_sysctl_numainfo (X (hv), *n_nodes, mem, distance);
  *n_nodes = (mem || distance) ? MIN (*n_nodes, have) : have;
  return 0;
}

static int
m_cputopoinfo (XpHv *hv, guint *n_cpus, XpCpuTopo *cpus)
{
  guint have = xp_sysctl_cputopoinfo (X (hv), *n_cpus, cpus);
  *n_cpus = cpus ? MIN (*n_cpus, have) : have;
  return 0;
}

static int
m_domain_create (XpHv *hv, XpGuestType type, guint max_vcpus, guint32 *domid)
{
  XpDomainConfig cfg = { 0 };
  cfg.type = type == XP_GUEST_PV ? XP_DOMAIN_PV : type == XP_GUEST_PVH ? XP_DOMAIN_PVH : XP_DOMAIN_HVM;
  cfg.max_vcpus = max_vcpus;
  cfg.requested_domid = domid ? *domid : 0;
  XpDomain *d = NULL;
  int rc = xp_domain_create (X (hv), &cfg, &d);
  if (rc == 0 && domid)
    *domid = d->domid;
  return rc;
}

static int
m_domain_destroy (XpHv *hv, guint32 domid)
{
  XpDomain *d = dom (hv, domid);
  return d ? xp_domain_destroy (X (hv), d) : -ESRCH;
}

static int
m_domain_getinfo (XpHv *hv, guint32 domid, XpDomainInfo *out)
{
  XpDomain *d = dom (hv, domid);
  if (!d)
    return -ESRCH;
  out->domid = d->domid;
  out->dying = d->dying;
  out->max_vcpus = d->max_vcpus;
  out->n_vcpus = d->n_vcpus;
  out->tot_pages = d->tot_pages;
  out->max_pages = d->max_pages;
  out->outstanding_pages = d->outstanding_pages;
  return 0;
}

/* As sim/hv.h asks: fill up to the capacity, report the total. Reporting
 * only what fitted hid every domain past the toolstack's first buffer, so
 * libxl's per-node vCPU count (nr_vcpus_on_nodes(), which walks the whole
 * libxl_list_domain()) missed them on hosts with more than 255 guests. */
static int
m_domain_list (XpHv *hv, guint *n, guint32 *domids)
{
  GPtrArray *l = X (hv)->domain_list;
  guint m = MIN (*n, l->len);
  for (guint i = 0; i < m; i++)
    domids[i] = ((XpDomain *) g_ptr_array_index (l, i))->domid;
  *n = l->len;
  return 0;
}

static int
m_max_vcpus (XpHv *hv, guint32 domid, guint n)
{
  XpDomain *d = dom (hv, domid);
  return d ? xp_domain_max_vcpus (X (hv), d, n) : -ESRCH;
}

static int
m_setmaxmem (XpHv *hv, guint32 domid, guint64 max_kib)
{
  XpDomain *d = dom (hv, domid);
  return d ? xp_domain_set_max_mem (X (hv), d, max_kib) : -ESRCH;
}

static int
m_set_paging_mempool (XpHv *hv, guint32 domid, XpPages pages)
{
  XpDomain *d = dom (hv, domid);
  return d ? xp_domain_set_paging_mempool (X (hv), d, pages) : -ESRCH;
}

static int
m_claim_pages (XpHv *hv, guint32 domid, XpPages pages)
{
  return xp_memory_claim_pages (X (hv), domid, pages);
}

static int
m_claim_pages_node (XpHv *hv, guint32 domid, guint node, XpPages pages)
{
  XpXen *xen = X (hv);
  if (xen->behaviour.node_claims == XP_NODE_CLAIMS_NONE)
    return -ENOSYS;
  XpDomain *d = dom (hv, domid);
  if (!d || (d->dying && xen->behaviour.claim_rejects_dying))
    return -EINVAL;
  return xp_domain_set_outstanding_pages_node (xen, d, pages, node);
}

static XpVcpu *
vcpu_of (XpHv *hv, guint32 domid, guint vcpu, int *rc)
{
  XpDomain *d = dom (hv, domid);
  if (!d)
    *rc = -ESRCH;
  else if (vcpu >= d->max_vcpus)
    *rc = -EINVAL;
  else if (vcpu >= d->n_vcpus)
    *rc = -ESRCH;
  else
    return &d->vcpus[vcpu];
  return NULL;
}

static int
m_vcpu_setaffinity (XpHv *hv, guint32 domid, guint vcpu, XpCpumask *hard, XpCpumask *soft)
{
  int rc = 0;
  XpVcpu *v = vcpu_of (hv, domid, vcpu, &rc);
  if (!v)
    return rc;
  guint flags = (hard ? XP_VCPUAFFINITY_HARD : 0) | (soft ? XP_VCPUAFFINITY_SOFT : 0);
  return xp_vcpu_set_affinity (X (hv), v, hard, soft, flags);
}

static int
m_vcpu_getaffinity (XpHv *hv, guint32 domid, guint vcpu, XpCpumask *hard, XpCpumask *soft)
{
  int rc = 0;
  XpVcpu *v = vcpu_of (hv, domid, vcpu, &rc);
  if (!v)
    return rc;
  if (hard)
    *hard = v->hard;
  if (soft)
    *soft = v->soft;
  return 0;
}

static int
m_node_setaffinity (XpHv *hv, guint32 domid, XpNodemask nodes)
{
  XpDomain *d = dom (hv, domid);
  return d ? xp_domain_set_node_affinity (X (hv), d, nodes) : -ESRCH;
}

static int
m_node_getaffinity (XpHv *hv, guint32 domid, XpNodemask *nodes)
{
  XpDomain *d = dom (hv, domid);
  if (!d)
    return -ESRCH;
  *nodes = d->node_affinity;
  return 0;
}

static gint64
m_populate_physmap (XpHv *hv, guint32 domid, guint64 nr_extents, guint order, guint xenmemflags)
{
  XpDomain *d = dom (hv, domid);
  if (!d)
    return -ESRCH;
  return (gint64) xp_populate_physmap (X (hv), d, nr_extents, order, xenmemflags);
}

static int
m_unpause (XpHv *hv, guint32 domid)
{
  XpDomain *d = dom (hv, domid);
  return d ? xp_domain_unpause (X (hv), d) : -ESRCH;
}

static int
m_domain_node_pages (XpHv *hv, guint32 domid, guint n_nodes, XpPages *pages)
{
  XpDomain *d = dom (hv, domid);
  if (!d)
    return -ESRCH;
  guint have = X (hv)->topo->n_nodes;
  for (guint i = 0; i < n_nodes; i++)
    pages[i] = i < have ? d->node_pages[i] : 0;
  return 0;
}

/* Model only: real Xen cannot tell how many dirty pages it zeroed while
 * handing them out (physinfo's scrub_pages is always 0). */
static gint64
m_dirty_pages_scrubbed (XpHv *hv)
{
  return (gint64) xp_heap_alloc_scrubbed_pages (X (hv));
}

static void
m_free (XpHv *hv)
{
  g_free (hv);
}

static const XpHvOps model_ops = {
  .name = "model",
  .physinfo = m_physinfo,
  .numainfo = m_numainfo,
  .cputopoinfo = m_cputopoinfo,
  .domain_create = m_domain_create,
  .domain_destroy = m_domain_destroy,
  .domain_getinfo = m_domain_getinfo,
  .domain_list = m_domain_list,
  .max_vcpus = m_max_vcpus,
  .setmaxmem = m_setmaxmem,
  .set_paging_mempool = m_set_paging_mempool,
  .claim_pages = m_claim_pages,
  .claim_pages_node = m_claim_pages_node,
  .vcpu_setaffinity = m_vcpu_setaffinity,
  .vcpu_getaffinity = m_vcpu_getaffinity,
  .node_setaffinity = m_node_setaffinity,
  .node_getaffinity = m_node_getaffinity,
  .populate_physmap = m_populate_physmap,
  .populate_calls_merge = TRUE,
  .unpause = m_unpause,
  .domain_node_pages = m_domain_node_pages,
  .free = m_free,
  .dirty_pages_scrubbed = m_dirty_pages_scrubbed,
};

XpHv *
xp_hv_model_new (struct XpXen *xen)
{
  XpHv *hv = g_new0 (XpHv, 1);
  hv->ops = &model_ops;
  hv->priv = xen;
  return hv;
}

struct XpXen *
xp_hv_model_xen (XpHv *hv)
{
  g_return_val_if_fail (hv && hv->ops == &model_ops, NULL);
  return hv->priv;
}
