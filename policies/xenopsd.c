/* xenplace — policy "xenopsd": XenServer/XCP-ng's NUMA planner.
 *
 * Models xenopsd's Topology.NUMA.make / gen_candidates / choose and
 * Softaffinity.plan (xen-api master, 2026), behaviour as specified in the
 * project's xenopsd placement reference §3-§4 and §12:
 *
 * - make: a node is valid when its self-distance is reachable (≤ 255);
 *   CPUs of invalid nodes are dropped; no CPU left → placement disabled;
 *   a row whose self-distance is reachable but not 10, or with a reachable
 *   entry below 10, disables placement. Xen reports NUMA_NO_DISTANCE (0xFF
 *   in the topology) as ~0U through numainfo, and that is what xenopsd
 *   compares: so 0xFF here is turned into 0xFFFFFFFF before any test.
 * - candidates: every non-empty subset of the valid nodes (≤ 16 of them),
 *   or only singletons above 16, keyed by (max distance, average distance
 *   over ordered pairs incl. self, in double), stably sorted once at init.
 * - plan: the first valid candidate opens a group that takes every later
 *   valid candidate whose average is within 1e-3 (invalid ones skipped);
 *   the group member with the least summed usage counter wins, then the
 *   lexicographically smallest descending node-id list; its nodes'
 *   counters go up by one. Counters never go down; only a toolstack
 *   restart resets them (vm_exit does nothing, as in xenopsd).
 * - fit: Σ avail ≥ memory, Σ CPUs ≥ vCPUs, Σ cores ≥ cores, with avail =
 *   free − claimed in bytes, memory = build_claim_kib·1024, cores = vCPUs
 *   for best_effort(_hard), 0 for prio_mem_only.
 *
 * Not modelled: xenopsd raises (the VM start fails) when claimed > free on a
 * node; here that node's available memory counts as 0.
 */
#include "config.h"
#include <math.h>
#include <string.h>
#include "sim/error.h"
#include "policies/builtins.h"
#include "policies/xenopsd.h"

#define XENOPSD_MAX_SUBSET_NODES 16
#define XENOPSD_REACHABLE_MAX    255u

typedef struct {
  guint64 max;
  double avg;
  guint32 local;          /* bit b = valid_nodes[b] (≤16 valid nodes); singleton index above */
  guint32 order;          /* generation order, for a stable sort */
  XpNodemask nodes;       /* real node ids */
} Candidate;

typedef struct {
  XpXenopsdMode mode;
  gboolean enabled;
  guint n_nodes;
  guint n_valid;
  guint valid[XP_MAX_NODES];
  guint node_cpus[XP_MAX_NODES];    /* 0 for invalid nodes */
  guint node_cores[XP_MAX_NODES];
  Candidate *cand;
  guint n_cand;
  gboolean subsets;                 /* candidates are subsets of ≤16 valid nodes */
  guint64 usage[XP_MAX_NODES];
  /* scratch per plan, indexed by local mask when subsets */
  guint64 *sum_mem;
  guint32 *sum_cpus;
  guint32 *sum_cores;
} XenopsdState;

static const XpPolicyParamInfo xenopsd_params[] = {
  { "mode", "best_effort|best_effort_hard|prio_mem_only|any", "best_effort",
    "xenopsd numa placement policy: cores check and soft/hard affinity; any = no placement" },
  { NULL },
};

/* What xenopsd sees for a topology distance (numainfo's translation). */
static guint64
seen_distance (const XpTopology *t, guint a, guint b)
{
  guint d = xp_topology_distance (t, a, b);
  return d == XP_DISTANCE_UNREACHABLE ? G_GUINT64_CONSTANT (0xFFFFFFFF) : (guint64) d;
}

static gboolean
unreachable (guint64 d)
{
  return d > XENOPSD_REACHABLE_MAX;
}

static gint
cand_cmp (gconstpointer pa, gconstpointer pb)
{
  const Candidate *a = pa, *b = pb;
  if (a->max != b->max)
    return a->max < b->max ? -1 : 1;
  if (a->avg != b->avg)
    return a->avg < b->avg ? -1 : 1;
  return a->order < b->order ? -1 : a->order > b->order;
}

