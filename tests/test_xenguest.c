/* Tests of the meminit_hvm populate loop against a recording fake Xen. */
#include "config.h"
#include <errno.h>
#include "tests/testutil.h"
#include "tests/fake_hv.h"
#include "sim/xenguest.h"

static XpHv *
setup (FakeHv *f, guint32 *domid)
{
  memset (f, 0, sizeof *f);
  f->n_nodes = 2;
  f->n_cpus = 4;
  f->node_free[0] = f->node_free[1] = 16 * XP_PAGES_PER_GIB;
  XpHv *hv = fake_hv_new (f);
  hv->ops->domain_create (hv, XP_GUEST_HVM, 1, domid);
  return hv;
}

static void
teardown (FakeHv *f, XpHv *hv)
{
  g_string_free (f->log, TRUE);
  g_free (hv);
}

/* A 4 GiB HVM guest with the default 256 MiB MMIO hole. Worked by hand from
 * meminit_hvm's loop:
 *   lowmem_end = 4 GiB − 256 MiB = pfn 983040; high range [1 Mi, 1 Mi + 64 Ki).
 *   pfns 0..0x9F: 160 × 4 KiB.  GiB 0 from 0xC0: 320 × 4 KiB up to pfn 512
 *   (0xC0 is not 2 MiB aligned), then 127 passes of 4 × 2 MiB and one of 3
 *   × 2 MiB = 511 × 2 MiB.  GiB 1 and 2: one 1 GiB extent each.  GiB 3 up to
 *   the hole (768 MiB): 384 × 2 MiB.  High 256 MiB: 128 × 2 MiB.
 *   Totals: 2 × 1 GiB, 1023 × 2 MiB, 480 × 4 KiB = 4 GiB − 32 pages (VGA hole). */
START_TEST (test_hvm_4g_layout)
{
  FakeHv f;
  guint32 domid;
  XpHv *hv = setup (&f, &domid);
  XpMeminit m;
  xp_meminit_hvm_init (&m, domid, 4 * XP_PAGES_PER_GIB, XP_MMIO_HOLE_DEFAULT, XP_NO_NODE, FALSE);
  ck_assert_uint_eq (xp_meminit_total_pages (&m), 4 * XP_PAGES_PER_GIB - 32);
  gint64 total = 0, step;
  guint steps = 0;
  while (!m.finished)
    {
      step = xp_meminit_step (hv, &m, XP_PAGES_PER_GIB);
      ck_assert_int_ge (step, 0);
      total += step;
      steps++;
    }
  ck_assert_uint_eq (m.extents_1g, 2);
  ck_assert_uint_eq (m.extents_2m, 1023);
  ck_assert_uint_eq (m.pages_4k, 480);
  ck_assert_int_eq (total, 4 * XP_PAGES_PER_GIB - 32);
  ck_assert_uint_eq (f.dom[0].pages[0], 4 * XP_PAGES_PER_GIB - 32);
  /* with a 1 GiB budget per step the build is cut into about one step per GiB */
  ck_assert_uint_ge (steps, 4);
  ck_assert_uint_le (steps, 6);
  teardown (&f, hv);
}
END_TEST

/* Every 1 GiB attempt fails: GiBs 1 and 2 are populated as 512 × 2 MiB
 * each: 511 + 512 + 512 + 384 + 128 = 2047 × 2 MiB, still 480 × 4 KiB.
 * Exactly two 1 GiB calls are made (one per aligned GiB). */
START_TEST (test_hvm_1g_failure_falls_back_to_2m)
{
  FakeHv f;
  guint32 domid;
  XpHv *hv = setup (&f, &domid);
  f.fail_order[18] = TRUE;
  f.log_populate = TRUE;
  XpMeminit m;
  xp_meminit_hvm_init (&m, domid, 4 * XP_PAGES_PER_GIB, XP_MMIO_HOLE_DEFAULT, XP_NO_NODE, FALSE);
  while (!m.finished)
    ck_assert_int_ge (xp_meminit_step (hv, &m, G_MAXUINT64), 0);
  ck_assert_uint_eq (m.extents_1g, 0);
  ck_assert_uint_eq (m.extents_2m, 2047);
  ck_assert_uint_eq (m.pages_4k, 480);
  guint calls_1g = 0;
  for (const char *p = f.log->str; (p = strstr (p, ",18,")); p++)
    calls_1g++;
  ck_assert_uint_eq (calls_1g, 2);
  teardown (&f, hv);
}
END_TEST

