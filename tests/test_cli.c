/* The xenplace replay command as a user meets it: bad input gives one line
 * naming the file (and line), a non-zero exit and no results file; a good
 * run writes a complete results file; the same run twice gives the same
 * bytes. */
#include "config.h"
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "tests/testutil.h"
#include "policies/policy.h"

static char *
xenplace_path (void)
{
  const char *b = g_getenv ("XP_BUILDDIR");
  char *p = g_build_filename (b ? b : ".", "xenplace", NULL);
  if (!g_file_test (p, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_free (p);
      return NULL;
    }
  return p;
}

/* Run xenplace with @args (NULL-terminated) after @setup in the child;
 * returns the exit status (-1 if it was killed). */
static int
run_xenplace_setup (const char *const *args, char **out, char **err, GSpawnChildSetupFunc setup)
{
  g_autofree char *exe = xenplace_path ();
  ck_assert_msg (exe != NULL, "xenplace is not built beside the tests");
  GPtrArray *argv = g_ptr_array_new ();
  g_ptr_array_add (argv, exe);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autoptr (GError) error = NULL;
  int status = 0;
  g_autofree char *srcdir = xp_test_srcpath (".");
  ck_assert (g_spawn_sync (srcdir, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, setup, NULL, out, err, &status, &error));
  g_ptr_array_free (argv, TRUE);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* Run xenplace with @args (NULL-terminated); returns the exit status. */
static int
run_xenplace (const char *const *args, char **out, char **err)
{
  return run_xenplace_setup (args, out, err, NULL);
}

/* In the child: a command that should be refused at once may not take
 * more than 20 s of CPU or (but under AddressSanitizer, which maps
 * terabytes of shadow) 2 GiB of address space, so that a regression fails
 * the test instead of filling the machine's memory. */
static void
limit_child (gpointer data)
{
  (void) data;
  struct rlimit cpu = { 20, 20 };
  setrlimit (RLIMIT_CPU, &cpu);
#ifndef __SANITIZE_ADDRESS__
  struct rlimit as = { G_GUINT64_CONSTANT (2) << 30, G_GUINT64_CONSTANT (2) << 30 };
  setrlimit (RLIMIT_AS, &as);
#endif
}

static guint
count_lines (const char *s)
{
  guint n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

typedef struct {
  const char *name;
  const char *contents;      /* trace file contents (NULL: use @trace as given) */
  const char *topology;
  const char *policy;
  const char *expect;        /* substring of the one error line */
} BadCase;

START_TEST (test_bad_inputs)
{
  static const BadCase cases[] = {
    { "neg.csv", "time,event,vm,vcpus,memory_mib\n0,start,a,2,1024\n0.5,start,b,-1,1024\n", "generic-2n", "none",
      "neg.csv:3:4: field 'vcpus'" },
    { "missing.csv", "time,event,vm,vcpus\n0,start,a,2\n", "generic-2n", "none", "missing.csv:" },
    { "event.csv", "time,event,vm,vcpus,memory_mib\n0,reboot,a,2,1024\n", "generic-2n", "none", "event.csv:2:" },
    { "huge.csv", "time,event,vm,vcpus,memory_mib\n0,start,a,2,99999999999\n", "generic-2n", "none", "huge.csv:2:" },
    { "aff.csv", "time,event,vm,vcpus,memory_mib,hard_affinity\n0,start,a,2,1024,0-40\n", "generic-2n", "none",
      "aff.csv:2: field 'hard_affinity': CPU 32 does not exist" },
    { "ok.csv", "time,event,vm,vcpus,memory_mib\n0,start,a,2,1024\n", "nosuch", "none", "topology 'nosuch'" },
    { "ok.csv", "time,event,vm,vcpus,memory_mib\n0,start,a,2,1024\n", "synthetic:pack:2 numa:1 core:2 pu:1; mem=1GiB; dist=10,9",
      "none", "dist" },
    { "ok.csv", "time,event,vm,vcpus,memory_mib\n0,start,a,2,1024\n", "generic-2n", "xenopsd:mode=fast", "'mode'" },
    { "ok.csv", "time,event,vm,vcpus,memory_mib\n0,start,a,2,1024\n", "generic-2n", "nosuchpolicy", "nosuchpolicy" },
    /* a host too small for dom0: the message names the topology to fix */
    { "ok.csv", "time,event,vm,vcpus,memory_mib\n0,start,a,2,1024\n", "synthetic:pack:2 numa:1 core:2 pu:1; mem=1GiB",
      "none", "do not fit in the free memory of topology 'synthetic' (2.0 GiB in 2 nodes)" },
  };
  g_autofree char *dir = xp_test_tmpdir ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *trace = xp_test_write (dir, cases[i].name, cases[i].contents);
      g_autofree char *out = g_build_filename (dir, "results.json", NULL);
      const char *args[] = { "replay", "--topology", cases[i].topology, "--trace", trace, "--policy", cases[i].policy,
                             "--out", out, NULL };
      g_autofree char *so = NULL, *se = NULL;
      int rc = run_xenplace (args, &so, &se);
      ck_assert_msg (rc != 0, "case %u: exit 0", i);
      ck_assert_msg (strstr (se, cases[i].expect), "case %u: '%s' lacks '%s'", i, se, cases[i].expect);
      ck_assert_msg (count_lines (se) == 1, "case %u: not one line: %s", i, se);
      ck_assert_msg (!g_file_test (out, G_FILE_TEST_EXISTS), "case %u: a results file was written", i);
    }
  /* unreadable trace */
  g_autofree char *out = g_build_filename (dir, "results.json", NULL);
  const char *args[] = { "replay", "-t", "generic-2n", "-f", "/nonexistent/x.csv", "-p", "none", "-o", out, NULL };
  g_autofree char *so = NULL, *se = NULL;
  ck_assert_int_ne (run_xenplace (args, &so, &se), 0);
  ck_assert_ptr_nonnull (strstr (se, "/nonexistent/x.csv"));
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
  xp_test_rmtree (dir);
}
END_TEST

/* An hwloc XML without memory sizes: topo show shows it (0 B, with a
 * note), as the topologies README promises for what a file leaves out;
 * replay refuses it in one line naming the file, not with dom0_mem's "do
 * not fit" that did not say which input was wrong. */
START_TEST (test_topology_without_memory)
{
  static const char xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE topology SYSTEM \"hwloc2.dtd\">\n<topology version=\"2.0\">\n"
    "  <object type=\"Machine\" os_index=\"0\" cpuset=\"0x00000003\" complete_cpuset=\"0x00000003\" "
    "allowed_cpuset=\"0x00000003\" nodeset=\"0x00000001\" complete_nodeset=\"0x00000001\" allowed_nodeset=\"0x00000001\" "
    "gp_index=\"1\">\n"
    "    <object type=\"NUMANode\" os_index=\"0\" cpuset=\"0x00000003\" complete_cpuset=\"0x00000003\" "
    "nodeset=\"0x00000001\" complete_nodeset=\"0x00000001\" gp_index=\"3\"/>\n"
    "    <object type=\"PU\" os_index=\"0\" cpuset=\"0x00000001\" complete_cpuset=\"0x00000001\" nodeset=\"0x00000001\" "
    "complete_nodeset=\"0x00000001\" gp_index=\"5\"/>\n"
    "    <object type=\"PU\" os_index=\"1\" cpuset=\"0x00000002\" complete_cpuset=\"0x00000002\" nodeset=\"0x00000001\" "
    "complete_nodeset=\"0x00000001\" gp_index=\"7\"/>\n"
    "  </object>\n</topology>\n";
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *topo = xp_test_write (dir, "nomem.xml", xml);
  g_autofree char *out = g_build_filename (dir, "results.json", NULL);
  const char *show[] = { "topo", "show", topo, NULL };
  g_autofree char *so = NULL, *se = NULL;
  ck_assert_int_eq (run_xenplace (show, &so, &se), 0);
  ck_assert_msg (strstr (so, "1 node, 1 socket") && strstr (so, "0 B") && strstr (so, "no memory size recorded"),
                 "%s", so);
  const char *replay[] = { "replay", "-t", topo, "-f", "bench/traces/storm-200.csv", "-p", "xenopsd", "-o", out, NULL };
  g_autofree char *o = NULL, *e = NULL;
  ck_assert_int_ne (run_xenplace (replay, &o, &e), 0);
  g_autofree char *want = g_strdup_printf ("xenplace: %s: the topology records no memory on any node", topo);
  ck_assert_msg (g_str_has_prefix (e, want) && count_lines (e) == 1, "%s", e);
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
  xp_test_rmtree (dir);
}
END_TEST

/* trace gen --demand: the busy fraction lands in every start row's
 * cpu_demand; anything outside (0, 1] is refused in one line. */
START_TEST (test_gen_demand)
{
  const char *good[] = { "trace", "gen", "storm", "--vms", "3", "--demand", "0.25", NULL };
  g_autofree char *so = NULL, *se = NULL;
  ck_assert_int_eq (run_xenplace (good, &so, &se), 0);
  g_auto (GStrv) lines = g_strsplit (so, "\n", -1);
  guint starts = 0;
  for (guint i = 1; lines[i] && *lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);
      ck_assert_str_eq (f[1], "start");
      ck_assert_str_eq (f[6], "0.25");
      starts++;
    }
  ck_assert_uint_eq (starts, 3);
  static const char *const bad[] = { "0", "1.5", "-0.1", "0.1234567", "x" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *args[] = { "trace", "gen", "poisson", "--rate", "1", "--vms", "3", "--demand", bad[i], NULL };
      g_autofree char *o = NULL, *e = NULL;
      ck_assert_int_eq (run_xenplace (args, &o, &e), 2);
      ck_assert_msg (strstr (e, "--demand") && count_lines (e) == 1, "'%s': %s", bad[i], e);
    }
}
END_TEST

/* replay --progress: the run ends with one "replay done" line on stderr
 * saying the whole trace (storm-200: 200 starts, no stops) was fed; a
 * value that is not a positive number of
 * seconds is refused in one line, before anything runs. */
START_TEST (test_replay_progress)
{
  const char *good[] = { "replay", "-t", "generic-4n", "-f", "bench/traces/storm-200.csv", "-p", "xenopsd",
                         "--quiet", "--progress", "60", NULL };
  g_autofree char *so = NULL, *se = NULL;
  ck_assert_int_eq (run_xenplace (good, &so, &se), 0);
  ck_assert_msg (g_str_has_prefix (se, "replay done: ") && count_lines (se) == 1, "%s", se);
  ck_assert_msg (strstr (se, ", trace 200/200, "), "%s", se);
  ck_assert_str_eq (so, "");
  static const char *const bad[] = { "0", "-1", "x", "" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *args[] = { "replay", "-t", "generic-4n", "-f", "bench/traces/storm-200.csv", "-p", "xenopsd",
                             "--progress", bad[i], NULL };
      g_autofree char *o = NULL, *e = NULL;
      ck_assert_int_eq (run_xenplace (args, &o, &e), 2);
      ck_assert_msg (strstr (e, "--progress") && count_lines (e) == 1, "'%s': %s", bad[i], e);
    }
}
END_TEST

/* compare --speed-margin: a margin that is not a non-negative finite
 * number (or N%) is refused in one line with exit 2, as the same value in
 * a scenario's [gate]; it was taken as "no margin given" (negative) or
 * turned the speed check off (nan, inf) and let the gate pass. */
START_TEST (test_compare_speed_margin)
{
  static const char *const bad[] = { "nan", "inf", "-1", "-0.5", "x", "" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *args[] = { "compare", "results/baseline/ci-gate", "results/baseline/ci-gate", "-q", "--speed-margin", bad[i],
                             NULL };
      g_autofree char *o = NULL, *e = NULL;
      ck_assert_int_eq (run_xenplace (args, &o, &e), 2);
      ck_assert_msg (strstr (e, "--speed-margin") && count_lines (e) == 1, "'%s': %s", bad[i], e);
      ck_assert_str_eq (o, "");
    }
  static const char *const good[] = { "0", "0.25", "25%", "3" };
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      const char *args[] = { "compare", "results/baseline/ci-gate", "results/baseline/ci-gate", "-q", "--speed-margin", good[i],
                             NULL };
      g_autofree char *o = NULL, *e = NULL;
      ck_assert_msg (run_xenplace (args, &o, &e) == 0, "'%s': %s", good[i], e);
      ck_assert_str_eq (o, "OK\n");
    }
}
END_TEST

