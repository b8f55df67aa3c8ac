/* The hypervisor conformance suite (tests/conformance.c) against the model
 * backend. The same cases pass on real Xen 4.17 (make check-live; results
 * in docs/live-results.md). The host is shaped like check-live's 2-node
 * QEMU machine: 2 nodes x 1 GiB, 2 CPUs each, SLIT 10/20, 512 MiB dom0. */
#include "config.h"
#include "tests/testutil.h"
#include "tests/conformance.h"
#include "sim/hv.h"
#include "sim/xen/xen.h"

static XpTopology *
qemu_2node (void)
{
  XpTopology *t = g_new0 (XpTopology, 1);
  t->name = g_strdup ("qemu-2node");
  t->n_nodes = 2;
  t->nodes = g_new0 (XpNode, 2);
  t->n_cpus = 4;
  t->cpus = g_new0 (XpCpu, 4);
  t->n_sockets = 2;
  t->distance = g_new (guint, 4);
  for (guint n = 0; n < 2; n++)
    {
      XpNode *node = &t->nodes[n];
      node->id = n;
      node->memory_bytes = G_GUINT64_CONSTANT (1) << 30;
      node->n_cpus = 2;
      node->n_cores = 2;
      node->cpus = g_new (guint, 2);
      for (guint c = 0; c < 2; c++)
        {
          guint id = n * 2 + c;
          node->cpus[c] = id;
          t->cpus[id] = (XpCpu) { .id = id, .node = n, .socket = n, .core = id, .thread = 0 };
        }
      for (guint m = 0; m < 2; m++)
        t->distance[n * 2 + m] = n == m ? 10 : 20;
    }
  return t;
}

/* By hand: xp_topology_free lives in the topology module. */
static void
free_topo (XpTopology *t)
{
  for (guint n = 0; n < t->n_nodes; n++)
    g_free (t->nodes[n].cpus);
  g_free (t->nodes);
  g_free (t->cpus);
  g_free (t->distance);
  g_free (t->name);
  g_free (t);
}

static void
run_on_model (guint i, XpGuestType type)
{
  XpTopology *t = qemu_2node ();
  XpXenBehaviour b;
  XpXenParams p;
  g_autoptr (GError) err = NULL;
  ck_assert (xp_xen_behaviour_init (&b, "4.17", &err));
  xp_xen_params_init_defaults (&p);
  ck_assert (xp_xen_params_set (&p, "dom0_mem=512MiB", &err));
  ck_assert (xp_xen_params_set (&p, "dom0_vcpus=2", &err));
  XpXen *xen = xp_xen_new (t, &b, &p, NULL, &err);
  ck_assert_msg (xen != NULL, "%s", err ? err->message : "");
  XpHv *hv = xp_hv_model_new (xen);

  /* The model's bookkeeping is exact: no slack. */
  XpConfOptions opt = { .type = type, .slack_pages = 0 };
  g_autoptr (GString) log = g_string_new (NULL);
  XpConfOutcome o = xp_conformance_run_case (hv, i, &opt, log);
  ck_assert_msg (o == XP_CONF_PASS, "case %s (type %d): %s\n%s", xp_conformance_case_name (i), type,
                 xp_conf_outcome_name (o), log->str);
  /* Every case cleans up: only dom0 is left. */
  guint n = 8;
  guint32 ids[8];
  ck_assert_int_eq (hv->ops->domain_list (hv, &n, ids), 0);
  ck_assert_uint_eq (n, 1);
  xp_hv_free (hv);
  xp_xen_free (xen);
  free_topo (t);
}

START_TEST (test_case_on_model_hvm)
{
  run_on_model ((guint) _i, XP_GUEST_HVM);
}
END_TEST

/* PV containers, as check-live uses on a CPU without SVM. */
START_TEST (test_case_on_model_pv)
{
  run_on_model ((guint) _i, XP_GUEST_PV);
}
END_TEST

START_TEST (test_case_table)
{
  ck_assert_uint_ge (xp_conformance_n_cases (), 12);
  ck_assert_int_eq (xp_conformance_find ("claims"), 6);
  ck_assert_int_eq (xp_conformance_find ("no_such_case"), -1);
}
END_TEST

Suite *
xp_test_conformance_suite (void)
{
  Suite *s = suite_create ("conformance");
  TCase *tc = tcase_create ("model");
  tcase_set_timeout (tc, 60);
  tcase_add_loop_test (tc, test_case_on_model_hvm, 0, (int) xp_conformance_n_cases ());
  tcase_add_loop_test (tc, test_case_on_model_pv, 0, (int) xp_conformance_n_cases ());
  tcase_add_test (tc, test_case_table);
  suite_add_tcase (s, tc);
  return s;
}
