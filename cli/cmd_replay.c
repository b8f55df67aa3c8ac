/* xenplace replay — run one trace on one topology under one policy. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli/commands.h"
#include "sim/error.h"
#include "sim/results.h"
#include "sim/util.h"
#include "policies/builtins.h"

typedef struct {
  guint64 events;
  gdouble wall;
} ProgressLast;

/* One line per report on stderr; the cost per event is over the interval
 * since the line before, so a long replay shows whether it slows down as
 * the heap fragments (free blocks). */
static void
print_progress (const XpReplayProgress *p, gpointer data)
{
  ProgressLast *last = data;
  guint64 ev = p->events - last->events;
  gdouble us = ev ? (p->wall_seconds - last->wall) * 1e6 / (gdouble) ev : 0;
  gdouble t = (gdouble) p->now / XP_NSEC_PER_SEC, span = (gdouble) p->trace_span / XP_NSEC_PER_SEC;
  g_printerr ("replay %s: simulated %.1f s of %.1f (%.0f %%), trace %u/%u, %u VMs live, %" G_GUINT64_FORMAT
              " events, %.1f s wall, %.2f us/event since the last line, %" G_GUINT64_FORMAT " free heap blocks\n",
              p->final ? "done" : "progress", t, span, span > 0 ? MIN (100.0, 100.0 * t / span) : 100.0,
              p->trace_done, p->trace_total, p->vms_live, p->events, p->wall_seconds, us, p->heap_free_blocks);
  last->events = p->events;
  last->wall = p->wall_seconds;
}