/* trace gen: parameters whose draws would all be cut to the generator's
 * 1e9 s (or raised to 1 ms) are refused in one line naming the option, with
 * exit 2 and no output file; they gave VMs arriving or living exactly 1e9 s.
 * The documented commands still work. */
START_TEST (test_gen_absurd)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "t.csv", NULL);
  static const struct { const char *gen, *opt, *val, *name; } bad[] = {
    { "poisson", "--rate", "1e-300", "--rate" },
    { "poisson", "--rate", "1e-9", "--rate" },          /* the first arrival is beyond 1e9 s */
    { "poisson", "--rate", "1e300", "--rate" },
    { "poisson", "--lifetime", "exp:1e300", "--lifetime" },
    { "poisson", "--lifetime", "exp:1e9", "--lifetime" },   /* a draw beyond 1e9 s */
    { "poisson", "--lifetime", "lognormal:1:1000", "--lifetime" },
    { "storm", "--lifetime", "fixed:0.00001", "--lifetime" },
    { "storm", "--lifetime", "fixed:2e9", "--lifetime" },
    { "poisson", "--duration", "2000000000", "--duration" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gboolean poisson = strcmp (bad[i].gen, "poisson") == 0;
      const char *rate = poisson && strcmp (bad[i].opt, "--rate") != 0 ? "1" : bad[i].val;
      const char *args[] = { "trace", "gen", bad[i].gen, "--vms", "20", "-o", out, bad[i].opt, bad[i].val,
                             poisson ? "--rate" : NULL, rate, NULL };
      g_autofree char *o = NULL, *e = NULL;
      ck_assert_int_eq (run_xenplace (args, &o, &e), 2);
      ck_assert_msg (strstr (e, bad[i].name) && count_lines (e) == 1, "%s %s: %s", bad[i].opt, bad[i].val, e);
      ck_assert_msg (!g_file_test (out, G_FILE_TEST_EXISTS), "%s %s: output written", bad[i].opt, bad[i].val);
    }
  const char *good[] = { "trace", "gen", "poisson", "--rate", "10", "--vms", "2000", "--lifetime", "exp:22.26",
                         "--seed", "1", "-o", out, NULL };
  g_autofree char *o = NULL, *e = NULL;
  ck_assert_int_eq (run_xenplace (good, &o, &e), 0);
  ck_assert (g_file_test (out, G_FILE_TEST_EXISTS));
  xp_test_rmtree (dir);
}
END_TEST

