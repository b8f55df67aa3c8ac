/* xenplace — one VM build through the toolstack model on any host, and the
 * `live place` / `live shadow` reports (see liveplace.h). */
#include "config.h"
#include <errno.h>
#include "policies/policy.h"
#include "sim/error.h"
#include "sim/liveplace.h"
#include "sim/shadow.h"

void
xp_live_place_options_init (XpLivePlaceOptions *o, XpToolstackKind kind)
{
  memset (o, 0, sizeof *o);
  xp_toolstack_params_init (&o->toolstack, kind);
  /* an empty container: no device model, so no video RAM and no QEMU start */
  o->toolstack.video_mib = 0;
  o->toolstack.device_model_ns = 0;
  o->vcpus = 1;
  o->memory_mib = 256;
  o->policy_spec = "none";
}

void
xp_build_report_clear (XpBuildReport *r)
{
  g_free (r->host);
  g_free (r->failure);
  g_free (r->free_before);
  g_free (r->free_built);
  g_free (r->node_pages);
  memset (r, 0, sizeof *r);
}

static const XpPolicy *
parse_policy (const char *spec, GArray **params_out, GPtrArray **owner, GError **error)
{
  const XpPolicy *p = xp_policy_parse_spec (spec, owner, error);
  if (!p)
    return NULL;
  GArray *a = g_array_new (FALSE, FALSE, sizeof (XpPolicyParam));
  for (guint i = 0; *owner && i < (*owner)->len; i++)
    g_array_append_val (a, *(const XpPolicyParam *) (*owner)->pdata[i]);
  *params_out = a;
  return p;
}

gboolean
xp_live_place_options_check (const XpLivePlaceOptions *o, GError **error)
{
  GArray *a = NULL;
  GPtrArray *owner = NULL;
  if (!parse_policy (o->policy_spec, &a, &owner, error))
    return FALSE;
  g_array_unref (a);
  if (owner)
    g_ptr_array_unref (owner);
  if (o->vcpus < 1 || o->vcpus > 512)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "--vcpus: %u is outside 1..512", o->vcpus);
      return FALSE;
    }
  if (o->memory_mib < 4 || o->memory_mib > (G_GUINT64_CONSTANT (1) << 32))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "--memory: %" G_GUINT64_FORMAT " MiB is outside 4 MiB .. 4 PiB", o->memory_mib);
      return FALSE;
    }
  return TRUE;
}

/* The user's hard affinity must name CPUs of @t only. */
static gboolean
check_affinity (const XpLivePlaceOptions *o, const XpTopology *t, GError **error)
{
  if (!o->hard_affinity)
    return TRUE;
  if (xp_cpumask_empty (o->hard_affinity))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "--hard-affinity: no CPU given");
      return FALSE;
    }
  for (guint c = xp_cpumask_next (o->hard_affinity, 0); c < XP_MAX_CPUS; c = xp_cpumask_next (o->hard_affinity, c + 1))
    if (c >= t->n_cpus)
      {
        g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "--hard-affinity: CPU %u does not exist on this host (%u CPUs)",
                     c, t->n_cpus);
        return FALSE;
      }
  return TRUE;
}

/* memfree per node and host-wide outstanding claims. */
static void
read_free (XpHv *hv, guint n, XpPages *free, XpPages *outstanding)
{
  g_autofree XpNodeMeminfo *mem = g_new0 (XpNodeMeminfo, n);
  guint got = n;
  if (hv->ops->numainfo (hv, &got, mem, NULL) < 0)
    got = 0;
  for (guint i = 0; i < n; i++)
    free[i] = i < got ? mem[i].memfree_bytes >> XP_PAGE_SHIFT : 0;
  XpPhysinfo pi;
  if (outstanding)
    *outstanding = hv->ops->physinfo (hv, &pi) == 0 ? pi.outstanding_pages : 0;
}

typedef struct {
  XpHv *hv;
  XpBuildReport *r;
} BuildCtx;

static void
on_started (gpointer data, XpVm *vm)
{
  BuildCtx *c = data;
  /* called for failed builds too, after their domain is gone */
  if (vm->state == XP_VM_RUNNING)
    read_free (c->hv, c->r->n_nodes, c->r->free_built, NULL);
}