/* 2 MiB extents fail too: everything after the first GiB attempt is 4 KiB. */
START_TEST (test_hvm_all_superpages_fail)
{
  FakeHv f;
  guint32 domid;
  XpHv *hv = setup (&f, &domid);
  f.fail_order[18] = f.fail_order[9] = TRUE;
  XpMeminit m;
  xp_meminit_hvm_init (&m, domid, 2 * XP_PAGES_PER_GIB, XP_MMIO_HOLE_DEFAULT, XP_NO_NODE, FALSE);
  while (!m.finished)
    ck_assert_int_ge (xp_meminit_step (hv, &m, G_MAXUINT64), 0);
  ck_assert_uint_eq (m.extents_1g + m.extents_2m, 0);
  ck_assert_uint_eq (m.pages_4k, 2 * XP_PAGES_PER_GIB - 32);
  teardown (&f, hv);
}
END_TEST

/* A 4 KiB shortfall is fatal (_exact → EBUSY), superpage shortfalls are not. */
START_TEST (test_hvm_4k_shortfall_fails)
{
  FakeHv f;
  guint32 domid;
  XpHv *hv = setup (&f, &domid);
  f.fail_order[18] = f.fail_order[9] = TRUE;
  f.pages_4k_limit = 1000;
  XpMeminit m;
  xp_meminit_hvm_init (&m, domid, XP_PAGES_PER_GIB, XP_MMIO_HOLE_DEFAULT, XP_NO_NODE, FALSE);
  gint64 rc = 0;
  while (!m.finished && rc >= 0)
    rc = xp_meminit_step (hv, &m, G_MAXUINT64);
  ck_assert_int_eq (rc, -EBUSY);
  ck_assert (!m.finished);
  teardown (&f, hv);
}
END_TEST

/* A node hint goes into every call; exact adds the exact-node bit. */
START_TEST (test_node_flags)
{
  FakeHv f;
  guint32 domid;
  XpHv *hv = setup (&f, &domid);
  f.log_populate = TRUE;
  XpMeminit m;
  xp_meminit_hvm_init (&m, domid, XP_PAGES_PER_GIB, XP_MMIO_HOLE_DEFAULT, 1, TRUE);
  ck_assert_uint_eq (m.xenmemflags, (2u << 8) | (1u << 17));
  while (!m.finished)
    ck_assert_int_ge (xp_meminit_step (hv, &m, G_MAXUINT64), 0);
  /* pfns 0..0x9F are populated without the node (meminit_hvm's plain
   * memflags), everything else with it */
  ck_assert_uint_eq (f.dom[0].pages[0], 160);
  ck_assert_uint_eq (f.dom[0].pages[1], XP_PAGES_PER_GIB - 32 - 160);
  const char *low = strstr (f.log->str, "pop(160,0,0) ");
  ck_assert_ptr_nonnull (low);
  ck_assert_ptr_null (strstr (low + strlen ("pop(160,0,0) "), ",0)"));   /* every other call has it */
  teardown (&f, hv);
}
END_TEST

/* PV: 2 MiB extents in batches, then 4 KiB for the unaligned tail. */
START_TEST (test_pv_layout)
{
  FakeHv f;
  guint32 domid;
  XpHv *hv = setup (&f, &domid);
  XpMeminit m;
  xp_meminit_pv_init (&m, domid, XP_PAGES_PER_GIB + 100, XP_NO_NODE, FALSE);
  while (!m.finished)
    ck_assert_int_ge (xp_meminit_step (hv, &m, G_MAXUINT64), 0);
  ck_assert_uint_eq (m.extents_2m, 512);
  ck_assert_uint_eq (m.pages_4k, 100);
  teardown (&f, hv);
}
END_TEST

/* ---- merged passes on the model --------------------------------------------------- */

#include "sim/xen/xen.h"

XpTopology *xp_test_topo (guint n, guint cpus_per_node, const guint *mem_gib);
void xp_test_topo_free (XpTopology *t);
XpXen *xp_test_xen (const XpTopology *t, const char *version, XpEventQueue *q, const char *const *params);

/* A fragmented host: every free 2 MiB block taken anonymously, a seeded
 * ~half of them given back, then scattered 4 KiB pages taken from those. */
