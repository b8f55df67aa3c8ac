/* xenplace — policies "first-fit", "best-fit", "worst-fit".
 *
 * The three classic heuristics of the 2012 libxl automatic NUMA placement
 * RFC discussions on xen-devel, choosing a node by its free memory:
 *   first-fit  the first node, in node-id order, that fits;
 *   best-fit   the fitting node with the least free memory (tightest fit);
 *   worst-fit  the node with the most free memory (must fit, too).
 * Ties go to the lowest node id.
 *
 * A node fits when it has at least one CPU and its available memory,
 * free − claimed (what a claim could still get there), is at least the
 * memory the build will claim (build_claim_kib); with cpus=1 it must also
 * have at least as many CPUs as the VM has vCPUs. If the request has a
 * user hard affinity, only nodes with a CPU in it are considered.
 *
 * The result is vCPU soft affinity to the chosen nodes' CPUs; Xen derives
 * the domain's node affinity from it (auto_node_affinity), so memory
 * follows. No explicit node affinity, the toolstack's usual claim.
 *
 * When no single node fits (fallback=):
 *   multi (default)  the smallest number k of nodes whose summed available
 *                    memory (and CPUs, with cpus=1) fits; among the
 *                    k-node sets, in lexicographic order of node ids, the
 *                    same rule: first-fit takes the first, best-fit the
 *                    one with the least summed free memory, worst-fit the
 *                    most (ties: the first). Hosts with more than 16
 *                    eligible nodes are not enumerated: there nodes are
 *                    taken in order of most available memory (ties:
 *                    lower id) until the set fits, for all three; by
 *                    memory alone that is a smallest set (with cpus=1 it
 *                    may not be the smallest one).
 *   none             no placement (placed = FALSE): Xen's default striping.
 */
#include "config.h"
#include <string.h>
#include "sim/error.h"
#include "policies/builtins.h"

typedef enum { FIT_FIRST, FIT_BEST, FIT_WORST } FitKind;

typedef struct {
  FitKind kind;
  gboolean check_cpus;
  gboolean fallback_multi;
} FitState;

static const XpPolicyParamInfo fit_params[] = {
  { "cpus", "0|1", "0", "1: a node (or node set) must also have at least as many CPUs as the VM has vCPUs" },
  { "fallback", "multi|none", "multi",
    "when no single node fits: multi = smallest node set by the same rule, none = no placement" },
  { NULL },
};

static gpointer
fit_init (const XpPolicy *self, FitKind kind, const XpPolicyParam *params, guint n_params,
          GError **error)
{
  if (!xp_policy_check_params (self, params, n_params, error))
    return NULL;
  FitState *st = g_new0 (FitState, 1);
  st->kind = kind;
  st->check_cpus = strcmp (xp_policy_param_get (params, n_params, "cpus", "0"), "1") == 0;
  st->fallback_multi = strcmp (xp_policy_param_get (params, n_params, "fallback", "multi"), "multi") == 0;
  return st;
}

static gpointer
first_fit_init (const XpTopology *topo, const XpPolicyParam *params, guint n_params, GError **error)
{
  return fit_init (&xp_policy_first_fit, FIT_FIRST, params, n_params, error);
}

static gpointer
best_fit_init (const XpTopology *topo, const XpPolicyParam *params, guint n_params, GError **error)
{
  return fit_init (&xp_policy_best_fit, FIT_BEST, params, n_params, error);
}

static gpointer
worst_fit_init (const XpTopology *topo, const XpPolicyParam *params, guint n_params, GError **error)
{
  return fit_init (&xp_policy_worst_fit, FIT_WORST, params, n_params, error);
}

/* Is @cand better than @best (both fitting) under @kind? Strict, so that
 * ties keep the earlier one (lower ids / lexicographically first). */
static gboolean
fit_better (FitKind kind, guint64 cand_avail, guint64 best_avail)
{
  switch (kind)
    {
    case FIT_FIRST:
      return FALSE;
    case FIT_BEST:
      return cand_avail < best_avail;
    case FIT_WORST:
      return cand_avail > best_avail;
    }
  return FALSE;
}

typedef struct {
  guint n;                  /* eligible nodes */
  guint ids[XP_MAX_NODES];
  guint64 avail[XP_MAX_NODES];   /* pages */
  guint cpus[XP_MAX_NODES];
  guint64 need;             /* pages */
  guint vcpus;
  gboolean check_cpus;
  FitKind kind;
  /* best so far */
  gboolean found;
  guint64 best_avail;
  XpNodemask best;
} FitSearch;

