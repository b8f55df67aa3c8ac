/* Tests of the results output and of reading it back: the streaming JSON
 * writer against json-glib's generator, atomic files, and the scanner
 * that reads chosen parts of a results file. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <json-glib/json-glib.h>
#include "tests/testutil.h"
#include "bench/matrix.h"
#include "sim/error.h"
#include "sim/json_out.h"
#include "sim/json_scan.h"
#include "sim/metrics.h"
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
 * strings and names: the writer's text is json-glib's, byte for byte, but
 * for a quirk of json-glib that makes invalid JSON. */
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
  g_autofree char *glib_text = xp_bench_json_to_text (root);
  g_autofree char *got = xp_json_out_finish (b.o);
  /* but for 0x1f, which json-glib 1.6 leaves unescaped (invalid JSON) */
  ck_assert_ptr_nonnull (strchr (glib_text, 0x1f));
  g_auto (GStrv) parts = g_strsplit (glib_text, "\x1f", -1);
  g_autofree char *want = g_strjoinv ("\\u001f", parts);
  ck_assert_str_eq (got, want);
  /* and a few lines of it by hand */
  ck_assert_ptr_nonnull (strstr (got, "{\n \"zero\" : 0,\n \"min\" : -9223372036854775808,\n"));
  ck_assert_ptr_nonnull (strstr (got, "\"empty_object\" : { },\n \"empty_array\" : [],\n"));
  ck_assert_ptr_nonnull (strstr (got, "  1.0,\n  -1.5,\n  0.10000000000000001,\n"));
  ck_assert_ptr_nonnull (strstr (got, "\\u0001\\u0002"));
  ck_assert_ptr_nonnull (strstr (got, "\\t\\n\\u000b\\f\\r"));

  /* the scanner that reads results back takes the writer's text, names
   * with every escape included, and gives json-glib's values */
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *path = xp_test_write (dir, "w.json", got);
  JsonObject *ro = json_node_get_object (root);
  GList *names = json_object_get_members (ro);
  g_autoptr (GPtrArray) wanted = g_ptr_array_new ();
  for (GList *l = names; l; l = l->next)
    g_ptr_array_add (wanted, l->data);
  g_ptr_array_add (wanted, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) back = xp_json_scan_file (path, (const char *const *) wanted->pdata, NULL, NULL, NULL, &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (json_object_get_size (back), g_list_length (names));
  for (GList *l = names; l; l = l->next)
    ck_assert_msg (json_node_equal (json_object_get_member (back, l->data), json_object_get_member (ro, l->data)),
                   "member %s differs", (char *) l->data);
  g_list_free (names);
  xp_test_rmtree (dir);
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
  xp_json_out_double (o, NULL, NAN);
  xp_json_out_double (o, NULL, -INFINITY);
  xp_json_out_end_array (o);
  g_autofree char *text = xp_json_out_finish (o);
  ck_assert_str_eq (text, "[\n 1e+21,\n -2.4999999999999999e-08,\n 1.0000000000000001e+300,\n null,\n null\n]\n");
  g_autoptr (JsonParser) p = json_parser_new ();
  ck_assert (json_parser_load_from_data (p, text, -1, NULL));
  JsonArray *a = json_node_get_array (json_parser_get_root (p));
  ck_assert (json_array_get_double_element (a, 0) == 1e21);
  ck_assert (json_array_get_double_element (a, 1) == -2.5e-8);
  ck_assert (json_array_get_null_element (a, 3) && json_array_get_null_element (a, 4));
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

/* ---- reading chosen parts back (xp_json_scan_file) ------------------------ */

static char *
to_text (JsonNode *n)
{
  g_autoptr (JsonGenerator) g = json_generator_new ();
  json_generator_set_root (g, n);
  return json_generator_to_data (g, NULL);
}

static char *
member_text (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n ? to_text (n) : g_strdup ("(absent)");
}

typedef struct {
  GString *seen;
  guint stop_at;
} Elements;

static gboolean
collect (JsonNode *element, guint index, gpointer data, GError **error)
{
  Elements *e = data;
  g_autofree char *t = to_text (element);
  g_string_append_printf (e->seen, "%u=%s;", index, t);
  if (index + 1 == e->stop_at)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "stopped at %u", index);
      return FALSE;
    }
  return TRUE;
}

/* Kept members come back as json-glib reads them, skipped ones are not
 * there, a streamed array arrives one element at a time and is returned
 * empty; a streamed member that is no array is returned as it is. */
