/* xenplace — host topology: NUMA nodes, their memory and CPUs, SLIT distances.
 *
 * A topology is immutable once loaded. Node ids are dense 0..n_nodes-1 (Xen
 * numbers online nodes densely on the hosts we model); pCPU ids are dense
 * 0..n_cpus-1 and ascend node by node in the order hwloc reports them.
 *
 * Sources (xp_topology_load's SPEC):
 *   NAME            a bundled description, topologies/NAME.ini
 *   PATH.ini        a topology description file (see topologies/README.md)
 *   PATH.xml        an hwloc 2.x XML export (lstopo --of xml)
 *   synthetic:DESC  an hwloc synthetic string plus xenplace's memory and
 *                   distance extensions, e.g.
 *                   "synthetic:pack:2 numa:2 core:8 pu:2; mem=64GiB; dist=10,21"
 *   host            this machine, through hwloc
 */
#ifndef XP_TOPOLOGY_H
#define XP_TOPOLOGY_H

#include "sim/types.h"

G_BEGIN_DECLS

#define XP_DISTANCE_LOCAL        10
#define XP_DISTANCE_UNREACHABLE  0xFFu   /* NUMA_NO_DISTANCE */

typedef struct {
  guint id;
  guint64 memory_bytes;   /* RAM on the node */
  guint n_cpus;
  guint *cpus;            /* pCPU ids on this node, ascending */
  guint n_cores;          /* distinct physical cores among those pCPUs */
} XpNode;

typedef struct {
  guint id;
  guint node;
  guint socket;
  guint core;             /* global physical core id (unique across sockets) */
  guint thread;           /* SMT sibling index within the core, 0-based */
} XpCpu;

typedef struct XpTopology {
  char *name;             /* short name (bundled name, file basename, "synthetic", "host") */
  char *description;      /* one line, may be NULL */
  char *source;           /* where the facts come from, may be NULL */
  guint n_nodes;
  XpNode *nodes;
  guint n_cpus;
  XpCpu *cpus;
  guint n_sockets;
  guint *distance;        /* n_nodes * n_nodes, row-major SLIT */
  char **warnings;        /* NULL-terminated notes about assumptions made while
                           * loading (defaulted distances, ignored CPUs), may be NULL */
} XpTopology;

/* Directory searched for bundled topologies by name; overridable for tests
 * with the XENPLACE_TOPOLOGY_DIR environment variable. */
const char *xp_topology_dir (void);

XpTopology *xp_topology_load (const char *spec, GError **error);
XpTopology *xp_topology_new_synthetic (const char *desc, GError **error);
XpTopology *xp_topology_load_xml (const char *path, GError **error);
/* A topology description file (format in topologies/README.md). */
XpTopology *xp_topology_load_ini (const char *path, GError **error);
/* This machine, through hwloc. */
XpTopology *xp_topology_new_host (GError **error);
/* Names of the bundled topologies (sorted, NULL-terminated; g_strfreev). */
char **xp_topology_bundled_names (void);
XpTopology *xp_topology_copy (const XpTopology *topo);
void xp_topology_free (XpTopology *topo);

static inline guint
xp_topology_distance (const XpTopology *t, guint from, guint to)
{
  return t->distance[from * t->n_nodes + to];
}

/* CPUs of @node as a mask. */
void xp_topology_node_cpumask (const XpTopology *t, guint node, XpCpumask *out);
/* CPUs of all nodes in @nodes. */
void xp_topology_nodes_cpumask (const XpTopology *t, XpNodemask nodes, XpCpumask *out);
/* Nodes having at least one CPU of @cpus. */
XpNodemask xp_topology_cpumask_nodes (const XpTopology *t, const XpCpumask *cpus);
guint64 xp_topology_total_memory (const XpTopology *t);
/* Number of nodes that have at least one CPU. */
guint xp_topology_n_cpu_nodes (const XpTopology *t);

/* Human-readable description: nodes, CPUs, memory, distance matrix. */
void xp_topology_print (const XpTopology *t, GString *out);
/* Export as hwloc XML (with distances) or as a synthetic string that
 * xp_topology_new_synthetic() reads back to an equal topology. */
gboolean xp_topology_export (const XpTopology *t, const char *format, GString *out, GError **error);
/* Deep comparison (names and sources ignored). */
gboolean xp_topology_equal (const XpTopology *a, const XpTopology *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XpTopology, xp_topology_free)

G_END_DECLS

#endif
