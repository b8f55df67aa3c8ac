/* xenplace — the replay driver: one trace, one topology, one policy, one
 * toolstack configuration, one seed → one XpRun.
 *
 * The trace feeds the event queue one event at a time; a start goes to the
 * toolstack model, a stop destroys the VM, a toolstack_restart resets the
 * toolstack's in-memory state. The run ends when the trace is exhausted and
 * no build is in flight (plus the configured tail). Everything is deterministic given the inputs and
 * the seed.
 */
#ifndef XP_REPLAY_H
#define XP_REPLAY_H

#include "sim/metrics.h"
#include "sim/toolstack.h"
#include "sim/trace.h"
#include "sim/xen/xen.h"
#include "sim/xen/sched_credit.h"
#include "policies/policy.h"

G_BEGIN_DECLS

/* How far a run is (XpReplayConfig.progress). */
typedef struct {
  XpTime now;                     /* simulated time reached */
  XpTime trace_span;              /* time of the trace's last event */
  guint trace_done, trace_total;  /* trace events fed to the model so far / in all */
  guint vms_live;                 /* started or starting, not yet stopped */
  guint64 events;                 /* events run so far */
  gdouble wall_seconds;           /* since the run began */
  guint64 heap_free_blocks;       /* xp_heap_free_blocks(): fragmentation */
  gboolean final;                 /* the report after the last event */
} XpReplayProgress;

typedef void (*XpReplayProgressFunc) (const XpReplayProgress *progress, gpointer data);

typedef struct {
  const XpTopology *topo;
  const char *topology_spec;      /* as given, for the results file */
  const XpTrace *trace;
  const char *trace_spec;         /* as given, for the results file; NULL: the trace's path */
  const char *policy_spec;        /* "name:key=value,..." as given ("FILE.so:key=value,..." for a plugin) */
  const char *policy_plugin;      /* a plugin: its file as given, for the results file; NULL: built-in */
  const char *policy_plugin_sha256; /* a plugin: SHA-256 of its file (xp_policy_plugin_sha256) */
  const XpPolicy *policy;
  const XpPolicyParam *policy_params;
  guint n_policy_params;
  const char *xen_version;        /* "4.17" .. "4.22" */
  XpXenBehaviour behaviour;
  XpXenParams xen;
  XpToolstackParams toolstack;
  guint64 seed;
  /* CPU model: the credit scheduler runs every vCPU's demand (trace
   * cpu_demand). Off: only memory is modelled, every pCPU counts as idle
   * (so freed memory is scrubbed in the background). */
  gboolean cpu_model;
  XpCreditParams credit;
  /* How long to keep simulating after the last trace event and the last
   * build, so that running VMs accumulate CPU statistics. Default 10 s with
   * the CPU model, 0 without. */
  XpTime tail;
  gboolean check_invariants;      /* after every event (always on with --enable-debug-invariants) */
  XpTime sample_interval;         /* time series resolution; 0 = automatic */
  /* Called every progress_interval_us of wall time (0: 10 s) while the
   * run goes on, and once after its last event; NULL for none. Reading
   * the state changes nothing: the results are the same with or without. */
  XpReplayProgressFunc progress;
  gpointer progress_data;
  gint64 progress_interval_us;
} XpReplayConfig;

/* Fill defaults: Xen 4.17 behaviour and parameters, xenopsd toolstack. */
void xp_replay_config_init (XpReplayConfig *cfg);

typedef struct {
  XpReplayConfig config;          /* copy; pointers borrowed from the caller */
  XpMetrics *metrics;
  XpToolstack *toolstack;         /* owns the VM records the metrics borrow */
  guint64 events;
  XpTime end_time;                /* simulated time when the run ended */
  gdouble wall_seconds;           /* not part of the results file (not deterministic) */
} XpRun;

XpRun *xp_replay_run (const XpReplayConfig *cfg, GError **error);
void xp_run_free (XpRun *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XpRun, xp_run_free)

G_END_DECLS

#endif