START_TEST (test_scan_members)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *path = xp_test_write (dir, "r.json",
    "{\n \"schema\" : \"x\",\n \"big\" : {\"a\": [1, 2.5e-3, \"\\u00e9\\ud83d\\ude00\", true, null, {}]},\n"
    " \"run\" : {\"seed\": -0, \"name\": \"caf\xc3\xa9 \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t\"},\n"
    " \"vms\" : [{\"n\": 1}, [], 7, \"s\"],\n \"\\u0073ummary\" : {\"v\": 1E+2}\n}\n");
  static const char *const want[] = { "run", "summary", "missing", NULL };
  Elements e = { .seen = g_string_new (NULL) };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) o = xp_json_scan_file (path, want, "vms", collect, &e, &error);
  ck_assert_msg (o != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (json_object_get_size (o), 3);
  ck_assert (!json_object_has_member (o, "schema") && !json_object_has_member (o, "big"));
  g_autofree char *run = member_text (o, "run"), *sum = member_text (o, "summary"), *vms = member_text (o, "vms");
  ck_assert_str_eq (run, "{\"seed\":0,\"name\":\"caf\xc3\xa9 \\\"q\\\" \\\\ / \\b\\f\\n\\r\\t\"}");
  ck_assert_str_eq (sum, "{\"v\":100.0}");   /* a name written with an escape is found */
  ck_assert_str_eq (vms, "[]");
  ck_assert_str_eq (e.seen->str, "0={\"n\":1};1=[];2=7;3=\"s\";");
  g_string_free (e.seen, TRUE);

  /* a callback's error stops the scan and comes back as it is */
  e = (Elements) { .seen = g_string_new (NULL), .stop_at = 2 };
  g_autoptr (JsonObject) stopped = xp_json_scan_file (path, want, "vms", collect, &e, &error);
  ck_assert_ptr_null (stopped);
  ck_assert_str_eq (error->message, "stopped at 1");
  ck_assert_str_eq (e.seen->str, "0={\"n\":1};1=[];");
  g_string_free (e.seen, TRUE);
  g_clear_error (&error);

  /* a streamed member that is no array is returned for the caller to refuse */
  g_autofree char *p2 = xp_test_write (dir, "s.json", "{\"vms\": {\"a\": 1}}");
  e = (Elements) { .seen = g_string_new (NULL) };
  g_autoptr (JsonObject) o2 = xp_json_scan_file (p2, NULL, "vms", collect, &e, &error);
  ck_assert (o2 != NULL);
  g_autofree char *v2 = member_text (o2, "vms");
  ck_assert_str_eq (v2, "{\"a\":1}");
  ck_assert_str_eq (e.seen->str, "");
  g_string_free (e.seen, TRUE);

  /* nothing asked for: the whole text is still checked */
  g_autofree char *p3 = xp_test_write (dir, "t.json", " {\n}\n");
  g_autoptr (JsonObject) o3 = xp_json_scan_file (p3, NULL, NULL, NULL, NULL, &error);
  ck_assert (o3 != NULL && json_object_get_size (o3) == 0);

  g_autofree char *none = g_build_filename (dir, "none.json", NULL);
  ck_assert_ptr_null (xp_json_scan_file (none, want, NULL, NULL, NULL, &error));
  g_autofree char *expect = g_strdup_printf ("%s: no such file", none);
  ck_assert_str_eq (error->message, expect);
  g_clear_error (&error);
  ck_assert_ptr_null (xp_json_scan_file (dir, want, NULL, NULL, NULL, &error));
  ck_assert_msg (g_str_has_prefix (error->message, dir) && error->code == XP_ERROR_IO, "%s", error->message);
  g_clear_error (&error);

  /* a pipe cannot be mapped: it is read whole */
  g_autofree char *fifo = g_build_filename (dir, "fifo.json", NULL);
  ck_assert_int_eq (mkfifo (fifo, 0600), 0);
  const char *argv[] = { "/bin/sh", "-c", "printf '%s' \"$0\" > \"$1\"", "{\"run\": [1, 2]}", fifo, NULL };
  ck_assert (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &error));
  g_autoptr (JsonObject) piped = xp_json_scan_file (fifo, want, NULL, NULL, NULL, &error);
  ck_assert_msg (piped != NULL, "%s", error ? error->message : "");
  g_autofree char *pr = member_text (piped, "run");
  ck_assert_str_eq (pr, "[1,2]");
  xp_test_rmtree (dir);
}
END_TEST

/* ---- rows field by field (xp_json_scan_file_fields) ----------------------- */

