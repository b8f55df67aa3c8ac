/* The shadow model (sim/shadow.c), the probe (sim/hv.c) and the core of
 * `xenplace live place` / `live shadow` (sim/liveplace.c), all without Xen:
 * the "live" host is a model host seen through the model backend, so the
 * same code paths run as on a real dom0. */
#include "config.h"
#include <errno.h>
#include "tests/testutil.h"
#include "sim/hv.h"
#include "sim/liveplace.h"
#include "sim/shadow.h"
#include "sim/xen/xen.h"

/* 2 sockets, one node each, 2 CPUs (cores) per node, 1 GiB per node. */
#define TOPO_2N "synthetic:pack:2 numa:1 core:2 pu:1; mem=1GiB; dist=10,20"
#define NODE_PAGES 262144   /* 1 GiB / 4 KiB */

typedef struct {
  XpTopology *topo;
  XpXen *xen;
  XpHv *hv;
} Host;

/* A model host standing in for the live one. @params: "a=b" assignments. */
static void
host_new (Host *h, const char *topo, const char *const *params)
{
  g_autoptr (GError) err = NULL;
  XpXenBehaviour b;
  XpXenParams p;
  h->topo = xp_topology_load (topo, &err);
  ck_assert_msg (h->topo, "%s", err ? err->message : "");
  ck_assert (xp_xen_behaviour_init (&b, "4.17", &err));
  xp_xen_params_init_defaults (&p);
  for (guint i = 0; params && params[i]; i++)
    ck_assert_msg (xp_xen_params_set (&p, params[i], &err), "%s", err ? err->message : "");
  h->xen = xp_xen_new (h->topo, &b, &p, NULL, &err);
  ck_assert_msg (h->xen, "%s", err ? err->message : "");
  h->hv = xp_hv_model_new (h->xen);
}

static void
host_free (Host *h)
{
  xp_hv_free (h->hv);
  xp_xen_free (h->xen);
  xp_topology_free (h->topo);
}

/* A bare host: no dom0 memory, no pages of Xen's own, no MMIO hole, so every
 * node has all its 262144 pages free except pfn 0 on node 0 (which the
 * heap never gets, as in Xen). */
static const char *const bare[] = { "dom0_mem=0", "xen_pages_per_node=0", "mmio_hole=0", "dom0_vcpus=2", NULL };

static guint32
make_domain (XpHv *hv, XpGuestType type, guint vcpus)
{
  guint32 d = 0;
  ck_assert_int_eq (hv->ops->domain_create (hv, type, vcpus, &d), 0);
  ck_assert_int_eq (hv->ops->max_vcpus (hv, d, vcpus), 0);
  ck_assert_int_eq (hv->ops->setmaxmem (hv, d, G_GUINT64_CONSTANT (8) << 20), 0);
  return d;
}

static XpPages
node_free (XpHv *hv, guint node)
{
  XpNodeMeminfo mem[XP_MAX_NODES];
  guint n = XP_MAX_NODES;
  ck_assert_int_eq (hv->ops->numainfo (hv, &n, mem, NULL), 0);
  ck_assert_uint_lt (node, n);
  return mem[node].memfree_bytes >> XP_PAGE_SHIFT;
}

static guint
n_domains (XpHv *hv)
{
  guint32 ids[64];
  guint n = G_N_ELEMENTS (ids);
  ck_assert_int_eq (hv->ops->domain_list (hv, &n, ids), 0);
  return n;
}

/* ---- probe ------------------------------------------------------------------ */

START_TEST (test_probe_model_roundtrip)
{
  Host h;
  host_new (&h, TOPO_2N, bare);
  g_autoptr (GError) err = NULL;
  g_autoptr (XpTopology) t = xp_hv_probe_topology (h.hv, &err);
  ck_assert_msg (t, "%s", err ? err->message : "");
  /* no hole inside a node: spanned = RAM, the topology reads back equal */
  ck_assert (xp_topology_equal (t, h.topo));
  ck_assert_ptr_null (t->warnings);
  host_free (&h);
}
END_TEST

