/* Tests of the native trace format: parser (CSV, JSON Lines), writer,
 * time parsing, error messages. */
#include "config.h"
#include <string.h>
#include "tests/testutil.h"
#include "sim/error.h"
#include "sim/trace.h"
#include "sim/trace_private.h"
#include "sim/trace_stats.h"

static XpTrace *
load_text (const char *dir, const char *name, const char *text, char **path_out, GError **error)
{
  char *path = xp_test_write (dir, name, text);
  XpTrace *t = xp_trace_load (path, error);
  if (path_out)
    *path_out = path;
  else
    g_free (path);
  return t;
}

static const XpTraceEvent *
ev_at (const XpTrace *t, guint i)
{
  ck_assert_uint_lt (i, t->events->len);
  return &g_array_index (t->events, XpTraceEvent, i);
}

#define S(x) ((XpTime) (x) * XP_NSEC_PER_SEC)

START_TEST (test_parse_seconds)
{
  XpTime t;
  ck_assert (xp_parse_seconds ("0.25", &t) && t == 250000000);
  ck_assert (xp_parse_seconds ("12", &t) && t == S (12));
  ck_assert (xp_parse_seconds ("0.000000001", &t) && t == 1);
  ck_assert (xp_parse_seconds ("3.1000000000", &t) && t == 3100000000);   /* zeros past ns are fine */
  ck_assert (xp_parse_seconds ("0", &t) && t == 0);
  /* 0.1 is exactly 100000000 ns: no binary floating point on the way. */
  ck_assert (xp_parse_seconds ("86400.1", &t) && t == 86400100000000);
  ck_assert (!xp_parse_seconds ("1.0000000001", &t));   /* finer than 1 ns */
  ck_assert (!xp_parse_seconds ("1e-3", &t));
  ck_assert (!xp_parse_seconds ("1E3", &t));
  ck_assert (!xp_parse_seconds ("-1", &t));
  ck_assert (!xp_parse_seconds ("+1", &t));
  ck_assert (!xp_parse_seconds ("", &t));
  ck_assert (!xp_parse_seconds (".5", &t));
  ck_assert (!xp_parse_seconds ("1.", &t));
  ck_assert (!xp_parse_seconds (" 1", &t));
  ck_assert (!xp_parse_seconds ("0x10", &t));
  ck_assert (!xp_parse_seconds ("99999999999999999999", &t));   /* overflow */
  ck_assert (!xp_parse_seconds ("4000000001", &t));             /* above the 4e9 s cap */
  g_autofree char *a = xp_trace_format_seconds (250000000);
  g_autofree char *b = xp_trace_format_seconds (S (12));
  g_autofree char *c = xp_trace_format_seconds (1);
  ck_assert_str_eq (a, "0.25");
  ck_assert_str_eq (b, "12");
  ck_assert_str_eq (c, "0.000000001");
}
END_TEST

/* Columns in a shuffled order, a lifetime, ties, out-of-order times, a
 * quoted name with a comma, CRLF and a blank line. */
static const char good_csv[] =
  "vm,time,event,memory_mib,vcpus,lifetime,cpu_demand,hard_affinity\r\n"
  "a,1.5,start,1024,2,2.25,0.5,\"0-3,8\"\r\n"        /* line 2 */
  "b,0.25,start,2048,1,,,\r\n"                      /* line 3 */
  "c,1.5,start,512,1,,,\r\n"                        /* line 4 */
  "\r\n"                                            /* line 5 */
  "b,3.75,stop,,,,,\r\n"                            /* line 6 */
  "\"d,x\",0,start,4096,4,,1,\r\n"                  /* line 7 */
  ",4,toolstack_restart,,,,,\r\n";                  /* line 8 */

