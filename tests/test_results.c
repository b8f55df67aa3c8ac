/* Tests of the results output: the streaming JSON writer against
 * json-glib's generator, and atomic files. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <json-glib/json-glib.h>
#include "tests/testutil.h"
#include "bench/matrix.h"
#include "sim/json_out.h"
#include "sim/util.h"

/* One document, written by both: a builder (j) and the writer (o). */
typedef struct {
  JsonBuilder *j;
  XpJsonOut *o;
} Both;

static void
both_name (Both *b, const char *name)
{
  if (name)
    json_builder_set_member_name (b->j, name);
}

static void
both_begin (Both *b, const char *name, gboolean object)
{
  both_name (b, name);
  if (object)
    {
      json_builder_begin_object (b->j);
      xp_json_out_begin_object (b->o, name);
    }
  else
    {
      json_builder_begin_array (b->j);
      xp_json_out_begin_array (b->o, name);
    }
}

static void
both_end (Both *b, gboolean object)
{
  if (object)
    {
      json_builder_end_object (b->j);
      xp_json_out_end_object (b->o);
    }
  else
    {
      json_builder_end_array (b->j);
      xp_json_out_end_array (b->o);
    }
}

static void
both_int (Both *b, const char *name, gint64 v)
{
  both_name (b, name);
  json_builder_add_int_value (b->j, v);
  xp_json_out_int (b->o, name, v);
}

static void
both_string (Both *b, const char *name, const char *v)
{
  both_name (b, name);
  if (v)
    json_builder_add_string_value (b->j, v);
  else
    json_builder_add_null_value (b->j);
  xp_json_out_string (b->o, name, v);
}

static void
both_double (Both *b, const char *name, double v)
{
  both_name (b, name);
  json_builder_add_double_value (b->j, v);
  xp_json_out_double (b->o, name, v);
}

static void
both_bool (Both *b, const char *name, gboolean v)
{
  both_name (b, name);
  json_builder_add_boolean_value (b->j, v);
  xp_json_out_bool (b->o, name, v);
}

/* Every kind of value, empty and nested containers, every ASCII byte in
 * strings and names: the writer's text is json-glib's, byte for byte. */
START_TEST (test_matches_json_glib)
{
  g_autoptr (JsonBuilder) j = json_builder_new ();
  Both b = { j, xp_json_out_new (NULL) };
  char ascii[128];
  for (int c = 1; c < 128; c++)
    ascii[c - 1] = (char) c;
  ascii[127] = 0;

  both_begin (&b, NULL, TRUE);
  both_int (&b, "zero", 0);
  both_int (&b, "min", G_MININT64);
  both_int (&b, "max", G_MAXINT64);
  both_string (&b, "ascii", ascii);
  both_string (&b, "utf8", "\xc3\xa9\xe2\x82\xac");
  both_string (&b, "empty", "");
  both_string (&b, "null", NULL);
  both_string (&b, ascii, "a name needing escapes");
  both_bool (&b, "yes", TRUE);
  both_bool (&b, "no", FALSE);
  both_begin (&b, "doubles", FALSE);
  /* (no double written in exponent form: see test_exponent) */
  const double d[] = { 0.0, 1.0, -1.5, 0.1, 1.0 / 3, 123456789.0, 9007199254740992.0, 0.5, -0.25 };
  for (guint i = 0; i < G_N_ELEMENTS (d); i++)
    both_double (&b, NULL, d[i]);
  both_end (&b, FALSE);
  both_begin (&b, "empty_object", TRUE);
  both_end (&b, TRUE);
  both_begin (&b, "empty_array", FALSE);
  both_end (&b, FALSE);
  both_begin (&b, "nested", FALSE);
  both_begin (&b, NULL, FALSE);
  both_int (&b, NULL, 1);
  both_begin (&b, NULL, FALSE);
  both_end (&b, FALSE);
  both_end (&b, FALSE);
  both_begin (&b, NULL, TRUE);
  both_begin (&b, "deeper", TRUE);
  both_string (&b, "x", "y");
  both_end (&b, TRUE);
  both_end (&b, TRUE);
  both_begin (&b, NULL, TRUE);
  both_end (&b, TRUE);
  both_end (&b, FALSE);
  both_end (&b, TRUE);

  /* json-glib's generator, as the bench writes its own files with it */
  g_autoptr (JsonNode) root = json_builder_get_root (j);
  g_autofree char *want = xp_bench_json_to_text (root);
  g_autofree char *got = xp_json_out_finish (b.o);
  ck_assert_str_eq (got, want);
  /* and a few lines of it by hand */
  ck_assert_ptr_nonnull (strstr (got, "{\n \"zero\" : 0,\n \"min\" : -9223372036854775808,\n"));
  ck_assert_ptr_nonnull (strstr (got, "\"empty_object\" : { },\n \"empty_array\" : [],\n"));
  ck_assert_ptr_nonnull (strstr (got, "  1.0,\n  -1.5,\n  0.10000000000000001,\n"));
  ck_assert_ptr_nonnull (strstr (got, "\\u0001\\u0002"));
  ck_assert_ptr_nonnull (strstr (got, "\\t\\n\\u000b\\f\\r"));
}
END_TEST

/* Doubles in exponent form stay valid JSON (json-glib 1.6 would write
 * "1e+21.0"), and read back as the same value. */
