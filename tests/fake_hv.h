/* A recording fake of the hypervisor interface, for testing the toolstack
 * model and the populate loop in isolation from the Xen model: every call is
 * appended to a log, memory is a per-node counter, and failures can be
 * injected per extent order. */
#ifndef XP_FAKE_HV_H
#define XP_FAKE_HV_H

#include "sim/hv.h"

typedef struct {
  guint n_nodes, n_cpus;
  XpPages node_free[8];
  XpPages outstanding;
  XpPages scrub_pages;            /* what physinfo reports as waiting to be scrubbed */
  gboolean fail_order[19];        /* populate of this order returns 0 */
  XpPages pages_4k_limit;         /* order-0 pages that may still succeed (G_MAXUINT64: all) */
  int claim_node_rc;              /* what claim_pages_node returns (default -ENOSYS) */
  gboolean log_populate;          /* log every populate call (default: only the first per order) */
  GString *log;
  /* domains */
  guint32 next_domid;
  guint n_domains;
  struct {
    guint32 domid;
    guint n_vcpus;
    XpNodemask node_affinity;
    XpPages pages[8];
    XpPages claim;
  } dom[64];
} FakeHv;

XpHv *fake_hv_new (FakeHv *state);

#endif
