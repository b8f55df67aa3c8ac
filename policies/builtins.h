/* xenplace — built-in placement policies and helpers shared by them
 * (internal to libxenplace; plugins use policies/policy.h only). */
#ifndef XP_POLICY_BUILTINS_H
#define XP_POLICY_BUILTINS_H

#include "policies/policy.h"

G_BEGIN_DECLS

extern const XpPolicy xp_policy_none;
extern const XpPolicy xp_policy_first_fit;
extern const XpPolicy xp_policy_best_fit;
extern const XpPolicy xp_policy_worst_fit;
extern const XpPolicy xp_policy_xenopsd;
extern const XpPolicy xp_policy_libxl;

/* Check @params against @policy->params: every key known, given once, and
 * its value among the choices if the parameter has any. The error names
 * the policy, the key and the valid keys or values. */
gboolean xp_policy_check_params (const XpPolicy *policy, const XpPolicyParam *params,
                                 guint n_params, GError **error);
/* Value of @key in @params, or @fallback when absent. */
const char *xp_policy_param_get (const XpPolicyParam *params, guint n_params,
                                 const char *key, const char *fallback);

/* Pages a claim could still get on @node: free − claimed (0 if claims
 * exceed free, which Xen does not allow). */
static inline XpPages
xp_view_node_avail (const XpHostView *view, guint node)
{
  XpPages claimed = view->node_claimed ? view->node_claimed[node] : 0;
  return view->node_free[node] > claimed ? view->node_free[node] - claimed : 0;
}

/* Advance @idx (k ascending indices into 0..n-1) to the next combination
 * in lexicographic order; FALSE after the last one. Start from 0..k-1. */
static inline gboolean
xp_comb_next (guint *idx, guint n, guint k)
{
  gint i = (gint) k - 1;
  while (i >= 0 && idx[i] == n - k + (guint) i)
    i--;
  if (i < 0)
    return FALSE;
  idx[i]++;
  for (guint j = (guint) i + 1; j < k; j++)
    idx[j] = idx[j - 1] + 1;
  return TRUE;
}

G_END_DECLS

#endif
