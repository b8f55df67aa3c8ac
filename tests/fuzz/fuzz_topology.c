/* libFuzzer target: topology descriptions — the .ini format and synthetic
 * strings with xenplace's extensions. Any input must give a topology or
 * one error, never a crash, a hang or a leak.
 * Build and run: tests/fuzz/run.sh topology [SECONDS] */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include "sim/topology.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char path[64];
  g_snprintf (path, sizeof path, "/tmp/xp-fuzz-%d.ini", (int) getpid ());
  FILE *f = fopen (path, "wb");
  if (f)
    {
      fwrite (data, 1, size, f);
      fclose (f);
      GError *error = NULL;
      XpTopology *t = xp_topology_load (path, &error);
      if (t)
        xp_topology_free (t);
      g_clear_error (&error);
      unlink (path);
    }
  /* the same bytes as a synthetic description (up to the first NUL) */
  char *desc = g_strndup ((const char *) data, size);
  GError *error = NULL;
  XpTopology *t = xp_topology_new_synthetic (desc, &error);
  if (t)
    xp_topology_free (t);
  g_clear_error (&error);
  g_free (desc);
  return 0;
}
