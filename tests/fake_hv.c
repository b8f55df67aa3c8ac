/* Recording fake hypervisor for toolstack tests. */
#include "config.h"
#include <errno.h>
#include "tests/fake_hv.h"

#define ST(hv) ((FakeHv *) (hv)->priv)

static int
find (FakeHv *f, guint32 domid)
{
  for (guint i = 0; i < f->n_domains; i++)
    if (f->dom[i].domid == domid)
      return (int) i;
  return -1;
}

static XpPages
total_free (FakeHv *f)
{
  XpPages t = 0;
  for (guint n = 0; n < f->n_nodes; n++)
    t += f->node_free[n];
  return t;
}

static int
f_physinfo (XpHv *hv, XpPhysinfo *o)
{
  FakeHv *f = ST (hv);
  memset (o, 0, sizeof *o);
  o->nr_cpus = f->n_cpus;
  o->nr_nodes = f->n_nodes;
  o->free_pages = total_free (f);
  o->outstanding_pages = f->outstanding;
  o->scrub_pages = f->scrub_pages;
  return 0;
}

static int
f_numainfo (XpHv *hv, guint *n, XpNodeMeminfo *mem, guint *dist)
{
  FakeHv *f = ST (hv);
  g_string_append (f->log, "numainfo ");
  *n = MIN (*n, f->n_nodes);
  for (guint i = 0; i < *n; i++)
    {
      mem[i].memfree_bytes = f->node_free[i] << XP_PAGE_SHIFT;
      mem[i].memsize_bytes = mem[i].memfree_bytes;
      mem[i].claimed_bytes = 0;
      for (guint j = 0; j < *n; j++)
        dist[i * *n + j] = i == j ? 10 : 21;
    }
  return 0;
}

static int
f_cputopoinfo (XpHv *hv, guint *n, XpCpuTopo *c)
{
  return -ENOSYS;
}

static int
f_create (XpHv *hv, XpGuestType type, guint max_vcpus, guint32 *domid)
{
  FakeHv *f = ST (hv);
  guint i = f->n_domains++;
  memset (&f->dom[i], 0, sizeof f->dom[i]);
  f->dom[i].domid = *domid = ++f->next_domid;
  f->dom[i].node_affinity = (G_GUINT64_CONSTANT (1) << f->n_nodes) - 1;
  g_string_append_printf (f->log, "create(%u) ", max_vcpus);
  return 0;
}

static int
f_destroy (XpHv *hv, guint32 domid)
{
  FakeHv *f = ST (hv);
  int i = find (f, domid);
  if (i < 0)
    return -ESRCH;
  for (guint n = 0; n < f->n_nodes; n++)
    f->node_free[n] += f->dom[i].pages[n];
  f->outstanding -= f->dom[i].claim;
  f->dom[i] = f->dom[--f->n_domains];
  g_string_append_printf (f->log, "destroy(%u) ", domid);
  return 0;
}

static int
f_getinfo (XpHv *hv, guint32 domid, XpDomainInfo *o)
{
  FakeHv *f = ST (hv);
  int i = find (f, domid);
  if (i < 0)
    return -ESRCH;
  memset (o, 0, sizeof *o);
  o->domid = domid;
  o->n_vcpus = f->dom[i].n_vcpus;
  return 0;
}

static int
f_list (XpHv *hv, guint *n, guint32 *domids)
{
  FakeHv *f = ST (hv);
  for (guint i = 0; i < MIN (*n, f->n_domains); i++)
    domids[i] = f->dom[i].domid;
  *n = f->n_domains;
  return 0;
}

static int
f_max_vcpus (XpHv *hv, guint32 domid, guint n)
{
  FakeHv *f = ST (hv);
  f->dom[find (f, domid)].n_vcpus = n;
  g_string_append_printf (f->log, "max_vcpus(%u) ", n);
  return 0;
}

static int
f_setmaxmem (XpHv *hv, guint32 domid, guint64 kib)
{
  g_string_append_printf (ST (hv)->log, "maxmem(%" G_GUINT64_FORMAT ") ", kib);
  return 0;
}

static int
f_pool (XpHv *hv, guint32 domid, XpPages pages)
{
  g_string_append_printf (ST (hv)->log, "pool(%" G_GUINT64_FORMAT ") ", pages);
  return 0;
}

static int
f_claim (XpHv *hv, guint32 domid, XpPages pages)
{
  FakeHv *f = ST (hv);
  int i = find (f, domid);
  g_string_append_printf (f->log, "claim(%" G_GUINT64_FORMAT ") ", pages);
  if (pages == 0)
    {
      f->outstanding -= f->dom[i].claim;
      f->dom[i].claim = 0;
      return 0;
    }
  if (pages > total_free (f) - f->outstanding)
    return -ENOMEM;
  f->dom[i].claim = pages;
  f->outstanding += pages;
  return 0;
}

