/* Tests of the streaming importers: exact native rows from the samples in
 * tests/data/traces, and file:line errors on malformed input. */
#include "config.h"
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include "tests/testutil.h"
#include "sim/error.h"
#include "sim/trace_import.h"

#define HEADER "time,event,vm,vcpus,memory_mib,hard_affinity,cpu_demand,lifetime\n"

/* Import @in (relative to the source tree, or absolute) into a temporary
 * file and return its contents, or NULL with @error. */
static char *
import (const XpImportOptions *o, const char *in, XpImportReport *rep, GError **error)
{
  g_autofree char *src = g_path_is_absolute (in) ? g_strdup (in) : xp_test_srcpath (in);
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "out.csv", NULL);
  char *contents = NULL;
  if (xp_trace_import (o, src, out, rep, error))
    {
      ck_assert (g_file_get_contents (out, &contents, NULL, NULL));
      /* The output is a valid native trace. */
      g_autoptr (GError) e2 = NULL;
      g_autoptr (XpTrace) t = xp_trace_load (out, &e2);
      ck_assert_msg (t != NULL, "%s", e2 ? e2->message : "");
    }
  else
    {
      /* Nothing left behind: neither OUT nor a temporary file. */
      GDir *d = g_dir_open (dir, 0, NULL);
      ck_assert_msg (g_dir_read_name (d) == NULL, "a file was left behind after an error");
      g_dir_close (d);
    }
  xp_test_rmtree (dir);
  return contents;
}

static char *
data_path (const char *name)
{
  g_autofree char *rel = g_build_filename ("tests/data/traces", name, NULL);
  return xp_test_srcpath (rel);
}

/* bench/traces/NAME was made from the sample by the command in its README. */
static void
check_bundled (const char *got, const char *name)
{
  g_autofree char *rel = g_build_filename ("bench/traces", name, NULL);
  g_autofree char *path = xp_test_srcpath (rel);
  g_autofree char *want = NULL;
  ck_assert_msg (g_file_get_contents (path, &want, NULL, NULL), "cannot read %s", path);
  ck_assert_str_eq (got, want);
}

START_TEST (test_azure_v1)
{
  XpImportOptions o = { .format = XP_IMPORT_AZURE_V1, .machine_id = -1 };
  g_autoptr (GError) error = NULL;
  XpImportReport rep;
  g_autofree char *got = import (&o, "tests/data/traces/azure-v1-vmtable.csv", &rep, &error);
  ck_assert_msg (got != NULL, "%s", error ? error->message : "");
  /* avgcpu 10.5 % -> cpu_demand 0.105; buckets "2"/"4" -> 2 vCPUs, 4 GiB;
   * ">24"/">64" -> the defaults 32 vCPUs and 128 GiB; avgcpu 100 -> the
   * default demand 1 (left empty). Each stop is written just before the
   * first later start (x3's stop at 600 before x4's start at 1200), and at
   * 2700 the stop of x1 precedes the start of x5. */
  ck_assert_str_eq (got, HEADER
                    "0,start,x1Aa9QzLm0,2,4096,,0.105,\n"
                    "300,start,x2Bb7RtKp1,4,8192,,0.0325,\n"
                    "300,start,x3Cc5SuJo2,32,131072,,,\n"
                    "600,stop,x3Cc5SuJo2,,,,,\n"
                    "1200,start,x4Dd3TvIn3,1,2048,,0,\n"
                    "1500,stop,x4Dd3TvIn3,,,,,\n"
                    "2700,stop,x1Aa9QzLm0,,,,,\n"
                    "2700,start,x5Ee1UwHm4,8,32768,,0.255,\n"
                    "9000,stop,x5Ee1UwHm4,,,,,\n"
                    "86400,stop,x2Bb7RtKp1,,,,,\n");
  ck_assert (rep.starts == 5 && rep.stops == 5 && rep.running_at_end == 0);
  check_bundled (got, "azure-v1-sample.csv");
  /* At 300 s three VMs are alive with stops pending (x1, x2, x3). */
  ck_assert_uint_eq (rep.peak_pending, 3);
  g_free (got);

  /* Window [300, 2000) rebased to 0: x1 (created at 0) is skipped, x5
   * (2700) is past the end, x2's stop (86400) is after the end so x2 runs
   * on; x3 0..300, x4 900..1200. */
  o.has_start = o.has_end = TRUE;
  o.start = 300 * XP_NSEC_PER_SEC;
  o.end = 2000 * XP_NSEC_PER_SEC;
  got = import (&o, "tests/data/traces/azure-v1-vmtable.csv", &rep, &error);
  ck_assert_str_eq (got, HEADER
                    "0,start,x2Bb7RtKp1,4,8192,,0.0325,\n"
                    "0,start,x3Cc5SuJo2,32,131072,,,\n"
                    "300,stop,x3Cc5SuJo2,,,,,\n"
                    "900,start,x4Dd3TvIn3,1,2048,,0,\n"
                    "1200,stop,x4Dd3TvIn3,,,,,\n");
  ck_assert (rep.skipped_before == 1 && rep.running_at_end == 1);
  g_free (got);

  /* --limit 2 and a custom size for the top buckets. */
  XpImportOptions l = { .format = XP_IMPORT_AZURE_V1, .limit = 2, .over_cores = 48, .over_memory_mib = 256 * 1024 };
  got = import (&l, "tests/data/traces/azure-v1-vmtable.csv", &rep, &error);
  ck_assert_str_eq (got, HEADER
                    "0,start,x1Aa9QzLm0,2,4096,,0.105,\n"
                    "300,start,x2Bb7RtKp1,4,8192,,0.0325,\n"
                    "2700,stop,x1Aa9QzLm0,,,,,\n"
                    "86400,stop,x2Bb7RtKp1,,,,,\n");
  g_free (got);
  l.limit = 3;
  got = import (&l, "tests/data/traces/azure-v1-vmtable.csv", &rep, &error);
  ck_assert (strstr (got, "300,start,x3Cc5SuJo2,48,262144,,,\n") != NULL);
}
END_TEST

