/* xp-live-check — runs in a Xen dom0 (under QEMU in `make check-live`):
 * the conformance suite against real Xen through the live backend, then
 * scripted placement scenarios that print per-node page counts.
 *
 * Output is line-oriented for the serial log: "LIVE-CONF <case> PASS|FAIL|SKIP",
 * "LIVE-INFO ...", "LIVE-SCEN <scenario> <what> nodes=[p0 p1 ...]" and a final
 * "LIVE-RESULT pass=N fail=M skip=K". Exit status 0 when nothing failed.
 *
 * `xp-live-check [--type pv|pvh|hvm] [CASE|all]` forces the container type
 * (default: PVH where the host can, else PV).
 * `xp-live-check --model 2node|4node` runs the same cases and scenarios on
 * the model backend, booted with the shape of check-live's QEMU machines
 * (1 GiB and 2 CPUs per node, the same SLIT, 512 MiB and 2 vCPUs of dom0):
 * the model's prediction to set beside the real run. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/live/hv_live.h"
#include "sim/xen/xen.h"
#include "tests/conformance.h"

#ifndef XP_XENMEMF_exact_node
#define XP_XENMEMF_node(n)            ((((guint) (n) + 1) & 0xff) << 8)
#define XP_XENMEMF_exact_node_request (1u << 17)
#define XP_XENMEMF_exact_node(n)      (XP_XENMEMF_node (n) | XP_XENMEMF_exact_node_request)
#endif

static guint n_nodes;
/* Model mode: the simulated host and its clock. */
static XpXen *model_xen;
static XpEventQueue *model_q;
static XpCpumask node_cpus[XP_MAX_NODES];

static void
print_host (XpHv *hv)
{
  XpPhysinfo pi;
  XpNodeMeminfo mem[XP_MAX_NODES];
  guint dist[XP_MAX_NODES * XP_MAX_NODES];
  g_autofree XpCpuTopo *cpus = g_new0 (XpCpuTopo, XP_MAX_CPUS);
  guint nc = XP_MAX_CPUS;
  n_nodes = XP_MAX_NODES;
  if (hv->ops->physinfo (hv, &pi) < 0 || hv->ops->numainfo (hv, &n_nodes, mem, dist) < 0
      || hv->ops->cputopoinfo (hv, &nc, cpus) < 0)
    {
      printf ("LIVE-INFO cannot read the host\n");
      return;
    }
  printf ("LIVE-INFO physinfo nr_cpus=%u nr_nodes=%u total_pages=%" G_GUINT64_FORMAT " free_pages=%"
          G_GUINT64_FORMAT " outstanding=%" G_GUINT64_FORMAT " hvm=%d\n", pi.nr_cpus, pi.nr_nodes,
          pi.total_pages, pi.free_pages, pi.outstanding_pages, xp_hv_is_live (hv) && xp_hv_live_can_hvm (hv));
  for (guint i = 0; i < nc; i++)
    if (cpus[i].node < XP_MAX_NODES)
      xp_cpumask_set (&node_cpus[cpus[i].node], i);
  for (guint n = 0; n < n_nodes; n++)
    {
      g_autofree char *cl = xp_cpumask_format (&node_cpus[n]);
      printf ("LIVE-INFO node %u memsize=%" G_GUINT64_FORMAT "MiB memfree=%" G_GUINT64_FORMAT "MiB cpus=%s dist=",
              n, mem[n].memsize_bytes >> 20, mem[n].memfree_bytes >> 20, cl);
      for (guint m = 0; m < n_nodes; m++)
        printf ("%u%s", dist[n * n_nodes + m], m + 1 < n_nodes ? "," : "\n");
    }
}

/* ---- scenarios ----------------------------------------------------------- */

typedef struct {
  XpHv *hv;
  XpGuestType type;
  guint32 doms[4];
  guint n_doms;
  gboolean failed;
} Scen;

