/* xenplace — vCPU demand model.
 *
 * Each vCPU alternates busy and blocked periods. A busy period is an amount
 * of CPU time the vCPU must receive before it blocks again: a vCPU that
 * waits for a pCPU stays runnable and its next sleep starts only once the
 * work is done, so starvation delays wakeups instead of skipping them.
 *
 * Lengths are exponential: busy periods with mean @mean_burst_ns, blocked
 * periods with mean mean_burst * (1 - f) / f for a busy fraction f (demand
 * in parts per million). On an uncontended pCPU the long-run busy fraction
 * is then f. Demand 1,000,000 means always runnable (one endless busy
 * period); demand 0 means the vCPU never wakes by itself.
 *
 * All draws come from the run's one GRand, passed in; the sequence of draws
 * is the sequence of calls, so a deterministic caller gets a reproducible
 * run.
 */
#ifndef XP_WORKLOAD_H
#define XP_WORKLOAD_H

#include "sim/types.h"

G_BEGIN_DECLS

#define XP_DEMAND_FULL 1000000u   /* ppm: always runnable */

typedef struct {
  XpTime mean_burst_ns;        /* mean busy period; default 10 ms */
  XpTime min_period_ns;        /* floor for any drawn period; default 1 µs */
  guint default_demand_ppm;    /* demand of a domU nobody set; default 1,000,000 */
  guint dom0_demand_ppm;       /* demand of dom0's vCPUs; default 0 (idle dom0) */
} XpWorkloadParams;

void xp_workload_params_init_defaults (XpWorkloadParams *p);
/* FALSE with an XP_ERROR_INVALID naming the field when a value is out of range. */
gboolean xp_workload_params_check (const XpWorkloadParams *p, GError **error);

typedef struct XpWorkload XpWorkload;

/* @rand is borrowed and must outlive the workload. */
XpWorkload *xp_workload_new (const XpWorkloadParams *p, GRand *rand);
void xp_workload_free (XpWorkload *w);
const XpWorkloadParams *xp_workload_params (const XpWorkload *w);

/* CPU time of the next busy period: XP_TIME_NEVER for full demand, 0 for
 * zero demand (no draw is made in either case). */
XpTime xp_workload_draw_burst (XpWorkload *w, guint demand_ppm);
/* Length of the next blocked period: 0 for full demand, XP_TIME_NEVER for
 * zero demand (no draw in either case). */
XpTime xp_workload_draw_sleep (XpWorkload *w, guint demand_ppm);
/* Whether a vCPU that starts now starts busy (probability = demand); no
 * draw for demand 0 or full. */
gboolean xp_workload_draw_start_busy (XpWorkload *w, guint demand_ppm);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XpWorkload, xp_workload_free)

G_END_DECLS

#endif