START_TEST (test_azure_v2)
{
  XpImportOptions o = { .format = XP_IMPORT_AZURE_V2 };
  g_autoptr (GError) error = NULL;
  XpImportReport rep;
  g_autofree char *got = import (&o, "tests/data/traces/azure-v2-vmtable.csv", &rep, &error);
  ck_assert_msg (got != NULL, "%s", error ? error->message : "");
  /* 33.3333 % -> 333333 ppm; 100.0000001 % is float noise, clamped to 1;
   * an empty vmdeleted leaves the VM running; 0.5 % -> 0.005. */
  ck_assert_str_eq (got, HEADER
                    "0,start,v2aaQ1,2,4096,,0.333333,\n"
                    "0,start,v2bbQ2,4,131072,,,\n"
                    "600,start,v2ccQ3,24,65536,,0.005,\n"
                    "1800,stop,v2bbQ2,,,,,\n"
                    "3600,stop,v2aaQ1,,,,,\n");
  ck_assert_uint_eq (rep.running_at_end, 1);
  check_bundled (got, "azure-v2-sample.csv");
}
END_TEST

START_TEST (test_azure_packing)
{
  g_autofree char *types = data_path ("azure-packing-2020-vmtype.csv");
  XpImportOptions o = { .format = XP_IMPORT_AZURE_PACKING_2020, .vmtypes_path = types, .machine_cpus = 48,
                        .machine_memory_mib = 256 * 1024, .machine_id = -1 };
  g_autoptr (GError) error = NULL;
  XpImportReport rep;
  g_autofree char *got = import (&o, "tests/data/traces/azure-packing-2020-vm.csv", &rep, &error);
  ck_assert_msg (got != NULL, "%s", error ? error->message : "");
  /* Machine 48 cores, 262144 MiB; lowest machineId per type:
   * type 12 (machine 0): 0.25 -> 12 vCPUs, 0.25 -> 65536 MiB;
   * type 3 (machine 0 beats 1): 0.125 -> 6, 0.0625 -> 16384;
   * type 40 (machine 1 only): 0.5 -> 24, 0.1 * 262144 = 26214.4 -> 26214.
   * Days -> s: 0.125 d = 10800, 2.5e-01 d = 21600, 0.375 d = 32400,
   * 0.5 d = 43200. vm 0 starts at -0.5 d, before the window: skipped. */
  ck_assert_str_eq (got, HEADER
                    "0,start,1,12,65536,,,\n"
                    "10800,start,2,6,16384,,,\n"
                    "21600,start,3,24,26214,,,\n"
                    "32400,stop,3,,,,,\n"
                    "43200,stop,1,,,,,\n");
  ck_assert (rep.skipped_before == 1 && rep.running_at_end == 1);
  check_bundled (got, "azure-packing-2020-sample.csv");
  /* --include-running: vm 0 (-0.5 d .. 0.25 d) was running at time 0, so
   * it starts at 0 and stops at 0.25 d = 21600 s, written before vm 3's
   * start at the same instant (pending stops go first at equal times). */
  o.include_running = TRUE;
  g_autofree char *got2 = import (&o, "tests/data/traces/azure-packing-2020-vm.csv", &rep, &error);
  ck_assert_msg (got2 != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (got2, HEADER
                    "0,start,0,12,65536,,,\n"
                    "0,start,1,12,65536,,,\n"
                    "10800,start,2,6,16384,,,\n"
                    "21600,stop,0,,,,,\n"
                    "21600,start,3,24,26214,,,\n"
                    "32400,stop,3,,,,,\n"
                    "43200,stop,1,,,,,\n");
  ck_assert (rep.clamped == 1 && rep.skipped_before == 0);
  o.include_running = FALSE;
  /* Machine 1 has no row for type 12. */
  o.machine_id = 1;
  ck_assert (import (&o, "tests/data/traces/azure-packing-2020-vm.csv", &rep, &error) == NULL);
  xp_assert_error_contains (error, "azure-packing-2020-vm.csv:2:3: field 'vmTypeId': expected a vmTypeId listed");
  g_clear_error (&error);
  /* Machine size is required. */
  o.machine_id = -1;
  o.machine_cpus = 0;
  ck_assert (import (&o, "tests/data/traces/azure-packing-2020-vm.csv", &rep, &error) == NULL);
  xp_assert_error_contains (error, "--machine-cpus");
}
END_TEST

START_TEST (test_alibaba_openb)
{
  XpImportOptions o = { .format = XP_IMPORT_ALIBABA_OPENB };
  g_autoptr (GError) error = NULL;
  XpImportReport rep;
  g_autofree char *got = import (&o, "tests/data/traces/alibaba-openb-pod-list.csv", &rep, &error);
  ck_assert_msg (got != NULL, "%s", error ? error->message : "");
  /* cpu_milli rounded up to whole vCPUs (1500 -> 2); the Pending pod is
   * left out; pod 4 has no deletion_time and runs on. */
  ck_assert_str_eq (got, HEADER
                    "0,start,openb-pod-0000,12,16384,,,\n"
                    "100,start,openb-pod-0001,6,12288,,,\n"
                    "200,start,openb-pod-0003,88,327680,,,\n"
                    "200,start,openb-pod-0004,2,2048,,,\n"
                    "400,stop,openb-pod-0001,,,,,\n"
                    "9000,stop,openb-pod-0003,,,,,\n"
                    "12000,stop,openb-pod-0000,,,,,\n");
  ck_assert (rep.skipped_filtered == 1 && rep.running_at_end == 1 && rep.starts == 4);
  check_bundled (got, "alibaba-openb-sample.csv");
}
END_TEST

typedef struct {
  XpImportFormat format;
  const char *text;
  const char *where;     /* "LINE:COL: field 'x': expected" prefix after the file name */
  const char *got;
} BadImport;

#define AZ_OK "a1,s,d,0,60,1,1,1,Unknown,2,4\n"
#define PK_H "vmId,tenantId,vmTypeId,priority,starttime,endtime\n"
#define AB_H "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n"

static const BadImport bad_imports[] = {
  /* Azure V1/V2: column count, types, truncated last line, order, ids */
  { XP_IMPORT_AZURE_V1, AZ_OK "a2,s,d,0,60,1,1,1,Unknown,2\n", "2:11: field 'vmmemorybucket': expected 11 columns", "2" },
  { XP_IMPORT_AZURE_V1, AZ_OK "a2,s,d,0,60,1,1,1,Unknown,2,4,9\n", "2:12: field '(extra)': expected 11 columns", "9" },
  { XP_IMPORT_AZURE_V1, AZ_OK "a2,s,d,soon,60,1,1,1,Unknown,2,4\n", "2:4: field 'vmcreated': expected a number of seconds", "soon" },
  { XP_IMPORT_AZURE_V1, AZ_OK "a2,s,d,0,60,1,high,1,Unknown,2,4\n", "2:7: field 'avgcpu': expected a CPU utilisation", "high" },
  { XP_IMPORT_AZURE_V2, AZ_OK "a2,s,d,0,60,1,1,1,Unknown,two,4\n", "2:10: field 'vmcorecountbucket': expected", "two" },
  { XP_IMPORT_AZURE_V2, AZ_OK "a2,s,d,0,60,1,1,1,Unknown,2,<4\n", "2:11: field 'vmmemorybucket': expected", "<4" },
  { XP_IMPORT_AZURE_V1, AZ_OK "a2,s,d,10,5,1,1,1,Unknown,2,4\n", "2:5: field 'vmdeleted': expected a time >= vmcreated", "5" },
  { XP_IMPORT_AZURE_V1, AZ_OK "a2,s,d,0,60,1,1,1,Unk", "2:10: field 'vmcorecountbucket': expected 11 columns", "Unk" },
  { XP_IMPORT_AZURE_V1, "a1,s,d,50,60,1,1,1,Unknown,2,4\na2,s,d,40,60,1,1,1,Unknown,2,4\n",
    "2:4: field 'creation time': expected creation times in nondecreasing order", "40" },
  { XP_IMPORT_AZURE_V1, AZ_OK "a1,s,d,30,90,1,1,1,Unknown,2,4\n", "2:1: field 'vm id': expected an id not already running", "a1" },
  { XP_IMPORT_AZURE_V1, "a1,s,d,0,,1,1,1,Unknown,2,4\na1,s,d,30,90,1,1,1,Unknown,2,4\n", "2:1: field 'vm id': expected an id not already running", "a1" },
  { XP_IMPORT_AZURE_V1, AZ_OK "a2,\"s,d,0,60,1,1,1,Unknown,2,4\n", "2:2: field '?': expected a closing quote", "" },
  /* ids the trace reader would refuse (found by fuzzing: the importer wrote
   * them, and its output did not load) */
  { XP_IMPORT_AZURE_V1, AZ_OK "x\xff" "1,s,d,0,60,1,1,1,Unknown,2,4\n",
    "2:1: field 'vmid': expected an id in UTF-8 without control characters", "x\\3771" },
  { XP_IMPORT_AZURE_V2, AZ_OK ",s,d,0,60,1,1,1,Unknown,2,4\n", "2:1: field 'vmid': expected an id in UTF-8", "" },
  /* packing 2020 */
  { XP_IMPORT_AZURE_PACKING_2020, PK_H "1,5,12,1,0.0\n", "2:6: field 'endtime': expected 6 columns", "0.0" },
  { XP_IMPORT_AZURE_PACKING_2020, PK_H "1,5,12,1,yesterday,0.5\n", "2:5: field 'starttime': expected a number of days", "yesterday" },
  { XP_IMPORT_AZURE_PACKING_2020, PK_H "1,5,12,1,0.0,0.5\n2,5,12,1,0.", "3:6: field 'endtime': expected 6 columns", "0." },
  { XP_IMPORT_AZURE_PACKING_2020, "vmId,tenantId,priority,starttime,endtime\n", "1:1: field 'vmTypeId': expected a header row", "" },
  { XP_IMPORT_AZURE_PACKING_2020, PK_H "a\x01,5,12,1,0.0,0.5\n", "2:1: field 'vmId': expected an id in UTF-8 without control", "a\\001" },
  /* Alibaba openb */
  { XP_IMPORT_ALIBABA_OPENB, AB_H "p0,1000,1024,0,0,,LS,Running,0,10\n", "2:11: field 'scheduled_time': expected 11 columns", "10" },
  { XP_IMPORT_ALIBABA_OPENB, AB_H "p0,1.5,1024,0,0,,LS,Running,0,10,0\n", "2:2: field 'cpu_milli': expected an integer", "1.5" },
  { XP_IMPORT_ALIBABA_OPENB, AB_H "p\xc3,1000,1024,0,0,,LS,Running,0,10,0\n", "2:1: field 'name': expected an id in UTF-8", "p\\303" },
  { XP_IMPORT_ALIBABA_OPENB, AB_H "p0,1000,lots,0,0,,LS,Running,0,10,0\n", "2:3: field 'memory_mib': expected an integer", "lots" },
  { XP_IMPORT_ALIBABA_OPENB, AB_H "p0,1000,1024,0,0,,LS,Running,0,10,0\np1,1000,10", "3:4: field 'num_gpu': expected 11 columns", "10" },
};

START_TEST (test_bad_import)
{
  const BadImport *c = &bad_imports[_i];
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *in = xp_test_write (dir, "in.csv", c->text);
  g_autofree char *types = data_path ("azure-packing-2020-vmtype.csv");
  XpImportOptions o = { .format = c->format, .vmtypes_path = types, .machine_cpus = 48,
                        .machine_memory_mib = 262144, .machine_id = -1 };
  g_autoptr (GError) error = NULL;
  char *got = import (&o, in, NULL, &error);
  ck_assert_msg (got == NULL, "case %d: expected an error, got output", _i);
  ck_assert (error != NULL);
  g_autofree char *prefix = g_strdup_printf ("%s:%s", in, c->where);
  ck_assert_msg (g_str_has_prefix (error->message, prefix), "case %d: '%s' does not start with '%s'", _i,
                 error->message, prefix);
  if (*c->got)
    {
      g_autofree char *g = g_strdup_printf (", got '%s'", c->got);
      xp_assert_error_contains (error, g);
    }
  xp_test_rmtree (dir);
}
END_TEST

START_TEST (test_import_misc)
{
  XpImportFormat f;
  ck_assert (xp_import_format_parse ("azure-packing-2020", &f) && f == XP_IMPORT_AZURE_PACKING_2020);
  ck_assert (!xp_import_format_parse ("azure-v3", &f));
  ck_assert_str_eq (xp_import_format_name (XP_IMPORT_ALIBABA_OPENB), "alibaba-openb");
  g_autoptr (GError) error = NULL;
  XpImportOptions o = { .format = XP_IMPORT_AZURE_V1 };
  ck_assert (import (&o, "/nonexistent/vmtable.csv", NULL, &error) == NULL);
  ck_assert (g_error_matches (error, XP_ERROR, XP_ERROR_IO));
  g_clear_error (&error);
  /* An empty window is an error rather than an empty trace. */
  o.has_start = TRUE;
  o.start = 100000 * XP_NSEC_PER_SEC;
  ck_assert (import (&o, "tests/data/traces/azure-v1-vmtable.csv", NULL, &error) == NULL);
  xp_assert_error_contains (error, "no VM in the input within the --start/--end window");
  g_clear_error (&error);
  /* A header line on an Azure vmtable is tolerated. */
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *in = xp_test_write (dir, "h.csv",
                                       "vmid,subscriptionid,deploymentid,vmcreated,vmdeleted,maxcpu,avgcpu,p95maxcpu,"
                                       "vmcategory,vmcorecountbucket,vmmemorybucket\n" AZ_OK);
  XpImportOptions p = { .format = XP_IMPORT_AZURE_V1 };
  g_autofree char *got = import (&p, in, NULL, &error);
  ck_assert_str_eq (got, HEADER "0,start,a1,2,4096,,0.01,\n60,stop,a1,,,,,\n");
  g_clear_pointer (&got, g_free);

  /* An id used again after its VM has stopped is a new VM, not a clash:
   * a1 lives 0..60, b1 starts at 30 (a1's stop is then still pending), and
   * a1 starts again at 60, the instant its first stop is due. The stop at
   * 60 is written before the start at 60. */
  g_autofree char *reuse = xp_test_write (dir, "reuse.csv",
                                          "a1,s,d,0,60,1,1,1,Unknown,2,4\n"
                                          "b1,s,d,30,600,1,1,1,Unknown,2,4\n"
                                          "a1,s,d,60,120,1,1,1,Unknown,2,4\n");
  got = import (&p, reuse, NULL, &error);
  ck_assert_msg (got != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (got, HEADER "0,start,a1,2,4096,,0.01,\n"
                            "30,start,b1,2,4096,,0.01,\n"
                            "60,stop,a1,,,,,\n"
                            "60,start,a1,2,4096,,0.01,\n"
                            "120,stop,a1,,,,,\n"
                            "600,stop,b1,,,,,\n");
  xp_test_rmtree (dir);
}
END_TEST

/* Run the xenplace program; returns its exit status, stdout/stderr in @out/@err. */
static int
run_xenplace (const char *const *args, char **out, char **err)
{
  const char *top = g_getenv ("XP_BUILDDIR");
  g_autofree char *prog = g_build_filename (top ? top : ".", "xenplace", NULL);
  ck_assert_msg (g_file_test (prog, G_FILE_TEST_IS_EXECUTABLE), "%s not built", prog);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, prog);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  int status;
  ck_assert (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, NULL));
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* The command line: success writes OUT; any error exits nonzero, says
 * FILE:LINE and leaves no OUT. */
START_TEST (test_cli)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "out.csv", NULL);
  g_autofree char *v1 = data_path ("azure-v1-vmtable.csv");
  g_autofree char *o = NULL, *e = NULL;
  const char *ok[] = { "trace", "import", "--format", "azure-v1", v1, "-o", out, NULL };
  ck_assert_int_eq (run_xenplace (ok, &o, &e), 0);
  ck_assert (g_file_test (out, G_FILE_TEST_EXISTS));
  g_clear_pointer (&o, g_free);
  g_clear_pointer (&e, g_free);
  const char *check[] = { "trace", "check", out, NULL };
  ck_assert_int_eq (run_xenplace (check, &o, &e), 0);
  ck_assert (strstr (o, ": OK (10 events)") != NULL);
  g_clear_pointer (&o, g_free);
  g_clear_pointer (&e, g_free);
  const char *stats[] = { "trace", "stats", out, NULL };
  ck_assert_int_eq (run_xenplace (stats, &o, &e), 0);
  /* Peak: x1 (2 vCPUs), x2 (4) and x3 (32) all run from 300 s to 600 s. */
  ck_assert (strstr (o, "peak concurrent:  3 VMs, 38 vCPUs at 300 s") != NULL);
  g_clear_pointer (&o, g_free);
  g_clear_pointer (&e, g_free);
  g_unlink (out);

  g_autofree char *bad = xp_test_write (dir, "bad.csv", AZ_OK "a2,s,d,0,60,1,1,1,Unknown,2\n");
  const char *imp[] = { "trace", "import", "--format", "azure-v1", bad, "-o", out, NULL };
  ck_assert_int_ne (run_xenplace (imp, &o, &e), 0);
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
  g_autofree char *where = g_strdup_printf ("xenplace: %s:2:11: field 'vmmemorybucket'", bad);
  ck_assert_msg (strstr (e, where) != NULL, "%s", e);
  g_clear_pointer (&o, g_free);
  g_clear_pointer (&e, g_free);

  g_autofree char *badn = xp_test_write (dir, "bad2.csv", "time,event,vm,vcpus,memory_mib\n0,start,a,0,1\n");
  const char *chk[] = { "trace", "check", badn, NULL };
  ck_assert_int_eq (run_xenplace (chk, &o, &e), 1);
  g_autofree char *where2 = g_strdup_printf ("xenplace: %s:2:4: field 'vcpus': expected an integer from 1 to 1024, got '0'", badn);
  ck_assert_msg (strstr (e, where2) != NULL, "%s", e);
  g_clear_pointer (&o, g_free);
  g_clear_pointer (&e, g_free);

  const char *gen_bad[] = { "trace", "gen", "storm", "--mix", "2x:1", "-o", out, NULL };
  ck_assert_int_eq (run_xenplace (gen_bad, &o, &e), 2);
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
  g_clear_pointer (&o, g_free);
  g_clear_pointer (&e, g_free);
  const char *gen[] = { "trace", "gen", "storm", "--vms", "3", "--mix", "fixed:2:1GiB", "--spacing", "0.5", NULL };
  ck_assert_int_eq (run_xenplace (gen, &o, &e), 0);
  ck_assert_str_eq (o, "time,event,vm,vcpus,memory_mib,hard_affinity,cpu_demand,lifetime\n"
                       "0,start,vm1,2,1024,,,\n0.5,start,vm2,2,1024,,,\n1,start,vm3,2,1024,,,\n");
  xp_test_rmtree (dir);
}
END_TEST

Suite *
xp_test_trace_import_suite (void)
{
  Suite *s = suite_create ("trace_import");
  TCase *tc = tcase_create ("import");
  tcase_add_test (tc, test_azure_v1);
  tcase_add_test (tc, test_azure_v2);
  tcase_add_test (tc, test_azure_packing);
  tcase_add_test (tc, test_alibaba_openb);
  tcase_add_loop_test (tc, test_bad_import, 0, G_N_ELEMENTS (bad_imports));
  tcase_add_test (tc, test_import_misc);
  tcase_add_test (tc, test_cli);
  suite_add_tcase (s, tc);
  return s;
}