/* Xen's cputopoinfo numbers cores within a socket: CPUs 0-1 on socket 0
 * and 2-3 on socket 1 both report cores 0 and 1. */
static XpHvOps per_socket_ops;
static const XpHvOps *model_ops;

static int
per_socket_cputopoinfo (XpHv *hv, guint *n, XpCpuTopo *cpus)
{
  int rc = model_ops->cputopoinfo (hv, n, cpus);
  for (guint c = 0; rc == 0 && cpus && c < *n; c++)
    cpus[c].core %= 2;
  return rc;
}

START_TEST (test_probe_core_ids_global)
{
  Host h;
  host_new (&h, TOPO_2N, bare);
  model_ops = h.hv->ops;
  per_socket_ops = *model_ops;
  per_socket_ops.cputopoinfo = per_socket_cputopoinfo;
  h.hv->ops = &per_socket_ops;
  g_autoptr (GError) err = NULL;
  g_autoptr (XpTopology) t = xp_hv_probe_topology (h.hv, &err);
  ck_assert_msg (t, "%s", err ? err->message : "");
  /* (socket 0, core 0/1) -> 0, 1; (socket 1, core 0/1) -> 2, 3 */
  for (guint c = 0; c < 4; c++)
    {
      ck_assert_uint_eq (t->cpus[c].core, c);
      ck_assert_uint_eq (t->cpus[c].thread, 0);
    }
  ck_assert_uint_eq (t->nodes[1].n_cores, 2);
  ck_assert (xp_topology_equal (t, h.topo));
  h.hv->ops = model_ops;
  host_free (&h);
}
END_TEST

/* Default 1 GiB MMIO hole at 3-4 GiB on 4 x 1 GiB nodes: node 3 spans
 * 3-5 GiB, so numainfo's memsize says 2 GiB for 1 GiB of RAM and the sizes
 * add up to 5 x 262144 pages against physinfo's 4 x 262144. */
START_TEST (test_probe_spanned_warning)
{
  Host h;
  static const char *const p[] = { "dom0_mem=0", "xen_pages_per_node=0", NULL };
  host_new (&h, "synthetic:pack:2 numa:2 core:1 pu:1; mem=1GiB", p);
  g_autoptr (GError) err = NULL;
  g_autoptr (XpTopology) t = xp_hv_probe_topology (h.hv, &err);
  ck_assert_msg (t, "%s", err ? err->message : "");
  ck_assert_uint_eq (t->nodes[3].memory_bytes, G_GUINT64_CONSTANT (2) << 30);
  ck_assert_ptr_nonnull (t->warnings);
  ck_assert_msg (strstr (t->warnings[0], "together 1310720 pages, 262144 more"), "%s", t->warnings[0]);
  host_free (&h);
}
END_TEST

START_TEST (test_export_ini_roundtrip)
{
  Host h;
  host_new (&h, TOPO_2N, bare);
  g_autoptr (GError) err = NULL;
  g_autoptr (XpTopology) t = xp_hv_probe_topology (h.hv, &err);
  g_autoptr (GString) ini = g_string_new (NULL);
  ck_assert_msg (xp_live_topology_export (t, "host.ini", ini, &err), "%s", err ? err->message : "");
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *path = xp_test_write (dir, "host.ini", ini->str);
  g_autoptr (XpTopology) back = xp_topology_load_ini (path, &err);
  ck_assert_msg (back, "%s\n%s", err ? err->message : "", ini->str);
  ck_assert (xp_topology_equal (back, h.topo));
  g_autoptr (GString) xml = g_string_new (NULL);
  ck_assert (xp_live_topology_export (t, "host.xml", xml, &err));
  ck_assert (strstr (xml->str, "<topology"));
  ck_assert (!xp_live_topology_export (t, "host.txt", xml, &err));
  xp_assert_error_contains (err, "host.txt: expected a name ending in .ini or .xml");
  xp_test_rmtree (dir);
  host_free (&h);
}
END_TEST