/* Enumerate k-combinations of the eligible nodes in lexicographic order. */
static void
fit_combinations (FitSearch *s, guint k)
{
  guint idx[XP_MAX_NODES];
  for (guint i = 0; i < k; i++)
    idx[i] = i;
  for (;;)
    {
      guint64 avail = 0;
      guint cpus = 0;
      XpNodemask mask = 0;
      for (guint i = 0; i < k; i++)
        {
          avail += s->avail[idx[i]];
          cpus += s->cpus[idx[i]];
          mask |= xp_nodemask_of (s->ids[idx[i]]);
        }
      if (avail >= s->need && (!s->check_cpus || cpus >= s->vcpus))
        {
          if (!s->found || fit_better (s->kind, avail, s->best_avail))
            {
              s->found = TRUE;
              s->best_avail = avail;
              s->best = mask;
              if (s->kind == FIT_FIRST)
                return;
            }
        }
      if (!xp_comb_next (idx, s->n, k))
        return;
    }
}

static gint
cmp_avail_desc (gconstpointer a, gconstpointer b, gpointer data)
{
  const FitSearch *s = data;
  guint i = *(const guint *) a, j = *(const guint *) b;
  if (s->avail[i] != s->avail[j])
    return s->avail[i] > s->avail[j] ? -1 : 1;
  return i < j ? -1 : i > j;
}

/* More than 16 eligible nodes: take the most-available nodes until it fits. */
static void
fit_greedy (FitSearch *s)
{
  guint order[XP_MAX_NODES];
  for (guint i = 0; i < s->n; i++)
    order[i] = i;
  g_qsort_with_data (order, s->n, sizeof (guint), cmp_avail_desc, s);
  guint64 avail = 0;
  guint cpus = 0;
  XpNodemask mask = 0;
  for (guint i = 0; i < s->n; i++)
    {
      avail += s->avail[order[i]];
      cpus += s->cpus[order[i]];
      mask |= xp_nodemask_of (s->ids[order[i]]);
      if (avail >= s->need && (!s->check_cpus || cpus >= s->vcpus))
        {
          s->found = TRUE;
          s->best = mask;
          return;
        }
    }
}

static gboolean
fit_place (gpointer state, const XpHostView *view, const XpVmRequest *req, XpPlacement *out,
           GError **error)
{
  const FitState *st = state;
  const XpTopology *topo = view->topo;
  xp_placement_init (out);

  FitSearch s = { 0 };
  s.kind = st->kind;
  s.check_cpus = st->check_cpus;
  s.vcpus = req->vcpus;
  s.need = (req->build_claim_kib + 3) / 4;   /* pages a claim for the build needs */
  for (guint n = 0; n < topo->n_nodes && n < XP_MAX_NODES; n++)
    {
      const XpNode *node = &topo->nodes[n];
      if (node->n_cpus == 0)
        continue;
      if (req->hard_affinity)
        {
          gboolean hit = FALSE;
          for (guint c = 0; c < node->n_cpus && !hit; c++)
            hit = xp_cpumask_test (req->hard_affinity, node->cpus[c]);
          if (!hit)
            continue;
        }
      s.ids[s.n] = n;
      s.avail[s.n] = xp_view_node_avail (view, n);
      s.cpus[s.n] = node->n_cpus;
      s.n++;
    }

  if (s.n > 0)
    fit_combinations (&s, 1);
  if (!s.found && st->fallback_multi)
    {
      if (s.n > 16)
        fit_greedy (&s);
      else
        for (guint k = 2; k <= s.n && !s.found; k++)
          fit_combinations (&s, k);
    }
  if (!s.found)
    {
      out->placed = FALSE;
      return TRUE;
    }
  out->placed = TRUE;
  out->nodes = s.best;
  out->affinity = XP_AFFINITY_SOFT;
  out->set_node_affinity = FALSE;
  out->claim = XP_CLAIM_TOOLSTACK;
  return TRUE;
}

static void
fit_free (gpointer state)
{
  g_free (state);
}

const XpPolicy xp_policy_first_fit = {
  .abi_version = XP_POLICY_ABI_VERSION,
  .name = "first-fit",
  .description = "first node in id order whose free-minus-claimed memory fits the VM; soft affinity there",
  .init = first_fit_init,
  .place = fit_place,
  .free = fit_free,
  .params = fit_params,
};

const XpPolicy xp_policy_best_fit = {
  .abi_version = XP_POLICY_ABI_VERSION,
  .name = "best-fit",
  .description = "fitting node with the least free-minus-claimed memory (tightest fit); soft affinity there",
  .init = best_fit_init,
  .place = fit_place,
  .free = fit_free,
  .params = fit_params,
};

const XpPolicy xp_policy_worst_fit = {
  .abi_version = XP_POLICY_ABI_VERSION,
  .name = "worst-fit",
  .description = "node with the most free-minus-claimed memory, if it fits; soft affinity there",
  .init = worst_fit_init,
  .place = fit_place,
  .free = fit_free,
  .params = fit_params,
};
