/* xenplace trace — generate, import, check and summarise VM traces. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "cli/commands.h"
#include "sim/error.h"
#include "sim/trace.h"
#include "sim/trace_gen.h"
#include "sim/trace_import.h"
#include "sim/trace_private.h"
#include "sim/trace_stats.h"
#include "sim/util.h"

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: xenplace trace SUBCOMMAND [OPTIONS...]\n\n"
           "Subcommands:\n"
           "  gen storm      N VMs started within a window (a start storm)\n"
           "  gen poisson    Poisson arrivals with random lifetimes\n"
           "  import         convert a public trace (%s)\n"
           "  stats FILE     counts, sizes, arrival rate and peak concurrent demand\n"
           "  check FILE     parse a native trace and report OK or the first error\n\n"
           "Run 'xenplace trace SUBCOMMAND --help' for its options.\n",
           xp_import_format_list ());
}

/* Write @trace to @out ("-" or NULL = stdout). */
static int
emit (const XpTrace *trace, const char *out)
{
  g_autoptr (GError) error = NULL;
  if (!out || strcmp (out, "-") == 0)
    {
      g_autoptr (GString) s = g_string_new (NULL);
      xp_trace_append_csv_header (s);
      for (guint i = 0; i < trace->events->len; i++)
        {
          const XpTraceEvent *ev = &g_array_index (trace->events, XpTraceEvent, i);
          if (!ev->from_lifetime)
            xp_trace_append_csv_row (s, ev);
        }
      fwrite (s->str, 1, s->len, stdout);
      return fflush (stdout) == 0 ? 0 : 1;
    }
  if (!xp_trace_write (trace, out, &error))
    {
      xp_cli_error ("%s", error->message);
      return 1;
    }
  return 0;
}

static gboolean
opt_seconds (const char *name, const char *text, XpTime *out)
{
  if (!xp_parse_seconds (text, out))
    {
      xp_cli_error ("%s: expected a decimal number of seconds (e.g. 5 or 0.25), got '%s'", name, text);
      return FALSE;
    }
  return TRUE;
}

