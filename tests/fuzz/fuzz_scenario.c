/* libFuzzer target: bench scenario files (bench/scenario.c) and the run
 * matrix built from them (bench/matrix.c), as `bench run` and `bench
 * manifest` read them. Any input must give a scenario or one error naming
 * FILE:LINE, never a crash, a hang or a leak.
 * Build and run: tests/fuzz/run.sh scenario [SECONDS] */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench/matrix.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define PATH "fuzz/scenario.ini"

/* "fuzz/scenario.ini:LINE: ..." with LINE >= 1 */
static gboolean
names_line (const char *msg)
{
  const char *p = msg + strlen (PATH);
  if (!g_str_has_prefix (msg, PATH) || *p != ':' || !g_ascii_isdigit (p[1]) || p[1] == '0')
    return FALSE;
  for (p++; g_ascii_isdigit (*p); p++)
    ;
  return *p == ':';
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* the text up to the first NUL, as g_file_get_contents gives it */
  char *text = g_strndup ((const char *) data, size);
  GError *error = NULL;
  XpScenario *s = xp_scenario_parse (PATH, text, &error);
  if (!s)
    {
      if (!names_line (error->message))
        {
          fprintf (stderr, "error without FILE:LINE: %s\n", error->message);
          abort ();
        }
      g_clear_error (&error);
    }
  else
    {
      /* The plan costs time linear in its runs (about 15 µs a run without
       * sanitizers: 1.5 s for the largest allowed, 100000 runs); the parser
       * refuses more. Build it only for matrices up to 2000 runs, so that a
       * big but valid matrix is not reported as a slow input. */
      guint64 runs = s->seeds->len;
      for (guint a = 0; a < XP_N_AXES; a++)
        runs *= s->axes[a]->len;
      XpBenchPlan *p = runs <= 2000 ? xp_bench_plan_new (s, &error) : NULL;
      if (p)
        {
          JsonNode *root = xp_bench_plan_to_json (p);
          char *json = xp_bench_json_to_text (root);
          g_free (json);
          json_node_unref (root);
          xp_bench_plan_free (p);
        }
      else if (error && !g_str_has_prefix (error->message, PATH ":"))
        {
          fprintf (stderr, "error without FILE: %s\n", error->message);
          abort ();
        }
      g_clear_error (&error);
      xp_scenario_free (s);
    }
  g_free (text);
  return 0;
}
