/* libFuzzer target: everything that reads results back — a run's results
 * file (xp_bench_read_run), matrix.json (xp_bench_plan_load), summary.json
 * (xp_summary_load), timing.tsv (xp_bench_timing_load) — and the report
 * with its plots (xp_bench_report, which reads the runs' per-VM rows and
 * time series). Any input must be read or give one error naming the file,
 * never a crash, a hang or a leak. The scanner under the run-file readers
 * (xp_json_scan_file) must also agree with json-glib where it accepts,
 * and so must the rows it reads field by field (xp_json_scan_file_fields).
 *
 * Every reader gets the whole input. The report then gets a copy of the
 * hand-made bench directory in tests/data/bench/hand with the input in
 * one place, chosen by the first byte modulo 3: 0 ('{') every run file,
 * 1 ('\n') matrix.json, 2 (' ') summary.json.
 * Build and run (from the top of the tree): tests/fuzz/run.sh results [SECONDS] */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "bench/compare.h"
#include "bench/report.h"
#include "sim/json_scan.h"
#include "sim/results.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *bench_dir;
static GHashTable *originals;   /* path in bench_dir → its valid contents */

static void
put (const char *path, const char *contents, gssize len)
{
  if (!g_file_set_contents (path, contents, len, NULL))
    abort ();
}

static void
setup (void)
{
  const char *base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
  bench_dir = g_strdup_printf ("%s/xp-fuzz-results-%d", base, (int) getpid ());
  g_autofree char *runs = g_build_filename (bench_dir, "runs", NULL);
  g_mkdir_with_parents (runs, 0755);
  originals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *hand = "tests/data/bench/hand";
  g_autofree char *m = g_build_filename (hand, "matrix.json", NULL);
  char *text = NULL;
  if (!g_file_get_contents (m, &text, NULL, NULL))
    {
      fprintf (stderr, "run from the top of the source tree (%s missing)\n", m);
      abort ();
    }
  g_hash_table_insert (originals, g_build_filename (bench_dir, "matrix.json", NULL), text);
  g_autofree char *hand_runs = g_build_filename (hand, "runs", NULL);
  GDir *d = g_dir_open (hand_runs, 0, NULL);
  for (const char *n; d && (n = g_dir_read_name (d));)
    {
      g_autofree char *src = g_build_filename (hand_runs, n, NULL);
      if (g_file_get_contents (src, &text, NULL, NULL))
        g_hash_table_insert (originals, g_build_filename (runs, n, NULL), text);
    }
  if (d)
    g_dir_close (d);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, originals);
  while (g_hash_table_iter_next (&it, &k, &v))
    put (k, v, -1);
  GError *error = NULL;
  if (!xp_bench_merge (bench_dir, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      abort ();
    }
  g_autofree char *sp = g_build_filename (bench_dir, "summary.json", NULL);
  g_file_get_contents (sp, &text, NULL, NULL);
  g_hash_table_insert (originals, g_steal_pointer (&sp), text);
}

static void
expect_named (const GError *error, const char *path)
{
  if (!g_str_has_prefix (error->message, path))
    {
      fprintf (stderr, "error not naming %s: %s\n", path, error->message);
      abort ();
    }
}

/* The scanner that reads results files in part takes no text json-glib
 * refuses, and what it keeps is json-glib's. Asked for every member
 * json-glib found, streaming the first array among them, it must agree
 * with json-glib whenever it accepts (it may refuse more: comments,
 * numbers such as 01, raw control characters, duplicate members). Trees
 * are compared as the generator's text, which tells 1 from 1.0. */
static char *
node_text (JsonNode *n)
{
  JsonGenerator *g = json_generator_new ();
  json_generator_set_root (g, n);
  char *t = json_generator_to_data (g, NULL);
  g_object_unref (g);
  return t;
}

static gboolean
collect_text (JsonNode *element, guint index, gpointer data, GError **error)
{
  (void) index;
  (void) error;
  g_ptr_array_add (data, node_text (element));
  return TRUE;
}

static void
differs (const char *what)
{
  fprintf (stderr, "xp_json_scan_file: %s\n", what);
  abort ();
}

/* One member of an element as text: how json-glib's tree holds it, or
 * how the scanner's field-by-field read gave it. The two must agree. */
static void
field_text (GString *out, XpJsonFieldType t, gboolean b, gint64 i, double d, const char *str)
{
  static const char *const kinds[] = { "-", "null", "bool", "int", "double", "string", "object", "array" };
  g_string_append_printf (out, "%s:", kinds[t]);
  if (t == XP_JSON_FIELD_BOOLEAN)
    g_string_append (out, b ? "true" : "false");
  else if (t == XP_JSON_FIELD_INT)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, i);
  else if (t == XP_JSON_FIELD_DOUBLE)
    g_string_append_printf (out, "%.17g", d);
  else if (t == XP_JSON_FIELD_STRING)
    g_string_append (out, str);
  g_string_append_c (out, ';');
}