static void
check_good_events (const XpTrace *t)
{
  /* Sorted by time, file order for ties; a's lifetime stop at 1.5 + 2.25 =
   * 3.75 s sorts before the file's own stop of b at the same instant. */
  ck_assert_uint_eq (t->events->len, 7);
  const XpTraceEvent *e;
  e = ev_at (t, 0);
  ck_assert (e->type == XP_TRACE_START && e->time == 0 && strcmp (e->vm, "d,x") == 0);
  ck_assert_uint_eq (e->vcpus, 4);
  ck_assert_uint_eq (e->memory_mib, 4096);
  ck_assert_uint_eq (e->cpu_demand_ppm, 1000000);
  ck_assert (!e->hard_affinity);
  ck_assert_uint_eq (e->line, 7);
  e = ev_at (t, 1);
  ck_assert (e->type == XP_TRACE_START && e->time == 250000000 && strcmp (e->vm, "b") == 0);
  ck_assert_uint_eq (e->line, 3);
  e = ev_at (t, 2);
  ck_assert (e->type == XP_TRACE_START && e->time == 1500000000 && strcmp (e->vm, "a") == 0);
  ck_assert_uint_eq (e->vcpus, 2);
  ck_assert_uint_eq (e->memory_mib, 1024);
  ck_assert_uint_eq (e->cpu_demand_ppm, 500000);
  ck_assert (e->lifetime == 2250000000);
  ck_assert (e->hard_affinity);
  ck_assert_uint_eq (xp_cpumask_weight (e->hard_affinity), 5);   /* 0,1,2,3,8 */
  ck_assert (xp_cpumask_test (e->hard_affinity, 8) && !xp_cpumask_test (e->hard_affinity, 4));
  e = ev_at (t, 3);
  ck_assert (e->type == XP_TRACE_START && e->time == 1500000000 && strcmp (e->vm, "c") == 0);
  e = ev_at (t, 4);
  ck_assert (e->type == XP_TRACE_STOP && e->time == 3750000000 && strcmp (e->vm, "a") == 0);
  ck_assert (e->from_lifetime);
  ck_assert_uint_eq (e->line, 2);
  e = ev_at (t, 5);
  ck_assert (e->type == XP_TRACE_STOP && e->time == 3750000000 && strcmp (e->vm, "b") == 0);
  ck_assert (!e->from_lifetime);
  ck_assert_uint_eq (e->line, 6);
  e = ev_at (t, 6);
  ck_assert (e->type == XP_TRACE_TOOLSTACK_RESTART && e->time == S (4) && e->vm == NULL);
}

START_TEST (test_csv_good)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTrace) t = load_text (dir, "good.csv", good_csv, NULL, &error);
  ck_assert_msg (t != NULL, "%s", error ? error->message : "");
  check_good_events (t);
  xp_test_rmtree (dir);
}
END_TEST

/* Equal hard-affinity masks are kept once: the starts with "0-3" and
 * "0,1,2,3" share one copy, the one with "4-5" has its own. */
START_TEST (test_masks_interned)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTrace) t = load_text (dir, "masks.csv",
                                     "time,event,vm,vcpus,memory_mib,hard_affinity\n"
                                     "0,start,a,1,512,0-3\n"
                                     "1,start,b,1,512,\"0,1,2,3\"\n"
                                     "2,start,c,1,512,4-5\n", NULL, &error);
  ck_assert_msg (t != NULL, "%s", error ? error->message : "");
  const XpCpumask *a = ev_at (t, 0)->hard_affinity, *b = ev_at (t, 1)->hard_affinity, *c = ev_at (t, 2)->hard_affinity;
  ck_assert_ptr_eq (a, b);
  ck_assert_ptr_ne (a, c);
  ck_assert_uint_eq (xp_cpumask_weight (a), 4);
  ck_assert (xp_cpumask_test (c, 4) && xp_cpumask_test (c, 5) && xp_cpumask_weight (c) == 2);
  xp_test_rmtree (dir);
}
END_TEST

