/* xenplace tests — hand-built topologies and host views for policy tests.
 *
 * Independent of sim/topology.c on purpose: these fill XpTopology directly
 * from (nodes, CPUs per node, distance matrix). */
#ifndef XP_POLICY_TESTUTIL_H
#define XP_POLICY_TESTUTIL_H

#include <check.h>
#include "policies/policy.h"
#include "sim/error.h"

/* @cpus_per_node[n] CPUs on node n (CPU ids ascend node by node), two SMT
 * threads per core (cores = ceil(cpus / 2)) unless @threads says
 * otherwise; @dist is n×n row-major, or NULL for 10 on the diagonal and
 * 20 elsewhere. */
static inline XpTopology *
ptest_topo_new (guint n_nodes, const guint *cpus_per_node, guint threads, const guint *dist)
{
  XpTopology *t = g_new0 (XpTopology, 1);
  t->name = g_strdup ("test");
  t->n_nodes = n_nodes;
  t->nodes = g_new0 (XpNode, n_nodes);
  t->distance = g_new0 (guint, n_nodes * n_nodes);
  if (threads == 0)
    threads = 2;
  for (guint n = 0; n < n_nodes; n++)
    t->n_cpus += cpus_per_node[n];
  t->cpus = g_new0 (XpCpu, t->n_cpus ? t->n_cpus : 1);
  guint cpu = 0, core = 0;
  for (guint n = 0; n < n_nodes; n++)
    {
      XpNode *node = &t->nodes[n];
      node->id = n;
      node->memory_bytes = G_GUINT64_CONSTANT (16) << 30;
      node->n_cpus = cpus_per_node[n];
      node->cpus = g_new0 (guint, node->n_cpus ? node->n_cpus : 1);
      node->n_cores = (node->n_cpus + threads - 1) / threads;
      for (guint i = 0; i < node->n_cpus; i++, cpu++)
        {
          node->cpus[i] = cpu;
          t->cpus[cpu] = (XpCpu) { .id = cpu, .node = n, .socket = n, .core = core + i / threads,
                                   .thread = i % threads };
        }
      core += node->n_cores;
      for (guint m = 0; m < n_nodes; m++)
        t->distance[n * n_nodes + m] = dist ? dist[n * n_nodes + m] : (n == m ? 10 : 20);
    }
  t->n_sockets = n_nodes;
  return t;
}

/* Same CPU count on every node. */
static inline XpTopology *
ptest_topo_uniform (guint n_nodes, guint cpus, guint threads, const guint *dist)
{
  guint per[XP_MAX_NODES];
  for (guint n = 0; n < n_nodes; n++)
    per[n] = cpus;
  return ptest_topo_new (n_nodes, per, threads, dist);
}

static inline void
ptest_topo_free (XpTopology *t)
{
  if (!t)
    return;
  for (guint n = 0; n < t->n_nodes; n++)
    g_free (t->nodes[n].cpus);
  g_free (t->nodes);
  g_free (t->cpus);
  g_free (t->distance);
  g_free (t->name);
  g_free (t);
}

/* A host view with per-node free and claimed pages and no domains. */
typedef struct {
  XpHostView view;
  XpPages node_free[XP_MAX_NODES];
  XpPages node_claimed[XP_MAX_NODES];
  XpDomainView domains[16];
  XpCpumask hard[16][64];     /* per domain, per vCPU */
} PTestView;

static inline void
ptest_view_init (PTestView *v, const XpTopology *t)
{
  memset (v, 0, sizeof *v);
  v->view.topo = t;
  v->view.node_free = v->node_free;
  v->view.node_claimed = v->node_claimed;
  v->view.domains = v->domains;
}

static inline void
ptest_view_sum (PTestView *v)
{
  v->view.free_pages = 0;
  v->view.outstanding_pages = 0;
  for (guint n = 0; n < v->view.topo->n_nodes; n++)
    {
      v->view.free_pages += v->node_free[n];
      v->view.outstanding_pages += v->node_claimed[n];
    }
}

/* Add a domain whose every vCPU has hard affinity @hard (NULL = all CPUs)
 * and node affinity @nodes. */
static inline void
ptest_view_add_domain (PTestView *v, guint32 domid, guint vcpus, const XpCpumask *hard, XpNodemask nodes)
{
  guint d = v->view.n_domains++;
  ck_assert_uint_lt (d, G_N_ELEMENTS (v->domains));
  ck_assert_uint_le (vcpus, 64);
  for (guint i = 0; i < vcpus; i++)
    {
      if (hard)
        v->hard[d][i] = *hard;
      else
        xp_cpumask_fill (&v->hard[d][i], v->view.topo->n_cpus);
    }
  v->domains[d] = (XpDomainView) { .domid = domid, .n_vcpus = vcpus, .vcpu_hard = v->hard[d],
                                   .node_affinity = nodes };
}

static inline XpVmRequest
ptest_request (const char *name, guint32 domid, guint vcpus, guint64 mem_kib)
{
  return (XpVmRequest) { .name = name, .domid = domid, .vcpus = vcpus, .memory_kib = mem_kib,
                         .build_claim_kib = mem_kib, .footprint_kib = mem_kib };
}

/* Init @policy on @topo with "k=v" strings (NULL-terminated). */
static inline gpointer
ptest_policy_init (const XpPolicy *policy, const XpTopology *topo, const char *const *kv, GError **error)
{
  XpPolicyParam params[8] = { { NULL, NULL } };
  guint n = 0;
  char *keys[8];
  for (; kv && kv[n]; n++)
    {
      ck_assert_uint_lt (n, 8);
      const char *eq = strchr (kv[n], '=');
      ck_assert (eq != NULL);
      keys[n] = g_strndup (kv[n], eq - kv[n]);
      params[n] = (XpPolicyParam) { keys[n], eq + 1 };
    }
  gpointer st = policy->init (topo, params, n, error);
  for (guint i = 0; i < n; i++)
    g_free (keys[i]);
  return st;
}

/* Place and return the chosen node mask (0 when not placed). */
static inline XpNodemask
ptest_place (const XpPolicy *policy, gpointer st, const XpHostView *view, const XpVmRequest *req,
             XpPlacement *out)
{
  XpPlacement p;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (policy->place (st, view, req, &p, &error), "place failed: %s",
                 error ? error->message : "?");
  if (out)
    *out = p;
  return p.placed ? p.nodes : 0;
}

#define GIB_PAGES(g) ((XpPages) (g) * XP_PAGES_PER_GIB)
#define MIB_PAGES(m) ((XpPages) (m) * XP_PAGES_PER_MIB)
#define GIB_KIB(g) ((guint64) (g) << 20)
#define MIB_KIB(m) ((guint64) (m) << 10)

#endif
