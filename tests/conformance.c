/* xenplace — hypervisor conformance suite (see conformance.h).
 *
 * The rules each case checks are Xen 4.17's (the reference, sections 2, 3
 * and 6): claims are host-wide, one per domain, checked against free minus
 * outstanding; automatic node affinity follows the nodes of the vCPUs'
 * (soft within hard) affinity; an explicit node mask must intersect the
 * online nodes; XENMEMF_exact_node never spills; populate stops at
 * max_pages and reports how many extents it did. */
#include "config.h"
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include "tests/conformance.h"

#ifndef XP_XENMEMF_exact_node
#define XP_XENMEMF_node(n)            ((((guint) (n) + 1) & 0xff) << 8)
#define XP_XENMEMF_exact_node_request (1u << 17)
#define XP_XENMEMF_exact_node(n)      (XP_XENMEMF_node (n) | XP_XENMEMF_exact_node_request)
#endif

#define MAX_CREATED 8

typedef struct {
  XpHv *hv;
  const XpConfOptions *opt;
  GString *log;
  gboolean failed, skipped;
  guint32 created[MAX_CREATED];
  guint n_created;
  /* Host as read at the start of the case. */
  XpPhysinfo pi;
  guint n_nodes, n_cpus;
  XpNodeMeminfo mem[XP_MAX_NODES];
  guint *distance;
  XpCpuTopo *cpus;
  XpCpumask node_cpus[XP_MAX_NODES];
  XpNodemask nodes_with_cpus;
} Ctx;

static void G_GNUC_PRINTF (2, 3)
note (Ctx *c, const char *fmt, ...)
{
  if (!c->log)
    return;
  va_list ap;
  va_start (ap, fmt);
  g_string_append_vprintf (c->log, fmt, ap);
  va_end (ap);
  g_string_append_c (c->log, '\n');
}

/* Record a failure and leave the case (every case body ends in "out:"). */
#define CHECK(cond, ...)                                          \
  do {                                                            \
    if (!(cond))                                                  \
      {                                                           \
        note (c, "FAIL %s:%d: %s", __FILE__, __LINE__, #cond);    \
        note (c, __VA_ARGS__);                                    \
        c->failed = TRUE;                                         \
        goto out;                                                 \
      }                                                           \
  } while (0)

#define CHECK_RC(expr)                                                        \
  do {                                                                        \
    int _rc = (int) (expr);                                                   \
    CHECK (_rc == 0, "%s returned %d (%s)", #expr, _rc, g_strerror (-_rc));   \
  } while (0)

#define SKIP(...)                  \
  do {                             \
    note (c, "SKIP: " __VA_ARGS__); \
    c->skipped = TRUE;             \
    goto out;                      \
  } while (0)

static gboolean
near (XpPages a, XpPages b, XpPages slack)
{
  return a > b ? a - b <= slack : b - a <= slack;
}

/* ---- host and domain helpers -------------------------------------------- */

static int
read_host (Ctx *c)
{
  int rc = c->hv->ops->physinfo (c->hv, &c->pi);
  if (rc < 0)
    return rc;
  c->n_nodes = XP_MAX_NODES;
  g_free (c->distance);
  c->distance = g_new0 (guint, XP_MAX_NODES * XP_MAX_NODES);
  rc = c->hv->ops->numainfo (c->hv, &c->n_nodes, c->mem, c->distance);
  if (rc < 0)
    return rc;
  c->n_cpus = XP_MAX_CPUS;
  g_free (c->cpus);
  c->cpus = g_new0 (XpCpuTopo, XP_MAX_CPUS);
  rc = c->hv->ops->cputopoinfo (c->hv, &c->n_cpus, c->cpus);
  if (rc < 0)
    return rc;
  c->nodes_with_cpus = 0;
  for (guint n = 0; n < XP_MAX_NODES; n++)
    xp_cpumask_clear (&c->node_cpus[n]);
  for (guint i = 0; i < c->n_cpus; i++)
    if (c->cpus[i].node < c->n_nodes)
      {
        xp_cpumask_set (&c->node_cpus[c->cpus[i].node], i);
        c->nodes_with_cpus |= xp_nodemask_of (c->cpus[i].node);
      }
  return 0;
}

static XpPages
node_free (Ctx *c, guint node)
{
  return c->mem[node].memfree_bytes >> XP_PAGE_SHIFT;
}

static int
phys_now (Ctx *c, XpPhysinfo *pi)
{
  return c->hv->ops->physinfo (c->hv, pi);
}

static int
node_free_now (Ctx *c, XpPages *free_pages)
{
  XpNodeMeminfo mem[XP_MAX_NODES];
  guint n = c->n_nodes;
  int rc = c->hv->ops->numainfo (c->hv, &n, mem, NULL);
  if (rc < 0)
    return rc;
  for (guint i = 0; i < n; i++)
    free_pages[i] = mem[i].memfree_bytes >> XP_PAGE_SHIFT;
  return 0;
}

/* Create a domain with @vcpus vCPUs, as a toolstack does: createdomain,
 * max_vcpus, then a paging pool for translated guests. */
static int
create (Ctx *c, guint vcpus, guint64 max_kib, guint32 *domid)
{
  g_assert (c->n_created < MAX_CREATED);
  *domid = 0;                   /* in: requested domid, 0 = any (as xc_domain_create) */
  int rc = c->hv->ops->domain_create (c->hv, c->opt->type, vcpus, domid);
  if (rc < 0)
    return rc;
  c->created[c->n_created++] = *domid;
  rc = c->hv->ops->max_vcpus (c->hv, *domid, vcpus);
  if (rc < 0)
    return rc;
  if (c->opt->type != XP_GUEST_PV)
    {
      rc = c->hv->ops->set_paging_mempool (c->hv, *domid, 256);
      if (rc < 0)
        return rc;
    }
  return c->hv->ops->setmaxmem (c->hv, *domid, max_kib);
}

static int
destroy (Ctx *c, guint32 domid)
{
  for (guint i = 0; i < c->n_created; i++)
    if (c->created[i] == domid)
      {
        c->created[i] = c->created[--c->n_created];
        return c->hv->ops->domain_destroy (c->hv, domid);
      }
  return -ESRCH;
}

static int
node_pages (Ctx *c, guint32 domid, XpPages *pages)
{
  return c->hv->ops->domain_node_pages (c->hv, domid, c->n_nodes, pages);
}

static char *
format_pages (const XpPages *pages, guint n)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT, i ? " " : "", pages[i]);
  return g_string_free (s, FALSE);
}

