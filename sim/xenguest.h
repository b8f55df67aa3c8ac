/* xenplace — libxenguest's memory population of a new guest, as a resumable
 * iterator over the hypervisor interface.
 *
 * Models meminit_hvm() (tools/libs/guest/xg_dom_x86.c): the guest-physical
 * layout [0, lowmem_end) + [4 GiB, highmem_end), pfns 0..0x9F as 4 KiB pages
 * first, the VGA hole 0xA0..0xBF skipped, then per aligned GiB one 1 GiB
 * extent attempt, on failure up to 8 MiB of 2 MiB extents, and 4 KiB pages
 * for whatever is left of that group (_exact: a shortfall fails the build).
 * Every populate call goes through XpHv, so the same loop drives the model
 * and a real host. PoD (maxmem > target) and vNUMA with several vnodes are
 * not modelled.
 *
 * The loop is cut into steps so that the toolstack model can interleave the
 * builds of several VMs in simulated time, as parallel builders do.
 */
#ifndef XP_XENGUEST_H
#define XP_XENGUEST_H

#include "sim/hv.h"

G_BEGIN_DECLS

#define XP_VGA_HOLE_PAGES      0x20      /* LIBXL_VGA_HOLE_SIZE */
#define XP_MMIO_HOLE_DEFAULT   (G_GUINT64_CONSTANT (256) << 20) /* HVM_BELOW_4G_MMIO_LENGTH */

typedef struct {
  guint32 domid;
  gboolean device_model;       /* HVM with a device model: low 640 KiB + VGA hole */
  guint xenmemflags;           /* XENMEMF_* node bits for every populate call */
  guint64 range_start[2], range_end[2];   /* pfns */
  guint n_ranges;
  guint range;                 /* current range */
  guint64 cur;                 /* next pfn to populate */
  gboolean low_done;           /* pfns 0..0x9F done */
  gboolean finished;
  /* statistics, as meminit_hvm prints them */
  guint64 extents_1g, extents_2m, pages_4k;
  guint64 populate_calls;
} XpMeminit;

/* Prepare the HVM layout for @mem_pages of guest memory (total_pages =
 * target here: no PoD) with an MMIO hole of @mmio_bytes below 4 GiB.
 * @node: XP_NO_NODE, or a node whose number goes into every populate call
 * (exact when @exact, as with a vNUMA pnode or xenguest's -mem_pnode). */
void xp_meminit_hvm_init (XpMeminit *m, guint32 domid, XpPages mem_pages, guint64 mmio_bytes,
                          guint node, gboolean exact);

/* The PV layout: one range [0, mem_pages), 2 MiB extents then 4 KiB
 * (meminit_pv without vNUMA). */
void xp_meminit_pv_init (XpMeminit *m, guint32 domid, XpPages mem_pages, guint node, gboolean exact);

/* Run populate calls until at least @budget pages were added or the layout
 * is complete. Returns the pages populated by this step (>= 0) or a negative
 * errno when a 4 KiB _exact call falls short (-EBUSY, as libxc reports it):
 * the build has failed. m->finished tells completion. */
gint64 xp_meminit_step (XpHv *hv, XpMeminit *m, XpPages budget);

/* Total pages the layout populates. */
XpPages xp_meminit_total_pages (const XpMeminit *m);

G_END_DECLS

#endif
