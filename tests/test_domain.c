/* Tests of sim/xen/domain.c and the vCPU creation of sched_core.c: domid
 * rover, max_vcpus, max_mem, paging pool, destroy, pause/unpause and the
 * scheduler hooks; plus the version table and parameter parsing of setup.c. */
#include "config.h"
#include "tests/testutil.h"
#include "sim/xen/xen.h"
#include "sim/error.h"

XpTopology *xp_test_topo (guint n, guint cpus_per_node, const guint *mem_gib);
void xp_test_topo_free (XpTopology *t);
XpXen *xp_test_xen (const XpTopology *t, const char *version, XpEventQueue *q, const char *const *params);
void xp_test_check (XpXen *xen);
XpDomain *xp_test_domain (XpXen *xen, guint vcpus, XpPages max_pages);

#define GIB XP_PAGES_PER_GIB

static guint n_insert, n_remove, n_adjust, n_unpause, n_pause;
static void h_insert (XpXen *x, XpVcpu *v) { n_insert++; }
static void h_remove (XpXen *x, XpVcpu *v) { n_remove++; }
static void h_adjust (XpXen *x, XpVcpu *v) { n_adjust++; }
static void h_unpause (XpXen *x, XpDomain *d) { n_unpause++; }
static void h_pause (XpXen *x, XpDomain *d) { n_pause++; }
static const XpSchedOps counting_ops = {
  .name = "counting", .insert_vcpu = h_insert, .remove_vcpu = h_remove, .adjust_affinity = h_adjust,
  .domain_unpause = h_unpause, .domain_pause = h_pause,
};

/* 4.17 rover: next free id after the last allocated one, skipping 0;
 * explicit ids are used if free, -EEXIST otherwise. */