static gboolean
domain_listed (Ctx *c, guint32 domid)
{
  guint n = 1024;
  g_autofree guint32 *ids = g_new (guint32, n);
  if (c->hv->ops->domain_list (c->hv, &n, ids) < 0)
    return FALSE;
  for (guint i = 0; i < MIN (n, 1024u); i++)
    if (ids[i] == domid)
      return TRUE;
  return FALSE;
}

/* Pages of a host-wide big max_pages for claim cases. */
static guint64
big_maxmem_kib (Ctx *c)
{
  return (c->pi.total_pages * 2) * 4;
}

/* ---- cases -------------------------------------------------------------- */

/* physinfo, numainfo and cputopoinfo describe the same host. */
static void
case_host_consistency (Ctx *c)
{
  XpPages sum_free = 0;
  CHECK (c->n_nodes >= 1, "numainfo reported no node");
  CHECK (c->n_nodes >= c->pi.nr_nodes, "numainfo has %u entries, physinfo %u online nodes",
         c->n_nodes, c->pi.nr_nodes);
  CHECK (c->n_cpus >= c->pi.nr_cpus, "cputopoinfo has %u CPUs, physinfo %u", c->n_cpus, c->pi.nr_cpus);
  for (guint n = 0; n < c->n_nodes; n++)
    {
      note (c, "node %u: memsize %" G_GUINT64_FORMAT " MiB memfree %" G_GUINT64_FORMAT " MiB cpus %u",
            n, c->mem[n].memsize_bytes >> 20, c->mem[n].memfree_bytes >> 20,
            xp_cpumask_weight (&c->node_cpus[n]));
      /* memsize is the spanned range, holes included: never below free. */
      CHECK (c->mem[n].memfree_bytes <= c->mem[n].memsize_bytes, "node %u free > size", n);
      CHECK (c->distance[n * c->n_nodes + n] == XP_DISTANCE_LOCAL, "node %u self distance %u",
             n, c->distance[n * c->n_nodes + n]);
      for (guint m = 0; m < c->n_nodes; m++)
        CHECK (c->distance[n * c->n_nodes + m] == c->distance[m * c->n_nodes + n],
               "distance %u->%u != %u->%u", n, m, m, n);
      sum_free += node_free (c, n);
    }
  note (c, "physinfo: nr_cpus %u nr_nodes %u total %" G_GUINT64_FORMAT " free %" G_GUINT64_FORMAT
        " outstanding %" G_GUINT64_FORMAT " pages; sum of node memfree %" G_GUINT64_FORMAT " pages",
        c->pi.nr_cpus, c->pi.nr_nodes, c->pi.total_pages, c->pi.free_pages, c->pi.outstanding_pages, sum_free);
  CHECK (c->pi.free_pages <= c->pi.total_pages, "free > total");
  /* Without buffers, numainfo and cputopoinfo report how many entries the
   * host has (xc_numainfo/xc_cputopoinfo with NULL). */
  guint qn = 0, qc = 0;
  CHECK_RC (c->hv->ops->numainfo (c->hv, &qn, NULL, NULL));
  CHECK_RC (c->hv->ops->cputopoinfo (c->hv, &qc, NULL));
  CHECK (qn == c->n_nodes && qc == c->n_cpus, "size queries: %u nodes, %u CPUs; expected %u, %u",
         qn, qc, c->n_nodes, c->n_cpus);
  /* Both count the same heap (claimed and dirty pages included); the two
   * reads are not atomic, hence the slack. */
  CHECK (near (sum_free, c->pi.free_pages, c->opt->slack_pages),
         "sum of node memfree %" G_GUINT64_FORMAT " != physinfo free %" G_GUINT64_FORMAT,
         sum_free, c->pi.free_pages);
  CHECK (c->pi.outstanding_pages <= c->pi.free_pages, "outstanding > free");
  for (guint i = 0; i < c->n_cpus; i++)
    CHECK (c->cpus[i].node == XP_NO_NODE || c->cpus[i].node < c->n_nodes, "cpu %u on node %u", i, c->cpus[i].node);
out:
  return;
}