/* trace gen --vms: a count beyond the 10 million VMs a generated trace may
 * hold is refused at once in one line naming the option, with exit 2 and
 * no output file; storm -n 2000000000 ran until memory ran out. */
START_TEST (test_gen_vms_limit)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "t.csv", NULL);
  static const char *const counts[] = { "2000000000", "10000001" };
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    for (guint k = 0; k < 2; k++)
      {
        const char *args[] = { "trace", "gen", k ? "poisson" : "storm", "--vms", counts[i], "-o", out,
                               k ? "--rate" : NULL, "1", NULL };
        g_autofree char *o = NULL, *e = NULL;
        ck_assert_int_eq (run_xenplace_setup (args, &o, &e, limit_child), 2);
        ck_assert_msg (strstr (e, "--vms") && strstr (e, "10000000") && count_lines (e) == 1, "%s", e);
        ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
      }
  xp_test_rmtree (dir);
}
END_TEST

/* trace gen storm --spacing: an explicit spacing of 0 is refused (it was
 * taken as no spacing at all and the starts drawn at random in the
 * window); a positive one puts VM i at i * S. */
START_TEST (test_gen_spacing)
{
  const char *zero[] = { "trace", "gen", "storm", "--vms", "3", "--spacing", "0", NULL };
  g_autofree char *so = NULL, *se = NULL;
  ck_assert_int_eq (run_xenplace (zero, &so, &se), 2);
  ck_assert_msg (strstr (se, "--spacing") && count_lines (se) == 1, "%s", se);
  ck_assert_str_eq (so, "");
  const char *good[] = { "trace", "gen", "storm", "--vms", "3", "--spacing", "0.5", "--mix", "fixed:1:1GiB", NULL };
  g_autofree char *o = NULL, *e = NULL;
  ck_assert_int_eq (run_xenplace (good, &o, &e), 0);
  ck_assert_str_eq (o, "time,event,vm,vcpus,memory_mib,hard_affinity,cpu_demand,lifetime\n"
                       "0,start,vm1,1,1024,,,\n0.5,start,vm2,1,1024,,,\n1,start,vm3,1,1024,,,\n");
}
END_TEST