/* ---- shadow initialisation ------------------------------------------------ */

START_TEST (test_shadow_free_equal)
{
  Host h;
  static const char *const p[] = { "dom0_mem=256MiB", "dom0_vcpus=2", NULL };
  host_new (&h, TOPO_2N, p);
  XpHv *hv = h.hv;
  /* A: hard affinity to node 1's CPUs (2-3), 16 x 2 MiB; B: a claim of
   * 10000 pages; C: 1000 pages exact on node 0. */
  guint32 a = make_domain (hv, XP_GUEST_PV, 2), b = make_domain (hv, XP_GUEST_PV, 1), c = make_domain (hv, XP_GUEST_HVM, 1);
  for (guint v = 0; v < 2; v++)
    {
      XpCpumask m;
      xp_cpumask_clear (&m);
      xp_cpumask_set (&m, 2);
      xp_cpumask_set (&m, 3);
      ck_assert_int_eq (hv->ops->vcpu_setaffinity (hv, a, v, &m, NULL), 0);
    }
  ck_assert_int_eq (hv->ops->populate_physmap (hv, a, 16, XP_ORDER_2M, 0), 16);
  ck_assert_int_eq (hv->ops->claim_pages (hv, b, 10000), 0);
  ck_assert_int_eq (hv->ops->populate_physmap (hv, c, 1000, XP_ORDER_4K, XP_XENMEMF_exact_node (0)), 1000);

  g_autoptr (GError) err = NULL;
  g_autoptr (XpShadow) sh = xp_shadow_new (hv, NULL, &err);
  ck_assert_msg (sh, "%s", err ? err->message : "");
  for (guint n = 0; n < 2; n++)
    ck_assert_uint_eq (node_free (sh->hv, n), node_free (hv, n));
  XpPhysinfo pr, ps;
  ck_assert_int_eq (hv->ops->physinfo (hv, &pr), 0);
  ck_assert_int_eq (sh->hv->ops->physinfo (sh->hv, &ps), 0);
  ck_assert_uint_eq (ps.free_pages, pr.free_pages);
  ck_assert_uint_eq (ps.outstanding_pages, 10000);
  /* same domains under the same ids, same vCPUs, affinities and claims */
  ck_assert_uint_eq (n_domains (sh->hv), 4);
  guint32 ids[] = { 0, a, b, c };
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      XpDomainInfo ir, is;
      ck_assert_int_eq (hv->ops->domain_getinfo (hv, ids[i], &ir), 0);
      ck_assert_int_eq (sh->hv->ops->domain_getinfo (sh->hv, ids[i], &is), 0);
      ck_assert_uint_eq (is.n_vcpus, ir.n_vcpus);
      ck_assert_uint_eq (is.outstanding_pages, ir.outstanding_pages);
      XpNodemask nr, ns;
      ck_assert_int_eq (hv->ops->node_getaffinity (hv, ids[i], &nr), 0);
      ck_assert_int_eq (sh->hv->ops->node_getaffinity (sh->hv, ids[i], &ns), 0);
      ck_assert_uint_eq (ns & 3, nr & 3);
      for (guint v = 0; v < ir.n_vcpus; v++)
        {
          XpCpumask hr, sr, hs, ss;
          ck_assert_int_eq (hv->ops->vcpu_getaffinity (hv, ids[i], v, &hr, &sr), 0);
          ck_assert_int_eq (sh->hv->ops->vcpu_getaffinity (sh->hv, ids[i], v, &hs, &ss), 0);
          ck_assert (xp_cpumask_equal (&hs, &hr));
          ck_assert (xp_cpumask_equal (&ss, &sr));
        }
    }
  /* A's node affinity follows its hard affinity: node 1 only */
  XpNodemask na;
  ck_assert_int_eq (sh->hv->ops->node_getaffinity (sh->hv, a, &na), 0);
  ck_assert_uint_eq (na & 3, 0x2);
  host_free (&h);
}
END_TEST

