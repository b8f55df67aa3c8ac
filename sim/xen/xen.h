/* xenplace — the modelled hypervisor: state and internal API of sim/xen/.
 *
 * One XpXen is one simulated Xen host. Files in this directory are named
 * after the upstream file they model and each function names the upstream
 * function it stands for:
 *
 *   page_alloc.c    xen/common/page_alloc.c   buddy heap, scrubbing, claims
 *   memory.c        xen/common/memory.c       populate_physmap, XENMEM_claim_pages
 *   domain.c        xen/common/domain.c       create/kill, node affinity set
 *   sched_core.c    xen/common/sched/core.c   vCPU affinity, auto node affinity
 *   sched_credit.c  xen/common/sched/credit.c credit1 scheduler
 *   sysctl.c        xen/common/sysctl.c       physinfo, numainfo, cputopoinfo
 *
 * The toolstack never calls these directly: it goes through sim/hv.h, whose
 * model backend (sim/hv_model.c) maps each hypercall onto these functions.
 * Errors are negative errno values, as Xen returns them.
 *
 * Behaviour that changed between Xen releases is selected per run with
 * XpXenBehaviour (built from a version string such as "4.17" or "4.22").
 */
#ifndef XP_XEN_H
#define XP_XEN_H

#include <errno.h>
#include "sim/types.h"
#include "sim/topology.h"
#include "sim/event.h"

G_BEGIN_DECLS

typedef struct XpXen XpXen;
typedef struct XpDomain XpDomain;
typedef struct XpVcpu XpVcpu;
typedef struct XpHeap XpHeap;

/* ---- versions and parameters ------------------------------------------ */

typedef enum {
  XP_NODE_CLAIMS_NONE,     /* upstream: claims are host-wide only (every release) */
  XP_NODE_CLAIMS_SINGLE,   /* what-if: XenServer's patch queue, one claim per domain on one node */
} XpNodeClaimsMode;

typedef struct {
  guint version;                     /* major*100 + minor: 417 .. 422 */
  gboolean claim_regrow_on_free;     /* <= 4.20: freeing pages re-grows an outstanding claim */
  gboolean claim_consumed_in_alloc;  /* 4.22: claim consumed in alloc_heap_pages(), else in assign_pages() */
  gboolean claim_rejects_dying;      /* 4.22: XENMEM_claim_pages on a dying domain -> -EINVAL */
  gboolean populate_defers_scrub;    /* 4.22: populate during construction accepts dirty buddies in pass 1 */
  gboolean libxc_claim_enosys_ok;    /* <= 4.21: libxc maps ENOSYS from a claim to success */
  gboolean credit_balance_ratelimit; /* >= 4.18: work stealing at most once per load_balance_ratelimit */
  gboolean credit_skip_yielded;      /* >= 4.18: yielded units are never stolen */
  XpNodeClaimsMode node_claims;
} XpXenBehaviour;

/* Fill @b for @version ("4.17" .. "4.22"; NULL means "4.17", Debian 12's). */
gboolean xp_xen_behaviour_init (XpXenBehaviour *b, const char *version, GError **error);

typedef struct {
  /* Background scrubbing: one CPU per node zeroes dirty pages at this rate,
   * only while the node has an idle CPU (scrub_free_pages()). Default
   * 4 GiB/s, roughly one core's memset bandwidth; --param scrub_rate=. */
  guint64 scrub_bytes_per_sec;
  /* bootscrub=idle: memory handed to the heap at boot starts dirty. Default
   * FALSE: the trace starts on a host whose boot scrub has long finished. */
  gboolean boot_memory_dirty;
  /* dma_bits= (0: Xen's rule, 32 on a multi-node host, none on one node). */
  guint dma_bits;
  /* Pages per node kept by Xen itself (frame table, heap metadata, Xen
   * heap). Default: 1/512 of the node's memory (8 bytes per page of frame
   * table rounded up generously); taken at boot, never freed. */
  XpPages xen_pages_per_node;
  /* dom0: memory taken at boot (striped over all nodes, as Xen builds dom0
   * without dom0_nodes=) and its vCPU count. */
  guint64 dom0_mem_bytes;
  guint dom0_vcpus;
  /* Largest buddy order (CONFIG_PAGEALLOC_MAX_ORDER: 18 = 1 GiB on x86). */
  guint max_order;
  /* x86 MMIO hole below 4 GiB (no RAM there): [4 GiB - size, 4 GiB), on
   * node 0 when node 0 has more than 4 GiB - size of RAM. Default 1 GiB
   * (3-4 GiB); --param mmio_hole=. It decides how much DMA-zone memory and
   * which 1 GiB blocks exist. */
  guint64 mmio_hole_bytes;
} XpXenParams;

