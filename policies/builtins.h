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

G_END_DECLS

#endif