gboolean
xp_build_once (XpHv *hv, const XpTopology *topo, const XpLivePlaceOptions *o, XpEventQueue *events,
               XpTime settle_ns, XpBuildReport *out, GError **error)
{
  memset (out, 0, sizeof *out);
  GArray *params = NULL;
  GPtrArray *owner = NULL;
  const XpPolicy *policy = parse_policy (o->policy_spec, &params, &owner, error);
  if (!policy)
    return FALSE;
  GError *local = NULL;
  gpointer state = policy->init (topo, (const XpPolicyParam *) params->data, params->len, &local);
  g_array_unref (params);
  if (!state && local)
    {
      g_propagate_prefixed_error (error, local, "policy %s: ", policy->name);
      if (owner)
        g_ptr_array_unref (owner);
      return FALSE;
    }

  guint n = topo->n_nodes;
  out->host = g_strdup (hv->ops->name);
  out->n_nodes = n;
  out->free_before = g_new0 (XpPages, n);
  out->free_built = g_new0 (XpPages, n);
  out->node_pages = g_new0 (XpPages, n);
  out->decision.populate_node = XP_NO_NODE;

  XpEventQueue *q = events ? events : xp_event_queue_new ();
  if (settle_ns > 0)
    xp_event_run_until (q, xp_event_queue_now (q) + settle_ns);
  read_free (hv, n, out->free_before, &out->outstanding_before);

  BuildCtx ctx = { hv, out };
  XpToolstackHooks hooks = { .vm_started = on_started };
  XpToolstack *ts = xp_toolstack_new (&o->toolstack, hv, q, topo, policy, state, &hooks, &ctx);
  XpVm *vm = xp_toolstack_start (ts, o->vm_name ? o->vm_name : "xenplace-probe", o->vcpus, o->memory_mib,
                                 o->hard_affinity, 0);
  while (vm->state == XP_VM_QUEUED || vm->state == XP_VM_BUILDING)
    if (!xp_event_run_one (q))
      break;

  out->domid = vm->domid;
  out->decision = vm->decision;
  out->affinity_nodes = vm->affinity_nodes;
  out->affinity_kind = vm->affinity_kind;
  out->claim_made = vm->claim_made;
  out->claim_rc = vm->claim_rc;
  out->single_node_fit = vm->single_node_fit;
  out->pages_populated = vm->pages_populated;
  out->extents_1g = vm->extents_1g;
  out->extents_2m = vm->extents_2m;
  out->pages_4k = vm->pages_4k;
  if (vm->node_pages)
    memcpy (out->node_pages, vm->node_pages, n * sizeof (XpPages));
  XpPages sum = 0;
  for (guint i = 0; i < n; i++)
    sum += out->node_pages[i];
  if (vm->state == XP_VM_RUNNING)
    {
      out->built = TRUE;
      /* the toolstack records zeros when domain_node_pages fails (on a live
       * host: the console ring did not hold the 'u' dump) */
      out->node_pages_unknown = sum == 0 && vm->pages_populated > 0;
    }
  else if (vm->state == XP_VM_FAILED)
    out->failure = g_strdup (vm->failure ? vm->failure : "build failed");
  else
    out->failure = g_strdup ("the build did not finish (no more events)");

  /* Undo: the toolstack already destroyed a failed build's domain; here
   * the built one, or one left half-built, goes, claim first. */
  if (vm->domid && vm->state != XP_VM_FAILED)
    {
      hv->ops->claim_pages (hv, vm->domid, 0);
      out->destroy_rc = hv->ops->domain_destroy (hv, vm->domid);
    }
  XpPhysinfo pi;
  out->outstanding_after = hv->ops->physinfo (hv, &pi) == 0 ? pi.outstanding_pages : 0;

  xp_toolstack_free (ts);
  if (policy->free)
    policy->free (state);
  if (owner)
    g_ptr_array_unref (owner);
  if (!events)
    xp_event_queue_free (q);
  return TRUE;
}

/* ---- reports ------------------------------------------------------------ */

static const char *
affinity_name (XpAffinityKind k)
{
  return k == XP_AFFINITY_HARD ? "hard" : k == XP_AFFINITY_SOFT ? "soft" : "none";
}

static const char *
claim_name (XpClaimKind k)
{
  switch (k)
    {
    case XP_CLAIM_NONE: return "none";
    case XP_CLAIM_HOST: return "host-wide";
    case XP_CLAIM_NODE: return "per-node";
    default: return "toolstack default";
    }
}

static const char *
guest_name (XpGuestType t)
{
  return t == XP_GUEST_PV ? "PV" : t == XP_GUEST_PVH ? "PVH" : "HVM";
}

