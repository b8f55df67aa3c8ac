/* xenplace — build one VM on a host through the toolstack model and report
 * where its memory went: the core of `xenplace live place` and `xenplace
 * live shadow`, written against sim/hv.h so that it runs on the live
 * backend and, in tests, on the model backend through the same code.
 *
 * The build is the toolstack model's own flow (sim/toolstack.c: xenopsd or
 * xl, the same policy calls, claims, affinity and populate as a replay)
 * driven by an event queue. On a live host the queue does not pace
 * anything: durations only order the steps, every hypercall happens as fast
 * as the host answers. After the build the domain is destroyed and its
 * claim released, on success and on every error path.
 *
 * Live defaults (xp_live_place_options_init): video=0 and
 * device_model_ms=0, since an empty container has no device model and so no
 * video RAM to populate; everything else as the model's defaults. --ts
 * NAME=VALUE overrides any toolstack parameter, guest=hvm|pvh|pv included.
 */
#ifndef XP_LIVEPLACE_H
#define XP_LIVEPLACE_H

#include "sim/event.h"
#include "sim/hv.h"
#include "sim/toolstack.h"

G_BEGIN_DECLS

typedef struct {
  const char *policy_spec;        /* "name[:key=value,...]" (xp_policy_parse_spec) */
  XpToolstackParams toolstack;    /* kind, guest type, durations, ... */
  guint vcpus;
  guint64 memory_mib;
  const char *xen_version;        /* the shadow model's rules; NULL: 4.17 */
  const char *vm_name;            /* NULL: "xenplace-probe" */
  const XpCpumask *hard_affinity; /* the user's vCPU hard affinity (xl cpus=), NULL: none */
} XpLivePlaceOptions;

/* Defaults for @kind with the live settings above; vcpus 1, 256 MiB. */
void xp_live_place_options_init (XpLivePlaceOptions *o, XpToolstackKind kind);

/* What one build did. Arrays have n_nodes entries. */
typedef struct {
  char *host;                     /* backend name */
  guint n_nodes;
  gboolean built;                 /* the build finished (FALSE: it failed, see failure) */
  char *failure;
  guint32 domid;
  XpPlacement decision;           /* the policy's answer */
  XpNodemask affinity_nodes;
  XpAffinityKind affinity_kind;
  XpClaimKind claim_made;
  int claim_rc;
  gboolean single_node_fit;
  XpPages pages_populated;
  guint64 extents_1g, extents_2m, pages_4k;
  XpPages *free_before;           /* numainfo memfree before the build */
  XpPages *free_built;            /* after the build, before the destroy */
  XpPages *node_pages;            /* the domain's pages per node at the end of the build */
  gboolean node_pages_unknown;    /* built, but the host could not say (all zeros above) */
  XpPages outstanding_before, outstanding_after;   /* host-wide claims, before / after destroy */
  int destroy_rc;                 /* 0, or what destroying the domain returned */
} XpBuildReport;

void xp_build_report_clear (XpBuildReport *r);

/* Build one VM of @o on @hv (topology @topo) with the toolstack model, on
 * @events (NULL: a private queue). @settle_ns of simulated time pass before
 * the build (a model's background scrubber runs meanwhile). Records @out,
 * then destroys the domain and releases its claim. FALSE only when the run
 * could not be set up (bad policy spec, ...); a failed build is TRUE with
 * out->built FALSE. */
gboolean xp_build_once (XpHv *hv, const XpTopology *topo, const XpLivePlaceOptions *o, XpEventQueue *events,
                        XpTime settle_ns, XpBuildReport *out, GError **error);

/* Check @o before anything is created (policy spec, sizes). */
gboolean xp_live_place_options_check (const XpLivePlaceOptions *o, GError **error);

/* `live place`: with @really, build on @hv and append the report to @out;
 * without, append the plan and the shadow model's prediction (nothing on
 * @hv changes). FALSE with @error when it could not run; a build that
 * failed is reported in @out and returns FALSE with @error too. */
gboolean xp_live_place_command (XpHv *hv, const XpLivePlaceOptions *o, gboolean really, GString *out,
                                GError **error);

/* `live shadow`: initialise a shadow model from @hv (sim/shadow.h), build
 * on the model and, with @really, on @hv; append the per-node table model
 * vs real and a verdict ("identical" or "differs by N pages"). *differs
 * (may be NULL) is set to the pages placed differently (0: identical). */
gboolean xp_live_shadow_command (XpHv *hv, const XpLivePlaceOptions *o, gboolean really, GString *out,
                                 XpPages *differs, GError **error);

/* Write @t for a later replay, in the format @path's extension names:
 * .xml (hwloc XML, any shape) or .ini (a topology description file of
 * topologies/README.md; regular shapes only, built from the synthetic
 * export). The text goes to @out; nothing is written to @path here. */
gboolean xp_live_topology_export (const XpTopology *t, const char *path, GString *out, GError **error);

G_END_DECLS

#endif