/* xen_pages_per_node value meaning "1/512 of the node's memory". */
#define XP_XEN_PAGES_AUTO G_MAXUINT64

void xp_xen_params_init_defaults (XpXenParams *p);
/* Set one parameter from "name=value" text (scrub_rate=4GiB, dma_bits=32,
 * dom0_mem=4GiB, dom0_vcpus=8, boot_dirty=1, xen_pages_per_node=...). */
gboolean xp_xen_params_set (XpXenParams *p, const char *assignment, GError **error);
/* Every parameter of @p as "name=value" (char *, freed with the array), in
 * a fixed order, values in a canonical form (bytes, pages, counts, 0/1,
 * 'auto') that xp_xen_params_set() takes back: two parameter sets are the
 * same exactly when these lists are. Results files record them
 * (run.xen_params). */
GPtrArray *xp_xen_params_list (const XpXenParams *p);

/* ---- memflags (xen/include/xen/mm.h), internal to Xen --------------- */

#define XP_MEMF_no_refcount   (1u << 0)
#define XP_MEMF_keep_scrub    (1u << 2)
#define XP_MEMF_no_dma        (1u << 3)
#define XP_MEMF_exact_node    (1u << 4)
#define XP_MEMF_no_owner      (1u << 5)
#define XP_MEMF_no_scrub      (1u << 8)
#define XP_MEMF_node(n)       ((((guint) (n) + 1) & 0xff) << 16)
#define XP_MEMF_get_node(f)   ((((f) >> 16) - 1) & 0xff)   /* XP_NO_NODE when unset */
#define XP_MEMF_bits(n)       ((guint) (n) << 24)
#define XP_MEMF_get_bits(f)   ((f) >> 24)

/* Public XENMEMF_* flags of XENMEM_populate_physmap (xen/include/public/memory.h). */
#define XP_XENMEMF_address_bits(b)   ((guint) (b) & 0xff)
#define XP_XENMEMF_node(n)           ((((guint) (n) + 1) & 0xff) << 8)
#define XP_XENMEMF_get_node(f)       ((((f) >> 8) - 1) & 0xff)
#define XP_XENMEMF_exact_node_request (1u << 17)
#define XP_XENMEMF_exact_node(n)     (XP_XENMEMF_node (n) | XP_XENMEMF_exact_node_request)

#define XP_ORDER_4K   0
#define XP_ORDER_2M   9
#define XP_ORDER_1G   18

#define XP_INVALID_PFN G_MAXUINT64

/* ---- domains -------------------------------------------------------- */

#define XP_DOMID_FIRST_RESERVED 0x7FF0u   /* DOMID_FIRST_RESERVED: ids below are domains' */

typedef enum {
  XP_DOMAIN_HVM,
  XP_DOMAIN_PVH,
  XP_DOMAIN_PV,
} XpDomainType;

/* What a domain owns, in the order it was handed out: [pfn, pfn + count),
 * all on one node. An extent is a run of count / 2^@order blocks of
 * @order (one block, or several handed out one after another from the
 * top block down, so pfn is the block handed out last). An extent with
 * count 0 is a hole left by a free: skip it. */
typedef struct {
  guint64 pfn;
  guint32 count;              /* pages (a run holds at most 64 blocks, order <= 20) */
  guint32 order;
} XpExtent;