static void
append_nodes (GString *out, XpNodemask m)
{
  g_autofree char *s = xp_nodemask_format (m);
  g_string_append (out, m ? s : "-");
}

static void
append_request (GString *out, const XpLivePlaceOptions *o)
{
  const XpToolstackParams *t = &o->toolstack;
  g_string_append_printf (out, "request: %u vCPUs, %" G_GUINT64_FORMAT " MiB, %s container; toolstack %s",
                          o->vcpus, o->memory_mib, guest_name (t->guest_type), xp_toolstack_kind_name (t->kind));
  if (t->kind == XP_TOOLSTACK_XENOPSD)
    g_string_append_printf (out, " (%s generation)", t->generation == XP_XENOPSD_OLD ? "old" : "current");
  else
    g_string_append_printf (out, " (claim_mode=%d)", t->claim_mode);
  g_string_append_printf (out, ", video %" G_GUINT64_FORMAT " MiB; policy %s", t->video_mib, o->policy_spec);
  if (o->hard_affinity)
    {
      g_autofree char *cl = xp_cpumask_format (o->hard_affinity);
      g_string_append_printf (out, "; hard affinity CPUs %s", cl);
    }
  g_string_append_c (out, '\n');
}

static void
append_decision (GString *out, const char *who, const XpBuildReport *r)
{
  g_string_append_printf (out, "%sdecision: ", who);
  if (r->decision.placed)
    {
      g_string_append (out, "nodes ");
      append_nodes (out, r->decision.nodes);
      g_string_append_printf (out, ", %s affinity%s, claim %s", affinity_name (r->decision.affinity),
                              r->decision.set_node_affinity ? ", explicit node affinity" : "",
                              claim_name (r->decision.claim));
    }
  else
    g_string_append_printf (out, "no plan (toolstack fallback), claim %s", claim_name (r->decision.claim));
  g_string_append_printf (out, "; claim made: %s (rc %d); vCPU affinity: %s to nodes ", claim_name (r->claim_made),
                          r->claim_rc, affinity_name (r->affinity_kind));
  append_nodes (out, r->affinity_nodes);
  g_string_append_c (out, '\n');
  if (r->built)
    g_string_append_printf (out, "%spopulated: %" G_GUINT64_FORMAT " pages (%" G_GUINT64_FORMAT " x 1 GiB, %"
                            G_GUINT64_FORMAT " x 2 MiB, %" G_GUINT64_FORMAT " x 4 KiB)\n", who,
                            r->pages_populated, r->extents_1g, r->extents_2m, r->pages_4k);
  else
    g_string_append_printf (out, "%sbuild FAILED: %s\n", who, r->failure);
}

static void
append_single (GString *out, const XpBuildReport *r)
{
  append_decision (out, "", r);
  g_string_append_printf (out, "\n%-5s %14s %14s %14s\n", "node", "free before", "domain pages", "free built");
  XpPages total = 0;
  for (guint i = 0; i < r->n_nodes; i++)
    {
      total += r->node_pages[i];
      g_string_append_printf (out, "%-5u %14" G_GUINT64_FORMAT " %14" G_GUINT64_FORMAT " %14" G_GUINT64_FORMAT "\n",
                              i, r->free_before[i], r->node_pages[i], r->built ? r->free_built[i] : 0);
    }
  g_string_append_printf (out, "%-5s %14s %14" G_GUINT64_FORMAT "\n", "total", "", total);
  if (r->node_pages_unknown)
    g_string_append (out, "(the host could not report the domain's pages per node: zeros shown)\n");
  g_string_append_printf (out, "(4 KiB pages; free = numainfo memfree)\n");
}

static void
append_undo (GString *out, const XpBuildReport *r)
{
  if (r->domid == 0)
    g_string_append (out, "no domain was created\n");
  else if (r->destroy_rc < 0)
    g_string_append_printf (out, "destroying domain %u FAILED: %s (run `xenplace live cleanup --yes`)\n", r->domid,
                            g_strerror (-r->destroy_rc));
  else
    g_string_append_printf (out, "domain %u destroyed; host outstanding claims %" G_GUINT64_FORMAT
                            " pages (before the build %" G_GUINT64_FORMAT ")\n",
                            r->domid, r->outstanding_after, r->outstanding_before);
}

