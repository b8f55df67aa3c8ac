/* libFuzzer target: the importers of public traces (sim/trace_import.c).
 * Any input must give a native trace that xp_trace_load accepts, or one
 * error naming the input file, never a crash, a hang or a leak.
 *
 * Input: the first byte chooses the format and options, the rest is the
 * file. Byte 0: bits 0-1 format (azure-v1, azure-v2, azure-packing-2020,
 * alibaba-openb), bit 2 include_running, bit 3 a window [100 s, 10 days),
 * bit 4 limit 3 VMs, bit 5 machine_id 0 (else the lowest per type). For
 * azure-packing-2020 the file is the vmType table, a line "--", then the
 * vm table.
 * Build and run: tests/fuzz/run.sh import [SECONDS] */
#define _GNU_SOURCE   /* memmem */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sim/trace_import.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
write_file (const char *path, const uint8_t *data, size_t size)
{
  FILE *f = fopen (path, "wb");
  if (!f)
    return FALSE;
  fwrite (data, 1, size, f);
  return fclose (f) == 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  guint8 sel = data[0];
  data++;
  size--;
  XpImportOptions o = { .format = (XpImportFormat) (sel & 3), .machine_id = -1 };
  o.include_running = (sel & 4) != 0;
  if (sel & 8)
    {
      o.has_start = o.has_end = TRUE;
      o.start = 100 * XP_NSEC_PER_SEC;
      o.end = 10 * 86400 * XP_NSEC_PER_SEC;
    }
  if (sel & 16)
    o.limit = 3;
  if (sel & 32)
    o.machine_id = 0;

  const char *dir = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : "/tmp";
  char in[96], types[96], out[96];
  g_snprintf (in, sizeof in, "%s/xp-fuzz-import-%d.csv", dir, (int) getpid ());
  g_snprintf (types, sizeof types, "%s/xp-fuzz-import-%d-types.csv", dir, (int) getpid ());
  g_snprintf (out, sizeof out, "%s/xp-fuzz-import-%d-out.csv", dir, (int) getpid ());

  const uint8_t *vm = data;
  size_t vm_size = size;
  if (o.format == XP_IMPORT_AZURE_PACKING_2020)
    {
      o.vmtypes_path = types;
      o.machine_cpus = 48;
      o.machine_memory_mib = 256 * 1024;
      const uint8_t *sep = memmem (data, size, "\n--\n", 4);
      size_t types_size = sep ? (size_t) (sep - data) + 1 : size;
      vm = sep ? sep + 4 : data + size;
      vm_size = size - (size_t) (vm - data);
      if (!write_file (types, data, types_size))
        return 0;
    }
  if (!write_file (in, vm, vm_size))
    return 0;

  GError *error = NULL;
  XpImportReport rep;
  if (xp_trace_import (&o, in, out, &rep, &error))
    {
      /* what an importer writes, the trace reader must take */
      GError *e2 = NULL;
      XpTrace *t = xp_trace_load (out, &e2);
      if (!t)
        {
          fprintf (stderr, "imported trace does not load: %s\n", e2->message);
          abort ();
        }
      xp_trace_free (t);
      unlink (out);
    }
  else
    {
      /* the error names the file it is about */
      if (!g_str_has_prefix (error->message, in) && !g_str_has_prefix (error->message, types))
        {
          fprintf (stderr, "error without a file name: %s\n", error->message);
          abort ();
        }
      if (g_file_test (out, G_FILE_TEST_EXISTS))
        {
          fprintf (stderr, "output left behind after: %s\n", error->message);
          abort ();
        }
      g_clear_error (&error);
    }
  unlink (in);
  unlink (types);
  return 0;
}