static void
tree_fields (GString *out, JsonNode *element, const char *const *names)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
  g_string_append (out, o ? "{" : "(");
  for (guint k = 0; names[k]; k++)
    {
      JsonNode *n = o ? json_object_get_member (o, names[k]) : NULL;
      if (!n)
        field_text (out, XP_JSON_FIELD_ABSENT, FALSE, 0, 0, NULL);
      else if (JSON_NODE_HOLDS_OBJECT (n))
        field_text (out, XP_JSON_FIELD_OBJECT, FALSE, 0, 0, NULL);
      else if (JSON_NODE_HOLDS_ARRAY (n))
        field_text (out, XP_JSON_FIELD_ARRAY, FALSE, 0, 0, NULL);
      else if (JSON_NODE_HOLDS_NULL (n))
        field_text (out, XP_JSON_FIELD_NULL, FALSE, 0, 0, NULL);
      else if (json_node_get_value_type (n) == G_TYPE_BOOLEAN)
        field_text (out, XP_JSON_FIELD_BOOLEAN, json_node_get_boolean (n), 0, 0, NULL);
      else if (json_node_get_value_type (n) == G_TYPE_INT64)
        field_text (out, XP_JSON_FIELD_INT, FALSE, json_node_get_int (n), 0, NULL);
      else if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
        field_text (out, XP_JSON_FIELD_DOUBLE, FALSE, 0, json_node_get_double (n), NULL);
      else
        field_text (out, XP_JSON_FIELD_STRING, FALSE, 0, 0, json_node_get_string (n));
    }
}

typedef struct {
  guint n;
  GString *text;
} FieldsSeen;

static gboolean
collect_fields (const XpJsonField *f, gboolean is_object, guint index, gpointer data, GError **error)
{
  (void) index;
  (void) error;
  FieldsSeen *seen = data;
  g_string_append (seen->text, is_object ? "{" : "(");
  for (guint k = 0; k < seen->n; k++)
    field_text (seen->text, f[k].type, f[k].boolean, f[k].integer, f[k].number, f[k].string);
  return TRUE;
}

/* Streaming @each field by field, asking for the names its object
 * elements use (up to 63) and one they may not: every element must read as
 * json-glib's tree of it (@want, json-glib's array). */
static void
fields_agree (const char *path, const char *each, JsonArray *want)
{
  GPtrArray *names = g_ptr_array_new ();
  g_ptr_array_add (names, (gpointer) "a");
  for (guint i = 0; i < json_array_get_length (want) && names->len < 64; i++)
    {
      JsonNode *e = json_array_get_element (want, i);
      if (!JSON_NODE_HOLDS_OBJECT (e))
        continue;
      GList *members = json_object_get_members (json_node_get_object (e));
      for (GList *l = members; l && names->len < 64; l = l->next)
        {
          gboolean dup = FALSE;
          for (guint k = 0; k < names->len; k++)
            dup = dup || strcmp (names->pdata[k], l->data) == 0;
          if (!dup)
            g_ptr_array_add (names, l->data);
        }
      g_list_free (members);
    }
  g_ptr_array_add (names, NULL);
  const char *const *nv = (const char *const *) names->pdata;
  GString *expect = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (want); i++)
    tree_fields (expect, json_array_get_element (want, i), nv);
  FieldsSeen seen = { names->len - 1, g_string_new (NULL) };
  GError *error = NULL;
  JsonObject *got = xp_json_scan_file_fields (path, NULL, each, nv, collect_fields, &seen, &error);
  if (!got)
    differs (error->message);   /* the same text was accepted streamed as trees */
  if (strcmp (expect->str, seen.text->str) != 0)
    {
      fprintf (stderr, "json-glib: %s\nscanner:   %s\n", expect->str, seen.text->str);
      differs ("a row read field by field differs from json-glib's");
    }
  json_object_unref (got);
  g_string_free (expect, TRUE);
  g_string_free (seen.text, TRUE);
  g_ptr_array_unref (names);
}

/* Refused text: streaming @each as trees and field by field must refuse it
 * with the same message (an error inside a row is found either way). */
static void
errors_agree (const char *path, const char *const *members, const char *each)
{
  for (guint i = 0; members[i]; i++)
    if (strcmp (members[i], each) == 0)
      return;
  GPtrArray *elements = g_ptr_array_new_with_free_func (g_free);
  GError *e1 = NULL, *e2 = NULL;
  JsonObject *o1 = xp_json_scan_file (path, members, each, collect_text, elements, &e1);
  static const char *const fields[] = { "a", NULL };
  FieldsSeen seen = { 1, g_string_new (NULL) };
  JsonObject *o2 = xp_json_scan_file_fields (path, members, each, fields, collect_fields, &seen, &e2);
  if (!o1 && !o2 && strcmp (e1->message, e2->message) != 0)
    {
      fprintf (stderr, "trees: %s\nfields: %s\n", e1->message, e2->message);
      differs ("refused with another message field by field");
    }
  if (!o1 != !o2)
    differs ("refused one way and read the other");
  if (o1)
    json_object_unref (o1);
  if (o2)
    json_object_unref (o2);
  g_clear_error (&e1);
  g_clear_error (&e2);
  g_string_free (seen.text, TRUE);
  g_ptr_array_unref (elements);
}

