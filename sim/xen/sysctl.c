/* xenplace — model of xen/common/sysctl.c (physinfo, numainfo, cputopoinfo). */
#include "config.h"
#include "sim/xen/sysctl.h"

/* XEN_SYSCTL_physinfo: free_pages counts dirty and claimed pages;
 * scrub_pages is hard-coded to 0 as in every Xen release. */
void
xp_sysctl_physinfo (XpXen *xen, XpPhysinfo *out)
{
  const XpTopology *t = xen->topo;
  memset (out, 0, sizeof *out);
  xp_heap_scrub_advance (xen);
  out->nr_cpus = t->n_cpus;
  out->nr_nodes = xp_nodemask_weight (xen->online_nodes);
  /* CPU0's sibling mask and core mask (CPUs of its socket) */
  guint threads = 0, socket_cpus = 0;
  for (guint c = 0; c < t->n_cpus; c++)
    {
      if (t->cpus[c].core == t->cpus[0].core && t->cpus[c].socket == t->cpus[0].socket)
        threads++;
      if (t->cpus[c].socket == t->cpus[0].socket)
        socket_cpus++;
    }
  out->threads_per_core = MAX (threads, 1u);
  out->cores_per_socket = socket_cpus / out->threads_per_core;
  for (guint i = 0; i < t->n_nodes; i++)
    out->total_pages += t->nodes[i].memory_bytes / XP_PAGE_SIZE;
  out->free_pages = xp_heap_total_avail (xen);
  out->scrub_pages = 0;
  out->outstanding_pages = xp_heap_outstanding_claims (xen);
}

/* XEN_SYSCTL_numainfo: memsize is the spanned range (holes included),
 * memfree = avail_node_heap_pages() (all zones, dirty and claimed pages
 * included); claimed is only non-zero under the node-claims what-if. */
guint
xp_sysctl_numainfo (XpXen *xen, guint max, XpNodeMeminfo *mem, guint *distance)
{
  const XpTopology *t = xen->topo;
  guint n = t->n_nodes;
  xp_heap_scrub_advance (xen);
  guint m = MIN (max, n);
  for (guint i = 0; mem && i < m; i++)
    {
      guint64 s, e;
      xp_heap_node_span (xen, i, &s, &e);
      mem[i].memsize_bytes = (e - s) * XP_PAGE_SIZE;
      mem[i].memfree_bytes = xp_heap_node_avail (xen, i) * XP_PAGE_SIZE;
      mem[i].claimed_bytes = xp_heap_node_outstanding_claims (xen, i) * XP_PAGE_SIZE;
    }
  for (guint i = 0; distance && i < m; i++)
    for (guint j = 0; j < m; j++)
      {
        guint dist = xp_topology_distance (t, i, j);
        distance[i * m + j] = dist == XP_DISTANCE_UNREACHABLE ? G_MAXUINT32 : dist;
      }
  return n;
}

/* XEN_SYSCTL_cputopoinfo. */
guint
xp_sysctl_cputopoinfo (XpXen *xen, guint max, XpCpuTopo *cpus)
{
  const XpTopology *t = xen->topo;
  for (guint c = 0; cpus && c < MIN (max, t->n_cpus); c++)
    {
      cpus[c].core = t->cpus[c].core;
      cpus[c].socket = t->cpus[c].socket;
      cpus[c].node = t->cpus[c].node;
    }
  return t->n_cpus;
}