static int
cmd_gen (int argc, char **argv)
{
  if (argc < 2 || (strcmp (argv[1], "storm") != 0 && strcmp (argv[1], "poisson") != 0))
    {
      if (argc >= 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
        {
          printf ("Usage: xenplace trace gen storm|poisson [OPTIONS...] (see 'xenplace trace gen storm --help')\n");
          return 0;
        }
      xp_cli_error ("trace gen: expected 'storm' or 'poisson'%s%s", argc >= 2 ? ", got " : "", argc >= 2 ? argv[1] : "");
      return 2;
    }
  gboolean storm = strcmp (argv[1], "storm") == 0;
  int vms = storm ? 200 : 0, seed = 1;
  g_autofree char *window = NULL, *spacing = NULL, *mix_spec = NULL, *lifetime = NULL, *out = NULL;
  g_autofree char *duration = NULL, *prefix = NULL, *demand = NULL;
  double rate = 0;
  gboolean exact = FALSE;
  GOptionEntry storm_entries[] = {
    { "vms", 'n', 0, G_OPTION_ARG_INT, &vms, "number of VMs, at most 10000000 (default 200)", "N" },
    { "window", 'w', 0, G_OPTION_ARG_STRING, &window, "starts fall uniformly at random in [0, S) seconds (default 5)", "S" },
    { "spacing", 0, 0, G_OPTION_ARG_STRING, &spacing, "start VM i at i*S seconds instead of at random", "S" },
    { "mix", 'm', 0, G_OPTION_ARG_STRING, &mix_spec,
      "size mix: azure2017 (default), fixed:V:MEM, uniform:V1-V2:M1-M2 or VxMEM:WEIGHT,...", "SPEC" },
    { "exact-mix", 0, 0, G_OPTION_ARG_NONE, &exact, "use each flavour exactly its weight's share of N (shuffled)", NULL },
    { "lifetime", 'l', 0, G_OPTION_ARG_STRING, &lifetime,
      "none (default), fixed:S, uniform:A-B, exp:MEAN or lognormal:MEDIAN:SIGMA", "SPEC" },
    { "seed", 's', 0, G_OPTION_ARG_INT, &seed, "random seed (default 1)", "N" },
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix, "VM name prefix (default vm)", "P" },
    { "demand", 0, 0, G_OPTION_ARG_STRING, &demand, "every VM's CPU demand, a busy fraction in (0, 1] (default 1)", "F" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "output file, CSV or .jsonl (default CSV on standard output)", "FILE" },
    { NULL },
  };
  GOptionEntry poisson_entries[] = {
    { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &rate, "arrivals per second (required)", "LAMBDA" },
    { "duration", 'd', 0, G_OPTION_ARG_STRING, &duration, "stop generating arrivals at S seconds", "S" },
    { "vms", 'n', 0, G_OPTION_ARG_INT, &vms, "stop after N VMs (at most 10000000)", "N" },
    { "mix", 'm', 0, G_OPTION_ARG_STRING, &mix_spec,
      "size mix: azure2017 (default), fixed:V:MEM, uniform:V1-V2:M1-M2 or VxMEM:WEIGHT,...", "SPEC" },
    { "lifetime", 'l', 0, G_OPTION_ARG_STRING, &lifetime,
      "exp:MEAN (default exp:600), lognormal:MEDIAN:SIGMA, uniform:A-B, fixed:S or none", "SPEC" },
    { "seed", 's', 0, G_OPTION_ARG_INT, &seed, "random seed (default 1)", "N" },
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix, "VM name prefix (default vm)", "P" },
    { "demand", 0, 0, G_OPTION_ARG_STRING, &demand, "every VM's CPU demand, a busy fraction in (0, 1] (default 1)", "F" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "output file, CSV or .jsonl (default CSV on standard output)", "FILE" },
    { NULL },
  };
  g_autofree char *prog = g_strdup_printf ("%s %s", g_get_prgname (), argv[1]);
  g_set_prgname (prog);
  argc--;
  argv++;
  if (!xp_cli_parse (&argc, &argv, "", storm ? "Generate a start storm: N VMs started within a window."
                                              : "Generate Poisson arrivals of VMs with random lifetimes.",
                     storm ? storm_entries : poisson_entries))
    return 2;
  if (argc > 1)
    {
      xp_cli_error ("trace gen: unexpected argument '%s'", argv[1]);
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (XpSizeMix) mix = xp_size_mix_parse (mix_spec ? mix_spec : "azure2017", &error);
  XpLifetimeDist lt;
  if (!mix)
    {
      xp_cli_error ("%s", error->message);
      return 2;
    }
  if (!xp_lifetime_parse (lifetime ? lifetime : storm ? "none" : "exp:600", &lt, &error))
    {
      xp_cli_error ("--lifetime: %s", error->message);
      return 2;
    }
  if (vms < 0 || seed < 0)
    {
      xp_cli_error ("--vms and --seed must not be negative");
      return 2;
    }
  if ((guint64) vms > XP_TRACE_GEN_MAX_VMS)
    {
      xp_cli_error ("--vms: expected at most %u VMs in a generated trace, got %d", XP_TRACE_GEN_MAX_VMS, vms);
      return 2;
    }
  guint64 demand_ppm = 0;
  if (demand && (!xp_parse_fixed (demand, 6, &demand_ppm) || demand_ppm == 0 || demand_ppm > 1000000))
    {
      xp_cli_error ("--demand: '%s' is not a busy fraction in (0, 1] with at most 6 decimals", demand);
      return 2;
    }
  g_autoptr (XpTrace) trace = NULL;
  if (storm)
    {
      XpStormParams p = { .n_vms = (guint) vms, .mix = mix, .exact_mix = exact, .lifetime = lt,
                          .seed = (guint32) seed, .prefix = prefix, .demand_ppm = (guint) demand_ppm };
      if (!opt_seconds ("--window", window ? window : "5", &p.window)
          || (spacing && !opt_seconds ("--spacing", spacing, &p.spacing)))
        return 2;
      /* a spacing of 0 would be no spacing: the starts drawn at random */
      if (spacing && p.spacing <= 0)
        {
          xp_cli_error ("--spacing: expected a number of seconds > 0, got '%s'", spacing);
          return 2;
        }
      trace = xp_trace_gen_storm (&p, &error);
    }
  else
    {
      XpPoissonParams p = { .rate = rate, .n_vms = (guint) vms, .mix = mix, .lifetime = lt,
                            .seed = (guint32) seed, .prefix = prefix, .demand_ppm = (guint) demand_ppm };
      if (duration && !opt_seconds ("--duration", duration, &p.duration))
        return 2;
      trace = xp_trace_gen_poisson (&p, &error);
    }
  if (!trace)
    {
      xp_cli_error ("%s", error->message);
      return 2;
    }
  return emit (trace, out);
}

static gboolean
opt_source_time (const char *name, const char *text, XpTime *out)
{
  guint64 v;
  gboolean neg;
  if (!xp_parse_decimal_scaled (text, XP_NSEC_PER_SEC, 1, &v, &neg))
    {
      xp_cli_error ("%s: expected a number of seconds of source time, got '%s'", name, text);
      return FALSE;
    }
  *out = neg ? -(XpTime) v : (XpTime) v;
  return TRUE;
}

