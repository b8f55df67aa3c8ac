/* Tests of the synthetic trace generators and size mixes. */
#include "config.h"
#include <string.h>
#include "tests/testutil.h"
#include "sim/error.h"
#include "sim/trace_gen.h"
#include "sim/trace_stats.h"

#define S(x) ((XpTime) (x) * XP_NSEC_PER_SEC)

static char *
trace_bytes (const XpTrace *t)
{
  GString *s = g_string_new (NULL);
  xp_trace_append_csv_header (s);
  for (guint i = 0; i < t->events->len; i++)
    {
      const XpTraceEvent *ev = &g_array_index (t->events, XpTraceEvent, i);
      if (!ev->from_lifetime)
        xp_trace_append_csv_row (s, ev);
    }
  return g_string_free (s, FALSE);
}

static const char storm_mix[] = "1x1GiB:118,1x2GiB:30,2x2GiB:30,2x4GiB:12,4x4GiB:6,4x8GiB:3,8x16GiB:1";

START_TEST (test_azure_table)
{
  guint n;
  const XpVmFlavour *f = xp_azure2017_flavours (&n);
  ck_assert_uint_eq (n, 16);
  guint64 w = 0;
  for (guint i = 0; i < n; i++)
    {
      w += f[i].weight;
      ck_assert (f[i].vcpus >= 1 && f[i].vcpus <= 16);
      ck_assert (f[i].memory_mib >= 768 && f[i].memory_mib <= 57344);
    }
  ck_assert_uint_eq (w, 1000);
  /* Published shapes: A1 is 1 vCPU / 1.75 GiB, D2_v2 2 vCPUs / 7 GiB. */
  ck_assert_str_eq (f[1].name, "A1");
  ck_assert (f[1].vcpus == 1 && f[1].memory_mib == 1792);
  ck_assert_str_eq (f[10].name, "D2_v2");
  ck_assert (f[10].vcpus == 2 && f[10].memory_mib == 7168);
}
END_TEST

START_TEST (test_mix_parse)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (XpSizeMix) m = xp_size_mix_parse (storm_mix, &error);
  ck_assert (m != NULL);
  ck_assert_uint_eq (m->flavours->len, 7);
  ck_assert_uint_eq (m->total_weight, 200);
  ck_assert_uint_eq (g_array_index (m->flavours, XpVmFlavour, 6).memory_mib, 16384);
  g_autoptr (XpSizeMix) f = xp_size_mix_parse ("fixed:2:4GiB", &error);
  ck_assert (f && f->flavours->len == 1 && g_array_index (f->flavours, XpVmFlavour, 0).memory_mib == 4096);
  g_autoptr (XpSizeMix) p = xp_size_mix_parse ("2x512:1", &error);   /* plain number = MiB */
  ck_assert (p && g_array_index (p->flavours, XpVmFlavour, 0).memory_mib == 512);
  static const char *bad[] = { "", "2x:3", "0x1GiB:1", "2x1GiB", "2x1GiB:0", "fixed:0:1GiB", "fixed:2",
                               "uniform:8-1:1GiB-2GiB", "uniform:1-8:2GiB-1GiB", "uniform:1-8", "2x1.5KiB:1",
                               "1025x1GiB:1", "azure" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      ck_assert_msg (xp_size_mix_parse (bad[i], &error) == NULL, "'%s' accepted", bad[i]);
      xp_assert_error_contains (error, "expected");
    }
  XpLifetimeDist d;
  ck_assert (xp_lifetime_parse ("lognormal:200:0.9", &d, &error));
  ck_assert (d.kind == XP_LIFETIME_LOGNORMAL && d.a == 200 && d.b == 0.9);
  static const char *badlt[] = { "exp:", "exp:-1", "uniform:5-2", "fixed:0", "lognormal:1", "forever",
                                  /* every draw would be cut to 1e9 s or raised to 1 ms */
                                  "exp:1e300", "fixed:2e9", "uniform:1-2e9", "fixed:0.00001", "exp:0.0001",
                                  "lognormal:1:1000", "lognormal:1e300:1" };
  for (guint i = 0; i < G_N_ELEMENTS (badlt); i++)
    {
      g_clear_error (&error);
      ck_assert_msg (!xp_lifetime_parse (badlt[i], &d, &error), "'%s' accepted", badlt[i]);
    }
}
END_TEST

