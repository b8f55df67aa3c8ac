/* xenplace — the hypervisor interface the toolstack model talks to.
 *
 * Shaped after the libxenctrl calls a real toolstack makes, so that the same
 * toolstack flow runs on the model (sim/hv_model.c over sim/xen/) and on a
 * real host (sim/live/, libxenctrl). Every operation returns 0 (or a count)
 * on success and a negative errno value on failure, as Xen does; the live
 * backend converts libxenctrl's -1/errno to that form.
 *
 * Memory is in 4 KiB pages unless a name says otherwise.
 */
#ifndef XP_HV_H
#define XP_HV_H

#include "sim/types.h"
#include "sim/topology.h"

G_BEGIN_DECLS

typedef struct XpHv XpHv;

/* Public XENMEMF_* flags of XENMEM_populate_physmap (xen/include/public/memory.h). */
#ifndef XP_XENMEMF_exact_node_request
#define XP_XENMEMF_address_bits(b)    ((guint) (b) & 0xff)
#define XP_XENMEMF_node(n)            ((((guint) (n) + 1) & 0xff) << 8)
#define XP_XENMEMF_get_node(f)        ((((f) >> 8) - 1) & 0xff)
#define XP_XENMEMF_exact_node_request (1u << 17)
#define XP_XENMEMF_exact_node(n)      (XP_XENMEMF_node (n) | XP_XENMEMF_exact_node_request)
#endif
/* Extent orders the toolstack populates with. */
#ifndef XP_ORDER_4K
#define XP_ORDER_4K   0
#define XP_ORDER_2M   9
#define XP_ORDER_1G   18
#endif

typedef enum {
  XP_GUEST_HVM,
  XP_GUEST_PVH,
  XP_GUEST_PV,
} XpGuestType;

/* XEN_SYSCTL_physinfo (the fields a toolstack uses). */
typedef struct {
  guint nr_cpus;
  guint nr_nodes;
  guint threads_per_core;
  guint cores_per_socket;
  XpPages total_pages;
  XpPages free_pages;          /* includes claimed and dirty pages */
  XpPages scrub_pages;         /* always 0 on real Xen */
  XpPages outstanding_pages;   /* sum of all claims */
} XpPhysinfo;

/* XEN_SYSCTL_numainfo, one node. */
typedef struct {
  guint64 memsize_bytes;       /* spanned, holes included */
  guint64 memfree_bytes;       /* includes claimed and dirty pages */
  guint64 claimed_bytes;       /* per-node claims where the backend has them, else 0 */
} XpNodeMeminfo;

/* XEN_SYSCTL_cputopoinfo, one CPU. */
typedef struct {
  guint core, socket, node;
} XpCpuTopo;

/* XEN_DOMCTL_getdomaininfo (subset). */
typedef struct {
  guint32 domid;
  gboolean dying;
  guint max_vcpus;
  guint n_vcpus;
  XpPages tot_pages;
  XpPages max_pages;
  XpPages outstanding_pages;
} XpDomainInfo;

typedef struct {
  const char *name;

  int (*physinfo) (XpHv *hv, XpPhysinfo *out);
  /* @mem and @distance have room for *n_nodes entries (distance: n*n);
   * on return *n_nodes is the number written. With @mem NULL nothing is
   * written and *n_nodes is set to the host's count (as libxenctrl does
   * with NULL buffers). */
  int (*numainfo) (XpHv *hv, guint *n_nodes, XpNodeMeminfo *mem, guint *distance);
  /* Same convention: @cpus NULL asks for the count. */
  int (*cputopoinfo) (XpHv *hv, guint *n_cpus, XpCpuTopo *cpus);

  /* *domid in: the requested id, 0 (or >= 0x7FF0) to allocate one, as
   * xc_domain_create(); out: the new domain's id. */
  int (*domain_create) (XpHv *hv, XpGuestType type, guint max_vcpus, guint32 *domid);
  int (*domain_destroy) (XpHv *hv, guint32 domid);
  int (*domain_getinfo) (XpHv *hv, guint32 domid, XpDomainInfo *out);
  /* Domids of all domains, ascending; *n in: capacity, out: the total
   * number of domains (which may exceed the capacity: then only capacity
   * entries were written). */
  int (*domain_list) (XpHv *hv, guint *n, guint32 *domids);
  int (*max_vcpus) (XpHv *hv, guint32 domid, guint n);
  int (*setmaxmem) (XpHv *hv, guint32 domid, guint64 max_kib);
  int (*set_paging_mempool) (XpHv *hv, guint32 domid, XpPages pages);
  /* XENMEM_claim_pages: absolute target in pages, 0 releases. */
  int (*claim_pages) (XpHv *hv, guint32 domid, XpPages pages);
  /* Per-node claim (XenServer's xc_domain_claim_pages_node): -ENOSYS where
   * the hypervisor has none. */
  int (*claim_pages_node) (XpHv *hv, guint32 domid, guint node, XpPages pages);
  /* xc_vcpu_setaffinity: either mask may be NULL (not changed); on success
   * the given masks hold the effective affinity. */
  int (*vcpu_setaffinity) (XpHv *hv, guint32 domid, guint vcpu, XpCpumask *hard, XpCpumask *soft);
  /* either mask may be NULL (not wanted) */
  int (*vcpu_getaffinity) (XpHv *hv, guint32 domid, guint vcpu, XpCpumask *hard, XpCpumask *soft);
  int (*node_setaffinity) (XpHv *hv, guint32 domid, XpNodemask nodes);
  int (*node_getaffinity) (XpHv *hv, guint32 domid, XpNodemask *nodes);
  /* xc_domain_populate_physmap: returns extents done (>= 0) or -errno. */
  gint64 (*populate_physmap) (XpHv *hv, guint32 domid, guint64 nr_extents, guint order, guint xenmemflags);
  int (*unpause) (XpHv *hv, guint32 domid);
  /* Pages of @domid per node; @pages has room for n_nodes entries. */
  int (*domain_node_pages) (XpHv *hv, guint32 domid, guint n_nodes, XpPages *pages);

  void (*free) (XpHv *hv);

  /* Optional (NULL where the backend cannot tell; real Xen cannot): dirty
   * pages the hypervisor scrubbed synchronously while handing them out,
   * cumulative since boot. The toolstack charges their scrub time to the
   * build that caused it. */
  gint64 (*dirty_pages_scrubbed) (XpHv *hv);

  /* TRUE when back-to-back populate_physmap() calls with the same domain,
   * order and flags end exactly as one call of their sum would (the model:
   * both are the same sequence of allocator calls, stopping at the first
   * failure). Lets meminit merge its 8 MiB passes; a real hypervisor,
   * where every call is a hypercall, keeps FALSE. */
  gboolean populate_calls_merge;
} XpHvOps;

struct XpHv {
  const XpHvOps *ops;
  gpointer priv;
};

void xp_hv_free (XpHv *hv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XpHv, xp_hv_free)

/* Build a topology from what the hypervisor reports (numainfo +
 * cputopoinfo), as a toolstack sees the host. */
XpTopology *xp_hv_probe_topology (XpHv *hv, GError **error);

/* The model backend (sim/hv_model.c): wraps an XpXen it does not own. */
struct XpXen;
XpHv *xp_hv_model_new (struct XpXen *xen);
struct XpXen *xp_hv_model_xen (XpHv *hv);

G_END_DECLS

#endif
