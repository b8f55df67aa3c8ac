/* xenplace — backend-independent helpers of sim/hv.h. */
#include "config.h"
#include "sim/hv.h"
#include "sim/error.h"

void
xp_hv_free (XpHv *hv)
{
  if (hv && hv->ops && hv->ops->free)
    hv->ops->free (hv);
}

static gint
cmp_guint (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return x < y ? -1 : x > y;
}

/* A topology as a toolstack sees the host: nodes and memory from numainfo,
 * CPUs from cputopoinfo.
 *
 * Node memory is numainfo's memsize, the node's spanned pfn range (holes
 * included), not memfree: a topology is the host's fixed capacity, and
 * memfree shrinks with every allocation (dom0, Xen's own pages, running
 * guests), so a topology built from it would describe a smaller machine
 * than the one a model boots and fills. memsize is the only per-node size
 * Xen reports; it overstates the node's RAM where a hole lies inside the
 * node (the PCI hole of a 'pc' machine, firmware-reserved ranges). When the
 * spanned sizes add up to more than physinfo's total_pages the topology
 * carries a warning saying so. Whoever needs what is free per node (the
 * shadow model, sim/shadow.c) reads memfree separately.
 *
 * Core ids: Xen's cputopoinfo core id counts within a socket (two sockets
 * both have a core 0), while XpCpu.core is global. Global ids are given to
 * the distinct (socket, core) pairs in order of first appearance along the
 * CPUs, which is how the topology loaders number cores too, so a model
 * host probed through its own backend reads back equal. */
XpTopology *
xp_hv_probe_topology (XpHv *hv, GError **error)
{
  XpPhysinfo pi;
  int rc = hv->ops->physinfo (hv, &pi);
  guint n_nodes = 0, n_cpus = 0;
  if (rc == 0)
    rc = hv->ops->numainfo (hv, &n_nodes, NULL, NULL);
  if (rc == 0)
    rc = hv->ops->cputopoinfo (hv, &n_cpus, NULL);
  if (rc < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "hypervisor (%s): topology query failed: %s",
                   hv->ops->name, g_strerror (-rc));
      return NULL;
    }
  if (n_nodes == 0 || n_nodes > XP_MAX_NODES || n_cpus == 0 || n_cpus > XP_MAX_CPUS)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "hypervisor (%s): implausible topology, %u nodes and %u CPUs", hv->ops->name, n_nodes, n_cpus);
      return NULL;
    }
  g_autofree XpNodeMeminfo *mem = g_new0 (XpNodeMeminfo, n_nodes);
  g_autofree guint *dist = g_new0 (guint, (gsize) n_nodes * n_nodes);
  g_autofree XpCpuTopo *ct = g_new0 (XpCpuTopo, n_cpus);
  guint nn = n_nodes, nc = n_cpus;
  rc = hv->ops->numainfo (hv, &nn, mem, dist);
  if (rc == 0)
    rc = hv->ops->cputopoinfo (hv, &nc, ct);
  if (rc < 0 || nn != n_nodes || nc != n_cpus)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "hypervisor (%s): topology changed while probing",
                   hv->ops->name);
      return NULL;
    }
  for (guint c = 0; c < n_cpus; c++)
    if (ct[c].node >= n_nodes)
      {
        g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                     "hypervisor (%s): CPU %u reports node %u, outside 0..%u", hv->ops->name, c, ct[c].node,
                     n_nodes - 1);
        return NULL;
      }

  XpTopology *t = g_new0 (XpTopology, 1);
  t->name = g_strdup ("xen");
  t->description = g_strdup_printf ("probed through the %s hypervisor backend", hv->ops->name);
  t->source = g_strdup ("numainfo+cputopoinfo");
  t->n_nodes = n_nodes;
  t->nodes = g_new0 (XpNode, n_nodes);
  t->n_cpus = n_cpus;
  t->cpus = g_new0 (XpCpu, n_cpus);
  t->distance = g_new (guint, (gsize) n_nodes * n_nodes);
  for (guint i = 0; i < n_nodes * n_nodes; i++)
    t->distance[i] = dist[i] == G_MAXUINT32 ? XP_DISTANCE_UNREACHABLE : dist[i];
  g_autoptr (GArray) sockets = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n_cores = 0;
  for (guint c = 0; c < n_cpus; c++)
    {
      XpCpu *cpu = &t->cpus[c];
      cpu->id = c;
      cpu->node = ct[c].node;
      cpu->socket = ct[c].socket;
      /* thread index: siblings (same socket and core) seen before; the
       * first sibling's global core id is shared */
      gboolean have_core = FALSE;
      for (guint k = 0; k < c; k++)
        if (ct[k].core == ct[c].core && ct[k].socket == ct[c].socket)
          {
            if (!have_core)
              cpu->core = t->cpus[k].core;
            have_core = TRUE;
            cpu->thread++;
          }
      if (!have_core)
        cpu->core = n_cores++;
      gboolean seen = FALSE;
      for (guint k = 0; k < sockets->len; k++)
        seen |= g_array_index (sockets, guint, k) == ct[c].socket;
      if (!seen)
        g_array_append_val (sockets, ct[c].socket);
    }
  t->n_sockets = sockets->len;
  for (guint i = 0; i < n_nodes; i++)
    {
      XpNode *node = &t->nodes[i];
      node->id = i;
      node->memory_bytes = mem[i].memsize_bytes;
      for (guint c = 0; c < n_cpus; c++)
        if (ct[c].node == i)
          node->n_cpus++;
      node->cpus = g_new (guint, MAX (node->n_cpus, 1u));
      g_autofree guint *cores = g_new (guint, MAX (node->n_cpus, 1u));
      guint k = 0;
      for (guint c = 0; c < n_cpus; c++)
        if (ct[c].node == i)
          {
            cores[k] = t->cpus[c].core;
            node->cpus[k++] = c;
          }
      qsort (cores, k, sizeof (guint), cmp_guint);
      for (guint j = 0; j < k; j++)
        if (j == 0 || cores[j] != cores[j - 1])
          node->n_cores++;
    }
  guint64 spanned = 0;
  for (guint i = 0; i < n_nodes; i++)
    spanned += mem[i].memsize_bytes >> XP_PAGE_SHIFT;
  if (spanned > pi.total_pages)
    {
      t->warnings = g_new0 (char *, 2);
      t->warnings[0] = g_strdup_printf ("node sizes are numainfo's spanned ranges: together %" G_GUINT64_FORMAT
                                        " pages, %" G_GUINT64_FORMAT " more than the host's RAM (physinfo "
                                        "total_pages %" G_GUINT64_FORMAT "); holes lie inside some node",
                                        spanned, spanned - pi.total_pages, pi.total_pages);
    }
  return t;
}