START_TEST (test_storm_reproducible)
{
  g_autoptr (XpSizeMix) mix = xp_size_mix_parse ("azure2017", NULL);
  XpStormParams p = { .n_vms = 300, .window = S (5), .mix = mix, .seed = 7 };
  xp_lifetime_parse ("exp:60", &p.lifetime, NULL);
  g_autoptr (XpTrace) a = xp_trace_gen_storm (&p, NULL);
  g_autoptr (XpTrace) b = xp_trace_gen_storm (&p, NULL);
  p.seed = 8;
  g_autoptr (XpTrace) c = xp_trace_gen_storm (&p, NULL);
  ck_assert (a && b && c);
  g_autofree char *ba = trace_bytes (a), *bb = trace_bytes (b), *bc = trace_bytes (c);
  ck_assert_str_eq (ba, bb);
  ck_assert_str_ne (ba, bc);
  /* Through the writer and the file system too. */
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *f1 = g_build_filename (dir, "1.csv", NULL), *f2 = g_build_filename (dir, "2.csv", NULL);
  ck_assert (xp_trace_write_csv (a, f1, NULL) && xp_trace_write_csv (b, f2, NULL));
  g_autofree char *c1 = NULL, *c2 = NULL;
  ck_assert (g_file_get_contents (f1, &c1, NULL, NULL) && g_file_get_contents (f2, &c2, NULL, NULL));
  ck_assert_str_eq (c1, c2);
  ck_assert_str_eq (c1, ba);
  /* And it reloads as the same trace. */
  g_autoptr (XpTrace) r = xp_trace_load (f1, NULL);
  ck_assert (r && r->events->len == a->events->len && r->events->len == 600);
  xp_test_rmtree (dir);
}
END_TEST