static void
describe_field (GString *out, const char *name, XpJsonFieldType type, gboolean b, gint64 i, double d,
                const char *str)
{
  g_string_append_printf (out, " %s=", name);
  switch (type)
    {
    case XP_JSON_FIELD_ABSENT: g_string_append_c (out, '-'); break;
    case XP_JSON_FIELD_NULL: g_string_append (out, "null"); break;
    case XP_JSON_FIELD_BOOLEAN: g_string_append (out, b ? "true" : "false"); break;
    case XP_JSON_FIELD_INT: g_string_append_printf (out, "i%" G_GINT64_FORMAT, i); break;
    case XP_JSON_FIELD_DOUBLE: g_string_append_printf (out, "d%.17g", d); break;
    case XP_JSON_FIELD_STRING: g_string_append_printf (out, "s'%s'", str); break;
    case XP_JSON_FIELD_OBJECT: g_string_append (out, "{}"); break;
    case XP_JSON_FIELD_ARRAY: g_string_append (out, "[]"); break;
    }
}

typedef struct {
  const char *const *names;
  GString *seen;
  guint stop_at;
} FieldRows;

static gboolean
collect_fields (const XpJsonField *f, gboolean is_object, guint index, gpointer data, GError **error)
{
  FieldRows *r = data;
  g_string_append_printf (r->seen, "%u:%s", index, is_object ? "obj" : "other");
  for (guint k = 0; r->names[k]; k++)
    {
      if (f[k].type == XP_JSON_FIELD_INT)
        ck_assert (f[k].number == (double) f[k].integer);
      /* only the members of the value's type are set */
      if (f[k].type != XP_JSON_FIELD_INT)
        ck_assert (f[k].integer == 0);
      if (f[k].type != XP_JSON_FIELD_INT && f[k].type != XP_JSON_FIELD_DOUBLE)
        ck_assert (f[k].number == 0);
      if (f[k].type != XP_JSON_FIELD_BOOLEAN)
        ck_assert (!f[k].boolean);
      if (f[k].type != XP_JSON_FIELD_STRING)
        ck_assert_ptr_null (f[k].string);
      describe_field (r->seen, r->names[k], f[k].type, f[k].boolean, f[k].integer, f[k].number, f[k].string);
    }
  g_string_append (r->seen, ";\n");
  if (index + 1 == r->stop_at)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "stopped at %u", index);
      return FALSE;
    }
  return TRUE;
}

/* The same description from json-glib's tree of the element. */
static void
describe_tree (GString *out, JsonNode *element, guint index, const char *const *names)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
  g_string_append_printf (out, "%u:%s", index, o ? "obj" : "other");
  for (guint k = 0; names[k]; k++)
    {
      JsonNode *n = o ? json_object_get_member (o, names[k]) : NULL;
      XpJsonFieldType t = XP_JSON_FIELD_ABSENT;
      gboolean b = FALSE;
      gint64 i = 0;
      double d = 0;
      const char *str = NULL;
      if (n && JSON_NODE_HOLDS_OBJECT (n))
        t = XP_JSON_FIELD_OBJECT;
      else if (n && JSON_NODE_HOLDS_ARRAY (n))
        t = XP_JSON_FIELD_ARRAY;
      else if (n && JSON_NODE_HOLDS_NULL (n))
        t = XP_JSON_FIELD_NULL;
      else if (n)
        {
          GType vt = json_node_get_value_type (n);
          if (vt == G_TYPE_BOOLEAN)
            t = XP_JSON_FIELD_BOOLEAN, b = json_node_get_boolean (n);
          else if (vt == G_TYPE_INT64)
            t = XP_JSON_FIELD_INT, i = json_node_get_int (n);
          else if (vt == G_TYPE_DOUBLE)
            t = XP_JSON_FIELD_DOUBLE, d = json_node_get_double (n);
          else
            t = XP_JSON_FIELD_STRING, str = json_node_get_string (n);
        }
      describe_field (out, names[k], t, b, i, d, str);
    }
  g_string_append (out, ";\n");
}

/* Each element's asked-for members, as json-glib reads them: worked out
 * by hand, then held to json-glib's own tree of the same file. Integers
 * beyond 63 bits wrap as json-glib 1.6 wraps them: 2^64 saturates to
 * 2^64 - 1 and reads -1, 2^63 reads -2^63, -(2^64 - 1) reads 1. */
