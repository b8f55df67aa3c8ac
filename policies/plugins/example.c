/* xenplace — example placement policy plugin ("example-round-robin").
 *
 * Build as a loadable module against policies/policy.h only, e.g.
 *   cc -shared -fPIC $(pkg-config --cflags glib-2.0) -I XENPLACE_SRC \
 *      -o example.so policies/plugins/example.c
 * and load with `xenplace policies --plugin ./example.so`, a replay's
 * --policy-plugin option, or a bench scenario's policies entry
 * (`policies = first-fit;../plugins/example.so:start=1`, see bench/README.md).
 *
 * The policy: nodes are taken in turn (round robin, starting at param
 * start=N); the VM goes on the first node from the current one onwards
 * that has a CPU and enough free-minus-claimed memory for the build, with
 * vCPU soft affinity to it. The turn advances past the chosen node.
 *
 * XP_EXAMPLE_NO_ENTRY, XP_EXAMPLE_BAD_ABI and XP_EXAMPLE_NULL_PLACE build
 * broken variants that the test suite uses to check the loader's errors.
 */
#include <stdlib.h>
#include <string.h>
#include <gmodule.h>
#include "policies/policy.h"

typedef struct {
  guint next;
} RoundRobin;

static const XpPolicyParamInfo rr_params[] = {
  { "start", NULL, "0", "node to try first" },
  { NULL },
};

static gpointer
rr_init (const XpTopology *topo, const XpPolicyParam *params, guint n_params, GError **error)
{
  RoundRobin *rr = g_new0 (RoundRobin, 1);
  for (guint i = 0; i < n_params; i++)
    {
      char *end = NULL;
      guint64 v = 0;
      if (strcmp (params[i].key, "start") == 0 && params[i].value[0] != '\0'
          && (v = g_ascii_strtoull (params[i].value, &end, 10), *end == '\0') && v < topo->n_nodes)
        rr->next = (guint) v;
      else
        {
          g_set_error (error, g_quark_from_static_string ("example-policy"), 1,
                       "policy 'example-round-robin': bad parameter '%s=%s' (valid: start=0..%u)",
                       params[i].key, params[i].value, topo->n_nodes - 1);
          g_free (rr);
          return NULL;
        }
    }
  return rr;
}

G_GNUC_UNUSED static gboolean
rr_place (gpointer state, const XpHostView *view, const XpVmRequest *req, XpPlacement *out,
          GError **error)
{
  RoundRobin *rr = state;
  const XpTopology *topo = view->topo;
  xp_placement_init (out);
  XpPages need = (req->build_claim_kib + 3) / 4;
  for (guint i = 0; i < topo->n_nodes; i++)
    {
      guint n = (rr->next + i) % topo->n_nodes;
      XpPages claimed = view->node_claimed ? view->node_claimed[n] : 0;
      XpPages avail = view->node_free[n] > claimed ? view->node_free[n] - claimed : 0;
      if (topo->nodes[n].n_cpus > 0 && avail >= need)
        {
          out->placed = TRUE;
          out->nodes = xp_nodemask_of (n);
          out->affinity = XP_AFFINITY_SOFT;
          rr->next = (n + 1) % topo->n_nodes;
          return TRUE;
        }
    }
  out->placed = FALSE;
  return TRUE;
}

static void
rr_restart (gpointer state)
{
  ((RoundRobin *) state)->next = 0;
}

static void
rr_free (gpointer state)
{
  g_free (state);
}

static const XpPolicy example_policy = {
#ifdef XP_EXAMPLE_BAD_ABI
  .abi_version = XP_POLICY_ABI_VERSION + 41,
#else
  .abi_version = XP_POLICY_ABI_VERSION,
#endif
  .name = "example-round-robin",
  .description = "example plugin: nodes in turn, first one from the current turn that fits; soft affinity",
  .init = rr_init,
#ifdef XP_EXAMPLE_NULL_PLACE
  .place = NULL,
#else
  .place = rr_place,
#endif
  .toolstack_restart = rr_restart,
  .free = rr_free,
  .params = rr_params,
};

#ifndef XP_EXAMPLE_NO_ENTRY
G_MODULE_EXPORT const XpPolicy *xenplace_policy_entry (void);

G_MODULE_EXPORT const XpPolicy *
xenplace_policy_entry (void)
{
  return &example_policy;
}
#else
/* A module with some other symbol but no entry point. */
G_MODULE_EXPORT int xenplace_not_a_policy (void);

G_MODULE_EXPORT int
xenplace_not_a_policy (void)
{
  return example_policy.abi_version;
}
#endif