/* Only the files of @dir whose name contains @part. */
static guint
count_named (const char *dir, const char *part)
{
  guint n = 0;
  GDir *d = g_dir_open (dir, 0, NULL);
  ck_assert (d != NULL);
  const char *name;
  while ((name = g_dir_read_name (d)))
    n += strstr (name, part) != NULL;
  g_dir_close (d);
  return n;
}

/* A command stopped by SIGTERM or SIGHUP while its output is being written
 * (here trace import streaming from a pipe that stays open) removes its
 * temporary file: no "OUT.tmp-XXXXXX" is left beside where the output
 * would have gone, the output itself is not made, and the process still
 * ends by the signal. */
START_TEST (test_signal_removes_temp_file)
{
  static const int sigs[] = { SIGTERM, SIGHUP };
  g_autofree char *exe = xenplace_path ();
  ck_assert (exe != NULL);
  g_autofree char *vmtable = xp_test_srcpath ("tests/data/traces/azure-v1-vmtable.csv");
  g_autofree char *rows = NULL;
  ck_assert (g_file_get_contents (vmtable, &rows, NULL, NULL));
  for (guint k = 0; k < G_N_ELEMENTS (sigs); k++)
    {
      g_autofree char *dir = xp_test_tmpdir ();
      g_autofree char *out = g_build_filename (dir, "imp.csv", NULL);
      const char *argv[] = { exe, "trace", "import", "--format", "azure-v1", "-", "-o", out, NULL };
      GPid pid;
      int in_fd;
      g_autoptr (GError) error = NULL;
      ck_assert (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &in_fd,
                                           NULL, NULL, &error));
      ck_assert (write (in_fd, rows, strlen (rows)) == (ssize_t) strlen (rows));
      /* wait until the output is under way */
      for (guint i = 0; i < 1000 && count_named (dir, ".tmp-") == 0; i++)
        g_usleep (10000);
      ck_assert_uint_eq (count_named (dir, ".tmp-"), 1);
      ck_assert_int_eq (kill (pid, sigs[k]), 0);
      int status;
      ck_assert_int_eq (waitpid (pid, &status, 0), pid);
      close (in_fd);
      g_spawn_close_pid (pid);
      ck_assert_msg (WIFSIGNALED (status) && WTERMSIG (status) == sigs[k], "signal %d: status %d", sigs[k], status);
      ck_assert_msg (count_named (dir, "imp.csv") == 0, "signal %d: a temporary or partial file is left", sigs[k]);
      xp_test_rmtree (dir);
    }
}
END_TEST

