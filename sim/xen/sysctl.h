/* xenplace — model of xen/common/sysctl.c: what XEN_SYSCTL_physinfo,
 * XEN_SYSCTL_numainfo and XEN_SYSCTL_cputopoinfo report on the model. */
#ifndef XP_XEN_SYSCTL_H
#define XP_XEN_SYSCTL_H

#include "sim/hv.h"
#include "sim/xen/xen.h"

G_BEGIN_DECLS

/* XEN_SYSCTL_physinfo. */
void xp_sysctl_physinfo (XpXen *xen, XpPhysinfo *out);
/* XEN_SYSCTL_numainfo: fills up to @max nodes of @mem (may be NULL) and
 * @distance (may be NULL; @max * @max entries, row length @max); returns the
 * number of nodes Xen has (highest online node + 1). */
guint xp_sysctl_numainfo (XpXen *xen, guint max, XpNodeMeminfo *mem, guint *distance);
/* XEN_SYSCTL_cputopoinfo: fills up to @max entries; returns the CPU count. */
guint xp_sysctl_cputopoinfo (XpXen *xen, guint max, XpCpuTopo *cpus);

G_END_DECLS

#endif
