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
  suite_add_tcase (s, tc);
  return s;
}