START_TEST (test_storm_window_and_mix)
{
  g_autoptr (XpSizeMix) mix = xp_size_mix_parse (storm_mix, NULL);
  XpStormParams p = { .n_vms = 200, .window = S (5), .mix = mix, .exact_mix = TRUE, .seed = 1 };
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTrace) t = xp_trace_gen_storm (&p, &error);
  ck_assert_msg (t != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (t->events->len, 200);   /* no lifetimes: no stops */
  guint n_1x1 = 0, n_8x16 = 0;
  XpTime prev = 0;
  for (guint i = 0; i < t->events->len; i++)
    {
      const XpTraceEvent *e = &g_array_index (t->events, XpTraceEvent, i);
      ck_assert (e->type == XP_TRACE_START);
      ck_assert (e->time >= prev && e->time < S (5));
      ck_assert (e->time % XP_NSEC_PER_USEC == 0);
      prev = e->time;
      n_1x1 += e->vcpus == 1 && e->memory_mib == 1024;
      n_8x16 += e->vcpus == 8 && e->memory_mib == 16384;
    }
  /* With the weights summing to 200, each weight is the exact count. */
  ck_assert_uint_eq (n_1x1, 118);
  ck_assert_uint_eq (n_8x16, 1);
  XpTraceStats s;
  xp_trace_stats_compute (t, &s);
  /* 118*1 + 30*2 + 30*2 + 12*4 + 6*4 + 3*8 + 1*16 = 350 GiB = 358400 MiB;
   * vCPUs 118 + 30 + 60 + 24 + 24 + 12 + 8 = 276. */
  ck_assert_uint_eq (s.total_memory_mib, 358400);
  ck_assert_uint_eq (s.total_vcpus, 276);
  ck_assert_str_eq (g_array_index (t->events, XpTraceEvent, 0).vm, "vm001");

  /* Largest remainder: 10 VMs over three equal weights -> 4, 3, 3 (the tie
   * goes to the first flavour). */
  g_autoptr (XpSizeMix) eq = xp_size_mix_parse ("1x1024:1,2x2048:1,4x4096:1", NULL);
  XpStormParams q = { .n_vms = 10, .window = S (1), .mix = eq, .exact_mix = TRUE, .seed = 3 };
  g_autoptr (XpTrace) u = xp_trace_gen_storm (&q, NULL);
  guint c1 = 0, c2 = 0, c4 = 0;
  for (guint i = 0; i < u->events->len; i++)
    {
      guint v = g_array_index (u->events, XpTraceEvent, i).vcpus;
      c1 += v == 1;
      c2 += v == 2;
      c4 += v == 4;
    }
  ck_assert (c1 == 4 && c2 == 3 && c4 == 3);

  /* Fixed spacing: VM i at i * 0.25 s exactly. */
  XpStormParams r = { .n_vms = 5, .spacing = 250 * XP_NSEC_PER_MSEC, .mix = eq, .seed = 3 };
  g_autoptr (XpTrace) v = xp_trace_gen_storm (&r, NULL);
  for (guint i = 0; i < 5; i++)
    ck_assert (g_array_index (v->events, XpTraceEvent, i).time == (XpTime) i * 250 * XP_NSEC_PER_MSEC);

  /* Sampled (not exact) mix: every size comes from the mix. */
  g_autoptr (XpSizeMix) uni = xp_size_mix_parse ("uniform:2-4:1GiB-2GiB", NULL);
  XpStormParams w = { .n_vms = 500, .window = S (1), .mix = uni, .seed = 5 };
  g_autoptr (XpTrace) x = xp_trace_gen_storm (&w, NULL);
  gboolean saw_lo = FALSE, saw_hi = FALSE;
  for (guint i = 0; i < x->events->len; i++)
    {
      const XpTraceEvent *e = &g_array_index (x->events, XpTraceEvent, i);
      ck_assert (e->vcpus >= 2 && e->vcpus <= 4);
      ck_assert (e->memory_mib >= 1024 && e->memory_mib <= 2048 && e->memory_mib % 256 == 0);
      saw_lo |= e->memory_mib == 1024;
      saw_hi |= e->memory_mib == 2048;
    }
  ck_assert (saw_lo && saw_hi);
  w.exact_mix = TRUE;
  ck_assert (xp_trace_gen_storm (&w, &error) == NULL);
  xp_assert_error_contains (error, "needs a weighted mix");
  g_clear_error (&error);
  /* 3 VMs 999999999 s apart would start beyond the 1e9 s limit. */
  XpStormParams far = { .n_vms = 3, .spacing = S (999999999), .mix = eq, .seed = 1 };
  ck_assert (xp_trace_gen_storm (&far, &error) == NULL);
  xp_assert_error_contains (error, "expected all starts within 1000000000 s");
}
END_TEST

