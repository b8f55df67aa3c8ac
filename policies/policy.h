/* xenplace — placement policy ABI (versioned; built-ins and plugins alike).
 *
 * A policy sees a read-only XpHostView — what the real toolstack would see
 * at that moment, including stale numbers when the toolstack model says so —
 * and a VM request, and returns an XpPlacement. It never touches hypervisor
 * state. The toolstack model (sim/toolstack.c) carries the decision out:
 * affinity, node affinity, claim, populate hint.
 *
 * A plugin is a shared object exporting
 *     const XpPolicy *xenplace_policy_entry (void);
 * whose abi_version must equal XP_POLICY_ABI_VERSION. This header is
 * self-contained apart from GLib and sim/types.h / sim/topology.h (inline
 * helpers only), so a plugin links against nothing of xenplace.
 */
#ifndef XP_POLICY_H
#define XP_POLICY_H

#include "sim/types.h"
#include "sim/topology.h"

G_BEGIN_DECLS

#define XP_POLICY_ABI_VERSION 1

/* One existing domain as the toolstack can read it (libxl's placement
 * counts vCPUs per node from exactly these fields). */
typedef struct {
  guint32 domid;
  guint n_vcpus;
  const XpCpumask *vcpu_hard;   /* n_vcpus hard-affinity masks */
  XpNodemask node_affinity;
} XpDomainView;

typedef struct {
  const XpTopology *topo;       /* nodes, CPUs, cores, distances */
  XpTime now;
  /* physinfo */
  XpPages free_pages;           /* includes claimed and dirty pages */
  XpPages outstanding_pages;
  /* numainfo, per node (topo->n_nodes entries) */
  const XpPages *node_free;     /* memfree: includes claimed and dirty pages */
  const XpPages *node_claimed;  /* per-node claims if the host has them, else zeros */
  /* existing domains, ascending domid, dom0 included */
  guint n_domains;
  const XpDomainView *domains;
} XpHostView;

typedef struct {
  const char *name;             /* VM name from the trace */
  guint32 domid;                /* the domain being built */
  guint vcpus;
  guint64 memory_kib;           /* target memory */
  guint64 build_claim_kib;      /* what the build will claim/populate (xenopsd: target - video) */
  guint64 footprint_kib;        /* target + overheads (libxl need_memkb, xenopsd required_host_free) */
  const XpCpumask *hard_affinity; /* user hard affinity, NULL if none */
} XpVmRequest;

typedef enum {
  XP_AFFINITY_NONE,             /* leave vCPU affinity alone */
  XP_AFFINITY_SOFT,             /* vCPU soft affinity = CPUs of the chosen nodes */
  XP_AFFINITY_HARD,             /* vCPU hard affinity = CPUs of the chosen nodes */
} XpAffinityKind;

typedef enum {
  XP_CLAIM_TOOLSTACK,           /* whatever the toolstack does by default */
  XP_CLAIM_NONE,
  XP_CLAIM_HOST,                /* XENMEM_claim_pages, host-wide */
  XP_CLAIM_NODE,                /* per-node claim on the single chosen node */
} XpClaimKind;

typedef struct {
  gboolean placed;              /* FALSE: no plan, the toolstack's fallback applies */
  XpNodemask nodes;             /* chosen nodes */
  XpAffinityKind affinity;
  gboolean set_node_affinity;   /* XEN_DOMCTL_setnodeaffinity(nodes), as libxl does. With
                                 * placed FALSE (xl only): libxl's search found nothing, and
                                 * the toolstack writes libxl's all-ones node map and soft
                                 * affinity to every CPU, as libxl__build_pre does then */
  XpClaimKind claim;
  guint populate_node;          /* node passed to populate (xenguest -mem_pnode), XP_NO_NODE if none */
  gboolean populate_exact;      /* XENMEMF_exact_node_request with populate_node */
} XpPlacement;

static inline void
xp_placement_init (XpPlacement *p)
{
  memset (p, 0, sizeof *p);
  p->populate_node = XP_NO_NODE;
  p->claim = XP_CLAIM_TOOLSTACK;
}

/* A parameter given to a policy: --policy name:key=value,key=value or a
 * scenario file's [policy.NAME] group. */
typedef struct {
  const char *key;
  const char *value;
} XpPolicyParam;

/* One parameter a policy accepts: for listings (xenplace policies) and for
 * checking a spec before init (xp_policy_parse_spec). */
