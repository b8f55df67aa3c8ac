/* xenplace — vCPU demand model: exponential busy/blocked periods. */
#include "config.h"
#include <math.h>
#include "sim/workload.h"
#include "sim/error.h"

struct XpWorkload {
  XpWorkloadParams p;
  GRand *rand;
};

void
xp_workload_params_init_defaults (XpWorkloadParams *p)
{
  p->mean_burst_ns = 10 * XP_NSEC_PER_MSEC;
  p->min_period_ns = XP_NSEC_PER_USEC;
  p->default_demand_ppm = XP_DEMAND_FULL;
  p->dom0_demand_ppm = 0;
}

gboolean
xp_workload_params_check (const XpWorkloadParams *p, GError **error)
{
  if (p->mean_burst_ns <= 0 || p->mean_burst_ns > 3600 * XP_NSEC_PER_SEC)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "workload: mean_burst must be in (0, 1 h], got %" G_GINT64_FORMAT " ns", p->mean_burst_ns);
      return FALSE;
    }
  if (p->min_period_ns <= 0 || p->min_period_ns > p->mean_burst_ns)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "workload: min_period must be in (0, mean_burst], got %" G_GINT64_FORMAT " ns", p->min_period_ns);
      return FALSE;
    }
  if (p->default_demand_ppm > XP_DEMAND_FULL || p->dom0_demand_ppm > XP_DEMAND_FULL)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "workload: demand must be at most 1000000 ppm (default %u, dom0 %u)",
                   p->default_demand_ppm, p->dom0_demand_ppm);
      return FALSE;
    }
  return TRUE;
}

XpWorkload *
xp_workload_new (const XpWorkloadParams *p, GRand *rand)
{
  g_return_val_if_fail (p != NULL && rand != NULL, NULL);
  XpWorkload *w = g_new0 (XpWorkload, 1);
  w->p = *p;
  w->rand = rand;
  return w;
}

void
xp_workload_free (XpWorkload *w)
{
  g_free (w);
}

const XpWorkloadParams *
xp_workload_params (const XpWorkload *w)
{
  return &w->p;
}

/* One exponential draw with the given mean, rounded to ns and floored. The
 * uniform variate is taken in (0, 1] so the logarithm is finite. */
static XpTime
draw_exp (XpWorkload *w, double mean_ns)
{
  double u = 1.0 - g_rand_double (w->rand);   /* (0, 1] */
  double x = -mean_ns * log (u);
  if (x > (double) (G_MAXINT64 / 4))
    x = (double) (G_MAXINT64 / 4);
  XpTime t = (XpTime) llround (x);
  return MAX (t, w->p.min_period_ns);
}

XpTime
xp_workload_draw_burst (XpWorkload *w, guint demand_ppm)
{
  if (demand_ppm >= XP_DEMAND_FULL)
    return XP_TIME_NEVER;
  if (demand_ppm == 0)
    return 0;
  return draw_exp (w, (double) w->p.mean_burst_ns);
}

XpTime
xp_workload_draw_sleep (XpWorkload *w, guint demand_ppm)
{
  if (demand_ppm >= XP_DEMAND_FULL)
    return 0;
  if (demand_ppm == 0)
    return XP_TIME_NEVER;
  /* busy fraction f = burst / (burst + sleep)  =>  sleep = burst (1 - f) / f */
  double mean = (double) w->p.mean_burst_ns * (double) (XP_DEMAND_FULL - demand_ppm) / (double) demand_ppm;
  return draw_exp (w, mean);
}

gboolean
xp_workload_draw_start_busy (XpWorkload *w, guint demand_ppm)
{
  if (demand_ppm >= XP_DEMAND_FULL)
    return TRUE;
  if (demand_ppm == 0)
    return FALSE;
  return (guint) g_rand_int_range (w->rand, 0, (gint32) XP_DEMAND_FULL) < demand_ppm;
}