START_TEST (test_poisson)
{
  g_autoptr (XpSizeMix) mix = xp_size_mix_parse ("azure2017", NULL);
  XpPoissonParams p = { .rate = 2.0, .n_vms = 4000, .mix = mix, .seed = 11 };
  xp_lifetime_parse ("exp:100", &p.lifetime, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTrace) t = xp_trace_gen_poisson (&p, &error);
  ck_assert_msg (t != NULL, "%s", error ? error->message : "");
  XpTraceStats s;
  xp_trace_stats_compute (t, &s);
  ck_assert_uint_eq (s.n_starts, 4000);
  ck_assert_uint_eq (s.n_stops, 4000);
  ck_assert_uint_eq (s.n_lifetime_stops, 4000);
  /* 4000 exponential gaps: the rate estimate has a relative standard error
   * of 1/sqrt(4000) = 1.6 %; 5 % is three of them. */
  ck_assert_msg (s.arrival_rate > 1.9 && s.arrival_rate < 2.1, "rate %f", s.arrival_rate);
  double sum = 0;
  guint n1 = 0;
  for (guint i = 0; i < t->events->len; i++)
    {
      const XpTraceEvent *e = &g_array_index (t->events, XpTraceEvent, i);
      if (e->type != XP_TRACE_START)
        continue;
      sum += (double) e->lifetime / XP_NSEC_PER_SEC;
      n1 += e->vcpus == 1;
      ck_assert (e->lifetime % XP_NSEC_PER_USEC == 0);
    }
  ck_assert_msg (sum / 4000 > 95 && sum / 4000 < 105, "mean lifetime %f", sum / 4000);
  /* azure2017: 1-vCPU flavours weigh 60+140+90+110 = 400 of 1000: expect
   * 1600 of 4000, standard deviation sqrt(4000*0.4*0.6) = 31. */
  ck_assert_msg (n1 > 1500 && n1 < 1700, "n1 %u", n1);

  /* Same seed, same bytes; a duration bound keeps every start inside it. */
  g_autoptr (XpTrace) t2 = xp_trace_gen_poisson (&p, NULL);
  g_autofree char *b1 = trace_bytes (t), *b2 = trace_bytes (t2);
  ck_assert_str_eq (b1, b2);
  XpPoissonParams q = { .rate = 10, .duration = S (60), .mix = mix, .seed = 2 };
  xp_lifetime_parse ("fixed:5", &q.lifetime, NULL);
  g_autoptr (XpTrace) u = xp_trace_gen_poisson (&q, NULL);
  xp_trace_stats_compute (u, &s);
  ck_assert_msg (s.n_starts > 500 && s.n_starts < 700, "%u", s.n_starts);   /* 600 +- 4 sd */
  for (guint i = 0; i < u->events->len; i++)
    {
      const XpTraceEvent *e = &g_array_index (u->events, XpTraceEvent, i);
      if (e->type == XP_TRACE_START)
        ck_assert (e->time < S (60) && e->lifetime == S (5));
    }
  XpPoissonParams bad = { .rate = 0, .n_vms = 5, .mix = mix };
  ck_assert (xp_trace_gen_poisson (&bad, &error) == NULL);
  xp_assert_error_contains (error, "rate > 0");
  /* arrivals or lifetimes beyond the 1e9 s a generated time may reach are
   * refused, not cut to 1e9 s */
  bad.rate = 1e-300;
  g_clear_error (&error);
  ck_assert (xp_trace_gen_poisson (&bad, &error) == NULL);
  xp_assert_error_contains (error, "--rate");
  bad.rate = 1e-9;
  g_clear_error (&error);
  ck_assert (xp_trace_gen_poisson (&bad, &error) == NULL);
  xp_assert_error_contains (error, "falls beyond the 1000000000 s");
  bad.rate = 1;
  ck_assert (xp_lifetime_parse ("exp:1e9", &bad.lifetime, NULL));
  bad.n_vms = 100;
  g_clear_error (&error);
  ck_assert (xp_trace_gen_poisson (&bad, &error) == NULL);
  xp_assert_error_contains (error, "--lifetime: vm");
}
END_TEST

START_TEST (test_lifetime_draws)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (4);
  XpLifetimeDist d;
  ck_assert (xp_lifetime_parse ("uniform:10-20", &d, NULL));
  for (guint i = 0; i < 1000; i++)
    {
      XpTime t = xp_lifetime_draw (&d, r);
      ck_assert (t >= S (10) && t <= S (20));
    }
  ck_assert (xp_lifetime_parse ("none", &d, NULL));
  ck_assert (xp_lifetime_draw (&d, r) == 0);
  /* lognormal: median 200 s means half the draws fall below 200 s. */
  ck_assert (xp_lifetime_parse ("lognormal:200:1", &d, NULL));
  guint below = 0;
  for (guint i = 0; i < 4000; i++)
    below += xp_lifetime_draw (&d, r) < S (200);
  ck_assert_msg (below > 1900 && below < 2100, "%u", below);   /* 2000 +- 3.2 sd */
}
END_TEST

/* The bundled traces are what bench/traces/README.md says: regenerate them
 * with the documented parameters and compare byte for byte. */
