/* Tests for xp_policy_reads_domains(): the built-ins said not to read the
 * host view's domains decide exactly the same without them, so the
 * toolstack may leave them out of their views. */
#include "config.h"
#include <string.h>
#include "tests/testutil.h"
#include "tests/policy_testutil.h"
#include "policies/builtins.h"

typedef struct {
  const XpPolicy *policy;
  const char *params[3];
} PolicyCase;

/* Every built-in with every value of every parameter at least once. */
static const PolicyCase cases[] = {
  { &xp_policy_none, { NULL } },
  { &xp_policy_first_fit, { NULL } },
  { &xp_policy_first_fit, { "cpus=1", "fallback=none", NULL } },
  { &xp_policy_best_fit, { NULL } },
  { &xp_policy_best_fit, { "cpus=1", "fallback=none", NULL } },
  { &xp_policy_worst_fit, { NULL } },
  { &xp_policy_worst_fit, { "cpus=1", NULL } },
  { &xp_policy_xenopsd, { NULL } },
  { &xp_policy_xenopsd, { "mode=best_effort_hard", NULL } },
  { &xp_policy_xenopsd, { "mode=prio_mem_only", NULL } },
  { &xp_policy_xenopsd, { "mode=any", NULL } },
  { &xp_policy_libxl, { NULL } },
};

/* A random host view: 2..8 nodes of 2..8 CPUs, free memory 0..64 GiB and
 * some of it claimed per node, and 0..16 domains of 1..8 vCPUs whose hard
 * affinity is all CPUs or one random node's and whose node affinity is
 * random. */
static XpTopology *
random_view (GRand *rng, PTestView *v)
{
  guint n_nodes = (guint) g_rand_int_range (rng, 2, 9);
  XpTopology *t = ptest_topo_uniform (n_nodes, (guint) g_rand_int_range (rng, 2, 9), 2, NULL);
  ptest_view_init (v, t);
  for (guint n = 0; n < n_nodes; n++)
    {
      v->node_free[n] = (XpPages) g_rand_int_range (rng, 0, 64 * 1024) * XP_PAGES_PER_MIB;
      if (g_rand_int_range (rng, 0, 4) == 0)
        v->node_claimed[n] = v->node_free[n] / (XpPages) g_rand_int_range (rng, 1, 5);
    }
  ptest_view_sum (v);
  guint n_doms = (guint) g_rand_int_range (rng, 0, 17);
  for (guint d = 0; d < n_doms; d++)
    {
      XpCpumask hard;
      gboolean pinned = g_rand_boolean (rng);
      if (pinned)
        xp_topology_nodes_cpumask (t, xp_nodemask_of ((guint) g_rand_int_range (rng, 0, (gint) n_nodes)), &hard);
      XpNodemask nodes = (XpNodemask) g_rand_int_range (rng, 1, 1 << n_nodes);
      ptest_view_add_domain (v, d, (guint) g_rand_int_range (rng, 1, 9), pinned ? &hard : NULL, nodes);
    }
  return t;
}

/* Place 8 random requests one after another (the planners keep state)
 * with the view's domains and, on a second instance, without them; the
 * number of decisions that differ. */
static guint
decisions_that_differ (const PolicyCase *c, GRand *rng)
{
  PTestView v;
  XpTopology *t = random_view (rng, &v);
  g_autoptr (GError) error = NULL;
  gpointer with = ptest_policy_init (c->policy, t, c->params, &error);
  ck_assert_msg (with != NULL, "%s: %s", c->policy->name, error ? error->message : "?");
  gpointer without = ptest_policy_init (c->policy, t, c->params, &error);
  ck_assert (without != NULL);
  PTestView bare = v;
  bare.view.node_free = bare.node_free;
  bare.view.node_claimed = bare.node_claimed;
  bare.view.n_domains = 0;
  bare.view.domains = NULL;
  guint differ = 0;
  for (guint i = 0; i < 8; i++)
    {
      XpVmRequest req = ptest_request ("vm", 100 + i, (guint) g_rand_int_range (rng, 1, 17),
                                       (guint64) g_rand_int_range (rng, 1, 48 * 1024) << 10);
      XpPlacement a, b;
      ptest_place (c->policy, with, &v.view, &req, &a);
      ptest_place (c->policy, without, &bare.view, &req, &b);
      differ += memcmp (&a, &b, sizeof a) != 0;
    }
  c->policy->free (with);
  c->policy->free (without);
  ptest_topo_free (t);
  return differ;
}

START_TEST (test_reads_domains)
{
  ck_assert (!xp_policy_reads_domains (&xp_policy_none));
  ck_assert (!xp_policy_reads_domains (&xp_policy_first_fit));
  ck_assert (!xp_policy_reads_domains (&xp_policy_best_fit));
  ck_assert (!xp_policy_reads_domains (&xp_policy_worst_fit));
  ck_assert (!xp_policy_reads_domains (&xp_policy_xenopsd));
  ck_assert (xp_policy_reads_domains (&xp_policy_libxl));
  /* anything that is not a built-in, such as a plugin, gets the domains */
  XpPolicy plugin = xp_policy_best_fit;
  ck_assert (xp_policy_reads_domains (&plugin));
}
END_TEST

/* 300 random views per case (2400 decisions): the memory-only built-ins
 * never change their decision when the domains are left out. The same
 * loop finds libxl's decisions change, so it can tell a policy that reads
 * them. */
START_TEST (test_decide_without_domains)
{
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (GRand) rng = g_rand_new_with_seed (7 + k);
      guint differ = 0;
      for (guint r = 0; r < 300; r++)
        differ += decisions_that_differ (&cases[k], rng);
      if (xp_policy_reads_domains (cases[k].policy))
        ck_assert_msg (differ > 0, "%s: the domains never changed a decision", cases[k].policy->name);
      else
        ck_assert_msg (differ == 0, "%s %s: %u decisions changed without the domains", cases[k].policy->name,
                       cases[k].params[0] ? cases[k].params[0] : "", differ);
    }
}
END_TEST

Suite *
xp_test_policy_view_suite (void)
{
  Suite *s = suite_create ("policy_view");
  TCase *tc = tcase_create ("view");
  tcase_add_test (tc, test_reads_domains);
  tcase_add_test (tc, test_decide_without_domains);
  suite_add_tcase (s, tc);
  return s;
}
