/* Tests for policies/plugin.c and policies/registry.c. */
#include "config.h"
#include <string.h>
#include "tests/testutil.h"
#include "tests/policy_testutil.h"
#include "policies/builtins.h"

START_TEST (test_example_plugin_places)
{
  g_autofree char *path = xp_test_plugin_path ("example");
  g_autoptr (GError) error = NULL;
  const XpPolicy *p = xp_policy_load_plugin (path, &error);
  ck_assert_msg (p != NULL, "load: %s", error ? error->message : "?");
  ck_assert_str_eq (p->name, "example-round-robin");
  ck_assert_uint_eq (p->abi_version, XP_POLICY_ABI_VERSION);
  ck_assert_str_eq (p->params[0].key, "start");
  /* Loading twice gives the same table (the module stays resident). */
  ck_assert_ptr_eq (xp_policy_load_plugin (path, NULL), p);

  /* 3 nodes with 4, 1 (too little) and 4 GiB free; start=1: node 1 does
   * not fit → node 2; the turn moves to 0 → node 0; then 1 → 2 again. */
  XpTopology *t = ptest_topo_uniform (3, 2, 2, NULL);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = GIB_PAGES (4);
  v.node_free[1] = GIB_PAGES (1);
  v.node_free[2] = GIB_PAGES (4);
  const char *kv[] = { "start=1", NULL };
  gpointer st = ptest_policy_init (p, t, kv, &error);
  ck_assert_msg (st != NULL, "init: %s", error ? error->message : "?");
  XpVmRequest r = ptest_request ("vm", 1, 2, GIB_KIB (2));
  XpPlacement pl;
  ck_assert_uint_eq (ptest_place (p, st, &v.view, &r, &pl), xp_nodemask_of (2));
  ck_assert_int_eq (pl.affinity, XP_AFFINITY_SOFT);
  ck_assert_uint_eq (ptest_place (p, st, &v.view, &r, NULL), xp_nodemask_of (0));
  ck_assert_uint_eq (ptest_place (p, st, &v.view, &r, NULL), xp_nodemask_of (2));
  p->free (st);

  const char *bad[] = { "start=7", NULL };
  ck_assert_ptr_null (ptest_policy_init (p, t, bad, &error));
  xp_assert_error_contains (error, "bad parameter 'start=7'");
  ptest_topo_free (t);
}
END_TEST

START_TEST (test_plugin_errors)
{
  g_autoptr (GError) error = NULL;
  /* not a shared object at all */
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *junk = xp_test_write (dir, "junk.so", "this is not an ELF file\n");
  ck_assert_ptr_null (xp_policy_load_plugin (junk, &error));
  xp_assert_error_contains (error, junk);
  xp_assert_error_contains (error, "cannot load plugin");
  g_clear_error (&error);
  /* missing file */
  g_autofree char *missing = g_build_filename (dir, "missing.so", NULL);
  ck_assert_ptr_null (xp_policy_load_plugin (missing, &error));
  xp_assert_error_contains (error, "missing.so: cannot load plugin: no such file");
  g_clear_error (&error);
  xp_test_rmtree (dir);

  /* a module without the entry symbol */
  g_autofree char *noentry = xp_test_plugin_path ("example_noentry");
  ck_assert_ptr_null (xp_policy_load_plugin (noentry, &error));
  xp_assert_error_contains (error, noentry);
  xp_assert_error_contains (error, "no symbol 'xenplace_policy_entry'");
  g_clear_error (&error);

  /* a module built for another ABI version */
  g_autofree char *badabi = xp_test_plugin_path ("example_badabi");
  ck_assert_ptr_null (xp_policy_load_plugin (badabi, &error));
  xp_assert_error_contains (error, badabi);
  xp_assert_error_contains (error, "plugin ABI version 42, but this xenplace needs version 1");
  g_clear_error (&error);

  /* a table with a NULL function */
  g_autofree char *nullplace = xp_test_plugin_path ("example_nullplace");
  ck_assert_ptr_null (xp_policy_load_plugin (nullplace, &error));
  xp_assert_error_contains (error, nullplace);
  xp_assert_error_contains (error, "plugin policy field 'place' is NULL or empty");
}
END_TEST

