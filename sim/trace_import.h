/* xenplace — importers of public VM traces into the native CSV format.
 *
 * Importers stream: they read the input line by line and write output rows
 * as they go. Memory grows only with the number of VMs alive at once (a heap
 * of pending stops and the set of live names), never with the file size.
 * The input must list VMs in nondecreasing creation time (as the published
 * files do after `sort`); an out-of-order row is an error naming its line.
 * The output is written to a temporary file renamed over OUT at the end; on
 * error nothing is left behind.
 *
 * Mapping assumptions are documented in bench/traces/README.md.
 */
#ifndef XP_TRACE_IMPORT_H
#define XP_TRACE_IMPORT_H

#include "sim/trace.h"

G_BEGIN_DECLS

typedef enum {
  XP_IMPORT_AZURE_V1,           /* Azure Public Dataset V1 (2017) vmtable.csv */
  XP_IMPORT_AZURE_V2,           /* Azure Public Dataset V2 (2019) vmtable.csv */
  XP_IMPORT_AZURE_PACKING_2020, /* Azure packing trace 2020, vm + vmType tables as CSV */
  XP_IMPORT_ALIBABA_OPENB,      /* Alibaba cluster-trace-gpu-v2023 openb_pod_list_*.csv */
} XpImportFormat;

gboolean xp_import_format_parse (const char *name, XpImportFormat *out);
const char *xp_import_format_name (XpImportFormat format);
/* "azure-v1, azure-v2, azure-packing-2020, alibaba-openb" */
const char *xp_import_format_list (void);

typedef struct {
  XpImportFormat format;
  guint64 limit;                /* at most this many VMs (starts); 0 = all */
  gboolean has_start, has_end;  /* window in source time; VMs created in [start, end) */
  XpTime start, end;            /* ns of source time; output times are rebased to start */
  gboolean include_running;     /* VMs created before the start and still running at it
                                   start at time 0 instead of being skipped */
  /* Azure V1/V2: sizes for the open-ended top buckets. A value given
   * must be above the bucket's floor (">24": at least 25 vCPUs), else the
   * import fails at the first such row; the defaults are raised to the
   * floor + 1 of a bucket they do not exceed. */
  guint over_cores;             /* ">24" cores; 0 = default 32 */
  guint64 over_memory_mib;      /* ">64" GB; 0 = default 128 GiB */
  /* Azure packing 2020. */
  const char *vmtypes_path;     /* the vmType table as CSV (required) */
  guint machine_cpus;           /* cores of the machine the fractions refer to (required) */
  guint64 machine_memory_mib;   /* memory of that machine (required) */
  gint64 machine_id;            /* which machineId row of vmType to use; < 0 = lowest per type */
} XpImportOptions;

typedef struct {
  guint64 lines;                /* input lines read (incl. header) */
  guint64 starts, stops;        /* rows written */
  guint64 skipped_before;       /* VMs created before the window start (and left out) */
  guint64 clamped;              /* VMs running at the window start, started at 0 */
  guint64 skipped_filtered;     /* other rows left out (e.g. pods never scheduled) */
  guint64 running_at_end;       /* VMs with no stop in the output */
  guint64 peak_pending;         /* most stops held in memory at once */
} XpImportReport;

/* Convert @in_path ("-" = standard input, named "<stdin>" in messages, so
 * that `zcat vmtable.csv.gz | sort ... |` can feed it) into the native CSV
 * @out_path. @report may be NULL. */
gboolean xp_trace_import (const XpImportOptions *opts, const char *in_path, const char *out_path,
                          XpImportReport *report, GError **error);

G_END_DECLS

#endif
