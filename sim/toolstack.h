/* xenplace — the toolstack model: how VMs are really started and stopped.
 *
 * Two toolstacks, each a sequence of timed micro-operations per VM run by a
 * pool of parallel builders, all through the hypervisor interface (sim/hv.h):
 *
 * xenopsd (XenServer / XCP-ng), VM.start → VM_create → VM_build → unpause:
 *   create domain → build_pre: wait_xen_free_mem (host-wide free check,
 *   retried each second while Xen reports pages being scrubbed, up to 64 s),
 *   max_vcpus, shadow/paging pool, user hard affinity → NUMA placement
 *   (under numa_mutex) and claim → xenguest populate → device model → unpause.
 *   Generations of the placement domain layer (Domain.numa_placement):
 *     current: plan+claim serialised by numa_mutex, per-node availability =
 *              free − claimed read from Xen; only single-node plans are
 *              acted upon (node claim, then affinity, -mem_pnode); ENOMEM or
 *              multi-node → host-wide claim and no affinity.
 *     old:     the shared numa_resources running minimum of observed free
 *              memory (the parallel-start race, CA-411684): soft affinity
 *              for any plan, no claims by xenopsd.
 *
 * xl / libxl (libxl__domain_make, libxl__build_pre, meminit_hvm):
 *   create domain, max_vcpus → automatic placement (explicit node affinity
 *   + soft affinity) → max_mem → paging pool → claim (claim_mode, default
 *   on: target − VGA hole) → populate → release claim → device model video
 *   RAM → unpause. Concurrent `xl create`s do not serialise placement.
 *
 * Durations and rates are documented parameters (XpToolstackParams); the
 * populate time of a chunk is its pages at populate_rate plus the dirty
 * pages Xen scrubbed synchronously for it at the scrub rate.
 */
#ifndef XP_TOOLSTACK_H
#define XP_TOOLSTACK_H

#include "sim/event.h"
#include "sim/hv.h"
#include "sim/xenguest.h"
#include "policies/policy.h"

G_BEGIN_DECLS

typedef enum {
  XP_TOOLSTACK_XENOPSD,
  XP_TOOLSTACK_XL,
} XpToolstackKind;

typedef enum {
  XP_XENOPSD_CURRENT,
  XP_XENOPSD_OLD,
} XpXenopsdGeneration;

typedef struct {
  XpToolstackKind kind;
  XpXenopsdGeneration generation;   /* xenopsd only */
  guint builders;                   /* parallel builds (xenopsd worker-pool-size = 4) */
  gboolean claim_mode;              /* xl.conf claim_mode (default 1) */
  gboolean mem_pnode_exact;         /* xenguest -mem_pnode as an exact-node request (assumed) */
  guint64 populate_bytes_per_sec;   /* guest RAM population speed, clean memory */
  guint64 scrub_bytes_per_sec;      /* synchronous scrub of dirty pages handed out */
  XpPages populate_chunk_pages;     /* granularity at which parallel builds interleave */
  guint64 video_mib;                /* video RAM: HVM device model (xenopsd videoram, libxl video_memkb) */
  guint64 mmio_hole_bytes;          /* guest MMIO hole below 4 GiB */
  double shadow_multiplier;         /* xenopsd HVM_shadow_multiplier */
  XpTime create_ns;                 /* domain create + bookkeeping */
  XpTime build_pre_ns;              /* max_vcpus, maxmem, paging pool, event channels */
  XpTime placement_ns;              /* NUMA planning (inside numa_mutex for xenopsd) */
  XpTime device_model_ns;           /* QEMU start */
  XpTime unpause_ns;
  XpTime destroy_ns;
  XpTime free_mem_retry_ns;         /* wait_xen_free_mem poll period (1 s) */
  XpTime free_mem_timeout_ns;       /* wait_xen_free_mem limit (64 s) */
  XpGuestType guest_type;           /* container built: HVM (default), PVH or PV (no paging pool) */
} XpToolstackParams;

void xp_toolstack_params_init (XpToolstackParams *p, XpToolstackKind kind);
/* "name=value": builders=8, generation=old, claim_mode=0, populate_rate=8GiB,
 * chunk=1GiB, video=8MiB (0: no device model video RAM), guest=hvm|pvh|pv,
 * create_ms=..., ... */
gboolean xp_toolstack_params_set (XpToolstackParams *p, const char *assignment, GError **error);
const char *xp_toolstack_kind_name (XpToolstackKind kind);
/* Every parameter that applies to @p's kind, defaults included, as
 * "name=value" in a fixed order and in the form xp_toolstack_params_set()
 * takes back (durations in ms, rates and sizes in bytes, video in MiB):
 * what a results file records. Free with g_ptr_array_unref(). */
GPtrArray *xp_toolstack_params_list (const XpToolstackParams *p);
gboolean xp_toolstack_kind_parse (const char *name, XpToolstackKind *out);

typedef enum {
  XP_VM_QUEUED,        /* waiting for a builder */
  XP_VM_BUILDING,
  XP_VM_RUNNING,
  XP_VM_FAILED,        /* start failed; domain destroyed */
  XP_VM_STOPPED,
} XpVmState;