START_TEST (test_scan_fields)
{
  g_autofree char *dir = xp_test_tmpdir ();
  const char *text =
    "{\"schema\": \"x\", \"vms\": [\n"
    " {\"a\": 1, \"b\": \"x\\u00e9\\n\", \"c\": 2.5, \"d\": null, \"e\": true, \"f\": {\"a\": 9}, \"g\": [1]},\n"
    " {\"a\": -0, \"c\": -1e2, \"b\": \"first\", \"b\": \"second\", \"e\": false},\n"
    " 7,\n"
    " {\"a\": 18446744073709551616, \"c\": 9223372036854775808},\n"
    " {\"nested\": {\"a\": 5}, \"a\\u0062\": 3},\n"
    " {},\n"
    " {\"a\": -9223372036854775808, \"c\": -18446744073709551615, \"d\": 0.1E1, \"e\": -0.0},\n"
    " \"s\",\n"
    " {\"h\": \"y\", \"b\": \"x\", \"a\": 1E5, \"c\": 2e-1, \"d\": -3E+0},\n"
    " {\"e\": \"str\", \"e\": 7, \"c\": true, \"c\": null, \"h\": 1, \"h\": [\"h\"], \"b\": 0, \"b\": \"z\"}\n"
    "], \"summary\": {\"n\": 10}}\n";
  g_autofree char *path = xp_test_write (dir, "r.json", text);
  static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g", "ab", "h", NULL };
  static const char *const want[] = { "summary", NULL };
  FieldRows r = { .names = names, .seen = g_string_new (NULL) };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) o = xp_json_scan_file_fields (path, want, "vms", names, collect_fields, &r, &error);
  ck_assert_msg (o != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (json_object_get_size (o), 2);
  g_autofree char *sum = member_text (o, "summary"), *vms = member_text (o, "vms");
  ck_assert_str_eq (sum, "{\"n\":10}");
  ck_assert_str_eq (vms, "[]");
  ck_assert_str_eq (r.seen->str,
    "0:obj a=i1 b=s'x\xc3\xa9\n' c=d2.5 d=null e=true f={} g=[] ab=- h=-;\n"
    "1:obj a=i0 b=s'second' c=d-100 d=- e=false f=- g=- ab=- h=-;\n"
    "2:other a=- b=- c=- d=- e=- f=- g=- ab=- h=-;\n"
    "3:obj a=i-1 b=- c=i-9223372036854775808 d=- e=- f=- g=- ab=- h=-;\n"
    "4:obj a=- b=- c=- d=- e=- f=- g=- ab=i3 h=-;\n"
    "5:obj a=- b=- c=- d=- e=- f=- g=- ab=- h=-;\n"
    "6:obj a=i-9223372036854775808 b=- c=i1 d=d1 e=d-0 f=- g=- ab=- h=-;\n"
    "7:other a=- b=- c=- d=- e=- f=- g=- ab=- h=-;\n"
    "8:obj a=d100000 b=s'x' c=d0.20000000000000001 d=d-3 e=- f=- g=- ab=- h=s'y';\n"
    "9:obj a=- b=s'z' c=null d=- e=i7 f=- g=- ab=- h=[];\n");

  /* json-glib's tree of the same elements says the same */
  g_autoptr (JsonParser) parser = json_parser_new ();
  ck_assert (json_parser_load_from_file (parser, path, NULL));
  JsonArray *a = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "vms");
  g_autoptr (GString) glib = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (a); i++)
    describe_tree (glib, json_array_get_element (a, i), i, names);
  ck_assert_str_eq (r.seen->str, glib->str);
  g_string_free (r.seen, TRUE);

  /* a callback's error stops the scan */
  r = (FieldRows) { .names = names, .seen = g_string_new (NULL), .stop_at = 2 };
  g_autoptr (JsonObject) stopped = xp_json_scan_file_fields (path, want, "vms", names, collect_fields, &r, &error);
  ck_assert_ptr_null (stopped);
  ck_assert_str_eq (error->message, "stopped at 1");
  ck_assert (g_str_has_prefix (r.seen->str, "0:obj") && strstr (r.seen->str, "\n1:obj") && !strstr (r.seen->str, "\n2:"));
  g_string_free (r.seen, TRUE);
  g_clear_error (&error);

  /* a name asked for twice has the same value in both places */
  static const char *const twice[] = { "b", "a", "b", NULL };
  r = (FieldRows) { .names = twice, .seen = g_string_new (NULL) };
  g_autoptr (JsonObject) o3 = xp_json_scan_file_fields (path, want, "vms", twice, collect_fields, &r, &error);
  ck_assert_msg (o3 != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (r.seen->str,
    "0:obj b=s'x\xc3\xa9\n' a=i1 b=s'x\xc3\xa9\n';\n"
    "1:obj b=s'second' a=i0 b=s'second';\n"
    "2:other b=- a=- b=-;\n"
    "3:obj b=- a=i-1 b=-;\n"
    "4:obj b=- a=- b=-;\n"
    "5:obj b=- a=- b=-;\n"
    "6:obj b=- a=i-9223372036854775808 b=-;\n"
    "7:other b=- a=- b=-;\n"
    "8:obj b=s'x' a=d100000 b=s'x';\n"
    "9:obj b=s'z' a=- b=s'z';\n");
  g_string_free (r.seen, TRUE);

  /* a streamed member that is no array is returned, and no element seen */
  g_autofree char *p2 = xp_test_write (dir, "s.json", "{\"vms\": {\"a\": 1}}");
  r = (FieldRows) { .names = names, .seen = g_string_new (NULL) };
  g_autoptr (JsonObject) o2 = xp_json_scan_file_fields (p2, NULL, "vms", names, collect_fields, &r, &error);
  ck_assert (o2 != NULL);
  g_autofree char *v2 = member_text (o2, "vms");
  ck_assert_str_eq (v2, "{\"a\":1}");
  ck_assert_str_eq (r.seen->str, "");
  g_string_free (r.seen, TRUE);
  xp_test_rmtree (dir);
}
END_TEST