static void
xenopsd_make (XenopsdState *st, const XpTopology *topo)
{
  guint n = MIN (topo->n_nodes, XP_MAX_NODES);
  st->n_nodes = n;
  gboolean any_cpu = FALSE;
  for (guint i = 0; i < n; i++)
    {
      gboolean valid = !unreachable (seen_distance (topo, i, i));
      st->node_cpus[i] = valid ? topo->nodes[i].n_cpus : 0;
      st->node_cores[i] = topo->nodes[i].n_cores;
      if (st->node_cpus[i])
        any_cpu = TRUE;
    }
  if (!any_cpu)
    return;   /* "SLIT only contains unreachable nodes" */
  for (guint i = 0; i < n; i++)
    {
      guint64 self = seen_distance (topo, i, i);
      if (!(unreachable (self) || self == XP_DISTANCE_LOCAL))
        return;
      for (guint j = 0; j < n; j++)
        {
          guint64 d = seen_distance (topo, i, j);
          if (!(d >= XP_DISTANCE_LOCAL || unreachable (d)))
            return;
        }
    }
  for (guint i = 0; i < n; i++)
    if (!unreachable (seen_distance (topo, i, i)))
      st->valid[st->n_valid++] = i;

  if (st->n_valid > XENOPSD_MAX_SUBSET_NODES)
    {
      st->subsets = FALSE;
      st->n_cand = st->n_valid;
      st->cand = g_new0 (Candidate, st->n_cand);
      for (guint b = 0; b < st->n_valid; b++)
        {
          guint64 self = seen_distance (topo, st->valid[b], st->valid[b]);
          st->cand[b] = (Candidate) { .max = self, .avg = (double) self, .local = b, .order = b,
                                      .nodes = xp_nodemask_of (st->valid[b]) };
        }
    }
  else
    {
      st->subsets = TRUE;
      guint32 full = (guint32) 1 << st->n_valid;
      st->n_cand = full - 1;
      st->cand = g_new0 (Candidate, st->n_cand);
      for (guint32 mask = 1; mask < full; mask++)
        {
          guint64 max = 0, sum = 0, k = 0;
          XpNodemask nodes = 0;
          for (guint a = 0; a < st->n_valid; a++)
            {
              if (!(mask >> a & 1))
                continue;
              k++;
              nodes |= xp_nodemask_of (st->valid[a]);
              for (guint b = 0; b < st->n_valid; b++)
                if (mask >> b & 1)
                  {
                    guint64 d = seen_distance (topo, st->valid[a], st->valid[b]);
                    max = MAX (max, d);
                    sum += d;
                  }
            }
          st->cand[mask - 1] = (Candidate) { .max = max, .avg = (double) sum / (double) (k * k),
                                             .local = mask, .order = mask, .nodes = nodes };
        }
      st->sum_mem = g_new0 (guint64, full);
      st->sum_cpus = g_new0 (guint32, full);
      st->sum_cores = g_new0 (guint32, full);
    }
  /* qsort with the generation order as last key = OCaml's stable sort. */
  qsort (st->cand, st->n_cand, sizeof (Candidate), cand_cmp);
  st->enabled = TRUE;
}

static gpointer
xenopsd_init (const XpTopology *topo, const XpPolicyParam *params, guint n_params, GError **error)
{
  if (!xp_policy_check_params (&xp_policy_xenopsd, params, n_params, error))
    return NULL;
  XenopsdState *st = g_new0 (XenopsdState, 1);
  const char *mode = xp_policy_param_get (params, n_params, "mode", "best_effort");
  if (strcmp (mode, "best_effort_hard") == 0)
    st->mode = XP_XENOPSD_BEST_EFFORT_HARD;
  else if (strcmp (mode, "prio_mem_only") == 0)
    st->mode = XP_XENOPSD_PRIO_MEM_ONLY;
  else if (strcmp (mode, "any") == 0)
    st->mode = XP_XENOPSD_ANY;
  else
    st->mode = XP_XENOPSD_BEST_EFFORT;
  xenopsd_make (st, topo);
  return st;
}

/* Descending node-id lists compared element by element, a proper prefix
 * being smaller (OCaml's polymorphic compare on int lists). */
static gint
desc_list_cmp (XpNodemask a, XpNodemask b)
{
  while (a && b)
    {
      guint ha = 63 - (guint) __builtin_clzll (a);
      guint hb = 63 - (guint) __builtin_clzll (b);
      if (ha != hb)
        return ha < hb ? -1 : 1;
      a &= ~xp_nodemask_of (ha);
      b &= ~xp_nodemask_of (hb);
    }
  return a ? 1 : b ? -1 : 0;
}