START_TEST (test_jsonl_good)
{
  /* The same trace as good_csv; numbers as JSON numbers or strings. */
  static const char text[] =
    "{\"vm\":\"a\",\"time\":1.5,\"event\":\"start\",\"memory_mib\":1024,\"vcpus\":\"2\",\"lifetime\":2.25,"
    "\"cpu_demand\":0.5,\"hard_affinity\":\"0-3,8\"}\n"
    "{\"vm\":\"b\",\"time\":\"0.25\",\"event\":\"start\",\"memory_mib\":2048,\"vcpus\":1}\n"
    "{\"vm\":\"c\",\"time\":1.5,\"event\":\"start\",\"memory_mib\":512,\"vcpus\":1,\"lifetime\":null}\n"
    "   \n"
    "{\"vm\":\"b\",\"time\":3.75,\"event\":\"stop\"}\n"
    "{\"vm\":\"d,x\",\"time\":0,\"event\":\"start\",\"memory_mib\":4096,\"vcpus\":4,\"cpu_demand\":1}\n"
    "{\"vm\":\"\",\"time\":4,\"event\":\"toolstack_restart\"}\n";
  g_autofree char *dir = xp_test_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTrace) t = load_text (dir, "good.jsonl", text, NULL, &error);
  ck_assert_msg (t != NULL, "%s", error ? error->message : "");
  /* Line numbers differ from the CSV by the header: shift them back. */
  ck_assert_uint_eq (ev_at (t, 0)->line, 6);
  for (guint i = 0; i < t->events->len; i++)
    g_array_index (t->events, XpTraceEvent, i).line++;
  check_good_events (t);
  xp_test_rmtree (dir);
}
END_TEST

START_TEST (test_round_trip)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTrace) t = load_text (dir, "in.csv", good_csv, NULL, &error);
  ck_assert (t != NULL);
  g_autofree char *out1 = g_build_filename (dir, "out1.csv", NULL);
  g_autofree char *out2 = g_build_filename (dir, "out2.csv", NULL);
  ck_assert (xp_trace_write_csv (t, out1, &error));
  g_autoptr (XpTrace) u = xp_trace_load (out1, &error);
  ck_assert_msg (u != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (u->events->len, t->events->len);
  for (guint i = 0; i < t->events->len; i++)
    {
      const XpTraceEvent *a = ev_at (t, i), *b = ev_at (u, i);
      ck_assert (a->time == b->time && a->type == b->type);
      ck_assert_str_eq (a->vm ? a->vm : "", b->vm ? b->vm : "");
      ck_assert_uint_eq (a->vcpus, b->vcpus);
      ck_assert_uint_eq (a->memory_mib, b->memory_mib);
      ck_assert_uint_eq (a->cpu_demand_ppm, b->cpu_demand_ppm);
      ck_assert (a->lifetime == b->lifetime && a->from_lifetime == b->from_lifetime);
      ck_assert (!a->hard_affinity == !b->hard_affinity);
      ck_assert (!a->hard_affinity || xp_cpumask_equal (a->hard_affinity, b->hard_affinity));
    }
  ck_assert (xp_trace_write_csv (u, out2, &error));
  g_autofree char *c1 = NULL, *c2 = NULL;
  ck_assert (g_file_get_contents (out1, &c1, NULL, NULL) && g_file_get_contents (out2, &c2, NULL, NULL));
  ck_assert_str_eq (c1, c2);
  /* Through JSON Lines: the same events, hence the same CSV again. */
  g_autofree char *outj = g_build_filename (dir, "out.jsonl", NULL);
  g_autofree char *out3 = g_build_filename (dir, "out3.csv", NULL);
  ck_assert (xp_trace_write (t, outj, &error));
  g_autoptr (XpTrace) j = xp_trace_load (outj, &error);
  ck_assert_msg (j != NULL, "%s", error ? error->message : "");
  ck_assert (xp_trace_write (j, out3, &error));
  g_autofree char *c3 = NULL, *cj = NULL;
  ck_assert (g_file_get_contents (out3, &c3, NULL, NULL) && g_file_get_contents (outj, &cj, NULL, NULL));
  ck_assert_str_eq (c1, c3);
  ck_assert_str_eq (cj,
                    "{\"time\":0,\"event\":\"start\",\"vm\":\"d,x\",\"vcpus\":4,\"memory_mib\":4096}\n"
                    "{\"time\":0.25,\"event\":\"start\",\"vm\":\"b\",\"vcpus\":1,\"memory_mib\":2048}\n"
                    "{\"time\":1.5,\"event\":\"start\",\"vm\":\"a\",\"vcpus\":2,\"memory_mib\":1024,"
                    "\"hard_affinity\":\"0-3,8\",\"cpu_demand\":0.5,\"lifetime\":2.25}\n"
                    "{\"time\":1.5,\"event\":\"start\",\"vm\":\"c\",\"vcpus\":1,\"memory_mib\":512}\n"
                    "{\"time\":3.75,\"event\":\"stop\",\"vm\":\"b\"}\n"
                    "{\"time\":4,\"event\":\"toolstack_restart\"}\n");
  /* Rows sorted by time, lifetime kept in its start row, no lifetime stop. */
  ck_assert_str_eq (c1,
                    "time,event,vm,vcpus,memory_mib,hard_affinity,cpu_demand,lifetime\n"
                    "0,start,\"d,x\",4,4096,,,\n"
                    "0.25,start,b,1,2048,,,\n"
                    "1.5,start,a,2,1024,\"0-3,8\",0.5,2.25\n"
                    "1.5,start,c,1,512,,,\n"
                    "3.75,stop,b,,,,,\n"
                    "4,toolstack_restart,,,,,,\n");
  xp_test_rmtree (dir);
}
END_TEST