START_TEST (test_registry)
{
  const XpPolicy *const *b = xp_policy_builtins ();
  const char *order[] = { "none", "first-fit", "best-fit", "worst-fit", "xenopsd", "libxl" };
  guint n = 0;
  for (; b[n]; n++)
    {
      ck_assert_uint_lt (n, G_N_ELEMENTS (order));
      ck_assert_str_eq (b[n]->name, order[n]);
      ck_assert_uint_eq (b[n]->abi_version, XP_POLICY_ABI_VERSION);
      ck_assert_ptr_nonnull (b[n]->description);
      ck_assert_ptr_eq (xp_policy_lookup (order[n]), b[n]);
    }
  ck_assert_uint_eq (n, G_N_ELEMENTS (order));
  ck_assert_ptr_null (xp_policy_lookup ("bogus"));

  /* "none" places nothing */
  XpTopology *t = ptest_topo_uniform (2, 2, 2, NULL);
  PTestView v;
  ptest_view_init (&v, t);
  v.node_free[0] = v.node_free[1] = GIB_PAGES (8);
  gpointer st = xp_policy_none.init (t, NULL, 0, NULL);
  ck_assert_ptr_nonnull (st);
  XpVmRequest r = ptest_request ("vm", 1, 2, GIB_KIB (1));
  XpPlacement p;
  ck_assert_uint_eq (ptest_place (&xp_policy_none, st, &v.view, &r, &p), 0);
  ck_assert (!p.placed);
  ck_assert_int_eq (p.affinity, XP_AFFINITY_NONE);
  xp_policy_none.free (st);
  ptest_topo_free (t);
}
END_TEST

START_TEST (test_parse_spec)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *params = NULL;
  const XpPolicy *p = xp_policy_parse_spec ("xenopsd:mode=prio_mem_only", &params, &error);
  ck_assert_msg (p != NULL, "%s", error ? error->message : "?");
  ck_assert_ptr_eq (p, &xp_policy_xenopsd);
  ck_assert_uint_eq (params->len, 1);
  XpPolicyParam *kv = params->pdata[0];
  ck_assert_str_eq (kv->key, "mode");
  ck_assert_str_eq (kv->value, "prio_mem_only");
  g_ptr_array_unref (params);

  params = NULL;
  p = xp_policy_parse_spec ("best-fit:cpus=1,fallback=none", &params, &error);
  ck_assert_ptr_eq (p, &xp_policy_best_fit);
  ck_assert_uint_eq (params->len, 2);
  ck_assert_str_eq (((XpPolicyParam *) params->pdata[1])->key, "fallback");
  ck_assert_str_eq (((XpPolicyParam *) params->pdata[1])->value, "none");
  g_ptr_array_unref (params);

  params = NULL;
  p = xp_policy_parse_spec ("libxl", &params, &error);
  ck_assert_ptr_eq (p, &xp_policy_libxl);
  ck_assert_uint_eq (params->len, 0);
  g_ptr_array_unref (params);

  params = NULL;
  ck_assert_ptr_null (xp_policy_parse_spec ("bestfit:cpus=1", &params, &error));
  ck_assert_ptr_null (params);
  xp_assert_error_contains (error, "unknown policy 'bestfit' (valid policies: none, first-fit, best-fit, "
                                   "worst-fit, xenopsd, libxl)");
  g_clear_error (&error);
  ck_assert_ptr_null (xp_policy_parse_spec ("xenopsd:policy=any", &params, &error));
  xp_assert_error_contains (error, "policy 'xenopsd': unknown parameter 'policy' (valid parameters: mode)");
  g_clear_error (&error);
  ck_assert_ptr_null (xp_policy_parse_spec ("xenopsd:mode=fast", &params, &error));
  xp_assert_error_contains (error, "'mode' has value 'fast', expected one of "
                                   "best_effort|best_effort_hard|prio_mem_only|any");
  g_clear_error (&error);
  ck_assert_ptr_null (xp_policy_parse_spec ("first-fit:cpus", &params, &error));
  xp_assert_error_contains (error, "item 1 'cpus' is not KEY=VALUE (parameters of 'first-fit': cpus, fallback)");
  g_clear_error (&error);
  ck_assert_ptr_null (xp_policy_parse_spec ("first-fit:cpus=1,cpus=0", &params, &error));
  xp_assert_error_contains (error, "parameter 'cpus' given twice");
  g_clear_error (&error);
  ck_assert_ptr_null (xp_policy_parse_spec ("none:x=1", &params, &error));
  xp_assert_error_contains (error, "unknown parameter 'x' (valid parameters: none)");
  ck_assert_ptr_null (params);
}
END_TEST