/* The open top buckets of Azure V1/V2's vmtable: '>24' cores, '>64' GB. */
#define AZURE_OVER_CORES_FLOOR 24
#define AZURE_OVER_MEMORY_FLOOR_GIB 64

static int
cmd_import (int argc, char **argv)
{
  g_autofree char *format = NULL, *out = NULL, *start = NULL, *end = NULL, *vmtypes = NULL;
  g_autofree char *machine_memory = NULL, *over_memory = NULL;
  gint64 limit = 0, machine_id = -1;
  int machine_cpus = 0, over_cores = G_MININT;   /* G_MININT: not given, the importer's default (32) */
  gboolean include_running = FALSE;
  GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "azure-v1, azure-v2, azure-packing-2020 or alibaba-openb", "F" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "native CSV to write (required)", "FILE" },
    { "limit", 0, 0, G_OPTION_ARG_INT64, &limit, "import at most N VMs", "N" },
    { "start", 0, 0, G_OPTION_ARG_STRING, &start,
      "skip VMs created before S seconds of source time; output time 0 is S", "S" },
    { "include-running", 0, 0, G_OPTION_ARG_NONE, &include_running,
      "VMs created before --start (or before 0) that still run then start at time 0 instead of being skipped", NULL },
    { "end", 0, 0, G_OPTION_ARG_STRING, &end, "stop at VMs created at or after S seconds of source time", "S" },
    { "over-cores", 0, 0, G_OPTION_ARG_INT, &over_cores, "azure-v1/v2: vCPUs for the '>24' bucket, more than 24 (default 32)", "N" },
    { "over-memory", 0, 0, G_OPTION_ARG_STRING, &over_memory, "azure-v1/v2: memory for the '>64' bucket, more than 64GiB (default 128GiB)", "SIZE" },
    { "vmtypes", 0, 0, G_OPTION_ARG_FILENAME, &vmtypes, "azure-packing-2020: the vmType table as CSV", "FILE" },
    { "machine-cpus", 0, 0, G_OPTION_ARG_INT, &machine_cpus, "azure-packing-2020: cores of the reference machine", "N" },
    { "machine-memory", 0, 0, G_OPTION_ARG_STRING, &machine_memory,
      "azure-packing-2020: memory of the reference machine (e.g. 256GiB; plain number = MiB)", "SIZE" },
    { "machine-id", 0, 0, G_OPTION_ARG_INT64, &machine_id,
      "azure-packing-2020: use the vmType rows of this machineId (default: lowest per type)", "ID" },
    { NULL },
  };
  if (!xp_cli_parse (&argc, &argv, "IN", "Convert a public VM trace into the native CSV format (streaming; IN may be - for standard input).", entries))
    return 2;
  XpImportOptions o = { .machine_id = machine_id };
  if (!format || !xp_import_format_parse (format, &o.format))
    {
      xp_cli_error ("--format: expected one of %s, got '%s'", xp_import_format_list (), format ? format : "");
      return 2;
    }
  if (argc != 2 || !out)
    {
      xp_cli_error ("trace import: expected one input file and --output FILE");
      return 2;
    }
  const char *inputs[] = { argv[1], vmtypes };
  if (xp_cli_output_is_input ("trace import", "--output", out, inputs, G_N_ELEMENTS (inputs)))
    return 2;
  if (g_str_has_suffix (out, ".jsonl") || g_str_has_suffix (out, ".ndjson"))
    {
      xp_cli_error ("%s: import writes native CSV; expected a name ending in .csv", out);
      return 2;
    }
  if (limit < 0 || machine_cpus < 0)
    {
      xp_cli_error ("--limit and --machine-cpus must not be negative");
      return 2;
    }
  if (over_cores != G_MININT && (over_cores < 1 || over_cores > (int) XP_TRACE_MAX_VCPUS))
    {
      xp_cli_error ("--over-cores: expected vCPUs from 1 to %d, got %d", (int) XP_TRACE_MAX_VCPUS, over_cores);
      return 2;
    }
  /* the open top bucket of Azure V1/V2 is '>24' cores: a size for it must
   * be more than 24 (the importer also checks the bucket a file names) */
  if (over_cores != G_MININT && over_cores <= AZURE_OVER_CORES_FLOOR)
    {
      xp_cli_error ("--over-cores: %d is below the '>%d' bucket's minimum of %d vCPUs", over_cores,
                    AZURE_OVER_CORES_FLOOR, AZURE_OVER_CORES_FLOOR + 1);
      return 2;
    }
  o.limit = (guint64) limit;
  o.include_running = include_running;
  o.machine_cpus = (guint) machine_cpus;
  o.over_cores = over_cores == G_MININT ? 0 : (guint) over_cores;
  o.vmtypes_path = vmtypes;
  if ((start && !(o.has_start = opt_source_time ("--start", start, &o.start)))
      || (end && !(o.has_end = opt_source_time ("--end", end, &o.end))))
    return 2;
  guint64 bytes;
  if (machine_memory)
    {
      if (!xp_parse_size (machine_memory, G_GUINT64_CONSTANT (1) << 20, &bytes) || bytes < (1 << 20))
        {
          xp_cli_error ("--machine-memory: expected a size like 256GiB, got '%s'", machine_memory);
          return 2;
        }
      o.machine_memory_mib = bytes >> 20;
    }
  if (over_memory)
    {
      if (!xp_parse_size (over_memory, G_GUINT64_CONSTANT (1) << 20, &bytes) || bytes < (1 << 20))
        {
          xp_cli_error ("--over-memory: expected a size like 128GiB, got '%s'", over_memory);
          return 2;
        }
      if (bytes >> 20 <= AZURE_OVER_MEMORY_FLOOR_GIB * 1024)
        {
          xp_cli_error ("--over-memory: '%s' is below the '>%d' bucket's minimum of %d MiB (more than %d GiB)",
                        over_memory, AZURE_OVER_MEMORY_FLOOR_GIB, AZURE_OVER_MEMORY_FLOOR_GIB * 1024 + 1,
                        AZURE_OVER_MEMORY_FLOOR_GIB);
          return 2;
        }
      o.over_memory_mib = bytes >> 20;
    }
  g_autoptr (GError) error = NULL;
  XpImportReport rep;
  if (!xp_trace_import (&o, argv[1], out, &rep, &error))
    {
      xp_cli_error ("%s", error->message);
      return 1;
    }
  fprintf (stderr,
           "%s: %" G_GUINT64_FORMAT " lines read, %" G_GUINT64_FORMAT " starts and %" G_GUINT64_FORMAT
           " stops written, %" G_GUINT64_FORMAT " VMs running at the end, %" G_GUINT64_FORMAT
           " skipped before the window, %" G_GUINT64_FORMAT " running at its start moved to 0, %" G_GUINT64_FORMAT " filtered, at most %" G_GUINT64_FORMAT
           " stops pending\n",
           out, rep.lines, rep.starts, rep.stops, rep.running_at_end, rep.skipped_before, rep.clamped, rep.skipped_filtered,
           rep.peak_pending);
  return 0;
}