/* Malformed text anywhere, in a member that is kept or not, is refused
 * with the line and column (in bytes) of what is wrong; so is what
 * json-glib 1.6 would let through. Worked out by hand from each text. */
START_TEST (test_scan_errors)
{
  static const struct { const char *text, *error; } cases[] = {
    { "", "1:1: Parse error: unexpected the end of the file, expected '{' (the file holds one object)" },
    { "[1]", "1:1: Parse error: unexpected '[', expected '{' (the file holds one object)" },
    { "{\"a\": 1} x", "1:10: Parse error: unexpected 'x', expected the end of the file after the object" },
    { "{\n \"a\": 1,\n \"b\": [1, 2,]\n}", "3:13: Parse error: unexpected ']', expected a value" },
    { "{\"a\": 1,}", "1:9: Parse error: unexpected '}', expected a member name" },
    { "{\"b\": {\"x\": 1,}}", "1:15: Parse error: unexpected '}', expected a member name" },
    { "{\"b\": {\"x\" 1}}", "1:12: Parse error: unexpected '1', expected ':'" },
    { "{\"b\": [1 2]}", "1:10: Parse error: unexpected '2', expected ',' or ']'" },
    { "{\"b\": {\"x\": 1 \"y\": 2}}", "1:15: Parse error: unexpected '\"', expected ',' or '}'" },
    { "{\"a\": 1 \"b\": 2}", "1:9: Parse error: unexpected '\"', expected ',' or '}'" },
    { "{\"b\": \"abc", "1:7: Parse error: a string that does not end" },
    { "{\"b\": \"a\tb\"}", "1:9: Parse error: control character 0x09 in a string" },
    { "{\"b\": \"a\\xb\"}", "1:9: Parse error: invalid escape in a string" },
    { "{\"b\": \"\\u12g4\"}", "1:12: Parse error: unexpected 'g', expected a hex digit of a \\u escape" },
    { "{\"b\": \"\\ud800\"}", "1:8: Parse error: unpaired surrogate \\ud800 in a string" },
    { "{\"b\": \"\\ud800\\u0041\"}", "1:8: Parse error: unpaired surrogate \\ud800 in a string" },
    { "{\"b\": \"\\udc00\"}", "1:8: Parse error: unpaired surrogate \\udc00 in a string" },
    { "{\"b\": \"\xff\"}", "1:8: Parse error: invalid UTF-8 in a string" },
    { "{\"b\": \"\xc3\"}", "1:8: Parse error: invalid UTF-8 in a string" },
    { "{\"b\": 01}", "1:8: Parse error: unexpected '1', expected ',' or '}'" },
    { "{\"b\": 1.}", "1:9: Parse error: unexpected '}', expected a digit" },
    { "{\"b\": .5}", "1:7: Parse error: unexpected '.', expected a value" },
    { "{\"b\": -}", "1:8: Parse error: unexpected '}', expected a digit" },
    { "{\"b\": 1e}", "1:9: Parse error: unexpected '}', expected a digit" },
    { "{\"b\": +1}", "1:7: Parse error: unexpected '+', expected a value" },
    { "{\"b\": tru}", "1:7: Parse error: unexpected 't', expected a value" },
    { "{\"b\": nul", "1:7: Parse error: unexpected 'n', expected a value" },
    { "{\"b\": [", "1:8: Parse error: unexpected the end of the file, expected a value" },
    { "{\"b\": 1", "1:8: Parse error: unexpected the end of the file, expected ',' or '}'" },
    { "{'b': 1}", "1:2: Parse error: unexpected ''', expected a member name" },
    { "{/* c */ \"b\": 1}", "1:2: Parse error: unexpected '/', expected a member name" },
    { "var x = {\"b\": 1}", "1:1: Parse error: unexpected 'v', expected '{' (the file holds one object)" },
    { "{\"b\": \x01}", "1:7: Parse error: unexpected byte 0x01, expected a value" },
    /* inside a streamed row, where the rows may be read field by field */
    { "{\"vms\": [{\"a\": 1,}]}", "1:18: Parse error: unexpected '}', expected a member name" },
    { "{\"vms\": [{\"a\" 1}]}", "1:15: Parse error: unexpected '1', expected ':'" },
    { "{\"vms\": [{\"a\": [1 2]}]}", "1:19: Parse error: unexpected '2', expected ',' or ']'" },
    { "{\"vms\": [{\"a\": \"x\\q\"}]}", "1:18: Parse error: invalid escape in a string" },
    { "{\"vms\": [{\"a\": 01}]}", "1:17: Parse error: unexpected '1', expected ',' or '}'" },
    { "{\"vms\": [{\"a\": 1}, ]}", "1:20: Parse error: unexpected ']', expected a value" },
    { "{\"vms\": [{\"a\": tru}]}", "1:16: Parse error: unexpected 't', expected a value" },
    { "{\"vms\": [{\"a\": -}]}", "1:17: Parse error: unexpected '}', expected a digit" },
    /* members asked for are read once */
    { "{\"run\": 1,\n \"run\": 2}", "2:2: Parse error: member \"run\" appears twice" },
    { "{\"vms\": [],\n \"vms\": []}", "2:2: Parse error: member \"vms\" appears twice" },
  };
  g_autofree char *dir = xp_test_tmpdir ();
  static const char *const want[] = { "run", NULL };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = xp_test_write (dir, "x.json", cases[i].text);
      g_autoptr (GError) error = NULL;
      Elements e = { .seen = g_string_new (NULL) };
      g_autoptr (JsonObject) o = xp_json_scan_file (path, want, "vms", collect, &e, &error);
      g_string_free (e.seen, TRUE);
      ck_assert_msg (o == NULL, "case %u was read", i);
      g_autofree char *expect = g_strdup_printf ("%s:%s", path, cases[i].error);
      ck_assert_msg (strcmp (error->message, expect) == 0, "case %u: '%s', expected '%s'", i, error->message, expect);
      /* the same, reading the rows field by field */
      static const char *const fields[] = { "a", NULL };
      FieldRows r = { .names = fields, .seen = g_string_new (NULL) };
      g_autoptr (GError) error2 = NULL;
      g_autoptr (JsonObject) o2 = xp_json_scan_file_fields (path, want, "vms", fields, collect_fields, &r, &error2);
      g_string_free (r.seen, TRUE);
      ck_assert_msg (o2 == NULL, "case %u was read field by field", i);
      ck_assert_msg (strcmp (error2->message, expect) == 0, "case %u field by field: '%s', expected '%s'", i,
                     error2->message, expect);
    }

  /* nesting inside a streamed row, read as a tree, field by field with the
   * deep member asked for, and not: the top object, "vms" and the row are
   * three levels, so the row's member holds at most MAX - 3 arrays */
  for (guint extra = 0; extra < 2; extra++)
    {
      guint depth = XP_JSON_SCAN_MAX_DEPTH - 3 + extra;
      g_autoptr (GString) t = g_string_new ("{\"vms\": [{\"a\": ");
      for (guint d = 0; d < depth; d++)
        g_string_append_c (t, '[');
      for (guint d = 0; d < depth; d++)
        g_string_append_c (t, ']');
      g_string_append (t, "}, [[1]]]}");
      g_autofree char *path = xp_test_write (dir, "x.json", t->str);
      g_autofree char *expect = g_strdup_printf ("%s:1:%u: Parse error: nested deeper than %u", path,
                                                 16 + XP_JSON_SCAN_MAX_DEPTH - 3, XP_JSON_SCAN_MAX_DEPTH);
      static const char *const asked[] = { "a", NULL }, *const other[] = { "b", NULL };
      for (guint mode = 0; mode < 3; mode++)
        {
          g_autoptr (GError) error = NULL;
          Elements e = { .seen = g_string_new (NULL) };
          FieldRows r = { .names = mode == 1 ? asked : other, .seen = g_string_new (NULL) };
          g_autoptr (JsonObject) o = mode == 0
            ? xp_json_scan_file (path, NULL, "vms", collect, &e, &error)
            : xp_json_scan_file_fields (path, NULL, "vms", r.names, collect_fields, &r, &error);
          if (!extra)
            {
              ck_assert_msg (o != NULL, "mode %u: %s", mode, error->message);
              if (mode == 1)
                ck_assert_str_eq (r.seen->str, "0:obj a=[];\n1:other a=-;\n");
              if (mode == 2)
                ck_assert_str_eq (r.seen->str, "0:obj b=-;\n1:other b=-;\n");
            }
          else
            {
              ck_assert_msg (o == NULL, "mode %u read it", mode);
              ck_assert_str_eq (error->message, expect);
              ck_assert_str_eq (r.seen->str, "");
            }
          g_string_free (e.seen, TRUE);
          g_string_free (r.seen, TRUE);
        }
    }

  /* nesting: at the limit read, one deeper refused */
  for (guint extra = 0; extra < 2; extra++)
    {
      guint depth = XP_JSON_SCAN_MAX_DEPTH - 1 + extra;   /* arrays inside the top object */
      g_autoptr (GString) t = g_string_new ("{\"b\": ");
      for (guint d = 0; d < depth; d++)
        g_string_append_c (t, '[');
      for (guint d = 0; d < depth; d++)
        g_string_append_c (t, ']');
      g_string_append_c (t, '}');
      g_autofree char *path = xp_test_write (dir, "x.json", t->str);
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) o = xp_json_scan_file (path, NULL, NULL, NULL, NULL, &error);
      if (!extra)
        ck_assert_msg (o != NULL, "%s", error->message);
      else
        {
          ck_assert_ptr_null (o);
          g_autofree char *expect = g_strdup_printf ("%s:1:%u: Parse error: nested deeper than %u", path,
                                                     7 + XP_JSON_SCAN_MAX_DEPTH - 1, XP_JSON_SCAN_MAX_DEPTH);
          ck_assert_str_eq (error->message, expect);
        }
    }
  xp_test_rmtree (dir);
}
END_TEST

