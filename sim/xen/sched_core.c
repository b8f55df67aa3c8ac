/* xenplace — model of xen/common/sched/core.c: vCPU creation and affinity,
 * automatic node affinity. One cpupool holding every online CPU; scheduling
 * granularity one vCPU per unit. */
#include "config.h"
#include "sim/xen/xen.h"

static guint
cpu_node (const XpXen *xen, guint cpu)
{
  return xen->topo->cpus[cpu].node;
}

static XpNodemask
cpumask_nodes (const XpXen *xen, const XpCpumask *m)
{
  XpNodemask nodes = 0;
  guint cpu;
  XP_CPUMASK_FOREACH (cpu, m)
    if (cpu < xen->topo->n_cpus)
      nodes |= xp_nodemask_of (cpu_node (xen, cpu));
  return nodes;
}

/* domain_update_node_aff(). */
void
xp_domain_update_node_affinity (XpXen *xen, XpDomain *d)
{
  if (d->n_vcpus == 0 || !d->auto_node_affinity)
    return;
  XpCpumask hard, soft;
  xp_cpumask_clear (&hard);
  xp_cpumask_clear (&soft);
  for (guint i = 0; i < d->n_vcpus; i++)
    {
      xp_cpumask_or (&hard, &hard, &d->vcpus[i].hard);
      xp_cpumask_or (&soft, &soft, &d->vcpus[i].soft_raw);
    }
  /* unions first, then the intersections */
  xp_cpumask_and (&hard, &hard, &xen->online_cpus);
  xp_cpumask_and (&soft, &soft, &hard);
  d->node_affinity = cpumask_nodes (xen, xp_cpumask_empty (&soft) ? &hard : &soft);
}

static void
update_effective_soft (XpXen *xen, XpVcpu *v)
{
  xp_cpumask_and (&v->soft, &v->soft_raw, &xen->online_cpus);
  xp_cpumask_and (&v->soft, &v->soft, &v->hard);
  /* soft_aff_effective: hard not within soft, and soft meets hard */
  v->soft_aff_effective = !xp_cpumask_subset (&v->hard, &v->soft_raw) && xp_cpumask_intersects (&v->soft_raw, &v->hard);
}

/* XEN_DOMCTL_max_vcpus: vcpu_create() for 0..n-1 with sched_init_vcpu()'s
 * defaults and sched_select_initial_cpu()'s placement. */
int
xp_domain_max_vcpus (XpXen *xen, XpDomain *d, guint n)
{
  if (n == 0 || n > d->max_vcpus)
    return -EINVAL;
  if (d->n_vcpus)
    return n == d->n_vcpus ? 0 : -EINVAL;

  XpCpumask cpus;
  xp_cpumask_clear (&cpus);
  for (guint c = 0; c < xen->topo->n_cpus; c++)
    if (xp_nodemask_test (d->node_affinity & xen->online_nodes, cpu_node (xen, c)))
      xp_cpumask_set (&cpus, c);
  xp_cpumask_and (&cpus, &cpus, &xen->online_cpus);
  if (xp_cpumask_empty (&cpus))
    cpus = xen->online_cpus;

  guint prev = XP_MAX_CPUS;
  for (guint i = 0; i < n; i++)
    {
      XpVcpu *v = &d->vcpus[i];
      v->domain = d;
      v->id = i;
      v->hard = xen->online_cpus;
      v->soft_raw = xen->online_cpus;
      update_effective_soft (xen, v);
      guint cpu = i == 0 ? xp_cpumask_next (&cpus, 0) : xp_cpumask_next (&cpus, prev + 1);
      if (cpu >= XP_MAX_CPUS)
        cpu = xp_cpumask_next (&cpus, 0);
      v->processor = cpu;
      d->n_vcpus = i + 1;
      if (xen->sched && xen->sched->insert_vcpu)
        xen->sched->insert_vcpu (xen, v);
      /* sched_select_initial_cpu(): the next vCPU starts after the pCPU this
       * one was inserted on (the scheduler's pick may have moved it) */
      prev = v->processor;
    }
  xp_domain_update_node_affinity (xen, d);
  return 0;
}

/* vcpu_affinity_domctl() / vcpu_set_affinity(). */
int
xp_vcpu_set_affinity (XpXen *xen, XpVcpu *v, XpCpumask *hard, XpCpumask *soft, guint flags)
{
  if (!(flags & (XP_VCPUAFFINITY_HARD | XP_VCPUAFFINITY_SOFT)))
    return -EINVAL;
  if (((flags & XP_VCPUAFFINITY_HARD) && !hard) || ((flags & XP_VCPUAFFINITY_SOFT) && !soft))
    return -EINVAL;
  if (v->domain->dying)
    return -EINVAL;

  if (flags & XP_VCPUAFFINITY_HARD)
    {
      if (!xp_cpumask_intersects (hard, &xen->online_cpus))
        return -EINVAL;
      v->hard = *hard;
      xp_cpumask_and (&v->hard, &v->hard, &xen->online_cpus);
      *hard = v->hard;
    }
  if (flags & XP_VCPUAFFINITY_SOFT)
    v->soft_raw = *soft;
  update_effective_soft (xen, v);
  if (flags & XP_VCPUAFFINITY_SOFT)
    *soft = v->soft;

  if (xen->sched && xen->sched->adjust_affinity)
    xen->sched->adjust_affinity (xen, v);
  xp_domain_update_node_affinity (xen, v->domain);
  return 0;
}