/* A domain populated with N pages holds N pages, takes N from the heap, and
 * gives them back when destroyed. */
static void
case_create_destroy (Ctx *c)
{
  const XpPages N = 4096;   /* 16 MiB */
  guint32 d;
  XpDomainInfo info;
  XpPhysinfo mid, after;
  if (c->pi.free_pages - c->pi.outstanding_pages < 4 * N)
    SKIP ("less than 64 MiB unclaimed");
  CHECK_RC (create (c, 2, N * 4, &d));
  CHECK (domain_listed (c, d), "domain %u not in domain_list", d);
  CHECK_RC (c->hv->ops->domain_getinfo (c->hv, d, &info));
  CHECK (info.domid == d && info.tot_pages == 0 && !info.dying, "fresh domain: domid %u tot %" G_GUINT64_FORMAT,
         info.domid, info.tot_pages);
  CHECK (info.max_pages == N, "max_pages %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT " (setmaxmem %" G_GUINT64_FORMAT " KiB / 4)",
         info.max_pages, N, N * 4);
  gint64 done = c->hv->ops->populate_physmap (c->hv, d, N, 0, 0);
  CHECK (done == (gint64) N, "populate %" G_GUINT64_FORMAT " x 4 KiB returned %" G_GINT64_FORMAT, N, done);
  CHECK_RC (c->hv->ops->domain_getinfo (c->hv, d, &info));
  CHECK (info.tot_pages == N, "tot_pages %" G_GUINT64_FORMAT " after populating %" G_GUINT64_FORMAT, info.tot_pages, N);
  CHECK_RC (phys_now (c, &mid));
  note (c, "free before %" G_GUINT64_FORMAT " after populate %" G_GUINT64_FORMAT " (taken %" G_GINT64_FORMAT ")",
        c->pi.free_pages, mid.free_pages, (gint64) (c->pi.free_pages - mid.free_pages));
  /* At least the N pages, at most N plus Xen's own allocations. */
  CHECK (c->pi.free_pages - mid.free_pages + c->opt->slack_pages >= N
         && c->pi.free_pages - mid.free_pages <= N + 256 + c->opt->slack_pages,
         "free dropped by %" G_GINT64_FORMAT, (gint64) (c->pi.free_pages - mid.free_pages));
  CHECK_RC (c->hv->ops->unpause (c->hv, d));
  CHECK_RC (destroy (c, d));
  CHECK_RC (phys_now (c, &after));
  note (c, "free after destroy %" G_GUINT64_FORMAT, after.free_pages);
  CHECK (near (after.free_pages, c->pi.free_pages, c->opt->slack_pages),
         "free %" G_GUINT64_FORMAT " after destroy, %" G_GUINT64_FORMAT " before", after.free_pages, c->pi.free_pages);
  if (c->hv->ops->domain_getinfo (c->hv, d, &info) == 0)
    CHECK (info.dying, "destroyed domain %u still alive", d);
out:
  return;
}