START_TEST (test_bundled)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (XpSizeMix) smix = xp_size_mix_parse (storm_mix, NULL);
  XpStormParams sp = { .n_vms = 200, .window = S (5), .mix = smix, .exact_mix = TRUE, .seed = 1 };
  g_autoptr (XpTrace) storm = xp_trace_gen_storm (&sp, NULL);
  g_autoptr (XpSizeMix) amix = xp_size_mix_parse ("azure2017", NULL);
  XpPoissonParams pp = { .rate = 0.15, .n_vms = 1000, .mix = amix, .seed = 1 };
  ck_assert (xp_lifetime_parse ("lognormal:200:0.9", &pp.lifetime, NULL));
  g_autoptr (XpTrace) poisson = xp_trace_gen_poisson (&pp, NULL);
  g_autoptr (XpSizeMix) cmix = xp_size_mix_parse ("2x4GiB:40,4x8GiB:30,8x16GiB:5", NULL);
  XpStormParams cp = { .n_vms = 300, .window = S (150), .mix = cmix, .exact_mix = TRUE, .seed = 1 };
  ck_assert (xp_lifetime_parse ("uniform:20-40", &cp.lifetime, NULL));
  g_autoptr (XpTrace) churn = xp_trace_gen_storm (&cp, NULL);
  XpPoissonParams c1 = { .rate = 5, .n_vms = 1000, .mix = amix, .seed = 1 };
  ck_assert (xp_lifetime_parse ("exp:22.3", &c1.lifetime, NULL));
  g_autoptr (XpTrace) churn1k = xp_trace_gen_poisson (&c1, NULL);
  c1.demand_ppm = 200000;
  g_autoptr (XpTrace) churn1k_busy20 = xp_trace_gen_poisson (&c1, NULL);
  struct { const char *file; XpTrace *t; } cases[] = {
    { "bench/traces/storm-200.csv", storm }, { "bench/traces/poisson-1k.csv", poisson },
    { "bench/traces/storm-churn-300.csv", churn }, { "bench/traces/churn-1k.csv", churn1k },
    { "bench/traces/churn-1k-busy20.csv", churn1k_busy20 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = xp_test_srcpath (cases[i].file);
      g_autofree char *want = NULL;
      ck_assert_msg (g_file_get_contents (path, &want, NULL, NULL), "cannot read %s", path);
      g_autofree char *got = trace_bytes (cases[i].t);
      ck_assert_msg (strcmp (want, got) == 0, "%s differs from its documented command", cases[i].file);
      g_autoptr (XpTrace) loaded = xp_trace_load (path, &error);
      ck_assert_msg (loaded != NULL, "%s", error ? error->message : "");
    }
  /* storm-200: 350 GiB of a 4 x 128 GiB host = 68.4 %, all started in 5 s. */
  XpTraceStats st;
  xp_trace_stats_compute (storm, &st);
  ck_assert_uint_eq (st.total_memory_mib * 1000 / (512 * 1024), 683);
  ck_assert (st.last < S (5) && st.n_stops == 0);
  /* churn-1k-busy20: the same VMs as churn-1k, each starting 20 % busy */
  ck_assert_uint_eq (churn1k_busy20->events->len, churn1k->events->len);
  for (guint i = 0; i < churn1k->events->len; i++)
    {
      const XpTraceEvent *a = &g_array_index (churn1k->events, XpTraceEvent, i);
      const XpTraceEvent *b = &g_array_index (churn1k_busy20->events, XpTraceEvent, i);
      ck_assert (a->time == b->time && a->memory_mib == b->memory_mib && !strcmp (a->vm, b->vm));
      if (a->type == XP_TRACE_START)
        ck_assert (a->cpu_demand_ppm == 1000000 && b->cpu_demand_ppm == 200000);
    }
}
END_TEST

Suite *
xp_test_trace_gen_suite (void)
{
  Suite *s = suite_create ("trace_gen");
  TCase *tc = tcase_create ("gen");
  tcase_add_test (tc, test_azure_table);
  tcase_add_test (tc, test_mix_parse);
  tcase_add_test (tc, test_storm_reproducible);
  tcase_add_test (tc, test_storm_window_and_mix);
  tcase_add_test (tc, test_poisson);
  tcase_add_test (tc, test_lifetime_draws);
  tcase_add_test (tc, test_bundled);
  suite_add_tcase (s, tc);
  return s;
}