/* By hand: a bare host has 262143 pages free on node 0 (pfn 0 is never
 * handed to the heap) and 262144 on node 1; 4096 pages exact on node 0
 * leave 258047 there. The shadow has exactly these. */
START_TEST (test_shadow_free_by_hand)
{
  Host h;
  host_new (&h, TOPO_2N, bare);
  guint32 d = make_domain (h.hv, XP_GUEST_PV, 1);
  ck_assert_int_eq (h.hv->ops->populate_physmap (h.hv, d, 4096, XP_ORDER_4K, XP_XENMEMF_exact_node (0)), 4096);
  g_autoptr (GError) err = NULL;
  g_autoptr (XpShadow) sh = xp_shadow_new (h.hv, "4.17", &err);
  ck_assert_msg (sh, "%s", err ? err->message : "");
  ck_assert_uint_eq (node_free (sh->hv, 0), NODE_PAGES - 1 - 4096);
  ck_assert_uint_eq (node_free (sh->hv, 1), NODE_PAGES);
  ck_assert_uint_eq (xp_heap_check_invariants (sh->xen, NULL), TRUE);
  host_free (&h);
}
END_TEST

START_TEST (test_shadow_node_too_small)
{
  Host h;
  host_new (&h, TOPO_2N, bare);
  g_autoptr (GError) err = NULL;
  g_autoptr (XpTopology) small = xp_topology_load ("synthetic:pack:2 numa:1 core:2 pu:1; mem=512MiB; dist=10,20", &err);
  XpXenBehaviour b;
  xp_xen_behaviour_init (&b, "4.17", NULL);
  XpXen *x = xp_shadow_new_from_hv (h.hv, small, &b, NULL, &err);
  ck_assert_ptr_null (x);
  /* node 0 of the source has 262143 pages free; the 512 MiB node holds 131071 */
  xp_assert_error_contains (err, "node 0: the source has 262143 pages free, more than the model's node holds (131071 pages)");
  host_free (&h);
}
END_TEST

/* ---- one build, place and shadow commands ------------------------------ */

static void
opts (XpLivePlaceOptions *o, const char *policy, guint64 mib)
{
  xp_live_place_options_init (o, XP_TOOLSTACK_XL);
  o->policy_spec = policy;
  o->memory_mib = mib;
  o->vcpus = 1;
  o->toolstack.guest_type = XP_GUEST_PV;
}

/* worst-fit on a bare host whose node 0 lost 4096 pages: node 1 has the
 * most free, so the VM's soft affinity (hence node affinity) is node 1.
 * 256 MiB, video=0: xl claims 65536 - 32 (VGA hole) pages and populates
 * the 65536 - 32 pages of the guest's RAM map, all on node 1. */
START_TEST (test_build_once_model)
{
  Host h;
  host_new (&h, TOPO_2N, bare);
  guint32 d = make_domain (h.hv, XP_GUEST_PV, 1);
  ck_assert_int_eq (h.hv->ops->populate_physmap (h.hv, d, 4096, XP_ORDER_4K, XP_XENMEMF_exact_node (0)), 4096);
  XpLivePlaceOptions o;
  opts (&o, "worst-fit", 256);
  XpBuildReport r;
  g_autoptr (GError) err = NULL;
  ck_assert_msg (xp_build_once (h.hv, h.topo, &o, NULL, 0, &r, &err), "%s", err ? err->message : "");
  ck_assert_msg (r.built, "%s", r.failure);
  ck_assert (r.decision.placed);
  ck_assert_uint_eq (r.decision.nodes, 0x2);
  ck_assert_int_eq (r.claim_made, XP_CLAIM_HOST);
  ck_assert_uint_eq (r.node_pages[0], 0);
  ck_assert_uint_eq (r.node_pages[1], 65536 - 32);
  ck_assert_uint_eq (r.pages_populated, 65536 - 32);
  ck_assert_uint_eq (r.free_before[1], NODE_PAGES);
  ck_assert_uint_eq (r.free_built[1], NODE_PAGES - (65536 - 32));
  /* undone: the domain is gone, no claim is left */
  ck_assert_int_eq (r.destroy_rc, 0);
  ck_assert_uint_eq (r.outstanding_after, 0);
  ck_assert_uint_eq (n_domains (h.hv), 2);
  ck_assert_uint_eq (node_free (h.hv, 1), NODE_PAGES);
  xp_build_report_clear (&r);
  host_free (&h);
}
END_TEST