/* max_vcpus creates the vCPUs createdomain sized; the count is visible in
 * getinfo; a vCPU beyond it does not exist. */
static void
case_max_vcpus (Ctx *c)
{
  guint32 d;
  XpDomainInfo info;
  XpCpumask hard, soft;
  guint n = MIN (4u, c->pi.nr_cpus);
  CHECK_RC (create (c, n, 1024, &d));
  CHECK_RC (c->hv->ops->domain_getinfo (c->hv, d, &info));
  note (c, "created with %u vCPUs: getinfo max_vcpus %u", n, info.max_vcpus);
  CHECK (info.max_vcpus == n, "max_vcpus %u, expected %u", info.max_vcpus, n);
  CHECK_RC (c->hv->ops->vcpu_getaffinity (c->hv, d, n - 1, &hard, &soft));
  int rc = c->hv->ops->vcpu_getaffinity (c->hv, d, n, &hard, &soft);
  CHECK (rc < 0, "vcpu %u of a %u-vCPU domain answered %d", n, n, rc);
out:
  return;
}

/* getinfo of a domid no domain has is -ESRCH. */
static void
case_getinfo_missing (Ctx *c)
{
  guint n = 1024;
  g_autofree guint32 *ids = g_new (guint32, n);
  XpDomainInfo info;
  CHECK_RC (c->hv->ops->domain_list (c->hv, &n, ids));
  guint32 missing = (n ? ids[MIN (n, 1024u) - 1] : 0) + 77;
  int rc = c->hv->ops->domain_getinfo (c->hv, missing, &info);
  CHECK (rc == -ESRCH, "getinfo(%u) returned %d, expected -ESRCH", missing, rc);
out:
  return;
}

static XpNodemask
nodes_mask (Ctx *c)
{
  return c->n_nodes >= 64 ? XP_NODEMASK_ALL : (xp_nodemask_of (c->n_nodes) - 1);
}

/* Automatic node affinity follows vCPU affinity: hard affinity to one
 * node's CPUs, or soft affinity to them under an all-CPU hard affinity,
 * makes the domain's node affinity exactly that node. */
static void
case_vcpu_affinity_to_node_affinity (Ctx *c)
{
  guint32 d;
  XpNodemask got;
  XpCpumask all, hard, soft;
  if (xp_nodemask_weight (c->nodes_with_cpus) < 2)
    SKIP ("needs two nodes with CPUs");
  guint k = 63 - (guint) __builtin_clzll (c->nodes_with_cpus);   /* highest node with CPUs */
  xp_cpumask_fill (&all, c->n_cpus);
  CHECK_RC (create (c, 2, 1024, &d));
  CHECK_RC (c->hv->ops->node_getaffinity (c->hv, d, &got));
  note (c, "fresh domain node affinity 0x%" G_GINT64_MODIFIER "x (nodes with CPUs 0x%" G_GINT64_MODIFIER "x)",
        got, c->nodes_with_cpus);
  CHECK ((got & nodes_mask (c)) == c->nodes_with_cpus, "auto affinity 0x%" G_GINT64_MODIFIER "x", got);

  for (guint v = 0; v < 2; v++)
    {
      hard = c->node_cpus[k];
      CHECK_RC (c->hv->ops->vcpu_setaffinity (c->hv, d, v, &hard, NULL));
      CHECK (xp_cpumask_equal (&hard, &c->node_cpus[k]), "effective hard affinity differs");
    }
  CHECK_RC (c->hv->ops->vcpu_getaffinity (c->hv, d, 1, &hard, &soft));
  CHECK (xp_cpumask_equal (&hard, &c->node_cpus[k]), "vcpu 1 hard affinity not node %u's CPUs", k);
  CHECK_RC (c->hv->ops->node_getaffinity (c->hv, d, &got));
  note (c, "hard affinity to node %u CPUs: node affinity 0x%" G_GINT64_MODIFIER "x", k, got);
  CHECK ((got & nodes_mask (c)) == xp_nodemask_of (k), "node affinity 0x%" G_GINT64_MODIFIER "x, expected node %u", got, k);

  for (guint v = 0; v < 2; v++)
    {
      hard = all;
      soft = c->node_cpus[k];
      CHECK_RC (c->hv->ops->vcpu_setaffinity (c->hv, d, v, &hard, &soft));
    }
  CHECK_RC (c->hv->ops->node_getaffinity (c->hv, d, &got));
  note (c, "soft affinity to node %u CPUs: node affinity 0x%" G_GINT64_MODIFIER "x", k, got);
  CHECK ((got & nodes_mask (c)) == xp_nodemask_of (k), "node affinity 0x%" G_GINT64_MODIFIER "x, expected node %u", got, k);

  for (guint v = 0; v < 2; v++)
    {
      soft = all;
      CHECK_RC (c->hv->ops->vcpu_setaffinity (c->hv, d, v, NULL, &soft));
    }
  CHECK_RC (c->hv->ops->node_getaffinity (c->hv, d, &got));
  CHECK ((got & nodes_mask (c)) == c->nodes_with_cpus, "back to all: 0x%" G_GINT64_MODIFIER "x", got);
out:
  return;
}