static gboolean
xenopsd_place (gpointer state, const XpHostView *view, const XpVmRequest *req, XpPlacement *out,
               GError **error)
{
  XenopsdState *st = state;
  xp_placement_init (out);
  out->placed = FALSE;

  /* Any: no planning, no claim. User hard affinity: xenopsd skips NUMA
   * placement and claims altogether. */
  if (st->mode == XP_XENOPSD_ANY || req->hard_affinity)
    {
      out->claim = XP_CLAIM_NONE;
      return TRUE;
    }
  if (!st->enabled)
    return TRUE;   /* numa_hierarchy = None: the toolstack's global claim */

  guint64 mem_avail[XP_MAX_NODES] = { 0 };   /* bytes, as NUMAResource.memfree */
  for (guint i = 0; i < st->n_nodes; i++)
    mem_avail[i] = xp_view_node_avail (view, i) * XP_PAGE_SIZE;
  guint64 need_mem = req->build_claim_kib * 1024;
  guint64 need_vcpus = req->vcpus;
  guint64 need_cores = st->mode == XP_XENOPSD_PRIO_MEM_ONLY ? 0 : req->vcpus;

  if (st->subsets)
    {
      /* Per-subset sums by the lowest-bit recurrence, once per plan. */
      guint32 full = (guint32) 1 << st->n_valid;
      for (guint32 m = 1; m < full; m++)
        {
          guint low = (guint) __builtin_ctz (m);
          guint node = st->valid[low];
          guint32 rest = m & (m - 1);
          st->sum_mem[m] = st->sum_mem[rest] + mem_avail[node];
          st->sum_cpus[m] = st->sum_cpus[rest] + st->node_cpus[node];
          st->sum_cores[m] = st->sum_cores[rest] + st->node_cores[node];
        }
    }

  gboolean have_first = FALSE;
  double first = 0;
  gboolean have_best = FALSE;
  guint64 best_usage = 0;
  XpNodemask best = 0;
  for (guint c = 0; c < st->n_cand; c++)
    {
      const Candidate *cd = &st->cand[c];
      guint64 mem, cpus, cores;
      if (st->subsets)
        {
          mem = st->sum_mem[cd->local];
          cpus = st->sum_cpus[cd->local];
          cores = st->sum_cores[cd->local];
        }
      else
        {
          guint node = st->valid[cd->local];
          mem = mem_avail[node];
          cpus = st->node_cpus[node];
          cores = st->node_cores[node];
        }
      if (mem < need_mem || cpus < need_vcpus || cores < need_cores)
        continue;   /* invalid candidates are skipped, they do not end the group */
      if (!have_first)
        {
          have_first = TRUE;
          first = cd->avg;
        }
      else if (!(fabs (cd->avg - first) < 1e-3))
        break;
      guint64 usage = 0;
      guint node;
      XP_NODEMASK_FOREACH (node, cd->nodes)
        usage += st->usage[node];
      if (!have_best || usage < best_usage || (usage == best_usage && desc_list_cmp (cd->nodes, best) < 0))
        {
          have_best = TRUE;
          best_usage = usage;
          best = cd->nodes;
        }
    }
  if (!have_best)
    return TRUE;   /* "No allocations possible" */

  guint node;
  XP_NODEMASK_FOREACH (node, best)
    st->usage[node]++;
  out->placed = TRUE;
  out->nodes = best;
  out->affinity = st->mode == XP_XENOPSD_BEST_EFFORT_HARD ? XP_AFFINITY_HARD : XP_AFFINITY_SOFT;
  out->set_node_affinity = FALSE;
  out->claim = XP_CLAIM_TOOLSTACK;
  return TRUE;
}

static void
xenopsd_vm_exit (gpointer state, guint32 domid)
{
  /* Deliberately nothing: xenopsd never decrements node_usage. */
}

static void
xenopsd_restart (gpointer state)
{
  XenopsdState *st = state;
  memset (st->usage, 0, sizeof st->usage);
}

static void
xenopsd_free (gpointer state)
{
  XenopsdState *st = state;
  if (!st)
    return;
  g_free (st->cand);
  g_free (st->sum_mem);
  g_free (st->sum_cpus);
  g_free (st->sum_cores);
  g_free (st);
}

gboolean
xp_xenopsd_enabled (gpointer state)
{
  return ((XenopsdState *) state)->enabled;
}

guint
xp_xenopsd_n_candidates (gpointer state)
{
  return ((XenopsdState *) state)->n_cand;
}

XpNodemask
xp_xenopsd_candidate (gpointer state, guint i, double *avg, guint64 *max)
{
  XenopsdState *st = state;
  g_return_val_if_fail (i < st->n_cand, 0);
  if (avg)
    *avg = st->cand[i].avg;
  if (max)
    *max = st->cand[i].max;
  return st->cand[i].nodes;
}

guint64
xp_xenopsd_node_usage (gpointer state, guint node)
{
  XenopsdState *st = state;
  g_return_val_if_fail (node < XP_MAX_NODES, 0);
  return st->usage[node];
}

const XpPolicy xp_policy_xenopsd = {
  .abi_version = XP_POLICY_ABI_VERSION,
  .name = "xenopsd",
  .description = "xenopsd best-effort planner: node sets by (max, avg) distance, least-used fitting set wins",
  .init = xenopsd_init,
  .place = xenopsd_place,
  .vm_exit = xenopsd_vm_exit,
  .toolstack_restart = xenopsd_restart,
  .free = xenopsd_free,
  .params = xenopsd_params,
};