START_TEST (test_place_command)
{
  Host h;
  host_new (&h, TOPO_2N, bare);
  XpLivePlaceOptions o;
  opts (&o, "best-fit", 128);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) err = NULL;
  /* dry run: the shadow's prediction, nothing on the host changes */
  ck_assert_msg (xp_live_place_command (h.hv, &o, FALSE, out, &err), "%s", err ? err->message : "");
  ck_assert_msg (strstr (out->str, "dry run: would create a PV domain"), "%s", out->str);
  ck_assert (strstr (out->str, "model prediction"));
  ck_assert_uint_eq (n_domains (h.hv), 1);
  ck_assert_uint_eq (node_free (h.hv, 0), NODE_PAGES - 1);
  /* for real: best-fit takes the tighter node 0 (262143 < 262144 free);
   * 128 MiB = 32768 pages, 32768 - 32 populated there */
  g_string_truncate (out, 0);
  ck_assert_msg (xp_live_place_command (h.hv, &o, TRUE, out, &err), "%s", err ? err->message : "");
  ck_assert_msg (strstr (out->str, "decision: nodes 0, soft affinity"), "%s", out->str);
  ck_assert_msg (g_regex_match_simple ("\n0 +262143 +32736 +229407\n1 +262144 +0 +262144\n", out->str, 0, 0), "%s",
                 out->str);
  ck_assert_msg (strstr (out->str, "domain 1 destroyed; host outstanding claims 0 pages"), "%s", out->str);
  ck_assert_uint_eq (n_domains (h.hv), 1);
  host_free (&h);
}
END_TEST

START_TEST (test_place_command_errors)
{
  Host h;
  host_new (&h, TOPO_2N, bare);
  XpLivePlaceOptions o;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) err = NULL;
  opts (&o, "no-such-policy", 128);
  ck_assert (!xp_live_place_command (h.hv, &o, TRUE, out, &err));
  xp_assert_error_contains (err, "no-such-policy");
  ck_assert_uint_eq (n_domains (h.hv), 1);
  g_clear_error (&err);
  /* 4 GiB on a 2 GiB host: xl's claim fails with ENOMEM; the domain is
   * destroyed and nothing stays claimed */
  opts (&o, "none", 4096);
  ck_assert (!xp_live_place_command (h.hv, &o, TRUE, out, &err));
  xp_assert_error_contains (err, "the build on model failed: claim of");
  ck_assert_msg (strstr (out->str, "build FAILED"), "%s", out->str);
  ck_assert_uint_eq (n_domains (h.hv), 1);
  XpPhysinfo pi;
  ck_assert_int_eq (h.hv->ops->physinfo (h.hv, &pi), 0);
  ck_assert_uint_eq (pi.outstanding_pages, 0);
  ck_assert_uint_eq (pi.free_pages, 2 * NODE_PAGES - 1);
  g_clear_error (&err);
  opts (&o, "none", 128);
  o.vcpus = 0;
  ck_assert (!xp_live_place_command (h.hv, &o, TRUE, out, &err));
  xp_assert_error_contains (err, "--vcpus: 0 is outside 1..512");
  host_free (&h);
}
END_TEST

/* A host that cannot tell pages per node (on real Xen: the console ring
 * lost the 'u' dump): the build is reported, the domain still destroyed,
 * and the command fails instead of showing zeros as a result. */
static XpHvOps no_node_pages_ops;

static int
no_node_pages (XpHv *hv, guint32 domid, guint n, XpPages *pages)
{
  return -EOVERFLOW;
}