static void
fragment (XpXen *xen, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  g_autoptr (GArray) held = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint64 pfn;
  while ((pfn = xp_alloc_domheap_pages (xen, NULL, XP_ORDER_2M, 0)) != XP_INVALID_PFN)
    g_array_append_val (held, pfn);
  for (guint i = 0; i < held->len; i++)
    if (g_rand_int_range (r, 0, 100) < 55)
      xp_free_domheap_pages (xen, NULL, g_array_index (held, guint64, i), XP_ORDER_2M);
  for (guint i = 0, n = g_rand_int_range (r, 0, 40); i < n; i++)
    xp_alloc_domheap_pages (xen, NULL, 0, 0);
  g_rand_free (r);
}

/* The model lets meminit merge plain 8 MiB passes into one populate call
 * (XpHvOps.populate_calls_merge). On the same fragmented hosts, with 2 MiB
 * extents failing part way and odd budgets, a build with merging and one
 * without must end in the same heap and the same counters (populate
 * calls, 1 GiB / 2 MiB extents, 4 KiB pages), step by step. */
START_TEST (test_merged_passes_same_outcome)
{
  guint32 seed = 300 + (guint32) _i;
  GRand *r = g_rand_new_with_seed (seed);
  guint gib[2] = { 3, 3 };
  XpTopology *t = xp_test_topo (2, 2, gib);
  XpXen *xen[2];
  XpHv *hv[2];
  XpHvOps plain;
  guint32 domid[2];
  XpMeminit m[2];
  XpPages pages = g_rand_int_range (r, 512, 5 * XP_PAGES_PER_GIB / 2);
  guint node = g_rand_int_range (r, 0, 3);        /* 2: no node */
  gboolean exact = g_rand_boolean (r);
  XpPages budget = g_rand_boolean (r) ? 2048 * (XpPages) g_rand_int_range (r, 1, 150) : (XpPages) g_rand_int_range (r, 1000, 300000);
  for (guint k = 0; k < 2; k++)
    {
      xen[k] = xp_test_xen (t, "4.17", NULL, NULL);
      hv[k] = xp_hv_model_new (xen[k]);
      if (k == 1)
        {
          plain = *hv[k]->ops;
          plain.populate_calls_merge = FALSE;
          hv[k]->ops = &plain;
        }
      fragment (xen[k], seed);
      domid[k] = 0;
      ck_assert_int_eq (hv[k]->ops->domain_create (hv[k], XP_GUEST_HVM, 1, &domid[k]), 0);
      ck_assert_int_eq (hv[k]->ops->setmaxmem (hv[k], domid[k], pages * 4 + 1024), 0);
      xp_meminit_hvm_init (&m[k], domid[k], pages, 256 << 20, node < 2 ? node : XP_NO_NODE, exact);
    }
  ck_assert (hv[0]->ops->populate_calls_merge);
  for (guint step = 0; step < 100000; step++)
    {
      gint64 a = xp_meminit_step (hv[0], &m[0], budget);
      gint64 b = xp_meminit_step (hv[1], &m[1], budget);
      ck_assert_int_eq (a, b);
      ck_assert_uint_eq (m[0].populate_calls, m[1].populate_calls);
      ck_assert_uint_eq (m[0].extents_1g, m[1].extents_1g);
      ck_assert_uint_eq (m[0].extents_2m, m[1].extents_2m);
      ck_assert_uint_eq (m[0].pages_4k, m[1].pages_4k);
      ck_assert_uint_eq (m[0].cur, m[1].cur);
      GString *sa = g_string_new (NULL), *sb = g_string_new (NULL);
      xp_heap_dump_state (xen[0], sa);
      xp_heap_dump_state (xen[1], sb);
      ck_assert_str_eq (sa->str, sb->str);
      g_string_free (sa, TRUE);
      g_string_free (sb, TRUE);
      if (a <= 0 || m[0].finished)
        break;
    }
  for (guint k = 0; k < 2; k++)
    {
      xp_hv_free (hv[k]);
      xp_xen_free (xen[k]);
    }
  xp_test_topo_free (t);
  g_rand_free (r);
}
END_TEST

Suite *
xp_test_xenguest_suite (void)
{
  Suite *s = suite_create ("xenguest");
  TCase *tc = tcase_create ("meminit");
  tcase_add_test (tc, test_hvm_4g_layout);
  tcase_add_test (tc, test_hvm_1g_failure_falls_back_to_2m);
  tcase_add_test (tc, test_hvm_all_superpages_fail);
  tcase_add_test (tc, test_hvm_4k_shortfall_fails);
  tcase_add_test (tc, test_node_flags);
  tcase_add_test (tc, test_pv_layout);
  tcase_add_loop_test (tc, test_merged_passes_same_outcome, 0, 40);
  suite_add_tcase (s, tc);
  return s;
}
