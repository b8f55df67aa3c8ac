/* xenplace — results of a run: JSON (schema "xenplace-results", version
 * XP_RESULTS_SCHEMA_VERSION), a summary table for terminals.
 *
 * The JSON holds only deterministic values: the same inputs give a
 * byte-identical file whatever the machine load or thread count (wall-clock
 * time is printed, never written). Times are integer nanoseconds (fields end
 * in _ns), memory in 4 KiB pages (_pages) or MiB (_mib).
 */
#ifndef XP_RESULTS_H
#define XP_RESULTS_H

#include <json-glib/json-glib.h>
#include "sim/replay.h"

G_BEGIN_DECLS

#define XP_RESULTS_SCHEMA "xenplace-results"
#define XP_RESULTS_SCHEMA_VERSION 1

/* What a bench run that replayed only part of its trace says about that
 * in its results (run.reduced). */
typedef struct {
  guint64 max_vms;             /* the VMs it replayed at most */
  guint64 trace_vms;           /* the VMs in the trace */
} XpResultsReduced;

/* The results as a JSON tree (for tests and tools that edit them; large
 * runs are better written with xp_results_write()). */
JsonNode *xp_results_to_json (const XpRun *run);
/* Write the results to @path atomically, streaming them (memory does not
 * grow with the file); @reduced may be NULL. */
gboolean xp_results_write (const XpRun *run, const XpResultsReduced *reduced, const char *path, GError **error);
/* Human-readable summary (a few lines, then a per-node table). */
void xp_results_print_summary (const XpRun *run, GString *out);

const char *xp_vm_state_name (XpVmState s);
const char *xp_affinity_name (XpAffinityKind k);
const char *xp_claim_name (XpClaimKind k);

G_END_DECLS

#endif
