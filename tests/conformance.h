/* xenplace — hypervisor conformance suite.
 *
 * Cases written only against sim/hv.h, so that the same checks run against
 * the model backend (tests/test_conformance.c, in `make check`) and against
 * real Xen (tests/live/xp_live_check.c, in `make check-live`). Expected
 * numbers come from the backend's own reports (free pages before and after,
 * what populate says it did), never from a hard-coded host size, so a case
 * holds on any host that has the memory it needs (else it is skipped).
 *
 * Each case destroys every domain it created, on success and on failure.
 * Run it on a test host only: claims_block briefly claims all but 32 MiB of
 * the host's free memory, so other domains' allocations (ballooning, a
 * domain being built) fail meanwhile.
 */
#ifndef XP_CONFORMANCE_H
#define XP_CONFORMANCE_H

#include "sim/hv.h"

G_BEGIN_DECLS

typedef enum {
  XP_CONF_PASS,
  XP_CONF_FAIL,
  XP_CONF_SKIP,
} XpConfOutcome;

typedef struct {
  /* Container type for the domains the cases create. */
  XpGuestType type;
  /* Tolerance, in pages, for memory Xen takes for itself around a domain
   * (struct domain, vCPUs, grant and event channel tables, page tables):
   * free-memory comparisons accept this much difference. 0 for the model,
   * whose bookkeeping is exact. */
  XpPages slack_pages;
} XpConfOptions;

guint xp_conformance_n_cases (void);
const char *xp_conformance_case_name (guint i);
const char *xp_conformance_case_summary (guint i);
/* Index of the case called @name, or -1. */
int xp_conformance_find (const char *name);

/* Run case @i. @log (may be NULL) receives one line per measurement and,
 * on failure or skip, the reason. */
XpConfOutcome xp_conformance_run_case (XpHv *hv, guint i, const XpConfOptions *opt, GString *log);

const char *xp_conf_outcome_name (XpConfOutcome o);

G_END_DECLS

#endif
