/* libFuzzer target: the native trace parsers (CSV and JSON Lines). Any input
 * must give a trace or one error, never a crash, a hang or a leak.
 * Build and run: tests/fuzz/run.sh trace [SECONDS] */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include "sim/trace.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
try_one (const char *suffix, const uint8_t *data, size_t size)
{
  char path[64];
  g_snprintf (path, sizeof path, "/tmp/xp-fuzz-%d%s", (int) getpid (), suffix);
  FILE *f = fopen (path, "wb");
  if (!f)
    return;
  fwrite (data, 1, size, f);
  fclose (f);
  GError *error = NULL;
  XpTrace *t = xp_trace_load (path, &error);
  if (t)
    xp_trace_free (t);
  g_clear_error (&error);
  unlink (path);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  try_one (".csv", data, size);
  try_one (".jsonl", data, size);
  return 0;
}