/* An output that is one of the command's inputs (the same file, by
 * whatever path) is refused with exit 2 and the input left as it was:
 * replay -o over its trace or topology, trace import -o over its source,
 * topo export -o over the topology file. They used to overwrite it. */
START_TEST (test_output_is_an_input)
{
  g_autofree char *dir = xp_test_tmpdir ();
  const char *trace_text = "time,event,vm,vcpus,memory_mib\n0,start,a,1,1024\n";
  g_autofree char *trace = xp_test_write (dir, "t.csv", trace_text);
  g_autofree char *trace_other = g_build_filename (dir, ".", "t.csv", NULL);
  g_autofree char *topo_src = xp_test_srcpath ("topologies/generic-2n.ini");
  g_autofree char *topo_text = NULL;
  ck_assert (g_file_get_contents (topo_src, &topo_text, NULL, NULL));
  g_autofree char *topo = xp_test_write (dir, "h.ini", topo_text);
  g_autofree char *vmtable_src = xp_test_srcpath ("tests/data/traces/azure-v1-vmtable.csv");
  g_autofree char *vm_text = NULL;
  ck_assert (g_file_get_contents (vmtable_src, &vm_text, NULL, NULL));
  g_autofree char *vmtable = xp_test_write (dir, "vmtable.csv", vm_text);
  const char *replay_trace[] = { "replay", "-q", "-t", "generic-2n", "-f", trace, "-p", "none", "-o", trace_other, NULL };
  const char *replay_topo[] = { "replay", "-q", "-t", topo, "-f", trace, "-p", "none", "-o", topo, NULL };
  const char *import[] = { "trace", "import", "--format", "azure-v1", vmtable, "-o", vmtable, NULL };
  const char *export[] = { "topo", "export", topo, "--format", "xml", "-o", topo, NULL };
  const char *const *cases[] = { replay_trace, replay_topo, import, export };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *o = NULL, *e = NULL;
      ck_assert_msg (run_xenplace (cases[i], &o, &e) == 2, "case %u: %s", i, e);
      ck_assert_msg (strstr (e, "is also an input") && count_lines (e) == 1, "case %u: %s", i, e);
    }
  g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL;
  ck_assert (g_file_get_contents (trace, &t1, NULL, NULL));
  ck_assert_str_eq (t1, trace_text);
  ck_assert (g_file_get_contents (topo, &t2, NULL, NULL));
  ck_assert_str_eq (t2, topo_text);
  ck_assert (g_file_get_contents (vmtable, &t3, NULL, NULL));
  ck_assert_str_eq (t3, vm_text);
  xp_test_rmtree (dir);
}
END_TEST

/* bench run of a scenario whose topology does not load: one error line,
 * exit 2, nothing on standard output (it printed a count line saying
 * "0 runs (1 configurations × 1 seeds)", which was wrong besides), and
 * no bench directory. */
START_TEST (test_bench_run_bad_input_output)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_free (xp_test_write (dir, "t.csv", "time,event,vm,vcpus,memory_mib\n0,start,a,1,1024\n"));
  g_autofree char *ini = xp_test_write (dir, "s.ini",
                                        "[scenario]\npolicies = none\ntopologies = nosuch\ntraces = t.csv\n");
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  const char *args[] = { "bench", "run", ini, "-j", "1", "-o", out, NULL };
  g_autofree char *o = NULL, *e = NULL;
  ck_assert_int_eq (run_xenplace (args, &o, &e), 2);
  ck_assert_str_eq (o, "");
  ck_assert_msg (strstr (e, "s.ini:3: topologies: 'nosuch'") && count_lines (e) == 1, "%s", e);
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
  xp_test_rmtree (dir);
}
END_TEST

/* trace import --over-cores: the vCPUs of the '>24' bucket must be 1 to
 * 1024. 0 was silently taken as the default (32), and a value over the
 * limit was blamed on the input file's first '>24' row. */
START_TEST (test_import_over_cores)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "imp.csv", NULL);
  static const char *const bad[] = { "0", "1025", "-1" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *args[] = { "trace", "import", "--format", "azure-v1", "tests/data/traces/azure-v1-vmtable.csv",
                             "--over-cores", bad[i], "-o", out, NULL };
      g_autofree char *o = NULL, *e = NULL;
      ck_assert_int_eq (run_xenplace (args, &o, &e), 2);
      ck_assert_msg (strstr (e, "--over-cores") && count_lines (e) == 1, "'%s': %s", bad[i], e);
      ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
    }
  const char *good[] = { "trace", "import", "--format", "azure-v1", "tests/data/traces/azure-v1-vmtable.csv",
                         "--over-cores", "48", "-o", out, NULL };
  g_autofree char *o = NULL, *e = NULL;
  ck_assert_msg (run_xenplace (good, &o, &e) == 0, "%s", e);
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (out, &text, NULL, NULL));
  ck_assert_msg (strstr (text, ",start,x3Cc5SuJo2,48,"), "%s", text);
  xp_test_rmtree (dir);
}
END_TEST