START_TEST (test_lifetime_reuse_name)
{
  /* A name may start again at the very instant its lifetime ends: the
   * lifetime stop sorts first at equal times. */
  g_autofree char *dir = xp_test_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTrace) t = load_text (dir, "r.csv",
                                     "time,event,vm,vcpus,memory_mib,lifetime\n"
                                     "10,start,a,1,1,\n"
                                     "0,start,a,1,1,10\n", NULL, &error);
  ck_assert_msg (t != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (t->events->len, 3);
  ck_assert (ev_at (t, 0)->type == XP_TRACE_START && ev_at (t, 0)->time == 0);
  ck_assert (ev_at (t, 1)->type == XP_TRACE_STOP && ev_at (t, 1)->time == S (10));
  ck_assert (ev_at (t, 2)->type == XP_TRACE_START && ev_at (t, 2)->line == 2);
  xp_test_rmtree (dir);
}
END_TEST

typedef struct {
  const char *name;       /* file name (extension picks the parser) */
  const char *text;
  const char *where;      /* "LINE:COL" */
  const char *field;
  const char *expected;   /* a substring of the expectation */
  const char *got;
} BadCase;

#define H "time,event,vm,vcpus,memory_mib\n"

static const BadCase bad_cases[] = {
  /* header */
  { "b.csv", "time,event,vcpus,memory_mib\n0,start,1,1\n", "1:1", "vm", "a 'vm' column in the header",
    "time,event,vcpus,memory_mib" },
  { "b.csv", "time,event,vm,vcpus,memory_mib,colour\n", "1:6", "colour", "a known column", "colour" },
  { "b.csv", "time,event,vm,vm,vcpus,memory_mib\n", "1:4", "vm", "each column once", "vm" },
  /* types and ranges */
  { "b.csv", H "0,start,a,two,1024\n", "2:4", "vcpus", "an integer from 1 to 1024", "two" },
  { "b.csv", H "0,start,a,0,1024\n", "2:4", "vcpus", "an integer from 1 to 1024", "0" },
  { "b.csv", H "0,start,a,1025,1024\n", "2:4", "vcpus", "an integer from 1 to 1024", "1025" },
  { "b.csv", H "0,start,a,-1,1024\n", "2:4", "vcpus", "an integer from 1 to 1024", "-1" },
  { "b.csv", H "0,start,a,1,0\n", "2:5", "memory_mib", "from 1 to 67108864", "0" },
  { "b.csv", H "0,start,a,1,67108865\n", "2:5", "memory_mib", "from 1 to 67108864", "67108865" },
  { "b.csv", H "0,start,a,1,1.5\n", "2:5", "memory_mib", "an integer number of MiB", "1.5" },
  { "b.csv", H "0,start,a,1,\n", "2:5", "memory_mib", "an integer number of MiB", "" },
  { "b.csv", H "1e3,start,a,1,1\n", "2:1", "time", "no exponent", "1e3" },
  { "b.csv", H "-1,start,a,1,1\n", "2:1", "time", "seconds >= 0", "-1" },
  { "b.csv", H "soon,start,a,1,1\n", "2:1", "time", "a decimal number of seconds", "soon" },
  { "b.csv", H "0,reboot,a,1,1\n", "2:2", "event", "start, stop or toolstack_restart", "reboot" },
  { "b.csv", H "0,start,,1,1\n", "2:3", "vm", "a VM name", "" },
  { "b.csv", "time,event,vm,vcpus,memory_mib,cpu_demand\n0,start,a,1,1,1.5\n", "2:6", "cpu_demand",
    "from 0 to 1", "1.5" },
  { "b.csv", "time,event,vm,vcpus,memory_mib,hard_affinity\n0,start,a,1,1,3-1\n", "2:6", "hard_affinity",
    "an xl CPU list", "3-1" },
  { "b.csv", "time,event,vm,vcpus,memory_mib,lifetime\n0,start,a,1,1,0\n", "2:6", "lifetime", "seconds > 0", "0" },
  { "b.csv", H "0,start,a,1,1\n1,stop,a,2,\n", "3:4", "vcpus", "empty value for a stop", "2" },
  /* live-set checks, after sorting */
  { "b.csv", H "0,start,a,1,1\n2,stop,zz,,\n", "3:3", "vm", "a VM running at 2 s", "zz" },
  { "b.csv", H "5,stop,a,,\n6,start,a,1,1\n", "2:3", "vm", "a VM running at 5 s", "a" },
  { "b.csv", H "0,start,a,1,1\n1,start,a,2,2\n", "3:3", "vm", "not already running at 1 s", "a" },
  { "b.csv", "time,event,vm,vcpus,memory_mib,lifetime\n0,start,a,1,1,10\n5,stop,a,,,\n", "2:6", "lifetime",
    "still runs", "10" },
  /* structure */
  { "b.csv", H "0,start,a,1\n", "2:5", "memory_mib", "5 columns as in the header, found 4 (truncated line?)", "0,start,a,1" },
  { "b.csv", H "0,start,a,1,1,9\n", "2:6", "(extra)", "5 columns as in the header, found 6", "0,start,a,1,1,9" },
  { "b.csv", H "0,start,\"abc,1,1024\n", "2:3", "vm", "a closing quote", "0,start,\\\"abc,1,1024" },
  { "b.csv", H "0,start,ab\"c,1,1024\n", "2:3", "vm", "no quote inside an unquoted field", "0,start,ab\\\"c,1,1024" },
  /* JSON Lines: column = byte offset in the line */
  { "b.jsonl", "{\"time\":0,\"event\":\"start\",\"vm\":\"a\",\"vcpus\":0,\"memory_mib\":1}\n",
    "1:44", "vcpus", "an integer from 1 to 1024", "0" },
  { "b.jsonl", "{\"time\":0,\"event\":\"start\",\"vm\":\"a\",\"vcpus\":1,\"memory_mib\":1,\"colour\":1}\n",
    "1:61", "colour", "a known field", "colour" },
  { "b.jsonl", "{\"time\":0,\"time\":1,\"event\":\"stop\",\"vm\":\"a\"}\n", "1:11", "time", "each field once", "time" },
  { "b.jsonl", "{\"time\":0,\"event\":\"start\",\"vm\":\"a\",\"vcpus\":true,\"memory_mib\":1}\n",
    "1:44", "vcpus", "a number or a string", "true" },
  { "b.jsonl", "{\"time\":1e-3,\"event\":\"start\",\"vm\":\"a\",\"vcpus\":1,\"memory_mib\":1}\n",
    "1:9", "time", "no exponent", "1e-3" },
  { "b.jsonl", "{\"event\":\"stop\",\"vm\":\"a\"}\n", "1:26", "time", "this field in every object", "" },
  { "b.jsonl", "{\"time\":0,\"event\":\"start\",\"vm\":\"a\",\"vc\n", "1:", "(json)", "one complete JSON object", "" },
  { "b.jsonl", "[1,2]\n", "1:1", "(json)", "a JSON object", "[1,2]" },
  /* an escaped NUL would cut the string short ("a" for "a\u0000b") */
  { "b.jsonl", "{\"time\":0,\"event\":\"start\",\"vm\":\"a\\u0000b\",\"vcpus\":1,\"memory_mib\":1}\n",
    "1:32", "vm", "a string without NUL characters", "a\\\\u0000b" },
  { "b.jsonl", "{\"time\":0,\"event\":\"start\",\"vm\":\"a\",\"vcpus\":1,\"memory_mib\":1,\"hard_affinity\":\"0\\u0000,9\"}\n",
    "1:77", "hard_affinity", "a string without NUL characters", "" },
  /* json-glib takes a line of several values as its first one */
  { "b.jsonl", "{\"time\":0,\"event\":\"start\",\"vm\":\"a\",\"vcpus\":1,\"memory_mib\":1} {}\n", "1:62", "(json)",
    "one complete JSON object (one per line", "" },
  { "b.jsonl", "{\"time\":0,\"event\":\"start\",\"vm\":\"a\",\"vcpus\":1,\"memory_mib\":1}[]\n", "1:61", "(json)",
    "one complete JSON object (one per line", "" },
  { "b.jsonl", "{\"time\":0,\"event\":\"start\",\"vm\":\"a\",\"vcpus\":1} {\"memory_mib\":1}\n", "1:47", "(json)",
    "one complete JSON object (one per line", "" },
};

