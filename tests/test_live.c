/* Tests of the live backend that need no Xen host: the console-ring parser
 * behind domain_node_pages, and a clean error off Xen. (The backend itself
 * is tested on real Xen by `make check-live`.) */
#include "config.h"
#include <errno.h>
#include "tests/testutil.h"
#include "sim/live/hv_live.h"

/* Shaped like Xen 4.17's 'u' output: an older dump first (must be ignored),
 * then the latest one; domain 3 holds 2048 + 512 = 2560 pages. */
static const char dump[] =
  "(XEN) 'u' pressed -> dumping numa info (now = 1000)\n"
  "(XEN) Domain 3 (total: 7):\n"
  "(XEN)     Node 0: 7\n"
  "(XEN)     Node 1: 0\n"
  "(XEN) 'u' pressed -> dumping numa info (now = 2000)\n"
  "(XEN) NODE0 start->0 size->262144 free->100\n"
  "(XEN) CPU0...1 -> NODE0\n"
  "(XEN) Memory location of each domain:\n"
  "(XEN) Domain 0 (total: 131072):\n"
  "(XEN)     Node 0: 0\n"
  "(XEN)     Node 1: 131072\n"
  "(XEN) [   12.5] Domain 3 (total: 2560):\n"
  "(XEN) [   12.5]     Node 0: 2048\n"
  "(XEN) [   12.5]     Node 1: 512\n"
  "(XEN) Domain 4 (total: 1):\n"
  "(XEN)     Node 0: 1\n"
  "(XEN)     Node 1: 0\n";

START_TEST (test_parse_dump)
{
  XpPages pages[2] = { 99, 99 };
  ck_assert_int_eq (xp_hv_live_parse_numa_dump (dump, 3, 2, pages), 0);
  ck_assert_uint_eq (pages[0], 2048);
  ck_assert_uint_eq (pages[1], 512);
  ck_assert_int_eq (xp_hv_live_parse_numa_dump (dump, 0, 2, pages), 0);
  ck_assert_uint_eq (pages[0], 0);
  ck_assert_uint_eq (pages[1], 131072);
  /* Domain 9 is not in the latest dump. */
  ck_assert_int_eq (xp_hv_live_parse_numa_dump (dump, 9, 2, pages), -ESRCH);
  /* No dump at all (the ring wrapped past the header). */
  ck_assert_int_eq (xp_hv_live_parse_numa_dump ("(XEN) Domain 3 (total: 1):\n", 3, 2, pages), -EOVERFLOW);
}
END_TEST

START_TEST (test_parse_dump_cut)
{
  /* The node lines sum to 2048, not the 2560 of the header: cut short. */
  static const char cut[] =
    "(XEN) 'u' pressed -> dumping numa info (now = 1)\n"
    "(XEN) Domain 3 (total: 2560):\n"
    "(XEN)     Node 0: 2048\n";
  XpPages pages[2];
  ck_assert_int_eq (xp_hv_live_parse_numa_dump (cut, 3, 2, pages), -EOVERFLOW);
}
END_TEST

START_TEST (test_open_off_xen)
{
  /* This runs on a build machine, not in a dom0. */
  if (g_file_test ("/proc/xen/privcmd", G_FILE_TEST_EXISTS) || g_file_test ("/dev/xen/privcmd", G_FILE_TEST_EXISTS))
    return;
  g_autoptr (GError) error = NULL;
  XpHv *hv = xp_hv_live_new (&error);
  ck_assert_ptr_null (hv);
  xp_assert_error_contains (error, "cannot open libxenctrl");
}
END_TEST

Suite *
xp_test_live_suite (void)
{
  Suite *s = suite_create ("live");
  TCase *tc = tcase_create ("core");
  tcase_add_test (tc, test_parse_dump);
  tcase_add_test (tc, test_parse_dump_cut);
  tcase_add_test (tc, test_open_off_xen);
  suite_add_tcase (s, tc);
  return s;
}