START_TEST (test_domid_rover)
{
  XpTopology *t = xp_test_topo (1, 2, (const guint[]) { 2 });
  XpXen *xen = xp_test_xen (t, "4.17", NULL, NULL);
  XpDomainConfig cfg = { .type = XP_DOMAIN_HVM, .max_vcpus = 1 };
  XpDomain *a, *b, *c, *d, *e;
  ck_assert_int_eq (xp_domain_create (xen, &cfg, &a), 0);
  ck_assert_int_eq (xp_domain_create (xen, &cfg, &b), 0);
  ck_assert_int_eq (xp_domain_create (xen, &cfg, &c), 0);
  ck_assert_uint_eq (a->domid, 1);
  ck_assert_uint_eq (b->domid, 2);
  ck_assert_uint_eq (c->domid, 3);
  ck_assert_int_eq (xp_domain_destroy (xen, b), 0);
  ck_assert_int_eq (xp_domain_create (xen, &cfg, &d), 0);
  ck_assert_uint_eq (d->domid, 4);                 /* after the last, not the lowest free */
  cfg.requested_domid = 2;
  ck_assert_int_eq (xp_domain_create (xen, &cfg, &e), 0);
  ck_assert_uint_eq (e->domid, 2);
  cfg.requested_domid = 3;
  ck_assert_int_eq (xp_domain_create (xen, &cfg, &e), -EEXIST);
  cfg.requested_domid = 0;
  cfg.max_vcpus = 0;
  ck_assert_int_eq (xp_domain_create (xen, &cfg, &e), -EINVAL);
  /* domain_list is ascending by domid: 0 (dom0), 1, 2, 3, 4 */
  ck_assert_uint_eq (xen->domain_list->len, 5);
  for (guint i = 0; i < 5; i++)
    ck_assert_uint_eq (((XpDomain *) g_ptr_array_index (xen->domain_list, i))->domid, i);
  ck_assert_int_eq (xp_domain_destroy (xen, xen->dom0), -EINVAL);
  /* the rover wraps below DOMID_FIRST_RESERVED (0x7FF0) back to 1 */
  xen->domid_rover = 0x7FEF;
  cfg.max_vcpus = 1;
  ck_assert_int_eq (xp_domain_create (xen, &cfg, &e), 0);
  ck_assert_uint_eq (e->domid, 5);                 /* 1..4 are taken */
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* max_vcpus: 2 nodes x 4 CPUs. A domain of max 3 vCPUs: n = 0 or 4 ->
 * -EINVAL; 3 creates vCPUs 0..2 with hard = soft = all 8 CPUs, placed on
 * CPUs 0, 1, 2 (first CPU of the affinity, then the next ones); a second
 * call with another count -EINVAL, with the same count 0. The scheduler's
 * insert hook runs once per vCPU. */
START_TEST (test_max_vcpus)
{
  XpTopology *t = xp_test_topo (2, 4, (const guint[]) { 2, 2 });
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  xen->sched = &counting_ops;
  n_insert = 0;
  XpDomainConfig cfg = { .type = XP_DOMAIN_HVM, .max_vcpus = 3 };
  XpDomain *d;
  ck_assert_int_eq (xp_domain_create (xen, &cfg, &d), 0);
  ck_assert_uint_eq (d->node_affinity, XP_NODEMASK_ALL);  /* nothing before vCPU 0 exists */
  ck_assert_int_eq (xp_domain_max_vcpus (xen, d, 0), -EINVAL);
  ck_assert_int_eq (xp_domain_max_vcpus (xen, d, 4), -EINVAL);
  ck_assert_int_eq (xp_domain_max_vcpus (xen, d, 3), 0);
  ck_assert_uint_eq (d->n_vcpus, 3);
  ck_assert_uint_eq (n_insert, 3);
  for (guint i = 0; i < 3; i++)
    {
      ck_assert_uint_eq (xp_cpumask_weight (&d->vcpus[i].hard), 8);
      ck_assert_uint_eq (xp_cpumask_weight (&d->vcpus[i].soft), 8);
      ck_assert_uint_eq (d->vcpus[i].processor, i);
      ck_assert_ptr_eq (d->vcpus[i].domain, d);
    }
  ck_assert_uint_eq (d->node_affinity, 0x3);
  ck_assert_int_eq (xp_domain_max_vcpus (xen, d, 2), -EINVAL);
  ck_assert_int_eq (xp_domain_max_vcpus (xen, d, 3), 0);
  ck_assert_uint_eq (n_insert, 3);
  xen->sched = NULL;
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* setmaxmem: 1048576 KiB -> 262144 pages; the paging pool: 256 4 KiB pages
 * with MEMF_no_owner, following the auto affinity {0,1} round robin (128
 * per node, last_alloc_node starting at 0 -> node 1 first), outside
 * tot_pages; shrinking frees pages (anonymous -> dirty). */
START_TEST (test_maxmem_and_paging_pool)
{
  XpTopology *t = xp_test_topo (2, 2, (const guint[]) { 4, 4 });
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  XpDomain *d = xp_test_domain (xen, 2, 0);
  ck_assert_int_eq (xp_domain_set_max_mem (xen, d, 1048576), 0);
  ck_assert_uint_eq (d->max_pages, GIB);
  XpPages f0 = xp_heap_node_avail (xen, 0), f1 = xp_heap_node_avail (xen, 1);
  ck_assert_int_eq (xp_domain_set_paging_mempool (xen, d, 256), 0);
  ck_assert_uint_eq (d->paging_pool_pages, 256);
  ck_assert_uint_eq (d->tot_pages, 0);
  ck_assert_uint_eq (xp_heap_node_avail (xen, 0), f0 - 128);
  ck_assert_uint_eq (xp_heap_node_avail (xen, 1), f1 - 128);
  ck_assert_uint_eq (d->last_alloc_node, 0);    /* 256th page: node 0 */
  xp_test_check (xen);
  ck_assert_int_eq (xp_domain_set_paging_mempool (xen, d, 56), 0);
  ck_assert_uint_eq (d->paging_pool_pages, 56);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0) + xp_heap_node_need_scrub (xen, 1), 200);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* destroy: memory (1 GiB + 2 MiB) and paging pool (16 pages) come back
 * dirty, the claim is released, each vCPU leaves the scheduler. */
START_TEST (test_destroy)
{
  XpTopology *t = xp_test_topo (2, 2, (const guint[]) { 4, 4 });
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  XpPages before = xp_heap_total_avail (xen);
  xen->sched = &counting_ops;
  n_remove = 0;
  XpDomain *d = xp_test_domain (xen, 2, 2 * GIB);
  ck_assert_int_eq (xp_domain_set_paging_mempool (xen, d, 16), 0);
  ck_assert_int_eq (xp_memory_claim_pages (xen, d->domid, 2 * GIB), 0);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, XP_ORDER_1G, 0), 1);
  ck_assert_uint_eq (xp_populate_physmap (xen, d, 1, XP_ORDER_2M, 0), 1);
  ck_assert_uint_eq (xp_heap_outstanding_claims (xen), GIB - 512);
  ck_assert_uint_eq (xp_heap_total_avail (xen), before - GIB - 512 - 16);
  ck_assert_int_eq (xp_domain_destroy (xen, d), 0);
  ck_assert_uint_eq (n_remove, 2);
  ck_assert_uint_eq (xp_heap_outstanding_claims (xen), 0);
  ck_assert_uint_eq (xp_heap_total_avail (xen), before);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0) + xp_heap_node_need_scrub (xen, 1), GIB + 512 + 16);
  ck_assert_ptr_null (xp_xen_domain (xen, 1));
  xen->sched = NULL;
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* pause / unpause: the first unpause sets creation_finished; hooks fire on
 * state changes only. */