struct XpVcpu {
  XpDomain *domain;
  guint id;
  XpCpumask hard;             /* cpu_hard_affinity (already ∩ online) */
  XpCpumask soft;             /* cpu_soft_affinity (∩ online ∩ hard) */
  gboolean soft_aff_effective;
  guint processor;            /* pCPU it is assigned to */
  gpointer sched_priv;        /* scheduler's per-vCPU state */
  XpCpumask soft_raw;         /* soft affinity as set (cpu_soft_affinity); @soft is the effective one */
};

struct XpDomain {
  guint32 domid;
  XpDomainType type;
  gboolean is_dom0;
  gboolean dying;             /* domain_kill() has run */
  gboolean paused;
  gboolean creation_finished; /* set at first unpause (domain_unpause_by_systemcontroller) */

  /* memory (page_alloc.c, memory.c) */
  XpPages tot_pages;          /* pages assigned, incl. extra */
  XpPages extra_pages;        /* MEMF_no_refcount pages counted in tot_pages */
  XpPages max_pages;
  XpPages outstanding_pages;  /* the claim still to be consumed */
  guint claim_node;           /* node of the claim (node-claims what-if), XP_NO_NODE if host-wide */
  XpPages *node_pages;        /* per node: pages owned (what the 'u' debug key prints) */
  GArray *memory;             /* XpExtent runs owned by the domain (may hold holes) */
  GArray *paging_pool;        /* XpExtent runs of the HAP/shadow pool (MEMF_no_owner) */
  guint holes[2];             /* page_alloc.c: holes in memory, paging_pool */
  guint32 *open_run;          /* page_alloc.c: per [memory|pool][node], the run a page may extend */
  XpPages paging_pool_pages;

  /* NUMA (domain.c, sched_core.c) */
  XpNodemask node_affinity;
  gboolean auto_node_affinity;
  guint last_alloc_node;

  /* vCPUs */
  guint max_vcpus;            /* from createdomain */
  guint n_vcpus;              /* created by XEN_DOMCTL_max_vcpus */
  XpVcpu *vcpus;
  guint weight, cap;          /* credit parameters (256, 0) */
  gpointer sched_priv;

  gpointer user_data;         /* owner's record (the toolstack's VM) */
};

typedef struct {
  XpDomainType type;
  guint max_vcpus;
  guint32 requested_domid;    /* 0 = allocate */
  gboolean is_dom0;
} XpDomainConfig;

/* ---- scheduler hooks (sched_credit.c implements them) ------------------ */

typedef struct {
  const char *name;
  void (*insert_vcpu) (XpXen *xen, XpVcpu *v);      /* sched_insert_unit */
  void (*remove_vcpu) (XpXen *xen, XpVcpu *v);      /* sched_remove_unit */
  void (*adjust_affinity) (XpXen *xen, XpVcpu *v);  /* sched_adjust_affinity */
  void (*domain_unpause) (XpXen *xen, XpDomain *d); /* vCPUs may now run */
  void (*domain_pause) (XpXen *xen, XpDomain *d);
  void (*free) (XpXen *xen);
} XpSchedOps;

/* ---- the host --------------------------------------------------------- */

struct XpXen {
  const XpTopology *topo;
  XpXenBehaviour behaviour;
  XpXenParams params;
  XpEventQueue *events;       /* simulated clock; may be NULL (time stays 0) */

  XpHeap *heap;               /* page_alloc.c private */
  XpNodemask online_nodes;    /* node_online_map */
  XpCpumask online_cpus;
  guint dma_bitsize;          /* 0: no DMA zone split */

  XpDomain **domain_by_id;    /* [XP_DOMID_FIRST_RESERVED]: domid -> domain or NULL */
  GPtrArray *domain_list;     /* XpDomain*, ascending domid */
  guint32 domid_rover;        /* last allocated domid */
  XpDomain *dom0;

  const XpSchedOps *sched;    /* NULL: no CPU model */
  gpointer sched_priv;
};

/* Boot a host: heap over every node's memory (end_boot_allocator), Xen's own
 * pages, dom0 with its memory and vCPUs. @events may be NULL. */
XpXen *xp_xen_new (const XpTopology *topo, const XpXenBehaviour *behaviour,
                   const XpXenParams *params, XpEventQueue *events, GError **error);