static gboolean
report_failed (const XpBuildReport *r, GError **error)
{
  if (!r->built)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "the build on %s failed: %s", r->host, r->failure);
      return TRUE;
    }
  if (r->destroy_rc < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "destroying domain %u on %s: %s", r->domid, r->host,
                   g_strerror (-r->destroy_rc));
      return TRUE;
    }
  return FALSE;
}

gboolean
xp_live_place_command (XpHv *hv, const XpLivePlaceOptions *o, gboolean really, GString *out, GError **error)
{
  if (!xp_live_place_options_check (o, error))
    return FALSE;
  g_autoptr (XpTopology) topo = xp_hv_probe_topology (hv, error);
  if (!topo || !check_affinity (o, topo, error))
    return FALSE;
  g_string_append_printf (out, "host: %s backend, %u nodes, %u CPUs\n", hv->ops->name, topo->n_nodes, topo->n_cpus);
  append_request (out, o);
  XpBuildReport r;
  if (!really)
    {
      g_string_append_printf (out, "dry run: would create a %s domain, run the %s build flow (create, max_vcpus, "
                              "placement by the policy, claim, populate), report its pages per node, then "
                              "destroy it and release its claim. Add --yes to do it.\n",
                              guest_name (o->toolstack.guest_type), xp_toolstack_kind_name (o->toolstack.kind));
      g_autoptr (XpShadow) sh = xp_shadow_new (hv, o->xen_version, error);
      if (!sh)
        return FALSE;
      if (!xp_build_once (sh->hv, sh->topo, o, sh->events, XP_NSEC_PER_SEC, &r, error))
        return FALSE;
      g_string_append (out, "\nmodel prediction (shadow of this host, `xenplace live shadow` compares):\n");
      append_single (out, &r);
      xp_build_report_clear (&r);
      return TRUE;
    }
  if (!xp_build_once (hv, topo, o, NULL, 0, &r, error))
    return FALSE;
  g_string_append_c (out, '\n');
  append_single (out, &r);
  append_undo (out, &r);
  gboolean failed = report_failed (&r, error);
  if (!failed && r.node_pages_unknown)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "domain %u was built but %s could not report its pages per node",
                   r.domid, r.host);
      failed = TRUE;
    }
  xp_build_report_clear (&r);
  return !failed;
}

/* Pages the model put on a node where the real host did not: the larger of
 * the surplus and the deficit summed over nodes (a page moved from one node
 * to another counts once). */
static XpPages
pages_differing (const XpBuildReport *m, const XpBuildReport *r)
{
  XpPages plus = 0, minus = 0;
  for (guint i = 0; i < m->n_nodes; i++)
    if (m->node_pages[i] > r->node_pages[i])
      plus += m->node_pages[i] - r->node_pages[i];
    else
      minus += r->node_pages[i] - m->node_pages[i];
  return MAX (plus, minus);
}