static int
scen_create (Scen *s, guint vcpus, guint32 *d)
{
  *d = 0;                       /* any domid */
  int rc = s->hv->ops->domain_create (s->hv, s->type, vcpus, d);
  if (rc < 0)
    return rc;
  s->doms[s->n_doms++] = *d;
  if ((rc = s->hv->ops->max_vcpus (s->hv, *d, vcpus)) < 0)
    return rc;
  if (s->type != XP_GUEST_PV && (rc = s->hv->ops->set_paging_mempool (s->hv, *d, 256)) < 0)
    return rc;
  return s->hv->ops->setmaxmem (s->hv, *d, G_GUINT64_CONSTANT (64) << 20);   /* 64 GiB in KiB */
}

static void
scen_cleanup (Scen *s)
{
  while (s->n_doms)
    s->hv->ops->domain_destroy (s->hv, s->doms[--s->n_doms]);
}

static void
scen_print_free (Scen *s, const char *name, const char *what)
{
  XpNodeMeminfo mem[XP_MAX_NODES];
  guint n = n_nodes;
  if (s->hv->ops->numainfo (s->hv, &n, mem, NULL) < 0)
    return;
  printf ("LIVE-SCEN %s %s free_pages=[", name, what);
  for (guint i = 0; i < n; i++)
    printf ("%s%" G_GUINT64_FORMAT, i ? " " : "", mem[i].memfree_bytes >> XP_PAGE_SHIFT);
  printf ("]\n");
}

static void
scen_print_dom (Scen *s, const char *name, const char *what, guint32 d, gint64 done)
{
  XpPages pages[XP_MAX_NODES];
  int rc = s->hv->ops->domain_node_pages (s->hv, d, n_nodes, pages);
  if (rc < 0)
    {
      printf ("LIVE-SCEN %s %s node_pages failed: %s\n", name, what, g_strerror (-rc));
      s->failed = TRUE;
      return;
    }
  printf ("LIVE-SCEN %s %s done=%" G_GINT64_FORMAT " nodes=[", name, what, done);
  for (guint i = 0; i < n_nodes; i++)
    printf ("%s%" G_GUINT64_FORMAT, i ? " " : "", pages[i]);
  printf ("]\n");
}