/* One VM's life, as the metrics module reads it afterwards. */
typedef struct {
  guint index;                 /* order of the start request */
  const char *name;
  guint vcpus;
  guint64 memory_mib;
  XpCpumask *hard_affinity;    /* the user's cpus= (NULL: none); owned by the record */
  guint cpu_demand_ppm;
  XpVmState state;
  guint32 domid;               /* 0 until created */
  XpTime submit_time, build_start, running_time, stop_time;
  /* placement */
  XpPlacement decision;        /* as the policy returned it */
  XpNodemask affinity_nodes;   /* nodes whose CPUs the vCPU affinity was set to (0: none) */
  XpAffinityKind affinity_kind;
  XpClaimKind claim_made;      /* NONE, HOST or NODE (what was actually staked) */
  int claim_rc;                /* result of the last claim attempt */
  gboolean single_node_fit;    /* at placement, some node had free − claimed >= the VM's memory */
  /* memory */
  XpPages pages_populated;
  XpPages *node_pages;         /* per node, read from Xen when the build finished */
  guint64 extents_1g, extents_2m, pages_4k;
  XpPages dirty_pages_scrubbed;  /* dirty pages Xen zeroed while populating this VM */
  /* CPU, filled in by the replay driver when a scheduler model runs */
  gboolean has_cpu_stats;
  XpTime run_ns, wait_ns;        /* run time, runnable-but-waiting time (all vCPUs) */
  guint64 wait_count, node_migrations;
  XpTime *run_on_node;           /* per node: run time on that node's pCPUs */
  char *failure;               /* why the start failed (NULL if it did not) */
  gboolean stop_requested;     /* stop arrived while building */
  gpointer user_data;
} XpVm;

typedef struct XpToolstack XpToolstack;

/* Callbacks to the replay driver. Any may be NULL; initialise the struct
 * with designated initialisers (members may be added).
 *  - vm_unpausing: the VM's domain is built (memory populated, vCPUs and
 *    affinity set, device model started) and still paused; the toolstack
 *    unpauses it right after the hook returns. The place to give the guest
 *    what must hold from its first instant of running (its CPU demand).
 *    The unpause may still fail (then vm_started reports the failure).
 *  - vm_started: the VM finished building, running (unpause_ns after the
 *    unpause) or failed.
 *  - vm_destroying: a running VM's domain is about to be destroyed (it
 *    still exists).
 *  - vm_stopped: a VM was destroyed. */
typedef struct {
  void (*vm_started) (gpointer data, XpVm *vm);
  void (*vm_destroying) (gpointer data, XpVm *vm);
  void (*vm_stopped) (gpointer data, XpVm *vm);
  void (*vm_unpausing) (gpointer data, XpVm *vm);
} XpToolstackHooks;

XpToolstack *xp_toolstack_new (const XpToolstackParams *params, XpHv *hv, XpEventQueue *events,
                               const XpTopology *topo, const XpPolicy *policy, gpointer policy_state,
                               const XpToolstackHooks *hooks, gpointer hooks_data);
void xp_toolstack_free (XpToolstack *ts);

/* Queue a VM start now. The toolstack owns the returned record. */
XpVm *xp_toolstack_start (XpToolstack *ts, const char *name, guint vcpus, guint64 memory_mib,
                          const XpCpumask *hard_affinity, guint cpu_demand_ppm);
/* Stop (destroy) a VM now; a VM still building is destroyed when its build ends. */
void xp_toolstack_stop (XpToolstack *ts, XpVm *vm);
/* Toolstack restart: the policy forgets its in-memory state (xenopsd's
 * placement counters, the old numa_resources array). */
void xp_toolstack_restart (XpToolstack *ts);

/* All VMs in start-request order. */
GPtrArray *xp_toolstack_vms (XpToolstack *ts);
guint xp_toolstack_builds_in_flight (const XpToolstack *ts);
/* The first error of the policy itself (its place() returned FALSE), or
 * NULL. The replay driver stops the run on it: no results are written. */
const GError *xp_toolstack_error (const XpToolstack *ts);
/* Forget the hypervisor, event queue and policy state (about to be freed):
 * afterwards only the VM records may be read. */
void xp_toolstack_detach (XpToolstack *ts);
/* Count of toolstack actions so far (steps, starts, stops): it changes
 * whenever the toolstack may have changed hypervisor state. */
guint64 xp_toolstack_actions (const XpToolstack *ts);

/* Memory figures the toolstacks derive from a VM's size (KiB). */
guint64 xp_xenopsd_shadow_mib (guint vcpus, guint64 static_max_mib, double multiplier);
guint64 xp_xenopsd_required_host_free_kib (guint vcpus, guint64 target_mib, double multiplier);
guint64 xp_libxl_shadow_kib (guint vcpus, guint64 maxmem_mib);
guint64 xp_libxl_need_memkb (guint vcpus, guint64 target_mib);

G_END_DECLS

#endif