typedef struct {
  guint rows;
  guint64 page_sum;
} LargeRows;

static gboolean
large_row (const XpJsonField *f, gboolean is_object, guint index, gpointer data, GError **error)
{
  LargeRows *lr = data;
  ck_assert (is_object && f[0].type == XP_JSON_FIELD_INT && f[1].type == XP_JSON_FIELD_INT);
  ck_assert_int_eq (f[1].integer, index);
  lr->rows++;
  lr->page_sum += (guint64) f[0].integer;
  return TRUE;
}

/* A results-sized file, written by the results writer: the rows stream
 * past the points where the scan gives pages back (every 8 MiB), and the
 * members before and after them come back whole. */
START_TEST (test_scan_large)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "big.json", NULL);
  FILE *f = fopen (path, "w");
  ck_assert_ptr_nonnull (f);
  XpJsonOut *o = xp_json_out_new (f);
  const guint n = 12000;
  char filler[701];
  memset (filler, 'x', 700);
  filler[700] = 0;
  xp_json_out_begin_object (o, NULL);
  xp_json_out_string (o, "schema", "x");
  xp_json_out_begin_array (o, "vms");
  for (guint i = 0; i < n; i++)
    {
      xp_json_out_begin_object (o, NULL);
      xp_json_out_int (o, "id", i);
      xp_json_out_string (o, "name", filler);
      xp_json_out_int (o, "pages", 2 * i);
      xp_json_out_end_object (o);
    }
  xp_json_out_end_array (o);
  xp_json_out_begin_object (o, "summary");
  xp_json_out_int (o, "vms", n);
  xp_json_out_end_object (o);
  xp_json_out_end_object (o);
  g_free (xp_json_out_finish (o));
  ck_assert_int_eq (fclose (f), 0);
  struct stat st;
  ck_assert_int_eq (stat (path, &st), 0);
  ck_assert_int_gt (st.st_size, 8 << 20);

  /* only the summary: the rows are skipped */
  static const char *const sum[] = { "summary", "schema", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) head = xp_json_scan_file (path, sum, NULL, NULL, NULL, &error);
  ck_assert_msg (head != NULL, "%s", error ? error->message : "");
  g_autofree char *s = member_text (head, "summary");
  g_autofree char *expect = g_strdup_printf ("{\"vms\":%u}", n);
  ck_assert_str_eq (s, expect);

  /* the rows one by one */
  Elements e = { .seen = g_string_new (NULL) };
  g_autoptr (JsonObject) rows = xp_json_scan_file (path, sum, "vms", collect, &e, &error);
  ck_assert (rows != NULL);
  g_autofree char *last = g_strdup_printf ("%u={\"id\":%u,\"name\":\"%s\",\"pages\":%u};", n - 1, n - 1, filler,
                                           2 * (n - 1));
  ck_assert (g_str_has_suffix (e.seen->str, last));
  ck_assert (g_str_has_prefix (e.seen->str, "0={\"id\":0,"));
  g_string_free (e.seen, TRUE);

  /* the rows field by field */
  static const char *const pages[] = { "pages", "id", NULL };
  LargeRows lr = { 0 };
  g_autoptr (JsonObject) frows = xp_json_scan_file_fields (path, sum, "vms", pages, large_row, &lr, &error);
  ck_assert_msg (frows != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (lr.rows, n);
  ck_assert_uint_eq (lr.page_sum, (guint64) n * (n - 1));   /* 2 × (0 + ... + n-1) */
  g_autofree char *fs = member_text (frows, "summary");
  ck_assert_str_eq (fs, expect);

  /* the rows kept whole */
  static const char *const all[] = { "vms", NULL };
  g_autoptr (JsonObject) whole = xp_json_scan_file (path, all, NULL, NULL, NULL, &error);
  ck_assert (whole != NULL);
  JsonArray *a = json_object_get_array_member (whole, "vms");
  ck_assert_uint_eq (json_array_get_length (a), n);
  ck_assert_int_eq (json_object_get_int_member (json_array_get_object_element (a, n - 1), "pages"), 2 * (n - 1));
  xp_test_rmtree (dir);
}
END_TEST