gboolean
xp_live_shadow_command (XpHv *hv, const XpLivePlaceOptions *o, gboolean really, GString *out, XpPages *differs,
                        GError **error)
{
  if (!xp_live_place_options_check (o, error))
    return FALSE;
  /* The shadow is taken before anything changes on the real host. */
  g_autoptr (XpShadow) sh = xp_shadow_new (hv, o->xen_version, error);
  if (!sh || !check_affinity (o, sh->topo, error))
    return FALSE;
  g_string_append_printf (out, "host: %s backend, %u nodes, %u CPUs; shadow: model, Xen %s rules\n", hv->ops->name,
                          sh->topo->n_nodes, sh->topo->n_cpus, o->xen_version ? o->xen_version : "4.17");
  append_request (out, o);
  XpBuildReport m, r;
  /* one simulated second first: the model's scrubber runs, as real Xen's
   * idle CPUs would have (docs/live-results.md, "Scrubbing") */
  if (!xp_build_once (sh->hv, sh->topo, o, sh->events, XP_NSEC_PER_SEC, &m, error))
    return FALSE;
  if (!really)
    {
      g_string_append (out, "\ndry run: the model's build only; add --yes to build on the real host too and "
                            "compare.\n");
      append_single (out, &m);
      xp_build_report_clear (&m);
      return TRUE;
    }
  if (!xp_build_once (hv, sh->topo, o, NULL, 0, &r, error))
    {
      xp_build_report_clear (&m);
      return FALSE;
    }
  g_string_append_c (out, '\n');
  append_decision (out, "model ", &m);
  append_decision (out, "real  ", &r);
  g_string_append_printf (out, "\n%-5s %12s %12s %13s %13s %10s\n", "node", "free model", "free real", "pages model",
                          "pages real", "diff");
  XpPages tm = 0, tr = 0;
  for (guint i = 0; i < m.n_nodes; i++)
    {
      tm += m.node_pages[i];
      tr += r.node_pages[i];
      g_string_append_printf (out, "%-5u %12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT " %13" G_GUINT64_FORMAT " %13"
                              G_GUINT64_FORMAT " %+10" G_GINT64_FORMAT "\n", i, m.free_before[i], r.free_before[i],
                              m.node_pages[i], r.node_pages[i], (gint64) m.node_pages[i] - (gint64) r.node_pages[i]);
    }
  g_string_append_printf (out, "%-5s %12s %12s %13" G_GUINT64_FORMAT " %13" G_GUINT64_FORMAT "\n", "total", "", "", tm,
                          tr);
  XpPages d = pages_differing (&m, &r);
  gboolean unknown = m.node_pages_unknown || r.node_pages_unknown;
  if (unknown)
    g_string_append_printf (out, "verdict: unknown: the %s could not report the domain's pages per node\n",
                            r.node_pages_unknown ? "real host" : "model");
  else if (m.built != r.built)
    g_string_append_printf (out, "verdict: differs: the build %s on the model and %s on the real host\n",
                            m.built ? "succeeded" : "failed", r.built ? "succeeded" : "failed");
  else if (d == 0)
    g_string_append (out, "verdict: identical\n");
  else
    g_string_append_printf (out, "verdict: differs by %" G_GUINT64_FORMAT " pages\n", d);
  if (differs)
    *differs = m.built != r.built ? MAX (d, 1) : d;
  append_undo (out, &r);
  gboolean failed = r.destroy_rc < 0 && report_failed (&r, error);
  if (!failed && unknown)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "no verdict: pages per node unknown on the %s",
                   r.node_pages_unknown ? "real host" : "model");
      failed = TRUE;
    }
  xp_build_report_clear (&m);
  xp_build_report_clear (&r);
  return !failed;
}

/* ---- topology export ------------------------------------------------------ */

gboolean
xp_live_topology_export (const XpTopology *t, const char *path, GString *out, GError **error)
{
  if (g_str_has_suffix (path, ".xml"))
    return xp_topology_export (t, "xml", out, error);
  if (!g_str_has_suffix (path, ".ini"))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: expected a name ending in .ini or .xml", path);
      return FALSE;
    }
  /* "synthetic:DESC; mem=...; dist=...; cpuless=..." -> the .ini keys of
   * the same meaning (synthetic, memory, distances, memory-only) */
  g_autoptr (GString) syn = g_string_new (NULL);
  g_autoptr (GError) local = NULL;
  if (!xp_topology_export (t, "synthetic", syn, &local))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: this host has no .ini form (%s); export to a .xml file",
                   path, local->message);
      return FALSE;
    }
  const char *text = g_str_has_prefix (syn->str, "synthetic:") ? syn->str + 10 : syn->str;
  g_auto (GStrv) parts = g_strsplit (text, ";", -1);
  g_string_append_printf (out, "# Written by xenplace from a Xen host's numainfo and cputopoinfo.\n"
                               "[topology]\nname = %s\ndescription = %s\nsource = %s\nsynthetic = %s\n",
                          t->name ? t->name : "xen", t->description ? t->description : "Xen host",
                          t->source ? t->source : "numainfo+cputopoinfo", g_strstrip (parts[0]));
  for (guint i = 1; parts[i]; i++)
    {
      char *kv = g_strstrip (parts[i]);
      char *eq = strchr (kv, '=');
      if (!eq)
        continue;
      *eq = '\0';
      const char *k = g_strstrip (kv), *v = g_strstrip (eq + 1);
      const char *key = !strcmp (k, "mem") ? "memory" : !strcmp (k, "dist") ? "distances"
                        : !strcmp (k, "cpuless") ? "memory-only" : NULL;
      if (!key)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "%s: synthetic export option '%s' has no .ini key", path, k);
          return FALSE;
        }
      g_string_append_printf (out, "%s = %s\n", key, v);
    }
  for (guint i = 0; t->warnings && t->warnings[i]; i++)
    g_string_append_printf (out, "# note: %s\n", t->warnings[i]);
  return TRUE;
}
