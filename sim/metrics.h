/* xenplace — what a run measured: per VM, per node, per run.
 *
 * Definitions (also in the README):
 *   home node        the node holding most of a VM's pages (lowest id on ties)
 *   memory locality  pages on the home node / all pages of the VM
 *   numa_nodes       nodes holding more than 4096 pages (16 MiB) of the VM,
 *                    as xenopsd's VM_metrics count them
 *   spread           numa_nodes > 1
 *   avoidable spread spread although, when the VM was placed, some node had
 *                    free − claimed memory >= the VM's memory (Xen's real
 *                    numbers, whatever the toolstack believed)
 *   superpage share  pages populated as 1 GiB or 2 MiB extents / all pages
 *   start latency    from the start request to the VM running (queueing for
 *                    a builder included); p50 / p95 over the started VMs by
 *                    nearest rank: the ceil(p * n / 100)-th smallest
 * With the CPU model (credit scheduler):
 *   execution locality  Σ_n (run time on node n's pCPUs / run time) ×
 *                    (pages on n / pages): the share of memory accesses that
 *                    are local if accesses spread evenly over the VM's pages
 *   remote factor    Σ_n Σ_m (run on n / run) × (pages on m / pages) ×
 *                    SLIT(n, m) / 10: relative memory access cost, 1.0 when
 *                    every access is local (SLIT distances are relative
 *                    latencies, 10 = local)
 *   runnable wait    time a vCPU was runnable but not running, per wait
 *   node migrations  moves of a vCPU to a pCPU of another node
 */
#ifndef XP_METRICS_H
#define XP_METRICS_H

#include "sim/toolstack.h"

G_BEGIN_DECLS

#define XP_NUMA_NODE_THRESHOLD_PAGES 4096

typedef struct {
  const char *name;
  guint vcpus;
  guint64 memory_mib;
  XpVmState state;
  const char *failure;
  guint32 domid;
  XpTime submit_time, start_latency, stop_time;   /* start_latency -1: never ran */
  XpNodemask decision_nodes;
  gboolean decision_placed;
  XpNodemask affinity_nodes;
  XpAffinityKind affinity_kind;
  XpClaimKind claim_made;
  XpPages pages;
  const XpPages *node_pages;      /* n_nodes entries: the VM record's, or zeros */
  guint home_node;
  double locality;
  guint numa_nodes;
  gboolean spread, avoidable_spread, single_node_fit;
  guint64 extents_1g, extents_2m, pages_4k;
  XpPages dirty_pages_scrubbed;
  double superpage_share;
  /* CPU model */
  gboolean has_cpu;
  XpTime run_ns, wait_ns;
  guint64 wait_count, node_migrations;
  const XpTime *run_on_node;      /* n_nodes, the VM record's; NULL without the CPU model */
  double exec_locality, remote_factor;
} XpVmMetrics;

typedef struct {
  XpTime time;
  XpPages *node_free;             /* n_nodes */
  XpPages outstanding_claims;
} XpSample;

typedef struct {
  guint vms, started, failed, stopped;
  guint spread, avoidable_spread;
  double mean_locality;           /* mean over started VMs */
  double page_weighted_locality;  /* all pages of started VMs */
  double superpage_share;
  XpTime latency_mean, latency_p50, latency_p95, latency_max;
  XpTime makespan;                /* completion time of the last successful build */
  guint64 events;
  /* CPU model (has_cpu FALSE without it) */
  gboolean has_cpu;
  double mean_exec_locality;      /* mean over VMs that ran */
  double runtime_weighted_exec_locality;
  double mean_remote_factor;
  XpTime mean_wait_ns;            /* mean runnable wait per wait interval */
  guint64 node_migrations;
} XpRunSummary;

typedef struct {
  guint n_nodes;
  GArray *vms;                    /* XpVmMetrics */
  GArray *samples;                /* XpSample, time series of free memory */
  XpPages *node_min_free;         /* lowest free pages seen per node */
  guint *node_utilisation_ppm;    /* CPU model: per node, NULL without */
  XpRunSummary summary;
  XpPages *no_pages;              /* n_nodes zeros, for VMs that never got memory */
} XpMetrics;

XpMetrics *xp_metrics_new (guint n_nodes);
void xp_metrics_free (XpMetrics *m);
void xp_metrics_sample (XpMetrics *m, XpTime time, const XpPages *node_free, XpPages outstanding);
/* Compute per-VM metrics and the summary from the toolstack's VM records.
 * The VM records must outlive @m and stay unchanged (names, per-node pages
 * and run times are borrowed, not copied: a million-VM replay would hold
 * them twice). */
void xp_metrics_finish (XpMetrics *m, GPtrArray *vms, guint64 events);
/* Execution-locality metrics from the CPU statistics copied in by
 * xp_metrics_finish (no-op for VMs without them). */
void xp_metrics_finish_cpu (XpMetrics *m, const XpTopology *topo);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XpMetrics, xp_metrics_free)

G_END_DECLS

#endif
