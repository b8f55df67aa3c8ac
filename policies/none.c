/* xenplace — policy "none": Xen's default, no NUMA placement at all.
 *
 * No vCPU affinity, no node affinity: the domain keeps automatic node
 * affinity = all nodes and the buddy allocator stripes its memory over
 * them round-robin. The toolstack still makes its usual claim. */
#include "config.h"
#include "policies/builtins.h"

static gpointer
none_init (const XpTopology *topo, const XpPolicyParam *params, guint n_params, GError **error)
{
  if (!xp_policy_check_params (&xp_policy_none, params, n_params, error))
    return NULL;
  return GUINT_TO_POINTER (1);   /* stateless; non-NULL means success */
}

static gboolean
none_place (gpointer state, const XpHostView *view, const XpVmRequest *req, XpPlacement *out,
            GError **error)
{
  xp_placement_init (out);
  out->placed = FALSE;
  out->affinity = XP_AFFINITY_NONE;
  return TRUE;
}

static void
none_free (gpointer state)
{
}

const XpPolicy xp_policy_none = {
  .abi_version = XP_POLICY_ABI_VERSION,
  .name = "none",
  .description = "Xen's default: no placement, memory striped over all nodes, vCPUs anywhere",
  .init = none_init,
  .place = none_place,
  .free = none_free,
  .params = NULL,
};
