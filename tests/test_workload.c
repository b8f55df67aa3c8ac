/* Tests of the vCPU demand generator (sim/workload.c). */
#include "config.h"
#include "tests/testutil.h"
#include "sim/workload.h"
#include "sim/error.h"

START_TEST (test_extremes_make_no_draws)
{
  g_autoptr (GRand) r1 = g_rand_new_with_seed (7);
  g_autoptr (GRand) r2 = g_rand_new_with_seed (7);
  XpWorkloadParams p;
  xp_workload_params_init_defaults (&p);
  g_autoptr (XpWorkload) w = xp_workload_new (&p, r1);
  /* full demand: endless busy period, no sleep; zero demand: never wakes */
  ck_assert_int_eq (xp_workload_draw_burst (w, XP_DEMAND_FULL), XP_TIME_NEVER);
  ck_assert_int_eq (xp_workload_draw_sleep (w, XP_DEMAND_FULL), 0);
  ck_assert (xp_workload_draw_start_busy (w, XP_DEMAND_FULL));
  ck_assert_int_eq (xp_workload_draw_burst (w, 0), 0);
  ck_assert_int_eq (xp_workload_draw_sleep (w, 0), XP_TIME_NEVER);
  ck_assert (!xp_workload_draw_start_busy (w, 0));
  /* none of these consumed a random number: r1 is still in step with r2 */
  ck_assert_uint_eq (g_rand_int (r1), g_rand_int (r2));
}
END_TEST

START_TEST (test_means_follow_demand)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (12345);
  XpWorkloadParams p;
  xp_workload_params_init_defaults (&p);
  g_autoptr (XpWorkload) w = xp_workload_new (&p, r);
  /* demand 0.25: mean burst 10 ms, mean sleep 10 × 0.75 / 0.25 = 30 ms.
   * Over n = 20000 exponential draws the standard error of the mean is
   * mean / sqrt(n) = 0.7 %; 3 % is over 4 standard errors. */
  const int n = 20000;
  gdouble sb = 0, ss = 0;
  int busy = 0;
  for (int i = 0; i < n; i++)
    {
      XpTime b = xp_workload_draw_burst (w, 250000);
      XpTime s = xp_workload_draw_sleep (w, 250000);
      ck_assert_int_ge (b, p.min_period_ns);
      ck_assert_int_ge (s, p.min_period_ns);
      sb += b;
      ss += s;
      busy += xp_workload_draw_start_busy (w, 250000);
    }
  ck_assert_double_eq_tol (sb / n, 10e6, 0.3e6);
  ck_assert_double_eq_tol (ss / n, 30e6, 0.9e6);
  /* start busy with probability 0.25: sd of the count is sqrt(n p q) = 61 */
  ck_assert_int_ge (busy, 5000 - 300);
  ck_assert_int_le (busy, 5000 + 300);
}
END_TEST

START_TEST (test_same_seed_same_sequence)
{
  XpWorkloadParams p;
  xp_workload_params_init_defaults (&p);
  g_autoptr (GRand) r1 = g_rand_new_with_seed (99);
  g_autoptr (GRand) r2 = g_rand_new_with_seed (99);
  g_autoptr (XpWorkload) a = xp_workload_new (&p, r1);
  g_autoptr (XpWorkload) b = xp_workload_new (&p, r2);
  for (int i = 0; i < 1000; i++)
    {
      guint d = 1 + (guint) i * 997 % 999999;
      ck_assert_int_eq (xp_workload_draw_burst (a, d), xp_workload_draw_burst (b, d));
      ck_assert_int_eq (xp_workload_draw_sleep (a, d), xp_workload_draw_sleep (b, d));
    }
}
END_TEST

START_TEST (test_params_checked)
{
  XpWorkloadParams p;
  g_autoptr (GError) err = NULL;
  xp_workload_params_init_defaults (&p);
  ck_assert (xp_workload_params_check (&p, NULL));
  p.mean_burst_ns = 0;
  ck_assert (!xp_workload_params_check (&p, &err));
  xp_assert_error_contains (err, "mean_burst");
  g_clear_error (&err);
  xp_workload_params_init_defaults (&p);
  p.default_demand_ppm = 1000001;
  ck_assert (!xp_workload_params_check (&p, &err));
  xp_assert_error_contains (err, "demand");
}
END_TEST

Suite *
xp_test_workload_suite (void)
{
  Suite *s = suite_create ("workload");
  TCase *tc = tcase_create ("core");
  tcase_add_test (tc, test_extremes_make_no_draws);
  tcase_add_test (tc, test_means_follow_demand);
  tcase_add_test (tc, test_same_seed_same_sequence);
  tcase_add_test (tc, test_params_checked);
  suite_add_tcase (s, tc);
  return s;
}
