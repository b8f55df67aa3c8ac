/* Tests of node affinity (reference §3): domain_update_node_aff() from vCPU
 * masks, vcpu_set_affinity() errors and effective masks,
 * domain_set_node_affinity(). Host: 2 nodes x 4 CPUs (node 0 = CPUs 0-3,
 * node 1 = CPUs 4-7). */
#include "config.h"
#include "tests/testutil.h"
#include "sim/xen/xen.h"

XpTopology *xp_test_topo (guint n, guint cpus_per_node, const guint *mem_gib);
void xp_test_topo_free (XpTopology *t);
XpXen *xp_test_xen (const XpTopology *t, const char *version, XpEventQueue *q, const char *const *params);
void xp_test_check (XpXen *xen);
XpDomain *xp_test_domain (XpXen *xen, guint vcpus, XpPages max_pages);

static XpCpumask
mask (const char *list)
{
  XpCpumask m;
  const char *why = NULL;
  ck_assert_msg (xp_cpumask_parse (list, &m, &why), "%s", why ? why : "");
  return m;
}

static int
set (XpXen *xen, XpDomain *d, guint v, const char *hard, const char *soft)
{
  XpCpumask h = hard ? mask (hard) : (XpCpumask) { 0 };
  XpCpumask s = soft ? mask (soft) : (XpCpumask) { 0 };
  guint flags = (hard ? XP_VCPUAFFINITY_HARD : 0) | (soft ? XP_VCPUAFFINITY_SOFT : 0);
  return xp_vcpu_set_affinity (xen, &d->vcpus[v], hard ? &h : NULL, soft ? &s : NULL, flags);
}

static XpXen *
host (XpTopology **t)
{
  *t = xp_test_topo (2, 4, (const guint[]) { 2, 2 });
  return xp_test_xen (*t, "4.22", NULL, NULL);
}

/* Hard affinity: both vCPUs on node 0 CPUs -> {0}; one moved to node 1 ->
 * {0,1}. */
