/* xenplace — the credit (credit1) scheduler model, xen/common/sched/credit.c.
 *
 * Attach it to a host with xp_sched_credit_attach(): it sets xen->sched to
 * its XpSchedOps and keeps its state in xen->sched_priv, XpDomain.sched_priv
 * and XpVcpu.sched_priv. It runs on the host's event queue (sim/event.h):
 * a 10 ms tick per pCPU only while that pCPU runs a vCPU, a 30 ms
 * accounting event only while some domain is active, one timer per busy
 * pCPU (end of timeslice or end of the running vCPU's busy period) and one
 * wake event per blocked vCPU. Idle pCPUs cost nothing.
 *
 * vCPU demand comes from sim/workload.h; set it per domain with
 * xp_sched_credit_set_demand(). Statistics (run time per node, runnable
 * wait, migrations, pCPU busy time) are read with the getters below; call
 * xp_sched_credit_finish() first to account running time up to now.
 *
 * Release-dependent behaviour is taken from xen->behaviour:
 * credit_balance_ratelimit and credit_skip_yielded (both from 4.18).
 *
 * Contract with the core (domain.c / sched_core.c):
 *  - insert_vcpu once per vCPU after XEN_DOMCTL_max_vcpus (v->processor set
 *    as sched_select_initial_cpu() does, masks and soft_aff_effective set);
 *    the d->vcpus array must not move afterwards;
 *  - domain_unpause/domain_pause on every (un)pause; the scheduler keeps its
 *    own paused flag, initialised from d->paused at the first call;
 *  - adjust_affinity after v->hard/v->soft changed (it migrates the vCPU,
 *    as vcpu_set_affinity() does);
 *  - remove_vcpu for every vCPU before the XpDomain is freed. A vCPU's
 *    statistics go with it: read them (xp_sched_credit_domain_stats) before
 *    destroying the domain.
 *  - the scheduler tells the memory model which nodes have an idle pCPU
 *    through xp_heap_set_node_idle() (referenced weakly: skipped when
 *    page_alloc.c is not linked).
 */
#ifndef XP_SCHED_CREDIT_H
#define XP_SCHED_CREDIT_H

#include "sim/xen/xen.h"
#include "sim/workload.h"

G_BEGIN_DECLS

/* Priorities (CSCHED_PRI_*). */
#define XP_CSCHED_PRI_BOOST   0
#define XP_CSCHED_PRI_UNDER  (-1)
#define XP_CSCHED_PRI_OVER   (-2)
#define XP_CSCHED_PRI_IDLE   (-64)

#define XP_CSCHED_DEFAULT_WEIGHT 256
#define XP_CSCHED_CREDITS_PER_MSEC 10

typedef struct {
  guint tslice_ms;                  /* sched_credit_tslice_ms=, 30 (1..1000) */
  guint ratelimit_us;               /* sched_ratelimit_us=, 1000 (0 or 100..500000, <= tslice) */
  guint load_balance_ratelimit_us;  /* load-balance-ratelimit=, 1000 (<= 1000000); >= 4.18 only */
  guint vcpu_migration_delay_us;    /* vcpu_migration_delay=, 0 (<= 100000) */
  guint default_weight;             /* weight of a domain whose XpDomain.weight is 0; 256 */
  gboolean boost;                   /* BOOST on wake; TRUE (FALSE is a what-if) */
  gboolean tickle_one_idle;         /* tickle_one_idle_cpu=, TRUE */
  XpWorkloadParams workload;
} XpCreditParams;

void xp_credit_params_init_defaults (XpCreditParams *p);
/* One "name=value": tslice_ms, ratelimit_us, load_balance_ratelimit_us,
 * vcpu_migration_delay_us, weight, boost (0/1), tickle_one_idle (0/1),
 * mean_burst_us, demand_ppm (default domU demand), dom0_demand_ppm. */
gboolean xp_credit_params_set (XpCreditParams *p, const char *assignment, GError **error);
gboolean xp_credit_params_check (const XpCreditParams *p, GError **error);
/* Every parameter xp_credit_params_set() takes, as "name=value" in a fixed
 * order and in its units: what a results file records. */
GPtrArray *xp_credit_params_list (const XpCreditParams *p);

/* Install the credit scheduler on @xen (which must have an event queue).
 * Domains that already exist (dom0) get their vCPUs inserted and, if not
 * paused, started. @rand is the run's generator, borrowed for the workload. */
gboolean xp_sched_credit_attach (XpXen *xen, const XpCreditParams *params, GRand *rand, GError **error);

/* Busy fraction of each vCPU of @d, in ppm (0 .. 1,000,000). Before the
 * first call a domU has workload.default_demand_ppm and dom0
 * workload.dom0_demand_ppm. Call it once the domain has vCPUs (its state
 * is freed with the last vCPU); to have a guest run with a demand from
 * its first instant, call it while the domain is still paused before its
 * first unpause, which draws each vCPU's first period.
 *
 * On a domain already running, the new demand governs every period drawn
 * from now on. The period a vCPU is in runs out as drawn if it is finite
 * (an exponential busy period of mean mean_burst, or a blocked period);
 * the endless ones are replaced by a draw from now under the new demand
 * (the exponential law is memoryless, so that is the law of what is left):
 *  - an endless busy period (the old demand was full) and a demand below
 *    full: the vCPU has an exponential amount of work left, or none with
 *    demand 0 (it blocks now, leaving its pCPU or runqueue, and stays
 *    blocked);
 *  - a vCPU that was never going to wake (demand 0) and a demand above 0:
 *    it sleeps from now (with full demand it wakes now).
 * A change to the same demand changes nothing (no draw). */