/* trace import --over-cores / --over-memory below the open bucket's floor
 * are refused in one line naming the option and the bucket's minimum (they
 * used to be raised to the floor + 1 without a word: --over-cores 16 gave
 * 25 vCPUs). The minimum itself is taken. A file's own open bucket above
 * the Azure one is checked by the importer, naming the file and line. */
START_TEST (test_import_over_below_bucket)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "imp.csv", NULL);
  static const struct { const char *opt, *value, *expect; } bad[] = {
    { "--over-cores", "16", "--over-cores: 16 is below the '>24' bucket's minimum of 25 vCPUs" },
    { "--over-cores", "24", "--over-cores: 24 is below the '>24' bucket's minimum of 25 vCPUs" },
    { "--over-memory", "16GiB", "--over-memory: '16GiB' is below the '>64' bucket's minimum of 65537 MiB (more than 64 GiB)" },
    { "--over-memory", "64GiB", "--over-memory: '64GiB' is below the '>64' bucket's minimum of 65537 MiB (more than 64 GiB)" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *args[] = { "trace", "import", "--format", "azure-v1", "tests/data/traces/azure-v1-vmtable.csv",
                             bad[i].opt, bad[i].value, "-o", out, NULL };
      g_autofree char *o = NULL, *e = NULL;
      ck_assert_int_eq (run_xenplace (args, &o, &e), 2);
      ck_assert_msg (strstr (e, bad[i].expect) && count_lines (e) == 1, "%s %s: %s", bad[i].opt, bad[i].value, e);
      ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
    }
  const char *good[] = { "trace", "import", "--format", "azure-v1", "tests/data/traces/azure-v1-vmtable.csv",
                         "--over-cores", "25", "--over-memory", "65537", "-o", out, NULL };
  g_autofree char *o = NULL, *e = NULL;
  ck_assert_msg (run_xenplace (good, &o, &e) == 0, "%s", e);
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (out, &text, NULL, NULL));
  ck_assert_msg (strstr (text, ",start,x3Cc5SuJo2,25,65537,"), "%s", text);
  g_unlink (out);

  /* a file whose open bucket is '>32': 30 vCPUs are refused there */
  g_autofree char *in = xp_test_write (dir, "vmtable.csv",
                                       "a1,s,d,0,100,50,10,20,Interactive,2,4\n"
                                       "a2,s,d,10,100,50,10,20,Interactive,>32,>64\n");
  const char *above[] = { "trace", "import", "--format", "azure-v1", in, "--over-cores", "30", "-o", out, NULL };
  g_autofree char *o2 = NULL, *e2 = NULL;
  ck_assert_int_ne (run_xenplace (above, &o2, &e2), 0);
  ck_assert_msg (strstr (e2, "vmtable.csv:2:10: field 'vmcorecountbucket': --over-cores 30 is below the minimum of the "
                             "'>32' bucket, 33 vCPUs") && count_lines (e2) == 1, "%s", e2);
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
  xp_test_rmtree (dir);
}
END_TEST

/* replay --out that cannot be written (a missing directory, a directory)
 * is refused before the simulation runs, not after it: a long replay is
 * not thrown away at the end. The topology here makes the run itself
 * fail (dom0 does not fit), so which error comes shows the order. */
START_TEST (test_replay_out_checked_first)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *trace = xp_test_write (dir, "t.csv", "time,event,vm,vcpus,memory_mib\n0,start,a,1,1024\n");
  g_autofree char *missing = g_build_filename (dir, "nodir", "r.json", NULL);
  const char *outs[] = { missing, dir };
  for (guint i = 0; i < G_N_ELEMENTS (outs); i++)
    {
      const char *args[] = { "replay", "-q", "-t", "synthetic:pack:1 pu:2; mem=1GiB", "-f", trace, "-p", "none",
                             "-o", outs[i], NULL };
      g_autofree char *o = NULL, *e = NULL;
      ck_assert_int_ne (run_xenplace (args, &o, &e), 0);
      ck_assert_msg (g_str_has_prefix (e, "xenplace: ") && strstr (e, outs[i]) && !strstr (e, "dom0"), "case %u: %s", i, e);
      ck_assert_msg (count_lines (e) == 1, "case %u: %s", i, e);
    }
  ck_assert (g_file_test (dir, G_FILE_TEST_IS_DIR));
  xp_test_rmtree (dir);
}
END_TEST