/* An explicit node mask sticks; an empty one or one with only offline
 * nodes is -EINVAL and changes nothing. */
static void
case_node_affinity_explicit (Ctx *c)
{
  guint32 d;
  XpNodemask got;
  if (c->n_nodes < 2)
    SKIP ("needs two nodes");
  guint k = c->n_nodes - 1;
  CHECK_RC (create (c, 1, 1024, &d));
  CHECK_RC (c->hv->ops->node_setaffinity (c->hv, d, xp_nodemask_of (k)));
  CHECK_RC (c->hv->ops->node_getaffinity (c->hv, d, &got));
  CHECK ((got & nodes_mask (c)) == xp_nodemask_of (k), "explicit affinity 0x%" G_GINT64_MODIFIER "x", got);
  int rc = c->hv->ops->node_setaffinity (c->hv, d, 0);
  CHECK (rc == -EINVAL, "empty node mask: %d, expected -EINVAL", rc);
  if (c->n_nodes < XP_MAX_NODES)
    {
      rc = c->hv->ops->node_setaffinity (c->hv, d, xp_nodemask_of (XP_MAX_NODES - 1));
      CHECK (rc == -EINVAL, "offline node mask: %d, expected -EINVAL", rc);
    }
  CHECK_RC (c->hv->ops->node_getaffinity (c->hv, d, &got));
  CHECK ((got & nodes_mask (c)) == xp_nodemask_of (k), "a failed set changed the affinity to 0x%" G_GINT64_MODIFIER "x", got);
  note (c, "explicit node %u kept; empty and offline masks -EINVAL", k);
out:
  return;
}

/* Claims: one per domain, checked against free minus outstanding, shown in
 * physinfo and getinfo, consumed by allocation, released by 0. */