static int
cmd_stats_or_check (int argc, char **argv, gboolean stats)
{
  GOptionEntry entries[] = { { NULL } };
  if (!xp_cli_parse (&argc, &argv, "FILE",
                     stats ? "Summarise a native trace: counts, sizes, arrival rate, peak concurrent demand."
                           : "Parse a native trace and report OK or the first error.",
                     entries))
    return 2;
  if (argc != 2)
    {
      xp_cli_error ("trace %s: expected one trace file", stats ? "stats" : "check");
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTrace) trace = xp_trace_load (argv[1], &error);
  if (!trace)
    {
      xp_cli_error ("%s", error->message);
      return 1;
    }
  if (!stats)
    {
      printf ("%s: OK (%u events)\n", argv[1], trace->events->len);
      return 0;
    }
  XpTraceStats s;
  xp_trace_stats_compute (trace, &s);
  g_autofree char *text = xp_trace_stats_format (trace, &s);
  fputs (text, stdout);
  return 0;
}

int
xp_cmd_trace (int argc, char **argv)
{
  if (argc < 2)
    {
      usage (stderr);
      return 2;
    }
  const char *sub = argv[1];
  if (strcmp (sub, "--help") == 0 || strcmp (sub, "-h") == 0 || strcmp (sub, "help") == 0)
    {
      usage (stdout);
      return 0;
    }
  g_autofree char *prog = g_strdup_printf ("%s %s", g_get_prgname () ? g_get_prgname () : "xenplace trace", sub);
  g_set_prgname (prog);
  argv[1] = prog;
  if (strcmp (sub, "gen") == 0)
    return cmd_gen (argc - 1, argv + 1);
  if (strcmp (sub, "import") == 0)
    return cmd_import (argc - 1, argv + 1);
  if (strcmp (sub, "stats") == 0)
    return cmd_stats_or_check (argc - 1, argv + 1, TRUE);
  if (strcmp (sub, "check") == 0)
    return cmd_stats_or_check (argc - 1, argv + 1, FALSE);
  xp_cli_error ("trace: unknown subcommand '%s' (see 'xenplace trace --help')", sub);
  return 2;
}
