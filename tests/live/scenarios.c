/* xenplace — scripted placement scenarios over sim/hv.h (see scenarios.h). */
#include "config.h"
#include <errno.h>
#include "tests/live/scenarios.h"

#ifndef XP_XENMEMF_exact_node
#define XP_XENMEMF_node(n)            ((((guint) (n) + 1) & 0xff) << 8)
#define XP_XENMEMF_exact_node_request (1u << 17)
#define XP_XENMEMF_exact_node(n)      (XP_XENMEMF_node (n) | XP_XENMEMF_exact_node_request)
#endif


typedef struct {
  XpHv *hv;
  XpGuestType type;
  guint32 doms[4];
  guint n_doms;
  gboolean failed;
  guint n_nodes;
  XpCpumask node_cpus[XP_MAX_NODES];
  XpScenSettleFunc settle;
  gpointer settle_data;
  GString *out;
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
  guint n = s->n_nodes;
  if (s->hv->ops->numainfo (s->hv, &n, mem, NULL) < 0)
    return;
  g_string_append_printf (s->out, "%s %s free_pages=[", name, what);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s->out, "%s%" G_GUINT64_FORMAT, i ? " " : "", mem[i].memfree_bytes >> XP_PAGE_SHIFT);
  g_string_append (s->out, "]\n");
}

static void
scen_print_dom (Scen *s, const char *name, const char *what, guint32 d, gint64 done)
{
  XpPages pages[XP_MAX_NODES];
  int rc = s->hv->ops->domain_node_pages (s->hv, d, s->n_nodes, pages);
  if (rc < 0)
    {
      g_string_append_printf (s->out, "%s %s node_pages failed: %s\n", name, what, g_strerror (-rc));
      s->failed = TRUE;
      return;
    }
  g_string_append_printf (s->out, "%s %s done=%" G_GINT64_FORMAT " nodes=[", name, what, done);
  for (guint i = 0; i < s->n_nodes; i++)
    g_string_append_printf (s->out, "%s%" G_GUINT64_FORMAT, i ? " " : "", pages[i]);
  g_string_append (s->out, "]\n");
}

#define S_CHECK(expr)                                                           \
  do {                                                                          \
    int _rc = (int) (expr);                                                     \
    if (_rc < 0)                                                                \
      {                                                                         \
        g_string_append_printf (s->out, "%s error: %s: %s\n", name, #expr, g_strerror (-_rc)); \
        s->failed = TRUE;                                                       \
        goto out;                                                               \
      }                                                                         \
  } while (0)

static void
scen_settle (Scen *s, const char *name)
{
  if (s->settle)
    s->settle (name, s->out, s->settle_data);
}

/* 64 MiB in 2 MiB extents, no affinity (automatic = all nodes). */
static void
scen_fresh (Scen *s)
{
  const char *name = "fresh";
  scen_settle (s, name);
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
  scen_settle (s, name);
  guint32 d;
  guint k = s->n_nodes - 1;
  S_CHECK (scen_create (s, 2, &d));
  for (guint v = 0; v < 2; v++)
    {
      XpCpumask hard = s->node_cpus[k];
      S_CHECK (s->hv->ops->vcpu_setaffinity (s->hv, d, v, &hard, NULL));
    }
  XpNodemask aff = 0;
  S_CHECK (s->hv->ops->node_getaffinity (s->hv, d, &aff));
  g_string_append_printf (s->out, "%s hard=node%u node_affinity=0x%" G_GINT64_MODIFIER "x\n", name, k, aff);
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
  scen_settle (s, name);
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
  scen_settle (s, name);
  guint32 a, b;
  XpPhysinfo pi;
  S_CHECK (scen_create (s, 1, &a));
  S_CHECK (scen_create (s, 1, &b));
  S_CHECK (s->hv->ops->physinfo (s->hv, &pi));
  XpPages claim = pi.free_pages - pi.outstanding_pages - 8192;
  S_CHECK (s->hv->ops->claim_pages (s->hv, a, claim));
  S_CHECK (s->hv->ops->physinfo (s->hv, &pi));
  g_string_append_printf (s->out, "%s A_claim=%" G_GUINT64_FORMAT " free=%" G_GUINT64_FORMAT " outstanding=%"
                          G_GUINT64_FORMAT "\n", name, claim, pi.free_pages, pi.outstanding_pages);
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
  if (s->n_nodes < 2)
    return;
  scen_settle (s, name);
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
XpTopology *
xp_scen_qemu_topology (guint n)
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

void
xp_scen_topology_free (XpTopology *t)
{
  for (guint i = 0; i < t->n_nodes; i++)
    g_free (t->nodes[i].cpus);
  g_free (t->nodes);
  g_free (t->cpus);
  g_free (t->distance);
  g_free (t->name);
  g_free (t);
}

gboolean
xp_scenarios_run (XpHv *hv, XpGuestType type, XpScenSettleFunc settle, gpointer settle_data, GString *out)
{
  Scen s = { .hv = hv, .type = type, .settle = settle, .settle_data = settle_data, .out = out };
  g_autofree XpCpuTopo *cpus = g_new0 (XpCpuTopo, XP_MAX_CPUS);
  guint nc = XP_MAX_CPUS;
  s.n_nodes = XP_MAX_NODES;
  if (hv->ops->numainfo (hv, &s.n_nodes, NULL, NULL) < 0 || hv->ops->cputopoinfo (hv, &nc, cpus) < 0)
    {
      g_string_append (out, "scenarios error: cannot read the host\n");
      return FALSE;
    }
  s.n_nodes = MIN (s.n_nodes, XP_MAX_NODES);
  for (guint i = 0; i < nc; i++)
    if (cpus[i].node < XP_MAX_NODES)
      xp_cpumask_set (&s.node_cpus[cpus[i].node], i);
  scen_fresh (&s);
  scen_affinity_one_node (&s);
  if (s.n_nodes >= 2)
    scen_two_nodes_striped (&s);
  scen_claims_blocking (&s);
  scen_fragmented_node (&s);
  return !s.failed;
}
