/* xenplace — host topology internals shared by sim/topology*.c.
 *
 * Every loader ends the same way: it lists the NUMA nodes (memory) and the
 * pCPUs in their final order with opaque socket and core keys, and
 * xp__topology_assemble() turns that into an XpTopology with dense socket,
 * core and thread numbers. xp__topology_check() then enforces the limits and
 * the distance rules that every source must obey.
 */
#ifndef XP_TOPOLOGY_PRIVATE_H
#define XP_TOPOLOGY_PRIVATE_H

#include "sim/topology.h"

G_BEGIN_DECLS

#define XP_DISTANCE_DEFAULT_REMOTE 20

typedef struct {
  guint node;          /* dense node id */
  guint64 socket_key;  /* equal keys = same socket */
  guint64 core_key;    /* equal keys = same physical core (unique machine-wide) */
} XpRawCpu;

/* Build a topology from nodes and pCPUs given node by node, in pCPU order.
 * Sockets and cores are numbered densely in order of first appearance;
 * a CPU's thread index is its rank among the earlier CPUs of its core.
 * Distances start as 10 local / 20 remote. */
XpTopology *xp__topology_assemble (guint n_nodes, const guint64 *memory,
                                   guint n_cpus, const XpRawCpu *cpus);
void xp__topology_add_warning (XpTopology *t, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* Limits (nodes, CPUs), empty nodes and the distance rules; @where prefixes
 * the message ("FILE" or "FILE:LINE"). */
gboolean xp__topology_check (const XpTopology *t, const char *where, GError **error);
/* Distance matrix rules only; @where names the place and field. */
gboolean xp__distances_check (guint n, const guint *d, const char *where, GError **error);
/* Note asymmetric matrices (accepted, as Xen and xenopsd do). */
void xp__topology_note_asymmetry (XpTopology *t);

/* hwloc side (sim/topology_hwloc.c). */
XpTopology *xp__topology_from_hwloc_synthetic (const char *desc, const char *where, GError **error);
gboolean xp__topology_export_xml (const XpTopology *t, GString *out, GError **error);

/* Synthetic strings and .ini files (sim/topology_spec.c). */
gboolean xp__topology_export_synthetic (const XpTopology *t, GString *out, GError **error);

G_END_DECLS

#endif