START_TEST (test_place_node_pages_unknown)
{
  Host h;
  host_new (&h, TOPO_2N, bare);
  const XpHvOps *orig = h.hv->ops;
  no_node_pages_ops = *orig;
  no_node_pages_ops.domain_node_pages = no_node_pages;
  h.hv->ops = &no_node_pages_ops;
  XpLivePlaceOptions o;
  opts (&o, "worst-fit", 64);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) err = NULL;
  ck_assert (!xp_live_place_command (h.hv, &o, TRUE, out, &err));
  xp_assert_error_contains (err, "could not report its pages per node");
  ck_assert_msg (strstr (out->str, "zeros shown"), "%s", out->str);
  g_clear_error (&err);
  XpPages differs = 0;
  ck_assert (!xp_live_shadow_command (h.hv, &o, TRUE, out, &differs, &err));
  xp_assert_error_contains (err, "no verdict: pages per node unknown on the real host");
  ck_assert_uint_eq (n_domains (h.hv), 1);
  h.hv->ops = orig;
  host_free (&h);
}
END_TEST

/* The user's hard affinity (xl cpus=2-3, node 1's CPUs) with no placement:
 * xl sets it per vCPU after placement, auto node affinity follows it to
 * {1}, and all 32768 - 32 guest pages of 128 MiB land on node 1. A CPU the
 * host lacks is refused before anything is created. */
START_TEST (test_place_hard_affinity)
{
  Host h;
  host_new (&h, TOPO_2N, bare);
  XpLivePlaceOptions o;
  opts (&o, "none", 128);
  XpCpumask hard;
  const char *why = NULL;
  ck_assert (xp_cpumask_parse ("2-3", &hard, &why));
  o.hard_affinity = &hard;
  XpBuildReport r;
  g_autoptr (GError) err = NULL;
  ck_assert_msg (xp_build_once (h.hv, h.topo, &o, NULL, 0, &r, &err), "%s", err ? err->message : "");
  ck_assert_msg (r.built, "%s", r.failure);
  ck_assert_uint_eq (r.node_pages[0], 0);
  ck_assert_uint_eq (r.node_pages[1], 32768 - 32);
  xp_build_report_clear (&r);
  g_autoptr (GString) out = g_string_new (NULL);
  ck_assert (xp_live_place_command (h.hv, &o, TRUE, out, &err));
  ck_assert_msg (strstr (out->str, "hard affinity CPUs 2-3"), "%s", out->str);
  ck_assert (xp_cpumask_parse ("3,9", &hard, &why));
  ck_assert (!xp_live_place_command (h.hv, &o, TRUE, out, &err));
  xp_assert_error_contains (err, "--hard-affinity: CPU 9 does not exist on this host (4 CPUs)");
  g_clear_error (&err);
  ck_assert (!xp_live_shadow_command (h.hv, &o, TRUE, out, NULL, &err));
  xp_assert_error_contains (err, "CPU 9 does not exist");
  ck_assert_uint_eq (n_domains (h.hv), 1);
  host_free (&h);
}
END_TEST

/* The shadow of a clean host places like the host itself. */
START_TEST (test_shadow_command_identical)
{
  static const char *const p[] = { "dom0_mem=256MiB", "dom0_vcpus=2", NULL };
  const char *policies[] = { "none", "worst-fit", "xenopsd" };
  for (guint k = 0; k < G_N_ELEMENTS (policies); k++)
    for (guint ts = 0; ts < 2; ts++)
      {
        Host h;
        host_new (&h, TOPO_2N, p);
        guint32 d = make_domain (h.hv, XP_GUEST_PV, 1);
        ck_assert_int_eq (h.hv->ops->populate_physmap (h.hv, d, 100, XP_ORDER_2M, XP_XENMEMF_exact_node (1)), 100);
        XpLivePlaceOptions o;
        opts (&o, policies[k], 300);
        xp_toolstack_params_init (&o.toolstack, ts ? XP_TOOLSTACK_XENOPSD : XP_TOOLSTACK_XL);
        o.toolstack.video_mib = 0;
        o.toolstack.guest_type = XP_GUEST_HVM;
        o.vcpus = 2;
        g_autoptr (GString) out = g_string_new (NULL);
        g_autoptr (GError) err = NULL;
        XpPages differs = 99;
        ck_assert_msg (xp_live_shadow_command (h.hv, &o, TRUE, out, &differs, &err), "%s", err ? err->message : "");
        ck_assert_msg (differs == 0 && strstr (out->str, "verdict: identical"), "%s / %u\n%s", policies[k], ts, out->str);
        ck_assert_uint_eq (n_domains (h.hv), 2);
        host_free (&h);
      }
}
END_TEST