static void
case_claims (Ctx *c)
{
  guint32 d;
  XpPhysinfo p;
  XpDomainInfo info;
  XpPages avail = c->pi.free_pages - c->pi.outstanding_pages;
  XpPages P = MIN (avail / 4, (XpPages) 16384) & ~(XpPages) 1;
  if (P < 1024)
    SKIP ("less than 16 MiB unclaimed");
  CHECK_RC (create (c, 1, big_maxmem_kib (c), &d));
  CHECK_RC (c->hv->ops->claim_pages (c->hv, d, P));
  CHECK_RC (phys_now (c, &p));
  CHECK_RC (c->hv->ops->domain_getinfo (c->hv, d, &info));
  note (c, "claim %" G_GUINT64_FORMAT ": physinfo outstanding %" G_GUINT64_FORMAT " (was %" G_GUINT64_FORMAT
        "), domain outstanding %" G_GUINT64_FORMAT, P, p.outstanding_pages, c->pi.outstanding_pages, info.outstanding_pages);
  CHECK (p.outstanding_pages == c->pi.outstanding_pages + P, "outstanding %" G_GUINT64_FORMAT, p.outstanding_pages);
  CHECK (info.outstanding_pages == P, "domain outstanding %" G_GUINT64_FORMAT, info.outstanding_pages);
  int rc = c->hv->ops->claim_pages (c->hv, d, P);
  CHECK (rc == -EINVAL, "second claim: %d, expected -EINVAL", rc);

  /* Allocation consumes the claim page for page. */
  gint64 done = c->hv->ops->populate_physmap (c->hv, d, P / 2, 0, 0);
  CHECK (done == (gint64) (P / 2), "populate under claim: %" G_GINT64_FORMAT, done);
  CHECK_RC (c->hv->ops->domain_getinfo (c->hv, d, &info));
  note (c, "after populating %" G_GUINT64_FORMAT ": domain outstanding %" G_GUINT64_FORMAT, P / 2, info.outstanding_pages);
  CHECK (info.outstanding_pages == P - P / 2, "outstanding %" G_GUINT64_FORMAT " after consuming", info.outstanding_pages);

  CHECK_RC (c->hv->ops->claim_pages (c->hv, d, 0));
  CHECK_RC (phys_now (c, &p));
  CHECK_RC (c->hv->ops->domain_getinfo (c->hv, d, &info));
  CHECK (p.outstanding_pages == c->pi.outstanding_pages && info.outstanding_pages == 0,
         "release left %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT, p.outstanding_pages, info.outstanding_pages);

  /* More than is free: the claim target counts tot_pages, so ask for
   * tot_pages + free + 1. */
  XpPages too_much = P / 2 + p.free_pages + 1;
  rc = c->hv->ops->claim_pages (c->hv, d, too_much);
  CHECK (rc == -ENOMEM, "claim beyond free: %d, expected -ENOMEM", rc);
  /* A target not above tot_pages is refused. */
  rc = c->hv->ops->claim_pages (c->hv, d, P / 2);
  CHECK (rc == -EINVAL, "claim not above tot_pages: %d, expected -EINVAL", rc);

  /* Destroy releases a claim. */
  CHECK_RC (c->hv->ops->claim_pages (c->hv, d, P));
  CHECK_RC (destroy (c, d));
  CHECK_RC (phys_now (c, &p));
  CHECK (p.outstanding_pages == c->pi.outstanding_pages, "outstanding %" G_GUINT64_FORMAT " after destroy", p.outstanding_pages);
out:
  return;
}

/* A claim blocks other domains: B cannot claim what A claimed, and B's
 * unclaimed allocations stop where unclaimed free memory ends. */
static void
case_claims_block (Ctx *c)
{
  guint32 a, b;
  XpPhysinfo p;
  const XpPages M = 8192;      /* 32 MiB left unclaimed */
  XpPages avail = c->pi.free_pages - c->pi.outstanding_pages;
  if (avail < 4 * M)
    SKIP ("less than 128 MiB unclaimed");
  CHECK_RC (create (c, 1, big_maxmem_kib (c), &a));
  CHECK_RC (create (c, 1, big_maxmem_kib (c), &b));
  CHECK_RC (phys_now (c, &p));
  avail = p.free_pages - p.outstanding_pages;
  CHECK_RC (c->hv->ops->claim_pages (c->hv, a, avail - M));
  int rc = c->hv->ops->claim_pages (c->hv, b, M + 4096);
  note (c, "A claims %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " unclaimed; B claims %" G_GUINT64_FORMAT ": %d",
        avail - M, avail, M + 4096, rc);
  CHECK (rc == -ENOMEM, "B's claim beyond the unclaimed rest: %d, expected -ENOMEM", rc);
  CHECK_RC (c->hv->ops->claim_pages (c->hv, b, M / 2));
  CHECK_RC (phys_now (c, &p));
  XpPages unclaimed = p.free_pages - p.outstanding_pages;
  /* B's claim (M/2) plus the unclaimed rest is all B can get. */
  gint64 done = c->hv->ops->populate_physmap (c->hv, b, 2 * M, 0, 0);
  note (c, "B populates %" G_GUINT64_FORMAT " x 4 KiB with its claim %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT
        " unclaimed: %" G_GINT64_FORMAT " done", 2 * M, M / 2, unclaimed, done);
  CHECK (done >= 0 && near ((XpPages) done, M / 2 + unclaimed, c->opt->slack_pages),
         "B got %" G_GINT64_FORMAT ", expected %" G_GUINT64_FORMAT, done, M / 2 + unclaimed);
  /* A's claim still guarantees its memory. */
  done = c->hv->ops->populate_physmap (c->hv, a, 4096, 0, 0);
  CHECK (done == 4096, "A populates under its claim: %" G_GINT64_FORMAT, done);
  CHECK_RC (c->hv->ops->claim_pages (c->hv, a, 0));
out:
  return;
}

/* XENMEMF_exact_node(k) puts every page on node k. */
static void
case_populate_exact_node (Ctx *c)
{
  const XpPages N = 4096;
  guint tested = 0;
  XpPages pages[XP_MAX_NODES];
  for (guint k = 0; k < c->n_nodes; k++)
    {
      guint32 d;
      if (node_free (c, k) < 4 * N)
        {
          note (c, "node %u: %" G_GUINT64_FORMAT " pages free, skipped", k, node_free (c, k));
          continue;
        }
      CHECK_RC (create (c, 1, N * 4, &d));
      gint64 done = c->hv->ops->populate_physmap (c->hv, d, N, 0, XP_XENMEMF_exact_node (k));
      CHECK (done == (gint64) N, "exact node %u: %" G_GINT64_FORMAT " done", k, done);
      CHECK_RC (node_pages (c, d, pages));
      g_autofree char *s = format_pages (pages, c->n_nodes);
      note (c, "exact_node(%u) %" G_GUINT64_FORMAT " pages -> per node [%s]", k, N, s);
      for (guint n = 0; n < c->n_nodes; n++)
        CHECK (pages[n] == (n == k ? N : 0), "node %u holds %" G_GUINT64_FORMAT, n, pages[n]);
      CHECK_RC (destroy (c, d));
      tested++;
    }
  if (!tested)
    SKIP ("no node with 64 MiB free");
out:
  return;
}

/* 2 MiB extents under node affinity {1} land on node 1 when it has them. */
static void
case_populate_2m_affinity (Ctx *c)
{
  const guint64 X = 16;                 /* 16 x 2 MiB = 8192 pages */
  guint32 d;
  XpPages pages[XP_MAX_NODES];
  g_autofree char *s = NULL;
  if (c->n_nodes < 2)
    SKIP ("needs two nodes");
  if (node_free (c, 1) < 4 * X * 512)
    SKIP ("node 1 has less than 128 MiB free");
  CHECK_RC (create (c, 1, X * 512 * 4, &d));
  CHECK_RC (c->hv->ops->node_setaffinity (c->hv, d, xp_nodemask_of (1)));
  gint64 done = c->hv->ops->populate_physmap (c->hv, d, X, 9, 0);
  CHECK (done == (gint64) X, "populate 16 x 2 MiB: %" G_GINT64_FORMAT, done);
  CHECK_RC (node_pages (c, d, pages));
  s = format_pages (pages, c->n_nodes);
  note (c, "affinity {1}, 16 x 2 MiB -> per node [%s]", s);
  for (guint n = 0; n < c->n_nodes; n++)
    CHECK (pages[n] == (n == 1 ? X * 512 : 0), "node %u holds %" G_GUINT64_FORMAT, n, pages[n]);
out:
  return;
}

/* Populate stops at max_pages and reports the extents it did. */
static void
case_populate_over_maxmem (Ctx *c)
{
  guint32 d;
  XpDomainInfo info;
  CHECK_RC (create (c, 1, 4096, &d));          /* 4 MiB: max_pages 1024 */
  gint64 done = c->hv->ops->populate_physmap (c->hv, d, 2048, 0, 0);
  note (c, "max 1024 pages, populate 2048: %" G_GINT64_FORMAT " done", done);
  CHECK (done == 1024, "populate past max_pages did %" G_GINT64_FORMAT ", expected 1024", done);
  CHECK_RC (c->hv->ops->domain_getinfo (c->hv, d, &info));
  CHECK (info.tot_pages == 1024, "tot_pages %" G_GUINT64_FORMAT, info.tot_pages);
  done = c->hv->ops->populate_physmap (c->hv, d, 1, 9, 0);
  CHECK (done == 0, "a 2 MiB extent past max_pages did %" G_GINT64_FORMAT, done);
out:
  return;
}

/* Destroy returns every node's pages: striped over all nodes, then gone. */
static void
case_destroy_frees_per_node (Ctx *c)
{
  const XpPages N = 2048;
  guint32 d;
  XpPages before[XP_MAX_NODES], after[XP_MAX_NODES], pages[XP_MAX_NODES];
  CHECK_RC (node_free_now (c, before));
  guint used = 0;
  for (guint k = 0; k < c->n_nodes; k++)
    if (before[k] >= 4 * N)
      used++;
  if (!used)
    SKIP ("no node with 32 MiB free");
  CHECK_RC (create (c, 1, N * 4 * used, &d));
  for (guint k = 0; k < c->n_nodes; k++)
    if (before[k] >= 4 * N)
      {
        gint64 done = c->hv->ops->populate_physmap (c->hv, d, N, 0, XP_XENMEMF_exact_node (k));
        CHECK (done == (gint64) N, "node %u: %" G_GINT64_FORMAT, k, done);
      }
  CHECK_RC (node_pages (c, d, pages));
  CHECK_RC (node_free_now (c, after));
  for (guint k = 0; k < c->n_nodes; k++)
    {
      note (c, "node %u: free %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT ", domain holds %" G_GUINT64_FORMAT,
            k, before[k], after[k], pages[k]);
      /* The domain's pages, give or take Xen's own (de)allocations on the
       * node meanwhile (e.g. an earlier domain's structures freed late). */
      gint64 dropped = (gint64) before[k] - (gint64) after[k];
      CHECK (dropped + (gint64) c->opt->slack_pages >= (gint64) pages[k]
             && dropped <= (gint64) (pages[k] + 256 + c->opt->slack_pages),
             "node %u free dropped %" G_GINT64_FORMAT " for %" G_GUINT64_FORMAT " pages", k,
             (gint64) (before[k] - after[k]), pages[k]);
    }
  CHECK_RC (destroy (c, d));
  CHECK_RC (node_free_now (c, after));
  for (guint k = 0; k < c->n_nodes; k++)
    CHECK (near (after[k], before[k], c->opt->slack_pages), "node %u free %" G_GUINT64_FORMAT " after destroy, %"
           G_GUINT64_FORMAT " before", k, after[k], before[k]);
  XpDomainInfo info;
  if (c->hv->ops->domain_getinfo (c->hv, d, &info) == 0)
    CHECK (info.dying, "destroyed domain %u still alive", d);
out:
  return;
}

/* ---- table and runner --------------------------------------------------- */

typedef struct {
  const char *name;
  const char *summary;
  void (*run) (Ctx *c);
} Case;

static const Case cases[] = {
  { "host_consistency", "physinfo, numainfo and cputopoinfo agree", case_host_consistency },
  { "create_destroy", "populate takes N pages, destroy returns them", case_create_destroy },
  { "max_vcpus", "max_vcpus creates the vCPUs", case_max_vcpus },
  { "getinfo_missing", "getinfo of an unused domid is -ESRCH", case_getinfo_missing },
  { "vcpu_affinity_to_node_affinity", "hard/soft affinity to one node's CPUs sets node affinity", case_vcpu_affinity_to_node_affinity },
  { "node_affinity_explicit", "explicit node affinity; empty/offline mask -EINVAL", case_node_affinity_explicit },
  { "claims", "claim, second claim -EINVAL, consumption, release, -ENOMEM", case_claims },
  { "claims_block", "a claim blocks other domains' claims and allocations", case_claims_block },
  { "populate_exact_node", "XENMEMF_exact_node lands on that node", case_populate_exact_node },
  { "populate_2m_affinity", "2 MiB extents with affinity {1} land on node 1", case_populate_2m_affinity },
  { "populate_over_maxmem", "populate stops at max_pages", case_populate_over_maxmem },
  { "destroy_frees_per_node", "destroy returns each node's pages", case_destroy_frees_per_node },
};

guint
xp_conformance_n_cases (void)
{
  return G_N_ELEMENTS (cases);
}

const char *
xp_conformance_case_name (guint i)
{
  g_return_val_if_fail (i < G_N_ELEMENTS (cases), NULL);
  return cases[i].name;
}

const char *
xp_conformance_case_summary (guint i)
{
  g_return_val_if_fail (i < G_N_ELEMENTS (cases), NULL);
  return cases[i].summary;
}

int
xp_conformance_find (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (strcmp (cases[i].name, name) == 0)
      return (int) i;
  return -1;
}

const char *
xp_conf_outcome_name (XpConfOutcome o)
{
  switch (o)
    {
    case XP_CONF_PASS: return "PASS";
    case XP_CONF_FAIL: return "FAIL";
    case XP_CONF_SKIP: return "SKIP";
    }
  return "?";
}

XpConfOutcome
xp_conformance_run_case (XpHv *hv, guint i, const XpConfOptions *opt, GString *log)
{
  g_return_val_if_fail (i < G_N_ELEMENTS (cases), XP_CONF_FAIL);
  Ctx ctx = { .hv = hv, .opt = opt, .log = log };
  Ctx *c = &ctx;
  int rc = read_host (c);
  if (rc < 0)
    {
      note (c, "FAIL: reading the host: %s", g_strerror (-rc));
      c->failed = TRUE;
    }
  else
    cases[i].run (c);
  /* Whatever the outcome, nothing the case created survives it; claims go
   * with their domain. */
  while (c->n_created > 0)
    {
      guint32 d = c->created[c->n_created - 1];
      rc = destroy (c, d);
      if (rc < 0)
        {
          note (c, "FAIL: cleanup: destroying domain %u: %s", d, g_strerror (-rc));
          c->failed = TRUE;
        }
    }
  g_free (c->distance);
  g_free (c->cpus);
  return c->failed ? XP_CONF_FAIL : c->skipped ? XP_CONF_SKIP : XP_CONF_PASS;
}