START_TEST (test_bad_input)
{
  const BadCase *c = &bad_cases[_i];
  g_autofree char *dir = xp_test_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (XpTrace) t = load_text (dir, c->name, c->text, &path, &error);
  ck_assert_msg (t == NULL, "case %d: expected an error", _i);
  ck_assert (error != NULL);
  ck_assert (g_error_matches (error, XP_ERROR, XP_ERROR_PARSE));
  g_autofree char *prefix = g_strdup_printf ("%s:%s", path, c->where);
  ck_assert_msg (g_str_has_prefix (error->message, prefix), "case %d: '%s' does not start with '%s'", _i,
                 error->message, prefix);
  g_autofree char *field = g_strdup_printf (": field '%s': expected ", c->field);
  xp_assert_error_contains (error, field);
  xp_assert_error_contains (error, c->expected);
  if (*c->got)
    {
      g_autofree char *got = g_strdup_printf (", got '%s'", c->got);
      xp_assert_error_contains (error, got);
    }
  xp_test_rmtree (dir);
}
END_TEST

START_TEST (test_files)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  /* empty file, header only, missing file, unknown extension */
  XpTrace *t = load_text (dir, "e.csv", "", &path, &error);
  ck_assert (t == NULL);
  g_autofree char *want = g_strdup_printf ("%s:1:1: expected a header row", path);
  ck_assert (g_str_has_prefix (error->message, want));
  g_clear_error (&error);
  g_clear_pointer (&path, g_free);
  t = load_text (dir, "h.csv", H, &path, &error);
  ck_assert (t == NULL);
  xp_assert_error_contains (error, "expected at least one event, got an empty trace");
  g_clear_error (&error);
  t = load_text (dir, "e.jsonl", "\n\n", NULL, &error);
  ck_assert (t == NULL);
  xp_assert_error_contains (error, "expected at least one event");
  g_clear_error (&error);
  g_autofree char *missing = g_build_filename (dir, "nope.csv", NULL);
  ck_assert (xp_trace_load (missing, &error) == NULL);
  ck_assert (g_error_matches (error, XP_ERROR, XP_ERROR_IO));
  g_autofree char *want2 = g_strdup_printf ("%s: cannot read", missing);
  ck_assert (g_str_has_prefix (error->message, want2));
  g_clear_error (&error);
  t = load_text (dir, "x.txt", H "0,start,a,1,1\n", NULL, &error);
  ck_assert (t == NULL);
  xp_assert_error_contains (error, "expected a .csv, .jsonl or .ndjson");
  g_clear_error (&error);
  /* a UTF-8 byte order mark before the header is skipped */
  t = load_text (dir, "bom.csv", "\xEF\xBB\xBF" H "0,start,a,1,1\n", NULL, &error);
  ck_assert_msg (t != NULL, "%s", error ? error->message : "");
  xp_trace_free (t);
  /* a file without a final newline is fine when its last row is complete */
  t = load_text (dir, "n.csv", H "0,start,a,1,1", NULL, &error);
  ck_assert (t != NULL && t->events->len == 1);
  xp_trace_free (t);
  xp_test_rmtree (dir);
}
END_TEST