static int
f_claim_node (XpHv *hv, guint32 domid, guint node, XpPages pages)
{
  FakeHv *f = ST (hv);
  if (node == XP_NO_NODE && f->claim_node_rc != -ENOSYS)
    {
      /* a Xen with node claims also takes host-wide ones through this call */
      int i = find (f, domid);
      int rc = pages > total_free (f) - f->outstanding ? -ENOMEM : 0;
      g_string_append_printf (f->log, "claim_node(%u,%" G_GUINT64_FORMAT ")=%d ", node, pages, rc);
      if (rc == 0)
        {
          f->dom[i].claim = pages;
          f->outstanding += pages;
        }
      return rc;
    }
  g_string_append_printf (f->log, "claim_node(%u,%" G_GUINT64_FORMAT ")=%d ", node, pages, f->claim_node_rc);
  if (f->claim_node_rc == 0)
    {
      int i = find (f, domid);
      f->dom[i].claim = pages;
      f->outstanding += pages;
    }
  return f->claim_node_rc;
}

static int
f_setaff (XpHv *hv, guint32 domid, guint vcpu, XpCpumask *hard, XpCpumask *soft)
{
  FakeHv *f = ST (hv);
  g_autofree char *h = hard ? xp_cpumask_format (hard) : NULL;
  g_autofree char *s = soft ? xp_cpumask_format (soft) : NULL;
  if (vcpu == 0)
    g_string_append_printf (f->log, "vcpu_aff(%s%s%s%s) ", h ? "hard=" : "", h ? h : "", s ? "soft=" : "", s ? s : "");
  return 0;
}

static int
f_getaff (XpHv *hv, guint32 domid, guint vcpu, XpCpumask *hard, XpCpumask *soft)
{
  FakeHv *f = ST (hv);
  if (hard)
    xp_cpumask_fill (hard, f->n_cpus);
  if (soft)
    xp_cpumask_fill (soft, f->n_cpus);
  return 0;
}

static int
f_setnodeaff (XpHv *hv, guint32 domid, XpNodemask nodes)
{
  FakeHv *f = ST (hv);
  f->dom[find (f, domid)].node_affinity = nodes;
  g_autofree char *s = xp_nodemask_format (nodes);
  g_string_append_printf (f->log, "node_aff(%s) ", s);
  return 0;
}

static int
f_getnodeaff (XpHv *hv, guint32 domid, XpNodemask *nodes)
{
  FakeHv *f = ST (hv);
  int i = find (f, domid);
  if (i < 0)
    return -ESRCH;
  *nodes = f->dom[i].node_affinity;
  return 0;
}

static gint64
f_populate (XpHv *hv, guint32 domid, guint64 nr, guint order, guint flags)
{
  FakeHv *f = ST (hv);
  int i = find (f, domid);
  if (f->log_populate)
    g_string_append_printf (f->log, "pop(%" G_GUINT64_FORMAT ",%u,%#x) ", nr, order, flags);
  if (f->fail_order[order])
    return 0;
  guint64 done = 0;
  for (; done < nr; done++)
    {
      XpPages size = G_GUINT64_CONSTANT (1) << order;
      if (order == 0)
        {
          if (f->pages_4k_limit == 0)
            break;
          if (f->pages_4k_limit != G_MAXUINT64)
            f->pages_4k_limit--;
        }
      guint node = (flags >> 8) & 0xff ? ((flags >> 8) & 0xff) - 1 : xp_nodemask_first (f->dom[i].node_affinity);
      if (node >= f->n_nodes || f->node_free[node] < size)
        break;
      f->node_free[node] -= size;
      f->dom[i].pages[node] += size;
      XpPages from_claim = MIN (f->dom[i].claim, size);
      f->dom[i].claim -= from_claim;
      f->outstanding -= from_claim;
    }
  return (gint64) done;
}

static int
f_unpause (XpHv *hv, guint32 domid)
{
  g_string_append (ST (hv)->log, "unpause ");
  return 0;
}

static int
f_node_pages (XpHv *hv, guint32 domid, guint n, XpPages *pages)
{
  FakeHv *f = ST (hv);
  int i = find (f, domid);
  if (i < 0)
    return -ESRCH;
  for (guint k = 0; k < n; k++)
    pages[k] = k < f->n_nodes ? f->dom[i].pages[k] : 0;
  return 0;
}

static const XpHvOps fake_ops = {
  .name = "fake",
  .physinfo = f_physinfo, .numainfo = f_numainfo, .cputopoinfo = f_cputopoinfo,
  .domain_create = f_create, .domain_destroy = f_destroy, .domain_getinfo = f_getinfo,
  .domain_list = f_list, .max_vcpus = f_max_vcpus, .setmaxmem = f_setmaxmem,
  .set_paging_mempool = f_pool, .claim_pages = f_claim, .claim_pages_node = f_claim_node,
  .vcpu_setaffinity = f_setaff, .vcpu_getaffinity = f_getaff, .node_setaffinity = f_setnodeaff,
  .node_getaffinity = f_getnodeaff, .populate_physmap = f_populate, .unpause = f_unpause,
  .domain_node_pages = f_node_pages,
};

XpHv *
fake_hv_new (FakeHv *state)
{
  XpHv *hv = g_new0 (XpHv, 1);
  hv->ops = &fake_ops;
  hv->priv = state;
  if (!state->log)
    state->log = g_string_new (NULL);
  if (!state->claim_node_rc)
    state->claim_node_rc = -ENOSYS;
  if (!state->pages_4k_limit)
    state->pages_4k_limit = G_MAXUINT64;
  return hv;
}