START_TEST (test_exponent)
{
  XpJsonOut *o = xp_json_out_new (NULL);
  xp_json_out_begin_array (o, NULL);
  xp_json_out_double (o, NULL, 1e21);
  xp_json_out_double (o, NULL, -2.5e-8);
  xp_json_out_double (o, NULL, 1e300);
  xp_json_out_end_array (o);
  g_autofree char *text = xp_json_out_finish (o);
  ck_assert_str_eq (text, "[\n 1e+21,\n -2.4999999999999999e-08,\n 1.0000000000000001e+300\n]\n");
  g_autoptr (JsonParser) p = json_parser_new ();
  ck_assert (json_parser_load_from_data (p, text, -1, NULL));
  JsonArray *a = json_node_get_array (json_parser_get_root (p));
  ck_assert (json_array_get_double_element (a, 0) == 1e21);
  ck_assert (json_array_get_double_element (a, 1) == -2.5e-8);
}
END_TEST

/* A long document goes out in pieces while it is written, and the pieces
 * add up to the text a string writer makes. */
START_TEST (test_streams_in_pieces)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "big.json", NULL);
  FILE *f = fopen (path, "w");
  ck_assert_ptr_nonnull (f);
  XpJsonOut *to_file = xp_json_out_new (f), *to_string = xp_json_out_new (NULL);
  XpJsonOut *outs[] = { to_file, to_string };
  for (guint k = 0; k < 2; k++)
    {
      xp_json_out_begin_array (outs[k], NULL);
      for (gint64 i = 0; i < 50000; i++)
        {
          xp_json_out_begin_object (outs[k], NULL);
          xp_json_out_int (outs[k], "i", i * 7919);
          xp_json_out_end_object (outs[k]);
        }
    }
  /* over a megabyte so far: what the file holds already */
  ck_assert_int_eq (fflush (f), 0);
  struct stat st;
  ck_assert_int_eq (stat (path, &st), 0);
  for (guint k = 0; k < 2; k++)
    xp_json_out_end_array (outs[k]);
  g_autofree char *done = xp_json_out_finish (to_file);
  g_autofree char *want = xp_json_out_finish (to_string);
  ck_assert_str_eq (done, "");
  ck_assert_int_eq (fclose (f), 0);
  g_autofree char *got = NULL;
  ck_assert (g_file_get_contents (path, &got, NULL, NULL));
  ck_assert_str_eq (got, want);
  /* all but the last buffer's worth was out before the end */
  ck_assert_uint_gt (strlen (want), 1000000);
  ck_assert_uint_ge ((gsize) st.st_size + XP_JSON_OUT_FLUSH + 8, strlen (want));
  xp_test_rmtree (dir);
}
END_TEST

/* A write that fails is reported at the end, with its errno. */
START_TEST (test_write_error)
{
  FILE *f = fopen ("/dev/full", "w");
  if (!f)
    return;   /* no /dev/full here */
  setvbuf (f, NULL, _IONBF, 0);
  XpJsonOut *o = xp_json_out_new (f);
  xp_json_out_begin_array (o, NULL);
  for (gint64 i = 0; i < 20000; i++)
    xp_json_out_int (o, NULL, i);
  xp_json_out_end_array (o);
  errno = 0;
  char *text = xp_json_out_finish (o);
  ck_assert_ptr_null (text);
  ck_assert_int_eq (errno, ENOSPC);
  fclose (f);
}
END_TEST

static guint
n_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  while (g_dir_read_name (d))
    n++;
  return n;
}

/* An atomic file shows up under its name only when committed, with the
 * mode a new file gets (0666 less the umask); an aborted one leaves
 * nothing; one that cannot be created says where. */
START_TEST (test_atomic_file)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "r.json", NULL);
  g_autoptr (GError) error = NULL;

  XpAtomicFile *f = xp_atomic_file_open (path, &error);
  ck_assert_ptr_nonnull (f);
  fputs ("first", xp_atomic_file_stream (f));
  ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));
  ck_assert_uint_eq (n_entries (dir), 1);   /* the temporary file */
  ck_assert (xp_atomic_file_commit (f, &error));
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  ck_assert_str_eq (text, "first");
  struct stat st;
  ck_assert_int_eq (stat (path, &st), 0);
  mode_t mask = umask (0);
  umask (mask);
  ck_assert_uint_eq (st.st_mode & 0777, 0666 & ~mask);
  ck_assert_uint_eq (n_entries (dir), 1);

  /* an abort leaves the old file as it was */
  f = xp_atomic_file_open (path, &error);
  fputs ("second", xp_atomic_file_stream (f));
  xp_atomic_file_abort (f);
  g_clear_pointer (&text, g_free);
  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  ck_assert_str_eq (text, "first");
  ck_assert_uint_eq (n_entries (dir), 1);

  g_autofree char *nowhere = g_build_filename (dir, "missing", "r.json", NULL);
  ck_assert_ptr_null (xp_atomic_file_open (nowhere, &error));
  ck_assert_ptr_nonnull (strstr (error->message, nowhere));
  xp_test_rmtree (dir);
}
END_TEST

Suite *
xp_test_results_suite (void)
{
  Suite *s = suite_create ("results");
  TCase *tc = tcase_create ("output");
  tcase_add_test (tc, test_matches_json_glib);
  tcase_add_test (tc, test_exponent);
  tcase_add_test (tc, test_streams_in_pieces);
  tcase_add_test (tc, test_write_error);
  tcase_add_test (tc, test_atomic_file);
  suite_add_tcase (s, tc);
  return s;
}