/* What the shadow cannot copy: fragmentation. Node 1 of the host is
 * filled by two domains in alternating 1 MiB turns and one of them
 * destroyed: half of node 1 is free, in 1 MiB pieces, no 2 MiB block.
 * Node 0 is mostly taken, so worst-fit picks node 1. The host's 2 MiB
 * extents cannot be on node 1 and go to node 0; the shadow, whose node 1
 * is free in large blocks, keeps them on node 1. */
START_TEST (test_shadow_command_differs)
{
  Host h;
  host_new (&h, TOPO_2N, bare);
  XpHv *hv = h.hv;
  guint32 x = make_domain (hv, XP_GUEST_PV, 1), y = make_domain (hv, XP_GUEST_PV, 1), z = make_domain (hv, XP_GUEST_PV, 1);
  for (guint turn = 0; turn < NODE_PAGES / 256; turn++)
    ck_assert_int_eq (hv->ops->populate_physmap (hv, turn % 2 ? y : x, 256, XP_ORDER_4K, XP_XENMEMF_exact_node (1)), 256);
  ck_assert_int_eq (hv->ops->domain_destroy (hv, y), 0);
  ck_assert_int_eq (hv->ops->populate_physmap (hv, z, 300, XP_ORDER_2M, XP_XENMEMF_exact_node (0)), 300);
  XpLivePlaceOptions o;
  opts (&o, "worst-fit", 64);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) err = NULL;
  XpPages differs = 0;
  ck_assert_msg (xp_live_shadow_command (hv, &o, TRUE, out, &differs, &err), "%s", err ? err->message : "");
  ck_assert_msg (strstr (out->str, "decision: nodes 1"), "%s", out->str);
  /* 64 MiB, video=0: 16384 - 32 (VGA hole) pages; the first 2 MiB holds
   * the hole, so 480 x 4 KiB and 31 x 2 MiB. Every 2 MiB extent is on
   * node 0 on the host and on node 1 in the shadow: 31 x 512 pages. */
  ck_assert_msg (differs == 31 * 512 && strstr (out->str, "verdict: differs by 15872 pages"), "%s", out->str);
  host_free (&h);
}
END_TEST

Suite *
xp_test_shadow_suite (void)
{
  Suite *s = suite_create ("shadow");
  TCase *tc = tcase_create ("core");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_probe_model_roundtrip);
  tcase_add_test (tc, test_probe_core_ids_global);
  tcase_add_test (tc, test_probe_spanned_warning);
  tcase_add_test (tc, test_export_ini_roundtrip);
  tcase_add_test (tc, test_shadow_free_equal);
  tcase_add_test (tc, test_shadow_free_by_hand);
  tcase_add_test (tc, test_shadow_node_too_small);
  tcase_add_test (tc, test_build_once_model);
  tcase_add_test (tc, test_place_command);
  tcase_add_test (tc, test_place_command_errors);
  tcase_add_test (tc, test_place_node_pages_unknown);
  tcase_add_test (tc, test_place_hard_affinity);
  tcase_add_test (tc, test_shadow_command_identical);
  tcase_add_test (tc, test_shadow_command_differs);
  suite_add_tcase (s, tc);
  return s;
}