void xp_xen_free (XpXen *xen);

static inline XpTime xp_xen_now (const XpXen *xen) { return xen->events ? xp_event_queue_now (xen->events) : 0; }

XpDomain *xp_xen_domain (XpXen *xen, guint32 domid);

/* ---- page_alloc.c ------------------------------------------------------ */

/* alloc_domheap_pages(): 2^order pages for @d (NULL: anonymous). Returns the
 * first pfn or XP_INVALID_PFN. Assigns to @d unless MEMF_no_owner. */
guint64 xp_alloc_domheap_pages (XpXen *xen, XpDomain *d, guint order, guint memflags);
/* @n order-0 alloc_domheap_pages() calls with @memflags, stopping at the
 * first failure; returns the pages allocated. Heap, domain and counters end
 * exactly as after the individual calls, but the work is per buddy block
 * (plus the per-page records and extents). */
/* Do every free list's pending rotations now (they are done lazily, when a
 * list is next read or changed; doing them early changes nothing). */
void xp_heap_sync_lists (XpXen *xen);
/* Tests: move dirty heads at once, block by block, as upstream does. */
void xp_heap_set_eager_rotation (XpXen *xen, gboolean eager);
guint64 xp_alloc_domheap_pages_bulk0 (XpXen *xen, XpDomain *d, guint64 n, guint memflags);
/* @n alloc_domheap_pages() calls of @order, stopping at the first failure,
 * with exactly their outcome; runs of calls that provably carve one block
 * top down are done a block at a time. Returns the calls that succeeded. */
guint64 xp_alloc_domheap_pages_bulk (XpXen *xen, XpDomain *d, guint order, guint64 n, guint memflags);
/* free_domheap_pages() for a block previously returned for @d (or anonymous). */
void xp_free_domheap_pages (XpXen *xen, XpDomain *d, guint64 pfn, guint order);
/* domain_relinquish_resources() memory part: free everything @d owns,
 * dirty (pages of a dying domain are scrubbed before reuse). */
void xp_domain_relinquish_memory (XpXen *xen, XpDomain *d);
/* domain_set_outstanding_pages(): @pages is the absolute target; 0 releases. */
int xp_domain_set_outstanding_pages (XpXen *xen, XpDomain *d, XpPages pages);
/* What-if (XP_NODE_CLAIMS_SINGLE): claim @pages on @node (XP_NO_NODE: host). */
int xp_domain_set_outstanding_pages_node (XpXen *xen, XpDomain *d, XpPages pages, guint node);

XpPages xp_heap_total_avail (const XpXen *xen);          /* total_avail_pages */
XpPages xp_heap_node_avail (const XpXen *xen, guint node); /* avail_node_heap_pages() */
XpPages xp_heap_node_need_scrub (const XpXen *xen, guint node);
XpPages xp_heap_outstanding_claims (const XpXen *xen);
XpPages xp_heap_node_outstanding_claims (const XpXen *xen, guint node);
/* Free pages of @node in blocks of order >= @order. */
XpPages xp_heap_node_avail_order (const XpXen *xen, guint node, guint order);
/* Free blocks on all free lists: how fragmented the free memory is. */
guint64 xp_heap_free_blocks (const XpXen *xen);
/* Pages of @node handed to the heap (RAM minus pfn 0; incl. Xen's and dom0's). */
XpPages xp_heap_node_pages (const XpXen *xen, guint node);
/* Spanned pfn range of @node: [*start, *end) (holes included). */
void xp_heap_node_span (const XpXen *xen, guint node, guint64 *start, guint64 *end);
/* Node owning @pfn (XP_NO_NODE outside every node). */
guint xp_heap_pfn_to_node (const XpXen *xen, guint64 pfn);
/* Dirty pages handed out by allocations (scrubbed synchronously by the
 * allocating CPU), in total and by the most recent successful allocation;
 * the toolstack model may charge them as time. */
XpPages xp_heap_alloc_scrubbed_pages (const XpXen *xen);
XpPages xp_heap_last_alloc_dirty_pages (const XpXen *xen);
/* Pages zeroed by background scrubbing so far. */
XpPages xp_heap_background_scrubbed_pages (const XpXen *xen);
/* Human-readable heap state (what Xen's 'H' and 'u' debug keys show): per
 * node pages, free, dirty, claimed, free pages by order, and per domain
 * pages per node. */
