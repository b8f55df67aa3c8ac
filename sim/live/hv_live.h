/* xenplace — the live hypervisor backend: sim/hv.h over real libxenctrl.
 *
 * Built only when configure finds libxenctrl (HAVE_XENCTRL). It must run in
 * a Xen control domain (dom0) as root, with privcmd available.
 *
 * Safety: every domain this backend creates carries a tag in its domain
 * handle (the 16-byte UUID-like handle of XEN_DOMCTL_createdomain): the
 * first eight bytes are XP_LIVE_HANDLE_MAGIC. Operations that change a
 * domain (destroy, limits, claims, affinity, populate, unpause) refuse with
 * -EPERM a domain whose handle lacks the tag, so the program never touches
 * a domain it did not create. Read-only queries work on every domain.
 *
 * domain_node_pages has no upstream hypercall. It is implemented through
 * the Xen console: the backend sends debug key 'u' (xc_send_debug_keys),
 * which makes Xen print, for every domain, "Domain D (total: T):" followed
 * by one "Node N: P" line per online node, counted from the domain's page
 * list; it then reads the console ring (xc_readconsolering) and parses the
 * block that follows the last "dumping numa info" header. The count is exact
 * for the domain's own pages (tot_pages), but it is slow (the whole host is
 * dumped, O(domains x nodes) lines), and it fails with -EOVERFLOW when the
 * console ring is too small to hold the dump: boot Xen with a larger ring
 * (conring_size=1M, as make check-live does) on hosts with many domains.
 * The other route, translating the domain's frames to machine frames and
 * those to nodes by the node memory ranges, needs the guest's p2m (foreign
 * mapping of a PV guest's page list or a translated guest's p2m walk) and
 * the node ranges, which no stable libxenctrl call returns; it was not
 * taken.
 */
#ifndef XP_HV_LIVE_H
#define XP_HV_LIVE_H

#include "sim/hv.h"

G_BEGIN_DECLS

#define XP_LIVE_HANDLE_MAGIC "xenplace"

/* Open libxenctrl. On failure (not a Xen host, not root, privcmd missing)
 * NULL and an error that says which. */
XpHv *xp_hv_live_new (GError **error);

/* TRUE when @hv is a live backend. */
gboolean xp_hv_is_live (XpHv *hv);

/* Capabilities of the live host: can it create HVM/PVH containers (needs
 * hardware virtualisation) and does it have HAP. */
gboolean xp_hv_live_can_hvm (XpHv *hv);

/* Domids of domains carrying this program's tag (any run), ascending;
 * *n in: capacity, out: total count (may exceed the capacity). */
int xp_hv_live_tagged_domains (XpHv *hv, guint *n, guint32 *domids);

/* Parse the last 'u' dump in console text @text for @domid into @pages
 * (n_nodes entries). 0; -ESRCH when the domain is not in the dump;
 * -EOVERFLOW when no dump header is found (the ring wrapped past it) or the
 * node lines do not add up to the domain's total (cut short). Exposed for
 * tests. */
int xp_hv_live_parse_numa_dump (const char *text, guint32 domid, guint n_nodes, XpPages *pages);

G_END_DECLS

#endif