START_TEST (test_csv_split)
{
  g_autoptr (GPtrArray) f = g_ptr_array_new_with_free_func (g_free);
  guint col;
  const char *why;
  ck_assert (xp_csv_split ("a,\"b,\"\"c\"\"\",,d", f, &col, &why));
  ck_assert_uint_eq (f->len, 4);
  ck_assert_str_eq (g_ptr_array_index (f, 1), "b,\"c\"");
  ck_assert_str_eq (g_ptr_array_index (f, 2), "");
  g_ptr_array_set_size (f, 0);
  ck_assert (!xp_csv_split ("a,\"b\"x", f, &col, &why));
  ck_assert_uint_eq (col, 2);
  g_autoptr (GString) s = g_string_new (NULL);
  xp_csv_append_field (s, "a\"b,c");
  ck_assert_str_eq (s->str, "\"a\"\"b,c\"");
}
END_TEST

START_TEST (test_stats)
{
  /* Starts: a 2 vCPU/1024 at 0, b 1/2048 at 0.25, c 1/512 at 1.5, a 2/1024
   * at 1.5, d 4/4096 at 0; stops: a (lifetime) and b at 3.75.
   * Peak vCPUs: after all four starts 4+1+2+1 = 8 at 1.5 s; peak memory
   * 4096+2048+1024+512 = 7680 MiB at 1.5 s. Nearest-rank median of the
   * sorted vCPUs {1,1,2,4} is rank ceil(0.5*4) = 2 -> 1; p95 rank 4 -> 4. */
  g_autofree char *dir = xp_test_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTrace) t = load_text (dir, "good.csv", good_csv, NULL, &error);
  XpTraceStats s;
  xp_trace_stats_compute (t, &s);
  ck_assert_uint_eq (s.n_starts, 4);
  ck_assert_uint_eq (s.n_stops, 2);
  ck_assert_uint_eq (s.n_lifetime_stops, 1);
  ck_assert_uint_eq (s.n_restarts, 1);
  ck_assert (s.duration == S (4));
  ck_assert_uint_eq (s.vcpus.min, 1);
  ck_assert_uint_eq (s.vcpus.median, 1);
  ck_assert_uint_eq (s.vcpus.p95, 4);
  ck_assert_uint_eq (s.vcpus.max, 4);
  ck_assert_uint_eq (s.memory_mib.median, 1024);   /* {512,1024,2048,4096}, rank 2 */
  ck_assert_uint_eq (s.peak_vcpus, 8);
  ck_assert_uint_eq (s.peak_memory_mib, 7680);
  ck_assert (s.peak_vcpus_at == 1500000000);
  ck_assert_uint_eq (s.peak_vms, 4);
  ck_assert_uint_eq (s.running_at_end, 2);
  /* 4 starts over 0 .. 1.5 s: 3 gaps in 1.5 s = 2 starts/s. */
  ck_assert (s.arrival_rate > 1.999 && s.arrival_rate < 2.001);
  xp_test_rmtree (dir);
}
END_TEST

Suite *
xp_test_trace_suite (void)
{
  Suite *s = suite_create ("trace");
  TCase *tc = tcase_create ("parse");
  tcase_add_test (tc, test_parse_seconds);
  tcase_add_test (tc, test_csv_good);
  tcase_add_test (tc, test_masks_interned);
  tcase_add_test (tc, test_jsonl_good);
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_lifetime_reuse_name);
  tcase_add_loop_test (tc, test_bad_input, 0, G_N_ELEMENTS (bad_cases));
  tcase_add_test (tc, test_files);
  tcase_add_test (tc, test_csv_split);
  tcase_add_test (tc, test_stats);
  suite_add_tcase (s, tc);
  return s;
}