typedef struct {
  const char *key;
  const char *choices;          /* allowed values "a|b|c", or NULL for any value */
  const char *default_value;    /* NULL if none */
  const char *help;             /* one line */
} XpPolicyParamInfo;

typedef struct XpPolicy {
  guint abi_version;            /* XP_POLICY_ABI_VERSION */
  const char *name;
  const char *description;      /* one line */
  /* Create per-run state for @topo. Unknown or bad parameters are an error. */
  gpointer (*init) (const XpTopology *topo, const XpPolicyParam *params, guint n_params, GError **error);
  /* Decide where @req goes. Returning FALSE is an error of the policy
   * itself (the run stops); "no fit" is out->placed = FALSE. A decision
   * the host cannot carry out stops the run the same way, naming the
   * policy, the VM and the fault: placed with no nodes or with nodes the
   * host does not have (nodes >= topo->n_nodes), a populate_node other
   * than XP_NO_NODE outside the host, an affinity or claim outside its
   * enum. */
  gboolean (*place) (gpointer state, const XpHostView *view, const XpVmRequest *req,
                     XpPlacement *out, GError **error);
  /* The VM built with @domid has exited (may be NULL). */
  void (*vm_exit) (gpointer state, guint32 domid);
  /* The toolstack restarted: forget in-memory state (may be NULL). */
  void (*toolstack_restart) (gpointer state);
  void (*free) (gpointer state);
  /* Parameters accepted, terminated by an entry whose key is NULL; NULL
   * when the policy takes none. (Added at the end; may be NULL.) */
  const XpPolicyParamInfo *params;
} XpPolicy;

typedef const XpPolicy *(*XpPolicyEntryFunc) (void);
#define XP_POLICY_ENTRY_SYMBOL "xenplace_policy_entry"

/* ---- registry (policies/registry.c) -------------------------------- */

/* Built-in policies in listing order, NULL-terminated. */
const XpPolicy *const *xp_policy_builtins (void);
const XpPolicy *xp_policy_lookup (const char *name);
/* Whether @policy reads XpHostView.n_domains / domains. TRUE for plugins
 * and for the built-ins that use them (libxl counts vCPUs per node); the
 * others decide from memory alone, and the toolstack then leaves the
 * domains out of their views (n_domains 0) instead of reading every
 * vCPU's affinity, as xenopsd does. */
gboolean xp_policy_reads_domains (const XpPolicy *policy);
/* Load a plugin; the module stays loaded for the process lifetime. */
const XpPolicy *xp_policy_load_plugin (const char *path, GError **error);
/* Parse "name:key=value,key=value" into a policy and a parameter array
 * (strings owned by the returned array; free with g_ptr_array_unref).
 * The array's elements are XpPolicyParam *. Unknown policies, unknown or
 * repeated keys and values outside a parameter's choices are errors that
 * name the offender and list the valid ones. */
const XpPolicy *xp_policy_parse_spec (const char *spec, GPtrArray **params_out, GError **error);
/* A spec whose name part (before the first ':') ends in ".so" or
 * contains a '/' names a plugin file: "FILE.so[:key=value,...]". (So a
 * plugin's path cannot contain ':'.) */
/* The parameters of @spec, "NAME[:key=value,...]" with NAME @policy's own
 * name (a plugin given by its file), parsed and checked as
 * xp_policy_parse_spec() does; NULL and @error otherwise. */
GPtrArray *xp_policy_parse_spec_for (const XpPolicy *policy, const char *spec, GError **error);
gboolean xp_policy_spec_is_plugin (const char *spec);
/* The plugin file of such a spec, resolved against @dir when relative
 * (@dir NULL: the current directory); NULL for a built-in's spec. */
char *xp_policy_spec_plugin_path (const char *spec, const char *dir);
/* xp_policy_parse_spec, for specs that may name a plugin file: the file is
 * loaded (xp_policy_load_plugin) and the parameters are checked against
 * the plugin's parameter table as a built-in's are (a plugin whose table is
 * NULL takes none). */
const XpPolicy *xp_policy_parse_spec_in (const char *spec, const char *dir, GPtrArray **params_out, GError **error);
/* SHA-256 of a plugin file's bytes, lower-case hex (recorded in results
 * files, so that a rebuilt plugin is not taken for the one a file was
 * made with). */
char *xp_policy_plugin_sha256 (const char *path, GError **error);

G_END_DECLS

#endif