START_TEST (test_auto_from_hard)
{
  XpTopology *t;
  XpXen *xen = host (&t);
  XpDomain *d = xp_test_domain (xen, 2, 1024);
  ck_assert_uint_eq (d->node_affinity, 0x3);
  ck_assert (d->auto_node_affinity);
  ck_assert_int_eq (set (xen, d, 0, "0-3", NULL), 0);
  ck_assert_uint_eq (d->node_affinity, 0x3);   /* vCPU 1 still everywhere */
  ck_assert_int_eq (set (xen, d, 1, "2", NULL), 0);
  ck_assert_uint_eq (d->node_affinity, 0x1);
  ck_assert_int_eq (set (xen, d, 1, "5", NULL), 0);
  ck_assert_uint_eq (d->node_affinity, 0x3);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Soft affinity uses unions before intersecting:
 * (a) vCPU0 hard 0-3 soft 4-7, vCPU1 hard 4-7 soft 0-3: per vCPU soft ∩
 *     hard is empty, but ∪soft (0-7) ∩ ∪hard (0-7) = 0-7 -> {0,1};
 * (b) both hard 0-7, soft 4 and 5: S = {4,5} -> {1};
 * (c) both hard 0-3, soft 4-7: S ∩ H = ∅ -> falls back to H -> {0}. */
START_TEST (test_auto_soft_union)
{
  XpTopology *t;
  XpXen *xen = host (&t);
  XpDomain *d = xp_test_domain (xen, 2, 1024);
  ck_assert_int_eq (set (xen, d, 0, "0-3", "4-7"), 0);
  ck_assert_int_eq (set (xen, d, 1, "4-7", "0-3"), 0);
  ck_assert (xp_cpumask_empty (&d->vcpus[0].soft));
  ck_assert (!d->vcpus[0].soft_aff_effective);
  ck_assert_uint_eq (d->node_affinity, 0x3);

  ck_assert_int_eq (set (xen, d, 0, "0-7", "4"), 0);
  ck_assert_int_eq (set (xen, d, 1, "0-7", "5"), 0);
  ck_assert (d->vcpus[0].soft_aff_effective);
  ck_assert_uint_eq (d->node_affinity, 0x2);

  ck_assert_int_eq (set (xen, d, 0, "0-3", "4-7"), 0);
  ck_assert_int_eq (set (xen, d, 1, "0-3", "4-7"), 0);
  ck_assert_uint_eq (d->node_affinity, 0x1);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Errors and written-back masks: flags 0 or a flagged NULL mask -> -EINVAL;
 * a hard mask without an online CPU (100) -> -EINVAL and nothing changes;
 * hard "3,100" comes back as "3"; soft "2-5" with hard "3-4" comes back as
 * "3-4"; a soft-only change keeps hard. */
START_TEST (test_vcpu_affinity_errors)
{
  XpTopology *t;
  XpXen *xen = host (&t);
  XpDomain *d = xp_test_domain (xen, 1, 1024);
  XpVcpu *v = &d->vcpus[0];
  XpCpumask h = mask ("0-1");
  ck_assert_int_eq (xp_vcpu_set_affinity (xen, v, &h, NULL, 0), -EINVAL);
  ck_assert_int_eq (xp_vcpu_set_affinity (xen, v, NULL, NULL, XP_VCPUAFFINITY_HARD), -EINVAL);
  ck_assert_int_eq (xp_vcpu_set_affinity (xen, v, &h, NULL, XP_VCPUAFFINITY_HARD | XP_VCPUAFFINITY_SOFT), -EINVAL);
  XpCpumask bad = mask ("100");
  ck_assert_int_eq (xp_vcpu_set_affinity (xen, v, &bad, NULL, XP_VCPUAFFINITY_HARD), -EINVAL);
  ck_assert_uint_eq (xp_cpumask_weight (&v->hard), 8);
  XpCpumask hh = mask ("3,100");
  ck_assert_int_eq (xp_vcpu_set_affinity (xen, v, &hh, NULL, XP_VCPUAFFINITY_HARD), 0);
  XpCpumask three = mask ("3");
  ck_assert (xp_cpumask_equal (&hh, &three));
  XpCpumask h2 = mask ("3-4"), s2 = mask ("2-5");
  ck_assert_int_eq (xp_vcpu_set_affinity (xen, v, &h2, &s2, XP_VCPUAFFINITY_HARD | XP_VCPUAFFINITY_SOFT), 0);
  XpCpumask expect = mask ("3-4");
  ck_assert (xp_cpumask_equal (&s2, &expect));
  /* hard ⊂ soft: soft affinity is not effective */
  ck_assert (!v->soft_aff_effective);
  ck_assert_uint_eq (d->node_affinity, 0x3);
  XpCpumask s3 = mask ("4");
  ck_assert_int_eq (xp_vcpu_set_affinity (xen, v, NULL, &s3, XP_VCPUAFFINITY_SOFT), 0);
  ck_assert (xp_cpumask_equal (&v->hard, &h2));
  ck_assert (v->soft_aff_effective);
  ck_assert_uint_eq (d->node_affinity, 0x2);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Explicit node affinity: {1} turns auto off, later vCPU changes leave it;
 * a mask of only offline nodes (bit 5 on a 2-node host) -> -EINVAL; {1,5}
 * is kept as given; all 64 bits -> auto again, recomputed from the vCPUs
 * (hard 0-3 -> {0}); the mask of all online nodes {0,1} is not a reset. */
START_TEST (test_explicit_node_affinity)
{
  XpTopology *t;
  XpXen *xen = host (&t);
  XpDomain *d = xp_test_domain (xen, 1, 1024);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, d, 0x2), 0);
  ck_assert (!d->auto_node_affinity);
  ck_assert_uint_eq (d->node_affinity, 0x2);
  ck_assert_int_eq (set (xen, d, 0, "0-3", NULL), 0);
  ck_assert_uint_eq (d->node_affinity, 0x2);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, d, 0x20), -EINVAL);
  ck_assert_uint_eq (d->node_affinity, 0x2);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, d, 0x22), 0);
  ck_assert_uint_eq (d->node_affinity, 0x22);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, d, XP_NODEMASK_ALL), 0);
  ck_assert (d->auto_node_affinity);
  ck_assert_uint_eq (d->node_affinity, 0x1);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, d, 0x3), 0);
  ck_assert (!d->auto_node_affinity);
  ck_assert_uint_eq (d->node_affinity, 0x3);
  /* allocation only uses the online part of {1,5}: memory on node 1 */
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, d, 0x22), 0);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, XP_ORDER_2M, 0), 1);
  ck_assert_uint_eq (d->node_pages[1], 512);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* Before max_vcpus the mask stays ALL (nothing to derive it from); an
 * explicit {0} followed by an all-bits reset turns auto back on but leaves
 * the mask at {0} until vCPUs exist (domain_update_node_aff() returns early
 * without vCPU 0); max_vcpus then recomputes it: {0,1}. */
START_TEST (test_before_vcpus)
{
  XpTopology *t;
  XpXen *xen = host (&t);
  XpDomainConfig cfg = { .type = XP_DOMAIN_HVM, .max_vcpus = 2 };
  XpDomain *d;
  ck_assert_int_eq (xp_domain_create (xen, &cfg, &d), 0);
  ck_assert_uint_eq (d->node_affinity, XP_NODEMASK_ALL);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, d, 0x1), 0);
  ck_assert_int_eq (xp_domain_set_node_affinity (xen, d, XP_NODEMASK_ALL), 0);
  ck_assert (d->auto_node_affinity);
  ck_assert_uint_eq (d->node_affinity, 0x1);
  ck_assert_int_eq (xp_domain_max_vcpus (xen, d, 2), 0);
  ck_assert_uint_eq (d->node_affinity, 0x3);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

Suite *
xp_test_node_affinity_suite (void)
{
  Suite *s = suite_create ("node_affinity");
  TCase *tc = tcase_create ("node_affinity");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_auto_from_hard);
  tcase_add_test (tc, test_auto_soft_union);
  tcase_add_test (tc, test_vcpu_affinity_errors);
  tcase_add_test (tc, test_explicit_node_affinity);
  tcase_add_test (tc, test_before_vcpus);
  suite_add_tcase (s, tc);
  return s;
}