START_TEST (test_good_run_is_reproducible)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *a = g_build_filename (dir, "a.json", NULL), *b = g_build_filename (dir, "b.json", NULL);
  const char *args_a[] = { "replay", "-t", "generic-4n", "-f", "bench/traces/storm-200.csv", "-p", "xenopsd",
                           "--seed", "7", "--quiet", "-o", a, NULL };
  const char *args_b[] = { "replay", "-t", "generic-4n", "-f", "bench/traces/storm-200.csv", "-p", "xenopsd",
                           "--seed", "7", "--quiet", "-o", b, NULL };
  g_autofree char *so = NULL, *se = NULL, *so2 = NULL, *se2 = NULL;
  ck_assert_int_eq (run_xenplace (args_a, &so, &se), 0);
  ck_assert_str_eq (so, "");
  ck_assert_int_eq (run_xenplace (args_b, &so2, &se2), 0);
  g_autofree char *ca = NULL, *cb = NULL;
  ck_assert (g_file_get_contents (a, &ca, NULL, NULL));
  ck_assert (g_file_get_contents (b, &cb, NULL, NULL));
  ck_assert_str_eq (ca, cb);
  g_autoptr (JsonParser) p = json_parser_new ();
  ck_assert (json_parser_load_from_data (p, ca, -1, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  JsonObject *s = json_object_get_object_member (o, "summary");
  ck_assert_int_eq (json_object_get_int_member (s, "vms"), 200);
  ck_assert_int_eq (json_object_get_int_member (s, "started"), 200);
  ck_assert (json_object_get_boolean_member (s, "cpu_model"));
  ck_assert_int_eq (json_array_get_length (json_object_get_array_member (o, "vms")), 200);
  xp_test_rmtree (dir);
}
END_TEST

/* A results file lists the toolstack's and the credit scheduler's
 * parameters with their defaults, in the units --ts and --credit take, so
 * that runs made with other parameters can be told apart; without the CPU
 * model there are no credit parameters. Defaults from
 * xp_toolstack_params_init() and xp_credit_params_init_defaults(). */
START_TEST (test_replay_params_recorded)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "r.json", NULL);
  const char *args[] = { "replay", "-t", "generic-2n", "-f", "tests/data/bench/tiny.csv", "-p", "first-fit",
                         "--ts", "builders=7", "--ts", "placement_ms=3", "--ts", "shadow_multiplier=1.5",
                         "--credit", "tslice_ms=10", "--credit", "mean_burst_us=2500", "--quiet", "-o", out, NULL };
  g_autofree char *o1 = NULL, *e1 = NULL;
  ck_assert_msg (run_xenplace (args, &o1, &e1) == 0, "%s", e1);
  g_autoptr (JsonParser) p = json_parser_new ();
  ck_assert (json_parser_load_from_file (p, out, NULL));
  JsonObject *run = json_object_get_object_member (json_node_get_object (json_parser_get_root (p)), "run");
  g_autoptr (JsonGenerator) g = json_generator_new ();
  json_generator_set_root (g, json_object_get_member (run, "toolstack_params"));
  g_autofree char *ts = json_generator_to_data (g, NULL);
  ck_assert_str_eq (ts, "{\"builders\":7,\"generation\":\"current\",\"mem_pnode_exact\":1,"
                        "\"populate_rate\":8589934592,\"scrub_rate\":4294967296,\"chunk\":1073741824,"
                        "\"video\":8,\"mmio_hole\":268435456,\"guest\":\"hvm\",\"shadow_multiplier\":\"1.5\","
                        "\"create_ms\":30,\"build_pre_ms\":20,\"placement_ms\":3,\"device_model_ms\":300,"
                        "\"unpause_ms\":5,\"destroy_ms\":100,\"free_mem_retry_ms\":1000,"
                        "\"free_mem_timeout_ms\":64000}");
  json_generator_set_root (g, json_object_get_member (run, "credit_params"));
  g_autofree char *cr = json_generator_to_data (g, NULL);
  ck_assert_str_eq (cr, "{\"tslice_ms\":10,\"ratelimit_us\":1000,\"load_balance_ratelimit_us\":1000,"
                        "\"vcpu_migration_delay_us\":0,\"weight\":256,\"boost\":1,\"tickle_one_idle\":1,"
                        "\"mean_burst_us\":2500,\"demand_ppm\":1000000,\"dom0_demand_ppm\":0}");

  /* xl: its own parameters only; no CPU model, no credit parameters */
  const char *xl[] = { "replay", "-t", "generic-2n", "-f", "tests/data/bench/tiny.csv", "-p", "first-fit",
                       "--toolstack", "xl", "--ts", "claim_mode=0", "--no-cpu-model", "--quiet", "-o", out, NULL };
  g_autofree char *o2 = NULL, *e2 = NULL;
  ck_assert_msg (run_xenplace (xl, &o2, &e2) == 0, "%s", e2);
  g_autoptr (JsonParser) p2 = json_parser_new ();
  ck_assert (json_parser_load_from_file (p2, out, NULL));
  run = json_object_get_object_member (json_node_get_object (json_parser_get_root (p2)), "run");
  ck_assert (!json_object_has_member (run, "credit_params"));
  json_generator_set_root (g, json_object_get_member (run, "toolstack_params"));
  g_autofree char *ts2 = json_generator_to_data (g, NULL);
  ck_assert_str_eq (ts2, "{\"builders\":4,\"claim_mode\":0,\"populate_rate\":8589934592,"
                         "\"scrub_rate\":4294967296,\"chunk\":1073741824,\"video\":8,\"mmio_hole\":268435456,"
                         "\"guest\":\"hvm\",\"create_ms\":30,\"build_pre_ms\":20,\"placement_ms\":1,"
                         "\"device_model_ms\":300,\"unpause_ms\":5,\"destroy_ms\":100}");
  xp_test_rmtree (dir);
}
END_TEST