void xp_heap_dump (XpXen *xen, GString *out);

/* Everything the allocator's future behaviour depends on, in a canonical
 * text form (for tests comparing two heaps): counters, every free list in
 * list order with each block's dirty count, the dirty runs, every handed
 * out block by pfn with its owner, and each domain's memory state
 * including its extent arrays in order. Does not advance scrubbing. */
void xp_heap_dump_state (XpXen *xen, GString *out);

/* Background scrubbing (scrub_free_pages / node_to_scrub): advance every
 * node's scrubber to the current time. Called lazily by whoever reads or
 * allocates; scrubbing is a function of time, not an event stream. */
void xp_heap_scrub_advance (XpXen *xen);
/* Whether @node has an idle CPU that may scrub (the scheduler tells). */
void xp_heap_set_node_idle (XpXen *xen, guint node, gboolean has_idle_cpu);

/* Conservation: for every node, free + allocated == node pages, need_scrub
 * <= free, claims >= 0 and sum to outstanding_claims, per-domain node_pages
 * sum to the heap's allocated pages. FALSE with a description on failure. */
gboolean xp_heap_check_invariants (XpXen *xen, GString *why);

/* Internal to sim/xen/ (setup.c builds the heap): node i spans pfns
 * [node_start[i], node_end[i]); pfns in [hole_start, hole_end) have no RAM. */
XpHeap *xp_heap_new (XpXen *xen, const guint64 *node_start, const guint64 *node_end,
                     guint64 hole_start, guint64 hole_end);
void xp_heap_free (XpHeap *h);

/* ---- memory.c ------------------------------------------------------------ */

/* populate_physmap() for @d, called by a privileged caller (the toolstack).
 * @xenmemflags are public XENMEMF_* bits. Returns extents completed. */
guint64 xp_populate_physmap (XpXen *xen, XpDomain *d, guint64 nr_extents, guint extent_order, guint xenmemflags);
/* do_memory_op(XENMEM_claim_pages): argument checks, then the claim. */
int xp_memory_claim_pages (XpXen *xen, guint32 domid, XpPages pages);

/* ---- domain.c ----------------------------------------------------------- */

int xp_domain_create (XpXen *xen, const XpDomainConfig *cfg, XpDomain **out);
/* domain_kill() + final destruction: claim released, memory freed dirty. */
int xp_domain_destroy (XpXen *xen, XpDomain *d);
int xp_domain_set_max_mem (XpXen *xen, XpDomain *d, guint64 max_kib);  /* XEN_DOMCTL_max_mem */
/* XEN_DOMCTL_set_paging_mempool_size: 4 KiB MEMF_no_owner pages. */
int xp_domain_set_paging_mempool (XpXen *xen, XpDomain *d, XpPages pages);
/* domain_set_node_affinity(): all 64 bits set = back to automatic. */
int xp_domain_set_node_affinity (XpXen *xen, XpDomain *d, XpNodemask mask);
int xp_domain_unpause (XpXen *xen, XpDomain *d);
int xp_domain_pause (XpXen *xen, XpDomain *d);

/* ---- sched_core.c ------------------------------------------------------- */

#define XP_VCPUAFFINITY_HARD  (1u << 0)
#define XP_VCPUAFFINITY_SOFT  (1u << 1)

/* XEN_DOMCTL_max_vcpus: create vCPUs 0..n-1 (hard = soft = all CPUs). */
int xp_domain_max_vcpus (XpXen *xen, XpDomain *d, guint n);
/* vcpu_affinity_domctl()/vcpu_set_affinity(); masks are written back with
 * the effective values. */
int xp_vcpu_set_affinity (XpXen *xen, XpVcpu *v, XpCpumask *hard, XpCpumask *soft, guint flags);
/* domain_update_node_aff(). */
void xp_domain_update_node_affinity (XpXen *xen, XpDomain *d);

G_END_DECLS

#endif
