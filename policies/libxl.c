/* xenplace — policy "libxl": xl/libxl's automatic NUMA placement (Xen 4.17).
 *
 * Models libxl_dom.c numa_place_domain() with numa_cmpf() and
 * libxl_numa.c libxl__get_numa_candidate(), as the project's Xen reference
 * §5.3 describes them, quirks included:
 *
 * - need: min_free_memkb = the domain's footprint (libxl's need_memkb),
 *   rounded up to a multiple of 2048 KiB; min_cpus = vCPUs.
 * - suitable CPUs = the cpupool's CPUs (here: all CPUs). libxl computes
 *   hard affinity ∩ pool but then passes the pool map, so a user hard
 *   affinity does NOT restrict the candidates (an empty intersection is
 *   still an error, ERROR_INVAL in libxl).
 * - per-node free = numainfo memfree, which includes claimed and dirty
 *   pages: claims of builds in progress are invisible.
 * - ≤ 1 or > 16 nodes: no placement.
 * - vcpus_on_node[n]: for each domain in the view, each vCPU counts once on
 *   node n if some CPU of its hard affinity is on n and n is in the
 *   domain's node affinity.
 * - min_nodes = ceil(vCPUs / CPUs per node) when every node 0..n-1 has the
 *   same CPU count (leading CPU-less nodes are skipped by libxl's count,
 *   a CPU-less node after others makes the counts unequal), else 1; both
 *   bounds clamped to the number of suitable nodes. (With every CPU
 *   suitable, the CPU test alone already rules out smaller k when the
 *   counts are equal, so the rule only saves work here.)
 * - for k = min_nodes.., the first k with any candidate ends the search;
 *   k-combinations of suitable nodes in lexicographic order; a candidate
 *   has Σ free KiB ≥ need and Σ suitable CPUs ≥ vCPUs.
 * - comparison: fewer vCPUs wins; else (int)(c2.free − c1.free) < 0, i.e.
 *   more free memory wins, with the free sum accumulated in 32 bits (wraps
 *   above 4 TiB) and the difference truncated to int (sign flips when the
 *   candidates differ by 2 TiB or more); full ties keep the first.
 * - result: explicit node affinity to the chosen nodes, soft affinity to
 *   their CPUs, the toolstack's usual claim.
 * - no candidate (including ≤ 1 or > 16 nodes): libxl__build_pre had filled
 *   the node map with ones before the search, and it still applies it: soft
 *   affinity to every CPU and node affinity to every bit of a map of
 *   ceil(nodes / 8) bytes, which Xen takes as explicit (not automatic)
 *   unless that makes all 64 of its nodes. Reported as placed = FALSE with
 *   set_node_affinity, for the toolstack to carry out.
 *
 * Not modelled: cpupools other than Pool-0 holding every CPU.
 */
#include "config.h"
#include <string.h>
#include "sim/error.h"
#include "policies/builtins.h"

#define LIBXL_MAX_PLACEMENT_NODES 16

typedef struct {
  int nr_vcpus;
  guint64 free_memkb;
  XpNodemask nodes;
} LibxlCandidate;

/* numa_cmpf(): negative when @c1 is better than @c2. */
static int
libxl_cmp (const LibxlCandidate *c1, const LibxlCandidate *c2)
{
  if (c1->nr_vcpus != c2->nr_vcpus)
    return c1->nr_vcpus - c2->nr_vcpus;
  /* uint64 difference converted to int: keeps the low 32 bits. */
  return (int) (gint32) (guint32) (c2->free_memkb - c1->free_memkb);
}

static gpointer
libxl_init (const XpTopology *topo, const XpPolicyParam *params, guint n_params, GError **error)
{
  if (!xp_policy_check_params (&xp_policy_libxl, params, n_params, error))
    return NULL;
  return GUINT_TO_POINTER (1);   /* stateless */
}

/* libxl's count_cpus_per_node(): 0 when the nodes differ. */
static guint
cpus_per_node (const XpTopology *topo)
{
  guint per = 0;
  for (guint n = 0; n < topo->n_nodes; n++)
    {
      guint cur = topo->nodes[n].n_cpus;
      if (per == 0)
        per = cur;
      if (per != cur)
        return 0;
    }
  return per;
}