/* A replay under a plugin records the plugin: run.policy as a scenario
 * writes it (FILE.so:key=value,...), the plugin's name, its file and the
 * file's SHA-256; --results-plugin names the file as a scenario does.
 * A parameter the plugin does not take is refused before the run. */
START_TEST (test_replay_plugin_recorded)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *so = xp_test_plugin_path ("example");
  g_autofree char *out = g_build_filename (dir, "r.json", NULL);
  const char *args[] = { "replay", "-t", "generic-2n", "-f", "tests/data/bench/tiny.csv", "--policy-plugin", so,
                         "-p", "example-round-robin:start=1", "--results-plugin", "../plugins/example.so",
                         "--quiet", "-o", out, NULL };
  g_autofree char *o1 = NULL, *e1 = NULL;
  ck_assert_msg (run_xenplace (args, &o1, &e1) == 0, "%s", e1);
  g_autoptr (JsonParser) p = json_parser_new ();
  ck_assert (json_parser_load_from_file (p, out, NULL));
  JsonObject *run = json_object_get_object_member (json_node_get_object (json_parser_get_root (p)), "run");
  ck_assert_str_eq (json_object_get_string_member (run, "policy"), "../plugins/example.so:start=1");
  ck_assert_str_eq (json_object_get_string_member (run, "policy_name"), "example-round-robin");
  JsonObject *pl = json_object_get_object_member (run, "plugin");
  ck_assert_str_eq (json_object_get_string_member (pl, "path"), "../plugins/example.so");
  g_autofree char *sha = xp_policy_plugin_sha256 (so, NULL);
  ck_assert_str_eq (json_object_get_string_member (pl, "sha256"), sha);

  g_autofree char *out2 = g_build_filename (dir, "r2.json", NULL);
  const char *bad[] = { "replay", "-t", "generic-2n", "-f", "tests/data/bench/tiny.csv", "--policy-plugin", so,
                        "-p", "example-round-robin:strat=1", "--quiet", "-o", out2, NULL };
  g_autofree char *o2 = NULL, *e2 = NULL;
  ck_assert_int_eq (run_xenplace (bad, &o2, &e2), 1);
  ck_assert_msg (strstr (e2, "unknown parameter 'strat' (valid parameters: start)"), "%s", e2);
  ck_assert_uint_eq (count_lines (e2), 1);
  ck_assert (!g_file_test (out2, G_FILE_TEST_EXISTS));
  const char *orphan[] = { "replay", "-t", "generic-2n", "-f", "tests/data/bench/tiny.csv", "-p", "first-fit",
                           "--results-plugin", "x.so", "--quiet", "-o", out2, NULL };
  g_autofree char *o3 = NULL, *e3 = NULL;
  ck_assert_int_eq (run_xenplace (orphan, &o3, &e3), 2);
  ck_assert (!g_file_test (out2, G_FILE_TEST_EXISTS));
  xp_test_rmtree (dir);
}
END_TEST

Suite *
xp_test_cli_suite (void)
{
  Suite *s = suite_create ("cli");
  TCase *tc = tcase_create ("replay");
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_bad_inputs);
  tcase_add_test (tc, test_gen_demand);
  tcase_add_test (tc, test_gen_spacing);
  tcase_add_test (tc, test_gen_absurd);
  tcase_add_test (tc, test_gen_vms_limit);
  tcase_add_test (tc, test_topology_without_memory);
  tcase_add_test (tc, test_replay_progress);
  tcase_add_test (tc, test_good_run_is_reproducible);
  tcase_add_test (tc, test_compare_speed_margin);
  tcase_add_test (tc, test_signal_removes_temp_file);
  tcase_add_test (tc, test_replay_params_recorded);
  tcase_add_test (tc, test_output_is_an_input);
  tcase_add_test (tc, test_bench_run_bad_input_output);
  tcase_add_test (tc, test_import_over_cores);
  tcase_add_test (tc, test_import_over_below_bucket);
  tcase_add_test (tc, test_replay_out_checked_first);
  tcase_add_test (tc, test_replay_plugin_recorded);
  suite_add_tcase (s, tc);
  return s;
}
