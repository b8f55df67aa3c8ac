/* xenplace — the shadow model: a model host initialised from the state of
 * another hypervisor (normally a live Xen host, through sim/live/), so that
 * an operation can be run on both and the outcomes set side by side.
 *
 * What is copied, read only through sim/hv.h:
 *   - the topology (xp_hv_probe_topology: numainfo + cputopoinfo);
 *   - per-node free memory: the model boots with no dom0 memory and no
 *     pages of its own (dom0_mem=0, xen_pages_per_node=0, no MMIO hole of
 *     its own: the spanned node sizes already include the host's holes),
 *     then takes anonymous exact-node allocations, largest order first,
 *     until every node's free pages equal the source's memfree;
 *   - every domain's vCPU count, vCPU hard and soft affinity, explicit
 *     node affinity and outstanding claim (what a placement policy and the
 *     claim arithmetic see), under the same domid; dom0 gets the source
 *     dom0's vCPU count.
 * What is not copied, and what it costs:
 *   - which frames the source's domains hold: their memory is the anonymous
 *     allocations, so the model's free memory has the same size per node but
 *     not the same fragmentation. Large free blocks stay whole in the model;
 *     on a fragmented real host a superpage request the model satisfies
 *     locally may spill to another node there;
 *   - dirty pages: the model starts clean (real Xen scrubs idle memory
 *     within milliseconds, so a quiet host has little dirty memory);
 *   - Xen's own per-domain allocations (struct domain, vCPUs, grant
 *     tables: ~23 pages a domain on 4.17), which the model does not make.
 */
#ifndef XP_SHADOW_H
#define XP_SHADOW_H

#include "sim/event.h"
#include "sim/hv.h"
#include "sim/xen/xen.h"

G_BEGIN_DECLS

/* Boot a model host of @topo (which must outlive the result) with the
 * state of @source as described above, on @events (may be NULL). Errors:
 * the source cannot be read, or a node of @topo cannot hold the free
 * memory @source reports for it (the error names the node). */
XpXen *xp_shadow_new_from_hv (XpHv *source, const XpTopology *topo, const XpXenBehaviour *behaviour,
                              XpEventQueue *events, GError **error);

/* The shadow with everything it needs: topology probed from @source, its
 * own clock, the model host and the model backend over it. */
typedef struct {
  XpTopology *topo;
  XpEventQueue *events;
  XpXen *xen;
  XpHv *hv;
} XpShadow;

/* @xen_version: the model's Xen rules ("4.17" when NULL). */
XpShadow *xp_shadow_new (XpHv *source, const char *xen_version, GError **error);
void xp_shadow_free (XpShadow *shadow);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XpShadow, xp_shadow_free)

G_END_DECLS

#endif