/* ---- run metrics ----------------------------------------------------------- */

START_TEST (test_metrics_by_hand)
{
  /* Five VMs on two nodes, started at 0 and running after 10, 20, 30, 40
   * and 50 ms, and one that failed. Latency percentiles are nearest rank
   * (the ceil(p * n / 100)-th smallest): p50 of five is the 3rd (30 ms),
   * p95 the 5th (50 ms); the mean is 30 ms, the failed VM is left out.
   * Spread counts nodes holding more than 4096 pages: 4096 on node 0 is
   * not a node (v0), 4097 is (v1, which could have fitted on one node:
   * avoidable). v2 is split evenly: spread, home node 0 on the tie,
   * locality 0.5. Superpage share: v0 one 1 GiB extent (262144 pages),
   * v1 two 2 MiB extents (1024 pages) and 1024 4 KiB pages, the others
   * none, so (262144 + 1024) / (262144 + 2048) = 263168 / 264192. */
  XpPages np[5][2] = { { 4096, 100000 }, { 4097, 100000 }, { 50000, 50000 }, { 8192, 0 }, { 0, 8192 } };
  XpVm vm[6];
  memset (vm, 0, sizeof vm);
  g_autoptr (GPtrArray) vms = g_ptr_array_new ();
  for (guint i = 0; i < 6; i++)
    {
      vm[i].name = "v";
      vm[i].state = i < 5 ? XP_VM_RUNNING : XP_VM_FAILED;
      vm[i].running_time = i < 5 ? (XpTime) (i + 1) * 10 * XP_NSEC_PER_MSEC : 0;
      vm[i].node_pages = i < 5 ? np[i] : NULL;
      g_ptr_array_add (vms, &vm[i]);
    }
  vm[0].extents_1g = 1;
  vm[1].extents_2m = 2;
  vm[1].pages_4k = 1024;
  vm[1].single_node_fit = TRUE;
  g_autoptr (XpMetrics) m = xp_metrics_new (2);
  xp_metrics_finish (m, vms, 0);
  const XpRunSummary *s = &m->summary;
  ck_assert_uint_eq (s->vms, 6);
  ck_assert_uint_eq (s->started, 5);
  ck_assert_uint_eq (s->failed, 1);
  ck_assert_int_eq (s->latency_p50, 30 * XP_NSEC_PER_MSEC);
  ck_assert_int_eq (s->latency_p95, 50 * XP_NSEC_PER_MSEC);
  ck_assert_int_eq (s->latency_max, 50 * XP_NSEC_PER_MSEC);
  ck_assert_int_eq (s->latency_mean, 30 * XP_NSEC_PER_MSEC);
  ck_assert_uint_eq (s->spread, 2);
  ck_assert_uint_eq (s->avoidable_spread, 1);
  const XpVmMetrics *v = (const XpVmMetrics *) m->vms->data;
  ck_assert_uint_eq (v[0].numa_nodes, 1);
  ck_assert_uint_eq (v[1].numa_nodes, 2);
  ck_assert_uint_eq (v[2].home_node, 0);
  ck_assert_double_eq_tol (v[2].locality, 0.5, 1e-12);
  /* mean locality: (100000/104096 + 100000/104097 + 0.5 + 1 + 1) / 5 */
  ck_assert_double_eq_tol (s->mean_locality, (100000.0 / 104096 + 100000.0 / 104097 + 2.5) / 5, 1e-12);
  ck_assert_double_eq_tol (s->superpage_share, 263168.0 / 264192.0, 1e-12);
  ck_assert_int_eq (v[5].start_latency, -1);
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
  tcase_add_test (tc, test_metrics_by_hand);
  suite_add_tcase (s, tc);
  TCase *in = tcase_create ("input");
  tcase_set_timeout (in, 60);   /* a 9 MB file, three times: slow under ASan */
  tcase_add_test (in, test_scan_members);
  tcase_add_test (in, test_scan_fields);
  tcase_add_test (in, test_scan_errors);
  tcase_add_test (in, test_scan_large);
  suite_add_tcase (s, in);
  return s;
}