START_TEST (test_pause_unpause)
{
  XpTopology *t = xp_test_topo (1, 2, (const guint[]) { 2 });
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  xen->sched = &counting_ops;
  n_unpause = n_pause = 0;
  XpDomain *d = xp_test_domain (xen, 1, GIB);
  ck_assert (d->paused);
  ck_assert (!d->creation_finished);
  ck_assert_int_eq (xp_domain_unpause (xen, d), 0);
  ck_assert_int_eq (xp_domain_unpause (xen, d), 0);
  ck_assert (!d->paused);
  ck_assert (d->creation_finished);
  ck_assert_uint_eq (n_unpause, 1);
  ck_assert_int_eq (xp_domain_pause (xen, d), 0);
  ck_assert (d->paused);
  ck_assert (d->creation_finished);
  ck_assert_uint_eq (n_pause, 1);
  xen->sched = NULL;
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* The version table of reference §0. */
START_TEST (test_behaviour_table)
{
  XpXenBehaviour b;
  GError *err = NULL;
  ck_assert (xp_xen_behaviour_init (&b, NULL, &err));
  ck_assert_uint_eq (b.version, 417);
  ck_assert (b.claim_regrow_on_free && !b.claim_consumed_in_alloc && !b.claim_rejects_dying);
  ck_assert (!b.populate_defers_scrub && b.libxc_claim_enosys_ok);
  ck_assert (!b.credit_balance_ratelimit && !b.credit_skip_yielded);
  ck_assert_int_eq (b.node_claims, XP_NODE_CLAIMS_NONE);
  ck_assert (xp_xen_behaviour_init (&b, "4.18", &err));
  ck_assert (b.credit_balance_ratelimit && b.credit_skip_yielded && b.claim_regrow_on_free);
  ck_assert (xp_xen_behaviour_init (&b, "4.20", &err));
  ck_assert (b.claim_regrow_on_free);
  ck_assert (xp_xen_behaviour_init (&b, "4.21", &err));
  ck_assert (!b.claim_regrow_on_free && !b.claim_consumed_in_alloc && b.libxc_claim_enosys_ok);
  /* the claim backports of 4.19.5 / 4.20.3 / 4.21.1; deferred scrubbing
   * and libxc's ENOSYS squashing stay as before */
  ck_assert (xp_xen_behaviour_init (&b, "4.21.1", &err));
  ck_assert (!b.claim_regrow_on_free && b.claim_consumed_in_alloc && b.claim_rejects_dying);
  ck_assert (!b.populate_defers_scrub && b.libxc_claim_enosys_ok);
  ck_assert (xp_xen_behaviour_init (&b, "4.20.3", &err));
  ck_assert (!b.claim_regrow_on_free && b.claim_consumed_in_alloc && b.claim_rejects_dying);
  ck_assert (xp_xen_behaviour_init (&b, "4.20.2", &err));
  ck_assert (b.claim_regrow_on_free && !b.claim_consumed_in_alloc && !b.claim_rejects_dying);
  ck_assert (xp_xen_behaviour_init (&b, "4.19.5", &err));
  ck_assert (!b.claim_regrow_on_free && b.claim_consumed_in_alloc && b.claim_rejects_dying);
  ck_assert (xp_xen_behaviour_init (&b, "4.18.6", &err));
  ck_assert (b.claim_regrow_on_free && !b.claim_consumed_in_alloc && !b.claim_rejects_dying);
  ck_assert (xp_xen_behaviour_init (&b, "4.22.0", &err));
  ck_assert_uint_eq (b.version, 422);
  ck_assert (b.claim_consumed_in_alloc && b.claim_rejects_dying && b.populate_defers_scrub);
  ck_assert (!b.libxc_claim_enosys_ok && !b.claim_regrow_on_free);
  ck_assert (xp_xen_behaviour_init (&b, "4.21+node-claims", &err));
  ck_assert_int_eq (b.node_claims, XP_NODE_CLAIMS_SINGLE);
  ck_assert (!xp_xen_behaviour_init (&b, "4.16", &err));
  xp_assert_error_contains (err, "4.17 .. 4.22");
  g_clear_error (&err);
  ck_assert (!xp_xen_behaviour_init (&b, "4.17x", &err));
  g_clear_error (&err);
  ck_assert (!xp_xen_behaviour_init (&b, "4.22+numa", &err));
  xp_assert_error_contains (err, "+node-claims");
  g_clear_error (&err);
}
END_TEST

START_TEST (test_params)
{
  XpXenParams p;
  GError *err = NULL;
  xp_xen_params_init_defaults (&p);
  ck_assert_uint_eq (p.scrub_bytes_per_sec, G_GUINT64_CONSTANT (4) << 30);
  ck_assert_uint_eq (p.max_order, 18);
  ck_assert_uint_eq (p.mmio_hole_bytes, G_GUINT64_CONSTANT (1) << 30);
  ck_assert (xp_xen_params_set (&p, "scrub_rate=2GiB", &err));
  ck_assert_uint_eq (p.scrub_bytes_per_sec, G_GUINT64_CONSTANT (2) << 30);
  ck_assert (xp_xen_params_set (&p, "dom0_mem=512MiB", &err));
  ck_assert_uint_eq (p.dom0_mem_bytes, G_GUINT64_CONSTANT (512) << 20);
  ck_assert (xp_xen_params_set (&p, "xen_pages_per_node=64MiB", &err));
  ck_assert_uint_eq (p.xen_pages_per_node, 16384);
  ck_assert (xp_xen_params_set (&p, "xen_pages_per_node=100", &err));
  ck_assert_uint_eq (p.xen_pages_per_node, 100);
  ck_assert (xp_xen_params_set (&p, "dma_bits=30", &err));
  ck_assert (xp_xen_params_set (&p, "boot_dirty=1", &err));
  ck_assert (p.boot_memory_dirty);
  ck_assert (!xp_xen_params_set (&p, "dom0_vcpus=0", &err));
  xp_assert_error_contains (err, "dom0_vcpus");
  g_clear_error (&err);
  ck_assert (!xp_xen_params_set (&p, "bogus=1", &err));
  xp_assert_error_contains (err, "bogus");
  g_clear_error (&err);
  ck_assert (!xp_xen_params_set (&p, "scrub_rate", &err));
  xp_assert_error_contains (err, "NAME=VALUE");
  g_clear_error (&err);
  ck_assert (!xp_xen_params_set (&p, "mmio_hole=5GiB", &err));
  xp_assert_error_contains (err, "mmio_hole");
  g_clear_error (&err);
}
END_TEST

/* Boot failures are reported, nothing leaks: dom0_mem larger than the host. */
START_TEST (test_boot_errors)
{
  XpTopology *t = xp_test_topo (1, 2, (const guint[]) { 2 });
  XpXenBehaviour b;
  XpXenParams p;
  GError *err = NULL;
  ck_assert (xp_xen_behaviour_init (&b, "4.22", &err));
  xp_xen_params_init_defaults (&p);
  ck_assert (xp_xen_params_set (&p, "dom0_mem=3GiB", &err));
  ck_assert_ptr_null (xp_xen_new (t, &b, &p, NULL, &err));
  xp_assert_error_contains (err, "dom0_mem");
  g_clear_error (&err);
  xp_test_topo_free (t);
}
END_TEST

Suite *
xp_test_domain_suite (void)
{
  Suite *s = suite_create ("domain");
  TCase *tc = tcase_create ("domain");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_domid_rover);
  tcase_add_test (tc, test_max_vcpus);
  tcase_add_test (tc, test_maxmem_and_paging_pool);
  tcase_add_test (tc, test_destroy);
  tcase_add_test (tc, test_pause_unpause);
  tcase_add_test (tc, test_behaviour_table);
  tcase_add_test (tc, test_params);
  tcase_add_test (tc, test_boot_errors);
  suite_add_tcase (s, tc);
  return s;
}
