/* xenplace — internals of the "xenopsd" policy, for tests and tools.
 *
 * The policy models xenopsd's Topology.NUMA + Softaffinity.plan (the core
 * planner only; the domain layer — act on single-node plans, node claim,
 * ENOMEM fallback — belongs to the toolstack model). */
#ifndef XP_POLICY_XENOPSD_H
#define XP_POLICY_XENOPSD_H

#include "policies/policy.h"

G_BEGIN_DECLS

typedef enum {
  XP_XENOPSD_BEST_EFFORT,
  XP_XENOPSD_BEST_EFFORT_HARD,
  XP_XENOPSD_PRIO_MEM_ONLY,
  XP_XENOPSD_ANY,
} XpXenopsdMode;

/* @state is what xp_policy_xenopsd.init returned. */
/* FALSE when NUMA.make rejected the host (placement disabled). */
gboolean xp_xenopsd_enabled (gpointer state);
/* The sorted candidate list: count, and entry @i's node set and average
 * distance (its max distance too, used only for sorting). */
guint xp_xenopsd_n_candidates (gpointer state);
XpNodemask xp_xenopsd_candidate (gpointer state, guint i, double *avg, guint64 *max);
/* Placement counter of @node (xenopsd's node_usage). */
guint64 xp_xenopsd_node_usage (gpointer state, guint node);

G_END_DECLS

#endif