static void
scan_agrees (const char *path, const uint8_t *data, size_t size)
{
  JsonParser *parser = json_parser_new ();
  gboolean glib_ok = json_parser_load_from_data (parser, (const char *) data, (gssize) size, NULL);
  JsonNode *root = glib_ok ? json_parser_get_root (parser) : NULL;
  JsonObject *want = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  GList *names = want ? json_object_get_members (want) : NULL;
  GPtrArray *members = g_ptr_array_new ();
  const char *each = NULL;
  for (GList *l = names; l; l = l->next)
    if (!each && JSON_NODE_HOLDS_ARRAY (json_object_get_member (want, l->data)))
      each = l->data;
    else
      g_ptr_array_add (members, l->data);
  g_ptr_array_add (members, NULL);
  GPtrArray *elements = g_ptr_array_new_with_free_func (g_free);
  GError *error = NULL;
  JsonObject *got = xp_json_scan_file (path, (const char *const *) members->pdata, each, collect_text, elements,
                                       &error);
  if (got)
    {
      if (!want)
        differs ("accepted what json-glib refuses");
      if (json_object_get_size (got) != json_object_get_size (want))
        differs ("other members than json-glib's");
      for (GList *l = names; l; l = l->next)
        {
          JsonNode *w = json_object_get_member (want, l->data);
          if (l->data == each)
            {
              JsonArray *a = json_node_get_array (w);
              if (elements->len != json_array_get_length (a))
                differs ("other elements than json-glib's");
              for (guint i = 0; i < elements->len; i++)
                {
                  char *t = node_text (json_array_get_element (a, i));
                  if (strcmp (t, elements->pdata[i]) != 0)
                    differs ("an element differs from json-glib's");
                  g_free (t);
                }
              fields_agree (path, each, a);
              continue;
            }
          char *t1 = node_text (w), *t2 = node_text (json_object_get_member (got, l->data));
          if (strcmp (t1, t2) != 0)
            differs ("a member differs from json-glib's");
          g_free (t1);
          g_free (t2);
        }
      json_object_unref (got);
    }
  else
    {
      expect_named (error, path);
      g_clear_error (&error);
      errors_agree (path, (const char *const *) members->pdata, each ? each : "vms");
    }
  g_ptr_array_unref (elements);
  g_ptr_array_unref (members);
  g_list_free (names);
  g_object_unref (parser);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (!bench_dir)
    setup ();
  char path[128];
  g_snprintf (path, sizeof path, "%s.json", bench_dir);
  put (path, (const char *) data, size);

  GError *error = NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GArray *values = g_array_new (FALSE, FALSE, sizeof (double));
  guint64 seed = 1;
  if (!xp_bench_read_run (path, &seed, names, values, &error))
    {
      expect_named (error, path);
      g_clear_error (&error);
    }
  g_ptr_array_unref (names);
  g_array_unref (values);

  XpBenchPlan *plan = xp_bench_plan_load (path, &error);
  if (plan)
    xp_bench_plan_free (plan);
  else
    {
      expect_named (error, path);
      g_clear_error (&error);
    }

  XpSummary *s = xp_summary_load (path, &error);
  if (s)
    {
      /* what was read must go through the gate against itself */
      XpCompareResult *r = xp_bench_compare (s, s, NULL, -1, NULL, NULL, &error);
      if (r)
        {
          g_free (xp_compare_format (r));
          xp_compare_result_free (r);
        }
      g_clear_error (&error);
      xp_summary_free (s);
    }
  else
    {
      expect_named (error, path);
      g_clear_error (&error);
    }

  scan_agrees (path, data, size);

  GHashTable *timing = xp_bench_timing_load (path, &error);
  if (timing)
    g_hash_table_unref (timing);
  else if (error)
    {
      expect_named (error, path);
      g_clear_error (&error);
    }
  unlink (path);

  /* the report, with the input in one place of a valid bench directory */
  guint role = size ? data[0] % 3 : 0;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, originals);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      const char *p = k;
      gboolean mine = role == 0 ? strstr (p, "/runs/") != NULL
                    : role == 1 ? g_str_has_suffix (p, "/matrix.json") : g_str_has_suffix (p, "/summary.json");
      if (mine)
        put (p, (const char *) data, size);
    }
  if (!xp_bench_report (bench_dir, NULL, &error))
    {
      expect_named (error, bench_dir);
      g_clear_error (&error);
    }
  g_hash_table_iter_init (&it, originals);
  while (g_hash_table_iter_next (&it, &k, &v))
    put (k, v, -1);
  return 0;
}