void xp_sched_credit_set_demand (XpXen *xen, XpDomain *d, guint demand_ppm);
guint xp_sched_credit_get_demand (XpXen *xen, XpDomain *d);

/* XEN_DOMCTL_SCHEDOP_putinfo (csched_dom_cntl): @weight 0 leaves the weight,
 * @cap 0xFFFF leaves the cap. -EINVAL for an unknown domain. */
int xp_sched_credit_set_weight_cap (XpXen *xen, XpDomain *d, guint weight, guint cap);

/* SCHEDOP_yield for a running vCPU (csched_unit_yield + reschedule). */
void xp_sched_credit_vcpu_yield (XpXen *xen, XpVcpu *v);
/* Give @v @work_ns of CPU work now, as an external event would: if it is
 * blocked it wakes (with the BOOST rules); if it is busy the work is added.
 * After it, the vCPU sleeps as its demand says. For tests and scripted
 * scenarios. */
void xp_sched_credit_vcpu_add_work (XpXen *xen, XpVcpu *v, XpTime work_ns);

/* Account running time of every pCPU up to now (idempotent). */
void xp_sched_credit_finish (XpXen *xen);
/* The same for the pCPUs running a vCPU of @d only: enough for @d's
 * statistics, and as cheap as @d is small (accounting is additive, so the
 * other pCPUs lose nothing by being accounted later). */
void xp_sched_credit_finish_domain (XpXen *xen, XpDomain *d);

typedef struct {
  XpTime run_ns;                 /* total run time */
  XpTime wait_ns;                /* time runnable but not running */
  guint64 wait_count;            /* completed runnable-wait intervals (incl. zero-length) */
  guint64 migrations;            /* pCPU changes */
  guint64 node_migrations;       /* pCPU changes to another node */
  guint64 wakeups;               /* scheduler wakes (csched_unit_wake inserting it) */
  gint credit;
  gint pri;
  guint processor;
  gboolean running, runnable, parked, active;
} XpCreditVcpuStats;

/* Called by remove_vcpu with the vCPU's final statistics (run time per node:
 * n_nodes entries), just before they are dropped. One hook per host; NULL
 * removes it. */
typedef void (*XpCreditExitFunc) (XpXen *xen, XpVcpu *v, const XpCreditVcpuStats *stats,
                                  const XpTime *run_on_node, gpointer user_data);
void xp_sched_credit_set_exit_hook (XpXen *xen, XpCreditExitFunc fn, gpointer user_data);

/* FALSE if @v is not known to the scheduler. */
gboolean xp_sched_credit_vcpu_stats (XpXen *xen, XpVcpu *v, XpCreditVcpuStats *out);
/* Run time of @v on the pCPUs of @node, ns. */
XpTime xp_sched_credit_vcpu_run_on_node (XpXen *xen, XpVcpu *v, guint node);
/* Sum of the vCPU statistics of @d; @run_on_node (n_nodes entries, may be
 * NULL) receives the per-node run time. */
gboolean xp_sched_credit_domain_stats (XpXen *xen, XpDomain *d, XpCreditVcpuStats *out, XpTime *run_on_node);
/* Busy time of a pCPU / of all pCPUs of a node since attach, ns. */
XpTime xp_sched_credit_pcpu_busy (XpXen *xen, guint cpu);
XpTime xp_sched_credit_node_busy (XpXen *xen, guint node);
/* Node CPU utilisation since attach, ppm of (elapsed × CPUs of the node). */
guint xp_sched_credit_node_utilisation_ppm (XpXen *xen, guint node);
/* Whether some pCPU of @node runs its idle vCPU (what scrubbing needs). */
gboolean xp_sched_credit_node_has_idle (XpXen *xen, guint node);
/* The vCPU a pCPU runs, NULL when idle. */
XpVcpu *xp_sched_credit_pcpu_current (XpXen *xen, guint cpu);
/* Number of vCPUs waiting on a pCPU's runqueue. */
guint xp_sched_credit_pcpu_runq_length (XpXen *xen, guint cpu);

typedef struct {
  guint64 schedules;       /* csched_schedule calls */
  guint64 context_switches;
  guint64 ticks;
  guint64 accts;
  guint64 steals;
  guint64 tickles;
  guint64 parks, unparks;
} XpCreditCounters;

void xp_sched_credit_counters (XpXen *xen, XpCreditCounters *out);
/* Current credit_balance, weight total and active domains (for tests). */
void xp_sched_credit_globals (XpXen *xen, gint *credit_balance, guint *weight, guint *n_active_domains);

/* Check the scheduler's redundant state (runqueue counts and masks, idlers,
 * active weight) and that no running vCPU is outside its hard affinity.
 * FALSE with a description appended to @why (may be NULL). */
gboolean xp_sched_credit_check_invariants (XpXen *xen, GString *why);

G_END_DECLS

#endif