static gboolean
libxl_place (gpointer state, const XpHostView *view, const XpVmRequest *req, XpPlacement *out,
             GError **error)
{
  const XpTopology *topo = view->topo;
  xp_placement_init (out);
  out->placed = FALSE;

  /* Suitable CPUs: the whole pool. The hard affinity only has to meet it. */
  if (req->hard_affinity)
    {
      gboolean meets = FALSE;
      for (guint c = 0; c < topo->n_cpus && !meets; c++)
        meets = xp_cpumask_test (req->hard_affinity, topo->cpus[c].id);
      if (!meets)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                       "VM '%s': hard affinity has no CPU of the host (libxl: \"Hard affinity "
                       "completely outside of domain's cpupool\")", req->name ? req->name : "?");
          return FALSE;
        }
    }

  /* From here on a search that finds nothing leaves libxl__build_pre's
   * all-ones node map in place, and that map is still applied. */
  out->set_node_affinity = TRUE;
  out->affinity = XP_AFFINITY_SOFT;

  guint nr_nodes = topo->n_nodes;
  if (nr_nodes <= 1 || nr_nodes > LIBXL_MAX_PLACEMENT_NODES)
    return TRUE;

  guint node_cpus[LIBXL_MAX_PLACEMENT_NODES] = { 0 };
  guint suitable[LIBXL_MAX_PLACEMENT_NODES];
  guint n_suitable = 0;
  for (guint n = 0; n < nr_nodes; n++)
    {
      node_cpus[n] = topo->nodes[n].n_cpus;
      if (node_cpus[n] > 0)
        suitable[n_suitable++] = n;
    }

  /* vCPUs able to run on each node. */
  int vcpus_on_node[LIBXL_MAX_PLACEMENT_NODES] = { 0 };
  for (guint d = 0; d < view->n_domains; d++)
    {
      const XpDomainView *dom = &view->domains[d];
      for (guint v = 0; v < dom->n_vcpus; v++)
        {
          XpNodemask counted = 0;
          for (guint c = 0; c < topo->n_cpus; c++)
            {
              guint node = topo->cpus[c].node;
              if (node >= nr_nodes || !xp_cpumask_test (&dom->vcpu_hard[v], topo->cpus[c].id))
                continue;
              if (xp_nodemask_test (dom->node_affinity, node) && !xp_nodemask_test (counted, node))
                {
                  counted |= xp_nodemask_of (node);
                  vcpus_on_node[node]++;
                }
            }
        }
    }

  guint64 min_free_memkb = (req->footprint_kib + 2047) / 2048 * 2048;
  guint min_cpus = req->vcpus;
  guint per = cpus_per_node (topo);
  guint min_nodes = per == 0 ? 1 : (min_cpus + per - 1) / per;
  guint max_nodes = n_suitable;
  if (min_nodes > n_suitable)
    min_nodes = n_suitable;

  gboolean found = FALSE;
  LibxlCandidate best = { 0 };
  for (guint k = min_nodes; k <= max_nodes && !found && k > 0; k++)
    {
      guint idx[LIBXL_MAX_PLACEMENT_NODES];
      for (guint i = 0; i < k; i++)
        idx[i] = i;
      for (;;)
        {
          guint32 free_memkb = 0;   /* libxl's 32-bit accumulator */
          guint cpus = 0;
          LibxlCandidate cand = { 0 };
          for (guint i = 0; i < k; i++)
            {
              guint node = suitable[idx[i]];
              free_memkb += (guint32) (view->node_free[node] * (XP_PAGE_SIZE / 1024));
              cpus += node_cpus[node];
              cand.nr_vcpus += vcpus_on_node[node];
              cand.nodes |= xp_nodemask_of (node);
            }
          cand.free_memkb = free_memkb;
          if (!(min_free_memkb && cand.free_memkb < min_free_memkb) && !(min_cpus && cpus < min_cpus))
            {
              if (!found || libxl_cmp (&cand, &best) < 0)
                {
                  found = TRUE;
                  best = cand;
                }
            }
          if (!xp_comb_next (idx, n_suitable, k))
            break;
        }
    }
  if (!found)
    return TRUE;   /* "NUMA placement failed": the all-ones map is applied */

  out->placed = TRUE;
  out->nodes = best.nodes;
  out->affinity = XP_AFFINITY_SOFT;
  out->set_node_affinity = TRUE;
  out->claim = XP_CLAIM_TOOLSTACK;
  return TRUE;
}

static void
libxl_free (gpointer state)
{
}

const XpPolicy xp_policy_libxl = {
  .abi_version = XP_POLICY_ABI_VERSION,
  .name = "libxl",
  .description = "xl/libxl 4.17 automatic placement: fewest nodes, then fewest vCPUs, then most free memory",
  .init = libxl_init,
  .place = libxl_place,
  .free = libxl_free,
  .params = NULL,
};