#define S_CHECK(expr)                                                           \
  do {                                                                          \
    int _rc = (int) (expr);                                                     \
    if (_rc < 0)                                                                \
      {                                                                         \
        printf ("LIVE-SCEN %s error: %s: %s\n", name, #expr, g_strerror (-_rc)); \
        s->failed = TRUE;                                                       \
        goto out;                                                               \
      }                                                                         \
  } while (0)

/* Between scenarios: on real Xen the idle pCPUs scrub the pages the last
 * scenario freed within milliseconds (the program waits for nothing). The
 * model scrubs as a function of simulated time, so let one second pass,
 * else 2 MiB requests avoid the still-dirty nodes (clean-first pass). */
static void
scen_settle (const char *name)
{
  if (!model_xen)
    return;
  printf ("LIVE-SCEN %s model_dirty_before_settle=[", name);
  for (guint n = 0; n < n_nodes; n++)
    printf ("%s%" G_GUINT64_FORMAT, n ? " " : "", xp_heap_node_need_scrub (model_xen, n));
  printf ("]\n");
  xp_event_run_until (model_q, xp_event_queue_now (model_q) + XP_NSEC_PER_SEC);
  xp_heap_scrub_advance (model_xen);
}

/* 64 MiB in 2 MiB extents, no affinity (automatic = all nodes). */
static void
scen_fresh (Scen *s)
{
  const char *name = "fresh";
  scen_settle (name);
  guint32 d;
  scen_print_free (s, name, "before");
  S_CHECK (scen_create (s, 2, &d));
  gint64 done = s->hv->ops->populate_physmap (s->hv, d, 32, 9, 0);
  scen_print_dom (s, name, "32x2MiB", d, done);
out:
  scen_cleanup (s);
}

/* vCPU hard affinity to the last node's CPUs, 64 MiB in 2 MiB extents. */
static void
scen_affinity_one_node (Scen *s)
{
  const char *name = "affinity_one_node";
  scen_settle (name);
  guint32 d;
  guint k = n_nodes - 1;
  S_CHECK (scen_create (s, 2, &d));
  for (guint v = 0; v < 2; v++)
    {
      XpCpumask hard = node_cpus[k];
      S_CHECK (s->hv->ops->vcpu_setaffinity (s->hv, d, v, &hard, NULL));
    }
  XpNodemask aff = 0;
  S_CHECK (s->hv->ops->node_getaffinity (s->hv, d, &aff));
  printf ("LIVE-SCEN %s hard=node%u node_affinity=0x%" G_GINT64_MODIFIER "x\n", name, k, aff);
  gint64 done = s->hv->ops->populate_physmap (s->hv, d, 32, 9, 0);
  scen_print_dom (s, name, "32x2MiB", d, done);
out:
  scen_cleanup (s);
}

/* Explicit node affinity {0,1}: per-extent round robin. */
static void
scen_two_nodes_striped (Scen *s)
{
  const char *name = "two_nodes_striped";
  scen_settle (name);
  guint32 d;
  S_CHECK (scen_create (s, 2, &d));
  S_CHECK (s->hv->ops->node_setaffinity (s->hv, d, xp_nodemask_of (0) | xp_nodemask_of (1)));
  gint64 done = s->hv->ops->populate_physmap (s->hv, d, 32, 9, 0);
  scen_print_dom (s, name, "32x2MiB", d, done);
  done = s->hv->ops->populate_physmap (s->hv, d, 1024, 0, 0);
  scen_print_dom (s, name, "+1024x4KiB", d, done);
out:
  scen_cleanup (s);
}

/* A claims all but 32 MiB; B (no claim) asks for 64 MiB and gets the rest. */
static void
scen_claims_blocking (Scen *s)
{
  const char *name = "claims_blocking";
  scen_settle (name);
  guint32 a, b;
  XpPhysinfo pi;
  S_CHECK (scen_create (s, 1, &a));
  S_CHECK (scen_create (s, 1, &b));
  S_CHECK (s->hv->ops->physinfo (s->hv, &pi));
  XpPages claim = pi.free_pages - pi.outstanding_pages - 8192;
  S_CHECK (s->hv->ops->claim_pages (s->hv, a, claim));
  S_CHECK (s->hv->ops->physinfo (s->hv, &pi));
  printf ("LIVE-SCEN %s A_claim=%" G_GUINT64_FORMAT " free=%" G_GUINT64_FORMAT " outstanding=%" G_GUINT64_FORMAT "\n",
          name, claim, pi.free_pages, pi.outstanding_pages);
  gint64 done = s->hv->ops->populate_physmap (s->hv, b, 16384, 0, 0);
  scen_print_dom (s, name, "B_16384x4KiB", b, done);
  done = s->hv->ops->populate_physmap (s->hv, a, 32, 9, 0);
  scen_print_dom (s, name, "A_32x2MiB", a, done);
out:
  scen_cleanup (s);
}

/* Fill node 0 with two domains' 1 MiB chunks in turn, destroy one: node 0
 * keeps about half its memory free but no free 2 MiB block. Then a domain
 * with node affinity {0} populates 2 MiB extents (spill expected) and
 * 4 KiB pages (node 0 expected). */
static void
scen_fragmented_node (Scen *s)
{
  const char *name = "fragmented_node";
  guint32 x, y, z;
  if (n_nodes < 2)
    return;
  scen_settle (name);
  S_CHECK (scen_create (s, 1, &x));
  S_CHECK (scen_create (s, 1, &y));
  guint rounds = 0;
  for (;;)
    {
      gint64 a = s->hv->ops->populate_physmap (s->hv, x, 256, 0, XP_XENMEMF_exact_node (0));
      gint64 b = s->hv->ops->populate_physmap (s->hv, y, 256, 0, XP_XENMEMF_exact_node (0));
      rounds++;
      if (a < 256 || b < 256 || rounds > 8192)
        break;
    }
  scen_print_free (s, name, "node0_full");
  /* y is the last domain created: take it off the list, then destroy. */
  s->n_doms--;
  S_CHECK (s->hv->ops->domain_destroy (s->hv, y));
  scen_print_free (s, name, "after_destroy_y");
  S_CHECK (scen_create (s, 1, &z));
  S_CHECK (s->hv->ops->node_setaffinity (s->hv, z, xp_nodemask_of (0)));
  gint64 done = s->hv->ops->populate_physmap (s->hv, z, 16, 9, 0);
  scen_print_dom (s, name, "Z_16x2MiB", z, done);
  done = s->hv->ops->populate_physmap (s->hv, z, 4096, 0, 0);
  scen_print_dom (s, name, "Z_+4096x4KiB", z, done);
out:
  scen_cleanup (s);
}

/* The QEMU machines of run-check-live.sh as a topology. */
static XpTopology *
qemu_topology (guint n)
{
  static const guint d4[16] = { 10, 16, 22, 22, 16, 10, 22, 22, 22, 22, 10, 16, 22, 22, 16, 10 };
  XpTopology *t = g_new0 (XpTopology, 1);
  t->name = g_strdup_printf ("qemu-%unode", n);
  t->n_nodes = n;
  t->nodes = g_new0 (XpNode, n);
  t->n_cpus = 2 * n;
  t->cpus = g_new0 (XpCpu, 2 * n);
  t->n_sockets = n == 4 ? 2 : n;
  t->distance = g_new (guint, n * n);
  for (guint i = 0; i < n; i++)
    {
      t->nodes[i] = (XpNode) { .id = i, .memory_bytes = G_GUINT64_CONSTANT (1) << 30, .n_cpus = 2, .n_cores = 2,
                               .cpus = g_new (guint, 2) };
      for (guint c = 0; c < 2; c++)
        {
          guint id = 2 * i + c;
          t->nodes[i].cpus[c] = id;
          t->cpus[id] = (XpCpu) { .id = id, .node = i, .socket = n == 4 ? i / 2 : i, .core = id };
        }
      for (guint j = 0; j < n; j++)
        t->distance[i * n + j] = n == 4 ? d4[i * 4 + j] : i == j ? 10 : 20;
    }
  return t;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  XpHv *hv;
  XpXen *xen = NULL;
  XpTopology *topo = NULL;
  const char *force_type = NULL;
  if (argc > 2 && strcmp (argv[1], "--type") == 0)
    {
      force_type = argv[2];
      argv += 2;
      argc -= 2;
    }
  if (argc > 2 && strcmp (argv[1], "--model") == 0)
    {
      guint n = strcmp (argv[2], "4node") == 0 ? 4 : 2;
      XpXenBehaviour b;
      XpXenParams p;
      topo = qemu_topology (n);
      xp_xen_params_init_defaults (&p);
      if (!xp_xen_behaviour_init (&b, "4.17", &error) || !xp_xen_params_set (&p, "dom0_mem=512MiB", &error)
          || !xp_xen_params_set (&p, "dom0_vcpus=2", &error)
          || !(xen = xp_xen_new (topo, &b, &p, model_q = xp_event_queue_new (), &error)))
        {
          printf ("LIVE-RESULT error: %s\n", error->message);
          return 2;
        }
      hv = xp_hv_model_new (xen);
      model_xen = xen;
      argv += 2;
      argc -= 2;
      printf ("LIVE-INFO model backend, Xen 4.17 rules, %u nodes\n", n);
    }
  else if (!(hv = xp_hv_live_new (&error)))
    {
      printf ("LIVE-RESULT error: %s\n", error->message);
      return 2;
    }
  print_host (hv);

  /* Leftovers of an earlier, interrupted run are ours to remove. */
  guint32 tagged[64];
  guint nt = G_N_ELEMENTS (tagged);
  if (xp_hv_is_live (hv) && xp_hv_live_tagged_domains (hv, &nt, tagged) == 0)
    for (guint i = 0; i < MIN (nt, G_N_ELEMENTS (tagged)); i++)
      {
        printf ("LIVE-INFO destroying leftover tagged domain %u\n", tagged[i]);
        hv->ops->domain_destroy (hv, tagged[i]);
      }

  /* PVH containers where the host can run them (needs VMX/SVM; the
   * physinfo hvm capability alone is not enough under QEMU TCG), else PV. */
  XpConfOptions opt = { .type = XP_GUEST_PV, .slack_pages = xp_hv_is_live (hv) ? 256 : 0 };
  if (force_type)
    {
      if (strcmp (force_type, "hvm") == 0)
        opt.type = XP_GUEST_HVM;
      else if (strcmp (force_type, "pvh") == 0)
        opt.type = XP_GUEST_PVH;
      else if (strcmp (force_type, "pv") != 0)
        {
          printf ("LIVE-RESULT error: --type %s: expected pv, pvh or hvm\n", force_type);
          return 2;
        }
    }
  else
    {
      guint32 probe = 0;
      int prc = xp_hv_is_live (hv) ? hv->ops->domain_create (hv, XP_GUEST_PVH, 1, &probe) : -EOPNOTSUPP;
      if (prc == 0)
        {
          opt.type = XP_GUEST_PVH;
          hv->ops->domain_destroy (hv, probe);
        }
      else
        printf ("LIVE-INFO PVH container refused (%s)\n", g_strerror (-prc));
    }
  printf ("LIVE-INFO container type %s\n", opt.type == XP_GUEST_PV ? "PV" : opt.type == XP_GUEST_PVH ? "PVH" : "HVM");
  guint pass = 0, fail = 0, skip = 0;
  for (guint i = 0; i < xp_conformance_n_cases (); i++)
    {
      if (argc > 1 && strcmp (argv[1], "all") != 0 && strcmp (argv[1], xp_conformance_case_name (i)) != 0)
        continue;
      g_autoptr (GString) log = g_string_new (NULL);
      XpConfOutcome o = xp_conformance_run_case (hv, i, &opt, log);
      gchar **lines = g_strsplit (log->str, "\n", -1);
      for (guint l = 0; lines[l]; l++)
        if (*lines[l])
          printf ("LIVE-LOG %s: %s\n", xp_conformance_case_name (i), lines[l]);
      g_strfreev (lines);
      printf ("LIVE-CONF %s %s\n", xp_conformance_case_name (i), xp_conf_outcome_name (o));
      fflush (stdout);
      pass += o == XP_CONF_PASS;
      fail += o == XP_CONF_FAIL;
      skip += o == XP_CONF_SKIP;
    }

  if (xp_hv_is_live (hv) && (argc < 2 || strcmp (argv[1], "all") == 0))
    {
      /* The backend refuses to change a domain it did not create: dom0. */
      XpCpumask all;
      xp_cpumask_fill (&all, XP_MAX_CPUS);
      int r1 = hv->ops->domain_destroy (hv, 0);
      int r2 = (int) hv->ops->populate_physmap (hv, 0, 1, 0, 0);
      int r3 = hv->ops->claim_pages (hv, 0, 1);
      int r4 = hv->ops->vcpu_setaffinity (hv, 0, 0, &all, NULL);
      int r5 = hv->ops->node_setaffinity (hv, 0, 1);
      gboolean ok = r1 == -EPERM && r2 == -EPERM && r3 == -EPERM && r4 == -EPERM && r5 == -EPERM;
      printf ("LIVE-LOG foreign_domain_refused: dom0 destroy %d populate %d claim %d vcpu_affinity %d node_affinity %d\n",
              r1, r2, r3, r4, r5);
      printf ("LIVE-CONF foreign_domain_refused %s\n", ok ? "PASS" : "FAIL");
      pass += ok;
      fail += !ok;
    }

  Scen s = { .hv = hv, .type = opt.type };
  scen_fresh (&s);
  scen_affinity_one_node (&s);
  if (n_nodes >= 2)
    scen_two_nodes_striped (&s);
  scen_claims_blocking (&s);
  scen_fragmented_node (&s);
  if (s.failed)
    fail++;
  printf ("LIVE-RESULT pass=%u fail=%u skip=%u\n", pass, fail, skip);
  xp_hv_free (hv);
  if (xen)
    xp_xen_free (xen);
  if (model_q)
    xp_event_queue_free (model_q);
  if (topo)
    {
      for (guint i = 0; i < topo->n_nodes; i++)
        g_free (topo->nodes[i].cpus);
      g_free (topo->nodes);
      g_free (topo->cpus);
      g_free (topo->distance);
      g_free (topo->name);
      g_free (topo);
    }
  return fail ? 1 : 0;
}