/* A scenario names a plugin by its file, "FILE.so[:key=value,...]",
 * resolved against a directory; its parameters are checked against the
 * plugin's table as a built-in's are. */
START_TEST (test_plugin_spec)
{
  ck_assert (xp_policy_spec_is_plugin ("mine.so"));
  ck_assert (xp_policy_spec_is_plugin ("../plugins/mine.so:start=1"));
  ck_assert (xp_policy_spec_is_plugin ("plugins/mine"));
  ck_assert (!xp_policy_spec_is_plugin ("xenopsd:mode=any"));
  ck_assert (!xp_policy_spec_is_plugin ("first-fit"));
  ck_assert (!xp_policy_spec_is_plugin ("first-fit:x=a/b.so"));
  ck_assert_ptr_null (xp_policy_spec_plugin_path ("xenopsd", "/d"));
  g_autofree char *rel = xp_policy_spec_plugin_path ("../p/mine.so:start=1", "/d/sc");
  ck_assert_str_eq (rel, "/d/p/mine.so");
  g_autofree char *abs = xp_policy_spec_plugin_path ("/x/mine.so", "/d/sc");
  ck_assert_str_eq (abs, "/x/mine.so");

  g_autofree char *path = xp_test_plugin_path ("example");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;
  GPtrArray *params = NULL;
  const XpPolicy *p = xp_policy_parse_spec_in ("example.so:start=1", dir, &params, &error);
  ck_assert_msg (p != NULL, "%s", error ? error->message : "?");
  ck_assert_str_eq (p->name, "example-round-robin");
  ck_assert_uint_eq (params->len, 1);
  ck_assert_str_eq (((XpPolicyParam *) params->pdata[0])->key, "start");
  ck_assert_str_eq (((XpPolicyParam *) params->pdata[0])->value, "1");
  g_ptr_array_unref (params);
  /* built-ins go through as before */
  ck_assert_ptr_eq (xp_policy_parse_spec_in ("xenopsd:mode=any", dir, NULL, &error), &xp_policy_xenopsd);

  params = NULL;
  ck_assert_ptr_null (xp_policy_parse_spec_in ("example.so:strat=1", dir, &params, &error));
  ck_assert_ptr_null (params);
  xp_assert_error_contains (error, "policy spec 'example.so:strat=1': policy 'example-round-robin': unknown parameter "
                                   "'strat' (valid parameters: start)");
  g_clear_error (&error);
  ck_assert_ptr_null (xp_policy_parse_spec_in ("example.so:start=1,start=2", dir, NULL, &error));
  xp_assert_error_contains (error, "parameter 'start' given twice");
  g_clear_error (&error);
  ck_assert_ptr_null (xp_policy_parse_spec_in ("nosuch.so", dir, NULL, &error));
  xp_assert_error_contains (error, "nosuch.so: cannot load plugin: no such file");
  g_clear_error (&error);
  ck_assert_ptr_null (xp_policy_parse_spec_in ("example_noentry.so", dir, NULL, &error));
  xp_assert_error_contains (error, "no symbol 'xenplace_policy_entry'");
  g_clear_error (&error);

  /* the checksum is the file's */
  g_autofree char *data = NULL;
  gsize len = 0;
  ck_assert (g_file_get_contents (path, &data, &len, NULL));
  g_autofree char *want = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
  g_autofree char *sha = xp_policy_plugin_sha256 (path, &error);
  ck_assert_str_eq (sha, want);
  ck_assert_uint_eq (strlen (sha), 64);
}
END_TEST

Suite *
xp_test_policy_plugin_suite (void)
{
  Suite *s = suite_create ("policy_plugin");
  TCase *tc = tcase_create ("plugin");
  tcase_add_test (tc, test_example_plugin_places);
  tcase_add_test (tc, test_plugin_errors);
  tcase_add_test (tc, test_registry);
  tcase_add_test (tc, test_parse_spec);
  tcase_add_test (tc, test_plugin_spec);
  suite_add_tcase (s, tc);
  return s;
}
