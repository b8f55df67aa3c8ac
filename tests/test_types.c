/* Tests of masks and list parsing. */
#include "config.h"
#include "tests/testutil.h"
#include "sim/types.h"
#include "sim/util.h"

START_TEST (test_cpulist)
{
  XpCpumask m;
  const char *why = NULL;
  ck_assert (xp_cpumask_parse ("0-3,8,10-11", &m, &why));
  ck_assert_uint_eq (xp_cpumask_weight (&m), 7);
  ck_assert (xp_cpumask_test (&m, 3) && xp_cpumask_test (&m, 8) && !xp_cpumask_test (&m, 9));
  g_autofree char *s = xp_cpumask_format (&m);
  ck_assert_str_eq (s, "0-3,8,10-11");
  ck_assert (!xp_cpumask_parse ("3-1", &m, &why));
  ck_assert (!xp_cpumask_parse ("1,", &m, &why));
  ck_assert (!xp_cpumask_parse ("a", &m, &why));
  ck_assert (!xp_cpumask_parse ("1024", &m, &why));
  ck_assert (!xp_cpumask_parse ("", &m, &why));
  ck_assert_uint_eq (xp_cpumask_next (&m, 0), 0);
}
END_TEST

START_TEST (test_nodemask_cycle)
{
  XpNodemask m = xp_nodemask_of (1) | xp_nodemask_of (3) | xp_nodemask_of (63);
  ck_assert_uint_eq (xp_nodemask_cycle (m, 0), 1);
  ck_assert_uint_eq (xp_nodemask_cycle (m, 1), 3);
  ck_assert_uint_eq (xp_nodemask_cycle (m, 3), 63);
  ck_assert_uint_eq (xp_nodemask_cycle (m, 63), 1);   /* wraps */
  ck_assert_uint_eq (xp_nodemask_cycle (0, 5), XP_MAX_NODES);
  guint n, count = 0, sum = 0;
  XP_NODEMASK_FOREACH (n, m)
    {
      count++;
      sum += n;
    }
  ck_assert_uint_eq (count, 3);
  ck_assert_uint_eq (sum, 67);
}
END_TEST

START_TEST (test_sizes)
{
  guint64 b;
  ck_assert (xp_parse_size ("64GiB", 1, &b) && b == (G_GUINT64_CONSTANT (64) << 30));
  ck_assert (xp_parse_size ("1.5TiB", 1, &b) && b == (G_GUINT64_CONSTANT (3) << 39));
  ck_assert (xp_parse_size ("16GB", 1, &b) && b == G_GUINT64_CONSTANT (16000000000));
  ck_assert (xp_parse_size ("512", G_GUINT64_CONSTANT (1) << 20, &b) && b == (G_GUINT64_CONSTANT (512) << 20));
  ck_assert (!xp_parse_size ("-1G", 1, &b));
  ck_assert (!xp_parse_size ("12 parsecs", 1, &b));
  ck_assert (!xp_parse_size ("0.5", 1, &b));   /* half a byte */
}
END_TEST

Suite *
xp_test_types_suite (void)
{
  Suite *s = suite_create ("types");
  TCase *tc = tcase_create ("masks");
  tcase_add_test (tc, test_cpulist);
  tcase_add_test (tc, test_nodemask_cycle);
  tcase_add_test (tc, test_sizes);
  suite_add_tcase (s, tc);
  return s;
}
