/* xenplace — scripted placement scenarios, written only against sim/hv.h.
 *
 * Run on real Xen by xp-live-check (make check-live) and on the model by
 * the same program with --model and by the conformance suite's golden test,
 * which holds the model to the per-node placements measured on real Xen
 * 4.17 (docs/live-results.md). Each scenario creates its domains, prints
 * what it measured and destroys them:
 *
 *   fresh               no affinity: 32 x 2 MiB
 *   affinity_one_node   vCPU hard affinity to the last node: 32 x 2 MiB
 *   two_nodes_striped   node affinity {0,1}: 32 x 2 MiB, then 1024 x 4 KiB
 *   claims_blocking     A claims all but 32 MiB; B (no claim) asks for 64 MiB;
 *                       A then populates 32 x 2 MiB under its claim
 *   fragmented_node     node 0 filled by two domains in alternating 1 MiB
 *                       turns, one destroyed (half free, no 2 MiB block);
 *                       a domain affine to node 0: 16 x 2 MiB, 4096 x 4 KiB
 *
 * For test hosts only: claims_blocking claims nearly all free memory and
 * fragmented_node fills node 0 completely for a moment.
 *
 * Output lines: "SCENARIO STEP done=N nodes=[p0 p1 ...]" (the domain's pages
 * per node), "SCENARIO STEP free_pages=[...]", and others with details. */
#ifndef XP_SCENARIOS_H
#define XP_SCENARIOS_H

#include "sim/hv.h"

G_BEGIN_DECLS

/* Called before each scenario: a model lets simulated time pass here (real
 * Xen's idle CPUs scrub freed memory meanwhile). May append to @out. */
typedef void (*XpScenSettleFunc) (const char *scenario, GString *out, gpointer data);

/* Run all scenarios; FALSE when a step failed (a line says which). */
gboolean xp_scenarios_run (XpHv *hv, XpGuestType type, XpScenSettleFunc settle, gpointer settle_data,
                           GString *out);

/* check-live's QEMU machines as a topology: @n_nodes (2 or 4) nodes of
 * 1 GiB and 2 CPUs; SLIT 10/20 (2 nodes) or 10/16/22 in two sockets (4).
 * Freed with xp_scen_topology_free (the test binaries do not link the
 * topology module). */
XpTopology *xp_scen_qemu_topology (guint n_nodes);
void xp_scen_topology_free (XpTopology *t);

G_END_DECLS

#endif