int
xp_cmd_replay (int argc, char **argv)
{
  g_autofree char *topology = NULL, *trace_path = NULL, *policy_spec = NULL, *plugin = NULL;
  g_autofree char *topology_name = NULL, *trace_name = NULL, *plugin_name = NULL;
  g_autofree char *plugin_spec = NULL, *plugin_sha256 = NULL;
  g_autofree char *toolstack = NULL, *xen_version = NULL, *out = NULL;
  g_auto (GStrv) ts_params = NULL, xen_params = NULL, credit_params = NULL;
  g_autofree char *tail = NULL, *progress = NULL;
  gboolean no_cpu = FALSE;
  gint64 seed = 1;
  gboolean quiet = FALSE, check = FALSE, node_claims = FALSE;
  const GOptionEntry entries[] = {
    { "topology", 't', 0, G_OPTION_ARG_STRING, &topology, "Host topology: bundled NAME, FILE.ini, FILE.xml, synthetic:DESC or host", "T" },
    { "trace", 'f', 0, G_OPTION_ARG_FILENAME, &trace_path, "VM trace (.csv or .jsonl)", "FILE" },
    { "policy", 'p', 0, G_OPTION_ARG_STRING, &policy_spec, "Placement policy, NAME[:key=value,...] (see 'xenplace policies')", "P" },
    { "policy-plugin", 0, 0, G_OPTION_ARG_FILENAME, &plugin, "Load the policy from a shared object", "FILE.so" },
    { "toolstack", 0, 0, G_OPTION_ARG_STRING, &toolstack, "xenopsd (default) or xl", "TS" },
    { "ts", 0, 0, G_OPTION_ARG_STRING_ARRAY, &ts_params, "Toolstack parameter, repeatable (builders=4, generation=old, claim_mode=0, populate_rate=8GiB, ...)", "NAME=VALUE" },
    { "xen", 0, 0, G_OPTION_ARG_STRING, &xen_version, "Xen behaviour version, 4.17 (default, Debian 12) .. 4.22", "VERSION" },
    { "xen-param", 0, 0, G_OPTION_ARG_STRING_ARRAY, &xen_params, "Xen model parameter, repeatable (scrub_rate=4GiB, dom0_mem=4GiB, ...)", "NAME=VALUE" },
    { "no-cpu-model", 0, 0, G_OPTION_ARG_NONE, &no_cpu, "Model memory only: no credit scheduler, no execution metrics; every pCPU counts as idle, so freed memory is scrubbed in the background", NULL },
    { "credit", 0, 0, G_OPTION_ARG_STRING_ARRAY, &credit_params, "Credit scheduler / workload parameter, repeatable (tslice_ms=30, ratelimit_us=1000, mean_burst_us=10000, ...)", "NAME=VALUE" },
    { "tail", 0, 0, G_OPTION_ARG_STRING, &tail, "Simulate this many seconds after the last trace event and build (default 10 with the CPU model)", "SECONDS" },
    { "node-claims", 0, 0, G_OPTION_ARG_NONE, &node_claims, "What-if: Xen with XenServer's per-node claims (not upstream)", NULL },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed of the run's random generator (default 1)", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Write results JSON here (atomically)", "FILE" },
    { "results-topology", 0, 0, G_OPTION_ARG_STRING, &topology_name, "Name the topology so in the results (run.topology) instead of as given to --topology", "TEXT" },
    { "results-trace", 0, 0, G_OPTION_ARG_STRING, &trace_name, "Name the trace so in the results (run.trace) instead of as given to --trace", "TEXT" },
    { "results-plugin", 0, 0, G_OPTION_ARG_STRING, &plugin_name, "Name the plugin so in the results (run.plugin.path, run.policy) instead of as given to --policy-plugin", "TEXT" },
    { "check-invariants", 0, 0, G_OPTION_ARG_NONE, &check, "Check memory conservation after every event", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print nothing but errors", NULL },
    { "progress", 0, 0, G_OPTION_ARG_STRING, &progress, "Every SECONDS of wall time, and at the end, print how far the run is on stderr (simulated time, events, cost per event, heap fragmentation)", "SECONDS" },
    { NULL }
  };
  if (!xp_cli_parse (&argc, &argv, "", "Replay a VM trace on a host topology under a placement policy.", entries))
    return 2;
  if (argc > 1)
    {
      xp_cli_error ("replay: unexpected argument '%s'", argv[1]);
      return 2;
    }
  if (!topology || !trace_path || (!policy_spec && !plugin))
    {
      xp_cli_error ("replay: --topology, --trace and --policy (or --policy-plugin) are required");
      return 2;
    }

  if (plugin_name && !plugin)
    {
      xp_cli_error ("replay: --results-plugin names the file of --policy-plugin, which is not given");
      return 2;
    }

  const char *inputs[] = { trace_path, topology, plugin };
  if (xp_cli_output_is_input ("replay", "--out", out, inputs, G_N_ELEMENTS (inputs)))
    return 2;

  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) params = NULL;
  g_autoptr (GArray) param_array = g_array_new (FALSE, FALSE, sizeof (XpPolicyParam));
  g_autoptr (XpTopology) topo = NULL;
  g_autoptr (XpTrace) trace = NULL;
  g_autoptr (XpRun) run = NULL;
  XpReplayConfig cfg;
  xp_replay_config_init (&cfg);
  cfg.seed = (guint64) seed;
  cfg.check_invariants = check;
  if (xen_version)
    cfg.xen_version = xen_version;
  if (!xp_xen_behaviour_init (&cfg.behaviour, cfg.xen_version, &error))
    goto fail;
  if (node_claims)
    cfg.behaviour.node_claims = XP_NODE_CLAIMS_SINGLE;
  for (guint i = 0; xen_params && xen_params[i]; i++)
    if (!xp_xen_params_set (&cfg.xen, xen_params[i], &error))
      goto fail;
  cfg.cpu_model = !no_cpu;
  for (guint i = 0; credit_params && credit_params[i]; i++)
    if (!xp_credit_params_set (&cfg.credit, credit_params[i], &error))
      goto fail;
  if (cfg.cpu_model && !xp_credit_params_check (&cfg.credit, &error))
    goto fail;
  if (tail && !xp_parse_seconds (tail, &cfg.tail))
    {
      xp_cli_error ("replay: --tail: expected a number of seconds, got '%s'", tail);
      return 2;
    }
  ProgressLast progress_last = { 0 };
  if (progress)
    {
      XpTime every;
      if (!xp_parse_seconds (progress, &every) || every <= 0)
        {
          xp_cli_error ("replay: --progress: expected a positive number of seconds, got '%s'", progress);
          return 2;
        }
      cfg.progress = print_progress;
      cfg.progress_data = &progress_last;
      cfg.progress_interval_us = MAX (every / 1000, 1);
    }
  if (toolstack && !xp_toolstack_kind_parse (toolstack, &cfg.toolstack.kind))
    {
      xp_cli_error ("replay: --toolstack: unknown toolstack '%s' (xenopsd or xl)", toolstack);
      return 2;
    }
  XpToolstackKind kind = cfg.toolstack.kind;
  xp_toolstack_params_init (&cfg.toolstack, kind);
  for (guint i = 0; ts_params && ts_params[i]; i++)
    if (!xp_toolstack_params_set (&cfg.toolstack, ts_params[i], &error))
      goto fail;

  if (plugin)
    {
      cfg.policy = xp_policy_load_plugin (plugin, &error);
      if (!cfg.policy)
        goto fail;
      /* the plugin's parameters come as --policy NAME:key=value,... */
      if (policy_spec && !(params = xp_policy_parse_spec_for (cfg.policy, policy_spec, &error)))
        goto fail;
      plugin_sha256 = xp_policy_plugin_sha256 (plugin, &error);
      if (!plugin_sha256)
        goto fail;
      /* the results name it as a scenario does: FILE.so:key=value,... */
      const char *named = plugin_name ? plugin_name : plugin;
      const char *colon = policy_spec ? strchr (policy_spec, ':') : NULL;
      plugin_spec = g_strconcat (named, colon && colon[1] ? colon : "", NULL);
      cfg.policy_spec = plugin_spec;
      cfg.policy_plugin = named;
      cfg.policy_plugin_sha256 = plugin_sha256;
    }
  else
    {
      cfg.policy = xp_policy_parse_spec (policy_spec, &params, &error);
      if (!cfg.policy)
        goto fail;
      cfg.policy_spec = policy_spec;
    }
  /* the policy takes its parameters as one contiguous array */
  for (guint i = 0; params && i < params->len; i++)
    g_array_append_val (param_array, *(const XpPolicyParam *) params->pdata[i]);
  cfg.policy_params = (const XpPolicyParam *) param_array->data;
  cfg.n_policy_params = param_array->len;

  topo = xp_topology_load (topology, &error);
  if (!topo)
    goto fail;
  /* an hwloc file without memory sizes loads as 0 B (topo show notes it);
   * nothing can run on it, and the message should say which input to fix */
  if (xp_topology_total_memory (topo) == 0)
    {
      xp_cli_error ("%s: the topology records no memory on any node (taken as 0 B), so neither dom0 nor a VM fits: "
                    "give its nodes a memory size", topology);
      return 1;
    }
  cfg.topo = topo;
  cfg.topology_spec = topology_name ? topology_name : topology;
  trace = xp_trace_load (trace_path, &error);
  if (!trace)
    goto fail;
  cfg.trace = trace;
  cfg.trace_spec = trace_name;

  /* an output that cannot be written is found now, not after the run:
   * a temporary file beside it is made and removed */
  if (out)
    {
      if (g_file_test (out, G_FILE_TEST_IS_DIR))
        {
          xp_cli_error ("%s: cannot write: is a directory", out);
          return 1;
        }
      XpAtomicFile *probe = xp_atomic_file_open (out, &error);
      if (!probe)
        goto fail;
      xp_atomic_file_abort (probe);
    }

  run = xp_replay_run (&cfg, &error);
  if (!run)
    goto fail;
  if (out && !xp_results_write (run, NULL, out, &error))
    goto fail;
  if (!quiet)
    {
      g_autoptr (GString) s = g_string_new (NULL);
      xp_results_print_summary (run, s);
      if (out)
        g_string_append_printf (s, "  results: %s\n", out);
      fputs (s->str, stdout);
    }
  return 0;

fail:
  xp_cli_error ("%s", error->message);
  return 1;
}
